/* Blends and stops: within limits, continuous at both ends, every joint arriving together. */
#include <math.h>
#include <string.h>

#include "rt_testlib.h"
#include "testutil.h"

/* Samples a blend finely and checks velocity and acceleration against the limits. */
static void check_blend(const motion_blend *b, const motion_limits *lim)
{
    double q[MOTION_MAX_JOINTS], dq[MOTION_MAX_JOINTS], pq[MOTION_MAX_JOINTS],
        pdq[MOTION_MAX_JOINTS];
    double T = b->duration, h = T / 2000.0;
    int j, i;

    motion_blend_eval(b, 0, q, dq);
    for (j = 0; j < b->joint_count; j++) {
        if (!b->active[j])
            continue;
        assert_true(fabs(q[j] - b->q0[j]) < 1e-12);
        assert_true(fabs(dq[j] - b->v0[j]) < 1e-12);
    }
    memcpy(pq, q, sizeof(q));
    memcpy(pdq, dq, sizeof(dq));
    for (i = 1; i <= 2000; i++) {
        motion_blend_eval(b, i * h, q, dq);
        for (j = 0; j < b->joint_count; j++) {
            double vallow, acc;
            if (!b->active[j])
                continue;
            double amax = fmax(lim->acceleration[j], fmax(b->acc0[j], b->acc1[j]));
            vallow = fmax(lim->velocity[j], 1.05 * fmax(fabs(b->v0[j]), fabs(b->v1[j])));
            assert_true(fabs(dq[j]) <= vallow * (1 + 1e-6));
            /* the planning acceleration, or the brake where a limit is near, never more */
            assert_true(amax <= fmax(lim->acceleration[j], lim->brake[j]));
            acc = fabs(dq[j] - pdq[j]) / h;
            assert_true(acc <= amax * (1 + 1e-3) + 1e-9);
            /* position follows velocity */
            assert_true(fabs(q[j] - pq[j] - 0.5 * (dq[j] + pdq[j]) * h) < amax * h * h + 1e-12);
        }
        memcpy(pq, q, sizeof(q));
        memcpy(pdq, dq, sizeof(dq));
    }
    /* Every active joint is exactly on its target at the one common end. */
    motion_blend_eval(b, T, q, dq);
    for (j = 0; j < b->joint_count; j++) {
        if (!b->active[j])
            continue;
        assert_true(q[j] == b->q1[j]);
        assert_true(dq[j] == b->v1[j]);
    }
}

static void blends_respect_limits(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    motion_limits lim;
    motion_blend b;
    double q0[MOTION_MAX_JOINTS], v0[MOTION_MAX_JOINTS], q1[MOTION_MAX_JOINTS],
        v1[MOTION_MAX_JOINTS];
    uint8_t mask[MOTION_MAX_JOINTS];
    rt_rng rng;
    int trial, j;

    rt_seed(&rng, 21);
    motion_limits_from_model(&lim, m, 0.1, 0.1);
    for (trial = 0; trial < 300; trial++) {
        double dt = 1.0 / rt_uniform(&rng, 50, 1000), vr, ar;
        for (j = 0; j < m->joint_count; j++) {
            const mpk_joint *jt = &m->joints[j];
            mask[j] = rt_int(&rng, 0, 4) != 0;
            q0[j] = rt_uniform(&rng, jt->lower, jt->upper);
            q1[j] = rt_uniform(&rng, jt->lower, jt->upper);
            v0[j] = trial % 3 == 0 ? 0 : rt_uniform(&rng, -1, 1) * lim.velocity[j];
            v1[j] = trial % 2 == 0 ? 0 : rt_uniform(&rng, -0.5, 0.5) * lim.velocity[j];
        }
        assert_int_equal(motion_blend_plan(&b, mask, q0, v0, q1, v1, &lim, 0, dt), MOTION_OK);
        assert_true(b.duration > 0);
        /* whole ticks */
        assert_true(fabs(b.duration / dt - llround(b.duration / dt)) < 1e-6);
        for (j = 0; j < m->joint_count; j++)
            assert_int_equal(b.active[j], mask[j]);
        motion_blend_peaks(&b, &lim, &vr, &ar);
        for (j = 0; j < m->joint_count; j++)
            if (b.active[j] && b.acc0[j] <= lim.acceleration[j] && b.acc1[j] <= lim.acceleration[j])
                continue;
            else if (b.active[j])
                break;
        if (j == m->joint_count) /* no joint had to brake: all within the planning limits */
            assert_true(ar <= 1.0 + 1e-6);
        check_blend(&b, &lim);
    }
}

/* From rest to rest the duration is the textbook cubic's, a few per cent and a tick at most. */
static void rest_to_rest_duration(void **state)
{
    const mpk_robot_model *m = rt_model("h1");
    motion_limits lim;
    motion_blend b;
    double q0[MOTION_MAX_JOINTS] = {0}, q1[MOTION_MAX_JOINTS] = {0};
    uint8_t mask[MOTION_MAX_JOINTS] = {0};
    int j = mpk_robot_joint_index(m, "left_elbow");
    double d = 1.2, expect, dt = 0.002;

    motion_limits_from_model(&lim, m, 0.2, 0.1);
    mask[j] = 1;
    q1[j] = d;
    assert_int_equal(motion_blend_plan(&b, mask, q0, NULL, q1, NULL, &lim, 0, dt), MOTION_OK);
    expect = fmax(1.5 * d / lim.velocity[j], sqrt(6 * d / lim.acceleration[j]));
    assert_true(b.duration >= expect - 1e-9);
    assert_true(b.duration <= expect * 1.05 + dt);
    /* a minimum duration is honoured */
    assert_int_equal(motion_blend_plan(&b, mask, q0, NULL, q1, NULL, &lim, 7.0, dt), MOTION_OK);
    assert_true(fabs(b.duration - 7.0) < 1e-9);
    /* nothing to do: zero duration, target returned */
    assert_int_equal(motion_blend_plan(&b, mask, q0, NULL, q0, NULL, &lim, 0, dt), MOTION_OK);
    assert_true(b.duration == 0);
}

/* A joint running toward its limit brakes harder rather than cross it, if its default
 * acceleration allows; the others keep the gentle planning acceleration. */
static void blend_brakes_before_limits(void **state)
{
    const mpk_robot_model *m = rt_model("h1");
    motion_limits lim;
    motion_blend b;
    double q0[MOTION_MAX_JOINTS] = {0}, v0[MOTION_MAX_JOINTS] = {0}, q1[MOTION_MAX_JOINTS] = {0};
    double q[MOTION_MAX_JOINTS], dq[MOTION_MAX_JOINTS];
    uint8_t mask[MOTION_MAX_JOINTS] = {0};
    int j = mpk_robot_joint_index(m, "right_shoulder_roll"),
        k = mpk_robot_joint_index(m, "left_elbow");
    int i;

    motion_limits_from_model(&lim, m, 0.1, 0.1);
    mask[j] = mask[k] = 1;
    q0[j] = m->joints[j].upper - 0.2; /* 0.2 rad from the limit, moving at it at 1.7 rad/s */
    v0[j] = 1.7;
    q1[j] = m->joints[j].upper - 1.5;
    q0[k] = q1[k] = 0.5;
    v0[k] = -0.5;
    assert_int_equal(motion_blend_plan(&b, mask, q0, v0, q1, NULL, &lim, 0, 0.002), MOTION_OK);
    assert_true(b.acc0[j] > lim.acceleration[j]);
    assert_true(fabs(b.acc0[k] - lim.acceleration[k]) < 1e-12);
    for (i = 0; i <= 1000; i++) {
        motion_blend_eval(&b, b.duration * i / 1000.0, q, dq);
        assert_true(q[j] <= m->joints[j].upper - lim.margin + 1e-9);
    }
    check_blend(&b, &lim);
}

static void blend_rejects_nan(void **state)
{
    const mpk_robot_model *m = rt_model("go2");
    motion_limits lim;
    motion_blend b;
    double q0[MOTION_MAX_JOINTS] = {0}, q1[MOTION_MAX_JOINTS] = {0};

    motion_limits_from_model(&lim, m, 0.1, 0.1);
    q1[3] = NAN;
    assert_int_equal(motion_blend_plan(&b, NULL, q0, NULL, q1, NULL, &lim, 0, 0.002),
                     MOTION_EINVAL);
    q1[3] = 0;
    assert_int_equal(motion_blend_plan(&b, NULL, q0, NULL, q1, NULL, &lim, -1, 0.002),
                     MOTION_EINVAL);
}

static void stops_decelerate_within_limits(void **state)
{
    const mpk_robot_model *m = rt_model("g1-23dof");
    motion_limits lim;
    motion_stop s;
    double q0[MOTION_MAX_JOINTS], v0[MOTION_MAX_JOINTS], q[MOTION_MAX_JOINTS],
        dq[MOTION_MAX_JOINTS], pdq[MOTION_MAX_JOINTS], expect = 0;
    rt_rng rng;
    int j, i;

    rt_seed(&rng, 4);
    motion_limits_from_model(&lim, m, 1.0, 0.25);
    for (j = 0; j < m->joint_count; j++) {
        q0[j] = m->joints[j].stand;
        v0[j] = rt_uniform(&rng, -3, 3);
        expect = fmax(expect, fabs(v0[j]) / lim.acceleration[j]);
    }
    motion_stop_plan(&s, NULL, q0, v0, &lim);
    assert_true(fabs(s.duration - expect) < 1e-12);
    motion_stop_eval(&s, 0, q, pdq);
    for (j = 0; j < m->joint_count; j++)
        assert_true(pdq[j] == v0[j] && q[j] == q0[j]);
    for (i = 1; i <= 1000; i++) {
        double t = s.duration * 1.2 * i / 1000.0, h = s.duration * 1.2 / 1000.0;
        motion_stop_eval(&s, t, q, dq);
        for (j = 0; j < m->joint_count; j++) {
            assert_true(fabs(dq[j] - pdq[j]) <= lim.acceleration[j] * h * (1 + 1e-9) + 1e-12);
            assert_true(fabs(dq[j]) <= fabs(v0[j]) + 1e-12); /* only slows down */
            assert_true(dq[j] * v0[j] >= 0);                 /* never reverses */
        }
        memcpy(pdq, dq, sizeof(dq));
    }
    motion_stop_eval(&s, s.duration, q, dq);
    for (j = 0; j < m->joint_count; j++) {
        double travel = v0[j] * fabs(v0[j]) / (2 * lim.acceleration[j]);
        assert_true(dq[j] == 0);
        assert_true(fabs(q[j] - (q0[j] + travel)) < 1e-12);
    }
}

static void smoothstep_shape(void **state)
{
    double d;

    assert_true(motion_smoothstep(0, &d) == 0 && d == 0);
    assert_true(motion_smoothstep(1, &d) == 1 && d == 0);
    assert_true(fabs(motion_smoothstep(0.5, &d) - 0.5) < 1e-15 && fabs(d - 1.5) < 1e-15);
    assert_true(motion_smoothstep(-3, NULL) == 0 && motion_smoothstep(7, NULL) == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blends_respect_limits),          cmocka_unit_test(rest_to_rest_duration),
        cmocka_unit_test(blend_brakes_before_limits),     cmocka_unit_test(blend_rejects_nan),
        cmocka_unit_test(stops_decelerate_within_limits), cmocka_unit_test(smoothstep_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
