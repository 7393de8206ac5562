/* Package-format benchmarks (issue 2): a 60 s g1-29dof track at 500 Hz (30,000 frames):
 *   load + check  (mpk_track_read_file + mpk_track_check)      target < 2 ms
 *   build + sign  (mpk_package_write with that track)          target < 150 ms
 *   open + verify (mpk_package_open + mpk_package_verify)      target < 50 ms
 * Prints median and minimum over several runs; never fails on speed.
 * usage: bench_package [--runs N] [--dir DIR]   (--dir keeps the track and package there) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mpk/mpk.h"

#define FRAMES 30000
#define RATE   500.0

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The first run is cold (fresh pages, caches): printed too, so nobody mistakes the median. */
static void report(const char *what, double *t, int n, double target)
{
    double first = t[0];

    qsort(t, (size_t)n, sizeof(*t), cmp_double);
    printf("%-44s median %8.3f ms   min %8.3f ms   first %8.3f ms   (target < %g ms, %d runs)\n",
           what, t[n / 2], t[0], first, target, n);
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_package: %s: %s\n", what,
            *mpk_error_message() ? mpk_error_message() : mpk_strerror(rc));
    exit(1);
}

/* Every joint swings smoothly within its limits, each at its own frequency. */
static mpk_track *make_track(const mpk_robot_model *m)
{
    const char *names[MPK_ROBOT_MAX_JOINTS];
    mpk_track *t = NULL;
    float *p;
    int j, rc;
    uint32_t f;

    for (j = 0; j < m->joint_count; j++)
        names[j] = m->joints[j].name;
    rc = mpk_track_new(&t, m->id, m->joint_count, names, RATE, FRAMES, 0);
    if (rc)
        die("track", rc);
    p = mpk_track_positions(t);
    for (f = 0; f < FRAMES; f++)
        for (j = 0; j < m->joint_count; j++) {
            const mpk_joint *jt = &m->joints[j];
            double mid = (jt->lower + jt->upper) / 2, amp = (jt->upper - jt->lower) * 0.3;
            p[(size_t)f * m->joint_count + j] =
                (float)(mid + amp * sin(2 * M_PI * (0.1 + 0.01 * j) * f / RATE));
        }
    return t;
}

static mpk_manifest *make_manifest(const mpk_track *t)
{
    static const char json[] =
        "{\"format\": 1, \"id\": \"org.motionstore.bench\", \"version\": \"1.0.0\","
        " \"name\": {\"en\": \"Bench\"}, \"description\": {\"en\": \"60 s at 500 Hz\"},"
        " \"author\": \"bench\", \"license\": \"CC0-1.0\", \"category\": \"other\","
        " \"robots\": [\"g1-29dof\"], \"min_runtime\": \"0.1.0\", \"permissions\": [\"full-body\"],"
        " \"motions\": [{\"name\": \"sweep\", \"file\": \"motions/sweep.mpkt\", \"robot\": "
        "\"g1-29dof\", \"duration\": 1, \"rate\": 500, \"joints\": [\"waist_yaw\"]}],"
        " \"files\": [{\"path\": \"motions/sweep.mpkt\", \"size\": 0, \"sha256\": "
        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}]}";
    mpk_manifest *m = NULL;
    mpk_motion_info *mo;
    int j, rc = mpk_manifest_parse(&m, json, strlen(json));

    if (rc)
        die("manifest", rc);
    mo = &m->motions[0];
    for (j = 0; j < mo->joint_count; j++)
        free(mo->joints[j]);
    free(mo->joints);
    mo->joint_count = mpk_track_joint_count(t);
    mo->joints = calloc((size_t)mo->joint_count, sizeof(char *));
    for (j = 0; j < mo->joint_count; j++)
        mo->joints[j] = strdup(mpk_track_joint_name(t, j));
    mo->duration = mpk_track_duration(t);
    return m;
}

int main(int argc, char **argv)
{
    const mpk_robot_model *model = mpk_robot_find("g1-29dof");
    char dir[] = "/tmp/bench_package.XXXXXX", track_path[512], pkg_path[512];
    int runs = 30, i, rc;
    double *t;
    mpk_track *track;
    mpk_manifest *manifest;
    mpk_key *key = NULL;
    void *bytes = NULL;
    size_t size = 0;
    const char *base = NULL;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            base = argv[++i];
        else {
            fprintf(stderr, "usage: bench_package [--runs N] [--dir DIR]\n");
            return 2;
        }
    }
    if (runs < 1 || !model)
        return 2;
    if (base)
        snprintf(dir, sizeof(dir), "%s", base);
    else if (!mkdtemp(dir))
        return 1;
    snprintf(track_path, sizeof(track_path), "%s/sweep.mpkt", dir);
    snprintf(pkg_path, sizeof(pkg_path), "%s/bench.mpk", dir);
    t = calloc((size_t)runs, sizeof(*t));

    track = make_track(model);
    if ((rc = mpk_track_write_file(track, track_path)) != 0)
        die("write track", rc);
    if ((rc = mpk_track_serialize(&bytes, &size, track)) != 0)
        die("serialize", rc);
    printf("bench_package: g1-29dof, %d frames x %d joints at %g Hz (%g s), track %.2f MB\n",
           FRAMES, model->joint_count, RATE, (FRAMES - 1) / RATE, size / 1e6);

    for (i = 0; i < runs; i++) {
        mpk_track *loaded = NULL;
        double t0 = now_ms();
        if ((rc = mpk_track_read_file(&loaded, track_path)) != 0 ||
            (rc = mpk_track_check(loaded, model)) != 0)
            die("load+check", rc);
        t[i] = now_ms() - t0;
        mpk_track_free(loaded);
    }
    report("track load+check (file, mpk_track_read_file)", t, runs, 2);
    for (i = 0; i < runs; i++) {
        mpk_track *loaded = NULL;
        double t0 = now_ms();
        if ((rc = mpk_track_parse(&loaded, bytes, size)) != 0 ||
            (rc = mpk_track_check(loaded, model)) != 0)
            die("parse+check", rc);
        t[i] = now_ms() - t0;
        mpk_track_free(loaded);
    }
    report("track load+check (memory, mpk_track_parse)", t, runs, 2);

    if ((rc = mpk_key_generate(&key)) != 0)
        die("key", rc);
    manifest = make_manifest(track);
    for (i = 0; i < runs; i++) {
        mpk_package_input in = {"motions/sweep.mpkt", bytes, size};
        double t0 = now_ms();
        if ((rc = mpk_package_write(pkg_path, manifest, &in, 1, key)) != 0)
            die("build+sign", rc);
        t[i] = now_ms() - t0;
    }
    report("package build+sign (mpk_package_write)", t, runs, 150);
    for (i = 0; i < runs; i++) {
        mpk_package *pkg = NULL;
        double t0 = now_ms();
        if ((rc = mpk_package_open(&pkg, pkg_path)) != 0 ||
            (rc = mpk_package_verify(pkg, NULL)) != 0)
            die("open+verify", rc);
        t[i] = now_ms() - t0;
        mpk_package_free(pkg);
    }
    report("package open+verify (mpk_package_verify)", t, runs, 50);
    {
        FILE *f = fopen(pkg_path, "rb");
        if (f) {
            fseek(f, 0, SEEK_END);
            printf("package size: %.2f MB\n", ftell(f) / 1e6);
            fclose(f);
        }
    }

    if (!base) { /* with --dir the files stay for inspection */
        unlink(track_path);
        unlink(pkg_path);
        rmdir(dir);
    }
    mpk_manifest_free(manifest);
    mpk_track_free(track);
    mpk_key_free(key);
    free(bytes);
    free(t);
    return 0;
}
