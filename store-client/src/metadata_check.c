/* Strict checks of TUF metadata documents, and the index of keys and roles built from them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "metadata_internal.h"

static const char *const top_roles[4] = {"root", "timestamp", "snapshot", "targets"};

/* ---- time ------------------------------------------------------------------------------------ */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    /* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int mstore__parse_time(int64_t *out, const char *t)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, s;

    if (strlen(t) != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
        t[16] != ':' || t[19] != 'Z')
        return -1;
    y = digits(t, 4);
    mo = digits(t + 5, 2);
    d = digits(t + 8, 2);
    h = digits(t + 11, 2);
    mi = digits(t + 14, 2);
    s = digits(t + 17, 2);
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || s < 0 || s > 59)
        return -1;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return 0;
}

int mstore__format_time(char *out, int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    /* Civil date from days (inverse of days_from_civil). */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    y += m <= 2;
    if (y < 1 || y > 9999)
        return -1;
    snprintf(out, 21, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    return 0;
}

/* ---- field checks ---------------------------------------------------------------------------- */

static int want(const json_t **out, const json_t *obj, const char *key, json_type type,
                bool required, const char *where)
{
    static const char *const names[] = {"an object", "an array", "a string", "an integer",
                                        "a number",  "true",     "false",    "null"};
    const json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (!v) {
        if (required)
            return mstore__error(MSTORE_EFORMAT, "%s.%s: missing", where, key);
        return MSTORE_OK;
    }
    if (type == JSON_TRUE ? !json_is_boolean(v) : json_typeof(v) != type)
        return mstore__error(MSTORE_EFORMAT, "%s.%s: must be %s", where, key,
                             type == JSON_TRUE ? "a boolean" : names[type]);
    *out = v;
    return MSTORE_OK;
}

static int want_int(int64_t *out, const json_t *obj, const char *key, int64_t min, bool required,
                    const char *where)
{
    const json_t *v;
    int error;

    if ((error = want(&v, obj, key, JSON_INTEGER, required, where)) < 0)
        return error;
    if (!v)
        return MSTORE_OK;
    if (json_integer_value(v) < min)
        return mstore__error(MSTORE_EFORMAT, "%s.%s: must be an integer of at least %lld", where,
                             key, (long long)min);
    *out = json_integer_value(v);
    return MSTORE_OK;
}

/* Remembers s in set (a JSON object used as a hash set). @return 1 if it was there already,
 * 0 if added, negative on error. Keeps uniqueness checks linear however long the list. */
static int seen(json_t *set, const char *s)
{
    if (json_object_get(set, s))
        return 1;
    if (json_object_set_new(set, s, json_true()) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return 0;
}

/* An array of strings (key ids, paths), optionally all distinct. */
static int want_strings(const json_t **out, const json_t *obj, const char *key, bool unique,
                        bool required, const char *where)
{
    const json_t *arr;
    json_t *set = NULL;
    int error;

    if ((error = want(&arr, obj, key, JSON_ARRAY, required, where)) < 0)
        return error;
    *out = arr;
    if (!arr)
        return MSTORE_OK;
    if (unique && !(set = json_object()))
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *s = json_array_get(arr, i);
        if (!json_is_string(s)) {
            error = mstore__error(MSTORE_EFORMAT, "%s.%s[%zu]: must be a string", where, key, i);
            break;
        }
        if (unique && (error = seen(set, json_string_value(s))) != 0) {
            if (error > 0)
                error = mstore__error(MSTORE_EFORMAT, "%s.%s: '%s' listed twice", where, key,
                                      json_string_value(s));
            break;
        }
    }
    json_decref(set);
    return error;
}

static int check_hashes(const json_t *hashes, const char *where)
{
    const char *alg;
    const json_t *v;

    if (json_object_size(hashes) == 0)
        return mstore__error(MSTORE_EFORMAT, "%s.hashes: must not be empty", where);
    json_object_foreach((json_t *)hashes, alg, v)
    {
        if (!json_is_string(v))
            return mstore__error(MSTORE_EFORMAT, "%s.hashes.%s: must be a string", where, alg);
    }
    return MSTORE_OK;
}

int mstore__metafile_from_json(mstore_metafile *out, const json_t *v, const char *where)
{
    const json_t *hashes;
    int error;

    if (!json_is_object(v))
        return mstore__error(MSTORE_EFORMAT, "%s: must be an object", where);
    out->version = 0;
    out->length = -1;
    out->hashes = NULL;
    if ((error = want_int(&out->version, v, "version", 1, true, where)) < 0 ||
        (error = want_int(&out->length, v, "length", 0, false, where)) < 0 ||
        (error = want(&hashes, v, "hashes", JSON_OBJECT, false, where)) < 0)
        return error;
    if (hashes && (error = check_hashes(hashes, where)) < 0)
        return error;
    out->hashes = hashes;
    return MSTORE_OK;
}

static int check_spec_version(const char *v)
{
    int parts = 0;
    size_t run = 0;

    for (const char *p = v;; p++) {
        if (*p == '.' || *p == '\0') {
            if (run == 0)
                return -1;
            parts++;
            run = 0;
            if (*p == '\0')
                break;
            continue;
        }
        if (*p < '0' || *p > '9')
            return -1;
        run++;
    }
    if (parts != 2 && parts != 3)
        return -1;
    /* The major version must be ours: "1". */
    return (v[0] == '1' && v[1] == '.') ? 0 : -1;
}

/* ---- index: keys and roles ------------------------------------------------------------------- */

void mstore__metadata_unindex(mstore_metadata *md)
{
    for (size_t i = 0; i < md->n_keys; i++)
        mstore_key_free(md->keys[i].key);
    free(md->keys);
    md->keys = NULL;
    md->n_keys = 0;
    for (size_t i = 0; i < md->n_roles; i++)
        free(md->roles[i].keyids);
    free(md->roles);
    md->roles = NULL;
    md->n_roles = 0;
    free(md->succinct_role.keyids);
    memset(&md->succinct_role, 0, sizeof(md->succinct_role));
    md->succinct = false;
    md->has_delegations = false;
    md->name_prefix = NULL;
    md->bit_length = 0;
}

static int cmp_keyentry(const void *a, const void *b)
{
    return strcmp(((const mstore__keyentry *)a)->id, ((const mstore__keyentry *)b)->id);
}

static int index_keys(mstore_metadata *md, const json_t *keys, const char *where)
{
    const char *id;
    const json_t *v;
    size_t n = json_object_size(keys), i = 0;
    int error;

    if (n == 0)
        return MSTORE_OK;
    md->keys = calloc(n, sizeof(*md->keys));
    if (!md->keys)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    json_object_foreach((json_t *)keys, id, v)
    {
        mstore_key *key = NULL;
        if ((error = mstore_key_from_json(&key, v, id)) < 0)
            return mstore__error_prefix(error, "%s.%s", where, id);
        md->keys[i].key = key;
        md->keys[i].id = mstore_key_id(key);
        md->n_keys = ++i;
    }
    qsort(md->keys, md->n_keys, sizeof(*md->keys), cmp_keyentry);
    return MSTORE_OK;
}

/* Fills a role from {"keyids": [...], "threshold": N, ...}. */
static int index_role(mstore__role *r, const json_t *v, const char *where)
{
    const json_t *keyids;
    int error;

    if (!json_is_object(v))
        return mstore__error(MSTORE_EFORMAT, "%s: must be an object", where);
    if ((error = want_strings(&keyids, v, "keyids", true, true, where)) < 0 ||
        (error = want_int(&r->threshold, v, "threshold", 1, true, where)) < 0)
        return error;
    r->n_keyids = json_array_size(keyids);
    if (r->n_keyids > 0) {
        r->keyids = calloc(r->n_keyids, sizeof(*r->keyids));
        if (!r->keyids)
            return mstore__error(MSTORE_ENOMEM, "out of memory");
        for (size_t i = 0; i < r->n_keyids; i++)
            r->keyids[i] = json_string_value(json_array_get(keyids, i));
    }
    return MSTORE_OK;
}

static int index_root(mstore_metadata *md)
{
    const json_t *keys, *roles, *cs;
    char where[64];
    int error;

    if ((error = want(&keys, md->signed_, "keys", JSON_OBJECT, true, "signed")) < 0 ||
        (error = want(&roles, md->signed_, "roles", JSON_OBJECT, true, "signed")) < 0 ||
        (error = want(&cs, md->signed_, "consistent_snapshot", JSON_TRUE, false, "signed")) < 0)
        return error;
    md->consistent_snapshot = cs && json_is_true(cs);
    if ((error = index_keys(md, keys, "signed.keys")) < 0)
        return error;
    if (json_object_size(roles) != 4)
        return mstore__error(MSTORE_EFORMAT,
                             "signed.roles: must hold exactly root, timestamp, snapshot, targets");
    md->roles = calloc(4, sizeof(*md->roles));
    if (!md->roles)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    for (int i = 0; i < 4; i++) {
        const json_t *r = json_object_get(roles, top_roles[i]);
        snprintf(where, sizeof(where), "signed.roles.%s", top_roles[i]);
        if (!r)
            return mstore__error(MSTORE_EFORMAT, "%s: missing", where);
        md->roles[i].name = top_roles[i];
        md->n_roles = (size_t)i + 1;
        if ((error = index_role(&md->roles[i], r, where)) < 0)
            return error;
    }
    return MSTORE_OK;
}

static int index_delegated_role(mstore_metadata *md, size_t i, const json_t *v, json_t *names)
{
    mstore__role *r = &md->roles[i];
    const json_t *name, *term;
    char where[64];
    int error;

    snprintf(where, sizeof(where), "signed.delegations.roles[%zu]", i);
    if ((error = index_role(r, v, where)) < 0 ||
        (error = want(&name, v, "name", JSON_STRING, true, where)) < 0 ||
        (error = want(&term, v, "terminating", JSON_TRUE, true, where)) < 0 ||
        (error = want_strings(&r->paths, v, "paths", false, false, where)) < 0 ||
        (error = want_strings(&r->prefixes, v, "path_hash_prefixes", false, false, where)) < 0)
        return error;
    r->name = json_string_value(name);
    r->terminating = json_is_true(term);
    if (r->name[0] == '\0')
        return mstore__error(MSTORE_EFORMAT, "%s.name: must not be empty", where);
    for (int k = 0; k < 4; k++)
        if (strcmp(r->name, top_roles[k]) == 0)
            return mstore__error(MSTORE_EFORMAT, "%s.name: '%s' is a top-level role", where,
                                 r->name);
    if ((error = seen(names, r->name)) != 0)
        return error < 0 ? error
                         : mstore__error(MSTORE_EFORMAT, "%s.name: role '%s' delegated twice",
                                         where, r->name);
    if ((r->paths != NULL) == (r->prefixes != NULL))
        return mstore__error(MSTORE_EFORMAT,
                             "%s: needs exactly one of paths and path_hash_prefixes", where);
    return MSTORE_OK;
}

static int index_targets(mstore_metadata *md)
{
    const json_t *del, *keys, *roles, *succinct;
    int error;

    if ((error = want(&del, md->signed_, "delegations", JSON_OBJECT, false, "signed")) < 0)
        return error;
    if (!del)
        return MSTORE_OK;
    md->has_delegations = true;
    if ((error = want(&keys, del, "keys", JSON_OBJECT, true, "signed.delegations")) < 0 ||
        (error = want(&roles, del, "roles", JSON_ARRAY, false, "signed.delegations")) < 0 ||
        (error = want(&succinct, del, "succinct_roles", JSON_OBJECT, false, "signed.delegations")) <
            0)
        return error;
    if ((roles != NULL) == (succinct != NULL))
        return mstore__error(MSTORE_EFORMAT,
                             "signed.delegations: needs exactly one of roles and succinct_roles");
    if ((error = index_keys(md, keys, "signed.delegations.keys")) < 0)
        return error;
    if (roles) {
        size_t n = json_array_size(roles);
        json_t *names = json_object();
        if (!names)
            return mstore__error(MSTORE_ENOMEM, "out of memory");
        if (n > 0 && !(md->roles = calloc(n, sizeof(*md->roles)))) {
            json_decref(names);
            return mstore__error(MSTORE_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            md->n_roles = i + 1;
            if ((error = index_delegated_role(md, i, json_array_get(roles, i), names)) < 0)
                break;
        }
        json_decref(names);
        return error;
    }
    /* TAP 15 succinct hash-bin delegations: 2^bit_length terminating roles "<prefix>-<hex>". */
    const char *where = "signed.delegations.succinct_roles";
    const json_t *prefix;
    int64_t bits = 0;
    if ((error = index_role(&md->succinct_role, succinct, where)) < 0 ||
        (error = want_int(&bits, succinct, "bit_length", 1, true, where)) < 0 ||
        (error = want(&prefix, succinct, "name_prefix", JSON_STRING, true, where)) < 0)
        return error;
    if (bits > 32)
        return mstore__error(MSTORE_EFORMAT, "%s.bit_length: must be between 1 and 32", where);
    md->succinct = true;
    md->bit_length = (int)bits;
    md->name_prefix = json_string_value(prefix);
    md->succinct_role.terminating = true;
    return MSTORE_OK;
}

int mstore__metadata_index(mstore_metadata *md)
{
    int error = MSTORE_OK;

    mstore__metadata_unindex(md);
    if (md->type == MSTORE_ROLE_ROOT)
        error = index_root(md);
    else if (md->type == MSTORE_ROLE_TARGETS)
        error = index_targets(md);
    if (error < 0)
        mstore__metadata_unindex(md);
    return error;
}

/* ---- per-type content ------------------------------------------------------------------------ */

static int check_timestamp(mstore_metadata *md)
{
    const json_t *meta;
    mstore_metafile mf;
    int error;

    if ((error = want(&meta, md->signed_, "meta", JSON_OBJECT, true, "signed")) < 0)
        return error;
    if (json_object_size(meta) != 1 || !json_object_get(meta, "snapshot.json"))
        return mstore__error(MSTORE_EFORMAT, "signed.meta: must hold exactly snapshot.json");
    return mstore__metafile_from_json(&mf, json_object_get(meta, "snapshot.json"),
                                      "signed.meta.snapshot.json");
}

static int check_snapshot(mstore_metadata *md)
{
    const json_t *meta, *v;
    const char *name;
    mstore_metafile mf;
    char where[256];
    int error;

    if ((error = want(&meta, md->signed_, "meta", JSON_OBJECT, true, "signed")) < 0)
        return error;
    json_object_foreach((json_t *)meta, name, v)
    {
        snprintf(where, sizeof(where), "signed.meta.%s", name);
        if ((error = mstore__metafile_from_json(&mf, v, where)) < 0)
            return error;
    }
    return MSTORE_OK;
}

static int check_target_entries(mstore_metadata *md)
{
    const json_t *targets, *v, *hashes;
    const char *path;
    char where[512];
    int64_t length;
    int error;

    if ((error = want(&targets, md->signed_, "targets", JSON_OBJECT, true, "signed")) < 0)
        return error;
    json_object_foreach((json_t *)targets, path, v)
    {
        snprintf(where, sizeof(where), "signed.targets.%s", path);
        if (!json_is_object(v))
            return mstore__error(MSTORE_EFORMAT, "%s: must be an object", where);
        if ((error = want_int(&length, v, "length", 0, true, where)) < 0 ||
            (error = want(&hashes, v, "hashes", JSON_OBJECT, true, where)) < 0 ||
            (error = check_hashes(hashes, where)) < 0)
            return error;
    }
    return MSTORE_OK;
}

/* Signatures: objects with string keyid and sig; one signature per key id at most (the spec
 * requires unique key ids, and duplicates must never count twice towards a threshold). */
static int check_signatures(const json_t *sigs)
{
    json_t *ids = json_object();
    int error = MSTORE_OK;

    if (!ids)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(sigs) && error == MSTORE_OK; i++) {
        const json_t *s = json_array_get(sigs, i), *keyid, *sig;
        char where[48];
        snprintf(where, sizeof(where), "signatures[%zu]", i);
        if (!json_is_object(s)) {
            error = mstore__error(MSTORE_EFORMAT, "%s: must be an object", where);
            break;
        }
        if ((error = want(&keyid, s, "keyid", JSON_STRING, true, where)) < 0 ||
            (error = want(&sig, s, "sig", JSON_STRING, true, where)) < 0)
            break;
        if ((error = seen(ids, json_string_value(keyid))) > 0)
            error = mstore__error(MSTORE_EFORMAT, "%s: key id %s signs twice", where,
                                  json_string_value(keyid));
    }
    json_decref(ids);
    return error;
}

int mstore__metadata_check(mstore_metadata *md)
{
    const json_t *signed_, *sigs, *type, *spec, *expires;
    int64_t version = 0;
    int error;

    if (!json_is_object(md->doc))
        return mstore__error(MSTORE_EFORMAT, "metadata must be a JSON object");
    if ((error = want(&signed_, md->doc, "signed", JSON_OBJECT, true, "metadata")) < 0 ||
        (error = want(&sigs, md->doc, "signatures", JSON_ARRAY, true, "metadata")) < 0)
        return error;
    md->signed_ = (json_t *)signed_;

    if ((error = check_signatures(sigs)) < 0)
        return error;

    if ((error = want(&type, signed_, "_type", JSON_STRING, true, "signed")) < 0)
        return error;
    if (strcmp(json_string_value(type), mstore_role_type_name(md->type)) != 0)
        return mstore__error(MSTORE_EFORMAT, "signed._type: '%s', expected '%s'",
                             json_string_value(type), mstore_role_type_name(md->type));
    if ((error = want(&spec, signed_, "spec_version", JSON_STRING, true, "signed")) < 0)
        return error;
    if (check_spec_version(json_string_value(spec)) != 0)
        return mstore__error(MSTORE_EFORMAT, "signed.spec_version: '%s' is not a 1.x version",
                             json_string_value(spec));
    if ((error = want_int(&version, signed_, "version", 1, true, "signed")) < 0)
        return error;
    if ((error = want(&expires, signed_, "expires", JSON_STRING, true, "signed")) < 0)
        return error;
    if (mstore__parse_time(&md->expires, json_string_value(expires)) != 0)
        return mstore__error(MSTORE_EFORMAT,
                             "signed.expires: '%s' is not of the form YYYY-MM-DDTHH:MM:SSZ",
                             json_string_value(expires));
    md->version = version;

    switch (md->type) {
    case MSTORE_ROLE_TIMESTAMP:
        error = check_timestamp(md);
        break;
    case MSTORE_ROLE_SNAPSHOT:
        error = check_snapshot(md);
        break;
    case MSTORE_ROLE_TARGETS:
        error = check_target_entries(md);
        break;
    case MSTORE_ROLE_ROOT:
        break;
    }
    if (error < 0)
        return error;
    return mstore__metadata_index(md);
}
