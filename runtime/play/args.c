/* motion-play's command line. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "play.h"

static void usage(FILE *out)
{
    int i;

    fprintf(out,
            "usage: motion-play FILE.mpk [OPTIONS]\n\n"
            "Plays a motion package on a robot backend - the simulated robot unless told "
            "otherwise - through\nthe runtime's player and safety filter, and prints tracking "
            "error and timing.\n\n"
            "  --motion NAME        motion to play; repeat to queue several (default: the first "
            "for the robot)\n"
            "  --robot MODEL        robot model (default: the package's first)\n"
            "  --backend NAME       backend (default sim; --sim says so)\n"
            "  --option KEY=VALUE   backend option, repeatable (sim: latency_ms=, inertia=, ...; "
            "dds: domain=, interface=)\n"
            "  --record FILE        also record every command and state to FILE "
            "(docs/runtime.md)\n"
            "  --rate HZ            control rate, %g..%g (default %g)\n"
            "  --speed S            playback speed, %g..%g (default 1)\n"
            "  --loop N|forever     times to play each motion (default 1)\n"
            "  --mode arm|full      arm: waist and arms on the upper-body channel (humanoid "
            "default);\n"
            "                       full: every joint (needs --allow-full-body and the "
            "package's permission)\n"
            "  --allow-full-body    let full mode run\n"
            "  --start-pose P       simulator start: stand (default), zero, random (moving), or "
            "q0,q1,...\n"
            "  --seed N             seed for --start-pose random\n"
            "  --crossfade S        crossfade between queued motions, s (default 0.5)\n"
            "  --blend-out          blend to the standing pose after the last motion\n"
            "  --at T:ACTION        at T s: pause, resume, stop, stop-stand, estop, release, "
            "speed=S, loops=N\n"
            "  --fast               simulated time, as fast as possible (sim or record backend "
            "only)\n"
            "  --no-realtime        do not ask for SCHED_FIFO and mlockall\n"
            "  --timeout S          give up after S seconds of playing (default: length + 30)\n"
            "  --json               print the summary as JSON on stdout\n"
            "  --quiet              print only the summary\n\n"
            "Backends in this build:\n",
            MOTION_RATE_MIN, MOTION_RATE_MAX, MOTION_RATE_DEFAULT, MOTION_SPEED_MIN,
            MOTION_SPEED_MAX);
    for (i = 0; motion_backend_at(i); i++)
        fprintf(out, "  %-8s %s\n", motion_backend_at(i)->name, motion_backend_at(i)->summary);
    fprintf(out, "\nExit codes: 0 played, 1 failure (including a fault such as the watchdog), 2 "
                 "usage, 3 the motion was refused (wrong robot, limits, permission).\n");
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "motion-play: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try --help)\n");
    return PLAY_EXIT_USAGE;
}

static bool number(double *out, const char *s, double min, double max)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(d) || d < min || d > max)
        return false;
    *out = d;
    return true;
}

static int parse_action(play_action *a, const char *spec)
{
    const char *colon = strchr(spec, ':'), *what;
    char time[32];
    size_t n;

    if (!colon || (n = (size_t)(colon - spec)) == 0 || n >= sizeof(time))
        return bad("--at %s: want TIME:ACTION", spec);
    memcpy(time, spec, n);
    time[n] = '\0';
    if (!number(&a->at, time, 0, 1e6))
        return bad("--at %s: bad time", spec);
    what = colon + 1;
    a->value = 0;
    a->done = false;
    if (strcmp(what, "pause") == 0)
        a->kind = ACT_PAUSE;
    else if (strcmp(what, "resume") == 0)
        a->kind = ACT_RESUME;
    else if (strcmp(what, "stop") == 0)
        a->kind = ACT_STOP;
    else if (strcmp(what, "stop-stand") == 0)
        a->kind = ACT_STOP_STAND;
    else if (strcmp(what, "estop") == 0)
        a->kind = ACT_ESTOP;
    else if (strcmp(what, "release") == 0)
        a->kind = ACT_RELEASE;
    else if (strncmp(what, "speed=", 6) == 0) {
        a->kind = ACT_SPEED;
        if (!number(&a->value, what + 6, MOTION_SPEED_MIN, MOTION_SPEED_MAX))
            return bad("--at %s: speed must be 0.1..2", spec);
    } else if (strncmp(what, "loops=", 6) == 0) {
        a->kind = ACT_LOOPS;
        if (strcmp(what + 6, "forever") == 0)
            a->value = MOTION_LOOP_FOREVER;
        else if (!number(&a->value, what + 6, 1, 1e6) || a->value != floor(a->value))
            return bad("--at %s: loops must be a whole number or forever", spec);
    } else {
        return bad("--at %s: unknown action", spec);
    }
    return PLAY_EXIT_OK;
}

static bool is_value_option(const char *a)
{
    static const char *const with_value[] = {"--motion",  "--robot",      "--backend",   "--option",
                                             "--record",  "--rate",       "--speed",     "--loop",
                                             "--mode",    "--seed",       "--crossfade", "--at",
                                             "--timeout", "--start-pose", NULL};
    int i;

    for (i = 0; with_value[i]; i++)
        if (strcmp(a, with_value[i]) == 0)
            return true;
    return false;
}

int play_parse_args(play_options *o, int argc, char **argv)
{
    int i, rc;

    memset(o, 0, sizeof(*o));
    o->backend = "sim";
    o->rate = MOTION_RATE_DEFAULT;
    o->speed = 1.0;
    o->loops = 1;
    o->mode = MOTION_MODE_DEFAULT;
    o->crossfade = 0.5;
    o->realtime = true;
    o->timeout = -1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        }
        if (a[0] != '-') {
            if (o->package)
                return bad("one package at a time ('%s')", a);
            o->package = a;
            continue;
        }
        if (strcmp(a, "--sim") == 0) { /* `mpk play FILE --sim`: the default, said aloud */
            o->backend = "sim";
            continue;
        }
        if (strcmp(a, "--allow-full-body") == 0 || strcmp(a, "--blend-out") == 0 ||
            strcmp(a, "--fast") == 0 || strcmp(a, "--no-realtime") == 0 ||
            strcmp(a, "--json") == 0 || strcmp(a, "--quiet") == 0)
            takes = false;
        else if (!is_value_option(a))
            return bad("unknown option '%s'", a);
        if (takes && !v)
            return bad("%s needs a value", a);
        if (strcmp(a, "--motion") == 0) {
            if (o->motion_count == PLAY_MAX_MOTIONS)
                return bad("at most 16 motions (%s)", v);
            o->motions[o->motion_count++] = v;
        } else if (strcmp(a, "--robot") == 0) {
            o->robot = v;
        } else if (strcmp(a, "--backend") == 0) {
            o->backend = v;
        } else if (strcmp(a, "--option") == 0) {
            if (o->option_count == PLAY_MAX_OPTIONS)
                return bad("too many --option (%s)", v);
            if (!strchr(v, '='))
                return bad("--option %s: want KEY=VALUE", v);
            o->options[o->option_count++] = v;
        } else if (strcmp(a, "--record") == 0) {
            o->record = v;
        } else if (strcmp(a, "--rate") == 0) {
            if (!number(&o->rate, v, MOTION_RATE_MIN, MOTION_RATE_MAX))
                return bad("--rate %s: must be 50..1000", v);
        } else if (strcmp(a, "--speed") == 0) {
            if (!number(&o->speed, v, MOTION_SPEED_MIN, MOTION_SPEED_MAX))
                return bad("--speed %s: must be 0.1..2", v);
        } else if (strcmp(a, "--loop") == 0) {
            double d;
            if (strcmp(v, "forever") == 0)
                o->loops = MOTION_LOOP_FOREVER;
            else if (number(&d, v, 1, 1e6) && d == floor(d))
                o->loops = (int)d;
            else
                return bad("--loop %s: a whole number >= 1, or forever", v);
        } else if (strcmp(a, "--mode") == 0) {
            if (motion_mode_parse(&o->mode, v) != MOTION_OK)
                return bad("--mode %s: want arm or full", v);
        } else if (strcmp(a, "--start-pose") == 0) {
            o->start_pose = v;
        } else if (strcmp(a, "--seed") == 0) {
            double d;
            if (!number(&d, v, 0, 4294967295.0) || d != floor(d))
                return bad("--seed %s: a whole number", v);
            o->seed = v;
        } else if (strcmp(a, "--crossfade") == 0) {
            if (!number(&o->crossfade, v, 0, 10))
                return bad("--crossfade %s: must be 0..10 s", v);
        } else if (strcmp(a, "--at") == 0) {
            if (o->action_count == PLAY_MAX_ACTIONS)
                return bad("too many --at (%s)", v);
            if ((rc = parse_action(&o->actions[o->action_count++], v)) != PLAY_EXIT_OK)
                return rc;
        } else if (strcmp(a, "--timeout") == 0) {
            if (!number(&o->timeout, v, 0.1, 1e6))
                return bad("--timeout %s: seconds > 0", v);
        } else if (strcmp(a, "--allow-full-body") == 0) {
            o->allow_full_body = true;
        } else if (strcmp(a, "--blend-out") == 0) {
            o->blend_out = true;
        } else if (strcmp(a, "--fast") == 0) {
            o->fast = true;
        } else if (strcmp(a, "--no-realtime") == 0) {
            o->realtime = false;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else {
            return bad("unknown option '%s'", a);
        }
        if (takes)
            i++;
    }
    if (!o->package)
        return bad("%s", "which package? motion-play FILE.mpk");
    if (o->fast && strcmp(o->backend, "sim") != 0)
        return bad("--fast needs the sim backend (not '%s'): real robots keep real time",
                   o->backend);
    if (o->start_pose && strcmp(o->backend, "sim") != 0)
        return bad("--start-pose is a simulator option (backend '%s')", o->backend);
    return PLAY_EXIT_OK;
}
