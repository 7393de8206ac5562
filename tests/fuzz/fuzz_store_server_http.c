/*
 * libFuzzer harness for what mstore-server parses from a request before touching a file: the
 * percent-decoding of the path, the repository path check, and the Range header.
 * Input: "RANGE\nPATH"; the file size is the input length times 97.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t range_len = nl ? (size_t)(nl - data) : size;
    char *range = malloc(range_len + 1), *path = malloc(size - range_len + 1);
    uint64_t start = 0, end = 0, file_size = (uint64_t)size * 97;
    size_t n;
    int rr;

    if (!range || !path)
        abort();
    memcpy(range, data, range_len);
    range[range_len] = '\0';
    n = nl ? size - range_len - 1 : 0;
    memcpy(path, nl ? nl + 1 : data, n);
    path[n] = '\0';

    rr = srv_http_parse_range(&start, &end, range, file_size);
    if (rr == 1 && (start > end || end >= file_size))
        abort(); /* a range the server would send must lie inside the file */
    if (srv_http_unescape(path) > n)
        abort();
    if (srv_path_safe(path) && (strstr(path, "..") == path || strstr(path, "/../") ||
                                path[0] == '/' || strchr(path, '\x01')))
        abort(); /* nothing that climbs out of the repository passes */
    free(range);
    free(path);
    return 0;
}
