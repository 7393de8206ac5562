/* The backend table and the simulated robot: PD response, latency, arm_sdk mixing, options. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "rt_testlib.h"
#include "testutil.h"

#define DT 2000000

static void open_sim(motion_backend **b, const char *model, const char *const *opts)
{
    if (motion_backend_open(b, "sim", rt_model(model), 500, opts) != MOTION_OK)
        fail_msg("sim: %s", motion_error_message());
}

static void full_command(motion_command *c, const mpk_robot_model *m, int64_t t)
{
    int j;

    memset(c, 0, sizeof(*c));
    c->time_ns = t;
    c->joint_count = m->joint_count;
    c->channel = MOTION_CHANNEL_FULL;
    for (j = 0; j < m->joint_count; j++) {
        c->enable[j] = 1;
        c->q[j] = m->joints[j].stand;
        c->kp[j] = m->joints[j].kp;
        c->kd[j] = m->joints[j].kd;
    }
}

static void table_and_options(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    const char *bad_key[] = {"latency=3", NULL};
    const char *bad_value[] = {"latency_ms=-3", NULL};
    const char *bad_start[] = {"start=upside-down", NULL};
    const char *no_eq[] = {"latency_ms", NULL};
    motion_backend *b = NULL;
    int i;

    assert_non_null(motion_backend_find("sim"));
    assert_non_null(motion_backend_find("record"));
    assert_null(motion_backend_find("nope"));
    for (i = 0; motion_backend_at(i); i++)
        assert_non_null(motion_backend_at(i)->summary);
    assert_true(i >= 2);
    assert_int_equal(motion_backend_open(&b, "nope", m, 500, NULL), MOTION_ENOTFOUND);
    assert_non_null(strstr(motion_error_message(), "record"));
    assert_int_equal(motion_backend_open(&b, "sim", m, 5000, NULL), MOTION_EINVAL);
    assert_int_equal(motion_backend_open(&b, "sim", m, 500, bad_key), MOTION_EINVAL);
    assert_non_null(strstr(motion_error_message(), "latency"));
    assert_non_null(strstr(motion_error_message(), "latency_ms")); /* lists the known ones */
    assert_int_equal(motion_backend_open(&b, "sim", m, 500, bad_value), MOTION_EINVAL);
    assert_int_equal(motion_backend_open(&b, "sim", m, 500, bad_start), MOTION_EINVAL);
    assert_int_equal(motion_backend_open(&b, "sim", m, 500, no_eq), MOTION_EINVAL);
    /* A seed is a whole number: 1.5 was taken (and truncated) before. */
    {
        const char *const seeds[] = {"seed=1.5", "seed=1e3",        "seed=0x10", "seed=-1",
                                     "seed= 7",  "seed=4294967296", "seed="};
        for (i = 0; i < (int)(sizeof(seeds) / sizeof(seeds[0])); i++) {
            const char *opt[] = {seeds[i], NULL};
            assert_int_equal(motion_backend_open(&b, "sim", m, 500, opt), MOTION_EINVAL);
            assert_non_null(strstr(motion_error_message(), "seed"));
            assert_non_null(strstr(motion_error_message(), "whole number"));
        }
    }
    assert_null(b);
    /* option lookup: the last occurrence wins */
    const char *opts[] = {"a=1", "ab=2", "a=3", NULL};
    assert_string_equal(motion_options_get(opts, "a"), "3");
    assert_string_equal(motion_options_get(opts, "ab"), "2");
    assert_null(motion_options_get(opts, "b"));
}

/* Each joint follows the PD command as a damped second-order system and settles on it. */
static void follows_pd_command(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    const char *opts[] = {"start=zero", "latency_ms=0", NULL};
    motion_backend *b;
    motion_command c;
    motion_state s;
    int64_t t = 1000000000;
    int j = mpk_robot_joint_index(m, "left_elbow"), i;
    double peak = 0, target = 1.0;

    open_sim(&b, "g1-29dof", opts);
    assert_int_equal(motion_backend_read_state(b, &s, t), MOTION_OK);
    assert_true(s.q[j] == 0.0 && s.stamp_ns == t);
    for (i = 0; i < 1500; i++) {
        full_command(&c, m, t);
        c.q[j] = target;
        assert_int_equal(motion_backend_write(b, &c), MOTION_OK);
        t += DT;
        assert_int_equal(motion_backend_read_state(b, &s, t), MOTION_OK);
        peak = fmax(peak, s.q[j]);
    }
    assert_true(fabs(s.q[j] - target) < 1e-3);
    assert_true(fabs(s.dq[j]) < 1e-3);
    assert_true(peak > target);       /* underdamped with the default gains: it overshoots... */
    assert_true(peak < target * 1.5); /* ...but not wildly */
    /* stamps and sequence numbers advance */
    {
        uint32_t seq = s.seq;
        assert_int_equal(motion_backend_read_state(b, &s, t + DT), MOTION_OK);
        assert_true(s.seq == seq + 1 && s.stamp_ns == t + DT);
    }
    /* damping (kp 0) slows a moving joint to rest without pulling it anywhere */
    full_command(&c, m, t);
    for (int k = 0; k < m->joint_count; k++)
        c.kp[k] = 0;
    c.q[j] = -1.0;
    for (i = 0; i < 2000; i++) {
        c.time_ns = t;
        assert_int_equal(motion_backend_write(b, &c), MOTION_OK);
        t += DT;
        assert_int_equal(motion_backend_read_state(b, &s, t), MOTION_OK);
    }
    assert_true(fabs(s.q[j] - target) < 0.05);
    motion_backend_free(b);
}

/* A command takes effect only after the configured latency. */
static void latency(void **state)
{
    const mpk_robot_model *m = rt_model("go2");
    const char *opts[] = {"start=stand", "latency_ms=10", NULL};
    motion_backend *b;
    motion_command c;
    motion_state s;
    int64_t t = 1000000000, t0;
    int j = 1, i;
    double q0;

    open_sim(&b, "go2", opts);
    assert_int_equal(motion_backend_read_state(b, &s, t), MOTION_OK);
    q0 = s.q[j];
    t0 = t;
    for (i = 0; i < 20; i++) {
        full_command(&c, m, t);
        c.q[j] = q0 + 0.5;
        assert_int_equal(motion_backend_write(b, &c), MOTION_OK);
        t += DT;
        assert_int_equal(motion_backend_read_state(b, &s, t), MOTION_OK);
        if (t - t0 <= 10000000)
            assert_true(fabs(s.q[j] - q0) < 1e-6); /* the robot's own controller holds stand */
    }
    assert_true(s.q[j] > q0 + 1e-3);
    motion_backend_free(b);
}

/* On the upper-body channel the command mixes with the robot's controller by the weight; legs
 * are never taken. */
static void arm_sdk_weight(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    const char *opts[] = {"start=stand", "latency_ms=0", NULL};
    int arm = mpk_robot_joint_index(m, "right_shoulder_pitch");
    int leg = mpk_robot_joint_index(m, "right_knee");
    double weights[] = {0.0, 0.5, 1.0}, settled[3];
    int w, i;

    for (w = 0; w < 3; w++) {
        motion_backend *b;
        motion_command c;
        motion_state s;
        int64_t t = 1000000000;
        open_sim(&b, "g1-29dof", opts);
        for (i = 0; i < 2000; i++) {
            full_command(&c, m, t);
            c.channel = MOTION_CHANNEL_UPPER;
            c.weight = weights[w];
            c.q[arm] = m->joints[arm].stand - 1.0;
            c.q[leg] = m->joints[leg].stand + 1.0; /* enabled, but a leg */
            assert_int_equal(motion_backend_write(b, &c), MOTION_OK);
            t += DT;
            assert_int_equal(motion_backend_read_state(b, &s, t), MOTION_OK);
        }
        settled[w] = s.q[arm] - m->joints[arm].stand;
        assert_true(fabs(s.q[leg] - m->joints[leg].stand) < 1e-6);
        motion_backend_free(b);
    }
    assert_true(fabs(settled[0]) < 1e-3);       /* weight 0: the robot holds its pose */
    assert_true(fabs(settled[1] + 0.5) < 0.02); /* half way (equal gains) */
    assert_true(fabs(settled[2] + 1.0) < 1e-3); /* weight 1: ours */
}

static void random_start_and_freeze(void **state)
{
    const mpk_robot_model *m = rt_model("h1-2");
    const char *opts[] = {"start=random", "seed=7", "velocity=1", "freeze_after=0.1", NULL};
    const char *same[] = {"start=random", "seed=7", "velocity=1", NULL};
    motion_backend *a, *b;
    motion_state s1, s2;
    int64_t t = 1000000000;
    int j, i;
    bool moving = false;

    open_sim(&a, "h1-2", opts);
    open_sim(&b, "h1-2", same);
    assert_int_equal(motion_backend_read_state(a, &s1, t), MOTION_OK);
    assert_int_equal(motion_backend_read_state(b, &s2, t), MOTION_OK);
    for (j = 0; j < m->joint_count; j++) {
        double range = m->joints[j].upper - m->joints[j].lower;
        assert_true(s1.q[j] == s2.q[j]); /* deterministic per seed */
        assert_true(s1.q[j] >= m->joints[j].lower + 0.1 * range - 1e-12);
        assert_true(s1.q[j] <= m->joints[j].upper - 0.1 * range + 1e-12);
        moving = moving || fabs(s1.dq[j]) > 0.1;
    }
    assert_true(moving);
    /* after freeze_after the state stops: the same stamp, again and again */
    for (i = 0; i < 100; i++) {
        t += DT;
        assert_int_equal(motion_backend_read_state(a, &s1, t), MOTION_OK);
    }
    assert_true(s1.stamp_ns <= 1000000000 + 100000000);
    assert_true(t - s1.stamp_ns > 90000000);
    motion_backend_free(a);
    motion_backend_free(b);
}

/* A jump of the tick's clock (a loop that stalled for hours, a caller ticking by hand that skipped
 * ahead) costs a bounded amount of simulation: the read returns at once with the robot where the
 * last command holds it, not after simulating the whole gap in 0.5 ms steps. */
static void clock_jump_is_bounded(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    motion_backend *b;
    motion_command c;
    motion_state s;
    int64_t t = 1000000000;
    int j;

    open_sim(&b, "g1-29dof", NULL);
    assert_int_equal(motion_backend_read_state(b, &s, t), MOTION_OK);
    full_command(&c, m, t);
    assert_int_equal(motion_backend_write(b, &c), MOTION_OK);
    alarm(20); /* before the fix this read simulated 11 days of robot: the alarm ends the test */
    t += 1000000ll * 1000000000ll;
    assert_int_equal(motion_backend_read_state(b, &s, t), MOTION_OK);
    alarm(0);
    assert_true(s.stamp_ns == t);
    for (j = 0; j < m->joint_count; j++)
        assert_true(fabs(s.q[j] - m->joints[j].stand) < 0.01);
    motion_backend_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_and_options),
        cmocka_unit_test(follows_pd_command),
        cmocka_unit_test(latency),
        cmocka_unit_test(arm_sdk_weight),
        cmocka_unit_test(random_start_and_freeze),
        cmocka_unit_test(clock_jump_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
