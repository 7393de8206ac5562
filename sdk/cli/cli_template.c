/* The starting points `mpk init` and `mpk new-motion` write: a keyframe motion that leaves the
 * standing pose, makes a small symmetric gesture and comes back, and a README for the author. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_template.h"
#include "internal.h"

/* stand + delta, or stand - delta when that keeps further from the limits. */
static double offset(const mpk_joint *j, double delta)
{
    double up = j->stand + delta, down = j->stand - delta;
    return up <= j->upper - 0.2 ? up : (down >= j->lower + 0.2 ? down : j->stand);
}

static int set_joint(json_t *joints, const mpk_robot_model *m, const char *name, double delta)
{
    int j = mpk_robot_joint_index(m, name);
    double v;

    if (j < 0)
        return 0; /* the model has no such joint: the gesture does without it */
    /* Rounded to a hundredth: the file is for people to read and edit. */
    v = round(offset(&m->joints[j], delta) * 100) / 100;
    return json_object_set_new(joints, name, json_real(v));
}

json_t *cli_template_keyframes(const mpk_robot_model *m, bool full_body, double duration)
{
    json_t *doc = json_object(), *keys = json_array(), *mid = json_object(),
           *joints = json_object();
    bool humanoid = m->humanoid != 0;

    if (!doc || !keys || !mid || !joints)
        goto oom;
    json_object_set_new(doc, "format", json_integer(MPK_KEYFRAMES_FORMAT));
    json_object_set_new(doc, "robot", json_string(m->id));
    json_object_set_new(doc, "joints", json_string(humanoid && !full_body ? "upper-body" : "all"));
    json_object_set_new(doc, "interpolation", json_string("minjerk"));
    if (humanoid) {
        /* Both arms out to the side with the elbows bent, through the mirror. */
        set_joint(joints, m, "left_shoulder_roll", 0.4);
        set_joint(joints, m, "left_elbow", 0.5);
        if (full_body) {
            /* A small knee bend that keeps the feet flat: hip + knee + ankle pitch = 0. */
            set_joint(joints, m, "left_hip_pitch", -0.1);
            set_joint(joints, m, "left_knee", 0.2);
            set_joint(joints, m, "left_ankle_pitch", -0.1);
            set_joint(joints, m, "left_ankle", -0.1);
        }
    } else {
        /* A quadruped crouches a little on all four legs. */
        set_joint(joints, m, "FL_thigh", 0.2);
        set_joint(joints, m, "FL_calf", -0.2);
        set_joint(joints, m, "RL_thigh", 0.2);
        set_joint(joints, m, "RL_calf", -0.2);
    }
    json_array_append_new(keys, json_pack("{s:i, s:s}", "time", 0, "pose", "stand"));
    json_object_set_new(mid, "time", json_real(duration / 2));
    json_object_set_new(mid, "joints", joints);
    json_object_set_new(mid, "mirror", json_string("left-to-right"));
    joints = NULL;
    json_array_append_new(keys, mid);
    mid = NULL;
    json_array_append_new(keys, json_pack("{s:f, s:s}", "time", duration, "pose", "stand"));
    json_object_set_new(doc, "keyframes", keys);
    return doc;
oom:
    json_decref(doc);
    json_decref(keys);
    json_decref(mid);
    json_decref(joints);
    return NULL;
}

char *cli_template_readme(const char *id, const mpk_robot_model *m, const char *motion,
                          bool full_body)
{
    return mpk__asprintf(
        "# %s\n\n"
        "A Motion Store package project for the %s (`%s`), made by `mpk init`.\n\n"
        "## Files\n\n"
        "- `mpk-project.json`: the package: id, version, names and descriptions by language,\n"
        "  author, license, category, permissions%s, and its motions.\n"
        "- `motions/%s.json`: the motion as keyframes. Each keyframe sets some joints at a time\n"
        "  (in radians); the others keep their previous value. `\"pose\": \"stand\"` (or "
        "`\"zero\"`)\n"
        "  starts from a named pose, `\"mirror\": \"left-to-right\"` copies the left side to the\n"
        "  right, and `\"interpolation\"` (`minjerk`, `cubic` or `linear`) says how the motion\n"
        "  arrives at a keyframe. `mpk robot show %s` lists the joints and their limits.\n\n"
        "## Commands\n\n"
        "```sh\n"
        "mpk validate                 # limits, speed, smoothness, full-body rules\n"
        "mpk preview .                # see it on the robot (mpk-preview)\n"
        "mpk retime                   # slow down only the parts that are too fast\n"
        "mpk new-motion NAME          # another keyframe motion\n"
        "mpk import FILE.csv --robot %s   # a Unitree retargeted CSV as a motion\n"
        "mpk add-asset FILE --audio   # a sound, or --thumbnail for your own image\n"
        "mpk build . --key ../me.key  # the signed package (make a key with mpk keygen)\n"
        "```\n\n"
        "The formats: docs/format.md; the whole walk from a key to a validated package:\n"
        "docs/sdk.md.\n",
        id, m->name, m->id,
        full_body ? " (`full-body`: this package may move the legs)"
                  : " (none: arms and waist only, the robot keeps its own balance)",
        motion, m->id, m->id);
}
