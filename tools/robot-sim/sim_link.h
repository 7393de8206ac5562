/*
 * robot-sim's DDS side: takes LowCmd_ from rt/lowcmd and rt/arm_sdk (rejecting and counting bad
 * CRCs, as a real robot does) and publishes LowState_ with its CRC on rt/lowstate.
 */
#ifndef ROBOT_SIM_LINK_H
#define ROBOT_SIM_LINK_H

#include <stdint.h>

#include "dds_domain.h"
#include "unitree_msgs.h"
#include "sim_robot.h"

typedef struct sim_link_stats {
    uint64_t lowcmd, lowcmd_bad_crc;   /**< samples taken from rt/lowcmd, of which bad CRC */
    uint64_t arm_sdk, arm_sdk_bad_crc; /**< samples taken from rt/arm_sdk, of which bad CRC */
    uint64_t states, write_errors;     /**< LowState_ published, failed writes */
    uint64_t repeated_tick;         /**< states published with the tick of the one before (the tick
                                         counts milliseconds: a state rate above 1 kHz repeats it) */
    uint64_t mode_machine_mismatch; /**< commands whose mode_machine differed from ours */
} sim_link_stats;

typedef struct sim_link {
    int family;
    int slots;
    uint8_t mode_machine;
    motion__dds_node node;
    dds_entity_t lowcmd_reader, arm_reader, state_writer;
    sim_link_stats stats;
    uint32_t last_tick; /* of the last state published, valid once stats.states > 0 */
    union {
        unitree_hg_msg_dds__LowCmd_ hg;
        unitree_go_msg_dds__LowCmd_ go;
    } rx;
    union {
        unitree_hg_msg_dds__LowState_ hg;
        unitree_go_msg_dds__LowState_ go;
    } tx;
} sim_link;

/** @return 0, or -1 with a message in err */
int sim_link_open(sim_link *l, const sim_robot_info *info, uint32_t domain, const char *iface,
                  uint8_t mode_machine, char *err, size_t errlen);

void sim_link_close(sim_link *l);

/** Takes every waiting command; the newest valid one of each topic replaces full / arm. */
void sim_link_poll(sim_link *l, sim_command *full, sim_command *arm);

/** Publishes one LowState_. */
void sim_link_publish(sim_link *l, const sim_state *s);

#endif
