/* The install C API that motiond calls from its job threads: install, upgrade, rollback, remove
 * and list with a progress callback and a cancel flag, and the installer lock between threads
 * and clients. The store is a real repository built by mstore_testrepo, read through file://. */
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpk/key.h"
#include "mstore/mstore.h"
#include "testutil.h"

typedef struct fixture {
    char *dir, *root, *repo;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    f->dir = ms_tmpdir("test-install");
    f->repo = ms_join(f->dir, "repo");
    f->root = ms_join(f->dir, "robot");
    ms_testrepo(ms_fmt("genkey %s/dev.pem", f->dir));
    ms_testrepo(ms_fmt("init %s", f->repo));
    for (int i = 0; i < 3; i++) {
        const char *v[] = {"1.0.0", "1.1.0", "2.0.0"};
        ms_testrepo(ms_fmt("mkpkg %s/w%d.mpk --key %s/dev.pem --id com.example.wave --version %s "
                           "--pad 300000",
                           f->dir, i, f->dir, v[i]));
        ms_testrepo(ms_fmt("add %s %s/w%d.mpk", f->repo, f->dir, i));
    }
    ms_testrepo(ms_fmt("mkpkg %s/d.mpk --key %s/dev.pem --id com.example.bow --version 1.0.0",
                       f->dir, f->dir));
    ms_testrepo(ms_fmt("add %s %s/d.mpk", f->repo, f->dir));
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
    free(f);
    return 0;
}

static mstore_client *open_client(fixture *f, mstore_client_options *o)
{
    mstore_client_options def;
    mstore_client *c = NULL;

    if (!o) {
        mstore_client_options_init(&def);
        o = &def;
    }
    o->root = f->root;
    if (mstore_client_open(&c, o) != MSTORE_OK)
        print_error("open: %s\n", mstore_error_message());
    assert_non_null(c);
    return c;
}

static const char *current(fixture *f, mstore_client *c, const char *id)
{
    static char version[32];
    mstore_installed *list = NULL;
    size_t n = 0;

    (void)f;
    assert_int_equal(mstore_client_list(&list, &n, c), MSTORE_OK);
    version[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].id, id))
            snprintf(version, sizeof(version), "%s", list[i].version);
    mstore_installed_free(list, n);
    return version;
}

typedef struct progress_log {
    int phases[4];
    uint64_t last_done[4];
    bool monotonic;
    mstore_phase cancel_at;
    atomic_int *cancel;
} progress_log;

static int on_progress(void *ctx, const char *id, mstore_phase phase, uint64_t done, uint64_t total)
{
    progress_log *p = ctx;

    if (phase != MSTORE_PHASE_METADATA)
        assert_non_null(id);
    /* Metadata files are reported one after the other, each from 0. */
    if (phase != MSTORE_PHASE_METADATA && (done < p->last_done[phase] || (total && done > total))) {
        print_error("progress went back: %s %llu/%llu after %llu\n", mstore_phase_name(phase),
                    (unsigned long long)done, (unsigned long long)total,
                    (unsigned long long)p->last_done[phase]);
        p->monotonic = false;
    }
    p->last_done[phase] = done;
    p->phases[phase]++;
    if (p->cancel && phase == p->cancel_at)
        atomic_store(p->cancel, 1);
    return 0;
}

static void install_reports_progress(void **state)
{
    fixture *f = *state;
    progress_log log = {.monotonic = true, .cancel_at = -1};
    mstore_client_options o;
    mstore_client *c;

    mstore_client_options_init(&o);
    o.progress = on_progress;
    o.progress_ctx = &log;
    c = open_client(f, &o);
    assert_int_equal(mstore_client_install(c, "com.example.wave", "1.0.0"), MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.wave"), "1.0.0");
    assert_true(log.phases[MSTORE_PHASE_METADATA] > 0);
    assert_true(log.phases[MSTORE_PHASE_DOWNLOAD] > 0);
    assert_true(log.phases[MSTORE_PHASE_EXTRACT] > 0);
    assert_true(log.phases[MSTORE_PHASE_COMMIT] > 0);
    assert_true(log.last_done[MSTORE_PHASE_EXTRACT] > 300000);
    assert_true(log.monotonic);
    /* Upgrade picks the newest version; rollback and remove follow. */
    size_t n = 0;
    assert_int_equal(mstore_client_upgrade(c, NULL, &n), MSTORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(current(f, c, "com.example.wave"), "2.0.0");
    assert_int_equal(mstore_client_rollback(c, "com.example.wave"), MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.wave"), "1.0.0");
    assert_int_equal(mstore_client_verify(c, NULL, NULL, NULL), MSTORE_OK);
    assert_int_equal(mstore_client_remove(c, "com.example.wave"), MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.wave"), "");
    assert_int_equal(mstore_client_remove(c, "com.example.wave"), MSTORE_ENOTFOUND);
    mstore_client_free(c);
}

static void cancel_leaves_nothing(void **state)
{
    fixture *f = *state;
    atomic_int cancel = 0;
    progress_log log = {.monotonic = true, .cancel_at = MSTORE_PHASE_EXTRACT, .cancel = &cancel};
    mstore_client_options o;
    mstore_client *c;
    char *pkgdir;

    mstore_client_options_init(&o);
    o.progress = on_progress;
    o.progress_ctx = &log;
    o.cancel = &cancel;
    c = open_client(f, &o);
    assert_int_equal(mstore_client_install(c, "com.example.wave", "1.1.0"), MSTORE_ECANCELED);
    assert_string_equal(current(f, c, "com.example.wave"), "");
    pkgdir = ms_fmt("%s/var/lib/motionstore/packages/com.example.wave", f->root);
    assert_false(ms_exists(pkgdir));
    /* Cancel during the download too. */
    atomic_store(&cancel, 0);
    log.cancel_at = MSTORE_PHASE_DOWNLOAD;
    assert_int_equal(mstore_client_install(c, "com.example.wave", "1.1.0"), MSTORE_ECANCELED);
    assert_false(ms_exists(pkgdir));
    /* The flag cleared, the same client installs. */
    atomic_store(&cancel, 0);
    log.cancel = NULL;
    assert_int_equal(mstore_client_install(c, "com.example.wave", "1.1.0"), MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.wave"), "1.1.0");
    assert_int_equal(mstore_client_remove(c, "com.example.wave"), MSTORE_OK);
    free(pkgdir);
    mstore_client_free(c);
}

typedef struct job {
    mstore_client *c;
    const char *id;
    int rc;
} job;

static void *run_install(void *arg)
{
    job *j = arg;

    j->rc = mstore_client_install(j->c, j->id, NULL);
    return NULL;
}

static void shared_client_serialises_threads(void **state)
{
    fixture *f = *state;
    mstore_client *c = open_client(f, NULL);
    job a = {c, "com.example.wave", -1}, b = {c, "com.example.bow", -1};
    pthread_t ta, tb;

    assert_int_equal(pthread_create(&ta, NULL, run_install, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, run_install, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, MSTORE_OK);
    assert_int_equal(b.rc, MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.wave"), "2.0.0");
    assert_string_equal(current(f, c, "com.example.bow"), "1.0.0");
    assert_int_equal(mstore_client_verify(c, NULL, NULL, NULL), MSTORE_OK);
    assert_int_equal(mstore_client_remove(c, "com.example.wave"), MSTORE_OK);
    assert_int_equal(mstore_client_remove(c, "com.example.bow"), MSTORE_OK);
    mstore_client_free(c);
}

/* A second client (another job, another process) meets the lock while the first installs. */
typedef struct blocker {
    fixture *f;
    atomic_int started, release;
    int second_rc;
} blocker;

static int block_in_extract(void *ctx, const char *id, mstore_phase phase, uint64_t done,
                            uint64_t total)
{
    blocker *b = ctx;

    (void)id;
    (void)done;
    (void)total;
    if (phase == MSTORE_PHASE_EXTRACT && !atomic_exchange(&b->started, 1)) {
        while (!atomic_load(&b->release))
            usleep(1000);
    }
    return 0;
}

static void *second_client(void *arg)
{
    blocker *b = arg;
    mstore_client_options o;
    mstore_client *c;

    while (!atomic_load(&b->started))
        usleep(1000);
    mstore_client_options_init(&o);
    o.lock_timeout_ms = 0;
    c = open_client(b->f, &o);
    b->second_rc = mstore_client_install(c, "com.example.bow", NULL);
    mstore_client_free(c);
    atomic_store(&b->release, 1);
    return NULL;
}

static void lock_keeps_clients_apart(void **state)
{
    fixture *f = *state;
    blocker b = {.f = f, .second_rc = -1};
    mstore_client_options o;
    mstore_client *c;
    pthread_t t;

    mstore_client_options_init(&o);
    o.progress = block_in_extract;
    o.progress_ctx = &b;
    c = open_client(f, &o);
    assert_int_equal(pthread_create(&t, NULL, second_client, &b), 0);
    assert_int_equal(mstore_client_install(c, "com.example.wave", "1.0.0"), MSTORE_OK);
    pthread_join(t, NULL);
    assert_int_equal(b.second_rc, MSTORE_EBUSY);
    assert_string_equal(current(f, c, "com.example.bow"), "");
    assert_string_equal(current(f, c, "com.example.wave"), "1.0.0");
    mstore_client_free(c);
}

static void refuses_bad_arguments(void **state)
{
    fixture *f = *state;
    mstore_client *c = open_client(f, NULL);

    assert_int_equal(mstore_client_install(c, "not an id", NULL), MSTORE_EINVAL);
    assert_int_equal(mstore_client_install(c, "com.example.wave", "x.y"), MSTORE_EINVAL);
    assert_int_equal(mstore_client_install(c, "com.example.none", NULL), MSTORE_ENOTFOUND);
    assert_int_equal(mstore_client_rollback(c, "com.example.none"), MSTORE_ENOTFOUND);
    assert_int_equal(mstore_client_install(NULL, "com.example.wave", NULL), MSTORE_EINVAL);
    mstore_client_free(c);
    mstore_client_free(NULL);
}

static char *key_id_of(const char *pem_path)
{
    mpk_key *key = NULL;
    char id[MPK_KEY_ID_LEN + 1];

    assert_int_equal(mpk_key_load(&key, pem_path), MPK_OK);
    assert_int_equal(mpk_key_id(id, key), MPK_OK);
    mpk_key_free(key);
    return strdup(id);
}

/* Changes the store: runs last (the fixture's repository is shared by the tests above). A
 * developer-key change the store allowed leaves the kept version signed by the old key: verify
 * and rollback must check each version against the key it was installed with. */
static void kept_version_keeps_its_key(void **state)
{
    fixture *f = *state;
    mstore_client *c = open_client(f, NULL);
    char *old_key = ms_fmt("%s/dev.pem", f->dir), *old_id = key_id_of(old_key);
    char *db_path = ms_fmt("%s/var/lib/motionstore/installed.json", f->root), *text = NULL;
    size_t size = 0;

    assert_int_equal(mstore_client_install(c, "com.example.wave", "2.0.0"), MSTORE_OK);
    ms_testrepo(ms_fmt("genkey %s/dev2.pem", f->dir));
    ms_testrepo(ms_fmt("mkpkg %s/w3.mpk --key %s/dev2.pem --id com.example.wave --version 3.0.0",
                       f->dir, f->dir));
    ms_testrepo(ms_fmt("add %s %s/w3.mpk", f->repo, f->dir));
    ms_testrepo(ms_fmt("publish %s --previous-key-ids com.example.wave=%s", f->repo, old_id));
    assert_int_equal(mstore_client_upgrade(c, "com.example.wave", NULL), MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.wave"), "3.0.0");
    if (mstore_client_verify(c, NULL, NULL, NULL) != MSTORE_OK)
        print_error("verify: %s\n", mstore_error_message());
    assert_int_equal(mstore_client_verify(c, NULL, NULL, NULL), MSTORE_OK);
    /* Back to the old key's version and forward again: each still verifies. */
    assert_int_equal(mstore_client_rollback(c, "com.example.wave"), MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.wave"), "2.0.0");
    assert_int_equal(mstore_client_verify(c, NULL, NULL, NULL), MSTORE_OK);
    assert_int_equal(mstore_client_rollback(c, "com.example.wave"), MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.wave"), "3.0.0");
    assert_int_equal(mstore_client_verify(c, NULL, NULL, NULL), MSTORE_OK);
    /* The database names the kept version's key. */
    text = ms_slurp(db_path, &size);
    assert_non_null(strstr(text, old_id));
    free(text);
    assert_int_equal(mstore_client_remove(c, "com.example.wave"), MSTORE_OK);
    free(db_path);
    free(old_key);
    free(old_id);
    mstore_client_free(c);
}

/* Changes the store too. A version the store has withdrawn (yanked) is not rolled back to,
 * even though the robot still keeps it. */
static void no_rollback_to_a_yanked_version(void **state)
{
    fixture *f = *state;
    mstore_client *c = open_client(f, NULL);

    assert_int_equal(mstore_client_install(c, "com.example.wave", "1.1.0"), MSTORE_OK);
    assert_int_equal(mstore_client_install(c, "com.example.wave", "2.0.0"), MSTORE_OK);
    ms_testrepo(ms_fmt("yank %s com.example.wave 1.1.0", f->repo));
    ms_testrepo(ms_fmt("publish %s", f->repo));
    assert_int_equal(mstore_client_update(c), MSTORE_OK);
    assert_int_equal(mstore_client_rollback(c, "com.example.wave"), MSTORE_EROLLBACK);
    assert_non_null(strstr(mstore_error_message(), "1.1.0"));
    assert_string_equal(current(f, c, "com.example.wave"), "2.0.0");
    assert_int_equal(mstore_client_verify(c, NULL, NULL, NULL), MSTORE_OK);
    /* A version the store still offers is rolled back to as before. */
    assert_int_equal(mstore_client_install(c, "com.example.wave", "1.0.0"), MSTORE_OK);
    assert_int_equal(mstore_client_install(c, "com.example.wave", "2.0.0"), MSTORE_OK);
    assert_int_equal(mstore_client_rollback(c, "com.example.wave"), MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.wave"), "1.0.0");
    assert_int_equal(mstore_client_remove(c, "com.example.wave"), MSTORE_OK);
    mstore_client_free(c);
}

/* Links placed in the package folders (by whatever could write there) are never taken for
 * installed packages, nor followed: only real folders that an install made count. */
static bool there(const char *dir, const char *rel)
{
    char *p = ms_join(dir, rel);
    bool yes = ms_exists(p);

    free(p);
    return yes;
}

static void links_in_package_folders_are_not_packages(void **state)
{
    fixture *f = *state;
    mstore_client *c = open_client(f, NULL);
    char *pkgs = ms_fmt("%s/var/lib/motionstore/packages", f->root);
    char *outside = ms_join(f->dir, "outside");

    /* A real install, copied outside and linked back in: a folder that looks installed. */
    assert_int_equal(mstore_client_install(c, "com.example.bow", NULL), MSTORE_OK);
    assert_int_equal(
        ms_run(NULL, "mkdir -p %s && cp -a %s/com.example.bow %s/", outside, pkgs, outside), 0);
    assert_int_equal(mstore_client_remove(c, "com.example.bow"), MSTORE_OK);
    assert_int_equal(ms_run(NULL, "ln -s %s/com.example.bow %s/com.example.bow", outside, pkgs), 0);
    assert_string_equal(current(f, c, "com.example.bow"), "");
    assert_false(there(pkgs, "com.example.bow"));
    assert_true(there(outside, "com.example.bow/current")); /* followed by nothing */

    /* A version folder that is a link, inside a real package folder. */
    assert_int_equal(ms_run(NULL,
                            "mkdir %s/com.example.bow && ln -s %s/com.example.bow/1.0.0 "
                            "%s/com.example.bow/1.0.0 && ln -s 1.0.0 %s/com.example.bow/current",
                            pkgs, outside, pkgs, pkgs),
                     0);
    assert_string_equal(current(f, c, "com.example.bow"), "");
    assert_true(there(outside, "com.example.bow/1.0.0/manifest.json"));

    /* The real thing still installs and verifies. */
    assert_int_equal(mstore_client_install(c, "com.example.bow", NULL), MSTORE_OK);
    assert_string_equal(current(f, c, "com.example.bow"), "1.0.0");
    assert_int_equal(mstore_client_verify(c, NULL, NULL, NULL), MSTORE_OK);
    assert_int_equal(mstore_client_remove(c, "com.example.bow"), MSTORE_OK);
    free(pkgs);
    free(outside);
    mstore_client_free(c);
}

/* Puts another package at the cached download's path the moment the TUF client has verified it
 * (its log line says so), as something with write access to the cache could. */
typedef struct swapper {
    const char *cached; /* the verified download's path */
    const char *twin;   /* the file renamed over it */
    int swaps;
} swapper;

static void swap_after_check(void *ctx, const char *line)
{
    swapper *sw = ctx;

    if (!strstr(line, sw->cached) ||
        (!strstr(line, "verified and stored as") && !strstr(line, "is up to date")))
        return;
    assert_int_equal(ms_run(NULL, "cp %s %s.swap && mv %s.swap %s", sw->twin, sw->cached,
                            sw->cached, sw->cached),
                     0);
    sw->swaps++;
}

/* Between the hash check and the extraction the package is read only through the descriptor
 * that was checked: a validly signed package of the same id and version (the developer's other
 * build, which the store did not sign) put at the cached file's path after the check is not what
 * gets installed, whether the check was of a fresh download or of the cached file. */
static void installs_the_bytes_it_checked(void **state)
{
    fixture *f = *state;
    char *cached = ms_fmt("%s/var/cache/motionstore/packages/com.example.bow-1.0.0.mpk", f->root);
    char *twin = ms_join(f->dir, "bow-twin.mpk");
    char *pad =
        ms_fmt("%s/var/lib/motionstore/packages/com.example.bow/1.0.0/assets/pad0.bin", f->root);
    swapper sw = {cached, twin, 0};
    mstore_client_options o;
    mstore_client *c;

    ms_testrepo(ms_fmt("mkpkg %s --key %s/dev.pem --id com.example.bow --version 1.0.0 --pad 5000",
                       twin, f->dir));
    mstore_client_options_init(&o);
    o.log = swap_after_check;
    o.log_ctx = &sw;
    c = open_client(f, &o);
    for (int cached_before = 0; cached_before < 2; cached_before++) {
        if (cached_before)
            assert_int_equal(ms_run(NULL,
                                    "mkdir -p %s/var/cache/motionstore/packages && cp "
                                    "%s/d.mpk %s",
                                    f->root, f->dir, cached),
                             0);
        else
            assert_false(ms_exists(cached));
        sw.swaps = 0;
        assert_int_equal(mstore_client_install(c, "com.example.bow", "1.0.0"), MSTORE_OK);
        assert_int_equal(sw.swaps, 1);
        assert_string_equal(current(f, c, "com.example.bow"), "1.0.0");
        /* The twin's padding file would be there had the twin been extracted. */
        assert_false(ms_exists(pad));
        assert_int_equal(mstore_client_verify(c, "com.example.bow", NULL, NULL), MSTORE_OK);
        assert_int_equal(mstore_client_remove(c, "com.example.bow"), MSTORE_OK);
    }
    mstore_client_free(c);
    free(cached);
    free(twin);
    free(pad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(install_reports_progress),
        cmocka_unit_test(cancel_leaves_nothing),
        cmocka_unit_test(shared_client_serialises_threads),
        cmocka_unit_test(lock_keeps_clients_apart),
        cmocka_unit_test(refuses_bad_arguments),
        cmocka_unit_test(links_in_package_folders_are_not_packages),
        cmocka_unit_test(kept_version_keeps_its_key),
        cmocka_unit_test(no_rollback_to_a_yanked_version),
        cmocka_unit_test(installs_the_bytes_it_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
