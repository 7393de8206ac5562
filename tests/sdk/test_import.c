/* Import of Unitree retargeted CSVs: CSVs generated here for each model (H1's in its URDF joint
 * order, written out below from h1.urdf, so the reordering is checked against the URDF and not
 * against the import's own idea of it), resampling, the root trajectory, trimming, and every
 * kind of bad input with its line and column. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpk/mpk.h"
#include "testutil.h"

/* H1's <joint> elements in h1.urdf, in file order (tools/robotgen/urdf/h1.urdf). */
static const char *const h1_urdf_order[] = {
    "left_hip_yaw",        "left_hip_roll",      "left_hip_pitch", "left_knee",
    "left_ankle",          "right_hip_yaw",      "right_hip_roll", "right_hip_pitch",
    "right_knee",          "right_ankle",        "torso",          "left_shoulder_pitch",
    "left_shoulder_roll",  "left_shoulder_yaw",  "left_elbow",     "right_shoulder_pitch",
    "right_shoulder_roll", "right_shoulder_yaw", "right_elbow"};

#define ROWS 91 /* 3 s at 30 rows per second */

/* The motion every generated CSV holds: each joint swings gently around its standing position
 * with its own phase, so columns put in the wrong place give the wrong curve. */
static double joint_value(const mpk_robot_model *m, const char *name, double t)
{
    int j = mpk_robot_joint_index(m, name);
    const mpk_joint *mj = &m->joints[j];
    double mid = fmin(fmax(mj->stand, mj->lower + 0.2), mj->upper - 0.2);
    return mid + 0.1 * sin(2 * M_PI * 0.4 * t + 0.37 * j);
}

static void root_pose(double *r, const mpk_robot_model *m, double t)
{
    double yaw = 0.3 * t;
    r[0] = 0.1 * t;
    r[1] = 0.02 * sin(2 * M_PI * 0.5 * t);
    r[2] = m->stand_height + 0.01 * sin(2 * M_PI * t);
    r[3] = 0;
    r[4] = 0;
    r[5] = sin(yaw / 2);
    r[6] = cos(yaw / 2);
}

/* The CSV columns of a model: SDK order, or URDF order for H1. */
static int columns(const char **names, const mpk_robot_model *m)
{
    int j;
    if (strcmp(m->id, "h1") == 0) {
        memcpy(names, h1_urdf_order, sizeof(h1_urdf_order));
        return 19;
    }
    for (j = 0; j < m->joint_count; j++)
        names[j] = m->joints[j].name;
    return m->joint_count;
}

static char *make_csv(const mpk_robot_model *m, int rows)
{
    const char *names[MPK_ROBOT_MAX_JOINTS];
    int n = columns(names, m), f, c;
    size_t cap = (size_t)rows * 40 * 20 + 1, len = 0;
    char *csv = malloc(cap);

    assert_non_null(csv);
    for (f = 0; f < rows; f++) {
        double t = f / 30.0, r[7];
        root_pose(r, m, t);
        for (c = 0; c < 7; c++)
            len += (size_t)snprintf(csv + len, cap - len, "%s%.9g", c ? "," : "", r[c]);
        for (c = 0; c < n; c++)
            len += (size_t)snprintf(csv + len, cap - len, ",%.9g", joint_value(m, names[c], t));
        len += (size_t)snprintf(csv + len, cap - len, "\n");
    }
    return csv;
}

static void check_track(const mpk_track *t, const mpk_robot_model *m, double start, double tol)
{
    const float *pos = mpk_track_positions_const(t), *root = mpk_track_root_const(t);
    int J = mpk_track_joint_count(t), j;
    uint32_t f;

    assert_non_null(root);
    for (f = 0; f < mpk_track_frame_count(t); f++) {
        double time = start + f / mpk_track_rate(t), r[7], dot = 0, len = 0;
        int c;
        for (j = 0; j < J; j++) {
            double want = joint_value(m, mpk_track_joint_name(t, j), time);
            if (fabs(pos[(size_t)f * J + j] - want) > tol)
                fail_msg("%s %s at %g s: %g, want %g", m->id, mpk_track_joint_name(t, j), time,
                         pos[(size_t)f * J + j], want);
        }
        root_pose(r, m, time);
        for (c = 0; c < 3; c++)
            assert_float_equal(root[f * 7 + c], r[c], tol);
        for (c = 3; c < 7; c++) {
            dot += root[f * 7 + c] * r[c];
            len += root[f * 7 + c] * root[f * 7 + c];
        }
        assert_float_equal(len, 1, 1e-5);
        assert_float_equal(fabs(dot), 1, 1e-5);
    }
}

static void test_models(void **state)
{
    static const char *const models[] = {"g1-29dof", "h1-2", "h1", "go2", "g1-23dof"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        const mpk_robot_model *m = mpk_robot_find(models[i]);
        const char *names[MPK_ROBOT_MAX_JOINTS];
        char *csv = make_csv(m, ROWS);
        mpk_import_options o;
        mpk_track *t = NULL;
        int j;

        /* The import's own idea of the columns agrees with the URDF's order for H1. */
        assert_int_equal(mpk_import_unitree_columns(names, m), m->joint_count);
        if (strcmp(m->id, "h1") == 0)
            for (j = 0; j < 19; j++)
                assert_string_equal(names[j], h1_urdf_order[j]);

        /* At the CSV's own rate the rows come back; at 50 Hz the spline follows the curve. */
        mpk_import_options_init(&o);
        o.rate = 30;
        assert_int_equal(mpk_import_unitree_csv(&t, csv, strlen(csv), m, &o), MPK_OK);
        assert_int_equal(mpk_track_frame_count(t), ROWS);
        assert_int_equal(mpk_track_joint_count(t), m->joint_count);
        for (j = 0; j < m->joint_count; j++) /* SDK order */
            assert_string_equal(mpk_track_joint_name(t, j), m->joints[j].name);
        assert_true(mpk_track_flags_get(t) & MPK_TRACK_ROOT);
        check_track(t, m, 0, 1e-6);
        mpk_track_free(t);
        assert_int_equal(mpk_import_unitree_csv(&t, csv, strlen(csv), m, NULL), MPK_OK);
        assert_float_equal(mpk_track_rate(t), 50, 0);
        assert_int_equal(mpk_track_frame_count(t), 151);
        check_track(t, m, 0, 2e-4);
        assert_int_equal(mpk_track_check(t, m), MPK_OK);
        mpk_track_free(t);
        free(csv);
    }
}

static void test_trim_and_joints(void **state)
{
    const mpk_robot_model *m = mpk_robot_find("g1-29dof");
    char *csv = make_csv(m, ROWS), *path;
    char *dir = ms_tmpdir("import");
    mpk_import_options o;
    mpk_track *t = NULL;
    int j;

    (void)state;
    mpk_import_options_init(&o);
    o.rate = 100;
    o.trim_start = 1.0;
    o.trim_end = 2.0;
    o.joints = MPK_IMPORT_UPPER_BODY;
    assert_int_equal(mpk_import_unitree_csv(&t, csv, strlen(csv), m, &o), MPK_OK);
    assert_int_equal(mpk_track_frame_count(t), 101);
    assert_int_equal(mpk_track_joint_count(t), 17);
    for (j = 0; j < 17; j++)
        assert_int_not_equal(m->joints[mpk_robot_joint_index(m, mpk_track_joint_name(t, j))].group,
                             MPK_GROUP_LEG);
    check_track(t, m, 1.0, 2e-4);
    mpk_track_free(t);

    /* From a file; errors then start with its path. */
    path = ms_join(dir, "dance.csv");
    ms_write(path, csv, strlen(csv));
    assert_int_equal(mpk_import_unitree_csv_file(&t, path, m, NULL), MPK_OK);
    mpk_track_free(t);
    t = NULL;
    o.trim_start = 2.5;
    o.trim_end = 9;
    assert_int_equal(mpk_import_unitree_csv_file(&t, path, m, &o), MPK_EINVAL);
    assert_non_null(
        strstr(mpk_error_message(), "dance.csv: trim 2.5:9: must be a part of the CSV"));
    assert_null(t);
    o.trim_start = 0;
    o.trim_end = NAN;
    o.rate = 0;
    assert_int_equal(mpk_import_unitree_csv(&t, csv, strlen(csv), m, &o), MPK_EINVAL);
    ms_rm_rf(dir);
    free(dir);
    free(path);
    free(csv);
}

/* Replaces field col (0-based) of line (1-based) of csv with text. */
static char *edit(const char *csv, int line, int col, const char *text)
{
    const char *p = csv, *s, *e;
    int l, c;

    for (l = 1; l < line; l++)
        p = strchr(p, '\n') + 1;
    s = p;
    for (c = 0; c < col; c++)
        s = strchr(s, ',') + 1;
    e = s + strcspn(s, ",\n");
    return ms_fmt("%.*s%s%s", (int)(s - csv), csv, text, e);
}

/* csv without the last field of line (1-based). */
static char *drop_last_field(const char *csv, int line)
{
    const char *p = csv, *e, *comma;
    int l;

    for (l = 1; l < line; l++)
        p = strchr(p, '\n') + 1;
    e = strchr(p, '\n');
    for (comma = e; *comma != ','; comma--)
        ;
    return ms_fmt("%.*s%s", (int)(comma - csv), csv, e);
}

static void import_fails(const mpk_robot_model *m, const char *csv, const char *want)
{
    mpk_track *t = NULL;
    int rc = mpk_import_unitree_csv(&t, csv, strlen(csv), m, NULL);

    if (rc != MPK_EFORMAT)
        fail_msg("import gave %d (%s), want a format error with \"%s\"", rc, mpk_error_message(),
                 want);
    assert_null(t);
    if (!strstr(mpk_error_message(), want))
        fail_msg("message \"%s\" lacks \"%s\"", mpk_error_message(), want);
}

static void test_bad_input(void **state)
{
    const mpk_robot_model *g1 = mpk_robot_find("g1-29dof"), *h1 = mpk_robot_find("h1");
    char *csv = make_csv(g1, 10), *bad;

    (void)state;
    import_fails(g1, "", "empty: no rows");
    import_fails(g1, "\n  \n", "empty: no rows");
    /* A row short of one joint, and one with an extra column. */
    bad = drop_last_field(csv, 3);
    import_fails(g1, bad, "line 3: 35 columns, a g1-29dof row has 36 (7 root + 29 joints)");
    free(bad);
    bad = edit(csv, 4, 35, "0.1,0.2");
    import_fails(g1, bad, "line 4: 37 columns, a g1-29dof row has 36");
    free(bad);
    bad = edit(csv, 5, 10, "abc");
    import_fails(g1, bad, "line 5, column 11 (left_knee): 'abc' is not a number");
    free(bad);
    bad = edit(csv, 2, 8, "nan");
    import_fails(g1, bad, "line 2, column 9 (left_hip_roll): nan is not a finite number");
    free(bad);
    bad = edit(csv, 6, 20, "inf");
    import_fails(g1, bad, "line 6, column 21 (waist_roll): inf is not a finite number");
    free(bad);
    bad = edit(csv, 4, 9, "66666666666666666666666666666666666666666666.5");
    import_fails(g1, bad,
                 "line 4, column 10 (left_hip_yaw): 6666666666666666666666666666666666666666 "
                 "is out of range (at most 10000)");
    free(bad);
    bad = edit(csv, 3, 8, "0x1p2");
    import_fails(g1, bad, "line 3, column 9 (left_hip_roll): '0x1p2' is not a number");
    free(bad);
    bad = edit(csv, 2, 9, "");
    import_fails(g1, bad, "line 2, column 10 (left_hip_yaw): empty field");
    free(bad);
    bad = edit(csv, 7, 6, "0.5"); /* qw: length about 0.5 */
    import_fails(g1, bad, "line 7, columns 4-7 (root quaternion x y z w): length");
    free(bad);
    bad = ms_fmt("root_x,root_y\n%s", csv);
    import_fails(g1, bad,
                 "line 1, column 1 (root_x): 'root_x' is not a number (Unitree CSVs have "
                 "no header line)");
    free(bad);
    /* One row: nothing to resample. */
    *strchr(csv, '\n') = '\0';
    import_fails(g1, csv, "one row: a motion needs at least 2");
    free(csv);
    /* H1's rows have 26 columns: a G1 CSV is refused by count. */
    csv = make_csv(g1, 3);
    import_fails(h1, csv, "line 1: 36 columns, a h1 row has 26 (7 root + 19 joints)");
    free(csv);
    /* H1's columns are named in URDF order: the first joint column is left_hip_yaw. */
    csv = make_csv(h1, 3);
    bad = edit(csv, 2, 7, "x");
    import_fails(h1, bad, "line 2, column 8 (left_hip_yaw): 'x' is not a number");
    free(bad);
    free(csv);
    {
        mpk_track *t = NULL;
        assert_int_equal(mpk_import_unitree_csv(&t, "1,2\0,3\n", 7, g1, NULL), MPK_EFORMAT);
        assert_non_null(strstr(mpk_error_message(), "NUL byte"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_models),
        cmocka_unit_test(test_trim_and_joints),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
