/* Unit tests of the server's state: configuration, database and migrations, developers,
 * namespaces and tokens, and the catalog builder. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "catalog.h"
#include "check.h"
#include "config.h"
#include "db.h"
#include "devs.h"
#include "error.h"
#include "mpk/key.h"
#include "util.h"

static void test_config(void **state)
{
    char *dir = ms_tmpdir("srv_config"), *path = ms_join(dir, "server.json");
    srv_config cfg;

    (void)state;
    srv_config_defaults(&cfg);
    assert_int_equal(cfg.expiry_days[SRV_ROLE_TIMESTAMP], 1);
    assert_int_equal(cfg.expiry_days[SRV_ROLE_SNAPSHOT], 7);
    assert_int_equal(cfg.expiry_days[SRV_ROLE_TARGETS], 30);
    assert_int_equal(cfg.expiry_days[SRV_ROLE_ROOT], 365);
    cfg.review = true;
    cfg.expiry_days[SRV_ROLE_TIMESTAMP] = 2;
    assert_int_equal(srv_config_save(&cfg, dir), SRV_OK);
    srv_config_clear(&cfg);
    assert_int_equal(srv_config_load(&cfg, dir), SRV_OK);
    assert_true(cfg.review);
    assert_int_equal(srv_config_lifetime(&cfg, SRV_ROLE_TIMESTAMP), 2 * 86400);
    srv_config_clear(&cfg);

    ms_write(path, "{\"expiry_seconds\": {\"timestamp\": 5}}", 36);
    assert_int_equal(srv_config_load(&cfg, dir), SRV_OK);
    assert_int_equal(srv_config_lifetime(&cfg, SRV_ROLE_TIMESTAMP), 5);
    srv_config_clear(&cfg);
    ms_write(path, "{\"reveiw\": true}", 16);
    assert_int_equal(srv_config_load(&cfg, dir), SRV_EFORMAT);
    assert_non_null(strstr(srv_errmsg(), "reveiw: unknown setting"));
    srv_config_clear(&cfg);
    ms_write(path, "{\"expiry_days\": {\"snapshot\": 0}}", 32);
    assert_int_equal(srv_config_load(&cfg, dir), SRV_EFORMAT);
    assert_non_null(strstr(srv_errmsg(), "snapshot"));
    srv_config_clear(&cfg);
    ms_write(path, "{\"port\": \"80\"}", 14);
    assert_int_equal(srv_config_load(&cfg, dir), SRV_EFORMAT);
    srv_config_clear(&cfg);
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

static void test_database(void **state)
{
    char *dir = ms_tmpdir("srv_db"), *path = ms_join(dir, "state.db");
    srv_db *db = NULL;

    (void)state;
    assert_int_equal(srv_db_open(&db, path), SRV_OK);
    assert_int_equal(srv_db_schema_version(db), SRV_DB_SCHEMA_VERSION);
    srv_db_lock(db);
    assert_int_equal(srv_audit(db, "test", "unit", "subject", "detail"), SRV_OK);
    srv_db_unlock(db);
    srv_db_close(db);
    /* Reopening applies nothing twice and keeps the data. */
    assert_int_equal(srv_db_open(&db, path), SRV_OK);
    assert_int_equal(srv_db_schema_version(db), SRV_DB_SCHEMA_VERSION);
    {
        sqlite3_stmt *st = NULL;
        srv_db_lock(db);
        assert_int_equal(srv_db_prepare(&st, db, "SELECT count(*) FROM audit"), SRV_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 1);
        sqlite3_finalize(st);
        assert_int_equal(srv_db_prepare(&st, db, "PRAGMA journal_mode"), SRV_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
        /* A database from a newer program is refused, not downgraded. */
        assert_int_equal(srv_db_exec(db, "PRAGMA user_version = 99"), SRV_OK);
        srv_db_unlock(db);
    }
    srv_db_close(db);
    db = NULL;
    assert_int_equal(srv_db_open(&db, path), SRV_EDB);
    assert_non_null(strstr(srv_errmsg(), "newer"));
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

static void test_namespaces(void **state)
{
    (void)state;
    assert_true(srv_namespace_valid("com.example.*"));
    assert_true(srv_namespace_valid("com.*"));
    assert_true(srv_namespace_valid("com.example.wave"));
    assert_false(srv_namespace_valid("*"));
    assert_false(srv_namespace_valid("com.Example.*"));
    assert_false(srv_namespace_valid("com..x"));
    assert_true(srv_namespace_match("com.example.*", "com.example.wave"));
    assert_true(srv_namespace_match("com.example.*", "com.example.a.b"));
    assert_false(srv_namespace_match("com.example.*", "com.example"));
    assert_false(srv_namespace_match("com.example.*", "com.examples.wave"));
    assert_true(srv_namespace_match("com.example.wave", "com.example.wave"));
    assert_false(srv_namespace_match("com.example.wave", "com.example.wave2"));
}

static void test_developers_and_tokens(void **state)
{
    char *dir = ms_tmpdir("srv_devs"), *path = ms_join(dir, "state.db");
    char *pub = ms_join(dir, "alice.pub"), *pub2 = ms_join(dir, "bob.pub");
    const char *ns[] = {"com.alice.*"}, *ns_taken[] = {"com.alice.*"}, *ns_bad[] = {"x"};
    srv_developer *dev = NULL;
    mpk_key *key = NULL;
    char *token = NULL, *token2 = NULL, id[MPK_KEY_ID_LEN + 1];
    int64_t tid, tid2, dev_id = 0;
    srv_db *db = NULL;

    (void)state;
    assert_int_equal(mpk_key_generate(&key), 0);
    assert_int_equal(mpk_key_save_public(key, pub), 0);
    assert_int_equal(mpk_key_save_public(key, pub2), 0);
    assert_int_equal(mpk_key_id(id, key), 0);
    assert_int_equal(srv_db_open(&db, path), SRV_OK);
    assert_int_equal(srv_dev_add(db, "alice", pub, ns, 1, "test"), SRV_OK);
    assert_int_equal(srv_dev_add(db, "alice", pub, ns, 0, "test"), SRV_EINVAL);
    assert_int_equal(srv_dev_add(db, "bob", pub2, ns_bad, 1, "test"), SRV_EINVAL);
    assert_int_equal(srv_dev_add(db, "bob", pub2, ns_taken, 1, "test"), SRV_EEXISTS);
    assert_non_null(strstr(srv_errmsg(), "already belongs"));
    assert_int_equal(srv_dev_add(db, "bad name", pub2, ns, 1, "test"), SRV_EINVAL);
    assert_int_equal(srv_dev_add(db, "carol", "/nonexistent.pem", ns, 1, "test"), SRV_ECRYPTO);

    assert_int_equal(srv_token_issue(&token, &tid, db, "alice", "laptop", "test"), SRV_OK);
    assert_true(strncmp(token, "mst_", 4) == 0 && strlen(token) == 52);
    assert_int_equal(srv_token_issue(&token2, &tid2, db, "nobody", "", "test"), SRV_ENOTFOUND);
    assert_int_equal(srv_token_auth(&dev_id, db, token), SRV_OK);
    assert_int_equal(srv_dev_get(&dev, db, dev_id), SRV_OK);
    assert_string_equal(dev->name, "alice");
    assert_string_equal(dev->key_id, id);
    assert_int_equal((int)dev->namespace_count, 1);
    srv_dev_free(dev);
    dev = NULL;
    assert_int_equal(srv_token_auth(&dev_id, db, "mst_000"), SRV_EAUTH);
    assert_int_equal(srv_token_auth(&dev_id, db, "Bearer x"), SRV_EAUTH);
    assert_int_equal(srv_token_revoke(db, tid, "test"), SRV_OK);
    assert_int_equal(srv_token_revoke(db, tid, "test"), SRV_ENOTFOUND);
    assert_int_equal(srv_token_auth(&dev_id, db, token), SRV_EAUTH);
    assert_non_null(strstr(srv_errmsg(), "revoked"));

    /* Removing a developer revokes every token and frees the namespace. */
    assert_int_equal(srv_token_issue(&token2, &tid2, db, "alice", "", "test"), SRV_OK);
    assert_int_equal(srv_dev_remove(db, "alice", "test"), SRV_OK);
    assert_int_equal(srv_token_auth(&dev_id, db, token2), SRV_EAUTH);
    assert_int_equal(srv_dev_add(db, "bob", pub2, ns_taken, 1, "test"), SRV_OK);
    assert_int_equal(srv_dev_remove(db, "alice", "test"), SRV_ENOTFOUND);

    free(token);
    free(token2);
    srv_db_close(db);
    mpk_key_free(key);
    ms_rm_rf(dir);
    free(pub);
    free(pub2);
    free(path);
    free(dir);
}

/* A namespace belongs to one developer: no other active developer may hold a pattern that
 * covers any of its ids, in either direction; look-alike prefixes are not overlaps. */
static void test_namespaces_do_not_overlap(void **state)
{
    char *dir = ms_tmpdir("srv_ns"), *path = ms_join(dir, "state.db"), *pub = ms_join(dir, "k.pub");
    const char *alice[] = {"com.alice.*", "org.alice.app"};
    const char *wider[] = {"com.*"}, *inside[] = {"com.alice.wave"}, *deeper[] = {"com.alice.x.*"};
    const char *exact_in[] = {"org.alice.*"}, *lookalike[] = {"com.alicex.*", "com.alice"};
    mpk_key *key = NULL;
    srv_db *db = NULL;

    (void)state;
    assert_true(srv_namespace_overlap("com.*", "com.alice.*"));
    assert_true(srv_namespace_overlap("com.alice.*", "com.*"));
    assert_true(srv_namespace_overlap("com.alice.*", "com.alice.wave"));
    assert_true(srv_namespace_overlap("com.alice.wave", "com.alice.wave"));
    assert_false(srv_namespace_overlap("com.alice.*", "com.alicex.*"));
    assert_false(srv_namespace_overlap("com.alice.*", "com.alice"));
    assert_false(srv_namespace_overlap("com.alice.wave", "com.alice.wave2"));
    assert_int_equal(mpk_key_generate(&key), 0);
    assert_int_equal(mpk_key_save_public(key, pub), 0);
    assert_int_equal(srv_db_open(&db, path), SRV_OK);
    assert_int_equal(srv_dev_add(db, "alice", pub, alice, 2, "test"), SRV_OK);
    assert_int_equal(srv_dev_add(db, "bob", pub, wider, 1, "test"), SRV_EEXISTS);
    assert_non_null(strstr(srv_errmsg(), "alice"));
    assert_int_equal(srv_dev_add(db, "bob", pub, inside, 1, "test"), SRV_EEXISTS);
    assert_int_equal(srv_dev_add(db, "bob", pub, deeper, 1, "test"), SRV_EEXISTS);
    assert_int_equal(srv_dev_add(db, "bob", pub, exact_in, 1, "test"), SRV_EEXISTS);
    assert_int_equal(srv_dev_add(db, "bob", pub, lookalike, 2, "test"), SRV_OK);
    /* A removed developer's namespaces are free again. */
    assert_int_equal(srv_dev_remove(db, "alice", "test"), SRV_OK);
    assert_int_equal(srv_dev_add(db, "carol", pub, wider, 1, "test"), SRV_EEXISTS); /* bob's */
    assert_int_equal(srv_dev_add(db, "carol", pub, inside, 1, "test"), SRV_OK);
    srv_db_close(db);
    mpk_key_free(key);
    ms_rm_rf(dir);
    free(pub);
    free(path);
    free(dir);
}

/* A package id belongs to the developer whose upload of it was accepted first: another one
 * (given an overlapping or freed namespace later) may not publish versions of it. */
static void test_package_owner(void **state)
{
    char *dir = ms_tmpdir("srv_owner"), *path = ms_join(dir, "state.db");
    srv_check chk;
    srv_db *db = NULL;

    (void)state;
    assert_int_equal(srv_db_open(&db, path), SRV_OK);
    srv_db_lock(db);
    assert_int_equal(
        srv_db_exec(db, "INSERT INTO developers (id, name, key_id, public_key, created) VALUES "
                        "(1, 'alice', 'k1', 'p', 0), (2, 'carol', 'k2', 'p', 0);"
                        "INSERT INTO uploads (developer_id, package_id, version, size, sha256, "
                        "state, created, updated) VALUES "
                        "(1, 'com.alice.wave', '1.0.0', 1, 'a', 'published', 0, 0),"
                        "(2, 'com.alice.old', '1.0.0', 1, 'b', 'rejected', 0, 0);"),
        SRV_OK);
    memset(&chk, 0, sizeof(chk));
    chk.package_id = strdup("com.alice.wave");
    assert_int_equal(srv_check_owner(&chk, db, 2), SRV_OK);
    assert_int_equal(chk.status, 403);
    {
        char *reasons = json_dumps(chk.reasons, 0);
        assert_non_null(strstr(reasons, "belongs to developer alice"));
        free(reasons);
    }
    srv_check_clear(&chk);
    chk.package_id = strdup("com.alice.wave");
    assert_int_equal(srv_check_owner(&chk, db, 1), SRV_OK); /* the owner */
    assert_int_equal(chk.status, 0);
    srv_check_clear(&chk);
    chk.package_id = strdup("com.alice.old"); /* only a rejected upload: nobody owns it */
    assert_int_equal(srv_check_owner(&chk, db, 1), SRV_OK);
    assert_int_equal(chk.status, 0);
    srv_check_clear(&chk);
    srv_db_unlock(db);
    srv_db_close(db);
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

static json_t *entry(const char *id, const char *version, const char *name)
{
    return json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:[s], s:s, s:s, s:s, s:[], s:s, s:[], s:I, "
                     "s:s, s:s, s:s}",
                     "id", id, "version", version, "names", "en", name, "descriptions", "en", "d",
                     "robots", "go2", "category", "dance", "author", "a", "license", "MIT",
                     "permissions", "min_runtime", "0.1.0", "motions", "size", (json_int_t)10,
                     "sha256", "00", "key_id", "k", "developer", "dev");
}

static void test_catalog(void **state)
{
    srv_catalog *cat = NULL;
    json_t *e1 = entry("com.a.x", "1.10.0", "new"), *e2 = entry("com.a.x", "1.9.0", "old"),
           *e3 = entry("com.a.x", "1.10.0-rc.1", "rc"), *e4 = entry("com.b.y", "0.1.0", "y\"q");
    json_t *root, *pkg, *versions, *v0;
    char *text = NULL, *again = NULL;
    size_t size = 0, size2 = 0;
    int pass;

    (void)state;
    json_object_set_new(e1, "thumbnail",
                        json_pack("{s:s, s:i, s:s}", "sha256", "ab", "size", 5, "ext", "png"));
    for (pass = 0; pass < 2; pass++) {
        assert_int_equal(srv_catalog_new(&cat, 1700000000), SRV_OK);
        assert_int_equal(srv_catalog_add(cat, e1, 1700000000), SRV_OK);
        assert_int_equal(srv_catalog_add(cat, e2, 1600000000), SRV_OK);
        assert_int_equal(srv_catalog_add(cat, e3, 1650000000), SRV_OK);
        assert_int_equal(srv_catalog_add(cat, e4, 1650000000), SRV_OK);
        assert_int_equal(srv_catalog_finish(pass ? &again : &text, pass ? &size2 : &size, cat),
                         SRV_OK);
        srv_catalog_free(cat);
    }
    assert_true(size == size2 && memcmp(text, again, size) == 0); /* deterministic */
    root = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(root); /* valid JSON, escapes included */
    assert_int_equal((int)json_integer_value(json_object_get(root, "format")), 1);
    assert_int_equal((int)json_array_size(json_object_get(root, "packages")), 2);
    pkg = json_array_get(json_object_get(root, "packages"), 0);
    versions = json_object_get(pkg, "versions");
    /* semantic version order: 1.9.0 < 1.10.0-rc.1 < 1.10.0 */
    v0 = json_array_get(versions, 0);
    assert_string_equal(json_string_value(json_object_get(v0, "version")), "1.9.0");
    assert_string_equal(json_string_value(json_object_get(v0, "published")),
                        "2020-09-13T12:26:40Z");
    assert_string_equal(json_string_value(json_object_get(v0, "target")),
                        "packages/com.a.x/com.a.x-1.9.0.mpk");
    assert_true(json_is_null(json_object_get(v0, "thumbnail")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(versions, 1), "version")),
                        "1.10.0-rc.1");
    assert_string_equal(json_string_value(json_object_get(pkg, "latest")), "1.10.0");
    assert_string_equal(json_string_value(json_object_get(json_object_get(pkg, "names"), "en")),
                        "new");
    assert_string_equal(json_string_value(json_object_get(pkg, "thumbnail")),
                        "packages/com.a.x/com.a.x-1.10.0-thumbnail.png");
    assert_string_equal(json_string_value(json_object_get(pkg, "published")),
                        "2023-11-14T22:13:20Z");
    pkg = json_array_get(json_object_get(root, "packages"), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(pkg, "names"), "en")),
                        "y\"q");
    json_decref(root);
    json_decref(e1);
    json_decref(e2);
    json_decref(e3);
    json_decref(e4);
    free(text);
    free(again);
}

static void test_atomic_write(void **state)
{
    char *dir = ms_tmpdir("srv_util"), *path = ms_join(dir, "f.json"), *back = NULL;
    struct stat st;
    size_t n = 0;

    (void)state;
    assert_int_equal(srv_write_atomic(path, "abc", 3, 0644), SRV_OK);
    assert_int_equal(srv_read_file(&back, &n, path, 10), SRV_OK);
    assert_true(n == 3 && memcmp(back, "abc", 3) == 0);
    free(back);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(srv_read_file(&back, &n, path, 2), SRV_ELIMIT);
    {
        char *out = NULL;
        ms_run(&out, "ls -A %s", dir);
        assert_string_equal(out, "f.json\n"); /* no temporary left */
        free(out);
    }
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_database),
        cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_developers_and_tokens),
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_namespaces_do_not_overlap),
        cmocka_unit_test(test_package_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
