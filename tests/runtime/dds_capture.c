/*
 * dds_capture: records the serialized bytes of every sample on Unitree's low-level topics, as they
 * travel between processes, for the byte-compatibility and CRC checks of tests/runtime/dds_*.py.
 *
 * usage: dds_capture --domain N --family hg|go --out FILE [--duration S]
 * Stops on SIGTERM/SIGINT or after --duration. The file is a sequence of records:
 *   u8 topic (0 rt/lowcmd, 1 rt/arm_sdk, 2 rt/lowstate), 3 zero bytes, u32 size, u64 receipt time
 *   (CLOCK_MONOTONIC ns), then size bytes: the CDR encapsulation header and the sample.
 * All little-endian.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dds/dds.h>
#include <dds/ddsi/ddsi_serdata.h>

#include "dds_domain.h"
#include "unitree_msgs.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    stop = sig;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *topics[3] = {MOTION_DDS_TOPIC_LOWCMD, MOTION_DDS_TOPIC_ARM_SDK,
                             MOTION_DDS_TOPIC_LOWSTATE};
    const char *out = NULL, *family = "hg";
    long domain = -1;
    double duration = 0;
    motion__dds_node node;
    dds_entity_t readers[3], waitset;
    unsigned long long counts[3] = {0, 0, 0};
    char err[512];
    uint64_t start;
    struct sigaction sa;
    FILE *f;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--domain") == 0)
            domain = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--family") == 0)
            family = argv[i + 1];
        else if (strcmp(argv[i], "--out") == 0)
            out = argv[i + 1];
        else if (strcmp(argv[i], "--duration") == 0)
            duration = strtod(argv[i + 1], NULL);
    }
    if (!out || domain < 0 || (strcmp(family, "hg") && strcmp(family, "go"))) {
        fprintf(stderr, "usage: dds_capture --domain N --family hg|go --out FILE [--duration S]\n");
        return 2;
    }
    f = fopen(out, "wb");
    if (!f) {
        fprintf(stderr, "dds_capture: %s: %s\n", out, strerror(errno));
        return 1;
    }
    if (motion__dds_node_open(&node, (uint32_t)domain, "lo", err, sizeof(err)) != 0) {
        fprintf(stderr, "dds_capture: %s\n", err);
        return 1;
    }
    waitset = dds_create_waitset(node.participant);
    for (int t = 0; t < 3; t++) {
        const dds_topic_descriptor_t *d;
        dds_qos_t *qos = dds_create_qos();
        dds_entity_t topic;
        if (family[1] == 'g') /* "hg" */
            d = t < 2 ? &unitree_hg_msg_dds__LowCmd__desc : &unitree_hg_msg_dds__LowState__desc;
        else
            d = t < 2 ? &unitree_go_msg_dds__LowCmd__desc : &unitree_go_msg_dds__LowState__desc;
        topic = dds_create_topic(node.participant, d, topics[t], NULL, NULL);
        dds_qset_reliability(qos, DDS_RELIABILITY_BEST_EFFORT, 0);
        dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, 256);
        readers[t] = dds_create_reader(node.participant, topic, qos, NULL);
        dds_delete_qos(qos);
        if (topic < 0 || readers[t] < 0) {
            fprintf(stderr, "dds_capture: %s: %s\n", topics[t],
                    dds_strretcode(topic < 0 ? topic : readers[t]));
            return 1;
        }
        dds_set_status_mask(readers[t], DDS_DATA_AVAILABLE_STATUS);
        dds_waitset_attach(waitset, readers[t], t);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    fprintf(stderr, "dds_capture: ready on domain %ld\n", domain);
    start = now_ns();
    while (!stop && (duration <= 0 || (double)(now_ns() - start) < duration * 1e9)) {
        dds_waitset_wait(waitset, NULL, 0, DDS_MSECS(20));
        for (int t = 0; t < 3; t++) {
            struct ddsi_serdata *sd = NULL;
            dds_sample_info_t info;
            while (dds_takecdr(readers[t], &sd, 1, &info, DDS_ANY_STATE) == 1) {
                uint8_t head[16] = {0}, buf[4096];
                uint32_t size = ddsi_serdata_size(sd);
                uint64_t t_ns = now_ns();
                if (info.valid_data && size <= sizeof(buf)) {
                    ddsi_serdata_to_ser(sd, 0, size, buf);
                    head[0] = (uint8_t)t;
                    memcpy(head + 4, &size, 4);
                    memcpy(head + 8, &t_ns, 8);
                    fwrite(head, 1, sizeof(head), f);
                    fwrite(buf, 1, size, f);
                    counts[t]++;
                }
                ddsi_serdata_unref(sd);
                sd = NULL;
            }
        }
    }
    fclose(f);
    fprintf(stderr, "dds_capture: lowcmd=%llu arm_sdk=%llu lowstate=%llu\n", counts[0], counts[1],
            counts[2]);
    motion__dds_node_close(&node);
    return 0;
}
