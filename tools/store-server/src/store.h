/*
 * An open store: its folder, configuration, database, and (while serving) the publisher thread.
 *
 * Folder layout (docs/store-server.md):
 *   DIR/server.json        configuration
 *   DIR/state.db           SQLite state (WAL)
 *   DIR/keys/              online keys (targets, snapshot, timestamp), mode 0600
 *   DIR/offline/           root keys written by init: move them to offline storage
 *   DIR/uploads/           accepted upload files, by upload id
 *   DIR/incoming/          bodies being received (removed when the request ends)
 *   DIR/repository/        the TUF repository: metadata/ and targets/, static files to serve
 *   DIR/repo.lock          held while the repository is written (server and admin commands)
 */
#ifndef SRV_STORE_H
#define SRV_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "db.h"

typedef struct srv_store {
    char *dir;
    char *repo_dir;     /**< DIR/repository */
    char *metadata_dir; /**< DIR/repository/metadata */
    char *targets_dir;  /**< DIR/repository/targets */
    char *uploads_dir;  /**< DIR/uploads */
    char *incoming_dir; /**< DIR/incoming */
    char *keys_dir;     /**< DIR/keys */
    srv_config cfg;
    srv_db *db;

    /* Publisher thread (serve only): requests are counted, so every waiter sees a sync that
     * started after its request. */
    pthread_mutex_t pub_mutex;
    pthread_cond_t pub_cond;
    uint64_t pub_requested;
    uint64_t pub_done;
    int pub_last_rc;
    bool pub_stop;
    bool pub_running;
    pthread_t pub_thread;
} srv_store;

/** Opens an initialised store folder: configuration and database. */
int srv_store_open(srv_store **out, const char *dir);

/** Stops the publisher if running and frees everything. NULL is fine. */
void srv_store_close(srv_store *store);

/** Starts the publisher thread: publishes on request and re-signs metadata before it expires. */
int srv_publisher_start(srv_store *store);

/**
 * Asks the publisher for a sync and waits up to timeout seconds for one that started after this
 * call. @return the sync's result, or SRV_ESTATE on timeout (it still happens later).
 */
int srv_publisher_request(srv_store *store, double timeout);

#endif
