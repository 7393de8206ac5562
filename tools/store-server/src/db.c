/* SQLite state: opening, WAL, migrations, transactions, audit log. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "error.h"

struct srv_db {
    sqlite3 *handle;
    pthread_mutex_t mutex;
};

/*
 * Migrations, applied in order; migration i brings the schema to version i + 1. Never edit a
 * migration that has shipped: add a new one.
 */
static const char *const migrations[] = {
    /* 1: the first schema. */
    "CREATE TABLE developers ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  key_id TEXT NOT NULL,"
    "  public_key TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  removed INTEGER);"
    "CREATE TABLE namespaces ("
    "  developer_id INTEGER NOT NULL REFERENCES developers(id),"
    "  pattern TEXT NOT NULL UNIQUE);"
    "CREATE TABLE tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  developer_id INTEGER NOT NULL REFERENCES developers(id),"
    "  hash TEXT NOT NULL UNIQUE,"
    "  label TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL,"
    "  revoked INTEGER,"
    "  last_used INTEGER);"
    "CREATE TABLE uploads ("
    "  id INTEGER PRIMARY KEY,"
    "  developer_id INTEGER NOT NULL REFERENCES developers(id),"
    "  package_id TEXT,"
    "  version TEXT,"
    "  size INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  key_id TEXT,"
    "  state TEXT NOT NULL CHECK (state IN"
    "    ('rejected', 'queued', 'approved', 'published', 'yanked')),"
    "  reasons TEXT,"
    "  entry TEXT,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  published INTEGER);"
    /* A version, once queued or published, is never taken again (not even after a yank). */
    "CREATE UNIQUE INDEX uploads_version ON uploads(package_id, version)"
    "  WHERE state IN ('queued', 'approved', 'published', 'yanked');"
    "CREATE INDEX uploads_state ON uploads(state);"
    "CREATE INDEX uploads_developer ON uploads(developer_id);"
    "CREATE TABLE reviews ("
    "  id INTEGER PRIMARY KEY,"
    "  upload_id INTEGER NOT NULL REFERENCES uploads(id),"
    "  decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  reviewer TEXT NOT NULL,"
    "  time INTEGER NOT NULL);"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  time INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  subject TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '');"
    /* generation counts changes to the published set; synced is the generation the repository
     * was last written for. They differ after a crash between the two: the next sync repairs. */
    "CREATE TABLE repo ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  generation INTEGER NOT NULL,"
    "  synced INTEGER NOT NULL);"
    "INSERT INTO repo VALUES (1, 1, 0);",
    /* 2: each version's catalog text, made once when the upload is accepted (catalog.h). */
    "ALTER TABLE uploads ADD COLUMN catalog_version TEXT;"
    "ALTER TABLE uploads ADD COLUMN catalog_package TEXT;",
};

int64_t srv_time_now(void)
{
    const char *fake = getenv("MSTORE_SERVER_NOW");

    if (fake && *fake)
        return strtoll(fake, NULL, 10);
    return (int64_t)time(NULL);
}

int srv_db_check(srv_db *db, int rc, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
        return SRV_OK;
    if (rc == SQLITE_CONSTRAINT)
        return srv_err(SRV_EEXISTS, "%s: %s", what, sqlite3_errmsg(db->handle));
    return srv_err(SRV_EDB, "%s: %s", what, sqlite3_errmsg(db->handle));
}

sqlite3 *srv_db_handle(srv_db *db)
{
    return db->handle;
}

void srv_db_lock(srv_db *db)
{
    pthread_mutex_lock(&db->mutex);
}

void srv_db_unlock(srv_db *db)
{
    pthread_mutex_unlock(&db->mutex);
}

int srv_db_exec(srv_db *db, const char *sql)
{
    return srv_db_check(db, sqlite3_exec(db->handle, sql, NULL, NULL, NULL), "database");
}

int srv_db_prepare(sqlite3_stmt **out, srv_db *db, const char *sql)
{
    return srv_db_check(db, sqlite3_prepare_v2(db->handle, sql, -1, out, NULL), "database");
}

int srv_db_begin(srv_db *db)
{
    int rc;

    srv_db_lock(db);
    rc = srv_db_exec(db, "BEGIN IMMEDIATE");
    if (rc)
        srv_db_unlock(db);
    return rc;
}

int srv_db_commit(srv_db *db)
{
    int rc = srv_db_exec(db, "COMMIT");

    if (rc)
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
    srv_db_unlock(db);
    return rc;
}

void srv_db_rollback(srv_db *db)
{
    if (!sqlite3_get_autocommit(db->handle))
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
    srv_db_unlock(db);
}

int srv_db_schema_version(srv_db *db)
{
    sqlite3_stmt *st = NULL;
    int v = -1;

    if (sqlite3_prepare_v2(db->handle, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int migrate(srv_db *db, const char *path)
{
    int count = (int)(sizeof(migrations) / sizeof(migrations[0]));
    int version, rc;
    char pragma[64];

    if ((rc = srv_db_exec(db, "BEGIN IMMEDIATE")))
        return rc;
    version = srv_db_schema_version(db);
    if (version < 0 || version > count) {
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
        return srv_err(SRV_EDB, "%s: schema version %d is newer than this program knows (%d)", path,
                       version, count);
    }
    for (; version < count; version++) {
        rc = srv_db_exec(db, migrations[version]);
        if (rc) {
            sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
            return srv_err_prefix(rc, "%s: migration %d", path, version + 1);
        }
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version + 1);
        if ((rc = srv_db_exec(db, pragma))) {
            sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    if ((rc = srv_db_exec(db, "COMMIT")))
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int srv_db_open(srv_db **out, const char *path)
{
    srv_db *db = calloc(1, sizeof(*db));
    int rc;

    if (!db)
        return srv_err(SRV_ENOMEM, "out of memory");
    pthread_mutex_init(&db->mutex, NULL);
    if (sqlite3_open_v2(path, &db->handle,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        rc = srv_err(SRV_EDB, "%s: %s", path,
                     db->handle ? sqlite3_errmsg(db->handle) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(db->handle, 10000);
    /* WAL lets readers (the admin commands) run beside the server's writer; FULL sync makes a
     * committed transaction survive a power cut. */
    if ((rc = srv_db_exec(db, "PRAGMA journal_mode = WAL")) ||
        (rc = srv_db_exec(db, "PRAGMA synchronous = FULL")) ||
        (rc = srv_db_exec(db, "PRAGMA foreign_keys = ON"))) {
        srv_err_prefix(rc, "%s", path);
        goto fail;
    }
    if ((rc = migrate(db, path)))
        goto fail;
    *out = db;
    return SRV_OK;
fail:
    srv_db_close(db);
    return rc;
}

void srv_db_close(srv_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->handle);
    pthread_mutex_destroy(&db->mutex);
    free(db);
}

int srv_audit(srv_db *db, const char *actor, const char *action, const char *subject,
              const char *detail)
{
    sqlite3_stmt *st = NULL;
    int rc;

    rc = srv_db_prepare(&st, db,
                        "INSERT INTO audit (time, actor, action, subject, detail) "
                        "VALUES (?, ?, ?, ?, ?)");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, srv_time_now());
    sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, subject ? subject : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, detail ? detail : "", -1, SQLITE_TRANSIENT);
    rc = srv_db_check(db, sqlite3_step(st), "audit log");
    sqlite3_finalize(st);
    return rc;
}
