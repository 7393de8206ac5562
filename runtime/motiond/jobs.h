/* Store jobs: refresh, install, upgrade, remove and sideload run one at a time on a worker thread
 * through libmstore, each with its own client (so its progress and cancel flag are its own).
 * Progress goes to the event stream as "job" events. Nothing here touches the control loop. */
#ifndef MD_JOBS_H
#define MD_JOBS_H

#include <stdint.h>

#include <jansson.h>

#include "events.h"

#define MD_JOBS_QUEUE_MAX 16 /* jobs waiting; more are refused */
#define MD_JOBS_KEEP      32 /* finished jobs remembered */

typedef enum md_job_type {
    MD_JOB_UPDATE,
    MD_JOB_INSTALL,
    MD_JOB_UPGRADE,
    MD_JOB_REMOVE,
    MD_JOB_SIDELOAD
} md_job_type;

typedef struct md_jobs md_jobs;

typedef struct md_jobs_config {
    const char *root;            /* the store client's root */
    const char *robot;           /* robot model */
    const char *runtime_version; /* libmotion's version */
    md_events *events;
} md_jobs_config;

int md_jobs_new(md_jobs **out, const md_jobs_config *cfg);

/** Cancels the running and queued jobs, waits for the worker, frees everything. */
void md_jobs_free(md_jobs *jobs);

/**
 * Queues a job. pkg and version may be NULL; dir is a sideload folder (package.mpk and
 * metadata/), which the job removes when done (its ownership passes here even on failure).
 * @param[out] job the job as JSON (new reference)
 * @return 0, or -1 when MD_JOBS_QUEUE_MAX jobs wait already
 */
int md_jobs_submit(md_jobs *jobs, md_job_type type, const char *pkg, const char *version,
                   const char *dir, json_t **job);

/** Every job remembered, newest first. */
json_t *md_jobs_list(md_jobs *jobs);

/** One job, or NULL. */
json_t *md_jobs_get(md_jobs *jobs, uint64_t id);

/** @return 0 cancel requested, 1 no such job, 2 already finished */
int md_jobs_cancel(md_jobs *jobs, uint64_t id);

void md_jobs_counts(md_jobs *jobs, int *queued, int *running);

const char *md_job_type_name(md_job_type type);

#endif
