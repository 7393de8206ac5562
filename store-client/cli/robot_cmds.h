/* mstore play, stop and status: commands to the robot daemon, motiond. They speak the phone's
 * HTTP API (docs/bridge-api.md) over its Unix socket with libcurl; neither this CLI nor the store
 * client library includes anything of the runtime. */
#ifndef MSTORE_CLI_ROBOT_CMDS_H
#define MSTORE_CLI_ROBOT_CMDS_H

#include <stdbool.h>

#include "cli.h"

/** @return true for "play", "stop" and "status". */
bool cli_robot_command(const char *cmd);

/**
 * Runs one of them. argv holds the command's own arguments.
 * @param root the global --root (NULL: $MSTORE_ROOT, else "/"), which locates the socket
 * @return an exit code
 */
int cli_robot_run(const char *cmd, int argc, char **argv, const char *root, const cli_out *out);

#endif
