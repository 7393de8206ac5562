/* Keyframe motions: parsing the keyframe file into resolved poses (every joint of the motion at
 * every keyframe), and the per-segment interpolation that samples them (see mpk/keyframes.h and
 * docs/format.md section 6). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_util.h"
#include "spline.h"
#include "mpk/keyframes.h"
#include "mpk/manifest.h"

struct mpk_keyframes {
    const mpk_robot_model *model;
    json_t *doc;                      /* the file as parsed, for mpk_keyframes_serialize() */
    int J;                            /* joints of the motion */
    int joints[MPK_TRACK_MAX_JOINTS]; /* their indices in model->joints, SDK order */
    size_t K;                         /* keyframes */
    double *t;                        /* K times */
    double *q;                        /* K x J resolved values */
    double *slope;                    /* K x J slopes at keyframes inside cubic runs */
    unsigned char *interp;            /* K: interpolation of the segment ending at k */
};

static const char *const top_keys[] = {"format",    "robot",   "joints", "interpolation",
                                       "keyframes", "comment", NULL};
static const char *const key_keys[] = {"time",          "pose",    "joints", "mirror",
                                       "interpolation", "comment", NULL};
static const char *const interp_names[] = {"linear", "cubic", "minjerk"};

const char *mpk_interpolation_name(mpk_interpolation i)
{
    return (unsigned)i < 3 ? interp_names[i] : "unknown";
}

void mpk_keyframes_free(mpk_keyframes *kf)
{
    if (!kf)
        return;
    json_decref(kf->doc);
    free(kf->t);
    free(kf->q);
    free(kf->slope);
    free(kf->interp);
    free(kf);
}

static int parse_interp(unsigned char *out, const json_t *obj, const char *parent)
{
    char where[MPK__PATH_MAX];
    const char *name = NULL;
    int i, error;

    error = mpk__json_get_string(&name, obj, parent, "interpolation", false);
    if (error || !name)
        return error;
    for (i = 0; i < 3; i++)
        if (strcmp(name, interp_names[i]) == 0) {
            *out = (unsigned char)i;
            return MPK_OK;
        }
    mpk__json_path(where, sizeof(where), parent, "interpolation");
    return mpk__error(MPK_EFORMAT, "%s: '%s' is not one of linear, cubic, minjerk", where, name);
}

/* ---- the motion's joints ---- */

static bool in_group(const mpk_joint *j, const char *group)
{
    if (strcmp(group, "all") == 0)
        return true;
    if (strcmp(group, "upper-body") == 0)
        return j->group == MPK_GROUP_WAIST || j->group == MPK_GROUP_ARM;
    if (strcmp(group, "arms") == 0)
        return j->group == MPK_GROUP_ARM;
    if (strcmp(group, "legs") == 0)
        return j->group == MPK_GROUP_LEG;
    return false;
}

/* Keeps the set in SDK order: member[i] marks model joint i. */
static void set_to_list(mpk_keyframes *kf, const unsigned char *member)
{
    int i;

    kf->J = 0;
    for (i = 0; i < kf->model->joint_count && kf->J < MPK_TRACK_MAX_JOINTS; i++)
        if (member[i])
            kf->joints[kf->J++] = i;
}

static int mirror_side(int *from, const json_t *key, const char *path)
{
    char where[MPK__PATH_MAX];
    const char *m = NULL;
    int error = mpk__json_get_string(&m, key, path, "mirror", false);

    *from = MPK_SIDE_CENTER;
    if (error || !m)
        return error;
    if (strcmp(m, "left-to-right") == 0)
        *from = MPK_SIDE_LEFT;
    else if (strcmp(m, "right-to-left") == 0)
        *from = MPK_SIDE_RIGHT;
    else {
        mpk__json_path(where, sizeof(where), path, "mirror");
        return mpk__error(MPK_EFORMAT, "%s: '%s' is not one of left-to-right, right-to-left", where,
                          m);
    }
    return MPK_OK;
}

/* The joints of the motion: the "joints" field, else every joint some keyframe sets, plus the
 * twins that mirrors write. */
static int choose_joints(mpk_keyframes *kf, const json_t *doc, const json_t *keys)
{
    unsigned char member[MPK_ROBOT_MAX_JOINTS] = {0};
    const mpk_robot_model *model = kf->model;
    const json_t *spec = json_object_get(doc, "joints");
    bool explicit = spec != NULL, changed;
    size_t k, i;
    int j, n = 0;

    if (json_is_string(spec)) {
        const char *group = json_string_value(spec);
        if (strcmp(group, "all") != 0 && strcmp(group, "upper-body") != 0 &&
            strcmp(group, "arms") != 0 && strcmp(group, "legs") != 0)
            return mpk__error(MPK_EFORMAT,
                              "joints: '%s' is not a joint list nor one of all, upper-body, arms, "
                              "legs",
                              group);
        for (j = 0; j < model->joint_count; j++)
            member[j] = in_group(&model->joints[j], group);
    } else if (json_is_array(spec)) {
        for (i = 0; i < json_array_size(spec); i++) {
            const json_t *v = json_array_get(spec, i);
            if (!json_is_string(v))
                return mpk__error(MPK_EFORMAT, "joints[%zu]: must be a string", i);
            j = mpk_robot_joint_index(model, json_string_value(v));
            if (j < 0)
                return mpk__error(MPK_EFORMAT, "joints[%zu]: '%s' is not a joint of %s", i,
                                  json_string_value(v), model->id);
            if (member[j])
                return mpk__error(MPK_EFORMAT, "joints[%zu]: '%s' is listed twice", i,
                                  json_string_value(v));
            member[j] = 1;
        }
    } else if (spec) {
        return mpk__error(MPK_EFORMAT, "joints: must be an array of joint names or a group name");
    } else {
        for (k = 0; k < json_array_size(keys); k++) {
            const json_t *set = json_object_get(json_array_get(keys, k), "joints");
            const char *name;
            json_t *v;

            json_object_foreach((json_t *)set, name, v)
            {
                j = mpk_robot_joint_index(model, name);
                if (j < 0)
                    return mpk__error(MPK_EFORMAT,
                                      "keyframes[%zu].joints.%s: '%s' is not a joint "
                                      "of %s",
                                      k, name, name, model->id);
                member[j] = 1;
            }
        }
        /* Twins of the mirrored side, until nothing changes (two directions may chain). */
        do {
            changed = false;
            for (k = 0; k < json_array_size(keys); k++) {
                int from;
                if (mirror_side(&from, json_array_get(keys, k), "") != MPK_OK)
                    continue; /* reported when the keyframe is read */
                for (j = 0; from != MPK_SIDE_CENTER && j < model->joint_count; j++) {
                    int twin = model->joints[j].mirror;
                    if (member[j] && (int)model->joints[j].side == from && twin >= 0 &&
                        !member[twin]) {
                        member[twin] = 1;
                        changed = true;
                    }
                }
            }
        } while (changed);
    }
    for (j = 0; j < model->joint_count; j++)
        n += member[j];
    if (n == 0)
        return mpk__error(MPK_EFORMAT,
                          explicit ? "joints: names no joint of %s"
                                   : "joints: no keyframe sets a joint; set some, or "
                                     "list the motion's joints in \"joints\"",
                          model->id);
    if (n > MPK_TRACK_MAX_JOINTS)
        return mpk__error(MPK_ELIMIT, "joints: %d joints, more than %d", n, MPK_TRACK_MAX_JOINTS);
    set_to_list(kf, member);
    return MPK_OK;
}

/* ---- keyframes ---- */

static int local_index(const mpk_keyframes *kf, int model_joint)
{
    int j;

    for (j = 0; j < kf->J; j++)
        if (kf->joints[j] == model_joint)
            return j;
    return -1;
}

static int check_limit(const mpk_keyframes *kf, int j, double v, const char *where,
                       const char *what)
{
    const mpk_joint *mj = &kf->model->joints[kf->joints[j]];

    if (v < mj->lower || v > mj->upper)
        return mpk__error(MPK_EFORMAT, "%s: %s%s at %.6g, outside its limits [%.6g, %.6g]", where,
                          what, mj->name, v, mj->lower, mj->upper);
    return MPK_OK;
}

/* Resolves keyframe k into kf->q[k], from the previous values prev. */
static int read_keyframe(mpk_keyframes *kf, const json_t *key, size_t k, const double *prev,
                         unsigned char default_interp)
{
    char path[MPK__PATH_MAX], where[MPK__PATH_MAX];
    unsigned char set[MPK_TRACK_MAX_JOINTS] = {0};
    const mpk_robot_model *model = kf->model;
    double *q = kf->q + k * (size_t)kf->J, time = 0;
    const char *pose = NULL, *name;
    const json_t *joints = NULL;
    json_t *v;
    int error, from, j;

    mpk__json_index(path, sizeof(path), "keyframes", k);
    error = mpk__json_expect_object(key, path);
    if (!error)
        error = mpk__json_check_keys(key, path, key_keys);
    if (!error)
        error = mpk__json_get_number(&time, key, path, "time", true);
    if (!error)
        error = mpk__json_get_string(&pose, key, path, "pose", false);
    if (!error)
        error = mpk__json_get_object(&joints, key, path, "joints", false);
    if (!error)
        error = mirror_side(&from, key, path);
    if (!error && json_is_string(json_object_get(key, "comment")) == 0 &&
        json_object_get(key, "comment"))
        error = mpk__error(MPK_EFORMAT, "%s.comment: must be a string", path);
    if (error)
        return error;

    /* Time: from 0, strictly increasing. */
    if (!isfinite(time) || time < 0 || time > MPK_MANIFEST_MAX_DURATION)
        return mpk__error(MPK_EFORMAT, "%s.time: %g must be between 0 and %g seconds", path, time,
                          MPK_MANIFEST_MAX_DURATION);
    if (k == 0 && time != 0)
        return mpk__error(MPK_EFORMAT, "%s.time: the first keyframe must be at 0, not %g", path,
                          time);
    if (k > 0 && !(time > kf->t[k - 1]))
        return mpk__error(MPK_EFORMAT, "%s.time: %g is not after keyframes[%zu].time (%g)", path,
                          time, k - 1, kf->t[k - 1]);
    if (k > 0 && time - kf->t[k - 1] < MPK_KEYFRAMES_MIN_GAP)
        return mpk__error(MPK_EFORMAT,
                          "%s.time: %g is less than %g s after keyframes[%zu].time (%g)", path,
                          time, MPK_KEYFRAMES_MIN_GAP, k - 1, kf->t[k - 1]);
    kf->t[k] = time;

    kf->interp[k] = default_interp;
    if (k == 0 && json_object_get(key, "interpolation")) {
        mpk__json_path(where, sizeof(where), path, "interpolation");
        return mpk__error(MPK_EFORMAT,
                          "%s: the first keyframe ends no segment (interpolation belongs to the "
                          "keyframe a segment arrives at)",
                          where);
    }
    error = parse_interp(&kf->interp[k], key, path);
    if (error)
        return error;

    /* Values: the previous ones, or a named pose, then the joints this keyframe sets. */
    memcpy(q, prev, (size_t)kf->J * sizeof(*q));
    if (pose) {
        bool zero = strcmp(pose, "zero") == 0;
        mpk__json_path(where, sizeof(where), path, "pose");
        if (!zero && strcmp(pose, "stand") != 0)
            return mpk__error(MPK_EFORMAT, "%s: '%s' is not a named pose (stand, zero)", where,
                              pose);
        for (j = 0; j < kf->J; j++) {
            q[j] = zero ? 0.0 : model->joints[kf->joints[j]].stand;
            error = check_limit(kf, j, q[j], where, zero ? "'zero' puts " : "'stand' puts ");
            if (error)
                return error;
        }
    }
    json_object_foreach((json_t *)joints, name, v)
    {
        int m = mpk_robot_joint_index(model, name);

        char parent[MPK__PATH_MAX];

        mpk__json_path(parent, sizeof(parent), path, "joints");
        mpk__json_path(where, sizeof(where), parent, name);
        if (m < 0)
            return mpk__error(MPK_EFORMAT, "%s: '%s' is not a joint of %s", where, name, model->id);
        j = local_index(kf, m);
        if (j < 0)
            return mpk__error(MPK_EFORMAT,
                              "%s: '%s' is not among the motion's joints (see "
                              "\"joints\")",
                              where, name);
        if (!json_is_number(v))
            return mpk__error(MPK_EFORMAT, "%s: must be a number (radians)", where);
        q[j] = json_number_value(v);
        set[j] = 1;
        error = check_limit(kf, j, q[j], where, "");
        if (error)
            return error;
    }
    if (from != MPK_SIDE_CENTER) {
        mpk__json_path(where, sizeof(where), path, "mirror");
        for (j = 0; j < kf->J; j++) {
            const mpk_joint *mj = &model->joints[kf->joints[j]];
            int t;

            if ((int)mj->side != from || mj->mirror < 0)
                continue;
            t = local_index(kf, mj->mirror);
            if (t < 0)
                return mpk__error(MPK_EFORMAT,
                                  "%s: %s (the twin of %s) is not among the motion's "
                                  "joints",
                                  where, model->joints[mj->mirror].name, mj->name);
            if (set[t])
                return mpk__error(MPK_EFORMAT,
                                  "%s: %s is set in this keyframe, but the mirror "
                                  "copies %s onto it",
                                  where, model->joints[mj->mirror].name, mj->name);
            q[t] = mj->mirror_sign * q[j];
            error = check_limit(kf, t, q[t], where, "the mirror puts ");
            if (error)
                return error;
        }
    }
    return MPK_OK;
}

/* Slope at the start (end) of the cubic run that begins (ends) at key k. */
static double run_end_slope(const mpk_keyframes *kf, size_t k, int j, bool start)
{
    size_t a, b; /* the neighbouring segment, from key a to key b */

    if (start ? k == 0 : k == kf->K - 1)
        return 0; /* the motion starts and ends at rest */
    a = start ? k - 1 : k;
    b = a + 1;
    if (kf->interp[b] != MPK_INTERP_LINEAR)
        return 0; /* minjerk arrives and leaves at rest */
    return (kf->q[b * (size_t)kf->J + (size_t)j] - kf->q[a * (size_t)kf->J + (size_t)j]) /
           (kf->t[b] - kf->t[a]);
}

/* Slopes of every cubic run (maximal chains of cubic segments), per joint. */
static int solve_slopes(mpk_keyframes *kf)
{
    double *y = NULL, *s = NULL, *scratch = NULL;
    size_t k = 1, a, b, n, i;
    int j, error = MPK_OK;

    memset(kf->slope, 0, kf->K * (size_t)kf->J * sizeof(*kf->slope));
    y = malloc(kf->K * sizeof(*y));
    s = malloc(kf->K * sizeof(*s));
    scratch = malloc(2 * kf->K * sizeof(*scratch));
    if (!y || !s || !scratch) {
        error = mpk__error(MPK_ENOMEM, "keyframes: out of memory");
        goto out;
    }
    while (k < kf->K) {
        if (kf->interp[k] != MPK_INTERP_CUBIC) {
            k++;
            continue;
        }
        a = k - 1;
        b = k;
        while (b + 1 < kf->K && kf->interp[b + 1] == MPK_INTERP_CUBIC)
            b++;
        n = b - a + 1;
        for (j = 0; j < kf->J; j++) {
            for (i = 0; i < n; i++)
                y[i] = kf->q[(a + i) * (size_t)kf->J + (size_t)j];
            mpk__spline_clamped_slopes(s, kf->t + a, y, n, run_end_slope(kf, a, j, true),
                                       run_end_slope(kf, b, j, false), scratch);
            for (i = 0; i < n; i++)
                kf->slope[(a + i) * (size_t)kf->J + (size_t)j] = s[i];
        }
        k = b + 1;
    }
out:
    free(y);
    free(s);
    free(scratch);
    return error;
}

static int parse_doc(mpk_keyframes *kf, const json_t *doc)
{
    double prev[MPK_TRACK_MAX_JOINTS];
    unsigned char default_interp = MPK_INTERP_MINJERK;
    const json_t *keys = NULL;
    const char *robot = NULL;
    long long format = 0;
    size_t k;
    int j, error;

    error = mpk__json_expect_object(doc, "");
    if (!error)
        error = mpk__json_check_keys(doc, "", top_keys);
    if (!error)
        error = mpk__json_get_int(&format, doc, "", "format", true, 0, 1000000);
    if (!error && format != MPK_KEYFRAMES_FORMAT)
        error = mpk__error(MPK_EUNSUPPORTED, "format: %lld is not supported (this mpk reads %d)",
                           format, MPK_KEYFRAMES_FORMAT);
    if (!error)
        error = mpk__json_get_string(&robot, doc, "", "robot", false);
    if (!error && robot && strcmp(robot, kf->model->id) != 0)
        error = mpk__error(MPK_EFORMAT, "robot: the keyframes are for '%s', not '%s'", robot,
                           kf->model->id);
    if (!error)
        error = parse_interp(&default_interp, doc, "");
    if (!error && json_object_get(doc, "comment") &&
        !json_is_string(json_object_get(doc, "comment")))
        error = mpk__error(MPK_EFORMAT, "comment: must be a string");
    if (!error)
        error = mpk__json_get_array(&keys, doc, "", "keyframes", true, MPK_KEYFRAMES_MAX);
    if (!error && json_array_size(keys) < 2)
        error = mpk__error(MPK_EFORMAT, "keyframes: %zu keyframe%s, a motion needs at least 2",
                           json_array_size(keys), json_array_size(keys) == 1 ? "" : "s");
    if (!error)
        error = choose_joints(kf, doc, keys);
    if (error)
        return error;
    kf->K = json_array_size(keys);
    kf->t = calloc(kf->K, sizeof(*kf->t));
    kf->q = calloc(kf->K * (size_t)kf->J, sizeof(*kf->q));
    kf->slope = calloc(kf->K * (size_t)kf->J, sizeof(*kf->slope));
    kf->interp = calloc(kf->K, 1);
    if (!kf->t || !kf->q || !kf->slope || !kf->interp)
        return mpk__error(MPK_ENOMEM, "keyframes: out of memory");
    for (j = 0; j < kf->J; j++)
        prev[j] = kf->model->joints[kf->joints[j]].stand;
    for (k = 0; k < kf->K; k++) {
        error = read_keyframe(kf, json_array_get(keys, k), k, prev, default_interp);
        if (error)
            return error;
        memcpy(prev, kf->q + k * (size_t)kf->J, (size_t)kf->J * sizeof(*prev));
    }
    return solve_slopes(kf);
}

int mpk_keyframes_parse(mpk_keyframes **out, const char *json, size_t size,
                        const mpk_robot_model *model)
{
    mpk_keyframes *kf;
    int error;

    if (!out || !model || (!json && size))
        return mpk__error(MPK_EINVAL, "mpk_keyframes_parse: NULL argument");
    if (size > MPK_KEYFRAMES_MAX_SIZE)
        return mpk__error(MPK_ELIMIT, "%zu bytes, more than the limit of %d", size,
                          MPK_KEYFRAMES_MAX_SIZE);
    kf = calloc(1, sizeof(*kf));
    if (!kf)
        return mpk__error(MPK_ENOMEM, "keyframes: out of memory");
    kf->model = model;
    error = mpk__json_parse(&kf->doc, json ? json : "", size);
    if (!error)
        error = parse_doc(kf, kf->doc);
    if (error) {
        mpk_keyframes_free(kf);
        return error;
    }
    *out = kf;
    return MPK_OK;
}

int mpk_keyframes_read_file(mpk_keyframes **out, const char *path, const mpk_robot_model *model)
{
    char *text = NULL;
    size_t size = 0;
    int error;

    if (!out || !path || !model)
        return mpk__error(MPK_EINVAL, "mpk_keyframes_read_file: NULL argument");
    error = mpk__read_file(&text, &size, path, MPK_KEYFRAMES_MAX_SIZE);
    if (error)
        return error;
    error = mpk_keyframes_parse(out, text, size, model);
    free(text);
    if (error)
        return mpk__error_prefix(error, "%s", path);
    return MPK_OK;
}

/* ---- evaluation ---- */

/* Segment k (from keyframe k to k + 1) at local parameter u in [0, 1]. */
static void eval_segment(double *q, double *dq, const mpk_keyframes *kf, size_t k, double u)
{
    const double *p0 = kf->q + k * (size_t)kf->J, *p1 = p0 + kf->J;
    const double *s0 = kf->slope + k * (size_t)kf->J, *s1 = s0 + kf->J;
    double h = kf->t[k + 1] - kf->t[k], w = 0, dw = 0, d;
    int mode = kf->interp[k + 1], j;

    if (mode == MPK_INTERP_LINEAR) {
        w = u;
        dw = 1;
    } else if (mode == MPK_INTERP_MINJERK) {
        double u2 = u * u;
        w = u2 * u * (10 - 15 * u + 6 * u2);
        dw = 30 * u2 * (1 - 2 * u + u2);
    }
    for (j = 0; j < kf->J; j++) {
        if (mode == MPK_INTERP_CUBIC) {
            q[j] = mpk__hermite(p0[j], p1[j], s0[j], s1[j], h, u, &d);
            if (dq)
                dq[j] = d / h;
        } else {
            /* Exact at both ends: u = 0 gives p0, u = 1 gives p1. */
            q[j] = u == 0 ? p0[j] : (u == 1 ? p1[j] : p0[j] + (p1[j] - p0[j]) * w);
            if (dq)
                dq[j] = (p1[j] - p0[j]) * dw / h;
        }
    }
}

/* The segment holding t: the last k with t[k] <= t, at most K - 2. */
static size_t find_segment(const mpk_keyframes *kf, double t)
{
    size_t lo = 0, hi = kf->K - 2;

    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (kf->t[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static void eval_at(double *q, double *dq, const mpk_keyframes *kf, double t, size_t k)
{
    double T = kf->t[kf->K - 1];

    if (!(t > 0))
        t = 0;
    if (t >= T) {
        eval_segment(q, dq, kf, kf->K - 2, 1.0);
        return;
    }
    eval_segment(q, dq, kf, k, (t - kf->t[k]) / (kf->t[k + 1] - kf->t[k]));
}

int mpk_keyframes_eval(double *q, double *dq, const mpk_keyframes *kf, double t)
{
    if (!q || !kf)
        return mpk__error(MPK_EINVAL, "mpk_keyframes_eval: NULL argument");
    if (isnan(t))
        return mpk__error(MPK_EINVAL, "mpk_keyframes_eval: t is NaN");
    eval_at(q, dq, kf, t, find_segment(kf, t));
    return MPK_OK;
}

int mpk_keyframes_sample(mpk_track **out, const mpk_keyframes *kf, double rate)
{
    const char *names[MPK_TRACK_MAX_JOINTS];
    double q[MPK_TRACK_MAX_JOINTS], T, frames_d;
    mpk_track *track = NULL;
    uint32_t frames, f;
    size_t k = 0;
    float *pos;
    int j, error;

    if (!out || !kf)
        return mpk__error(MPK_EINVAL, "mpk_keyframes_sample: NULL argument");
    if (!isfinite(rate) || rate < MPK_TRACK_MIN_RATE || rate > MPK_TRACK_MAX_RATE)
        return mpk__error(MPK_EINVAL, "rate: %g Hz, must be between %g and %g", rate,
                          MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
    T = kf->t[kf->K - 1];
    frames_d = ceil(T * rate - 1e-9) + 1;
    if (frames_d > MPK_TRACK_MAX_FRAMES || frames_d * kf->J > MPK_TRACK_MAX_SAMPLES)
        return mpk__error(MPK_ELIMIT,
                          "%.0f frames of %d joints at %g Hz: more than the track "
                          "limits",
                          frames_d, kf->J, rate);
    frames = (uint32_t)frames_d;
    for (j = 0; j < kf->J; j++)
        names[j] = kf->model->joints[kf->joints[j]].name;
    error = mpk_track_new(&track, kf->model->id, kf->J, names, rate, frames, 0);
    if (error)
        return error;
    pos = mpk_track_positions(track);
    for (f = 0; f < frames; f++) {
        double t = f / rate;
        while (k + 2 < kf->K && kf->t[k + 1] <= t)
            k++;
        eval_at(q, NULL, kf, t, k);
        for (j = 0; j < kf->J; j++)
            pos[(size_t)f * (size_t)kf->J + (size_t)j] = (float)q[j];
    }
    *out = track;
    return MPK_OK;
}

/* ---- accessors and editing ---- */

const mpk_robot_model *mpk_keyframes_model(const mpk_keyframes *kf)
{
    return kf ? kf->model : NULL;
}

int mpk_keyframes_joint_count(const mpk_keyframes *kf)
{
    return kf ? kf->J : 0;
}

const char *mpk_keyframes_joint_name(const mpk_keyframes *kf, int j)
{
    return kf && j >= 0 && j < kf->J ? kf->model->joints[kf->joints[j]].name : NULL;
}

size_t mpk_keyframes_count(const mpk_keyframes *kf)
{
    return kf ? kf->K : 0;
}

double mpk_keyframes_time(const mpk_keyframes *kf, size_t k)
{
    return kf && k < kf->K ? kf->t[k] : NAN;
}

double mpk_keyframes_value(const mpk_keyframes *kf, size_t k, int j)
{
    return kf && k < kf->K && j >= 0 && j < kf->J ? kf->q[k * (size_t)kf->J + (size_t)j] : NAN;
}

mpk_interpolation mpk_keyframes_interpolation(const mpk_keyframes *kf, size_t k)
{
    return kf && k >= 1 && k < kf->K ? (mpk_interpolation)kf->interp[k] : MPK_INTERP_LINEAR;
}

double mpk_keyframes_duration(const mpk_keyframes *kf)
{
    return kf ? kf->t[kf->K - 1] : 0;
}

int mpk_keyframes_set_times(mpk_keyframes *kf, const double *times, size_t count)
{
    size_t k;

    if (!kf || !times)
        return mpk__error(MPK_EINVAL, "mpk_keyframes_set_times: NULL argument");
    if (count != kf->K)
        return mpk__error(MPK_EINVAL, "mpk_keyframes_set_times: %zu times for %zu keyframes", count,
                          kf->K);
    for (k = 0; k < count; k++)
        if (!isfinite(times[k]) ||
            (k == 0 ? times[k] != 0 : !(times[k] - times[k - 1] >= MPK_KEYFRAMES_MIN_GAP)) ||
            times[k] > MPK_MANIFEST_MAX_DURATION)
            return mpk__error(MPK_EINVAL,
                              "keyframes[%zu].time: %g must be at least %g s after the previous "
                              "keyframe (the first at 0, the last at most %g s)",
                              k, times[k], MPK_KEYFRAMES_MIN_GAP, MPK_MANIFEST_MAX_DURATION);
    memcpy(kf->t, times, count * sizeof(*times));
    return solve_slopes(kf);
}

int mpk_keyframes_serialize(char **out, size_t *size, const mpk_keyframes *kf)
{
    json_t *doc, *keys;
    size_t k;
    int error = MPK_OK;

    if (!out || !size || !kf)
        return mpk__error(MPK_EINVAL, "mpk_keyframes_serialize: NULL argument");
    doc = json_deep_copy(kf->doc);
    if (!doc)
        return mpk__error(MPK_ENOMEM, "out of memory");
    keys = json_object_get(doc, "keyframes");
    for (k = 0; k < kf->K && !error; k++)
        error = mpk__json_set_number(json_array_get(keys, k), "time", kf->t[k]);
    if (!error)
        error = mpk__json_write_pretty(out, size, doc);
    json_decref(doc);
    return error;
}
