/* Error codes and the thread-local context message of mstore-server. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "mpk/common.h"

#define SRV_MSG_MAX 2048

static _Thread_local char msg[SRV_MSG_MAX];

const char *srv_strerror(int code)
{
    switch (code) {
#define SRV__CASE(name, value, text) \
    case value:                      \
        return text;
        SRV_ERROR_LIST(SRV__CASE)
#undef SRV__CASE
    }
    return "unknown error";
}

const char *srv_errmsg(void)
{
    return msg[0] ? msg : "";
}

int srv_err(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return code;
}

int srv_err_prefix(int code, const char *fmt, ...)
{
    char prefix[SRV_MSG_MAX], old[SRV_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, msg, sizeof(old));
    snprintf(msg, sizeof(msg), "%s: %s", prefix, old[0] ? old : srv_strerror(code));
    return code;
}

int srv_err_from_mpk(int code, int mpk_code)
{
    const char *m = mpk_error_message();

    return srv_err(code, "%s", m && *m ? m : mpk_strerror(mpk_code));
}
