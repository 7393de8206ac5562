/* The mpk-preview program headless, and `mpk preview` which runs it: images and frame sequences
 * from a track file, and clear errors with the right exit codes for bad input. */
#include "preview_testlib.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fixture {
    char *dir, *track, *preview, *mpk;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    mpk_track *t = pt_track("g1-29dof", 1.0, 50, true, NULL, 0, NULL);

    f->dir = ms_tmpdir("preview-cli");
    f->track = ms_join(f->dir, "wave.mpkt");
    f->preview = ms_bin("mpk-preview");
    f->mpk = ms_bin("mpk");
    assert_int_equal(mpk_track_write_file(t, f->track), MPK_OK);
    mpk_track_free(t);
    pt_sdl_init(); /* for decoding and counting only */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    SDL_Quit();
    ms_rm_rf(f->dir);
    free(f->dir);
    free(f->track);
    free(f->preview);
    free(f->mpk);
    free(f);
    return 0;
}

static void check_image(const char *path, int w, int h)
{
    SDL_Surface *s = pt_png_load(path);
    int box[4];

    assert_non_null(s);
    assert_int_equal(s->w, w);
    assert_int_equal(s->h, h);
    assert_true(pt_count(s, pt_is_robot, box) > w * h / 100);
    assert_true(box[0] > 0 && box[1] > 0 && box[2] < w - 1 && box[3] < h - 1);
    SDL_FreeSurface(s);
}

static void test_render(void **state)
{
    fixture *f = *state;
    char *out = ms_join(f->dir, "thumb.png"), *text = NULL;

    /* No display at all: the offscreen driver does the work. */
    assert_int_equal(ms_run(&text,
                            "env -u DISPLAY '%s' '%s' --render '%s' --size 200x150 --time 0.5",
                            f->preview, f->track, out),
                     0);
    free(text);
    check_image(out, 200, 150);
    unlink(out);
    /* Defaults: 480x360, the middle of the motion. */
    assert_int_equal(
        ms_run(NULL, "env -u DISPLAY '%s' '%s' --render '%s'", f->preview, f->track, out), 0);
    check_image(out, 480, 360);
    unlink(out);
    /* The same through `mpk preview`, which runs the program next to it. */
    assert_int_equal(
        ms_run(NULL,
               "env -u DISPLAY PATH=/nonexistent '%s' preview '%s' --render '%s' --size 120x90",
               f->mpk, f->track, out),
        0);
    check_image(out, 120, 90);
    free(out);
}

static void test_frames(void **state)
{
    fixture *f = *state;
    char *frames = ms_join(f->dir, "frames"), *text = NULL, *first, *last;
    int n = 0;

    assert_int_equal(ms_run(&text, "env -u DISPLAY '%s' '%s' --frames '%s' --fps 10 --size 160x120",
                            f->preview, f->track, frames),
                     0);
    /* The blend-in plus one second at 10 frames per second. */
    assert_non_null(strstr(text, "wrote "));
    n = atoi(strstr(text, "wrote ") + 6);
    assert_true(n >= 11 && n <= 11 + 30);
    first = ms_fmt("%s/frame-000000.png", frames);
    last = ms_fmt("%s/frame-%06d.png", frames, n - 1);
    check_image(first, 160, 120);
    check_image(last, 160, 120);
    assert_int_equal(ms_run(NULL, "test $(ls '%s' | wc -l) -eq %d", frames, n), 0);
    free(text);
    free(first);
    free(last);
    free(frames);
}

/* A project folder around the fixture's track, with two motions (the second a quadruped's), and
 * the package `mpk build` makes of it. */
static void make_project(fixture *f, char **project, char **package)
{
    static const char json[] =
        "{\"format\": 1, \"id\": \"com.example.preview\", \"version\": \"1.0.0\",\n"
        " \"name\": {\"en\": \"Preview test\"}, \"description\": {\"en\": \"Two motions\"},\n"
        " \"author\": \"Tests\", \"license\": \"CC0-1.0\", \"category\": \"greeting\",\n"
        " \"permissions\": [\"full-body\"], \"key\": \"dev.key\",\n"
        " \"motions\": [\n"
        "  {\"name\": \"wave\", \"robot\": \"g1-29dof\",\n"
        "   \"source\": {\"type\": \"mpkt\", \"file\": \"motions/wave.mpkt\"}},\n"
        "  {\"name\": \"paw\", \"robot\": \"go2\",\n"
        "   \"source\": {\"type\": \"mpkt\", \"file\": \"motions/paw.mpkt\"}}]}\n";
    mpk_track *paw = pt_track("go2", 1.0, 50, false, NULL, 0, NULL);
    char *motions, *dst;

    *project = ms_join(f->dir, "project");
    *package = ms_join(f->dir, "preview.mpk");
    motions = ms_join(*project, "motions");
    assert_int_equal(
        ms_run(NULL, "mkdir -p '%s' && cp '%s' '%s/wave.mpkt'", motions, f->track, motions), 0);
    dst = ms_join(motions, "paw.mpkt");
    assert_int_equal(mpk_track_write_file(paw, dst), MPK_OK);
    mpk_track_free(paw);
    free(dst);
    dst = ms_join(*project, "mpk-project.json");
    ms_write(dst, json, sizeof(json) - 1);
    assert_int_equal(ms_run(NULL, "cd '%s' && '%s' keygen -o dev.key >/dev/null", *project, f->mpk),
                     0);
    assert_int_equal(ms_run(NULL, "'%s' build '%s' -o '%s'", f->mpk, *project, *package), 0);
    free(dst);
    free(motions);
}

static void test_project_and_package(void **state)
{
    fixture *f = *state;
    char *project, *package, *out = ms_join(f->dir, "p.png"), *bad, *text = NULL;

    make_project(f, &project, &package);
    /* The project folder, before it is built: every motion, chosen by name. */
    assert_int_equal(ms_run(NULL, "env -u DISPLAY '%s' '%s' --render '%s' --size 160x120",
                            f->preview, project, out),
                     0);
    check_image(out, 160, 120);
    unlink(out);
    assert_int_equal(ms_run(NULL,
                            "env -u DISPLAY '%s' '%s' --motion paw --render '%s' --size 160x120",
                            f->preview, project, out),
                     0);
    check_image(out, 160, 120);
    unlink(out);
    /* The signed package, verified before it is shown. */
    assert_int_equal(ms_run(&text,
                            "env -u DISPLAY '%s' '%s' --motion paw --render '%s' --size 160x120",
                            f->preview, package, out),
                     0);
    free(text);
    check_image(out, 160, 120);
    unlink(out);
    /* One byte of a stored track changed: refused as damaged (exit code 3), nothing written. */
    bad = ms_join(f->dir, "bad.mpk");
    assert_int_equal(ms_run(NULL,
                            "cp '%s' '%s' && python3 -c \"import sys; p=sys.argv[1]; "
                            "d=bytearray(open(p,'rb').read()); i=d.find(b'motions/paw.mpkt'); "
                            "d[i+200] ^= 0x55; open(p,'wb').write(d)\" '%s'",
                            package, bad, bad),
                     0);
    assert_int_equal(ms_run(&text, "env -u DISPLAY '%s' '%s' --render '%s'", f->preview, bad, out),
                     3);
    assert_non_null(strstr(text, "bad.mpk"));
    assert_false(ms_exists(out));
    free(text);
    free(bad);
    free(out);
    free(project);
    free(package);
}

/* Every example package the build made shows headless. */
static void test_example_packages(void **state)
{
    fixture *f = *state;
    char *list = NULL, *line, *save = NULL, *out = ms_join(f->dir, "example.png");
    int n = 0;

    assert_int_equal(ms_run(&list, "ls '%s'/packages/*.mpk", ms_env("MS_BINARY_DIR")), 0);
    for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        assert_int_equal(ms_run(NULL, "env -u DISPLAY '%s' '%s' --render '%s' --size 200x150",
                                f->preview, line, out),
                         0);
        check_image(out, 200, 150);
        unlink(out);
        n++;
    }
    print_message("%d example packages rendered\n", n);
    assert_true(n >= 1);
    free(list);
    free(out);
}

/* Runs a command line expecting exit code rc and a message containing want. */
static void expect(int rc, const char *want, const char *cmd)
{
    char *text = NULL;
    int got = ms_run(&text, "env -u DISPLAY %s", cmd);

    if (got != rc || !strstr(text, want))
        fail_msg("`%s`: exit %d (want %d), output: %s (want \"%s\")", cmd, got, rc, text, want);
    free(text);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    char *cmd, *out = ms_join(f->dir, "x.png");

#define EXPECT(rc, want, ...)      \
    do {                           \
        cmd = ms_fmt(__VA_ARGS__); \
        expect(rc, want, cmd);     \
        free(cmd);                 \
    } while (0)
    EXPECT(2, "which package", "'%s'", f->preview);
    EXPECT(2, "--size '5x5'", "'%s' '%s' --render '%s' --size 5x5", f->preview, f->track, out);
    EXPECT(2, "--size 'big'", "'%s' '%s' --render '%s' --size big", f->preview, f->track, out);
    EXPECT(2, "--time 'soon'", "'%s' '%s' --render '%s' --time soon", f->preview, f->track, out);
    EXPECT(2, "unknown option '--colour'", "'%s' '%s' --colour", f->preview, f->track);
    EXPECT(2, "--frames needs --fps", "'%s' '%s' --frames '%s'", f->preview, f->track, f->dir);
    EXPECT(2, "--fps '0'", "'%s' '%s' --frames '%s' --fps 0", f->preview, f->track, f->dir);
    EXPECT(2, "one at a time", "'%s' '%s' --render a.png --frames d --fps 1", f->preview, f->track);
    EXPECT(1, "outside the timeline", "'%s' '%s' --render '%s' --time 99", f->preview, f->track,
           out);
    EXPECT(1, "no motion named 'bow'", "'%s' '%s' --render '%s' --motion bow", f->preview, f->track,
           out);
    EXPECT(1, "/nonexistent/wave.mpk", "'%s' /nonexistent/wave.mpk --render '%s'", f->preview, out);
    EXPECT(1, "nofolder/x.png", "'%s' '%s' --render '%s/nofolder/x.png'", f->preview, f->track,
           f->dir);
    EXPECT(0, "--render OUT.png", "'%s' --help", f->preview);
    EXPECT(0, "--render OUT.png", "'%s' preview --help", f->mpk);
#undef EXPECT
    /* No output and no temporary left behind by the failures. */
    assert_false(ms_exists(out));
    assert_int_equal(ms_run(NULL, "test -z \"$(find '%s' -name '*.tmp.*')\"", f->dir), 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),           cmocka_unit_test(test_frames),
        cmocka_unit_test(test_errors),           cmocka_unit_test(test_project_and_package),
        cmocka_unit_test(test_example_packages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
