/* Building catalog.json from published versions. */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "mpk/manifest.h"
#include "util.h"

struct srv_catalog {
    json_t *packages; /* array of package objects, in the order ids were added */
    json_t *current;  /* the package being filled (borrowed from packages) */
    int64_t generated;
};

char *srv_package_target(const char *id, const char *version)
{
    return srv_asprintf("packages/%s/%s-%s.mpk", id, id, version);
}

char *srv_thumbnail_target(const char *id, const char *version, const char *ext)
{
    return srv_asprintf("packages/%s/%s-%s-thumbnail.%s", id, id, version, ext);
}

int srv_catalog_new(srv_catalog **out, int64_t generated)
{
    srv_catalog *cat = calloc(1, sizeof(*cat));

    if (!cat || !(cat->packages = json_array())) {
        free(cat);
        return srv_err(SRV_ENOMEM, "out of memory");
    }
    cat->generated = generated;
    *out = cat;
    return SRV_OK;
}

void srv_catalog_free(srv_catalog *cat)
{
    if (!cat)
        return;
    json_decref(cat->packages);
    free(cat);
}

int srv_catalog_add(srv_catalog *cat, const json_t *entry, const char *target,
                    const char *thumbnail_target, int64_t published)
{
    const char *id = json_string_value(json_object_get(entry, "id"));
    char when[24];
    json_t *v;

    if (!id)
        return srv_err(SRV_EFORMAT, "catalog entry without an id");
    if (!cat->current || strcmp(json_string_value(json_object_get(cat->current, "id")), id) != 0) {
        cat->current = json_pack("{s:s, s:[]}", "id", id, "versions");
        if (!cat->current || json_array_append_new(cat->packages, cat->current))
            return srv_err(SRV_ENOMEM, "out of memory");
    }
    srv_time_iso(when, (time_t)published);
    v = json_pack("{s:O, s:s, s:O, s:O, s:s, s:O, s:O, s:O, s:O, s:O, s:s?}", "version",
                  json_object_get(entry, "version"), "target", target, "size",
                  json_object_get(entry, "size"), "sha256", json_object_get(entry, "sha256"),
                  "published", when, "robots", json_object_get(entry, "robots"), "min_runtime",
                  json_object_get(entry, "min_runtime"), "permissions",
                  json_object_get(entry, "permissions"), "motions",
                  json_object_get(entry, "motions"), "key_id", json_object_get(entry, "key_id"),
                  "thumbnail", thumbnail_target);
    if (!v)
        return srv_err(SRV_EFORMAT, "catalog entry of %s: missing fields", id);
    /* Package-level texts come from the newest version; keep the entry for finish(). */
    json_object_set(v, "_entry", (json_t *)entry);
    json_array_append_new(json_object_get(cat->current, "versions"), v);
    return SRV_OK;
}

static int by_semver(const void *a, const void *b)
{
    const json_t *va = *(json_t *const *)a, *vb = *(json_t *const *)b;

    return mpk_semver_compare(json_string_value(json_object_get(va, "version")),
                              json_string_value(json_object_get(vb, "version")));
}

static void finish_package(json_t *pkg)
{
    json_t *versions = json_object_get(pkg, "versions"), *latest, *entry, *v;
    size_t n = json_array_size(versions), i;
    json_t **items = calloc(n ? n : 1, sizeof(*items));

    if (items) {
        for (i = 0; i < n; i++)
            items[i] = json_incref(json_array_get(versions, i));
        qsort(items, n, sizeof(*items), by_semver);
        json_array_clear(versions);
        for (i = 0; i < n; i++)
            json_array_append_new(versions, items[i]);
        free(items);
    }
    latest = json_array_get(versions, n - 1);
    entry = json_object_get(latest, "_entry");
    json_object_set(pkg, "latest", json_object_get(latest, "version"));
    json_object_set(pkg, "names", json_object_get(entry, "names"));
    json_object_set(pkg, "descriptions", json_object_get(entry, "descriptions"));
    json_object_set(pkg, "category", json_object_get(entry, "category"));
    json_object_set(pkg, "developer", json_object_get(entry, "developer"));
    json_object_set(pkg, "key_id", json_object_get(entry, "key_id"));
    json_object_set(pkg, "author", json_object_get(entry, "author"));
    json_object_set(pkg, "robots", json_object_get(latest, "robots"));
    json_object_set(pkg, "size", json_object_get(latest, "size"));
    json_object_set(pkg, "published", json_object_get(latest, "published"));
    json_object_set(pkg, "thumbnail", json_object_get(latest, "thumbnail"));
    json_array_foreach(versions, i, v) json_object_del(v, "_entry");
}

int srv_catalog_finish(char **out, size_t *size, srv_catalog *cat)
{
    json_t *root, *pkg;
    char when[24], *text;
    size_t i;

    json_array_foreach(cat->packages, i, pkg) finish_package(pkg);
    srv_time_iso(when, (time_t)cat->generated);
    root = json_pack("{s:i, s:s, s:O}", "format", SRV_CATALOG_FORMAT, "generated", when, "packages",
                     cat->packages);
    if (!root)
        return srv_err(SRV_ENOMEM, "out of memory");
    /* Key order is insertion order (entries are stored with sorted keys): deterministic
     * without sorting 10,000 objects again. */
    text = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(root);
    if (!text)
        return srv_err(SRV_ENOMEM, "out of memory");
    *out = text;
    *size = strlen(text);
    return SRV_OK;
}
