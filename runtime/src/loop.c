/* The control loop (motion/loop.h): a real-time thread around player, safety filter, backend. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "internal.h"
#include "lockfree.h"
#include "motion/loop.h"

/* motion_loop_estop() is one store to an atomic bool: lock-free, so async-signal-safe, only if the
 * platform's atomic bool is always lock-free. */
_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "motion_loop_estop needs a lock-free atomic bool");

#define REQUEST_CAPACITY 64
#define EVENT_CAPACITY   1024
/* Every clip the loop can own at once: in requests, in the player, or waiting here. */
#define GARBAGE_CAPACITY  (2 * (REQUEST_CAPACITY + MOTION_PLAYER_QUEUE_MAX))
#define REQUESTS_PER_TICK 16
#define STACK_PREFAULT    (64 * 1024)

typedef enum request_type {
    REQ_PLAY,
    REQ_STOP,
    REQ_PAUSE,
    REQ_RESUME,
    REQ_SPEED,
    REQ_LOOPS,
    REQ_CLEAR
} request_type;

typedef struct request {
    request_type type;
    motion_clip *clip;
    motion_play_options opts;
    double value;
    int ivalue;
} request;

/* A histogram written by the loop thread alone and read by anyone: relaxed atomics. */
typedef struct atomic_histogram {
    _Atomic uint64_t count, sum, max;
    _Atomic uint64_t buckets[MOTION_HIST_BUCKETS];
} atomic_histogram;

struct motion_loop {
    const mpk_robot_model *model;
    motion_loop_config cfg;
    motion_backend *backend;
    motion_player *player;
    motion_safety *safety;
    motion__queue *requests, *events, *garbage;
    motion__seqlock status_lock;
    int64_t period_ns;

    /* Loop thread only. */
    motion_state state;
    bool have_state;
    motion_command cmd;
    motion_loop_status status;
    uint64_t tick;
    int64_t last_ns; /* the time of the last tick (0: none yet) */
    bool final_sent; /* the last tick was a final one (damping): nothing was sent after it */
    double prev_q[MOTION_MAX_JOINTS];
    bool prev_valid;

    /* Shared. */
    _Atomic bool estop_request, release_request, reset_request, quit, published;
    _Atomic uint64_t ticks, overruns, missed, backend_errors, requests_done, events_dropped;
    _Atomic uint64_t tracking_n;
    _Atomic double tracking_sum, tracking_max;
    _Atomic bool realtime, memory_locked;
    atomic_histogram wakeup, tick_time;
    pthread_t thread;
    bool started;         /* written by motion_loop_start only */
    _Atomic bool joining; /* one caller of motion_loop_shutdown joins the thread */
    _Atomic bool stopped; /* the thread has been joined */
};

static void log_line(const motion_loop *L, motion_log_level level, const char *fmt, ...)
    MOTION_PRINTF(3, 4);

static void log_line(const motion_loop *L, motion_log_level level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (L->cfg.log)
        L->cfg.log(L->cfg.log_user, level, msg);
    else
        fprintf(stderr, "motion: %s%s\n",
                level == MOTION_LOG_ERROR     ? "error: "
                : level == MOTION_LOG_WARNING ? "warning: "
                                              : "",
                msg);
}

void motion_loop_config_init(motion_loop_config *c)
{
    memset(c, 0, sizeof(*c));
    c->rate_hz = MOTION_RATE_DEFAULT;
    c->backend = "sim";
    motion_player_config_init(&c->player);
    motion_safety_config_init(&c->safety);
    c->realtime = true;
    c->priority = 80;
    c->lock_memory = true;
    c->cpu = -1;
}

static void hist_add(atomic_histogram *h, uint64_t ns)
{
    int b = motion_histogram_bucket(ns);

    atomic_store_explicit(&h->buckets[b],
                          atomic_load_explicit(&h->buckets[b], memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&h->count, atomic_load_explicit(&h->count, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&h->sum, atomic_load_explicit(&h->sum, memory_order_relaxed) + ns,
                          memory_order_relaxed);
    if (ns > atomic_load_explicit(&h->max, memory_order_relaxed))
        atomic_store_explicit(&h->max, ns, memory_order_relaxed);
}

static void hist_zero(atomic_histogram *h)
{
    int b;

    for (b = 0; b < MOTION_HIST_BUCKETS; b++)
        atomic_store_explicit(&h->buckets[b], 0, memory_order_relaxed);
    atomic_store_explicit(&h->count, 0, memory_order_relaxed);
    atomic_store_explicit(&h->sum, 0, memory_order_relaxed);
    atomic_store_explicit(&h->max, 0, memory_order_relaxed);
}

static void hist_copy(motion_histogram *out, atomic_histogram *h)
{
    int b;

    out->count = 0;
    for (b = 0; b < MOTION_HIST_BUCKETS; b++) {
        out->buckets[b] = atomic_load_explicit(&h->buckets[b], memory_order_relaxed);
        out->count += out->buckets[b]; /* consistent with the buckets, whatever count says */
    }
    out->sum_ns = atomic_load_explicit(&h->sum, memory_order_relaxed);
    out->max_ns = atomic_load_explicit(&h->max, memory_order_relaxed);
}

static void stats_zero(motion_loop *L)
{
    atomic_store(&L->ticks, 0);
    atomic_store(&L->overruns, 0);
    atomic_store(&L->missed, 0);
    atomic_store(&L->backend_errors, 0);
    atomic_store(&L->requests_done, 0);
    atomic_store(&L->events_dropped, 0);
    atomic_store(&L->tracking_n, 0);
    atomic_store(&L->tracking_sum, 0.0);
    atomic_store(&L->tracking_max, 0.0);
    hist_zero(&L->wakeup);
    hist_zero(&L->tick_time);
}

static void on_event(void *user, const motion_event *ev)
{
    motion_loop *L = user;

    if (!motion__queue_push(L->events, ev))
        atomic_fetch_add_explicit(&L->events_dropped, 1, memory_order_relaxed);
}

static void on_release(void *user, motion_clip *clip, uint64_t tag)
{
    motion_loop *L = user;

    /* Sized so that it cannot fill (GARBAGE_CAPACITY); if it ever did, the clip would leak
     * rather than be freed on the loop thread. */
    (void)tag;
    motion__queue_push(L->garbage, &clip);
}

static void free_now(void *user, motion_clip *clip, uint64_t tag)
{
    (void)user;
    (void)tag;
    motion_clip_free(clip);
}

int motion_loop_new(motion_loop **out, const mpk_robot_model *model, const motion_loop_config *cfg)
{
    motion_loop_config defaults;
    motion_loop *L;
    motion_player_callbacks cb;
    int err;

    if (!out || !model)
        return motion__error(MOTION_EINVAL, "loop: NULL argument");
    if (!cfg) {
        motion_loop_config_init(&defaults);
        cfg = &defaults;
    }
    if (!(cfg->rate_hz >= MOTION_RATE_MIN && cfg->rate_hz <= MOTION_RATE_MAX))
        return motion__error(MOTION_EINVAL, "loop: rate %g Hz outside %g..%g", cfg->rate_hz,
                             MOTION_RATE_MIN, MOTION_RATE_MAX);
    if (cfg->realtime && (cfg->priority < 1 || cfg->priority > 99))
        return motion__error(MOTION_EINVAL, "loop: SCHED_FIFO priority %d outside 1..99",
                             cfg->priority);
    L = aligned_alloc(64, (sizeof(*L) + 63) / 64 * 64);
    if (!L)
        return motion__error(MOTION_ENOMEM, "loop: out of memory");
    memset(L, 0, sizeof(*L));
    L->model = model;
    L->cfg = *cfg;
    L->cfg.player.rate_hz = cfg->rate_hz;
    L->cfg.backend_options = NULL; /* only needed while opening */
    L->period_ns = (int64_t)llround(1e9 / cfg->rate_hz);
    stats_zero(L);

    if ((err = motion_player_new(&L->player, model, &L->cfg.player)) != MOTION_OK)
        goto fail;
    if ((err = motion_safety_new(&L->safety, model, motion_player_channel(L->player), cfg->rate_hz,
                                 &cfg->safety)) != MOTION_OK)
        goto fail;
    if ((err = motion__queue_new(&L->requests, REQUEST_CAPACITY, sizeof(request))) ||
        (err = motion__queue_new(&L->events, EVENT_CAPACITY, sizeof(motion_event))) ||
        (err = motion__queue_new(&L->garbage, GARBAGE_CAPACITY, sizeof(motion_clip *))) ||
        (err = motion__seqlock_init(&L->status_lock, sizeof(motion_loop_status))))
        goto fail;
    if (cfg->backend_ops)
        err = motion_backend_open_ops(&L->backend, cfg->backend_ops, model, cfg->rate_hz,
                                      cfg->backend_options);
    else
        err = motion_backend_open(&L->backend, cfg->backend ? cfg->backend : "sim", model,
                                  cfg->rate_hz, cfg->backend_options);
    if (err != MOTION_OK)
        goto fail;
    cb.event = on_event;
    cb.release = on_release;
    cb.user = L;
    motion_player_set_callbacks(L->player, &cb);
    *out = L;
    return MOTION_OK;
fail:
    motion_loop_free(L);
    return err;
}

static void handle_request(motion_loop *L, const request *r)
{
    int err = MOTION_OK;

    switch (r->type) {
    case REQ_PLAY:
        err = motion_player_play(L->player, r->clip, &r->opts);
        if (err != MOTION_OK) {
            motion_event ev = {MOTION_EVENT_REJECTED,           r->opts.tag, L->tick, 0,
                               motion_safety_faults(L->safety), err};
            on_event(L, &ev);
            on_release(L, r->clip, r->opts.tag);
        }
        break;
    case REQ_STOP:
        motion_player_stop(L->player, r->ivalue != 0);
        break;
    case REQ_PAUSE:
        motion_player_pause(L->player);
        break;
    case REQ_RESUME:
        motion_player_resume(L->player);
        break;
    case REQ_SPEED:
        err = motion_player_set_speed(L->player, r->value); /* checked by the caller */
        break;
    case REQ_LOOPS:
        err = motion_player_set_loops(L->player, r->ivalue);
        break;
    case REQ_CLEAR:
        motion_player_clear(L->player);
        break;
    }
    (void)err;
    atomic_fetch_add_explicit(&L->requests_done, 1, memory_order_relaxed);
}

static void track_error(motion_loop *L)
{
    double sum = 0.0, max = atomic_load_explicit(&L->tracking_max, memory_order_relaxed);
    uint64_t n = 0;
    int j;

    for (j = 0; j < L->model->joint_count; j++) {
        if (!L->cmd.enable[j])
            continue;
        double e = fabs(L->state.q[j] - L->prev_q[j]);
        sum += e * e;
        n++;
        if (e > max)
            max = e;
    }
    atomic_store_explicit(&L->tracking_max, max, memory_order_relaxed);
    atomic_store_explicit(&L->tracking_sum,
                          atomic_load_explicit(&L->tracking_sum, memory_order_relaxed) + sum,
                          memory_order_relaxed);
    atomic_store_explicit(&L->tracking_n,
                          atomic_load_explicit(&L->tracking_n, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static void publish(motion_loop *L, unsigned actions, int64_t now_ns)
{
    motion_loop_status *s = &L->status;
    int j, n = L->model->joint_count;

    s->tick = L->tick;
    s->time_ns = now_ns;
    /* s->player was filled by the tick */
    s->faults = motion_safety_faults(L->safety);
    s->has_state = L->have_state;
    s->state_age = L->have_state ? (double)(now_ns - L->state.stamp_ns) * 1e-9 : 0.0;
    s->joint_count = n;
    for (j = 0; j < n; j++) {
        s->q[j] = L->state.q[j];
        s->dq[j] = L->state.dq[j];
        s->cmd_q[j] = L->cmd.q[j];
        s->enabled[j] = L->cmd.enable[j];
    }
    s->weight = L->cmd.weight;
    s->safety_actions = actions;
    motion_safety_counters_get(L->safety, &s->safety);
    motion__seqlock_write(&L->status_lock, s, sizeof(*s));
    atomic_store_explicit(&L->published, true, memory_order_release);
}

/* One tick at the deadline now_ns; woke_ns is when the thread actually woke. The last tick (the
 * loop stopping) engages the emergency stop after any pending release, so it always sends damping.
 */
static void run_tick(motion_loop *L, int64_t now_ns, int64_t woke_ns, bool last)
{
    const motion_state *st;
    request r;
    unsigned faults, actions;
    int i, limit, err;
    bool playing, release;

    if (atomic_exchange_explicit(&L->reset_request, false, memory_order_acquire))
        stats_zero(L);
    /* A release first drains every request posted before it, with the faults still latched, so
     * that plays asked for during an e-stop are all refused (not only the first 16). */
    release = atomic_exchange_explicit(&L->release_request, false, memory_order_acq_rel);
    limit = release ? REQUEST_CAPACITY : REQUESTS_PER_TICK;
    for (i = 0; i < limit && motion__queue_pop(L->requests, &r); i++)
        handle_request(L, &r);
    /* Release before e-stop: when both are pending, the e-stop wins. */
    if (release) {
        motion_safety_release(L->safety);
        motion_player_release(L->player);
    }
    if (atomic_exchange_explicit(&L->estop_request, false, memory_order_acq_rel) || last)
        motion_safety_engage(L->safety, MOTION_FAULT_ESTOP);

    /* Backends write the state only when they return MOTION_OK (motion/backend.h). */
    err = motion_backend_read_state(L->backend, &L->state, now_ns);
    if (err == MOTION_OK) {
        L->have_state = true;
    } else if (err != MOTION_EAGAIN) {
        atomic_fetch_add_explicit(&L->backend_errors, 1, memory_order_relaxed);
    }
    st = L->have_state ? &L->state : NULL;
    faults = motion_safety_check_state(L->safety, st, now_ns);
    motion_player_tick(L->player, &L->cmd, st, faults, L->tick, now_ns);
    /* A move the player could not plan is a fault like any other: latched by the filter (so this
     * very command is damping) until a release. */
    if (motion_player_faults(L->player))
        motion_safety_engage(L->safety, motion_player_faults(L->player));
    actions = motion_safety_apply(L->safety, &L->cmd, st, now_ns);
    if (motion_backend_write(L->backend, &L->cmd) != MOTION_OK)
        atomic_fetch_add_explicit(&L->backend_errors, 1, memory_order_relaxed);

    /* Tracking error: measured now against what was commanded a tick ago, while playing. */
    motion_player_status_get(L->player, &L->status.player);
    playing = !(actions & (MOTION_SAFETY_DAMPING | MOTION_SAFETY_NO_STATE)) &&
              L->status.player.activity == MOTION_ACT_PLAYING;
    if (playing && L->prev_valid && st)
        track_error(L);
    memcpy(L->prev_q, L->cmd.q, sizeof(L->prev_q));
    L->prev_valid = true;

    publish(L, actions, now_ns);
    L->last_ns = now_ns;
    L->final_sent = last;
    L->tick++;
    atomic_fetch_add_explicit(&L->ticks, 1, memory_order_relaxed);
    hist_add(&L->tick_time, (uint64_t)(motion_now_ns() - woke_ns));
}

static void timespec_from_ns(struct timespec *ts, int64_t ns)
{
    ts->tv_sec = (time_t)(ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
}

static void become_realtime(motion_loop *L)
{
    if (L->cfg.cpu >= 0) {
        cpu_set_t set;
        int e;
        CPU_ZERO(&set);
        CPU_SET(L->cfg.cpu, &set);
        if ((e = pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) != 0)
            log_line(L, MOTION_LOG_WARNING, "cannot pin the control loop to CPU %d: %s", L->cfg.cpu,
                     strerror(e));
    }
    if (L->cfg.realtime) {
        struct sched_param sp = {.sched_priority = L->cfg.priority};
        int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
        if (e == 0) {
            atomic_store(&L->realtime, true);
            log_line(L, MOTION_LOG_INFO, "control loop: SCHED_FIFO priority %d, %g Hz",
                     L->cfg.priority, L->cfg.rate_hz);
        } else {
            log_line(L, MOTION_LOG_WARNING,
                     "control loop: SCHED_FIFO priority %d not permitted (%s): running with "
                     "normal priority, expect larger wake-up latency (grant CAP_SYS_NICE or "
                     "an rtprio limit)",
                     L->cfg.priority, strerror(e));
        }
    } else {
        log_line(L, MOTION_LOG_INFO, "control loop: normal priority (real-time disabled), %g Hz",
                 L->cfg.rate_hz);
    }
}

static void prefault_stack(void)
{
    volatile unsigned char buf[STACK_PREFAULT];
    size_t i;

    for (i = 0; i < sizeof(buf); i += 4096)
        buf[i] = 0;
}

static void *loop_main(void *arg)
{
    motion_loop *L = arg;
    struct timespec ts;
    int64_t next, woke, end;

    become_realtime(L);
    prefault_stack();
    next = motion_now_ns() + L->period_ns;
    while (!atomic_load_explicit(&L->quit, memory_order_acquire)) {
        timespec_from_ns(&ts, next);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        woke = motion_now_ns();
        hist_add(&L->wakeup, woke > next ? (uint64_t)(woke - next) : 0);
        run_tick(L, next, woke, false);
        end = motion_now_ns();
        next += L->period_ns;
        if (end > next) {
            /* Overran into the next period: skip the deadlines already past, never catch up. */
            int64_t missed = (end - next) / L->period_ns + 1;
            atomic_fetch_add_explicit(&L->overruns, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&L->missed, (uint64_t)missed, memory_order_relaxed);
            next += missed * L->period_ns;
        }
    }
    /* The last word to the robot: damping. */
    run_tick(L, motion_now_ns(), motion_now_ns(), true);
    return NULL;
}

int motion_loop_start(motion_loop *L)
{
    int e;

    if (L->started)
        return motion__error(MOTION_ESTATE, "loop: already started");
    if (L->cfg.lock_memory) {
        if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) {
            atomic_store(&L->memory_locked, true);
        } else {
            log_line(L, MOTION_LOG_WARNING,
                     "mlockall not permitted (%s): memory may be paged, expect occasional "
                     "latency spikes",
                     strerror(errno));
        }
    }
    atomic_store(&L->quit, false);
    if ((e = pthread_create(&L->thread, NULL, loop_main, L)) != 0)
        return motion__error(MOTION_ESYSTEM, "loop: cannot start the thread: %s", strerror(e));
    L->started = true;
    return MOTION_OK;
}

int motion_loop_tick(motion_loop *L, int64_t now_ns)
{
    if (L->started && !atomic_load_explicit(&L->stopped, memory_order_acquire))
        return motion__error(MOTION_ESTATE, "loop: the loop thread is running");
    run_tick(L, now_ns, motion_now_ns(), false);
    return MOTION_OK;
}

void motion_loop_shutdown(motion_loop *L)
{
    struct timespec ms = {0, 1000000};

    if (!L || !L->started)
        return;
    /* Any thread may call this, several at once: the first joins the thread (joining it twice is
     * undefined and hangs in glibc), the others wait until it has, so that every caller returns
     * with the loop stopped. */
    if (!atomic_exchange_explicit(&L->joining, true, memory_order_acq_rel)) {
        atomic_store_explicit(&L->quit, true, memory_order_release);
        pthread_join(L->thread, NULL);
        atomic_store_explicit(&L->stopped, true, memory_order_release);
        return;
    }
    while (!atomic_load_explicit(&L->stopped, memory_order_acquire))
        nanosleep(&ms, NULL);
}

void motion_loop_collect(motion_loop *L)
{
    motion_clip *clip;

    while (motion__queue_pop(L->garbage, &clip))
        motion_clip_free(clip);
}

void motion_loop_free(motion_loop *L)
{
    request r;

    if (!L)
        return;
    motion_loop_shutdown(L);
    /* A loop ticked by hand (or never ticked, or ticked by hand after its thread stopped) gets
     * the same last word as the thread's: a tick that engages the emergency stop, so damping goes
     * out (nothing enabled before any state). Its time follows the caller's clock, one period
     * after the last tick. */
    if (L->backend && !L->final_sent)
        run_tick(L, L->last_ns ? L->last_ns + L->period_ns : motion_now_ns(), motion_now_ns(),
                 true);
    if (L->requests) {
        while (motion__queue_pop(L->requests, &r))
            if (r.type == REQ_PLAY)
                motion_clip_free(r.clip);
    }
    if (L->player) {
        motion_player_callbacks cb = {NULL, free_now, NULL};
        motion_player_set_callbacks(L->player, &cb);
        motion_player_free(L->player);
    }
    if (L->garbage)
        motion_loop_collect(L);
    motion_backend_free(L->backend);
    motion_safety_free(L->safety);
    motion__queue_free(L->requests);
    motion__queue_free(L->events);
    motion__queue_free(L->garbage);
    motion__seqlock_destroy(&L->status_lock);
    free(L);
}

static int post(motion_loop *L, const request *r)
{
    motion_loop_collect(L);
    if (!motion__queue_push(L->requests, r))
        return motion__error(MOTION_EFULL, "loop: %d requests pending", REQUEST_CAPACITY);
    return MOTION_OK;
}

int motion_loop_play(motion_loop *L, motion_clip *clip, const motion_play_options *opts)
{
    request r;
    int err;

    if ((err = motion_player_check(L->player, clip)) != MOTION_OK)
        return err;
    memset(&r, 0, sizeof(r));
    r.type = REQ_PLAY;
    r.clip = clip;
    if (opts)
        r.opts = *opts;
    else
        motion_play_options_init(&r.opts);
    if (r.opts.loops < 0)
        return motion__error(MOTION_EINVAL, "play: loops must be >= 0 (0: forever)");
    return post(L, &r);
}

static int simple(motion_loop *L, request_type type, double value, int ivalue)
{
    request r;

    memset(&r, 0, sizeof(r));
    r.type = type;
    r.value = value;
    r.ivalue = ivalue;
    return post(L, &r);
}

int motion_loop_stop(motion_loop *L, bool return_to_stand)
{
    return simple(L, REQ_STOP, 0, return_to_stand);
}

int motion_loop_pause(motion_loop *L)
{
    return simple(L, REQ_PAUSE, 0, 0);
}

int motion_loop_resume(motion_loop *L)
{
    return simple(L, REQ_RESUME, 0, 0);
}

int motion_loop_set_speed(motion_loop *L, double speed)
{
    if (!(speed >= MOTION_SPEED_MIN && speed <= MOTION_SPEED_MAX))
        return motion__error(MOTION_EINVAL, "speed %g outside %g..%g", speed, MOTION_SPEED_MIN,
                             MOTION_SPEED_MAX);
    return simple(L, REQ_SPEED, speed, 0);
}

int motion_loop_set_loops(motion_loop *L, int loops)
{
    if (loops < 0)
        return motion__error(MOTION_EINVAL, "loops must be >= 0 (0: forever)");
    return simple(L, REQ_LOOPS, 0, loops);
}

int motion_loop_clear(motion_loop *L)
{
    return simple(L, REQ_CLEAR, 0, 0);
}

void motion_loop_estop(motion_loop *L)
{
    atomic_store_explicit(&L->estop_request, true, memory_order_release);
}

void motion_loop_release(motion_loop *L)
{
    atomic_store_explicit(&L->release_request, true, memory_order_release);
}

int motion_loop_status_get(motion_loop *L, motion_loop_status *out)
{
    if (!atomic_load_explicit(&L->published, memory_order_acquire))
        return MOTION_EAGAIN;
    /* The writer holds the lock for well under a microsecond per tick. */
    while (!motion__seqlock_read(&L->status_lock, out, sizeof(*out), 1000))
        sched_yield();
    return MOTION_OK;
}

void motion_loop_stats_get(motion_loop *L, motion_loop_stats *out)
{
    motion_loop_status status;
    uint64_t n;

    memset(out, 0, sizeof(*out));
    out->ticks = atomic_load(&L->ticks);
    out->overruns = atomic_load(&L->overruns);
    out->missed_periods = atomic_load(&L->missed);
    out->backend_errors = atomic_load(&L->backend_errors);
    out->requests = atomic_load(&L->requests_done);
    out->events_dropped = atomic_load(&L->events_dropped);
    hist_copy(&out->wakeup, &L->wakeup);
    hist_copy(&out->tick, &L->tick_time);
    n = atomic_load(&L->tracking_n);
    out->tracking_samples = n;
    out->tracking_max = atomic_load(&L->tracking_max);
    out->tracking_rms = n ? sqrt(atomic_load(&L->tracking_sum) / (double)n) : 0.0;
    /* The filter's counters belong to the loop thread; they travel in the status snapshot. */
    if (motion_loop_status_get(L, &status) == MOTION_OK)
        out->safety = status.safety;
    motion_backend_stats_get(L->backend, &out->backend);
    out->realtime = atomic_load(&L->realtime);
    out->memory_locked = atomic_load(&L->memory_locked);
}

void motion_loop_stats_reset(motion_loop *L)
{
    atomic_store_explicit(&L->reset_request, true, memory_order_release);
}

int motion_loop_poll_event(motion_loop *L, motion_event *out)
{
    return motion__queue_pop(L->events, out) ? MOTION_OK : MOTION_EAGAIN;
}

motion_player *motion__loop_player(motion_loop *L)
{
    return L->player;
}

motion_mode motion_loop_mode(const motion_loop *L)
{
    return motion_player_mode(L->player);
}

const mpk_robot_model *motion_loop_model(const motion_loop *L)
{
    return L->model;
}
