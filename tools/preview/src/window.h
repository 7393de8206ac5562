/* The interactive window: SDL2 window and renderer, the event loop, frame pacing, screenshots. */
#ifndef PREVIEW_WINDOW_H
#define PREVIEW_WINDOW_H

#include "app.h"

typedef struct preview_window_opts {
    int w, h;               /**< initial window size */
    bool software;          /**< force SDL's software renderer */
    const char *screenshot; /**< save the window's contents here after screenshot_frame frames */
    int screenshot_frame;   /**< frames drawn before the screenshot (default 10) */
    bool exit_after_screenshot;
} preview_window_opts;

/** Opens the window and runs until the user quits (Q, Esc, closing the window, SIGTERM). */
int preview_window_run(preview_app *app, const preview_window_opts *opts) MPK_WUR;

/** Reads the renderer's current target into a PNG file (before SDL_RenderPresent). */
int preview_window_screenshot(SDL_Renderer *r, const char *path) MPK_WUR;

#endif
