/*
 * bench_dds: the DDS backend's link on loopback, publisher and subscriber in two processes.
 *
 * The publisher ticks at a fixed rate with absolute deadlines (as the control loop does) and writes
 * one hg LowCmd_ per tick through the backend's link; a forked subscriber process takes every
 * sample, checks its CRC and notes when it arrived. Prints the latency from the tick to the
 * subscriber's receipt (p50, p99, p99.9, max), the cost of a write, wake-up lateness, and the
 * messages the subscriber missed, got late (later than one period after their tick), got with a
 * bad CRC, or got again for a tick it had already received.
 *
 * Like the control loop, both processes ask for SCHED_FIFO and locked memory before CycloneDDS
 * starts its threads (which inherit the policy); the report says whether that was permitted.
 *
 * usage: bench_dds [--duration S] [--rate HZ] [--domain N] [--no-fifo]
 *        (default 60 s, 500 Hz, domain 150)
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dds_domain.h"
#include "dds_link.h"
#include "unitree_crc.h"
#include "unitree_msgs.h"

typedef struct shared {
    atomic_int ready, stop;
    uint64_t bad_crc, received, out_of_range, repeated;
    int64_t recv_ns[]; /* per sequence number; 0 = not received */
} shared;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* @return 1 when real-time scheduling was granted */
static int realtime(int want)
{
    struct sched_param sp = {.sched_priority = 40};

    if (!want || sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
        return 0;
    mlockall(MCL_CURRENT | MCL_FUTURE);
    return 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double pct(const int64_t *sorted, long n, double p)
{
    long i = (long)(p / 100.0 * (double)(n - 1) + 0.5);
    return n ? (double)sorted[i] / 1000.0 : 0.0;
}

/* Child: takes every sample as it arrives and stamps it. */
static int subscriber(shared *sh, long count, uint32_t domain)
{
    motion__dds_node node;
    dds_entity_t topic, reader, ws;
    dds_qos_t *qos;
    motion__hg_lowcmd msg;
    char err[512];

    if (motion__dds_node_open(&node, domain, "lo", err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_dds: subscriber: %s\n", err);
        return 1;
    }
    topic = dds_create_topic(node.participant, &unitree_hg_msg_dds__LowCmd__desc,
                             MOTION_DDS_TOPIC_LOWCMD, NULL, NULL);
    qos = dds_create_qos();
    dds_qset_reliability(qos, DDS_RELIABILITY_BEST_EFFORT, 0);
    dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, 64);
    reader = dds_create_reader(node.participant, topic, qos, NULL);
    dds_delete_qos(qos);
    ws = dds_create_waitset(node.participant);
    dds_set_status_mask(reader, DDS_DATA_AVAILABLE_STATUS);
    dds_waitset_attach(ws, reader, 0);
    atomic_store(&sh->ready, 1);
    while (!atomic_load(&sh->stop)) {
        dds_waitset_wait(ws, NULL, 0, DDS_MSECS(50));
        for (;;) {
            void *ptr = &msg;
            dds_sample_info_t info;
            int64_t t;
            long seq;
            memset(&msg, 0, sizeof(msg));
            if (dds_take(reader, &ptr, &info, 1, 1) <= 0)
                break;
            t = now_ns();
            if (!info.valid_data)
                continue;
            sh->received++;
            if (motion__unitree_crc(&msg, sizeof(msg)) != msg.crc) {
                sh->bad_crc++;
                continue;
            }
            seq = (long)msg.motor_cmd[0].q;
            if (seq < 0 || seq >= count)
                sh->out_of_range++;
            else if (sh->recv_ns[seq])
                sh->repeated++; /* the same tick's message again: the first receipt counts */
            else
                sh->recv_ns[seq] = t;
        }
    }
    motion__dds_node_close(&node);
    return 0;
}

int main(int argc, char **argv)
{
    double duration = 60.0;
    long rate = 500, domain = 150, count, warmup;
    motion__dds_link_config cfg = {MOTION__DDS_HG, 0, "lo", 29};
    motion__dds_link *link = NULL;
    motion__dds_motor motors[MOTION_DDS_LINK_SLOTS];
    int64_t *tick_ns, *write_ns, *wake_ns, *lat;
    shared *sh;
    size_t shsize;
    pid_t child;
    char err[512];
    int64_t next, period;
    long missed = 0, late = 0, n = 0;
    int fifo = 1, rt;

    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--no-fifo") == 0) {
            fifo = 0;
            i--;
        } else if (i + 1 >= argc) {
            fprintf(stderr,
                    "usage: bench_dds [--duration S] [--rate HZ] [--domain N] [--no-fifo]\n");
            return 2;
        } else if (strcmp(argv[i], "--duration") == 0)
            duration = strtod(argv[i + 1], NULL);
        else if (strcmp(argv[i], "--rate") == 0)
            rate = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--domain") == 0)
            domain = strtol(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr,
                    "usage: bench_dds [--duration S] [--rate HZ] [--domain N] [--no-fifo]\n");
            return 2;
        }
    }
    if (duration <= 0 || rate < 1 || rate > 10000 || domain < 0 || domain > MOTION_DDS_DOMAIN_MAX) {
        fprintf(stderr, "bench_dds: bad --duration, --rate or --domain\n");
        return 2;
    }
    period = 1000000000 / rate;
    warmup = rate; /* one second to settle discovery and caches, not counted */
    count = warmup + (long)(duration * (double)rate);
    shsize = sizeof(shared) + (size_t)count * sizeof(int64_t);
    sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    tick_ns = calloc((size_t)count, sizeof(int64_t));
    write_ns = calloc((size_t)count, sizeof(int64_t));
    wake_ns = calloc((size_t)count, sizeof(int64_t));
    lat = calloc((size_t)count, sizeof(int64_t));
    if (sh == MAP_FAILED || !tick_ns || !write_ns || !wake_ns || !lat) {
        fprintf(stderr, "bench_dds: out of memory\n");
        return 1;
    }
    fflush(stdout);
    rt = realtime(fifo); /* before fork and before CycloneDDS: every thread inherits it */
    child = fork();
    if (child == 0)
        _exit(subscriber(sh, count, (uint32_t)domain));
    while (!atomic_load(&sh->ready))
        usleep(1000);
    cfg.domain = (uint32_t)domain;
    if (motion__dds_link_open(&link, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_dds: %s\n", err);
        kill(child, SIGKILL);
        return 1;
    }
    for (int i = 0; i < 500 && motion__dds_link_matched(link, 0) < 1; i++)
        usleep(10000);
    if (motion__dds_link_matched(link, 0) < 1) {
        fprintf(stderr, "bench_dds: the subscriber did not match within 5 s\n");
        kill(child, SIGKILL);
        return 1;
    }
    memset(motors, 0, sizeof(motors));
    for (int i = 0; i < 29; i++)
        motors[i] = (motion__dds_motor){0.1f, 0, 0, 40.f, 1.f, 1, 1};
    next = now_ns() + period;
    for (long s = 0; s < count; s++) {
        struct timespec ts = {next / 1000000000, next % 1000000000};
        int64_t t0;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        t0 = now_ns();
        motors[0].q = (float)s;
        tick_ns[s] = t0;
        wake_ns[s] = t0 - next;
        motion__dds_link_write(link, motors, 0, 0.0);
        write_ns[s] = now_ns() - t0;
        next += period;
    }
    usleep(300000);
    atomic_store(&sh->stop, 1);
    waitpid(child, NULL, 0);

    for (long s = warmup; s < count; s++) {
        if (!sh->recv_ns[s]) {
            missed++;
            continue;
        }
        lat[n] = sh->recv_ns[s] - tick_ns[s];
        if (lat[n] > period)
            late++;
        n++;
    }
    qsort(lat, (size_t)n, sizeof(int64_t), cmp_i64);
    qsort(write_ns + warmup, (size_t)(count - warmup), sizeof(int64_t), cmp_i64);
    qsort(wake_ns + warmup, (size_t)(count - warmup), sizeof(int64_t), cmp_i64);
    printf("bench_dds: hg LowCmd_ on rt/lowcmd, loopback, %ld Hz for %.0f s (%ld messages after "
           "%ld warm-up), publisher and subscriber in two processes, %s\n",
           rate, duration, count - warmup, warmup,
           rt ? "SCHED_FIFO 40 + mlockall" : "SCHED_OTHER (real-time scheduling not permitted)");
    printf("  tick -> subscriber receipt latency (us): p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
           pct(lat, n, 50), pct(lat, n, 99), pct(lat, n, 99.9), n ? lat[n - 1] / 1000.0 : 0.0);
    printf("  write (pack + CRC + dds_write) (us):   p50 %.1f  p99 %.1f  max %.1f\n",
           pct(write_ns + warmup, count - warmup, 50), pct(write_ns + warmup, count - warmup, 99),
           write_ns[count - 1] / 1000.0);
    printf("  publisher wake-up lateness (us):      p50 %.1f  p99 %.1f  max %.1f\n",
           pct(wake_ns + warmup, count - warmup, 50), pct(wake_ns + warmup, count - warmup, 99),
           wake_ns[count - 1] / 1000.0);
    printf("  subscriber: received %llu, missed %ld, late (> %.1f ms after the tick) %ld, bad CRC "
           "%llu, repeated tick %llu, unknown tick %llu\n",
           (unsigned long long)sh->received, missed, (double)period / 1e6, late,
           (unsigned long long)sh->bad_crc, (unsigned long long)sh->repeated,
           (unsigned long long)sh->out_of_range);
    motion__dds_link_close(link);
    return 0;
}
