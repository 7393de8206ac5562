/* libcurl and HTTP status codes translated into libmstore codes: retryable or fatal. */
#include "download_internal.h"
#include "internal.h"

int mstore__map_curl_error(mstore__fetch_verdict *verdict, CURLcode rc, const char *url,
                           const char *msg)
{
    const char *detail = (msg && *msg) ? msg : curl_easy_strerror(rc);

    switch (rc) {
    /* Transient network conditions: the same mirror may work a moment later. */
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_AGAIN:
        *verdict = MSTORE__RETRY;
        return mstore__error(MSTORE_ENETWORK, "%s: %s", url, detail);
    case CURLE_OPERATION_TIMEDOUT:
        *verdict = MSTORE__RETRY;
        return mstore__error(MSTORE_ETIMEOUT, "%s: %s", url, detail);
    /* The mirror is unusable for this file; another one may do. */
    case CURLE_REMOTE_FILE_NOT_FOUND:
    case CURLE_FILE_COULDNT_READ_FILE:
        *verdict = MSTORE__NEXT_MIRROR;
        return mstore__error(MSTORE_ENOTFOUND, "%s: not found", url);
    case CURLE_FILESIZE_EXCEEDED:
        *verdict = MSTORE__NEXT_MIRROR;
        return mstore__error(MSTORE_ELENGTH, "%s: announces more bytes than allowed", url);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        *verdict = MSTORE__NEXT_MIRROR;
        return mstore__error(MSTORE_ENETWORK, "%s: TLS: %s", url, detail);
    case CURLE_OUT_OF_MEMORY:
        *verdict = MSTORE__GIVE_UP;
        return mstore__error(MSTORE_ENOMEM, "%s: out of memory", url);
    default:
        /* Malformed URLs, unsupported protocols, weird or garbage replies, too many
         * redirects, bad content encodings...: fatal for this mirror. */
        *verdict = MSTORE__NEXT_MIRROR;
        return mstore__error(MSTORE_ENETWORK, "%s: %s", url, detail);
    }
}

int mstore__map_http_status(mstore__fetch_verdict *verdict, long status, const char *url)
{
    if (status == 404 || status == 403 || status == 410) {
        *verdict = MSTORE__NEXT_MIRROR;
        return mstore__error(MSTORE_ENOTFOUND, "%s: HTTP %ld", url, status);
    }
    if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
        *verdict = MSTORE__RETRY;
        return mstore__error(MSTORE_ENETWORK, "%s: HTTP %ld", url, status);
    }
    *verdict = MSTORE__NEXT_MIRROR;
    return mstore__error(MSTORE_ENETWORK, "%s: HTTP %ld", url, status);
}
