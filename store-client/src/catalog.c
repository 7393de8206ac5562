/* The store's catalog (catalog.json): strict parsing, lookup and search.
 *
 * A catalog of 100,000 packages is about 75 MB of JSON, and a jansson tree of it takes eight times
 * that. So the document is never held as one tree: a small scanner walks its top level and the
 * `packages` array, jansson parses one element at a time, and what the element holds is copied
 * into the catalog's own arrays and a string arena before the element is freed. Every byte still
 * goes through jansson (duplicate keys refused, no NUL in strings, valid UTF-8); the scanner only
 * finds where each value ends and checks the punctuation between them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mpk/manifest.h>

#include "internal.h"
#include "mstore/catalog.h"

/* Strings of the catalog, copied out of the parsed elements. */
typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
} arena_block;

/* What one package owns: its versions, its texts and its string-pointer arrays. */
typedef struct package_mem {
    mstore_catalog_version *versions;
    mstore_text *texts;
    const char **strs;
} package_mem;

struct mstore_catalog {
    mstore_catalog_package *pkgs;
    package_mem *mem; /* one per package, in parse order (pkgs is sorted afterwards) */
    size_t n, cap;
    arena_block *arena;
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

/* A copy of s in the arena (NULL stays NULL). */
static const char *intern(mstore_catalog *cat, const char *s)
{
    size_t len;
    arena_block *b = cat->arena;
    char *out;

    if (!s)
        return NULL;
    len = strlen(s) + 1;
    if (!b || b->cap - b->used < len) {
        size_t cap = len > 65536 ? len : 65536;
        if (!(b = malloc(sizeof(*b) + cap)))
            return NULL;
        b->next = cat->arena;
        b->used = 0;
        b->cap = cap;
        cat->arena = b;
    }
    out = b->data + b->used;
    memcpy(out, s, len);
    b->used += len;
    return out;
}

/* Points every string of a parsed package at arena copies, so that its element can be freed. */
static bool intern_package(mstore_catalog *cat, mstore_catalog_package *p, const package_mem *m,
                           size_t nv, size_t nt, size_t ns)
{
    bool ok = true;
#define KEEP(field)                     \
    do {                                \
        const char *orig_ = (field);    \
        (field) = intern(cat, orig_);   \
        ok = ok && (!orig_ || (field)); \
    } while (0)
    KEEP(p->id);
    KEEP(p->category);
    KEEP(p->developer);
    KEEP(p->author);
    KEEP(p->key_id);
    KEEP(p->latest);
    KEEP(p->thumbnail);
    KEEP(p->published);
    for (size_t i = 0; i < nt; i++) {
        KEEP(m->texts[i].lang);
        KEEP(m->texts[i].text);
    }
    for (size_t i = 0; i < ns; i++)
        KEEP(m->strs[i]);
    for (size_t i = 0; i < nv; i++) {
        mstore_catalog_version *v = &m->versions[i];
        KEEP(v->version);
        KEEP(v->target);
        KEEP(v->sha256);
        KEEP(v->key_id);
        KEEP(v->min_runtime);
        KEEP(v->published);
        KEEP(v->thumbnail);
    }
#undef KEEP
    return ok;
}

/* ---- the scanner: where a JSON value ends (jansson checks what is inside) ---- */

typedef struct scan {
    const char *s;
    size_t n, i;
} scan;

static void skip_ws(scan *sc)
{
    while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' || sc->s[sc->i] == '\n' ||
                             sc->s[sc->i] == '\r'))
        sc->i++;
}

static bool skip_string(scan *sc)
{
    if (sc->i >= sc->n || sc->s[sc->i] != '"')
        return false;
    for (sc->i++; sc->i < sc->n; sc->i++) {
        if (sc->s[sc->i] == '\\')
            sc->i++;
        else if (sc->s[sc->i] == '"') {
            sc->i++;
            return true;
        }
    }
    return false;
}

/* Moves past one value: a string, an object or array (brackets counted, strings skipped), or a
 * literal (up to the next delimiter). False when no value could end here. */
static bool skip_value(scan *sc)
{
    size_t depth = 0, start = sc->i;

    if (sc->i >= sc->n)
        return false;
    if (sc->s[sc->i] == '"')
        return skip_string(sc);
    if (sc->s[sc->i] != '{' && sc->s[sc->i] != '[') {
        while (sc->i < sc->n && !strchr(",:{}[]\" \t\n\r", sc->s[sc->i]) && sc->s[sc->i])
            sc->i++;
        return sc->i > start;
    }
    while (sc->i < sc->n) {
        char c = sc->s[sc->i];
        if (c == '"') {
            if (!skip_string(sc))
                return false;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (--depth == 0) {
                sc->i++;
                return true;
            }
        }
        sc->i++;
    }
    return false;
}

static int syntax(const pctx *c, const scan *sc, const char *why)
{
    return mstore__error(MSTORE_EFORMAT, "%s: invalid JSON at byte %zu: %s", c->what, sc->i, why);
}

/* Parses s[from, to) as one JSON value (any type), with the catalog's rules. */
static int parse_span(json_t **out, const pctx *c, const char *s, size_t from, size_t to)
{
    json_error_t jerr;

    *out = json_loadb(s + from, to - from, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!*out)
        return mstore__error(MSTORE_EFORMAT, "%s: invalid JSON at byte %zu%s%s: %s", c->what,
                             from + (size_t)(jerr.position > 0 ? jerr.position : 0),
                             *c->path ? " in " : "", c->path, jerr.text);
    return MSTORE_OK;
}

/* Parses one element of `packages` into the next package of cat. */
static int add_package(mstore_catalog *cat, pctx *c, const json_t *el)
{
    size_t nv = 0, nt = 0, ns = 0;
    mstore_catalog_version *vpool;
    mstore_text *tpool;
    const char **spool;
    package_mem *m;
    int rc;

    if ((rc = count_package(&nv, &nt, &ns, c, el)))
        return rc;
    if (cat->n == cat->cap) {
        size_t cap = cat->cap ? cat->cap * 2 : 64;
        mstore_catalog_package *pkgs = realloc(cat->pkgs, cap * sizeof(*pkgs));
        package_mem *mem;
        if (pkgs)
            cat->pkgs = pkgs;
        if (!pkgs || !(mem = realloc(cat->mem, cap * sizeof(*mem))))
            return mstore__error(MSTORE_ENOMEM, "out of memory");
        cat->mem = mem;
        cat->cap = cap;
    }
    m = &cat->mem[cat->n];
    memset(m, 0, sizeof(*m));
    memset(&cat->pkgs[cat->n], 0, sizeof(cat->pkgs[cat->n]));
    cat->n++; /* counted now, so that catalog_free frees what m gets */
    m->versions = calloc(nv ? nv : 1, sizeof(*m->versions));
    m->texts = calloc(nt ? nt : 1, sizeof(*m->texts));
    m->strs = calloc(ns ? ns : 1, sizeof(*m->strs));
    if (!m->versions || !m->texts || !m->strs)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    vpool = m->versions;
    tpool = m->texts;
    spool = m->strs;
    if ((rc = parse_package(&cat->pkgs[cat->n - 1], &vpool, &tpool, &spool, c, el)))
        return rc;
    if (!intern_package(cat, &cat->pkgs[cat->n - 1], m, (size_t)(vpool - m->versions),
                        (size_t)(tpool - m->texts), (size_t)(spool - m->strs)))
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

/* The `packages` array at sc (which stands on its '['), one element at a time. */
static int parse_packages(mstore_catalog *cat, pctx *c, scan *sc)
{
    size_t index = 0;
    int rc;

    if (sc->i >= sc->n || sc->s[sc->i] != '[')
        return bad(c, "packages", "must be an array");
    sc->i++;
    skip_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ']')
        return MSTORE_OK;
    for (;;) {
        size_t from = sc->i;
        json_t *el = NULL;
        snprintf(c->path, sizeof(c->path), "packages[%zu]", index++);
        if (!skip_value(sc))
            return syntax(c, sc, "a value was expected in packages");
        if ((rc = parse_span(&el, c, sc->s, from, sc->i)))
            return rc;
        rc = add_package(cat, c, el);
        json_decref(el);
        if (rc)
            return rc;
        *c->path = '\0';
        skip_ws(sc);
        if (sc->i < sc->n && sc->s[sc->i] == ']')
            return MSTORE_OK;
        if (sc->i >= sc->n || sc->s[sc->i] != ',')
            return syntax(c, sc, "',' or ']' expected in packages");
        sc->i++;
        skip_ws(sc);
    }
}

int mstore_catalog_parse(mstore_catalog **out, const void *data, size_t size, const char *what)
{
    mstore_catalog *cat = NULL;
    json_t *keys = NULL, *format = NULL;
    scan sc = {data, size, 0}, pk = {data, size, 0};
    bool have_packages = false;
    pctx c = {.what = what ? what : MSTORE_CATALOG_TARGET};
    int rc = MSTORE_OK;

    if (!out || (!data && size))
        return mstore__error(MSTORE_EINVAL, "no catalog");
    if (size > MSTORE_CATALOG_MAX_SIZE)
        return mstore__error(MSTORE_ELIMIT, "%s: %zu bytes, more than %zu", c.what, size,
                             MSTORE_CATALOG_MAX_SIZE);
    if (!(cat = calloc(1, sizeof(*cat))) || !(keys = json_object()))
        goto oom;
    /* The top level: an object whose values are checked by jansson one by one (the packages
     * array element by element, below), keys unique. */
    skip_ws(&sc);
    if (sc.i >= sc.n || sc.s[sc.i] != '{') {
        rc = bad(&c, "format", "the catalog must be an object");
        goto out;
    }
    sc.i++;
    skip_ws(&sc);
    if (sc.i < sc.n && sc.s[sc.i] == '}')
        sc.i++;
    else
        for (;;) {
            size_t from = sc.i;
            json_t *key = NULL, *value = NULL;
            const char *name;
            if (!skip_string(&sc)) {
                rc = syntax(&c, &sc, "a key was expected");
                goto out;
            }
            if ((rc = parse_span(&key, &c, sc.s, from, sc.i)))
                goto out;
            name = json_string_value(key);
            if (json_object_get(keys, name)) {
                rc = mstore__error(MSTORE_EFORMAT,
                                   "%s: invalid JSON at byte %zu: duplicate key '%s'", c.what, from,
                                   name);
                json_decref(key);
                goto out;
            }
            json_object_set_new(keys, name, json_null());
            skip_ws(&sc);
            if (sc.i >= sc.n || sc.s[sc.i] != ':') {
                json_decref(key);
                rc = syntax(&c, &sc, "':' expected");
                goto out;
            }
            sc.i++;
            skip_ws(&sc);
            from = sc.i;
            if (!skip_value(&sc)) {
                json_decref(key);
                rc = syntax(&c, &sc, "a value was expected");
                goto out;
            }
            if (strcmp(name, "packages") == 0 && sc.s[from] == '[') {
                pk.i = from; /* parsed below, once the format is known */
                have_packages = true;
            } else if ((rc = parse_span(&value, &c, sc.s, from, sc.i))) {
                json_decref(key);
                goto out;
            } else if (strcmp(name, "format") == 0) {
                format = value;
                value = NULL;
            } else if (strcmp(name, "packages") == 0) {
                have_packages = false; /* not an array */
            }
            json_decref(value);
            json_decref(key);
            skip_ws(&sc);
            if (sc.i < sc.n && sc.s[sc.i] == '}') {
                sc.i++;
                break;
            }
            if (sc.i >= sc.n || sc.s[sc.i] != ',') {
                rc = syntax(&c, &sc, "',' or '}' expected");
                goto out;
            }
            sc.i++;
            skip_ws(&sc);
        }
    skip_ws(&sc);
    if (sc.i != sc.n) {
        rc = syntax(&c, &sc, "end of text expected");
        goto out;
    }
    if (json_integer_value(format) != MSTORE_CATALOG_FORMAT || !json_is_integer(format)) {
        rc = bad(&c, "format", "must be 1");
        goto out;
    }
    if (!have_packages) {
        rc = bad(&c, "packages", "must be an array");
        goto out;
    }
    if ((rc = parse_packages(cat, &c, &pk)))
        goto out;
    if (cat->n)
        qsort(cat->pkgs, cat->n, sizeof(*cat->pkgs), by_id);
    for (size_t i = 1; i < cat->n; i++)
        if (strcmp(cat->pkgs[i - 1].id, cat->pkgs[i].id) == 0) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: package %s listed twice", c.what,
                               cat->pkgs[i].id);
            goto out;
        }
    *out = cat;
    cat = NULL;
    goto out;
oom:
    rc = mstore__error(MSTORE_ENOMEM, "out of memory");
out:
    json_decref(keys);
    json_decref(format);
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
    for (size_t i = 0; i < cat->n; i++) {
        free(cat->mem[i].versions);
        free(cat->mem[i].texts);
        free(cat->mem[i].strs);
    }
    while (cat->arena) {
        arena_block *next = cat->arena->next;
        free(cat->arena);
        cat->arena = next;
    }
    free(cat->pkgs);
    free(cat->mem);
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
