/* Error codes and the thread-local context message of mstore-server (same pattern as libmpk). */
#ifndef SRV_ERROR_H
#define SRV_ERROR_H

#define SRV_ERROR_LIST(X)                             \
    X(SRV_OK, 0, "success")                           \
    X(SRV_ERROR, -1, "error")                         \
    X(SRV_ENOMEM, -2, "out of memory")                \
    X(SRV_EINVAL, -3, "invalid argument")             \
    X(SRV_ENOTFOUND, -4, "not found")                 \
    X(SRV_EIO, -5, "input/output error")              \
    X(SRV_EFORMAT, -6, "malformed data")              \
    X(SRV_ELIMIT, -7, "size or count limit exceeded") \
    X(SRV_EDB, -8, "database error")                  \
    X(SRV_EEXISTS, -9, "already exists")              \
    X(SRV_EAUTH, -10, "not authorised")               \
    X(SRV_EREJECTED, -11, "rejected")                 \
    X(SRV_ECRYPTO, -12, "key or signature error")     \
    X(SRV_ESTATE, -13, "wrong state")

typedef enum srv_error {
#define SRV__ENUM(name, value, msg) name = value,
    SRV_ERROR_LIST(SRV__ENUM)
#undef SRV__ENUM
} srv_error;

/** @return a static description of a code. */
const char *srv_strerror(int code);

/** @return this thread's context message (never NULL). */
const char *srv_errmsg(void);

/** Sets the context message and returns code: `return srv_err(SRV_EIO, "%s: ...", path);` */
int srv_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Prepends "prefix: " to the context message and returns code. */
int srv_err_prefix(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Takes over libmpk's context message (the library below) as ours, with code. */
int srv_err_from_mpk(int code, int mpk_code);

#endif
