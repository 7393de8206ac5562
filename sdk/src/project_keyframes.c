/* The "keyframes" motion source: {"type": "keyframes", "file": "motions/wave.json"} and an
 * optional "rate" (else the project's), sampled into a track (mpk/keyframes.h). */
#include <stdlib.h>

#include "internal.h"
#include "project_source.h"
#include "mpk/keyframes.h"

const char *const mpk__keyframes_keys[] = {"file", "rate", NULL};

int mpk__load_keyframes(mpk_track **out, const mpk__source_ctx *ctx, const json_t *source)
{
    mpk_keyframes *kf = NULL;
    char *path = NULL;
    double rate = 0;
    int error;

    error = mpk__source_rate(&rate, ctx, source);
    if (!error)
        error = mpk__source_file(&path, ctx, source, "file");
    if (!error)
        error = mpk_keyframes_read_file(&kf, path, ctx->model); /* names the file itself */
    if (!error) {
        error = mpk_keyframes_sample(out, kf, rate);
        if (error)
            mpk__error_prefix(error, "%s", path);
    }
    mpk_keyframes_free(kf);
    free(path);
    return error;
}
