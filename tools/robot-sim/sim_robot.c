/* The simulated robot: Unitree's per-motor law on a MuJoCo model, at the physics rate. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_robot.h"

#define POS_STOP      2.1e9f  /* Go family "hold no position" (2.146e9) */
#define VEL_STOP      15999.f /* Go family "hold no velocity" (16000) */
#define FALL_TILT_DEG 60.0

/* Elastic band: a spring-damper holding the root at its start pose. Strong enough to carry the
 * whole G1 (about 35 kg) with a few centimetres of sag when the legs leave the floor. */
#define BAND_K_LIN 8000.0
#define BAND_C_LIN 800.0
#define BAND_K_ROT 1500.0
#define BAND_C_ROT 150.0

/* The holding controller stands in for the robot's own: Unitree's low-level example gains (G1: per
 * leg 60,60,60,100,40,40; waist 60,40,40; arms 40; kd 1, knees 2. Go2: 60 / 5), except the G1's
 * waist roll and pitch. Those carry the upper body (16.6 kg, centre of mass 0.15 m above the axes:
 * 24 to 28 Nm/rad of gravity against kp 40, and 4.9 Nm forward at the neutral pose), so at kp 40
 * the torso leaned 0.3 rad forward before any command, where the real robot's controller keeps it
 * upright. They hold it at 3.5 times the stiffness (kd times its square root), as the runtime's
 * default gains for these joints do (runtime/src/player.c): a lean of about 0.04 rad.
 */
static const double g1_kp[29] = {60, 60, 60, 100, 40, 40, 60, 60, 60, 100, 40, 40, 60, 140, 140,
                                 40, 40, 40, 40,  40, 40, 40, 40, 40, 40,  40, 40, 40, 40};
static const double g1_kd[29] = {1, 1, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1.87, 1.87,
                                 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
static const double go2_kp[12] = {60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60};
static const double go2_kd[12] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};

static const sim_robot_info robots[] = {
    {"g1-29dof", "g1/scene_29dof.xml", 0, 35, 29, 12, 28, 5, 0.45, g1_kp, g1_kd},
    {"g1-23dof", "g1/scene_23dof.xml", 0, 35, 29, 12, 28, 4, 0.45, g1_kp, g1_kd},
    {"go2", "go2/scene.xml", 1, 20, -1, 0, -1, 0, 0.12, go2_kp, go2_kd},
};

const sim_robot_info *sim_robot_find(const char *id)
{
    for (size_t i = 0; i < sizeof(robots) / sizeof(robots[0]); i++)
        if (strcmp(robots[i].id, id) == 0)
            return &robots[i];
    return NULL;
}

void sim_robot_ids(char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(robots) / sizeof(robots[0]); i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", robots[i].id);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

static int sensor_adr(const mjModel *m, const char *name)
{
    int id = mj_name2id(m, mjOBJ_SENSOR, name);
    return id < 0 ? -1 : m->sensor_adr[id];
}

int sim_robot_open(sim_robot *r, const sim_robot_info *info, const char *models_dir,
                   double timestep, int band, double band_lift, char *err, size_t errlen)
{
    char path[4096], merr[1000] = "";
    int key;

    memset(r, 0, sizeof(*r));
    r->info = info;
    if (snprintf(path, sizeof(path), "%s/%s", models_dir, info->scene) >= (int)sizeof(path)) {
        snprintf(err, errlen, "models folder path too long");
        return -1;
    }
    r->m = mj_loadXML(path, NULL, merr, sizeof(merr));
    if (!r->m) {
        snprintf(err, errlen, "%s: %s", path, merr);
        return -1;
    }
    r->nu = r->m->nu;
    if (r->nu > info->slots || r->nu > SIM_MAX_SLOTS) {
        snprintf(err, errlen, "%s: %d actuators, but %s has %d motor slots", path, r->nu, info->id,
                 info->slots);
        goto fail;
    }
    if (r->m->njnt < 1 || r->m->jnt_type[0] != mjJNT_FREE) {
        snprintf(err, errlen, "%s: the first joint must be the floating base", path);
        goto fail;
    }
    for (int i = 0; i < r->nu; i++) {
        int j = r->m->actuator_trnid[2 * i];
        if (r->m->actuator_trntype[i] != mjTRN_JOINT || r->m->jnt_type[j] != mjJNT_HINGE) {
            snprintf(err, errlen, "%s: actuator %d does not drive a hinge joint", path, i);
            goto fail;
        }
        r->qadr[i] = r->m->jnt_qposadr[j];
        r->vadr[i] = r->m->jnt_dofadr[j];
    }
    r->m->opt.timestep = timestep;
    r->d = mj_makeData(r->m);
    if (!r->d) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    /* Start in the model's "home" keyframe when it has one (the Go2 standing), else at zero. */
    key = mj_name2id(r->m, mjOBJ_KEY, "home");
    if (key >= 0)
        mj_resetDataKeyframe(r->m, r->d, key);
    mj_forward(r->m, r->d);
    r->root_body = r->m->jnt_bodyid[0];
    for (int i = 0; i < r->nu; i++)
        r->hold_q[i] = r->d->qpos[r->qadr[i]];
    memcpy(r->root_pos0, r->d->qpos, sizeof(r->root_pos0));
    if (band)
        r->root_pos0[2] += band_lift;
    memcpy(r->root_quat0, r->d->qpos + 3, sizeof(r->root_quat0));
    r->sensor_quat = sensor_adr(r->m, "imu_quat");
    r->sensor_gyro = sensor_adr(r->m, "imu_gyro");
    r->sensor_acc = sensor_adr(r->m, "imu_acc");
    r->band = band;
    return 0;
fail:
    mj_deleteModel(r->m);
    r->m = NULL;
    return -1;
}

void sim_robot_close(sim_robot *r)
{
    if (r->d)
        mj_deleteData(r->d);
    if (r->m)
        mj_deleteModel(r->m);
    r->d = NULL;
    r->m = NULL;
}

/* Unitree's motor law; the Go family's stop values switch a term off. */
static double motor_law(const sim_motor_cmd *c, double q, double dq)
{
    double tau = c->tau;

    if (fabsf(c->q) < POS_STOP)
        tau += c->kp * (c->q - q);
    if (fabsf(c->dq) < VEL_STOP)
        tau += c->kd * (c->dq - dq);
    return isfinite(tau) ? tau : 0.0;
}

static void apply_band(sim_robot *r)
{
    const double *pos = r->d->qpos, *quat = r->d->qpos + 3;
    const double *vel = r->d->qvel, *omega = r->d->qvel + 3; /* omega in the body frame */
    double *f = r->d->xfrc_applied + 6 * r->root_body;
    double rot[3], torque_local[3];

    for (int k = 0; k < 3; k++)
        f[k] = BAND_K_LIN * (r->root_pos0[k] - pos[k]) - BAND_C_LIN * vel[k];
    mju_subQuat(rot, r->root_quat0, quat);
    for (int k = 0; k < 3; k++)
        torque_local[k] = BAND_K_ROT * rot[k] - BAND_C_ROT * omega[k];
    mju_rotVecQuat(f + 3, torque_local, quat);
}

void sim_robot_step(sim_robot *r, const sim_command *full, const sim_command *arm)
{
    const sim_robot_info *info = r->info;
    double weight = 0.0;

    if (arm && arm->valid && info->weight_slot >= 0) {
        weight = arm->motor[info->weight_slot].q;
        weight = isfinite(weight) ? fmin(fmax(weight, 0.0), 1.0) : 0.0;
    }
    for (int i = 0; i < r->nu; i++) {
        double q = r->d->qpos[r->qadr[i]], dq = r->d->qvel[r->vadr[i]];
        double tau;

        if (full && full->valid) {
            tau = full->motor[i].mode ? motor_law(&full->motor[i], q, dq) : 0.0;
        } else {
            tau = info->hold_kp[i] * (r->hold_q[i] - q) - info->hold_kd[i] * dq;
            if (weight > 0.0 && i >= info->upper_first && i <= info->upper_last)
                tau = (1.0 - weight) * tau + weight * motor_law(&arm->motor[i], q, dq);
        }
        r->d->ctrl[i] = tau; /* MuJoCo clamps to the actuator's effort range */
    }
    if (r->band)
        apply_band(r);
    mj_step(r->m, r->d);
}

void sim_robot_root(const sim_robot *r, double *height, double *tilt_deg)
{
    const double *q = r->d->qpos + 3; /* w x y z */
    double up = 1.0 - 2.0 * (q[1] * q[1] + q[2] * q[2]);

    *height = r->d->qpos[2];
    *tilt_deg = acos(fmin(fmax(up, -1.0), 1.0)) * 180.0 / M_PI;
}

int sim_robot_check_fall(sim_robot *r)
{
    double height, tilt;

    if (r->fallen || r->band)
        return 0;
    sim_robot_root(r, &height, &tilt);
    if (height < r->info->fall_height || tilt > FALL_TILT_DEG) {
        r->fallen = 1;
        r->fall_time = r->d->time;
        return 1;
    }
    return 0;
}

void sim_robot_state(const sim_robot *r, sim_state *out)
{
    const mjData *d = r->d;
    const double *sd = d->sensordata;
    double w, x, y, z;

    memset(out, 0, sizeof(*out));
    out->tick = (uint32_t)(d->time * 1000.0 + 0.5);
    for (int i = 0; i < r->nu; i++) {
        out->q[i] = (float)d->qpos[r->qadr[i]];
        out->dq[i] = (float)d->qvel[r->vadr[i]];
        out->ddq[i] = (float)d->qacc[r->vadr[i]];
        out->tau[i] = (float)d->actuator_force[i];
        out->mode[i] = 1;
    }
    if (r->sensor_quat >= 0) {
        w = sd[r->sensor_quat], x = sd[r->sensor_quat + 1];
        y = sd[r->sensor_quat + 2], z = sd[r->sensor_quat + 3];
    } else {
        w = d->qpos[3], x = d->qpos[4], y = d->qpos[5], z = d->qpos[6];
    }
    out->quat[0] = (float)w, out->quat[1] = (float)x, out->quat[2] = (float)y;
    out->quat[3] = (float)z;
    for (int k = 0; k < 3; k++) {
        out->gyro[k] = r->sensor_gyro >= 0 ? (float)sd[r->sensor_gyro + k] : 0.f;
        out->acc[k] = r->sensor_acc >= 0 ? (float)sd[r->sensor_acc + k] : 0.f;
    }
    out->rpy[0] = (float)atan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y));
    out->rpy[1] = (float)asin(fmin(fmax(2.0 * (w * y - z * x), -1.0), 1.0));
    out->rpy[2] = (float)atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z));
}
