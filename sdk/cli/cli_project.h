/* Helpers of the mpk commands that author projects (init, new-motion, add-asset, import, retime,
 * validate, build): editing mpk-project.json safely, texts by language, validation options, and
 * running a sibling program (mpk-preview, found with cli_find_program() of cli.h). */
#ifndef MPK_CLI_PROJECT_H
#define MPK_CLI_PROJECT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mpk/mpk.h"

/** Reads dir/mpk-project.json as a JSON document (strict; errors name the file). */
int cli_project_read(json_t **doc, const char *dir);

/**
 * Writes doc as dir/mpk-project.json, after loading the project from the new text exactly as
 * `mpk build` would (every source read), so a command never leaves a project that does not load.
 * Atomic. Errors come from libmpk with their context.
 */
int cli_project_write(const char *dir, const json_t *doc);

/** Adds "LANG=TEXT" to a texts object (names, descriptions, titles); false on a malformed arg. */
bool cli_text_arg(json_t *texts, const char *arg);

/** True for a motion name the manifest accepts: 1 to 64 of a-z 0-9 _ -. */
bool cli_motion_name_valid(const char *name);

/** A motion name made from a file name ("Dance 01.csv" -> "dance_01"), or "" when none fits. */
void cli_motion_name_from(char *out, size_t size, const char *file);

/** Writes a new file atomically; fails with MPK_EEXISTS when path exists. */
int cli_write_new(const char *path, const void *data, size_t size);

/** Creates folder dir/sub (and dir) when missing. */
int cli_make_dirs(const char *dir, const char *sub);

/* Validation options on the command line: the long options below, for getopt_long tables. */
#define CLI_VALIDATION_OPTIONS                                                                     \
    {"margin", required_argument, NULL, 1000}, {"velocity-factor", required_argument, NULL, 1001}, \
        {"acceleration-factor", required_argument, NULL, 1002},                                    \
        {"jerk-factor", required_argument, NULL, 1003},                                            \
        {"max-jump", required_argument, NULL, 1004},                                               \
        {"min-duration", required_argument, NULL, 1005},                                           \
        {"max-duration", required_argument, NULL, 1006},                                           \
        {"stand-tolerance", required_argument, NULL, 1007},                                        \
    {                                                                                              \
        "hold-tolerance", required_argument, NULL, 1008                                            \
    }
#define CLI_VALIDATION_HELP                                                             \
    "  --margin RAD               distance kept from every position limit (0.05)\n"     \
    "  --velocity-factor F        share of each joint's velocity limit allowed (0.9)\n" \
    "  --acceleration-factor F    share of its acceleration limit (1.0)\n"              \
    "  --jerk-factor F            share of its jerk limit (1.0)\n"                      \
    "  --max-jump RAD             largest change between two samples (0.5)\n"           \
    "  --min-duration S, --max-duration S   duration bounds (0.5, 600)\n"               \
    "  --stand-tolerance RAD      start/end farther from standing warns (0.1)\n"        \
    "  --hold-tolerance RAD       a leg joint moving less than this holds still (0.01)\n"

/**
 * Records one validation option (getopt value 1000..1008) in a list of overrides applied later
 * with cli_validation_apply(); false (after a usage message) for a bad number.
 */
typedef struct cli_validation_args {
    bool set[9];
    double value[9];
} cli_validation_args;
bool cli_validation_arg(cli_validation_args *a, int opt, const char *arg, const char *cmd);
void cli_validation_apply(mpk_validate_options *o, const cli_validation_args *a);

/** Prints findings, one line each ("error: motion 'wave': right_elbow: ..."), to out. */
void cli_print_findings(FILE *out, const mpk_findings *list);

/**
 * Runs argv[0] (a path) with argv, its output (stdout and stderr) into a malloc'd *output
 * (at most 64 KiB kept). @return its exit status, 128 + signal, or -1 when it cannot start.
 */
int cli_run(char *const argv[], char **output);

#endif
