/*
 * mpk play: plays a package on the simulated robot through the runtime's real player and safety
 * filter, by running the runtime's own program, motion-play, with the same arguments. The SDK does
 * not link the runtime (libmpk sits below libmotion), so it finds the program next to mpk itself
 * (the build folder and an installation keep them side by side), or else on PATH.
 */

#include "cli.h"
#include "commands.h"

int mpk_cmd_play(int argc, char **argv)
{
    if (argc < 2)
        return mpk_cli_usage("play", "which package? mpk play FILE.mpk [OPTIONS]");
    /* motion-play's own argument list: its name, then everything after "play". */
    return mpk_cli_exec("play", "motion-play", argv, "build or install the runtime, runtime/");
}
