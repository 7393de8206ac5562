/* mpk-preview in a real window: a private Xvfb X server (on a free display number it picks itself
 * through -displayfd), the program started on it with SDL's x11 driver, its own screenshot saved
 * as a test artifact, and the X server's framebuffer (Xvfb -fbdir, an XWD file) read back to
 * prove the window really shows that picture on the screen. SIGTERM then closes it cleanly. */
#include "preview_testlib.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "png_write.h"

#define SCREEN_W 1280
#define SCREEN_H 800
#define WIN_W    960
#define WIN_H    600

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t xvfb_pid = -1, app_pid = -1;
static int xvfb_fd = -1; /* kept open: Xvfb may write to -displayfd again, and dies on EPIPE */

/* Whatever happens to the test, no X server or window is left running. */
static void kill_children(void)
{
    if (app_pid > 0) {
        kill(app_pid, SIGKILL);
        waitpid(app_pid, NULL, 0);
    }
    if (xvfb_pid > 0) {
        kill(xvfb_pid, SIGKILL);
        waitpid(xvfb_pid, NULL, 0);
    }
    app_pid = xvfb_pid = -1;
    if (xvfb_fd >= 0)
        close(xvfb_fd);
    xvfb_fd = -1;
}

static int teardown(void **state)
{
    kill_children();
    return 0;
}

/* Waits until the X server takes connections on its socket (-displayfd answers a little early). */
static void wait_for_x(int display)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    double t0 = now_s();

    snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/.X11-unix/X%d", display);
    while (now_s() - t0 < 15) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
        if (fd >= 0)
            close(fd);
        if (ok)
            return;
        usleep(20000);
    }
    fail_msg("X server :%d takes no connections on %s", display, sa.sun_path);
}

/* Starts Xvfb on the first free display; returns its pid and display number. */
static pid_t start_xvfb(const char *fbdir, int *display)
{
    int fds[2];
    char fdarg[16], buf[32] = "";
    struct pollfd p;
    ssize_t n = 0;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC); /* Xvfb gets only the write end */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char log[4096];
        int out;
        snprintf(log, sizeof(log), "%s/xvfb.log", fbdir);
        out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, 1);
        dup2(out, 2);
        close(fds[0]);
        snprintf(fdarg, sizeof(fdarg), "%d", fds[1]);
        execlp("Xvfb", "Xvfb", "-displayfd", fdarg, "-screen", "0", "1280x800x24", "-fbdir", fbdir,
               "-nolisten", "tcp", "-noreset", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    p.fd = fds[0];
    p.events = POLLIN;
    if (poll(&p, 1, 15000) == 1)
        n = read(fds[0], buf, sizeof(buf) - 1);
    xvfb_fd = fds[0];
    if (n <= 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("Xvfb did not start (is the xvfb package installed?)");
    }
    buf[n] = '\0';
    *display = atoi(buf);
    xvfb_pid = pid;
    wait_for_x(*display);
    return pid;
}

static pid_t start_preview(const char *input, const char *shot, int display, const char *log)
{
    char disp[16];
    char *prog = ms_bin("mpk-preview");
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, 1);
        dup2(out, 2);
        snprintf(disp, sizeof(disp), ":%d", display);
        setenv("DISPLAY", disp, 1);
        setenv("SDL_VIDEODRIVER", "x11", 1);
        execl(prog, prog, input, "--size", "960x600", "--software", "--time", "1.5", "--screenshot",
              shot, (char *)NULL);
        _exit(127);
    }
    free(prog);
    app_pid = pid;
    return pid;
}

static Uint32 be32(const unsigned char *p)
{
    return (Uint32)p[0] << 24 | (Uint32)p[1] << 16 | (Uint32)p[2] << 8 | p[3];
}

static int shift_of(Uint32 mask)
{
    int s = 0;
    while (mask && !(mask & 1)) {
        mask >>= 1;
        s++;
    }
    return s;
}

/* The X screen as an RGB24 surface, from Xvfb's XWD framebuffer file. */
static SDL_Surface *read_xwd(const char *path)
{
    size_t size;
    unsigned char *d = (unsigned char *)ms_slurp(path, &size);
    Uint32 header, w, h, bpp, bpl, ncolors, rmask, gmask, bmask, byte_order, x, y;
    SDL_Surface *s;
    const unsigned char *pix;

    assert_non_null(d);
    assert_true(size > 100);
    header = be32(d);
    assert_int_equal(be32(d + 4), 7); /* XWD version */
    w = be32(d + 16);
    h = be32(d + 20);
    byte_order = be32(d + 28);
    bpp = be32(d + 44);
    bpl = be32(d + 48);
    rmask = be32(d + 56);
    gmask = be32(d + 60);
    bmask = be32(d + 64);
    ncolors = be32(d + 76);
    assert_int_equal(w, SCREEN_W);
    assert_int_equal(h, SCREEN_H);
    assert_int_equal(bpp, 32);
    pix = d + header + 12 * ncolors;
    assert_true(pix + (size_t)bpl * h <= d + size);
    s = SDL_CreateRGBSurfaceWithFormat(0, (int)w, (int)h, 24, SDL_PIXELFORMAT_RGB24);
    assert_non_null(s);
    for (y = 0; y < h; y++) {
        Uint8 *out = (Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch;
        for (x = 0; x < w; x++) {
            const unsigned char *q = pix + (size_t)y * bpl + 4 * x;
            Uint32 v = byte_order == 0 ? (Uint32)q[0] | (Uint32)q[1] << 8 | (Uint32)q[2] << 16 |
                                             (Uint32)q[3] << 24
                                       : be32(q);
            out[3 * x] = (Uint8)((v & rmask) >> shift_of(rmask));
            out[3 * x + 1] = (Uint8)((v & gmask) >> shift_of(gmask));
            out[3 * x + 2] = (Uint8)((v & bmask) >> shift_of(bmask));
        }
    }
    free(d);
    return s;
}

/* Fraction of pixels of shot equal (each channel within 2) to the screen at x0, y0. */
static double match(SDL_Surface *screen, SDL_Surface *shot, int x0, int y0)
{
    long same = 0;
    int x, y, k;

    for (y = 0; y < shot->h; y++) {
        const Uint8 *a = (const Uint8 *)shot->pixels + (size_t)y * (size_t)shot->pitch;
        const Uint8 *b = (const Uint8 *)screen->pixels + (size_t)(y + y0) * (size_t)screen->pitch +
                         3 * (size_t)x0;
        for (x = 0; x < shot->w; x++) {
            for (k = 0; k < 3 && abs(a[3 * x + k] - b[3 * x + k]) <= 2; k++)
                ;
            same += k == 3;
        }
    }
    return (double)same / ((double)shot->w * shot->h);
}

static void test_real_window(void **state)
{
    char *dir = ms_tmpdir("preview-window");
    char *art = ms_join(ms_env("MS_BINARY_DIR"), "test-artifacts");
    char *track_path = ms_join(dir, "wave.mpkt"), *log = ms_join(dir, "preview.log");
    char *shot = ms_join(art, "preview-window.png");
    char *screen_png = ms_join(art, "preview-xvfb-screen.png");
    char *fb = ms_join(dir, "Xvfb_screen0");
    mpk_track *track = pt_track("g1-29dof", 3.0, 50, true, "left_elbow", 1.0, NULL);
    SDL_Surface *own, *screen, *view;
    pid_t xvfb, app;
    int display, status, box[4];
    double t0, m;

    mkdir(art, 0755);
    unlink(shot);
    assert_int_equal(mpk_track_write_file(track, track_path), MPK_OK);
    mpk_track_free(track);
    xvfb = start_xvfb(dir, &display);
    print_message("Xvfb on display :%d\n", display);
    app = start_preview(track_path, shot, display, log);

    /* The program saves its screenshot after its first frames, and keeps running. */
    t0 = now_s();
    while (!ms_exists(shot) && now_s() - t0 < 30) {
        if (waitpid(app, &status, WNOHANG) != 0) {
            char *out = ms_slurp(log, NULL), *xlog = ms_fmt("%s/xvfb.log", dir);
            char *xout = ms_slurp(xlog, NULL);
            app_pid = -1;
            fail_msg("mpk-preview ended early (status %#x): %s\nXvfb said: %s", status,
                     out ? out : "", xout ? xout : "");
        }
        usleep(50000);
    }
    if (!ms_exists(shot)) {
        char *out = ms_slurp(log, NULL);
        fail_msg("no screenshot after 30 s; mpk-preview said: %s", out ? out : "");
    }
    pt_sdl_init();
    own = pt_png_load(shot);
    assert_non_null(own);
    assert_int_equal(own->w, WIN_W);
    assert_int_equal(own->h, WIN_H);
    /* It shows the interface and the robot. */
    assert_true(pt_colours(own) > 200);
    assert_true(pt_count(own, pt_is_robot, box) > 1000);

    /* The X server's own picture of its screen holds the same window, centred. The program
     * presents the frame it saved right after saving it; on a busy machine that can take a
     * while, so the framebuffer is read again until it shows it (or 20 s pass). */
    t0 = now_s();
    for (;;) {
        screen = read_xwd(fb);
        m = match(screen, own, (SCREEN_W - WIN_W) / 2, (SCREEN_H - WIN_H) / 2);
        if (m > 0.95 || now_s() - t0 > 20)
            break;
        SDL_FreeSurface(screen);
        usleep(100000);
    }
    assert_int_equal(preview_png_write(screen_png, screen), MPK_OK);
    print_message("window on the X screen matches the screenshot: %.1f%% of pixels\n", 100 * m);
    assert_true(m > 0.95);
    view =
        pt_crop(screen, &(SDL_Rect){(SCREEN_W - WIN_W) / 2, (SCREEN_H - WIN_H) / 2, WIN_W, WIN_H});
    assert_true(pt_count(view, pt_is_red, NULL) > 50);

    /* SIGTERM closes the window cleanly (SDL turns it into a quit event). */
    kill(app, SIGTERM);
    assert_int_equal(waitpid(app, &status, 0), app);
    app_pid = -1;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    kill(xvfb, SIGTERM);
    waitpid(xvfb, NULL, 0);
    xvfb_pid = -1;
    close(xvfb_fd);
    xvfb_fd = -1;
    print_message("artifacts: %s, %s\n", shot, screen_png);

    SDL_FreeSurface(view);
    SDL_FreeSurface(screen);
    SDL_FreeSurface(own);
    SDL_Quit();
    ms_rm_rf(dir);
    free(fb);
    free(screen_png);
    free(shot);
    free(log);
    free(track_path);
    free(art);
    free(dir);
}

/* The example wave package (what a developer previews), opened in the window: it shows the robot
 * and the interface, with no limit colour, and closes cleanly. */
static void test_example_package_window(void **state)
{
    char *dir = ms_tmpdir("preview-window-pkg");
    char *art = ms_join(ms_env("MS_BINARY_DIR"), "test-artifacts");
    char *pkg =
        ms_fmt("%s/packages/org.motionstore.examples.g1-wave-1.0.0.mpk", ms_env("MS_BINARY_DIR"));
    char *log = ms_join(dir, "preview.log"), *shot = ms_join(art, "preview-window-wave.png");
    SDL_Surface *own, *view;
    pid_t app;
    int display, status, box[4];
    double t0;

    if (!ms_exists(pkg))
        fail_msg("%s: not built (the example_packages target)", pkg);
    mkdir(art, 0755);
    unlink(shot);
    start_xvfb(dir, &display);
    app = start_preview(pkg, shot, display, log);
    t0 = now_s();
    while (!ms_exists(shot) && now_s() - t0 < 30) {
        if (waitpid(app, &status, WNOHANG) != 0) {
            char *out = ms_slurp(log, NULL);
            app_pid = -1;
            fail_msg("mpk-preview ended early (status %#x): %s", status, out ? out : "");
        }
        usleep(50000);
    }
    assert_true(ms_exists(shot));
    pt_sdl_init();
    own = pt_png_load(shot);
    assert_non_null(own);
    assert_int_equal(own->w, WIN_W);
    assert_true(pt_colours(own) > 200);
    assert_true(pt_count(own, pt_is_robot, box) > 1000);
    /* The wave is a valid motion: nothing red or yellow in the 3D view (the panels' plot keeps its
     * red limit lines, so only the view is looked at: right of the lists, above the plot). */
    view = pt_crop(own, &(SDL_Rect){WIN_W / 4 + 20, 40, WIN_W * 3 / 4 - 40, WIN_H / 2});
    assert_int_equal(pt_count(view, pt_is_red, NULL), 0);
    kill(app, SIGTERM);
    assert_int_equal(waitpid(app, &status, 0), app);
    app_pid = -1;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    print_message("artifact: %s\n", shot);
    SDL_FreeSurface(view);
    SDL_FreeSurface(own);
    SDL_Quit();
    kill_children();
    ms_rm_rf(dir);
    free(shot);
    free(log);
    free(pkg);
    free(art);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_real_window, teardown),
        cmocka_unit_test_teardown(test_example_package_window, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
