/*
 * The "record" backend: passes everything to an inner backend (option inner=NAME, default "sim")
 * and records every command written and every new state read (option path=FILE), in the format of
 * motion/record.h. The tick only copies records into a ring buffer allocated at open; a writer
 * thread drains the ring to the file every few milliseconds, so recording adds no I/O and no
 * allocation to the control loop. If the writer falls behind, records are dropped and counted in
 * the header, never waited for.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "motion/record.h"
#include "record_format.h"

#define NAME            "record"
#define RING_SECONDS    4.0
#define DRAIN_PERIOD_NS 5000000

typedef struct recorder {
    motion_backend *inner;
    int fd;
    char *path;
    int n;
    size_t rsize;
    unsigned char *ring;
    size_t cap; /* records, a power of two */
    _Atomic size_t head, tail;
    _Atomic uint64_t dropped;
    _Atomic bool quit;
    _Atomic int write_errno;
    pthread_t thread;
    bool thread_started;
    bool have_seq;
    uint32_t last_seq;
    bool have_tick;
    uint64_t last_tick;
    char **inner_options;
} recorder;

static int write_all(int fd, const void *buf, size_t len, off_t offset, bool positioned)
{
    const unsigned char *p = buf;

    while (len > 0) {
        ssize_t w = positioned ? pwrite(fd, p, len, offset) : write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += w;
        len -= (size_t)w;
        offset += w;
    }
    return 0;
}

static void drain(recorder *r)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

    while (tail != head) {
        /* Write the contiguous run up to the ring's end in one call. */
        size_t start = tail & (r->cap - 1);
        size_t run = head - tail;
        if (run > r->cap - start)
            run = r->cap - start;
        if (atomic_load_explicit(&r->write_errno, memory_order_relaxed) == 0) {
            int e = write_all(r->fd, r->ring + start * r->rsize, run * r->rsize, 0, false);
            if (e)
                atomic_store_explicit(&r->write_errno, e, memory_order_relaxed);
        }
        if (atomic_load_explicit(&r->write_errno, memory_order_relaxed) != 0)
            atomic_fetch_add_explicit(&r->dropped, run, memory_order_relaxed);
        tail += run;
        atomic_store_explicit(&r->tail, tail, memory_order_release);
    }
}

static void *writer_main(void *arg)
{
    recorder *r = arg;
    struct timespec ts = {0, DRAIN_PERIOD_NS};

    while (!atomic_load_explicit(&r->quit, memory_order_acquire)) {
        drain(r);
        nanosleep(&ts, NULL);
    }
    drain(r);
    return NULL;
}

/* Reserves the next slot for the loop thread, or NULL (and a drop) when the ring is full. */
static unsigned char *reserve(recorder *r)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

    if (head - tail >= r->cap) {
        atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
        return NULL;
    }
    return r->ring + (head & (r->cap - 1)) * r->rsize;
}

static void publish(recorder *r)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

static void put_arrays(unsigned char *p, int n, const double *q, const double *dq, const double *kp,
                       const double *kd, const double *tau, const uint8_t *enable)
{
    unsigned char *a = p + REC_R_ARRAYS;
    int j;

    for (j = 0; j < n; j++) {
        motion__put_f64(a + (size_t)j * 8, q[j]);
        motion__put_f64(a + (size_t)(n + j) * 8, dq[j]);
        motion__put_f64(a + (size_t)(2 * n + j) * 8, kp ? kp[j] : 0.0);
        motion__put_f64(a + (size_t)(3 * n + j) * 8, kd ? kd[j] : 0.0);
        motion__put_f64(a + (size_t)(4 * n + j) * 8, tau[j]);
    }
    a += (size_t)n * 5 * 8;
    memset(a, 0, ((size_t)n + 7) / 8 * 8);
    if (enable)
        memcpy(a, enable, (size_t)n);
}

static void record_state(recorder *r, const motion_state *st)
{
    unsigned char *p = reserve(r);

    if (!p)
        return;
    memset(p, 0, REC_R_ARRAYS);
    p[REC_R_KIND] = MOTION_RECORD_STATE;
    p[REC_R_CHANNEL] = st->has_imu ? 1 : 0;
    motion__put_u32(p + REC_R_SEQ, st->seq);
    /* the tick that is reading it: the one after the last command's */
    motion__put_u64(p + REC_R_TICK, r->have_tick ? r->last_tick + 1 : 0);
    motion__put_u64(p + REC_R_TIME, (uint64_t)st->stamp_ns);
    put_arrays(p, r->n, st->q, st->dq, NULL, NULL, st->tau, NULL);
    publish(r);
}

static void record_command(recorder *r, const motion_command *c)
{
    unsigned char *p = reserve(r);

    r->last_tick = c->tick;
    r->have_tick = true;
    if (!p)
        return;
    memset(p, 0, REC_R_ARRAYS);
    p[REC_R_KIND] = MOTION_RECORD_COMMAND;
    p[REC_R_CHANNEL] = (unsigned char)c->channel;
    motion__put_u64(p + REC_R_TICK, c->tick);
    motion__put_u64(p + REC_R_TIME, (uint64_t)c->time_ns);
    motion__put_f64(p + REC_R_WEIGHT, c->weight);
    put_arrays(p, r->n, c->q, c->dq, c->kp, c->kd, c->tau, c->enable);
    publish(r);
}

static void free_inner_options(char **opts)
{
    char **o;

    for (o = opts; o && *o; o++)
        free(*o);
    free(opts);
}

/* The options meant for the inner backend: everything but path= and inner=. */
static int split_options(char ***out, motion_options options)
{
    size_t count = 0, k = 0;
    char **opts;

    while (options && options[count])
        count++;
    opts = calloc(count + 1, sizeof(*opts));
    if (!opts)
        return motion__error(MOTION_ENOMEM, "backend record: out of memory");
    for (size_t i = 0; i < count; i++) {
        if (strncmp(options[i], "path=", 5) == 0 || strncmp(options[i], "inner=", 6) == 0)
            continue;
        opts[k] = strdup(options[i]);
        if (!opts[k++]) {
            free_inner_options(opts);
            return motion__error(MOTION_ENOMEM, "backend record: out of memory");
        }
    }
    *out = opts;
    return MOTION_OK;
}

static void rec_close(void *ctx);

static int rec_open(void **ctx, const mpk_robot_model *model, double rate_hz,
                    motion_options options)
{
    const char *path = motion_options_get(options, "path");
    const char *inner = motion_options_get(options, "inner");
    unsigned char header[MOTION_RECORD_HEADER_SIZE];
    recorder *r;
    size_t want;
    int err;

    if (!path || !*path)
        return motion__error(MOTION_EINVAL, "backend record: option path=FILE is required");
    if (!inner)
        inner = "sim";
    if (strcmp(inner, NAME) == 0)
        return motion__error(MOTION_EINVAL, "backend record: inner=record would record itself");
    if (strlen(model->id) >= REC_H_MODEL_LEN)
        return motion__error(MOTION_EINVAL, "backend record: model id '%s' too long", model->id);
    r = calloc(1, sizeof(*r));
    if (!r)
        return motion__error(MOTION_ENOMEM, "backend record: out of memory");
    r->fd = -1;
    r->n = model->joint_count;
    r->rsize = motion__record_size(r->n);
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->dropped, 0);
    atomic_init(&r->quit, false);
    atomic_init(&r->write_errno, 0);
    want = (size_t)(rate_hz * RING_SECONDS * 2); /* a command and a state per tick */
    for (r->cap = 64; r->cap < want; r->cap *= 2)
        ;
    if ((err = split_options(&r->inner_options, options)) != MOTION_OK)
        goto fail;
    r->path = strdup(path);
    r->ring = malloc(r->cap * r->rsize);
    if (!r->path || !r->ring) {
        err = motion__error(MOTION_ENOMEM, "backend record: out of memory");
        goto fail;
    }
    /* Touch the ring now so that the tick never takes a page fault on it. */
    memset(r->ring, 0, r->cap * r->rsize);
    err = motion_backend_open(&r->inner, inner, model, rate_hz, (motion_options)r->inner_options);
    if (err != MOTION_OK) {
        motion__error_prefix(err, "backend record: inner backend");
        goto fail;
    }
    r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (r->fd < 0) {
        err = motion__error(MOTION_EIO, "backend record: %s: %s", path, strerror(errno));
        goto fail;
    }
    memset(header, 0, sizeof(header));
    memcpy(header + REC_H_MAGIC, MOTION_RECORD_MAGIC, 8);
    motion__put_u32(header + REC_H_VERSION, MOTION_RECORD_VERSION);
    motion__put_u32(header + REC_H_HEADER_SIZE, MOTION_RECORD_HEADER_SIZE);
    motion__put_u32(header + REC_H_JOINTS, (uint32_t)r->n);
    motion__put_u32(header + REC_H_RECORD_SIZE, (uint32_t)r->rsize);
    motion__put_f64(header + REC_H_RATE, rate_hz);
    memcpy(header + REC_H_MODEL, model->id, strlen(model->id));
    if ((err = write_all(r->fd, header, sizeof(header), 0, false)) != 0) {
        err = motion__error(MOTION_EIO, "backend record: %s: %s", path, strerror(err));
        goto fail;
    }
    if ((err = pthread_create(&r->thread, NULL, writer_main, r)) != 0) {
        err = motion__error(MOTION_ESYSTEM, "backend record: writer thread: %s", strerror(err));
        goto fail;
    }
    r->thread_started = true;
    *ctx = r;
    return MOTION_OK;
fail:
    rec_close(r);
    return err;
}

static void rec_close(void *ctx)
{
    recorder *r = ctx;
    unsigned char tail[8];
    int werr;

    if (!r)
        return;
    if (r->thread_started) {
        atomic_store_explicit(&r->quit, true, memory_order_release);
        pthread_join(r->thread, NULL);
    }
    if (r->fd >= 0) {
        werr = atomic_load(&r->write_errno);
        motion__put_u32(tail, r->thread_started && werr == 0 ? REC_FLAG_COMPLETE : 0);
        motion__put_u32(tail + 4, (uint32_t)atomic_load(&r->dropped));
        if (write_all(r->fd, tail, sizeof(tail), REC_H_FLAGS, true) != 0 || fsync(r->fd) != 0 ||
            werr != 0)
            fprintf(stderr, "motion: backend record: %s: %s\n", r->path,
                    strerror(werr ? werr : errno));
        close(r->fd);
    }
    motion_backend_free(r->inner);
    free_inner_options(r->inner_options);
    free(r->ring);
    free(r->path);
    free(r);
}

static int rec_read_state(void *ctx, motion_state *out, int64_t now_ns)
{
    recorder *r = ctx;
    int err = motion_backend_read_state(r->inner, out, now_ns);

    if (err == MOTION_OK && (!r->have_seq || out->seq != r->last_seq)) {
        r->have_seq = true;
        r->last_seq = out->seq;
        record_state(r, out);
    }
    return err;
}

static int rec_write(void *ctx, const motion_command *cmd)
{
    recorder *r = ctx;

    record_command(r, cmd);
    return motion_backend_write(r->inner, cmd);
}

/* The recorder counts no messages of its own: the inner backend's counters. */
static void rec_stats(void *ctx, motion_backend_stats *out)
{
    const recorder *r = ctx;

    motion_backend_stats_get(r->inner, out);
}

const motion_backend_ops motion__backend_record = {
    .name = NAME,
    .summary = "records every command and state to a file (options path=FILE, inner=BACKEND "
               "(default sim); other options go to the inner backend)",
    .open = rec_open,
    .close = rec_close,
    .read_state = rec_read_state,
    .write = rec_write,
    .stats = rec_stats,
};
