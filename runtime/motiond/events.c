/* The event ring (events.h). */
#include "events.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct md_events {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    char *frames[MD_EVENTS_RING]; /* frame of event id i at frames[i % RING] */
    uint64_t last;                /* newest id; ids start at 1 */
    bool closed;
};

int md_events_new(md_events **out)
{
    md_events *ev = calloc(1, sizeof(*ev));
    pthread_condattr_t ca;

    if (!ev)
        return -1;
    pthread_mutex_init(&ev->mutex, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ev->cond, &ca);
    pthread_condattr_destroy(&ca);
    *out = ev;
    return 0;
}

void md_events_free(md_events *ev)
{
    if (!ev)
        return;
    for (int i = 0; i < MD_EVENTS_RING; i++)
        free(ev->frames[i]);
    pthread_cond_destroy(&ev->cond);
    pthread_mutex_destroy(&ev->mutex);
    free(ev);
}

uint64_t md_events_publish(md_events *ev, const char *type, json_t *data)
{
    char *json, *frame, *old;
    uint64_t id;

    if (json_is_object(data))
        json_object_set_new(data, "type", json_string(type));
    json = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (!json)
        return 0;
    pthread_mutex_lock(&ev->mutex);
    id = ++ev->last;
    /* JSON from json_dumps holds no raw newline, so one data line carries it. */
    frame = md_fmt("id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)id, type, json);
    old = ev->frames[id % MD_EVENTS_RING];
    ev->frames[id % MD_EVENTS_RING] = frame;
    pthread_cond_broadcast(&ev->cond);
    pthread_mutex_unlock(&ev->mutex);
    free(old);
    free(json);
    return id;
}

uint64_t md_events_last(md_events *ev)
{
    uint64_t id;

    pthread_mutex_lock(&ev->mutex);
    id = ev->last;
    pthread_mutex_unlock(&ev->mutex);
    return id;
}

uint64_t md_events_oldest(md_events *ev)
{
    uint64_t id;

    pthread_mutex_lock(&ev->mutex);
    id = ev->last >= MD_EVENTS_RING ? ev->last - MD_EVENTS_RING + 1 : 1;
    pthread_mutex_unlock(&ev->mutex);
    return id;
}

char *md_events_next(md_events *ev, uint64_t *cursor, int timeout_ms, bool *closed)
{
    struct timespec until;
    char *frame = NULL;
    uint64_t oldest;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&ev->mutex);
    while (!ev->closed && ev->last <= *cursor) {
        if (pthread_cond_timedwait(&ev->cond, &ev->mutex, &until) == ETIMEDOUT)
            break;
    }
    *closed = ev->closed;
    if (!ev->closed && ev->last > *cursor) {
        oldest = ev->last >= MD_EVENTS_RING ? ev->last - MD_EVENTS_RING + 1 : 1;
        if (*cursor + 1 < oldest) {
            frame = md_fmt("event: lost\ndata: {\"type\":\"lost\",\"missed\":%llu}\n\n",
                           (unsigned long long)(oldest - *cursor - 1));
            *cursor = oldest - 1;
        } else {
            *cursor += 1;
            frame = strdup(ev->frames[*cursor % MD_EVENTS_RING]);
        }
    }
    pthread_mutex_unlock(&ev->mutex);
    return frame;
}

void md_events_close(md_events *ev)
{
    pthread_mutex_lock(&ev->mutex);
    ev->closed = true;
    pthread_cond_broadcast(&ev->cond);
    pthread_mutex_unlock(&ev->mutex);
}
