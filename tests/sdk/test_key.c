/* Developer keys: generation, PEM files (0600, never overwritten), key ids, deterministic
 * ECDSA (RFC 6979 test vector), and interoperability with the openssl program. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

#include "mpk/key.h"
#include "testutil.h"

static void test_generate_sign_verify(void **state)
{
    mpk_key *key = NULL, *other = NULL;
    unsigned char sig[MPK_SIGNATURE_MAX], sig2[MPK_SIGNATURE_MAX];
    size_t len = 0, len2 = 0;
    const char msg[] = "manifest bytes";

    assert_int_equal(mpk_key_generate(&key), MPK_OK);
    assert_int_equal(mpk_key_generate(&other), MPK_OK);
    assert_true(mpk_key_has_private(key));
    assert_int_equal(mpk_key_sign(sig, &len, key, msg, sizeof(msg)), MPK_OK);
    assert_true(len >= 8 && len <= MPK_SIGNATURE_MAX);
    assert_int_equal(mpk_key_verify(key, msg, sizeof(msg), sig, len), MPK_OK);

    /* Deterministic: the same message and key give the same signature. */
    assert_int_equal(mpk_key_sign(sig2, &len2, key, msg, sizeof(msg)), MPK_OK);
    assert_int_equal(len, len2);
    assert_memory_equal(sig, sig2, len);

    /* A changed message, a changed signature, another key, trailing bytes: all rejected. */
    assert_int_equal(mpk_key_verify(key, msg, sizeof(msg) - 1, sig, len), MPK_ESIGNATURE);
    assert_int_equal(mpk_key_verify(other, msg, sizeof(msg), sig, len), MPK_ESIGNATURE);
    sig2[len - 1] ^= 1;
    assert_int_equal(mpk_key_verify(key, msg, sizeof(msg), sig2, len), MPK_ESIGNATURE);
    memcpy(sig2, sig, len);
    sig2[len] = 0;
    assert_int_equal(mpk_key_verify(key, msg, sizeof(msg), sig2, len + 1), MPK_ESIGNATURE);
    assert_int_equal(mpk_key_verify(key, msg, sizeof(msg), sig, 0), MPK_ESIGNATURE);
    mpk_key_free(key);
    mpk_key_free(other);
    mpk_key_free(NULL);
}

static void test_files_and_ids(void **state)
{
    char *dir = ms_tmpdir("key");
    char *priv = ms_join(dir, "dev.key"), *pub = ms_join(dir, "dev.key.pub");
    char id[MPK_KEY_ID_LEN + 1], id2[MPK_KEY_ID_LEN + 1], *out = NULL, *before, *after;
    mpk_key *key = NULL, *loaded = NULL, *pubkey = NULL;
    unsigned char sig[MPK_SIGNATURE_MAX];
    size_t len;
    struct stat st;

    assert_int_equal(mpk_key_generate(&key), MPK_OK);
    assert_int_equal(mpk_key_save_private(key, priv), MPK_OK);
    assert_int_equal(mpk_key_save_public(key, pub), MPK_OK);
    assert_int_equal(stat(priv, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(pub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    /* Never overwrites a private key. */
    before = ms_slurp(priv, NULL);
    {
        mpk_key *k2 = NULL;
        assert_int_equal(mpk_key_generate(&k2), MPK_OK);
        assert_int_equal(mpk_key_save_private(k2, priv), MPK_EEXISTS);
        assert_non_null(strstr(mpk_error_message(), "already exists"));
        mpk_key_free(k2);
    }
    after = ms_slurp(priv, NULL);
    assert_string_equal(before, after);
    assert_int_equal(ms_run(&out, "ls -a '%s' | grep -c tmp", dir), 1); /* no temporary left */
    free(out);

    assert_int_equal(mpk_key_load(&loaded, priv), MPK_OK);
    assert_true(mpk_key_has_private(loaded));
    assert_int_equal(mpk_key_load(&pubkey, pub), MPK_OK);
    assert_false(mpk_key_has_private(pubkey));
    assert_int_equal(mpk_key_id(id, key), MPK_OK);
    assert_int_equal(mpk_key_id(id2, pubkey), MPK_OK);
    assert_int_equal(strlen(id), MPK_KEY_ID_LEN);
    assert_string_equal(id, id2);
    /* The loaded private key signs what the public one verifies; a public key cannot sign. */
    assert_int_equal(mpk_key_sign(sig, &len, loaded, "x", 1), MPK_OK);
    assert_int_equal(mpk_key_verify(pubkey, "x", 1, sig, len), MPK_OK);
    assert_int_equal(mpk_key_sign(sig, &len, pubkey, "x", 1), MPK_EINVAL);

    /* The key id is the SHA-256 of the DER public key, as openssl computes it. */
    assert_int_equal(ms_run(&out, "openssl pkey -pubin -in '%s' -outform DER | sha256sum", pub), 0);
    assert_memory_equal(out, id, MPK_KEY_ID_LEN);
    free(out);

    /* openssl verifies our signature (DER ECDSA over SHA-256). */
    {
        char *data = ms_join(dir, "data"), *sigf = ms_join(dir, "data.sig");
        ms_write(data, "hello", 5);
        assert_int_equal(mpk_key_sign(sig, &len, key, "hello", 5), MPK_OK);
        ms_write(sigf, sig, len);
        assert_int_equal(
            ms_run(&out, "openssl dgst -sha256 -verify '%s' -signature '%s' '%s'", pub, sigf, data),
            0);
        assert_non_null(strstr(out, "Verified OK"));
        free(out);
        free(data);
        free(sigf);
    }
    mpk_key_free(key);
    mpk_key_free(loaded);
    mpk_key_free(pubkey);
    free(before);
    free(after);
    free(priv);
    free(pub);
    ms_rm_rf(dir);
    free(dir);
}

static void test_bad_keys(void **state)
{
    char *dir = ms_tmpdir("badkey");
    char *rsa = ms_join(dir, "rsa.pem"), *p384 = ms_join(dir, "p384.pem"), *out = NULL;
    mpk_key *key = NULL;

    assert_int_equal(mpk_key_parse(&key, "not a key", 9), MPK_EFORMAT);
    assert_null(key);
    assert_int_equal(mpk_key_load(&key, "/nonexistent/key.pem"), MPK_ENOTFOUND);
    assert_non_null(strstr(mpk_error_message(), "/nonexistent/key.pem"));

    assert_int_equal(ms_run(&out,
                            "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 "
                            "-out '%s' && openssl genpkey -algorithm EC -pkeyopt "
                            "ec_paramgen_curve:P-384 -out '%s'",
                            rsa, p384),
                     0);
    free(out);
    assert_int_equal(mpk_key_load(&key, rsa), MPK_EUNSUPPORTED);
    assert_non_null(strstr(mpk_error_message(), "rsa.pem"));
    assert_int_equal(mpk_key_load(&key, p384), MPK_EUNSUPPORTED);
    assert_non_null(strstr(mpk_error_message(), "P-256"));
    assert_null(key);
    free(rsa);
    free(p384);
    ms_rm_rf(dir);
    free(dir);
}

static void unhex(unsigned char *out, const char *hex)
{
    size_t i;
    for (i = 0; hex[2 * i]; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
}

/* RFC 6979, A.2.5: ECDSA P-256 with SHA-256 over "sample". */
static void test_rfc6979_vector(void **state)
{
    static const char x[] = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
    static const char r[] = "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716";
    static const char s[] = "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8";
    unsigned char pem[1024], sig[MPK_SIGNATURE_MAX], expect[72];
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context pk;
    mbedtls_ecp_keypair *ec;
    mpk_key *key = NULL;
    size_t len = 0;

    /* Build the RFC's key with mbedTLS, hand it to libmpk as PEM. */
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    assert_int_equal(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0), 0);
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    ec = mbedtls_pk_ec(pk);
    assert_int_equal(mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1), 0);
    assert_int_equal(mbedtls_mpi_read_string(&ec->d, 16, x), 0);
    assert_int_equal(
        mbedtls_ecp_mul(&ec->grp, &ec->Q, &ec->d, &ec->grp.G, mbedtls_ctr_drbg_random, &drbg), 0);
    assert_int_equal(mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem)), 0);
    assert_int_equal(mpk_key_parse(&key, (const char *)pem, strlen((const char *)pem)), MPK_OK);

    assert_int_equal(mpk_key_sign(sig, &len, key, "sample", 6), MPK_OK);
    /* DER: SEQUENCE(70) { INTEGER(33) 00 r, INTEGER(33) 00 s } since r and s have the top bit. */
    expect[0] = 0x30, expect[1] = 0x46, expect[2] = 0x02, expect[3] = 0x21, expect[4] = 0x00;
    unhex(expect + 5, r);
    expect[37] = 0x02, expect[38] = 0x21, expect[39] = 0x00;
    unhex(expect + 40, s);
    assert_int_equal(len, 72);
    assert_memory_equal(sig, expect, 72);

    mpk_key_free(key);
    mbedtls_pk_free(&pk);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
}

static void test_sha256_and_hex(void **state)
{
    unsigned char d[32];
    char hex[65];

    mpk_sha256(d, "abc", 3);
    mpk_hex(hex, d, sizeof(d));
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_sign_verify),
        cmocka_unit_test(test_files_and_ids),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_rfc6979_vector),
        cmocka_unit_test(test_sha256_and_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
