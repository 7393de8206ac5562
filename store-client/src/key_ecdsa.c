/* ecdsa-sha2-nistp256 with mbedTLS: PEM public keys, DER signatures over SHA-256. */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include "internal.h"
#include "key_scheme.h"

#define PEM_MAX 4096

static bool accepts_keytype(const char *keytype)
{
    return strcmp(keytype, "ecdsa") == 0 || strcmp(keytype, "ecdsa-sha2-nistp256") == 0;
}

/* Only P-256 keys may be used with this scheme. */
static int check_curve(mbedtls_pk_context *pk)
{
    if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY)
        return mstore__error(MSTORE_EFORMAT, "not an EC key");
    if (mbedtls_pk_ec(*pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1)
        return mstore__error(MSTORE_EFORMAT, "EC key is not on curve P-256");
    return MSTORE_OK;
}

static int parse_pem(void **impl, const char *pem, size_t size, bool want_private)
{
    void *pk = NULL;
    int error;

    if ((error = mstore__pk_parse_pem(&pk, pem, size, PEM_MAX, want_private, "EC")) < 0)
        return error;
    if ((error = check_curve(pk)) < 0) {
        mstore__pk_free(pk);
        return error;
    }
    *impl = pk;
    return MSTORE_OK;
}

static int load_public(void **impl, const mstore__scheme *s, const char *value)
{
    (void)s;
    return parse_pem(impl, value, strlen(value), false);
}

static int load_private(void **impl, const mstore__scheme *s, const char *value)
{
    (void)s;
    return parse_pem(impl, value, strlen(value), true);
}

static int import_pem(void **impl, const mstore__scheme *s, const char *pem, size_t size)
{
    (void)s;
    return parse_pem(impl, pem, size, false);
}

static int generate(void **impl, const mstore__scheme *s)
{
    mbedtls_pk_context *pk = malloc(sizeof(*pk));
    int rc;

    (void)s;
    if (!pk)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    mbedtls_pk_init(pk);
    rc = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0)
        rc =
            mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk), mstore__random, NULL);
    if (rc != 0) {
        mstore__pk_free(pk);
        return mstore__error(MSTORE_ERROR, "EC key generation failed (mbedTLS -0x%04x)",
                             (unsigned)-rc);
    }
    *impl = pk;
    return MSTORE_OK;
}

static int public_value(char **out, void *impl, const mstore__scheme *s)
{
    unsigned char buf[PEM_MAX];
    int rc;

    (void)s;
    rc = mbedtls_pk_write_pubkey_pem(impl, buf, sizeof(buf));
    if (rc != 0)
        return mstore__error(MSTORE_ERROR, "cannot write public key (mbedTLS -0x%04x)",
                             (unsigned)-rc);
    *out = mstore__strdup((const char *)buf);
    return *out ? MSTORE_OK : mstore__error(MSTORE_ENOMEM, "out of memory");
}

static int private_value(char **out, void *impl, const mstore__scheme *s)
{
    unsigned char buf[PEM_MAX];
    int rc;

    (void)s;
    rc = mbedtls_pk_write_key_pem(impl, buf, sizeof(buf));
    if (rc != 0)
        return mstore__error(MSTORE_ERROR, "cannot write private key (mbedTLS -0x%04x)",
                             (unsigned)-rc);
    *out = mstore__strdup((const char *)buf);
    mbedtls_platform_zeroize(buf, sizeof(buf));
    return *out ? MSTORE_OK : mstore__error(MSTORE_ENOMEM, "out of memory");
}

static bool has_private(const void *impl)
{
    const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*(const mbedtls_pk_context *)impl);
    return mbedtls_mpi_cmp_int(&ec->d, 0) != 0;
}

static int verify(void *impl, const mstore__scheme *s, const unsigned char *data, size_t size,
                  const unsigned char *sig, size_t sig_len)
{
    unsigned char hash[32];

    (void)s;
    if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), data, size, hash) != 0)
        return -1;
    /* mbedtls_pk_verify refuses trailing bytes after the DER signature too. */
    return mbedtls_pk_verify(impl, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sig_len);
}

static int sign(void *impl, const mstore__scheme *s, const unsigned char *data, size_t size,
                unsigned char *sig, size_t *sig_len)
{
    unsigned char hash[32];
    int rc;

    (void)s;
    if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), data, size, hash) != 0)
        return mstore__error(MSTORE_ERROR, "SHA-256 failed");
    rc = mbedtls_pk_sign(impl, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sig_len, mstore__random,
                         NULL);
    if (rc != 0)
        return mstore__error(MSTORE_ERROR, "ECDSA signing failed (mbedTLS -0x%04x)", (unsigned)-rc);
    return MSTORE_OK;
}

const mstore__scheme mstore__scheme_ecdsa_p256 = {
    .name = "ecdsa-sha2-nistp256",
    .keytype = "ecdsa",
    .md = MBEDTLS_MD_SHA256,
    .accepts_keytype = accepts_keytype,
    .load_public = load_public,
    .load_private = load_private,
    .import_pem = import_pem,
    .generate = generate,
    .public_value = public_value,
    .private_value = private_value,
    .has_private = has_private,
    .verify = verify,
    .sign = sign,
    .free = mstore__pk_free,
};
