/* libFuzzer harness: manifest.json parsing and validation (mpk_manifest_parse). A manifest that
 * parses must serialise, and the serialised text must parse to the same bytes again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpk/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mpk_manifest *m = NULL, *again = NULL;
    char *text = NULL, *text2 = NULL;
    size_t len = 0, len2 = 0;

    if (mpk_manifest_parse(&m, (const char *)data, size) != MPK_OK)
        return 0;
    if (mpk_manifest_serialize(&text, &len, m) != MPK_OK)
        abort(); /* a valid manifest always serialises */
    if (mpk_manifest_parse(&again, text, len) != MPK_OK ||
        mpk_manifest_serialize(&text2, &len2, again) != MPK_OK || len != len2 ||
        memcmp(text, text2, len) != 0)
        abort(); /* serialisation is a fixed point */
    (void)mpk_text_get(m->names, m->name_count, "zh-Hans");
    (void)mpk_manifest_motion(m, "wave");
    free(text);
    free(text2);
    mpk_manifest_free(again);
    mpk_manifest_free(m);
    return 0;
}
