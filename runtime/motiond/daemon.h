/* The daemon: what motiond's threads share. Only motiond joins the store client (jobs.h,
 * store.h) and the runtime (playback.h); the HTTP layer (http.h) and the handlers (api.h) reach
 * both through this struct. */
#ifndef MD_DAEMON_H
#define MD_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "config.h"
#include "events.h"
#include "jobs.h"
#include "motion/motion.h"
#include "playback.h"
#include "store.h"
#include "tokens.h"

typedef struct md_http md_http;

typedef struct md_daemon {
    md_config *cfg;
    const mpk_robot_model *model;
    motion_loop *loop;
    md_events *events;
    md_tokens *tokens;
    md_jobs *jobs;
    md_store *store;
    md_playback *playback;
    md_http *tcp;         /* the phone API */
    md_http *unix_socket; /* the local API (mstore play/stop/status) */
    char *root;           /* data root */
    char *state_dir;      /* ROOT/var/lib/motionstore/motiond */
    char *socket_path;
    char *upload_dir;             /* ROOT/var/cache/motionstore/motiond-uploads */
    char url[160];                /* the page's address, for the QR code */
    int port;                     /* TCP port listened on */
    int tcp_fd, unix_fd;          /* listening sockets until the HTTP servers take them */
    atomic_bool announce;         /* print pairing codes (once listening) */
    atomic_uint_least64_t estops; /* emergency stops requested through the API */
    int64_t started_ns;
    bool started; /* md_daemon_start() went all the way */
} md_daemon;

/** Starts everything. @return 0, or -1 after logging why */
int md_daemon_start(md_daemon *d, md_config *cfg);

/** Waits for SIGTERM or SIGINT (blocked in every thread by md_daemon_start's caller). */
void md_daemon_wait(md_daemon *d);

/** Stops motion, damps, stops the threads, saves state. @return the process's exit code */
int md_daemon_stop(md_daemon *d);

#endif
