/* A motion as the runtime plays it, sampled at the control rate (libmotion's player and clips). */
#include "eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "motion/motion.h"

/* --- Planning with the runtime's player ------------------------------------------------------ */

/* A copy of a model whose position limits take in the whole track: only for a track the runtime
 * refuses for its limits, so the preview can still show it (in red) through the same code. */
typedef struct relaxed_model {
    mpk_robot_model model;
    mpk_joint joints[MOTION_MAX_JOINTS];
} relaxed_model;

static void relax(relaxed_model *r, const mpk_robot_model *m, const preview_motion *pm)
{
    const float *p = mpk_track_positions_const(pm->track);
    uint32_t frames = mpk_track_frame_count(pm->track), f;
    int n = mpk_track_joint_count(pm->track), k;

    r->model = *m;
    memcpy(r->joints, m->joints, (size_t)m->joint_count * sizeof(*r->joints));
    r->model.joints = r->joints;
    for (f = 0; f < frames; f++) {
        for (k = 0; k < n; k++) {
            mpk_joint *j = &r->joints[pm->model_joint[k]];
            double v = p[(size_t)f * (size_t)n + (size_t)k];
            j->lower = fmin(j->lower, v - 0.01);
            j->upper = fmax(j->upper, v + 0.01);
        }
    }
}

/* What the robot does with a command: in arm mode the robot's own controller (holding the standing
 * pose) and the command are mixed by the upper-body weight; joints not commanded stay standing. */
static void record(float *row, const motion_command *cmd, const mpk_robot_model *m, bool arm)
{
    int j;

    for (j = 0; j < m->joint_count; j++) {
        double stand = m->joints[j].stand;
        if (!cmd->enable[j])
            row[j] = (float)stand;
        else if (arm)
            row[j] = (float)(stand + cmd->weight * (cmd->q[j] - stand));
        else
            row[j] = (float)cmd->q[j];
    }
}

/* Rows for span seconds at the control rate (every n-th tick for a very long motion, which draws
 * the same at screen resolution). @return n, or a negative error */
static int alloc_table(preview_eval *ev, double span, uint32_t *cap)
{
    int nj = ev->model->joint_count;
    uint32_t every = 1;

    while ((floor(span * MOTION_RATE_DEFAULT / every) + 2) * nj > PREVIEW_EVAL_MAX_SAMPLES)
        every++;
    ev->rate = MOTION_RATE_DEFAULT / every;
    *cap = (uint32_t)(floor(span * ev->rate + 1e-9) + 2);
    ev->q = malloc((size_t)*cap * (size_t)nj * sizeof(*ev->q));
    ev->mt = malloc((size_t)*cap * sizeof(*ev->mt));
    if (!ev->q || !ev->mt)
        return preview_fail(MPK_ENOMEM, "motion '%s': out of memory for %u samples",
                            ev->motion->name, *cap);
    return (int)every;
}

static int grow_table(preview_eval *ev, uint32_t *cap)
{
    uint32_t n = *cap * 2;
    float *q, *mt;

    if ((double)n * ev->model->joint_count > 4.0 * PREVIEW_EVAL_MAX_SAMPLES)
        return preview_fail(MPK_ELIMIT, "motion '%s': the runtime would take too long to play it",
                            ev->motion->name);
    q = realloc(ev->q, (size_t)n * (size_t)ev->model->joint_count * sizeof(*q));
    if (q)
        ev->q = q;
    mt = q ? realloc(ev->mt, (size_t)n * sizeof(*mt)) : NULL;
    if (!q || !mt)
        return preview_fail(MPK_ENOMEM, "motion '%s': out of memory", ev->motion->name);
    ev->mt = mt;
    *cap = n;
    return MPK_OK;
}

/* The clip alone, sampled by the runtime's interpolation from its first frame. */
static int fill_from_clip(preview_eval *ev, const motion_clip *clip)
{
    int nj = ev->model->joint_count, j, every;
    double q[MOTION_MAX_JOINTS];
    uint32_t i, cap;

    ev->blend = 0;
    ev->speed = 1.0;
    if ((every = alloc_table(ev, ev->duration, &cap)) < 0)
        return every;
    ev->ticks = cap;
    for (i = 0; i < ev->ticks; i++) {
        float *row = ev->q + (size_t)i * (size_t)nj;
        ev->mt[i] = (float)fmin(i / ev->rate, ev->duration);
        for (j = 0; j < nj; j++)
            q[j] = ev->model->joints[j].stand;
        motion_clip_sample(clip, ev->mt[i], q, NULL);
        for (j = 0; j < nj; j++)
            row[j] = (float)q[j];
    }
    return MPK_OK;
}

/* The player, stepped from the standing pose at rest until the clip has played to its last frame:
 * row i is tick i (times every). */
static int fill_from_player(preview_eval *ev, motion_player *player, const motion_clip *clip)
{
    const mpk_robot_model *m = motion_clip_model(clip);
    double period = 1.0 / MOTION_RATE_DEFAULT, ratio = motion_clip_velocity_ratio(clip), span;
    motion_command cmd;
    motion_state st;
    motion_player_status status;
    uint64_t tick = 0;
    uint32_t cap;
    int j, every, err;
    bool arm = motion_player_mode(player) == MOTION_MODE_ARM;

    memset(&st, 0, sizeof(st));
    st.joint_count = m->joint_count;
    for (j = 0; j < m->joint_count; j++)
        st.q[j] = m->joints[j].stand;
    motion_player_tick(player, &cmd, &st, 0, tick, 0);
    motion_player_status_get(player, &status);
    ev->blend = status.activity == MOTION_ACT_BLEND_IN ? status.segment_duration : 0.0;
    /* The runtime slows a clip whose joints would exceed their velocity limits (0.95 of them). */
    span = ev->blend + ev->duration / (ratio > 0.95 ? fmax(0.95 / ratio, MOTION_SPEED_MIN) : 1.0);
    if ((every = alloc_table(ev, span, &cap)) < 0)
        return every;
    ev->ticks = 0;
    for (;;) {
        bool going =
            status.activity == MOTION_ACT_BLEND_IN || status.activity == MOTION_ACT_PLAYING;
        if (tick % (uint64_t)every == 0 || !going) {
            if (ev->ticks == cap && (err = grow_table(ev, &cap)) != MPK_OK)
                return err;
            record(ev->q + (size_t)ev->ticks * (size_t)ev->model->joint_count, &cmd, ev->model,
                   arm);
            ev->mt[ev->ticks] = (float)(!going                                  ? ev->duration
                                        : status.activity == MOTION_ACT_PLAYING ? status.time
                                                                                : 0.0);
            ev->ticks++;
        }
        /* The tick that lands on the last frame hands over (to a stop): the clip is done. */
        if (!going)
            break;
        tick++;
        st.stamp_ns = (int64_t)llround(tick * period * 1e9);
        st.seq = (uint32_t)tick;
        motion_player_tick(player, &cmd, &st, 0, tick, st.stamp_ns);
        motion_player_status_get(player, &status);
    }
    ev->duration = (ev->ticks - 1) / ev->rate - ev->blend;
    ev->speed = ev->duration > 0 ? mpk_track_duration(ev->motion->track) / ev->duration : 1.0;
    return MPK_OK;
}

static void note_refusal(preview_eval *ev, const char *what)
{
    snprintf(ev->refusal, sizeof(ev->refusal), "%s: %s", what, motion_error_message());
}

/* --- The table ------------------------------------------------------------------------------- */

int preview_eval_init(preview_eval *ev, const preview_motion *motion, bool blend_in,
                      preview_mode mode)
{
    const mpk_robot_model *model = motion->model;
    relaxed_model *relaxed = NULL;
    motion_player_config cfg;
    motion_player *player = NULL;
    motion_clip *clip = NULL;
    motion_play_options po;
    int err;

    memset(ev, 0, sizeof(*ev));
    ev->motion = motion;
    ev->model = model;
    ev->duration = mpk_track_duration(motion->track);
    if (motion_clip_from_track(&clip, motion->track, model, motion->name) != MOTION_OK) {
        /* Refused by the runtime (a position beyond a limit): show it anyway, in red. */
        note_refusal(ev, "the runtime refuses this motion");
        relaxed = malloc(sizeof(*relaxed));
        if (!relaxed) {
            err = preview_fail(MPK_ENOMEM, "out of memory");
            goto out;
        }
        relax(relaxed, model, motion);
        if (motion_clip_from_track(&clip, motion->track, &relaxed->model, motion->name) !=
            MOTION_OK) {
            err = preview_fail(MPK_EFORMAT, "%s", motion_error_message());
            goto out;
        }
    }
    motion_clip_set_permissions(clip, motion->permissions);
    motion_player_config_init(&cfg);
    cfg.mode = mode == PREVIEW_MODE_ARM                   ? MOTION_MODE_ARM
               : mode == PREVIEW_MODE_FULL                ? MOTION_MODE_FULL
               : motion->permissions & MPK_PERM_FULL_BODY ? MOTION_MODE_FULL
                                                          : MOTION_MODE_DEFAULT;
    /* The preview is a robot that allows full-body control; the package still has to ask. */
    cfg.allow_full_body = true;
    if (motion_player_new(&player, motion_clip_model(clip), &cfg) != MOTION_OK) {
        /* The model cannot do the mode asked for (arm mode on a quadruped). */
        err = preview_fail(MPK_EUNSUPPORTED, "%s", motion_error_message());
        goto out;
    }
    ev->full_body = motion_player_mode(player) == MOTION_MODE_FULL;
    motion_play_options_init(&po);
    if (blend_in && motion_player_play(player, clip, &po) != MOTION_OK) {
        if (!ev->refusal[0])
            note_refusal(ev, "the runtime would not play this motion");
        blend_in = false;
    }
    err = blend_in ? fill_from_player(ev, player, clip) : fill_from_clip(ev, clip);
out:
    motion_player_free(player);
    motion_clip_free(clip);
    free(relaxed);
    if (err != MPK_OK)
        preview_eval_free(ev);
    return err;
}

double preview_eval_start(const preview_eval *ev)
{
    return -ev->blend;
}

/* Row and fraction of time t (clamped to the timeline) in the table. */
static void locate(const preview_eval *ev, double t, uint32_t *row, double *frac)
{
    double x, tc = t < -ev->blend ? -ev->blend : t > ev->duration ? ev->duration : t;
    uint32_t i;

    x = (tc + ev->blend) * ev->rate;
    i = (uint32_t)x;
    if (i + 1 >= ev->ticks) {
        *row = ev->ticks - 1;
        *frac = 0.0;
        return;
    }
    *row = i;
    *frac = x - i;
}

static double quat_dot(const float *a, const float *b)
{
    return (double)a[3] * b[3] + (double)a[4] * b[4] + (double)a[5] * b[5] + (double)a[6] * b[6];
}

/* Root pose at motion time t: the track's trajectory between frames (position linear, orientation
 * by normalised linear interpolation on the short arc); frame 0 during the blend-in (t = 0). */
static void root_pose(const preview_eval *ev, double t, double *root)
{
    const float *r = mpk_track_root_const(ev->motion->track);
    uint32_t frames = mpk_track_frame_count(ev->motion->track), i;
    double x, s, sign, n = 0;
    int k;

    if (!r) {
        root[0] = root[1] = 0.0;
        root[2] = ev->model->stand_height;
        root[3] = root[4] = root[5] = 0.0;
        root[6] = 1.0;
        return;
    }
    x = t * mpk_track_rate(ev->motion->track);
    if (x <= 0 || frames < 2) {
        i = 0;
        s = 0;
    } else if (x >= frames - 1) {
        i = frames - 2;
        s = 1;
    } else {
        i = (uint32_t)x;
        s = x - i;
    }
    if (frames < 2) {
        for (k = 0; k < 7; k++)
            root[k] = r[k];
    } else {
        const float *a = r + (size_t)i * 7, *b = a + 7;
        sign = quat_dot(a, b) < 0 ? -1.0 : 1.0;
        for (k = 0; k < 3; k++)
            root[k] = a[k] + (b[k] - a[k]) * s;
        for (k = 3; k < 7; k++)
            root[k] = a[k] + (sign * b[k] - a[k]) * s;
    }
    for (k = 3; k < 7; k++)
        n += root[k] * root[k];
    n = sqrt(n);
    if (n < 1e-9) {
        root[3] = root[4] = root[5] = 0.0;
        root[6] = 1.0;
        return;
    }
    for (k = 3; k < 7; k++)
        root[k] /= n;
}

void preview_eval_pose(const preview_eval *ev, double t, double *q, double *root)
{
    int nj = ev->model->joint_count, j;
    uint32_t row;
    double s;
    const float *a, *b;

    locate(ev, t, &row, &s);
    a = ev->q + (size_t)row * (size_t)nj;
    b = s > 0 ? a + nj : a;
    for (j = 0; j < nj; j++)
        q[j] = a[j] + (b[j] - a[j]) * s;
    if (root)
        root_pose(ev, ev->mt[row] + (s > 0 ? (ev->mt[row + 1] - ev->mt[row]) * s : 0.0), root);
}

double preview_eval_joint(const preview_eval *ev, double t, int joint)
{
    int nj = ev->model->joint_count;
    uint32_t row;
    double s;
    const float *a;

    locate(ev, t, &row, &s);
    a = ev->q + (size_t)row * (size_t)nj + joint;
    return s > 0 ? a[0] + (a[nj] - a[0]) * s : a[0];
}

void preview_eval_free(preview_eval *ev)
{
    if (!ev)
        return;
    free(ev->q);
    free(ev->mt);
    ev->q = NULL;
    ev->mt = NULL;
    ev->ticks = 0;
}
