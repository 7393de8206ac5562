/*
 * Robot models: the generated table against the URDFs (read here with libxml2, independently of
 * tools/robotgen), the motor-slot facts of Unitree's documentation, mirrors, gains and lookups.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "mpk/mpk.h"
#include "testutil.h"

static const char *const model_ids[] = {"g1-29dof", "g1-23dof", "h1", "h1-2", "go2", "b2"};
#define MODEL_COUNT 6

/* ---------- an independent URDF reader: just what the comparison needs ---------- */

typedef struct ujoint {
    char name[128], type[32], parent[128], child[128];
    char xyz[128], rpy[128], axis[128];
    char lower[64], upper[64], velocity[64], effort[64];
} ujoint;

typedef struct udoc {
    int nlinks, njoints;
    char links[64][128];
    ujoint joints[64];
} udoc;

static void copy_prop(char *dst, size_t size, xmlNode *n, const char *name)
{
    xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;

    snprintf(dst, size, "%s", v ? (const char *)v : "");
    xmlFree(v);
}

static xmlNode *child_named(xmlNode *n, const char *name)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    }
    return NULL;
}

static udoc *read_urdf(const char *file)
{
    char *path = ms_fmt("%s/tools/robotgen/urdf/%s", ms_env("MS_SOURCE_DIR"), file);
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    udoc *u = calloc(1, sizeof(*u));

    assert_non_null(doc);
    assert_non_null(u);
    for (xmlNode *n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, "link") == 0) {
            assert_true(u->nlinks < 64);
            copy_prop(u->links[u->nlinks++], 128, n, "name");
        } else if (strcmp((const char *)n->name, "joint") == 0) {
            ujoint *j = &u->joints[u->njoints++];
            xmlNode *o = child_named(n, "origin"), *l = child_named(n, "limit");

            assert_true(u->njoints <= 64);
            copy_prop(j->name, sizeof(j->name), n, "name");
            copy_prop(j->type, sizeof(j->type), n, "type");
            copy_prop(j->parent, sizeof(j->parent), child_named(n, "parent"), "link");
            copy_prop(j->child, sizeof(j->child), child_named(n, "child"), "link");
            copy_prop(j->xyz, sizeof(j->xyz), o, "xyz");
            copy_prop(j->rpy, sizeof(j->rpy), o, "rpy");
            copy_prop(j->axis, sizeof(j->axis), child_named(n, "axis"), "xyz");
            copy_prop(j->lower, sizeof(j->lower), l, "lower");
            copy_prop(j->upper, sizeof(j->upper), l, "upper");
            copy_prop(j->velocity, sizeof(j->velocity), l, "velocity");
            copy_prop(j->effort, sizeof(j->effort), l, "effort");
        }
    }
    xmlFreeDoc(doc);
    free(path);
    return u;
}

static const ujoint *urdf_joint(const udoc *u, const char *name)
{
    for (int i = 0; i < u->njoints; i++) {
        if (strcmp(u->joints[i].name, name) == 0)
            return &u->joints[i];
    }
    return NULL;
}

/* "a b c" (empty: the URDF default) into three doubles. */
static void three(double *out, const char *text, double d0)
{
    if (!*text) {
        out[0] = d0;
        out[1] = out[2] = 0;
        return;
    }
    assert_int_equal(sscanf(text, "%lf %lf %lf", &out[0], &out[1], &out[2]), 3);
}

/* ---------- tests ---------- */

static void test_lookup(void **state)
{
    assert_int_equal(mpk_robot_count(), MODEL_COUNT);
    for (int i = 0; i < MODEL_COUNT; i++) {
        assert_string_equal(mpk_robot_at(i)->id, model_ids[i]);
        assert_ptr_equal(mpk_robot_find(model_ids[i]), mpk_robot_at(i));
    }
    assert_null(mpk_robot_at(-1));
    assert_null(mpk_robot_at(MODEL_COUNT));
    mpk_error_clear();
    assert_null(mpk_robot_find("g1"));
    assert_non_null(strstr(mpk_error_message(), "unknown robot model 'g1'"));
    assert_non_null(strstr(mpk_error_message(), "g1-29dof, g1-23dof, h1, h1-2, go2, b2"));
    assert_null(mpk_robot_find(NULL));

    const mpk_robot_model *g1 = mpk_robot_find("g1-29dof");
    assert_int_equal(mpk_robot_joint_index(g1, "left_hip_pitch"), 0);
    assert_int_equal(mpk_robot_joint_index(g1, "right_wrist_yaw"), 28);
    assert_int_equal(mpk_robot_joint_index(g1, "left_hip_pitch_joint"), -1);
    assert_int_equal(mpk_robot_joint_index(g1, "nope"), -1);
    assert_int_equal(mpk_robot_joint_index(NULL, "torso"), -1);
    assert_int_equal(mpk_robot_joint_index(g1, NULL), -1);
    assert_int_equal(mpk_robot_link_index(g1, "pelvis"), 0);
    assert_string_equal(g1->links[mpk_robot_link_index(g1, "torso_link")].name, "torso_link");
    assert_int_equal(mpk_robot_link_index(g1, "left_hip_pitch"), -1);
}

/* Every actuated joint and every link of the table against its URDF. */
static void test_matches_urdf(void **state)
{
    for (int mi = 0; mi < MODEL_COUNT; mi++) {
        const mpk_robot_model *m = mpk_robot_at(mi);
        udoc *u = read_urdf(m->urdf);
        int revolute = 0;

        assert_true(m->joint_count <= MPK_ROBOT_MAX_JOINTS);
        assert_true(m->link_count <= MPK_ROBOT_MAX_LINKS);
        for (int i = 0; i < u->njoints; i++)
            revolute += strcmp(u->joints[i].type, "revolute") == 0;
        assert_int_equal(m->joint_count, revolute);
        for (int i = 0; i < m->joint_count; i++) {
            const mpk_joint *j = &m->joints[i];
            char *full = ms_fmt("%s_joint", j->name);
            const ujoint *uj = urdf_joint(u, full);

            if (!uj) {
                fail_msg("%s: joint %s not in %s", m->id, full, m->urdf);
                return;
            }
            assert_string_equal(uj->type, "revolute");
            /* The table keeps the URDF's decimals exactly (shortest round trip). */
            assert_true(j->lower == strtod(uj->lower, NULL));
            assert_true(j->upper == strtod(uj->upper, NULL));
            assert_true(j->velocity == strtod(uj->velocity, NULL));
            assert_true(j->effort == strtod(uj->effort, NULL));
            assert_string_equal(m->links[j->link].name, uj->child);
            assert_string_equal(m->links[j->link].joint, full);
            assert_int_equal(m->links[j->link].joint_index, i);
            free(full);
        }
        /* The tree: every URDF link once, parents first, each with its joint's origin and axis. */
        assert_int_equal(m->link_count, u->nlinks);
        assert_int_equal(m->links[0].parent, -1);
        assert_null(m->links[0].joint);
        for (int i = 0; i < u->nlinks; i++)
            assert_true(mpk_robot_link_index(m, u->links[i]) >= 0);
        for (int i = 1; i < m->link_count; i++) {
            const mpk_link *l = &m->links[i];
            const ujoint *uj = urdf_joint(u, l->joint);
            double xyz[3], rpy[3], axis[3];

            if (!uj) {
                fail_msg("%s: joint %s not in %s", m->id, l->joint, m->urdf);
                return;
            }
            assert_true(l->parent >= 0 && l->parent < i);
            assert_string_equal(m->links[l->parent].name, uj->parent);
            assert_string_equal(l->name, uj->child);
            assert_int_equal(l->type, (strcmp(uj->type, "revolute") == 0 ? MPK_JOINT_REVOLUTE
                                                                         : MPK_JOINT_FIXED));
            three(xyz, uj->xyz, 0);
            three(rpy, uj->rpy, 0);
            for (int k = 0; k < 3; k++) {
                assert_true(l->xyz[k] == xyz[k]);
                assert_true(l->rpy[k] == rpy[k]);
            }
            if (l->type == MPK_JOINT_REVOLUTE) {
                three(axis, uj->axis, 1);
                for (int k = 0; k < 3; k++)
                    assert_float_equal(l->axis[k], axis[k], 1e-15);
                assert_true(l->joint_index >= 0);
            } else {
                assert_int_equal(l->joint_index, -1);
                assert_true(l->axis[0] == 0 && l->axis[1] == 0 && l->axis[2] == 0);
            }
        }
        free(u);
    }
}

static void expect_slots(const mpk_robot_model *m, const char *const *names, const int *slots,
                         int n)
{
    for (int i = 0; i < n; i++) {
        int j = mpk_robot_joint_index(m, names[i]);

        if (j < 0)
            fail_msg("%s: no joint %s", m->id, names[i]);
        if (m->joints[j].motor != slots[i])
            fail_msg("%s: %s in slot %d, expected %d", m->id, names[i], m->joints[j].motor,
                     slots[i]);
    }
}

static int slot_used(const mpk_robot_model *m, int slot)
{
    for (int i = 0; i < m->joint_count; i++) {
        if (m->joints[i].motor == slot)
            return 1;
    }
    return 0;
}

/* Facts from Unitree's documentation (../shared/robots/README.md, ../shared/unitree-dds). */
static void test_motor_slots(void **state)
{
    const mpk_robot_model *g29 = mpk_robot_find("g1-29dof"), *g23 = mpk_robot_find("g1-23dof");
    const mpk_robot_model *h1 = mpk_robot_find("h1"), *h12 = mpk_robot_find("h1-2");
    const mpk_robot_model *go2 = mpk_robot_find("go2"), *b2 = mpk_robot_find("b2");

    for (int mi = 0; mi < MODEL_COUNT; mi++) {
        const mpk_robot_model *m = mpk_robot_at(mi);

        assert_int_equal(m->motor_slots, m->family == MPK_DDS_HG ? 35 : 20);
        for (int i = 0; i < m->joint_count; i++) {
            assert_true(m->joints[i].motor >= 0 && m->joints[i].motor < m->motor_slots);
            assert_int_not_equal(m->joints[i].motor, m->weight_slot);
            /* SDK motor order: joints[] sorted by slot, no slot twice. */
            if (i > 0)
                assert_true(m->joints[i].motor > m->joints[i - 1].motor);
        }
    }
    assert_int_equal(g29->family, MPK_DDS_HG);
    assert_int_equal(g29->joint_count, 29);
    assert_int_equal(g29->weight_slot, 29);
    assert_int_equal(g29->mode_machine, 5);
    for (int s = 0; s < 29; s++)
        assert_true(slot_used(g29, s));
    {
        const char *n[] = {"left_hip_pitch", "left_ankle_roll",      "right_hip_pitch",
                           "waist_yaw",      "waist_pitch",          "left_shoulder_pitch",
                           "left_wrist_yaw", "right_shoulder_pitch", "right_wrist_yaw"};
        const int s[] = {0, 5, 6, 12, 14, 15, 21, 22, 28};
        expect_slots(g29, n, s, 9);
        expect_slots(g23, n, s, 4); /* the 23-DoF G1 keeps the 29-slot layout */
    }
    assert_int_equal(g23->joint_count, 23);
    assert_int_equal(g23->weight_slot, 29);
    assert_int_equal(g23->mode_machine, 4);
    for (int s = 0; s < 29; s++) {
        int unused = s == 13 || s == 14 || s == 20 || s == 21 || s == 27 || s == 28;
        assert_int_equal(slot_used(g23, s), (!unused));
    }
    {
        const char *n[] = {"left_shoulder_pitch", "left_wrist_roll", "right_shoulder_pitch",
                           "right_wrist_roll"};
        const int s[] = {15, 19, 22, 26};
        expect_slots(g23, n, s, 4);
    }
    /* H1: SDK order differs from the URDF's; slot 9 unused and carries the arm_sdk weight. */
    assert_int_equal(h1->family, MPK_DDS_GO);
    assert_int_equal(h1->joint_count, 19);
    assert_int_equal(h1->weight_slot, 9);
    assert_false(slot_used(h1, 9));
    {
        const char *n[] = {"right_hip_roll", "right_hip_pitch",     "right_knee",
                           "left_hip_roll",  "left_hip_pitch",      "left_knee",
                           "torso",          "left_hip_yaw",        "right_hip_yaw",
                           "left_ankle",     "right_ankle",         "right_shoulder_pitch",
                           "right_elbow",    "left_shoulder_pitch", "left_elbow"};
        const int s[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 15, 16, 19};
        expect_slots(h1, n, s, 15);
    }
    assert_int_equal(h12->family, MPK_DDS_HG);
    assert_int_equal(h12->joint_count, 27);
    assert_int_equal(h12->weight_slot, 27);
    {
        const char *n[] = {"left_hip_yaw",        "left_hip_pitch", "left_hip_roll",
                           "left_ankle_roll",     "right_hip_yaw",  "torso",
                           "left_shoulder_pitch", "left_wrist_yaw", "right_shoulder_pitch",
                           "right_wrist_yaw"};
        const int s[] = {0, 1, 2, 5, 6, 12, 13, 19, 20, 26};
        expect_slots(h12, n, s, 10);
    }
    /* Quadrupeds: SDK order FR, FL, RR, RL while the URDF lists FL first; no arm_sdk. */
    {
        const char *n[] = {"FR_hip", "FR_thigh", "FR_calf", "FL_hip", "FL_calf",
                           "RR_hip", "RR_calf",  "RL_hip",  "RL_calf"};
        const int s[] = {0, 1, 2, 3, 5, 6, 8, 9, 11};
        expect_slots(go2, n, s, 9);
        expect_slots(b2, n, s, 9);
    }
    for (const mpk_robot_model *q = go2; q; q = q == go2 ? b2 : NULL) {
        assert_int_equal(q->family, MPK_DDS_GO);
        assert_int_equal(q->joint_count, 12);
        assert_int_equal(q->weight_slot, -1);
        assert_false(q->humanoid);
        assert_string_equal(q->links[q->joints[0].link].name, "FR_hip");
    }
    assert_true(g29->humanoid && g23->humanoid && h1->humanoid && h12->humanoid);
}

/* Gains, periods and motor modes of Unitree's low-level examples; the standing pose. */
static void test_defaults(void **state)
{
    const mpk_robot_model *g29 = mpk_robot_find("g1-29dof"), *h1 = mpk_robot_find("h1");
    const mpk_robot_model *h12 = mpk_robot_find("h1-2"), *go2 = mpk_robot_find("go2");
    const mpk_robot_model *b2 = mpk_robot_find("b2");
    const double g1_kp[15] = {60, 60, 60, 100, 40, 40, 60, 60, 60, 100, 40, 40, 60, 40, 40};

    for (int i = 0; i < g29->joint_count; i++) {
        const mpk_joint *j = &g29->joints[i];
        assert_float_equal(j->kp, (i < 15 ? g1_kp[i] : 40), 0);
        assert_float_equal(j->kd, (strstr(j->name, "knee") ? 2 : 1), 0);
    }
    for (int i = 0; i < h1->joint_count; i++) {
        const mpk_joint *j = &h1->joints[i];
        int weak =
            strstr(j->name, "ankle") || strstr(j->name, "shoulder") || strstr(j->name, "elbow");
        assert_float_equal(j->kp, (weak ? 60 : 200), 0);
        assert_float_equal(j->kd, (weak ? 1.5 : 5), 0);
        assert_int_equal(j->motor_mode, (weak ? 1 : 0x0A));
    }
    for (int i = 0; i < h12->joint_count; i++)
        assert_float_equal(h12->joints[i].kp, (h12->joints[i].motor <= 12 ? 100 : 50), 0);
    for (int i = 0; i < 12; i++) {
        static const double stand[3] = {0.0, 0.67, -1.3};
        assert_float_equal(go2->joints[i].kp, 60, 0);
        assert_float_equal(go2->joints[i].kd, 5, 0);
        assert_int_equal(go2->joints[i].motor_mode, 1);
        assert_float_equal(b2->joints[i].kp, 1000, 0);
        assert_float_equal(b2->joints[i].kd, 10, 0);
        assert_int_equal(b2->joints[i].motor_mode, 0x0A);
        assert_float_equal(go2->joints[i].stand, stand[i % 3], 0);
        assert_float_equal(b2->joints[i].stand, stand[i % 3], 0);
    }
    assert_float_equal(g29->control_period, 0.002, 0);
    assert_float_equal(h1->control_period, 0.01, 0);
    for (int mi = 0; mi < MODEL_COUNT; mi++) {
        const mpk_robot_model *m = mpk_robot_at(mi);

        assert_true(m->stand_height > 0.2 && m->stand_height < 1.3);
        for (int i = 0; i < m->joint_count; i++) {
            const mpk_joint *j = &m->joints[i];

            assert_true(j->stand >= j->lower && j->stand <= j->upper);
            /* Project policy: full speed no sooner than 0.25 s, full acceleration 0.05 s. */
            assert_float_equal(j->acceleration, j->velocity / 0.25, 1e-9);
            assert_float_equal(j->jerk, j->acceleration / 0.05, 1e-6);
            assert_true(j->kp > 0 && j->kd > 0);
            if (m != h1 && m != b2)
                assert_int_equal(j->motor_mode, 1);
        }
    }
}

/* Groups decide arm mode and the full-body permission: nothing below the waist may be an arm. */
static void test_groups_and_sides(void **state)
{
    for (int mi = 0; mi < MODEL_COUNT; mi++) {
        const mpk_robot_model *m = mpk_robot_at(mi);

        for (int i = 0; i < m->joint_count; i++) {
            const mpk_joint *j = &m->joints[i];
            const char *n = j->name;
            mpk_joint_group want = MPK_GROUP_LEG;

            if (m->humanoid && (strstr(n, "shoulder") || strstr(n, "elbow") || strstr(n, "wrist")))
                want = MPK_GROUP_ARM;
            else if (m->humanoid && (strncmp(n, "waist", 5) == 0 || strcmp(n, "torso") == 0))
                want = MPK_GROUP_WAIST;
            if (j->group != want)
                fail_msg("%s.%s: group %d, expected %d", m->id, n, j->group, want);
            if (strncmp(n, "left_", 5) == 0 || strncmp(n, "FL_", 3) == 0 ||
                strncmp(n, "RL_", 3) == 0)
                assert_int_equal(j->side, MPK_SIDE_LEFT);
            else if (strncmp(n, "right_", 6) == 0 || strncmp(n, "FR_", 3) == 0 ||
                     strncmp(n, "RR_", 3) == 0)
                assert_int_equal(j->side, MPK_SIDE_RIGHT);
            else
                assert_int_equal(j->side, MPK_SIDE_CENTER);
        }
    }
}

/*
 * Mirror sanity: twins pair up both ways on opposite sides with the same name after the side
 * prefix, and carrying limits and the standing pose across with mirror_sign gives the twin's own:
 * the mirror image of a valid pose is a valid pose.
 */
static void test_mirrors(void **state)
{
    for (int mi = 0; mi < MODEL_COUNT; mi++) {
        const mpk_robot_model *m = mpk_robot_at(mi);

        for (int i = 0; i < m->joint_count; i++) {
            const mpk_joint *j = &m->joints[i];
            const mpk_joint *t;
            double lo, hi;

            assert_true(j->mirror >= 0 && j->mirror < m->joint_count);
            t = &m->joints[j->mirror];
            assert_int_equal(t->mirror, i);
            assert_true(j->mirror_sign == 1 || j->mirror_sign == -1);
            assert_true(t->mirror_sign == j->mirror_sign);
            if (j->side == MPK_SIDE_CENTER) {
                assert_int_equal(j->mirror, i);
            } else {
                const char *a = strchr(j->name, '_'), *b = strchr(t->name, '_');
                assert_int_equal(t->side,
                                 (j->side == MPK_SIDE_LEFT ? MPK_SIDE_RIGHT : MPK_SIDE_LEFT));
                assert_string_equal(a, b);
            }
            lo = j->mirror_sign > 0 ? j->lower : -j->upper;
            hi = j->mirror_sign > 0 ? j->upper : -j->lower;
            if (fabs(lo - t->lower) > 1e-9 || fabs(hi - t->upper) > 1e-9)
                fail_msg("%s.%s: mirrored limits [%g, %g] != %s's [%g, %g]", m->id, j->name, lo, hi,
                         t->name, t->lower, t->upper);
            assert_float_equal(j->stand * j->mirror_sign, t->stand, 1e-12);
        }
    }
    /* Hand-checked signs: pitch axes (y) keep their sign, roll (x) and yaw (z) flip. */
    const mpk_robot_model *g1 = mpk_robot_find("g1-29dof"), *go2 = mpk_robot_find("go2");
    assert_float_equal(g1->joints[mpk_robot_joint_index(g1, "left_hip_pitch")].mirror_sign, 1, 0);
    assert_float_equal(g1->joints[mpk_robot_joint_index(g1, "left_hip_roll")].mirror_sign, -1, 0);
    assert_float_equal(g1->joints[mpk_robot_joint_index(g1, "left_hip_yaw")].mirror_sign, -1, 0);
    assert_float_equal(g1->joints[mpk_robot_joint_index(g1, "waist_yaw")].mirror_sign, -1, 0);
    assert_float_equal(g1->joints[mpk_robot_joint_index(g1, "waist_pitch")].mirror_sign, 1, 0);
    assert_int_equal(go2->joints[mpk_robot_joint_index(go2, "FL_hip")].mirror,
                     mpk_robot_joint_index(go2, "FR_hip"));
    assert_int_equal(go2->joints[mpk_robot_joint_index(go2, "RL_calf")].mirror,
                     mpk_robot_joint_index(go2, "RR_calf"));
    assert_float_equal(go2->joints[mpk_robot_joint_index(go2, "FL_hip")].mirror_sign, -1, 0);
    assert_float_equal(go2->joints[mpk_robot_joint_index(go2, "FL_thigh")].mirror_sign, 1, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),           cmocka_unit_test(test_matches_urdf),
        cmocka_unit_test(test_motor_slots),      cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_groups_and_sides), cmocka_unit_test(test_mirrors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    xmlCleanupParser();
    return rc;
}
