/* TUF metadata objects: parsing, accessors, threshold verification, signing, serialisation. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "key_scheme.h"
#include "metadata_internal.h"
#include "mstore/canonjson.h"

const char *mstore_role_type_name(mstore_role_type type)
{
    switch (type) {
    case MSTORE_ROLE_ROOT:
        return "root";
    case MSTORE_ROLE_TIMESTAMP:
        return "timestamp";
    case MSTORE_ROLE_SNAPSHOT:
        return "snapshot";
    case MSTORE_ROLE_TARGETS:
        return "targets";
    }
    return "?";
}

void mstore_metadata_free(mstore_metadata *md)
{
    if (!md)
        return;
    mstore__metadata_unindex(md);
    json_decref(md->doc);
    free(md);
}

/* Takes ownership of doc. */
static int from_doc(mstore_metadata **out, json_t *doc, mstore_role_type type, const char *what)
{
    mstore_metadata *md = calloc(1, sizeof(*md));
    int error;

    if (!md) {
        json_decref(doc);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    md->type = type;
    md->doc = doc;
    if ((error = mstore__metadata_check(md)) < 0) {
        mstore_metadata_free(md);
        return what ? mstore__error_prefix(error, "%s", what) : error;
    }
    *out = md;
    return MSTORE_OK;
}

int mstore_metadata_parse(mstore_metadata **out, const void *data, size_t size,
                          mstore_role_type type, const char *what)
{
    json_t *doc = NULL;
    int error;

    if (!out || (!data && size))
        return mstore__error(MSTORE_EINVAL, "no metadata");
    if (type < MSTORE_ROLE_ROOT || type > MSTORE_ROLE_TARGETS)
        return mstore__error(MSTORE_EINVAL, "unknown role type %d", (int)type);
    if (!what)
        what = mstore_role_type_name(type);
    if ((error = mstore_json_parse(&doc, data, size, what)) < 0)
        return error;
    return from_doc(out, doc, type, what);
}

int mstore_metadata_load(mstore_metadata **out, const char *path, mstore_role_type type, size_t max)
{
    unsigned char *data = NULL;
    size_t size = 0;
    int error;

    if (!out || !path)
        return mstore__error(MSTORE_EINVAL, "no path");
    if ((error = mstore__read_file(&data, &size, path, max)) < 0)
        return error;
    error = mstore_metadata_parse(out, data, size, type, path);
    free(data);
    return error;
}

int mstore_metadata_dup(mstore_metadata **out, const mstore_metadata *md)
{
    json_t *doc;

    if (!out || !md)
        return mstore__error(MSTORE_EINVAL, "no metadata");
    doc = json_deep_copy(md->doc);
    if (!doc)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return from_doc(out, doc, md->type, NULL);
}

mstore_role_type mstore_metadata_type(const mstore_metadata *md)
{
    return md->type;
}

int64_t mstore_metadata_version(const mstore_metadata *md)
{
    return md ? md->version : 0;
}

int64_t mstore_metadata_expires(const mstore_metadata *md)
{
    return md ? md->expires : 0;
}

int mstore_metadata_is_expired(const mstore_metadata *md, int64_t now)
{
    return !md || now >= md->expires;
}

const json_t *mstore_metadata_signed_json(const mstore_metadata *md)
{
    return md ? md->signed_ : NULL;
}

int mstore_metadata_signed_bytes(char **out, size_t *size, const mstore_metadata *md)
{
    if (!out || !md)
        return mstore__error(MSTORE_EINVAL, "no metadata");
    return mstore_canonjson_encode(out, size, md->signed_);
}

/* ---- roles, keys, verification --------------------------------------------------------------- */

const mstore__role *mstore__metadata_find_role(const mstore_metadata *md, const char *name)
{
    for (size_t i = 0; i < md->n_roles; i++)
        if (strcmp(md->roles[i].name, name) == 0)
            return &md->roles[i];
    return NULL;
}

/* A succinct bin name: "<prefix>-" then exactly as many lowercase hex digits as the last bin
 * needs, naming a bin below 2^bit_length. */
static bool is_succinct_bin(const mstore_metadata *md, const char *name)
{
    uint64_t bins = (uint64_t)1 << md->bit_length, value = 0;
    size_t plen = strlen(md->name_prefix), digits = 0;
    char last[16];

    if (strncmp(name, md->name_prefix, plen) != 0 || name[plen] != '-')
        return false;
    snprintf(last, sizeof(last), "%llx", (unsigned long long)(bins - 1));
    for (const char *p = name + plen + 1; *p; p++, digits++) {
        int v = (*p >= '0' && *p <= '9') ? *p - '0' : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 : -1;
        if (v < 0 || digits >= 8)
            return false;
        value = value * 16 + (uint64_t)v;
    }
    return digits == strlen(last) && value < bins;
}

static const mstore__role *delegated_role(const mstore_metadata *delegator, const char *role)
{
    if (delegator->type == MSTORE_ROLE_TARGETS && delegator->succinct)
        return is_succinct_bin(delegator, role) ? &delegator->succinct_role : NULL;
    return mstore__metadata_find_role(delegator, role);
}

const mstore_key *mstore_metadata_key(const mstore_metadata *delegator, const char *keyid)
{
    size_t lo = 0, hi;

    if (!delegator || !keyid)
        return NULL;
    hi = delegator->n_keys;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(delegator->keys[mid].id, keyid);
        if (c == 0)
            return delegator->keys[mid].key;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int mstore_metadata_role(const mstore_metadata *delegator, const char *role,
                         const char *const **keyids, size_t *n, int64_t *threshold)
{
    const mstore__role *r;

    if (!delegator || !role)
        return mstore__error(MSTORE_EINVAL, "no delegator or role");
    r = delegated_role(delegator, role);
    if (!r)
        return mstore__error(MSTORE_ENOTFOUND, "%s does not delegate role '%s'",
                             mstore_role_type_name(delegator->type), role);
    if (keyids)
        *keyids = r->keyids;
    if (n)
        *n = r->n_keyids;
    if (threshold)
        *threshold = r->threshold;
    return MSTORE_OK;
}

int mstore_metadata_verify(const mstore_metadata *delegator, const char *role,
                           const mstore_metadata *md)
{
    const mstore__role *r;
    const json_t *sigs;
    json_t *by_keyid = NULL, *signers = NULL;
    char *canon = NULL;
    size_t canon_len = 0, good = 0;
    int error;

    if (!delegator || !role || !md)
        return mstore__error(MSTORE_EINVAL, "nothing to verify");
    if (delegator->type != MSTORE_ROLE_ROOT && delegator->type != MSTORE_ROLE_TARGETS)
        return mstore__error(MSTORE_EINVAL, "%s cannot delegate",
                             mstore_role_type_name(delegator->type));
    r = delegated_role(delegator, role);
    if (!r)
        return mstore__error(MSTORE_ENOTFOUND, "%s does not delegate role '%s'",
                             mstore_role_type_name(delegator->type), role);
    if ((error = mstore_canonjson_encode(&canon, &canon_len, md->signed_)) < 0)
        return mstore__error_prefix(error, "%s", role);

    /* Signature lookup by key id (key ids are unique, checked when parsing). */
    sigs = json_object_get(md->doc, "signatures");
    by_keyid = json_object();
    if (!by_keyid) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(sigs); i++) {
        const json_t *s = json_array_get(sigs, i);
        json_object_set(by_keyid, json_string_value(json_object_get(s, "keyid")),
                        json_object_get(s, "sig"));
    }
    /* Each key counts at most once: the role's key ids are distinct, but two of them may name
     * one key (the same public value, maybe written differently), whose holder alone must not
     * reach a threshold of two. So valid signatures are counted by key material. */
    signers = json_object();
    if (!signers) {
        error = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < r->n_keyids; i++) {
        const mstore_key *key = mstore_metadata_key(delegator, r->keyids[i]);
        const json_t *sig = json_object_get(by_keyid, r->keyids[i]);
        char material[MSTORE__KEY_MATERIAL_HEX];
        if (!key || !sig ||
            mstore_key_verify(key, canon, canon_len, json_string_value(sig)) != MSTORE_OK)
            continue;
        if (mstore__key_material(material, key) < 0 || json_object_get(signers, material))
            continue;
        if (json_object_set_new(signers, material, json_true()) != 0) {
            error = mstore__error(MSTORE_ENOMEM, "out of memory");
            goto out;
        }
        good++;
    }
    if ((int64_t)good >= r->threshold)
        error = MSTORE_OK;
    else
        error = mstore__error(MSTORE_ESIGNATURE, "%s: %zu of %lld required signatures", role, good,
                              (long long)r->threshold);
out:
    json_decref(by_keyid);
    json_decref(signers);
    free(canon);
    return error;
}

int mstore_root_consistent_snapshot(const mstore_metadata *root)
{
    return root && root->type == MSTORE_ROLE_ROOT && root->consistent_snapshot;
}

/* ---- timestamp and snapshot meta ------------------------------------------------------------- */

int mstore_timestamp_snapshot_meta(mstore_metafile *out, const mstore_metadata *ts)
{
    if (!out || !ts || ts->type != MSTORE_ROLE_TIMESTAMP)
        return mstore__error(MSTORE_EINVAL, "not a timestamp");
    return mstore__metafile_from_json(
        out, json_object_get(json_object_get(ts->signed_, "meta"), "snapshot.json"),
        "signed.meta.snapshot.json");
}

int mstore_snapshot_meta(mstore_metafile *out, const mstore_metadata *snap, const char *filename)
{
    const json_t *v;

    if (!out || !snap || !filename || snap->type != MSTORE_ROLE_SNAPSHOT)
        return mstore__error(MSTORE_EINVAL, "not a snapshot");
    v = json_object_get(json_object_get(snap->signed_, "meta"), filename);
    if (!v)
        return mstore__error(MSTORE_ENOTFOUND, "snapshot does not list %s", filename);
    return mstore__metafile_from_json(out, v, filename);
}

size_t mstore_snapshot_meta_count(const mstore_metadata *snap)
{
    if (!snap || snap->type != MSTORE_ROLE_SNAPSHOT)
        return 0;
    return json_object_size(json_object_get(snap->signed_, "meta"));
}

int mstore_snapshot_meta_foreach(const mstore_metadata *snap,
                                 int (*fn)(void *ctx, const char *filename,
                                           const mstore_metafile *meta),
                                 void *ctx)
{
    const char *name;
    json_t *v;

    if (!snap || !fn || snap->type != MSTORE_ROLE_SNAPSHOT)
        return mstore__error(MSTORE_EINVAL, "not a snapshot");
    json_object_foreach(json_object_get(snap->signed_, "meta"), name, v)
    {
        mstore_metafile mf;
        int rc = mstore__metafile_from_json(&mf, v, name);
        if (rc == MSTORE_OK)
            rc = fn(ctx, name, &mf);
        if (rc != 0)
            return rc;
    }
    return MSTORE_OK;
}

int mstore_metafile_check(const mstore_metafile *meta, const void *data, size_t size,
                          const char *what)
{
    const char *alg;
    json_t *v;

    if (!meta || (!data && size))
        return mstore__error(MSTORE_EINVAL, "nothing to check");
    if (meta->length >= 0 && (uint64_t)meta->length != size)
        return mstore__error(MSTORE_ELENGTH, "%s: %zu bytes, expected %lld", what, size,
                             (long long)meta->length);
    if (!meta->hashes)
        return MSTORE_OK;
    json_object_foreach((json_t *)meta->hashes, alg, v)
    {
        char hex[MSTORE_HASH_HEX_MAX];
        int error;
        if (!mstore_hash_supported(alg))
            return mstore__error(MSTORE_EUNSUPPORTED, "%s: unsupported hash algorithm '%s'", what,
                                 alg);
        if ((error = mstore_hash_data(hex, alg, data, size)) < 0)
            return error;
        if (strcmp(hex, json_string_value(v)) != 0)
            return mstore__error(MSTORE_EHASH, "%s: %s is %s, expected %s", what, alg, hex,
                                 json_string_value(v));
    }
    return MSTORE_OK;
}

/* ---- signing and serialisation --------------------------------------------------------------- */

void mstore_metadata_clear_signatures(mstore_metadata *md)
{
    if (md)
        json_array_clear(json_object_get(md->doc, "signatures"));
}

int mstore_metadata_sign(mstore_metadata *md, const mstore_key *key)
{
    json_t *sigs, *entry;
    char *canon = NULL, *sig = NULL;
    size_t canon_len = 0;
    int error;

    if (!md || !key)
        return mstore__error(MSTORE_EINVAL, "no metadata or key");
    if ((error = mstore_canonjson_encode(&canon, &canon_len, md->signed_)) < 0)
        return error;
    error = mstore_key_sign(&sig, key, canon, canon_len);
    free(canon);
    if (error < 0)
        return error;
    sigs = json_object_get(md->doc, "signatures");
    for (size_t i = 0; i < json_array_size(sigs); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(sigs, i), "keyid"));
        if (strcmp(id, mstore_key_id(key)) == 0) {
            json_array_remove(sigs, i);
            break;
        }
    }
    entry = json_pack("{s:s,s:s}", "keyid", mstore_key_id(key), "sig", sig);
    free(sig);
    if (!entry || json_array_append_new(sigs, entry) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

int mstore_metadata_to_bytes(char **out, size_t *size, const mstore_metadata *md)
{
    char *text;

    if (!out || !md)
        return mstore__error(MSTORE_EINVAL, "no metadata");
    text = json_dumps(md->doc, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (!text)
        return mstore__error(MSTORE_ENOMEM, "cannot serialise %s metadata",
                             mstore_role_type_name(md->type));
    *out = text;
    if (size)
        *size = strlen(text);
    return MSTORE_OK;
}

int mstore_metadata_save(const mstore_metadata *md, const char *path)
{
    char *text = NULL;
    size_t size = 0;
    int error;

    if (!path)
        return mstore__error(MSTORE_EINVAL, "no path");
    if ((error = mstore_metadata_to_bytes(&text, &size, md)) < 0)
        return error;
    error = mstore__write_file_atomic(path, text, size, 0644);
    free(text);
    return error;
}
