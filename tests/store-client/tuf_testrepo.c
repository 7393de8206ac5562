/* Test repositories written with libmstore's writer API. */
#include "tuf_testrepo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define DAY 86400

char *tr_slurp(const char *path, size_t *size)
{
    char *data = ms_slurp(path, size);
    if (!data)
        print_error("missing file %s\n", path);
    assert_non_null(data);
    return data;
}

tr_role *tr_role_get(tr_repo *r, const char *name)
{
    for (size_t i = 0; i < r->n_roles; i++)
        if (strcmp(r->roles[i].name, name) == 0)
            return &r->roles[i];
    print_error("no role %s in test repository\n", name);
    fail();
    return NULL;
}

static tr_role *add_role(tr_repo *r, const char *name, mstore_metadata *md)
{
    assert_true(r->n_roles < TR_MAX_ROLES);
    tr_role *role = &r->roles[r->n_roles++];
    memset(role, 0, sizeof(*role));
    role->name = strdup(name);
    role->md = md;
    return role;
}

static mstore_key *new_key(void)
{
    mstore_key *k = NULL;
    assert_int_equal(mstore_key_generate(&k, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
    return k;
}

void tr_write_meta(tr_repo *r, const char *filename, const void *data, size_t size)
{
    char *path = ms_join(r->meta_dir, filename);
    ms_write(path, data, size);
    free(path);
}

static void sign_and_write(tr_repo *r, tr_role *role, mstore_key *const *signers, size_t n)
{
    char *text = NULL, *file;
    size_t size = 0;

    mstore_metadata_clear_signatures(role->md);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(mstore_metadata_sign(role->md, signers[i]), MSTORE_OK);
    assert_int_equal(mstore_metadata_to_bytes(&text, &size, role->md), MSTORE_OK);
    int64_t v = mstore_metadata_version(role->md);
    char *enc = NULL;
    assert_int_equal(mstore_url_encode(&enc, role->name, 0), MSTORE_OK);
    if (strcmp(role->name, "root") == 0 ||
        (r->consistent && strcmp(role->name, "timestamp") != 0)) {
        file = ms_fmt("%lld.%s.json", (long long)v, enc);
        tr_write_meta(r, file, text, size);
        free(file);
    }
    /* The unversioned name too (always for timestamp; the newest of the others). */
    file = ms_fmt("%s.json", enc);
    tr_write_meta(r, file, text, size);
    free(file);
    free(enc);

    if (strcmp(role->name, "root") != 0 && strcmp(role->name, "timestamp") != 0) {
        if (strcmp(role->name, "snapshot") == 0)
            assert_int_equal(mstore_timestamp_set_snapshot(tr_role_get(r, "timestamp")->md, v,
                                                           r->hashes ? text : NULL, size),
                             MSTORE_OK);
        else {
            char *name = ms_fmt("%s.json", role->name);
            assert_int_equal(mstore_snapshot_set_meta(tr_role_get(r, "snapshot")->md, name, v,
                                                      r->hashes ? text : NULL, size),
                             MSTORE_OK);
            free(name);
        }
    }
    free(text);
    role->published = true;
}

void tr_publish_role(tr_repo *r, const char *name)
{
    tr_role *role = tr_role_get(r, name);
    if (role->published)
        assert_int_equal(mstore_metadata_bump_version(role->md), MSTORE_OK);
    if (strcmp(name, "root") == 0)
        r->consistent = mstore_root_consistent_snapshot(role->md);
    sign_and_write(r, role, role->keys, role->n_keys);
}

void tr_publish_root_signed(tr_repo *r, mstore_key *const *signers, size_t n)
{
    tr_role *role = tr_role_get(r, "root");
    if (role->published)
        assert_int_equal(mstore_metadata_bump_version(role->md), MSTORE_OK);
    r->consistent = mstore_root_consistent_snapshot(role->md);
    sign_and_write(r, role, signers, n);
}

void tr_publish(tr_repo *r)
{
    tr_publish_role(r, "targets");
    tr_publish_role(r, "snapshot");
    tr_publish_role(r, "timestamp");
}

tr_repo *tr_new(const char *dir, int64_t now)
{
    static const char *const names[4] = {"root", "timestamp", "snapshot", "targets"};
    static const mstore_role_type types[4] = {MSTORE_ROLE_ROOT, MSTORE_ROLE_TIMESTAMP,
                                              MSTORE_ROLE_SNAPSHOT, MSTORE_ROLE_TARGETS};
    tr_repo *r = calloc(1, sizeof(*r));

    assert_non_null(r);
    r->dir = strdup(dir);
    r->meta_dir = ms_join(dir, "metadata");
    r->targets_dir = ms_join(dir, "targets");
    mkdir(dir, 0755);
    mkdir(r->meta_dir, 0755);
    mkdir(r->targets_dir, 0755);
    r->now = now;
    r->consistent = true;
    for (int i = 0; i < 4; i++) {
        mstore_metadata *md = NULL;
        assert_int_equal(mstore_metadata_new(&md, types[i], now + 30 * DAY), MSTORE_OK);
        tr_role *role = add_role(r, names[i], md);
        role->keys[role->n_keys++] = new_key();
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(mstore_root_add_key(r->roles[0].md, names[i], r->roles[i].keys[0]),
                         MSTORE_OK);
    tr_publish_role(r, "root");
    tr_publish(r);
    return r;
}

void tr_free(tr_repo *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_roles; i++) {
        free(r->roles[i].name);
        mstore_metadata_free(r->roles[i].md);
        for (size_t k = 0; k < r->roles[i].n_keys && !r->roles[i].borrowed_keys; k++)
            mstore_key_free(r->roles[i].keys[k]);
    }
    free(r->dir);
    free(r->meta_dir);
    free(r->targets_dir);
    free(r);
}

void tr_add_target(tr_repo *r, const char *role, const char *path, const void *data, size_t size)
{
    char hex[MSTORE_HASH_HEX_MAX];
    const char *slash = strrchr(path, '/');
    char *dirpart = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
    const char *base = slash ? slash + 1 : path;
    char *d = ms_fmt("%s/%s", r->targets_dir, dirpart);
    char *cmd = ms_fmt("mkdir -p '%s'", d);
    char *plain, *hashed;

    assert_int_equal(mstore_targets_add_data(tr_role_get(r, role)->md, path, data, size, NULL),
                     MSTORE_OK);
    assert_int_equal(mstore_hash_data(hex, "sha256", data, size), MSTORE_OK);
    assert_int_equal(system(cmd), 0);
    plain = ms_fmt("%s/%s", d, base);
    hashed = ms_fmt("%s/%s.%s", d, hex, base);
    ms_write(plain, data, size);
    ms_write(hashed, data, size);
    free(plain);
    free(hashed);
    free(cmd);
    free(d);
    free(dirpart);
}

void tr_add_delegation(tr_repo *r, const char *delegator, const char *name,
                       const char *const *paths, size_t n_paths, bool terminating)
{
    mstore_metadata *md = NULL;
    tr_role *parent = tr_role_get(r, delegator);

    assert_int_equal(mstore_metadata_new(&md, MSTORE_ROLE_TARGETS, r->now + 30 * DAY), MSTORE_OK);
    tr_role *role = add_role(r, name, md);
    role->keys[role->n_keys++] = new_key();
    assert_int_equal(
        mstore_targets_add_delegation(parent->md, name, paths, n_paths, 1, terminating), MSTORE_OK);
    assert_int_equal(mstore_targets_add_delegation_key(parent->md, name, role->keys[0]), MSTORE_OK);
}

mstore_key *tr_add_succinct(tr_repo *r, int bit_length, const char *prefix)
{
    tr_role *targets = tr_role_get(r, "targets");
    mstore_key *key = new_key();

    assert_int_equal(mstore_targets_set_succinct_roles(targets->md, bit_length, prefix, 1),
                     MSTORE_OK);
    assert_int_equal(mstore_targets_add_delegation_key(targets->md, NULL, key), MSTORE_OK);
    for (uint32_t i = 0; i < (uint32_t)1 << bit_length; i++) {
        mstore_metadata *md = NULL;
        char *name = NULL;
        assert_int_equal(mstore_targets_bin_name(&name, targets->md, i), MSTORE_OK);
        assert_int_equal(mstore_metadata_new(&md, MSTORE_ROLE_TARGETS, r->now + 30 * DAY),
                         MSTORE_OK);
        tr_role *role = add_role(r, name, md);
        role->keys[role->n_keys++] = key;
        role->borrowed_keys = i > 0; /* the first bin owns the key */
        free(name);
    }
    return key;
}

char *tr_root_v1_path(tr_repo *r)
{
    return ms_join(r->meta_dir, "1.root.json");
}
