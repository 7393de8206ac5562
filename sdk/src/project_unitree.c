/* The "unitree-csv" motion source: a Unitree retargeted CSV imported at build time
 * (mpk/import.h). {"type": "unitree-csv", "file": "motions/dance.csv"} and optionally "rate"
 * (else the project's), "source_rate" (rows per second, 30), "trim": [start, end] (seconds of the
 * CSV; end null for the end) and "joints": "all" or "upper-body". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_util.h"
#include "project_source.h"
#include "mpk/import.h"

const char *const mpk__unitree_csv_keys[] = {"file", "rate", "source_rate", "trim", "joints", NULL};

static int field_error(const mpk__source_ctx *ctx, const char *key, const char *what)
{
    char where[MPK__PATH_MAX];

    mpk__json_path(where, sizeof(where), ctx->field, key);
    return mpk__error(MPK_EFORMAT, "%s: %s: %s", ctx->project_file, where, what);
}

static int read_options(mpk_import_options *o, const mpk__source_ctx *ctx, const json_t *source)
{
    const json_t *trim = json_object_get(source, "trim");
    const char *joints = NULL;
    int error;

    mpk_import_options_init(o);
    error = mpk__source_rate(&o->rate, ctx, source);
    if (error)
        return error;
    error = mpk__json_get_number(&o->source_rate, source, ctx->field, "source_rate", false);
    if (!error)
        error = mpk__json_get_string(&joints, source, ctx->field, "joints", false);
    if (error)
        return mpk__error_prefix(error, "%s", ctx->project_file);
    if (!(o->source_rate >= MPK_TRACK_MIN_RATE && o->source_rate <= MPK_TRACK_MAX_RATE))
        return field_error(ctx, "source_rate", "must be between 1 and 1000 rows per second");
    if (joints && strcmp(joints, "all") == 0)
        o->joints = MPK_IMPORT_ALL;
    else if (joints && strcmp(joints, "upper-body") == 0)
        o->joints = MPK_IMPORT_UPPER_BODY;
    else if (joints)
        return field_error(ctx, "joints", "must be \"all\" or \"upper-body\"");
    if (trim) {
        const json_t *a = json_array_get(trim, 0), *b = json_array_get(trim, 1);
        if (!json_is_array(trim) || json_array_size(trim) != 2 || !json_is_number(a) ||
            !(json_is_number(b) || json_is_null(b)))
            return field_error(ctx, "trim",
                               "must be [start, end] in seconds (end null: to the "
                               "end of the CSV)");
        o->trim_start = json_number_value(a);
        o->trim_end = json_is_null(b) ? NAN : json_number_value(b);
        if (!(o->trim_start >= 0) || (!isnan(o->trim_end) && !(o->trim_end > o->trim_start)))
            return field_error(ctx, "trim", "the start must be 0 or more and the end after it");
    }
    return MPK_OK;
}

int mpk__load_unitree_csv(mpk_track **out, const mpk__source_ctx *ctx, const json_t *source)
{
    mpk_import_options o;
    char *path = NULL;
    int error;

    error = read_options(&o, ctx, source);
    if (!error)
        error = mpk__source_file(&path, ctx, source, "file");
    if (!error)
        error = mpk_import_unitree_csv_file(out, path, ctx->model, &o); /* names the file */
    free(path);
    /* A trim outside the CSV is the project's mistake, not the caller's. */
    return error == MPK_EINVAL ? MPK_EFORMAT : error;
}
