/**
 * @file mpk/file.h
 * @brief Bounded file reads and crash-safe writes, as libmpk does them for its own files.
 *
 * Exported so that the programs and libraries built on libmpk (the store client, the preview,
 * the model generator) write their files the same way instead of each carrying a copy: a reader
 * sees the old file or the new one, never a part, even after a power cut.
 */
#ifndef MPK_FILE_H
#define MPK_FILE_H

#include <stddef.h>

#include "mpk/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Reads a whole regular file of at most max bytes into a new buffer (free() it), with a NUL
 *  after the last byte that *size does not count. MPK_ENOTFOUND if there is no such file,
 *  MPK_ELIMIT if it is larger than max, MPK_EIO otherwise; the message names the path. */
MPK_API MPK_WUR int mpk_file_read(char **out, size_t *size, const char *path, size_t max);

/** Replaces path with data atomically: a temporary file beside it, written, given mode, fsynced,
 *  renamed over path, then the folder fsynced. On failure path is untouched and no temporary
 *  file is left. */
MPK_API MPK_WUR int mpk_file_write_atomic(const char *path, const void *data, size_t size,
                                          unsigned mode);

/** Like mpk_file_write_atomic, but never replaces an existing file: MPK_EEXISTS if path exists. */
MPK_API MPK_WUR int mpk_file_write_new(const char *path, const void *data, size_t size,
                                       unsigned mode);

/** fsyncs the folder that holds path, so that a rename or a new entry in it survives a crash. */
MPK_API MPK_WUR int mpk_file_sync_parent(const char *path);

#ifdef __cplusplus
}
#endif

#endif
