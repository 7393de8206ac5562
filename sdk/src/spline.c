/* Cubic splines: natural splines through uniform samples (imports, retiming) and clamped
 * splines through keyframes, both solved with the tridiagonal (Thomas) algorithm, which is
 * stable here because the systems are diagonally dominant. */
#include "spline.h"

void mpk__spline_natural(double *m, const double *y, size_t stride, size_t cols, size_t n,
                         double *scratch)
{
    double *c = scratch, *winv = scratch + n;
    size_t i, k;

    for (i = 0; i < n; i++)
        for (k = 0; k < cols; k++)
            m[i * stride + k] = 0;
    if (n < 3)
        return;
    /* Rows 1..n-2: m[i-1] + 4 m[i] + m[i+1] = 6 (y[i+1] - 2 y[i] + y[i-1]), m[0] = m[n-1] = 0.
     * Forward sweep: c[i] is the modified super-diagonal, m[i] the modified right side. */
    c[0] = 0;
    for (i = 1; i < n - 1; i++) {
        winv[i] = 1 / (4 - c[i - 1]);
        c[i] = winv[i];
    }
    for (i = 1; i < n - 1; i++) {
        const double *ya = y + (i - 1) * stride, *yb = ya + stride, *yc = yb + stride;
        const double *prev = m + (i - 1) * stride;
        double *row = m + i * stride;
        for (k = 0; k < cols; k++)
            row[k] = (6 * (yc[k] - 2 * yb[k] + ya[k]) - prev[k]) * winv[i];
    }
    for (i = n - 2; i > 0; i--) {
        const double *next = m + (i + 1) * stride;
        double *row = m + i * stride;
        for (k = 0; k < cols; k++)
            row[k] -= c[i] * next[k];
    }
}

double mpk__spline_eval(const double *y, const double *m, size_t stride, size_t n, double x,
                        double *dy)
{
    double u, v, y0, y1, m0, m1;
    size_t i;

    if (n < 2 || !(x > 0)) {
        if (dy)
            *dy = n < 2 ? 0 : (y[stride] - y[0]) - (2 * m[0] + m[stride]) / 6;
        return y[0];
    }
    if (x >= (double)(n - 1)) {
        i = n - 2;
        u = 1;
    } else {
        i = (size_t)x;
        u = x - (double)i;
    }
    v = 1 - u;
    y0 = y[i * stride];
    y1 = y[(i + 1) * stride];
    m0 = m[i * stride];
    m1 = m[(i + 1) * stride];
    if (dy)
        *dy = (y1 - y0) + ((1 - 3 * v * v) * m0 + (3 * u * u - 1) * m1) / 6;
    if (u == 0)
        return y0;
    if (u == 1)
        return y1;
    return v * y0 + u * y1 + ((v * v * v - v) * m0 + (u * u * u - u) * m1) / 6;
}

void mpk__spline_clamped_slopes(double *s, const double *t, const double *y, size_t n,
                                double slope0, double slope1, double *scratch)
{
    double *c = scratch, *d = scratch + n;
    size_t i;

    if (n == 0)
        return;
    s[0] = slope0;
    s[n - 1] = slope1;
    if (n < 3)
        return;
    /* Interior knot i (h before, k after, slopes of the chords a and b):
     *   k s[i-1] + 2 (h + k) s[i] + h s[i+1] = 3 (k a + h b)
     * which makes the second derivative continuous across the knot. */
    c[0] = 0;
    d[0] = slope0;
    for (i = 1; i < n - 1; i++) {
        double h = t[i] - t[i - 1], k = t[i + 1] - t[i];
        double a = (y[i] - y[i - 1]) / h, b = (y[i + 1] - y[i]) / k;
        double lower = k, diag = 2 * (h + k), upper = h, rhs = 3 * (k * a + h * b);
        double w;

        if (i == n - 2) {
            rhs -= upper * slope1;
            upper = 0;
        }
        if (i == 1) {
            rhs -= lower * slope0;
            lower = 0;
        }
        w = diag - lower * c[i - 1];
        c[i] = upper / w;
        d[i] = (rhs - lower * d[i - 1]) / w;
    }
    for (i = n - 2; i > 0; i--)
        s[i] = d[i] - c[i] * (i + 1 < n - 1 ? s[i + 1] : 0);
}

double mpk__hermite(double p0, double p1, double m0, double m1, double h, double u, double *d)
{
    double u2 = u * u, u3 = u2 * u;
    double h00 = 2 * u3 - 3 * u2 + 1, h10 = u3 - 2 * u2 + u, h01 = -2 * u3 + 3 * u2, h11 = u3 - u2;

    if (d)
        *d = (6 * u2 - 6 * u) * p0 + (3 * u2 - 4 * u + 1) * h * m0 + (-6 * u2 + 6 * u) * p1 +
             (3 * u2 - 2 * u) * h * m1;
    if (u == 0)
        return p0;
    if (u == 1)
        return p1;
    return h00 * p0 + h10 * h * m0 + h01 * p1 + h11 * h * m1;
}
