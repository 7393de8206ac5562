/* TUF metadata: strict parsing of every field, thresholds, unknown fields, delegation matching,
 * and the writer side. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "mstore/canonjson.h"
#include "mstore/metadata.h"

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

typedef struct keys {
    mstore_key *k[4];
} keys;

static mstore_key *gen(void)
{
    mstore_key *k = NULL;
    assert_int_equal(mstore_key_generate(&k, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
    return k;
}

static void free_keys(keys *ks)
{
    for (int i = 0; i < 4; i++)
        mstore_key_free(ks->k[i]);
}

/* A root with three root keys (threshold 2) and one key for each other role. */
static mstore_metadata *make_root(keys *ks)
{
    static const char *const roles[] = {"timestamp", "snapshot", "targets"};
    mstore_metadata *root = NULL;

    for (int i = 0; i < 4; i++)
        ks->k[i] = gen();
    assert_int_equal(mstore_metadata_new(&root, MSTORE_ROLE_ROOT, T0 + 86400), MSTORE_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(mstore_root_add_key(root, "root", ks->k[i]), MSTORE_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(mstore_root_add_key(root, roles[i], ks->k[3]), MSTORE_OK);
    assert_int_equal(mstore_root_set_threshold(root, "root", 2), MSTORE_OK);
    return root;
}

/* Serialises md, applies a JSON edit, and parses it again as type. */
static int reparse(mstore_metadata **out, const mstore_metadata *md, mstore_role_type type,
                   void (*edit)(json_t *doc, const void *arg), const void *arg)
{
    char *text = NULL;
    size_t size = 0;
    json_t *doc;
    int rc;

    assert_int_equal(mstore_metadata_to_bytes(&text, &size, md), MSTORE_OK);
    doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    free(text);
    if (edit)
        edit(doc, arg);
    text = json_dumps(doc, 0);
    json_decref(doc);
    *out = NULL;
    rc = mstore_metadata_parse(out, text, strlen(text), type, "test.json");
    free(text);
    return rc;
}

/* Edits: "a/b/c" is a path of object keys (array indexes as numbers); value is JSON text, or
 * NULL to delete. */
typedef struct edit_arg {
    const char *path;
    const char *value;
} edit_arg;

static void apply_edit(json_t *doc, const void *arg)
{
    const edit_arg *e = arg;
    char *path = strdup(e->path), *save = NULL;
    json_t *cur = doc, *parent = NULL;
    char *last = NULL;

    for (char *tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        parent = cur;
        last = tok;
        cur =
            json_is_array(cur) ? json_array_get(cur, (size_t)atoi(tok)) : json_object_get(cur, tok);
    }
    assert_non_null(parent);
    if (e->value) {
        json_t *v = json_loads(e->value, JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        if (json_is_array(parent) && (size_t)atoi(last) == json_array_size(parent))
            assert_int_equal(json_array_append_new(parent, v), 0);
        else if (json_is_array(parent))
            assert_int_equal(json_array_set_new(parent, (size_t)atoi(last), v), 0);
        else
            assert_int_equal(json_object_set_new(parent, last, v), 0);
    } else if (json_is_array(parent)) {
        json_array_remove(parent, (size_t)atoi(last));
    } else {
        json_object_del(parent, last);
    }
    free(path);
}

static void expect_refused(const mstore_metadata *md, mstore_role_type type, const char *path,
                           const char *value, const char *message_part)
{
    edit_arg e = {path, value};
    mstore_metadata *out = NULL;

    int rc = reparse(&out, md, type, apply_edit, &e);
    if (rc != MSTORE_EFORMAT || !strstr(mstore_error_message(), message_part)) {
        print_error("edit %s = %s: got %s '%s', expected EFORMAT with '%s'\n", path,
                    value ? value : "(deleted)", mstore_error_name(rc), mstore_error_message(),
                    message_part);
        fail();
    }
    assert_null(out);
}

static void expect_accepted(const mstore_metadata *md, mstore_role_type type, const char *path,
                            const char *value)
{
    edit_arg e = {path, value};
    mstore_metadata *out = NULL;

    int rc = reparse(&out, md, type, apply_edit, &e);
    if (rc != MSTORE_OK) {
        print_error("edit %s: %s\n", path, mstore_error_message());
        fail();
    }
    mstore_metadata_free(out);
}

static void test_root_roundtrip_and_self_signature(void **state)
{
    keys ks;
    mstore_metadata *root = make_root(&ks), *parsed = NULL;
    char *text = NULL;
    size_t size = 0;

    (void)state;
    assert_int_equal(mstore_metadata_version(root), 1);
    assert_true(mstore_root_consistent_snapshot(root));
    assert_int_equal(mstore_metadata_sign(root, ks.k[0]), MSTORE_OK);
    assert_int_equal(mstore_metadata_sign(root, ks.k[1]), MSTORE_OK);
    assert_int_equal(mstore_metadata_to_bytes(&text, &size, root), MSTORE_OK);
    assert_non_null(strstr(text, "\"expires\": \"2023-11-15T22:13:20Z\""));
    assert_non_null(strstr(text, "\"spec_version\": \"" MSTORE_SPEC_VERSION "\""));
    assert_int_equal(mstore_metadata_parse(&parsed, text, size, MSTORE_ROLE_ROOT, "root.json"),
                     MSTORE_OK);
    assert_int_equal(mstore_metadata_expires(parsed), T0 + 86400);
    assert_false(mstore_metadata_is_expired(parsed, T0 + 86399));
    assert_true(mstore_metadata_is_expired(parsed, T0 + 86400)); /* now >= expires */
    assert_int_equal(mstore_metadata_verify(parsed, "root", parsed), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(parsed, "timestamp", parsed), MSTORE_ESIGNATURE);
    assert_int_equal(mstore_metadata_verify(parsed, "mirrors", parsed), MSTORE_ENOTFOUND);
    /* The wrong type is refused. */
    mstore_metadata *wrong = NULL;
    assert_int_equal(mstore_metadata_parse(&wrong, text, size, MSTORE_ROLE_TIMESTAMP, "x.json"),
                     MSTORE_EFORMAT);
    assert_non_null(strstr(mstore_error_message(), "x.json: signed._type: 'root', expected"));
    free(text);
    mstore_metadata_free(parsed);
    mstore_metadata_free(root);
    free_keys(&ks);
}

static void test_thresholds(void **state)
{
    keys ks;
    mstore_metadata *root = make_root(&ks), *copy = NULL;
    mstore_key *stranger = gen();

    (void)state;
    /* 0, then 1 of 2 required root signatures. */
    assert_int_equal(mstore_metadata_verify(root, "root", root), MSTORE_ESIGNATURE);
    assert_int_equal(mstore_metadata_sign(root, ks.k[0]), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(root, "root", root), MSTORE_ESIGNATURE);
    assert_non_null(strstr(mstore_error_message(), "root: 1 of 2 required signatures"));
    /* Signing twice with one key replaces its signature: still one. */
    assert_int_equal(mstore_metadata_sign(root, ks.k[0]), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(root, "root", root), MSTORE_ESIGNATURE);
    /* A key the role does not list does not count. */
    assert_int_equal(mstore_metadata_sign(root, stranger), MSTORE_OK);
    assert_int_equal(mstore_metadata_sign(root, ks.k[3]), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(root, "root", root), MSTORE_ESIGNATURE);
    assert_int_equal(mstore_metadata_sign(root, ks.k[2]), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(root, "root", root), MSTORE_OK);

    /* A wrong signature by a listed key does not count, other valid ones still do. */
    {
        edit_arg e = {"signatures/0/sig", "\"3045022100aa\""};
        assert_int_equal(reparse(&copy, root, MSTORE_ROLE_ROOT, apply_edit, &e), MSTORE_OK);
        assert_int_equal(mstore_metadata_verify(copy, "root", copy), MSTORE_ESIGNATURE);
        mstore_metadata_free(copy);
        e.value = "\"\"";
        assert_int_equal(reparse(&copy, root, MSTORE_ROLE_ROOT, apply_edit, &e), MSTORE_OK);
        assert_int_equal(mstore_metadata_verify(copy, "root", copy), MSTORE_ESIGNATURE);
        mstore_metadata_free(copy);
    }
    /* The same key id signing twice is malformed metadata (it must never count twice). */
    {
        char *text = NULL;
        size_t size;
        assert_int_equal(mstore_metadata_to_bytes(&text, &size, root), MSTORE_OK);
        json_t *doc = json_loads(text, 0, NULL);
        json_t *sigs = json_object_get(doc, "signatures");
        json_array_append(sigs, json_array_get(sigs, 0));
        free(text);
        text = json_dumps(doc, 0);
        assert_int_equal(mstore_metadata_parse(&copy, text, strlen(text), MSTORE_ROLE_ROOT, "r"),
                         MSTORE_EFORMAT);
        assert_non_null(strstr(mstore_error_message(), "signs twice"));
        free(text);
        json_decref(doc);
    }
    /* A role listing one key id twice is malformed too. */
    {
        char id[200];
        snprintf(id, sizeof(id), "\"%s\"", mstore_key_id(ks.k[0]));
        edit_arg e = {"signed/roles/root/keyids/2", id};
        assert_int_equal(reparse(&copy, root, MSTORE_ROLE_ROOT, apply_edit, &e), MSTORE_EFORMAT);
        assert_non_null(strstr(mstore_error_message(), "listed twice"));
    }
    /* A role's key id with no key in "keys" is simply not usable. */
    {
        edit_arg e = {"signed/roles/root/keyids/3", "\"00ff\""};
        assert_int_equal(reparse(&copy, root, MSTORE_ROLE_ROOT, apply_edit, &e), MSTORE_OK);
        mstore_metadata_free(copy);
    }
    mstore_key_free(stranger);
    mstore_metadata_free(root);
    free_keys(&ks);
}

/* Adds key_json under alias to root's keys and to the snapshot role, threshold 2. */
static void add_alias(json_t *doc, const void *arg)
{
    const char *const *a = arg; /* {alias, key JSON} */
    json_t *signed_ = json_object_get(doc, "signed");
    json_t *role = json_object_get(json_object_get(signed_, "roles"), "snapshot");

    assert_int_equal(
        json_object_set_new(json_object_get(signed_, "keys"), a[0], json_loads(a[1], 0, NULL)), 0);
    assert_int_equal(json_array_append_new(json_object_get(role, "keyids"), json_string(a[0])), 0);
    assert_int_equal(json_object_set_new(role, "threshold", json_integer(2)), 0);
}

static void test_threshold_counts_keys_not_key_ids(void **state)
{
    keys ks;
    mstore_metadata *root = make_root(&ks), *aliased = NULL, *snap = NULL, *signed2 = NULL;
    json_t *pub = NULL;
    char *pub_text, *text = NULL, *sig_text;
    mstore_key *second = gen();
    size_t size = 0;

    (void)state;
    assert_int_equal(mstore_key_to_json(&pub, ks.k[3]), MSTORE_OK);
    /* The snapshot key once more under another key id: verbatim, then with its PEM written
     * differently (a trailing newline), which a comparison of the texts would miss. */
    for (int variant = 0; variant < 2; variant++) {
        json_t *copy = json_deep_copy(pub);
        if (variant) {
            json_t *kv = json_object_get(copy, "keyval");
            char *longer = ms_fmt("%s\n", json_string_value(json_object_get(kv, "public")));
            json_object_set_new(kv, "public", json_string(longer));
            free(longer);
        }
        pub_text = json_dumps(copy, JSON_COMPACT);
        json_decref(copy);
        const char *alias[2] = {"a11a5", pub_text};
        assert_int_equal(reparse(&aliased, root, MSTORE_ROLE_ROOT, add_alias, alias), MSTORE_OK);
        free(pub_text);

        /* A snapshot signed once by that key, the signature listed under both key ids. */
        assert_int_equal(mstore_metadata_new(&snap, MSTORE_ROLE_SNAPSHOT, T0 + 86400), MSTORE_OK);
        assert_int_equal(mstore_snapshot_set_meta(snap, "targets.json", 1, NULL, 0), MSTORE_OK);
        assert_int_equal(mstore_metadata_sign(snap, ks.k[3]), MSTORE_OK);
        assert_int_equal(mstore_metadata_to_bytes(&text, &size, snap), MSTORE_OK);
        {
            json_t *doc = json_loads(text, 0, NULL), *sigs = json_object_get(doc, "signatures");
            json_t *twin = json_deep_copy(json_array_get(sigs, 0));
            json_object_set_new(twin, "keyid", json_string("a11a5"));
            json_array_append_new(sigs, twin);
            sig_text = json_dumps(doc, 0);
            json_decref(doc);
        }
        free(text);
        mstore_metadata_free(snap);
        assert_int_equal(mstore_metadata_parse(&snap, sig_text, strlen(sig_text),
                                               MSTORE_ROLE_SNAPSHOT, "snapshot.json"),
                         MSTORE_OK);
        free(sig_text);
        assert_int_equal(mstore_metadata_verify(aliased, "snapshot", snap), MSTORE_ESIGNATURE);
        assert_non_null(strstr(mstore_error_message(), "1 of 2 required signatures"));

        /* A second, different key listed under the alias does reach the threshold. */
        if (!variant) {
            json_t *k2 = NULL;
            mstore_metadata *root2 = NULL;
            assert_int_equal(mstore_key_to_json(&k2, second), MSTORE_OK);
            pub_text = json_dumps(k2, JSON_COMPACT);
            json_decref(k2);
            const char *alias2[2] = {"a11a5", pub_text};
            assert_int_equal(reparse(&root2, root, MSTORE_ROLE_ROOT, add_alias, alias2), MSTORE_OK);
            free(pub_text);
            assert_int_equal(mstore_metadata_dup(&signed2, snap), MSTORE_OK);
            mstore_metadata_clear_signatures(signed2);
            assert_int_equal(mstore_metadata_sign(signed2, ks.k[3]), MSTORE_OK);
            assert_int_equal(mstore_metadata_to_bytes(&text, &size, signed2), MSTORE_OK);
            {
                /* second's signature under the alias key id */
                char *sig = NULL, *canon = NULL;
                size_t clen = 0;
                json_t *doc = json_loads(text, 0, NULL);
                assert_int_equal(
                    mstore_canonjson_encode(&canon, &clen, json_object_get(doc, "signed")),
                    MSTORE_OK);
                assert_int_equal(mstore_key_sign(&sig, second, canon, clen), MSTORE_OK);
                json_array_append_new(json_object_get(doc, "signatures"),
                                      json_pack("{s:s, s:s}", "keyid", "a11a5", "sig", sig));
                free(text);
                text = json_dumps(doc, 0);
                json_decref(doc);
                free(sig);
                free(canon);
            }
            mstore_metadata_free(signed2);
            assert_int_equal(mstore_metadata_parse(&signed2, text, strlen(text),
                                                   MSTORE_ROLE_SNAPSHOT, "snapshot.json"),
                             MSTORE_OK);
            free(text);
            assert_int_equal(mstore_metadata_verify(root2, "snapshot", signed2), MSTORE_OK);
            mstore_metadata_free(signed2);
            mstore_metadata_free(root2);
        }
        mstore_metadata_free(snap);
        mstore_metadata_free(aliased);
        snap = aliased = NULL;
    }
    json_decref(pub);
    mstore_key_free(second);
    mstore_metadata_free(root);
    free_keys(&ks);
}

static void test_root_fields_strict(void **state)
{
    keys ks;
    mstore_metadata *root = make_root(&ks);
    mstore_role_type R = MSTORE_ROLE_ROOT;

    (void)state;
    assert_int_equal(mstore_metadata_sign(root, ks.k[0]), MSTORE_OK);
    expect_refused(root, R, "signed/version", NULL, "signed.version: missing");
    expect_refused(root, R, "signed/version", "0", "at least 1");
    expect_refused(root, R, "signed/version", "1.0", "signed.version: must be an integer");
    expect_refused(root, R, "signed/version", "\"1\"", "must be an integer");
    expect_refused(root, R, "signed/version", "true", "must be an integer");
    expect_refused(root, R, "signed/_type", "\"Root\"", "signed._type");
    expect_refused(root, R, "signed/spec_version", "\"2.0\"", "not a 1.x version");
    expect_refused(root, R, "signed/spec_version", "\"1\"", "not a 1.x version");
    expect_refused(root, R, "signed/spec_version", "\"1.0.0.0\"", "not a 1.x version");
    expect_refused(root, R, "signed/spec_version", "\"1.a\"", "not a 1.x version");
    expect_refused(root, R, "signed/expires", "\"2030-01-01T00:00:00\"", "signed.expires");
    expect_refused(root, R, "signed/expires", "\"2030-01-01 00:00:00Z\"", "signed.expires");
    expect_refused(root, R, "signed/expires", "\"2030-1-01T00:00:00Z\"", "signed.expires");
    expect_refused(root, R, "signed/expires", "\"2030-02-30T00:00:00Z\"", "signed.expires");
    expect_refused(root, R, "signed/expires", "\"2023-02-29T00:00:00Z\"", "signed.expires");
    expect_refused(root, R, "signed/expires", "\"2030-01-01T24:00:00Z\"", "signed.expires");
    expect_refused(root, R, "signed/expires", "\"2030-01-01T00:00:00+00:00\"", "signed.expires");
    expect_refused(root, R, "signed/expires", "1893456000", "signed.expires: must be a string");
    expect_refused(root, R, "signed/consistent_snapshot", "1", "must be a boolean");
    expect_refused(root, R, "signed/keys", "[]", "signed.keys: must be an object");
    expect_refused(root, R, "signed/roles/mirrors", "{\"keyids\":[],\"threshold\":1}",
                   "exactly root, timestamp, snapshot, targets");
    expect_refused(root, R, "signed/roles/snapshot", NULL,
                   "exactly root, timestamp, snapshot, targets");
    expect_refused(root, R, "signed/roles/snapshot/threshold", "0",
                   "signed.roles.snapshot.threshold: must be an integer of at least 1");
    expect_refused(root, R, "signed/roles/snapshot/keyids", "\"abc\"", "must be an array");
    expect_refused(root, R, "signed/roles/snapshot/keyids/0", "7", "must be a string");
    expect_refused(root, R, "signatures", "{}", "metadata.signatures: must be an array");
    expect_refused(root, R, "signatures/0", "{\"keyid\": \"ab\"}", "sig: missing");
    expect_refused(root, R, "signed", NULL, "metadata.signed: missing");
    {
        char path[200];
        snprintf(path, sizeof(path), "signed/keys/%s/keyval", mstore_key_id(ks.k[0]));
        expect_refused(root, R, path, NULL, "keyval: must be an object");
    }

    /* Fields TUF does not define are accepted anywhere (they are signed too). */
    expect_accepted(root, R, "signed/x-custom", "{\"a\": [1, 2]}");
    expect_accepted(root, R, "signed/roles/root/x-field", "\"v\"");
    expect_accepted(root, R, "x-top", "1");
    expect_accepted(root, R, "signed/spec_version", "\"1.0\"");
    expect_accepted(root, R, "signed/consistent_snapshot", NULL);
    mstore_metadata_free(root);
    free_keys(&ks);
}

static void test_unknown_fields_are_signed(void **state)
{
    keys ks;
    mstore_metadata *root = make_root(&ks), *copy = NULL;
    json_t *extra = json_pack("{s:s}", "note", "caf\xc3\xa9 \"x\" \\");
    char id[200];

    (void)state;
    assert_int_equal(mstore_metadata_set_extra(root, "x-custom", extra), MSTORE_OK);
    assert_int_equal(mstore_metadata_set_extra(root, "version", extra), MSTORE_EINVAL);
    assert_int_equal(mstore_metadata_sign(root, ks.k[0]), MSTORE_OK);
    assert_int_equal(mstore_metadata_sign(root, ks.k[1]), MSTORE_OK);
    assert_int_equal(reparse(&copy, root, MSTORE_ROLE_ROOT, NULL, NULL), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(copy, "root", copy), MSTORE_OK);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(mstore_metadata_signed_json(copy), "x-custom"), "note")),
        "caf\xc3\xa9 \"x\" \\");
    mstore_metadata_free(copy);
    /* Changing an unknown field breaks the signatures: it is part of what they cover. */
    {
        edit_arg e = {"signed/x-custom/note", "\"changed\""};
        assert_int_equal(reparse(&copy, root, MSTORE_ROLE_ROOT, apply_edit, &e), MSTORE_OK);
        assert_int_equal(mstore_metadata_verify(copy, "root", copy), MSTORE_ESIGNATURE);
        mstore_metadata_free(copy);
    }
    /* So does an unknown field added to a key. */
    snprintf(id, sizeof(id), "signed/keys/%s/x-owner", mstore_key_id(ks.k[0]));
    {
        edit_arg e = {id, "\"@someone\""};
        assert_int_equal(reparse(&copy, root, MSTORE_ROLE_ROOT, apply_edit, &e), MSTORE_OK);
        assert_int_equal(mstore_metadata_verify(copy, "root", copy), MSTORE_ESIGNATURE);
        mstore_metadata_free(copy);
    }
    json_decref(extra);
    mstore_metadata_free(root);
    free_keys(&ks);
}

static void test_timestamp_and_snapshot(void **state)
{
    mstore_metadata *ts = NULL, *snap = NULL, *copy = NULL;
    mstore_metafile mf;
    static const char body[] = "snapshot bytes";

    (void)state;
    assert_int_equal(mstore_metadata_new(&ts, MSTORE_ROLE_TIMESTAMP, T0), MSTORE_OK);
    assert_int_equal(mstore_timestamp_snapshot_meta(&mf, ts), MSTORE_OK);
    assert_int_equal(mf.version, 1);
    assert_int_equal(mf.length, -1);
    assert_null(mf.hashes);
    assert_int_equal(mstore_timestamp_set_snapshot(ts, 5, body, sizeof(body) - 1), MSTORE_OK);
    assert_int_equal(reparse(&copy, ts, MSTORE_ROLE_TIMESTAMP, NULL, NULL), MSTORE_OK);
    assert_int_equal(mstore_timestamp_snapshot_meta(&mf, copy), MSTORE_OK);
    assert_int_equal(mf.version, 5);
    assert_int_equal(mf.length, sizeof(body) - 1);
    assert_int_equal(mstore_metafile_check(&mf, body, sizeof(body) - 1, "s"), MSTORE_OK);
    assert_int_equal(mstore_metafile_check(&mf, body, sizeof(body) - 2, "s"), MSTORE_ELENGTH);
    assert_int_equal(mstore_metafile_check(&mf, "snapshot bytez", sizeof(body) - 1, "s"),
                     MSTORE_EHASH);
    mstore_metadata_free(copy);

    mstore_role_type T = MSTORE_ROLE_TIMESTAMP;
    expect_refused(ts, T, "signed/meta/targets.json", "{\"version\": 1}",
                   "must hold exactly snapshot.json");
    expect_refused(ts, T, "signed/meta/snapshot.json/version", "0", "at least 1");
    expect_refused(ts, T, "signed/meta/snapshot.json/length", "-1", "length");
    expect_refused(ts, T, "signed/meta/snapshot.json/hashes", "{}", "must not be empty");
    expect_refused(ts, T, "signed/meta/snapshot.json/hashes", "{\"sha256\": 5}",
                   "hashes.sha256: must be a string");
    expect_refused(ts, T, "signed/meta", NULL, "signed.meta: missing");

    /* An unsupported algorithm cannot be checked: refused, not skipped. */
    {
        edit_arg e = {"signed/meta/snapshot.json/hashes", "{\"md5\": \"00\"}"};
        assert_int_equal(reparse(&copy, ts, T, apply_edit, &e), MSTORE_OK);
        assert_int_equal(mstore_timestamp_snapshot_meta(&mf, copy), MSTORE_OK);
        assert_int_equal(mstore_metafile_check(&mf, body, sizeof(body) - 1, "s"),
                         MSTORE_EUNSUPPORTED);
        mstore_metadata_free(copy);
    }

    assert_int_equal(mstore_metadata_new(&snap, MSTORE_ROLE_SNAPSHOT, T0), MSTORE_OK);
    assert_int_equal(mstore_snapshot_set_meta(snap, "role-a.json", 3, NULL, 0), MSTORE_OK);
    assert_int_equal(mstore_snapshot_meta_count(snap), 2);
    assert_int_equal(mstore_snapshot_meta(&mf, snap, "role-a.json"), MSTORE_OK);
    assert_int_equal(mf.version, 3);
    assert_int_equal(mstore_snapshot_meta(&mf, snap, "nope.json"), MSTORE_ENOTFOUND);
    expect_refused(snap, MSTORE_ROLE_SNAPSHOT, "signed/meta/role-a.json/version", "\"3\"",
                   "signed.meta.role-a.json.version: must be an integer");
    assert_int_equal(mstore_snapshot_remove_meta(snap, "role-a.json"), MSTORE_OK);
    assert_int_equal(mstore_snapshot_remove_meta(snap, "role-a.json"), MSTORE_ENOTFOUND);
    assert_int_equal(mstore_snapshot_meta_count(snap), 1);
    mstore_metadata_free(snap);
    mstore_metadata_free(ts);
}

static int count_target(void *ctx, const mstore_target *t)
{
    (void)t;
    (*(int *)ctx)++;
    return 0;
}

static void test_targets_writer_and_fields(void **state)
{
    mstore_metadata *md = NULL, *copy = NULL;
    mstore_target *t = NULL;
    mstore_hash h[4];
    json_t *custom = json_pack("{s:s,s:i}", "id", "com.example.wave", "size", 3);
    int count = 0;
    mstore_role_type TG = MSTORE_ROLE_TARGETS;

    (void)state;
    assert_int_equal(mstore_metadata_new(&md, TG, T0), MSTORE_OK);
    assert_int_equal(mstore_targets_add_data(md, "packages/a/a-1.0.0.mpk", "abc", 3, custom),
                     MSTORE_OK);
    assert_int_equal(mstore_targets_add_data(md, "catalog.json", "{}", 2, NULL), MSTORE_OK);
    assert_int_equal(reparse(&copy, md, TG, NULL, NULL), MSTORE_OK);
    assert_int_equal(mstore_targets_count(copy), 2);
    assert_int_equal(mstore_targets_foreach(copy, count_target, &count), MSTORE_OK);
    assert_int_equal(count, 2);
    assert_int_equal(mstore_targets_get(&t, copy, "packages/a/a-1.0.0.mpk"), MSTORE_OK);
    assert_string_equal(mstore_target_path(t), "packages/a/a-1.0.0.mpk");
    assert_int_equal(mstore_target_length(t), 3);
    assert_string_equal(mstore_target_hash(t, "sha256"),
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_null(mstore_target_hash(t, "sha512"));
    assert_int_equal(mstore_target_hashes(t, h, 4), 1);
    assert_string_equal(h[0].algorithm, "sha256");
    assert_string_equal(json_string_value(json_object_get(mstore_target_custom(t), "id")),
                        "com.example.wave");
    mstore_target_free(t);
    t = NULL;
    mstore_metadata_free(copy);
    assert_int_equal(mstore_targets_get(&t, md, "missing"), MSTORE_ENOTFOUND);
    assert_int_equal(mstore_targets_remove(md, "catalog.json"), MSTORE_OK);
    assert_int_equal(mstore_targets_remove(md, "catalog.json"), MSTORE_ENOTFOUND);
    assert_int_equal(mstore_targets_count(md), 1);

    /* Hashes the library cannot compute are refused by the writer. */
    mstore_hash bad = {"md5", "00"};
    assert_int_equal(mstore_targets_add(md, "x", 1, &bad, 1, NULL), MSTORE_EINVAL);
    mstore_hash shortsha = {"sha256", "abcd"};
    assert_int_equal(mstore_targets_add(md, "x", 1, &shortsha, 1, NULL), MSTORE_EINVAL);

    expect_refused(md, TG, "signed/targets", "[]", "signed.targets: must be an object");
    {
        edit_arg e = {"signed/targets/extra", "{\"hashes\": {\"sha256\": \"00\"}}"};
        mstore_metadata *o = NULL;
        assert_int_equal(reparse(&o, md, TG, apply_edit, &e), MSTORE_EFORMAT);
        assert_non_null(strstr(mstore_error_message(), "signed.targets.extra.length: missing"));
        e.value = "{\"length\": 1}";
        assert_int_equal(reparse(&o, md, TG, apply_edit, &e), MSTORE_EFORMAT);
        assert_non_null(strstr(mstore_error_message(), "signed.targets.extra.hashes: missing"));
        e.value = "{\"length\": -4, \"hashes\": {\"sha256\": \"00\"}}";
        assert_int_equal(reparse(&o, md, TG, apply_edit, &e), MSTORE_EFORMAT);
        e.value = "{\"length\": 4, \"hashes\": {\"sha256\": \"00\"}, \"custom\": [1.5]}";
        assert_int_equal(reparse(&o, md, TG, apply_edit, &e), MSTORE_OK);
        mstore_metadata_free(o);
    }
    json_decref(custom);
    mstore_metadata_free(md);
}

static mstore_metadata *delegating_targets(mstore_key **ka, mstore_key **kb)
{
    const char *pa[] = {"*.doc", "*.md", "foo-?.tgz"};
    const char *pb[] = {"releases/*/*"};
    mstore_metadata *md = NULL;

    *ka = gen();
    *kb = gen();
    assert_int_equal(mstore_metadata_new(&md, MSTORE_ROLE_TARGETS, T0), MSTORE_OK);
    assert_int_equal(mstore_targets_add_delegation(md, "A", pa, 3, 1, false), MSTORE_OK);
    assert_int_equal(mstore_targets_add_delegation(md, "B", pb, 1, 1, true), MSTORE_OK);
    assert_int_equal(mstore_targets_add_delegation(md, "A", pa, 3, 1, false), MSTORE_EEXISTS);
    assert_int_equal(mstore_targets_add_delegation(md, "targets", pa, 3, 1, false), MSTORE_EINVAL);
    assert_int_equal(mstore_targets_add_delegation_key(md, "A", *ka), MSTORE_OK);
    assert_int_equal(mstore_targets_add_delegation_key(md, "B", *kb), MSTORE_OK);
    assert_int_equal(mstore_targets_add_delegation_key(md, "C", *kb), MSTORE_ENOTFOUND);
    return md;
}

static void expect_roles(const mstore_metadata *md, const char *path, const char *expected)
{
    const char **names = NULL;
    bool *term = NULL;
    size_t n = 0;
    char got[256] = "";

    assert_int_equal(mstore_targets_roles_for(&names, &term, &n, md, path), MSTORE_OK);
    for (size_t i = 0; i < n; i++) {
        strcat(got, names[i]);
        strcat(got, term[i] ? "!" : "");
        strcat(got, i + 1 < n ? "," : "");
    }
    if (strcmp(got, expected) != 0) {
        print_error("%s: roles '%s', expected '%s'\n", path, got, expected);
        fail();
    }
    free(names);
    free(term);
}

static void test_delegation_matching(void **state)
{
    mstore_key *ka, *kb;
    mstore_metadata *md = delegating_targets(&ka, &kb), *copy = NULL;

    (void)state;
    assert_true(mstore_targets_has_delegations(md));
    expect_roles(md, "README.md", "A");
    expect_roles(md, "releases/README.md", ""); /* a wildcard never crosses '/' */
    expect_roles(md, "foo-1.tgz", "A");
    expect_roles(md, "foo-alpha.tgz", "");     /* '?' is one character */
    expect_roles(md, "README.MD", "");         /* case-sensitive */
    expect_roles(md, "releases/x/x_v1", "B!"); /* terminating */
    expect_roles(md, "releases/x/y/z", "");    /* segment counts must match */
    expect_roles(md, "targetfile", "");

    /* Signatures of delegated roles are checked with the delegator's keys for that role. */
    mstore_metadata *a = NULL;
    assert_int_equal(mstore_metadata_new(&a, MSTORE_ROLE_TARGETS, T0), MSTORE_OK);
    assert_int_equal(mstore_metadata_sign(a, ka), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(md, "A", a), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(md, "B", a), MSTORE_ESIGNATURE);
    assert_int_equal(mstore_metadata_verify(md, "C", a), MSTORE_ENOTFOUND);
    mstore_metadata_free(a);

    /* Structure checks of delegations. */
    mstore_role_type TG = MSTORE_ROLE_TARGETS;
    expect_refused(md, TG, "signed/delegations/roles/0/path_hash_prefixes", "[\"ab\"]",
                   "exactly one of paths and path_hash_prefixes");
    expect_refused(md, TG, "signed/delegations/roles/0/paths", NULL,
                   "exactly one of paths and path_hash_prefixes");
    expect_refused(md, TG, "signed/delegations/roles/1/name", "\"A\"", "delegated twice");
    expect_refused(md, TG, "signed/delegations/roles/1/name", "\"snapshot\"", "top-level role");
    expect_refused(md, TG, "signed/delegations/roles/1/name", "\"\"", "must not be empty");
    expect_refused(md, TG, "signed/delegations/roles/1/terminating", NULL, "terminating: missing");
    expect_refused(md, TG, "signed/delegations/roles/1/terminating", "0", "must be a boolean");
    expect_refused(md, TG, "signed/delegations/roles/1/paths/0", "3", "must be a string");
    expect_refused(md, TG, "signed/delegations/keys", NULL, "keys: missing");
    expect_refused(md, TG, "signed/delegations/succinct_roles",
                   "{\"keyids\":[],\"threshold\":1,\"bit_length\":4,\"name_prefix\":\"bin\"}",
                   "exactly one of roles and succinct_roles");

    /* Hash-prefix delegations: SHA-256("a") starts with ca978112. */
    {
        edit_arg e = {"signed/delegations/roles/0", "{\"name\":\"H\",\"keyids\":[],\"threshold\":1,"
                                                    "\"terminating\":false,"
                                                    "\"path_hash_prefixes\":[\"00\",\"ca97\"]}"};
        assert_int_equal(reparse(&copy, md, TG, apply_edit, &e), MSTORE_OK);
        expect_roles(copy, "a", "H");
        expect_roles(copy, "b", "");
        mstore_metadata_free(copy);
    }
    assert_int_equal(mstore_targets_remove_delegation(md, "A"), MSTORE_OK);
    assert_null(mstore_metadata_key(md, mstore_key_id(ka)));
    assert_non_null(mstore_metadata_key(md, mstore_key_id(kb)));
    assert_int_equal(mstore_targets_remove_delegation(md, "A"), MSTORE_ENOTFOUND);
    expect_roles(md, "README.md", "");
    mstore_key_free(ka);
    mstore_key_free(kb);
    mstore_metadata_free(md);
}

static void test_succinct_roles(void **state)
{
    mstore_metadata *md = NULL, *copy = NULL, *bin = NULL;
    mstore_key *k = gen();
    char doc_key[200], keyids[200];
    json_t *kj = NULL;

    (void)state;
    assert_int_equal(mstore_metadata_new(&md, MSTORE_ROLE_TARGETS, T0), MSTORE_OK);
    assert_int_equal(mstore_key_to_json(&kj, k), MSTORE_OK);
    char *kt = json_dumps(kj, 0);
    snprintf(doc_key, sizeof(doc_key), "signed/delegations");
    snprintf(keyids, sizeof(keyids), "%s", mstore_key_id(k));
    char *del = ms_fmt("{\"keys\":{\"%s\":%s},\"succinct_roles\":{\"keyids\":[\"%s\"],"
                       "\"threshold\":1,\"bit_length\":8,\"name_prefix\":\"bin\"}}",
                       keyids, kt, keyids);
    edit_arg e = {doc_key, del};
    assert_int_equal(reparse(&copy, md, MSTORE_ROLE_TARGETS, apply_edit, &e), MSTORE_OK);
    /* The bin is the first 8 bits of SHA-256(path), zero-padded hex. */
    expect_roles(copy, "packages/com.example.wave/com.example.wave-1.0.0.mpk", "bin-1c!");
    expect_roles(copy, "a", "bin-ca!");
    assert_int_equal(mstore_metadata_new(&bin, MSTORE_ROLE_TARGETS, T0), MSTORE_OK);
    assert_int_equal(mstore_metadata_sign(bin, k), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(copy, "bin-ca", bin), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(copy, "bin-00", bin), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(copy, "bin-ff", bin), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(copy, "bin-100", bin), MSTORE_ENOTFOUND);
    assert_int_equal(mstore_metadata_verify(copy, "bin-f", bin), MSTORE_ENOTFOUND);
    assert_int_equal(mstore_metadata_verify(copy, "bin-FF", bin), MSTORE_ENOTFOUND);
    assert_int_equal(mstore_metadata_verify(copy, "other-ca", bin), MSTORE_ENOTFOUND);
    mstore_metadata_free(copy);
    free(del);
    del = ms_fmt("{\"keys\":{},\"succinct_roles\":{\"keyids\":[],\"threshold\":1,"
                 "\"bit_length\":33,\"name_prefix\":\"bin\"}}");
    e.value = del;
    assert_int_equal(reparse(&copy, md, MSTORE_ROLE_TARGETS, apply_edit, &e), MSTORE_EFORMAT);
    assert_non_null(strstr(mstore_error_message(), "bit_length"));
    free(del);
    del = ms_fmt("{\"keys\":{},\"succinct_roles\":{\"keyids\":[],\"threshold\":1,"
                 "\"bit_length\":32,\"name_prefix\":\"h\"}}");
    e.value = del;
    assert_int_equal(reparse(&copy, md, MSTORE_ROLE_TARGETS, apply_edit, &e), MSTORE_OK);
    expect_roles(copy, "a", "h-ca978112!");
    mstore_metadata_free(copy);
    free(del);
    free(kt);
    json_decref(kj);
    mstore_metadata_free(bin);
    mstore_metadata_free(md);
    mstore_key_free(k);
}

static void test_succinct_writer(void **state)
{
    mstore_metadata *md = NULL, *bin = NULL, *copy = NULL;
    mstore_key *k = gen();
    const char *paths[] = {"*"};
    char *name = NULL;

    (void)state;
    assert_int_equal(mstore_metadata_new(&md, MSTORE_ROLE_TARGETS, T0), MSTORE_OK);
    assert_int_equal(mstore_targets_bin_name(&name, md, 0), MSTORE_EINVAL);
    assert_int_equal(mstore_targets_add_delegation_key(md, NULL, k), MSTORE_EINVAL);
    assert_int_equal(mstore_targets_set_succinct_roles(md, 33, "bin", 1), MSTORE_EINVAL);
    assert_int_equal(mstore_targets_set_succinct_roles(md, 4, "bin", 1), MSTORE_OK);
    assert_int_equal(mstore_targets_add_delegation_key(md, NULL, k), MSTORE_OK);
    assert_int_equal(mstore_targets_add_delegation(md, "A", paths, 1, 1, false), MSTORE_EINVAL);
    expect_roles(md, "a", "bin-c!");
    assert_int_equal(mstore_targets_bin_name(&name, md, 12), MSTORE_OK);
    assert_string_equal(name, "bin-c");
    free(name);
    assert_int_equal(mstore_targets_bin_name(&name, md, 16), MSTORE_EINVAL);
    assert_int_equal(mstore_metadata_new(&bin, MSTORE_ROLE_TARGETS, T0), MSTORE_OK);
    assert_int_equal(mstore_metadata_sign(bin, k), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(md, "bin-c", bin), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(md, "bin-10", bin), MSTORE_ENOTFOUND);
    /* It survives a round trip. */
    assert_int_equal(reparse(&copy, md, MSTORE_ROLE_TARGETS, NULL, NULL), MSTORE_OK);
    expect_roles(copy, "a", "bin-c!");
    mstore_metadata_free(copy);
    mstore_metadata_free(bin);
    mstore_metadata_free(md);
    mstore_key_free(k);
}

static void test_root_key_edits_and_versions(void **state)
{
    keys ks;
    mstore_metadata *root = make_root(&ks);
    const char *const *ids;
    size_t n = 0;
    int64_t threshold = 0;

    (void)state;
    assert_int_equal(mstore_metadata_role(root, "root", &ids, &n, &threshold), MSTORE_OK);
    assert_int_equal(n, 3);
    assert_int_equal(threshold, 2);
    /* Adding a key twice changes nothing. */
    assert_int_equal(mstore_root_add_key(root, "root", ks.k[0]), MSTORE_OK);
    assert_int_equal(mstore_metadata_role(root, "root", &ids, &n, NULL), MSTORE_OK);
    assert_int_equal(n, 3);
    assert_int_equal(mstore_root_add_key(root, "mirror", ks.k[0]), MSTORE_EINVAL);
    /* Revoking removes it from the role, and from "keys" once no role uses it. */
    assert_int_equal(mstore_root_revoke_key(root, "root", mstore_key_id(ks.k[0])), MSTORE_OK);
    assert_null(mstore_metadata_key(root, mstore_key_id(ks.k[0])));
    assert_int_equal(mstore_root_revoke_key(root, "root", mstore_key_id(ks.k[0])),
                     MSTORE_ENOTFOUND);
    assert_int_equal(mstore_root_revoke_key(root, "snapshot", mstore_key_id(ks.k[3])), MSTORE_OK);
    assert_non_null(mstore_metadata_key(root, mstore_key_id(ks.k[3]))); /* still used */
    assert_int_equal(mstore_root_set_threshold(root, "root", 0), MSTORE_EINVAL);
    assert_int_equal(mstore_root_set_consistent_snapshot(root, false), MSTORE_OK);
    assert_false(mstore_root_consistent_snapshot(root));

    assert_int_equal(mstore_metadata_bump_version(root), MSTORE_OK);
    assert_int_equal(mstore_metadata_version(root), 2);
    assert_int_equal(mstore_metadata_set_version(root, 0), MSTORE_EINVAL);
    assert_int_equal(mstore_metadata_set_version(root, INT64_MAX), MSTORE_OK);
    assert_int_equal(mstore_metadata_bump_version(root), MSTORE_ELIMIT);
    /* Expiry limits: years 1 to 9999. */
    assert_int_equal(mstore_metadata_set_expires(root, 253402300799LL), MSTORE_OK);
    assert_int_equal(mstore_metadata_set_expires(root, 253402300800LL), MSTORE_EINVAL);
    {
        mstore_metadata *copy = NULL;
        assert_int_equal(reparse(&copy, root, MSTORE_ROLE_ROOT, NULL, NULL), MSTORE_OK);
        assert_int_equal(mstore_metadata_expires(copy), 253402300799LL);
        assert_int_equal(mstore_metadata_version(copy), INT64_MAX);
        assert_string_equal(
            json_string_value(json_object_get(mstore_metadata_signed_json(copy), "expires")),
            "9999-12-31T23:59:59Z");
        mstore_metadata_free(copy);
    }
    /* Leap day. */
    {
        edit_arg e = {"signed/expires", "\"2024-02-29T12:00:00Z\""};
        mstore_metadata *copy = NULL;
        assert_int_equal(reparse(&copy, root, MSTORE_ROLE_ROOT, apply_edit, &e), MSTORE_OK);
        assert_int_equal(mstore_metadata_expires(copy), 1709208000);
        mstore_metadata_free(copy);
    }
    mstore_metadata_free(root);
    free_keys(&ks);
}

static void test_save_and_load(void **state)
{
    keys ks;
    mstore_metadata *root = make_root(&ks), *loaded = NULL;
    char *dir = ms_tmpdir("mstore-md"), *path = ms_join(dir, "root.json");

    (void)state;
    assert_int_equal(mstore_metadata_sign(root, ks.k[0]), MSTORE_OK);
    assert_int_equal(mstore_metadata_sign(root, ks.k[1]), MSTORE_OK);
    assert_int_equal(mstore_metadata_save(root, path), MSTORE_OK);
    assert_int_equal(mstore_metadata_load(&loaded, path, MSTORE_ROLE_ROOT, 1 << 20), MSTORE_OK);
    assert_int_equal(mstore_metadata_verify(loaded, "root", loaded), MSTORE_OK);
    mstore_metadata_free(loaded);
    loaded = NULL;
    assert_int_equal(mstore_metadata_load(&loaded, path, MSTORE_ROLE_ROOT, 100), MSTORE_ELIMIT);
    assert_int_equal(mstore_metadata_load(&loaded, "/nonexistent/root.json", MSTORE_ROLE_ROOT, 100),
                     MSTORE_ENOTFOUND);
    ms_write(path, "{\"signed\": 1", 12);
    assert_int_equal(mstore_metadata_load(&loaded, path, MSTORE_ROLE_ROOT, 100), MSTORE_EFORMAT);
    assert_non_null(strstr(mstore_error_message(), "root.json: invalid JSON"));
    assert_null(loaded);
    ms_rm_rf(dir);
    free(path);
    free(dir);
    mstore_metadata_free(root);
    free_keys(&ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_roundtrip_and_self_signature),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_threshold_counts_keys_not_key_ids),
        cmocka_unit_test(test_root_fields_strict),
        cmocka_unit_test(test_unknown_fields_are_signed),
        cmocka_unit_test(test_timestamp_and_snapshot),
        cmocka_unit_test(test_targets_writer_and_fields),
        cmocka_unit_test(test_delegation_matching),
        cmocka_unit_test(test_succinct_roles),
        cmocka_unit_test(test_succinct_writer),
        cmocka_unit_test(test_root_key_edits_and_versions),
        cmocka_unit_test(test_save_and_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
