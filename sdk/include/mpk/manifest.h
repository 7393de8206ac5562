/**
 * @file mpk/manifest.h
 * @brief The package manifest (manifest.json): identity, texts, robots, motions, permissions,
 * files.
 *
 * Parsing is strict: unknown fields, wrong types and out-of-range values fail with a message that
 * names the field path ("motions[1].rate: must be between 1 and 1000"). Serialisation is
 * deterministic (sorted keys, fixed number format), so the same manifest gives the same bytes.
 */
#ifndef MPK_MANIFEST_H
#define MPK_MANIFEST_H

#include <stdbool.h>
#include "mpk/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MPK_MANIFEST_MAX_SIZE        (1024 * 1024) /**< manifest.json larger than this is rejected */
#define MPK_MANIFEST_MAX_MOTIONS     256
#define MPK_MANIFEST_MAX_FILES       1024
#define MPK_MANIFEST_FORMAT          1 /**< value of the "format" field this library writes */
#define MPK_MANIFEST_MAX_ROBOTS      16
#define MPK_MANIFEST_MAX_LANGUAGES   64     /**< texts per field (names, descriptions, titles) */
#define MPK_MANIFEST_MAX_NAME        200    /**< bytes of a name, title, author or license */
#define MPK_MANIFEST_MAX_DESCRIPTION 8000   /**< bytes of a description */
#define MPK_MANIFEST_MAX_ID          128    /**< bytes of a package id */
#define MPK_MANIFEST_MAX_PATH        255    /**< bytes of a file path in the package */
#define MPK_MANIFEST_MAX_DURATION    3600.0 /**< seconds of one motion */

/** Permission bits. */
typedef enum mpk_permission {
    MPK_PERM_FULL_BODY = 1u << 0 /**< "full-body": the package may drive legs */
} mpk_permission;

/** A text in one language: lang is a BCP 47 tag ("en", "zh", "zh-Hans"). */
typedef struct mpk_text {
    char *lang;
    char *text;
} mpk_text;

/** A motion of the package. */
typedef struct mpk_motion_info {
    char *name;      /**< [a-z0-9_-]{1,64}, unique in the package */
    char *file;      /**< path of its track in the package ("motions/wave.mpkt") */
    char *robot;     /**< robot model id the track is for */
    double duration; /**< seconds */
    double rate;     /**< Hz */
    int joint_count;
    char **joints;    /**< joint names */
    bool loopable;    /**< starts where it ends, may loop */
    mpk_text *titles; /**< optional per-motion display names */
    size_t title_count;
} mpk_motion_info;

/** A file of the package other than manifest.json and its signature. */
typedef struct mpk_file_entry {
    char *path; /**< relative, '/'-separated, no "..", no leading '/' */
    uint64_t size;
    unsigned char sha256[32];
} mpk_file_entry;

/** A parsed manifest. Every pointer is owned by the manifest and freed by mpk_manifest_free(). */
typedef struct mpk_manifest {
    int format;      /**< MPK_MANIFEST_FORMAT */
    char *id;        /**< reverse-DNS ("com.example.wave") */
    char *version;   /**< semantic version ("1.2.0", "1.0.0-beta.1") */
    mpk_text *names; /**< by language, "en" required */
    size_t name_count;
    mpk_text *descriptions; /**< by language, "en" required */
    size_t description_count;
    char *author;
    char *license;  /**< SPDX expression */
    char *category; /**< one of mpk_manifest_categories() */
    char **robots;  /**< robot model ids */
    size_t robot_count;
    mpk_motion_info *motions;
    size_t motion_count;
    unsigned permissions; /**< mpk_permission bits */
    char *min_runtime;    /**< minimum runtime version (semantic version) */
    char *thumbnail;      /**< path of the thumbnail among files, or NULL */
    mpk_file_entry *files;
    size_t file_count;
} mpk_manifest;

/** Parses and strictly validates manifest JSON. Errors name the field path. */
MPK_API MPK_WUR int mpk_manifest_parse(mpk_manifest **out, const char *json, size_t size);

/** Validates a manifest built in memory (the same rules as parsing). */
MPK_API MPK_WUR int mpk_manifest_validate(const mpk_manifest *manifest);

/** Deterministic JSON. @param[out] out malloc'd NUL-terminated text, caller frees */
MPK_API MPK_WUR int mpk_manifest_serialize(char **out, size_t *size, const mpk_manifest *manifest);

/** @return the text for lang, falling back to "en", or NULL. Borrowed. */
MPK_API const char *mpk_text_get(const mpk_text *texts, size_t count, const char *lang);

/** @return the motion named name, or NULL. Borrowed. */
MPK_API const mpk_motion_info *mpk_manifest_motion(const mpk_manifest *manifest, const char *name);

/** @return the file entry for path, or NULL. Borrowed. */
MPK_API const mpk_file_entry *mpk_manifest_file(const mpk_manifest *manifest, const char *path);

/** @return a NULL-terminated list of the allowed categories. */
MPK_API const char *const *mpk_manifest_categories(void);

/** Semantic version helpers (semver.org 2.0 precedence). */
MPK_API bool mpk_semver_valid(const char *version);
/** @return <0, 0, >0 like strcmp; invalid versions sort first. */
MPK_API int mpk_semver_compare(const char *a, const char *b);

/** @return true for a valid reverse-DNS package id ("com.example.wave"). */
MPK_API bool mpk_id_valid(const char *id);

MPK_API void mpk_manifest_free(mpk_manifest *manifest);

#ifdef __cplusplus
}
#endif
#endif
