/*
 * Test helper: builds signed .mpk packages with libmpk for the store server's tests and
 * benchmarks, so they depend on nothing but the library.
 *
 *   ms_store_mkpkg genkey KEY.pem                 (writes KEY.pem and KEY.pem.pub)
 *   ms_store_mkpkg build OUT.mpk --key KEY.pem --id ID --version V [--robot MODEL]
 *                  [--frames N] [--bad-limits] [--too-fast] [--thumbnail FILE] [--name TEXT] [--pad
 * BYTES]
 *
 * --bad-limits puts one joint far outside its limits (a package the store must refuse);
 * --too-fast swings one joint across most of its range in one sample, within its limits: only the
 * rules of `mpk validate` (jump, velocity) refuse it;
 * --pad adds an asset of that many random bytes (for size and throughput tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mpk/mpk.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "ms_store_mkpkg: %s: %s (%s)\n", what, mpk_strerror(rc), mpk_error_message());
    return 1;
}

static int genkey(const char *path)
{
    mpk_key *key = NULL;
    char pub[4096];
    int rc;

    snprintf(pub, sizeof(pub), "%s.pub", path);
    if ((rc = mpk_key_generate(&key)) || (rc = mpk_key_save_private(key, path)) ||
        (rc = mpk_key_save_public(key, pub))) {
        mpk_key_free(key);
        return fail(path, rc);
    }
    mpk_key_free(key);
    return 0;
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
        }
        *size = (size_t)n;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *keyfile = NULL, *id = NULL, *version = NULL, *robot = "g1-29dof";
    const char *thumb = NULL, *name = "Test motion";
    long frames = 50, pad = 0;
    int fast = 0;
    int bad = 0, i, rc, nj = 3, j;
    const mpk_robot_model *model;
    const char *joints[3];
    mpk_track *track = NULL;
    mpk_manifest *m = NULL;
    mpk_key *key = NULL;
    void *track_bytes = NULL, *thumb_bytes = NULL, *pad_bytes = NULL;
    size_t track_size = 0, thumb_size = 0;
    unsigned char digest[32];
    char hex[65];
    mpk_package_input inputs[3];
    size_t n_inputs = 0;
    json_t *man, *files;
    char *text;
    float *pos;

    if (argc == 3 && strcmp(argv[1], "genkey") == 0)
        return genkey(argv[2]);
    if (argc < 3 || strcmp(argv[1], "build") != 0) {
        fprintf(stderr, "usage: ms_store_mkpkg genkey KEY.pem | build OUT.mpk --key KEY.pem "
                        "--id ID --version V [--robot M] [--frames N] [--bad-limits] [--too-fast] "
                        "[--thumbnail F] [--name T] [--pad BYTES]\n");
        return 2;
    }
    out = argv[2];
    for (i = 3; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--key") && v)
            keyfile = argv[++i];
        else if (!strcmp(argv[i], "--id") && v)
            id = argv[++i];
        else if (!strcmp(argv[i], "--version") && v)
            version = argv[++i];
        else if (!strcmp(argv[i], "--robot") && v)
            robot = argv[++i];
        else if (!strcmp(argv[i], "--frames") && v)
            frames = atol(argv[++i]);
        else if (!strcmp(argv[i], "--thumbnail") && v)
            thumb = argv[++i];
        else if (!strcmp(argv[i], "--name") && v)
            name = argv[++i];
        else if (!strcmp(argv[i], "--pad") && v)
            pad = atol(argv[++i]);
        else if (!strcmp(argv[i], "--bad-limits"))
            bad = 1;
        else if (!strcmp(argv[i], "--too-fast"))
            fast = 1;
        else {
            fprintf(stderr, "ms_store_mkpkg: unexpected '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!keyfile || !id || !version) {
        fprintf(stderr, "ms_store_mkpkg: --key, --id and --version are needed\n");
        return 2;
    }
    if (!(model = mpk_robot_find(robot)))
        return fail(robot, MPK_ENOTFOUND);
    /* The last three joints (arms on humanoids), at the middle of their limits. */
    for (j = 0; j < nj; j++)
        joints[j] = model->joints[model->joint_count - nj + j].name;
    if ((rc = mpk_track_new(&track, robot, nj, joints, 50.0, (uint32_t)frames, 0)))
        return fail("track", rc);
    pos = mpk_track_positions(track);
    for (i = 0; i < frames; i++)
        for (j = 0; j < nj; j++) {
            const mpk_joint *jt = &model->joints[model->joint_count - nj + j];
            pos[i * nj + j] = (float)((jt->lower + jt->upper) / 2);
        }
    if (bad)
        pos[(frames / 2) * nj] = (float)(model->joints[model->joint_count - nj].upper + 1.0);
    if (fast) {
        const mpk_joint *jt = &model->joints[model->joint_count - nj];
        for (i = frames / 2; i < frames; i++)
            pos[i * nj] = (float)(jt->upper - 0.2);
    }
    if ((rc = mpk_track_serialize(&track_bytes, &track_size, track)))
        return fail("track", rc);
    mpk_sha256(digest, track_bytes, track_size);
    mpk_hex(hex, digest, sizeof(digest));
    inputs[n_inputs++] = (mpk_package_input){"motions/main.mpkt", track_bytes, track_size};
    files = json_pack("[{s:s, s:I, s:s}]", "path", "motions/main.mpkt", "size",
                      (json_int_t)track_size, "sha256", hex);
    if (thumb) {
        if (!(thumb_bytes = slurp(thumb, &thumb_size))) {
            perror(thumb);
            return 1;
        }
        mpk_sha256(digest, thumb_bytes, thumb_size);
        mpk_hex(hex, digest, sizeof(digest));
        inputs[n_inputs++] = (mpk_package_input){"assets/thumbnail.png", thumb_bytes, thumb_size};
        json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", "assets/thumbnail.png",
                                               "size", (json_int_t)thumb_size, "sha256", hex));
    }
    if (pad > 0) {
        FILE *r = fopen("/dev/urandom", "rb");
        pad_bytes = malloc((size_t)pad);
        if (!r || !pad_bytes || fread(pad_bytes, 1, (size_t)pad, r) != (size_t)pad) {
            fprintf(stderr, "ms_store_mkpkg: cannot make padding\n");
            return 1;
        }
        fclose(r);
        mpk_sha256(digest, pad_bytes, (size_t)pad);
        mpk_hex(hex, digest, sizeof(digest));
        inputs[n_inputs++] = (mpk_package_input){"assets/padding.bin", pad_bytes, (size_t)pad};
        json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", "assets/padding.bin",
                                               "size", (json_int_t)pad, "sha256", hex));
    }
    man = json_pack("{s:i, s:s, s:s, s:{s:s, s:s}, s:{s:s}, s:s, s:s, s:s, s:[s], s:[{s:s, "
                    "s:s, s:s, s:f, s:f, s:[s,s,s], s:b}], s:[], s:s, s:o}",
                    "format", MPK_MANIFEST_FORMAT, "id", id, "version", version, "name", "en", name,
                    "zh", "测试动作", "description", "en", "A motion for the store tests.",
                    "author", "Store Tests", "license", "MIT", "category", "gesture", "robots",
                    robot, "motions", "name", "main", "file", "motions/main.mpkt", "robot", robot,
                    "duration", (double)(frames - 1) / 50.0, "rate", 50.0, "joints", joints[0],
                    joints[1], joints[2], "loopable", 0, "permissions", "min_runtime", "0.1.0",
                    "files", files);
    if (thumb)
        json_object_set_new(man, "thumbnail", json_string("assets/thumbnail.png"));
    text = json_dumps(man, JSON_COMPACT);
    json_decref(man);
    if ((rc = mpk_manifest_parse(&m, text, strlen(text))))
        return fail("manifest", rc);
    if ((rc = mpk_key_load(&key, keyfile)))
        return fail(keyfile, rc);
    if ((rc = mpk_package_write(out, m, inputs, n_inputs, key)))
        return fail(out, rc);
    free(text);
    free(track_bytes);
    free(thumb_bytes);
    free(pad_bytes);
    mpk_track_free(track);
    mpk_manifest_free(m);
    mpk_key_free(key);
    return 0;
}
