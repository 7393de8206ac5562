/* Test HTTP server: one thread accepting, one thread per connection, Connection: close. */
#include "tuf_testsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_RULES 32
#define MAX_LOG   4096
#define MAX_CONN  512

typedef struct rule {
    char path[512];
    ts_behaviour b;
    long param;
    char text[512];
    int times;
} rule;

typedef struct entry {
    char path[512];
    char range[64];
} entry;

struct ts_server {
    char *root;
    char url[64];
    int listen_fd;
    int stop_pipe[2];
    volatile int stopping;
    pthread_t acceptor;
    pthread_mutex_t lock;
    rule rules[MAX_RULES];
    size_t n_rules;
    entry log[MAX_LOG];
    size_t n_log;
    pthread_t conns[MAX_CONN];
    size_t n_conns;
};

typedef struct conn {
    ts_server *s;
    int fd;
} conn;

static void send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void sendf(int fd, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        send_all(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Waits until the client closes or the server stops, at most ms. */
static void linger_until_closed(ts_server *s, int fd, int ms)
{
    char buf[256];
    for (int waited = 0; waited < ms && !s->stopping; waited += 50) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) > 0 && recv(fd, buf, sizeof(buf), 0) <= 0)
            return;
    }
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

/* Percent-decodes a URL path; refuses ".." segments. */
static bool decode_path(char *out, size_t max, const char *in)
{
    size_t j = 0;
    for (size_t i = 0; in[i] && in[i] != '?'; i++) {
        char c = in[i];
        if (c == '%' && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
            c = (char)(hexval(in[i + 1]) << 4 | hexval(in[i + 2]));
            i += 2;
        }
        if (j + 1 >= max)
            return false;
        out[j++] = c;
    }
    out[j] = '\0';
    return strstr(out, "/../") == NULL && strcmp(out + (j >= 3 ? j - 3 : 0), "/..") != 0;
}

static bool take_rule(ts_server *s, const char *path, rule *out)
{
    bool found = false;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_rules; i++) {
        rule *r = &s->rules[i];
        if (r->times == 0 || strcmp(r->path, path) != 0)
            continue;
        *out = *r;
        if (r->times > 0)
            r->times--;
        found = true;
        break;
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

static void serve_file(ts_server *s, int fd, const char *path, const char *range, bool honour_range,
                       rule *r)
{
    char *file = ms_fmt("%s%s", s->root, path);
    struct stat st;
    FILE *f = NULL;
    long long start = 0, size;
    char buf[16384];

    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fopen(file, "rb"))) {
        sendf(fd,
              "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
        free(file);
        return;
    }
    size = (long long)st.st_size;
    if (honour_range && range[0] && sscanf(range, "bytes=%lld-", &start) == 1) {
        if (start >= size) {
            sendf(fd,
                  "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */%lld\r\n"
                  "Content-Length: 0\r\nConnection: close\r\n\r\n",
                  size);
            goto out;
        }
        sendf(fd,
              "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %lld-%lld/%lld\r\n"
              "Content-Length: %lld\r\nConnection: close\r\n\r\n",
              start, size - 1, size, size - start);
    } else {
        start = 0;
        long long announced = (r && r->b == TS_WRONG_LENGTH) ? r->param : size;
        sendf(fd, "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\nConnection: close\r\n\r\n",
              announced);
    }
    fseek(f, start, SEEK_SET);
    long long limit = (r && (r->b == TS_TRUNCATE || r->b == TS_STALL)) ? r->param : size - start;
    bool trickle = r && r->b == TS_TRICKLE;
    for (long long sent = 0; sent < limit && !s->stopping;) {
        size_t want =
            (size_t)(limit - sent < (long long)sizeof(buf) ? limit - sent : (long long)sizeof(buf));
        if (trickle) {
            struct pollfd p = {fd, POLLIN, 0};
            /* A closed connection shows as readable: stop trickling to a client that left. */
            if (poll(&p, 1, (int)r->param) != 0)
                break;
            want = 1;
        }
        size_t n = fread(buf, 1, want, f);
        if (n == 0)
            break;
        send_all(fd, buf, n);
        sent += (long long)n;
    }
    if (r && r->b == TS_STALL)
        linger_until_closed(s, fd, 60000);
out:
    fclose(f);
    free(file);
}

static void *handle(void *arg)
{
    conn *c = arg;
    ts_server *s = c->s;
    int fd = c->fd;
    char req[8192], raw_path[2048], path[2048], range[64] = "";
    size_t len = 0;
    rule r;
    bool have_rule;

    free(c);
    /* Read the request head. */
    while (len < sizeof(req) - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0)
            goto done;
        ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);
        if (n <= 0)
            goto done;
        len += (size_t)n;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    if (sscanf(req, "GET %2047s HTTP/1.", raw_path) != 1 ||
        !decode_path(path, sizeof(path), raw_path)) {
        sendf(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        goto done;
    }
    for (char *h = strstr(req, "\r\n"); h; h = strstr(h + 2, "\r\n"))
        if (strncasecmp(h + 2, "Range:", 6) == 0)
            sscanf(h + 8, " %63[^\r\n]", range);
    pthread_mutex_lock(&s->lock);
    if (s->n_log < MAX_LOG) {
        snprintf(s->log[s->n_log].path, sizeof(s->log[0].path), "%s", raw_path);
        snprintf(s->log[s->n_log].range, sizeof(s->log[0].range), "%s", range);
        s->n_log++;
    }
    pthread_mutex_unlock(&s->lock);

    have_rule = take_rule(s, raw_path, &r);
    if (!have_rule) {
        serve_file(s, fd, path, range, true, NULL);
        goto done;
    }
    switch (r.b) {
    case TS_RESET: {
        struct linger l = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
        break;
    }
    case TS_GARBAGE:
        sendf(fd, "\x01\x02garbage\xff\xfe not http at all\r\n\r\n%s", r.text);
        break;
    case TS_ENDLESS: {
        char chunk[8192];
        memset(chunk, 'x', sizeof(chunk));
        sendf(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        while (!s->stopping) {
            ssize_t n = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
            if (n <= 0)
                break;
        }
        break;
    }
    case TS_REDIRECT:
        sendf(fd,
              "HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 5\r\nConnection: "
              "close\r\n\r\nmoved",
              r.text);
        break;
    case TS_STATUS:
        sendf(fd, "HTTP/1.1 %ld Test\r\nContent-Length: 6\r\nConnection: close\r\n\r\nstatus",
              r.param);
        break;
    case TS_BODY:
        sendf(fd, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
              strlen(r.text), r.text);
        break;
    case TS_IGNORE_RANGE:
        serve_file(s, fd, path, range, false, &r);
        break;
    case TS_TRUNCATE:
    case TS_STALL:
    case TS_TRICKLE:
    case TS_WRONG_LENGTH:
        serve_file(s, fd, path, range, r.b != TS_WRONG_LENGTH, &r);
        break;
    }
done:
    close(fd);
    return NULL;
}

static void *acceptor(void *arg)
{
    ts_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{s->listen_fd, POLLIN, 0}, {s->stop_pipe[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno == EINTR)
            continue;
        if (p[1].revents || s->stopping)
            return NULL;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        conn *c = malloc(sizeof(*c));
        c->s = s;
        c->fd = fd;
        pthread_mutex_lock(&s->lock);
        if (s->n_conns < MAX_CONN && pthread_create(&s->conns[s->n_conns], NULL, handle, c) == 0) {
            s->n_conns++;
        } else {
            close(fd);
            free(c);
        }
        pthread_mutex_unlock(&s->lock);
    }
}

ts_server *ts_start(const char *root_dir)
{
    ts_server *s = calloc(1, sizeof(*s));
    struct sockaddr_in addr = {0};
    socklen_t alen = sizeof(addr);
    int one = 1;

    assert_non_null(s);
    s->root = strdup(root_dir);
    pthread_mutex_init(&s->lock, NULL);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->listen_fd >= 0);
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(s->listen_fd, 64), 0);
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&addr, &alen), 0);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", ntohs(addr.sin_port));
    assert_int_equal(pipe2(s->stop_pipe, O_CLOEXEC), 0);
    assert_int_equal(pthread_create(&s->acceptor, NULL, acceptor, s), 0);
    return s;
}

void ts_stop(ts_server *s)
{
    if (!s)
        return;
    s->stopping = 1;
    assert_int_equal(write(s->stop_pipe[1], "x", 1), 1);
    pthread_join(s->acceptor, NULL);
    for (size_t i = 0; i < s->n_conns; i++)
        pthread_join(s->conns[i], NULL);
    close(s->listen_fd);
    close(s->stop_pipe[0]);
    close(s->stop_pipe[1]);
    pthread_mutex_destroy(&s->lock);
    free(s->root);
    free(s);
}

const char *ts_url(const ts_server *s)
{
    return s->url;
}

void ts_rule(ts_server *s, const char *path, ts_behaviour b, long param, const char *text,
             int times)
{
    pthread_mutex_lock(&s->lock);
    assert_true(s->n_rules < MAX_RULES);
    rule *r = &s->rules[s->n_rules++];
    snprintf(r->path, sizeof(r->path), "%s", path);
    r->b = b;
    r->param = param;
    snprintf(r->text, sizeof(r->text), "%s", text ? text : "");
    r->times = times;
    pthread_mutex_unlock(&s->lock);
}

void ts_clear_rules(ts_server *s)
{
    pthread_mutex_lock(&s->lock);
    s->n_rules = 0;
    pthread_mutex_unlock(&s->lock);
}

size_t ts_count(ts_server *s, const char *path)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_log; i++)
        if (!path || strcmp(s->log[i].path, path) == 0)
            n++;
    pthread_mutex_unlock(&s->lock);
    return n;
}

char *ts_last_range(ts_server *s, const char *path)
{
    char *out = strdup("");
    pthread_mutex_lock(&s->lock);
    for (size_t i = s->n_log; i-- > 0;)
        if (strcmp(s->log[i].path, path) == 0) {
            free(out);
            out = strdup(s->log[i].range);
            break;
        }
    pthread_mutex_unlock(&s->lock);
    return out;
}

char *ts_log(ts_server *s)
{
    size_t cap = 1, len = 0;
    char *out;

    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_log; i++)
        cap += strlen(s->log[i].path) + 1;
    out = malloc(cap);
    out[0] = '\0';
    for (size_t i = 0; i < s->n_log; i++)
        len += (size_t)sprintf(out + len, "%s\n", s->log[i].path);
    pthread_mutex_unlock(&s->lock);
    return out;
}

void ts_clear_log(ts_server *s)
{
    pthread_mutex_lock(&s->lock);
    s->n_log = 0;
    pthread_mutex_unlock(&s->lock);
}
