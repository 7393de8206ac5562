/* The robot at one instant: joint positions, link positions by forward kinematics, and how close
 * each joint is to its limits. */
#ifndef PREVIEW_POSE_H
#define PREVIEW_POSE_H

#include "eval.h"

/** Within this fraction of its range from a limit, a joint is "near" its limit (yellow). */
#define PREVIEW_NEAR_FRACTION 0.05

typedef enum preview_limit {
    PREVIEW_LIMIT_OK = 0,
    PREVIEW_LIMIT_NEAR = 1, /**< within PREVIEW_NEAR_FRACTION of the range from a limit */
    PREVIEW_LIMIT_OVER = 2  /**< outside lower..upper */
} preview_limit;

typedef struct preview_pose {
    const mpk_robot_model *model;
    double t;                    /**< time the pose is for */
    double *q;                   /**< joint_count positions, SDK order */
    double root[7];              /**< x y z qx qy qz qw */
    double *pos;                 /**< link_count * 3 world positions */
    preview_limit *joint_status; /**< joint_count */
    preview_limit *link_status;  /**< link_count: status of the joint that moves the link */
    preview_limit worst;         /**< worst joint status */
} preview_pose;

/** @return the status of position q for joint j. */
preview_limit preview_limit_status(const mpk_joint *j, double q);

/** Allocates the arrays for model (frees what pose held before). */
int preview_pose_init(preview_pose *pose, const mpk_robot_model *model) MPK_WUR;

/** Evaluates the motion at time t, runs forward kinematics and grades every joint. */
int preview_pose_update(preview_pose *pose, const preview_eval *ev, double t) MPK_WUR;

void preview_pose_free(preview_pose *pose);

#endif
