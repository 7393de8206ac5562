/* signature.json of a package: parsing and creation (internal to libmpk). */
#ifndef MPK_SIGNATURE_H
#define MPK_SIGNATURE_H

#include <stddef.h>

#include "mpk/key.h"

#define MPK__SIGNATURE_ALGORITHM "ecdsa-p256-sha256"
#define MPK__SIGNATURE_MAX_SIZE  (16 * 1024) /* signature.json larger than this is rejected */
#define MPK__SIGNATURE_MAX_PEM   4096

typedef struct mpk__signature {
    char key_id[MPK_KEY_ID_LEN + 1];
    char *public_pem;
    unsigned char sig[MPK_SIGNATURE_MAX];
    size_t sig_len;
} mpk__signature;

/** Parses signature.json strictly (fields, algorithm, key id form, base64). */
int mpk__signature_parse(mpk__signature *out, const char *json, size_t size);

/** Signs manifest bytes with key and returns the signature.json text (deterministic). */
int mpk__signature_create(char **out, size_t *out_size, const mpk_key *key, const void *manifest,
                          size_t manifest_size);

void mpk__signature_clear(mpk__signature *sig);

#endif
