/* The interactive preview window. */
#include "window.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "png_write.h"

#define FRAME_MS     16  /* pacing while playing: about 60 frames per second */
#define IDLE_WAIT_MS 250 /* nothing moves: sleep in the event queue */

int preview_window_screenshot(SDL_Renderer *r, const char *path)
{
    SDL_Surface *s;
    int w, h, err;

    if (SDL_GetRendererOutputSize(r, &w, &h) != 0)
        return preview_fail(MPK_ERROR, "screenshot: %s", SDL_GetError());
    s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 24, SDL_PIXELFORMAT_RGB24);
    if (!s)
        return preview_fail(MPK_ENOMEM, "screenshot: %s", SDL_GetError());
    if (SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_RGB24, s->pixels, s->pitch) != 0) {
        SDL_FreeSurface(s);
        return preview_fail(MPK_ERROR, "screenshot: %s", SDL_GetError());
    }
    err = preview_png_write(path, s);
    SDL_FreeSurface(s);
    return err;
}

static SDL_Renderer *make_renderer(SDL_Window *win, bool software)
{
    SDL_Renderer *r = NULL;

    if (!software)
        r = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!r)
        r = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    return r;
}

static void set_title(SDL_Window *win, const preview_app *app)
{
    char title[512];

    snprintf(title, sizeof(title), "mpk-preview: %s - %s", app->source->label,
             preview_app_motion(app)->name);
    SDL_SetWindowTitle(win, title);
}

static void user_screenshot(preview_app *app, SDL_Renderer *r)
{
    char path[512];

    snprintf(path, sizeof(path), "mpk-preview-%s-%.3f.png", preview_app_motion(app)->name,
             app->player.t);
    if (preview_window_screenshot(r, path) == MPK_OK)
        printf("mpk-preview: saved %s\n", path);
    else
        fprintf(stderr, "mpk-preview: %s\n", preview_error_message());
    fflush(stdout);
}

int preview_window_run(preview_app *app, const preview_window_opts *o)
{
    SDL_Window *win = NULL;
    SDL_Renderer *r = NULL;
    SDL_RendererInfo info;
    Uint64 freq = SDL_GetPerformanceFrequency(), last, fps_start;
    int frames = 0, fps_frames = 0, shot_at = o->screenshot_frame > 0 ? o->screenshot_frame : 10;
    int w, h, shown_motion = -1, err = MPK_OK;
    bool software;

    /* --software means software all the way: SDL would otherwise present the frame through an
     * OpenGL texture when it can. */
    if (o->software)
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    win = SDL_CreateWindow("mpk-preview", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o->w,
                           o->h, SDL_WINDOW_RESIZABLE);
    if (!win)
        return preview_fail(MPK_ERROR, "cannot open a window: %s (no display? use --render)",
                            SDL_GetError());
    r = make_renderer(win, o->software);
    if (!r) {
        err = preview_fail(MPK_ERROR, "no renderer for the window: %s", SDL_GetError());
        goto out;
    }
    SDL_GetRendererInfo(r, &info);
    software = (info.flags & SDL_RENDERER_SOFTWARE) != 0;
    SDL_GetRendererOutputSize(r, &w, &h);
    app->ui = true;
    preview_app_layout(app, w, h);
    preview_app_frame_camera(app);
    last = fps_start = SDL_GetPerformanceCounter();
    while (!app->quit) {
        SDL_Event ev;
        Uint64 now;
        bool idle = !app->player.playing && !app->dirty && !(o->screenshot && frames <= shot_at);

        if (idle && SDL_WaitEventTimeout(&ev, IDLE_WAIT_MS))
            preview_app_event(app, &ev);
        while (SDL_PollEvent(&ev))
            preview_app_event(app, &ev);
        if (app->quit)
            break;
        now = SDL_GetPerformanceCounter();
        preview_app_tick(app, (double)(now - last) / (double)freq);
        last = now;
        if (!app->dirty && !(o->screenshot && frames <= shot_at))
            continue;
        if (shown_motion != app->motion) {
            set_title(win, app);
            shown_motion = app->motion;
        }
        if ((err = preview_app_draw(app, r)) != MPK_OK)
            goto out;
        frames++;
        if (o->screenshot && frames == shot_at) {
            if ((err = preview_window_screenshot(r, o->screenshot)) != MPK_OK)
                goto out;
            printf("mpk-preview: screenshot %s (%s renderer)\n", o->screenshot, info.name);
            fflush(stdout);
            if (o->exit_after_screenshot)
                app->quit = true;
        }
        if (app->screenshot_requested) {
            user_screenshot(app, r);
            app->screenshot_requested = false;
        }
        SDL_RenderPresent(r);
        fps_frames++;
        now = SDL_GetPerformanceCounter();
        if (now - fps_start > freq / 2) {
            app->fps = fps_frames * (double)freq / (double)(now - fps_start);
            fps_frames = 0;
            fps_start = now;
        }
        /* Vsync paces accelerated renderers; the software one would spin a core. */
        if (software || !(info.flags & SDL_RENDERER_PRESENTVSYNC)) {
            Uint64 spent = (SDL_GetPerformanceCounter() - last) * 1000 / freq;
            if (spent < FRAME_MS)
                SDL_Delay((Uint32)(FRAME_MS - spent));
        }
    }
out:
    if (r)
        SDL_DestroyRenderer(r);
    SDL_DestroyWindow(win);
    return err;
}
