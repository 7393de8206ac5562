/*
 * mpk play: plays a package on the simulated robot through the runtime's real player and safety
 * filter, by running the runtime's own program, motion-play, with the same arguments. The SDK does
 * not link the runtime (libmpk sits below libmotion), so it finds the program next to mpk itself
 * (the build folder and an installation keep them side by side), or else on PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

#define PLAYER "motion-play"

/* The folder of the running mpk, from /proc/self/exe; false if unknown. */
static bool own_folder(char *dir, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", dir, size - 1);
    char *slash;

    if (n <= 0 || (size_t)n >= size - 1)
        return false;
    dir[n] = '\0';
    slash = strrchr(dir, '/');
    if (!slash)
        return false;
    *slash = '\0';
    return true;
}

int mpk_cmd_play(int argc, char **argv)
{
    char dir[PATH_MAX], path[PATH_MAX + sizeof(PLAYER) + 1];
    char **args;
    int i;

    if (argc < 2)
        return mpk_cli_usage("play", "which package? mpk play FILE.mpk [OPTIONS]");
    /* motion-play's own argument list: its name, then everything after "play". */
    args = calloc((size_t)argc + 1, sizeof(*args));
    if (!args)
        return mpk_cli_fail("play", 0, "out of memory");
    args[0] = PLAYER;
    for (i = 1; i < argc; i++)
        args[i] = argv[i];
    args[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    if (own_folder(dir, sizeof(dir))) {
        snprintf(path, sizeof(path), "%s/%s", dir, PLAYER);
        if (access(path, X_OK) == 0) {
            execv(path, args);
            fprintf(stderr, "mpk play: cannot run %s: %s\n", path, strerror(errno));
            free(args);
            return MPK_EXIT_FAIL;
        }
    }
    execvp(PLAYER, args);
    fprintf(stderr,
            "mpk play: cannot run %s (%s): it is neither next to mpk nor on PATH; build or "
            "install the runtime (runtime/)\n",
            PLAYER, strerror(errno));
    free(args);
    return MPK_EXIT_FAIL;
}
