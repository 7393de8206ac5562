/* libFuzzer harness for the reader of runtime recordings (motion/record.h). */
#include <stddef.h>
#include <stdint.h>

#include "motion/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    motion_record_reader *r = NULL;
    motion_record_entry e;
    int n = 0;

    if (motion_record_open_buffer(&r, data, size) != MOTION_OK)
        return 0;
    while (motion_record_next(r, &e) == 1 && n < 100000)
        n++;
    motion_record_close(r);
    return 0;
}
