/*
 * bench_runtime_latency: the control loop's wake-up latency at 500 Hz on this machine, playing a
 * motion on the simulated g1-29dof, first with the machine as it is ("idle"), then with a busy
 * loop on every other core. Prints p50, p99, p99.9, max, overruns, the tick's own cost on the
 * real-time thread (cold caches), and the latency histogram. Also prints the conditions: cores,
 * load average, whether SCHED_FIFO and mlockall were granted.
 *
 *   bench_runtime_latency [--duration SECONDS] [--rate HZ]      (default 60 s at 500 Hz)
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "motion/motion.h"
#include "mpk/mpk.h"

static atomic_bool stop_busy;

static void *busy(void *arg)
{
    volatile uint64_t x = 0;

    (void)arg;
    while (!atomic_load_explicit(&stop_busy, memory_order_relaxed))
        x++;
    return NULL;
}

static motion_clip *make_clip(const mpk_robot_model *m)
{
    const char *names[MOTION_MAX_JOINTS];
    int idx[MOTION_MAX_JOINTS], n = 0, j, k;
    uint32_t frames = 20 * 50 + 1, f;
    mpk_track *t = NULL;
    motion_clip *c = NULL;
    float *p;

    for (j = 0; j < m->joint_count; j++)
        if (m->joints[j].group != MPK_GROUP_LEG) {
            idx[n] = j;
            names[n++] = m->joints[j].name;
        }
    if (mpk_track_new(&t, m->id, n, names, 50, frames, 0) != MPK_OK)
        exit(1);
    p = mpk_track_positions(t);
    for (f = 0; f < frames; f++)
        for (k = 0; k < n; k++) {
            const mpk_joint *jt = &m->joints[idx[k]];
            p[(size_t)f * n + k] =
                (float)(0.5 * (jt->lower + jt->upper) +
                        0.2 * (jt->upper - jt->lower) * sin(2 * M_PI * f / (frames - 1.0) * 2 + k));
        }
    if (motion_clip_from_track(&c, t, m, "bench") != MOTION_OK) {
        fprintf(stderr, "bench: %s\n", motion_error_message());
        exit(1);
    }
    mpk_track_free(t);
    return c;
}

static void print_histogram(const motion_histogram *h)
{
    /* Condensed: decades of microseconds. */
    static const uint64_t edges[] = {0,      10000,  20000,   50000,   100000,
                                     200000, 500000, 1000000, 2000000, UINT64_MAX};
    uint64_t counts[9] = {0}, lo, hi;
    int b, e;

    for (b = 0; b < MOTION_HIST_BUCKETS; b++) {
        if (!h->buckets[b])
            continue;
        motion_histogram_bucket_range(b, &lo, &hi);
        for (e = 0; e < 9; e++)
            if (lo >= edges[e] && lo < edges[e + 1])
                counts[e] += h->buckets[b];
    }
    printf("    histogram:");
    for (e = 0; e < 9; e++) {
        if (e < 8)
            printf(" <%llu us: %llu;", (unsigned long long)edges[e + 1] / 1000,
                   (unsigned long long)counts[e]);
        else
            printf(" >=2000 us: %llu\n", (unsigned long long)counts[e]);
    }
}

static void run_phase(const mpk_robot_model *m, const char *name, int busy_threads, double seconds,
                      double rate)
{
    motion_loop_config cfg;
    motion_loop *L = NULL;
    motion_loop_stats s;
    motion_play_options po;
    motion_event ev;
    pthread_t th[16];
    double load[3] = {0};
    int i, elapsed;

    motion_loop_config_init(&cfg);
    cfg.rate_hz = rate;
    if (motion_loop_new(&L, m, &cfg) != MOTION_OK) {
        fprintf(stderr, "bench: %s\n", motion_error_message());
        exit(1);
    }
    motion_play_options_init(&po);
    po.loops = MOTION_LOOP_FOREVER;
    if (motion_loop_play(L, make_clip(m), &po) != MOTION_OK || motion_loop_start(L) != MOTION_OK) {
        fprintf(stderr, "bench: %s\n", motion_error_message());
        exit(1);
    }
    atomic_store(&stop_busy, false);
    for (i = 0; i < busy_threads && i < 16; i++)
        pthread_create(&th[i], NULL, busy, NULL);
    sleep(2); /* blend-in done, busy loops running */
    motion_loop_stats_reset(L);
    getloadavg(load, 3);
    for (elapsed = 0; elapsed < (int)seconds; elapsed++) {
        sleep(1);
        while (motion_loop_poll_event(L, &ev) == MOTION_OK)
            ;
    }
    motion_loop_stats_get(L, &s);
    atomic_store(&stop_busy, true);
    for (i = 0; i < busy_threads && i < 16; i++)
        pthread_join(th[i], NULL);
    printf("  %s (%d busy thread%s, load average %.2f at start, %s, %s):\n", name, busy_threads,
           busy_threads == 1 ? "" : "s", load[0], s.realtime ? "SCHED_FIFO 80" : "NORMAL priority",
           s.memory_locked ? "memory locked" : "memory NOT locked");
    printf("    wake-up latency  p50 %6.1f us  p99 %6.1f us  p99.9 %6.1f us  max %7.1f us  "
           "overruns %llu of %llu ticks (%llu periods missed)\n",
           motion_histogram_quantile(&s.wakeup, 0.5) / 1e3,
           motion_histogram_quantile(&s.wakeup, 0.99) / 1e3,
           motion_histogram_quantile(&s.wakeup, 0.999) / 1e3, s.wakeup.max_ns / 1e3,
           (unsigned long long)s.overruns, (unsigned long long)s.ticks,
           (unsigned long long)s.missed_periods);
    printf("    tick on the loop thread  p50 %6.2f us  p99 %6.2f us  max %7.2f us\n",
           motion_histogram_quantile(&s.tick, 0.5) / 1e3,
           motion_histogram_quantile(&s.tick, 0.99) / 1e3, s.tick.max_ns / 1e3);
    print_histogram(&s.wakeup);
    motion_loop_free(L);
}

int main(int argc, char **argv)
{
    const mpk_robot_model *m = mpk_robot_find("g1-29dof");
    double seconds = 60, rate = 500;
    struct utsname u;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int i;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--duration") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--rate") == 0)
            rate = atof(argv[i + 1]);
    }
    if (!m || !(seconds >= 1) || !(rate >= MOTION_RATE_MIN && rate <= MOTION_RATE_MAX)) {
        fprintf(stderr, "usage: bench_runtime_latency [--duration SECONDS] [--rate HZ]\n");
        return 2;
    }
    uname(&u);
    printf("bench_runtime_latency: %g Hz for %g s per phase, g1-29dof arm mode on the simulated "
           "robot; %ld cores, Linux %s\n",
           rate, seconds, cores, u.release);
    run_phase(m, "as the machine is", 0, seconds, rate);
    run_phase(m, "other cores busy", cores > 1 ? (int)cores - 1 : 1, seconds, rate);
    return 0;
}
