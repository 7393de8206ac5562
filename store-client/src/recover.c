/* Recovery at the start of every changing operation, under the lock. The symbolic link
 * packages/ID/current is the commit point of install, upgrade and rollback; the database
 * follows it. So after a crash:
 * - staging folders, .trash-* folders, temporary links and temporary database files are
 *   leftovers: removed;
 * - a package folder whose current link points elsewhere than the database says: the switch
 *   happened and the database write did not; the database is brought forward (the version the
 *   database named becomes the previous one);
 * - a database entry whose package has no current link: a removal was under way; finished;
 * - a package folder with a current link and no database entry: a first install was switched and
 *   not recorded; recorded;
 * - a package folder with neither: a first install that never switched; removed;
 * - version folders that are neither current nor previous: removed;
 * - symbolic links where package or version folders belong: this code never makes them, and
 *   following one would take files outside the package folders for installed ones: removed
 *   (the link, never what it points at). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "install_internal.h"
#include "internal.h"

static bool is_leftover(const char *name)
{
    return strncmp(name, ".staging-", 9) == 0 || strncmp(name, ".trash-", 7) == 0 ||
           strncmp(name, ".current.tmp", 12) == 0;
}

/* True for a real folder (not a link to one) named n in the folder open as d. */
static bool real_dir_at(DIR *d, const char *n)
{
    struct stat st;

    return fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Removes leftovers and unused versions (and links in their place) inside one package folder. */
static int tidy_package(const char *pkgdir, const mstore__db_entry *e)
{
    DIR *d = opendir(pkgdir);
    struct dirent *de;
    int rc = MSTORE_OK;

    if (!d)
        return MSTORE_OK;
    while (rc == MSTORE_OK && (de = readdir(d))) {
        const char *n = de->d_name;
        char *p;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "current"))
            continue;
        if (!is_leftover(n) && e && real_dir_at(d, n) &&
            (!strcmp(n, e->version) || (e->previous && !strcmp(n, e->previous))))
            continue;
        if (!(p = mstore__asprintf("%s/%s", pkgdir, n)))
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        else
            rc = mstore__rmtree(p);
        free(p);
    }
    closedir(d);
    return rc;
}

/* Brings the entry for id in line with what packages/ID holds. */
static int reconcile(mstore_client *c, mstore__db *db, const char *id, bool *changed)
{
    char *pkgdir = mstore__asprintf("%s/%s", c->packages, id), *cur = NULL, *dir = NULL;
    char *key = NULL, *old_version = NULL, *old_key = NULL;
    mstore__db_entry *e;
    char when[24];
    int rc;

    if (!pkgdir)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    if ((rc = mstore__read_link(&cur, pkgdir, "current")))
        goto out;
    e = mstore__db_find(db, id);
    if (cur && (!mpk_semver_valid(cur) || !(dir = mstore__asprintf("%s/%s", pkgdir, cur)) ||
                !mstore__is_dir(dir))) {
        /* A link to nothing cannot be made by this code; treat the package as not there. */
        mstore__clog(c, "recover: %s: current points at a missing version", id);
        free(cur);
        cur = NULL;
    }
    if (!cur) {
        if (e) {
            mstore__clog(c, "recover: %s: finishing an interrupted removal", id);
            mstore__db_remove(db, id);
            *changed = true;
        }
        rc = mstore__discard(c->packages, id);
        goto out;
    }
    if (!e || strcmp(e->version, cur) != 0) {
        mstore__clog(c, "recover: %s: recording version %s", id, cur);
        if ((rc = mstore__installed_key_id(&key, dir)))
            goto out;
        if (e && (!(old_version = mstore__strdup(e->version)) ||
                  !(old_key = mstore__strdup(e->key_id)))) {
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
            goto out;
        }
        mstore__iso_time(when, (int64_t)time(NULL));
        /* The version the database named is the one the switch replaced, with its key. */
        if ((rc = mstore__db_set(db, id, cur, old_version, key, old_key, when)))
            goto out;
        *changed = true;
        e = mstore__db_find(db, id);
    }
    if (e->previous) {
        char *p = mstore__asprintf("%s/%s", pkgdir, e->previous);
        bool have = p && mstore__is_dir(p);
        free(p);
        if (!have) {
            free(e->previous);
            e->previous = NULL;
            *changed = true;
        }
    }
    rc = tidy_package(pkgdir, e);
out:
    free(pkgdir);
    free(cur);
    free(dir);
    free(key);
    free(old_version);
    free(old_key);
    return rc;
}

int mstore__recover(mstore_client *c, mstore__db *db)
{
    DIR *d = opendir(c->packages);
    struct dirent *de;
    bool changed = false;
    int rc = MSTORE_OK;

    if (!d)
        return mstore__error(MSTORE_EIO, "%s: cannot read the folder", c->packages);
    while (rc == MSTORE_OK && (de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        if (is_leftover(n) || !mpk_id_valid(n) || !real_dir_at(d, n)) {
            char *p = mstore__asprintf("%s/%s", c->packages, n);
            rc = p ? mstore__rmtree(p) : mstore__error(MSTORE_ENOMEM, "out of memory");
            free(p);
            continue;
        }
        rc = reconcile(c, db, n, &changed);
    }
    closedir(d);
    /* Entries whose folder is gone entirely. */
    for (size_t i = 0; rc == MSTORE_OK && i < db->n;) {
        char *p = mstore__asprintf("%s/%s", c->packages, db->e[i].id);
        bool have = p && mstore__is_dir(p);
        free(p);
        if (!have) {
            mstore__clog(c, "recover: %s: no folder, dropped from the database", db->e[i].id);
            mstore__db_remove(db, db->e[i].id);
            changed = true;
        } else {
            i++;
        }
    }
    /* Temporary database files of an interrupted write. */
    if (rc == MSTORE_OK && (d = opendir(c->state))) {
        while ((de = readdir(d)))
            if (strncmp(de->d_name, "installed.json.tmp", 18) == 0) {
                char *p = mstore__asprintf("%s/%s", c->state, de->d_name);
                if (p)
                    remove(p);
                free(p);
            }
        closedir(d);
    }
    if (rc == MSTORE_OK && changed)
        rc = mstore__db_save(db, c->db_path);
    if (rc)
        mstore__error_prefix(rc, "recovery");
    return rc;
}
