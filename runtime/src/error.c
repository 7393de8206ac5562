/* Error codes, messages and the thread-local context message of libmotion. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "mpk/common.h"

#define MOTION__MSG_MAX 1024

static _Thread_local char motion__msg[MOTION__MSG_MAX];

const char *motion_strerror(int code)
{
    switch (code) {
#define MOTION__CASE(name, value, msg) \
    case value:                        \
        return msg;
        MOTION_ERROR_LIST(MOTION__CASE)
#undef MOTION__CASE
    }
    return "unknown error";
}

const char *motion_error_message(void)
{
    return motion__msg;
}

void motion_error_clear(void)
{
    motion__msg[0] = '\0';
}

const char *motion_version(void)
{
    return MOTION_VERSION_STRING;
}

int64_t motion_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int motion__error(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(motion__msg, sizeof(motion__msg), fmt, ap);
    va_end(ap);
    return code;
}

int motion__error_prefix(int code, const char *fmt, ...)
{
    char prefix[MOTION__MSG_MAX];
    char old[MOTION__MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, motion__msg, sizeof(old));
    if (old[0] != '\0')
        snprintf(motion__msg, sizeof(motion__msg), "%s: %s", prefix, old);
    else
        snprintf(motion__msg, sizeof(motion__msg), "%s: %s", prefix, motion_strerror(code));
    return code;
}

int motion__from_mpk(int mpk_code, int fallback)
{
    const char *ctx = mpk_error_message();
    int code;

    switch (mpk_code) {
    case MPK_OK:
        return MOTION_OK;
    case MPK_ENOMEM:
        code = MOTION_ENOMEM;
        break;
    case MPK_EINVAL:
        code = MOTION_EINVAL;
        break;
    case MPK_ENOTFOUND:
        code = MOTION_ENOTFOUND;
        break;
    case MPK_EIO:
        code = MOTION_EIO;
        break;
    default:
        code = fallback;
        break;
    }
    return motion__error(code, "%s", ctx && *ctx ? ctx : mpk_strerror(mpk_code));
}

char *motion__strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}
