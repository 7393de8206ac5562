/* The store catalog: strict parsing with field paths, lookup, version choice and search. */
#include <stdlib.h>
#include <string.h>

#include "mstore/catalog.h"
#include "testutil.h"

#define KEY_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char good[] =
    "{\"format\": 1, \"generated\": \"2026-01-01T00:00:00Z\", \"packages\": ["
    "{\"id\": \"com.example.wave\", \"category\": \"gesture\", \"key_id\": \"" KEY_A "\","
    " \"names\": {\"en\": \"Wave\", \"zh\": \"挥手\"}, \"descriptions\": {\"en\": \"Waves hello\"},"
    " \"robots\": [\"g1-29dof\"], \"previous_key_ids\": [\"" KEY_B "\"],"
    " \"versions\": ["
    "  {\"version\": \"1.0.0\", \"target\": "
    "\"packages/com.example.wave/com.example.wave-1.0.0.mpk\","
    "   \"size\": 100, \"key_id\": \"" KEY_A "\", \"robots\": [\"g1-29dof\", \"h1\"],"
    "   \"min_runtime\": \"0.1.0\"},"
    "  {\"version\": \"1.2.0\", \"target\": "
    "\"packages/com.example.wave/com.example.wave-1.2.0.mpk\","
    "   \"size\": 120, \"key_id\": \"" KEY_A "\", \"robots\": [\"g1-29dof\"],"
    "   \"min_runtime\": \"2.0.0\", \"future_field\": {\"ignored\": true}}]},"
    "{\"id\": \"com.example.dog\", \"category\": \"dance\", \"names\": {\"en\": \"Dog dance\"},"
    " \"versions\": [{\"version\": \"0.1.0\", \"target\": "
    "\"packages/com.example.dog/com.example.dog-0.1.0.mpk\", \"key_id\": \"" KEY_B "\","
    " \"robots\": [\"go2\"]}]}]}";

static void parses_and_looks_up(void **state)
{
    mstore_catalog *cat = NULL;
    const mstore_catalog_package *p;
    const mstore_catalog_version *v;

    (void)state;
    assert_int_equal(mstore_catalog_parse(&cat, good, strlen(good), "catalog.json"), MSTORE_OK);
    assert_int_equal(mstore_catalog_count(cat), 2);
    /* Sorted by id whatever the file's order. */
    assert_string_equal(mstore_catalog_at(cat, 0)->id, "com.example.dog");
    p = mstore_catalog_find(cat, "com.example.wave");
    assert_non_null(p);
    assert_int_equal(p->n_versions, 2);
    assert_string_equal(p->latest, "1.2.0"); /* defaults to the last version */
    assert_string_equal(mstore_text_pick(p->names, p->n_names, "zh"), "挥手");
    assert_string_equal(mstore_text_pick(p->names, p->n_names, "fr"), "Wave");
    assert_int_equal(p->n_previous_key_ids, 1);
    assert_string_equal(p->previous_key_ids[0], KEY_B);
    v = mstore_catalog_package_version(p, "1.0.0");
    assert_non_null(v);
    assert_int_equal(v->size, 100);
    assert_int_equal(v->n_robots, 2);
    assert_null(mstore_catalog_package_version(p, "9.9.9"));
    assert_null(mstore_catalog_find(cat, "com.example.none"));
    /* Robot and runtime rules. */
    assert_true(mstore_catalog_version_fits(v, "h1", "0.1.0"));
    assert_false(mstore_catalog_version_fits(v, "go2", "0.1.0"));
    v = mstore_catalog_package_version(p, "1.2.0");
    assert_false(mstore_catalog_version_fits(v, "g1-29dof", "1.9.0"));
    assert_true(mstore_catalog_version_fits(v, "g1-29dof", "2.0.0"));
    mstore_catalog_free(cat);
    mstore_catalog_free(NULL);
}

static void searches(void **state)
{
    mstore_catalog *cat = NULL;
    size_t *hits = NULL, n = 0;
    mstore_search_query q = {0};

    (void)state;
    assert_int_equal(mstore_catalog_parse(&cat, good, strlen(good), NULL), MSTORE_OK);
    assert_int_equal(mstore_catalog_search(&hits, &n, cat, &q), MSTORE_OK);
    assert_int_equal(n, 2);
    free(hits);
    q.text = "HELLO"; /* description, any case */
    assert_int_equal(mstore_catalog_search(&hits, &n, cat, &q), MSTORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(mstore_catalog_at(cat, hits[0])->id, "com.example.wave");
    free(hits);
    q.text = "挥手";
    assert_int_equal(mstore_catalog_search(&hits, &n, cat, &q), MSTORE_OK);
    assert_int_equal(n, 1);
    free(hits);
    q.text = NULL;
    q.robot = "go2";
    assert_int_equal(mstore_catalog_search(&hits, &n, cat, &q), MSTORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(mstore_catalog_at(cat, hits[0])->id, "com.example.dog");
    free(hits);
    q.robot = NULL;
    q.category = "gesture";
    assert_int_equal(mstore_catalog_search(&hits, &n, cat, &q), MSTORE_OK);
    assert_int_equal(n, 1);
    free(hits);
    q.category = "music";
    assert_int_equal(mstore_catalog_search(&hits, &n, cat, &q), MSTORE_OK);
    assert_int_equal(n, 0);
    assert_null(hits);
    mstore_catalog_free(cat);
}

/* Replaces the first occurrence of from in good by to, parses, and checks the error. */
static void expect_error(const char *from, const char *to, int code, const char *message_part)
{
    const char *at = strstr(good, from);
    mstore_catalog *cat = NULL;
    char *text;
    int rc;

    assert_non_null(at);
    text = ms_fmt("%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    rc = mstore_catalog_parse(&cat, text, strlen(text), "catalog.json");
    if (rc != code || !strstr(mstore_error_message(), message_part))
        print_error("replacing %s by %s: got %s: %s\n", from, to, mstore_error_name(rc),
                    mstore_error_message());
    assert_int_equal(rc, code);
    assert_non_null(strstr(mstore_error_message(), message_part));
    assert_null(cat);
    free(text);
}

static void rejects_bad_fields(void **state)
{
    (void)state;
    expect_error("\"format\": 1", "\"format\": 2", MSTORE_EFORMAT, "format");
    /* A target path that is not this package's own must not be followed. */
    expect_error("packages/com.example.wave/com.example.wave-1.0.0.mpk",
                 "packages/com.example.dog/com.example.dog-0.1.0.mpk", MSTORE_EFORMAT,
                 "packages[0].versions[0].target");
    expect_error("com.example.wave-1.2.0.mpk", "com.example.wave-1.2.0.mpk/../../x", MSTORE_EFORMAT,
                 "versions[1].target");
    expect_error("\"version\": \"1.0.0\"", "\"version\": \"one\"", MSTORE_EFORMAT,
                 "versions[0].version");
    expect_error("\"size\": 100", "\"size\": -1", MSTORE_EFORMAT, "versions[0].size");
    expect_error("\"key_id\": \"" KEY_B "\",", "\"key_id\": \"zz\",", MSTORE_EFORMAT,
                 "packages[1].versions[0].key_id");
    expect_error("\"id\": \"com.example.dog\"", "\"id\": \"../evil\"", MSTORE_EFORMAT,
                 "packages[1].id");
    expect_error("\"robots\": [\"go2\"]", "\"robots\": \"go2\"", MSTORE_EFORMAT,
                 "versions[0].robots");
    expect_error("\"names\": {\"en\": \"Wave\"", "\"names\": {\"en\": 5", MSTORE_EFORMAT, "names");
    expect_error("{\"format\": 1,", "{\"format\": 1, \"format\": 1,", MSTORE_EFORMAT, "");
    expect_error("\"version\": \"1.2.0\", \"target\": "
                 "\"packages/com.example.wave/com.example.wave-1.2.0.mpk\"",
                 "\"version\": \"1.0.0\", \"target\": "
                 "\"packages/com.example.wave/com.example.wave-1.0.0.mpk\"",
                 MSTORE_EFORMAT, "listed twice");
}

static void rejects_duplicate_ids(void **state)
{
#define ONE                                                                               \
    "{\"id\": \"com.example.dog\", \"versions\": [{\"version\": \"0.1.0\", \"target\": "  \
    "\"packages/com.example.dog/com.example.dog-0.1.0.mpk\", \"key_id\": \"" KEY_B "\", " \
    "\"robots\": [\"go2\"]}]}"
    static const char text[] = "{\"format\": 1, \"packages\": [" ONE ", " ONE "]}";
    mstore_catalog *cat = NULL;

    (void)state;
    assert_int_equal(mstore_catalog_parse(&cat, text, strlen(text), "c.json"), MSTORE_EFORMAT);
    assert_non_null(strstr(mstore_error_message(), "listed twice"));
#undef ONE
}

static void rejects_non_catalogs(void **state)
{
    mstore_catalog *cat = NULL;

    (void)state;
    assert_int_equal(mstore_catalog_parse(&cat, "[]", 2, "x"), MSTORE_EFORMAT);
    assert_int_equal(mstore_catalog_parse(&cat, "{\"format\": 1}", 13, "x"), MSTORE_EFORMAT);
    assert_int_equal(mstore_catalog_parse(&cat, "{\"format\": 1, \"packages\": []} x", 32, "x"),
                     MSTORE_EFORMAT);
    assert_int_equal(mstore_catalog_parse(&cat, "", 0, "x"), MSTORE_EFORMAT);
    assert_int_equal(mstore_catalog_parse(&cat, "{", MSTORE_CATALOG_MAX_SIZE + 1, "x"),
                     MSTORE_ELIMIT);
    assert_int_equal(mstore_catalog_load(&cat, "/nonexistent/catalog.json"), MSTORE_ENOTFOUND);
    assert_null(cat);
}

static int parse_text(const char *text)
{
    mstore_catalog *cat = NULL;
    int rc = mstore_catalog_parse(&cat, text, strlen(text), "x");

    if (rc == MSTORE_OK) {
        assert_non_null(cat);
        assert_int_equal(mstore_catalog_count(cat), 1);
        assert_string_equal(mstore_catalog_at(cat, 0)->id, "com.example.dog");
        assert_string_equal(mstore_text_pick(mstore_catalog_at(cat, 0)->names,
                                             mstore_catalog_at(cat, 0)->n_names, "en"),
                            "a \"]}, {\" [tricky] name");
    } else {
        assert_null(cat);
    }
    mstore_catalog_free(cat);
    return rc;
}

/* The catalog is parsed one package element at a time: where an element ends must be found
 * exactly, whatever its strings hold, and the punctuation between elements and top-level members
 * is checked as strictly as a whole-document parser would. */
static void parses_element_by_element(void **state)
{
#define DOG                                                                                  \
    "{\"id\": \"com.example.dog\", \"names\": {\"en\": \"a \\\"]}, {\\\" [tricky] name\"}, " \
    "\"versions\": [{\"version\": \"0.1.0\", \"target\": "                                   \
    "\"packages/com.example.dog/com.example.dog-0.1.0.mpk\", \"key_id\": \"" KEY_B "\", "    \
    "\"robots\": [\"go2\"], \"x\": [[], {}, \"\\\\\", null]}]}"
    (void)state;
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [" DOG "]}"), MSTORE_OK);
    /* Members in any order, whitespace anywhere, escapes in key names. */
    assert_int_equal(parse_text(" \r\n{ \"packages\" :\t[ " DOG " ] ,\"format\":1 } \n"),
                     MSTORE_OK);
    assert_int_equal(parse_text("{\"\\u0066ormat\": 1, \"p\\u0061ckages\": [" DOG "]}"), MSTORE_OK);
    /* Broken punctuation. */
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [" DOG ",]}"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [," DOG "]}"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [" DOG " " DOG "]}"),
                     MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1 \"packages\": [" DOG "]}"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [" DOG "]"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [" DOG "}"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [" DOG "]},"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\" [" DOG "]}"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1,, \"packages\": [" DOG "]}"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{format: 1, \"packages\": [" DOG "]}"), MSTORE_EFORMAT);
    /* Bad values elsewhere at the top level, an unterminated string, NUL bytes. */
    assert_int_equal(parse_text("{\"format\": 1, \"generated\": tru, \"packages\": [" DOG "]}"),
                     MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [" DOG "], \"x\": [1}"),
                     MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [\"unterminated]}"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": {\"a\": " DOG "}}"), MSTORE_EFORMAT);
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [" DOG "], \"packages\": []}"),
                     MSTORE_EFORMAT);
    {
        static const char nul[] = "{\"format\": 1\0, \"packages\": []}";
        mstore_catalog *cat = NULL;
        assert_int_equal(mstore_catalog_parse(&cat, nul, sizeof(nul) - 1, "x"), MSTORE_EFORMAT);
        assert_null(cat);
    }
    /* An element that is not valid JSON inside, with the element named. */
    assert_int_equal(parse_text("{\"format\": 1, \"packages\": [{\"id\": 01}]}"), MSTORE_EFORMAT);
    assert_non_null(strstr(mstore_error_message(), "packages[0]"));
#undef DOG
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_and_looks_up),  cmocka_unit_test(searches),
        cmocka_unit_test(rejects_bad_fields),   cmocka_unit_test(rejects_duplicate_ids),
        cmocka_unit_test(rejects_non_catalogs), cmocka_unit_test(parses_element_by_element),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
