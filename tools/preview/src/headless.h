/* Rendering without a display: SDL's software renderer drawing into a memory surface (SDL runs
 * with the offscreen video driver), written as PNG files. */
#ifndef PREVIEW_HEADLESS_H
#define PREVIEW_HEADLESS_H

#include "app.h"

#define PREVIEW_MAX_FRAMES 100000 /**< --frames refuses to write more files than this */

/** A software renderer on a memory surface of w x h pixels, reused for several frames. */
typedef struct preview_canvas {
    SDL_Surface *surface;
    SDL_Renderer *renderer;
} preview_canvas;

int preview_canvas_open(preview_canvas *c, int w, int h) MPK_WUR;
void preview_canvas_close(preview_canvas *c);

/**
 * Draws the app at time t into the canvas (lays the app out for the canvas size first).
 * @param frame true: point the camera at the robot at time t first (a thumbnail)
 */
int preview_canvas_draw(preview_canvas *c, preview_app *app, double t, bool frame) MPK_WUR;

/** `--render OUT.png --time T --size WxH`: one image. */
int preview_headless_render(preview_app *app, const char *path, int w, int h, double t) MPK_WUR;

/**
 * `--frames DIR --fps N`: the whole timeline (blend-in included when on) as DIR/frame-000000.png,
 * frame-000001.png ... DIR is created when missing. @param[out] written number of files
 */
int preview_headless_frames(preview_app *app, const char *dir, int w, int h, double fps,
                            int *written) MPK_WUR;

#endif
