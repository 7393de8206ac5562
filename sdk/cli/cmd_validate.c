/* mpk validate: the rules of mpk/validate.h on a project, a package or a bare track. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_project.h"
#include "cmd_package.h"
#include "commands.h"
#include "internal.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mpk validate [PROJECT_DIR | FILE.mpk | FILE.mpkt] [OPTIONS]\n\n"
            "Checks every motion against its robot model: position limits with a margin,\n"
            "velocity, acceleration and jerk (from the samples), jumps between samples, NaN,\n"
            "duration, leg joints moving without the full-body permission (errors), and a start\n"
            "or end far from the standing pose (a warning: the runtime blends in). Each finding\n"
            "names the joint, the time and the value. Default: the project in the current\n"
            "folder. A package is verified first (its own signature and hashes).\n\n"
            "  --json                     print the findings as JSON\n"
            "  --strict                   warnings fail too\n"
            "  --full-body                a bare track may move legs (a package or project says\n"
            "                             so itself)\n" CLI_VALIDATION_HELP
            "\nA project's \"validation\" settings are its defaults; these options override them.\n"
            "Exit codes: 0 no errors, 1 cannot read the input (or a project or source file is\n"
            "malformed), 2 usage, 3 errors found (or warnings with --strict; or the package or\n"
            "track is invalid).\n");
}

int mpk_cmd_validate(int argc, char **argv)
{
    static const struct option options[] = {{"json", no_argument, NULL, 'j'},
                                            {"strict", no_argument, NULL, 's'},
                                            {"full-body", no_argument, NULL, 'f'},
                                            {"help", no_argument, NULL, 'h'},
                                            CLI_VALIDATION_OPTIONS,
                                            {0}};
    cli_validation_args va = {0};
    mpk_validate_options opts;
    mpk_findings *list = NULL;
    mpk_project *project = NULL;
    mpk_package *pkg = NULL;
    mpk_track *track = NULL;
    const char *input = ".";
    bool json = false, strict = false, full_body = false;
    struct stat st;
    int c, error, rc = MPK_EXIT_FAIL;
    size_t motions = 0;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 's':
            strict = true;
            break;
        case 'f':
            full_body = true;
            break;
        case 'h':
            usage(stdout);
            return MPK_EXIT_OK;
        default:
            if (c >= 1000 && c <= 1008) {
                if (!cli_validation_arg(&va, c, optarg, "validate"))
                    return MPK_EXIT_USAGE;
                break;
            }
            return mpk_cli_usage("validate", "unknown option or missing value: %s",
                                 argv[optind - 1]);
        }
    }
    if (optind + 1 < argc)
        return mpk_cli_usage("validate", "one PROJECT_DIR, FILE.mpk or FILE.mpkt at a time");
    if (optind < argc)
        input = argv[optind];
    if (stat(input, &st) != 0)
        return mpk_cli_fail("validate",
                            mpk__error(MPK_ENOTFOUND, "%s: no such file or folder", input),
                            "cannot validate");
    mpk_validate_options_init(&opts);
    if (S_ISDIR(st.st_mode)) {
        error = mpk_project_load(&project, input);
        if (error) {
            rc = mpk_cli_fail("validate", error, "cannot load the project");
            goto out;
        }
        mpk_project_validate_options(&opts, project);
        cli_validation_apply(&opts, &va);
        error = mpk_validate_project(&list, project, &opts);
        motions = mpk_project_motion_count(project);
    } else if (mpk_cli_looks_like_package(input)) { /* by its first bytes, not its name */
        error = mpk_package_open(&pkg, input);
        if (!error)
            error = mpk_package_verify(pkg, NULL);
        if (error) {
            rc = mpk_cli_fail("validate",
                              error == MPK_EIO || error == MPK_ENOMEM ? error : MPK_EVALIDATE,
                              "INVALID: %s", input);
            goto out;
        }
        cli_validation_apply(&opts, &va);
        error = mpk_validate_package(&list, pkg, &opts);
        motions = mpk_package_manifest(pkg)->motion_count;
    } else {
        const mpk_robot_model *model;
        /* A malformed track is an invalid motion (exit 3), as for export-csv; I/O stays 1. */
        error = mpk_track_read_file(&track, input);
        if (error) {
            rc = mpk_cli_package_fail("validate", error, "INVALID");
            goto out;
        }
        model = mpk_robot_find(mpk_track_robot(track));
        if (!model) {
            rc = mpk_cli_package_fail("validate", mpk__error_prefix(MPK_EFORMAT, "%s", input),
                                      "INVALID");
            goto out;
        }
        cli_validation_apply(&opts, &va);
        error = mpk_validate_track(&list, track, model, full_body ? MPK_PERM_FULL_BODY : 0, &opts);
        motions = 1;
    }
    if (error) {
        rc = error == MPK_EINVAL ? mpk_cli_usage("validate", "%s", mpk_error_message())
                                 : mpk_cli_fail("validate", error, "cannot validate %s", input);
        goto out;
    }
    if (json) {
        char *text = NULL;
        size_t size = 0;
        error = mpk_findings_to_json(&text, &size, list);
        if (error) {
            rc = mpk_cli_fail("validate", error, "cannot print the findings");
            goto out;
        }
        printf("%s\n", text);
        free(text);
    } else {
        size_t e = mpk_findings_errors(list), w = mpk_findings_warnings(list);
        cli_print_findings(stdout, list);
        printf("%s: %s: %zu motion%s, %zu error%s, %zu warning%s\n", input,
               e || (strict && w) ? "INVALID" : "OK", motions, motions == 1 ? "" : "s", e,
               e == 1 ? "" : "s", w, w == 1 ? "" : "s");
    }
    rc = mpk_findings_errors(list) || (strict && mpk_findings_warnings(list)) ? MPK_EXIT_INVALID
                                                                              : MPK_EXIT_OK;
out:
    mpk_findings_free(list);
    mpk_project_free(project);
    mpk_package_free(pkg);
    mpk_track_free(track);
    return rc;
}
