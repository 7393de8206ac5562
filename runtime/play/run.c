/* motion-play: load the package's motions, play them through a control loop, report. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpk/mpk.h"
#include "play.h"

#define POLL_NS 5000000 /* how often the real-time run looks at events and status */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted++;
}

typedef struct run {
    play_options *o;
    const mpk_robot_model *model;
    motion_loop *loop;
    int items, resolved;
    char names[PLAY_MAX_MOTIONS][64]; /* the clips' names, for messages */
    double blend_in;                  /* first blend-in duration, s */
    double first_start;               /* loop time of the first STARTED, s; <0 none */
    double total_length;              /* sum of motion durations, s */
    unsigned faults_seen;
    bool estop_requested;
    bool shut_down; /* events after the loop stopped: its last word is damping, not a fault */
    int64_t last_action_ns; /* when the last --at control was sent */
    int refused_error;
    int64_t t0;
} run;

static int exit_for(int err)
{
    return err == MOTION_EMODEL || err == MOTION_EPERM ? PLAY_EXIT_INVALID : PLAY_EXIT_FAIL;
}

static const char *robot_of_package(const char *path, char *buf, size_t size)
{
    mpk_package *pkg = NULL;
    const mpk_manifest *m;
    const char *id = NULL;

    if (mpk_package_open(&pkg, path) != MPK_OK) {
        fprintf(stderr, "motion-play: %s\n", mpk_error_message());
        return NULL;
    }
    m = mpk_package_manifest(pkg);
    if (m->robot_count > 0) {
        snprintf(buf, size, "%s", m->robots[0]);
        id = buf;
    } else {
        fprintf(stderr, "motion-play: %s: the package names no robot model\n", path);
    }
    mpk_package_free(pkg);
    return id;
}

static double seconds(const run *r, int64_t ns)
{
    return (double)(ns - r->t0) * 1e-9;
}

static void print_event(run *r, const motion_event *ev)
{
    const char *what = motion_event_name(ev->type);
    double t = seconds(r, ev->time_ns);

    if (ev->type == MOTION_EVENT_BLEND_IN && r->blend_in < 0)
        r->blend_in = (double)ev->value / 1000.0;
    if (ev->type == MOTION_EVENT_STARTED && r->first_start < 0)
        r->first_start = t;
    if (ev->type == MOTION_EVENT_FINISHED || ev->type == MOTION_EVENT_DROPPED ||
        ev->type == MOTION_EVENT_REJECTED) {
        if (ev->tag >= 1 && ev->tag <= (uint64_t)r->items)
            r->resolved++;
    }
    if (ev->type == MOTION_EVENT_FAULT && !r->shut_down)
        r->faults_seen |= ev->faults;
    if (r->shut_down)
        return;
    if (r->o->quiet || r->o->json || ev->type == MOTION_EVENT_ACTIVITY)
        return;
    printf("%8.3f s  %-9s", t, what);
    if (ev->tag >= 1 && ev->tag <= (uint64_t)r->items)
        printf(" %s", r->names[ev->tag - 1]);
    switch (ev->type) {
    case MOTION_EVENT_BLEND_IN:
        printf(" (%.3f s)", (double)ev->value / 1000.0);
        break;
    case MOTION_EVENT_LOOPED:
        printf(" (iteration %lld)", (long long)ev->value);
        break;
    case MOTION_EVENT_FAULT:
        printf(" (%s%s%s%s)", ev->faults & MOTION_FAULT_ESTOP ? "emergency stop " : "",
               ev->faults & MOTION_FAULT_WATCHDOG ? "watchdog: no robot state " : "",
               ev->faults & MOTION_FAULT_NONFINITE ? "non-finite command " : "",
               ev->faults & MOTION_FAULT_PLAN ? "a move could not be planned " : "");
        break;
    case MOTION_EVENT_REJECTED:
        printf(" (%s)", motion_strerror((int)ev->value));
        break;
    default:
        break;
    }
    printf("\n");
}

static void do_actions(run *r, double t)
{
    int i, err = MOTION_OK;

    for (i = 0; i < r->o->action_count; i++) {
        play_action *a = &r->o->actions[i];
        if (a->done || t < a->at)
            continue;
        a->done = true;
        r->last_action_ns = r->t0 + (int64_t)(t * 1e9);
        switch (a->kind) {
        case ACT_PAUSE:
            err = motion_loop_pause(r->loop);
            break;
        case ACT_RESUME:
            err = motion_loop_resume(r->loop);
            break;
        case ACT_STOP:
        case ACT_STOP_STAND:
            err = motion_loop_stop(r->loop, a->kind == ACT_STOP_STAND);
            break;
        case ACT_ESTOP:
            r->estop_requested = true;
            motion_loop_estop(r->loop);
            break;
        case ACT_RELEASE:
            motion_loop_release(r->loop);
            break;
        case ACT_SPEED:
            err = motion_loop_set_speed(r->loop, a->value);
            break;
        case ACT_LOOPS:
            err = motion_loop_set_loops(r->loop, (int)a->value);
            break;
        }
        if (err != MOTION_OK)
            fprintf(stderr, "motion-play: --at %g: %s\n", a->at, motion_error_message());
        else if (!r->o->quiet && !r->o->json)
            printf("%8.3f s  control   --at %g\n", t, a->at);
    }
}

/* Done when every queued item is resolved and the robot is at rest (or damped). */
static bool finished(run *r, const motion_loop_status *st)
{
    motion_activity a = st->player.activity;
    bool pending = false;
    int i;

    for (i = 0; i < r->o->action_count; i++)
        pending = pending || !r->o->actions[i].done;
    if (pending)
        return false;
    /* The loop has to have seen the last control first (a few ticks later). */
    if (st->time_ns < r->last_action_ns + 20000000)
        return false;
    if (a == MOTION_ACT_DAMPING)
        return true;
    return r->resolved >= r->items && (a == MOTION_ACT_IDLE || a == MOTION_ACT_HOLDING);
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void report(run *r, const motion_loop_stats *s, const motion_loop_status *st, double wall)
{
    const play_options *o = r->o;
    const motion_histogram *w = &s->wakeup, *t = &s->tick;
    bool rt = !o->fast;

    if (o->json) {
        printf("{\"package\": ");
        json_string(o->package);
        printf(", \"robot\": \"%s\", \"mode\": \"%s\", \"backend\": ", r->model->id,
               motion_mode_name(motion_loop_mode(r->loop)));
        json_string(o->backend);
        printf(", \"rate_hz\": %g, \"fast\": %s, \"ticks\": %llu, \"seconds\": %.3f, "
               "\"blend_in_s\": %.4f, \"motions_length_s\": %.3f, \"final_activity\": \"%s\", "
               "\"faults\": %u, \"faults_seen\": %u,\n",
               o->rate, o->fast ? "true" : "false", (unsigned long long)s->ticks, wall, r->blend_in,
               r->total_length, motion_activity_name(st->player.activity), st->faults,
               r->faults_seen);
        printf(" \"tracking\": {\"max_rad\": %.6f, \"rms_rad\": %.6f, \"samples\": %llu},\n",
               s->tracking_max, s->tracking_rms, (unsigned long long)s->tracking_samples);
        printf(" \"tick_ns\": {\"p50\": %llu, \"p99\": %llu, \"max\": %llu},\n",
               (unsigned long long)motion_histogram_quantile(t, 0.5),
               (unsigned long long)motion_histogram_quantile(t, 0.99),
               (unsigned long long)t->max_ns);
        printf(" \"wakeup_ns\": {\"p50\": %llu, \"p99\": %llu, \"p999\": %llu, \"max\": %llu, "
               "\"overruns\": %llu, \"realtime\": %s, \"memory_locked\": %s},\n",
               (unsigned long long)motion_histogram_quantile(w, 0.5),
               (unsigned long long)motion_histogram_quantile(w, 0.99),
               (unsigned long long)motion_histogram_quantile(w, 0.999),
               (unsigned long long)w->max_ns, (unsigned long long)s->overruns,
               s->realtime ? "true" : "false", s->memory_locked ? "true" : "false");
        printf(" \"safety\": {\"clamped\": %llu, \"rate_limited\": %llu, \"velocity\": %llu, "
               "\"gains\": %llu, \"weight\": %llu, \"mask\": %llu, \"damping\": %llu, "
               "\"estop\": %llu, \"watchdog\": %llu, \"nonfinite\": %llu, \"plan\": %llu}",
               (unsigned long long)s->safety.clamped, (unsigned long long)s->safety.rate,
               (unsigned long long)s->safety.velocity, (unsigned long long)s->safety.gains,
               (unsigned long long)s->safety.weight, (unsigned long long)s->safety.mask,
               (unsigned long long)s->safety.damping, (unsigned long long)s->safety.estop,
               (unsigned long long)s->safety.watchdog, (unsigned long long)s->safety.nonfinite,
               (unsigned long long)s->safety.plan);
        if (s->backend.available)
            printf(",\n \"link\": {\"states\": %llu, \"bad_crc\": %llu, \"repeated_tick\": %llu, "
                   "\"commands\": %llu, \"write_errors\": %llu}",
                   (unsigned long long)s->backend.states, (unsigned long long)s->backend.bad_crc,
                   (unsigned long long)s->backend.repeated_tick,
                   (unsigned long long)s->backend.commands,
                   (unsigned long long)s->backend.write_errors);
        printf("}\n");
        return;
    }
    printf("\n%s on %s (%s mode, backend %s, %g Hz%s)\n", o->package, r->model->id,
           motion_mode_name(motion_loop_mode(r->loop)), o->backend, o->rate,
           o->fast ? ", simulated time" : "");
    printf("  played       %llu ticks in %.3f s; blend-in %.3f s; motions %.3f s; now %s\n",
           (unsigned long long)s->ticks, wall, r->blend_in, r->total_length,
           motion_activity_name(st->player.activity));
    printf("  tracking     max %.4f rad (%.2f deg), rms %.4f rad over %llu joint samples\n",
           s->tracking_max, s->tracking_max * 180.0 / M_PI, s->tracking_rms,
           (unsigned long long)s->tracking_samples);
    printf("  tick         p50 %llu ns, p99 %llu ns, max %llu ns (player + filter + backend)\n",
           (unsigned long long)motion_histogram_quantile(t, 0.5),
           (unsigned long long)motion_histogram_quantile(t, 0.99), (unsigned long long)t->max_ns);
    if (rt)
        printf("  wake-up      p50 %llu us, p99 %llu us, p99.9 %llu us, max %llu us, %llu "
               "overruns (%s, %s)\n",
               (unsigned long long)motion_histogram_quantile(w, 0.5) / 1000,
               (unsigned long long)motion_histogram_quantile(w, 0.99) / 1000,
               (unsigned long long)motion_histogram_quantile(w, 0.999) / 1000,
               (unsigned long long)w->max_ns / 1000, (unsigned long long)s->overruns,
               s->realtime ? "SCHED_FIFO" : "normal priority",
               s->memory_locked ? "memory locked" : "memory not locked");
    printf("  safety       %llu clamped, %llu rate-limited, %llu velocity-limited, %llu damping "
           "ticks; faults: %llu e-stop, %llu watchdog, %llu non-finite, %llu unplannable\n",
           (unsigned long long)s->safety.clamped, (unsigned long long)s->safety.rate,
           (unsigned long long)s->safety.velocity, (unsigned long long)s->safety.damping,
           (unsigned long long)s->safety.estop, (unsigned long long)s->safety.watchdog,
           (unsigned long long)s->safety.nonfinite, (unsigned long long)s->safety.plan);
    if (s->backend.available)
        printf("  link         %llu states (%llu bad CRC, %llu repeated tick), %llu commands sent, "
               "%llu write errors\n",
               (unsigned long long)s->backend.states, (unsigned long long)s->backend.bad_crc,
               (unsigned long long)s->backend.repeated_tick,
               (unsigned long long)s->backend.commands,
               (unsigned long long)s->backend.write_errors);
}

static int load_clips(run *r, motion_clip **clips, int *count)
{
    const play_options *o = r->o;
    int i, n = o->motion_count ? o->motion_count : 1, err;

    for (i = 0; i < n; i++) {
        err = motion_clip_load_package(&clips[i], o->package,
                                       o->motion_count ? o->motions[i] : NULL, r->model);
        if (err != MOTION_OK) {
            fprintf(stderr, "motion-play: %s\n", motion_error_message());
            *count = i;
            return exit_for(err);
        }
        r->total_length += motion_clip_duration(clips[i]);
    }
    *count = n;
    return PLAY_EXIT_OK;
}

/* "key=value", allocated: option values (a precise start pose, a deep path) have no length limit
 * here, and a truncated one would be another value (a file written somewhere else). */
static char *option(const char *key, const char *value)
{
    size_t size = strlen(key) + strlen(value) + 2;
    char *s = malloc(size);

    if (s)
        snprintf(s, size, "%s=%s", key, value);
    return s;
}

static void log_sink(void *user, motion_log_level level, const char *msg)
{
    const run *r = user;

    if (level == MOTION_LOG_INFO && (r->o->quiet || r->o->json))
        return;
    fprintf(stderr, "motion-play: %s%s\n", level == MOTION_LOG_WARNING ? "warning: " : "", msg);
}

int play_run(play_options *o)
{
    char robot_buf[64], *start_opt = NULL, *seed_opt = NULL, *path_opt = NULL, *inner_opt = NULL;
    const char *options[PLAY_MAX_OPTIONS + 8];
    motion_clip *clips[PLAY_MAX_MOTIONS] = {0};
    motion_loop_config cfg;
    motion_loop_status st;
    motion_loop_stats stats;
    motion_event ev;
    run r;
    int i, count = 0, nopt = 0, rc = PLAY_EXIT_OK, err;
    int64_t now, deadline_ns, interrupt_stop = 0;
    long fast_ticks = 0;
    double timeout;

    memset(&r, 0, sizeof(r));
    r.o = o;
    r.blend_in = -1;
    r.first_start = -1;
    if (!o->robot && !(o->robot = robot_of_package(o->package, robot_buf, sizeof(robot_buf))))
        return PLAY_EXIT_FAIL;
    r.model = mpk_robot_find(o->robot);
    if (!r.model) {
        fprintf(stderr, "motion-play: %s\n", mpk_error_message());
        return PLAY_EXIT_USAGE;
    }
    if ((rc = load_clips(&r, clips, &count)) != PLAY_EXIT_OK)
        goto out;

    motion_loop_config_init(&cfg);
    cfg.rate_hz = o->rate;
    cfg.player.mode = o->mode;
    cfg.player.allow_full_body = o->allow_full_body;
    cfg.player.crossfade = o->crossfade;
    cfg.player.blend_out = o->blend_out;
    cfg.realtime = o->realtime;
    cfg.lock_memory = o->realtime;
    cfg.log = log_sink;
    cfg.log_user = &r;
    for (i = 0; i < o->option_count; i++)
        options[nopt++] = o->options[i];
    if ((o->start_pose && !(start_opt = option("start", o->start_pose))) ||
        (o->seed && !(seed_opt = option("seed", o->seed))) ||
        (o->record &&
         (!(path_opt = option("path", o->record)) || !(inner_opt = option("inner", o->backend))))) {
        fprintf(stderr, "motion-play: out of memory\n");
        rc = PLAY_EXIT_FAIL;
        goto out;
    }
    if (start_opt)
        options[nopt++] = start_opt;
    if (seed_opt)
        options[nopt++] = seed_opt;
    if (o->record) {
        options[nopt++] = path_opt;
        options[nopt++] = inner_opt;
        cfg.backend = "record";
    } else {
        cfg.backend = o->backend;
    }
    options[nopt] = NULL;
    cfg.backend_options = options;
    if ((err = motion_loop_new(&r.loop, r.model, &cfg)) != MOTION_OK) {
        fprintf(stderr, "motion-play: %s\n", motion_error_message());
        rc = err == MOTION_ENOTFOUND || err == MOTION_EINVAL ? PLAY_EXIT_USAGE : exit_for(err);
        goto out;
    }
    for (i = 0; i < count; i++) {
        motion_play_options po;
        motion_play_options_init(&po);
        po.loops = o->loops;
        po.tag = (uint64_t)i + 1;
        snprintf(r.names[i], sizeof(r.names[i]), "%s", motion_clip_name(clips[i]));
        if ((err = motion_loop_play(r.loop, clips[i], &po)) != MOTION_OK) {
            fprintf(stderr, "motion-play: %s\n", motion_error_message());
            rc = exit_for(err);
            goto out;
        }
        clips[i] = NULL; /* the loop owns it now */
        r.items++;
    }
    if ((err = motion_loop_set_speed(r.loop, o->speed)) != MOTION_OK) {
        fprintf(stderr, "motion-play: %s\n", motion_error_message());
        rc = PLAY_EXIT_USAGE;
        goto out;
    }

    timeout =
        o->timeout > 0
            ? o->timeout
            : (o->loops == MOTION_LOOP_FOREVER ? 1e9 : r.total_length * o->loops / o->speed + 30.0);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    now = r.t0 = o->fast ? 1000000000 : motion_now_ns();
    if (!o->fast && (err = motion_loop_start(r.loop)) != MOTION_OK) {
        fprintf(stderr, "motion-play: %s\n", motion_error_message());
        rc = PLAY_EXIT_FAIL;
        goto out;
    }
    deadline_ns = r.t0 + (int64_t)(timeout * 1e9);
    for (;;) {
        if (o->fast) {
            if ((err = motion_loop_tick(r.loop, now)) != MOTION_OK) {
                fprintf(stderr, "motion-play: %s\n", motion_error_message());
                rc = PLAY_EXIT_FAIL;
                break;
            }
            now += (int64_t)llround(1e9 / o->rate);
            if (o->record && ++fast_ticks % 256 == 0) {
                /* Simulated time outruns the recorder's writer thread, which drains its ring
                 * every few milliseconds of real time: give it that time. */
                struct timespec ts = {0, 10000000};
                nanosleep(&ts, NULL);
            }
        } else {
            struct timespec ts = {0, POLL_NS};
            nanosleep(&ts, NULL);
            now = motion_now_ns();
        }
        while (motion_loop_poll_event(r.loop, &ev) == MOTION_OK)
            print_event(&r, &ev);
        do_actions(&r, seconds(&r, now));
        if (interrupted == 1 && !interrupt_stop) {
            interrupt_stop = now; /* first ^C: stop gently; second: e-stop */
            if (motion_loop_stop(r.loop, false) != MOTION_OK)
                motion_loop_estop(r.loop);
        } else if (interrupted > 1) {
            motion_loop_estop(r.loop);
        }
        if (motion_loop_status_get(r.loop, &st) != MOTION_OK)
            continue;
        if (finished(&r, &st))
            break;
        if (now > deadline_ns) {
            fprintf(stderr, "motion-play: gave up after %.1f s (%s)\n", timeout,
                    motion_activity_name(st.player.activity));
            rc = PLAY_EXIT_FAIL;
            break;
        }
    }
    while (motion_loop_poll_event(r.loop, &ev) == MOTION_OK)
        print_event(&r, &ev);
    motion_loop_stats_get(r.loop, &stats); /* before the shutdown's damping tick */
    motion_loop_shutdown(r.loop);
    r.shut_down = true;
    while (motion_loop_poll_event(r.loop, &ev) == MOTION_OK)
        print_event(&r, &ev);
    report(&r, &stats, &st, seconds(&r, now));
    /* A fault nobody asked for (watchdog, non-finite, unplannable) is a failure; a requested e-stop
     * is not. */
    if (rc == PLAY_EXIT_OK &&
        ((r.faults_seen & ~(unsigned)MOTION_FAULT_ESTOP) ||
         ((r.faults_seen & MOTION_FAULT_ESTOP) && !r.estop_requested && !interrupted)))
        rc = PLAY_EXIT_FAIL;
out:
    motion_loop_free(r.loop);
    for (i = 0; i < count; i++)
        motion_clip_free(clips[i]);
    free(start_opt);
    free(seed_opt);
    free(path_opt);
    free(inner_opt);
    return rc;
}
