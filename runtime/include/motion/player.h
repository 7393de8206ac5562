/**
 * @file motion/player.h
 * @brief The player: turns clips into one command per control tick, never with a jump.
 *
 * The player is a state machine stepped once per tick by motion_player_tick(). It is not
 * thread-safe: the control loop (motion/loop.h) owns one and forwards requests from other threads
 * through lock-free queues. It can also be used alone, with no thread and no backend, stepped with
 * synthetic time; that is how the preview shows exactly what the robot would do.
 *
 * What it does (docs/runtime.md has the details):
 *  - blend-in from the measured pose and velocity to the first frame (motion/plan.h), then the
 *    clip sampled with C1 interpolation (motion/clip.h) at the control rate;
 *  - speed (0.1..2.0) and pause/resume change a time scale that ramps, so velocity never steps;
 *  - loops (n or forever) and a queue with crossfade (smooth-step weights, lengthened when the
 *    gap between motions needs it, or a blend when no crossfade can fit);
 *  - at the end: optional blend-out to the rest pose; in arm mode the upper-body weight ramps
 *    from 0 to 1 at the start and back to 0 at the end;
 *  - stop: every joint decelerates within its acceleration limit, then holds; optionally returns
 *    to the standing pose;
 *  - while the safety filter has a fault latched, damping, and everything queued is dropped; the
 *    same when the player cannot plan a move (it latches MOTION_FAULT_PLAN itself).
 * Nothing here allocates after motion_player_new().
 */
#ifndef MOTION_PLAYER_H
#define MOTION_PLAYER_H

#include <stdbool.h>
#include "motion/backend.h"
#include "motion/clip.h"
#include "motion/common.h"
#include "motion/plan.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Items the player can hold: the one playing and those queued after it. */
#define MOTION_PLAYER_QUEUE_MAX 16
/** loops value: repeat until stopped. */
#define MOTION_LOOP_FOREVER 0

/** What the robot's joints are commanded through. */
typedef enum motion_mode {
    MOTION_MODE_DEFAULT = 0, /**< arm for humanoids with an upper-body channel, else full */
    MOTION_MODE_ARM = 1,     /**< waist and arms only, on the upper-body channel */
    MOTION_MODE_FULL = 2     /**< every joint; needs the package's full-body permission and
                                  allow_full_body */
} motion_mode;

/** @return "arm", "full" or "default". */
MOTION_API const char *motion_mode_name(motion_mode mode);
/** Parses "arm", "full" or "default". @return MOTION_OK or MOTION_EINVAL */
MOTION_API MOTION_WUR int motion_mode_parse(motion_mode *out, const char *text);

/** What the player is doing. */
typedef enum motion_activity {
    MOTION_ACT_WAITING = 0,   /**< no robot state yet */
    MOTION_ACT_IDLE = 1,      /**< nothing to do: arm mode weight 0, full mode damping */
    MOTION_ACT_BLEND_IN = 2,  /**< moving from the robot's pose to the first frame */
    MOTION_ACT_PLAYING = 3,   /**< playing a clip (or crossfading to the next) */
    MOTION_ACT_BLEND_OUT = 4, /**< moving to the rest pose after the last clip */
    MOTION_ACT_STOPPING = 5,  /**< decelerating after a stop */
    MOTION_ACT_RETURNING = 6, /**< moving to the standing pose after a stop */
    MOTION_ACT_HOLDING = 7,   /**< holding a pose (full mode) */
    MOTION_ACT_RELEASING = 8, /**< arm mode: weight ramping down to 0 */
    MOTION_ACT_DAMPING = 9    /**< a fault is latched: damping until released */
} motion_activity;

/** @return a lowercase name ("blend-in", "playing"...). */
MOTION_API const char *motion_activity_name(motion_activity activity);

/** Player configuration; motion_player_config_init() gives the defaults. */
typedef struct motion_player_config {
    double rate_hz;                 /**< control rate, 50..1000 (default 500) */
    motion_mode mode;               /**< default: MOTION_MODE_DEFAULT */
    bool allow_full_body;           /**< the runtime permits full mode (default false) */
    double crossfade;               /**< default crossfade between queued clips, s (0.5) */
    double velocity_scale;          /**< planning velocity, fraction of the URDF limit (0.1) */
    double acceleration_scale;      /**< planning acceleration, fraction of the default (0.1) */
    double stop_acceleration_scale; /**< stop deceleration, fraction of the default (0.25) */
    double weight_ramp;             /**< arm mode: seconds for the weight to go 0 -> 1 (1.0) */
    double speed_ramp;              /**< largest speed change per second (1.0) */
    double pause_time;              /**< seconds to come to a pause or back from one (0.5) */
    bool blend_out;                 /**< after the last clip, blend to the rest pose (false) */
    bool has_rest_pose;             /**< rest_pose is set; else the model's standing pose */
    double rest_pose[MOTION_MAX_JOINTS]; /**< model order */
} motion_player_config;

MOTION_API void motion_player_config_init(motion_player_config *cfg);

/** Options of one play request; motion_play_options_init() gives the defaults. */
typedef struct motion_play_options {
    int loops;        /**< 1 (default), n, or MOTION_LOOP_FOREVER */
    double crossfade; /**< crossfade from the previous item, s; < 0: the configured default */
    uint64_t tag;     /**< the caller's id for this item, reported in status and events */
    bool now;         /**< play now: drop what plays and what is queued (DROPPED events) and
                           blend from the current command into this one; else queue it */
} motion_play_options;

MOTION_API void motion_play_options_init(motion_play_options *opts);

/** Events the player reports (motion_loop_poll_event() delivers them across threads). */
typedef enum motion_event_type {
    MOTION_EVENT_BLEND_IN = 1,  /**< an item starts its blend-in (value: duration in ms) */
    MOTION_EVENT_STARTED = 2,   /**< an item starts playing its first frame */
    MOTION_EVENT_LOOPED = 3,    /**< an item starts another iteration (value: iteration) */
    MOTION_EVENT_FINISHED = 4,  /**< an item played to its end */
    MOTION_EVENT_DROPPED = 5,   /**< an item was removed unplayed or cut (stop, clear, fault) */
    MOTION_EVENT_STOPPED = 6,   /**< a stop came to rest */
    MOTION_EVENT_IDLE = 7,      /**< nothing left to do */
    MOTION_EVENT_FAULT = 8,     /**< a fault latched (faults: motion_fault bits) */
    MOTION_EVENT_RELEASED = 9,  /**< the faults were released */
    MOTION_EVENT_REJECTED = 10, /**< a request was refused in the loop (value: error code) */
    MOTION_EVENT_ACTIVITY = 11  /**< the activity changed (value: motion_activity) */
} motion_event_type;

/** One event. */
typedef struct motion_event {
    motion_event_type type;
    uint64_t tag;    /**< the item's tag, when about an item */
    uint64_t tick;   /**< the tick it happened in */
    int64_t time_ns; /**< that tick's time */
    unsigned faults; /**< latched faults at that time */
    int64_t value;   /**< see the event type */
} motion_event;

/** @return the event type's name ("started", "fault"...). */
MOTION_API const char *motion_event_name(motion_event_type type);

/** A snapshot of the player. */
typedef struct motion_player_status {
    motion_activity activity;
    motion_mode mode;        /**< the resolved mode (ARM or FULL) */
    uint64_t tag;            /**< tag of the item playing or blending in (0: none) */
    char name[64];           /**< its clip's name ("" when none) */
    double time;             /**< its motion time, s */
    double duration;         /**< its clip's duration, s */
    int iteration;           /**< current iteration, from 1 */
    int loops;               /**< requested loops (MOTION_LOOP_FOREVER: 0) */
    bool crossfading;        /**< moving into the next item */
    int queued;              /**< items waiting after the current one */
    double speed;            /**< requested speed */
    double speed_now;        /**< the speed in effect (ramping, and 0 when paused) */
    bool paused;             /**< a pause was requested and not resumed */
    double weight;           /**< upper-body weight last commanded */
    double segment_time;     /**< time into the current blend, stop or ramp, s */
    double segment_duration; /**< its planned duration, s */
} motion_player_status;

typedef struct motion_player motion_player;

/** Callbacks: events, and clips the player is done with (the owner may free them then). */
typedef struct motion_player_callbacks {
    void (*event)(void *user, const motion_event *event);
    void (*release)(void *user, motion_clip *clip, uint64_t tag);
    void *user;
} motion_player_callbacks;

/**
 * @param[out] out player, freed with motion_player_free() (which releases, not frees, its clips)
 * @param model    robot model; must outlive the player
 * @param cfg      NULL for the defaults
 * @return MOTION_EINVAL for a bad configuration or an arm mode the model cannot do
 */
MOTION_API MOTION_WUR int motion_player_new(motion_player **out, const mpk_robot_model *model,
                                            const motion_player_config *cfg);
MOTION_API void motion_player_set_callbacks(motion_player *player,
                                            const motion_player_callbacks *callbacks);

/** @return the mode in effect (ARM or FULL). */
MOTION_API motion_mode motion_player_mode(const motion_player *player);

/** @return the channel commands go to. */
MOTION_API motion_channel motion_player_channel(const motion_player *player);

/**
 * Checks that a clip may play here: same robot model; full mode needs the clip's full-body
 * permission and allow_full_body; arm mode needs at least one waist or arm joint.
 * Thread-safe (reads only the configuration). @return MOTION_OK, MOTION_EMODEL or MOTION_EPERM
 */
MOTION_API MOTION_WUR int motion_player_check(const motion_player *player, const motion_clip *clip);

/**
 * Queues a clip (checked with motion_player_check). The player borrows the clip until it hands it
 * to the release callback. Starts at the next tick when nothing plays.
 * @return MOTION_OK, MOTION_EFULL, MOTION_ESTATE while a fault is latched, or a check error
 */
MOTION_API MOTION_WUR int motion_player_play(motion_player *player, motion_clip *clip,
                                             const motion_play_options *opts);
/** Stops: decelerate, hold, then (return_to_stand) go to the standing pose. Drops the queue. */
MOTION_API void motion_player_stop(motion_player *player, bool return_to_stand);
MOTION_API void motion_player_pause(motion_player *player);
MOTION_API void motion_player_resume(motion_player *player);
/** @return MOTION_EINVAL outside MOTION_SPEED_MIN..MOTION_SPEED_MAX */
MOTION_API MOTION_WUR int motion_player_set_speed(motion_player *player, double speed);
/** Changes the loop count of the item playing. @return MOTION_EINVAL for a negative count */
MOTION_API MOTION_WUR int motion_player_set_loops(motion_player *player, int loops);
/** Drops the queued items (not the one playing). */
MOTION_API void motion_player_clear(motion_player *player);

/**
 * Faults the player latched itself: MOTION_FAULT_PLAN (motion/safety.h) when it could not plan a
 * move (a blend from a non-finite position or velocity, or with a limit that is not positive).
 * While one is latched the player damps exactly as for a fault its caller passes in: the queue is
 * dropped and every tick commands damping. The loop latches these faults in its safety filter in
 * the same tick; a player used alone stays damping until motion_player_release().
 * @return motion_fault bits, 0 when none
 */
MOTION_API unsigned motion_player_faults(const motion_player *player);

/** Clears the faults the player latched itself (motion_loop_release() does it for the loop). */
MOTION_API void motion_player_release(motion_player *player);

/**
 * Computes the command for one tick.
 * @param[out] cmd   the command (every field set; the safety filter still has to see it)
 * @param state      the latest measured state, or NULL when there is none yet
 * @param faults     the safety filter's latched faults (motion_fault bits)
 * @param tick       tick number (copied into cmd and events)
 * @param now_ns     the tick's time; the player advances by the difference to the previous one
 */
MOTION_API void motion_player_tick(motion_player *player, motion_command *cmd,
                                   const motion_state *state, unsigned faults, uint64_t tick,
                                   int64_t now_ns);

MOTION_API void motion_player_status_get(const motion_player *player, motion_player_status *out);

MOTION_API void motion_player_free(motion_player *player);

#ifdef __cplusplus
}
#endif
#endif
