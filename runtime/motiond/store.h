/* motiond's read side of the store client: catalog search for this robot (the verified catalog
 * cached between requests), catalog thumbnails fetched through the TUF metadata, installed
 * packages with their motions, and clips loaded from an installed package's folder for the
 * control loop. */
#ifndef MD_STORE_H
#define MD_STORE_H

#include <stddef.h>

#include <jansson.h>

#include "motion/motion.h"
#include "request.h"

typedef struct md_store md_store;

int md_store_new(md_store **out, const char *root, const mpk_robot_model *model,
                 const char *runtime_version);
void md_store_free(md_store *s);

/** HTTP-like outcome of a read: 0 ok, else a status (404, 500, 503) with a message. */
typedef struct md_store_error {
    int status;
    const char *code; /* "no-catalog", "not-installed", ... */
    char message[512];
} md_store_error;

/**
 * Searches the last verified catalog for packages with a version for this robot and runtime.
 * @return {"packages": [...], "catalog": {"generated", "count"}} or NULL with err set
 */
json_t *md_store_search(md_store *s, const md_search *q, md_store_error *err);

/** Installed packages: [{"id", "version", "previous", "name", "names", "motions": [...]}] */
json_t *md_store_installed(md_store *s, md_store_error *err);

/**
 * Loads a motion of an installed package as a clip: the current version's manifest, the motion
 * (named, or the package's first for this robot), its track checked against the manifest's size
 * and SHA-256 and against the robot model.
 * @param[out] version, motion  receive what was loaded
 */
int md_store_load_clip(md_store *s, motion_clip **out, const char *id, const char *motion,
                       char version[MD_VERSION_MAX + 1], char name[MD_MOTION_MAX + 1],
                       md_store_error *err);

/** Reads an installed package's thumbnail (PNG, at most 1 MiB). */
int md_store_thumbnail(md_store *s, char **data, size_t *size, const char *id, md_store_error *err);

/**
 * The thumbnail of the version a catalog search shows for id (the newest for this robot and
 * runtime), installed or not: the catalog's thumbnail target, fetched from the store and verified
 * through the TUF metadata (libmstore's cache keeps it), at most 1 MiB, a PNG, JPEG or WebP image.
 * @param[out] type its media type ("image/png", ...)
 * @return 0; -1 with err: 404 not-found / no-thumbnail, 502 store (the store's answer failed a
 *         check or did not come), 503 no-catalog
 */
int md_store_catalog_thumbnail(md_store *s, char **data, size_t *size, const char **type,
                               const char *id, md_store_error *err);

#endif
