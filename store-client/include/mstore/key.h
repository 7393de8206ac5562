/**
 * @file mstore/key.h
 * @brief TUF signing keys: generation, the metadata form, key ids, signing and verification.
 *
 * Schemes (the "scheme" field of a TUF key), each behind one backend:
 * - "ecdsa-sha2-nistp256" (keytype "ecdsa" or "ecdsa-sha2-nistp256"): keyval.public is a PEM
 *   SubjectPublicKeyInfo; a signature is the hex of a DER ECDSA signature over SHA-256 of the
 *   message, as securesystemslib writes it. mbedTLS.
 * - "rsassa-pss-sha256" (also -sha384, -sha512) and "rsa-pkcs1v15-sha256" (-sha384, -sha512),
 *   keytype "rsa": keyval.public is PEM; PSS uses MGF1 with the same hash and accepts any salt
 *   length when verifying. mbedTLS; keys of 2048 to 8192 bits.
 * - "ed25519" (keytype "ed25519"): keyval.public is the hex of the 32-byte key. libsodium.
 *
 * A key id is the lowercase hex SHA-256 of the canonical JSON of {"keytype", "scheme", "keyval"}
 * (python-tuf's default). Keys read from metadata keep the key id the metadata gives them: TUF
 * clients look keys up by that id and do not require it to be the hash.
 */
#ifndef MSTORE_KEY_H
#define MSTORE_KEY_H

#include <jansson.h>

#include "mstore/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MSTORE_KEYID_LEN 64 /**< hex characters of a computed key id */

#define MSTORE_SCHEME_ECDSA_P256     "ecdsa-sha2-nistp256"
#define MSTORE_SCHEME_RSA_PSS_SHA256 "rsassa-pss-sha256"
#define MSTORE_SCHEME_ED25519        "ed25519"

typedef struct mstore_key mstore_key;

/**
 * Generates a new key pair.
 * @param scheme one of the schemes above (RSA keys have 3072 bits)
 */
MSTORE_API MSTORE_WUR int mstore_key_generate(mstore_key **out, const char *scheme);

/**
 * Reads a public key in TUF metadata form ({"keytype", "scheme", "keyval", ...}). Fields the
 * library does not know are kept (they are part of signed metadata). A key whose scheme is not
 * supported, or whose key value does not parse, is still returned: it simply verifies nothing
 * (mstore_key_is_usable() tells), as TUF clients must tolerate keys they cannot use.
 * @param keyid the id the metadata gives the key, or NULL to compute it
 * @return MSTORE_EFORMAT if the object lacks keytype, scheme or keyval.public strings
 */
MSTORE_API MSTORE_WUR int mstore_key_from_json(mstore_key **out, const json_t *key,
                                               const char *keyid);

/** The public key in TUF metadata form. @param[out] out new reference */
MSTORE_API MSTORE_WUR int mstore_key_to_json(json_t **out, const mstore_key *key);

/** @return the key id (borrowed). */
MSTORE_API const char *mstore_key_id(const mstore_key *key);

/** Computes the default key id. @param[out] id MSTORE_KEYID_LEN + 1 bytes */
MSTORE_API MSTORE_WUR int mstore_key_compute_id(char *id, const mstore_key *key);

MSTORE_API const char *mstore_key_scheme(const mstore_key *key);
MSTORE_API const char *mstore_key_keytype(const mstore_key *key);

/** @return 1 if the scheme is supported and the public key parsed. */
MSTORE_API int mstore_key_is_usable(const mstore_key *key);

/** @return 1 if the key holds a private part. */
MSTORE_API int mstore_key_has_private(const mstore_key *key);

/**
 * Signs data (the canonical bytes of a metadata's "signed" part).
 * @param[out] sig_hex malloc'd hex signature, as it goes in a "sig" field
 */
MSTORE_API MSTORE_WUR int mstore_key_sign(char **sig_hex, const mstore_key *key, const void *data,
                                          size_t size);

/**
 * Verifies a hex signature over data.
 * @return MSTORE_OK, or MSTORE_ESIGNATURE for a wrong, malformed or empty signature or a key
 *         that cannot be used
 */
MSTORE_API MSTORE_WUR int mstore_key_verify(const mstore_key *key, const void *data, size_t size,
                                            const char *sig_hex);

/**
 * Writes the key pair as a JSON file ({"keytype", "scheme", "keyval": {"public", "private"},
 * "keyid"}), atomically, mode 0600. Meant for offline root keys and the server's online keys.
 * @return MSTORE_EEXISTS if path exists, MSTORE_EINVAL if the key has no private part
 */
MSTORE_API MSTORE_WUR int mstore_key_save_private(const mstore_key *key, const char *path);

/** Loads a key pair written by mstore_key_save_private(). */
MSTORE_API MSTORE_WUR int mstore_key_load_private(mstore_key **out, const char *path);

/**
 * Imports an ECDSA P-256 or RSA key from PEM (private or public), e.g. a developer's key.
 * @param scheme the TUF scheme to use it with (MSTORE_SCHEME_ECDSA_P256, an RSA scheme)
 */
MSTORE_API MSTORE_WUR int mstore_key_import_pem(mstore_key **out, const char *pem, size_t size,
                                                const char *scheme);

/** A copy of the public part only (same key id). */
MSTORE_API MSTORE_WUR int mstore_key_dup_public(mstore_key **out, const mstore_key *key);

MSTORE_API void mstore_key_free(mstore_key *key);

#ifdef __cplusplus
}
#endif
#endif
