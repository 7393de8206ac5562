/* Authoring benchmarks (issue 3):
 *   import   a 4,000-row g1-29dof Unitree CSV (mpk_import_unitree_csv, 50 Hz)   target < 20 ms
 *   validate a 60 s g1-29dof track at 500 Hz (mpk_validate_track, every rule)    target < 5 ms
 * and, for scale, the same import at 500 Hz, sampling 60 s of keyframes at 500 Hz, and retiming a
 * 60 s track with one stretch too fast. The inputs are made here (smooth, valid motion, so the
 * validation runs every rule over every sample and reports nothing). Prints median, minimum and
 * the first (cold) run; never fails on speed.
 * usage: bench_authoring [--runs N] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpk/mpk.h"

#define CSV_ROWS 4000
#define RATE     500.0
#define FRAMES   30001 /* 60 s at 500 Hz */

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

static void report(const char *what, double *t, int n, const char *target)
{
    double first = t[0];

    qsort(t, (size_t)n, sizeof(*t), cmp_double);
    printf("%-50s median %8.3f ms   min %8.3f ms   first %8.3f ms   (%s, %d runs)\n", what,
           t[n / 2], t[0], first, target, n);
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_authoring: %s: %s\n", what,
            *mpk_error_message() ? mpk_error_message() : mpk_strerror(rc));
    exit(1);
}

/* Within the middle of its range, each joint at its own slow frequency. */
static double joint_at(const mpk_joint *j, int index, double t)
{
    double mid = (j->lower + j->upper) / 2, amp = (j->upper - j->lower) * 0.2;
    return mid + amp * sin(2 * M_PI * (0.1 + 0.01 * index) * t);
}

/* A Unitree retargeted CSV as their files look: six decimals, 36 columns. */
static char *make_csv(const mpk_robot_model *m, size_t *size)
{
    size_t cap = (size_t)CSV_ROWS * 36 * 12 + 1, len = 0;
    char *csv = malloc(cap);
    int f, j;

    if (!csv)
        die("csv", MPK_ENOMEM);
    for (f = 0; f < CSV_ROWS; f++) {
        double t = f / 30.0, yaw = 0.1 * t;
        len += (size_t)snprintf(csv + len, cap - len, "%.6f,%.6f,%.6f,0.000000,0.000000,%.6f,%.6f",
                                0.2 * t, 0.01 * sin(t), 0.79, sin(yaw / 2), cos(yaw / 2));
        for (j = 0; j < m->joint_count; j++)
            len += (size_t)snprintf(csv + len, cap - len, ",%.6f", joint_at(&m->joints[j], j, t));
        csv[len++] = '\n';
    }
    *size = len;
    return csv;
}

static mpk_track *make_track(const mpk_robot_model *m, double fast_from, double fast_to)
{
    const char *names[MPK_ROBOT_MAX_JOINTS];
    mpk_track *t = NULL;
    float *p;
    uint32_t f;
    int j, rc;

    for (j = 0; j < m->joint_count; j++)
        names[j] = m->joints[j].name;
    rc = mpk_track_new(&t, m->id, m->joint_count, names, RATE, FRAMES, 0);
    if (rc)
        die("track", rc);
    p = mpk_track_positions(t);
    for (f = 0; f < FRAMES; f++) {
        double time = f / RATE;
        for (j = 0; j < m->joint_count; j++) {
            double q = joint_at(&m->joints[j], j, time);
            /* One second where the right elbow (index 25) swings too fast, faded in and out. */
            if (j == 25 && time >= fast_from && time < fast_to) {
                double u = (time - fast_from) / (fast_to - fast_from);
                q += 0.3 * sin(M_PI * u) * sin(M_PI * u) * sin(2 * M_PI * 4 * (time - fast_from));
            }
            p[(size_t)f * m->joint_count + j] = (float)q;
        }
    }
    return t;
}

int main(int argc, char **argv)
{
    const mpk_robot_model *g1 = mpk_robot_find("g1-29dof");
    int runs = 30, i, rc;
    double *t;
    char *csv;
    size_t csv_size;
    mpk_track *track, *fast;
    mpk_import_options o;
    mpk_keyframes *kf = NULL;
    static const char keys[] =
        "{\"format\": 1, \"joints\": \"upper-body\", \"keyframes\": ["
        "{\"time\": 0, \"pose\": \"stand\"},"
        "{\"time\": 10, \"joints\": {\"left_elbow\": 1.0}, \"mirror\": \"left-to-right\"},"
        "{\"time\": 20, \"joints\": {\"left_shoulder_roll\": 0.5}, \"interpolation\": \"cubic\"},"
        "{\"time\": 30, \"joints\": {\"left_elbow\": 0.3}, \"interpolation\": \"cubic\"},"
        "{\"time\": 45, \"joints\": {\"waist_yaw\": 0.3}, \"interpolation\": \"linear\"},"
        "{\"time\": 60, \"pose\": \"stand\"}]}";

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_authoring [--runs N]\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    t = calloc((size_t)runs, sizeof(*t));
    csv = make_csv(g1, &csv_size);
    printf("bench_authoring: g1-29dof; CSV %d rows x 36 columns (%zu bytes); track %d frames x "
           "29 joints at %g Hz\n",
           CSV_ROWS, csv_size, FRAMES, RATE);

    /* Import at the projects' default rate, then at 500 Hz. */
    mpk_import_options_init(&o);
    for (i = 0; i < runs; i++) {
        mpk_track *out = NULL;
        double t0 = now_ms();
        rc = mpk_import_unitree_csv(&out, csv, csv_size, g1, &o);
        t[i] = now_ms() - t0;
        if (rc)
            die("import", rc);
        mpk_track_free(out);
    }
    report("import 4,000-row CSV -> 50 Hz (6,664 frames)", t, runs, "target < 20 ms");
    o.rate = 500;
    for (i = 0; i < runs; i++) {
        mpk_track *out = NULL;
        double t0 = now_ms();
        rc = mpk_import_unitree_csv(&out, csv, csv_size, g1, &o);
        t[i] = now_ms() - t0;
        if (rc)
            die("import", rc);
        mpk_track_free(out);
    }
    report("import 4,000-row CSV -> 500 Hz (66,634 frames)", t, runs, "for scale");

    /* Validation of a clean 60 s track: every rule over every sample, nothing to report. */
    track = make_track(g1, -1, -1);
    for (i = 0; i < runs; i++) {
        mpk_findings *list = NULL;
        double t0 = now_ms();
        rc = mpk_validate_track(&list, track, g1, MPK_PERM_FULL_BODY, NULL);
        t[i] = now_ms() - t0;
        if (rc)
            die("validate", rc);
        if (i == 0 && mpk_findings_errors(list)) {
            fprintf(stderr, "bench_authoring: the benchmark track has findings: %s\n",
                    mpk_findings_get(list, 0)->message);
            return 1;
        }
        mpk_findings_free(list);
    }
    report("validate 60 s at 500 Hz (870,029 samples)", t, runs, "target < 5 ms");

    /* Keyframes: 60 s sampled at 500 Hz. */
    rc = mpk_keyframes_parse(&kf, keys, strlen(keys), g1);
    if (rc)
        die("keyframes", rc);
    for (i = 0; i < runs; i++) {
        mpk_track *out = NULL;
        double t0 = now_ms();
        rc = mpk_keyframes_sample(&out, kf, RATE);
        t[i] = now_ms() - t0;
        if (rc)
            die("sample", rc);
        mpk_track_free(out);
    }
    report("sample 60 s of keyframes at 500 Hz (17 joints)", t, runs, "for scale");

    /* Retiming: one second too fast in the middle of the 60 s track. */
    fast = make_track(g1, 30, 31);
    for (i = 0; i < (runs < 5 ? runs : 5); i++) {
        mpk_track *out = NULL;
        double added = 0, t0 = now_ms();
        rc = mpk_track_retime(&out, &added, fast, g1, NULL);
        t[i] = now_ms() - t0;
        if (rc)
            die("retime", rc);
        if (i == 0)
            printf("  (retime added %.3f s to the 60 s track)\n", added);
        mpk_track_free(out);
    }
    report("retime 60 s at 500 Hz, 1 s too fast", t, runs < 5 ? runs : 5, "for scale");

    mpk_keyframes_free(kf);
    mpk_track_free(track);
    mpk_track_free(fast);
    free(csv);
    free(t);
    return 0;
}
