/* The event stream: a ring of recent events, each already formatted as a Server-Sent Events
 * frame ("id: N\nevent: TYPE\ndata: JSON\n\n"). Publishers never wait for readers; a reader that
 * falls more than the ring behind is told how many events it missed. */
#ifndef MD_EVENTS_H
#define MD_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MD_EVENTS_RING 512

typedef struct md_events md_events;

int md_events_new(md_events **out);
void md_events_free(md_events *ev);

/** Publishes an event (data is stolen; its "type" is the event's name). @return its id */
uint64_t md_events_publish(md_events *ev, const char *type, json_t *data);

/** The id of the newest event (0 before the first). */
uint64_t md_events_last(md_events *ev);

/**
 * Waits up to timeout_ms for an event after *cursor and returns its frame (malloc'd), moving the
 * cursor on. A reader that fell behind the ring gets a "lost" frame first.
 * @return the frame, or NULL on timeout or once closed (*closed tells which)
 */
char *md_events_next(md_events *ev, uint64_t *cursor, int timeout_ms, bool *closed);

/** Wakes every reader and makes md_events_next() return NULL with *closed set from now on. */
void md_events_close(md_events *ev);

/** Events published so far, by the first event id a reader could still get. */
uint64_t md_events_oldest(md_events *ev);

#endif
