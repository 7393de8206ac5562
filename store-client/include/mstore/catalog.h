/**
 * @file mstore/catalog.h
 * @brief The store's catalog (the signed target "catalog.json"): parsing and search.
 *
 * The cloud store publishes one catalog listing every package and its versions (format 1, see
 * docs/store-server.md and docs/mstore.md):
 *
 *     {"format": 1, "generated": "...Z", "packages": [{"id", "developer", "key_id", "category",
 *       "names": {lang: text}, "descriptions": {lang: text}, "robots": [...], "latest",
 *       "thumbnail", "size", "published", "previous_key_ids": [...] (optional),
 *       "versions": [{"version", "target", "size", "sha256", "published", "robots",
 *                     "min_runtime", "permissions", "key_id", "thumbnail"}]}]}
 *
 * The catalog is a TUF target, so its bytes are covered by the store's signatures before it is
 * parsed. Parsing is still strict, because a parser of outside data must be: every field the
 * client relies on is type- and range-checked, and errors name the field
 * ("catalog.json: packages[3].versions[0].target: must be packages/ID/ID-VERSION.mpk").
 * Unknown fields are ignored so that the store can add some.
 *
 * Everything returned is borrowed from the catalog object and valid until it is freed. A catalog
 * may be read from several threads at once.
 */
#ifndef MSTORE_CATALOG_H
#define MSTORE_CATALOG_H

#include <stdbool.h>

#include "mstore/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MSTORE_CATALOG_TARGET       "catalog.json"
#define MSTORE_CATALOG_FORMAT       1
#define MSTORE_CATALOG_MAX_SIZE     ((size_t)256 * 1024 * 1024) /**< largest catalog accepted */
#define MSTORE_CATALOG_MAX_VERSIONS 4096                        /**< versions of one package */

/** A text in one language. */
typedef struct mstore_text {
    const char *lang;
    const char *text;
} mstore_text;

/** One published version of a package. */
typedef struct mstore_catalog_version {
    const char *version;     /**< semantic version */
    const char *target;      /**< TUF target path, "packages/ID/ID-VERSION.mpk" */
    uint64_t size;           /**< bytes of the .mpk */
    const char *sha256;      /**< hex, or NULL */
    const char *key_id;      /**< developer key id that signed this version */
    const char *min_runtime; /**< minimum runtime version, or NULL */
    const char *published;   /**< "YYYY-MM-DDTHH:MM:SSZ", or NULL */
    const char *thumbnail;   /**< thumbnail target path, or NULL */
    const char *const *robots;
    size_t n_robots;
    const char *const *permissions;
    size_t n_permissions;
} mstore_catalog_version;

/** One package with every published version, oldest first. */
typedef struct mstore_catalog_package {
    const char *id;
    const char *category;  /**< or NULL */
    const char *developer; /**< or NULL */
    const char *author;    /**< or NULL */
    const char *key_id;    /**< key id of the newest version */
    const char *latest;    /**< newest version */
    const char *thumbnail; /**< or NULL */
    const char *published; /**< or NULL */
    uint64_t size;
    const mstore_text *names;
    size_t n_names;
    const mstore_text *descriptions;
    size_t n_descriptions;
    const char *const *robots; /**< robots of the newest version */
    size_t n_robots;
    /** Developer keys the store allows to be replaced by this package's current key. */
    const char *const *previous_key_ids;
    size_t n_previous_key_ids;
    const mstore_catalog_version *versions;
    size_t n_versions;
} mstore_catalog_package;

typedef struct mstore_catalog mstore_catalog;

/**
 * Parses a catalog.
 * @param what name for error messages ("catalog.json")
 * @return MSTORE_EFORMAT naming the field, MSTORE_ELIMIT, MSTORE_ENOMEM
 */
MSTORE_API MSTORE_WUR int mstore_catalog_parse(mstore_catalog **out, const void *data, size_t size,
                                               const char *what);

/** Reads and parses a catalog file (at most MSTORE_CATALOG_MAX_SIZE bytes). */
MSTORE_API MSTORE_WUR int mstore_catalog_load(mstore_catalog **out, const char *path);

MSTORE_API void mstore_catalog_free(mstore_catalog *cat);

/** Number of packages. */
MSTORE_API size_t mstore_catalog_count(const mstore_catalog *cat);

/** Package i (0 <= i < count), in the catalog's order (sorted by id). */
MSTORE_API const mstore_catalog_package *mstore_catalog_at(const mstore_catalog *cat, size_t i);

/** The package with this id, or NULL. */
MSTORE_API const mstore_catalog_package *mstore_catalog_find(const mstore_catalog *cat,
                                                             const char *id);

/** A version of a package, or NULL. */
MSTORE_API const mstore_catalog_version *
mstore_catalog_package_version(const mstore_catalog_package *pkg, const char *version);

/** The text for lang, else "en", else the first one, else NULL. */
MSTORE_API const char *mstore_text_pick(const mstore_text *texts, size_t n, const char *lang);

/** @return true if the version lists robot model (or robot is NULL). */
MSTORE_API bool mstore_catalog_version_fits(const mstore_catalog_version *v, const char *robot,
                                            const char *runtime_version);

/** What to search for; NULL fields match everything. */
typedef struct mstore_search_query {
    const char *text;     /**< case-insensitive substring of the id, a name or a description */
    const char *category; /**< exact category */
    const char *robot;    /**< packages with at least one version for this robot model */
} mstore_search_query;

/**
 * Searches the catalog.
 * @param[out] hits malloc'd array of package indexes (NULL when none), in catalog order
 */
MSTORE_API MSTORE_WUR int mstore_catalog_search(size_t **hits, size_t *n, const mstore_catalog *cat,
                                                const mstore_search_query *q);

#ifdef __cplusplus
}
#endif
#endif
