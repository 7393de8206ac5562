/* Writing signed, reproducible .mpk packages: entries sorted by name, one fixed timestamp, fixed
 * permissions and compression, built in memory and written atomically (temporary name, fsync,
 * rename), so a failure leaves nothing behind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "internal.h"
#include "package_internal.h"
#include "signature.h"
#include "mpk/package.h"

/* Deflate level for every compressed entry: fixed, so the same bytes come out on every build. */
#define DEFLATE_LEVEL 6

/* Motion tracks are stored: deflate saves under a tenth of their dense float32 samples and costs
 * most of the build time (about 100 ms of 120 for a 60 s, 29-joint, 500 Hz track here); stored,
 * a reader gets the track's bytes with no inflate. Everything else is deflated. */
static bool stored(const char *name)
{
    size_t len = strlen(name);
    return len > 5 && strcmp(name + len - 5, ".mpkt") == 0;
}

int mpk__zip_dostime(uint16_t *dos_time, uint16_t *dos_date)
{
    const char *env = getenv("SOURCE_DATE_EPOCH");
    long long epoch = 946684800; /* 2000-01-01 00:00:00 UTC */
    struct tm tm;
    time_t t;

    /* reproducible-builds.org: a malformed value must fail the build, not fall back silently. */
    if (env && *env) {
        char *end;
        errno = 0;
        epoch = strtoll(env, &end, 10);
        if (strspn(env, "0123456789") != strlen(env) || *end != '\0' || errno == ERANGE)
            return mpk__error(MPK_EINVAL,
                              "SOURCE_DATE_EPOCH: '%.40s' is not a whole number of seconds since "
                              "1970",
                              env);
    }
    /* DOS dates run from 1980 to 2107 in 2-second steps; clamp to that range. */
    if (epoch < 315532800)
        epoch = 315532800;
    if (epoch > 4354819198LL)
        epoch = 4354819198LL;
    t = (time_t)epoch;
    gmtime_r(&t, &tm);
    *dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
    *dos_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
    return MPK_OK;
}

/* One entry of the archive being written. */
typedef struct entry {
    const char *name;
    const void *data;
    size_t size;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const mpk_file_entry *)a)->path, ((const mpk_file_entry *)b)->path);
}

static int check_inputs(const mpk_package_input *inputs, size_t count)
{
    size_t i, j;

    if (count > MPK_MANIFEST_MAX_FILES)
        return mpk__error(MPK_ELIMIT, "%zu files, more than the limit of %d", count,
                          MPK_MANIFEST_MAX_FILES);
    for (i = 0; i < count; i++) {
        const char *why = mpk__path_problem(inputs[i].path);
        if (why)
            return mpk__error(MPK_EINVAL, "file '%s': path %s",
                              inputs[i].path ? inputs[i].path : "", why);
        if (strcmp(inputs[i].path, MPK__MANIFEST_NAME) == 0 ||
            strcmp(inputs[i].path, MPK__SIGNATURE_NAME) == 0)
            return mpk__error(MPK_EINVAL, "file '%s': the name is reserved", inputs[i].path);
        if (!inputs[i].data && inputs[i].size)
            return mpk__error(MPK_EINVAL, "file '%s': NULL data", inputs[i].path);
        if (inputs[i].size > MPK_PACKAGE_MAX_ENTRY)
            return mpk__error(MPK_ELIMIT, "file '%s': %zu bytes, more than the limit of %llu",
                              inputs[i].path, inputs[i].size,
                              (unsigned long long)MPK_PACKAGE_MAX_ENTRY);
        for (j = 0; j < i; j++)
            if (mpk__strcasecmp_ascii(inputs[i].path, inputs[j].path) == 0)
                return mpk__error(MPK_EINVAL, "file '%s': given twice", inputs[i].path);
    }
    return MPK_OK;
}

/* Replaces manifest->files with the inputs' paths, sizes and hashes, sorted by path. */
static int fill_files(mpk_manifest *m, const mpk_package_input *inputs, size_t count)
{
    mpk_file_entry *files = calloc(count + 1, sizeof(*files));
    size_t i;

    if (!files)
        return mpk__error(MPK_ENOMEM, "out of memory");
    for (i = 0; i < count; i++) {
        files[i].path = mpk__strdup(inputs[i].path);
        if (!files[i].path) {
            while (i--)
                free(files[i].path);
            free(files);
            return mpk__error(MPK_ENOMEM, "out of memory");
        }
        files[i].size = inputs[i].size;
        mpk_sha256(files[i].sha256, inputs[i].data, inputs[i].size);
    }
    qsort(files, count, sizeof(*files), cmp_file);
    for (i = 0; i < m->file_count; i++)
        free(m->files[i].path);
    free(m->files);
    m->files = files;
    m->file_count = count;
    return MPK_OK;
}

static int zip_error_to_mpk(zip_t *za, const char *what)
{
    return mpk__error(MPK_ERROR, "zip: %s: %s", what, zip_strerror(za));
}

/* Builds the zip in memory. */
static int build_zip(void **out, size_t *out_size, entry *entries, size_t count)
{
    zip_error_t ze;
    zip_source_t *src = NULL;
    zip_t *za = NULL;
    zip_stat_t st;
    uint16_t dtime, ddate;
    unsigned char *buf = NULL;
    size_t i;
    int error = MPK_OK;

    error = mpk__zip_dostime(&dtime, &ddate);
    if (error)
        return error;
    qsort(entries, count, sizeof(*entries), cmp_entry);
    zip_error_init(&ze);
    src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (src)
        za = zip_open_from_source(src, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    if (!za) {
        error = mpk__error(MPK_ERROR, "zip: %s", zip_error_strerror(&ze));
        goto out;
    }
    zip_source_keep(src); /* the archive's bytes stay in src after zip_close() */
    for (i = 0; i < count; i++) {
        zip_source_t *s = zip_source_buffer(za, entries[i].data, entries[i].size, 0);
        zip_int64_t idx = s ? zip_file_add(za, entries[i].name, s, ZIP_FL_ENC_GUESS) : -1;

        if (idx < 0) {
            zip_source_free(s);
            error = zip_error_to_mpk(za, entries[i].name);
            goto out;
        }
        if (zip_set_file_compression(za, (zip_uint64_t)idx,
                                     stored(entries[i].name) ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                     stored(entries[i].name) ? 0 : DEFLATE_LEVEL) != 0 ||
            zip_file_set_dostime(za, (zip_uint64_t)idx, dtime, ddate, 0) != 0 ||
            zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
                                             (zip_uint32_t)0100644 << 16) != 0) {
            error = zip_error_to_mpk(za, entries[i].name);
            goto out;
        }
    }
    if (zip_close(za) != 0) {
        error = zip_error_to_mpk(za, "writing");
        goto out;
    }
    za = NULL;
    zip_stat_init(&st);
    if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        zip_source_open(src) != 0) {
        error = mpk__error(MPK_ERROR, "zip: cannot read the archive back");
        goto out;
    }
    buf = malloc(st.size ? st.size : 1);
    if (!buf || zip_source_read(src, buf, st.size) != (zip_int64_t)st.size) {
        zip_source_close(src);
        error = buf ? mpk__error(MPK_ERROR, "zip: cannot read the archive back")
                    : mpk__error(MPK_ENOMEM, "out of memory");
        goto out;
    }
    zip_source_close(src);
    *out = buf;
    *out_size = st.size;
    buf = NULL;
out:
    if (za)
        zip_discard(za);
    if (src)
        zip_source_free(src);
    zip_error_fini(&ze);
    free(buf);
    return error;
}

int mpk_package_write(const char *out_path, mpk_manifest *manifest, const mpk_package_input *inputs,
                      size_t input_count, const mpk_key *key)
{
    char *manifest_text = NULL, *sig_text = NULL;
    size_t manifest_size = 0, sig_size = 0, zip_size = 0, i;
    entry *entries = NULL;
    void *zip_bytes = NULL;
    bool written = false;
    int error;

    if (!out_path || !manifest || (!inputs && input_count) || !key)
        return mpk__error(MPK_EINVAL, "mpk_package_write: NULL argument");
    if (!mpk_key_has_private(key))
        return mpk__error(MPK_EINVAL, "signing needs a private key; this is a public key");
    error = check_inputs(inputs, input_count);
    if (!error)
        error = fill_files(manifest, inputs, input_count);
    if (!error)
        error = mpk_manifest_serialize(&manifest_text, &manifest_size, manifest);
    if (error) {
        mpk__error_prefix(error, "%s", MPK__MANIFEST_NAME);
        goto out;
    }
    error = mpk__signature_create(&sig_text, &sig_size, key, manifest_text, manifest_size);
    if (error)
        goto out;
    entries = calloc(input_count + 2, sizeof(*entries));
    if (!entries) {
        error = mpk__error(MPK_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < input_count; i++)
        entries[i] = (entry){inputs[i].path, inputs[i].data, inputs[i].size};
    entries[i++] = (entry){MPK__MANIFEST_NAME, manifest_text, manifest_size};
    entries[i++] = (entry){MPK__SIGNATURE_NAME, sig_text, sig_size};
    error = build_zip(&zip_bytes, &zip_size, entries, i);
    if (error)
        goto out;
    if (zip_size > MPK_PACKAGE_MAX_SIZE) {
        error = mpk__error(MPK_ELIMIT, "%zu bytes, more than the limit of %llu", zip_size,
                           (unsigned long long)MPK_PACKAGE_MAX_SIZE);
        goto out;
    }
    /* Its errors name out_path already. */
    error = mpk__write_file_atomic(out_path, zip_bytes, zip_size, 0644);
    written = true;
out:
    free(zip_bytes);
    free(entries);
    free(sig_text);
    free(manifest_text);
    if (error && !written)
        return mpk__error_prefix(error, "%s", out_path);
    return error;
}
