/*
 * The TUF repository: keys, metadata and targets under DIR/repository, written with libmstore's
 * metadata code so that the server and the robot agree byte for byte.
 *
 * Layout (consistent snapshots, TUF 1.0 section 7):
 *   metadata/N.root.json, root.json (newest root), N.targets.json, N.snapshot.json,
 *   timestamp.json
 *   targets/packages/ID/<sha256>.ID-VERSION.mpk, targets/<sha256>.catalog.json, thumbnails
 *   beside their packages.
 * Publishing writes the target files, then targets, snapshot and timestamp metadata, each
 * atomically and in that order: timestamp.json is the one file a client starts from, so a reader
 * sees the old repository or the new one, never a mixture.
 */
#ifndef SRV_REPO_H
#define SRV_REPO_H

#include <stdbool.h>

#include <jansson.h>

#include "store.h"

/** Options of `init`. */
typedef struct srv_init_options {
    int root_keys;      /**< root keys to generate (default 3) */
    int root_threshold; /**< signatures needed (default 2) */
} srv_init_options;

/**
 * Creates a store folder: configuration (cfg), database, root keys in DIR/offline/ (to be moved
 * to offline storage), online keys in DIR/keys/, and version 1 of every role's metadata with an
 * empty catalog. Fails if DIR already holds a store.
 */
int srv_repo_init(const char *dir, const srv_config *cfg, const srv_init_options *opt);

/**
 * Brings the repository up to date with the database: every approved or published upload is a
 * target, yanked ones are not; writes a new catalog, targets, snapshot and timestamp; marks
 * approved uploads published. Safe to repeat (a crash part-way is repaired by the next call).
 * Holds DIR/repo.lock while it runs, so the server and admin commands never write together.
 */
int srv_repo_sync(srv_store *s, const char *actor);

/**
 * Re-signs online metadata before it expires (timestamp when less than half of its lifetime
 * remains; snapshot and targets likewise), and syncs when the database changed in another process.
 */
int srv_repo_refresh(srv_store *s);

/** Forces a re-sign of snapshot and timestamp (and targets when all is true). */
int srv_repo_resign(srv_store *s, bool all, const char *actor);

/**
 * Root rotation: writes root version N+1 with new root keys (new_keys, threshold new_threshold),
 * signed by old_keys (at least the current threshold) and by every new key.
 */
int srv_repo_root_rotate(srv_store *s, const char *const *old_keys, size_t old_count,
                         const char *const *new_keys, size_t new_count, int new_threshold,
                         const char *actor);

/**
 * Online key rotation: a new key for role ("targets", "snapshot", "timestamp") in DIR/keys/,
 * a new root listing it (signed with root_keys, at least the threshold), then that role and the
 * ones that depend on it re-signed with the new key.
 */
int srv_repo_key_rotate(srv_store *s, const char *role, const char *const *root_keys,
                        size_t root_count, const char *actor);

/** Generates a root key file (JSON key pair, mode 0600). */
int srv_repo_generate_key(const char *path);

/**
 * Removes what a killed process left: temporary files of atomic writes in the repository and
 * uploads folders, and partial request bodies in incoming/. Run by `serve` before it listens.
 */
int srv_repo_clean(srv_store *s);

/** Summary: versions and expiry of every role, target count. */
int srv_repo_status(json_t **out, srv_store *s);

#endif
