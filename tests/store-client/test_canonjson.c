/* Canonical JSON: the exact bytes TUF signatures cover (securesystemslib's encode_canonical). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "mstore/canonjson.h"

static void expect(const char *input, const char *canonical)
{
    char *out = NULL;
    size_t len = 0;

    assert_int_equal(mstore_canonjson_from_text(&out, &len, input, strlen(input)), MSTORE_OK);
    assert_string_equal(out, canonical);
    assert_int_equal(len, strlen(canonical));
    free(out);
}

static void refuse(const char *input, int code)
{
    char *out = NULL;
    size_t len = 0;

    assert_int_equal(mstore_canonjson_from_text(&out, &len, input, strlen(input)), code);
    assert_null(out);
    assert_true(strlen(mstore_error_message()) > 0);
}

static void test_sorted_keys_no_whitespace(void **state)
{
    (void)state;
    expect("{ \"b\" : 1 , \"a\" : [ 1, 2 , {\"z\": null, \"y\": true} ], \"c\": false }",
           "{\"a\":[1,2,{\"y\":true,\"z\":null}],\"b\":1,\"c\":false}");
    expect("{}", "{}");
    expect("[]", "[]");
    expect("{\"A\": [99]}", "{\"A\":[99]}");
    /* Keys sort by code point: uppercase before lowercase, "_type" before letters. */
    expect("{\"version\":1,\"_type\":\"root\",\"Zed\":0,\"expires\":\"x\"}",
           "{\"Zed\":0,\"_type\":\"root\",\"expires\":\"x\",\"version\":1}");
    /* A prefix sorts before a longer key. */
    expect("{\"ab\":1,\"a\":2}", "{\"a\":2,\"ab\":1}");
}

static void test_non_ascii_order_and_raw_utf8(void **state)
{
    (void)state;
    /* U+00E9 (c3 a9) sorts after 'z'; U+20AC (e2 82 ac) after U+00E9: byte order equals code
     * point order in UTF-8. Escaped input becomes raw UTF-8 in canonical form. */
    expect("{\"\\u20ac\":1,\"z\":2,\"\\u00e9\":3}", "{\"z\":2,\"\xc3\xa9\":3,\"\xe2\x82\xac\":1}");
    /* A character outside the BMP given as a surrogate pair. */
    expect("[\"\\ud83d\\ude00\"]", "[\"\xf0\x9f\x98\x80\"]");
}

static void test_only_quote_and_backslash_escaped(void **state)
{
    (void)state;
    /* Control characters and '/' are written raw; only '"' and '\' are escaped. */
    expect("[\"a\\\"b\\\\c\\/d\\n\\t\"]", "[\"a\\\"b\\\\c/d\n\t\"]");
    expect("{\"k\\\"ey\":\"v\"}", "{\"k\\\"ey\":\"v\"}");
}

static void test_integers(void **state)
{
    (void)state;
    expect("[0, -1, 9223372036854775807, -9223372036854775808]",
           "[0,-1,9223372036854775807,-9223372036854775808]");
}

static void test_refused(void **state)
{
    (void)state;
    refuse("[1.5]", MSTORE_EFORMAT);
    refuse("{\"version\": 1e3}", MSTORE_EFORMAT);
    refuse("{\"a\": 1, \"a\": 2}", MSTORE_EFORMAT);   /* duplicate keys */
    refuse("[\"nul\\u0000inside\"]", MSTORE_EFORMAT); /* NUL in a string */
    refuse("{\"a\": 1} trailing", MSTORE_EFORMAT);    /* garbage after the value */
    refuse("[\"\\ud800\"]", MSTORE_EFORMAT);          /* lone surrogate */
    refuse("[\"\xff\"]", MSTORE_EFORMAT);             /* invalid UTF-8 */
    refuse("[18446744073709551616]", MSTORE_EFORMAT); /* beyond 64 bits */
    refuse("", MSTORE_EFORMAT);
}

static void test_trailing_whitespace_allowed(void **state)
{
    (void)state;
    expect("{\"a\": 1}  \n", "{\"a\":1}");
}

static void test_encode_built_value(void **state)
{
    json_t *v = json_pack("{s:s,s:[i,b,n],s:{}}", "keyval", "-----BEGIN\nKEY-----\n", "list", 3, 1,
                          "empty");
    char *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(mstore_canonjson_encode(&out, &len, v), MSTORE_OK);
    assert_string_equal(out, "{\"empty\":{},\"keyval\":\"-----BEGIN\nKEY-----\n\","
                             "\"list\":[3,true,null]}");
    free(out);
    json_decref(v);
    v = json_real(0.5);
    out = NULL;
    assert_int_equal(mstore_canonjson_encode(&out, &len, v), MSTORE_EFORMAT);
    assert_null(out);
    json_decref(v);
    assert_int_equal(mstore_canonjson_encode(&out, &len, NULL), MSTORE_EINVAL);
}

static void test_deep_nesting_bounded(void **state)
{
    /* jansson stops parsing at 2048 levels: deeper input is refused, never a crash. */
    size_t depth = 5000;
    char *text = malloc(2 * depth + 1);

    (void)state;
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[2 * depth] = '\0';
    refuse(text, MSTORE_EFORMAT);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_keys_no_whitespace),
        cmocka_unit_test(test_non_ascii_order_and_raw_utf8),
        cmocka_unit_test(test_only_quote_and_backslash_escaped),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_trailing_whitespace_allowed),
        cmocka_unit_test(test_encode_built_value),
        cmocka_unit_test(test_deep_nesting_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
