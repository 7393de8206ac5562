/* Request bodies of the phone API: JSON with a fixed set of fields per request, each checked. */
#include "request.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mpk/manifest.h"

bool md_valid_id(const char *id)
{
    return id && strlen(id) <= MD_ID_MAX && mpk_id_valid(id);
}

bool md_valid_motion(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n < 1 || n > MD_MOTION_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* UTF-8 well-formedness (shortest forms, no surrogates) and no control characters. */
bool md_valid_text(const char *text, size_t max)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);

    if (n > max)
        return false;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        unsigned cp, len;
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4, cp = c & 0x07;
        else
            return false;
        if (i + len > n)
            return false;
        for (unsigned k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
            return false;
        i += len;
    }
    return true;
}

/* The fields each kind accepts. */
typedef struct field_set {
    const char *names[6];
    const char *required;
} field_set;

static const field_set fields[] = {
    [MD_REQ_PAIR] = {{"code", "name"}, "code"},
    [MD_REQ_PLAY] = {{"package", "motion", "loop", "speed"}, "package"},
    [MD_REQ_INSTALL] = {{"id", "version"}, "id"},
    [MD_REQ_UPGRADE] = {{"id"}, NULL},
    [MD_REQ_REMOVE] = {{"id"}, "id"},
    [MD_REQ_STOP] = {{"return_to_stand"}, NULL},
    [MD_REQ_SPEED] = {{"speed"}, "speed"},
    [MD_REQ_EMPTY] = {{NULL}, NULL},
};

static bool known(md_req_kind kind, const char *key)
{
    for (int i = 0; i < 6 && fields[kind].names[i]; i++)
        if (strcmp(fields[kind].names[i], key) == 0)
            return true;
    return false;
}

#define FAIL(...)                             \
    do {                                      \
        snprintf(err, err_size, __VA_ARGS__); \
        goto out;                             \
    } while (0)

static int get_speed(double *out, json_t *v, char *err, size_t err_size)
{
    double s;

    if (!json_is_number(v)) {
        snprintf(err, err_size, "speed: must be a number from 0.1 to 2");
        return -1;
    }
    s = json_number_value(v);
    if (!isfinite(s) || s < 0.1 || s > 2.0) {
        snprintf(err, err_size, "speed: must be a number from 0.1 to 2");
        return -1;
    }
    *out = s;
    return 0;
}

int md_req_parse(md_req *out, md_req_kind kind, const char *body, size_t size, char *err,
                 size_t err_size)
{
    json_error_t jerr;
    json_t *root = NULL, *v;
    const char *key;
    md_req r;
    int rc = -1;

    memset(&r, 0, sizeof(r));
    r.loops = 1;
    if (size == 0)
        root = json_object();
    else
        root = json_loadb(body, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        FAIL("body: not valid JSON: %s (at byte %d)", jerr.text, jerr.position);
    if (!json_is_object(root))
        FAIL("body: must be a JSON object");
    json_object_foreach(root, key, v)
    {
        if (!known(kind, key))
            FAIL("%.64s: unknown field", key);
    }
    if (fields[kind].required && !json_object_get(root, fields[kind].required))
        FAIL("%s: required", fields[kind].required);

    switch (kind) {
    case MD_REQ_PAIR:
        v = json_object_get(root, "code");
        if (!json_is_string(v) || json_string_length(v) != 6 ||
            strspn(json_string_value(v), "0123456789") != 6)
            FAIL("code: must be the six digits motiond shows");
        memcpy(r.code, json_string_value(v), 7);
        v = json_object_get(root, "name");
        if (v) {
            if (!json_is_string(v) || json_string_length(v) < 1 ||
                strlen(json_string_value(v)) != json_string_length(v) ||
                !md_valid_text(json_string_value(v), MD_NAME_MAX))
                FAIL("name: must be 1 to %d bytes of text", MD_NAME_MAX);
            snprintf(r.name, sizeof(r.name), "%s", json_string_value(v));
        } else {
            snprintf(r.name, sizeof(r.name), "phone");
        }
        break;
    case MD_REQ_PLAY:
        v = json_object_get(root, "package");
        if (!json_is_string(v) || !md_valid_id(json_string_value(v)))
            FAIL("package: must be a package id (reverse-DNS, at most %d bytes)", MD_ID_MAX);
        snprintf(r.id, sizeof(r.id), "%s", json_string_value(v));
        if ((v = json_object_get(root, "motion")) && !json_is_null(v)) {
            if (!json_is_string(v) || !md_valid_motion(json_string_value(v)))
                FAIL("motion: must be a motion name ([a-z0-9_-], 1 to %d bytes)", MD_MOTION_MAX);
            snprintf(r.motion, sizeof(r.motion), "%s", json_string_value(v));
        }
        if ((v = json_object_get(root, "loop"))) {
            if (json_is_string(v) && strcmp(json_string_value(v), "forever") == 0)
                r.loops = 0;
            else if (json_is_integer(v) && json_integer_value(v) >= 1 &&
                     json_integer_value(v) <= MD_LOOPS_MAX)
                r.loops = (int)json_integer_value(v);
            else
                FAIL("loop: must be a whole number from 1 to %d or \"forever\"", MD_LOOPS_MAX);
        }
        if ((v = json_object_get(root, "speed"))) {
            if (get_speed(&r.speed, v, err, err_size))
                goto out;
            r.has_speed = true;
        }
        break;
    case MD_REQ_INSTALL:
    case MD_REQ_UPGRADE:
    case MD_REQ_REMOVE:
        if ((v = json_object_get(root, "id"))) {
            if (!json_is_string(v) || !md_valid_id(json_string_value(v)))
                FAIL("id: must be a package id (reverse-DNS, at most %d bytes)", MD_ID_MAX);
            snprintf(r.id, sizeof(r.id), "%s", json_string_value(v));
        }
        if ((v = json_object_get(root, "version")) && !json_is_null(v)) {
            if (!json_is_string(v) || json_string_length(v) > MD_VERSION_MAX ||
                !mpk_semver_valid(json_string_value(v)))
                FAIL("version: must be a semantic version (1.2.0)");
            snprintf(r.version, sizeof(r.version), "%s", json_string_value(v));
        }
        break;
    case MD_REQ_STOP:
        if ((v = json_object_get(root, "return_to_stand"))) {
            if (!json_is_boolean(v))
                FAIL("return_to_stand: must be true or false");
            r.return_to_stand = json_is_true(v);
        }
        break;
    case MD_REQ_SPEED:
        if (get_speed(&r.speed, json_object_get(root, "speed"), err, err_size))
            goto out;
        r.has_speed = true;
        break;
    case MD_REQ_EMPTY:
        break;
    }
    *out = r;
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int md_search_param(md_search *s, const char *key, const char *value, char *err, size_t err_size)
{
    const char *v = value ? value : "";

    if (strcmp(key, "q") == 0) {
        if (!md_valid_text(v, MD_QUERY_MAX)) {
            snprintf(err, err_size, "q: must be at most %d bytes of text", MD_QUERY_MAX);
            return -1;
        }
        snprintf(s->q, sizeof(s->q), "%s", v);
        return 0;
    }
    if (strcmp(key, "category") == 0) {
        if (strlen(v) >= sizeof(s->category) ||
            strspn(v, "abcdefghijklmnopqrstuvwxyz-") != strlen(v)) {
            snprintf(err, err_size, "category: must be a category name ([a-z-], at most 32 bytes)");
            return -1;
        }
        snprintf(s->category, sizeof(s->category), "%s", v);
        return 0;
    }
    if (strcmp(key, "lang") == 0) {
        if (strlen(v) >= sizeof(s->lang) ||
            strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
                strlen(v)) {
            snprintf(err, err_size, "lang: must be a language tag (en, zh, zh-Hans)");
            return -1;
        }
        snprintf(s->lang, sizeof(s->lang), "%s", v);
        return 0;
    }
    snprintf(err, err_size, "%.64s: unknown query parameter", key);
    return -1;
}
