/* Pieces shared by the package commands: exit codes for invalid packages, output files. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_package.h"
#include "internal.h"
#include "mpk/mpk.h"

int mpk_cli_package_fail(const char *cmd, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mpk_cli_vreport(cmd, err, fmt, ap);
    va_end(ap);
    switch (err) {
    case MPK_EFORMAT:
    case MPK_ELIMIT:
    case MPK_EUNSUPPORTED:
    case MPK_ESIGNATURE:
    case MPK_EHASH:
    case MPK_EVALIDATE:
        return MPK_EXIT_INVALID;
    default:
        return MPK_EXIT_FAIL;
    }
}

int mpk_cli_write_output(const char *cmd, const char *path, const void *data, size_t size)
{
    int error;

    if (!path || strcmp(path, "-") == 0) {
        if (fwrite(data, 1, size, stdout) != size || fflush(stdout) != 0) {
            fprintf(stderr, "mpk %s: cannot write to standard output\n", cmd);
            return MPK_EXIT_FAIL;
        }
        return MPK_EXIT_OK;
    }
    /* Atomic: a reader never sees half a file, a failure leaves the old one. */
    error = mpk__write_file_atomic(path, data, size, 0644);
    if (error)
        return mpk_cli_fail(cmd, error, "cannot write the output");
    return MPK_EXIT_OK;
}

bool mpk_cli_looks_like_package(const char *path)
{
    unsigned char magic[4] = {0};
    FILE *f = fopen(path, "rb");
    size_t n;

    if (!f)
        return false;
    n = fread(magic, 1, sizeof(magic), f);
    fclose(f);
    return n == 4 && memcmp(magic, "PK", 2) == 0;
}
