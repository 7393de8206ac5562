/*
 * Upload checks: a valid .mpk, signed by the uploader's registered key, an id inside the
 * uploader's namespaces, valid for every robot model it claims, within the size limits. The version
 * order check needs the database and runs inside the transaction that records the upload
 * (srv_check_version). Every failed check adds a reason {"code", "message"} to a JSON array.
 */
#ifndef SRV_CHECK_H
#define SRV_CHECK_H

#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "devs.h"

typedef struct srv_check {
    int status;       /**< HTTP status for the first reason; 0 when every check passed */
    json_t *reasons;  /**< array of {"code", "message"} */
    char *package_id; /**< from the manifest, when it could be read */
    char *version;
    char *key_id;    /**< signer's key id */
    json_t *entry;   /**< catalog entry for this version, when every check passed */
    void *thumbnail; /**< the thumbnail's bytes (manifest's thumbnail), or NULL */
    size_t thumbnail_size;
} srv_check;

#define SRV_THUMBNAIL_MAX (2 * 1024 * 1024) /**< larger thumbnails are rejected */

/** Adds a reason (and sets the status if it is the first). */
void srv_check_reject(srv_check *chk, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/**
 * Checks the package file at path (size bytes, SHA-256 sha256_hex) uploaded by dev.
 * @return SRV_OK when the checks ran (see chk->status), an error when they could not run.
 */
int srv_check_package(srv_check *chk, const char *path, uint64_t size, const char *sha256_hex,
                      const srv_developer *dev, const srv_config *cfg);

/**
 * Version order: chk->version must be greater than every version of chk->package_id that is
 * published, yanked, approved or queued. Caller holds the database lock.
 */
int srv_check_version(srv_check *chk, srv_db *db);

/**
 * Ownership: a package id belongs to the developer whose upload of it was accepted (queued,
 * approved, published or yanked); another developer's upload of it is refused ("namespace"),
 * whatever namespace they were given later. Caller holds the database lock.
 */
int srv_check_owner(srv_check *chk, srv_db *db, int64_t developer_id);

void srv_check_clear(srv_check *chk);

/**
 * Motion validation for every robot model the package claims: the hook where the SDK's
 * `mpk validate` rules run (validate.c). Adds reasons with code "invalid".
 */
struct mpk_package;
int srv_validate_package(srv_check *chk, struct mpk_package *pkg);

#endif
