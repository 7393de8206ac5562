/* Clips: checked tracks with monotone cubic Hermite tangents for C1 sampling at any rate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "motion/clip.h"
#include "mpk/package.h"

struct motion_clip {
    char *name;
    const mpk_robot_model *model;
    int n;                      /* joints the clip drives */
    int idx[MOTION_MAX_JOINTS]; /* model index of the clip's k-th joint */
    uint8_t drives[MOTION_MAX_JOINTS];
    uint32_t frames;
    double rate;
    double duration;
    float *data; /* frame-major, per joint a (position, tangent) pair: data[(f * n + k) * 2] */
    bool loopable;
    double velocity_ratio;
    bool has_gains;
    double kp[MOTION_MAX_JOINTS], kd[MOTION_MAX_JOINTS];
    unsigned permissions;
};

/* Fritsch-Carlson on a uniform grid: zero at a local extremum, else the harmonic mean of the
 * neighbouring slopes, which keeps each segment monotone (tangent <= 2x the smaller slope). */
static double pchip_tangent(double before, double after)
{
    if (before * after <= 0.0)
        return 0.0;
    return 2.0 * before * after / (before + after);
}

/* Largest |velocity| of the Hermite segment from (p0, m0) to (p1, m1) over one sample period h. */
static double segment_peak_velocity(double p0, double m0, double p1, double m1, double h)
{
    double d = (p1 - p0) / h; /* secant slope */
    /* v(s) = 6 d (s - s^2) + m0 (1 - 4s + 3s^2) + m1 (3s^2 - 2s) = A s^2 + B s + C */
    double A = -6.0 * d + 3.0 * m0 + 3.0 * m1, B = 6.0 * d - 4.0 * m0 - 2.0 * m1;
    double v = fmax(fabs(m0), fabs(m1));

    if (A != 0.0) {
        double s = -B / (2.0 * A);
        if (s > 0.0 && s < 1.0)
            v = fmax(v, fabs((A * s + B) * s + m0));
    }
    return v;
}

static void compute_tangents(motion_clip *c, const float *pos)
{
    uint32_t f, F = c->frames;
    int k, n = c->n;
    double loop_gap = 0.0;

    for (k = 0; k < n && F > 1; k++)
        loop_gap = fmax(loop_gap, fabs((double)pos[(size_t)(F - 1) * n + k] - pos[k]));
    c->loopable = F >= 3 && loop_gap <= MOTION_CLIP_LOOP_TOLERANCE;

    for (k = 0; k < n; k++) {
        for (f = 0; f < F; f++) {
            double p = pos[(size_t)f * n + k], m;
            if (F == 1) {
                m = 0.0;
            } else {
                double before, after;
                after = f + 1 < F ? (pos[(size_t)(f + 1) * n + k] - p) * c->rate : NAN;
                before = f > 0 ? (p - pos[(size_t)(f - 1) * n + k]) * c->rate : NAN;
                if (c->loopable && (f == 0 || f == F - 1)) {
                    /* Periodic: frame F-1 is frame 0, so the neighbours wrap around. */
                    before = ((double)pos[(size_t)(F - 1) * n + k] - pos[(size_t)(F - 2) * n + k]) *
                             c->rate;
                    after = ((double)pos[(size_t)1 * n + k] - pos[k]) * c->rate;
                    m = pchip_tangent(before, after);
                } else if (f == 0) {
                    m = after;
                } else if (f == F - 1) {
                    m = before;
                } else {
                    m = pchip_tangent(before, after);
                }
            }
            c->data[((size_t)f * n + k) * 2] = (float)p;
            c->data[((size_t)f * n + k) * 2 + 1] = (float)m;
        }
    }

    c->velocity_ratio = 0.0;
    for (k = 0; k < n; k++) {
        double vlim = c->model->joints[c->idx[k]].velocity, peak = 0.0;
        for (f = 0; f + 1 < F; f++) {
            const float *a = &c->data[((size_t)f * n + k) * 2];
            const float *b = &c->data[((size_t)(f + 1) * n + k) * 2];
            peak = fmax(peak, segment_peak_velocity(a[0], a[1], b[0], b[1], 1.0 / c->rate));
        }
        if (vlim > 0)
            c->velocity_ratio = fmax(c->velocity_ratio, peak / vlim);
    }
}

int motion_clip_from_track(motion_clip **out, const mpk_track *track, const mpk_robot_model *model,
                           const char *name)
{
    motion_clip *c = NULL;
    const float *pos;
    int k, err;

    if (!out || !track || !model)
        return motion__error(MOTION_EINVAL, "clip: NULL argument");
    if (model->joint_count > MOTION_MAX_JOINTS)
        return motion__error(MOTION_EINVAL, "%s: %d joints, libmotion handles at most %d",
                             model->id, model->joint_count, MOTION_MAX_JOINTS);
    if (!name)
        name = "motion";
    err = mpk_track_check(track, model);
    if (err != MPK_OK) {
        motion__from_mpk(err, MOTION_EMODEL);
        return motion__error_prefix(err == MPK_ENOMEM ? MOTION_ENOMEM : MOTION_EMODEL,
                                    "motion '%s'", name);
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        goto nomem;
    c->name = motion__strdup(name);
    if (!c->name)
        goto nomem;
    c->model = model;
    c->n = mpk_track_joint_count(track);
    c->frames = mpk_track_frame_count(track);
    c->rate = mpk_track_rate(track);
    c->duration = c->frames > 1 ? (c->frames - 1) / c->rate : 0.0;
    if (c->n <= 0 || c->n > MOTION_MAX_JOINTS || c->frames == 0 || !(c->rate > 0)) {
        err = motion__error(MOTION_EMODEL, "motion '%s': empty track", name);
        goto fail;
    }
    for (k = 0; k < c->n; k++) {
        int j = mpk_robot_joint_index(model, mpk_track_joint_name(track, k));
        if (j < 0 || c->drives[j]) { /* mpk_track_check already refuses both */
            err = motion__error(MOTION_EMODEL, "motion '%s': joint '%s' unknown or repeated", name,
                                mpk_track_joint_name(track, k));
            goto fail;
        }
        c->idx[k] = j;
        c->drives[j] = 1;
    }
    c->data = malloc((size_t)c->frames * (size_t)c->n * 2 * sizeof(float));
    if (!c->data)
        goto nomem;
    pos = mpk_track_positions_const(track);
    compute_tangents(c, pos);

    if (mpk_track_flags_get(track) & MPK_TRACK_GAINS) {
        /* The accessors are not const, but only read here. */
        const float *kp = mpk_track_kp((mpk_track *)track);
        const float *kd = mpk_track_kd((mpk_track *)track);
        for (k = 0; k < c->n; k++) {
            if (!isfinite(kp[k]) || !isfinite(kd[k]) || kp[k] < 0 || kd[k] < 0) {
                err = motion__error(MOTION_EMODEL, "motion '%s': joint '%s': bad gains kp %g kd %g",
                                    name, mpk_track_joint_name(track, k), kp[k], kd[k]);
                goto fail;
            }
            c->kp[c->idx[k]] = kp[k];
            c->kd[c->idx[k]] = kd[k];
        }
        c->has_gains = true;
    }
    *out = c;
    return MOTION_OK;
nomem:
    err = motion__error(MOTION_ENOMEM, "motion '%s': out of memory", name);
fail:
    motion_clip_free(c);
    return err;
}

static const mpk_motion_info *find_motion(const mpk_manifest *m, const char *motion,
                                          const char *robot)
{
    size_t i;

    if (motion)
        return mpk_manifest_motion(m, motion);
    for (i = 0; i < m->motion_count; i++) {
        if (m->motions[i].robot && strcmp(m->motions[i].robot, robot) == 0)
            return &m->motions[i];
    }
    return NULL;
}

int motion_clip_load_package(motion_clip **out, const char *path, const char *motion,
                             const mpk_robot_model *model)
{
    mpk_package *pkg = NULL;
    mpk_track *track = NULL;
    const mpk_manifest *m;
    const mpk_motion_info *info;
    motion_clip *clip = NULL;
    size_t i;
    int err;
    bool listed = false;

    if (!out || !path || !model)
        return motion__error(MOTION_EINVAL, "clip: NULL argument");
    err = mpk_package_open(&pkg, path);
    if (err == MPK_OK)
        err = mpk_package_verify(pkg, NULL);
    if (err != MPK_OK) {
        err = motion__from_mpk(err, MOTION_EPACKAGE);
        goto out;
    }
    m = mpk_package_manifest(pkg);
    for (i = 0; i < m->robot_count; i++)
        listed = listed || strcmp(m->robots[i], model->id) == 0;
    if (!listed) {
        err = motion__error(MOTION_EMODEL, "%s: package %s is not made for robot '%s'", path, m->id,
                            model->id);
        goto out;
    }
    if (m->min_runtime && mpk_semver_compare(m->min_runtime, motion_version()) > 0) {
        err = motion__error(MOTION_EPACKAGE, "%s: needs runtime %s or newer (this is %s)", path,
                            m->min_runtime, motion_version());
        goto out;
    }
    info = find_motion(m, motion, model->id);
    if (!info) {
        if (motion)
            err = motion__error(MOTION_ENOTFOUND, "%s: no motion '%s' (package %s)", path, motion,
                                m->id);
        else
            err = motion__error(MOTION_ENOTFOUND, "%s: no motion for robot '%s'", path, model->id);
        goto out;
    }
    if (!info->robot || strcmp(info->robot, model->id) != 0) {
        err = motion__error(MOTION_EMODEL, "%s: motion '%s' is for robot '%s', not '%s'", path,
                            info->name, info->robot ? info->robot : "?", model->id);
        goto out;
    }
    err = mpk_package_load_track(&track, pkg, info->name);
    if (err != MPK_OK) {
        err = motion__from_mpk(err, MOTION_EPACKAGE);
        motion__error_prefix(err, "%s", path);
        goto out;
    }
    err = motion_clip_from_track(&clip, track, model, info->name);
    if (err != MOTION_OK) {
        motion__error_prefix(err, "%s", path);
        goto out;
    }
    clip->permissions = m->permissions;
    *out = clip;
    clip = NULL;
out:
    motion_clip_free(clip);
    mpk_track_free(track);
    mpk_package_free(pkg);
    return err;
}

void motion_clip_set_permissions(motion_clip *clip, unsigned permissions)
{
    clip->permissions = permissions;
}

unsigned motion_clip_permissions(const motion_clip *clip)
{
    return clip->permissions;
}

void motion_clip_sample(const motion_clip *c, double t, double *q, double *dq)
{
    const float *a, *b;
    double u, s, s2, s3, h00, h10, h01, h11, d00, d10, d01, d11, h = 1.0 / c->rate;
    uint32_t i;
    int k, n = c->n;

    if (c->frames == 1) {
        for (k = 0; k < n; k++) {
            q[c->idx[k]] = c->data[k * 2];
            if (dq)
                dq[c->idx[k]] = 0.0;
        }
        return;
    }
    u = t * c->rate;
    if (!(u > 0.0)) { /* also catches NaN */
        i = 0;
        s = 0.0;
    } else if (u >= (double)(c->frames - 1)) {
        i = c->frames - 2;
        s = 1.0;
    } else {
        i = (uint32_t)u;
        s = u - i;
    }
    s2 = s * s;
    s3 = s2 * s;
    h00 = 2 * s3 - 3 * s2 + 1;
    h10 = (s3 - 2 * s2 + s) * h;
    h01 = -2 * s3 + 3 * s2;
    h11 = (s3 - s2) * h;
    d00 = (6 * s2 - 6 * s) * c->rate;
    d10 = 3 * s2 - 4 * s + 1;
    d01 = (-6 * s2 + 6 * s) * c->rate;
    d11 = 3 * s2 - 2 * s;
    a = &c->data[(size_t)i * n * 2];
    b = a + (size_t)n * 2;
    for (k = 0; k < n; k++) {
        double p0 = a[2 * k], m0 = a[2 * k + 1], p1 = b[2 * k], m1 = b[2 * k + 1];
        int j = c->idx[k];
        q[j] = h00 * p0 + h10 * m0 + h01 * p1 + h11 * m1;
        if (dq)
            dq[j] = d00 * p0 + d10 * m0 + d01 * p1 + d11 * m1;
    }
}

void motion_clip_sample_wrapped(const motion_clip *c, double t, double *q, double *dq)
{
    if (c->loopable && c->duration > 0 && (t < 0 || t > c->duration)) {
        t = fmod(t, c->duration);
        if (t < 0)
            t += c->duration;
    }
    motion_clip_sample(c, t, q, dq);
}

const char *motion_clip_name(const motion_clip *c)
{
    return c->name;
}

const mpk_robot_model *motion_clip_model(const motion_clip *c)
{
    return c->model;
}

double motion_clip_duration(const motion_clip *c)
{
    return c->duration;
}

double motion_clip_rate(const motion_clip *c)
{
    return c->rate;
}

uint32_t motion_clip_frame_count(const motion_clip *c)
{
    return c->frames;
}

int motion_clip_joint_count(const motion_clip *c)
{
    return c->n;
}

int motion_clip_joint_index(const motion_clip *c, int k)
{
    return k >= 0 && k < c->n ? c->idx[k] : -1;
}

bool motion_clip_drives(const motion_clip *c, int j)
{
    return j >= 0 && j < MOTION_MAX_JOINTS && c->drives[j];
}

bool motion_clip_loopable(const motion_clip *c)
{
    return c->loopable;
}

double motion_clip_velocity_ratio(const motion_clip *c)
{
    return c->velocity_ratio;
}

bool motion_clip_gains(const motion_clip *c, double *kp, double *kd)
{
    int k;

    if (!c->has_gains)
        return false;
    for (k = 0; k < c->n; k++) {
        if (kp)
            kp[c->idx[k]] = c->kp[c->idx[k]];
        if (kd)
            kd[c->idx[k]] = c->kd[c->idx[k]];
    }
    return true;
}

void motion_clip_free(motion_clip *c)
{
    if (!c)
        return;
    free(c->data);
    free(c->name);
    free(c);
}
