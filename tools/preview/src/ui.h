/* Internal to the application: drawing of the panels around the 3D view (ui_draw.c). */
#ifndef PREVIEW_UI_H
#define PREVIEW_UI_H

#include "app.h"

/** Draws status bar, lists, plot, timeline, buttons and help; needs app->font (skips text without).
 */
int preview__ui_draw(preview_app *app, SDL_Renderer *r) MPK_WUR;

/** Draws the over/near-limit notice and the help overlay inside the 3D view. */
void preview__ui_draw_view_overlay(preview_app *app, SDL_Renderer *r);

/** Label of a button ("Play", "x2" ...). */
const char *preview__button_label(const preview_app *app, preview_button b);

/** Shortcut lines for the help overlay, NULL-terminated. */
extern const char *const preview__shortcuts[];

#endif
