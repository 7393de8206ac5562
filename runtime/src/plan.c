/* Blends (cubic Hermite, common duration) and stops (per-joint constant deceleration). */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "motion/plan.h"

/* Used when a model gives no acceleration default: a gentle rate for any servo. */
#define FALLBACK_ACCELERATION 10.0
/* Grows the candidate duration by this factor until every joint fits its limits. */
#define GROWTH 1.04

void motion_limits_from_model(motion_limits *out, const mpk_robot_model *model,
                              double velocity_scale, double acceleration_scale)
{
    int j, n = model->joint_count < MOTION_MAX_JOINTS ? model->joint_count : MOTION_MAX_JOINTS;

    memset(out, 0, sizeof(*out));
    out->joint_count = n;
    for (j = 0; j < n; j++) {
        const mpk_joint *jt = &model->joints[j];
        double acc = jt->acceleration > 0 ? jt->acceleration : FALLBACK_ACCELERATION;
        out->lower[j] = jt->lower;
        out->upper[j] = jt->upper;
        out->velocity[j] = jt->velocity * velocity_scale;
        out->acceleration[j] = acc * acceleration_scale;
    }
}

double motion_smoothstep(double s, double *derivative)
{
    s = motion__clamp(s, 0.0, 1.0);
    if (derivative)
        *derivative = 6.0 * s * (1.0 - s);
    return s * s * (3.0 - 2.0 * s);
}

/*
 * One joint on p(s) = h00 q0 + h10 T v0 + h01 q1 + h11 T v1, s = t / T. With d = q1 - q0:
 *   v(s) = A s^2 + B s + C,  A = -6d/T + 3v0 + 3v1,  B = 6d/T - 4v0 - 2v1,  C = v0
 *   a(s) = (2A s + B) / T, linear in s, so its extremes are at the ends.
 */
static void joint_peaks(double q0, double v0, double q1, double v1, double T, double *vmax,
                        double *amax)
{
    double d = q1 - q0;
    double A = -6.0 * d / T + 3.0 * v0 + 3.0 * v1;
    double B = 6.0 * d / T - 4.0 * v0 - 2.0 * v1;
    double v = fmax(fabs(v0), fabs(v1));

    if (A != 0.0) {
        double s = -B / (2.0 * A);
        if (s > 0.0 && s < 1.0)
            v = fmax(v, fabs((A * s + B) * s + v0));
    }
    *vmax = v;
    *amax = fmax(fabs(B), fabs(2.0 * A + B)) / T;
}

static bool fits(const motion_blend *b, const motion_limits *lim, double T)
{
    int j;

    for (j = 0; j < b->joint_count; j++) {
        double vmax, amax, vallow;
        if (!b->active[j])
            continue;
        joint_peaks(b->q0[j], b->v0[j], b->q1[j], b->v1[j], T, &vmax, &amax);
        /* A joint already moving faster than the planning limit may keep its own speed. */
        vallow = fmax(lim->velocity[j], 1.05 * fmax(fabs(b->v0[j]), fabs(b->v1[j])));
        if (vmax > vallow * (1.0 + 1e-9) || amax > lim->acceleration[j] * (1.0 + 1e-9))
            return false;
    }
    return true;
}

int motion_blend_plan(motion_blend *out, const uint8_t *mask, const double *q0, const double *v0,
                      const double *q1, const double *v1, const motion_limits *limits,
                      double min_duration, double dt)
{
    motion_blend b;
    double T = 0.0;
    int j, n = limits->joint_count, guard;

    if (n <= 0 || n > MOTION_MAX_JOINTS)
        return motion__error(MOTION_EINVAL, "blend: joint count %d", n);
    if (!isfinite(min_duration) || min_duration < 0 || !isfinite(dt) || dt < 0)
        return motion__error(MOTION_EINVAL, "blend: bad duration or period");
    memset(&b, 0, sizeof(b));
    b.joint_count = n;
    for (j = 0; j < n; j++) {
        double d, vl, al;
        if (mask && !mask[j])
            continue;
        b.active[j] = 1;
        b.q0[j] = q0[j];
        b.v0[j] = v0 ? v0[j] : 0.0;
        b.q1[j] = q1[j];
        b.v1[j] = v1 ? v1[j] : 0.0;
        if (!isfinite(b.q0[j]) || !isfinite(b.v0[j]) || !isfinite(b.q1[j]) || !isfinite(b.v1[j]))
            return motion__error(MOTION_EINVAL, "blend: joint %d: non-finite position or velocity",
                                 j);
        vl = limits->velocity[j];
        al = limits->acceleration[j];
        if (!(vl > 0) || !(al > 0))
            return motion__error(MOTION_EINVAL, "blend: joint %d: limits must be positive", j);
        /* Lower bounds from the rest-to-rest cubic (peak velocity 1.5 d/T, acceleration 6 d/T^2)
         * and from the time to change velocity at the acceleration limit. */
        d = fabs(b.q1[j] - b.q0[j]);
        T = fmax(T, 1.5 * d / vl);
        T = fmax(T, sqrt(6.0 * d / al));
        T = fmax(T, fabs(b.v1[j] - b.v0[j]) / al);
    }
    T = fmax(T, min_duration);
    if (T > 0) {
        T = fmax(T, dt);
        for (guard = 0; guard < 1000 && T < MOTION_BLEND_MAX_DURATION && !fits(&b, limits, T);
             guard++)
            T *= GROWTH;
        T = fmin(T, MOTION_BLEND_MAX_DURATION);
    }
    /* Whole ticks, so that a tick lands exactly on the target. */
    if (dt > 0 && T > 0)
        T = ceil(T / dt - 1e-6) * dt;
    b.duration = T;
    *out = b;
    return MOTION_OK;
}

void motion_blend_eval(const motion_blend *b, double t, double *q, double *dq)
{
    double T = b->duration, s, s2, s3, h00, h10, h01, h11, d00, d10, d01, d11;
    int j;

    if (T <= 0 || t >= T) {
        for (j = 0; j < b->joint_count; j++) {
            if (!b->active[j])
                continue;
            q[j] = b->q1[j];
            if (dq)
                dq[j] = T <= 0 ? 0.0 : b->v1[j];
        }
        return;
    }
    s = t <= 0 ? 0.0 : t / T;
    s2 = s * s;
    s3 = s2 * s;
    h00 = 2 * s3 - 3 * s2 + 1;
    h10 = s3 - 2 * s2 + s;
    h01 = -2 * s3 + 3 * s2;
    h11 = s3 - s2;
    d00 = 6 * s2 - 6 * s;
    d10 = 3 * s2 - 4 * s + 1;
    d01 = -6 * s2 + 6 * s;
    d11 = 3 * s2 - 2 * s;
    for (j = 0; j < b->joint_count; j++) {
        if (!b->active[j])
            continue;
        q[j] = h00 * b->q0[j] + h10 * T * b->v0[j] + h01 * b->q1[j] + h11 * T * b->v1[j];
        if (dq)
            dq[j] = (d00 * b->q0[j] + d01 * b->q1[j]) / T + d10 * b->v0[j] + d11 * b->v1[j];
    }
}

void motion_blend_peaks(const motion_blend *b, const motion_limits *lim, double *velocity_ratio,
                        double *acceleration_ratio)
{
    double vr = 0, ar = 0;
    int j;

    for (j = 0; j < b->joint_count && b->duration > 0; j++) {
        double vmax, amax;
        if (!b->active[j])
            continue;
        joint_peaks(b->q0[j], b->v0[j], b->q1[j], b->v1[j], b->duration, &vmax, &amax);
        vr = fmax(vr, vmax / lim->velocity[j]);
        ar = fmax(ar, amax / lim->acceleration[j]);
    }
    if (velocity_ratio)
        *velocity_ratio = vr;
    if (acceleration_ratio)
        *acceleration_ratio = ar;
}

void motion_stop_plan(motion_stop *out, const uint8_t *mask, const double *q0, const double *v0,
                      const motion_limits *limits)
{
    int j, n = limits->joint_count;

    memset(out, 0, sizeof(*out));
    out->joint_count = n;
    for (j = 0; j < n; j++) {
        double a = limits->acceleration[j] > 0 ? limits->acceleration[j] : FALLBACK_ACCELERATION;
        if (mask && !mask[j])
            continue;
        out->active[j] = 1;
        out->q0[j] = q0[j];
        out->v0[j] = isfinite(v0[j]) ? v0[j] : 0.0;
        out->deceleration[j] = a;
        out->duration = fmax(out->duration, fabs(out->v0[j]) / a);
    }
}

void motion_stop_eval(const motion_stop *s, double t, double *q, double *dq)
{
    int j;

    if (t < 0)
        t = 0;
    for (j = 0; j < s->joint_count; j++) {
        double v0 = s->v0[j], a = s->deceleration[j], tj, te;
        if (!s->active[j])
            continue;
        tj = fabs(v0) / a;
        te = t < tj ? t : tj;
        /* v(t) = v0 - sign(v0) a t until it reaches 0. */
        q[j] = s->q0[j] + v0 * te - copysign(0.5 * a * te * te, v0);
        if (dq)
            dq[j] = t < tj ? v0 - copysign(a * t, v0) : 0.0;
    }
}
