/*
 * The "sim" backend: a simulated robot for when no real one is present.
 *
 * Each joint is a rotor of inertia I with viscous friction, driven by the commanded PD law
 * tau = kp (q* - q) + kd (dq* - dq) + tau_ff limited to the joint's effort: a second-order
 * response. Commands take effect after a configurable latency. Like a Unitree humanoid in its
 * normal mode, the robot's own controller holds the standing pose until a full-body command takes
 * over; on the upper-body channel the command is mixed with that controller by the blend weight
 * (tau = w tau_cmd + (1 - w) tau_robot), as arm_sdk does. Joints stop hard at their limits.
 *
 * The simulation advances in read_state() to the tick's time, in sub-steps of at most 0.5 ms
 * (semi-implicit Euler), so that it runs as fast as the caller ticks: tests step it with
 * synthetic time, the loop with the real clock. It catches up on at most 0.2 s per read, so a
 * read is bounded in time whatever the clock does. Nothing here allocates after open().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "motion/backend.h"

#define SUBSTEP_NS 500000
/* Most simulated time one read catches up on: after a longer gap (a stalled loop, a clock that
 * jumped) the robot resumes as if it had paused, so that a read never runs for long. */
#define MAX_CATCHUP_NS 200000000
#define NAME           "sim"

typedef struct pending {
    int64_t apply_ns;
    motion_command cmd;
} pending;

typedef struct sim {
    const mpk_robot_model *model;
    int n;
    double inertia[MOTION_MAX_JOINTS];
    double friction;
    int64_t latency_ns;
    double noise;
    uint64_t rng;
    int64_t freeze_ns; /* stop reporting state this long after the first read; <0 never */
    /* robot */
    double q[MOTION_MAX_JOINTS], dq[MOTION_MAX_JOINTS], tau[MOTION_MAX_JOINTS];
    int64_t t_ns, start_ns;
    bool started;
    bool debug_mode; /* a full-body command took over from the robot's own controller */
    /* commands waiting for their latency, a ring */
    pending *ring;
    size_t cap, head, count;
    motion_command active;
    bool has_active;
    motion_state last;
    uint32_t seq;
} sim;

static const char *const known_options[] = {"latency_ms",   "inertia", "friction",
                                            "start",        "seed",    "velocity",
                                            "freeze_after", "noise",   NULL};

static uint64_t next_random(sim *s)
{
    /* xorshift64*: deterministic per seed, enough for start poses and noise. */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 0x2545F4914F6CDD1Dull;
}

static double uniform(sim *s)
{
    return (double)(next_random(s) >> 11) / 9007199254740992.0;
}

static double gaussian(sim *s)
{
    double u1 = uniform(s), u2 = uniform(s);
    return sqrt(-2.0 * log(u1 + 1e-300)) * cos(2.0 * M_PI * u2);
}

static int parse_start(sim *s, const char *start, double velocity)
{
    int j;

    if (!start || strcmp(start, "stand") == 0) {
        for (j = 0; j < s->n; j++)
            s->q[j] = s->model->joints[j].stand;
        return MOTION_OK;
    }
    if (strcmp(start, "zero") == 0) {
        for (j = 0; j < s->n; j++)
            s->q[j] = motion__clamp(0.0, s->model->joints[j].lower, s->model->joints[j].upper);
        return MOTION_OK;
    }
    if (strcmp(start, "random") == 0) {
        for (j = 0; j < s->n; j++) {
            const mpk_joint *jt = &s->model->joints[j];
            /* Well inside the limits (10% to 90% of the range), moving at up to `velocity`. */
            s->q[j] = jt->lower + (jt->upper - jt->lower) * (0.1 + 0.8 * uniform(s));
            s->dq[j] = velocity * (2.0 * uniform(s) - 1.0);
        }
        return MOTION_OK;
    }
    /* A list of positions in model order: "0.1,0,-0.3,..." */
    {
        const char *p = start;
        for (j = 0; j < s->n; j++) {
            char *end;
            double v = strtod(p, &end);
            if (end == p || !isfinite(v))
                break;
            s->q[j] = motion__clamp(v, s->model->joints[j].lower, s->model->joints[j].upper);
            p = end;
            if (*p == ',')
                p++;
            else
                break;
        }
        if (j + 1 != s->n || *p)
            return motion__error(MOTION_EINVAL,
                                 "backend sim: start=%s: want stand, zero, random or %d "
                                 "comma-separated positions",
                                 start, s->n);
    }
    return MOTION_OK;
}

static int sim_open(void **ctx, const mpk_robot_model *model, double rate_hz,
                    motion_options options)
{
    sim *s = NULL;
    double latency_ms = 1.0, inertia = 0.0, velocity = 0.5, freeze = -1, noise = 0;
    int64_t seed = 1;
    int j, err;

    if ((err = motion_options_check(options, NAME, known_options)) != MOTION_OK)
        return err;
    if (model->joint_count <= 0 || model->joint_count > MOTION_MAX_JOINTS)
        return motion__error(MOTION_EINVAL, "backend sim: %s has %d joints", model->id,
                             model->joint_count);
    s = calloc(1, sizeof(*s));
    if (!s)
        return motion__error(MOTION_ENOMEM, "backend sim: out of memory");
    s->model = model;
    s->n = model->joint_count;
    s->friction = 0.2;
    if ((err = motion_options_double(&latency_ms, options, NAME, "latency_ms", 0, 1000)) ||
        (err = motion_options_double(&inertia, options, NAME, "inertia", 0.001, 100)) ||
        (err = motion_options_double(&s->friction, options, NAME, "friction", 0, 100)) ||
        (err = motion_options_int(&seed, options, NAME, "seed", 0, 4294967295LL)) ||
        (err = motion_options_double(&velocity, options, NAME, "velocity", 0, 10)) ||
        (err = motion_options_double(&freeze, options, NAME, "freeze_after", 0, 1e6)) ||
        (err = motion_options_double(&noise, options, NAME, "noise", 0, 0.1)))
        goto fail;
    s->rng = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 0x1234567ull;
    s->latency_ns = (int64_t)llround(latency_ms * 1e6);
    s->freeze_ns = freeze >= 0 ? (int64_t)llround(freeze * 1e9) : -1;
    s->noise = noise;
    for (j = 0; j < s->n; j++) {
        /* Without an explicit inertia, bigger motors move bigger links: about 1 g m^2 per Nm. */
        double effort = model->joints[j].effort > 0 ? model->joints[j].effort : 20.0;
        s->inertia[j] = inertia > 0 ? inertia : fmax(0.02, effort * 1e-3);
    }
    if ((err = parse_start(s, motion_options_get(options, "start"), velocity)) != MOTION_OK)
        goto fail;
    /* Enough room for every command still inside the latency window, with slack. */
    s->cap = (size_t)(latency_ms * 1e-3 * rate_hz) + 8;
    s->ring = calloc(s->cap, sizeof(*s->ring));
    if (!s->ring) {
        err = motion__error(MOTION_ENOMEM, "backend sim: out of memory");
        goto fail;
    }
    *ctx = s;
    return MOTION_OK;
fail:
    free(s);
    return err;
}

static void sim_close(void *ctx)
{
    sim *s = ctx;

    if (!s)
        return;
    free(s->ring);
    free(s);
}

/* Torque on joint j under the active command and the robot's own controller. */
static double joint_torque(const sim *s, int j)
{
    const mpk_joint *jt = &s->model->joints[j];
    const motion_command *c = &s->active;
    double q = s->q[j], dq = s->dq[j], own, cmd, tau;

    own = jt->kp * (jt->stand - q) - jt->kd * dq;
    if (!s->has_active) {
        tau = own;
    } else if (c->channel == MOTION_CHANNEL_FULL && s->debug_mode) {
        tau =
            c->enable[j] ? c->kp[j] * (c->q[j] - q) + c->kd[j] * (c->dq[j] - dq) + c->tau[j] : 0.0;
    } else if (c->channel == MOTION_CHANNEL_UPPER && jt->group != MPK_GROUP_LEG && c->enable[j]) {
        double w = motion__clamp(c->weight, 0.0, 1.0);
        cmd = c->kp[j] * (c->q[j] - q) + c->kd[j] * (c->dq[j] - dq) + c->tau[j];
        tau = w * cmd + (1.0 - w) * own;
    } else {
        tau = own;
    }
    if (jt->effort > 0)
        tau = motion__clamp(tau, -jt->effort, jt->effort);
    return tau - s->friction * dq;
}

static void step(sim *s, double h)
{
    int j;

    for (j = 0; j < s->n; j++) {
        const mpk_joint *jt = &s->model->joints[j];
        double tau = joint_torque(s, j);
        s->tau[j] = tau;
        s->dq[j] += h * tau / s->inertia[j];
        s->q[j] += h * s->dq[j];
        if (s->q[j] < jt->lower) { /* hard stop */
            s->q[j] = jt->lower;
            if (s->dq[j] < 0)
                s->dq[j] = 0;
        } else if (s->q[j] > jt->upper) {
            s->q[j] = jt->upper;
            if (s->dq[j] > 0)
                s->dq[j] = 0;
        }
    }
}

static void apply_due(sim *s, int64_t t)
{
    while (s->count > 0 && s->ring[s->head].apply_ns <= t) {
        s->active = s->ring[s->head].cmd;
        s->has_active = true;
        if (s->active.channel == MOTION_CHANNEL_FULL)
            s->debug_mode = true;
        s->head = (s->head + 1) % s->cap;
        s->count--;
    }
}

static void advance(sim *s, int64_t now)
{
    if (now - s->t_ns > MAX_CATCHUP_NS)
        s->t_ns = now - MAX_CATCHUP_NS;
    while (s->t_ns < now) {
        int64_t h = now - s->t_ns;
        if (h > SUBSTEP_NS)
            h = SUBSTEP_NS;
        apply_due(s, s->t_ns);
        step(s, (double)h * 1e-9);
        s->t_ns += h;
    }
    apply_due(s, s->t_ns);
}

static int sim_read_state(void *ctx, motion_state *out, int64_t now_ns)
{
    sim *s = ctx;
    int j;

    if (!s->started) {
        s->started = true;
        s->t_ns = s->start_ns = now_ns;
    }
    advance(s, now_ns);
    if (s->freeze_ns >= 0 && now_ns - s->start_ns > s->freeze_ns && s->last.stamp_ns != 0) {
        *out = s->last; /* the robot went silent: the same old state, with its old stamp */
        return MOTION_OK;
    }
    s->last.stamp_ns = now_ns;
    s->last.seq = ++s->seq;
    s->last.joint_count = s->n;
    for (j = 0; j < s->n; j++) {
        s->last.q[j] = s->q[j] + (s->noise > 0 ? s->noise * gaussian(s) : 0.0);
        s->last.dq[j] = s->dq[j];
        s->last.tau[j] = s->tau[j];
    }
    s->last.has_imu = true;
    s->last.imu_quat[0] = 1.0; /* the simulated base does not move */
    s->last.imu_acc[2] = 9.81;
    *out = s->last;
    return MOTION_OK;
}

static int sim_write(void *ctx, const motion_command *cmd)
{
    sim *s = ctx;
    size_t slot;

    if (s->count == s->cap) { /* the caller outran the latency window: drop the oldest */
        s->head = (s->head + 1) % s->cap;
        s->count--;
    }
    slot = (s->head + s->count) % s->cap;
    s->ring[slot].apply_ns = cmd->time_ns + s->latency_ns;
    s->ring[slot].cmd = *cmd;
    s->count++;
    if (s->latency_ns == 0)
        apply_due(s, s->t_ns > cmd->time_ns ? s->t_ns : cmd->time_ns);
    return MOTION_OK;
}

const motion_backend_ops motion__backend_sim = {
    .name = NAME,
    .summary = "simulated robot: PD-driven joints with latency (options latency_ms, inertia, "
               "friction, start=stand|zero|random|q,..., seed, velocity, freeze_after, noise)",
    .open = sim_open,
    .close = sim_close,
    .read_state = sim_read_state,
    .write = sim_write,
};
