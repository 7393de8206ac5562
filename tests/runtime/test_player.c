/*
 * The player, driven tick by tick on the simulated robot (rt_rig: the loop's tick with synthetic
 * time). Randomised property tests over many motions, robots, rates and starting states, with
 * speed changes, pauses, loops, queues, crossfades and stops at random moments; every command that
 * leaves the safety filter is checked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rt_testlib.h"
#include "testutil.h"

#define MAX_CLIPS 4

static uint64_t current_seed; /* named in failure messages, to replay one scenario */

typedef struct scenario_stats {
    int scenarios, blend_ins, first_frames, stops, crossfades, loops, speed_changes, pauses;
    int play_now;
    long ticks, clamped;
} scenario_stats;

static bool in_control(motion_activity a)
{
    return a == MOTION_ACT_BLEND_IN || a == MOTION_ACT_PLAYING || a == MOTION_ACT_BLEND_OUT ||
           a == MOTION_ACT_STOPPING || a == MOTION_ACT_RETURNING || a == MOTION_ACT_HOLDING ||
           a == MOTION_ACT_RELEASING;
}

/* Checks one command against the one before: limits, and continuity while we are in control. */
static void check_tick(const rt_rig *rig, bool prev_clamped, scenario_stats *st)
{
    const mpk_robot_model *m = rig->model;
    const motion_command *c = &rig->cmd, *p = &rig->prev;
    double dt = rig->period * 1e-9;
    bool arm = motion_player_mode(rig->player) == MOTION_MODE_ARM;
    int j;

    /* The player itself never needs the filter to limit rate, velocity, gains or joints. */
    if (rig->actions & (MOTION_SAFETY_RATE | MOTION_SAFETY_VELOCITY | MOTION_SAFETY_GAINS |
                        MOTION_SAFETY_MASK | MOTION_SAFETY_WEIGHT))
        fail_msg("seed %llu tick %llu: the filter had to step in (actions 0x%x, %s)",
                 (unsigned long long)current_seed, (unsigned long long)rig->tick, rig->actions,
                 motion_activity_name(rig->ps.activity));
    if (rig->actions & MOTION_SAFETY_CLAMPED) {
        st->clamped++;
        if (getenv("RT_CLAMPS"))
            printf("clamp seed %llu tick %llu %s seg %g/%g\n", (unsigned long long)current_seed,
                   (unsigned long long)rig->tick, motion_activity_name(rig->ps.activity),
                   rig->ps.segment_time, rig->ps.segment_duration);
        if (getenv("RT_CLAMPS"))
            for (int jj = 0; jj < m->joint_count; jj++) {
                double l, h;
                motion_safety_range(rig->safety, jj, &l, &h);
                if (c->enable[jj] && (c->q[jj] == l || c->q[jj] == h))
                    printf("   %s q %g dq %g range %g..%g state %g %g\n", m->joints[jj].name,
                           c->q[jj], c->dq[jj], l, h, rig->state.q[jj], rig->state.dq[jj]);
            }
    }
    assert_true(c->weight >= 0.0 && c->weight <= 1.0);
    if (arm)
        assert_int_equal(c->channel, MOTION_CHANNEL_UPPER);
    for (j = 0; j < m->joint_count; j++) {
        double lo, hi, vmax = m->joints[j].velocity, amax = m->joints[j].acceleration;
        motion_safety_range(rig->safety, j, &lo, &hi);
        if (arm && m->joints[j].group == MPK_GROUP_LEG) {
            assert_int_equal(c->enable[j], 0); /* arm mode never commands a leg */
            assert_true(c->kp[j] == 0 && c->kd[j] == 0 && c->tau[j] == 0);
        }
        if (!c->enable[j])
            continue;
        if (!(c->q[j] >= lo && c->q[j] <= hi))
            fail_msg("seed %llu tick %llu: %s = %g outside %g..%g",
                     (unsigned long long)current_seed, (unsigned long long)rig->tick,
                     m->joints[j].name, c->q[j], lo, hi);
        assert_true(fabs(c->dq[j]) <= vmax);
        if (!rig->have_prev || !p->enable[j] || p->kp[j] <= 0 || c->kp[j] <= 0)
            continue;
        if (!in_control(rig->prev_act) || !in_control(rig->ps.activity))
            continue;
        /* position: within the velocity limit per tick */
        if (fabs(c->q[j] - p->q[j]) > vmax * dt * (1 + 1e-9))
            fail_msg("seed %llu tick %llu: %s moved %g in one tick (limit %g)",
                     (unsigned long long)current_seed, (unsigned long long)rig->tick,
                     m->joints[j].name, c->q[j] - p->q[j], vmax * dt);
        /* velocity: no step, it changes within the acceleration limit */
        if (fabs(c->dq[j] - p->dq[j]) > amax * dt * (1 + 1e-9) + 1e-12)
            fail_msg("seed %llu tick %llu: %s velocity %g -> %g in one tick (%s -> %s, item %llu "
                     "t %g xf %d speed %g)",
                     (unsigned long long)current_seed, (unsigned long long)rig->tick,
                     m->joints[j].name, p->dq[j], c->dq[j], motion_activity_name(rig->prev_act),
                     motion_activity_name(rig->ps.activity), (unsigned long long)rig->ps.tag,
                     rig->ps.time, rig->ps.crossfading, rig->ps.speed_now);
        /* and position follows velocity: no jump the velocity does not explain */
        if (!(rig->actions & MOTION_SAFETY_CLAMPED) && !prev_clamped &&
            fabs(c->q[j] - p->q[j] - 0.5 * (c->dq[j] + p->dq[j]) * dt) > amax * dt * dt + 1e-12)
            fail_msg(
                "seed %llu tick %llu: %s position %g -> %g does not follow velocity %g -> %g (%s)",
                (unsigned long long)current_seed, (unsigned long long)rig->tick, m->joints[j].name,
                p->q[j], c->q[j], p->dq[j], c->dq[j], motion_activity_name(rig->ps.activity));
    }
}

typedef struct planned_action {
    int tick;
    int kind; /* 0 speed, 1 pause, 2 resume, 3 stop, 4 stop+stand, 5 clear, 6 loops, 7 play now */
    double value;
} planned_action;

static void run_scenario(uint64_t seed, scenario_stats *st)
{
    static const char *const models[] = {"g1-29dof", "g1-23dof", "h1", "h1-2", "go2", "b2"};
    static const double rates[] = {50, 100, 250, 500, 1000};
    const mpk_robot_model *m;
    motion_player_config pc;
    motion_clip *clips[MAX_CLIPS];
    planned_action actions[12];
    rt_rng rng;
    rt_rig rig;
    char seed_opt[32], lat_opt[32];
    const char *sim_opts[] = {"start=random", seed_opt, "velocity=0.5", lat_opt, NULL};
    int nclips, nactions, i, k, tick, next_action = 0, total_ticks, nclips_played = 0;
    bool prev_clamped = false, stopping = false;
    double stop_bound = 0, stop_v0[MOTION_MAX_JOINTS], stop_q0[MOTION_MAX_JOINTS];
    int stop_tick = -1;
    double length = 0;

    /* RT_TRACE=SEED:JOINT prints every tick of one scenario. */
    const char *tr = getenv("RT_TRACE");
    int trace = 0;
    if (tr && (uint64_t)strtoull(tr, NULL, 10) == seed && strchr(tr, ':'))
        trace = -1; /* the joint is named once the model is known */
    current_seed = seed;
    rt_seed(&rng, seed);
    m = rt_model(models[rt_int(&rng, 0, 5)]);
    if (trace < 0)
        trace = mpk_robot_joint_index(m, strchr(tr, ':') + 1) + 1;
    motion_player_config_init(&pc);
    pc.rate_hz = rates[rt_int(&rng, 0, 4)];
    pc.mode = m->weight_slot >= 0 && rt_int(&rng, 0, 2) ? MOTION_MODE_ARM : MOTION_MODE_FULL;
    pc.allow_full_body = true;
    pc.crossfade = rt_uniform(&rng, 0, 1);
    pc.blend_out = rt_int(&rng, 0, 1);
    snprintf(seed_opt, sizeof(seed_opt), "seed=%llu", (unsigned long long)seed);
    snprintf(lat_opt, sizeof(lat_opt), "latency_ms=%d", rt_int(&rng, 0, 5));
    rt_rig_init(&rig, m, &pc, sim_opts);

    nclips = rt_int(&rng, 1, MAX_CLIPS);
    for (i = 0; i < nclips; i++) {
        unsigned groups = pc.mode == MOTION_MODE_ARM
                              ? (rt_int(&rng, 0, 3) ? RT_ARMS | RT_WAIST : RT_ALL)
                              : (m->humanoid ? RT_ALL : RT_LEGS);
        motion_play_options po;
        clips[i] = rt_random_clip(m, &rng, groups, rt_uniform(&rng, 20, 200),
                                  rt_uniform(&rng, 0.5, 3), rt_int(&rng, 0, 1));
        motion_play_options_init(&po);
        po.loops = rt_int(&rng, 1, 3);
        po.tag = (uint64_t)i + 1;
        if (rt_int(&rng, 0, 1))
            po.crossfade = rt_uniform(&rng, 0, 1.5);
        length += motion_clip_duration(clips[i]) * po.loops;
        assert_int_equal(motion_player_play(rig.player, clips[i], &po), MOTION_OK);
    }
    total_ticks = (int)((length * 10 + 20) * pc.rate_hz);
    nactions = rt_int(&rng, 0, 10);
    for (i = 0; i < nactions; i++) {
        actions[i].tick = rt_int(&rng, 1, (int)((length * 1.5 + 3) * pc.rate_hz));
        actions[i].kind = rt_int(&rng, 0, 7);
        if (actions[i].kind >= 3 && actions[i].kind <= 5 && rt_int(&rng, 0, 2))
            actions[i].kind = 0; /* mostly speed changes: they are the subtle ones */
        actions[i].value = actions[i].kind == 0 ? rt_uniform(&rng, 0.1, 2.0) : rt_int(&rng, 1, 3);
    }
    /* in tick order */
    for (i = 1; i < nactions; i++)
        for (k = i; k > 0 && actions[k].tick < actions[k - 1].tick; k--) {
            planned_action t = actions[k];
            actions[k] = actions[k - 1];
            actions[k - 1] = t;
        }

    for (tick = 0; tick < total_ticks; tick++) {
        motion_activity before = rig.ps.activity;
        while (next_action < nactions && actions[next_action].tick <= tick) {
            planned_action *a = &actions[next_action++];
            switch (a->kind) {
            case 0:
                assert_int_equal(motion_player_set_speed(rig.player, a->value), MOTION_OK);
                st->speed_changes++;
                break;
            case 1:
                motion_player_pause(rig.player);
                st->pauses++;
                break;
            case 2:
                motion_player_resume(rig.player);
                break;
            case 3:
            case 4:
                if (!stopping && (rig.ps.activity == MOTION_ACT_PLAYING ||
                                  rig.ps.activity == MOTION_ACT_BLEND_IN)) {
                    /* The stop starts from the last command: it must settle within
                     * max |v| / deceleration. */
                    stop_bound = 0;
                    for (int j = 0; j < m->joint_count; j++) {
                        double dec = m->joints[j].acceleration * pc.stop_acceleration_scale;
                        stop_v0[j] = rig.cmd.enable[j] ? rig.cmd.dq[j] : 0;
                        stop_q0[j] = rig.cmd.q[j];
                        stop_bound = fmax(stop_bound, fabs(stop_v0[j]) / dec);
                    }
                    stopping = true;
                    stop_tick = tick;
                    st->stops++;
                }
                motion_player_stop(rig.player, a->kind == 4);
                break;
            case 5:
                motion_player_clear(rig.player);
                break;
            case 6:
                assert_int_equal(motion_player_set_loops(rig.player, (int)a->value), MOTION_OK);
                break;
            default: {
                /* play one of the clips again, now: what plays is dropped and blended from */
                motion_play_options now;
                motion_play_options_init(&now);
                now.now = true;
                now.tag = (uint64_t)rt_int(&rng, 1, nclips);
                if (rig.ps.activity != MOTION_ACT_DAMPING &&
                    motion_player_play(rig.player, clips[now.tag - 1], &now) == MOTION_OK) {
                    st->play_now++;
                    nclips_played++;
                    stopping = false;
                }
                break;
            }
            }
        }
        rt_rig_tick(&rig);
        st->ticks++;
        if (trace)
            printf("%d %s t=%.4f seg=%.4f/%.4f xf=%d sp=%.3f w=%.2f q[%d]=%.6f dq=%.6f act=0x%x\n",
                   tick, motion_activity_name(rig.ps.activity), rig.ps.time, rig.ps.segment_time,
                   rig.ps.segment_duration, rig.ps.crossfading, rig.ps.speed_now, rig.cmd.weight,
                   trace - 1, rig.cmd.q[trace - 1], rig.cmd.dq[trace - 1], rig.actions);
        check_tick(&rig, prev_clamped, st);
        prev_clamped = rig.actions & MOTION_SAFETY_CLAMPED;

        /* Blend-in starts where the robot is (when it was not under our command)... */
        if (rig.ps.activity == MOTION_ACT_BLEND_IN &&
            (before == MOTION_ACT_IDLE || before == MOTION_ACT_WAITING)) {
            st->blend_ins++;
            for (int j = 0; j < m->joint_count; j++) {
                if (!rig.cmd.enable[j] || (rig.actions & MOTION_SAFETY_CLAMPED))
                    continue;
                assert_true(fabs(rig.cmd.q[j] - rig.state.q[j]) < 1e-9);
                assert_true(fabs(rig.cmd.dq[j] - rig.state.dq[j]) < 1e-9);
            }
        }
        /* ...and ends exactly on the first frame. */
        if (rig.ps.activity == MOTION_ACT_PLAYING && before == MOTION_ACT_BLEND_IN &&
            rig.ps.speed_now > 0 && !(rig.actions & MOTION_SAFETY_CLAMPED)) {
            double q0[MOTION_MAX_JOINTS];
            motion_clip *c = clips[rig.ps.tag - 1];
            if (rig.ps.time < 1e-9) {
                st->first_frames++;
                motion_clip_sample(c, 0.0, q0, NULL);
                for (int k2 = 0; k2 < motion_clip_joint_count(c); k2++) {
                    int j = motion_clip_joint_index(c, k2);
                    if (rig.cmd.enable[j])
                        assert_true(fabs(rig.cmd.q[j] - q0[j]) < 1e-9);
                }
            }
        }
        if (rig.ps.crossfading)
            st->crossfades++;
        /* A stop settles within the deceleration bound and travels no further than it allows. */
        if (stopping && rig.ps.activity != MOTION_ACT_STOPPING) {
            double took = (tick - stop_tick) * rig.period * 1e-9;
            assert_true(took <= stop_bound + 2 * rig.period * 1e-9 + 1e-9);
            stopping = false;
        }
        if (stopping) {
            for (int j = 0; j < m->joint_count; j++) {
                double dec = m->joints[j].acceleration * pc.stop_acceleration_scale;
                if (!rig.cmd.enable[j])
                    continue;
                assert_true(fabs(rig.cmd.q[j] - stop_q0[j]) <=
                            stop_v0[j] * stop_v0[j] / (2 * dec) + 1e-9);
            }
        }
        if (tick > actions[nactions > 0 ? nactions - 1 : 0].tick && rig.ps.queued == 0 &&
            (rig.ps.activity == MOTION_ACT_IDLE || rig.ps.activity == MOTION_ACT_HOLDING))
            break;
    }
    st->loops += rt_rig_count(&rig, MOTION_EVENT_LOOPED);
    /* Every item ends one way or another (it may still play if loops or pauses were added). */
    if (tick < total_ticks)
        assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_FINISHED) +
                             rt_rig_count(&rig, MOTION_EVENT_DROPPED),
                         nclips + nclips_played);
    st->scenarios++;
    rt_rig_free(&rig);
    for (i = 0; i < nclips; i++)
        motion_clip_free(clips[i]);
}

static void random_scenarios(void **state)
{
    scenario_stats st;
    uint64_t seed;

    const char *more = getenv("RT_SCENARIOS"); /* a longer sweep by hand: RT_SCENARIOS=5000 */
    uint64_t count = more ? strtoull(more, NULL, 10) : 150;

    memset(&st, 0, sizeof(st));
    for (seed = 1; seed <= count; seed++)
        run_scenario(seed, &st);
    print_message("%d scenarios, %ld ticks: %d blend-ins from idle, %d first frames, %d stops, "
                  "%d crossfade ticks, %d loops, %d speed changes, %d pauses, %d plays now, "
                  "%ld clamped ticks\n",
                  st.scenarios, st.ticks, st.blend_ins, st.first_frames, st.stops, st.crossfades,
                  st.loops, st.speed_changes, st.pauses, st.play_now, st.clamped);
    /* The generator must actually exercise what it claims to. */
    assert_true(st.blend_ins >= 100);
    assert_true(st.first_frames >= 200);
    assert_true(st.stops >= 10);
    assert_true(st.crossfades > 0);
    assert_true(st.loops > 0);
    assert_true(st.speed_changes > 50);
    assert_true(st.pauses > 10);
    assert_true(st.play_now > 10);
}

static motion_clip *arm_clip(const mpk_robot_model *m, uint64_t seed, double duration,
                             bool loopable)
{
    rt_rng rng;
    rt_seed(&rng, seed);
    return rt_random_clip(m, &rng, RT_ARMS | RT_WAIST, 50, duration, loopable);
}

static void refusals(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_player_config pc;
    motion_player *p = NULL;
    motion_clip *c = arm_clip(g1, 1, 1, false), *h1clip;
    rt_rng rng;
    int i;

    /* full mode: needs the runtime's permission and the package's */
    motion_player_config_init(&pc);
    pc.mode = MOTION_MODE_FULL;
    assert_int_equal(motion_player_new(&p, g1, &pc), MOTION_OK);
    assert_int_equal(motion_player_check(p, c), MOTION_EPERM);
    assert_non_null(strstr(motion_error_message(), "not allowed"));
    motion_player_free(p);
    pc.allow_full_body = true;
    assert_int_equal(motion_player_new(&p, g1, &pc), MOTION_OK);
    assert_int_equal(motion_player_check(p, c), MOTION_OK);
    motion_clip_set_permissions(c, 0);
    assert_int_equal(motion_player_play(p, c, NULL), MOTION_EPERM);
    assert_non_null(strstr(motion_error_message(), "full-body permission"));
    motion_clip_set_permissions(c, MPK_PERM_FULL_BODY);
    motion_player_free(p);

    /* arm mode: impossible on a quadruped; a legs-only clip has nothing to play */
    pc.mode = MOTION_MODE_ARM;
    assert_int_equal(motion_player_new(&p, rt_model("go2"), &pc), MOTION_EINVAL);
    assert_int_equal(motion_player_new(&p, g1, &pc), MOTION_OK);
    rt_seed(&rng, 2);
    {
        motion_clip *legs = rt_random_clip(g1, &rng, RT_LEGS, 50, 1, false);
        assert_int_equal(motion_player_check(p, legs), MOTION_EPERM);
        motion_clip_free(legs);
    }
    /* another robot's clip */
    h1clip = arm_clip(rt_model("h1"), 3, 1, false);
    assert_int_equal(motion_player_check(p, h1clip), MOTION_EMODEL);
    /* a full queue, bad loops, bad speed */
    for (i = 0; i < MOTION_PLAYER_QUEUE_MAX; i++)
        assert_int_equal(motion_player_play(p, c, NULL), MOTION_OK);
    assert_int_equal(motion_player_play(p, c, NULL), MOTION_EFULL);
    assert_int_equal(motion_player_set_speed(p, 2.5), MOTION_EINVAL);
    assert_int_equal(motion_player_set_speed(p, 0.05), MOTION_EINVAL);
    assert_int_equal(motion_player_set_loops(p, -1), MOTION_EINVAL);
    motion_player_free(p);
    motion_clip_free(h1clip);
    motion_clip_free(c);
}

/* Arm mode: the weight ramps 0 -> 1 during the blend-in, is 1 while playing, ramps back to 0. */
static void arm_weight_ramps(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_player_config pc;
    motion_clip *c = arm_clip(g1, 4, 2, false);
    rt_rig rig;
    double prev_w = 0, max_step = 0;
    int ticks, i, peak_ticks = 0;

    motion_player_config_init(&pc);
    rt_rig_init(&rig, g1, &pc, NULL);
    assert_int_equal(motion_player_mode(rig.player), MOTION_MODE_ARM);
    assert_int_equal(motion_player_play(rig.player, c, NULL), MOTION_OK);
    for (i = 0; i < 5000; i++) {
        rt_rig_tick(&rig);
        max_step = fmax(max_step, fabs(rig.cmd.weight - prev_w));
        prev_w = rig.cmd.weight;
        if (rig.ps.activity == MOTION_ACT_PLAYING) {
            assert_true(rig.cmd.weight == 1.0);
            peak_ticks++;
        }
        if (rig.ps.activity == MOTION_ACT_IDLE && i > 10)
            break;
    }
    ticks = i;
    assert_true(peak_ticks > 900);
    assert_true(rig.cmd.weight == 0.0);
    /* 0 -> 1 in weight_ramp seconds: steps of dt / ramp */
    assert_true(max_step <= 1.0 / (pc.weight_ramp * pc.rate_hz) + 1e-12);
    /* idle in arm mode commands nothing */
    for (int j = 0; j < g1->joint_count; j++)
        assert_int_equal(rig.cmd.enable[j], 0);
    assert_true(ticks < 5000);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_FINISHED), 1);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_IDLE), 1);
    rt_rig_free(&rig);
    motion_clip_free(c);
}

static void loops_and_events(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_clip *open = arm_clip(g1, 5, 1, false), *closed = arm_clip(g1, 6, 1, true);
    motion_play_options po;
    rt_rig rig;

    assert_true(motion_clip_loopable(closed));
    rt_rig_init(&rig, g1, NULL, NULL);
    motion_play_options_init(&po);
    po.loops = 3;
    po.tag = 10;
    assert_int_equal(motion_player_play(rig.player, open, &po), MOTION_OK);
    po.tag = 11;
    assert_int_equal(motion_player_play(rig.player, closed, &po), MOTION_OK);
    assert_true(rt_rig_run_until_rest(&rig, 20000) > 0);
    /* 3 iterations each: two LOOPED events per item, then FINISHED */
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_LOOPED), 4);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_FINISHED), 2);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_STARTED), 2);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_DROPPED), 0);
    rt_rig_free(&rig);

    /* forever, then cut back to one more */
    rt_rig_init(&rig, g1, NULL, NULL);
    po.loops = MOTION_LOOP_FOREVER;
    assert_int_equal(motion_player_play(rig.player, closed, &po), MOTION_OK);
    for (int i = 0; i < 4000; i++)
        rt_rig_tick(&rig);
    assert_true(rt_rig_count(&rig, MOTION_EVENT_LOOPED) >= 5);
    assert_int_equal(motion_player_set_loops(rig.player, 1), MOTION_OK);
    assert_true(rt_rig_run_until_rest(&rig, 2000) > 0);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_FINISHED), 1);
    rt_rig_free(&rig);
    motion_clip_free(open);
    motion_clip_free(closed);
}

/* Pause brings the motion to rest within pause_time; resume carries on from the same place. */
static void pause_and_resume(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_clip *c = arm_clip(g1, 7, 4, false);
    motion_player_config pc;
    rt_rig rig;
    double t_paused, q_paused[MOTION_MAX_JOINTS];
    int i;

    motion_player_config_init(&pc);
    rt_rig_init(&rig, g1, &pc, NULL);
    assert_int_equal(motion_player_play(rig.player, c, NULL), MOTION_OK);
    while (rig.ps.activity != MOTION_ACT_PLAYING || rig.ps.time < 1.0)
        rt_rig_tick(&rig);
    motion_player_pause(rig.player);
    for (i = 0; i < (int)(pc.pause_time * pc.rate_hz) + 1; i++)
        rt_rig_tick(&rig);
    assert_true(rig.ps.paused && rig.ps.speed_now == 0.0);
    t_paused = rig.ps.time;
    memcpy(q_paused, rig.cmd.q, sizeof(q_paused));
    for (i = 0; i < 500; i++) {
        rt_rig_tick(&rig);
        assert_true(rig.ps.time == t_paused);
        for (int j = 0; j < g1->joint_count; j++)
            assert_true(rig.cmd.q[j] == q_paused[j] && rig.cmd.dq[j] == 0.0);
    }
    motion_player_resume(rig.player);
    for (i = 0; i < (int)(pc.pause_time * pc.rate_hz) + 1; i++)
        rt_rig_tick(&rig);
    assert_true(fabs(rig.ps.speed_now - 1.0) < 1e-9);
    assert_true(rig.ps.time > t_paused);
    rt_rig_free(&rig);
    motion_clip_free(c);
}

/* Speed ramps at speed_ramp per second and is capped by the clip's velocity. */
static void speed_ramps(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_clip *c = arm_clip(g1, 8, 6, false);
    motion_player_config pc;
    rt_rig rig;
    double prev;
    int i;

    motion_player_config_init(&pc);
    rt_rig_init(&rig, g1, &pc, NULL);
    assert_int_equal(motion_player_play(rig.player, c, NULL), MOTION_OK);
    while (rig.ps.activity != MOTION_ACT_PLAYING)
        rt_rig_tick(&rig);
    assert_int_equal(motion_player_set_speed(rig.player, 2.0), MOTION_OK);
    prev = rig.ps.speed_now;
    for (i = 0; i < 250; i++) {
        rt_rig_tick(&rig);
        assert_true(rig.ps.speed_now - prev <= pc.speed_ramp / pc.rate_hz + 1e-12);
        assert_true(rig.ps.speed_now >= prev);
        prev = rig.ps.speed_now;
    }
    assert_true(fabs(rig.ps.speed_now - 1.5) < 0.01); /* half a second at 1 per second */
    assert_true(fabs(rig.ps.speed - 2.0) < 1e-12);
    rt_rig_free(&rig);
    motion_clip_free(c);
}

/* Stop with return to stand ends on the standing pose; blend-out ends on the rest pose. */
static void return_to_stand_and_blend_out(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_clip *c = arm_clip(g1, 9, 3, false);
    motion_player_config pc;
    rt_rig rig;
    int j, i;

    motion_player_config_init(&pc);
    pc.mode = MOTION_MODE_FULL;
    pc.allow_full_body = true;
    rt_rig_init(&rig, g1, &pc, NULL);
    assert_int_equal(motion_player_play(rig.player, c, NULL), MOTION_OK);
    while (rig.ps.activity != MOTION_ACT_PLAYING || rig.ps.time < 1.0)
        rt_rig_tick(&rig);
    motion_player_stop(rig.player, true);
    assert_true(rt_rig_run_until_rest(&rig, 20000) > 0);
    assert_int_equal(rig.ps.activity, MOTION_ACT_HOLDING);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_STOPPED), 1);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_DROPPED), 1);
    for (j = 0; j < g1->joint_count; j++)
        assert_true(fabs(rig.cmd.q[j] - g1->joints[j].stand) < 1e-9 && rig.cmd.dq[j] == 0);
    rt_rig_free(&rig);

    pc.blend_out = true;
    pc.has_rest_pose = true;
    for (j = 0; j < g1->joint_count; j++)
        pc.rest_pose[j] = 0.5 * (g1->joints[j].lower + g1->joints[j].upper);
    rt_rig_init(&rig, g1, &pc, NULL);
    assert_int_equal(motion_player_play(rig.player, c, NULL), MOTION_OK);
    assert_true(rt_rig_run_until_rest(&rig, 20000) > 0);
    for (i = 0; i < rig.event_count; i++)
        if (rig.events[i].type == MOTION_EVENT_ACTIVITY &&
            rig.events[i].value == MOTION_ACT_BLEND_OUT)
            break;
    assert_true(i < rig.event_count);
    for (j = 0; j < g1->joint_count; j++)
        assert_true(fabs(rig.cmd.q[j] - pc.rest_pose[j]) < 1e-9);
    rt_rig_free(&rig);
    motion_clip_free(c);
}

/* A fault drops everything and damps; after the release nothing moves until a new play. */
static void fault_drops_and_release(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_clip *a = arm_clip(g1, 10, 3, false), *b = arm_clip(g1, 11, 3, false);
    rt_rig rig;
    int i, j;

    rt_rig_init(&rig, g1, NULL, NULL);
    assert_int_equal(motion_player_play(rig.player, a, NULL), MOTION_OK);
    assert_int_equal(motion_player_play(rig.player, b, NULL), MOTION_OK);
    for (i = 0; i < 1500; i++)
        rt_rig_tick(&rig);
    motion_safety_engage(rig.safety, MOTION_FAULT_ESTOP);
    rt_rig_tick(&rig);
    /* the very next command is damping */
    for (j = 0; j < g1->joint_count; j++)
        if (rig.cmd.enable[j])
            assert_true(rig.cmd.kp[j] == 0 && rig.cmd.kd[j] > 0);
    assert_int_equal(rig.ps.activity, MOTION_ACT_DAMPING);
    assert_int_equal(rig.ps.queued, 0);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_DROPPED), 2);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_FAULT), 1);
    assert_int_equal(motion_player_play(rig.player, a, NULL), MOTION_ESTATE);
    for (i = 0; i < 100; i++) {
        rt_rig_tick(&rig);
        assert_true(rig.actions & MOTION_SAFETY_DAMPING);
    }
    motion_safety_release(rig.safety);
    assert_true(rt_rig_run_until_rest(&rig, 5000) > 0);
    assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_RELEASED), 1);
    assert_int_equal(rig.ps.activity, MOTION_ACT_IDLE);
    assert_int_equal(motion_player_play(rig.player, a, NULL), MOTION_OK);
    rt_rig_tick(&rig);
    assert_int_equal(rig.ps.activity, MOTION_ACT_BLEND_IN);
    rt_rig_free(&rig);
    motion_clip_free(a);
    motion_clip_free(b);
}

/* A stop's "then return to stand" is a request from before the fault: after the release the robot
 * must not set off to the standing pose by itself (while stopping, or asked while idle). */
static void fault_forgets_pending_return_to_stand(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_clip *a = arm_clip(g1, 12, 3, false);
    rt_rig rig;
    int i, round;

    for (round = 0; round < 2; round++) {
        rt_rig_init(&rig, g1, NULL, NULL);
        if (round == 0) {
            /* stop-and-stand while playing, e-stop while still decelerating */
            assert_int_equal(motion_player_play(rig.player, a, NULL), MOTION_OK);
            for (i = 0; i < 1000; i++)
                rt_rig_tick(&rig);
            assert_int_equal(rig.ps.activity, MOTION_ACT_PLAYING);
            motion_player_stop(rig.player, true);
            rt_rig_tick(&rig);
            assert_int_equal(rig.ps.activity, MOTION_ACT_STOPPING);
        } else {
            /* stop-and-stand asked while idle, e-stop in the same tick */
            for (i = 0; i < 10; i++)
                rt_rig_tick(&rig);
            assert_int_equal(rig.ps.activity, MOTION_ACT_IDLE);
            motion_player_stop(rig.player, true);
        }
        motion_safety_engage(rig.safety, MOTION_FAULT_ESTOP);
        for (i = 0; i < 50; i++)
            rt_rig_tick(&rig);
        assert_int_equal(rig.ps.activity, MOTION_ACT_DAMPING);
        motion_safety_release(rig.safety);
        for (i = 0; i < 3000; i++) {
            rt_rig_tick(&rig);
            assert_true(rig.ps.activity == MOTION_ACT_RELEASING ||
                        rig.ps.activity == MOTION_ACT_IDLE);
        }
        assert_int_equal(rig.ps.activity, MOTION_ACT_IDLE);
        assert_true(rig.cmd.weight == 0.0);
        rt_rig_free(&rig);
    }
    motion_clip_free(a);
}

/* After a release the arms were limp (damping) and go where gravity and the robot's controller take
 * them while the weight ramps down: a play, a play-now or a stop-and-stand asked for then starts
 * from where the arms are, not from where they were when the fault struck. */
static void after_release_start_from_measured(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_clip *a = arm_clip(g1, 13, 4, false), *b = arm_clip(g1, 14, 2, false);
    motion_play_options po;
    rt_rig rig;
    int i, j, variant;

    for (variant = 0; variant < 3; variant++) {
        double worst = 0;
        rt_rig_init(&rig, g1, NULL, NULL);
        assert_int_equal(motion_player_play(rig.player, a, NULL), MOTION_OK);
        for (i = 0; i < 1200; i++)
            rt_rig_tick(&rig);
        motion_safety_engage(rig.safety, MOTION_FAULT_ESTOP);
        for (i = 0; i < 500; i++)
            rt_rig_tick(&rig);
        motion_safety_release(rig.safety);
        for (i = 0; i < 200; i++)
            rt_rig_tick(&rig);
        assert_int_equal(rig.ps.activity, MOTION_ACT_RELEASING);
        motion_play_options_init(&po);
        po.now = variant == 1;
        if (variant < 2)
            assert_int_equal(motion_player_play(rig.player, b, &po), MOTION_OK);
        else
            motion_player_stop(rig.player, true);
        rt_rig_tick(&rig);
        assert_int_equal(rig.ps.activity, variant < 2 ? MOTION_ACT_BLEND_IN : MOTION_ACT_RETURNING);
        for (j = 0; j < g1->joint_count; j++)
            if (rig.cmd.enable[j])
                worst = fmax(worst, fabs(rig.cmd.q[j] - rig.state.q[j]));
        assert_true(worst < 0.01);
        /* and the filter never has to drag a target along */
        for (i = 0; i < 2000; i++) {
            rt_rig_tick(&rig);
            assert_false(rig.actions & (MOTION_SAFETY_RATE | MOTION_SAFETY_VELOCITY));
        }
        rt_rig_free(&rig);
    }
    motion_clip_free(a);
    motion_clip_free(b);
}

static bool is_damping(const motion_command *c)
{
    int j, enabled = 0;

    for (j = 0; j < c->joint_count; j++) {
        if (!c->enable[j])
            continue;
        enabled++;
        if (c->kp[j] != 0 || !(c->kd[j] > 0) || c->tau[j] != 0)
            return false;
    }
    return enabled > 0;
}

static void tick_until_not(rt_rig *rig, motion_activity act, int max)
{
    int i;

    for (i = 0; i < max && rig->ps.activity == act; i++)
        rt_rig_tick(rig);
    assert_true(i < max);
}

/*
 * A blend that cannot be planned in the middle of a motion - into the next queued item, into a
 * play-now, back to the standing pose after a stop - latches MOTION_FAULT_PLAN: damping from that
 * very tick, the queue dropped, plays refused, until released; then the player is idle and plays
 * again. Checked inputs never make a plan fail, so the test makes one fail by zeroing a planning
 * limit (internal.h). Before the fix the player stayed "playing" with an empty queue and crashed.
 */
static void plan_failure_damps(void **state)
{
    const mpk_robot_model *g1 = rt_model("g1-29dof");
    motion_clip *a = arm_clip(g1, 15, 3, false), *b = arm_clip(g1, 16, 2, false);
    const int broken = 12;            /* waist_yaw: commanded in arm mode, driven by both clips */
    const int dropped[3] = {1, 2, 1}; /* b; a and b; a (the stop) */
    motion_play_options po;
    motion_limits *lim;
    motion_command alone;
    rt_rig rig;
    double saved;
    int variant, i, faults_seen;

    assert_int_equal(g1->joints[broken].group, MPK_GROUP_WAIST);
    for (variant = 0; variant < 3; variant++) {
        rt_rig_init(&rig, g1, NULL, NULL);
        assert_int_equal(motion_player_play(rig.player, a, NULL), MOTION_OK);
        if (variant == 0)
            assert_int_equal(motion_player_play(rig.player, b, NULL), MOTION_OK);
        for (i = 0; i < 5000 && rig.ps.activity != MOTION_ACT_PLAYING; i++)
            rt_rig_tick(&rig);
        assert_int_equal(rig.ps.activity, MOTION_ACT_PLAYING);
        rt_rig_tick(&rig);
        lim = motion__player_plan_limits(rig.player);
        saved = lim->velocity[broken];
        lim->velocity[broken] = 0.0;
        if (variant == 0) {
            /* A speed request makes the player size its crossfade again: none fits now, so it
             * plays the clip to its end and blends into the next one - which fails. */
            assert_int_equal(motion_player_set_speed(rig.player, 1.0), MOTION_OK);
            tick_until_not(&rig, MOTION_ACT_PLAYING, 5000);
        } else if (variant == 1) {
            motion_play_options_init(&po);
            po.now = true;
            assert_int_equal(motion_player_play(rig.player, b, &po), MOTION_OK);
            rt_rig_tick(&rig);
        } else {
            motion_player_stop(rig.player, true);
            rt_rig_tick(&rig);
            tick_until_not(&rig, MOTION_ACT_STOPPING, 5000);
        }
        assert_int_equal(rig.ps.activity, MOTION_ACT_DAMPING);
        assert_true(is_damping(&rig.cmd));
        assert_true(rig.actions & MOTION_SAFETY_DAMPING);
        assert_true(rig.cmd.weight == 1.0);
        assert_int_equal(motion_player_faults(rig.player), MOTION_FAULT_PLAN);
        assert_true(motion_safety_faults(rig.safety) & MOTION_FAULT_PLAN);
        assert_int_equal(rig.ps.queued, 0);
        assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_DROPPED), dropped[variant]);
        faults_seen = 0;
        for (i = 0; i < rig.event_count; i++)
            if (rig.events[i].type == MOTION_EVENT_FAULT)
                faults_seen += (rig.events[i].faults & MOTION_FAULT_PLAN) != 0;
        assert_int_equal(faults_seen, 1);
        assert_int_equal(motion_player_play(rig.player, a, NULL), MOTION_ESTATE);
        /* The player alone (no filter passing the fault back in) keeps damping too. */
        for (i = 0; i < 3; i++) {
            motion_player_tick(rig.player, &alone, &rig.state, 0, rig.tick, rig.now);
            assert_true(is_damping(&alone));
        }
        for (i = 0; i < 100; i++) {
            rt_rig_tick(&rig);
            assert_true(rig.actions & MOTION_SAFETY_DAMPING);
            assert_int_equal(rig.ps.activity, MOTION_ACT_DAMPING);
        }
        lim->velocity[broken] = saved;
        motion_player_release(rig.player);
        motion_safety_release(rig.safety);
        assert_true(rt_rig_run_until_rest(&rig, 5000) > 0);
        assert_int_equal(rt_rig_count(&rig, MOTION_EVENT_RELEASED), 1);
        assert_int_equal(rig.ps.activity, MOTION_ACT_IDLE);
        assert_int_equal(motion_player_play(rig.player, a, NULL), MOTION_OK);
        rt_rig_tick(&rig);
        assert_int_equal(rig.ps.activity, MOTION_ACT_BLEND_IN);
        rt_rig_free(&rig);
    }
    motion_clip_free(a);
    motion_clip_free(b);
}

/* The gains of a playing clip's joints on one robot: the clip's own, or the player's defaults. */
static void playing_gains(const mpk_robot_model *m, motion_clip *c, motion_command *out)
{
    rt_rig rig;
    int i;

    rt_rig_init(&rig, m, NULL, NULL);
    assert_int_equal(motion_player_play(rig.player, c, NULL), MOTION_OK);
    for (i = 0; i < 5000 && rig.ps.activity != MOTION_ACT_PLAYING; i++)
        rt_rig_tick(&rig);
    assert_int_equal(rig.ps.activity, MOTION_ACT_PLAYING);
    rt_rig_tick(&rig);
    *out = rig.cmd;
    rt_rig_free(&rig);
}

/*
 * Joints that hold a humanoid's upper body up - waist joints whose axis is horizontal when it
 * stands: the G1's waist roll and pitch - get 3.5 times the model's stiffness (kd times its
 * square root) unless the clip brings gains; every other joint, and vertical waist axes (G1 waist
 * yaw, the H1s' torso), keeps the model's. At the model's kp 40 the G1's upper body sagged 0.3 rad
 * and fell to the roll limit in the example wave on robot-sim (docs/dds.md).
 */
static void upright_joints_default_gains(void **state)
{
    const char *ids[] = {"g1-29dof", "g1-23dof", "h1", "h1-2"};
    const double scale = 3.5;
    motion_command cmd;
    rt_rng rng;
    int i, j, upright;

    for (i = 0; i < 4; i++) {
        const mpk_robot_model *m = rt_model(ids[i]);
        motion_clip *c;
        rt_seed(&rng, 30 + (uint64_t)i);
        c = rt_random_clip(m, &rng, RT_ARMS | RT_WAIST, 50, 3, false);
        playing_gains(m, c, &cmd);
        upright = 0;
        for (j = 0; j < m->joint_count; j++) {
            const mpk_joint *jt = &m->joints[j];
            bool tilt = i == 0 && (strcmp(jt->name, "waist_roll") == 0 ||
                                   strcmp(jt->name, "waist_pitch") == 0);
            if (!cmd.enable[j])
                continue;
            upright += tilt;
            if (fabs(cmd.kp[j] - (tilt ? scale : 1.0) * jt->kp) > 1e-9 ||
                fabs(cmd.kd[j] - (tilt ? sqrt(scale) : 1.0) * jt->kd) > 1e-9)
                fail_msg("%s %s: kp %g kd %g, want %s", m->id, jt->name, cmd.kp[j], cmd.kd[j],
                         tilt ? "3.5x the model's" : "the model's");
        }
        assert_int_equal(upright, i == 0 ? 2 : 0);
        motion_clip_free(c);
    }

    /* A clip's own gains win over the defaults, upright joints included. */
    {
        const mpk_robot_model *g1 = rt_model("g1-29dof");
        mpk_track *src, *t = NULL;
        const char *names[MOTION_MAX_JOINTS];
        motion_clip *c = NULL;
        int n, k;
        rt_seed(&rng, 40);
        src = rt_random_track(g1, &rng, RT_ARMS | RT_WAIST, 50, 3, false);
        n = mpk_track_joint_count(src);
        for (k = 0; k < n; k++)
            names[k] = mpk_track_joint_name(src, k);
        assert_int_equal(
            mpk_track_new(&t, g1->id, n, names, 50, mpk_track_frame_count(src), MPK_TRACK_GAINS),
            MPK_OK);
        memcpy(mpk_track_positions(t), mpk_track_positions_const(src),
               sizeof(float) * (size_t)n * mpk_track_frame_count(src));
        for (k = 0; k < n; k++) {
            mpk_track_kp(t)[k] = 50.0f;
            mpk_track_kd(t)[k] = 1.5f;
        }
        assert_int_equal(motion_clip_from_track(&c, t, g1, "gains"), MOTION_OK);
        playing_gains(g1, c, &cmd);
        for (j = 0; j < g1->joint_count; j++)
            if (cmd.enable[j])
                assert_true(cmd.kp[j] == 50.0 && cmd.kd[j] == 1.5);
        motion_clip_free(c);
        mpk_track_free(t);
        mpk_track_free(src);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_scenarios),
        cmocka_unit_test(refusals),
        cmocka_unit_test(arm_weight_ramps),
        cmocka_unit_test(loops_and_events),
        cmocka_unit_test(pause_and_resume),
        cmocka_unit_test(speed_ramps),
        cmocka_unit_test(return_to_stand_and_blend_out),
        cmocka_unit_test(fault_drops_and_release),
        cmocka_unit_test(fault_forgets_pending_return_to_stand),
        cmocka_unit_test(after_release_start_from_measured),
        cmocka_unit_test(plan_failure_damps),
        cmocka_unit_test(upright_joints_default_gains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
