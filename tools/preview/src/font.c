/* Text through an atlas of glyphs: SDL2_ttf renders the 95 printable ASCII characters once. */
#include "font.h"

#include <SDL_ttf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

#define FIRST_CHAR 32
#define LAST_CHAR  126
#define CHAR_COUNT (LAST_CHAR - FIRST_CHAR + 1)

struct preview_font {
    SDL_Texture *atlas;
    int advance, height;
};

int preview_font_open(preview_font **out, SDL_Renderer *r, const char *path, int size)
{
    char chars[CHAR_COUNT + 1];
    SDL_Color white = {255, 255, 255, 255};
    TTF_Font *ttf = NULL;
    SDL_Surface *surf = NULL;
    preview_font *f = NULL;
    int i, err = MPK_OK;

    if (!path)
        path = getenv(PREVIEW_FONT_ENV);
    if (!path || !*path)
        path = PREVIEW_FONT_DEFAULT;
    if (TTF_Init() != 0)
        return preview_fail(MPK_ERROR, "SDL2_ttf: %s", TTF_GetError());
    ttf = TTF_OpenFont(path, size);
    if (!ttf) {
        err = preview_fail(MPK_ENOTFOUND, "font %s: %s", path, TTF_GetError());
        goto out;
    }
    if (!TTF_FontFaceIsFixedWidth(ttf)) {
        err = preview_fail(MPK_EUNSUPPORTED, "font %s: not a fixed-width font", path);
        goto out;
    }
    for (i = 0; i < CHAR_COUNT; i++)
        chars[i] = (char)(FIRST_CHAR + i);
    chars[CHAR_COUNT] = '\0';
    /* One line of every character: in a fixed-width font, character i starts at i * advance. */
    surf = TTF_RenderUTF8_Blended(ttf, chars, white);
    if (!surf) {
        err = preview_fail(MPK_ERROR, "font %s: %s", path, TTF_GetError());
        goto out;
    }
    f = calloc(1, sizeof(*f));
    if (!f) {
        err = preview_fail(MPK_ENOMEM, "out of memory");
        goto out;
    }
    f->advance = surf->w / CHAR_COUNT;
    f->height = TTF_FontLineSkip(ttf);
    f->atlas = SDL_CreateTextureFromSurface(r, surf);
    if (!f->atlas || f->advance <= 0) {
        err = preview_fail(MPK_ERROR, "font atlas: %s", SDL_GetError());
        goto out;
    }
    SDL_SetTextureBlendMode(f->atlas, SDL_BLENDMODE_BLEND);
    *out = f;
    f = NULL;
out:
    preview_font_free(f);
    SDL_FreeSurface(surf);
    if (ttf)
        TTF_CloseFont(ttf);
    TTF_Quit();
    return err;
}

int preview_font_width(const preview_font *f)
{
    return f->advance;
}

int preview_font_height(const preview_font *f)
{
    return f->height;
}

int preview_font_draw(preview_font *f, SDL_Renderer *r, int x, int y, SDL_Color c, const char *text)
{
    SDL_Rect src = {0, 0, f->advance, f->height}, dst = {x, y, f->advance, f->height};
    const unsigned char *p;

    SDL_SetTextureColorMod(f->atlas, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(f->atlas, c.a);
    for (p = (const unsigned char *)text; *p; p++) {
        int ch = *p;
        if (ch >= 0x80) {
            /* One '?' per UTF-8 sequence, not per byte. */
            while ((p[1] & 0xC0) == 0x80)
                p++;
            ch = '?';
        } else if (ch < FIRST_CHAR || ch > LAST_CHAR) {
            ch = '?';
        }
        if (ch != ' ') {
            src.x = (ch - FIRST_CHAR) * f->advance;
            SDL_RenderCopy(r, f->atlas, &src, &dst);
        }
        dst.x += f->advance;
    }
    return dst.x - x;
}

int preview_font_printf(preview_font *f, SDL_Renderer *r, int x, int y, SDL_Color c,
                        const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return preview_font_draw(f, r, x, y, c, buf);
}

void preview_font_free(preview_font *f)
{
    if (!f)
        return;
    if (f->atlas)
        SDL_DestroyTexture(f->atlas);
    free(f);
}
