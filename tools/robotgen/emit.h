/* robotgen: writes the models as C source (sdk/src/robots_generated.c). */
#ifndef ROBOTGEN_EMIT_H
#define ROBOTGEN_EMIT_H

#include <stdio.h>

#include "mpk/robot.h"

/**
 * Writes the C source of the model table. The output depends only on the models (no dates, no
 * paths), so regenerating from the same inputs gives the same bytes.
 * @return 0, or -1 on a write error
 */
int rg_emit(FILE *out, mpk_robot_model *const *models, int count);

/** Shortest decimal form of v that reads back as exactly v ("0.064452", not 0.06445200000000001).
 */
void rg_format_double(char *buf, size_t size, double v);

#endif
