/* SHA-2 digests by TUF name, streamed; whole-file verification. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "digest.h"
#include "internal.h"

static const struct {
    const char *name;
    size_t size;
    const EVP_MD *(*md)(void);
} algs[] = {
    {"sha224", 28, EVP_sha224},
    {"sha256", 32, EVP_sha256},
    {"sha384", 48, EVP_sha384},
    {"sha512", 64, EVP_sha512},
};

_Static_assert(sizeof(algs) / sizeof(algs[0]) > MSTORE__DIGEST_SHA256, "sha256 in the table");

int mstore__digest_alg(const char *name)
{
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
        if (name && strcmp(algs[i].name, name) == 0)
            return (int)i;
    return -1;
}

size_t mstore__digest_size(int alg)
{
    return algs[alg].size;
}

int mstore__digest_start(mstore__digest *d, int alg)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    d->alg = alg;
    d->ctx = ctx;
    if (!ctx || EVP_DigestInit_ex(ctx, algs[alg].md(), NULL) != 1)
        return mstore__error(MSTORE_ENOMEM, "cannot start a %s digest", algs[alg].name);
    return MSTORE_OK;
}

void mstore__digest_update(mstore__digest *d, const void *data, size_t size)
{
    EVP_DigestUpdate(d->ctx, data, size);
}

void mstore__digest_finish(mstore__digest *d, unsigned char *out)
{
    unsigned int len = (unsigned int)algs[d->alg].size;

    EVP_DigestFinal_ex(d->ctx, out, &len);
}

void mstore__digest_finish_hex(mstore__digest *d, char *hex)
{
    unsigned char out[EVP_MAX_MD_SIZE];

    mstore__digest_finish(d, out);
    mstore__hex(hex, out, algs[d->alg].size);
}

void mstore__digest_free(mstore__digest *d)
{
    EVP_MD_CTX_free(d->ctx);
    d->ctx = NULL;
}

int mstore__digest_set_init(mstore__digest_set *s, const mstore_hash *hashes, size_t n)
{
    s->n = 0;
    if (n > MSTORE__DIGEST_SET_MAX)
        return mstore__error(MSTORE_ELIMIT, "more than %d hashes", MSTORE__DIGEST_SET_MAX);
    for (size_t i = 0; i < n; i++) {
        int alg = mstore__digest_alg(hashes[i].algorithm);
        if (alg < 0) {
            mstore__digest_set_free(s);
            return mstore__error(MSTORE_EUNSUPPORTED, "unsupported hash algorithm '%s'",
                                 hashes[i].algorithm ? hashes[i].algorithm : "(null)");
        }
        if (!hashes[i].hex || strlen(hashes[i].hex) != 2 * algs[alg].size) {
            mstore__digest_set_free(s);
            return mstore__error(MSTORE_EFORMAT, "%s digest must be %zu hex characters",
                                 algs[alg].name, 2 * algs[alg].size);
        }
        if (mstore__digest_start(&s->d[i], alg) < 0) {
            s->n = i + 1;
            mstore__digest_set_free(s);
            return MSTORE_ENOMEM;
        }
        snprintf(s->expected[i], sizeof(s->expected[i]), "%s", hashes[i].hex);
        snprintf(s->name[i], sizeof(s->name[i]), "%s", algs[alg].name);
        s->n = i + 1;
    }
    return MSTORE_OK;
}

int mstore__digest_set_restart(mstore__digest_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        /* Reinitialising an EVP context keeps its allocation. */
        if (EVP_DigestInit_ex(s->d[i].ctx, algs[s->d[i].alg].md(), NULL) != 1)
            return mstore__error(MSTORE_ENOMEM, "cannot restart a %s digest",
                                 algs[s->d[i].alg].name);
    }
    return MSTORE_OK;
}

void mstore__digest_set_update(mstore__digest_set *s, const void *data, size_t size)
{
    for (size_t i = 0; i < s->n; i++)
        mstore__digest_update(&s->d[i], data, size);
}

int mstore__digest_set_check(mstore__digest_set *s, const char *what)
{
    char hex[MSTORE_HASH_HEX_MAX];
    int error = MSTORE_OK;

    for (size_t i = 0; i < s->n; i++) {
        mstore__digest_finish_hex(&s->d[i], hex);
        /* Restart so that a later check sees a consistent context. */
        if (EVP_DigestInit_ex(s->d[i].ctx, algs[s->d[i].alg].md(), NULL) != 1 && error == MSTORE_OK)
            error = mstore__error(MSTORE_ENOMEM, "cannot restart a %s digest", s->name[i]);
        if (error == MSTORE_OK && strcmp(hex, s->expected[i]) != 0)
            error = mstore__error(MSTORE_EHASH, "%s: %s is %s, expected %s", what, s->name[i], hex,
                                  s->expected[i]);
    }
    return error;
}

void mstore__digest_set_free(mstore__digest_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        mstore__digest_free(&s->d[i]);
    s->n = 0;
}

int mstore_hash_supported(const char *algorithm)
{
    return mstore__digest_alg(algorithm) >= 0;
}

int mstore_hash_data(char *hex, const char *algorithm, const void *data, size_t size)
{
    mstore__digest d;
    int alg = mstore__digest_alg(algorithm);

    if (!hex || (!data && size))
        return mstore__error(MSTORE_EINVAL, "nothing to hash");
    if (alg < 0)
        return mstore__error(MSTORE_EUNSUPPORTED, "unsupported hash algorithm '%s'",
                             algorithm ? algorithm : "(null)");
    if (mstore__digest_start(&d, alg) < 0) {
        mstore__digest_free(&d);
        return MSTORE_ENOMEM;
    }
    mstore__digest_update(&d, data, size);
    mstore__digest_finish_hex(&d, hex);
    mstore__digest_free(&d);
    return MSTORE_OK;
}

/* Streams an open file through a digest set; reports its length. With positional, from its
 * first byte with pread, which leaves the descriptor's offset alone for a caller that goes on
 * using it; else from where it stands with read (a pipe has no offset). */
static int stream_fd(mstore__digest_set *set, uint64_t *length, int fd, const char *what,
                     uint64_t max, bool positional)
{
    unsigned char buf[65536];
    uint64_t total = 0;

    for (;;) {
        ssize_t n =
            positional ? pread(fd, buf, sizeof(buf), (off_t)total) : read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return mstore__error(MSTORE_EIO, "%s: %s", what, strerror(errno));
        if (n == 0)
            break;
        total += (uint64_t)n;
        if (total > max) {
            *length = total;
            return mstore__error(MSTORE_ELENGTH, "%s: more than %llu bytes", what,
                                 (unsigned long long)max);
        }
        mstore__digest_set_update(set, buf, (size_t)n);
    }
    *length = total;
    return MSTORE_OK;
}

/* Streams a file through a digest set; reports its length. */
static int stream_file(mstore__digest_set *set, uint64_t *length, const char *path, uint64_t max)
{
    int fd, error;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mstore__error(errno == ENOENT ? MSTORE_ENOTFOUND : MSTORE_EIO, "%s: %s", path,
                             strerror(errno));
    error = stream_fd(set, length, fd, path, max, false);
    close(fd);
    return error;
}

int mstore_hash_file(char *hex, const char *algorithm, const char *path)
{
    mstore__digest_set set;
    mstore_hash h = {algorithm, "0"};
    uint64_t len;
    int alg = mstore__digest_alg(algorithm), error;

    if (!hex || !path)
        return mstore__error(MSTORE_EINVAL, "nothing to hash");
    if (alg < 0)
        return mstore__error(MSTORE_EUNSUPPORTED, "unsupported hash algorithm '%s'",
                             algorithm ? algorithm : "(null)");
    /* A placeholder digest of the right length makes the set accept the algorithm. */
    char zeros[MSTORE_HASH_HEX_MAX];
    memset(zeros, '0', 2 * algs[alg].size);
    zeros[2 * algs[alg].size] = '\0';
    h.hex = zeros;
    if ((error = mstore__digest_set_init(&set, &h, 1)) < 0)
        return error;
    error = stream_file(&set, &len, path, UINT64_MAX);
    if (error == MSTORE_OK)
        mstore__digest_finish_hex(&set.d[0], hex);
    mstore__digest_set_free(&set);
    return error;
}

/* The checks of mstore_file_verify() on a stream already read into a digest set. */
static int finish_verify(mstore__digest_set *set, int error, uint64_t got, uint64_t length,
                         const char *what)
{
    if (error == MSTORE_OK && got != length)
        error = mstore__error(MSTORE_ELENGTH, "%s: %llu bytes, expected %llu", what,
                              (unsigned long long)got, (unsigned long long)length);
    if (error == MSTORE_OK)
        error = mstore__digest_set_check(set, what);
    mstore__digest_set_free(set);
    return error;
}

int mstore_file_verify(const char *path, uint64_t length, const mstore_hash *hashes,
                       size_t n_hashes)
{
    mstore__digest_set set;
    uint64_t got = 0;
    int error;

    if (!path || (!hashes && n_hashes))
        return mstore__error(MSTORE_EINVAL, "nothing to verify");
    if ((error = mstore__digest_set_init(&set, hashes, n_hashes)) < 0)
        return error;
    error = stream_file(&set, &got, path, length);
    return finish_verify(&set, error, got, length, path);
}

int mstore__fd_verify(int fd, const char *what, uint64_t length, const mstore_hash *hashes,
                      size_t n_hashes)
{
    mstore__digest_set set;
    uint64_t got = 0;
    int error;

    if (fd < 0 || !what || (!hashes && n_hashes))
        return mstore__error(MSTORE_EINVAL, "nothing to verify");
    if ((error = mstore__digest_set_init(&set, hashes, n_hashes)) < 0)
        return error;
    error = stream_fd(&set, &got, fd, what, length, true);
    return finish_verify(&set, error, got, length, what);
}

int mstore__data_verify(const void *data, size_t size, const char *what, uint64_t length,
                        const mstore_hash *hashes, size_t n_hashes)
{
    mstore__digest_set set;
    int error;

    if ((!data && size) || !what || (!hashes && n_hashes))
        return mstore__error(MSTORE_EINVAL, "nothing to verify");
    if ((error = mstore__digest_set_init(&set, hashes, n_hashes)) < 0)
        return error;
    mstore__digest_set_update(&set, data, size);
    return finish_verify(&set, MSTORE_OK, size, length, what);
}
