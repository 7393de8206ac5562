/* robotgen: joins a URDF and its spec into an mpk_robot_model (the type libmpk serves). */
#ifndef ROBOTGEN_MODEL_H
#define ROBOTGEN_MODEL_H

#include <stddef.h>

#include "mpk/robot.h"
#include "spec.h"
#include "urdf.h"

/**
 * Builds the model: links in topological order (depth first from the root, children in document
 * order), joints in SDK motor order with URDF limits and spec defaults, groups and sides from the
 * spec's rules, mirrors from the joint axes, and the standing height from forward kinematics.
 * Fails, naming the spec and joint, when spec and URDF disagree: a motor without a revolute joint,
 * a revolute joint without a motor, a standing pose outside the limits, a twin that is missing or
 * whose axis is not the mirror image, a joint no group rule matches.
 * @param[out] out heap model, freed with rg_model_free()
 */
int rg_model_build(mpk_robot_model **out, const rg_spec *spec, const rg_urdf *urdf, char *err,
                   size_t errlen);

void rg_model_free(mpk_robot_model *m);

#endif
