/* motiond's log lines: "motiond: [level] message" on stderr, or "<priority>motiond: message" when
 * stderr is the journal's stream; one write() per line so that lines from several threads never
 * interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_int g_level = MD_LOG_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};
/* syslog priorities: err, warning, info, debug */
static const int priorities[] = {3, 4, 6, 7};

void md_log_set_level(md_log_level level)
{
    atomic_store(&g_level, (int)level);
}

md_log_level md_log_get_level(void)
{
    return (md_log_level)atomic_load(&g_level);
}

int md_log_parse_level(md_log_level *out, const char *text)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (md_log_level)i;
            return 0;
        }
    }
    if (strcmp(text, "warning") == 0) {
        *out = MD_LOG_WARN;
        return 0;
    }
    return -1;
}

const char *md_log_level_name(md_log_level level)
{
    return (unsigned)level < 4 ? names[level] : "?";
}

/* stderr is the journal's stream when JOURNAL_STREAM names its device and inode ("dev:ino", as
 * systemd sets it); a program started from a service with its stderr sent elsewhere inherits the
 * variable but not the stream, and keeps the plain format. Decided once: stderr does not change. */
static bool journal_stream(void)
{
    const char *j = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    char tail;

    if (!j || sscanf(j, "%llu:%llu%c", &dev, &ino, &tail) != 2)
        return false;
    return fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

static bool journal(void)
{
    static atomic_int known = -1; /* -1 not yet decided, else 0 or 1 */
    int v = atomic_load(&known);

    if (v < 0) {
        v = journal_stream() ? 1 : 0;
        atomic_store(&known, v);
    }
    return v == 1;
}

static void write_all(const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, buf, n);
        if (w <= 0)
            return;
        buf += w;
        n -= (size_t)w;
    }
}

void md_log(md_log_level level, const char *fmt, ...)
{
    char line[2048];
    size_t n;
    int k;
    va_list ap;

    if ((int)level > atomic_load(&g_level))
        return;
    if (journal())
        k = snprintf(line, sizeof(line), "<%d>motiond: ", priorities[level]);
    else
        k = snprintf(line, sizeof(line), "motiond: [%s] ", names[level]);
    n = k > 0 ? (size_t)k : 0;
    va_start(ap, fmt);
    k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (k > 0)
        n += (size_t)k < sizeof(line) - n - 1 ? (size_t)k : sizeof(line) - n - 2;
    line[n++] = '\n';
    write_all(line, n);
}

void md_log_block(md_log_level level, const char *text)
{
    if ((int)level > atomic_load(&g_level))
        return;
    write_all(text, strlen(text));
}
