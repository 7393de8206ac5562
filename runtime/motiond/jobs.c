/* Store jobs on a worker thread (jobs.h). */
#include "jobs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "motion/common.h"
#include "mstore/mstore.h"
#include "util.h"

#define PROGRESS_EVERY_NS 100000000LL /* at most 10 progress events a second per job */
#define LOCK_WAIT_MS      60000       /* wait this long for an mstore command holding the lock */

typedef enum job_state { ST_QUEUED, ST_RUNNING, ST_DONE, ST_FAILED, ST_CANCELED } job_state;
static const char *const state_names[] = {"queued", "running", "done", "failed", "canceled"};
static const char *const type_names[] = {"update", "install", "upgrade", "remove", "sideload"};

typedef struct job {
    uint64_t id;
    md_job_type type;
    char pkg[160];
    char version[80];
    char *dir;
    job_state state;
    bool has_phase;
    mstore_phase phase;
    uint64_t done, total;
    int error;
    char message[512];
    size_t upgraded;
    int64_t created, started, finished; /* unix seconds */
    int64_t last_event_ns;
    atomic_int cancel;
    struct job *next; /* in the list, newest first */
} job;

struct md_jobs {
    md_jobs_config cfg;
    char *root, *robot, *runtime;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    pthread_t worker;
    bool stopping;
    job *list; /* newest first */
    uint64_t next_id;
};

const char *md_job_type_name(md_job_type type)
{
    return (unsigned)type < 5 ? type_names[type] : "?";
}

/* Under the mutex. */
static json_t *job_json(const job *j)
{
    char created[21], started[21], finished[21];
    json_t *o;

    md_iso_time(created, j->created);
    md_iso_time(started, j->started);
    md_iso_time(finished, j->finished);
    o = json_pack("{s:I, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:s?}", "id", (json_int_t)j->id, "kind",
                  type_names[j->type], "package", *j->pkg ? j->pkg : NULL, "version",
                  *j->version ? j->version : NULL, "state", state_names[j->state], "created",
                  created, "started", j->started ? started : NULL, "finished",
                  j->finished ? finished : NULL);
    if (j->has_phase) {
        json_object_set_new(o, "phase", json_string(mstore_phase_name(j->phase)));
        json_object_set_new(o, "done", json_integer((json_int_t)j->done));
        json_object_set_new(o, "total", json_integer((json_int_t)j->total));
    }
    /* One number for a progress bar: metadata 0-5%, download 5-85%, extract 85-97%, commit
     * 97-100%. */
    {
        double p = 0, f = j->total ? (double)j->done / (double)j->total : 0;
        if (j->state == ST_DONE)
            p = 100;
        else if (j->has_phase)
            switch (j->phase) {
            case MSTORE_PHASE_METADATA:
                p = 5 * f;
                break;
            case MSTORE_PHASE_DOWNLOAD:
                p = 5 + 80 * f;
                break;
            case MSTORE_PHASE_EXTRACT:
                p = 85 + 12 * f;
                break;
            case MSTORE_PHASE_COMMIT:
                p = 97 + 3 * f;
                break;
            }
        json_object_set_new(o, "percent", json_real((double)(int)(p * 10) / 10));
    }
    if (j->state == ST_FAILED || j->state == ST_CANCELED) {
        json_object_set_new(o, "error", json_string(mstore_error_name(j->error)));
        json_object_set_new(o, "message", json_string(j->message));
    }
    if (j->type == MD_JOB_UPGRADE && j->state == ST_DONE)
        json_object_set_new(o, "upgraded", json_integer((json_int_t)j->upgraded));
    return o;
}

static void publish_locked(md_jobs *jobs, const job *j)
{
    md_events_publish(jobs->cfg.events, "job", job_json(j));
}

typedef struct progress_ctx {
    md_jobs *jobs;
    job *j;
} progress_ctx;

static int progress(void *ctx, const char *id, mstore_phase phase, uint64_t done, uint64_t total)
{
    progress_ctx *pc = ctx;
    job *j = pc->j;
    int64_t now = motion_now_ns();
    bool changed;

    (void)id;
    pthread_mutex_lock(&pc->jobs->mutex);
    changed = !j->has_phase || j->phase != phase || done == total;
    j->has_phase = true;
    j->phase = phase;
    j->done = done;
    j->total = total;
    if (changed || now - j->last_event_ns >= PROGRESS_EVERY_NS) {
        j->last_event_ns = now;
        publish_locked(pc->jobs, j);
    }
    pthread_mutex_unlock(&pc->jobs->mutex);
    return atomic_load(&j->cancel);
}

static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    md_debug("store: %s", line);
}

static int run_job(md_jobs *jobs, job *j)
{
    mstore_client_options o;
    mstore_client *c = NULL;
    progress_ctx pc = {jobs, j};
    char *mpk = NULL, *meta = NULL;
    int rc;

    mstore_client_options_init(&o);
    o.root = jobs->root;
    o.robot_model = jobs->robot;
    o.runtime_version = jobs->runtime;
    o.lock_timeout_ms = LOCK_WAIT_MS;
    o.progress = progress;
    o.progress_ctx = &pc;
    o.cancel = &j->cancel;
    o.log = log_line;
    if ((rc = mstore_client_open(&c, &o)))
        goto out;
    switch (j->type) {
    case MD_JOB_UPDATE:
        rc = mstore_client_update(c);
        break;
    case MD_JOB_INSTALL:
        rc = mstore_client_install(c, j->pkg, *j->version ? j->version : NULL);
        break;
    case MD_JOB_UPGRADE:
        rc = mstore_client_upgrade(c, *j->pkg ? j->pkg : NULL, &j->upgraded);
        break;
    case MD_JOB_REMOVE:
        rc = mstore_client_remove(c, j->pkg);
        break;
    case MD_JOB_SIDELOAD:
        mpk = md_fmt("%s/package.mpk", j->dir);
        meta = md_fmt("%s/metadata", j->dir);
        rc = mstore_client_install_file(c, mpk, meta);
        break;
    }
out:
    if (rc) {
        pthread_mutex_lock(&jobs->mutex);
        snprintf(j->message, sizeof(j->message), "%s",
                 *mstore_error_message() ? mstore_error_message() : mstore_strerror(rc));
        pthread_mutex_unlock(&jobs->mutex);
    }
    mstore_client_free(c);
    free(mpk);
    free(meta);
    return rc;
}

/* Runs queued jobs, oldest first, one at a time (libmstore's lock serialises installers anyway). */
static void *worker(void *arg)
{
    md_jobs *jobs = arg;

    pthread_mutex_lock(&jobs->mutex);
    for (;;) {
        job *j = NULL;
        for (job *k = jobs->list; k; k = k->next)
            if (k->state == ST_QUEUED)
                j = k; /* the oldest queued one: the list is newest first */
        if (!j) {
            if (jobs->stopping)
                break;
            pthread_cond_wait(&jobs->cond, &jobs->mutex);
            continue;
        }
        j->state = ST_RUNNING;
        j->started = (int64_t)time(NULL);
        publish_locked(jobs, j);
        pthread_mutex_unlock(&jobs->mutex);
        md_info("job %llu: %s%s%s%s%s started", (unsigned long long)j->id, type_names[j->type],
                *j->pkg ? " " : "", j->pkg, *j->version ? "@" : "", j->version);

        int rc = run_job(jobs, j);

        if (j->dir)
            md_rmtree(j->dir);
        pthread_mutex_lock(&jobs->mutex);
        free(j->dir);
        j->dir = NULL;
        j->error = rc;
        j->state = rc == MSTORE_OK ? ST_DONE : rc == MSTORE_ECANCELED ? ST_CANCELED : ST_FAILED;
        j->finished = (int64_t)time(NULL);
        publish_locked(jobs, j);
        if (rc)
            md_warn("job %llu: %s%s%s: %s: %s", (unsigned long long)j->id, type_names[j->type],
                    *j->pkg ? " " : "", j->pkg, state_names[j->state], j->message);
        else
            md_info("job %llu: %s%s%s done", (unsigned long long)j->id, type_names[j->type],
                    *j->pkg ? " " : "", j->pkg);
    }
    pthread_mutex_unlock(&jobs->mutex);
    return NULL;
}

int md_jobs_new(md_jobs **out, const md_jobs_config *cfg)
{
    md_jobs *jobs = calloc(1, sizeof(*jobs));

    if (!jobs)
        return -1;
    jobs->cfg = *cfg;
    jobs->root = strdup(cfg->root);
    jobs->robot = strdup(cfg->robot);
    jobs->runtime = strdup(cfg->runtime_version);
    jobs->next_id = 1;
    pthread_mutex_init(&jobs->mutex, NULL);
    pthread_cond_init(&jobs->cond, NULL);
    if (!jobs->root || !jobs->robot || !jobs->runtime ||
        pthread_create(&jobs->worker, NULL, worker, jobs) != 0) {
        free(jobs->root);
        free(jobs->robot);
        free(jobs->runtime);
        free(jobs);
        return -1;
    }
    *out = jobs;
    return 0;
}

void md_jobs_free(md_jobs *jobs)
{
    job *j, *next;

    if (!jobs)
        return;
    pthread_mutex_lock(&jobs->mutex);
    jobs->stopping = true;
    for (j = jobs->list; j; j = j->next) {
        atomic_store(&j->cancel, 1);
        if (j->state == ST_QUEUED) {
            j->state = ST_CANCELED;
            j->error = MSTORE_ECANCELED;
            snprintf(j->message, sizeof(j->message), "motiond is stopping");
        }
    }
    pthread_cond_broadcast(&jobs->cond);
    pthread_mutex_unlock(&jobs->mutex);
    pthread_join(jobs->worker, NULL);
    for (j = jobs->list; j; j = next) {
        next = j->next;
        if (j->dir)
            md_rmtree(j->dir);
        free(j->dir);
        free(j);
    }
    pthread_cond_destroy(&jobs->cond);
    pthread_mutex_destroy(&jobs->mutex);
    free(jobs->root);
    free(jobs->robot);
    free(jobs->runtime);
    free(jobs);
}

/* Forgets the oldest finished jobs beyond MD_JOBS_KEEP. Under the mutex. */
static void prune_locked(md_jobs *jobs)
{
    int finished = 0;

    for (job **p = &jobs->list; *p;) {
        job *j = *p;
        if (j->state >= ST_DONE && ++finished > MD_JOBS_KEEP) {
            *p = j->next;
            free(j->dir);
            free(j);
            continue;
        }
        p = &j->next;
    }
}

int md_jobs_submit(md_jobs *jobs, md_job_type type, const char *pkg, const char *version,
                   const char *dir, json_t **out)
{
    job *j;
    int queued = 0;

    pthread_mutex_lock(&jobs->mutex);
    for (job *k = jobs->list; k; k = k->next)
        queued += k->state == ST_QUEUED;
    if (queued >= MD_JOBS_QUEUE_MAX || jobs->stopping || !(j = calloc(1, sizeof(*j)))) {
        pthread_mutex_unlock(&jobs->mutex);
        if (dir)
            md_rmtree(dir);
        return -1;
    }
    j->id = jobs->next_id++;
    j->type = type;
    snprintf(j->pkg, sizeof(j->pkg), "%s", pkg ? pkg : "");
    snprintf(j->version, sizeof(j->version), "%s", version ? version : "");
    j->dir = dir ? strdup(dir) : NULL;
    j->created = (int64_t)time(NULL);
    j->next = jobs->list;
    jobs->list = j;
    prune_locked(jobs);
    publish_locked(jobs, j);
    if (out)
        *out = job_json(j);
    pthread_cond_broadcast(&jobs->cond);
    pthread_mutex_unlock(&jobs->mutex);
    return 0;
}

json_t *md_jobs_list(md_jobs *jobs)
{
    json_t *arr = json_array();

    pthread_mutex_lock(&jobs->mutex);
    for (job *j = jobs->list; j; j = j->next)
        json_array_append_new(arr, job_json(j));
    pthread_mutex_unlock(&jobs->mutex);
    return arr;
}

json_t *md_jobs_get(md_jobs *jobs, uint64_t id)
{
    json_t *o = NULL;

    pthread_mutex_lock(&jobs->mutex);
    for (job *j = jobs->list; j; j = j->next)
        if (j->id == id)
            o = job_json(j);
    pthread_mutex_unlock(&jobs->mutex);
    return o;
}

int md_jobs_cancel(md_jobs *jobs, uint64_t id)
{
    int rc = 1;

    pthread_mutex_lock(&jobs->mutex);
    for (job *j = jobs->list; j; j = j->next) {
        if (j->id != id)
            continue;
        if (j->state >= ST_DONE) {
            rc = 2;
            break;
        }
        atomic_store(&j->cancel, 1);
        if (j->state == ST_QUEUED) {
            j->state = ST_CANCELED;
            j->error = MSTORE_ECANCELED;
            j->finished = (int64_t)time(NULL);
            snprintf(j->message, sizeof(j->message), "canceled before it started");
            if (j->dir) {
                md_rmtree(j->dir);
                free(j->dir);
                j->dir = NULL;
            }
            publish_locked(jobs, j);
        }
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&jobs->mutex);
    return rc;
}

void md_jobs_counts(md_jobs *jobs, int *queued, int *running)
{
    *queued = *running = 0;
    pthread_mutex_lock(&jobs->mutex);
    for (job *j = jobs->list; j; j = j->next) {
        *queued += j->state == ST_QUEUED;
        *running += j->state == ST_RUNNING;
    }
    pthread_mutex_unlock(&jobs->mutex);
}
