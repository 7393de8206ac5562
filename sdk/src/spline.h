/* Cubic splines shared by the keyframe sampler, the Unitree CSV import and retiming. */
#ifndef MPK_SPLINE_H
#define MPK_SPLINE_H

#include <stddef.h>

/**
 * Natural cubic splines (C2, zero curvature at both ends) through n samples spaced one unit
 * apart, for cols neighbouring columns of a row-major table: y[i * stride + c] for i in [0, n),
 * c in [0, cols). Writes the second derivatives to m in the same layout. The elimination
 * coefficients depend on n alone, so they are computed once for all columns (scratch: 2 n
 * doubles). n of 1 or 2 gives zero curvature (a constant or a line).
 */
void mpk__spline_natural(double *m, const double *y, size_t stride, size_t cols, size_t n,
                         double *scratch);

/**
 * The spline at x in [0, n - 1] (clamped), in sample units; *dy (when not NULL) gets the
 * derivative per sample unit. At an integer x the sample itself comes back exactly.
 */
double mpk__spline_eval(const double *y, const double *m, size_t stride, size_t n, double x,
                        double *dy);

/**
 * Clamped cubic spline (C2 inside, given slopes at both ends) through n points (t[i], y[i]) with
 * strictly increasing t: writes the slopes s[0..n-1], s[0] = slope0 and s[n-1] = slope1.
 * scratch holds 2 n doubles.
 */
void mpk__spline_clamped_slopes(double *s, const double *t, const double *y, size_t n,
                                double slope0, double slope1, double *scratch);

/** Cubic Hermite on [0, 1] from p0 (slope h*m0) to p1 (slope h*m1): value and d/du. */
double mpk__hermite(double p0, double p1, double m0, double m1, double h, double u, double *d);

#endif
