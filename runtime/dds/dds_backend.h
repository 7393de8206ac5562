/*
 * Internals of libmotion's "dds" backend shared with its tests and fuzzer: the robot's state as the
 * link decoded it, mapped to the runtime's state in model joint order.
 */
#ifndef MOTION_DDS_BACKEND_H
#define MOTION_DDS_BACKEND_H

#include "dds_link.h"
#include "motion/backend.h"

/**
 * Fills out from a decoded LowState_: joint i of the model from motor slot model->joints[i].motor
 * (which the backend checked at open to lie inside the family's slots), the IMU, stamp_ns = the
 * receipt time and seq = the count of good states.
 */
void motion__dds_state_to_motion(motion_state *out, const mpk_robot_model *model,
                                 const motion__dds_state *state);

#endif
