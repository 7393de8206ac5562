/**
 * @file mpk/key.h
 * @brief Developer keys: ECDSA P-256 (mbedTLS), PEM files, key ids, signatures.
 *
 * The key id is the lowercase hex SHA-256 of the DER SubjectPublicKeyInfo of the public key.
 * Signatures are ECDSA over SHA-256 of the message, DER-encoded (as mbedTLS and OpenSSL write
 * them).
 */
#ifndef MPK_KEY_H
#define MPK_KEY_H

#include "mpk/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MPK_KEY_ID_LEN    64 /**< hex characters of a key id */
#define MPK_SIGNATURE_MAX 80 /**< largest DER ECDSA P-256 signature */

typedef struct mpk_key mpk_key;

/** Generates a new P-256 key pair. */
MPK_API MPK_WUR int mpk_key_generate(mpk_key **out);

/** Loads a private (or public) key from a PEM file. */
MPK_API MPK_WUR int mpk_key_load(mpk_key **out, const char *path);

/** Parses a PEM key (private or public) from memory. */
MPK_API MPK_WUR int mpk_key_parse(mpk_key **out, const char *pem, size_t size);

/** Writes the private key as PEM, atomically, mode 0600; fails if path exists. */
MPK_API MPK_WUR int mpk_key_save_private(const mpk_key *key, const char *path);

/** Writes the public key as PEM, atomically, mode 0644. */
MPK_API MPK_WUR int mpk_key_save_public(const mpk_key *key, const char *path);

/** The public key as PEM. @param[out] out malloc'd NUL-terminated text */
MPK_API MPK_WUR int mpk_key_public_pem(char **out, const mpk_key *key);

/** @param[out] id MPK_KEY_ID_LEN + 1 bytes: hex SHA-256 of the DER public key */
MPK_API MPK_WUR int mpk_key_id(char *id, const mpk_key *key);

/** @return 1 if the key holds a private part. */
MPK_API int mpk_key_has_private(const mpk_key *key);

/**
 * Signs SHA-256(data).
 * @param[out] sig     at least MPK_SIGNATURE_MAX bytes
 * @param[out] sig_len bytes written
 */
MPK_API MPK_WUR int mpk_key_sign(unsigned char *sig, size_t *sig_len, const mpk_key *key,
                                 const void *data, size_t size);

/** @return MPK_OK if sig is a valid signature of data by key, else MPK_ESIGNATURE. */
MPK_API MPK_WUR int mpk_key_verify(const mpk_key *key, const void *data, size_t size,
                                   const unsigned char *sig, size_t sig_len);

/** SHA-256 helper. @param[out] digest 32 bytes */
MPK_API void mpk_sha256(unsigned char *digest, const void *data, size_t size);

/** Lowercase hex of bytes. @param[out] hex 2 * size + 1 bytes */
MPK_API void mpk_hex(char *hex, const unsigned char *bytes, size_t size);

MPK_API void mpk_key_free(mpk_key *key);

#ifdef __cplusplus
}
#endif
#endif
