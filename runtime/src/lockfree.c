/* Bounded MPMC queue and sequence lock; see lockfree.h. */
#include "lockfree.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CACHE_LINE 64

/* Each cell is a sequence number followed by the element, padded to whole cache lines so that
 * producers and the consumer of neighbouring cells do not share a line. */
typedef struct cell {
    _Atomic size_t seq;
} cell;

struct motion__queue {
    _Alignas(CACHE_LINE) _Atomic size_t head; /* next position to push */
    _Alignas(CACHE_LINE) _Atomic size_t tail; /* next position to pop */
    _Alignas(CACHE_LINE) size_t mask;
    size_t elem_size;
    size_t stride;
    unsigned char *cells;
};

static cell *cell_at(const motion__queue *q, size_t pos)
{
    return (cell *)(q->cells + (pos & q->mask) * q->stride);
}

static void *cell_data(cell *c)
{
    return (unsigned char *)c + CACHE_LINE / 4;
}

int motion__queue_new(motion__queue **out, size_t capacity, size_t elem_size)
{
    motion__queue *q;
    size_t cap = 2, i;

    while (cap < capacity)
        cap *= 2;
    q = aligned_alloc(CACHE_LINE, sizeof(*q));
    if (!q)
        return motion__error(MOTION_ENOMEM, "queue: out of memory");
    memset(q, 0, sizeof(*q));
    q->mask = cap - 1;
    q->elem_size = elem_size;
    /* The data starts a quarter line in: room for the sequence number with its alignment. */
    q->stride = (CACHE_LINE / 4 + elem_size + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    q->cells = aligned_alloc(CACHE_LINE, cap * q->stride);
    if (!q->cells) {
        free(q);
        return motion__error(MOTION_ENOMEM, "queue: out of memory");
    }
    memset(q->cells, 0, cap * q->stride);
    for (i = 0; i < cap; i++)
        atomic_init(&cell_at(q, i)->seq, i);
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    *out = q;
    return MOTION_OK;
}

void motion__queue_free(motion__queue *q)
{
    if (!q)
        return;
    free(q->cells);
    free(q);
}

size_t motion__queue_capacity(const motion__queue *q)
{
    return q->mask + 1;
}

bool motion__queue_push(motion__queue *q, const void *elem)
{
    size_t pos = atomic_load_explicit(&q->head, memory_order_relaxed);
    cell *c;

    for (;;) {
        c = cell_at(q, pos);
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t diff = (intptr_t)seq - (intptr_t)pos;
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->head, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed))
                break;
        } else if (diff < 0) {
            return false; /* the cell still holds an element from one lap ago: full */
        } else {
            pos = atomic_load_explicit(&q->head, memory_order_relaxed);
        }
    }
    memcpy(cell_data(c), elem, q->elem_size);
    atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
    return true;
}

bool motion__queue_pop(motion__queue *q, void *out)
{
    size_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
    cell *c;

    for (;;) {
        c = cell_at(q, pos);
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t diff = (intptr_t)seq - (intptr_t)(pos + 1);
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed))
                break;
        } else if (diff < 0) {
            return false; /* not yet written: empty */
        } else {
            pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
        }
    }
    memcpy(out, cell_data(c), q->elem_size);
    atomic_store_explicit(&c->seq, pos + q->mask + 1, memory_order_release);
    return true;
}

int motion__seqlock_init(motion__seqlock *s, size_t bytes)
{
    size_t i;

    s->words = (bytes + 7) / 8;
    s->data = calloc(s->words, sizeof(*s->data));
    if (!s->data)
        return motion__error(MOTION_ENOMEM, "seqlock: out of memory");
    for (i = 0; i < s->words; i++)
        atomic_init(&s->data[i], 0);
    atomic_init(&s->seq, 0);
    return MOTION_OK;
}

void motion__seqlock_destroy(motion__seqlock *s)
{
    free(s->data);
    s->data = NULL;
}

/* Boehm's C11 seqlock: the odd sequence number is published before the data (release fence),
 * the even one after (release store); a reader that sees the same even number around its reads,
 * with an acquire fence between, has a consistent copy. Data words are atomics, so no data race. */
void motion__seqlock_write(motion__seqlock *s, const void *src, size_t bytes)
{
    uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
    const unsigned char *p = src;
    size_t whole, i;
    uint64_t w;

    if (bytes > s->words * 8)
        bytes = s->words * 8;
    whole = bytes / 8;
    atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (i = 0; i < whole; i++) {
        memcpy(&w, p + i * 8, 8); /* one load; src need not be aligned */
        atomic_store_explicit(&s->data[i], w, memory_order_relaxed);
    }
    if (bytes % 8) {
        w = 0;
        memcpy(&w, p + whole * 8, bytes % 8);
        atomic_store_explicit(&s->data[whole], w, memory_order_relaxed);
    }
    atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

bool motion__seqlock_read(motion__seqlock *s, void *dst, size_t bytes, int max_tries)
{
    unsigned char *p = dst;
    size_t whole, i;
    uint64_t w;
    int tries;

    if (bytes > s->words * 8)
        bytes = s->words * 8;
    whole = bytes / 8;
    for (tries = 0; tries < max_tries; tries++) {
        uint32_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (s1 & 1u)
            continue;
        for (i = 0; i < whole; i++) {
            w = atomic_load_explicit(&s->data[i], memory_order_relaxed);
            memcpy(p + i * 8, &w, 8);
        }
        if (bytes % 8) {
            w = atomic_load_explicit(&s->data[whole], memory_order_relaxed);
            memcpy(p + whole * 8, &w, bytes % 8);
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) == s1)
            return true;
    }
    return false;
}
