/**
 * @file motion/record.h
 * @brief Recordings of every command and state: the "record" backend's file format and a reader.
 *
 * The "record" backend wraps another backend (option inner=NAME, default "sim") and writes every
 * command sent and every new state received to a file (option path=FILE). The format is specified
 * in docs/runtime.md; in short, all little-endian:
 *
 *   header (64 bytes): "MOTREC1\n", u32 version (1), u32 header size (64), u32 joint count n,
 *   u32 record size, f64 control rate (Hz), char[24] robot model id (NUL-padded), u32 flags
 *   (bit 0: closed cleanly), u32 records dropped because the writer fell behind.
 *
 *   records (record size bytes each): u8 kind (1 command, 2 state), u8 channel (command) or
 *   has-IMU (state), u16 zero, u32 state sequence number (0 for commands), u64 tick, i64 time (ns,
 *   CLOCK_MONOTONIC: the command's tick time or the state's stamp), f64 weight (commands),
 *   f64 reserved, then f64 q[n], dq[n], kp[n], kd[n], tau[n] (states: measured q, dq, tau; kp and
 *   kd zero), then u8 enable[n] (states: zero), zero-padded to a multiple of 8 bytes.
 *
 * The tick never writes the file: records go to a ring buffer allocated at open and a writer
 * thread drains it, so recording adds no I/O to the control loop.
 */
#ifndef MOTION_RECORD_H
#define MOTION_RECORD_H

#include <stdbool.h>
#include "motion/backend.h"
#include "motion/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MOTION_RECORD_MAGIC       "MOTREC1\n"
#define MOTION_RECORD_VERSION     1
#define MOTION_RECORD_HEADER_SIZE 64

/** Record kinds. */
typedef enum motion_record_kind {
    MOTION_RECORD_COMMAND = 1,
    MOTION_RECORD_STATE = 2
} motion_record_kind;

/** What the header says. */
typedef struct motion_record_info {
    int joint_count;
    double rate_hz;
    char model[25];   /**< robot model id */
    bool complete;    /**< the recorder closed the file cleanly */
    uint32_t dropped; /**< records lost because the writer fell behind */
    uint64_t records; /**< whole records in the file */
    size_t record_size;
} motion_record_info;

/** One record. */
typedef struct motion_record_entry {
    motion_record_kind kind;
    uint64_t tick;          /**< the loop tick that sent the command or read the state */
    motion_command command; /**< valid for MOTION_RECORD_COMMAND */
    motion_state state;     /**< valid for MOTION_RECORD_STATE (q, dq, tau, stamp_ns, seq) */
} motion_record_entry;

typedef struct motion_record_reader motion_record_reader;

/** Opens a recording; checks the header. Errors name the file and the field. */
MOTION_API MOTION_WUR int motion_record_open(motion_record_reader **out, const char *path);

/** Same over a buffer in memory (copied). */
MOTION_API MOTION_WUR int motion_record_open_buffer(motion_record_reader **out, const void *data,
                                                    size_t size);

MOTION_API const motion_record_info *motion_record_info_get(const motion_record_reader *reader);

/**
 * Reads the next record. A bad record is reported (MOTION_EFORMAT, naming its index) and skipped:
 * the next call reads the record after it, from a file as from a buffer. A file that became
 * shorter than at open gives MOTION_EIO, and the next call tries that record again.
 * @return 1 with *out filled, 0 at the end, or a negative error (*out untouched)
 */
MOTION_API MOTION_WUR int motion_record_next(motion_record_reader *reader,
                                             motion_record_entry *out);

MOTION_API void motion_record_close(motion_record_reader *reader);

#ifdef __cplusplus
}
#endif
#endif
