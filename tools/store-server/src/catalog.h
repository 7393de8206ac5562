/*
 * The catalog target (catalog.json): every published package with its versions, for search on the
 * robot and the phone. Built from the database rows that are published at the time of a sync.
 *
 * {"format": 1, "generated": "...Z", "packages": [{"id", "latest", "published", "developer",
 *   "key_id", "category", "author", "names": {lang: text}, "descriptions": {lang: text},
 *   "robots": [...], "size", "thumbnail": target path or null,
 *   "versions": [{"published", "version", "target", "size", "sha256", "robots", "min_runtime",
 *                 "permissions", "motions", "key_id", "thumbnail"}]}]}
 * Packages are sorted by id, versions by semantic version, oldest first; package fields come from
 * the newest version.
 *
 * A publish rewrites the whole catalog, so each version's part is turned into JSON text once, when
 * the upload is accepted (srv_catalog_fragments(), kept in the database), and a publish only joins
 * texts: no JSON is parsed or built per version then.
 */
#ifndef SRV_CATALOG_H
#define SRV_CATALOG_H

#include <stdint.h>

#include <jansson.h>

#define SRV_CATALOG_FORMAT 1
#define SRV_CATALOG_TARGET "catalog.json"

typedef struct srv_catalog srv_catalog;

/**
 * The catalog text of one version, from its entry (the upload checks' JSON, with "thumbnail"
 * set when the package has one): the version object's members and the package-level members,
 * each without the enclosing braces and without "published" (known only when published).
 * @param[out] version_text malloc'd
 * @param[out] package_text malloc'd
 */
int srv_catalog_fragments(char **version_text, char **package_text, const json_t *entry);

int srv_catalog_new(srv_catalog **out, int64_t generated);

/**
 * Adds one published version from its fragments. Rows must come grouped by package id (any
 * version order).
 */
int srv_catalog_add_text(srv_catalog *cat, const char *id, const char *version,
                         const char *version_text, const char *package_text, int64_t published);

/** Same from an entry (computes the fragments). */
int srv_catalog_add(srv_catalog *cat, const json_t *entry, int64_t published);

/** Finishes and hands over the text. */
int srv_catalog_finish(char **out, size_t *size, srv_catalog *cat);

void srv_catalog_free(srv_catalog *cat);

/** Target paths of a version: "packages/ID/ID-VERSION.mpk" and its thumbnail. malloc'd. */
char *srv_package_target(const char *id, const char *version);
char *srv_thumbnail_target(const char *id, const char *version, const char *ext);

#endif
