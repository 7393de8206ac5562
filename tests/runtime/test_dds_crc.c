/* Unitree message CRC and LowCmd_ packing (runtime/dds/unitree_crc.c, dds_link.c). */
#include <math.h>
#include <string.h>

#include "testutil.h"

#include "dds_link.h"
#include "unitree_crc.h"
#include "unitree_msgs.h"

/* The documented test vectors. */
static void test_vectors(void **state)
{
    static motion__hg_lowcmd hg_cmd;
    static motion__hg_lowstate hg_state;
    static motion__go_lowcmd go_cmd;

    (void)state;
    memset(&hg_cmd, 0, sizeof(hg_cmd));
    memset(&hg_state, 0, sizeof(hg_state));
    memset(&go_cmd, 0, sizeof(go_cmd));
    assert_int_equal(motion__crc32_mpeg2("123456789", 9), 0x0376E6E7u);
    assert_int_equal(motion__unitree_crc(&hg_cmd, sizeof(hg_cmd)), 0xfe172f9fu);
    assert_int_equal(motion__unitree_crc(&hg_state, sizeof(hg_state)), 0xd64bb04au);
    assert_int_equal(motion__unitree_crc(&go_cmd, sizeof(go_cmd)), 0x4b5a4880u);
}

/* Word-wise MSB-first equals CRC-32/MPEG-2 over each word written big-endian, and the last word
 * (the crc field itself) is not covered. */
static void test_words_big_endian(void **state)
{
    uint32_t words[4] = {0x01020304u, 0xA0B0C0D0u, 0xFFFFFFFFu, 0xDEADBEEFu};
    uint8_t be[12];

    (void)state;
    for (int w = 0; w < 3; w++)
        for (int b = 0; b < 4; b++)
            be[4 * w + b] = (uint8_t)(words[w] >> (24 - 8 * b));
    assert_int_equal(motion__unitree_crc(words, sizeof(words)), motion__crc32_mpeg2(be, 12));
    words[3] = 0;
    assert_int_equal(motion__unitree_crc(words, sizeof(words)), motion__crc32_mpeg2(be, 12));
    words[1] ^= 0x100u;
    assert_int_not_equal(motion__unitree_crc(words, sizeof(words)), motion__crc32_mpeg2(be, 12));
}

static void fill(motion__dds_motor *m, int used)
{
    memset(m, 0, sizeof(*m) * MOTION_DDS_LINK_SLOTS);
    for (int i = 0; i < used; i++)
        m[i] = (motion__dds_motor){0.1f * (float)i, 0.5f, 1.5f, 40.f, 1.f, 1, 1};
}

static void test_pack_hg(void **state)
{
    motion__dds_motor motors[MOTION_DDS_LINK_SLOTS];
    motion__hg_lowcmd m;

    (void)state;
    fill(motors, 29);
    motion__dds_pack_lowcmd(&m, MOTION__DDS_HG, motors, 0, 29, 0.7, 5);
    assert_int_equal(m.mode_machine, 5);
    assert_int_equal(m.crc, motion__unitree_crc(&m, sizeof(m)));
    for (int i = 0; i < 29; i++) {
        assert_int_equal(m.motor_cmd[i].mode, 1);
        assert_true(m.motor_cmd[i].q == 0.1f * (float)i && m.motor_cmd[i].kp == 40.f);
    }
    for (int i = 29; i < 35; i++) /* unused slots, and no weight on the full channel */
        assert_true(m.motor_cmd[i].mode == 0 && m.motor_cmd[i].q == 0 && m.motor_cmd[i].kp == 0);

    /* arm_sdk: the weight in the weight slot, clamped to 0..1, NaN as 0. */
    motion__dds_pack_lowcmd(&m, MOTION__DDS_HG, motors, 1, 29, 0.7, 5);
    assert_true(m.motor_cmd[29].q == 0.7f && m.motor_cmd[29].kp == 0 && m.motor_cmd[29].mode == 0);
    assert_int_equal(m.crc, motion__unitree_crc(&m, sizeof(m)));
    motion__dds_pack_lowcmd(&m, MOTION__DDS_HG, motors, 1, 29, 3.0, 5);
    assert_true(m.motor_cmd[29].q == 1.0f);
    motion__dds_pack_lowcmd(&m, MOTION__DDS_HG, motors, 1, 29, NAN, 5);
    assert_true(m.motor_cmd[29].q == 0.0f);
}

static void test_pack_go(void **state)
{
    motion__dds_motor motors[MOTION_DDS_LINK_SLOTS];
    motion__go_lowcmd m;

    (void)state;
    fill(motors, 12);
    motion__dds_pack_lowcmd(&m, MOTION__DDS_GO, motors, 0, -1, 0, 0);
    assert_int_equal(m.head[0], 0xFE);
    assert_int_equal(m.head[1], 0xEF);
    assert_int_equal(m.level_flag, 0xFF);
    assert_int_equal(m.crc, motion__unitree_crc(&m, sizeof(m)));
    for (int i = 0; i < 12; i++)
        assert_true(m.motor_cmd[i].q == 0.1f * (float)i && m.motor_cmd[i].kd == 1.f);
    for (int i = 12; i < 20; i++) {
        assert_int_equal(m.motor_cmd[i].mode, 1);
        assert_true(m.motor_cmd[i].q == 2.146e9f && m.motor_cmd[i].dq == 16000.0f);
        assert_true(m.motor_cmd[i].kp == 0 && m.motor_cmd[i].kd == 0 && m.motor_cmd[i].tau == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_words_big_endian),
        cmocka_unit_test(test_pack_hg),
        cmocka_unit_test(test_pack_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
