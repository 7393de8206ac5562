/* Robot models: lookup in the generated table, and forward kinematics over the kinematic tree. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "robot_table.h"

int mpk_robot_count(void)
{
    return mpk__robot_model_count;
}

const mpk_robot_model *mpk_robot_at(int i)
{
    if (i < 0 || i >= mpk__robot_model_count)
        return NULL;
    return &mpk__robot_models[i];
}

const mpk_robot_model *mpk_robot_find(const char *id)
{
    char known[256] = "";
    size_t len = 0;
    int i;

    for (i = 0; id && i < mpk__robot_model_count; i++) {
        if (strcmp(mpk__robot_models[i].id, id) == 0)
            return &mpk__robot_models[i];
    }
    for (i = 0; i < mpk__robot_model_count && len < sizeof(known); i++) {
        int n = snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "",
                         mpk__robot_models[i].id);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    mpk__error(MPK_ENOTFOUND, "unknown robot model '%s' (known: %s)", id ? id : "(null)", known);
    return NULL;
}

int mpk_robot_joint_index(const mpk_robot_model *model, const char *name)
{
    int i;

    if (!model || !name)
        return -1;
    for (i = 0; i < model->joint_count; i++) {
        if (strcmp(model->joints[i].name, name) == 0)
            return i;
    }
    return -1;
}

int mpk_robot_link_index(const mpk_robot_model *model, const char *name)
{
    int i;

    if (!model || !name)
        return -1;
    for (i = 0; i < model->link_count; i++) {
        if (strcmp(model->links[i].name, name) == 0)
            return i;
    }
    return -1;
}

/* out = a * b for row-major 3x3 matrices; out may not alias a or b. */
static void mat_mul(double *out, const double *a, const double *b)
{
    int r, c;

    for (r = 0; r < 3; r++) {
        for (c = 0; c < 3; c++)
            out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
    }
}

/* URDF origin rotation: R = Rz(yaw) * Ry(pitch) * Rx(roll) (fixed axes x, then y, then z). */
static void rpy_matrix(double *m, const double *rpy)
{
    double cr = cos(rpy[0]), sr = sin(rpy[0]);
    double cp = cos(rpy[1]), sp = sin(rpy[1]);
    double cy = cos(rpy[2]), sy = sin(rpy[2]);

    m[0] = cy * cp;
    m[1] = cy * sp * sr - sy * cr;
    m[2] = cy * sp * cr + sy * sr;
    m[3] = sy * cp;
    m[4] = sy * sp * sr + cy * cr;
    m[5] = sy * sp * cr - cy * sr;
    m[6] = -sp;
    m[7] = cp * sr;
    m[8] = cp * cr;
}

/* Rotation by angle q about the unit axis a (Rodrigues' formula). */
static void axis_angle_matrix(double *m, const double *a, double q)
{
    double c = cos(q), s = sin(q), t = 1 - c;
    double x = a[0], y = a[1], z = a[2];

    m[0] = t * x * x + c;
    m[1] = t * x * y - s * z;
    m[2] = t * x * z + s * y;
    m[3] = t * x * y + s * z;
    m[4] = t * y * y + c;
    m[5] = t * y * z - s * x;
    m[6] = t * x * z - s * y;
    m[7] = t * y * z + s * x;
    m[8] = t * z * z + c;
}

/* Rotation of the unit quaternion (x, y, z, w). */
static void quat_matrix(double *m, const double *q)
{
    double x = q[0], y = q[1], z = q[2], w = q[3];

    m[0] = 1 - 2 * (y * y + z * z);
    m[1] = 2 * (x * y - z * w);
    m[2] = 2 * (x * z + y * w);
    m[3] = 2 * (x * y + z * w);
    m[4] = 1 - 2 * (x * x + z * z);
    m[5] = 2 * (y * z - x * w);
    m[6] = 2 * (x * z - y * w);
    m[7] = 2 * (y * z + x * w);
    m[8] = 1 - 2 * (x * x + y * y);
}

static int is_zero3(const double *v)
{
    return v[0] == 0 && v[1] == 0 && v[2] == 0;
}

int mpk_robot_fk(double *pos, double *rot, const mpk_robot_model *model, const double *q,
                 const double *root)
{
    /* Rotations are needed to chain the links even when the caller does not want them. */
    double scratch[MPK_ROBOT_MAX_LINKS * 9];
    double quat[4] = {0, 0, 0, 1}, origin[9], joint[9], tmp[9];
    double *r = rot ? rot : scratch;
    int i, k;

    if (!model || !pos)
        return mpk__error(MPK_EINVAL, "mpk_robot_fk: model and pos must not be NULL");
    if (model->link_count < 1 || model->link_count > MPK_ROBOT_MAX_LINKS)
        return mpk__error(MPK_EINVAL, "%s: %d links (1 to %d supported)", model->id,
                          model->link_count, MPK_ROBOT_MAX_LINKS);
    for (i = 1; i < model->link_count; i++) {
        if (model->links[i].parent < 0 || model->links[i].parent >= i)
            return mpk__error(MPK_EINVAL, "%s: link '%s' comes before its parent", model->id,
                              model->links[i].name);
    }
    for (i = 0; q && i < model->joint_count; i++) {
        if (!isfinite(q[i]))
            return mpk__error(MPK_EINVAL, "%s: q[%d] (%s): not a finite number", model->id, i,
                              model->joints[i].name);
    }
    if (root) {
        double norm = 0;

        for (k = 0; k < 7; k++) {
            if (!isfinite(root[k]))
                return mpk__error(MPK_EINVAL, "%s: root[%d]: not a finite number", model->id, k);
        }
        for (k = 0; k < 4; k++)
            norm += root[3 + k] * root[3 + k];
        norm = sqrt(norm);
        if (norm < 1e-9)
            return mpk__error(MPK_EINVAL, "%s: root quaternion is zero", model->id);
        for (k = 0; k < 4; k++)
            quat[k] = root[3 + k] / norm;
    }
    for (k = 0; k < 3; k++)
        pos[k] = root ? root[k] : 0;
    quat_matrix(r, quat);
    for (i = 1; i < model->link_count; i++) {
        const mpk_link *l = &model->links[i];
        const double *pp = &pos[l->parent * 3], *pr = &r[l->parent * 9];
        double *lp = &pos[i * 3], *lr = &r[i * 9];

        /* child = parent * T(xyz) * R(rpy) * R(axis, q) */
        for (k = 0; k < 3; k++)
            lp[k] = pp[k] + pr[k * 3] * l->xyz[0] + pr[k * 3 + 1] * l->xyz[1] +
                    pr[k * 3 + 2] * l->xyz[2];
        if (is_zero3(l->rpy)) {
            memcpy(lr, pr, sizeof(double) * 9);
        } else {
            rpy_matrix(origin, l->rpy);
            mat_mul(lr, pr, origin);
        }
        if (l->type == MPK_JOINT_REVOLUTE && l->joint_index >= 0 && q && q[l->joint_index] != 0) {
            axis_angle_matrix(joint, l->axis, q[l->joint_index]);
            memcpy(tmp, lr, sizeof(tmp));
            mat_mul(lr, tmp, joint);
        }
    }
    return MPK_OK;
}
