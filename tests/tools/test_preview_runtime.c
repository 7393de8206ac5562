/* mpk-preview shows what the robot will do: the example wave, from the standing pose through its
 * blend-in to its last frame, as the preview evaluates it, against every command the runtime's
 * real control loop sent when motion-play played the same package on the simulated robot
 * (recorded by the record backend and read here from the file format of docs/runtime.md). The
 * pose the preview draws at time -blend + k / rate is the target of the loop's k-th command. */
#include "preview_testlib.h"
#include "testutil.h"

#include <glob.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "eval.h"
#include "source.h"

#define REC_HEADER 64
#define REC_FIXED  40

typedef struct rec_command {
    uint64_t tick;
    double weight;
    const double *q; /* joint targets, n of them */
    const unsigned char *enable;
} rec_command;

static uint32_t u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static char *wave_package(void)
{
    char *pattern =
        ms_fmt("%s/packages/org.motionstore.examples.g1-wave-*.mpk", ms_env("MS_BINARY_DIR"));
    glob_t g;
    char *path = NULL;

    if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0)
        path = strdup(g.gl_pathv[0]);
    globfree(&g);
    free(pattern);
    if (!path)
        fail_msg("the example wave package was not built");
    return path;
}

/* Reads the commands of a recording (docs/runtime.md: a 64-byte header, then fixed-size records of
 * kind 1 = command, 2 = state). Returns their count; *data owns the bytes the commands point to. */
static size_t read_commands(const char *path, int n_expected, rec_command **out, char **data)
{
    size_t size, count = 0, off, rsize;
    unsigned char *d;
    rec_command *c;
    int n;

    *data = ms_slurp(path, &size);
    assert_non_null(*data);
    d = (unsigned char *)*data;
    assert_true(size >= REC_HEADER);
    assert_memory_equal(d, "MOTREC1\n", 8);
    n = (int)u32(d + 16);
    rsize = u32(d + 20);
    assert_int_equal(n, n_expected);
    assert_int_equal(rsize, REC_FIXED + 40 * (size_t)n + ((size_t)n + 7) / 8 * 8);
    assert_int_equal(u32(d + 60), 0); /* nothing dropped */
    c = calloc((size - REC_HEADER) / rsize + 1, sizeof(*c));
    assert_non_null(c);
    for (off = REC_HEADER; off + rsize <= size; off += rsize) {
        const unsigned char *r = d + off;
        if (r[0] != 1)
            continue;
        memcpy(&c[count].tick, r + 8, 8);
        memcpy(&c[count].weight, r + 24, 8);
        c[count].q = (const double *)(r + REC_FIXED); /* records are 8-byte aligned */
        c[count].enable = r + REC_FIXED + 40 * (size_t)n;
        count++;
    }
    *out = c;
    return count;
}

static void test_wave_as_the_loop_plays_it(void **state)
{
    char *pkg = wave_package(), *dir = ms_tmpdir("preview-runtime");
    char *rec = ms_join(dir, "wave.rec"), *play = ms_bin("motion-play"), *out = NULL, *data = NULL;
    preview_source *src = NULL;
    const preview_motion *m;
    const mpk_robot_model *model;
    preview_eval ev;
    rec_command *cmds = NULL;
    size_t count, i, first = 0, compared = 0;
    double q[64], worst = 0, worst_t = 0;
    int j, worst_j = -1;

    if (preview_source_open(&src, pkg) != MPK_OK)
        fail_msg("%s: %s", pkg, preview_error_message());
    m = &src->motions[0];
    model = m->model;
    assert_int_equal(preview_eval_init(&ev, m, true, PREVIEW_MODE_AUTO), MPK_OK);
    assert_false(ev.full_body); /* the wave plays in arm mode on the G1 */
    assert_true(ev.blend > 0.1);

    /* The real loop at the preview's rate, in simulated time, recording every command. */
    if (ms_run(&out, "'%s' '%s' --fast --no-realtime --quiet --rate %.0f --record '%s' 2>&1", play,
               pkg, ev.rate, rec) != 0)
        fail_msg("motion-play failed: %s", out ? out : "");
    count = read_commands(rec, model->joint_count, &cmds, &data);
    print_message(
        "%zu commands recorded; the preview's timeline: blend-in %.3f s, %u rows at %g Hz\n", count,
        ev.blend, ev.ticks, ev.rate);
    /* The blend-in begins with the first command that carries weight (arm mode ramps it). */
    while (first < count && cmds[first].weight <= 0)
        first++;
    assert_true(first < count);
    if (first > 0)
        first--; /* the tick before: weight 0, the robot still at the standing pose */

    for (i = first; i < count && compared < ev.ticks; i++, compared++) {
        double t = -ev.blend + (double)(cmds[i].tick - cmds[first].tick) / ev.rate;
        preview_eval_pose(&ev, t, q, NULL);
        for (j = 0; j < model->joint_count; j++) {
            double stand = model->joints[j].stand;
            double target =
                cmds[i].enable[j] ? stand + cmds[i].weight * (cmds[i].q[j] - stand) : stand;
            double d = fabs(target - q[j]);
            if (d > worst) {
                worst = d;
                worst_t = t;
                worst_j = j;
            }
        }
    }
    print_message("compared %zu ticks: largest difference %.2e rad (%s at %.3f s)\n", compared,
                  worst, worst_j >= 0 ? model->joints[worst_j].name : "-", worst_t);
    /* Every row of the timeline was compared: blend-in and the whole motion. */
    assert_int_equal(compared, ev.ticks);
    /* The table holds floats: 1e-5 rad is their rounding, anything else a different motion. */
    assert_true(worst < 1e-5);

    free(cmds);
    free(data);
    free(out);
    preview_eval_free(&ev);
    preview_source_free(src);
    ms_rm_rf(dir);
    free(rec);
    free(play);
    free(dir);
    free(pkg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wave_as_the_loop_plays_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
