/* TUF keys: the metadata form, key ids, and signing/verification through the scheme backends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "internal.h"
#include "key_scheme.h"
#include "mstore/canonjson.h"
#include "mstore/key.h"

#define KEY_FILE_MAX (64 * 1024)

struct mstore_key {
    const mstore__scheme *scheme; /* NULL when the key cannot be used */
    void *impl;
    json_t *json; /* the public metadata form, unknown fields included */
    char *keyid;
};

static const mstore__scheme *const schemes[] = {
    &mstore__scheme_ecdsa_p256,     &mstore__scheme_rsa_pss_sha256, &mstore__scheme_rsa_pss_sha384,
    &mstore__scheme_rsa_pss_sha512, &mstore__scheme_rsa_v15_sha256, &mstore__scheme_rsa_v15_sha384,
    &mstore__scheme_rsa_v15_sha512, &mstore__scheme_ed25519,
};

const mstore__scheme *mstore__scheme_find(const char *name)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (strcmp(schemes[i]->name, name) == 0)
            return schemes[i];
    return NULL;
}

void mstore_key_free(mstore_key *key)
{
    if (!key)
        return;
    if (key->scheme && key->impl)
        key->scheme->free(key->impl);
    json_decref(key->json);
    free(key->keyid);
    free(key);
}

static int compute_id(char *id, const json_t *json)
{
    json_t *view =
        json_pack("{s:O,s:O,s:O}", "keytype", json_object_get(json, "keytype"), "scheme",
                  json_object_get(json, "scheme"), "keyval", json_object_get(json, "keyval"));
    unsigned char digest[32];
    char *canon = NULL;
    size_t len = 0;
    int error;

    if (!view)
        return mstore__error(MSTORE_EFORMAT, "key lacks keytype, scheme or keyval");
    error = mstore_canonjson_encode(&canon, &len, view);
    json_decref(view);
    if (error < 0)
        return error;
    mbedtls_sha256_ret((const unsigned char *)canon, len, digest, 0);
    free(canon);
    mstore__hex(id, digest, sizeof(digest));
    return MSTORE_OK;
}

void mstore__pk_free(void *impl)
{
    if (!impl)
        return;
    mbedtls_pk_free(impl);
    free(impl);
}

int mstore__pk_parse_pem(void **impl, const char *pem, size_t size, size_t max, bool want_private,
                         const char *kind)
{
    mbedtls_pk_context *pk;
    unsigned char *copy;
    int rc;

    if (size > max)
        return mstore__error(MSTORE_EFORMAT, "PEM key longer than %zu bytes", max);
    pk = malloc(sizeof(*pk));
    copy = malloc(size + 1); /* mbedTLS wants PEM NUL-terminated, with the NUL counted */
    if (!pk || !copy) {
        free(pk);
        free(copy);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    memcpy(copy, pem, size);
    copy[size] = '\0';
    mbedtls_pk_init(pk);
    if (want_private)
        rc = mbedtls_pk_parse_key(pk, copy, size + 1, NULL, 0);
    else
        rc = mbedtls_pk_parse_public_key(pk, copy, size + 1);
    if (rc != 0 && !want_private)
        rc = mbedtls_pk_parse_key(pk, copy, size + 1, NULL, 0);
    free(copy);
    if (rc != 0) {
        mstore__pk_free(pk);
        return mstore__error(MSTORE_EFORMAT, "not a PEM %s %s key (mbedTLS -0x%04x)",
                             want_private ? "private" : "public", kind, (unsigned)-rc);
    }
    *impl = pk;
    return MSTORE_OK;
}

int mstore__key_material(char *hex, const mstore_key *key)
{
    unsigned char digest[32];
    char *pub = NULL;
    int error;

    if (!key || !key->scheme)
        return mstore__error(MSTORE_EINVAL, "key %s is not usable", key ? key->keyid : "?");
    if ((error = key->scheme->public_value(&pub, key->impl, key->scheme)) < 0)
        return error;
    mbedtls_sha256_ret((const unsigned char *)pub, strlen(pub), digest, 0);
    free(pub);
    mstore__hex(hex, digest, sizeof(digest));
    return MSTORE_OK;
}

int mstore_key_compute_id(char *id, const mstore_key *key)
{
    if (!id || !key)
        return mstore__error(MSTORE_EINVAL, "no key");
    return compute_id(id, key->json);
}

/* Builds a key around a backend object: json gets the public form, keyid the computed id. */
static int wrap(mstore_key **out, const mstore__scheme *s, void *impl)
{
    mstore_key *key = calloc(1, sizeof(*key));
    char *pub = NULL;
    char id[MSTORE_KEYID_LEN + 1];
    int error;

    if (!key) {
        s->free(impl);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    key->scheme = s;
    key->impl = impl;
    if ((error = s->public_value(&pub, impl, s)) < 0)
        goto fail;
    key->json = json_pack("{s:s,s:s,s:{s:s}}", "keytype", s->keytype, "scheme", s->name, "keyval",
                          "public", pub);
    free(pub);
    if (!key->json) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto fail;
    }
    if ((error = compute_id(id, key->json)) < 0)
        goto fail;
    key->keyid = mstore__strdup(id);
    if (!key->keyid) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto fail;
    }
    *out = key;
    return MSTORE_OK;
fail:
    mstore_key_free(key);
    return error;
}

int mstore_key_generate(mstore_key **out, const char *scheme)
{
    const mstore__scheme *s;
    void *impl = NULL;
    int error;

    if (!out || !scheme)
        return mstore__error(MSTORE_EINVAL, "no scheme");
    s = mstore__scheme_find(scheme);
    if (!s)
        return mstore__error(MSTORE_EUNSUPPORTED, "unsupported key scheme '%s'", scheme);
    if ((error = s->generate(&impl, s)) < 0)
        return error;
    return wrap(out, s, impl);
}

int mstore_key_from_json(mstore_key **out, const json_t *json, const char *keyid)
{
    const json_t *keytype, *scheme, *keyval, *pub;
    const mstore__scheme *s;
    mstore_key *key;
    char id[MSTORE_KEYID_LEN + 1];
    int error;

    if (!out || !json)
        return mstore__error(MSTORE_EINVAL, "no key");
    if (!json_is_object(json))
        return mstore__error(MSTORE_EFORMAT, "key must be an object");
    keytype = json_object_get(json, "keytype");
    scheme = json_object_get(json, "scheme");
    keyval = json_object_get(json, "keyval");
    if (!json_is_string(keytype))
        return mstore__error(MSTORE_EFORMAT, "keytype: must be a string");
    if (!json_is_string(scheme))
        return mstore__error(MSTORE_EFORMAT, "scheme: must be a string");
    if (!json_is_object(keyval))
        return mstore__error(MSTORE_EFORMAT, "keyval: must be an object");
    pub = json_object_get(keyval, "public");
    if (!json_is_string(pub))
        return mstore__error(MSTORE_EFORMAT, "keyval.public: must be a string");
    if (!keyid) {
        if ((error = compute_id(id, json)) < 0)
            return error;
        keyid = id;
    }
    key = calloc(1, sizeof(*key));
    if (!key)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    key->json = json_deep_copy(json);
    key->keyid = mstore__strdup(keyid);
    if (!key->json || !key->keyid) {
        mstore_key_free(key);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    /* A key of an unknown scheme, or one that does not parse, is kept but verifies nothing:
     * TUF clients must accept metadata that lists keys they cannot use. */
    s = mstore__scheme_find(json_string_value(scheme));
    if (s && s->accepts_keytype(json_string_value(keytype)) &&
        s->load_public(&key->impl, s, json_string_value(pub)) == MSTORE_OK)
        key->scheme = s;
    mstore_error_clear();
    *out = key;
    return MSTORE_OK;
}

int mstore_key_to_json(json_t **out, const mstore_key *key)
{
    if (!out || !key)
        return mstore__error(MSTORE_EINVAL, "no key");
    *out = json_deep_copy(key->json);
    return *out ? MSTORE_OK : mstore__error(MSTORE_ENOMEM, "out of memory");
}

const char *mstore_key_id(const mstore_key *key)
{
    return key ? key->keyid : NULL;
}

const char *mstore_key_scheme(const mstore_key *key)
{
    return key ? json_string_value(json_object_get(key->json, "scheme")) : NULL;
}

const char *mstore_key_keytype(const mstore_key *key)
{
    return key ? json_string_value(json_object_get(key->json, "keytype")) : NULL;
}

int mstore_key_is_usable(const mstore_key *key)
{
    return key && key->scheme != NULL;
}

int mstore_key_has_private(const mstore_key *key)
{
    return key && key->scheme && key->scheme->has_private(key->impl);
}

int mstore_key_sign(char **sig_hex, const mstore_key *key, const void *data, size_t size)
{
    unsigned char sig[MSTORE__SIG_MAX];
    size_t sig_len = 0;
    char *hex;
    int error;

    if (!sig_hex || !key || (!data && size))
        return mstore__error(MSTORE_EINVAL, "nothing to sign");
    if (!mstore_key_has_private(key))
        return mstore__error(MSTORE_EINVAL, "key %s has no private part", key->keyid);
    if ((error = key->scheme->sign(key->impl, key->scheme, data, size, sig, &sig_len)) < 0)
        return error;
    hex = malloc(2 * sig_len + 1);
    if (!hex)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    mstore__hex(hex, sig, sig_len);
    *sig_hex = hex;
    return MSTORE_OK;
}

int mstore_key_verify(const mstore_key *key, const void *data, size_t size, const char *sig_hex)
{
    unsigned char sig[MSTORE__SIG_MAX];
    long sig_len;

    if (!key || !sig_hex || (!data && size))
        return mstore__error(MSTORE_EINVAL, "nothing to verify");
    if (!key->scheme)
        return mstore__error(MSTORE_ESIGNATURE, "key %s: scheme '%s' not usable", key->keyid,
                             mstore_key_scheme(key));
    sig_len = mstore__unhex(sig, sizeof(sig), sig_hex);
    if (sig_len <= 0)
        return mstore__error(MSTORE_ESIGNATURE, "key %s: signature is not hex", key->keyid);
    if (key->scheme->verify(key->impl, key->scheme, data, size, sig, (size_t)sig_len) != 0)
        return mstore__error(MSTORE_ESIGNATURE, "key %s: signature does not verify", key->keyid);
    return MSTORE_OK;
}

int mstore_key_save_private(const mstore_key *key, const char *path)
{
    struct stat st;
    json_t *doc = NULL;
    char *priv = NULL, *text = NULL;
    int error;

    if (!key || !path)
        return mstore__error(MSTORE_EINVAL, "no key or path");
    if (!mstore_key_has_private(key))
        return mstore__error(MSTORE_EINVAL, "key %s has no private part", key->keyid);
    if (stat(path, &st) == 0)
        return mstore__error(MSTORE_EEXISTS, "%s: already exists", path);
    if ((error = key->scheme->private_value(&priv, key->impl, key->scheme)) < 0)
        return error;
    doc = json_deep_copy(key->json);
    if (!doc || json_object_set_new(json_object_get(doc, "keyval"), "private", json_string(priv)) ||
        json_object_set_new(doc, "keyid", json_string(key->keyid))) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (!text) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    error = mstore__write_file_atomic(path, text, strlen(text), 0600);
out:
    if (priv) {
        mbedtls_platform_zeroize(priv, strlen(priv));
        free(priv);
    }
    if (text) {
        mbedtls_platform_zeroize(text, strlen(text));
        free(text);
    }
    json_decref(doc);
    return error;
}

int mstore_key_load_private(mstore_key **out, const char *path)
{
    unsigned char *data = NULL;
    size_t size = 0;
    json_t *doc = NULL;
    const char *scheme_name, *priv, *pub, *keytype;
    const mstore__scheme *s;
    mstore_key *key = NULL;
    void *impl = NULL;
    int error;

    if (!out || !path)
        return mstore__error(MSTORE_EINVAL, "no path");
    if ((error = mstore__read_file(&data, &size, path, KEY_FILE_MAX)) < 0)
        return error;
    error = mstore_json_parse(&doc, (const char *)data, size, path);
    mbedtls_platform_zeroize(data, size);
    free(data);
    if (error < 0)
        return error;
    scheme_name = json_string_value(json_object_get(doc, "scheme"));
    keytype = json_string_value(json_object_get(doc, "keytype"));
    priv = json_string_value(json_object_get(json_object_get(doc, "keyval"), "private"));
    pub = json_string_value(json_object_get(json_object_get(doc, "keyval"), "public"));
    if (!scheme_name || !keytype || !priv || !pub) {
        error = mstore__error(MSTORE_EFORMAT,
                              "%s: needs keytype, scheme, keyval.public and keyval.private", path);
        goto out;
    }
    s = mstore__scheme_find(scheme_name);
    if (!s || !s->accepts_keytype(keytype)) {
        error = mstore__error(MSTORE_EUNSUPPORTED, "%s: unsupported key %s/%s", path, keytype,
                              scheme_name);
        goto out;
    }
    if ((error = s->load_private(&impl, s, priv)) < 0) {
        mstore__error_prefix(error, "%s: keyval.private", path);
        goto out;
    }
    if ((error = wrap(&key, s, impl)) < 0)
        goto out;
    if (strcmp(json_string_value(json_object_get(json_object_get(key->json, "keyval"), "public")),
               pub) != 0) {
        error =
            mstore__error(MSTORE_EFORMAT, "%s: keyval.public does not match the private key", path);
        goto out;
    }
    *out = key;
    key = NULL;
out:
    mstore_key_free(key);
    json_decref(doc);
    return error;
}

int mstore_key_import_pem(mstore_key **out, const char *pem, size_t size, const char *scheme)
{
    const mstore__scheme *s;
    void *impl = NULL;
    int error;

    if (!out || !pem || !scheme)
        return mstore__error(MSTORE_EINVAL, "no PEM or scheme");
    s = mstore__scheme_find(scheme);
    if (!s || !s->import_pem)
        return mstore__error(MSTORE_EUNSUPPORTED, "scheme '%s' has no PEM form", scheme);
    if ((error = s->import_pem(&impl, s, pem, size)) < 0)
        return error;
    return wrap(out, s, impl);
}

int mstore_key_dup_public(mstore_key **out, const mstore_key *key)
{
    if (!out || !key)
        return mstore__error(MSTORE_EINVAL, "no key");
    return mstore_key_from_json(out, key->json, key->keyid);
}
