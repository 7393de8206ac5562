/*
 * The catalog target (catalog.json): every published package with its versions, for search on the
 * robot and the phone. Built from the database rows that are published at the time of a sync.
 *
 * {"format": 1, "generated": "...Z", "packages": [{"id", "developer", "key_id", "category",
 *   "names": {lang: text}, "descriptions": {lang: text}, "robots": [...], "latest",
 *   "thumbnail": target path or null, "size", "published",
 *   "versions": [{"version", "target", "size", "sha256", "published", "robots", "min_runtime",
 *                 "permissions", "motions", "key_id", "thumbnail"}]}]}
 * Packages are sorted by id, versions by semantic version, oldest first.
 */
#ifndef SRV_CATALOG_H
#define SRV_CATALOG_H

#include <stdint.h>

#include <jansson.h>

#define SRV_CATALOG_FORMAT 1
#define SRV_CATALOG_TARGET "catalog.json"

typedef struct srv_catalog srv_catalog;

int srv_catalog_new(srv_catalog **out, int64_t generated);

/**
 * Adds one published version. entry is the upload's catalog entry (from the checks); target and
 * thumbnail_target are its target paths (thumbnail NULL if none). Rows must come grouped by id.
 */
int srv_catalog_add(srv_catalog *cat, const json_t *entry, const char *target,
                    const char *thumbnail_target, int64_t published);

/** Finishes (sorts versions, fills the package fields from the newest version) and serialises. */
int srv_catalog_finish(char **out, size_t *size, srv_catalog *cat);

void srv_catalog_free(srv_catalog *cat);

/** Target paths of a version: "packages/ID/ID-VERSION.mpk" and its thumbnail. malloc'd. */
char *srv_package_target(const char *id, const char *version);
char *srv_thumbnail_target(const char *id, const char *version, const char *ext);

#endif
