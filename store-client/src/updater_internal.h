/* State of the TUF client shared by the top-level workflow and the target search. */
#ifndef MSTORE_UPDATER_INTERNAL_H
#define MSTORE_UPDATER_INTERNAL_H

#include "mstore/updater.h"

typedef struct mstore__loaded_role {
    char *name;
    mstore_metadata *md;
    const mstore_metadata *verified_by; /* the delegator whose keys checked it last */
} mstore__loaded_role;

struct mstore_updater {
    mstore_updater_options o; /* strings below are owned copies */
    char *dir;
    char **meta_urls;
    size_t n_meta_urls;
    char **target_urls;
    size_t n_target_urls;
    char *partial_dir;
    int64_t now;

    mstore_metadata *root;
    mstore_metadata *timestamp;
    mstore_metadata *snapshot;
    mstore_metadata *targets;
    const mstore_metadata *targets_verified_by;
    mstore__loaded_role *roles; /* delegated roles loaded by lookups */
    size_t n_roles;
    bool refreshed;
};

/** Logs a line through the options' log callback. */
void mstore__ulog(const mstore_updater *u, const char *fmt, ...) MSTORE_PRINTF(2, 3);

/** Downloads a metadata file by name ("2.root.json") from the metadata mirrors. */
int mstore__fetch_metadata(unsigned char **out, size_t *size, mstore_updater *u, const char *name,
                           size_t max);

/** Reads a stored metadata file of the metadata folder (NULL result if missing or too big). */
int mstore__read_local(unsigned char **out, size_t *size, const mstore_updater *u, const char *name,
                       size_t max);

/** Stores a verified metadata file in the metadata folder, atomically. */
int mstore__persist(const mstore_updater *u, const char *name, const void *data, size_t size);

/** File name of a role's metadata: URL-encoded role name + ".json". @param[out] out malloc'd */
int mstore__role_filename(char **out, const char *role);

/**
 * Loads (or reuses) targets metadata of role delegated by delegator_md (root for "targets"),
 * with every check of the workflow. @param[out] out borrowed from the updater
 */
int mstore__load_targets(const mstore_metadata **out, mstore_updater *u, const char *role,
                         const mstore_metadata *delegator_md);

/**
 * Takes the stored metadata as the trusted state, without the network: root (not expired),
 * timestamp (signed by root, not expired), the snapshot it names (length, hashes, signatures,
 * version, expiry) and targets as the workflow checks them (fetched only if the stored file is
 * not the one the snapshot names). Target lookups then use that state. On failure (MSTORE_ENOTFOUND
 * when nothing is stored, MSTORE_EEXPIRED, a failed check) nothing is loaded, and a refresh is the
 * way on.
 */
int mstore__updater_load_stored(mstore_updater *u);

/**
 * mstore_updater_download_target() that hands back the verified file open for reading
 * (keep_fd, NULL for none): checked through that descriptor when the file was already there,
 * else the descriptor the download wrote the verified bytes through.
 */
int mstore__updater_download_target_fd(int *keep_fd, mstore_updater *u, const mstore_target *t,
                                       const char *out_path, bool *cached);

#endif
