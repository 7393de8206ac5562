/* The installed-package database, STATE/installed.json:
 *   {"format": 1, "packages": [{"id", "version", "previous" (or null), "key_id",
 *                               "previous_key_id" (optional), "installed"}]}
 * Written whole, atomically, after the version switch it records; recover.c reconciles it with
 * the folders when a crash fell between the two. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "install_internal.h"
#include "internal.h"
#include "mstore/canonjson.h"

#define DB_FORMAT 1

static void entry_free(mstore__db_entry *e)
{
    free(e->id);
    free(e->version);
    free(e->previous);
    free(e->key_id);
    free(e->installed);
    free(e->previous_key_id);
}

void mstore__db_clear(mstore__db *db)
{
    for (size_t i = 0; i < db->n; i++)
        entry_free(&db->e[i]);
    free(db->e);
    memset(db, 0, sizeof(*db));
}

mstore__db_entry *mstore__db_find(mstore__db *db, const char *id)
{
    for (size_t i = 0; i < db->n; i++)
        if (strcmp(db->e[i].id, id) == 0)
            return &db->e[i];
    return NULL;
}

int mstore__db_set(mstore__db *db, const char *id, const char *version, const char *previous,
                   const char *key_id, const char *previous_key_id, const char *installed)
{
    mstore__db_entry e = {0}, *slot = mstore__db_find(db, id);

    e.id = mstore__strdup(id);
    e.version = mstore__strdup(version);
    e.previous = previous ? mstore__strdup(previous) : NULL;
    e.key_id = mstore__strdup(key_id ? key_id : "");
    e.installed = mstore__strdup(installed ? installed : "");
    /* Without a kept version there is no key of it to remember. */
    e.previous_key_id = previous && previous_key_id ? mstore__strdup(previous_key_id) : NULL;
    if (!e.id || !e.version || (previous && !e.previous) || !e.key_id || !e.installed ||
        (previous && previous_key_id && !e.previous_key_id))
        goto nomem;
    if (!slot) {
        if (db->n == db->cap) {
            size_t cap = db->cap ? db->cap * 2 : 8;
            mstore__db_entry *grown = realloc(db->e, cap * sizeof(*grown));
            if (!grown)
                goto nomem;
            db->e = grown;
            db->cap = cap;
        }
        slot = &db->e[db->n++];
    } else {
        entry_free(slot);
    }
    *slot = e;
    return MSTORE_OK;
nomem:
    entry_free(&e);
    return mstore__error(MSTORE_ENOMEM, "out of memory");
}

void mstore__db_remove(mstore__db *db, const char *id)
{
    mstore__db_entry *e = mstore__db_find(db, id);

    if (!e)
        return;
    entry_free(e);
    memmove(e, e + 1, (size_t)(&db->e[db->n] - (e + 1)) * sizeof(*e));
    db->n--;
}

static const char *field(const json_t *o, const char *name, bool nullable, size_t i, int *rc)
{
    json_t *v = json_object_get(o, name);

    if (*rc)
        return NULL;
    if (nullable && (!v || json_is_null(v)))
        return NULL;
    if (!json_is_string(v) || (!nullable && !*json_string_value(v))) {
        *rc = mstore__error(MSTORE_EFORMAT, "packages[%zu].%s: must be a%s string", i, name,
                            nullable ? "" : " non-empty");
        return NULL;
    }
    return json_string_value(v);
}

int mstore__db_load(mstore__db *db, const char *path)
{
    unsigned char *text = NULL;
    size_t size = 0, i;
    json_t *root = NULL, *pkgs, *p;
    int rc;

    memset(db, 0, sizeof(*db));
    rc = mstore__read_file(&text, &size, path, MSTORE__DB_MAX);
    if (rc == MSTORE_ENOTFOUND) {
        mstore_error_clear();
        return MSTORE_OK;
    }
    if (rc)
        return rc;
    if ((rc = mstore_json_parse(&root, (const char *)text, size, path)))
        goto out;
    pkgs = json_object_get(root, "packages");
    if (json_integer_value(json_object_get(root, "format")) != DB_FORMAT || !json_is_array(pkgs)) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: not an installed-package database of format %d",
                           path, DB_FORMAT);
        goto out;
    }
    json_array_foreach(pkgs, i, p)
    {
        const char *id = field(p, "id", false, i, &rc);
        const char *ver = field(p, "version", false, i, &rc);
        const char *prev = field(p, "previous", true, i, &rc);
        const char *key = field(p, "key_id", false, i, &rc);
        const char *when = field(p, "installed", true, i, &rc);
        const char *prev_key = field(p, "previous_key_id", true, i, &rc);
        if (!rc &&
            (!mpk_id_valid(id) || !mpk_semver_valid(ver) || (prev && !mpk_semver_valid(prev))))
            rc = mstore__error(MSTORE_EFORMAT, "packages[%zu]: bad id or version", i);
        if (!rc && mstore__db_find(db, id))
            rc = mstore__error(MSTORE_EFORMAT, "packages[%zu]: %s listed twice", i, id);
        if (rc || (rc = mstore__db_set(db, id, ver, prev, key, prev_key, when))) {
            mstore__error_prefix(rc, "%s", path);
            goto out;
        }
    }
out:
    if (rc)
        mstore__db_clear(db);
    json_decref(root);
    free(text);
    return rc;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const mstore__db_entry *)a)->id, ((const mstore__db_entry *)b)->id);
}

int mstore__db_save(const mstore__db *db, const char *path)
{
    json_t *root = json_pack("{s:i, s:[]}", "format", DB_FORMAT, "packages");
    json_t *pkgs = json_object_get(root, "packages");
    char *text = NULL;
    int rc = MSTORE_OK;

    if (!root)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    qsort(db->e, db->n, sizeof(*db->e), by_id);
    for (size_t i = 0; i < db->n; i++) {
        const mstore__db_entry *e = &db->e[i];
        json_t *o =
            json_pack("{s:s, s:s, s:s?, s:s, s:s}", "id", e->id, "version", e->version, "previous",
                      e->previous, "key_id", e->key_id, "installed", e->installed);
        if (o && e->previous_key_id &&
            json_object_set_new(o, "previous_key_id", json_string(e->previous_key_id)) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (!o || json_array_append_new(pkgs, o)) {
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
            goto out;
        }
    }
    text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (!text) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    rc = mstore__write_file_atomic(path, text, strlen(text), 0644);
out:
    free(text);
    json_decref(root);
    return rc;
}
