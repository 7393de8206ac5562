/* Strict JSON reading helpers: field paths in every message, unknown fields rejected. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "json_util.h"

int mpk__json_parse(json_t **out, const char *data, size_t size)
{
    json_error_t err;
    json_t *root;

    /* Duplicate keys would let two readers see two different manifests: reject them. */
    root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return mpk__error(MPK_EFORMAT, "line %d, column %d: %s", err.line, err.column, err.text);
    *out = root;
    return MPK_OK;
}

void mpk__json_path(char *buf, size_t size, const char *parent, const char *key)
{
    if (parent && *parent)
        snprintf(buf, size, "%s.%s", parent, key);
    else
        snprintf(buf, size, "%s", key);
}

void mpk__json_index(char *buf, size_t size, const char *parent, size_t index)
{
    snprintf(buf, size, "%s[%zu]", parent, index);
}

int mpk__json_check_keys(const json_t *obj, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)obj, key, value)
    {
        const char *const *a;
        char where[MPK__PATH_MAX];

        for (a = allowed; *a; a++)
            if (strcmp(*a, key) == 0)
                break;
        if (!*a) {
            mpk__json_path(where, sizeof(where), path, key);
            return mpk__error(MPK_EFORMAT, "%s: unknown field", where);
        }
    }
    return MPK_OK;
}

int mpk__json_expect_object(const json_t *value, const char *path)
{
    if (!json_is_object(value))
        return mpk__error(MPK_EFORMAT, "%s: must be an object", *path ? path : "(top level)");
    return MPK_OK;
}

/* Looks up key; 1 when present, 0 when absent and optional, <0 when absent and required. */
static int member(const json_t **value, char *where, size_t size, const json_t *obj,
                  const char *parent, const char *key, bool required)
{
    mpk__json_path(where, size, parent, key);
    *value = json_object_get(obj, key);
    if (*value)
        return 1;
    if (required)
        return mpk__error(MPK_EFORMAT, "%s: required", where);
    return 0;
}

int mpk__json_get_string(const char **out, const json_t *obj, const char *parent, const char *key,
                         bool required)
{
    char where[MPK__PATH_MAX];
    const json_t *v;
    int rc = member(&v, where, sizeof(where), obj, parent, key, required);

    if (rc <= 0)
        return rc;
    if (!json_is_string(v))
        return mpk__error(MPK_EFORMAT, "%s: must be a string", where);
    *out = json_string_value(v);
    return MPK_OK;
}

int mpk__json_get_number(double *out, const json_t *obj, const char *parent, const char *key,
                         bool required)
{
    char where[MPK__PATH_MAX];
    const json_t *v;
    int rc = member(&v, where, sizeof(where), obj, parent, key, required);

    if (rc <= 0)
        return rc;
    if (!json_is_number(v))
        return mpk__error(MPK_EFORMAT, "%s: must be a number", where);
    *out = json_number_value(v);
    return MPK_OK;
}

int mpk__json_get_bool(bool *out, const json_t *obj, const char *parent, const char *key,
                       bool required)
{
    char where[MPK__PATH_MAX];
    const json_t *v;
    int rc = member(&v, where, sizeof(where), obj, parent, key, required);

    if (rc <= 0)
        return rc;
    if (!json_is_boolean(v))
        return mpk__error(MPK_EFORMAT, "%s: must be true or false", where);
    *out = json_is_true(v);
    return MPK_OK;
}

int mpk__json_get_int(long long *out, const json_t *obj, const char *parent, const char *key,
                      bool required, long long min, long long max)
{
    char where[MPK__PATH_MAX];
    const json_t *v;
    int rc = member(&v, where, sizeof(where), obj, parent, key, required);
    long long n;

    if (rc <= 0)
        return rc;
    if (!json_is_integer(v))
        return mpk__error(MPK_EFORMAT, "%s: must be an integer", where);
    n = json_integer_value(v);
    if (n < min || n > max)
        return mpk__error(MPK_EFORMAT, "%s: must be between %lld and %lld", where, min, max);
    *out = n;
    return MPK_OK;
}

int mpk__json_get_array(const json_t **out, const json_t *obj, const char *parent, const char *key,
                        bool required, size_t max)
{
    char where[MPK__PATH_MAX];
    const json_t *v;
    int rc = member(&v, where, sizeof(where), obj, parent, key, required);

    *out = NULL;
    if (rc <= 0)
        return rc;
    if (!json_is_array(v))
        return mpk__error(MPK_EFORMAT, "%s: must be an array", where);
    if (json_array_size(v) > max)
        return mpk__error(MPK_ELIMIT, "%s: %zu elements, more than the limit of %zu", where,
                          json_array_size(v), max);
    *out = v;
    return MPK_OK;
}

int mpk__json_get_object(const json_t **out, const json_t *obj, const char *parent, const char *key,
                         bool required)
{
    char where[MPK__PATH_MAX];
    const json_t *v;
    int rc = member(&v, where, sizeof(where), obj, parent, key, required);

    *out = NULL;
    if (rc <= 0)
        return rc;
    if (!json_is_object(v))
        return mpk__error(MPK_EFORMAT, "%s: must be an object", where);
    *out = v;
    return MPK_OK;
}

int mpk__json_set_number(json_t *obj, const char *key, double value)
{
    json_t *v;

    if (value == floor(value) && fabs(value) < 9007199254740992.0)
        v = json_integer((json_int_t)value);
    else
        v = json_real(value);
    if (!v || json_object_set_new(obj, key, v) != 0)
        return mpk__error(MPK_ENOMEM, "out of memory");
    return MPK_OK;
}
