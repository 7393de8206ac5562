/* Templates of `mpk init` and `mpk new-motion`. */
#ifndef MPK_CLI_TEMPLATE_H
#define MPK_CLI_TEMPLATE_H

#include <stdbool.h>

#include <jansson.h>

#include "mpk/mpk.h"

/**
 * A keyframe document for m: the standing pose at 0 and at duration, a small symmetric gesture
 * in the middle (arms; with full_body a knee bend too; a quadruped crouches). NULL on OOM.
 */
json_t *cli_template_keyframes(const mpk_robot_model *m, bool full_body, double duration);

/** The project's README.md text (malloc'd). */
char *cli_template_readme(const char *id, const mpk_robot_model *m, const char *motion,
                          bool full_body);

#endif
