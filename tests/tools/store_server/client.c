/*
 * Test helper: a robot's view of a store, through libmstore's TUF client. Refreshes the metadata
 * from URL (trusting ROOT the first time, then whatever WORKDIR/metadata holds, as a robot does),
 * downloads the catalog target, and with --download every package version it lists, each checked
 * against the signed length and hash and then opened and verified with libmpk against the
 * developer key id the catalog names. Prints a JSON summary; exit 1 with a message on failure.
 *
 *   ms_store_client --root ROOT.json --url BASE --dir WORKDIR [--download] [--retries N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "mpk/mpk.h"
#include "mstore/metadata.h"
#include "mstore/updater.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "ms_store_client: %s: %s: %s\n", what, mstore_error_name(rc),
            mstore_error_message());
    return 1;
}

static void *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else if (buf) {
            buf[n] = '\0';
            *size = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

static int fetch(mstore_updater *u, const char *path, const char *out)
{
    mstore_target *t = NULL;
    int rc = mstore_updater_get_target(&t, u, path);

    if (rc == MSTORE_OK)
        rc = mstore_updater_download_target(u, t, out, NULL);
    mstore_target_free(t);
    return rc;
}

static int64_t version_of(const mstore_updater *u, const char *role)
{
    const mstore_metadata *md = mstore_updater_trusted(u, role);

    return md ? mstore_metadata_version(md) : 0;
}

int main(int argc, char **argv)
{
    const char *root = NULL, *url = NULL, *dir = NULL;
    char meta_dir[4096], meta_url[4096], tgt_url[4096], path[4096];
    const char *murls[1], *turls[1];
    bool download = false;
    unsigned retries = 0;
    mstore_updater_options o;
    mstore_updater *u = NULL;
    json_t *catalog, *pkgs, *summary, *pkg, *ver;
    size_t i, j, size = 0, verified = 0;
    struct stat st;
    void *data;
    int rc;

    for (i = 1; i < (size_t)argc; i++) {
        if (!strcmp(argv[i], "--root") && i + 1 < (size_t)argc)
            root = argv[++i];
        else if (!strcmp(argv[i], "--url") && i + 1 < (size_t)argc)
            url = argv[++i];
        else if (!strcmp(argv[i], "--dir") && i + 1 < (size_t)argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--retries") && i + 1 < (size_t)argc)
            retries = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--download"))
            download = true;
        else {
            fprintf(stderr, "usage: ms_store_client --root ROOT.json --url BASE --dir WORKDIR "
                            "[--download]\n");
            return 2;
        }
    }
    if (!root || !url || !dir)
        return 2;
    snprintf(meta_dir, sizeof(meta_dir), "%s/metadata", dir);
    snprintf(path, sizeof(path), "%s/root.json", meta_dir);
    if (stat(path, &st) != 0) {
        if (!(data = slurp(root, &size))) {
            perror(root);
            return 1;
        }
        rc = mstore_updater_init_root(meta_dir, data, size);
        free(data);
        if (rc)
            return fail("init", rc);
    }
    snprintf(meta_url, sizeof(meta_url), "%s/metadata/", url);
    snprintf(tgt_url, sizeof(tgt_url), "%s/targets/", url);
    murls[0] = meta_url;
    turls[0] = tgt_url;
    mstore_updater_options_init(&o);
    o.metadata_dir = meta_dir;
    o.metadata_urls = murls;
    o.n_metadata_urls = 1;
    o.target_urls = turls;
    o.n_target_urls = 1;
    o.fetch.retries = retries;
    o.fetch.stall_timeout_ms = 10000;
    if ((rc = mstore_updater_new(&u, &o)))
        return fail("updater", rc);
    if ((rc = mstore_updater_refresh(u)))
        return fail("refresh", rc);
    snprintf(path, sizeof(path), "%s/catalog.json", dir);
    if ((rc = fetch(u, "catalog.json", path)))
        return fail("catalog.json", rc);
    if (!(data = slurp(path, &size)) || !(catalog = json_loadb(data, size, 0, NULL))) {
        fprintf(stderr, "ms_store_client: catalog.json: not JSON\n");
        return 1;
    }
    free(data);
    pkgs = json_object();
    json_array_foreach(json_object_get(catalog, "packages"), i, pkg)
    {
        json_t *list = json_array();
        json_array_foreach(json_object_get(pkg, "versions"), j, ver)
        {
            const char *target = json_string_value(json_object_get(ver, "target"));
            const char *key_id = json_string_value(json_object_get(ver, "key_id"));
            json_array_append(list, json_object_get(ver, "version"));
            if (!download)
                continue;
            snprintf(path, sizeof(path), "%s/pkg.mpk", dir);
            remove(path);
            if ((rc = fetch(u, target, path)))
                return fail(target, rc);
            {
                mpk_package *p = NULL;
                int mrc = mpk_package_open(&p, path);
                if (mrc == MPK_OK)
                    mrc = mpk_package_verify(p, key_id);
                mpk_package_free(p);
                if (mrc) {
                    fprintf(stderr, "ms_store_client: %s: %s\n", target, mpk_error_message());
                    return 1;
                }
            }
            verified++;
        }
        json_object_set_new(pkgs, json_string_value(json_object_get(pkg, "id")), list);
    }
    summary = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:o, s:I}", "root", (json_int_t)version_of(u, "root"),
        "timestamp", (json_int_t)version_of(u, "timestamp"), "snapshot",
        (json_int_t)version_of(u, "snapshot"), "targets", (json_int_t)version_of(u, "targets"),
        "target_count", (json_int_t)mstore_targets_count(mstore_updater_trusted(u, "targets")),
        "packages", pkgs, "verified", (json_int_t)verified);
    json_object_set(summary, "catalog", catalog);
    {
        char *text = json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS);
        printf("%s\n", text);
        free(text);
    }
    json_decref(summary);
    json_decref(catalog);
    mstore_updater_free(u);
    return 0;
}
