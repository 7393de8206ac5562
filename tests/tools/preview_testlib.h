/* Helpers of the mpk-preview tests: tracks built in memory, SDL set up headless, pixel counts. */
#ifndef PREVIEW_TESTLIB_H
#define PREVIEW_TESTLIB_H

#include <SDL.h>
#include <stdbool.h>

#include "app.h"
#include "mpk/mpk.h"

/**
 * A track for every joint of robot: the standing pose with the left arm waving (a humanoid) or the
 * front-left leg lifting (a quadruped). When over_joint is set, that joint moves smoothly from the
 * middle of its range (until over_from - 0.5 s) to 0.2 rad beyond its upper limit (from over_from
 * on); when near_joint is set, it is 1% of its range inside its
 * upper limit for the whole track. With root, a root trajectory walks 0.5 m forward.
 */
mpk_track *pt_track(const char *robot, double seconds, double rate, bool root,
                    const char *over_joint, double over_from, const char *near_joint);

/** A source with one motion per (name, track) pair; NULL-terminated varargs. */
preview_source *pt_source(const char *label, const char *name, mpk_track *track, ...);

/** An app over the source (ui on or off); fails the test on error. */
void pt_app(preview_app *app, preview_source *src, bool ui);

/** SDL with the offscreen video driver (what mpk-preview uses headless), software only. */
void pt_sdl_init(void);

/** Pixel tests on an XRGB8888 (or any 32-bit) surface. */
typedef bool (*pt_pixel_fn)(Uint8 r, Uint8 g, Uint8 b);
bool pt_is_red(Uint8 r, Uint8 g, Uint8 b);
bool pt_is_yellow(Uint8 r, Uint8 g, Uint8 b);
bool pt_is_robot(Uint8 r, Uint8 g, Uint8 b); /**< link blue, joint white, or a limit colour */

/** Counts matching pixels; box (x0, y0, x1, y1 inclusive) of them when box is not NULL. */
long pt_count(SDL_Surface *s, pt_pixel_fn fn, int box[4]);

/** A copy of the rectangle r of s (free with SDL_FreeSurface). */
SDL_Surface *pt_crop(SDL_Surface *s, const SDL_Rect *r);

/** Number of distinct colours (capped at 4096). */
int pt_colours(SDL_Surface *s);

/** Decodes a PNG file into an RGB24 surface (libpng's simplified API); NULL on error. */
SDL_Surface *pt_png_load(const char *path);

#endif
