/* .mpk packages: write, open, verify; reproducible bytes; every tampered variant rejected with
 * a message naming the entry; size and count caps; nothing left behind when writing fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <zip.h>

#include "mpk/package.h"
#include "mpk/robot.h"
#include "testutil.h"

static const char manifest_json[] =
    "{\"format\": 1, \"id\": \"com.example.wave\", \"version\": \"1.0.0\","
    " \"name\": {\"en\": \"Wave\"}, \"description\": {\"en\": \"Waves.\"},"
    " \"author\": \"Example\", \"license\": \"CC0-1.0\", \"category\": \"gesture\","
    " \"robots\": [\"g1-29dof\"], \"min_runtime\": \"0.1.0\", \"thumbnail\": \"assets/thumb.png\","
    " \"motions\": [{\"name\": \"wave\", \"file\": \"motions/wave.mpkt\", \"robot\": \"g1-29dof\","
    "   \"duration\": 1.98, \"rate\": 50, \"joints\": [\"right_shoulder_roll\", \"right_elbow\","
    "   \"waist_yaw\"]}],"
    " \"files\": [{\"path\": \"motions/wave.mpkt\", \"size\": 0, \"sha256\": "
    "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"},"
    " {\"path\": \"assets/thumb.png\", \"size\": 0, \"sha256\": "
    "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}]}";

typedef struct fixture {
    char *dir;
    mpk_key *key, *other;
    char key_id[MPK_KEY_ID_LEN + 1], other_id[MPK_KEY_ID_LEN + 1];
    void *track;
    size_t track_size;
    char *good; /* path of a valid package */
} fixture;

static mpk_manifest *new_manifest(void)
{
    mpk_manifest *m = NULL;
    if (mpk_manifest_parse(&m, manifest_json, strlen(manifest_json)) != MPK_OK)
        fail_msg("%s", mpk_error_message());
    return m;
}

static int write_package(fixture *fx, const char *path, mpk_key *key)
{
    mpk_manifest *m = new_manifest();
    mpk_package_input in[2] = {{"motions/wave.mpkt", fx->track, fx->track_size},
                               {"assets/thumb.png", "PNG", 3}};
    int rc = mpk_package_write(path, m, in, 2, key);
    mpk_manifest_free(m);
    return rc;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    const char *joints[] = {"right_shoulder_roll", "right_elbow", "waist_yaw"};
    mpk_track *t = NULL;
    int f;

    fx->dir = ms_tmpdir("package");
    assert_int_equal(mpk_key_generate(&fx->key), MPK_OK);
    assert_int_equal(mpk_key_generate(&fx->other), MPK_OK);
    assert_int_equal(mpk_key_id(fx->key_id, fx->key), MPK_OK);
    assert_int_equal(mpk_key_id(fx->other_id, fx->other), MPK_OK);
    assert_int_equal(mpk_track_new(&t, "g1-29dof", 3, joints, 50, 100, 0), MPK_OK);
    for (f = 0; f < 100; f++)
        mpk_track_positions(t)[f * 3 + 1] = 0.01f * (float)f;
    assert_int_equal(mpk_track_serialize(&fx->track, &fx->track_size, t), MPK_OK);
    mpk_track_free(t);
    fx->good = ms_join(fx->dir, "good.mpk");
    if (write_package(fx, fx->good, fx->key) != MPK_OK)
        fail_msg("%s", mpk_error_message());
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    mpk_key_free(fx->key);
    mpk_key_free(fx->other);
    free(fx->track);
    ms_rm_rf(fx->dir);
    free(fx->dir);
    free(fx->good);
    free(fx);
    return 0;
}

/* ---- zip surgery: read every entry, change some, write a new archive ---- */

typedef struct zentry {
    char name[256];
    void *data;
    size_t size;
} zentry;

typedef struct zlist {
    zentry e[2048];
    int n;
} zlist;

static zlist *zread(const char *path)
{
    zlist *l = calloc(1, sizeof(*l));
    zip_t *za = zip_open(path, ZIP_RDONLY, NULL);
    zip_int64_t i;

    assert_non_null(za);
    for (i = 0; i < zip_get_num_entries(za, 0); i++) {
        zip_stat_t st;
        zip_file_t *zf;
        assert_int_equal(zip_stat_index(za, (zip_uint64_t)i, 0, &st), 0);
        snprintf(l->e[i].name, sizeof(l->e[i].name), "%s", st.name);
        l->e[i].size = st.size;
        l->e[i].data = malloc(st.size + 1);
        zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
        assert_int_equal(zip_fread(zf, l->e[i].data, st.size), (zip_int64_t)st.size);
        zip_fclose(zf);
        l->n++;
    }
    zip_discard(za);
    return l;
}

static zentry *zfind(zlist *l, const char *name)
{
    int i;
    for (i = 0; i < l->n; i++)
        if (strcmp(l->e[i].name, name) == 0)
            return &l->e[i];
    fail_msg("no entry %s", name);
    return NULL;
}

static void zset(zentry *e, const void *data, size_t size)
{
    free(e->data);
    e->data = malloc(size + 1);
    memcpy(e->data, data, size);
    e->size = size;
}

static void zremove(zlist *l, const char *name)
{
    zentry *e = zfind(l, name);
    free(e->data);
    *e = l->e[--l->n];
}

static void zwrite(zlist *l, const char *path)
{
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL);
    int i;

    assert_non_null(za);
    for (i = 0; i < l->n; i++) {
        zip_source_t *s = zip_source_buffer(za, l->e[i].data, l->e[i].size, 0);
        assert_true(zip_file_add(za, l->e[i].name, s, 0) >= 0);
    }
    assert_int_equal(zip_close(za), 0);
}

static void zfree(zlist *l)
{
    int i;
    for (i = 0; i < l->n; i++)
        free(l->e[i].data);
    free(l);
}

/* Opens and verifies path (against expected_id); expects code and msg from whichever fails. */
static void expect_invalid(const char *path, const char *expected_id, int code, const char *msg)
{
    mpk_package *pkg = NULL;
    int rc = mpk_package_open(&pkg, path);

    if (rc == MPK_OK) {
        rc = mpk_package_verify(pkg, expected_id);
        mpk_package_free(pkg);
    } else {
        assert_null(pkg);
    }
    if (rc != code || !strstr(mpk_error_message(), msg))
        fail_msg("%s: expected %d '%s', got %d '%s'", path, code, msg, rc, mpk_error_message());
}

static void test_write_open_verify(void **state)
{
    fixture *fx = *state;
    mpk_package *pkg = NULL;
    const mpk_manifest *m;
    mpk_track *t = NULL;
    void *data = NULL;
    size_t size = 0, msize = 0;

    assert_int_equal(mpk_package_open(&pkg, fx->good), MPK_OK);
    assert_int_equal(mpk_package_verify(pkg, NULL), MPK_OK);
    assert_int_equal(mpk_package_verify(pkg, fx->key_id), MPK_OK);
    m = mpk_package_manifest(pkg);
    assert_string_equal(m->id, "com.example.wave");
    assert_int_equal(m->file_count, 2);
    /* files are sorted by path and carry the real sizes. */
    assert_string_equal(m->files[0].path, "assets/thumb.png");
    assert_int_equal(m->files[0].size, 3);
    assert_int_equal(m->files[1].size, fx->track_size);
    assert_string_equal(mpk_package_key_id(pkg), fx->key_id);
    assert_non_null(mpk_package_manifest_bytes(pkg, &msize));
    assert_true(msize > 100);
    assert_int_equal(mpk_package_read(&data, &size, pkg, "assets/thumb.png", 100), MPK_OK);
    assert_int_equal(size, 3);
    assert_memory_equal(data, "PNG", 3);
    free(data);
    assert_int_equal(mpk_package_read(&data, &size, pkg, "assets/thumb.png", 2), MPK_ELIMIT);
    assert_int_equal(mpk_package_read(&data, &size, pkg, "nope", 2), MPK_ENOTFOUND);
    assert_int_equal(mpk_package_load_track(&t, pkg, NULL), MPK_OK);
    assert_int_equal(mpk_track_frame_count(t), 100);
    assert_true(mpk_track_positions(t)[3 * 50 + 1] == 0.5f);
    mpk_track_free(t);
    t = NULL;
    assert_int_equal(mpk_package_load_track(&t, pkg, "wave"), MPK_OK);
    mpk_track_free(t);
    assert_int_equal(mpk_package_load_track(&t, pkg, "dance"), MPK_ENOTFOUND);
    mpk_package_free(pkg);
    mpk_package_free(NULL);

    /* The same from memory. */
    {
        size_t n = 0;
        char *bytes = ms_slurp(fx->good, &n);
        assert_int_equal(mpk_package_open_buffer(&pkg, bytes, n), MPK_OK);
        free(bytes);
        assert_int_equal(mpk_package_verify(pkg, fx->key_id), MPK_OK);
        mpk_package_free(pkg);
    }
}

static void test_reproducible(void **state)
{
    fixture *fx = *state;
    char *a = ms_join(fx->dir, "a.mpk"), *b = ms_join(fx->dir, "b.mpk");
    char *ga, *gb;
    size_t na, nb;
    unsigned char *p;

    assert_int_equal(write_package(fx, a, fx->key), MPK_OK);
    ga = ms_slurp(a, &na);
    gb = ms_slurp(fx->good, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(ga, gb, na);
    /* Local header of the first entry: mod time at 10, date at 12 = 2000-01-01 00:00. */
    p = (unsigned char *)ga;
    assert_int_equal(p[10] | p[11] << 8, 0);
    assert_int_equal(p[12] | p[13] << 8, (20 << 9) | (1 << 5) | 1);
    free(ga);

    /* SOURCE_DATE_EPOCH 2023-11-14 22:13:20 UTC: another date, still the same bytes twice. */
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    assert_int_equal(write_package(fx, a, fx->key), MPK_OK);
    assert_int_equal(write_package(fx, b, fx->key), MPK_OK);
    /* A malformed value is an error naming the variable, not a silent fallback to another date
     * (which would make the "reproducible" build differ from what the caller asked for). */
    {
        static const char *const bad[] = {"abc", "-5", "1700000000 ", "17e8", "0x10"};
        char *c = ms_join(fx->dir, "c.mpk");
        size_t k;
        for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
            setenv("SOURCE_DATE_EPOCH", bad[k], 1);
            assert_int_equal(write_package(fx, c, fx->key), MPK_EINVAL);
            assert_non_null(strstr(mpk_error_message(), "SOURCE_DATE_EPOCH"));
            assert_false(ms_exists(c));
        }
        free(c);
    }
    unsetenv("SOURCE_DATE_EPOCH");
    ga = ms_slurp(a, &na);
    free(gb);
    gb = ms_slurp(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(ga, gb, na);
    p = (unsigned char *)ga;
    assert_int_equal(p[10] | p[11] << 8, (22 << 11) | (13 << 5) | (20 / 2));
    assert_int_equal(p[12] | p[13] << 8, (43 << 9) | (11 << 5) | 14);

    /* Entries sorted by name, regular files 0644, nothing else. */
    {
        static const char *const names[] = {"assets/thumb.png", "manifest.json",
                                            "motions/wave.mpkt", "signature.json"};
        zip_t *za = zip_open(a, ZIP_RDONLY, NULL);
        zip_int64_t i;
        assert_int_equal(zip_get_num_entries(za, 0), 4);
        for (i = 0; i < 4; i++) {
            zip_uint8_t os;
            zip_uint32_t attr;
            assert_string_equal(zip_get_name(za, (zip_uint64_t)i, 0), names[i]);
            assert_int_equal(zip_file_get_external_attributes(za, (zip_uint64_t)i, 0, &os, &attr),
                             0);
            assert_int_equal(os, ZIP_OPSYS_UNIX);
            assert_int_equal(attr >> 16, 0100644);
        }
        zip_discard(za);
    }
    free(ga);
    free(gb);
    free(a);
    free(b);
}

static void test_tampered(void **state)
{
    fixture *fx = *state;
    char *bad = ms_join(fx->dir, "bad.mpk");
    zlist *l;
    zentry *e;

    /* Same size, one bit flipped in the track. */
    l = zread(fx->good);
    e = zfind(l, "motions/wave.mpkt");
    ((unsigned char *)e->data)[200] ^= 1;
    zwrite(l, bad);
    zfree(l);
    expect_invalid(bad, NULL, MPK_EHASH, "motions/wave.mpkt: SHA-256 differs");

    /* Another size. */
    l = zread(fx->good);
    zset(zfind(l, "assets/thumb.png"), "PNG!", 4);
    zwrite(l, bad);
    zfree(l);
    expect_invalid(bad, NULL, MPK_EHASH, "assets/thumb.png: 4 bytes, but manifest.json lists 3");

    /* A listed entry missing. */
    l = zread(fx->good);
    zremove(l, "assets/thumb.png");
    zwrite(l, bad);
    zfree(l);
    expect_invalid(bad, NULL, MPK_EHASH, "assets/thumb.png: listed in manifest.json but missing");

    /* An entry the manifest does not list. */
    l = zread(fx->good);
    snprintf(l->e[l->n].name, 256, "extra.txt");
    l->e[l->n].data = strdup("hi");
    l->e[l->n++].size = 2;
    zwrite(l, bad);
    zfree(l);
    expect_invalid(bad, NULL, MPK_EHASH, "extra.txt: entry not listed in manifest.json");

    /* Two names that differ only in letter case. */
    l = zread(fx->good);
    snprintf(l->e[l->n].name, 256, "MOTIONS/Wave.mpkt");
    l->e[l->n].data = strdup("hi");
    l->e[l->n++].size = 2;
    zwrite(l, bad);
    zfree(l);
    expect_invalid(bad, NULL, MPK_EFORMAT,
                   "MOTIONS/Wave.mpkt: the same name as the entry motions/wave.mpkt but for letter "
                   "case");

    /* A folder entry. */
    l = zread(fx->good);
    snprintf(l->e[l->n].name, 256, "motions/");
    l->e[l->n].data = strdup("");
    l->e[l->n++].size = 0;
    zwrite(l, bad);
    zfree(l);
    expect_invalid(bad, NULL, MPK_EFORMAT, "motions/: folder entries are not allowed");

    /* The manifest changed after signing (still a valid manifest). */
    l = zread(fx->good);
    e = zfind(l, "manifest.json");
    {
        char *text = strndup(e->data, e->size), *at = strstr(text, "\"Example\"");
        assert_non_null(at);
        memcpy(at, "\"Exampl3\"", 9);
        zset(e, text, strlen(text));
        free(text);
    }
    zwrite(l, bad);
    zfree(l);
    expect_invalid(bad, NULL, MPK_ESIGNATURE, "signature.json: the signature does not match");

    /* No signature at all; no manifest at all. */
    l = zread(fx->good);
    zremove(l, "signature.json");
    zwrite(l, bad);
    zfree(l);
    expect_invalid(bad, NULL, MPK_EFORMAT, "signature.json: not in the package");
    l = zread(fx->good);
    zremove(l, "manifest.json");
    zwrite(l, bad);
    zfree(l);
    expect_invalid(bad, NULL, MPK_EFORMAT, "manifest.json: not in the package");
    free(bad);
}

static void test_other_signer(void **state)
{
    fixture *fx = *state;
    char *other = ms_join(fx->dir, "other.mpk"), *mixed = ms_join(fx->dir, "mixed.mpk");
    zlist *l, *lo;
    char *text, *at;
    zentry *e;

    /* Signed properly, but by another key: fine alone, refused when the key id is expected. */
    assert_int_equal(write_package(fx, other, fx->other), MPK_OK);
    expect_invalid(other, NULL, MPK_OK, "");
    expect_invalid(other, fx->other_id, MPK_OK, "");
    expect_invalid(other, fx->key_id, MPK_ESIGNATURE, "not by the expected key");

    /* The first key's id with the other key's public key and signature. */
    lo = zread(other);
    l = zread(fx->good);
    e = zfind(lo, "signature.json");
    text = strndup(e->data, e->size);
    at = strstr(text, fx->other_id);
    assert_non_null(at);
    memcpy(at, fx->key_id, MPK_KEY_ID_LEN);
    zset(zfind(l, "signature.json"), text, strlen(text));
    free(text);
    zwrite(l, mixed);
    expect_invalid(mixed, NULL, MPK_ESIGNATURE, "is not the id of public_key");

    /* The other key's whole signature.json on the first key's (identical) manifest: a valid
     * signature by someone else, caught only by the expected key id. */
    zset(zfind(l, "signature.json"), e->data, e->size);
    zwrite(l, mixed);
    expect_invalid(mixed, NULL, MPK_OK, "");
    expect_invalid(mixed, fx->key_id, MPK_ESIGNATURE, "not by the expected key");

    /* The first key's public key and id, but the signature made by the other key: refused even
     * when no particular signer is expected. */
    {
        json_t *mine, *theirs = json_loadb(e->data, e->size, 0, NULL);
        zentry *sig;
        char *doc;

        zfree(l);
        l = zread(fx->good);
        sig = zfind(l, "signature.json");
        mine = json_loadb(sig->data, sig->size, 0, NULL);
        assert_non_null(mine);
        assert_non_null(theirs);
        json_object_set(mine, "signature", json_object_get(theirs, "signature"));
        doc = json_dumps(mine, JSON_SORT_KEYS);
        zset(sig, doc, strlen(doc));
        free(doc);
        json_decref(mine);
        json_decref(theirs);
        zwrite(l, mixed);
        expect_invalid(mixed, NULL, MPK_ESIGNATURE, "signature.json: the signature does not match");
    }
    zfree(l);
    zfree(lo);
    free(other);
    free(mixed);
}

/* One bit changed at the start, the middle and the end of every entry, the manifest and the
 * signature included: each variant is refused, and the message names the entry. */
static void test_every_entry_changed(void **state)
{
    fixture *fx = *state;
    char *bad = ms_join(fx->dir, "flipped.mpk");
    zlist *names = zread(fx->good);
    int i, k;

    assert_int_equal(names->n, 4);
    for (i = 0; i < names->n; i++) {
        for (k = 0; k < 3; k++) {
            zlist *l = zread(fx->good);
            zentry *e = zfind(l, names->e[i].name);
            size_t at = k == 0 ? 0 : k == 1 ? e->size / 2 : e->size - 1;
            mpk_package *pkg = NULL;
            int rc;

            ((unsigned char *)e->data)[at] ^= 0x01;
            zwrite(l, bad);
            zfree(l);
            rc = mpk_package_open(&pkg, bad);
            if (rc == MPK_OK)
                rc = mpk_package_verify(pkg, NULL);
            mpk_package_free(pkg);
            if (rc == MPK_OK || !strstr(mpk_error_message(), names->e[i].name))
                fail_msg("%s, byte %zu changed: got %d '%s'", names->e[i].name, at, rc,
                         mpk_error_message());
        }
    }
    zfree(names);
    free(bad);
}

/* Truncations and byte flips: never accepted unless what is read is exactly the original. */
static void test_damaged(void **state)
{
    fixture *fx = *state;
    size_t n, cut, i;
    unsigned char *good = (unsigned char *)ms_slurp(fx->good, &n), *buf = malloc(n);
    mpk_package *pkg;

    for (cut = 0; cut < n; cut += 7) {
        pkg = NULL;
        if (mpk_package_open_buffer(&pkg, good, cut) == MPK_OK) {
            assert_int_not_equal(mpk_package_verify(pkg, NULL), MPK_OK);
            mpk_package_free(pkg);
        }
    }
    for (i = 0; i < n; i += 3) {
        const char *mb;
        size_t ms;
        memcpy(buf, good, n);
        buf[i] ^= 0x5a;
        pkg = NULL;
        if (mpk_package_open_buffer(&pkg, buf, n) != MPK_OK)
            continue;
        if (mpk_package_verify(pkg, fx->key_id) == MPK_OK) {
            /* Only bytes nobody reads (e.g. "version made by") may change harmlessly. */
            mpk_package *orig = NULL;
            void *d1 = NULL, *d2 = NULL;
            size_t s1 = 0, s2 = 0;
            assert_int_equal(mpk_package_open_buffer(&orig, good, n), MPK_OK);
            mb = mpk_package_manifest_bytes(pkg, &ms);
            assert_int_equal(ms, strlen(mpk_package_manifest_bytes(orig, NULL)));
            assert_memory_equal(mb, mpk_package_manifest_bytes(orig, NULL), ms);
            assert_int_equal(mpk_package_read(&d1, &s1, pkg, "motions/wave.mpkt", 1 << 20), 0);
            assert_int_equal(mpk_package_read(&d2, &s2, orig, "motions/wave.mpkt", 1 << 20), 0);
            assert_int_equal(s1, s2);
            assert_memory_equal(d1, d2, s1);
            free(d1);
            free(d2);
            mpk_package_free(orig);
        }
        mpk_package_free(pkg);
    }
    expect_invalid("/nonexistent.mpk", NULL, MPK_ENOTFOUND, "/nonexistent.mpk");
    {
        char *junk = ms_join(fx->dir, "junk.mpk");
        ms_write(junk, "this is not a zip archive at all", 32);
        expect_invalid(junk, NULL, MPK_EFORMAT, "junk.mpk: not a valid zip");
        /* Larger than the cap: refused before reading (a sparse file). */
        assert_int_equal(truncate(junk, (off_t)MPK_PACKAGE_MAX_SIZE + 1), 0);
        expect_invalid(junk, NULL, MPK_ELIMIT, "more than the limit");
        free(junk);
    }
    free(good);
    free(buf);
}

/* Patches the uncompressed size of an entry in both headers: declared sizes beyond the caps. */
static void test_absurd_sizes(void **state)
{
    fixture *fx = *state;
    char *path = ms_join(fx->dir, "huge.mpk");
    size_t n, i;
    unsigned char *b;
    zlist *l;
    int patched = 0;

    /* An uncompressed archive, so only the size fields change. */
    l = zread(fx->good);
    {
        zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL);
        int k;
        for (k = 0; k < l->n; k++) {
            zip_source_t *s = zip_source_buffer(za, l->e[k].data, l->e[k].size, 0);
            zip_int64_t idx = zip_file_add(za, l->e[k].name, s, 0);
            zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
        }
        assert_int_equal(zip_close(za), 0);
    }
    zfree(l);
    expect_invalid(path, NULL, MPK_OK, "");
    b = (unsigned char *)ms_slurp(path, &n);
    for (i = 0; i + 46 < n; i++) {
        /* local header: size at 22; central header: size at 24 */
        if (memcmp(b + i, "PK\3\4", 4) == 0 && memcmp(b + i + 30, "assets/thumb.png", 16) == 0) {
            memcpy(b + i + 22, "\xf0\xff\xff\x7f", 4), patched++;
        }
        if (memcmp(b + i, "PK\1\2", 4) == 0 && memcmp(b + i + 46, "assets/thumb.png", 16) == 0) {
            memcpy(b + i + 24, "\xf0\xff\xff\x7f", 4), patched++;
        }
    }
    assert_int_equal(patched, 2);
    ms_write(path, b, n);
    expect_invalid(path, NULL, MPK_ELIMIT, "assets/thumb.png: declares 2147483632 bytes");
    free(b);

    /* Too many entries. */
    {
        zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL);
        int k;
        for (k = 0; k < (int)MPK_PACKAGE_MAX_ENTRIES + 1; k++) {
            char name[32];
            snprintf(name, sizeof(name), "f%04d", k);
            assert_true(zip_file_add(za, name, zip_source_buffer(za, "", 0, 0), 0) >= 0);
        }
        assert_int_equal(zip_close(za), 0);
        expect_invalid(path, NULL, MPK_ELIMIT, "1027 entries, more than the limit of 1026");
    }
    free(path);
}

static void test_write_failures(void **state)
{
    fixture *fx = *state;
    char *dir = ms_join(fx->dir, "out"), *path = ms_join(dir, "x.mpk"), *out = NULL;
    mpk_manifest *m = new_manifest();
    mpk_key *pub = NULL;
    char *pem = NULL;
    mpk_package_input in[2] = {{"motions/wave.mpkt", fx->track, fx->track_size},
                               {"assets/thumb.png", "PNG", 3}};
    mpk_package_input evil[1] = {{"../x.mpkt", "x", 1}};

    /* Into a missing folder: an I/O error naming the path. */
    assert_int_equal(mpk_package_write(path, m, in, 2, fx->key), MPK_EIO);
    assert_non_null(strstr(mpk_error_message(), "x.mpk"));
    assert_int_equal(mkdir(dir, 0755), 0);

    /* An invalid manifest: the manifest's field in the message, nothing written. */
    m->motions[0].rate = 0;
    assert_int_equal(mpk_package_write(path, m, in, 2, fx->key), MPK_EFORMAT);
    assert_non_null(strstr(mpk_error_message(), "manifest.json: motions[0].rate: must be"));
    m->motions[0].rate = 50;
    /* A track the manifest lists but the inputs do not carry. */
    assert_int_equal(mpk_package_write(path, m, in + 1, 1, fx->key), MPK_EFORMAT);
    assert_non_null(
        strstr(mpk_error_message(), "motions[0].file: 'motions/wave.mpkt' is not listed"));
    assert_int_equal(mpk_package_write(path, m, evil, 1, fx->key), MPK_EINVAL);
    assert_non_null(strstr(mpk_error_message(), "../x.mpkt"));
    /* A public key cannot sign. */
    assert_int_equal(mpk_key_public_pem(&pem, fx->key), MPK_OK);
    assert_int_equal(mpk_key_parse(&pub, pem, strlen(pem)), MPK_OK);
    assert_int_equal(mpk_package_write(path, m, in, 2, pub), MPK_EINVAL);
    assert_int_equal(ms_run(&out, "ls -A '%s' | wc -l", dir), 0);
    assert_string_equal(out, "0\n");
    free(out);

    /* Writing over an existing package replaces it atomically. */
    assert_int_equal(mpk_package_write(path, m, in, 2, fx->key), MPK_OK);
    assert_int_equal(mpk_package_write(path, m, in, 2, fx->key), MPK_OK);
    assert_int_equal(ms_run(&out, "ls -A '%s'", dir), 0);
    assert_string_equal(out, "x.mpk\n");
    free(out);
    free(pem);
    mpk_key_free(pub);
    mpk_manifest_free(m);
    free(path);
    free(dir);
}

/* A track whose samples break the model's limits: the package does not verify. */
static void test_track_limits(void **state)
{
    fixture *fx = *state;
    char *path = ms_join(fx->dir, "limits.mpk");
    const char *joints[] = {"right_shoulder_roll", "right_elbow", "waist_yaw"};
    mpk_track *t = NULL;
    void *bytes = NULL;
    size_t size = 0;
    mpk_manifest *m = new_manifest();
    mpk_package_input in[2];

    assert_int_equal(mpk_track_new(&t, "g1-29dof", 3, joints, 50, 100, 0), MPK_OK);
    mpk_track_positions(t)[3 * 40 + 2] = 10.0f; /* waist yaw at 10 rad */
    assert_int_equal(mpk_track_serialize(&bytes, &size, t), MPK_OK);
    in[0] = (mpk_package_input){"motions/wave.mpkt", bytes, size};
    in[1] = (mpk_package_input){"assets/thumb.png", "PNG", 3};
    assert_int_equal(mpk_package_write(path, m, in, 2, fx->key), MPK_OK);
    expect_invalid(path, NULL, MPK_EVALIDATE,
                   "motions/wave.mpkt: waist_yaw at 0.8 s (frame 40): position 10 outside");
    free(bytes);
    mpk_track_free(t);

    /* A track with other joints than the manifest says. */
    {
        const char *two[] = {"right_shoulder_roll", "right_elbow"};
        assert_int_equal(mpk_track_new(&t, "g1-29dof", 2, two, 50, 100, 0), MPK_OK);
        assert_int_equal(mpk_track_serialize(&bytes, &size, t), MPK_OK);
        in[0] = (mpk_package_input){"motions/wave.mpkt", bytes, size};
        assert_int_equal(mpk_package_write(path, m, in, 2, fx->key), MPK_OK);
        expect_invalid(path, NULL, MPK_EFORMAT, "motions[0].joints: 3 joints, but the track has 2");
        free(bytes);
        mpk_track_free(t);
    }
    mpk_manifest_free(m);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_open_verify),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_other_signer),
        cmocka_unit_test(test_every_entry_changed),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_absurd_sizes),
        cmocka_unit_test(test_write_failures),
        cmocka_unit_test(test_track_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
