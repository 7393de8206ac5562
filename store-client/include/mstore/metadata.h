/**
 * @file mstore/metadata.h
 * @brief TUF 1.0 metadata: strict parsing, signature thresholds, and the writer side.
 *
 * One object type, mstore_metadata, holds a root, timestamp, snapshot or targets document
 * ({"signed": {...}, "signatures": [...]}). Parsing checks every field's type and range
 * (spec_version major 1, version >= 1, expires "YYYY-MM-DDTHH:MM:SSZ", the four top-level roles
 * in root, unique key ids, thresholds >= 1, meta and target entries, delegations with exactly one
 * of paths / path_hash_prefixes, succinct roles) and keeps fields it does not know, because they
 * are signed too. Signatures are over the canonical JSON (mstore/canonjson.h) of "signed".
 *
 * The writer functions (mstore_*_set_*, _add_*) edit the document and are used by the cloud
 * store; after editing, sign with mstore_metadata_sign() and write with mstore_metadata_save().
 * Any edit drops nothing but the signatures' validity: sign again after the last edit.
 *
 * Pointers returned by accessors are borrowed from the metadata object and valid until it is
 * edited or freed. An object may be read from several threads at once, never edited meanwhile.
 */
#ifndef MSTORE_METADATA_H
#define MSTORE_METADATA_H

#include <stdbool.h>
#include <jansson.h>

#include "mstore/common.h"
#include "mstore/hash.h"
#include "mstore/key.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The spec_version written into new metadata. */
#define MSTORE_SPEC_VERSION "1.0.31"

typedef enum mstore_role_type {
    MSTORE_ROLE_ROOT,
    MSTORE_ROLE_TIMESTAMP,
    MSTORE_ROLE_SNAPSHOT,
    MSTORE_ROLE_TARGETS,
} mstore_role_type;

typedef struct mstore_metadata mstore_metadata;
typedef struct mstore_target mstore_target;

/** Version, length and hashes of a metadata file, as timestamp and snapshot list them. */
typedef struct mstore_metafile {
    int64_t version;
    int64_t length;       /**< -1 when not given */
    const json_t *hashes; /**< {"sha256": "hex", ...} or NULL when not given (borrowed) */
} mstore_metafile;

/** @return "root", "timestamp", "snapshot" or "targets". */
MSTORE_API const char *mstore_role_type_name(mstore_role_type type);

/* ---- reading ---------------------------------------------------------------------------- */

/**
 * Parses and checks metadata of the expected type.
 * @param what name for error messages ("2.root.json")
 * @return MSTORE_EFORMAT naming the field ("2.root.json: signed.roles.snapshot.threshold: must
 *         be an integer of at least 1"), MSTORE_ENOMEM
 */
MSTORE_API MSTORE_WUR int mstore_metadata_parse(mstore_metadata **out, const void *data,
                                                size_t size, mstore_role_type type,
                                                const char *what);

/** Reads and parses a file of at most max bytes (MSTORE_ELIMIT beyond). */
MSTORE_API MSTORE_WUR int mstore_metadata_load(mstore_metadata **out, const char *path,
                                               mstore_role_type type, size_t max);

MSTORE_API MSTORE_WUR int mstore_metadata_dup(mstore_metadata **out, const mstore_metadata *md);

MSTORE_API void mstore_metadata_free(mstore_metadata *md);

MSTORE_API mstore_role_type mstore_metadata_type(const mstore_metadata *md);
MSTORE_API int64_t mstore_metadata_version(const mstore_metadata *md);
/** Expiry as seconds since the epoch (UTC). */
MSTORE_API int64_t mstore_metadata_expires(const mstore_metadata *md);
/** @return 1 if expired at time now (TUF: now >= expires). */
MSTORE_API int mstore_metadata_is_expired(const mstore_metadata *md, int64_t now);
/** The "signed" object (borrowed; do not edit it directly). */
MSTORE_API const json_t *mstore_metadata_signed_json(const mstore_metadata *md);

/** The canonical bytes of "signed": what signatures cover. @param[out] out malloc'd */
MSTORE_API MSTORE_WUR int mstore_metadata_signed_bytes(char **out, size_t *size,
                                                       const mstore_metadata *md);

/**
 * Checks that md is signed by a threshold of the keys that delegator assigns to role.
 * Each key counts once; signatures by unknown keys, unusable keys or that fail are ignored.
 * @param delegator a root (roles "root", "timestamp", "snapshot", "targets") or a targets
 *        metadata (its delegated roles, including succinct hash-bin roles)
 * @return MSTORE_OK; MSTORE_ESIGNATURE ("snapshot: 1 of 2 required signatures");
 *         MSTORE_ENOTFOUND if delegator does not delegate role
 */
MSTORE_API MSTORE_WUR int mstore_metadata_verify(const mstore_metadata *delegator, const char *role,
                                                 const mstore_metadata *md);

/**
 * Keys and threshold that delegator (root or targets) assigns to role.
 * @param[out] keyids borrowed array of n key ids (may be NULL)
 */
MSTORE_API MSTORE_WUR int mstore_metadata_role(const mstore_metadata *delegator, const char *role,
                                               const char *const **keyids, size_t *n,
                                               int64_t *threshold);

/** A key of root's "keys" or of targets' "delegations.keys" (borrowed), or NULL. */
MSTORE_API const mstore_key *mstore_metadata_key(const mstore_metadata *delegator,
                                                 const char *keyid);

/** @return 1 if a root sets consistent_snapshot to true. */
MSTORE_API int mstore_root_consistent_snapshot(const mstore_metadata *root);

/** Snapshot version, length and hashes named by a timestamp. */
MSTORE_API MSTORE_WUR int mstore_timestamp_snapshot_meta(mstore_metafile *out,
                                                         const mstore_metadata *timestamp);

/** Entry of snapshot.meta ("targets.json", "role.json"). @return MSTORE_ENOTFOUND if absent */
MSTORE_API MSTORE_WUR int
mstore_snapshot_meta(mstore_metafile *out, const mstore_metadata *snapshot, const char *filename);

/** Number of snapshot.meta entries. */
MSTORE_API size_t mstore_snapshot_meta_count(const mstore_metadata *snapshot);

/**
 * Calls fn for every snapshot.meta entry, in no particular order; stops at the first non-zero
 * return of fn and returns it.
 */
MSTORE_API int mstore_snapshot_meta_foreach(const mstore_metadata *snapshot,
                                            int (*fn)(void *ctx, const char *filename,
                                                      const mstore_metafile *meta),
                                            void *ctx);

/**
 * Checks bytes against a metafile's length and hashes (when given; every hash must be of a
 * supported algorithm). @return MSTORE_OK, MSTORE_ELENGTH, MSTORE_EHASH, MSTORE_EUNSUPPORTED
 */
MSTORE_API MSTORE_WUR int mstore_metafile_check(const mstore_metafile *meta, const void *data,
                                                size_t size, const char *what);

/* Targets. */

/** Number of targets listed directly by this targets metadata. */
MSTORE_API size_t mstore_targets_count(const mstore_metadata *targets);

/** A copy of the entry for path. @return MSTORE_ENOTFOUND if this role does not list it */
MSTORE_API MSTORE_WUR int mstore_targets_get(mstore_target **out, const mstore_metadata *targets,
                                             const char *path);

/** Calls fn for every target (borrowed view, valid during the call); stops at non-zero. */
MSTORE_API int mstore_targets_foreach(const mstore_metadata *targets,
                                      int (*fn)(void *ctx, const mstore_target *target), void *ctx);

/** @return 1 if this targets metadata has a "delegations" object. */
MSTORE_API int mstore_targets_has_delegations(const mstore_metadata *targets);

/**
 * Delegated roles responsible for path, in order of appearance: roles whose paths pattern
 * matches (shell-style per path segment, '/' never matched by a wildcard, case-sensitive) or
 * whose path_hash_prefixes match the SHA-256 of path; with succinct roles, the one bin.
 * @param[out] names borrowed names (array malloc'd, free() it; NULL when n is 0)
 * @param[out] terminating malloc'd flags, one per name (free() it)
 */
MSTORE_API MSTORE_WUR int mstore_targets_roles_for(const char ***names, bool **terminating,
                                                   size_t *n, const mstore_metadata *targets,
                                                   const char *path);

MSTORE_API const char *mstore_target_path(const mstore_target *target);
MSTORE_API uint64_t mstore_target_length(const mstore_target *target);
/** Hex digest for algorithm, or NULL if the target does not list it. */
MSTORE_API const char *mstore_target_hash(const mstore_target *target, const char *algorithm);
/** Every hash: up to max entries written to out. @return the number of hashes listed */
MSTORE_API size_t mstore_target_hashes(const mstore_target *target, mstore_hash *out, size_t max);
/** The "custom" value, or NULL (borrowed). */
MSTORE_API const json_t *mstore_target_custom(const mstore_target *target);
/** The whole entry ({"length", "hashes", ...}) (borrowed). */
MSTORE_API const json_t *mstore_target_json(const mstore_target *target);
MSTORE_API MSTORE_WUR int mstore_target_dup(mstore_target **out, const mstore_target *target);
MSTORE_API void mstore_target_free(mstore_target *target);

/* ---- writing ---------------------------------------------------------------------------- */

/**
 * New metadata: version 1, spec_version MSTORE_SPEC_VERSION, the given expiry, no signatures.
 * A root gets the four roles with no keys and threshold 1, and consistent_snapshot true; a
 * timestamp names snapshot version 1; a snapshot names targets.json version 1; targets is empty.
 */
MSTORE_API MSTORE_WUR int mstore_metadata_new(mstore_metadata **out, mstore_role_type type,
                                              int64_t expires);

MSTORE_API MSTORE_WUR int mstore_metadata_set_version(mstore_metadata *md, int64_t version);
/** version + 1 (MSTORE_ELIMIT at the largest version). */
MSTORE_API MSTORE_WUR int mstore_metadata_bump_version(mstore_metadata *md);
MSTORE_API MSTORE_WUR int mstore_metadata_set_expires(mstore_metadata *md, int64_t expires);
/** Sets (or, with value NULL, removes) a field of "signed" that TUF does not define ("x-..."). */
MSTORE_API MSTORE_WUR int mstore_metadata_set_extra(mstore_metadata *md, const char *field,
                                                    const json_t *value);
MSTORE_API void mstore_metadata_clear_signatures(mstore_metadata *md);
/** Adds the key's signature over the current "signed" (replacing an older one by that key). */
MSTORE_API MSTORE_WUR int mstore_metadata_sign(mstore_metadata *md, const mstore_key *key);

/** The document as JSON text (one-space indent, sorted keys). @param[out] out malloc'd */
MSTORE_API MSTORE_WUR int mstore_metadata_to_bytes(char **out, size_t *size,
                                                   const mstore_metadata *md);
/** Writes the document atomically (temporary file, fsync, rename, fsync folder), mode 0644. */
MSTORE_API MSTORE_WUR int mstore_metadata_save(const mstore_metadata *md, const char *path);

/** Root: adds the key to "keys" and to role's key ids (no-op if already there). */
MSTORE_API MSTORE_WUR int mstore_root_add_key(mstore_metadata *root, const char *role,
                                              const mstore_key *key);
/** Root: removes keyid from role, and from "keys" if no role uses it any more. */
MSTORE_API MSTORE_WUR int mstore_root_revoke_key(mstore_metadata *root, const char *role,
                                                 const char *keyid);
MSTORE_API MSTORE_WUR int mstore_root_set_threshold(mstore_metadata *root, const char *role,
                                                    int64_t threshold);
MSTORE_API MSTORE_WUR int mstore_root_set_consistent_snapshot(mstore_metadata *root, bool on);

/**
 * Timestamp: names the snapshot version; with data, also its length and SHA-256.
 * @param data the snapshot file's bytes, or NULL for version only
 */
MSTORE_API MSTORE_WUR int mstore_timestamp_set_snapshot(mstore_metadata *timestamp, int64_t version,
                                                        const void *data, size_t size);

/** Snapshot: sets the entry for filename ("targets.json"); data as above. */
MSTORE_API MSTORE_WUR int mstore_snapshot_set_meta(mstore_metadata *snapshot, const char *filename,
                                                   int64_t version, const void *data, size_t size);
MSTORE_API MSTORE_WUR int mstore_snapshot_remove_meta(mstore_metadata *snapshot,
                                                      const char *filename);

/**
 * Targets: adds (or replaces) a target.
 * @param hashes at least one; @param custom optional "custom" value (copied)
 */
MSTORE_API MSTORE_WUR int mstore_targets_add(mstore_metadata *targets, const char *path,
                                             uint64_t length, const mstore_hash *hashes,
                                             size_t n_hashes, const json_t *custom);
/** Targets: adds a target for bytes in memory (length and SHA-256 computed). */
MSTORE_API MSTORE_WUR int mstore_targets_add_data(mstore_metadata *targets, const char *path,
                                                  const void *data, size_t size,
                                                  const json_t *custom);
/** Targets: adds a target for a file (length and SHA-256 computed by streaming it). */
MSTORE_API MSTORE_WUR int mstore_targets_add_file(mstore_metadata *targets, const char *path,
                                                  const char *file, const json_t *custom);
/** @return MSTORE_ENOTFOUND if path is not listed */
MSTORE_API MSTORE_WUR int mstore_targets_remove(mstore_metadata *targets, const char *path);

/**
 * Targets: appends a delegation to role name for path patterns (searched after the existing
 * ones). Keys are added with mstore_targets_add_delegation_key().
 */
MSTORE_API MSTORE_WUR int mstore_targets_add_delegation(mstore_metadata *targets, const char *name,
                                                        const char *const *paths, size_t n_paths,
                                                        int64_t threshold, bool terminating);
/** Adds a key to delegated role name (NULL: to the succinct hash bins). */
MSTORE_API MSTORE_WUR int mstore_targets_add_delegation_key(mstore_metadata *targets,
                                                            const char *name,
                                                            const mstore_key *key);
MSTORE_API MSTORE_WUR int mstore_targets_remove_delegation(mstore_metadata *targets,
                                                           const char *name);

/**
 * Targets: delegates every path to 2^bit_length hash bins (TAP 15 succinct roles) named
 * "<name_prefix>-<hex index>", replacing any other delegation. The bin of a path is the first
 * bit_length bits of its SHA-256 (mstore_targets_roles_for() tells it). A repository with many
 * targets spreads them over bins so that a client fetches only the bin it needs. Keys are added
 * with mstore_targets_add_delegation_key() with name NULL.
 * @param bit_length 1 to 32
 */
MSTORE_API MSTORE_WUR int mstore_targets_set_succinct_roles(mstore_metadata *targets,
                                                            int bit_length, const char *name_prefix,
                                                            int64_t threshold);

/**
 * Name of hash bin index of a succinct delegation ("bins-0a").
 * @param[out] out malloc'd; @return MSTORE_EINVAL if targets has no succinct roles or index is
 *         out of range
 */
MSTORE_API MSTORE_WUR int mstore_targets_bin_name(char **out, const mstore_metadata *targets,
                                                  uint32_t index);

#ifdef __cplusplus
}
#endif
#endif
