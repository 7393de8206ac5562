/**
 * @file mstore/common.h
 * @brief Export macros, error codes and error context of libmstore.
 *
 * Every fallible function returns an int: MSTORE_OK (0) on success or one of the negative codes
 * below. On failure a thread-local context message (mstore_error_message()) says what failed,
 * naming the file, field or request: "snapshot.json: signed.meta.targets.json.version: must be an
 * integer of at least 1".
 */
#ifndef MSTORE_COMMON_H
#define MSTORE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MSTORE_API          __attribute__((visibility("default")))
#define MSTORE_WUR          __attribute__((warn_unused_result))
#define MSTORE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MSTORE_API
#define MSTORE_WUR
#define MSTORE_PRINTF(f, a)
#endif

/**
 * X-macro: name, value, message. The enum and the message table are built from this one list.
 * The TUF failure cases each have their own code so that callers (and tests) can tell an expired
 * repository from a rolled-back one or a wrongly signed one.
 */
#define MSTORE_ERROR_LIST(X)                                \
    X(MSTORE_OK, 0, "success")                              \
    X(MSTORE_ERROR, -1, "error")                            \
    X(MSTORE_ENOMEM, -2, "out of memory")                   \
    X(MSTORE_EINVAL, -3, "invalid argument")                \
    X(MSTORE_ENOTFOUND, -4, "not found")                    \
    X(MSTORE_EIO, -5, "input/output error")                 \
    X(MSTORE_EFORMAT, -6, "malformed data")                 \
    X(MSTORE_ELIMIT, -7, "size or count limit exceeded")    \
    X(MSTORE_ESIGNATURE, -8, "signature threshold not met") \
    X(MSTORE_EHASH, -9, "hash mismatch")                    \
    X(MSTORE_ELENGTH, -10, "length mismatch")               \
    X(MSTORE_EROLLBACK, -11, "version rollback")            \
    X(MSTORE_EVERSION, -12, "unexpected version")           \
    X(MSTORE_EEXPIRED, -13, "metadata expired")             \
    X(MSTORE_EUNSUPPORTED, -14, "unsupported")              \
    X(MSTORE_ENETWORK, -15, "network error")                \
    X(MSTORE_ETIMEOUT, -16, "network timeout")              \
    X(MSTORE_ECANCELED, -17, "canceled")                    \
    X(MSTORE_ENOSPACE, -18, "not enough disk space")        \
    X(MSTORE_EEXISTS, -19, "already exists")                \
    X(MSTORE_EBUSY, -20, "busy")                            \
    X(MSTORE_ESTATE, -21, "invalid state")

/** Error codes of libmstore. */
typedef enum mstore_error {
#define MSTORE__ENUM(name, value, msg) name = value,
    MSTORE_ERROR_LIST(MSTORE__ENUM)
#undef MSTORE__ENUM
} mstore_error;

/** @return a static description of an error code ("version rollback"). */
MSTORE_API const char *mstore_strerror(int code);

/** @return the symbolic name of an error code ("MSTORE_EROLLBACK"), or "MSTORE_?" if unknown. */
MSTORE_API const char *mstore_error_name(int code);

/**
 * @return the context message of the last failure in this thread (never NULL; empty when none).
 * Borrowed; valid until the next libmstore call in this thread.
 */
MSTORE_API const char *mstore_error_message(void);

/** Clears this thread's context message. */
MSTORE_API void mstore_error_clear(void);

/** Version of the library, "MAJOR.MINOR.PATCH". */
MSTORE_API const char *mstore_version(void);

#ifdef __cplusplus
}
#endif
#endif
