/* Builds TUF repositories for the store client's tests with libmstore's own writer API, as the
 * cloud store would: folder/metadata/ (N.root.json, timestamp.json, N.snapshot.json,
 * N.targets.json, N.<role>.json) and folder/targets/ (<sha256>.<name>, and <name>). */
#ifndef MSTORE_TUF_TESTREPO_H
#define MSTORE_TUF_TESTREPO_H

#include <stdbool.h>
#include <stddef.h>

#include "mstore/mstore.h"

#define TR_MAX_ROLES 40
#define TR_MAX_KEYS  8

typedef struct tr_role {
    char *name;
    mstore_metadata *md;
    mstore_key *keys[TR_MAX_KEYS]; /* signers */
    size_t n_keys;
    bool borrowed_keys; /* keys owned by another role (hash bins share one key) */
    bool published;
} tr_role;

typedef struct tr_repo {
    char *dir, *meta_dir, *targets_dir;
    int64_t now;
    bool hashes;     /* timestamp and snapshot list length and hashes, not only versions */
    bool consistent; /* mirrors root's consistent_snapshot */
    tr_role roles[TR_MAX_ROLES]; /* [0] root, [1] timestamp, [2] snapshot, [3] targets */
    size_t n_roles;
} tr_repo;

/**
 * A new repository in dir (created): one ECDSA key per top-level role, expiry now + 30 days,
 * consistent snapshots; every top-level role published at version 1.
 */
tr_repo *tr_new(const char *dir, int64_t now);
void tr_free(tr_repo *r);

tr_role *tr_role_get(tr_repo *r, const char *name);

/**
 * Publishes a role: bumps its version unless it is the first publication, signs it with its
 * signers, writes it, and records it in snapshot (targets roles) or timestamp (snapshot).
 * Root is signed by its current signers (see tr_publish_root_signed for rotations).
 */
void tr_publish_role(tr_repo *r, const char *name);

/** targets, snapshot, timestamp. */
void tr_publish(tr_repo *r);

/** Publishes root (bumped) signed by exactly the given keys. */
void tr_publish_root_signed(tr_repo *r, mstore_key *const *signers, size_t n);

/** Writes raw bytes as a metadata file (for malicious repositories). */
void tr_write_meta(tr_repo *r, const char *filename, const void *data, size_t size);

/** Adds a target to role's metadata and its content under targets/. */
void tr_add_target(tr_repo *r, const char *role, const char *path, const void *data, size_t size);

/**
 * Adds a delegation from delegator to a new role name (one new key, threshold 1), with its own
 * empty targets metadata (not yet published).
 */
void tr_add_delegation(tr_repo *r, const char *delegator, const char *name,
                       const char *const *paths, size_t n_paths, bool terminating);

/**
 * Makes targets delegate to 2^bit_length succinct hash bins "<prefix>-<hex>", all with one new
 * key, each with its own empty targets metadata (not yet published). @return the bins' key
 */
mstore_key *tr_add_succinct(tr_repo *r, int bit_length, const char *prefix);

/** Path of metadata/1.root.json (malloc'd). */
char *tr_root_v1_path(tr_repo *r);

/** Reads a whole file (fails the test if missing); malloc'd. */
char *tr_slurp(const char *path, size_t *size);

#endif
