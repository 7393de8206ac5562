/* RSA schemes with mbedTLS: rsassa-pss-* (MGF1 with the same hash, any salt length when
 * verifying, the hash length when signing) and rsa-pkcs1v15-*. */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "internal.h"
#include "key_scheme.h"

#define PEM_MAX      16384
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192
#define RSA_NEW_BITS 3072

static bool accepts_keytype(const char *keytype)
{
    return strcmp(keytype, "rsa") == 0;
}

/* Checks the key size and binds the context to the scheme's padding and hash (MGF1 uses it). */
static int bind(mbedtls_pk_context *pk, const mstore__scheme *s)
{
    mbedtls_rsa_context *rsa;
    size_t bits;

    if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA)
        return mstore__error(MSTORE_EFORMAT, "not an RSA key");
    rsa = mbedtls_pk_rsa(*pk);
    bits = mbedtls_pk_get_bitlen(pk);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
        return mstore__error(MSTORE_EFORMAT, "RSA key of %zu bits (allowed: %d to %d)", bits,
                             RSA_MIN_BITS, RSA_MAX_BITS);
    mbedtls_rsa_set_padding(rsa, s->padding, (mbedtls_md_type_t)s->md);
    return MSTORE_OK;
}

static int parse_pem(void **impl, const mstore__scheme *s, const char *pem, size_t size,
                     bool want_private)
{
    void *pk = NULL;
    int error;

    if ((error = mstore__pk_parse_pem(&pk, pem, size, PEM_MAX, want_private, "RSA")) < 0)
        return error;
    if ((error = bind(pk, s)) < 0) {
        mstore__pk_free(pk);
        return error;
    }
    *impl = pk;
    return MSTORE_OK;
}

static int load_public(void **impl, const mstore__scheme *s, const char *value)
{
    return parse_pem(impl, s, value, strlen(value), false);
}

static int load_private(void **impl, const mstore__scheme *s, const char *value)
{
    return parse_pem(impl, s, value, strlen(value), true);
}

static int import_pem(void **impl, const mstore__scheme *s, const char *pem, size_t size)
{
    return parse_pem(impl, s, pem, size, false);
}

static int generate(void **impl, const mstore__scheme *s)
{
    mbedtls_pk_context *pk = malloc(sizeof(*pk));
    int rc;

    if (!pk)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    mbedtls_pk_init(pk);
    rc = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
    if (rc == 0)
        rc = mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), mstore__random, NULL, RSA_NEW_BITS, 65537);
    if (rc != 0) {
        mstore__pk_free(pk);
        return mstore__error(MSTORE_ERROR, "RSA key generation failed (mbedTLS -0x%04x)",
                             (unsigned)-rc);
    }
    bind(pk, s);
    *impl = pk;
    return MSTORE_OK;
}

static int write_pem(char **out, void *impl, bool private_part)
{
    unsigned char *buf = malloc(PEM_MAX);
    int rc;

    if (!buf)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    rc = private_part ? mbedtls_pk_write_key_pem(impl, buf, PEM_MAX)
                      : mbedtls_pk_write_pubkey_pem(impl, buf, PEM_MAX);
    if (rc != 0) {
        free(buf);
        return mstore__error(MSTORE_ERROR, "cannot write RSA key (mbedTLS -0x%04x)", (unsigned)-rc);
    }
    *out = mstore__strdup((const char *)buf);
    mbedtls_platform_zeroize(buf, PEM_MAX);
    free(buf);
    return *out ? MSTORE_OK : mstore__error(MSTORE_ENOMEM, "out of memory");
}

static int public_value(char **out, void *impl, const mstore__scheme *s)
{
    (void)s;
    return write_pem(out, impl, false);
}

static int private_value(char **out, void *impl, const mstore__scheme *s)
{
    (void)s;
    return write_pem(out, impl, true);
}

static bool has_private(const void *impl)
{
    return mbedtls_rsa_check_privkey(mbedtls_pk_rsa(*(const mbedtls_pk_context *)impl)) == 0;
}

static int digest(const mstore__scheme *s, const unsigned char *data, size_t size,
                  unsigned char *hash, unsigned *hash_len)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type((mbedtls_md_type_t)s->md);

    if (!md || mbedtls_md(md, data, size, hash) != 0)
        return -1;
    *hash_len = mbedtls_md_get_size(md);
    return 0;
}

static int verify(void *impl, const mstore__scheme *s, const unsigned char *data, size_t size,
                  const unsigned char *sig, size_t sig_len)
{
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*(mbedtls_pk_context *)impl);
    unsigned char hash[64];
    unsigned hash_len;

    /* mbedTLS reads exactly the modulus length from sig: check it first. */
    if (sig_len != mbedtls_rsa_get_len(rsa))
        return -1;
    if (digest(s, data, size, hash, &hash_len) != 0)
        return -1;
    if (s->padding == MBEDTLS_RSA_PKCS_V21)
        return mbedtls_rsa_rsassa_pss_verify_ext(
            rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, (mbedtls_md_type_t)s->md, hash_len, hash,
            (mbedtls_md_type_t)s->md, MBEDTLS_RSA_SALT_LEN_ANY, sig);
    return mbedtls_rsa_rsassa_pkcs1_v15_verify(rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC,
                                               (mbedtls_md_type_t)s->md, hash_len, hash, sig);
}

static int sign(void *impl, const mstore__scheme *s, const unsigned char *data, size_t size,
                unsigned char *sig, size_t *sig_len)
{
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*(mbedtls_pk_context *)impl);
    unsigned char hash[64];
    unsigned hash_len;
    int rc;

    if (mbedtls_rsa_get_len(rsa) > MSTORE__SIG_MAX)
        return mstore__error(MSTORE_ELIMIT, "RSA key too large");
    if (digest(s, data, size, hash, &hash_len) != 0)
        return mstore__error(MSTORE_ERROR, "hash failed");
    if (s->padding == MBEDTLS_RSA_PKCS_V21)
        rc = mbedtls_rsa_rsassa_pss_sign_ext(rsa, mstore__random, NULL, (mbedtls_md_type_t)s->md,
                                             hash_len, hash, (int)hash_len, sig);
    else
        rc = mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, mstore__random, NULL, MBEDTLS_RSA_PRIVATE,
                                               (mbedtls_md_type_t)s->md, hash_len, hash, sig);
    if (rc != 0)
        return mstore__error(MSTORE_ERROR, "RSA signing failed (mbedTLS -0x%04x)", (unsigned)-rc);
    *sig_len = mbedtls_rsa_get_len(rsa);
    return MSTORE_OK;
}

#define RSA_SCHEME(var, scheme_name, md_type, pad) \
    const mstore__scheme var = {                   \
        .name = scheme_name,                       \
        .keytype = "rsa",                          \
        .md = md_type,                             \
        .padding = pad,                            \
        .accepts_keytype = accepts_keytype,        \
        .load_public = load_public,                \
        .load_private = load_private,              \
        .import_pem = import_pem,                  \
        .generate = generate,                      \
        .public_value = public_value,              \
        .private_value = private_value,            \
        .has_private = has_private,                \
        .verify = verify,                          \
        .sign = sign,                              \
        .free = mstore__pk_free,                   \
    }

RSA_SCHEME(mstore__scheme_rsa_pss_sha256, "rsassa-pss-sha256", MBEDTLS_MD_SHA256,
           MBEDTLS_RSA_PKCS_V21);
RSA_SCHEME(mstore__scheme_rsa_pss_sha384, "rsassa-pss-sha384", MBEDTLS_MD_SHA384,
           MBEDTLS_RSA_PKCS_V21);
RSA_SCHEME(mstore__scheme_rsa_pss_sha512, "rsassa-pss-sha512", MBEDTLS_MD_SHA512,
           MBEDTLS_RSA_PKCS_V21);
RSA_SCHEME(mstore__scheme_rsa_v15_sha256, "rsa-pkcs1v15-sha256", MBEDTLS_MD_SHA256,
           MBEDTLS_RSA_PKCS_V15);
RSA_SCHEME(mstore__scheme_rsa_v15_sha384, "rsa-pkcs1v15-sha384", MBEDTLS_MD_SHA384,
           MBEDTLS_RSA_PKCS_V15);
RSA_SCHEME(mstore__scheme_rsa_v15_sha512, "rsa-pkcs1v15-sha512", MBEDTLS_MD_SHA512,
           MBEDTLS_RSA_PKCS_V15);
