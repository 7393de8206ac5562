/* PNG files of rendered frames (libpng, Debian libpng-dev), written atomically. */
#ifndef PREVIEW_PNG_WRITE_H
#define PREVIEW_PNG_WRITE_H

#include <SDL.h>
#include <stddef.h>

#include "mpk/common.h"

/**
 * Encodes a surface (any pixel format) as an 8-bit RGB PNG.
 * @param[out] out malloc'd PNG bytes
 */
int preview_png_encode(void **out, size_t *size, SDL_Surface *surface) MPK_WUR;

/** Encodes and writes to path: temporary file in the same folder, fsync, rename, fsync folder. */
int preview_png_write(const char *path, SDL_Surface *surface) MPK_WUR;

#endif
