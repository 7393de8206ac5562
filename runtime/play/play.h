/* motion-play: plays a motion package on a backend and reports tracking error and timing. */
#ifndef MOTION_PLAY_H
#define MOTION_PLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "motion/motion.h"

#define PLAY_MAX_MOTIONS 16
#define PLAY_MAX_OPTIONS 32
#define PLAY_MAX_ACTIONS 32

/* Exit codes, as mpk's (sdk/cli/cli.h), since `mpk play` passes them on. */
#define PLAY_EXIT_OK      0
#define PLAY_EXIT_FAIL    1
#define PLAY_EXIT_USAGE   2
#define PLAY_EXIT_INVALID 3

typedef enum play_action_kind {
    ACT_PAUSE,
    ACT_RESUME,
    ACT_STOP,
    ACT_STOP_STAND,
    ACT_ESTOP,
    ACT_RELEASE,
    ACT_SPEED,
    ACT_LOOPS
} play_action_kind;

/* "--at T:ACTION": a control applied while playing, T seconds after the loop starts. */
typedef struct play_action {
    double at;
    play_action_kind kind;
    double value;
    bool done;
} play_action;

typedef struct play_options {
    const char *package;
    const char *motions[PLAY_MAX_MOTIONS];
    int motion_count;
    const char *robot;
    const char *backend;
    const char *options[PLAY_MAX_OPTIONS + 4];
    int option_count;
    const char *record;
    double rate;
    double speed;
    int loops;
    motion_mode mode;
    bool allow_full_body;
    const char *start_pose;
    const char *seed;
    double crossfade;
    bool blend_out;
    play_action actions[PLAY_MAX_ACTIONS];
    int action_count;
    bool fast;
    bool realtime;
    double timeout;
    bool json;
    bool quiet;
} play_options;

/* Parses the command line. @return PLAY_EXIT_OK, or PLAY_EXIT_USAGE after printing why. */
int play_parse_args(play_options *opts, int argc, char **argv);

/* Loads, plays and reports. @return an exit code. */
int play_run(play_options *opts);

#endif
