/* mpk preview: runs the mpk-preview program (tools/preview) with the same arguments. The SDK links
 * neither SDL nor the runtime; the preview is its own program, found next to this mpk (the build
 * tree's bin/ folder, or the install's bindir) or else on PATH. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

#define PREVIEW_PROGRAM "mpk-preview"

/* The folder of the running mpk, with a trailing '/', or "" when /proc is not there. */
static void own_folder(char *out, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    out[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (!slash)
        return;
    slash[1] = '\0';
    snprintf(out, size, "%s", exe);
}

int mpk_cmd_preview(int argc, char **argv)
{
    char folder[PATH_MAX], sibling[PATH_MAX + sizeof(PREVIEW_PROGRAM)];

    /* argv[0] is "preview": mpk-preview gets the rest as its own arguments. */
    argv[0] = (char *)PREVIEW_PROGRAM;
    own_folder(folder, sizeof(folder));
    if (folder[0] != '\0') {
        snprintf(sibling, sizeof(sibling), "%s%s", folder, PREVIEW_PROGRAM);
        if (access(sibling, X_OK) == 0) {
            execv(sibling, argv);
            fprintf(stderr, "mpk preview: cannot run %s: %s\n", sibling, strerror(errno));
            return MPK_EXIT_FAIL;
        }
    }
    execvp(PREVIEW_PROGRAM, argv);
    fprintf(stderr,
            "mpk preview: cannot run %s: %s (it is built with the SDK into the folder of mpk, "
            "%s; or put it on PATH)\n",
            PREVIEW_PROGRAM, strerror(errno), folder[0] ? folder : "unknown");
    (void)argc;
    return MPK_EXIT_FAIL;
}
