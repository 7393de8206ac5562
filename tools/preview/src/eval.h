/* A motion as the robot will play it, computed by the runtime itself: libmotion's player (the
 * one motiond runs) is stepped with synthetic time from the standing pose, and every command it
 * produces is kept in a table at the control rate: the blend-in from the standing pose, then the
 * clip sampled with the runtime's C1 interpolation. Drawing, scrubbing and the joint plot read the
 * table, so every view shows the commands the robot will get. */
#ifndef PREVIEW_EVAL_H
#define PREVIEW_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "source.h"

#define PREVIEW_EVAL_MAX_SAMPLES                                    \
    (24u << 20) /**< table cells (ticks x joints); rate drops above \
                 */
#define PREVIEW_EVAL_NOTE_MAX 512

/** Which of the runtime's modes to show. */
typedef enum preview_mode {
    PREVIEW_MODE_AUTO = 0, /**< full body when the package grants it, else the model's default */
    PREVIEW_MODE_ARM = 1,  /**< waist and arms only (the humanoids' default) */
    PREVIEW_MODE_FULL = 2  /**< every joint */
} preview_mode;

typedef struct preview_eval {
    const preview_motion *motion;
    const mpk_robot_model *model;
    /** Seconds the runtime takes to play the track once blended in: the track's duration, or
     * longer when the runtime slows a motion whose joints would exceed their velocity limits. */
    double duration;
    double blend;   /**< of the blend-in, seconds (0 without it); the timeline starts at -blend */
    double rate;    /**< table rate, Hz */
    uint32_t ticks; /**< table rows; row i is at time -blend + i / rate */
    float *q;       /**< ticks x model->joint_count positions the robot takes */
    float *mt;      /**< ticks: the motion's own time at each row (0 during the blend-in) */
    bool full_body; /**< the mode shown: true full body, false arm mode */
    double speed;   /**< motion seconds per second while playing (below 1: slowed down) */
    /** Why the runtime would not play the motion as shown ("" when it would), e.g. a position
     * beyond a limit: the preview then shows the track through the runtime's interpolation with
     * the limits lifted, and no blend-in when the player refused it. */
    char refusal[PREVIEW_EVAL_NOTE_MAX];
} preview_eval;

/**
 * Plans the motion with the runtime's player: the blend-in from the model's standing pose at rest
 * (when blend_in) and the clip, at the runtime's default control rate.
 */
int preview_eval_init(preview_eval *ev, const preview_motion *motion, bool blend_in,
                      preview_mode mode) MPK_WUR;

/** @return the first time of the timeline (-blend). */
double preview_eval_start(const preview_eval *ev);

/**
 * Pose at time t (clamped to -blend..duration).
 * @param[out] q     model->joint_count positions in SDK order
 * @param[out] root  x y z qx qy qz qw (the track's root trajectory, or standing at the origin)
 */
void preview_eval_pose(const preview_eval *ev, double t, double *q, double *root);

/** Position of one model joint at time t. */
double preview_eval_joint(const preview_eval *ev, double t, int joint);

void preview_eval_free(preview_eval *ev);

#endif
