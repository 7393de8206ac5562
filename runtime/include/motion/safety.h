/**
 * @file motion/safety.h
 * @brief The safety filter: the last step of every tick, applied to every command whatever
 * produced it.
 *
 * Rules, in the order they apply (docs/runtime.md):
 *  1. A latched fault (emergency stop, non-finite command, watchdog, a move the player could not
 *     plan) replaces the command with
 *     damping: every motor the mode may drive gets kp 0, kd the model's default, tau 0 (on the
 *     upper-body channel with weight 1). It stays latched until motion_safety_release().
 *  2. Watchdog: once a state has been seen, a state older than the configured age (default 100 ms)
 *     latches MOTION_FAULT_WATCHDOG, and so does no new state (a changed sequence number or
 *     stamp; a state without a stamp is none) for as many ticks as that age spans at the control
 *     rate, whatever clock the backend stamps with. Before the first state nothing is enabled.
 *  3. Any NaN or Inf in an enabled motor's fields or the weight latches MOTION_FAULT_NONFINITE.
 *  4. Only the joints the mode allows may be enabled (arm mode: waist and arms, never a leg) and
 *     only on the mode's channel; a disabled motor is sent zero gains and torque.
 *  5. Positions are clamped to the joint limits shrunk by the margin.
 *  6. The change of position from the previous command is limited to velocity limit * dt; the
 *     velocity target is clamped to the velocity limit.
 *  7. kp, kd are clamped to [0, scale * default], tau to the effort limit, the weight to [0, 1]
 *     with a bounded rate of change.
 * The filter allocates nothing and takes no lock.
 */
#ifndef MOTION_SAFETY_H
#define MOTION_SAFETY_H

#include <stdbool.h>
#include "motion/backend.h"
#include "motion/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Latched faults; while any is set the robot gets damping. */
typedef enum motion_fault {
    MOTION_FAULT_ESTOP = 1u << 0,     /**< emergency stop requested */
    MOTION_FAULT_NONFINITE = 1u << 1, /**< a command held NaN or Inf */
    MOTION_FAULT_WATCHDOG = 1u << 2,  /**< the robot's state stopped arriving */
    MOTION_FAULT_PLAN = 1u << 3 /**< the player could not plan a move (motion_player_faults) */
} motion_fault;

/** What the filter did to one command (bits; also counted in motion_safety_counters). */
typedef enum motion_safety_action {
    MOTION_SAFETY_DAMPING = 1u << 0,  /**< replaced by damping (a fault is latched) */
    MOTION_SAFETY_NO_STATE = 1u << 1, /**< no state yet: nothing enabled */
    MOTION_SAFETY_CLAMPED = 1u << 2,  /**< a position was outside limits - margin */
    MOTION_SAFETY_RATE = 1u << 3,     /**< a position changed faster than the velocity limit */
    MOTION_SAFETY_VELOCITY = 1u << 4, /**< a velocity target exceeded the limit */
    MOTION_SAFETY_GAINS = 1u << 5,    /**< kp, kd or tau out of range */
    MOTION_SAFETY_WEIGHT = 1u << 6,   /**< weight out of range or changing too fast */
    MOTION_SAFETY_MASK = 1u << 7,     /**< a motor outside the mode, or the wrong channel */
    MOTION_SAFETY_TRIPPED = 1u << 8   /**< a fault latched on this command */
} motion_safety_action;

/** Configuration; motion_safety_config_init() gives the defaults. */
typedef struct motion_safety_config {
    double position_margin; /**< rad kept from each position limit (default 0.02) */
    double velocity_scale;  /**< per-tick change <= velocity limit * scale * dt (default 1.0) */
    double watchdog;        /**< seconds a state may age (default 0.1) */
    double gain_scale;      /**< kp, kd <= default * scale (default 4.0) */
    double weight_rate;     /**< largest weight change per second (default 5.0) */
} motion_safety_config;

MOTION_API void motion_safety_config_init(motion_safety_config *cfg);

/** Counters since the filter was made. */
typedef struct motion_safety_counters {
    uint64_t commands, damping, no_state, clamped, rate, velocity, gains, weight, mask;
    uint64_t estop, nonfinite, watchdog; /**< times each fault latched */
    uint64_t plan;                       /**< times MOTION_FAULT_PLAN latched */
} motion_safety_counters;

typedef struct motion_safety motion_safety;

/**
 * @param[out] out     filter, freed with motion_safety_free()
 * @param model        robot model (limits, default gains)
 * @param channel      the mode's channel (UPPER: only waist and arm joints may be enabled)
 * @param rate_hz      control rate
 * @param cfg          NULL for the defaults
 */
MOTION_API MOTION_WUR int motion_safety_new(motion_safety **out, const mpk_robot_model *model,
                                            motion_channel channel, double rate_hz,
                                            const motion_safety_config *cfg);

/**
 * Filters one command in place.
 * @param state  the latest state (NULL or a zero stamp_ns: no state yet)
 * @param now_ns the tick's time (cmd->time_ns is ignored)
 * @return motion_safety_action bits
 */
MOTION_API unsigned motion_safety_apply(motion_safety *safety, motion_command *cmd,
                                        const motion_state *state, int64_t now_ns);

/**
 * Checks the state's age without filtering a command: latches the watchdog fault when the state
 * is too old. @return the latched faults.
 */
MOTION_API unsigned motion_safety_check_state(motion_safety *safety, const motion_state *state,
                                              int64_t now_ns);

/** Latches faults (motion_fault bits); the next command becomes damping. */
MOTION_API void motion_safety_engage(motion_safety *safety, unsigned faults);

/** Clears every latched fault. A still-stale state latches the watchdog again at the next tick. */
MOTION_API void motion_safety_release(motion_safety *safety);

/** @return the latched faults (motion_fault bits). */
MOTION_API unsigned motion_safety_faults(const motion_safety *safety);

/** @return true when joint j may be enabled in this filter's mode. */
MOTION_API bool motion_safety_allows(const motion_safety *safety, int j);

/** Fills the damping command the filter sends while a fault is latched. */
MOTION_API void motion_safety_damping(const motion_safety *safety, motion_command *cmd,
                                      const motion_state *state);

MOTION_API void motion_safety_counters_get(const motion_safety *safety,
                                           motion_safety_counters *out);

/**
 * The position interval the filter allows for joint j (limits shrunk by the margin).
 * @return MOTION_OK, or MOTION_EINVAL for a joint index outside 0..joint_count-1 (outputs
 *         untouched)
 */
MOTION_API int motion_safety_range(const motion_safety *safety, int j, double *lower,
                                   double *upper);

MOTION_API void motion_safety_free(motion_safety *safety);

#ifdef __cplusplus
}
#endif
#endif
