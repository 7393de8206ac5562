/* The TUF client workflow for the top-level roles: root rotation, timestamp, snapshot, targets. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "metadata_internal.h"
#include "mstore/canonjson.h"
#include "updater_internal.h"

void mstore_updater_options_init(mstore_updater_options *o)
{
    memset(o, 0, sizeof(*o));
    o->root_max = 512 * 1024;
    o->timestamp_max = 16 * 1024;
    o->snapshot_max = 4 * 1024 * 1024;
    o->targets_max = 64 * 1024 * 1024;
    o->max_root_rotations = 256;
    o->max_delegations = 32;
    mstore_fetch_options_init(&o->fetch);
}

void mstore__ulog(const mstore_updater *u, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (!u->o.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    u->o.log(u->o.log_ctx, line);
}

int mstore__role_filename(char **out, const char *role)
{
    char *enc = NULL;
    int error;

    if ((error = mstore_url_encode(&enc, role, 0)) < 0)
        return error;
    *out = mstore__asprintf("%s.json", enc);
    free(enc);
    return *out ? MSTORE_OK : mstore__error(MSTORE_ENOMEM, "out of memory");
}

int mstore__fetch_metadata(unsigned char **out, size_t *size, mstore_updater *u, const char *name,
                           size_t max)
{
    char **urls = calloc(u->n_meta_urls, sizeof(*urls));
    int error = MSTORE_OK;

    if (!urls)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    for (size_t i = 0; i < u->n_meta_urls; i++)
        if (!(urls[i] = mstore__asprintf("%s%s", u->meta_urls[i], name)))
            error = mstore__error(MSTORE_ENOMEM, "out of memory");
    if (error == MSTORE_OK) {
        mstore__ulog(u, "GET %s (at most %zu bytes)", urls[0], max);
        error = mstore_fetch_bytes(out, size, (const char *const *)urls, u->n_meta_urls, max,
                                   &u->o.fetch);
    }
    for (size_t i = 0; i < u->n_meta_urls; i++)
        free(urls[i]);
    free(urls);
    return error;
}

int mstore__read_local(unsigned char **out, size_t *size, const mstore_updater *u, const char *name,
                       size_t max)
{
    char *path = mstore__asprintf("%s/%s", u->dir, name);
    int error;

    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    error = mstore__read_file(out, size, path, max);
    free(path);
    return error;
}

int mstore__persist(const mstore_updater *u, const char *name, const void *data, size_t size)
{
    char *path = mstore__asprintf("%s/%s", u->dir, name);
    int error;

    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    error = mstore__write_file_atomic(path, data, size, 0644);
    if (error == MSTORE_OK)
        mstore__ulog(u, "stored %s", name);
    free(path);
    return error;
}

static int remove_local(const mstore_updater *u, const char *name)
{
    char *path = mstore__asprintf("%s/%s", u->dir, name);
    int error;

    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    error = mstore__remove_file(path);
    free(path);
    return error;
}

/* Removes "<name>.tmp.XXXXXX" files that an interrupted atomic write left behind. */
static void clean_leftovers(const mstore_updater *u)
{
    DIR *d = opendir(u->dir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *tmp = strstr(e->d_name, ".tmp.");
        if (tmp && strlen(tmp) == 11) {
            remove_local(u, e->d_name);
            mstore__ulog(u, "removed leftover %s", e->d_name);
        }
    }
    closedir(d);
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

static void free_loaded(mstore_updater *u)
{
    mstore_metadata_free(u->timestamp);
    mstore_metadata_free(u->snapshot);
    mstore_metadata_free(u->targets);
    u->timestamp = u->snapshot = u->targets = NULL;
    u->targets_verified_by = NULL;
    for (size_t i = 0; i < u->n_roles; i++) {
        free(u->roles[i].name);
        mstore_metadata_free(u->roles[i].md);
    }
    free(u->roles);
    u->roles = NULL;
    u->n_roles = 0;
    u->refreshed = false;
}

void mstore_updater_free(mstore_updater *u)
{
    if (!u)
        return;
    free_loaded(u);
    mstore_metadata_free(u->root);
    for (size_t i = 0; i < u->n_meta_urls; i++)
        free(u->meta_urls[i]);
    for (size_t i = 0; i < u->n_target_urls; i++)
        free(u->target_urls[i]);
    free(u->meta_urls);
    free(u->target_urls);
    free(u->dir);
    free(u->partial_dir);
    free(u);
}

/* Copies base URLs, each ending with '/'. */
static int copy_urls(char ***out, size_t *n, const char *const *urls, size_t count)
{
    if (count == 0)
        return MSTORE_OK;
    *out = calloc(count, sizeof(**out));
    if (!*out)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        size_t len;
        if (!urls[i] || !*urls[i])
            return mstore__error(MSTORE_EINVAL, "empty base URL");
        len = strlen(urls[i]);
        (*out)[i] = mstore__asprintf("%s%s", urls[i], urls[i][len - 1] == '/' ? "" : "/");
        if (!(*out)[i])
            return mstore__error(MSTORE_ENOMEM, "out of memory");
        *n = i + 1;
    }
    return MSTORE_OK;
}

/* Loads root.json and checks that it is signed by a threshold of its own keys. */
static int load_trusted_root(mstore_updater *u)
{
    unsigned char *data = NULL;
    size_t size = 0;
    mstore_metadata *root = NULL;
    int error;

    if ((error = mstore__read_local(&data, &size, u, "root.json", u->o.root_max)) < 0)
        return mstore__error_prefix(error, "trusted root");
    error = mstore_metadata_parse(&root, data, size, MSTORE_ROLE_ROOT, "root.json");
    free(data);
    if (error < 0)
        return mstore__error_prefix(error, "trusted root");
    if ((error = mstore_metadata_verify(root, "root", root)) < 0) {
        mstore_metadata_free(root);
        return mstore__error_prefix(error, "trusted root.json");
    }
    mstore_metadata_free(u->root);
    u->root = root;
    return MSTORE_OK;
}

int mstore_updater_init_root(const char *metadata_dir, const void *root, size_t size)
{
    char *path;
    int error;

    if (!metadata_dir || (!root && size))
        return mstore__error(MSTORE_EINVAL, "no metadata folder or root");
    if ((error = mstore__mkdirs(metadata_dir, 0755)) < 0)
        return error;
    path = mstore__asprintf("%s/root.json", metadata_dir);
    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    error = mstore__write_file_atomic(path, root, size, 0644);
    free(path);
    return error;
}

int mstore_updater_new(mstore_updater **out, const mstore_updater_options *o)
{
    mstore_updater *u;
    int error;

    if (!out || !o || !o->metadata_dir)
        return mstore__error(MSTORE_EINVAL, "updater needs a metadata folder");
    u = calloc(1, sizeof(*u));
    if (!u)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    u->o = *o;
    u->now = o->now ? o->now : (int64_t)time(NULL);
    u->dir = mstore__strdup(o->metadata_dir);
    u->partial_dir = o->partial_dir ? mstore__strdup(o->partial_dir) : NULL;
    if (!u->dir || (o->partial_dir && !u->partial_dir)) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto fail;
    }
    if ((error = copy_urls(&u->meta_urls, &u->n_meta_urls, o->metadata_urls, o->n_metadata_urls)) <
            0 ||
        (error = copy_urls(&u->target_urls, &u->n_target_urls, o->target_urls, o->n_target_urls)) <
            0)
        goto fail;
    u->o.metadata_dir = u->dir;
    u->o.metadata_urls = NULL;
    u->o.target_urls = NULL;
    u->o.partial_dir = u->partial_dir;
    clean_leftovers(u);
    if ((error = load_trusted_root(u)) < 0)
        goto fail;
    *out = u;
    return MSTORE_OK;
fail:
    mstore_updater_free(u);
    return error;
}

int64_t mstore_updater_now(const mstore_updater *u)
{
    return u ? u->now : 0;
}

/* ---- 5.3 root -------------------------------------------------------------------------------- */

/* True if the role's key ids (as a set) differ between two roots. */
static bool keys_changed(const mstore_metadata *a, const mstore_metadata *b, const char *role)
{
    const char *const *ka, *const *kb;
    size_t na = 0, nb = 0;
    int64_t ta, tb;

    if (mstore_metadata_role(a, role, &ka, &na, &ta) < 0 ||
        mstore_metadata_role(b, role, &kb, &nb, &tb) < 0 || na != nb)
        return true;
    for (size_t i = 0; i < na; i++) {
        bool found = false;
        for (size_t j = 0; j < nb && !found; j++)
            found = strcmp(ka[i], kb[j]) == 0;
        if (!found)
            return true;
    }
    return false;
}

static int update_root(mstore_updater *u)
{
    mstore_metadata *start = u->root;
    bool rotated = false;
    int error = MSTORE_OK;

    for (unsigned i = 0; i < u->o.max_root_rotations; i++) {
        int64_t version = mstore_metadata_version(u->root);
        unsigned char *data = NULL;
        size_t size = 0;
        mstore_metadata *next = NULL;
        char name[48];

        if (version == INT64_MAX)
            break;
        snprintf(name, sizeof(name), "%lld.root.json", (long long)(version + 1));
        error = mstore__fetch_metadata(&data, &size, u, name, u->o.root_max);
        if (error == MSTORE_ENOTFOUND) {
            mstore__ulog(u, "%s: not published; root v%lld is the newest", name,
                         (long long)version);
            error = MSTORE_OK;
            break;
        }
        if (error < 0)
            break;
        if ((error = mstore_metadata_parse(&next, data, size, MSTORE_ROLE_ROOT, name)) ==
                MSTORE_OK &&
            (error = mstore_metadata_verify(u->root, "root", next)) < 0)
            mstore__error_prefix(error, "%s: not signed by the trusted root's threshold", name);
        if (error == MSTORE_OK && (error = mstore_metadata_verify(next, "root", next)) < 0)
            mstore__error_prefix(error, "%s: not signed by its own threshold", name);
        if (error == MSTORE_OK && mstore_metadata_version(next) != version + 1)
            error = mstore__error(MSTORE_EVERSION, "%s: holds version %lld", name,
                                  (long long)mstore_metadata_version(next));
        if (error == MSTORE_OK)
            error = mstore__persist(u, "root.json", data, size);
        free(data);
        if (error < 0) {
            mstore_metadata_free(next);
            break;
        }
        mstore__ulog(u, "trusted root v%lld", (long long)(version + 1));
        if (u->root != start)
            mstore_metadata_free(u->root);
        u->root = next;
        rotated = true;
    }
    if (error == MSTORE_OK && mstore_metadata_is_expired(u->root, u->now))
        error = mstore__error(MSTORE_EEXPIRED, "root.json v%lld has expired",
                              (long long)mstore_metadata_version(u->root));
    /* 5.3.11: new timestamp or snapshot keys make the stored files worthless for rollback
     * checks; drop them so that a repository recovering from a key compromise can start over. */
    if (rotated &&
        (keys_changed(start, u->root, "timestamp") || keys_changed(start, u->root, "snapshot"))) {
        mstore__ulog(u, "timestamp or snapshot keys rotated: dropping stored timestamp, snapshot");
        int rc = remove_local(u, "timestamp.json");
        if (rc == MSTORE_OK)
            rc = remove_local(u, "snapshot.json");
        if (error == MSTORE_OK)
            error = rc;
    }
    if (u->root != start)
        mstore_metadata_free(start);
    return error;
}

/* ---- 5.4 timestamp --------------------------------------------------------------------------- */

/* A stored file that parses and verifies against the trusted root, or NULL. */
static mstore_metadata *load_local_verified(mstore_updater *u, const char *name,
                                            mstore_role_type type, size_t max)
{
    unsigned char *data = NULL;
    size_t size = 0;
    mstore_metadata *md = NULL;

    if (mstore__read_local(&data, &size, u, name, max) < 0)
        return NULL;
    if (mstore_metadata_parse(&md, data, size, type, name) < 0 ||
        mstore_metadata_verify(u->root, mstore_role_type_name(type), md) < 0) {
        mstore__ulog(u, "stored %s not usable: %s", name, mstore_error_message());
        mstore_metadata_free(md);
        md = NULL;
    }
    free(data);
    mstore_error_clear();
    return md;
}

static int update_timestamp(mstore_updater *u)
{
    mstore_metadata *trusted =
        load_local_verified(u, "timestamp.json", MSTORE_ROLE_TIMESTAMP, u->o.timestamp_max);
    mstore_metadata *fresh = NULL;
    unsigned char *data = NULL;
    size_t size = 0;
    bool keep_trusted = false;
    int error;

    if ((error = mstore__fetch_metadata(&data, &size, u, "timestamp.json", u->o.timestamp_max)) < 0)
        goto out;
    if ((error = mstore_metadata_parse(&fresh, data, size, MSTORE_ROLE_TIMESTAMP,
                                       "timestamp.json")) < 0)
        goto out;
    if ((error = mstore_metadata_verify(u->root, "timestamp", fresh)) < 0) {
        mstore__error_prefix(error, "timestamp.json");
        goto out;
    }
    if (trusted) {
        int64_t old_v = mstore_metadata_version(trusted), new_v = mstore_metadata_version(fresh);
        mstore_metafile old_m, new_m;
        if (new_v < old_v) {
            error = mstore__error(MSTORE_EROLLBACK,
                                  "timestamp.json: version %lld, older than the "
                                  "trusted version %lld",
                                  (long long)new_v, (long long)old_v);
            goto out;
        }
        if (new_v == old_v) {
            keep_trusted = true; /* same version: the stored one stays */
        } else {
            if ((error = mstore_timestamp_snapshot_meta(&old_m, trusted)) < 0 ||
                (error = mstore_timestamp_snapshot_meta(&new_m, fresh)) < 0)
                goto out;
            if (new_m.version < old_m.version) {
                error = mstore__error(MSTORE_EROLLBACK,
                                      "timestamp.json: names snapshot version %lld, older than "
                                      "the trusted %lld",
                                      (long long)new_m.version, (long long)old_m.version);
                goto out;
            }
        }
    }
    if (keep_trusted) {
        mstore_metadata_free(fresh);
        fresh = trusted;
        trusted = NULL;
    }
    if (mstore_metadata_is_expired(fresh, u->now)) {
        error = mstore__error(MSTORE_EEXPIRED, "timestamp.json v%lld has expired",
                              (long long)mstore_metadata_version(fresh));
        goto out;
    }
    if (!keep_trusted && (error = mstore__persist(u, "timestamp.json", data, size)) < 0)
        goto out;
    mstore__ulog(u, "trusted timestamp v%lld", (long long)mstore_metadata_version(fresh));
    mstore_metadata_free(u->timestamp);
    u->timestamp = fresh;
    fresh = NULL;
out:
    mstore_metadata_free(trusted);
    mstore_metadata_free(fresh);
    free(data);
    return error;
}

/* ---- 5.5 snapshot ---------------------------------------------------------------------------- */

typedef struct rollback_ctx {
    const mstore_metadata *fresh;
    const char *name;
} rollback_ctx;

/* Every role the trusted snapshot lists must stay listed, at the same or a newer version. */
static int check_meta_rollback(void *ctx, const char *filename, const mstore_metafile *old)
{
    rollback_ctx *c = ctx;
    mstore_metafile now;

    if (mstore_snapshot_meta(&now, c->fresh, filename) < 0)
        return mstore__error(MSTORE_EROLLBACK, "%s: no longer lists %s", c->name, filename);
    if (now.version < old->version)
        return mstore__error(MSTORE_EROLLBACK, "%s: %s version %lld, older than the trusted %lld",
                             c->name, filename, (long long)now.version, (long long)old->version);
    return 0;
}

static int update_snapshot(mstore_updater *u)
{
    mstore_metadata *trusted =
        load_local_verified(u, "snapshot.json", MSTORE_ROLE_SNAPSHOT, u->o.snapshot_max);
    mstore_metadata *fresh = NULL;
    unsigned char *data = NULL;
    size_t size = 0, max;
    mstore_metafile meta;
    char name[48];
    int error;

    if ((error = mstore_timestamp_snapshot_meta(&meta, u->timestamp)) < 0)
        goto out;
    if (trusted && mstore_metadata_version(trusted) == meta.version &&
        !mstore_metadata_is_expired(trusted, u->now)) {
        mstore__ulog(u, "stored snapshot v%lld is current", (long long)meta.version);
        fresh = trusted;
        trusted = NULL;
        goto done;
    }
    if (mstore_root_consistent_snapshot(u->root))
        snprintf(name, sizeof(name), "%lld.snapshot.json", (long long)meta.version);
    else
        snprintf(name, sizeof(name), "snapshot.json");
    max = u->o.snapshot_max;
    if (meta.length >= 0 && (uint64_t)meta.length < max)
        max = (size_t)meta.length;
    if ((error = mstore__fetch_metadata(&data, &size, u, name, max)) < 0) {
        if (error == MSTORE_ELIMIT && max == (size_t)meta.length)
            error = mstore__error(MSTORE_ELENGTH, "%s: longer than the %lld bytes timestamp names",
                                  name, (long long)meta.length);
        goto out;
    }
    if ((error = mstore_metafile_check(&meta, data, size, name)) < 0)
        goto out;
    if ((error = mstore_metadata_parse(&fresh, data, size, MSTORE_ROLE_SNAPSHOT, name)) < 0)
        goto out;
    if ((error = mstore_metadata_verify(u->root, "snapshot", fresh)) < 0) {
        mstore__error_prefix(error, "%s", name);
        goto out;
    }
    if (trusted) {
        rollback_ctx ctx = {fresh, name};
        if (mstore_metadata_version(fresh) < mstore_metadata_version(trusted)) {
            error = mstore__error(MSTORE_EROLLBACK, "%s: version %lld, older than the trusted %lld",
                                  name, (long long)mstore_metadata_version(fresh),
                                  (long long)mstore_metadata_version(trusted));
            goto out;
        }
        if ((error = mstore_snapshot_meta_foreach(trusted, check_meta_rollback, &ctx)) != 0)
            goto out;
    }
    if (mstore_metadata_version(fresh) != meta.version) {
        error = mstore__error(MSTORE_EVERSION, "%s: holds version %lld, timestamp names %lld", name,
                              (long long)mstore_metadata_version(fresh), (long long)meta.version);
        goto out;
    }
    if (mstore_metadata_is_expired(fresh, u->now)) {
        error =
            mstore__error(MSTORE_EEXPIRED, "%s v%lld has expired", name, (long long)meta.version);
        goto out;
    }
    if ((error = mstore__persist(u, "snapshot.json", data, size)) < 0)
        goto out;
done:
    mstore__ulog(u, "trusted snapshot v%lld", (long long)mstore_metadata_version(fresh));
    mstore_metadata_free(u->snapshot);
    u->snapshot = fresh;
    fresh = NULL;
out:
    mstore_metadata_free(trusted);
    mstore_metadata_free(fresh);
    free(data);
    return error;
}

/* ---- the stored state ------------------------------------------------------------------------ */

/* The stored snapshot, checked against the trusted timestamp as a fetched one would be. */
static int load_stored_snapshot(mstore_updater *u)
{
    unsigned char *data = NULL;
    size_t size = 0;
    mstore_metadata *md = NULL;
    mstore_metafile meta;
    int error;

    if ((error = mstore_timestamp_snapshot_meta(&meta, u->timestamp)) < 0)
        return error;
    if ((error = mstore__read_local(&data, &size, u, "snapshot.json", u->o.snapshot_max)) < 0)
        return error;
    if (!data) {
        error = mstore__error(MSTORE_ENOTFOUND, "no stored snapshot.json");
    } else if ((error = mstore_metafile_check(&meta, data, size, "snapshot.json")) == MSTORE_OK &&
               (error = mstore_metadata_parse(&md, data, size, MSTORE_ROLE_SNAPSHOT,
                                              "snapshot.json")) == MSTORE_OK) {
        if ((error = mstore_metadata_verify(u->root, "snapshot", md)) < 0)
            mstore__error_prefix(error, "stored snapshot.json");
        else if (mstore_metadata_version(md) != meta.version)
            error = mstore__error(MSTORE_EVERSION,
                                  "stored snapshot.json: version %lld, timestamp names %lld",
                                  (long long)mstore_metadata_version(md), (long long)meta.version);
        else if (mstore_metadata_is_expired(md, u->now))
            error = mstore__error(MSTORE_EEXPIRED, "stored snapshot.json v%lld has expired",
                                  (long long)meta.version);
    }
    free(data);
    if (error < 0) {
        mstore_metadata_free(md);
        return error;
    }
    u->snapshot = md;
    return MSTORE_OK;
}

int mstore__updater_load_stored(mstore_updater *u)
{
    const mstore_metadata *targets;
    int error;

    free_loaded(u);
    if ((error = load_trusted_root(u)) < 0)
        return error;
    if (mstore_metadata_is_expired(u->root, u->now))
        return mstore__error(MSTORE_EEXPIRED, "root.json v%lld has expired",
                             (long long)mstore_metadata_version(u->root));
    u->timestamp =
        load_local_verified(u, "timestamp.json", MSTORE_ROLE_TIMESTAMP, u->o.timestamp_max);
    if (!u->timestamp)
        error = mstore__error(MSTORE_ENOTFOUND, "no usable stored timestamp.json");
    else if (mstore_metadata_is_expired(u->timestamp, u->now))
        error = mstore__error(MSTORE_EEXPIRED, "stored timestamp.json v%lld has expired",
                              (long long)mstore_metadata_version(u->timestamp));
    if (error < 0 || (error = load_stored_snapshot(u)) < 0 ||
        (error = mstore__load_targets(&targets, u, "targets", u->root)) < 0) {
        free_loaded(u);
        return error;
    }
    mstore__ulog(u, "using the stored metadata: timestamp v%lld, snapshot v%lld, targets v%lld",
                 (long long)mstore_metadata_version(u->timestamp),
                 (long long)mstore_metadata_version(u->snapshot),
                 (long long)mstore_metadata_version(targets));
    u->refreshed = true;
    return MSTORE_OK;
}

/* ---- the workflow ---------------------------------------------------------------------------- */

int mstore_updater_refresh(mstore_updater *u)
{
    const mstore_metadata *targets;
    int error;

    if (!u)
        return mstore__error(MSTORE_EINVAL, "no updater");
    if (u->n_meta_urls == 0)
        return mstore__error(MSTORE_EINVAL, "no metadata URL");
    free_loaded(u);
    /* Every run starts from what is stored: the last state that passed every check. */
    if ((error = load_trusted_root(u)) < 0 || (error = update_root(u)) < 0 ||
        (error = update_timestamp(u)) < 0 || (error = update_snapshot(u)) < 0 ||
        (error = mstore__load_targets(&targets, u, "targets", u->root)) < 0) {
        free_loaded(u);
        return error;
    }
    u->refreshed = true;
    return MSTORE_OK;
}

const mstore_metadata *mstore_updater_trusted(const mstore_updater *u, const char *role)
{
    if (!u || !role)
        return NULL;
    if (strcmp(role, "root") == 0)
        return u->root;
    if (strcmp(role, "timestamp") == 0)
        return u->timestamp;
    if (strcmp(role, "snapshot") == 0)
        return u->snapshot;
    if (strcmp(role, "targets") == 0)
        return u->targets;
    for (size_t i = 0; i < u->n_roles; i++)
        if (strcmp(u->roles[i].name, role) == 0)
            return u->roles[i].md;
    return NULL;
}
