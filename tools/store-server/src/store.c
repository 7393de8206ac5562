/* Opening a store folder, and the publisher thread of a serving store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "repo.h"
#include "store.h"
#include "util.h"

int srv_store_open(srv_store **out, const char *dir)
{
    srv_store *s = calloc(1, sizeof(*s));
    char *dbpath = NULL;
    int rc;

    if (!s)
        return srv_err(SRV_ENOMEM, "out of memory");
    pthread_mutex_init(&s->pub_mutex, NULL);
    pthread_cond_init(&s->pub_cond, NULL);
    s->dir = strdup(dir);
    s->repo_dir = srv_join(dir, "repository");
    s->metadata_dir = srv_join(dir, "repository/metadata");
    s->targets_dir = srv_join(dir, "repository/targets");
    s->uploads_dir = srv_join(dir, "uploads");
    s->incoming_dir = srv_join(dir, "incoming");
    s->keys_dir = srv_join(dir, "keys");
    dbpath = srv_join(dir, SRV_DB_FILE);
    if (!s->dir || !s->repo_dir || !s->metadata_dir || !s->targets_dir || !s->uploads_dir ||
        !s->incoming_dir || !s->keys_dir || !dbpath) {
        rc = srv_err(SRV_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = srv_config_load(&s->cfg, dir))) {
        if (rc == SRV_ENOTFOUND)
            srv_err(rc, "%s: not a store folder (run `mstore-server init %s` first)", dir, dir);
        goto fail;
    }
    if (!srv_exists(dbpath)) {
        rc = srv_err(SRV_ENOTFOUND, "%s: missing; the store folder is incomplete", dbpath);
        goto fail;
    }
    if ((rc = srv_db_open(&s->db, dbpath)))
        goto fail;
    if ((rc = srv_mkdirs(s->incoming_dir, 0700)) || (rc = srv_mkdirs(s->uploads_dir, 0700)))
        goto fail;
    free(dbpath);
    *out = s;
    return SRV_OK;
fail:
    free(dbpath);
    srv_store_close(s);
    return rc;
}

void srv_store_close(srv_store *s)
{
    if (!s)
        return;
    if (s->pub_running) {
        pthread_mutex_lock(&s->pub_mutex);
        s->pub_stop = true;
        pthread_cond_broadcast(&s->pub_cond);
        pthread_mutex_unlock(&s->pub_mutex);
        pthread_join(s->pub_thread, NULL);
    }
    srv_db_close(s->db);
    srv_config_clear(&s->cfg);
    pthread_mutex_destroy(&s->pub_mutex);
    pthread_cond_destroy(&s->pub_cond);
    free(s->dir);
    free(s->repo_dir);
    free(s->metadata_dir);
    free(s->targets_dir);
    free(s->uploads_dir);
    free(s->incoming_dir);
    free(s->keys_dir);
    free(s);
}

static void *publisher_main(void *arg)
{
    srv_store *s = arg;

    pthread_mutex_lock(&s->pub_mutex);
    while (!s->pub_stop) {
        uint64_t target = s->pub_requested;
        int rc;

        if (target != s->pub_done) {
            pthread_mutex_unlock(&s->pub_mutex);
            rc = srv_repo_sync(s, "server");
            if (rc)
                fprintf(stderr, "mstore-server: publish failed: %s\n", srv_errmsg());
            pthread_mutex_lock(&s->pub_mutex);
            s->pub_done = target;
            s->pub_last_rc = rc;
            pthread_cond_broadcast(&s->pub_cond);
            continue;
        }
        {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += s->cfg.refresh_interval;
            if (pthread_cond_timedwait(&s->pub_cond, &s->pub_mutex, &ts) == ETIMEDOUT &&
                !s->pub_stop && s->pub_requested == s->pub_done) {
                pthread_mutex_unlock(&s->pub_mutex);
                /* Re-sign the timestamp (and snapshot, targets) before they expire, and pick
                 * up changes made by admin commands in another process. */
                if (srv_repo_refresh(s) != SRV_OK)
                    fprintf(stderr, "mstore-server: refresh failed: %s\n", srv_errmsg());
                pthread_mutex_lock(&s->pub_mutex);
            }
        }
    }
    pthread_mutex_unlock(&s->pub_mutex);
    return NULL;
}

int srv_publisher_start(srv_store *s)
{
    if (pthread_create(&s->pub_thread, NULL, publisher_main, s) != 0)
        return srv_err(SRV_ERROR, "cannot start the publisher thread");
    s->pub_running = true;
    return SRV_OK;
}

int srv_publisher_request(srv_store *s, double timeout)
{
    struct timespec deadline;
    uint64_t mine;
    int rc = SRV_OK;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)timeout;
    pthread_mutex_lock(&s->pub_mutex);
    mine = ++s->pub_requested;
    pthread_cond_broadcast(&s->pub_cond);
    while (s->pub_done < mine && !s->pub_stop) {
        if (pthread_cond_timedwait(&s->pub_cond, &s->pub_mutex, &deadline) == ETIMEDOUT) {
            rc = srv_err(SRV_ESTATE, "publishing is taking longer than %.0f s", timeout);
            break;
        }
    }
    if (rc == SRV_OK)
        rc = s->pub_last_rc;
    pthread_mutex_unlock(&s->pub_mutex);
    return rc;
}
