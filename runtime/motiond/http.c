/* The HTTP layer (http.h). */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "upload.h"
#include "util.h"

#define STACK_SIZE         (256 * 1024) /* connection threads (memory may be locked) */
#define CONNECTION_TIMEOUT 60           /* s without traffic (event streams send keep-alives) */
#define POST_BUFFER        (64 * 1024)
#define HOLD_MAX           (64 * 1024) /* a refused body up to this size is read before answering */

struct md_http {
    md_daemon *d;
    struct MHD_Daemon *mhd;
    int fd;
    bool local;
};

typedef struct conn_ctx {
    md_http_req req;
    struct MHD_PostProcessor *post;
} conn_ctx;

/* ---- listening sockets ---------------------------------------------------------------------- */

int md_listen_tcp(const char *addr, int port, int *bound, char *err, size_t err_size)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, one = 1, family = strchr(addr, ':') ? AF_INET6 : AF_INET;

    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, addr, &in->sin_addr);
        len = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, addr, &in6->sin6_addr);
        len = sizeof(*in6);
    }
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 128) != 0) {
        snprintf(err, err_size, "%s port %d: %s", addr, port, strerror(errno));
        close(fd);
        return -1;
    }
    len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *bound = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                     : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

int md_listen_unix(const char *path, char *err, size_t err_size)
{
    struct sockaddr_un un;
    struct stat st;
    int fd;

    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(un.sun_path)) {
        snprintf(err, err_size, "%s: longer than %zu bytes", path, sizeof(un.sun_path) - 1);
        return -1;
    }
    memcpy(un.sun_path, path, strlen(path) + 1);
    /* A socket file left by a killed predecessor is replaced; anything else is not touched. */
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, err_size, "%s: exists and is not a socket", path);
            return -1;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&un, sizeof(un)) == 0) {
            close(probe);
            snprintf(err, err_size, "%s: another motiond is listening there", path);
            return -1;
        }
        if (probe >= 0)
            close(probe);
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&un, sizeof(un)) != 0 || chmod(path, 0660) != 0 ||
        listen(fd, 64) != 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- answers -------------------------------------------------------------------------------- */

static void common_headers(md_http_req *r, struct MHD_Response *resp)
{
    const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");

    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    /* Only an allowed foreign origin gets here with an Origin header that is not our own. */
    if (origin && r->d) {
        for (int i = 0; i < r->d->cfg->n_allowed_origins; i++)
            if (strcmp(origin, r->d->cfg->allowed_origins[i]) == 0) {
                MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
                MHD_add_response_header(resp, "Vary", "Origin");
            }
    }
}

void md_reply_response(md_http_req *r, int status, struct MHD_Response *resp)
{
    if (r->answered) {
        MHD_destroy_response(resp);
        return;
    }
    common_headers(r, resp);
    if (r->hold) {
        /* A refusal made on the headers of a request whose (small) body is still coming: the
         * body is read and dropped first, so that the client, still sending, gets the answer
         * instead of a connection closed under it. */
        r->held = resp;
        r->held_status = status;
        r->answered = true;
        r->status = status;
        return;
    }
    MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    r->answered = true;
    r->status = status;
}

void md_reply_bytes(md_http_req *r, int status, const char *type, const void *data, size_t size,
                    bool must_free, bool cacheable)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        size, (void *)data, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);

    if (!resp)
        return;
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", cacheable ? "no-cache" : "no-store");
    md_reply_response(r, status, resp);
}

void md_reply_json(md_http_req *r, int status, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    size_t n;

    json_decref(v);
    if (!text)
        text = strdup("{\"error\":\"internal\",\"message\":\"out of memory\"}");
    if (!text)
        return;
    n = strlen(text);
    text[n] = '\n'; /* the terminating NUL becomes a final newline: easier on a terminal */
    md_reply_bytes(r, status, "application/json; charset=utf-8", text, n + 1, true, false);
}

void md_reply_error(md_http_req *r, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    md_reply_json(r, status, json_pack("{s:s, s:s}", "error", code, "message", msg));
}

static void reply_error_extra(md_http_req *r, int status, const char *code, const char *msg,
                              const char *header, const char *value)
{
    json_t *v = json_pack("{s:s, s:s}", "error", code, "message", msg);
    char *text = json_dumps(v, JSON_COMPACT);
    struct MHD_Response *resp;

    json_decref(v);
    if (!text)
        return;
    resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        return;
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (header)
        MHD_add_response_header(resp, header, value);
    md_reply_response(r, status, resp);
}

/* ---- routing -------------------------------------------------------------------------------- */

static int unhex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Matches a path against a pattern; '*' takes one percent-decoded segment into arg. */
static bool match(const char *pattern, const char *path, char *arg, size_t arg_size)
{
    while (*pattern) {
        if (*pattern == '*') {
            size_t n = 0;
            while (*path && *path != '/') {
                char c = *path++;
                if (c == '%') {
                    int hi = unhex(path[0]), lo = hi >= 0 ? unhex(path[1]) : -1;
                    if (lo < 0)
                        return false;
                    c = (char)(hi * 16 + lo);
                    path += 2;
                }
                if (c == '\0' || c == '/' || n + 1 >= arg_size)
                    return false;
                arg[n++] = c;
            }
            if (n == 0)
                return false;
            arg[n] = '\0';
            pattern++;
            continue;
        }
        if (*pattern++ != *path++)
            return false;
    }
    return *path == '\0';
}

/* The route for method and path; *path_known tells a 405 from a 404. */
static const md_route *find_route(const char *method, const char *path, char *arg, size_t arg_size,
                                  bool *path_known, char *allow, size_t allow_size)
{
    const md_route *found = NULL;
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;

    *path_known = false;
    allow[0] = '\0';
    for (size_t i = 0; i < md_route_count; i++) {
        char tmp[256];
        if (!match(md_routes[i].path, path, tmp, sizeof(tmp)))
            continue;
        *path_known = true;
        snprintf(allow + strlen(allow), allow_size - strlen(allow), "%s%s%s", *allow ? ", " : "",
                 md_routes[i].method, strcmp(md_routes[i].method, "GET") == 0 ? ", HEAD" : "");
        if (!found && strcmp(md_routes[i].method, m) == 0) {
            found = &md_routes[i];
            snprintf(arg, arg_size, "%s", tmp);
        }
    }
    return found;
}

static bool origin_allowed(md_http_req *r, const char *origin)
{
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
    char own[300];

    if (host) {
        snprintf(own, sizeof(own), "http://%s", host);
        if (strcmp(origin, own) == 0)
            return true;
    }
    for (int i = 0; i < r->d->cfg->n_allowed_origins; i++)
        if (strcmp(origin, r->d->cfg->allowed_origins[i]) == 0)
            return true;
    return false;
}

static void client_address(md_http_req *r, bool local)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    snprintf(r->addr, sizeof(r->addr), "local");
    if (local || !sa)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->addr, sizeof(r->addr));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->addr,
                  sizeof(r->addr));
}

static const char *bearer(md_http_req *r)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");

    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return h;
}

/* The checks before any body is read. @return true when the request may go on */
static bool admit(md_http *h, md_http_req *r)
{
    const md_config *cfg = h->d->cfg;
    const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    const char *site = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
    const char *clen = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    const char *ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    char allow[256], path[1024];
    bool known;
    const char *q = strchr(r->url, '?');
    size_t plen = q ? (size_t)(q - r->url) : strlen(r->url);
    unsigned long long length = 0;
    long cap;

    if (plen >= sizeof(path)) {
        md_reply_error(r, 414, "uri-too-long", "the path is longer than %zu bytes",
                       sizeof(path) - 1);
        return false;
    }
    memcpy(path, r->url, plen);
    path[plen] = '\0';

    /* CORS preflight: only for configured origins. */
    if (strcmp(r->method, "OPTIONS") == 0 && cfg->n_allowed_origins > 0 && origin &&
        origin_allowed(r, origin)) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST, DELETE");
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, Last-Event-ID");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
        md_reply_response(r, 204, resp);
        return false;
    }
    r->route = find_route(r->method, path, r->arg, sizeof(r->arg), &known, allow, sizeof(allow));
    if (!r->route) {
        if (known)
            reply_error_extra(r, 405, "method-not-allowed", "this path takes other methods",
                              "Allow", allow);
        else
            md_reply_error(r, 404, "not-found", "no such path: %.200s", path);
        return false;
    }
    /* Cross-origin: refused unless the origin is configured. A browser names its origin on
     * every request a page makes across origins (and on same-origin POSTs). */
    if (origin && !origin_allowed(r, origin)) {
        md_reply_error(r, 403, "cross-origin", "requests from %.200s are not allowed", origin);
        return false;
    }
    if (!origin && site && strcmp(site, "cross-site") == 0 && !(r->route->flags & MD_ROUTE_PAGE)) {
        md_reply_error(r, 403, "cross-origin", "cross-site requests are not allowed");
        return false;
    }
    if ((r->route->flags & MD_ROUTE_LOCAL) && !r->local) {
        md_reply_error(r, 403, "local-only", "only through motiond's Unix socket");
        return false;
    }
    if (!r->local && !(r->route->flags & MD_ROUTE_PUBLIC) &&
        !md_tokens_check(h->d->tokens, bearer(r), r->token_id)) {
        reply_error_extra(r, 401, "unauthorized",
                          bearer(r) ? "the token is not valid (revoked or never issued)"
                                    : "pair first: this needs Authorization: Bearer TOKEN",
                          "WWW-Authenticate", "Bearer realm=\"motiond\"");
        return false;
    }
    if (r->route->flags & MD_ROUTE_ESTOP) {
        /* Nothing may hold up an emergency stop: it takes effect now, on the headers, before
         * any body arrives; whatever body follows is read and dropped (never refused), and the
         * handler answers once the request is complete. */
        motion_loop_estop(h->d->loop);
        return true;
    }
    cap = (r->route->flags & MD_ROUTE_UPLOAD) ? cfg->max_upload
          : (r->route->flags & MD_ROUTE_JSON) ? cfg->max_body
                                              : 0;
    if (clen) {
        char *end;
        errno = 0;
        length = strtoull(clen, &end, 10);
        if (errno || *end) {
            md_reply_error(r, 400, "bad-request", "Content-Length: not a number");
            return false;
        }
    }
    if (length > (unsigned long long)cap) {
        md_reply_error(r, 413, "too-large", "the body is larger than %ld bytes", cap);
        return false;
    }
    if ((r->route->flags & MD_ROUTE_JSON) && length > 0 &&
        (!ctype || strncasecmp(ctype, "application/json", 16) != 0)) {
        md_reply_error(r, 415, "unsupported-media-type", "the body must be application/json");
        return false;
    }
    if ((r->route->flags & MD_ROUTE_UPLOAD) &&
        (!ctype || strncasecmp(ctype, "multipart/form-data", 19) != 0)) {
        md_reply_error(r, 415, "unsupported-media-type",
                       "the upload must be multipart/form-data (parts: package, metadata)");
        return false;
    }
    return true;
}

static enum MHD_Result post_iterator(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data, uint64_t off,
                                     size_t size)
{
    md_http_req *r = cls;

    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    return md_upload_part(r->upload, key, filename, data, off, size) == 0 ? MHD_YES : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    md_http *h = cls;
    conn_ctx *c = *con_cls;
    md_http_req *r;

    (void)version;
    if (!c) {
        /* First call: the headers are in, the body (if any) is not. */
        c = calloc(1, sizeof(*c));
        if (!c)
            return MHD_NO;
        *con_cls = c;
        r = &c->req;
        r->conn = conn;
        r->d = h->d;
        r->url = url;
        r->method = method;
        r->local = h->local;
        r->t0 = motion_now_ns();
        client_address(r, h->local);
        {
            const char *clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
            const char *te =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
            unsigned long long n = clen ? strtoull(clen, NULL, 10) : 0;
            r->hold = (clen && n > 0 && n <= HOLD_MAX) || (!clen && te);
        }
        if (!admit(h, r)) {
            r->hold = false;
            return MHD_YES;
        }
        r->hold = false;
        if (r->route->flags & MD_ROUTE_UPLOAD) {
            if (md_upload_new(&r->upload, h->d->upload_dir, (uint64_t)h->d->cfg->max_upload) != 0 ||
                !(c->post = MHD_create_post_processor(conn, POST_BUFFER, post_iterator, r))) {
                md_reply_error(r, 500, "internal", "cannot take an upload: %s", strerror(errno));
                return MHD_YES;
            }
        }
        return MHD_YES;
    }
    r = &c->req;
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->answered || r->too_large || r->upload_failed) {
            /* Already refused: the rest of the body is dropped, up to what was admitted. */
            r->dropped += n;
            return r->dropped > (c->post ? (size_t)h->d->cfg->max_upload : HOLD_MAX) ? MHD_NO
                                                                                     : MHD_YES;
        }
        if (c->post) {
            if (MHD_post_process(c->post, upload_data, n) != MHD_YES)
                r->upload_failed = true; /* reported with the upload's own reason below */
            return MHD_YES;
        }
        if (r->route->flags & MD_ROUTE_ESTOP)
            return MHD_YES; /* done on the headers already; the body means nothing */
        /* A body without Content-Length can only be measured as it comes. */
        long cap = (r->route->flags & MD_ROUTE_JSON) ? h->d->cfg->max_body : 0;
        if (r->body_len + n > (size_t)cap) {
            r->too_large = true;
            free(r->body);
            r->body = NULL;
            return MHD_YES;
        }
        char *nb = realloc(r->body, r->body_len + n + 1);
        if (!nb)
            return MHD_NO;
        r->body = nb;
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }
    /* The whole request is in. */
    if (r->held) {
        MHD_queue_response(conn, (unsigned)r->held_status, r->held);
        MHD_destroy_response(r->held);
        r->held = NULL;
        return MHD_YES;
    }
    if (r->answered)
        return MHD_YES;
    if (r->too_large && !r->upload) {
        md_reply_error(r, 413, "too-large", "the body is larger than %ld bytes",
                       (r->route->flags & MD_ROUTE_JSON) ? h->d->cfg->max_body : 0L);
        return MHD_YES;
    }
    if (r->upload && md_upload_finish(r->upload) != 0) {
        char why[256];
        snprintf(why, sizeof(why), "%s", md_upload_error(r->upload));
        /* Gone before the answer leaves, so that nothing of it is left once the client knows. */
        md_upload_free(r->upload);
        r->upload = NULL;
        md_reply_error(r, strstr(why, "max_upload") ? 413 : 400,
                       strstr(why, "max_upload") ? "too-large" : "bad-upload", "%s", why);
        return MHD_YES;
    }
    r->route->handler(h->d, r);
    if (!r->answered)
        md_reply_error(r, 500, "internal", "no answer");
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn_ctx *c = *con_cls;
    md_http_req *r;

    (void)cls;
    (void)conn;
    if (!c)
        return;
    r = &c->req;
    if (md_log_get_level() >= MD_LOG_DEBUG)
        md_debug("%s %s %s -> %d (%.1f ms)%s", r->addr, r->method, r->url, r->status,
                 (double)(motion_now_ns() - r->t0) / 1e6,
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended)");
    if (r->held)
        MHD_destroy_response(r->held);
    if (c->post)
        MHD_destroy_post_processor(c->post);
    md_upload_free(r->upload);
    free(r->body);
    free(c);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* libmicrohttpd's messages, at debug level (its refusals are ours to report). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    md_debug("http: %s", msg);
}

int md_http_start(md_http **out, md_daemon *d, int listen_fd, bool local)
{
    md_http *h = calloc(1, sizeof(*h));

    if (!h) {
        close(listen_fd);
        return -1;
    }
    h->d = d;
    h->fd = listen_fd;
    h->local = local;
    /* Over TCP one address gets fewer connections than there are: connections that never finish
     * their headers (or event streams) from one client cannot take every slot, and the phone's
     * emergency stop always finds one. The Unix socket is the owner's and has no addresses. */
    h->mhd = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h, MHD_OPTION_LISTEN_SOCKET,
        listen_fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)(local ? 0 : d->cfg->max_connections_per_client), MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)CONNECTION_TIMEOUT, MHD_OPTION_THREAD_STACK_SIZE, (size_t)STACK_SIZE,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_END);
    if (!h->mhd) {
        if (fcntl(listen_fd, F_GETFD) != -1) /* whether MHD closed it on failure varies */
            close(listen_fd);
        free(h);
        return -1;
    }
    *out = h;
    return 0;
}

void md_http_stop(md_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->mhd); /* closes the listening socket too */
    free(h);
}
