/**
 * @file mpk/upload.h
 * @brief Uploading a package to a Motion Store (the developer API of mstore-server), over libcurl.
 *
 * POST STORE/api/v1/uploads with the developer's bearer token; the body is the .mpk file,
 * streamed, with its SHA-256 in X-Content-SHA256 so the server can tell a truncated body from a
 * broken package. The server answers with JSON: published, queued for review, or rejected with
 * reasons. This module is the only network code of libmpk and knows nothing of TUF.
 */
#ifndef MPK_UPLOAD_H
#define MPK_UPLOAD_H

#include "mpk/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MPK_UPLOAD_REPLY_MAX (1024 * 1024) /**< largest server answer read */

/** Where and how to upload. */
typedef struct mpk_upload_options {
    const char *store_url; /**< base URL of the store ("https://store.example.com") */
    const char *token;     /**< the developer's API token ("mst_...") */
    long connect_timeout;  /**< seconds to connect (0: 15) */
    long stall_timeout;    /**< seconds without a byte moving before giving up (0: 60) */
    const char *ca_file;   /**< extra CA bundle for HTTPS, or NULL for the system's */
    /**
     * Progress (may be NULL): bytes sent so far of total. Return non-zero to cancel the upload
     * (mpk_upload() then fails with MPK_ENETWORK).
     */
    int (*progress)(void *ctx, uint64_t sent, uint64_t total);
    void *progress_ctx;
} mpk_upload_options;

/** The store's answer. */
typedef struct mpk_upload_result {
    long http_status;  /**< 201 published, 202 queued or publishing, 4xx rejected */
    int64_t upload_id; /**< the store's upload number (0 if the store gave none) */
    char *status;      /**< "published", "queued", "approved" (publishing), "rejected" */
    char *package_id;  /**< as the store read it, or NULL */
    char *version;     /**< or NULL */
    char *target;      /**< repository path of the package when accepted, or NULL */
    char **reasons;    /**< rejection reasons, "code: message" */
    size_t reason_count;
    char *body; /**< the answer as received (JSON text) */
} mpk_upload_result;

/**
 * Uploads the package at path.
 * @param[out] out the store's answer; set on MPK_OK (accepted) and on MPK_EREJECTED (the store
 *                 refused it: out->reasons say why), untouched otherwise
 * @return MPK_OK, MPK_EREJECTED, MPK_EINVAL (options), MPK_ENOTFOUND/MPK_EIO (file),
 *         MPK_ELIMIT (file larger than MPK_PACKAGE_MAX_SIZE), MPK_ENETWORK (connection, timeout,
 *         server error, or an answer that is not the store's JSON)
 */
MPK_API MPK_WUR int mpk_upload(mpk_upload_result **out, const char *path,
                               const mpk_upload_options *options);

MPK_API void mpk_upload_result_free(mpk_upload_result *result);

#ifdef __cplusplus
}
#endif
#endif
