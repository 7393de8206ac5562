/* The timeline of the preview: current time, play/pause, speed, loop and single-frame steps.
 * Time runs from -blend (the start of the blend-in from the standing pose) to the duration of
 * the track; 0 is the track's first frame. */
#ifndef PREVIEW_PLAYER_H
#define PREVIEW_PLAYER_H

#include <stdbool.h>

#include "eval.h"

#define PREVIEW_SPEED_MIN 0.1 /**< the runtime's speed range */
#define PREVIEW_SPEED_MAX 2.0

typedef struct preview_player {
    double t;          /**< current time, seconds */
    double start, end; /**< -blend and the duration */
    double frame;      /**< one track frame, seconds (the single-frame step) */
    double speed;      /**< PREVIEW_SPEED_MIN..PREVIEW_SPEED_MAX */
    bool playing;
    bool loop; /**< at the end, play the motion again from its first frame (not the blend-in) */
} preview_player;

/** Puts the player at the start of ev's timeline; keeps speed and loop (initialise them first). */
void preview_player_reset(preview_player *p, const preview_eval *ev);

/** Advances by dt seconds of wall time when playing; stops at the end unless looping. */
void preview_player_advance(preview_player *p, double dt);

/** Moves to time t (clamped). */
void preview_player_seek(preview_player *p, double t);

/** Pauses and moves by n track frames (negative: back), landing on a frame. */
void preview_player_step(preview_player *p, int n);

/** Play/pause; playing from the end of a non-looping motion restarts it. */
void preview_player_toggle(preview_player *p);

/** Next (dir > 0) or previous speed of 0.1 0.25 0.5 0.75 1 1.25 1.5 2. */
void preview_player_speed_step(preview_player *p, int dir);

/** Sets the speed, clamped to the runtime's range. */
void preview_player_set_speed(preview_player *p, double speed);

#endif
