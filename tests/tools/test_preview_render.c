/* mpk-preview headless rendering: the 3D view drawn by SDL's software renderer into an image.
 * The image is not empty, the robot lies inside the frame, a limit violation shows red (and only
 * then), a joint near its limit shows yellow, and the PNG written decodes to the same pixels. */
#include "preview_testlib.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "headless.h"
#include "png_write.h"
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

/* Renders one frame of a one-motion source at time t; the caller frees the canvas. */
static void render(preview_canvas *c, mpk_track *track, int w, int h, double t)
{
    preview_app app;

    pt_app(&app, pt_source("test", "m", track, NULL), false);
    assert_int_equal(preview_canvas_open(c, w, h), MPK_OK);
    if (preview_canvas_draw(c, &app, t, true) != MPK_OK)
        fail_msg("draw: %s", preview_error_message());
    preview_app_free(&app);
}

static void check_robot_in_frame(const char *robot)
{
    preview_canvas c;
    int box[4];
    long robot_px;

    render(&c, pt_track(robot, 2.0, 50, true, NULL, 0, NULL), 320, 240, 1.0);
    /* Not empty: the background gradient, grid, shadow and robot give many colours. */
    assert_true(pt_colours(c.surface) > 50);
    robot_px = pt_count(c.surface, pt_is_robot, box);
    print_message("%s: %ld robot pixels in box %d,%d..%d,%d\n", robot, robot_px, box[0], box[1],
                  box[2], box[3]);
    assert_true(robot_px > 320 * 240 / 100);
    /* Inside the frame, with a margin, and filling a good part of it (framed by the camera). */
    assert_true(box[0] >= 2 && box[1] >= 2 && box[2] <= 320 - 3 && box[3] <= 240 - 3);
    assert_true(box[3] - box[1] > 240 / 3);
    /* A valid motion in a comfortable pose shows no limit colours. */
    assert_int_equal(pt_count(c.surface, pt_is_red, NULL), 0);
    assert_int_equal(pt_count(c.surface, pt_is_yellow, NULL), 0);
    preview_canvas_close(&c);
}

static void test_humanoid_in_frame(void **state)
{
    check_robot_in_frame("g1-29dof");
    check_robot_in_frame("h1");
}

static void test_quadruped_in_frame(void **state)
{
    check_robot_in_frame("go2");
    check_robot_in_frame("b2");
}

static void test_limit_violation_is_red(void **state)
{
    preview_canvas c;
    long before, after;

    /* The left elbow goes 0.2 rad past its upper limit at 1 s. */
    render(&c, pt_track("g1-29dof", 2.0, 50, false, "left_elbow", 1.0, NULL), 320, 240, 0.5);
    before = pt_count(c.surface, pt_is_red, NULL);
    preview_canvas_close(&c);
    render(&c, pt_track("g1-29dof", 2.0, 50, false, "left_elbow", 1.0, NULL), 320, 240, 1.5);
    after = pt_count(c.surface, pt_is_red, NULL);
    preview_canvas_close(&c);
    print_message("red pixels: %ld before the violation, %ld during\n", before, after);
    assert_int_equal(before, 0);
    assert_true(after > 30);
}

static void test_near_limit_is_yellow(void **state)
{
    preview_canvas c;

    render(&c, pt_track("g1-29dof", 2.0, 50, false, NULL, 0, "right_elbow"), 320, 240, 1.0);
    assert_true(pt_count(c.surface, pt_is_yellow, NULL) > 30);
    assert_int_equal(pt_count(c.surface, pt_is_red, NULL), 0);
    preview_canvas_close(&c);
}

static void test_png_round_trip(void **state)
{
    preview_canvas c;
    SDL_Surface *back, *orig;
    char *dir = ms_tmpdir("preview-png"), *path = ms_join(dir, "frame.png");
    int y;

    render(&c, pt_track("g1-29dof", 2.0, 50, true, NULL, 0, NULL), 200, 150, 1.0);
    assert_int_equal(preview_png_write(path, c.surface), MPK_OK);
    back = pt_png_load(path);
    assert_non_null(back);
    assert_int_equal(back->w, 200);
    assert_int_equal(back->h, 150);
    orig = SDL_ConvertSurfaceFormat(c.surface, SDL_PIXELFORMAT_RGB24, 0);
    for (y = 0; y < 150; y++)
        assert_memory_equal((Uint8 *)orig->pixels + y * orig->pitch,
                            (Uint8 *)back->pixels + y * back->pitch, 200 * 3);
    /* Nothing but the file: the temporary was renamed. */
    assert_int_equal(ms_run(NULL, "test $(ls -A '%s' | wc -l) -eq 1", dir), 0);
    SDL_FreeSurface(orig);
    SDL_FreeSurface(back);
    preview_canvas_close(&c);
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

static void test_png_write_failure_leaves_nothing(void **state)
{
    preview_canvas c;
    char *dir = ms_tmpdir("preview-png"), *path = ms_fmt("%s/missing/frame.png", dir);

    render(&c, pt_track("g1-29dof", 1.0, 50, false, NULL, 0, NULL), 64, 48, 0.5);
    assert_int_not_equal(preview_png_write(path, c.surface), MPK_OK);
    assert_non_null(strstr(preview_error_message(), "missing/frame.png"));
    assert_int_equal(ms_run(NULL, "test $(ls -A '%s' | wc -l) -eq 0", dir), 0);
    preview_canvas_close(&c);
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

/* Red pixels inside the 3D view of the full interface at time t. */
static long red_in_view(const char *over_joint, double t)
{
    preview_canvas c;
    preview_app app;
    SDL_Surface *view;
    long n;

    pt_app(
        &app,
        pt_source("test", "m", pt_track("g1-29dof", 2.0, 50, false, over_joint, 1.0, NULL), NULL),
        true);
    assert_int_equal(preview_canvas_open(&c, 1280, 720), MPK_OK);
    if (preview_canvas_draw(&c, &app, t, false) != MPK_OK)
        fail_msg("draw: %s", preview_error_message());
    /* The panels are drawn, with text (many shades of anti-aliased grey). */
    assert_non_null(app.font);
    assert_true(pt_colours(c.surface) > 200);
    assert_true(app.layout.view.w > 640 && app.layout.view.h > 300);
    view = pt_crop(c.surface, &app.layout.view);
    n = pt_count(view, pt_is_red, NULL);
    SDL_FreeSurface(view);
    preview_canvas_close(&c);
    preview_app_free(&app);
    return n;
}

static void test_full_interface_headless(void **state)
{
    /* The robot's elbow and the "OVER LIMIT" notice are red in the view; nothing is without a
     * violation (the plot's limit lines are outside the view). */
    assert_true(red_in_view("left_elbow", 1.5) > 100);
    assert_int_equal(red_in_view(NULL, 1.5), 0);
}

/* The runtime's refusal is longer than the view is wide: the notice wraps at spaces instead of
 * cutting the reason off, and says so when even its lines run out. */
static void test_notice_wraps(void **state)
{
    static const char msg[] = "the runtime refuses this motion: motion 'wave': left_elbow at 0.9 s "
                              "(frame 45): position 2.294 outside the limits [-1.0472, 2.0944]";
    char lines[3][256], joined[512] = "";
    int i, n = preview__wrap(lines, 3, msg, 60);

    assert_int_equal(n, 3);
    for (i = 0; i < n; i++) {
        assert_true(strlen(lines[i]) <= 60 && lines[i][0] != ' ');
        strcat(joined, i ? " " : "");
        strcat(joined, lines[i]);
    }
    assert_string_equal(joined, msg);
    assert_int_equal(preview__wrap(lines, 2, msg, 60), 2);
    assert_true(strlen(lines[1]) == 60 && strcmp(lines[1] + 57, "...") == 0);
    assert_int_equal(preview__wrap(lines, 3, "abcdefghij", 4), 3);
    assert_string_equal(lines[0], "abcd");
    assert_string_equal(lines[2], "ij");
    assert_int_equal(preview__wrap(lines, 3, "short", 60), 1);
    assert_string_equal(lines[0], "short");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_humanoid_in_frame),
        cmocka_unit_test(test_quadruped_in_frame),
        cmocka_unit_test(test_limit_violation_is_red),
        cmocka_unit_test(test_near_limit_is_yellow),
        cmocka_unit_test(test_png_round_trip),
        cmocka_unit_test(test_png_write_failure_leaves_nothing),
        cmocka_unit_test(test_full_interface_headless),
        cmocka_unit_test(test_notice_wraps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
