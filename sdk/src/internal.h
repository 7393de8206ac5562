/* Internal helpers of libmpk; never installed. Internal functions carry the mpk__ prefix. */
#ifndef MPK_INTERNAL_H
#define MPK_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "mpk/common.h"

/** Sets this thread's context message and returns code, for `return mpk__error(...)`. */
int mpk__error(int code, const char *fmt, ...) MPK_PRINTF(2, 3);

/** Prepends "prefix: " to the current context message (e.g. the file name) and returns code. */
int mpk__error_prefix(int code, const char *fmt, ...) MPK_PRINTF(2, 3);

/**
 * Reads a whole file, failing with MPK_ELIMIT if it is larger than max.
 * @param[out] out malloc'd, NUL-terminated (not counted in size)
 */
int mpk__read_file(char **out, size_t *size, const char *path, size_t max);

/**
 * Writes data to path atomically: temporary file in the same folder, fsync, rename, fsync of the
 * folder. On failure nothing is left behind. mode is the file's permission bits (e.g. 0644).
 */
int mpk__write_file_atomic(const char *path, const void *data, size_t size, unsigned mode);

/**
 * Writes data to a new file at path: temporary file in the same folder, fsync, then linked to path
 * so that an existing file is never replaced (MPK_EEXISTS), fsync of the folder. For private keys.
 */
int mpk__write_file_new(const char *path, const void *data, size_t size, unsigned mode);

/** fsync of the folder that holds path. */
int mpk__fsync_parent(const char *path);

/** strdup that returns NULL only when s is NULL or memory is exhausted. */
char *mpk__strdup(const char *s);

/** Formatted allocation; NULL on failure. */
char *mpk__asprintf(const char *fmt, ...) MPK_PRINTF(1, 2);

#endif
