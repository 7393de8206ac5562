/* libFuzzer harness: keyframe files (mpk_keyframes_parse). The first input byte picks the robot
 * model. A file that parses must hit its keyframes exactly, sample into a track that passes the
 * format's checks (finite, within limits: keyframes are, and minjerk/linear stay between them;
 * cubic may overshoot, so only finiteness is required of it), serialise and parse back to the
 * same keyframes, and go through validation without crashing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpk/mpk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RATE 5.0 /* low, so that an hour-long motion stays small */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mpk_robot_model *model;
    mpk_keyframes *kf = NULL, *back = NULL;
    mpk_findings *findings = NULL;
    mpk_track *track = NULL;
    double q[MPK_TRACK_MAX_JOINTS];
    char *text = NULL;
    size_t k, n = 0;
    int j;

    if (size < 1)
        return 0;
    model = mpk_robot_at(data[0] % mpk_robot_count());
    if (mpk_keyframes_parse(&kf, (const char *)data + 1, size - 1, model) != MPK_OK)
        return 0;
    for (k = 0; k < mpk_keyframes_count(kf); k++) {
        if (mpk_keyframes_eval(q, NULL, kf, mpk_keyframes_time(kf, k)) != MPK_OK)
            abort();
        for (j = 0; j < mpk_keyframes_joint_count(kf); j++)
            if (q[j] != mpk_keyframes_value(kf, k, j))
                abort(); /* keyframes are hit exactly */
    }
    if (mpk_keyframes_sample(&track, kf, RATE) == MPK_OK) {
        const float *p = mpk_track_positions_const(track);
        size_t i, total = (size_t)mpk_track_frame_count(track) * mpk_track_joint_count(track);
        for (i = 0; i < total; i++)
            if (!isfinite(p[i]))
                abort();
        if (mpk_validate_track(&findings, track, model, MPK_PERM_FULL_BODY, NULL) != MPK_OK)
            abort();
    }
    if (mpk_keyframes_serialize(&text, &n, kf) != MPK_OK ||
        mpk_keyframes_parse(&back, text, n, model) != MPK_OK ||
        mpk_keyframes_count(back) != mpk_keyframes_count(kf))
        abort(); /* what we write, we read */
    for (k = 0; k < mpk_keyframes_count(kf); k++)
        if (mpk_keyframes_time(back, k) != mpk_keyframes_time(kf, k))
            abort();
    free(text);
    mpk_findings_free(findings);
    mpk_track_free(track);
    mpk_keyframes_free(back);
    mpk_keyframes_free(kf);
    return 0;
}
