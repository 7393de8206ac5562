/* mpk inspect: shows what a package holds and whether it verifies (human or --json). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cmd_package.h"
#include "commands.h"
#include "internal.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mpk inspect FILE.mpk [--json]\n\n"
                 "Shows a package: identity, texts, robots, permissions, motions, files and the\n"
                 "signer's key id, and whether it verifies (as `mpk verify` without a key).\n\n"
                 "  --json   machine-readable: {\"file\", \"size\", \"sha256\", \"key_id\",\n"
                 "           \"verified\", \"error\" (when not verified), \"manifest\"}\n\n"
                 "Exit codes: 0 valid, 1 cannot read, 2 usage, 3 invalid package.\n");
}

static void print_texts(const char *label, const mpk_text *t, size_t n)
{
    size_t i;

    printf("%-13s%s\n", label, mpk_text_get(t, n, "en"));
    for (i = 0; i < n; i++)
        if (strcmp(t[i].lang, "en") != 0)
            printf("%-13s  [%s] %s\n", "", t[i].lang, t[i].text);
}

static void print_human(const char *path, size_t size, const char *sha, const mpk_package *pkg,
                        int verified, const char *why)
{
    const mpk_manifest *m = mpk_package_manifest(pkg);
    size_t i;
    int j;

    printf("%-13s%s (%zu bytes)\n", "package:", path, size);
    printf("%-13s%s\n", "sha256:", sha);
    printf("%-13s%s\n", "id:", m->id);
    printf("%-13s%s\n", "version:", m->version);
    print_texts("name:", m->names, m->name_count);
    print_texts("description:", m->descriptions, m->description_count);
    printf("%-13s%s\n", "author:", m->author);
    printf("%-13s%s\n", "license:", m->license);
    printf("%-13s%s\n", "category:", m->category);
    printf("%-13s", "robots:");
    for (i = 0; i < m->robot_count; i++)
        printf("%s%s", i ? ", " : "", m->robots[i]);
    printf("\n%-13s%s\n", "permissions:",
           (m->permissions & MPK_PERM_FULL_BODY) ? "full-body" : "(none: arms and waist only)");
    printf("%-13s%s\n", "min runtime:", m->min_runtime);
    if (m->thumbnail)
        printf("%-13s%s\n", "thumbnail:", m->thumbnail);
    printf("%-13s%s\n", "signed by:", mpk_package_key_id(pkg));
    printf("%-13s%s%s%s\n", "verified:", verified ? "yes" : "NO", verified ? "" : ": ",
           verified ? "" : why);
    printf("motions:\n");
    for (i = 0; i < m->motion_count; i++) {
        const mpk_motion_info *mo = &m->motions[i];
        const char *title = mpk_text_get(mo->titles, mo->title_count, "en");
        printf("  %-16s %-9s %7.3f s at %g Hz, %d joints%s  %s\n", mo->name, mo->robot,
               mo->duration, mo->rate, mo->joint_count, mo->loopable ? ", loopable" : "", mo->file);
        if (title)
            printf("    title: %s\n", title);
        printf("    joints:");
        for (j = 0; j < mo->joint_count; j++)
            printf(" %s", mo->joints[j]);
        printf("\n");
    }
    printf("files:\n");
    for (i = 0; i < m->file_count; i++) {
        char hex[65];
        mpk_hex(hex, m->files[i].sha256, sizeof(m->files[i].sha256));
        printf("  %-32s %10llu  %s\n", m->files[i].path, (unsigned long long)m->files[i].size, hex);
    }
}

static int print_json(const char *path, size_t size, const char *sha, const mpk_package *pkg,
                      int verified, const char *why)
{
    const char *bytes;
    size_t msize = 0;
    json_t *out, *manifest;
    json_error_t jerr;
    int rc = MPK_EXIT_FAIL;

    bytes = mpk_package_manifest_bytes(pkg, &msize);
    manifest = json_loadb(bytes, msize, 0, &jerr);
    out = json_pack("{s:s, s:I, s:s, s:s, s:b, s:o*}", "file", path, "size", (json_int_t)size,
                    "sha256", sha, "key_id", mpk_package_key_id(pkg), "verified", verified,
                    "manifest", manifest);
    if (out && !verified)
        json_object_set_new(out, "error", json_string(why));
    if (out && json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 &&
        fputc('\n', stdout) != EOF)
        rc = MPK_EXIT_OK;
    json_decref(out);
    if (rc != MPK_EXIT_OK)
        fprintf(stderr, "mpk inspect: cannot write the JSON\n");
    return rc;
}

int mpk_cmd_inspect(int argc, char **argv)
{
    static const struct option options[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
    unsigned char digest[32];
    char sha[65], why[1024] = "";
    mpk_package *pkg = NULL;
    const char *path;
    char *bytes = NULL;
    size_t size = 0;
    int c, json = 0, error, verified, rc;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "jh", options, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'h':
            usage(stdout);
            return MPK_EXIT_OK;
        default:
            return mpk_cli_usage("inspect", "unknown option: %s", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return mpk_cli_usage("inspect",
                             optind == argc ? "FILE.mpk is missing" : "one FILE.mpk only");
    path = argv[optind];
    error = mpk__read_file(&bytes, &size, path, MPK_PACKAGE_MAX_SIZE);
    if (error)
        return mpk_cli_fail("inspect", error, "cannot read the package");
    mpk_sha256(digest, bytes, size);
    mpk_hex(sha, digest, sizeof(digest));
    error = mpk_package_open_buffer(&pkg, bytes, size);
    free(bytes);
    if (error)
        return mpk_cli_package_fail("inspect", error, "INVALID: %s", path);
    error = mpk_package_verify(pkg, NULL);
    verified = error == MPK_OK;
    if (!verified)
        snprintf(why, sizeof(why), "%s", mpk_error_message());
    rc = json ? print_json(path, size, sha, pkg, verified, why)
              : (print_human(path, size, sha, pkg, verified, why), MPK_EXIT_OK);
    mpk_package_free(pkg);
    if (rc == MPK_EXIT_OK && !verified) {
        fprintf(stderr, "mpk inspect: %s: INVALID: %s\n", path, why);
        return MPK_EXIT_INVALID;
    }
    return rc;
}
