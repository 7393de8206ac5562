/* PNG encoding with libpng into memory, then libmpk's atomic write. */
#include "png_write.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "internal.h" /* libmpk's mpk__write_file_atomic (sdk/src) */

#define PNG_MAX_SIDE 16384

typedef struct membuf {
    unsigned char *data;
    size_t size, cap;
    int failed;
} membuf;

static void mem_write(png_structp png, png_bytep data, png_size_t len)
{
    membuf *b = png_get_io_ptr(png);
    size_t need = b->size + len, cap = b->cap ? b->cap : 65536;
    unsigned char *p;

    if (b->failed)
        return;
    if (need > b->cap) {
        while (cap < need)
            cap *= 2;
        p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            png_error(png, "out of memory");
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->size, data, len);
    b->size = need;
}

static void mem_flush(png_structp png)
{
    (void)png;
}

/* libpng reports errors by longjmp; the message is kept for preview_fail(). */
static void on_error(png_structp png, png_const_charp msg)
{
    preview_fail(MPK_ERROR, "PNG: %s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

int preview_png_encode(void **out, size_t *size, SDL_Surface *surface)
{
    SDL_Surface *rgb = NULL;
    png_structp png = NULL;
    png_infop info = NULL;
    membuf buf = {0};
    png_bytep *volatile rows = NULL;
    int err = MPK_ERROR, y;

    if (!surface || surface->w <= 0 || surface->h <= 0 || surface->w > PNG_MAX_SIDE ||
        surface->h > PNG_MAX_SIDE)
        return preview_fail(MPK_EINVAL, "PNG: image size must be 1..%d pixels a side",
                            PNG_MAX_SIDE);
    rgb = SDL_ConvertSurfaceFormat(surface, SDL_PIXELFORMAT_RGB24, 0);
    if (!rgb)
        return preview_fail(MPK_ERROR, "PNG: %s", SDL_GetError());
    rows = malloc((size_t)rgb->h * sizeof(*rows));
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, on_error, on_warning);
    if (png)
        info = png_create_info_struct(png);
    if (!rows || !png || !info) {
        err = preview_fail(MPK_ENOMEM, "PNG: out of memory");
        goto out;
    }
    if (setjmp(png_jmpbuf(png))) {
        err = MPK_ERROR;
        goto out;
    }
    png_set_write_fn(png, &buf, mem_write, mem_flush);
    png_set_IHDR(png, info, (png_uint_32)rgb->w, (png_uint_32)rgb->h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* Rendered frames are flat areas and gradients: SUB and UP filters at a middle level compress
     * them nearly as well as the full search, several times faster. */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB | PNG_FILTER_UP);
    png_set_compression_level(png, 5);
    for (y = 0; y < rgb->h; y++)
        rows[y] = (png_bytep)rgb->pixels + (size_t)y * (size_t)rgb->pitch;
    png_set_rows(png, info, rows);
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    *out = buf.data;
    *size = buf.size;
    buf.data = NULL;
    err = MPK_OK;
out:
    png_destroy_write_struct(&png, &info);
    free(rows);
    free(buf.data);
    SDL_FreeSurface(rgb);
    return err;
}

int preview_png_write(const char *path, SDL_Surface *surface)
{
    void *data = NULL;
    size_t size = 0;
    int err;

    if ((err = preview_png_encode(&data, &size, surface)) != MPK_OK) {
        char inner[1024];
        snprintf(inner, sizeof(inner), "%s", preview_error_message());
        return preview_fail(err, "%s: %s", path, inner);
    }
    /* libmpk's atomic writer: temporary file beside path, fsync, rename, fsync of the folder. */
    err = mpk__write_file_atomic(path, data, size, 0644);
    free(data);
    return err ? preview_fail(err, "%s", mpk_error_message()) : MPK_OK;
}
