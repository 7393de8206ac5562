/* The TUF client workflow for targets: top-level and delegated targets metadata, the
 * pre-order depth-first search of delegations, and target downloads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "download_internal.h"
#include "internal.h"
#include "updater_internal.h"

static mstore__loaded_role *find_loaded(mstore_updater *u, const char *role)
{
    for (size_t i = 0; i < u->n_roles; i++)
        if (strcmp(u->roles[i].name, role) == 0)
            return &u->roles[i];
    return NULL;
}

/* Every check of 5.6 on one candidate file: length and hashes named by the snapshot, the
 * delegator's threshold, the version named by the snapshot, expiry. */
static int check_candidate(mstore_metadata **out, mstore_updater *u, const char *role,
                           const mstore_metadata *delegator, const mstore_metafile *meta,
                           const unsigned char *data, size_t size, const char *name)
{
    mstore_metadata *md = NULL;
    int error;

    if ((error = mstore_metafile_check(meta, data, size, name)) < 0 ||
        (error = mstore_metadata_parse(&md, data, size, MSTORE_ROLE_TARGETS, name)) < 0)
        return error;
    if ((error = mstore_metadata_verify(delegator, role, md)) < 0) {
        mstore__error_prefix(error, "%s", name);
    } else if (mstore_metadata_version(md) != meta->version) {
        error = mstore__error(MSTORE_EVERSION, "%s: holds version %lld, snapshot names %lld", name,
                              (long long)mstore_metadata_version(md), (long long)meta->version);
    } else if (mstore_metadata_is_expired(md, u->now)) {
        error =
            mstore__error(MSTORE_EEXPIRED, "%s v%lld has expired", name, (long long)meta->version);
    }
    if (error < 0) {
        mstore_metadata_free(md);
        return error;
    }
    *out = md;
    return MSTORE_OK;
}

static int remember(mstore_updater *u, const char *role, mstore_metadata *md,
                    const mstore_metadata *delegator)
{
    mstore__loaded_role *grown;

    if (strcmp(role, "targets") == 0) {
        mstore_metadata_free(u->targets);
        u->targets = md;
        u->targets_verified_by = delegator;
        return MSTORE_OK;
    }
    grown = realloc(u->roles, (u->n_roles + 1) * sizeof(*u->roles));
    if (!grown) {
        mstore_metadata_free(md);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    u->roles = grown;
    u->roles[u->n_roles].name = mstore__strdup(role);
    u->roles[u->n_roles].md = md;
    u->roles[u->n_roles].verified_by = delegator;
    if (!u->roles[u->n_roles].name) {
        mstore_metadata_free(md);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    u->n_roles++;
    return MSTORE_OK;
}

int mstore__load_targets(const mstore_metadata **out, mstore_updater *u, const char *role,
                         const mstore_metadata *delegator)
{
    mstore__loaded_role *loaded = NULL;
    mstore_metadata *md = NULL;
    unsigned char *data = NULL;
    size_t size = 0, max;
    mstore_metafile meta;
    char *file = NULL, *snap_key = NULL, *name = NULL;
    int error;

    /* Already loaded this run: it passed the snapshot checks, but the delegator reaching it
     * now may differ from the one that checked its signatures, so a different one checks them
     * again (the same one need not: a big targets file costs a canonical encoding). */
    if (strcmp(role, "targets") == 0 ? u->targets != NULL
                                     : (loaded = find_loaded(u, role)) != NULL) {
        const mstore_metadata *md_loaded = loaded ? loaded->md : u->targets;
        const mstore_metadata **by = loaded ? &loaded->verified_by : &u->targets_verified_by;
        if (*by != delegator) {
            if ((error = mstore_metadata_verify(delegator, role, md_loaded)) < 0)
                return mstore__error_prefix(error, "%s (through another delegator)", role);
            *by = delegator;
        }
        *out = md_loaded;
        return MSTORE_OK;
    }
    snap_key = mstore__asprintf("%s.json", role);
    if (!snap_key || (error = mstore__role_filename(&file, role)) < 0) {
        error = snap_key ? error : mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((error = mstore_snapshot_meta(&meta, u->snapshot, snap_key)) < 0) {
        error =
            mstore__error(error == MSTORE_ENOTFOUND ? MSTORE_ENOTFOUND : error,
                          "role '%s' is delegated but snapshot does not list %s", role, snap_key);
        goto out;
    }
    max = u->o.targets_max;
    if (meta.length >= 0 && (uint64_t)meta.length < max)
        max = (size_t)meta.length;

    /* The stored file, if it is still the one the snapshot names. */
    if (mstore__read_local(&data, &size, u, file, u->o.targets_max) == MSTORE_OK) {
        if (check_candidate(&md, u, role, delegator, &meta, data, size, file) == MSTORE_OK) {
            mstore__ulog(u, "stored %s v%lld is current", file, (long long)meta.version);
            goto keep;
        }
        mstore__ulog(u, "stored %s not usable: %s", file, mstore_error_message());
        free(data);
        data = NULL;
    }
    mstore_error_clear();
    if (mstore_root_consistent_snapshot(u->root))
        name = mstore__asprintf("%lld.%s", (long long)meta.version, file);
    else
        name = mstore__strdup(file);
    if (!name) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((error = mstore__fetch_metadata(&data, &size, u, name, max)) < 0) {
        if (error == MSTORE_ELIMIT && max == (size_t)meta.length)
            error = mstore__error(MSTORE_ELENGTH, "%s: longer than the %lld bytes snapshot names",
                                  name, (long long)meta.length);
        goto out;
    }
    if ((error = check_candidate(&md, u, role, delegator, &meta, data, size, name)) < 0 ||
        (error = mstore__persist(u, file, data, size)) < 0)
        goto out;
keep:
    mstore__ulog(u, "trusted %s v%lld", role, (long long)meta.version);
    if ((error = remember(u, role, md, delegator)) == MSTORE_OK)
        *out = md;
    md = NULL;
out:
    mstore_metadata_free(md);
    free(data);
    free(file);
    free(snap_key);
    free(name);
    return error;
}

/* ---- 5.6.7 delegation search ----------------------------------------------------------------- */

typedef struct visit {
    char *role;
    char *delegator; /* NULL: root delegates "targets" */
} visit;

static void free_stack(visit *stack, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(stack[i].role);
        free(stack[i].delegator);
    }
}

static bool was_visited(char **visited, size_t n, const char *role)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(visited[i], role) == 0)
            return true;
    return false;
}

int mstore_updater_get_target(mstore_target **out, mstore_updater *u, const char *path)
{
    visit *stack = NULL;
    size_t n_stack = 0, cap_stack = 0, n_visited = 0;
    char **visited = NULL;
    int error = MSTORE_OK;

    if (!out || !u || !path)
        return mstore__error(MSTORE_EINVAL, "no updater or path");
    if (!u->refreshed && (error = mstore_updater_refresh(u)) < 0)
        return error;
    visited = calloc((size_t)u->o.max_delegations + 1, sizeof(*visited));
    stack = malloc(sizeof(*stack));
    if (!visited || !stack) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    cap_stack = 1;
    stack[0].role = mstore__strdup("targets");
    stack[0].delegator = NULL;
    n_stack = 1;
    if (!stack[0].role) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    while (n_stack > 0 && n_visited <= u->o.max_delegations) {
        visit v = stack[--n_stack];
        const mstore_metadata *delegator, *md = NULL;
        const char **names = NULL;
        bool *terminating = NULL;
        size_t n_names = 0, n_children = 0;

        if (was_visited(visited, n_visited, v.role)) {
            free(v.role);
            free(v.delegator);
            continue;
        }
        delegator = v.delegator ? mstore_updater_trusted(u, v.delegator) : u->root;
        error = mstore__load_targets(&md, u, v.role, delegator);
        if (error == MSTORE_OK && mstore_targets_get(out, md, path) == MSTORE_OK) {
            mstore__ulog(u, "%s: found in role %s", path, v.role);
            free(v.role);
            free(v.delegator);
            goto out;
        }
        if (error == MSTORE_OK) {
            mstore_error_clear();
            error = mstore_targets_roles_for(&names, &terminating, &n_names, md, path);
        }
        if (error < 0) {
            free(v.role);
            free(v.delegator);
            goto out;
        }
        visited[n_visited++] = v.role;
        /* Children in order of appearance, up to and including the first terminating one,
         * which also ends the search of every other branch. */
        for (size_t i = 0; i < n_names; i++) {
            n_children++;
            if (terminating[i]) {
                free_stack(stack, n_stack);
                n_stack = 0;
                break;
            }
        }
        if (n_stack + n_children > cap_stack) {
            visit *grown = realloc(stack, (n_stack + n_children) * sizeof(*stack));
            if (!grown) {
                error = mstore__error(MSTORE_ENOMEM, "out of memory");
            } else {
                stack = grown;
                cap_stack = n_stack + n_children;
            }
        }
        /* Pushed in reverse so that the first child is searched first. */
        for (size_t i = n_children; error == MSTORE_OK && i-- > 0;) {
            stack[n_stack].role = mstore__strdup(names[i]);
            stack[n_stack].delegator = mstore__strdup(v.role);
            if (!stack[n_stack].role || !stack[n_stack].delegator) {
                free(stack[n_stack].role);
                free(stack[n_stack].delegator);
                error = mstore__error(MSTORE_ENOMEM, "out of memory");
                break;
            }
            n_stack++;
        }
        free(names);
        free(terminating);
        free(v.delegator);
        if (error < 0)
            goto out;
    }
    if (n_stack > 0)
        mstore__ulog(u, "%s: stopped after visiting %zu roles (max_delegations)", path, n_visited);
    error = mstore__error(MSTORE_ENOTFOUND, "%s: no trusted role lists this target", path);
out:
    free_stack(stack, n_stack);
    free(stack);
    for (size_t i = 0; i < n_visited; i++)
        free(visited[i]);
    free(visited);
    return error;
}

/* ---- 5.7 targets ----------------------------------------------------------------------------- */

int mstore_updater_download_target(mstore_updater *u, const mstore_target *t, const char *out_path,
                                   bool *cached)
{
    return mstore__updater_download_target_fd(NULL, u, t, out_path, cached);
}

/* A file at path that already has the target's length and hashes, checked through one
 * descriptor, which is handed back (else closed) so that what was checked is what is read. */
static int open_verified(int *keep_fd, const char *path, uint64_t length, const mstore_hash *hashes,
                         size_t n)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), error;

    if (fd < 0)
        return mstore__error(errno == ENOENT ? MSTORE_ENOTFOUND : MSTORE_EIO, "%s: %s", path,
                             strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        error = mstore__error(MSTORE_EIO, "%s: not a regular file", path);
    else
        error = mstore__fd_verify(fd, path, length, hashes, n);
    if (error == MSTORE_OK && keep_fd)
        *keep_fd = fd;
    else
        close(fd);
    return error;
}

int mstore__updater_download_target_fd(int *keep_fd, mstore_updater *u, const mstore_target *t,
                                       const char *out_path, bool *cached)
{
    mstore_hash hashes[MSTORE__HASHES_MAX];
    mstore_fetch_options fo;
    const char *path, *slash, *prefix = NULL;
    char *remote = NULL, *encoded = NULL, *partial = NULL, *enc_name = NULL;
    char **urls = NULL;
    size_t n;
    int error;

    if (!u || !t || !out_path)
        return mstore__error(MSTORE_EINVAL, "no updater, target or path");
    if (cached)
        *cached = false;
    if (u->n_target_urls == 0)
        return mstore__error(MSTORE_EINVAL, "no target URL");
    path = mstore_target_path(t);
    n = mstore_target_hashes(t, hashes, MSTORE__HASHES_MAX);
    if (n > MSTORE__HASHES_MAX)
        return mstore__error(MSTORE_EUNSUPPORTED, "%s: lists %zu hashes", path, n);
    for (size_t i = 0; i < n; i++)
        if (!mstore_hash_supported(hashes[i].algorithm))
            return mstore__error(MSTORE_EUNSUPPORTED, "%s: unsupported hash algorithm '%s'", path,
                                 hashes[i].algorithm);
    /* 5.7.2: a file that already has the right length and hashes is not fetched again. */
    if (open_verified(keep_fd, out_path, mstore_target_length(t), hashes, n) == MSTORE_OK) {
        mstore__ulog(u, "%s: %s is up to date", path, out_path);
        if (cached)
            *cached = true;
        return MSTORE_OK;
    }
    mstore_error_clear();
    /* Consistent snapshots: "dir/<hash>.name", with SHA-256 when listed. */
    if (mstore_root_consistent_snapshot(u->root)) {
        prefix = mstore_target_hash(t, "sha256");
        if (!prefix)
            prefix = hashes[0].hex;
    }
    slash = strrchr(path, '/');
    if (prefix)
        remote = slash
                     ? mstore__asprintf("%.*s/%s.%s", (int)(slash - path), path, prefix, slash + 1)
                     : mstore__asprintf("%s.%s", prefix, path);
    else
        remote = mstore__strdup(path);
    urls = calloc(u->n_target_urls, sizeof(*urls));
    if (!remote || !urls || (error = mstore_url_encode(&encoded, remote, 1)) < 0) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < u->n_target_urls; i++)
        if (!(urls[i] = mstore__asprintf("%s%s", u->target_urls[i], encoded))) {
            error = mstore__error(MSTORE_ENOMEM, "out of memory");
            goto out;
        }
    fo = u->o.fetch;
    fo.partial_path = NULL; /* one partial file per target, never shared between targets */
    if (u->partial_dir) {
        if ((error = mstore_url_encode(&enc_name, path, 0)) < 0 ||
            (error = mstore__mkdirs(u->partial_dir, 0755)) < 0)
            goto out;
        partial = mstore__asprintf("%s/%s.part", u->partial_dir, enc_name);
        if (!partial) {
            error = mstore__error(MSTORE_ENOMEM, "out of memory");
            goto out;
        }
        fo.partial_path = partial;
    }
    mstore__ulog(u, "GET %s (%llu bytes)", urls[0], (unsigned long long)mstore_target_length(t));
    error = mstore__fetch_file_fd(keep_fd, out_path, (const char *const *)urls, u->n_target_urls,
                                  mstore_target_length(t), hashes, n, &fo);
    if (error == MSTORE_OK)
        mstore__ulog(u, "%s: verified and stored as %s", path, out_path);
out:
    if (urls)
        for (size_t i = 0; i < u->n_target_urls; i++)
            free(urls[i]);
    free(urls);
    free(remote);
    free(encoded);
    free(partial);
    free(enc_name);
    return error;
}
