/**
 * @file motion/plan.h
 * @brief Trajectory planners shared by the player and the preview: blends and stops.
 *
 * A blend moves a set of joints from a position and velocity to another position and velocity in
 * one common duration (all joints arrive together), with position and velocity continuous
 * throughout. Each joint first brings its start velocity to rest at its acceleration limit (the
 * shortest possible stopping distance, so a long blend never carries a small start velocity far),
 * then moves on a rest-to-rest cubic, then gathers the target velocity at its acceleration limit so
 * that it arrives exactly on the target position with the target velocity. Where stopping (or
 * gathering speed) at the planning acceleration would cross a position limit (less the margin),
 * that phase brakes harder, up to the joint's default acceleration. The duration is the
 * shortest in which every joint does this within its velocity and acceleration limits, rounded up
 * to a whole number of control ticks so that the last tick lands exactly on the target.
 *
 * A stop brings every joint from its velocity to rest with the joint's acceleration limit
 * (velocity falls linearly), each joint as fast as it can; positions then hold.
 *
 * Everything here works on caller-owned structs and allocates nothing: the control loop plans in
 * a tick.
 */
#ifndef MOTION_PLAN_H
#define MOTION_PLAN_H

#include "motion/common.h"
#include "mpk/robot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest blend the planner returns, seconds (a blend that needs more is given this). */
#define MOTION_BLEND_MAX_DURATION 30.0

/** Per-joint limits a planner respects, in model joint order. */
typedef struct motion_limits {
    int joint_count;
    double lower[MOTION_MAX_JOINTS];        /**< rad */
    double upper[MOTION_MAX_JOINTS];        /**< rad */
    double velocity[MOTION_MAX_JOINTS];     /**< rad/s */
    double acceleration[MOTION_MAX_JOINTS]; /**< rad/s^2 */
    double brake[MOTION_MAX_JOINTS];        /**< rad/s^2 a blend may use, up to the joint's default
                                                 acceleration, to keep a moving joint off its limit */
    double margin;                          /**< rad a blend keeps from each limit where it can */
} motion_limits;

/** The margin motion_limits_from_model() sets: a little more than the safety filter's. */
#define MOTION_PLAN_MARGIN 0.03

/**
 * Fills limits from a model: velocity = joint velocity limit * velocity_scale, acceleration =
 * joint acceleration default * acceleration_scale (scales in (0, 1]), brake = the default.
 */
MOTION_API void motion_limits_from_model(motion_limits *out, const mpk_robot_model *model,
                                         double velocity_scale, double acceleration_scale);

/** A planned blend. Plain data: copy it, keep it anywhere. */
typedef struct motion_blend {
    int joint_count;
    double duration;                                     /**< seconds; 0 when nothing moves */
    uint8_t active[MOTION_MAX_JOINTS];                   /**< joints the blend drives */
    double q0[MOTION_MAX_JOINTS], v0[MOTION_MAX_JOINTS]; /**< start */
    double q1[MOTION_MAX_JOINTS], v1[MOTION_MAX_JOINTS]; /**< target */
    double acc0[MOTION_MAX_JOINTS]; /**< acceleration of the first phase, rad/s^2 */
    double acc1[MOTION_MAX_JOINTS]; /**< acceleration of the last phase, rad/s^2 */
    double tau0[MOTION_MAX_JOINTS]; /**< length of the first phase (|v0| / acc0) */
    double tau1[MOTION_MAX_JOINTS]; /**< length of the last phase (|v1| / acc1) */
    double qa[MOTION_MAX_JOINTS];   /**< where the first phase comes to rest */
    double qb[MOTION_MAX_JOINTS];   /**< where the last phase starts from rest */
} motion_blend;

/**
 * Plans a blend for the joints where mask is non-zero (mask NULL: all).
 * @param[out] out       the blend
 * @param q0,v0          start position and velocity (model order, joint_count values)
 * @param q1,v1          target position and velocity (v1 NULL: arrive at rest)
 * @param limits         velocity and acceleration limits
 * @param min_duration   the blend lasts at least this long (seconds, >= 0)
 * @param dt             control period to round the duration up to (0: no rounding)
 * @return MOTION_OK, or MOTION_EINVAL for a non-finite input or a bad joint count
 */
MOTION_API MOTION_WUR int motion_blend_plan(motion_blend *out, const uint8_t *mask,
                                            const double *q0, const double *v0, const double *q1,
                                            const double *v1, const motion_limits *limits,
                                            double min_duration, double dt);

/**
 * Evaluates a blend at time t (clamped to 0..duration); writes the active joints of q and dq
 * (dq may be NULL). At t <= 0 it returns exactly q0 and v0, at t >= duration exactly q1 and v1.
 */
MOTION_API void motion_blend_eval(const motion_blend *blend, double t, double *q, double *dq);

/**
 * @return the largest |velocity| and |acceleration| over the blend's joints, relative to limits
 * (1.0 = at the limit); for tests and reports.
 */
MOTION_API void motion_blend_peaks(const motion_blend *blend, const motion_limits *limits,
                                   double *velocity_ratio, double *acceleration_ratio);

/** A planned stop. */
typedef struct motion_stop {
    int joint_count;
    double duration; /**< time until every joint is at rest */
    uint8_t active[MOTION_MAX_JOINTS];
    double q0[MOTION_MAX_JOINTS], v0[MOTION_MAX_JOINTS];
    double deceleration[MOTION_MAX_JOINTS]; /**< rad/s^2, > 0 */
} motion_stop;

/** Plans a stop from q0, v0 for the joints in mask (NULL: all) with limits->acceleration. */
MOTION_API void motion_stop_plan(motion_stop *out, const uint8_t *mask, const double *q0,
                                 const double *v0, const motion_limits *limits);

/** Evaluates a stop at time t >= 0; after its duration the positions hold and velocities are 0. */
MOTION_API void motion_stop_eval(const motion_stop *stop, double t, double *q, double *dq);

/** Smooth step 3s^2 - 2s^3 on s clamped to 0..1, and its derivative ds (per unit s). */
MOTION_API double motion_smoothstep(double s, double *derivative);

#ifdef __cplusplus
}
#endif
#endif
