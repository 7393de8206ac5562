/*
 * Zero heap allocations in the control loop's tick, counted: this test program replaces malloc
 * and friends (glibc supports replacing them; the originals stay reachable as __libc_*) with
 * versions that count every call while counting is on. The sanitizers replace malloc themselves,
 * so under them the test is skipped (label nosan).
 */
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt_testlib.h"
#include "testutil.h"

#if !defined(MS_SANITIZE) && !defined(MS_FUZZ)
#define COUNTING 1

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *p);

static atomic_bool counting;
static atomic_long allocations;

static void count(void)
{
    if (atomic_load_explicit(&counting, memory_order_relaxed))
        atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
}

void *malloc(size_t size)
{
    count();
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    count();
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    count();
    return __libc_realloc(p, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    count();
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size)
{
    count();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    void *p;

    count();
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    p = __libc_memalign(alignment, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void free(void *p)
{
    __libc_free(p);
}

static void start_counting(void)
{
    atomic_store(&allocations, 0);
    atomic_store(&counting, true);
}

static long stop_counting(void)
{
    atomic_store(&counting, false);
    return atomic_load(&allocations);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
#endif

/* The counter itself works (or the rest of this file would prove nothing). */
static void counter_counts(void **state)
{
#ifdef COUNTING
    char *volatile p;
    start_counting();
    p = malloc(10);
    free(p);
    p = calloc(2, 3);
    p = realloc(p, 100);
    free(p);
    assert_int_equal(stop_counting(), 3);
#else
    skip();
#endif
}

/*
 * The loop's own tick, stepped by hand, through everything a tick can do: blend-in, play,
 * crossfade, loops, speed changes, pause, stop and return to stand, emergency stop, release, the
 * watchdog; with the record backend (ring buffer, writer thread) around the simulator; with
 * requests posted, status and statistics read and events polled from the same thread meanwhile.
 */
static void no_allocation_in_ticks(void **state)
{
#ifdef COUNTING
    const mpk_robot_model *m = rt_model("g1-29dof");
    char *dir = ms_tmpdir("rt-alloc"), *path = ms_join(dir, "a.rec"), opt[512];
    const char *opts[] = {opt, "freeze_after=55", NULL};
    motion_loop_config cfg;
    motion_loop *L = NULL;
    motion_loop_status st;
    motion_loop_stats stats;
    motion_event ev;
    motion_clip *clips[6];
    motion_play_options po;
    rt_rng rng;
    int64_t now = 1000000000;
    int i, k, events = 0;
    long n;

    snprintf(opt, sizeof(opt), "path=%s", path);
    rt_seed(&rng, 42);
    for (i = 0; i < 6; i++)
        clips[i] = rt_random_clip(m, &rng, RT_ARMS | RT_WAIST, 50, 2 + i, i % 2);
    motion_loop_config_init(&cfg);
    cfg.backend = "record";
    cfg.backend_options = opts;
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    motion_play_options_init(&po);
    po.loops = 2;

    start_counting();
    for (i = 0; i < 30000; i++, now += 2000000) {
        switch (i) {
        case 10:
            for (k = 0; k < 3; k++)
                assert_int_equal(motion_loop_play(L, clips[k], &po), MOTION_OK);
            break;
        case 3000:
            assert_int_equal(motion_loop_set_speed(L, 1.7), MOTION_OK);
            break;
        case 5000:
            assert_int_equal(motion_loop_pause(L), MOTION_OK);
            break;
        case 5600:
            assert_int_equal(motion_loop_resume(L), MOTION_OK);
            break;
        case 9000:
            assert_int_equal(motion_loop_stop(L, true), MOTION_OK);
            break;
        case 12000:
            assert_int_equal(motion_loop_play(L, clips[3], &po), MOTION_OK);
            assert_int_equal(motion_loop_play(L, clips[4], NULL), MOTION_OK);
            break;
        case 14000:
            motion_loop_estop(L);
            break;
        case 14500:
            motion_loop_release(L);
            break;
        case 16000:
            assert_int_equal(motion_loop_play(L, clips[5], NULL), MOTION_OK);
            assert_int_equal(motion_loop_set_loops(L, 3), MOTION_OK);
            break;
        case 20000:
            assert_int_equal(motion_loop_clear(L), MOTION_OK);
            break;
        default:
            break;
        }
        /* freeze_after=55 s: the robot goes silent near the end and the watchdog trips */
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
        while (motion_loop_poll_event(L, &ev) == MOTION_OK)
            events++;
        if (i % 100 == 0) {
            assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
            motion_loop_stats_get(L, &stats);
        }
    }
    n = stop_counting();
    assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
    assert_true(st.faults & MOTION_FAULT_WATCHDOG);
    motion_loop_stats_get(L, &stats);
    assert_true(stats.safety.estop == 1 && stats.safety.watchdog == 1);
    assert_true(events > 20);
    print_message("%d ticks, %d events: %ld allocations\n", i, events, n);
    assert_int_equal(n, 0);
    motion_loop_free(L);
    ms_rm_rf(dir);
    free(path);
    free(dir);
#else
    skip();
#endif
}

/* The same on the real-time thread, while other threads post requests and read the status. */
static void no_allocation_on_the_loop_thread(void **state)
{
#ifdef COUNTING
    const mpk_robot_model *m = rt_model("g1-29dof");
    motion_loop_config cfg;
    motion_loop *L = NULL;
    motion_loop_status st;
    motion_loop_stats stats;
    motion_event ev;
    motion_clip *a, *b;
    rt_rng rng;
    long n;
    int i;

    rt_seed(&rng, 43);
    a = rt_random_clip(m, &rng, RT_ARMS, 50, 3, false);
    b = rt_random_clip(m, &rng, RT_ARMS, 50, 3, true);
    motion_loop_config_init(&cfg);
    cfg.lock_memory = false;
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    assert_int_equal(motion_loop_start(L), MOTION_OK);
    sleep_ms(50); /* thread started, its log line printed */

    start_counting();
    assert_int_equal(motion_loop_play(L, a, NULL), MOTION_OK);
    assert_int_equal(motion_loop_play(L, b, NULL), MOTION_OK);
    for (i = 0; i < 300; i++) {
        sleep_ms(10);
        assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
        while (motion_loop_poll_event(L, &ev) == MOTION_OK)
            ;
        if (i == 150)
            assert_int_equal(motion_loop_set_speed(L, 1.5), MOTION_OK);
        if (i == 250)
            assert_int_equal(motion_loop_stop(L, false), MOTION_OK);
    }
    n = stop_counting();
    motion_loop_stats_get(L, &stats);
    print_message("%llu ticks on the loop thread: %ld allocations\n",
                  (unsigned long long)stats.ticks, n);
    assert_true(stats.ticks > 1000);
    assert_int_equal(n, 0);
    motion_loop_free(L);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counter_counts),
        cmocka_unit_test(no_allocation_in_ticks),
        cmocka_unit_test(no_allocation_on_the_loop_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
