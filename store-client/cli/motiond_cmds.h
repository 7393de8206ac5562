/* mstore play, stop and status: they talk to motiond over its Unix socket with the phone's API
 * (docs/bridge-api.md); the store client library itself knows nothing of motiond. */
#ifndef MSTORE_CLI_MOTIOND_CMDS_H
#define MSTORE_CLI_MOTIOND_CMDS_H

#include <stdbool.h>

#include "cli.h"

/** @return true for "play", "stop" and "status". */
bool cli_motiond_command(const char *cmd);

/**
 * Runs one of them. argv holds the command's own arguments.
 * @param root the global --root (NULL: $MSTORE_ROOT, else "/"), which locates the socket
 * @return an exit code
 */
int cli_motiond_run(const char *cmd, int argc, char **argv, const char *root, const cli_out *out);

#endif
