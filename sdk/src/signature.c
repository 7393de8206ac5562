/* signature.json: who signed manifest.json and the signature itself (docs/format.md).
 *
 *   {"algorithm": "ecdsa-p256-sha256", "key_id": "<hex SHA-256 of the DER public key>",
 *    "public_key": "<PEM>", "signature": "<base64 of the DER ECDSA signature>"}
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "internal.h"
#include "json_util.h"
#include "signature.h"

static const char *const sig_keys[] = {"algorithm", "key_id", "public_key", "signature", NULL};

int mpk__signature_parse(mpk__signature *out, const char *json, size_t size)
{
    const char *algorithm = NULL, *key_id = NULL, *pem = NULL, *b64 = NULL;
    json_t *root = NULL;
    size_t i, len = 0;
    int error;

    if (size > MPK__SIGNATURE_MAX_SIZE)
        return mpk__error(MPK_ELIMIT, "%zu bytes, more than the limit of %d", size,
                          MPK__SIGNATURE_MAX_SIZE);
    error = mpk__json_parse(&root, json, size);
    if (error)
        return error;
    error = mpk__json_expect_object(root, "");
    if (!error)
        error = mpk__json_check_keys(root, "", sig_keys);
    if (!error)
        error = mpk__json_get_string(&algorithm, root, "", "algorithm", true);
    if (!error)
        error = mpk__json_get_string(&key_id, root, "", "key_id", true);
    if (!error)
        error = mpk__json_get_string(&pem, root, "", "public_key", true);
    if (!error)
        error = mpk__json_get_string(&b64, root, "", "signature", true);
    if (error)
        goto out;
    if (strcmp(algorithm, MPK__SIGNATURE_ALGORITHM) != 0) {
        error = mpk__error(MPK_EUNSUPPORTED, "algorithm: '%s' is not supported (expected '%s')",
                           algorithm, MPK__SIGNATURE_ALGORITHM);
        goto out;
    }
    for (i = 0; key_id[i]; i++)
        if (!((key_id[i] >= '0' && key_id[i] <= '9') || (key_id[i] >= 'a' && key_id[i] <= 'f')))
            break;
    if (i != MPK_KEY_ID_LEN || key_id[i]) {
        error = mpk__error(MPK_EFORMAT, "key_id: must be %d lowercase hex digits", MPK_KEY_ID_LEN);
        goto out;
    }
    if (strlen(pem) > MPK__SIGNATURE_MAX_PEM) {
        error = mpk__error(MPK_ELIMIT, "public_key: longer than %d bytes", MPK__SIGNATURE_MAX_PEM);
        goto out;
    }
    if (mbedtls_base64_decode(out->sig, sizeof(out->sig), &len, (const unsigned char *)b64,
                              strlen(b64)) != 0 ||
        len == 0) {
        error = mpk__error(MPK_EFORMAT, "signature: not base64 of an ECDSA P-256 signature");
        goto out;
    }
    memcpy(out->key_id, key_id, MPK_KEY_ID_LEN + 1);
    out->public_pem = mpk__strdup(pem);
    if (!out->public_pem) {
        error = mpk__error(MPK_ENOMEM, "out of memory");
        goto out;
    }
    out->sig_len = len;
out:
    json_decref(root);
    return error;
}

int mpk__signature_create(char **out, size_t *out_size, const mpk_key *key, const void *manifest,
                          size_t manifest_size)
{
    unsigned char sig[MPK_SIGNATURE_MAX];
    unsigned char b64[2 * MPK_SIGNATURE_MAX];
    char id[MPK_KEY_ID_LEN + 1];
    char *pem = NULL, *text = NULL;
    size_t sig_len = 0, b64_len = 0, len;
    json_t *obj = NULL;
    int error;

    error = mpk_key_sign(sig, &sig_len, key, manifest, manifest_size);
    if (!error)
        error = mpk_key_id(id, key);
    if (!error)
        error = mpk_key_public_pem(&pem, key);
    if (error)
        goto out;
    if (mbedtls_base64_encode(b64, sizeof(b64), &b64_len, sig, sig_len) != 0) {
        error = mpk__error(MPK_ERROR, "signature: base64 encoding failed");
        goto out;
    }
    obj = json_pack("{s:s, s:s, s:s, s:s}", "algorithm", MPK__SIGNATURE_ALGORITHM, "key_id", id,
                    "public_key", pem, "signature", (const char *)b64);
    if (obj)
        text = json_dumps(obj, JSON_SORT_KEYS | JSON_INDENT(2));
    if (!text) {
        error = mpk__error(MPK_ENOMEM, "out of memory");
        goto out;
    }
    /* A trailing newline, as every text file should have. */
    len = strlen(text);
    *out = malloc(len + 2);
    if (!*out) {
        free(text);
        error = mpk__error(MPK_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(*out, text, len);
    free(text);
    (*out)[len] = '\n';
    (*out)[len + 1] = '\0';
    *out_size = len + 1;
out:
    json_decref(obj);
    free(pem);
    return error;
}

void mpk__signature_clear(mpk__signature *sig)
{
    free(sig->public_pem);
    memset(sig, 0, sizeof(*sig));
}
