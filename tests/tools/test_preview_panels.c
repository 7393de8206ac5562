/* mpk-preview's panels, read back from the pixels of the whole interface drawn headless: the plot
 * of the selected joint has its limit lines where the curve crosses them (the curve red above the
 * upper limit, blue below it, yellow near it), and the keyboard shortcuts are on screen: the line
 * at the bottom whole at the sizes the window is used at, and every line of the help overlay. */
#include "preview_testlib.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "headless.h"
#include "palette.h"
#include "ui.h"

static int setup(void **state)
{
    pt_sdl_init();
    return 0;
}

static int teardown(void **state)
{
    SDL_Quit();
    return 0;
}

static int joint_index(const preview_app *app, const char *name)
{
    int j;

    for (j = 0; j < app->pose.model->joint_count; j++)
        if (strcmp(app->pose.model->joints[j].name, name) == 0)
            return j;
    fail_msg("no joint %s", name);
    return -1;
}

/* The whole interface of a one-motion app at w x h and time t, joint selected. */
static void draw_ui(preview_canvas *c, preview_app *app, mpk_track *track, const char *joint, int w,
                    int h, double t)
{
    pt_app(app, pt_source("test", "m", track, NULL), true);
    assert_int_equal(preview_canvas_open(c, w, h), MPK_OK);
    if (joint)
        app->joint = joint_index(app, joint);
    if (preview_canvas_draw(c, app, t, false) != MPK_OK)
        fail_msg("draw: %s", preview_error_message());
    assert_non_null(app->font);
}

static void rgb_at(SDL_Surface *s, int x, int y, Uint8 *r, Uint8 *g, Uint8 *b)
{
    Uint32 px = ((Uint32 *)((Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch))[x];
    SDL_GetRGB(px, s->format, r, g, b);
}

static bool is(SDL_Surface *s, int x, int y, SDL_Color c)
{
    Uint8 r, g, b;
    rgb_at(s, x, y, &r, &g, &b);
    return r == c.r && g == c.g && b == c.b;
}

/* Rows of the rectangle where at least 90% of the pixels are exactly colour c: the limit lines. */
static int full_rows(SDL_Surface *s, const SDL_Rect *rc, SDL_Color c, int *rows, int max)
{
    int n = 0, x, y;

    for (y = rc->y; y < rc->y + rc->h; y++) {
        int hits = 0;
        for (x = rc->x; x < rc->x + rc->w; x++)
            hits += is(s, x, y, c);
        if (hits >= rc->w * 9 / 10 && n < max)
            rows[n++] = y;
    }
    return n;
}

/* The topmost and bottommost rows holding a pixel of colour c in rc (excluding the given rows). */
static int extent(SDL_Surface *s, const SDL_Rect *rc, SDL_Color c, const int *skip, int nskip,
                  int *top, int *bottom)
{
    int x, y, k, n = 0;

    *top = rc->y + rc->h;
    *bottom = -1;
    for (y = rc->y; y < rc->y + rc->h; y++) {
        for (k = 0; k < nskip && skip[k] != y; k++)
            ;
        if (k < nskip)
            continue;
        for (x = rc->x; x < rc->x + rc->w; x++) {
            if (is(s, x, y, c)) {
                n++;
                *top = y < *top ? y : *top;
                *bottom = y > *bottom ? y : *bottom;
            }
        }
    }
    return n;
}

static void test_plot_limit_lines(void **state)
{
    preview_canvas c;
    preview_app app;
    int rows[8], n, red_top, red_bottom, blue_top, blue_bottom;
    long red, blue;

    /* The left elbow rises from mid-range to 0.2 rad past its upper limit at 1 s. */
    draw_ui(&c, &app, pt_track("g1-29dof", 2.0, 50, false, "left_elbow", 1.0, NULL), "left_elbow",
            1280, 720, 0.2);
    n = full_rows(c.surface, &app.layout.plot, PV_OVER, rows, 8);
    print_message("plot %d,%d %dx%d: %d full-width red row(s), first at y %d\n", app.layout.plot.x,
                  app.layout.plot.y, app.layout.plot.w, app.layout.plot.h, n, n ? rows[0] : -1);
    /* Both limit lines: the motion spans half the range, so the lower limit is near enough to be
     * drawn too. rows[0] is the upper limit (the screen's y grows downwards). */
    assert_int_equal(n, 2);
    /* The curve: blue (within the limits) between the lines, red (over) above the upper one. */
    red = extent(c.surface, &app.layout.plot, PV_OVER, rows, n, &red_top, &red_bottom);
    blue = extent(c.surface, &app.layout.plot, PV_PLOT_LINE, NULL, 0, &blue_top, &blue_bottom);
    print_message("curve: %ld red px in rows %d..%d, %ld blue px in rows %d..%d\n", red, red_top,
                  red_bottom, blue, blue_top, blue_bottom);
    assert_true(red > 50 && blue > 50);
    assert_true(red_top < rows[0] - 2);
    assert_true(blue_top > rows[0] && blue_bottom < rows[1]);
    /* Below the upper line, red is only the one segment that crosses it. */
    {
        SDL_Rect below = {app.layout.plot.x, rows[0] + 1, app.layout.plot.w, rows[1] - rows[0] - 1};
        int t, b;
        long n_below = extent(c.surface, &below, PV_OVER, NULL, 0, &t, &b);
        print_message("red below the upper limit line: %ld px\n", n_below);
        assert_true(n_below <= 4);
    }
    preview_canvas_close(&c);
    preview_app_free(&app);

    /* A joint that never leaves the middle of its range: no limit line in view, no red, no
     * yellow in the plot. */
    draw_ui(&c, &app, pt_track("g1-29dof", 2.0, 50, false, "left_elbow", 1.0, NULL),
            "right_hip_pitch", 1280, 720, 0.2);
    assert_int_equal(full_rows(c.surface, &app.layout.plot, PV_OVER, rows, 8), 0);
    assert_int_equal(extent(c.surface, &app.layout.plot, PV_OVER, NULL, 0, &red_top, &red_bottom),
                     0);
    assert_int_equal(extent(c.surface, &app.layout.plot, PV_NEAR, NULL, 0, &red_top, &red_bottom),
                     0);
    preview_canvas_close(&c);
    preview_app_free(&app);
}

static void test_plot_near_limit(void **state)
{
    preview_canvas c;
    preview_app app;
    int rows[8], n, top, bottom;
    long yellow;

    /* The right elbow sits 1% of its range inside its upper limit: a yellow curve just under the
     * limit line, inside the near-limit band. */
    draw_ui(&c, &app, pt_track("g1-29dof", 2.0, 50, false, NULL, 0, "right_elbow"), "right_elbow",
            1280, 720, 1.0);
    n = full_rows(c.surface, &app.layout.plot, PV_OVER, rows, 8);
    assert_true(n >= 1);
    yellow = extent(c.surface, &app.layout.plot, PV_NEAR, NULL, 0, &top, &bottom);
    print_message("near: limit line at y %d, %ld yellow px in rows %d..%d\n", rows[0], yellow, top,
                  bottom);
    assert_true(yellow > app.layout.plot.w / 2);
    assert_true(top > rows[0] && bottom - rows[0] < app.layout.plot.h / 4);
    preview_canvas_close(&c);
    preview_app_free(&app);
}

static bool is_text(Uint8 r, Uint8 g, Uint8 b)
{
    /* Glyph pixels of PV_TEXT or PV_TEXT_DIM on a dark panel: grey and clearly lighter. */
    return r > 90 && abs(r - g) < 24 && abs(r - b) < 40;
}

/* Leftmost and rightmost text pixel in the band y0..y0+h of s; false if none. */
static bool text_span(SDL_Surface *s, int x0, int x1, int y0, int h, int *left, int *right)
{
    int x, y;
    Uint8 r, g, b;

    *left = x1;
    *right = -1;
    for (y = y0; y < y0 + h && y < s->h; y++)
        for (x = x0; x < x1; x++) {
            rgb_at(s, x, y, &r, &g, &b);
            if (is_text(r, g, b)) {
                *left = x < *left ? x : *left;
                *right = x > *right ? x : *right;
            }
        }
    return *right >= 0;
}

/* The last character of a line drawn at x0 ends in its own cell: the line is whole. */
static void assert_whole_line(int left, int right, int x0, int fw, size_t len, const char *what)
{
    int end = x0 + (int)len * fw;

    print_message("%s: text from x %d to %d, %zu chars of %d px from %d end at %d\n", what, left,
                  right, len, fw, x0, end);
    assert_true(left >= x0 - 1 && left < x0 + fw);
    assert_true(right > end - 2 * fw && right <= end + 1);
}

/* The line at the bottom at w x h: whole on screen, ending with the way to the full list (H). */
static void check_help_line(int w, int h, bool all)
{
    preview_canvas c;
    preview_app app;
    const SDL_Rect *hl;
    char line[256];
    int left, right, fw, cols;
    size_t len;

    draw_ui(&c, &app, pt_track("g1-29dof", 2.0, 50, false, NULL, 0, NULL), NULL, w, h, 0.5);
    hl = &app.layout.help;
    fw = preview_font_width(app.font);
    cols = (hl->w - 16) / fw;
    len = preview__help_line(line, sizeof(line), cols);
    print_message("%dx%d: \"%s\"\n", w, h, line);
    assert_true(len <= (size_t)cols && len > 20);
    assert_true(len >= 14 && strcmp(line + len - 14, "H help  Q quit") == 0);
    assert_true(strncmp(line, "Space play  ", 12) == 0);
    if (all)
        assert_non_null(strstr(line, "P shot  H help"));
    assert_true(hl->y + hl->h <= h && hl->y > app.layout.timeline.y);
    assert_true(text_span(c.surface, 0, w, hl->y + 2, hl->h - 2, &left, &right));
    assert_whole_line(left, right, 8, fw, len, "help line");
    preview_canvas_close(&c);
    preview_app_free(&app);
}

static void test_shortcut_line_whole(void **state)
{
    char line[256];

    check_help_line(1280, 720, true); /* the window's default size: every shortcut */
    check_help_line(960, 600, false); /* the Xvfb test's window: fewer, still ending with H, Q */
    check_help_line(640, 400, false);
    /* Too narrow for anything but the tail; a small buffer is never overrun. */
    assert_int_equal(preview__help_line(line, sizeof(line), 10), 14);
    assert_string_equal(line, "H help  Q quit");
    assert_int_equal(preview__help_line(line, 8, 200), 7);
    assert_string_equal(line, "H help ");
}

static void test_help_overlay(void **state)
{
    preview_canvas c;
    preview_app app;
    const SDL_Rect *v;
    int n = 0, j, lh, fw, w, left, right;
    SDL_Rect box;

    draw_ui(&c, &app, pt_track("g1-29dof", 2.0, 50, false, NULL, 0, NULL), NULL, 1280, 720, 0.5);
    preview_canvas_close(&c);
    /* H, through the same handler the window uses, then drawn again. */
    {
        SDL_Event ev = {.type = SDL_KEYDOWN};
        ev.key.keysym.sym = SDLK_h;
        preview_app_event(&app, &ev);
    }
    assert_true(app.show_help);
    assert_int_equal(preview_canvas_open(&c, 1280, 720), MPK_OK);
    if (preview_canvas_draw(&c, &app, 0.5, false) != MPK_OK)
        fail_msg("draw: %s", preview_error_message());
    while (preview__shortcuts[n])
        n++;
    lh = preview_font_height(app.font);
    fw = preview_font_width(app.font);
    v = &app.layout.view;
    w = 66 * fw;
    box = (SDL_Rect){v->x + (v->w - w) / 2, v->y + (v->h - (n + 2) * lh) / 2, w, (n + 2) * lh};
    assert_true(box.x >= v->x && box.y >= v->y && box.y + box.h <= v->y + v->h);
    for (j = 0; j < n; j++) {
        char what[64];
        snprintf(what, sizeof(what), "help overlay line %d", j + 1);
        assert_true(
            text_span(c.surface, box.x, box.x + box.w, box.y + lh + j * lh, lh, &left, &right));
        assert_whole_line(left, right, box.x + 12, fw, strlen(preview__shortcuts[j]), what);
    }
    preview_canvas_close(&c);
    preview_app_free(&app);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_limit_lines),
        cmocka_unit_test(test_plot_near_limit),
        cmocka_unit_test(test_shortcut_line_whole),
        cmocka_unit_test(test_help_overlay),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
