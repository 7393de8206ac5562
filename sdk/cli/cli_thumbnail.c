/* The thumbnail `mpk build` embeds: rendered by mpk-preview (tools/preview, docs/preview.md) from
 * the project folder itself, as the robot will play it. mpk links neither SDL nor the runtime, so
 * it runs the program found next to itself or on PATH; without one the package is built without a
 * thumbnail and the build says so. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_project.h"
#include "cli_thumbnail.h"
#include "internal.h"

#define PREVIEW_PROGRAM "mpk-preview"

int cli_thumbnail_render(mpk_project *p, char *note, size_t note_size)
{
    /* A private folder for the image: mkdtemp makes it 0700, nothing else writes there. */
    char program[PATH_MAX], tmp[] = "/tmp/mpk-thumbnail-XXXXXX", png[sizeof(tmp) + 16];
    char time_arg[32], *output = NULL, *data = NULL;
    const char *motion = NULL;
    char *argv[12];
    double time = NAN;
    size_t size = 0;
    int n = 0, status, error;

    note[0] = '\0';
    if (mpk_project_thumbnail(p, &motion, &time) != MPK_PROJECT_THUMBNAIL_RENDER)
        return MPK_OK;
    if (!cli_find_program(program, sizeof(program), PREVIEW_PROGRAM)) {
        snprintf(note, note_size,
                 "no thumbnail: %s is neither next to mpk nor on PATH (build tools/preview, or "
                 "give the project a thumbnail image with `mpk add-asset FILE --thumbnail`)",
                 PREVIEW_PROGRAM);
        return MPK_OK;
    }
    if (!mkdtemp(tmp))
        return mpk__error(MPK_EIO, "thumbnail: cannot create a temporary folder: %s",
                          strerror(errno));
    snprintf(png, sizeof(png), "%s/thumbnail.png", tmp);
    argv[n++] = program;
    argv[n++] = (char *)mpk_project_dir(p);
    argv[n++] = "--render";
    argv[n++] = png;
    argv[n++] = "--size";
    argv[n++] = CLI_THUMBNAIL_SIZE;
    argv[n++] = "--motion";
    argv[n++] = (char *)motion;
    if (!isnan(time)) {
        snprintf(time_arg, sizeof(time_arg), "%.17g", time);
        argv[n++] = "--time";
        argv[n++] = time_arg;
    }
    argv[n] = NULL;
    status = cli_run(argv, &output);
    if (status != 0) {
        /* One line of mpk-preview's own message says what failed. */
        char *nl = output ? strchr(output, '\n') : NULL;
        if (nl)
            *nl = '\0';
        error = mpk__error(MPK_ERROR, "thumbnail: %s %s failed (%s%d): %s", program,
                           mpk_project_dir(p), status < 0 ? "cannot start, " : "exit ",
                           status < 0 ? errno : status, output && *output ? output : "no output");
        goto out;
    }
    error = mpk__read_file(&data, &size, png, MPK_PACKAGE_MAX_ENTRY);
    if (!error)
        error =
            mpk_project_add_asset(p, CLI_THUMBNAIL_PATH, data, size, MPK_PROJECT_ASSET_THUMBNAIL);
    if (error) {
        mpk__error_prefix(error, "thumbnail");
        goto out;
    }
    if (isnan(time))
        snprintf(note, note_size, "thumbnail: %s, motion '%s' in the middle, by %s",
                 CLI_THUMBNAIL_PATH, motion, program);
    else
        snprintf(note, note_size, "thumbnail: %s, motion '%s' at %g s, by %s", CLI_THUMBNAIL_PATH,
                 motion, time, program);
out:
    unlink(png);
    rmdir(tmp);
    free(output);
    free(data);
    return error;
}
