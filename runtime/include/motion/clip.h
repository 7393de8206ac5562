/**
 * @file motion/clip.h
 * @brief Clips: motion tracks checked against a robot model and prepared for C1 interpolation.
 *
 * A clip holds a track's samples for the joints it names, mapped to the model's joint order, and
 * one tangent per sample computed when it is made, so that sampling at any time is a cubic Hermite
 * evaluation with no allocation. Tangents are monotone (Fritsch-Carlson, "PCHIP"): between two
 * samples the curve never leaves the interval they span, so a track inside the joint limits gives a
 * curve inside the limits, and position and velocity are continuous everywhere (C1). A loopable
 * clip (last frame equal to the first) gets periodic tangents so that looping is C1 as well.
 *
 * The preview (mpk-preview) samples clips with the same function the robot's player uses.
 */
#ifndef MOTION_CLIP_H
#define MOTION_CLIP_H

#include <stdbool.h>
#include "motion/common.h"
#include "mpk/robot.h"
#include "mpk/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest first-to-last frame difference (rad) for which a clip counts as loopable. */
#define MOTION_CLIP_LOOP_TOLERANCE 1e-4

typedef struct motion_clip motion_clip;

/**
 * Makes a clip from a track. Refuses (MOTION_EMODEL, message from mpk_track_check naming the joint
 * and frame) a track for another robot model, with unknown or repeated joints, with NaN or Inf, or
 * with a position outside the model's limits.
 * @param[out] out   new clip, freed with motion_clip_free()
 * @param track      the track (copied; the caller keeps it)
 * @param model      the robot model the clip will play on
 * @param name       a name for messages and status ("wave"), copied; NULL gives "motion"
 */
MOTION_API MOTION_WUR int motion_clip_from_track(motion_clip **out, const mpk_track *track,
                                                 const mpk_robot_model *model, const char *name);

/**
 * Loads a motion of a package: opens it, verifies the file hashes and the signature (against the
 * key embedded in the package; installation already checked who signed it), checks the package
 * lists the model among its robots, and makes the clip of the named motion (NULL: the first one
 * for this model). The clip remembers the package's permissions (full-body).
 */
MOTION_API MOTION_WUR int motion_clip_load_package(motion_clip **out, const char *path,
                                                   const char *motion,
                                                   const mpk_robot_model *model);

/** Sets the permission bits (mpk_permission) the clip was granted; from_track gives none. */
MOTION_API void motion_clip_set_permissions(motion_clip *clip, unsigned permissions);
MOTION_API unsigned motion_clip_permissions(const motion_clip *clip);

/**
 * Samples the clip at time t (seconds of the motion's own time, clamped to 0..duration).
 * Writes only the clip's joints, at their model index: q[model index] and dq[model index]
 * (dq may be NULL). Allocation-free; safe from the control loop.
 */
MOTION_API void motion_clip_sample(const motion_clip *clip, double t, double *q, double *dq);

/**
 * Samples with the time wrapped into one period (for a loopable clip; otherwise like
 * motion_clip_sample).
 */
MOTION_API void motion_clip_sample_wrapped(const motion_clip *clip, double t, double *q,
                                           double *dq);

MOTION_API const char *motion_clip_name(const motion_clip *clip);
MOTION_API const mpk_robot_model *motion_clip_model(const motion_clip *clip);
/** @return (frames - 1) / rate, seconds. */
MOTION_API double motion_clip_duration(const motion_clip *clip);
MOTION_API double motion_clip_rate(const motion_clip *clip);
MOTION_API uint32_t motion_clip_frame_count(const motion_clip *clip);
/** @return the number of joints the clip drives. */
MOTION_API int motion_clip_joint_count(const motion_clip *clip);
/** @return the model joint index of the clip's k-th joint. */
MOTION_API int motion_clip_joint_index(const motion_clip *clip, int k);
/** @return true when the clip drives model joint j. */
MOTION_API bool motion_clip_drives(const motion_clip *clip, int j);
/** @return true when the last frame equals the first (within MOTION_CLIP_LOOP_TOLERANCE). */
MOTION_API bool motion_clip_loopable(const motion_clip *clip);
/** @return the largest |velocity| / velocity limit over joints and samples (1.0 = at the limit). */
MOTION_API double motion_clip_velocity_ratio(const motion_clip *clip);
/**
 * Per-joint gains from the track (MPK_TRACK_GAINS), at model index; false when the track has none
 * (the player then uses the model's defaults).
 */
MOTION_API bool motion_clip_gains(const motion_clip *clip, double *kp, double *kd);

MOTION_API void motion_clip_free(motion_clip *clip);

#ifdef __cplusplus
}
#endif
#endif
