/* The orbit camera of the 3D view: it looks at a target point from a yaw, a pitch and a distance,
 * with a perspective projection. The mouse orbits (yaw/pitch), pans (moves the target in the view
 * plane) and zooms (distance). */
#ifndef PREVIEW_CAMERA_H
#define PREVIEW_CAMERA_H

#include <stdbool.h>

#include "math3d.h"

#define PREVIEW_CAMERA_NEAR      0.05 /**< metres; nearer points are clipped */
#define PREVIEW_CAMERA_MIN_DIST  0.3  /**< zoom limits, metres */
#define PREVIEW_CAMERA_MAX_DIST  40.0
#define PREVIEW_CAMERA_MIN_PITCH -0.35 /**< radians: a little below the ground... */
#define PREVIEW_CAMERA_MAX_PITCH 1.5   /**< ...to almost straight down */

typedef struct preview_camera {
    preview_vec3 target; /**< the point looked at */
    double yaw;          /**< radians about z; 0 looks from +x towards -x (the robot's front) */
    double pitch;        /**< radians above the ground plane */
    double distance;     /**< metres from target to eye */
    double fov;          /**< vertical field of view, radians */
} preview_camera;

/** A camera set up for a view: eye and basis are derived once per frame from preview_camera. */
typedef struct preview_view {
    preview_vec3 eye, right, up, forward;
    double cx, cy; /**< centre of the viewport in pixels */
    double focal;  /**< pixels per unit of x/z */
    double x0, y0; /**< viewport origin in the target (for UI layouts), pixels */
    double w, h;   /**< viewport size in pixels */
} preview_view;

/** Default camera: front-left of the robot, slightly from above, looking at target. */
void preview_camera_reset(preview_camera *cam, preview_vec3 target, double distance);

/**
 * Points the camera at the centre of the box lo..hi and moves back until the box fits a viewport
 * of aspect w/h, keeping yaw and pitch.
 */
void preview_camera_frame_box(preview_camera *cam, preview_vec3 lo, preview_vec3 hi, double w,
                              double h);

/** Orbit by a mouse drag of dx, dy pixels. */
void preview_camera_orbit(preview_camera *cam, double dx, double dy);

/** Pan by a mouse drag of dx, dy pixels in a viewport of height view_h pixels. */
void preview_camera_pan(preview_camera *cam, double dx, double dy, double view_h);

/** Zoom by wheel clicks (positive: closer). */
void preview_camera_zoom(preview_camera *cam, double clicks);

/** Derives the view for a viewport at x0, y0 of size w x h pixels. */
void preview_camera_view(preview_view *view, const preview_camera *cam, double x0, double y0,
                         double w, double h);

/** World point to camera space: x right, y up, z depth along the view direction. */
preview_vec3 preview_view_to_camera(const preview_view *view, preview_vec3 p);

/**
 * Projects a camera-space point to pixels. @return false if it is nearer than the near plane.
 * @param[out] sx, sy pixel coordinates (window frame, y down)
 */
bool preview_view_project_camera(const preview_view *view, preview_vec3 c, double *sx, double *sy);

/** World point to pixels; false when behind the near plane. */
bool preview_view_project(const preview_view *view, preview_vec3 p, double *sx, double *sy,
                          double *depth);

/** Pixels per metre at a camera-space depth. */
double preview_view_scale(const preview_view *view, double depth);

#endif
