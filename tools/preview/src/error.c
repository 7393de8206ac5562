/* The context message of mpk-preview's last failure. One thread draws and loads, so a static
 * buffer is enough; it is _Thread_local anyway so a test thread cannot see another's message. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char message[1024];

int preview_fail(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    return code;
}

int preview_fail_mpk(int code, const char *fmt, ...)
{
    char ours[512];
    const char *theirs = mpk_error_message();
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ours, sizeof(ours), fmt, ap);
    va_end(ap);
    if (!theirs || !*theirs)
        theirs = mpk_strerror(code);
    snprintf(message, sizeof(message), "%s: %s", ours, theirs);
    return code;
}

const char *preview_error_message(void)
{
    return message;
}
