/* Keyframe motions: keyframes are hit exactly, each interpolation keeps the continuity it
 * promises (and linear visibly does not), holds and named poses, the mirror gives a symmetric
 * body (checked with forward kinematics), sampling, and every mistake in a keyframe file is an
 * error naming the field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpk/mpk.h"
#include "testutil.h"

static const mpk_robot_model *g1(void)
{
    const mpk_robot_model *m = mpk_robot_find("g1-29dof");
    assert_non_null(m);
    return m;
}

static mpk_keyframes *parse(const char *json)
{
    mpk_keyframes *kf = NULL;
    int rc = mpk_keyframes_parse(&kf, json, strlen(json), g1());
    if (rc != MPK_OK)
        fail_msg("parse failed: %s\n%s", mpk_error_message(), json);
    return kf;
}

/* Expects a parse error whose message contains want. */
static void parse_fails(const char *json, const char *want)
{
    mpk_keyframes *kf = NULL;
    int rc = mpk_keyframes_parse(&kf, json, strlen(json), g1());

    if (rc == MPK_OK)
        fail_msg("parsed, but should fail with \"%s\":\n%s", want, json);
    assert_null(kf);
    if (!strstr(mpk_error_message(), want))
        fail_msg("message \"%s\" lacks \"%s\"", mpk_error_message(), want);
}

static int joint(const mpk_keyframes *kf, const char *name)
{
    int j;
    for (j = 0; j < mpk_keyframes_joint_count(kf); j++)
        if (strcmp(mpk_keyframes_joint_name(kf, j), name) == 0)
            return j;
    fail_msg("no joint %s", name);
    return -1;
}

static double at(const mpk_keyframes *kf, double t, int j, double *dq)
{
    double q[MPK_TRACK_MAX_JOINTS], v[MPK_TRACK_MAX_JOINTS];
    assert_int_equal(mpk_keyframes_eval(q, v, kf, t), MPK_OK);
    if (dq)
        *dq = v[j];
    return q[j];
}

/* Five keyframes of one joint, every segment with the given interpolation. */
static mpk_keyframes *five(const char *interp)
{
    char *json = ms_fmt("{\"format\": 1, \"interpolation\": \"%s\", \"keyframes\": ["
                        "{\"time\": 0, \"joints\": {\"right_elbow\": 0}},"
                        "{\"time\": 0.5, \"joints\": {\"right_elbow\": 1.0}},"
                        "{\"time\": 1.3, \"joints\": {\"right_elbow\": 0.2}},"
                        "{\"time\": 1.6, \"joints\": {\"right_elbow\": 0.9}},"
                        "{\"time\": 2.5, \"joints\": {\"right_elbow\": 0}}]}",
                        interp);
    mpk_keyframes *kf = parse(json);
    free(json);
    return kf;
}

static void test_keys_hit_exactly(void **state)
{
    static const char *const kinds[] = {"linear", "cubic", "minjerk"};
    static const double values[] = {0, 1.0, 0.2, 0.9, 0};
    size_t i, k;

    (void)state;
    for (i = 0; i < 3; i++) {
        mpk_keyframes *kf = five(kinds[i]);
        mpk_track *t = NULL;
        const float *pos;
        int j = joint(kf, "right_elbow");

        assert_int_equal(mpk_keyframes_count(kf), 5);
        assert_int_equal(mpk_keyframes_joint_count(kf), 1);
        for (k = 0; k < 5; k++) {
            assert_true(at(kf, mpk_keyframes_time(kf, k), j, NULL) == values[k]);
            assert_true(mpk_keyframes_value(kf, k, j) == values[k]);
        }
        /* At 10 Hz every keyframe time (0, 0.5, 1.3, 1.6, 2.5) is a sample time. */
        assert_int_equal(mpk_keyframes_sample(&t, kf, 10), MPK_OK);
        assert_int_equal(mpk_track_frame_count(t), 26);
        assert_float_equal(mpk_track_duration(t), 2.5, 1e-12);
        pos = mpk_track_positions_const(t);
        assert_true(pos[0] == 0.0f && pos[5] == 1.0f && pos[13] == 0.2f && pos[16] == 0.9f &&
                    pos[25] == 0.0f);
        mpk_track_free(t);
        mpk_keyframes_free(kf);
    }
}

/* Position and velocity on both sides of keyframe k: the jumps across it. */
static void jumps(const mpk_keyframes *kf, size_t k, double *dpos, double *dvel, double *dacc)
{
    const double e = 1e-7, h = 1e-4;
    double t = mpk_keyframes_time(kf, k), v0, v1, va, vb;
    int j = 0;

    *dpos = fabs(at(kf, t + e, j, &v1) - at(kf, t - e, j, &v0));
    *dvel = fabs(v1 - v0);
    /* Acceleration from velocities h apart on each side. */
    at(kf, t - e - h, j, &va);
    at(kf, t + e + h, j, &vb);
    *dacc = fabs((vb - v1) / h - (v0 - va) / h);
}

static void test_continuity(void **state)
{
    double dp, dv, da;
    size_t k;
    mpk_keyframes *kf;

    (void)state;
    /* cubic: position, velocity and acceleration continuous at every inner keyframe. */
    kf = five("cubic");
    for (k = 1; k < 4; k++) {
        jumps(kf, k, &dp, &dv, &da);
        assert_true(dp < 1e-5 && dv < 1e-3 && da < 0.1);
    }
    /* It starts and ends at rest. */
    at(kf, 0, 0, &dv);
    assert_float_equal(dv, 0, 1e-12);
    at(kf, 2.5, 0, &dv);
    assert_float_equal(dv, 0, 1e-12);
    mpk_keyframes_free(kf);

    /* minjerk: zero velocity and acceleration at every keyframe. */
    kf = five("minjerk");
    for (k = 0; k < 5; k++) {
        double t = mpk_keyframes_time(kf, k), va, vb;
        at(kf, t, 0, &dv);
        assert_float_equal(dv, 0, 1e-12);
        if (k > 0 && k < 4) {
            at(kf, t - 1e-4, 0, &va);
            at(kf, t + 1e-4, 0, &vb);
            assert_true(fabs(va) < 1e-5 && fabs(vb) < 1e-5); /* a(t) ~ t^1: v ~ t^2 */
            jumps(kf, k, &dp, &dv, &da);
            assert_true(dp < 1e-5 && dv < 1e-4 && da < 0.1);
        }
    }
    mpk_keyframes_free(kf);

    /* linear: continuous position, and a corner at each keyframe (so the tests above can fail). */
    kf = five("linear");
    jumps(kf, 1, &dp, &dv, &da);
    assert_true(dp < 1e-5);
    assert_float_equal(dv, 1.0 / 0.5 + 0.8 / 0.8, 1e-6); /* +2 rad/s then -1 rad/s */
    mpk_keyframes_free(kf);

    /* Mixed: a cubic run's ends take the slope of a linear neighbour and zero next to minjerk. */
    kf = parse("{\"format\": 1, \"keyframes\": ["
               "{\"time\": 0, \"joints\": {\"right_elbow\": 0}},"
               "{\"time\": 1, \"joints\": {\"right_elbow\": 0.5}, \"interpolation\": \"linear\"},"
               "{\"time\": 1.5, \"joints\": {\"right_elbow\": 1.2}, \"interpolation\": \"cubic\"},"
               "{\"time\": 2.2, \"joints\": {\"right_elbow\": 0.4}, \"interpolation\": \"cubic\"},"
               "{\"time\": 3, \"joints\": {\"right_elbow\": 0}, \"interpolation\": \"minjerk\"}]}");
    assert_int_equal(mpk_keyframes_interpolation(kf, 1), MPK_INTERP_LINEAR);
    assert_int_equal(mpk_keyframes_interpolation(kf, 2), MPK_INTERP_CUBIC);
    assert_int_equal(mpk_keyframes_interpolation(kf, 4), MPK_INTERP_MINJERK);
    for (k = 1; k <= 3; k++) {
        jumps(kf, k, &dp, &dv, &da);
        assert_true(dp < 1e-5 && dv < 1e-3);
    }
    jumps(kf, 2, &dp, &dv, &da); /* inside the cubic run: C2 */
    assert_true(da < 0.1);
    mpk_keyframes_free(kf);
}

static void test_holds_and_poses(void **state)
{
    const mpk_robot_model *m = g1();
    mpk_keyframes *kf;
    int e, w, k;

    (void)state;
    kf = parse("{\"format\": 1, \"robot\": \"g1-29dof\", \"joints\": [\"waist_yaw\", "
               "\"right_elbow\", \"left_knee\"], \"keyframes\": ["
               "{\"time\": 0},"
               "{\"time\": 1, \"joints\": {\"right_elbow\": 0.8}},"
               "{\"time\": 2, \"joints\": {\"waist_yaw\": 0.3}},"
               "{\"time\": 3, \"pose\": \"zero\", \"joints\": {\"waist_yaw\": 0.1}},"
               "{\"time\": 4, \"pose\": \"stand\"}]}");
    /* SDK order, whatever order the file names them in. */
    assert_string_equal(mpk_keyframes_joint_name(kf, 0), "left_knee");
    assert_string_equal(mpk_keyframes_joint_name(kf, 1), "waist_yaw");
    assert_string_equal(mpk_keyframes_joint_name(kf, 2), "right_elbow");
    e = joint(kf, "right_elbow");
    w = joint(kf, "waist_yaw");
    k = joint(kf, "left_knee");
    /* Before anything is set: the standing pose. */
    assert_true(mpk_keyframes_value(kf, 0, k) == m->joints[3].stand);
    assert_true(mpk_keyframes_value(kf, 0, e) == 0);
    /* Holds: the elbow keeps 0.8 while the waist moves. */
    assert_true(mpk_keyframes_value(kf, 2, e) == 0.8);
    assert_true(at(kf, 1.5, e, NULL) == 0.8 && at(kf, 2, e, NULL) == 0.8);
    assert_true(mpk_keyframes_value(kf, 2, w) == 0.3);
    /* zero, then one joint changed on top of it. */
    assert_true(mpk_keyframes_value(kf, 3, e) == 0 && mpk_keyframes_value(kf, 3, k) == 0);
    assert_true(mpk_keyframes_value(kf, 3, w) == 0.1);
    assert_true(mpk_keyframes_value(kf, 4, k) == m->joints[3].stand);
    mpk_keyframes_free(kf);

    /* Groups of joints. */
    kf = parse("{\"format\": 1, \"joints\": \"upper-body\", \"keyframes\": [{\"time\": 0}, "
               "{\"time\": 1, \"pose\": \"stand\"}]}");
    assert_int_equal(mpk_keyframes_joint_count(kf), 17);
    assert_string_equal(mpk_keyframes_joint_name(kf, 0), "waist_yaw");
    mpk_keyframes_free(kf);
    kf = parse("{\"format\": 1, \"joints\": \"all\", \"keyframes\": [{\"time\": 0}, "
               "{\"time\": 1}]}");
    assert_int_equal(mpk_keyframes_joint_count(kf), 29);
    mpk_keyframes_free(kf);
}

/* Reflects a point through the sagittal plane. */
static void test_mirror_symmetry(void **state)
{
    const mpk_robot_model *m = g1();
    static const char *const kinds[] = {"left-to-right", "right-to-left"};
    double q[MPK_ROBOT_MAX_JOINTS], pos[MPK_ROBOT_MAX_LINKS * 3], kq[MPK_TRACK_MAX_JOINTS];
    int i, j, l;

    (void)state;
    for (i = 0; i < 2; i++) {
        const char *from = i == 0 ? "left" : "right", *to = i == 0 ? "right" : "left";
        char *json =
            ms_fmt("{\"format\": 1, \"joints\": \"all\", \"keyframes\": [{\"time\": 0}, "
                   "{\"time\": 1, \"mirror\": \"%s\", \"joints\": {\"%s_shoulder_pitch\": -0.6, "
                   "\"%s_shoulder_roll\": %s, \"%s_shoulder_yaw\": 0.4, \"%s_elbow\": 1.1, "
                   "\"%s_wrist_roll\": -0.5, \"%s_hip_pitch\": -0.4, \"%s_hip_roll\": %s, "
                   "\"%s_knee\": 0.9, \"%s_ankle_roll\": 0.1}}]}",
                   kinds[i], from, from, i == 0 ? "0.7" : "-0.7", from, from, from, from, from,
                   i == 0 ? "0.2" : "-0.2", from, from);
        mpk_keyframes *kf = parse(json);
        int right_elbow = joint(kf, "right_elbow"), left_elbow = joint(kf, "left_elbow");

        free(json);
        (void)to;
        assert_true(mpk_keyframes_value(kf, 1, right_elbow) == 1.1);
        assert_true(mpk_keyframes_value(kf, 1, left_elbow) == 1.1);
        /* The model's sign: roll and yaw flip, pitch keeps. */
        assert_true(mpk_keyframes_value(kf, 1, joint(kf, "right_shoulder_roll")) ==
                    -mpk_keyframes_value(kf, 1, joint(kf, "left_shoulder_roll")));
        assert_true(mpk_keyframes_value(kf, 1, joint(kf, "right_shoulder_pitch")) ==
                    mpk_keyframes_value(kf, 1, joint(kf, "left_shoulder_pitch")));
        /* Forward kinematics: every link of one side is the mirror image of its twin. */
        assert_int_equal(mpk_keyframes_eval(kq, NULL, kf, 1), MPK_OK);
        for (j = 0; j < m->joint_count; j++)
            q[j] = kq[j]; /* "all": the motion's joints are the model's, in order */
        assert_int_equal(mpk_robot_fk(pos, NULL, m, q, NULL), MPK_OK);
        for (l = 0; l < m->link_count; l++) {
            const char *name = m->links[l].name;
            char twin[64];
            int t;
            if (strncmp(name, "left_", 5) != 0)
                continue;
            snprintf(twin, sizeof(twin), "right_%s", name + 5);
            t = mpk_robot_link_index(m, twin);
            assert_true(t >= 0);
            /* Within the URDF's own small left/right differences. */
            assert_float_equal(pos[3 * l], pos[3 * t], 2e-3);
            assert_float_equal(pos[3 * l + 1], -pos[3 * t + 1], 2e-3);
            assert_float_equal(pos[3 * l + 2], pos[3 * t + 2], 2e-3);
        }
        mpk_keyframes_free(kf);
    }
}

static void test_sampling(void **state)
{
    mpk_keyframes *kf = parse("{\"format\": 1, \"keyframes\": ["
                              "{\"time\": 0, \"joints\": {\"right_elbow\": 0}},"
                              "{\"time\": 1.005, \"joints\": {\"right_elbow\": 1}}]}");
    mpk_track *t = NULL;
    const float *pos;
    char *text = NULL;
    size_t size = 0;
    double times[2] = {0, 2};

    (void)state;
    /* 1.005 s at 50 Hz: frames at 0..1.0 and one more at 1.02 holding the last keyframe. */
    assert_int_equal(mpk_keyframes_sample(&t, kf, 50), MPK_OK);
    assert_int_equal(mpk_track_frame_count(t), 52);
    assert_string_equal(mpk_track_robot(t), "g1-29dof");
    pos = mpk_track_positions_const(t);
    assert_true(pos[51] == 1.0f);
    assert_true(pos[50] < 1.0f && pos[50] > 0.99f);
    mpk_track_free(t);
    assert_int_equal(mpk_keyframes_sample(&t, kf, 0.5), MPK_EINVAL);
    assert_int_equal(mpk_keyframes_sample(&t, kf, 5000), MPK_EINVAL);

    /* New times, written back with everything else as it was. */
    assert_int_equal(mpk_keyframes_set_times(kf, times, 2), MPK_OK);
    assert_float_equal(mpk_keyframes_duration(kf), 2, 0);
    assert_int_equal(mpk_keyframes_serialize(&text, &size, kf), MPK_OK);
    assert_non_null(strstr(text, "\"time\": 2"));
    assert_non_null(strstr(text, "\"right_elbow\": 1"));
    mpk_keyframes_free(kf);
    kf = parse(text);
    assert_float_equal(mpk_keyframes_duration(kf), 2, 0);
    times[1] = 0;
    assert_int_equal(mpk_keyframes_set_times(kf, times, 2), MPK_EINVAL);
    times[1] = 0.0005; /* closer than MPK_KEYFRAMES_MIN_GAP */
    assert_int_equal(mpk_keyframes_set_times(kf, times, 2), MPK_EINVAL);
    times[1] = 0.001;
    assert_int_equal(mpk_keyframes_set_times(kf, times, 2), MPK_OK);
    mpk_keyframes_free(kf);
    free(text);
}

static void test_errors(void **state)
{
    (void)state;
#define KEYS(body) "{\"format\": 1, \"keyframes\": [" body "]}"
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"right_elbow\": 0}},"
                     "{\"time\": 1.5, \"joints\": {\"right_elbow\": 1}},"
                     "{\"time\": 1.5, \"joints\": {\"right_elbow\": 0}}"),
                "keyframes[2].time: 1.5 is not after keyframes[1].time (1.5)");
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"right_elbow\": 0}},"
                     "{\"time\": 2, \"joints\": {\"right_elbow\": 1}},"
                     "{\"time\": 1, \"joints\": {\"right_elbow\": 0}}"),
                "keyframes[2].time: 1 is not after keyframes[1].time (2)");
    /* Found by fuzz/keyframes: a linear key 3e-48 s after the first gave the cubic run that
     * follows it a slope of 4e47 rad/s, sampled to an infinite float. */
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"right_elbow\": 0}},"
                     "{\"time\": 3.15e-48, \"joints\": {\"right_elbow\": 1.2}, "
                     "\"interpolation\": \"linear\"},"
                     "{\"time\": 1.5, \"pose\": \"zero\"}"),
                "keyframes[1].time: 3.15e-48 is less than 0.001 s after keyframes[0].time (0)");
    parse_fails(KEYS("{\"time\": 0.5, \"joints\": {\"right_elbow\": 0}}, {\"time\": 1}"),
                "keyframes[0].time: the first keyframe must be at 0");
    parse_fails(KEYS("{\"time\": 0}, {\"time\": 1, \"joints\": {\"right_elbo\": 1}}"),
                "keyframes[1].joints.right_elbo: 'right_elbo' is not a joint of g1-29dof");
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"right_elbow\": 0}}, {\"time\": 1, \"pose\": "
                     "\"sit\"}"),
                "keyframes[1].pose: 'sit' is not a named pose (stand, zero)");
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"right_elbow\": 0}}, {\"time\": 1, "
                     "\"interpolation\": \"spline\"}"),
                "keyframes[1].interpolation: 'spline' is not one of linear, cubic, minjerk");
    parse_fails("{\"format\": 1, \"interpolation\": \"bezier\", \"keyframes\": []}",
                "interpolation: 'bezier' is not one of");
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"right_elbow\": 0}}"),
                "keyframes: 1 keyframe, a motion needs at least 2");
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"right_elbow\": 0}}, {\"time\": 1, "
                     "\"joints\": {\"right_elbow\": 3}}"),
                "keyframes[1].joints.right_elbow: right_elbow at 3, outside its limits");
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"right_elbow\": \"up\"}}, {\"time\": 1}"),
                "keyframes[0].joints.right_elbow: must be a number");
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"left_elbow\": 0.5, \"right_elbow\": 0.2}, "
                     "\"mirror\": \"left-to-right\"}, {\"time\": 1}"),
                "keyframes[0].mirror: right_elbow is set in this keyframe");
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"left_elbow\": 0.5}, \"mirror\": \"sideways\"},"
                     " {\"time\": 1}"),
                "keyframes[0].mirror: 'sideways' is not one of");
    parse_fails(KEYS("{\"time\": 0, \"joints\": {\"left_elbow\": 0.5}, \"speed\": 2}, "
                     "{\"time\": 1}"),
                "keyframes[0].speed: unknown field");
    parse_fails(KEYS("{\"joints\": {\"left_elbow\": 0.5}}, {\"time\": 1}"),
                "keyframes[0].time: required");
    parse_fails(KEYS("{\"time\": 0, \"interpolation\": \"cubic\", \"joints\": {\"left_elbow\": "
                     "0}}, {\"time\": 1}"),
                "keyframes[0].interpolation: the first keyframe ends no segment");
    parse_fails("{\"format\": 1, \"joints\": \"upper-body\", \"keyframes\": [{\"time\": 0}, "
                "{\"time\": 1, \"joints\": {\"left_knee\": 1}}]}",
                "keyframes[1].joints.left_knee: 'left_knee' is not among the motion's joints");
    parse_fails("{\"format\": 1, \"joints\": \"everything\", \"keyframes\": [{\"time\": 0}, "
                "{\"time\": 1}]}",
                "joints: 'everything' is not");
    parse_fails("{\"format\": 1, \"joints\": [\"left_elbow\"], \"keyframes\": [{\"time\": 0, "
                "\"mirror\": \"left-to-right\"}, {\"time\": 1}]}",
                "keyframes[0].mirror: right_elbow (the twin of left_elbow) is not among");
    parse_fails(KEYS("{\"time\": 0}, {\"time\": 1}"), "no keyframe sets a joint");
    parse_fails("{\"format\": 2, \"keyframes\": []}", "format: 2 is not supported");
    parse_fails("{\"format\": 1, \"robot\": \"h1\", \"keyframes\": []}",
                "robot: the keyframes are for 'h1', not 'g1-29dof'");
    parse_fails("{\"format\": 1, \"keyframes\": [", "line 1");
    {
        /* zero is outside a Go2 calf's limits: the pose says so. */
        mpk_keyframes *kf = NULL;
        const char *json = "{\"format\": 1, \"joints\": \"all\", \"keyframes\": [{\"time\": 0}, "
                           "{\"time\": 1, \"pose\": \"zero\"}]}";
        assert_int_equal(mpk_keyframes_parse(&kf, json, strlen(json), mpk_robot_find("go2")),
                         MPK_EFORMAT);
        assert_non_null(strstr(mpk_error_message(), "keyframes[1].pose: 'zero' puts FR_calf at 0"));
    }
#undef KEYS
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_hit_exactly), cmocka_unit_test(test_continuity),
        cmocka_unit_test(test_holds_and_poses),  cmocka_unit_test(test_mirror_symmetry),
        cmocka_unit_test(test_sampling),         cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
