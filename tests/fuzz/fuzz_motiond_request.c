/*
 * libFuzzer harness for motiond's parsers of request data (runtime/motiond/request.c, upload.c):
 * request bodies of every kind, catalog query parameters and upload file names.
 * Input: one byte choosing the request kind, then the body. The same bytes, split at the first
 * '=', also go through the query-parameter parser, and as a whole through the name checks.
 * Whatever is accepted must satisfy what the handlers rely on.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "upload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    md_req r;
    md_search s;
    char err[512], *text, *eq;
    md_req_kind kind;

    if (size < 1)
        return 0;
    kind = (md_req_kind)(data[0] % (MD_REQ_EMPTY + 1));
    if (md_req_parse(&r, kind, (const char *)data + 1, size - 1, err, sizeof(err)) == 0) {
        if (kind == MD_REQ_PLAY && !md_valid_id(r.id))
            abort();
        if (*r.motion && !md_valid_motion(r.motion))
            abort();
        if (r.loops < 0 || r.loops > MD_LOOPS_MAX)
            abort();
        if (r.has_speed && !(r.speed >= 0.1 && r.speed <= 2.0))
            abort();
        if (kind == MD_REQ_PAIR && strspn(r.code, "0123456789") != 6)
            abort();
        if (kind == MD_REQ_PAIR && !md_valid_text(r.name, MD_NAME_MAX))
            abort();
    } else if (!*err) {
        abort(); /* a refusal always says why */
    }
    text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    memset(&s, 0, sizeof(s));
    eq = strchr(text, '=');
    if (eq) {
        *eq = '\0';
        if (md_search_param(&s, text, eq + 1, err, sizeof(err)) == 0 &&
            (!md_valid_text(s.q, MD_QUERY_MAX) || strlen(s.category) > 32 || strlen(s.lang) > 16))
            abort();
        *eq = '=';
    }
    if (md_upload_name_ok(text) && (strchr(text, '/') || text[0] == '.' || strlen(text) > 128))
        abort();
    free(text);
    return 0;
}
