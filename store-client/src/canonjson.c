/* Canonical JSON (OLPC dialect as used by TUF): the bytes that metadata is signed over. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mstore/canonjson.h"

/* Deeper documents are refused; jansson's own parser stops at 2048 levels already. */
#define CANON_MAX_DEPTH 2048

static int put_string(mstore__buf *b, const char *s, size_t len)
{
    size_t start = 0;
    int error;

    if ((error = mstore__buf_append(b, "\"", 1)) < 0)
        return error;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '"' && s[i] != '\\')
            continue;
        if ((error = mstore__buf_append(b, s + start, i - start)) < 0 ||
            (error = mstore__buf_append(b, "\\", 1)) < 0)
            return error;
        start = i;
    }
    if ((error = mstore__buf_append(b, s + start, len - start)) < 0)
        return error;
    return mstore__buf_append(b, "\"", 1);
}

static int cmp_keys(const void *a, const void *b)
{
    /* UTF-8 byte order equals code point order, which is what Python's sorted() uses. */
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int encode(mstore__buf *b, const json_t *v, int depth)
{
    char num[32];
    int error = MSTORE_OK;

    if (depth > CANON_MAX_DEPTH)
        return mstore__error(MSTORE_ELIMIT, "JSON nested more than %d levels", CANON_MAX_DEPTH);
    switch (json_typeof(v)) {
    case JSON_NULL:
        return mstore__buf_puts(b, "null");
    case JSON_TRUE:
        return mstore__buf_puts(b, "true");
    case JSON_FALSE:
        return mstore__buf_puts(b, "false");
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return mstore__buf_puts(b, num);
    case JSON_REAL:
        return mstore__error(MSTORE_EFORMAT, "canonical JSON has no floating-point numbers");
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_ARRAY: {
        if ((error = mstore__buf_append(b, "[", 1)) < 0)
            return error;
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i > 0 && (error = mstore__buf_append(b, ",", 1)) < 0)
                return error;
            if ((error = encode(b, json_array_get(v, i), depth + 1)) < 0)
                return error;
        }
        return mstore__buf_append(b, "]", 1);
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = NULL;
        const char *key;
        json_t *value;

        if (n > 0) {
            keys = malloc(n * sizeof(*keys));
            if (!keys)
                return mstore__error(MSTORE_ENOMEM, "out of memory");
        }
        json_object_foreach((json_t *)v, key, value)
        {
            (void)value;
            keys[i++] = key;
        }
        if (n > 1)
            qsort(keys, n, sizeof(*keys), cmp_keys);
        if ((error = mstore__buf_append(b, "{", 1)) < 0)
            goto obj_out;
        for (i = 0; i < n; i++) {
            if (i > 0 && (error = mstore__buf_append(b, ",", 1)) < 0)
                goto obj_out;
            if ((error = put_string(b, keys[i], strlen(keys[i]))) < 0 ||
                (error = mstore__buf_append(b, ":", 1)) < 0 ||
                (error = encode(b, json_object_get(v, keys[i]), depth + 1)) < 0)
                goto obj_out;
        }
        error = mstore__buf_append(b, "}", 1);
    obj_out:
        free(keys);
        return error;
    }
    }
    return mstore__error(MSTORE_EFORMAT, "unknown JSON value");
}

int mstore_canonjson_encode(char **out, size_t *len, const json_t *value)
{
    mstore__buf b;
    int error;

    if (!out || !value)
        return mstore__error(MSTORE_EINVAL, "canonical JSON: no value");
    mstore__buf_init(&b, MSTORE_CANONJSON_MAX);
    if ((error = encode(&b, value, 0)) < 0) {
        mstore__buf_free(&b);
        return error;
    }
    *out = mstore__buf_take(&b, len);
    if (!*out)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

int mstore_json_parse(json_t **out, const char *text, size_t text_len, const char *what)
{
    json_error_t jerr;
    json_t *v;

    if (!out || (!text && text_len))
        return mstore__error(MSTORE_EINVAL, "%s: no text", what ? what : "JSON");
    /* Duplicate keys would let two readers see different values; NUL in strings is refused by
     * default (no JSON_ALLOW_NUL), and anything after the value but whitespace is an error. */
    v = json_loadb(text ? text : "", text_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!v)
        return mstore__error(MSTORE_EFORMAT, "%s: invalid JSON at line %d column %d: %s",
                             what ? what : "JSON", jerr.line, jerr.column, jerr.text);
    *out = v;
    return MSTORE_OK;
}

int mstore_canonjson_from_text(char **out, size_t *len, const char *text, size_t text_len)
{
    json_t *v = NULL;
    int error;

    if ((error = mstore_json_parse(&v, text, text_len, "JSON")) < 0)
        return error;
    error = mstore_canonjson_encode(out, len, v);
    json_decref(v);
    return error;
}
