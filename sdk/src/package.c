/* Reading and verifying .mpk packages (libzip). The whole package is held in memory, so what
 * was verified is exactly what is later read: no file can change between the two. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "internal.h"
#include "package_internal.h"
#include "signature.h"
#include "mpk/package.h"
#include "mpk/robot.h"

struct mpk_package {
    unsigned char *data; /* the package bytes (owned) */
    size_t size;
    zip_t *zip;
    char *manifest_bytes; /* exact bytes of manifest.json, NUL-terminated */
    size_t manifest_size;
    mpk_manifest *manifest;
    mpk__signature sig;
    bool verified;
};

static int zip_fail(int code, zip_error_t *ze, const char *what)
{
    int error = mpk__error(code, "%s: %s", what, zip_error_strerror(ze));
    zip_error_fini(ze);
    return error;
}

/* Reads entry index completely: at most max bytes, the real length compared with the declared
 * one, and read to the end so that libzip checks the CRC. */
static int read_index(void **out, size_t *size, zip_t *za, zip_uint64_t index, const char *name,
                      size_t max)
{
    zip_stat_t st;
    zip_file_t *zf = NULL;
    unsigned char *buf = NULL, extra;
    zip_int64_t n;
    size_t len;
    int error = MPK_OK;

    zip_stat_init(&st);
    if (zip_stat_index(za, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return mpk__error(MPK_EFORMAT, "%s: %s", name, zip_strerror(za));
    if (st.size > max)
        return mpk__error(MPK_ELIMIT, "%s: %llu bytes, more than the limit of %zu", name,
                          (unsigned long long)st.size, max);
    len = (size_t)st.size;
    buf = malloc(len + 1);
    if (!buf)
        return mpk__error(MPK_ENOMEM, "%s: out of memory for %zu bytes", name, len);
    zf = zip_fopen_index(za, index, 0);
    if (!zf) {
        error = mpk__error(MPK_EFORMAT, "%s: %s", name, zip_strerror(za));
        goto out;
    }
    n = len ? zip_fread(zf, buf, len) : 0;
    if (n < 0 || (size_t)n != len) {
        error = mpk__error(MPK_EFORMAT, "%s: %s", name,
                           n < 0 ? zip_file_strerror(zf) : "shorter than its declared size");
        goto out;
    }
    n = zip_fread(zf, &extra, 1);
    if (n != 0) {
        error = mpk__error(MPK_EFORMAT, "%s: %s", name,
                           n < 0 ? zip_file_strerror(zf) : "longer than its declared size");
        goto out;
    }
    buf[len] = '\0';
    *out = buf;
    *size = len;
    buf = NULL;
out:
    if (zf)
        zip_fclose(zf);
    free(buf);
    return error;
}

static int locate(zip_uint64_t *index, const mpk_package *pkg, const char *path)
{
    zip_int64_t i = zip_name_locate(pkg->zip, path, ZIP_FL_ENC_RAW);

    if (i < 0)
        return mpk__error(MPK_ENOTFOUND, "%s: not in the package", path);
    *index = (zip_uint64_t)i;
    return MPK_OK;
}

/* Entry names, sizes and methods, checked before anything is decompressed. */
static int check_entries(zip_t *za)
{
    zip_int64_t count = zip_get_num_entries(za, 0), i, j;
    uint64_t total = 0;

    if (count < 0)
        return mpk__error(MPK_EFORMAT, "cannot list entries");
    if (count > (zip_int64_t)MPK_PACKAGE_MAX_ENTRIES)
        return mpk__error(MPK_ELIMIT, "%lld entries, more than the limit of %d", (long long)count,
                          (int)MPK_PACKAGE_MAX_ENTRIES);
    for (i = 0; i < count; i++) {
        zip_stat_t st;
        const char *why;

        zip_stat_init(&st);
        if (zip_stat_index(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW, &st) != 0 ||
            !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE))
            return mpk__error(MPK_EFORMAT, "entry %lld: %s", (long long)i, zip_strerror(za));
        if (st.name[0] && st.name[strlen(st.name) - 1] == '/')
            return mpk__error(MPK_EFORMAT, "%s: folder entries are not allowed", st.name);
        why = mpk__path_problem(st.name);
        if (why)
            return mpk__error(MPK_EFORMAT, "entry %lld: name '%.100s' %s", (long long)i, st.name,
                              why);
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
            return mpk__error(MPK_EUNSUPPORTED, "%s: encrypted entries are not allowed", st.name);
        if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE &&
            st.comp_method != ZIP_CM_DEFLATE)
            return mpk__error(MPK_EUNSUPPORTED,
                              "%s: compression method %u (only stored and deflate)", st.name,
                              (unsigned)st.comp_method);
        /* Declared sizes are only believed up to the caps; reads check them again. */
        if (st.size > MPK_PACKAGE_MAX_ENTRY)
            return mpk__error(MPK_ELIMIT, "%s: declares %llu bytes, more than the limit of %llu",
                              st.name, (unsigned long long)st.size,
                              (unsigned long long)MPK_PACKAGE_MAX_ENTRY);
        total += st.size;
        if (total > MPK_PACKAGE_MAX_UNPACKED)
            return mpk__error(MPK_ELIMIT, "entries declare more than %llu bytes in all",
                              (unsigned long long)MPK_PACKAGE_MAX_UNPACKED);
        for (j = 0; j < i; j++) {
            const char *other = zip_get_name(za, (zip_uint64_t)j, ZIP_FL_ENC_RAW);
            if (other && mpk__strcasecmp_ascii(other, st.name) == 0)
                return mpk__error(MPK_EFORMAT,
                                  "%s: the same name as the entry %s but for letter case (packages "
                                  "are extracted on case-insensitive file systems too)",
                                  st.name, other);
        }
    }
    return MPK_OK;
}

static int open_zip(mpk_package *pkg)
{
    zip_error_t ze;
    zip_source_t *src;
    void *buf = NULL;
    size_t size = 0;
    zip_uint64_t index = 0;
    int error;

    /* libzip takes an empty buffer for an empty archive; a package is never empty. */
    if (pkg->size == 0)
        return mpk__error(MPK_EFORMAT, "not a valid zip: empty file");
    zip_error_init(&ze);
    src = zip_source_buffer_create(pkg->data, pkg->size, 0, &ze);
    if (!src)
        return zip_fail(MPK_ENOMEM, &ze, "zip");
    /* ZIP_CHECKCONS: local headers must agree with the central directory. */
    pkg->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!pkg->zip) {
        zip_source_free(src);
        /* libzip's own words for this case ("File already exists") would puzzle a reader. */
        if (zip_error_code_zip(&ze) == ZIP_ER_EXISTS) {
            zip_error_fini(&ze);
            return mpk__error(MPK_EFORMAT, "not a valid zip: two entries have the same name");
        }
        return zip_fail(MPK_EFORMAT, &ze, "not a valid zip");
    }
    zip_error_fini(&ze);
    error = check_entries(pkg->zip);
    if (error)
        return error;

    error = locate(&index, pkg, MPK__MANIFEST_NAME);
    if (!error)
        error = read_index(&buf, &size, pkg->zip, index, MPK__MANIFEST_NAME, MPK_MANIFEST_MAX_SIZE);
    if (error)
        return error == MPK_ENOTFOUND ? MPK_EFORMAT : error;
    pkg->manifest_bytes = buf;
    pkg->manifest_size = size;
    error = mpk_manifest_parse(&pkg->manifest, pkg->manifest_bytes, size);
    if (error)
        return mpk__error_prefix(error, "%s", MPK__MANIFEST_NAME);

    error = locate(&index, pkg, MPK__SIGNATURE_NAME);
    if (!error)
        error =
            read_index(&buf, &size, pkg->zip, index, MPK__SIGNATURE_NAME, MPK__SIGNATURE_MAX_SIZE);
    if (error)
        return error == MPK_ENOTFOUND ? MPK_EFORMAT : error;
    error = mpk__signature_parse(&pkg->sig, buf, size);
    free(buf);
    if (error)
        return mpk__error_prefix(error, "%s", MPK__SIGNATURE_NAME);
    return MPK_OK;
}

/* Takes ownership of data. */
static int open_owned(mpk_package **out, unsigned char *data, size_t size)
{
    mpk_package *pkg = calloc(1, sizeof(*pkg));
    int error;

    if (!pkg) {
        free(data);
        return mpk__error(MPK_ENOMEM, "out of memory");
    }
    pkg->data = data;
    pkg->size = size;
    error = open_zip(pkg);
    if (error) {
        mpk_package_free(pkg);
        return error;
    }
    *out = pkg;
    return MPK_OK;
}

int mpk_package_open_buffer(mpk_package **out, const void *data, size_t size)
{
    unsigned char *copy;

    if (!out || (!data && size))
        return mpk__error(MPK_EINVAL, "mpk_package_open_buffer: NULL argument");
    if (size > MPK_PACKAGE_MAX_SIZE)
        return mpk__error(MPK_ELIMIT, "%zu bytes, more than the limit of %llu", size,
                          (unsigned long long)MPK_PACKAGE_MAX_SIZE);
    copy = malloc(size ? size : 1);
    if (!copy)
        return mpk__error(MPK_ENOMEM, "out of memory for %zu bytes", size);
    if (size)
        memcpy(copy, data, size);
    return open_owned(out, copy, size);
}

int mpk_package_open(mpk_package **out, const char *path)
{
    char *data = NULL;
    size_t size = 0;
    int error;

    if (!out || !path)
        return mpk__error(MPK_EINVAL, "mpk_package_open: NULL argument");
    error = mpk__read_file(&data, &size, path, MPK_PACKAGE_MAX_SIZE);
    if (error)
        return error; /* the message names the path already */
    error = open_owned(out, (unsigned char *)data, size);
    if (error)
        return mpk__error_prefix(error, "%s", path);
    return MPK_OK;
}

void mpk_package_free(mpk_package *pkg)
{
    if (!pkg)
        return;
    if (pkg->zip)
        zip_discard(pkg->zip);
    mpk_manifest_free(pkg->manifest);
    mpk__signature_clear(&pkg->sig);
    free(pkg->manifest_bytes);
    free(pkg->data);
    free(pkg);
}

static int verify_signature(const mpk_package *pkg, const char *expected_key_id)
{
    char id[MPK_KEY_ID_LEN + 1];
    mpk_key *key = NULL;
    int error;

    error = mpk_key_parse(&key, pkg->sig.public_pem, strlen(pkg->sig.public_pem));
    if (error)
        return mpk__error_prefix(MPK_ESIGNATURE, "%s: public_key", MPK__SIGNATURE_NAME);
    if (mpk_key_has_private(key)) {
        error =
            mpk__error(MPK_ESIGNATURE, "%s: public_key: must be a public key", MPK__SIGNATURE_NAME);
        goto out;
    }
    error = mpk_key_id(id, key);
    if (error)
        goto out;
    if (strcmp(id, pkg->sig.key_id) != 0) {
        error = mpk__error(MPK_ESIGNATURE, "%s: key_id %s is not the id of public_key (%s)",
                           MPK__SIGNATURE_NAME, pkg->sig.key_id, id);
        goto out;
    }
    if (expected_key_id && mpk__strcasecmp_ascii(expected_key_id, id) != 0) {
        error = mpk__error(MPK_ESIGNATURE, "signed by key %s, not by the expected key %s", id,
                           expected_key_id);
        goto out;
    }
    error = mpk_key_verify(key, pkg->manifest_bytes, pkg->manifest_size, pkg->sig.sig,
                           pkg->sig.sig_len);
    if (error)
        error = mpk__error(MPK_ESIGNATURE, "%s: the signature does not match %s",
                           MPK__SIGNATURE_NAME, MPK__MANIFEST_NAME);
out:
    mpk_key_free(key);
    return error;
}

/* A motion track read from the package: its header must agree with the manifest and its
 * samples with its robot model. Takes ownership of data. */
static int verify_track(const mpk_manifest *m, size_t motion, void *data, size_t size)
{
    const mpk_motion_info *mo = &m->motions[motion];
    const mpk_robot_model *model;
    mpk_track *track = NULL;
    int error;

    error = mpk__track_parse_owned(&track, data, size);
    if (error)
        return mpk__error_prefix(error, "%s", mo->file);
    error = mpk__motion_matches_track(mo, motion, track);
    if (error) {
        mpk__error_prefix(error, "%s", MPK__MANIFEST_NAME);
        goto out;
    }
    model = mpk_robot_find(mo->robot);
    error = model ? mpk_track_check(track, model)
                  : mpk__error(MPK_EFORMAT, "unknown robot '%s'", mo->robot);
    if (error)
        mpk__error_prefix(error, "%s", mo->file);
out:
    mpk_track_free(track);
    return error;
}

static int verify_files(mpk_package *pkg)
{
    const mpk_manifest *m = pkg->manifest;
    zip_int64_t count = zip_get_num_entries(pkg->zip, 0), i;
    size_t f, k;
    int error;

    /* Nothing the signature does not cover may ride along. */
    for (i = 0; i < count; i++) {
        const char *name = zip_get_name(pkg->zip, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name)
            return mpk__error(MPK_EFORMAT, "entry %lld: %s", (long long)i, zip_strerror(pkg->zip));
        if (strcmp(name, MPK__MANIFEST_NAME) != 0 && strcmp(name, MPK__SIGNATURE_NAME) != 0 &&
            !mpk_manifest_file(m, name))
            return mpk__error(MPK_EHASH, "%s: entry not listed in %s", name, MPK__MANIFEST_NAME);
    }
    for (f = 0; f < m->file_count; f++) {
        const mpk_file_entry *fe = &m->files[f];
        unsigned char digest[32];
        zip_uint64_t index = 0;
        zip_stat_t st;
        void *data = NULL;
        size_t size = 0;

        if (locate(&index, pkg, fe->path) != MPK_OK)
            return mpk__error(MPK_EHASH, "%s: listed in %s but missing", fe->path,
                              MPK__MANIFEST_NAME);
        zip_stat_init(&st);
        if (zip_stat_index(pkg->zip, index, 0, &st) != 0)
            return mpk__error(MPK_EFORMAT, "%s: %s", fe->path, zip_strerror(pkg->zip));
        if (st.size != fe->size)
            return mpk__error(MPK_EHASH, "%s: %llu bytes, but %s lists %llu", fe->path,
                              (unsigned long long)st.size, MPK__MANIFEST_NAME,
                              (unsigned long long)fe->size);
        error = read_index(&data, &size, pkg->zip, index, fe->path, (size_t)fe->size);
        if (error)
            return error;
        mpk_sha256(digest, data, size);
        if (memcmp(digest, fe->sha256, sizeof(digest)) != 0) {
            free(data);
            return mpk__error(MPK_EHASH, "%s: SHA-256 differs from the one %s lists", fe->path,
                              MPK__MANIFEST_NAME);
        }
        for (k = 0; k < m->motion_count; k++)
            if (strcmp(m->motions[k].file, fe->path) == 0)
                break;
        if (k < m->motion_count) {
            error = verify_track(m, k, data, size);
            if (error)
                return error;
        } else {
            free(data);
        }
    }
    return MPK_OK;
}

int mpk_package_verify(mpk_package *pkg, const char *expected_key_id)
{
    int error;

    if (!pkg)
        return mpk__error(MPK_EINVAL, "mpk_package_verify: NULL package");
    pkg->verified = false;
    /* The signature first: nothing the manifest says is believed before it checks out. */
    error = verify_signature(pkg, expected_key_id);
    if (!error)
        error = verify_files(pkg);
    if (error)
        return error;
    pkg->verified = true;
    return MPK_OK;
}

const mpk_manifest *mpk_package_manifest(const mpk_package *pkg)
{
    return pkg ? pkg->manifest : NULL;
}

const char *mpk_package_key_id(const mpk_package *pkg)
{
    return pkg ? pkg->sig.key_id : NULL;
}

const char *mpk_package_manifest_bytes(const mpk_package *pkg, size_t *size)
{
    if (!pkg)
        return NULL;
    if (size)
        *size = pkg->manifest_size;
    return pkg->manifest_bytes;
}

int mpk_package_read(void **out, size_t *size, const mpk_package *pkg, const char *path, size_t max)
{
    zip_uint64_t index = 0;
    int error;

    if (!out || !size || !pkg || !path)
        return mpk__error(MPK_EINVAL, "mpk_package_read: NULL argument");
    error = locate(&index, pkg, path);
    if (!error)
        error = read_index(out, size, pkg->zip, index, path, max);
    return error;
}

int mpk_package_load_track(mpk_track **out, const mpk_package *pkg, const char *motion)
{
    const mpk_motion_info *mo;
    const mpk_file_entry *fe;
    unsigned char digest[32];
    void *data = NULL;
    size_t size = 0;
    int error;

    if (!out || !pkg)
        return mpk__error(MPK_EINVAL, "mpk_package_load_track: NULL argument");
    mo = motion ? mpk_manifest_motion(pkg->manifest, motion) : &pkg->manifest->motions[0];
    if (!mo)
        return mpk__error(MPK_ENOTFOUND, "motion '%s': not in the package", motion);
    fe = mpk_manifest_file(pkg->manifest, mo->file);
    error = mpk_package_read(&data, &size, pkg, mo->file, (size_t)fe->size);
    if (error)
        return error;
    /* Unverified packages still get their track checked against the manifest's hash. */
    if (!pkg->verified) {
        mpk_sha256(digest, data, size);
        if (size != fe->size || memcmp(digest, fe->sha256, sizeof(digest)) != 0) {
            free(data);
            return mpk__error(MPK_EHASH, "%s: SHA-256 differs from the one %s lists", mo->file,
                              MPK__MANIFEST_NAME);
        }
    }
    error = mpk__track_parse_owned(out, data, size);
    if (error)
        return mpk__error_prefix(error, "%s", mo->file);
    return MPK_OK;
}
