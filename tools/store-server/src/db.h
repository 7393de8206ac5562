/*
 * The store's state in SQLite (WAL): developers, namespaces, tokens (hashed), uploads, reviews and
 * an audit log. One connection per process, serialised by a mutex; other processes (the admin
 * commands beside a running server) wait on SQLite's busy timeout.
 */
#ifndef SRV_DB_H
#define SRV_DB_H

#include <stdint.h>
#include <sqlite3.h>

#define SRV_DB_FILE           "state.db"
#define SRV_DB_SCHEMA_VERSION 2

typedef struct srv_db srv_db;

/** Opens (creating) the database, sets WAL mode and applies pending migrations. */
int srv_db_open(srv_db **out, const char *path);

void srv_db_close(srv_db *db);

/** The raw handle: use only between srv_db_lock() and srv_db_unlock(). */
sqlite3 *srv_db_handle(srv_db *db);

void srv_db_lock(srv_db *db);
void srv_db_unlock(srv_db *db);

/** Locks and starts a write transaction (BEGIN IMMEDIATE). */
int srv_db_begin(srv_db *db);
/** Commits and unlocks. */
int srv_db_commit(srv_db *db);
/** Rolls back and unlocks (safe to call after a failed statement). */
void srv_db_rollback(srv_db *db);

/** Runs SQL without results (caller holds the lock). */
int srv_db_exec(srv_db *db, const char *sql);

/** Prepares a statement (caller holds the lock). */
int srv_db_prepare(sqlite3_stmt **out, srv_db *db, const char *sql);

/** Translates a SQLite result into SRV_EDB with the database's message; SQLITE_OK/ROW/DONE pass. */
int srv_db_check(srv_db *db, int rc, const char *what);

/** @return the schema version stored in the database (PRAGMA user_version). */
int srv_db_schema_version(srv_db *db);

/**
 * Appends to the audit log (caller holds the lock, inside or outside a transaction).
 * @param actor  "admin:<user>", "developer:<name>", "server"
 */
int srv_audit(srv_db *db, const char *actor, const char *action, const char *subject,
              const char *detail);

/** @return the current time in seconds (overridable for tests with MSTORE_SERVER_NOW). */
int64_t srv_time_now(void);

#endif
