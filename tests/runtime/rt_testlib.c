#include "rt_testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

void rt_seed(rt_rng *r, uint64_t seed)
{
    r->s = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    if (!r->s)
        r->s = 1;
}

uint64_t rt_next(rt_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}

double rt_uniform(rt_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(rt_next(r) >> 11) / 9007199254740992.0);
}

int rt_int(rt_rng *r, int lo, int hi)
{
    return lo + (int)(rt_next(r) % (uint64_t)(hi - lo + 1));
}

const mpk_robot_model *rt_model(const char *id)
{
    const mpk_robot_model *m = mpk_robot_find(id);
    if (!m)
        fail_msg("robot model %s: %s", id, mpk_error_message());
    return m;
}

mpk_track *rt_random_track(const mpk_robot_model *m, rt_rng *r, unsigned groups, double rate,
                           double duration, bool loopable)
{
    const char *names[MOTION_MAX_JOINTS];
    int idx[MOTION_MAX_JOINTS], n = 0, j, k;
    uint32_t frames = (uint32_t)llround(duration * rate) + 1, f;
    mpk_track *t = NULL;
    float *pos;

    for (j = 0; j < m->joint_count; j++) {
        if (groups & (1u << m->joints[j].group)) {
            names[n] = m->joints[j].name;
            idx[n++] = j;
        }
    }
    assert_true(n > 0);
    assert_int_equal(mpk_track_new(&t, m->id, n, names, rate, frames, 0), MPK_OK);
    pos = mpk_track_positions(t);
    for (k = 0; k < n; k++) {
        const mpk_joint *jt = &m->joints[idx[k]];
        double lo = jt->lower + 0.1, hi = jt->upper - 0.1, range = hi - lo;
        double f1, f2, a1, a2, p1, p2, c, w1, w2, amp;
        if (loopable) {
            double period = (frames - 1) / rate; /* the track's own length, exactly */
            f1 = rt_int(r, 1, 3) / period;
            f2 = rt_int(r, 1, 5) / period;
            p1 = p2 = 0;
        } else {
            f1 = rt_uniform(r, 0.1, 0.8);
            f2 = rt_uniform(r, 0.1, 1.2);
            p1 = rt_uniform(r, 0, 2 * M_PI);
            p2 = rt_uniform(r, 0, 2 * M_PI);
        }
        w1 = 2 * M_PI * f1;
        w2 = 2 * M_PI * f2;
        /* Each sine gets half of the budgets: range, 20% velocity, 5% acceleration (monotone
         * interpolation can triple accelerations near extrema, speed 2 quadruples them). */
        amp = fmin(0.2 * range, 0.5 * 0.2 * jt->velocity / fmax(w1, w2));
        amp = fmin(amp, 0.5 * 0.05 * jt->acceleration / (fmax(w1, w2) * fmax(w1, w2)));
        a1 = amp * rt_uniform(r, 0.3, 1.0);
        a2 = amp * rt_uniform(r, 0.0, 1.0);
        c = rt_uniform(r, lo + a1 + a2, hi - a1 - a2);
        for (f = 0; f < frames; f++) {
            double t_s = f / rate;
            pos[(size_t)f * n + k] = (float)(c + a1 * sin(w1 * t_s + p1) + a2 * sin(w2 * t_s + p2));
        }
        if (loopable)
            pos[(size_t)(frames - 1) * n + k] = pos[k];
    }
    return t;
}

motion_clip *rt_random_clip(const mpk_robot_model *m, rt_rng *r, unsigned groups, double rate,
                            double duration, bool loopable)
{
    mpk_track *t = rt_random_track(m, r, groups, rate, duration, loopable);
    motion_clip *c = NULL;
    int err = motion_clip_from_track(&c, t, m, "random");

    if (err != MOTION_OK)
        fail_msg("clip: %s", motion_error_message());
    motion_clip_set_permissions(c, MPK_PERM_FULL_BODY);
    mpk_track_free(t);
    return c;
}

void rt_write_package(const char *path, const char *id, mpk_track **tracks,
                      const char *const *names, int count, unsigned permissions)
{
    mpk_manifest m;
    mpk_text name = {"en", "Test motions"}, desc = {"en", "Motions made by the runtime tests."};
    mpk_motion_info motions[8];
    mpk_package_input inputs[8];
    char *robots[8];
    char files[8][80];
    void *data[8];
    size_t size[8];
    mpk_key *key = NULL;
    int i, k, nrobots = 0;

    assert_true(count >= 1 && count <= 8);
    memset(&m, 0, sizeof(m));
    memset(motions, 0, sizeof(motions));
    m.format = MPK_MANIFEST_FORMAT;
    m.id = (char *)id;
    m.version = "1.0.0";
    m.names = &name;
    m.name_count = 1;
    m.descriptions = &desc;
    m.description_count = 1;
    m.author = "Runtime tests";
    m.license = "CC0-1.0";
    m.category = "gesture";
    m.permissions = permissions;
    m.min_runtime = "0.1.0";
    for (i = 0; i < count; i++) {
        const char *robot = mpk_track_robot(tracks[i]);
        bool seen = false;
        for (k = 0; k < nrobots; k++)
            seen = seen || strcmp(robots[k], robot) == 0;
        if (!seen)
            robots[nrobots++] = (char *)robot;
        snprintf(files[i], sizeof(files[i]), "motions/%s.mpkt", names[i]);
        motions[i].name = (char *)names[i];
        motions[i].file = files[i];
        motions[i].robot = (char *)robot;
        motions[i].duration = mpk_track_duration(tracks[i]);
        motions[i].rate = mpk_track_rate(tracks[i]);
        motions[i].joint_count = mpk_track_joint_count(tracks[i]);
        motions[i].joints = calloc((size_t)motions[i].joint_count, sizeof(char *));
        assert_non_null(motions[i].joints);
        for (k = 0; k < motions[i].joint_count; k++)
            motions[i].joints[k] = (char *)mpk_track_joint_name(tracks[i], k);
        assert_int_equal(mpk_track_serialize(&data[i], &size[i], tracks[i]), MPK_OK);
        inputs[i].path = files[i];
        inputs[i].data = data[i];
        inputs[i].size = size[i];
    }
    m.robots = robots;
    m.robot_count = (size_t)nrobots;
    m.motions = motions;
    m.motion_count = (size_t)count;
    assert_int_equal(mpk_key_generate(&key), MPK_OK);
    if (mpk_package_write(path, &m, inputs, (size_t)count, key) != MPK_OK)
        fail_msg("package %s: %s", path, mpk_error_message());
    /* mpk_package_write replaced m.files with its own list. */
    for (size_t f = 0; f < m.file_count; f++)
        free(m.files[f].path);
    free(m.files);
    for (i = 0; i < count; i++) {
        free(motions[i].joints);
        free(data[i]);
    }
    mpk_key_free(key);
}

static void rig_event(void *user, const motion_event *ev)
{
    rt_rig *rig = user;
    if (rig->event_count < RT_MAX_EVENTS)
        rig->events[rig->event_count++] = *ev;
}

void rt_rig_init(rt_rig *rig, const mpk_robot_model *m, const motion_player_config *pc,
                 const char *const *sim_options)
{
    motion_player_config defaults;
    motion_player_callbacks cb = {rig_event, NULL, rig};
    int err;

    memset(rig, 0, sizeof(*rig));
    if (!pc) {
        motion_player_config_init(&defaults);
        pc = &defaults;
    }
    rig->model = m;
    err = motion_backend_open(&rig->backend, "sim", m, pc->rate_hz, sim_options);
    if (err != MOTION_OK)
        fail_msg("sim: %s", motion_error_message());
    err = motion_player_new(&rig->player, m, pc);
    if (err != MOTION_OK)
        fail_msg("player: %s", motion_error_message());
    err = motion_safety_new(&rig->safety, m, motion_player_channel(rig->player), pc->rate_hz, NULL);
    if (err != MOTION_OK)
        fail_msg("safety: %s", motion_error_message());
    motion_player_set_callbacks(rig->player, &cb);
    rig->period = llround(1e9 / pc->rate_hz);
    rig->now = 5000000000ll;
}

void rt_rig_tick(rt_rig *rig)
{
    motion_state fresh;
    const motion_state *st;
    unsigned faults;

    /* The same steps as the loop's tick (src/loop.c). */
    if (motion_backend_read_state(rig->backend, &fresh, rig->now) == MOTION_OK) {
        rig->state = fresh;
        rig->have_state = true;
    }
    st = rig->have_state ? &rig->state : NULL;
    faults = motion_safety_check_state(rig->safety, st, rig->now);
    rig->prev = rig->cmd;
    rig->have_prev = rig->tick > 0;
    rig->prev_act = rig->ps.activity;
    motion_player_tick(rig->player, &rig->cmd, st, faults, rig->tick, rig->now);
    if (motion_player_faults(rig->player))
        motion_safety_engage(rig->safety, motion_player_faults(rig->player));
    rig->actions = motion_safety_apply(rig->safety, &rig->cmd, st, rig->now);
    rig->actions_all |= rig->actions;
    assert_int_equal(motion_backend_write(rig->backend, &rig->cmd), MOTION_OK);
    motion_player_status_get(rig->player, &rig->ps);
    rig->tick++;
    rig->now += rig->period;
}

int rt_rig_run_until_rest(rt_rig *rig, int max)
{
    int i;

    for (i = 0; i < max; i++) {
        rt_rig_tick(rig);
        if (rig->ps.queued == 0 &&
            (rig->ps.activity == MOTION_ACT_IDLE || rig->ps.activity == MOTION_ACT_HOLDING))
            return i + 1;
    }
    return -1;
}

int rt_rig_count(const rt_rig *rig, motion_event_type type)
{
    int i, n = 0;

    for (i = 0; i < rig->event_count; i++)
        n += rig->events[i].type == type;
    return n;
}

void rt_rig_free(rt_rig *rig)
{
    motion_player_free(rig->player);
    motion_safety_free(rig->safety);
    motion_backend_free(rig->backend);
}
