/* A writer for the JSON files people edit by hand (mpk-project.json, keyframe files): `mpk init`,
 * `mpk import`, `mpk retime` and friends rewrite them, so the result must stay readable and must
 * not change any number it did not mean to change. jansson's own dumper prints 0.1 as
 * 0.10000000000000001, hence this one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_util.h"
#include "package_internal.h"

#define WIDTH 100 /* a container fits on one line when it ends before this column */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool failed;
} buf;

static void grow(buf *b, size_t more)
{
    size_t cap = b->cap ? b->cap : 256;
    char *p;

    if (b->failed || b->len + more + 1 <= b->cap)
        return;
    while (cap < b->len + more + 1)
        cap *= 2;
    p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void add(buf *b, const char *s, size_t n)
{
    grow(b, n);
    if (b->failed)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void adds(buf *b, const char *s)
{
    add(b, s, strlen(s));
}

static void indent(buf *b, int level)
{
    int i;

    for (i = 0; i < level; i++)
        add(b, "  ", 2);
}

static void scalar(buf *b, const json_t *v)
{
    char num[64];

    switch (json_typeof(v)) {
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        adds(b, num);
        break;
    case JSON_REAL:
        mpk__format_double(num, sizeof(num), json_real_value(v));
        /* Keep it a real for readers that care ("2" would come back as an integer). */
        if (!strpbrk(num, ".eEn"))
            strcat(num, ".0");
        adds(b, num);
        break;
    case JSON_TRUE:
        adds(b, "true");
        break;
    case JSON_FALSE:
        adds(b, "false");
        break;
    case JSON_NULL:
        adds(b, "null");
        break;
    case JSON_STRING: {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        if (!s) {
            b->failed = true;
            return;
        }
        adds(b, s);
        free(s);
        break;
    }
    default:
        break;
    }
}

static void compact(buf *b, const json_t *v)
{
    const char *key;
    json_t *item;
    size_t i, n = 0;

    if (json_is_object(v)) {
        adds(b, "{");
        json_object_foreach((json_t *)v, key, item)
        {
            json_t *k = json_string(key);
            if (n++)
                adds(b, ", ");
            if (!k) {
                b->failed = true;
                return;
            }
            scalar(b, k);
            json_decref(k);
            adds(b, ": ");
            compact(b, item);
        }
        adds(b, "}");
    } else if (json_is_array(v)) {
        adds(b, "[");
        json_array_foreach(v, i, item)
        {
            if (i)
                adds(b, ", ");
            compact(b, item);
        }
        adds(b, "]");
    } else {
        scalar(b, v);
    }
}

/* Whether the one-line form of v, starting at column, ends within WIDTH. */
static bool fits(const json_t *v, size_t column)
{
    buf t = {0};
    bool ok;

    compact(&t, v);
    ok = !t.failed && column + t.len <= WIDTH;
    free(t.p);
    return ok;
}

static void pretty(buf *b, const json_t *v, int level, size_t column)
{
    const char *key;
    json_t *item;
    size_t i, n;

    if ((!json_is_object(v) && !json_is_array(v)) || fits(v, column)) {
        compact(b, v);
        return;
    }
    n = json_is_object(v) ? json_object_size(v) : json_array_size(v);
    adds(b, json_is_object(v) ? "{\n" : "[\n");
    i = 0;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, item)
        {
            json_t *k = json_string(key);
            size_t start;

            if (!k) {
                b->failed = true;
                return;
            }
            indent(b, level + 1);
            start = b->len;
            scalar(b, k);
            json_decref(k);
            adds(b, ": ");
            pretty(b, item, level + 1, (size_t)(level + 1) * 2 + (b->len - start));
            adds(b, ++i < n ? ",\n" : "\n");
        }
    } else {
        json_array_foreach(v, i, item)
        {
            indent(b, level + 1);
            pretty(b, item, level + 1, (size_t)(level + 1) * 2);
            adds(b, i + 1 < n ? ",\n" : "\n");
        }
    }
    indent(b, level);
    adds(b, json_is_object(v) ? "}" : "]");
}

int mpk__json_write_pretty(char **out, size_t *size, const json_t *doc)
{
    buf b = {0};

    pretty(&b, doc, 0, 0);
    adds(&b, "\n");
    if (b.failed) {
        free(b.p);
        return mpk__error(MPK_ENOMEM, "out of memory");
    }
    *out = b.p;
    *size = b.len;
    return MPK_OK;
}
