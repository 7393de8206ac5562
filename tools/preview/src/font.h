/* On-screen text: Debian's DejaVu Sans Mono (fonts-dejavu-core) through SDL2_ttf, rendered once
 * into a texture atlas of the printable ASCII characters and then copied glyph by glyph. */
#ifndef PREVIEW_FONT_H
#define PREVIEW_FONT_H

#include <SDL.h>

#include "mpk/common.h"

#define PREVIEW_FONT_DEFAULT "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define PREVIEW_FONT_ENV     "MPK_PREVIEW_FONT" /**< overrides the font file */

typedef struct preview_font preview_font;

/**
 * Opens the font (path NULL: $MPK_PREVIEW_FONT, else PREVIEW_FONT_DEFAULT) at size points and
 * builds its atlas for renderer r.
 */
int preview_font_open(preview_font **out, SDL_Renderer *r, const char *path, int size) MPK_WUR;

/** Advance of one character and line height, in pixels. */
int preview_font_width(const preview_font *f);
int preview_font_height(const preview_font *f);

/** Draws text at x, y (top left); characters outside ASCII show as '?'. @return its width */
int preview_font_draw(preview_font *f, SDL_Renderer *r, int x, int y, SDL_Color c,
                      const char *text);

/** printf-style preview_font_draw(). */
int preview_font_printf(preview_font *f, SDL_Renderer *r, int x, int y, SDL_Color c,
                        const char *fmt, ...) MPK_PRINTF(6, 7);

void preview_font_free(preview_font *f);

#endif
