/* libFuzzer harness: Unitree retargeted CSVs (mpk_import_unitree_csv). The first input byte picks
 * the robot model (low bits) and options (upper body only, a trim). A CSV that imports must give a
 * track of finite positions with unit root quaternions, that the binary format takes back, and
 * that validation goes through without crashing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpk/mpk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mpk_robot_model *model;
    mpk_import_options o;
    mpk_findings *findings = NULL;
    mpk_track *t = NULL, *back = NULL;
    void *bin = NULL;
    size_t n = 0, i;
    uint32_t f;

    if (size < 1)
        return 0;
    model = mpk_robot_at((data[0] & 7) % mpk_robot_count());
    mpk_import_options_init(&o);
    o.rate = 10; /* keeps long CSVs small */
    if (data[0] & 0x10)
        o.joints = MPK_IMPORT_UPPER_BODY;
    if (data[0] & 0x20) {
        o.trim_start = 0.1;
        o.trim_end = 0.5;
    }
    if (mpk_import_unitree_csv(&t, (const char *)data + 1, size - 1, model, &o) != MPK_OK)
        return 0;
    for (i = 0; i < (size_t)mpk_track_frame_count(t) * mpk_track_joint_count(t); i++)
        if (!isfinite(mpk_track_positions_const(t)[i]))
            abort();
    for (f = 0; f < mpk_track_frame_count(t); f++) {
        const float *r = mpk_track_root_const(t) + (size_t)f * 7;
        double len = sqrt((double)r[3] * r[3] + (double)r[4] * r[4] + (double)r[5] * r[5] +
                          (double)r[6] * r[6]);
        if (fabs(len - 1) > 1e-3)
            abort();
    }
    if (mpk_track_serialize(&bin, &n, t) != MPK_OK || mpk_track_parse(&back, bin, n) != MPK_OK)
        abort();
    if (mpk_validate_track(&findings, t, model, 0, NULL) != MPK_OK)
        abort();
    free(bin);
    mpk_findings_free(findings);
    mpk_track_free(back);
    mpk_track_free(t);
    return 0;
}
