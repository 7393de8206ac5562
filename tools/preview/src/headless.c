/* Headless rendering into PNG files. */
#include "headless.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "png_write.h"

int preview_canvas_open(preview_canvas *c, int w, int h)
{
    memset(c, 0, sizeof(*c));
    c->surface = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_XRGB8888);
    if (!c->surface)
        return preview_fail(MPK_ENOMEM, "image of %dx%d: %s", w, h, SDL_GetError());
    c->renderer = SDL_CreateSoftwareRenderer(c->surface);
    if (!c->renderer) {
        SDL_FreeSurface(c->surface);
        c->surface = NULL;
        return preview_fail(MPK_ERROR, "software renderer: %s", SDL_GetError());
    }
    return MPK_OK;
}

void preview_canvas_close(preview_canvas *c)
{
    if (c->renderer)
        SDL_DestroyRenderer(c->renderer);
    SDL_FreeSurface(c->surface);
    memset(c, 0, sizeof(*c));
}

int preview_canvas_draw(preview_canvas *c, preview_app *app, double t, bool frame)
{
    int err;

    if (app->w != c->surface->w || app->h != c->surface->h)
        preview_app_layout(app, c->surface->w, c->surface->h);
    preview_player_seek(&app->player, t);
    if (frame)
        preview_app_frame_camera(app);
    if ((err = preview_app_draw(app, c->renderer)) != MPK_OK)
        return err;
    /* The renderer batches commands; the surface holds the image only after a flush. */
    SDL_RenderFlush(c->renderer);
    return MPK_OK;
}

int preview_headless_render(preview_app *app, const char *path, int w, int h, double t)
{
    preview_canvas c;
    int err;

    if ((err = preview_canvas_open(&c, w, h)) != MPK_OK)
        return err;
    /* Lay out once before framing so the camera fits the actual image, not the default size. */
    preview_app_layout(app, w, h);
    if ((err = preview_canvas_draw(&c, app, t, true)) == MPK_OK)
        err = preview_png_write(path, c.surface);
    preview_canvas_close(&c);
    return err;
}

int preview_headless_frames(preview_app *app, const char *dir, int w, int h, double fps,
                            int *written)
{
    preview_canvas c;
    double span = app->player.end - app->player.start;
    long count, i;
    char path[4096];
    int err;

    *written = 0;
    if (!(fps > 0) || !isfinite(fps))
        return preview_fail(MPK_EINVAL, "--fps: must be a positive number");
    count = (long)floor(span * fps + 1e-9) + 1;
    if (count > PREVIEW_MAX_FRAMES)
        return preview_fail(MPK_ELIMIT, "--frames: %ld frames at %g fps is more than %d", count,
                            fps, PREVIEW_MAX_FRAMES);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return preview_fail(MPK_EIO, "%s: %s", dir, strerror(errno));
    if ((err = preview_canvas_open(&c, w, h)) != MPK_OK)
        return err;
    preview_app_layout(app, w, h);
    /* One framing for the whole sequence, so the camera holds still (and follows the root). */
    preview_player_seek(&app->player, app->player.start);
    preview_app_frame_camera(app);
    for (i = 0; i < count; i++) {
        double t = app->player.start + (double)i / fps;
        if (snprintf(path, sizeof(path), "%s/frame-%06ld.png", dir, i) >= (int)sizeof(path)) {
            err = preview_fail(MPK_EINVAL, "%s: path too long", dir);
            break;
        }
        if ((err = preview_canvas_draw(&c, app, t, false)) != MPK_OK ||
            (err = preview_png_write(path, c.surface)) != MPK_OK)
            break;
        (*written)++;
    }
    preview_canvas_close(&c);
    return err;
}
