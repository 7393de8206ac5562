/* Parsing of the phone API's request bodies and query parameters (outside data: fuzzed by
 * tests/fuzz/fuzz_motiond_request.c). Strict: unknown fields, wrong types and out-of-range values
 * are refused with a message naming the field. */
#ifndef MD_REQUEST_H
#define MD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define MD_ID_MAX      128 /* package id */
#define MD_VERSION_MAX 64
#define MD_MOTION_MAX  64
#define MD_NAME_MAX    64  /* a paired device's name */
#define MD_QUERY_MAX   200 /* search text */
#define MD_LOOPS_MAX   10000

/** The request bodies the API knows. */
typedef enum md_req_kind {
    MD_REQ_PAIR,    /* {"code": "123456", "name": "..."} */
    MD_REQ_PLAY,    /* {"package", "motion"?, "loop"?, "speed"?} */
    MD_REQ_INSTALL, /* {"id", "version"?} */
    MD_REQ_UPGRADE, /* {"id"?} */
    MD_REQ_REMOVE,  /* {"id"} */
    MD_REQ_STOP,    /* {"return_to_stand"?} */
    MD_REQ_SPEED,   /* {"speed"} */
    MD_REQ_EMPTY    /* nothing, or {} */
} md_req_kind;

typedef struct md_req {
    char code[7];
    char name[MD_NAME_MAX + 1];
    char id[MD_ID_MAX + 1]; /* package id (play: "package") */
    char version[MD_VERSION_MAX + 1];
    char motion[MD_MOTION_MAX + 1];
    int loops;    /* 1 (default), n, or 0 for forever */
    double speed; /* 0 when not given */
    bool has_speed;
    bool return_to_stand;
} md_req;

/**
 * Parses a request body of the given kind. An empty body is {} (which kinds with a required field
 * then refuse).
 * @return 0, or -1 with a message ("loop: must be a whole number from 1 to 10000 or \"forever\"")
 */
int md_req_parse(md_req *out, md_req_kind kind, const char *body, size_t size, char *err,
                 size_t err_size);

/** Query parameters of the catalog search. */
typedef struct md_search {
    char q[MD_QUERY_MAX + 1];
    char category[33];
    char lang[17];
} md_search;

/**
 * Checks one query parameter of the catalog search and stores it. @return 0, or -1 with a
 * message for an unknown parameter or a bad value
 */
int md_search_param(md_search *s, const char *key, const char *value, char *err, size_t err_size);

/** @return true for a package id in reverse-DNS form within MD_ID_MAX bytes. */
bool md_valid_id(const char *id);
/** @return true for a motion name [a-z0-9_-]{1,64}. */
bool md_valid_motion(const char *name);
/** @return true for printable UTF-8 text without control characters, at most max bytes. */
bool md_valid_text(const char *text, size_t max);

#endif
