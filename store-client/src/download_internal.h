/* Translation of libcurl results into libmstore codes, split into retryable and fatal (as
 * SWUpdate's channel_map_curl_error does), and the file download that hands back the verified
 * file open. */
#ifndef MSTORE_DOWNLOAD_INTERNAL_H
#define MSTORE_DOWNLOAD_INTERNAL_H

#include <stdbool.h>

#include <curl/curl.h>

#include "mstore/download.h"

/** What to do after a failed attempt. */
typedef enum mstore__fetch_verdict {
    MSTORE__RETRY,       /* transient: try the same mirror again after a backoff */
    MSTORE__NEXT_MIRROR, /* this mirror cannot deliver: try the next one */
    MSTORE__GIVE_UP,     /* nothing else can succeed (local I/O, cancel, no disk space) */
} mstore__fetch_verdict;

/**
 * Maps a libcurl result to an MSTORE_* code and a verdict; sets the context message naming the
 * URL. Only called for results other than CURLE_OK.
 */
int mstore__map_curl_error(mstore__fetch_verdict *verdict, CURLcode rc, const char *url,
                           const char *curl_message);

/** Maps an HTTP status that is not a success to an MSTORE_* code and a verdict. */
int mstore__map_http_status(mstore__fetch_verdict *verdict, long status, const char *url);

/**
 * mstore_fetch_file() that also hands back the downloaded file open (keep_fd, read-write,
 * offset unspecified): the descriptor the verified bytes were written through, so that a caller
 * reads exactly those bytes and never opens the path again.
 */
int mstore__fetch_file_fd(int *keep_fd, const char *out_path, const char *const *urls,
                          size_t n_urls, uint64_t length, const mstore_hash *hashes,
                          size_t n_hashes, const mstore_fetch_options *opts);

#endif
