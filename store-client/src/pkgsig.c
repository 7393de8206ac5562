/* The developer signature of a package (signature.json, docs/format.md), checked from the
 * archive's two small entries without loading the rest of the package into memory:
 *   {"algorithm": "ecdsa-p256-sha256", "key_id": "<hex SHA-256 of the DER public key>",
 *    "public_key": "<PEM>", "signature": "<base64 DER ECDSA signature over manifest.json>"} */
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <mbedtls/base64.h>
#include <mpk/key.h>

#include "install_internal.h"
#include "internal.h"
#include "mstore/canonjson.h"

#define SIG_ALGORITHM "ecdsa-p256-sha256"

static const char *str_field(const json_t *o, const char *name, int *rc)
{
    const json_t *v = json_object_get(o, name);

    if (*rc)
        return NULL;
    if (!json_is_string(v) || !*json_string_value(v)) {
        *rc = mstore__error(MSTORE_ESIGNATURE, "signature.json: %s: must be a non-empty string",
                            name);
        return NULL;
    }
    return json_string_value(v);
}

int mstore__pkgsig_check(const char *sig_json, size_t sig_size, const void *manifest,
                         size_t manifest_size, const char *expected_key_id)
{
    unsigned char sig[MPK_SIGNATURE_MAX];
    char id[MPK_KEY_ID_LEN + 1];
    const char *alg, *key_id, *pem, *b64;
    json_t *root = NULL;
    mpk_key *key = NULL;
    size_t sig_len = 0;
    int rc = MSTORE_OK;

    if (!expected_key_id || !*expected_key_id)
        return mstore__error(MSTORE_ESIGNATURE, "no developer key id to check the package against");
    if (sig_size > MSTORE__SIGNATURE_MAX)
        return mstore__error(MSTORE_ESIGNATURE, "signature.json: %zu bytes, more than %d", sig_size,
                             MSTORE__SIGNATURE_MAX);
    if (mstore_json_parse(&root, sig_json, sig_size, "signature.json") || !json_is_object(root)) {
        rc = mstore__error(MSTORE_ESIGNATURE, "signature.json: not a JSON object");
        goto out;
    }
    alg = str_field(root, "algorithm", &rc);
    key_id = str_field(root, "key_id", &rc);
    pem = str_field(root, "public_key", &rc);
    b64 = str_field(root, "signature", &rc);
    if (rc)
        goto out;
    if (json_object_size(root) != 4) {
        rc = mstore__error(MSTORE_ESIGNATURE, "signature.json: unexpected fields");
        goto out;
    }
    if (strcmp(alg, SIG_ALGORITHM) != 0) {
        rc = mstore__error(MSTORE_ESIGNATURE, "signature.json: algorithm '%s' is not supported",
                           alg);
        goto out;
    }
    if (mbedtls_base64_decode(sig, sizeof(sig), &sig_len, (const unsigned char *)b64,
                              strlen(b64)) != 0 ||
        sig_len == 0) {
        rc = mstore__error(MSTORE_ESIGNATURE, "signature.json: signature: not base64 of a "
                                              "P-256 signature");
        goto out;
    }
    if (mpk_key_parse(&key, pem, strlen(pem)) != MPK_OK || mpk_key_has_private(key) ||
        mpk_key_id(id, key) != MPK_OK) {
        rc = mstore__error(MSTORE_ESIGNATURE, "signature.json: public_key: not a P-256 public key");
        goto out;
    }
    if (strcmp(id, key_id) != 0) {
        rc = mstore__error(MSTORE_ESIGNATURE,
                           "signature.json: key_id %.16s... is not the id of public_key", key_id);
        goto out;
    }
    if (strcasecmp(id, expected_key_id) != 0) {
        rc = mstore__error(MSTORE_ESIGNATURE,
                           "signed by developer key %s, but the store names key %s", id,
                           expected_key_id);
        goto out;
    }
    if (mpk_key_verify(key, manifest, manifest_size, sig, sig_len) != MPK_OK) {
        rc = mstore__error(MSTORE_ESIGNATURE,
                           "signature.json: the signature does not match manifest.json");
        goto out;
    }
out:
    mpk_key_free(key);
    json_decref(root);
    return rc;
}
