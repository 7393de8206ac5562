/* Loading the store's signing keys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "repo_keys.h"
#include "util.h"

char *srv_online_key_path(const srv_store *s, const char *role, int next)
{
    return srv_asprintf("%s/%s%s.json", s->keys_dir, role, next ? ".next" : "");
}

static int from_mstore(int code, int mrc)
{
    const char *m = mstore_error_message();

    return srv_err(code, "%s", m && *m ? m : mstore_strerror(mrc));
}

int srv_online_key(mstore_key **out, srv_store *s, const mstore_metadata *root, const char *role)
{
    char *path = srv_online_key_path(s, role, 0), *next = srv_online_key_path(s, role, 1);
    mstore_key *key = NULL;
    int rc = SRV_OK, mrc;

    if (!path || !next) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    if (srv_exists(next) && root) {
        /* Finish a rotation: root lists the new key, so the old one must not sign any more. */
        const char *const *ids = NULL;
        size_t n = 0, i;
        int64_t threshold;
        if ((mrc = mstore_key_load_private(&key, next))) {
            rc = from_mstore(SRV_ECRYPTO, mrc);
            goto out;
        }
        if (mstore_metadata_role(root, role, &ids, &n, &threshold) == MSTORE_OK)
            for (i = 0; i < n; i++)
                if (strcmp(ids[i], mstore_key_id(key)) == 0) {
                    if (rename(next, path) < 0) {
                        rc = srv_err(SRV_EIO, "%s: %s", next, strerror(errno));
                        goto out;
                    }
                    rc = srv_fsync_dir(s->keys_dir);
                    break;
                }
        mstore_key_free(key);
        key = NULL;
        if (rc)
            goto out;
    }
    if ((mrc = mstore_key_load_private(&key, path))) {
        rc = from_mstore(SRV_ECRYPTO, mrc);
        srv_err_prefix(rc, "%s key", role);
        goto out;
    }
    *out = key;
out:
    free(path);
    free(next);
    return rc;
}

int srv_load_keys(mstore_key **keys, const char *const *paths, size_t count)
{
    size_t i;
    int mrc;

    memset(keys, 0, count * sizeof(*keys));
    for (i = 0; i < count; i++) {
        if ((mrc = mstore_key_load_private(&keys[i], paths[i]))) {
            from_mstore(SRV_ECRYPTO, mrc);
            srv_free_keys(keys, count);
            return srv_err_prefix(SRV_ECRYPTO, "%s", paths[i]);
        }
    }
    return SRV_OK;
}

void srv_free_keys(mstore_key **keys, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        mstore_key_free(keys[i]);
        keys[i] = NULL;
    }
}
