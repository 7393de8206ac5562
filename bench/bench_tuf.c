/* TUF metadata benchmark: a targets metadata of N targets (each with a small "custom" record,
 * like the store's packages) is built, signed, parsed, verified and refreshed through the
 * updater from a file:// repository (in a child process, whose peak memory is what a robot
 * needs). Prints figures; never fails on speed.
 *
 * usage: bench_tuf [--sizes N,N,...] [--runs R] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mstore/mstore.h"

#define CHECK(expr)                                                                    \
    do {                                                                               \
        int rc_ = (expr);                                                              \
        if (rc_ != MSTORE_OK) {                                                        \
            fprintf(stderr, "bench_tuf: %s: %s (%s)\n", #expr, mstore_error_message(), \
                    mstore_strerror(rc_));                                             \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void save_signed(mstore_metadata *md, mstore_key *key, const char *path, char **text,
                        size_t *size)
{
    mstore_metadata_clear_signatures(md);
    CHECK(mstore_metadata_sign(md, key));
    CHECK(mstore_metadata_to_bytes(text, size, md));
    write_file(path, *text, *size);
}

static void run(const char *self, size_t n, int runs, const char *tmp)
{
    int64_t expires = (int64_t)time(NULL) + 86400;
    mstore_key *key = NULL;
    mstore_metadata *root = NULL, *ts = NULL, *snap = NULL, *targets = NULL, *parsed = NULL;
    char *text = NULL, *sig = NULL, path[512], *canon = NULL, url[600];
    size_t size = 0, canon_len;
    double t0, build, sign = 0, parse = 0, verify = 0, refresh = 0;

    CHECK(mstore_key_generate(&key, MSTORE_SCHEME_ECDSA_P256));
    CHECK(mstore_metadata_new(&targets, MSTORE_ROLE_TARGETS, expires));
    t0 = now_ms();
    for (size_t i = 0; i < n; i++) {
        char p[128], hex[65];
        json_t *custom = json_pack("{s:s,s:s,s:[s,s],s:s}", "id", "com.example.motion", "version",
                                   "1.0.0", "robots", "g1-29dof", "go2", "key", "0123456789abcdef");
        mstore_hash h = {"sha256", hex};
        snprintf(p, sizeof(p), "packages/com.example.m%zu/com.example.m%zu-1.0.0.mpk", i, i);
        memset(hex, 'a', 64);
        hex[64] = '\0';
        CHECK(mstore_targets_add(targets, p, 100000 + i, &h, 1, custom));
        json_decref(custom);
    }
    build = now_ms() - t0;
    for (int r = 0; r < runs; r++) {
        free(text);
        t0 = now_ms();
        CHECK(mstore_metadata_signed_bytes(&canon, &canon_len, targets));
        CHECK(mstore_key_sign(&sig, key, canon, canon_len));
        sign += now_ms() - t0;
        free(canon);
        free(sig);
        CHECK(mstore_metadata_sign(targets, key));
        CHECK(mstore_metadata_to_bytes(&text, &size, targets));
        mstore_metadata_clear_signatures(targets);
    }
    /* A repository on disk for the updater: root, timestamp, snapshot, targets. */
    CHECK(mstore_metadata_new(&root, MSTORE_ROLE_ROOT, expires));
    CHECK(mstore_root_add_key(root, "root", key));
    CHECK(mstore_root_add_key(root, "timestamp", key));
    CHECK(mstore_root_add_key(root, "snapshot", key));
    CHECK(mstore_root_add_key(root, "targets", key));
    snprintf(path, sizeof(path), "%s/repo", tmp);
    mkdir(path, 0755);
    char *t_text = NULL, *s_text = NULL, *r_text = NULL, *ts_text = NULL;
    size_t t_size, s_size, r_size, ts_size;
    snprintf(path, sizeof(path), "%s/repo/1.targets.json", tmp);
    save_signed(targets, key, path, &t_text, &t_size);
    CHECK(mstore_metadata_new(&snap, MSTORE_ROLE_SNAPSHOT, expires));
    CHECK(mstore_snapshot_set_meta(snap, "targets.json", 1, t_text, t_size));
    snprintf(path, sizeof(path), "%s/repo/1.snapshot.json", tmp);
    save_signed(snap, key, path, &s_text, &s_size);
    CHECK(mstore_metadata_new(&ts, MSTORE_ROLE_TIMESTAMP, expires));
    CHECK(mstore_timestamp_set_snapshot(ts, 1, s_text, s_size));
    snprintf(path, sizeof(path), "%s/repo/timestamp.json", tmp);
    save_signed(ts, key, path, &ts_text, &ts_size);
    snprintf(path, sizeof(path), "%s/repo/1.root.json", tmp);
    save_signed(root, key, path, &r_text, &r_size);

    for (int r = 0; r < runs; r++) {
        t0 = now_ms();
        CHECK(mstore_metadata_parse(&parsed, t_text, t_size, MSTORE_ROLE_TARGETS, "targets.json"));
        parse += now_ms() - t0;
        t0 = now_ms();
        CHECK(mstore_metadata_verify(root, "targets", parsed));
        verify += now_ms() - t0;
        mstore_metadata_free(parsed);
        parsed = NULL;
    }
    /* The refresh runs in a fresh process so that its peak memory is the robot's, not ours. */
    long refresh_kib = 0;
    for (int r = 0; r < runs; r++) {
        char cmd[1400];
        double ms = 0;
        long kib = 0;
        FILE *p;
        snprintf(path, sizeof(path), "%s/client%d-%zu", tmp, r, n);
        CHECK(mstore_updater_init_root(path, r_text, r_size));
        snprintf(url, sizeof(url), "file://%s/repo/", tmp);
        snprintf(cmd, sizeof(cmd), "'%s' --refresh '%s' '%s'", self, path, url);
        p = popen(cmd, "r");
        if (!p || fscanf(p, "%lf %ld", &ms, &kib) != 2 || pclose(p) != 0) {
            fprintf(stderr, "bench_tuf: refresh failed\n");
            exit(1);
        }
        refresh += ms;
        refresh_kib = kib > refresh_kib ? kib : refresh_kib;
    }
    printf("%7zu targets %5.1f MiB | build %6.1f ms  sign %6.1f ms  parse %6.1f ms  verify %6.1f "
           "ms | refresh %7.1f ms, peak RSS %6.1f MiB\n",
           n, t_size / 1048576.0, build, sign / runs, parse / runs, verify / runs, refresh / runs,
           refresh_kib / 1024.0);
    free(t_text);
    free(s_text);
    free(r_text);
    free(ts_text);
    free(text);
    mstore_metadata_free(root);
    mstore_metadata_free(ts);
    mstore_metadata_free(snap);
    mstore_metadata_free(targets);
    mstore_key_free(key);
}

/* --refresh DIR URL: one updater refresh; prints its time (ms) and this process's peak RSS. */
static int refresh_child(const char *dir, const char *url)
{
    mstore_updater_options o;
    mstore_updater *u = NULL;
    const char *urls[] = {url};
    double t0;

    mstore_updater_options_init(&o);
    o.metadata_dir = dir;
    o.metadata_urls = urls;
    o.n_metadata_urls = 1;
    t0 = now_ms();
    CHECK(mstore_updater_new(&u, &o));
    CHECK(mstore_updater_refresh(u));
    printf("%.3f %ld\n", now_ms() - t0, peak_kib());
    mstore_updater_free(u);
    return 0;
}

int main(int argc, char **argv)
{
    char sizes[256] = "1000,10000,100000", tmp[] = "/tmp/bench_tuf.XXXXXX", cmd[600];
    int runs = 3;

    if (argc == 4 && strcmp(argv[1], "--refresh") == 0)
        return refresh_child(argv[2], argv[3]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc)
            snprintf(sizes, sizeof(sizes), "%s", argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_tuf [--sizes N,N,...] [--runs R]\n");
            return 2;
        }
    }
    if (runs < 1 || !mkdtemp(tmp)) {
        fprintf(stderr, "bench_tuf: bad --runs or no temporary folder\n");
        return 1;
    }
    printf("bench_tuf: ECDSA P-256, mean of %d runs; refresh = a new updater fetching timestamp,\n"
           "snapshot and targets from a file:// repository, in its own process\n",
           runs);
    for (char *s = strtok(sizes, ","); s; s = strtok(NULL, ","))
        run(argv[0], (size_t)strtoul(s, NULL, 10), runs, tmp);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : 1;
}
