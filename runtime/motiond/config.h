/* motiond's configuration: a JSON file (docs/motiond.md) with command-line overrides. */
#ifndef MD_CONFIG_H
#define MD_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "log.h"

#define MD_MAX_LIST 16 /* backend options, store URLs, allowed origins */

/** Default TCP port of the phone API. */
#define MD_DEFAULT_PORT 8470

typedef struct md_config {
    char *robot;                            /* robot model id */
    char *backend;                          /* libmotion backend name */
    char *backend_options[MD_MAX_LIST + 1]; /* "key=value", NULL-terminated */
    int n_backend_options;
    double rate_hz;
    char *mode; /* "default", "arm" or "full" */
    bool allow_full_body;
    char *store_urls[MD_MAX_LIST]; /* written into ROOT/etc/motionstore/config.json */
    int n_store_urls;
    char *trusted_root; /* root.json copied to ROOT/etc/motionstore/root.json */
    char *listen;       /* IPv4 or IPv6 address */
    int port;           /* 0: any free port */
    char *socket_path;  /* Unix socket; NULL: ROOT/run/motionstore/motiond.sock; "": none */
    char *data_root;    /* the store client's root folder */
    md_log_level log_level;
    bool realtime;                      /* SCHED_FIFO and mlockall for the control loop */
    long max_body;                      /* bytes of a JSON request body */
    long max_upload;                    /* bytes of a sideload upload */
    char *allowed_origins[MD_MAX_LIST]; /* cross-origin requests allowed from these */
    int n_allowed_origins;
    int pairing_code_lifetime;       /* seconds */
    int pairing_attempts_per_minute; /* per client address */
    int max_connections;
    int max_connections_per_client; /* from one address: below max_connections, so that one
                                       client cannot take every slot from the phone's e-stop
                                       (default half of max_connections) */
    int max_event_streams;
    char *qr;          /* "auto", "always", "never" */
    char *port_file;   /* command line only: write the bound port here */
    char *config_path; /* the file read, or NULL */
} md_config;

/** Fills the built-in defaults. */
void md_config_defaults(md_config *cfg);

/**
 * Loads the configuration: defaults, then the file (--config FILE, else $MOTIOND_CONFIG, else
 * ROOT/etc/motionstore/motiond.json when it exists), then the command-line overrides.
 * @return 0; 1 when --help or --version was printed (exit 0); 2 for a usage or file error (the
 *         message was printed to err)
 */
int md_config_load(md_config *cfg, int argc, char **argv, FILE *err);

/** Reads a configuration file over cfg. @return 0, or -1 with a message naming file and key */
int md_config_read_file(md_config *cfg, const char *path, char *msg, size_t msg_size);

/** The effective configuration as JSON (for --print-config and the status endpoint). */
json_t *md_config_json(const md_config *cfg);

void md_config_clear(md_config *cfg);

/** The command-line help text. */
extern const char md_usage[];

#endif
