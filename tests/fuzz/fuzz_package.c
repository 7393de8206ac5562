/* libFuzzer harness: package open and verify (mpk_package_open_buffer, mpk_package_verify) on
 * arbitrary bytes: zip structure, entry caps, manifest, signature.json, hashes, tracks. */
#include <stdint.h>
#include <stdlib.h>

#include "mpk/package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mpk_package *pkg = NULL;
    mpk_track *t = NULL;
    void *entry = NULL;
    size_t n = 0;

    if (mpk_package_open_buffer(&pkg, data, size) != MPK_OK)
        return 0;
    if (mpk_package_verify(pkg, NULL) == MPK_OK) {
        if (mpk_package_load_track(&t, pkg, NULL) != MPK_OK)
            abort(); /* a verified package's tracks load */
        mpk_track_free(t);
    }
    if (mpk_package_read(&entry, &n, pkg, "manifest.json", 4096) == MPK_OK)
        free(entry);
    mpk_package_free(pkg);
    return 0;
}
