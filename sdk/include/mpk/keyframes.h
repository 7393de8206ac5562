/**
 * @file mpk/keyframes.h
 * @brief Keyframe motions: poses at times, interpolated per segment, sampled into a track.
 *
 * A keyframe file (JSON, docs/format.md section 6) lists keyframes at strictly increasing times
 * from 0, each setting some joints (the others hold their previous value; before the first
 * keyframe every joint is at the standing pose), optionally starting from a named pose of the
 * robot model ("stand", "zero") and mirroring one side onto the other. Each segment, from one
 * keyframe to the next, is interpolated as the later keyframe says:
 *
 * - "linear": a straight line (position continuous only);
 * - "cubic": a C2 spline through consecutive cubic keyframes (position, velocity and acceleration
 *   continuous), whose slope at the ends of a cubic run matches the neighbouring segment (zero at
 *   the start and end of the motion and next to minjerk segments, the line's slope next to linear
 *   ones), so velocity is continuous there too;
 * - "minjerk": the minimum-jerk profile 10u^3 - 15u^4 + 6u^5, zero velocity and acceleration at
 *   both keyframes.
 *
 * Every keyframe is hit exactly: sampling at a keyframe's time gives its value.
 */
#ifndef MPK_KEYFRAMES_H
#define MPK_KEYFRAMES_H

#include "mpk/common.h"
#include "mpk/robot.h"
#include "mpk/track.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MPK_KEYFRAMES_FORMAT   1                 /**< value of the file's "format" field */
#define MPK_KEYFRAMES_MAX      10000             /**< keyframes in one file */
#define MPK_KEYFRAMES_MAX_SIZE (4 * 1024 * 1024) /**< larger keyframe files are rejected */
/** Closest two keyframes may be, in seconds: one period of the fastest control rate (1000 Hz).
 *  Closer keys mean nothing to the robot and make the slopes of a linear segment overflow. */
#define MPK_KEYFRAMES_MIN_GAP 0.001

/** Interpolation of a segment (from the previous keyframe to this one). */
typedef enum mpk_interpolation {
    MPK_INTERP_LINEAR = 0,
    MPK_INTERP_CUBIC = 1,
    MPK_INTERP_MINJERK = 2
} mpk_interpolation;

typedef struct mpk_keyframes mpk_keyframes;

/**
 * Parses a keyframe file for model. Errors name the field path and say what is wrong:
 * "keyframes[3].time: 1.5 is not after keyframes[2].time (1.5)",
 * "keyframes[1].joints.right_elbo: not a joint of g1-29dof".
 * @param[out] out new keyframes, freed with mpk_keyframes_free()
 */
MPK_API MPK_WUR int mpk_keyframes_parse(mpk_keyframes **out, const char *json, size_t size,
                                        const mpk_robot_model *model);

/** Reads and parses a keyframe file; errors start with the path. */
MPK_API MPK_WUR int mpk_keyframes_read_file(mpk_keyframes **out, const char *path,
                                            const mpk_robot_model *model);

/**
 * Samples the motion at rate (frames at i / rate; the last frame, at the last keyframe's time or
 * the first sample after it, holds the last keyframe).
 * @param[out] out new track for the model's id and the motion's joints (SDK order)
 */
MPK_API MPK_WUR int mpk_keyframes_sample(mpk_track **out, const mpk_keyframes *kf, double rate);

/**
 * Evaluates every joint at time t (clamped to [0, duration]).
 * @param[out] q  joint_count positions
 * @param[out] dq joint_count velocities (rad/s), or NULL
 */
MPK_API MPK_WUR int mpk_keyframes_eval(double *q, double *dq, const mpk_keyframes *kf, double t);

/** @return the model the keyframes were parsed for. Borrowed. */
MPK_API const mpk_robot_model *mpk_keyframes_model(const mpk_keyframes *kf);
/** @return the number of joints the motion drives (in SDK order). */
MPK_API int mpk_keyframes_joint_count(const mpk_keyframes *kf);
/** @return the name of joint j of the motion, or NULL. Borrowed. */
MPK_API const char *mpk_keyframes_joint_name(const mpk_keyframes *kf, int j);
/** @return the number of keyframes. */
MPK_API size_t mpk_keyframes_count(const mpk_keyframes *kf);
/** @return the time of keyframe k (seconds), or NaN. */
MPK_API double mpk_keyframes_time(const mpk_keyframes *kf, size_t k);
/** @return the value of joint j at keyframe k, once poses, holds and mirrors are applied. */
MPK_API double mpk_keyframes_value(const mpk_keyframes *kf, size_t k, int j);
/** @return the interpolation of the segment that ends at keyframe k (k >= 1). */
MPK_API mpk_interpolation mpk_keyframes_interpolation(const mpk_keyframes *kf, size_t k);
/** @return the time of the last keyframe. */
MPK_API double mpk_keyframes_duration(const mpk_keyframes *kf);

/**
 * Moves the keyframes to new times (count values, strictly increasing, the first 0) and solves
 * the splines again. The file written by mpk_keyframes_serialize() carries the new times.
 */
MPK_API MPK_WUR int mpk_keyframes_set_times(mpk_keyframes *kf, const double *times, size_t count);

/**
 * The keyframe file again, as parsed, with the current times (everything else unchanged).
 * @param[out] out malloc'd NUL-terminated JSON text
 */
MPK_API MPK_WUR int mpk_keyframes_serialize(char **out, size_t *size, const mpk_keyframes *kf);

/** @return "linear", "cubic" or "minjerk". */
MPK_API const char *mpk_interpolation_name(mpk_interpolation interpolation);

MPK_API void mpk_keyframes_free(mpk_keyframes *kf);

#ifdef __cplusplus
}
#endif
#endif
