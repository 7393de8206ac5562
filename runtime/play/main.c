/* motion-play: the way a developer tries a motion without a robot (docs/runtime.md). */
#include "play.h"

int main(int argc, char **argv)
{
    play_options opts;
    int rc = play_parse_args(&opts, argc, argv);

    if (rc < 0)
        return PLAY_EXIT_OK; /* --help */
    if (rc != PLAY_EXIT_OK)
        return rc;
    return play_run(&opts);
}
