/* Pieces shared by repo.c, rotate.c and init.c. */
#ifndef SRV_REPO_INTERNAL_H
#define SRV_REPO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mstore/metadata.h"
#include "store.h"

/** Largest metadata file the server reads back (its own; 10,000 packages are a few MB). */
#define SRV_METADATA_MAX ((size_t)256 * 1024 * 1024)

/** The repository's current metadata (any may be NULL before the first publish). */
typedef struct srv_repo_state {
    mstore_metadata *root;
    mstore_metadata *timestamp;
    mstore_metadata *snapshot;
    mstore_metadata *targets; /**< loaded only when asked for (it is the large one) */
    int64_t targets_version;  /**< as the snapshot names it; 0 before the first publish */
} srv_repo_state;

/** Translates a libmstore failure into ours, with what as the context. */
int srv__mstore_err(int mrc, const char *what);

/** Takes DIR/repo.lock (blocking). @return the lock's fd, or -1 (error set). */
int srv__repo_lock(const srv_store *s);
void srv__repo_unlock(int fd);

/** Loads root.json, timestamp.json, the snapshot they name and, with want_targets, targets. */
int srv__state_load(srv_repo_state *st, const srv_store *s, bool want_targets);
void srv__state_clear(srv_repo_state *st);

/** Now plus the role's lifetime. */
int64_t srv__expires(const srv_store *s, int role);

/** Writes metadata/name atomically; optionally returns the bytes written. */
int srv__write_md(char **bytes, size_t *size, const srv_store *s, const mstore_metadata *md,
                  const char *name);

/**
 * srv__write_md() for a versioned name ("N.targets.json", "N.root.json"), which is served as
 * immutable: SRV_EEXISTS, and the file left as it is, if the name exists already.
 */
int srv__write_md_once(char **bytes, size_t *size, const srv_store *s, const mstore_metadata *md,
                       const char *name);

/**
 * The first version after `after` whose metadata/VERSION.role.json does not exist. A publish
 * interrupted after writing one leaves a name no timestamp points at, but that a client or a
 * cache may have fetched: the next publish goes past it rather than writing it again.
 */
int srv__next_free_version(int64_t *out, const srv_store *s, int64_t after, const char *role);

/**
 * Writes new_targets (when not NULL: version, expiry, signature set here), then a new snapshot
 * (when new_targets or snapshot), then a new timestamp, each atomically, in that order.
 */
int srv__commit(srv_store *s, srv_repo_state *st, mstore_metadata *new_targets, bool snapshot);

/** Removes targets and snapshot metadata older than keep_versions before the given ones. */
void srv__prune(srv_store *s, int64_t tver, int64_t sver);

/** Publishes the database's set (repo lock held). */
int srv__sync_locked(srv_store *s, const char *actor);

/** Re-signs timestamp, and snapshot and targets as asked, with the same content (lock held). */
int srv__resign_locked(srv_store *s, srv_repo_state *st, bool targets, bool snapshot,
                       const char *actor);

#endif
