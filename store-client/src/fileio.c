/* File helpers: bounded reads and atomic writes (temporary name, fsync, rename, fsync folder). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "install_internal.h"
#include "internal.h"
#include "mstore/file.h"

char *mstore__strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *mstore__asprintf(const char *fmt, ...)
{
    va_list ap;
    char *out = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&out, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : out;
}

int mstore__read_file(unsigned char **out, size_t *size, const char *path, size_t max)
{
    struct stat st;
    unsigned char *buf = NULL;
    size_t len = 0;
    int fd, error = MSTORE_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mstore__error(errno == ENOENT ? MSTORE_ENOTFOUND : MSTORE_EIO, "%s: %s", path,
                             strerror(errno));
    if (fstat(fd, &st) < 0) {
        error = mstore__error(MSTORE_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        error = mstore__error(MSTORE_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        error = mstore__error(MSTORE_ELIMIT, "%s: %lld bytes, more than the limit of %zu", path,
                              (long long)st.st_size, max);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        error = mstore__error(MSTORE_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    /* Read until EOF, never past the size seen by fstat, in case the file grows meanwhile. */
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = mstore__error(MSTORE_EIO, "%s: %s", path, strerror(errno));
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
    return error;
}

int mstore__fsync_parent(const char *path)
{
    char copy[PATH_MAX];
    int fd, rc;

    if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
        return mstore__error(MSTORE_EINVAL, "%s: path too long", path);
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return mstore__error(MSTORE_EIO, "%s: cannot open folder: %s", path, strerror(errno));
    rc = fsync(fd);
    close(fd);
    if (rc < 0)
        return mstore__error(MSTORE_EIO, "%s: fsync of folder: %s", path, strerror(errno));
    return MSTORE_OK;
}

int mstore__write_file_atomic(const char *path, const void *data, size_t size, unsigned mode)
{
    char tmp[PATH_MAX];
    const char *p = data;
    size_t done = 0;
    int fd, error = MSTORE_OK;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
        return mstore__error(MSTORE_EINVAL, "%s: path too long", path);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return mstore__error(MSTORE_EIO, "%s: cannot create temporary file: %s", path,
                             strerror(errno));
    while (done < size) {
        ssize_t n = write(fd, p + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = mstore__error(MSTORE_EIO, "%s: write: %s", path, strerror(errno));
            goto fail;
        }
        done += (size_t)n;
    }
    if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0) {
        error = mstore__error(MSTORE_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        error = mstore__error(MSTORE_EIO, "%s: close: %s", path, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        error = mstore__error(MSTORE_EIO, "%s: rename: %s", path, strerror(errno));
        goto fail;
    }
    return mstore__fsync_parent(path);
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return error;
}

int mstore__mkdirs(const char *path, unsigned mode)
{
    char buf[PATH_MAX];
    size_t len;

    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return mstore__error(MSTORE_EINVAL, "%s: path too long", path);
    len = strlen(buf);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
            return mstore__error(MSTORE_EIO, "%s: mkdir: %s", buf, strerror(errno));
        buf[i] = saved;
    }
    return MSTORE_OK;
}

int mstore__remove_file(const char *path)
{
    if (unlink(path) < 0) {
        if (errno == ENOENT)
            return MSTORE_OK;
        return mstore__error(MSTORE_EIO, "%s: cannot remove: %s", path, strerror(errno));
    }
    return mstore__fsync_parent(path);
}

void mstore__hex(char *hex, const unsigned char *bytes, size_t size)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < size; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * size] = '\0';
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

long mstore__unhex(unsigned char *out, size_t max, const char *hex)
{
    size_t len = strlen(hex);

    if (len % 2 != 0 || len / 2 > max)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return (long)(len / 2);
}

int mstore__random(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int64_t mstore__now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mstore__sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- public face of the helpers above (mstore/file.h) ---------------------------------------- */

int mstore_file_read(unsigned char **out, size_t *size, const char *path, size_t max)
{
    if (!out || !size || !path)
        return mstore__error(MSTORE_EINVAL, "no output or path");
    return mstore__read_file(out, size, path, max);
}

int mstore_file_write_atomic(const char *path, const void *data, size_t size, unsigned mode)
{
    if (!path || (!data && size))
        return mstore__error(MSTORE_EINVAL, "no path or data");
    return mstore__write_file_atomic(path, data, size, mode);
}

int mstore_dir_create(const char *path, unsigned mode)
{
    if (!path || !*path)
        return mstore__error(MSTORE_EINVAL, "no folder path");
    return mstore__mkdirs(path, mode);
}

int mstore_dir_sync(const char *path)
{
    if (!path)
        return mstore__error(MSTORE_EINVAL, "no folder path");
    return mstore__fsync_dir(path);
}
