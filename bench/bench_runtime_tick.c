/*
 * bench_runtime_tick: what one control tick costs for g1-29dof, in nanoseconds (median, p99), and
 * how many heap allocations it makes (counted by replacing malloc in this program).
 *
 *   player + filter   motion_player_tick + motion_safety_apply: the runtime's own work per tick
 *   loop, null robot  motion_loop_tick with a backend that does nothing: adds the request queue,
 *                     the watchdog, the status snapshot and the statistics
 *   loop, sim robot   motion_loop_tick with the simulated robot (its physics included)
 *
 * Ticks run back to back (warm caches); the loop thread in real time pays cold caches on top,
 * which bench_runtime_latency's tick histogram shows. Instructions per tick, which do not depend
 * on what else the machine does:
 *
 *   valgrind --tool=callgrind --toggle-collect=bench_player_ticks \
 *       build/bin/bench_runtime_tick --callgrind 20000
 *
 * then divide the "Collected" instruction count by 20000 (the program prints the command).
 */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "motion/motion.h"
#include "mpk/mpk.h"

#define TICKS 200000
#define DT_NS 2000000

/* Allocation counting (glibc lets a program replace malloc; the originals are __libc_*). */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
static atomic_bool counting;
static atomic_long allocations;

#define COUNT()                                                               \
    do {                                                                      \
        if (atomic_load_explicit(&counting, memory_order_relaxed))            \
            atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); \
    } while (0)

void *malloc(size_t size)
{
    COUNT();
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    COUNT();
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    COUNT();
    return __libc_realloc(p, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    COUNT();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    COUNT();
    *out = __libc_memalign(alignment, size);
    return *out ? 0 : ENOMEM;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* A 60 s motion of every waist and arm joint at 50 Hz, smooth, well inside the limits. */
static motion_clip *make_clip(const mpk_robot_model *m, double seconds, bool full)
{
    const char *names[MOTION_MAX_JOINTS];
    int idx[MOTION_MAX_JOINTS], n = 0, j, k;
    uint32_t frames = (uint32_t)(seconds * 50) + 1, f;
    mpk_track *t = NULL;
    motion_clip *c = NULL;
    float *p;

    for (j = 0; j < m->joint_count; j++) {
        if (full || m->joints[j].group != MPK_GROUP_LEG) {
            idx[n] = j;
            names[n++] = m->joints[j].name;
        }
    }
    if (mpk_track_new(&t, m->id, n, names, 50, frames, 0) != MPK_OK) {
        fprintf(stderr, "bench: %s\n", mpk_error_message());
        exit(1);
    }
    p = mpk_track_positions(t);
    for (f = 0; f < frames; f++) {
        for (k = 0; k < n; k++) {
            const mpk_joint *jt = &m->joints[idx[k]];
            double mid = 0.5 * (jt->lower + jt->upper), amp = 0.2 * (jt->upper - jt->lower);
            p[(size_t)f * n + k] = (float)(mid + amp * sin(0.7 * f / 50.0 + k));
        }
    }
    if (motion_clip_from_track(&c, t, m, "bench") != MOTION_OK) {
        fprintf(stderr, "bench: %s\n", motion_error_message());
        exit(1);
    }
    motion_clip_set_permissions(c, MPK_PERM_FULL_BODY);
    mpk_track_free(t);
    return c;
}

/* A robot that is always exactly where it was told to be, instantly: no physics to pay for. */
typedef struct null_robot {
    motion_state st;
} null_robot;

static int null_open(void **ctx, const mpk_robot_model *model, double rate, motion_options o)
{
    null_robot *r = calloc(1, sizeof(*r));
    int j;

    if (!r)
        return MOTION_ENOMEM;
    r->st.joint_count = model->joint_count;
    for (j = 0; j < model->joint_count; j++)
        r->st.q[j] = model->joints[j].stand;
    *ctx = r;
    return MOTION_OK;
}

static void null_close(void *ctx)
{
    free(ctx);
}

static int null_read(void *ctx, motion_state *out, int64_t now)
{
    null_robot *r = ctx;
    r->st.stamp_ns = now;
    r->st.seq++;
    *out = r->st;
    return MOTION_OK;
}

static int null_write(void *ctx, const motion_command *cmd)
{
    null_robot *r = ctx;
    int j;

    for (j = 0; j < cmd->joint_count; j++)
        if (cmd->enable[j])
            r->st.q[j] = cmd->q[j];
    return MOTION_OK;
}

static const motion_backend_ops null_ops = {"null",    "does nothing", null_open, null_close,
                                            null_read, null_write,     NULL};

typedef struct rig {
    const mpk_robot_model *m;
    motion_player *player;
    motion_safety *safety;
    motion_state st;
    motion_command cmd;
    int64_t t;
    uint64_t tick;
} rig;

static void rig_tick(rig *r)
{
    r->st.stamp_ns = r->t;
    motion_player_tick(r->player, &r->cmd, &r->st, 0, r->tick, r->t);
    motion_safety_apply(r->safety, &r->cmd, &r->st, r->t);
    r->tick++;
    r->t += DT_NS;
}

/* The region callgrind counts (--toggle-collect=bench_player_ticks). */
__attribute__((noinline)) void bench_player_ticks(rig *r, int n);
__attribute__((noinline)) void bench_player_ticks(rig *r, int n)
{
    int i;
    for (i = 0; i < n; i++)
        rig_tick(r);
}

static void rig_init(rig *r, const mpk_robot_model *m, motion_clip *clip, motion_mode mode)
{
    motion_player_config pc;
    motion_play_options po;
    int j;

    memset(r, 0, sizeof(*r));
    r->m = m;
    motion_player_config_init(&pc);
    pc.mode = mode;
    pc.allow_full_body = true;
    if (motion_player_new(&r->player, m, &pc) != MOTION_OK ||
        motion_safety_new(&r->safety, m, motion_player_channel(r->player), 500, NULL) !=
            MOTION_OK) {
        fprintf(stderr, "bench: %s\n", motion_error_message());
        exit(1);
    }
    r->st.joint_count = m->joint_count;
    for (j = 0; j < m->joint_count; j++)
        r->st.q[j] = m->joints[j].stand;
    r->t = 1000000000;
    motion_play_options_init(&po);
    po.loops = MOTION_LOOP_FOREVER;
    if (motion_player_play(r->player, clip, &po) != MOTION_OK) {
        fprintf(stderr, "bench: %s\n", motion_error_message());
        exit(1);
    }
    /* past the blend-in: the figures are for playing */
    while (r->tick < 2000)
        rig_tick(r);
}

static void report(const char *what, int64_t *ns, int n, long allocs)
{
    qsort(ns, (size_t)n, sizeof(*ns), cmp_i64);
    printf("  %-28s median %5lld ns   p99 %6lld ns   max %7lld ns   allocations %ld\n", what,
           (long long)ns[n / 2], (long long)ns[(int)(n * 0.99)], (long long)ns[n - 1], allocs);
}

static void bench_player(const mpk_robot_model *m, motion_clip *clip, motion_mode mode,
                         const char *what, int64_t *ns)
{
    rig r;
    int i;
    long allocs;

    rig_init(&r, m, clip, mode);
    atomic_store(&allocations, 0);
    atomic_store(&counting, true);
    for (i = 0; i < TICKS; i++) {
        int64_t a = now_ns();
        rig_tick(&r);
        ns[i] = now_ns() - a;
    }
    atomic_store(&counting, false);
    allocs = atomic_load(&allocations);
    report(what, ns, TICKS, allocs);
    motion_player_free(r.player);
    motion_safety_free(r.safety);
}

static void bench_loop(const mpk_robot_model *m, motion_clip *clip, const motion_backend_ops *ops,
                       const char *what, int64_t *ns)
{
    motion_loop_config cfg;
    motion_loop *L = NULL;
    motion_play_options po;
    motion_event ev;
    int64_t t = 1000000000;
    int i;
    long allocs;

    motion_loop_config_init(&cfg);
    cfg.backend_ops = ops;
    if (motion_loop_new(&L, m, &cfg) != MOTION_OK) {
        fprintf(stderr, "bench: %s\n", motion_error_message());
        exit(1);
    }
    motion_play_options_init(&po);
    po.loops = MOTION_LOOP_FOREVER;
    if (motion_loop_play(L, clip, &po) != MOTION_OK) {
        fprintf(stderr, "bench: %s\n", motion_error_message());
        exit(1);
    }
    for (i = 0; i < 2000; i++, t += DT_NS)
        if (motion_loop_tick(L, t) != MOTION_OK)
            exit(1);
    atomic_store(&allocations, 0);
    atomic_store(&counting, true);
    for (i = 0; i < TICKS; i++, t += DT_NS) {
        int64_t a = now_ns();
        if (motion_loop_tick(L, t) != MOTION_OK)
            exit(1);
        ns[i] = now_ns() - a;
        while (motion_loop_poll_event(L, &ev) == MOTION_OK)
            ;
    }
    atomic_store(&counting, false);
    allocs = atomic_load(&allocations);
    report(what, ns, TICKS, allocs);
    motion_loop_free(L); /* frees the clip */
}

int main(int argc, char **argv)
{
    const mpk_robot_model *m = mpk_robot_find("g1-29dof");
    int64_t *ns = malloc(TICKS * sizeof(*ns)), clock_cost[1000];
    motion_clip *clip;
    int i;

    if (!m || !ns)
        return 1;
    if (argc == 3 && strcmp(argv[1], "--callgrind") == 0) {
        rig r;
        int n = atoi(argv[2]);
        clip = make_clip(m, 60, false);
        rig_init(&r, m, clip, MOTION_MODE_ARM);
        bench_player_ticks(&r, n);
        printf("ran %d player + filter ticks for callgrind\n", n);
        return 0;
    }
    for (i = 0; i < 1000; i++) {
        int64_t a = now_ns();
        clock_cost[i] = now_ns() - a;
    }
    qsort(clock_cost, 1000, sizeof(int64_t), cmp_i64);
    printf("bench_runtime_tick: g1-29dof, 500 Hz, a 60 s motion playing, %d ticks back to back "
           "(clock_gettime itself: %lld ns, included)\n",
           TICKS, (long long)clock_cost[500]);
    clip = make_clip(m, 60, false);
    bench_player(m, clip, MOTION_MODE_ARM, "player + filter (arm, 17 j)", ns);
    motion_clip_free(clip);
    clip = make_clip(m, 60, true);
    bench_player(m, clip, MOTION_MODE_FULL, "player + filter (full, 29 j)", ns);
    motion_clip_free(clip);
    bench_loop(m, make_clip(m, 60, false), &null_ops, "loop tick, null robot", ns);
    bench_loop(m, make_clip(m, 60, false), motion_backend_find("sim"), "loop tick, sim robot", ns);
    printf("  instructions per tick: valgrind --tool=callgrind "
           "--toggle-collect=bench_player_ticks %s --callgrind 20000  (Collected / 20000)\n",
           argv[0]);
    free(ns);
    return 0;
}
