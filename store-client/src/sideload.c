/* Sideloading: a package handed over (by the phone, a USB stick) together with the store's
 * signed metadata. The metadata is read through the same TUF client from file:// URLs, starting
 * from this robot's trusted root, and the file must match its signed target exactly as a
 * download would; then the install is the same as from the store. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "digest.h"
#include "install_internal.h"
#include "internal.h"
#include "mpk/package.h"

/* Copies src to dst (fsynced), refusing more than max bytes. With keep_fd, the copy stays open
 * (read-write) for the caller, and sha256 gets its SHA-256 in hex, hashed while copying. */
static int copy_file(const char *dst, const char *src, uint64_t max, int *keep_fd, char *sha256)
{
    unsigned char block[65536];
    uint64_t total = 0;
    mstore__digest d = {0};
    ssize_t n;
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = MSTORE_OK;

    if (in < 0)
        return mstore__error(errno == ENOENT ? MSTORE_ENOTFOUND : MSTORE_EIO, "%s: %s", src,
                             strerror(errno));
    if (sha256 && (rc = mstore__digest_start(&d, MSTORE__DIGEST_SHA256))) {
        mstore__digest_free(&d);
        close(in);
        return rc;
    }
    out = open(dst, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (out < 0) {
        rc = mstore__error(MSTORE_EIO, "%s: %s", dst, strerror(errno));
        goto out;
    }
    while ((n = read(in, block, sizeof(block))) > 0) {
        total += (uint64_t)n;
        if (total > max) {
            rc = mstore__error(MSTORE_ELENGTH, "%s: longer than the %llu bytes the store signed",
                               src, (unsigned long long)max);
            goto out;
        }
        if (write(out, block, (size_t)n) != n) {
            rc = mstore__error(errno == ENOSPC ? MSTORE_ENOSPACE : MSTORE_EIO, "%s: %s", dst,
                               strerror(errno));
            goto out;
        }
        if (sha256)
            mstore__digest_update(&d, block, (size_t)n);
    }
    if (n < 0 || fsync(out) != 0)
        rc = mstore__error(MSTORE_EIO, "%s: %s", n < 0 ? src : dst, strerror(errno));
    if (!rc && sha256)
        mstore__digest_finish_hex(&d, sha256);
    if (!rc && keep_fd) {
        *keep_fd = out;
        out = -1;
    }
out:
    mstore__digest_free(&d);
    close(in);
    if (out >= 0)
        close(out);
    if (rc)
        unlink(dst);
    return rc;
}

int mstore_client_install_file(mstore_client *c, const char *mpk_path, const char *metadata_dir)
{
    mstore__progress_ctx pc = {c, NULL, MSTORE_PHASE_METADATA};
    char abs[PATH_MAX], *enc = NULL, *tmp_copy = NULL, *seed = NULL, sha[MSTORE_HASH_HEX_MAX];
    char *mu[2] = {0}, *tu[2] = {0}, *cache_dir = NULL, *part = NULL, *final = NULL;
    const mstore_catalog_package *pkg;
    const mstore_catalog_version *ver;
    mstore_hash hashes[4];
    mstore_updater *u = NULL;
    mstore_target *t = NULL;
    mstore__db db = {0};
    size_t nh;
    int lock = -1, meta_lock = -1, fd = -1, rc;

    if (!c || !mpk_path || !metadata_dir)
        return mstore__error(MSTORE_EINVAL, "no client, package or metadata folder");
    if (!realpath(metadata_dir, abs))
        return mstore__error(MSTORE_ENOTFOUND, "%s: %s", metadata_dir, strerror(errno));
    pthread_mutex_lock(&c->mutex);
    if ((rc = mstore__lock_acquire(&lock, c->state, c->o.lock_timeout_ms)) ||
        (rc = mstore__db_load(&db, c->db_path)) || (rc = mstore__recover(c, &db)))
        goto out;
    if ((rc = mstore_url_encode(&enc, abs, 1))) {
        goto out;
    }
    mu[0] = mstore__asprintf("file://%s/metadata/", enc);
    mu[1] = mstore__asprintf("file://%s/", enc);
    tu[0] = mstore__asprintf("file://%s/targets/", enc);
    tu[1] = mstore__asprintf("file://%s/", enc);
    cache_dir = mstore__asprintf("%s/packages", c->cache);
    if (!mu[0] || !mu[1] || !tu[0] || !tu[1] || !cache_dir) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    /* A plain catalog.json in the folder is offered as a candidate: used only if its length
     * and hashes are the signed ones. */
    {
        char *plain = mstore__asprintf("%s/catalog.json", abs);
        seed = mstore__asprintf("%s/catalog.json.sideload", c->cache);
        if (!plain || !seed)
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        else if (mstore__exists(plain))
            rc = copy_file(seed, plain, MSTORE_CATALOG_MAX_SIZE, NULL, NULL);
        free(plain);
        if (rc)
            goto out;
    }
    /* The handed-over metadata moves the robot's stored metadata forward like an update. */
    if ((rc = mstore__metadata_lock(&meta_lock, c)) ||
        (rc = mstore__updater_open(&u, c, &pc, (const char *const *)mu, 2, (const char *const *)tu,
                                   2, NULL)) ||
        (rc = mstore__catalog_refresh(c, u, true, seed)))
        goto out;
    mstore__lock_release(meta_lock);
    meta_lock = -1;
    /* The file is copied first, and only the copy is looked at, through the one descriptor it
     * was written and checked through: it is found in the signed catalog by its SHA-256 (taken
     * while copying), so nothing in it is parsed before it is known to be the bytes the store
     * signed. */
    tmp_copy = mstore__asprintf("%s/sideload.part", cache_dir);
    if (!tmp_copy) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mstore__mkdirs(cache_dir, 0755)) ||
        (rc = copy_file(tmp_copy, mpk_path, MPK_PACKAGE_MAX_SIZE, &fd, sha)))
        goto out;
    pkg = NULL;
    ver = NULL;
    for (size_t i = 0; !ver && i < mstore_catalog_count(c->catalog); i++) {
        const mstore_catalog_package *p = mstore_catalog_at(c->catalog, i);
        for (size_t j = 0; j < p->n_versions; j++)
            if (p->versions[j].sha256 && strcasecmp(p->versions[j].sha256, sha) == 0) {
                pkg = p;
                ver = &p->versions[j];
                break;
            }
    }
    if (!ver) {
        rc = mstore__error(MSTORE_EHASH,
                           "matches no package version of the signed catalog (SHA-256 %.16s...)",
                           sha);
        goto out;
    }
    pc.id = pkg->id;
    if ((rc = mstore__check_compatible(c, &db, pkg, ver)) ||
        (rc = mstore__get_target_locked(&t, c, u, ver->target)))
        goto out;
    nh = mstore_target_hashes(t, hashes, 4);
    if (nh > 4) {
        rc = mstore__error(MSTORE_EUNSUPPORTED, "%s: too many hashes", ver->target);
        goto out;
    }
    /* The copy in the cache is what gets checked and extracted, so the handed-over file cannot
     * change between the check and the extraction; and it is read through its descriptor, so
     * neither can a file put at the copy's path. */
    part = tmp_copy;
    tmp_copy = NULL;
    final = mstore__asprintf("%s/%s-%s.mpk", cache_dir, pkg->id, ver->version);
    if (!final) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mstore__fd_verify(fd, part, mstore_target_length(t), hashes, nh))) {
        mstore__error_prefix(rc, "%s", mpk_path);
        unlink(part);
        goto out;
    }
    if (rename(part, final) != 0) {
        rc = mstore__error(MSTORE_EIO, "%s: rename: %s", final, strerror(errno));
        unlink(part);
        goto out;
    }
    {
        mstore__db_entry *e = mstore__db_find(&db, pkg->id);
        if (e && strcmp(e->version, ver->version) == 0) {
            mstore__clog(c, "%s %s is already installed", pkg->id, ver->version);
            goto out;
        }
    }
    rc = mstore__install_cached(c, &db, fd, final, pkg, ver);
out:
    if (fd >= 0)
        close(fd);
    if (rc)
        mstore__error_prefix(rc, "%s", mpk_path);
    mstore_target_free(t);
    mstore_updater_free(u);
    mstore__lock_release(meta_lock);
    mstore__lock_release(lock);
    mstore__db_clear(&db);
    pthread_mutex_unlock(&c->mutex);
    for (int i = 0; i < 2; i++) {
        free(mu[i]);
        free(tu[i]);
    }
    free(enc);
    if (seed)
        unlink(seed);
    free(seed);
    if (tmp_copy)
        unlink(tmp_copy);
    free(tmp_copy);
    free(cache_dir);
    free(part);
    free(final);
    return rc;
}
