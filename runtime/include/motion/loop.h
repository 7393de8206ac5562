/**
 * @file motion/loop.h
 * @brief The control loop: a dedicated real-time thread that ticks the player, the safety filter
 * and the backend at the control rate.
 *
 * One tick: take requests from the lock-free queue, note an emergency stop, read the latest state,
 * run the watchdog, compute the player's command, filter it, write it to the backend, publish the
 * status. The tick allocates nothing, takes no lock and does no I/O besides the backend's write;
 * that write is the backend's own (the dds backend's is CycloneDDS's dds_write, which allocates
 * and takes CycloneDDS's locks: docs/dds.md).
 * Deadlines are absolute (clock_nanosleep with TIMER_ABSTIME on CLOCK_MONOTONIC); the thread runs
 * with SCHED_FIFO and the process's memory locked (mlockall) when permitted, and says so in a log
 * line when not.
 *
 * Every function below except motion_loop_new/start/tick/free may be called from any thread at
 * any time while the loop runs; none blocks. motion_loop_estop() is also async-signal-safe.
 *
 * A loop that is never started can be stepped by hand with motion_loop_tick() and synthetic time:
 * the same tick, deterministic, as fast as the caller wants (tests, `motion-play --fast`).
 */
#ifndef MOTION_LOOP_H
#define MOTION_LOOP_H

#include <stdbool.h>
#include "motion/backend.h"
#include "motion/clip.h"
#include "motion/common.h"
#include "motion/player.h"
#include "motion/safety.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels of the loop's log callback. */
typedef enum motion_log_level {
    MOTION_LOG_ERROR = 0,
    MOTION_LOG_WARNING = 1,
    MOTION_LOG_INFO = 2
} motion_log_level;

/** Loop configuration; motion_loop_config_init() gives the defaults. */
typedef struct motion_loop_config {
    double rate_hz;                        /**< 50..1000 (default 500); player.rate_hz follows */
    const char *backend;                   /**< backend name (default "sim") */
    motion_options backend_options;        /**< "key=value" strings, NULL-terminated, or NULL */
    const motion_backend_ops *backend_ops; /**< when set, used instead of the name */
    motion_player_config player;
    motion_safety_config safety;
    bool realtime;    /**< try SCHED_FIFO for the loop thread (default true) */
    int priority;     /**< its SCHED_FIFO priority, 1..99 (default 80) */
    bool lock_memory; /**< try mlockall(MCL_CURRENT | MCL_FUTURE) (default true) */
    int cpu;          /**< pin the loop thread to this CPU, -1 for no pinning (default -1) */
    /** Log sink (called from motion_loop_start and the threads it makes, never from a tick);
     *  NULL prints "motion: ..." lines to stderr. */
    void (*log)(void *user, motion_log_level level, const char *message);
    void *log_user;
} motion_loop_config;

MOTION_API void motion_loop_config_init(motion_loop_config *cfg);

/** Histogram of durations in nanoseconds, log-linear: 16 buckets per power of two (<= 6.25%). */
#define MOTION_HIST_BUCKETS 528
typedef struct motion_histogram {
    uint64_t count;
    uint64_t sum_ns;
    uint64_t max_ns;
    uint64_t buckets[MOTION_HIST_BUCKETS];
} motion_histogram;

/** @return the value at quantile q (0..1) in ns (the upper edge of its bucket), 0 when empty. */
MOTION_API uint64_t motion_histogram_quantile(const motion_histogram *h, double q);
/** The bucket a value falls in, and a bucket's range [lower, upper). */
MOTION_API int motion_histogram_bucket(uint64_t ns);
MOTION_API void motion_histogram_bucket_range(int bucket, uint64_t *lower, uint64_t *upper);

/** Statistics since the start or the last motion_loop_stats_reset(). */
typedef struct motion_loop_stats {
    uint64_t ticks;
    uint64_t overruns;       /**< ticks that ended after the next deadline */
    uint64_t missed_periods; /**< deadlines skipped because of overruns */
    uint64_t backend_errors; /**< failed writes or reads */
    uint64_t requests;       /**< requests handled */
    uint64_t events_dropped; /**< events lost because nobody polled them */
    motion_histogram wakeup; /**< wake-up latency: time woken - deadline */
    motion_histogram tick;   /**< time from waking to the end of the backend write */
    double tracking_max;     /**< largest |measured - commanded| position while playing, rad */
    double tracking_rms;     /**< RMS of the same, rad */
    uint64_t tracking_samples;
    motion_safety_counters safety;
    motion_backend_stats backend; /**< the backend's message counters (not reset by
                                       motion_loop_stats_reset: they are the link's totals) */
    bool realtime;                /**< the thread runs with SCHED_FIFO */
    bool memory_locked;           /**< mlockall succeeded */
} motion_loop_stats;

/** A snapshot of the loop, published every tick. */
typedef struct motion_loop_status {
    uint64_t tick;
    int64_t time_ns;
    motion_player_status player;
    unsigned faults;  /**< latched motion_fault bits */
    bool has_state;   /**< a state has been received */
    double state_age; /**< s, at the tick */
    int joint_count;
    double q[MOTION_MAX_JOINTS];     /**< measured */
    double dq[MOTION_MAX_JOINTS];    /**< measured */
    double cmd_q[MOTION_MAX_JOINTS]; /**< commanded (after the safety filter) */
    uint8_t enabled[MOTION_MAX_JOINTS];
    double weight;
    unsigned safety_actions;       /**< motion_safety_action bits of the last command */
    motion_safety_counters safety; /**< what the safety filter did so far */
} motion_loop_status;

typedef struct motion_loop motion_loop;

/**
 * Makes a loop: opens the backend, makes the player and the safety filter, allocates the queues.
 * @param model robot model; must outlive the loop
 */
MOTION_API MOTION_WUR int motion_loop_new(motion_loop **out, const mpk_robot_model *model,
                                          const motion_loop_config *cfg);

/** Starts the loop thread. @return MOTION_ESTATE if already started, MOTION_ESYSTEM on failure */
MOTION_API MOTION_WUR int motion_loop_start(motion_loop *loop);

/**
 * Runs one tick now, in the calling thread, at time now_ns (for a loop that was not started).
 * @return MOTION_ESTATE when the thread runs
 */
MOTION_API MOTION_WUR int motion_loop_tick(motion_loop *loop, int64_t now_ns);

/**
 * Stops the thread: its last tick sends damping. Idempotent; also done by motion_loop_free().
 */
MOTION_API void motion_loop_shutdown(motion_loop *loop);

/**
 * Frees the loop, its backend, and every clip it still owns. NULL is fine. Stops the thread first
 * (motion_loop_shutdown); a loop ticked by hand, or never ticked, gets the same last tick before
 * the backend closes, so damping is the last command any open backend receives.
 */
MOTION_API void motion_loop_free(motion_loop *loop);

/**
 * Queues a clip. Checked here (motion_player_check) so that a refusal comes back at once; on
 * MOTION_OK the loop owns the clip and frees it when done. On failure the caller keeps it.
 * @return MOTION_OK, MOTION_EPERM, MOTION_EMODEL, MOTION_EFULL (request queue full)
 */
MOTION_API MOTION_WUR int motion_loop_play(motion_loop *loop, motion_clip *clip,
                                           const motion_play_options *opts);
/** Stop (decelerate, hold, optionally return to stand). @return MOTION_EFULL if not queued */
MOTION_API MOTION_WUR int motion_loop_stop(motion_loop *loop, bool return_to_stand);
MOTION_API MOTION_WUR int motion_loop_pause(motion_loop *loop);
MOTION_API MOTION_WUR int motion_loop_resume(motion_loop *loop);
MOTION_API MOTION_WUR int motion_loop_set_speed(motion_loop *loop, double speed);
MOTION_API MOTION_WUR int motion_loop_set_loops(motion_loop *loop, int loops);
MOTION_API MOTION_WUR int motion_loop_clear(motion_loop *loop);

/**
 * Emergency stop: one atomic store, effective at the next tick (damping until released).
 * Lock-free and async-signal-safe; never fails.
 */
MOTION_API void motion_loop_estop(motion_loop *loop);
/** Asks the loop to release every latched fault (a still-stale state latches again). */
MOTION_API void motion_loop_release(motion_loop *loop);

/** Copies the latest status. @return MOTION_OK, or MOTION_EAGAIN before the first tick */
MOTION_API MOTION_WUR int motion_loop_status_get(motion_loop *loop, motion_loop_status *out);
/** Copies the statistics (each field consistent, the set approximately simultaneous). */
MOTION_API void motion_loop_stats_get(motion_loop *loop, motion_loop_stats *out);
/** Asks the loop to zero its statistics at the next tick. */
MOTION_API void motion_loop_stats_reset(motion_loop *loop);

/** Takes the oldest event. @return MOTION_OK, or MOTION_EAGAIN when there is none */
MOTION_API MOTION_WUR int motion_loop_poll_event(motion_loop *loop, motion_event *out);

/** Frees the clips the loop is done with (every request function also does it). */
MOTION_API void motion_loop_collect(motion_loop *loop);

/** @return the player's mode and the loop's model. */
MOTION_API motion_mode motion_loop_mode(const motion_loop *loop);
MOTION_API const mpk_robot_model *motion_loop_model(const motion_loop *loop);

#ifdef __cplusplus
}
#endif
#endif
