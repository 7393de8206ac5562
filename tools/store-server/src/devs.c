/* Developers, namespaces and hashed API tokens. */
#include <stdlib.h>
#include <string.h>

#include "devs.h"
#include "error.h"
#include "mpk/key.h"
#include "mpk/manifest.h"
#include "util.h"

bool srv_namespace_valid(const char *pattern)
{
    size_t len = strlen(pattern);
    char *copy;
    bool ok;

    if (len >= 3 && strcmp(pattern + len - 2, ".*") == 0) {
        copy = strndup(pattern, len - 2);
        /* "com.*" is allowed, so check the prefix with a dummy last label. */
        char *probe = copy ? srv_asprintf("%s.x", copy) : NULL;
        ok = probe && mpk_id_valid(probe);
        free(probe);
        free(copy);
        return ok;
    }
    return mpk_id_valid(pattern);
}

bool srv_namespace_match(const char *pattern, const char *id)
{
    size_t len = strlen(pattern);

    if (len >= 2 && strcmp(pattern + len - 2, ".*") == 0)
        return strncmp(pattern, id, len - 1) == 0 && id[len - 1] != '\0';
    return strcmp(pattern, id) == 0;
}

/* "com.example.*" -> prefix "com.example." (ids below it); an exact id has no prefix. */
static bool wildcard_prefix(const char *pattern, size_t *prefix_len)
{
    size_t len = strlen(pattern);

    if (len >= 2 && strcmp(pattern + len - 2, ".*") == 0) {
        *prefix_len = len - 1;
        return true;
    }
    return false;
}

bool srv_namespace_overlap(const char *a, const char *b)
{
    size_t la, lb;
    bool wa = wildcard_prefix(a, &la), wb = wildcard_prefix(b, &lb);

    if (wa && wb) /* one prefix (ending in '.') starts the other */
        return strncmp(a, b, la < lb ? la : lb) == 0;
    if (wa)
        return srv_namespace_match(a, b);
    if (wb)
        return srv_namespace_match(b, a);
    return strcmp(a, b) == 0;
}

/* Refuses a namespace that overlaps one of another active developer. Inside the transaction. */
static int check_overlaps(srv_db *db, const char *const *namespaces, size_t count)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = srv_db_prepare(&st, db,
                             "SELECT n.pattern, d.name FROM namespaces n JOIN developers d ON "
                             "d.id = n.developer_id WHERE d.removed IS NULL")))
        return rc;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *held = (const char *)sqlite3_column_text(st, 0);
        for (size_t i = 0; i < count; i++)
            if (srv_namespace_overlap(namespaces[i], held)) {
                rc = srv_err(SRV_EEXISTS, "namespace %s: %s already belongs to developer %s",
                             namespaces[i], held, (const char *)sqlite3_column_text(st, 1));
                goto out;
            }
    }
out:
    sqlite3_finalize(st);
    return rc;
}

void srv_dev_free(srv_developer *dev)
{
    size_t i;

    if (!dev)
        return;
    for (i = 0; i < dev->namespace_count; i++)
        free(dev->namespaces[i]);
    free(dev->namespaces);
    free(dev->name);
    free(dev->key_id);
    free(dev);
}

int srv_dev_add(srv_db *db, const char *name, const char *pubkey_path,
                const char *const *namespaces, size_t namespace_count, const char *actor)
{
    mpk_key *key = NULL;
    char *pem = NULL, key_id[MPK_KEY_ID_LEN + 1], *detail = NULL;
    sqlite3_stmt *st = NULL;
    int64_t dev_id;
    size_t i;
    int rc;

    if (!name || !*name || strlen(name) > 64 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789._-") != strlen(name))
        return srv_err(SRV_EINVAL, "developer name '%s': use 1 to 64 of [A-Za-z0-9._-]",
                       name ? name : "");
    if (namespace_count == 0)
        return srv_err(SRV_EINVAL, "developer %s: at least one namespace is needed", name);
    for (i = 0; i < namespace_count; i++)
        if (!srv_namespace_valid(namespaces[i]))
            return srv_err(SRV_EINVAL,
                           "namespace '%s': must be a reverse-DNS id or prefix such as "
                           "com.example.*",
                           namespaces[i]);
    if ((rc = mpk_key_load(&key, pubkey_path)))
        return srv_err_from_mpk(SRV_ECRYPTO, rc);
    if ((rc = mpk_key_id(key_id, key)) || (rc = mpk_key_public_pem(&pem, key))) {
        rc = srv_err_from_mpk(SRV_ECRYPTO, rc);
        goto out;
    }
    if ((rc = srv_db_begin(db)))
        goto out;
    if ((rc = check_overlaps(db, namespaces, namespace_count)))
        goto fail;
    rc = srv_db_prepare(&st, db,
                        "INSERT INTO developers (name, key_id, public_key, created) "
                        "VALUES (?, ?, ?, ?)");
    if (rc)
        goto fail;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, key_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, pem, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, srv_time_now());
    if ((rc = srv_db_check(db, sqlite3_step(st), "developer"))) {
        if (rc == SRV_EEXISTS)
            srv_err(rc, "developer %s already exists", name);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    dev_id = sqlite3_last_insert_rowid(srv_db_handle(db));
    for (i = 0; i < namespace_count; i++) {
        rc =
            srv_db_prepare(&st, db, "INSERT INTO namespaces (developer_id, pattern) VALUES (?, ?)");
        if (rc)
            goto fail;
        sqlite3_bind_int64(st, 1, dev_id);
        sqlite3_bind_text(st, 2, namespaces[i], -1, SQLITE_TRANSIENT);
        if ((rc = srv_db_check(db, sqlite3_step(st), "namespace"))) {
            if (rc == SRV_EEXISTS)
                srv_err(rc, "namespace %s already belongs to a developer", namespaces[i]);
            goto fail;
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    detail = srv_asprintf("key %s", key_id);
    if ((rc = srv_audit(db, actor, "developer.add", name, detail)))
        goto fail;
    rc = srv_db_commit(db);
    goto out;
fail:
    sqlite3_finalize(st);
    st = NULL;
    srv_db_rollback(db);
out:
    sqlite3_finalize(st);
    free(detail);
    free(pem);
    mpk_key_free(key);
    return rc;
}

/* The row id of an active developer by name. */
static int active_developer(int64_t *id, srv_db *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = srv_db_prepare(&st, db,
                             "SELECT id FROM developers WHERE name = ? AND removed IS NULL")))
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        rc = srv_err(SRV_ENOTFOUND, "developer %s: no such active developer", name);
    sqlite3_finalize(st);
    return rc;
}

int srv_dev_remove(srv_db *db, const char *name, const char *actor)
{
    sqlite3_stmt *st = NULL;
    int64_t now = srv_time_now(), id;
    int rc;

    if ((rc = srv_db_begin(db)))
        return rc;
    if ((rc = active_developer(&id, db, name)))
        goto fail;
    /* Namespaces are released so that they can be given to someone else. */
    if ((rc = srv_db_prepare(&st, db, "UPDATE developers SET removed = ?1 WHERE id = ?2;")))
        goto fail;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, id);
    if ((rc = srv_db_check(db, sqlite3_step(st), "developer")))
        goto fail;
    sqlite3_finalize(st);
    if ((rc = srv_db_prepare(&st, db,
                             "UPDATE tokens SET revoked = ?1 WHERE developer_id = ?2 "
                             "AND revoked IS NULL")))
        goto fail;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, id);
    if ((rc = srv_db_check(db, sqlite3_step(st), "tokens")))
        goto fail;
    sqlite3_finalize(st);
    if ((rc = srv_db_prepare(&st, db, "DELETE FROM namespaces WHERE developer_id = ?1")))
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = srv_db_check(db, sqlite3_step(st), "namespaces")))
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = srv_audit(db, actor, "developer.remove", name, "")))
        goto fail;
    return srv_db_commit(db);
fail:
    sqlite3_finalize(st);
    srv_db_rollback(db);
    return rc;
}

int srv_dev_get(srv_developer **out, srv_db *db, int64_t id)
{
    srv_developer *dev = calloc(1, sizeof(*dev));
    sqlite3_stmt *st = NULL;
    int rc;

    if (!dev)
        return srv_err(SRV_ENOMEM, "out of memory");
    srv_db_lock(db);
    if ((rc = srv_db_prepare(&st, db,
                             "SELECT name, key_id FROM developers "
                             "WHERE id = ? AND removed IS NULL")))
        goto out;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = srv_err(SRV_ENOTFOUND, "developer #%lld: not found", (long long)id);
        goto out;
    }
    dev->id = id;
    dev->name = strdup((const char *)sqlite3_column_text(st, 0));
    dev->key_id = strdup((const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    if ((rc = srv_db_prepare(&st, db,
                             "SELECT pattern FROM namespaces WHERE developer_id = ? "
                             "ORDER BY pattern")))
        goto out;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char **grown = realloc(dev->namespaces, (dev->namespace_count + 1) * sizeof(char *));
        if (!grown) {
            rc = srv_err(SRV_ENOMEM, "out of memory");
            goto out;
        }
        dev->namespaces = grown;
        dev->namespaces[dev->namespace_count++] = strdup((const char *)sqlite3_column_text(st, 0));
    }
    if (!dev->name || !dev->key_id) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    *out = dev;
    dev = NULL;
out:
    sqlite3_finalize(st);
    srv_db_unlock(db);
    srv_dev_free(dev);
    return rc;
}

int srv_dev_list(json_t **out, srv_db *db)
{
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc;

    srv_db_lock(db);
    rc = srv_db_prepare(
        &st, db,
        "SELECT d.id, d.name, d.key_id, d.created, d.removed,"
        " (SELECT group_concat(pattern, ' ') FROM namespaces n WHERE n.developer_id = d.id),"
        " (SELECT count(*) FROM tokens t WHERE t.developer_id = d.id AND t.revoked IS NULL)"
        " FROM developers d ORDER BY d.name");
    if (rc)
        goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *ns = (const char *)sqlite3_column_text(st, 5);
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:I, s:b, s:s, s:I}", "id",
                                              (json_int_t)sqlite3_column_int64(st, 0), "name",
                                              (const char *)sqlite3_column_text(st, 1), "key_id",
                                              (const char *)sqlite3_column_text(st, 2), "created",
                                              (json_int_t)sqlite3_column_int64(st, 3), "removed",
                                              sqlite3_column_type(st, 4) != SQLITE_NULL,
                                              "namespaces", ns ? ns : "", "active_tokens",
                                              (json_int_t)sqlite3_column_int64(st, 6)));
    }
    *out = list;
    list = NULL;
out:
    sqlite3_finalize(st);
    srv_db_unlock(db);
    json_decref(list);
    return rc;
}

int srv_token_issue(char **token, int64_t *token_id, srv_db *db, const char *developer,
                    const char *label, const char *actor)
{
    unsigned char secret[24];
    char hex[2 * sizeof(secret) + 1], hash[65], *text = NULL, subject[160];
    sqlite3_stmt *st = NULL;
    int64_t dev_id, id;
    int rc;

    if ((rc = srv_random(secret, sizeof(secret))))
        return rc;
    srv_hex(hex, secret, sizeof(secret));
    text = srv_asprintf(SRV_TOKEN_PREFIX "%s", hex);
    if (!text)
        return srv_err(SRV_ENOMEM, "out of memory");
    srv_sha256_hex(hash, text, strlen(text));
    if ((rc = srv_db_begin(db)))
        goto out;
    if ((rc = active_developer(&dev_id, db, developer)))
        goto fail;
    if ((rc = srv_db_prepare(&st, db,
                             "INSERT INTO tokens (developer_id, hash, label, created) "
                             "VALUES (?, ?, ?, ?)")))
        goto fail;
    sqlite3_bind_int64(st, 1, dev_id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, label ? label : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, srv_time_now());
    if ((rc = srv_db_check(db, sqlite3_step(st), "token")))
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    id = sqlite3_last_insert_rowid(srv_db_handle(db));
    snprintf(subject, sizeof(subject), "token #%lld of %s", (long long)id, developer);
    if ((rc = srv_audit(db, actor, "token.issue", subject, label ? label : "")))
        goto fail;
    if ((rc = srv_db_commit(db)))
        goto out;
    *token = text;
    *token_id = id;
    text = NULL;
    goto out;
fail:
    sqlite3_finalize(st);
    srv_db_rollback(db);
out:
    free(text);
    return rc;
}

int srv_token_revoke(srv_db *db, int64_t token_id, const char *actor)
{
    sqlite3_stmt *st = NULL;
    char subject[64];
    int rc;

    if ((rc = srv_db_begin(db)))
        return rc;
    if ((rc = srv_db_prepare(&st, db,
                             "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL")))
        goto fail;
    sqlite3_bind_int64(st, 1, srv_time_now());
    sqlite3_bind_int64(st, 2, token_id);
    if ((rc = srv_db_check(db, sqlite3_step(st), "token")))
        goto fail;
    if (sqlite3_changes(srv_db_handle(db)) != 1) {
        rc = srv_err(SRV_ENOTFOUND, "token #%lld: no such active token", (long long)token_id);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    snprintf(subject, sizeof(subject), "token #%lld", (long long)token_id);
    if ((rc = srv_audit(db, actor, "token.revoke", subject, "")))
        goto fail;
    return srv_db_commit(db);
fail:
    sqlite3_finalize(st);
    srv_db_rollback(db);
    return rc;
}

int srv_token_list(json_t **out, srv_db *db)
{
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc;

    srv_db_lock(db);
    rc = srv_db_prepare(&st, db,
                        "SELECT t.id, d.name, t.label, t.created, t.revoked, t.last_used "
                        "FROM tokens t JOIN developers d ON d.id = t.developer_id ORDER BY t.id");
    if (rc)
        goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *t = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                              "developer", (const char *)sqlite3_column_text(st, 1), "label",
                              (const char *)sqlite3_column_text(st, 2), "created",
                              (json_int_t)sqlite3_column_int64(st, 3));
        json_object_set_new(t, "revoked",
                            sqlite3_column_type(st, 4) == SQLITE_NULL
                                ? json_null()
                                : json_integer(sqlite3_column_int64(st, 4)));
        json_object_set_new(t, "last_used",
                            sqlite3_column_type(st, 5) == SQLITE_NULL
                                ? json_null()
                                : json_integer(sqlite3_column_int64(st, 5)));
        json_array_append_new(list, t);
    }
    *out = list;
    list = NULL;
out:
    sqlite3_finalize(st);
    srv_db_unlock(db);
    json_decref(list);
    return rc;
}

int srv_token_auth(int64_t *developer_id, srv_db *db, const char *token)
{
    sqlite3_stmt *st = NULL;
    char hash[65];
    int rc;

    if (!token || strncmp(token, SRV_TOKEN_PREFIX, strlen(SRV_TOKEN_PREFIX)) != 0 ||
        strlen(token) > SRV_TOKEN_MAX)
        return srv_err(SRV_EAUTH, "the bearer token is not a Motion Store token");
    srv_sha256_hex(hash, token, strlen(token));
    srv_db_lock(db);
    rc = srv_db_prepare(&st, db,
                        "SELECT t.id, t.revoked, d.id, d.removed FROM tokens t "
                        "JOIN developers d ON d.id = t.developer_id WHERE t.hash = ?");
    if (rc)
        goto out;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = srv_err(SRV_EAUTH, "unknown token");
        goto out;
    }
    if (sqlite3_column_type(st, 1) != SQLITE_NULL || sqlite3_column_type(st, 3) != SQLITE_NULL) {
        rc = srv_err(SRV_EAUTH, "the token has been revoked");
        goto out;
    }
    *developer_id = sqlite3_column_int64(st, 2);
    {
        int64_t tid = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        st = NULL;
        /* Best effort: last_used is informational. */
        if (srv_db_prepare(&st, db, "UPDATE tokens SET last_used = ? WHERE id = ?") == SRV_OK) {
            sqlite3_bind_int64(st, 1, srv_time_now());
            sqlite3_bind_int64(st, 2, tid);
            sqlite3_step(st);
        }
    }
out:
    sqlite3_finalize(st);
    srv_db_unlock(db);
    return rc;
}
