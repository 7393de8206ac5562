/* mpk keygen: makes a developer signing key (ECDSA P-256): KEY (private, 0600) and KEY.pub. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "mpk/mpk.h"

#define DEFAULT_KEY "mpk.key"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mpk keygen [-o KEY]\n\n"
            "Creates a signing key for packages (ECDSA P-256): KEY holds the private key\n"
            "(PEM, mode 0600; keep it secret) and KEY.pub the public key. Prints the key id\n"
            "(hex SHA-256 of the public key) on standard output. Never overwrites a key.\n\n"
            "  -o, --output KEY   where to write the private key (default: " DEFAULT_KEY ")\n\n"
            "Exit codes: 0 created, 1 failure (KEY or KEY.pub exists, I/O), 2 usage.\n");
}

int mpk_cmd_keygen(int argc, char **argv)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *path = DEFAULT_KEY;
    char id[MPK_KEY_ID_LEN + 1], *pub = NULL;
    mpk_key *key = NULL;
    struct stat st;
    int c, error, rc = MPK_EXIT_FAIL;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            path = optarg;
            break;
        case 'h':
            usage(stdout);
            return MPK_EXIT_OK;
        default:
            return mpk_cli_usage("keygen", "unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return mpk_cli_usage("keygen", "unexpected argument '%s'", argv[optind]);
    if (asprintf(&pub, "%s.pub", path) < 0)
        return mpk_cli_fail("keygen", 0, "out of memory");
    /* Both names must be free before anything is written. */
    if (stat(path, &st) == 0 || stat(pub, &st) == 0) {
        fprintf(stderr, "mpk keygen: %s already exists; not overwriting a key\n",
                stat(path, &st) == 0 ? path : pub);
        goto out;
    }
    error = mpk_key_generate(&key);
    if (!error)
        error = mpk_key_id(id, key);
    if (error) {
        rc = mpk_cli_fail("keygen", error, "cannot generate a key");
        goto out;
    }
    error = mpk_key_save_private(key, path);
    if (error) {
        rc = mpk_cli_fail("keygen", error, "cannot write the private key");
        goto out;
    }
    error = mpk_key_save_public(key, pub);
    if (error) {
        rc = mpk_cli_fail("keygen", error, "cannot write the public key");
        goto out;
    }
    fprintf(stderr, "mpk keygen: wrote %s (private: keep it secret) and %s\n", path, pub);
    printf("%s\n", id);
    rc = MPK_EXIT_OK;
out:
    mpk_key_free(key);
    free(pub);
    return rc;
}
