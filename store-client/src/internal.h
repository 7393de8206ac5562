/* Internal helpers of libmstore; never installed. Shared internal names carry the mstore__ prefix.
 */
#ifndef MSTORE_INTERNAL_H
#define MSTORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstore/common.h"

/** Sets this thread's context message and returns code, for `return mstore__error(...)`. */
int mstore__error(int code, const char *fmt, ...) MSTORE_PRINTF(2, 3);

/** Prepends "prefix: " to the current context message (e.g. the file name) and returns code. */
int mstore__error_prefix(int code, const char *fmt, ...) MSTORE_PRINTF(2, 3);

/** strdup that returns NULL only when s is NULL or memory is exhausted. */
char *mstore__strdup(const char *s);

/** Formatted allocation; NULL on failure. */
char *mstore__asprintf(const char *fmt, ...) MSTORE_PRINTF(1, 2);

/**
 * Reads a whole regular file, failing with MSTORE_ELIMIT if it is larger than max.
 * @param[out] out malloc'd, NUL-terminated (the NUL is not counted in size)
 */
int mstore__read_file(unsigned char **out, size_t *size, const char *path, size_t max);

/**
 * Writes data to path atomically: temporary file in the same folder (path + ".tmp.XXXXXX"),
 * fsync, rename, fsync of the folder. On failure nothing is left behind.
 */
int mstore__write_file_atomic(const char *path, const void *data, size_t size, unsigned mode);

/** fsync of the folder that holds path. */
int mstore__fsync_parent(const char *path);

/** mkdir -p with mode for every folder created. */
int mstore__mkdirs(const char *path, unsigned mode);

/** Removes path; a missing file is not an error. The folder is fsynced after a removal. */
int mstore__remove_file(const char *path);

/** Lowercase hex of bytes. @param[out] hex 2 * size + 1 bytes */
void mstore__hex(char *hex, const unsigned char *bytes, size_t size);

/**
 * Decodes hex (either case) into bytes.
 * @return number of bytes, or -1 if hex is not an even-length hex string or longer than max.
 */
long mstore__unhex(unsigned char *out, size_t max, const char *hex);

/** Random bytes from the kernel (getrandom), usable as an mbedTLS f_rng. */
int mstore__random(void *ctx, unsigned char *buf, size_t len);

/** Monotonic clock in milliseconds. */
int64_t mstore__now_ms(void);

/** Sleeps for ms milliseconds (restarting after signals). */
void mstore__sleep_ms(long ms);

/** Growable byte buffer with a hard maximum; always NUL-terminated when data is not NULL. */
typedef struct mstore__buf {
    char *data;
    size_t len, cap, max;
} mstore__buf;

/** Starts an empty buffer that refuses to grow beyond max bytes (MSTORE_ELIMIT). */
void mstore__buf_init(mstore__buf *b, size_t max);
int mstore__buf_append(mstore__buf *b, const void *data, size_t len);
/** Makes room for len more bytes at once (a known Content-Length), within the maximum. */
int mstore__buf_reserve(mstore__buf *b, size_t len);
int mstore__buf_puts(mstore__buf *b, const char *s);
/** Hands the data to the caller (malloc'd, NUL-terminated; an empty buffer gives ""). */
char *mstore__buf_take(mstore__buf *b, size_t *len);
void mstore__buf_free(mstore__buf *b);

#endif
