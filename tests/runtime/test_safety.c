/* The safety filter: commands that try to break each rule, and what reaches the robot. */
#include <math.h>
#include <string.h>

#include "rt_testlib.h"
#include "testutil.h"

#define RATE  500.0
#define DT_NS 2000000

typedef struct fixture {
    const mpk_robot_model *m;
    motion_safety *s;
    motion_state st;
    motion_command cmd;
    int64_t now;
} fixture;

static void fixture_init(fixture *f, const char *model, motion_channel ch)
{
    int j;

    memset(f, 0, sizeof(*f));
    f->m = rt_model(model);
    assert_int_equal(motion_safety_new(&f->s, f->m, ch, RATE, NULL), MOTION_OK);
    f->now = 1000000000;
    f->st.joint_count = f->m->joint_count;
    for (j = 0; j < f->m->joint_count; j++)
        f->st.q[j] = f->m->joints[j].stand;
}

/* A sane command: hold the measured pose with default gains on every allowed joint. */
static void hold(fixture *f)
{
    int j;

    memset(&f->cmd, 0, sizeof(f->cmd));
    f->cmd.joint_count = f->m->joint_count;
    f->cmd.channel = f->m->weight_slot >= 0 && motion_safety_allows(f->s, 0) == 0
                         ? MOTION_CHANNEL_UPPER
                         : MOTION_CHANNEL_FULL;
    f->cmd.weight = f->cmd.channel == MOTION_CHANNEL_UPPER ? 1.0 : 0.0;
    for (j = 0; j < f->m->joint_count; j++) {
        f->cmd.enable[j] = motion_safety_allows(f->s, j);
        f->cmd.q[j] = f->st.q[j];
        f->cmd.kp[j] = f->m->joints[j].kp;
        f->cmd.kd[j] = f->m->joints[j].kd;
    }
}

static unsigned step(fixture *f)
{
    f->now += DT_NS;
    f->st.stamp_ns = f->now;
    return motion_safety_apply(f->s, &f->cmd, &f->st, f->now);
}

static bool is_damping(const fixture *f)
{
    int j;

    for (j = 0; j < f->m->joint_count; j++) {
        if (f->cmd.enable[j] != motion_safety_allows(f->s, j))
            return false;
        if (f->cmd.enable[j] &&
            (f->cmd.kp[j] != 0 || f->cmd.tau[j] != 0 || f->cmd.dq[j] != 0 || f->cmd.kd[j] <= 0))
            return false;
    }
    return true;
}

static void nothing_before_state(void **state)
{
    fixture f;
    int j;

    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_FULL);
    hold(&f);
    assert_int_equal(motion_safety_apply(f.s, &f.cmd, NULL, f.now), MOTION_SAFETY_NO_STATE);
    for (j = 0; j < f.m->joint_count; j++)
        assert_true(f.cmd.enable[j] == 0 && f.cmd.kp[j] == 0 && f.cmd.kd[j] == 0);
    /* a state with a zero stamp is no state either, and trips no watchdog */
    f.now += 10 * 100000000ll;
    hold(&f);
    assert_int_equal(motion_safety_apply(f.s, &f.cmd, &f.st, f.now), MOTION_SAFETY_NO_STATE);
    assert_int_equal(motion_safety_faults(f.s), 0);
    motion_safety_free(f.s);
}

static void clamps_to_limits_with_margin(void **state)
{
    fixture f;
    motion_safety_config cfg;
    int j = 18, i; /* left_elbow */
    double lo, hi;

    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_FULL);
    motion_safety_config_init(&cfg);
    assert_int_equal(motion_safety_range(f.s, j, &lo, &hi), MOTION_OK);
    assert_true(fabs(hi - (f.m->joints[j].upper - cfg.position_margin)) < 1e-12);
    assert_true(fabs(lo - (f.m->joints[j].lower + cfg.position_margin)) < 1e-12);
    /* A joint index outside the model is refused, naming it, and the outputs are untouched (it
     * used to be read out of bounds). */
    {
        const int bad[] = {-1, f.m->joint_count, MOTION_MAX_JOINTS, 1 << 30};
        for (i = 0; i < 4; i++) {
            double l2 = 7.0, h2 = 7.0;
            assert_int_equal(motion_safety_range(f.s, bad[i], &l2, &h2), MOTION_EINVAL);
            assert_non_null(strstr(motion_error_message(), "joint index"));
            assert_true(l2 == 7.0 && h2 == 7.0);
        }
    }
    /* Walk the target past the upper limit, slowly enough for the rate limit. */
    for (i = 0; i < 2000; i++) {
        unsigned a;
        hold(&f);
        f.cmd.q[j] = f.m->joints[j].lower + i * 0.01;
        a = step(&f);
        assert_true(f.cmd.q[j] <= hi && f.cmd.q[j] >= lo);
        if (f.m->joints[j].lower + i * 0.01 > hi)
            assert_true(a & MOTION_SAFETY_CLAMPED);
    }
    assert_true(f.cmd.q[j] == hi);
    hold(&f);
    f.cmd.q[j] = -1e9;
    step(&f);
    assert_true(f.cmd.q[j] >= lo);
    motion_safety_free(f.s);
}

static void limits_change_per_tick(void **state)
{
    fixture f;
    int j = 15; /* left_shoulder_pitch */
    double vstep;
    unsigned a;

    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_FULL);
    vstep = f.m->joints[j].velocity * DT_NS * 1e-9;
    hold(&f);
    step(&f);
    hold(&f);
    f.cmd.q[j] = f.st.q[j] + 2.0; /* a jump of 2 rad */
    a = step(&f);
    assert_true(a & MOTION_SAFETY_RATE);
    assert_true(fabs(f.cmd.q[j] - (f.st.q[j] + vstep)) < 1e-12);
    /* it keeps walking at the limit, never faster */
    for (int i = 0; i < 10; i++) {
        double before = f.cmd.q[j];
        hold(&f);
        f.cmd.q[j] = f.st.q[j] + 2.0;
        step(&f);
        assert_true(f.cmd.q[j] - before <= vstep + 1e-12);
    }
    /* velocity targets are clamped too */
    hold(&f);
    f.cmd.dq[j] = -1000;
    a = step(&f);
    assert_true(a & MOTION_SAFETY_VELOCITY);
    assert_true(f.cmd.dq[j] == -f.m->joints[j].velocity);
    motion_safety_free(f.s);
}

/* A soft command (kp 0) must not become a stepping stone for a stiff jump. */
static void no_stepping_stone_through_zero_gain(void **state)
{
    fixture f;
    int j = 3; /* left_knee */
    double vstep;

    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_FULL);
    vstep = f.m->joints[j].velocity * DT_NS * 1e-9;
    hold(&f);
    step(&f);
    hold(&f);
    f.cmd.kp[j] = 0;
    f.cmd.q[j] = f.st.q[j] + 1.5;
    step(&f);
    hold(&f);
    f.cmd.q[j] = f.st.q[j] + 1.5; /* now stiff */
    assert_true(step(&f) & MOTION_SAFETY_RATE);
    assert_true(f.cmd.q[j] <= f.st.q[j] + vstep + 1e-12);
    motion_safety_free(f.s);
}

static void nonfinite_latches_damping(void **state)
{
    const double bad[] = {NAN, INFINITY, -INFINITY};
    fixture f;
    int field, k;

    fixture_init(&f, "h1-2", MOTION_CHANNEL_FULL);
    for (field = 0; field < 6; field++) {
        for (k = 0; k < 3; k++) {
            unsigned a;
            hold(&f);
            step(&f);
            hold(&f);
            switch (field) {
            case 0:
                f.cmd.q[7] = bad[k];
                break;
            case 1:
                f.cmd.dq[7] = bad[k];
                break;
            case 2:
                f.cmd.kp[7] = bad[k];
                break;
            case 3:
                f.cmd.kd[7] = bad[k];
                break;
            case 4:
                f.cmd.tau[7] = bad[k];
                break;
            default:
                f.cmd.weight = bad[k];
                break;
            }
            a = step(&f);
            assert_true(a & MOTION_SAFETY_DAMPING);
            assert_true(a & MOTION_SAFETY_TRIPPED);
            assert_true(motion_safety_faults(f.s) & MOTION_FAULT_NONFINITE);
            assert_true(is_damping(&f));
            for (int j = 0; j < f.m->joint_count; j++)
                assert_true(isfinite(f.cmd.q[j]) && isfinite(f.cmd.kd[j]));
            /* latched: a good command is still damped */
            hold(&f);
            step(&f);
            assert_true(is_damping(&f));
            motion_safety_release(f.s);
            hold(&f);
            assert_false(step(&f) & MOTION_SAFETY_DAMPING);
        }
    }
    /* NaN in a motor that is not enabled is nobody's business */
    hold(&f);
    f.cmd.enable[2] = 0;
    f.cmd.q[2] = NAN;
    assert_false(step(&f) & MOTION_SAFETY_DAMPING);
    assert_true(isfinite(f.cmd.q[2]) && f.cmd.kp[2] == 0);
    motion_safety_free(f.s);
}

static void watchdog_damps_stale_state(void **state)
{
    fixture f;
    motion_safety_counters c;
    int i;

    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_UPPER);
    hold(&f);
    step(&f);
    /* The state stops: 50 ticks (100 ms) are fine, the 51st is not. */
    int64_t last = f.now;
    f.st.stamp_ns = last;
    for (i = 1; i <= 60; i++) {
        unsigned a;
        hold(&f);
        f.now += DT_NS;
        a = motion_safety_apply(f.s, &f.cmd, &f.st, f.now);
        if (f.now - last <= 100000000) {
            assert_false(a & MOTION_SAFETY_DAMPING);
        } else {
            assert_true(a & MOTION_SAFETY_DAMPING);
            assert_true(is_damping(&f));
            assert_true(f.cmd.weight == 1.0);
        }
    }
    assert_true(motion_safety_faults(f.s) & MOTION_FAULT_WATCHDOG);
    /* fresh state again: still damping until released */
    hold(&f);
    step(&f);
    assert_true(is_damping(&f));
    motion_safety_release(f.s);
    hold(&f);
    assert_false(step(&f) & MOTION_SAFETY_DAMPING);
    /* a release while the state is still stale trips again at once */
    f.st.stamp_ns = f.now - 200000000;
    motion_safety_release(f.s);
    hold(&f);
    f.now += DT_NS;
    assert_true(motion_safety_apply(f.s, &f.cmd, &f.st, f.now) & MOTION_SAFETY_DAMPING);
    motion_safety_counters_get(f.s, &c);
    assert_int_equal(c.watchdog, 2);
    motion_safety_free(f.s);
}

static void watchdog_age_is_configurable(void **state)
{
    fixture f;
    motion_safety_config cfg;

    fixture_init(&f, "go2", MOTION_CHANNEL_FULL);
    motion_safety_free(f.s);
    motion_safety_config_init(&cfg);
    cfg.watchdog = 0.02;
    assert_int_equal(motion_safety_new(&f.s, f.m, MOTION_CHANNEL_FULL, RATE, &cfg), MOTION_OK);
    hold(&f);
    step(&f);
    f.st.stamp_ns = f.now;
    f.now += 21000000;
    hold(&f);
    assert_true(motion_safety_apply(f.s, &f.cmd, &f.st, f.now) & MOTION_SAFETY_DAMPING);
    motion_safety_free(f.s);
    cfg.watchdog = 0;
    assert_int_equal(motion_safety_new(&f.s, f.m, MOTION_CHANNEL_FULL, RATE, &cfg), MOTION_EINVAL);
}

static void arm_mode_never_drives_legs(void **state)
{
    fixture f;
    unsigned a;
    int j;

    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_UPPER);
    hold(&f);
    step(&f);
    hold(&f);
    for (j = 0; j < f.m->joint_count; j++) {
        f.cmd.enable[j] = 1;
        f.cmd.kp[j] = 50;
        f.cmd.tau[j] = 3;
    }
    f.cmd.channel = MOTION_CHANNEL_FULL; /* and on the wrong channel */
    a = step(&f);
    assert_true(a & MOTION_SAFETY_MASK);
    assert_int_equal(f.cmd.channel, MOTION_CHANNEL_UPPER);
    for (j = 0; j < f.m->joint_count; j++) {
        if (f.m->joints[j].group == MPK_GROUP_LEG) {
            assert_int_equal(f.cmd.enable[j], 0);
            assert_true(f.cmd.kp[j] == 0 && f.cmd.kd[j] == 0 && f.cmd.tau[j] == 0);
        } else {
            assert_int_equal(f.cmd.enable[j], 1);
        }
    }
    /* damping in arm mode damps the upper body only */
    motion_safety_engage(f.s, MOTION_FAULT_ESTOP);
    hold(&f);
    step(&f);
    assert_true(is_damping(&f));
    for (j = 0; j < f.m->joint_count; j++)
        if (f.m->joints[j].group == MPK_GROUP_LEG)
            assert_int_equal(f.cmd.enable[j], 0);
    motion_safety_free(f.s);
    /* a robot without an upper-body channel cannot have an arm-mode filter */
    assert_int_equal(motion_safety_new(&f.s, rt_model("go2"), MOTION_CHANNEL_UPPER, RATE, NULL),
                     MOTION_EINVAL);
}

static void gains_torque_and_weight(void **state)
{
    fixture f;
    motion_safety_config cfg;
    int j = 20, i; /* left_wrist_pitch: 5 Nm */
    unsigned a;

    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_UPPER);
    motion_safety_config_init(&cfg);
    hold(&f);
    f.cmd.weight = 0;
    step(&f);
    hold(&f);
    f.cmd.weight = 0;
    f.cmd.kp[j] = 1e6;
    f.cmd.kd[j] = -4;
    f.cmd.tau[j] = 1000;
    a = step(&f);
    assert_true(a & MOTION_SAFETY_GAINS);
    assert_true(f.cmd.kp[j] == f.m->joints[j].kp * cfg.gain_scale);
    assert_true(f.cmd.kd[j] == 0);
    assert_true(f.cmd.tau[j] == f.m->joints[j].effort);
    /* weight 0 -> 5: clamped to 1, and rising no faster than weight_rate */
    for (i = 0; i < 200; i++) {
        double before = f.cmd.weight;
        hold(&f);
        f.cmd.weight = 5;
        step(&f);
        assert_true(f.cmd.weight <= 1.0);
        assert_true(f.cmd.weight - before <= cfg.weight_rate * DT_NS * 1e-9 + 1e-12);
    }
    assert_true(f.cmd.weight == 1.0);
    motion_safety_free(f.s);
}

static void estop_is_damping_until_released(void **state)
{
    fixture f;

    fixture_init(&f, "b2", MOTION_CHANNEL_FULL);
    hold(&f);
    step(&f);
    motion_safety_engage(f.s, MOTION_FAULT_ESTOP);
    for (int i = 0; i < 100; i++) {
        hold(&f);
        step(&f);
        assert_true(is_damping(&f));
        for (int j = 0; j < f.m->joint_count; j++)
            assert_true(f.cmd.kd[j] == f.m->joints[j].kd);
    }
    assert_int_equal(motion_safety_faults(f.s), MOTION_FAULT_ESTOP);
    motion_safety_release(f.s);
    hold(&f);
    assert_false(step(&f) & MOTION_SAFETY_DAMPING);
    motion_safety_free(f.s);
}

/* A late tick (the loop stalled, or a caller ticking by hand skipped time) does not license a
 * bigger step: one command moves a stiff target by at most the velocity limit times the period. */
static void late_tick_is_no_license_to_jump(void **state)
{
    fixture f;
    int j = 15; /* left_shoulder_pitch, 37 rad/s */
    double vstep, before;
    unsigned a;

    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_FULL);
    vstep = f.m->joints[j].velocity * DT_NS * 1e-9;
    hold(&f);
    step(&f);
    before = f.cmd.q[j];
    f.now += 80000000; /* 80 ms late, the state fresh */
    hold(&f);
    f.cmd.q[j] = f.st.q[j] + 2.0;
    a = step(&f);
    assert_true(a & MOTION_SAFETY_RATE);
    assert_true(f.cmd.q[j] - before <= vstep + 1e-12);
    /* and the weight likewise changes by at most its rate times the period */
    motion_safety_free(f.s);
    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_UPPER);
    hold(&f);
    f.cmd.weight = 0.0;
    step(&f);
    f.now += 80000000;
    hold(&f);
    f.cmd.weight = 1.0;
    a = step(&f);
    assert_true(a & MOTION_SAFETY_WEIGHT);
    assert_true(f.cmd.weight <= 5.0 * DT_NS * 1e-9 + 1e-12);
    motion_safety_free(f.s);
}

/* The watchdog does not trust the state's clock alone: a state stamped by another clock (here an
 * hour ahead, as CLOCK_REALTIME would be) that stops changing, and a backend that after a first
 * good state hands over states without a stamp or with the wrong joint count, both damp once
 * nothing new has come for the watchdog's age by the loop's own clock. */
static void watchdog_needs_new_states(void **state)
{
    fixture f;
    int64_t last;
    int i, round;

    for (round = 0; round < 3; round++) {
        fixture_init(&f, "g1-29dof", MOTION_CHANNEL_FULL);
        for (i = 0; i < 10; i++) {
            hold(&f);
            f.now += DT_NS;
            f.st.stamp_ns = f.now + 3600 * 1000000000ll; /* another clock */
            f.st.seq++;
            assert_false(motion_safety_apply(f.s, &f.cmd, &f.st, f.now) & MOTION_SAFETY_DAMPING);
        }
        last = f.now;
        if (round == 1)
            f.st.stamp_ns = 0;
        if (round == 2)
            f.st.joint_count = 7;
        for (i = 1; i <= 60; i++) {
            unsigned a;
            hold(&f);
            f.now += DT_NS;
            a = motion_safety_apply(f.s, &f.cmd, &f.st, f.now);
            if (f.now - last <= 100000000)
                assert_false(a & MOTION_SAFETY_DAMPING);
            else
                assert_true(a & MOTION_SAFETY_DAMPING);
        }
        assert_true(motion_safety_faults(f.s) & MOTION_FAULT_WATCHDOG);
        motion_safety_free(f.s);
    }
}

/* A loop that stalled runs one tick at its old deadline, then the next at the real time. States
 * stamped by their receipt (a robot over DDS) are fresh throughout, and no new one needs to have
 * come between those two ticks, which run back to back: no watchdog. */
static void no_watchdog_after_a_stall(void **state)
{
    fixture f;
    int64_t deadline;
    int i;

    fixture_init(&f, "g1-29dof", MOTION_CHANNEL_FULL);
    for (i = 0; i < 10; i++) {
        hold(&f);
        f.st.seq++;
        step(&f);
    }
    /* stalled for 5 s: the late tick carries its deadline, the state was received just now */
    deadline = f.now + DT_NS;
    f.now += 5000000000ll;
    f.st.stamp_ns = f.now;
    f.st.seq++;
    hold(&f);
    assert_false(motion_safety_apply(f.s, &f.cmd, &f.st, deadline) & MOTION_SAFETY_DAMPING);
    /* the next deadline, a period after now; the same state */
    hold(&f);
    f.now += DT_NS;
    assert_false(motion_safety_apply(f.s, &f.cmd, &f.st, f.now) & MOTION_SAFETY_DAMPING);
    assert_int_equal(motion_safety_faults(f.s), 0);
    motion_safety_free(f.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_before_state),
        cmocka_unit_test(clamps_to_limits_with_margin),
        cmocka_unit_test(limits_change_per_tick),
        cmocka_unit_test(late_tick_is_no_license_to_jump),
        cmocka_unit_test(no_stepping_stone_through_zero_gain),
        cmocka_unit_test(nonfinite_latches_damping),
        cmocka_unit_test(watchdog_damps_stale_state),
        cmocka_unit_test(watchdog_age_is_configurable),
        cmocka_unit_test(watchdog_needs_new_states),
        cmocka_unit_test(no_watchdog_after_a_stall),
        cmocka_unit_test(arm_mode_never_drives_legs),
        cmocka_unit_test(gains_torque_and_weight),
        cmocka_unit_test(estop_is_damping_until_released),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
