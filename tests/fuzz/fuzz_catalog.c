/* libFuzzer harness for the store catalog parser (catalog.c): strict parsing of catalog.json,
 * then lookups and a search over whatever parsed, as mstore search and install use them. */
#include <stdlib.h>
#include <string.h>

#include "mstore/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mstore_search_query q = {.text = "wave", .robot = "g1-29dof"};
    mstore_catalog *cat = NULL;
    size_t *hits = NULL, n = 0;

    if (mstore_catalog_parse(&cat, data, size, "catalog.json") != MSTORE_OK)
        return 0;
    for (size_t i = 0; i < mstore_catalog_count(cat); i++) {
        const mstore_catalog_package *p = mstore_catalog_at(cat, i);
        if (mstore_catalog_find(cat, p->id) != p)
            abort(); /* ids are unique and sorted: lookup must find the same entry */
        for (size_t j = 0; j < p->n_versions; j++)
            if (!mstore_catalog_package_version(p, p->versions[j].version))
                abort();
        (void)mstore_text_pick(p->names, p->n_names, "zh");
    }
    if (mstore_catalog_search(&hits, &n, cat, &q) == MSTORE_OK && n > mstore_catalog_count(cat))
        abort();
    free(hits);
    mstore_catalog_free(cat);
    return 0;
}
