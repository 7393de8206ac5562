/* Signature scheme backends behind one table of function pointers (chosen by the key's scheme). */
#ifndef MSTORE_KEY_SCHEME_H
#define MSTORE_KEY_SCHEME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mstore/key.h"

/** Longest signature any backend produces (RSA 8192 bits). */
#define MSTORE__SIG_MAX 1024

typedef struct mstore__scheme mstore__scheme;

struct mstore__scheme {
    const char *name;    /**< TUF scheme, e.g. "ecdsa-sha2-nistp256" */
    const char *keytype; /**< keytype written for new keys */
    int md;              /**< mbedtls_md_type_t of the scheme's hash (RSA, ECDSA) */
    int padding;         /**< MBEDTLS_RSA_PKCS_V15 or _V21 (RSA) */
    /** @return true if metadata may pair this scheme with keytype. */
    bool (*accepts_keytype)(const char *keytype);
    /** Parses keyval.public. */
    int (*load_public)(void **impl, const mstore__scheme *s, const char *public_value);
    /** Parses a private key (keyval.private as written by private_value()). */
    int (*load_private)(void **impl, const mstore__scheme *s, const char *private_value);
    /** Imports a PEM key (NULL where the scheme has no PEM form). */
    int (*import_pem)(void **impl, const mstore__scheme *s, const char *pem, size_t size);
    int (*generate)(void **impl, const mstore__scheme *s);
    /** keyval.public text. @param[out] out malloc'd */
    int (*public_value)(char **out, void *impl, const mstore__scheme *s);
    /** keyval.private text. @param[out] out malloc'd */
    int (*private_value)(char **out, void *impl, const mstore__scheme *s);
    bool (*has_private)(const void *impl);
    /** @return 0 if sig is a valid signature of data; any other value otherwise. */
    int (*verify)(void *impl, const mstore__scheme *s, const unsigned char *data, size_t size,
                  const unsigned char *sig, size_t sig_len);
    int (*sign)(void *impl, const mstore__scheme *s, const unsigned char *data, size_t size,
                unsigned char *sig, size_t *sig_len);
    void (*free)(void *impl);
};

/** @return the backend of a scheme name, or NULL if unsupported. */
const mstore__scheme *mstore__scheme_find(const char *name);

/**
 * Parses a PEM key into a new mbedTLS context (freed with mstore__pk_free): a private key when
 * want_private, else a public key (or the public half of a private key's PEM). Shared by the
 * ECDSA and RSA backends. @param kind for messages ("EC", "RSA") @param max longest PEM accepted
 */
int mstore__pk_parse_pem(void **impl, const char *pem, size_t size, size_t max, bool want_private,
                         const char *kind);

/** Frees a context made by mstore__pk_parse_pem (NULL is fine). */
void mstore__pk_free(void *impl);

#define MSTORE__KEY_MATERIAL_HEX 65

/**
 * Identifies a usable key by its public material, whatever key id or text form names it: hex
 * SHA-256 of the public value as the backend writes it back (one PEM or hex form per key).
 * Two key ids that name one key get the same material id. @param[out] hex 65 bytes
 */
int mstore__key_material(char *hex, const mstore_key *key);

extern const mstore__scheme mstore__scheme_ecdsa_p256;
extern const mstore__scheme mstore__scheme_rsa_pss_sha256;
extern const mstore__scheme mstore__scheme_rsa_pss_sha384;
extern const mstore__scheme mstore__scheme_rsa_pss_sha512;
extern const mstore__scheme mstore__scheme_rsa_v15_sha256;
extern const mstore__scheme mstore__scheme_rsa_v15_sha384;
extern const mstore__scheme mstore__scheme_rsa_v15_sha512;
extern const mstore__scheme mstore__scheme_ed25519;

#endif
