/* mpk/file.h: bounded reads, atomic replacement, no temporary file left behind on failure. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "mpk/file.h"
#include "testutil.h"

/* Entries of dir other than . and .. */
static int entry_count(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_read(void **state)
{
    char *dir = ms_tmpdir("file"), *path = ms_join(dir, "a.txt"), *buf = NULL;
    size_t size = 99;

    (void)state;
    assert_int_equal(mpk_file_read(&buf, &size, path, 100), MPK_ENOTFOUND);
    assert_non_null(strstr(mpk_error_message(), "a.txt"));
    ms_write(path, "hello", 5);
    assert_int_equal(mpk_file_read(&buf, &size, path, 5), MPK_OK);
    assert_int_equal(size, 5);
    assert_string_equal(buf, "hello"); /* NUL-terminated */
    free(buf);
    buf = NULL;
    assert_int_equal(mpk_file_read(&buf, &size, path, 4), MPK_ELIMIT);
    assert_null(buf);
    assert_int_equal(mpk_file_read(&buf, &size, dir, 100), MPK_EIO); /* not a regular file */
    assert_int_equal(mpk_file_read(NULL, &size, path, 100), MPK_EINVAL);
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

static void test_write_atomic(void **state)
{
    char *dir = ms_tmpdir("file"), *path = ms_join(dir, "b.bin"), *buf;
    char *missing = ms_join(dir, "no/such/folder/c.bin");
    struct stat st;
    size_t size;

    (void)state;
    assert_int_equal(mpk_file_write_atomic(path, "old", 3, 0600), MPK_OK);
    assert_int_equal(mpk_file_write_atomic(path, "new!", 4, 0644), MPK_OK);
    buf = ms_slurp(path, &size);
    assert_int_equal(size, 4);
    assert_memory_equal(buf, "new!", 4);
    free(buf);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(entry_count(dir), 1); /* no temporary file beside it */
    assert_int_equal(mpk_file_write_atomic(missing, "x", 1, 0644), MPK_EIO);
    assert_non_null(strstr(mpk_error_message(), "c.bin"));
    assert_int_equal(entry_count(dir), 1);
    assert_int_equal(mpk_file_sync_parent(path), MPK_OK);
    assert_int_equal(mpk_file_sync_parent(missing), MPK_EIO);
    ms_rm_rf(dir);
    free(missing);
    free(path);
    free(dir);
}

static void test_write_new(void **state)
{
    char *dir = ms_tmpdir("file"), *path = ms_join(dir, "key.pem"), *buf;
    size_t size;

    (void)state;
    assert_int_equal(mpk_file_write_new(path, "first", 5, 0600), MPK_OK);
    assert_int_equal(mpk_file_write_new(path, "second", 6, 0600), MPK_EEXISTS);
    buf = ms_slurp(path, &size); /* the first file stays whole */
    assert_int_equal(size, 5);
    assert_memory_equal(buf, "first", 5);
    free(buf);
    assert_int_equal(entry_count(dir), 1);
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_write_atomic),
        cmocka_unit_test(test_write_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
