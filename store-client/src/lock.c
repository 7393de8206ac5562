/* The installer lock: an exclusive flock() on STATE/lock. Each acquisition opens the file anew,
 * so two threads of one process exclude each other just like two processes; the kernel drops
 * the lock when a process dies, so a crashed installer never leaves it held. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "install_internal.h"
#include "internal.h"

int mstore__lock_acquire(int *out, const char *state_dir, long timeout_ms)
{
    char *path = mstore__asprintf("%s/lock", state_dir);
    int64_t deadline = mstore__now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    char pid[32], held[32] = "";
    ssize_t n;
    int fd;

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
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK || mstore__now_ms() >= deadline) {
            int e = errno;
            n = pread(fd, held, sizeof(held) - 1, 0);
            held[n > 0 ? n : 0] = '\0';
            held[strcspn(held, "\n")] = '\0';
            close(fd);
            if (e != EWOULDBLOCK)
                mstore__error(MSTORE_EIO, "%s: flock: %s", path, strerror(e));
            else if (*held)
                mstore__error(MSTORE_EBUSY, "%s: another installer is running (pid %s)", path,
                              held);
            else
                mstore__error(MSTORE_EBUSY, "%s: another installer is running", path);
            free(path);
            return e == EWOULDBLOCK ? MSTORE_EBUSY : MSTORE_EIO;
        }
        mstore__sleep_ms(20);
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
