/*
 * robot-sim: a MuJoCo simulation of a Unitree robot that speaks the robot's low-level DDS protocol.
 *
 * It takes LowCmd_ on rt/lowcmd (every motor) and rt/arm_sdk (upper body, blended by the weight
 * slot over a holding controller), applies tau + kp (q - q_measured) + kd (dq - dq_measured) per
 * motor at the physics rate in real time, and publishes LowState_ (joints, IMU, CRC) on
 * rt/lowstate. Headless.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim_link.h"
#include "sim_robot.h"

#ifndef ROBOT_SIM_MODELS_DIR
#define ROBOT_SIM_MODELS_DIR "models"
#endif
#ifndef ROBOT_SIM_INSTALLED_MODELS_DIR
#define ROBOT_SIM_INSTALLED_MODELS_DIR "/usr/local/share/motionstore/robot-sim/models"
#endif

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

typedef struct options {
    const char *model, *iface, *models_dir;
    long domain, rate, mode_machine, priority;
    double timestep, duration, band_lift;
    int band, quiet;
} options;

static void usage(FILE *f)
{
    char ids[256];

    sim_robot_ids(ids, sizeof(ids));
    fprintf(f,
            "usage: robot-sim [OPTIONS]\n"
            "A MuJoCo Unitree robot on DDS: takes LowCmd_ on rt/lowcmd and rt/arm_sdk, publishes\n"
            "LowState_ on rt/lowstate. Stops on SIGTERM or SIGINT (or after --duration).\n\n"
            "  --model ID          robot: %s (default g1-29dof)\n"
            "  --domain N          DDS domain id, 0..%d (default 1, as Unitree's simulator)\n"
            "  --interface NAME    network interface (default lo; 'default' = CYCLONEDDS_URI)\n"
            "  --rate HZ           LowState_ rate, dividing the physics rate (default 500)\n"
            "  --timestep S        physics step in seconds, 0.0002..0.005 (default 0.001)\n"
            "  --elastic-band      hold the pelvis/base at its start pose with a spring-damper,\n"
            "                      so full-body motions can be tried without balance control\n"
            "  --band-lift M       height of the band's hold above the start pose, 0..0.5 m\n"
            "                      (default 0.1: the feet hang just clear of the floor)\n"
            "  --mode-machine N    LowState_.mode_machine to report (default: the real robot's)\n"
            "  --priority N        SCHED_FIFO priority of the simulation and its DDS threads,\n"
            "                      1..99 (default 70, below the runtime's loop); 0: normal\n"
            "                      scheduling. Refused by the system: a warning, normal priority\n"
            "  --duration S        stop after S seconds of simulated time (default: run on)\n"
            "  --models DIR        models folder (default: $ROBOT_SIM_MODELS, the source tree's,\n"
            "                      or the installed one)\n"
            "  --quiet             no progress lines, only errors and the final statistics\n"
            "  -h, --help          this text\n",
            ids, MOTION_DDS_DOMAIN_MAX);
}

static int parse_long(long *out, const char *opt, const char *s, long lo, long hi)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "robot-sim: %s '%s': must be an integer between %ld and %ld\n", opt, s, lo,
                hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_double(double *out, const char *opt, const char *s, double lo, double hi)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "robot-sim: %s '%s': must be a number between %g and %g\n", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static const char *find_models(const char *given)
{
    const char *env = getenv("ROBOT_SIM_MODELS");
    const char *candidates[] = {ROBOT_SIM_MODELS_DIR, ROBOT_SIM_INSTALLED_MODELS_DIR};

    if (given)
        return given;
    if (env && *env)
        return env;
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (access(candidates[i], R_OK) == 0)
            return candidates[i];
    return ROBOT_SIM_MODELS_DIR;
}

static int parse_options(options *o, int argc, char **argv)
{
    static const struct option longs[] = {{"model", required_argument, 0, 'm'},
                                          {"domain", required_argument, 0, 'd'},
                                          {"interface", required_argument, 0, 'i'},
                                          {"rate", required_argument, 0, 'r'},
                                          {"timestep", required_argument, 0, 't'},
                                          {"elastic-band", no_argument, 0, 'b'},
                                          {"band-lift", required_argument, 0, 'L'},
                                          {"mode-machine", required_argument, 0, 'M'},
                                          {"priority", required_argument, 0, 'P'},
                                          {"duration", required_argument, 0, 'D'},
                                          {"models", required_argument, 0, 'p'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    int c;

    *o = (options){"g1-29dof", "lo", NULL, 1, 500, -1, 70, 0.001, 0.0, 0.1, 0, 0};
    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'm':
            o->model = optarg;
            break;
        case 'd':
            rc = parse_long(&o->domain, "--domain", optarg, 0, MOTION_DDS_DOMAIN_MAX);
            break;
        case 'i':
            o->iface = strcmp(optarg, "default") == 0 ? NULL : optarg;
            break;
        case 'r':
            rc = parse_long(&o->rate, "--rate", optarg, 1, 5000);
            break;
        case 't':
            rc = parse_double(&o->timestep, "--timestep", optarg, 0.0002, 0.005);
            break;
        case 'b':
            o->band = 1;
            break;
        case 'L':
            rc = parse_double(&o->band_lift, "--band-lift", optarg, 0.0, 0.5);
            break;
        case 'P':
            rc = parse_long(&o->priority, "--priority", optarg, 0, 99);
            break;
        case 'M':
            rc = parse_long(&o->mode_machine, "--mode-machine", optarg, 0, 255);
            break;
        case 'D':
            rc = parse_double(&o->duration, "--duration", optarg, 0.0, 1e7);
            break;
        case 'p':
            o->models_dir = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            fprintf(stderr, "robot-sim: try --help\n");
            return -1;
        }
        if (rc)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "robot-sim: unexpected argument '%s' (try --help)\n", argv[optind]);
        return -1;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void add_ns(struct timespec *t, long ns)
{
    t->tv_nsec += ns;
    while (t->tv_nsec >= 1000000000L) {
        t->tv_nsec -= 1000000000L;
        t->tv_sec++;
    }
}

/* @return 1 when the process now runs SCHED_FIFO at priority */
static int realtime(long priority)
{
    struct sched_param sp = {.sched_priority = (int)priority};

    if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0)
        return 1;
    fprintf(stderr,
            "robot-sim: SCHED_FIFO priority %ld not permitted (%s): running with normal priority, "
            "a loaded machine may delay states\n",
            priority, strerror(errno));
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    const sim_robot_info *info;
    sim_robot robot;
    sim_link link;
    sim_command full = {0}, arm = {0};
    sim_state state;
    struct sigaction sa;
    struct timespec next;
    char err[1024], ids[256];
    long period_ns, publish_every;
    unsigned long long steps = 0, overruns = 0;
    double started;
    int rt;

    if (parse_options(&o, argc, argv) != 0)
        return 2;
    info = sim_robot_find(o.model);
    if (!info) {
        sim_robot_ids(ids, sizeof(ids));
        fprintf(stderr, "robot-sim: --model '%s': unknown robot (known: %s)\n", o.model, ids);
        return 2;
    }
    period_ns = (long)(o.timestep * 1e9 + 0.5);
    publish_every = (long)(1.0 / (o.timestep * (double)o.rate) + 0.5);
    if (publish_every < 1 || (double)publish_every * o.timestep * (double)o.rate > 1.0001 ||
        (double)publish_every * o.timestep * (double)o.rate < 0.9999) {
        fprintf(stderr, "robot-sim: --rate %ld: must divide the physics rate (%.0f Hz)\n", o.rate,
                1.0 / o.timestep);
        return 2;
    }
    if (sim_robot_open(&robot, info, find_models(o.models_dir), o.timestep, o.band, o.band_lift,
                       err, sizeof(err)) != 0) {
        fprintf(stderr, "robot-sim: %s\n", err);
        return 1;
    }
    /* A robot's controller runs in real time whatever else the computer does: so does the
     * simulation, and the DDS threads created next inherit it (commands and states are never late
     * because a build is running beside it). */
    rt = o.priority > 0 && realtime(o.priority);
    if (sim_link_open(&link, info, (uint32_t)o.domain, o.iface,
                      (uint8_t)(o.mode_machine >= 0 ? o.mode_machine : info->mode_machine), err,
                      sizeof(err)) != 0) {
        fprintf(stderr, "robot-sim: %s\n", err);
        sim_robot_close(&robot);
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    fprintf(stderr,
            "robot-sim: %s ready on DDS domain %ld (%s): physics %.0f Hz, state %ld Hz, elastic "
            "band %s, %s\n",
            info->id, o.domain, o.iface ? o.iface : "CYCLONEDDS_URI", 1.0 / o.timestep, o.rate,
            o.band ? "on" : "off", rt ? "SCHED_FIFO" : "normal priority");
    started = now_s();
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!stop_signal) {
        struct timespec now;

        sim_link_poll(&link, &full, &arm);
        sim_robot_step(&robot, &full, &arm);
        steps++;
        if (steps % (unsigned long long)publish_every == 0) {
            sim_robot_state(&robot, &state);
            sim_link_publish(&link, &state);
        }
        if (sim_robot_check_fall(&robot)) {
            double h, tilt;
            sim_robot_root(&robot, &h, &tilt);
            fprintf(stderr, "robot-sim: FALL at t=%.3f s: root height %.3f m, tilt %.0f deg\n",
                    robot.fall_time, h, tilt);
        }
        if (o.duration > 0 && robot.d->time >= o.duration)
            break;
        if (!o.quiet && steps % (unsigned long long)(5.0 / o.timestep) == 0) {
            double h, tilt;
            sim_robot_root(&robot, &h, &tilt);
            fprintf(stderr, "robot-sim: t=%.1f s, lowcmd %llu, arm_sdk %llu, root %.3f m\n",
                    robot.d->time, (unsigned long long)link.stats.lowcmd,
                    (unsigned long long)link.stats.arm_sdk, h);
        }
        /* Real time: absolute deadlines; after a long stall start afresh instead of racing. */
        add_ns(&next, period_ns);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - next.tv_sec) * 1000000000L + (now.tv_nsec - next.tv_nsec) > 0) {
            overruns++;
            if ((now.tv_sec - next.tv_sec) * 1000000000L + (now.tv_nsec - next.tv_nsec) > 50000000L)
                next = now;
            continue;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR &&
               !stop_signal)
            ;
    }
    fprintf(stderr,
            "robot-sim: stats steps=%llu sim_time=%.3f wall_time=%.3f overruns=%llu states=%llu "
            "repeated_tick=%llu write_errors=%llu lowcmd=%llu lowcmd_bad_crc=%llu arm_sdk=%llu "
            "arm_sdk_bad_crc=%llu mode_machine_mismatch=%llu fallen=%d\n",
            steps, robot.d->time, now_s() - started, overruns,
            (unsigned long long)link.stats.states, (unsigned long long)link.stats.repeated_tick,
            (unsigned long long)link.stats.write_errors, (unsigned long long)link.stats.lowcmd,
            (unsigned long long)link.stats.lowcmd_bad_crc, (unsigned long long)link.stats.arm_sdk,
            (unsigned long long)link.stats.arm_sdk_bad_crc,
            (unsigned long long)link.stats.mode_machine_mismatch, robot.fallen);
    sim_link_close(&link);
    sim_robot_close(&robot);
    return 0;
}
