/* The store client's read side for the phone (store.h). */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mpk/key.h"
#include "mpk/manifest.h"
#include "mpk/track.h"
#include "mstore/mstore.h"
#include "util.h"

#define THUMBNAIL_MAX (1024 * 1024)
#define TRACK_MAX     (256 * 1024 * 1024)

/* A loaded catalog, shared by searches while it is current. */
typedef struct snapshot {
    mstore_catalog *cat;
    int refs;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} snapshot;

struct md_store {
    char *root;
    char *catalog_path;
    const mpk_robot_model *model;
    char *runtime;
    pthread_mutex_t mutex;
    snapshot *current;
    /* id -> installed version, kept while the installed-package database file is unchanged */
    char *db_path;
    json_t *installed;
    struct stat installed_st;
};

static void fail(md_store_error *err, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(md_store_error *err, int status, const char *code, const char *fmt, ...)
{
    va_list ap;

    err->status = status;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

int md_store_new(md_store **out, const char *root, const mpk_robot_model *model,
                 const char *runtime_version)
{
    md_store *s = calloc(1, sizeof(*s));

    if (!s)
        return -1;
    s->root = strdup(root);
    s->catalog_path =
        md_fmt("%s/var/cache/motionstore/catalog.json", strcmp(root, "/") ? root : "");
    s->runtime = strdup(runtime_version);
    s->db_path = md_fmt("%s/var/lib/motionstore/installed.json", strcmp(root, "/") ? root : "");
    s->model = model;
    pthread_mutex_init(&s->mutex, NULL);
    *out = s;
    return 0;
}

static void snapshot_release(md_store *s, snapshot *snap)
{
    bool last;

    pthread_mutex_lock(&s->mutex);
    last = --snap->refs == 0;
    pthread_mutex_unlock(&s->mutex);
    if (last) {
        mstore_catalog_free(snap->cat);
        free(snap);
    }
}

void md_store_free(md_store *s)
{
    if (!s)
        return;
    if (s->current)
        snapshot_release(s, s->current);
    pthread_mutex_destroy(&s->mutex);
    json_decref(s->installed);
    free(s->db_path);
    free(s->root);
    free(s->catalog_path);
    free(s->runtime);
    free(s);
}

/* The current catalog (reloaded when the file changed: a refresh replaces it by a rename). */
static snapshot *snapshot_get(md_store *s, md_store_error *err)
{
    struct stat st;
    snapshot *snap = NULL;
    mstore_catalog *cat = NULL;

    pthread_mutex_lock(&s->mutex);
    if (stat(s->catalog_path, &st) != 0) {
        pthread_mutex_unlock(&s->mutex);
        fail(err, 503, "no-catalog", "no catalog yet: refresh it (POST /api/v1/catalog/refresh)");
        return NULL;
    }
    snap = s->current;
    if (snap && snap->dev == st.st_dev && snap->ino == st.st_ino && snap->size == st.st_size &&
        snap->mtime.tv_sec == st.st_mtim.tv_sec && snap->mtime.tv_nsec == st.st_mtim.tv_nsec) {
        snap->refs++;
        pthread_mutex_unlock(&s->mutex);
        return snap;
    }
    /* Loaded under the mutex so that concurrent searches parse a new catalog once. */
    if (mstore_catalog_load(&cat, s->catalog_path) != MSTORE_OK) {
        pthread_mutex_unlock(&s->mutex);
        fail(err, 500, "catalog", "%s", mstore_error_message());
        return NULL;
    }
    snap = calloc(1, sizeof(*snap));
    if (!snap) {
        pthread_mutex_unlock(&s->mutex);
        mstore_catalog_free(cat);
        fail(err, 500, "internal", "out of memory");
        return NULL;
    }
    snap->cat = cat;
    snap->refs = 2; /* the store's and the caller's */
    snap->dev = st.st_dev;
    snap->ino = st.st_ino;
    snap->size = st.st_size;
    snap->mtime = st.st_mtim;
    if (s->current && --s->current->refs == 0) {
        mstore_catalog_free(s->current->cat);
        free(s->current);
    }
    s->current = snap;
    pthread_mutex_unlock(&s->mutex);
    return snap;
}

static int open_client(mstore_client **c, md_store *s, md_store_error *err)
{
    mstore_client_options o;

    mstore_client_options_init(&o);
    o.root = s->root;
    o.robot_model = s->model->id;
    o.runtime_version = s->runtime;
    if (mstore_client_open(c, &o) != MSTORE_OK) {
        fail(err, 500, "store-client", "%s", mstore_error_message());
        return -1;
    }
    return 0;
}

static json_t *texts_json(const mstore_text *t, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, t[i].lang, json_string(t[i].text));
    return o;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* id -> installed version. The database is only ever replaced whole (a rename), so while its
 * file is the same the last answer stands; a search then costs no store-client call. */
static json_t *installed_versions(md_store *s)
{
    mstore_client *c = NULL;
    mstore_installed *list = NULL;
    md_store_error ignored;
    json_t *map;
    struct stat st;
    bool have = stat(s->db_path, &st) == 0;
    size_t n = 0;

    pthread_mutex_lock(&s->mutex);
    if (have && s->installed && same_file(&st, &s->installed_st)) {
        map = json_incref(s->installed);
        pthread_mutex_unlock(&s->mutex);
        return map;
    }
    pthread_mutex_unlock(&s->mutex);
    map = json_object();
    if (open_client(&c, s, &ignored) == 0 && mstore_client_list(&list, &n, c) == MSTORE_OK) {
        for (size_t i = 0; i < n; i++)
            json_object_set_new(map, list[i].id, json_string(list[i].version));
        mstore_installed_free(list, n);
        /* Kept only if the file did not change while it was read. */
        struct stat after;
        if (have && stat(s->db_path, &after) == 0 && same_file(&st, &after)) {
            pthread_mutex_lock(&s->mutex);
            json_decref(s->installed);
            s->installed = json_incref(map);
            s->installed_st = st;
            pthread_mutex_unlock(&s->mutex);
        }
    }
    mstore_client_free(c);
    return map;
}

/* The version of p a search shows: the newest that fits this robot and runtime (versions are
 * oldest first), or NULL. */
static const mstore_catalog_version *shown_version(const md_store *s,
                                                   const mstore_catalog_package *p)
{
    for (size_t k = p->n_versions; k-- > 0;)
        if (mstore_catalog_version_fits(&p->versions[k], s->model->id, s->runtime))
            return &p->versions[k];
    return NULL;
}

json_t *md_store_search(md_store *s, const md_search *q, md_store_error *err)
{
    mstore_search_query query = {0};
    snapshot *snap = snapshot_get(s, err);
    size_t *hits = NULL, n = 0;
    json_t *arr, *installed;
    const char *lang = *q->lang ? q->lang : "en";

    if (!snap)
        return NULL;
    query.text = *q->q ? q->q : NULL;
    query.category = *q->category ? q->category : NULL;
    query.robot = s->model->id;
    if (mstore_catalog_search(&hits, &n, snap->cat, &query) != MSTORE_OK) {
        fail(err, 500, "catalog", "%s", mstore_error_message());
        snapshot_release(s, snap);
        return NULL;
    }
    installed = installed_versions(s);
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const mstore_catalog_package *p = mstore_catalog_at(snap->cat, hits[i]);
        const mstore_catalog_version *best = shown_version(s, p);
        const char *have;
        bool full_body = false;
        json_t *o;
        if (!best)
            continue;
        for (size_t k = 0; k < best->n_permissions; k++)
            full_body = full_body || strcmp(best->permissions[k], "full-body") == 0;
        have = json_string_value(json_object_get(installed, p->id));
        o = json_pack("{s:s, s:s?, s:s?, s:o, s:o, s:s?, s:s?, s:s, s:I, s:s?, s:b, s:s?, s:b, "
                      "s:b}",
                      "id", p->id, "name", mstore_text_pick(p->names, p->n_names, lang),
                      "description", mstore_text_pick(p->descriptions, p->n_descriptions, lang),
                      "names", texts_json(p->names, p->n_names), "descriptions",
                      texts_json(p->descriptions, p->n_descriptions), "category", p->category,
                      "developer", p->developer, "version", best->version, "size",
                      (json_int_t)best->size, "published", best->published, "full_body", full_body,
                      "installed", have, "update_available",
                      have && mpk_semver_compare(best->version, have) > 0, "has_thumbnail",
                      best->thumbnail != NULL);
        json_array_append_new(arr, o);
    }
    free(hits);
    json_decref(installed);
    snapshot_release(s, snap);
    return json_pack("{s:o, s:s, s:I}", "packages", arr, "robot", s->model->id, "count",
                     (json_int_t)json_array_size(arr));
}

static int read_manifest(mpk_manifest **out, const char *dir, md_store_error *err)
{
    char *path = md_fmt("%s/manifest.json", dir), *text = NULL;
    size_t size;
    int rc = -1;

    if (md_read_file(&text, &size, path, MPK_MANIFEST_MAX_SIZE) != 0)
        fail(err, 500, "package", "%s: %s", path, strerror(errno));
    else if (mpk_manifest_parse(out, text, size) != MPK_OK)
        fail(err, 500, "package", "%s: %s", path, mpk_error_message());
    else
        rc = 0;
    free(text);
    free(path);
    return rc;
}

static json_t *manifest_texts(const mpk_text *t, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, t[i].lang, json_string(t[i].text));
    return o;
}

json_t *md_store_installed(md_store *s, md_store_error *err)
{
    mstore_client *c = NULL;
    mstore_installed *list = NULL;
    json_t *arr;
    size_t n = 0;

    if (open_client(&c, s, err))
        return NULL;
    if (mstore_client_list(&list, &n, c) != MSTORE_OK) {
        fail(err, 500, "store-client", "%s", mstore_error_message());
        mstore_client_free(c);
        return NULL;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        mpk_manifest *m = NULL;
        md_store_error ignored;
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s?}", "id", list[i].id, "version",
                              list[i].version, "previous", list[i].previous, "installed",
                              list[i].installed, "name", list[i].name);
        if (read_manifest(&m, list[i].path, &ignored) == 0) {
            json_t *motions = json_array();
            for (size_t k = 0; k < m->motion_count; k++) {
                const mpk_motion_info *mi = &m->motions[k];
                if (!mi->robot || strcmp(mi->robot, s->model->id) != 0)
                    continue;
                json_array_append_new(
                    motions, json_pack("{s:s, s:o, s:f, s:b}", "name", mi->name, "titles",
                                       manifest_texts(mi->titles, mi->title_count), "duration",
                                       mi->duration, "loopable", mi->loopable));
            }
            json_object_set_new(o, "names", manifest_texts(m->names, m->name_count));
            json_object_set_new(o, "category",
                                m->category ? json_string(m->category) : json_null());
            json_object_set_new(o, "full_body",
                                json_boolean((m->permissions & MPK_PERM_FULL_BODY) != 0));
            json_object_set_new(o, "has_thumbnail", json_boolean(m->thumbnail != NULL));
            json_object_set_new(o, "motions", motions);
            mpk_manifest_free(m);
        }
        json_array_append_new(arr, o);
    }
    mstore_installed_free(list, n);
    mstore_client_free(c);
    return arr;
}

/* The folder of the current version of an installed package. */
static char *installed_dir(md_store *s, const char *id, char version[MD_VERSION_MAX + 1],
                           md_store_error *err)
{
    mstore_client *c = NULL;
    mstore_installed *list = NULL;
    char *dir = NULL;
    size_t n = 0;

    if (open_client(&c, s, err))
        return NULL;
    if (mstore_client_list(&list, &n, c) != MSTORE_OK) {
        fail(err, 500, "store-client", "%s", mstore_error_message());
    } else {
        for (size_t i = 0; i < n && !dir; i++)
            if (strcmp(list[i].id, id) == 0) {
                dir = strdup(list[i].path);
                if (version)
                    snprintf(version, MD_VERSION_MAX + 1, "%s", list[i].version);
            }
        if (!dir)
            fail(err, 404, "not-installed", "%s: not installed", id);
    }
    mstore_installed_free(list, n);
    mstore_client_free(c);
    return dir;
}

/* Reads a file of the package and checks it against the manifest's size and SHA-256. */
static int read_checked(char **data, size_t *size, const char *dir, const mpk_manifest *m,
                        const char *file, size_t max, md_store_error *err)
{
    const mpk_file_entry *fe = mpk_manifest_file(m, file);
    unsigned char digest[32];
    char *path;
    int rc = -1;

    if (!fe) {
        fail(err, 500, "package", "%s: manifest.json does not list %s", m->id, file);
        return -1;
    }
    path = md_fmt("%s/%s", dir, file);
    if (md_read_file(data, size, path, max) != 0) {
        fail(err, 500, "package", "%s: %s", path, strerror(errno));
    } else {
        mpk_sha256(digest, *data, *size);
        if (*size != fe->size || memcmp(digest, fe->sha256, 32) != 0) {
            fail(err, 500, "package",
                 "%s: does not match its manifest (size or SHA-256): run `mstore verify %s`", path,
                 m->id);
            free(*data);
            *data = NULL;
        } else {
            rc = 0;
        }
    }
    free(path);
    return rc;
}

int md_store_load_clip(md_store *s, motion_clip **out, const char *id, const char *motion,
                       char version[MD_VERSION_MAX + 1], char name[MD_MOTION_MAX + 1],
                       md_store_error *err)
{
    mpk_manifest *m = NULL;
    mpk_track *track = NULL;
    const mpk_motion_info *info = NULL;
    motion_clip *clip = NULL;
    char *dir, *data = NULL;
    size_t size;
    bool listed = false;
    int rc = -1, mrc;

    dir = installed_dir(s, id, version, err);
    if (!dir)
        return -1;
    if (read_manifest(&m, dir, err))
        goto out;
    for (size_t i = 0; i < m->robot_count; i++)
        listed = listed || strcmp(m->robots[i], s->model->id) == 0;
    if (!listed) {
        fail(err, 422, "wrong-robot", "%s: not made for robot %s", id, s->model->id);
        goto out;
    }
    if (motion && *motion) {
        info = mpk_manifest_motion(m, motion);
        if (!info) {
            fail(err, 404, "no-motion", "%s: no motion '%s'", id, motion);
            goto out;
        }
        if (!info->robot || strcmp(info->robot, s->model->id) != 0) {
            fail(err, 422, "wrong-robot", "%s: motion '%s' is for robot '%s', not '%s'", id, motion,
                 info->robot ? info->robot : "?", s->model->id);
            goto out;
        }
    } else {
        for (size_t i = 0; i < m->motion_count && !info; i++)
            if (m->motions[i].robot && strcmp(m->motions[i].robot, s->model->id) == 0)
                info = &m->motions[i];
        if (!info) {
            fail(err, 404, "no-motion", "%s: no motion for robot %s", id, s->model->id);
            goto out;
        }
    }
    if (read_checked(&data, &size, dir, m, info->file, TRACK_MAX, err))
        goto out;
    if (mpk_track_parse(&track, data, size) != MPK_OK) {
        fail(err, 500, "package", "%s: %s: %s", id, info->file, mpk_error_message());
        goto out;
    }
    mrc = motion_clip_from_track(&clip, track, s->model, info->name);
    if (mrc != MOTION_OK) {
        fail(err, 422, "refused", "%s: %s", id, motion_error_message());
        goto out;
    }
    motion_clip_set_permissions(clip, m->permissions);
    snprintf(name, MD_MOTION_MAX + 1, "%s", info->name);
    *out = clip;
    rc = 0;
out:
    mpk_track_free(track);
    mpk_manifest_free(m);
    free(data);
    free(dir);
    return rc;
}

/* The media type of an image by its first bytes, or NULL. */
static const char *image_type(const char *data, size_t size)
{
    if (size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (size >= 3 && memcmp(data, "\xff\xd8\xff", 3) == 0)
        return "image/jpeg";
    if (size >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
        return "image/webp";
    return NULL;
}

int md_store_catalog_thumbnail(md_store *s, char **data, size_t *size, const char **type,
                               const char *id, md_store_error *err)
{
    snapshot *snap = snapshot_get(s, err);
    const mstore_catalog_package *p;
    const mstore_catalog_version *v;
    mstore_client *c = NULL;
    char *target = NULL;
    void *bytes = NULL;
    size_t n = 0;
    int rc = -1, mrc;

    if (!snap)
        return -1;
    if (!(p = mstore_catalog_find(snap->cat, id)) || !(v = shown_version(s, p)))
        fail(err, 404, "not-found", "%s: not in the catalog for robot %s", id, s->model->id);
    else if (!v->thumbnail)
        fail(err, 404, "no-thumbnail", "%s %s has no thumbnail", id, v->version);
    else if (!(target = strdup(v->thumbnail)))
        fail(err, 500, "internal", "out of memory");
    snapshot_release(s, snap);
    if (!target || open_client(&c, s, err))
        goto out;
    /* Length and hashes from the signed targets metadata: the store's answer is checked before
     * a byte of it reaches the phone. */
    mrc = mstore_client_fetch_target(&bytes, &n, c, target, THUMBNAIL_MAX);
    if (mrc != MSTORE_OK) {
        fail(err, mrc == MSTORE_ENOMEM ? 500 : 502, mrc == MSTORE_ENOMEM ? "internal" : "store",
             "%s: thumbnail %s: %s", id, target,
             *mstore_error_message() ? mstore_error_message() : mstore_strerror(mrc));
        goto out;
    }
    if (!image_type(bytes, n)) {
        fail(err, 502, "store", "%s: thumbnail %s is not a PNG, JPEG or WebP image", id, target);
        goto out;
    }
    *type = image_type(bytes, n);
    *data = bytes;
    *size = n;
    bytes = NULL;
    rc = 0;
out:
    free(bytes);
    free(target);
    mstore_client_free(c);
    return rc;
}

int md_store_thumbnail(md_store *s, char **data, size_t *size, const char *id, md_store_error *err)
{
    mpk_manifest *m = NULL;
    char *dir = installed_dir(s, id, NULL, err);
    int rc = -1;

    if (!dir)
        return -1;
    if (read_manifest(&m, dir, err))
        goto out;
    if (!m->thumbnail) {
        fail(err, 404, "no-thumbnail", "%s: the package has no thumbnail", id);
        goto out;
    }
    if (read_checked(data, size, dir, m, m->thumbnail, THUMBNAIL_MAX, err))
        goto out;
    if (*size < 8 || memcmp(*data, "\x89PNG\r\n\x1a\n", 8) != 0) {
        fail(err, 500, "package", "%s: the thumbnail is not a PNG image", id);
        free(*data);
        *data = NULL;
        goto out;
    }
    rc = 0;
out:
    mpk_manifest_free(m);
    free(dir);
    return rc;
}
