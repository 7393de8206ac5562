/* The download engine: libcurl transfers into memory or into a resumable, hashed file, with
 * mirrors, retries, stall detection and same-origin redirects. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <curl/curl.h>

#include "digest.h"
#include "download_internal.h"
#include "internal.h"
#include "mstore/download.h"

#define ERROR_BODY_MAX (64 * 1024) /* bytes of a non-2xx body read before giving up on it */
#define WRITE_CHUNK    (64 * 1024)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void mstore_fetch_options_init(mstore_fetch_options *o)
{
    memset(o, 0, sizeof(*o));
    o->connect_timeout_ms = 15000;
    o->stall_timeout_ms = 30000;
    o->retries = 3;
    o->backoff_ms = 500;
    o->backoff_max_ms = 8000;
    o->max_redirects = 5;
    o->free_space_margin = 16u * 1024 * 1024;
    o->min_bytes_per_second = 1024;
}

int mstore_url_encode(char **out, const char *path, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len, j = 0;
    char *buf;

    if (!out || !path)
        return mstore__error(MSTORE_EINVAL, "nothing to encode");
    len = strlen(path);
    if (len > (SIZE_MAX - 1) / 3)
        return mstore__error(MSTORE_ELIMIT, "path too long");
    buf = malloc(3 * len + 1);
    if (!buf)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
            buf[j++] = (char)c;
        } else {
            buf[j++] = '%';
            buf[j++] = hex[c >> 4];
            buf[j++] = hex[c & 15];
        }
    }
    buf[j] = '\0';
    *out = buf;
    return MSTORE_OK;
}

/* ---- one transfer ---------------------------------------------------------------------------- */

typedef struct transfer {
    const mstore_fetch_options *opts;
    CURL *curl;
    const char *url;
    /* Sink: memory (mem.max is the cap) or a file descriptor. */
    bool to_file;
    mstore__buf mem;
    int fd;
    uint64_t offset;  /* bytes present in the file before this attempt */
    uint64_t written; /* bytes present in the file now */
    uint64_t max;     /* largest allowed total */
    uint64_t total;   /* expected total for progress (0: unknown) */
    mstore__digest_set *digests;
    /* Response state. */
    bool decided; /* the first body byte has been seen and the status judged */
    bool body_ok; /* 2xx body being stored */
    size_t error_body;
    char content_range[128];
    /* Our own reason to abort from a callback (MSTORE_* code with its message set). */
    int abort_error;
    /* Stall detection: no byte for a window, or fewer bytes than the floor rate asks. */
    curl_off_t last_now;
    int64_t last_change_ms;
    curl_off_t window_bytes;
    int64_t window_ms;
    bool stalled, slow;
} transfer;

static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
    transfer *t = userdata;
    size_t len = size * nitems;

    /* Each response (a redirect's, an interim one's) starts over with its status line. */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
        t->content_range[0] = '\0';
    else if (len > 14 && strncasecmp(data, "Content-Range:", 14) == 0) {
        size_t n =
            len - 14 < sizeof(t->content_range) - 1 ? len - 14 : sizeof(t->content_range) - 1;
        memcpy(t->content_range, data + 14, n);
        t->content_range[n] = '\0';
    }
    return len;
}

/* Drops every byte of the file: the server sent the whole file instead of the rest. */
static int restart_file(transfer *t)
{
    if (ftruncate(t->fd, 0) != 0 || lseek(t->fd, 0, SEEK_SET) != 0)
        return mstore__error(MSTORE_EIO, "cannot truncate partial file: %s", strerror(errno));
    t->offset = 0;
    t->written = 0;
    return mstore__digest_set_restart(t->digests);
}

/* Judges the response when its first body byte arrives. */
static int decide(transfer *t)
{
    long status = 0;

    t->decided = true;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    /* file:// has no status; HTTP 2xx only. */
    t->body_ok = status == 0 || (status >= 200 && status < 300);
    if (t->body_ok && !t->to_file) {
        /* A known length is allocated once instead of by doubling (big targets metadata). */
        curl_off_t length = -1;
        curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
        if (length > 0 && (uint64_t)length <= t->max)
            return mstore__buf_reserve(&t->mem, (size_t)length);
        return MSTORE_OK;
    }
    if (!t->body_ok)
        return MSTORE_OK;
    if (t->offset > 0 && status == 206) {
        unsigned long long start = 0;
        if (sscanf(t->content_range, " bytes %llu-", &start) != 1 || start != t->offset)
            return mstore__error(MSTORE_ENETWORK, "%s: Content-Range '%s' does not resume at %llu",
                                 t->url, t->content_range, (unsigned long long)t->offset);
    } else if (t->offset > 0 && status != 0) {
        return restart_file(t); /* 200: the whole file again */
    }
    return MSTORE_OK;
}

static int store(transfer *t, const char *data, size_t len)
{
    if (len > t->max || t->written > t->max - len)
        return mstore__error(t->to_file ? MSTORE_ELENGTH : MSTORE_ELIMIT,
                             "%s: more than %llu bytes", t->url, (unsigned long long)t->max);
    if (!t->to_file) {
        int error = mstore__buf_append(&t->mem, data, len);
        if (error == MSTORE_OK)
            t->written += len;
        return error;
    }
    for (size_t done = 0; done < len;) {
        ssize_t n = write(t->fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return mstore__error(errno == ENOSPC ? MSTORE_ENOSPACE : MSTORE_EIO,
                                 "writing partial file: %s", strerror(errno));
        done += (size_t)n;
    }
    mstore__digest_set_update(t->digests, data, len);
    t->written += len;
    return MSTORE_OK;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    transfer *t = userdata;
    size_t len = size * nmemb;
    int error;

    if (!t->decided && (error = decide(t)) < 0) {
        t->abort_error = error;
        return CURL_WRITEFUNC_ERROR;
    }
    if (!t->body_ok) {
        /* Error and redirect bodies are read and dropped, within a bound. */
        t->error_body += len;
        if (t->error_body > ERROR_BODY_MAX) {
            t->abort_error = mstore__error(MSTORE_ENETWORK, "%s: error body too long", t->url);
            return CURL_WRITEFUNC_ERROR;
        }
        return len;
    }
    if ((error = store(t, data, len)) < 0) {
        t->abort_error = error;
        return CURL_WRITEFUNC_ERROR;
    }
    return len;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    transfer *t = userdata;
    int64_t now = mstore__now_ms();

    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    if (dlnow != t->last_now) {
        t->last_now = dlnow;
        t->last_change_ms = now;
    } else if (now - t->last_change_ms > t->opts->stall_timeout_ms) {
        t->stalled = true;
        return 1;
    }
    /* Slow retrieval: each window must bring the floor rate's worth of bytes. */
    if (now - t->window_ms >= t->opts->stall_timeout_ms && t->opts->stall_timeout_ms > 0) {
        uint64_t got = (uint64_t)(dlnow - t->window_bytes);
        if (got * 1000 < (uint64_t)t->opts->min_bytes_per_second * (uint64_t)(now - t->window_ms)) {
            t->stalled = t->slow = true;
            return 1;
        }
        t->window_ms = now;
        t->window_bytes = dlnow;
    }
    if (t->opts->progress && t->body_ok &&
        t->opts->progress(t->opts->progress_ctx, t->written, t->total) != 0) {
        t->abort_error = mstore__error(MSTORE_ECANCELED, "%s: canceled", t->url);
        return 1;
    }
    return 0;
}

/* Compares scheme, host and port of two URLs. */
static bool same_origin(const char *a, const char *b)
{
    CURLU *ua = curl_url(), *ub = curl_url();
    CURLUPart ids[] = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT};
    bool same = ua && ub && curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
                curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK;

    for (size_t i = 0; same && i < 3; i++) {
        char *pa = NULL, *pb = NULL;
        unsigned flags = ids[i] == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0;
        same = curl_url_get(ua, ids[i], &pa, flags) == CURLUE_OK &&
               curl_url_get(ub, ids[i], &pb, flags) == CURLUE_OK && strcasecmp(pa, pb) == 0;
        curl_free(pa);
        curl_free(pb);
    }
    curl_url_cleanup(ua);
    curl_url_cleanup(ub);
    return same;
}

/* One request to one URL (following same-origin redirects). */
static int attempt(transfer *t, mstore__fetch_verdict *verdict)
{
    char errbuf[CURL_ERROR_SIZE];
    char *url = mstore__strdup(t->url), *next = NULL;
    const char *orig = t->url;
    unsigned redirects = 0;
    int error = MSTORE_OK;

    if (!url)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    for (;;) {
        CURLcode rc;
        long status = 0;

        t->url = url;
        t->decided = false;
        t->body_ok = false;
        t->error_body = 0;
        t->content_range[0] = '\0';
        t->abort_error = MSTORE_OK;
        t->stalled = t->slow = false;
        t->last_now = -1;
        t->last_change_ms = t->window_ms = mstore__now_ms();
        t->window_bytes = 0;
        t->offset = t->written;
        errbuf[0] = '\0';
        curl_easy_setopt(t->curl, CURLOPT_URL, url);
        curl_easy_setopt(t->curl, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(t->curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)t->offset);
        /* The total, not the rest: a server answering a resume with the whole file (200) must
         * reach the restart below; on_body enforces the exact bound on the bytes kept. */
        curl_easy_setopt(t->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max);
        rc = curl_easy_perform(t->curl);
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);

        if (t->abort_error < 0) {
            error = t->abort_error;
            *verdict = (error == MSTORE_EIO || error == MSTORE_ENOSPACE ||
                        error == MSTORE_ECANCELED || error == MSTORE_ENOMEM)
                           ? MSTORE__GIVE_UP
                           : MSTORE__NEXT_MIRROR;
            break;
        }
        if (t->stalled) {
            error = t->slow ? mstore__error(MSTORE_ETIMEOUT,
                                            "%s: slower than %lu bytes/s for %ld ms (slow "
                                            "retrieval)",
                                            url, (unsigned long)t->opts->min_bytes_per_second,
                                            t->opts->stall_timeout_ms)
                            : mstore__error(MSTORE_ETIMEOUT, "%s: no data for %ld ms", url,
                                            t->opts->stall_timeout_ms);
            *verdict = MSTORE__RETRY;
            break;
        }
        if (rc == CURLE_RANGE_ERROR && t->to_file && t->offset > 0) {
            /* The server cannot resume: start from the first byte. */
            if ((error = restart_file(t)) < 0) {
                *verdict = MSTORE__GIVE_UP;
                break;
            }
            continue;
        }
        if (rc == CURLE_FILESIZE_EXCEEDED && !t->to_file) {
            error = mstore__error(MSTORE_ELIMIT, "%s: announces more than %llu bytes", url,
                                  (unsigned long long)t->max);
            *verdict = MSTORE__NEXT_MIRROR;
            break;
        }
        if (rc != CURLE_OK) {
            error = mstore__map_curl_error(verdict, rc, url, errbuf);
            break;
        }
        if (status >= 300 && status < 400) {
            char *target = NULL;
            curl_easy_getinfo(t->curl, CURLINFO_REDIRECT_URL, &target);
            if (!target) {
                error =
                    mstore__error(MSTORE_ENETWORK, "%s: HTTP %ld without a location", url, status);
                *verdict = MSTORE__NEXT_MIRROR;
                break;
            }
            if (!same_origin(orig, target)) {
                error = mstore__error(MSTORE_ENETWORK, "%s: redirect to another host refused: %s",
                                      url, target);
                *verdict = MSTORE__NEXT_MIRROR;
                break;
            }
            if (++redirects > t->opts->max_redirects) {
                error = mstore__error(MSTORE_ENETWORK, "%s: more than %u redirects", orig,
                                      t->opts->max_redirects);
                *verdict = MSTORE__NEXT_MIRROR;
                break;
            }
            next = mstore__strdup(target);
            if (!next) {
                error = mstore__error(MSTORE_ENOMEM, "out of memory");
                *verdict = MSTORE__GIVE_UP;
                break;
            }
            free(url);
            url = next;
            next = NULL;
            continue;
        }
        if (status == 416 && t->to_file && t->offset > 0) {
            if ((error = restart_file(t)) < 0) {
                *verdict = MSTORE__GIVE_UP;
                break;
            }
            continue;
        }
        if (status != 0 && (status < 200 || status >= 300)) {
            error = mstore__map_http_status(verdict, status, url);
            break;
        }
        if (!t->decided && (error = decide(t)) < 0) { /* an empty body */
            *verdict = MSTORE__NEXT_MIRROR;
            break;
        }
        error = MSTORE_OK;
        break;
    }
    t->url = orig;
    free(url);
    return error;
}

static CURL *new_handle(transfer *t)
{
    CURL *c = curl_easy_init();
    const mstore_fetch_options *o = t->opts;
    char ua[64];

    if (!c)
        return NULL;
    snprintf(ua, sizeof(ua), "libmstore/%s", mstore_version());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (o->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : ua);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
    return c;
}

/* Runs attempts over mirrors and retries. reset() is called before each mirror's first attempt
 * of a memory transfer (a file transfer keeps its bytes: any mirror may continue them). */
/* Which failure to report when no mirror delivered: a wrong content (an attack or a broken
 * mirror) first, then "not found" (a reachable mirror does not have it: the end of a root
 * chain), then transport errors. */
static int rank(int error)
{
    switch (error) {
    case MSTORE_EHASH:
    case MSTORE_ELENGTH:
    case MSTORE_ELIMIT:
        return 3;
    case MSTORE_ENOTFOUND:
        return 2;
    default:
        return 1;
    }
}

static int run(transfer *t, const char *const *urls, size_t n_urls,
               int (*check)(transfer *t, mstore__fetch_verdict *verdict))
{
    int error = MSTORE_ENOTFOUND, reported = MSTORE_OK;
    char message[1024] = "";

    if (n_urls == 0)
        return mstore__error(MSTORE_EINVAL, "no URL to download from");
    for (size_t m = 0; m < n_urls; m++) {
        long backoff = t->opts->backoff_ms;
        mstore__fetch_verdict verdict = MSTORE__NEXT_MIRROR;

        t->url = urls[m];
        for (unsigned a = 0;; a++) {
            if (!t->to_file) {
                mstore__buf_free(&t->mem);
                t->written = 0;
            }
            error = attempt(t, &verdict);
            if (error == MSTORE_OK && check)
                error = check(t, &verdict);
            if (error == MSTORE_OK)
                return MSTORE_OK;
            if (verdict != MSTORE__RETRY || a >= t->opts->retries)
                break;
            mstore__sleep_ms(backoff);
            backoff = backoff * 2 > t->opts->backoff_max_ms ? t->opts->backoff_max_ms : backoff * 2;
        }
        if (verdict == MSTORE__GIVE_UP)
            return error;
        if (reported == MSTORE_OK || rank(error) > rank(reported)) {
            reported = error;
            snprintf(message, sizeof(message), "%s", mstore_error_message());
        }
    }
    return mstore__error(reported, "%s", message);
}

static int setup(transfer *t, const mstore_fetch_options *opts, mstore_fetch_options *defaults)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return mstore__error(MSTORE_ERROR, "libcurl failed to initialise");
    if (!opts) {
        mstore_fetch_options_init(defaults);
        opts = defaults;
    }
    t->opts = opts;
    t->fd = -1;
    t->curl = new_handle(t);
    if (!t->curl)
        return mstore__error(MSTORE_ENOMEM, "cannot create a libcurl handle");
    return MSTORE_OK;
}

int mstore_fetch_bytes(unsigned char **out, size_t *size, const char *const *urls, size_t n_urls,
                       size_t max, const mstore_fetch_options *opts)
{
    mstore_fetch_options defaults;
    transfer t = {0};
    int error;

    if (!out || !urls)
        return mstore__error(MSTORE_EINVAL, "no URL");
    if ((error = setup(&t, opts, &defaults)) < 0)
        return error;
    mstore__buf_init(&t.mem, max);
    t.max = max;
    error = run(&t, urls, n_urls, NULL);
    curl_easy_cleanup(t.curl);
    if (error < 0) {
        mstore__buf_free(&t.mem);
        return error;
    }
    *out = (unsigned char *)mstore__buf_take(&t.mem, size);
    if (!*out)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

/* After a complete transfer: exact length and every hash, else the bytes are dropped. */
static int check_file(transfer *t, mstore__fetch_verdict *verdict)
{
    bool resumed = t->offset > 0;
    int error = MSTORE_OK;

    if (t->written != t->max)
        error = mstore__error(MSTORE_ELENGTH, "%s: %llu bytes, expected %llu", t->url,
                              (unsigned long long)t->written, (unsigned long long)t->max);
    else
        error = mstore__digest_set_check(t->digests, t->url);
    if (error == MSTORE_OK)
        return MSTORE_OK;
    if (restart_file(t) < 0) {
        *verdict = MSTORE__GIVE_UP;
        return error;
    }
    /* Bytes kept from an earlier attempt may be the bad ones: one more try from scratch. */
    *verdict = resumed ? MSTORE__RETRY : MSTORE__NEXT_MIRROR;
    return error;
}

static int check_space(const char *path, uint64_t need, uint64_t margin)
{
    char copy[PATH_MAX];
    struct statvfs st;
    uint64_t avail;

    if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
        return mstore__error(MSTORE_EINVAL, "%s: path too long", path);
    if (statvfs(dirname(copy), &st) != 0)
        return mstore__error(MSTORE_EIO, "%s: statvfs: %s", path, strerror(errno));
    avail = (uint64_t)st.f_bavail * st.f_frsize;
    if (avail < need || avail - need < margin)
        return mstore__error(MSTORE_ENOSPACE, "%s: %llu bytes needed (plus %llu spare), %llu free",
                             path, (unsigned long long)need, (unsigned long long)margin,
                             (unsigned long long)avail);
    return MSTORE_OK;
}

/* Hashes the bytes already in the partial file, so the final check covers the whole file. */
static int absorb_existing(transfer *t)
{
    unsigned char *buf = malloc(WRITE_CHUNK);
    uint64_t done = 0;
    int error = MSTORE_OK;

    if (!buf)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    if (lseek(t->fd, 0, SEEK_SET) != 0)
        error = mstore__error(MSTORE_EIO, "partial file: %s", strerror(errno));
    while (error == MSTORE_OK && done < t->written) {
        ssize_t n = read(t->fd, buf, WRITE_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            error = mstore__error(MSTORE_EIO, "partial file: short read");
            break;
        }
        mstore__digest_set_update(t->digests, buf, (size_t)n);
        done += (uint64_t)n;
    }
    free(buf);
    if (error == MSTORE_OK && lseek(t->fd, (off_t)t->written, SEEK_SET) < 0)
        error = mstore__error(MSTORE_EIO, "partial file: %s", strerror(errno));
    return error;
}

int mstore_fetch_file(const char *out_path, const char *const *urls, size_t n_urls, uint64_t length,
                      const mstore_hash *hashes, size_t n_hashes, const mstore_fetch_options *opts)
{
    return mstore__fetch_file_fd(NULL, out_path, urls, n_urls, length, hashes, n_hashes, opts);
}

int mstore__fetch_file_fd(int *keep_fd, const char *out_path, const char *const *urls,
                          size_t n_urls, uint64_t length, const mstore_hash *hashes,
                          size_t n_hashes, const mstore_fetch_options *opts)
{
    mstore_fetch_options defaults;
    mstore__digest_set digests = {0};
    transfer t = {0};
    char *partial = NULL;
    struct stat st;
    bool keep_partial = false;
    int error;

    if (!out_path || !urls || !hashes || n_hashes == 0)
        return mstore__error(MSTORE_EINVAL, "a file download needs a path, URLs and hashes");
    if (length > (uint64_t)INT64_MAX)
        return mstore__error(MSTORE_EINVAL, "length out of range");
    if ((error = mstore__digest_set_init(&digests, hashes, n_hashes)) < 0)
        return mstore__error_prefix(error, "%s", out_path);
    if ((error = setup(&t, opts, &defaults)) < 0)
        goto out;
    t.to_file = true;
    t.digests = &digests;
    t.max = length;
    t.total = length;
    partial = t.opts->partial_path ? mstore__strdup(t.opts->partial_path)
                                   : mstore__asprintf("%s.part", out_path);
    if (!partial) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    t.fd = open(partial, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (t.fd < 0 || fstat(t.fd, &st) != 0) {
        error = mstore__error(MSTORE_EIO, "%s: %s", partial, strerror(errno));
        goto out;
    }
    t.written = (uint64_t)st.st_size;
    if (t.written > length && (error = restart_file(&t)) < 0)
        goto out;
    if ((error = absorb_existing(&t)) < 0)
        goto out;
    if ((error = check_space(partial, length - t.written, t.opts->free_space_margin)) < 0)
        goto out;
    if (t.written == length) {
        /* A complete partial file from an interrupted run: accept it if it verifies. */
        mstore__fetch_verdict verdict;
        if (check_file(&t, &verdict) == MSTORE_OK)
            goto commit;
    }
    error = run(&t, urls, n_urls, check_file);
    if (error < 0) {
        /* Keep the bytes for a later resume only after a transient failure. */
        keep_partial = t.written > 0 && (error == MSTORE_ENETWORK || error == MSTORE_ETIMEOUT ||
                                         error == MSTORE_ECANCELED);
        goto out;
    }
commit:
    if (fsync(t.fd) != 0) {
        error = mstore__error(MSTORE_EIO, "%s: fsync: %s", partial, strerror(errno));
        goto out;
    }
    if (rename(partial, out_path) != 0) {
        error = mstore__error(MSTORE_EIO, "%s: rename: %s", out_path, strerror(errno));
        goto out;
    }
    if ((error = mstore__fsync_parent(out_path)) == MSTORE_OK && keep_fd) {
        *keep_fd = t.fd;
        t.fd = -1;
    }
out:
    if (t.fd >= 0)
        close(t.fd);
    if (error < 0 && partial && !keep_partial)
        unlink(partial);
    if (t.curl)
        curl_easy_cleanup(t.curl);
    mstore__digest_set_free(&digests);
    free(partial);
    return error;
}
