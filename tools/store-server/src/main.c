/* mstore-server: the Motion Store cloud store (TUF repository, developer uploads, admin CLI). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "mpk/common.h"

static const struct {
    const char *name;
    int (*run)(const srv_cli *cli, int argc, char **argv);
    const char *summary;
} commands[] = {
    {"init", srv_cmd_init, "create a store: keys, database, first metadata (init DIR)"},
    {"serve", srv_cmd_serve, "serve the repository and the developer API (serve [DIR])"},
    {"developer", srv_cmd_developer, "add, remove or list developers"},
    {"token", srv_cmd_token, "issue, revoke or list developer API tokens"},
    {"review", srv_cmd_review, "list the review queue, approve or reject an upload"},
    {"uploads", srv_cmd_uploads, "list uploads (--state STATE, --developer NAME)"},
    {"yank", srv_cmd_yank, "withdraw a published version (yank ID VERSION --reason TEXT)"},
    {"audit", srv_cmd_audit, "show the audit log (--limit N)"},
    {"publish", srv_cmd_publish, "bring the repository up to date with the database now"},
    {"refresh", srv_cmd_refresh, "re-sign metadata that expires soon (--force: now)"},
    {"status", srv_cmd_status, "metadata versions, expiry dates, counts"},
    {"root", srv_cmd_root, "root keys: `root rotate`, `root keygen FILE`"},
    {"key", srv_cmd_key, "online keys: `key rotate ROLE --root-key FILE...`"},
};

static void usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: mstore-server [--dir DIR] [--json] COMMAND [ARGS]\n\n"
                 "The Motion Store cloud store. DIR is the store folder (default "
                 "$MSTORE_SERVER_DIR).\n\nCommands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nExit codes: 0 success, 1 failure, 2 usage error. docs/store-server.md has "
                 "the details.\n");
}

int srv_cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "mstore-server %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (*srv_errmsg())
        fprintf(stderr, ": %s", srv_errmsg());
    fputc('\n', stderr);
    return SRV_EXIT_FAIL;
}

int srv_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "mstore-server %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try `mstore-server --help`)\n");
    return SRV_EXIT_USAGE;
}

int srv_cli_open(srv_store **out, const srv_cli *cli, const char *cmd)
{
    if (!cli->dir) {
        srv_cli_usage(cmd, "no store folder: give --dir DIR or set MSTORE_SERVER_DIR");
        return SRV_EINVAL;
    }
    if (srv_store_open(out, cli->dir) != SRV_OK) {
        srv_cli_fail(cmd, "cannot open the store");
        return SRV_ERROR;
    }
    return SRV_OK;
}

void srv_cli_print_json(json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_SORT_KEYS);

    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(value);
}

int main(int argc, char **argv)
{
    static char actor[128];
    srv_cli cli = {getenv("MSTORE_SERVER_DIR"), false, NULL};
    const char *user = getenv("SUDO_USER");
    int i = 1;
    size_t c;

    if (!user || !*user)
        user = getenv("USER");
    snprintf(actor, sizeof(actor), "admin:%s", user && *user ? user : "unknown");
    cli.actor = actor;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            cli.dir = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--json") == 0) {
            cli.json = true;
            i++;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return SRV_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("mstore-server %s\n", mpk_version());
            return SRV_EXIT_OK;
        } else {
            fprintf(stderr, "mstore-server: unknown option '%s' (try --help)\n", argv[i]);
            return SRV_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return SRV_EXIT_USAGE;
    }
    for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
        if (strcmp(argv[i], commands[c].name) == 0)
            return commands[c].run(&cli, argc - i, argv + i);
    fprintf(stderr, "mstore-server: unknown command '%s' (try --help)\n", argv[i]);
    return SRV_EXIT_USAGE;
}
