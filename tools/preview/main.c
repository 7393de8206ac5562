/* mpk-preview: shows a motion on the robot's skeleton before it moves, in a window or headless.
 * Usage and exit codes: docs/preview.md (and `mpk-preview --help`). */
#include <SDL.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "error.h"
#include "headless.h"
#include "window.h"

#define EXIT_USAGE   2
#define EXIT_INVALID 3 /* the package is damaged or its motion invalid */
#define SIDE_MIN     16
#define SIDE_MAX     8192

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mpk-preview FILE.mpk|FILE.mpkt|PROJECT_DIR [--motion NAME] [options]\n"
            "\n"
            "Shows a motion on the robot's skeleton, as the runtime will play it (blend-in from\n"
            "the standing pose included).\n"
            "\n"
            "Window (default):\n"
            "  --size WxH            window size (default 1280x720)\n"
            "  --play, --loop        start playing; loop\n"
            "  --speed X             playback speed, 0.1 to 2 (default 1)\n"
            "  --software            use SDL's software renderer\n"
            "  --time T              start at time T (seconds from the first frame)\n"
            "  --screenshot FILE     save the window's contents as PNG after the first frames\n"
            "  --exit-after-screenshot\n"
            "Headless (no display needed; SDL's software renderer, offscreen video driver):\n"
            "  --render OUT.png      render one image and exit\n"
            "  --time T              seconds from the first frame (negative: inside the\n"
            "                        blend-in); default: the middle of the motion\n"
            "  --frames DIR --fps N  render the whole timeline as DIR/frame-000000.png ...\n"
            "  --size WxH            image size (default 480x360; --frames 640x480)\n"
            "  --ui                  draw the whole interface, not only the 3D view\n"
            "Both:\n"
            "  --motion NAME         the motion to show (default: the first)\n"
            "  --no-blend            no blend-in: start at the first frame\n"
            "  --mode arm|full       the runtime's mode to show (default: full body when the\n"
            "                        package has the full-body permission, else the robot's\n"
            "                        default: arm mode for humanoids)\n"
            "  --font FILE           font for on-screen text (default DejaVu Sans Mono)\n"
            "\n"
            "Keys in the window: H shows them all. Exit codes: 0 success, 1 failure, 2 usage,\n"
            "3 damaged package or invalid motion.\n");
}

typedef struct args {
    const char *input, *motion, *render, *frames, *screenshot, *font;
    preview_mode mode;
    int w, h;
    bool size_set, play, loop, software, ui, no_blend, exit_after_screenshot, time_set;
    double time, fps, speed;
} args;

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "mpk-preview: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try --help)\n");
    return EXIT_USAGE;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool parse_size(const char *s, int *w, int *h)
{
    char *end;
    long a, b;

    errno = 0;
    a = strtol(s, &end, 10);
    if (errno || end == s || *end != 'x')
        return false;
    s = end + 1;
    b = strtol(s, &end, 10);
    if (errno || end == s || *end || a < SIDE_MIN || a > SIDE_MAX || b < SIDE_MIN || b > SIDE_MAX)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

static int parse(args *a, int argc, char **argv)
{
    int i;

    memset(a, 0, sizeof(*a));
    a->speed = 1.0;
    for (i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(o, "--motion") == 0 || strcmp(o, "--render") == 0 ||
                     strcmp(o, "--frames") == 0 || strcmp(o, "--screenshot") == 0 ||
                     strcmp(o, "--font") == 0 || strcmp(o, "--size") == 0 ||
                     strcmp(o, "--time") == 0 || strcmp(o, "--fps") == 0 ||
                     strcmp(o, "--speed") == 0 || strcmp(o, "--mode") == 0;
        if (takes && !v)
            return bad("%s needs a value", o);
        if (strcmp(o, "--motion") == 0)
            a->motion = v;
        else if (strcmp(o, "--render") == 0)
            a->render = v;
        else if (strcmp(o, "--frames") == 0)
            a->frames = v;
        else if (strcmp(o, "--screenshot") == 0)
            a->screenshot = v;
        else if (strcmp(o, "--font") == 0)
            a->font = v;
        else if (strcmp(o, "--mode") == 0) {
            if (strcmp(v, "arm") == 0)
                a->mode = PREVIEW_MODE_ARM;
            else if (strcmp(v, "full") == 0)
                a->mode = PREVIEW_MODE_FULL;
            else
                return bad("--mode '%s': must be arm or full", v);
        } else if (strcmp(o, "--size") == 0) {
            if (!parse_size(v, &a->w, &a->h))
                return bad("--size '%s': must be WxH, each 16 to 8192", v);
            a->size_set = true;
        } else if (strcmp(o, "--time") == 0) {
            if (!parse_number(v, &a->time))
                return bad("--time '%s': must be a number of seconds", v);
            a->time_set = true;
        } else if (strcmp(o, "--fps") == 0) {
            if (!parse_number(v, &a->fps) || a->fps <= 0 || a->fps > 1000)
                return bad("--fps '%s': must be a number from 0 to 1000", v);
        } else if (strcmp(o, "--speed") == 0) {
            if (!parse_number(v, &a->speed) || a->speed < 0.1 || a->speed > 2.0)
                return bad("--speed '%s': must be from 0.1 to 2", v);
        } else if (strcmp(o, "--play") == 0)
            a->play = true;
        else if (strcmp(o, "--loop") == 0)
            a->loop = true;
        else if (strcmp(o, "--software") == 0)
            a->software = true;
        else if (strcmp(o, "--ui") == 0)
            a->ui = true;
        else if (strcmp(o, "--no-blend") == 0)
            a->no_blend = true;
        else if (strcmp(o, "--exit-after-screenshot") == 0)
            a->exit_after_screenshot = true;
        else if (o[0] == '-' && o[1] != '\0')
            return bad("unknown option '%s'", o);
        else if (a->input)
            return bad("one package, track or project at a time ('%s' is one too many)", o);
        else
            a->input = o;
        if (takes)
            i++;
    }
    if (!a->input)
        return bad("%s", "which package? usage: mpk-preview FILE.mpk|FILE.mpkt|PROJECT_DIR");
    if (a->render && a->frames)
        return bad("%s", "--render and --frames: one at a time");
    if (a->frames && a->fps == 0)
        return bad("%s", "--frames needs --fps N");
    if (!a->frames && a->fps != 0)
        return bad("%s", "--fps goes with --frames DIR");
    if ((a->render || a->frames) && (a->screenshot || a->play))
        return bad("%s", "--screenshot and --play are for the window, not --render/--frames");
    if (a->time_set && a->frames)
        return bad("%s", "--time does not go with --frames (they cover the whole timeline)");
    if (!a->size_set) {
        a->w = a->render ? 480 : a->frames ? 640 : 1280;
        a->h = a->render ? 360 : a->frames ? 480 : 720;
    }
    return 0;
}

static int exit_code(int err)
{
    return err == MPK_ESIGNATURE || err == MPK_EHASH || err == MPK_EVALIDATE || err == MPK_EFORMAT
               ? EXIT_INVALID
               : EXIT_FAILURE;
}

/* Headless runs need no display: SDL's offscreen video driver, unless the caller chose one. */
static int init_sdl(bool headless)
{
    if (headless && !getenv("SDL_VIDEODRIVER"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
        return preview_fail(MPK_ERROR, "SDL: %s%s", SDL_GetError(),
                            headless ? "" : " (no display? use --render OUT.png)");
    return MPK_OK;
}

int main(int argc, char **argv)
{
    preview_app_opts ao = {0};
    preview_source *src = NULL;
    preview_app app;
    bool headless, app_ok = false;
    args a;
    int rc, err;

    for (rc = 1; rc < argc; rc++) {
        if (strcmp(argv[rc], "-h") == 0 || strcmp(argv[rc], "--help") == 0) {
            usage(stdout);
            return 0;
        }
    }
    if ((rc = parse(&a, argc, argv)) != 0)
        return rc;
    headless = a.render || a.frames;
    if ((err = preview_source_open(&src, a.input)) != MPK_OK)
        goto fail;
    ao.motion = a.motion;
    ao.ui = !headless || a.ui;
    ao.no_blend = a.no_blend;
    ao.font = a.font;
    ao.mode = a.mode;
    if ((err = preview_app_init(&app, src, &ao)) != MPK_OK)
        goto fail;
    app_ok = true;
    app.player.loop = a.loop;
    preview_player_set_speed(&app.player, a.speed);
    if ((err = init_sdl(headless)) != MPK_OK)
        goto fail;
    if (a.time_set && (a.time < app.player.start || a.time > app.player.end)) {
        err = preview_fail(MPK_EINVAL, "--time %g: outside the timeline %g .. %g s", a.time,
                           app.player.start, app.player.end);
        goto fail;
    }
    if (headless && app.eval.refusal[0])
        fprintf(stderr, "mpk-preview: warning: %s\n", app.eval.refusal);
    if (headless && app.eval.speed < 0.999)
        fprintf(stderr,
                "mpk-preview: warning: the runtime plays motion '%s' at x%.2f (a joint would "
                "exceed its velocity limit at full speed)\n",
                preview_app_motion(&app)->name, app.eval.speed);
    if (a.render) {
        double t = a.time_set ? a.time : app.player.end / 2.0;
        if ((err = preview_headless_render(&app, a.render, a.w, a.h, t)) != MPK_OK)
            goto fail;
    } else if (a.frames) {
        int n = 0;
        if ((err = preview_headless_frames(&app, a.frames, a.w, a.h, a.fps, &n)) != MPK_OK)
            goto fail;
        printf("mpk-preview: wrote %d frames to %s\n", n, a.frames);
    } else {
        preview_window_opts wo = {a.w, a.h, a.software, a.screenshot, 10, a.exit_after_screenshot};
        app.player.playing = a.play;
        if (a.time_set)
            preview_player_seek(&app.player, a.time);
        if ((err = preview_window_run(&app, &wo)) != MPK_OK)
            goto fail;
    }
    preview_app_free(&app);
    SDL_Quit();
    return 0;
fail:
    fprintf(stderr, "mpk-preview: %s\n", preview_error_message());
    if (app_ok)
        preview_app_free(&app);
    SDL_Quit();
    return exit_code(err);
}
