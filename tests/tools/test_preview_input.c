/* mpk-preview input: mouse and keyboard events pushed through SDL's event queue (SDL_PushEvent)
 * into the application, the way the window loop delivers them, against its state: scrubbing the
 * timeline, play/pause, speed, steps, loop, motion and joint lists, camera, blend-in, quit. */
#include "preview_testlib.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

#include "error.h"

typedef struct fixture {
    SDL_Window *win;
    SDL_Renderer *r;
    preview_app app;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    pt_sdl_init();
    f->win = SDL_CreateWindow("test", 0, 0, 1280, 720, 0);
    assert_non_null(f->win);
    f->r = SDL_CreateRenderer(f->win, -1, SDL_RENDERER_SOFTWARE);
    assert_non_null(f->r);
    pt_app(&f->app,
           pt_source("test", "wave", pt_track("g1-29dof", 4.0, 50, true, NULL, 0, NULL), "bow",
                     pt_track("g1-29dof", 2.0, 50, false, NULL, 0, NULL), NULL),
           true);
    preview_app_layout(&f->app, 1280, 720);
    /* The first draw loads the font and lays the panels out for it. */
    assert_int_equal(preview_app_draw(&f->app, f->r), MPK_OK);
    /* Only our events from here on: drop what opening the window queued. */
    SDL_PumpEvents();
    SDL_FlushEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    preview_app_free(&f->app);
    SDL_DestroyRenderer(f->r);
    SDL_DestroyWindow(f->win);
    SDL_Quit();
    free(f);
    return 0;
}

/* Delivers every queued event to the app, as the window loop does. */
static int pump(preview_app *app)
{
    SDL_Event ev;
    int n = 0;

    while (SDL_PollEvent(&ev)) {
        preview_app_event(app, &ev);
        n++;
    }
    return n;
}

static void push_key(SDL_Keycode key, Uint16 mod)
{
    SDL_Event ev = {0};

    ev.type = SDL_KEYDOWN;
    ev.key.state = SDL_PRESSED;
    ev.key.keysym.sym = key;
    ev.key.keysym.mod = mod;
    assert_int_equal(SDL_PushEvent(&ev), 1);
    ev.type = SDL_KEYUP;
    ev.key.state = SDL_RELEASED;
    assert_int_equal(SDL_PushEvent(&ev), 1);
}

static void push_button(Uint32 type, Uint8 button, int x, int y)
{
    SDL_Event ev = {0};

    ev.type = type;
    ev.button.button = button;
    ev.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    ev.button.clicks = 1;
    ev.button.x = x;
    ev.button.y = y;
    assert_int_equal(SDL_PushEvent(&ev), 1);
}

static void push_motion(int x, int y, int dx, int dy)
{
    SDL_Event ev = {0};

    ev.type = SDL_MOUSEMOTION;
    ev.motion.x = x;
    ev.motion.y = y;
    ev.motion.xrel = dx;
    ev.motion.yrel = dy;
    assert_int_equal(SDL_PushEvent(&ev), 1);
}

static void push_wheel(int x, int y, int clicks)
{
    SDL_Event ev = {0};

    ev.type = SDL_MOUSEWHEEL;
    ev.wheel.y = clicks;
    ev.wheel.preciseY = (float)clicks;
    ev.wheel.mouseX = x;
    ev.wheel.mouseY = y;
    assert_int_equal(SDL_PushEvent(&ev), 1);
}

static void click(int x, int y)
{
    push_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, x, y);
    push_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, x, y);
}

/* Seconds one timeline pixel stands for: the precision of a scrub. */
static double pixel_time(const preview_app *app)
{
    return (app->player.end - app->player.start) / (app->layout.timeline.w - 1);
}

static void test_scrub(void **state)
{
    fixture *f = *state;
    preview_app *app = &f->app;
    int y = app->layout.timeline.y + app->layout.timeline.h / 2;
    int x1 = preview_app_x_of_time(app, 1.0), x3 = preview_app_x_of_time(app, 3.0);

    assert_true(app->player.start < 0); /* the blend-in comes first */
    push_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, x1, y);
    assert_int_equal(pump(app), 1);
    assert_true(fabs(app->player.t - 1.0) <= pixel_time(app));
    assert_int_equal(app->drag, PREVIEW_DRAG_SCRUB);
    /* Dragging moves the time with the pointer, even beyond the bar's ends (clamped). */
    push_motion(x3, y, x3 - x1, 0);
    pump(app);
    assert_true(fabs(app->player.t - 3.0) <= pixel_time(app));
    push_motion(app->layout.timeline.x + app->layout.timeline.w + 50, y + 40, 50, 40);
    pump(app);
    assert_true(app->player.t == app->player.end);
    push_motion(0, y, -2000, 0);
    pump(app);
    assert_true(app->player.t == app->player.start);
    push_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, 0, y);
    pump(app);
    assert_int_equal(app->drag, PREVIEW_DRAG_NONE);
    /* The drawn pose is the one at the scrubbed time: the blend-in starts standing. */
    assert_int_equal(preview_app_draw(app, f->r), MPK_OK);
    assert_true(fabs(app->pose.q[3] - app->pose.model->joints[3].stand) < 1e-6);
    /* Clicking the plot scrubs too (it shares the timeline's time axis). */
    click(preview_app_x_of_time(app, 2.0), app->layout.plot.y + app->layout.plot.h / 2);
    pump(app);
    assert_true(fabs(app->player.t - 2.0) <= pixel_time(app));
}

static void test_play_pause(void **state)
{
    fixture *f = *state;
    preview_app *app = &f->app;

    preview_player_seek(&app->player, 0.0);
    push_key(SDLK_SPACE, 0);
    pump(app);
    assert_true(app->player.playing);
    preview_app_tick(app, 0.5);
    assert_true(fabs(app->player.t - 0.5) < 1e-9);
    /* The play button pauses. */
    {
        SDL_Point p = preview_app_button_centre(app, PREVIEW_BTN_PLAY);
        click(p.x, p.y);
    }
    pump(app);
    assert_false(app->player.playing);
    preview_app_tick(app, 0.5);
    assert_true(fabs(app->player.t - 0.5) < 1e-9);
    /* Scrubbing while playing holds the time under the pointer and resumes on release. */
    push_key(SDLK_SPACE, 0);
    push_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, preview_app_x_of_time(app, 2.0),
                app->layout.timeline.y + 2);
    pump(app);
    preview_app_tick(app, 0.5);
    assert_true(fabs(app->player.t - 2.0) <= pixel_time(app));
    push_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, 0, 0);
    pump(app);
    assert_true(app->player.playing);
    push_key(SDLK_SPACE, 0);
    pump(app);
}

static void test_speed(void **state)
{
    fixture *f = *state;
    preview_app *app = &f->app;
    SDL_Point faster = preview_app_button_centre(app, PREVIEW_BTN_FASTER);
    SDL_Point slower = preview_app_button_centre(app, PREVIEW_BTN_SLOWER);
    int i;

    assert_true(app->player.speed == 1.0);
    push_key(SDLK_PLUS, 0);
    push_key(SDLK_EQUALS, 0);
    pump(app);
    assert_true(fabs(app->player.speed - 1.5) < 1e-9);
    push_key(SDLK_MINUS, 0);
    pump(app);
    assert_true(fabs(app->player.speed - 1.25) < 1e-9);
    /* Playing at 1.25x: one second of wall time is 1.25 s of motion. */
    preview_player_seek(&app->player, 0.0);
    push_key(SDLK_SPACE, 0);
    pump(app);
    preview_app_tick(app, 1.0);
    assert_true(fabs(app->player.t - 1.25) < 1e-9);
    push_key(SDLK_SPACE, 0);
    /* The runtime's range: 0.1 to 2. */
    for (i = 0; i < 12; i++)
        click(faster.x, faster.y);
    pump(app);
    assert_true(app->player.speed == 2.0);
    for (i = 0; i < 12; i++)
        push_key(SDLK_KP_MINUS, 0);
    pump(app);
    assert_true(fabs(app->player.speed - 0.1) < 1e-9);
    click(slower.x, slower.y);
    pump(app);
    assert_true(fabs(app->player.speed - 0.1) < 1e-9);
    push_key(SDLK_1, 0);
    pump(app);
    assert_true(app->player.speed == 1.0);
}

static void test_step_and_ends(void **state)
{
    fixture *f = *state;
    preview_app *app = &f->app;
    double frame = 1.0 / 50;

    preview_player_seek(&app->player, 1.013);
    push_key(SDLK_RIGHT, 0);
    pump(app);
    assert_true(fabs(app->player.t - 1.02) < 1e-9);
    push_key(SDLK_LEFT, 0);
    pump(app);
    assert_true(fabs(app->player.t - 1.0) < 1e-9);
    push_key(SDLK_RIGHT, KMOD_LSHIFT);
    pump(app);
    assert_true(fabs(app->player.t - (1.0 + 10 * frame)) < 1e-9);
    /* A step out of the blend-in lands on the first frame. */
    push_key(SDLK_HOME, 0);
    pump(app);
    assert_true(app->player.t == app->player.start);
    push_key(SDLK_RIGHT, 0);
    pump(app);
    assert_true(app->player.t <= 0 && app->player.t >= app->player.start);
    push_key(SDLK_END, 0);
    pump(app);
    assert_true(app->player.t == app->player.end);
    /* Without loop, playing stops at the end; Space then restarts from the start. */
    preview_player_seek(&app->player, app->player.end - 0.1);
    push_key(SDLK_SPACE, 0);
    pump(app);
    preview_app_tick(app, 1.0);
    assert_true(app->player.t == app->player.end);
    assert_false(app->player.playing);
    push_key(SDLK_SPACE, 0);
    pump(app);
    assert_true(app->player.playing && app->player.t == app->player.start);
    push_key(SDLK_SPACE, 0);
    pump(app);
}

static void test_loop(void **state)
{
    fixture *f = *state;
    preview_app *app = &f->app;
    SDL_Point loop = preview_app_button_centre(app, PREVIEW_BTN_LOOP);

    push_key(SDLK_l, 0);
    pump(app);
    assert_true(app->player.loop);
    preview_player_seek(&app->player, app->player.end - 0.25);
    push_key(SDLK_SPACE, 0);
    pump(app);
    preview_app_tick(app, 0.5);
    /* Looping skips the blend-in: the second pass starts at the first frame. */
    assert_true(app->player.playing);
    assert_true(fabs(app->player.t - 0.25) < 1e-9);
    click(loop.x, loop.y);
    push_key(SDLK_SPACE, 0);
    pump(app);
    assert_false(app->player.loop);
    assert_false(app->player.playing);
}

static void test_lists(void **state)
{
    fixture *f = *state;
    preview_app *app = &f->app;
    const SDL_Rect *ml = &app->layout.motions, *jl = &app->layout.joints;
    int row = app->layout.row_h, x;

    assert_int_equal(app->motion, 0);
    /* Second row of the motion list (the first row is its header). */
    click(ml->x + 20, ml->y + 2 * row + row / 2);
    pump(app);
    assert_int_equal(app->motion, 1);
    assert_string_equal(preview_app_motion(app)->name, "bow");
    assert_true(app->player.end > 1.99 && app->player.end < 2.01);
    push_key(SDLK_TAB, 0);
    pump(app);
    assert_int_equal(app->motion, 0);
    push_key(SDLK_PAGEUP, 0);
    pump(app);
    assert_int_equal(app->motion, 1);
    push_key(SDLK_PAGEDOWN, 0);
    pump(app);
    assert_int_equal(app->motion, 0);

    /* The joint list selects the plotted joint. */
    click(jl->x + 20, jl->y + 4 * row + row / 2);
    pump(app);
    assert_int_equal(app->joint, app->joint_scroll + 3);
    push_key(SDLK_DOWN, 0);
    pump(app);
    assert_int_equal(app->joint, app->joint_scroll + 4);
    push_key(SDLK_UP, 0);
    push_key(SDLK_UP, 0);
    pump(app);
    assert_int_equal(app->joint, 2);
    assert_int_equal(preview_app_draw(app, f->r), MPK_OK);
    /* The plot now holds that joint's positions over the timeline. */
    for (x = 0; x < app->plot_w; x += 97) {
        double t = preview_app_time_at(app, app->layout.plot.x + x);
        assert_true(fabs(app->plot[x] - preview_eval_joint(&app->eval, t, 2)) < 1e-5);
    }
    /* Walking down the list scrolls it so the selection stays visible. */
    while (app->joint < app->pose.model->joint_count - 1) {
        push_key(SDLK_DOWN, 0);
        pump(app);
    }
    assert_true(app->joint_scroll > 0);
    assert_true(app->joint - app->joint_scroll < jl->h / row - 1);
    push_wheel(jl->x + 10, jl->y + 40, 10);
    pump(app);
    assert_int_equal(app->joint_scroll, 0);
}

static void test_camera(void **state)
{
    fixture *f = *state;
    preview_app *app = &f->app;
    const SDL_Rect *v = &app->layout.view;
    int cx = v->x + v->w / 2, cy = v->y + v->h / 2;
    preview_camera before = app->camera;

    push_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, cx, cy);
    push_motion(cx + 100, cy + 20, 100, 20);
    push_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, cx + 100, cy + 20);
    pump(app);
    assert_true(fabs(app->camera.yaw - before.yaw) > 0.3);
    assert_true(app->camera.pitch > before.pitch);
    assert_true(app->camera.distance == before.distance);

    before = app->camera;
    push_wheel(cx, cy, 3);
    pump(app);
    assert_true(app->camera.distance < before.distance * 0.8);

    before = app->camera;
    push_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_RIGHT, cx, cy);
    push_motion(cx - 50, cy, -50, 0);
    push_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_RIGHT, cx - 50, cy);
    pump(app);
    assert_true(pv3_len(pv3_sub(app->camera.target, before.target)) > 0.05);
    assert_true(app->camera.yaw == before.yaw);

    /* R frames the robot again. */
    push_key(SDLK_r, 0);
    pump(app);
    assert_true(app->camera.distance > PREVIEW_CAMERA_MIN_DIST);
}

static void test_blend_toggle_and_quit(void **state)
{
    fixture *f = *state;
    preview_app *app = &f->app;

    assert_true(app->player.start < 0);
    push_key(SDLK_b, 0);
    pump(app);
    assert_false(app->blend_in);
    assert_true(app->player.start == 0);
    push_key(SDLK_b, 0);
    pump(app);
    assert_true(app->player.start < 0);

    push_key(SDLK_h, 0);
    pump(app);
    assert_true(app->show_help);
    assert_int_equal(preview_app_draw(app, f->r), MPK_OK);

    assert_false(app->quit);
    push_key(SDLK_q, 0);
    pump(app);
    assert_true(app->quit);
    app->quit = false;
    {
        SDL_Event ev = {0};
        ev.type = SDL_QUIT;
        SDL_PushEvent(&ev);
    }
    pump(app);
    assert_true(app->quit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scrub, setup, teardown),
        cmocka_unit_test_setup_teardown(test_play_pause, setup, teardown),
        cmocka_unit_test_setup_teardown(test_speed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_and_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_camera, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blend_toggle_and_quit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
