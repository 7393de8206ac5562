/* Small helpers of motiond: files written atomically, folders, time, random bytes. */
#ifndef MD_UTIL_H
#define MD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Writes a file atomically: temporary name in the same folder, fsync, rename, fsync folder. */
int md_write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);

/** Reads a whole file of at most max bytes (NUL-terminated). @return 0, -1 (errno set) */
int md_read_file(char **out, size_t *size, const char *path, size_t max);

/** mkdir -p. @return 0 or -1 (errno set) */
int md_mkdirs(const char *path, mode_t mode);

/** "YYYY-MM-DDTHH:MM:SSZ" */
void md_iso_time(char buf[21], int64_t unix_time);

/** Fills buf with random bytes from the kernel (aborts if it cannot: no weak fallback). */
void md_random(void *buf, size_t n);

void md_hex(char *out, const unsigned char *bytes, size_t n);

/** malloc'd formatted string; aborts on out of memory. */
char *md_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Removes a folder tree (best effort). */
void md_rmtree(const char *path);

#endif
