/* The store's configuration: DIR/server.json, written by `init`, read by every command. */
#ifndef SRV_CONFIG_H
#define SRV_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define SRV_CONFIG_FILE "server.json"

/** TUF roles the server signs, in the order of srv_config.expiry_days. */
enum { SRV_ROLE_ROOT, SRV_ROLE_TARGETS, SRV_ROLE_SNAPSHOT, SRV_ROLE_TIMESTAMP, SRV_ROLE_COUNT };

typedef struct srv_config {
    char *listen;        /**< address to bind ("127.0.0.1") */
    int port;            /**< 0: any free port (printed at start) */
    bool review;         /**< true: uploads wait in the review queue; false: publish at once */
    uint64_t max_upload; /**< bytes; larger bodies get 413 */
    int upload_timeout;  /**< seconds a connection may stay idle before it is closed */
    int upload_min_rate; /**< bytes/s below which a slow upload is refused with 408 */
    int expiry_days[SRV_ROLE_COUNT];
    int expiry_seconds[SRV_ROLE_COUNT]; /**< when > 0, overrides expiry_days (tests, demos) */
    int refresh_interval;               /**< seconds between expiry checks while serving */
    int root_threshold;                 /**< signatures needed on root */
    int keep_versions; /**< old consistent-snapshot metadata versions kept on disk */
    int threads;       /**< most simultaneous connections */
} srv_config;

/** @return the lifetime of a role's metadata in seconds. */
long long srv_config_lifetime(const srv_config *cfg, int role);

/** @return the role's name ("root", "targets", "snapshot", "timestamp"). */
const char *srv_role_name(int role);

/** Fills defaults (timestamp 1 day, snapshot 7, targets 30, root 365; no review; 64 MiB). */
void srv_config_defaults(srv_config *cfg);

/** Reads DIR/server.json over the defaults; unknown keys and bad values are errors. */
int srv_config_load(srv_config *cfg, const char *dir);

/** Writes DIR/server.json atomically. */
int srv_config_save(const srv_config *cfg, const char *dir);

void srv_config_clear(srv_config *cfg);

#endif
