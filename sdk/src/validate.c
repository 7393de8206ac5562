/* The rules of motion validation (mpk/validate.h). One pass over the samples, frame by frame, so
 * a 60 s track at 500 Hz is read once from memory; each rule keeps per joint its worst sample,
 * the first and last offending times and a count, and becomes at most one finding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "validate_internal.h"
#include "mpk/manifest.h"

void mpk_validate_options_init(mpk_validate_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof(*o));
    o->version = MPK_VALIDATE_OPTIONS_VERSION;
    o->margin = 0.05;
    o->velocity_factor = 0.9;
    o->acceleration_factor = 1.0;
    o->jerk_factor = 1.0;
    o->max_jump = 0.5;
    o->min_duration = 0.5;
    o->max_duration = 600;
    o->stand_tolerance = 0.1;
    o->hold_tolerance = 0.01;
}

int mpk_validate_options_check(const mpk_validate_options *o)
{
    if (!o)
        return mpk__error(MPK_EINVAL, "validation options: NULL");
    if (o->version != MPK_VALIDATE_OPTIONS_VERSION)
        return mpk__error(MPK_EINVAL,
                          "validation options: version %d, this library has %d (use "
                          "mpk_validate_options_init)",
                          o->version, MPK_VALIDATE_OPTIONS_VERSION);
#define RANGE(field, lo, hi)                                                                 \
    if (!(o->field >= (lo) && o->field <= (hi)))                                             \
        return mpk__error(MPK_EINVAL, "validation.%s: %g must be between %g and %g", #field, \
                          o->field, (double)(lo), (double)(hi));
    RANGE(margin, 0, 1);
    RANGE(velocity_factor, 0.01, 10);
    RANGE(acceleration_factor, 0.01, 10);
    RANGE(jerk_factor, 0.01, 10);
    RANGE(max_jump, 0.001, 10);
    RANGE(min_duration, 0, MPK_MANIFEST_MAX_DURATION);
    RANGE(max_duration, o->min_duration, MPK_MANIFEST_MAX_DURATION);
    RANGE(stand_tolerance, 0, 10);
    RANGE(hold_tolerance, 0, 10);
#undef RANGE
    return MPK_OK;
}

/* ---- one rule's record for one joint ---- */

typedef struct record {
    double worst; /* how far beyond the bound the worst sample is (in the rule's unit) */
    double value, time, first, last;
    uint32_t count;
} record;

static void record_init(record *r)
{
    r->worst = -1;
    r->value = r->time = r->first = r->last = NAN;
    r->count = 0;
}

static void note(record *r, double excess, double value, double time)
{
    if (r->count++ == 0)
        r->first = time;
    r->last = time;
    if (excess > r->worst) {
        r->worst = excess;
        r->value = value;
        r->time = time;
    }
}

/* Every rule's records for one joint, and what the full-body rule needs. */
typedef struct joint_state {
    const mpk_joint *mj; /* NULL: not a joint of the model (reported once, then skipped) */
    double lo, hi;       /* limits shrunk by the margin */
    double vmax, amax, jmax;
    record limit, velocity, acceleration, jerk, jump, nan;
    double min, max; /* finite positions seen */
    double away;     /* largest distance from standing, and where */
    double away_value, away_time;
} joint_state;

void mpk__dynamic_limits(double *vmax, double *amax, double *jmax, const mpk_track *t,
                         const mpk_robot_model *model, const mpk_validate_options *o)
{
    int j;

    for (j = 0; j < mpk_track_joint_count(t); j++) {
        int k = mpk_robot_joint_index(model, mpk_track_joint_name(t, j));
        const mpk_joint *mj = k >= 0 ? &model->joints[k] : NULL;

        vmax[j] = mj ? mj->velocity * o->velocity_factor : NAN;
        amax[j] = mj ? mj->acceleration * o->acceleration_factor : NAN;
        jmax[j] = mj ? mj->jerk * o->jerk_factor : NAN;
    }
}

/* ---- the pass over the samples ---- */

/* Everything the rules ask of sample f of joint j, with the neighbours that exist. The slow path:
 * taken for the first and last frames, and wherever the fast test saw something. */
static void sample_rules(joint_state *s, const float *pos, uint32_t F, int J, uint32_t f, int j,
                         double rate, double max_jump)
{
    const float *row = pos + (size_t)f * (size_t)J;
    double r2 = rate * rate, r3 = r2 * rate, t = f / rate, q = row[j];

    if (!isfinite(q)) {
        note(&s->nan, 0, q, t);
        return;
    }
    if (q < s->lo || q > s->hi)
        note(&s->limit, q < s->lo ? s->lo - q : q - s->hi, q, t);
    if (f + 1 < F) {
        double d = row[J + j] - q, v = d * rate;
        if (fabs(d) > max_jump)
            note(&s->jump, fabs(d) - max_jump, d, t);
        if (fabs(v) > s->vmax)
            note(&s->velocity, fabs(v) - s->vmax, v, t + 0.5 / rate);
        if (f >= 1) {
            double a = (row[J + j] - 2 * q + row[j - J]) * r2;
            if (fabs(a) > s->amax)
                note(&s->acceleration, fabs(a) - s->amax, a, t);
            if (f + 2 < F) {
                double jk = (row[2 * J + j] - 3 * (double)row[J + j] + 3 * q - row[j - J]) * r3;
                if (fabs(jk) > s->jmax)
                    note(&s->jerk, fabs(jk) - s->jmax, jk, t + 0.5 / rate);
            }
        }
    }
}

/*
 * Every rule over every sample. Frames with all neighbours (1 .. F-3) go through a test without
 * branches per rule: one combined comparison per sample, false for NaN too, and only a sample
 * that fails it takes the slow path that works out which rule and records it. The bounds sit in
 * plain arrays so the compiler keeps them in registers or vectorises the loop.
 */
static void scan(joint_state *js, const float *pos, uint32_t F, int J, double rate, double max_jump)
{
    double lo[MPK_TRACK_MAX_JOINTS], hi[MPK_TRACK_MAX_JOINTS], dmax[MPK_TRACK_MAX_JOINTS],
        a2[MPK_TRACK_MAX_JOINTS], j3[MPK_TRACK_MAX_JOINTS];
    double r2 = rate * rate, r3 = r2 * rate;
    uint32_t f;
    int j;

    for (j = 0; j < J; j++) {
        /* Bounds in sample units: no multiplication by the rate in the loop. A joint the model
         * does not know gets bounds nothing passes, and is skipped in the slow path. */
        lo[j] = js[j].mj ? js[j].lo : INFINITY;
        hi[j] = js[j].mj ? js[j].hi : -INFINITY;
        dmax[j] = js[j].mj ? fmin(max_jump, js[j].vmax / rate) : -1;
        a2[j] = js[j].mj ? js[j].amax / r2 : -1;
        j3[j] = js[j].mj ? js[j].jmax / r3 : -1;
    }
    for (f = 0; f < F; f++) {
        const float *row = pos + (size_t)f * (size_t)J;

        if (f == 0 || f + 3 > F) {
            for (j = 0; j < J; j++)
                if (js[j].mj)
                    sample_rules(&js[j], pos, F, J, f, j, rate, max_jump);
            continue;
        }
        for (j = 0; j < J; j++) {
            double qp = row[j - J], q = row[j], qn = row[J + j], qn2 = row[2 * J + j];
            double d = qn - q, a = qn - 2 * q + qp, jk = qn2 - 3 * qn + 3 * q - qp;
            bool ok = (q >= lo[j]) & (q <= hi[j]) & (fabs(d) <= dmax[j]) & (fabs(a) <= a2[j]) &
                      (fabs(jk) <= j3[j]);
            if (!ok && js[j].mj)
                sample_rules(&js[j], pos, F, J, f, j, rate, max_jump);
        }
    }
}

/* What the full-body rule needs of a leg joint: its range and its farthest from standing. */
static void leg_range(joint_state *s, const float *pos, uint32_t F, int J, int j, double rate)
{
    uint32_t f;

    for (f = 0; f < F; f++) {
        double q = pos[(size_t)f * (size_t)J + (size_t)j];
        if (!isfinite(q))
            continue;
        if (q < s->min)
            s->min = q;
        if (q > s->max)
            s->max = q;
        if (fabs(q - s->mj->stand) > s->away) {
            s->away = fabs(q - s->mj->stand);
            s->away_value = q;
            s->away_time = f / rate;
        }
    }
}

/* The recorded velocities, when the track carries them. */
static void scan_velocities(joint_state *js, const float *vel, uint32_t F, int J, double rate)
{
    uint32_t f;
    int j;

    for (f = 0; f < F; f++)
        for (j = 0; j < J; j++) {
            double v = vel[(size_t)f * (size_t)J + (size_t)j];
            if (!js[j].mj)
                continue;
            if (!isfinite(v))
                note(&js[j].nan, 0, v, f / rate);
            else if (fabs(v) > js[j].vmax)
                note(&js[j].velocity, fabs(v) - js[j].vmax, v, f / rate);
        }
}

void mpk__dynamic_ratios(double *ratio, const float *pos, uint32_t F, int J, double rate,
                         const double *vmax, const double *amax, const double *jmax)
{
    double r2 = rate * rate, r3 = r2 * rate;
    uint32_t f;
    int j;

    for (f = 0; f < F; f++)
        ratio[f] = 0;
    for (f = 0; f + 1 < F; f++) {
        const float *row = pos + (size_t)f * (size_t)J;
        for (j = 0; j < J; j++) {
            double v, a, jk, r;

            if (!isfinite(vmax[j]))
                continue;
            v = fabs((double)row[J + j] - row[j]) * rate / vmax[j];
            if (v > ratio[f])
                ratio[f] = v;
            if (v > ratio[f + 1])
                ratio[f + 1] = v;
            if (f >= 1) {
                a = fabs((double)row[J + j] - 2.0 * row[j] + row[j - J]) * r2 / amax[j];
                r = sqrt(a);
                if (r > ratio[f])
                    ratio[f] = r;
                if (f + 2 < F) {
                    jk = fabs((double)row[2 * J + j] - 3.0 * row[J + j] + 3.0 * row[j] -
                              row[j - J]) *
                         r3 / jmax[j];
                    r = cbrt(jk);
                    if (r > ratio[f])
                        ratio[f] = r;
                    if (r > ratio[f + 1])
                        ratio[f + 1] = r;
                }
            }
        }
    }
}

/* ---- findings ---- */

/* "; 12 samples from 1.2 s to 1.46 s" (nothing for a single sample). */
static void span(char *buf, size_t size, const record *r)
{
    if (r->count <= 1)
        buf[0] = '\0';
    else
        snprintf(buf, size, "; %u samples from %.4g s to %.4g s", r->count, r->first, r->last);
}

static int add_record(mpk_findings *list, const char *motion, const joint_state *s, mpk_rule rule,
                      const record *r, double limit, const mpk_validate_options *o)
{
    mpk_finding f = {MPK_SEVERITY_ERROR, rule,    motion,   s->mj->name, r->time, r->value, limit,
                     r->first,           r->last, r->count, NULL};
    const char *name = s->mj->name;
    char more[96];

    if (r->count == 0)
        return MPK_OK;
    span(more, sizeof(more), r);
    switch (rule) {
    case MPK_RULE_NAN:
        return mpk__findings_add(list, &f, "%s: %s at %.4g s%s", name,
                                 isnan(r->value) ? "NaN" : "infinity", r->time, more);
    case MPK_RULE_LIMIT: {
        bool upper = r->value > s->hi;
        double hard = upper ? s->mj->upper : s->mj->lower;
        bool beyond = upper ? r->value > hard : r->value < hard;
        f.limit = upper ? s->hi : s->lo;
        return mpk__findings_add(
            list, &f,
            "%s: position %.5g rad at %.4g s is %s the %s limit %.5g (allowed %s %.5g "
            "with the margin of %g rad)%s",
            name, r->value, r->time, beyond ? "beyond" : "within the margin of",
            upper ? "upper" : "lower", hard, upper ? "up to" : "down to", f.limit, o->margin, more);
    }
    case MPK_RULE_VELOCITY:
        return mpk__findings_add(list, &f,
                                 "%s: velocity %.4g rad/s at %.4g s is more than %.4g rad/s "
                                 "(%g x the limit %g rad/s)%s",
                                 name, r->value, r->time, limit, o->velocity_factor,
                                 s->mj->velocity, more);
    case MPK_RULE_ACCELERATION:
        return mpk__findings_add(list, &f,
                                 "%s: acceleration %.4g rad/s^2 at %.4g s is more than %.4g "
                                 "rad/s^2 (%g x the limit %g rad/s^2)%s",
                                 name, r->value, r->time, limit, o->acceleration_factor,
                                 s->mj->acceleration, more);
    case MPK_RULE_JERK:
        return mpk__findings_add(list, &f,
                                 "%s: jerk %.4g rad/s^3 at %.4g s is more than %.4g rad/s^3 "
                                 "(%g x the limit %g rad/s^3)%s",
                                 name, r->value, r->time, limit, o->jerk_factor, s->mj->jerk, more);
    case MPK_RULE_JUMP:
        return mpk__findings_add(list, &f,
                                 "%s: jumps %.4g rad in one sample at %.4g s (at most %g rad "
                                 "between two samples)%s",
                                 name, r->value, r->time, limit, more);
    default:
        return MPK_OK;
    }
}

static int add_full_body(mpk_findings *list, const char *motion, const joint_state *s,
                         const mpk_validate_options *o)
{
    mpk_finding f = {MPK_SEVERITY_ERROR,
                     MPK_RULE_FULL_BODY,
                     motion,
                     s->mj->name,
                     s->away_time,
                     s->away_value,
                     o->hold_tolerance,
                     NAN,
                     NAN,
                     0,
                     NULL};

    if (!(s->max >= s->min))
        return MPK_OK; /* no finite sample */
    if (s->max - s->min > o->hold_tolerance) {
        f.first = f.last = s->away_time;
        f.count = 1;
        return mpk__findings_add(list, &f,
                                 "%s: a %s joint moves (%.4g to %.4g rad; %.4g rad at %.4g s, "
                                 "standing is %.4g) without the full-body permission: arm mode "
                                 "never commands it",
                                 s->mj->name, "leg", s->min, s->max, s->away_value, s->away_time,
                                 s->mj->stand);
    }
    if (s->away > o->hold_tolerance) {
        f.severity = MPK_SEVERITY_WARNING;
        return mpk__findings_add(list, &f,
                                 "%s: a leg joint held at %.4g rad, not at standing (%.4g), "
                                 "without the full-body permission: arm mode leaves it where the "
                                 "robot holds it",
                                 s->mj->name, s->away_value, s->mj->stand);
    }
    return MPK_OK;
}

/* A warning when frame f (the first or the last) is far from the standing pose. */
static int add_stand(mpk_findings *list, const char *motion, const joint_state *js, int J,
                     const float *row, double t, bool first, const mpk_validate_options *o)
{
    int j, worst = -1, n = 0;
    double far = 0;

    for (j = 0; j < J; j++) {
        double d;
        if (!js[j].mj || !isfinite(row[j]))
            continue;
        d = fabs(row[j] - js[j].mj->stand);
        if (d > o->stand_tolerance) {
            n++;
            if (d > far) {
                far = d;
                worst = j;
            }
        }
    }
    if (worst < 0)
        return MPK_OK;
    {
        mpk_finding f = {MPK_SEVERITY_WARNING,
                         MPK_RULE_STAND,
                         motion,
                         js[worst].mj->name,
                         t,
                         row[worst],
                         o->stand_tolerance,
                         t,
                         t,
                         (uint32_t)n,
                         NULL};
        return mpk__findings_add(list, &f,
                                 "%s: %s at %.4g rad, %.3g rad from standing (%.4g)%s%d joint%s "
                                 "farther than %g rad: the runtime blends %s",
                                 js[worst].mj->name, first ? "starts" : "ends", (double)row[worst],
                                 far, js[worst].mj->stand, "; ", n, n == 1 ? "" : "s",
                                 o->stand_tolerance,
                                 first ? "in from the robot's pose first" : "out after it");
    }
}

int mpk__validate_into(mpk_findings *list, const char *motion, const mpk_track *t,
                       const mpk_robot_model *model, unsigned permissions,
                       const mpk_validate_options *o)
{
    joint_state js[MPK_TRACK_MAX_JOINTS];
    mpk_finding f = {
        MPK_SEVERITY_ERROR, MPK_RULE_TRACK, motion, NULL, NAN, NAN, NAN, NAN, NAN, 0, NULL};
    uint32_t F = mpk_track_frame_count(t);
    int J = mpk_track_joint_count(t), j, k, error = MPK_OK;
    double rate = mpk_track_rate(t), duration = mpk_track_duration(t);
    const float *pos = mpk_track_positions_const(t);

    if (strcmp(mpk_track_robot(t), model->id) != 0)
        return mpk__findings_add(list, &f, "the track is for '%s', not '%s'", mpk_track_robot(t),
                                 model->id);
    for (j = 0; j < J && !error; j++) {
        joint_state *s = &js[j];
        int idx = mpk_robot_joint_index(model, mpk_track_joint_name(t, j));

        memset(s, 0, sizeof(*s));
        s->mj = idx >= 0 ? &model->joints[idx] : NULL;
        for (k = 0; k < j && s->mj; k++)
            if (js[k].mj == s->mj)
                s->mj = NULL;
        if (!s->mj) {
            f.joint = mpk_track_joint_name(t, j);
            error = mpk__findings_add(list, &f,
                                      idx < 0 ? "%s: not a joint of %s" : "%s: listed twice (%s)",
                                      mpk_track_joint_name(t, j), model->id);
            continue;
        }
        s->lo = s->mj->lower + o->margin;
        s->hi = s->mj->upper - o->margin;
        s->vmax = s->mj->velocity * o->velocity_factor;
        s->amax = s->mj->acceleration * o->acceleration_factor;
        s->jmax = s->mj->jerk * o->jerk_factor;
        record_init(&s->limit);
        record_init(&s->velocity);
        record_init(&s->acceleration);
        record_init(&s->jerk);
        record_init(&s->jump);
        record_init(&s->nan);
        s->min = INFINITY;
        s->max = -INFINITY;
        s->away = -1;
    }
    if (error)
        return error;

    f.joint = NULL;
    f.rule = MPK_RULE_DURATION;
    f.value = duration;
    if (duration < o->min_duration || duration > o->max_duration) {
        bool shorter = duration < o->min_duration;
        f.limit = shorter ? o->min_duration : o->max_duration;
        error = mpk__findings_add(list, &f, "duration %.4g s is %s than %g s", duration,
                                  shorter ? "shorter" : "longer", f.limit);
        if (error)
            return error;
    }

    scan(js, pos, F, J, rate, o->max_jump);
    if (mpk_track_velocities_const(t))
        scan_velocities(js, mpk_track_velocities_const(t), F, J, rate);
    for (j = 0; j < J && !error; j++) {
        joint_state *s = &js[j];
        if (!s->mj)
            continue;
        error = add_record(list, motion, s, MPK_RULE_NAN, &s->nan, NAN, o);
        if (!error)
            error = add_record(list, motion, s, MPK_RULE_LIMIT, &s->limit, NAN, o);
        if (!error)
            error = add_record(list, motion, s, MPK_RULE_VELOCITY, &s->velocity, s->vmax, o);
        if (!error)
            error =
                add_record(list, motion, s, MPK_RULE_ACCELERATION, &s->acceleration, s->amax, o);
        if (!error)
            error = add_record(list, motion, s, MPK_RULE_JERK, &s->jerk, s->jmax, o);
        if (!error)
            error = add_record(list, motion, s, MPK_RULE_JUMP, &s->jump, o->max_jump, o);
        if (!error && s->mj->group == MPK_GROUP_LEG && !(permissions & MPK_PERM_FULL_BODY)) {
            leg_range(&js[j], pos, F, J, j, rate);
            error = add_full_body(list, motion, s, o);
        }
    }
    /* The root pose, for the preview: finite, unit quaternions. */
    if (!error && mpk_track_root_const(t)) {
        const float *root = mpk_track_root_const(t);
        uint32_t fr;
        for (fr = 0; fr < F; fr++) {
            const float *r = root + (size_t)fr * 7;
            double len = sqrt((double)r[3] * r[3] + (double)r[4] * r[4] + (double)r[5] * r[5] +
                              (double)r[6] * r[6]);
            bool finite = true;
            for (k = 0; k < 7; k++)
                finite = finite && isfinite(r[k]);
            if (!finite || fabs(len - 1) > 1e-3) {
                mpk_finding g = {MPK_SEVERITY_ERROR,
                                 finite ? MPK_RULE_TRACK : MPK_RULE_NAN,
                                 motion,
                                 "root",
                                 fr / rate,
                                 finite ? len : NAN,
                                 1,
                                 fr / rate,
                                 fr / rate,
                                 1,
                                 NULL};
                error = finite ? mpk__findings_add(list, &g,
                                                   "root: the orientation at %.4g s has length "
                                                   "%.6g, not 1",
                                                   fr / rate, len)
                               : mpk__findings_add(
                                     list, &g, "root: a value at %.4g s is not finite", fr / rate);
                break;
            }
        }
    }
    if (!error)
        error = add_stand(list, motion, js, J, pos, 0, true, o);
    if (!error && F > 1)
        error =
            add_stand(list, motion, js, J, pos + (size_t)(F - 1) * (size_t)J, duration, false, o);
    return error;
}

int mpk_validate_track(mpk_findings **out, const mpk_track *track, const mpk_robot_model *model,
                       unsigned permissions, const mpk_validate_options *opts)
{
    mpk_validate_options defaults;
    mpk_findings *list = NULL;
    int error;

    if (!out || !track || !model)
        return mpk__error(MPK_EINVAL, "mpk_validate_track: NULL argument");
    if (!opts) {
        mpk_validate_options_init(&defaults);
        opts = &defaults;
    }
    error = mpk_validate_options_check(opts);
    if (!error)
        error = mpk__findings_new(&list);
    if (!error)
        error = mpk__validate_into(list, NULL, track, model, permissions, opts);
    if (error) {
        mpk_findings_free(list);
        return error;
    }
    *out = list;
    return MPK_OK;
}

int mpk_validate_package(mpk_findings **out, const mpk_package *pkg,
                         const mpk_validate_options *opts)
{
    mpk_validate_options defaults;
    const mpk_manifest *m;
    mpk_findings *list = NULL;
    size_t i;
    int error;

    if (!out || !pkg)
        return mpk__error(MPK_EINVAL, "mpk_validate_package: NULL argument");
    if (!opts) {
        mpk_validate_options_init(&defaults);
        opts = &defaults;
    }
    error = mpk_validate_options_check(opts);
    if (!error)
        error = mpk__findings_new(&list);
    m = mpk_package_manifest(pkg);
    for (i = 0; !error && i < m->motion_count; i++) {
        const mpk_motion_info *mo = &m->motions[i];
        const mpk_robot_model *model = mpk_robot_find(mo->robot);
        /* A motion whose track cannot be checked at all: one error of the track rule. */
        const mpk_finding track_finding = {
            MPK_SEVERITY_ERROR, MPK_RULE_TRACK, mo->name, NULL, NAN, NAN, NAN, NAN, NAN, 0, NULL};
        mpk_track *t = NULL;

        if (!model) {
            error = mpk__findings_add(list, &track_finding, "unknown robot model '%s'", mo->robot);
            continue;
        }
        error = mpk_package_load_track(&t, pkg, mo->name);
        if (error == MPK_ENOMEM || error == MPK_EIO || error == MPK_EINVAL)
            break;
        if (error) {
            error =
                mpk__findings_add(list, &track_finding, "%s: %s", mo->file, mpk_error_message());
            continue;
        }
        error = mpk__validate_into(list, mo->name, t, model, m->permissions, opts);
        mpk_track_free(t);
    }
    if (error) {
        mpk_findings_free(list);
        return error;
    }
    *out = list;
    return MPK_OK;
}

int mpk_validate_project(mpk_findings **out, const mpk_project *p, const mpk_validate_options *opts)
{
    mpk_validate_options own;
    const mpk_manifest *m;
    mpk_findings *list = NULL;
    size_t i;
    int error;

    if (!out || !p)
        return mpk__error(MPK_EINVAL, "mpk_validate_project: NULL argument");
    if (!opts) {
        mpk_project_validate_options(&own, p);
        opts = &own;
    }
    error = mpk_validate_options_check(opts);
    if (!error)
        error = mpk__findings_new(&list);
    m = mpk_project_manifest(p);
    for (i = 0; !error && i < mpk_project_motion_count(p); i++) {
        const mpk_track *t = mpk_project_track(p, i);
        const mpk_robot_model *model = mpk_robot_find(mpk_track_robot(t));
        if (model)
            error = mpk__validate_into(list, m->motions[i].name, t, model, m->permissions, opts);
    }
    if (error) {
        mpk_findings_free(list);
        return error;
    }
    *out = list;
    return MPK_OK;
}
