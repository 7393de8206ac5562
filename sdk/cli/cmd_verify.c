/* mpk verify: checks a package's signature, file hashes, entries and tracks. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_package.h"
#include "commands.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mpk verify FILE.mpk [--key PUB | --key-id ID]\n\n"
                 "Verifies a package: the signature over manifest.json by the key in\n"
                 "signature.json, every listed file's size and SHA-256, no unlisted entries, and\n"
                 "every motion track against the manifest and its robot model's limits.\n"
                 "With --key or --key-id the package must also be signed by that key.\n\n"
                 "  -k, --key PUB       public (or private) key file the signer must match\n"
                 "  -i, --key-id ID     key id (64 hex digits) the signer must match\n\n"
                 "Exit codes: 0 valid, 1 cannot read, 2 usage, 3 invalid package.\n");
}

int mpk_cmd_verify(int argc, char **argv)
{
    static const struct option options[] = {{"key", required_argument, NULL, 'k'},
                                            {"key-id", required_argument, NULL, 'i'},
                                            {"help", no_argument, NULL, 'h'},
                                            {0}};
    const char *key_path = NULL, *expected = NULL, *path;
    char id[MPK_KEY_ID_LEN + 1];
    const mpk_manifest *m;
    mpk_package *pkg = NULL;
    int c, error, rc;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "k:i:h", options, NULL)) != -1) {
        switch (c) {
        case 'k':
            key_path = optarg;
            break;
        case 'i':
            expected = optarg;
            break;
        case 'h':
            usage(stdout);
            return MPK_EXIT_OK;
        default:
            return mpk_cli_usage("verify", "unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return mpk_cli_usage("verify",
                             optind == argc ? "FILE.mpk is missing" : "one FILE.mpk only");
    if (key_path && expected)
        return mpk_cli_usage("verify", "give --key or --key-id, not both");
    if (expected && (strlen(expected) != MPK_KEY_ID_LEN ||
                     strspn(expected, "0123456789abcdefABCDEF") != MPK_KEY_ID_LEN))
        return mpk_cli_usage("verify", "--key-id: '%s' is not %d hex digits", expected,
                             MPK_KEY_ID_LEN);
    path = argv[optind];
    if (key_path) {
        mpk_key *key = NULL;
        error = mpk_key_load(&key, key_path);
        if (!error)
            error = mpk_key_id(id, key);
        mpk_key_free(key);
        if (error)
            return mpk_cli_fail("verify", error, "cannot read the key");
        expected = id;
    }
    /* Open errors name the file already; verification errors name the entry and field. */
    error = mpk_package_open(&pkg, path);
    if (error == MPK_ENOTFOUND || error == MPK_EIO)
        return mpk_cli_fail("verify", error, "cannot read the package");
    if (error)
        return mpk_cli_package_fail("verify", error, "INVALID");
    error = mpk_package_verify(pkg, expected);
    if (error) {
        rc = mpk_cli_package_fail("verify", error, "INVALID: %s", path);
        mpk_package_free(pkg);
        return rc;
    }
    m = mpk_package_manifest(pkg);
    printf("%s: OK: %s %s, %zu motion%s, signed by key %s\n", path, m->id, m->version,
           m->motion_count, m->motion_count == 1 ? "" : "s", mpk_package_key_id(pkg));
    mpk_package_free(pkg);
    return MPK_EXIT_OK;
}
