/**
 * @file mstore/updater.h
 * @brief The TUF 1.0 client workflow ("detailed client workflow", section 5 of the spec).
 *
 * mstore_updater_refresh() runs, with one reference time fixed when the updater is created:
 * 1. the trusted root (root.json in the metadata folder, verified by its own keys);
 * 2. root rotation: N+1.root.json while the repository has it (404/403 ends the chain), each
 *    signed by a threshold of the old and of the new root's keys, version exactly N+1, stored
 *    before the next is fetched; at most max_root_rotations; then the final root must not be
 *    expired, and if the timestamp or snapshot keys changed, the stored timestamp and snapshot
 *    are deleted (fast-forward attack recovery);
 * 3. timestamp.json: threshold of the timestamp keys; no version rollback, no rollback of the
 *    snapshot version it names (checked against the stored timestamp, even an expired one); an
 *    equal version keeps the stored one; not expired;
 * 4. snapshot: the stored one if still current, else [N.]snapshot.json within the timestamp's
 *    length and hashes, threshold, version equal to the timestamp's, no role removed or rolled
 *    back compared with the stored snapshot, not expired;
 * 5. targets: the stored one if it matches the snapshot, else [N.]targets.json within the
 *    snapshot's length and hashes, threshold, version equal to the snapshot's, not expired.
 * Every file is stored atomically (temporary file, fsync, rename, fsync of the folder) only after
 * it passed every check, so a failed update leaves the last trusted state, which the next run
 * starts from. Every download has a size cap.
 *
 * Target lookup searches delegations in pre-order depth-first order: roles in order of
 * appearance, only those whose paths (or hash prefixes, or succinct bin) match, a terminating
 * match ends the search of other branches, each role visited once, at most max_delegations
 * roles. A delegated role is verified against the delegator that leads to it on every visit.
 * Files are named by the URL-encoded role name ("a%2Fb.json").
 */
#ifndef MSTORE_UPDATER_H
#define MSTORE_UPDATER_H

#include <stdbool.h>

#include "mstore/common.h"
#include "mstore/download.h"
#include "mstore/metadata.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mstore_updater mstore_updater;

typedef struct mstore_updater_options {
    const char *metadata_dir;         /**< trusted metadata; root.json must be there */
    const char *const *metadata_urls; /**< base URLs of the metadata, mirrors in order */
    size_t n_metadata_urls;
    const char *const *target_urls; /**< base URLs of the targets, mirrors in order */
    size_t n_target_urls;
    size_t root_max;             /**< cap of a root file (default 512 KiB) */
    size_t timestamp_max;        /**< default 16 KiB */
    size_t snapshot_max;         /**< default 4 MiB */
    size_t targets_max;          /**< cap of targets and delegated targets files (default 64 MiB) */
    unsigned max_root_rotations; /**< default 256 */
    unsigned max_delegations;    /**< roles visited per target lookup (default 32) */
    int64_t now;                 /**< reference time (Unix); 0: the clock when created */
    const char *partial_dir;     /**< partial target downloads; NULL: beside the output file */
    mstore_fetch_options fetch;  /**< network settings (progress, timeouts, retries, CA); its
                                      partial_path is not used (see partial_dir) */
    /** Optional log of requests and decisions (one line each, no newline). */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
} mstore_updater_options;

/** Fills o with the defaults above (no folder, no URLs). */
MSTORE_API void mstore_updater_options_init(mstore_updater_options *o);

/**
 * Installs a trusted root (out of band: shipped with the robot) as metadata_dir/root.json,
 * creating the folder. No checks: the next refresh verifies it.
 */
MSTORE_API MSTORE_WUR int mstore_updater_init_root(const char *metadata_dir, const void *root,
                                                   size_t size);

/**
 * Creates an updater: fixes the reference time, removes leftover temporary files of an
 * interrupted run, and loads root.json (MSTORE_ESIGNATURE if not signed by its own threshold).
 */
MSTORE_API MSTORE_WUR int mstore_updater_new(mstore_updater **out, const mstore_updater_options *o);

/** Runs the workflow for the top-level metadata (see above). */
MSTORE_API MSTORE_WUR int mstore_updater_refresh(mstore_updater *u);

/**
 * Finds the target's entry through the delegations (refreshing first if not done yet).
 * @return MSTORE_ENOTFOUND if no role responsible for path lists it
 */
MSTORE_API MSTORE_WUR int mstore_updater_get_target(mstore_target **out, mstore_updater *u,
                                                    const char *path);

/**
 * Downloads a target to out_path unless out_path already holds it (same length and hashes).
 * The target URL is the target path under each target base URL, prefixed with its hash when
 * the repository uses consistent snapshots ("dir/<sha256>.name").
 * @param[out] cached set to true when the file was already there (may be NULL)
 */
MSTORE_API MSTORE_WUR int mstore_updater_download_target(mstore_updater *u,
                                                         const mstore_target *target,
                                                         const char *out_path, bool *cached);

/**
 * Trusted metadata of a role after a refresh ("root", "timestamp", "snapshot", "targets", or
 * a delegated role loaded by a lookup), or NULL (borrowed).
 */
MSTORE_API const mstore_metadata *mstore_updater_trusted(const mstore_updater *u, const char *role);

/** The reference time of the updater. */
MSTORE_API int64_t mstore_updater_now(const mstore_updater *u);

MSTORE_API void mstore_updater_free(mstore_updater *u);

#ifdef __cplusplus
}
#endif
#endif
