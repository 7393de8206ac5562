/* Motion tracks: the binary layout byte by byte, every malformed header, exact CSV round trips,
 * CSV errors with line and column, and checks against the g1-29dof model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mpk/robot.h"
#include "mpk/track.h"
#include "testutil.h"

static const char *const arm[] = {"left_shoulder_pitch", "left_elbow", "waist_yaw"};

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* A float with random bits, finite: exercises every exponent for the exact round trip. */
static float any_float(uint32_t *s)
{
    uint32_t bits;
    float f;
    do {
        bits = lcg(s);
        memcpy(&f, &bits, sizeof(f));
    } while (!isfinite(f));
    return f;
}

static mpk_track *make_track(unsigned flags, uint32_t frames)
{
    mpk_track *t = NULL;
    uint32_t f;
    int j;

    assert_int_equal(mpk_track_new(&t, "g1-29dof", 3, arm, 500, frames, flags), MPK_OK);
    for (f = 0; f < frames; f++)
        for (j = 0; j < 3; j++)
            mpk_track_positions(t)[f * 3 + j] = 0.1f * (float)sin(f * 0.01 + j);
    return t;
}

static void test_layout(void **state)
{
    mpk_track *t = make_track(MPK_TRACK_VELOCITIES | MPK_TRACK_GAINS | MPK_TRACK_ROOT, 4);
    unsigned char *buf = NULL;
    size_t size = 0;
    double rate;
    float f;

    mpk_track_kp(t)[1] = 40;
    mpk_track_kd(t)[2] = 2.5f;
    mpk_track_velocities(t)[5] = 0.75f;
    mpk_track_root(t)[7 + 2] = 0.8f;
    assert_int_equal(mpk_track_serialize((void **)&buf, &size, t), MPK_OK);
    /* header 64 + names 3*32 + positions 12 + velocities 12 + kp 3 + kd 3 + root 28 floats */
    assert_int_equal(size, 64 + 96 + 4 * (12 + 12 + 3 + 3 + 28));
    assert_memory_equal(buf, "MPKT", 4);
    assert_int_equal(buf[4] | buf[5] << 8, 1);   /* version */
    assert_int_equal(buf[6] | buf[7] << 8, 64);  /* header size */
    assert_int_equal(rd32(buf + 8), 7);          /* flags */
    assert_int_equal(rd32(buf + 12), 4);         /* frames */
    assert_int_equal(buf[16] | buf[17] << 8, 3); /* joints */
    memcpy(&rate, buf + 24, 8);
    assert_true(rate == 500.0);
    assert_string_equal((char *)buf + 32, "g1-29dof");
    assert_string_equal((char *)buf + 64, "left_shoulder_pitch");
    assert_string_equal((char *)buf + 64 + 64, "waist_yaw");
    memcpy(&f, buf + 160 + 4 * 1, 4); /* positions[0][1] */
    assert_true(f == mpk_track_positions(t)[1]);
    memcpy(&f, buf + 160 + 4 * (12 + 5), 4);
    assert_true(f == 0.75f);
    memcpy(&f, buf + 160 + 4 * (24 + 1), 4);
    assert_true(f == 40.0f);
    memcpy(&f, buf + 160 + 4 * (27 + 2), 4);
    assert_true(f == 2.5f);
    memcpy(&f, buf + 160 + 4 * (30 + 7 + 2), 4);
    assert_true(f == 0.8f);
    memcpy(&f, buf + 160 + 4 * (30 + 6), 4); /* root qw of frame 0: identity */
    assert_true(f == 1.0f);

    {
        mpk_track *back = NULL;
        void *again = NULL;
        size_t again_size = 0;
        assert_int_equal(mpk_track_parse(&back, buf, size), MPK_OK);
        assert_int_equal(mpk_track_serialize(&again, &again_size, back), MPK_OK);
        assert_int_equal(again_size, size);
        assert_memory_equal(again, buf, size);
        assert_int_equal(mpk_track_frame_count(back), 4);
        assert_string_equal(mpk_track_joint_name(back, 1), "left_elbow");
        assert_int_equal(mpk_track_joint_find(back, "waist_yaw"), 2);
        assert_int_equal(mpk_track_joint_find(back, "nope"), -1);
        assert_true(fabs(mpk_track_duration(back) - 3.0 / 500) < 1e-12);
        free(again);
        mpk_track_free(back);
    }
    free(buf);
    mpk_track_free(t);
}

/* Parses a modified copy and expects code with msg in the context message. */
static void expect_parse(const unsigned char *buf, size_t size, int code, const char *msg)
{
    mpk_track *t = NULL;
    int rc = mpk_track_parse(&t, buf, size);

    if (rc != code || !strstr(mpk_error_message(), msg))
        fail_msg("expected %d '%s', got %d '%s'", code, msg, rc, mpk_error_message());
    assert_null(t);
}

static void test_bad_binary(void **state)
{
    mpk_track *t = make_track(0, 10);
    unsigned char *good = NULL, *b;
    size_t size = 0, i;
    float nan = NAN;

    assert_int_equal(mpk_track_serialize((void **)&good, &size, t), MPK_OK);
    b = malloc(size + 8);
    assert_non_null(b);

    /* Every truncation fails cleanly. */
    for (i = 0; i < size; i++) {
        mpk_track *x = NULL;
        assert_int_equal(mpk_track_parse(&x, good, i), MPK_EFORMAT);
        assert_null(x);
    }
    memcpy(b, good, size);
    b[size] = 0;
    expect_parse(b, size + 1, MPK_EFORMAT, "size:");

#define MUTATE(off, val, code, msg)       \
    do {                                  \
        memcpy(b, good, size);            \
        b[off] = (unsigned char)(val);    \
        expect_parse(b, size, code, msg); \
    } while (0)
    MUTATE(0, 'X', MPK_EFORMAT, "magic");
    MUTATE(4, 2, MPK_EUNSUPPORTED, "version: 2");
    MUTATE(6, 65, MPK_EFORMAT, "header_size");
    MUTATE(8, 8, MPK_EUNSUPPORTED, "flags");
    MUTATE(18, 1, MPK_EFORMAT, "reserved");
    MUTATE(32 + 10, 'x', MPK_EFORMAT, "robot: padding");
    MUTATE(64, 0, MPK_EFORMAT, "joints[0]");
    MUTATE(64 + 32 + 2, ' ', MPK_EFORMAT, "joints[1]");
    /* Frame count 0, and an absurd frame count with a small file: rejected by size. */
    memcpy(b, good, size);
    memset(b + 12, 0, 4);
    expect_parse(b, size, MPK_EFORMAT, "frame_count: 0");
    memcpy(b, good, size);
    b[12] = 0x80, b[13] = 0x84, b[14] = 0x1e, b[15] = 0; /* 2,000,000 frames */
    expect_parse(b, size, MPK_EFORMAT, "size:");
    memcpy(b, good, size);
    b[12] = 0xff, b[13] = 0xff, b[14] = 0xff, b[15] = 0xff;
    expect_parse(b, size, MPK_EFORMAT, "frame_count");
    memcpy(b, good, size);
    b[16] = 65;
    expect_parse(b, size, MPK_EFORMAT, "joint_count: 65");
    /* Zero, negative, huge, NaN rates. */
    {
        double rates[] = {0, -500, 1001, NAN, INFINITY, 0.5};
        for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
            memcpy(b, good, size);
            memcpy(b + 24, &rates[i], 8);
            expect_parse(b, size, MPK_EFORMAT, "rate:");
        }
    }
    /* Two joints with one name. */
    memcpy(b, good, size);
    memcpy(b + 64 + 32, b + 64, 32);
    expect_parse(b, size, MPK_EFORMAT, "listed twice");
    /* NaN and Inf samples: named by joint and time. */
    memcpy(b, good, size);
    memcpy(b + 64 + 96 + 4 * (5 * 3 + 1), &nan, 4);
    expect_parse(b, size, MPK_EFORMAT, "positions: left_elbow at 0.01 s (frame 5): NaN");
    {
        float inf = -INFINITY;
        memcpy(b, good, size);
        memcpy(b + 64 + 96 + 4 * (9 * 3 + 2), &inf, 4);
        expect_parse(b, size, MPK_EFORMAT, "waist_yaw at 0.018 s (frame 9): -Inf");
    }
    free(b);
    free(good);
    mpk_track_free(t);
}

static void test_new_rejects(void **state)
{
    mpk_track *t = NULL;
    const char *dup[] = {"a", "a"};
    const char *bad[] = {"has space"};

    assert_int_equal(mpk_track_new(&t, "g1-29dof", 3, arm, 0, 10, 0), MPK_EINVAL);
    assert_non_null(strstr(mpk_error_message(), "rate"));
    assert_int_equal(mpk_track_new(&t, "g1-29dof", 3, arm, 500, 0, 0), MPK_EINVAL);
    assert_non_null(strstr(mpk_error_message(), "frame_count"));
    assert_int_equal(mpk_track_new(&t, "g1-29dof", 0, arm, 500, 10, 0), MPK_EINVAL);
    assert_int_equal(mpk_track_new(&t, "g1-29dof", 2, dup, 500, 10, 0), MPK_EINVAL);
    assert_int_equal(mpk_track_new(&t, "g1-29dof", 1, bad, 500, 10, 0), MPK_EINVAL);
    {
        /* Names the CSV form reads as its own columns are not joint names. */
        const char *dq[] = {"elbow.dq"}, *root[] = {"root_qw"}, *time_[] = {"time"};
        assert_int_equal(mpk_track_new(&t, "g1-29dof", 1, dq, 500, 10, 0), MPK_EINVAL);
        assert_int_equal(mpk_track_new(&t, "g1-29dof", 1, root, 500, 10, 0), MPK_EINVAL);
        assert_int_equal(mpk_track_new(&t, "g1-29dof", 1, time_, 500, 10, 0), MPK_EINVAL);
        assert_non_null(strstr(mpk_error_message(), "not a CSV column name"));
    }
    assert_int_equal(mpk_track_new(&t, "", 3, arm, 500, 10, 0), MPK_EINVAL);
    assert_int_equal(mpk_track_new(&t, "g1-29dof", 3, arm, 500, 10, 16), MPK_EINVAL);
    assert_int_equal(mpk_track_new(&t, "g1-29dof", 64, arm, 500, MPK_TRACK_MAX_FRAMES, 0),
                     MPK_ELIMIT);
    assert_null(t);
}

static void assert_same_track(mpk_track *a, mpk_track *b)
{
    size_t n = (size_t)mpk_track_frame_count(a) * (size_t)mpk_track_joint_count(a);
    int j;

    assert_string_equal(mpk_track_robot(a), mpk_track_robot(b));
    assert_true(mpk_track_rate(a) == mpk_track_rate(b));
    assert_int_equal(mpk_track_frame_count(a), mpk_track_frame_count(b));
    assert_int_equal(mpk_track_joint_count(a), mpk_track_joint_count(b));
    assert_int_equal(mpk_track_flags_get(a), mpk_track_flags_get(b));
    for (j = 0; j < mpk_track_joint_count(a); j++)
        assert_string_equal(mpk_track_joint_name(a, j), mpk_track_joint_name(b, j));
    assert_memory_equal(mpk_track_positions(a), mpk_track_positions(b), n * 4);
    if (mpk_track_velocities(a))
        assert_memory_equal(mpk_track_velocities(a), mpk_track_velocities(b), n * 4);
    if (mpk_track_kp(a)) {
        assert_memory_equal(mpk_track_kp(a), mpk_track_kp(b), mpk_track_joint_count(a) * 4);
        assert_memory_equal(mpk_track_kd(a), mpk_track_kd(b), mpk_track_joint_count(a) * 4);
    }
    if (mpk_track_root(a))
        assert_memory_equal(mpk_track_root(a), mpk_track_root(b), mpk_track_frame_count(a) * 7 * 4);
}

static void test_csv_round_trip(void **state)
{
    static const double rates[] = {500, 30, 29.97, 1, 1000, 333.3333};
    uint32_t seed = 12345;
    size_t r;

    for (r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
        unsigned flags = (unsigned)r % 8;
        mpk_track *t = NULL, *back = NULL;
        char *csv = NULL, *csv2 = NULL;
        size_t size = 0, size2 = 0, i, n;
        uint32_t frames = 200 + (uint32_t)r;

        assert_int_equal(mpk_track_new(&t, "g1-29dof", 3, arm, rates[r], frames, flags), MPK_OK);
        n = (size_t)frames * 3;
        for (i = 0; i < n; i++) {
            mpk_track_positions(t)[i] = any_float(&seed);
            if (mpk_track_velocities(t))
                mpk_track_velocities(t)[i] = any_float(&seed);
        }
        if (mpk_track_kp(t))
            for (i = 0; i < 3; i++) {
                mpk_track_kp(t)[i] = fabsf(any_float(&seed));
                mpk_track_kd(t)[i] = (float)i / 3;
            }
        if (mpk_track_root(t))
            for (i = 0; i < frames; i++) {
                float *p = mpk_track_root(t) + i * 7;
                p[0] = any_float(&seed), p[1] = 1e-30f, p[2] = 0.793f;
                p[3] = 0.5f, p[4] = -0.5f, p[5] = 0.5f, p[6] = 0.5f;
            }
        assert_int_equal(mpk_track_to_csv(&csv, &size, t), MPK_OK);
        assert_int_equal(strlen(csv), size);
        assert_int_equal(mpk_track_from_csv(&back, csv, size, "g1-29dof"), MPK_OK);
        assert_same_track(t, back);
        assert_int_equal(mpk_track_to_csv(&csv2, &size2, back), MPK_OK);
        assert_int_equal(size, size2);
        assert_memory_equal(csv, csv2, size);
        mpk_track_free(back);
        back = NULL;
        /* The robot may also come from the CSV itself. */
        assert_int_equal(mpk_track_from_csv(&back, csv, size, NULL), MPK_OK);
        assert_string_equal(mpk_track_robot(back), "g1-29dof");
        mpk_track_free(back);
        free(csv);
        free(csv2);
        mpk_track_free(t);
    }
}

static void test_csv_plain(void **state)
{
    /* Hand-written: no directives, CRLF, spaces, rate told by the time column. */
    const char csv[] = "time, left_elbow ,waist_yaw\r\n"
                       "0,0.5,-0.25\r\n"
                       "0.0333333333,0.6,-0.2\r\n"
                       "0.0666666667, 0.7 ,-0.1\r\n"
                       "0.1,0.8,0\r\n\r\n";
    mpk_track *t = NULL;

    assert_int_equal(mpk_track_from_csv(&t, csv, strlen(csv), "g1-29dof"), MPK_OK);
    assert_true(mpk_track_rate(t) == 30.0);
    assert_int_equal(mpk_track_frame_count(t), 4);
    assert_string_equal(mpk_track_joint_name(t, 0), "left_elbow");
    assert_true(mpk_track_positions(t)[4] == 0.7f);
    assert_true(mpk_track_positions(t)[7] == 0.0f);
    mpk_track_free(t);
}

static void expect_csv(const char *csv, const char *robot, int code, const char *msg)
{
    mpk_track *t = NULL;
    int rc = mpk_track_from_csv(&t, csv, strlen(csv), robot);

    if (rc != code || !strstr(mpk_error_message(), msg))
        fail_msg("CSV %s: expected %d '%s', got %d '%s'", csv, code, msg, rc, mpk_error_message());
    assert_null(t);
}

static void test_csv_errors(void **state)
{
    const char *h = "# rate: 10\ntime,left_elbow,waist_yaw\n";
    char buf[512];

#define ROWS(rows) (snprintf(buf, sizeof(buf), "%s%s", h, rows), buf)
    expect_csv(ROWS("0,1,2\n0.1,1\n"), "g1-29dof", MPK_EFORMAT,
               "line 4: 2 columns, the header has 3");
    expect_csv(ROWS("0,1,2,3\n"), "g1-29dof", MPK_EFORMAT, "line 3: more than the header's 3");
    expect_csv(ROWS("0,1,abc\n"), "g1-29dof", MPK_EFORMAT,
               "line 3, column 3 (waist_yaw): 'abc' is not a number");
    expect_csv(ROWS("0,nan,1\n"), "g1-29dof", MPK_EFORMAT,
               "line 3, column 2 (left_elbow): nan is not a finite number");
    expect_csv(ROWS("0,1,inf\n"), "g1-29dof", MPK_EFORMAT, "column 3 (waist_yaw)");
    expect_csv(ROWS("0,,1\n"), "g1-29dof", MPK_EFORMAT, "line 3, column 2 (left_elbow): empty");
    expect_csv(ROWS("0,1,2\n0.2,1,2\n"), "g1-29dof", MPK_EFORMAT,
               "line 4, column 1 (time): 0.2 s, expected 0.1 s");
    expect_csv(ROWS(""), "g1-29dof", MPK_EFORMAT, "0 data rows");
    expect_csv("", "g1-29dof", MPK_EFORMAT, "no header");
    expect_csv("time\n0\n", "g1-29dof", MPK_EFORMAT, "no joint columns");
    expect_csv("t,a\n0,1\n", "g1-29dof", MPK_EFORMAT, "must start with 'time'");
    expect_csv("# rate: 0\ntime,a\n0,1\n", "g1-29dof", MPK_EFORMAT, "line 1: rate");
    expect_csv("# robot: go2\ntime,a\n0,1\n", "g1-29dof", MPK_EFORMAT, "for 'go2', not 'g1-29dof'");
    expect_csv("time,a\n0,1\n", NULL, MPK_EFORMAT, "robot: not given");
    expect_csv("time,a\n0,1\n", "g1-29dof", MPK_EFORMAT, "cannot be told from the time column");
    expect_csv("# rate: 10\ntime,a,a\n0,1,2\n", "g1-29dof", MPK_EFORMAT,
               "line 2: joints[1]: 'a' is listed twice");
    expect_csv("# rate: 10\ntime,a,b,b.dq\n0,1,2,3\n", "g1-29dof", MPK_EFORMAT, "velocity columns");
    expect_csv("# rate: 10\ntime,a,root_x,root_y\n0,1,2,3\n", "g1-29dof", MPK_EFORMAT,
               "root_x..root_qw");
    expect_csv("# rate: 10\n# kp: 1,2\ntime,a\n0,1\n", "g1-29dof", MPK_EFORMAT,
               "kp and kd must be given together");
    expect_csv("# rate: 10\n# kp: 1,2\n# kd: 1,2\ntime,a\n0,1\n", "g1-29dof", MPK_EFORMAT,
               "kp: more values");
    expect_csv("# mpk-track: 2\ntime,a\n0,1\n", "g1-29dof", MPK_EUNSUPPORTED, "version '2'");
    expect_csv("# rate: 10\ntime,a,root_x,root_y,root_z,root_qx,root_qy,root_qz,root_qw\n"
               "0,1,0,0,0,0,0,0,2\n",
               "g1-29dof", MPK_EFORMAT, "has length 2");
    {
        char with_nul[] = "# rate: 10\ntime,a\n0,1\n";
        mpk_track *t = NULL;
        with_nul[15] = '\0';
        assert_int_equal(mpk_track_from_csv(&t, with_nul, sizeof(with_nul) - 1, "g1-29dof"),
                         MPK_EFORMAT);
    }
}

static const mpk_robot_model *g1(void)
{
    const mpk_robot_model *m = mpk_robot_find("g1-29dof");
    assert_non_null(m);
    return m;
}

static void check_fails(mpk_track *t, const mpk_robot_model *m, int code, const char *msg)
{
    int rc = mpk_track_check(t, m);
    if (rc != code || !strstr(mpk_error_message(), msg))
        fail_msg("expected %d '%s', got %d '%s'", code, msg, rc, mpk_error_message());
}

static void test_check(void **state)
{
    const mpk_robot_model *m = g1();
    int elbow = mpk_robot_joint_index(m, "left_elbow");
    mpk_track *t = make_track(MPK_TRACK_VELOCITIES, 100);

    assert_true(elbow >= 0);
    assert_int_equal(mpk_track_check(t, m), MPK_OK);

    /* Exactly at a limit passes; beyond it fails naming the joint and the time. */
    mpk_track_positions(t)[50 * 3 + 1] = (float)m->joints[elbow].upper;
    assert_int_equal(mpk_track_check(t, m), MPK_OK);
    mpk_track_positions(t)[50 * 3 + 1] = (float)m->joints[elbow].upper + 0.01f;
    check_fails(t, m, MPK_EVALIDATE, "left_elbow at 0.1 s (frame 50): position");
    mpk_track_positions(t)[50 * 3 + 1] = NAN;
    check_fails(t, m, MPK_EVALIDATE, "left_elbow at 0.1 s (frame 50): NaN");
    mpk_track_positions(t)[50 * 3 + 1] = 0;
    mpk_track_velocities(t)[7 * 3 + 2] = 1000;
    check_fails(t, m, MPK_EVALIDATE, "waist_yaw at 0.014 s (frame 7): velocity 1000");
    mpk_track_velocities(t)[7 * 3 + 2] = 0;
    assert_int_equal(mpk_track_check(t, m), MPK_OK);
    check_fails(t, mpk_robot_find("go2"), MPK_EVALIDATE, "for 'g1-29dof', not 'go2'");
    mpk_track_free(t);

    {
        const char *names[] = {"left_elbow", "tail"};
        assert_int_equal(mpk_track_new(&t, "g1-29dof", 2, names, 50, 10, 0), MPK_OK);
        check_fails(t, m, MPK_EVALIDATE, "joints[1]: 'tail' is not a joint of g1-29dof");
        mpk_track_free(t);
    }
    assert_int_equal(mpk_track_check(NULL, m), MPK_EINVAL);
}

static void test_files(void **state)
{
    char *dir = ms_tmpdir("track");
    char *path = ms_join(dir, "wave.mpkt"), *out = NULL;
    mpk_track *t = make_track(MPK_TRACK_GAINS, 1000), *back = NULL;

    assert_int_equal(mpk_track_write_file(t, path), MPK_OK);
    assert_int_equal(mpk_track_read_file(&back, path), MPK_OK);
    assert_same_track(t, back);
    mpk_track_free(back);
    back = NULL;
    {
        mpk_track *copy = NULL;
        assert_int_equal(mpk_track_clone(&copy, t), MPK_OK);
        assert_same_track(t, copy);
        mpk_track_free(copy);
    }
    /* A track with NaN is never written, and the old file stays. */
    mpk_track_positions(t)[10] = NAN;
    assert_int_equal(mpk_track_write_file(t, path), MPK_EFORMAT);
    assert_int_equal(mpk_track_read_file(&back, path), MPK_OK);
    mpk_track_free(back);
    back = NULL;
    assert_int_equal(ms_run(&out, "ls '%s'", dir), 0);
    assert_string_equal(out, "wave.mpkt\n");
    free(out);
    /* A truncated file names the file. */
    assert_int_equal(truncate(path, 200), 0);
    assert_int_equal(mpk_track_read_file(&back, path), MPK_EFORMAT);
    assert_non_null(strstr(mpk_error_message(), "wave.mpkt: size: 200 bytes"));
    assert_int_equal(mpk_track_read_file(&back, "/nonexistent.mpkt"), MPK_ENOTFOUND);
    mpk_track_free(t);
    free(path);
    ms_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),      cmocka_unit_test(test_bad_binary),
        cmocka_unit_test(test_new_rejects), cmocka_unit_test(test_csv_round_trip),
        cmocka_unit_test(test_csv_plain),   cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_check),       cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
