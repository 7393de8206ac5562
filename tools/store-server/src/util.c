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
#include "mstore/file.h"
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

/* A libmstore failure as ours, with its context message. */
static int from_mstore(int mrc)
{
    return srv_err(mrc == MSTORE_ENOTFOUND ? SRV_ENOTFOUND
                   : mrc == MSTORE_ELIMIT  ? SRV_ELIMIT
                   : mrc == MSTORE_ENOMEM  ? SRV_ENOMEM
                   : mrc == MSTORE_EINVAL  ? SRV_EINVAL
                                           : SRV_EIO,
                   "%s", mstore_error_message());
}

/* The file helpers are libmstore's (mstore/file.h): one implementation of the atomic write
 * sequence for the repository and the robot's metadata. */
int srv_fsync_dir(const char *path)
{
    int mrc = mstore_dir_sync(path);

    return mrc ? from_mstore(mrc) : SRV_OK;
}

int srv_mkdirs(const char *path, unsigned mode)
{
    int mrc = mstore_dir_create(path, mode);

    return mrc ? from_mstore(mrc) : SRV_OK;
}

int srv_write_atomic(const char *path, const void *data, size_t size, unsigned mode)
{
    int mrc = mstore_file_write_atomic(path, data, size, mode);

    return mrc ? from_mstore(mrc) : SRV_OK;
}

int srv_read_file(char **out, size_t *size, const char *path, size_t max)
{
    int mrc = mstore_file_read((unsigned char **)out, size, path, max);

    return mrc ? from_mstore(mrc) : SRV_OK;
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

int srv_write_once(const char *path, const void *data, size_t size, unsigned mode)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    int fd, e;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp) ||
        snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return srv_err(SRV_EINVAL, "%s: path too long", path);
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
        return srv_err(SRV_EIO, "%s: cannot create temporary file: %s", path, strerror(errno));
    if (write_all(fd, data, size) < 0 || fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0) {
        e = errno;
        close(fd);
        unlink(tmp);
        return srv_err(SRV_EIO, "%s: %s", tmp, strerror(e));
    }
    if (close(fd) < 0 || link(tmp, path) < 0) {
        e = errno;
        unlink(tmp);
        if (e == EEXIST)
            return srv_err(SRV_EEXISTS,
                           "%s: exists already, and a published name is never "
                           "rewritten",
                           path);
        return srv_err(SRV_EIO, "%s: %s", path, strerror(e));
    }
    unlink(tmp);
    return srv_fsync_dir(dirname(dir));
}

/* A file too large to hold in memory (a package crossing file systems) is streamed: temporary
 * name beside dst, fsync, rename, fsync of the folder, as mstore_file_write_atomic does. */
int srv_copy_atomic(const char *dst, const char *src, unsigned mode)
{
    char tmp[PATH_MAX], dir[PATH_MAX], buf[65536];
    int in, out, e;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", dst) >= (int)sizeof(tmp) ||
        snprintf(dir, sizeof(dir), "%s", dst) >= (int)sizeof(dir))
        return srv_err(SRV_EINVAL, "%s: path too long", dst);
    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return srv_err(SRV_EIO, "%s: %s", src, strerror(errno));
    out = mkostemp(tmp, O_CLOEXEC);
    if (out < 0) {
        e = errno;
        close(in);
        return srv_err(SRV_EIO, "%s: cannot create temporary file: %s", dst, strerror(e));
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (n > 0 && write_all(out, buf, (size_t)n) < 0))
            goto fail;
        if (n == 0)
            break;
    }
    close(in);
    in = -1;
    if (fchmod(out, (mode_t)mode) < 0 || fsync(out) < 0)
        goto fail;
    if (close(out) < 0) {
        out = -1;
        goto fail;
    }
    out = -1;
    if (rename(tmp, dst) < 0)
        goto fail;
    return srv_fsync_dir(dirname(dir));
fail:
    e = errno;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    unlink(tmp);
    return srv_err(SRV_EIO, "%s: copy to %s: %s", src, dst, strerror(e));
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
