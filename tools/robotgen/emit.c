/* robotgen: C source of the model table, one line per joint and per link for easy review. */
#include "emit.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void rg_format_double(char *buf, size_t size, double v)
{
    int prec;

    if (v == 0) /* also turns -0 into 0 */
        v = 0;
    /* Plain decimals where they stay short ("2560", not "2.56e+03"), exponents for tiny values. */
    if (fabs(v) >= 1e-4 && fabs(v) < 1e15) {
        for (prec = 0; prec <= 20; prec++) {
            snprintf(buf, size, "%.*f", prec, v);
            if (strtod(buf, NULL) == v)
                return;
        }
    }
    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* "g1-29dof" -> "g1_29dof": the model id as a C identifier. */
static void c_ident(char *buf, size_t size, const char *id)
{
    size_t i;

    for (i = 0; id[i] && i + 1 < size; i++)
        buf[i] = isalnum((unsigned char)id[i]) ? id[i] : '_';
    buf[i] = '\0';
}

static const char *group_name(mpk_joint_group g)
{
    switch (g) {
    case MPK_GROUP_LEG:
        return "MPK_GROUP_LEG";
    case MPK_GROUP_WAIST:
        return "MPK_GROUP_WAIST";
    case MPK_GROUP_ARM:
        return "MPK_GROUP_ARM";
    }
    return "MPK_GROUP_LEG";
}

static const char *side_name(mpk_side s)
{
    switch (s) {
    case MPK_SIDE_CENTER:
        return "MPK_SIDE_CENTER";
    case MPK_SIDE_LEFT:
        return "MPK_SIDE_LEFT";
    case MPK_SIDE_RIGHT:
        return "MPK_SIDE_RIGHT";
    }
    return "MPK_SIDE_CENTER";
}

/* Appends the shortest form of v to the output. */
static void num(FILE *out, double v)
{
    char buf[40];

    rg_format_double(buf, sizeof(buf), v);
    fputs(buf, out);
}

static void vec3(FILE *out, const double *v)
{
    fputc('{', out);
    num(out, v[0]);
    fputs(", ", out);
    num(out, v[1]);
    fputs(", ", out);
    num(out, v[2]);
    fputc('}', out);
}

static void emit_joints(FILE *out, const mpk_robot_model *m, const char *ident)
{
    int i;

    fprintf(out, "static const mpk_joint %s_joints[%d] = {\n", ident, m->joint_count);
    for (i = 0; i < m->joint_count; i++) {
        const mpk_joint *j = &m->joints[i];

        fprintf(out, "    {.name = \"%s\", .motor = %d, .lower = ", j->name, j->motor);
        num(out, j->lower);
        fputs(", .upper = ", out);
        num(out, j->upper);
        fputs(", .velocity = ", out);
        num(out, j->velocity);
        fputs(", .effort = ", out);
        num(out, j->effort);
        fputs(", .acceleration = ", out);
        num(out, j->acceleration);
        fputs(", .jerk = ", out);
        num(out, j->jerk);
        fputs(", .kp = ", out);
        num(out, j->kp);
        fputs(", .kd = ", out);
        num(out, j->kd);
        fputs(", .stand = ", out);
        num(out, j->stand);
        fprintf(out,
                ", .group = %s, .side = %s, .mirror = %d, .mirror_sign = ", group_name(j->group),
                side_name(j->side), j->mirror);
        num(out, j->mirror_sign);
        fprintf(out, ", .link = %d, .motor_mode = %d},\n", j->link, j->motor_mode);
    }
    fputs("};\n\n", out);
}

static void emit_links(FILE *out, const mpk_robot_model *m, const char *ident)
{
    int i;

    fprintf(out, "static const mpk_link %s_links[%d] = {\n", ident, m->link_count);
    for (i = 0; i < m->link_count; i++) {
        const mpk_link *l = &m->links[i];

        fprintf(out, "    {.name = \"%s\", .parent = %d, .joint = ", l->name, l->parent);
        if (l->joint)
            fprintf(out, "\"%s\"", l->joint);
        else
            fputs("NULL", out);
        fprintf(out, ", .type = %s, .joint_index = %d, .xyz = ",
                l->type == MPK_JOINT_REVOLUTE ? "MPK_JOINT_REVOLUTE" : "MPK_JOINT_FIXED",
                l->joint_index);
        vec3(out, l->xyz);
        fputs(", .rpy = ", out);
        vec3(out, l->rpy);
        fputs(", .axis = ", out);
        vec3(out, l->axis);
        fputs("},\n", out);
    }
    fputs("};\n\n", out);
}

static void emit_model(FILE *out, const mpk_robot_model *m, const char *ident)
{
    fprintf(out, "    {\n        .id = \"%s\",\n        .name = \"%s\",\n        .urdf = \"%s\",\n",
            m->id, m->name, m->urdf);
    fprintf(out, "        .family = %s,\n", m->family == MPK_DDS_HG ? "MPK_DDS_HG" : "MPK_DDS_GO");
    fprintf(out,
            "        .motor_slots = %d,\n        .weight_slot = %d,\n        .mode_machine = %d,\n"
            "        .humanoid = %d,\n        .control_period = ",
            m->motor_slots, m->weight_slot, m->mode_machine, m->humanoid);
    num(out, m->control_period);
    fputs(",\n        .stand_height = ", out);
    num(out, m->stand_height);
    fprintf(out,
            ",\n        .joint_count = %d,\n        .joints = %s_joints,\n"
            "        .link_count = %d,\n        .links = %s_links,\n    },\n",
            m->joint_count, ident, m->link_count, ident);
}

int rg_emit(FILE *out, mpk_robot_model *const *models, int count)
{
    char ident[64];
    int i;

    fputs(
        "/*\n"
        " * Robot models, GENERATED by tools/robotgen from Unitree's URDFs (tools/robotgen/urdf/)\n"
        " * and the model specs (tools/robotgen/models/). DO NOT EDIT: change a spec or the\n"
        " * generator, then run `cmake --build BUILD --target regen-robots`. The test\n"
        " * tools/robotgen-uptodate fails when this file differs from what the generator writes.\n"
        " * See docs/robots.md.\n"
        " */\n"
        "/* clang-format off */\n"
        "#include <stddef.h>\n\n"
        "#include \"robot_table.h\"\n\n",
        out);
    for (i = 0; i < count; i++) {
        c_ident(ident, sizeof(ident), models[i]->id);
        fprintf(out, "/* %s: %s, from %s */\n\n", models[i]->id, models[i]->name, models[i]->urdf);
        emit_joints(out, models[i], ident);
        emit_links(out, models[i], ident);
    }
    fputs("const mpk_robot_model mpk__robot_models[] = {\n", out);
    for (i = 0; i < count; i++) {
        c_ident(ident, sizeof(ident), models[i]->id);
        emit_model(out, models[i], ident);
    }
    fprintf(out, "};\n\nconst int mpk__robot_model_count = %d;\n", count);
    fputs("/* clang-format on */\n", out);
    return ferror(out) ? -1 : 0;
}
