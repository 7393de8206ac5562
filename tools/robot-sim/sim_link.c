/* robot-sim's DDS endpoints. */
#include <stdio.h>
#include <string.h>

#include "sim_link.h"
#include "unitree_crc.h"
#include "unitree_msgs.h"

static dds_entity_t make_reader(sim_link *l, const dds_topic_descriptor_t *desc, const char *name,
                                char *err, size_t errlen)
{
    dds_entity_t topic, reader;
    dds_qos_t *qos;

    topic = dds_create_topic(l->node.participant, desc, name, NULL, NULL);
    if (topic < 0) {
        snprintf(err, errlen, "dds topic %s: %s", name, dds_strretcode(topic));
        return topic;
    }
    /* Best effort matches any writer; a few samples of depth so none is lost between steps. */
    qos = dds_create_qos();
    dds_qset_reliability(qos, DDS_RELIABILITY_BEST_EFFORT, 0);
    dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, 16);
    reader = dds_create_reader(l->node.participant, topic, qos, NULL);
    dds_delete_qos(qos);
    if (reader < 0)
        snprintf(err, errlen, "dds reader %s: %s", name, dds_strretcode(reader));
    return reader;
}

int sim_link_open(sim_link *l, const sim_robot_info *info, uint32_t domain, const char *iface,
                  uint8_t mode_machine, char *err, size_t errlen)
{
    const dds_topic_descriptor_t *cmd_desc, *state_desc;
    dds_entity_t topic;

    memset(l, 0, sizeof(*l));
    l->family = info->family;
    l->slots = info->slots;
    l->mode_machine = mode_machine;
    cmd_desc =
        l->family == 0 ? &unitree_hg_msg_dds__LowCmd__desc : &unitree_go_msg_dds__LowCmd__desc;
    state_desc =
        l->family == 0 ? &unitree_hg_msg_dds__LowState__desc : &unitree_go_msg_dds__LowState__desc;
    if (motion__dds_node_open(&l->node, domain, iface, err, errlen) != 0)
        return -1;
    l->lowcmd_reader = make_reader(l, cmd_desc, MOTION_DDS_TOPIC_LOWCMD, err, errlen);
    if (l->lowcmd_reader < 0)
        goto fail;
    if (info->weight_slot >= 0) {
        l->arm_reader = make_reader(l, cmd_desc, MOTION_DDS_TOPIC_ARM_SDK, err, errlen);
        if (l->arm_reader < 0)
            goto fail;
    }
    topic =
        dds_create_topic(l->node.participant, state_desc, MOTION_DDS_TOPIC_LOWSTATE, NULL, NULL);
    if (topic < 0) {
        snprintf(err, errlen, "dds topic %s: %s", MOTION_DDS_TOPIC_LOWSTATE, dds_strretcode(topic));
        goto fail;
    }
    l->state_writer = dds_create_writer(l->node.participant, topic, NULL, NULL);
    if (l->state_writer < 0) {
        snprintf(err, errlen, "dds writer %s: %s", MOTION_DDS_TOPIC_LOWSTATE,
                 dds_strretcode(l->state_writer));
        goto fail;
    }
    return 0;
fail:
    motion__dds_node_close(&l->node);
    return -1;
}

void sim_link_close(sim_link *l)
{
    motion__dds_node_close(&l->node);
}

static void decode_hg(const unitree_hg_msg_dds__LowCmd_ *m, sim_command *out)
{
    out->valid = 1;
    out->mode_machine = m->mode_machine;
    for (int i = 0; i < MOTION_DDS_HG_SLOTS; i++) {
        const unitree_hg_msg_dds__MotorCmd_ *c = &m->motor_cmd[i];
        out->motor[i] = (sim_motor_cmd){c->mode, c->q, c->dq, c->tau, c->kp, c->kd};
    }
}

static void decode_go(const unitree_go_msg_dds__LowCmd_ *m, sim_command *out)
{
    out->valid = 1;
    out->mode_machine = 0;
    for (int i = 0; i < MOTION_DDS_GO_SLOTS; i++) {
        const unitree_go_msg_dds__MotorCmd_ *c = &m->motor_cmd[i];
        out->motor[i] = (sim_motor_cmd){c->mode, c->q, c->dq, c->tau, c->kp, c->kd};
    }
}

/* Takes one sample into l->rx, zeroed first so padding is zero as the CRC expects.
 * @return 1 good, 0 none left, -1 bad CRC */
static int take_one(sim_link *l, dds_entity_t reader)
{
    void *ptr = &l->rx;
    dds_sample_info_t info;
    size_t size = l->family == 0 ? sizeof(l->rx.hg) : sizeof(l->rx.go);
    uint32_t crc;
    int n;

    for (;;) {
        memset(&l->rx, 0, sizeof(l->rx));
        n = dds_take(reader, &ptr, &info, 1, 1);
        if (n <= 0)
            return 0;
        if (info.valid_data)
            break;
    }
    crc = l->family == 0 ? l->rx.hg.crc : l->rx.go.crc;
    return motion__unitree_crc(&l->rx, size) == crc ? 1 : -1;
}

static void poll_reader(sim_link *l, dds_entity_t reader, sim_command *out, uint64_t *count,
                        uint64_t *bad)
{
    int r;

    while ((r = take_one(l, reader)) != 0) {
        (*count)++;
        if (r < 0) {
            (*bad)++;
            continue;
        }
        if (l->family == 0) {
            decode_hg(&l->rx.hg, out);
            if (l->rx.hg.mode_machine != l->mode_machine)
                l->stats.mode_machine_mismatch++;
        } else {
            decode_go(&l->rx.go, out);
        }
    }
}

void sim_link_poll(sim_link *l, sim_command *full, sim_command *arm)
{
    poll_reader(l, l->lowcmd_reader, full, &l->stats.lowcmd, &l->stats.lowcmd_bad_crc);
    if (l->arm_reader > 0)
        poll_reader(l, l->arm_reader, arm, &l->stats.arm_sdk, &l->stats.arm_sdk_bad_crc);
}

static void fill_imu(float quat[4], float gyro[3], float acc[3], float rpy[3], const sim_state *s)
{
    memcpy(quat, s->quat, 4 * sizeof(float));
    memcpy(gyro, s->gyro, 3 * sizeof(float));
    memcpy(acc, s->acc, 3 * sizeof(float));
    memcpy(rpy, s->rpy, 3 * sizeof(float));
}

void sim_link_publish(sim_link *l, const sim_state *s)
{
    dds_return_t rc;

    memset(&l->tx, 0, sizeof(l->tx));
    if (l->family == 0) {
        unitree_hg_msg_dds__LowState_ *m = &l->tx.hg;
        m->mode_machine = l->mode_machine;
        m->tick = s->tick;
        fill_imu(m->imu_state.quaternion, m->imu_state.gyroscope, m->imu_state.accelerometer,
                 m->imu_state.rpy, s);
        for (int i = 0; i < MOTION_DDS_HG_SLOTS; i++) {
            m->motor_state[i].mode = s->mode[i];
            m->motor_state[i].q = s->q[i];
            m->motor_state[i].dq = s->dq[i];
            m->motor_state[i].ddq = s->ddq[i];
            m->motor_state[i].tau_est = s->tau[i];
        }
        m->crc = motion__unitree_crc(m, sizeof(*m));
    } else {
        unitree_go_msg_dds__LowState_ *m = &l->tx.go;
        m->head[0] = 0xFE;
        m->head[1] = 0xEF;
        m->level_flag = 0xFF;
        m->tick = s->tick;
        fill_imu(m->imu_state.quaternion, m->imu_state.gyroscope, m->imu_state.accelerometer,
                 m->imu_state.rpy, s);
        for (int i = 0; i < MOTION_DDS_GO_SLOTS; i++) {
            m->motor_state[i].mode = s->mode[i];
            m->motor_state[i].q = s->q[i];
            m->motor_state[i].dq = s->dq[i];
            m->motor_state[i].ddq = s->ddq[i];
            m->motor_state[i].tau_est = s->tau[i];
        }
        m->crc = motion__unitree_crc(m, sizeof(*m));
    }
    rc = dds_write(l->state_writer, &l->tx);
    if (rc < 0) {
        l->stats.write_errors++;
        return;
    }
    if (l->stats.states > 0 && s->tick == l->last_tick)
        l->stats.repeated_tick++;
    l->last_tick = s->tick;
    l->stats.states++;
}
