/* mpk robot: `show` prints a robot model, `fk` its forward kinematics as JSON. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_robot.h"
#include "commands.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: mpk robot show MODEL [--json]\n"
        "       mpk robot fk MODEL [--stand] [--q JOINT=VALUE]... [--root X,Y,Z[,QX,QY,QZ,QW]]\n\n"
        "Prints a built-in robot model (`mpk robots` lists them).\n"
        "  show   joints in SDK motor order with limits, gains, standing pose and body\n"
        "         group; --json adds everything, including the kinematic tree\n"
        "  fk     world position and orientation (quaternion x,y,z,w and row-major matrix)\n"
        "         of every link, as JSON. Joints are 0 unless --stand (the standing pose)\n"
        "         or --q JOINT=RADIANS sets them; --root places the root link.\n\n"
        "Exit codes: 0 printed, 1 cannot write the output, 2 usage (unknown model or joint,\n"
        "malformed number or root, a joint given twice).\n");
}

static const char *group_name(mpk_joint_group g)
{
    switch (g) {
    case MPK_GROUP_LEG:
        return "leg";
    case MPK_GROUP_WAIST:
        return "waist";
    case MPK_GROUP_ARM:
        return "arm";
    }
    return "?";
}

static const char *side_name(mpk_side s)
{
    switch (s) {
    case MPK_SIDE_CENTER:
        return "center";
    case MPK_SIDE_LEFT:
        return "left";
    case MPK_SIDE_RIGHT:
        return "right";
    }
    return "?";
}

/* Looks the model up; prints the library's message (it names the known ids) when unknown. */
static const mpk_robot_model *find_model(const char *cmd, const char *id)
{
    const mpk_robot_model *m = mpk_robot_find(id);

    if (!m)
        mpk_cli_usage(cmd, "%s", mpk_error_message());
    return m;
}

static json_t *vec_json(const double *v, int n)
{
    json_t *a = json_array();
    int i;

    for (i = 0; a && i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

static json_t *joint_json(const mpk_robot_model *m, const mpk_joint *j)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    json_object_set_new(o, "name", json_string(j->name));
    json_object_set_new(o, "motor", json_integer(j->motor));
    json_object_set_new(o, "lower", json_real(j->lower));
    json_object_set_new(o, "upper", json_real(j->upper));
    json_object_set_new(o, "velocity", json_real(j->velocity));
    json_object_set_new(o, "effort", json_real(j->effort));
    json_object_set_new(o, "acceleration", json_real(j->acceleration));
    json_object_set_new(o, "jerk", json_real(j->jerk));
    json_object_set_new(o, "kp", json_real(j->kp));
    json_object_set_new(o, "kd", json_real(j->kd));
    json_object_set_new(o, "stand", json_real(j->stand));
    json_object_set_new(o, "group", json_string(group_name(j->group)));
    json_object_set_new(o, "side", json_string(side_name(j->side)));
    json_object_set_new(o, "mirror",
                        j->mirror >= 0 ? json_string(m->joints[j->mirror].name) : json_null());
    json_object_set_new(o, "mirror_sign", json_real(j->mirror_sign));
    json_object_set_new(o, "link", json_string(m->links[j->link].name));
    json_object_set_new(o, "motor_mode", json_integer(j->motor_mode));
    return o;
}

static json_t *link_json(const mpk_robot_model *m, const mpk_link *l)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    json_object_set_new(o, "name", json_string(l->name));
    json_object_set_new(o, "parent",
                        l->parent >= 0 ? json_string(m->links[l->parent].name) : json_null());
    json_object_set_new(o, "joint", l->joint ? json_string(l->joint) : json_null());
    json_object_set_new(o, "type",
                        json_string(l->type == MPK_JOINT_REVOLUTE ? "revolute" : "fixed"));
    json_object_set_new(o, "actuated",
                        l->joint_index >= 0 ? json_string(m->joints[l->joint_index].name)
                                            : json_null());
    json_object_set_new(o, "xyz", vec_json(l->xyz, 3));
    json_object_set_new(o, "rpy", vec_json(l->rpy, 3));
    json_object_set_new(o, "axis", vec_json(l->axis, 3));
    return o;
}

/* Dumps and frees a JSON document; MPK_EXIT_OK or a failure naming the command. */
static int emit_json(const char *cmd, json_t *doc)
{
    int ok = doc && json_dumpf(doc, stdout, MPK_CLI_ROBOT_JSON_FLAGS) == 0 &&
             fputc('\n', stdout) != EOF && fflush(stdout) == 0;

    json_decref(doc);
    return ok ? MPK_EXIT_OK : mpk_cli_fail(cmd, 0, "cannot write the JSON output");
}

static int show_json(const mpk_robot_model *m)
{
    json_t *doc = mpk_cli_robot_summary_json(m), *joints = json_array(), *links = json_array();
    int i;

    for (i = 0; joints && i < m->joint_count; i++)
        json_array_append_new(joints, joint_json(m, &m->joints[i]));
    for (i = 0; links && i < m->link_count; i++)
        json_array_append_new(links, link_json(m, &m->links[i]));
    if (doc) {
        json_object_set_new(doc, "joints", joints);
        json_object_set_new(doc, "links", links);
    } else {
        json_decref(joints);
        json_decref(links);
    }
    return emit_json("robot show", doc);
}

static void show_table(const mpk_robot_model *m)
{
    int i;

    printf("%s: %s\n", m->id, m->name);
    printf("  URDF            %s (%d links)\n", m->urdf, m->link_count);
    printf("  DDS             unitree_%s, %d motor slots", mpk_cli_family_name(m->family),
           m->motor_slots);
    if (m->weight_slot >= 0)
        printf(", arm_sdk weight in motor_cmd[%d].q\n", m->weight_slot);
    else
        printf(", no arm_sdk\n");
    if (m->mode_machine > 0)
        printf("  mode_machine    %d\n", m->mode_machine);
    else
        printf("  mode_machine    unknown\n");
    printf("  control period  %g ms (%g Hz)\n", m->control_period * 1000, 1 / m->control_period);
    printf("  kind            %s\n",
           m->humanoid ? "humanoid (upper-body arm mode by default)"
                       : "quadruped (every joint is a leg joint: full-body only)");
    printf("  stand height    %.3f m (root above the ground in the standing pose)\n\n",
           m->stand_height);
    printf("%4s  %-21s %-5s %-6s %9s %9s %6s %6s %6s %5s %7s  %s\n", "SLOT", "JOINT", "GROUP",
           "SIDE", "LOWER", "UPPER", "VEL", "EFFORT", "KP", "KD", "STAND", "MIRROR");
    for (i = 0; i < m->joint_count; i++) {
        const mpk_joint *j = &m->joints[i];
        char mirror[64] = "-";

        if (j->mirror >= 0)
            snprintf(mirror, sizeof(mirror), "%s%s", j->mirror_sign < 0 ? "-" : "+",
                     m->joints[j->mirror].name);
        printf("%4d  %-21s %-5s %-6s %9.4f %9.4f %6g %6g %6g %5g %7.3f  %s\n", j->motor, j->name,
               group_name(j->group), side_name(j->side), j->lower, j->upper, j->velocity, j->effort,
               j->kp, j->kd, j->stand, mirror);
    }
    printf("\nAngles in rad, velocities rad/s, efforts Nm. MIRROR: the twin joint and the sign\n"
           "that carries an angle across (q_twin = sign * q).\n");
}

static int cmd_show(int argc, char **argv)
{
    const char *id = NULL;
    const mpk_robot_model *m;
    int json = 0, i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-')
            return mpk_cli_usage("robot show", "unknown option '%s'", argv[i]);
        else if (!id)
            id = argv[i];
        else
            return mpk_cli_usage("robot show", "unexpected argument '%s'", argv[i]);
    }
    if (!id)
        return mpk_cli_usage("robot show", "missing MODEL");
    m = find_model("robot show", id);
    if (!m)
        return MPK_EXIT_USAGE;
    if (json)
        return show_json(m);
    show_table(m);
    return fflush(stdout) == 0 ? MPK_EXIT_OK
                               : mpk_cli_fail("robot show", 0, "cannot write to standard output");
}

/* A whole-string finite number. */
static int parse_number(double *out, const char *s)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && errno != ERANGE && isfinite(*out) ? 0 : -1;
}

/* "X,Y,Z" or "X,Y,Z,QX,QY,QZ,QW" into root (identity rotation when omitted). */
static int parse_root(double *root, const char *text)
{
    char buf[512], *tok, *save = NULL;
    int n = 0;

    if (strlen(text) >= sizeof(buf))
        return mpk_cli_usage("robot fk", "--root: too long");
    memcpy(buf, text, strlen(text) + 1);
    root[3] = root[4] = root[5] = 0;
    root[6] = 1;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == 7 || parse_number(&root[n], tok) != 0)
            return mpk_cli_usage("robot fk", "--root '%s': expected X,Y,Z or X,Y,Z,QX,QY,QZ,QW",
                                 text);
        n++;
    }
    if (n != 3 && n != 7)
        return mpk_cli_usage("robot fk", "--root '%s': expected 3 or 7 numbers, got %d", text, n);
    if (sqrt(root[3] * root[3] + root[4] * root[4] + root[5] * root[5] + root[6] * root[6]) < 1e-9)
        return mpk_cli_usage("robot fk", "--root '%s': the quaternion is zero", text);
    return 0;
}

/* JOINT=VALUE into q; each joint at most once. */
static int parse_q(double *q, int *set, const mpk_robot_model *m, const char *text)
{
    const char *eq = strchr(text, '=');
    char name[128];
    double v;
    int j;

    if (!eq || eq == text || (size_t)(eq - text) >= sizeof(name))
        return mpk_cli_usage("robot fk", "--q '%s': expected JOINT=VALUE", text);
    memcpy(name, text, (size_t)(eq - text));
    name[eq - text] = '\0';
    j = mpk_robot_joint_index(m, name);
    if (j < 0)
        return mpk_cli_usage("robot fk", "--q '%s': %s has no joint '%s' (`mpk robot show %s`)",
                             text, m->id, name, m->id);
    if (parse_number(&v, eq + 1) != 0)
        return mpk_cli_usage("robot fk", "--q '%s': '%s' is not a finite number of radians", text,
                             eq + 1);
    if (set[j])
        return mpk_cli_usage("robot fk", "--q '%s': joint '%s' given twice", text, name);
    set[j] = 1;
    q[j] = v;
    if (v < m->joints[j].lower || v > m->joints[j].upper)
        fprintf(stderr, "mpk robot fk: warning: %s = %g is outside its limits [%g, %g]\n", name, v,
                m->joints[j].lower, m->joints[j].upper);
    return 0;
}

/* Unit quaternion (x, y, z, w) of a row-major rotation matrix, with w >= 0. */
static void matrix_quat(double *out, const double *r)
{
    double t = r[0] + r[4] + r[8], s;
    int i;

    if (t > 0) {
        s = sqrt(t + 1) * 2;
        out[3] = s / 4;
        out[0] = (r[7] - r[5]) / s;
        out[1] = (r[2] - r[6]) / s;
        out[2] = (r[3] - r[1]) / s;
    } else if (r[0] > r[4] && r[0] > r[8]) {
        s = sqrt(1 + r[0] - r[4] - r[8]) * 2;
        out[3] = (r[7] - r[5]) / s;
        out[0] = s / 4;
        out[1] = (r[1] + r[3]) / s;
        out[2] = (r[2] + r[6]) / s;
    } else if (r[4] > r[8]) {
        s = sqrt(1 + r[4] - r[0] - r[8]) * 2;
        out[3] = (r[2] - r[6]) / s;
        out[0] = (r[1] + r[3]) / s;
        out[1] = s / 4;
        out[2] = (r[5] + r[7]) / s;
    } else {
        s = sqrt(1 + r[8] - r[0] - r[4]) * 2;
        out[3] = (r[3] - r[1]) / s;
        out[0] = (r[2] + r[6]) / s;
        out[1] = (r[5] + r[7]) / s;
        out[2] = s / 4;
    }
    if (out[3] < 0) {
        for (i = 0; i < 4; i++)
            out[i] = -out[i];
    }
}

static int fk_json(const mpk_robot_model *m, const double *q, const double *root)
{
    double pos[MPK_ROBOT_MAX_LINKS * 3], rot[MPK_ROBOT_MAX_LINKS * 9], quat[4];
    json_t *doc = json_object(), *qs = json_object(), *links = json_array();
    int err = mpk_robot_fk(pos, rot, m, q, root), i;

    if (err != MPK_OK) {
        json_decref(doc);
        json_decref(qs);
        json_decref(links);
        return mpk_cli_fail("robot fk", err, "forward kinematics failed");
    }
    for (i = 0; qs && i < m->joint_count; i++)
        json_object_set_new(qs, m->joints[i].name, json_real(q[i]));
    for (i = 0; links && i < m->link_count; i++) {
        json_t *l = json_object(), *mat = json_array();
        int r;

        matrix_quat(quat, &rot[i * 9]);
        for (r = 0; mat && r < 3; r++)
            json_array_append_new(mat, vec_json(&rot[i * 9 + r * 3], 3));
        if (l) {
            json_object_set_new(l, "name", json_string(m->links[i].name));
            json_object_set_new(l, "position", vec_json(&pos[i * 3], 3));
            json_object_set_new(l, "quaternion", vec_json(quat, 4));
            json_object_set_new(l, "rotation", mat);
        } else {
            json_decref(mat);
        }
        json_array_append_new(links, l);
    }
    if (doc) {
        json_object_set_new(doc, "model", json_string(m->id));
        json_object_set_new(doc, "root", vec_json(root, 7));
        json_object_set_new(doc, "q", qs);
        json_object_set_new(doc, "links", links);
    } else {
        json_decref(qs);
        json_decref(links);
    }
    return emit_json("robot fk", doc);
}

static int cmd_fk(int argc, char **argv)
{
    double q[MPK_ROBOT_MAX_JOINTS] = {0}, root[7] = {0, 0, 0, 0, 0, 0, 1};
    int set[MPK_ROBOT_MAX_JOINTS] = {0};
    const char *id = NULL;
    const mpk_robot_model *m;
    int stand = 0, i, j;

    /* The model comes first in the usage but may follow options: find it before the --q's. */
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--q") == 0 || strcmp(argv[i], "--root") == 0) {
            if (i + 1 >= argc)
                return mpk_cli_usage("robot fk", "%s needs a value", argv[i]);
            i++;
        } else if (strcmp(argv[i], "--stand") == 0) {
            stand = 1;
        } else if (argv[i][0] == '-') {
            return mpk_cli_usage("robot fk", "unknown option '%s'", argv[i]);
        } else if (!id) {
            id = argv[i];
        } else {
            return mpk_cli_usage("robot fk", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!id)
        return mpk_cli_usage("robot fk", "missing MODEL");
    m = find_model("robot fk", id);
    if (!m)
        return MPK_EXIT_USAGE;
    for (j = 0; stand && j < m->joint_count; j++)
        q[j] = m->joints[j].stand;
    for (i = 1; i < argc; i++) {
        int rc = 0;

        if (strcmp(argv[i], "--q") == 0)
            rc = parse_q(q, set, m, argv[++i]);
        else if (strcmp(argv[i], "--root") == 0)
            rc = parse_root(root, argv[++i]);
        if (rc != 0)
            return rc;
    }
    return fk_json(m, q, root);
}

int mpk_cmd_robot(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MPK_EXIT_USAGE;
    }
    if (mpk_cli_wants_help(argc, argv)) {
        usage(stdout);
        return MPK_EXIT_OK;
    }
    if (strcmp(argv[1], "show") == 0)
        return cmd_show(argc - 1, argv + 1);
    if (strcmp(argv[1], "fk") == 0)
        return cmd_fk(argc - 1, argv + 1);
    return mpk_cli_usage("robot", "unknown subcommand '%s' (show, fk)", argv[1]);
}
