/*
 * The robot end of Unitree's low-level DDS protocol, for libmotion's DDS backend and the DDS
 * benchmarks: publishes LowCmd_ on rt/lowcmd (full mode) or rt/arm_sdk (arm mode, when the robot
 * has a weight slot) and keeps the newest valid LowState_ from rt/lowstate.
 *
 * Threads: write() and state() belong to the control loop; LowState_ arrives on CycloneDDS's
 * receive thread, which checks its CRC and hands it over through a lock-free triple buffer, so
 * state() never waits. write() fills a message preallocated at open and allocates nothing itself,
 * but the dds_write it calls is CycloneDDS's: it allocates (the serialised sample, its history
 * entry) and takes the writer's lock, which CycloneDDS's receive and event threads also take to
 * handle the reliable writer's acknowledgements and heartbeats, so a tick can wait for them (at
 * normal priority). That is the one place a tick allocates or may wait; avoiding it would need
 * CycloneDDS's loan API, which 0.10 offers only over shared memory.
 */
#ifndef MOTION_DDS_LINK_H
#define MOTION_DDS_LINK_H

#include <stddef.h>
#include <stdint.h>

#define MOTION_DDS_LINK_SLOTS 35

typedef struct motion__dds_link motion__dds_link;

typedef enum motion__dds_family { MOTION__DDS_HG = 0, MOTION__DDS_GO = 1 } motion__dds_family;

typedef struct motion__dds_link_config {
    motion__dds_family family; /**< message family: hg (35 slots) or go (20 slots) */
    uint32_t domain;           /**< DDS domain id (robot: 0) */
    const char *iface;         /**< network interface, NULL for CYCLONEDDS_URI / defaults */
    int weight_slot;           /**< slot whose q carries the arm_sdk blend weight; -1: the robot
                                    has no rt/arm_sdk (no writer is created for it) */
} motion__dds_link_config;

/** One motor slot's command. */
typedef struct motion__dds_motor {
    float q, dq, tau, kp, kd;
    uint8_t mode; /**< 1 enable, 0 disable */
    uint8_t
        used; /**< 0: the slot is not one of the robot's motors (zeros, or the go stop values) */
} motion__dds_motor;

/** The newest valid LowState_, as the control loop sees it. */
typedef struct motion__dds_state {
    uint64_t received_ns; /**< CLOCK_MONOTONIC time of receipt */
    uint64_t count;       /**< valid states received so far, this one included */
    uint32_t tick;        /**< robot's tick */
    uint8_t mode_machine;
    float q[MOTION_DDS_LINK_SLOTS], dq[MOTION_DDS_LINK_SLOTS], tau_est[MOTION_DDS_LINK_SLOTS];
    uint8_t motor_mode[MOTION_DDS_LINK_SLOTS];
    float quat[4]; /**< w x y z */
    float gyro[3], acc[3], rpy[3];
} motion__dds_state;

typedef struct motion__dds_stats {
    uint64_t sent;          /**< commands written */
    uint64_t write_errors;  /**< dds_write failures */
    uint64_t received;      /**< LowState_ samples received */
    uint64_t bad_crc;       /**< of which rejected for a wrong CRC */
    uint64_t repeated_tick; /**< good states whose tick equals the previous good state's (the
                                 robot sent an old measurement again; still handed over) */
} motion__dds_stats;

/**
 * Opens the participant, the command writer and the state reader.
 * @param[out] out  the link (untouched on failure)
 * @return 0, or -1 with a message in err naming the setting
 */
int motion__dds_link_open(motion__dds_link **out, const motion__dds_link_config *cfg, char *err,
                          size_t errlen);

/** Closes everything; NULL is fine. */
void motion__dds_link_close(motion__dds_link *l);

/** @return number of motor slots of the link's family (35 or 20). */
int motion__dds_link_slots(const motion__dds_link *l);

/**
 * Publishes one LowCmd_: motors[0..slots-1], mode_machine echoed from the newest state, the go
 * header, the CRC; on rt/arm_sdk when arm is set, with the weight (clamped to 0..1) in the weight
 * slot, else on rt/lowcmd.
 * @return 0, or -1 if the write failed or arm mode has no weight slot (counted)
 */
int motion__dds_link_write(motion__dds_link *l, const motion__dds_motor *motors, int arm,
                           double weight);

/**
 * Copies the newest valid state. Called from one thread only (the control loop).
 * @return 1 when a state has arrived, 0 before the first one
 */
int motion__dds_link_state(motion__dds_link *l, motion__dds_state *out);

/** @return readers matched with the writer of rt/lowcmd (arm: rt/arm_sdk), or -1 on error. */
int motion__dds_link_matched(const motion__dds_link *l, int arm);

/**
 * The receive path's check and decoding of one LowState_ (what the receive thread does with each
 * sample; exposed for the tests and the fuzzer).
 * @param msg  a unitree_hg or unitree_go LowState_ (by family) as CycloneDDS filled it, padding
 *             zero
 * @return 1 when its CRC holds and out holds the decoded state, 0 when not (out untouched)
 */
int motion__dds_lowstate_decode(motion__dds_state *out, motion__dds_family family, const void *msg,
                                uint64_t received_ns, uint64_t count);

/** Counters; any thread. */
void motion__dds_link_stats(const motion__dds_link *l, motion__dds_stats *out);

/** The message just written (the bytes the CRC covered), for tests and the raw dump. */
const void *motion__dds_link_last_message(const motion__dds_link *l, size_t *size);

/**
 * Fills a message struct from motor commands exactly as write() does (no I/O). Exposed for tests.
 * @param msg  a unitree_hg LowCmd_ or unitree_go LowCmd_ (by family)
 */
void motion__dds_pack_lowcmd(void *msg, motion__dds_family family, const motion__dds_motor *motors,
                             int arm, int weight_slot, double weight, uint8_t mode_machine);

#endif
