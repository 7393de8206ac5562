/* Sideload uploads: a multipart/form-data body with one part "package" (the .mpk) and parts
 * "metadata" (the store's signed TUF metadata files and catalog, by file name), streamed into a
 * fresh folder: DIR/package.mpk and DIR/metadata/NAME. Names are checked (no path, no hidden
 * file), and the number of files and every byte are capped. */
#ifndef MD_UPLOAD_H
#define MD_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MD_UPLOAD_MAX_METADATA 64 /* metadata files in one upload */

typedef struct md_upload md_upload;

/** Makes the folder (mode 0700) under parent. */
int md_upload_new(md_upload **out, const char *parent, uint64_t max_bytes);

/**
 * Takes one chunk of a part (the post processor's iterator calls this).
 * @return 0, or -1 with the reason kept for md_upload_error()
 */
int md_upload_part(md_upload *u, const char *key, const char *filename, const char *data,
                   uint64_t off, size_t size);

/** Ends the upload. @return 0 if it holds a package, else -1 (md_upload_error says why) */
int md_upload_finish(md_upload *u);

const char *md_upload_error(const md_upload *u);
/** The folder (package.mpk, metadata/), valid until md_upload_free(). */
const char *md_upload_dir(const md_upload *u);
/** Keeps the folder on md_upload_free() (a job took it over). */
void md_upload_keep(md_upload *u);
void md_upload_free(md_upload *u);

/** @return true for a metadata file name: [A-Za-z0-9._-]{1,128}, not starting with '.'. */
bool md_upload_name_ok(const char *name);

#endif
