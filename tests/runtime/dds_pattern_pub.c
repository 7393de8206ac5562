/*
 * dds_pattern_pub: publishes LowCmd_ samples with known contents through the DDS backend's link
 * (runtime/dds/dds_link.c), so tests/runtime/dds_bytes.py can decode the captured bytes with an
 * independent reader and compare every field with what was sent.
 *
 * usage: dds_pattern_pub --domain N --family hg|go [--arm WEIGHT_SLOT] [--count N] [--rate HZ]
 * Sample s (1..N), used slot i (hg 0..28, go 0..11): mode 1, q = s for slot 0 and
 * 0.001 s + 0.01 i otherwise, dq = -0.5 i, tau = 0.25 i, kp = 10 + i, kd = 0.5 + 0.125 i; other
 * slots unused. Arm mode: weight (s mod 11) / 10. Waits for a LowState_ first, so mode_machine is
 * echoed from the robot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dds_link.h"

int main(int argc, char **argv)
{
    motion__dds_link_config cfg = {MOTION__DDS_HG, 0, "lo", -1};
    int arm = 0;
    motion__dds_link *link = NULL;
    motion__dds_motor motors[MOTION_DDS_LINK_SLOTS];
    motion__dds_state state;
    motion__dds_stats stats;
    long domain = -1, count = 200, rate = 500;
    int used, have_state = 0;
    char err[512];
    struct timespec next;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--domain") == 0)
            domain = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--family") == 0)
            cfg.family = strcmp(argv[i + 1], "go") == 0 ? MOTION__DDS_GO : MOTION__DDS_HG;
        else if (strcmp(argv[i], "--arm") == 0)
            arm = 1, cfg.weight_slot = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--count") == 0)
            count = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--rate") == 0)
            rate = strtol(argv[i + 1], NULL, 10);
    }
    if (domain < 0 || count < 1 || rate < 1) {
        fprintf(stderr, "usage: dds_pattern_pub --domain N --family hg|go [--arm SLOT] "
                        "[--count N] [--rate HZ]\n");
        return 2;
    }
    cfg.domain = (uint32_t)domain;
    if (motion__dds_link_open(&link, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "dds_pattern_pub: %s\n", err);
        return 1;
    }
    used = cfg.family == MOTION__DDS_HG ? 29 : 12;
    /* The robot's state first (mode_machine), then a moment for every reader to match. */
    for (int i = 0; i < 1000 && !have_state; i++) {
        struct timespec ms = {0, 10000000L};
        have_state = motion__dds_link_state(link, &state);
        nanosleep(&ms, NULL);
    }
    if (!have_state) {
        fprintf(stderr, "dds_pattern_pub: no LowState_ on domain %ld within 10 s\n", domain);
        motion__dds_link_close(link);
        return 1;
    }
    nanosleep(&(struct timespec){1, 0}, NULL);
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (long s = 1; s <= count; s++) {
        memset(motors, 0, sizeof(motors));
        for (int i = 0; i < used; i++) {
            motors[i].used = 1;
            motors[i].mode = 1;
            motors[i].q = i == 0 ? (float)s : (float)(0.001 * (double)s + 0.01 * i);
            motors[i].dq = -0.5f * (float)i;
            motors[i].tau = 0.25f * (float)i;
            motors[i].kp = 10.0f + (float)i;
            motors[i].kd = 0.5f + 0.125f * (float)i;
        }
        if (motion__dds_link_write(link, motors, arm, (double)(s % 11) / 10.0) != 0)
            fprintf(stderr, "dds_pattern_pub: write %ld failed\n", s);
        next.tv_nsec += 1000000000L / rate;
        while (next.tv_nsec >= 1000000000L)
            next.tv_nsec -= 1000000000L, next.tv_sec++;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    nanosleep(&(struct timespec){0, 300000000L}, NULL); /* let the last samples arrive */
    motion__dds_link_state(link, &state);
    motion__dds_link_stats(link, &stats);
    printf("dds_pattern_pub: sent=%llu write_errors=%llu states=%llu bad_crc=%llu "
           "mode_machine=%u\n",
           (unsigned long long)stats.sent, (unsigned long long)stats.write_errors,
           (unsigned long long)stats.received, (unsigned long long)stats.bad_crc,
           state.mode_machine);
    motion__dds_link_close(link);
    return stats.write_errors ? 1 : 0;
}
