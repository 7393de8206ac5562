/* Internal pieces of the store client's install side (never installed): paths, the lock, the
 * installed database, package signatures, extraction, file-system helpers and recovery. */
#ifndef MSTORE_INSTALL_INTERNAL_H
#define MSTORE_INSTALL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <mpk/manifest.h>

#include "mstore/install.h"
#include "mstore/updater.h"

/* ---- configuration and paths (install_config.c) ------------------------------------------ */

#define MSTORE__CONFIG_MAX (64 * 1024)
#define MSTORE__MAX_STORES 8

typedef struct mstore__config {
    char *stores[MSTORE__MAX_STORES]; /* base URLs, each ending in '/' */
    size_t n_stores;
    char *robot;
    char *runtime_version;
    char *ca_file;
    long connect_timeout_ms, stall_timeout_ms;
    long retries; /* -1: default */
} mstore__config;

struct mstore_client {
    mstore_client_options o;
    pthread_mutex_t mutex;
    char *root;     /* as given, "/" by default */
    char *etc;      /* ROOT/etc/motionstore */
    char *state;    /* ROOT/var/lib/motionstore */
    char *cache;    /* ROOT/var/cache/motionstore */
    char *metadata; /* state/metadata */
    char *packages; /* state/packages */
    char *db_path;  /* state/installed.json */
    mstore__config cfg;
    mstore_catalog *catalog; /* loaded on demand */
    char *catalog_sha256;    /* hash of the loaded catalog file */
};

int mstore__config_load(mstore__config *cfg, const char *path);
void mstore__config_clear(mstore__config *cfg);

/** Fetch options from the configuration, with the client's progress and cancel flag. */
typedef struct mstore__progress_ctx {
    mstore_client *c;
    const char *id;
    mstore_phase phase;
} mstore__progress_ctx;

void mstore__fetch_options(mstore_fetch_options *fo, mstore_client *c, mstore__progress_ctx *pc);
int mstore__fetch_progress(void *ctx, uint64_t done, uint64_t total);

/** Reports progress; returns MSTORE_ECANCELED (with a message) if the caller wants to stop. */
int mstore__report(mstore_client *c, const char *id, mstore_phase phase, uint64_t done,
                   uint64_t total);
bool mstore__canceled(const mstore_client *c);
void mstore__clog(const mstore_client *c, const char *fmt, ...) MSTORE_PRINTF(2, 3);

/* ---- locks (lock.c) ----------------------------------------------------------------------- */

/** Takes the exclusive installer lock, waiting up to timeout_ms. @param[out] fd to release */
int mstore__lock_acquire(int *fd, const char *state_dir, long timeout_ms);

/**
 * Takes the metadata lock, held around every refresh of the stored TUF metadata and catalog and
 * every lookup in them that may fetch: waits until it is free (logging that it waits) or the
 * client's cancel flag is set (MSTORE_ECANCELED). Taken inside the installer lock, never around
 * it. @param[out] fd to release with mstore__lock_release()
 */
int mstore__metadata_lock(int *fd, mstore_client *c);

/** Releases either lock (-1 is fine). */
void mstore__lock_release(int fd);

/* ---- installed database (installdb.c) ----------------------------------------------------- */

#define MSTORE__DB_MAX (16 * 1024 * 1024)

typedef struct mstore__db_entry {
    char *id, *version, *previous, *key_id, *installed;
    char *previous_key_id; /* key the kept version was installed with (NULL: as key_id) */
} mstore__db_entry;

typedef struct mstore__db {
    mstore__db_entry *e;
    size_t n, cap;
} mstore__db;

/** Loads the database; a missing file is an empty database. */
int mstore__db_load(mstore__db *db, const char *path);
/** Writes it atomically (temporary file, fsync, rename, fsync of the folder). */
int mstore__db_save(const mstore__db *db, const char *path);
mstore__db_entry *mstore__db_find(mstore__db *db, const char *id);
/** Adds or replaces the entry for id (strings copied; previous_key_id may be NULL). */
int mstore__db_set(mstore__db *db, const char *id, const char *version, const char *previous,
                   const char *key_id, const char *previous_key_id, const char *installed);
void mstore__db_remove(mstore__db *db, const char *id);
void mstore__db_clear(mstore__db *db);

/* ---- package signature (pkgsig.c) --------------------------------------------------------- */

#define MSTORE__SIGNATURE_MAX (16 * 1024)

/**
 * Checks signature.json over the manifest bytes: the embedded public key has key id
 * expected_key_id and its signature over manifest covers these exact bytes.
 */
int mstore__pkgsig_check(const char *sig_json, size_t sig_size, const void *manifest,
                         size_t manifest_size, const char *expected_key_id);

/* ---- extraction (extract.c) --------------------------------------------------------------- */

typedef struct mstore__extract_limits {
    size_t max_entries;
    uint64_t max_total;
} mstore__extract_limits;

/** Progress during extraction: bytes written so far, of total. Non-zero return cancels. */
typedef int (*mstore__extract_progress)(void *ctx, uint64_t done, uint64_t total);

/*
 * The archive functions read a package through a descriptor the caller opened once and checked
 * (against the signed TUF length and hashes) and never open it again by name; archive_path only
 * names it in messages.
 */

/**
 * Reads manifest.json and signature.json of a package archive (zip only), checks the signature
 * against expected_key_id and parses the manifest.
 * @param[out] manifest_bytes malloc'd exact bytes (for the check during extraction)
 * @param[out] signature_bytes malloc'd exact bytes of signature.json (NULL: not wanted)
 */
int mstore__package_read_head(mpk_manifest **manifest, char **manifest_bytes, size_t *manifest_size,
                              char **signature_bytes, size_t *signature_size, int archive_fd,
                              const char *archive_path, const char *expected_key_id);

/**
 * Extracts a package archive into dest (a new, empty folder), enforcing: zip format only, regular
 * files and folders only, no absolute or ".." paths, no encrypted entries, at most
 * limits->max_entries entries and limits->max_total bytes counted as written, entries exactly
 * the manifest's files plus manifest.json and signature.json, each byte-identical to the verified
 * manifest_bytes and signature_bytes, each file with its listed size and SHA-256, no duplicates.
 * Files and folders are fsynced.
 */
int mstore__extract_package(int archive_fd, const char *archive_path, const char *dest,
                            const mpk_manifest *m, const char *manifest_bytes, size_t manifest_size,
                            const char *signature_bytes, size_t signature_size,
                            const mstore__extract_limits *limits, mstore__extract_progress progress,
                            void *progress_ctx);

/** Number of entries a zip's central directory holds (checked against its end record). */
int mstore__zip_entry_count(uint64_t *out, int archive_fd, const char *archive_path);

/** Checks an entry name of an archive: relative, '/'-separated, no "." or ".." segment. */
int mstore__entry_name_ok(const char *name);

/* ---- file system (fsutil.c) --------------------------------------------------------------- */

/** Removes a file or folder tree; a missing one is fine. Does not follow symbolic links. */
int mstore__rmtree(const char *path);
int mstore__fsync_dir(const char *path);
/** Free bytes available to this process in the file system holding path. */
int mstore__free_space(uint64_t *out, const char *path);
/** Renames path to a unique ".trash-*" name in the same folder (fsynced), then removes it. */
int mstore__discard(const char *dir, const char *name);
/** Points dir/name at target atomically (symlink at a temporary name, rename, fsync dir). */
int mstore__switch_link(const char *dir, const char *name, const char *target);
/** Target of dir/name if it is a symbolic link, else NULL. @param[out] out malloc'd */
int mstore__read_link(char **out, const char *dir, const char *name);
void mstore__iso_time(char out[24], int64_t t);
/** @return true if path exists (lstat). */
bool mstore__exists(const char *path);
/** @return true if path is a folder itself, not a symbolic link to one (lstat). */
bool mstore__is_dir(const char *path);

/* ---- operations (install.c, recover.c, verify.c) ------------------------------------------ */

/** Cleans leftovers of an interrupted run and reconciles the database with the folders. */
int mstore__recover(mstore_client *c, mstore__db *db);

/** @return true if name (no trailing '/') is a folder on the way to a file the manifest lists. */
bool mstore__manifest_has_dir(const mpk_manifest *m, const char *name);

/** Reads the key id recorded in dir/signature.json (already verified when it was installed). */
int mstore__installed_key_id(char **out, const char *dir);

/** Verifies one installed version folder against key_id. */
int mstore__verify_dir(const char *dir, const char *id, const char *version, const char *key_id);

/**
 * Installs a verified package (the common tail of download and sideload), read only through
 * mpk_fd, the descriptor the package was verified through; mpk_path names it in messages.
 */
int mstore__install_cached(mstore_client *c, mstore__db *db, int mpk_fd, const char *mpk_path,
                           const mstore_catalog_package *pkg, const mstore_catalog_version *ver);

/** Checks robot, runtime and developer-key rules for installing ver over what db has. */
int mstore__check_compatible(mstore_client *c, const mstore__db *db,
                             const mstore_catalog_package *pkg, const mstore_catalog_version *ver);

/** Newest version of pkg that fits this robot and runtime (NULL if none). */
const mstore_catalog_version *mstore__resolve(const mstore_client *c,
                                              const mstore_catalog_package *pkg);

/**
 * Creates an updater on the client's metadata (mirrors from config, or the given URLs). The
 * caller holds the metadata lock (the updater removes leftovers of interrupted writes there).
 * @param partial_dir partial target downloads (NULL: CACHE/partial)
 */
int mstore__updater_open(mstore_updater **out, mstore_client *c, mstore__progress_ctx *pc,
                         const char *const *meta_urls, size_t n_meta,
                         const char *const *target_urls, size_t n_targets, const char *partial_dir);

/** mstore_updater_get_target() under the metadata lock (a lookup may fetch and store). */
int mstore__get_target_locked(mstore_target **out, mstore_client *c, mstore_updater *u,
                              const char *path);

/**
 * Refreshes the metadata, downloads (or reuses) the catalog target and, with load, parses it.
 * The caller holds the metadata lock.
 * @param seed a candidate catalog file (sideloading) used if it is the signed one; removed
 */
int mstore__catalog_refresh(mstore_client *c, mstore_updater *u, bool load, const char *seed);

#endif
