/* Unit tests of the server's HTTP helpers: Range parsing and repository path checks. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "http.h"
#include "util.h"

static void test_range(void **state)
{
    uint64_t a = 0, b = 0;

    (void)state;
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=0-9", 100), 1);
    assert_true(a == 0 && b == 9);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=90-", 100), 1);
    assert_true(a == 90 && b == 99);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=-10", 100), 1);
    assert_true(a == 90 && b == 99);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=-1000", 100), 1);
    assert_true(a == 0 && b == 99);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=50-5000", 100), 1);
    assert_true(a == 50 && b == 99);
    /* unsatisfiable */
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=100-", 100), -1);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=-0", 100), -1);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=0-0", 0), -1);
    /* ignored: the whole file is sent */
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=0-1,5-6", 100), 0);
    assert_int_equal(srv_http_parse_range(&a, &b, "items=0-1", 100), 0);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=9-2", 100), 0);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=x-2", 100), 0);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=1-2x", 100), 0);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=99999999999999999999999-", 100), 0);
    assert_int_equal(srv_http_parse_range(&a, &b, "bytes=", 100), 0);
}

static void test_path_safe(void **state)
{
    (void)state;
    assert_true(srv_path_safe("metadata/timestamp.json"));
    assert_true(srv_path_safe("targets/packages/com.a.b/0123abcd.com.a.b-1.0.0+build.7.mpk"));
    assert_false(srv_path_safe(""));
    assert_false(srv_path_safe("metadata/../state.db"));
    assert_false(srv_path_safe("../server.json"));
    assert_false(srv_path_safe("metadata/./root.json"));
    assert_false(srv_path_safe("metadata//root.json"));
    assert_false(srv_path_safe("/metadata/root.json"));
    assert_false(srv_path_safe("metadata/"));
    assert_false(srv_path_safe("metadata/.hidden"));
    assert_false(srv_path_safe("metadata/a\\b"));
    assert_false(srv_path_safe("metadata/a b"));
    assert_false(srv_path_safe("metadata/root.json\x01.png"));
    assert_false(srv_path_safe("metadata/\xc3\xa9.json"));
}

/* Repository files are opened without following a link in any folder of the path: a link
 * placed in the repository (by mistake, or by whoever could write there) serves nothing. */
static void test_open_beneath(void **state)
{
    char *dir = ms_tmpdir("srv_beneath"), *repo = ms_join(dir, "repository");
    char *out;
    int fd;

    (void)state;
    assert_int_equal(
        ms_run(NULL,
               "mkdir -p %s/targets/real %s/outside && echo ok > %s/targets/real/f && "
               "echo secret > %s/outside/secret && ln -s %s/outside %s/targets/evil "
               "&& ln -s %s/outside/secret %s/targets/link && ln -s real %s/targets/rel",
               repo, dir, repo, dir, dir, repo, dir, repo, repo),
        0);
    fd = srv_open_beneath(repo, "targets/real/f");
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(srv_open_beneath(repo, "targets/evil/secret"), -1); /* linked folder */
    assert_int_equal(srv_open_beneath(repo, "targets/rel/f"), -1);       /* relative link too */
    assert_int_equal(srv_open_beneath(repo, "targets/link"), -1);        /* linked file */
    assert_int_equal(srv_open_beneath(repo, "targets/none/f"), -1);
    out = ms_join(dir, "nothing");
    assert_int_equal(srv_open_beneath(out, "targets/real/f"), -1);
    free(out);
    ms_rm_rf(dir);
    free(repo);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_open_beneath),
        cmocka_unit_test(test_path_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
