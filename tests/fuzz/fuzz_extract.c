/* libFuzzer harness for the package archive checks of the store client (extract.c): the zip
 * entry count from the end-of-central-directory record, reading manifest.json and signature.json
 * with the developer-signature check, and extraction under a signed manifest's rules into a
 * scratch folder (names, types, links, encryption, duplicates, sizes counted as written, hashes,
 * manifest.json and signature.json byte for byte the verified ones). The archive is read through
 * one descriptor, as the installer does. The seed corpus holds a real package whose manifest and
 * signature are the ones below, signed by KEY_ID, and malicious variants of it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../store-client/src/install_internal.h"
#include "../../store-client/src/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY_ID "a3688cbfd7707bfa72c91688f32fa139f772d8b703467c4839ead83e9ffe7b3e"

static const char manifest_text[] =
    "{\n"
    "  \"author\": \"Client Tests\",\n"
    "  \"category\": \"gesture\",\n"
    "  \"description\": {\n"
    "    \"en\": \"A motion for the store client tests.\"\n"
    "  },\n"
    "  \"files\": [\n"
    "    {\n"
    "      \"path\": \"motions/main.mpkt\",\n"
    "      \"sha256\": \"24fe46c63e473dec774c5ed09a4652afd9f90ffa95098d551b76faf790c1f1a8\",\n"
    "      \"size\": 220\n"
    "    }\n"
    "  ],\n"
    "  \"format\": 1,\n"
    "  \"id\": \"com.example.fuzz\",\n"
    "  \"license\": \"MIT\",\n"
    "  \"min_runtime\": \"0.1.0\",\n"
    "  \"motions\": [\n"
    "    {\n"
    "      \"duration\": 0.08,\n"
    "      \"file\": \"motions/main.mpkt\",\n"
    "      \"joints\": [\n"
    "        \"right_wrist_roll\",\n"
    "        \"right_wrist_pitch\",\n"
    "        \"right_wrist_yaw\"\n"
    "      ],\n"
    "      \"loopable\": false,\n"
    "      \"name\": \"main\",\n"
    "      \"rate\": 50,\n"
    "      \"robot\": \"g1-29dof\"\n"
    "    }\n"
    "  ],\n"
    "  \"name\": {\n"
    "    \"en\": \"Test wave\",\n"
    "    \"zh\": \"测试\"\n"
    "  },\n"
    "  \"permissions\": [],\n"
    "  \"robots\": [\n"
    "    \"g1-29dof\"\n"
    "  ],\n"
    "  \"version\": \"1.0.0\"\n"
    "}\n";

/* The seed package's signature.json over manifest_text. */
static const char signature_text[] =
    "{\n"
    "  \"algorithm\": \"ecdsa-p256-sha256\",\n"
    "  \"key_id\": \"" KEY_ID "\",\n"
    "  \"public_key\": \"-----BEGIN PUBLIC "
    "KEY-----"
    "\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf1IQmLKvTOmW6U7a8TuvykYMM8kE\\nTbQOHWod7mL6G61nevXbj6"
    "lsPgUD+gbNJ6XTCaKYu/U9J3+gVjqfMeYKTQ==\\n-----END PUBLIC KEY-----\\n\",\n"
    "  \"signature\": "
    "\"MEUCIF5WIVhJ3eCNhcXNH/KhkpVNZ/dCOyATnLybHL/RgEL6AiEA+OrWydkfzRoQIlgVZwXqmWyC/"
    "87I7sHczrxBcKdVf0E=\"\n"
    "}\n";

static mpk_manifest *manifest;
static char scratch[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mstore__extract_limits lim = {16, 1024 * 1024};
    char archive[96], dest[96];
    mpk_manifest *m = NULL;
    char *man = NULL, *sig = NULL;
    size_t man_size = 0, sig_size = 0;
    uint64_t count;
    FILE *f;
    int fd;

    if (!manifest) {
        snprintf(scratch, sizeof(scratch), "/tmp/fuzz_extract.%ld", (long)getpid());
        if (mstore__mkdirs(scratch, 0755) ||
            mpk_manifest_parse(&manifest, manifest_text, sizeof(manifest_text) - 1))
            abort();
    }
    snprintf(archive, sizeof(archive), "%s/input.mpk", scratch);
    snprintf(dest, sizeof(dest), "%s/dest", scratch);
    if (!(f = fopen(archive, "wb")) || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    if ((fd = open(archive, O_RDONLY | O_CLOEXEC)) < 0)
        abort();
    (void)mstore__zip_entry_count(&count, fd, archive);
    if (mstore__package_read_head(&m, &man, &man_size, &sig, &sig_size, fd, archive, KEY_ID) ==
        MSTORE_OK) {
        mpk_manifest_free(m);
        free(man);
        free(sig);
    }
    /* Extraction is exercised on every input, against the fixed signed manifest and signature. */
    if (mstore__rmtree(dest) || mkdir(dest, 0755) != 0)
        abort();
    (void)mstore__extract_package(fd, archive, dest, manifest, manifest_text,
                                  sizeof(manifest_text) - 1, signature_text,
                                  sizeof(signature_text) - 1, &lim, NULL, NULL);
    close(fd);
    /* Nothing may land outside the folder it was given. */
    if (access("/tmp/fuzz_extract_escape", F_OK) == 0)
        abort();
    (void)mstore__rmtree(dest);
    mstore_error_clear();
    return 0;
}
