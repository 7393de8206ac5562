/* The writer side of TUF metadata, used by the cloud store: new documents, versions, expiry,
 * keys and roles, meta entries, targets and delegations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "metadata_internal.h"

static const char *const top_roles[4] = {"root", "timestamp", "snapshot", "targets"};

static bool is_top_role(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, top_roles[i]) == 0)
            return true;
    return false;
}

json_t *mstore__metafile_json(int64_t version, const void *data, size_t size)
{
    char hex[MSTORE_HASH_HEX_MAX];
    json_t *mf;

    if (!data)
        return json_pack("{s:I}", "version", (json_int_t)version);
    if (mstore_hash_data(hex, "sha256", data, size) < 0)
        return NULL;
    mf = json_pack("{s:I,s:I,s:{s:s}}", "version", (json_int_t)version, "length", (json_int_t)size,
                   "hashes", "sha256", hex);
    return mf;
}

int mstore_metadata_new(mstore_metadata **out, mstore_role_type type, int64_t expires)
{
    char when[21];
    json_t *signed_ = NULL, *doc = NULL;
    mstore_metadata *md;
    int error;

    if (!out || type < MSTORE_ROLE_ROOT || type > MSTORE_ROLE_TARGETS)
        return mstore__error(MSTORE_EINVAL, "unknown role type");
    if (mstore__format_time(when, expires) != 0)
        return mstore__error(MSTORE_EINVAL, "expiry out of range (years 1 to 9999)");
    signed_ = json_pack("{s:s,s:s,s:i,s:s}", "_type", mstore_role_type_name(type), "spec_version",
                        MSTORE_SPEC_VERSION, "version", 1, "expires", when);
    if (!signed_)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    switch (type) {
    case MSTORE_ROLE_ROOT: {
        json_t *roles = json_object();
        for (int i = 0; roles && i < 4; i++)
            json_object_set_new(roles, top_roles[i],
                                json_pack("{s:[],s:i}", "keyids", "threshold", 1));
        error = !roles || json_object_set_new(signed_, "roles", roles) ||
                json_object_set_new(signed_, "keys", json_object()) ||
                json_object_set_new(signed_, "consistent_snapshot", json_true());
        break;
    }
    case MSTORE_ROLE_TIMESTAMP:
        error = json_object_set_new(signed_, "meta",
                                    json_pack("{s:{s:i}}", "snapshot.json", "version", 1));
        break;
    case MSTORE_ROLE_SNAPSHOT:
        error = json_object_set_new(signed_, "meta",
                                    json_pack("{s:{s:i}}", "targets.json", "version", 1));
        break;
    default:
        error = json_object_set_new(signed_, "targets", json_object());
        break;
    }
    if (error) {
        json_decref(signed_);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    doc = json_pack("{s:[],s:o}", "signatures", "signed", signed_);
    if (!doc)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    md = calloc(1, sizeof(*md));
    if (!md) {
        json_decref(doc);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    md->type = type;
    md->doc = doc;
    if ((error = mstore__metadata_check(md)) < 0) {
        mstore_metadata_free(md);
        return error;
    }
    *out = md;
    return MSTORE_OK;
}

int mstore_metadata_set_version(mstore_metadata *md, int64_t version)
{
    if (!md || version < 1)
        return mstore__error(MSTORE_EINVAL, "version must be at least 1");
    if (json_object_set_new(md->signed_, "version", json_integer((json_int_t)version)) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    md->version = version;
    return MSTORE_OK;
}

int mstore_metadata_bump_version(mstore_metadata *md)
{
    if (!md)
        return mstore__error(MSTORE_EINVAL, "no metadata");
    if (md->version == INT64_MAX)
        return mstore__error(MSTORE_ELIMIT, "version cannot grow further");
    return mstore_metadata_set_version(md, md->version + 1);
}

int mstore_metadata_set_expires(mstore_metadata *md, int64_t expires)
{
    char when[21];

    if (!md || mstore__format_time(when, expires) != 0)
        return mstore__error(MSTORE_EINVAL, "expiry out of range (years 1 to 9999)");
    if (json_object_set_new(md->signed_, "expires", json_string(when)) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    md->expires = expires;
    return MSTORE_OK;
}

int mstore_metadata_set_extra(mstore_metadata *md, const char *field, const json_t *value)
{
    static const char *const defined[] = {
        "_type", "spec_version", "version", "expires",     "keys",
        "roles", "meta",         "targets", "delegations", "consistent_snapshot"};
    int rc;

    if (!md || !field)
        return mstore__error(MSTORE_EINVAL, "no field");
    for (size_t i = 0; i < sizeof(defined) / sizeof(defined[0]); i++)
        if (strcmp(field, defined[i]) == 0)
            return mstore__error(MSTORE_EINVAL, "'%s' is a TUF field; use its own setter", field);
    if (value && json_is_real(value))
        return mstore__error(MSTORE_EINVAL, "%s: canonical JSON has no floating-point numbers",
                             field);
    if (!value) {
        json_object_del(md->signed_, field);
        return MSTORE_OK;
    }
    rc = json_object_set_new(md->signed_, field, json_deep_copy(value));
    return rc == 0 ? MSTORE_OK : mstore__error(MSTORE_ENOMEM, "out of memory");
}

/* ---- root ------------------------------------------------------------------------------------ */

static int want_type(const mstore_metadata *md, mstore_role_type type)
{
    if (!md || md->type != type)
        return mstore__error(MSTORE_EINVAL, "not %s metadata", mstore_role_type_name(type));
    return MSTORE_OK;
}

/* Appends keyid to a keyids array unless it is there. */
static int add_keyid(json_t *keyids, const char *keyid)
{
    for (size_t i = 0; i < json_array_size(keyids); i++)
        if (strcmp(json_string_value(json_array_get(keyids, i)), keyid) == 0)
            return MSTORE_OK;
    if (json_array_append_new(keyids, json_string(keyid)) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

static bool remove_keyid(json_t *keyids, const char *keyid)
{
    for (size_t i = 0; i < json_array_size(keyids); i++)
        if (strcmp(json_string_value(json_array_get(keyids, i)), keyid) == 0) {
            json_array_remove(keyids, i);
            return true;
        }
    return false;
}

static int add_key_json(json_t *keys, const mstore_key *key)
{
    json_t *kj = NULL;
    int error;

    if ((error = mstore_key_to_json(&kj, key)) < 0)
        return error;
    if (json_object_set_new(keys, mstore_key_id(key), kj) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

int mstore_root_add_key(mstore_metadata *root, const char *role, const mstore_key *key)
{
    json_t *r;
    int error;

    if ((error = want_type(root, MSTORE_ROLE_ROOT)) < 0)
        return error;
    if (!role || !key || !is_top_role(role))
        return mstore__error(MSTORE_EINVAL, "root delegates only root, timestamp, snapshot, "
                                            "targets");
    r = json_object_get(json_object_get(root->signed_, "roles"), role);
    if ((error = add_key_json(json_object_get(root->signed_, "keys"), key)) < 0 ||
        (error = add_keyid(json_object_get(r, "keyids"), mstore_key_id(key))) < 0)
        return error;
    return mstore__metadata_index(root);
}

int mstore_root_revoke_key(mstore_metadata *root, const char *role, const char *keyid)
{
    json_t *roles;
    int error;

    if ((error = want_type(root, MSTORE_ROLE_ROOT)) < 0)
        return error;
    if (!role || !keyid || !is_top_role(role))
        return mstore__error(MSTORE_EINVAL, "no such role");
    roles = json_object_get(root->signed_, "roles");
    if (!remove_keyid(json_object_get(json_object_get(roles, role), "keyids"), keyid))
        return mstore__error(MSTORE_ENOTFOUND, "role %s has no key %s", role, keyid);
    for (int i = 0; i < 4; i++) {
        json_t *ids = json_object_get(json_object_get(roles, top_roles[i]), "keyids");
        for (size_t k = 0; k < json_array_size(ids); k++)
            if (strcmp(json_string_value(json_array_get(ids, k)), keyid) == 0)
                return mstore__metadata_index(root);
    }
    json_object_del(json_object_get(root->signed_, "keys"), keyid);
    return mstore__metadata_index(root);
}

int mstore_root_set_threshold(mstore_metadata *root, const char *role, int64_t threshold)
{
    json_t *r;
    int error;

    if ((error = want_type(root, MSTORE_ROLE_ROOT)) < 0)
        return error;
    if (!role || !is_top_role(role) || threshold < 1)
        return mstore__error(MSTORE_EINVAL, "threshold must be at least 1 for a top-level role");
    r = json_object_get(json_object_get(root->signed_, "roles"), role);
    if (json_object_set_new(r, "threshold", json_integer((json_int_t)threshold)) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return mstore__metadata_index(root);
}

int mstore_root_set_consistent_snapshot(mstore_metadata *root, bool on)
{
    int error;

    if ((error = want_type(root, MSTORE_ROLE_ROOT)) < 0)
        return error;
    if (json_object_set_new(root->signed_, "consistent_snapshot", json_boolean(on)) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    root->consistent_snapshot = on;
    return MSTORE_OK;
}

/* ---- timestamp and snapshot ------------------------------------------------------------------ */

int mstore_timestamp_set_snapshot(mstore_metadata *ts, int64_t version, const void *data,
                                  size_t size)
{
    json_t *mf;
    int error;

    if ((error = want_type(ts, MSTORE_ROLE_TIMESTAMP)) < 0)
        return error;
    if (version < 1)
        return mstore__error(MSTORE_EINVAL, "version must be at least 1");
    mf = mstore__metafile_json(version, data, size);
    if (!mf || json_object_set_new(json_object_get(ts->signed_, "meta"), "snapshot.json", mf))
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

int mstore_snapshot_set_meta(mstore_metadata *snap, const char *filename, int64_t version,
                             const void *data, size_t size)
{
    json_t *mf;
    int error;

    if ((error = want_type(snap, MSTORE_ROLE_SNAPSHOT)) < 0)
        return error;
    if (!filename || !*filename || version < 1)
        return mstore__error(MSTORE_EINVAL, "snapshot entries need a file name and version >= 1");
    mf = mstore__metafile_json(version, data, size);
    if (!mf || json_object_set_new(json_object_get(snap->signed_, "meta"), filename, mf))
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

int mstore_snapshot_remove_meta(mstore_metadata *snap, const char *filename)
{
    int error;

    if ((error = want_type(snap, MSTORE_ROLE_SNAPSHOT)) < 0)
        return error;
    if (!filename || json_object_del(json_object_get(snap->signed_, "meta"), filename) != 0)
        return mstore__error(MSTORE_ENOTFOUND, "snapshot does not list %s",
                             filename ? filename : "(null)");
    return MSTORE_OK;
}

/* ---- targets --------------------------------------------------------------------------------- */

int mstore_targets_add(mstore_metadata *md, const char *path, uint64_t length,
                       const mstore_hash *hashes, size_t n_hashes, const json_t *custom)
{
    json_t *entry, *hj;
    int error;

    if ((error = want_type(md, MSTORE_ROLE_TARGETS)) < 0)
        return error;
    if (!path || !*path || !hashes || n_hashes == 0 || length > (uint64_t)INT64_MAX)
        return mstore__error(MSTORE_EINVAL, "a target needs a path, a length and a hash");
    if (custom && json_is_real(custom))
        return mstore__error(MSTORE_EINVAL, "%s: custom: no floating-point numbers", path);
    hj = json_object();
    entry = json_pack("{s:I,s:o}", "length", (json_int_t)length, "hashes", hj);
    if (!entry)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n_hashes; i++) {
        char probe[MSTORE_HASH_HEX_MAX];
        if (!hashes[i].algorithm || !hashes[i].hex ||
            mstore_hash_data(probe, hashes[i].algorithm, "", 0) < 0 ||
            strlen(hashes[i].hex) != strlen(probe)) {
            json_decref(entry);
            return mstore__error(MSTORE_EINVAL, "%s: hash %zu: unsupported or malformed", path, i);
        }
        json_object_set_new(hj, hashes[i].algorithm, json_string(hashes[i].hex));
    }
    if (custom && json_object_set_new(entry, "custom", json_deep_copy(custom)) != 0) {
        json_decref(entry);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    if (json_object_set_new(json_object_get(md->signed_, "targets"), path, entry) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return MSTORE_OK;
}

int mstore_targets_add_data(mstore_metadata *md, const char *path, const void *data, size_t size,
                            const json_t *custom)
{
    char hex[MSTORE_HASH_HEX_MAX];
    mstore_hash h = {"sha256", hex};
    int error;

    if ((error = mstore_hash_data(hex, "sha256", data, size)) < 0)
        return error;
    return mstore_targets_add(md, path, size, &h, 1, custom);
}

int mstore_targets_add_file(mstore_metadata *md, const char *path, const char *file,
                            const json_t *custom)
{
    char hex[MSTORE_HASH_HEX_MAX];
    mstore_hash h = {"sha256", hex};
    struct stat st;
    int error;

    if (!file)
        return mstore__error(MSTORE_EINVAL, "no file");
    if ((error = mstore_hash_file(hex, "sha256", file)) < 0)
        return error;
    if (stat(file, &st) != 0)
        return mstore__error(MSTORE_EIO, "%s: cannot stat", file);
    /* Hash the file again if it changed size meanwhile: the entry must describe one content. */
    char again[MSTORE_HASH_HEX_MAX];
    if ((error = mstore_hash_file(again, "sha256", file)) < 0)
        return error;
    if (strcmp(hex, again) != 0)
        return mstore__error(MSTORE_EIO, "%s: changed while being hashed", file);
    return mstore_targets_add(md, path, (uint64_t)st.st_size, &h, 1, custom);
}

int mstore_targets_remove(mstore_metadata *md, const char *path)
{
    int error;

    if ((error = want_type(md, MSTORE_ROLE_TARGETS)) < 0)
        return error;
    if (!path || json_object_del(json_object_get(md->signed_, "targets"), path) != 0)
        return mstore__error(MSTORE_ENOTFOUND, "no target '%s'", path ? path : "(null)");
    return MSTORE_OK;
}

static json_t *find_delegated(json_t *roles, const char *name, size_t *index)
{
    for (size_t i = 0; i < json_array_size(roles); i++) {
        json_t *r = json_array_get(roles, i);
        if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0) {
            if (index)
                *index = i;
            return r;
        }
    }
    return NULL;
}

int mstore_targets_add_delegation(mstore_metadata *md, const char *name, const char *const *paths,
                                  size_t n_paths, int64_t threshold, bool terminating)
{
    json_t *del, *roles, *role, *pj;
    int error;

    if ((error = want_type(md, MSTORE_ROLE_TARGETS)) < 0)
        return error;
    if (!name || !*name || is_top_role(name) || threshold < 1 || (!paths && n_paths))
        return mstore__error(MSTORE_EINVAL, "a delegation needs a name that is not a top-level "
                                            "role and a threshold of at least 1");
    del = json_object_get(md->signed_, "delegations");
    if (!del) {
        del = json_pack("{s:{},s:[]}", "keys", "roles");
        if (!del || json_object_set_new(md->signed_, "delegations", del) != 0)
            return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    roles = json_object_get(del, "roles");
    if (!roles)
        return mstore__error(MSTORE_EINVAL, "this targets delegates with succinct roles");
    if (find_delegated(roles, name, NULL))
        return mstore__error(MSTORE_EEXISTS, "role '%s' is delegated already", name);
    pj = json_array();
    for (size_t i = 0; pj && i < n_paths; i++)
        json_array_append_new(pj, json_string(paths[i]));
    role = json_pack("{s:s,s:[],s:I,s:b,s:o}", "name", name, "keyids", "threshold",
                     (json_int_t)threshold, "terminating", terminating, "paths", pj);
    if (!role || json_array_append_new(roles, role) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return mstore__metadata_index(md);
}

int mstore_targets_add_delegation_key(mstore_metadata *md, const char *name, const mstore_key *key)
{
    json_t *del, *role;
    int error;

    if ((error = want_type(md, MSTORE_ROLE_TARGETS)) < 0)
        return error;
    if (!key)
        return mstore__error(MSTORE_EINVAL, "no key");
    del = json_object_get(md->signed_, "delegations");
    if (!name) {
        role = json_object_get(del, "succinct_roles");
        if (!role)
            return mstore__error(MSTORE_EINVAL, "this targets has no succinct roles");
    } else {
        role = find_delegated(json_object_get(del, "roles"), name, NULL);
        if (!role)
            return mstore__error(MSTORE_ENOTFOUND, "role '%s' is not delegated", name);
    }
    if ((error = add_key_json(json_object_get(del, "keys"), key)) < 0 ||
        (error = add_keyid(json_object_get(role, "keyids"), mstore_key_id(key))) < 0)
        return error;
    return mstore__metadata_index(md);
}

int mstore_targets_remove_delegation(mstore_metadata *md, const char *name)
{
    json_t *del, *roles, *keys, *role;
    const char *keyid;
    json_t *unused;
    void *tmp;
    size_t index = 0;
    int error;

    if ((error = want_type(md, MSTORE_ROLE_TARGETS)) < 0)
        return error;
    del = json_object_get(md->signed_, "delegations");
    roles = json_object_get(del, "roles");
    role = name ? find_delegated(roles, name, &index) : NULL;
    if (!role)
        return mstore__error(MSTORE_ENOTFOUND, "role '%s' is not delegated",
                             name ? name : "(null)");
    json_array_remove(roles, index);
    /* Drop keys no remaining role uses. */
    keys = json_object_get(del, "keys");
    json_object_foreach_safe(keys, tmp, keyid, unused)
    {
        bool used = false;
        for (size_t i = 0; i < json_array_size(roles) && !used; i++) {
            json_t *ids = json_object_get(json_array_get(roles, i), "keyids");
            for (size_t k = 0; k < json_array_size(ids) && !used; k++)
                used = strcmp(json_string_value(json_array_get(ids, k)), keyid) == 0;
        }
        if (!used)
            json_object_del(keys, keyid);
    }
    return mstore__metadata_index(md);
}

int mstore_targets_set_succinct_roles(mstore_metadata *md, int bit_length, const char *name_prefix,
                                      int64_t threshold)
{
    json_t *del;
    int error;

    if ((error = want_type(md, MSTORE_ROLE_TARGETS)) < 0)
        return error;
    if (bit_length < 1 || bit_length > 32 || !name_prefix || threshold < 1)
        return mstore__error(MSTORE_EINVAL, "succinct roles need 1 to 32 bits, a name prefix and "
                                            "a threshold of at least 1");
    del = json_pack("{s:{},s:{s:[],s:I,s:i,s:s}}", "keys", "succinct_roles", "keyids", "threshold",
                    (json_int_t)threshold, "bit_length", bit_length, "name_prefix", name_prefix);
    if (!del || json_object_set_new(md->signed_, "delegations", del) != 0)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    return mstore__metadata_index(md);
}

int mstore_targets_bin_name(char **out, const mstore_metadata *md, uint32_t index)
{
    char last[16];

    if (!out || !md || md->type != MSTORE_ROLE_TARGETS || !md->succinct)
        return mstore__error(MSTORE_EINVAL, "not a targets metadata with succinct roles");
    if (md->bit_length < 32 && index >= (uint32_t)1 << md->bit_length)
        return mstore__error(MSTORE_EINVAL, "bin %u out of range", index);
    snprintf(last, sizeof(last), "%llx", (unsigned long long)(((uint64_t)1 << md->bit_length) - 1));
    *out = mstore__asprintf("%s-%0*x", md->name_prefix, (int)strlen(last), index);
    return *out ? MSTORE_OK : mstore__error(MSTORE_ENOMEM, "out of memory");
}
