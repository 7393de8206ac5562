/* mpk robots: lists the built-in robot models (human table or --json). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_robot.h"
#include "commands.h"
#include "mpk/mpk.h"

const char *mpk_cli_family_name(mpk_dds_family f)
{
    return f == MPK_DDS_HG ? "hg" : "go";
}

json_t *mpk_cli_robot_summary_json(const mpk_robot_model *m)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_string(m->id));
    json_object_set_new(o, "name", json_string(m->name));
    json_object_set_new(o, "urdf", json_string(m->urdf));
    json_object_set_new(o, "dds_family", json_string(mpk_cli_family_name(m->family)));
    json_object_set_new(o, "humanoid", json_boolean(m->humanoid));
    json_object_set_new(o, "joint_count", json_integer(m->joint_count));
    json_object_set_new(o, "link_count", json_integer(m->link_count));
    json_object_set_new(o, "motor_slots", json_integer(m->motor_slots));
    /* JSON says "none" with null rather than the C table's -1 and 0. */
    json_object_set_new(o, "weight_slot",
                        m->weight_slot >= 0 ? json_integer(m->weight_slot) : json_null());
    json_object_set_new(o, "mode_machine",
                        m->mode_machine > 0 ? json_integer(m->mode_machine) : json_null());
    json_object_set_new(o, "control_period", json_real(m->control_period));
    json_object_set_new(o, "stand_height", json_real(m->stand_height));
    return o;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: mpk robots [--json]\n\n"
                 "Lists the robot models motions can target: id, DDS family, joints, motor slots,\n"
                 "arm_sdk weight slot and control rate. `mpk robot show ID` prints one in full.\n\n"
                 "  --json   machine-readable output (an array of objects)\n\n"
                 "Exit codes: 0 listed, 1 cannot write the output, 2 usage.\n");
}

static int print_json(void)
{
    json_t *arr = json_array();
    int i, rc = MPK_EXIT_FAIL;

    if (!arr)
        return mpk_cli_fail("robots", 0, "cannot build the list");
    for (i = 0; i < mpk_robot_count(); i++) {
        if (json_array_append_new(arr, mpk_cli_robot_summary_json(mpk_robot_at(i))) != 0)
            goto out;
    }
    if (json_dumpf(arr, stdout, MPK_CLI_ROBOT_JSON_FLAGS) == 0 && fputc('\n', stdout) != EOF)
        rc = MPK_EXIT_OK;
out:
    json_decref(arr);
    if (rc != MPK_EXIT_OK)
        return mpk_cli_fail("robots", 0, "cannot write the list");
    return rc;
}

static void print_table(void)
{
    int i;

    printf("%-10s %-22s %-4s %6s %6s %8s %8s  %s\n", "ID", "NAME", "DDS", "JOINTS", "SLOTS",
           "ARM_SDK", "RATE", "KIND");
    for (i = 0; i < mpk_robot_count(); i++) {
        const mpk_robot_model *m = mpk_robot_at(i);
        char weight[16];

        if (m->weight_slot >= 0)
            snprintf(weight, sizeof(weight), "%d", m->weight_slot);
        else
            snprintf(weight, sizeof(weight), "-");
        printf("%-10s %-22s %-4s %6d %6d %8s %5.0f Hz  %s\n", m->id, m->name,
               mpk_cli_family_name(m->family), m->joint_count, m->motor_slots, weight,
               1.0 / m->control_period, m->humanoid ? "humanoid" : "quadruped");
    }
}

int mpk_cmd_robots(int argc, char **argv)
{
    int json = 0, i;

    if (mpk_cli_wants_help(argc, argv)) {
        usage(stdout);
        return MPK_EXIT_OK;
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return mpk_cli_usage("robots", "unexpected argument '%s'", argv[i]);
    }
    if (json)
        return print_json();
    print_table();
    return fflush(stdout) == 0 ? MPK_EXIT_OK
                               : mpk_cli_fail("robots", 0, "cannot write to standard output");
}
