/* Error codes, messages and the thread-local context message of libmpk. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MPK__MSG_MAX 1024

static _Thread_local char mpk__msg[MPK__MSG_MAX];

const char *mpk_strerror(int code)
{
    switch (code) {
#define MPK__CASE(name, value, msg) \
    case value:                     \
        return msg;
        MPK_ERROR_LIST(MPK__CASE)
#undef MPK__CASE
    }
    return "unknown error";
}

const char *mpk_error_message(void)
{
    return mpk__msg;
}

void mpk_error_clear(void)
{
    mpk__msg[0] = '\0';
}

int mpk__error(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(mpk__msg, sizeof(mpk__msg), fmt, ap);
    va_end(ap);
    return code;
}

int mpk__error_prefix(int code, const char *fmt, ...)
{
    char prefix[MPK__MSG_MAX];
    char old[MPK__MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, mpk__msg, sizeof(old));
    if (old[0] != '\0')
        snprintf(mpk__msg, sizeof(mpk__msg), "%s: %s", prefix, old);
    else
        snprintf(mpk__msg, sizeof(mpk__msg), "%s: %s", prefix, mpk_strerror(code));
    return code;
}

const char *mpk_version(void)
{
    return MPK_VERSION_STRING;
}
