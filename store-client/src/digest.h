/* Streaming digests of the algorithms TUF metadata may name, and a set of them computed at once
 * (a download hashes with every algorithm its target lists while the bytes arrive). */
#ifndef MSTORE_DIGEST_H
#define MSTORE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "mstore/hash.h"

#define MSTORE__DIGEST_SET_MAX 4
#define MSTORE__HASHES_MAX     MSTORE__DIGEST_SET_MAX

/* OpenSSL's EVP digests, not mbedTLS's: they use the CPU's SHA instructions where present, about
 * 15 times faster than mbedTLS 2.28's portable code, and an install hashes every byte it
 * downloads and extracts. */
typedef struct mstore__digest {
    int alg;   /* index into the algorithm table */
    void *ctx; /* EVP_MD_CTX */
} mstore__digest;

#define MSTORE__DIGEST_SHA256 1 /* table index of "sha256" */

/** @return the table index of an algorithm name, or -1. */
int mstore__digest_alg(const char *name);
size_t mstore__digest_size(int alg);
/** @return MSTORE_OK, or MSTORE_ENOMEM (d is then safe to free). */
int mstore__digest_start(mstore__digest *d, int alg);
void mstore__digest_update(mstore__digest *d, const void *data, size_t size);
/** @param[out] out the raw digest, mstore__digest_size(alg) bytes (at most 64) */
void mstore__digest_finish(mstore__digest *d, unsigned char *out);
/** @param[out] hex lowercase hex digest, MSTORE_HASH_HEX_MAX bytes */
void mstore__digest_finish_hex(mstore__digest *d, char *hex);
void mstore__digest_free(mstore__digest *d);

/** Several expected digests checked over one stream. */
typedef struct mstore__digest_set {
    size_t n;
    mstore__digest d[MSTORE__DIGEST_SET_MAX];
    char expected[MSTORE__DIGEST_SET_MAX][MSTORE_HASH_HEX_MAX];
    char name[MSTORE__DIGEST_SET_MAX][16];
} mstore__digest_set;

/**
 * Prepares a set from expected hashes.
 * @return MSTORE_EUNSUPPORTED for an unknown algorithm, MSTORE_EFORMAT for a malformed digest,
 *         MSTORE_ELIMIT for more than MSTORE__DIGEST_SET_MAX hashes
 */
int mstore__digest_set_init(mstore__digest_set *s, const mstore_hash *hashes, size_t n);
/** Starts over (a download that restarts from byte 0). @return MSTORE_OK or MSTORE_ENOMEM */
int mstore__digest_set_restart(mstore__digest_set *s);
void mstore__digest_set_update(mstore__digest_set *s, const void *data, size_t size);
/** @return MSTORE_OK when every digest matches, else MSTORE_EHASH with the context message. */
int mstore__digest_set_check(mstore__digest_set *s, const char *what);
void mstore__digest_set_free(mstore__digest_set *s);

/**
 * mstore_file_verify() on an open file: its bytes from offset 0 (read with pread, so the
 * descriptor's offset is left alone). what names the file in messages.
 */
int mstore__fd_verify(int fd, const char *what, uint64_t length, const mstore_hash *hashes,
                      size_t n_hashes);

/** The same checks on bytes in memory. */
int mstore__data_verify(const void *data, size_t size, const char *what, uint64_t length,
                        const mstore_hash *hashes, size_t n_hashes);

#endif
