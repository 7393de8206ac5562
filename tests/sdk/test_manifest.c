/* manifest.json: a valid manifest parses and serialises to a fixed point; every rule is broken
 * once and the error names the field path; semantic versions and package ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mpk/manifest.h"
#include "mpk/package.h"
#include "testutil.h"

static const char base_json[] =
    "{\"format\": 1, \"id\": \"com.example.wave\", \"version\": \"1.2.0-beta.1+build.5\","
    " \"name\": {\"en\": \"Wave\", \"zh\": \"\xe6\x8c\xa5\xe6\x89\x8b\"},"
    " \"description\": {\"en\": \"Waves the right hand.\\nTwice.\"},"
    " \"author\": \"Example Developer\", \"license\": \"CC-BY-4.0 OR MIT\","
    " \"category\": \"gesture\", \"robots\": [\"g1-29dof\"], \"permissions\": [],"
    " \"min_runtime\": \"0.1.0\", \"thumbnail\": \"assets/thumb.png\","
    " \"motions\": [{\"name\": \"wave\", \"file\": \"motions/wave.mpkt\", \"robot\": \"g1-29dof\","
    "   \"duration\": 3.998, \"rate\": 500, \"joints\": [\"right_shoulder_pitch\", "
    "\"right_elbow\"],"
    "   \"loopable\": true, \"title\": {\"en\": \"Wave\"}},"
    "  {\"name\": \"wave-2\", \"file\": \"motions/wave-2.mpkt\", \"robot\": \"g1-29dof\","
    "   \"duration\": 1, \"rate\": 50, \"joints\": [\"waist_yaw\"]}],"
    " \"files\": ["
    "  {\"path\": \"motions/wave.mpkt\", \"size\": 1234, \"sha256\": "
    "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"},"
    "  {\"path\": \"motions/wave-2.mpkt\", \"size\": 99, \"sha256\": "
    "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"},"
    "  {\"path\": \"assets/thumb.png\", \"size\": 0, \"sha256\": "
    "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}]}";

static void test_parse_valid(void **state)
{
    mpk_manifest *m = NULL, *again = NULL;
    char *text = NULL, *text2 = NULL;
    size_t size = 0, size2 = 0;

    if (mpk_manifest_parse(&m, base_json, strlen(base_json)) != MPK_OK)
        fail_msg("%s", mpk_error_message());
    assert_string_equal(m->id, "com.example.wave");
    assert_string_equal(m->version, "1.2.0-beta.1+build.5");
    assert_int_equal(m->name_count, 2);
    assert_string_equal(mpk_text_get(m->names, m->name_count, "zh-Hans"),
                        "\xe6\x8c\xa5\xe6\x89\x8b");
    assert_string_equal(mpk_text_get(m->names, m->name_count, "fr"), "Wave");
    assert_string_equal(mpk_text_get(m->names, m->name_count, NULL), "Wave");
    assert_int_equal(m->permissions, 0);
    assert_int_equal(m->motion_count, 2);
    assert_true(m->motions[0].loopable);
    assert_false(m->motions[1].loopable);
    assert_true(m->motions[0].duration == 3.998);
    assert_int_equal(m->motions[0].joint_count, 2);
    assert_string_equal(m->motions[0].joints[1], "right_elbow");
    assert_int_equal(m->file_count, 3);
    assert_int_equal(m->files[0].size, 1234);
    assert_int_equal(m->files[0].sha256[0], 0xba);
    assert_non_null(mpk_manifest_motion(m, "wave-2"));
    assert_null(mpk_manifest_motion(m, "nope"));
    assert_non_null(mpk_manifest_file(m, "assets/thumb.png"));

    /* Serialising, parsing and serialising again gives the same bytes: sorted keys. */
    assert_int_equal(mpk_manifest_serialize(&text, &size, m), MPK_OK);
    assert_int_equal(strlen(text), size);
    assert_int_equal(text[size - 1], '\n');
    assert_non_null(strstr(text, "\"rate\": 500,"));
    assert_non_null(strstr(text, "\"duration\": 3.998,"));
    assert_true(strstr(text, "\"author\"") < strstr(text, "\"category\""));
    assert_int_equal(mpk_manifest_parse(&again, text, size), MPK_OK);
    assert_int_equal(mpk_manifest_serialize(&text2, &size2, again), MPK_OK);
    assert_int_equal(size, size2);
    assert_memory_equal(text, text2, size);
    free(text);
    free(text2);
    mpk_manifest_free(m);
    mpk_manifest_free(again);
    mpk_manifest_free(NULL);
}

/* Applies one change to the base manifest (a JSON path and a new value, or removal). */
static void expect_bad(const char *path, const char *value_json, int code, const char *msg)
{
    json_t *root = json_loads(base_json, 0, NULL), *parent = root;
    char *copy = strdup(path), *tok, *save = NULL, *text;
    const char *last = NULL;
    mpk_manifest *m = NULL;
    int rc;

    assert_non_null(root);
    /* path like "motions.0.rate" */
    for (tok = strtok_r(copy, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
        if (last) {
            parent = json_is_array(parent) ? json_array_get(parent, (size_t)atoi(last))
                                           : json_object_get(parent, last);
            assert_non_null(parent);
        }
        last = tok;
    }
    if (!value_json) {
        if (json_is_array(parent))
            json_array_remove(parent, (size_t)atoi(last));
        else
            json_object_del(parent, last);
    } else {
        json_t *v = json_loads(value_json, JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        if (json_is_array(parent))
            json_array_set_new(parent, (size_t)atoi(last), v);
        else
            json_object_set_new(parent, last, v);
    }
    text = json_dumps(root, 0);
    rc = mpk_manifest_parse(&m, text, strlen(text));
    if (rc != code || !strstr(mpk_error_message(), msg))
        fail_msg("%s = %s: expected %d '%s', got %d '%s'", path, value_json ? value_json : "(del)",
                 code, msg, rc, mpk_error_message());
    assert_null(m);
    free(text);
    free(copy);
    json_decref(root);
}

static void test_bad_fields(void **state)
{
    char buf[512];

    expect_bad("motions.1.rate", "0", MPK_EFORMAT, "motions[1].rate: must be between 1 and 1000");
    expect_bad("motions.1.rate", "1000.5", MPK_EFORMAT, "motions[1].rate: must be between");
    expect_bad("motions.0.rate", "\"500\"", MPK_EFORMAT, "motions[0].rate: must be a number");
    expect_bad("motions.0.duration", "0", MPK_EFORMAT, "motions[0].duration: must be more than 0");
    expect_bad("motions.0.duration", "-1", MPK_EFORMAT, "motions[0].duration");
    expect_bad("motions.0.speed", "1", MPK_EFORMAT, "motions[0].speed: unknown field");
    expect_bad("extra", "1", MPK_EFORMAT, "extra: unknown field");
    expect_bad("files.0.mode", "1", MPK_EFORMAT, "files[0].mode: unknown field");
    expect_bad("format", "2", MPK_EUNSUPPORTED, "format: 2 is not supported");
    expect_bad("format", "\"1\"", MPK_EFORMAT, "format: must be an integer");
    expect_bad("id", "\"Wave\"", MPK_EFORMAT, "id: 'Wave' is not a reverse-DNS id");
    expect_bad("id", "\"wave\"", MPK_EFORMAT, "id:");
    expect_bad("id", NULL, MPK_EFORMAT, "id: required");
    expect_bad("version", "\"1.0\"", MPK_EFORMAT, "version: '1.0' is not a semantic version");
    expect_bad("version", "\"01.0.0\"", MPK_EFORMAT, "version:");
    expect_bad("name", "{\"zh\": \"x\"}", MPK_EFORMAT, "name.en: required");
    expect_bad("name", "{\"en\": \"\"}", MPK_EFORMAT, "name.en: must not be empty");
    expect_bad("name", "{\"en\": \"a\\nb\"}", MPK_EFORMAT, "name.en: must not contain control");
    expect_bad("name", "{\"en\": \"a\", \"english\": \"b\"}", MPK_EFORMAT,
               "'english' is not a language tag");
    expect_bad("name", "{\"en\": 5}", MPK_EFORMAT, "name.en: must be a string");
    expect_bad("name", "\"Wave\"", MPK_EFORMAT, "name: must be an object");
    expect_bad("description", "{\"fr\": \"x\"}", MPK_EFORMAT, "description.en: required");
    expect_bad("author", "\"\"", MPK_EFORMAT, "author: must not be empty");
    expect_bad("license", "\"MIT; rm -rf\"", MPK_EFORMAT, "license:");
    expect_bad("license", "\"(MIT\"", MPK_EFORMAT, "unbalanced");
    expect_bad("category", "\"cooking\"", MPK_EFORMAT, "category: 'cooking' is not one of");
    expect_bad("robots", "[]", MPK_EFORMAT, "robots: must list 1 to");
    expect_bad("robots", "[\"g1-29dof\", \"t800\"]", MPK_EFORMAT,
               "robots[1]: unknown robot model 't800' (known: g1-29dof");
    expect_bad("robots", "[\"g1-29dof\", \"g1-29dof\"]", MPK_EFORMAT,
               "robots[1]: 'g1-29dof' is listed twice");
    expect_bad("robots", "[\"g1-29dof\", \"go2\"]", MPK_EFORMAT,
               "robots[1]: no motion is for 'go2'");
    expect_bad("motions.0.robot", "\"go2\"", MPK_EFORMAT,
               "motions[0].robot: 'go2' is not one of the package's robots");
    expect_bad("motions.0.joints.1", "\"left_hind_paw\"", MPK_EFORMAT,
               "motions[0].joints[1]: 'left_hind_paw' is not a joint of g1-29dof");
    expect_bad("motions.0.joints", "[\"right_elbow\", \"right_elbow\"]", MPK_EFORMAT,
               "motions[0].joints[1]: 'right_elbow' is listed twice");
    expect_bad("motions.0.joints", "[]", MPK_EFORMAT, "motions[0].joints: must list 1 to 64");
    expect_bad("motions.0.name", "\"Wave!\"", MPK_EFORMAT, "motions[0].name:");
    expect_bad("motions.1.name", "\"wave\"", MPK_EFORMAT,
               "motions[1].name: 'wave' is used by motions[0]");
    expect_bad("motions.0.file", "\"motions/other.mpkt\"", MPK_EFORMAT,
               "motions[0].file: 'motions/other.mpkt' is not listed in files");
    expect_bad("motions.0.file", "\"assets/thumb.png\"", MPK_EFORMAT, "must be a motion track");
    expect_bad("motions.0.loopable", "1", MPK_EFORMAT,
               "motions[0].loopable: must be true or false");
    expect_bad("motions.0.title", "{\"de\": \"Winken\"}", MPK_EFORMAT,
               "motions[0].title.en: required");
    expect_bad("motions", "[]", MPK_EFORMAT, "motions: must list 1 to 256");
    expect_bad("permissions", "[\"root\"]", MPK_EFORMAT,
               "permissions[0]: unknown permission 'root'");
    expect_bad("permissions", "[\"full-body\", \"full-body\"]", MPK_EFORMAT, "listed twice");
    expect_bad("min_runtime", "\"latest\"", MPK_EFORMAT, "min_runtime:");
    expect_bad("thumbnail", "\"assets/none.png\"", MPK_EFORMAT,
               "thumbnail: 'assets/none.png' is not listed");
    /* Paths: parent folders, absolute, backslash, duplicates, reserved names, empty parts. */
    expect_bad("files.2.path", "\"../etc/passwd\"", MPK_EFORMAT,
               "files[2].path: '../etc/passwd' must not contain \".\" or \"..\"");
    expect_bad("files.2.path", "\"assets/../../x\"", MPK_EFORMAT, "files[2].path");
    expect_bad("files.2.path", "\"/etc/passwd\"", MPK_EFORMAT, "must be relative");
    expect_bad("files.2.path", "\"assets\\\\thumb.png\"", MPK_EFORMAT, "no '\\'");
    expect_bad("files.2.path", "\"assets//thumb.png\"", MPK_EFORMAT, "empty component");
    expect_bad("files.2.path", "\"manifest.json\"", MPK_EFORMAT, "is reserved");
    expect_bad("files.2.path", "\"Motions/Wave.mpkt\"", MPK_EFORMAT,
               "files[2].path: 'Motions/Wave.mpkt' is listed twice");
    expect_bad("files.2.path", "\"assets/thumb nail.png\"", MPK_EFORMAT, "may only contain");
    expect_bad("files.2.sha256", "\"E3B0\"", MPK_EFORMAT,
               "files[2].sha256: must be 64 lowercase hex");
    expect_bad("files.2.size", "-1", MPK_EFORMAT, "files[2].size: must be between 0 and");
    expect_bad("files.2.size", "1e3", MPK_EFORMAT, "files[2].size: must be an integer");
    expect_bad("files.2.size", "99999999999999", MPK_EFORMAT, "files[2].size");
    snprintf(buf, sizeof(buf), "{\"path\": \"a/b\", \"size\": 1}");
    expect_bad("files.0", buf, MPK_EFORMAT, "files[0].sha256: required");
}

static void test_bad_json(void **state)
{
    mpk_manifest *m = NULL;
    char *big;
    const char *dup = "{\"format\": 1, \"format\": 1}";

    assert_int_equal(mpk_manifest_parse(&m, "{", 1), MPK_EFORMAT);
    assert_non_null(strstr(mpk_error_message(), "line 1"));
    assert_int_equal(mpk_manifest_parse(&m, dup, strlen(dup)), MPK_EFORMAT);
    assert_non_null(strstr(mpk_error_message(), "duplicate"));
    assert_int_equal(mpk_manifest_parse(&m, "[]", 2), MPK_EFORMAT);
    assert_int_equal(mpk_manifest_parse(&m, "", 0), MPK_EFORMAT);
    big = calloc(1, MPK_MANIFEST_MAX_SIZE + 2);
    memset(big, ' ', MPK_MANIFEST_MAX_SIZE + 1);
    assert_int_equal(mpk_manifest_parse(&m, big, MPK_MANIFEST_MAX_SIZE + 1), MPK_ELIMIT);
    free(big);
    assert_null(m);
}

static void test_validate_in_memory(void **state)
{
    mpk_manifest *m = NULL;
    char *text = NULL;
    size_t size;

    assert_int_equal(mpk_manifest_parse(&m, base_json, strlen(base_json)), MPK_OK);
    m->motions[1].rate = 0;
    assert_int_equal(mpk_manifest_validate(m), MPK_EFORMAT);
    assert_string_equal(mpk_error_message(), "motions[1].rate: must be between 1 and 1000");
    /* An invalid manifest is never serialised. */
    assert_int_equal(mpk_manifest_serialize(&text, &size, m), MPK_EFORMAT);
    assert_null(text);
    m->motions[1].rate = 50;
    m->permissions = MPK_PERM_FULL_BODY;
    assert_int_equal(mpk_manifest_serialize(&text, &size, m), MPK_OK);
    assert_non_null(strstr(text, "\"permissions\": [\n    \"full-body\"\n  ]"));
    free(text);
    assert_int_equal(mpk_manifest_validate(NULL), MPK_EINVAL);
    mpk_manifest_free(m);
}

static void test_semver(void **state)
{
    static const char *const valid[] = {"0.0.0",
                                        "1.2.3",
                                        "10.20.30",
                                        "1.0.0-alpha",
                                        "1.0.0-alpha.1",
                                        "1.0.0-0.3.7",
                                        "1.0.0-x.7.z.92",
                                        "1.0.0+20130313144700",
                                        "1.0.0-beta+exp.sha.5114f85",
                                        "1.0.0+21AF26D3----117B344092BD",
                                        "1.0.0-x-y-z.--",
                                        "99999999999999999999999.0.0",
                                        NULL};
    static const char *const invalid[] = {
        "",       "1",           "1.2",      "1.2.3.4",    "01.2.3",   "1.02.3", "1.2.03",
        "1.2.3-", "1.2.3+",      "1.2.3-01", "1.2.3-a..b", "1.2.3-a.", "v1.2.3", "1.2.3 ",
        "-1.2.3", "1.2.3-a+b+c", "1.2.3-é",  "1.2.-3",     NULL};
    /* semver.org's precedence example, lowest first. */
    static const char *const order[] = {"1.0.0-alpha",
                                        "1.0.0-alpha.1",
                                        "1.0.0-alpha.beta",
                                        "1.0.0-beta",
                                        "1.0.0-beta.2",
                                        "1.0.0-beta.11",
                                        "1.0.0-rc.1",
                                        "1.0.0",
                                        "1.0.1",
                                        "1.1.0",
                                        "2.0.0",
                                        "10.0.0",
                                        "99999999999999999999999.0.0",
                                        NULL};
    size_t i, j;

    for (i = 0; valid[i]; i++)
        if (!mpk_semver_valid(valid[i]))
            fail_msg("'%s' should be valid", valid[i]);
    for (i = 0; invalid[i]; i++)
        if (mpk_semver_valid(invalid[i]))
            fail_msg("'%s' should be invalid", invalid[i]);
    assert_false(mpk_semver_valid(NULL));
    for (i = 0; order[i]; i++)
        for (j = 0; order[j]; j++) {
            int c = mpk_semver_compare(order[i], order[j]);
            int want = i < j ? -1 : i > j;
            if ((c > 0) - (c < 0) != want)
                fail_msg("compare(%s, %s) = %d", order[i], order[j], c);
        }
    assert_int_equal(mpk_semver_compare("1.0.0+a", "1.0.0+b"), 0);
    assert_true(mpk_semver_compare("junk", "0.0.0") < 0);
    assert_true(mpk_semver_compare("0.0.0", "junk") > 0);
}

static void test_ids(void **state)
{
    static const char *const valid[] = {"com.example.wave", "cn.unitree.dance_1",
                                        "org.motion-store.x2", "io.a", NULL};
    static const char *const invalid[] = {"wave",
                                          "",
                                          ".com.example",
                                          "com..example",
                                          "com.example.",
                                          "Com.example",
                                          "com.1example",
                                          "com.example-",
                                          "com.exa mple",
                                          "com/example.x",
                                          "com.example.wave\xc3\xa9",
                                          NULL};
    char long_id[200];
    size_t i;

    for (i = 0; valid[i]; i++)
        if (!mpk_id_valid(valid[i]))
            fail_msg("'%s' should be valid", valid[i]);
    for (i = 0; invalid[i]; i++)
        if (mpk_id_valid(invalid[i]))
            fail_msg("'%s' should be invalid", invalid[i]);
    memset(long_id, 'a', sizeof(long_id));
    long_id[3] = '.';
    long_id[sizeof(long_id) - 1] = '\0';
    assert_false(mpk_id_valid(long_id));
    assert_false(mpk_id_valid(NULL));
    assert_string_equal(mpk_manifest_categories()[0], "dance");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid), cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_bad_json),    cmocka_unit_test(test_validate_in_memory),
        cmocka_unit_test(test_semver),      cmocka_unit_test(test_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
