/* Orbit camera and perspective projection. */
#include "camera.h"

#include <math.h>

#define DEFAULT_FOV         (45.0 * M_PI / 180.0)
#define ORBIT_RAD_PER_PIXEL 0.008
#define ZOOM_PER_CLICK      0.88

void preview_camera_reset(preview_camera *cam, preview_vec3 target, double distance)
{
    cam->target = target;
    cam->yaw = 0.6; /* front-left: the robot's face and its left side are both visible */
    cam->pitch = 0.22;
    cam->distance = pv_clamp(distance, PREVIEW_CAMERA_MIN_DIST, PREVIEW_CAMERA_MAX_DIST);
    cam->fov = DEFAULT_FOV;
}

void preview_camera_frame_box(preview_camera *cam, preview_vec3 lo, preview_vec3 hi, double w,
                              double h)
{
    preview_vec3 centre = pv3_scale(pv3_add(lo, hi), 0.5);
    double radius = 0.5 * pv3_len(pv3_sub(hi, lo));
    double half_v = cam->fov / 2.0;
    double half_h = atan(tan(half_v) * (h > 0 ? w / h : 1.0));
    double half = half_v < half_h ? half_v : half_h;

    if (radius < 0.05)
        radius = 0.05;
    cam->target = centre;
    /* A sphere of this radius fits the narrower field of view, with a small border. */
    cam->distance =
        pv_clamp(1.08 * radius / sin(half), PREVIEW_CAMERA_MIN_DIST, PREVIEW_CAMERA_MAX_DIST);
}

void preview_camera_orbit(preview_camera *cam, double dx, double dy)
{
    cam->yaw = remainder(cam->yaw - dx * ORBIT_RAD_PER_PIXEL, 2.0 * M_PI);
    cam->pitch = pv_clamp(cam->pitch + dy * ORBIT_RAD_PER_PIXEL, PREVIEW_CAMERA_MIN_PITCH,
                          PREVIEW_CAMERA_MAX_PITCH);
}

void preview_camera_pan(preview_camera *cam, double dx, double dy, double view_h)
{
    preview_view v;
    double metres_per_pixel;

    if (view_h <= 0)
        return;
    preview_camera_view(&v, cam, 0, 0, view_h, view_h);
    /* Drag the world with the mouse: a pixel at the target's depth is this many metres. */
    metres_per_pixel = cam->distance / v.focal;
    cam->target = pv3_add(cam->target, pv3_scale(v.right, -dx * metres_per_pixel));
    cam->target = pv3_add(cam->target, pv3_scale(v.up, dy * metres_per_pixel));
}

void preview_camera_zoom(preview_camera *cam, double clicks)
{
    cam->distance = pv_clamp(cam->distance * pow(ZOOM_PER_CLICK, clicks), PREVIEW_CAMERA_MIN_DIST,
                             PREVIEW_CAMERA_MAX_DIST);
}

void preview_camera_view(preview_view *view, const preview_camera *cam, double x0, double y0,
                         double w, double h)
{
    double cp = cos(cam->pitch), sp = sin(cam->pitch);
    preview_vec3 offset = pv3(cp * cos(cam->yaw), cp * sin(cam->yaw), sp);
    preview_vec3 world_up = pv3(0, 0, 1);

    view->eye = pv3_add(cam->target, pv3_scale(offset, cam->distance));
    view->forward = pv3_scale(offset, -1.0);
    view->right = pv3_norm(pv3_cross(view->forward, world_up));
    view->up = pv3_cross(view->right, view->forward);
    view->x0 = x0;
    view->y0 = y0;
    view->w = w;
    view->h = h;
    view->cx = x0 + w / 2.0;
    view->cy = y0 + h / 2.0;
    view->focal = (h / 2.0) / tan(cam->fov / 2.0);
}

preview_vec3 preview_view_to_camera(const preview_view *view, preview_vec3 p)
{
    preview_vec3 d = pv3_sub(p, view->eye);
    return pv3(pv3_dot(d, view->right), pv3_dot(d, view->up), pv3_dot(d, view->forward));
}

bool preview_view_project_camera(const preview_view *view, preview_vec3 c, double *sx, double *sy)
{
    if (c.z < PREVIEW_CAMERA_NEAR)
        return false;
    *sx = view->cx + view->focal * c.x / c.z;
    *sy = view->cy - view->focal * c.y / c.z;
    return true;
}

bool preview_view_project(const preview_view *view, preview_vec3 p, double *sx, double *sy,
                          double *depth)
{
    preview_vec3 c = preview_view_to_camera(view, p);
    if (depth)
        *depth = c.z;
    return preview_view_project_camera(view, c, sx, sy);
}

double preview_view_scale(const preview_view *view, double depth)
{
    return depth > PREVIEW_CAMERA_NEAR ? view->focal / depth : view->focal / PREVIEW_CAMERA_NEAR;
}
