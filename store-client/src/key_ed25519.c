/* ed25519 with libsodium: keyval.public is the hex of the 32-byte public key, signatures are the
 * hex of the 64-byte signature; the private part is kept as the hex of the 32-byte seed. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "key_scheme.h"

typedef struct ed_key {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    unsigned char seed[crypto_sign_SEEDBYTES];
    bool has_private;
} ed_key;

static bool accepts_keytype(const char *keytype)
{
    return strcmp(keytype, "ed25519") == 0;
}

static int ensure_sodium(void)
{
    /* sodium_init() is thread-safe and idempotent; 1 means "already initialised". */
    if (sodium_init() < 0)
        return mstore__error(MSTORE_ERROR, "libsodium failed to initialise");
    return MSTORE_OK;
}

static void ed_free(void *impl)
{
    if (!impl)
        return;
    sodium_memzero(impl, sizeof(ed_key));
    free(impl);
}

static int load_public(void **impl, const mstore__scheme *s, const char *value)
{
    ed_key *k;
    int error;

    (void)s;
    if ((error = ensure_sodium()) < 0)
        return error;
    k = calloc(1, sizeof(*k));
    if (!k)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    if (mstore__unhex(k->pk, sizeof(k->pk), value) != (long)sizeof(k->pk)) {
        ed_free(k);
        return mstore__error(MSTORE_EFORMAT, "ed25519 public key must be 64 hex characters");
    }
    *impl = k;
    return MSTORE_OK;
}

static int from_seed(void **impl, const unsigned char *seed)
{
    ed_key *k = calloc(1, sizeof(*k));

    if (!k)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    memcpy(k->seed, seed, sizeof(k->seed));
    crypto_sign_seed_keypair(k->pk, k->sk, k->seed);
    k->has_private = true;
    *impl = k;
    return MSTORE_OK;
}

static int load_private(void **impl, const mstore__scheme *s, const char *value)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    int error;

    (void)s;
    if ((error = ensure_sodium()) < 0)
        return error;
    if (mstore__unhex(seed, sizeof(seed), value) != (long)sizeof(seed))
        return mstore__error(MSTORE_EFORMAT, "ed25519 private key must be 64 hex characters");
    error = from_seed(impl, seed);
    sodium_memzero(seed, sizeof(seed));
    return error;
}

static int generate(void **impl, const mstore__scheme *s)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    int error;

    (void)s;
    if ((error = ensure_sodium()) < 0)
        return error;
    randombytes_buf(seed, sizeof(seed));
    error = from_seed(impl, seed);
    sodium_memzero(seed, sizeof(seed));
    return error;
}

static int hex_value(char **out, const unsigned char *bytes, size_t size)
{
    *out = malloc(2 * size + 1);
    if (!*out)
        return mstore__error(MSTORE_ENOMEM, "out of memory");
    mstore__hex(*out, bytes, size);
    return MSTORE_OK;
}

static int public_value(char **out, void *impl, const mstore__scheme *s)
{
    (void)s;
    return hex_value(out, ((ed_key *)impl)->pk, crypto_sign_PUBLICKEYBYTES);
}

static int private_value(char **out, void *impl, const mstore__scheme *s)
{
    (void)s;
    return hex_value(out, ((ed_key *)impl)->seed, crypto_sign_SEEDBYTES);
}

static bool has_private(const void *impl)
{
    return ((const ed_key *)impl)->has_private;
}

static int verify(void *impl, const mstore__scheme *s, const unsigned char *data, size_t size,
                  const unsigned char *sig, size_t sig_len)
{
    (void)s;
    if (sig_len != crypto_sign_BYTES || ensure_sodium() < 0)
        return -1;
    return crypto_sign_verify_detached(sig, data, size, ((ed_key *)impl)->pk);
}

static int sign(void *impl, const mstore__scheme *s, const unsigned char *data, size_t size,
                unsigned char *sig, size_t *sig_len)
{
    unsigned long long len = 0;

    (void)s;
    if (crypto_sign_detached(sig, &len, data, size, ((ed_key *)impl)->sk) != 0)
        return mstore__error(MSTORE_ERROR, "ed25519 signing failed");
    *sig_len = (size_t)len;
    return MSTORE_OK;
}

const mstore__scheme mstore__scheme_ed25519 = {
    .name = "ed25519",
    .keytype = "ed25519",
    .accepts_keytype = accepts_keytype,
    .load_public = load_public,
    .load_private = load_private,
    .import_pem = NULL,
    .generate = generate,
    .public_value = public_value,
    .private_value = private_value,
    .has_private = has_private,
    .verify = verify,
    .sign = sign,
    .free = ed_free,
};
