/* Error codes, messages and the thread-local context message of libmstore. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MSTORE__MSG_MAX 1024

static _Thread_local char mstore__msg[MSTORE__MSG_MAX];

const char *mstore_strerror(int code)
{
    switch (code) {
#define MSTORE__CASE(name, value, msg) \
    case value:                        \
        return msg;
        MSTORE_ERROR_LIST(MSTORE__CASE)
#undef MSTORE__CASE
    }
    return "unknown error";
}

const char *mstore_error_name(int code)
{
    switch (code) {
#define MSTORE__CASE(name, value, msg) \
    case value:                        \
        return #name;
        MSTORE_ERROR_LIST(MSTORE__CASE)
#undef MSTORE__CASE
    }
    return "MSTORE_?";
}

const char *mstore_error_message(void)
{
    return mstore__msg;
}

void mstore_error_clear(void)
{
    mstore__msg[0] = '\0';
}

int mstore__error(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(mstore__msg, sizeof(mstore__msg), fmt, ap);
    va_end(ap);
    return code;
}

int mstore__error_prefix(int code, const char *fmt, ...)
{
    char prefix[MSTORE__MSG_MAX];
    char old[MSTORE__MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, mstore__msg, sizeof(old));
    if (old[0] != '\0')
        snprintf(mstore__msg, sizeof(mstore__msg), "%s: %s", prefix, old);
    else
        snprintf(mstore__msg, sizeof(mstore__msg), "%s: %s", prefix, mstore_strerror(code));
    return code;
}

const char *mstore_version(void)
{
    return MSTORE_VERSION_STRING;
}
