/* The backend table, opening a backend by name, and backend options. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "motion/backend.h"

/*
 * Built-in backends, in the order --help lists them. "dds" is provided by runtime/dds/ (another
 * owner): runtime/dds/dds.cmake adds its sources and defines MOTION_HAVE_DDS=1, and the backend
 * must define `const motion_backend_ops motion__backend_dds` (declared in internal.h) with name
 * "dds". This is the only compile-time switch in libmotion: callers choose backends by name.
 */
static const motion_backend_ops *const backends[] = {
    &motion__backend_sim, &motion__backend_record,
#if defined(MOTION_HAVE_DDS) && MOTION_HAVE_DDS
    &motion__backend_dds, /* DDS ENTRY: runtime/dds/ */
#endif
};

#define BACKEND_COUNT ((int)(sizeof(backends) / sizeof(backends[0])))

struct motion_backend {
    const motion_backend_ops *ops;
    void *ctx;
};

const motion_backend_ops *motion_backend_at(int i)
{
    return i >= 0 && i < BACKEND_COUNT ? backends[i] : NULL;
}

const motion_backend_ops *motion_backend_find(const char *name)
{
    int i;

    for (i = 0; name && i < BACKEND_COUNT; i++) {
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    }
    return NULL;
}

int motion_backend_open_ops(motion_backend **out, const motion_backend_ops *ops,
                            const mpk_robot_model *model, double rate_hz, motion_options options)
{
    motion_backend *b;
    int err;

    if (!out || !ops || !model)
        return motion__error(MOTION_EINVAL, "backend: NULL argument");
    if (!(rate_hz >= MOTION_RATE_MIN && rate_hz <= MOTION_RATE_MAX))
        return motion__error(MOTION_EINVAL, "backend %s: rate %g Hz outside %g..%g", ops->name,
                             rate_hz, MOTION_RATE_MIN, MOTION_RATE_MAX);
    b = calloc(1, sizeof(*b));
    if (!b)
        return motion__error(MOTION_ENOMEM, "backend %s: out of memory", ops->name);
    b->ops = ops;
    err = ops->open(&b->ctx, model, rate_hz, options);
    if (err != MOTION_OK) {
        free(b);
        return err;
    }
    *out = b;
    return MOTION_OK;
}

int motion_backend_open(motion_backend **out, const char *name, const mpk_robot_model *model,
                        double rate_hz, motion_options options)
{
    const motion_backend_ops *ops = motion_backend_find(name);
    char known[256] = "";
    int i;

    if (!ops) {
        for (i = 0; i < BACKEND_COUNT; i++) {
            strncat(known, i ? ", " : "", sizeof(known) - strlen(known) - 1);
            strncat(known, backends[i]->name, sizeof(known) - strlen(known) - 1);
        }
        return motion__error(MOTION_ENOTFOUND, "unknown backend '%s' (this build has: %s)",
                             name ? name : "(null)", known);
    }
    return motion_backend_open_ops(out, ops, model, rate_hz, options);
}

int motion_backend_read_state(motion_backend *b, motion_state *out, int64_t now_ns)
{
    return b->ops->read_state(b->ctx, out, now_ns);
}

int motion_backend_write(motion_backend *b, const motion_command *cmd)
{
    return b->ops->write(b->ctx, cmd);
}

const char *motion_backend_name(const motion_backend *b)
{
    return b->ops->name;
}

void motion_backend_stats_get(const motion_backend *b, motion_backend_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (b && b->ops->stats)
        b->ops->stats(b->ctx, out);
}

void motion_backend_free(motion_backend *b)
{
    if (!b)
        return;
    b->ops->close(b->ctx);
    free(b);
}

static size_t key_length(const char *opt)
{
    const char *eq = strchr(opt, '=');
    return eq ? (size_t)(eq - opt) : strlen(opt);
}

const char *motion_options_get(motion_options options, const char *key)
{
    size_t n = strlen(key);
    const char *value = NULL;

    for (; options && *options; options++) {
        /* The last occurrence wins, so a command line can override a configuration file. */
        if (key_length(*options) == n && strncmp(*options, key, n) == 0 && (*options)[n] == '=')
            value = *options + n + 1;
    }
    return value;
}

int motion_options_check(motion_options options, const char *backend, const char *const *known)
{
    for (; options && *options; options++) {
        const char *const *k;
        size_t n = key_length(*options);
        bool found = false;

        if ((*options)[n] != '=' || n == 0)
            return motion__error(MOTION_EINVAL, "backend %s: option '%s' is not key=value", backend,
                                 *options);
        for (k = known; *k && !found; k++)
            found = strlen(*k) == n && strncmp(*k, *options, n) == 0;
        if (!found) {
            char list[256] = "";
            for (k = known; *k; k++) {
                strncat(list, k == known ? "" : ", ", sizeof(list) - strlen(list) - 1);
                strncat(list, *k, sizeof(list) - strlen(list) - 1);
            }
            return motion__error(MOTION_EINVAL, "backend %s: unknown option '%.*s' (known: %s)",
                                 backend, (int)n, *options, list);
        }
    }
    return MOTION_OK;
}

int motion_options_double(double *out, motion_options options, const char *backend, const char *key,
                          double min, double max)
{
    const char *v = motion_options_get(options, key);
    char *end;
    double d;

    if (!v)
        return MOTION_OK;
    errno = 0;
    d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d) || d < min || d > max)
        return motion__error(MOTION_EINVAL, "backend %s: option %s=%s: must be a number %g..%g",
                             backend, key, v, min, max);
    *out = d;
    return MOTION_OK;
}

int motion_options_int(int64_t *out, motion_options options, const char *backend, const char *key,
                       int64_t min, int64_t max)
{
    const char *v = motion_options_get(options, key), *p;
    char *end;
    long long n;

    if (!v)
        return MOTION_OK;
    /* strtoll alone would take "0x10", " 7" and stop quietly at "1.5": digits only. */
    p = v + (*v == '-' || *v == '+');
    errno = 0;
    n = *p >= '0' && *p <= '9' ? strtoll(v, &end, 10) : 0;
    if (!(*p >= '0' && *p <= '9') || errno || *end || n < min || n > max)
        return motion__error(MOTION_EINVAL,
                             "backend %s: option %s=%s: must be a whole number %lld..%lld", backend,
                             key, v, (long long)min, (long long)max);
    *out = n;
    return MOTION_OK;
}
