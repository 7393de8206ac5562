/* Playback on the control loop, as the phone sees it: which package and motion each queued item
 * is, the status and the event stream ("motion", "playback", "state" and "error" events), fed by
 * a pump thread that drains the loop's lock-free event queue. The emergency stop does not come
 * through here: the API calls motion_loop_estop() directly. */
#ifndef MD_PLAYBACK_H
#define MD_PLAYBACK_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "events.h"
#include "motion/motion.h"
#include "tokens.h"

typedef struct md_playback md_playback;

/** Starts the pump thread (it also ticks the pairing code's expiry once a second). */
int md_playback_new(md_playback **out, motion_loop *loop, md_events *events, md_tokens *tokens);

/** Stops the pump thread and frees. */
void md_playback_free(md_playback *p);

/** What md_playback_play() refused, as an HTTP answer. */
typedef struct md_play_error {
    int status;
    const char *code;
    char message[512];
} md_play_error;

/**
 * Plays (now) or queues a clip. On success the loop owns the clip.
 * @param speed 0 to keep the current speed
 * @param[out] tag the item's tag
 */
int md_playback_play(md_playback *p, motion_clip *clip, const char *pkg, const char *version,
                     const char *motion, int loops, double speed, bool now, uint64_t *tag,
                     md_play_error *err);

/** The robot and player status (GET /api/v1/status's "motion" part). */
json_t *md_playback_status(md_playback *p);

/** The item playing and those queued after it. */
json_t *md_playback_queue(md_playback *p);

/** Control-loop statistics: wake-up latency and tick histograms' quantiles, counters. */
json_t *md_playback_stats(md_playback *p);

/** Latched faults as names ["estop", "watchdog", "nonfinite"]. */
json_t *md_faults_json(unsigned faults);

#endif
