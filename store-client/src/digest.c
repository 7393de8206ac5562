/* SHA-2 digests by TUF name, streamed; whole-file verification. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "internal.h"

static const struct {
    const char *name;
    size_t size;
    bool wide;   /* SHA-512 family */
    bool short_; /* the truncated variant (224 or 384) */
} algs[] = {
    {"sha224", 28, false, true},
    {"sha256", 32, false, false},
    {"sha384", 48, true, true},
    {"sha512", 64, true, false},
};

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

void mstore__digest_start(mstore__digest *d, int alg)
{
    d->alg = alg;
    if (algs[alg].wide) {
        mbedtls_sha512_init(&d->ctx.s512);
        mbedtls_sha512_starts_ret(&d->ctx.s512, algs[alg].short_);
    } else {
        mbedtls_sha256_init(&d->ctx.s256);
        mbedtls_sha256_starts_ret(&d->ctx.s256, algs[alg].short_);
    }
}

void mstore__digest_update(mstore__digest *d, const void *data, size_t size)
{
    if (algs[d->alg].wide)
        mbedtls_sha512_update_ret(&d->ctx.s512, data, size);
    else
        mbedtls_sha256_update_ret(&d->ctx.s256, data, size);
}

void mstore__digest_finish_hex(mstore__digest *d, char *hex)
{
    unsigned char out[64];

    if (algs[d->alg].wide)
        mbedtls_sha512_finish_ret(&d->ctx.s512, out);
    else
        mbedtls_sha256_finish_ret(&d->ctx.s256, out);
    mstore__hex(hex, out, algs[d->alg].size);
}

void mstore__digest_free(mstore__digest *d)
{
    if (algs[d->alg].wide)
        mbedtls_sha512_free(&d->ctx.s512);
    else
        mbedtls_sha256_free(&d->ctx.s256);
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
        mstore__digest_start(&s->d[i], alg);
        snprintf(s->expected[i], sizeof(s->expected[i]), "%s", hashes[i].hex);
        snprintf(s->name[i], sizeof(s->name[i]), "%s", algs[alg].name);
        s->n = i + 1;
    }
    return MSTORE_OK;
}

void mstore__digest_set_restart(mstore__digest_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        int alg = s->d[i].alg;
        mstore__digest_free(&s->d[i]);
        mstore__digest_start(&s->d[i], alg);
    }
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
        /* Restart so that a later check (or free) sees a consistent context. */
        mstore__digest_free(&s->d[i]);
        mstore__digest_start(&s->d[i], s->d[i].alg);
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
    mstore__digest_start(&d, alg);
    mstore__digest_update(&d, data, size);
    mstore__digest_finish_hex(&d, hex);
    mstore__digest_free(&d);
    return MSTORE_OK;
}

/* Streams a file through a digest set; reports its length. */
static int stream_file(mstore__digest_set *set, uint64_t *length, const char *path, uint64_t max)
{
    unsigned char buf[65536];
    uint64_t total = 0;
    int fd, error = MSTORE_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mstore__error(errno == ENOENT ? MSTORE_ENOTFOUND : MSTORE_EIO, "%s: %s", path,
                             strerror(errno));
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = mstore__error(MSTORE_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        if (total > max) {
            error = mstore__error(MSTORE_ELENGTH, "%s: more than %llu bytes", path,
                                  (unsigned long long)max);
            break;
        }
        mstore__digest_set_update(set, buf, (size_t)n);
    }
    close(fd);
    *length = total;
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
    if (error == MSTORE_OK && got != length)
        error = mstore__error(MSTORE_ELENGTH, "%s: %llu bytes, expected %llu", path,
                              (unsigned long long)got, (unsigned long long)length);
    if (error == MSTORE_OK)
        error = mstore__digest_set_check(&set, path);
    mstore__digest_set_free(&set);
    return error;
}
