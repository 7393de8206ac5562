/* Error reporting of mpk-preview: libmpk's codes (MPK_*) and a context message of our own. */
#ifndef PREVIEW_ERROR_H
#define PREVIEW_ERROR_H

#include "mpk/common.h"

/**
 * Sets the context message ("wave.mpk: motion 'bow': robot 'x1' is unknown") and returns code,
 * for `return preview_fail(MPK_EINVAL, ...)`.
 */
int preview_fail(int code, const char *fmt, ...) MPK_PRINTF(2, 3);

/**
 * Like preview_fail() for a failure that libmpk reported: the message is "<ours>: <libmpk's
 * context message>" (or libmpk's description of code when it left no context).
 */
int preview_fail_mpk(int code, const char *fmt, ...) MPK_PRINTF(2, 3);

/** @return the context message of the last failure (never NULL). Borrowed. */
const char *preview_error_message(void);

#endif
