/* Pieces shared by the package commands (keygen, build, inspect, verify, export-csv). */
#ifndef MPK_CMD_PACKAGE_H
#define MPK_CMD_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>

/**
 * Like mpk_cli_fail(), but an error in what a package or track contains (format, limits,
 * signature, hashes, validation) exits with MPK_EXIT_INVALID; I/O and the rest with
 * MPK_EXIT_FAIL.
 */
int mpk_cli_package_fail(const char *cmd, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Writes data to path atomically, or to stdout when path is NULL or "-". */
int mpk_cli_write_output(const char *cmd, const char *path, const void *data, size_t size);

/** True if the file starts like a zip (a package) rather than a motion track ("MPKT"). */
bool mpk_cli_looks_like_package(const char *path);

#endif
