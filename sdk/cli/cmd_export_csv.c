/* mpk export-csv: writes a motion track (from a package or a .mpkt file) as CSV. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmd_package.h"
#include "commands.h"
#include "internal.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mpk export-csv FILE.mpk|FILE.mpkt [--motion NAME] [-o OUT.csv]\n\n"
            "Writes a motion track as CSV (docs/format.md): \"# key: value\" lines for the\n"
            "robot, rate and gains, a header \"time,<joint>,...\", one row per frame. Importing\n"
            "it again (a \"csv\" source in mpk-project.json) gives back the same numbers.\n"
            "A package is verified first; its first motion is exported unless --motion names\n"
            "another.\n\n"
            "  -m, --motion NAME    the motion to export (packages only)\n"
            "  -o, --output OUT     where to write (default: standard output)\n\n"
            "Exit codes: 0 written, 1 failure, 2 usage, 3 invalid package or track.\n");
}

/*
 * A bare track is exported as it is, limits and all (the CSV is how a developer fixes one), but it
 * must name a built-in robot and only that robot's joints: the CSV could not be imported again.
 */
static int check_names(const mpk_track *track, const char *path)
{
    const mpk_robot_model *model = mpk_robot_find(mpk_track_robot(track));
    int j;

    if (!model)
        return mpk__error_prefix(MPK_EFORMAT, "%s", path);
    for (j = 0; j < mpk_track_joint_count(track); j++) {
        if (mpk_robot_joint_index(model, mpk_track_joint_name(track, j)) < 0)
            return mpk__error(MPK_EFORMAT, "%s: joint '%s' is not a joint of %s", path,
                              mpk_track_joint_name(track, j), model->id);
    }
    return MPK_OK;
}

int mpk_cmd_export_csv(int argc, char **argv)
{
    static const struct option options[] = {{"motion", required_argument, NULL, 'm'},
                                            {"output", required_argument, NULL, 'o'},
                                            {"help", no_argument, NULL, 'h'},
                                            {0}};
    const char *motion = NULL, *out = NULL, *path;
    mpk_package *pkg = NULL;
    mpk_track *track = NULL;
    char *csv = NULL;
    size_t size = 0;
    int c, error, rc = MPK_EXIT_FAIL;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "m:o:h", options, NULL)) != -1) {
        switch (c) {
        case 'm':
            motion = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return MPK_EXIT_OK;
        default:
            return mpk_cli_usage("export-csv", "unknown option or missing value: %s",
                                 argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return mpk_cli_usage("export-csv", optind == argc ? "FILE is missing" : "one FILE only");
    path = argv[optind];
    if (mpk_cli_looks_like_package(path)) {
        error = mpk_package_open(&pkg, path);
        if (error) {
            rc = error == MPK_ENOTFOUND || error == MPK_EIO
                     ? mpk_cli_fail("export-csv", error, "cannot read the package")
                     : mpk_cli_package_fail("export-csv", error, "INVALID");
            goto out;
        }
        error = mpk_package_verify(pkg, NULL);
        if (error) {
            rc = mpk_cli_package_fail("export-csv", error, "INVALID: %s", path);
            goto out;
        }
        if (motion && !mpk_manifest_motion(mpk_package_manifest(pkg), motion)) {
            rc = mpk_cli_usage("export-csv", "%s has no motion '%s'", path, motion);
            goto out;
        }
        error = mpk_package_load_track(&track, pkg, motion);
    } else {
        if (motion) {
            rc = mpk_cli_usage("export-csv", "--motion applies to packages; %s is a track", path);
            goto out;
        }
        error = mpk_track_read_file(&track, path);
        if (!error)
            error = check_names(track, path);
    }
    if (error) {
        rc = error == MPK_ENOTFOUND || error == MPK_EIO
                 ? mpk_cli_fail("export-csv", error, "cannot read the track")
                 : mpk_cli_package_fail("export-csv", error, "invalid track");
        goto out;
    }
    error = mpk_track_to_csv(&csv, &size, track);
    if (error) {
        rc = mpk_cli_fail("export-csv", error, "cannot make the CSV");
        goto out;
    }
    rc = mpk_cli_write_output("export-csv", out, csv, size);
out:
    free(csv);
    mpk_track_free(track);
    mpk_package_free(pkg);
    return rc;
}
