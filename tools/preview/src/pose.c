/* Pose of the robot at an instant, with limit grades. */
#include "pose.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

preview_limit preview_limit_status(const mpk_joint *j, double q)
{
    double margin = PREVIEW_NEAR_FRACTION * (j->upper - j->lower);

    if (q < j->lower || q > j->upper)
        return PREVIEW_LIMIT_OVER;
    if (q < j->lower + margin || q > j->upper - margin)
        return PREVIEW_LIMIT_NEAR;
    return PREVIEW_LIMIT_OK;
}

int preview_pose_init(preview_pose *pose, const mpk_robot_model *model)
{
    preview_pose_free(pose);
    pose->model = model;
    pose->q = calloc((size_t)model->joint_count, sizeof(*pose->q));
    pose->pos = calloc((size_t)model->link_count * 3, sizeof(*pose->pos));
    pose->joint_status = calloc((size_t)model->joint_count, sizeof(*pose->joint_status));
    pose->link_status = calloc((size_t)model->link_count, sizeof(*pose->link_status));
    if (!pose->q || !pose->pos || !pose->joint_status || !pose->link_status) {
        preview_pose_free(pose);
        return preview_fail(MPK_ENOMEM, "out of memory");
    }
    return MPK_OK;
}

int preview_pose_update(preview_pose *pose, const preview_eval *ev, double t)
{
    const mpk_robot_model *m = pose->model;
    int i, err;

    if (ev->model != m)
        return preview_fail(MPK_EINVAL, "pose is for %s, motion for %s", m->id, ev->model->id);
    pose->t = t;
    preview_eval_pose(ev, t, pose->q, pose->root);
    err = mpk_robot_fk(pose->pos, NULL, m, pose->q, pose->root);
    if (err != MPK_OK)
        return preview_fail_mpk(err, "forward kinematics of %s", m->id);
    pose->worst = PREVIEW_LIMIT_OK;
    for (i = 0; i < m->joint_count; i++) {
        pose->joint_status[i] = preview_limit_status(&m->joints[i], pose->q[i]);
        if (pose->joint_status[i] > pose->worst)
            pose->worst = pose->joint_status[i];
    }
    /* Links are topologically ordered: a link moved through a fixed joint inherits its parent's
     * grade, so a whole limb segment shows the colour of the joint that moves it. */
    for (i = 0; i < m->link_count; i++) {
        const mpk_link *l = &m->links[i];
        if (l->joint_index >= 0)
            pose->link_status[i] = pose->joint_status[l->joint_index];
        else
            pose->link_status[i] = l->parent >= 0 ? pose->link_status[l->parent] : 0;
    }
    return MPK_OK;
}

void preview_pose_free(preview_pose *pose)
{
    if (!pose)
        return;
    free(pose->q);
    free(pose->pos);
    free(pose->joint_status);
    free(pose->link_status);
    memset(pose, 0, sizeof(*pose));
}
