/* Byte layout of recordings (motion/record.h, docs/runtime.md), shared by writer and reader. */
#ifndef MOTION_RECORD_FORMAT_H
#define MOTION_RECORD_FORMAT_H

#include <stdint.h>
#include <string.h>

#include "motion/record.h"

/* Header offsets. */
#define REC_H_MAGIC       0
#define REC_H_VERSION     8
#define REC_H_HEADER_SIZE 12
#define REC_H_JOINTS      16
#define REC_H_RECORD_SIZE 20
#define REC_H_RATE        24
#define REC_H_MODEL       32
#define REC_H_MODEL_LEN   24
#define REC_H_FLAGS       56
#define REC_H_DROPPED     60

#define REC_FLAG_COMPLETE 1u

/* Record offsets; the arrays start at REC_R_ARRAYS. */
#define REC_R_KIND    0
#define REC_R_CHANNEL 1
#define REC_R_SEQ     4
#define REC_R_TICK    8
#define REC_R_TIME    16
#define REC_R_WEIGHT  24
#define REC_R_ARRAYS  40

static inline size_t motion__record_size(int n)
{
    return REC_R_ARRAYS + (size_t)n * 5 * 8 + ((size_t)n + 7) / 8 * 8;
}

static inline void motion__put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void motion__put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void motion__put_f64(unsigned char *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    motion__put_u64(p, v);
}

static inline uint32_t motion__get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline uint64_t motion__get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline double motion__get_f64(const unsigned char *p)
{
    uint64_t v = motion__get_u64(p);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

#endif
