/* Small helpers of motiond. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *md_fmt(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

static int fsync_dir_of(const char *path)
{
    char *dir = strdup(path), *slash;
    int fd, rc = -1;

    if (!dir)
        return -1;
    slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(dir);
    return rc;
}

int md_write_file_atomic(const char *path, const void *data, size_t size, mode_t mode)
{
    char *tmp = md_fmt("%s.tmp.XXXXXX", path);
    const char *p = data;
    size_t left = size;
    int fd, saved;

    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        goto fail;
    if (fchmod(fd, mode) != 0)
        goto fail_fd;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail_fd;
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail_fd;
    if (close(fd) != 0) {
        fd = -1;
        goto fail_unlink;
    }
    if (rename(tmp, path) != 0)
        goto fail_unlink;
    free(tmp);
    return fsync_dir_of(path);
fail_fd:
    saved = errno;
    close(fd);
    errno = saved;
fail_unlink:
    saved = errno;
    unlink(tmp);
    errno = saved;
fail:
    free(tmp);
    return -1;
}

int md_read_file(char **out, size_t *size, const char *path, size_t max)
{
    struct stat st;
    char *buf;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        close(fd);
        errno = EFBIG;
        return -1;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    if (size)
        *size = n;
    return 0;
}

int md_mkdirs(const char *path, mode_t mode)
{
    char *p = strdup(path);

    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    if (mkdir(p, mode) != 0 && errno != EEXIST) {
        free(p);
        return -1;
    }
    free(p);
    return 0;
}

void md_iso_time(char buf[21], int64_t unix_time)
{
    time_t t = (time_t)unix_time;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void md_random(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            abort(); /* tokens and codes must never come from a weak source */
        p += r;
        n -= (size_t)r;
    }
}

void md_hex(char *out, const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

void md_rmtree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;

    if (!d) {
        unlink(path);
        return;
    }
    while ((e = readdir(d))) {
        char *child;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        struct stat st;
        child = md_fmt("%s/%s", path, e->d_name);
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            md_rmtree(child);
        else
            unlink(child);
        free(child);
    }
    closedir(d);
    rmdir(path);
}
