/* The TUF client workflow against repositories built with libmstore's writer and served over
 * HTTP on 127.0.0.1: every failure case of the specification, rotations, delegations, recovery. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "tuf_testrepo.h"
#include "tuf_testsrv.h"

#define T0  1900000000LL /* 2030-03-17 */
#define DAY 86400

typedef struct fixture {
    char *tmp;
    tr_repo *repo;
    ts_server *srv;
    char *client; /* trusted metadata folder */
    char *meta_url, *target_url;
    mstore_updater *u;
    mstore_updater_options o;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char *repo_dir, *root;
    size_t size = 0;

    f->tmp = ms_tmpdir("mstore-updater");
    repo_dir = ms_join(f->tmp, "repo");
    f->client = ms_join(f->tmp, "client");
    f->repo = tr_new(repo_dir, T0);
    f->srv = ts_start(repo_dir);
    f->meta_url = ms_fmt("%s/metadata", ts_url(f->srv)); /* no trailing '/': added */
    f->target_url = ms_fmt("%s/targets/", ts_url(f->srv));
    char *root_path = tr_root_v1_path(f->repo);
    root = tr_slurp(root_path, &size);
    assert_int_equal(mstore_updater_init_root(f->client, root, size), MSTORE_OK);
    free(root);
    free(root_path);
    free(repo_dir);
    mstore_updater_options_init(&f->o);
    f->o.metadata_dir = f->client;
    f->o.metadata_urls = (const char *const *)&f->meta_url;
    f->o.n_metadata_urls = 1;
    f->o.target_urls = (const char *const *)&f->target_url;
    f->o.n_target_urls = 1;
    f->o.now = T0 + 60;
    f->o.fetch.retries = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mstore_updater_free(f->u);
    ts_stop(f->srv);
    tr_free(f->repo);
    ms_rm_rf(f->tmp);
    free(f->tmp);
    free(f->client);
    free(f->meta_url);
    free(f->target_url);
    free(f);
    return 0;
}

/* A new updater (the state on disk is all it carries over) and a refresh at time now. */
static int refresh_at(fixture *f, int64_t now)
{
    int rc;

    mstore_updater_free(f->u);
    f->u = NULL;
    f->o.now = now;
    rc = mstore_updater_new(&f->u, &f->o);
    if (rc == MSTORE_OK)
        rc = mstore_updater_refresh(f->u);
    return rc;
}

static int refresh(fixture *f)
{
    return refresh_at(f, T0 + 60);
}

/* Version of the stored metadata of role, 0 if there is none. */
static int64_t stored(fixture *f, const char *file, mstore_role_type type)
{
    char *path = ms_fmt("%s/%s", f->client, file);
    mstore_metadata *md = NULL;
    int64_t v = 0;

    if (mstore_metadata_load(&md, path, type, 64 << 20) == MSTORE_OK)
        v = mstore_metadata_version(md);
    mstore_metadata_free(md);
    free(path);
    return v;
}

#define STORED_ROOT(f)    stored(f, "root.json", MSTORE_ROLE_ROOT)
#define STORED_TS(f)      stored(f, "timestamp.json", MSTORE_ROLE_TIMESTAMP)
#define STORED_SNAP(f)    stored(f, "snapshot.json", MSTORE_ROLE_SNAPSHOT)
#define STORED_TARGETS(f) stored(f, "targets.json", MSTORE_ROLE_TARGETS)

static void expect(fixture *f, int rc, int expected, const char *message_part)
{
    if (rc != expected || (message_part && !strstr(mstore_error_message(), message_part))) {
        print_error("got %s '%s', expected %s with '%s'\n", mstore_error_name(rc),
                    mstore_error_message(), mstore_error_name(expected),
                    message_part ? message_part : "");
        fail();
    }
    (void)f;
}

static void set_expiry(fixture *f, const char *role, int64_t when)
{
    assert_int_equal(mstore_metadata_set_expires(tr_role_get(f->repo, role)->md, when), MSTORE_OK);
}

static char *read_meta(fixture *f, const char *file, size_t *size)
{
    char *p = ms_join(f->repo->meta_dir, file);
    char *data = tr_slurp(p, size);
    free(p);
    return data;
}

/* ---- the happy path -------------------------------------------------------------------------- */

static void test_refresh_and_download(void **state)
{
    fixture *f = *state;
    mstore_target *t = NULL;
    char *out = ms_join(f->tmp, "wave.mpk"), *log;
    bool cached = true;
    size_t size;

    tr_add_target(f->repo, "targets", "packages/wave/wave-1.0.0.mpk", "motion bytes", 12);
    tr_publish(f->repo);
    ts_clear_log(f->srv);
    assert_int_equal(refresh(f), MSTORE_OK);
    log = ts_log(f->srv);
    assert_string_equal(log, "/metadata/2.root.json\n/metadata/timestamp.json\n"
                             "/metadata/2.snapshot.json\n/metadata/2.targets.json\n");
    free(log);
    assert_int_equal(STORED_ROOT(f), 1);
    assert_int_equal(STORED_TS(f), 2);
    assert_int_equal(STORED_SNAP(f), 2);
    assert_int_equal(STORED_TARGETS(f), 2);
    /* The stored bytes are the repository's, not a re-serialisation. */
    {
        size_t a, b;
        char *mine = ms_fmt("%s/timestamp.json", f->client);
        char *x = tr_slurp(mine, &a), *y = read_meta(f, "timestamp.json", &b);
        assert_int_equal(a, b);
        assert_memory_equal(x, y, a);
        free(x);
        free(y);
        free(mine);
    }

    assert_int_equal(mstore_updater_get_target(&t, f->u, "packages/wave/wave-1.0.0.mpk"),
                     MSTORE_OK);
    assert_int_equal(mstore_target_length(t), 12);
    ts_clear_log(f->srv);
    assert_int_equal(mstore_updater_download_target(f->u, t, out, &cached), MSTORE_OK);
    assert_false(cached);
    log = ts_log(f->srv);
    /* Consistent snapshots: the file is fetched under its hash-prefixed name. */
    assert_non_null(strstr(log, "/targets/packages/wave/"));
    assert_non_null(strstr(log, ".wave-1.0.0.mpk"));
    free(log);
    char *got = ms_slurp(out, &size);
    assert_int_equal(size, 12);
    assert_memory_equal(got, "motion bytes", 12);
    free(got);
    /* A second download finds the verified file in place. */
    ts_clear_log(f->srv);
    assert_int_equal(mstore_updater_download_target(f->u, t, out, &cached), MSTORE_OK);
    assert_true(cached);
    assert_int_equal(ts_count(f->srv, NULL), 0);
    mstore_target_free(t);

    /* A target nobody lists. */
    t = NULL;
    expect(f, mstore_updater_get_target(&t, f->u, "packages/none"), MSTORE_ENOTFOUND, NULL);
    assert_null(t);

    /* Nothing new: the stored snapshot and targets are used without downloading them. */
    ts_clear_log(f->srv);
    assert_int_equal(refresh(f), MSTORE_OK);
    log = ts_log(f->srv);
    assert_string_equal(log, "/metadata/2.root.json\n/metadata/timestamp.json\n");
    free(log);
    free(out);
}

static void test_untrusted_initial_root(void **state)
{
    fixture *f = *state;
    char *path = ms_join(f->client, "root.json");
    size_t size;
    char *root = tr_slurp(path, &size);
    char *sig = strstr(root, "\"sig\": \"");

    assert_non_null(sig);
    sig[9] = sig[9] == '0' ? '1' : '0';
    sig[10] = sig[10] == '0' ? '1' : '0';
    ms_write(path, root, size);
    ts_clear_log(f->srv);
    expect(f, refresh(f), MSTORE_ESIGNATURE, "trusted root.json");
    assert_int_equal(ts_count(f->srv, NULL), 0);
    ms_write(path, "{}", 2);
    expect(f, refresh(f), MSTORE_EFORMAT, "trusted root");
    assert_int_equal(ts_count(f->srv, NULL), 0);
    free(root);
    free(path);
}

/* ---- expiry ---------------------------------------------------------------------------------- */

static void test_expired_metadata(void **state)
{
    fixture *f = *state;

    assert_int_equal(refresh(f), MSTORE_OK);
    /* timestamp */
    set_expiry(f, "timestamp", T0);
    tr_publish_role(f->repo, "timestamp");
    expect(f, refresh(f), MSTORE_EEXPIRED, "timestamp.json v2 has expired");
    assert_int_equal(STORED_TS(f), 1);
    /* snapshot */
    set_expiry(f, "timestamp", T0 + 30 * DAY);
    set_expiry(f, "snapshot", T0);
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    expect(f, refresh(f), MSTORE_EEXPIRED, "snapshot.json v2 has expired");
    assert_int_equal(STORED_TS(f), 3);
    assert_int_equal(STORED_SNAP(f), 1);
    /* targets */
    set_expiry(f, "snapshot", T0 + 30 * DAY);
    set_expiry(f, "targets", T0);
    tr_publish(f->repo);
    expect(f, refresh(f), MSTORE_EEXPIRED, "targets.json v2 has expired");
    assert_int_equal(STORED_SNAP(f), 3);
    assert_int_equal(STORED_TARGETS(f), 1);
    /* Later in time everything we trust has expired, even with nothing new published. */
    set_expiry(f, "targets", T0 + 30 * DAY);
    tr_publish(f->repo);
    assert_int_equal(refresh(f), MSTORE_OK);
    expect(f, refresh_at(f, T0 + 31 * DAY), MSTORE_EEXPIRED, "root.json v1 has expired");
}

static void test_expired_root_is_stored_but_refused(void **state)
{
    fixture *f = *state;
    tr_role *root = tr_role_get(f->repo, "root");

    assert_int_equal(refresh(f), MSTORE_OK);
    set_expiry(f, "root", T0);
    tr_publish_root_signed(f->repo, root->keys, root->n_keys);
    expect(f, refresh(f), MSTORE_EEXPIRED, "root.json v2 has expired");
    /* 5.3.10: the new root is trusted (stored), nothing after it is updated. */
    assert_int_equal(STORED_ROOT(f), 2);
    assert_int_equal(STORED_TS(f), 1);
    /* An expired local root does not stop an update to a newer valid one. */
    set_expiry(f, "root", T0 + 60 * DAY);
    tr_publish_root_signed(f->repo, root->keys, root->n_keys);
    assert_int_equal(refresh_at(f, T0 + 10 * DAY), MSTORE_OK);
    assert_int_equal(STORED_ROOT(f), 3);
}

/* ---- rollback -------------------------------------------------------------------------------- */

static void test_rollback_attacks(void **state)
{
    fixture *f = *state;
    size_t size;
    char *ts1 = read_meta(f, "timestamp.json", &size);

    tr_publish_role(f->repo, "timestamp");
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(STORED_TS(f), 2);
    /* An old timestamp, validly signed. */
    tr_write_meta(f->repo, "timestamp.json", ts1, size);
    expect(f, refresh(f), MSTORE_EROLLBACK,
           "timestamp.json: version 1, older than the trusted version 2");
    assert_int_equal(STORED_TS(f), 2);
    free(ts1);

    /* A newer timestamp naming an older snapshot. */
    tr_publish_role(f->repo, "snapshot"); /* v2 */
    tr_publish_role(f->repo, "timestamp");
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(STORED_SNAP(f), 2);
    assert_int_equal(
        mstore_timestamp_set_snapshot(tr_role_get(f->repo, "timestamp")->md, 1, NULL, 0),
        MSTORE_OK);
    tr_role_get(f->repo, "timestamp")->published = true;
    {
        tr_role *ts = tr_role_get(f->repo, "timestamp");
        assert_int_equal(mstore_metadata_bump_version(ts->md), MSTORE_OK);
        mstore_metadata_clear_signatures(ts->md);
        assert_int_equal(mstore_metadata_sign(ts->md, ts->keys[0]), MSTORE_OK);
        char *text = NULL;
        assert_int_equal(mstore_metadata_to_bytes(&text, &size, ts->md), MSTORE_OK);
        tr_write_meta(f->repo, "timestamp.json", text, size);
        free(text);
    }
    expect(f, refresh(f), MSTORE_EROLLBACK, "names snapshot version 1, older than the trusted 2");
    assert_int_equal(STORED_SNAP(f), 2);
}

static void test_targets_rollback_in_snapshot(void **state)
{
    fixture *f = *state;
    size_t size;
    char *targets1 = read_meta(f, "1.targets.json", &size);

    tr_publish(f->repo); /* targets v2 */
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(STORED_TARGETS(f), 2);
    /* A new snapshot listing targets v1 again. */
    assert_int_equal(
        mstore_snapshot_set_meta(tr_role_get(f->repo, "snapshot")->md, "targets.json", 1, NULL, 0),
        MSTORE_OK);
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    expect(f, refresh(f), MSTORE_EROLLBACK, "targets.json version 1, older than the trusted 2");
    assert_int_equal(STORED_SNAP(f), 2);
    assert_int_equal(STORED_TARGETS(f), 2);
    free(targets1);
}

static void test_role_removed_from_snapshot(void **state)
{
    fixture *f = *state;
    const char *paths[] = {"a/*"};

    tr_add_delegation(f->repo, "targets", "A", paths, 1, false);
    tr_publish_role(f->repo, "A");
    tr_publish(f->repo);
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(mstore_snapshot_remove_meta(tr_role_get(f->repo, "snapshot")->md, "A.json"),
                     MSTORE_OK);
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    expect(f, refresh(f), MSTORE_EROLLBACK, "no longer lists A.json");
}

/* ---- signatures ------------------------------------------------------------------------------ */

static void test_wrong_signatures_and_thresholds(void **state)
{
    fixture *f = *state;
    tr_role *ts = tr_role_get(f->repo, "timestamp"), *snap = tr_role_get(f->repo, "snapshot");
    tr_role *root = tr_role_get(f->repo, "root");
    mstore_key *stranger = NULL, *second = NULL;

    assert_int_equal(refresh(f), MSTORE_OK);
    /* Timestamp signed by a key the root does not know. */
    assert_int_equal(mstore_key_generate(&stranger, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
    mstore_key *own = ts->keys[0];
    ts->keys[0] = stranger;
    tr_publish_role(f->repo, "timestamp");
    ts->keys[0] = own;
    expect(f, refresh(f), MSTORE_ESIGNATURE, "timestamp: 0 of 1 required signatures");
    assert_int_equal(STORED_TS(f), 1);

    /* Snapshot needs 2 of 2 keys but only one signs. */
    tr_publish_role(f->repo, "timestamp"); /* a good timestamp again */
    assert_int_equal(mstore_key_generate(&second, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
    assert_int_equal(mstore_root_add_key(root->md, "snapshot", second), MSTORE_OK);
    assert_int_equal(mstore_root_set_threshold(root->md, "snapshot", 2), MSTORE_OK);
    tr_publish_root_signed(f->repo, root->keys, root->n_keys);
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    expect(f, refresh(f), MSTORE_ESIGNATURE, "snapshot: 1 of 2 required signatures");
    assert_int_equal(STORED_ROOT(f), 2);
    /* The snapshot keys changed with root v2: the stored timestamp and snapshot were dropped
     * (5.3.11), and the new snapshot was not accepted. */
    assert_int_equal(STORED_SNAP(f), 0);
    assert_int_equal(STORED_TS(f), 4);
    /* With both signatures it passes. */
    snap->keys[snap->n_keys++] = second;
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(STORED_SNAP(f), 3);
    mstore_key_free(stranger);
}

/* ---- hashes, lengths, caps ------------------------------------------------------------------- */

static void test_hash_length_and_caps(void **state)
{
    fixture *f = *state;
    size_t size;
    char *snap, *name;

    f->repo->hashes = true;
    tr_publish(f->repo);
    assert_int_equal(refresh(f), MSTORE_OK);
    /* Snapshot v3 changed after the timestamp listed its hash (same length). */
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    name = ms_fmt("%lld.snapshot.json", (long long)3);
    snap = read_meta(f, name, &size);
    char *v = strstr(snap, "\"version\": 3");
    assert_non_null(v);
    v[11] = '4';
    tr_write_meta(f->repo, name, snap, size);
    expect(f, refresh(f), MSTORE_EHASH, "3.snapshot.json: sha256 is");
    assert_int_equal(STORED_TS(f), 3);
    assert_int_equal(STORED_SNAP(f), 2);
    /* Longer than the timestamp says. */
    char *longer = malloc(size + 10);
    memcpy(longer, snap, size);
    memset(longer + size, ' ', 10);
    tr_write_meta(f->repo, name, longer, size + 10);
    expect(f, refresh(f), MSTORE_ELENGTH, "longer than");
    free(longer);
    free(snap);
    free(name);

    /* Oversized metadata: a timestamp above the cap. */
    tr_publish_role(f->repo, "snapshot");
    json_t *pad = json_string("................................................................");
    for (int i = 0; i < 4; i++) {
        char field[16];
        snprintf(field, sizeof(field), "x-pad%d", i);
        assert_int_equal(
            mstore_metadata_set_extra(tr_role_get(f->repo, "timestamp")->md, field, pad),
            MSTORE_OK);
    }
    json_decref(pad);
    tr_publish_role(f->repo, "timestamp");
    f->o.timestamp_max = 400;
    expect(f, refresh(f), MSTORE_ELIMIT, "timestamp.json: announces more than 400 bytes");
    f->o.timestamp_max = 16384;
    assert_int_equal(refresh(f), MSTORE_OK);
}

static void test_version_mismatches(void **state)
{
    fixture *f = *state;
    size_t size;
    char *t3;

    /* Snapshot file 2.snapshot.json that holds version 3. */
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "snapshot"); /* v3 */
    t3 = read_meta(f, "3.snapshot.json", &size);
    tr_write_meta(f->repo, "2.snapshot.json", t3, size);
    free(t3);
    assert_int_equal(
        mstore_timestamp_set_snapshot(tr_role_get(f->repo, "timestamp")->md, 2, NULL, 0),
        MSTORE_OK);
    tr_publish_role(f->repo, "timestamp");
    expect(f, refresh(f), MSTORE_EVERSION, "2.snapshot.json: holds version 3, timestamp names 2");
    assert_int_equal(STORED_TS(f), 2);
    assert_int_equal(STORED_SNAP(f), 0);
    /* A snapshot version the repository does not have: 404. */
    assert_int_equal(
        mstore_timestamp_set_snapshot(tr_role_get(f->repo, "timestamp")->md, 9, NULL, 0),
        MSTORE_OK);
    tr_publish_role(f->repo, "timestamp");
    expect(f, refresh(f), MSTORE_ENOTFOUND, "9.snapshot.json");
}

/* ---- root rotation --------------------------------------------------------------------------- */

static void test_root_rotation_chain(void **state)
{
    fixture *f = *state;
    tr_role *root = tr_role_get(f->repo, "root");
    mstore_key *old = root->keys[0], *new1 = NULL, *new2 = NULL;
    char *log;

    assert_int_equal(mstore_key_generate(&new1, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
    assert_int_equal(mstore_key_generate(&new2, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
    /* v2: old key replaced by new1, signed by both thresholds (old and new). */
    assert_int_equal(mstore_root_revoke_key(root->md, "root", mstore_key_id(old)), MSTORE_OK);
    assert_int_equal(mstore_root_add_key(root->md, "root", new1), MSTORE_OK);
    mstore_key *both[] = {old, new1};
    tr_publish_root_signed(f->repo, both, 2);
    /* v3: new1 -> new2, signed by both. */
    assert_int_equal(mstore_root_revoke_key(root->md, "root", mstore_key_id(new1)), MSTORE_OK);
    assert_int_equal(mstore_root_add_key(root->md, "root", new2), MSTORE_OK);
    mstore_key *both2[] = {new1, new2};
    tr_publish_root_signed(f->repo, both2, 2);
    ts_clear_log(f->srv);
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(STORED_ROOT(f), 3);
    log = ts_log(f->srv);
    assert_true(strncmp(log,
                        "/metadata/2.root.json\n/metadata/3.root.json\n/metadata/4.root.json\n",
                        66) == 0);
    free(log);

    /* v4 signed by the new key only, not the old threshold (new2 is trusted, new1 is not). */
    mstore_key *only_new1[] = {new1};
    tr_publish_root_signed(f->repo, only_new1, 1);
    expect(f, refresh(f), MSTORE_ESIGNATURE, "4.root.json: not signed by the trusted root's");
    assert_int_equal(STORED_ROOT(f), 3);
    /* v4 signed by the old threshold, but not its own (new2 listed, new1 signs for... no one). */
    assert_int_equal(mstore_root_revoke_key(root->md, "root", mstore_key_id(new2)), MSTORE_OK);
    assert_int_equal(mstore_root_add_key(root->md, "root", new1), MSTORE_OK);
    assert_int_equal(mstore_metadata_set_version(root->md, 3), MSTORE_OK);
    mstore_key *only_new2[] = {new2};
    tr_publish_root_signed(f->repo, only_new2, 1);
    expect(f, refresh(f), MSTORE_ESIGNATURE, "4.root.json: not signed by its own threshold");
    assert_int_equal(STORED_ROOT(f), 3);

    /* 4.root.json holding version 5. */
    assert_int_equal(mstore_root_revoke_key(root->md, "root", mstore_key_id(new1)), MSTORE_OK);
    assert_int_equal(mstore_root_add_key(root->md, "root", new2), MSTORE_OK);
    assert_int_equal(mstore_metadata_set_version(root->md, 4), MSTORE_OK);
    tr_publish_root_signed(f->repo, only_new2, 1); /* 5.root.json */
    size_t size;
    char *v5 = read_meta(f, "5.root.json", &size);
    tr_write_meta(f->repo, "4.root.json", v5, size);
    free(v5);
    expect(f, refresh(f), MSTORE_EVERSION, "4.root.json: holds version 5");
    assert_int_equal(STORED_ROOT(f), 3);

    root->keys[0] = new2;
    mstore_key_free(old);
    mstore_key_free(new1);
}

static void test_root_rotation_cap(void **state)
{
    fixture *f = *state;
    tr_role *root = tr_role_get(f->repo, "root");

    for (int i = 0; i < 4; i++)
        tr_publish_root_signed(f->repo, root->keys, root->n_keys); /* v2..v5 */
    f->o.max_root_rotations = 2;
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(STORED_ROOT(f), 3);
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(STORED_ROOT(f), 5);
}

static void test_fast_forward_recovery(void **state)
{
    fixture *f = *state;
    tr_role *root = tr_role_get(f->repo, "root"), *ts = tr_role_get(f->repo, "timestamp");
    mstore_key *fresh = NULL;

    /* The repository's timestamp went to v50 (say, with a compromised key)... */
    for (int i = 0; i < 49; i++)
        tr_publish_role(f->repo, "timestamp");
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(STORED_TS(f), 50);
    /* ...then rotates the timestamp key and starts again at v1. */
    assert_int_equal(mstore_key_generate(&fresh, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
    assert_int_equal(mstore_root_revoke_key(root->md, "timestamp", mstore_key_id(ts->keys[0])),
                     MSTORE_OK);
    assert_int_equal(mstore_root_add_key(root->md, "timestamp", fresh), MSTORE_OK);
    tr_publish_root_signed(f->repo, root->keys, root->n_keys);
    mstore_key_free(ts->keys[0]);
    ts->keys[0] = fresh;
    assert_int_equal(mstore_metadata_set_version(ts->md, 1), MSTORE_OK);
    ts->published = false;
    tr_publish_role(f->repo, "timestamp");
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(STORED_ROOT(f), 2);
    assert_int_equal(STORED_TS(f), 1);
}

/* ---- delegations ----------------------------------------------------------------------------- */

static void test_delegation_search(void **state)
{
    fixture *f = *state;
    const char *pa[] = {"a/*"}, *pb[] = {"b/*"}, *pc[] = {"a/*"}, *pd[] = {"*/*"};
    mstore_target *t = NULL;
    char *log;

    tr_add_delegation(f->repo, "targets", "A", pa, 1, false);
    tr_add_delegation(f->repo, "targets", "B", pb, 1, true);
    tr_add_delegation(f->repo, "targets", "D", pd, 1, false);
    tr_add_delegation(f->repo, "A", "C", pc, 1, false);
    tr_add_target(f->repo, "C", "a/found-in-c", "c", 1);
    tr_add_target(f->repo, "D", "b/in-d", "d", 1);
    tr_add_target(f->repo, "D", "a/in-d", "dd", 2);
    tr_publish_role(f->repo, "C");
    tr_publish_role(f->repo, "A");
    tr_publish_role(f->repo, "B");
    tr_publish_role(f->repo, "D");
    tr_publish(f->repo);

    assert_int_equal(refresh(f), MSTORE_OK);
    /* Pre-order depth first: A, then A's child C, where it is found. */
    ts_clear_log(f->srv);
    assert_int_equal(mstore_updater_get_target(&t, f->u, "a/found-in-c"), MSTORE_OK);
    log = ts_log(f->srv);
    assert_string_equal(log, "/metadata/1.A.json\n/metadata/1.C.json\n");
    free(log);
    mstore_target_free(t);
    t = NULL;
    /* a/in-d: A, C (cached), then D. */
    ts_clear_log(f->srv);
    assert_int_equal(mstore_updater_get_target(&t, f->u, "a/in-d"), MSTORE_OK);
    assert_int_equal(mstore_target_length(t), 2);
    log = ts_log(f->srv);
    assert_string_equal(log, "/metadata/1.D.json\n");
    free(log);
    mstore_target_free(t);
    t = NULL;
    /* B terminates the search for paths under b/: D, which lists b/in-d, is never asked. */
    expect(f, mstore_updater_get_target(&t, f->u, "b/in-d"), MSTORE_ENOTFOUND, NULL);
    assert_int_equal(ts_count(f->srv, "/metadata/1.B.json"), 1);

    /* The visit cap. */
    f->o.max_delegations = 1;
    assert_int_equal(refresh(f), MSTORE_OK);
    expect(f, mstore_updater_get_target(&t, f->u, "a/in-d"), MSTORE_ENOTFOUND, NULL);
    f->o.max_delegations = 32;

    /* Stored delegated metadata is reused by a new updater. */
    ts_clear_log(f->srv);
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(mstore_updater_get_target(&t, f->u, "a/found-in-c"), MSTORE_OK);
    assert_int_equal(ts_count(f->srv, "/metadata/1.A.json"), 0);
    mstore_target_free(t);
}

static void test_delegation_failures(void **state)
{
    fixture *f = *state;
    const char *pa[] = {"a/*"};
    mstore_target *t = NULL;

    tr_add_delegation(f->repo, "targets", "A", pa, 1, false);
    tr_add_target(f->repo, "A", "a/x", "x", 1);
    tr_publish_role(f->repo, "A");
    tr_publish(f->repo);
    /* A's metadata signed by the wrong key. */
    {
        tr_role *a = tr_role_get(f->repo, "A");
        mstore_key *own = a->keys[0], *wrong = NULL;
        assert_int_equal(mstore_key_generate(&wrong, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
        a->keys[0] = wrong;
        tr_publish_role(f->repo, "A");
        a->keys[0] = own;
        mstore_key_free(wrong);
    }
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    assert_int_equal(refresh(f), MSTORE_OK);
    expect(f, mstore_updater_get_target(&t, f->u, "a/x"), MSTORE_ESIGNATURE, "2.A.json");
    assert_int_equal(stored(f, "A.json", MSTORE_ROLE_TARGETS), 0);
    /* A delegated role the snapshot does not list is never fetched. */
    tr_publish_role(f->repo, "A");
    assert_int_equal(mstore_snapshot_remove_meta(tr_role_get(f->repo, "snapshot")->md, "A.json"),
                     MSTORE_OK);
    /* (a fresh client: the one above trusts a snapshot listing A) */
    ms_rm_rf(f->client);
    size_t size;
    char *root_path = tr_root_v1_path(f->repo);
    char *root = tr_slurp(root_path, &size);
    assert_int_equal(mstore_updater_init_root(f->client, root, size), MSTORE_OK);
    free(root);
    free(root_path);
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    assert_int_equal(refresh(f), MSTORE_OK);
    ts_clear_log(f->srv);
    expect(f, mstore_updater_get_target(&t, f->u, "a/x"), MSTORE_ENOTFOUND,
           "snapshot does not list");
    assert_int_equal(ts_count(f->srv, NULL), 0);
}

static void test_succinct_hash_bins(void **state)
{
    fixture *f = *state;
    tr_role *targets = tr_role_get(f->repo, "targets");
    const char *path = "packages/com.example.wave/com.example.wave-1.0.0.mpk";
    const char **names = NULL;
    bool *term = NULL;
    size_t n = 0;
    mstore_target *t = NULL;
    char *log;

    tr_add_succinct(f->repo, 3, "bins");
    assert_int_equal(mstore_targets_roles_for(&names, &term, &n, targets->md, path), MSTORE_OK);
    assert_int_equal(n, 1);
    assert_true(term[0]);
    /* SHA-256 of the path starts with 1c: its first 3 bits are 000, bin 0. */
    assert_string_equal(names[0], "bins-0");
    tr_add_target(f->repo, names[0], path, "wave", 4);
    free(names);
    free(term);
    for (int i = 0; i < 8; i++) {
        char bin[16];
        snprintf(bin, sizeof(bin), "bins-%x", i);
        tr_publish_role(f->repo, bin);
    }
    tr_publish(f->repo);
    assert_int_equal(refresh(f), MSTORE_OK);
    ts_clear_log(f->srv);
    assert_int_equal(mstore_updater_get_target(&t, f->u, path), MSTORE_OK);
    assert_int_equal(mstore_target_length(t), 4);
    /* Only the one bin is fetched. */
    log = ts_log(f->srv);
    assert_string_equal(log, "/metadata/1.bins-0.json\n");
    free(log);
    mstore_target_free(t);
    t = NULL;
    /* Another path falls in another bin, which does not list it: not found after one file. */
    ts_clear_log(f->srv);
    expect(f, mstore_updater_get_target(&t, f->u, "a"), MSTORE_ENOTFOUND, NULL);
    assert_int_equal(ts_count(f->srv, NULL), 1);
}

/* ---- targets --------------------------------------------------------------------------------- */

static void test_target_substituted(void **state)
{
    fixture *f = *state;
    mstore_target *t = NULL;
    char *out = ms_join(f->tmp, "t.bin"), *file;
    char hex[MSTORE_HASH_HEX_MAX];

    tr_add_target(f->repo, "targets", "t.bin", "genuine", 7);
    tr_publish(f->repo);
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(mstore_updater_get_target(&t, f->u, "t.bin"), MSTORE_OK);
    /* The server now has other bytes of the same length, and longer ones. */
    assert_int_equal(mstore_hash_data(hex, "sha256", "genuine", 7), MSTORE_OK);
    file = ms_fmt("%s/%s.t.bin", f->repo->targets_dir, hex);
    ms_write(file, "forgery", 7);
    expect(f, mstore_updater_download_target(f->u, t, out, NULL), MSTORE_EHASH, "sha256 is");
    assert_false(ms_exists(out));
    ms_write(file, "genuine but longer", 18);
    expect(f, mstore_updater_download_target(f->u, t, out, NULL), MSTORE_ELENGTH, NULL);
    assert_false(ms_exists(out));
    ms_write(file, "genuine", 7);
    assert_int_equal(mstore_updater_download_target(f->u, t, out, NULL), MSTORE_OK);
    assert_true(ms_exists(out));
    mstore_target_free(t);
    free(file);
    free(out);
}

static void test_without_consistent_snapshots(void **state)
{
    fixture *f = *state;
    tr_role *root = tr_role_get(f->repo, "root");
    mstore_target *t = NULL;
    char *out = ms_join(f->tmp, "plain.bin"), *log;

    assert_int_equal(mstore_root_set_consistent_snapshot(root->md, false), MSTORE_OK);
    tr_publish_root_signed(f->repo, root->keys, root->n_keys);
    tr_add_target(f->repo, "targets", "dir/plain.bin", "plain", 5);
    tr_publish(f->repo);
    ts_clear_log(f->srv);
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_int_equal(mstore_updater_get_target(&t, f->u, "dir/plain.bin"), MSTORE_OK);
    assert_int_equal(mstore_updater_download_target(f->u, t, out, NULL), MSTORE_OK);
    log = ts_log(f->srv);
    assert_string_equal(log, "/metadata/2.root.json\n/metadata/3.root.json\n"
                             "/metadata/timestamp.json\n/metadata/snapshot.json\n"
                             "/metadata/targets.json\n/targets/dir/plain.bin\n");
    free(log);
    mstore_target_free(t);
    free(out);
}

/* ---- recovery
 * ------------------------------------------------------------------------------------ */

static void test_recovery_after_failed_update(void **state)
{
    fixture *f = *state;
    char *leftover = ms_fmt("%s/snapshot.json.tmp.Ab12Cd", f->client);
    char *stored_snap = ms_fmt("%s/snapshot.json", f->client);
    tr_role *snap = tr_role_get(f->repo, "snapshot");

    assert_int_equal(refresh(f), MSTORE_OK);
    /* A snapshot signed by the wrong key: the update fails, the trusted state stays. */
    mstore_key *own = snap->keys[0], *wrong = NULL;
    assert_int_equal(mstore_key_generate(&wrong, MSTORE_SCHEME_ECDSA_P256), MSTORE_OK);
    snap->keys[0] = wrong;
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    snap->keys[0] = own;
    mstore_key_free(wrong);
    expect(f, refresh(f), MSTORE_ESIGNATURE, "2.snapshot.json");
    assert_int_equal(STORED_SNAP(f), 1);
    /* A power cut left a temporary file and damaged nothing else; a local file got corrupted. */
    ms_write(leftover, "half", 4);
    ms_write(stored_snap, "{\"signed\":", 10);
    /* The repository fixes itself; the next run recovers. */
    tr_publish_role(f->repo, "snapshot");
    tr_publish_role(f->repo, "timestamp");
    assert_int_equal(refresh(f), MSTORE_OK);
    assert_false(ms_exists(leftover));
    assert_int_equal(STORED_SNAP(f), 3);
    assert_int_equal(STORED_TS(f), 3);
    free(leftover);
    free(stored_snap);
}

static void test_network_failures(void **state)
{
    fixture *f = *state;

    assert_int_equal(refresh(f), MSTORE_OK);
    ts_rule(f->srv, "/metadata/timestamp.json", TS_RESET, 0, NULL, -1);
    expect(f, refresh(f), MSTORE_ENETWORK, "timestamp.json");
    ts_clear_rules(f->srv);
    ts_rule(f->srv, "/metadata/2.root.json", TS_STATUS, 500, NULL, -1);
    expect(f, refresh(f), MSTORE_ENETWORK, "HTTP 500");
    ts_clear_rules(f->srv);
    /* A mirror that is down, then a good one (whose 404 for 2.root.json ends the root chain:
     * a mirror that answers outranks one that cannot be reached). */
    char *urls[2] = {ms_fmt("http://127.0.0.1:1/metadata/"), f->meta_url};
    f->o.metadata_urls = (const char *const *)urls;
    f->o.n_metadata_urls = 2;
    assert_int_equal(refresh(f), MSTORE_OK);
    free(urls[0]);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_refresh_and_download),
        T(test_untrusted_initial_root),
        T(test_expired_metadata),
        T(test_expired_root_is_stored_but_refused),
        T(test_rollback_attacks),
        T(test_targets_rollback_in_snapshot),
        T(test_role_removed_from_snapshot),
        T(test_wrong_signatures_and_thresholds),
        T(test_hash_length_and_caps),
        T(test_version_mismatches),
        T(test_root_rotation_chain),
        T(test_root_rotation_cap),
        T(test_fast_forward_recovery),
        T(test_delegation_search),
        T(test_delegation_failures),
        T(test_succinct_hash_bins),
        T(test_target_substituted),
        T(test_without_consistent_snapshots),
        T(test_recovery_after_failed_update),
        T(test_network_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
