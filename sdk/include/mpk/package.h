/**
 * @file mpk/package.h
 * @brief .mpk packages: a reproducible zip of manifest.json, its signature, tracks and assets.
 *
 * Layout (docs/format.md): "manifest.json"; "signature.json" (algorithm, key id, public key PEM,
 * base64 DER signature over the exact bytes of manifest.json); every file the manifest lists
 * ("motions/<name>.mpkt", "assets/..."). Nothing else. Entries sorted by name, stored with a fixed
 * timestamp (SOURCE_DATE_EPOCH, else 2000-01-01) and fixed permissions: the same input gives the
 * same bytes.
 */
#ifndef MPK_PACKAGE_H
#define MPK_PACKAGE_H

#include "mpk/common.h"
#include "mpk/key.h"
#include "mpk/manifest.h"
#include "mpk/track.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MPK_PACKAGE_MAX_SIZE     (256ull * 1024 * 1024) /**< largest .mpk accepted */
#define MPK_PACKAGE_MAX_ENTRY    (128ull * 1024 * 1024) /**< largest single entry, uncompressed */
#define MPK_PACKAGE_MAX_ENTRIES  (MPK_MANIFEST_MAX_FILES + 2)
#define MPK_PACKAGE_MAX_UNPACKED (512ull * 1024 * 1024) /**< all entries together, uncompressed */

typedef struct mpk_package mpk_package;

/**
 * Opens a package: checks the zip structure, the entry limits and parses manifest.json and
 * signature.json. Does not verify the signature or the file hashes: call mpk_package_verify().
 */
MPK_API MPK_WUR int mpk_package_open(mpk_package **out, const char *path);

/** Same from memory (the buffer is copied). */
MPK_API MPK_WUR int mpk_package_open_buffer(mpk_package **out, const void *data, size_t size);

/**
 * Verifies the package: the signature over manifest.json by the embedded public key, that key's id
 * equals expected_key_id when that is not NULL, every listed file present with the listed size and
 * SHA-256, and no entry that the manifest does not list.
 */
MPK_API MPK_WUR int mpk_package_verify(mpk_package *pkg, const char *expected_key_id);

/** @return the parsed manifest. Borrowed. */
MPK_API const mpk_manifest *mpk_package_manifest(const mpk_package *pkg);

/** @return the signer's key id (hex), from signature.json. Borrowed. */
MPK_API const char *mpk_package_key_id(const mpk_package *pkg);

/** @return the exact bytes of manifest.json. Borrowed. */
MPK_API const char *mpk_package_manifest_bytes(const mpk_package *pkg, size_t *size);

/** Reads one entry (at most max bytes; MPK_ELIMIT beyond). @param[out] out malloc'd */
MPK_API MPK_WUR int mpk_package_read(void **out, size_t *size, const mpk_package *pkg,
                                     const char *path, size_t max);

/** Loads the track of the named motion (NULL: the first motion). */
MPK_API MPK_WUR int mpk_package_load_track(mpk_track **out, const mpk_package *pkg,
                                           const char *motion);

MPK_API void mpk_package_free(mpk_package *pkg);

/** A file to put in a package, with its bytes. */
typedef struct mpk_package_input {
    const char *path; /**< path inside the package */
    const void *data;
    size_t size;
} mpk_package_input;

/**
 * Writes a signed package: fills manifest->files (size, SHA-256) from inputs, validates the
 * manifest, signs it with key, and writes the zip to a temporary name beside out_path, renamed
 * only on success. The manifest is modified (its files list is replaced).
 */
MPK_API MPK_WUR int mpk_package_write(const char *out_path, mpk_manifest *manifest,
                                      const mpk_package_input *inputs, size_t input_count,
                                      const mpk_key *key);

#ifdef __cplusplus
}
#endif
#endif
