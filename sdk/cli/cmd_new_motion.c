/* mpk new-motion: adds a keyframe motion (standing, a small gesture, standing) to a project. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_project.h"
#include "cli_template.h"
#include "commands.h"
#include "internal.h"
#include "json_util.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: mpk new-motion NAME [-C PROJECT_DIR] [--robot MODEL] [--duration S]\n"
        "                      [--title LANG=TEXT]...\n\n"
        "Adds motions/NAME.json, a keyframe motion that starts and ends at the standing pose,\n"
        "and its entry in mpk-project.json. The robot is the first motion's unless --robot\n"
        "says otherwise; the motion drives arms and waist, or every joint when the package\n"
        "has the full-body permission.\n\n"
        "  -C, --project DIR     the project (default: the current folder)\n"
        "  -r, --robot MODEL     robot model of the motion\n"
        "      --duration S      length of the motion (default 3)\n"
        "  -t, --title LANG=TEXT  the motion's display name in a language (repeat)\n\n"
        "Exit codes: 0 added, 1 failure (name taken, I/O, the project does not load), 2 usage.\n");
}

static bool has_full_body(const json_t *doc)
{
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(doc, "permissions"), i,
                       v) if (json_is_string(v) &&
                              strcmp(json_string_value(v), "full-body") == 0) return true;
    return false;
}

int mpk_cmd_new_motion(int argc, char **argv)
{
    static const struct option options[] = {
        {"project", required_argument, NULL, 'C'},  {"robot", required_argument, NULL, 'r'},
        {"duration", required_argument, NULL, 'd'}, {"title", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},           {0}};
    const char *dir = ".", *robot = NULL, *name;
    json_t *doc = NULL, *titles = json_object(), *motions, *kf = NULL, *motion = NULL, *v;
    char *file = NULL, *path = NULL, *text = NULL;
    const mpk_robot_model *model;
    double duration = 3;
    bool written = false;
    size_t size = 0, i;
    int c, error, rc = MPK_EXIT_FAIL;

    if (!titles)
        return mpk_cli_fail("new-motion", 0, "out of memory");
    opterr = 0;
    while ((c = getopt_long(argc, argv, "C:r:t:h", options, NULL)) != -1) {
        switch (c) {
        case 'C':
            dir = optarg;
            break;
        case 'r':
            robot = optarg;
            break;
        case 'd': {
            char *end;
            duration = strtod(optarg, &end);
            if (*end || !(duration >= 0.5 && duration <= 600)) {
                rc = mpk_cli_usage("new-motion", "--duration '%s': 0.5 to 600 seconds", optarg);
                goto out;
            }
            break;
        }
        case 't':
            if (!cli_text_arg(titles, optarg)) {
                rc = mpk_cli_usage("new-motion", "'%s': give LANG=TEXT, e.g. en=Bow", optarg);
                goto out;
            }
            break;
        case 'h':
            usage(stdout);
            rc = MPK_EXIT_OK;
            goto out;
        default:
            rc = mpk_cli_usage("new-motion", "unknown option or missing value: %s",
                               argv[optind - 1]);
            goto out;
        }
    }
    if (optind + 1 != argc) {
        rc = mpk_cli_usage("new-motion", optind == argc ? "NAME is missing" : "one NAME only");
        goto out;
    }
    name = argv[optind];
    if (!cli_motion_name_valid(name)) {
        rc = mpk_cli_usage("new-motion", "motion name '%s': 1 to 64 of a-z 0-9 _ -", name);
        goto out;
    }
    error = cli_project_read(&doc, dir);
    if (error) {
        rc = mpk_cli_fail("new-motion", error, "cannot read the project");
        goto out;
    }
    motions = json_object_get(doc, "motions");
    if (!json_is_array(motions)) {
        rc = mpk_cli_fail("new-motion", 0, "%s/%s: motions: must be an array", dir,
                          MPK_PROJECT_FILE);
        goto out;
    }
    json_array_foreach(motions, i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (n && strcmp(n, name) == 0) {
            rc = mpk_cli_fail("new-motion", 0, "the project has a motion named '%s' already", name);
            goto out;
        }
        if (!robot)
            robot = json_string_value(json_object_get(v, "robot"));
    }
    if (!robot) {
        rc = mpk_cli_usage("new-motion", "--robot MODEL is missing (the project has no motion)");
        goto out;
    }
    model = mpk_robot_find(robot);
    if (!model) {
        rc = mpk_cli_usage("new-motion", "%s", mpk_error_message());
        goto out;
    }
    kf = cli_template_keyframes(model, has_full_body(doc) || !model->humanoid, duration);
    file = mpk__asprintf("motions/%s.json", name);
    path = mpk__asprintf("%s/%s", dir, file ? file : "");
    if (!json_object_get(titles, "en") && json_object_size(titles))
        json_object_set_new(titles, "en", json_string(name));
    motion = json_pack("{s:s, s:s, s:{s:s, s:s}}", "name", name, "robot", model->id, "source",
                       "type", "keyframes", "file", file ? file : "");
    if (!kf || !file || !path || !motion) {
        rc = mpk_cli_fail("new-motion", 0, "out of memory");
        goto out;
    }
    if (json_object_size(titles))
        json_object_set(motion, "title", titles);
    error = cli_make_dirs(dir, "motions");
    if (!error)
        error = mpk__json_write_pretty(&text, &size, kf);
    if (!error)
        error = cli_write_new(path, text, size);
    if (error) {
        rc = mpk_cli_fail("new-motion", error, "cannot write %s", file);
        goto out;
    }
    written = true;
    json_array_append(motions, motion);
    error = cli_project_write(dir, doc);
    if (error) {
        rc = mpk_cli_fail("new-motion", error, "cannot add the motion; nothing changed");
        goto out;
    }
    written = false;
    printf("added motion '%s' (%s, %g s): %s/%s\n", name, model->id, duration, dir, file);
    rc = MPK_EXIT_OK;
out:
    if (written)
        unlink(path);
    json_decref(doc);
    json_decref(titles);
    json_decref(kf);
    json_decref(motion);
    free(file);
    free(path);
    free(text);
    return rc;
}
