/**
 * @file mpk/project.h
 * @brief Package projects: the folder `mpk build` turns into a signed .mpk.
 *
 * A project is a folder with a project file, mpk-project.json (docs/format.md): the package's
 * identity and texts, its motions (each made from a source: a track CSV, a binary .mpkt,
 * keyframes, or a Unitree retargeted CSV), optional assets, and the key to sign with. Loading reads
 * every source into a motion track; building checks each track against its robot model and writes a
 * reproducible package with mpk_package_write().
 */
#ifndef MPK_PROJECT_H
#define MPK_PROJECT_H

#include "mpk/common.h"
#include "mpk/key.h"
#include "mpk/manifest.h"
#include "mpk/track.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MPK_PROJECT_FILE         "mpk-project.json" /**< name of the project file in the folder */
#define MPK_PROJECT_FORMAT       1                  /**< value of its "format" field */
#define MPK_PROJECT_MAX_SIZE     (1024 * 1024)      /**< larger project files are rejected */
#define MPK_PROJECT_DEFAULT_RATE 50.0               /**< Hz of keyframe and imported sources */

/** What the project says about its thumbnail (mpk_project_thumbnail()). */
#define MPK_PROJECT_THUMBNAIL_NONE   0 /**< "thumbnail": false: the package has none */
#define MPK_PROJECT_THUMBNAIL_FILE   1 /**< "thumbnail": "assets/x.png": an image of the project */
#define MPK_PROJECT_THUMBNAIL_RENDER 2 /**< absent or {"motion", "time"}: mpk build renders it */

/** Flags of mpk_project_add_asset(). */
#define MPK_PROJECT_ASSET_THUMBNAIL 1u /**< the asset is the package's thumbnail */

typedef struct mpk_project mpk_project;

/**
 * Loads dir/mpk-project.json and every motion source and asset it names. Tracks are checked for
 * their robot and joint names, not yet for limits (mpk_project_build() does that). Errors name the
 * file and field ("wave/mpk-project.json: motions[0].source.file: required") or the source's line
 * and column.
 */
MPK_API MPK_WUR int mpk_project_load(mpk_project **out, const char *dir);

/**
 * The manifest the package will carry, without its files list (mpk_project_build() fills it).
 * Borrowed.
 */
MPK_API const mpk_manifest *mpk_project_manifest(const mpk_project *project);

/** @return the number of motions (as in mpk_project_manifest()->motions). */
MPK_API size_t mpk_project_motion_count(const mpk_project *project);

/** @return the track of motion index, or NULL. Borrowed. */
MPK_API const mpk_track *mpk_project_track(const mpk_project *project, size_t index);

/** @return the signing key named by the project file, resolved against its folder, or NULL. */
MPK_API const char *mpk_project_key_path(const mpk_project *project);

/** @return the default package file name, "<id>-<version>.mpk". Borrowed. */
MPK_API const char *mpk_project_package_name(const mpk_project *project);

/** @return the project folder, as given to mpk_project_load(). Borrowed. */
MPK_API const char *mpk_project_dir(const mpk_project *project);

/** @return the sampling rate of keyframe and imported sources ("rate", default 50 Hz). */
MPK_API double mpk_project_rate(const mpk_project *project);

/** @return the "type" of motion index's source ("csv", "keyframes", ...), or NULL. Borrowed. */
MPK_API const char *mpk_project_source_type(const mpk_project *project, size_t index);

/** @return the project-relative "file" of motion index's source, or NULL. Borrowed. */
MPK_API const char *mpk_project_source_file(const mpk_project *project, size_t index);

/**
 * What the project wants for a thumbnail: MPK_PROJECT_THUMBNAIL_NONE, _FILE (an asset of the
 * project is the thumbnail) or _RENDER, with the motion to show (*motion, borrowed; the first by
 * default) and the time (*time, NaN for the middle) when rendering. motion and time may be NULL.
 */
MPK_API int mpk_project_thumbnail(const mpk_project *project, const char **motion, double *time);

/**
 * Adds a file made outside the project folder (a rendered thumbnail) to the package: copied, at
 * package path path, listed in the manifest's files; with MPK_PROJECT_ASSET_THUMBNAIL it becomes
 * the manifest's thumbnail. Fails (changing nothing) for a bad or taken path, or a second
 * thumbnail.
 */
MPK_API MPK_WUR int mpk_project_add_asset(mpk_project *project, const char *path, const void *data,
                                          size_t size, unsigned flags);

/**
 * Checks every track against its robot model (MPK_EVALIDATE naming motion, joint and time) and
 * writes the signed package to out_path atomically.
 */
MPK_API MPK_WUR int mpk_project_build(const mpk_project *project, const char *out_path,
                                      const mpk_key *key);

MPK_API void mpk_project_free(mpk_project *project);

#ifdef __cplusplus
}
#endif
#endif
