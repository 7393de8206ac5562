/* Retiming (mpk/retime.h). Slowing a stretch of motion by k divides its velocities by k, its
 * accelerations by k^2 and its jerks by k^3, so the factor a stretch needs is the largest of
 * v / vmax, sqrt(a / amax) and cbrt(j / jmax) over it (and the jump ratio). Neighbouring parts
 * interact (spline tangents, transitions), hence the passes until nothing is too fast. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "spline.h"
#include "validate_internal.h"
#include "mpk/retime.h"

#define MAX_PASSES 40
#define HEADROOM   1.02 /* slow 2 % more than the bound needs, so rounding never undoes it */
#define MAX_FACTOR 100.0
#define RAMP_TIME  0.1 /* s of transition on each side of a slowed stretch of a track */

/* Per-frame ratios of a track, the jump rule included. */
static int frame_ratios(double **out, const mpk_track *t, const mpk_robot_model *model,
                        const mpk_validate_options *o)
{
    double vmax[MPK_TRACK_MAX_JOINTS], amax[MPK_TRACK_MAX_JOINTS], jmax[MPK_TRACK_MAX_JOINTS];
    uint32_t F = mpk_track_frame_count(t), f;
    int J = mpk_track_joint_count(t), j;
    const float *pos = mpk_track_positions_const(t);
    double *ratio = malloc((size_t)F * sizeof(*ratio));

    if (!ratio)
        return mpk__error(MPK_ENOMEM, "retime: out of memory");
    mpk__dynamic_limits(vmax, amax, jmax, t, model, o);
    mpk__dynamic_ratios(ratio, pos, F, J, mpk_track_rate(t), vmax, amax, jmax);
    for (f = 0; f + 1 < F; f++)
        for (j = 0; j < J; j++) {
            double r =
                fabs((double)pos[(size_t)(f + 1) * J + j] - pos[(size_t)f * J + j]) / o->max_jump;
            if (r > ratio[f])
                ratio[f] = r;
            if (r > ratio[f + 1])
                ratio[f + 1] = r;
        }
    *out = ratio;
    return MPK_OK;
}

static int check_args(const mpk_validate_options **o, mpk_validate_options *defaults)
{
    if (!*o) {
        mpk_validate_options_init(defaults);
        *o = defaults;
    }
    return mpk_validate_options_check(*o);
}

/* ---- keyframes ---- */

/* Rounds a time to nanoseconds in decimal, so retimed files read "1.637", not "1.63699...". */
static double tidy(double t)
{
    char buf[64];

    snprintf(buf, sizeof(buf), "%.9f", t);
    return strtod(buf, NULL);
}

/*
 * How much slower each segment must be. A frame two samples or more from both ends of a segment
 * belongs to it alone. Frames near a keyframe take part in differences on both sides: what is too
 * fast there goes to the neighbouring segments that are too fast inside (a quick segment next to
 * a calm one), or to both when neither is (a corner between two linear segments).
 */
static void attribute(double *need, double *junction, const mpk_keyframes *kf, const double *ratio,
                      uint32_t F, double rate)
{
    size_t K = mpk_keyframes_count(kf), k = 0, s;
    uint32_t f;

    for (k = 0; k < K; k++)
        need[k] = junction[k] = 0;
    k = 0;
    for (f = 0; f < F; f++) {
        double tf = f / rate;
        /* The keyframe nearest after or at tf, and the segment holding tf. */
        while (k + 1 < K && mpk_keyframes_time(kf, k) < tf)
            k++;
        s = k > 0 && mpk_keyframes_time(kf, k) >= tf ? k - 1 : k;
        if (s + 1 >= K)
            s = K - 2;
        if (tf - mpk_keyframes_time(kf, s) < 2 / rate - 1e-9)
            junction[s] = fmax(junction[s], ratio[f]);
        else if (mpk_keyframes_time(kf, s + 1) - tf < 2 / rate - 1e-9)
            junction[s + 1] = fmax(junction[s + 1], ratio[f]);
        else
            need[s] = fmax(need[s], ratio[f]);
    }
    for (k = 0; k < K; k++) {
        bool before = k > 0 && need[k - 1] > 1, after = k + 1 < K && need[k] > 1;
        if (junction[k] <= 1)
            continue;
        if (!before && !after) {
            before = k > 0;
            after = k + 1 < K;
        }
        if (before)
            need[k - 1] = fmax(need[k - 1], junction[k]);
        if (after)
            need[k] = fmax(need[k], junction[k]);
    }
}

int mpk_keyframes_retime(mpk_keyframes *kf, double *added, double rate,
                         const mpk_validate_options *o)
{
    mpk_validate_options defaults;
    size_t K, k, pass;
    double *t0 = NULL, *t = NULL, *need = NULL, *junction = NULL, *ratio = NULL, before;
    mpk_track *track = NULL;
    int error;

    if (!kf || !added)
        return mpk__error(MPK_EINVAL, "mpk_keyframes_retime: NULL argument");
    error = check_args(&o, &defaults);
    if (error)
        return error;
    K = mpk_keyframes_count(kf);
    before = mpk_keyframes_duration(kf);
    t0 = malloc(K * sizeof(*t0));
    t = malloc(K * sizeof(*t));
    need = malloc(K * sizeof(*need));
    junction = malloc(K * sizeof(*junction));
    if (!t0 || !t || !need || !junction) {
        error = mpk__error(MPK_ENOMEM, "retime: out of memory");
        goto out;
    }
    for (k = 0; k < K; k++)
        t0[k] = mpk_keyframes_time(kf, k);
    for (pass = 0;; pass++) {
        uint32_t F;
        bool slow = false;
        double shift = 0;

        error = mpk_keyframes_sample(&track, kf, rate);
        if (!error)
            error = frame_ratios(&ratio, track, mpk_keyframes_model(kf), o);
        if (error)
            goto out;
        F = mpk_track_frame_count(track);
        attribute(need, junction, kf, ratio, F, rate);
        mpk_track_free(track);
        track = NULL;
        free(ratio);
        ratio = NULL;
        for (k = 0; k + 1 < K; k++)
            slow = slow || need[k] > 1;
        if (!slow)
            break;
        if (pass == MAX_PASSES) {
            error = mpk__error(MPK_EVALIDATE, "retime: still too fast after %zu passes", pass);
            goto out;
        }
        /* Lengthen the offending segments, by whole milliseconds; later keyframes move by what
         * was added before them. */
        t[0] = 0;
        for (k = 0; k + 1 < K; k++) {
            double a = mpk_keyframes_time(kf, k), b = mpk_keyframes_time(kf, k + 1);
            if (need[k] > 1) {
                double factor = fmin(need[k] * HEADROOM, MAX_FACTOR);
                shift += ceil((b - a) * (factor - 1) * 1000) / 1000;
            }
            t[k + 1] = tidy(t0[k + 1] + shift);
        }
        if (t[K - 1] > MPK_MANIFEST_MAX_DURATION) {
            error = mpk__error(MPK_ELIMIT, "retime: the motion would last %g s, more than %g",
                               t[K - 1], MPK_MANIFEST_MAX_DURATION);
            goto out;
        }
        error = mpk_keyframes_set_times(kf, t, K);
        if (error)
            goto out;
        memcpy(t0, t, K * sizeof(*t));
    }
    *added = mpk_keyframes_duration(kf) - before;
out:
    mpk_track_free(track);
    free(ratio);
    free(t0);
    free(t);
    free(need);
    free(junction);
    return error;
}

/* ---- tracks: a smooth time warp ---- */

/* A stretch slowed by k: the core [c0, c1] and transitions of rin and rout before and after,
 * all in sample units of the track being warped. */
typedef struct region {
    double c0, c1, rin, rout, k;
    double added;  /* samples it adds: a whole number */
    double before; /* samples added by the regions before it */
} region;

/* Integral of the quintic smoothstep 6u^5 - 15u^4 + 10u^3 from 0 to u. */
static double smooth_integral(double u)
{
    double u2 = u * u;
    return u2 * u2 * (u2 - 3 * u + 2.5);
}

static double smooth(double u)
{
    return u * u * u * (10 + u * (-15 + 6 * u));
}

/* What region r has added by warped position x (original sample units). */
static double region_added(const region *r, double x)
{
    double a = r->c0 - r->rin, w;

    if (x <= a)
        return 0;
    if (x < r->c0)
        w = r->rin * smooth_integral((x - a) / r->rin);
    else if (x <= r->c1)
        w = r->rin / 2 + (x - r->c0);
    else if (x < r->c1 + r->rout)
        w = r->rin / 2 + (r->c1 - r->c0) +
            r->rout * (0.5 - smooth_integral(1 - (x - r->c1) / r->rout));
    else
        w = r->rin / 2 + (r->c1 - r->c0) + r->rout / 2;
    return (r->k - 1) * w;
}

/* The slow-down factor at x (dtau/dx). */
static double region_speed(const region *r, double x)
{
    double a = r->c0 - r->rin;

    if (x <= a || x >= r->c1 + r->rout)
        return 1;
    if (x < r->c0)
        return 1 + (r->k - 1) * smooth((x - a) / r->rin);
    if (x <= r->c1)
        return r->k;
    return 1 + (r->k - 1) * smooth(1 - (x - r->c1) / r->rout);
}

/* The original position x whose warped position is tau (regions sorted, disjoint). */
static double unwarp(const region *rs, size_t n, double tau, double last)
{
    size_t i;
    double lo, hi, x;
    int it;

    for (i = 0; i < n; i++) {
        const region *r = &rs[i];
        double start = r->c0 - r->rin, end = r->c1 + r->rout;
        if (tau <= start + r->before)
            return tau - r->before; /* before this region: shifted by whole samples */
        if (tau < end + r->before + r->added) {
            /* Inside: Newton on tau(x) = x + before + added_r(x), kept in its bracket. */
            lo = start;
            hi = end;
            x = tau - r->before - r->added / 2;
            for (it = 0; it < 60; it++) {
                double g = x + r->before + region_added(r, x) - tau;
                if (fabs(g) < 1e-12)
                    break;
                if (g > 0)
                    hi = x;
                else
                    lo = x;
                x -= g / region_speed(r, x);
                if (!(x > lo && x < hi))
                    x = (lo + hi) / 2;
            }
            return x;
        }
    }
    x = n ? tau - rs[n - 1].before - rs[n - 1].added : tau;
    return x > last ? last : x;
}

/* The stretches to slow: frames with a ratio above 1, with transitions around them, merged when
 * they would touch. */
static int find_regions(region **out, size_t *count, const double *ratio, uint32_t F, double rate)
{
    double ramp = fmax(2, ceil(RAMP_TIME * rate)), last = F - 1, before = 0;
    region *rs = NULL;
    size_t n = 0, cap = 0;
    uint32_t f = 0;

    while (f < F) {
        region r;
        uint32_t g;
        double peak = 0;

        if (ratio[f] <= 1) {
            f++;
            continue;
        }
        for (g = f; g < F && ratio[g] > 1; g++)
            peak = fmax(peak, ratio[g]);
        r.c0 = fmax(0, f - 0.5);
        r.c1 = fmin(last, (g - 1) + 0.5);
        r.k = fmin(peak * HEADROOM, MAX_FACTOR);
        /* Touching the previous one (transitions overlap): one region with the larger factor. */
        if (n && rs[n - 1].c1 + 2 * ramp >= r.c0) {
            rs[n - 1].c1 = r.c1;
            rs[n - 1].k = fmax(rs[n - 1].k, r.k);
        } else {
            if (n == cap) {
                region *more = realloc(rs, (cap = cap ? cap * 2 : 8) * sizeof(*rs));
                if (!more) {
                    free(rs);
                    return mpk__error(MPK_ENOMEM, "retime: out of memory");
                }
                rs = more;
            }
            rs[n++] = r;
        }
        f = g;
    }
    /* Transitions (cut at the ends of the track), and factors that add whole samples. */
    for (size_t i = 0; i < n; i++) {
        region *r = &rs[i];
        double span;
        r->rin = fmin(ramp, r->c0);
        r->rout = fmin(ramp, last - r->c1);
        span = r->c1 - r->c0 + (r->rin + r->rout) / 2;
        r->added = ceil((r->k - 1) * span - 1e-9);
        r->k = 1 + r->added / span;
        r->before = before;
        before += r->added;
    }
    *out = rs;
    *count = n;
    return MPK_OK;
}

/* Samples t again along the warp. */
static int warp(mpk_track **out, const mpk_track *t, const region *rs, size_t n)
{
    const char *names[MPK_TRACK_MAX_JOINTS];
    uint32_t F = mpk_track_frame_count(t), G, i;
    int J = mpk_track_joint_count(t), j, c;
    unsigned flags = mpk_track_flags_get(t);
    double rate = mpk_track_rate(t), *y = NULL, *m = NULL, *scratch = NULL, total = 0;
    size_t width = (size_t)J + ((flags & MPK_TRACK_ROOT) ? 3 : 0);
    const float *root = mpk_track_root_const(t);
    mpk_track *w = NULL;
    int error = MPK_OK;

    for (size_t r = 0; r < n; r++)
        total += rs[r].added;
    if ((double)F + total > MPK_TRACK_MAX_FRAMES || ((double)F + total) * J > MPK_TRACK_MAX_SAMPLES)
        return mpk__error(MPK_ELIMIT, "retime: %.0f frames would exceed the track limits",
                          F + total);
    G = F + (uint32_t)total;
    for (j = 0; j < J; j++)
        names[j] = mpk_track_joint_name(t, j);
    error = mpk_track_new(&w, mpk_track_robot(t), J, names, rate, G, flags);
    if (error)
        return error;
    /* Every position column (and the root's x y z) through a natural spline. */
    y = malloc((size_t)F * width * sizeof(*y));
    m = malloc((size_t)F * width * sizeof(*m));
    scratch = malloc(2 * (size_t)F * sizeof(*scratch));
    if (!y || !m || !scratch) {
        error = mpk__error(MPK_ENOMEM, "retime: out of memory");
        goto out;
    }
    for (i = 0; i < F; i++) {
        for (j = 0; j < J; j++)
            y[(size_t)i * width + j] = mpk_track_positions_const(t)[(size_t)i * J + j];
        for (c = 0; root && c < 3; c++)
            y[(size_t)i * width + J + c] = root[(size_t)i * 7 + c];
    }
    mpk__spline_natural(m, y, width, width, F, scratch);
    if (flags & MPK_TRACK_GAINS) {
        memcpy(mpk_track_kp(w), mpk_track_kp_const(t), (size_t)J * sizeof(float));
        memcpy(mpk_track_kd(w), mpk_track_kd_const(t), (size_t)J * sizeof(float));
    }
    for (i = 0; i < G; i++) {
        double x = unwarp(rs, n, (double)i, (double)(F - 1)), speed = 1, d;
        float *pos = mpk_track_positions(w) + (size_t)i * J;

        for (size_t r = 0; r < n; r++)
            speed *= region_speed(&rs[r], x);
        for (j = 0; j < J; j++) {
            pos[j] = (float)mpk__spline_eval(y + j, m + j, width, F, x, &d);
            if (flags & MPK_TRACK_VELOCITIES)
                mpk_track_velocities(w)[(size_t)i * J + j] = (float)(d * rate / speed);
        }
        if (root) {
            float *r = mpk_track_root(w) + (size_t)i * 7;
            uint32_t k = x >= F - 1 ? F - 2 : (uint32_t)x;
            double u = x - k, q[4], dot = 0, len = 0;
            const float *a = root + (size_t)k * 7 + 3, *b = a + 7;

            for (c = 0; c < 3; c++)
                r[c] = (float)mpk__spline_eval(y + J + c, m + J + c, width, F, x, NULL);
            /* The orientations of neighbouring frames are close: normalised lerp suffices. */
            for (c = 0; c < 4; c++)
                dot += (double)a[c] * b[c];
            for (c = 0; c < 4; c++) {
                q[c] = (1 - u) * a[c] + u * (dot < 0 ? -b[c] : b[c]);
                len += q[c] * q[c];
            }
            for (c = 0; c < 4; c++)
                r[3 + c] = (float)(q[c] / sqrt(len));
        }
    }
    *out = w;
    w = NULL;
out:
    mpk_track_free(w);
    free(y);
    free(m);
    free(scratch);
    return error;
}

int mpk_track_retime(mpk_track **out, double *added, const mpk_track *track,
                     const mpk_robot_model *model, const mpk_validate_options *o)
{
    mpk_validate_options defaults;
    mpk_track *cur = NULL, *next = NULL;
    double *ratio = NULL;
    region *rs = NULL;
    size_t n = 0;
    int pass, error;

    if (!out || !added || !track || !model)
        return mpk__error(MPK_EINVAL, "mpk_track_retime: NULL argument");
    error = check_args(&o, &defaults);
    if (!error && strcmp(mpk_track_robot(track), model->id) != 0)
        error = mpk__error(MPK_EINVAL, "retime: the track is for '%s', not '%s'",
                           mpk_track_robot(track), model->id);
    if (!error)
        error = mpk_track_clone(&cur, track);
    for (pass = 0; !error; pass++) {
        error = frame_ratios(&ratio, cur, model, o);
        if (!error)
            error = find_regions(&rs, &n, ratio, mpk_track_frame_count(cur), mpk_track_rate(cur));
        free(ratio);
        ratio = NULL;
        if (error || n == 0)
            break;
        if (pass == MAX_PASSES) {
            error = mpk__error(MPK_EVALIDATE, "retime: still too fast after %d passes", pass);
            break;
        }
        error = warp(&next, cur, rs, n);
        free(rs);
        rs = NULL;
        mpk_track_free(cur);
        cur = next;
        next = NULL;
    }
    free(rs);
    if (error) {
        mpk_track_free(cur);
        return error;
    }
    *added = mpk_track_duration(cur) - mpk_track_duration(track);
    *out = cur;
    return MPK_OK;
}
