/* The programs mpk runs instead of linking them (mpk-preview, motion-play): found next to the
 * running mpk (the build tree's bin/, an installation's bindir), else on PATH. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

bool cli_find_program(char *out, size_t size, const char *name)
{
    char exe[PATH_MAX], *slash;
    const char *path = getenv("PATH"), *p;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            if ((size_t)snprintf(out, size, "%s/%s", exe, name) < size && access(out, X_OK) == 0)
                return true;
        }
    }
    for (p = path; p && *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 0 && (size_t)snprintf(out, size, "%.*s/%s", (int)len, p, name) < size &&
            access(out, X_OK) == 0)
            return true;
        p = colon ? colon + 1 : NULL;
    }
    return false;
}

int mpk_cli_exec(const char *cmd, const char *program, char **argv, const char *hint)
{
    char path[PATH_MAX];

    argv[0] = (char *)program;
    fflush(stdout);
    fflush(stderr);
    if (!cli_find_program(path, sizeof(path), program)) {
        fprintf(stderr, "mpk %s: cannot run %s: it is neither next to mpk nor on PATH (%s)\n", cmd,
                program, hint);
        return MPK_EXIT_FAIL;
    }
    execv(path, argv);
    fprintf(stderr, "mpk %s: cannot run %s: %s\n", cmd, path, strerror(errno));
    return MPK_EXIT_FAIL;
}
