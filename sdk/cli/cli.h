/* Shared pieces of the mpk command-line program. */
#ifndef MPK_CLI_H
#define MPK_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes (documented in docs/mpk.md and `mpk --help`). */
#define MPK_EXIT_OK      0 /* success */
#define MPK_EXIT_FAIL    1 /* the operation failed (I/O, bad input file, network) */
#define MPK_EXIT_USAGE   2 /* wrong command line */
#define MPK_EXIT_INVALID 3 /* the package or motion is invalid: verification/validation errors */

/** A subcommand: `mpk NAME ...`. run() gets argv with argv[0] = NAME. */
typedef struct mpk_cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} mpk_cli_command;

/**
 * Prints "mpk CMD: message: libmpk context" to stderr and returns MPK_EXIT_FAIL (or the code for
 * err). err is the code of the libmpk call that failed, whose context message is appended; 0 when
 * the message says it all (the context may be left over from an earlier call).
 */
int mpk_cli_fail(const char *cmd, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** What mpk_cli_fail() prints, for the commands' own variants of it. */
void mpk_cli_vreport(const char *cmd, int err, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/** Prints a usage error and returns MPK_EXIT_USAGE. */
int mpk_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** True if argv contains -h or --help before any "--". */
bool mpk_cli_wants_help(int argc, char **argv);

/**
 * Finds a program mpk runs (mpk-preview, motion-play): next to the running mpk (the build tree's
 * bin/, an install's bindir), else on PATH. @return true with its path in out.
 */
bool cli_find_program(char *out, size_t size, const char *name);

/**
 * Replaces this process with program (found by cli_find_program), argv[0] set to its name and the
 * rest passed on. Returns only on failure, after a message for command cmd with hint saying where
 * the program comes from: MPK_EXIT_FAIL.
 */
int mpk_cli_exec(const char *cmd, const char *program, char **argv, const char *hint);

#endif
