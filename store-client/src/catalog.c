/* The store's catalog (catalog.json): strict parsing into arrays that borrow the JSON's strings,
 * lookup and search. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mpk/manifest.h>

#include "internal.h"
#include "mstore/canonjson.h"
#include "mstore/catalog.h"

struct mstore_catalog {
    json_t *root;
    mstore_catalog_package *pkgs;
    size_t n;
    /* One allocation for every version, text and string-pointer array of every package. */
    mstore_catalog_version *versions;
    mstore_text *texts;
    const char **strs;
};

typedef struct pctx {
    const char *what;
    char path[96]; /* "packages[12].versions[3]" */
} pctx;

static int bad(const pctx *c, const char *field, const char *why)
{
    return mstore__error(MSTORE_EFORMAT, "%s: %s%s%s: %s", c->what, c->path, *c->path ? "." : "",
                         field, why);
}

static int get_str(const char **out, const pctx *c, const json_t *o, const char *field,
                   bool required)
{
    const json_t *v = json_object_get(o, field);

    *out = NULL;
    if (!v || json_is_null(v))
        return required ? bad(c, field, "missing") : MSTORE_OK;
    if (!json_is_string(v) || !*json_string_value(v))
        return bad(c, field, "must be a non-empty string");
    *out = json_string_value(v);
    return MSTORE_OK;
}

static int get_size(uint64_t *out, const pctx *c, const json_t *o, const char *field)
{
    const json_t *v = json_object_get(o, field);

    *out = 0;
    if (!v)
        return MSTORE_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return bad(c, field, "must be a non-negative integer");
    *out = (uint64_t)json_integer_value(v);
    return MSTORE_OK;
}

static bool is_hex(const char *s, size_t len)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return i == len;
}

/* Counts what one package needs in the shared arrays. */
static int count_package(size_t *nv, size_t *nt, size_t *ns, const pctx *c, const json_t *p)
{
    const json_t *vs = json_object_get(p, "versions"), *v;
    size_t i;

    if (!json_is_object(p))
        return bad(c, "", "must be an object");
    if (!json_is_array(vs) || json_array_size(vs) == 0)
        return bad(c, "versions", "must be a non-empty array");
    if (json_array_size(vs) > MSTORE_CATALOG_MAX_VERSIONS)
        return bad(c, "versions", "too many versions");
    *nv += json_array_size(vs);
    *nt += json_object_size(json_object_get(p, "names")) +
           json_object_size(json_object_get(p, "descriptions"));
    *ns += json_array_size(json_object_get(p, "robots")) +
           json_array_size(json_object_get(p, "previous_key_ids"));
    json_array_foreach(vs, i, v)
    {
        *ns += json_array_size(json_object_get(v, "robots")) +
               json_array_size(json_object_get(v, "permissions"));
    }
    return MSTORE_OK;
}

static int get_strings(const char *const **out, size_t *n, const char ***pool, const pctx *c,
                       const json_t *o, const char *field, bool required)
{
    const json_t *a = json_object_get(o, field), *v;
    size_t i;

    *out = (const char *const *)*pool;
    *n = 0;
    if (!a || json_is_null(a))
        return required ? bad(c, field, "missing") : MSTORE_OK;
    if (!json_is_array(a))
        return bad(c, field, "must be an array of strings");
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v) || !*json_string_value(v))
            return bad(c, field, "must be an array of non-empty strings");
        *(*pool)++ = json_string_value(v);
    }
    *n = json_array_size(a);
    return MSTORE_OK;
}

static int get_texts(const mstore_text **out, size_t *n, mstore_text **pool, const pctx *c,
                     const json_t *o, const char *field)
{
    const json_t *t = json_object_get(o, field), *v;
    const char *lang;

    *out = *pool;
    *n = 0;
    if (!t || json_is_null(t))
        return MSTORE_OK;
    if (!json_is_object(t))
        return bad(c, field, "must be an object of texts by language");
    json_object_foreach((json_t *)t, lang, v)
    {
        if (!json_is_string(v))
            return bad(c, field, "every text must be a string");
        (*pool)->lang = lang;
        (*pool)->text = json_string_value(v);
        (*pool)++;
    }
    *n = json_object_size(t);
    return MSTORE_OK;
}

static int parse_version(mstore_catalog_version *ver, const char ***strs, pctx *c, const json_t *v,
                         const char *id)
{
    size_t idlen = strlen(id);
    int rc;

    if (!json_is_object(v))
        return bad(c, "", "must be an object");
    if ((rc = get_str(&ver->version, c, v, "version", true)) ||
        (rc = get_str(&ver->target, c, v, "target", true)) ||
        (rc = get_str(&ver->sha256, c, v, "sha256", false)) ||
        (rc = get_str(&ver->key_id, c, v, "key_id", true)) ||
        (rc = get_str(&ver->min_runtime, c, v, "min_runtime", false)) ||
        (rc = get_str(&ver->published, c, v, "published", false)) ||
        (rc = get_str(&ver->thumbnail, c, v, "thumbnail", false)) ||
        (rc = get_size(&ver->size, c, v, "size")) ||
        (rc = get_strings(&ver->robots, &ver->n_robots, strs, c, v, "robots", true)) ||
        (rc =
             get_strings(&ver->permissions, &ver->n_permissions, strs, c, v, "permissions", false)))
        return rc;
    if (!mpk_semver_valid(ver->version))
        return bad(c, "version", "must be a semantic version");
    if (ver->min_runtime && !mpk_semver_valid(ver->min_runtime))
        return bad(c, "min_runtime", "must be a semantic version");
    if (!is_hex(ver->key_id, 64))
        return bad(c, "key_id", "must be 64 hex digits");
    if (ver->sha256 && !is_hex(ver->sha256, 64))
        return bad(c, "sha256", "must be 64 hex digits");
    /* The target path is what the TUF lookup uses: it must be this package's, or a catalog entry
     * could point an install of one id at another package's file. */
    if (strncmp(ver->target, "packages/", 9) != 0 || strncmp(ver->target + 9, id, idlen) != 0 ||
        ver->target[9 + idlen] != '/' || strncmp(ver->target + 10 + idlen, id, idlen) != 0 ||
        ver->target[10 + idlen + idlen] != '-' ||
        strncmp(ver->target + 11 + 2 * idlen, ver->version, strlen(ver->version)) != 0 ||
        strcmp(ver->target + 11 + 2 * idlen + strlen(ver->version), ".mpk") != 0)
        return bad(c, "target", "must be packages/ID/ID-VERSION.mpk for this id and version");
    return MSTORE_OK;
}

static int parse_package(mstore_catalog_package *p, mstore_catalog_version **vpool,
                         mstore_text **tpool, const char ***spool, pctx *c, const json_t *o)
{
    const json_t *vs = json_object_get(o, "versions"), *v;
    size_t base = strlen(c->path), i;
    int rc;

    if ((rc = get_str(&p->id, c, o, "id", true)))
        return rc;
    if (!mpk_id_valid(p->id))
        return bad(c, "id", "must be a reverse-DNS package id");
    if ((rc = get_str(&p->category, c, o, "category", false)) ||
        (rc = get_str(&p->developer, c, o, "developer", false)) ||
        (rc = get_str(&p->author, c, o, "author", false)) ||
        (rc = get_str(&p->key_id, c, o, "key_id", false)) ||
        (rc = get_str(&p->latest, c, o, "latest", false)) ||
        (rc = get_str(&p->thumbnail, c, o, "thumbnail", false)) ||
        (rc = get_str(&p->published, c, o, "published", false)) ||
        (rc = get_size(&p->size, c, o, "size")) ||
        (rc = get_texts(&p->names, &p->n_names, tpool, c, o, "names")) ||
        (rc = get_texts(&p->descriptions, &p->n_descriptions, tpool, c, o, "descriptions")) ||
        (rc = get_strings(&p->robots, &p->n_robots, spool, c, o, "robots", false)) ||
        (rc = get_strings(&p->previous_key_ids, &p->n_previous_key_ids, spool, c, o,
                          "previous_key_ids", false)))
        return rc;
    p->versions = *vpool;
    p->n_versions = json_array_size(vs);
    json_array_foreach(vs, i, v)
    {
        mstore_catalog_version *ver = (*vpool)++;
        snprintf(c->path + base, sizeof(c->path) - base, ".versions[%zu]", i);
        if ((rc = parse_version(ver, spool, c, v, p->id)))
            return rc;
        for (size_t j = 0; j < i; j++)
            if (mpk_semver_compare(p->versions[j].version, ver->version) == 0)
                return bad(c, "version", "listed twice");
    }
    c->path[base] = '\0';
    if (!p->latest)
        p->latest = p->versions[p->n_versions - 1].version;
    if (!p->key_id)
        p->key_id = p->versions[p->n_versions - 1].key_id;
    return MSTORE_OK;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const mstore_catalog_package *)a)->id, ((const mstore_catalog_package *)b)->id);
}

int mstore_catalog_parse(mstore_catalog **out, const void *data, size_t size, const char *what)
{
    mstore_catalog *cat = NULL;
    const json_t *pkgs, *p;
    size_t nv = 0, nt = 0, ns = 0, i;
    mstore_catalog_version *vpool;
    mstore_text *tpool;
    const char **spool;
    pctx c = {.what = what ? what : MSTORE_CATALOG_TARGET};
    int rc;

    if (!out || (!data && size))
        return mstore__error(MSTORE_EINVAL, "no catalog");
    if (size > MSTORE_CATALOG_MAX_SIZE)
        return mstore__error(MSTORE_ELIMIT, "%s: %zu bytes, more than %zu", c.what, size,
                             MSTORE_CATALOG_MAX_SIZE);
    if (!(cat = calloc(1, sizeof(*cat))))
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    if ((rc = mstore_json_parse(&cat->root, data, size, c.what)))
        goto out;
    if (!json_is_object(cat->root)) {
        rc = bad(&c, "format", "the catalog must be an object");
        goto out;
    }
    if (json_integer_value(json_object_get(cat->root, "format")) != MSTORE_CATALOG_FORMAT) {
        rc = bad(&c, "format", "must be 1");
        goto out;
    }
    pkgs = json_object_get(cat->root, "packages");
    if (!json_is_array(pkgs)) {
        rc = bad(&c, "packages", "must be an array");
        goto out;
    }
    json_array_foreach(pkgs, i, p)
    {
        snprintf(c.path, sizeof(c.path), "packages[%zu]", i);
        if ((rc = count_package(&nv, &nt, &ns, &c, p)))
            goto out;
    }
    cat->n = json_array_size(pkgs);
    cat->pkgs = calloc(cat->n ? cat->n : 1, sizeof(*cat->pkgs));
    cat->versions = calloc(nv ? nv : 1, sizeof(*cat->versions));
    cat->texts = calloc(nt ? nt : 1, sizeof(*cat->texts));
    cat->strs = calloc(ns ? ns : 1, sizeof(*cat->strs));
    if (!cat->pkgs || !cat->versions || !cat->texts || !cat->strs) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    vpool = cat->versions;
    tpool = cat->texts;
    spool = cat->strs;
    json_array_foreach(pkgs, i, p)
    {
        snprintf(c.path, sizeof(c.path), "packages[%zu]", i);
        if ((rc = parse_package(&cat->pkgs[i], &vpool, &tpool, &spool, &c, p)))
            goto out;
    }
    qsort(cat->pkgs, cat->n, sizeof(*cat->pkgs), by_id);
    for (i = 1; i < cat->n; i++)
        if (strcmp(cat->pkgs[i - 1].id, cat->pkgs[i].id) == 0) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: package %s listed twice", c.what,
                               cat->pkgs[i].id);
            goto out;
        }
    *out = cat;
    cat = NULL;
out:
    mstore_catalog_free(cat);
    return rc;
}

int mstore_catalog_load(mstore_catalog **out, const char *path)
{
    unsigned char *data = NULL;
    size_t size = 0;
    int rc = mstore__read_file(&data, &size, path, MSTORE_CATALOG_MAX_SIZE);

    if (rc)
        return rc;
    rc = mstore_catalog_parse(out, data, size, path);
    free(data);
    return rc;
}

void mstore_catalog_free(mstore_catalog *cat)
{
    if (!cat)
        return;
    json_decref(cat->root);
    free(cat->pkgs);
    free(cat->versions);
    free(cat->texts);
    free(cat->strs);
    free(cat);
}

size_t mstore_catalog_count(const mstore_catalog *cat)
{
    return cat ? cat->n : 0;
}

const mstore_catalog_package *mstore_catalog_at(const mstore_catalog *cat, size_t i)
{
    return cat && i < cat->n ? &cat->pkgs[i] : NULL;
}

const mstore_catalog_package *mstore_catalog_find(const mstore_catalog *cat, const char *id)
{
    mstore_catalog_package key = {.id = id};

    if (!cat || !id)
        return NULL;
    return bsearch(&key, cat->pkgs, cat->n, sizeof(*cat->pkgs), by_id);
}

const mstore_catalog_version *mstore_catalog_package_version(const mstore_catalog_package *pkg,
                                                             const char *version)
{
    for (size_t i = 0; pkg && version && i < pkg->n_versions; i++)
        if (mpk_semver_compare(pkg->versions[i].version, version) == 0)
            return &pkg->versions[i];
    return NULL;
}

const char *mstore_text_pick(const mstore_text *texts, size_t n, const char *lang)
{
    const char *en = NULL;

    for (size_t i = 0; i < n; i++) {
        if (lang && strcmp(texts[i].lang, lang) == 0)
            return texts[i].text;
        if (strcmp(texts[i].lang, "en") == 0)
            en = texts[i].text;
    }
    return en ? en : n ? texts[0].text : NULL;
}

bool mstore_catalog_version_fits(const mstore_catalog_version *v, const char *robot,
                                 const char *runtime_version)
{
    bool robot_ok = !robot;

    for (size_t i = 0; !robot_ok && i < v->n_robots; i++)
        robot_ok = strcmp(v->robots[i], robot) == 0;
    if (!robot_ok)
        return false;
    return !runtime_version || !v->min_runtime ||
           mpk_semver_compare(v->min_runtime, runtime_version) <= 0;
}

/* Case-insensitive substring test (ASCII folding; other bytes compare exactly). */
static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    if (!hay)
        return false;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

static bool matches(const mstore_catalog_package *p, const mstore_search_query *q)
{
    if (q->category && (!p->category || strcmp(p->category, q->category) != 0))
        return false;
    if (q->robot) {
        bool any = false;
        for (size_t i = 0; !any && i < p->n_versions; i++)
            any = mstore_catalog_version_fits(&p->versions[i], q->robot, NULL);
        if (!any)
            return false;
    }
    if (q->text && *q->text) {
        if (contains(p->id, q->text))
            return true;
        for (size_t i = 0; i < p->n_names; i++)
            if (contains(p->names[i].text, q->text))
                return true;
        for (size_t i = 0; i < p->n_descriptions; i++)
            if (contains(p->descriptions[i].text, q->text))
                return true;
        return false;
    }
    return true;
}

int mstore_catalog_search(size_t **hits, size_t *n, const mstore_catalog *cat,
                          const mstore_search_query *q)
{
    mstore_search_query all = {0};
    size_t *out = NULL, count = 0;

    if (!hits || !n || !cat)
        return mstore__error(MSTORE_EINVAL, "no catalog");
    if (!q)
        q = &all;
    for (size_t i = 0; i < cat->n; i++) {
        if (!matches(&cat->pkgs[i], q))
            continue;
        if (!out && !(out = malloc(cat->n * sizeof(*out))))
            return mstore__error(MSTORE_ENOMEM, "out of memory");
        out[count++] = i;
    }
    *hits = out;
    *n = count;
    return MSTORE_OK;
}
