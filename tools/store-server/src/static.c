/*
 * Repository files over HTTP: GET and HEAD, one byte range (RFC 9110 "bytes=a-b", "a-", "-n"),
 * strong ETags from inode, size and modification time, If-None-Match and If-Range, and cache
 * headers: versioned metadata and hash-named targets never change ("immutable"); timestamp.json
 * and the unversioned names do, so they are revalidated on every use.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "util.h"

/* "N.role.json" in metadata/, or a target file named "<64 hex>.name". */
static bool is_immutable(const char *rel)
{
    const char *base = strrchr(rel, '/');
    size_t i;

    base = base ? base + 1 : rel;
    if (strncmp(rel, "metadata/", 9) == 0) {
        for (i = 0; isdigit((unsigned char)base[i]); i++)
            ;
        return i > 0 && base[i] == '.';
    }
    if (strncmp(rel, "targets/", 8) == 0) {
        for (i = 0; isxdigit((unsigned char)base[i]); i++)
            ;
        return i == 64 && base[i] == '.';
    }
    return false;
}

static const char *content_type(const char *rel)
{
    const char *dot = strrchr(rel, '.');

    if (!dot)
        return "application/octet-stream";
    if (strcmp(dot, ".json") == 0)
        return "application/json";
    if (strcmp(dot, ".png") == 0)
        return "image/png";
    if (strcmp(dot, ".jpg") == 0 || strcmp(dot, ".jpeg") == 0)
        return "image/jpeg";
    if (strcmp(dot, ".webp") == 0)
        return "image/webp";
    return "application/octet-stream";
}

int srv_http_parse_range(uint64_t *start, uint64_t *end, const char *h, uint64_t size)
{
    char *e;
    unsigned long long a, b;

    if (strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
        return 0; /* other units and multiple ranges: the whole file is a valid answer */
    h += 6;
    if (*h == '-') {
        errno = 0;
        b = strtoull(h + 1, &e, 10);
        if (errno || *e || e == h + 1)
            return 0;
        if (b == 0 || size == 0)
            return -1;
        *start = b >= size ? 0 : size - b;
        *end = size - 1;
        return 1;
    }
    if (!isdigit((unsigned char)*h))
        return 0;
    errno = 0;
    a = strtoull(h, &e, 10);
    if (errno || *e != '-')
        return 0;
    h = e + 1;
    if (*h == '\0') {
        b = size ? size - 1 : 0;
    } else {
        b = strtoull(h, &e, 10);
        if (errno || *e || b < a)
            return 0;
        if (b >= size)
            b = size - 1;
    }
    if (a >= size)
        return -1;
    *start = a;
    *end = b;
    return 1;
}

static void add_common_headers(struct MHD_Response *r, const char *rel, const char *etag,
                               const struct stat *st)
{
    char date[64];
    struct tm tm;

    gmtime_r(&st->st_mtime, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Last-Modified", date);
    MHD_add_response_header(r, "Accept-Ranges", "bytes");
    MHD_add_response_header(r, "Content-Type", content_type(rel));
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control",
                            is_immutable(rel) ? "public, max-age=31536000, immutable" : "no-cache");
}

/* If-None-Match: a list of entity tags or "*". */
static bool etag_matches(const char *header, const char *etag)
{
    if (!header)
        return false;
    return strcmp(header, "*") == 0 || strstr(header, etag) != NULL;
}

enum MHD_Result srv_http_static(struct MHD_Connection *c, srv_store *store, const char *rel,
                                const char *method)
{
    struct MHD_Response *r;
    struct stat st;
    char etag[96], crange[128];
    const char *range, *if_range;
    uint64_t start = 0, end = 0;
    unsigned status = MHD_HTTP_OK;
    enum MHD_Result ret;
    int fd, rr = 0;

    if (!srv_path_safe(rel))
        return srv_http_error(c, MHD_HTTP_BAD_REQUEST, "bad-path",
                              "/%s: not a valid repository path", rel);
    /* No link is followed, in the file's folders either (srv_path_safe has ruled out ".."). */
    fd = srv_open_beneath(store->repo_dir, rel);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return srv_http_error(c, MHD_HTTP_NOT_FOUND, "not-found", "/%s: no such file", rel);
    }
    snprintf(etag, sizeof(etag), "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"", (uint64_t)st.st_ino,
             (uint64_t)st.st_size,
             (uint64_t)((uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec));
    if (etag_matches(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"), etag)) {
        close(fd);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        add_common_headers(r, rel, etag, &st);
        ret = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, r);
        MHD_destroy_response(r);
        return ret;
    }
    range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    if_range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Range");
    if (range && (!if_range || strcmp(if_range, etag) == 0))
        rr = srv_http_parse_range(&start, &end, range, (uint64_t)st.st_size);
    if (rr < 0) {
        close(fd);
        snprintf(crange, sizeof(crange), "bytes */%" PRIu64, (uint64_t)st.st_size);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Content-Range", crange);
        add_common_headers(r, rel, etag, &st);
        ret = MHD_queue_response(c, MHD_HTTP_RANGE_NOT_SATISFIABLE, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (rr == 0) {
        start = 0;
        end = st.st_size ? (uint64_t)st.st_size - 1 : 0;
    } else {
        status = MHD_HTTP_PARTIAL_CONTENT;
    }
    r = MHD_create_response_from_fd_at_offset64(st.st_size ? end - start + 1 : 0, fd,
                                                (uint64_t)start);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    if (status == MHD_HTTP_PARTIAL_CONTENT) {
        snprintf(crange, sizeof(crange), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, start, end,
                 (uint64_t)st.st_size);
        MHD_add_response_header(r, "Content-Range", crange);
    }
    add_common_headers(r, rel, etag, &st);
    (void)method; /* MHD leaves the body out of HEAD answers itself */
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}
