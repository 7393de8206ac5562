/* mpk-preview's 3D view, read back from its pixels: the ground grid under the robot, the root's
 * path drawn when the motion has one (and the T key hides it), and the root trajectory moving the
 * robot across a still camera (F: not following) while a following camera keeps it in place. */
#include "preview_testlib.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "headless.h"
#include "palette.h"

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

static SDL_Color want;

static bool is_want(Uint8 r, Uint8 g, Uint8 b)
{
    return r == want.r && g == want.g && b == want.b;
}

static long count_colour(SDL_Surface *s, SDL_Color c, int box[4])
{
    want = c;
    return pt_count(s, is_want, box);
}

static void key(preview_app *app, SDL_Keycode k)
{
    SDL_Event ev = {.type = SDL_KEYDOWN};
    ev.key.keysym.sym = k;
    preview_app_event(app, &ev);
}

static void draw(preview_canvas *c, preview_app *app, double t, bool frame)
{
    if (preview_canvas_draw(c, app, t, frame) != MPK_OK)
        fail_msg("draw: %s", preview_error_message());
}

static void test_grid_and_root_path(void **state)
{
    preview_canvas c;
    preview_app app;
    int box[4], robot[4];
    long grid, path;

    pt_app(&app, pt_source("t", "walk", pt_track("g1-29dof", 2.0, 50, true, NULL, 0, NULL), NULL),
           false);
    assert_int_equal(preview_canvas_open(&c, 640, 480), MPK_OK);
    draw(&c, &app, 1.0, true);
    grid = count_colour(c.surface, PV_GRID, box);
    assert_true(pt_count(c.surface, pt_is_robot, robot) > 1000);
    print_message("grid: %ld px in %d,%d..%d,%d; robot %d,%d..%d,%d\n", grid, box[0], box[1],
                  box[2], box[3], robot[0], robot[1], robot[2], robot[3]);
    /* The ground: lines spread over the image, reaching below the robot's feet. */
    assert_true(grid > 500);
    assert_true(box[2] - box[0] > 640 / 2 && box[3] > robot[3]);
    path = count_colour(c.surface, PV_TRAJECTORY, NULL);
    print_message("root path: %ld px\n", path);
    assert_true(path > 20);
    key(&app, SDLK_t);
    draw(&c, &app, 1.0, false);
    assert_int_equal(count_colour(c.surface, PV_TRAJECTORY, NULL), 0);
    assert_true(count_colour(c.surface, PV_GRID, NULL) > 500);
    preview_canvas_close(&c);
    preview_app_free(&app);

    /* A motion without a root trajectory has no path to draw. */
    pt_app(&app, pt_source("t", "still", pt_track("g1-29dof", 2.0, 50, false, NULL, 0, NULL), NULL),
           false);
    assert_int_equal(preview_canvas_open(&c, 640, 480), MPK_OK);
    draw(&c, &app, 1.0, true);
    assert_int_equal(count_colour(c.surface, PV_TRAJECTORY, NULL), 0);
    preview_canvas_close(&c);
    preview_app_free(&app);
}

/* Centre x of the robot's pixels at the start and the end of the walk (0.5 m forward). */
static void robot_travel(bool follow, int *x_start, int *x_end)
{
    preview_canvas c;
    preview_app app;
    int box[4];

    pt_app(&app, pt_source("t", "walk", pt_track("g1-29dof", 2.0, 50, true, NULL, 0, NULL), NULL),
           false);
    app.show_trajectory = false;
    if (!follow)
        key(&app, SDLK_f);
    assert_int_equal(app.follow, follow);
    assert_int_equal(preview_canvas_open(&c, 640, 480), MPK_OK);
    draw(&c, &app, app.player.start, true);
    assert_true(pt_count(c.surface, pt_is_robot, box) > 500);
    *x_start = (box[0] + box[2]) / 2;
    draw(&c, &app, app.player.end, false);
    assert_true(pt_count(c.surface, pt_is_robot, box) > 500);
    *x_end = (box[0] + box[2]) / 2;
    preview_canvas_close(&c);
    preview_app_free(&app);
}

static void test_root_trajectory_moves_the_robot(void **state)
{
    int a, b, fa, fb;

    robot_travel(false, &a, &b);
    robot_travel(true, &fa, &fb);
    print_message("robot centre x: still camera %d -> %d, following camera %d -> %d\n", a, b, fa,
                  fb);
    assert_true(abs(b - a) > 15);
    assert_true(abs(fb - fa) < abs(b - a) / 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_and_root_path),
        cmocka_unit_test(test_root_trajectory_moves_the_robot),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
