/* `mstore-server init DIR`: keys, the first root, the database, the configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "error.h"
#include "mstore/key.h"
#include "mstore/metadata.h"
#include "repo.h"
#include "repo_internal.h"
#include "util.h"

int srv_repo_generate_key(const char *path)
{
    mstore_key *key = NULL;
    int mrc;

    if ((mrc = mstore_key_generate(&key, MSTORE_SCHEME_ECDSA_P256)) ||
        (mrc = mstore_key_save_private(key, path))) {
        mstore_key_free(key);
        return srv__mstore_err(mrc, path);
    }
    mstore_key_free(key);
    return SRV_OK;
}

static int add_new_key(mstore_metadata *root, const char *role, const char *path)
{
    mstore_key *key = NULL;
    int rc = SRV_OK, mrc;

    if ((mrc = mstore_key_generate(&key, MSTORE_SCHEME_ECDSA_P256)) ||
        (mrc = mstore_key_save_private(key, path)) || (mrc = mstore_root_add_key(root, role, key)))
        rc = srv__mstore_err(mrc, path);
    mstore_key_free(key);
    return rc;
}

int srv_repo_init(const char *dir, const srv_config *cfg, const srv_init_options *opt)
{
    static const char *const online[] = {"targets", "snapshot", "timestamp"};
    mstore_metadata *root = NULL;
    mstore_key **root_keys = NULL;
    srv_store *store = NULL;
    srv_db *db = NULL;
    char *path = NULL;
    int i, rc = SRV_OK, mrc;

    path = srv_join(dir, "server.json");
    if (!path)
        return srv_err(SRV_ENOMEM, "out of memory");
    if (srv_exists(path)) {
        rc = srv_err(SRV_EEXISTS, "%s: a store is already there", dir);
        goto out;
    }
#define MKDIR(sub, mode)                            \
    do {                                            \
        free(path);                                 \
        path = srv_join(dir, sub);                  \
        if (!path || (rc = srv_mkdirs(path, mode))) \
            goto out;                               \
    } while (0)
    if ((rc = srv_mkdirs(dir, 0755)))
        goto out;
    MKDIR("keys", 0700);
    MKDIR("offline", 0700);
    MKDIR("uploads", 0700);
    MKDIR("incoming", 0700);
    MKDIR("repository/metadata", 0755);
    MKDIR("repository/targets", 0755);
#undef MKDIR
    if ((mrc = mstore_metadata_new(&root, MSTORE_ROLE_ROOT,
                                   srv_time_now() + srv_config_lifetime(cfg, SRV_ROLE_ROOT))) ||
        (mrc = mstore_root_set_consistent_snapshot(root, true)) ||
        (mrc = mstore_root_set_threshold(root, "root", opt->root_threshold))) {
        rc = srv__mstore_err(mrc, "root");
        goto out;
    }
    root_keys = calloc((size_t)opt->root_keys, sizeof(*root_keys));
    if (!root_keys) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < opt->root_keys; i++) {
        free(path);
        path = srv_asprintf("%s/offline/root-%d.json", dir, i + 1);
        if (!path) {
            rc = srv_err(SRV_ENOMEM, "out of memory");
            goto out;
        }
        if ((rc = add_new_key(root, "root", path)))
            goto out;
        if ((mrc = mstore_key_load_private(&root_keys[i], path))) {
            rc = srv__mstore_err(mrc, path);
            goto out;
        }
    }
    for (i = 0; i < 3; i++) {
        free(path);
        path = srv_asprintf("%s/keys/%s.json", dir, online[i]);
        if (!path || (rc = add_new_key(root, online[i], path)))
            goto out;
    }
    for (i = 0; i < opt->root_keys; i++)
        if ((mrc = mstore_metadata_sign(root, root_keys[i]))) {
            rc = srv__mstore_err(mrc, "root");
            goto out;
        }
    {
        /* Written through a minimal store view (only metadata_dir is used). */
        srv_store view;
        memset(&view, 0, sizeof(view));
        free(path);
        path = srv_join(dir, "repository/metadata");
        view.metadata_dir = path;
        if ((rc = srv__write_md(NULL, NULL, &view, root, "1.root.json")) ||
            (rc = srv__write_md(NULL, NULL, &view, root, "root.json")))
            goto out;
    }
    free(path);
    path = srv_join(dir, SRV_DB_FILE);
    if (!path || (rc = srv_db_open(&db, path)))
        goto out;
    srv_db_lock(db);
    rc = srv_audit(db, "admin", "init", dir, "");
    srv_db_unlock(db);
    srv_db_close(db);
    db = NULL;
    /* The configuration is written last: its presence marks a complete store. */
    if (rc || (rc = srv_config_save(cfg, dir)))
        goto out;
    if ((rc = srv_store_open(&store, dir)) || (rc = srv_repo_sync(store, "admin")))
        goto out;
out:
    srv_store_close(store);
    if (root_keys)
        for (i = 0; i < opt->root_keys; i++)
            mstore_key_free(root_keys[i]);
    free(root_keys);
    mstore_metadata_free(root);
    free(path);
    return rc;
}
