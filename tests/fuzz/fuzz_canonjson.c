/* libFuzzer harness: canonical JSON. Whatever is accepted must encode to canonical text that,
 * when it is JSON at all (canonical form writes control characters raw, which JSON forbids),
 * parses again and encodes to the very same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mstore/canonjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *first = NULL, *second = NULL;
    size_t len1 = 0, len2 = 0;

    if (mstore_canonjson_from_text(&first, &len1, (const char *)data, size) != MSTORE_OK)
        return 0;
    if (strlen(first) != len1)
        abort(); /* no NUL can reach canonical text */
    for (size_t i = 0; i < len1; i++)
        if ((unsigned char)first[i] < 0x20) {
            free(first);
            return 0;
        }
    if (mstore_canonjson_from_text(&second, &len2, first, len1) != MSTORE_OK)
        abort();
    if (len1 != len2 || memcmp(first, second, len1) != 0)
        abort();
    free(first);
    free(second);
    return 0;
}
