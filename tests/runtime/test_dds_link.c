/* The DDS link on loopback (runtime/dds/dds_link.c, dds_domain.c): settings checked with clear
 * messages, states with a wrong CRC rejected and counted, good states handed to the loop with
 * their receipt time, repeated robot ticks counted, mode_machine echoed into the next command. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "dds_domain.h"
#include "dds_link.h"
#include "unitree_crc.h"
#include "unitree_msgs.h"

/* A domain whose first participant port (7410 + 250 d) is free: this test's own domain. */
static uint32_t private_domain(void)
{
    for (uint32_t d = 200; d < 232; d++) {
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)(7410 + 250 * d))};
        int fd = socket(AF_INET, SOCK_DGRAM, 0), ok;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return d;
    }
    return 231;
}

static void test_settings(void **state)
{
    motion__dds_link_config cfg = {MOTION__DDS_HG, 233, "lo", 29};
    motion__dds_link *l = NULL;
    char err[256];

    (void)state;
    assert_int_equal(motion__dds_link_open(&l, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "dds domain 233: must be between 0 and 232"));
    cfg.domain = private_domain();
    cfg.iface = "nosuch0";
    assert_int_equal(motion__dds_link_open(&l, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "dds interface 'nosuch0': no such network interface"));
    cfg.iface = "lo\"/><x";
    assert_int_equal(motion__dds_link_open(&l, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a valid interface name"));
    cfg.iface = "lo";
    cfg.weight_slot = 35;
    assert_int_equal(motion__dds_link_open(&l, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "weight slot 35"));
    assert_null(l);
    motion__dds_link_close(NULL);
}

static int wait_state(motion__dds_link *l, motion__dds_state *out, uint64_t count)
{
    for (int i = 0; i < 500; i++) {
        if (motion__dds_link_state(l, out) && out->count >= count)
            return 1;
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    return 0;
}

static void test_states(void **state)
{
    motion__dds_link_config cfg = {MOTION__DDS_HG, 0, "lo", 29};
    motion__dds_link *l = NULL;
    motion__dds_node node = {0, 0};
    motion__dds_motor motors[MOTION_DDS_LINK_SLOTS];
    motion__dds_state st;
    motion__dds_stats stats;
    static motion__hg_lowstate msg;
    const motion__hg_lowcmd *sent;
    dds_entity_t topic, writer;
    dds_publication_matched_status_t ms = {0};
    size_t size;
    char err[256];
    struct timespec before;

    (void)state;
    cfg.domain = private_domain();
    assert_int_equal(motion__dds_link_open(&l, &cfg, err, sizeof(err)), 0);
    assert_int_equal(motion__dds_link_slots(l), 35);
    assert_int_equal(motion__dds_link_state(l, &st), 0); /* nothing yet */
    assert_int_equal(motion__dds_node_open(&node, cfg.domain, "lo", err, sizeof(err)), 0);
    topic = dds_create_topic(node.participant, &unitree_hg_msg_dds__LowState__desc,
                             MOTION_DDS_TOPIC_LOWSTATE, NULL, NULL);
    writer = dds_create_writer(node.participant, topic, NULL, NULL);
    assert_true(writer > 0);
    for (int i = 0; i < 500 && ms.current_count < 1; i++) {
        dds_get_publication_matched_status(writer, &ms);
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    assert_int_equal(ms.current_count, 1);

    /* A state with a wrong CRC is counted and never reaches the loop. */
    memset(&msg, 0, sizeof(msg));
    msg.mode_machine = 9;
    msg.motor_state[3].q = 9.0f;
    msg.crc = motion__unitree_crc(&msg, sizeof(msg)) ^ 1u;
    assert_int_equal(dds_write(writer, &msg), 0);
    for (int i = 0; i < 500; i++) {
        motion__dds_link_stats(l, &stats);
        if (stats.bad_crc)
            break;
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    assert_int_equal(stats.bad_crc, 1);
    assert_int_equal(motion__dds_link_state(l, &st), 0);

    /* A good one arrives with its receipt time. */
    clock_gettime(CLOCK_MONOTONIC, &before);
    msg.mode_machine = 5;
    msg.tick = 1234;
    msg.motor_state[3].q = 0.7f;
    msg.motor_state[3].dq = -0.25f;
    msg.imu_state.quaternion[0] = 1.0f;
    msg.imu_state.gyroscope[2] = 0.5f;
    msg.crc = motion__unitree_crc(&msg, sizeof(msg));
    assert_int_equal(dds_write(writer, &msg), 0);
    assert_true(wait_state(l, &st, 1));
    assert_int_equal(st.count, 1);
    assert_int_equal(st.tick, 1234);
    assert_int_equal(st.mode_machine, 5);
    assert_true(st.q[3] == 0.7f && st.dq[3] == -0.25f && st.quat[0] == 1.0f && st.gyro[2] == 0.5f);
    assert_true(st.received_ns >= (uint64_t)before.tv_sec * 1000000000u + (uint64_t)before.tv_nsec);

    /* The next command echoes mode_machine and carries a valid CRC. */
    memset(motors, 0, sizeof(motors));
    motors[15] = (motion__dds_motor){0.3f, 0, 0, 40.f, 1.f, 1, 1};
    assert_int_equal(motion__dds_link_write(l, motors, 1, 0.5), 0);
    sent = motion__dds_link_last_message(l, &size);
    assert_int_equal(size, 1004);
    assert_int_equal(sent->mode_machine, 5);
    assert_true(sent->motor_cmd[15].q == 0.3f && sent->motor_cmd[29].q == 0.5f);
    assert_int_equal(sent->crc, motion__unitree_crc(sent, size));
    motion__dds_link_stats(l, &stats);
    assert_int_equal(stats.sent, 1);
    assert_int_equal(stats.received, 2);
    assert_int_equal(stats.repeated_tick, 0);

    /* The robot sends tick 1234 again: counted as a repeated tick, still handed over (it is the
     * newest state). A bad CRC carrying the same tick is not a state and counts only as bad. */
    msg.motor_state[3].q = 0.75f;
    msg.crc = motion__unitree_crc(&msg, sizeof(msg));
    assert_int_equal(dds_write(writer, &msg), 0);
    assert_true(wait_state(l, &st, 2));
    assert_true(st.q[3] == 0.75f && st.tick == 1234);
    motion__dds_link_stats(l, &stats);
    assert_int_equal(stats.repeated_tick, 1);
    msg.crc ^= 1u;
    assert_int_equal(dds_write(writer, &msg), 0);
    msg.tick = 1236;
    msg.crc = motion__unitree_crc(&msg, sizeof(msg));
    assert_int_equal(dds_write(writer, &msg), 0);
    assert_true(wait_state(l, &st, 3));
    assert_int_equal(st.tick, 1236);
    msg.crc ^= 1u; /* a bad one after tick 1236 ... */
    assert_int_equal(dds_write(writer, &msg), 0);
    msg.crc ^= 1u; /* ... then 1236 again, good: repeated, whatever came between */
    assert_int_equal(dds_write(writer, &msg), 0);
    assert_true(wait_state(l, &st, 4));
    motion__dds_link_stats(l, &stats);
    assert_int_equal(stats.received, 7);
    assert_int_equal(stats.bad_crc, 3);
    assert_int_equal(stats.repeated_tick, 2);

    motion__dds_link_close(l);
    motion__dds_node_close(&node);
}

/* A Go robot has no rt/arm_sdk: arm-mode writes fail and are counted. */
static void test_go_has_no_arm_channel(void **state)
{
    motion__dds_link_config cfg = {MOTION__DDS_GO, 0, "lo", -1};
    motion__dds_link *l = NULL;
    motion__dds_motor motors[MOTION_DDS_LINK_SLOTS];
    motion__dds_stats stats;
    char err[256];

    (void)state;
    cfg.domain = private_domain();
    assert_int_equal(motion__dds_link_open(&l, &cfg, err, sizeof(err)), 0);
    assert_int_equal(motion__dds_link_slots(l), 20);
    memset(motors, 0, sizeof(motors));
    assert_int_equal(motion__dds_link_write(l, motors, 1, 1.0), -1);
    assert_int_equal(motion__dds_link_write(l, motors, 0, 0.0), 0);
    motion__dds_link_stats(l, &stats);
    assert_int_equal(stats.write_errors, 1);
    assert_int_equal(stats.sent, 1);
    motion__dds_link_close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_go_has_no_arm_channel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
