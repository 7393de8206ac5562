/* robotgen: the part of a URDF that robot models need (links, joints, origins, axes, limits). */
#ifndef ROBOTGEN_URDF_H
#define ROBOTGEN_URDF_H

#include <stddef.h>

/** Largest URDF file robotgen reads; Unitree's are under 40 KiB. */
#define RG_URDF_MAX_SIZE (4u << 20)

/** Most links or joints a URDF may have (well above any Unitree model, below MPK_ROBOT_MAX_LINKS).
 */
#define RG_URDF_MAX_ITEMS 64

typedef enum rg_joint_kind { RG_JOINT_FIXED, RG_JOINT_REVOLUTE } rg_joint_kind;

typedef struct rg_urdf_joint {
    char *name; /* full URDF name ("left_knee_joint") */
    rg_joint_kind kind;
    int parent; /* index in rg_urdf.links */
    int child;  /* index in rg_urdf.links */
    double xyz[3];
    double rpy[3];
    double axis[3];                        /* unit for revolute joints, zero for fixed ones */
    double lower, upper, velocity, effort; /* revolute joints only */
    int line;                              /* line in the file, for messages */
} rg_urdf_joint;

typedef struct rg_urdf {
    char *name; /* <robot name> */
    int link_count;
    char **links; /* link names in document order */
    int joint_count;
    rg_urdf_joint *joints; /* in document order */
    int root;              /* index of the one link that is nobody's child */
} rg_urdf;

/**
 * Parses a URDF held in memory. Fails on malformed XML, missing or duplicate names, unknown links,
 * joint types other than fixed and revolute, a revolute joint without limits or with a zero axis,
 * non-finite numbers, more than one parent for a link, a forest or a cycle.
 * @param[out] out   the robot, freed with rg_urdf_free()
 * @param name       file name used in messages
 * @param err        receives "name:LINE: what is wrong" on failure
 * @return 0, or -1 on failure
 */
int rg_urdf_parse(rg_urdf **out, const char *data, size_t size, const char *name, char *err,
                  size_t errlen);

/** Reads and parses a URDF file (at most RG_URDF_MAX_SIZE bytes). Same contract as rg_urdf_parse.
 */
int rg_urdf_load(rg_urdf **out, const char *path, char *err, size_t errlen);

/** @return the index of the link or joint called name, or -1. */
int rg_urdf_link_index(const rg_urdf *u, const char *name);
int rg_urdf_joint_index(const rg_urdf *u, const char *name);

void rg_urdf_free(rg_urdf *u);

/** Reads a whole file (NUL-terminated) of at most max bytes; -1 with a message on failure. */
int rg_read_file(char **out, size_t *size, const char *path, size_t max, char *err, size_t errlen);

#endif
