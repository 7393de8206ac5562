/*
 * robotgen: generates libmpk's robot model table (sdk/src/robots_generated.c) from Unitree's URDFs
 * and the project's model specs. The output is committed; `--check` tells whether it is current.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "internal.h" /* libmpk's mpk__write_file_atomic (sdk/src/fileio.c) */
#include "model.h"
#include "spec.h"
#include "urdf.h"

#define ERR_MAX 1024

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: robotgen --specs DIR --urdf DIR (--out FILE | --check FILE)\n\n"
        "Builds the robot model table of libmpk from the URDFs in --urdf and the model specs in\n"
        "--specs (models.json lists the models in table order; <id>.json holds each one).\n"
        "  --out FILE    write the C source to FILE atomically ('-' for stdout)\n"
        "  --check FILE  exit 0 if FILE is exactly what would be written, else 1\n");
}

/* Generates the whole source into a malloc'd buffer. */
static int generate(char **text, size_t *size, const char *spec_dir, const char *urdf_dir,
                    char *err)
{
    char **ids = NULL, *path = NULL;
    int count = 0, built = 0, rc = -1, i;
    mpk_robot_model *models[RG_SPEC_MAX_MODELS] = {0};
    FILE *mem = NULL;

    if (asprintf(&path, "%s/models.json", spec_dir) < 0)
        path = NULL;
    if (!path || rg_spec_index_load(&ids, &count, path, err, ERR_MAX))
        goto out;
    for (i = 0; i < count; i++) {
        rg_spec *spec = NULL;
        rg_urdf *urdf = NULL;
        char *p = NULL;
        int bad;

        free(path);
        path = NULL;
        if (asprintf(&path, "%s/%s.json", spec_dir, ids[i]) < 0) {
            path = NULL;
            snprintf(err, ERR_MAX, "out of memory");
            goto out;
        }
        if (rg_spec_load(&spec, path, err, ERR_MAX))
            goto out;
        bad = strcmp(spec->id, ids[i]) != 0;
        if (bad)
            snprintf(err, ERR_MAX, "%s: id: '%s' does not match the file name", path, spec->id);
        else if (asprintf(&p, "%s/%s", urdf_dir, spec->urdf) < 0)
            bad = 1, p = NULL, snprintf(err, ERR_MAX, "out of memory");
        else
            bad = rg_urdf_load(&urdf, p, err, ERR_MAX) ||
                  rg_model_build(&models[built++], spec, urdf, err, ERR_MAX);
        free(p);
        rg_urdf_free(urdf);
        rg_spec_free(spec);
        if (bad)
            goto out;
    }
    mem = open_memstream(text, size);
    if (!mem || rg_emit(mem, models, count)) {
        snprintf(err, ERR_MAX, "cannot write the generated source");
        goto out;
    }
    if (fclose(mem) != 0) {
        mem = NULL;
        snprintf(err, ERR_MAX, "cannot write the generated source");
        goto out;
    }
    mem = NULL;
    rc = 0;
out:
    if (mem) {
        fclose(mem);
        free(*text);
        *text = NULL;
    }
    for (i = 0; i < built; i++)
        rg_model_free(models[i]);
    rg_spec_index_free(ids, count);
    free(path);
    return rc;
}

/* libmpk's atomic writer (temporary file beside the target, fsync, rename, fsync of the folder):
 * all or nothing. */
static int write_atomic(const char *path, const char *data, size_t size, char *err)
{
    if (mpk__write_file_atomic(path, data, size, 0644) == MPK_OK)
        return 0;
    snprintf(err, ERR_MAX, "%s", mpk_error_message());
    return -1;
}

/* Compares the generated text with the committed file and names the first differing line. */
static int check(const char *path, const char *text, size_t size, char *err)
{
    char *old = NULL;
    size_t old_size = 0, i, line = 1;

    if (rg_read_file(&old, &old_size, path, 16u << 20, err, ERR_MAX))
        return -1;
    for (i = 0; i < size && i < old_size && text[i] == old[i]; i++) {
        if (text[i] == '\n')
            line++;
    }
    free(old);
    if (i == size && i == old_size)
        return 0;
    snprintf(err, ERR_MAX,
             "%s: differs from the generator's output from line %zu on; do not edit it by hand: "
             "run `cmake --build BUILD --target regen-robots` and commit the result",
             path, line);
    return -1;
}

int main(int argc, char **argv)
{
    const char *specs = NULL, *urdf = NULL, *out = NULL, *check_path = NULL;
    char err[ERR_MAX] = "";
    char *text = NULL;
    size_t size = 0;
    int i, rc = 1;

    for (i = 1; i < argc; i++) {
        const char **slot = NULL;

        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--specs") == 0)
            slot = &specs;
        else if (strcmp(argv[i], "--urdf") == 0)
            slot = &urdf;
        else if (strcmp(argv[i], "--out") == 0)
            slot = &out;
        else if (strcmp(argv[i], "--check") == 0)
            slot = &check_path;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "robotgen: %s '%s'\n", slot ? "missing value after" : "unknown option",
                    argv[i]);
            usage(stderr);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!specs || !urdf || (!out == !check_path)) {
        fprintf(stderr, "robotgen: need --specs, --urdf and one of --out or --check\n");
        usage(stderr);
        return 2;
    }
    if (generate(&text, &size, specs, urdf, err))
        goto out;
    if (check_path) {
        if (check(check_path, text, size, err))
            goto out;
    } else if (strcmp(out, "-") == 0) {
        if (fwrite(text, 1, size, stdout) != size || fflush(stdout) != 0) {
            snprintf(err, sizeof(err), "stdout: write error");
            goto out;
        }
    } else if (write_atomic(out, text, size, err)) {
        goto out;
    }
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "robotgen: %s\n", err);
    free(text);
    return rc;
}
