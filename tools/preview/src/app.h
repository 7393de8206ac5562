/* The preview application: one source of motions, the selected motion's plan and pose, the
 * timeline, the camera, and the user interface around the 3D view. The window loop, the headless
 * renderer and the tests all drive this same state: events in (preview_app_event), time in
 * (preview_app_tick), pixels out (preview_app_draw). */
#ifndef PREVIEW_APP_H
#define PREVIEW_APP_H

#include <SDL.h>
#include <stdbool.h>

#include "camera.h"
#include "eval.h"
#include "font.h"
#include "player.h"
#include "pose.h"
#include "scene.h"
#include "source.h"

/** Where each part of the user interface is, in window pixels (set by preview_app_layout()). */
typedef struct preview_layout {
    SDL_Rect top;      /**< status bar */
    SDL_Rect view;     /**< 3D view */
    SDL_Rect motions;  /**< motion list (header row included) */
    SDL_Rect joints;   /**< joint list (header row included) */
    SDL_Rect plot;     /**< plot of the selected joint over the timeline */
    SDL_Rect timeline; /**< the scrub bar: x maps linearly to time, same x axis as the plot */
    SDL_Rect buttons;  /**< play/step/speed/loop buttons, left of the timeline */
    SDL_Rect help;     /**< the shortcut line */
    int row_h;         /**< height of a list row */
} preview_layout;

/** On-screen buttons, left to right. */
typedef enum preview_button {
    PREVIEW_BTN_START,
    PREVIEW_BTN_BACK,
    PREVIEW_BTN_PLAY,
    PREVIEW_BTN_FORWARD,
    PREVIEW_BTN_SLOWER,
    PREVIEW_BTN_FASTER,
    PREVIEW_BTN_LOOP,
    PREVIEW_BTN_COUNT
} preview_button;

typedef enum preview_drag {
    PREVIEW_DRAG_NONE,
    PREVIEW_DRAG_ORBIT,
    PREVIEW_DRAG_PAN,
    PREVIEW_DRAG_SCRUB
} preview_drag;

typedef struct preview_app_opts {
    const char *motion; /**< motion to show first (NULL: the first) */
    bool ui;            /**< draw the panels around the 3D view (false: the 3D view only) */
    bool no_blend;      /**< start at the first frame, without the blend-in */
    preview_mode mode;  /**< the runtime's mode to show (PREVIEW_MODE_AUTO by default) */
    const char *font;   /**< font file, NULL for the default */
} preview_app_opts;

typedef struct preview_app {
    preview_source *source; /**< owned */
    int motion;             /**< index of the shown motion */
    preview_eval eval;
    preview_pose pose;
    preview_player player;
    preview_camera camera;
    preview_scene scene;
    preview_font *font; /**< NULL until a renderer exists, or when no font could be loaded */
    SDL_Renderer *font_renderer;
    const char *font_path;
    bool font_failed;
    preview_layout layout;
    int w, h;
    bool ui, blend_in, follow, show_help, show_trajectory, quit;
    preview_mode mode;
    bool screenshot_requested; /**< 'P' pressed: the window loop saves a screenshot */
    int joint;                 /**< selected model joint (plot, highlight) */
    int joint_scroll;          /**< first joint row shown */
    preview_drag drag;
    int drag_x, drag_y;
    bool drag_was_playing;
    preview_vec3 follow_offset; /**< camera target minus root position while following */
    float *plot;                /**< cached values of the selected joint, one per plot column */
    int plot_w, plot_joint, plot_motion;
    bool plot_blend;
    double fps; /**< measured by the window loop, shown in the status bar */
    bool dirty; /**< something changed since the last draw */
} preview_app;

/** Takes ownership of source (also on failure). */
int preview_app_init(preview_app *app, preview_source *source,
                     const preview_app_opts *opts) MPK_WUR;

/** Shows motion index i (plans it, resets the timeline, frames the camera when the robot changes).
 */
int preview_app_select_motion(preview_app *app, int i) MPK_WUR;

/** Turns the blend-in on or off (re-plans the motion, keeps the time when it still exists). */
int preview_app_set_blend(preview_app *app, bool on) MPK_WUR;

/** Lays the interface out for a w x h window (or image). */
void preview_app_layout(preview_app *app, int w, int h);

/** Points the camera at the robot at the current time so that it fills the 3D view. */
void preview_app_frame_camera(preview_app *app);

/** Handles one SDL event (keyboard, mouse, window, quit). */
void preview_app_event(preview_app *app, const SDL_Event *ev);

/** Advances the timeline by dt seconds of wall time. */
void preview_app_tick(preview_app *app, double dt);

/** Time under window x on the timeline or plot. */
double preview_app_time_at(const preview_app *app, int x);

/** Window x of time t on the timeline. */
int preview_app_x_of_time(const preview_app *app, double t);

/** Centre of an on-screen button. */
SDL_Point preview_app_button_centre(const preview_app *app, preview_button b);

/** Updates the pose for the current time and draws everything into r. */
int preview_app_draw(preview_app *app, SDL_Renderer *r) MPK_WUR;

/** @return the current motion. */
const preview_motion *preview_app_motion(const preview_app *app);

void preview_app_free(preview_app *app);

#endif
