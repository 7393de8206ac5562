/* Internal to the application: drawing of the panels around the 3D view (ui_draw.c). */
#ifndef PREVIEW_UI_H
#define PREVIEW_UI_H

#include "app.h"

/** Draws status bar, lists, plot, timeline, buttons and help; needs app->font (skips text without).
 */
int preview__ui_draw(preview_app *app, SDL_Renderer *r) MPK_WUR;

/** Draws the over/near-limit notice and the help overlay inside the 3D view. */
void preview__ui_draw_view_overlay(preview_app *app, SDL_Renderer *r);

/**
 * Breaks s into lines of at most cols characters, at spaces where it can (a word longer than a
 * line is cut). @return the number of lines (at most max_lines; the last one then ends with
 * "..." when text is left over), each written to lines[i] (NUL-terminated, at most 255 chars).
 */
int preview__wrap(char lines[][256], int max_lines, const char *s, int cols);

/** Label of a button ("Play", "x2" ...). */
const char *preview__button_label(const preview_app *app, preview_button b);

/** Shortcut lines for the help overlay, NULL-terminated. */
extern const char *const preview__shortcuts[];

/**
 * The one-line summary of the shortcuts at the bottom of the window, for a line of cols characters:
 * as many shortcuts as fit, always ending with "H help  Q quit". @return its length
 */
size_t preview__help_line(char *buf, size_t size, int cols);

#endif
