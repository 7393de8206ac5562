/* The motion source types of mpk-project.json: "csv" (the track CSV form), "mpkt" (a binary
 * track), "keyframes" (project_keyframes.c) and "unitree-csv" (project_unitree.c). New types go in
 * their own file and get one line in mpk__source_types. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_util.h"
#include "package_internal.h"
#include "project_source.h"

int mpk__source_file(char **out, const mpk__source_ctx *ctx, const json_t *source, const char *key)
{
    char where[MPK__PATH_MAX];
    const char *file = NULL, *why;
    int error;

    error = mpk__json_get_string(&file, source, ctx->field, key, true);
    if (error)
        return mpk__error_prefix(error, "%s", ctx->project_file);
    mpk__json_path(where, sizeof(where), ctx->field, key);
    /* The same rule as paths inside packages: the project folder can be copied anywhere. */
    why = mpk__path_problem(file);
    if (why)
        return mpk__error(MPK_EFORMAT, "%s: %s: '%s' %s", ctx->project_file, where, file, why);
    *out = mpk__asprintf("%s/%s", ctx->dir, file);
    if (!*out)
        return mpk__error(MPK_ENOMEM, "out of memory");
    return MPK_OK;
}

int mpk__source_rate(double *out, const mpk__source_ctx *ctx, const json_t *source)
{
    char where[MPK__PATH_MAX];
    double rate = ctx->rate;
    int error;

    error = mpk__json_get_number(&rate, source, ctx->field, "rate", false);
    if (error)
        return mpk__error_prefix(error, "%s", ctx->project_file);
    if (!(rate >= MPK_TRACK_MIN_RATE && rate <= MPK_TRACK_MAX_RATE)) {
        mpk__json_path(where, sizeof(where), ctx->field, "rate");
        return mpk__error(MPK_EFORMAT, "%s: %s: %g Hz, must be between %g and %g",
                          ctx->project_file, where, rate, MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
    }
    *out = rate;
    return MPK_OK;
}

static const char *const file_keys[] = {"file", NULL};

/* {"type": "csv", "file": "motions/wave.csv"}: the CSV form of mpk_track_to_csv(). */
static int load_csv(mpk_track **out, const mpk__source_ctx *ctx, const json_t *source)
{
    char *path = NULL, *text = NULL;
    size_t size = 0;
    int error;

    error = mpk__source_file(&path, ctx, source, "file");
    if (error)
        return error;
    error = mpk__read_file(&text, &size, path, MPK_TRACK_CSV_MAX_SIZE);
    if (!error) {
        error = mpk_track_from_csv(out, text, size, ctx->model->id);
        if (error)
            mpk__error_prefix(error, "%s", path);
    }
    free(text);
    free(path);
    return error;
}

/* {"type": "mpkt", "file": "motions/wave.mpkt"}: a binary track as written by mpk. */
static int load_mpkt(mpk_track **out, const mpk__source_ctx *ctx, const json_t *source)
{
    char *path = NULL;
    int error;

    error = mpk__source_file(&path, ctx, source, "file");
    if (!error)
        error = mpk_track_read_file(out, path); /* names the file itself */
    free(path);
    return error;
}

const mpk__source_type mpk__source_types[] = {
    {"csv", file_keys, load_csv},
    {"mpkt", file_keys, load_mpkt},
    {"keyframes", mpk__keyframes_keys, mpk__load_keyframes},
    {"unitree-csv", mpk__unitree_csv_keys, mpk__load_unitree_csv},
    {NULL, NULL, NULL},
};
