/*
 * The simulated robot: a MuJoCo model whose actuator i is motor slot i (the order of Unitree's
 * <motor> elements is the SDK motor order), driven by Unitree's per-motor law
 * tau + kp (q - q_measured) + kd (dq - dq_measured), with a holding controller standing in for the
 * robot's own controller, an optional elastic band on the pelvis, and fall detection.
 */
#ifndef ROBOT_SIM_ROBOT_H
#define ROBOT_SIM_ROBOT_H

#include <stdint.h>

#include <mujoco/mujoco.h>

#define SIM_MAX_SLOTS 35

/** Built-in facts of a simulated robot. */
typedef struct sim_robot_info {
    const char *id;        /**< "g1-29dof", "g1-23dof", "go2" */
    const char *scene;     /**< scene file under the models folder */
    int family;            /**< 0 unitree_hg, 1 unitree_go */
    int slots;             /**< motor slots in LowCmd_ (35 or 20) */
    int weight_slot;       /**< arm_sdk blend-weight slot, -1 without arm_sdk */
    int upper_first;       /**< first slot arm_sdk may drive (waist and arms) */
    int upper_last;        /**< last slot arm_sdk may drive */
    int mode_machine;      /**< what the real robot reports in LowState_.mode_machine */
    double fall_height;    /**< a root below this height (m) is a fall */
    const double *hold_kp; /**< holding controller gains per actuator */
    const double *hold_kd;
} sim_robot_info;

/** One motor's command, as received. */
typedef struct sim_motor_cmd {
    uint8_t mode;
    float q, dq, tau, kp, kd;
} sim_motor_cmd;

/** A decoded LowCmd_ (either family). */
typedef struct sim_command {
    int valid;
    uint8_t mode_machine;
    sim_motor_cmd motor[SIM_MAX_SLOTS];
} sim_command;

/** What the robot publishes in LowState_. */
typedef struct sim_state {
    uint32_t tick; /**< milliseconds of simulated time */
    float q[SIM_MAX_SLOTS], dq[SIM_MAX_SLOTS], ddq[SIM_MAX_SLOTS], tau[SIM_MAX_SLOTS];
    uint8_t mode[SIM_MAX_SLOTS];
    float quat[4]; /**< w x y z */
    float gyro[3], acc[3], rpy[3];
} sim_state;

typedef struct sim_robot {
    const sim_robot_info *info;
    mjModel *m;
    mjData *d;
    int nu;
    int root_body;           /**< body of the free joint (pelvis / base) */
    int qadr[SIM_MAX_SLOTS]; /**< qpos address of actuator i's joint */
    int vadr[SIM_MAX_SLOTS]; /**< qvel address */
    double hold_q[SIM_MAX_SLOTS];
    double root_pos0[3], root_quat0[4];
    int sensor_quat, sensor_gyro, sensor_acc; /**< sensordata addresses, -1 if absent */
    int band;                                 /**< elastic band on */
    int fallen;                               /**< a fall was detected */
    double fall_time;
} sim_robot;

/** @return the built-in robot with this id, or NULL. */
const sim_robot_info *sim_robot_find(const char *id);

/** Writes the known ids, comma separated, into buf. */
void sim_robot_ids(char *buf, size_t size);

/**
 * Loads the robot's scene from models_dir and checks that its actuators fit the motor slots.
 * band: hold the root with the elastic band, band_lift metres above its start height (so the
 * feet hang free and legs can move without pushing against the floor).
 * @return 0, or -1 with a message in err naming the file
 */
int sim_robot_open(sim_robot *r, const sim_robot_info *info, const char *models_dir,
                   double timestep, int band, double band_lift, char *err, size_t errlen);

void sim_robot_close(sim_robot *r);

/**
 * One physics step. full: the latest rt/lowcmd (NULL before any); arm: the latest rt/arm_sdk (NULL
 * before any). With a full command every slot follows it; otherwise the holding controller drives
 * every joint and arm_sdk's upper-body slots are blended over it by the weight in its weight slot.
 */
void sim_robot_step(sim_robot *r, const sim_command *full, const sim_command *arm);

/** Fills the state to publish. */
void sim_robot_state(const sim_robot *r, sim_state *out);

/** @return 1 the first time a fall is seen (root below fall height or tilted beyond 60 degrees). */
int sim_robot_check_fall(sim_robot *r);

/** Height (m) and tilt (degrees) of the root, for reports. */
void sim_robot_root(const sim_robot *r, double *height, double *tilt_deg);

#endif
