/*
 * CRC of Unitree's low-level messages (the `crc` field, last in LowCmd_ and LowState_).
 *
 * Computed over the message laid out as its naturally aligned little-endian C struct (padding
 * zero), taken as 32-bit words, every word but the final crc: CRC-32 with polynomial 0x04C11DB7,
 * initial value 0xFFFFFFFF, no reflection and no final xor, each word fed most significant bit
 * first. That equals CRC-32/MPEG-2 over each word written big-endian.
 */
#ifndef MOTION_DDS_UNITREE_CRC_H
#define MOTION_DDS_UNITREE_CRC_H

#include <stddef.h>
#include <stdint.h>

/** CRC-32/MPEG-2 of a byte string (the algorithm's check value: "123456789" -> 0x0376E6E7). */
uint32_t motion__crc32_mpeg2(const void *data, size_t size);

/**
 * Unitree's message CRC: the words of a message struct, all but the last (the crc field itself).
 * @param msg   the struct, 4-byte aligned, size a multiple of 4
 * @param size  sizeof the struct
 */
uint32_t motion__unitree_crc(const void *msg, size_t size);

#endif
