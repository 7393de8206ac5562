/*
 * libFuzzer harness for the DDS backend's receive path: a raw LowState_ sample as it arrives on
 * rt/lowstate (CDR encapsulation header and body), through what happens to it in the runtime.
 *
 *  1. CycloneDDS's own receive steps: the body is checked and normalised against the type's ops
 *     (dds_stream_normalize_data, as on receipt) and read into the C struct (dds_stream_read, as
 *     dds_take does), so the fuzzer reaches the runtime with whatever the wire can carry.
 *  2. The link's check and decoding (motion__dds_lowstate_decode): a sample is accepted exactly
 * when its CRC holds, and then every field arrives unchanged; a rejected one leaves the state
 * alone.
 *  3. The backend's mapping to model joints (motion__dds_state_to_motion) for a robot of the
 * family.
 *  4. The safety filter: a non-finite position or velocity in a joint of the model latches
 *     MOTION_FAULT_NONFINITE, and the command that leaves the filter is finite either way.
 *
 * Input: one byte choosing the family (bit 0: hg or go), the model (bits 1-2), and whether to
 * correct the CRC before checking (bit 7, so that decoding is reached often); then the sample.
 */
/* CycloneDDS's internal headers use GNU inline asm and POSIX types. */
#define _POSIX_C_SOURCE 200809L
#define asm __asm__
#include <dds/dds.h>
#include <dds/ddsi/ddsi_cdrstream.h>
#undef asm

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dds_backend.h"
#include "dds_link.h"
#include "motion/safety.h"
#include "mpk/robot.h"
#include "unitree_crc.h"
#include "unitree_msgs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)           \
    do {                      \
        if (!(cond))          \
            __builtin_trap(); \
    } while (0)

static const char *const hg_models[] = {"g1-29dof", "g1-23dof", "h1-2", "g1-29dof"};
static const char *const go_models[] = {"go2", "b2", "h1", "go2"};

/* The encapsulation header's representation identifier: byte order and XCDR version. */
static int encapsulation(const uint8_t *h, bool *bswap, uint32_t *xcdr)
{
    unsigned id = (unsigned)h[0] << 8 | h[1];
    bool little = id == 0x0001 || id == 0x0007;

    if (id != 0x0000 && id != 0x0001 && id != 0x0006 && id != 0x0007)
        return -1;
    *xcdr = id >= 0x0006 ? 2 : 1;
    *bswap = little != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
    return 0;
}

static bool same_float(float a, float b)
{
    return memcmp(&a, &b, sizeof(a)) == 0;
}

static bool same_double_of(double d, float f)
{
    return isnan(f) ? isnan(d) : d == (double)f;
}

/* The fields the decoding must carry over unchanged, for either family. */
#define CHECK_DECODED(st, m, slots)                                            \
    do {                                                                       \
        CHECK((st).tick == (m)->tick);                                         \
        for (int i_ = 0; i_ < (slots); i_++) {                                 \
            CHECK(same_float((st).q[i_], (m)->motor_state[i_].q));             \
            CHECK(same_float((st).dq[i_], (m)->motor_state[i_].dq));           \
            CHECK(same_float((st).tau_est[i_], (m)->motor_state[i_].tau_est)); \
            CHECK((st).motor_mode[i_] == (m)->motor_state[i_].mode);           \
        }                                                                      \
        for (int k_ = 0; k_ < 4; k_++)                                         \
            CHECK(same_float((st).quat[k_], (m)->imu_state.quaternion[k_]));   \
        for (int k_ = 0; k_ < 3; k_++)                                         \
            CHECK(same_float((st).gyro[k_], (m)->imu_state.gyroscope[k_]) &&   \
                  same_float((st).acc[k_], (m)->imu_state.accelerometer[k_])); \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static union {
        motion__hg_lowstate hg;
        motion__go_lowstate go;
    } sample;
    static unsigned char body[4096] __attribute__((aligned(8)));
    static motion__dds_state st, untouched;
    static motion_state ms;
    static motion_command cmd;
    const dds_topic_descriptor_t *desc;
    const mpk_robot_model *model;
    motion__dds_family family;
    motion_safety *safety = NULL;
    dds_istream_t is;
    uint32_t off = 0, xcdr, len;
    unsigned faults;
    bool bswap, good, nonfinite = false;
    size_t msg_size;
    int j;

    if (size < 5 || size - 5 > sizeof(body))
        return 0;
    family = (data[0] & 1) ? MOTION__DDS_GO : MOTION__DDS_HG;
    model = mpk_robot_find(family == MOTION__DDS_HG ? hg_models[(data[0] >> 1) & 3]
                                                    : go_models[(data[0] >> 1) & 3]);
    CHECK(model && (model->family == MPK_DDS_GO) == (family == MOTION__DDS_GO));
    desc = family == MOTION__DDS_HG ? &unitree_hg_msg_dds__LowState__desc
                                    : &unitree_go_msg_dds__LowState__desc;
    msg_size = family == MOTION__DDS_HG ? sizeof(sample.hg) : sizeof(sample.go);
    if (encapsulation(data + 1, &bswap, &xcdr) != 0)
        return 0;

    /* 1. CycloneDDS: normalise (validate) the body, then read it into the zeroed struct. */
    len = (uint32_t)(size - 5);
    memcpy(body, data + 5, len);
    if (!dds_stream_normalize_data((char *)body, &off, len, bswap, xcdr, desc->m_ops))
        return 0;
    memset(&sample, 0, sizeof(sample));
    dds_istream_init(&is, len, body, xcdr);
    dds_stream_read(&is, (char *)&sample, desc->m_ops);
    if (data[0] & 0x80) {
        if (family == MOTION__DDS_HG)
            sample.hg.crc = motion__unitree_crc(&sample.hg, sizeof(sample.hg));
        else
            sample.go.crc = motion__unitree_crc(&sample.go, sizeof(sample.go));
    }

    /* 2. The CRC gate and the decoding. */
    good = motion__unitree_crc(&sample, msg_size) ==
           (family == MOTION__DDS_HG ? sample.hg.crc : sample.go.crc);
    memset(&st, 0xA5, sizeof(st));
    untouched = st;
    CHECK(motion__dds_lowstate_decode(&st, family, &sample, 12345, 7) == (good ? 1 : 0));
    if (!good) {
        CHECK(memcmp(&st, &untouched, sizeof(st)) == 0);
        return 0;
    }
    CHECK(st.received_ns == 12345 && st.count == 7);
    if (family == MOTION__DDS_HG) {
        CHECK_DECODED(st, &sample.hg, MOTION_DDS_HG_SLOTS);
        CHECK(st.mode_machine == sample.hg.mode_machine);
    } else {
        CHECK_DECODED(st, &sample.go, MOTION_DDS_GO_SLOTS);
    }

    /* 3. Model joints from their motor slots. */
    motion__dds_state_to_motion(&ms, model, &st);
    CHECK(ms.joint_count == model->joint_count && ms.stamp_ns == 12345 && ms.seq == 7);
    for (j = 0; j < model->joint_count; j++) {
        int slot = model->joints[j].motor;
        CHECK(same_double_of(ms.q[j], st.q[slot]) && same_double_of(ms.dq[j], st.dq[slot]));
        nonfinite = nonfinite || !isfinite(ms.q[j]) || !isfinite(ms.dq[j]);
    }

    /* 4. The safety filter on that state: non-finite faults, and what leaves is finite. */
    CHECK(motion_safety_new(&safety, model, MOTION_CHANNEL_FULL, 500, NULL) == MOTION_OK);
    faults = motion_safety_check_state(safety, &ms, 12345);
    CHECK(((faults & MOTION_FAULT_NONFINITE) != 0) == nonfinite);
    CHECK(!(faults & MOTION_FAULT_WATCHDOG));
    memset(&cmd, 0, sizeof(cmd));
    cmd.joint_count = model->joint_count;
    cmd.channel = MOTION_CHANNEL_FULL;
    for (j = 0; j < model->joint_count; j++) {
        cmd.enable[j] = 1;
        cmd.q[j] = model->joints[j].stand;
        cmd.kp[j] = model->joints[j].kp;
        cmd.kd[j] = model->joints[j].kd;
    }
    motion_safety_apply(safety, &cmd, &ms, 12345);
    for (j = 0; j < model->joint_count; j++) {
        double lo, hi;
        motion_safety_range(safety, j, &lo, &hi);
        CHECK(isfinite(cmd.q[j]) && cmd.q[j] >= lo && cmd.q[j] <= hi);
        CHECK(isfinite(cmd.dq[j]) && isfinite(cmd.kp[j]) && isfinite(cmd.kd[j]));
        CHECK(!nonfinite || cmd.kp[j] == 0.0); /* damping */
    }
    motion_safety_free(safety);
    return 0;
}
