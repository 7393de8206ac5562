/*
 * The player state machine (motion/player.h). One call of motion_player_tick() per control tick;
 * no allocation after motion_player_new().
 *
 * Continuity: every segment starts from the (position, velocity) the previous one last commanded
 * (or, when the robot was not under our command - idle, damping - from its measured state), and
 * every time scale (speed, pause, crossfade weight, upper-body weight) ramps instead of stepping.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "motion/player.h"
#include "motion/safety.h"
#include "mpk/manifest.h"

/* Gains a model without defaults gets. */
#define FALLBACK_KP 20.0
#define FALLBACK_KD 1.0
/*
 * Default stiffness of the joints that hold a humanoid's upper body up, as a multiple of the
 * model's: the waist joints whose axis is horizontal in the standing pose (G1 29-DoF: waist roll
 * and pitch). The models' defaults are Unitree's low-level example gains (kp 40, kd 1), which
 * cannot hold the G1's upper body: 16.6 kg with its centre of mass 0.15 to 0.17 m above these axes
 * is an inverted pendulum of m g h = 24 to 28 Nm/rad, and it leans with 4.9 Nm at the neutral pose
 * (Unitree's MuJoCo model). At kp 40 it sags 0.3 rad forward and falls to the roll limit (0.52 rad)
 * once an arm is raised sideways; measured on robot-sim playing the example wave (docs/dds.md).
 * 3.5 times (kp 140) leaves about 0.04 rad, within the filter's gain_scale (4); kd is scaled by the
 * square root, which keeps the damping ratio. A clip's own gains always win.
 */
#define UPRIGHT_GAIN_SCALE 3.5
/* A joint axis with at most this vertical component (the cosine to vertical) is horizontal. */
#define HORIZONTAL_AXIS 0.5
/* Longest tick the player integrates over in one step (after a stall it does not leap). */
#define MAX_DT 0.1
/* Samples of the gap between two clips when sizing a crossfade. */
#define GAP_SAMPLES 5

typedef struct item {
    motion_clip *clip;
    int loops;        /* MOTION_LOOP_FOREVER or a count */
    int iteration;    /* from 1 */
    double crossfade; /* wanted crossfade into this item, s */
    uint64_t tag;
    double t;     /* motion time */
    bool started; /* STARTED was reported (once per item, not per iteration) */
    double kp[MOTION_MAX_JOINTS], kd[MOTION_MAX_JOINTS];
    double base[MOTION_MAX_JOINTS]; /* where joints the clip does not drive stay */
} item;

struct motion_player {
    const mpk_robot_model *model;
    int n;
    motion_player_config cfg;
    motion_mode mode;
    motion_channel channel;
    uint8_t mask[MOTION_MAX_JOINTS];
    motion_limits plan, stop_limits;
    double kp_def[MOTION_MAX_JOINTS], kd_def[MOTION_MAX_JOINTS];
    double rest[MOTION_MAX_JOINTS], stand[MOTION_MAX_JOINTS];
    double period;
    motion_player_callbacks cb;

    item items[MOTION_PLAYER_QUEUE_MAX];
    int qhead, qcount;

    motion_activity act;
    uint64_t tick;
    int64_t now_ns, prev_ns;
    bool have_prev_ns;
    unsigned faults;     /* the faults in effect (the caller's and our own) */
    unsigned own_faults; /* latched here (MOTION_FAULT_PLAN) until motion_player_release() */

    /* The last command, for continuity. */
    double q[MOTION_MAX_JOINTS], dq[MOTION_MAX_JOINTS];
    double kp[MOTION_MAX_JOINTS], kd[MOTION_MAX_JOINTS];
    double weight;

    /* The segment in progress (blend, stop, ramp). */
    double seg_t, seg_d;
    motion_blend blend;
    motion_stop stop;
    double gkp0[MOTION_MAX_JOINTS], gkd0[MOTION_MAX_JOINTS];
    double gkp1[MOTION_MAX_JOINTS], gkd1[MOTION_MAX_JOINTS];
    bool user_stop, return_after_stop;
    bool interrupt; /* a play-now request waits at the end of the queue */
    bool limp;      /* released from a fault's damping, not yet in stiff control again: the arms
                       are where they are, not where we last commanded them */

    /* Time scales. */
    double speed_target, speed;
    bool paused;
    double pause; /* 1 running, 0 paused, ramps between */

    /* Crossfade into the successor: the next item or another iteration of the same one. */
    bool xf;          /* in progress */
    bool xf_self;     /* successor is the current item again */
    double xf_t0;     /* A's motion time when it began */
    double xf_len;    /* its length in A's motion time */
    double xf_tb;     /* successor's motion time */
    bool xf_planned;  /* xf_min/xf_want are valid for the current successor and speed */
    bool xf_fallback; /* no crossfade fits: blend at the end instead */
    double xf_min, xf_want;

    /* Scratch, so that nothing large lives on the loop thread's stack. */
    double qa[MOTION_MAX_JOINTS], va[MOTION_MAX_JOINTS];
    double qb[MOTION_MAX_JOINTS], vb[MOTION_MAX_JOINTS];
};

static const char *const activity_names[] = {"waiting",   "idle",     "blend-in",  "playing",
                                             "blend-out", "stopping", "returning", "holding",
                                             "releasing", "damping"};

const char *motion_activity_name(motion_activity a)
{
    return (unsigned)a < sizeof(activity_names) / sizeof(activity_names[0]) ? activity_names[a]
                                                                            : "unknown";
}

const char *motion_event_name(motion_event_type t)
{
    static const char *const names[] = {"?",        "blend-in", "started",  "looped",
                                        "finished", "dropped",  "stopped",  "idle",
                                        "fault",    "released", "rejected", "activity"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

const char *motion_mode_name(motion_mode m)
{
    return m == MOTION_MODE_ARM ? "arm" : m == MOTION_MODE_FULL ? "full" : "default";
}

int motion_mode_parse(motion_mode *out, const char *text)
{
    if (text && strcmp(text, "arm") == 0)
        *out = MOTION_MODE_ARM;
    else if (text && strcmp(text, "full") == 0)
        *out = MOTION_MODE_FULL;
    else if (text && strcmp(text, "default") == 0)
        *out = MOTION_MODE_DEFAULT;
    else
        return motion__error(MOTION_EINVAL, "mode '%s': want arm, full or default",
                             text ? text : "(null)");
    return MOTION_OK;
}

void motion_player_config_init(motion_player_config *c)
{
    memset(c, 0, sizeof(*c));
    c->rate_hz = MOTION_RATE_DEFAULT;
    c->mode = MOTION_MODE_DEFAULT;
    c->allow_full_body = false;
    c->crossfade = 0.5;
    c->velocity_scale = 0.1;
    c->acceleration_scale = 0.1;
    c->stop_acceleration_scale = 0.25;
    c->weight_ramp = 1.0;
    c->speed_ramp = 1.0;
    c->pause_time = 0.5;
    c->blend_out = false;
    c->has_rest_pose = false;
}

void motion_play_options_init(motion_play_options *o)
{
    o->loops = 1;
    o->crossfade = -1.0;
    o->tag = 0;
    o->now = false;
}

static int check_config(const motion_player_config *c, const mpk_robot_model *model)
{
    if (!(c->rate_hz >= MOTION_RATE_MIN && c->rate_hz <= MOTION_RATE_MAX))
        return motion__error(MOTION_EINVAL, "player: rate %g Hz outside %g..%g", c->rate_hz,
                             MOTION_RATE_MIN, MOTION_RATE_MAX);
    if (!(c->crossfade >= 0 && c->crossfade <= 10))
        return motion__error(MOTION_EINVAL, "player: crossfade must be 0..10 s");
    if (!(c->velocity_scale > 0 && c->velocity_scale <= 1) ||
        !(c->acceleration_scale > 0 && c->acceleration_scale <= 1) ||
        !(c->stop_acceleration_scale > 0 && c->stop_acceleration_scale <= 1))
        return motion__error(MOTION_EINVAL, "player: limit scales must be in (0, 1]");
    if (!(c->weight_ramp >= 0.05 && c->weight_ramp <= 10))
        return motion__error(MOTION_EINVAL, "player: weight ramp must be 0.05..10 s");
    if (!(c->speed_ramp >= 0.05 && c->speed_ramp <= 100))
        return motion__error(MOTION_EINVAL, "player: speed ramp must be 0.05..100 per s");
    if (!(c->pause_time >= 0.02 && c->pause_time <= 10))
        return motion__error(MOTION_EINVAL, "player: pause time must be 0.02..10 s");
    if (c->has_rest_pose) {
        for (int j = 0; j < model->joint_count; j++) {
            const mpk_joint *jt = &model->joints[j];
            if (!isfinite(c->rest_pose[j]) || c->rest_pose[j] < jt->lower ||
                c->rest_pose[j] > jt->upper)
                return motion__error(MOTION_EINVAL, "player: rest pose: %s = %g outside %g..%g",
                                     jt->name, c->rest_pose[j], jt->lower, jt->upper);
        }
    }
    return MOTION_OK;
}

/*
 * Marks in upright[] the joints that carry a humanoid's upper body: its waist joints whose axis is
 * horizontal in the standing pose (forward kinematics at the standing pose; the axis is in the
 * frame of the link the joint moves). @return MOTION_OK or MOTION_ENOMEM
 */
static int find_upright_joints(uint8_t *upright, const mpk_robot_model *m)
{
    double stand[MOTION_MAX_JOINTS], *pos, *rot;
    int j;

    memset(upright, 0, MOTION_MAX_JOINTS);
    if (!m->humanoid || m->link_count <= 0 || !m->links)
        return MOTION_OK;
    pos = malloc(sizeof(double) * 3 * (size_t)m->link_count);
    rot = malloc(sizeof(double) * 9 * (size_t)m->link_count);
    if (!pos || !rot) {
        free(pos);
        free(rot);
        return motion__error(MOTION_ENOMEM, "player: out of memory");
    }
    for (j = 0; j < m->joint_count; j++)
        stand[j] = motion__clamp(m->joints[j].stand, m->joints[j].lower, m->joints[j].upper);
    if (mpk_robot_fk(pos, rot, m, stand, NULL) == MPK_OK) {
        for (j = 0; j < m->joint_count; j++) {
            const mpk_joint *jt = &m->joints[j];
            const double *r, *a;
            if (jt->group != MPK_GROUP_WAIST || jt->link < 0 || jt->link >= m->link_count)
                continue;
            r = rot + 9 * jt->link; /* row-major: world z of the axis is row 2 . axis */
            a = m->links[jt->link].axis;
            upright[j] = fabs(r[6] * a[0] + r[7] * a[1] + r[8] * a[2]) <= HORIZONTAL_AXIS;
        }
    }
    free(pos);
    free(rot);
    return MOTION_OK;
}

int motion_player_new(motion_player **out, const mpk_robot_model *model,
                      const motion_player_config *cfg)
{
    uint8_t upright[MOTION_MAX_JOINTS];
    motion_player_config defaults;
    motion_player *p;
    int j, err;

    if (!out || !model)
        return motion__error(MOTION_EINVAL, "player: NULL argument");
    if (model->joint_count <= 0 || model->joint_count > MOTION_MAX_JOINTS)
        return motion__error(MOTION_EINVAL, "player: %s has %d joints (at most %d)", model->id,
                             model->joint_count, MOTION_MAX_JOINTS);
    if (!cfg) {
        motion_player_config_init(&defaults);
        cfg = &defaults;
    }
    if ((err = check_config(cfg, model)) != MOTION_OK)
        return err;
    if ((err = find_upright_joints(upright, model)) != MOTION_OK)
        return err;
    p = calloc(1, sizeof(*p));
    if (!p)
        return motion__error(MOTION_ENOMEM, "player: out of memory");
    p->model = model;
    p->n = model->joint_count;
    p->cfg = *cfg;
    p->mode = cfg->mode;
    if (p->mode == MOTION_MODE_DEFAULT)
        p->mode = model->humanoid && model->weight_slot >= 0 ? MOTION_MODE_ARM : MOTION_MODE_FULL;
    if (p->mode == MOTION_MODE_ARM && model->weight_slot < 0) {
        free(p);
        return motion__error(MOTION_EINVAL,
                             "player: %s has no upper-body channel: arm mode "
                             "is impossible, use full",
                             model->id);
    }
    p->channel = p->mode == MOTION_MODE_ARM ? MOTION_CHANNEL_UPPER : MOTION_CHANNEL_FULL;
    p->period = 1.0 / cfg->rate_hz;
    motion_limits_from_model(&p->plan, model, cfg->velocity_scale, cfg->acceleration_scale);
    motion_limits_from_model(&p->stop_limits, model, 1.0, cfg->stop_acceleration_scale);
    for (j = 0; j < p->n; j++) {
        const mpk_joint *jt = &model->joints[j];
        p->mask[j] = p->mode == MOTION_MODE_FULL || jt->group != MPK_GROUP_LEG;
        p->kp_def[j] = jt->kp > 0 ? jt->kp : FALLBACK_KP;
        p->kd_def[j] = jt->kd > 0 ? jt->kd : FALLBACK_KD;
        if (upright[j]) {
            p->kp_def[j] *= UPRIGHT_GAIN_SCALE;
            p->kd_def[j] *= sqrt(UPRIGHT_GAIN_SCALE);
        }
        p->stand[j] = motion__clamp(jt->stand, jt->lower, jt->upper);
        p->rest[j] = cfg->has_rest_pose ? cfg->rest_pose[j] : p->stand[j];
    }
    p->speed = p->speed_target = 1.0;
    p->pause = 1.0;
    p->act = MOTION_ACT_WAITING;
    *out = p;
    return MOTION_OK;
}

void motion_player_set_callbacks(motion_player *p, const motion_player_callbacks *cb)
{
    if (cb)
        p->cb = *cb;
    else
        memset(&p->cb, 0, sizeof(p->cb));
}

motion_mode motion_player_mode(const motion_player *p)
{
    return p->mode;
}

motion_channel motion_player_channel(const motion_player *p)
{
    return p->channel;
}

static void emit(motion_player *p, motion_event_type type, uint64_t tag, int64_t value)
{
    motion_event ev;

    if (!p->cb.event)
        return;
    ev.type = type;
    ev.tag = tag;
    ev.tick = p->tick;
    ev.time_ns = p->now_ns;
    ev.faults = p->faults;
    ev.value = value;
    p->cb.event(p->cb.user, &ev);
}

static void set_act(motion_player *p, motion_activity a)
{
    if (p->act == a)
        return;
    p->act = a;
    emit(p, MOTION_EVENT_ACTIVITY, 0, a);
}

static item *item_at(motion_player *p, int i)
{
    return &p->items[(p->qhead + i) % MOTION_PLAYER_QUEUE_MAX];
}

static item *current(motion_player *p)
{
    return p->qcount > 0 ? item_at(p, 0) : NULL;
}

static void release_item(motion_player *p, item *it, motion_event_type why)
{
    motion_clip *clip = it->clip;

    emit(p, why, it->tag, 0);
    it->clip = NULL;
    if (p->cb.release && clip)
        p->cb.release(p->cb.user, clip, it->tag);
}

static void pop(motion_player *p, motion_event_type why)
{
    if (p->qcount == 0)
        return;
    release_item(p, item_at(p, 0), why);
    p->qhead = (p->qhead + 1) % MOTION_PLAYER_QUEUE_MAX;
    p->qcount--;
    p->xf = false;
    p->xf_planned = false;
}

static void drop_all(motion_player *p)
{
    while (p->qcount > 0)
        pop(p, MOTION_EVENT_DROPPED);
    p->interrupt = false;
}

int motion_player_check(const motion_player *p, const motion_clip *clip)
{
    int j, driven = 0;

    if (!clip)
        return motion__error(MOTION_EINVAL, "play: NULL clip");
    if (motion_clip_model(clip) != p->model &&
        strcmp(motion_clip_model(clip)->id, p->model->id) != 0)
        return motion__error(MOTION_EMODEL, "motion '%s' is for robot '%s', this is '%s'",
                             motion_clip_name(clip), motion_clip_model(clip)->id, p->model->id);
    if (p->mode == MOTION_MODE_FULL) {
        if (!p->cfg.allow_full_body)
            return motion__error(MOTION_EPERM,
                                 "motion '%s': full-body control is not allowed "
                                 "by the runtime configuration",
                                 motion_clip_name(clip));
        if (!(motion_clip_permissions(clip) & MPK_PERM_FULL_BODY))
            return motion__error(MOTION_EPERM,
                                 "motion '%s': the package lacks the full-body permission",
                                 motion_clip_name(clip));
    }
    for (j = 0; j < p->n; j++)
        driven += p->mask[j] && motion_clip_drives(clip, j);
    if (driven == 0)
        return motion__error(MOTION_EPERM, "motion '%s' drives no joint that %s mode commands",
                             motion_clip_name(clip), motion_mode_name(p->mode));
    return MOTION_OK;
}

int motion_player_play(motion_player *p, motion_clip *clip, const motion_play_options *opts)
{
    motion_play_options defaults;
    item *it;
    int j, err;

    if (!opts) {
        motion_play_options_init(&defaults);
        opts = &defaults;
    }
    if ((err = motion_player_check(p, clip)) != MOTION_OK)
        return err;
    if (opts->loops < 0)
        return motion__error(MOTION_EINVAL, "play: loops must be >= 0 (0: forever)");
    if (p->act == MOTION_ACT_DAMPING)
        return motion__error(MOTION_ESTATE, "play: an emergency stop or fault is engaged");
    if (p->qcount >= MOTION_PLAYER_QUEUE_MAX)
        return motion__error(MOTION_EFULL, "play: %d motions queued already",
                             MOTION_PLAYER_QUEUE_MAX);
    it = item_at(p, p->qcount);
    memset(it, 0, sizeof(*it));
    it->clip = clip;
    it->loops = opts->loops;
    it->iteration = 1;
    it->crossfade =
        opts->crossfade >= 0 && isfinite(opts->crossfade) ? opts->crossfade : p->cfg.crossfade;
    it->tag = opts->tag;
    for (j = 0; j < p->n; j++) {
        it->kp[j] = p->kp_def[j];
        it->kd[j] = p->kd_def[j];
    }
    motion_clip_gains(clip, it->kp, it->kd);
    p->qcount++;
    p->xf_planned = false;
    if (opts->now)
        p->interrupt = true;
    return MOTION_OK;
}

/* Speeds of the clips involved now are capped so that no joint exceeds its velocity limit. */
static double speed_cap(motion_player *p)
{
    double cap = MOTION_SPEED_MAX, r;
    item *a = current(p);

    if (a && (r = motion_clip_velocity_ratio(a->clip)) > 0)
        cap = fmin(cap, 0.95 / r);
    if (a && p->xf && !p->xf_self && p->qcount > 1 &&
        (r = motion_clip_velocity_ratio(item_at(p, 1)->clip)) > 0)
        cap = fmin(cap, 0.95 / r);
    return fmax(cap, MOTION_SPEED_MIN);
}

/* Samples an item into full-size arrays: joints it drives from the clip, the rest from base. */
static void item_eval(motion_player *p, const item *it, double t, double *q, double *v)
{
    int j;

    for (j = 0; j < p->n; j++) {
        q[j] = it->base[j];
        v[j] = 0.0;
    }
    motion_clip_sample(it->clip, t, q, v);
}

static double stopping_point(const motion_player *p, int j, double q, double v)
{
    const mpk_joint *jt = &p->model->joints[j];
    double a = p->plan.acceleration[j];
    return motion__clamp(q + copysign(v * v / (2.0 * a), v), jt->lower, jt->upper);
}

/*
 * Blends run on a time base slowed by the pause factor (their output velocity is the planned one
 * times the factor), so a blend that starts from what we command must start from the velocity
 * along its path: the commanded velocity divided by the factor. (When paused, everything we
 * command is at rest, and so is the path.)
 */
static double path_velocity(const motion_player *p, int j)
{
    return p->pause > 1e-9 ? p->dq[j] / p->pause : 0.0;
}

/* Commands the mask joints from item it at motion time t, its velocity scaled to wall time by scale
 * (motion seconds per wall second); with gains, at the item's gains too. */
static void take_sample(motion_player *p, const item *it, double t, double scale, bool gains)
{
    int j;

    item_eval(p, it, t, p->qa, p->va);
    for (j = 0; j < p->n; j++) {
        if (!p->mask[j])
            continue;
        p->q[j] = p->qa[j];
        p->dq[j] = p->va[j] * scale;
        if (gains) {
            p->kp[j] = it->kp[j];
            p->kd[j] = it->kd[j];
        }
    }
}

/* Starts a segment of the planned blend: gains ramp from the current ones to kp1, kd1 over it. */
static void begin_blend_segment(motion_player *p, const double *kp1, const double *kd1)
{
    int j;

    for (j = 0; j < p->n; j++) {
        p->gkp0[j] = p->kp[j];
        p->gkd0[j] = p->kd[j];
        p->gkp1[j] = kp1[j];
        p->gkd1[j] = kd1[j];
    }
    p->seg_t = 0.0;
    p->seg_d = p->blend.duration;
}

/*
 * A blend could not be planned: a non-finite position or velocity (a measured state the filter has
 * not seen yet, when the player is used alone) or a limit that is not positive. Whatever the tick
 * was about to do (play on, blend into the next item) has no plan behind it, so the player latches
 * MOTION_FAULT_PLAN and damps, as for any fault, until motion_player_release(). The tick that
 * called us carries on to its end without looking at the queue again; motion_player_tick() then
 * replaces its command with damping and drops the queue (DROPPED events).
 */
static void plan_failed(motion_player *p)
{
    p->own_faults |= MOTION_FAULT_PLAN;
}

/* Starts the blend from where the robot is (or what we last commanded) to the first frame of the
 * current item. */
static void start_blend_in(motion_player *p, const motion_state *st, bool from_measured,
                           double offset)
{
    item *it = current(p);
    double *q0 = p->qa, *v0 = p->va, *q1 = p->qb, *v1 = p->vb, min_d = 0.0;
    int j, err;

    for (j = 0; j < p->n; j++) {
        q0[j] = from_measured ? st->q[j] : p->q[j];
        v0[j] = from_measured ? st->dq[j] : path_velocity(p, j);
        q1[j] = v1[j] = 0.0;
    }
    motion_clip_sample(it->clip, 0.0, q1, v1);
    for (j = 0; j < p->n; j++) {
        if (!p->mask[j])
            continue;
        if (motion_clip_drives(it->clip, j)) {
            v1[j] *= p->speed; /* the clip then plays at this speed */
        } else {
            q1[j] = stopping_point(p, j, q0[j], v0[j]);
            v1[j] = 0.0;
            it->base[j] = q1[j];
        }
    }
    if (p->mode == MOTION_MODE_ARM)
        min_d = (1.0 - p->weight) * p->cfg.weight_ramp;
    err = motion_blend_plan(&p->blend, p->mask, q0, v0, q1, v1, &p->plan, min_d, p->period);
    /* A blend that began `offset` into this tick is lengthened by as much, to end on a tick. */
    if (err == MOTION_OK && offset > 0)
        p->blend.duration += offset;
    if (err != MOTION_OK) {
        plan_failed(p);
        return;
    }
    begin_blend_segment(p, it->kp, it->kd);
    p->limp = false;
    it->t = 0.0;
    p->xf = false;
    p->xf_planned = false;
    set_act(p, MOTION_ACT_BLEND_IN);
    emit(p, MOTION_EVENT_BLEND_IN, it->tag, (int64_t)llround(p->seg_d * 1000.0));
}

static void start_stop(motion_player *p, bool user, bool return_to_stand)
{
    motion_stop_plan(&p->stop, p->mask, p->q, p->dq, &p->stop_limits);
    p->seg_t = 0.0;
    p->seg_d = p->stop.duration;
    p->user_stop = user;
    p->return_after_stop = return_to_stand;
    p->xf = false;
    set_act(p, MOTION_ACT_STOPPING);
}

/* A blend from what we command now to a pose at rest (blend-out, return to stand). */
static void start_pose_blend(motion_player *p, const double *target, motion_activity act)
{
    int j;

    for (j = 0; j < p->n; j++)
        p->va[j] = path_velocity(p, j);
    if (motion_blend_plan(&p->blend, p->mask, p->q, p->va, target, NULL, &p->plan, 0.0,
                          p->period) != MOTION_OK) {
        plan_failed(p);
        return;
    }
    begin_blend_segment(p, p->kp_def, p->kd_def);
    p->limp = false;
    set_act(p, act);
}

/* At rest with nothing playing: full mode holds the pose, arm mode hands the arms back. */
static void settle(motion_player *p)
{
    int j;

    for (j = 0; j < p->n; j++)
        p->dq[j] = 0.0;
    if (p->mode == MOTION_MODE_ARM) {
        set_act(p, MOTION_ACT_RELEASING);
    } else {
        set_act(p, MOTION_ACT_HOLDING);
        if (p->qcount == 0)
            emit(p, MOTION_EVENT_IDLE, 0, 0);
    }
}

void motion_player_stop(motion_player *p, bool return_to_stand)
{
    switch (p->act) {
    case MOTION_ACT_BLEND_IN:
    case MOTION_ACT_PLAYING:
    case MOTION_ACT_BLEND_OUT:
    case MOTION_ACT_RETURNING:
        drop_all(p);
        start_stop(p, true, return_to_stand);
        break;
    case MOTION_ACT_STOPPING:
        drop_all(p);
        p->user_stop = true;
        p->return_after_stop = p->return_after_stop || return_to_stand;
        break;
    case MOTION_ACT_HOLDING:
    case MOTION_ACT_RELEASING:
        drop_all(p);
        if (return_to_stand && p->limp)
            p->return_after_stop = true; /* from the arms as they are: done in the tick */
        else if (return_to_stand)
            start_pose_blend(p, p->stand, MOTION_ACT_RETURNING);
        break;
    case MOTION_ACT_IDLE:
        drop_all(p);
        /* Going to stand from idle starts from the measured pose: done in the tick. */
        p->return_after_stop = return_to_stand;
        break;
    default:
        drop_all(p);
        break;
    }
}

void motion_player_pause(motion_player *p)
{
    p->paused = true;
}

void motion_player_resume(motion_player *p)
{
    p->paused = false;
}

int motion_player_set_speed(motion_player *p, double speed)
{
    if (!(speed >= MOTION_SPEED_MIN && speed <= MOTION_SPEED_MAX))
        return motion__error(MOTION_EINVAL, "speed %g outside %g..%g", speed, MOTION_SPEED_MIN,
                             MOTION_SPEED_MAX);
    p->speed_target = speed;
    p->xf_planned = false;
    return MOTION_OK;
}

int motion_player_set_loops(motion_player *p, int loops)
{
    item *it = current(p);

    if (loops < 0)
        return motion__error(MOTION_EINVAL, "loops must be >= 0 (0: forever)");
    if (it)
        it->loops = loops;
    p->xf_planned = false;
    return MOTION_OK;
}

void motion_player_clear(motion_player *p)
{
    /* Keep the current item, and the next one if a crossfade into it has begun. */
    int keep = p->qcount == 0 ? 0 : (p->xf && !p->xf_self ? 2 : 1);

    while (p->qcount > keep) {
        item *last = item_at(p, p->qcount - 1);
        release_item(p, last, MOTION_EVENT_DROPPED);
        p->qcount--;
        p->interrupt = false; /* a play-now item waiting at the end is gone too */
    }
    p->xf_planned = false;
}

static bool more_iterations(const item *it)
{
    return it->loops == MOTION_LOOP_FOREVER || it->iteration < it->loops;
}

/* The item that follows the current iteration, or NULL; *self when it is the same item again. */
static item *successor(motion_player *p, bool *self)
{
    item *a = current(p);

    *self = false;
    if (more_iterations(a)) {
        if (motion_clip_loopable(a->clip))
            return NULL; /* wraps seamlessly */
        *self = true;
        return a;
    }
    return p->qcount > 1 ? item_at(p, 1) : NULL;
}

/*
 * How long (in A's motion time) a crossfade from the current item A into B must last if it spans
 * the last l seconds of A and the first l of B: long enough that the gap g between the two (which
 * adds g dw/dt to the velocity and g d2w/dt2 to the acceleration) and the difference of their
 * velocities use at most half of each joint's planning limits.
 */
static double crossfade_need(motion_player *p, item *a, item *b, double l)
{
    double dur_a = motion_clip_duration(a->clip), s = fmax(p->speed, MOTION_SPEED_MIN);
    double need = 0.0;
    int j, k;

    for (k = 0; k < GAP_SAMPLES; k++) {
        double u = (double)k / (GAP_SAMPLES - 1);
        item_eval(p, a, dur_a - l + u * l, p->qa, p->va);
        item_eval(p, b, u * l, p->qb, p->vb);
        for (j = 0; j < p->n; j++) {
            double gap, dv, d;
            if (!p->mask[j])
                continue;
            gap = fabs(p->qb[j] - p->qa[j]);
            dv = fabs(p->vb[j] - p->va[j]) * s;
            d = fmax(3.0 * gap / p->plan.velocity[j], sqrt(12.0 * gap / p->plan.acceleration[j]));
            d = fmax(d, 6.0 * dv / p->plan.acceleration[j]);
            need = fmax(need, d * s); /* in motion time */
        }
    }
    return need;
}

/*
 * Sizes the crossfade from the current item A into its successor B (A again for a clip that loops
 * without closing). The crossfade spans the end of A and the start of B with a smooth-step weight;
 * it lasts the item's crossfade time, or longer if the clips need it. If it cannot fit in what is
 * left of A nor in B, the player instead plays A to its end and blends into B (xf_fallback).
 */
static void plan_crossfade(motion_player *p, item *a, item *b, bool self)
{
    double dur_a = motion_clip_duration(a->clip), dur_b = motion_clip_duration(b->clip);
    double s = fmax(p->speed, MOTION_SPEED_MIN);
    double lmax = fmin(dur_a - a->t, dur_b), l, need = 0.0;
    int j, iter;

    p->xf_planned = true;
    p->xf_fallback = false;
    /* B keeps the joints it does not drive where A leaves them. */
    item_eval(p, a, dur_a, p->qa, p->va);
    for (j = 0; j < p->n; j++) {
        if (!self && !motion_clip_drives(b->clip, j))
            b->base[j] = p->qa[j];
    }
    l = fmin(b->crossfade * s, lmax);
    for (iter = 0; iter < 4; iter++) {
        need = crossfade_need(p, a, b, l);
        if (need <= l || need > lmax)
            break;
        l = need;
    }
    if (need > l || l <= 0.0) {
        p->xf_fallback = true;
        return;
    }
    /* Ticks are discrete: aim a little past the minimum so that one tick lands inside. */
    p->xf_min = need;
    p->xf_want = fmin(lmax, fmax(l, need + 2.0 * p->period * s));
}

/* Arm mode: the weight ramps toward target at 1/weight_ramp per second. */
static void ramp_weight(motion_player *p, double target, double dt)
{
    double step = dt / p->cfg.weight_ramp;

    if (p->mode != MOTION_MODE_ARM) {
        p->weight = 0.0;
        return;
    }
    if (p->weight < target)
        p->weight = fmin(target, p->weight + step);
    else
        p->weight = fmax(target, p->weight - step);
}

static void lerp_gains(motion_player *p, double u)
{
    int j;

    u = motion__clamp(u, 0.0, 1.0);
    for (j = 0; j < p->n; j++) {
        p->kp[j] = p->gkp0[j] + (p->gkp1[j] - p->gkp0[j]) * u;
        p->kd[j] = p->gkd0[j] + (p->gkd1[j] - p->gkd0[j]) * u;
    }
}

/* What a finished queue does: blend out to the rest pose, or come to rest where it is. */
static void end_of_queue(motion_player *p)
{
    if (p->cfg.blend_out)
        start_pose_blend(p, p->rest, MOTION_ACT_BLEND_OUT);
    else
        start_stop(p, false, false);
}

/* Advances the blend in progress by dt of wall time (scaled by the pause) and evaluates it. */
static void blend_advance(motion_player *p, double dt)
{
    int j;

    p->seg_t += dt * p->pause;
    motion_blend_eval(&p->blend, p->seg_t, p->q, p->dq);
    for (j = 0; j < p->n; j++)
        p->dq[j] *= p->pause;
    lerp_gains(p, p->seg_d > 0 ? p->seg_t / p->seg_d : 1.0);
}

static void stop_advance(motion_player *p, double dt)
{
    p->seg_t += dt;
    motion_stop_eval(&p->stop, p->seg_t, p->q, p->dq);
}

static void play_tick(motion_player *p, const motion_state *st, double dt);

/* The current item reached its end with no crossfade running. */
static void item_ended(motion_player *p, const motion_state *st, double rest)
{
    item *a = current(p);

    if (more_iterations(a)) {
        /* A clip that does not loop seamlessly and had no room to crossfade: blend to its start. */
        a->iteration++;
        emit(p, MOTION_EVENT_LOOPED, a->tag, a->iteration);
        start_blend_in(p, st, false, rest * p->pause);
        return;
    }
    pop(p, MOTION_EVENT_FINISHED);
    if (p->qcount > 0)
        start_blend_in(p, st, false, rest * p->pause);
    else
        end_of_queue(p);
}

static void play_tick(motion_player *p, const motion_state *st, double dt)
{
    item *a = current(p), *b;
    double dur = motion_clip_duration(a->clip), scale, adv, cap;
    bool self;
    int j;

    cap = speed_cap(p);
    {
        double target = fmin(p->speed_target, cap), step = p->cfg.speed_ramp * dt;
        double before = p->speed;
        p->speed =
            p->speed < target ? fmin(target, p->speed + step) : fmax(target, p->speed - step);
        if (p->speed != before && !p->xf)
            p->xf_planned = false;
    }
    scale = p->speed * p->pause; /* motion seconds per wall second */
    adv = dt * scale;
    ramp_weight(p, 1.0, dt);

    if (p->xf) {
        double u, w, dw, rate;
        b = p->xf_self ? a : item_at(p, 1);
        a->t += adv;
        p->xf_tb += adv;
        u = (a->t - p->xf_t0) / p->xf_len;
        if (u >= 1.0) {
            /* Done: the successor carries on alone from its own time. */
            double tb = p->xf_tb;
            p->xf = false;
            p->xf_planned = false;
            if (p->xf_self) {
                a->t = tb;
                a->iteration++;
                emit(p, MOTION_EVENT_LOOPED, a->tag, a->iteration);
            } else {
                pop(p, MOTION_EVENT_FINISHED);
                a = current(p);
                a->t = tb;
                a->started = true;
                emit(p, MOTION_EVENT_STARTED, a->tag, 0);
            }
            take_sample(p, a, a->t, scale, true);
            return;
        }
        w = motion_smoothstep(u, &dw);
        rate = scale / p->xf_len; /* du per wall second */
        item_eval(p, a, a->t, p->qa, p->va);
        item_eval(p, b, p->xf_tb, p->qb, p->vb);
        for (j = 0; j < p->n; j++) {
            if (!p->mask[j])
                continue;
            p->q[j] = (1.0 - w) * p->qa[j] + w * p->qb[j];
            p->dq[j] =
                ((1.0 - w) * p->va[j] + w * p->vb[j]) * scale + dw * rate * (p->qb[j] - p->qa[j]);
            p->kp[j] = (1.0 - w) * a->kp[j] + w * b->kp[j];
            p->kd[j] = (1.0 - w) * a->kd[j] + w * b->kd[j];
        }
        return;
    }

    a->t += adv;
    if (a->t >= dur) {
        if (more_iterations(a) && motion_clip_loopable(a->clip) && dur > 0) {
            a->t -= dur * floor(a->t / dur);
            a->iteration++;
            emit(p, MOTION_EVENT_LOOPED, a->tag, a->iteration);
            p->xf_planned = false;
        } else {
            /* Land on the last frame with its velocity, hand over, and spend the rest of the
             * tick in what follows (a blend or a stop), so that no time is lost or doubled. */
            double rest = scale > 0 ? (a->t - dur) / scale : 0.0;
            a->t = dur;
            take_sample(p, a, dur, scale, false);
            item_ended(p, st, rest);
            if (rest > 0 && (p->act == MOTION_ACT_BLEND_IN || p->act == MOTION_ACT_BLEND_OUT))
                blend_advance(p, rest);
            else if (rest > 0 && p->act == MOTION_ACT_STOPPING)
                stop_advance(p, rest);
            return;
        }
    }
    take_sample(p, a, a->t, scale, true);

    /* Begin a crossfade when the successor's window is reached. */
    b = successor(p, &self);
    if (b && !p->xf_planned) {
        if (self) {
            /* A's successor is A from its start: B's time base is separate (xf_tb). */
            plan_crossfade(p, a, a, true);
        } else {
            plan_crossfade(p, a, b, false);
        }
    }
    if (b && p->xf_planned && !p->xf_fallback) {
        double remaining = dur - a->t;
        if (remaining <= p->xf_want) {
            /* The window actually left may be shorter than planned (the item began late, in
             * another crossfade): it has to do for the clips as they are there. */
            if (remaining > 0 && remaining >= p->xf_min &&
                (remaining >= p->xf_want - 2.0 * adv ||
                 crossfade_need(p, a, self ? a : b, remaining) <= remaining)) {
                p->xf = true;
                p->xf_self = self;
                p->xf_t0 = a->t;
                p->xf_len = remaining;
                p->xf_tb = 0.0;
            } else {
                p->xf_fallback = true; /* queued too late for a crossfade */
            }
        }
    }
}

/* Output for mask joints from p->q etc.; everything else disabled at the measured pose. */
static void fill_command(motion_player *p, motion_command *cmd, const motion_state *st, bool enable)
{
    int j;

    cmd->joint_count = p->n;
    cmd->channel = p->channel;
    cmd->weight = p->mode == MOTION_MODE_ARM ? p->weight : 0.0;
    for (j = 0; j < p->n; j++) {
        if (enable && p->mask[j]) {
            cmd->enable[j] = 1;
            cmd->q[j] = p->q[j];
            cmd->dq[j] = p->dq[j];
            cmd->kp[j] = p->kp[j];
            cmd->kd[j] = p->kd[j];
        } else {
            cmd->enable[j] = 0;
            cmd->q[j] = st ? st->q[j] : 0.0;
            cmd->dq[j] = cmd->kp[j] = cmd->kd[j] = 0.0;
        }
        cmd->tau[j] = 0.0;
    }
}

/* Not under our command: follow the measured pose (idle, damping). */
static void follow_measured(motion_player *p, const motion_state *st, bool damping)
{
    int j;

    for (j = 0; j < p->n; j++) {
        p->q[j] = st ? st->q[j] : p->q[j];
        p->dq[j] = 0.0;
        p->kp[j] = damping ? 0.0 : p->kp_def[j];
        p->kd[j] = p->kd_def[j];
    }
}

/* A fault is in effect: drop everything, damp, follow the measured pose until released. */
static void damp(motion_player *p, motion_command *cmd, const motion_state *st, unsigned faults)
{
    if (p->act != MOTION_ACT_DAMPING) {
        p->faults = faults;
        drop_all(p);
        /* A stop's "then return to stand" was asked before the fault: after the release the
         * robot must not set off to the standing pose by itself. */
        p->user_stop = false;
        p->return_after_stop = false;
        p->limp = true;
        p->xf = false;
        set_act(p, MOTION_ACT_DAMPING);
        emit(p, MOTION_EVENT_FAULT, 0, faults);
    }
    p->faults = faults;
    follow_measured(p, st, true);
    if (p->mode == MOTION_MODE_ARM)
        p->weight = 1.0;
    fill_command(p, cmd, st, true);
}

static void control(motion_player *p, motion_command *cmd, const motion_state *st, double dt);

void motion_player_tick(motion_player *p, motion_command *cmd, const motion_state *st,
                        unsigned faults, uint64_t tick, int64_t now_ns)
{
    double dt;

    p->tick = tick;
    p->now_ns = now_ns;
    dt = p->have_prev_ns ? (double)(now_ns - p->prev_ns) * 1e-9 : p->period;
    if (!(dt >= 0))
        dt = 0;
    dt = fmin(dt, MAX_DT);
    p->prev_ns = now_ns;
    p->have_prev_ns = true;
    cmd->tick = tick;
    cmd->time_ns = now_ns;

    /* Pause ramps the time scale of every planned segment and of the clip. */
    if (p->paused)
        p->pause = fmax(0.0, p->pause - dt / p->cfg.pause_time);
    else
        p->pause = fmin(1.0, p->pause + dt / p->cfg.pause_time);

    faults |= p->own_faults;
    if (faults) {
        damp(p, cmd, st, faults);
        return;
    }
    if (p->act == MOTION_ACT_DAMPING) {
        /* Released: full mode stays limp (idle); arm mode hands the arms back, still damped. */
        p->faults = 0;
        emit(p, MOTION_EVENT_RELEASED, 0, 0);
        p->paused = false;
        p->pause = 1.0;
        if (p->mode == MOTION_MODE_ARM)
            set_act(p, MOTION_ACT_RELEASING);
        else
            set_act(p, MOTION_ACT_IDLE);
    }
    if (!st) {
        set_act(p, MOTION_ACT_WAITING);
        fill_command(p, cmd, NULL, false);
        return;
    }
    if (p->act == MOTION_ACT_WAITING) {
        follow_measured(p, st, p->mode == MOTION_MODE_FULL);
        set_act(p, MOTION_ACT_IDLE);
    }
    control(p, cmd, st, dt);
    if (p->own_faults) /* a plan failed in this tick: nothing it computed goes out */
        damp(p, cmd, st, p->own_faults);
}

/* One tick under our control (a state is there, no fault): the activity's step and its command. */
static void control(motion_player *p, motion_command *cmd, const motion_state *st, double dt)
{
    int j;

    if (p->interrupt) {
        /* Play now: only the newest item stays; blend into it from what we command. */
        item keep = *item_at(p, p->qcount - 1);
        p->interrupt = false;
        p->qcount--;
        drop_all(p);
        p->qhead = 0;
        p->items[0] = keep;
        p->qcount = 1;
        if (p->act != MOTION_ACT_IDLE) {
            /* From the last command, a tick ago: this tick is dt into the blend (limp: from the
             * measured state, now). */
            bool limp = p->limp;
            p->user_stop = false;
            p->return_after_stop = false;
            start_blend_in(p, st, limp, 0.0);
            if (p->act == MOTION_ACT_BLEND_IN)
                blend_advance(p, limp ? 0.0 : dt);
            fill_command(p, cmd, st, true);
            return;
        }
    }
    switch (p->act) {
    case MOTION_ACT_IDLE:
        follow_measured(p, st, p->mode == MOTION_MODE_FULL);
        p->weight = 0.0;
        if (p->qcount > 0) {
            p->paused = false;
            p->pause = 1.0;
            start_blend_in(p, st, true, 0.0);
            if (p->act == MOTION_ACT_BLEND_IN)
                motion_blend_eval(&p->blend, 0.0, p->q, p->dq);
        } else if (p->return_after_stop) {
            /* From the robot as it is, moving or not. */
            p->return_after_stop = false;
            p->paused = false;
            p->pause = 1.0;
            for (j = 0; j < p->n; j++)
                p->dq[j] = st->dq[j];
            start_pose_blend(p, p->stand, MOTION_ACT_RETURNING);
            motion_blend_eval(&p->blend, 0.0, p->q, p->dq);
        }
        break;
    case MOTION_ACT_BLEND_IN:
        ramp_weight(p, 1.0, dt);
        p->seg_t += dt * p->pause;
        if (p->seg_t >= p->seg_d - 1e-9) {
            item *a = current(p);
            double excess = fmax(0.0, p->seg_t - p->seg_d);
            set_act(p, MOTION_ACT_PLAYING);
            if (!a->started)
                emit(p, MOTION_EVENT_STARTED, a->tag, 0);
            a->started = true;
            /* The first playing tick is the first frame (plus whatever time overshot it). */
            a->t = excess * p->speed;
            take_sample(p, a, a->t, p->speed * p->pause, true);
        } else {
            blend_advance(p, 0.0);
        }
        break;
    case MOTION_ACT_PLAYING:
        play_tick(p, st, dt);
        break;
    case MOTION_ACT_BLEND_OUT:
    case MOTION_ACT_RETURNING:
        ramp_weight(p, 1.0, dt);
        if (p->qcount > 0) {
            start_blend_in(p, st, false, 0.0);
            if (p->act == MOTION_ACT_BLEND_IN)
                blend_advance(p, dt);
            break;
        }
        blend_advance(p, dt);
        if (p->seg_t >= p->seg_d - 1e-9)
            settle(p);
        break;
    case MOTION_ACT_STOPPING:
        stop_advance(p, dt);
        if (p->seg_t >= p->seg_d - 1e-9) {
            if (p->user_stop)
                emit(p, MOTION_EVENT_STOPPED, 0, 0);
            p->user_stop = false;
            if (p->qcount > 0) {
                start_blend_in(p, st, false, 0.0);
            } else if (p->return_after_stop) {
                p->return_after_stop = false;
                start_pose_blend(p, p->stand, MOTION_ACT_RETURNING);
            } else {
                settle(p);
            }
        }
        break;
    case MOTION_ACT_HOLDING:
        for (j = 0; j < p->n; j++)
            p->dq[j] = 0.0;
        if (p->qcount > 0)
            start_blend_in(p, st, false, 0.0);
        break;
    case MOTION_ACT_RELEASING:
        if (p->limp) {
            /* Damped arms go where gravity and the robot's controller take them: keep up. */
            follow_measured(p, st, true);
        } else {
            for (j = 0; j < p->n; j++)
                p->dq[j] = 0.0;
        }
        if (p->qcount > 0) {
            bool limp = p->limp;
            start_blend_in(p, st, limp, 0.0);
            if (limp && p->act == MOTION_ACT_BLEND_IN)
                motion_blend_eval(&p->blend, 0.0, p->q, p->dq);
            break;
        }
        if (p->return_after_stop) {
            /* A stop-and-stand asked while limp: from the arms as they are, moving or not. */
            p->return_after_stop = false;
            for (j = 0; j < p->n; j++)
                p->dq[j] = st->dq[j];
            start_pose_blend(p, p->stand, MOTION_ACT_RETURNING);
            motion_blend_eval(&p->blend, 0.0, p->q, p->dq);
            break;
        }
        ramp_weight(p, 0.0, dt);
        if (p->weight <= 0.0) {
            p->limp = false;
            set_act(p, MOTION_ACT_IDLE);
            emit(p, MOTION_EVENT_IDLE, 0, 0);
            follow_measured(p, st, false);
        }
        break;
    default:
        break;
    }
    /* Idle in arm mode commands nothing at all: the robot's own controller has the arms. */
    fill_command(p, cmd, st, !(p->act == MOTION_ACT_IDLE && p->mode == MOTION_MODE_ARM));
}

motion_limits *motion__player_plan_limits(motion_player *p)
{
    return &p->plan;
}

unsigned motion_player_faults(const motion_player *p)
{
    return p->own_faults;
}

void motion_player_release(motion_player *p)
{
    p->own_faults = 0;
}

void motion_player_status_get(const motion_player *p, motion_player_status *out)
{
    const item *a = p->qcount > 0 ? &p->items[p->qhead] : NULL;
    bool playing = a && (p->act == MOTION_ACT_BLEND_IN || p->act == MOTION_ACT_PLAYING);

    memset(out, 0, sizeof(*out));
    out->activity = p->act;
    out->mode = p->mode;
    if (playing) {
        out->tag = a->tag;
        strncpy(out->name, motion_clip_name(a->clip), sizeof(out->name) - 1);
        out->time = a->t;
        out->duration = motion_clip_duration(a->clip);
        out->iteration = a->iteration;
        out->loops = a->loops;
    }
    out->crossfading = p->xf;
    out->queued = p->qcount > 0 ? p->qcount - (playing ? 1 : 0) : 0;
    out->speed = p->speed_target;
    out->speed_now = p->act == MOTION_ACT_PLAYING ? p->speed * p->pause : 0.0;
    out->paused = p->paused;
    out->weight = p->mode == MOTION_MODE_ARM ? p->weight : 0.0;
    out->segment_time = p->seg_t;
    out->segment_duration = p->seg_d;
}

void motion_player_free(motion_player *p)
{
    if (!p)
        return;
    drop_all(p);
    free(p);
}
