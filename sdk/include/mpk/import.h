/**
 * @file mpk/import.h
 * @brief Import of Unitree's retargeted motion CSVs into motion tracks.
 *
 * Unitree publishes human motions retargeted to its robots as CSV files with no header, one row
 * per frame at 30 frames per second: the root position x y z (metres), the root orientation as a
 * quaternion x y z w, then one angle per joint (radians). G1 (29 joints, 36 columns) and H1-2
 * (27 joints, 34 columns) list the joints in SDK motor order; H1 (19 joints, 26 columns) lists
 * them in URDF order, which the import reorders. Other models are read in SDK order.
 *
 * The import keeps the root trajectory (MPK_TRACK_ROOT, for the preview) and resamples every
 * column to the requested rate with a natural cubic spline through the rows (C2: smooth
 * velocity and acceleration), quaternions with spherical interpolation.
 */
#ifndef MPK_IMPORT_H
#define MPK_IMPORT_H

#include "mpk/common.h"
#include "mpk/robot.h"
#include "mpk/track.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MPK_IMPORT_OPTIONS_VERSION      1
#define MPK_IMPORT_DEFAULT_RATE         50.0 /**< Hz of the track made (the projects' default) */
#define MPK_IMPORT_UNITREE_RATE         30.0 /**< rows per second of Unitree's CSVs */
#define MPK_IMPORT_QUATERNION_TOLERANCE 0.01 /**< a root quaternion's length must be 1 within */
/** Largest magnitude of any value (rad or m); beyond it the file is broken: an error. */
#define MPK_IMPORT_MAX_VALUE 1e4

/** Which of the CSV's joints the track keeps. */
typedef enum mpk_import_joints {
    MPK_IMPORT_ALL = 0,       /**< every joint of the model */
    MPK_IMPORT_UPPER_BODY = 1 /**< waist and arms only (a motion without full-body) */
} mpk_import_joints;

/** Options of mpk_import_unitree_csv(); start from mpk_import_options_init(). */
typedef struct mpk_import_options {
    int version;              /**< MPK_IMPORT_OPTIONS_VERSION */
    double rate;              /**< rate of the track, Hz (default MPK_IMPORT_DEFAULT_RATE) */
    double source_rate;       /**< rows per second of the CSV (default 30) */
    double trim_start;        /**< first second of the CSV to keep (default 0) */
    double trim_end;          /**< last second to keep; NaN or negative: to the end (default) */
    mpk_import_joints joints; /**< which joints to keep (default all) */
} mpk_import_options;

/** Fills opts with the defaults. */
MPK_API void mpk_import_options_init(mpk_import_options *opts);

/**
 * Imports a Unitree retargeted CSV for model. Errors give the line and column (and what the
 * column holds): "line 12, column 9 (left_knee): 'abc' is not a number",
 * "line 3: 35 columns, a g1-29dof row has 36 (7 root + 29 joints)".
 * @param[out] out new track with MPK_TRACK_ROOT, freed with mpk_track_free()
 * @param opts     NULL for the defaults
 */
MPK_API MPK_WUR int mpk_import_unitree_csv(mpk_track **out, const char *csv, size_t size,
                                           const mpk_robot_model *model,
                                           const mpk_import_options *opts);

/** Reads and imports a CSV file; errors start with the path. */
MPK_API MPK_WUR int mpk_import_unitree_csv_file(mpk_track **out, const char *path,
                                                const mpk_robot_model *model,
                                                const mpk_import_options *opts);

/**
 * The joints of the model in the order of a Unitree CSV's joint columns (SDK order, or URDF order
 * for h1).
 * @param[out] names at least MPK_ROBOT_MAX_JOINTS pointers, borrowed from the model
 * @return the number of joints
 */
MPK_API int mpk_import_unitree_columns(const char **names, const mpk_robot_model *model);

#ifdef __cplusplus
}
#endif
#endif
