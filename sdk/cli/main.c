/* mpk: the Motion Store SDK command line. Dispatches to one file per command (cmd_*.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "mpk/mpk.h"

static const mpk_cli_command commands[] = {
#define MPK_CLI_ENTRY(name, fn, summary) {name, fn, summary},
    MPK_CLI_COMMANDS(MPK_CLI_ENTRY)
#undef MPK_CLI_ENTRY
};

static void usage(FILE *out)
{
    size_t i;

    fprintf(out,
            "usage: mpk COMMAND [OPTIONS] [ARGS]\n\n"
            "The Motion Store SDK: author, validate, build, sign and upload motion packages.\n\n"
            "Commands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun `mpk COMMAND --help` for a command's options.\n"
                 "Exit codes: 0 success, 1 failure, 2 usage error, 3 invalid package or motion.\n");
}

void mpk_cli_vreport(const char *cmd, int err, const char *fmt, va_list ap)
{
    const char *ctx = mpk_error_message();

    fprintf(stderr, "mpk %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    if (err != 0)
        fprintf(stderr, ": %s", ctx && *ctx ? ctx : mpk_strerror(err));
    fputc('\n', stderr);
}

int mpk_cli_fail(const char *cmd, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mpk_cli_vreport(cmd, err, fmt, ap);
    va_end(ap);
    if (err == MPK_ESIGNATURE || err == MPK_EHASH || err == MPK_EVALIDATE)
        return MPK_EXIT_INVALID;
    return MPK_EXIT_FAIL;
}

int mpk_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "mpk %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try `mpk %s --help`)\n", cmd);
    return MPK_EXIT_USAGE;
}

bool mpk_cli_wants_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

int mpk_cmd_help(int argc, char **argv)
{
    usage(stdout);
    return MPK_EXIT_OK;
}

int main(int argc, char **argv)
{
    size_t i;

    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? MPK_EXIT_USAGE : MPK_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("mpk %s\n", mpk_version());
        return MPK_EXIT_OK;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "mpk: unknown command '%s' (try `mpk --help`)\n", argv[1]);
    return MPK_EXIT_USAGE;
}
