/* bench_preview: prints the figures of mpk-preview's speed targets.
 *
 *   window FPS  the whole interface (3D view, lists, plot, timeline, text) of a playing g1-29dof
 *               motion drawn and presented at 1280x720 by SDL's software renderer, in a window of
 *               the offscreen video driver (the same code path as a window on a display, minus
 *               the display server). Target: at least 60 frames per second.
 *   thumbnail   one headless 480x360 image: plan the motion, frame, draw, encode and write the
 *               PNG, in process; and the whole `mpk-preview FILE --render OUT.png` program from
 *               exec to exit. Target: under 100 ms.
 *
 * usage: bench_preview [--program PATH/mpk-preview] [--input FILE.mpk|FILE.mpkt] [--frames N]
 * Without --input, a 10 s g1-29dof track at 50 Hz with a root trajectory is built in memory. */
#include <SDL.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "error.h"
#include "headless.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return v[(int)fmin(n - 1, floor(p * n))];
}

/* A g1-29dof motion: every joint moving smoothly inside its range, walking forward. */
static mpk_track *make_track(void)
{
    const mpk_robot_model *m = mpk_robot_find("g1-29dof");
    const char *names[MPK_TRACK_MAX_JOINTS];
    uint32_t frames = 501, f;
    mpk_track *t = NULL;
    int j;

    for (j = 0; j < m->joint_count; j++)
        names[j] = m->joints[j].name;
    if (mpk_track_new(&t, m->id, m->joint_count, names, 50.0, frames, MPK_TRACK_ROOT) != MPK_OK)
        return NULL;
    for (f = 0; f < frames; f++) {
        float *row = mpk_track_positions(t) + (size_t)f * (size_t)m->joint_count;
        float *root = mpk_track_root(t) + (size_t)f * 7;
        for (j = 0; j < m->joint_count; j++) {
            const mpk_joint *jt = &m->joints[j];
            double amp = 0.15 * (jt->upper - jt->lower);
            double mid = fmin(fmax(jt->stand, jt->lower + amp), jt->upper - amp);
            row[j] = (float)(mid + amp * sin(0.04 * f + j));
        }
        root[0] = (float)(0.002 * f);
        root[2] = (float)m->stand_height;
        root[3] = root[4] = root[5] = 0;
        root[6] = 1;
    }
    return t;
}

static preview_source *make_source(const char *input)
{
    preview_source *src = NULL;

    if (input) {
        if (preview_source_open(&src, input) != MPK_OK)
            return NULL;
        return src;
    }
    if (preview_source_new(&src, "bench g1-29dof") != MPK_OK ||
        preview_source_add(src, "bench", make_track()) != MPK_OK) {
        preview_source_free(src);
        return NULL;
    }
    return src;
}

/* present: how SDL presents the software renderer's frame in the window. "software": SDL's own
 * framebuffer copy (what `mpk-preview --software` uses); "default": SDL's default, which uploads
 * the frame as an OpenGL texture when it can (here Mesa's llvmpipe, itself on the CPU). */
static int bench_window(const char *input, int frames, const char *present)
{
    preview_app_opts o = {0};
    preview_app app;
    SDL_Window *win;
    SDL_Renderer *r;
    double *ft = calloc((size_t)frames, sizeof(double)), t0, total;
    int i;

    o.ui = true;
    if (!ft || preview_app_init(&app, make_source(input), &o) != MPK_OK)
        return 1;
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, strcmp(present, "software") == 0 ? "0" : "1");
    win = SDL_CreateWindow("bench", 0, 0, 1280, 720, 0);
    r = win ? SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE) : NULL;
    if (!r) {
        fprintf(stderr, "bench_preview: %s\n", SDL_GetError());
        return 1;
    }
    preview_app_layout(&app, 1280, 720);
    preview_app_frame_camera(&app);
    app.player.playing = true;
    app.player.loop = true;
    /* Warm up: font atlas, plot cache, scratch buffers. */
    for (i = 0; i < 10; i++) {
        if (preview_app_draw(&app, r) != MPK_OK)
            return 1;
        SDL_RenderPresent(r);
    }
    t0 = now_s();
    for (i = 0; i < frames; i++) {
        double s = now_s();
        preview_app_tick(&app, 1.0 / 60.0);
        if (preview_app_draw(&app, r) != MPK_OK) {
            fprintf(stderr, "bench_preview: %s\n", preview_error_message());
            return 1;
        }
        SDL_RenderPresent(r);
        ft[i] = now_s() - s;
    }
    total = now_s() - t0;
    printf("window 1280x720 %s, software renderer, %s present: %.1f frames/s over %d frames "
           "(frame time median %.2f ms, p99 %.2f ms)  [target >= 60]\n",
           app.pose.model->id, present, frames / total, frames, 1e3 * percentile(ft, frames, 0.5),
           1e3 * percentile(ft, frames, 0.99));
    SDL_DestroyRenderer(r);
    SDL_DestroyWindow(win);
    preview_app_free(&app);
    free(ft);
    return 0;
}

static int bench_thumbnail(const char *input, const char *dir, int runs)
{
    double *v = calloc((size_t)runs, sizeof(double));
    char out[4096];
    int i;

    snprintf(out, sizeof(out), "%s/thumb.png", dir);
    for (i = 0; i < runs; i++) {
        preview_app_opts o = {0};
        preview_app app;
        double s = now_s();
        /* Everything a thumbnail needs after the package is read: plan, frame, draw, PNG. */
        if (preview_app_init(&app, make_source(input), &o) != MPK_OK ||
            preview_headless_render(&app, out, 480, 360, app.player.end / 2) != MPK_OK) {
            fprintf(stderr, "bench_preview: %s\n", preview_error_message());
            return 1;
        }
        v[i] = now_s() - s;
        preview_app_free(&app);
    }
    printf("thumbnail 480x360 in process (load + plan + draw + PNG): median %.2f ms, p90 %.2f ms "
           "over %d runs  [target < 100 ms]\n",
           1e3 * percentile(v, runs, 0.5), 1e3 * percentile(v, runs, 0.9), runs);
    free(v);
    return 0;
}

static int bench_program(const char *program, const char *input, const char *dir, int runs)
{
    double *v = calloc((size_t)runs, sizeof(double));
    char track[4096], out[4096];
    int i, status;

    if (!input) {
        mpk_track *t = make_track();
        snprintf(track, sizeof(track), "%s/bench.mpkt", dir);
        if (!t || mpk_track_write_file(t, track) != MPK_OK) {
            fprintf(stderr, "bench_preview: %s\n", mpk_error_message());
            return 1;
        }
        mpk_track_free(t);
        input = track;
    }
    snprintf(out, sizeof(out), "%s/prog.png", dir);
    for (i = 0; i < runs; i++) {
        double s = now_s();
        pid_t pid = fork();
        if (pid == 0) {
            unsetenv("DISPLAY");
            execl(program, program, input, "--render", out, (char *)NULL);
            _exit(127);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench_preview: %s --render failed\n", program);
            return 1;
        }
        v[i] = now_s() - s;
    }
    printf("thumbnail 480x360 by the program (`mpk-preview FILE --render OUT.png`, exec to exit): "
           "median %.2f ms, p90 %.2f ms over %d runs  [target < 100 ms]\n",
           1e3 * percentile(v, runs, 0.5), 1e3 * percentile(v, runs, 0.9), runs);
    free(v);
    return 0;
}

int main(int argc, char **argv)
{
    const char *program = NULL, *input = NULL;
    char dir[] = "/tmp/bench_preview.XXXXXX";
    int frames = 600, i, rc;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--program") == 0 && i + 1 < argc)
            program = argv[++i];
        else if (strcmp(argv[i], "--input") == 0 && i + 1 < argc)
            input = argv[++i];
        else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
            frames = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_preview [--program PATH] [--input FILE] [--frames N]\n");
            return 2;
        }
    }
    if (frames < 1 || !mkdtemp(dir))
        return 2;
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "bench_preview: SDL: %s\n", SDL_GetError());
        return 1;
    }
    rc = bench_window(input, frames, "software");
    if (rc == 0)
        rc = bench_window(input, frames, "default");
    if (rc == 0)
        rc = bench_thumbnail(input, dir, 30);
    if (rc == 0 && program)
        rc = bench_program(program, input, dir, 15);
    SDL_Quit();
    {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_preview: could not remove %s\n", dir);
    }
    return rc;
}
