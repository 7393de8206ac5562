/* Retiming: a motion too fast in one place comes out passing validation, longer by what that
 * place needed, with the rest of its timing (and, for tracks, its samples) unchanged. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpk/mpk.h"
#include "testutil.h"

static const mpk_robot_model *g1;

/* Errors of the speed rules in a track. */
static size_t speed_errors(const mpk_track *t)
{
    mpk_findings *list = NULL;
    size_t i, n = 0;

    assert_int_equal(mpk_validate_track(&list, t, g1, 0, NULL), MPK_OK);
    for (i = 0; i < mpk_findings_count(list); i++) {
        const mpk_finding *f = mpk_findings_get(list, i);
        if (f->severity == MPK_SEVERITY_ERROR)
            print_message("  %s\n", f->message);
        n += f->severity == MPK_SEVERITY_ERROR;
    }
    mpk_findings_free(list);
    return n;
}

/* The elbow: still for 1 s, a raised-cosine flick of 1.2 rad in 0.15 s (far too fast), still
 * for 1 s, then a slow 1 s bump of 0.5 rad. */
static double elbow_at(double t)
{
    if (t < 1)
        return 0.2;
    if (t < 1.15)
        return 0.2 + 0.6 * (1 - cos(2 * M_PI * (t - 1) / 0.15));
    if (t < 2.15)
        return 0.2;
    if (t < 3.15)
        return 0.2 + 0.25 * (1 - cos(2 * M_PI * (t - 2.15)));
    return 0.2;
}

static void test_track(void **state)
{
    static const char *const joints[] = {"waist_yaw", "right_elbow"};
    const double rate = 100;
    uint32_t F = 416, f, G, shift;
    mpk_track *t = NULL, *r = NULL, *again = NULL;
    const float *a, *b;
    double added = -1, again_added = -1;

    (void)state;
    assert_int_equal(mpk_track_new(&t, "g1-29dof", 2, joints, rate, F, MPK_TRACK_ROOT), MPK_OK);
    for (f = 0; f < F; f++) {
        float *root = mpk_track_root(t) + f * 7;
        mpk_track_positions(t)[f * 2] = (float)(0.05 * sin(f / rate));
        mpk_track_positions(t)[f * 2 + 1] = (float)elbow_at(f / rate);
        root[0] = (float)(0.01 * f / rate);
        root[2] = 0.78f;
    }
    assert_true(speed_errors(t) > 0);
    assert_int_equal(mpk_track_retime(&r, &added, t, g1, NULL), MPK_OK);
    assert_int_equal(speed_errors(r), 0);
    assert_int_equal(mpk_track_check(r, g1), MPK_OK);
    G = mpk_track_frame_count(r);
    print_message("retimed: %u -> %u frames (+%.3f s)\n", F, G, added);
    assert_float_equal(added, (G - F) / rate, 1e-9);
    /* 1.2 rad in 0.15 s peaks at 25 rad/s, 1.05 x 33.3 allowed; the acceleration (~1050 rad/s^2
     * against 148) needs about 2.7 times slower: some 0.25 to 0.8 s more, not seconds. */
    assert_true(added > 0.2 && added < 0.8);
    /* Before the flick (and its 0.1 s transition) every sample is the original. */
    a = mpk_track_positions_const(t);
    b = mpk_track_positions_const(r);
    for (f = 0; f < 85; f++)
        assert_true(a[f * 2] == b[f * 2] && a[f * 2 + 1] == b[f * 2 + 1]);
    /* After it, the original samples again, a whole number of frames later. */
    shift = G - F;
    for (f = 140; f < F; f++) {
        assert_true(a[f * 2] == b[(f + shift) * 2]);
        assert_true(a[f * 2 + 1] == b[(f + shift) * 2 + 1]);
    }
    /* The root comes along: unit quaternions, the path stretched, not cut. */
    assert_float_equal(mpk_track_root_const(r)[(G - 1) * 7], 0.01 * (F - 1) / rate, 1e-6);
    assert_float_equal(mpk_track_root_const(r)[(G / 2) * 7 + 6], 1, 1e-6);

    /* A motion that passes comes back unchanged. */
    assert_int_equal(mpk_track_retime(&again, &again_added, r, g1, NULL), MPK_OK);
    assert_float_equal(again_added, 0, 0);
    assert_int_equal(mpk_track_frame_count(again), G);
    assert_memory_equal(mpk_track_positions_const(again), b, (size_t)G * 2 * sizeof(float));
    mpk_track_free(again);
    mpk_track_free(r);
    mpk_track_free(t);
}

static void test_keyframes(void **state)
{
    const char *json = "{\"format\": 1, \"interpolation\": \"minjerk\", \"keyframes\": ["
                       "{\"time\": 0, \"joints\": {\"right_elbow\": 0, \"waist_yaw\": 0}},"
                       "{\"time\": 1.5, \"joints\": {\"right_elbow\": 0.6}},"
                       "{\"time\": 1.6, \"joints\": {\"right_elbow\": 1.8}},"
                       "{\"time\": 2.4, \"joints\": {\"right_elbow\": 0.2}, \"interpolation\": "
                       "\"cubic\"},"
                       "{\"time\": 3.5, \"joints\": {\"right_elbow\": 0, \"waist_yaw\": 0.3}}]}";
    double before[5], added = 0, again = -1;
    mpk_keyframes *kf = NULL;
    mpk_track *t = NULL;
    char *text = NULL;
    size_t size, k;

    (void)state;
    assert_int_equal(mpk_keyframes_parse(&kf, json, strlen(json), g1), MPK_OK);
    for (k = 0; k < 5; k++)
        before[k] = mpk_keyframes_time(kf, k);
    assert_int_equal(mpk_keyframes_sample(&t, kf, 50), MPK_OK);
    assert_true(speed_errors(t) > 0);
    mpk_track_free(t);

    assert_int_equal(mpk_keyframes_retime(kf, &added, 50, NULL), MPK_OK);
    print_message("keyframes: %.3f s -> %.3f s\n", before[4], mpk_keyframes_duration(kf));
    assert_float_equal(added, mpk_keyframes_duration(kf) - before[4], 1e-9);
    assert_true(added > 0);
    assert_int_equal(mpk_keyframes_sample(&t, kf, 50), MPK_OK);
    assert_int_equal(speed_errors(t), 0);
    mpk_track_free(t);
    /* The first segment was fine and keeps its length; the 0.1 s jump of 1.2 rad grew. */
    assert_float_equal(mpk_keyframes_time(kf, 1), before[1], 0);
    assert_true(mpk_keyframes_time(kf, 2) - mpk_keyframes_time(kf, 1) > 0.2);
    /* Times come out in whole milliseconds, written back into the file. */
    for (k = 0; k < 5; k++) {
        double ms = mpk_keyframes_time(kf, k) * 1000;
        assert_float_equal(ms, round(ms), 1e-6);
    }
    assert_int_equal(mpk_keyframes_serialize(&text, &size, kf), MPK_OK);
    assert_null(strstr(text, "0000000"));
    free(text);
    /* Once more: nothing to do. */
    assert_int_equal(mpk_keyframes_retime(kf, &again, 50, NULL), MPK_OK);
    assert_float_equal(again, 0, 0);
    mpk_keyframes_free(kf);
}

static void test_refusals(void **state)
{
    static const char *const joints[] = {"right_elbow"};
    mpk_track *t = NULL, *r = NULL;
    double added;

    (void)state;
    assert_int_equal(mpk_track_new(&t, "h1", 1, joints, 50, 10, 0), MPK_OK);
    assert_int_equal(mpk_track_retime(&r, &added, t, g1, NULL), MPK_EINVAL);
    assert_null(r);
    mpk_track_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_track),
        cmocka_unit_test(test_keyframes),
        cmocka_unit_test(test_refusals),
    };
    g1 = mpk_robot_find("g1-29dof");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
