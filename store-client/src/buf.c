/* A growable byte buffer with a hard maximum, for everything built from outside data. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void mstore__buf_init(mstore__buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

int mstore__buf_append(mstore__buf *b, const void *data, size_t len)
{
    if (len > b->max || b->len > b->max - len)
        return mstore__error(MSTORE_ELIMIT, "more than %zu bytes", b->max);
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p)
            return mstore__error(MSTORE_ENOMEM, "out of memory");
        b->data = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return MSTORE_OK;
}

int mstore__buf_reserve(mstore__buf *b, size_t len)
{
    char *p;

    if (len > b->max || b->len > b->max - len)
        return mstore__error(MSTORE_ELIMIT, "more than %zu bytes", b->max);
    if (b->len + len + 1 <= b->cap)
        return MSTORE_OK;
    p = realloc(b->data, b->len + len + 1);
    if (!p)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    b->data = p;
    b->cap = b->len + len + 1;
    b->data[b->len] = '\0';
    return MSTORE_OK;
}

int mstore__buf_puts(mstore__buf *b, const char *s)
{
    return mstore__buf_append(b, s, strlen(s));
}

char *mstore__buf_take(mstore__buf *b, size_t *len)
{
    char *out = b->data;

    if (!out)
        out = calloc(1, 1);
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return out;
}

void mstore__buf_free(mstore__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
