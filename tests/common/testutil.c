#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *ms_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        print_error("environment variable %s is not set (run the test through ctest)\n", name);
        fail();
    }
    return v;
}

char *ms_fmt(const char *fmt, ...)
{
    va_list ap;
    char *out = NULL;

    va_start(ap, fmt);
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL;
    va_end(ap);
    assert_non_null(out);
    return out;
}

char *ms_join(const char *a, const char *b)
{
    return ms_fmt("%s/%s", a, b);
}

char *ms_tmpdir(const char *prefix)
{
    const char *base = getenv("MS_TEST_TMP");
    char *tmpl;

    if (!base || !*base)
        base = "/tmp";
    mkdir(base, 0755);
    tmpl = ms_fmt("%s/%s.XXXXXX", base, prefix);
    assert_non_null(mkdtemp(tmpl));
    return tmpl;
}

char *ms_bin(const char *program)
{
    return ms_join(ms_env("MS_BIN_DIR"), program);
}

int ms_run(char **output, const char *fmt, ...)
{
    va_list ap;
    char *cmd = NULL, *full;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *p;
    int status;

    va_start(ap, fmt);
    assert_true(vasprintf(&cmd, fmt, ap) >= 0);
    va_end(ap);
    full = ms_fmt("(%s) 2>&1", cmd);
    p = popen(full, "r");
    assert_non_null(p);
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t n = fread(buf + len, 1, 4096, p);
        if (n == 0)
            break;
        len += n;
    }
    buf[len] = '\0';
    status = pclose(p);
    free(full);
    free(cmd);
    if (output)
        *output = buf;
    else
        free(buf);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

char *ms_slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (size)
        *size = (size_t)n;
    return buf;
}

void ms_write(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

int ms_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void ms_rm_rf(const char *path)
{
    char *cmd = ms_fmt("rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

void ms_testrepo(char *args)
{
    char *bin = ms_bin("mstore_testrepo"), *out = NULL;
    int rc = ms_run(&out, "%s %s", bin, args);

    if (rc != 0)
        print_error("mstore_testrepo %s: %s\n", args, out ? out : "");
    assert_int_equal(rc, 0);
    free(out);
    free(bin);
    free(args);
}

void ms_store_client_config(const char *root, const char *repo, const char *robot)
{
    char *etc = ms_fmt("%s/etc/motionstore", root), *path = ms_fmt("%s/config.json", etc);
    char *cfg = ms_fmt("{\"store\": \"file://%s\", \"robot\": \"%s\"}", repo, robot);

    assert_int_equal(
        ms_run(NULL, "mkdir -p %s && cp %s/metadata/1.root.json %s/root.json", etc, repo, etc), 0);
    ms_write(path, cfg, strlen(cfg));
    free(cfg);
    free(path);
    free(etc);
}
