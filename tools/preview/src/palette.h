/* Colours of the preview. Red and yellow mean "over" and "near" a joint limit and nothing else in
 * the 3D view uses them, so a test (or a developer) can find a violation by its colour. */
#ifndef PREVIEW_PALETTE_H
#define PREVIEW_PALETTE_H

#include <SDL.h>

#define PV_RGB(r, g, b)     ((SDL_Color){(r), (g), (b), 255})
#define PV_RGBA(r, g, b, a) ((SDL_Color){(r), (g), (b), (a)})

#define PV_BACKGROUND_TOP    PV_RGB(44, 48, 58)
#define PV_BACKGROUND_BOTTOM PV_RGB(24, 26, 31)
#define PV_GRID              PV_RGB(62, 67, 78)
#define PV_GRID_AXIS         PV_RGB(96, 102, 116)
#define PV_SHADOW            PV_RGBA(0, 0, 0, 90)
#define PV_TRAJECTORY        PV_RGB(80, 190, 170)
#define PV_LINK              PV_RGB(74, 144, 226)
#define PV_LINK_HIGHLIGHT    PV_RGB(150, 200, 250)
#define PV_JOINT             PV_RGB(236, 238, 242)
#define PV_JOINT_RIM         PV_RGB(30, 34, 42)
#define PV_NEAR              PV_RGB(245, 200, 40)
#define PV_NEAR_HIGHLIGHT    PV_RGB(255, 236, 150)
#define PV_OVER              PV_RGB(235, 40, 40)
#define PV_OVER_HIGHLIGHT    PV_RGB(255, 140, 140)
#define PV_SELECTED          PV_RGB(190, 120, 255)

/* UI */
#define PV_PANEL          PV_RGB(30, 32, 38)
#define PV_PANEL_EDGE     PV_RGB(58, 62, 72)
#define PV_ROW_SELECTED   PV_RGB(56, 72, 104)
#define PV_TEXT           PV_RGB(222, 224, 230)
#define PV_TEXT_DIM       PV_RGB(140, 146, 158)
#define PV_TIMELINE       PV_RGB(52, 56, 66)
#define PV_TIMELINE_BLEND PV_RGB(80, 70, 110)
#define PV_TIMELINE_DONE  PV_RGB(74, 144, 226)
#define PV_CURSOR         PV_RGB(250, 250, 250)
#define PV_PLOT_LINE      PV_RGB(110, 200, 255)
#define PV_PLOT_NEAR_BAND PV_RGBA(245, 200, 40, 40)

#endif
