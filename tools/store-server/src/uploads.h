/* Taking in a received upload: checks, the database record, and publishing or queueing. */
#ifndef SRV_UPLOADS_H
#define SRV_UPLOADS_H

#include <stdint.h>

#include <jansson.h>

#include "store.h"

/**
 * Takes in the body received into tmp_path (size bytes, SHA-256 sha256_hex) from developer
 * dev_id. claimed_sha256 is the client's X-Content-SHA256 header (NULL if absent): a mismatch
 * means the body was truncated or altered on the way. tmp_path is consumed (moved or removed).
 * @param[out] reply  JSON answer for the client
 * @param[out] status HTTP status (201 published, 202 queued or still publishing, 4xx rejected)
 * @return SRV_OK when a reply was produced; an error (500) when the server itself failed.
 */
int srv_upload_intake(json_t **reply, int *status, srv_store *s, int64_t dev_id,
                      const char *tmp_path, uint64_t size, const char *sha256_hex,
                      const char *claimed_sha256);

/** One upload as JSON (for its developer, or the admin). NULL dev_id: any developer. */
int srv_upload_get(json_t **out, srv_store *s, int64_t upload_id, const int64_t *dev_id);

/** Uploads of a developer (newest first), or all when dev_id is NULL; state filter optional. */
int srv_upload_list(json_t **out, srv_store *s, const int64_t *dev_id, const char *state);

/** Published and yanked versions of a developer's packages. */
int srv_developer_packages(json_t **out, srv_store *s, int64_t dev_id);

/** Review: approve (then publish) or reject a queued upload, with a reason. */
int srv_review(srv_store *s, int64_t upload_id, bool approve, const char *reason,
               const char *reviewer);

/** Yanks a published version: it leaves the targets and the catalog at the next publish. */
int srv_yank(srv_store *s, const char *package_id, const char *version, const char *reason,
             const char *actor);

#endif
