/* Exit codes and error output of mstore. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cli_exit_code(int rc)
{
    switch (rc) {
    case MSTORE_OK:
        return EXIT_OK;
    case MSTORE_EINVAL:
        return EXIT_USAGE;
    case MSTORE_ENOTFOUND:
        return EXIT_NOTFOUND;
    case MSTORE_ESIGNATURE:
    case MSTORE_EHASH:
    case MSTORE_ELENGTH:
    case MSTORE_EROLLBACK:
    case MSTORE_EVERSION:
    case MSTORE_EEXPIRED:
        return EXIT_SECURITY;
    case MSTORE_ENETWORK:
    case MSTORE_ETIMEOUT:
        return EXIT_NETWORK;
    case MSTORE_EBUSY:
        return EXIT_BUSY;
    case MSTORE_EUNSUPPORTED:
        return EXIT_INCOMPAT;
    case MSTORE_ENOSPACE:
        return EXIT_NOSPACE;
    case MSTORE_EFORMAT:
    case MSTORE_ELIMIT:
        return EXIT_BADPKG;
    case MSTORE_ECANCELED:
        return EXIT_CANCELED;
    default:
        return EXIT_FAIL;
    }
}

void cli_json(json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);

    if (text) {
        puts(text);
        free(text);
    }
    json_decref(v);
}

void cli_error(const cli_out *o, const char *command, int rc)
{
    const char *msg = mstore_error_message();

    if (o->json) {
        cli_json(json_pack("{s:{s:s, s:s, s:s, s:i}}", "error", "command", command, "code",
                           mstore_error_name(rc), "message", *msg ? msg : mstore_strerror(rc),
                           "exit", cli_exit_code(rc)));
        return;
    }
    fprintf(stderr, "mstore %s: %s%s%s\n", command, mstore_strerror(rc), *msg ? ": " : "", msg);
}
