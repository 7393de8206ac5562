/* robotgen links libmpk's robot.c for forward kinematics but must not depend on the table it
 * generates (a broken committed table must never stop the generator from building), so it gets
 * an empty table of its own. */
#include "robot_table.h"

const mpk_robot_model mpk__robot_models[1];
const int mpk__robot_model_count = 0;
