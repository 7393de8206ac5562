/* mpk import: a Unitree retargeted CSV as a motion of a project (the CSV copied in and imported
 * at build time, so the project keeps the original data), or as a bare track file. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_project.h"
#include "commands.h"
#include "internal.h"
#include "json_util.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mpk import FILE.csv --robot MODEL [--name NAME] [--rate HZ] [--trim A:B]\n"
            "                  [--upper-body] [-C PROJECT_DIR | -o OUT.mpkt]\n\n"
            "Imports a Unitree retargeted motion CSV: no header, 30 rows per second, each row the\n"
            "root position x y z, the root quaternion x y z w, then the joint angles (G1 and H1-2\n"
            "in SDK motor order, H1 in its URDF's order, which is reordered). The root trajectory\n"
            "is kept (for the preview) and every column resampled to the project's rate.\n\n"
            "Into a project (default: the current folder) the CSV is copied to motions/NAME.csv\n"
            "and listed as a \"unitree-csv\" source; with -o the track is written as a file.\n\n"
            "  -r, --robot MODEL   the robot the CSV was retargeted to\n"
            "  -n, --name NAME     the motion's name (default: from the file name)\n"
            "      --rate HZ       rate of the track (default: the project's, 50)\n"
            "      --trim A:B      keep seconds A to B of the CSV (A: or :B for one end)\n"
            "      --upper-body    keep waist and arms only (a package without full-body)\n"
            "      --source-rate N rows per second of the CSV (default 30)\n"
            "  -C, --project DIR   the project to add the motion to\n"
            "  -o, --output FILE   write the track (.mpkt) instead\n\n"
            "Errors name the line and column. Exit codes: 0 imported, 1 failure (bad CSV, name\n"
            "taken, I/O), 2 usage.\n");
}

static bool parse_trim(double *a, double *b, const char *arg)
{
    const char *colon = strchr(arg, ':');
    char *end;

    *a = 0;
    *b = NAN;
    if (!colon)
        return false;
    if (colon != arg) {
        *a = strtod(arg, &end);
        if (end != colon || !isfinite(*a) || *a < 0)
            return false;
    }
    if (colon[1]) {
        *b = strtod(colon + 1, &end);
        if (*end || !isfinite(*b) || *b <= *a)
            return false;
    }
    return true;
}

static int print_motion_findings(const char *dir, const char *name)
{
    mpk_project *p = NULL;
    mpk_findings *list = NULL;
    size_t i, e = 0, w = 0, legs = 0;
    int error = mpk_project_load(&p, dir);

    if (!error)
        error = mpk_validate_project(&list, p, NULL);
    for (i = 0; !error && i < mpk_findings_count(list); i++) {
        const mpk_finding *f = mpk_findings_get(list, i);
        if (!f->motion || strcmp(f->motion, name) != 0)
            continue;
        fprintf(stderr, "  %s: %s\n", f->severity == MPK_SEVERITY_ERROR ? "error" : "warning",
                f->message);
        e += f->severity == MPK_SEVERITY_ERROR;
        w += f->severity != MPK_SEVERITY_ERROR;
        legs += f->rule == MPK_RULE_FULL_BODY;
    }
    if (!error)
        printf("validation of '%s': %zu error%s, %zu warning%s%s\n", name, e, e == 1 ? "" : "s", w,
               w == 1 ? "" : "s",
               legs ? " (legs move: add the full-body permission, or import with --upper-body)"
                    : (e ? " (`mpk retime` slows what is too fast)" : ""));
    mpk_findings_free(list);
    mpk_project_free(p);
    return error;
}

int mpk_cmd_import(int argc, char **argv)
{
    static const struct option options[] = {
        {"robot", required_argument, NULL, 'r'},   {"name", required_argument, NULL, 'n'},
        {"rate", required_argument, NULL, 'R'},    {"trim", required_argument, NULL, 't'},
        {"upper-body", no_argument, NULL, 'U'},    {"source-rate", required_argument, NULL, 'S'},
        {"project", required_argument, NULL, 'C'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},          {0}};
    const char *csv_path, *robot = NULL, *name = NULL, *dir = NULL, *output = NULL;
    char auto_name[80], *text = NULL, *file = NULL, *dest = NULL;
    const mpk_robot_model *model;
    mpk_import_options o;
    json_t *doc = NULL, *motions, *source = NULL, *motion = NULL, *v;
    mpk_track *track = NULL;
    bool rate_given = false, trimmed = false, copied = false;
    size_t size = 0, i;
    int c, error, rc = MPK_EXIT_FAIL;

    mpk_import_options_init(&o);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "r:n:C:o:h", options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'r':
            robot = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'R':
            o.rate = strtod(optarg, &end);
            if (*end || !(o.rate >= MPK_TRACK_MIN_RATE && o.rate <= MPK_TRACK_MAX_RATE))
                return mpk_cli_usage("import", "--rate '%s': 1 to 1000 Hz", optarg);
            rate_given = true;
            break;
        case 'S':
            o.source_rate = strtod(optarg, &end);
            if (*end || !(o.source_rate >= 1 && o.source_rate <= 1000))
                return mpk_cli_usage("import", "--source-rate '%s': 1 to 1000 rows per second",
                                     optarg);
            break;
        case 't':
            if (!parse_trim(&o.trim_start, &o.trim_end, optarg))
                return mpk_cli_usage("import", "--trim '%s': give A:B in seconds (A: or :B)",
                                     optarg);
            trimmed = true;
            break;
        case 'U':
            o.joints = MPK_IMPORT_UPPER_BODY;
            break;
        case 'C':
            dir = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            usage(stdout);
            return MPK_EXIT_OK;
        default:
            return mpk_cli_usage("import", "unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return mpk_cli_usage("import", optind == argc ? "FILE.csv is missing" : "one FILE only");
    if (dir && output)
        return mpk_cli_usage("import", "-C (into a project) or -o (a track file), not both");
    if (!robot)
        return mpk_cli_usage("import", "--robot MODEL is missing (`mpk robots` lists them)");
    model = mpk_robot_find(robot);
    if (!model)
        return mpk_cli_usage("import", "%s", mpk_error_message());
    csv_path = argv[optind];
    if (!dir)
        dir = ".";
    if (!name) {
        cli_motion_name_from(auto_name, sizeof(auto_name), csv_path);
        name = auto_name;
    }
    if (!output && !cli_motion_name_valid(name))
        return mpk_cli_usage("import", "motion name '%s': 1 to 64 of a-z 0-9 _ - (give --name)",
                             name);
    if (!output && !rate_given) {
        /* The project's rate, as the build will use it (a missing project is reported below,
         * after the CSV is checked). */
        if (cli_project_read(&doc, dir) == MPK_OK && json_is_number(json_object_get(doc, "rate")))
            o.rate = json_number_value(json_object_get(doc, "rate"));
        json_decref(doc);
        doc = NULL;
    }

    /* The whole CSV is read and checked before anything is written. */
    error = mpk__read_file(&text, &size, csv_path, MPK_TRACK_CSV_MAX_SIZE);
    if (!error) {
        error = mpk_import_unitree_csv(&track, text, size, model, &o);
        if (error)
            mpk__error_prefix(error, "%s", csv_path);
    }
    if (error) {
        rc = error == MPK_EINVAL ? mpk_cli_usage("import", "%s", mpk_error_message())
                                 : mpk_cli_fail("import", error, "cannot import");
        goto out;
    }
    if (output) {
        error = mpk_track_write_file(track, output);
        if (error) {
            rc = mpk_cli_fail("import", error, "cannot write %s", output);
            goto out;
        }
        printf("imported %s: %u frames at %g Hz (%.3f s), %d joints of %s, root kept -> %s\n",
               csv_path, mpk_track_frame_count(track), mpk_track_rate(track),
               mpk_track_duration(track), mpk_track_joint_count(track), model->id, output);
        rc = MPK_EXIT_OK;
        goto out;
    }

    error = cli_project_read(&doc, dir);
    if (error) {
        rc = mpk_cli_fail("import", error, "cannot read the project (or give -o OUT.mpkt)");
        goto out;
    }
    motions = json_object_get(doc, "motions");
    json_array_foreach(motions, i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (n && strcmp(n, name) == 0) {
            rc = mpk_cli_fail("import", 0,
                              "the project has a motion named '%s' already (give "
                              "--name)",
                              name);
            goto out;
        }
    }
    file = mpk__asprintf("motions/%s.csv", name);
    dest = mpk__asprintf("%s/%s", dir, file ? file : "");
    source = json_pack("{s:s, s:s}", "type", "unitree-csv", "file", file ? file : "");
    if (!file || !dest || !source || !json_is_array(motions)) {
        rc = mpk_cli_fail("import", json_is_array(motions) ? MPK_ENOMEM : MPK_EFORMAT,
                          json_is_array(motions) ? "out of memory"
                                                 : "the project has no \"motions\" list");
        goto out;
    }
    if (rate_given)
        mpk__json_set_number(source, "rate", o.rate);
    if (o.source_rate != MPK_IMPORT_UNITREE_RATE)
        mpk__json_set_number(source, "source_rate", o.source_rate);
    if (trimmed) {
        json_t *trim = json_array();
        json_array_append_new(trim, json_real(o.trim_start));
        json_array_append_new(trim, isnan(o.trim_end) ? json_null() : json_real(o.trim_end));
        json_object_set_new(source, "trim", trim);
    }
    if (o.joints == MPK_IMPORT_UPPER_BODY)
        json_object_set_new(source, "joints", json_string("upper-body"));
    motion = json_pack("{s:s, s:s, s:O}", "name", name, "robot", model->id, "source", source);
    error = cli_make_dirs(dir, "motions");
    if (!error)
        error = cli_write_new(dest, text, size);
    if (error) {
        rc = mpk_cli_fail("import", error, "cannot copy the CSV into the project");
        goto out;
    }
    copied = true;
    json_array_append(motions, motion);
    error = cli_project_write(dir, doc);
    if (error) {
        rc = mpk_cli_fail("import", error, "cannot add the motion; nothing changed");
        goto out;
    }
    copied = false;
    printf("imported %s as motion '%s' (%s): %u frames at %g Hz (%.3f s), %d joints, root kept; "
           "source %s/%s\n",
           csv_path, name, model->id, mpk_track_frame_count(track), mpk_track_rate(track),
           mpk_track_duration(track), mpk_track_joint_count(track), dir, file);
    print_motion_findings(dir, name);
    rc = MPK_EXIT_OK;
out:
    if (copied)
        unlink(dest);
    mpk_track_free(track);
    json_decref(doc);
    json_decref(source);
    json_decref(motion);
    free(text);
    free(file);
    free(dest);
    return rc;
}
