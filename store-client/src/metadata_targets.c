/* Targets: entries, and which delegated roles are responsible for a target path. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "metadata_internal.h"

struct mstore_target {
    char *path;
    json_t *entry; /* {"length", "hashes", "custom"?, ...} */
    bool owned;    /* false for the borrowed views handed to foreach callbacks */
};

static const json_t *targets_object(const mstore_metadata *md)
{
    return json_object_get(md->signed_, "targets");
}

size_t mstore_targets_count(const mstore_metadata *md)
{
    if (!md || md->type != MSTORE_ROLE_TARGETS)
        return 0;
    return json_object_size(targets_object(md));
}

static int make_target(mstore_target **out, const char *path, const json_t *entry)
{
    mstore_target *t = calloc(1, sizeof(*t));

    if (!t)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    t->path = mstore__strdup(path);
    t->entry = json_deep_copy(entry);
    t->owned = true;
    if (!t->path || !t->entry) {
        mstore_target_free(t);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    *out = t;
    return MSTORE_OK;
}

int mstore_targets_get(mstore_target **out, const mstore_metadata *md, const char *path)
{
    const json_t *entry;

    if (!out || !md || !path || md->type != MSTORE_ROLE_TARGETS)
        return mstore__error(MSTORE_EINVAL, "not a targets metadata");
    entry = json_object_get(targets_object(md), path);
    if (!entry)
        return mstore__error(MSTORE_ENOTFOUND, "no target '%s'", path);
    return make_target(out, path, entry);
}

int mstore_targets_foreach(const mstore_metadata *md,
                           int (*fn)(void *ctx, const mstore_target *target), void *ctx)
{
    const char *path;
    json_t *entry;

    if (!md || !fn || md->type != MSTORE_ROLE_TARGETS)
        return mstore__error(MSTORE_EINVAL, "not a targets metadata");
    json_object_foreach((json_t *)targets_object(md), path, entry)
    {
        mstore_target view = {(char *)path, entry, false};
        int rc = fn(ctx, &view);
        if (rc != 0)
            return rc;
    }
    return MSTORE_OK;
}

const char *mstore_target_path(const mstore_target *t)
{
    return t ? t->path : NULL;
}

uint64_t mstore_target_length(const mstore_target *t)
{
    return t ? (uint64_t)json_integer_value(json_object_get(t->entry, "length")) : 0;
}

const char *mstore_target_hash(const mstore_target *t, const char *algorithm)
{
    if (!t || !algorithm)
        return NULL;
    return json_string_value(json_object_get(json_object_get(t->entry, "hashes"), algorithm));
}

size_t mstore_target_hashes(const mstore_target *t, mstore_hash *out, size_t max)
{
    const char *alg;
    json_t *v;
    size_t n = 0;

    if (!t)
        return 0;
    json_object_foreach(json_object_get(t->entry, "hashes"), alg, v)
    {
        if (n < max) {
            out[n].algorithm = alg;
            out[n].hex = json_string_value(v);
        }
        n++;
    }
    return n;
}

const json_t *mstore_target_custom(const mstore_target *t)
{
    return t ? json_object_get(t->entry, "custom") : NULL;
}

const json_t *mstore_target_json(const mstore_target *t)
{
    return t ? t->entry : NULL;
}

int mstore_target_dup(mstore_target **out, const mstore_target *t)
{
    if (!out || !t)
        return mstore__error(MSTORE_EINVAL, "no target");
    return make_target(out, t->path, t->entry);
}

void mstore_target_free(mstore_target *t)
{
    if (!t || !t->owned)
        return;
    free(t->path);
    json_decref(t->entry);
    free(t);
}

int mstore_targets_has_delegations(const mstore_metadata *md)
{
    return md && md->type == MSTORE_ROLE_TARGETS && md->has_delegations;
}

/* ---- path patterns --------------------------------------------------------------------------- */

/* A pattern matches when it has as many '/'-separated segments as the path and each segment
 * matches shell-style (*, ?, [...]); so a wildcard never crosses a '/'. Backslash is an
 * ordinary character, as in Python's fnmatch that python-tuf uses. */
static bool pattern_matches(const char *pattern, const char *path)
{
    const char *p = pattern, *t = path;
    char pseg[1024], tseg[1024];

    for (;;) {
        const char *pe = strchr(p, '/'), *te = strchr(t, '/');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p), tl = te ? (size_t)(te - t) : strlen(t);

        if ((pe == NULL) != (te == NULL))
            return false;
        if (pl >= sizeof(pseg) || tl >= sizeof(tseg))
            return false;
        memcpy(pseg, p, pl);
        pseg[pl] = '\0';
        memcpy(tseg, t, tl);
        tseg[tl] = '\0';
        if (fnmatch(pseg, tseg, FNM_NOESCAPE) != 0)
            return false;
        if (!pe)
            return true;
        p = pe + 1;
        t = te + 1;
    }
}

static bool role_matches(const mstore__role *r, const char *path, const char *path_sha256)
{
    if (r->paths) {
        for (size_t i = 0; i < json_array_size(r->paths); i++)
            if (pattern_matches(json_string_value(json_array_get(r->paths, i)), path))
                return true;
        return false;
    }
    for (size_t i = 0; i < json_array_size(r->prefixes); i++) {
        const char *prefix = json_string_value(json_array_get(r->prefixes, i));
        if (strncmp(path_sha256, prefix, strlen(prefix)) == 0)
            return true;
    }
    return false;
}

int mstore_targets_roles_for(const char ***names, bool **terminating, size_t *n,
                             const mstore_metadata *md, const char *path)
{
    char digest[MSTORE_HASH_HEX_MAX];
    const char **out_names = NULL;
    bool *out_term = NULL;
    size_t count = 0;
    int error;

    if (!names || !terminating || !n || !md || !path || md->type != MSTORE_ROLE_TARGETS)
        return mstore__error(MSTORE_EINVAL, "not a targets metadata");
    *names = NULL;
    *terminating = NULL;
    *n = 0;
    if (!md->has_delegations)
        return MSTORE_OK;
    if ((error = mstore_hash_data(digest, "sha256", path, strlen(path))) < 0)
        return error;
    if (md->succinct) {
        /* The bin is the leading bit_length bits of SHA-256(path); every bin terminates. The
         * name is stored in the same allocation as the array, so free(names) releases it. */
        uint32_t v = 0;
        char last[16], name[1100];
        int len;

        for (int i = 0; i < 8; i++)
            v = v << 4 | (uint32_t)(digest[i] <= '9' ? digest[i] - '0' : digest[i] - 'a' + 10);
        v = md->bit_length == 32 ? v : v >> (32 - md->bit_length);
        snprintf(last, sizeof(last), "%llx",
                 (unsigned long long)(((uint64_t)1 << md->bit_length) - 1));
        len = snprintf(name, sizeof(name), "%s-%0*x", md->name_prefix, (int)strlen(last), v);
        if (len < 0 || len >= (int)sizeof(name))
            return mstore__error(MSTORE_ELIMIT, "succinct role name prefix too long");
        out_names = malloc(sizeof(*out_names) + (size_t)len + 1);
        out_term = malloc(sizeof(*out_term));
        if (!out_names || !out_term) {
            free(out_names);
            free(out_term);
            return mstore__error(MSTORE_ENOMEM, "out of memory");
        }
        memcpy((char *)(out_names + 1), name, (size_t)len + 1);
        out_names[0] = (const char *)(out_names + 1);
        out_term[0] = true;
        *names = out_names;
        *terminating = out_term;
        *n = 1;
        return MSTORE_OK;
    }
    for (size_t i = 0; i < md->n_roles; i++) {
        if (!role_matches(&md->roles[i], path, digest))
            continue;
        if (!out_names) {
            out_names = malloc(md->n_roles * sizeof(*out_names));
            out_term = malloc(md->n_roles * sizeof(*out_term));
            if (!out_names || !out_term) {
                free(out_names);
                free(out_term);
                return mstore__error(MSTORE_ENOMEM, "out of memory");
            }
        }
        out_names[count] = md->roles[i].name;
        out_term[count] = md->roles[i].terminating;
        count++;
    }
    *names = out_names;
    *terminating = out_term;
    *n = count;
    return MSTORE_OK;
}
