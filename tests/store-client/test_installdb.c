/* The installed-package database (installdb.c): atomic save and strict load. */
#include <stdlib.h>
#include <string.h>

#include "../../store-client/src/install_internal.h"
#include "testutil.h"

#define KEY  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void round_trip(void **state)
{
    char *dir = ms_tmpdir("test-installdb"), *path = ms_join(dir, "installed.json"), *text;
    mstore__db db = {0}, back = {0};

    (void)state;
    assert_int_equal(mstore__db_load(&db, path), MSTORE_OK); /* missing: empty */
    assert_int_equal(db.n, 0);
    assert_int_equal(
        mstore__db_set(&db, "com.example.b", "1.0.0", NULL, KEY, NULL, "2026-01-01T00:00:00Z"),
        MSTORE_OK);
    assert_int_equal(mstore__db_set(&db, "com.example.a", "2.0.0", "1.0.0", KEY, KEY2, NULL),
                     MSTORE_OK);
    assert_int_equal(mstore__db_set(&db, "com.example.b", "1.1.0", "1.0.0", KEY, NULL, NULL),
                     MSTORE_OK);
    assert_int_equal(db.n, 2);
    assert_int_equal(mstore__db_save(&db, path), MSTORE_OK);
    assert_int_equal(mstore__db_load(&back, path), MSTORE_OK);
    assert_int_equal(back.n, 2);
    /* Saved sorted by id. */
    assert_string_equal(back.e[0].id, "com.example.a");
    assert_string_equal(back.e[0].previous, "1.0.0");
    assert_string_equal(back.e[0].previous_key_id, KEY2); /* the kept version's own key */
    assert_null(back.e[1].previous_key_id);               /* not recorded: as key_id */
    assert_string_equal(mstore__db_find(&back, "com.example.b")->version, "1.1.0");
    mstore__db_remove(&back, "com.example.a");
    mstore__db_remove(&back, "com.example.none");
    assert_int_equal(back.n, 1);
    assert_null(mstore__db_find(&back, "com.example.a"));
    /* Nothing but the file itself is left in the folder (no temporary file). */
    text = NULL;
    assert_int_equal(ms_run(&text, "ls %s", dir), 0);
    assert_string_equal(text, "installed.json\n");
    free(text);
    mstore__db_clear(&db);
    mstore__db_clear(&back);
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

static void expect_bad(const char *dir, const char *json, const char *part)
{
    char *path = ms_join(dir, "bad.json");
    mstore__db db = {0};

    ms_write(path, json, strlen(json));
    assert_int_equal(mstore__db_load(&db, path), MSTORE_EFORMAT);
    if (!strstr(mstore_error_message(), part))
        print_error("%s: %s\n", json, mstore_error_message());
    assert_non_null(strstr(mstore_error_message(), part));
    assert_int_equal(db.n, 0);
    free(path);
}

static void rejects_malformed(void **state)
{
    char *dir = ms_tmpdir("test-installdb");

    (void)state;
    expect_bad(dir, "{\"format\": 2, \"packages\": []}", "format 1");
    expect_bad(dir, "{\"format\": 1, \"packages\": [{\"id\": \"com.a.b\"}]}",
               "packages[0].version");
    expect_bad(dir,
               "{\"format\": 1, \"packages\": [{\"id\": \"../x\", \"version\": \"1.0.0\", "
               "\"key_id\": \"k\"}]}",
               "packages[0]: bad id");
    expect_bad(dir,
               "{\"format\": 1, \"packages\": [{\"id\": \"com.a.b\", \"version\": \"1.0.0\", "
               "\"key_id\": \"k\"}, {\"id\": \"com.a.b\", \"version\": \"2.0.0\", \"key_id\": "
               "\"k\"}]}",
               "listed twice");
    expect_bad(dir, "{\"format\": 1, \"packages\": []} trailing", "");
    ms_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(rejects_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
