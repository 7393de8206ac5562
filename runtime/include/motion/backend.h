/**
 * @file motion/backend.h
 * @brief Robot backends: one command written per tick, the latest measured state read per tick.
 *
 * A backend is a struct of function pointers chosen by name from configuration ("sim", "record",
 * "dds"); the control loop never includes a backend's header. Commands and states are in the
 * robot model's joint order (SDK motor order: model->joints[i].motor is the LowCmd slot).
 *
 * Threading: open and close run on a control thread; read_state and write run on the loop thread,
 * once per tick, and must not allocate, block on a lock a slower thread can hold, or sleep.
 * write is the one place a tick may do I/O (a DDS publish).
 */
#ifndef MOTION_BACKEND_H
#define MOTION_BACKEND_H

#include <stdbool.h>
#include "motion/common.h"
#include "mpk/robot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The robot interface a command goes to. */
typedef enum motion_channel {
    MOTION_CHANNEL_FULL = 0, /**< every motor (Unitree rt/lowcmd) */
    MOTION_CHANNEL_UPPER = 1 /**< waist and arms only, blended by weight (Unitree rt/arm_sdk) */
} motion_channel;

/** One command, written once per tick. Arrays are indexed by model joint (SDK motor order). */
typedef struct motion_command {
    uint64_t tick;               /**< tick number since the loop started */
    int64_t time_ns;             /**< CLOCK_MONOTONIC time of the tick (its deadline) */
    int joint_count;             /**< model->joint_count */
    motion_channel channel;      /**< full body or upper-body channel */
    double weight;               /**< upper-body blend weight 0..1 (UPPER only; 0 leaves the robot's
                                      own controller in charge, 1 gives this command full authority) */
    double q[MOTION_MAX_JOINTS]; /**< target position, rad */
    double dq[MOTION_MAX_JOINTS];      /**< target velocity, rad/s */
    double kp[MOTION_MAX_JOINTS];      /**< position gain, Nm/rad */
    double kd[MOTION_MAX_JOINTS];      /**< velocity gain, Nm s/rad */
    double tau[MOTION_MAX_JOINTS];     /**< feed-forward torque, Nm */
    uint8_t enable[MOTION_MAX_JOINTS]; /**< 1: this motor is commanded; 0: leave it alone (on the
                                            UPPER channel: a leg; on FULL: motor disabled) */
} motion_command;

/** Measured state of the robot, the latest the backend has. */
typedef struct motion_state {
    int64_t stamp_ns; /**< CLOCK_MONOTONIC time the state was measured or received; the watchdog
                           compares it with the tick's time */
    uint32_t seq;     /**< increases with every new state the backend receives */
    int joint_count;
    double q[MOTION_MAX_JOINTS];   /**< measured position, rad */
    double dq[MOTION_MAX_JOINTS];  /**< measured velocity, rad/s */
    double tau[MOTION_MAX_JOINTS]; /**< estimated torque, Nm (0 when unknown) */
    bool has_imu;                  /**< the fields below are valid */
    double imu_quat[4];            /**< w x y z */
    double imu_gyro[3];            /**< rad/s */
    double imu_acc[3];             /**< m/s^2 */
} motion_state;

/**
 * What a backend that talks to a robot counts about the messages it exchanges (the dds backend:
 * LowState_ in, LowCmd_ out). A backend without such counters leaves available false and the rest
 * zero.
 */
typedef struct motion_backend_stats {
    bool available;         /**< the backend keeps these counters */
    uint64_t states;        /**< state messages received, good or not */
    uint64_t bad_crc;       /**< of which dropped for a wrong CRC (never reached the loop) */
    uint64_t repeated_tick; /**< good states carrying the same robot tick as the good state
                                 before them (a robot republishing an old measurement) */
    uint64_t commands;      /**< commands sent */
    uint64_t write_errors;  /**< commands that could not be sent */
} motion_backend_stats;

/** Options of a backend: NULL-terminated "key=value" strings ("latency_ms=4", "domain=1"). */
typedef const char *const *motion_options;

/**
 * The interface every backend implements. ctx is the backend's own state.
 */
typedef struct motion_backend_ops {
    const char *name;    /**< "sim", "record", "dds" */
    const char *summary; /**< one line for --help */
    /**
     * Opens the backend for a robot model. Unknown option keys are an error naming the key.
     * @param[out] ctx backend state, released with close()
     * @param rate_hz  control rate the loop will call write() at
     */
    int (*open)(void **ctx, const mpk_robot_model *model, double rate_hz, motion_options options);
    void (*close)(void *ctx);
    /**
     * Copies the latest measured state into out. now_ns is the tick's time (simulators advance
     * to it; a real robot ignores it and reports its receive time in stamp_ns). out is written
     * only when the call returns MOTION_OK (the loop keeps the previous state otherwise).
     * @return MOTION_OK, MOTION_EAGAIN before the first state, or MOTION_EBACKEND
     */
    int (*read_state)(void *ctx, motion_state *out, int64_t now_ns);
    /** Sends one command. @return MOTION_OK or MOTION_EBACKEND (counted, the loop goes on) */
    int (*write)(void *ctx, const motion_command *cmd);
    /**
     * Optional (NULL: no counters). Copies the backend's message counters; called from any
     * thread while the backend is open and the loop ticks, so the counters must be atomics.
     */
    void (*stats)(void *ctx, motion_backend_stats *out);
} motion_backend_ops;

/** An opened backend. */
typedef struct motion_backend motion_backend;

/** @return the backend named name ("sim", "record", "dds" when built), or NULL. */
MOTION_API const motion_backend_ops *motion_backend_find(const char *name);

/** @return the built-in backend at index i (0 <= i), or NULL past the end. */
MOTION_API const motion_backend_ops *motion_backend_at(int i);

/**
 * Opens a backend by name.
 * @param[out] out opened backend, freed with motion_backend_free()
 * @param name     backend name; unknown names fail with MOTION_ENOTFOUND naming the known ones
 */
MOTION_API MOTION_WUR int motion_backend_open(motion_backend **out, const char *name,
                                              const mpk_robot_model *model, double rate_hz,
                                              motion_options options);

/** Opens a backend from its ops (for backends that live outside libmotion). */
MOTION_API MOTION_WUR int motion_backend_open_ops(motion_backend **out,
                                                  const motion_backend_ops *ops,
                                                  const mpk_robot_model *model, double rate_hz,
                                                  motion_options options);

MOTION_API MOTION_WUR int motion_backend_read_state(motion_backend *backend, motion_state *out,
                                                    int64_t now_ns);
MOTION_API MOTION_WUR int motion_backend_write(motion_backend *backend, const motion_command *cmd);
MOTION_API const char *motion_backend_name(const motion_backend *backend);

/**
 * The backend's message counters (motion_backend_ops.stats); any thread.
 * @param[out] out  zeroed, then filled; out->available is false when the backend keeps none
 */
MOTION_API void motion_backend_stats_get(const motion_backend *backend, motion_backend_stats *out);
MOTION_API void motion_backend_free(motion_backend *backend);

/**
 * Looks up key in options.
 * @return the value after "key=", or NULL when absent. Borrowed from options.
 */
MOTION_API const char *motion_options_get(motion_options options, const char *key);

/**
 * Checks that every option's key is one of known (NULL-terminated) and has the form key=value.
 * @return MOTION_OK or MOTION_EINVAL naming the backend and the bad option
 */
MOTION_API MOTION_WUR int motion_options_check(motion_options options, const char *backend,
                                               const char *const *known);

/** Parses a double option; absent leaves *out unchanged. Errors name the backend and key. */
MOTION_API MOTION_WUR int motion_options_double(double *out, motion_options options,
                                                const char *backend, const char *key, double min,
                                                double max);

/**
 * Parses a whole-number option (decimal digits with an optional sign) within min..max; absent
 * leaves *out unchanged. "0.5", "1e3", "0x10" or a value outside the range is refused with an
 * error naming the backend and the key.
 */
MOTION_API MOTION_WUR int motion_options_int(int64_t *out, motion_options options,
                                             const char *backend, const char *key, int64_t min,
                                             int64_t max);

#ifdef __cplusplus
}
#endif
#endif
