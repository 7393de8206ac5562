/* A small HTTP/1.1 server on 127.0.0.1 for the store client's tests: serves the files of a
 * folder (GET, Range "bytes=N-"), logs every request, and misbehaves on request (truncated
 * bodies, stalls, resets, garbage, endless bodies, wrong lengths, redirects, error statuses,
 * Range ignored) so that the download layer and the TUF client meet real sockets. */
#ifndef MSTORE_TUF_TESTSRV_H
#define MSTORE_TUF_TESTSRV_H

#include <stddef.h>

typedef struct ts_server ts_server;

typedef enum ts_behaviour {
    TS_TRUNCATE,     /* full Content-Length, only `param` body bytes, then close */
    TS_STALL,        /* headers and `param` body bytes, then silence until the client leaves */
    TS_RESET,        /* close at once with a TCP reset, nothing sent */
    TS_GARBAGE,      /* bytes that are not HTTP, then close */
    TS_ENDLESS,      /* 200 without Content-Length, body bytes forever */
    TS_WRONG_LENGTH, /* Content-Length: `param`, but the whole file is sent */
    TS_REDIRECT,     /* 302 to `text` */
    TS_STATUS,       /* status `param` with a short body */
    TS_IGNORE_RANGE, /* 200 and the whole file even when a Range is asked for */
    TS_BODY,         /* 200 with `text` as the body instead of the file */
    TS_TRICKLE,      /* the file, one byte every `param` ms (a slow-retrieval attack) */
} ts_behaviour;

/** Starts serving root_dir on a free port of 127.0.0.1 (fails the test on error). */
ts_server *ts_start(const char *root_dir);

/** Stops the server and waits for its threads. */
void ts_stop(ts_server *s);

/** "http://127.0.0.1:PORT" (borrowed). */
const char *ts_url(const ts_server *s);

/**
 * Makes the next `times` requests (-1: all) of path (URL path, e.g. "/f.bin") misbehave.
 * Rules apply in the order they were added.
 */
void ts_rule(ts_server *s, const char *path, ts_behaviour b, long param, const char *text,
             int times);

/** Removes every rule. */
void ts_clear_rules(ts_server *s);

/** Number of requests logged whose URL path equals path (NULL: all requests). */
size_t ts_count(ts_server *s, const char *path);

/** Range header of the last request for path ("" if none); malloc'd. */
char *ts_last_range(ts_server *s, const char *path);

/** The logged request paths, one per line, in order; malloc'd. */
char *ts_log(ts_server *s);

/** Forgets the request log. */
void ts_clear_log(ts_server *s);

#endif
