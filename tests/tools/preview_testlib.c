/* Helpers of the mpk-preview tests. */
#include "preview_testlib.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"

mpk_track *pt_track(const char *robot, double seconds, double rate, bool root,
                    const char *over_joint, double over_from, const char *near_joint)
{
    const mpk_robot_model *m = mpk_robot_find(robot);
    const char *names[MPK_TRACK_MAX_JOINTS];
    uint32_t frames = (uint32_t)lround(seconds * rate) + 1, f;
    mpk_track *t = NULL;
    float *p, *rp;
    int j, over = -1, near = -1, wave1, wave2;

    assert_non_null(m);
    for (j = 0; j < m->joint_count; j++)
        names[j] = m->joints[j].name;
    assert_int_equal(
        mpk_track_new(&t, robot, m->joint_count, names, rate, frames, root ? MPK_TRACK_ROOT : 0),
        MPK_OK);
    if (over_joint)
        assert_true((over = mpk_robot_joint_index(m, over_joint)) >= 0);
    if (near_joint)
        assert_true((near = mpk_robot_joint_index(m, near_joint)) >= 0);
    wave1 = mpk_robot_joint_index(m, m->humanoid ? "left_shoulder_roll" : "FL_thigh");
    wave2 = mpk_robot_joint_index(m, m->humanoid ? "left_elbow" : "FL_calf");
    p = mpk_track_positions(t);
    rp = mpk_track_root(t);
    for (f = 0; f < frames; f++) {
        double time = f / rate, s = sin(2 * M_PI * 0.5 * time);
        float *row = p + (size_t)f * (size_t)m->joint_count;
        for (j = 0; j < m->joint_count; j++)
            row[j] = (float)m->joints[j].stand;
        if (wave1 >= 0) {
            const mpk_joint *a = &m->joints[wave1];
            row[wave1] = (float)(a->stand + 0.3 * (a->upper - a->stand) * (0.5 + 0.5 * s));
        }
        if (wave2 >= 0) {
            const mpk_joint *a = &m->joints[wave2];
            row[wave2] = (float)((a->lower + a->upper) / 2 + 0.2 * (a->upper - a->lower) * s);
        }
        if (near >= 0) {
            const mpk_joint *a = &m->joints[near];
            row[near] = (float)(a->upper - 0.01 * (a->upper - a->lower));
        }
        if (over >= 0) {
            /* Smoothly (a jump would make the runtime slow the whole motion down), from the
             * middle of the range to 0.2 rad past the upper limit, reached at over_from. */
            const mpk_joint *a = &m->joints[over];
            double u = fmin(1.0, fmax(0.0, (time - (over_from - 0.5)) / 0.5));
            double mid = (a->lower + a->upper) / 2;
            row[over] = (float)(mid + (a->upper + 0.2 - mid) * u * u * (3 - 2 * u));
        }
        if (rp) {
            float *r = rp + (size_t)f * 7;
            r[0] = (float)(0.5 * time / seconds);
            r[1] = 0;
            r[2] = (float)m->stand_height;
            r[3] = r[4] = r[5] = 0;
            r[6] = 1;
        }
    }
    return t;
}

preview_source *pt_source(const char *label, const char *name, mpk_track *track, ...)
{
    preview_source *src = NULL;
    va_list ap;

    assert_int_equal(preview_source_new(&src, label), MPK_OK);
    va_start(ap, track);
    while (name) {
        if (preview_source_add(src, name, track) != MPK_OK)
            fail_msg("preview_source_add: %s", preview_error_message());
        name = va_arg(ap, const char *);
        if (name)
            track = va_arg(ap, mpk_track *);
    }
    va_end(ap);
    return src;
}

void pt_app(preview_app *app, preview_source *src, bool ui)
{
    preview_app_opts o = {0};

    o.ui = ui;
    if (preview_app_init(app, src, &o) != MPK_OK)
        fail_msg("preview_app_init: %s", preview_error_message());
}

void pt_sdl_init(void)
{
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
    /* Windows present their software frames by SDL's own copy, not through an OpenGL texture
     * (which would load Mesa for nothing). */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
        fail_msg("SDL_Init: %s", SDL_GetError());
}

bool pt_is_red(Uint8 r, Uint8 g, Uint8 b)
{
    return r > 120 && r > 2 * g && r > 2 * b;
}

bool pt_is_yellow(Uint8 r, Uint8 g, Uint8 b)
{
    return r > 150 && g > 120 && b < 90 && r > b + 100;
}

bool pt_is_robot(Uint8 r, Uint8 g, Uint8 b)
{
    bool blue = b > 150 && b > r + 60 && g > 90;
    bool white = r > 200 && g > 200 && b > 200;
    return blue || white || pt_is_red(r, g, b) || pt_is_yellow(r, g, b);
}

long pt_count(SDL_Surface *s, pt_pixel_fn fn, int box[4])
{
    SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGB24, 0);
    long n = 0;
    int x, y;

    assert_non_null(c);
    if (box) {
        box[0] = box[1] = INT32_MAX;
        box[2] = box[3] = -1;
    }
    for (y = 0; y < c->h; y++) {
        const Uint8 *row = (const Uint8 *)c->pixels + (size_t)y * (size_t)c->pitch;
        for (x = 0; x < c->w; x++) {
            if (!fn(row[3 * x], row[3 * x + 1], row[3 * x + 2]))
                continue;
            n++;
            if (box) {
                box[0] = x < box[0] ? x : box[0];
                box[1] = y < box[1] ? y : box[1];
                box[2] = x > box[2] ? x : box[2];
                box[3] = y > box[3] ? y : box[3];
            }
        }
    }
    SDL_FreeSurface(c);
    return n;
}

SDL_Surface *pt_crop(SDL_Surface *s, const SDL_Rect *r)
{
    SDL_Surface *c = SDL_CreateRGBSurfaceWithFormat(0, r->w, r->h, 24, SDL_PIXELFORMAT_RGB24);
    SDL_Rect src = *r;

    assert_non_null(c);
    assert_int_equal(SDL_BlitSurface(s, &src, c, NULL), 0);
    return c;
}

int pt_colours(SDL_Surface *s)
{
    SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGB24, 0);
    static Uint32 seen[4096];
    int n = 0, x, y, k;

    assert_non_null(c);
    for (y = 0; y < c->h && n < 4096; y++) {
        const Uint8 *row = (const Uint8 *)c->pixels + (size_t)y * (size_t)c->pitch;
        for (x = 0; x < c->w && n < 4096; x++) {
            Uint32 v = (Uint32)row[3 * x] << 16 | (Uint32)row[3 * x + 1] << 8 | row[3 * x + 2];
            for (k = 0; k < n && seen[k] != v; k++)
                ;
            if (k == n)
                seen[n++] = v;
        }
    }
    SDL_FreeSurface(c);
    return n;
}

SDL_Surface *pt_png_load(const char *path)
{
    png_image img;
    SDL_Surface *s;

    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
        return NULL;
    img.format = PNG_FORMAT_RGB;
    s = SDL_CreateRGBSurfaceWithFormat(0, (int)img.width, (int)img.height, 24,
                                       SDL_PIXELFORMAT_RGB24);
    if (!s || !png_image_finish_read(&img, NULL, s->pixels, s->pitch, NULL)) {
        png_image_free(&img);
        SDL_FreeSurface(s);
        return NULL;
    }
    return s;
}
