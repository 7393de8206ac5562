/* Unitree's message CRC: CRC-32/MPEG-2 over 32-bit words, most significant bit first. */
#include <pthread.h>
#include <string.h>

#include "unitree_crc.h"

#define POLY 0x04C11DB7u

/* Table for one byte at a time, most significant bit first, built once on first use. */
static uint32_t crc_table[256];
static pthread_once_t crc_table_once = PTHREAD_ONCE_INIT;

static void crc_table_init(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b << 24;
        for (int i = 0; i < 8; i++)
            c = (c & 0x80000000u) ? (c << 1) ^ POLY : c << 1;
        crc_table[b] = c;
    }
}

static uint32_t crc_byte(uint32_t crc, uint8_t byte)
{
    return (crc << 8) ^ crc_table[((crc >> 24) ^ byte) & 0xFFu];
}

uint32_t motion__crc32_mpeg2(const void *data, size_t size)
{
    const uint8_t *p = data;
    uint32_t crc = 0xFFFFFFFFu;

    pthread_once(&crc_table_once, crc_table_init);
    for (size_t i = 0; i < size; i++)
        crc = crc_byte(crc, p[i]);
    return crc;
}

uint32_t motion__unitree_crc(const void *msg, size_t size)
{
    const uint8_t *p = msg;
    uint32_t crc = 0xFFFFFFFFu;

    pthread_once(&crc_table_once, crc_table_init);
    /* Each little-endian word is fed from its most significant byte down. */
    for (size_t w = 0; w + 1 < size / 4; w++) {
        uint32_t word;
        memcpy(&word, p + 4 * w, 4);
        crc = crc_byte(crc, (uint8_t)(word >> 24));
        crc = crc_byte(crc, (uint8_t)(word >> 16));
        crc = crc_byte(crc, (uint8_t)(word >> 8));
        crc = crc_byte(crc, (uint8_t)word);
    }
    return crc;
}
