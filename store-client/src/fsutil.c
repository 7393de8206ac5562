/* File-system helpers of the install side: tree removal, folder fsync, free space, atomic
 * symbolic-link switches. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "install_internal.h"
#include "internal.h"

bool mstore__exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

bool mstore__is_dir(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mstore__fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return mstore__error(MSTORE_EIO, "%s: %s", path, strerror(errno));
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        return mstore__error(MSTORE_EIO, "%s: fsync: %s", path, strerror(e));
    }
    close(fd);
    return MSTORE_OK;
}

/* Removes the contents of the folder open as dfd, then the entry name in parent. */
static int rmtree_at(int parent, const char *name, int depth)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    int fd, rc = MSTORE_OK;

    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? MSTORE_OK
                               : mstore__error(MSTORE_EIO, "%s: %s", name, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(parent, name, 0) != 0 && errno != ENOENT)
            return mstore__error(MSTORE_EIO, "%s: unlink: %s", name, strerror(errno));
        return MSTORE_OK;
    }
    if (depth > 64)
        return mstore__error(MSTORE_ELIMIT, "%s: folders nested too deep", name);
    fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return mstore__error(MSTORE_EIO, "%s: %s", name, strerror(errno));
    }
    while (rc == MSTORE_OK && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        rc = rmtree_at(dirfd(d), de->d_name, depth + 1);
    }
    closedir(d);
    if (rc == MSTORE_OK && unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        rc = mstore__error(MSTORE_EIO, "%s: rmdir: %s", name, strerror(errno));
    return rc;
}

int mstore__rmtree(const char *path)
{
    char *copy = mstore__strdup(path), *slash;
    const char *dir = ".", *name = path;
    int pfd, rc;

    if (!copy)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    slash = strrchr(copy, '/');
    if (slash) {
        *slash = '\0';
        dir = slash == copy ? "/" : copy;
        name = slash + 1;
    }
    pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0) {
        rc =
            errno == ENOENT ? MSTORE_OK : mstore__error(MSTORE_EIO, "%s: %s", dir, strerror(errno));
        free(copy);
        return rc;
    }
    rc = rmtree_at(pfd, name, 0);
    if (rc)
        mstore__error_prefix(rc, "%s", dir);
    close(pfd);
    free(copy);
    return rc;
}

int mstore__free_space(uint64_t *out, const char *path)
{
    struct statvfs vfs;

    if (statvfs(path, &vfs) != 0)
        return mstore__error(MSTORE_EIO, "%s: statvfs: %s", path, strerror(errno));
    *out = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
    return MSTORE_OK;
}

int mstore__discard(const char *dir, const char *name)
{
    char *from = mstore__asprintf("%s/%s", dir, name), *to = NULL;
    unsigned char rnd[6];
    char hex[13];
    int rc;

    if (!from)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    if (!mstore__exists(from)) {
        free(from);
        return MSTORE_OK;
    }
    mstore__random(NULL, rnd, sizeof(rnd));
    mstore__hex(hex, rnd, sizeof(rnd));
    to = mstore__asprintf("%s/.trash-%s", dir, hex);
    if (!to) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    /* The rename is the step that counts (a crash after it leaves only a .trash-* leftover that
     * the next start removes); the removal of the tree is housekeeping. */
    if (rename(from, to) != 0) {
        rc = mstore__error(MSTORE_EIO, "%s: rename: %s", from, strerror(errno));
        goto out;
    }
    if ((rc = mstore__fsync_dir(dir)))
        goto out;
    rc = mstore__rmtree(to);
out:
    free(from);
    free(to);
    return rc;
}

int mstore__switch_link(const char *dir, const char *name, const char *target)
{
    char *tmp = mstore__asprintf("%s/.%s.tmp", dir, name);
    char *dst = mstore__asprintf("%s/%s", dir, name);
    int rc = MSTORE_OK;

    if (!tmp || !dst) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if (unlink(tmp) != 0 && errno != ENOENT) {
        rc = mstore__error(MSTORE_EIO, "%s: unlink: %s", tmp, strerror(errno));
        goto out;
    }
    if (symlink(target, tmp) != 0) {
        rc = mstore__error(MSTORE_EIO, "%s: symlink: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, dst) != 0) {
        rc = mstore__error(MSTORE_EIO, "%s: rename: %s", dst, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = mstore__fsync_dir(dir);
out:
    free(tmp);
    free(dst);
    return rc;
}

int mstore__read_link(char **out, const char *dir, const char *name)
{
    char *path = mstore__asprintf("%s/%s", dir, name);
    char buf[256];
    ssize_t n;

    *out = NULL;
    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    n = readlink(path, buf, sizeof(buf) - 1);
    free(path);
    if (n < 0)
        return errno == ENOENT || errno == EINVAL
                   ? MSTORE_OK
                   : mstore__error(MSTORE_EIO, "%s/%s: readlink: %s", dir, name, strerror(errno));
    buf[n] = '\0';
    if (!(*out = mstore__strdup(buf)))
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

void mstore__iso_time(char out[24], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
