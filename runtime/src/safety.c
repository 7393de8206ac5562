/* The safety filter: the last step before a command reaches a backend (rules in safety.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "motion/safety.h"

/* A model without default damping still needs some: a gain every Unitree servo handles. */
#define FALLBACK_KD 1.0
#define FALLBACK_KP 20.0

struct motion_safety {
    const mpk_robot_model *model;
    int n;
    motion_channel channel;
    motion_safety_config cfg;
    double period;
    uint8_t allowed[MOTION_MAX_JOINTS];
    double lo[MOTION_MAX_JOINTS], hi[MOTION_MAX_JOINTS];
    double vmax[MOTION_MAX_JOINTS];
    double kpmax[MOTION_MAX_JOINTS], kdmax[MOTION_MAX_JOINTS];
    double taumax[MOTION_MAX_JOINTS];
    double kd_default[MOTION_MAX_JOINTS];
    unsigned faults;
    bool seen_state;
    int64_t checked_ns; /* the tick whose state was last checked (checked once per tick) */
    const motion_state *checked;
    /* The newest state seen, and the ticks since it came: the watchdog's second opinion. */
    uint32_t last_seq;
    int64_t last_stamp;
    uint64_t stale_ticks, stale_limit;
    bool have_prev;
    int64_t prev_ns;
    double prev_q[MOTION_MAX_JOINTS];
    double prev_weight;
    motion_safety_counters counters;
};

void motion_safety_config_init(motion_safety_config *cfg)
{
    cfg->position_margin = 0.02;
    cfg->velocity_scale = 1.0;
    cfg->watchdog = 0.1;
    cfg->gain_scale = 4.0;
    cfg->weight_rate = 5.0;
}

static int check_config(const motion_safety_config *c)
{
    if (!(c->position_margin >= 0 && c->position_margin < 0.5))
        return motion__error(MOTION_EINVAL, "safety: position margin must be 0..0.5 rad");
    if (!(c->velocity_scale > 0 && c->velocity_scale <= 1.0))
        return motion__error(MOTION_EINVAL, "safety: velocity scale must be in (0, 1]");
    if (!(c->watchdog >= 0.005 && c->watchdog <= 10.0))
        return motion__error(MOTION_EINVAL, "safety: watchdog must be 0.005..10 s");
    if (!(c->gain_scale >= 1.0 && c->gain_scale <= 100.0))
        return motion__error(MOTION_EINVAL, "safety: gain scale must be 1..100");
    if (!(c->weight_rate > 0 && c->weight_rate <= 1000.0))
        return motion__error(MOTION_EINVAL, "safety: weight rate must be in (0, 1000] per s");
    return MOTION_OK;
}

int motion_safety_new(motion_safety **out, const mpk_robot_model *model, motion_channel channel,
                      double rate_hz, const motion_safety_config *cfg)
{
    motion_safety *s;
    motion_safety_config defaults;
    int j, err;

    if (!out || !model)
        return motion__error(MOTION_EINVAL, "safety: NULL argument");
    if (model->joint_count <= 0 || model->joint_count > MOTION_MAX_JOINTS)
        return motion__error(MOTION_EINVAL, "safety: %s has %d joints (at most %d)", model->id,
                             model->joint_count, MOTION_MAX_JOINTS);
    if (!(rate_hz >= MOTION_RATE_MIN && rate_hz <= MOTION_RATE_MAX))
        return motion__error(MOTION_EINVAL, "safety: rate %g Hz outside %g..%g", rate_hz,
                             MOTION_RATE_MIN, MOTION_RATE_MAX);
    if (channel == MOTION_CHANNEL_UPPER && model->weight_slot < 0)
        return motion__error(MOTION_EINVAL, "safety: %s has no upper-body channel", model->id);
    if (!cfg) {
        motion_safety_config_init(&defaults);
        cfg = &defaults;
    }
    if ((err = check_config(cfg)) != MOTION_OK)
        return err;
    s = calloc(1, sizeof(*s));
    if (!s)
        return motion__error(MOTION_ENOMEM, "safety: out of memory");
    s->model = model;
    s->n = model->joint_count;
    s->channel = channel;
    s->cfg = *cfg;
    s->period = 1.0 / rate_hz;
    s->stale_limit = (uint64_t)floor(cfg->watchdog * rate_hz + 1e-9);
    for (j = 0; j < s->n; j++) {
        const mpk_joint *jt = &model->joints[j];
        double m = cfg->position_margin;
        s->allowed[j] = channel == MOTION_CHANNEL_FULL || jt->group != MPK_GROUP_LEG;
        if (jt->upper - jt->lower > 2 * m) {
            s->lo[j] = jt->lower + m;
            s->hi[j] = jt->upper - m;
        } else { /* a joint with less travel than two margins is held in its middle */
            s->lo[j] = s->hi[j] = 0.5 * (jt->lower + jt->upper);
        }
        s->vmax[j] = jt->velocity * cfg->velocity_scale;
        s->kd_default[j] = jt->kd > 0 ? jt->kd : FALLBACK_KD;
        s->kpmax[j] = (jt->kp > 0 ? jt->kp : FALLBACK_KP) * cfg->gain_scale;
        s->kdmax[j] = s->kd_default[j] * cfg->gain_scale;
        s->taumax[j] = jt->effort > 0 ? jt->effort : 0.0;
    }
    *out = s;
    return MOTION_OK;
}

void motion_safety_free(motion_safety *s)
{
    free(s);
}

static void latch(motion_safety *s, unsigned faults)
{
    unsigned fresh = faults & ~s->faults;

    if (fresh & MOTION_FAULT_ESTOP)
        s->counters.estop++;
    if (fresh & MOTION_FAULT_NONFINITE)
        s->counters.nonfinite++;
    if (fresh & MOTION_FAULT_WATCHDOG)
        s->counters.watchdog++;
    if (fresh & MOTION_FAULT_PLAN)
        s->counters.plan++;
    s->faults |= faults;
}

void motion_safety_engage(motion_safety *s, unsigned faults)
{
    latch(s, faults & (MOTION_FAULT_ESTOP | MOTION_FAULT_NONFINITE | MOTION_FAULT_WATCHDOG |
                       MOTION_FAULT_PLAN));
}

void motion_safety_release(motion_safety *s)
{
    s->faults = 0;
}

unsigned motion_safety_faults(const motion_safety *s)
{
    return s->faults;
}

bool motion_safety_allows(const motion_safety *s, int j)
{
    return j >= 0 && j < s->n && s->allowed[j];
}

int motion_safety_range(const motion_safety *s, int j, double *lower, double *upper)
{
    if (j < 0 || j >= s->n)
        return motion__error(MOTION_EINVAL, "safety: joint index %d outside 0..%d of %s", j,
                             s->n - 1, s->model->id);
    *lower = s->lo[j];
    *upper = s->hi[j];
    return MOTION_OK;
}

void motion_safety_counters_get(const motion_safety *s, motion_safety_counters *out)
{
    *out = s->counters;
}

static bool state_valid(const motion_safety *s, const motion_state *st)
{
    return st && st->stamp_ns != 0 && st->joint_count == s->n;
}

/*
 * Two opinions on the state's age: its stamp against the tick's time, and how many ticks ago a new
 * state last came (one whose sequence number or stamp changed), against the ticks the watchdog's
 * age spans at the control rate. The second catches what the first cannot: a backend stamping
 * with another clock (a stamp ahead of the tick never looks old) and, after a first good state,
 * states without a stamp or with the wrong joint count, which are no state at all. It counts
 * ticks, not time, so that no clock can fool it: neither a jump of the tick's time nor a stalled
 * loop whose late tick carries its old deadline.
 */
unsigned motion_safety_check_state(motion_safety *s, const motion_state *st, int64_t now_ns)
{
    double limit = s->cfg.watchdog * 1e9;
    bool valid = state_valid(s, st);
    int j;

    if (!valid && !s->seen_state)
        return s->faults; /* before the first state there is nothing to watch */
    if (s->checked == st && s->checked_ns == now_ns && s->seen_state)
        return s->faults; /* the loop checked this state already in this tick */
    s->checked = st;
    s->checked_ns = now_ns;
    if (valid && (!s->seen_state || st->seq != s->last_seq || st->stamp_ns != s->last_stamp)) {
        s->last_seq = st->seq;
        s->last_stamp = st->stamp_ns;
        s->stale_ticks = 0;
    } else {
        s->stale_ticks++;
    }
    s->seen_state = true;
    if (s->stale_ticks > s->stale_limit || (valid && (double)(now_ns - st->stamp_ns) > limit))
        latch(s, MOTION_FAULT_WATCHDOG);
    if (!valid)
        return s->faults;
    for (j = 0; j < s->n; j++) {
        if (!isfinite(st->q[j]) || !isfinite(st->dq[j])) {
            latch(s, MOTION_FAULT_NONFINITE);
            break;
        }
    }
    return s->faults;
}

void motion_safety_damping(const motion_safety *s, motion_command *cmd, const motion_state *st)
{
    bool have = state_valid(s, st);
    int j;

    cmd->joint_count = s->n;
    cmd->channel = s->channel;
    /* On the upper-body channel the weight goes to 1 so that damping, not a mix, is what acts. */
    cmd->weight = s->channel == MOTION_CHANNEL_UPPER ? 1.0 : 0.0;
    for (j = 0; j < s->n; j++) {
        double q = have && isfinite(st->q[j]) ? st->q[j] : s->prev_q[j];
        cmd->q[j] = motion__clamp(q, s->lo[j], s->hi[j]);
        cmd->dq[j] = 0.0;
        cmd->kp[j] = 0.0;
        cmd->kd[j] = s->allowed[j] ? s->kd_default[j] : 0.0;
        cmd->tau[j] = 0.0;
        cmd->enable[j] = s->allowed[j];
    }
}

static void no_state(const motion_safety *s, motion_command *cmd)
{
    int j;

    cmd->joint_count = s->n;
    cmd->channel = s->channel;
    cmd->weight = 0.0;
    for (j = 0; j < s->n; j++) {
        cmd->q[j] = cmd->dq[j] = cmd->kp[j] = cmd->kd[j] = cmd->tau[j] = 0.0;
        cmd->enable[j] = 0;
    }
}

static bool command_finite(const motion_safety *s, const motion_command *cmd)
{
    int j;

    if (!isfinite(cmd->weight))
        return false;
    for (j = 0; j < s->n; j++) {
        if (!cmd->enable[j])
            continue;
        if (!isfinite(cmd->q[j]) || !isfinite(cmd->dq[j]) || !isfinite(cmd->kp[j]) ||
            !isfinite(cmd->kd[j]) || !isfinite(cmd->tau[j]))
            return false;
    }
    return true;
}

unsigned motion_safety_apply(motion_safety *s, motion_command *cmd, const motion_state *st,
                             int64_t now_ns)
{
    unsigned actions = 0, before = s->faults;
    bool have = state_valid(s, st);
    double dt, step;
    int j;

    s->counters.commands++;
    motion_safety_check_state(s, st, now_ns);
    if (!s->seen_state) {
        no_state(s, cmd);
        s->counters.no_state++;
        return MOTION_SAFETY_NO_STATE;
    }
    /* One command moves a target by at most one period's worth: a late tick (a stalled loop, a
     * caller skipping time) does not license a bigger step; the target catches up over the next
     * ticks instead. A tick sooner than the period allows less. */
    dt = s->have_prev ? (double)(now_ns - s->prev_ns) * 1e-9 : s->period;
    if (!(dt > 0) || dt > s->period)
        dt = s->period;
    if (cmd->channel != s->channel || cmd->joint_count != s->n) {
        actions |= MOTION_SAFETY_MASK;
        cmd->channel = s->channel;
        cmd->joint_count = s->n;
    }
    if (!command_finite(s, cmd))
        latch(s, MOTION_FAULT_NONFINITE);
    if (s->faults) {
        motion_safety_damping(s, cmd, st);
        actions |= MOTION_SAFETY_DAMPING;
        s->counters.damping++;
        goto done;
    }
    for (j = 0; j < s->n; j++) {
        double ref, q;
        if (cmd->enable[j] && !s->allowed[j]) {
            cmd->enable[j] = 0;
            actions |= MOTION_SAFETY_MASK;
        }
        if (!cmd->enable[j]) {
            q = have && isfinite(st->q[j]) ? st->q[j] : s->prev_q[j];
            cmd->q[j] = motion__clamp(q, s->lo[j], s->hi[j]);
            cmd->dq[j] = cmd->kp[j] = cmd->kd[j] = cmd->tau[j] = 0.0;
            continue;
        }
        q = cmd->q[j];
        if (q < s->lo[j] || q > s->hi[j]) {
            q = motion__clamp(q, s->lo[j], s->hi[j]);
            actions |= MOTION_SAFETY_CLAMPED;
        }
        /* Both q and ref lie in [lo, hi], so the limited step stays inside too. Without a
         * position gain the target has no effect (damping), so it need not be rate-limited; the
         * next stiff command is limited relative to it. */
        ref = s->have_prev ? s->prev_q[j] : (have ? st->q[j] : q);
        if (cmd->kp[j] <= 0.0)
            ref = q;
        ref = motion__clamp(ref, s->lo[j], s->hi[j]);
        step = s->vmax[j] * dt;
        if (q > ref + step) {
            q = ref + step;
            actions |= MOTION_SAFETY_RATE;
        } else if (q < ref - step) {
            q = ref - step;
            actions |= MOTION_SAFETY_RATE;
        }
        cmd->q[j] = q;
        if (fabs(cmd->dq[j]) > s->vmax[j]) {
            cmd->dq[j] = copysign(s->vmax[j], cmd->dq[j]);
            actions |= MOTION_SAFETY_VELOCITY;
        }
        if (cmd->kp[j] < 0 || cmd->kp[j] > s->kpmax[j] || cmd->kd[j] < 0 ||
            cmd->kd[j] > s->kdmax[j] || fabs(cmd->tau[j]) > s->taumax[j]) {
            cmd->kp[j] = motion__clamp(cmd->kp[j], 0.0, s->kpmax[j]);
            cmd->kd[j] = motion__clamp(cmd->kd[j], 0.0, s->kdmax[j]);
            cmd->tau[j] = motion__clamp(cmd->tau[j], -s->taumax[j], s->taumax[j]);
            actions |= MOTION_SAFETY_GAINS;
        }
    }
    if (s->channel == MOTION_CHANNEL_UPPER) {
        double w = motion__clamp(cmd->weight, 0.0, 1.0);
        double wstep = s->cfg.weight_rate * dt;
        w = motion__clamp(w, s->prev_weight - wstep, s->prev_weight + wstep);
        if (w != cmd->weight)
            actions |= MOTION_SAFETY_WEIGHT;
        cmd->weight = w;
    } else {
        cmd->weight = 0.0;
    }
done:
    /* The reference for the next rate limit: the target of a stiff command, else where the
     * joint really is (a soft or absent command must not become a stepping stone). */
    for (j = 0; j < s->n; j++) {
        if ((cmd->enable[j] && cmd->kp[j] > 0.0) || !have || !isfinite(st->q[j]))
            s->prev_q[j] = cmd->q[j];
        else
            s->prev_q[j] = motion__clamp(st->q[j], s->lo[j], s->hi[j]);
    }
    s->prev_weight = cmd->weight;
    s->prev_ns = now_ns;
    s->have_prev = true;
    if (s->faults & ~before)
        actions |= MOTION_SAFETY_TRIPPED;
    if (actions & MOTION_SAFETY_CLAMPED)
        s->counters.clamped++;
    if (actions & MOTION_SAFETY_RATE)
        s->counters.rate++;
    if (actions & MOTION_SAFETY_VELOCITY)
        s->counters.velocity++;
    if (actions & MOTION_SAFETY_GAINS)
        s->counters.gains++;
    if (actions & MOTION_SAFETY_WEIGHT)
        s->counters.weight++;
    if (actions & MOTION_SAFETY_MASK)
        s->counters.mask++;
    return actions;
}
