/* The TUF repository: init, publishing (sync), re-signing, status. Rotation is in rotate.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "catalog.h"
#include "error.h"
#include "mstore/metadata.h"
#include "repo.h"
#include "repo_internal.h"
#include "repo_keys.h"
#include "util.h"

int srv__mstore_err(int mrc, const char *what)
{
    const char *m = mstore_error_message();

    return srv_err(mrc == MSTORE_ENOMEM ? SRV_ENOMEM
                   : mrc == MSTORE_EIO  ? SRV_EIO
                                        : SRV_ECRYPTO,
                   "%s: %s", what, m && *m ? m : mstore_strerror(mrc));
}

int srv__repo_lock(const srv_store *s)
{
    char *path = srv_join(s->dir, "repo.lock");
    int fd;

    if (!path)
        return srv_err(SRV_ENOMEM, "out of memory");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        srv_err(SRV_EIO, "%s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    free(path);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

void srv__repo_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

void srv__state_clear(srv_repo_state *st)
{
    mstore_metadata_free(st->root);
    mstore_metadata_free(st->timestamp);
    mstore_metadata_free(st->snapshot);
    mstore_metadata_free(st->targets);
    memset(st, 0, sizeof(*st));
}

static int load_md(mstore_metadata **out, const srv_store *s, const char *name,
                   mstore_role_type type)
{
    char *path = srv_join(s->metadata_dir, name);
    int mrc;

    if (!path)
        return srv_err(SRV_ENOMEM, "out of memory");
    mrc = mstore_metadata_load(out, path, type, SRV_METADATA_MAX);
    free(path);
    return mrc ? srv__mstore_err(mrc, name) : SRV_OK;
}

int srv__state_load(srv_repo_state *st, const srv_store *s, bool want_targets)
{
    mstore_metafile mf;
    char name[64];
    int rc, mrc;

    memset(st, 0, sizeof(*st));
    if ((rc = load_md(&st->root, s, "root.json", MSTORE_ROLE_ROOT)))
        goto fail;
    {
        char *ts = srv_join(s->metadata_dir, "timestamp.json");
        bool present = ts && srv_exists(ts);
        free(ts);
        if (!present)
            return SRV_OK; /* a store being initialised: nothing published yet */
    }
    if ((rc = load_md(&st->timestamp, s, "timestamp.json", MSTORE_ROLE_TIMESTAMP)))
        goto fail;
    if ((mrc = mstore_timestamp_snapshot_meta(&mf, st->timestamp))) {
        rc = srv__mstore_err(mrc, "timestamp.json");
        goto fail;
    }
    snprintf(name, sizeof(name), "%lld.snapshot.json", (long long)mf.version);
    if ((rc = load_md(&st->snapshot, s, name, MSTORE_ROLE_SNAPSHOT)))
        goto fail;
    if ((mrc = mstore_snapshot_meta(&mf, st->snapshot, "targets.json"))) {
        rc = srv__mstore_err(mrc, name);
        goto fail;
    }
    st->targets_version = mf.version;
    snprintf(name, sizeof(name), "%lld.targets.json", (long long)mf.version);
    if (want_targets && (rc = load_md(&st->targets, s, name, MSTORE_ROLE_TARGETS)))
        goto fail;
    return SRV_OK;
fail:
    srv__state_clear(st);
    return rc;
}

int64_t srv__expires(const srv_store *s, int role)
{
    return srv_time_now() + srv_config_lifetime(&s->cfg, role);
}

/* Serialises md, writes it atomically as metadata/name (once: only if the name is new), and
 * hands back the bytes. */
static int write_md(char **bytes, size_t *size, const srv_store *s, const mstore_metadata *md,
                    const char *name, bool once)
{
    char *path = srv_join(s->metadata_dir, name), *data = NULL;
    size_t len = 0;
    int rc, mrc;

    if (!path)
        return srv_err(SRV_ENOMEM, "out of memory");
    if ((mrc = mstore_metadata_to_bytes(&data, &len, md))) {
        rc = srv__mstore_err(mrc, name);
        goto out;
    }
    if ((rc = once ? srv_write_once(path, data, len, 0644)
                   : srv_write_atomic(path, data, len, 0644)))
        goto out;
    if (bytes) {
        *bytes = data;
        *size = len;
        data = NULL;
    }
out:
    free(data);
    free(path);
    return rc;
}

int srv__write_md(char **bytes, size_t *size, const srv_store *s, const mstore_metadata *md,
                  const char *name)
{
    return write_md(bytes, size, s, md, name, false);
}

int srv__write_md_once(char **bytes, size_t *size, const srv_store *s, const mstore_metadata *md,
                       const char *name)
{
    return write_md(bytes, size, s, md, name, true);
}

int srv__next_free_version(int64_t *out, const srv_store *s, int64_t after, const char *role)
{
    for (int64_t v = after + 1; v > after; v++) {
        char name[64], *path;
        bool taken;
        snprintf(name, sizeof(name), "%lld.%s.json", (long long)v, role);
        if (!(path = srv_join(s->metadata_dir, name)))
            return srv_err(SRV_ENOMEM, "out of memory");
        taken = srv_exists(path);
        free(path);
        if (!taken) {
            *out = v;
            return SRV_OK;
        }
    }
    return srv_err(SRV_ELIMIT, "%s: no version number left", role);
}

static int sign_with(mstore_metadata *md, srv_store *s, const mstore_metadata *root,
                     const char *role)
{
    mstore_key *key = NULL;
    int rc, mrc;

    if ((rc = srv_online_key(&key, s, root, role)))
        return rc;
    mstore_metadata_clear_signatures(md);
    mrc = mstore_metadata_sign(md, key);
    mstore_key_free(key);
    return mrc ? srv__mstore_err(mrc, role) : SRV_OK;
}

int srv__commit(srv_store *s, srv_repo_state *st, mstore_metadata *new_targets, bool snapshot)
{
    mstore_metadata *snap = NULL, *ts = NULL;
    char name[4096], *tbytes = NULL, *sbytes = NULL;
    size_t tsize = 0, ssize = 0;
    int64_t tver, sver;
    int rc, mrc;

    /* Versioned names are immutable once written (caches keep them forever), even those an
     * interrupted publish left that no timestamp names: the versions go past them. */
    /* 1. targets (already holds every target; the files are in place) */
    if (new_targets) {
        if ((rc = srv__next_free_version(&tver, s, st->targets_version, "targets")))
            goto out;
        if ((mrc = mstore_metadata_set_version(new_targets, tver)) ||
            (mrc = mstore_metadata_set_expires(new_targets, srv__expires(s, SRV_ROLE_TARGETS)))) {
            rc = srv__mstore_err(mrc, "targets");
            goto out;
        }
        if ((rc = sign_with(new_targets, s, st->root, "targets")))
            goto out;
        snprintf(name, sizeof(name), "%lld.targets.json", (long long)tver);
        if ((rc = srv__write_md_once(&tbytes, &tsize, s, new_targets, name)))
            goto out;
        snapshot = true;
    } else {
        tver = st->targets_version;
        snprintf(name, sizeof(name), "%s/%lld.targets.json", s->metadata_dir, (long long)tver);
        if (snapshot && (rc = srv_read_file(&tbytes, &tsize, name, SRV_METADATA_MAX)))
            goto out;
    }
    /* 2. snapshot */
    if (snapshot) {
        if ((rc = srv__next_free_version(
                 &sver, s, st->snapshot ? mstore_metadata_version(st->snapshot) : 0, "snapshot")))
            goto out;
        if ((mrc = mstore_metadata_new(&snap, MSTORE_ROLE_SNAPSHOT,
                                       srv__expires(s, SRV_ROLE_SNAPSHOT))) ||
            (mrc = mstore_metadata_set_version(snap, sver)) ||
            (mrc = mstore_snapshot_set_meta(snap, "targets.json", tver, tbytes, tsize))) {
            rc = srv__mstore_err(mrc, "snapshot");
            goto out;
        }
        if ((rc = sign_with(snap, s, st->root, "snapshot")))
            goto out;
        snprintf(name, sizeof(name), "%lld.snapshot.json", (long long)sver);
        if ((rc = srv__write_md_once(&sbytes, &ssize, s, snap, name)))
            goto out;
    } else {
        sver = mstore_metadata_version(st->snapshot);
        snprintf(name, sizeof(name), "%s/%lld.snapshot.json", s->metadata_dir, (long long)sver);
        if ((rc = srv_read_file(&sbytes, &ssize, name, SRV_METADATA_MAX)))
            goto out;
    }
    /* 3. timestamp: the one file clients start from, so the switch to the new state is here. */
    if ((mrc = mstore_metadata_new(&ts, MSTORE_ROLE_TIMESTAMP,
                                   srv__expires(s, SRV_ROLE_TIMESTAMP))) ||
        (mrc = mstore_metadata_set_version(
             ts, st->timestamp ? mstore_metadata_version(st->timestamp) + 1 : 1)) ||
        (mrc = mstore_timestamp_set_snapshot(ts, sver, sbytes, ssize))) {
        rc = srv__mstore_err(mrc, "timestamp");
        goto out;
    }
    if ((rc = sign_with(ts, s, st->root, "timestamp")) ||
        (rc = srv__write_md(NULL, NULL, s, ts, "timestamp.json")))
        goto out;
    srv__prune(s, tver, sver);
out:
    mstore_metadata_free(snap);
    mstore_metadata_free(ts);
    free(tbytes);
    free(sbytes);
    return rc;
}

void srv__prune(srv_store *s, int64_t tver, int64_t sver)
{
    DIR *d = opendir(s->metadata_dir);
    struct dirent *e;

    if (!d)
        return;
    /* Old versions stay for keep_versions publishes, for clients that read an older timestamp
     * and are still fetching the snapshot and targets it names. */
    while ((e = readdir(d))) {
        char *end;
        long long v = strtoll(e->d_name, &end, 10);
        if (end == e->d_name || *end != '.')
            continue;
        if ((strcmp(end, ".targets.json") == 0 && v <= tver - s->cfg.keep_versions) ||
            (strcmp(end, ".snapshot.json") == 0 && v <= sver - s->cfg.keep_versions))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* ---- sync ---------------------------------------------------------------------------------- */

/* Places a target file under targets/ with its consistent-snapshot name "<dir>/<sha>.<base>". */
static int place_target(srv_store *s, const char *target, const char *sha256, const char *src)
{
    const char *slash = strrchr(target, '/');
    char *dir = NULL, *dst = NULL;
    int rc = SRV_OK;

    if (slash) {
        dir = srv_asprintf("%s/%.*s", s->targets_dir, (int)(slash - target), target);
        dst = srv_asprintf("%s/%s.%s", dir ? dir : "", sha256, slash + 1);
    } else {
        dir = strdup(s->targets_dir);
        dst = srv_asprintf("%s/%s.%s", s->targets_dir, sha256, target);
    }
    if (!dir || !dst) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    if (srv_exists(dst))
        goto out; /* content-addressed: already there from an earlier (maybe interrupted) run */
    if ((rc = srv_mkdirs(dir, 0755)))
        goto out;
    /* A hard link costs no space and appears atomically; copy across file systems. */
    if (link(src, dst) == 0)
        rc = srv_fsync_dir(dir);
    else if (errno == EXDEV || errno == EPERM || errno == EMLINK)
        rc = srv_copy_atomic(dst, src, 0644);
    else
        rc = srv_err(SRV_EIO, "%s: link to %s: %s", src, dst, strerror(errno));
out:
    free(dir);
    free(dst);
    return rc;
}

typedef struct sync_row {
    int64_t id;
    bool approved;
} sync_row;

typedef struct sync_job {
    mstore_metadata *targets;
    srv_catalog *catalog;
    sync_row *rows;
    size_t count;
    int64_t generation;
    int64_t now;
} sync_job;

/* The thumbnail of a version, from its entry: only entries that have one are parsed. */
static int add_thumbnail(srv_store *s, sync_job *job, const char *pkg, const char *ver,
                         const char *entry_text)
{
    json_t *entry = json_loads(entry_text, 0, NULL), *th = json_object_get(entry, "thumbnail");
    const char *tsha = json_string_value(json_object_get(th, "sha256"));
    const char *ext = json_string_value(json_object_get(th, "ext"));
    mstore_hash hash = {"sha256", tsha};
    char *src = NULL, *target = NULL;
    int rc = SRV_OK, mrc;

    if (!tsha || !ext) {
        rc = srv_err(SRV_EFORMAT, "%s %s: thumbnail entry without sha256 or ext", pkg, ver);
        goto out;
    }
    src = srv_asprintf("%s/%s.%s", s->uploads_dir, tsha, ext);
    target = srv_thumbnail_target(pkg, ver, ext);
    if (!src || !target) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = place_target(s, target, tsha, src)))
        goto out;
    if ((mrc = mstore_targets_add(job->targets, target,
                                  (uint64_t)json_integer_value(json_object_get(th, "size")), &hash,
                                  1, NULL)))
        rc = srv__mstore_err(mrc, target);
out:
    free(src);
    free(target);
    json_decref(entry);
    return rc;
}

/* Columns: id, package_id, version, sha256, size, key_id, entry, state, published,
 * catalog_version, catalog_package. */
static int add_version(srv_store *s, sync_job *job, sqlite3_stmt *st)
{
    const char *pkg = (const char *)sqlite3_column_text(st, 1);
    const char *ver = (const char *)sqlite3_column_text(st, 2);
    const char *sha = (const char *)sqlite3_column_text(st, 3);
    uint64_t size = (uint64_t)sqlite3_column_int64(st, 4);
    const char *key_id = (const char *)sqlite3_column_text(st, 5);
    const char *entry_text = (const char *)sqlite3_column_text(st, 6);
    bool approved = strcmp((const char *)sqlite3_column_text(st, 7), "approved") == 0;
    int64_t published = approved || sqlite3_column_type(st, 8) == SQLITE_NULL
                            ? job->now
                            : sqlite3_column_int64(st, 8);
    const char *vtext = (const char *)sqlite3_column_text(st, 9);
    const char *ptext = (const char *)sqlite3_column_text(st, 10);
    char *target = srv_package_target(pkg, ver), *src = NULL, *vt = NULL, *pt = NULL;
    json_t *custom = NULL;
    mstore_hash hash = {"sha256", sha};
    sync_row *grown;
    int rc, mrc;

    if (!target || !entry_text) {
        rc = srv_err(SRV_EFORMAT, "upload #%lld: no catalog entry",
                     (long long)sqlite3_column_int64(st, 0));
        goto out;
    }
    src = srv_asprintf("%s/%s.mpk", s->uploads_dir, sha);
    if (!src) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = place_target(s, target, sha, src)))
        goto out;
    custom = json_pack("{s:s, s:s, s:s}", "id", pkg, "version", ver, "key_id", key_id);
    if ((mrc = mstore_targets_add(job->targets, target, size, &hash, 1, custom))) {
        rc = srv__mstore_err(mrc, target);
        goto out;
    }
    if (strstr(entry_text, "\"thumbnail\":{") && (rc = add_thumbnail(s, job, pkg, ver, entry_text)))
        goto out;
    if (!vtext || !ptext) {
        /* A row recorded before the texts were kept: make them now. */
        json_t *entry = json_loads(entry_text, 0, NULL);
        rc = entry ? srv_catalog_fragments(&vt, &pt, entry)
                   : srv_err(SRV_EFORMAT, "%s %s: catalog entry is not JSON", pkg, ver);
        json_decref(entry);
        if (rc)
            goto out;
        vtext = vt;
        ptext = pt;
    }
    if ((rc = srv_catalog_add_text(job->catalog, pkg, ver, vtext, ptext, published)))
        goto out;
    grown = realloc(job->rows, (job->count + 1) * sizeof(*grown));
    if (!grown) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    job->rows = grown;
    job->rows[job->count].id = sqlite3_column_int64(st, 0);
    job->rows[job->count].approved = approved;
    job->count++;
out:
    free(target);
    free(src);
    free(vt);
    free(pt);
    json_decref(custom);
    return rc;
}

/* Reads the published set from the database and places every target file. */
static int collect(srv_store *s, sync_job *job)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    srv_db_lock(s->db);
    /* One read transaction: the generation and the rows belong together. */
    if ((rc = srv_db_exec(s->db, "BEGIN")))
        goto out;
    if ((rc = srv_db_prepare(&st, s->db, "SELECT generation FROM repo WHERE id = 1")))
        goto out;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = srv_err(SRV_EDB, "database: the repo row is missing");
        goto out;
    }
    job->generation = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if ((rc = srv_db_prepare(&st, s->db,
                             "SELECT id, package_id, version, sha256, size, key_id, entry, state,"
                             " published, catalog_version, catalog_package FROM uploads"
                             " WHERE state IN ('approved', 'published')"
                             " ORDER BY package_id, id")))
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = add_version(s, job, st)))
            goto out;
    rc = srv_db_check(s->db, step, "uploads");
out:
    sqlite3_finalize(st);
    sqlite3_exec(srv_db_handle(s->db), "COMMIT", NULL, NULL, NULL);
    srv_db_unlock(s->db);
    return rc;
}

static int mark_published(srv_store *s, sync_job *job, const char *actor, int64_t tver)
{
    sqlite3_stmt *st = NULL;
    size_t i, fresh = 0;
    char detail[128];
    int rc;

    if ((rc = srv_db_begin(s->db)))
        return rc;
    if ((rc = srv_db_prepare(&st, s->db,
                             "UPDATE uploads SET state = 'published', published = ?1, updated = ?1"
                             " WHERE id = ?2 AND state = 'approved'")))
        goto fail;
    for (i = 0; i < job->count; i++) {
        if (!job->rows[i].approved)
            continue;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, job->now);
        sqlite3_bind_int64(st, 2, job->rows[i].id);
        if ((rc = srv_db_check(s->db, sqlite3_step(st), "publish")))
            goto fail;
        fresh++;
    }
    sqlite3_finalize(st);
    if ((rc = srv_db_prepare(&st, s->db, "UPDATE repo SET synced = ? WHERE id = 1")))
        goto fail;
    sqlite3_bind_int64(st, 1, job->generation);
    if ((rc = srv_db_check(s->db, sqlite3_step(st), "publish")))
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    snprintf(detail, sizeof(detail), "targets version %lld: %zu versions, %zu new", (long long)tver,
             job->count, fresh);
    if ((rc = srv_audit(s->db, actor, "publish", "repository", detail)))
        goto fail;
    return srv_db_commit(s->db);
fail:
    sqlite3_finalize(st);
    srv_db_rollback(s->db);
    return rc;
}

int srv__sync_locked(srv_store *s, const char *actor)
{
    srv_repo_state st;
    sync_job job;
    char *catalog = NULL, sha[65], *file = NULL;
    size_t catalog_size = 0;
    json_t *custom = NULL;
    int rc, mrc;

    double t0 = srv_now_mono(), t1, t2, t3, t4;

    memset(&job, 0, sizeof(job));
    job.now = srv_time_now();
    if ((rc = srv__state_load(&st, s, false)))
        return rc;
    if ((mrc = mstore_metadata_new(&job.targets, MSTORE_ROLE_TARGETS,
                                   srv__expires(s, SRV_ROLE_TARGETS)))) {
        rc = srv__mstore_err(mrc, "targets");
        goto out;
    }
    if ((rc = srv_catalog_new(&job.catalog, job.now)) || (rc = collect(s, &job)))
        goto out;
    t1 = srv_now_mono();
    /* The catalog is a target like the packages, written before the metadata that names it. */
    if ((rc = srv_catalog_finish(&catalog, &catalog_size, job.catalog)))
        goto out;
    t2 = srv_now_mono();
    srv_sha256_hex(sha, catalog, catalog_size);
    file = srv_asprintf("%s/%s.%s", s->targets_dir, sha, SRV_CATALOG_TARGET);
    if (!file) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    if (!srv_exists(file) && (rc = srv_write_atomic(file, catalog, catalog_size, 0644)))
        goto out;
    custom = json_pack("{s:i}", "format", SRV_CATALOG_FORMAT);
    if ((mrc = mstore_targets_add(job.targets, SRV_CATALOG_TARGET, catalog_size,
                                  &(mstore_hash){"sha256", sha}, 1, custom))) {
        rc = srv__mstore_err(mrc, SRV_CATALOG_TARGET);
        goto out;
    }
    t3 = srv_now_mono();
    if ((rc = srv__commit(s, &st, job.targets, true)))
        goto out;
    t4 = srv_now_mono();
    rc = mark_published(s, &job, actor, mstore_metadata_version(job.targets));
    if (getenv("MSTORE_SERVER_TIMING"))
        fprintf(stderr,
                "publish timing: %zu versions; read and place %.0f ms, catalog %.0f ms, "
                "catalog target %.0f ms, metadata %.0f ms, database %.0f ms\n",
                job.count, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (t4 - t3) * 1e3,
                (srv_now_mono() - t4) * 1e3);
out:
    json_decref(custom);
    free(file);
    free(catalog);
    free(job.rows);
    srv_catalog_free(job.catalog);
    mstore_metadata_free(job.targets);
    srv__state_clear(&st);
    return rc;
}

int srv_repo_sync(srv_store *s, const char *actor)
{
    int lock = srv__repo_lock(s), rc;

    if (lock < 0)
        return SRV_EIO;
    rc = srv__sync_locked(s, actor);
    srv__repo_unlock(lock);
    if (rc)
        srv_err_prefix(rc, "publish");
    return rc;
}

/* ---- refresh ------------------------------------------------------------------------------- */

static bool half_gone(const srv_store *s, const mstore_metadata *md, int role, int64_t now)
{
    return !md || mstore_metadata_expires(md) - now < srv_config_lifetime(&s->cfg, role) / 2;
}

int srv__resign_locked(srv_store *s, srv_repo_state *st, bool targets, bool snapshot,
                       const char *actor)
{
    mstore_metadata *t = NULL;
    char detail[96];
    int rc, mrc;

    if (targets) {
        if ((mrc = mstore_metadata_dup(&t, st->targets)))
            return srv__mstore_err(mrc, "targets");
    }
    rc = srv__commit(s, st, t, snapshot);
    mstore_metadata_free(t);
    if (rc)
        return rc;
    snprintf(detail, sizeof(detail), "%s",
             targets    ? "targets, snapshot, timestamp"
             : snapshot ? "snapshot, timestamp"
                        : "timestamp");
    srv_db_lock(s->db);
    rc = srv_audit(s->db, actor, "resign", "repository", detail);
    srv_db_unlock(s->db);
    return rc;
}

int srv_repo_refresh(srv_store *s)
{
    srv_repo_state st;
    sqlite3_stmt *q = NULL;
    int64_t generation = 0, synced = 0, now = srv_time_now();
    int lock, rc;

    srv_db_lock(s->db);
    rc = srv_db_prepare(&q, s->db, "SELECT generation, synced FROM repo WHERE id = 1");
    if (rc == SRV_OK && sqlite3_step(q) == SQLITE_ROW) {
        generation = sqlite3_column_int64(q, 0);
        synced = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    srv_db_unlock(s->db);
    if (rc)
        return rc;
    lock = srv__repo_lock(s);
    if (lock < 0)
        return SRV_EIO;
    if (generation != synced) {
        rc = srv__sync_locked(s, "server");
        goto out;
    }
    if ((rc = srv__state_load(&st, s, true)))
        goto out;
    if (!st.timestamp) {
        srv__state_clear(&st);
        rc = srv__sync_locked(s, "server");
        goto out;
    }
    if (half_gone(s, st.targets, SRV_ROLE_TARGETS, now))
        rc = srv__resign_locked(s, &st, true, true, "server");
    else if (half_gone(s, st.snapshot, SRV_ROLE_SNAPSHOT, now))
        rc = srv__resign_locked(s, &st, false, true, "server");
    else if (half_gone(s, st.timestamp, SRV_ROLE_TIMESTAMP, now))
        rc = srv__resign_locked(s, &st, false, false, "server");
    srv__state_clear(&st);
out:
    srv__repo_unlock(lock);
    return rc;
}

int srv_repo_resign(srv_store *s, bool all, const char *actor)
{
    srv_repo_state st;
    int lock = srv__repo_lock(s), rc;

    if (lock < 0)
        return SRV_EIO;
    if ((rc = srv__state_load(&st, s, true)) == SRV_OK) {
        rc = st.timestamp ? srv__resign_locked(s, &st, all, true, actor)
                          : srv__sync_locked(s, actor);
        srv__state_clear(&st);
    }
    srv__repo_unlock(lock);
    return rc;
}

/* ---- leftovers ----------------------------------------------------------------------------- */

/* Removes temporary files ("name.tmp.XXXXXX") a killed writer left in dir and below. */
static void clean_tree(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d))) {
        const char *tmp = strstr(e->d_name, ".tmp.");
        if (e->d_name[0] == '.')
            continue;
        if (e->d_type == DT_DIR && depth > 0) {
            char *sub = srv_join(dir, e->d_name);
            if (sub)
                clean_tree(sub, depth - 1);
            free(sub);
        } else if (tmp && strlen(tmp) == 11 && e->d_type == DT_REG) {
            unlinkat(dirfd(d), e->d_name, 0);
        }
    }
    closedir(d);
}

int srv_repo_clean(srv_store *s)
{
    int lock = srv__repo_lock(s);
    DIR *d;
    struct dirent *e;

    if (lock < 0)
        return SRV_EIO;
    clean_tree(s->metadata_dir, 0);
    clean_tree(s->targets_dir, 3);
    clean_tree(s->uploads_dir, 0);
    /* Bodies of requests that a killed server was receiving. Only a serving process writes
     * here, and this runs before it listens. */
    if ((d = opendir(s->incoming_dir))) {
        while ((e = readdir(d)))
            if (strncmp(e->d_name, "upload-", 7) == 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    srv__repo_unlock(lock);
    return SRV_OK;
}

/* ---- status -------------------------------------------------------------------------------- */

static json_t *role_json(const mstore_metadata *md)
{
    char when[24];

    if (!md)
        return json_null();
    srv_time_iso(when, (time_t)mstore_metadata_expires(md));
    return json_pack("{s:I, s:s}", "version", (json_int_t)mstore_metadata_version(md), "expires",
                     when);
}

int srv_repo_status(json_t **out, srv_store *s)
{
    srv_repo_state st;
    sqlite3_stmt *q = NULL;
    json_t *counts = json_object();
    int rc;

    if ((rc = srv__state_load(&st, s, true))) {
        json_decref(counts);
        return rc;
    }
    srv_db_lock(s->db);
    if (srv_db_prepare(&q, s->db, "SELECT state, count(*) FROM uploads GROUP BY state") == 0)
        while (sqlite3_step(q) == SQLITE_ROW)
            json_object_set_new(counts, (const char *)sqlite3_column_text(q, 0),
                                json_integer(sqlite3_column_int64(q, 1)));
    sqlite3_finalize(q);
    srv_db_unlock(s->db);
    *out = json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:b}", "root", role_json(st.root), "targets",
                     role_json(st.targets), "snapshot", role_json(st.snapshot), "timestamp",
                     role_json(st.timestamp), "target_count",
                     (json_int_t)(st.targets ? mstore_targets_count(st.targets) : 0), "uploads",
                     counts, "review", s->cfg.review);
    srv__state_clear(&st);
    return SRV_OK;
}
