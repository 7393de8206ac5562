/* Internal helpers of libmotion; never installed. Internal functions carry the motion__ prefix. */
#ifndef MOTION_INTERNAL_H
#define MOTION_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "motion/backend.h"
#include "motion/common.h"
#include "motion/plan.h"

/** Sets this thread's context message and returns code, for `return motion__error(...)`. */
int motion__error(int code, const char *fmt, ...) MOTION_PRINTF(2, 3);

/** Prepends "prefix: " to the current context message and returns code. */
int motion__error_prefix(int code, const char *fmt, ...) MOTION_PRINTF(2, 3);

/** Translates a libmpk code into a libmotion one, keeping libmpk's context message. */
int motion__from_mpk(int mpk_code, int fallback);

/** strdup that returns NULL only when s is NULL or memory is exhausted. */
char *motion__strdup(const char *s);

static inline double motion__clamp(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/** Built-in backends (src/backend_*.c). */
extern const motion_backend_ops motion__backend_sim;
extern const motion_backend_ops motion__backend_record;
/*
 * The Unitree DDS backend, provided by runtime/dds/ (another owner) when runtime/dds/dds.cmake
 * exists; that file defines MOTION_HAVE_DDS=1 for motion_objects. See src/backend.c.
 */
extern const motion_backend_ops motion__backend_dds;

/*
 * Test seams. The runtime's tests link libmotion statically and see this header; nothing else uses
 * these. A move the player cannot plan never happens with checked inputs, so a test that proves
 * the player's answer to it (MOTION_FAULT_PLAN) makes one happen by zeroing a planning limit.
 */
struct motion_player;
struct motion_loop;
/** The player's planning limits (velocity and acceleration per joint), writable. */
motion_limits *motion__player_plan_limits(struct motion_player *player);
/** The loop's player (for the same tests on the loop). */
struct motion_player *motion__loop_player(struct motion_loop *loop);

#endif
