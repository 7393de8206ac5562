/* Playback bookkeeping and the pump thread (playback.h). */
#include "playback.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "request.h"

#define ITEMS             64        /* items remembered (playing, queued, recently done) */
#define PUMP_PERIOD_NS    20000000  /* the pump looks at the loop 50 times a second */
#define PLAYBACK_EVERY_NS 100000000 /* "playback" events: 10 a second while moving */

typedef enum item_state { IT_FREE, IT_QUEUED, IT_ACTIVE, IT_DONE } item_state;

typedef struct item {
    uint64_t tag;
    item_state state;
    char pkg[MD_ID_MAX + 1];
    char version[MD_VERSION_MAX + 1];
    char motion[MD_MOTION_MAX + 1];
    int loops;
} item;

struct md_playback {
    motion_loop *loop;
    md_events *events;
    md_tokens *tokens;
    pthread_mutex_t mutex; /* items and next_tag; never taken by the control loop or the e-stop */
    item items[ITEMS];
    uint64_t next_tag;
    pthread_t pump;
    atomic_bool stop;
};

json_t *md_faults_json(unsigned faults)
{
    json_t *a = json_array();

    if (faults & MOTION_FAULT_ESTOP)
        json_array_append_new(a, json_string("estop"));
    if (faults & MOTION_FAULT_WATCHDOG)
        json_array_append_new(a, json_string("watchdog"));
    if (faults & MOTION_FAULT_NONFINITE)
        json_array_append_new(a, json_string("nonfinite"));
    return a;
}

/* Under the mutex. */
static item *find_item(md_playback *p, uint64_t tag)
{
    for (int i = 0; i < ITEMS; i++)
        if (p->items[i].state != IT_FREE && p->items[i].tag == tag)
            return &p->items[i];
    return NULL;
}

/* A free slot, or the oldest finished one. Under the mutex. */
static item *new_item(md_playback *p)
{
    item *best = NULL;

    for (int i = 0; i < ITEMS; i++) {
        item *it = &p->items[i];
        if (it->state == IT_FREE)
            return it;
        if (it->state == IT_DONE && (!best || it->tag < best->tag))
            best = it;
    }
    return best;
}

static json_t *item_json(const item *it)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o}", "tag", (json_int_t)it->tag, "package", it->pkg,
                     "version", it->version, "motion", it->motion, "loop",
                     it->loops ? json_integer(it->loops) : json_string("forever"));
}

int md_playback_play(md_playback *p, motion_clip *clip, const char *pkg, const char *version,
                     const char *motion, int loops, double speed, bool now, uint64_t *tag,
                     md_play_error *err)
{
    motion_play_options opts;
    motion_loop_status st;
    item *it;
    int rc;

    if (motion_loop_status_get(p->loop, &st) == MOTION_OK && st.faults) {
        err->status = 409;
        err->code = "faulted";
        snprintf(err->message, sizeof(err->message),
                 "the robot is damping after a fault (%s%s%s): release it first",
                 st.faults & MOTION_FAULT_ESTOP ? "emergency stop " : "",
                 st.faults & MOTION_FAULT_WATCHDOG ? "watchdog " : "",
                 st.faults & MOTION_FAULT_NONFINITE ? "non-finite command " : "");
        return -1;
    }
    pthread_mutex_lock(&p->mutex);
    it = new_item(p);
    if (!it) {
        pthread_mutex_unlock(&p->mutex);
        err->status = 429;
        err->code = "queue-full";
        snprintf(err->message, sizeof(err->message), "%d items are queued already", ITEMS);
        return -1;
    }
    motion_play_options_init(&opts);
    opts.loops = loops;
    opts.now = now;
    opts.tag = ++p->next_tag;
    if (speed > 0 && motion_loop_set_speed(p->loop, speed) != MOTION_OK) {
        pthread_mutex_unlock(&p->mutex);
        err->status = 503;
        err->code = "busy";
        snprintf(err->message, sizeof(err->message), "%s", motion_error_message());
        return -1;
    }
    rc = motion_loop_play(p->loop, clip, &opts);
    if (rc != MOTION_OK) {
        pthread_mutex_unlock(&p->mutex);
        err->status = rc == MOTION_EPERM ? 403 : rc == MOTION_EMODEL ? 422 : 503;
        err->code = rc == MOTION_EPERM ? "not-permitted" : rc == MOTION_EMODEL ? "refused" : "busy";
        snprintf(err->message, sizeof(err->message), "%s",
                 *motion_error_message() ? motion_error_message() : motion_strerror(rc));
        return -1;
    }
    memset(it, 0, sizeof(*it));
    it->tag = opts.tag;
    it->state = IT_QUEUED;
    it->loops = loops;
    snprintf(it->pkg, sizeof(it->pkg), "%s", pkg);
    snprintf(it->version, sizeof(it->version), "%s", version);
    snprintf(it->motion, sizeof(it->motion), "%s", motion);
    *tag = it->tag;
    pthread_mutex_unlock(&p->mutex);
    return 0;
}

static json_t *player_json(md_playback *p, const motion_loop_status *st)
{
    const motion_player_status *ps = &st->player;
    json_t *o = json_pack("{s:s, s:s, s:f, s:b, s:f, s:f, s:i}", "activity",
                          motion_activity_name(ps->activity), "mode", motion_mode_name(ps->mode),
                          "speed", ps->speed, "paused", ps->paused, "speed_now", ps->speed_now,
                          "weight", ps->weight, "queued", ps->queued);
    if (ps->tag) {
        item *it;
        json_t *cur = json_pack("{s:I, s:s, s:f, s:f, s:i, s:o, s:b}", "tag", (json_int_t)ps->tag,
                                "motion", ps->name, "time", ps->time, "duration", ps->duration,
                                "iteration", ps->iteration, "loop",
                                ps->loops ? json_integer(ps->loops) : json_string("forever"),
                                "crossfading", ps->crossfading);
        pthread_mutex_lock(&p->mutex);
        if ((it = find_item(p, ps->tag))) {
            json_object_set_new(cur, "package", json_string(it->pkg));
            json_object_set_new(cur, "version", json_string(it->version));
        }
        pthread_mutex_unlock(&p->mutex);
        json_object_set_new(o, "current", cur);
    } else {
        json_object_set_new(o, "current", json_null());
    }
    return o;
}

json_t *md_playback_status(md_playback *p)
{
    motion_loop_status st;

    if (motion_loop_status_get(p->loop, &st) != MOTION_OK)
        return json_pack("{s:s, s:o, s:b, s:b}", "activity", "starting", "faults", json_array(),
                         "estop", false, "has_state", false);
    json_t *o = player_json(p, &st);
    json_object_set_new(o, "faults", md_faults_json(st.faults));
    json_object_set_new(o, "estop", json_boolean(st.faults & MOTION_FAULT_ESTOP));
    json_object_set_new(o, "has_state", json_boolean(st.has_state));
    json_object_set_new(o, "state_age_ms", json_real(st.has_state ? st.state_age * 1000 : -1));
    json_object_set_new(o, "tick", json_integer((json_int_t)st.tick));
    json_object_set_new(o, "joints", json_integer(st.joint_count));
    return o;
}

json_t *md_playback_queue(md_playback *p)
{
    motion_loop_status st;
    json_t *queued = json_array(), *current = json_null();
    uint64_t cur = 0;
    item *sorted[ITEMS];
    int n = 0;

    if (motion_loop_status_get(p->loop, &st) == MOTION_OK)
        cur = st.player.tag;
    pthread_mutex_lock(&p->mutex);
    for (int i = 0; i < ITEMS; i++) {
        item *it = &p->items[i];
        if (it->state == IT_FREE || it->state == IT_DONE)
            continue;
        if (it->tag == cur) {
            json_decref(current);
            current = item_json(it);
        } else {
            sorted[n++] = it;
        }
    }
    /* In the order they were queued (tags grow). */
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && sorted[k - 1]->tag > sorted[k]->tag; k--) {
            item *t = sorted[k];
            sorted[k] = sorted[k - 1];
            sorted[k - 1] = t;
        }
    for (int i = 0; i < n; i++)
        json_array_append_new(queued, item_json(sorted[i]));
    pthread_mutex_unlock(&p->mutex);
    return json_pack("{s:o, s:o}", "current", current, "queued", queued);
}

static json_t *hist_json(const motion_histogram *h)
{
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f}", "count", (json_int_t)h->count, "p50_us",
                     motion_histogram_quantile(h, 0.5) / 1000.0, "p99_us",
                     motion_histogram_quantile(h, 0.99) / 1000.0, "p999_us",
                     motion_histogram_quantile(h, 0.999) / 1000.0, "max_us", h->max_ns / 1000.0,
                     "mean_us", h->count ? (double)h->sum_ns / (double)h->count / 1000.0 : 0.0);
}

json_t *md_playback_stats(md_playback *p)
{
    motion_loop_stats *s = malloc(sizeof(*s)); /* two histograms: too big for a small stack */
    json_t *o;

    if (!s)
        return NULL;
    motion_loop_stats_get(p->loop, s);
    o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:f, s:f, s:b, s:b}", "ticks",
                  (json_int_t)s->ticks, "overruns", (json_int_t)s->overruns, "missed_periods",
                  (json_int_t)s->missed_periods, "backend_errors", (json_int_t)s->backend_errors,
                  "requests", (json_int_t)s->requests, "events_dropped",
                  (json_int_t)s->events_dropped, "wakeup", hist_json(&s->wakeup), "tick",
                  hist_json(&s->tick), "tracking_max_rad", s->tracking_max, "tracking_rms_rad",
                  s->tracking_rms, "realtime", s->realtime, "memory_locked", s->memory_locked);
    json_object_set_new(
        o, "safety",
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "damping",
                  (json_int_t)s->safety.damping, "clamped", (json_int_t)s->safety.clamped,
                  "rate_limited", (json_int_t)s->safety.rate, "velocity",
                  (json_int_t)s->safety.velocity, "estop", (json_int_t)s->safety.estop, "watchdog",
                  (json_int_t)s->safety.watchdog, "nonfinite", (json_int_t)s->safety.nonfinite,
                  "mask", (json_int_t)s->safety.mask));
    free(s);
    return o;
}

/* One loop event: bookkeeping, then the "motion" event (and "error" for what nobody asked). */
static void on_event(md_playback *p, const motion_event *ev)
{
    json_t *o =
        json_pack("{s:s, s:I}", "event", motion_event_name(ev->type), "tick", (json_int_t)ev->tick);
    item *it;

    if (ev->type == MOTION_EVENT_ACTIVITY) {
        json_decref(o);
        return; /* the pump reports activity through "state" events */
    }
    pthread_mutex_lock(&p->mutex);
    it = ev->tag ? find_item(p, ev->tag) : NULL;
    if (it) {
        json_object_set_new(o, "tag", json_integer((json_int_t)it->tag));
        json_object_set_new(o, "package", json_string(it->pkg));
        json_object_set_new(o, "motion", json_string(it->motion));
        if (ev->type == MOTION_EVENT_BLEND_IN || ev->type == MOTION_EVENT_STARTED ||
            ev->type == MOTION_EVENT_LOOPED)
            it->state = IT_ACTIVE;
        else if (ev->type == MOTION_EVENT_FINISHED || ev->type == MOTION_EVENT_DROPPED ||
                 ev->type == MOTION_EVENT_REJECTED)
            it->state = IT_DONE;
    }
    pthread_mutex_unlock(&p->mutex);
    switch (ev->type) {
    case MOTION_EVENT_BLEND_IN:
        json_object_set_new(o, "blend_s", json_real((double)ev->value / 1000.0));
        break;
    case MOTION_EVENT_LOOPED:
        json_object_set_new(o, "iteration", json_integer((json_int_t)ev->value));
        break;
    case MOTION_EVENT_FAULT:
        json_object_set_new(o, "faults", md_faults_json(ev->faults));
        /* The log line first: whoever reacts to the event finds it already written. */
        md_warn("fault latched: %s%s%s- damping until released",
                ev->faults & MOTION_FAULT_ESTOP ? "emergency stop " : "",
                ev->faults & MOTION_FAULT_WATCHDOG ? "watchdog " : "",
                ev->faults & MOTION_FAULT_NONFINITE ? "non-finite command " : "");
        if (ev->faults & ~(unsigned)MOTION_FAULT_ESTOP)
            md_events_publish(p->events, "error",
                              json_pack("{s:s, s:o, s:s}", "error", "fault", "faults",
                                        md_faults_json(ev->faults), "message",
                                        ev->faults & MOTION_FAULT_WATCHDOG
                                            ? "the robot's state stopped arriving: damping"
                                            : "a command was not finite: damping"));
        break;
    case MOTION_EVENT_REJECTED:
        json_object_set_new(o, "error", json_string(motion_strerror((int)ev->value)));
        md_events_publish(p->events, "error",
                          json_pack("{s:s, s:s}", "error", "rejected", "message",
                                    motion_strerror((int)ev->value)));
        break;
    default:
        break;
    }
    md_debug("motion event %s tag %llu", motion_event_name(ev->type), (unsigned long long)ev->tag);
    md_events_publish(p->events, "motion", o);
}

static void sleep_until(int64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000), (long)(t % 1000000000)};

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
    }
}

static bool moving(motion_activity a)
{
    return a == MOTION_ACT_BLEND_IN || a == MOTION_ACT_PLAYING || a == MOTION_ACT_BLEND_OUT ||
           a == MOTION_ACT_STOPPING || a == MOTION_ACT_RETURNING || a == MOTION_ACT_RELEASING;
}

static void *pump(void *arg)
{
    md_playback *p = arg;
    motion_loop_status st;
    motion_event ev;
    int last_activity = -1;
    unsigned last_faults = ~0u;
    int64_t next = motion_now_ns(), last_playback = 0, last_second = 0;

    while (!atomic_load(&p->stop)) {
        int64_t now;
        while (motion_loop_poll_event(p->loop, &ev) == MOTION_OK)
            on_event(p, &ev);
        motion_loop_collect(p->loop);
        now = motion_now_ns();
        if (motion_loop_status_get(p->loop, &st) == MOTION_OK) {
            if ((int)st.player.activity != last_activity || st.faults != last_faults) {
                last_activity = (int)st.player.activity;
                last_faults = st.faults;
                md_events_publish(p->events, "state",
                                  json_pack("{s:s, s:o, s:b, s:b}", "activity",
                                            motion_activity_name(st.player.activity), "faults",
                                            md_faults_json(st.faults), "estop",
                                            (st.faults & MOTION_FAULT_ESTOP) != 0, "has_state",
                                            st.has_state));
            }
            if (moving(st.player.activity) && now - last_playback >= PLAYBACK_EVERY_NS) {
                last_playback = now;
                md_events_publish(p->events, "playback", player_json(p, &st));
            }
        }
        if (now - last_second >= 1000000000) {
            last_second = now;
            md_tokens_tick(p->tokens);
        }
        next += PUMP_PERIOD_NS;
        if (next < now)
            next = now + PUMP_PERIOD_NS;
        sleep_until(next);
    }
    return NULL;
}

int md_playback_new(md_playback **out, motion_loop *loop, md_events *events, md_tokens *tokens)
{
    md_playback *p = calloc(1, sizeof(*p));

    if (!p)
        return -1;
    p->loop = loop;
    p->events = events;
    p->tokens = tokens;
    pthread_mutex_init(&p->mutex, NULL);
    if (pthread_create(&p->pump, NULL, pump, p) != 0) {
        pthread_mutex_destroy(&p->mutex);
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void md_playback_free(md_playback *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, true);
    pthread_join(p->pump, NULL);
    pthread_mutex_destroy(&p->mutex);
    free(p);
}
