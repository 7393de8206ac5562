/* libmotion's "dds" backend (runtime/dds/dds_backend.c) on loopback, seen from the robot's side:
 * options checked with messages naming the key, joints mapped to their motor slots both ways,
 * the upper channel on rt/arm_sdk with legs left alone and the weight in the weight slot, the full
 * channel on rt/lowcmd with disabled motors off, mode_machine echoed, the link's counters (states,
 * bad CRCs, repeated ticks, commands) through motion_backend_stats_get, and no upper channel on a
 * robot without one. */
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "motion/backend.h"
#include "mpk/robot.h"

#include "dds_domain.h"
#include "unitree_crc.h"
#include "unitree_msgs.h"

static uint32_t private_domain(void)
{
    for (uint32_t d = 190; d < 200; d++) {
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)(7410 + 250 * d))};
        int fd = socket(AF_INET, SOCK_DGRAM, 0), ok;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return d;
    }
    return 199;
}

static void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static void test_options(void **state)
{
    const mpk_robot_model *g1 = mpk_robot_find("g1-29dof");
    motion_backend *b = NULL;
    const char *unknown[] = {"colour=red", NULL};
    const char *far[] = {"domain=500", NULL};
    const char *half[] = {"domain=1.5", NULL};
    const char *half_report[] = {"report=0.5", NULL};
    const char *two_report[] = {"report=2", NULL};
    const char *nosuch[] = {"domain=199", "interface=nosuch0", NULL};
    const char *high[] = {"priority=100", NULL};
    const char *frac[] = {"priority=1.5", NULL};

    (void)state;
    assert_non_null(motion_backend_find("dds"));
    assert_int_not_equal(motion_backend_open(&b, "dds", g1, 500, unknown), MOTION_OK);
    assert_non_null(strstr(motion_error_message(), "colour"));
    assert_int_not_equal(motion_backend_open(&b, "dds", g1, 500, far), MOTION_OK);
    assert_non_null(strstr(motion_error_message(), "domain"));
    assert_int_not_equal(motion_backend_open(&b, "dds", g1, 500, half), MOTION_OK);
    assert_non_null(strstr(motion_error_message(), "domain"));
    /* report is 0 or 1: 0.5 was taken (as 1) before */
    assert_int_equal(motion_backend_open(&b, "dds", g1, 500, half_report), MOTION_EINVAL);
    assert_non_null(strstr(motion_error_message(), "report=0.5: must be a whole number 0..1"));
    assert_int_equal(motion_backend_open(&b, "dds", g1, 500, two_report), MOTION_EINVAL);
    assert_non_null(strstr(motion_error_message(), "report"));
    assert_int_equal(motion_backend_open(&b, "dds", g1, 500, high), MOTION_EINVAL);
    assert_non_null(strstr(motion_error_message(), "priority=100: must be a whole number 0..99"));
    assert_int_equal(motion_backend_open(&b, "dds", g1, 500, frac), MOTION_EINVAL);
    assert_non_null(strstr(motion_error_message(), "priority=1.5"));
    assert_int_equal(motion_backend_open(&b, "dds", g1, 500, nosuch), MOTION_EBACKEND);
    assert_non_null(strstr(motion_error_message(), "'nosuch0': no such network interface"));
    assert_null(b);
}

typedef struct robot_side {
    motion__dds_node node;
    dds_entity_t state_writer, lowcmd_reader, arm_reader;
} robot_side;

static void robot_open(robot_side *r, uint32_t domain)
{
    char err[256];
    dds_entity_t t;

    assert_int_equal(motion__dds_node_open(&r->node, domain, "lo", err, sizeof(err)), 0);
    t = dds_create_topic(r->node.participant, &unitree_hg_msg_dds__LowState__desc,
                         MOTION_DDS_TOPIC_LOWSTATE, NULL, NULL);
    r->state_writer = dds_create_writer(r->node.participant, t, NULL, NULL);
    t = dds_create_topic(r->node.participant, &unitree_hg_msg_dds__LowCmd__desc,
                         MOTION_DDS_TOPIC_LOWCMD, NULL, NULL);
    r->lowcmd_reader = dds_create_reader(r->node.participant, t, NULL, NULL);
    t = dds_create_topic(r->node.participant, &unitree_hg_msg_dds__LowCmd__desc,
                         MOTION_DDS_TOPIC_ARM_SDK, NULL, NULL);
    r->arm_reader = dds_create_reader(r->node.participant, t, NULL, NULL);
    assert_true(r->state_writer > 0 && r->lowcmd_reader > 0 && r->arm_reader > 0);
}

/* Takes the next command from reader, zeroed first so padding is zero for the CRC. */
static void take_cmd(dds_entity_t reader, motion__hg_lowcmd *out)
{
    for (int i = 0; i < 500; i++) {
        void *ptr = out;
        dds_sample_info_t info;
        memset(out, 0, sizeof(*out));
        if (dds_take(reader, &ptr, &info, 1, 1) == 1 && info.valid_data) {
            assert_int_equal(out->crc, motion__unitree_crc(out, sizeof(*out)));
            return;
        }
        sleep_ms(10);
    }
    fail_msg("no command arrived");
}

static void test_g1(void **state)
{
    const mpk_robot_model *g1 = mpk_robot_find("g1-29dof");
    uint32_t domain = private_domain();
    char dopt[32];
    const char *opts[] = {dopt, "interface=lo", NULL};
    static motion__hg_lowstate st;
    static motion__hg_lowcmd got;
    static motion_state ms;
    static motion_command cmd;
    motion_backend *b = NULL;
    motion_backend_stats bs;
    uint64_t received;
    robot_side r;
    int rc = MOTION_EAGAIN;

    (void)state;
    snprintf(dopt, sizeof(dopt), "domain=%u", domain);
    assert_int_equal(motion_backend_open(&b, "dds", g1, 500, opts), MOTION_OK);
    assert_int_equal(motion_backend_read_state(b, &ms, 0), MOTION_EAGAIN);
    robot_open(&r, domain);

    /* State by slot -> joints in model order, IMU included. */
    memset(&st, 0, sizeof(st));
    st.mode_machine = 5;
    for (int s = 0; s < 35; s++) {
        st.motor_state[s].q = 0.01f * (float)s;
        st.motor_state[s].dq = -0.02f * (float)s;
        st.motor_state[s].tau_est = 0.5f * (float)s;
    }
    st.imu_state.quaternion[0] = 1.0f;
    st.imu_state.accelerometer[2] = 9.81f;
    st.crc = motion__unitree_crc(&st, sizeof(st));
    for (int i = 0; i < 500 && rc == MOTION_EAGAIN; i++) {
        assert_int_equal(dds_write(r.state_writer, &st), 0);
        sleep_ms(10);
        rc = motion_backend_read_state(b, &ms, 0);
    }
    assert_int_equal(rc, MOTION_OK);
    assert_int_equal(ms.joint_count, g1->joint_count);
    for (int j = 0; j < g1->joint_count; j++)
        assert_true(ms.q[j] == (double)(0.01f * (float)g1->joints[j].motor) &&
                    ms.dq[j] == (double)(-0.02f * (float)g1->joints[j].motor) &&
                    ms.tau[j] == (double)(0.5f * (float)g1->joints[j].motor));
    assert_true(ms.has_imu && ms.imu_quat[0] == 1.0 && ms.imu_acc[2] == (double)9.81f);
    assert_true(ms.stamp_ns > 0 && ms.seq >= 1);

    /* Upper channel: waist and arms on rt/arm_sdk, legs untouched, weight in slot 29. */
    memset(&cmd, 0, sizeof(cmd));
    cmd.joint_count = g1->joint_count;
    cmd.channel = MOTION_CHANNEL_UPPER;
    cmd.weight = 0.25;
    for (int j = 0; j < g1->joint_count; j++) {
        cmd.enable[j] = g1->joints[j].group != MPK_GROUP_LEG;
        cmd.q[j] = 0.1 + 0.001 * j;
        cmd.kp[j] = 40;
        cmd.kd[j] = 1;
    }
    assert_int_equal(motion_backend_write(b, &cmd), MOTION_OK);
    take_cmd(r.arm_reader, &got);
    assert_int_equal(got.mode_machine, 5);
    assert_true(got.motor_cmd[29].q == 0.25f && got.motor_cmd[29].kp == 0.0f);
    for (int j = 0; j < g1->joint_count; j++) {
        const unitree_hg_msg_dds__MotorCmd_ *m = &got.motor_cmd[g1->joints[j].motor];
        if (g1->joints[j].group == MPK_GROUP_LEG) {
            assert_true(m->mode == 0 && m->q == 0 && m->kp == 0 && m->kd == 0);
        } else {
            assert_int_equal(m->mode, g1->joints[j].motor_mode);
            assert_true(m->q == (float)(0.1 + 0.001 * j) && m->kp == 40.f && m->kd == 1.f);
        }
    }

    /* rt/arm_sdk never carries a leg, even one a caller enabled by mistake: the robot's own
     * controller keeps the legs. */
    for (int j = 0; j < g1->joint_count; j++)
        cmd.enable[j] = 1;
    assert_int_equal(motion_backend_write(b, &cmd), MOTION_OK);
    take_cmd(r.arm_reader, &got);
    for (int j = 0; j < g1->joint_count; j++) {
        const unitree_hg_msg_dds__MotorCmd_ *m = &got.motor_cmd[g1->joints[j].motor];
        if (g1->joints[j].group == MPK_GROUP_LEG)
            assert_true(m->mode == 0 && m->q == 0 && m->kp == 0 && m->kd == 0);
        else
            assert_true(m->kp == 40.f);
    }

    /* Full channel: every motor on rt/lowcmd; a disabled one is off. */
    cmd.channel = MOTION_CHANNEL_FULL;
    for (int j = 0; j < g1->joint_count; j++)
        cmd.enable[j] = j != 3;
    assert_int_equal(motion_backend_write(b, &cmd), MOTION_OK);
    take_cmd(r.lowcmd_reader, &got);
    assert_int_equal(got.motor_cmd[g1->joints[3].motor].mode, 0);
    assert_true(got.motor_cmd[g1->joints[3].motor].kp == 0);
    assert_int_equal(got.motor_cmd[g1->joints[0].motor].mode, 1);
    assert_true(got.motor_cmd[29].q == 0.0f); /* no weight on the full channel */

    /* The link's counters, readable while it runs: every state above had tick 0, so all but
     * the first were repeated ticks; then a bad CRC and a fresh tick. */
    motion_backend_stats_get(b, &bs);
    assert_true(bs.available);
    assert_true(bs.states >= 1 && bs.bad_crc == 0 && bs.repeated_tick == bs.states - 1);
    assert_true(bs.commands == 3 && bs.write_errors == 0);
    received = bs.states;
    st.crc ^= 1u;
    assert_int_equal(dds_write(r.state_writer, &st), 0);
    st.tick = 2;
    st.crc = motion__unitree_crc(&st, sizeof(st));
    assert_int_equal(dds_write(r.state_writer, &st), 0);
    for (int i = 0; i < 500 && bs.states < received + 2; i++) {
        sleep_ms(10);
        motion_backend_stats_get(b, &bs);
    }
    assert_int_equal(bs.states, received + 2);
    assert_int_equal(bs.bad_crc, 1);
    assert_int_equal(bs.repeated_tick, received - 1);

    motion_backend_free(b);
    motion__dds_node_close(&r.node);

    /* A backend without message counters says so. */
    assert_int_equal(motion_backend_open(&b, "sim", g1, 500, NULL), MOTION_OK);
    bs.available = true;
    motion_backend_stats_get(b, &bs);
    assert_false(bs.available);
    assert_int_equal(bs.states, 0);
    motion_backend_free(b);
}

/* Scheduling policy of every thread of this process, by thread id (0 where the slot is unused). */
#define MAX_TASKS 256
static void task_policies(long tids[MAX_TASKS], int policies[MAX_TASKS])
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    memset(tids, 0, MAX_TASKS * sizeof(tids[0]));
    while ((e = readdir(d)) != NULL && n < MAX_TASKS) {
        char path[64], buf[1024], *p;
        FILE *f;
        int field;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
        if (!(f = fopen(path, "r")))
            continue; /* a thread that just ended */
        p = fgets(buf, sizeof(buf), f);
        fclose(f);
        if (!p || !(p = strrchr(buf, ')')))
            continue;
        /* After "pid (comm)" comes field 3; the policy is field 41. */
        for (field = 2; field < 41 && p; field++)
            p = strchr(p + 1, ' ');
        assert_non_null(p);
        tids[n] = atol(e->d_name);
        policies[n++] = atoi(p + 1);
    }
    closedir(d);
}

/* @return how many threads now exist that did not before, and how many of them run SCHED_FIFO */
static int new_threads(const long before[MAX_TASKS], int *fifo)
{
    long now[MAX_TASKS];
    int pol[MAX_TASKS], n = 0;

    task_policies(now, pol);
    *fifo = 0;
    for (int i = 0; i < MAX_TASKS && now[i]; i++) {
        bool old = false;
        for (int k = 0; k < MAX_TASKS && before[k] && !old; k++)
            old = before[k] == now[i];
        if (!old) {
            n++;
            *fifo += pol[i] == SCHED_FIFO;
        }
    }
    return n;
}

/* CycloneDDS's threads (the receive thread that takes LowState_) run SCHED_FIFO at the backend's
 * priority where the system permits it, the caller's own scheduling is given back, and priority=0
 * leaves them as the caller is. */
static void test_receive_threads_priority(void **state)
{
    const mpk_robot_model *g1 = mpk_robot_find("g1-29dof");
    char dopt[32];
    const char *rt_opts[] = {dopt, "interface=lo", NULL};
    const char *plain_opts[] = {dopt, "interface=lo", "priority=0", NULL};
    struct sched_param sp = {.sched_priority = 1}, zero = {0};
    long before[MAX_TASKS];
    int pol[MAX_TASKS], policy, fifo, n;
    bool permitted;
    motion_backend *b = NULL;

    (void)state;
    /* Whether this process may use SCHED_FIFO at all (root, CAP_SYS_NICE or an rtprio limit). */
    permitted = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
    if (permitted)
        assert_int_equal(pthread_setschedparam(pthread_self(), SCHED_OTHER, &zero), 0);
    snprintf(dopt, sizeof(dopt), "domain=%u", private_domain());

    task_policies(before, pol);
    assert_int_equal(motion_backend_open(&b, "dds", g1, 500, rt_opts), MOTION_OK);
    n = new_threads(before, &fifo);
    assert_true(n >= 1);
    assert_int_equal(fifo, permitted ? n : 0);
    assert_int_equal(pthread_getschedparam(pthread_self(), &policy, &sp), 0);
    assert_int_equal(policy, SCHED_OTHER); /* the caller's scheduling is given back */
    motion_backend_free(b);

    task_policies(before, pol);
    assert_int_equal(motion_backend_open(&b, "dds", g1, 500, plain_opts), MOTION_OK);
    n = new_threads(before, &fifo);
    assert_true(n >= 1);
    assert_int_equal(fifo, 0);
    motion_backend_free(b);
}

static void test_go2_has_no_upper_channel(void **state)
{
    const mpk_robot_model *go2 = mpk_robot_find("go2");
    char dopt[32];
    const char *opts[] = {dopt, "interface=lo", NULL};
    static motion_command cmd;
    motion_backend *b = NULL;

    (void)state;
    snprintf(dopt, sizeof(dopt), "domain=%u", private_domain());
    assert_int_equal(motion_backend_open(&b, "dds", go2, 500, opts), MOTION_OK);
    memset(&cmd, 0, sizeof(cmd));
    cmd.joint_count = go2->joint_count;
    cmd.channel = MOTION_CHANNEL_UPPER;
    assert_int_equal(motion_backend_write(b, &cmd), MOTION_EBACKEND);
    cmd.channel = MOTION_CHANNEL_FULL;
    assert_int_equal(motion_backend_write(b, &cmd), MOTION_OK);
    motion_backend_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_g1),
        cmocka_unit_test(test_receive_threads_priority),
        cmocka_unit_test(test_go2_has_no_upper_channel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
