/* The client's two locks, exclusive flock()s on files of the state folder:
 * - STATE/lock, the installer lock: held for a whole install, upgrade, rollback, remove or
 *   sideload, waited for as long as the caller allows (lock_timeout_ms);
 * - STATE/metadata.lock, the metadata lock: held while the stored TUF metadata and the cached
 *   catalog are refreshed, and while a target is looked up and fetched outside an install, so
 *   that two refreshes never interleave (each reads the stored files, checks what it fetched
 *   against them and writes; interleaved, the slower one would store a timestamp older than the
 *   other's). It is held for one refresh at most, so it is waited for until it is free or the
 *   caller cancels. An installer takes it while it holds the installer lock, never the other way
 *   round, so the two never deadlock.
 * Each acquisition opens the file anew, so two threads of one process exclude each other just
 * like two processes; the kernel drops a lock when its process dies, so a crash never leaves one
 * held. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "install_internal.h"
#include "internal.h"

/* Reads the pid its holder wrote (for messages only). */
static void holder(char *out, size_t size, int fd)
{
    ssize_t n = pread(fd, out, size - 1, 0);

    out[n > 0 ? n : 0] = '\0';
    out[strcspn(out, "\n")] = '\0';
}

/* Takes STATE/name. timeout_ms < 0 waits without limit; cancel (may be NULL) ends a wait. */
static int acquire(int *out, const char *state_dir, const char *name, long timeout_ms,
                   const atomic_int *cancel, const char *busy)
{
    char *path = mstore__asprintf("%s/%s", state_dir, name);
    int64_t deadline = mstore__now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    char pid[32], held[32] = "";
    int n, fd;

    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        int e = errno;
        mstore__error(MSTORE_EIO, "%s: %s", path, strerror(e));
        free(path);
        return MSTORE_EIO;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno, rc;
        if (e == EINTR)
            continue;
        if (e == EWOULDBLOCK && !(cancel && atomic_load(cancel)) &&
            (timeout_ms < 0 || mstore__now_ms() < deadline)) {
            mstore__sleep_ms(20);
            continue;
        }
        holder(held, sizeof(held), fd);
        close(fd);
        if (e != EWOULDBLOCK)
            rc = mstore__error(MSTORE_EIO, "%s: flock: %s", path, strerror(e));
        else if (cancel && atomic_load(cancel))
            rc = mstore__error(MSTORE_ECANCELED, "%s: canceled while waiting for the lock", path);
        else if (*held)
            rc = mstore__error(MSTORE_EBUSY, "%s: %s (pid %s)", path, busy, held);
        else
            rc = mstore__error(MSTORE_EBUSY, "%s: %s", path, busy);
        free(path);
        return rc;
    }
    /* The pid is only for messages; the lock itself is the flock. */
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) < 0) {
        /* a message aid only */
    }
    free(path);
    *out = fd;
    return MSTORE_OK;
}

int mstore__lock_acquire(int *out, const char *state_dir, long timeout_ms)
{
    return acquire(out, state_dir, "lock", timeout_ms > 0 ? timeout_ms : 0, NULL,
                   "another installer is running");
}

int mstore__metadata_lock(int *out, mstore_client *c)
{
    int rc = acquire(out, c->state, "metadata.lock", 0, NULL, "another update is running");

    if (rc != MSTORE_EBUSY)
        return rc;
    mstore__clog(c, "waiting for the metadata lock: %s", mstore_error_message());
    mstore_error_clear();
    return acquire(out, c->state, "metadata.lock", -1, c->o.cancel, "another update is running");
}

void mstore__lock_release(int fd)
{
    if (fd >= 0) {
        if (ftruncate(fd, 0) != 0) {
            /* a message aid only */
        }
        flock(fd, LOCK_UN);
        close(fd);
    }
}
