/* Publishing LowCmd_ and receiving LowState_ for the control loop. */
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dds_domain.h"
#include "dds_link.h"
#include "unitree_crc.h"
#include "unitree_msgs.h"

_Static_assert(MOTION_DDS_LINK_SLOTS == MOTION_DDS_MAX_SLOTS, "slot counts agree");

#define FRESH 4 /* flag beside a triple-buffer index (0..2) */

struct motion__dds_link {
    motion__dds_link_config cfg;
    int slots;
    motion__dds_node node;
    dds_entity_t writer, arm_writer, reader;
    dds_listener_t *listener;

    /* Control loop side. */
    union {
        motion__hg_lowcmd hg;
        motion__go_lowcmd go;
    } cmd;
    int front; /* triple-buffer slot the loop reads */

    /* Receive thread side. */
    union {
        motion__hg_lowstate hg;
        motion__go_lowstate go;
    } rx;
    int back; /* triple-buffer slot being filled */
    bool have_tick;
    uint32_t last_tick; /* the previous good state's tick */

    /* Shared. */
    motion__dds_state states[3];
    atomic_int middle; /* index of the newest complete slot, | FRESH until the loop takes it */
    atomic_uint mode_machine;
    atomic_uint_fast64_t sent, write_errors, received, bad_crc, repeated_tick;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The motors in use and the arm_sdk weight, for either family's LowCmd_ (the same names in
 * different types); slots not in use keep what the caller put there. */
#define PACK_MOTORS(m, motors, slots, arm, weight_slot, weight)                           \
    do {                                                                                  \
        for (int i_ = 0; i_ < (slots); i_++) {                                            \
            if (!(motors)[i_].used)                                                       \
                continue;                                                                 \
            (m)->motor_cmd[i_].mode = (motors)[i_].mode;                                  \
            (m)->motor_cmd[i_].q = (motors)[i_].q;                                        \
            (m)->motor_cmd[i_].dq = (motors)[i_].dq;                                      \
            (m)->motor_cmd[i_].tau = (motors)[i_].tau;                                    \
            (m)->motor_cmd[i_].kp = (motors)[i_].kp;                                      \
            (m)->motor_cmd[i_].kd = (motors)[i_].kd;                                      \
        }                                                                                 \
        if ((arm) && (weight_slot) >= 0 && (weight_slot) < (slots)) {                     \
            memset(&(m)->motor_cmd[weight_slot], 0, sizeof((m)->motor_cmd[weight_slot])); \
            (m)->motor_cmd[weight_slot].q = (float)(weight);                              \
        }                                                                                 \
    } while (0)

static void pack_hg(motion__hg_lowcmd *m, const motion__dds_motor *motors, int arm, int weight_slot,
                    double weight, uint8_t mode_machine)
{
    memset(m, 0, sizeof(*m));
    m->mode_pr = 0; /* pitch/roll ankle and waist control, as the robot model's joints are */
    m->mode_machine = mode_machine;
    PACK_MOTORS(m, motors, MOTION_DDS_HG_SLOTS, arm, weight_slot, weight);
    m->crc = motion__unitree_crc(m, sizeof(*m));
}

static void pack_go(motion__go_lowcmd *m, const motion__dds_motor *motors, int arm, int weight_slot,
                    double weight)
{
    memset(m, 0, sizeof(*m));
    m->head[0] = 0xFE;
    m->head[1] = 0xEF;
    m->level_flag = 0xFF;
    for (int i = 0; i < MOTION_DDS_GO_SLOTS; i++) {
        if (motors[i].used)
            continue;
        /* As Unitree's examples initialise every motor: servo mode, holding nothing. */
        m->motor_cmd[i].mode = 0x01;
        m->motor_cmd[i].q = MOTION_DDS_GO_POS_STOP;
        m->motor_cmd[i].dq = MOTION_DDS_GO_VEL_STOP;
    }
    PACK_MOTORS(m, motors, MOTION_DDS_GO_SLOTS, arm, weight_slot, weight);
    m->crc = motion__unitree_crc(m, sizeof(*m));
}

void motion__dds_pack_lowcmd(void *msg, motion__dds_family family, const motion__dds_motor *motors,
                             int arm, int weight_slot, double weight, uint8_t mode_machine)
{
    if (!(weight >= 0.0)) /* NaN too */
        weight = 0.0;
    if (weight > 1.0)
        weight = 1.0;
    if (family == MOTION__DDS_HG)
        pack_hg(msg, motors, arm, weight_slot, weight, mode_machine);
    else
        pack_go(msg, motors, arm, weight_slot, weight);
}

int motion__dds_link_slots(const motion__dds_link *l)
{
    return l->slots;
}

int motion__dds_link_write(motion__dds_link *l, const motion__dds_motor *motors, int arm,
                           double weight)
{
    uint8_t mm = (uint8_t)atomic_load_explicit(&l->mode_machine, memory_order_relaxed);

    if (arm && l->arm_writer <= 0) {
        atomic_fetch_add_explicit(&l->write_errors, 1, memory_order_relaxed);
        return -1;
    }
    motion__dds_pack_lowcmd(&l->cmd, l->cfg.family, motors, arm, l->cfg.weight_slot, weight, mm);
    if (dds_write(arm ? l->arm_writer : l->writer, &l->cmd) < 0) {
        atomic_fetch_add_explicit(&l->write_errors, 1, memory_order_relaxed);
        return -1;
    }
    atomic_fetch_add_explicit(&l->sent, 1, memory_order_relaxed);
    return 0;
}

const void *motion__dds_link_last_message(const motion__dds_link *l, size_t *size)
{
    *size = l->cfg.family == MOTION__DDS_HG ? sizeof(l->cmd.hg) : sizeof(l->cmd.go);
    return &l->cmd;
}

int motion__dds_link_state(motion__dds_link *l, motion__dds_state *out)
{
    if (atomic_load_explicit(&l->middle, memory_order_acquire) & FRESH)
        l->front = atomic_exchange_explicit(&l->middle, l->front, memory_order_acq_rel) & 3;
    if (l->states[l->front].count == 0)
        return 0;
    *out = l->states[l->front];
    return 1;
}

int motion__dds_link_matched(const motion__dds_link *l, int arm)
{
    dds_publication_matched_status_t st;
    dds_entity_t w = arm ? l->arm_writer : l->writer;

    if (w <= 0 || dds_get_publication_matched_status(w, &st) < 0)
        return -1;
    return (int)st.current_count;
}

void motion__dds_link_stats(const motion__dds_link *l, motion__dds_stats *out)
{
    motion__dds_link *m = (motion__dds_link *)l; /* atomics are read-only here */
    out->sent = atomic_load(&m->sent);
    out->write_errors = atomic_load(&m->write_errors);
    out->received = atomic_load(&m->received);
    out->bad_crc = atomic_load(&m->bad_crc);
    out->repeated_tick = atomic_load(&m->repeated_tick);
}

/* The fields both families' LowState_ share: the same names in different types. */
#define DECODE_LOWSTATE(out, m, slots)                                        \
    do {                                                                      \
        memset((out), 0, sizeof(*(out)));                                     \
        (out)->tick = (m)->tick;                                              \
        for (int i_ = 0; i_ < (slots); i_++) {                                \
            (out)->q[i_] = (m)->motor_state[i_].q;                            \
            (out)->dq[i_] = (m)->motor_state[i_].dq;                          \
            (out)->tau_est[i_] = (m)->motor_state[i_].tau_est;                \
            (out)->motor_mode[i_] = (m)->motor_state[i_].mode;                \
        }                                                                     \
        memcpy((out)->quat, (m)->imu_state.quaternion, sizeof((out)->quat));  \
        memcpy((out)->gyro, (m)->imu_state.gyroscope, sizeof((out)->gyro));   \
        memcpy((out)->acc, (m)->imu_state.accelerometer, sizeof((out)->acc)); \
        memcpy((out)->rpy, (m)->imu_state.rpy, sizeof((out)->rpy));           \
    } while (0)

int motion__dds_lowstate_decode(motion__dds_state *out, motion__dds_family family, const void *msg,
                                uint64_t received_ns, uint64_t count)
{
    if (family == MOTION__DDS_HG) {
        const motion__hg_lowstate *m = msg;
        if (motion__unitree_crc(m, sizeof(*m)) != m->crc)
            return 0;
        DECODE_LOWSTATE(out, m, MOTION_DDS_HG_SLOTS);
        out->mode_machine = m->mode_machine;
    } else {
        const motion__go_lowstate *m = msg;
        if (motion__unitree_crc(m, sizeof(*m)) != m->crc)
            return 0;
        DECODE_LOWSTATE(out, m, MOTION_DDS_GO_SLOTS);
    }
    out->received_ns = received_ns;
    out->count = count;
    return 1;
}

/* Receive thread: take every waiting LowState_, decode the good ones into the back slot of the
 * triple buffer and publish it. */
static void on_state(dds_entity_t reader, void *arg)
{
    motion__dds_link *l = arg;

    for (;;) {
        void *ptr = &l->rx;
        dds_sample_info_t info;
        uint64_t t, good;

        /* Zeroed first: the CRC covers padding as zero, and the reader writes fields only. */
        memset(&l->rx, 0, sizeof(l->rx));
        if (dds_take(reader, &ptr, &info, 1, 1) <= 0)
            return;
        if (!info.valid_data)
            continue;
        t = now_ns();
        good = atomic_fetch_add_explicit(&l->received, 1, memory_order_relaxed) + 1 -
               atomic_load_explicit(&l->bad_crc, memory_order_relaxed);
        if (!motion__dds_lowstate_decode(&l->states[l->back], l->cfg.family, &l->rx, t, good)) {
            atomic_fetch_add_explicit(&l->bad_crc, 1, memory_order_relaxed);
            continue;
        }
        /* Counted, not refused: the state is still the robot's newest, and a robot whose
         * measurements stop while its messages go on shows here first. */
        if (l->have_tick && l->states[l->back].tick == l->last_tick)
            atomic_fetch_add_explicit(&l->repeated_tick, 1, memory_order_relaxed);
        l->have_tick = true;
        l->last_tick = l->states[l->back].tick;
        atomic_store_explicit(&l->mode_machine, l->states[l->back].mode_machine,
                              memory_order_relaxed);
        l->back = atomic_exchange_explicit(&l->middle, l->back | FRESH, memory_order_acq_rel) & 3;
    }
}

static dds_entity_t make_writer(motion__dds_link *l, const dds_topic_descriptor_t *desc,
                                const char *name, char *err, size_t errlen)
{
    dds_entity_t topic, writer;
    dds_qos_t *qos;

    topic = dds_create_topic(l->node.participant, desc, name, NULL, NULL);
    if (topic < 0) {
        snprintf(err, errlen, "dds topic %s: %s", name, dds_strretcode(topic));
        return topic;
    }
    /* Reliable, newest only: what Unitree's SDK writers offer, so any robot-side reader matches. */
    qos = dds_create_qos();
    dds_qset_reliability(qos, DDS_RELIABILITY_RELIABLE, DDS_MSECS(10));
    dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, 1);
    writer = dds_create_writer(l->node.participant, topic, qos, NULL);
    dds_delete_qos(qos);
    if (writer < 0)
        snprintf(err, errlen, "dds writer %s: %s", name, dds_strretcode(writer));
    return writer;
}

int motion__dds_link_open(motion__dds_link **out, const motion__dds_link_config *cfg, char *err,
                          size_t errlen)
{
    const dds_topic_descriptor_t *cmd_desc, *state_desc;
    motion__dds_link *l;
    dds_entity_t topic;
    dds_qos_t *qos;

    if (cfg->family != MOTION__DDS_HG && cfg->family != MOTION__DDS_GO) {
        snprintf(err, errlen, "dds family %d: unknown", (int)cfg->family);
        return -1;
    }
    l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "dds link: out of memory");
        return -1;
    }
    l->cfg = *cfg;
    l->cfg.iface = NULL; /* not kept: the caller's string */
    l->slots = cfg->family == MOTION__DDS_HG ? MOTION_DDS_HG_SLOTS : MOTION_DDS_GO_SLOTS;
    if (cfg->weight_slot < -1 || cfg->weight_slot >= l->slots) {
        snprintf(err, errlen, "dds arm_sdk weight slot %d: outside 0..%d", cfg->weight_slot,
                 l->slots - 1);
        free(l);
        return -1;
    }
    l->front = 0;
    l->back = 1;
    atomic_init(&l->middle, 2);
    cmd_desc = cfg->family == MOTION__DDS_HG ? &unitree_hg_msg_dds__LowCmd__desc
                                             : &unitree_go_msg_dds__LowCmd__desc;
    state_desc = cfg->family == MOTION__DDS_HG ? &unitree_hg_msg_dds__LowState__desc
                                               : &unitree_go_msg_dds__LowState__desc;
    if (motion__dds_node_open(&l->node, cfg->domain, cfg->iface, err, errlen) != 0) {
        free(l);
        return -1;
    }
    l->writer = make_writer(l, cmd_desc, MOTION_DDS_TOPIC_LOWCMD, err, errlen);
    if (l->writer < 0)
        goto fail;
    if (cfg->weight_slot >= 0) {
        l->arm_writer = make_writer(l, cmd_desc, MOTION_DDS_TOPIC_ARM_SDK, err, errlen);
        if (l->arm_writer < 0)
            goto fail;
    }
    topic =
        dds_create_topic(l->node.participant, state_desc, MOTION_DDS_TOPIC_LOWSTATE, NULL, NULL);
    if (topic < 0) {
        snprintf(err, errlen, "dds topic %s: %s", MOTION_DDS_TOPIC_LOWSTATE, dds_strretcode(topic));
        goto fail;
    }
    l->listener = dds_create_listener(l);
    dds_lset_data_available(l->listener, on_state);
    /* Best effort matches any writer; old states are worthless, so depth is small. */
    qos = dds_create_qos();
    dds_qset_reliability(qos, DDS_RELIABILITY_BEST_EFFORT, 0);
    dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, 4);
    l->reader = dds_create_reader(l->node.participant, topic, qos, l->listener);
    dds_delete_qos(qos);
    if (l->reader < 0) {
        snprintf(err, errlen, "dds reader %s: %s", MOTION_DDS_TOPIC_LOWSTATE,
                 dds_strretcode(l->reader));
        goto fail;
    }
    *out = l;
    return 0;
fail:
    motion__dds_link_close(l);
    return -1;
}

void motion__dds_link_close(motion__dds_link *l)
{
    if (!l)
        return;
    /* Deleting the participant first stops the listener before its argument goes away. */
    motion__dds_node_close(&l->node);
    if (l->listener)
        dds_delete_listener(l->listener);
    free(l);
}
