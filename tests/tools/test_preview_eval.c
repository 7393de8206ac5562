/* mpk-preview's view of a motion as the robot plays it: the blend-in from the standing pose, the
 * track between its frames, the root trajectory, limit grades, and loading errors. */
#include "preview_testlib.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "eval.h"
#include "pose.h"

static void test_blend_in_from_standing(void **state)
{
    preview_source *src =
        pt_source("t", "m", pt_track("g1-29dof", 2.0, 50, false, NULL, 0, NULL), NULL);
    const preview_motion *m = &src->motions[0];
    const mpk_robot_model *model = m->model;
    const float *first = mpk_track_positions_const(m->track);
    double q[64], prev[64], dt = 0.002, t;
    preview_eval ev;
    int j;

    assert_int_equal(preview_eval_init(&ev, m, true, PREVIEW_MODE_AUTO), MPK_OK);
    /* The wave's first frame differs from standing, so there is a blend-in before time 0. */
    assert_true(ev.blend > 0.1);
    assert_true(preview_eval_start(&ev) == -ev.blend);
    preview_eval_pose(&ev, -ev.blend, q, NULL);
    for (j = 0; j < model->joint_count; j++)
        assert_true(fabs(q[j] - model->joints[j].stand) < 1e-6);
    preview_eval_pose(&ev, 0.0, q, NULL);
    for (j = 0; j < model->joint_count; j++)
        assert_true(fabs(q[j] - first[m->model_joint[j]]) < 1e-6);
    /* Every joint within its velocity limit all the way (no step, ever). */
    preview_eval_pose(&ev, -ev.blend, prev, NULL);
    for (t = -ev.blend + dt; t <= 0; t += dt) {
        preview_eval_pose(&ev, t, q, NULL);
        for (j = 0; j < model->joint_count; j++)
            assert_true(fabs(q[j] - prev[j]) / dt <= model->joints[j].velocity * 1.001);
        memcpy(prev, q, sizeof(q));
    }
    preview_eval_free(&ev);

    /* Without the blend-in the timeline starts at the first frame. */
    assert_int_equal(preview_eval_init(&ev, m, false, PREVIEW_MODE_AUTO), MPK_OK);
    assert_true(ev.blend == 0 && preview_eval_start(&ev) == 0);
    preview_eval_free(&ev);
    preview_source_free(src);
}

static void test_track_between_frames(void **state)
{
    preview_source *src =
        pt_source("t", "m", pt_track("g1-29dof", 2.0, 50, false, NULL, 0, NULL), NULL);
    const preview_motion *m = &src->motions[0];
    const float *p = mpk_track_positions_const(m->track);
    int nj = mpk_track_joint_count(m->track), elbow = mpk_robot_joint_index(m->model, "left_elbow");
    preview_eval ev;
    double q[64];
    uint32_t f;

    assert_int_equal(preview_eval_init(&ev, m, true, PREVIEW_MODE_AUTO), MPK_OK);
    /* Frames are hit exactly (within the float table), and between frames the curve stays
     * between its neighbours' range. */
    for (f = 0; f < mpk_track_frame_count(m->track); f += 7) {
        preview_eval_pose(&ev, f / 50.0, q, NULL);
        assert_true(fabs(q[elbow] - p[f * nj + elbow]) < 1e-5);
        assert_true(fabs(preview_eval_joint(&ev, f / 50.0, elbow) - q[elbow]) < 1e-9);
    }
    /* Outside the timeline, time is clamped. */
    preview_eval_pose(&ev, 99.0, q, NULL);
    assert_true(fabs(q[elbow] - p[(mpk_track_frame_count(m->track) - 1) * nj + elbow]) < 1e-5);
    preview_eval_free(&ev);
    preview_source_free(src);
}

static void test_root_trajectory_applied(void **state)
{
    preview_source *src =
        pt_source("t", "m", pt_track("g1-29dof", 2.0, 50, true, NULL, 0, NULL), NULL);
    const preview_motion *m = &src->motions[0];
    preview_eval ev;
    preview_pose pose = {0};

    assert_true(m->has_root);
    assert_int_equal(preview_eval_init(&ev, m, true, PREVIEW_MODE_AUTO), MPK_OK);
    assert_int_equal(preview_pose_init(&pose, m->model), MPK_OK);
    /* The track walks 0.5 m forward over 2 s: the pelvis (link 0) is where the root says. */
    assert_int_equal(preview_pose_update(&pose, &ev, 1.0), MPK_OK);
    assert_true(fabs(pose.pos[0] - 0.25) < 1e-6);
    assert_true(fabs(pose.pos[2] - m->model->stand_height) < 1e-6);
    assert_int_equal(preview_pose_update(&pose, &ev, 2.0), MPK_OK);
    assert_true(fabs(pose.pos[0] - 0.5) < 1e-6);
    /* During the blend-in the robot stands where the motion starts. */
    assert_int_equal(preview_pose_update(&pose, &ev, -ev.blend / 2), MPK_OK);
    assert_true(fabs(pose.pos[0]) < 1e-6);
    preview_pose_free(&pose);
    preview_eval_free(&ev);
    preview_source_free(src);

    /* Without a root trajectory the robot stands at the origin at its standing height. */
    src = pt_source("t", "m", pt_track("go2", 1.0, 50, false, NULL, 0, NULL), NULL);
    assert_int_equal(preview_eval_init(&ev, &src->motions[0], true, PREVIEW_MODE_AUTO), MPK_OK);
    assert_int_equal(preview_pose_init(&pose, src->motions[0].model), MPK_OK);
    assert_int_equal(preview_pose_update(&pose, &ev, 0.5), MPK_OK);
    assert_true(pose.pos[0] == 0 && pose.pos[1] == 0);
    assert_true(fabs(pose.pos[2] - src->motions[0].model->stand_height) < 1e-9);
    preview_pose_free(&pose);
    preview_eval_free(&ev);
    preview_source_free(src);
}

static void test_limit_grades(void **state)
{
    const mpk_robot_model *m = mpk_robot_find("g1-29dof");
    const mpk_joint *knee = &m->joints[mpk_robot_joint_index(m, "left_knee")];
    double range = knee->upper - knee->lower;
    preview_source *src;
    preview_eval ev;
    preview_pose pose = {0};
    int elbow;

    assert_int_equal(preview_limit_status(knee, (knee->lower + knee->upper) / 2), PREVIEW_LIMIT_OK);
    assert_int_equal(preview_limit_status(knee, knee->upper - 0.01 * range), PREVIEW_LIMIT_NEAR);
    assert_int_equal(preview_limit_status(knee, knee->lower + 0.01 * range), PREVIEW_LIMIT_NEAR);
    assert_int_equal(preview_limit_status(knee, knee->upper), PREVIEW_LIMIT_NEAR);
    assert_int_equal(preview_limit_status(knee, knee->upper + 1e-3), PREVIEW_LIMIT_OVER);
    assert_int_equal(preview_limit_status(knee, knee->lower - 1e-3), PREVIEW_LIMIT_OVER);

    src = pt_source("t", "m", pt_track("g1-29dof", 2.0, 50, false, "left_elbow", 1.0, NULL), NULL);
    elbow = mpk_robot_joint_index(m, "left_elbow");
    assert_int_equal(preview_eval_init(&ev, &src->motions[0], true, PREVIEW_MODE_AUTO), MPK_OK);
    assert_int_equal(preview_pose_init(&pose, m), MPK_OK);
    assert_int_equal(preview_pose_update(&pose, &ev, 0.5), MPK_OK);
    assert_int_equal(pose.worst, PREVIEW_LIMIT_OK);
    assert_int_equal(preview_pose_update(&pose, &ev, 1.5), MPK_OK);
    assert_int_equal(pose.worst, PREVIEW_LIMIT_OVER);
    assert_int_equal(pose.joint_status[elbow], PREVIEW_LIMIT_OVER);
    /* The link the elbow moves, and the fixed links after it, carry its grade. */
    assert_int_equal(pose.link_status[m->joints[elbow].link], PREVIEW_LIMIT_OVER);
    preview_pose_free(&pose);
    preview_eval_free(&ev);
    preview_source_free(src);
}

static void test_bad_tracks(void **state)
{
    const char *names[] = {"left_elbow", "no_such_joint"};
    preview_source *src;
    mpk_track *t;

    assert_int_equal(preview_source_new(&src, "bad"), MPK_OK);
    assert_int_equal(mpk_track_new(&t, "g1-29dof", 2, names, 50, 10, 0), MPK_OK);
    assert_int_equal(preview_source_add(src, "wave", t), MPK_EFORMAT);
    assert_non_null(strstr(preview_error_message(), "motion 'wave'"));
    assert_non_null(strstr(preview_error_message(), "no_such_joint"));

    assert_int_equal(mpk_track_new(&t, "g1-29dof", 1, names, 50, 10, 0), MPK_OK);
    mpk_track_positions(t)[7] = NAN;
    assert_int_equal(preview_source_add(src, "wave", t), MPK_EFORMAT);
    assert_non_null(strstr(preview_error_message(), "frame 7"));
    assert_int_equal(src->motion_count, 0);
    preview_source_free(src);
}

static void test_open_errors(void **state)
{
    preview_source *src = NULL;
    char *dir = ms_tmpdir("preview-open"), *junk = ms_join(dir, "junk.mpk");

    assert_int_equal(preview_source_open(&src, "/nonexistent/wave.mpk"), MPK_ENOTFOUND);
    assert_non_null(strstr(preview_error_message(), "/nonexistent/wave.mpk"));
    ms_write(junk, "not a zip", 9);
    assert_int_not_equal(preview_source_open(&src, junk), MPK_OK);
    assert_non_null(strstr(preview_error_message(), "junk.mpk"));
    assert_null(src);
    ms_rm_rf(dir);
    free(junk);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blend_in_from_standing),
        cmocka_unit_test(test_track_between_frames),
        cmocka_unit_test(test_root_trajectory_applied),
        cmocka_unit_test(test_limit_grades),
        cmocka_unit_test(test_bad_tracks),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
