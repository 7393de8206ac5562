/* mstore-server command line: shared pieces of the command files. */
#ifndef SRV_CLI_H
#define SRV_CLI_H

#include <stdbool.h>

#include <jansson.h>

#include "store.h"

#define SRV_EXIT_OK    0
#define SRV_EXIT_FAIL  1
#define SRV_EXIT_USAGE 2

/** Options every command understands. */
typedef struct srv_cli {
    const char *dir;   /**< --dir DIR, else $MSTORE_SERVER_DIR */
    bool json;         /**< --json output */
    const char *actor; /**< "admin:<user>" for the audit log */
} srv_cli;

/** Prints "mstore-server CMD: message: context" and returns SRV_EXIT_FAIL. */
int srv_cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Prints a usage error and returns SRV_EXIT_USAGE. */
int srv_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Opens the store named by --dir. Prints the error itself. */
int srv_cli_open(srv_store **out, const srv_cli *cli, const char *cmd);

/** Prints JSON (consumed) to stdout, indented. */
void srv_cli_print_json(json_t *value);

int srv_cmd_init(const srv_cli *cli, int argc, char **argv);
int srv_cmd_serve(const srv_cli *cli, int argc, char **argv);
int srv_cmd_developer(const srv_cli *cli, int argc, char **argv);
int srv_cmd_token(const srv_cli *cli, int argc, char **argv);
int srv_cmd_review(const srv_cli *cli, int argc, char **argv);
int srv_cmd_uploads(const srv_cli *cli, int argc, char **argv);
int srv_cmd_yank(const srv_cli *cli, int argc, char **argv);
int srv_cmd_audit(const srv_cli *cli, int argc, char **argv);
int srv_cmd_publish(const srv_cli *cli, int argc, char **argv);
int srv_cmd_refresh(const srv_cli *cli, int argc, char **argv);
int srv_cmd_status(const srv_cli *cli, int argc, char **argv);
int srv_cmd_root(const srv_cli *cli, int argc, char **argv);
int srv_cmd_key(const srv_cli *cli, int argc, char **argv);

#endif
