/* Translation of libcurl results into libmstore codes, split into retryable and fatal (as
 * SWUpdate's channel_map_curl_error does). */
#ifndef MSTORE_DOWNLOAD_INTERNAL_H
#define MSTORE_DOWNLOAD_INTERNAL_H

#include <stdbool.h>

#include <curl/curl.h>

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

#endif
