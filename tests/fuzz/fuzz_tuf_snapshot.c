/* libFuzzer harness: TUF snapshot metadata as libmstore parses it (tuf_fuzz.h has the checks). */
#include <stddef.h>
#include <stdint.h>

#include "tuf_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tuf_fuzz_metadata(data, size, MSTORE_ROLE_SNAPSHOT);
    return 0;
}
