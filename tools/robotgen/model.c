/* robotgen: builds one robot model from its URDF and spec, checking that they agree. */
#include "model.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct build {
    const rg_spec *spec;
    const rg_urdf *urdf;
    char *err;
    size_t errlen;
    mpk_robot_model *m;
    mpk_joint *joints;
    mpk_link *links;
    int link_of[RG_URDF_MAX_ITEMS]; /* URDF link index -> model link index */
} build;

static int fail(build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(build *b, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(b->err, b->errlen, "%s: %s", b->spec->path, msg);
    return -1;
}

/* Depth-first pre-order from the root: a parent always precedes its children, and each limb's
 * links stay together, which is the order a renderer wants. */
static int add_subtree(build *b, int urdf_link, int parent, int via_joint)
{
    const rg_urdf *u = b->urdf;
    mpk_link *l = &b->links[b->m->link_count];
    int self = b->m->link_count++, i;

    b->link_of[urdf_link] = self;
    l->name = strdup(u->links[urdf_link]);
    l->parent = parent;
    l->joint_index = -1;
    if (!l->name)
        return fail(b, "out of memory");
    if (via_joint >= 0) {
        const rg_urdf_joint *j = &u->joints[via_joint];

        l->joint = strdup(j->name);
        if (!l->joint)
            return fail(b, "out of memory");
        l->type = j->kind == RG_JOINT_REVOLUTE ? MPK_JOINT_REVOLUTE : MPK_JOINT_FIXED;
        memcpy(l->xyz, j->xyz, sizeof(l->xyz));
        memcpy(l->rpy, j->rpy, sizeof(l->rpy));
        memcpy(l->axis, j->axis, sizeof(l->axis));
    } else {
        l->type = MPK_JOINT_FIXED;
    }
    for (i = 0; i < u->joint_count; i++) {
        if (u->joints[i].parent == urdf_link && add_subtree(b, u->joints[i].child, self, i))
            return -1;
    }
    return 0;
}

/* The URDF joint a spec motor names: "<name>_joint", or the name itself. */
static int find_urdf_joint(const rg_urdf *u, const char *short_name)
{
    char full[256];
    int i;

    snprintf(full, sizeof(full), "%s_joint", short_name);
    i = rg_urdf_joint_index(u, full);
    return i >= 0 ? i : rg_urdf_joint_index(u, short_name);
}

static int cmp_slot(const void *a, const void *b)
{
    return (*(const rg_motor *const *)a)->slot - (*(const rg_motor *const *)b)->slot;
}

static int add_joints(build *b)
{
    const rg_spec *s = b->spec;
    const rg_motor *order[MPK_ROBOT_MAX_JOINTS];
    int used[RG_URDF_MAX_ITEMS] = {0};
    int i, g;

    for (i = 0; i < s->motor_count; i++)
        order[i] = &s->motors[i];
    qsort(order, (size_t)s->motor_count, sizeof(order[0]), cmp_slot);
    for (i = 0; i < s->motor_count; i++) {
        const rg_motor *mo = order[i];
        int uj = find_urdf_joint(b->urdf, mo->joint);
        const rg_urdf_joint *j;
        mpk_joint *jt = &b->joints[b->m->joint_count++];

        if (uj < 0)
            return fail(b, "motor slot %d: joint '%s' is not in %s", mo->slot, mo->joint, s->urdf);
        j = &b->urdf->joints[uj];
        if (j->kind != RG_JOINT_REVOLUTE)
            return fail(b, "motor slot %d: joint '%s' is not revolute", mo->slot, mo->joint);
        used[uj] = 1;
        jt->name = strdup(mo->joint);
        if (!jt->name)
            return fail(b, "out of memory");
        jt->motor = mo->slot;
        jt->lower = j->lower;
        jt->upper = j->upper;
        jt->velocity = j->velocity;
        jt->effort = j->effort;
        jt->acceleration = j->velocity / s->time_to_max_velocity;
        jt->jerk = jt->acceleration / s->time_to_max_acceleration;
        jt->kp = mo->kp;
        jt->kd = mo->kd;
        jt->stand = mo->stand;
        jt->motor_mode = mo->mode;
        jt->link = b->link_of[j->child];
        b->links[jt->link].joint_index = i;
        if (mo->stand < j->lower || mo->stand > j->upper)
            return fail(b, "joint '%s': standing position %g is outside its limits [%g, %g]",
                        mo->joint, mo->stand, j->lower, j->upper);
        for (g = 0; g < s->group_count; g++) {
            if (fnmatch(s->groups[g].match, mo->joint, 0) == 0)
                break;
        }
        if (g == s->group_count)
            return fail(b, "joint '%s': no rule in groups matches it", mo->joint);
        jt->group = s->groups[g].group;
    }
    for (i = 0; i < b->urdf->joint_count; i++) {
        if (b->urdf->joints[i].kind == RG_JOINT_REVOLUTE && !used[i])
            return fail(b, "revolute joint '%s' of %s has no motor slot", b->urdf->joints[i].name,
                        s->urdf);
    }
    return 0;
}

/* Side of a joint and the name of its twin, from the spec's prefix pairs. */
static mpk_side side_of(const rg_spec *s, const char *name, char *twin, size_t twinlen)
{
    int i;

    for (i = 0; i < s->side_count; i++) {
        const char *l = s->sides[i].left, *r = s->sides[i].right;

        if (strncmp(name, l, strlen(l)) == 0) {
            snprintf(twin, twinlen, "%s%s", r, name + strlen(l));
            return MPK_SIDE_LEFT;
        }
        if (strncmp(name, r, strlen(r)) == 0) {
            snprintf(twin, twinlen, "%s%s", l, name + strlen(r));
            return MPK_SIDE_RIGHT;
        }
    }
    snprintf(twin, twinlen, "%s", name);
    return MPK_SIDE_CENTER;
}

/*
 * Mirroring reflects the body through the sagittal (xz) plane. A rotation axis is a pseudo-vector,
 * so the reflection maps (ax, ay, az) to (-ax, ay, -az); the twin turns the mirror way when its
 * axis is that image (sign +1) or its opposite (sign -1). Axes are compared in the world frame at
 * the zero pose, so differently rotated joint frames cannot fool the comparison.
 */
static int add_mirrors(build *b)
{
    mpk_robot_model *m = b->m;
    double pos[MPK_ROBOT_MAX_LINKS * 3], rot[MPK_ROBOT_MAX_LINKS * 9],
        axis[MPK_ROBOT_MAX_JOINTS][3];
    int i, k;

    if (mpk_robot_fk(pos, rot, m, NULL, NULL) != 0)
        return fail(b, "forward kinematics failed: %s", mpk_error_message());
    for (i = 0; i < m->joint_count; i++) {
        const mpk_link *l = &m->links[m->joints[i].link];
        const double *r = &rot[m->joints[i].link * 9];

        for (k = 0; k < 3; k++)
            axis[i][k] =
                r[k * 3] * l->axis[0] + r[k * 3 + 1] * l->axis[1] + r[k * 3 + 2] * l->axis[2];
    }
    for (i = 0; i < m->joint_count; i++) {
        mpk_joint *jt = &b->joints[i];
        char twin[256];
        int t;
        double dot;

        jt->side = side_of(b->spec, jt->name, twin, sizeof(twin));
        t = mpk_robot_joint_index(m, twin);
        if (t < 0)
            return fail(b, "joint '%s': its mirror twin '%s' is not a motor", jt->name, twin);
        dot = -axis[i][0] * axis[t][0] + axis[i][1] * axis[t][1] - axis[i][2] * axis[t][2];
        if (fabs(fabs(dot) - 1) > 1e-6)
            return fail(b, "joint '%s': the axis of '%s' is not its mirror image (dot %g)",
                        jt->name, twin, dot);
        jt->mirror = t;
        jt->mirror_sign = dot > 0 ? 1 : -1;
    }
    return 0;
}

/* Root height that puts the lowest sole on the ground in the standing pose. */
static int add_stand_height(build *b)
{
    mpk_robot_model *m = b->m;
    double pos[MPK_ROBOT_MAX_LINKS * 3], q[MPK_ROBOT_MAX_JOINTS], lowest = INFINITY;
    int i;

    for (i = 0; i < m->joint_count; i++)
        q[i] = m->joints[i].stand;
    if (mpk_robot_fk(pos, NULL, m, q, NULL) != 0)
        return fail(b, "forward kinematics failed: %s", mpk_error_message());
    for (i = 0; i < b->spec->sole_count; i++) {
        int l = mpk_robot_link_index(m, b->spec->sole_links[i]);

        if (l < 0)
            return fail(b, "sole.links: link '%s' is not in %s", b->spec->sole_links[i],
                        b->spec->urdf);
        if (pos[l * 3 + 2] < lowest)
            lowest = pos[l * 3 + 2];
    }
    m->stand_height = -lowest + b->spec->sole_offset;
    if (!(m->stand_height > 0))
        return fail(b, "the soles are not below the root in the standing pose");
    return 0;
}

int rg_model_build(mpk_robot_model **out, const rg_spec *spec, const rg_urdf *urdf, char *err,
                   size_t errlen)
{
    build b = {.spec = spec, .urdf = urdf, .err = err, .errlen = errlen};

    if (urdf->link_count > MPK_ROBOT_MAX_LINKS)
        return fail(&b, "%s has %d links, more than MPK_ROBOT_MAX_LINKS", spec->urdf,
                    urdf->link_count);
    b.m = calloc(1, sizeof(*b.m));
    b.links = calloc((size_t)urdf->link_count, sizeof(mpk_link));
    b.joints = calloc(MPK_ROBOT_MAX_JOINTS, sizeof(mpk_joint));
    if (!b.m || !b.links || !b.joints) {
        free(b.m);
        free(b.links);
        free(b.joints);
        return fail(&b, "out of memory");
    }
    b.m->links = b.links;
    b.m->joints = b.joints;
    b.m->id = strdup(spec->id);
    b.m->name = strdup(spec->name);
    b.m->urdf = strdup(spec->urdf);
    b.m->family = spec->family;
    b.m->motor_slots = spec->motor_slots;
    b.m->weight_slot = spec->weight_slot;
    b.m->mode_machine = spec->mode_machine;
    b.m->humanoid = spec->humanoid;
    b.m->control_period = spec->control_period;
    if (!b.m->id || !b.m->name || !b.m->urdf) {
        fail(&b, "out of memory");
        goto fail;
    }
    if (add_subtree(&b, urdf->root, -1, -1) || add_joints(&b) || add_mirrors(&b) ||
        add_stand_height(&b))
        goto fail;
    *out = b.m;
    return 0;
fail:
    rg_model_free(b.m);
    return -1;
}

void rg_model_free(mpk_robot_model *m)
{
    int i;

    if (!m)
        return;
    /* The model's pointers are const for libmpk's users; robotgen owns these copies. */
    for (i = 0; i < m->link_count; i++) {
        free((char *)m->links[i].name);
        free((char *)m->links[i].joint);
    }
    for (i = 0; i < m->joint_count; i++)
        free((char *)m->joints[i].name);
    free((mpk_link *)m->links);
    free((mpk_joint *)m->joints);
    free((char *)m->id);
    free((char *)m->name);
    free((char *)m->urdf);
    free(m);
}
