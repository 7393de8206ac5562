/* Package projects: a project folder loads into tracks and a manifest, builds the same bytes from
 * any folder, and every mistake in the project file or a source names the file and field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mpk/mpk.h"
#include "testutil.h"

static const char csv[] = "# robot: g1-29dof\n# rate: 10\n"
                          "time,right_elbow,waist_yaw\n"
                          "0,0,0\n0.1,0.2,0.01\n0.2,0.4,0.02\n0.3,0.2,0.01\n0.4,0,0\n";

typedef struct fixture {
    char *dir; /* the project */
    mpk_key *key;
} fixture;

static void put(const char *dir, const char *name, const char *text)
{
    char *path = ms_join(dir, name), *slash = strrchr(path, '/');
    *slash = '\0';
    ms_run(NULL, "mkdir -p '%s'", path);
    *slash = '/';
    ms_write(path, text, strlen(text));
    free(path);
}

/* A project file with one motion made from source; extras are spliced into the motion and the
 * top-level object. */
static char *project_json_with(const char *source, const char *motion_extra, const char *extra)
{
    return ms_fmt("{\"format\": 1, \"id\": \"com.example.proj\", \"version\": \"2.0.1\","
                  " \"name\": {\"en\": \"Proj\", \"zh\": \"\xe9\xa1\xb9\"},"
                  " \"description\": {\"en\": \"A test project.\"}, \"author\": \"Tests\","
                  " \"license\": \"MIT\", \"category\": \"gesture\", \"key\": \"dev.key\","
                  " \"motions\": [{\"name\": \"nod\", \"robot\": \"g1-29dof\", \"loopable\": true,"
                  "   \"source\": %s%s}]%s}",
                  source, motion_extra, extra);
}

static char *project_json(const char *motion_extra, const char *extra)
{
    return project_json_with("{\"type\": \"csv\", \"file\": \"src/nod.csv\"}", motion_extra, extra);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    char *json = project_json("", ", \"assets\": [\"assets/icon.png\"], \"thumbnail\": "
                                  "\"assets/icon.png\"");
    char *key;

    fx->dir = ms_tmpdir("project");
    put(fx->dir, "mpk-project.json", json);
    put(fx->dir, "src/nod.csv", csv);
    put(fx->dir, "assets/icon.png", "not really a png");
    assert_int_equal(mpk_key_generate(&fx->key), MPK_OK);
    key = ms_join(fx->dir, "dev.key");
    assert_int_equal(mpk_key_save_private(fx->key, key), MPK_OK);
    free(key);
    free(json);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    mpk_key_free(fx->key);
    ms_rm_rf(fx->dir);
    free(fx->dir);
    free(fx);
    return 0;
}

static void test_load_and_build(void **state)
{
    fixture *fx = *state;
    mpk_project *p = NULL;
    const mpk_manifest *m;
    mpk_package *pkg = NULL;
    char *out = ms_join(fx->dir, "out.mpk"), *key_path;
    char id[MPK_KEY_ID_LEN + 1];
    mpk_track *t = NULL;

    if (mpk_project_load(&p, fx->dir) != MPK_OK)
        fail_msg("%s", mpk_error_message());
    m = mpk_project_manifest(p);
    assert_string_equal(m->id, "com.example.proj");
    assert_string_equal(m->min_runtime, "0.1.0"); /* the default */
    assert_int_equal(m->robot_count, 1);
    assert_string_equal(m->robots[0], "g1-29dof");
    assert_int_equal(m->motion_count, 1);
    assert_string_equal(m->motions[0].file, "motions/nod.mpkt");
    assert_true(m->motions[0].loopable);
    assert_true(m->motions[0].rate == 10);
    assert_true(m->motions[0].duration > 0.3999 && m->motions[0].duration < 0.4001);
    assert_int_equal(m->motions[0].joint_count, 2);
    assert_int_equal(mpk_project_motion_count(p), 1);
    assert_int_equal(mpk_track_frame_count(mpk_project_track(p, 0)), 5);
    assert_null(mpk_project_track(p, 1));
    assert_string_equal(mpk_project_package_name(p), "com.example.proj-2.0.1.mpk");
    key_path = ms_join(fx->dir, "dev.key");
    assert_string_equal(mpk_project_key_path(p), key_path);
    free(key_path);

    assert_int_equal(mpk_project_build(p, out, fx->key), MPK_OK);
    assert_int_equal(mpk_key_id(id, fx->key), MPK_OK);
    assert_int_equal(mpk_package_open(&pkg, out), MPK_OK);
    assert_int_equal(mpk_package_verify(pkg, id), MPK_OK);
    assert_string_equal(mpk_package_manifest(pkg)->thumbnail, "assets/icon.png");
    assert_int_equal(mpk_package_manifest(pkg)->file_count, 2);
    assert_int_equal(mpk_package_load_track(&t, pkg, "nod"), MPK_OK);
    assert_true(mpk_track_positions(t)[2] == 0.2f);
    mpk_track_free(t);
    mpk_package_free(pkg);
    mpk_project_free(p);
    mpk_project_free(NULL);
    free(out);
}

/* A file made outside the folder (a rendered thumbnail) joins the package; mistakes change
 * nothing. The fixture's project names its own thumbnail file; this one asks for a render. */
static void test_add_asset(void **state)
{
    fixture *fx = *state;
    char *json = project_json("", ", \"thumbnail\": {\"time\": 0.2}, \"rate\": 20");
    char *file = ms_join(fx->dir, "mpk-project.json"), *out = ms_join(fx->dir, "thumb.mpk");
    const char *motion = NULL;
    mpk_project *p = NULL;
    mpk_package *pkg = NULL;
    void *data = NULL;
    size_t size = 0, files;
    double time = 0;

    ms_write(file, json, strlen(json));
    assert_int_equal(mpk_project_load(&p, fx->dir), MPK_OK);
    assert_float_equal(mpk_project_rate(p), 20, 0);
    assert_string_equal(mpk_project_source_type(p, 0), "csv");
    assert_string_equal(mpk_project_source_file(p, 0), "src/nod.csv");
    assert_string_equal(mpk_project_dir(p), fx->dir);
    assert_int_equal(mpk_project_thumbnail(p, &motion, &time), MPK_PROJECT_THUMBNAIL_RENDER);
    assert_string_equal(motion, "nod");
    assert_float_equal(time, 0.2, 0);
    assert_null(mpk_project_manifest(p)->thumbnail);
    files = mpk_project_manifest(p)->file_count;
    /* Refusals leave the project as it was. */
    assert_int_equal(mpk_project_add_asset(p, "../x.png", "x", 1, 0), MPK_EINVAL);
    assert_int_equal(mpk_project_add_asset(p, "motions/x.mpkt", "x", 1, 0), MPK_EINVAL);
    assert_int_equal(mpk_project_add_asset(p, "MOTIONS/NOD.MPKT", "x", 1, 0), MPK_EEXISTS);
    assert_int_equal(mpk_project_manifest(p)->file_count, files);
    assert_int_equal(
        mpk_project_add_asset(p, "assets/thumbnail.png", "PNG!", 4, MPK_PROJECT_ASSET_THUMBNAIL),
        MPK_OK);
    assert_int_equal(
        mpk_project_add_asset(p, "assets/other.png", "PNG", 3, MPK_PROJECT_ASSET_THUMBNAIL),
        MPK_EEXISTS);
    assert_non_null(strstr(mpk_error_message(), "already has a thumbnail"));
    assert_int_equal(mpk_project_manifest(p)->file_count, files + 1);
    assert_int_equal(mpk_project_build(p, out, fx->key), MPK_OK);
    assert_int_equal(mpk_package_open(&pkg, out), MPK_OK);
    assert_int_equal(mpk_package_verify(pkg, NULL), MPK_OK);
    assert_string_equal(mpk_package_manifest(pkg)->thumbnail, "assets/thumbnail.png");
    assert_int_equal(mpk_package_read(&data, &size, pkg, "assets/thumbnail.png", 100), MPK_OK);
    assert_int_equal(size, 4);
    assert_memory_equal(data, "PNG!", 4);
    free(data);
    mpk_package_free(pkg);
    mpk_project_free(p);
    p = NULL;

    /* A thumbnail that names no motion of the project, and thumbnail/rate of the wrong kind. */
    free(json);
    json = project_json("", ", \"thumbnail\": {\"motion\": \"shake\"}");
    ms_write(file, json, strlen(json));
    assert_int_equal(mpk_project_load(&p, fx->dir), MPK_EFORMAT);
    assert_non_null(strstr(mpk_error_message(), "thumbnail.motion: 'shake' is not a motion"));
    free(json);
    json = project_json("", ", \"thumbnail\": 3");
    ms_write(file, json, strlen(json));
    assert_int_equal(mpk_project_load(&p, fx->dir), MPK_EFORMAT);
    assert_non_null(strstr(mpk_error_message(), "mpk-project.json: thumbnail: must be"));
    free(json);
    json = project_json("", ", \"rate\": 5000");
    ms_write(file, json, strlen(json));
    assert_int_equal(mpk_project_load(&p, fx->dir), MPK_EFORMAT);
    assert_non_null(strstr(mpk_error_message(), "rate: 5000 Hz, must be between 1 and 1000"));
    free(json);
    json = project_json("", ", \"validation\": {\"jerk_factor\": 20}");
    ms_write(file, json, strlen(json));
    assert_int_equal(mpk_project_load(&p, fx->dir), MPK_EFORMAT);
    assert_non_null(strstr(mpk_error_message(), "validation.jerk_factor: 20 must be between"));
    free(json);
    json = project_json("", ", \"validation\": {\"speed\": 2}");
    ms_write(file, json, strlen(json));
    assert_int_equal(mpk_project_load(&p, fx->dir), MPK_EFORMAT);
    assert_non_null(strstr(mpk_error_message(), "validation.speed: unknown field"));
    assert_null(p);
    free(json);
    /* The fixture's own project file again, for whatever runs next. */
    json = project_json("", ", \"assets\": [\"assets/icon.png\"], \"thumbnail\": "
                            "\"assets/icon.png\"");
    ms_write(file, json, strlen(json));
    free(json);
    free(file);
    free(out);
}

/* The same project copied to another folder builds the same bytes. */
static void test_reproducible_elsewhere(void **state)
{
    fixture *fx = *state;
    char *copy = ms_tmpdir("project-copy");
    char *a = ms_join(fx->dir, "a.mpk"), *b = ms_join(copy, "b.mpk"), *da, *db;
    mpk_project *p = NULL;
    size_t na, nb;

    assert_int_equal(ms_run(NULL, "cp -r '%s/.' '%s/'", fx->dir, copy), 0);
    assert_int_equal(mpk_project_load(&p, fx->dir), MPK_OK);
    assert_int_equal(mpk_project_build(p, a, fx->key), MPK_OK);
    mpk_project_free(p);
    p = NULL;
    assert_int_equal(mpk_project_load(&p, copy), MPK_OK);
    assert_int_equal(mpk_project_build(p, b, fx->key), MPK_OK);
    mpk_project_free(p);
    da = ms_slurp(a, &na);
    db = ms_slurp(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
    free(a);
    free(b);
    ms_rm_rf(copy);
    free(copy);
}

/* A binary track as the source gives the same package as its CSV. */
static void test_mpkt_source(void **state)
{
    fixture *fx = *state;
    char *dir = ms_tmpdir("project-mpkt"), *json, *path;
    mpk_project *p = NULL, *q = NULL;
    mpk_track *t = NULL;

    assert_int_equal(mpk_track_from_csv(&t, csv, strlen(csv), "g1-29dof"), MPK_OK);
    path = ms_join(dir, "nod.mpkt");
    assert_int_equal(mpk_track_write_file(t, path), MPK_OK);
    json = project_json_with("{\"type\": \"mpkt\", \"file\": \"nod.mpkt\"}", "", "");
    put(dir, "mpk-project.json", json);
    if (mpk_project_load(&p, dir) != MPK_OK)
        fail_msg("%s", mpk_error_message());
    assert_int_equal(mpk_project_load(&q, fx->dir), MPK_OK);
    assert_memory_equal(mpk_track_positions_const(mpk_project_track(p, 0)),
                        mpk_track_positions_const(mpk_project_track(q, 0)), 5 * 2 * 4);
    mpk_project_free(p);
    mpk_project_free(q);
    mpk_track_free(t);
    free(json);
    free(path);
    ms_rm_rf(dir);
    free(dir);
}

/* Writes a project (file text and the nod CSV text) and expects loading to fail. */
static void expect_load(const char *json, const char *csv_text, int code, const char *msg)
{
    char *dir = ms_tmpdir("project-bad");
    mpk_project *p = NULL;
    int rc;

    if (json)
        put(dir, "mpk-project.json", json);
    put(dir, "src/nod.csv", csv_text ? csv_text : csv);
    rc = mpk_project_load(&p, dir);
    if (rc != code || !strstr(mpk_error_message(), msg))
        fail_msg("expected %d '%s', got %d '%s'", code, msg, rc, mpk_error_message());
    assert_null(p);
    ms_rm_rf(dir);
    free(dir);
}

static void test_bad_projects(void **state)
{
    char *j;

    expect_load(NULL, NULL, MPK_ENOTFOUND, "mpk-project.json: No such file");
    expect_load("{\"format\": 1,", NULL, MPK_EFORMAT, "mpk-project.json: line 1");
#define BAD(motion_extra, extra, code, msg)    \
    do {                                       \
        j = project_json(motion_extra, extra); \
        expect_load(j, NULL, code, msg);       \
        free(j);                               \
    } while (0)
    BAD("", ", \"colour\": 1", MPK_EFORMAT, "mpk-project.json: colour: unknown field");
    BAD(", \"rate\": 50", "", MPK_EFORMAT, "mpk-project.json: motions[0].rate: unknown field");
    BAD("", ", \"thumbnail\": \"assets/none.png\"", MPK_EFORMAT,
        "mpk-project.json: thumbnail: 'assets/none.png' is not listed");
    BAD("", ", \"assets\": [\"../secret\"]", MPK_EFORMAT,
        "mpk-project.json: assets[0]: '../secret' must not contain");
    BAD("", ", \"assets\": [\"assets/missing.png\"]", MPK_ENOTFOUND, "assets/missing.png");
    BAD("", ", \"permissions\": [\"everything\"]", MPK_EFORMAT,
        "mpk-project.json: permissions[0]: unknown permission 'everything'");
    BAD(", \"title\": {\"de\": \"Nicken\"}", "", MPK_EFORMAT,
        "mpk-project.json: motions[0].title.en: required");

    /* Identity fields with the manifest's rules and paths. */
    j = project_json("", "");
    memcpy(strstr(j, "true"), "1   ", 4);
    expect_load(j, NULL, MPK_EFORMAT,
                "mpk-project.json: motions[0].loopable: must be true or false");
    free(j);
    expect_load("{\"format\": 2, \"motions\": []}", NULL, MPK_EUNSUPPORTED, "format: 2");
    j = project_json("", "");
    memcpy(strstr(j, "2.0.1"), "2.0.x", 5);
    expect_load(j, NULL, MPK_EFORMAT, "mpk-project.json: version: '2.0.x'");
    free(j);
    j = project_json("", "");
    memcpy(strstr(j, "g1-29dof"), "t1000-xx", 8);
    expect_load(j, NULL, MPK_EFORMAT, "motions[0].robot: unknown robot model 't1000-xx'");
    free(j);
    j = project_json("", "");
    memcpy(strstr(j, "\"csv\""), "\"svg\"", 5);
    expect_load(
        j, NULL, MPK_EFORMAT,
        "motions[0].source.type: 'svg' is not a source type (csv, mpkt, keyframes, unitree-csv)");
    free(j);
    j = project_json("", "");
    memcpy(strstr(j, "src/nod.csv"), "src/non.csv", 11);
    expect_load(j, NULL, MPK_ENOTFOUND, "src/non.csv: No such file");
    free(j);
    j = project_json("", "");
    memcpy(strstr(j, "src/nod.csv"), "/etc/passwd", 11);
    expect_load(j, NULL, MPK_EFORMAT, "motions[0].source.file: '/etc/passwd' must be relative");
    free(j);

    /* Sources: errors name the source file with line and column. */
    j = project_json("", "");
    expect_load(j, "# rate: 10\ntime,right_elbow\n0,zero\n", MPK_EFORMAT,
                "src/nod.csv: line 3, column 2 (right_elbow): 'zero' is not a number");
    expect_load(j, "# rate: 10\ntime,right_elbow\n0,nan\n", MPK_EFORMAT,
                "src/nod.csv: line 3, column 2 (right_elbow): nan is not a finite number");
    expect_load(j, "# rate: 10\ntime,tail\n0,0\n", MPK_EFORMAT,
                "src/nod.csv: joint 'tail' is not a joint of g1-29dof");
    expect_load(j, "# rate: 0\ntime,right_elbow\n0,0\n", MPK_EFORMAT, "src/nod.csv: line 1: rate");
    expect_load(j, "# rate: 10\ntime,right_elbow\n", MPK_EFORMAT, "src/nod.csv: CSV: 0 data rows");
    expect_load(j, "# robot: go2\n# rate: 10\ntime,right_elbow\n0,0\n", MPK_EFORMAT,
                "src/nod.csv: robot: the CSV is for 'go2', not 'g1-29dof'");
    expect_load(j, "# rate: 10\ntime,right_elbow\n0,0\n", MPK_EFORMAT,
                "duration: must be more than 0");
    free(j);
}

/* Limits are checked when building: nothing is written. */
static void test_build_checks_limits(void **state)
{
    fixture *fx = *state;
    char *dir = ms_tmpdir("project-limits"), *json = project_json("", ""), *out, *ls = NULL;
    mpk_project *p = NULL;

    put(dir, "mpk-project.json", json);
    put(dir, "src/nod.csv", "# rate: 10\ntime,right_elbow,waist_yaw\n0,0,0\n0.1,2.5,0\n0.2,0,0\n");
    assert_int_equal(mpk_project_load(&p, dir), MPK_OK);
    out = ms_join(dir, "x.mpk");
    assert_int_equal(mpk_project_build(p, out, fx->key), MPK_EVALIDATE);
    assert_non_null(strstr(mpk_error_message(), "motion 'nod'"));
    assert_non_null(strstr(mpk_error_message(), "src/nod.csv"));
    assert_non_null(strstr(mpk_error_message(),
                           "right_elbow at 0.1 s (frame 1): position 2.5 outside the limits"));
    assert_false(ms_exists(out));
    assert_int_equal(ms_run(&ls, "ls -A '%s'", dir), 0);
    assert_string_equal(ls, "mpk-project.json\nsrc\n");
    free(ls);
    mpk_project_free(p);
    free(out);
    free(json);
    ms_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_and_build),      cmocka_unit_test(test_reproducible_elsewhere),
        cmocka_unit_test(test_mpkt_source),         cmocka_unit_test(test_bad_projects),
        cmocka_unit_test(test_build_checks_limits), cmocka_unit_test(test_add_asset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
