/* robotgen: a model spec (tools/robotgen/models/<id>.json), the facts a URDF does not hold. */
#ifndef ROBOTGEN_SPEC_H
#define ROBOTGEN_SPEC_H

#include <stddef.h>

#include "mpk/robot.h"

#define RG_SPEC_MAX_SIZE   (1u << 20)
#define RG_SPEC_MAX_RULES  16
#define RG_SPEC_MAX_SOLES  8
#define RG_SPEC_MAX_MODELS 32

/** One motor slot: which URDF joint it drives and its defaults. */
typedef struct rg_motor {
    char *joint; /* URDF joint name without "_joint" */
    int slot;    /* index in LowCmd_.motor_cmd[] */
    double kp, kd, stand;
    int mode; /* LowCmd motor mode that enables it */
} rg_motor;

/** Joints whose name starts with `left` are on the left, their twin starts with `right`. */
typedef struct rg_side_rule {
    char *left, *right;
} rg_side_rule;

/** Joints whose name matches the glob `match` belong to `group`; the first matching rule wins. */
typedef struct rg_group_rule {
    char *match;
    mpk_joint_group group;
} rg_group_rule;

typedef struct rg_spec {
    char *path; /* for messages */
    char *id, *name, *urdf;
    mpk_dds_family family;
    int motor_slots, weight_slot, mode_machine, humanoid;
    double control_period;
    double time_to_max_velocity;     /* acceleration limit = velocity limit / this */
    double time_to_max_acceleration; /* jerk limit = acceleration limit / this */
    int sole_count;
    char *sole_links[RG_SPEC_MAX_SOLES];
    double sole_offset; /* sole below the sole links' origins in the standing pose, metres */
    int side_count;
    rg_side_rule sides[RG_SPEC_MAX_RULES];
    int group_count;
    rg_group_rule groups[RG_SPEC_MAX_RULES];
    int motor_count;
    rg_motor motors[MPK_ROBOT_MAX_JOINTS];
} rg_spec;

/**
 * Reads a spec strictly: unknown keys, wrong types, out-of-range values and duplicate slots are
 * errors naming the file and the field ("g1.json: motors[3].kp: must be a number >= 0").
 * Cross-checks against the URDF happen when the model is built (model.h).
 */
int rg_spec_load(rg_spec **out, const char *path, char *err, size_t errlen);
void rg_spec_free(rg_spec *s);

/** Reads the list of model ids (models.json: {"models": [...]}) in table order. */
int rg_spec_index_load(char ***ids, int *count, const char *path, char *err, size_t errlen);
void rg_spec_index_free(char **ids, int count);

#endif
