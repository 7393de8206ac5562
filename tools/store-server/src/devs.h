/* Developers (name, public key, namespaces) and their API tokens, stored hashed. */
#ifndef SRV_DEVS_H
#define SRV_DEVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db.h"

#define SRV_TOKEN_PREFIX "mst_"
#define SRV_TOKEN_MAX    128 /**< longest bearer token read from a request */

typedef struct srv_developer {
    int64_t id;
    char *name;
    char *key_id;      /**< hex SHA-256 of the DER public key (libmpk's key id) */
    char **namespaces; /**< patterns: "com.example.*" or an exact id */
    size_t namespace_count;
} srv_developer;

/**
 * Registers a developer with the public key in pubkey_path (PEM) and namespaces
 * ("com.example.*" covers com.example.wave and deeper ids; without "*", exactly that id).
 * Fails with SRV_EEXISTS for a taken name or a namespace that overlaps one another active
 * developer holds (srv_namespace_overlap).
 */
int srv_dev_add(srv_db *db, const char *name, const char *pubkey_path,
                const char *const *namespaces, size_t namespace_count, const char *actor);

/** Removes a developer: marks them removed and revokes every token. Published packages stay. */
int srv_dev_remove(srv_db *db, const char *name, const char *actor);

/** Loads an active developer by id. */
int srv_dev_get(srv_developer **out, srv_db *db, int64_t id);

/** JSON array of developers with namespaces, key ids and token counts. */
int srv_dev_list(json_t **out, srv_db *db);

void srv_dev_free(srv_developer *dev);

/** @return true when id lies in the namespace pattern. */
bool srv_namespace_match(const char *pattern, const char *id);

/**
 * @return true when two valid patterns share an id: equal, one wildcard covering the other's
 * ids ("com.*" and "com.example.*"), or a wildcard covering an exact id.
 */
bool srv_namespace_overlap(const char *a, const char *b);

/** @return true for a valid namespace pattern ("com.example.*" or a package id). */
bool srv_namespace_valid(const char *pattern);

/**
 * Issues a new token for an active developer. The token text is shown once; only its SHA-256 is
 * stored. @param[out] token malloc'd "mst_<48 hex>" @param[out] token_id row id (for revoke)
 */
int srv_token_issue(char **token, int64_t *token_id, srv_db *db, const char *developer,
                    const char *label, const char *actor);

/** Revokes a token by id. */
int srv_token_revoke(srv_db *db, int64_t token_id, const char *actor);

/** JSON array of tokens (never the secret): id, developer, label, created, revoked, last used. */
int srv_token_list(json_t **out, srv_db *db);

/**
 * Checks a bearer token. @param[out] developer_id the active developer it belongs to
 * @return SRV_EAUTH with a reason for an unknown, revoked or removed-developer token.
 */
int srv_token_auth(int64_t *developer_id, srv_db *db, const char *token);

#endif
