/* File helpers: bounded reads and atomic writes (temporary name, fsync, rename, fsync folder). */
#include <errno.h>
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
#include "mpk/file.h"
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

/* The bounded read and the atomic write are libmpk's (mpk/file.h), so that the SDK and the robot
 * write files one way; only the error codes are translated. */
static int from_mpk(int error)
{
    switch (error) {
    case MPK_OK:
        return MSTORE_OK;
    case MPK_ENOMEM:
        return mstore__error(MSTORE_ENOMEM, "%s", mpk_error_message());
    case MPK_EINVAL:
        return mstore__error(MSTORE_EINVAL, "%s", mpk_error_message());
    case MPK_ENOTFOUND:
        return mstore__error(MSTORE_ENOTFOUND, "%s", mpk_error_message());
    case MPK_ELIMIT:
        return mstore__error(MSTORE_ELIMIT, "%s", mpk_error_message());
    case MPK_EEXISTS:
        return mstore__error(MSTORE_EEXISTS, "%s", mpk_error_message());
    default:
        return mstore__error(MSTORE_EIO, "%s", mpk_error_message());
    }
}

int mstore__read_file(unsigned char **out, size_t *size, const char *path, size_t max)
{
    return from_mpk(mpk_file_read((char **)out, size, path, max));
}

int mstore__fsync_parent(const char *path)
{
    return from_mpk(mpk_file_sync_parent(path));
}

int mstore__write_file_atomic(const char *path, const void *data, size_t size, unsigned mode)
{
    return from_mpk(mpk_file_write_atomic(path, data, size, mode));
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
