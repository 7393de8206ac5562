/**
 * @file mpk/common.h
 * @brief Export macros, error codes and error context of libmpk.
 *
 * Every fallible function returns an int: MPK_OK (0) on success or one of the negative codes
 * below. On failure a thread-local context message (mpk_error_message()) says what failed, naming
 * the file and field: "wave.mpk: manifest.json: motions[1].rate: must be between 1 and 1000".
 */
#ifndef MPK_COMMON_H
#define MPK_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MPK_API          __attribute__((visibility("default")))
#define MPK_WUR          __attribute__((warn_unused_result))
#define MPK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MPK_API
#define MPK_WUR
#define MPK_PRINTF(f, a)
#endif

/** X-macro: name, value, message. The message table and enum are built from this one list. */
#define MPK_ERROR_LIST(X)                                  \
    X(MPK_OK, 0, "success")                                \
    X(MPK_ERROR, -1, "error")                              \
    X(MPK_ENOMEM, -2, "out of memory")                     \
    X(MPK_EINVAL, -3, "invalid argument")                  \
    X(MPK_ENOTFOUND, -4, "not found")                      \
    X(MPK_EIO, -5, "input/output error")                   \
    X(MPK_EFORMAT, -6, "malformed data")                   \
    X(MPK_ELIMIT, -7, "size or count limit exceeded")      \
    X(MPK_ESIGNATURE, -8, "signature verification failed") \
    X(MPK_EHASH, -9, "size or hash mismatch")              \
    X(MPK_EVALIDATE, -10, "motion validation failed")      \
    X(MPK_EEXISTS, -11, "already exists")                  \
    X(MPK_EUNSUPPORTED, -12, "unsupported")                \
    X(MPK_ENETWORK, -13, "network error")                  \
    X(MPK_EREJECTED, -14, "rejected by the server")

/** Error codes of libmpk. */
typedef enum mpk_error {
#define MPK__ENUM(name, value, msg) name = value,
    MPK_ERROR_LIST(MPK__ENUM)
#undef MPK__ENUM
} mpk_error;

/** @return a static description of an error code ("signature verification failed"). */
MPK_API const char *mpk_strerror(int code);

/**
 * @return the context message of the last failure in this thread (never NULL; empty when none).
 * Borrowed; valid until the next libmpk call in this thread.
 */
MPK_API const char *mpk_error_message(void);

/** Clears this thread's context message. */
MPK_API void mpk_error_clear(void);

/** Version of the library, "MAJOR.MINOR.PATCH". */
MPK_API const char *mpk_version(void);

#ifdef __cplusplus
}
#endif
#endif
