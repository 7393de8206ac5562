/* CycloneDDS participants bound to one domain and network interface. */
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "dds_domain.h"

static int iface_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n >= IF_NAMESIZE)
        return 0;
    /* The name goes into an XML string: keep to what Linux interface names use. */
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == ':' || c == '@'))
            return 0;
    }
    return 1;
}

/* @return 1 loopback, 0 other, -1 no such interface */
static int iface_kind(const char *name)
{
    struct ifaddrs *list = NULL;
    int kind = -1;

    if (getifaddrs(&list) != 0)
        return if_nametoindex(name) ? 0 : -1;
    for (struct ifaddrs *a = list; a; a = a->ifa_next) {
        if (a->ifa_name && strcmp(a->ifa_name, name) == 0) {
            kind = (a->ifa_flags & IFF_LOOPBACK) ? 1 : 0;
            break;
        }
    }
    freeifaddrs(list);
    if (kind < 0 && if_nametoindex(name))
        kind = 0;
    return kind;
}

int motion__dds_config(char *buf, size_t size, const char *iface, int loopback)
{
    int n;

    if (!iface_name_ok(iface))
        return -1;
    if (loopback)
        n = snprintf(buf, size,
                     "<General><Interfaces><NetworkInterface name=\"%s\"/></Interfaces>"
                     "<AllowMulticast>false</AllowMulticast></General>"
                     "<Discovery><Peers><Peer address=\"127.0.0.1\"/></Peers>"
                     "<ParticipantIndex>auto</ParticipantIndex>"
                     "<MaxAutoParticipantIndex>20</MaxAutoParticipantIndex></Discovery>",
                     iface);
    else
        n = snprintf(buf, size,
                     "<General><Interfaces><NetworkInterface name=\"%s\"/></Interfaces></General>",
                     iface);
    return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int motion__dds_node_open(motion__dds_node *out, uint32_t domain, const char *iface, char *err,
                          size_t errlen)
{
    motion__dds_node node = {0, 0};
    char config[512];

    if (domain > MOTION_DDS_DOMAIN_MAX) {
        snprintf(err, errlen, "dds domain %u: must be between 0 and %d", domain,
                 MOTION_DDS_DOMAIN_MAX);
        return -1;
    }
    if (iface) {
        int kind;
        if (!iface_name_ok(iface)) {
            snprintf(err, errlen, "dds interface '%s': not a valid interface name", iface);
            return -1;
        }
        kind = iface_kind(iface);
        if (kind < 0) {
            snprintf(err, errlen, "dds interface '%s': no such network interface", iface);
            return -1;
        }
        if (motion__dds_config(config, sizeof(config), iface, kind) != 0) {
            snprintf(err, errlen, "dds interface '%s': configuration too long", iface);
            return -1;
        }
        node.domain = dds_create_domain(domain, config);
        if (node.domain == DDS_RETCODE_PRECONDITION_NOT_MET) {
            node.domain = 0; /* another part of this process made it; its settings apply */
        } else if (node.domain < 0) {
            snprintf(err, errlen, "dds domain %u on '%s': %s", domain, iface,
                     dds_strretcode(node.domain));
            return -1;
        }
    }
    node.participant = dds_create_participant(domain, NULL, NULL);
    if (node.participant < 0) {
        snprintf(err, errlen, "dds participant on domain %u: %s", domain,
                 dds_strretcode(node.participant));
        if (node.domain > 0)
            dds_delete(node.domain);
        return -1;
    }
    *out = node;
    return 0;
}

void motion__dds_node_close(motion__dds_node *node)
{
    if (node->participant > 0)
        dds_delete(node->participant);
    if (node->domain > 0)
        dds_delete(node->domain);
    node->participant = 0;
    node->domain = 0;
}
