/*
 * The "dds" backend: a real Unitree robot (or robot-sim) over Unitree's low-level DDS protocol.
 *
 * Commands go out as LowCmd_ on rt/lowcmd (full channel) or rt/arm_sdk (upper channel, the blend
 * weight in the model's weight slot); states come from rt/lowstate with bad CRCs rejected. Joint i
 * of the model is motor slot model->joints[i].motor. Options:
 *   domain=N        DDS domain id (default 0, a real robot; robot-sim uses 1)
 *   interface=NAME  network interface (real robot: the wired one, e.g. enp3s0; robot-sim: lo);
 *                   absent: CycloneDDS's own configuration (CYCLONEDDS_URI)
 *   report=1        print the link's counters to stderr when the backend closes
 *   priority=N      SCHED_FIFO priority of CycloneDDS's threads (receive, events), 0..99, default
 *                   60 (below the control loop's 80); 0 leaves them at the caller's scheduling
 * The same counters (states, bad CRCs, repeated ticks, commands, write errors) are readable while
 * it runs through motion_backend_stats_get() / motion_loop_stats_get().
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dds_backend.h"
#include "dds_domain.h"
#include "dds_link.h"
#include "internal.h"

typedef struct dds_backend {
    const mpk_robot_model *model;
    motion__dds_link *link;
    int slots;
    int report;
    char iface[64];
    motion__dds_motor motors[MOTION_DDS_LINK_SLOTS]; /* filled in place each tick */
    motion__dds_state state;
} dds_backend;

static const char *const known_options[] = {"domain", "interface", "report", "priority", NULL};

/*
 * Opens the link with CycloneDDS's threads at SCHED_FIFO priority, when permitted: they inherit the
 * scheduling of the thread that creates them, so the calling thread takes that priority for the
 * duration. A state that waits for a starved receive thread trips the watchdog as surely as a
 * robot that stopped; at normal priority a busy computer does that. Not permitted, or priority 0:
 * the threads run as the caller does.
 */
static int open_link(motion__dds_link **out, const motion__dds_link_config *cfg, int priority,
                     char *err, size_t errlen)
{
    struct sched_param saved, sp = {.sched_priority = priority};
    int policy, raised = 0, rc;

    if (priority > 0 && pthread_getschedparam(pthread_self(), &policy, &saved) == 0 &&
        policy != SCHED_FIFO && policy != SCHED_RR)
        raised = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
    rc = motion__dds_link_open(out, cfg, err, errlen);
    if (raised)
        pthread_setschedparam(pthread_self(), policy, &saved);
    return rc;
}

static int backend_open(void **ctx, const mpk_robot_model *model, double rate_hz,
                        motion_options options)
{
    motion__dds_link_config cfg;
    dds_backend *b;
    int64_t domain = 0, report = 0, priority = 60;
    const char *iface;
    char err[512];
    int rc;

    (void)rate_hz;
    rc = motion_options_check(options, "dds", known_options);
    if (rc != MOTION_OK)
        return rc;
    rc = motion_options_int(&domain, options, "dds", "domain", 0, MOTION_DDS_DOMAIN_MAX);
    if (rc == MOTION_OK)
        rc = motion_options_int(&report, options, "dds", "report", 0, 1);
    if (rc == MOTION_OK)
        rc = motion_options_int(&priority, options, "dds", "priority", 0, 99);
    if (rc != MOTION_OK)
        return rc;
    if (model->motor_slots > MOTION_DDS_LINK_SLOTS || model->joint_count > model->motor_slots)
        return motion__error(MOTION_EINVAL, "dds: %s: %d joints in %d motor slots", model->id,
                             model->joint_count, model->motor_slots);
    for (int i = 0; i < model->joint_count; i++)
        if (model->joints[i].motor < 0 || model->joints[i].motor >= model->motor_slots)
            return motion__error(MOTION_EINVAL, "dds: %s: joint %s: motor slot %d outside 0..%d",
                                 model->id, model->joints[i].name, model->joints[i].motor,
                                 model->motor_slots - 1);
    b = calloc(1, sizeof(*b));
    if (!b)
        return motion__error(MOTION_ENOMEM, "dds: out of memory");
    b->model = model;
    b->report = report != 0;
    iface = motion_options_get(options, "interface");
    if (iface && snprintf(b->iface, sizeof(b->iface), "%s", iface) >= (int)sizeof(b->iface)) {
        free(b);
        return motion__error(MOTION_EINVAL, "dds: interface=%s: name too long", iface);
    }
    cfg.family = model->family == MPK_DDS_GO ? MOTION__DDS_GO : MOTION__DDS_HG;
    cfg.domain = (uint32_t)domain;
    cfg.iface = iface ? b->iface : NULL;
    cfg.weight_slot = model->weight_slot;
    if (open_link(&b->link, &cfg, (int)priority, err, sizeof(err)) != 0) {
        free(b);
        return motion__error(MOTION_EBACKEND, "dds: %s", err);
    }
    b->slots = motion__dds_link_slots(b->link);
    if (b->slots != model->motor_slots) {
        int slots = b->slots;
        motion__dds_link_close(b->link);
        free(b);
        return motion__error(MOTION_EINVAL, "dds: %s: %d motor slots, its DDS family has %d",
                             model->id, model->motor_slots, slots);
    }
    *ctx = b;
    return MOTION_OK;
}

static void backend_close(void *ctx)
{
    dds_backend *b = ctx;
    motion__dds_stats s;

    if (!b)
        return;
    if (b->report) {
        motion__dds_link_stats(b->link, &s);
        fprintf(stderr,
                "dds: stats sent=%llu write_errors=%llu states=%llu bad_crc=%llu "
                "repeated_tick=%llu mode_machine=%u\n",
                (unsigned long long)s.sent, (unsigned long long)s.write_errors,
                (unsigned long long)s.received, (unsigned long long)s.bad_crc,
                (unsigned long long)s.repeated_tick, b->state.mode_machine);
    }
    motion__dds_link_close(b->link);
    free(b);
}

void motion__dds_state_to_motion(motion_state *out, const mpk_robot_model *m,
                                 const motion__dds_state *state)
{
    out->stamp_ns = (int64_t)state->received_ns;
    out->seq = (uint32_t)state->count;
    out->joint_count = m->joint_count;
    for (int i = 0; i < m->joint_count; i++) {
        int slot = m->joints[i].motor;
        out->q[i] = state->q[slot];
        out->dq[i] = state->dq[slot];
        out->tau[i] = state->tau_est[slot];
    }
    out->has_imu = true;
    for (int k = 0; k < 4; k++)
        out->imu_quat[k] = state->quat[k];
    for (int k = 0; k < 3; k++) {
        out->imu_gyro[k] = state->gyro[k];
        out->imu_acc[k] = state->acc[k];
    }
}

static int backend_read_state(void *ctx, motion_state *out, int64_t now_ns)
{
    dds_backend *b = ctx;

    (void)now_ns; /* a robot reports when its state arrived, not when we ask */
    if (!motion__dds_link_state(b->link, &b->state))
        return MOTION_EAGAIN;
    motion__dds_state_to_motion(out, b->model, &b->state);
    return MOTION_OK;
}

static int backend_write(void *ctx, const motion_command *cmd)
{
    dds_backend *b = ctx;
    const mpk_robot_model *m = b->model;
    int upper = cmd->channel == MOTION_CHANNEL_UPPER;

    if (upper && m->weight_slot < 0)
        return MOTION_EBACKEND; /* no rt/arm_sdk on this robot; the loop counts it */
    memset(b->motors, 0, sizeof(b->motors));
    for (int i = 0; i < m->joint_count && i < cmd->joint_count; i++) {
        motion__dds_motor *mo = &b->motors[m->joints[i].motor];
        /* rt/arm_sdk carries waist and arms only, whatever the command says: the robot's own
         * controller keeps the legs (the safety filter never enables one; this is the wire's
         * own guarantee). */
        if (upper && (!cmd->enable[i] || m->joints[i].group == MPK_GROUP_LEG))
            continue;
        mo->used = 1;
        mo->mode =
            cmd->enable[i] ? (uint8_t)(m->joints[i].motor_mode ? m->joints[i].motor_mode : 1) : 0;
        if (!cmd->enable[i])
            continue;
        mo->q = (float)cmd->q[i];
        mo->dq = (float)cmd->dq[i];
        mo->kp = (float)cmd->kp[i];
        mo->kd = (float)cmd->kd[i];
        mo->tau = (float)cmd->tau[i];
    }
    return motion__dds_link_write(b->link, b->motors, upper, cmd->weight) == 0 ? MOTION_OK
                                                                               : MOTION_EBACKEND;
}

/* The link's counters are atomics: any thread may ask. */
static void backend_stats(void *ctx, motion_backend_stats *out)
{
    const dds_backend *b = ctx;
    motion__dds_stats s;

    motion__dds_link_stats(b->link, &s);
    out->available = true;
    out->states = s.received;
    out->bad_crc = s.bad_crc;
    out->repeated_tick = s.repeated_tick;
    out->commands = s.sent;
    out->write_errors = s.write_errors;
}

const motion_backend_ops motion__backend_dds = {
    .name = "dds",
    .summary = "Unitree robot over DDS (rt/lowcmd, rt/arm_sdk, rt/lowstate); options domain=N, "
               "interface=NAME, report=1, priority=N",
    .open = backend_open,
    .close = backend_close,
    .read_state = backend_read_state,
    .write = backend_write,
    .stats = backend_stats,
};
