/* mpk retime: slows down only what is too fast in a project's motions. Keyframe motions get new
 * keyframe times in their own file; sampled motions (csv, mpkt, unitree-csv) get a retimed track
 * CSV beside the original, which their source then names. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_project.h"
#include "commands.h"
#include "internal.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mpk retime [PROJECT_DIR] [--motion NAME] [--dry-run] [OPTIONS]\n\n"
            "Finds where a motion breaks the velocity, acceleration, jerk or jump bounds of\n"
            "`mpk validate`, slows those parts down just enough (keyframe segments, or stretches\n"
            "of a sampled track with smooth transitions), keeps the rest of the timing, and says\n"
            "how much longer each motion became. Keyframe files get the new times; a sampled\n"
            "motion gets motions/NAME.retimed.csv, which its source then names (the original\n"
            "stays). Other findings (limits, legs) are reported, not changed.\n\n"
            "  -m, --motion NAME   only this motion\n"
            "  -n, --dry-run       say what would change, write nothing\n" CLI_VALIDATION_HELP
            "\nExit codes: 0 every motion passes now, 1 failure, 2 usage, 3 errors remain that\n"
            "retiming does not fix.\n");
}

/* The keyframe source's own rate, else the project's. */
static double source_rate(const json_t *source, const mpk_project *p)
{
    const json_t *r = json_object_get(source, "rate");
    return json_is_number(r) ? json_number_value(r) : mpk_project_rate(p);
}

static int retime_keyframes(double *added, double *before, const char *dir, const char *file,
                            double rate, const mpk_robot_model *model,
                            const mpk_validate_options *o, bool dry)
{
    char *path = mpk__asprintf("%s/%s", dir, file), *text = NULL;
    mpk_keyframes *kf = NULL;
    size_t size = 0;
    int error;

    if (!path)
        return mpk__error(MPK_ENOMEM, "out of memory");
    error = mpk_keyframes_read_file(&kf, path, model);
    if (!error) {
        *before = mpk_keyframes_duration(kf);
        error = mpk_keyframes_retime(kf, added, rate, o);
    }
    if (!error && *added > 0 && !dry) {
        error = mpk_keyframes_serialize(&text, &size, kf);
        if (!error)
            error = mpk__write_file_atomic(path, text, size, 0644);
    }
    mpk_keyframes_free(kf);
    free(text);
    free(path);
    return error;
}

int mpk_cmd_retime(int argc, char **argv)
{
    static const struct option options[] = {{"motion", required_argument, NULL, 'm'},
                                            {"dry-run", no_argument, NULL, 'n'},
                                            {"help", no_argument, NULL, 'h'},
                                            CLI_VALIDATION_OPTIONS,
                                            {0}};
    cli_validation_args va = {0};
    const char *dir = ".", *only = NULL;
    mpk_validate_options opts;
    mpk_project *p = NULL, *after = NULL;
    mpk_findings *list = NULL;
    json_t *doc = NULL, *motions;
    bool dry = false, edited = false, found = false;
    size_t i;
    int c, error, rc = MPK_EXIT_FAIL;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "m:nh", options, NULL)) != -1) {
        switch (c) {
        case 'm':
            only = optarg;
            break;
        case 'n':
            dry = true;
            break;
        case 'h':
            usage(stdout);
            return MPK_EXIT_OK;
        default:
            if (c >= 1000 && c <= 1008) {
                if (!cli_validation_arg(&va, c, optarg, "retime"))
                    return MPK_EXIT_USAGE;
                break;
            }
            return mpk_cli_usage("retime", "unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind + 1 < argc)
        return mpk_cli_usage("retime", "one PROJECT_DIR at a time");
    if (optind < argc)
        dir = argv[optind];
    error = mpk_project_load(&p, dir);
    if (!error)
        error = cli_project_read(&doc, dir);
    if (error) {
        rc = mpk_cli_fail("retime", error, "cannot load the project");
        goto out;
    }
    mpk_project_validate_options(&opts, p);
    cli_validation_apply(&opts, &va);
    if (mpk_validate_options_check(&opts) != MPK_OK) {
        rc = mpk_cli_usage("retime", "%s", mpk_error_message());
        goto out;
    }
    motions = json_object_get(doc, "motions");
    for (i = 0; i < mpk_project_motion_count(p); i++) {
        const mpk_motion_info *mo = &mpk_project_manifest(p)->motions[i];
        const mpk_track *t = mpk_project_track(p, i);
        const mpk_robot_model *model = mpk_robot_find(mpk_track_robot(t));
        json_t *source = json_object_get(json_array_get(motions, i), "source");
        double added = 0, before = mpk_track_duration(t);

        if (only && strcmp(only, mo->name) != 0)
            continue;
        found = true;
        if (strcmp(mpk_project_source_type(p, i), "keyframes") == 0) {
            error = retime_keyframes(&added, &before, dir, mpk_project_source_file(p, i),
                                     source_rate(source, p), model, &opts, dry);
        } else {
            mpk_track *r = NULL;
            char *csv = NULL, *file = NULL, *path = NULL;
            size_t size = 0;

            error = mpk_track_retime(&r, &added, t, model, &opts);
            if (!error && added > 0 && !dry) {
                file = mpk__asprintf("motions/%s.retimed.csv", mo->name);
                path = mpk__asprintf("%s/%s", dir, file ? file : "");
                error = file && path ? mpk_track_to_csv(&csv, &size, r)
                                     : mpk__error(MPK_ENOMEM, "out of memory");
                if (!error)
                    error = mpk__write_file_atomic(path, csv, size, 0644);
                if (!error) {
                    json_object_set_new(json_array_get(motions, i), "source",
                                        json_pack("{s:s, s:s}", "type", "csv", "file", file));
                    edited = true;
                }
            }
            mpk_track_free(r);
            free(csv);
            free(file);
            free(path);
        }
        if (error) {
            rc = mpk_cli_fail("retime", error, "motion '%s'", mo->name);
            goto out;
        }
        if (added > 0)
            printf("motion '%s': %.3f s -> %.3f s (+%.3f s, +%.1f%%)%s\n", mo->name, before,
                   before + added, added, 100 * added / before, dry ? " (dry run)" : "");
        else
            printf("motion '%s': fast enough already, unchanged\n", mo->name);
    }
    if (only && !found) {
        rc = mpk_cli_usage("retime", "the project has no motion named '%s'", only);
        goto out;
    }
    if (edited) {
        error = cli_project_write(dir, doc);
        if (error) {
            rc = mpk_cli_fail("retime", error, "cannot update %s/%s", dir, MPK_PROJECT_FILE);
            goto out;
        }
    }
    if (dry) {
        rc = MPK_EXIT_OK;
        goto out;
    }
    /* What is left for the author: findings that speed does not explain. */
    error = mpk_project_load(&after, dir);
    if (!error)
        error = mpk_validate_project(&list, after, &opts);
    if (error) {
        rc = mpk_cli_fail("retime", error, "cannot validate the result");
        goto out;
    }
    cli_print_findings(stdout, list);
    rc = mpk_findings_errors(list) ? MPK_EXIT_INVALID : MPK_EXIT_OK;
out:
    mpk_findings_free(list);
    mpk_project_free(after);
    mpk_project_free(p);
    json_decref(doc);
    return rc;
}
