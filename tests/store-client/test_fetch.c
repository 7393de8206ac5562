/* mstore_client_fetch_target(): any target of the store fetched and verified through the TUF
 * metadata outside an install (motiond serves catalog thumbnails with it). The store is a real
 * repository built by mstore_testrepo, read through file://. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mstore/mstore.h"
#include "testutil.h"

#define WAVE_TARGET "packages/com.example.wave/com.example.wave-1.0.0.mpk"

typedef struct fixture {
    char *dir, *root, *repo, *pkg, *cache;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    f->dir = ms_tmpdir("test-fetch");
    f->repo = ms_join(f->dir, "repo");
    f->root = ms_join(f->dir, "robot");
    f->pkg = ms_join(f->dir, "w.mpk");
    f->cache = ms_fmt("%s/var/cache/motionstore/targets", f->root);
    ms_testrepo(ms_fmt("genkey %s/dev.pem", f->dir));
    ms_testrepo(ms_fmt("init %s", f->repo));
    ms_testrepo(
        ms_fmt("mkpkg %s --key %s/dev.pem --id com.example.wave --version 1.0.0 --pad 100000",
               f->pkg, f->dir));
    ms_testrepo(ms_fmt("add %s %s", f->repo, f->pkg));
    ms_testrepo(ms_fmt("publish %s", f->repo));
    ms_store_client_config(f->root, f->repo, "g1-29dof");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    ms_rm_rf(f->dir);
    free(f->dir);
    free(f->root);
    free(f->repo);
    free(f->pkg);
    free(f->cache);
    free(f);
    return 0;
}

static mstore_client *open_client(fixture *f, int64_t now)
{
    mstore_client_options o;
    mstore_client *c = NULL;

    mstore_client_options_init(&o);
    o.root = f->root;
    o.now = now;
    if (mstore_client_open(&c, &o) != MSTORE_OK)
        print_error("open: %s\n", mstore_error_message());
    assert_non_null(c);
    return c;
}

/* Fetches WAVE_TARGET and checks it is byte for byte the package that was published. */
static void fetch_wave(mstore_client *c, fixture *f)
{
    size_t want_size = 0, size = 0;
    char *want = ms_slurp(f->pkg, &want_size);
    void *data = NULL;

    if (mstore_client_fetch_target(&data, &size, c, WAVE_TARGET, 1 << 20) != MSTORE_OK)
        print_error("fetch: %s\n", mstore_error_message());
    assert_non_null(data);
    assert_int_equal(size, want_size);
    assert_memory_equal(data, want, size);
    free(data);
    free(want);
}

static int cached_files(fixture *f)
{
    char *out = NULL;
    int n;

    assert_int_equal(ms_run(&out, "ls %s 2>/dev/null | wc -l", f->cache), 0);
    n = atoi(out);
    free(out);
    return n;
}

/* Without any update before, the first fetch refreshes; the target is then cached, and served
 * from the cache and the stored metadata when the store cannot be reached at all. */
static void fetches_and_caches(void **state)
{
    fixture *f = *state;
    mstore_client *c = open_client(f, 0);
    char *meta = ms_join(f->repo, "metadata"), *away = ms_join(f->dir, "metadata-away");
    char *targets = ms_join(f->repo, "targets"), *taway = ms_join(f->dir, "targets-away");

    fetch_wave(c, f);
    assert_int_equal(cached_files(f), 1);
    /* The store gone: the stored metadata (not expired) and the cache are enough. */
    assert_int_equal(rename(meta, away), 0);
    assert_int_equal(rename(targets, taway), 0);
    fetch_wave(c, f);
    /* A cached file changed on disk is not believed: fetched again (the store back). */
    assert_int_equal(rename(taway, targets), 0);
    assert_int_equal(ms_run(NULL,
                            "for f in %s/*; do printf X | dd of=$f bs=1 seek=100 "
                            "conv=notrunc status=none; done",
                            f->cache),
                     0);
    fetch_wave(c, f);
    assert_int_equal(rename(away, meta), 0);
    mstore_client_free(c);
    free(meta);
    free(away);
    free(targets);
    free(taway);
}

/* Bad requests and a store serving other bytes: an error, nothing handed over. */
static void refuses(void **state)
{
    fixture *f = *state;
    mstore_client *c = open_client(f, 0);
    void *data = (void *)&data;
    size_t size = 7;
    char *served = NULL;

    assert_int_equal(mstore_client_fetch_target(&data, &size, c, "../etc/passwd", 100),
                     MSTORE_EINVAL);
    assert_int_equal(mstore_client_fetch_target(&data, &size, c, "/catalog.json", 100),
                     MSTORE_EINVAL);
    assert_int_equal(mstore_client_fetch_target(&data, &size, c, "packages/none.mpk", 1 << 20),
                     MSTORE_ENOTFOUND);
    assert_non_null(strstr(mstore_error_message(), "packages/none.mpk"));
    /* Larger than asked for: refused before any download. */
    assert_int_equal(ms_run(NULL, "rm -rf %s", f->cache), 0);
    assert_int_equal(mstore_client_fetch_target(&data, &size, c, WAVE_TARGET, 1000), MSTORE_ELIMIT);
    assert_int_equal(cached_files(f), 0);
    /* The store's file tampered with (same length): refused, not cached. */
    assert_int_equal(ms_run(&served, "ls %s/targets/packages/com.example.wave/*.mpk", f->repo), 0);
    served[strcspn(served, "\n")] = '\0';
    assert_int_equal(ms_run(NULL,
                            "cp %s %s.orig && printf X | dd of=%s bs=1 seek=5000 "
                            "conv=notrunc status=none",
                            served, served, served),
                     0);
    assert_int_equal(mstore_client_fetch_target(&data, &size, c, WAVE_TARGET, 1 << 20),
                     MSTORE_EHASH);
    assert_int_equal(cached_files(f), 0);
    assert_true(data == (void *)&data && size == 7); /* outputs untouched */
    assert_int_equal(ms_run(NULL, "mv %s.orig %s", served, served), 0);
    fetch_wave(c, f);
    free(served);
    mstore_client_free(c);
}

/* Expired stored metadata is not used: the fetch refreshes, and fails with the store's metadata
 * expired too (here: a clock 60 days ahead), cached file or not. */
static void expired_metadata_is_not_used(void **state)
{
    fixture *f = *state;
    mstore_client *c = open_client(f, (int64_t)time(NULL) + 60 * 86400);
    void *data = NULL;
    size_t size = 0;

    assert_true(cached_files(f) > 0);
    assert_int_equal(mstore_client_fetch_target(&data, &size, c, WAVE_TARGET, 1 << 20),
                     MSTORE_EEXPIRED);
    assert_null(data);
    mstore_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fetches_and_caches),
        cmocka_unit_test(refuses),
        cmocka_unit_test(expired_metadata_is_not_used),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
