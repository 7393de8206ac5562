/* The thumbnail of `mpk build`, rendered by mpk-preview. */
#ifndef MPK_CLI_THUMBNAIL_H
#define MPK_CLI_THUMBNAIL_H

#include <stddef.h>

#include "mpk/mpk.h"

#define CLI_THUMBNAIL_PATH "assets/thumbnail.png" /**< where it goes in the package */
#define CLI_THUMBNAIL_SIZE "320x240"              /**< pixels, as docs/preview.md says */

/**
 * When the project wants a rendered thumbnail, runs `mpk-preview PROJECT_DIR --render PNG --size
 * 320x240 --motion NAME [--time T]` and adds the image to the project as its thumbnail. Without
 * mpk-preview, adds nothing and explains in note. note gets a line for the user either way
 * (empty when the project wants no rendered thumbnail).
 * @return MPK_OK, or an error (mpk-preview failed, the image cannot be added)
 */
int cli_thumbnail_render(mpk_project *project, char *note, size_t note_size);

#endif
