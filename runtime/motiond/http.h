/* The HTTP layer (libmicrohttpd): one server on TCP for the phone and one on a Unix socket for
 * local tools, a thread per connection (so a slow request, an install's upload or an event stream
 * never holds up another request, above all not an emergency stop), and the checks every request
 * passes before a handler sees it: known path (404), documented method (405), same origin or an
 * allowed one (403), a token unless the route is public or the request came through the Unix
 * socket (401), body size (413) and type (415). */
#ifndef MD_HTTP_H
#define MD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "tokens.h"

struct md_daemon;
typedef struct md_http_req md_http_req;
typedef void (*md_handler)(struct md_daemon *d, md_http_req *r);

enum {
    MD_ROUTE_PUBLIC = 1 << 0, /* no token needed */
    MD_ROUTE_LOCAL = 1 << 1,  /* only through the Unix socket */
    MD_ROUTE_JSON = 1 << 2,   /* takes a JSON body (max_body) */
    MD_ROUTE_UPLOAD = 1 << 3, /* takes a multipart/form-data upload (max_upload) */
    MD_ROUTE_PAGE = 1 << 4,   /* a static file of the web page */
    MD_ROUTE_ESTOP = 1 << 5,  /* handled as soon as the token is checked, whatever the body */
};

typedef struct md_route {
    const char *method; /* GET (which also answers HEAD), POST, DELETE */
    const char *path;   /* "/api/v1/jobs/ *" without the space: '*' matches one path segment */
    md_handler handler;
    unsigned flags;
    const char *summary; /* for --routes and the docs test */
} md_route;

extern const md_route md_routes[];
extern const size_t md_route_count;

struct md_upload;

struct md_http_req {
    struct MHD_Connection *conn;
    struct md_daemon *d;
    const md_route *route;
    const char *method;
    const char *url;
    char arg[256]; /* the path segment '*' matched, percent-decoded */
    bool local;    /* came through the Unix socket */
    char addr[64]; /* the client's address ("local" for the Unix socket) */
    char token_id[MD_TOKEN_ID_LEN + 1];
    char *body;
    size_t body_len;
    bool answered; /* a response was queued (or is held, below) */
    bool hold;     /* refusals before the body: hold the answer until the body is read */
    struct MHD_Response *held;
    int held_status;
    size_t dropped;     /* body bytes dropped after a refusal */
    bool too_large;     /* the body went past the cap without a Content-Length */
    bool upload_failed; /* the upload refused a part (md_upload_error says why) */
    struct md_upload *upload;
    int status;
    int64_t t0;
};

typedef struct md_http md_http;

/**
 * Starts a server on an already listening socket (TCP or Unix), which it then owns.
 * @param local requests through it are trusted (a Unix socket whose file mode decides who may
 *              connect)
 */
int md_http_start(md_http **out, struct md_daemon *d, int listen_fd, bool local);

/** Stops accepting, waits for the requests in progress, closes the socket. NULL is fine. */
void md_http_stop(md_http *h);

/** Answers with JSON (steals v). */
void md_reply_json(md_http_req *r, int status, json_t *v);
/** Answers {"error": code, "message": ...}. */
void md_reply_error(md_http_req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Answers with bytes (copied unless must_free, then taken). */
void md_reply_bytes(md_http_req *r, int status, const char *type, const void *data, size_t size,
                    bool must_free, bool cacheable);
/** Queues a response made by the caller (adds the common headers). */
void md_reply_response(md_http_req *r, int status, struct MHD_Response *resp);

/** Binds and listens on addr:port (port 0: any). @param[out] bound the port. @return fd or -1 */
int md_listen_tcp(const char *addr, int port, int *bound, char *err, size_t err_size);
/** Binds and listens on a Unix socket (mode 0660, replacing a stale socket file). */
int md_listen_unix(const char *path, char *err, size_t err_size);

#endif
