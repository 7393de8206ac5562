/* Building catalog.json by joining per-version JSON texts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "mpk/manifest.h"
#include "util.h"

typedef struct vtext_entry {
    char *version;
    char *vtext;
    char *ptext;
    int64_t published;
} vtext_entry;

struct srv_catalog {
    char *buf;
    size_t len, cap;
    bool failed;
    bool first_package;
    char *current_id;
    vtext_entry *group; /* versions of current_id */
    size_t group_count, group_cap;
};

char *srv_package_target(const char *id, const char *version)
{
    return srv_asprintf("packages/%s/%s-%s.mpk", id, id, version);
}

char *srv_thumbnail_target(const char *id, const char *version, const char *ext)
{
    return srv_asprintf("packages/%s/%s-%s-thumbnail.%s", id, id, version, ext);
}

static void put(srv_catalog *cat, const char *s, size_t n)
{
    if (cat->failed)
        return;
    if (cat->len + n + 1 > cat->cap) {
        size_t cap = cat->cap ? cat->cap : 65536;
        char *grown;
        while (cat->len + n + 1 > cap)
            cap *= 2;
        if (!(grown = realloc(cat->buf, cap))) {
            cat->failed = true;
            return;
        }
        cat->buf = grown;
        cat->cap = cap;
    }
    memcpy(cat->buf + cat->len, s, n);
    cat->len += n;
    cat->buf[cat->len] = '\0';
}

static void puts_(srv_catalog *cat, const char *s)
{
    put(cat, s, strlen(s));
}

/* A JSON string literal of s (escaped by jansson). */
static void put_string(srv_catalog *cat, const char *s)
{
    json_t *v = json_string(s);
    char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;

    if (!text)
        cat->failed = true;
    else
        puts_(cat, text);
    free(text);
    json_decref(v);
}

/* Members of obj as text, without the braces. */
static char *members(const json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    size_t n;

    if (!text)
        return NULL;
    n = strlen(text);
    memmove(text, text + 1, n - 2);
    text[n - 2] = '\0';
    return text;
}

int srv_catalog_fragments(char **version_text, char **package_text, const json_t *entry)
{
    const char *id = json_string_value(json_object_get(entry, "id"));
    const char *version = json_string_value(json_object_get(entry, "version"));
    const json_t *th = json_object_get(entry, "thumbnail");
    char *target = NULL, *thumb = NULL, *vt = NULL, *pt = NULL;
    json_t *v = NULL, *p = NULL;
    int rc = SRV_OK;

    if (!id || !version)
        return srv_err(SRV_EFORMAT, "catalog entry without id or version");
    target = srv_package_target(id, version);
    if (json_is_object(th))
        thumb = srv_thumbnail_target(id, version, json_string_value(json_object_get(th, "ext")));
    v = json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:s?}", "version", version,
                  "target", target ? target : "", "size", json_object_get(entry, "size"), "sha256",
                  json_object_get(entry, "sha256"), "robots", json_object_get(entry, "robots"),
                  "min_runtime", json_object_get(entry, "min_runtime"), "permissions",
                  json_object_get(entry, "permissions"), "motions",
                  json_object_get(entry, "motions"), "key_id", json_object_get(entry, "key_id"),
                  "thumbnail", thumb);
    p = json_pack(
        "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:s?}", "names", json_object_get(entry, "names"),
        "descriptions", json_object_get(entry, "descriptions"), "category",
        json_object_get(entry, "category"), "developer", json_object_get(entry, "developer"),
        "key_id", json_object_get(entry, "key_id"), "author", json_object_get(entry, "author"),
        "robots", json_object_get(entry, "robots"), "size", json_object_get(entry, "size"),
        "thumbnail", thumb);
    if (!v || !p) {
        rc = srv_err(SRV_EFORMAT, "catalog entry of %s %s: missing fields", id, version);
        goto out;
    }
    if (!(vt = members(v)) || !(pt = members(p))) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto out;
    }
    *version_text = vt;
    *package_text = pt;
    vt = pt = NULL;
out:
    json_decref(v);
    json_decref(p);
    free(vt);
    free(pt);
    free(target);
    free(thumb);
    return rc;
}

int srv_catalog_new(srv_catalog **out, int64_t generated)
{
    srv_catalog *cat = calloc(1, sizeof(*cat));
    char head[96], when[24];

    if (!cat)
        return srv_err(SRV_ENOMEM, "out of memory");
    srv_time_iso(when, (time_t)generated);
    snprintf(head, sizeof(head), "{\"format\":%d,\"generated\":\"%s\",\"packages\":[",
             SRV_CATALOG_FORMAT, when);
    puts_(cat, head);
    cat->first_package = true;
    *out = cat;
    return SRV_OK;
}

static void clear_group(srv_catalog *cat)
{
    size_t i;

    for (i = 0; i < cat->group_count; i++) {
        free(cat->group[i].version);
        free(cat->group[i].vtext);
        free(cat->group[i].ptext);
    }
    cat->group_count = 0;
}

void srv_catalog_free(srv_catalog *cat)
{
    if (!cat)
        return;
    clear_group(cat);
    free(cat->group);
    free(cat->current_id);
    free(cat->buf);
    free(cat);
}

static int by_semver(const void *a, const void *b)
{
    return mpk_semver_compare(((const vtext_entry *)a)->version, ((const vtext_entry *)b)->version);
}

/* Writes the package being collected. */
static void flush_group(srv_catalog *cat)
{
    const vtext_entry *latest;
    char when[24];
    size_t i;

    if (!cat->current_id || cat->group_count == 0)
        return;
    qsort(cat->group, cat->group_count, sizeof(*cat->group), by_semver);
    latest = &cat->group[cat->group_count - 1];
    puts_(cat, cat->first_package ? "{\"id\":" : ",{\"id\":");
    cat->first_package = false;
    put_string(cat, cat->current_id);
    puts_(cat, ",\"latest\":");
    put_string(cat, latest->version);
    srv_time_iso(when, (time_t)latest->published);
    puts_(cat, ",\"published\":\"");
    puts_(cat, when);
    puts_(cat, "\",");
    puts_(cat, latest->ptext);
    puts_(cat, ",\"versions\":[");
    for (i = 0; i < cat->group_count; i++) {
        srv_time_iso(when, (time_t)cat->group[i].published);
        puts_(cat, i ? ",{\"published\":\"" : "{\"published\":\"");
        puts_(cat, when);
        puts_(cat, "\",");
        puts_(cat, cat->group[i].vtext);
        puts_(cat, "}");
    }
    puts_(cat, "]}");
    clear_group(cat);
}

int srv_catalog_add_text(srv_catalog *cat, const char *id, const char *version, const char *vtext,
                         const char *ptext, int64_t published)
{
    vtext_entry *v;

    if (!cat->current_id || strcmp(cat->current_id, id) != 0) {
        flush_group(cat);
        free(cat->current_id);
        if (!(cat->current_id = strdup(id)))
            cat->failed = true;
    }
    if (cat->group_count == cat->group_cap) {
        size_t cap = cat->group_cap ? 2 * cat->group_cap : 8;
        vtext_entry *grown = realloc(cat->group, cap * sizeof(*grown));
        if (!grown)
            return srv_err(SRV_ENOMEM, "out of memory");
        cat->group = grown;
        cat->group_cap = cap;
    }
    v = &cat->group[cat->group_count];
    v->version = strdup(version);
    v->vtext = strdup(vtext);
    v->ptext = strdup(ptext);
    v->published = published;
    cat->group_count++;
    if (!v->version || !v->vtext || !v->ptext || cat->failed)
        return srv_err(SRV_ENOMEM, "out of memory");
    return SRV_OK;
}

int srv_catalog_add(srv_catalog *cat, const json_t *entry, int64_t published)
{
    char *vt = NULL, *pt = NULL;
    int rc = srv_catalog_fragments(&vt, &pt, entry);

    if (rc == SRV_OK)
        rc = srv_catalog_add_text(cat, json_string_value(json_object_get(entry, "id")),
                                  json_string_value(json_object_get(entry, "version")), vt, pt,
                                  published);
    free(vt);
    free(pt);
    return rc;
}

int srv_catalog_finish(char **out, size_t *size, srv_catalog *cat)
{
    flush_group(cat);
    puts_(cat, "]}");
    if (cat->failed)
        return srv_err(SRV_ENOMEM, "out of memory building the catalog");
    *out = cat->buf;
    *size = cat->len;
    cat->buf = NULL;
    cat->len = cat->cap = 0;
    return SRV_OK;
}
