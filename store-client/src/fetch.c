/* One target of the store fetched outside an install (a catalog thumbnail, say). It is looked up
 * in the stored metadata of the last update while that is complete and unexpired, so that a page
 * of thumbnails costs no round trip per picture, else after a refresh; downloaded and verified
 * like a package (length and hashes from the signed targets metadata, never more bytes than
 * that); cached under CACHE/targets/ by the SHA-256 of its path; and handed over as the very
 * bytes that were hashed. Everything runs under the metadata lock, so a fetch never meets a
 * refresh half done, and two fetches never share a partial file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "install_internal.h"
#include "internal.h"
#include "updater_internal.h"

/* Bytes the target cache keeps; beyond, the files used longest ago go first. */
#define TARGET_CACHE_MAX (64ull * 1024 * 1024)
/* Files the cache walks through when it prunes (a stray folder could hold any number). */
#define TARGET_CACHE_FILES 65536

/* Reads the target's signed length from fd and checks the bytes in memory against its hashes:
 * what is handed over is exactly what was checked. */
static int read_verified(void **out, int fd, const mstore_target *t, const char *what)
{
    mstore_hash hashes[MSTORE__HASHES_MAX];
    uint64_t length = mstore_target_length(t), done = 0;
    size_t n = mstore_target_hashes(t, hashes, MSTORE__HASHES_MAX);
    unsigned char *buf;
    int rc;

    if (n > MSTORE__HASHES_MAX)
        return mstore__error(MSTORE_EUNSUPPORTED, "%s: lists %zu hashes", what, n);
    if (!(buf = malloc(length ? (size_t)length : 1)))
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    while (done < length) {
        ssize_t r = pread(fd, buf + done, (size_t)(length - done), (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? mstore__error(MSTORE_EIO, "%s: %s", what, strerror(errno))
                       : mstore__error(MSTORE_ELENGTH, "%s: shorter than its signed length", what);
            free(buf);
            return rc;
        }
        done += (uint64_t)r;
    }
    if ((rc = mstore__data_verify(buf, (size_t)length, what, length, hashes, n))) {
        free(buf);
        return rc;
    }
    *out = buf;
    return MSTORE_OK;
}

typedef struct cached {
    char name[MSTORE_HASH_HEX_MAX];
    struct timespec used;
    uint64_t size;
} cached;

static int by_use(const void *a, const void *b)
{
    const struct timespec *x = &((const cached *)a)->used, *y = &((const cached *)b)->used;

    return x->tv_sec != y->tv_sec     ? (x->tv_sec < y->tv_sec ? -1 : 1)
           : x->tv_nsec != y->tv_nsec ? (x->tv_nsec < y->tv_nsec ? -1 : 1)
                                      : 0;
}

/* Keeps the cache within TARGET_CACHE_MAX bytes: the files used longest ago (modification time,
 * renewed at each use) are removed first, never keep. Only names this code makes are touched. */
static void prune_cache(const char *dir, const char *keep)
{
    cached *files = NULL, *grown;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    struct dirent *e;
    struct stat st;
    DIR *d = opendir(dir);

    if (!d)
        return;
    while ((e = readdir(d)) && n < TARGET_CACHE_FILES) {
        if (strlen(e->d_name) != 64 || strspn(e->d_name, "0123456789abcdef") != 64 ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            if (!(grown = realloc(files, cap * sizeof(*files))))
                break;
            files = grown;
        }
        memcpy(files[n].name, e->d_name, 65);
        files[n].used = st.st_mtim;
        files[n].size = (uint64_t)st.st_size;
        total += files[n].size;
        n++;
    }
    if (total > TARGET_CACHE_MAX) {
        qsort(files, n, sizeof(*files), by_use);
        for (size_t i = 0; i < n && total > TARGET_CACHE_MAX; i++)
            if (strcmp(files[i].name, keep) != 0 && unlinkat(dirfd(d), files[i].name, 0) == 0)
                total -= files[i].size;
    }
    closedir(d);
    free(files);
}

/* The target's entry: from the stored metadata if it is usable and lists the target, else after
 * a refresh. */
static int find_target(mstore_target **out, mstore_client *c, mstore_updater *u, const char *path)
{
    bool refreshed = false;
    int rc;

    if ((rc = mstore__updater_load_stored(u))) {
        mstore__clog(c, "%s: the stored metadata will not do (%s): refreshing", path,
                     mstore_error_message());
        mstore_error_clear();
        if ((rc = mstore_updater_refresh(u)))
            return rc;
        refreshed = true;
    }
    rc = mstore_updater_get_target(out, u, path);
    if (rc == MSTORE_ENOTFOUND && !refreshed) {
        mstore__clog(c, "%s: not in the stored metadata: refreshing", path);
        mstore_error_clear();
        if ((rc = mstore_updater_refresh(u)))
            return rc;
        rc = mstore_updater_get_target(out, u, path);
    }
    return rc;
}

int mstore_client_fetch_target(void **data, size_t *size, mstore_client *c, const char *target_path,
                               size_t max_size)
{
    char key[MSTORE_HASH_HEX_MAX], *dir = NULL, *partial = NULL, *file = NULL;
    mstore_updater *u = NULL;
    mstore_target *t = NULL;
    void *buf = NULL;
    int lock = -1, fd = -1, rc;

    if (!data || !size || !c || !target_path)
        return mstore__error(MSTORE_EINVAL, "no output, client or target path");
    /* Relative, '/'-separated, no "." or ".." segment: it becomes part of the store's URL. */
    if (!mstore__entry_name_ok(target_path))
        return mstore__error(MSTORE_EINVAL, "'%.200s' is not a target path", target_path);
    if ((rc = mstore_hash_data(key, "sha256", target_path, strlen(target_path))))
        return rc;
    dir = mstore__asprintf("%s/targets", c->cache);
    partial = mstore__asprintf("%s/targets/.partial", c->cache);
    file = mstore__asprintf("%s/targets/%s", c->cache, key);
    if (!dir || !partial || !file) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mstore__metadata_lock(&lock, c)) ||
        (rc = mstore__updater_open(&u, c, NULL, NULL, 0, NULL, 0, partial)) ||
        (rc = find_target(&t, c, u, target_path)))
        goto out;
    if (mstore_target_length(t) > max_size) {
        rc = mstore__error(MSTORE_ELIMIT, "%s: %llu bytes, more than the %zu asked for",
                           target_path, (unsigned long long)mstore_target_length(t), max_size);
        goto out;
    }
    if ((rc = mstore__mkdirs(dir, 0755)) ||
        (rc = mstore__updater_download_target_fd(&fd, u, t, file, NULL)) ||
        (rc = read_verified(&buf, fd, t, target_path)))
        goto out;
    /* Marks it used, for the pruning below (a failure only makes it look older). */
    if (futimens(fd, NULL) != 0) {
        /* nothing to do */
    }
    prune_cache(dir, key);
    *data = buf;
    *size = (size_t)mstore_target_length(t);
    buf = NULL;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    mstore_target_free(t);
    mstore_updater_free(u);
    mstore__lock_release(lock);
    free(dir);
    free(partial);
    free(file);
    return rc;
}
