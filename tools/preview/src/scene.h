/* The 3D view: ground grid, the root trajectory, shadows, links as capsules and joints as dots,
 * drawn back to front with SDL_RenderGeometry (one call per layer, fast on the software renderer).
 */
#ifndef PREVIEW_SCENE_H
#define PREVIEW_SCENE_H

#include <SDL.h>
#include <stdbool.h>

#include "camera.h"
#include "pose.h"

/** Scratch buffers reused from frame to frame (no allocation once warm). */
typedef struct preview_scene {
    SDL_Vertex *verts; /**< final, depth-sorted triangle list */
    size_t vert_count, vert_cap;
    SDL_Vertex *tmp; /**< per-primitive vertices before sorting */
    size_t tmp_count, tmp_cap;
    struct preview_prim *prims;
    size_t prim_count, prim_cap;
    SDL_FPoint *path; /**< projected root trajectory */
    size_t path_cap;
    /* Which segments make the skeleton, worked out once per model (see skeleton_plan()). */
    const mpk_robot_model *plan_model;
    unsigned char *structural; /**< link_count: actuated, or on the way to an actuated link */
    int *tip; /**< link_count: farthest fixed-only descendant (hand, foot, head), or -1 */
} preview_scene;

typedef struct preview_scene_opts {
    int highlight_joint; /**< model joint drawn in the selection colour, -1 for none */
    bool show_trajectory;
    bool show_shadow;
} preview_scene_opts;

/** Link radius for a model, metres (scaled with its standing height). */
double preview_scene_link_radius(const mpk_robot_model *model);

/**
 * Draws the scene into the view's viewport (clipped to it): background, grid, trajectory of the
 * motion's root (when it has one), shadows, then the robot of pose.
 * @param motion may be NULL (no trajectory)
 */
int preview_scene_draw(preview_scene *scene, SDL_Renderer *r, const preview_view *view,
                       const preview_pose *pose, const preview_motion *motion,
                       const preview_scene_opts *opts) MPK_WUR;

/**
 * World box the robot of this pose occupies (link positions grown by the link radius; the
 * ground point under the root included).
 */
void preview_scene_bounds(const preview_pose *pose, preview_vec3 *lo, preview_vec3 *hi);

void preview_scene_free(preview_scene *scene);

#endif
