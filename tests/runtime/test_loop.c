/*
 * The control loop on its own thread: emergency stop from another thread takes effect at the next
 * tick, the watchdog damps when the robot goes silent, status and statistics are readable while it
 * runs, requests from many threads all arrive, and the last command is damping. Commands are read
 * back from the real record backend's file.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "rt_testlib.h"
#include "testutil.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static char log_text[4096];

static void capture_log(void *user, motion_log_level level, const char *msg)
{
    (void)user;
    (void)level;
    strncat(log_text, msg, sizeof(log_text) - strlen(log_text) - 2);
    strcat(log_text, "\n");
}

typedef struct rec_loop {
    char *dir, *path;
    char path_opt[512];
    const char *opts[4];
    motion_loop *loop;
    const mpk_robot_model *model;
} rec_loop;

static void rec_loop_start(rec_loop *r, const char *model, const char *extra)
{
    motion_loop_config cfg;

    memset(r, 0, sizeof(*r));
    r->model = rt_model(model);
    r->dir = ms_tmpdir("rt-loop");
    r->path = ms_join(r->dir, "run.rec");
    snprintf(r->path_opt, sizeof(r->path_opt), "path=%s", r->path);
    r->opts[0] = r->path_opt;
    r->opts[1] = extra;
    r->opts[2] = NULL;
    motion_loop_config_init(&cfg);
    cfg.backend = "record";
    cfg.backend_options = r->opts;
    cfg.lock_memory = false; /* not in a test process (and never under the sanitizers) */
    cfg.log = capture_log;
    log_text[0] = '\0';
    if (motion_loop_new(&r->loop, r->model, &cfg) != MOTION_OK)
        fail_msg("loop: %s", motion_error_message());
    assert_int_equal(motion_loop_start(r->loop), MOTION_OK);
}

static void rec_loop_end(rec_loop *r)
{
    motion_loop_free(r->loop);
    ms_rm_rf(r->dir);
    free(r->path);
    free(r->dir);
}

static motion_activity wait_for(motion_loop *L, motion_activity want, int max_ms)
{
    motion_loop_status st;
    int i;

    for (i = 0; i < max_ms; i++) {
        if (motion_loop_status_get(L, &st) == MOTION_OK && st.player.activity == want)
            return want;
        sleep_ms(1);
    }
    assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
    return st.player.activity;
}

static bool damping(const motion_command *c)
{
    int j, enabled = 0;

    for (j = 0; j < c->joint_count; j++) {
        if (!c->enable[j])
            continue;
        enabled++;
        if (c->kp[j] != 0 || c->kd[j] <= 0 || c->tau[j] != 0)
            return false;
    }
    return enabled > 0;
}

typedef struct estop_arg {
    motion_loop *loop;
    int64_t when;
} estop_arg;

static void *press_estop(void *p)
{
    estop_arg *a = p;
    a->when = motion_now_ns();
    motion_loop_estop(a->loop);
    return NULL;
}

static void estop_from_another_thread(void **state)
{
    rec_loop r;
    motion_record_reader *rd = NULL;
    motion_record_entry e;
    estop_arg args[4];
    rt_rng rng;
    int round, k, rc;
    long checked = 0;

    rt_seed(&rng, 77);
    rec_loop_start(&r, "g1-29dof", NULL);
    for (round = 0; round < 4; round++) {
        motion_clip *c = rt_random_clip(r.model, &rng, RT_ARMS, 50, 20, false);
        pthread_t th;
        assert_int_equal(motion_loop_play(r.loop, c, NULL), MOTION_OK);
        assert_int_equal(wait_for(r.loop, MOTION_ACT_PLAYING, 5000), MOTION_ACT_PLAYING);
        /* the thread said how it runs (granted or not) before its first tick */
        assert_non_null(strstr(log_text, "SCHED_FIFO"));
        sleep_ms(rt_int(&rng, 5, 200));
        args[round].loop = r.loop;
        assert_int_equal(pthread_create(&th, NULL, press_estop, &args[round]), 0);
        pthread_join(th, NULL);
        assert_int_equal(wait_for(r.loop, MOTION_ACT_DAMPING, 2000), MOTION_ACT_DAMPING);
        sleep_ms(50);
        motion_loop_release(r.loop);
        assert_int_equal(wait_for(r.loop, MOTION_ACT_IDLE, 5000), MOTION_ACT_IDLE);
    }
    motion_loop_shutdown(r.loop);
    motion_loop_free(r.loop);
    r.loop = NULL;

    /* Every command of a tick that started after the call is damping, until the release. */
    assert_int_equal(motion_record_open(&rd, r.path), MOTION_OK);
    assert_true(motion_record_info_get(rd)->complete);
    assert_int_equal(motion_record_info_get(rd)->dropped, 0);
    k = 0;
    bool in_estop = false, seen_first = false;
    motion_command last;
    while ((rc = motion_record_next(rd, &e)) == 1) {
        if (e.kind != MOTION_RECORD_COMMAND)
            continue;
        last = e.command;
        if (k < 4 && e.command.time_ns >= args[k].when) {
            in_estop = true;
            seen_first = true;
        }
        if (in_estop) {
            if (damping(&e.command)) {
                checked++;
                continue;
            }
            /* damping ends only with the release, at least 50 ms later */
            assert_true(seen_first);
            assert_true(e.command.time_ns > args[k].when + 40000000);
            in_estop = false;
            k++;
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(k, 4);
    assert_true(checked > 4 * 20);
    /* the loop's last word is damping */
    assert_true(damping(&last));
    motion_record_close(rd);
    rec_loop_end(&r);
}

static void watchdog_when_robot_goes_silent(void **state)
{
    rec_loop r;
    motion_record_reader *rd = NULL;
    motion_record_entry e;
    motion_loop_status st;
    motion_event ev;
    rt_rng rng;
    motion_clip *c;
    int64_t first_cmd = 0, last_state = 0, first_damp = 0;
    bool fault_event = false;

    rt_seed(&rng, 78);
    rec_loop_start(&r, "g1-29dof", "freeze_after=0.6");
    c = rt_random_clip(r.model, &rng, RT_ARMS, 50, 20, false);
    assert_int_equal(motion_loop_play(r.loop, c, NULL), MOTION_OK);
    assert_int_equal(wait_for(r.loop, MOTION_ACT_DAMPING, 5000), MOTION_ACT_DAMPING);
    assert_int_equal(motion_loop_status_get(r.loop, &st), MOTION_OK);
    assert_true(st.faults & MOTION_FAULT_WATCHDOG);
    assert_true(st.state_age > 0.1);
    while (motion_loop_poll_event(r.loop, &ev) == MOTION_OK)
        fault_event =
            fault_event || (ev.type == MOTION_EVENT_FAULT && (ev.faults & MOTION_FAULT_WATCHDOG));
    assert_true(fault_event);
    /* a release does not help while the robot stays silent */
    motion_loop_release(r.loop);
    sleep_ms(50);
    assert_int_equal(motion_loop_status_get(r.loop, &st), MOTION_OK);
    assert_true(st.faults & MOTION_FAULT_WATCHDOG);
    motion_loop_shutdown(r.loop);
    motion_loop_free(r.loop);
    r.loop = NULL;

    /* Damping starts once the last state is 100 ms old, not before. */
    assert_int_equal(motion_record_open(&rd, r.path), MOTION_OK);
    while (motion_record_next(rd, &e) == 1) {
        if (e.kind == MOTION_RECORD_STATE)
            last_state = e.state.stamp_ns;
        if (e.kind != MOTION_RECORD_COMMAND)
            continue;
        if (!first_cmd)
            first_cmd = e.command.time_ns;
        if (!first_damp && damping(&e.command))
            first_damp = e.command.time_ns;
        if (!first_damp)
            assert_true(e.command.time_ns - last_state <= 100000000);
    }
    assert_true(first_damp > 0);
    assert_true(first_damp - last_state > 100000000);
    assert_true(first_damp - last_state <= 100000000 + 2 * 2000000 + 1);
    assert_true(last_state - first_cmd >= 590000000);
    motion_record_close(rd);
    rec_loop_end(&r);
}

typedef struct reader_arg {
    motion_loop *loop;
    atomic_bool stop;
    long reads;
    bool ok;
} reader_arg;

static void *read_status(void *p)
{
    reader_arg *a = p;
    motion_loop_status st;
    motion_loop_stats stats;
    uint64_t last = 0;

    a->ok = true;
    while (!atomic_load(&a->stop)) {
        if (motion_loop_status_get(a->loop, &st) != MOTION_OK)
            continue;
        /* a consistent snapshot: ticks only go forward, fields belong together */
        if (st.tick < last || st.joint_count != 29 ||
            (unsigned)st.player.activity > MOTION_ACT_DAMPING || !isfinite(st.q[3]))
            a->ok = false;
        last = st.tick;
        if ((a->reads++ & 1023) == 0)
            motion_loop_stats_get(a->loop, &stats);
    }
    return NULL;
}

typedef struct poster_arg {
    motion_loop *loop;
    int sent;
} poster_arg;

static void *post_requests(void *p)
{
    poster_arg *a = p;
    int i, err;

    for (i = 0; i < 500; i++) {
        switch (i % 3) {
        case 0:
            err = motion_loop_set_speed(a->loop, 0.5 + (i % 10) * 0.1);
            break;
        case 1:
            err = motion_loop_pause(a->loop);
            break;
        default:
            err = motion_loop_resume(a->loop);
            break;
        }
        if (err == MOTION_OK)
            a->sent++;
        else
            sleep_ms(1); /* full: the loop takes 16 a tick */
    }
    return NULL;
}

static void status_and_requests_while_running(void **state)
{
    rec_loop r;
    reader_arg ra;
    poster_arg pa[4];
    pthread_t reader, posters[4];
    motion_loop_stats stats;
    rt_rng rng;
    motion_clip *c;
    int i, total = 0;

    rt_seed(&rng, 79);
    rec_loop_start(&r, "g1-29dof", NULL);
    c = rt_random_clip(r.model, &rng, RT_ARMS | RT_WAIST, 50, 30, false);
    assert_int_equal(motion_loop_play(r.loop, c, NULL), MOTION_OK);
    memset(&ra, 0, sizeof(ra));
    ra.loop = r.loop;
    atomic_init(&ra.stop, false);
    assert_int_equal(pthread_create(&reader, NULL, read_status, &ra), 0);
    for (i = 0; i < 4; i++) {
        pa[i].loop = r.loop;
        pa[i].sent = 0;
        assert_int_equal(pthread_create(&posters[i], NULL, post_requests, &pa[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(posters[i], NULL);
        total += pa[i].sent;
    }
    sleep_ms(100); /* let the loop take the last ones */
    atomic_store(&ra.stop, true);
    pthread_join(reader, NULL);
    assert_true(ra.ok);
    assert_true(ra.reads > 100);
    motion_loop_stats_get(r.loop, &stats);
    /* every request accepted was handled (plus the play) */
    assert_int_equal(stats.requests, (uint64_t)total + 1);
    assert_true(stats.ticks > 100);
    assert_int_equal(stats.wakeup.count, stats.ticks);
    assert_int_equal(stats.tick.count, stats.ticks);
    assert_true(motion_histogram_quantile(&stats.tick, 0.5) > 0);
    assert_true(stats.wakeup.max_ns >= motion_histogram_quantile(&stats.wakeup, 0.99));
    /* reset zeroes the counters at the next tick */
    motion_loop_stats_reset(r.loop);
    sleep_ms(20);
    motion_loop_stats_get(r.loop, &stats);
    assert_true(stats.ticks < 50 && stats.requests == 0);
    rec_loop_end(&r);
}

static void manual_ticks_and_refusals(void **state)
{
    const mpk_robot_model *m = rt_model("go2");
    motion_loop_config cfg;
    motion_loop *L = NULL;
    motion_loop_status st;
    motion_clip *c;
    rt_rng rng;
    int64_t now = 1000000000;
    int i;

    motion_loop_config_init(&cfg);
    assert_true(cfg.rate_hz == 500.0); /* the default control rate */
    {
        const double bad_rates[] = {49.9, 1000.5, 2000, 0, -500, NAN, INFINITY};
        for (i = 0; i < (int)(sizeof(bad_rates) / sizeof(bad_rates[0])); i++) {
            cfg.rate_hz = bad_rates[i];
            assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_EINVAL);
            assert_non_null(strstr(motion_error_message(), "outside 50..1000"));
            assert_null(L);
        }
    }
    cfg.rate_hz = 500;
    cfg.backend = "warp-drive";
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_ENOTFOUND);
    assert_non_null(strstr(motion_error_message(), "sim"));
    cfg.backend = "sim";
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    assert_int_equal(motion_loop_mode(L), MOTION_MODE_FULL);
    assert_int_equal(motion_loop_status_get(L, &st), MOTION_EAGAIN);
    rt_seed(&rng, 80);
    c = rt_random_clip(m, &rng, RT_LEGS, 50, 1, false);
    /* full mode without allow_full_body: refused at once, the caller keeps the clip */
    assert_int_equal(motion_loop_play(L, c, NULL), MOTION_EPERM);
    motion_loop_free(L);
    cfg.player.allow_full_body = true;
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    assert_int_equal(motion_loop_play(L, c, NULL), MOTION_OK);
    assert_int_equal(motion_loop_set_speed(L, 3), MOTION_EINVAL);
    for (i = 0; i < 2000; i++, now += 2000000)
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
    assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
    assert_int_equal(st.tick, 1999);
    assert_int_equal(st.player.activity, MOTION_ACT_HOLDING);
    motion_loop_free(L); /* frees the clip it owns */
}

/* Plays asked for during an e-stop are refused, all of them, however many wait when the release
 * comes: nothing asked for before the release plays after it. */
static void plays_during_estop_never_play(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    motion_loop_config cfg;
    motion_loop *L = NULL;
    motion_loop_status st;
    motion_event ev;
    rt_rng rng;
    int64_t now = 1000000000;
    int i, rejected = 0;

    motion_loop_config_init(&cfg);
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    for (i = 0; i < 10; i++, now += 2000000)
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
    motion_loop_estop(L);
    for (i = 0; i < 10; i++, now += 2000000)
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
    assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
    assert_int_equal(st.player.activity, MOTION_ACT_DAMPING);
    /* more than the loop takes in one tick, then the release */
    rt_seed(&rng, 81);
    for (i = 0; i < 40; i++) {
        motion_clip *c = rt_random_clip(m, &rng, RT_ARMS, 50, 1, false);
        assert_int_equal(motion_loop_play(L, c, NULL), MOTION_OK);
    }
    motion_loop_release(L);
    for (i = 0; i < 1000; i++, now += 2000000) {
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
        assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
        assert_true(st.player.activity == MOTION_ACT_DAMPING ||
                    st.player.activity == MOTION_ACT_RELEASING ||
                    st.player.activity == MOTION_ACT_IDLE);
    }
    assert_int_equal(st.player.activity, MOTION_ACT_IDLE);
    assert_int_equal(st.faults, 0);
    while (motion_loop_poll_event(L, &ev) == MOTION_OK)
        rejected += ev.type == MOTION_EVENT_REJECTED;
    assert_int_equal(rejected, 40);
    motion_loop_free(L);
}

/* A backend that stands still, remembers the last command, and asks for a release in every tick:
 * so a release is always pending when the loop's last tick comes. */
static motion_loop *releasing_loop;
static motion_command releasing_last;

static int still_open(void **ctx, const mpk_robot_model *m, double rate_hz, motion_options o)
{
    (void)rate_hz;
    (void)o;
    *ctx = (void *)m;
    return MOTION_OK;
}

static void still_close(void *ctx)
{
    (void)ctx;
}

static int still_read(void *ctx, motion_state *out, int64_t now_ns)
{
    const mpk_robot_model *m = ctx;
    int j;

    memset(out, 0, sizeof(*out));
    out->stamp_ns = now_ns;
    out->seq = (uint32_t)(now_ns / 1000);
    out->joint_count = m->joint_count;
    for (j = 0; j < m->joint_count; j++)
        out->q[j] = m->joints[j].stand;
    return MOTION_OK;
}

static int releasing_write(void *ctx, const motion_command *cmd)
{
    (void)ctx;
    releasing_last = *cmd;
    motion_loop_release(releasing_loop);
    return MOTION_OK;
}

static const motion_backend_ops releasing_backend = {
    "releasing", "test", still_open, still_close, still_read, releasing_write, NULL,
};

/* The last word is damping even when a release is pending as the loop stops. */
static void last_command_is_damping_despite_release(void **state)
{
    motion_loop_config cfg;

    motion_loop_config_init(&cfg);
    cfg.backend_ops = &releasing_backend;
    cfg.lock_memory = false;
    cfg.log = capture_log;
    assert_int_equal(motion_loop_new(&releasing_loop, rt_model("g1-29dof"), &cfg), MOTION_OK);
    assert_int_equal(motion_loop_start(releasing_loop), MOTION_OK);
    sleep_ms(50);
    motion_loop_shutdown(releasing_loop);
    assert_true(damping(&releasing_last));
    assert_true(releasing_last.weight == 1.0);
    motion_loop_free(releasing_loop);
    releasing_loop = NULL;
}

/* A slow backend (5 ms a write) counting its writes, so that stopping takes a while. */
static atomic_long slow_writes;

static int slow_write(void *ctx, const motion_command *cmd)
{
    (void)ctx;
    releasing_last = *cmd;
    sleep_ms(5);
    atomic_fetch_add(&slow_writes, 1);
    return MOTION_OK;
}

static const motion_backend_ops slow_backend = {
    "slow", "test", still_open, still_close, still_read, slow_write, NULL,
};

typedef struct stopper_arg {
    motion_loop *loop;
    pthread_barrier_t *barrier;
    long writes_after;
} stopper_arg;

static void *stop_loop(void *p)
{
    stopper_arg *a = p;

    pthread_barrier_wait(a->barrier);
    motion_loop_shutdown(a->loop);
    a->writes_after = atomic_load(&slow_writes);
    return NULL;
}

/* Shutdown from several threads at once: each returns only once the loop has stopped (no command
 * after it), and the last command is damping. */
static void concurrent_shutdown(void **state)
{
    motion_loop_config cfg;
    motion_loop *L = NULL;
    pthread_barrier_t barrier;
    pthread_t th[4];
    stopper_arg args[4];
    int i;

    motion_loop_config_init(&cfg);
    cfg.backend_ops = &slow_backend;
    cfg.lock_memory = false;
    cfg.log = capture_log;
    atomic_store(&slow_writes, 0);
    assert_int_equal(motion_loop_new(&L, rt_model("g1-29dof"), &cfg), MOTION_OK);
    assert_int_equal(motion_loop_start(L), MOTION_OK);
    sleep_ms(30);
    pthread_barrier_init(&barrier, NULL, 4);
    for (i = 0; i < 4; i++) {
        args[i].loop = L;
        args[i].barrier = &barrier;
        assert_int_equal(pthread_create(&th[i], NULL, stop_loop, &args[i]), 0);
    }
    for (i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    sleep_ms(20);
    for (i = 0; i < 4; i++)
        assert_int_equal(args[i].writes_after, atomic_load(&slow_writes));
    assert_true(damping(&releasing_last));
    pthread_barrier_destroy(&barrier);
    motion_loop_free(L);
}

/* A backend whose reads start failing for good (an error, or "no state yet" again): the loop keeps
 * the last state it had, which ages, and the watchdog damps 100 ms after it - on a loop ticked by
 * hand, so every tick is seen. */
static int failing_code, failing_after;
static int failing_reads;

static int failing_read(void *ctx, motion_state *out, int64_t now_ns)
{
    if (failing_reads++ >= failing_after)
        return failing_code;
    return still_read(ctx, out, now_ns);
}

static int keep_write(void *ctx, const motion_command *cmd)
{
    (void)ctx;
    releasing_last = *cmd;
    return MOTION_OK;
}

static const motion_backend_ops failing_backend = {
    "failing", "test", still_open, still_close, failing_read, keep_write, NULL,
};

static void watchdog_when_reads_fail(void **state)
{
    const int codes[] = {MOTION_EBACKEND, MOTION_EAGAIN};
    motion_loop_config cfg;
    motion_loop *L = NULL;
    motion_loop_status st;
    motion_loop_stats stats;
    int64_t now = 1000000000, last_good = 0;
    int i, k;

    for (k = 0; k < 2; k++) {
        motion_loop_config_init(&cfg);
        cfg.backend_ops = &failing_backend;
        failing_code = codes[k];
        failing_after = 50;
        failing_reads = 0;
        assert_int_equal(motion_loop_new(&L, rt_model("g1-29dof"), &cfg), MOTION_OK);
        for (i = 0; i < 200; i++, now += 2000000) {
            if (i < 50)
                last_good = now;
            assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
            assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
            if (now - last_good <= 100000000) {
                assert_int_equal(st.faults, 0);
            } else {
                assert_true(st.faults & MOTION_FAULT_WATCHDOG);
                assert_true(damping(&releasing_last));
            }
        }
        motion_loop_stats_get(L, &stats);
        assert_int_equal(stats.backend_errors, k == 0 ? 150 : 0);
        motion_loop_free(L);
    }
}

/* A move the player cannot plan (a play-now whose blend fails: the test zeroes a planning limit,
 * internal.h) is latched by the loop's filter in that very tick: damping goes out, the status and
 * the counters say MOTION_FAULT_PLAN, and only a release ends it. */
static void plan_failure_latched_by_the_loop(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    motion_loop_config cfg;
    motion_loop *L = NULL;
    motion_loop_status st;
    motion_play_options po;
    motion_limits *lim;
    motion_event ev;
    motion_clip *a, *b;
    rt_rng rng;
    int64_t now = 1000000000;
    double saved;
    int i, fault_events = 0;

    motion_loop_config_init(&cfg);
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    rt_seed(&rng, 82);
    a = rt_random_clip(m, &rng, RT_ARMS, 50, 6, false);
    b = rt_random_clip(m, &rng, RT_ARMS, 50, 2, false);
    assert_int_equal(motion_loop_play(L, a, NULL), MOTION_OK);
    for (i = 0; i < 5000; i++, now += 2000000) {
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
        assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
        if (st.player.activity == MOTION_ACT_PLAYING)
            break;
    }
    assert_int_equal(st.player.activity, MOTION_ACT_PLAYING);
    lim = motion__player_plan_limits(motion__loop_player(L));
    saved = lim->velocity[15];
    lim->velocity[15] = 0.0; /* left_shoulder_pitch */
    motion_play_options_init(&po);
    po.now = true;
    assert_int_equal(motion_loop_play(L, b, &po), MOTION_OK);
    assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
    now += 2000000;
    assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
    assert_int_equal(st.player.activity, MOTION_ACT_DAMPING);
    assert_true(st.faults & MOTION_FAULT_PLAN);
    assert_true(st.safety_actions & MOTION_SAFETY_DAMPING);
    assert_true(st.weight == 1.0);
    assert_int_equal(st.safety.plan, 1);
    for (i = 0; i < 50; i++, now += 2000000)
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
    assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
    assert_int_equal(st.player.activity, MOTION_ACT_DAMPING);
    assert_true(st.safety_actions & MOTION_SAFETY_DAMPING);
    while (motion_loop_poll_event(L, &ev) == MOTION_OK)
        fault_events += ev.type == MOTION_EVENT_FAULT && (ev.faults & MOTION_FAULT_PLAN);
    assert_int_equal(fault_events, 1);
    lim->velocity[15] = saved;
    motion_loop_release(L);
    for (i = 0; i < 2000; i++, now += 2000000)
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
    assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
    assert_int_equal(st.faults, 0);
    assert_int_equal(st.player.activity, MOTION_ACT_IDLE);
    assert_int_equal(st.safety.plan, 1);
    motion_loop_free(L);
}

/* A backend that stands still and counts what it is sent. */
static long counted_writes;
static motion_command counted_last;

static int counting_write(void *ctx, const motion_command *cmd)
{
    (void)ctx;
    counted_last = *cmd;
    counted_writes++;
    return MOTION_OK;
}

static const motion_backend_ops counting_backend = {
    "counting", "test", still_open, still_close, still_read, counting_write, NULL,
};

static int no_state(void *ctx, motion_state *out, int64_t now_ns)
{
    (void)ctx;
    (void)out;
    (void)now_ns;
    return MOTION_EAGAIN;
}

static const motion_backend_ops silent_backend = {
    "silent", "test", still_open, still_close, no_state, counting_write, NULL,
};

static bool nothing_enabled(const motion_command *c)
{
    int j;

    for (j = 0; j < c->joint_count; j++)
        if (c->enable[j])
            return false;
    return true;
}

/* Freeing a loop that was ticked by hand sends the final damping, as the started loop's last tick
 * does: while playing (damping at weight 1 in arm mode), never ticked at all (one command: damping,
 * or nothing enabled when no state came), and ticked by hand again after its thread stopped and a
 * release. */
static void free_sends_final_damping(void **state)
{
    const mpk_robot_model *m = rt_model("g1-29dof");
    motion_loop_config cfg;
    motion_loop *L = NULL;
    motion_loop_status st;
    rt_rng rng;
    int64_t now = 1000000000;
    int i;

    motion_loop_config_init(&cfg);
    cfg.backend_ops = &counting_backend;
    cfg.lock_memory = false;
    cfg.log = capture_log;

    /* ticked by hand, playing */
    counted_writes = 0;
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    rt_seed(&rng, 83);
    assert_int_equal(motion_loop_play(L, rt_random_clip(m, &rng, RT_ARMS, 50, 20, false), NULL),
                     MOTION_OK);
    for (i = 0; i < 1500; i++, now += 2000000)
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
    assert_int_equal(motion_loop_status_get(L, &st), MOTION_OK);
    assert_int_equal(st.player.activity, MOTION_ACT_PLAYING);
    assert_false(damping(&counted_last));
    motion_loop_free(L);
    assert_int_equal(counted_writes, 1501);
    assert_true(damping(&counted_last));
    assert_true(counted_last.weight == 1.0);
    assert_true(counted_last.time_ns == now); /* one period after the last tick */

    /* never ticked: the one tick reads the backend's first state and damps */
    counted_writes = 0;
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    motion_loop_free(L);
    assert_int_equal(counted_writes, 1);
    assert_true(damping(&counted_last));

    /* never ticked, no state from the robot: nothing enabled (what the thread sends then too) */
    counted_writes = 0;
    cfg.backend_ops = &silent_backend;
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    motion_loop_free(L);
    assert_int_equal(counted_writes, 1);
    assert_true(nothing_enabled(&counted_last));
    cfg.backend_ops = &counting_backend;

    /* started and stopped (the thread's last tick damps), then ticked by hand after a release */
    counted_writes = 0;
    assert_int_equal(motion_loop_new(&L, m, &cfg), MOTION_OK);
    assert_int_equal(motion_loop_start(L), MOTION_OK);
    sleep_ms(30);
    motion_loop_shutdown(L);
    assert_true(damping(&counted_last));
    motion_loop_release(L);
    now = motion_now_ns();
    for (i = 0; i < 5; i++, now += 2000000)
        assert_int_equal(motion_loop_tick(L, now), MOTION_OK);
    assert_true(counted_last.weight < 1.0); /* released: the arms are being handed back */
    i = (int)counted_writes;
    motion_loop_free(L);
    assert_int_equal(counted_writes, i + 1);
    assert_true(damping(&counted_last));
    assert_true(counted_last.weight == 1.0);
}

/* Where the system refuses real-time scheduling and locked memory, the loop says so in a log line
 * each and runs on at normal priority. Checked in a child process that gives up what would grant
 * them (every capability, an rtprio and a memlock limit of 0), whoever runs the test. */
static int refused_realtime_child(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct caps[2];
    struct rlimit none = {0, 0};
    motion_loop_config cfg;
    motion_loop_stats stats;
    motion_loop *L = NULL;
    int ok;

    memset(caps, 0, sizeof(caps));
    if (setrlimit(RLIMIT_RTPRIO, &none) != 0 || setrlimit(RLIMIT_MEMLOCK, &none) != 0 ||
        syscall(SYS_capset, &hdr, caps) != 0) {
        perror("refused_realtime_child: giving up privileges");
        return 2;
    }
    motion_loop_config_init(&cfg);
    cfg.realtime = true;
    cfg.lock_memory = true;
    cfg.log = capture_log;
    log_text[0] = '\0';
    if (motion_loop_new(&L, rt_model("g1-29dof"), &cfg) != MOTION_OK ||
        motion_loop_start(L) != MOTION_OK) {
        fprintf(stderr, "refused_realtime_child: %s\n", motion_error_message());
        return 3;
    }
    for (int i = 0; i < 5000; i++) { /* it ticks at normal priority (any machine load) */
        motion_loop_stats_get(L, &stats);
        if (stats.ticks >= 10)
            break;
        sleep_ms(1);
    }
    motion_loop_free(L);
    ok = !stats.realtime && stats.ticks >= 10 &&
         strstr(log_text, "SCHED_FIFO priority 80 not permitted") &&
         strstr(log_text, "running with normal priority");
#ifndef __SANITIZE_ADDRESS__ /* ASan's mlockall does nothing and reports success */
    ok = ok && !stats.memory_locked && strstr(log_text, "mlockall not permitted");
#endif
    if (!ok)
        fprintf(stderr, "refused_realtime_child: realtime %d, locked %d, %llu ticks, log:\n%s",
                stats.realtime, stats.memory_locked, (unsigned long long)stats.ticks, log_text);
    return ok ? 0 : 1;
}

static void refused_realtime_is_logged(void **state)
{
    pid_t pid;
    int status;

    (void)state;
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(refused_realtime_child());
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estop_from_another_thread),
        cmocka_unit_test(watchdog_when_robot_goes_silent),
        cmocka_unit_test(status_and_requests_while_running),
        cmocka_unit_test(manual_ticks_and_refusals),
        cmocka_unit_test(plays_during_estop_never_play),
        cmocka_unit_test(last_command_is_damping_despite_release),
        cmocka_unit_test(concurrent_shutdown),
        cmocka_unit_test(watchdog_when_reads_fail),
        cmocka_unit_test(plan_failure_latched_by_the_loop),
        cmocka_unit_test(free_sends_final_damping),
        cmocka_unit_test(refused_realtime_is_logged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
