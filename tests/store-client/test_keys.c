/* TUF keys: interoperability with OpenSSL-made vectors, every scheme's sign/verify, key ids,
 * key files. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "mstore/canonjson.h"
#include "mstore/key.h"

static json_t *load_vectors(void)
{
    char *path = ms_join(ms_env("MS_SOURCE_DIR"), "tests/store-client/data/tuf_vectors.json");
    json_error_t err;
    json_t *v = json_load_file(path, 0, &err);
    assert_non_null(v);
    free(path);
    return v;
}

/* Flips one bit of a hex string in place (the last digit). */
static void flip_hex(char *hex)
{
    size_t n = strlen(hex);
    hex[n - 1] = hex[n - 1] == '0' ? '1' : '0';
}

static void test_openssl_vectors(void **state)
{
    json_t *v = load_vectors(), *entry;
    const char *msg = json_string_value(json_object_get(v, "message"));
    size_t i, len = strlen(msg);
    char *tampered = strdup(msg);

    (void)state;
    tampered[len / 2] ^= 1;
    json_array_foreach(json_object_get(v, "keys"), i, entry)
    {
        mstore_key *key = NULL;
        char id[MSTORE_KEYID_LEN + 1];
        size_t j;
        json_t *sig;

        assert_int_equal(mstore_key_from_json(&key, json_object_get(entry, "key"), NULL),
                         MSTORE_OK);
        assert_true(mstore_key_is_usable(key));
        assert_false(mstore_key_has_private(key));
        /* The key id python-tuf computes. */
        assert_string_equal(mstore_key_id(key), json_string_value(json_object_get(entry, "keyid")));
        assert_int_equal(mstore_key_compute_id(id, key), MSTORE_OK);
        assert_string_equal(id, mstore_key_id(key));
        json_array_foreach(json_object_get(entry, "sigs"), j, sig)
        {
            char *bad = strdup(json_string_value(sig));
            assert_int_equal(mstore_key_verify(key, msg, len, json_string_value(sig)), MSTORE_OK);
            assert_int_equal(mstore_key_verify(key, tampered, len, json_string_value(sig)),
                             MSTORE_ESIGNATURE);
            flip_hex(bad);
            assert_int_equal(mstore_key_verify(key, msg, len, bad), MSTORE_ESIGNATURE);
            free(bad);
        }
        assert_int_equal(mstore_key_verify(key, msg, len, ""), MSTORE_ESIGNATURE);
        assert_int_equal(mstore_key_verify(key, msg, len, "zz"), MSTORE_ESIGNATURE);
        assert_int_equal(mstore_key_verify(key, msg, len, "abc"), MSTORE_ESIGNATURE);
        mstore_key_free(key);
    }
    free(tampered);
    json_decref(v);
}

static void test_ecdsa_trailing_bytes_refused(void **state)
{
    json_t *v = load_vectors();
    json_t *entry = json_array_get(json_object_get(v, "keys"), 0);
    const char *msg = json_string_value(json_object_get(v, "message"));
    const char *sig = json_string_value(json_array_get(json_object_get(entry, "sigs"), 0));
    char *longer = malloc(strlen(sig) + 3);
    mstore_key *key = NULL;

    (void)state;
    assert_string_equal(json_string_value(json_object_get(json_object_get(entry, "key"), "scheme")),
                        "ecdsa-sha2-nistp256");
    sprintf(longer, "%s00", sig);
    assert_int_equal(mstore_key_from_json(&key, json_object_get(entry, "key"), NULL), MSTORE_OK);
    assert_int_equal(mstore_key_verify(key, msg, strlen(msg), sig), MSTORE_OK);
    assert_int_equal(mstore_key_verify(key, msg, strlen(msg), longer), MSTORE_ESIGNATURE);
    mstore_key_free(key);
    free(longer);
    json_decref(v);
}

static void roundtrip(const char *scheme)
{
    static const char data[] = "{\"signed\":\"bytes\"}";
    mstore_key *key = NULL, *pub = NULL, *again = NULL;
    json_t *kj = NULL;
    char *sig = NULL, *sig2 = NULL;

    assert_int_equal(mstore_key_generate(&key, scheme), MSTORE_OK);
    assert_true(mstore_key_has_private(key));
    assert_string_equal(mstore_key_scheme(key), scheme);
    assert_int_equal(strlen(mstore_key_id(key)), MSTORE_KEYID_LEN);
    assert_int_equal(mstore_key_sign(&sig, key, data, sizeof(data) - 1), MSTORE_OK);
    assert_int_equal(mstore_key_verify(key, data, sizeof(data) - 1, sig), MSTORE_OK);

    /* The public metadata form verifies the same signature and keeps the key id. */
    assert_int_equal(mstore_key_to_json(&kj, key), MSTORE_OK);
    assert_null(json_object_get(json_object_get(kj, "keyval"), "private"));
    assert_int_equal(mstore_key_from_json(&pub, kj, NULL), MSTORE_OK);
    assert_string_equal(mstore_key_id(pub), mstore_key_id(key));
    assert_false(mstore_key_has_private(pub));
    assert_int_equal(mstore_key_verify(pub, data, sizeof(data) - 1, sig), MSTORE_OK);
    assert_int_equal(mstore_key_verify(pub, data, sizeof(data) - 2, sig), MSTORE_ESIGNATURE);
    assert_int_equal(mstore_key_sign(&sig2, pub, data, 1), MSTORE_EINVAL);
    assert_null(sig2);

    /* Another key of the same scheme does not verify it. */
    assert_int_equal(mstore_key_generate(&again, scheme), MSTORE_OK);
    assert_string_not_equal(mstore_key_id(again), mstore_key_id(key));
    assert_int_equal(mstore_key_verify(again, data, sizeof(data) - 1, sig), MSTORE_ESIGNATURE);

    mstore_key_free(again);
    mstore_key_free(pub);
    mstore_key_free(key);
    json_decref(kj);
    free(sig);
}

static void test_ecdsa_roundtrip(void **state)
{
    (void)state;
    roundtrip(MSTORE_SCHEME_ECDSA_P256);
}

static void test_rsa_pss_roundtrip(void **state)
{
    (void)state;
    roundtrip(MSTORE_SCHEME_RSA_PSS_SHA256);
}

static void test_ed25519_roundtrip(void **state)
{
    (void)state;
    roundtrip(MSTORE_SCHEME_ED25519);
}

static void test_key_files(void **state)
{
    const char *schemes[] = {MSTORE_SCHEME_ECDSA_P256, MSTORE_SCHEME_ED25519};
    char *dir = ms_tmpdir("mstore-keys");

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        char *path = ms_fmt("%s/key%zu.json", dir, i);
        mstore_key *key = NULL, *loaded = NULL;
        char *sig = NULL;
        struct stat st;

        assert_int_equal(mstore_key_generate(&key, schemes[i]), MSTORE_OK);
        assert_int_equal(mstore_key_save_private(key, path), MSTORE_OK);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        /* Never overwritten. */
        assert_int_equal(mstore_key_save_private(key, path), MSTORE_EEXISTS);
        assert_int_equal(mstore_key_load_private(&loaded, path), MSTORE_OK);
        assert_string_equal(mstore_key_id(loaded), mstore_key_id(key));
        assert_true(mstore_key_has_private(loaded));
        assert_int_equal(mstore_key_sign(&sig, loaded, "x", 1), MSTORE_OK);
        assert_int_equal(mstore_key_verify(key, "x", 1, sig), MSTORE_OK);
        free(sig);
        mstore_key_free(loaded);
        mstore_key_free(key);
        free(path);
    }

    /* A file whose public part does not belong to its private part. */
    {
        char *a = ms_fmt("%s/key0.json", dir), *b = ms_fmt("%s/mixed.json", dir);
        json_t *ja = json_load_file(a, 0, NULL);
        mstore_key *other = NULL, *loaded = NULL;
        json_t *oj = NULL;
        assert_int_equal(mstore_key_generate(&other, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
        assert_int_equal(mstore_key_to_json(&oj, other), MSTORE_OK);
        json_object_set(json_object_get(ja, "keyval"), "public",
                        json_object_get(json_object_get(oj, "keyval"), "public"));
        assert_int_equal(json_dump_file(ja, b, 0), 0);
        assert_int_equal(mstore_key_load_private(&loaded, b), MSTORE_EFORMAT);
        assert_null(loaded);
        ms_write(b, "{\"keytype\": 1}", 14);
        assert_int_equal(mstore_key_load_private(&loaded, b), MSTORE_EFORMAT);
        ms_write(b, "not json", 8);
        assert_int_equal(mstore_key_load_private(&loaded, b), MSTORE_EFORMAT);
        json_decref(ja);
        json_decref(oj);
        mstore_key_free(other);
        free(a);
        free(b);
    }
    ms_rm_rf(dir);
    free(dir);
}

static void test_unusable_and_malformed_keys(void **state)
{
    mstore_key *key = NULL;
    json_t *k;

    (void)state;
    /* Unknown scheme, mismatched keytype, unparsable key value: kept, but verify nothing. */
    const char *kept[] = {
        "{\"keytype\":\"ecdsa\",\"scheme\":\"ecdsa-sha2-nistp999\",\"keyval\":{\"public\":\"x\"}}",
        "{\"keytype\":\"rsa\",\"scheme\":\"ecdsa-sha2-nistp256\",\"keyval\":{\"public\":\"x\"}}",
        "{\"keytype\":\"ecdsa\",\"scheme\":\"ecdsa-sha2-nistp256\",\"keyval\":{\"public\":\"no\"}}",
        "{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"abcd\"}}",
    };
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        k = json_loads(kept[i], 0, NULL);
        assert_int_equal(mstore_key_from_json(&key, k, "someid"), MSTORE_OK);
        assert_string_equal(mstore_key_id(key), "someid");
        assert_false(mstore_key_is_usable(key));
        assert_int_equal(mstore_key_verify(key, "x", 1, "00"), MSTORE_ESIGNATURE);
        mstore_key_free(key);
        key = NULL;
        json_decref(k);
    }
    /* Structurally wrong: refused. */
    const char *refused[] = {
        "{\"keytype\":\"ecdsa\",\"scheme\":\"ecdsa-sha2-nistp256\"}",
        "{\"keytype\":\"ecdsa\",\"scheme\":\"ecdsa-sha2-nistp256\",\"keyval\":{\"public\":1}}",
        "{\"keytype\":1,\"scheme\":\"ecdsa-sha2-nistp256\",\"keyval\":{\"public\":\"x\"}}",
        "[1]",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        k = json_loads(refused[i], 0, NULL);
        assert_int_equal(mstore_key_from_json(&key, k, NULL), MSTORE_EFORMAT);
        assert_null(key);
        json_decref(k);
    }
    assert_int_equal(mstore_key_generate(&key, "dsa"), MSTORE_EUNSUPPORTED);
}

static void test_import_pem(void **state)
{
    mstore_key *key = NULL, *imported = NULL;
    json_t *kj = NULL;
    const char *pem;
    char *sig = NULL;

    (void)state;
    assert_int_equal(mstore_key_generate(&key, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
    assert_int_equal(mstore_key_to_json(&kj, key), MSTORE_OK);
    pem = json_string_value(json_object_get(json_object_get(kj, "keyval"), "public"));
    assert_int_equal(mstore_key_import_pem(&imported, pem, strlen(pem), MSTORE_SCHEME_ECDSA_P256),
                     MSTORE_OK);
    assert_string_equal(mstore_key_id(imported), mstore_key_id(key));
    assert_int_equal(mstore_key_sign(&sig, key, "m", 1), MSTORE_OK);
    assert_int_equal(mstore_key_verify(imported, "m", 1, sig), MSTORE_OK);
    mstore_key_free(imported);
    imported = NULL;
    /* An EC key is not an RSA key; ed25519 has no PEM form here. */
    assert_int_equal(mstore_key_import_pem(&imported, pem, strlen(pem), "rsassa-pss-sha256"),
                     MSTORE_EFORMAT);
    assert_int_equal(mstore_key_import_pem(&imported, pem, strlen(pem), "ed25519"),
                     MSTORE_EUNSUPPORTED);
    assert_int_equal(mstore_key_import_pem(&imported, "garbage", 7, MSTORE_SCHEME_ECDSA_P256),
                     MSTORE_EFORMAT);
    assert_null(imported);
    free(sig);
    json_decref(kj);
    mstore_key_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openssl_vectors),
        cmocka_unit_test(test_ecdsa_trailing_bytes_refused),
        cmocka_unit_test(test_ecdsa_roundtrip),
        cmocka_unit_test(test_rsa_pss_roundtrip),
        cmocka_unit_test(test_ed25519_roundtrip),
        cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_unusable_and_malformed_keys),
        cmocka_unit_test(test_import_pem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
