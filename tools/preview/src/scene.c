/* Drawing of the 3D view with SDL_RenderGeometry: every shape is a triangle list in screen space,
 * projected with the orbit camera and sorted back to front (painter's algorithm). */
#include "scene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "palette.h"

typedef struct preview_prim {
    double depth;
    size_t first, count; /* vertices in scene->tmp */
} preview_prim;

#define COORD_MAX          16384.0f /* far-off vertices are clamped so the rasteriser stays in range */
#define DOT_SCALE          1.45     /* joint dot radius relative to the link radius */
#define SELECTED_DOT_SCALE 2.0
#define MAX_PATH_POINTS    512  /* root trajectory points drawn */
#define FOG_MAX            0.25 /* far geometry is mixed this much towards the background */

double preview_scene_link_radius(const mpk_robot_model *model)
{
    double h = model->stand_height > 0 ? model->stand_height : 0.7;
    return pv_clamp(0.032 * h, 0.010, 0.040);
}

static int reserve(void **buf, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 256;
    void *p;

    if (need <= *cap)
        return MPK_OK;
    while (n < need)
        n *= 2;
    p = realloc(*buf, n * elem);
    if (!p)
        return preview_fail(MPK_ENOMEM, "out of memory for the 3D view");
    *buf = p;
    *cap = n;
    return MPK_OK;
}

static float clampf(double v)
{
    return (float)(v < -COORD_MAX ? -COORD_MAX : v > COORD_MAX ? COORD_MAX : v);
}

static int emit(preview_scene *s, double x, double y, SDL_Color c)
{
    SDL_Vertex *v;

    if (reserve((void **)&s->tmp, &s->tmp_cap, s->tmp_count + 1, sizeof(*s->tmp)) != MPK_OK)
        return MPK_ENOMEM;
    v = &s->tmp[s->tmp_count++];
    v->position.x = clampf(x);
    v->position.y = clampf(y);
    v->color = c;
    v->tex_coord.x = v->tex_coord.y = 0;
    return MPK_OK;
}

static int tri(preview_scene *s, double ax, double ay, double bx, double by, double cx, double cy,
               SDL_Color c)
{
    if (emit(s, ax, ay, c) || emit(s, bx, by, c) || emit(s, cx, cy, c))
        return MPK_ENOMEM;
    return MPK_OK;
}

static int disc(preview_scene *s, double x, double y, double r, SDL_Color c)
{
    int n = (int)pv_clamp(r * 0.8, 8, 28), i;
    double a0 = 0, a1;

    for (i = 0; i < n; i++) {
        a1 = 2.0 * M_PI * (i + 1) / n;
        if (tri(s, x, y, x + r * cos(a0), y + r * sin(a0), x + r * cos(a1), y + r * sin(a1), c))
            return MPK_ENOMEM;
        a0 = a1;
    }
    return MPK_OK;
}

/* A band from a (half-width ra) to b (half-width rb), offset sideways by shift pixels. */
static int band(preview_scene *s, double ax, double ay, double ra, double bx, double by, double rb,
                double shift, SDL_Color c)
{
    double dx = bx - ax, dy = by - ay, l = sqrt(dx * dx + dy * dy), nx, ny;

    if (l < 1e-6)
        return MPK_OK;
    nx = -dy / l;
    ny = dx / l;
    /* Keep the normal pointing up the screen, so highlights sit on the lit (upper) side. */
    if (ny > 0) {
        nx = -nx;
        ny = -ny;
    }
    ax += nx * shift * ra;
    ay += ny * shift * ra;
    bx += nx * shift * rb;
    by += ny * shift * rb;
    if (tri(s, ax + nx * ra, ay + ny * ra, ax - nx * ra, ay - ny * ra, bx + nx * rb, by + ny * rb,
            c) ||
        tri(s, bx + nx * rb, by + ny * rb, ax - nx * ra, ay - ny * ra, bx - nx * rb, by - ny * rb,
            c))
        return MPK_ENOMEM;
    return MPK_OK;
}

static int capsule(preview_scene *s, double ax, double ay, double ra, double bx, double by,
                   double rb, SDL_Color c, SDL_Color hi)
{
    if (band(s, ax, ay, ra, bx, by, rb, 0.0, c) || disc(s, ax, ay, ra, c) || disc(s, bx, by, rb, c))
        return MPK_ENOMEM;
    if (hi.a && band(s, ax, ay, 0.22 * ra, bx, by, 0.22 * rb, 2.0, hi))
        return MPK_ENOMEM;
    return MPK_OK;
}

static int begin_prim(preview_scene *s, double depth)
{
    preview_prim *p;

    if (reserve((void **)&s->prims, &s->prim_cap, s->prim_count + 1, sizeof(*s->prims)) != MPK_OK)
        return MPK_ENOMEM;
    p = &s->prims[s->prim_count++];
    p->depth = depth;
    p->first = s->tmp_count;
    p->count = 0;
    return MPK_OK;
}

static void end_prim(preview_scene *s)
{
    preview_prim *p = &s->prims[s->prim_count - 1];
    p->count = s->tmp_count - p->first;
}

static int by_depth_desc(const void *a, const void *b)
{
    double da = ((const preview_prim *)a)->depth, db = ((const preview_prim *)b)->depth;
    return da < db ? 1 : da > db ? -1 : 0;
}

/* Sorts the primitives back to front, draws them in one call and empties the buffers. */
static int flush(preview_scene *s, SDL_Renderer *r)
{
    size_t i;
    int rc = MPK_OK;

    qsort(s->prims, s->prim_count, sizeof(*s->prims), by_depth_desc);
    if (reserve((void **)&s->verts, &s->vert_cap, s->tmp_count, sizeof(*s->verts)) != MPK_OK)
        return MPK_ENOMEM;
    s->vert_count = 0;
    for (i = 0; i < s->prim_count; i++) {
        memcpy(s->verts + s->vert_count, s->tmp + s->prims[i].first,
               s->prims[i].count * sizeof(*s->verts));
        s->vert_count += s->prims[i].count;
    }
    if (s->vert_count > 0 && SDL_RenderGeometry(r, NULL, s->verts, (int)s->vert_count, NULL, 0))
        rc = preview_fail(MPK_ERROR, "drawing the 3D view: %s", SDL_GetError());
    s->prim_count = 0;
    s->tmp_count = 0;
    return rc;
}

static SDL_Color mix(SDL_Color a, SDL_Color b, double t)
{
    SDL_Color c;
    c.r = (Uint8)(a.r + (b.r - a.r) * t);
    c.g = (Uint8)(a.g + (b.g - a.g) * t);
    c.b = (Uint8)(a.b + (b.b - a.b) * t);
    c.a = a.a;
    return c;
}

/* Clips the camera-space segment a-b to the near plane; false when wholly behind it. */
static bool clip_near(preview_vec3 *a, preview_vec3 *b)
{
    double n = PREVIEW_CAMERA_NEAR * 1.01;

    if (a->z < n && b->z < n)
        return false;
    if (a->z < n)
        *a = pv3_lerp(*a, *b, (n - a->z) / (b->z - a->z));
    else if (b->z < n)
        *b = pv3_lerp(*b, *a, (n - b->z) / (a->z - b->z));
    return true;
}

static void line3(SDL_Renderer *r, const preview_view *v, preview_vec3 a, preview_vec3 b)
{
    preview_vec3 ca = preview_view_to_camera(v, a), cb = preview_view_to_camera(v, b);
    double ax, ay, bx, by;

    if (!clip_near(&ca, &cb))
        return;
    preview_view_project_camera(v, ca, &ax, &ay);
    preview_view_project_camera(v, cb, &bx, &by);
    SDL_RenderDrawLineF(r, clampf(ax), clampf(ay), clampf(bx), clampf(by));
}

/* A vertical gradient as horizontal bands of solid fills: one colour level per band looks smooth,
 * and solid fills are the software renderer's fastest operation (interpolated colours are not). */
static void draw_background(SDL_Renderer *r, const preview_view *v)
{
    SDL_Color top = PV_BACKGROUND_TOP, bottom = PV_BACKGROUND_BOTTOM;
    int bands = (int)pv_clamp(v->h / 4, 1, 48), i;

    for (i = 0; i < bands; i++) {
        SDL_Color c = mix(top, bottom, (double)i / (bands > 1 ? bands - 1 : 1));
        int y0 = (int)(v->y0 + v->h * i / bands), y1 = (int)(v->y0 + v->h * (i + 1) / bands);
        SDL_Rect band = {(int)v->x0, y0, (int)v->w, y1 - y0};
        SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
        SDL_RenderFillRect(r, &band);
    }
}

static void draw_grid(SDL_Renderer *r, const preview_view *v, const preview_pose *pose)
{
    double spacing = pose->model->stand_height > 0.6 ? 0.5 : 0.25;
    int half = 10, i;
    double cx = floor(pose->root[0] / spacing + 0.5) * spacing;
    double cy = floor(pose->root[1] / spacing + 0.5) * spacing;
    double ext = half * spacing;
    SDL_Color g = PV_GRID, axis = PV_GRID_AXIS;

    for (i = -half; i <= half; i++) {
        double x = cx + i * spacing, y = cy + i * spacing;
        SDL_Color c = fabs(x) < 1e-9 ? axis : g;
        SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
        line3(r, v, pv3(x, cy - ext, 0), pv3(x, cy + ext, 0));
        c = fabs(y) < 1e-9 ? axis : g;
        SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
        line3(r, v, pv3(cx - ext, y, 0), pv3(cx + ext, y, 0));
    }
}

static int draw_trajectory(preview_scene *s, SDL_Renderer *r, const preview_view *v,
                           const preview_motion *m)
{
    const float *root = mpk_track_root_const(m->track);
    uint32_t frames = mpk_track_frame_count(m->track), step, f;
    SDL_Color c = PV_TRAJECTORY;
    int n = 0;

    if (!root || frames < 2)
        return MPK_OK;
    step = frames / MAX_PATH_POINTS + 1;
    if (reserve((void **)&s->path, &s->path_cap, MAX_PATH_POINTS + 2, sizeof(*s->path)) != MPK_OK)
        return MPK_ENOMEM;
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
    for (f = 0;; f += step) {
        double sx, sy;
        const float *p;
        if (f >= frames)
            f = frames - 1;
        p = root + (size_t)f * 7;
        if (preview_view_project(v, pv3(p[0], p[1], 0.002), &sx, &sy, NULL)) {
            s->path[n].x = clampf(sx);
            s->path[n].y = clampf(sy);
            n++;
        } else if (n > 0) {
            if (n > 1)
                SDL_RenderDrawLinesF(r, s->path, n);
            n = 0;
        }
        if (f == frames - 1)
            break;
    }
    if (n > 1)
        SDL_RenderDrawLinesF(r, s->path, n);
    return MPK_OK;
}

static preview_vec3 link_pos(const preview_pose *pose, int i)
{
    const double *p = pose->pos + 3 * (size_t)i;
    return pv3(p[0], p[1], p[2]);
}

/* Screen-space capsule for the world segment a-b of world radius rad; false if not visible. */
static bool project_segment(const preview_view *v, preview_vec3 a, preview_vec3 b, double rad,
                            double seg[6], double *depth)
{
    preview_vec3 ca = preview_view_to_camera(v, a), cb = preview_view_to_camera(v, b);

    if (!clip_near(&ca, &cb))
        return false;
    preview_view_project_camera(v, ca, &seg[0], &seg[1]);
    preview_view_project_camera(v, cb, &seg[3], &seg[4]);
    seg[2] = rad * preview_view_scale(v, ca.z);
    seg[5] = rad * preview_view_scale(v, cb.z);
    /* Sorted by the far end: a capsule then never covers the joint dots at its ends (a dot sorts
     * just in front of its own depth), which averaging the ends would do on long links. */
    *depth = ca.z > cb.z ? ca.z : cb.z;
    return true;
}

/* Whether link i ends a drawn segment, and where that segment starts. */
static bool segment_of(const preview_scene *s, const mpk_robot_model *m, int i, int *from)
{
    int p = m->links[i].parent;

    if (s->structural[i]) {
        *from = p;
        return true;
    }
    while (p > 0 && !s->structural[p])
        p = m->links[p].parent;
    *from = p;
    return s->tip[p] == i;
}

static int draw_shadows(preview_scene *s, SDL_Renderer *r, const preview_view *v,
                        const preview_pose *pose, double rad)
{
    const mpk_robot_model *m = pose->model;
    SDL_Color c = PV_SHADOW, none = {0, 0, 0, 0};
    int i;

    for (i = 1; i < m->link_count; i++) {
        preview_vec3 a, b;
        double seg[6], depth;
        int p;
        if (!segment_of(s, m, i, &p))
            continue;
        a = link_pos(pose, p);
        b = link_pos(pose, i);
        a.z = b.z = 0.001;
        if (!project_segment(v, a, b, rad, seg, &depth))
            continue;
        if (capsule(s, seg[0], seg[1], seg[2], seg[3], seg[4], seg[5], c, none))
            return MPK_ENOMEM;
    }
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    if (s->tmp_count > 0 && SDL_RenderGeometry(r, NULL, s->tmp, (int)s->tmp_count, NULL, 0))
        return preview_fail(MPK_ERROR, "drawing shadows: %s", SDL_GetError());
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    s->tmp_count = 0;
    return MPK_OK;
}

/* The skeleton is drawn from the links that matter for motion: every link moved by a joint, every
 * link on the way to one, and per link one segment to its farthest fixed-only descendant (a hand,
 * a foot, the head's sensors). The URDFs' other fixed links (IMUs, rotors, cameras next to each
 * other) would draw as a bundle of stubs. */
static int skeleton_plan(preview_scene *s, const mpk_robot_model *m)
{
    double *zero = NULL, *best = NULL;
    int i, err = MPK_OK;

    if (s->plan_model == m)
        return MPK_OK;
    free(s->structural);
    free(s->tip);
    s->plan_model = NULL;
    s->structural = calloc((size_t)m->link_count, 1);
    s->tip = malloc((size_t)m->link_count * sizeof(*s->tip));
    zero = calloc((size_t)m->link_count * 3, sizeof(*zero));
    best = calloc((size_t)m->link_count, sizeof(*best));
    if (!s->structural || !s->tip || !zero || !best) {
        err = preview_fail(MPK_ENOMEM, "out of memory for the 3D view");
        goto out;
    }
    if ((err = mpk_robot_fk(zero, NULL, m, NULL, NULL)) != MPK_OK) {
        err = preview_fail_mpk(err, "forward kinematics of %s", m->id);
        goto out;
    }
    s->structural[0] = 1;
    for (i = m->link_count - 1; i > 0; i--) {
        if (m->links[i].joint_index >= 0)
            s->structural[i] = 1;
        if (s->structural[i])
            s->structural[m->links[i].parent] = 1;
    }
    for (i = 0; i < m->link_count; i++)
        s->tip[i] = -1;
    for (i = 1; i < m->link_count; i++) {
        int p = m->links[i].parent;
        double d;
        if (s->structural[i])
            continue;
        while (p > 0 && !s->structural[p])
            p = m->links[p].parent;
        d = pv3_len(pv3_sub(pv3(zero[3 * i], zero[3 * i + 1], zero[3 * i + 2]),
                            pv3(zero[3 * p], zero[3 * p + 1], zero[3 * p + 2])));
        if (d > 0.01 && d > best[p]) {
            best[p] = d;
            s->tip[p] = i;
        }
    }
    s->plan_model = m;
out:
    free(zero);
    free(best);
    return err;
}

static SDL_Color status_colour(preview_limit st, bool highlight)
{
    if (st == PREVIEW_LIMIT_OVER)
        return highlight ? PV_OVER_HIGHLIGHT : PV_OVER;
    if (st == PREVIEW_LIMIT_NEAR)
        return highlight ? PV_NEAR_HIGHLIGHT : PV_NEAR;
    return highlight ? PV_LINK_HIGHLIGHT : PV_LINK;
}

/* Farther geometry fades a little towards the background: a cheap depth cue. */
static double fog(const preview_view *v, double depth, double target_depth)
{
    return pv_clamp((depth - target_depth) / (3.0 * target_depth + 1e-9), 0.0, FOG_MAX);
}

static int draw_robot(preview_scene *s, SDL_Renderer *r, const preview_view *v,
                      const preview_pose *pose, const preview_scene_opts *opts, double rad)
{
    const mpk_robot_model *m = pose->model;
    SDL_Color bg = PV_BACKGROUND_BOTTOM;
    double target_depth = pv3_dot(pv3_sub(link_pos(pose, 0), v->eye), v->forward);
    int i;

    for (i = 1; i < m->link_count; i++) {
        int p;
        double seg[6], depth, f;
        preview_limit st;
        if (!segment_of(s, m, i, &p))
            continue;
        st = pose->link_status[p];
        if (pv3_len(pv3_sub(link_pos(pose, i), link_pos(pose, p))) < 1e-4)
            continue;
        if (!project_segment(v, link_pos(pose, p), link_pos(pose, i), rad, seg, &depth))
            continue;
        f = fog(v, depth, target_depth);
        if (begin_prim(s, depth) ||
            capsule(s, seg[0], seg[1], seg[2], seg[3], seg[4], seg[5],
                    mix(status_colour(st, false), bg, f), mix(status_colour(st, true), bg, f)))
            return MPK_ENOMEM;
        end_prim(s);
    }
    for (i = 0; i < m->joint_count; i++) {
        int l = m->joints[i].link;
        double sx, sy, depth, rd, f;
        bool sel = i == opts->highlight_joint;
        preview_limit st = pose->joint_status[i];
        SDL_Color fill = st == PREVIEW_LIMIT_OVER   ? PV_OVER
                         : st == PREVIEW_LIMIT_NEAR ? PV_NEAR
                         : sel                      ? PV_SELECTED
                                                    : PV_JOINT;
        if (l < 0 || l >= m->link_count ||
            !preview_view_project(v, link_pos(pose, l), &sx, &sy, &depth))
            continue;
        rd = rad * (sel ? SELECTED_DOT_SCALE : DOT_SCALE);
        f = fog(v, depth, target_depth);
        /* In front of the capsules that meet at this joint. */
        if (begin_prim(s, depth - 1e-6))
            return MPK_ENOMEM;
        rd *= preview_view_scale(v, depth);
        if (disc(s, sx, sy, rd, mix(PV_JOINT_RIM, bg, f)) ||
            disc(s, sx, sy, rd * 0.7, mix(fill, bg, f)))
            return MPK_ENOMEM;
        end_prim(s);
    }
    return flush(s, r);
}

int preview_scene_draw(preview_scene *s, SDL_Renderer *r, const preview_view *v,
                       const preview_pose *pose, const preview_motion *motion,
                       const preview_scene_opts *opts)
{
    SDL_Rect clip = {(int)v->x0, (int)v->y0, (int)v->w, (int)v->h};
    double rad = preview_scene_link_radius(pose->model);
    int err;

    s->tmp_count = 0;
    s->prim_count = 0;
    if ((err = skeleton_plan(s, pose->model)) != MPK_OK)
        return err;
    SDL_RenderSetClipRect(r, &clip);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    draw_background(r, v);
    draw_grid(r, v, pose);
    if (motion && opts->show_trajectory && (err = draw_trajectory(s, r, v, motion)) != MPK_OK)
        goto out;
    if (opts->show_shadow && (err = draw_shadows(s, r, v, pose, rad)) != MPK_OK)
        goto out;
    err = draw_robot(s, r, v, pose, opts, rad);
out:
    SDL_RenderSetClipRect(r, NULL);
    return err;
}

void preview_scene_bounds(const preview_pose *pose, preview_vec3 *lo, preview_vec3 *hi)
{
    const mpk_robot_model *m = pose->model;
    double rad = preview_scene_link_radius(m) * DOT_SCALE;
    int i;

    *lo = *hi = pv3(pose->root[0], pose->root[1], 0.0);
    for (i = 0; i < m->link_count; i++) {
        preview_vec3 p = link_pos(pose, i);
        lo->x = fmin(lo->x, p.x - rad);
        lo->y = fmin(lo->y, p.y - rad);
        lo->z = fmin(lo->z, p.z - rad);
        hi->x = fmax(hi->x, p.x + rad);
        hi->y = fmax(hi->y, p.y + rad);
        hi->z = fmax(hi->z, p.z + rad);
    }
}

void preview_scene_free(preview_scene *s)
{
    if (!s)
        return;
    free(s->verts);
    free(s->tmp);
    free(s->prims);
    free(s->path);
    free(s->structural);
    free(s->tip);
    memset(s, 0, sizeof(*s));
}
