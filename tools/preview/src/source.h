/* What the preview shows: the motions of a package (.mpk) or of a project folder, each with its
 * track and robot model. */
#ifndef PREVIEW_SOURCE_H
#define PREVIEW_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "mpk/mpk.h"

#define PREVIEW_MAX_MOTIONS MPK_MANIFEST_MAX_MOTIONS

/** One motion: its track and the model it is for. */
typedef struct preview_motion {
    char *name;
    mpk_track *track;             /**< owned */
    const mpk_robot_model *model; /**< static */
    int *model_joint;             /**< per track joint: index in model->joints */
    bool has_root;                /**< the track carries a root trajectory */
    /** mpk_permission bits of its package; a bare track or a motion built in memory has no
     * package to ask, and counts as full body. */
    unsigned permissions;
} preview_motion;

typedef struct preview_source {
    char *label; /**< shown in the title: "com.example.wave 1.0.0" or a file name */
    preview_motion *motions;
    size_t motion_count;
} preview_source;

/**
 * Opens what the user named: a package (FILE.mpk: opened, verified against its own signature and
 * file hashes, every motion's track loaded), a bare track (FILE.mpkt: one motion named after the
 * file) or a project folder (built in memory the way `mpk build` builds it).
 */
int preview_source_open(preview_source **out, const char *path) MPK_WUR;

/** An empty source (for tracks built in memory). label is copied. */
int preview_source_new(preview_source **out, const char *label) MPK_WUR;

/**
 * Adds a motion. Takes ownership of track, also on failure. Fails with a message naming the
 * motion, joint and frame for an unknown robot or joint, a duplicate joint, or a sample that is
 * not a finite number.
 */
int preview_source_add(preview_source *src, const char *name, mpk_track *track) MPK_WUR;

/** @return the index of the motion named name, or -1. */
int preview_source_find(const preview_source *src, const char *name);

void preview_source_free(preview_source *src);

#endif
