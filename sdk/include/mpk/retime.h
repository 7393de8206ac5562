/**
 * @file mpk/retime.h
 * @brief Retiming: slow down only the parts of a motion that are too fast for the robot.
 *
 * Both functions find where velocity, acceleration, jerk or the per-sample jump break the
 * validation bounds (mpk/validate.h, with the same options), slow those parts down just enough
 * (with 2 % headroom), keep the timing of everything else, and repeat until the motion passes.
 * Position limits, NaN and the full-body rule are not a matter of speed and are left to
 * mpk_validate_track().
 */
#ifndef MPK_RETIME_H
#define MPK_RETIME_H

#include "mpk/common.h"
#include "mpk/keyframes.h"
#include "mpk/robot.h"
#include "mpk/track.h"
#include "mpk/validate.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Retimes a sampled track by warping its time: each offending stretch is played k times slower,
 * with smooth (C2) transitions of 0.1 s on both sides, and the samples are taken again from a
 * cubic spline through the original ones. Outside the slowed stretches the samples are the
 * original ones, shifted by whole sample periods.
 * @param[out] out   new track (a copy when nothing needed slowing), freed with mpk_track_free()
 * @param[out] added seconds the motion became longer (0 when it already passed)
 * @param opts       NULL for the defaults
 * @return MPK_OK; MPK_EVALIDATE if it could not be brought within the bounds (a jump no slowing
 *         fixes, say); MPK_ELIMIT if it would grow past the track limits
 */
MPK_API MPK_WUR int mpk_track_retime(mpk_track **out, double *added, const mpk_track *track,
                                     const mpk_robot_model *model,
                                     const mpk_validate_options *opts);

/**
 * Retimes keyframes as sampled at rate: every segment (keyframe to keyframe) that breaks the
 * bounds is lengthened by the factor it needs, rounded up to a millisecond; the other segments
 * keep their durations, so later keyframes only move by what was added before them.
 * @param[out] added seconds the motion became longer
 */
MPK_API MPK_WUR int mpk_keyframes_retime(mpk_keyframes *kf, double *added, double rate,
                                         const mpk_validate_options *opts);

#ifdef __cplusplus
}
#endif
#endif
