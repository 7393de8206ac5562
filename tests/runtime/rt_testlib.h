/*
 * Helpers for the runtime tests: random smooth motions built in memory, signed packages, and a
 * lock-step rig that runs the loop's tick (sim backend -> player -> safety filter -> sim) with
 * synthetic time so property tests see every command.
 */
#ifndef RT_TESTLIB_H
#define RT_TESTLIB_H

#include <stdbool.h>
#include <stdint.h>

#include "motion/motion.h"
#include "mpk/mpk.h"

/* Deterministic random numbers (xorshift64*). */
typedef struct rt_rng {
    uint64_t s;
} rt_rng;

void rt_seed(rt_rng *r, uint64_t seed);
uint64_t rt_next(rt_rng *r);
double rt_uniform(rt_rng *r, double lo, double hi);
int rt_int(rt_rng *r, int lo, int hi); /* lo..hi inclusive */

/* The model (fails the test if unknown). */
const mpk_robot_model *rt_model(const char *id);

/* Joint group bits for rt_random_track. */
#define RT_LEGS  (1u << MPK_GROUP_LEG)
#define RT_WAIST (1u << MPK_GROUP_WAIST)
#define RT_ARMS  (1u << MPK_GROUP_ARM)
#define RT_ALL   (RT_LEGS | RT_WAIST | RT_ARMS)

/*
 * A smooth random motion of the model's joints in the given groups: each joint a sum of two sines
 * inside its limits shrunk by 0.1 rad, with peak velocity at most 20% of its limit and peak
 * acceleration at most 5% of its default (so that even at speed 2 it stays within limits).
 * loopable: frequencies are whole multiples of 1/duration, so the last frame equals the first.
 */
mpk_track *rt_random_track(const mpk_robot_model *m, rt_rng *r, unsigned groups, double rate,
                           double duration, bool loopable);

/* The clip of rt_random_track, granted the full-body permission. */
motion_clip *rt_random_clip(const mpk_robot_model *m, rt_rng *r, unsigned groups, double rate,
                            double duration, bool loopable);

/* Writes a signed package holding the tracks (one motion each, named names[i]). */
void rt_write_package(const char *path, const char *id, mpk_track **tracks,
                      const char *const *names, int count, unsigned permissions);

/* The lock-step rig. */
#define RT_MAX_EVENTS 512
typedef struct rt_rig {
    const mpk_robot_model *model;
    motion_backend *backend;
    motion_player *player;
    motion_safety *safety;
    motion_state state;
    bool have_state;
    motion_command cmd;  /* the last command, after the filter */
    motion_command prev; /* the one before */
    bool have_prev;
    unsigned actions;        /* the filter's actions on the last command */
    unsigned actions_all;    /* every action so far */
    motion_player_status ps; /* the player after the last tick */
    motion_activity prev_act;
    int64_t now, period;
    uint64_t tick;
    motion_event events[RT_MAX_EVENTS];
    int event_count;
} rt_rig;

/* sim_options: NULL-terminated "key=value" for the sim backend, or NULL. */
void rt_rig_init(rt_rig *rig, const mpk_robot_model *m, const motion_player_config *pc,
                 const char *const *sim_options);
void rt_rig_tick(rt_rig *rig);
/* Ticks until the player is idle or holding with nothing queued (at most max ticks). */
int rt_rig_run_until_rest(rt_rig *rig, int max);
/* The number of events of this type seen so far. */
int rt_rig_count(const rt_rig *rig, motion_event_type type);
void rt_rig_free(rt_rig *rig);

#endif
