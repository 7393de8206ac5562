/**
 * @file mstore/file.h
 * @brief Files as libmstore keeps them: bounded reads and atomic writes.
 *
 * The same helpers that store the client's trusted metadata, offered to programs beside the
 * library (mstore-server writes its repository with them), so that one implementation of the
 * write-to-temporary, fsync, rename, fsync-folder sequence serves both sides.
 */
#ifndef MSTORE_FILE_H
#define MSTORE_FILE_H

#include "mstore/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Reads a whole regular file of at most max bytes.
 * @param[out] out malloc'd, NUL-terminated (the NUL is not counted in size)
 * @return MSTORE_OK; MSTORE_ENOTFOUND (missing), MSTORE_ELIMIT (larger than max), MSTORE_EIO
 *         (unreadable or not a regular file), MSTORE_ENOMEM
 */
MSTORE_API MSTORE_WUR int mstore_file_read(unsigned char **out, size_t *size, const char *path,
                                           size_t max);

/**
 * Writes data to path atomically: a temporary file in the same folder (path + ".tmp.XXXXXX")
 * with the given mode, fsync, rename over path, fsync of the folder. On failure nothing is left
 * behind and path is unchanged.
 * @return MSTORE_OK; MSTORE_EIO; MSTORE_EINVAL (path too long)
 */
MSTORE_API MSTORE_WUR int mstore_file_write_atomic(const char *path, const void *data, size_t size,
                                                   unsigned mode);

/** Creates a folder and its missing parents (mkdir -p), each with mode; existing ones are fine. */
MSTORE_API MSTORE_WUR int mstore_dir_create(const char *path, unsigned mode);

/** fsync of a folder, so that renames and new entries in it survive a power cut. */
MSTORE_API MSTORE_WUR int mstore_dir_sync(const char *path);

#ifdef __cplusplus
}
#endif
#endif
