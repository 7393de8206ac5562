/* Developer keys: ECDSA P-256 with mbedTLS, PEM files, key ids and deterministic signatures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "internal.h"
#include "mpk/key.h"

/* PEM of a P-256 key is a few hundred bytes; this leaves room for comment lines above it. */
#define KEY_PEM_MAX (16 * 1024)
#define KEY_DER_MAX 512

struct mpk_key {
    mbedtls_pk_context pk;
    int has_private;
};

static const char pers[] = "motionstore-mpk";

/* A freshly seeded random generator, for key generation and for blinding the (deterministic)
 * signature computation; the blinding does not change the signature. */
static int rng_init(mbedtls_entropy_context *entropy, mbedtls_ctr_drbg_context *drbg)
{
    int rc;

    mbedtls_entropy_init(entropy);
    mbedtls_ctr_drbg_init(drbg);
    rc = mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy, (const unsigned char *)pers,
                               sizeof(pers) - 1);
    if (rc != 0)
        return mpk__error(MPK_ERROR, "random generator: mbedTLS error -0x%04x", (unsigned)-rc);
    return MPK_OK;
}

static void rng_free(mbedtls_entropy_context *entropy, mbedtls_ctr_drbg_context *drbg)
{
    mbedtls_ctr_drbg_free(drbg);
    mbedtls_entropy_free(entropy);
}

static mpk_key *key_alloc(void)
{
    mpk_key *key = calloc(1, sizeof(*key));

    if (key)
        mbedtls_pk_init(&key->pk);
    return key;
}

void mpk_key_free(mpk_key *key)
{
    if (!key)
        return;
    mbedtls_pk_free(&key->pk); /* zeroizes the private part */
    free(key);
}

int mpk_key_generate(mpk_key **out)
{
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mpk_key *key = NULL;
    int error, rc;

    if (!out)
        return mpk__error(MPK_EINVAL, "mpk_key_generate: NULL argument");
    error = rng_init(&entropy, &drbg);
    if (error)
        goto out;
    key = key_alloc();
    if (!key) {
        error = mpk__error(MPK_ENOMEM, "key: out of memory");
        goto out;
    }
    rc = mbedtls_pk_setup(&key->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0)
        rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key->pk),
                                 mbedtls_ctr_drbg_random, &drbg);
    if (rc != 0) {
        error = mpk__error(MPK_ERROR, "key generation: mbedTLS error -0x%04x", (unsigned)-rc);
        goto out;
    }
    key->has_private = 1;
    *out = key;
    key = NULL;
out:
    mpk_key_free(key);
    rng_free(&entropy, &drbg);
    return error;
}

/* Accepts only EC keys on P-256, the one algorithm packages use. */
static int check_p256(const mpk_key *key)
{
    if (mbedtls_pk_get_type(&key->pk) != MBEDTLS_PK_ECKEY)
        return mpk__error(MPK_EUNSUPPORTED, "not an EC key (ECDSA P-256 expected)");
    if (mbedtls_pk_ec(key->pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1)
        return mpk__error(MPK_EUNSUPPORTED, "EC key on another curve (P-256 expected)");
    return MPK_OK;
}

int mpk_key_parse(mpk_key **out, const char *pem, size_t size)
{
    unsigned char *buf = NULL;
    mpk_key *key = NULL;
    int error = MPK_OK, rc;

    if (!out || !pem)
        return mpk__error(MPK_EINVAL, "mpk_key_parse: NULL argument");
    if (size > KEY_PEM_MAX)
        return mpk__error(MPK_ELIMIT, "key: %zu bytes, more than the limit of %d", size,
                          KEY_PEM_MAX);
    /* mbedTLS wants PEM NUL-terminated, with the NUL counted in the length. */
    buf = malloc(size + 1);
    key = key_alloc();
    if (!buf || !key) {
        error = mpk__error(MPK_ENOMEM, "key: out of memory");
        goto out;
    }
    memcpy(buf, pem, size);
    buf[size] = '\0';
    if (memchr(buf, '\0', size)) {
        error = mpk__error(MPK_EFORMAT, "key: not PEM text");
        goto out;
    }
    rc = mbedtls_pk_parse_key(&key->pk, buf, size + 1, NULL, 0);
    if (rc == 0) {
        key->has_private = 1;
    } else {
        mbedtls_pk_free(&key->pk);
        mbedtls_pk_init(&key->pk);
        rc = mbedtls_pk_parse_public_key(&key->pk, buf, size + 1);
        if (rc != 0) {
            error = mpk__error(MPK_EFORMAT, "key: not a PEM private or public key");
            goto out;
        }
    }
    error = check_p256(key);
    if (error)
        goto out;
    if (key->has_private &&
        mbedtls_ecp_check_privkey(&mbedtls_pk_ec(key->pk)->grp, &mbedtls_pk_ec(key->pk)->d) != 0) {
        error = mpk__error(MPK_EFORMAT, "key: invalid private key");
        goto out;
    }
    *out = key;
    key = NULL;
out:
    if (buf) {
        mbedtls_platform_zeroize(buf, size + 1);
        free(buf);
    }
    mpk_key_free(key);
    return error;
}

int mpk_key_load(mpk_key **out, const char *path)
{
    char *pem = NULL;
    size_t size = 0;
    int error;

    if (!out || !path)
        return mpk__error(MPK_EINVAL, "mpk_key_load: NULL argument");
    error = mpk__read_file(&pem, &size, path, KEY_PEM_MAX);
    if (error)
        return error;
    error = mpk_key_parse(out, pem, size);
    mbedtls_platform_zeroize(pem, size);
    free(pem);
    if (error)
        return mpk__error_prefix(error, "%s", path);
    return MPK_OK;
}

int mpk_key_has_private(const mpk_key *key)
{
    return key && key->has_private;
}

int mpk_key_public_pem(char **out, const mpk_key *key)
{
    unsigned char buf[KEY_DER_MAX * 2];
    int rc;

    if (!out || !key)
        return mpk__error(MPK_EINVAL, "mpk_key_public_pem: NULL argument");
    rc = mbedtls_pk_write_pubkey_pem((mbedtls_pk_context *)&key->pk, buf, sizeof(buf));
    if (rc != 0)
        return mpk__error(MPK_ERROR, "key: cannot write public key: mbedTLS error -0x%04x",
                          (unsigned)-rc);
    *out = mpk__strdup((const char *)buf);
    if (!*out)
        return mpk__error(MPK_ENOMEM, "key: out of memory");
    return MPK_OK;
}

int mpk_key_save_private(const mpk_key *key, const char *path)
{
    unsigned char buf[KEY_DER_MAX * 4];
    int rc, error;

    if (!key || !path)
        return mpk__error(MPK_EINVAL, "mpk_key_save_private: NULL argument");
    if (!key->has_private)
        return mpk__error(MPK_EINVAL, "%s: the key has no private part", path);
    rc = mbedtls_pk_write_key_pem((mbedtls_pk_context *)&key->pk, buf, sizeof(buf));
    if (rc != 0)
        return mpk__error(MPK_ERROR, "%s: cannot encode key: mbedTLS error -0x%04x", path,
                          (unsigned)-rc);
    error = mpk__write_file_new(path, buf, strlen((const char *)buf), 0600);
    mbedtls_platform_zeroize(buf, sizeof(buf));
    return error;
}

int mpk_key_save_public(const mpk_key *key, const char *path)
{
    char *pem = NULL;
    int error;

    if (!key || !path)
        return mpk__error(MPK_EINVAL, "mpk_key_save_public: NULL argument");
    error = mpk_key_public_pem(&pem, key);
    if (error)
        return error;
    error = mpk__write_file_atomic(path, pem, strlen(pem), 0644);
    free(pem);
    return error;
}

int mpk_key_id(char *id, const mpk_key *key)
{
    unsigned char der[KEY_DER_MAX];
    unsigned char digest[32];
    int len;

    if (!id || !key)
        return mpk__error(MPK_EINVAL, "mpk_key_id: NULL argument");
    /* mbedTLS writes DER at the end of the buffer and returns its length. */
    len = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&key->pk, der, sizeof(der));
    if (len <= 0)
        return mpk__error(MPK_ERROR, "key: cannot encode public key: mbedTLS error -0x%04x",
                          (unsigned)-len);
    mpk_sha256(digest, der + sizeof(der) - (size_t)len, (size_t)len);
    mpk_hex(id, digest, sizeof(digest));
    return MPK_OK;
}

/* DER SEQUENCE { INTEGER r, INTEGER s }, the form OpenSSL and mbedTLS exchange. */
static int write_der_signature(unsigned char *sig, size_t *sig_len, const mbedtls_mpi *r,
                               const mbedtls_mpi *s)
{
    unsigned char buf[MPK_SIGNATURE_MAX];
    unsigned char *p = buf + sizeof(buf);
    int len = 0, rc;

    if ((rc = mbedtls_asn1_write_mpi(&p, buf, s)) < 0)
        return rc;
    len += rc;
    if ((rc = mbedtls_asn1_write_mpi(&p, buf, r)) < 0)
        return rc;
    len += rc;
    if ((rc = mbedtls_asn1_write_len(&p, buf, (size_t)len)) < 0)
        return rc;
    len += rc;
    if ((rc = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) <
        0)
        return rc;
    len += rc;
    memcpy(sig, p, (size_t)len);
    *sig_len = (size_t)len;
    return 0;
}

int mpk_key_sign(unsigned char *sig, size_t *sig_len, const mpk_key *key, const void *data,
                 size_t size)
{
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_mpi r, s;
    unsigned char digest[32];
    mbedtls_ecp_keypair *ec;
    int error, rc;

    if (!sig || !sig_len || !key || (!data && size))
        return mpk__error(MPK_EINVAL, "mpk_key_sign: NULL argument");
    if (!key->has_private)
        return mpk__error(MPK_EINVAL, "signing needs a private key; this is a public key");
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    error = rng_init(&entropy, &drbg);
    if (error)
        goto out;
    mpk_sha256(digest, data, size);
    ec = mbedtls_pk_ec(key->pk);
    /* RFC 6979: the nonce comes from the key and the digest, so the same manifest signed with
     * the same key gives the same bytes (reproducible packages) and no weak RNG can leak d. */
    rc = mbedtls_ecdsa_sign_det_ext(&ec->grp, &r, &s, &ec->d, digest, sizeof(digest),
                                    MBEDTLS_MD_SHA256, mbedtls_ctr_drbg_random, &drbg);
    if (rc == 0)
        rc = write_der_signature(sig, sig_len, &r, &s);
    if (rc != 0)
        error = mpk__error(MPK_ERROR, "signing: mbedTLS error -0x%04x", (unsigned)-rc);
out:
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    rng_free(&entropy, &drbg);
    return error;
}

int mpk_key_verify(const mpk_key *key, const void *data, size_t size, const unsigned char *sig,
                   size_t sig_len)
{
    unsigned char digest[32];

    if (!key || (!data && size) || (!sig && sig_len))
        return mpk__error(MPK_EINVAL, "mpk_key_verify: NULL argument");
    if (sig_len == 0 || sig_len > MPK_SIGNATURE_MAX)
        return mpk__error(MPK_ESIGNATURE, "signature: %zu bytes, not an ECDSA P-256 signature",
                          sig_len);
    mpk_sha256(digest, data, size);
    /* mbedTLS rejects trailing bytes after the DER signature, so one signature has one form. */
    if (mbedtls_pk_verify((mbedtls_pk_context *)&key->pk, MBEDTLS_MD_SHA256, digest, sizeof(digest),
                          sig, sig_len) != 0)
        return mpk__error(MPK_ESIGNATURE, "signature does not match the signed data and key");
    return MPK_OK;
}

void mpk_sha256(unsigned char *digest, const void *data, size_t size)
{
    /* Cannot fail for SHA-256 in mbedTLS 2.28 without hardware acceleration hooks. */
    (void)mbedtls_sha256_ret(data, size, digest, 0);
}

void mpk_hex(char *hex, const unsigned char *bytes, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < size; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * size] = '\0';
}
