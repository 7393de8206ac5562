/* Log-linear histograms of durations: 16 linear buckets per power of two of nanoseconds. */
#include "internal.h"
#include "motion/loop.h"

#define SUB_BITS 4
#define SUB      (1 << SUB_BITS)

int motion_histogram_bucket(uint64_t ns)
{
    int e;

    if (ns < SUB)
        return (int)ns;
    e = 63 - __builtin_clzll(ns); /* ns >= 16, so e >= 4 */
    int b = (e - SUB_BITS + 1) * SUB + (int)((ns >> (e - SUB_BITS)) & (SUB - 1));
    return b < MOTION_HIST_BUCKETS ? b : MOTION_HIST_BUCKETS - 1;
}

void motion_histogram_bucket_range(int b, uint64_t *lower, uint64_t *upper)
{
    int e;
    uint64_t sub;

    if (b < SUB) {
        *lower = (uint64_t)b;
        *upper = (uint64_t)b + 1;
        return;
    }
    e = b / SUB + SUB_BITS - 1;
    sub = (uint64_t)(b % SUB);
    *lower = (1ull << e) + (sub << (e - SUB_BITS));
    *upper = *lower + (1ull << (e - SUB_BITS));
}

uint64_t motion_histogram_quantile(const motion_histogram *h, double q)
{
    uint64_t rank, seen = 0, lo, hi;
    int b;

    if (h->count == 0)
        return 0;
    if (q <= 0)
        q = 0;
    if (q >= 1)
        return h->max_ns;
    rank = (uint64_t)(q * (double)h->count);
    if (rank >= h->count)
        rank = h->count - 1;
    for (b = 0; b < MOTION_HIST_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen > rank) {
            motion_histogram_bucket_range(b, &lo, &hi);
            /* The upper edge, but never more than the largest value seen. */
            return hi - 1 < h->max_ns ? hi - 1 : h->max_ns;
        }
    }
    return h->max_ns;
}
