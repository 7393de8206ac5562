/**
 * @file mstore/download.h
 * @brief Downloads over HTTP, HTTPS (and file://) with libcurl, bounded and verified.
 *
 * - Connect and stall timeouts, and a floor rate against slow retrieval (a server that sends a
 *   byte now and then never stalls); retries with exponential backoff for retryable errors only
 *   (connection refused or reset, timeouts, truncated bodies, HTTP 408, 429 and 5xx); fatal
 *   errors (HTTP 4xx, TLS verification, a wrong length or hash, malformed URLs) are not retried.
 * - A list of mirrors: each is tried in order until one delivers a verified file.
 * - Never more bytes than allowed: a larger Content-Length or body aborts the transfer.
 * - Files: hashed while downloading (every listed algorithm); a partial file is kept after a
 *   retryable failure and resumed with a Range request, and the whole file is hashed again
 *   (kept bytes + new bytes) before it is accepted; the result appears at its path atomically.
 * - Redirects are followed only to the same scheme, host and port (max_redirects).
 * - libcurl codes are translated into MSTORE_* codes with a context message naming the URL.
 */
#ifndef MSTORE_DOWNLOAD_H
#define MSTORE_DOWNLOAD_H

#include "mstore/common.h"
#include "mstore/hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Progress report: bytes of the file present so far (kept + received) and the expected total
 * (0 when unknown). Return non-zero to cancel (the call then fails with MSTORE_ECANCELED).
 */
typedef int (*mstore_progress_fn)(void *ctx, uint64_t done, uint64_t total);

typedef struct mstore_fetch_options {
    long connect_timeout_ms;    /**< TCP and TLS connect (default 15000) */
    long stall_timeout_ms;      /**< no byte for this long aborts the attempt (default 30000) */
    unsigned retries;           /**< further attempts per mirror on retryable errors (default 3) */
    long backoff_ms;            /**< wait before the first retry, doubled each time (default 500) */
    long backoff_max_ms;        /**< longest wait between retries (default 8000) */
    unsigned max_redirects;     /**< same-origin redirects followed (default 5) */
    const char *ca_file;        /**< CA bundle (PEM) to trust for HTTPS; NULL: the system's */
    const char *user_agent;     /**< NULL: "libmstore/VERSION" */
    const char *partial_path;   /**< file kept for resuming; NULL: the output path + ".part" */
    uint64_t free_space_margin; /**< bytes that must stay free besides the file (16 MiB) */
    mstore_progress_fn progress;
    void *progress_ctx;
    /** Floor rate: fewer bytes than this per second, averaged over each stall_timeout_ms window,
     *  end the attempt as a stall (default 1024; 0: only a window without any byte does). */
    uint32_t min_bytes_per_second;
} mstore_fetch_options;

/** Fills opts with the defaults above. */
MSTORE_API void mstore_fetch_options_init(mstore_fetch_options *opts);

/**
 * Downloads into memory (metadata).
 * @param urls mirrors, tried in order
 * @param max largest accepted body; MSTORE_ELIMIT beyond
 * @param opts NULL for defaults (partial_path is not used)
 * @param[out] out malloc'd body, NUL-terminated (the NUL is not counted in size)
 * @return MSTORE_OK; MSTORE_ENOTFOUND if every mirror answered 404, 403 or 410 (or the file://
 *         file is missing); MSTORE_ENETWORK, MSTORE_ETIMEOUT, MSTORE_ELIMIT, MSTORE_ECANCELED
 */
MSTORE_API MSTORE_WUR int mstore_fetch_bytes(unsigned char **out, size_t *size,
                                             const char *const *urls, size_t n_urls, size_t max,
                                             const mstore_fetch_options *opts);

/**
 * Downloads a file of known length and hashes to out_path (atomically: nothing appears there
 * unless verified). The free disk space is checked first.
 * @param length exact length; more bytes abort, fewer fail with MSTORE_ELENGTH
 * @param hashes every listed hash must match (at least one; all algorithms supported)
 * @return MSTORE_OK; MSTORE_ENOTFOUND; MSTORE_ELENGTH; MSTORE_EHASH; MSTORE_EUNSUPPORTED;
 *         MSTORE_ENOSPACE; MSTORE_ENETWORK; MSTORE_ETIMEOUT; MSTORE_ECANCELED; MSTORE_EIO
 */
MSTORE_API MSTORE_WUR int mstore_fetch_file(const char *out_path, const char *const *urls,
                                            size_t n_urls, uint64_t length,
                                            const mstore_hash *hashes, size_t n_hashes,
                                            const mstore_fetch_options *opts);

/**
 * Percent-encodes text for use in a URL path: keeps the unreserved characters (A-Z a-z 0-9
 * - . _ ~) and, when keep_slash, '/'; every other byte becomes %XX (uppercase hex). With
 * keep_slash 0 this is Python's urllib.parse.quote(text, ""), which TUF uses for role names.
 * @param[out] out malloc'd
 */
MSTORE_API MSTORE_WUR int mstore_url_encode(char **out, const char *path, int keep_slash);

#ifdef __cplusplus
}
#endif
#endif
