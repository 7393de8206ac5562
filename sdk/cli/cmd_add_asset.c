/* mpk add-asset: copies a file into a project's assets and lists it (as the thumbnail, or audio,
 * checked by their first bytes). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_project.h"
#include "commands.h"
#include "internal.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mpk add-asset FILE [-C PROJECT_DIR] [--thumbnail | --audio] [--as PATH]\n\n"
            "Copies FILE into the project (default: assets/<file name>) and lists it in\n"
            "mpk-project.json's \"assets\", so `mpk build` puts it in the package.\n\n"
            "  -C, --project DIR   the project (default: the current folder)\n"
            "      --thumbnail     the package's thumbnail (a PNG or JPEG image), instead of one\n"
            "                      rendered by mpk-preview\n"
            "      --audio         a sound to go with the motions (WAV, Ogg, FLAC, MP3 or M4A)\n"
            "      --as PATH       its path in the package (letters, digits, . _ - + and /)\n\n"
            "Exit codes: 0 added, 1 failure (wrong kind of file, path taken, I/O), 2 usage.\n");
}

static bool starts(const unsigned char *d, size_t n, const char *magic, size_t at)
{
    size_t len = strlen(magic);
    return n >= at + len && memcmp(d + at, magic, len) == 0;
}

static bool is_image(const unsigned char *d, size_t n)
{
    return starts(d, n, "\x89PNG\r\n\x1a\n", 0) ||
           (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff);
}

static bool is_audio(const unsigned char *d, size_t n)
{
    return (starts(d, n, "RIFF", 0) && starts(d, n, "WAVE", 8)) || starts(d, n, "OggS", 0) ||
           starts(d, n, "fLaC", 0) || starts(d, n, "ID3", 0) ||
           (n >= 2 && d[0] == 0xff && (d[1] & 0xe0) == 0xe0) || starts(d, n, "ftyp", 4);
}

/* Makes the folders of a project-relative path. */
static int make_parents(const char *dir, const char *rel)
{
    char *path = mpk__asprintf("%s/%s", dir, rel), *p;
    int error = MPK_OK;

    if (!path)
        return mpk__error(MPK_ENOMEM, "out of memory");
    for (p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            error = mpk__error(MPK_EIO, "%s: %s", path, strerror(errno));
        *p = '/';
        if (error)
            break;
    }
    free(path);
    return error;
}

int mpk_cmd_add_asset(int argc, char **argv)
{
    static const struct option options[] = {
        {"project", required_argument, NULL, 'C'}, {"thumbnail", no_argument, NULL, 'T'},
        {"audio", no_argument, NULL, 'U'},         {"as", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},          {0}};
    const char *dir = ".", *as = NULL, *file, *base;
    bool thumbnail = false, audio = false, written = false;
    char *data = NULL, *rel = NULL, *dest = NULL;
    json_t *doc = NULL, *assets, *v;
    size_t size = 0, i;
    int c, error, rc = MPK_EXIT_FAIL;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "C:h", options, NULL)) != -1) {
        switch (c) {
        case 'C':
            dir = optarg;
            break;
        case 'T':
            thumbnail = true;
            break;
        case 'U':
            audio = true;
            break;
        case 'a':
            as = optarg;
            break;
        case 'h':
            usage(stdout);
            return MPK_EXIT_OK;
        default:
            return mpk_cli_usage("add-asset", "unknown option or missing value: %s",
                                 argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return mpk_cli_usage("add-asset", optind == argc ? "FILE is missing" : "one FILE only");
    if (thumbnail && audio)
        return mpk_cli_usage("add-asset", "--thumbnail or --audio, not both");
    file = argv[optind];
    base = strrchr(file, '/');
    base = base ? base + 1 : file;
    error = mpk__read_file(&data, &size, file, MPK_PACKAGE_MAX_ENTRY);
    if (error)
        return mpk_cli_fail("add-asset", error, "cannot read the asset");
    if (thumbnail && !is_image((unsigned char *)data, size)) {
        rc = mpk_cli_fail("add-asset", 0, "%s: not a PNG or JPEG image; nothing added", file);
        goto out;
    }
    if (audio && !is_audio((unsigned char *)data, size)) {
        rc = mpk_cli_fail("add-asset", 0,
                          "%s: not a WAV, Ogg, FLAC, MP3 or M4A sound; nothing added", file);
        goto out;
    }
    rel = as ? mpk__strdup(as) : mpk__asprintf("assets/%s%s", audio ? "audio/" : "", base);
    if (!rel) {
        rc = mpk_cli_fail("add-asset", 0, "out of memory");
        goto out;
    }
    error = cli_project_read(&doc, dir);
    if (error) {
        rc = mpk_cli_fail("add-asset", error, "cannot read the project");
        goto out;
    }
    assets = json_object_get(doc, "assets");
    if (!assets) {
        assets = json_array();
        json_object_set_new(doc, "assets", assets);
    }
    json_array_foreach(assets, i,
                       v) if (json_is_string(v) && strcmp(json_string_value(v), rel) == 0)
    {
        rc = mpk_cli_fail("add-asset", 0, "the project lists %s already; nothing added", rel);
        goto out;
    }
    json_array_append_new(assets, json_string(rel));
    if (thumbnail) {
        if (json_is_string(json_object_get(doc, "thumbnail")))
            fprintf(stderr, "mpk add-asset: %s replaces %s as the thumbnail\n", rel,
                    json_string_value(json_object_get(doc, "thumbnail")));
        json_object_set_new(doc, "thumbnail", json_string(rel));
    }
    dest = mpk__asprintf("%s/%s", dir, rel);
    error = dest ? make_parents(dir, rel) : mpk__error(MPK_ENOMEM, "out of memory");
    if (!error)
        error = cli_write_new(dest, data, size);
    if (error) {
        rc = mpk_cli_fail("add-asset", error, "cannot copy the asset");
        goto out;
    }
    written = true;
    error = cli_project_write(dir, doc);
    if (error) {
        rc = mpk_cli_fail("add-asset", error, "cannot add the asset; nothing changed");
        goto out;
    }
    written = false;
    printf("added %s (%zu bytes)%s\n", rel, size,
           thumbnail ? " as the thumbnail" : (audio ? " (audio)" : ""));
    rc = MPK_EXIT_OK;
out:
    if (written)
        unlink(dest);
    json_decref(doc);
    free(data);
    free(rel);
    free(dest);
    return rc;
}
