/**
 * @file mstore/hash.h
 * @brief Hashes as TUF metadata names them ("sha256", "sha512", ...), and whole-file checks.
 *
 * Supported algorithms: sha224, sha256, sha384, sha512 (mbedTLS). Hex digests are lowercase.
 */
#ifndef MSTORE_HASH_H
#define MSTORE_HASH_H

#include "mstore/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MSTORE_HASH_HEX_MAX 129 /**< hex characters of the longest digest, plus the NUL */

/** An expected digest: algorithm name and hex value. */
typedef struct mstore_hash {
    const char *algorithm; /**< "sha256", "sha512", ... */
    const char *hex;       /**< expected digest in lowercase hex */
} mstore_hash;

/** @return 1 if libmstore can compute the named algorithm. */
MSTORE_API int mstore_hash_supported(const char *algorithm);

/**
 * Hashes bytes.
 * @param[out] hex at least MSTORE_HASH_HEX_MAX bytes
 */
MSTORE_API MSTORE_WUR int mstore_hash_data(char *hex, const char *algorithm, const void *data,
                                           size_t size);

/** Hashes a file by streaming it. @param[out] hex at least MSTORE_HASH_HEX_MAX bytes */
MSTORE_API MSTORE_WUR int mstore_hash_file(char *hex, const char *algorithm, const char *path);

/**
 * Checks that a file has exactly length bytes and every listed digest (all must be supported).
 * @return MSTORE_OK, MSTORE_ENOTFOUND, MSTORE_ELENGTH, MSTORE_EHASH, MSTORE_EUNSUPPORTED,
 * MSTORE_EIO
 */
MSTORE_API MSTORE_WUR int mstore_file_verify(const char *path, uint64_t length,
                                             const mstore_hash *hashes, size_t n_hashes);

#ifdef __cplusplus
}
#endif
#endif
