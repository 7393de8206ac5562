/* Package projects (mpk-project.json): loading the motions and assets a project names, and
 * building the signed package. The manifest is made by the manifest parser itself from the
 * project's fields plus what the tracks say, so a project obeys exactly the manifest's rules and
 * its errors carry the same field paths. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_util.h"
#include "package_internal.h"
#include "project_internal.h"
#include "project_source.h"
#include "mpk/package.h"
#include "mpk/project.h"
#include "mpk/validate.h"

/* Fields of the project file. New project-wide settings are added here; a source type's own
 * fields are listed in its entry of mpk__source_types. "rate" is the sampling rate of keyframe
 * and imported sources; "validation" holds the settings of mpk validate. */
static const char *const project_keys[] = {
    "format",  "id",       "version",     "name",        "description", "author",
    "license", "category", "permissions", "min_runtime", "key",         "thumbnail",
    "assets",  "motions",  "rate",        "validation",  NULL};
static const char *const validation_keys[] = {
    "margin",       "velocity_factor", "acceleration_factor", "jerk_factor",    "max_jump",
    "min_duration", "max_duration",    "stand_tolerance",     "hold_tolerance", NULL};
/* Where each of validation_keys goes in mpk_validate_options. */
static const size_t validation_offsets[] = {offsetof(mpk_validate_options, margin),
                                            offsetof(mpk_validate_options, velocity_factor),
                                            offsetof(mpk_validate_options, acceleration_factor),
                                            offsetof(mpk_validate_options, jerk_factor),
                                            offsetof(mpk_validate_options, max_jump),
                                            offsetof(mpk_validate_options, min_duration),
                                            offsetof(mpk_validate_options, max_duration),
                                            offsetof(mpk_validate_options, stand_tolerance),
                                            offsetof(mpk_validate_options, hold_tolerance)};
static const char *const thumbnail_keys[] = {"motion", "time", NULL};
static const char *const motion_keys[] = {"name", "robot", "source", "loopable", "title", NULL};

/* The first runtime: what a project that does not say needs. */
#define DEFAULT_MIN_RUNTIME "0.1.0"
#define ZERO_SHA256         "0000000000000000000000000000000000000000000000000000000000000000"

struct mpk_project {
    char *dir;
    char *file; /* dir/mpk-project.json, for messages */
    mpk_manifest *manifest;
    mpk_track **tracks; /* one per manifest motion */
    char **sources;     /* what each track was made from, for messages */
    size_t motion_count;
    char **assets; /* package paths (the same as in the project folder) */
    void **asset_data;
    size_t *asset_sizes;
    size_t asset_count;
    char *key_path;
    char *package_name;
    char **source_types; /* each motion's source "type" */
    double rate;         /* "rate": Hz for keyframe and imported sources */
    mpk_validate_options validation;
    int thumbnail_mode;     /* MPK_PROJECT_THUMBNAIL_* */
    char *thumbnail_motion; /* motion to render (NULL: the first) */
    double thumbnail_time;  /* NaN: the middle */
};

void mpk_project_free(mpk_project *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; p->tracks && i < p->motion_count; i++) {
        mpk_track_free(p->tracks[i]);
        free(p->sources[i]);
        free(p->source_types[i]);
    }
    free(p->tracks);
    free(p->sources);
    free(p->source_types);
    free(p->thumbnail_motion);
    for (i = 0; i < p->asset_count; i++) {
        free(p->assets[i]);
        free(p->asset_data[i]);
    }
    free(p->assets);
    free(p->asset_data);
    free(p->asset_sizes);
    mpk_manifest_free(p->manifest);
    free(p->key_path);
    free(p->package_name);
    free(p->file);
    free(p->dir);
    free(p);
}

static int oom(void)
{
    return mpk__error(MPK_ENOMEM, "out of memory");
}

/* The robot's joints only: limits are mpk_project_build()'s business (and mpk validate's). */
static int check_joints(const mpk_track *t, const mpk_robot_model *model)
{
    int j, k;

    if (strcmp(mpk_track_robot(t), model->id) != 0)
        return mpk__error(MPK_EFORMAT, "the track is for '%s', not '%s'", mpk_track_robot(t),
                          model->id);
    for (j = 0; j < mpk_track_joint_count(t); j++) {
        if (mpk_robot_joint_index(model, mpk_track_joint_name(t, j)) < 0)
            return mpk__error(MPK_EFORMAT, "joint '%s' is not a joint of %s",
                              mpk_track_joint_name(t, j), model->id);
        for (k = 0; k < j; k++)
            if (strcmp(mpk_track_joint_name(t, k), mpk_track_joint_name(t, j)) == 0)
                return mpk__error(MPK_EFORMAT, "joint '%s' is listed twice",
                                  mpk_track_joint_name(t, j));
    }
    return MPK_OK;
}

/* Loads motion i: its source through the source type's loader. */
static int load_motion(mpk_project *p, const json_t *doc, const json_t *mo, size_t i)
{
    char path[MPK__PATH_MAX], field[MPK__PATH_MAX];
    const char *name = NULL, *robot = NULL, *type = NULL, *file = NULL;
    const mpk__source_type *st;
    const mpk_robot_model *model;
    const json_t *source = NULL;
    mpk__source_ctx ctx;
    int error;

    mpk__json_index(path, sizeof(path), "motions", i);
    error = mpk__json_expect_object(mo, path);
    if (!error)
        error = mpk__json_check_keys(mo, path, motion_keys);
    if (!error)
        error = mpk__json_get_string(&name, mo, path, "name", true);
    if (!error)
        error = mpk__json_get_string(&robot, mo, path, "robot", true);
    if (!error)
        error = mpk__json_get_object(&source, mo, path, "source", true);
    mpk__json_path(field, sizeof(field), path, "source");
    if (!error)
        error = mpk__json_get_string(&type, source, field, "type", true);
    if (error)
        return mpk__error_prefix(error, "%s", p->file);
    model = mpk_robot_find(robot);
    if (!model)
        return mpk__error(MPK_EFORMAT, "%s: %s.robot: unknown robot model '%s'", p->file, path,
                          robot);
    for (st = mpk__source_types; st->type; st++)
        if (strcmp(st->type, type) == 0)
            break;
    if (!st->type) {
        char known[256] = "";
        const mpk__source_type *k;
        for (k = mpk__source_types; k->type; k++)
            snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
                     k == mpk__source_types ? "" : ", ", k->type);
        return mpk__error(MPK_EFORMAT, "%s: %s.type: '%s' is not a source type (%s)", p->file,
                          field, type, known);
    }
    {
        /* "type" plus the type's own fields. */
        const char *keys[32];
        const char *const *k;
        size_t n = 0;

        keys[n++] = "type";
        for (k = st->keys; k && *k && n < 31; k++)
            keys[n++] = *k;
        keys[n] = NULL;
        error = mpk__json_check_keys(source, field, keys);
        if (error)
            return mpk__error_prefix(error, "%s", p->file);
    }
    ctx = (mpk__source_ctx){p->dir, p->file, field, name, model, doc, p->rate};
    error = st->load(&p->tracks[i], &ctx, source);
    if (error)
        return error;
    file = json_string_value(json_object_get(source, "file"));
    p->sources[i] = mpk__strdup(file ? file : type);
    p->source_types[i] = mpk__strdup(type);
    if (!p->sources[i] || !p->source_types[i])
        return oom();
    error = check_joints(p->tracks[i], model);
    if (error)
        return mpk__error_prefix(error, "%s/%s", p->dir, p->sources[i]);
    return MPK_OK;
}

static int load_assets(mpk_project *p, const json_t *doc)
{
    const json_t *arr = NULL;
    size_t i, j;
    int error;

    error = mpk__json_get_array(&arr, doc, "", "assets", false, MPK_MANIFEST_MAX_FILES);
    if (error || !arr)
        return error;
    p->asset_count = 0;
    p->assets = calloc(json_array_size(arr) + 1, sizeof(*p->assets));
    p->asset_data = calloc(json_array_size(arr) + 1, sizeof(*p->asset_data));
    p->asset_sizes = calloc(json_array_size(arr) + 1, sizeof(*p->asset_sizes));
    if (!p->assets || !p->asset_data || !p->asset_sizes)
        return oom();
    for (i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        const char *path = json_string_value(v), *why;
        char *full;
        size_t size = 0;

        if (!json_is_string(v))
            return mpk__error(MPK_EFORMAT, "%s: assets[%zu]: must be a string", p->file, i);
        why = mpk__path_problem(path);
        if (why)
            return mpk__error(MPK_EFORMAT, "%s: assets[%zu]: '%s' %s", p->file, i, path, why);
        if (strncmp(path, "motions/", 8) == 0)
            return mpk__error(MPK_EFORMAT, "%s: assets[%zu]: '%s': motions/ holds the tracks",
                              p->file, i, path);
        for (j = 0; j < i; j++)
            if (mpk__strcasecmp_ascii(p->assets[j], path) == 0)
                return mpk__error(MPK_EFORMAT, "%s: assets[%zu]: '%s' is listed twice", p->file, i,
                                  path);
        full = mpk__asprintf("%s/%s", p->dir, path);
        p->assets[i] = mpk__strdup(path);
        if (!full || !p->assets[i]) {
            free(full);
            return oom();
        }
        p->asset_count = i + 1;
        error = mpk__read_file((char **)&p->asset_data[i], &size, full, MPK_PACKAGE_MAX_ENTRY);
        free(full);
        if (error)
            return error;
        p->asset_sizes[i] = size;
    }
    return MPK_OK;
}

static int add_file_entry(json_t *files, const char *path)
{
    json_t *f = json_pack("{s:s, s:i, s:s}", "path", path, "size", 0, "sha256", ZERO_SHA256);
    return f && json_array_append_new(files, f) == 0 ? MPK_OK : oom();
}

/* The manifest document: the project's own fields, then what the tracks say. Files carry
 * placeholders until mpk_project_build() hashes the real bytes. */
static int make_manifest(mpk_project *p, const json_t *doc)
{
    static const char *const copied[] = {"format",      "id",          "version", "name",
                                         "description", "author",      "license", "category",
                                         "permissions", "min_runtime", NULL};
    const json_t *motions = json_object_get(doc, "motions");
    json_t *m = json_object(), *robots = json_array(), *list = json_array(), *files = json_array();
    const char *const *k;
    char *text = NULL;
    size_t i, r;
    int error = MPK_OK;

    if (!m || !robots || !list || !files) {
        error = oom();
        goto out;
    }
    for (k = copied; *k; k++)
        if (json_object_get(doc, *k))
            json_object_set(m, *k, json_object_get(doc, *k));
    if (!json_object_get(m, "min_runtime"))
        json_object_set_new(m, "min_runtime", json_string(DEFAULT_MIN_RUNTIME));
    /* A thumbnail file is the manifest's; a thumbnail to render joins it when it exists. */
    if (json_is_string(json_object_get(doc, "thumbnail")))
        json_object_set(m, "thumbnail", json_object_get(doc, "thumbnail"));
    for (i = 0; i < p->motion_count; i++) {
        const json_t *src = json_array_get(motions, i);
        const mpk_track *t = p->tracks[i];
        const char *name = json_string_value(json_object_get(src, "name"));
        json_t *mo = json_object(), *joints = json_array();
        char *file = mpk__asprintf("motions/%s.mpkt", name);
        int j;

        if (!mo || !joints || !file) {
            json_decref(mo);
            json_decref(joints);
            free(file);
            error = oom();
            goto out;
        }
        for (j = 0; j < mpk_track_joint_count(t); j++)
            json_array_append_new(joints, json_string(mpk_track_joint_name(t, j)));
        json_object_set(mo, "name", json_object_get(src, "name"));
        json_object_set_new(mo, "file", json_string(file));
        json_object_set_new(mo, "robot", json_string(mpk_track_robot(t)));
        json_object_set_new(mo, "duration", json_real(mpk_track_duration(t)));
        json_object_set_new(mo, "rate", json_real(mpk_track_rate(t)));
        json_object_set_new(mo, "joints", joints);
        if (json_object_get(src, "loopable"))
            json_object_set(mo, "loopable", json_object_get(src, "loopable"));
        if (json_object_get(src, "title"))
            json_object_set(mo, "title", json_object_get(src, "title"));
        json_array_append_new(list, mo);
        error = add_file_entry(files, file);
        free(file);
        if (error)
            goto out;
        /* robots: every motion's robot, once, in order of appearance. */
        for (r = 0; r < json_array_size(robots); r++)
            if (strcmp(json_string_value(json_array_get(robots, r)), mpk_track_robot(t)) == 0)
                break;
        if (r == json_array_size(robots))
            json_array_append_new(robots, json_string(mpk_track_robot(t)));
    }
    for (i = 0; i < p->asset_count; i++) {
        error = add_file_entry(files, p->assets[i]);
        if (error)
            goto out;
    }
    json_object_set_new(m, "robots", robots);
    json_object_set_new(m, "motions", list);
    json_object_set_new(m, "files", files);
    robots = list = files = NULL;
    text = json_dumps(m, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!text) {
        error = oom();
        goto out;
    }
    error = mpk_manifest_parse(&p->manifest, text, strlen(text));
    if (error)
        mpk__error_prefix(error, "%s", p->file);
out:
    free(text);
    json_decref(m);
    json_decref(robots);
    json_decref(list);
    json_decref(files);
    return error;
}

/* "rate", "validation" and the thumbnail's form. */
static int read_settings(mpk_project *p, const json_t *doc)
{
    const json_t *v = json_object_get(doc, "validation"), *th = json_object_get(doc, "thumbnail");
    const char *const *k;
    int error;

    p->rate = MPK_PROJECT_DEFAULT_RATE;
    error = mpk__json_get_number(&p->rate, doc, "", "rate", false);
    if (error)
        return error;
    if (!(p->rate >= MPK_TRACK_MIN_RATE && p->rate <= MPK_TRACK_MAX_RATE))
        return mpk__error(MPK_EFORMAT, "rate: %g Hz, must be between %g and %g", p->rate,
                          MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
    mpk_validate_options_init(&p->validation);
    if (v) {
        error = mpk__json_expect_object(v, "validation");
        if (!error)
            error = mpk__json_check_keys(v, "validation", validation_keys);
        for (k = validation_keys; !error && *k; k++) {
            double x = NAN;
            error = mpk__json_get_number(&x, v, "validation", *k, false);
            if (!error && !isnan(x))
                *(double *)((char *)&p->validation + validation_offsets[k - validation_keys]) = x;
        }
        if (!error && mpk_validate_options_check(&p->validation) != MPK_OK)
            error = MPK_EFORMAT; /* the message names the field */
        if (error)
            return error;
    }
    p->thumbnail_mode = MPK_PROJECT_THUMBNAIL_RENDER;
    p->thumbnail_time = NAN;
    if (json_is_string(th)) {
        p->thumbnail_mode = MPK_PROJECT_THUMBNAIL_FILE;
    } else if (json_is_false(th)) {
        p->thumbnail_mode = MPK_PROJECT_THUMBNAIL_NONE;
    } else if (json_is_object(th)) {
        const char *motion = NULL;
        error = mpk__json_check_keys(th, "thumbnail", thumbnail_keys);
        if (!error)
            error = mpk__json_get_string(&motion, th, "thumbnail", "motion", false);
        if (!error)
            error = mpk__json_get_number(&p->thumbnail_time, th, "thumbnail", "time", false);
        if (error)
            return error;
        if (!isnan(p->thumbnail_time) && !(p->thumbnail_time >= 0))
            return mpk__error(MPK_EFORMAT, "thumbnail.time: %g must be 0 or more seconds",
                              p->thumbnail_time);
        if (motion && !(p->thumbnail_motion = mpk__strdup(motion)))
            return oom();
    } else if (th) {
        return mpk__error(MPK_EFORMAT, "thumbnail: must be an image file in the project, "
                                       "{\"motion\": NAME, \"time\": SECONDS} to render one, or "
                                       "false");
    }
    return MPK_OK;
}

/* The motion the thumbnail shows must be one of the project's. */
static int check_thumbnail_motion(const mpk_project *p)
{
    if (p->thumbnail_motion && !mpk_manifest_motion(p->manifest, p->thumbnail_motion))
        return mpk__error(MPK_EFORMAT, "%s: thumbnail.motion: '%s' is not a motion of the project",
                          p->file, p->thumbnail_motion);
    return MPK_OK;
}

/* Loads the project in dir from the project file's text (given, or read when NULL). */
static int load(mpk_project **out, const char *dir, const char *given, size_t given_size)
{
    mpk_project *p = NULL;
    json_t *doc = NULL;
    const json_t *motions = NULL;
    const char *key = NULL;
    char *text = NULL;
    size_t size = given_size, i;
    long long format = 0;
    int error;

    if (!out || !dir)
        return mpk__error(MPK_EINVAL, "mpk_project_load: NULL argument");
    p = calloc(1, sizeof(*p));
    if (!p)
        return oom();
    p->dir = mpk__strdup(dir);
    p->file = mpk__asprintf("%s/%s", dir, MPK_PROJECT_FILE);
    if (!p->dir || !p->file) {
        error = oom();
        goto out;
    }
    if (!given) {
        error = mpk__read_file(&text, &size, p->file, MPK_PROJECT_MAX_SIZE);
        if (error)
            goto out;
        given = text;
    } else if (size > MPK_PROJECT_MAX_SIZE) {
        error = mpk__error(MPK_ELIMIT, "%s: %zu bytes, more than the limit of %d", p->file, size,
                           MPK_PROJECT_MAX_SIZE);
        goto out;
    }
    error = mpk__json_parse(&doc, given, size);
    if (!error)
        error = mpk__json_expect_object(doc, "");
    if (!error)
        error = mpk__json_check_keys(doc, "", project_keys);
    if (!error)
        error = mpk__json_get_int(&format, doc, "", "format", true, 0, 1000000);
    if (!error && format != MPK_PROJECT_FORMAT)
        error = mpk__error(MPK_EUNSUPPORTED, "format: %lld is not supported (this mpk reads %d)",
                           format, MPK_PROJECT_FORMAT);
    if (!error)
        error = mpk__json_get_string(&key, doc, "", "key", false);
    if (!error)
        error = mpk__json_get_array(&motions, doc, "", "motions", true, MPK_MANIFEST_MAX_MOTIONS);
    if (!error)
        error = read_settings(p, doc);
    if (error) {
        mpk__error_prefix(error, "%s", p->file);
        goto out;
    }
    if (key && *key)
        p->key_path = key[0] == '/' ? mpk__strdup(key) : mpk__asprintf("%s/%s", dir, key);
    p->motion_count = json_array_size(motions);
    p->tracks = calloc(p->motion_count + 1, sizeof(*p->tracks));
    p->sources = calloc(p->motion_count + 1, sizeof(*p->sources));
    p->source_types = calloc(p->motion_count + 1, sizeof(*p->source_types));
    if (!p->tracks || !p->sources || !p->source_types || (key && *key && !p->key_path)) {
        error = oom();
        goto out;
    }
    for (i = 0; i < p->motion_count; i++) {
        error = load_motion(p, doc, json_array_get(motions, i), i);
        if (error)
            goto out;
    }
    error = load_assets(p, doc);
    if (!error)
        error = make_manifest(p, doc);
    if (!error)
        error = check_thumbnail_motion(p);
    if (error)
        goto out;
    p->package_name = mpk__asprintf("%s-%s.mpk", p->manifest->id, p->manifest->version);
    if (!p->package_name) {
        error = oom();
        goto out;
    }
    *out = p;
    p = NULL;
out:
    json_decref(doc);
    free(text);
    mpk_project_free(p);
    return error;
}

int mpk_project_load(mpk_project **out, const char *dir)
{
    return load(out, dir, NULL, 0);
}

int mpk__project_load_text(mpk_project **out, const char *dir, const char *text, size_t size)
{
    if (!text)
        return mpk__error(MPK_EINVAL, "mpk__project_load_text: NULL text");
    return load(out, dir, text, size);
}

const mpk_manifest *mpk_project_manifest(const mpk_project *p)
{
    return p ? p->manifest : NULL;
}

size_t mpk_project_motion_count(const mpk_project *p)
{
    return p ? p->motion_count : 0;
}

const mpk_track *mpk_project_track(const mpk_project *p, size_t index)
{
    return p && index < p->motion_count ? p->tracks[index] : NULL;
}

const char *mpk_project_key_path(const mpk_project *p)
{
    return p ? p->key_path : NULL;
}

const char *mpk_project_package_name(const mpk_project *p)
{
    return p ? p->package_name : NULL;
}

int mpk_project_build(const mpk_project *p, const char *out_path, const mpk_key *key)
{
    mpk_package_input *inputs = NULL;
    mpk_manifest *copy = NULL;
    char *text = NULL;
    size_t size = 0, i, n = 0;
    int error;

    if (!p || !out_path || !key)
        return mpk__error(MPK_EINVAL, "mpk_project_build: NULL argument");
    for (i = 0; i < p->motion_count; i++) {
        const mpk_robot_model *model = mpk_robot_find(mpk_track_robot(p->tracks[i]));
        error = model ? mpk_track_check(p->tracks[i], model) : MPK_EFORMAT;
        if (error)
            return mpk__error_prefix(error, "motion '%s' (%s/%s)", p->manifest->motions[i].name,
                                     p->dir, p->sources[i]);
    }
    /* mpk_package_write() fills in the files of its manifest: give it a copy. */
    error = mpk_manifest_serialize(&text, &size, p->manifest);
    if (!error)
        error = mpk_manifest_parse(&copy, text, size);
    free(text);
    if (error)
        return error;
    inputs = calloc(p->motion_count + p->asset_count + 1, sizeof(*inputs));
    if (!inputs) {
        error = oom();
        goto out;
    }
    for (i = 0; i < p->motion_count; i++, n++) {
        void *bytes = NULL;
        size_t len = 0;
        error = mpk_track_serialize(&bytes, &len, p->tracks[i]);
        if (error)
            goto out;
        inputs[n] = (mpk_package_input){p->manifest->motions[i].file, bytes, len};
    }
    for (i = 0; i < p->asset_count; i++)
        inputs[n + i] = (mpk_package_input){p->assets[i], p->asset_data[i], p->asset_sizes[i]};
    error = mpk_package_write(out_path, copy, inputs, n + p->asset_count, key);
out:
    for (i = 0; inputs && i < n; i++)
        free((void *)inputs[i].data);
    free(inputs);
    mpk_manifest_free(copy);
    return error;
}

const char *mpk_project_dir(const mpk_project *p)
{
    return p ? p->dir : NULL;
}

double mpk_project_rate(const mpk_project *p)
{
    return p ? p->rate : 0;
}

const char *mpk_project_source_type(const mpk_project *p, size_t index)
{
    return p && index < p->motion_count ? p->source_types[index] : NULL;
}

const char *mpk_project_source_file(const mpk_project *p, size_t index)
{
    if (!p || index >= p->motion_count || strcmp(p->sources[index], p->source_types[index]) == 0)
        return NULL;
    return p->sources[index];
}

void mpk_project_validate_options(mpk_validate_options *opts, const mpk_project *p)
{
    if (!opts)
        return;
    if (p)
        *opts = p->validation;
    else
        mpk_validate_options_init(opts);
}

int mpk_project_thumbnail(const mpk_project *p, const char **motion, double *time)
{
    if (!p)
        return MPK_PROJECT_THUMBNAIL_NONE;
    if (p->thumbnail_mode == MPK_PROJECT_THUMBNAIL_RENDER) {
        if (motion)
            *motion = p->thumbnail_motion ? p->thumbnail_motion : p->manifest->motions[0].name;
        if (time)
            *time = p->thumbnail_time;
    }
    return p->thumbnail_mode;
}

int mpk_project_add_asset(mpk_project *p, const char *path, const void *data, size_t size,
                          unsigned flags)
{
    mpk_file_entry *files;
    void **asset_data;
    size_t *asset_sizes;
    char **assets, *copy_path, *thumb = NULL;
    const char *why;
    void *copy;
    size_t i;

    if (!p || !path || (!data && size))
        return mpk__error(MPK_EINVAL, "mpk_project_add_asset: NULL argument");
    why = mpk__path_problem(path);
    if (why)
        return mpk__error(MPK_EINVAL, "asset '%s': %s", path, why);
    if (strncmp(path, "motions/", 8) == 0)
        return mpk__error(MPK_EINVAL, "asset '%s': motions/ holds the tracks", path);
    if (size > MPK_PACKAGE_MAX_ENTRY)
        return mpk__error(MPK_ELIMIT, "asset '%s': %zu bytes, more than the limit of %llu", path,
                          size, (unsigned long long)MPK_PACKAGE_MAX_ENTRY);
    for (i = 0; i < p->manifest->file_count; i++)
        if (mpk__strcasecmp_ascii(p->manifest->files[i].path, path) == 0)
            return mpk__error(MPK_EEXISTS, "asset '%s': the package already has that file", path);
    if ((flags & MPK_PROJECT_ASSET_THUMBNAIL) && p->manifest->thumbnail)
        return mpk__error(MPK_EEXISTS, "asset '%s': the package already has a thumbnail (%s)", path,
                          p->manifest->thumbnail);
    /* Everything that can fail first, so that a failure changes nothing. */
    assets = realloc(p->assets, (p->asset_count + 2) * sizeof(*assets));
    if (assets)
        p->assets = assets;
    asset_data = realloc(p->asset_data, (p->asset_count + 2) * sizeof(*asset_data));
    if (asset_data)
        p->asset_data = asset_data;
    asset_sizes = realloc(p->asset_sizes, (p->asset_count + 2) * sizeof(*asset_sizes));
    if (asset_sizes)
        p->asset_sizes = asset_sizes;
    files = realloc(p->manifest->files, (p->manifest->file_count + 1) * sizeof(*files));
    if (files)
        p->manifest->files = files;
    copy = malloc(size ? size : 1);
    copy_path = mpk__strdup(path);
    if ((flags & MPK_PROJECT_ASSET_THUMBNAIL))
        thumb = mpk__strdup(path);
    if (!assets || !asset_data || !asset_sizes || !files || !copy || !copy_path ||
        ((flags & MPK_PROJECT_ASSET_THUMBNAIL) && !thumb)) {
        free(copy);
        free(copy_path);
        free(thumb);
        return oom();
    }
    if (size)
        memcpy(copy, data, size);
    p->assets[p->asset_count] = copy_path;
    p->asset_data[p->asset_count] = copy;
    p->asset_sizes[p->asset_count] = size;
    p->asset_count++;
    memset(&p->manifest->files[p->manifest->file_count], 0, sizeof(*files));
    p->manifest->files[p->manifest->file_count].path = mpk__strdup(path);
    if (!p->manifest->files[p->manifest->file_count].path) {
        free(thumb);
        p->asset_count--;
        free(copy);
        free(copy_path);
        return oom();
    }
    p->manifest->files[p->manifest->file_count].size = size;
    p->manifest->file_count++;
    if (thumb)
        p->manifest->thumbnail = thumb;
    return MPK_OK;
}
