/*
 * mstore-server's HTTP daemon: a thread per connection (uploads block while they are checked and
 * published), idle connections closed after upload_timeout seconds, a connection limit.
 *
 *   GET/HEAD /metadata/..., /targets/...   repository files (static.c)
 *   POST     /api/v1/uploads               upload a package (bearer token; body is the .mpk)
 *   GET      /api/v1/uploads[/N]           the developer's uploads and their status
 *   GET      /api/v1/packages              the developer's published versions
 *   GET      /api/v1/health                liveness
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "devs.h"
#include "error.h"
#include "http.h"
#include "uploads.h"
#include "util.h"

struct srv_http {
    struct MHD_Daemon *daemon;
    srv_store *store;
    int port;
};

enum req_kind { REQ_OTHER, REQ_UPLOAD };

typedef struct request {
    enum req_kind kind;
    int fd;
    char tmp[PATH_MAX];
    uint64_t received;
    uint64_t declared; /* Content-Length, or UINT64_MAX */
    bool too_large;
    int64_t dev_id;
    double start;
    char claimed[65];
    bool has_claimed;
    mbedtls_sha256_context sha;
} request;

enum MHD_Result srv_http_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    struct MHD_Response *r;
    enum MHD_Result ret;
    size_t len;

    json_decref(body);
    if (!text)
        return MHD_NO;
    len = strlen(text);
    text[len] = '\n'; /* replaces the NUL: a line for curl users; MHD takes the length */
    r = MHD_create_response_from_buffer(len + 1, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"motionstore\"");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result srv_http_error(struct MHD_Connection *c, unsigned status, const char *code,
                               const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return srv_http_json(c, status, json_pack("{s:s, s:s}", "error", code, "message", msg));
}

/* The bearer token of the request, checked; queues a 401 and returns false when it fails. */
static bool authenticate(int64_t *dev_id, struct MHD_Connection *c, srv_store *s,
                         enum MHD_Result *ret)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) {
        *ret = srv_http_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                              "an Authorization: Bearer <token> header is required");
        return false;
    }
    auth += 7;
    while (*auth == ' ')
        auth++;
    if (srv_token_auth(dev_id, s->db, auth) != SRV_OK) {
        *ret = srv_http_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized", "%s", srv_errmsg());
        return false;
    }
    return true;
}

static enum MHD_Result internal_error(struct MHD_Connection *c)
{
    fprintf(stderr, "mstore-server: %s\n", srv_errmsg());
    return srv_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "%s", srv_errmsg());
}

/* First call of an upload: headers only. Either queues an early answer or prepares the file. */
static enum MHD_Result upload_begin(struct MHD_Connection *c, srv_store *s, request *req)
{
    const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *claimed = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Content-SHA256");
    enum MHD_Result ret;

    if (!authenticate(&req->dev_id, c, s, &ret))
        return ret;
    req->declared = UINT64_MAX;
    if (len) {
        char *end;
        errno = 0;
        req->declared = strtoull(len, &end, 10);
        if (errno || *end)
            return srv_http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
                                  "Content-Length: not a number");
        if (req->declared > s->cfg.max_upload)
            return srv_http_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                                  "the body is %llu bytes; the limit is %llu",
                                  (unsigned long long)req->declared,
                                  (unsigned long long)s->cfg.max_upload);
    }
    if (claimed) {
        if (strlen(claimed) != 64 || strspn(claimed, "0123456789abcdefABCDEF") != 64)
            return srv_http_error(c, MHD_HTTP_BAD_REQUEST, "bad-request",
                                  "X-Content-SHA256: must be 64 hex digits");
        memcpy(req->claimed, claimed, 65);
        req->has_claimed = true;
    }
    if (snprintf(req->tmp, sizeof(req->tmp), "%s/upload-XXXXXX", s->incoming_dir) >=
        (int)sizeof(req->tmp))
        return srv_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "path too long");
    req->fd = mkostemp(req->tmp, O_CLOEXEC);
    if (req->fd < 0) {
        req->tmp[0] = '\0';
        srv_err(SRV_EIO, "%s: %s", s->incoming_dir, strerror(errno));
        return internal_error(c);
    }
    mbedtls_sha256_init(&req->sha);
    mbedtls_sha256_starts_ret(&req->sha, 0);
    req->start = srv_now_mono();
    req->kind = REQ_UPLOAD;
    return MHD_YES;
}

/* A chunk of the body. Returning MHD_NO closes the connection (no answer can be sent mid-body). */
static enum MHD_Result upload_chunk(srv_store *s, request *req, const char *data, size_t size)
{
    double elapsed = srv_now_mono() - req->start;

    req->received += size;
    /* A client that trickles below the minimum rate holds a thread: drop it. */
    if (elapsed > s->cfg.upload_timeout && s->cfg.upload_min_rate > 0 &&
        (double)req->received / elapsed < s->cfg.upload_min_rate) {
        fprintf(stderr, "mstore-server: upload too slow (%llu bytes in %.0f s): closed\n",
                (unsigned long long)req->received, elapsed);
        return MHD_NO;
    }
    if (req->received > s->cfg.max_upload) {
        req->too_large = true;
        /* Past twice the cap the client is not listening: stop reading. */
        return req->received > 2 * s->cfg.max_upload ? MHD_NO : MHD_YES;
    }
    mbedtls_sha256_update_ret(&req->sha, (const unsigned char *)data, size);
    while (size > 0) {
        ssize_t n = write(req->fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "mstore-server: %s: %s\n", req->tmp, strerror(errno));
            return MHD_NO;
        }
        data += n;
        size -= (size_t)n;
    }
    return MHD_YES;
}

static enum MHD_Result upload_end(struct MHD_Connection *c, srv_store *s, request *req)
{
    unsigned char digest[32];
    char hex[65];
    json_t *reply = NULL;
    int status = 500, rc;

    mbedtls_sha256_finish_ret(&req->sha, digest);
    srv_hex(hex, digest, sizeof(digest));
    /* Accepted files are served as they are (hard links into the repository): world-readable. */
    if (fchmod(req->fd, 0644) < 0 || fsync(req->fd) < 0 || close(req->fd) < 0) {
        req->fd = -1;
        srv_err(SRV_EIO, "%s: %s", req->tmp, strerror(errno));
        return internal_error(c);
    }
    req->fd = -1;
    if (req->too_large || req->received == 0) {
        unlink(req->tmp); /* before answering: the client may look right after */
        req->tmp[0] = '\0';
    }
    if (req->too_large)
        return srv_http_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                              "the body is more than the limit of %llu bytes",
                              (unsigned long long)s->cfg.max_upload);
    if (req->received == 0)
        return srv_http_error(c, MHD_HTTP_BAD_REQUEST, "empty",
                              "the body is empty: send the .mpk file as the request body");
    rc = srv_upload_intake(&reply, &status, s, req->dev_id, req->tmp, req->received, hex,
                           req->has_claimed ? req->claimed : NULL);
    req->tmp[0] = '\0'; /* consumed */
    if (rc)
        return internal_error(c);
    return srv_http_json(c, (unsigned)status, reply);
}

static enum MHD_Result api_get(struct MHD_Connection *c, srv_store *s, const char *url)
{
    enum MHD_Result ret;
    json_t *out = NULL;
    int64_t dev;
    int rc;

    if (strcmp(url, "/api/v1/health") == 0)
        return srv_http_json(c, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"));
    if (!authenticate(&dev, c, s, &ret))
        return ret;
    if (strcmp(url, "/api/v1/uploads") == 0) {
        rc = srv_upload_list(&out, s, &dev, NULL);
        out = rc ? NULL : json_pack("{s:o}", "uploads", out);
    } else if (strncmp(url, "/api/v1/uploads/", 16) == 0) {
        char *end;
        long long id = strtoll(url + 16, &end, 10);
        if (*end || end == url + 16 || id <= 0)
            return srv_http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "%s: no such upload", url);
        rc = srv_upload_get(&out, s, id, &dev);
        if (rc == SRV_ENOTFOUND)
            return srv_http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "%s", srv_errmsg());
    } else if (strcmp(url, "/api/v1/packages") == 0) {
        rc = srv_developer_packages(&out, s, dev);
        out = rc ? NULL : json_pack("{s:o}", "packages", out);
    } else {
        return srv_http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "%s: no such endpoint", url);
    }
    if (rc)
        return internal_error(c);
    return srv_http_json(c, MHD_HTTP_OK, out);
}

static enum MHD_Result method_not_allowed(struct MHD_Connection *c, const char *allow,
                                          const char *method, const char *url)
{
    /* Method and path come from the request: quoted by jansson, never pasted into JSON text. */
    json_t *body =
        json_pack("{s:s, s:s++}", "error", "method", "message", method, " is not allowed on ",
                  strncmp(url, "/api/", 5) == 0 ? url : "repository files");
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct MHD_Response *r;
    enum MHD_Result ret;

    json_decref(body);
    if (!text)
        return MHD_NO;
    r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Allow", allow);
    MHD_add_response_header(r, "Content-Type", "application/json");
    ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    srv_http *http = cls;
    srv_store *s = http->store;
    request *req = *req_cls;
    bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

    if (!req) {
        req = calloc(1, sizeof(*req));
        if (!req)
            return MHD_NO;
        req->fd = -1;
        *req_cls = req;
        if (strcmp(url, "/api/v1/uploads") == 0 && strcmp(method, "POST") == 0)
            return upload_begin(c, s, req);
        if (strncmp(url, "/api/", 5) == 0) {
            if (strcmp(method, "GET") != 0)
                return method_not_allowed(
                    c, strcmp(url, "/api/v1/uploads") == 0 ? "GET, POST" : "GET", method, url);
            return api_get(c, s, url);
        }
        if (!is_get)
            return method_not_allowed(c, "GET, HEAD", method, url);
        if (strncmp(url, "/metadata/", 10) != 0 && strncmp(url, "/targets/", 9) != 0)
            return srv_http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "%s: not found", url);
        return srv_http_static(c, s, url + 1, method);
    }
    if (req->kind != REQ_UPLOAD)
        return MHD_YES; /* an answer is queued; MHD discards any body */
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return upload_chunk(s, req, upload_data, n);
    }
    return upload_end(c, s, req);
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
                      enum MHD_RequestTerminationCode toe)
{
    srv_http *http = cls;
    request *req = *req_cls;

    if (!req)
        return;
    if (req->kind == REQ_UPLOAD) {
        if (req->fd >= 0)
            close(req->fd);
        if (req->tmp[0]) {
            /* Ended before a complete body: timeout, client gone, or refused mid-body. */
            unlink(req->tmp);
            if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
                char detail[160];
                snprintf(detail, sizeof(detail), "%s after %llu bytes",
                         toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timed out"
                         : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT  ? "client closed"
                                                                       : "connection closed",
                         (unsigned long long)req->received);
                srv_db_lock(http->store->db);
                srv_audit(http->store->db, "server", "upload.abort", "", detail);
                srv_db_unlock(http->store->db);
            }
        }
        mbedtls_sha256_free(&req->sha);
    }
    free(req);
    *req_cls = NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Percent-decoding of request paths (and arguments). An encoded NUL or '/' decodes to 0x01,
 * which no valid path contains: "root.json%00.png" or "..%2f" are refused, never shortened or
 * split into segments that the checks did not see.
 */
size_t srv_http_unescape(char *s)
{
    char *r = s, *w = s;

    while (*r) {
        int hi, lo;
        if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0) {
            char v = (char)(hi << 4 | lo);
            *w++ = v == '\0' || v == '/' ? '\x01' : v;
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return srv_http_unescape(s);
}

int srv_http_start(srv_http **out, srv_store *s)
{
    srv_http *http = calloc(1, sizeof(*http));
    struct sockaddr_storage addr;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *info;

    if (!http)
        return srv_err(SRV_ENOMEM, "out of memory");
    http->store = s;
    memset(&addr, 0, sizeof(addr));
    if (strchr(s->cfg.listen, ':')) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)s->cfg.port);
        if (inet_pton(AF_INET6, s->cfg.listen, &a6->sin6_addr) != 1)
            goto bad_addr;
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)s->cfg.port);
        if (inet_pton(AF_INET, s->cfg.listen, &a4->sin_addr) != 1)
            goto bad_addr;
    }
    http->daemon = MHD_start_daemon(
        flags, (uint16_t)s->cfg.port, NULL, NULL, handler, http, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.upload_timeout, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)s->cfg.threads, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, completed, http, MHD_OPTION_END);
    if (!http->daemon) {
        free(http);
        return srv_err(SRV_EIO, "cannot listen on %s port %d (in use?)", s->cfg.listen,
                       s->cfg.port);
    }
    info = MHD_get_daemon_info(http->daemon, MHD_DAEMON_INFO_BIND_PORT);
    http->port = info ? info->port : s->cfg.port;
    *out = http;
    return SRV_OK;
bad_addr:
    free(http);
    return srv_err(SRV_EINVAL, "listen: '%s' is not an IP address", s->cfg.listen);
}

int srv_http_port(const srv_http *http)
{
    return http->port;
}

void srv_http_stop(srv_http *http)
{
    if (!http)
        return;
    MHD_stop_daemon(http->daemon);
    free(http);
}
