/* Pieces shared by `mpk robots` and `mpk robot`: names of model enums and the JSON of a model. */
#ifndef MPK_CMD_ROBOT_H
#define MPK_CMD_ROBOT_H

#include <jansson.h>

#include "mpk/robot.h"

/** JSON number formatting of the robot commands: 15 significant digits, readable and exact
 * enough for any check (URDF values have at most 16). */
#define MPK_CLI_ROBOT_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

/** "hg" or "go". */
const char *mpk_cli_family_name(mpk_dds_family f);

/** The model's facts without joints and links (what `mpk robots --json` lists). New reference. */
json_t *mpk_cli_robot_summary_json(const mpk_robot_model *m);

#endif
