/* `mstore verify`: an installed version folder is checked the way it was installed: the developer
 * signature over manifest.json by the recorded key, every listed file with its size and SHA-256,
 * and nothing else in the folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "digest.h"
#include "install_internal.h"
#include "internal.h"
#include "mstore/canonjson.h"

int mstore__installed_key_id(char **out, const char *dir)
{
    char *path = mstore__asprintf("%s/signature.json", dir);
    unsigned char *text = NULL;
    size_t size = 0;
    json_t *root = NULL;
    const char *id;
    int rc;

    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    if ((rc = mstore__read_file(&text, &size, path, MSTORE__SIGNATURE_MAX)) ||
        (rc = mstore_json_parse(&root, (const char *)text, size, path)))
        goto out;
    id = json_string_value(json_object_get(root, "key_id"));
    if (!id || !(*out = mstore__strdup(id)))
        rc = mstore__error(id ? MSTORE_ENOMEM : MSTORE_EFORMAT, "%s: no key_id", path);
out:
    json_decref(root);
    free(text);
    free(path);
    return rc;
}

static int hash_file(const char *dir, const mpk_file_entry *f)
{
    char *path = mstore__asprintf("%s/%s", dir, f->path);
    unsigned char block[65536], digest[64];
    mstore__digest sha = {0};
    uint64_t total = 0;
    struct stat st;
    ssize_t n;
    int fd = -1, rc = MSTORE_OK;

    if (!path) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mstore__digest_start(&sha, MSTORE__DIGEST_SHA256)))
        goto out;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = mstore__error(MSTORE_EHASH, "%s: missing or not a regular file", f->path);
        goto out;
    }
    while ((n = read(fd, block, sizeof(block))) > 0) {
        mstore__digest_update(&sha, block, (size_t)n);
        total += (uint64_t)n;
    }
    if (n < 0) {
        rc = mstore__error(MSTORE_EIO, "%s: %s", f->path, strerror(errno));
        goto out;
    }
    mstore__digest_finish(&sha, digest);
    if (total != f->size || memcmp(digest, f->sha256, 32) != 0)
        rc = mstore__error(MSTORE_EHASH, "%s: size or SHA-256 differs from the manifest", f->path);
out:
    mstore__digest_free(&sha);
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

/* Every entry of the folder must be the manifest, the signature, a listed file or a folder on
 * the way to one. */
static int walk(const char *root, const char *rel, const mpk_manifest *m, int depth)
{
    char *path = *rel ? mstore__asprintf("%s/%s", root, rel) : mstore__strdup(root);
    struct dirent *de;
    DIR *d = NULL;
    int rc = MSTORE_OK;

    if (!path)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    if (depth > 32 || !(d = opendir(path))) {
        rc = mstore__error(MSTORE_EIO, "%s: cannot read the folder", path);
        goto out;
    }
    while (rc == MSTORE_OK && (de = readdir(d))) {
        char *sub;
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        sub = *rel ? mstore__asprintf("%s/%s", rel, de->d_name) : mstore__strdup(de->d_name);
        if (!sub) {
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
            break;
        }
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            rc = mstore__error(MSTORE_EIO, "%s: %s", sub, strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = mstore__manifest_has_dir(m, sub)
                     ? walk(root, sub, m, depth + 1)
                     : mstore__error(MSTORE_EHASH, "%s: folder not listed in the manifest", sub);
        else if (!S_ISREG(st.st_mode))
            rc = mstore__error(MSTORE_EHASH, "%s: not a regular file", sub);
        else if (!mpk_manifest_file(m, sub) && strcmp(sub, "manifest.json") != 0 &&
                 strcmp(sub, "signature.json") != 0)
            rc = mstore__error(MSTORE_EHASH, "%s: file not listed in the manifest", sub);
        free(sub);
    }
out:
    if (d)
        closedir(d);
    free(path);
    return rc;
}

int mstore__verify_dir(const char *dir, const char *id, const char *version, const char *key_id)
{
    char *man_path = mstore__asprintf("%s/manifest.json", dir);
    char *sig_path = mstore__asprintf("%s/signature.json", dir);
    unsigned char *man = NULL, *sig = NULL;
    size_t man_size = 0, sig_size = 0;
    mpk_manifest *m = NULL;
    int rc;

    if (!man_path || !sig_path) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mstore__read_file(&man, &man_size, man_path, MPK_MANIFEST_MAX_SIZE)) ||
        (rc = mstore__read_file(&sig, &sig_size, sig_path, MSTORE__SIGNATURE_MAX)) ||
        (rc = mstore__pkgsig_check((const char *)sig, sig_size, man, man_size, key_id)))
        goto out;
    if (mpk_manifest_parse(&m, (const char *)man, man_size) != MPK_OK) {
        rc = mstore__error(MSTORE_EFORMAT, "manifest.json: %s", mpk_error_message());
        goto out;
    }
    if (strcmp(m->id, id) != 0 || mpk_semver_compare(m->version, version) != 0) {
        rc = mstore__error(MSTORE_EFORMAT, "manifest.json is %s %s, not %s %s", m->id, m->version,
                           id, version);
        goto out;
    }
    for (size_t i = 0; i < m->file_count && !rc; i++)
        rc = hash_file(dir, &m->files[i]);
    if (!rc)
        rc = walk(dir, "", m, 0);
out:
    if (rc)
        mstore__error_prefix(rc, "%s", dir);
    mpk_manifest_free(m);
    free(man);
    free(sig);
    free(man_path);
    free(sig_path);
    return rc;
}

int mstore_client_verify(mstore_client *c, const char *id, mstore_verify_fn each, void *ctx)
{
    mstore__db db = {0};
    int lock = -1, rc, first = MSTORE_OK;
    bool found = false;

    if (!c)
        return mstore__error(MSTORE_EINVAL, "no client");
    pthread_mutex_lock(&c->mutex);
    if ((rc = mstore__lock_acquire(&lock, c->state, c->o.lock_timeout_ms)) ||
        (rc = mstore__db_load(&db, c->db_path)) || (rc = mstore__recover(c, &db)))
        goto out;
    for (size_t i = 0; i < db.n; i++) {
        const mstore__db_entry *e = &db.e[i];
        char *pkgdir, *cur = NULL, *dir;
        if (id && strcmp(id, e->id) != 0)
            continue;
        found = true;
        mstore_error_clear();
        pkgdir = mstore__asprintf("%s/%s", c->packages, e->id);
        if (!pkgdir) {
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
            goto out;
        }
        rc = mstore__read_link(&cur, pkgdir, "current");
        if (!rc && (!cur || strcmp(cur, e->version) != 0))
            rc = mstore__error(MSTORE_ESTATE, "%s/current: points at %s, the database says %s",
                               pkgdir, cur ? cur : "nothing", e->version);
        for (int k = 0; k < 2 && !rc; k++) {
            const char *v = k ? e->previous : e->version;
            /* The kept version may predate a developer-key change the store allowed. */
            const char *key = k && e->previous_key_id ? e->previous_key_id : e->key_id;
            if (!v)
                continue;
            if (!(dir = mstore__asprintf("%s/%s", pkgdir, v))) {
                rc = mstore__error(MSTORE_ENOMEM, "out of memory");
                break;
            }
            rc = mstore__verify_dir(dir, e->id, v, key);
            free(dir);
        }
        if (each)
            each(ctx, e->id, e->version, rc, rc ? mstore_error_message() : "");
        if (rc && !first)
            first = rc;
        rc = MSTORE_OK;
        free(cur);
        free(pkgdir);
    }
    if (id && !found)
        rc = mstore__error(MSTORE_ENOTFOUND, "%s: not installed", id);
    else if (first)
        rc = mstore__error(first, "verification failed");
out:
    mstore__lock_release(lock);
    mstore__db_clear(&db);
    pthread_mutex_unlock(&c->mutex);
    return rc;
}
