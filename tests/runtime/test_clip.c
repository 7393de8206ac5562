/* Clips: loading refuses what does not fit the model; sampling is C1 and stays between samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rt_testlib.h"
#include "testutil.h"

static mpk_track *make_track(const char *robot, int n, const char *const *names, double rate,
                             uint32_t frames)
{
    mpk_track *t = NULL;
    assert_int_equal(mpk_track_new(&t, robot, n, names, rate, frames, 0), MPK_OK);
    return t;
}

static void refuses_other_model(void **state)
{
    const char *names[] = {"left_elbow"};
    mpk_track *t = make_track("h1", 1, names, 50, 10);
    motion_clip *c = NULL;

    assert_int_equal(motion_clip_from_track(&c, t, rt_model("g1-29dof"), "wave"), MOTION_EMODEL);
    assert_null(c);
    assert_non_null(strstr(motion_error_message(), "wave"));
    assert_non_null(strstr(motion_error_message(), "h1"));
    mpk_track_free(t);
}

static void refuses_unknown_joint(void **state)
{
    const char *names[] = {"left_elbow", "left_tail"};
    mpk_track *t = make_track("g1-29dof", 2, names, 50, 10);
    motion_clip *c = NULL;

    assert_int_equal(motion_clip_from_track(&c, t, rt_model("g1-29dof"), "wag"), MOTION_EMODEL);
    assert_non_null(strstr(motion_error_message(), "left_tail"));
    mpk_track_free(t);
}

static void refuses_nan_and_out_of_limits(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    const char *names[] = {"left_elbow", "right_elbow"};
    mpk_track *t = make_track("g1-29dof", 2, names, 50, 10);
    motion_clip *c = NULL;
    float *p = mpk_track_positions(t);

    p[5 * 2 + 1] = NAN;
    assert_int_equal(motion_clip_from_track(&c, t, m, "nan"), MOTION_EMODEL);
    assert_non_null(strstr(motion_error_message(), "right_elbow"));
    p[5 * 2 + 1] = INFINITY;
    assert_int_equal(motion_clip_from_track(&c, t, m, "inf"), MOTION_EMODEL);
    p[5 * 2 + 1] = 0;
    p[3 * 2 + 0] = (float)(m->joints[mpk_robot_joint_index(m, "left_elbow")].upper + 0.05);
    assert_int_equal(motion_clip_from_track(&c, t, m, "far"), MOTION_EMODEL);
    assert_non_null(strstr(motion_error_message(), "left_elbow"));
    p[3 * 2 + 0] = 0;
    assert_int_equal(motion_clip_from_track(&c, t, m, "fine"), MOTION_OK);
    assert_int_equal(motion_clip_joint_count(c), 2);
    assert_int_equal(motion_clip_joint_index(c, 1), mpk_robot_joint_index(m, "right_elbow"));
    assert_true(motion_clip_drives(c, mpk_robot_joint_index(m, "left_elbow")));
    assert_false(motion_clip_drives(c, mpk_robot_joint_index(m, "left_knee")));
    motion_clip_free(c);
    mpk_track_free(t);
}

/* Hits every sample, C1 across sample boundaries, and dq is the derivative of q. */
static void interpolation_is_c1(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    rt_rng rng;
    int trial;

    rt_seed(&rng, 11);
    for (trial = 0; trial < 20; trial++) {
        double rate = rt_uniform(&rng, 10, 200);
        mpk_track *t = rt_random_track(m, &rng, RT_ALL, rate, rt_uniform(&rng, 0.5, 4), false);
        motion_clip *c = NULL;
        const float *pos = mpk_track_positions_const(t);
        int n = mpk_track_joint_count(t), k;
        uint32_t f, frames = mpk_track_frame_count(t);
        double q[MOTION_MAX_JOINTS], dq[MOTION_MAX_JOINTS], q2[MOTION_MAX_JOINTS],
            dq2[MOTION_MAX_JOINTS];

        assert_int_equal(motion_clip_from_track(&c, t, m, "r"), MOTION_OK);
        assert_true(fabs(motion_clip_duration(c) - (frames - 1) / rate) < 1e-12);
        for (f = 0; f < frames; f++) {
            motion_clip_sample(c, f / rate, q, NULL);
            for (k = 0; k < n; k++)
                assert_true(fabs(q[motion_clip_joint_index(c, k)] - pos[(size_t)f * n + k]) < 1e-6);
        }
        for (f = 1; f + 1 < frames; f++) {
            double h = 1e-7 / rate, tb = f / rate;
            motion_clip_sample(c, tb - h, q, dq);
            motion_clip_sample(c, tb + h, q2, dq2);
            for (k = 0; k < n; k++) {
                int j = motion_clip_joint_index(c, k);
                assert_true(fabs(q2[j] - q[j]) < 1e-5);
                assert_true(fabs(dq2[j] - dq[j]) < 1e-3 * (1 + fabs(dq[j])));
            }
            /* dq is the derivative of q: central difference inside a segment. */
            motion_clip_sample(c, tb + 0.5 / rate - h, q, NULL);
            motion_clip_sample(c, tb + 0.5 / rate + h, q2, NULL);
            motion_clip_sample(c, tb + 0.5 / rate, dq2, dq); /* positions to scratch */
            for (k = 0; k < n; k++) {
                int j = motion_clip_joint_index(c, k);
                assert_true(fabs((q2[j] - q[j]) / (2 * h) - dq[j]) < 1e-2 * (1 + fabs(dq[j])));
            }
        }
        motion_clip_free(c);
        mpk_track_free(t);
    }
}

/* Monotone tangents: between two samples the curve stays within them, so within the limits. */
static void interpolation_stays_between_samples(void **state)
{
    const mpk_robot_model *m = rt_model("h1-2");
    const char *names[] = {"left_elbow"};
    mpk_track *t = make_track("h1-2", 1, names, 30, 200);
    int j = mpk_robot_joint_index(m, "left_elbow");
    float *p = mpk_track_positions(t);
    motion_clip *c = NULL;
    rt_rng rng;
    uint32_t f;
    int s;

    rt_seed(&rng, 5);
    /* Jagged, hitting both limits exactly: the worst case for overshoot. */
    for (f = 0; f < 200; f++) {
        int pick = rt_int(&rng, 0, 3);
        p[f] = pick == 0   ? (float)m->joints[j].lower
               : pick == 1 ? (float)m->joints[j].upper
                           : (float)rt_uniform(&rng, m->joints[j].lower, m->joints[j].upper);
    }
    assert_int_equal(motion_clip_from_track(&c, t, m, "jagged"), MOTION_OK);
    for (f = 0; f + 1 < 200; f++) {
        double lo = fmin(p[f], p[f + 1]), hi = fmax(p[f], p[f + 1]);
        for (s = 0; s <= 20; s++) {
            double q[MOTION_MAX_JOINTS];
            motion_clip_sample(c, (f + s / 20.0) / 30.0, q, NULL);
            assert_true(q[j] >= lo - 1e-6 && q[j] <= hi + 1e-6);
        }
    }
    motion_clip_free(c);
    mpk_track_free(t);
}

/* A loopable clip is C1 across the seam; a clip that does not close is not loopable. */
static void loopable_is_periodic(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    rt_rng rng;
    mpk_track *t;
    motion_clip *c = NULL;
    double qa[MOTION_MAX_JOINTS], va[MOTION_MAX_JOINTS], qb[MOTION_MAX_JOINTS],
        vb[MOTION_MAX_JOINTS];
    double d, h = 1e-6;
    int k;

    rt_seed(&rng, 3);
    t = rt_random_track(m, &rng, RT_ARMS, 50, 3.0, true);
    assert_int_equal(motion_clip_from_track(&c, t, m, "loop"), MOTION_OK);
    assert_true(motion_clip_loopable(c));
    d = motion_clip_duration(c);
    motion_clip_sample(c, 0, qa, va);
    motion_clip_sample(c, d, qb, vb);
    for (k = 0; k < motion_clip_joint_count(c); k++) {
        int j = motion_clip_joint_index(c, k);
        assert_true(fabs(qa[j] - qb[j]) < 1e-6);
        assert_true(fabs(va[j] - vb[j]) < 1e-9);
    }
    motion_clip_sample_wrapped(c, d - h, qa, va);
    motion_clip_sample_wrapped(c, d + h, qb, vb);
    for (k = 0; k < motion_clip_joint_count(c); k++) {
        int j = motion_clip_joint_index(c, k);
        assert_true(fabs(qa[j] - qb[j]) < 1e-4);
        assert_true(fabs(va[j] - vb[j]) < 1e-2 * (1 + fabs(va[j])));
    }
    motion_clip_free(c);
    mpk_track_free(t);

    t = rt_random_track(m, &rng, RT_ARMS, 50, 3.0, false);
    assert_int_equal(motion_clip_from_track(&c, t, m, "open"), MOTION_OK);
    assert_false(motion_clip_loopable(c));
    motion_clip_free(c);
    mpk_track_free(t);
}

static void velocity_ratio_and_gains(void **state)
{
    const mpk_robot_model *m = rt_model("go2");
    const char *names[] = {"FR_thigh"};
    int j = mpk_robot_joint_index(m, "FR_thigh");
    mpk_track *t = NULL;
    motion_clip *c = NULL;
    double kp[MOTION_MAX_JOINTS] = {0}, kd[MOTION_MAX_JOINTS] = {0};
    float *p;

    assert_true(j >= 0);
    assert_int_equal(mpk_track_new(&t, "go2", 1, names, 100, 3, MPK_TRACK_GAINS), MPK_OK);
    p = mpk_track_positions(t);
    p[0] = 0.5f;
    p[1] = 0.6f; /* 10 rad/s for one sample */
    p[2] = 0.7f;
    mpk_track_kp(t)[0] = 33;
    mpk_track_kd(t)[0] = 2;
    assert_int_equal(motion_clip_from_track(&c, t, m, "g"), MOTION_OK);
    assert_true(fabs(motion_clip_velocity_ratio(c) - 10.0 / m->joints[j].velocity) < 1e-3);
    assert_true(motion_clip_gains(c, kp, kd));
    assert_true(kp[j] == 33 && kd[j] == 2);
    motion_clip_free(c);
    mpk_track_free(t);
}

static void loads_packages(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    char *dir = ms_tmpdir("rt-clip");
    char *path = ms_join(dir, "two.mpk"), *bad = ms_join(dir, "bad.mpk");
    const char *names[] = {"wave", "bow"};
    mpk_track *tracks[2];
    motion_clip *c = NULL;
    rt_rng rng;
    size_t size;
    char *bytes;

    rt_seed(&rng, 9);
    tracks[0] = rt_random_track(g1, &rng, RT_ARMS, 50, 2, false);
    tracks[1] = rt_random_track(g1, &rng, RT_ALL, 50, 1, false);
    rt_write_package(path, "com.example.two", tracks, names, 2, MPK_PERM_FULL_BODY);

    assert_int_equal(motion_clip_load_package(&c, path, NULL, g1), MOTION_OK);
    assert_string_equal(motion_clip_name(c), "wave");
    assert_true(motion_clip_permissions(c) & MPK_PERM_FULL_BODY);
    motion_clip_free(c);
    assert_int_equal(motion_clip_load_package(&c, path, "bow", g1), MOTION_OK);
    assert_true(fabs(motion_clip_duration(c) - 1.0) < 1e-9);
    motion_clip_free(c);
    c = NULL;
    assert_int_equal(motion_clip_load_package(&c, path, "jump", g1), MOTION_ENOTFOUND);
    assert_non_null(strstr(motion_error_message(), "jump"));
    assert_int_equal(motion_clip_load_package(&c, path, "wave", rt_model("h1")), MOTION_EMODEL);
    assert_non_null(strstr(motion_error_message(), "h1"));
    assert_null(c);

    /* A flipped byte inside the archive: the zip or hash check refuses it. */
    bytes = ms_slurp(path, &size);
    bytes[size / 3] ^= 0x55;
    ms_write(bad, bytes, size);
    assert_int_not_equal(motion_clip_load_package(&c, bad, "wave", g1), MOTION_OK);
    assert_null(c);
    assert_int_equal(motion_clip_load_package(&c, "/nonexistent.mpk", NULL, g1) != MOTION_OK, 1);

    free(bytes);
    mpk_track_free(tracks[0]);
    mpk_track_free(tracks[1]);
    ms_rm_rf(dir);
    free(bad);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_other_model),
        cmocka_unit_test(refuses_unknown_joint),
        cmocka_unit_test(refuses_nan_and_out_of_limits),
        cmocka_unit_test(interpolation_is_c1),
        cmocka_unit_test(interpolation_stays_between_samples),
        cmocka_unit_test(loopable_is_periodic),
        cmocka_unit_test(velocity_ratio_and_gains),
        cmocka_unit_test(loads_packages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
