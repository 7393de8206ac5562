/* File helpers: bounded reads and atomic writes (temporary name, fsync, rename, fsync folder). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "mpk/file.h"

char *mpk__strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *mpk__asprintf(const char *fmt, ...)
{
    va_list ap;
    char *out = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&out, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : out;
}

int mpk__read_file(char **out, size_t *size, const char *path, size_t max)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int fd, error = MPK_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mpk__error(errno == ENOENT ? MPK_ENOTFOUND : MPK_EIO, "%s: %s", path,
                          strerror(errno));
    if (fstat(fd, &st) < 0) {
        error = mpk__error(MPK_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        error = mpk__error(MPK_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        error = mpk__error(MPK_ELIMIT, "%s: %lld bytes, more than the limit of %zu", path,
                           (long long)st.st_size, max);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        error = mpk__error(MPK_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    /* Read until EOF, never past max, in case the file grows while we read. */
    for (;;) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = mpk__error(MPK_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == (size_t)st.st_size)
            break;
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

int mpk__fsync_parent(const char *path)
{
    char copy[PATH_MAX];
    int fd, rc;

    if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
        return mpk__error(MPK_EINVAL, "%s: path too long", path);
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return mpk__error(MPK_EIO, "%s: cannot open folder: %s", path, strerror(errno));
    rc = fsync(fd);
    close(fd);
    if (rc < 0)
        return mpk__error(MPK_EIO, "%s: fsync of folder: %s", path, strerror(errno));
    return MPK_OK;
}

/* Writes data to a new temporary file beside path (name returned in tmp), fsynced and closed. */
static int write_temp(char *tmp, size_t tmp_size, const char *path, const void *data, size_t size,
                      unsigned mode)
{
    const char *p = data;
    size_t done = 0;
    int fd, error = MPK_OK;

    if (snprintf(tmp, tmp_size, "%s.tmp.XXXXXX", path) >= (int)tmp_size)
        return mpk__error(MPK_EINVAL, "%s: path too long", path);
    fd = mkostemp(tmp, O_CLOEXEC); /* no descriptor leaks into a program a thread runs meanwhile */
    if (fd < 0)
        return mpk__error(MPK_EIO, "%s: cannot create temporary file: %s", path, strerror(errno));
    while (done < size) {
        ssize_t n = write(fd, p + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = mpk__error(MPK_EIO, "%s: write: %s", path, strerror(errno));
            goto fail;
        }
        done += (size_t)n;
    }
    if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0) {
        error = mpk__error(MPK_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        error = mpk__error(MPK_EIO, "%s: close: %s", path, strerror(errno));
        goto fail;
    }
    return MPK_OK;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return error;
}

int mpk__write_file_atomic(const char *path, const void *data, size_t size, unsigned mode)
{
    char tmp[PATH_MAX];
    int error;

    error = write_temp(tmp, sizeof(tmp), path, data, size, mode);
    if (error)
        return error;
    if (rename(tmp, path) < 0) {
        error = mpk__error(MPK_EIO, "%s: rename: %s", path, strerror(errno));
        unlink(tmp);
        return error;
    }
    return mpk__fsync_parent(path);
}

int mpk__write_file_new(const char *path, const void *data, size_t size, unsigned mode)
{
    char tmp[PATH_MAX];
    int error;

    error = write_temp(tmp, sizeof(tmp), path, data, size, mode);
    if (error)
        return error;
    /* link() never replaces an existing file, unlike rename(): the complete file appears at
     * path or nothing does. File systems without hard links get renameat2(RENAME_NOREPLACE). */
    if (link(tmp, path) < 0) {
        int saved = errno;
        if ((saved == EPERM || saved == ENOTSUP || saved == EOPNOTSUPP) &&
            renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
            return mpk__fsync_parent(path);
        if (saved == EPERM || saved == ENOTSUP || saved == EOPNOTSUPP)
            saved = errno;
        unlink(tmp);
        if (saved == EEXIST)
            return mpk__error(MPK_EEXISTS, "%s: already exists", path);
        return mpk__error(MPK_EIO, "%s: %s", path, strerror(saved));
    }
    unlink(tmp);
    return mpk__fsync_parent(path);
}

/* The public names of the helpers above (mpk/file.h). */
int mpk_file_read(char **out, size_t *size, const char *path, size_t max)
{
    if (!out || !size || !path)
        return mpk__error(MPK_EINVAL, "mpk_file_read: NULL argument");
    return mpk__read_file(out, size, path, max);
}

int mpk_file_write_atomic(const char *path, const void *data, size_t size, unsigned mode)
{
    if (!path || (!data && size))
        return mpk__error(MPK_EINVAL, "mpk_file_write_atomic: NULL argument");
    return mpk__write_file_atomic(path, data, size, mode);
}

int mpk_file_write_new(const char *path, const void *data, size_t size, unsigned mode)
{
    if (!path || (!data && size))
        return mpk__error(MPK_EINVAL, "mpk_file_write_new: NULL argument");
    return mpk__write_file_new(path, data, size, mode);
}

int mpk_file_sync_parent(const char *path)
{
    if (!path)
        return mpk__error(MPK_EINVAL, "mpk_file_sync_parent: NULL argument");
    return mpk__fsync_parent(path);
}
