/* Key files of the store: online keys in DIR/keys/ROLE.json, root keys wherever the admin keeps
 * them. */
#ifndef SRV_REPO_KEYS_H
#define SRV_REPO_KEYS_H

#include <stddef.h>

#include "mstore/key.h"
#include "mstore/metadata.h"
#include "store.h"

/**
 * Loads the online key of role ("targets", "snapshot", "timestamp"). A key left as ROLE.next.json
 * by an interrupted rotation is promoted first when root already trusts it.
 */
int srv_online_key(mstore_key **out, srv_store *s, const mstore_metadata *root, const char *role);

/** Path of the online key file of role (next: the one a rotation is introducing). malloc'd */
char *srv_online_key_path(const srv_store *s, const char *role, int next);

/** Loads key files (mstore_key_save_private JSON). @param[out] keys count entries, NULL-filled */
int srv_load_keys(mstore_key **keys, const char *const *paths, size_t count);

void srv_free_keys(mstore_key **keys, size_t count);

#endif
