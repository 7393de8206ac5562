/* State and input handling of the preview application. */
#include "app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ui.h"

#define FONT_POINTS     13
#define LIST_PANEL_MIN  260
#define LIST_PANEL_MAX  300
#define MOTION_ROWS_MAX 6

const preview_motion *preview_app_motion(const preview_app *app)
{
    return &app->source->motions[app->motion];
}

static void invalidate_plot(preview_app *app)
{
    app->plot_joint = -1;
}

int preview_app_init(preview_app *app, preview_source *source, const preview_app_opts *opts)
{
    int idx = 0, err;

    memset(app, 0, sizeof(*app));
    app->source = source;
    app->motion = -1;
    app->ui = opts->ui;
    app->blend_in = !opts->no_blend;
    app->mode = opts->mode;
    app->follow = true;
    app->show_trajectory = true;
    app->font_path = opts->font;
    app->player.speed = 1.0;
    app->plot_joint = -1;
    if (!source || source->motion_count == 0) {
        err = preview_fail(MPK_EINVAL, "nothing to preview: no motion");
        goto fail;
    }
    if (opts->motion) {
        idx = preview_source_find(source, opts->motion);
        if (idx < 0) {
            char names[512] = "";
            size_t i, n = 0;
            for (i = 0; i < source->motion_count && n < sizeof(names) - 1; i++)
                n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
                                      source->motions[i].name);
            err = preview_fail(MPK_ENOTFOUND, "%s: no motion named '%s' (motions: %s)",
                               source->label, opts->motion, names);
            goto fail;
        }
    }
    preview_app_layout(app, 1280, 720);
    if ((err = preview_app_select_motion(app, idx)) != MPK_OK)
        goto fail;
    return MPK_OK;
fail:
    preview_app_free(app);
    return err;
}

void preview_app_frame_camera(preview_app *app)
{
    preview_vec3 lo, hi;

    if (preview_pose_update(&app->pose, &app->eval, app->player.t) != MPK_OK)
        return;
    preview_scene_bounds(&app->pose, &lo, &hi);
    preview_camera_frame_box(&app->camera, lo, hi, app->layout.view.w, app->layout.view.h);
    app->follow_offset = pv3_sub(app->camera.target, pv3(app->pose.root[0], app->pose.root[1], 0));
    app->dirty = true;
}

static void select_joint(preview_app *app, int j);

/* The joint the motion moves most: the most telling one to plot first. */
static int busiest_joint(const preview_motion *m)
{
    const float *p = mpk_track_positions_const(m->track);
    uint32_t frames = mpk_track_frame_count(m->track), f;
    int n = mpk_track_joint_count(m->track), k, best = 0;
    double best_range = -1;

    for (k = 0; k < n; k++) {
        double lo = p[k], hi = p[k];
        for (f = 1; f < frames; f++) {
            double v = p[(size_t)f * (size_t)n + (size_t)k];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (hi - lo > best_range) {
            best_range = hi - lo;
            best = k;
        }
    }
    return m->model_joint[best];
}

int preview_app_select_motion(preview_app *app, int i)
{
    const preview_motion *m;
    bool new_model;
    int err;

    if (i < 0 || (size_t)i >= app->source->motion_count)
        return preview_fail(MPK_EINVAL, "no motion %d", i);
    m = &app->source->motions[i];
    new_model = app->pose.model != m->model;
    if (new_model && (err = preview_pose_init(&app->pose, m->model)) != MPK_OK)
        return err;
    preview_eval_free(&app->eval);
    if ((err = preview_eval_init(&app->eval, m, app->blend_in, app->mode)) != MPK_OK)
        return err;
    app->motion = i;
    preview_player_reset(&app->player, &app->eval);
    if (new_model) {
        app->joint_scroll = 0;
        select_joint(app, busiest_joint(m));
        preview_camera_reset(&app->camera, pv3(0, 0, m->model->stand_height / 2), 3.0);
        preview_app_frame_camera(app);
    }
    invalidate_plot(app);
    app->dirty = true;
    return MPK_OK;
}

int preview_app_set_blend(preview_app *app, bool on)
{
    double t = app->player.t;
    bool playing = app->player.playing;
    int err;

    app->blend_in = on;
    preview_eval_free(&app->eval);
    if ((err = preview_eval_init(&app->eval, preview_app_motion(app), on, app->mode)) != MPK_OK)
        return err;
    preview_player_reset(&app->player, &app->eval);
    preview_player_seek(&app->player, t);
    app->player.playing = playing;
    invalidate_plot(app);
    app->dirty = true;
    return MPK_OK;
}

void preview_app_layout(preview_app *app, int w, int h)
{
    preview_layout *l = &app->layout;
    int line = app->font ? preview_font_height(app->font) : 15;
    int row = line + 3, left, bottom, plot_h, rows;

    memset(l, 0, sizeof(*l));
    app->w = w;
    app->h = h;
    l->row_h = row;
    if (!app->ui) {
        l->view = (SDL_Rect){0, 0, w, h};
        return;
    }
    left = (int)pv_clamp(w * 0.2, LIST_PANEL_MIN, LIST_PANEL_MAX);
    if (left > w / 2)
        left = w / 2;
    l->top = (SDL_Rect){0, 0, w, row + 6};
    l->help = (SDL_Rect){0, h - row - 4, w, row + 4};
    l->buttons = (SDL_Rect){0, l->help.y - 34, left, 34};
    l->timeline = (SDL_Rect){left + 8, l->buttons.y + 5, w - left - 16, 24};
    plot_h = (int)pv_clamp(h * 0.2, 80, 200);
    l->plot = (SDL_Rect){l->timeline.x, l->buttons.y - plot_h, l->timeline.w, plot_h};
    bottom = l->plot.y;
    rows = (int)app->source->motion_count < MOTION_ROWS_MAX ? (int)app->source->motion_count
                                                            : MOTION_ROWS_MAX;
    l->motions = (SDL_Rect){0, l->top.h, left, row * (rows + 1) + 4};
    l->joints =
        (SDL_Rect){0, l->motions.y + l->motions.h, left, bottom - (l->motions.y + l->motions.h)};
    l->view = (SDL_Rect){left, l->top.h, w - left, bottom - l->top.h};
    if (l->view.h < 1)
        l->view.h = 1;
    app->dirty = true;
}

static bool inside(const SDL_Rect *r, int x, int y)
{
    return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

double preview_app_time_at(const preview_app *app, int x)
{
    const SDL_Rect *tl = &app->layout.timeline;
    double u = tl->w > 1 ? (double)(x - tl->x) / (tl->w - 1) : 0;

    if (u >= 1.0)
        return app->player.end; /* exactly, not start + span with its rounding */
    u = pv_clamp(u, 0, 1);
    return app->player.start + u * (app->player.end - app->player.start);
}

int preview_app_x_of_time(const preview_app *app, double t)
{
    const SDL_Rect *tl = &app->layout.timeline;
    double span = app->player.end - app->player.start;
    double u = span > 0 ? (t - app->player.start) / span : 0;
    return tl->x + (int)lround(pv_clamp(u, 0, 1) * (tl->w - 1));
}

SDL_Point preview_app_button_centre(const preview_app *app, preview_button b)
{
    const SDL_Rect *r = &app->layout.buttons;
    int cell = r->w / PREVIEW_BTN_COUNT;
    SDL_Point p = {r->x + cell * (int)b + cell / 2, r->y + r->h / 2};
    return p;
}

static int joint_rows_visible(const preview_app *app)
{
    int n = app->layout.joints.h / app->layout.row_h - 1;
    return n > 0 ? n : 0;
}

static void select_joint(preview_app *app, int j)
{
    int n = app->pose.model->joint_count, vis = joint_rows_visible(app);

    if (n <= 0)
        return;
    app->joint = j < 0 ? 0 : j >= n ? n - 1 : j;
    if (app->joint < app->joint_scroll)
        app->joint_scroll = app->joint;
    if (vis > 0 && app->joint >= app->joint_scroll + vis)
        app->joint_scroll = app->joint - vis + 1;
    invalidate_plot(app);
}

static void scroll_joints(preview_app *app, int delta)
{
    int max = app->pose.model->joint_count - joint_rows_visible(app);
    app->joint_scroll += delta;
    if (app->joint_scroll > max)
        app->joint_scroll = max;
    if (app->joint_scroll < 0)
        app->joint_scroll = 0;
}

static void report(int err)
{
    if (err != MPK_OK)
        fprintf(stderr, "mpk-preview: %s\n", preview_error_message());
}

static void press_button(preview_app *app, preview_button b)
{
    switch (b) {
    case PREVIEW_BTN_START:
        preview_player_seek(&app->player, app->player.start);
        break;
    case PREVIEW_BTN_BACK:
        preview_player_step(&app->player, -1);
        break;
    case PREVIEW_BTN_PLAY:
        preview_player_toggle(&app->player);
        break;
    case PREVIEW_BTN_FORWARD:
        preview_player_step(&app->player, 1);
        break;
    case PREVIEW_BTN_SLOWER:
        preview_player_speed_step(&app->player, -1);
        break;
    case PREVIEW_BTN_FASTER:
        preview_player_speed_step(&app->player, 1);
        break;
    case PREVIEW_BTN_LOOP:
        app->player.loop = !app->player.loop;
        break;
    case PREVIEW_BTN_COUNT:
        break;
    }
}

static void key_down(preview_app *app, const SDL_KeyboardEvent *k)
{
    bool shift = (k->keysym.mod & KMOD_SHIFT) != 0;
    int m = app->motion, n = (int)app->source->motion_count;

    switch (k->keysym.sym) {
    case SDLK_SPACE:
        preview_player_toggle(&app->player);
        break;
    case SDLK_RIGHT:
    case SDLK_PERIOD:
        preview_player_step(&app->player, shift ? 10 : 1);
        break;
    case SDLK_LEFT:
    case SDLK_COMMA:
        preview_player_step(&app->player, shift ? -10 : -1);
        break;
    case SDLK_HOME:
        preview_player_seek(&app->player, app->player.start);
        break;
    case SDLK_END:
        preview_player_seek(&app->player, app->player.end);
        break;
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS:
    case SDLK_RIGHTBRACKET:
        preview_player_speed_step(&app->player, 1);
        break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS:
    case SDLK_LEFTBRACKET:
        preview_player_speed_step(&app->player, -1);
        break;
    case SDLK_1:
    case SDLK_0:
        preview_player_set_speed(&app->player, 1.0);
        break;
    case SDLK_l:
        app->player.loop = !app->player.loop;
        break;
    case SDLK_b:
        report(preview_app_set_blend(app, !app->blend_in));
        break;
    case SDLK_UP:
        select_joint(app, app->joint - 1);
        break;
    case SDLK_DOWN:
        select_joint(app, app->joint + 1);
        break;
    case SDLK_PAGEUP:
        report(preview_app_select_motion(app, (m + n - 1) % n));
        break;
    case SDLK_PAGEDOWN:
    case SDLK_TAB:
        report(preview_app_select_motion(app, shift ? (m + n - 1) % n : (m + 1) % n));
        break;
    case SDLK_r:
        preview_camera_reset(&app->camera, app->camera.target, app->camera.distance);
        preview_app_frame_camera(app);
        break;
    case SDLK_f:
        app->follow = !app->follow;
        break;
    case SDLK_t:
        app->show_trajectory = !app->show_trajectory;
        break;
    case SDLK_h:
    case SDLK_F1:
        app->show_help = !app->show_help;
        break;
    case SDLK_p:
        app->screenshot_requested = true;
        break;
    case SDLK_q:
    case SDLK_ESCAPE:
        app->quit = true;
        break;
    default:
        return;
    }
    app->dirty = true;
}

static void mouse_down(preview_app *app, const SDL_MouseButtonEvent *b)
{
    const preview_layout *l = &app->layout;
    bool shift = (SDL_GetModState() & KMOD_SHIFT) != 0;

    app->drag_x = b->x;
    app->drag_y = b->y;
    if (inside(&l->timeline, b->x, b->y) || inside(&l->plot, b->x, b->y)) {
        app->drag = PREVIEW_DRAG_SCRUB;
        app->drag_was_playing = app->player.playing;
        app->player.playing = false;
        preview_player_seek(&app->player, preview_app_time_at(app, b->x));
    } else if (inside(&l->view, b->x, b->y)) {
        app->drag = b->button == SDL_BUTTON_LEFT && !shift ? PREVIEW_DRAG_ORBIT : PREVIEW_DRAG_PAN;
    } else if (inside(&l->buttons, b->x, b->y)) {
        int cell = l->buttons.w / PREVIEW_BTN_COUNT;
        int i = cell > 0 ? (b->x - l->buttons.x) / cell : 0;
        if (i >= 0 && i < PREVIEW_BTN_COUNT)
            press_button(app, (preview_button)i);
    } else if (inside(&l->motions, b->x, b->y)) {
        int row = (b->y - l->motions.y) / l->row_h - 1;
        if (row >= 0 && row < (int)app->source->motion_count && row != app->motion)
            report(preview_app_select_motion(app, row));
    } else if (inside(&l->joints, b->x, b->y)) {
        int row = (b->y - l->joints.y) / l->row_h - 1;
        if (row >= 0 && app->joint_scroll + row < app->pose.model->joint_count)
            select_joint(app, app->joint_scroll + row);
    }
    app->dirty = true;
}

static void mouse_motion(preview_app *app, const SDL_MouseMotionEvent *m)
{
    int dx = m->x - app->drag_x, dy = m->y - app->drag_y;

    switch (app->drag) {
    case PREVIEW_DRAG_ORBIT:
        preview_camera_orbit(&app->camera, dx, dy);
        break;
    case PREVIEW_DRAG_PAN:
        preview_camera_pan(&app->camera, dx, dy, app->layout.view.h);
        app->follow_offset =
            pv3_sub(app->camera.target, pv3(app->pose.root[0], app->pose.root[1], 0));
        break;
    case PREVIEW_DRAG_SCRUB:
        preview_player_seek(&app->player, preview_app_time_at(app, m->x));
        break;
    case PREVIEW_DRAG_NONE:
        return;
    }
    app->drag_x = m->x;
    app->drag_y = m->y;
    app->dirty = true;
}

static void mouse_up(preview_app *app)
{
    if (app->drag == PREVIEW_DRAG_SCRUB && app->drag_was_playing)
        app->player.playing = true;
    app->drag = PREVIEW_DRAG_NONE;
    app->dirty = true;
}

static void mouse_wheel(preview_app *app, const SDL_MouseWheelEvent *w)
{
    /* The event's own pointer position (SDL 2.26), so events pushed by tests behave the same. */
    if (inside(&app->layout.joints, w->mouseX, w->mouseY))
        scroll_joints(app, -w->y * 3);
    else
        preview_camera_zoom(&app->camera, w->preciseY != 0 ? w->preciseY : w->y);
    app->dirty = true;
}

void preview_app_event(preview_app *app, const SDL_Event *ev)
{
    switch (ev->type) {
    case SDL_QUIT:
        app->quit = true;
        break;
    case SDL_KEYDOWN:
        key_down(app, &ev->key);
        break;
    case SDL_MOUSEBUTTONDOWN:
        mouse_down(app, &ev->button);
        break;
    case SDL_MOUSEBUTTONUP:
        mouse_up(app);
        break;
    case SDL_MOUSEMOTION:
        mouse_motion(app, &ev->motion);
        break;
    case SDL_MOUSEWHEEL:
        mouse_wheel(app, &ev->wheel);
        break;
    case SDL_WINDOWEVENT:
        if (ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            preview_app_layout(app, ev->window.data1, ev->window.data2);
        app->dirty = true;
        break;
    default:
        break;
    }
}

void preview_app_tick(preview_app *app, double dt)
{
    if (app->player.playing && app->drag != PREVIEW_DRAG_SCRUB) {
        preview_player_advance(&app->player, dt);
        app->dirty = true;
    }
}

static void ensure_font(preview_app *app, SDL_Renderer *r)
{
    if (app->font && app->font_renderer == r)
        return;
    preview_font_free(app->font);
    app->font = NULL;
    if (app->font_failed)
        return;
    if (preview_font_open(&app->font, r, app->font_path, FONT_POINTS) != MPK_OK) {
        /* The motion still shows; only the labels are missing. */
        fprintf(stderr, "mpk-preview: warning: no on-screen text: %s\n", preview_error_message());
        app->font_failed = true;
        return;
    }
    app->font_renderer = r;
    preview_app_layout(app, app->w, app->h); /* rows follow the font's height */
}

int preview_app_draw(preview_app *app, SDL_Renderer *r)
{
    preview_scene_opts so;
    preview_view view;
    const SDL_Rect *vr;
    int err;

    if (app->ui)
        ensure_font(app, r);
    if ((err = preview_pose_update(&app->pose, &app->eval, app->player.t)) != MPK_OK)
        return err;
    if (app->follow) {
        app->camera.target.x = app->pose.root[0] + app->follow_offset.x;
        app->camera.target.y = app->pose.root[1] + app->follow_offset.y;
    }
    vr = &app->layout.view;
    preview_camera_view(&view, &app->camera, vr->x, vr->y, vr->w, vr->h);
    so.highlight_joint = app->ui ? app->joint : -1;
    so.show_trajectory = app->show_trajectory;
    so.show_shadow = true;
    if ((err = preview_scene_draw(&app->scene, r, &view, &app->pose, preview_app_motion(app),
                                  &so)) != MPK_OK)
        return err;
    if (app->ui) {
        preview__ui_draw_view_overlay(app, r);
        if ((err = preview__ui_draw(app, r)) != MPK_OK)
            return err;
    }
    app->dirty = false;
    return MPK_OK;
}

void preview_app_free(preview_app *app)
{
    if (!app)
        return;
    preview_eval_free(&app->eval);
    preview_pose_free(&app->pose);
    preview_scene_free(&app->scene);
    preview_font_free(app->font);
    preview_source_free(app->source);
    free(app->plot);
    memset(app, 0, sizeof(*app));
}
