/* Upload intake, status, review and yank. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "check.h"
#include "devs.h"
#include "error.h"
#include "repo.h"
#include "uploads.h"
#include "util.h"

/* Seconds an upload request waits for its publish before answering 202 instead of 201. */
#define SRV_PUBLISH_WAIT 60.0

static const char *thumbnail_ext(const char *file)
{
    const char *dot = file ? strrchr(file, '.') : NULL;

    if (dot && (strcmp(dot, ".png") == 0 || strcmp(dot, ".jpg") == 0 || strcmp(dot, ".jpeg") == 0 ||
                strcmp(dot, ".webp") == 0))
        return dot + 1;
    return "bin";
}

/* Keeps the accepted files under DIR/uploads, named by content, before the database says so. */
static int keep_files(srv_store *s, srv_check *chk, const char *tmp_path, const char *sha256_hex)
{
    char *dst = srv_asprintf("%s/%s.mpk", s->uploads_dir, sha256_hex);
    int rc = SRV_OK;

    if (!dst)
        return srv_err(SRV_ENOMEM, "out of memory");
    if (rename(tmp_path, dst) < 0)
        rc = srv_err(SRV_EIO, "%s: %s", dst, strerror(errno));
    else
        rc = srv_fsync_dir(s->uploads_dir);
    free(dst);
    if (rc || !chk->thumbnail)
        return rc;
    {
        const char *file = json_string_value(json_object_get(chk->entry, "thumbnail_file"));
        char hex[65], *path;
        srv_sha256_hex(hex, chk->thumbnail, chk->thumbnail_size);
        path = srv_asprintf("%s/%s.%s", s->uploads_dir, hex, thumbnail_ext(file));
        if (!path)
            return srv_err(SRV_ENOMEM, "out of memory");
        rc = srv_write_atomic(path, chk->thumbnail, chk->thumbnail_size, 0644);
        free(path);
        if (rc)
            return rc;
        json_object_set_new(chk->entry, "thumbnail",
                            json_pack("{s:s, s:I, s:s}", "sha256", hex, "size",
                                      (json_int_t)chk->thumbnail_size, "ext", thumbnail_ext(file)));
    }
    return SRV_OK;
}

static int drop_unreferenced(srv_store *s, const char *sha256_hex)
{
    sqlite3_stmt *st = NULL;
    char *path;
    int rc, refs = 1;

    rc = srv_db_prepare(&st, s->db,
                        "SELECT count(*) FROM uploads WHERE sha256 = ? AND state IN "
                        "('queued', 'approved', 'published', 'yanked')");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, sha256_hex, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        refs = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (refs > 0)
        return SRV_OK;
    path = srv_asprintf("%s/%s.mpk", s->uploads_dir, sha256_hex);
    if (!path)
        return srv_err(SRV_ENOMEM, "out of memory");
    unlink(path);
    free(path);
    return SRV_OK;
}

static int bump_generation(srv_db *db)
{
    return srv_db_exec(db, "UPDATE repo SET generation = generation + 1 WHERE id = 1");
}

static int record_upload(int64_t *upload_id, srv_store *s, int64_t dev_id, srv_check *chk,
                         uint64_t size, const char *sha256_hex, const char *state,
                         const char *developer)
{
    sqlite3_stmt *st = NULL;
    char *reasons = chk->reasons ? json_dumps(chk->reasons, JSON_COMPACT) : NULL;
    char *entry = chk->entry ? json_dumps(chk->entry, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *vtext = NULL, *ptext = NULL, subject[300], actor[100];
    int64_t now = srv_time_now();
    int rc;

    if (chk->entry && (rc = srv_catalog_fragments(&vtext, &ptext, chk->entry)))
        goto out;
    rc = srv_db_prepare(&st, s->db,
                        "INSERT INTO uploads (developer_id, package_id, version, size, sha256,"
                        " key_id, state, reasons, entry, created, updated, catalog_version,"
                        " catalog_package) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, dev_id);
    sqlite3_bind_text(st, 2, chk->package_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, chk->version, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)size);
    sqlite3_bind_text(st, 5, sha256_hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, chk->key_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, reasons, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, entry, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 10, now);
    sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_text(st, 12, vtext, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 13, ptext, -1, SQLITE_TRANSIENT);
    if ((rc = srv_db_check(s->db, sqlite3_step(st), "upload record")))
        goto out;
    *upload_id = sqlite3_last_insert_rowid(srv_db_handle(s->db));
    snprintf(subject, sizeof(subject), "upload #%lld %s %s", (long long)*upload_id,
             chk->package_id ? chk->package_id : "?", chk->version ? chk->version : "?");
    snprintf(actor, sizeof(actor), "developer:%s", developer);
    rc = srv_audit(s->db, actor, strcmp(state, "rejected") == 0 ? "upload.reject" : "upload",
                   subject, reasons ? reasons : state);
out:
    sqlite3_finalize(st);
    free(reasons);
    free(entry);
    free(vtext);
    free(ptext);
    return rc;
}

int srv_upload_intake(json_t **reply, int *status, srv_store *s, int64_t dev_id,
                      const char *tmp_path, uint64_t size, const char *sha256_hex,
                      const char *claimed_sha256)
{
    srv_developer *dev = NULL;
    srv_check chk;
    const char *state;
    int64_t upload_id = 0;
    bool kept = false;
    int rc;

    memset(&chk, 0, sizeof(chk));
    if ((rc = srv_dev_get(&dev, s->db, dev_id)))
        goto out;
    if (claimed_sha256 && strcasecmp(claimed_sha256, sha256_hex) != 0)
        srv_check_reject(&chk, 400, "truncated",
                         "the body received (%llu bytes, SHA-256 %s) differs from the "
                         "X-Content-SHA256 the client sent: truncated or altered in transit",
                         (unsigned long long)size, sha256_hex);
    else if ((rc = srv_check_package(&chk, tmp_path, size, sha256_hex, dev, &s->cfg)))
        goto out;
    if (!chk.status) {
        /* Version order now, so a refused version is never kept; again below, in the
         * transaction that records the upload, for uploads racing this one. */
        srv_db_lock(s->db);
        rc = srv_check_owner(&chk, s->db, dev_id);
        if (!rc && !chk.status)
            rc = srv_check_version(&chk, s->db);
        srv_db_unlock(s->db);
        if (rc)
            goto out;
    }
    if (!chk.status && (rc = keep_files(s, &chk, tmp_path, sha256_hex)))
        goto out;
    kept = !chk.status;

    if ((rc = srv_db_begin(s->db)))
        goto out;
    if (!chk.status && ((rc = srv_check_owner(&chk, s->db, dev_id)) ||
                        (!chk.status && (rc = srv_check_version(&chk, s->db)))))
        goto fail;
    state = chk.status ? "rejected" : s->cfg.review ? "queued" : "approved";
    if (chk.status && kept) {
        /* Lost a race with another upload of the same id: drop the kept file unless an
         * accepted upload has the same bytes. */
        json_decref(chk.entry);
        chk.entry = NULL;
        if ((rc = drop_unreferenced(s, sha256_hex)))
            goto fail;
    }
    if ((rc = record_upload(&upload_id, s, dev_id, &chk, size, sha256_hex, state, dev->name)))
        goto fail;
    if (strcmp(state, "approved") == 0 && (rc = bump_generation(s->db)))
        goto fail;
    if ((rc = srv_db_commit(s->db)))
        goto out;

    *reply = json_pack("{s:I, s:s, s:s?, s:s?}", "upload", (json_int_t)upload_id, "status", state,
                       "id", chk.package_id, "version", chk.version);
    if (chk.status) {
        json_object_set(*reply, "reasons", chk.reasons);
        json_object_set_new(*reply, "error", json_string("rejected"));
        *status = chk.status;
    } else if (strcmp(state, "queued") == 0) {
        *status = 202;
    } else if (!s->pub_running) {
        rc = srv_repo_sync(s, "server");
        *status = rc ? 202 : 201;
        json_object_set_new(*reply, "status", json_string(rc ? "approved" : "published"));
        rc = SRV_OK;
    } else {
        int prc = srv_publisher_request(s, SRV_PUBLISH_WAIT);
        *status = prc ? 202 : 201;
        json_object_set_new(*reply, "status", json_string(prc ? "approved" : "published"));
    }
    if (*status == 201 || *status == 202)
        json_object_set_new(
            *reply, "target",
            json_sprintf("packages/%s/%s-%s.mpk", chk.package_id, chk.package_id, chk.version));
    goto out;
fail:
    srv_db_rollback(s->db);
out:
    if (!kept)
        unlink(tmp_path);
    srv_check_clear(&chk);
    srv_dev_free(dev);
    return rc;
}

static json_t *upload_row(sqlite3_stmt *st)
{
    json_t *u = json_pack(
        "{s:I, s:s?, s:s?, s:I, s:s, s:s, s:I, s:I}", "upload",
        (json_int_t)sqlite3_column_int64(st, 0), "id", (const char *)sqlite3_column_text(st, 1),
        "version", (const char *)sqlite3_column_text(st, 2), "size",
        (json_int_t)sqlite3_column_int64(st, 3), "sha256", (const char *)sqlite3_column_text(st, 4),
        "status", (const char *)sqlite3_column_text(st, 5), "created",
        (json_int_t)sqlite3_column_int64(st, 6), "updated",
        (json_int_t)sqlite3_column_int64(st, 7));
    const char *reasons = (const char *)sqlite3_column_text(st, 8);

    if (reasons) {
        json_t *r = json_loads(reasons, 0, NULL);
        if (r)
            json_object_set_new(u, "reasons", r);
    }
    json_object_set_new(u, "developer", json_string((const char *)sqlite3_column_text(st, 9)));
    if (sqlite3_column_type(st, 10) != SQLITE_NULL)
        json_object_set_new(u, "published", json_integer(sqlite3_column_int64(st, 10)));
    return u;
}

#define UPLOAD_COLUMNS                                                                        \
    "SELECT u.id, u.package_id, u.version, u.size, u.sha256, u.state, u.created, u.updated, " \
    "u.reasons, d.name, u.published FROM uploads u JOIN developers d ON d.id = u.developer_id "

int srv_upload_get(json_t **out, srv_store *s, int64_t upload_id, const int64_t *dev_id)
{
    sqlite3_stmt *st = NULL;
    int rc;

    srv_db_lock(s->db);
    if ((rc = srv_db_prepare(&st, s->db,
                             UPLOAD_COLUMNS "WHERE u.id = ?1 AND (?2 IS NULL OR "
                                            "u.developer_id = ?2)")))
        goto out;
    sqlite3_bind_int64(st, 1, upload_id);
    if (dev_id)
        sqlite3_bind_int64(st, 2, *dev_id);
    else
        sqlite3_bind_null(st, 2);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = srv_err(SRV_ENOTFOUND, "upload #%lld: not found", (long long)upload_id);
        goto out;
    }
    *out = upload_row(st);
out:
    sqlite3_finalize(st);
    srv_db_unlock(s->db);
    return rc;
}

int srv_upload_list(json_t **out, srv_store *s, const int64_t *dev_id, const char *state)
{
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc;

    srv_db_lock(s->db);
    if ((rc = srv_db_prepare(&st, s->db,
                             UPLOAD_COLUMNS "WHERE (?1 IS NULL OR u.developer_id = ?1) AND "
                                            "(?2 IS NULL OR u.state = ?2) ORDER BY u.id DESC "
                                            "LIMIT 1000")))
        goto out;
    if (dev_id)
        sqlite3_bind_int64(st, 1, *dev_id);
    else
        sqlite3_bind_null(st, 1);
    if (state)
        sqlite3_bind_text(st, 2, state, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 2);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(list, upload_row(st));
    *out = list;
    list = NULL;
out:
    sqlite3_finalize(st);
    srv_db_unlock(s->db);
    json_decref(list);
    return rc;
}

int srv_developer_packages(json_t **out, srv_store *s, int64_t dev_id)
{
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc;

    srv_db_lock(s->db);
    if ((rc = srv_db_prepare(&st, s->db,
                             UPLOAD_COLUMNS "WHERE u.developer_id = ?1 AND u.state IN "
                                            "('approved', 'published', 'yanked', 'queued') "
                                            "ORDER BY u.package_id, u.id")))
        goto out;
    sqlite3_bind_int64(st, 1, dev_id);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(list, upload_row(st));
    *out = list;
    list = NULL;
out:
    sqlite3_finalize(st);
    srv_db_unlock(s->db);
    json_decref(list);
    return rc;
}

int srv_review(srv_store *s, int64_t upload_id, bool approve, const char *reason,
               const char *reviewer)
{
    sqlite3_stmt *st = NULL;
    char subject[64], *reasons = NULL;
    int rc;

    if (!approve && (!reason || !*reason))
        return srv_err(SRV_EINVAL, "a rejection needs a reason for the developer");
    if ((rc = srv_db_begin(s->db)))
        return rc;
    if (!approve) {
        json_t *r = json_pack("[{s:s, s:s}]", "code", "review", "message", reason);
        reasons = json_dumps(r, JSON_COMPACT);
        json_decref(r);
    }
    if ((rc = srv_db_prepare(&st, s->db,
                             "UPDATE uploads SET state = ?1, updated = ?2, "
                             "reasons = coalesce(?3, reasons) WHERE id = ?4 AND state = 'queued'")))
        goto fail;
    sqlite3_bind_text(st, 1, approve ? "approved" : "rejected", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, srv_time_now());
    sqlite3_bind_text(st, 3, reasons, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, upload_id);
    if ((rc = srv_db_check(s->db, sqlite3_step(st), "review")))
        goto fail;
    if (sqlite3_changes(srv_db_handle(s->db)) != 1) {
        rc = srv_err(SRV_ESTATE, "upload #%lld is not waiting for review", (long long)upload_id);
        goto fail;
    }
    sqlite3_finalize(st);
    if ((rc = srv_db_prepare(&st, s->db,
                             "INSERT INTO reviews (upload_id, decision, reason, reviewer, time) "
                             "VALUES (?, ?, ?, ?, ?)")))
        goto fail;
    sqlite3_bind_int64(st, 1, upload_id);
    sqlite3_bind_text(st, 2, approve ? "approve" : "reject", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason ? reason : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, reviewer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, srv_time_now());
    if ((rc = srv_db_check(s->db, sqlite3_step(st), "review")))
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    snprintf(subject, sizeof(subject), "upload #%lld", (long long)upload_id);
    if ((rc = srv_audit(s->db, reviewer, approve ? "review.approve" : "review.reject", subject,
                        reason)))
        goto fail;
    if (approve && (rc = bump_generation(s->db)))
        goto fail;
    free(reasons);
    if ((rc = srv_db_commit(s->db)))
        return rc;
    return approve ? srv_repo_sync(s, reviewer) : SRV_OK;
fail:
    free(reasons);
    sqlite3_finalize(st);
    srv_db_rollback(s->db);
    return rc;
}

int srv_yank(srv_store *s, const char *package_id, const char *version, const char *reason,
             const char *actor)
{
    sqlite3_stmt *st = NULL;
    char subject[300];
    int rc;

    if ((rc = srv_db_begin(s->db)))
        return rc;
    if ((rc = srv_db_prepare(&st, s->db,
                             "UPDATE uploads SET state = 'yanked', updated = ?1 WHERE "
                             "package_id = ?2 AND version = ?3 AND state IN ('published', "
                             "'approved')")))
        goto fail;
    sqlite3_bind_int64(st, 1, srv_time_now());
    sqlite3_bind_text(st, 2, package_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, version, -1, SQLITE_TRANSIENT);
    if ((rc = srv_db_check(s->db, sqlite3_step(st), "yank")))
        goto fail;
    if (sqlite3_changes(srv_db_handle(s->db)) != 1) {
        rc = srv_err(SRV_ENOTFOUND, "%s %s: no such published version", package_id, version);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    snprintf(subject, sizeof(subject), "%s %s", package_id, version);
    if ((rc = srv_audit(s->db, actor, "yank", subject, reason ? reason : "")) ||
        (rc = bump_generation(s->db)))
        goto fail;
    if ((rc = srv_db_commit(s->db)))
        return rc;
    return srv_repo_sync(s, actor);
fail:
    sqlite3_finalize(st);
    srv_db_rollback(s->db);
    return rc;
}
