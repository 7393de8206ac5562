/* Install, upgrade, rollback, remove and list. Every changing operation runs under the installer
 * lock, starts with recovery, and commits in this order: staged folder (files and folders
 * fsynced) renamed into place, "current" switched atomically (folder fsynced), then the database
 * written atomically. recover.c explains what a crash between any two steps leaves. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "install_internal.h"
#include "internal.h"
#include "updater_internal.h"

/* Bytes that must stay free beside an extraction. */
#define SPACE_MARGIN (16ull * 1024 * 1024)

const mstore_catalog_version *mstore__resolve(const mstore_client *c,
                                              const mstore_catalog_package *pkg)
{
    const mstore_catalog_version *best = NULL;
    const char *robot = mstore_client_robot(c), *runtime = mstore_client_runtime_version(c);

    for (size_t i = 0; i < pkg->n_versions; i++) {
        const mstore_catalog_version *v = &pkg->versions[i];
        if (mstore_catalog_version_fits(v, robot, runtime) &&
            (!best || mpk_semver_compare(v->version, best->version) > 0))
            best = v;
    }
    return best;
}

int mstore__check_compatible(mstore_client *c, const mstore__db *db,
                             const mstore_catalog_package *pkg, const mstore_catalog_version *ver)
{
    const char *robot = mstore_client_robot(c), *runtime = mstore_client_runtime_version(c);
    const mstore__db_entry *e = mstore__db_find((mstore__db *)db, pkg->id);

    if (!robot)
        return mstore__error(MSTORE_EINVAL,
                             "no robot model configured (\"robot\" in %s/config.json)", c->etc);
    if (!mstore_catalog_version_fits(ver, robot, NULL))
        return mstore__error(MSTORE_EUNSUPPORTED, "%s %s is not made for robot model %s", pkg->id,
                             ver->version, robot);
    if (!mstore_catalog_version_fits(ver, robot, runtime))
        return mstore__error(MSTORE_EUNSUPPORTED,
                             "%s %s needs runtime %s or newer; this robot has %s", pkg->id,
                             ver->version, ver->min_runtime, runtime);
    /* The developer key may change only where the store says so: a catalog that lists the
     * installed key among the package's previous keys. */
    if (e && *e->key_id && strcasecmp(e->key_id, ver->key_id) != 0) {
        bool allowed = false;
        for (size_t i = 0; i < pkg->n_previous_key_ids && !allowed; i++)
            allowed = strcasecmp(pkg->previous_key_ids[i], e->key_id) == 0;
        if (!allowed)
            return mstore__error(MSTORE_ESIGNATURE,
                                 "%s %s is signed by developer key %.16s..., the installed version "
                                 "by %.16s...; the store does not allow the change",
                                 pkg->id, ver->version, ver->key_id, e->key_id);
    }
    return MSTORE_OK;
}

typedef struct xprog {
    mstore_client *c;
    const char *id;
} xprog;

static int extract_progress(void *ctx, uint64_t done, uint64_t total)
{
    xprog *p = ctx;

    return mstore__report(p->c, p->id, MSTORE_PHASE_EXTRACT, done, total) != MSTORE_OK;
}

/* Removes cached downloads of other versions of id (the cache keeps what is installed). */
static void prune_cache(mstore_client *c, const char *id, const char *keep1, const char *keep2)
{
    char *dir = mstore__asprintf("%s/packages", c->cache), prefix[160];
    struct dirent *de;
    DIR *d;

    if (!dir || !(d = opendir(dir))) {
        free(dir);
        return;
    }
    snprintf(prefix, sizeof(prefix), "%s-", id);
    while ((de = readdir(d))) {
        const char *n = de->d_name, *v;
        size_t vl;
        char *p;
        if (strncmp(n, prefix, strlen(prefix)) != 0)
            continue;
        v = n + strlen(prefix);
        vl = strlen(v);
        if (vl < 5 || strcmp(v + vl - 4, ".mpk") != 0)
            continue;
        if ((keep1 && strncmp(v, keep1, vl - 4) == 0 && strlen(keep1) == vl - 4) ||
            (keep2 && strncmp(v, keep2, vl - 4) == 0 && strlen(keep2) == vl - 4))
            continue;
        /* "a.b-1.0.0.mpk" must not match the prefix of another id: the rest is a version. */
        {
            char ver[128];
            if (vl - 4 >= sizeof(ver))
                continue;
            memcpy(ver, v, vl - 4);
            ver[vl - 4] = '\0';
            if (!mpk_semver_valid(ver))
                continue;
        }
        if ((p = mstore__asprintf("%s/%s", dir, n)))
            unlink(p);
        free(p);
    }
    closedir(d);
    free(dir);
}

int mstore__install_cached(mstore_client *c, mstore__db *db, int mpk_fd, const char *mpk_path,
                           const mstore_catalog_package *pkg, const mstore_catalog_version *ver)
{
    mpk_manifest *m = NULL;
    char *man = NULL, *sig = NULL, *pkgdir = NULL, *staging = NULL, *final = NULL, *prev = NULL;
    char *drop = NULL, rnd_hex[13], when[24];
    unsigned char rnd[6];
    size_t man_size = 0, sig_size = 0;
    uint64_t need, avail;
    mstore__db_entry *e;
    mstore__extract_limits lim = {MSTORE_EXTRACT_MAX_ENTRIES, MSTORE_EXTRACT_MAX_TOTAL};
    xprog xp = {c, pkg->id};
    bool created_pkgdir = false;
    int rc;

    /* 1. The developer signature, by the key the signed catalog names, before anything else. */
    if ((rc = mstore__package_read_head(&m, &man, &man_size, &sig, &sig_size, mpk_fd, mpk_path,
                                        ver->key_id)))
        goto out;
    if (strcmp(m->id, pkg->id) != 0 || mpk_semver_compare(m->version, ver->version) != 0) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: the package is %s %s, the store lists %s %s",
                           mpk_path, m->id, m->version, pkg->id, ver->version);
        goto out;
    }
    /* 2. The signed manifest must agree with the robot too (not only the catalog). */
    {
        const char *robot = mstore_client_robot(c), *runtime = mstore_client_runtime_version(c);
        bool fits = false;
        for (size_t i = 0; i < m->robot_count && !fits; i++)
            fits = strcmp(m->robots[i], robot) == 0;
        if (!fits) {
            rc = mstore__error(MSTORE_EUNSUPPORTED, "%s: manifest.json does not list robot %s",
                               mpk_path, robot);
            goto out;
        }
        if (m->min_runtime && mpk_semver_compare(m->min_runtime, runtime) > 0) {
            rc = mstore__error(MSTORE_EUNSUPPORTED, "%s: needs runtime %s; this robot has %s",
                               mpk_path, m->min_runtime, runtime);
            goto out;
        }
    }
    /* 3. Room for the extracted files. */
    need = man_size + MSTORE__SIGNATURE_MAX + SPACE_MARGIN;
    for (size_t i = 0; i < m->file_count; i++)
        need += m->files[i].size;
    if ((rc = mstore__free_space(&avail, c->packages)))
        goto out;
    if (avail < need) {
        rc = mstore__error(MSTORE_ENOSPACE, "%s: %llu bytes free, %llu needed to install %s",
                           c->packages, (unsigned long long)avail, (unsigned long long)need,
                           pkg->id);
        goto out;
    }
    /* 4. Staging folder inside the package folder (same file system as the final place). */
    pkgdir = mstore__asprintf("%s/%s", c->packages, pkg->id);
    mstore__random(NULL, rnd, sizeof(rnd));
    mstore__hex(rnd_hex, rnd, sizeof(rnd));
    staging = mstore__asprintf("%s/.staging-%s", pkgdir ? pkgdir : "", rnd_hex);
    final = mstore__asprintf("%s/%s", pkgdir ? pkgdir : "", m->version);
    if (!pkgdir || !staging || !final) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if (mstore__exists(pkgdir) && !mstore__is_dir(pkgdir)) {
        /* Recovery removes such links; one made since is not written through either. */
        rc = mstore__error(MSTORE_ESTATE, "%s: not a folder (a link?)", pkgdir);
        goto out;
    }
    if (!mstore__exists(pkgdir)) {
        if (mkdir(pkgdir, 0755) != 0) {
            rc = mstore__error(MSTORE_EIO, "%s: mkdir failed", pkgdir);
            goto out;
        }
        created_pkgdir = true;
        if ((rc = mstore__fsync_dir(c->packages)))
            goto out;
    }
    if (mkdir(staging, 0755) != 0) {
        rc = mstore__error(MSTORE_EIO, "%s: mkdir failed", staging);
        goto out;
    }
    if ((rc = mstore__extract_package(mpk_fd, mpk_path, staging, m, man, man_size, sig, sig_size,
                                      &lim, extract_progress, &xp)))
        goto out;
    if ((rc = mstore__report(c, pkg->id, MSTORE_PHASE_COMMIT, 0, 3)))
        goto out;
    /* 5. Into place. A folder of this version that is not current (the previous one being
     * installed again) is replaced. */
    e = mstore__db_find(db, pkg->id);
    if (mstore__exists(final) && (rc = mstore__discard(pkgdir, m->version)))
        goto out;
    if (rename(staging, final) != 0) {
        rc = mstore__error(MSTORE_EIO, "%s: rename to %s failed", staging, final);
        goto out;
    }
    free(staging);
    staging = NULL;
    if ((rc = mstore__fsync_dir(pkgdir)))
        goto out;
    /* 6. The commit point. */
    if ((rc = mstore__switch_link(pkgdir, "current", m->version)))
        goto out;
    created_pkgdir = false;
    /* 7. The database follows. */
    if (e && (e->previous && strcmp(e->previous, m->version) != 0))
        drop = mstore__strdup(e->previous);
    if (e && !(prev = mstore__strdup(e->version))) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    mstore__iso_time(when, (int64_t)time(NULL));
    if ((rc = mstore__db_set(db, pkg->id, m->version, prev, ver->key_id, e ? e->key_id : NULL,
                             when)) ||
        (rc = mstore__db_save(db, c->db_path)))
        goto out;
    mstore__clog(c, "installed %s %s%s%s", pkg->id, m->version, prev ? " over " : "",
                 prev ? prev : "");
    /* 8. Housekeeping: the version before the previous one, and its download. */
    if (drop)
        rc = mstore__discard(pkgdir, drop);
    prune_cache(c, pkg->id, m->version, prev);
    /* Committed: a cancel request now changes nothing, so the report's answer is moot. */
    if (!rc && c->o.progress)
        c->o.progress(c->o.progress_ctx, pkg->id, MSTORE_PHASE_COMMIT, 3, 3);
out:
    if (staging)
        mstore__rmtree(staging);
    if (created_pkgdir && pkgdir)
        mstore__rmtree(pkgdir);
    mpk_manifest_free(m);
    free(man);
    free(sig);
    free(pkgdir);
    free(staging);
    free(final);
    free(prev);
    free(drop);
    return rc;
}

/* Starts a changing operation: the lock, the database, recovery. */
static int begin(mstore_client *c, mstore__db *db, int *lock)
{
    int rc;

    pthread_mutex_lock(&c->mutex);
    *lock = -1;
    memset(db, 0, sizeof(*db));
    if ((rc = mstore__lock_acquire(lock, c->state, c->o.lock_timeout_ms)) ||
        (rc = mstore__db_load(db, c->db_path)) || (rc = mstore__recover(c, db)))
        return rc;
    return MSTORE_OK;
}

static void end(mstore_client *c, mstore__db *db, int lock)
{
    mstore__lock_release(lock);
    mstore__db_clear(db);
    pthread_mutex_unlock(&c->mutex);
}

/* A target's entry, under the metadata lock: a lookup may fetch and store delegated metadata. */
int mstore__get_target_locked(mstore_target **t, mstore_client *c, mstore_updater *u,
                              const char *path)
{
    int lock = -1, rc;

    if (!(rc = mstore__metadata_lock(&lock, c)))
        rc = mstore_updater_get_target(t, u, path);
    mstore__lock_release(lock);
    return rc;
}

/* Downloads a version from the store (or reuses the verified cache) and installs it. */
static int install_from_store(mstore_client *c, mstore__db *db, mstore_updater *u,
                              mstore__progress_ctx *pc, const mstore_catalog_package *pkg,
                              const mstore_catalog_version *ver)
{
    mstore_target *t = NULL;
    const json_t *custom;
    const char *tsha;
    char *dir = mstore__asprintf("%s/packages", c->cache), *path = NULL;
    int fd = -1, rc;

    if (!dir || !(path = mstore__asprintf("%s/%s-%s.mpk", dir, pkg->id, ver->version))) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mstore__check_compatible(c, db, pkg, ver)))
        goto out;
    /* Length and hashes come from the signed targets metadata, never from the catalog. */
    if ((rc = mstore__get_target_locked(&t, c, u, ver->target)))
        goto out;
    custom = mstore_target_custom(t);
    if (custom && json_is_string(json_object_get(custom, "key_id")) &&
        strcasecmp(json_string_value(json_object_get(custom, "key_id")), ver->key_id) != 0) {
        rc = mstore__error(MSTORE_ESIGNATURE,
                           "%s: the targets metadata and the catalog name "
                           "different developer keys",
                           ver->target);
        goto out;
    }
    tsha = mstore_target_hash(t, "sha256");
    if (ver->sha256 && tsha && strcasecmp(tsha, ver->sha256) != 0) {
        rc = mstore__error(MSTORE_EHASH,
                           "%s: the catalog's SHA-256 differs from the signed "
                           "targets metadata",
                           ver->target);
        goto out;
    }
    if ((rc = mstore__mkdirs(dir, 0755)))
        goto out;
    pc->id = pkg->id;
    pc->phase = MSTORE_PHASE_DOWNLOAD;
    if ((rc = mstore__report(c, pkg->id, MSTORE_PHASE_DOWNLOAD, 0, mstore_target_length(t))))
        goto out;
    /* The package is read only through the descriptor it was verified through: a file put at
     * its path after the check is never what gets installed. */
    if ((rc = mstore__updater_download_target_fd(&fd, u, t, path, NULL)))
        goto out;
    rc = mstore__install_cached(c, db, fd, path, pkg, ver);
    /* A download the store signed but that cannot be installed is useless in the cache. */
    if (rc && rc != MSTORE_ECANCELED && rc != MSTORE_ENOSPACE && rc != MSTORE_EBUSY &&
        rc != MSTORE_EIO)
        unlink(path);
out:
    if (rc)
        mstore__error_prefix(rc, "%s %s", pkg->id, ver->version);
    if (fd >= 0)
        close(fd);
    mstore_target_free(t);
    free(dir);
    free(path);
    return rc;
}

/* Refreshes metadata and catalog for an operation that installs from the store, under the
 * metadata lock (taken inside the installer lock). */
static int open_store(mstore_updater **u, mstore_client *c, mstore__progress_ctx *pc)
{
    int lock = -1, rc;

    if (!(rc = mstore__metadata_lock(&lock, c)) &&
        !(rc = mstore__updater_open(u, c, pc, NULL, 0, NULL, 0, NULL)))
        rc = mstore__catalog_refresh(c, *u, true, NULL);
    mstore__lock_release(lock);
    return rc;
}

int mstore_client_install(mstore_client *c, const char *id, const char *version)
{
    mstore__progress_ctx pc = {c, id, MSTORE_PHASE_METADATA};
    const mstore_catalog_package *pkg;
    const mstore_catalog_version *ver;
    mstore_updater *u = NULL;
    mstore__db_entry *e;
    mstore__db db;
    int lock, rc;

    if (!c || !id)
        return mstore__error(MSTORE_EINVAL, "no client or package id");
    if (!mpk_id_valid(id))
        return mstore__error(MSTORE_EINVAL, "'%s' is not a package id", id);
    if (version && !mpk_semver_valid(version))
        return mstore__error(MSTORE_EINVAL, "'%s' is not a version", version);
    if ((rc = begin(c, &db, &lock)) || (rc = open_store(&u, c, &pc)))
        goto out;
    if (!(pkg = mstore_catalog_find(c->catalog, id))) {
        rc = mstore__error(MSTORE_ENOTFOUND, "%s: not in the store's catalog", id);
        goto out;
    }
    if (version) {
        if (!(ver = mstore_catalog_package_version(pkg, version))) {
            rc = mstore__error(MSTORE_ENOTFOUND, "%s: no version %s in the store", id, version);
            goto out;
        }
    } else if (!(ver = mstore__resolve(c, pkg))) {
        rc = mstore__error(MSTORE_EUNSUPPORTED, "%s: no version for robot %s and runtime %s", id,
                           mstore_client_robot(c) ? mstore_client_robot(c) : "(none)",
                           mstore_client_runtime_version(c));
        goto out;
    }
    e = mstore__db_find(&db, id);
    if (e && strcmp(e->version, ver->version) == 0) {
        mstore__clog(c, "%s %s is already installed", id, ver->version);
        goto out;
    }
    rc = install_from_store(c, &db, u, &pc, pkg, ver);
out:
    mstore_updater_free(u);
    end(c, &db, lock);
    return rc;
}

int mstore_client_upgrade(mstore_client *c, const char *id, size_t *upgraded)
{
    mstore__progress_ctx pc = {c, id, MSTORE_PHASE_METADATA};
    mstore_updater *u = NULL;
    mstore__db db;
    size_t count = 0, n = 0;
    char **ids = NULL;
    int lock, rc, first = MSTORE_OK;
    char first_msg[512] = "";
    bool found = !id;

    if (!c)
        return mstore__error(MSTORE_EINVAL, "no client");
    if ((rc = begin(c, &db, &lock)) || (rc = open_store(&u, c, &pc)))
        goto out;
    /* Installing changes the database's order: work from a copy of the ids. */
    n = db.n;
    if (!(ids = calloc(n ? n : 1, sizeof(*ids)))) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (!(ids[i] = mstore__strdup(db.e[i].id))) {
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
            goto out;
        }
    for (size_t i = 0; i < n; i++) {
        const mstore_catalog_package *pkg;
        const mstore_catalog_version *ver;
        mstore__db_entry *e = mstore__db_find(&db, ids[i]);
        if (!e || (id && strcmp(id, ids[i]) != 0))
            continue;
        found = true;
        if (!(pkg = mstore_catalog_find(c->catalog, ids[i])) || !(ver = mstore__resolve(c, pkg)) ||
            mpk_semver_compare(ver->version, e->version) <= 0)
            continue;
        rc = install_from_store(c, &db, u, &pc, pkg, ver);
        if (rc == MSTORE_ECANCELED || rc == MSTORE_EBUSY || rc == MSTORE_ENOSPACE)
            goto out;
        if (rc) {
            /* One package's failure does not keep the others from their upgrades. */
            mstore__clog(c, "upgrade of %s failed: %s", ids[i], mstore_error_message());
            if (!first) {
                first = rc;
                snprintf(first_msg, sizeof(first_msg), "%s", mstore_error_message());
            }
            continue;
        }
        count++;
    }
    if (!found)
        rc = mstore__error(MSTORE_ENOTFOUND, "%s: not installed", id);
    else if (first)
        rc = mstore__error(first, "%s", first_msg);
    else
        rc = MSTORE_OK;
out:
    if (upgraded)
        *upgraded = count;
    for (size_t i = 0; ids && i < n; i++)
        free(ids[i]);
    free(ids);
    mstore_updater_free(u);
    end(c, &db, lock);
    return rc;
}

/* A version the store has withdrawn (yanked) leaves its catalog. The last verified catalog says
 * whether the store still offers version; without one (no update ever ran) nothing is known and
 * rollback stays possible offline. */
static int check_still_offered(mstore_client *c, const char *id, const char *version)
{
    char *path = mstore__asprintf("%s/catalog.json", c->cache);
    const mstore_catalog_package *pkg;
    mstore_catalog *cat = NULL;
    int rc;

    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    if (!mstore__exists(path)) {
        free(path);
        return MSTORE_OK;
    }
    rc = mstore_catalog_load(&cat, path);
    free(path);
    if (rc)
        return mstore__error_prefix(rc, "%s: cannot tell whether the store still offers %s", id,
                                    version);
    pkg = mstore_catalog_find(cat, id);
    if (!pkg || !mstore_catalog_package_version(pkg, version))
        rc = mstore__error(MSTORE_EROLLBACK,
                           "%s %s: the store has withdrawn this version; it is not rolled back to",
                           id, version);
    mstore_catalog_free(cat);
    return rc;
}

int mstore_client_rollback(mstore_client *c, const char *id)
{
    char *pkgdir = NULL, *dir = NULL, *cur = NULL, *key = NULL, when[24];
    mstore__db_entry *e;
    mstore__db db;
    int lock, rc;

    if (!c || !id)
        return mstore__error(MSTORE_EINVAL, "no client or package id");
    if ((rc = begin(c, &db, &lock)))
        goto out;
    if (!(e = mstore__db_find(&db, id))) {
        rc = mstore__error(MSTORE_ENOTFOUND, "%s: not installed", id);
        goto out;
    }
    if (!e->previous) {
        rc = mstore__error(MSTORE_ENOTFOUND, "%s: no previous version to roll back to", id);
        goto out;
    }
    if ((rc = check_still_offered(c, id, e->previous)))
        goto out;
    pkgdir = mstore__asprintf("%s/%s", c->packages, id);
    dir = pkgdir ? mstore__asprintf("%s/%s", pkgdir, e->previous) : NULL;
    if (!dir || !(cur = mstore__strdup(e->version))) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    /* The kept version must still be intact before the robot is switched to it, signed by the
     * key it was installed with (recorded in the database; a database written before that was
     * recorded leaves the key of its signature.json, verified when it was installed). */
    if (e->previous_key_id)
        key = mstore__strdup(e->previous_key_id);
    else if ((rc = mstore__installed_key_id(&key, dir)))
        goto out;
    if (!key) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mstore__verify_dir(dir, id, e->previous, key)))
        goto out;
    if ((rc = mstore__report(c, id, MSTORE_PHASE_COMMIT, 0, 2)) ||
        (rc = mstore__switch_link(pkgdir, "current", e->previous)))
        goto out;
    mstore__iso_time(when, (int64_t)time(NULL));
    {
        char *prev = mstore__strdup(e->previous), *cur_key = mstore__strdup(e->key_id);
        if (!prev || !cur_key)
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        else
            rc = mstore__db_set(&db, id, prev, cur, key, cur_key, when);
        free(prev);
        free(cur_key);
        if (rc)
            goto out;
    }
    if (!rc)
        rc = mstore__db_save(&db, c->db_path);
    if (!rc)
        mstore__clog(c, "rolled %s back to %s", id, mstore__db_find(&db, id)->version);
out:
    free(pkgdir);
    free(dir);
    free(cur);
    free(key);
    end(c, &db, lock);
    return rc;
}

int mstore_client_remove(mstore_client *c, const char *id)
{
    char *pkgdir = NULL, *link = NULL;
    mstore__db db;
    int lock, rc;

    if (!c || !id)
        return mstore__error(MSTORE_EINVAL, "no client or package id");
    if ((rc = begin(c, &db, &lock)))
        goto out;
    if (!mstore__db_find(&db, id)) {
        rc = mstore__error(MSTORE_ENOTFOUND, "%s: not installed", id);
        goto out;
    }
    pkgdir = mstore__asprintf("%s/%s", c->packages, id);
    link = pkgdir ? mstore__asprintf("%s/current", pkgdir) : NULL;
    if (!link) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mstore__report(c, id, MSTORE_PHASE_COMMIT, 0, 2)))
        goto out;
    /* The commit point of a removal: without "current" the package is gone (recovery finishes
     * the database and the folders if a crash comes next). */
    if (unlink(link) != 0) {
        rc = mstore__error(MSTORE_EIO, "%s: unlink failed", link);
        goto out;
    }
    if ((rc = mstore__fsync_dir(pkgdir)))
        goto out;
    mstore__db_remove(&db, id);
    if ((rc = mstore__db_save(&db, c->db_path)) || (rc = mstore__discard(c->packages, id)))
        goto out;
    prune_cache(c, id, NULL, NULL);
    mstore__clog(c, "removed %s", id);
out:
    free(pkgdir);
    free(link);
    end(c, &db, lock);
    return rc;
}

void mstore_installed_free(mstore_installed *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) {
        free(list[i].id);
        free(list[i].version);
        free(list[i].previous);
        free(list[i].key_id);
        free(list[i].installed);
        free(list[i].name);
        free(list[i].path);
    }
    free(list);
}

/* English name from an installed manifest (NULL if unreadable). */
static char *installed_name(const char *dir)
{
    char *path = mstore__asprintf("%s/manifest.json", dir), *name = NULL;
    unsigned char *text = NULL;
    size_t size = 0;
    mpk_manifest *m = NULL;

    if (path && mstore__read_file(&text, &size, path, MPK_MANIFEST_MAX_SIZE) == MSTORE_OK &&
        mpk_manifest_parse(&m, (const char *)text, size) == MPK_OK) {
        const char *n = mpk_text_get(m->names, m->name_count, "en");
        name = n ? mstore__strdup(n) : NULL;
    }
    mstore_error_clear();
    mpk_manifest_free(m);
    free(text);
    free(path);
    return name;
}

int mstore_client_list(mstore_installed **out, size_t *n, mstore_client *c)
{
    mstore_installed *list = NULL;
    mstore__db db = {0};
    int rc, lock = -1;

    if (!out || !n || !c)
        return mstore__error(MSTORE_EINVAL, "no client");
    /* The database is only ever replaced whole, by a rename, so it can be read without the
     * lock; but when no installer runs, recovery first brings it in line with the folders
     * after a crash, so that the list shows what is really current. */
    pthread_mutex_lock(&c->mutex);
    if (mstore__lock_acquire(&lock, c->state, 0) == MSTORE_OK) {
        rc = mstore__db_load(&db, c->db_path);
        if (!rc)
            rc = mstore__recover(c, &db);
        mstore__lock_release(lock);
    } else {
        mstore_error_clear();
        rc = mstore__db_load(&db, c->db_path);
    }
    pthread_mutex_unlock(&c->mutex);
    if (rc)
        return rc;
    list = calloc(db.n ? db.n : 1, sizeof(*list));
    if (!list) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < db.n; i++) {
        mstore__db_entry *e = &db.e[i];
        mstore_installed *it = &list[i];
        it->id = mstore__strdup(e->id);
        it->version = mstore__strdup(e->version);
        it->previous = e->previous ? mstore__strdup(e->previous) : NULL;
        it->key_id = mstore__strdup(e->key_id);
        it->installed = mstore__strdup(e->installed);
        it->path = mstore__asprintf("%s/%s/%s", c->packages, e->id, e->version);
        if (!it->id || !it->version || (e->previous && !it->previous) || !it->key_id ||
            !it->installed || !it->path) {
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
            goto out;
        }
        it->name = installed_name(it->path);
    }
    *out = list;
    *n = db.n;
    list = NULL;
out:
    mstore_installed_free(list, db.n);
    mstore__db_clear(&db);
    return rc;
}
