/**
 * @file mstore/install.h
 * @brief The robot's store client: update, search, install, upgrade, rollback, remove, verify.
 *
 * Everything lives under one root folder (the robot's "/", or any folder for tests and demos;
 * the environment variable MSTORE_ROOT sets it for programs):
 * - ROOT/etc/motionstore/config.json: store URLs (mirrors in order), robot model, runtime
 *   version, network settings; ROOT/etc/motionstore/root.json: the store's trusted TUF root.
 * - ROOT/var/lib/motionstore/: metadata/ (trusted TUF metadata), packages/ID/VERSION/ (installed
 *   files, "current" a symbolic link to the active version, the previous version kept for
 *   rollback), installed.json (the installed-package database), lock.
 * - ROOT/var/cache/motionstore/: catalog.json, packages/ (verified downloads), partial/.
 *
 * An install downloads the package (length and hashes from the signed TUF targets, hashed while
 * downloading), checks the developer's signature against the key id the signed catalog names
 * (the same key as the installed version unless the catalog allows the new one), the robot model
 * and runtime version, extracts it under strict limits into a staging folder, fsyncs it, switches
 * "current" atomically and then writes the database atomically. A crash at any point leaves the
 * old or the new version; the next operation finishes or undoes the interrupted one.
 *
 * Thread safety: operations that change the installation take an exclusive lock (a file lock on
 * ROOT/var/lib/motionstore/lock), so two installers, in one process or in two, never run at once;
 * one client object may be shared by several threads (its own state is behind a mutex). Every
 * refresh of the stored metadata (update, and the one that starts an install) takes a second file
 * lock, ROOT/var/lib/motionstore/metadata.lock, waited for until free or canceled, so that two
 * refreshes never interleave.
 */
#ifndef MSTORE_INSTALL_H
#define MSTORE_INSTALL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "mstore/catalog.h"
#include "mstore/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Environment variable that sets the root folder when the options give none. */
#define MSTORE_ROOT_ENV "MSTORE_ROOT"

/** Largest number of entries in a package archive (manifest files + manifest + signature). */
#define MSTORE_EXTRACT_MAX_ENTRIES 1026
/** Largest total of bytes extracted from one package, counted as written. */
#define MSTORE_EXTRACT_MAX_TOTAL (512ull * 1024 * 1024)

/** What an operation is doing, for progress reports. */
typedef enum mstore_phase {
    MSTORE_PHASE_METADATA, /**< TUF refresh and catalog */
    MSTORE_PHASE_DOWNLOAD, /**< package download: done/total are bytes */
    MSTORE_PHASE_EXTRACT,  /**< extraction: done/total are bytes */
    MSTORE_PHASE_COMMIT,   /**< switching versions and writing the database */
} mstore_phase;

/** @return "metadata", "download", "extract" or "commit". */
MSTORE_API const char *mstore_phase_name(mstore_phase phase);

/**
 * Progress of an operation on package id (NULL in the metadata phase, which is not about one
 * package). Return non-zero to cancel: the operation then fails with MSTORE_ECANCELED and changes
 * nothing (once the commit phase reports done == total, the change is made and stays).
 */
typedef int (*mstore_install_progress_fn)(void *ctx, const char *id, mstore_phase phase,
                                          uint64_t done, uint64_t total);

typedef struct mstore_client_options {
    const char *root;            /**< NULL: $MSTORE_ROOT, else "/" */
    const char *robot_model;     /**< NULL: from config.json */
    const char *runtime_version; /**< NULL: from config.json, else the library's version */
    long lock_timeout_ms;        /**< wait for the lock this long (0: fail at once, MSTORE_EBUSY) */
    int64_t now;                 /**< reference time for metadata expiry; 0: the clock */
    mstore_install_progress_fn progress;
    void *progress_ctx;
    /** Set to non-zero (from any thread) to cancel the running operation. May be NULL. */
    const atomic_int *cancel;
    /** Optional log of decisions and requests (one line each). */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
} mstore_client_options;

typedef struct mstore_client mstore_client;

/** Fills o with the defaults (everything NULL or 0). */
MSTORE_API void mstore_client_options_init(mstore_client_options *o);

/**
 * Opens the client: reads ROOT/etc/motionstore/config.json (a missing file means no store URL:
 * only sideloading, list, verify and remove work), and creates the state and cache folders.
 */
MSTORE_API MSTORE_WUR int mstore_client_open(mstore_client **out, const mstore_client_options *o);

MSTORE_API void mstore_client_free(mstore_client *c);

/** The robot model the client installs for (NULL if none is configured). */
MSTORE_API const char *mstore_client_robot(const mstore_client *c);
/** The runtime version the client checks packages' min_runtime against. */
MSTORE_API const char *mstore_client_runtime_version(const mstore_client *c);
/** The root folder ("/" or the one given). */
MSTORE_API const char *mstore_client_root(const mstore_client *c);

/**
 * Refreshes the TUF metadata and downloads the catalog if it changed. Waits while another refresh
 * holds the metadata lock (MSTORE_ECANCELED if the cancel flag is set meanwhile).
 * @return MSTORE_OK, the TUF errors (MSTORE_ESIGNATURE, MSTORE_EEXPIRED, MSTORE_EROLLBACK, ...),
 *         network errors; on failure the last trusted state stays.
 */
MSTORE_API MSTORE_WUR int mstore_client_update(mstore_client *c);

/**
 * The catalog of the last update (loaded once, then shared). Borrowed from the client.
 * @return MSTORE_ENOTFOUND if no update ever succeeded
 */
MSTORE_API MSTORE_WUR int mstore_client_catalog(const mstore_catalog **out, mstore_client *c);

/**
 * Fetches one target of the store into memory, verified through the TUF metadata like a package:
 * a catalog thumbnail (the catalog's "thumbnail" path) of a package that is not installed, say.
 * Its length and hashes come from the signed targets metadata (delegations followed); the
 * download never takes more bytes than that length; the bytes handed over are the bytes that
 * were hashed. The metadata is the stored state of the last update while it is complete and
 * unexpired (no network then), else a refresh runs first (the stored metadata moves forward as
 * with mstore_client_update(), the cached catalog stays); a target the stored state does not
 * list is looked up again after a refresh. Verified targets are cached under
 * ROOT/var/cache/motionstore/targets/ (64 MiB at most, the least recently used removed first),
 * so fetching one again costs no download. Runs under the metadata lock (waits for a refresh in
 * progress); does not take the installer lock, so it works while an install runs.
 * @param target_path a target path as the catalog names it ("packages/ID/ID-1.0.0-thumbnail.png")
 * @param max_size refuse a target whose signed length is larger (before any download)
 * @param[out] data malloc'd bytes, free with free(); left untouched on failure
 * @param[out] size their number, the target's signed length
 * @return MSTORE_OK; MSTORE_EINVAL (not a relative target path); MSTORE_ENOTFOUND (no trusted
 *         role lists it, or no store is configured); MSTORE_ELIMIT (larger than max_size);
 *         MSTORE_EHASH, MSTORE_ELENGTH (the store served other bytes); the TUF and network
 *         errors of an update; MSTORE_ECANCELED (canceled while waiting for the lock)
 */
MSTORE_API MSTORE_WUR int mstore_client_fetch_target(void **data, size_t *size, mstore_client *c,
                                                     const char *target_path, size_t max_size);

/**
 * Installs a package from the store: the given version, or (version NULL) the newest one for
 * this robot model and runtime version. Refreshes the metadata first. Installing the version
 * that is already current does nothing.
 * @return MSTORE_OK; MSTORE_ENOTFOUND (no such package or version); MSTORE_EUNSUPPORTED (not for
 *         this robot or runtime); MSTORE_ESIGNATURE (developer signature or key); MSTORE_EHASH,
 *         MSTORE_ELENGTH; MSTORE_EFORMAT or MSTORE_ELIMIT (a bad archive); MSTORE_ENOSPACE;
 *         MSTORE_EBUSY (another installer runs); MSTORE_ECANCELED; network and TUF errors
 */
MSTORE_API MSTORE_WUR int mstore_client_install(mstore_client *c, const char *id,
                                                const char *version);

/**
 * Installs a package file handed over with the store's signed metadata (sideloading): metadata_dir
 * holds the repository's metadata files (timestamp.json, N.snapshot.json, N.targets.json, and any
 * newer N.root.json) and catalog.json (or HASH.catalog.json), directly or under metadata/ and
 * targets/. They are verified from this robot's trusted root exactly like a download, and the
 * file must match the signed length and hashes of its target.
 */
MSTORE_API MSTORE_WUR int mstore_client_install_file(mstore_client *c, const char *mpk_path,
                                                     const char *metadata_dir);

/**
 * Upgrades a package (id) or every installed package (id NULL) to the newest version for this
 * robot. @param[out] upgraded number of packages upgraded (may be NULL)
 */
MSTORE_API MSTORE_WUR int mstore_client_upgrade(mstore_client *c, const char *id, size_t *upgraded);

/** Switches a package back to its previous version. @return MSTORE_ENOTFOUND if there is none */
MSTORE_API MSTORE_WUR int mstore_client_rollback(mstore_client *c, const char *id);

/** Removes a package (every version of it). */
MSTORE_API MSTORE_WUR int mstore_client_remove(mstore_client *c, const char *id);

/** An installed package. */
typedef struct mstore_installed {
    char *id;
    char *version;
    char *previous;  /**< version kept for rollback, or NULL */
    char *key_id;    /**< developer key id */
    char *installed; /**< "YYYY-MM-DDTHH:MM:SSZ" */
    char *name;      /**< English name from the manifest, or NULL */
    char *path;      /**< folder of the current version */
} mstore_installed;

/** Lists installed packages, sorted by id. @param[out] out malloc'd, free with _free() */
MSTORE_API MSTORE_WUR int mstore_client_list(mstore_installed **out, size_t *n, mstore_client *c);

MSTORE_API void mstore_installed_free(mstore_installed *list, size_t n);

/** Called by mstore_client_verify() for each package checked. */
typedef void (*mstore_verify_fn)(void *ctx, const char *id, const char *version, int result,
                                 const char *message);

/**
 * Re-checks installed packages (id, or all when NULL): the database against the folders, the
 * developer signature against the recorded key, every file's size and SHA-256 against the
 * manifest, no file the manifest does not list. The previous version is checked too.
 * @return MSTORE_OK if everything checked out, else the first failure's code
 */
MSTORE_API MSTORE_WUR int mstore_client_verify(mstore_client *c, const char *id,
                                               mstore_verify_fn each, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
