/* The store client object: folders under the root, configuration (ROOT/etc/motionstore/
 * config.json), progress and cancel plumbing, the TUF updater on the client's metadata, and the
 * catalog of the last update. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "install_internal.h"
#include "internal.h"
#include "mstore/canonjson.h"

#ifndef MSTORE_VERSION_STRING
#define MSTORE_VERSION_STRING "0.0.0"
#endif

const char *mstore_phase_name(mstore_phase phase)
{
    switch (phase) {
    case MSTORE_PHASE_METADATA:
        return "metadata";
    case MSTORE_PHASE_DOWNLOAD:
        return "download";
    case MSTORE_PHASE_EXTRACT:
        return "extract";
    case MSTORE_PHASE_COMMIT:
        return "commit";
    }
    return "?";
}

void mstore__config_clear(mstore__config *cfg)
{
    for (size_t i = 0; i < cfg->n_stores; i++)
        free(cfg->stores[i]);
    free(cfg->robot);
    free(cfg->runtime_version);
    free(cfg->ca_file);
    memset(cfg, 0, sizeof(*cfg));
    cfg->retries = -1;
}

static int cfg_string(char **out, const json_t *root, const char *name, const char *path)
{
    const json_t *v = json_object_get(root, name);

    if (!v || json_is_null(v))
        return MSTORE_OK;
    if (!json_is_string(v) || !*json_string_value(v))
        return mstore__error(MSTORE_EFORMAT, "%s: %s: must be a non-empty string", path, name);
    if (!(*out = mstore__strdup(json_string_value(v))))
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

static int cfg_long(long *out, const json_t *root, const char *name, const char *path, long max)
{
    const json_t *v = json_object_get(root, name);

    if (!v)
        return MSTORE_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return mstore__error(MSTORE_EFORMAT, "%s: %s: must be an integer from 0 to %ld", path, name,
                             max);
    *out = (long)json_integer_value(v);
    return MSTORE_OK;
}

static const char *const cfg_fields[] = {
    "store",   "robot", "runtime_version", "ca_file", "connect_timeout_ms", "stall_timeout_ms",
    "retries", NULL};

int mstore__config_load(mstore__config *cfg, const char *path)
{
    unsigned char *text = NULL;
    size_t size = 0, i;
    json_t *root = NULL, *store, *v;
    const char *key;
    int rc;

    mstore__config_clear(cfg);
    rc = mstore__read_file(&text, &size, path, MSTORE__CONFIG_MAX);
    if (rc == MSTORE_ENOTFOUND) {
        mstore_error_clear();
        return MSTORE_OK;
    }
    if (rc)
        return rc;
    if ((rc = mstore_json_parse(&root, (const char *)text, size, path)))
        goto out;
    if (!json_is_object(root)) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: must be a JSON object", path);
        goto out;
    }
    json_object_foreach(root, key, v)
    {
        bool known = false;
        for (i = 0; cfg_fields[i]; i++)
            known |= strcmp(cfg_fields[i], key) == 0;
        if (!known) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: %s: unknown setting", path, key);
            goto out;
        }
    }
    /* "store": one base URL or a list of mirrors, tried in order. */
    store = json_object_get(root, "store");
    if (json_is_string(store)) {
        json_t *arr = json_array();
        json_array_append(arr, store);
        store = arr;
    } else if (store) {
        json_incref(store);
    }
    if (store && (!json_is_array(store) || json_array_size(store) == 0 ||
                  json_array_size(store) > MSTORE__MAX_STORES)) {
        json_decref(store);
        rc = mstore__error(MSTORE_EFORMAT, "%s: store: must be a URL or a list of 1 to %d URLs",
                           path, MSTORE__MAX_STORES);
        goto out;
    }
    json_array_foreach(store, i, v)
    {
        const char *url = json_string_value(v);
        size_t len = url ? strlen(url) : 0;
        if (!len || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8) &&
                     strncmp(url, "file://", 7))) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: store[%zu]: must be an http, https or file URL",
                               path, i);
            break;
        }
        cfg->stores[cfg->n_stores] = mstore__asprintf("%s%s", url, url[len - 1] == '/' ? "" : "/");
        if (!cfg->stores[cfg->n_stores++]) {
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
            break;
        }
    }
    json_decref(store);
    if (rc)
        goto out;
    if ((rc = cfg_string(&cfg->robot, root, "robot", path)) ||
        (rc = cfg_string(&cfg->runtime_version, root, "runtime_version", path)) ||
        (rc = cfg_string(&cfg->ca_file, root, "ca_file", path)) ||
        (rc = cfg_long(&cfg->connect_timeout_ms, root, "connect_timeout_ms", path, 600000)) ||
        (rc = cfg_long(&cfg->stall_timeout_ms, root, "stall_timeout_ms", path, 600000)) ||
        (rc = cfg_long(&cfg->retries, root, "retries", path, 100)))
        goto out;
    if (cfg->runtime_version && !mpk_semver_valid(cfg->runtime_version))
        rc = mstore__error(MSTORE_EFORMAT, "%s: runtime_version: must be a semantic version", path);
out:
    if (rc)
        mstore__config_clear(cfg);
    json_decref(root);
    free(text);
    return rc;
}

void mstore_client_options_init(mstore_client_options *o)
{
    memset(o, 0, sizeof(*o));
}

void mstore_client_free(mstore_client *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mutex);
    free(c->root);
    free(c->etc);
    free(c->state);
    free(c->cache);
    free(c->metadata);
    free(c->packages);
    free(c->db_path);
    free(c->catalog_sha256);
    mstore_catalog_free(c->catalog);
    mstore__config_clear(&c->cfg);
    free((char *)c->o.robot_model);
    free((char *)c->o.runtime_version);
    free(c);
}

int mstore_client_open(mstore_client **out, const mstore_client_options *o)
{
    mstore_client *c = calloc(1, sizeof(*c));
    const char *root;
    char *cfg_path = NULL, *trusted = NULL, *stored = NULL;
    unsigned char *data = NULL;
    size_t size = 0;
    int rc;

    if (!out)
        return mstore__error(MSTORE_EINVAL, "no output");
    if (!c)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    mstore__config_clear(&c->cfg);
    pthread_mutex_init(&c->mutex, NULL);
    if (o)
        c->o = *o;
    c->o.robot_model = NULL;
    c->o.runtime_version = NULL;
    if ((o && o->robot_model && !(c->o.robot_model = mstore__strdup(o->robot_model))) ||
        (o && o->runtime_version && !(c->o.runtime_version = mstore__strdup(o->runtime_version)))) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if (c->o.runtime_version && !mpk_semver_valid(c->o.runtime_version)) {
        rc = mstore__error(MSTORE_EINVAL, "runtime version '%s': must be a semantic version",
                           c->o.runtime_version);
        goto out;
    }
    root = o && o->root ? o->root : getenv(MSTORE_ROOT_ENV);
    if (!root || !*root)
        root = "/";
    /* Paths are built as ROOT + "/etc/..."; a root of "/" gives "//etc", which is fine. */
    c->root = mstore__strdup(root);
    c->etc = mstore__asprintf("%s/etc/motionstore", strcmp(root, "/") ? root : "");
    c->state = mstore__asprintf("%s/var/lib/motionstore", strcmp(root, "/") ? root : "");
    c->cache = mstore__asprintf("%s/var/cache/motionstore", strcmp(root, "/") ? root : "");
    if (!c->root || !c->etc || !c->state || !c->cache) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    c->metadata = mstore__asprintf("%s/metadata", c->state);
    c->packages = mstore__asprintf("%s/packages", c->state);
    c->db_path = mstore__asprintf("%s/installed.json", c->state);
    cfg_path = mstore__asprintf("%s/config.json", c->etc);
    trusted = mstore__asprintf("%s/root.json", c->etc);
    stored = mstore__asprintf("%s/root.json", c->metadata);
    if (!c->metadata || !c->packages || !c->db_path || !cfg_path || !trusted || !stored) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mstore__config_load(&c->cfg, cfg_path)))
        goto out;
    if ((rc = mstore__mkdirs(c->packages, 0755)) || (rc = mstore__mkdirs(c->metadata, 0755)) ||
        (rc = mstore__mkdirs(c->cache, 0755)))
        goto out;
    /* The root shipped in etc/ starts the chain of trust the first time; after that the
     * metadata folder holds the newest verified root, which rotations have moved forward. */
    if (!mstore__exists(stored) && mstore__exists(trusted)) {
        if ((rc = mstore__read_file(&data, &size, trusted, 512 * 1024)) ||
            (rc = mstore_updater_init_root(c->metadata, data, size)))
            goto out;
    }
    *out = c;
    c = NULL;
out:
    free(cfg_path);
    free(trusted);
    free(stored);
    free(data);
    mstore_client_free(c);
    return rc;
}

const char *mstore_client_robot(const mstore_client *c)
{
    return c->o.robot_model ? c->o.robot_model : c->cfg.robot;
}

const char *mstore_client_runtime_version(const mstore_client *c)
{
    return c->o.runtime_version     ? c->o.runtime_version
           : c->cfg.runtime_version ? c->cfg.runtime_version
                                    : MSTORE_VERSION_STRING;
}

const char *mstore_client_root(const mstore_client *c)
{
    return c->root;
}

bool mstore__canceled(const mstore_client *c)
{
    return c->o.cancel && atomic_load(c->o.cancel) != 0;
}

int mstore__report(mstore_client *c, const char *id, mstore_phase phase, uint64_t done,
                   uint64_t total)
{
    if (mstore__canceled(c) ||
        (c->o.progress && c->o.progress(c->o.progress_ctx, id, phase, done, total) != 0))
        return mstore__error(MSTORE_ECANCELED, "%s: canceled during %s", id ? id : "operation",
                             mstore_phase_name(phase));
    return MSTORE_OK;
}

int mstore__fetch_progress(void *ctx, uint64_t done, uint64_t total)
{
    mstore__progress_ctx *pc = ctx;

    if (mstore__canceled(pc->c))
        return 1;
    return pc->c->o.progress
               ? pc->c->o.progress(pc->c->o.progress_ctx, pc->id, pc->phase, done, total)
               : 0;
}

void mstore__fetch_options(mstore_fetch_options *fo, mstore_client *c, mstore__progress_ctx *pc)
{
    mstore_fetch_options_init(fo);
    if (c->cfg.connect_timeout_ms)
        fo->connect_timeout_ms = c->cfg.connect_timeout_ms;
    if (c->cfg.stall_timeout_ms)
        fo->stall_timeout_ms = c->cfg.stall_timeout_ms;
    if (c->cfg.retries >= 0)
        fo->retries = (unsigned)c->cfg.retries;
    fo->ca_file = c->cfg.ca_file;
    if (pc) {
        fo->progress = mstore__fetch_progress;
        fo->progress_ctx = pc;
    }
}

void mstore__clog(const mstore_client *c, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (!c->o.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    c->o.log(c->o.log_ctx, line);
}

static void updater_log(void *ctx, const char *line)
{
    mstore__clog(ctx, "tuf: %s", line);
}

int mstore__updater_open(mstore_updater **out, mstore_client *c, mstore__progress_ctx *pc,
                         const char *const *meta_urls, size_t n_meta,
                         const char *const *target_urls, size_t n_targets, const char *partial_dir)
{
    char *mu[MSTORE__MAX_STORES] = {0}, *tu[MSTORE__MAX_STORES] = {0}, *partial = NULL;
    mstore_updater_options uo;
    int rc = MSTORE_OK;

    mstore_updater_options_init(&uo);
    if (!meta_urls) {
        if (c->cfg.n_stores == 0)
            return mstore__error(MSTORE_ENOTFOUND,
                                 "%s/config.json: no store URL is configured (\"store\")", c->etc);
        for (size_t i = 0; i < c->cfg.n_stores; i++) {
            mu[i] = mstore__asprintf("%smetadata/", c->cfg.stores[i]);
            tu[i] = mstore__asprintf("%stargets/", c->cfg.stores[i]);
            if (!mu[i] || !tu[i]) {
                rc = mstore__error(MSTORE_ENOMEM, "out of memory");
                goto out;
            }
        }
        meta_urls = (const char *const *)mu;
        target_urls = (const char *const *)tu;
        n_meta = n_targets = c->cfg.n_stores;
    }
    if (!(partial = partial_dir ? mstore__strdup(partial_dir)
                                : mstore__asprintf("%s/partial", c->cache))) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    uo.metadata_dir = c->metadata;
    uo.metadata_urls = meta_urls;
    uo.n_metadata_urls = n_meta;
    uo.target_urls = target_urls;
    uo.n_target_urls = n_targets;
    uo.now = c->o.now;
    uo.partial_dir = partial;
    mstore__fetch_options(&uo.fetch, c, pc);
    if (c->o.log) {
        uo.log = updater_log;
        uo.log_ctx = c;
    }
    {
        char *root_path = mstore__asprintf("%s/root.json", c->metadata);
        bool have = root_path && mstore__exists(root_path);
        free(root_path);
        if (!have) {
            rc = mstore__error(MSTORE_ENOTFOUND,
                               "no trusted root: put the store's root.json in %s/", c->etc);
            goto out;
        }
    }
    rc = mstore_updater_new(out, &uo);
out:
    for (size_t i = 0; i < MSTORE__MAX_STORES; i++) {
        free(mu[i]);
        free(tu[i]);
    }
    free(partial);
    return rc;
}

/* Loads the cached catalog into the client unless the loaded one has the same hash. */
static int load_catalog(mstore_client *c, const char *path, const char *sha256)
{
    mstore_catalog *cat = NULL;
    char *copy;
    int rc;

    if (c->catalog && sha256 && c->catalog_sha256 && strcmp(sha256, c->catalog_sha256) == 0)
        return MSTORE_OK;
    if ((rc = mstore_catalog_load(&cat, path)))
        return rc;
    copy = sha256 ? mstore__strdup(sha256) : NULL;
    mstore_catalog_free(c->catalog);
    free(c->catalog_sha256);
    c->catalog = cat;
    c->catalog_sha256 = copy;
    return MSTORE_OK;
}

int mstore__catalog_refresh(mstore_client *c, mstore_updater *u, bool load, const char *seed)
{
    mstore_hash hashes[4];
    mstore_target *t = NULL;
    char *path = mstore__asprintf("%s/catalog.json", c->cache);
    const char *sha;
    size_t nh;
    int rc;

    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    if ((rc = mstore__report(c, NULL, MSTORE_PHASE_METADATA, 0, 0)) ||
        (rc = mstore_updater_refresh(u)) ||
        (rc = mstore_updater_get_target(&t, u, MSTORE_CATALOG_TARGET)))
        goto out;
    mstore__clog(c, "catalog: %llu bytes", (unsigned long long)mstore_target_length(t));
    /* A catalog offered from elsewhere (sideloading) replaces the cached one only once it is
     * known to be the signed one: the cache is read later without a check. */
    nh = mstore_target_hashes(t, hashes, 4);
    if (seed && mstore__exists(seed)) {
        if (nh <= 4 && mstore_file_verify(seed, mstore_target_length(t), hashes, nh) == 0) {
            if (rename(seed, path) != 0) {
                rc = mstore__error(MSTORE_EIO, "%s: rename failed", seed);
                goto out;
            }
        } else {
            mstore__clog(c, "%s is not the signed catalog: ignored", seed);
        }
        mstore_error_clear();
        remove(seed);
    }
    if ((rc = mstore_updater_download_target(u, t, path, NULL)))
        goto out;
    sha = mstore_target_hash(t, "sha256");
    /* A catalog loaded before that is not the one just verified is dropped; parsing waits
     * until someone needs it (an update alone never does). */
    if (c->catalog && (!sha || !c->catalog_sha256 || strcmp(sha, c->catalog_sha256) != 0)) {
        mstore_catalog_free(c->catalog);
        c->catalog = NULL;
    }
    if (load && !c->catalog)
        rc = load_catalog(c, path, sha);
out:
    if (rc)
        mstore__error_prefix(rc, "update");
    mstore_target_free(t);
    free(path);
    return rc;
}

int mstore_client_update(mstore_client *c)
{
    mstore_updater *u = NULL;
    int rc, lock = -1;

    if (!c)
        return mstore__error(MSTORE_EINVAL, "no client");
    pthread_mutex_lock(&c->mutex);
    /* Two updates at once would each check what they fetch against the stored files read at
     * their start, and the slower one could store an older timestamp over the newer one. */
    if (!(rc = mstore__metadata_lock(&lock, c)) &&
        !(rc = mstore__updater_open(&u, c, NULL, NULL, 0, NULL, 0, NULL)))
        rc = mstore__catalog_refresh(c, u, false, NULL);
    mstore_updater_free(u);
    mstore__lock_release(lock);
    pthread_mutex_unlock(&c->mutex);
    return rc;
}

int mstore_client_catalog(const mstore_catalog **out, mstore_client *c)
{
    char *path;
    int rc = MSTORE_OK;

    if (!out || !c)
        return mstore__error(MSTORE_EINVAL, "no client");
    pthread_mutex_lock(&c->mutex);
    if (!c->catalog) {
        path = mstore__asprintf("%s/catalog.json", c->cache);
        if (!path)
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        else if (!mstore__exists(path))
            rc = mstore__error(MSTORE_ENOTFOUND, "no catalog yet: run `mstore update` first");
        else
            rc = load_catalog(c, path, NULL);
        free(path);
    }
    if (!rc)
        *out = c->catalog;
    pthread_mutex_unlock(&c->mutex);
    return rc;
}
