/* Package extraction with libarchive, under the rules of a signed manifest.
 *
 * The archive is read through one descriptor that the caller opened once and verified (the
 * package's length and hashes from the signed TUF targets): nothing here opens it again by name,
 * so a file swapped in at its path after the check is never read. Only the zip reader is
 * registered, in its seekable form, which lists entries from the central directory. Nothing an
 * archive declares is trusted: sizes are counted from the bytes actually written, every entry must
 * be a regular file (or a folder on the way to one) named by the signed manifest, and each file
 * must end with the manifest's size and SHA-256. Files are created with O_EXCL | O_NOFOLLOW below a
 * folder this code made, so neither a duplicate nor a link can redirect a write. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "digest.h"
#include "install_internal.h"
#include "internal.h"

#define MANIFEST_NAME  "manifest.json"
#define SIGNATURE_NAME "signature.json"
#define BLOCK          (64 * 1024)
#define MAX_DIRS       256

int mstore__entry_name_ok(const char *name)
{
    const char *seg = name;
    size_t len;

    if (!name || !*name)
        return 0;
    len = strlen(name);
    if (len > MPK_MANIFEST_MAX_PATH || name[0] == '/')
        return 0;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '\\' || *p == 0x7f)
            return 0;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        if (!end)
            return 1;
        seg = end + 1;
    }
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Finds the end-of-central-directory record (22 bytes plus a comment of up to 65535 bytes), where
 * its comment length reaches exactly the end of the file (a fake record inside a comment does
 * not), and reads where the central directory lies and how many entries it claims; zip64 archives
 * mark those fields 0xffff/0xffffffff and keep the values in the zip64 record its locator names.
 * The directory must end where the record (or the zip64 record) starts, as libarchive expects. */
static int find_directory(uint64_t *cd_off, uint64_t *cd_size, uint64_t *listed, int fd)
{
    enum { EOCD = 22, TAIL = EOCD + 65535 };
    unsigned char *buf = NULL;
    off_t size = lseek(fd, 0, SEEK_END), start;
    ssize_t n;
    int rc = MSTORE_EFORMAT;

    if (size < EOCD)
        return rc;
    start = size > TAIL ? size - TAIL : 0;
    if (!(buf = malloc((size_t)(size - start))))
        return MSTORE_ENOMEM;
    n = pread(fd, buf, (size_t)(size - start), start);
    for (ssize_t i = n == size - start ? n - EOCD : -1; i >= 0; i--) {
        const unsigned char *e = buf + i;
        uint64_t end = (uint64_t)(start + i);
        if (le32(e) != 0x06054b50 || (ssize_t)(i + EOCD + le16(e + 20)) != n)
            continue;
        *listed = le16(e + 10);
        *cd_size = le32(e + 12);
        *cd_off = le32(e + 16);
        if (*listed == 0xffff || *cd_size == 0xffffffffu || *cd_off == 0xffffffffu) {
            unsigned char z[56];
            if (i < 20 || le32(e - 20) != 0x07064b50)
                continue;
            end = le64(e - 20 + 8);
            if (pread(fd, z, sizeof(z), (off_t)end) != (ssize_t)sizeof(z) || le32(z) != 0x06064b50)
                continue;
            *listed = le64(z + 32);
            *cd_size = le64(z + 40);
            *cd_off = le64(z + 48);
        }
        if (*cd_off > end || *cd_size != end - *cd_off)
            continue;
        rc = MSTORE_OK;
        break;
    }
    free(buf);
    return rc;
}

int mstore__zip_entry_count(uint64_t *out, int fd, const char *path)
{
    /* Each central directory header: 46 bytes, then the name, extra field and comment. */
    enum { CDH = 46 };
    unsigned char h[CDH], *name = malloc(65536);
    uint64_t cd_off = 0, cd_size = 0, listed = 0, pos, end, count = 0;
    int rc;

    if (!name) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = find_directory(&cd_off, &cd_size, &listed, fd))) {
        rc = rc == MSTORE_ENOMEM
                 ? mstore__error(rc, "out of memory")
                 : mstore__error(rc, "%s: no zip end-of-central-directory record", path);
        goto out;
    }
    /* Walked here, before libarchive loads the whole directory into memory: never more entries
     * than a package may hold, and each name exactly as stored. */
    for (pos = cd_off, end = cd_off + cd_size; pos < end; count++) {
        uint64_t len;
        if (count == MSTORE_EXTRACT_MAX_ENTRIES) {
            rc = mstore__error(MSTORE_ELIMIT, "%s: more than %d entries", path,
                               MSTORE_EXTRACT_MAX_ENTRIES);
            goto out;
        }
        if (end - pos < CDH || pread(fd, h, CDH, (off_t)pos) != CDH || le32(h) != 0x02014b50) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: central directory entry %llu is damaged", path,
                               (unsigned long long)count);
            goto out;
        }
        len = (uint64_t)CDH + le16(h + 28) + le16(h + 30) + le16(h + 32);
        if (len > end - pos ||
            pread(fd, name, le16(h + 28), (off_t)(pos + CDH)) != (ssize_t)le16(h + 28)) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: central directory entry %llu is damaged", path,
                               (unsigned long long)count);
            goto out;
        }
        /* libarchive would cut the name at the NUL: "a.bin\0../x" would pass as "a.bin". */
        if (memchr(name, '\0', le16(h + 28))) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: entry %llu: a NUL byte in its name", path,
                               (unsigned long long)count);
            goto out;
        }
        pos += len;
    }
    if (count != listed) {
        rc = mstore__error(MSTORE_EFORMAT,
                           "%s: the end record lists %llu entries, the central directory holds "
                           "%llu",
                           path, (unsigned long long)listed, (unsigned long long)count);
        goto out;
    }
    *out = count;
    rc = MSTORE_OK;
out:
    free(name);
    return rc;
}

/* libarchive's seekable zip reader keeps one entry per name: a duplicate would be skipped
 * silently, while another zip reader might pick it. So the entries it returns are counted
 * against the central directory's own count. */
static int check_count(const char *path, uint64_t listed, size_t seen)
{
    if (listed != seen)
        return mstore__error(MSTORE_EFORMAT,
                             "%s: the central directory lists %llu entries, %zu are readable "
                             "(duplicate names?)",
                             path, (unsigned long long)listed, seen);
    return MSTORE_OK;
}

/* libarchive on the caller's descriptor, from the first byte; archive_read_free() leaves the
 * descriptor open. */
static int open_archive(struct archive **out, int fd, const char *path)
{
    struct archive *a;

    if (lseek(fd, 0, SEEK_SET) != 0)
        return mstore__error(MSTORE_EIO, "%s: %s", path, strerror(errno));
    if (!(a = archive_read_new()))
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    /* Zip only: a tar, cpio or compressed stream is not a package, whatever it contains. */
    if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
        archive_read_open_fd(a, fd, BLOCK) != ARCHIVE_OK) {
        int rc = mstore__error(MSTORE_EFORMAT, "%s: not a zip archive: %s", path,
                               archive_error_string(a) ? archive_error_string(a) : "unreadable");
        archive_read_free(a);
        return rc;
    }
    *out = a;
    return MSTORE_OK;
}

/* Common checks of an entry: name, type, encryption. */
static int check_entry(struct archive_entry *e, const char *path, const char **name_out,
                       bool *is_dir)
{
    const char *name = archive_entry_pathname(e);
    mode_t type = archive_entry_filetype(e);

    if (!name)
        return mstore__error(MSTORE_EFORMAT, "%s: an entry has no readable name", path);
    if (archive_entry_is_encrypted(e))
        return mstore__error(MSTORE_EFORMAT, "%s: %s: encrypted entries are not allowed", path,
                             name);
    if (archive_entry_hardlink(e) || archive_entry_symlink(e) || type == AE_IFLNK)
        return mstore__error(MSTORE_EFORMAT, "%s: %s: links are not allowed", path, name);
    if (type != AE_IFREG && type != AE_IFDIR)
        return mstore__error(MSTORE_EFORMAT, "%s: %s: only files and folders are allowed", path,
                             name);
    *is_dir = type == AE_IFDIR;
    *name_out = name;
    return MSTORE_OK;
}

/* Reads a small entry's data into memory (at most max bytes, counted as read). */
static int read_small(char **out, size_t *size, struct archive *a, size_t max, const char *what)
{
    mstore__buf b;
    char block[4096];
    la_ssize_t n;

    mstore__buf_init(&b, max);
    while ((n = archive_read_data(a, block, sizeof(block))) > 0)
        if (mstore__buf_append(&b, block, (size_t)n)) {
            mstore__buf_free(&b);
            return mstore__error(MSTORE_ELIMIT, "%s: more than %zu bytes", what, max);
        }
    if (n < 0) {
        mstore__buf_free(&b);
        return mstore__error(MSTORE_EFORMAT, "%s: %s", what, archive_error_string(a));
    }
    if (!b.data && mstore__buf_append(&b, "", 0)) {
        mstore__buf_free(&b);
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    }
    *out = mstore__buf_take(&b, size);
    return *out ? MSTORE_OK : mstore__error(MSTORE_ENOMEM, "out of memory");
}

int mstore__package_read_head(mpk_manifest **manifest, char **manifest_bytes, size_t *manifest_size,
                              char **signature_bytes, size_t *signature_size, int archive_fd,
                              const char *archive_path, const char *expected_key_id)
{
    struct archive *a = NULL;
    struct archive_entry *e;
    char *man = NULL, *sig = NULL;
    size_t man_size = 0, sig_size = 0, count = 0;
    uint64_t listed = 0;
    mpk_manifest *m = NULL;
    int rc, r;

    if ((rc = mstore__zip_entry_count(&listed, archive_fd, archive_path)) ||
        (rc = open_archive(&a, archive_fd, archive_path)))
        return rc;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name;
        bool is_dir;
        if (++count > MSTORE_EXTRACT_MAX_ENTRIES) {
            rc = mstore__error(MSTORE_ELIMIT, "%s: more than %d entries", archive_path,
                               MSTORE_EXTRACT_MAX_ENTRIES);
            goto out;
        }
        if ((rc = check_entry(e, archive_path, &name, &is_dir)))
            goto out;
        if (strcmp(name, MANIFEST_NAME) == 0 || strcmp(name, SIGNATURE_NAME) == 0) {
            bool is_man = name[0] == 'm';
            if (is_dir || (is_man ? man != NULL : sig != NULL)) {
                rc = mstore__error(MSTORE_EFORMAT, "%s: %s: duplicate entry", archive_path, name);
                goto out;
            }
            rc = is_man ? read_small(&man, &man_size, a, MPK_MANIFEST_MAX_SIZE, MANIFEST_NAME)
                        : read_small(&sig, &sig_size, a, MSTORE__SIGNATURE_MAX, SIGNATURE_NAME);
            if (rc) {
                mstore__error_prefix(rc, "%s", archive_path);
                goto out;
            }
        }
    }
    if (r != ARCHIVE_EOF) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: %s", archive_path, archive_error_string(a));
        goto out;
    }
    if ((rc = check_count(archive_path, listed, count)))
        goto out;
    if (!man || !sig) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: no %s", archive_path,
                           man ? SIGNATURE_NAME : MANIFEST_NAME);
        goto out;
    }
    /* Nothing the manifest says is believed before the signature over it checks out. */
    if ((rc = mstore__pkgsig_check(sig, sig_size, man, man_size, expected_key_id))) {
        mstore__error_prefix(rc, "%s", archive_path);
        goto out;
    }
    if (mpk_manifest_parse(&m, man, man_size) != MPK_OK) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: manifest.json: %s", archive_path,
                           mpk_error_message());
        goto out;
    }
    *manifest = m;
    *manifest_bytes = man;
    *manifest_size = man_size;
    if (signature_bytes) {
        *signature_bytes = sig;
        sig = NULL;
    }
    if (signature_size)
        *signature_size = sig_size;
    man = NULL;
out:
    free(man);
    free(sig);
    archive_read_free(a);
    return rc;
}

/* State of one extraction. */
typedef struct xstate {
    const char *archive;
    int root_fd;
    const mpk_manifest *m;
    bool *seen; /* per manifest file */
    bool seen_manifest, seen_signature;
    const char *manifest_bytes, *signature_bytes;
    size_t manifest_size, signature_size;
    uint64_t written, total_expected;
    const mstore__extract_limits *limits;
    mstore__extract_progress progress;
    void *progress_ctx;
    char *dirs[MAX_DIRS]; /* folders created, relative to root, for the final fsync */
    size_t n_dirs;
    unsigned char *block;
} xstate;

/* Opens (creating as needed) the folder part of rel below the root; returns its fd. */
static int open_parent(int *out, xstate *x, const char *rel, const char **base)
{
    const char *slash = strrchr(rel, '/');
    char part[MPK_MANIFEST_MAX_PATH + 1];
    int fd = dup(x->root_fd), next;
    const char *seg = rel;

    if (fd < 0)
        return mstore__error(MSTORE_EIO, "dup: %s", strerror(errno));
    while (slash && seg <= slash) {
        const char *end = strchr(seg, '/');
        size_t n = (size_t)(end - seg);
        memcpy(part, seg, n);
        part[n] = '\0';
        if (mkdirat(fd, part, 0755) == 0) {
            if (x->n_dirs == MAX_DIRS) {
                close(fd);
                return mstore__error(MSTORE_ELIMIT, "%s: more than %d folders", x->archive,
                                     MAX_DIRS);
            }
            if (!(x->dirs[x->n_dirs] = mstore__asprintf("%.*s", (int)(end - rel), rel))) {
                close(fd);
                return mstore__error(MSTORE_ENOMEM, "out of memory");
            }
            x->n_dirs++;
        } else if (errno != EEXIST) {
            int e = errno;
            close(fd);
            return mstore__error(MSTORE_EIO, "%s: mkdir %s: %s", x->archive, part, strerror(e));
        }
        next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        if (next < 0)
            return mstore__error(MSTORE_EIO, "%s: %s: %s", x->archive, part, strerror(errno));
        fd = next;
        seg = end + 1;
    }
    *base = slash ? slash + 1 : rel;
    *out = fd;
    return MSTORE_OK;
}

/* Index of the manifest's entry for name, or -1. */
static long find_file(const mpk_manifest *m, const char *name)
{
    const mpk_file_entry *f = mpk_manifest_file(m, name);

    return f ? (long)(f - m->files) : -1;
}

bool mstore__manifest_has_dir(const mpk_manifest *m, const char *name)
{
    size_t len = strlen(name);

    while (len && name[len - 1] == '/')
        len--;
    for (size_t i = 0; i < m->file_count; i++)
        if (strncmp(m->files[i].path, name, len) == 0 && m->files[i].path[len] == '/')
            return true;
    return false;
}

static int write_entry(xstate *x, struct archive *a, const char *name, long file_index)
{
    const mpk_file_entry *fe = file_index >= 0 ? &x->m->files[file_index] : NULL;
    bool is_man = file_index < 0 && strcmp(name, MANIFEST_NAME) == 0;
    /* manifest.json and signature.json must be, byte for byte, the pair that was verified. */
    const char *verified = fe ? NULL : is_man ? x->manifest_bytes : x->signature_bytes;
    uint64_t limit = fe ? fe->size : is_man ? x->manifest_size : x->signature_size;
    mstore__digest sha = {0};
    unsigned char digest[64];
    uint64_t n_written = 0;
    const char *base = NULL;
    int dfd = -1, fd = -1, rc;
    la_ssize_t n;

    if ((rc = mstore__digest_start(&sha, MSTORE__DIGEST_SHA256)))
        goto out;
    if ((rc = open_parent(&dfd, x, name, &base)))
        goto out;
    fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = errno == EEXIST
                 ? mstore__error(MSTORE_EFORMAT, "%s: %s: duplicate entry", x->archive, name)
                 : mstore__error(MSTORE_EIO, "%s: %s: %s", x->archive, name, strerror(errno));
        goto out;
    }
    while ((n = archive_read_data(a, x->block, BLOCK)) > 0) {
        /* Counted from what is read, never from what the archive declares. */
        if (n_written + (uint64_t)n > limit) {
            rc = verified ? mstore__error(MSTORE_EFORMAT, "%s: %s differs from the one read first",
                                          x->archive, name)
                          : mstore__error(MSTORE_ELIMIT,
                                          "%s: %s: more than the %llu bytes the manifest lists",
                                          x->archive, name, (unsigned long long)limit);
            goto out;
        }
        if (x->written + (uint64_t)n > x->limits->max_total) {
            rc = mstore__error(MSTORE_ELIMIT, "%s: more than %llu bytes in all", x->archive,
                               (unsigned long long)x->limits->max_total);
            goto out;
        }
        if (verified && memcmp(x->block, verified + n_written, (size_t)n) != 0) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: %s differs from the one read first", x->archive,
                               name);
            goto out;
        }
        for (la_ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, x->block + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = mstore__error(errno == ENOSPC ? MSTORE_ENOSPACE : MSTORE_EIO, "%s: %s: %s",
                                   x->archive, name, strerror(errno));
                goto out;
            }
            off += w;
        }
        mstore__digest_update(&sha, x->block, (size_t)n);
        n_written += (uint64_t)n;
        x->written += (uint64_t)n;
        if (x->progress && x->progress(x->progress_ctx, x->written, x->total_expected)) {
            rc = mstore__error(MSTORE_ECANCELED, "%s: extraction canceled", x->archive);
            goto out;
        }
    }
    if (n < 0) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: %s: %s", x->archive, name, archive_error_string(a));
        goto out;
    }
    mstore__digest_finish(&sha, digest);
    if (fe && (n_written != fe->size || memcmp(digest, fe->sha256, 32) != 0)) {
        rc = mstore__error(MSTORE_EHASH, "%s: %s: size or SHA-256 differs from the manifest",
                           x->archive, name);
        goto out;
    }
    if (verified && n_written != limit) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: %s differs from the one read first", x->archive,
                           name);
        goto out;
    }
    if (fsync(fd) != 0) {
        rc = mstore__error(MSTORE_EIO, "%s: %s: fsync: %s", x->archive, name, strerror(errno));
        goto out;
    }
out:
    mstore__digest_free(&sha);
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    return rc;
}

int mstore__extract_package(int archive_fd, const char *archive_path, const char *dest,
                            const mpk_manifest *m, const char *manifest_bytes, size_t manifest_size,
                            const char *signature_bytes, size_t signature_size,
                            const mstore__extract_limits *limits, mstore__extract_progress progress,
                            void *progress_ctx)
{
    xstate x = {.archive = archive_path,
                .root_fd = -1,
                .m = m,
                .manifest_bytes = manifest_bytes,
                .manifest_size = manifest_size,
                .signature_bytes = signature_bytes,
                .signature_size = signature_size,
                .limits = limits,
                .progress = progress,
                .progress_ctx = progress_ctx};
    struct archive *a = NULL;
    struct archive_entry *e;
    size_t count = 0, i;
    uint64_t listed = 0;
    int rc, r;

    if (archive_fd < 0 || !manifest_bytes || !signature_bytes)
        return mstore__error(MSTORE_EINVAL,
                             "%s: no archive, or no verified manifest.json and "
                             "signature.json to extract against",
                             archive_path);
    x.seen = calloc(m->file_count ? m->file_count : 1, sizeof(*x.seen));
    x.block = malloc(BLOCK);
    if (!x.seen || !x.block) {
        rc = mstore__error(MSTORE_ENOMEM, "out of memory");
        goto out;
    }
    /* What progress counts towards; the signature counts too, but is capped on its own. */
    x.total_expected = manifest_size + signature_size;
    for (i = 0; i < m->file_count; i++)
        x.total_expected += m->files[i].size;
    x.root_fd = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (x.root_fd < 0) {
        rc = mstore__error(MSTORE_EIO, "%s: %s", dest, strerror(errno));
        goto out;
    }
    if ((rc = mstore__zip_entry_count(&listed, archive_fd, archive_path)))
        goto out;
    if (listed > limits->max_entries) {
        rc = mstore__error(MSTORE_ELIMIT, "%s: more than %zu entries", archive_path,
                           limits->max_entries);
        goto out;
    }
    if ((rc = open_archive(&a, archive_fd, archive_path)))
        goto out;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name;
        bool is_dir;
        long idx;
        if (++count > limits->max_entries) {
            rc = mstore__error(MSTORE_ELIMIT, "%s: more than %zu entries", archive_path,
                               limits->max_entries);
            goto out;
        }
        if ((rc = check_entry(e, archive_path, &name, &is_dir)))
            goto out;
        if (is_dir) {
            char trimmed[MPK_MANIFEST_MAX_PATH + 2];
            size_t len = strlen(name);
            if (len > MPK_MANIFEST_MAX_PATH + 1) {
                rc = mstore__error(MSTORE_EFORMAT, "%s: a folder name is too long", archive_path);
                goto out;
            }
            memcpy(trimmed, name, len + 1);
            while (len && trimmed[len - 1] == '/')
                trimmed[--len] = '\0';
            /* Folders are made on the way to files; an entry for one is only tolerated. */
            if (!mstore__entry_name_ok(trimmed) || !mstore__manifest_has_dir(m, trimmed)) {
                rc = mstore__error(MSTORE_EFORMAT, "%s: %s: not listed in the manifest",
                                   archive_path, name);
                goto out;
            }
            continue;
        }
        if (!mstore__entry_name_ok(name)) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: %s: unsafe path", archive_path, name);
            goto out;
        }
        idx = find_file(m, name);
        if (idx >= 0                            ? x.seen[idx]
            : strcmp(name, MANIFEST_NAME) == 0  ? x.seen_manifest
            : strcmp(name, SIGNATURE_NAME) == 0 ? x.seen_signature
                                                : false) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: %s: duplicate entry", archive_path, name);
            goto out;
        }
        if (idx < 0 && strcmp(name, MANIFEST_NAME) != 0 && strcmp(name, SIGNATURE_NAME) != 0) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: %s: not listed in the manifest", archive_path,
                               name);
            goto out;
        }
        if ((rc = write_entry(&x, a, name, idx)))
            goto out;
        if (idx >= 0)
            x.seen[idx] = true;
        else if (name[0] == 'm')
            x.seen_manifest = true;
        else
            x.seen_signature = true;
    }
    if (r != ARCHIVE_EOF) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: %s", archive_path, archive_error_string(a));
        goto out;
    }
    if ((rc = check_count(archive_path, listed, count)))
        goto out;
    for (i = 0; i < m->file_count; i++)
        if (!x.seen[i]) {
            rc = mstore__error(MSTORE_EFORMAT, "%s: %s: listed in the manifest but missing",
                               archive_path, m->files[i].path);
            goto out;
        }
    if (!x.seen_manifest || !x.seen_signature) {
        rc = mstore__error(MSTORE_EFORMAT, "%s: no %s", archive_path,
                           x.seen_manifest ? SIGNATURE_NAME : MANIFEST_NAME);
        goto out;
    }
    /* Folders last, deepest first, then the staging folder itself. */
    for (i = x.n_dirs; i-- > 0;) {
        char *p = mstore__asprintf("%s/%s", dest, x.dirs[i]);
        if (!p) {
            rc = mstore__error(MSTORE_ENOMEM, "out of memory");
            goto out;
        }
        rc = mstore__fsync_dir(p);
        free(p);
        if (rc)
            goto out;
    }
    rc = mstore__fsync_dir(dest);
out:
    for (i = 0; i < x.n_dirs; i++)
        free(x.dirs[i]);
    if (a)
        archive_read_free(a);
    if (x.root_fd >= 0)
        close(x.root_fd);
    free(x.seen);
    free(x.block);
    return rc;
}
