/* The panels around the 3D view: status bar, motion list, joint list, the plot of the selected
 * joint with its limits, the timeline with its buttons, and the shortcuts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "palette.h"
#include "ui.h"

const char *const preview__shortcuts[] = {
    "Space        play / pause",
    "Left, Right  step one frame back / forward (Shift: 10 frames)",
    "Home, End    go to the start / the end",
    "+, -         faster / slower (0.1x to 2x); 1: normal speed",
    "L            loop on / off",
    "B            blend-in from the standing pose on / off",
    "Up, Down     select a joint (plot and highlight)",
    "Tab, PgUp    next / previous motion",
    "Mouse drag   orbit; right drag or Shift+drag: pan; wheel: zoom",
    "Timeline     click or drag to scrub",
    "R            frame the robot;  F: follow the root;  T: root path",
    "P            save a screenshot (PNG in the current folder)",
    "H, F1        this help;  Q, Esc: quit",
    NULL,
};

/* The one-line summary at the bottom: in order of use, as many as the window's width holds; the
 * way to the full list and out always ends it, so that a narrow window still shows it. */
static const char *const help_items[] = {
    "Space play", "</> step",   "Home/End",  "+/- speed",  "L loop",  "B blend-in", "Up/Dn joint",
    "Tab motion", "Drag orbit", "RDrag pan", "Wheel zoom", "R frame", "P shot",     NULL,
};
#define HELP_TAIL "H help  Q quit"

size_t preview__help_line(char *buf, size_t size, int cols)
{
    size_t n = 0, tail = strlen(HELP_TAIL);
    int i;

    if (size == 0)
        return 0;
    buf[0] = '\0';
    for (i = 0; help_items[i]; i++) {
        size_t item = strlen(help_items[i]);
        if (cols < 0 || n + item + 2 + tail > (size_t)cols || n + item + 3 + tail > size)
            break;
        memcpy(buf + n, help_items[i], item);
        memcpy(buf + n + item, "  ", 3);
        n += item + 2;
    }
    snprintf(buf + n, size - n, "%s", HELP_TAIL);
    return strlen(buf);
}

static void fill(SDL_Renderer *r, const SDL_Rect *rect, SDL_Color c)
{
    SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(r, rect);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
}

static void hline(SDL_Renderer *r, int x0, int x1, int y, SDL_Color c)
{
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
    SDL_RenderDrawLine(r, x0, y, x1, y);
}

static SDL_Color status_text(preview_limit st)
{
    return st == PREVIEW_LIMIT_OVER ? PV_OVER : st == PREVIEW_LIMIT_NEAR ? PV_NEAR : PV_TEXT;
}

/* Draws text clipped to max_chars characters. */
static void text(preview_app *app, SDL_Renderer *r, int x, int y, SDL_Color c, int max_chars,
                 const char *s)
{
    char buf[256];

    if (!app->font || max_chars <= 0)
        return;
    snprintf(buf, sizeof(buf), "%.*s", max_chars < 255 ? max_chars : 255, s);
    preview_font_draw(app->font, r, x, y, c, buf);
}

int preview__wrap(char lines[][256], int max_lines, const char *s, int cols)
{
    int n = 0;

    if (cols > 255)
        cols = 255;
    if (cols < 4 || max_lines < 1)
        return 0;
    while (*s && n < max_lines) {
        int len = (int)strlen(s), cut = len;
        while (*s == ' ')
            s++, len--;
        if (len <= cols) {
            cut = len;
        } else {
            for (cut = cols; cut > 0 && s[cut] != ' '; cut--)
                ;
            if (cut == 0)
                cut = cols;
        }
        if (n == max_lines - 1 && len > cols) /* no room for the rest: say so */
            snprintf(lines[n], 256, "%.*s...", cols - 3, s);
        else
            snprintf(lines[n], 256, "%.*s", cut, s);
        n++;
        s += cut;
        while (*s == ' ')
            s++;
    }
    return n;
}

/* Draws s wrapped to cols characters, at most max_lines lines; returns the y below it. */
static int text_wrapped(preview_app *app, SDL_Renderer *r, int x, int y, SDL_Color c, int cols,
                        int max_lines, const char *s)
{
    char lines[4][256];
    int i, n = preview__wrap(lines, max_lines < 4 ? max_lines : 4, s, cols);

    for (i = 0; i < n; i++)
        text(app, r, x, y + i * preview_font_height(app->font), c, cols, lines[i]);
    return y + n * preview_font_height(app->font);
}

static int chars_in(const preview_app *app, int px)
{
    return app->font ? px / preview_font_width(app->font) : 0;
}

const char *preview__button_label(const preview_app *app, preview_button b)
{
    switch (b) {
    case PREVIEW_BTN_START:
        return "|<";
    case PREVIEW_BTN_BACK:
        return "<|";
    case PREVIEW_BTN_PLAY:
        return app->player.playing ? "||" : ">";
    case PREVIEW_BTN_FORWARD:
        return "|>";
    case PREVIEW_BTN_SLOWER:
        return "-";
    case PREVIEW_BTN_FASTER:
        return "+";
    case PREVIEW_BTN_LOOP:
        return "L";
    case PREVIEW_BTN_COUNT:
        break;
    }
    return "";
}

static void draw_top(preview_app *app, SDL_Renderer *r)
{
    const preview_layout *l = &app->layout;
    const preview_motion *m = preview_app_motion(app);
    const preview_player *p = &app->player;
    char line[512], blend[32], fps[32];

    fill(r, &l->top, PV_PANEL);
    hline(r, 0, l->top.w, l->top.h - 1, PV_PANEL_EDGE);
    if (app->eval.blend > 0)
        snprintf(blend, sizeof(blend), "%.2f s", app->eval.blend);
    else
        snprintf(blend, sizeof(blend), "off");
    fps[0] = '\0';
    if (app->fps > 0)
        snprintf(fps, sizeof(fps), "  |  %.0f fps", app->fps);
    snprintf(line, sizeof(line),
             "%s  |  %s (%s, %s)  |  t %+7.3f / %.3f s  |  %s  x%.2g  loop %s  |  blend-in %s%s",
             app->source->label, m->name, m->model->id,
             app->eval.full_body ? "full body" : "arm mode", p->t, p->end,
             p->playing ? "playing" : "paused", p->speed, p->loop ? "on" : "off", blend, fps);
    text(app, r, 8, 3, PV_TEXT, chars_in(app, l->top.w - 16), line);
}

static void draw_motions(preview_app *app, SDL_Renderer *r)
{
    const preview_layout *l = &app->layout;
    int i, y = l->motions.y, rows = l->motions.h / l->row_h - 1;
    int cols = chars_in(app, l->motions.w - 12);
    char buf[128];

    fill(r, &l->motions, PV_PANEL);
    snprintf(buf, sizeof(buf), "Motions (%zu)", app->source->motion_count);
    text(app, r, 6, y + 1, PV_TEXT_DIM, cols, buf);
    /* Keep the selected motion in the visible rows. */
    int first = app->motion >= rows ? app->motion - rows + 1 : 0;
    for (i = 0; i < rows && first + i < (int)app->source->motion_count; i++) {
        const preview_motion *m = &app->source->motions[first + i];
        SDL_Rect row = {0, y + (i + 1) * l->row_h, l->motions.w, l->row_h};
        if (first + i == app->motion)
            fill(r, &row, PV_ROW_SELECTED);
        snprintf(buf, sizeof(buf), "%-*.*s %5.1fs", cols - 7 > 1 ? cols - 7 : 1,
                 cols - 7 > 1 ? cols - 7 : 1, m->name, mpk_track_duration(m->track));
        text(app, r, 6, row.y + 1, PV_TEXT, cols, buf);
    }
    hline(r, 0, l->motions.w, l->motions.y + l->motions.h - 1, PV_PANEL_EDGE);
}

static void draw_joints(preview_app *app, SDL_Renderer *r)
{
    const preview_layout *l = &app->layout;
    const mpk_robot_model *m = app->pose.model;
    int rows = l->joints.h / l->row_h - 1, i;
    /* The bar is narrow enough that the longest joint names ("right_shoulder_pitch") fit. */
    int bar_w = 30, cols = chars_in(app, l->joints.w - bar_w - 18);
    char buf[128];

    fill(r, &l->joints, PV_PANEL);
    snprintf(buf, sizeof(buf), "Joints (%d)  rad", m->joint_count);
    text(app, r, 6, l->joints.y + 1, PV_TEXT_DIM, cols + 6, buf);
    for (i = 0; i < rows && app->joint_scroll + i < m->joint_count; i++) {
        int j = app->joint_scroll + i;
        const mpk_joint *jt = &m->joints[j];
        preview_limit st = app->pose.joint_status[j];
        SDL_Rect row = {0, l->joints.y + (i + 1) * l->row_h, l->joints.w, l->row_h};
        SDL_Rect bar = {l->joints.w - bar_w - 6, row.y + l->row_h / 2 - 2, bar_w, 4};
        SDL_Rect mark;
        double u =
            jt->upper > jt->lower ? (app->pose.q[j] - jt->lower) / (jt->upper - jt->lower) : 0.5;
        if (j == app->joint)
            fill(r, &row, PV_ROW_SELECTED);
        snprintf(buf, sizeof(buf), "%-*.*s%+6.2f", cols - 6 > 1 ? cols - 6 : 1,
                 cols - 6 > 1 ? cols - 6 : 1, jt->name, app->pose.q[j]);
        text(app, r, 6, row.y + 1, status_text(st), cols, buf);
        /* Where the joint is within its range. */
        fill(r, &bar, PV_TIMELINE);
        mark = (SDL_Rect){bar.x + (int)(pv_clamp(u, 0, 1) * (bar_w - 3)), bar.y - 3, 3, 10};
        fill(r, &mark, st == PREVIEW_LIMIT_OK ? PV_LINK : status_text(st));
    }
}

static int refresh_plot(preview_app *app)
{
    const SDL_Rect *pl = &app->layout.plot;
    int x;

    if (app->plot && app->plot_joint == app->joint && app->plot_motion == app->motion &&
        app->plot_w == pl->w && app->plot_blend == app->blend_in)
        return MPK_OK;
    if (app->plot_w != pl->w || !app->plot) {
        float *p = realloc(app->plot, (size_t)(pl->w > 0 ? pl->w : 1) * sizeof(*p));
        if (!p)
            return preview_fail(MPK_ENOMEM, "out of memory for the plot");
        app->plot = p;
    }
    for (x = 0; x < pl->w; x++)
        app->plot[x] =
            (float)preview_eval_joint(&app->eval, preview_app_time_at(app, pl->x + x), app->joint);
    app->plot_w = pl->w;
    app->plot_joint = app->joint;
    app->plot_motion = app->motion;
    app->plot_blend = app->blend_in;
    return MPK_OK;
}

static int value_y(const SDL_Rect *pl, double lo, double hi, double v)
{
    return pl->y + 4 + (int)lround((hi - v) / (hi - lo) * (pl->h - 8));
}

static int draw_plot(preview_app *app, SDL_Renderer *r)
{
    const SDL_Rect *pl = &app->layout.plot;
    const mpk_joint *jt = &app->pose.model->joints[app->joint];
    double margin = PREVIEW_NEAR_FRACTION * (jt->upper - jt->lower), lo, hi, dlo, dhi, span;
    SDL_Rect info = {0, pl->y, app->layout.buttons.w, pl->h}, band;
    int x, y0, y1, cx, err;
    char buf[128];

    if ((err = refresh_plot(app)) != MPK_OK)
        return err;
    fill(r, &info, PV_PANEL);
    fill(r, pl, PV_PANEL);
    dlo = dhi = app->plot[0];
    for (x = 1; x < pl->w; x++) {
        dlo = fmin(dlo, app->plot[x]);
        dhi = fmax(dhi, app->plot[x]);
    }
    /* The motion fills the plot; a limit near it comes into view (with its band), a far one stays
     * out so it does not flatten the curve (its value is printed beside the plot). */
    span = fmax(dhi - dlo, 0.2);
    lo = dlo - 0.25 * span;
    hi = dhi + 0.25 * span;
    if (jt->lower >= dlo - 1.5 * span)
        lo = fmin(lo, jt->lower - 0.1 * span);
    if (jt->upper <= dhi + 1.5 * span)
        hi = fmax(hi, jt->upper + 0.1 * span);
    SDL_RenderSetClipRect(r, pl);
    /* The blend-in part of the timeline. */
    cx = preview_app_x_of_time(app, 0.0);
    if (cx > pl->x) {
        band = (SDL_Rect){pl->x, pl->y, cx - pl->x, pl->h};
        fill(r, &band, PV_RGBA(80, 70, 110, 90));
    }
    /* Near-limit bands and the limit lines. */
    y0 = value_y(pl, lo, hi, jt->upper);
    y1 = value_y(pl, lo, hi, jt->upper - margin);
    band = (SDL_Rect){pl->x, y0, pl->w, y1 - y0};
    fill(r, &band, PV_PLOT_NEAR_BAND);
    y0 = value_y(pl, lo, hi, jt->lower + margin);
    y1 = value_y(pl, lo, hi, jt->lower);
    band = (SDL_Rect){pl->x, y0, pl->w, y1 - y0};
    fill(r, &band, PV_PLOT_NEAR_BAND);
    hline(r, pl->x, pl->x + pl->w - 1, value_y(pl, lo, hi, jt->upper), PV_OVER);
    hline(r, pl->x, pl->x + pl->w - 1, value_y(pl, lo, hi, jt->lower), PV_OVER);
    if (lo < 0 && hi > 0)
        hline(r, pl->x, pl->x + pl->w - 1, value_y(pl, lo, hi, 0.0), PV_PANEL_EDGE);
    /* The joint's position over the whole timeline, coloured by its limit grade. */
    for (x = 1; x < pl->w; x++) {
        preview_limit st = preview_limit_status(jt, app->plot[x]);
        SDL_Color c = st == PREVIEW_LIMIT_OK ? PV_PLOT_LINE : status_text(st);
        SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
        SDL_RenderDrawLine(r, pl->x + x - 1, value_y(pl, lo, hi, app->plot[x - 1]), pl->x + x,
                           value_y(pl, lo, hi, app->plot[x]));
    }
    cx = preview_app_x_of_time(app, app->player.t);
    SDL_SetRenderDrawColor(r, PV_CURSOR.r, PV_CURSOR.g, PV_CURSOR.b, 255);
    SDL_RenderDrawLine(r, cx, pl->y, cx, pl->y + pl->h - 1);
    SDL_RenderSetClipRect(r, NULL);
    hline(r, 0, app->w, pl->y, PV_PANEL_EDGE);

    if (app->font) {
        int lh = preview_font_height(app->font), cols = chars_in(app, info.w - 12);
        preview_limit st = app->pose.joint_status[app->joint];
        text(app, r, 6, info.y + 4, PV_SELECTED, cols, jt->name);
        snprintf(buf, sizeof(buf), "now   %+.3f", app->pose.q[app->joint]);
        text(app, r, 6, info.y + 4 + lh, status_text(st), cols, buf);
        snprintf(buf, sizeof(buf), "upper %+.3f", jt->upper);
        text(app, r, 6, info.y + 4 + 2 * lh, PV_TEXT_DIM, cols, buf);
        snprintf(buf, sizeof(buf), "lower %+.3f", jt->lower);
        text(app, r, 6, info.y + 4 + 3 * lh, PV_TEXT_DIM, cols, buf);
        if (4 * lh + 4 + lh <= info.h)
            text(app, r, 6, info.y + 4 + 4 * lh,
                 st == PREVIEW_LIMIT_OK ? PV_TEXT_DIM : status_text(st), cols,
                 st == PREVIEW_LIMIT_OVER   ? "OVER LIMIT"
                 : st == PREVIEW_LIMIT_NEAR ? "near limit"
                                            : "within limits");
    }
    return MPK_OK;
}

static void draw_timeline(preview_app *app, SDL_Renderer *r)
{
    const preview_layout *l = &app->layout;
    const SDL_Rect *tl = &l->timeline;
    SDL_Rect area = {0, l->buttons.y, app->w, l->buttons.h}, part;
    int x0 = preview_app_x_of_time(app, 0.0), xc = preview_app_x_of_time(app, app->player.t);
    int i, cell = l->buttons.w / PREVIEW_BTN_COUNT, step, s;
    char buf[32];

    fill(r, &area, PV_PANEL);
    fill(r, tl, PV_TIMELINE);
    if (x0 > tl->x) {
        part = (SDL_Rect){tl->x, tl->y, x0 - tl->x, tl->h};
        fill(r, &part, PV_TIMELINE_BLEND);
    }
    part = (SDL_Rect){tl->x, tl->y + tl->h - 5, xc - tl->x, 5};
    fill(r, &part, PV_TIMELINE_DONE);
    /* Whole seconds, labelled when there is room. */
    step = 1;
    while (step * (tl->w / (app->player.end - app->player.start + 1e-9)) < 45 && step < 3600)
        step *= 2;
    for (s = 0; s <= app->player.end; s += step) {
        int x = preview_app_x_of_time(app, s);
        SDL_SetRenderDrawColor(r, PV_TEXT_DIM.r, PV_TEXT_DIM.g, PV_TEXT_DIM.b, 255);
        SDL_RenderDrawLine(r, x, tl->y, x, tl->y + 5);
        snprintf(buf, sizeof(buf), "%ds", s);
        if (app->font && x + 3 + (int)strlen(buf) * preview_font_width(app->font) < tl->x + tl->w)
            text(app, r, x + 3, tl->y + 3, PV_TEXT_DIM, 8, buf);
    }
    part = (SDL_Rect){xc - 1, tl->y - 3, 3, tl->h + 6};
    fill(r, &part, PV_CURSOR);
    for (i = 0; i < PREVIEW_BTN_COUNT; i++) {
        SDL_Rect b = {l->buttons.x + i * cell + 2, l->buttons.y + 5, cell - 4, l->buttons.h - 10};
        bool on = (i == PREVIEW_BTN_LOOP && app->player.loop) ||
                  (i == PREVIEW_BTN_PLAY && app->player.playing);
        const char *label = preview__button_label(app, (preview_button)i);
        fill(r, &b, on ? PV_ROW_SELECTED : PV_TIMELINE);
        if (app->font)
            text(app, r, b.x + (b.w - (int)strlen(label) * preview_font_width(app->font)) / 2,
                 b.y + (b.h - preview_font_height(app->font)) / 2, PV_TEXT, 4, label);
    }
}

static void draw_help_line(preview_app *app, SDL_Renderer *r)
{
    const SDL_Rect *h = &app->layout.help;

    char line[256];
    int cols = chars_in(app, h->w - 16);

    fill(r, h, PV_PANEL);
    hline(r, 0, h->w, h->y, PV_PANEL_EDGE);
    preview__help_line(line, sizeof(line), cols);
    text(app, r, 8, h->y + 3, PV_TEXT_DIM, cols, line);
}

void preview__ui_draw_view_overlay(preview_app *app, SDL_Renderer *r)
{
    const SDL_Rect *v = &app->layout.view;
    const mpk_robot_model *m = app->pose.model;
    int lh, y, j, shown = 0, cols;
    char buf[160];

    if (!app->font)
        return;
    lh = preview_font_height(app->font);
    cols = chars_in(app, v->w - 20);
    y = v->y + 6;
    /* The runtime's reasons are the point of these lines: wrapped, not cut off. */
    if (app->eval.refusal[0])
        y = text_wrapped(app, r, v->x + 10, y, PV_OVER, cols, 3, app->eval.refusal);
    if (app->eval.speed < 0.999) {
        snprintf(buf, sizeof(buf),
                 "the runtime plays this motion at x%.2f: at full speed a joint would exceed its "
                 "velocity limit",
                 app->eval.speed);
        y = text_wrapped(app, r, v->x + 10, y, PV_NEAR, cols, 2, buf);
    }
    if (app->player.t < 0) {
        text(app, r, v->x + 10, y, PV_RGB(190, 170, 240), cols,
             "blend-in from the standing pose (as the runtime plays it)");
        y += lh;
    }
    for (j = 0; j < m->joint_count && shown < 4; j++) {
        preview_limit st = app->pose.joint_status[j];
        const mpk_joint *jt = &m->joints[j];
        if (st == PREVIEW_LIMIT_OK)
            continue;
        snprintf(buf, sizeof(buf), "%s %s %+.3f (limits %+.3f .. %+.3f)",
                 st == PREVIEW_LIMIT_OVER ? "OVER LIMIT" : "near limit", jt->name, app->pose.q[j],
                 jt->lower, jt->upper);
        text(app, r, v->x + 10, y, status_text(st), cols, buf);
        y += lh;
        shown++;
    }
    if (app->show_help) {
        int n = 0, w;
        SDL_Rect box;
        while (preview__shortcuts[n])
            n++;
        w = 66 * preview_font_width(app->font);
        box = (SDL_Rect){v->x + (v->w - w) / 2, v->y + (v->h - (n + 2) * lh) / 2, w, (n + 2) * lh};
        fill(r, &box, PV_RGBA(16, 18, 22, 225));
        for (j = 0; j < n; j++)
            text(app, r, box.x + 12, box.y + lh + j * lh, PV_TEXT, 64, preview__shortcuts[j]);
    }
}

int preview__ui_draw(preview_app *app, SDL_Renderer *r)
{
    int err;

    draw_top(app, r);
    draw_motions(app, r);
    draw_joints(app, r);
    if ((err = draw_plot(app, r)) != MPK_OK)
        return err;
    draw_timeline(app, r);
    draw_help_line(app, r);
    return MPK_OK;
}
