/*
 * libFuzzer harness of tools/robotgen's URDF reader (rg_urdf_parse): URDFs are outside data (from
 * Unitree). Any input must be refused with a message or give a well-formed tree.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libxml/parser.h>

#include "urdf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    xmlInitParser();
    return 0;
}

/* The promises rg_urdf_parse makes about a tree it accepts. */
static void check(const rg_urdf *u)
{
    int i;

    if (u->link_count < 1 || u->link_count > RG_URDF_MAX_ITEMS || u->root < 0 ||
        u->root >= u->link_count || u->joint_count != u->link_count - 1)
        __builtin_trap();
    for (i = 0; i < u->joint_count; i++) {
        const rg_urdf_joint *j = &u->joints[i];
        double n = j->axis[0] * j->axis[0] + j->axis[1] * j->axis[1] + j->axis[2] * j->axis[2];

        if (j->parent < 0 || j->parent >= u->link_count || j->child < 0 ||
            j->child >= u->link_count || j->child == u->root || !j->name || !*j->name)
            __builtin_trap();
        if (j->kind == RG_JOINT_REVOLUTE &&
            (fabs(n - 1) > 1e-9 || !(j->lower <= j->upper) || !(j->velocity > 0)))
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rg_urdf *u = NULL;
    char err[512];

    if (rg_urdf_parse(&u, (const char *)data, size, "fuzz.urdf", err, sizeof(err)) == 0) {
        check(u);
        rg_urdf_free(u);
    } else if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL) {
        __builtin_trap(); /* a refusal always says why */
    }
    return 0;
}
