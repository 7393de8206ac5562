/* Upload checks on a received package file. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "mpk/mpk.h"
#include "util.h"

void srv_check_reject(srv_check *chk, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!chk->reasons)
        chk->reasons = json_array();
    json_array_append_new(chk->reasons, json_pack("{s:s, s:s}", "code", code, "message", msg));
    if (!chk->status)
        chk->status = status;
}

void srv_check_clear(srv_check *chk)
{
    json_decref(chk->reasons);
    json_decref(chk->entry);
    free(chk->package_id);
    free(chk->version);
    free(chk->key_id);
    free(chk->thumbnail);
    memset(chk, 0, sizeof(*chk));
}

static json_t *texts_object(const mpk_text *texts, size_t count)
{
    json_t *obj = json_object();
    size_t i;

    for (i = 0; i < count; i++)
        json_object_set_new(obj, texts[i].lang, json_string(texts[i].text));
    return obj;
}

static json_t *strings_array(char *const *items, size_t count)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < count; i++)
        json_array_append_new(arr, json_string(items[i]));
    return arr;
}

/* What the catalog says about one version, taken from the manifest. */
static json_t *catalog_entry(const mpk_manifest *m, uint64_t size, const char *sha256_hex,
                             const char *key_id, const srv_developer *dev)
{
    json_t *entry, *motions = json_array(), *perms = json_array();
    size_t i;

    for (i = 0; i < m->motion_count; i++)
        json_array_append_new(motions,
                              json_pack("{s:s, s:s, s:f, s:b}", "name", m->motions[i].name, "robot",
                                        m->motions[i].robot, "duration", m->motions[i].duration,
                                        "loopable", m->motions[i].loopable));
    if (m->permissions & MPK_PERM_FULL_BODY)
        json_array_append_new(perms, json_string("full-body"));
    entry = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:s?, s:s?, s:s?, s:o, s:s?, s:o, s:I, s:s, "
        "s:s, s:s, s:s?}",
        "id", m->id, "version", m->version, "names", texts_object(m->names, m->name_count),
        "descriptions", texts_object(m->descriptions, m->description_count), "robots",
        strings_array(m->robots, m->robot_count), "category", m->category, "author", m->author,
        "license", m->license, "permissions", perms, "min_runtime", m->min_runtime, "motions",
        motions, "size", (json_int_t)size, "sha256", sha256_hex, "key_id", key_id, "developer",
        dev->name, "thumbnail_file", m->thumbnail);
    return entry;
}

int srv_check_package(srv_check *chk, const char *path, uint64_t size, const char *sha256_hex,
                      const srv_developer *dev, const srv_config *cfg)
{
    mpk_package *pkg = NULL;
    const mpk_manifest *m;
    const char *key_id;
    size_t i;
    int rc;

    if (size > cfg->max_upload) {
        srv_check_reject(chk, 413, "too-large", "the package is %llu bytes; the limit is %llu",
                         (unsigned long long)size, (unsigned long long)cfg->max_upload);
        return SRV_OK;
    }
    mpk_error_clear();
    rc = mpk_package_open(&pkg, path);
    if (rc == MPK_ENOMEM)
        return srv_err(SRV_ENOMEM, "out of memory");
    if (rc) {
        srv_check_reject(chk, rc == MPK_ELIMIT ? 413 : 422,
                         rc == MPK_ELIMIT ? "too-large" : "malformed", "not a valid package: %s",
                         *mpk_error_message() ? mpk_error_message() : mpk_strerror(rc));
        return SRV_OK;
    }
    m = mpk_package_manifest(pkg);
    key_id = mpk_package_key_id(pkg);
    chk->package_id = strdup(m->id);
    chk->version = strdup(m->version);
    chk->key_id = strdup(key_id ? key_id : "");
    /* Integrity first (the signature by the embedded key, every file's size and hash), then
     * whose key it is, so the reason says which of the two is wrong. */
    mpk_error_clear();
    rc = mpk_package_verify(pkg, NULL);
    if (rc) {
        srv_check_reject(chk, 422,
                         rc == MPK_ESIGNATURE  ? "bad-signature"
                         : rc == MPK_EVALIDATE ? "invalid"
                                               : "malformed",
                         "package verification failed: %s",
                         *mpk_error_message() ? mpk_error_message() : mpk_strerror(rc));
        rc = SRV_OK;
        goto out;
    }
    if (!key_id || strcmp(key_id, dev->key_id) != 0)
        srv_check_reject(chk, 403, "wrong-key",
                         "the package is signed by key %s, not by your registered key %s",
                         key_id ? key_id : "(none)", dev->key_id);
    for (i = 0; i < dev->namespace_count; i++)
        if (srv_namespace_match(dev->namespaces[i], m->id))
            break;
    if (i == dev->namespace_count) {
        char *joined = NULL;
        json_t *arr = strings_array(dev->namespaces, dev->namespace_count);
        joined = json_dumps(arr, JSON_COMPACT);
        srv_check_reject(chk, 403, "namespace", "package id %s is outside your namespaces %s",
                         m->id, joined ? joined : "");
        free(joined);
        json_decref(arr);
    }
    if ((rc = srv_validate_package(chk, pkg)))
        goto out;
    if (!chk->status && m->thumbnail) {
        mpk_error_clear();
        rc = mpk_package_read(&chk->thumbnail, &chk->thumbnail_size, pkg, m->thumbnail,
                              SRV_THUMBNAIL_MAX);
        if (rc == MPK_ENOMEM) {
            rc = srv_err(SRV_ENOMEM, "out of memory");
            goto out;
        }
        if (rc)
            srv_check_reject(chk, rc == MPK_ELIMIT ? 413 : 422, "thumbnail", "thumbnail %s: %s",
                             m->thumbnail,
                             *mpk_error_message() ? mpk_error_message() : mpk_strerror(rc));
        rc = SRV_OK;
    }
    if (!chk->status)
        chk->entry = catalog_entry(m, size, sha256_hex, key_id, dev);
out:
    mpk_package_free(pkg);
    return rc;
}

int srv_check_version(srv_check *chk, srv_db *db)
{
    sqlite3_stmt *st = NULL;
    int rc;

    rc = srv_db_prepare(&st, db,
                        "SELECT version, state FROM uploads WHERE package_id = ? AND state IN "
                        "('queued', 'approved', 'published', 'yanked')");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, chk->package_id, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        const char *state = (const char *)sqlite3_column_text(st, 1);
        if (mpk_semver_compare(chk->version, v) <= 0) {
            srv_check_reject(chk, 409, "version",
                             "version %s of %s is not greater than version %s (%s)", chk->version,
                             chk->package_id, v, state);
            break;
        }
    }
    sqlite3_finalize(st);
    return SRV_OK;
}

int srv_check_owner(srv_check *chk, srv_db *db, int64_t developer_id)
{
    sqlite3_stmt *st = NULL;
    int rc;

    rc = srv_db_prepare(&st, db,
                        "SELECT d.name FROM uploads u JOIN developers d ON d.id = u.developer_id "
                        "WHERE u.package_id = ? AND u.developer_id != ? AND u.state IN "
                        "('queued', 'approved', 'published', 'yanked') LIMIT 1");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, chk->package_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, developer_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        srv_check_reject(chk, 403, "namespace", "package id %s belongs to developer %s",
                         chk->package_id, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return SRV_OK;
}
