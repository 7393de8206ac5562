/**
 * @file mpk/validate.h
 * @brief Motion validation against a robot model: the rules of `mpk validate` and of the store's
 *        upload check, as one list of findings.
 *
 * Rules (docs/sdk.md lists them with their defaults):
 *
 * | rule           | severity | what                                                             |
 * |----------------|----------|------------------------------------------------------------------|
 * | `track`        | error    | wrong robot, unknown or repeated joint, unreadable track         |
 * | `nan`          | error    | a position, velocity or root value that is NaN or infinite       |
 * | `limit`        | error    | a position closer to a limit than the margin, or beyond it       |
 * | `velocity`     | error    | speed (from the samples) above velocity_factor x the limit       |
 * | `acceleration` | error    | above acceleration_factor x the model's acceleration limit       |
 * | `jerk`         | error    | above jerk_factor x the model's jerk limit                       |
 * | `jump`         | error    | a change between two samples larger than max_jump                |
 * | `duration`     | error    | shorter than min_duration or longer than max_duration            |
 * | `full-body`    | error    | a leg (lower-body) joint moving without the full-body permission |
 * | `full-body`    | warning  | a leg joint held away from standing without the permission       |
 * | `stand`        | warning  | first or last frame far from the standing pose (blend needed)    |
 *
 * Velocity, acceleration and jerk are finite differences of the positions at the track's rate:
 * (q[i+1] - q[i]) r, (q[i+1] - 2 q[i] + q[i-1]) r^2, (q[i+2] - 3 q[i+1] + 3 q[i] - q[i-1]) r^3.
 * Each finding names the joint, the time and value of the worst sample, the bound, and how many
 * samples break the rule between which times; one finding per rule and joint (per end for `stand`).
 */
#ifndef MPK_VALIDATE_H
#define MPK_VALIDATE_H

#include "mpk/common.h"
#include "mpk/package.h"
#include "mpk/project.h"
#include "mpk/robot.h"
#include "mpk/track.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MPK_VALIDATE_OPTIONS_VERSION 1

/** Settings of the rules; start from mpk_validate_options_init(). */
typedef struct mpk_validate_options {
    int version;                /**< MPK_VALIDATE_OPTIONS_VERSION */
    double margin;              /**< rad kept away from every position limit (0.05) */
    double velocity_factor;     /**< share of each joint's velocity limit allowed (0.9) */
    double acceleration_factor; /**< share of the model's acceleration limit allowed (1.0) */
    double jerk_factor;         /**< share of the model's jerk limit allowed (1.0) */
    double max_jump;            /**< rad a joint may move between two samples (0.5) */
    double min_duration;        /**< seconds (0.5) */
    double max_duration;        /**< seconds (600) */
    double stand_tolerance;     /**< rad from standing at the start or end that warns (0.1) */
    double hold_tolerance;      /**< rad a leg joint may move without counting as moving (0.01) */
} mpk_validate_options;

typedef enum mpk_severity { MPK_SEVERITY_WARNING = 1, MPK_SEVERITY_ERROR = 2 } mpk_severity;

typedef enum mpk_rule {
    MPK_RULE_TRACK = 0,
    MPK_RULE_NAN,
    MPK_RULE_LIMIT,
    MPK_RULE_VELOCITY,
    MPK_RULE_ACCELERATION,
    MPK_RULE_JERK,
    MPK_RULE_JUMP,
    MPK_RULE_DURATION,
    MPK_RULE_FULL_BODY,
    MPK_RULE_STAND
} mpk_rule;

/** One finding. Strings are borrowed from the list. */
typedef struct mpk_finding {
    mpk_severity severity;
    mpk_rule rule;
    const char *motion;  /**< motion name, or NULL for a bare track */
    const char *joint;   /**< joint name ("root" for the root pose), or NULL (duration, track) */
    double time;         /**< seconds: the worst sample (the first for nan) */
    double value;        /**< the value there (rad, rad/s, rad/s^2, rad/s^3, s), NaN if none */
    double limit;        /**< the bound it breaks (factors and margin applied), NaN if none */
    double first, last;  /**< seconds: the first and last sample that break the rule */
    uint32_t count;      /**< samples that break it */
    const char *message; /**< one sentence without the motion's name: "right_elbow: velocity ..." */
} mpk_finding;

typedef struct mpk_findings mpk_findings;

/** Fills opts with the defaults above. */
MPK_API void mpk_validate_options_init(mpk_validate_options *opts);

/** Checks the settings (positive factors, margin >= 0, min <= max ...); errors name the field. */
MPK_API MPK_WUR int mpk_validate_options_check(const mpk_validate_options *opts);

/**
 * Validates one track against model, as a motion of a package with permissions
 * (mpk_permission bits).
 * @param[out] out  new list (possibly empty), freed with mpk_findings_free()
 * @param opts      NULL for the defaults
 * @return MPK_OK when the rules ran (the findings say whether the track passed), MPK_EINVAL for
 *         NULL arguments or bad options, MPK_ENOMEM
 */
MPK_API MPK_WUR int mpk_validate_track(mpk_findings **out, const mpk_track *track,
                                       const mpk_robot_model *model, unsigned permissions,
                                       const mpk_validate_options *opts);

/**
 * Validates every motion of an opened package against its robot model with the package's
 * permissions. Does not verify the signature (mpk_package_verify() does); a track that cannot be
 * read is a `track` finding.
 */
MPK_API MPK_WUR int mpk_validate_package(mpk_findings **out, const mpk_package *pkg,
                                         const mpk_validate_options *opts);

/**
 * Validates every motion of a loaded project. opts NULL: the project's own settings
 * (mpk_project_validate_options()).
 */
MPK_API MPK_WUR int mpk_validate_project(mpk_findings **out, const mpk_project *project,
                                         const mpk_validate_options *opts);

/** The project's settings: the defaults, overridden by its "validation" field. */
MPK_API void mpk_project_validate_options(mpk_validate_options *opts, const mpk_project *project);

/** @return the number of findings. */
MPK_API size_t mpk_findings_count(const mpk_findings *list);
/** @return finding i (0 <= i < count), or NULL. Borrowed. */
MPK_API const mpk_finding *mpk_findings_get(const mpk_findings *list, size_t i);
/** @return the number of errors. */
MPK_API size_t mpk_findings_errors(const mpk_findings *list);
/** @return the number of warnings. */
MPK_API size_t mpk_findings_warnings(const mpk_findings *list);

/**
 * The findings as JSON: {"errors": N, "warnings": N, "findings": [{"severity": "error",
 * "rule": "velocity", "motion": ..., "joint": ..., "time": ..., "value": ..., "limit": ...,
 * "first": ..., "last": ..., "count": ..., "message": ...}]} (absent values are null).
 * @param[out] out malloc'd NUL-terminated text
 */
MPK_API MPK_WUR int mpk_findings_to_json(char **out, size_t *size, const mpk_findings *list);

/** @return the rule's name: "track", "nan", "limit", "velocity", ... */
MPK_API const char *mpk_rule_name(mpk_rule rule);

MPK_API void mpk_findings_free(mpk_findings *list);

#ifdef __cplusplus
}
#endif
#endif
