/* File, time, random and text helpers of mstore-server. */
#ifndef SRV_UTIL_H
#define SRV_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/**
 * Writes data to path atomically: temporary file in the same folder, fsync, rename, fsync of the
 * folder; world-readable (0644) unless mode says otherwise. Nothing is left behind on failure.
 */
int srv_write_atomic(const char *path, const void *data, size_t size, unsigned mode);

/**
 * Writes data to path only if no file has that name yet: temporary file, fsync, hard link to
 * path (which fails if it exists), fsync of the folder. For names served as immutable.
 * @return SRV_OK; SRV_EEXISTS if path exists (left untouched); SRV_EIO
 */
int srv_write_once(const char *path, const void *data, size_t size, unsigned mode);

/** Copies src to dst atomically (same steps as srv_write_atomic). */
int srv_copy_atomic(const char *dst, const char *src, unsigned mode);

/** Reads a whole file of at most max bytes. @param[out] out malloc'd, NUL-terminated */
int srv_read_file(char **out, size_t *size, const char *path, size_t max);

/** mkdir -p with mode; existing folders are fine. */
int srv_mkdirs(const char *path, unsigned mode);

/** fsync of a folder. */
int srv_fsync_dir(const char *path);

/** @return true if path exists. */
bool srv_exists(const char *path);

/** Fills buf with random bytes from the kernel. */
int srv_random(void *buf, size_t size);

/** Lowercase hex of bytes. @param[out] hex 2 * size + 1 bytes */
void srv_hex(char *hex, const void *bytes, size_t size);

/** SHA-256 of a string as hex (65 bytes). */
void srv_sha256_hex(char *hex, const void *data, size_t size);

/** "2026-11-26T07:00:00Z" (21 bytes). */
void srv_time_iso(char *out, time_t t);

/** Formatted allocation; NULL only when out of memory. */
char *srv_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** @return a + "/" + b, malloc'd. */
char *srv_join(const char *a, const char *b);

/** Monotonic seconds. */
double srv_now_mono(void);

/**
 * Opens root/rel for reading without following a symbolic link anywhere below root: every
 * folder of rel is opened with O_NOFOLLOW | O_DIRECTORY from the one before, the file with
 * O_NOFOLLOW. @return a descriptor, or -1 with errno set (ELOOP or ENOTDIR for a link)
 */
int srv_open_beneath(const char *root, const char *rel);

/**
 * @return true if rel is a safe relative path inside a served folder: '/'-separated segments of
 * [A-Za-z0-9._@+-], none empty, "." or "..", none starting with '.', at most 512 bytes.
 */
bool srv_path_safe(const char *rel);

#endif
