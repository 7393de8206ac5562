/*
 * Lock-free building blocks of the control loop (C11 atomics only, no locks, no syscalls):
 *  - a bounded multi-producer multi-consumer queue of fixed-size elements (per-cell sequence
 *    numbers, the scheme of D. Vyukov's bounded MPMC queue), for requests into the loop and events
 *    and released clips out of it;
 *  - a sequence lock over atomic words, for the status snapshot the loop publishes every tick and
 *    any thread reads without stopping it.
 */
#ifndef MOTION_LOCKFREE_H
#define MOTION_LOCKFREE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct motion__queue motion__queue;

/** Makes a queue of capacity elements (rounded up to a power of two) of elem_size bytes. */
int motion__queue_new(motion__queue **out, size_t capacity, size_t elem_size);
void motion__queue_free(motion__queue *q);

/** Copies elem into the queue. @return false when full. Never blocks, never allocates. */
bool motion__queue_push(motion__queue *q, const void *elem);

/** Copies the oldest element into out. @return false when empty. */
bool motion__queue_pop(motion__queue *q, void *out);

/** @return the capacity (a power of two). */
size_t motion__queue_capacity(const motion__queue *q);

/** A sequence lock guarding `words` 64-bit words. One writer; any number of readers. */
typedef struct motion__seqlock {
    _Atomic uint32_t seq;
    size_t words;
    _Atomic uint64_t *data;
} motion__seqlock;

int motion__seqlock_init(motion__seqlock *s, size_t bytes);
void motion__seqlock_destroy(motion__seqlock *s);

/** Publishes bytes (at most the size given to init). Writer only. */
void motion__seqlock_write(motion__seqlock *s, const void *src, size_t bytes);

/**
 * Copies a consistent snapshot into dst, retrying while the writer is mid-update (at most
 * max_tries times). @return false if no consistent copy was obtained.
 */
bool motion__seqlock_read(motion__seqlock *s, void *dst, size_t bytes, int max_tries);

#endif
