/* Package archive checks (extract.c, pkgsig.c): entry names, the central directory's entry
 * count, the signed head, extraction limits counted from bytes written, manifest.json and
 * signature.json byte for byte the verified ones, and reading only through the descriptor that
 * was checked. Archives come from mstore_testrepo (real signed packages) and Python's zipfile
 * (crafted ones). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../store-client/src/install_internal.h"
#include "testutil.h"

typedef struct fixture {
    char *dir, *pkg, *key_id;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char *bin = ms_bin("mstore_testrepo"), *out = NULL;

    f->dir = ms_tmpdir("test-extract");
    f->pkg = ms_join(f->dir, "p.mpk");
    assert_int_equal(ms_run(NULL, "%s genkey %s/k.pem", bin, f->dir), 0);
    assert_int_equal(ms_run(NULL,
                            "%s mkpkg %s --key %s/k.pem --id com.example.x --version 1.0.0 "
                            "--pad 200000",
                            bin, f->pkg, f->dir),
                     0);
    assert_int_equal(ms_run(&out,
                            "python3 -c \"import zipfile,json; print(json.loads(zipfile.ZipFile("
                            "'%s').read('signature.json'))['key_id'], end='')\"",
                            f->pkg),
                     0);
    f->key_id = out;
    free(bin);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    ms_rm_rf(f->dir);
    free(f->dir);
    free(f->pkg);
    free(f->key_id);
    free(f);
    return 0;
}

static void entry_names(void **state)
{
    (void)state;
    assert_true(mstore__entry_name_ok("manifest.json"));
    assert_true(mstore__entry_name_ok("motions/a.mpkt"));
    assert_true(mstore__entry_name_ok("assets/..hidden"));
    assert_false(mstore__entry_name_ok(""));
    assert_false(mstore__entry_name_ok(NULL));
    assert_false(mstore__entry_name_ok("/etc/passwd"));
    assert_false(mstore__entry_name_ok("../x"));
    assert_false(mstore__entry_name_ok("a/../../x"));
    assert_false(mstore__entry_name_ok("a/./x"));
    assert_false(mstore__entry_name_ok("a//x"));
    assert_false(mstore__entry_name_ok("a/"));
    assert_false(mstore__entry_name_ok("a\\..\\x"));
    assert_false(mstore__entry_name_ok("a\nb"));
}

static int open_ro(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    assert_true(fd >= 0);
    return fd;
}

/* The entry count of the archive at path, read through a descriptor as the installer does. */
static int count_entries(uint64_t *n, const char *path)
{
    int fd = open_ro(path), rc = mstore__zip_entry_count(n, fd, path);

    close(fd);
    return rc;
}

static int read_head(mpk_manifest **m, char **man, size_t *man_size, char **sig, size_t *sig_size,
                     const char *path, const char *key_id)
{
    int fd = open_ro(path),
        rc = mstore__package_read_head(m, man, man_size, sig, sig_size, fd, path, key_id);

    close(fd);
    return rc;
}

static void central_directory_count(void **state)
{
    fixture *f = *state;
    char *z = ms_join(f->dir, "comment.zip"), *cut = ms_join(f->dir, "cut.zip");
    uint64_t n = 0;

    assert_int_equal(count_entries(&n, f->pkg), MSTORE_OK);
    assert_int_equal(n, 4); /* manifest, signature, track, padding */
    /* A comment holding a fake end record does not fool the count. */
    assert_int_equal(ms_run(NULL,
                            "python3 -c \"import zipfile,struct\n"
                            "z=zipfile.ZipFile('%s','w')\n"
                            "z.writestr('a','1'); z.writestr('b','2')\n"
                            "z.comment=b'PK\\x05\\x06'+struct.pack('<HHHHIIH',0,0,9,9,0,0,0)\n"
                            "z.close()\"",
                            z),
                     0);
    assert_int_equal(count_entries(&n, z), MSTORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ms_run(NULL, "head -c 1000 %s > %s", f->pkg, cut), 0);
    assert_int_equal(count_entries(&n, cut), MSTORE_EFORMAT);
    free(z);
    free(cut);
}

/* Writes a zip made by Python (script gets the output path as 'p'). */
static char *crafted(fixture *f, const char *name, const char *script)
{
    char *z = ms_join(f->dir, name);

    assert_int_equal(ms_run(NULL, "python3 -c \"import zipfile,struct\np='%s'\n%s\"", z, script),
                     0);
    return z;
}

/* The central directory is walked before libarchive reads it: every entry is counted (never the
 * end record's word for it), a name with a NUL byte (which libarchive cuts short, so that the
 * entry would pass as the name before the NUL) is refused, and so are more entries than a
 * package may hold, before any of them is loaded. */
static void central_directory_walk(void **state)
{
    fixture *f = *state;
    uint64_t n = 0;
    char *nul, *many, *lying;

    nul = crafted(f, "nul.zip",
                  "z=zipfile.ZipFile(p,'w')\nz.writestr('a/okQ../../x','1')\nz.close()\n"
                  "b=open(p,'rb').read().replace(b'okQ',b'ok\\x00')\nopen(p,'wb').write(b)");
    assert_int_equal(count_entries(&n, nul), MSTORE_EFORMAT);
    assert_non_null(strstr(mstore_error_message(), "NUL"));
    many = crafted(f, "many.zip",
                   "z=zipfile.ZipFile(p,'w')\n"
                   "[z.writestr('f%d' % i,'') for i in range(1100)]\nz.close()");
    assert_int_equal(count_entries(&n, many), MSTORE_ELIMIT);
    /* An end record that lists fewer entries than the directory holds. */
    lying = crafted(f, "lying.zip",
                    "z=zipfile.ZipFile(p,'w')\n[z.writestr(c,'1') for c in 'abc']\nz.close()\n"
                    "b=bytearray(open(p,'rb').read())\ne=b.rfind(b'PK\\x05\\x06')\n"
                    "b[e+8:e+12]=struct.pack('<HH',2,2)\nopen(p,'wb').write(b)");
    assert_int_equal(count_entries(&n, lying), MSTORE_EFORMAT);
    free(nul);
    free(many);
    free(lying);
}

static void signed_head(void **state)
{
    fixture *f = *state;
    mpk_manifest *m = NULL;
    char *man = NULL, *sig = NULL;
    size_t man_size = 0, sig_size = 0;

    assert_int_equal(read_head(&m, &man, &man_size, &sig, &sig_size, f->pkg,
                               "0000000000000000000000000000000000000000000000"
                               "000000000000000000"),
                     MSTORE_ESIGNATURE);
    assert_non_null(strstr(mstore_error_message(), "but the store names key"));
    assert_null(m);
    assert_null(sig);
    assert_int_equal(read_head(&m, &man, &man_size, &sig, &sig_size, f->pkg, f->key_id), MSTORE_OK);
    assert_string_equal(m->id, "com.example.x");
    assert_true(man_size > 100 && sig_size > 100);
    assert_non_null(strstr(sig, f->key_id));
    mpk_manifest_free(m);
    free(man);
    free(sig);
}

/* Extracts the fixture's package into dest. tamper, if given, changes the verified
 * signature.json bytes before extraction (the archive's then differ from them). */
static int extract_tampered(fixture *f, const mstore__extract_limits *lim, const char *dest,
                            void (*tamper)(char *sig, size_t *size))
{
    mpk_manifest *m = NULL;
    char *man = NULL, *sig = NULL;
    size_t man_size = 0, sig_size = 0;
    int fd = open_ro(f->pkg), rc;

    assert_int_equal(
        mstore__package_read_head(&m, &man, &man_size, &sig, &sig_size, fd, f->pkg, f->key_id),
        MSTORE_OK);
    if (tamper)
        tamper(sig, &sig_size);
    mstore__rmtree(dest);
    assert_int_equal(mkdir(dest, 0755), 0);
    rc =
        mstore__extract_package(fd, f->pkg, dest, m, man, man_size, sig, sig_size, lim, NULL, NULL);
    close(fd);
    mpk_manifest_free(m);
    free(man);
    free(sig);
    return rc;
}

static int extract_with(fixture *f, const mstore__extract_limits *lim, const char *dest)
{
    return extract_tampered(f, lim, dest, NULL);
}

static void extracts_within_limits(void **state)
{
    fixture *f = *state;
    char *dest = ms_join(f->dir, "dest"), *pad = ms_join(dest, "assets/pad0.bin");
    mstore__extract_limits lim = {MSTORE_EXTRACT_MAX_ENTRIES, MSTORE_EXTRACT_MAX_TOTAL};
    struct stat st;

    assert_int_equal(extract_with(f, &lim, dest), MSTORE_OK);
    assert_int_equal(stat(pad, &st), 0);
    assert_int_equal(st.st_size, 200000);
    assert_int_equal(mstore__verify_dir(dest, "com.example.x", "1.0.0", f->key_id), MSTORE_OK);
    /* The entry count limit. */
    lim.max_entries = 3;
    assert_int_equal(extract_with(f, &lim, dest), MSTORE_ELIMIT);
    /* The total limit, counted from what is written (the padding alone is 200,000 bytes). */
    lim.max_entries = MSTORE_EXTRACT_MAX_ENTRIES;
    lim.max_total = 150000;
    assert_int_equal(extract_with(f, &lim, dest), MSTORE_ELIMIT);
    assert_non_null(strstr(mstore_error_message(), "bytes in all"));
    mstore__rmtree(dest);
    free(dest);
    free(pad);
}

static void flip_a_byte(char *sig, size_t *size)
{
    /* Inside the base64 signature: still JSON, another signature. */
    char *p = strstr(sig, "\"signature\"");

    assert_non_null(p);
    p += strlen("\"signature\": \"") + 4;
    *p = *p == 'A' ? 'B' : 'A';
    (void)size;
}

static void drop_the_last_byte(char *sig, size_t *size)
{
    (void)sig;
    (*size)--;
}

/* signature.json lands on the robot exactly as it was verified: verify and rollback later trust
 * the installed copy, so one that differs from the checked bytes is refused, like manifest.json. */
static void signature_must_be_the_verified_one(void **state)
{
    fixture *f = *state;
    char *dest = ms_join(f->dir, "dest-sig");
    mstore__extract_limits lim = {MSTORE_EXTRACT_MAX_ENTRIES, MSTORE_EXTRACT_MAX_TOTAL};

    assert_int_equal(extract_tampered(f, &lim, dest, flip_a_byte), MSTORE_EFORMAT);
    assert_non_null(strstr(mstore_error_message(), "signature.json differs"));
    assert_int_equal(extract_tampered(f, &lim, dest, drop_the_last_byte), MSTORE_EFORMAT);
    assert_int_equal(extract_with(f, &lim, dest), MSTORE_OK);
    mstore__rmtree(dest);
    free(dest);
}

/* The archive is read only through the descriptor that was checked: another package renamed
 * over its path after the check changes nothing that is extracted. */
static void reads_only_the_checked_descriptor(void **state)
{
    fixture *f = *state;
    char *bin = ms_bin("mstore_testrepo"), *copy = ms_join(f->dir, "copy.mpk");
    char *other = ms_join(f->dir, "other.mpk"), *dest = ms_join(f->dir, "dest-fd");
    char *pad = ms_join(dest, "assets/pad0.bin");
    mstore__extract_limits lim = {MSTORE_EXTRACT_MAX_ENTRIES, MSTORE_EXTRACT_MAX_TOTAL};
    mpk_manifest *m = NULL;
    char *man = NULL, *sig = NULL;
    size_t man_size = 0, sig_size = 0;
    struct stat st;
    int fd;

    /* The same id and version, signed by the same key, other contents. */
    assert_int_equal(ms_run(NULL,
                            "%s mkpkg %s --key %s/k.pem --id com.example.x --version 1.0.0 "
                            "--pad 1000 && cp %s %s",
                            bin, other, f->dir, f->pkg, copy),
                     0);
    fd = open_ro(copy);
    assert_int_equal(
        mstore__package_read_head(&m, &man, &man_size, &sig, &sig_size, fd, copy, f->key_id),
        MSTORE_OK);
    assert_int_equal(rename(other, copy), 0);
    mstore__rmtree(dest);
    assert_int_equal(mkdir(dest, 0755), 0);
    assert_int_equal(
        mstore__extract_package(fd, copy, dest, m, man, man_size, sig, sig_size, &lim, NULL, NULL),
        MSTORE_OK);
    assert_int_equal(stat(pad, &st), 0);
    assert_int_equal(st.st_size, 200000);
    close(fd);
    mpk_manifest_free(m);
    free(man);
    free(sig);
    mstore__rmtree(dest);
    unlink(copy);
    free(bin);
    free(copy);
    free(other);
    free(dest);
    free(pad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entry_names),
        cmocka_unit_test(central_directory_walk),
        cmocka_unit_test(central_directory_count),
        cmocka_unit_test(signed_head),
        cmocka_unit_test(extracts_within_limits),
        cmocka_unit_test(signature_must_be_the_verified_one),
        cmocka_unit_test(reads_only_the_checked_descriptor),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
