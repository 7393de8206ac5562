/*
 * Forward kinematics (mpk_robot_fk) against poses computed by hand from the URDF numbers, for each
 * model: the zero pose (positions are sums of joint origins), single joints turned by 90 degrees,
 * the root pose, the standing pose, mirror symmetry, and bad arguments.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mpk/mpk.h"
#include "testutil.h"

#define TOL     1e-12
#define HALF_PI (M_PI / 2)

typedef struct pose {
    const mpk_robot_model *m;
    double q[MPK_ROBOT_MAX_JOINTS];
    double pos[MPK_ROBOT_MAX_LINKS * 3];
    double rot[MPK_ROBOT_MAX_LINKS * 9];
} pose;

static pose P; /* one pose at a time; static keeps cmocka's stack small */

/* Sets up P for model id with all joints zero, then the given JOINT, VALUE pairs (NULL ends). */
static void compute(const char *id, const double *root, ...)
{
    va_list ap;
    const char *name;

    memset(&P, 0, sizeof(P));
    P.m = mpk_robot_find(id);
    assert_non_null(P.m);
    va_start(ap, root);
    while ((name = va_arg(ap, const char *)) != NULL) {
        int j = mpk_robot_joint_index(P.m, name);
        if (j < 0)
            fail_msg("%s has no joint %s", id, name);
        P.q[j] = va_arg(ap, double);
    }
    va_end(ap);
    assert_int_equal(mpk_robot_fk(P.pos, P.rot, P.m, P.q, root), MPK_OK);
}

static const double *link_pos(const char *link)
{
    int l = mpk_robot_link_index(P.m, link);

    if (l < 0)
        fail_msg("%s has no link %s", P.m->id, link);
    return &P.pos[l * 3];
}

static const double *link_rot(const char *link)
{
    int l = mpk_robot_link_index(P.m, link);

    if (l < 0)
        fail_msg("%s has no link %s", P.m->id, link);
    return &P.rot[l * 9];
}

static void expect_pos(const char *link, double x, double y, double z)
{
    const double *p = link_pos(link);

    if (fabs(p[0] - x) > TOL || fabs(p[1] - y) > TOL || fabs(p[2] - z) > TOL)
        fail_msg("%s %s: at (%.15g, %.15g, %.15g), expected (%.15g, %.15g, %.15g)", P.m->id, link,
                 p[0], p[1], p[2], x, y, z);
}

/* Position of `link` relative to `from`, in world axes. */
static void expect_offset(const char *from, const char *link, double x, double y, double z)
{
    const double *a = link_pos(from), *b = link_pos(link);

    if (fabs(b[0] - a[0] - x) > TOL || fabs(b[1] - a[1] - y) > TOL || fabs(b[2] - a[2] - z) > TOL)
        fail_msg("%s %s - %s = (%.15g, %.15g, %.15g), expected (%.15g, %.15g, %.15g)", P.m->id,
                 link, from, b[0] - a[0], b[1] - a[1], b[2] - a[2], x, y, z);
}

/* Position of `link` relative to `from`, in the axes of `from`'s frame (its joint origin). */
static void expect_local_offset(const char *from, const char *link, double x, double y, double z)
{
    const double *a = link_pos(from), *b = link_pos(link), *r = link_rot(from);
    double d[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, local[3];

    for (int k = 0; k < 3; k++)
        local[k] = r[k] * d[0] + r[3 + k] * d[1] + r[6 + k] * d[2]; /* R^T d */
    if (fabs(local[0] - x) > TOL || fabs(local[1] - y) > TOL || fabs(local[2] - z) > TOL)
        fail_msg("%s %s in %s's frame: (%.15g, %.15g, %.15g), expected (%.15g, %.15g, %.15g)",
                 P.m->id, link, from, local[0], local[1], local[2], x, y, z);
}

static void expect_rot(const char *link, const double *want)
{
    const double *r = link_rot(link);

    for (int i = 0; i < 9; i++) {
        if (fabs(r[i] - want[i]) > TOL)
            fail_msg("%s %s: rotation[%d] = %.15g, expected %.15g", P.m->id, link, i, r[i],
                     want[i]);
    }
}

/* Rotations by 90 degrees, row-major, written out. */
static const double RY90[9] = {0, 0, 1, 0, 1, 0, -1, 0, 0};
static const double RZ90[9] = {0, -1, 0, 1, 0, 0, 0, 0, 1};
static const double RX90[9] = {1, 0, 0, 0, 0, -1, 0, 1, 0};
static const double IDENTITY[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};

static void test_g1_29dof(void **state)
{
    double c = cos(-0.1749), s = sin(-0.1749);

    compute("g1-29dof", NULL, NULL);
    expect_pos("pelvis", 0, 0, 0);
    expect_rot("pelvis", IDENTITY);
    expect_pos("left_hip_pitch_link", 0, 0.064452, -0.1027);
    expect_pos("right_hip_pitch_link", 0, -0.064452, -0.1027);
    expect_pos("left_hip_roll_link", 0, 0.064452 + 0.052, -0.1027 - 0.030465);
    /* hip_roll's origin is pitched by -0.1749 rad: Ry(t) (x, 0, z) = (x c + z s, 0, -x s + z c). */
    expect_offset("left_hip_roll_link", "left_hip_yaw_link", 0.025001 * c + -0.12412 * s, 0,
                  -0.025001 * s + -0.12412 * c);
    /* ...and the knee's origin pitches back by +0.1749: the shank frame is level again. */
    expect_rot("left_knee_link", IDENTITY);
    expect_offset("left_knee_link", "left_ankle_pitch_link", 0, -9.4445e-05, -0.30001);
    expect_offset("left_ankle_pitch_link", "left_ankle_roll_link", 0, 0, -0.017558);
    expect_pos("waist_yaw_link", 0, 0, 0);
    expect_pos("torso_link", -0.0039635, 0, 0.044);
    /* The arm hangs from a shoulder whose origin is rolled: compare in the elbow's frame. */
    expect_local_offset("left_elbow_link", "left_wrist_roll_link", 0.100, 0.00188791, -0.010);

    /* Knee bent 90 degrees about y: the shank swings back, the ankle ends up behind the knee. */
    compute("g1-29dof", NULL, "left_knee", HALF_PI, NULL);
    expect_rot("left_knee_link", RY90);
    expect_offset("left_knee_link", "left_ankle_pitch_link", -0.30001, -9.4445e-05, 0);
    expect_offset("left_knee_link", "left_ankle_roll_link", -0.30001 - 0.017558, -9.4445e-05, 0);
    expect_offset("right_knee_link", "right_ankle_pitch_link", 0, 9.4445e-05, -0.30001);

    /* Waist yaw 90 degrees: Rz(90) (x, y, z) = (-y, x, z). */
    compute("g1-29dof", NULL, "waist_yaw", HALF_PI, NULL);
    expect_rot("waist_yaw_link", RZ90);
    expect_pos("waist_roll_link", 0, -0.0039635, 0.044);
    expect_pos("left_hip_pitch_link", 0, 0.064452, -0.1027); /* legs do not turn with the waist */
}

static void test_g1_23dof(void **state)
{
    compute("g1-23dof", NULL, NULL);
    expect_pos("torso_link", -0.0039635, 0, 0.044);
    expect_pos("logo_link", 0, 0, 0);
    expect_local_offset("left_elbow_link", "left_wrist_roll_rubber_hand", 0.100, 0.00188791,
                        -0.010);
    /* The 23-DoF waist is one yaw joint straight to the torso; the logo rides on the torso. */
    compute("g1-23dof", NULL, "waist_yaw", HALF_PI, NULL);
    expect_pos("torso_link", -0.0039635, 0, 0.044);
    expect_rot("torso_link", RZ90);
    expect_pos("logo_link", -0.0039635, 0.0039635, 0);
    compute("g1-23dof", NULL, "right_knee", HALF_PI, NULL);
    expect_offset("right_knee_link", "right_ankle_pitch_link", -0.30001, 9.4445e-05, 0);
}

static void test_h1(void **state)
{
    compute("h1", NULL, NULL);
    expect_pos("left_hip_yaw_link", 0, 0.0875, -0.1742);
    expect_pos("left_ankle_link", 0.039468, 0.0875 + 0.11536, -0.1742 - 0.8);
    expect_pos("right_ankle_link", 0.039468, -0.0875 - 0.11536, -0.1742 - 0.8);
    expect_pos("left_shoulder_pitch_link", 0.0055, 0.15535, 0.42999);

    compute("h1", NULL, "left_knee", HALF_PI, NULL);
    expect_pos("left_knee_link", 0.039468, 0.20286, -0.5742);
    expect_pos("left_ankle_link", 0.039468 - 0.4, 0.20286, -0.5742);
    expect_rot("left_ankle_link", RY90);

    /* The torso turns the arms with it: Rz(90) (0.0055, 0.15535, 0.42999). */
    compute("h1", NULL, "torso", HALF_PI, NULL);
    expect_pos("left_shoulder_pitch_link", -0.15535, 0.0055, 0.42999);
    expect_pos("left_ankle_link", 0.039468, 0.20286, -0.9742);
}

static void test_h1_2(void **state)
{
    compute("h1-2", NULL, NULL);
    expect_pos("left_hip_pitch_link", 0, 0.0875 + 0.0755, -0.1632);
    expect_pos("left_ankle_roll_link", 0, 0.163, -0.1632 - 0.82);
    expect_pos("right_ankle_roll_link", 0, -0.163, -0.1632 - 0.82);
    expect_local_offset("left_elbow_link", "left_wrist_yaw_link", 0.121 + 0.087 + 0.020, -0.0329,
                        -0.011);

    /* Hip pitch -90 degrees lifts the straight leg forward: Ry(-90) (0, 0, -l) = (l, 0, 0). */
    compute("h1-2", NULL, "left_hip_pitch", -HALF_PI, NULL);
    expect_pos("left_knee_link", 0.4, 0.163, -0.1632);
    expect_pos("left_ankle_pitch_link", 0.8, 0.163, -0.1632);
    expect_pos("left_ankle_roll_link", 0.82, 0.163, -0.1632);
}

static void test_go2(void **state)
{
    double t = 0.67, k = 0.67 - 1.3, l = 0.213;

    compute("go2", NULL, NULL);
    expect_pos("base", 0, 0, 0);
    expect_pos("FL_hip", 0.1934, 0.0465, 0);
    expect_pos("FL_foot", 0.1934, 0.0465 + 0.0955, -2 * l);
    expect_pos("FR_foot", 0.1934, -0.0465 - 0.0955, -2 * l);
    expect_pos("RL_foot", -0.1934, 0.0465 + 0.0955, -2 * l);
    expect_pos("RR_foot", -0.1934, -0.0465 - 0.0955, -2 * l);

    /* Thigh 90 degrees about y: Ry(90) (0, 0, -l) = (-l, 0, 0), the leg points backwards. */
    compute("go2", NULL, "FL_thigh", HALF_PI, NULL);
    expect_pos("FL_calf", 0.1934 - l, 0.142, 0);
    expect_pos("FL_foot", 0.1934 - 2 * l, 0.142, 0);
    expect_rot("FL_foot", RY90);
    /* Hip 90 degrees about x: Rx(90) (x, y, z) = (x, -z, y); the leg sticks out sideways. */
    compute("go2", NULL, "FL_hip", HALF_PI, NULL);
    expect_pos("FL_thigh", 0.1934, 0.0465, 0.0955);
    expect_pos("FL_foot", 0.1934, 0.0465 + 2 * l, 0.0955);
    expect_rot("FL_thigh", RX90);

    /* Unitree's standing targets: thigh 0.67, calf -1.3; the foot is below the hip by
     * l cos(t) + l cos(t + k'), and the model's stand height puts the 22 mm foot sphere on the
     * ground. */
    compute("go2", NULL, "FL_thigh", t, "FL_calf", -1.3, "FR_thigh", t, "FR_calf", -1.3, "RL_thigh",
            t, "RL_calf", -1.3, "RR_thigh", t, "RR_calf", -1.3, NULL);
    expect_pos("FL_foot", 0.1934 - l * sin(t) - l * sin(k), 0.142, -l * cos(t) - l * cos(k));
    assert_float_equal(P.m->stand_height, l * cos(t) + l * cos(k) + 0.022, TOL);
}

static void test_b2(void **state)
{
    double y = 0.072 + 0.11973 - 8.6984e-05;

    compute("b2", NULL, NULL);
    expect_pos("base_link", 0, 0, 0);
    expect_pos("FL_thigh", 0.3285, 0.072 + 0.11973, 0);
    expect_pos("FL_foot", 0.3285, y, -0.7);
    expect_pos("RL_foot", -0.3285, y, -0.7);
    /* Calf -90 degrees: Ry(-90) (0, 0, -0.35) = (0.35, 0, 0), the shank points forwards. */
    compute("b2", NULL, "FL_calf", -HALF_PI, NULL);
    expect_pos("FL_calf", 0.3285, y, -0.35);
    expect_pos("FL_foot", 0.3285 + 0.35, y, -0.35);
    /* A fixed sensor frame with its own rpy (-1.5708 0 -1.5708) keeps its place on the body. */
    expect_pos("f_oc_link", 0.39079, 0, -0.013433);
}

/* The root pose moves and turns everything; quaternions need not be normalised. */
static void test_root(void **state)
{
    const double s = sin(M_PI / 4), c = cos(M_PI / 4);
    const double root[7] = {1, 2, 3, 0, 0, s, c}; /* yaw 90 degrees */
    const double scaled[7] = {1, 2, 3, 0, 0, 3 * s, 3 * c};
    const double pitch[7] = {0, 0, 0.5, 0, sin(M_PI / 4), 0, cos(M_PI / 4)};
    double pos2[MPK_ROBOT_MAX_LINKS * 3];

    compute("go2", root, NULL);
    expect_pos("base", 1, 2, 3);
    expect_rot("base", RZ90);
    expect_pos("FL_hip", 1 - 0.0465, 2 + 0.1934, 3);
    expect_pos("FL_foot", 1 - 0.142, 2 + 0.1934, 3 - 0.426);
    assert_int_equal(mpk_robot_fk(pos2, NULL, P.m, P.q, scaled), MPK_OK);
    for (int i = 0; i < P.m->link_count * 3; i++)
        assert_float_equal(pos2[i], P.pos[i], TOL);
    /* Pitched 90 degrees nose-down about y: Ry(90) (x, y, z) = (z, y, -x). */
    compute("h1", pitch, NULL);
    expect_pos("left_hip_yaw_link", -0.1742, 0.0875, 0.5);
}

/* In every model, a link whose chain has no origin rotation sits at the sum of the origins. */
static void test_zero_pose_sums(void **state)
{
    for (int mi = 0; mi < mpk_robot_count(); mi++) {
        const mpk_robot_model *m = mpk_robot_at(mi);
        int checked = 0;

        compute(m->id, NULL, NULL);
        for (int i = 1; i < m->link_count; i++) {
            double sum[3] = {0, 0, 0};
            int plain = 1;

            for (int l = i; l > 0; l = m->links[l].parent) {
                const mpk_link *k = &m->links[l];

                plain &= k->rpy[0] == 0 && k->rpy[1] == 0 && k->rpy[2] == 0;
                for (int d = 0; d < 3; d++)
                    sum[d] += k->xyz[d];
            }
            if (!plain)
                continue;
            checked++;
            expect_pos(m->links[i].name, sum[0], sum[1], sum[2]);
            expect_rot(m->links[i].name, IDENTITY);
        }
        if (checked < 8)
            fail_msg("%s: only %d links without origin rotations", m->id, checked);
    }
}

/* Random poses: rotations stay orthonormal with determinant 1, and rot == NULL changes nothing. */
static void test_rotations_and_null_rot(void **state)
{
    unsigned seed = 12345;
    double pos2[MPK_ROBOT_MAX_LINKS * 3];

    for (int mi = 0; mi < mpk_robot_count(); mi++) {
        const mpk_robot_model *m = mpk_robot_at(mi);

        memset(&P, 0, sizeof(P));
        P.m = m;
        for (int j = 0; j < m->joint_count; j++) {
            seed = seed * 1103515245u + 12345u;
            P.q[j] = m->joints[j].lower +
                     (m->joints[j].upper - m->joints[j].lower) * ((seed >> 8) & 0xffff) / 65535.0;
        }
        assert_int_equal(mpk_robot_fk(P.pos, P.rot, m, P.q, NULL), MPK_OK);
        assert_int_equal(mpk_robot_fk(pos2, NULL, m, P.q, NULL), MPK_OK);
        assert_memory_equal(pos2, P.pos, sizeof(double) * 3 * (size_t)m->link_count);
        for (int l = 0; l < m->link_count; l++) {
            const double *r = &P.rot[l * 9];
            double det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) +
                         r[2] * (r[3] * r[7] - r[4] * r[6]);

            assert_float_equal(det, 1, 1e-12);
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    double dot = r[a] * r[b] + r[3 + a] * r[3 + b] + r[6 + a] * r[6 + b];
                    assert_float_equal(dot, a == b ? 1 : 0, 1e-12);
                }
            }
        }
    }
}

/*
 * The mirror data and the kinematics agree: carrying a pose across with mirror/mirror_sign puts
 * every twin link at the mirror image (y -> -y) of the original, to within the URDFs' own
 * left/right asymmetries (a few tenths of a millimetre).
 */
static void test_mirror_symmetry(void **state)
{
    static double pos_a[MPK_ROBOT_MAX_LINKS * 3], pos_b[MPK_ROBOT_MAX_LINKS * 3];
    double qa[MPK_ROBOT_MAX_JOINTS], qb[MPK_ROBOT_MAX_JOINTS];
    unsigned seed = 777;

    for (int mi = 0; mi < mpk_robot_count(); mi++) {
        const mpk_robot_model *m = mpk_robot_at(mi);

        for (int trial = 0; trial < 5; trial++) {
            for (int j = 0; j < m->joint_count; j++) {
                seed = seed * 1103515245u + 12345u;
                qa[j] = m->joints[j].lower + (m->joints[j].upper - m->joints[j].lower) *
                                                 ((seed >> 8) & 0xffff) / 65535.0;
            }
            for (int j = 0; j < m->joint_count; j++)
                qb[m->joints[j].mirror] = m->joints[j].mirror_sign * qa[j];
            assert_int_equal(mpk_robot_fk(pos_a, NULL, m, qa, NULL), MPK_OK);
            assert_int_equal(mpk_robot_fk(pos_b, NULL, m, qb, NULL), MPK_OK);
            for (int j = 0; j < m->joint_count; j++) {
                const double *a = &pos_a[m->joints[j].link * 3];
                const double *b = &pos_b[m->joints[m->joints[j].mirror].link * 3];

                if (fabs(a[0] - b[0]) > 1e-3 || fabs(a[1] + b[1]) > 1e-3 ||
                    fabs(a[2] - b[2]) > 1e-3)
                    fail_msg("%s: %s at (%g, %g, %g), its mirror twin at (%g, %g, %g)", m->id,
                             m->joints[j].name, a[0], a[1], a[2], b[0], b[1], b[2]);
            }
        }
    }
}

static void test_bad_arguments(void **state)
{
    const mpk_robot_model *m = mpk_robot_find("g1-29dof");
    double pos[MPK_ROBOT_MAX_LINKS * 3], q[MPK_ROBOT_MAX_JOINTS] = {0};
    const double zero_quat[7] = {0, 0, 0, 0, 0, 0, 0};
    const double inf_root[7] = {INFINITY, 0, 0, 0, 0, 0, 1};

    for (int i = 0; i < MPK_ROBOT_MAX_LINKS * 3; i++)
        pos[i] = 42;
    assert_int_equal(mpk_robot_fk(pos, NULL, NULL, q, NULL), MPK_EINVAL);
    assert_int_equal(mpk_robot_fk(NULL, NULL, m, q, NULL), MPK_EINVAL);
    q[3] = NAN;
    mpk_error_clear();
    assert_int_equal(mpk_robot_fk(pos, NULL, m, q, NULL), MPK_EINVAL);
    assert_non_null(strstr(mpk_error_message(), "left_knee"));
    q[3] = 0;
    assert_int_equal(mpk_robot_fk(pos, NULL, m, q, zero_quat), MPK_EINVAL);
    assert_non_null(strstr(mpk_error_message(), "quaternion"));
    assert_int_equal(mpk_robot_fk(pos, NULL, m, q, inf_root), MPK_EINVAL);
    /* Outputs untouched on failure. */
    for (int i = 0; i < MPK_ROBOT_MAX_LINKS * 3; i++)
        assert_true(pos[i] == 42);
    /* q == NULL is the zero pose. */
    assert_int_equal(mpk_robot_fk(pos, NULL, m, NULL, NULL), MPK_OK);
    compute("g1-29dof", NULL, NULL);
    assert_memory_equal(pos, P.pos, sizeof(double) * 3 * (size_t)m->link_count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_g1_29dof),
        cmocka_unit_test(test_g1_23dof),
        cmocka_unit_test(test_h1),
        cmocka_unit_test(test_h1_2),
        cmocka_unit_test(test_go2),
        cmocka_unit_test(test_b2),
        cmocka_unit_test(test_root),
        cmocka_unit_test(test_zero_pose_sums),
        cmocka_unit_test(test_rotations_and_null_rot),
        cmocka_unit_test(test_mirror_symmetry),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
