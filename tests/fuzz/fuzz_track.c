/* libFuzzer harness: motion tracks, binary (mpk_track_parse) and CSV (mpk_track_from_csv). A
 * track that parses must round-trip exactly through both forms, and checking it against a model
 * must not crash. The first input byte picks the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpk/robot.h"
#include "mpk/track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(mpk_track *t)
{
    void *bin = NULL, *bin2 = NULL;
    char *csv = NULL;
    size_t n = 0, n2 = 0, c = 0;
    mpk_track *back = NULL, *from_csv = NULL;
    const mpk_robot_model *model = mpk_robot_find(mpk_track_robot(t));

    if (mpk_track_serialize(&bin, &n, t) != MPK_OK || mpk_track_parse(&back, bin, n) != MPK_OK)
        abort();
    if (mpk_track_to_csv(&csv, &c, back) != MPK_OK ||
        mpk_track_from_csv(&from_csv, csv, c, mpk_track_robot(back)) != MPK_OK ||
        mpk_track_serialize(&bin2, &n2, from_csv) != MPK_OK || n != n2 || memcmp(bin, bin2, n))
        abort(); /* CSV export then import is exact */
    if (model)
        (void)mpk_track_check(back, model);
    (void)mpk_track_check(back, mpk_robot_at(0));
    free(bin);
    free(bin2);
    free(csv);
    mpk_track_free(back);
    mpk_track_free(from_csv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mpk_track *t = NULL;
    int rc;

    if (size < 1)
        return 0;
    if (data[0] & 1)
        rc = mpk_track_from_csv(&t, (const char *)data + 1, size - 1, "g1-29dof");
    else
        rc = mpk_track_parse(&t, data + 1, size - 1);
    if (rc == MPK_OK)
        round_trip(t);
    mpk_track_free(t);
    return 0;
}
