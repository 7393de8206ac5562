/* Motion sources of a project: each "source" object in mpk-project.json names a type, and the
 * type's loader turns it into a motion track. Adding a source type (keyframes, imports) is one
 * loader in its own file plus one line in the table in project_sources.c. */
#ifndef MPK_PROJECT_SOURCE_H
#define MPK_PROJECT_SOURCE_H

#include <jansson.h>

#include "mpk/robot.h"
#include "mpk/track.h"

/** What a loader gets besides its own JSON object. */
typedef struct mpk__source_ctx {
    const char *dir;              /**< the project folder */
    const char *project_file;     /**< path of mpk-project.json, to prefix field errors with */
    const char *field;            /**< JSON path of the source object: "motions[0].source" */
    const char *motion;           /**< the motion's name */
    const mpk_robot_model *model; /**< the motion's robot model */
    const json_t *project;        /**< the whole project document (project-wide settings) */
    double rate;                  /**< the project's sampling rate ("rate", default 50 Hz) */
} mpk__source_ctx;

typedef struct mpk__source_type {
    const char *type;        /**< value of "type" */
    const char *const *keys; /**< the other keys its object may have (NULL-terminated) */
    /**
     * Makes the track. Errors name the source file (with line and column), or the project file
     * and field: "<ctx->project_file>: <ctx->field>.file: required".
     */
    int (*load)(mpk_track **out, const mpk__source_ctx *ctx, const json_t *source);
} mpk__source_type;

/** The source types, ended by an entry whose type is NULL. */
extern const mpk__source_type mpk__source_types[];

/**
 * Resolves a project-relative file named by member key of source: a safe relative path
 * (no "..", not absolute) joined to the project folder; errors name the project file and
 * field. @param[out] out malloc'd
 */
int mpk__source_file(char **out, const mpk__source_ctx *ctx, const json_t *source, const char *key);

/**
 * The source's own "rate" when it has one (checked: 1..1000 Hz), else the project's.
 * Errors name the project file and field.
 */
int mpk__source_rate(double *out, const mpk__source_ctx *ctx, const json_t *source);

/* Loaders in their own files. */
int mpk__load_keyframes(mpk_track **out, const mpk__source_ctx *ctx, const json_t *source);
int mpk__load_unitree_csv(mpk_track **out, const mpk__source_ctx *ctx, const json_t *source);
extern const char *const mpk__keyframes_keys[];
extern const char *const mpk__unitree_csv_keys[];

#endif
