/* manifest.json: strict parsing into mpk_manifest, deterministic serialisation, lookups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_util.h"
#include "package_internal.h"
#include "mpk/package.h"

static const char *const top_keys[] = {"format",      "id",      "version",     "name",
                                       "description", "author",  "license",     "category",
                                       "robots",      "motions", "permissions", "min_runtime",
                                       "thumbnail",   "files",   NULL};
static const char *const motion_keys[] = {"name",   "file",     "robot", "duration", "rate",
                                          "joints", "loopable", "title", NULL};
static const char *const file_keys[] = {"path", "size", "sha256", NULL};

static int oom(void)
{
    return mpk__error(MPK_ENOMEM, "out of memory");
}

static int dup_string(char **out, const char *s)
{
    *out = mpk__strdup(s);
    return *out ? MPK_OK : oom();
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(((const mpk_text *)a)->lang, ((const mpk_text *)b)->lang);
}

/* {"en": "Wave", "zh": "挥手"} -> texts sorted by language. */
static int parse_texts(mpk_text **out, size_t *count, const json_t *obj, const char *parent,
                       const char *key, bool required)
{
    char where[MPK__PATH_MAX];
    const json_t *texts;
    const char *lang;
    json_t *value;
    mpk_text *list;
    size_t n = 0;
    int error;

    error = mpk__json_get_object(&texts, obj, parent, key, required);
    if (error || !texts)
        return error;
    mpk__json_path(where, sizeof(where), parent, key);
    if (json_object_size(texts) > MPK_MANIFEST_MAX_LANGUAGES)
        return mpk__error(MPK_ELIMIT, "%s: more than %d languages", where,
                          MPK_MANIFEST_MAX_LANGUAGES);
    list = calloc(json_object_size(texts) + 1, sizeof(*list));
    if (!list)
        return oom();
    json_object_foreach((json_t *)texts, lang, value)
    {
        if (!json_is_string(value)) {
            mpk__texts_free(list, n);
            return mpk__error(MPK_EFORMAT, "%s.%s: must be a string", where, lang);
        }
        list[n].lang = mpk__strdup(lang);
        list[n].text = mpk__strdup(json_string_value(value));
        n++;
        if (!list[n - 1].lang || !list[n - 1].text) {
            mpk__texts_free(list, n);
            return oom();
        }
    }
    qsort(list, n, sizeof(*list), cmp_text);
    *out = list;
    *count = n;
    return MPK_OK;
}

static int parse_string_array(char ***out, size_t *count, const json_t *obj, const char *parent,
                              const char *key, size_t max)
{
    char where[MPK__PATH_MAX];
    const json_t *arr;
    char **list;
    size_t i, n;
    int error;

    error = mpk__json_get_array(&arr, obj, parent, key, true, max);
    if (error)
        return error;
    mpk__json_path(where, sizeof(where), parent, key);
    n = json_array_size(arr);
    list = calloc(n + 1, sizeof(*list));
    if (!list)
        return oom();
    for (i = 0; i < n; i++) {
        const json_t *v = json_array_get(arr, i);
        if (!json_is_string(v)) {
            error = mpk__error(MPK_EFORMAT, "%s[%zu]: must be a string", where, i);
            break;
        }
        list[i] = mpk__strdup(json_string_value(v));
        if (!list[i]) {
            error = oom();
            break;
        }
    }
    if (error) {
        for (i = 0; i < n; i++)
            free(list[i]);
        free(list);
        return error;
    }
    *out = list;
    *count = n;
    return MPK_OK;
}

static int parse_motion(mpk_motion_info *mo, const json_t *obj, const char *path)
{
    const char *name = NULL, *file = NULL, *robot = NULL;
    size_t joint_count = 0;
    int error;

    error = mpk__json_expect_object(obj, path);
    if (!error)
        error = mpk__json_check_keys(obj, path, motion_keys);
    if (!error)
        error = mpk__json_get_string(&name, obj, path, "name", true);
    if (!error)
        error = mpk__json_get_string(&file, obj, path, "file", true);
    if (!error)
        error = mpk__json_get_string(&robot, obj, path, "robot", true);
    if (!error)
        error = mpk__json_get_number(&mo->duration, obj, path, "duration", true);
    if (!error)
        error = mpk__json_get_number(&mo->rate, obj, path, "rate", true);
    if (!error)
        error = mpk__json_get_bool(&mo->loopable, obj, path, "loopable", false);
    if (error)
        return error;
    if (dup_string(&mo->name, name) || dup_string(&mo->file, file) || dup_string(&mo->robot, robot))
        return oom();
    error =
        parse_string_array(&mo->joints, &joint_count, obj, path, "joints", MPK_TRACK_MAX_JOINTS);
    if (error)
        return error;
    mo->joint_count = (int)joint_count;
    return parse_texts(&mo->titles, &mo->title_count, obj, path, "title", false);
}

static int parse_sha256(unsigned char *digest, const char *hex, const char *path)
{
    size_t i;

    for (i = 0; i < 64; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            break;
    }
    if (i != 64 || hex[64] != '\0')
        return mpk__error(MPK_EFORMAT, "%s.sha256: must be 64 lowercase hex digits", path);
    for (i = 0; i < 32; i++) {
        char pair[3] = {hex[2 * i], hex[2 * i + 1], 0};
        digest[i] = (unsigned char)strtoul(pair, NULL, 16);
    }
    return MPK_OK;
}

static int parse_file(mpk_file_entry *f, const json_t *obj, const char *path)
{
    const char *p = NULL, *hex = NULL;
    long long size = 0;
    int error;

    error = mpk__json_expect_object(obj, path);
    if (!error)
        error = mpk__json_check_keys(obj, path, file_keys);
    if (!error)
        error = mpk__json_get_string(&p, obj, path, "path", true);
    if (!error)
        error =
            mpk__json_get_int(&size, obj, path, "size", true, 0, (long long)MPK_PACKAGE_MAX_ENTRY);
    if (!error)
        error = mpk__json_get_string(&hex, obj, path, "sha256", true);
    if (!error)
        error = parse_sha256(f->sha256, hex, path);
    if (error)
        return error;
    f->size = (uint64_t)size;
    return dup_string(&f->path, p);
}

static int parse_permissions(unsigned *out, const json_t *root)
{
    const json_t *arr;
    size_t i;
    int error;

    *out = 0;
    error = mpk__json_get_array(&arr, root, "", "permissions", false, 16);
    if (error || !arr)
        return error;
    for (i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        if (!json_is_string(v))
            return mpk__error(MPK_EFORMAT, "permissions[%zu]: must be a string", i);
        if (strcmp(json_string_value(v), "full-body") != 0)
            return mpk__error(MPK_EFORMAT,
                              "permissions[%zu]: unknown permission '%s' (known: full-body)", i,
                              json_string_value(v));
        if (*out & MPK_PERM_FULL_BODY)
            return mpk__error(MPK_EFORMAT, "permissions[%zu]: 'full-body' is listed twice", i);
        *out |= MPK_PERM_FULL_BODY;
    }
    return MPK_OK;
}

static int parse_root(mpk_manifest *m, const json_t *root)
{
    const char *id = NULL, *version = NULL, *author = NULL, *license = NULL, *category = NULL,
               *min_runtime = NULL, *thumbnail = NULL;
    const json_t *motions, *files;
    long long format = 0;
    size_t i;
    int error;

    error = mpk__json_expect_object(root, "");
    if (!error)
        error = mpk__json_check_keys(root, "", top_keys);
    if (!error)
        error = mpk__json_get_int(&format, root, "", "format", true, 0, 1000000);
    if (error)
        return error;
    /* A newer format may change any rule below: say so rather than a confusing field error. */
    if (format != MPK_MANIFEST_FORMAT)
        return mpk__error(MPK_EUNSUPPORTED, "format: %lld is not supported (this library reads %d)",
                          format, MPK_MANIFEST_FORMAT);
    m->format = (int)format;
    error = mpk__json_get_string(&id, root, "", "id", true);
    if (!error)
        error = mpk__json_get_string(&version, root, "", "version", true);
    if (!error)
        error = parse_texts(&m->names, &m->name_count, root, "", "name", true);
    if (!error)
        error = parse_texts(&m->descriptions, &m->description_count, root, "", "description", true);
    if (!error)
        error = mpk__json_get_string(&author, root, "", "author", true);
    if (!error)
        error = mpk__json_get_string(&license, root, "", "license", true);
    if (!error)
        error = mpk__json_get_string(&category, root, "", "category", true);
    if (!error)
        error = parse_string_array(&m->robots, &m->robot_count, root, "", "robots",
                                   MPK_MANIFEST_MAX_ROBOTS);
    if (!error)
        error = parse_permissions(&m->permissions, root);
    if (!error)
        error = mpk__json_get_string(&min_runtime, root, "", "min_runtime", true);
    if (!error)
        error = mpk__json_get_string(&thumbnail, root, "", "thumbnail", false);
    if (!error)
        error = mpk__json_get_array(&motions, root, "", "motions", true, MPK_MANIFEST_MAX_MOTIONS);
    if (!error)
        error = mpk__json_get_array(&files, root, "", "files", true, MPK_MANIFEST_MAX_FILES);
    if (error)
        return error;
    if (dup_string(&m->id, id) || dup_string(&m->version, version) ||
        dup_string(&m->author, author) || dup_string(&m->license, license) ||
        dup_string(&m->category, category) || dup_string(&m->min_runtime, min_runtime) ||
        (thumbnail && dup_string(&m->thumbnail, thumbnail)))
        return oom();

    m->motions = calloc(json_array_size(motions) + 1, sizeof(*m->motions));
    m->files = calloc(json_array_size(files) + 1, sizeof(*m->files));
    if (!m->motions || !m->files)
        return oom();
    for (i = 0; i < json_array_size(motions); i++) {
        char path[MPK__PATH_MAX];
        mpk__json_index(path, sizeof(path), "motions", i);
        m->motion_count = i + 1; /* so that free() sees what was filled */
        error = parse_motion(&m->motions[i], json_array_get(motions, i), path);
        if (error)
            return error;
    }
    for (i = 0; i < json_array_size(files); i++) {
        char path[MPK__PATH_MAX];
        mpk__json_index(path, sizeof(path), "files", i);
        m->file_count = i + 1;
        error = parse_file(&m->files[i], json_array_get(files, i), path);
        if (error)
            return error;
    }
    return MPK_OK;
}

int mpk_manifest_parse(mpk_manifest **out, const char *json, size_t size)
{
    mpk_manifest *m = NULL;
    json_t *root = NULL;
    int error;

    if (!out || (!json && size))
        return mpk__error(MPK_EINVAL, "mpk_manifest_parse: NULL argument");
    if (size > MPK_MANIFEST_MAX_SIZE)
        return mpk__error(MPK_ELIMIT, "%zu bytes, more than the limit of %d", size,
                          MPK_MANIFEST_MAX_SIZE);
    error = mpk__json_parse(&root, json ? json : "", size);
    if (error)
        return error;
    m = calloc(1, sizeof(*m));
    if (!m) {
        error = oom();
        goto out;
    }
    error = parse_root(m, root);
    if (!error)
        error = mpk_manifest_validate(m);
    if (error)
        goto out;
    *out = m;
    m = NULL;
out:
    mpk_manifest_free(m);
    json_decref(root);
    return error;
}

static json_t *texts_json(const mpk_text *texts, size_t count)
{
    json_t *obj = json_object();
    size_t i;

    for (i = 0; obj && i < count; i++)
        if (json_object_set_new(obj, texts[i].lang, json_string(texts[i].text)) != 0) {
            json_decref(obj);
            return NULL;
        }
    return obj;
}

static json_t *strings_json(char *const *list, size_t count)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < count; i++)
        if (json_array_append_new(arr, json_string(list[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

/* json_object_set_new() steals value even on failure; a NULL value marks an earlier failure. */
static int set(json_t *obj, const char *key, json_t *value, int *failed)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *failed = 1;
    return *failed;
}

static json_t *motion_json(const mpk_motion_info *mo)
{
    json_t *obj = json_object();
    int failed = !obj;

    if (failed)
        return NULL;
    set(obj, "name", json_string(mo->name), &failed);
    set(obj, "file", json_string(mo->file), &failed);
    set(obj, "robot", json_string(mo->robot), &failed);
    set(obj, "joints", strings_json(mo->joints, (size_t)mo->joint_count), &failed);
    set(obj, "loopable", json_boolean(mo->loopable), &failed);
    if (mo->title_count)
        set(obj, "title", texts_json(mo->titles, mo->title_count), &failed);
    if (!failed && (mpk__json_set_number(obj, "duration", mo->duration) ||
                    mpk__json_set_number(obj, "rate", mo->rate)))
        failed = 1;
    if (failed) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *file_json(const mpk_file_entry *f)
{
    char hex[65];
    json_t *obj = json_object();
    int failed = !obj;

    if (failed)
        return NULL;
    mpk_hex(hex, f->sha256, sizeof(f->sha256));
    set(obj, "path", json_string(f->path), &failed);
    set(obj, "size", json_integer((json_int_t)f->size), &failed);
    set(obj, "sha256", json_string(hex), &failed);
    if (failed) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *manifest_json(const mpk_manifest *m)
{
    json_t *obj = json_object(), *motions = json_array(), *files = json_array(),
           *perms = json_array();
    int failed = !obj || !motions || !files || !perms;
    size_t i;

    for (i = 0; !failed && i < m->motion_count; i++)
        if (json_array_append_new(motions, motion_json(&m->motions[i])) != 0)
            failed = 1;
    for (i = 0; !failed && i < m->file_count; i++)
        if (json_array_append_new(files, file_json(&m->files[i])) != 0)
            failed = 1;
    if (!failed && (m->permissions & MPK_PERM_FULL_BODY) &&
        json_array_append_new(perms, json_string("full-body")) != 0)
        failed = 1;
    if (failed) {
        json_decref(obj);
        json_decref(motions);
        json_decref(files);
        json_decref(perms);
        return NULL;
    }
    set(obj, "motions", motions, &failed);
    set(obj, "files", files, &failed);
    set(obj, "permissions", perms, &failed);
    set(obj, "format", json_integer(m->format), &failed);
    set(obj, "id", json_string(m->id), &failed);
    set(obj, "version", json_string(m->version), &failed);
    set(obj, "name", texts_json(m->names, m->name_count), &failed);
    set(obj, "description", texts_json(m->descriptions, m->description_count), &failed);
    set(obj, "author", json_string(m->author), &failed);
    set(obj, "license", json_string(m->license), &failed);
    set(obj, "category", json_string(m->category), &failed);
    set(obj, "robots", strings_json(m->robots, m->robot_count), &failed);
    set(obj, "min_runtime", json_string(m->min_runtime), &failed);
    if (m->thumbnail)
        set(obj, "thumbnail", json_string(m->thumbnail), &failed);
    if (failed) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static int manifest_to_json(json_t **out, const mpk_manifest *m)
{
    int error = mpk_manifest_validate(m);

    if (error)
        return error;
    *out = manifest_json(m);
    return *out ? MPK_OK : oom();
}

int mpk_manifest_serialize(char **out, size_t *size, const mpk_manifest *m)
{
    json_t *obj = NULL;
    char *text, *with_nl;
    size_t len;
    int error;

    if (!out || !size || !m)
        return mpk__error(MPK_EINVAL, "mpk_manifest_serialize: NULL argument");
    error = manifest_to_json(&obj, m);
    if (error)
        return error;
    /* Sorted keys, fixed indentation and 15 significant digits: a fixed point (serialising the
     * parsed output gives the same bytes again). */
    text = json_dumps(obj, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    json_decref(obj);
    if (!text)
        return oom();
    len = strlen(text);
    with_nl = realloc(text, len + 2);
    if (!with_nl) {
        free(text);
        return oom();
    }
    with_nl[len] = '\n';
    with_nl[len + 1] = '\0';
    *out = with_nl;
    *size = len + 1;
    return MPK_OK;
}

const char *mpk_text_get(const mpk_text *texts, size_t count, const char *lang)
{
    size_t i, primary;

    if (!texts)
        return NULL;
    if (lang) {
        for (i = 0; i < count; i++)
            if (mpk__strcasecmp_ascii(texts[i].lang, lang) == 0)
                return texts[i].text;
        /* "zh-Hans" falls back to "zh", then to English. */
        primary = strcspn(lang, "-");
        for (i = 0; i < count; i++)
            if (strlen(texts[i].lang) == primary && strncmp(texts[i].lang, lang, primary) == 0)
                return texts[i].text;
    }
    for (i = 0; i < count; i++)
        if (strcmp(texts[i].lang, "en") == 0)
            return texts[i].text;
    return NULL;
}

const mpk_motion_info *mpk_manifest_motion(const mpk_manifest *m, const char *name)
{
    size_t i;

    if (!m || !name)
        return NULL;
    for (i = 0; i < m->motion_count; i++)
        if (m->motions[i].name && strcmp(m->motions[i].name, name) == 0)
            return &m->motions[i];
    return NULL;
}

const mpk_file_entry *mpk_manifest_file(const mpk_manifest *m, const char *path)
{
    size_t i;

    if (!m || !path)
        return NULL;
    for (i = 0; i < m->file_count; i++)
        if (m->files[i].path && strcmp(m->files[i].path, path) == 0)
            return &m->files[i];
    return NULL;
}

static void strings_free(char **list, size_t count)
{
    size_t i;

    if (!list)
        return;
    for (i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

void mpk__motion_info_clear(mpk_motion_info *mo)
{
    free(mo->name);
    free(mo->file);
    free(mo->robot);
    strings_free(mo->joints, mo->joint_count > 0 ? (size_t)mo->joint_count : 0);
    mpk__texts_free(mo->titles, mo->title_count);
    memset(mo, 0, sizeof(*mo));
}

void mpk_manifest_free(mpk_manifest *m)
{
    size_t i;

    if (!m)
        return;
    free(m->id);
    free(m->version);
    mpk__texts_free(m->names, m->name_count);
    mpk__texts_free(m->descriptions, m->description_count);
    free(m->author);
    free(m->license);
    free(m->category);
    strings_free(m->robots, m->robot_count);
    for (i = 0; m->motions && i < m->motion_count; i++)
        mpk__motion_info_clear(&m->motions[i]);
    free(m->motions);
    free(m->min_runtime);
    free(m->thumbnail);
    for (i = 0; m->files && i < m->file_count; i++)
        free(m->files[i].path);
    free(m->files);
    free(m);
}
