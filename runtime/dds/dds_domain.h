/*
 * A CycloneDDS participant on a chosen domain and network interface.
 *
 * A real robot speaks domain 0 on its wired interface (e.g. enp3s0); robot-sim and the tests use
 * another domain on loopback. Loopback carries no multicast, so on a loopback interface discovery
 * is unicast to 127.0.0.1, with automatic participant indices so several processes can share it.
 */
#ifndef MOTION_DDS_DOMAIN_H
#define MOTION_DDS_DOMAIN_H

#include <stddef.h>
#include <stdint.h>
#include <dds/dds.h>

/** Highest domain id: CycloneDDS maps a domain to UDP ports 7400 + 250 * id + ..., below 65536. */
#define MOTION_DDS_DOMAIN_MAX 232

/** A participant and, when this node created it, its domain. */
typedef struct motion__dds_node {
    dds_entity_t domain;      /**< domain handle we created, 0 when the domain existed already */
    dds_entity_t participant; /**< participant handle */
} motion__dds_node;

/**
 * Creates a participant.
 * @param[out] out   the node (untouched on failure)
 * @param domain     DDS domain id, 0..MOTION_DDS_DOMAIN_MAX
 * @param iface      network interface name, or NULL for CycloneDDS's own configuration
 *                   (CYCLONEDDS_URI or its defaults)
 * @param err        receives a message naming the failing setting on failure
 * @return 0, or -1 with err filled
 */
int motion__dds_node_open(motion__dds_node *out, uint32_t domain, const char *iface, char *err,
                          size_t errlen);

/** Deletes the participant (and the domain if this node created it). Safe on a zeroed node. */
void motion__dds_node_close(motion__dds_node *node);

/**
 * Writes the CycloneDDS configuration for an interface into buf (exposed for tests and docs).
 * @return 0, or -1 if the name is not a plausible interface name or buf is too small
 */
int motion__dds_config(char *buf, size_t size, const char *iface, int loopback);

#endif
