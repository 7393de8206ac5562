/* Shared body of the TUF metadata fuzzers (fuzz_tuf_root/timestamp/snapshot/targets): parse
 * as one type and, when the input is accepted, exercise every reader and check that the
 * document survives serialisation with the same signed bytes. */
#ifndef MSTORE_TUF_FUZZ_H
#define MSTORE_TUF_FUZZ_H

#include <stdlib.h>
#include <string.h>

#include "mstore/mstore.h"

#define TUF_FUZZ_CHECK(cond) \
    do {                     \
        if (!(cond))         \
            abort();         \
    } while (0)

static int tuf_fuzz_count_meta(void *ctx, const char *name, const mstore_metafile *meta)
{
    (void)name;
    TUF_FUZZ_CHECK(meta->version >= 1);
    (*(size_t *)ctx)++;
    return 0;
}

static int tuf_fuzz_visit_target(void *ctx, const mstore_target *t)
{
    mstore_hash h[4];
    mstore_target *copy = NULL;

    TUF_FUZZ_CHECK(mstore_target_hashes(t, h, 4) >= 1);
    if (mstore_target_dup(&copy, t) == MSTORE_OK) {
        TUF_FUZZ_CHECK(strcmp(mstore_target_path(copy), mstore_target_path(t)) == 0);
        mstore_target_free(copy);
    }
    (*(size_t *)ctx)++;
    return 0;
}

static void tuf_fuzz_metadata(const unsigned char *data, size_t size, mstore_role_type type)
{
    static const char *const paths[] = {"a", "targetfile", "releases/x/y.zip", "a/b/c", ""};
    mstore_metadata *md = NULL, *again = NULL;
    char *text = NULL, *signed1 = NULL, *signed2 = NULL;
    size_t text_len = 0, len1 = 0, len2 = 0, n = 0;

    if (mstore_metadata_parse(&md, data, size, type, "fuzz.json") != MSTORE_OK)
        return;
    TUF_FUZZ_CHECK(mstore_metadata_version(md) >= 1);
    (void)mstore_metadata_is_expired(md, 0);
    switch (type) {
    case MSTORE_ROLE_ROOT: {
        static const char *const roles[] = {"root", "timestamp", "snapshot", "targets"};
        for (int i = 0; i < 4; i++) {
            const char *const *ids;
            size_t count = 0;
            int64_t threshold = 0;
            TUF_FUZZ_CHECK(mstore_metadata_role(md, roles[i], &ids, &count, &threshold) ==
                           MSTORE_OK);
            TUF_FUZZ_CHECK(threshold >= 1);
            for (size_t k = 0; k < count; k++)
                (void)mstore_metadata_key(md, ids[k]);
        }
        (void)mstore_metadata_verify(md, "root", md);
        break;
    }
    case MSTORE_ROLE_TIMESTAMP: {
        mstore_metafile mf;
        TUF_FUZZ_CHECK(mstore_timestamp_snapshot_meta(&mf, md) == MSTORE_OK);
        (void)mstore_metafile_check(&mf, data, size, "fuzz");
        break;
    }
    case MSTORE_ROLE_SNAPSHOT:
        TUF_FUZZ_CHECK(mstore_snapshot_meta_foreach(md, tuf_fuzz_count_meta, &n) == MSTORE_OK);
        TUF_FUZZ_CHECK(n == mstore_snapshot_meta_count(md));
        break;
    case MSTORE_ROLE_TARGETS:
        TUF_FUZZ_CHECK(mstore_targets_foreach(md, tuf_fuzz_visit_target, &n) == MSTORE_OK);
        TUF_FUZZ_CHECK(n == mstore_targets_count(md));
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
            const char **names = NULL;
            bool *term = NULL;
            size_t count = 0;
            mstore_target *t = NULL;
            if (mstore_targets_roles_for(&names, &term, &count, md, paths[i]) == MSTORE_OK) {
                for (size_t k = 0; k < count; k++)
                    (void)mstore_metadata_verify(md, names[k], md);
                free(names);
                free(term);
            }
            if (mstore_targets_get(&t, md, paths[i]) == MSTORE_OK)
                mstore_target_free(t);
        }
        break;
    }
    /* Serialising and parsing again keeps the bytes that signatures cover. */
    TUF_FUZZ_CHECK(mstore_metadata_signed_bytes(&signed1, &len1, md) == MSTORE_OK);
    TUF_FUZZ_CHECK(mstore_metadata_to_bytes(&text, &text_len, md) == MSTORE_OK);
    TUF_FUZZ_CHECK(mstore_metadata_parse(&again, text, text_len, type, "again.json") == MSTORE_OK);
    TUF_FUZZ_CHECK(mstore_metadata_signed_bytes(&signed2, &len2, again) == MSTORE_OK);
    TUF_FUZZ_CHECK(len1 == len2 && memcmp(signed1, signed2, len1) == 0);
    free(signed1);
    free(signed2);
    free(text);
    mstore_metadata_free(again);
    mstore_metadata_free(md);
}

#endif
