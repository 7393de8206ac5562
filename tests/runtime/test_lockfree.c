/* The loop's lock-free queue and sequence lock under concurrent use, and its histograms. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lockfree.h"
#include "rt_testlib.h"
#include "testutil.h"

#define PRODUCERS    4
#define PER_PRODUCER 50000

typedef struct item {
    uint32_t producer, seq;
    uint64_t check;
} item;

static motion__queue *q;
static atomic_int producers_done;

static void *produce(void *arg)
{
    uint32_t id = (uint32_t)(uintptr_t)arg, i;

    for (i = 0; i < PER_PRODUCER; i++) {
        item it = {id, i, ((uint64_t)id << 32 | i) * 0x9E3779B97F4A7C15ull};
        while (!motion__queue_push(q, &it))
            sched_yield();
    }
    atomic_fetch_add(&producers_done, 1);
    return NULL;
}

/* Many producers, one consumer: every item arrives once, intact, in each producer's order. */
static void queue_many_producers(void **state)
{
    pthread_t th[PRODUCERS];
    uint32_t next[PRODUCERS] = {0};
    long received = 0;
    item it;
    int i;

    assert_int_equal(motion__queue_new(&q, 100, sizeof(item)), MOTION_OK);
    assert_int_equal(motion__queue_capacity(q), 128);
    atomic_init(&producers_done, 0);
    for (i = 0; i < PRODUCERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, produce, (void *)(uintptr_t)i), 0);
    while (received < (long)PRODUCERS * PER_PRODUCER) {
        if (!motion__queue_pop(q, &it)) {
            sched_yield();
            continue;
        }
        assert_true(it.producer < PRODUCERS);
        assert_int_equal(it.seq, next[it.producer]);
        assert_true(it.check == ((uint64_t)it.producer << 32 | it.seq) * 0x9E3779B97F4A7C15ull);
        next[it.producer]++;
        received++;
    }
    for (i = 0; i < PRODUCERS; i++)
        pthread_join(th[i], NULL);
    assert_false(motion__queue_pop(q, &it));
    motion__queue_free(q);
}

static void queue_full_and_empty(void **state)
{
    int v, i;

    assert_int_equal(motion__queue_new(&q, 4, sizeof(int)), MOTION_OK);
    assert_false(motion__queue_pop(q, &v));
    for (i = 0; i < 4; i++)
        assert_true(motion__queue_push(q, &i));
    assert_false(motion__queue_push(q, &i)); /* full */
    for (i = 0; i < 4; i++) {
        assert_true(motion__queue_pop(q, &v));
        assert_int_equal(v, i);
    }
    assert_false(motion__queue_pop(q, &v));
    motion__queue_free(q);
    motion__queue_free(NULL);
}

/* The writer fills every word with the same counter; a reader must never see a mixture. */
#define WORDS 150
static motion__seqlock lock;
static atomic_bool stop_writer;

static void *write_snapshots(void *arg)
{
    uint64_t buf[WORDS], n = 0;
    int i;

    (void)arg;
    while (!atomic_load(&stop_writer)) {
        n++;
        for (i = 0; i < WORDS; i++)
            buf[i] = n;
        motion__seqlock_write(&lock, buf, sizeof(buf));
        /* a pause between writes, as between ticks (shorter, to provoke overlaps) */
        for (volatile int spin = 0; spin < 2000; spin++)
            ;
    }
    return NULL;
}

static void seqlock_snapshots_are_consistent(void **state)
{
    pthread_t th;
    uint64_t buf[WORDS], last = 0;
    long reads = 0, i, j;

    assert_int_equal(motion__seqlock_init(&lock, sizeof(buf)), MOTION_OK);
    atomic_init(&stop_writer, false);
    assert_int_equal(pthread_create(&th, NULL, write_snapshots, NULL), 0);
    for (i = 0; i < 200000; i++) {
        if (!motion__seqlock_read(&lock, buf, sizeof(buf), 100))
            continue;
        for (j = 1; j < WORDS; j++)
            assert_true(buf[j] == buf[0]);
        assert_true(buf[0] >= last);
        last = buf[0];
        reads++;
    }
    atomic_store(&stop_writer, true);
    pthread_join(th, NULL);
    assert_true(reads > 1000);
    motion__seqlock_destroy(&lock);
}

static void histogram_buckets(void **state)
{
    motion_histogram h;
    uint64_t lo, hi, prev_hi = 0, v;
    int b;

    /* buckets tile the line without gaps, and each value falls in its own */
    for (b = 0; b < MOTION_HIST_BUCKETS; b++) {
        motion_histogram_bucket_range(b, &lo, &hi);
        assert_true(lo == prev_hi && hi > lo);
        assert_int_equal(motion_histogram_bucket(lo), b);
        assert_int_equal(motion_histogram_bucket(hi - 1), b);
        if (lo >= 16)
            assert_true((double)(hi - lo) / (double)lo <= 1.0 / 16 + 1e-12);
        prev_hi = hi;
    }
    assert_int_equal(motion_histogram_bucket(UINT64_MAX), MOTION_HIST_BUCKETS - 1);
    /* quantiles of 1..1000 us */
    memset(&h, 0, sizeof(h));
    for (v = 1; v <= 1000; v++) {
        h.buckets[motion_histogram_bucket(v * 1000)]++;
        h.count++;
        h.max_ns = v * 1000;
    }
    assert_true(labs((long)motion_histogram_quantile(&h, 0.5) - 500000) < 500000 / 16 + 1);
    assert_true(labs((long)motion_histogram_quantile(&h, 0.99) - 990000) < 990000 / 16 + 1);
    assert_true(motion_histogram_quantile(&h, 1.0) == 1000000);
    memset(&h, 0, sizeof(h));
    assert_true(motion_histogram_quantile(&h, 0.5) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queue_many_producers),
        cmocka_unit_test(queue_full_and_empty),
        cmocka_unit_test(seqlock_snapshots_are_consistent),
        cmocka_unit_test(histogram_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
