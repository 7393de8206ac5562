/* A one-line progress bar on a terminal: phase, bytes, rate and time left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

struct cli_progress {
    bool enabled, drawn;
    mstore_phase phase;
    double start, last;
    char id[64];
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

cli_progress *cli_progress_new(bool enabled)
{
    cli_progress *p = calloc(1, sizeof(*p));

    if (p)
        p->enabled = enabled;
    return p;
}

static void human(char *out, size_t n, double bytes)
{
    const char *units[] = {"B", "KB", "MB", "GB"};
    int u = 0;

    while (bytes >= 1000 && u < 3) {
        bytes /= 1000;
        u++;
    }
    snprintf(out, n, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

int cli_progress_cb(void *ctx, const char *id, mstore_phase phase, uint64_t done, uint64_t total)
{
    cli_progress *p = ctx;
    char d[24], t[24], r[24], eta[24] = "--:--";
    double now, rate, frac;
    int width = 24, fill;

    if (!p || !p->enabled || (phase != MSTORE_PHASE_DOWNLOAD && phase != MSTORE_PHASE_EXTRACT))
        return 0;
    now = now_s();
    if (phase != p->phase || strncmp(p->id, id ? id : "", sizeof(p->id) - 1) != 0 || !p->drawn) {
        if (p->drawn)
            fputc('\n', stderr);
        p->phase = phase;
        snprintf(p->id, sizeof(p->id), "%s", id ? id : "");
        p->start = now;
        p->last = 0;
    }
    /* At most ten redraws a second, and always the last one. */
    if (now - p->last < 0.1 && done != total)
        return 0;
    p->last = now;
    p->drawn = true;
    rate = now > p->start ? done / (now - p->start) : 0;
    frac = total ? (double)done / (double)total : 0;
    fill = (int)(frac * width);
    human(d, sizeof(d), (double)done);
    human(t, sizeof(t), (double)total);
    human(r, sizeof(r), rate);
    if (rate > 0 && total >= done) {
        long left = (long)((double)(total - done) / rate);
        snprintf(eta, sizeof(eta), "%ld:%02ld", left / 60, left % 60);
    }
    fprintf(stderr, "\r%-8s %-28.28s [%.*s%*s] %9s / %-9s %9s/s  %s left ",
            mstore_phase_name(phase), p->id, fill, "########################", width - fill, "", d,
            t, r, eta);
    fflush(stderr);
    return 0;
}

void cli_progress_finish(cli_progress *p)
{
    if (p && p->drawn)
        fputc('\n', stderr);
    free(p);
}
