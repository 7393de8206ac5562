/* Small vector helpers for the preview's 3D view (world frame: z up, metres). */
#ifndef PREVIEW_MATH3D_H
#define PREVIEW_MATH3D_H

#include <math.h>

typedef struct preview_vec3 {
    double x, y, z;
} preview_vec3;

static inline preview_vec3 pv3(double x, double y, double z)
{
    preview_vec3 v = {x, y, z};
    return v;
}

static inline preview_vec3 pv3_add(preview_vec3 a, preview_vec3 b)
{
    return pv3(a.x + b.x, a.y + b.y, a.z + b.z);
}

static inline preview_vec3 pv3_sub(preview_vec3 a, preview_vec3 b)
{
    return pv3(a.x - b.x, a.y - b.y, a.z - b.z);
}

static inline preview_vec3 pv3_scale(preview_vec3 a, double s)
{
    return pv3(a.x * s, a.y * s, a.z * s);
}

static inline double pv3_dot(preview_vec3 a, preview_vec3 b)
{
    return a.x * b.x + a.y * b.y + a.z * b.z;
}

static inline preview_vec3 pv3_cross(preview_vec3 a, preview_vec3 b)
{
    return pv3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}

static inline double pv3_len(preview_vec3 a)
{
    return sqrt(pv3_dot(a, a));
}

static inline preview_vec3 pv3_norm(preview_vec3 a)
{
    double l = pv3_len(a);
    return l > 1e-12 ? pv3_scale(a, 1.0 / l) : pv3(0, 0, 0);
}

static inline preview_vec3 pv3_lerp(preview_vec3 a, preview_vec3 b, double t)
{
    return pv3(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, a.z + (b.z - a.z) * t);
}

static inline double pv_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

#endif
