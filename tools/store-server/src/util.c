/* File, time, random and text helpers of mstore-server. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "error.h"
#include "util.h"

char *srv_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *out = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&out, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : out;
}

char *srv_join(const char *a, const char *b)
{
    return srv_asprintf("%s/%s", a, b);
}

double srv_now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool srv_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

int srv_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return srv_err(SRV_EIO, "%s: cannot open folder: %s", path, strerror(errno));
    rc = fsync(fd);
    close(fd);
    if (rc < 0)
        return srv_err(SRV_EIO, "%s: fsync: %s", path, strerror(errno));
    return SRV_OK;
}

static int fsync_parent(const char *path)
{
    char copy[PATH_MAX];

    if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
        return srv_err(SRV_EINVAL, "%s: path too long", path);
    return srv_fsync_dir(dirname(copy));
}

int srv_mkdirs(const char *path, unsigned mode)
{
    char buf[PATH_MAX];
    size_t i, len = strlen(path);

    if (len == 0 || len >= sizeof(buf))
        return srv_err(SRV_EINVAL, "%s: bad folder path", path);
    memcpy(buf, path, len + 1);
    for (i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
            return srv_err(SRV_EIO, "%s: mkdir: %s", buf, strerror(errno));
        buf[i] = path[i];
    }
    return SRV_OK;
}

static int write_all(int fd, const void *data, size_t size)
{
    const char *p = data;

    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

/* Opens a temporary file beside path; tmp receives its name. */
static int open_tmp(char *tmp, size_t tmp_size, const char *path)
{
    int fd;

    if (snprintf(tmp, tmp_size, "%s.tmp.XXXXXX", path) >= (int)tmp_size)
        return srv_err(SRV_EINVAL, "%s: path too long", path);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return srv_err(SRV_EIO, "%s: cannot create temporary file: %s", path, strerror(errno));
    return fd;
}

/* fchmod, fsync, close, rename, fsync folder; on failure removes tmp. Consumes fd. */
static int commit_tmp(int fd, const char *tmp, const char *path, unsigned mode)
{
    if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return srv_err(SRV_EIO, "%s: %s", path, strerror(e));
    }
    if (close(fd) < 0) {
        unlink(tmp);
        return srv_err(SRV_EIO, "%s: close: %s", path, strerror(errno));
    }
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return srv_err(SRV_EIO, "%s: rename: %s", path, strerror(e));
    }
    return fsync_parent(path);
}

int srv_write_atomic(const char *path, const void *data, size_t size, unsigned mode)
{
    char tmp[PATH_MAX];
    int fd = open_tmp(tmp, sizeof(tmp), path);

    if (fd < 0)
        return fd;
    if (write_all(fd, data, size) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return srv_err(SRV_EIO, "%s: write: %s", path, strerror(e));
    }
    return commit_tmp(fd, tmp, path, mode);
}

int srv_copy_atomic(const char *dst, const char *src, unsigned mode)
{
    char tmp[PATH_MAX], buf[65536];
    int in, out;

    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return srv_err(SRV_EIO, "%s: %s", src, strerror(errno));
    out = open_tmp(tmp, sizeof(tmp), dst);
    if (out < 0) {
        close(in);
        return out;
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (n > 0 && write_all(out, buf, (size_t)n) < 0)) {
            int e = errno;
            close(in);
            close(out);
            unlink(tmp);
            return srv_err(SRV_EIO, "%s: copy to %s: %s", src, dst, strerror(e));
        }
        if (n == 0)
            break;
    }
    close(in);
    return commit_tmp(out, tmp, dst, mode);
}

int srv_read_file(char **out, size_t *size, const char *path, size_t max)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int fd, rc = SRV_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return srv_err(errno == ENOENT ? SRV_ENOTFOUND : SRV_EIO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = srv_err(SRV_EIO, "%s: not a readable regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        rc = srv_err(SRV_ELIMIT, "%s: %lld bytes, more than the limit of %zu", path,
                     (long long)st.st_size, max);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = srv_err(SRV_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = srv_err(SRV_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *out = buf;
    *size = len;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

void srv_hex(char *hex, const void *bytes, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = bytes;
    size_t i;

    for (i = 0; i < size; i++) {
        hex[2 * i] = digits[b[i] >> 4];
        hex[2 * i + 1] = digits[b[i] & 15];
    }
    hex[2 * size] = '\0';
}

void srv_sha256_hex(char *hex, const void *data, size_t size)
{
    unsigned char digest[32];

    mbedtls_sha256_ret(data, size, digest, 0);
    srv_hex(hex, digest, sizeof(digest));
}

int srv_sha256_file(char *hex, uint64_t *size, const char *path)
{
    mbedtls_sha256_context ctx;
    unsigned char buf[65536], digest[32];
    uint64_t total = 0;
    int fd, rc = SRV_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return srv_err(SRV_EIO, "%s: %s", path, strerror(errno));
    mbedtls_sha256_init(&ctx);
    mbedtls_sha256_starts_ret(&ctx, 0);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = srv_err(SRV_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        mbedtls_sha256_update_ret(&ctx, buf, (size_t)n);
        total += (uint64_t)n;
    }
    mbedtls_sha256_finish_ret(&ctx, digest);
    srv_hex(hex, digest, sizeof(digest));
    if (size)
        *size = total;
out:
    mbedtls_sha256_free(&ctx);
    close(fd);
    return rc;
}

int srv_random(void *buf, size_t size)
{
    unsigned char *p = buf;

    while (size > 0) {
        ssize_t n = getrandom(p, size, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return srv_err(SRV_EIO, "getrandom: %s", strerror(errno));
        p += n;
        size -= (size_t)n;
    }
    return SRV_OK;
}

void srv_time_iso(char *out, time_t t)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int srv_open_beneath(const char *root, const char *rel)
{
    char part[PATH_MAX];
    const char *seg = rel, *slash;
    int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), next, e;

    while (dir >= 0 && (slash = strchr(seg, '/')) != NULL) {
        size_t n = (size_t)(slash - seg);
        if (n == 0 || n >= sizeof(part)) {
            close(dir);
            errno = ENOENT;
            return -1;
        }
        memcpy(part, seg, n);
        part[n] = '\0';
        next = openat(dir, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        e = errno;
        close(dir);
        errno = e;
        dir = next;
        seg = slash + 1;
    }
    if (dir < 0)
        return -1;
    next = openat(dir, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    e = errno;
    close(dir);
    errno = e;
    return next;
}

bool srv_path_safe(const char *rel)
{
    const char *seg = rel;
    size_t len = strlen(rel), i;

    if (len == 0 || len > 512)
        return false;
    for (i = 0; i <= len; i++) {
        char c = rel[i];
        if (c == '/' || c == '\0') {
            size_t n = (size_t)(rel + i - seg);
            if (n == 0 || seg[0] == '.')
                return false; /* empty, ".", "..", hidden */
            seg = rel + i + 1;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@' || c == '+'))
            return false;
    }
    return true;
}
