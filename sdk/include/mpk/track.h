/**
 * @file mpk/track.h
 * @brief Motion tracks: joint positions sampled at a fixed rate for named joints of one robot
 * model.
 *
 * The binary format (docs/format.md) is little-endian and versioned and loads without text
 * parsing. Samples are float32, frame-major: positions[frame * joint_count + joint].
 */
#ifndef MPK_TRACK_H
#define MPK_TRACK_H

#include "mpk/common.h"
#include "mpk/robot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Limits every track must respect (parsers reject anything larger before allocating). */
#define MPK_TRACK_MAX_JOINTS     64
#define MPK_TRACK_MAX_FRAMES     2000000u  /**< e.g. 33 minutes at 1000 Hz */
#define MPK_TRACK_MAX_SAMPLES    16000000u /**< frames * joints */
#define MPK_TRACK_MIN_RATE       1.0
#define MPK_TRACK_MAX_RATE       1000.0
#define MPK_TRACK_NAME_MAX       31 /**< bytes of a robot id or joint name in a track */
#define MPK_TRACK_FORMAT_VERSION 1  /**< version of the binary format this library writes */
#define MPK_TRACK_HEADER_SIZE    64 /**< bytes of the fixed header (docs/format.md) */
/** Radians (or rad/s) a value may lie beyond a limit: float32 rounding. */
#define MPK_TRACK_LIMIT_TOLERANCE 1e-6
#define MPK_TRACK_CSV_MAX_SIZE    (512u * 1024 * 1024) /**< largest CSV mpk_track_from_csv() takes */

/** Optional contents of a track. */
typedef enum mpk_track_flags {
    MPK_TRACK_VELOCITIES = 1u << 0, /**< per-sample joint velocities */
    MPK_TRACK_GAINS = 1u << 1,      /**< per-joint kp and kd */
    MPK_TRACK_ROOT = 1u << 2        /**< per-frame root pose x y z qx qy qz qw (for preview) */
} mpk_track_flags;

typedef struct mpk_track mpk_track;

/**
 * Creates a zero-filled track.
 * @param[out] out    new track, freed with mpk_track_free()
 * @param robot       robot model id (copied)
 * @param joint_count 1..MPK_TRACK_MAX_JOINTS
 * @param joints      joint names (copied)
 * @param rate        samples per second, MPK_TRACK_MIN_RATE..MPK_TRACK_MAX_RATE
 * @param frames      frame count, 1..MPK_TRACK_MAX_FRAMES
 * @param flags       mpk_track_flags
 */
MPK_API MPK_WUR int mpk_track_new(mpk_track **out, const char *robot, int joint_count,
                                  const char *const *joints, double rate, uint32_t frames,
                                  unsigned flags);

/** Parses a binary track from memory (copies what it keeps). Errors name the field. */
MPK_API MPK_WUR int mpk_track_parse(mpk_track **out, const void *data, size_t size);

/** Reads and parses a binary track file. */
MPK_API MPK_WUR int mpk_track_read_file(mpk_track **out, const char *path);

/** Serialises to the binary format. @param[out] out malloc'd bytes, caller frees */
MPK_API MPK_WUR int mpk_track_serialize(void **out, size_t *size, const mpk_track *track);

/** Writes the binary format to path atomically (temporary file, fsync, rename). */
MPK_API MPK_WUR int mpk_track_write_file(const mpk_track *track, const char *path);

/**
 * CSV form: a header "time,<joint>,<joint>..." then one row per frame (time in seconds, positions
 * in radians, printed so that parsing gives back the same float32). Root and velocity columns
 * follow when present ("root_x".."root_qw", "<joint>.dq"). Export then import round-trips exactly.
 */
MPK_API MPK_WUR int mpk_track_to_csv(char **out, size_t *size, const mpk_track *track);

/** Parses the CSV form above for robot; errors give line and column. */
MPK_API MPK_WUR int mpk_track_from_csv(mpk_track **out, const char *csv, size_t size,
                                       const char *robot);

/**
 * Checks a track against a model: same robot id, every joint known and listed once, no NaN or
 * Inf, every position within the joint's limits. Used by the runtime before anything plays.
 */
MPK_API MPK_WUR int mpk_track_check(const mpk_track *track, const mpk_robot_model *model);

MPK_API const char *mpk_track_robot(const mpk_track *track);
MPK_API int mpk_track_joint_count(const mpk_track *track);
MPK_API const char *mpk_track_joint_name(const mpk_track *track, int joint);
MPK_API double mpk_track_rate(const mpk_track *track);
MPK_API uint32_t mpk_track_frame_count(const mpk_track *track);
MPK_API unsigned mpk_track_flags_get(const mpk_track *track);
/** @return (frames - 1) / rate, in seconds. */
MPK_API double mpk_track_duration(const mpk_track *track);

/** Positions, frame-major (frames * joints). Borrowed; writable for builders. */
MPK_API float *mpk_track_positions(mpk_track *track);
MPK_API const float *mpk_track_positions_const(const mpk_track *track);
/** Velocities (frames * joints), or NULL without MPK_TRACK_VELOCITIES. */
MPK_API float *mpk_track_velocities(mpk_track *track);
/** Per-joint kp and kd (joints each), or NULL without MPK_TRACK_GAINS. */
MPK_API float *mpk_track_kp(mpk_track *track);
MPK_API float *mpk_track_kd(mpk_track *track);
/** Root poses (frames * 7: x y z qx qy qz qw), or NULL without MPK_TRACK_ROOT. */
MPK_API float *mpk_track_root(mpk_track *track);
MPK_API const float *mpk_track_root_const(const mpk_track *track);

/** Read-only views of the optional arrays (NULL when absent). */
MPK_API const float *mpk_track_velocities_const(const mpk_track *track);
MPK_API const float *mpk_track_kp_const(const mpk_track *track);
MPK_API const float *mpk_track_kd_const(const mpk_track *track);

/** @return the index of the joint named name in the track, or -1. */
MPK_API int mpk_track_joint_find(const mpk_track *track, const char *name);

/** Deep copy. @param[out] out new track, freed with mpk_track_free() */
MPK_API MPK_WUR int mpk_track_clone(mpk_track **out, const mpk_track *track);

MPK_API void mpk_track_free(mpk_track *track);

#ifdef __cplusplus
}
#endif
#endif
