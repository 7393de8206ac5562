/**
 * @file motion/common.h
 * @brief Export macros, limits, error codes and error context of libmotion.
 *
 * Every fallible function returns an int: MOTION_OK (0) on success or one of the negative codes
 * below. On failure a thread-local context message (motion_error_message()) says what failed:
 * "wave.mpk: motion 'wave': track is for robot 'h1', not 'g1-29dof'".
 */
#ifndef MOTION_COMMON_H
#define MOTION_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MOTION_API          __attribute__((visibility("default")))
#define MOTION_WUR          __attribute__((warn_unused_result))
#define MOTION_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MOTION_API
#define MOTION_WUR
#define MOTION_PRINTF(f, a)
#endif

/** Most joints a command or state carries (every built-in robot model has at most 35). */
#define MOTION_MAX_JOINTS 35

/** Control rates the loop and the player accept, in Hz. */
#define MOTION_RATE_MIN     50.0
#define MOTION_RATE_MAX     1000.0
#define MOTION_RATE_DEFAULT 500.0

/** Playback speeds the player accepts (factor on the motion's own time). */
#define MOTION_SPEED_MIN 0.1
#define MOTION_SPEED_MAX 2.0

/** X-macro: name, value, message. The message table and enum are built from this one list. */
#define MOTION_ERROR_LIST(X)                                    \
    X(MOTION_OK, 0, "success")                                  \
    X(MOTION_ERROR, -1, "error")                                \
    X(MOTION_ENOMEM, -2, "out of memory")                       \
    X(MOTION_EINVAL, -3, "invalid argument")                    \
    X(MOTION_ENOTFOUND, -4, "not found")                        \
    X(MOTION_EIO, -5, "input/output error")                     \
    X(MOTION_EFORMAT, -6, "malformed data")                     \
    X(MOTION_EMODEL, -7, "motion does not fit the robot model") \
    X(MOTION_EPERM, -8, "not permitted")                        \
    X(MOTION_EFULL, -9, "queue full")                           \
    X(MOTION_ESTATE, -10, "not possible in the current state")  \
    X(MOTION_EAGAIN, -11, "no data yet")                        \
    X(MOTION_EBACKEND, -12, "backend failure")                  \
    X(MOTION_ESYSTEM, -13, "system call failed")                \
    X(MOTION_EPACKAGE, -14, "package error")

/** Error codes of libmotion. */
typedef enum motion_error {
#define MOTION__ENUM(name, value, msg) name = value,
    MOTION_ERROR_LIST(MOTION__ENUM)
#undef MOTION__ENUM
} motion_error;

/** @return a static description of an error code ("queue full"). */
MOTION_API const char *motion_strerror(int code);

/**
 * @return the context message of the last failure in this thread (never NULL; empty when none).
 * Borrowed; valid until the next libmotion call in this thread.
 */
MOTION_API const char *motion_error_message(void);

/** Clears this thread's context message. */
MOTION_API void motion_error_clear(void);

/** Version of the library (and of the runtime that packages' min_runtime is compared with). */
MOTION_API const char *motion_version(void);

/** @return CLOCK_MONOTONIC now, in nanoseconds: the time base of every timestamp in libmotion. */
MOTION_API int64_t motion_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif
