/* Blends (rest, cubic, gather: one common duration) and stops (per-joint constant deceleration). */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "motion/plan.h"

/* Used when a model gives no acceleration default: a gentle rate for any servo. */
#define FALLBACK_ACCELERATION 10.0

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
        out->brake[j] = acc;
    }
    out->margin = MOTION_PLAN_MARGIN;
}

/*
 * The acceleration for a phase that changes velocity between 0 and v next to position q, moving
 * toward the side v points to: the planning acceleration, or more (up to brake) if the phase would
 * otherwise cross the limit on that side.
 */
static double phase_acceleration(const motion_limits *lim, int j, double q, double v)
{
    double a = lim->acceleration[j], room, need;

    if (v == 0.0)
        return a;
    room = v > 0 ? lim->upper[j] - lim->margin - q : q - (lim->lower[j] + lim->margin);
    if (room <= 0.0)
        return fmax(a, lim->brake[j]);
    need = v * v / (2.0 * room);
    return need > a ? fmin(fmax(need, a), fmax(a, lim->brake[j])) : a;
}

double motion_smoothstep(double s, double *derivative)
{
    s = motion__clamp(s, 0.0, 1.0);
    if (derivative)
        *derivative = 6.0 * s * (1.0 - s);
    return s * s * (3.0 - 2.0 * s);
}

/* The rest-to-rest cubic p = d (3s^2 - 2s^3): peak velocity 1.5 d / T, acceleration 6 d / T^2. */
static double cubic_min_time(double d, double vl, double al)
{
    d = fabs(d);
    return fmax(1.5 * d / vl, sqrt(6.0 * d / al));
}

int motion_blend_plan(motion_blend *out, const uint8_t *mask, const double *q0, const double *v0,
                      const double *q1, const double *v1, const motion_limits *limits,
                      double min_duration, double dt)
{
    motion_blend b;
    double T = 0.0;
    int j, n = limits->joint_count;

    if (n <= 0 || n > MOTION_MAX_JOINTS)
        return motion__error(MOTION_EINVAL, "blend: joint count %d", n);
    if (!isfinite(min_duration) || min_duration < 0 || !isfinite(dt) || dt < 0)
        return motion__error(MOTION_EINVAL, "blend: bad duration or period");
    memset(&b, 0, sizeof(b));
    b.joint_count = n;
    for (j = 0; j < n; j++) {
        double vl, al;
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
        /* Stopping from v0 moves toward where v0 points; gathering v1 comes from the side
         * opposite to where v1 points. */
        b.acc0[j] = phase_acceleration(limits, j, b.q0[j], b.v0[j]);
        b.acc1[j] = phase_acceleration(limits, j, b.q1[j], -b.v1[j]);
        b.tau0[j] = fabs(b.v0[j]) / b.acc0[j];
        b.tau1[j] = fabs(b.v1[j]) / b.acc1[j];
        b.qa[j] = b.q0[j] + 0.5 * b.v0[j] * b.tau0[j];
        b.qb[j] = b.q1[j] - 0.5 * b.v1[j] * b.tau1[j];
        T = fmax(T, b.tau0[j] + b.tau1[j] + cubic_min_time(b.qb[j] - b.qa[j], vl, al));
    }
    T = fmax(T, min_duration);
    T = fmin(T, MOTION_BLEND_MAX_DURATION);
    /* Whole ticks, so that a tick lands exactly on the target. */
    if (dt > 0 && T > 0)
        T = ceil(T / dt - 1e-6) * dt;
    b.duration = T;
    *out = b;
    return MOTION_OK;
}

/* One joint at time t: a constant-acceleration phase, the cubic, a constant-acceleration phase. */
static void eval_joint(const motion_blend *b, int j, double t, double *q, double *dq)
{
    double T = b->duration, t1 = T - b->tau1[j], tc = t1 - b->tau0[j];

    if (t <= 0.0) {
        *q = b->q0[j];
        *dq = b->v0[j];
    } else if (t >= T) {
        *q = b->q1[j];
        *dq = b->v1[j];
    } else if (t < b->tau0[j]) {
        double a = b->acc0[j];
        *q = b->q0[j] + b->v0[j] * t - copysign(0.5 * a * t * t, b->v0[j]);
        *dq = b->v0[j] - copysign(a * t, b->v0[j]);
    } else if (t > t1) {
        double u = t - t1, a = b->acc1[j];
        *q = b->qb[j] + copysign(0.5 * a * u * u, b->v1[j]);
        *dq = copysign(a * u, b->v1[j]);
    } else if (tc > 0.0) {
        double s = (t - b->tau0[j]) / tc, d = b->qb[j] - b->qa[j];
        *q = b->qa[j] + d * s * s * (3.0 - 2.0 * s);
        *dq = d * 6.0 * s * (1.0 - s) / tc;
    } else {
        *q = b->qa[j];
        *dq = 0.0;
    }
}

void motion_blend_eval(const motion_blend *b, double t, double *q, double *dq)
{
    double qj, vj;
    int j;

    for (j = 0; j < b->joint_count; j++) {
        if (!b->active[j])
            continue;
        if (b->duration <= 0) {
            qj = b->q1[j];
            vj = 0.0;
        } else {
            eval_joint(b, j, t, &qj, &vj);
        }
        q[j] = qj;
        if (dq)
            dq[j] = vj;
    }
}

void motion_blend_peaks(const motion_blend *b, const motion_limits *lim, double *velocity_ratio,
                        double *acceleration_ratio)
{
    double vr = 0, ar = 0;
    int j;

    for (j = 0; j < b->joint_count && b->duration > 0; j++) {
        double tc, d, vmax, amax = 0.0;
        if (!b->active[j])
            continue;
        tc = b->duration - b->tau0[j] - b->tau1[j];
        d = fabs(b->qb[j] - b->qa[j]);
        vmax = fmax(fabs(b->v0[j]), fabs(b->v1[j]));
        if (b->tau0[j] > 0)
            amax = b->acc0[j];
        if (b->tau1[j] > 0)
            amax = fmax(amax, b->acc1[j]);
        if (tc > 0) {
            vmax = fmax(vmax, 1.5 * d / tc);
            amax = fmax(amax, 6.0 * d / (tc * tc));
        }
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
