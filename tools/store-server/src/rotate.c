/*
 * Key rotation. Root: version N+1 with the new root keys, signed by a threshold of the old ones
 * (so clients that trust N accept it) and by the new ones (so it trusts itself); clients walk
 * N -> N+1 as TUF 5.3 says. Online keys: a new root that lists the new key (signed with the root
 * keys), then the role re-signed with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "repo.h"
#include "repo_internal.h"
#include "repo_keys.h"
#include "util.h"

/* Signs new_root with keys and checks both thresholds before anything is written. */
static int sign_root(mstore_metadata *new_root, const mstore_metadata *old_root, mstore_key **keys,
                     size_t count)
{
    size_t i;
    int mrc;

    mstore_metadata_clear_signatures(new_root);
    for (i = 0; i < count; i++)
        if ((mrc = mstore_metadata_sign(new_root, keys[i])))
            return srv__mstore_err(mrc, "root");
    if ((mrc = mstore_metadata_verify(old_root, "root", new_root)))
        return srv_err_prefix(srv__mstore_err(mrc, "new root"),
                              "not enough current root keys (threshold of version %lld)",
                              (long long)mstore_metadata_version(old_root));
    if ((mrc = mstore_metadata_verify(new_root, "root", new_root)))
        return srv_err_prefix(srv__mstore_err(mrc, "new root"),
                              "not enough new root keys for the new threshold");
    return SRV_OK;
}

/* N.root.json is published the moment it exists: robots walk the chain by asking for the next
 * number, without any timestamp. So a rotation interrupted between N.root.json and root.json has
 * published root N, and a new rotation must not write other keys under that name (robots that
 * took the first would never agree with the store again). It is refused, saying how to finish
 * the interrupted one. */
static int check_no_pending_root(const srv_store *s, const mstore_metadata *root)
{
    char name[64], *path;
    bool pending;

    snprintf(name, sizeof(name), "%lld.root.json", (long long)mstore_metadata_version(root) + 1);
    if (!(path = srv_join(s->metadata_dir, name)))
        return srv_err(SRV_ENOMEM, "out of memory");
    pending = srv_exists(path);
    if (pending)
        srv_err(SRV_ESTATE,
                "%s exists, but root.json is version %lld: an interrupted rotation published it, "
                "and robots may trust it already, so it is never rewritten. Finish that rotation "
                "(copy it to %s/root.json, then run `mstore-server refresh --force`) before "
                "rotating again",
                path, (long long)mstore_metadata_version(root), s->metadata_dir);
    free(path);
    return pending ? SRV_ESTATE : SRV_OK;
}

static int write_root(srv_store *s, const mstore_metadata *root)
{
    char name[64];
    int rc;

    snprintf(name, sizeof(name), "%lld.root.json", (long long)mstore_metadata_version(root));
    if ((rc = srv__write_md_once(NULL, NULL, s, root, name)))
        return rc;
    return srv__write_md(NULL, NULL, s, root, "root.json");
}

static int next_root(mstore_metadata **out, const srv_store *s, const mstore_metadata *root)
{
    mstore_metadata *n = NULL;
    int mrc;

    if ((mrc = mstore_metadata_dup(&n, root)) || (mrc = mstore_metadata_bump_version(n)) ||
        (mrc = mstore_metadata_set_expires(n, srv__expires(s, SRV_ROLE_ROOT)))) {
        mstore_metadata_free(n);
        return srv__mstore_err(mrc, "root");
    }
    *out = n;
    return SRV_OK;
}

/* Removes every key of role from root. */
static int revoke_role(mstore_metadata *root, const char *role)
{
    const char *const *ids = NULL;
    char **copy;
    size_t n = 0, i;
    int64_t threshold;
    int mrc, rc = SRV_OK;

    if ((mrc = mstore_metadata_role(root, role, &ids, &n, &threshold)))
        return srv__mstore_err(mrc, role);
    copy = calloc(n ? n : 1, sizeof(*copy));
    if (!copy)
        return srv_err(SRV_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        copy[i] = strdup(ids[i]); /* ids are borrowed from root, which we edit */
    for (i = 0; i < n && rc == SRV_OK; i++)
        if (!copy[i] || (mrc = mstore_root_revoke_key(root, role, copy[i])))
            rc = copy[i] ? srv__mstore_err(mrc, role) : srv_err(SRV_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        free(copy[i]);
    free(copy);
    return rc;
}

static void audit(srv_store *s, const char *actor, const char *action, const char *detail)
{
    srv_db_lock(s->db);
    srv_audit(s->db, actor, action, "root", detail);
    srv_db_unlock(s->db);
}

int srv_repo_root_rotate(srv_store *s, const char *const *old_paths, size_t old_count,
                         const char *const *new_paths, size_t new_count, int new_threshold,
                         const char *actor)
{
    mstore_key **keys = calloc(old_count + new_count, sizeof(*keys));
    mstore_metadata *root = NULL, *n = NULL;
    char detail[128];
    size_t i;
    int lock = -1, rc, mrc;

    if (!keys)
        return srv_err(SRV_ENOMEM, "out of memory");
    if ((rc = srv_load_keys(keys, old_paths, old_count)) ||
        (rc = srv_load_keys(keys + old_count, new_paths, new_count)))
        goto out;
    if ((lock = srv__repo_lock(s)) < 0) {
        rc = SRV_EIO;
        goto out;
    }
    {
        char *path = srv_join(s->metadata_dir, "root.json");
        mrc = path ? mstore_metadata_load(&root, path, MSTORE_ROLE_ROOT, SRV_METADATA_MAX)
                   : MSTORE_ENOMEM;
        free(path);
        if (mrc) {
            rc = srv__mstore_err(mrc, "root.json");
            goto out;
        }
    }
    if ((rc = check_no_pending_root(s, root)) || (rc = next_root(&n, s, root)) ||
        (rc = revoke_role(n, "root")))
        goto out;
    for (i = 0; i < new_count; i++)
        if ((mrc = mstore_root_add_key(n, "root", keys[old_count + i]))) {
            rc = srv__mstore_err(mrc, new_paths[i]);
            goto out;
        }
    if ((mrc = mstore_root_set_threshold(n, "root", new_threshold))) {
        rc = srv__mstore_err(mrc, "root");
        goto out;
    }
    if ((rc = sign_root(n, root, keys, old_count + new_count)) || (rc = write_root(s, n)))
        goto out;
    snprintf(detail, sizeof(detail), "root version %lld: %zu keys, threshold %d",
             (long long)mstore_metadata_version(n), new_count, new_threshold);
    audit(s, actor, "root.rotate", detail);
out:
    srv__repo_unlock(lock);
    srv_free_keys(keys, old_count + new_count);
    free(keys);
    mstore_metadata_free(root);
    mstore_metadata_free(n);
    return rc;
}

int srv_repo_key_rotate(srv_store *s, const char *role, const char *const *root_paths,
                        size_t root_count, const char *actor)
{
    mstore_key **keys = calloc(root_count, sizeof(*keys));
    mstore_key *fresh = NULL;
    mstore_metadata *n = NULL;
    srv_repo_state st;
    char *next = srv_online_key_path(s, role, 1), detail[160];
    int lock = -1, rc, mrc;

    memset(&st, 0, sizeof(st));
    if (!keys || !next) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = srv_load_keys(keys, root_paths, root_count)))
        goto out;
    if ((lock = srv__repo_lock(s)) < 0) {
        rc = SRV_EIO;
        goto out;
    }
    if ((rc = srv__state_load(&st, s, true)) || (rc = check_no_pending_root(s, st.root)))
        goto out;
    /* The new key is saved before the root that trusts it, so a crash between the two leaves a
     * key nobody trusts (removed here next time), never a trusted key that is lost. */
    unlink(next);
    if ((mrc = mstore_key_generate(&fresh, MSTORE_SCHEME_ECDSA_P256)) ||
        (mrc = mstore_key_save_private(fresh, next))) {
        rc = srv__mstore_err(mrc, next);
        goto out;
    }
    if ((rc = next_root(&n, s, st.root)) || (rc = revoke_role(n, role)))
        goto out;
    if ((mrc = mstore_root_add_key(n, role, fresh))) {
        rc = srv__mstore_err(mrc, role);
        goto out;
    }
    if ((rc = sign_root(n, st.root, keys, root_count)) || (rc = write_root(s, n)))
        goto out;
    snprintf(detail, sizeof(detail), "%s key %.16s..., root version %lld", role,
             mstore_key_id(fresh), (long long)mstore_metadata_version(n));
    audit(s, actor, "key.rotate", detail);
    /* Re-sign with the new key (loading it promotes ROLE.next.json). */
    mstore_metadata_free(st.root);
    st.root = n;
    n = NULL;
    rc = srv__resign_locked(s, &st, true, true, actor);
out:
    srv__repo_unlock(lock);
    if (keys)
        srv_free_keys(keys, root_count);
    free(keys);
    free(next);
    mstore_key_free(fresh);
    mstore_metadata_free(n);
    srv__state_clear(&st);
    return rc;
}
