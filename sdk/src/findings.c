/* Lists of validation findings (mpk/validate.h): what the rules found, with the strings each
 * finding points to owned by the list. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "validate_internal.h"

/* Findings of one list are few (one per rule, joint and motion), but a package may hold 256
 * motions of 64 joints: the cap keeps a hostile package from growing the list without end. */
#define MAX_FINDINGS 100000

struct mpk_findings {
    mpk_finding *items;
    size_t count, cap;
    size_t errors, warnings;
};

static const char *const rule_names[] = {"track", "nan",  "limit",    "velocity",  "acceleration",
                                         "jerk",  "jump", "duration", "full-body", "stand"};

const char *mpk_rule_name(mpk_rule rule)
{
    return (unsigned)rule < sizeof(rule_names) / sizeof(rule_names[0]) ? rule_names[rule]
                                                                       : "unknown";
}

int mpk__findings_new(mpk_findings **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? MPK_OK : mpk__error(MPK_ENOMEM, "out of memory");
}

void mpk_findings_free(mpk_findings *list)
{
    size_t i;

    if (!list)
        return;
    for (i = 0; i < list->count; i++) {
        free((char *)list->items[i].motion);
        free((char *)list->items[i].joint);
        free((char *)list->items[i].message);
    }
    free(list->items);
    free(list);
}

int mpk__findings_add(mpk_findings *list, const mpk_finding *f, const char *fmt, ...)
{
    mpk_finding *item;
    va_list ap;
    int n;

    if (list->count >= MAX_FINDINGS)
        return MPK_OK; /* counted no further: the first ones say enough */
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        mpk_finding *items = realloc(list->items, cap * sizeof(*items));
        if (!items)
            return mpk__error(MPK_ENOMEM, "out of memory");
        list->items = items;
        list->cap = cap;
    }
    item = &list->items[list->count];
    *item = *f;
    item->motion = mpk__strdup(f->motion);
    item->joint = mpk__strdup(f->joint);
    va_start(ap, fmt);
    n = vasprintf((char **)&item->message, fmt, ap);
    va_end(ap);
    if (n < 0)
        item->message = NULL;
    if ((f->motion && !item->motion) || (f->joint && !item->joint) || !item->message) {
        free((char *)item->motion);
        free((char *)item->joint);
        free((char *)item->message);
        return mpk__error(MPK_ENOMEM, "out of memory");
    }
    list->count++;
    if (f->severity == MPK_SEVERITY_ERROR)
        list->errors++;
    else
        list->warnings++;
    return MPK_OK;
}

size_t mpk_findings_count(const mpk_findings *list)
{
    return list ? list->count : 0;
}

const mpk_finding *mpk_findings_get(const mpk_findings *list, size_t i)
{
    return list && i < list->count ? &list->items[i] : NULL;
}

size_t mpk_findings_errors(const mpk_findings *list)
{
    return list ? list->errors : 0;
}

size_t mpk_findings_warnings(const mpk_findings *list)
{
    return list ? list->warnings : 0;
}

static json_t *number_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int mpk_findings_to_json(char **out, size_t *size, const mpk_findings *list)
{
    json_t *doc = NULL, *arr = NULL;
    char *text = NULL;
    size_t i;
    int error = MPK_OK;

    if (!out || !size || !list)
        return mpk__error(MPK_EINVAL, "mpk_findings_to_json: NULL argument");
    arr = json_array();
    doc = json_pack("{s:I, s:I}", "errors", (json_int_t)list->errors, "warnings",
                    (json_int_t)list->warnings);
    if (!arr || !doc)
        goto oom;
    for (i = 0; i < list->count; i++) {
        const mpk_finding *f = &list->items[i];
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:s}", "severity",
                              f->severity == MPK_SEVERITY_ERROR ? "error" : "warning", "rule",
                              mpk_rule_name(f->rule), "motion", string_or_null(f->motion), "joint",
                              string_or_null(f->joint), "time", number_or_null(f->time), "value",
                              number_or_null(f->value), "limit", number_or_null(f->limit), "first",
                              number_or_null(f->first), "last", number_or_null(f->last), "count",
                              (json_int_t)f->count, "message", f->message);
        if (!o || json_array_append_new(arr, o) != 0)
            goto oom;
    }
    if (json_object_set_new(doc, "findings", arr) != 0) {
        arr = NULL;
        goto oom;
    }
    arr = NULL;
    text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
    if (!text)
        goto oom;
    *out = text;
    *size = strlen(text);
    json_decref(doc);
    return MPK_OK;
oom:
    error = mpk__error(MPK_ENOMEM, "out of memory");
    json_decref(arr);
    json_decref(doc);
    return error;
}
