/* The client CLI of the public TUF conformance suite (theupdateframework/tuf-conformance,
 * CLIENT-CLI.md), on top of libmstore's updater:
 *
 *   mstore-tuf-conformance --metadata-dir DIR init TRUSTED_ROOT
 *   mstore-tuf-conformance --metadata-dir DIR --metadata-url URL refresh
 *   mstore-tuf-conformance --metadata-dir DIR --metadata-url URL --target-name PATH...
 *                          --target-base-url URL --target-dir DIR download
 *
 * Exit status 0 on success, 1 on any failure (2 for a usage error). Downloaded targets are stored
 * in TARGET_DIR under their URL-encoded target path; partial downloads are kept in
 * METADATA_DIR/partial so that TARGET_DIR only ever holds verified files. docs/tuf.md says how
 * to run the suite. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstore/mstore.h"

#define MAX_TARGETS 64

static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "mstore-tuf: %s\n", line);
}

static int fail(int code, const char *what)
{
    fprintf(stderr, "mstore-tuf: %s: %s (%s)\n", what,
            mstore_error_message()[0] ? mstore_error_message() : mstore_strerror(code),
            mstore_error_name(code));
    return 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: mstore-tuf-conformance --metadata-dir DIR [--metadata-url URL]\n"
                    "         [--target-name PATH]... [--target-base-url URL] [--target-dir DIR]\n"
                    "         init TRUSTED_ROOT | refresh | download\n");
    return 2;
}

static int cmd_init(const char *dir, const char *trusted_root)
{
    FILE *f = fopen(trusted_root, "rb");
    char *data = NULL;
    long size;
    int rc;

    if (!f) {
        perror(trusted_root);
        return 1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(data = malloc((size_t)size + 1)) || fread(data, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "mstore-tuf: %s: cannot read\n", trusted_root);
        free(data);
        fclose(f);
        return 1;
    }
    fclose(f);
    rc = mstore_updater_init_root(dir, data, (size_t)size);
    free(data);
    return rc == MSTORE_OK ? 0 : fail(rc, "init");
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *meta_url = NULL, *target_url = NULL, *target_dir = NULL;
    const char *targets[MAX_TARGETS];
    const char *command = NULL, *arg = NULL;
    size_t n_targets = 0;
    mstore_updater_options o;
    mstore_updater *u = NULL;
    char *partial = NULL;
    int rc, status = 0;

    for (int i = 1; i < argc; i++) {
        bool has_value = i + 1 < argc;
        if (strcmp(argv[i], "--metadata-dir") == 0 && has_value)
            dir = argv[++i];
        else if (strcmp(argv[i], "--metadata-url") == 0 && has_value)
            meta_url = argv[++i];
        else if (strcmp(argv[i], "--target-base-url") == 0 && has_value)
            target_url = argv[++i];
        else if (strcmp(argv[i], "--target-dir") == 0 && has_value)
            target_dir = argv[++i];
        else if (strcmp(argv[i], "--target-name") == 0 && has_value) {
            if (n_targets == MAX_TARGETS)
                return usage();
            targets[n_targets++] = argv[++i];
        } else if (!command)
            command = argv[i];
        else if (!arg)
            arg = argv[i];
        else
            return usage();
    }
    if (!dir || !command)
        return usage();
    if (strcmp(command, "init") == 0)
        return arg ? cmd_init(dir, arg) : usage();
    if (!meta_url || arg)
        return usage();
    if (strcmp(command, "download") == 0 && (!target_url || !target_dir || n_targets == 0))
        return usage();
    if (strcmp(command, "refresh") != 0 && strcmp(command, "download") != 0)
        return usage();

    mstore_updater_options_init(&o);
    o.metadata_dir = dir;
    o.metadata_urls = &meta_url;
    o.n_metadata_urls = 1;
    o.target_urls = &target_url;
    o.n_target_urls = target_url ? 1 : 0;
    o.log = log_line;
    /* The suite's server is on loopback: no point waiting long or retrying much. */
    o.fetch.retries = 1;
    o.fetch.backoff_ms = 100;
    partial = malloc(strlen(dir) + sizeof("/partial"));
    if (!partial)
        return 1;
    sprintf(partial, "%s/partial", dir);
    o.partial_dir = partial;
    if ((rc = mstore_updater_new(&u, &o)) < 0) {
        free(partial);
        return fail(rc, "trusted root");
    }
    if ((rc = mstore_updater_refresh(u)) < 0) {
        status = fail(rc, "refresh");
        goto out;
    }
    for (size_t i = 0; i < n_targets; i++) {
        mstore_target *t = NULL;
        char *enc = NULL, *out_path = NULL;
        bool cached = false;

        rc = mstore_updater_get_target(&t, u, targets[i]);
        if (rc == MSTORE_OK)
            rc = mstore_url_encode(&enc, targets[i], 0);
        if (rc == MSTORE_OK) {
            out_path = malloc(strlen(target_dir) + strlen(enc) + 2);
            if (out_path)
                sprintf(out_path, "%s/%s", target_dir, enc);
            else
                rc = MSTORE_ENOMEM;
        }
        if (rc == MSTORE_OK)
            rc = mstore_updater_download_target(u, t, out_path, &cached);
        if (rc == MSTORE_OK)
            fprintf(stderr, "mstore-tuf: %s: %s %s\n", targets[i],
                    cached ? "already in" : "downloaded to", out_path);
        mstore_target_free(t);
        free(enc);
        free(out_path);
        if (rc < 0) {
            status = fail(rc, targets[i]);
            break;
        }
    }
out:
    mstore_updater_free(u);
    free(partial);
    return status;
}
