/* Sideload uploads streamed to a folder (upload.h). */
#include "upload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct md_upload {
    char *dir;
    uint64_t max, total;
    int fd;         /* the part being written */
    char part[160]; /* its key/filename, to notice the next part */
    uint64_t part_bytes;
    int n_metadata;
    bool has_package;
    bool keep;
    char error[256];
};

bool md_upload_name_ok(const char *name)
{
    size_t n = strlen(name);

    return n >= 1 && n <= 128 && name[0] != '.' &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int md_upload_new(md_upload **out, const char *parent, uint64_t max_bytes)
{
    md_upload *u = calloc(1, sizeof(*u));
    char *meta;

    if (!u)
        return -1;
    u->fd = -1;
    u->max = max_bytes;
    if (md_mkdirs(parent, 0700) != 0) {
        free(u);
        return -1;
    }
    u->dir = md_fmt("%s/upload-XXXXXX", parent);
    if (!mkdtemp(u->dir)) {
        free(u->dir);
        free(u);
        return -1;
    }
    meta = md_fmt("%s/metadata", u->dir);
    if (mkdir(meta, 0700) != 0) {
        free(meta);
        md_rmtree(u->dir);
        free(u->dir);
        free(u);
        return -1;
    }
    free(meta);
    *out = u;
    return 0;
}

static int refuse(md_upload *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Keeps the first reason an upload is refused. @return -1 */
static int refuse(md_upload *u, const char *fmt, ...)
{
    va_list ap;

    if (!*u->error) {
        va_start(ap, fmt);
        vsnprintf(u->error, sizeof(u->error), fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int close_part(md_upload *u)
{
    int rc = 0;

    if (u->fd >= 0) {
        if (fsync(u->fd) != 0)
            rc = -1;
        if (close(u->fd) != 0)
            rc = -1;
        u->fd = -1;
    }
    if (rc)
        refuse(u, "writing %s failed", u->part);
    return rc;
}

int md_upload_part(md_upload *u, const char *key, const char *filename, const char *data,
                   uint64_t off, size_t size)
{
    char id[160];

    if (*u->error)
        return -1;
    snprintf(id, sizeof(id), "%s/%s", key ? key : "", filename ? filename : "");
    /* A chunk at offset 0 starts a part, unless it continues an empty start of the same one. */
    if (strcmp(id, u->part) != 0 || (off == 0 && u->part_bytes > 0) || u->fd < 0) {
        /* A new part. */
        char *path;
        if (close_part(u))
            return -1;
        snprintf(u->part, sizeof(u->part), "%s", id);
        u->part_bytes = 0;
        if (key && strcmp(key, "package") == 0) {
            if (u->has_package)
                return refuse(u, "package: only one package per upload");
            u->has_package = true;
            path = md_fmt("%s/package.mpk", u->dir);
        } else if (key && strcmp(key, "metadata") == 0) {
            if (!filename || !md_upload_name_ok(filename))
                return refuse(u, "metadata: file name '%.64s' is not a plain file name",
                              filename ? filename : "");
            if (++u->n_metadata > MD_UPLOAD_MAX_METADATA)
                return refuse(u, "metadata: more than %d files", MD_UPLOAD_MAX_METADATA);
            path = md_fmt("%s/metadata/%s", u->dir, filename);
        } else {
            return refuse(u, "%.64s: unknown part (expected package and metadata)", key ? key : "");
        }
        u->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        free(path);
        if (u->fd < 0)
            return refuse(u, errno == EEXIST ? "%.64s: sent twice" : "%.64s: cannot be written",
                          filename ? filename : key);
    }
    if (size > u->max - u->total)
        return refuse(u, "the upload is larger than max_upload (%llu bytes)",
                      (unsigned long long)u->max);
    u->total += size;
    u->part_bytes += size;
    while (size > 0) {
        ssize_t w = write(u->fd, data, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return refuse(u, "writing %s failed", u->part);
        data += w;
        size -= (size_t)w;
    }
    return 0;
}

int md_upload_finish(md_upload *u)
{
    if (close_part(u) || *u->error)
        return -1;
    if (!u->has_package)
        return refuse(u, "package: no package in the upload");
    if (u->n_metadata == 0)
        return refuse(u, "metadata: the store's signed metadata files must come with the package");
    return 0;
}

const char *md_upload_error(const md_upload *u)
{
    return *u->error ? u->error : "upload failed";
}

const char *md_upload_dir(const md_upload *u)
{
    return u->dir;
}

void md_upload_keep(md_upload *u)
{
    u->keep = true;
}

void md_upload_free(md_upload *u)
{
    if (!u)
        return;
    if (u->fd >= 0)
        close(u->fd);
    if (!u->keep)
        md_rmtree(u->dir);
    free(u->dir);
    free(u);
}
