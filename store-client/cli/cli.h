/* The mstore program: shared pieces of its files. */
#ifndef MSTORE_CLI_H
#define MSTORE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "mstore/mstore.h"

/* Exit codes (docs/mstore.md). */
enum {
    EXIT_OK = 0,
    EXIT_FAIL = 1,      /* anything not below */
    EXIT_USAGE = 2,     /* bad command line */
    EXIT_NOTFOUND = 3,  /* no such package, version, file or catalog */
    EXIT_SECURITY = 4,  /* signature, hash, length, rollback, expiry: the store's data is bad */
    EXIT_NETWORK = 5,   /* network error or timeout */
    EXIT_BUSY = 6,      /* another installer holds the lock */
    EXIT_INCOMPAT = 7,  /* not for this robot model or runtime version */
    EXIT_NOSPACE = 8,   /* not enough disk space */
    EXIT_BADPKG = 9,    /* malformed package or data, or a limit exceeded */
    EXIT_CANCELED = 10, /* interrupted (SIGINT, SIGTERM) */
};

int cli_exit_code(int mstore_rc);

/* Output: text to stdout, or one JSON document with --json. */
typedef struct cli_out {
    bool json;
    bool quiet;
} cli_out;

/* Prints an error (text on stderr, or {"error": ...} on stdout with --json). */
void cli_error(const cli_out *o, const char *command, int rc);
/* Prints a JSON value to stdout (steals the reference). */
void cli_json(json_t *v);

/* Progress bar on a terminal. */
typedef struct cli_progress cli_progress;
cli_progress *cli_progress_new(bool enabled);
int cli_progress_cb(void *ctx, const char *id, mstore_phase phase, uint64_t done, uint64_t total);
void cli_progress_finish(cli_progress *p);

#endif
