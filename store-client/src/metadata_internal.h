/* Internal layout of mstore_metadata: the JSON document is the source of truth; the cache holds
 * what verification needs (keys, roles) and is rebuilt whenever keys or roles are edited. */
#ifndef MSTORE_METADATA_INTERNAL_H
#define MSTORE_METADATA_INTERNAL_H

#include "mstore/metadata.h"

/** A role as a delegator defines it (root's four roles, a targets' delegated roles). */
typedef struct mstore__role {
    const char *name;    /* borrowed from the document */
    const char **keyids; /* array owned by the cache, strings borrowed */
    size_t n_keyids;
    int64_t threshold;
    bool terminating;
    const json_t *paths;    /* array of strings, or NULL */
    const json_t *prefixes; /* path_hash_prefixes, or NULL */
} mstore__role;

typedef struct mstore__keyentry {
    const char *id; /* borrowed from the key */
    mstore_key *key;
} mstore__keyentry;

struct mstore_metadata {
    mstore_role_type type;
    json_t *doc;     /* {"signed": {...}, "signatures": [...], ...} */
    json_t *signed_; /* borrowed from doc */

    /* Cache, rebuilt by mstore__metadata_index(). */
    int64_t version;
    int64_t expires;
    mstore__keyentry *keys; /* sorted by id */
    size_t n_keys;
    mstore__role *roles; /* root: the four roles; targets: delegated roles in order */
    size_t n_roles;
    bool consistent_snapshot;
    bool has_delegations;
    bool succinct;
    int bit_length;
    const char *name_prefix;
    mstore__role succinct_role;
};

/** Checks the whole document strictly (every field, every target entry) and builds the cache. */
int mstore__metadata_check(mstore_metadata *md);

/** Rebuilds only the cache (keys, roles) after an edit of keys or delegations. */
int mstore__metadata_index(mstore_metadata *md);

/** Frees the cache. */
void mstore__metadata_unindex(mstore_metadata *md);

/** Role by name in the cache (root roles or delegated roles), or NULL. */
const mstore__role *mstore__metadata_find_role(const mstore_metadata *md, const char *name);

/** Parses "YYYY-MM-DDTHH:MM:SSZ". @return 0 on success */
int mstore__parse_time(int64_t *out, const char *text);
/** Formats seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ". @param[out] out 21 bytes */
int mstore__format_time(char *out, int64_t t);

/** Checks a metafile object; fills out (hashes borrowed). */
int mstore__metafile_from_json(mstore_metafile *out, const json_t *v, const char *where);

/** Builds {"version", "length", "hashes": {"sha256"}} for data (or version only). */
json_t *mstore__metafile_json(int64_t version, const void *data, size_t size);

#endif
