/*
 * Test and benchmark helper: builds signed packages and a TUF store repository laid out like
 * mstore-server's (metadata/N.role.json, targets/<sha256>.name, consistent snapshots), with the
 * catalog format of docs/store-server.md, using only libmpk and libmstore's metadata writer.
 * It can also publish what a malicious or broken store would: expired or wrongly signed metadata,
 * rolled-back versions, raw files as packages.
 *
 *   mstore_testrepo genkey KEY.pem
 *   mstore_testrepo mkpkg OUT.mpk --key KEY.pem --id ID --version V [--robot M]...
 *                   [--min-runtime V] [--pad BYTES] [--frames N]
 *   mstore_testrepo init REPO
 *   mstore_testrepo add REPO FILE [--id ID --version V --key-id K --robot M]  (raw files need
 *                   the catalog fields; a real package gives them itself)
 *   mstore_testrepo publish REPO [--expires SECONDS] [--wrong-key ROLE] [--unsigned ROLE]
 *                   [--previous-key-ids ID=KEYID] [--synthetic N] [--version-of ROLE=N]
 *   mstore_testrepo yank REPO ID VERSION   (the next publish no longer offers that version)
 *
 * --synthetic N adds N catalog entries (and targets) for packages that do not exist, to measure
 * `mstore update` on large catalogs.
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "mpk/mpk.h"
#include "mstore/mstore.h"

static const char *const roles[] = {"root", "targets", "snapshot", "timestamp"};

static int die(const char *what, const char *msg)
{
    fprintf(stderr, "mstore_testrepo: %s: %s\n", what, msg);
    exit(1);
}

static int mcheck(int rc, const char *what)
{
    if (rc)
        die(what, *mstore_error_message() ? mstore_error_message() : mstore_strerror(rc));
    return rc;
}

static int pcheck(int rc, const char *what)
{
    if (rc)
        die(what, *mpk_error_message() ? mpk_error_message() : mpk_strerror(rc));
    return rc;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0)
        die("fmt", "out of memory");
    va_end(ap);
    return s;
}

static void mkdirs(const char *path)
{
    char *p = strdup(path);

    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
    free(p);
}

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;

    if (!f)
        die(path, strerror(errno));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        die(path, "read failed");
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static void spit(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");

    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        die(path, "write failed");
}

/* ---- packages ---------------------------------------------------------------------------- */

static int cmd_genkey(const char *path)
{
    mpk_key *key = NULL;
    char *pub = fmt("%s.pub", path);

    pcheck(mpk_key_generate(&key), "genkey");
    pcheck(mpk_key_save_private(key, path), path);
    pcheck(mpk_key_save_public(key, pub), pub);
    mpk_key_free(key);
    free(pub);
    return 0;
}

static int cmd_mkpkg(int argc, char **argv)
{
    const char *out = argv[0], *keyfile = NULL, *id = NULL, *version = NULL, *min_rt = "0.1.0";
    const char *robots[8];
    size_t n_robots = 0;
    long pad = 0, frames = 50;
    const mpk_robot_model *model;
    const char *joints[3];
    mpk_track *track = NULL;
    mpk_manifest *m = NULL;
    mpk_key *key = NULL;
    void *track_bytes = NULL;
    unsigned char *pad_bytes = NULL;
    size_t track_size = 0;
    mpk_package_input inputs[8];
    static const char *const pad_names[] = {"assets/pad0.bin", "assets/pad1.bin", "assets/pad2.bin",
                                            "assets/pad3.bin", "assets/pad4.bin", "assets/pad5.bin",
                                            "assets/pad6.bin"};
    size_t n_inputs = 0;
    json_t *man, *rob, *files;
    char *text;
    float *pos;
    int nj = 3;

    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            die(argv[i], "needs a value");
        if (!strcmp(argv[i], "--key"))
            keyfile = argv[++i];
        else if (!strcmp(argv[i], "--id"))
            id = argv[++i];
        else if (!strcmp(argv[i], "--version"))
            version = argv[++i];
        else if (!strcmp(argv[i], "--robot") && n_robots < 8)
            robots[n_robots++] = argv[++i];
        else if (!strcmp(argv[i], "--min-runtime"))
            min_rt = argv[++i];
        else if (!strcmp(argv[i], "--pad"))
            pad = atol(argv[++i]);
        else if (!strcmp(argv[i], "--frames"))
            frames = atol(argv[++i]);
        else
            die(argv[i], "unknown option");
    }
    if (!keyfile || !id || !version)
        die("mkpkg", "--key, --id and --version are needed");
    if (!n_robots)
        robots[n_robots++] = "g1-29dof";
    if (!(model = mpk_robot_find(robots[0])))
        die(robots[0], "unknown robot model");
    for (int j = 0; j < nj; j++)
        joints[j] = model->joints[model->joint_count - nj + j].name;
    pcheck(mpk_track_new(&track, robots[0], nj, joints, 50.0, (uint32_t)frames, 0), "track");
    pos = mpk_track_positions(track);
    for (long i = 0; i < frames; i++)
        for (int j = 0; j < nj; j++) {
            const mpk_joint *jt = &model->joints[model->joint_count - nj + j];
            pos[i * nj + j] = (float)((jt->lower + jt->upper) / 2);
        }
    pcheck(mpk_track_serialize(&track_bytes, &track_size, track), "track");
    inputs[n_inputs++] = (mpk_package_input){"motions/main.mpkt", track_bytes, track_size};
    if (pad > 0) {
        /* Random bytes: incompressible, so the .mpk is as large as asked; in files of at most
         * 64 MB, below libmpk's per-entry limit. */
        FILE *r = fopen("/dev/urandom", "rb");
        pad_bytes = malloc((size_t)pad);
        if (!r || !pad_bytes || fread(pad_bytes, 1, (size_t)pad, r) != (size_t)pad)
            die("pad", "cannot read /dev/urandom");
        fclose(r);
        for (long off = 0, k = 0; off < pad && n_inputs < 8; k++) {
            long chunk = pad - off > 64000000 ? 64000000 : pad - off;
            inputs[n_inputs++] = (mpk_package_input){pad_names[k], pad_bytes + off, (size_t)chunk};
            off += chunk;
        }
    }
    rob = json_array();
    for (size_t i = 0; i < n_robots; i++)
        json_array_append_new(rob, json_string(robots[i]));
    files = json_array();
    man = json_pack("{s:i, s:s, s:s, s:{s:s, s:s}, s:{s:s}, s:s, s:s, s:s, s:o, s:[{s:s, "
                    "s:s, s:s, s:f, s:f, s:[s,s,s], s:b}], s:[], s:s, s:o}",
                    "format", MPK_MANIFEST_FORMAT, "id", id, "version", version, "name", "en",
                    "Test wave", "zh", "测试", "description", "en",
                    "A motion for the store client tests.", "author", "Client Tests", "license",
                    "MIT", "category", "gesture", "robots", rob, "motions", "name", "main", "file",
                    "motions/main.mpkt", "robot", robots[0], "duration",
                    (double)(frames - 1) / 50.0, "rate", 50.0, "joints", joints[0], joints[1],
                    joints[2], "loopable", 0, "permissions", "min_runtime", min_rt, "files", files);
    text = json_dumps(man, JSON_COMPACT);
    json_decref(man);
    /* mpk_package_write fills the files list; the manifest parser wants one entry per input. */
    {
        json_t *parsed = json_loads(text, 0, NULL), *fl = json_object_get(parsed, "files");
        for (size_t i = 0; i < n_inputs; i++) {
            unsigned char d[32];
            char hex[65];
            mpk_sha256(d, inputs[i].data, inputs[i].size);
            mpk_hex(hex, d, 32);
            json_array_append_new(fl, json_pack("{s:s, s:I, s:s}", "path", inputs[i].path, "size",
                                                (json_int_t)inputs[i].size, "sha256", hex));
        }
        free(text);
        text = json_dumps(parsed, JSON_COMPACT);
        json_decref(parsed);
    }
    pcheck(mpk_manifest_parse(&m, text, strlen(text)), "manifest");
    pcheck(mpk_key_load(&key, keyfile), keyfile);
    pcheck(mpk_package_write(out, m, inputs, n_inputs, key), out);
    free(text);
    free(track_bytes);
    free(pad_bytes);
    mpk_track_free(track);
    mpk_manifest_free(m);
    mpk_key_free(key);
    return 0;
}

/* ---- repository -------------------------------------------------------------------------- */

static mstore_key *load_role_key(const char *repo, const char *role)
{
    char *p = fmt("%s/keys/%s.json", repo, role);
    mstore_key *k = NULL;

    mcheck(mstore_key_load_private(&k, p), p);
    free(p);
    return k;
}

static json_t *load_json(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);

    if (!j)
        die(path, err.text);
    return j;
}

static void save_json(const char *path, json_t *j)
{
    if (json_dump_file(j, path, JSON_INDENT(1) | JSON_SORT_KEYS) != 0)
        die(path, "write failed");
}

static void write_md(const char *repo, const char *name, const mstore_metadata *md, char **bytes,
                     size_t *size)
{
    char *p = fmt("%s/metadata/%s", repo, name);

    mcheck(mstore_metadata_to_bytes(bytes, size, md), name);
    spit(p, *bytes, *size);
    free(p);
}

static int cmd_init(const char *repo)
{
    mstore_metadata *root = NULL;
    char *p, *bytes;
    size_t size;
    json_t *state;

    p = fmt("%s/keys", repo);
    mkdirs(p);
    free(p);
    p = fmt("%s/metadata", repo);
    mkdirs(p);
    free(p);
    p = fmt("%s/targets", repo);
    mkdirs(p);
    free(p);
    p = fmt("%s/pool", repo);
    mkdirs(p);
    free(p);
    mcheck(mstore_metadata_new(&root, MSTORE_ROLE_ROOT, (int64_t)time(NULL) + 365 * 86400), "root");
    for (int i = 0; i < 5; i++) {
        /* The four roles, and a spare "wrong" key that no role trusts. */
        const char *name = i < 4 ? roles[i] : "wrong";
        mstore_key *k = NULL;
        p = fmt("%s/keys/%s.json", repo, name);
        mcheck(mstore_key_generate(&k, MSTORE_SCHEME_ECDSA_P256), "key");
        mcheck(mstore_key_save_private(k, p), p);
        if (i < 4)
            mcheck(mstore_root_add_key(root, name, k), "root key");
        mstore_key_free(k);
        free(p);
    }
    {
        mstore_key *rk = load_role_key(repo, "root");
        mcheck(mstore_metadata_sign(root, rk), "sign root");
        mstore_key_free(rk);
    }
    write_md(repo, "1.root.json", root, &bytes, &size);
    free(bytes);
    write_md(repo, "root.json", root, &bytes, &size);
    free(bytes);
    mstore_metadata_free(root);
    state = json_pack("{s:[], s:i, s:i, s:i}", "pool", "targets", 0, "snapshot", 0, "timestamp", 0);
    p = fmt("%s/state.json", repo);
    save_json(p, state);
    free(p);
    json_decref(state);
    return 0;
}

static int cmd_add(int argc, char **argv)
{
    const char *repo = argv[0], *file = argv[1], *id = NULL, *version = NULL, *key_id = NULL;
    const char *robot = "g1-29dof", *min_rt = NULL;
    char *statep = fmt("%s/state.json", repo), *dst;
    json_t *state = load_json(statep), *entry;
    mpk_package *pkg = NULL;
    unsigned char *data;
    size_t size;

    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--id"))
            id = argv[i + 1];
        else if (!strcmp(argv[i], "--version"))
            version = argv[i + 1];
        else if (!strcmp(argv[i], "--key-id"))
            key_id = argv[i + 1];
        else if (!strcmp(argv[i], "--robot"))
            robot = argv[i + 1];
        else if (!strcmp(argv[i], "--min-runtime"))
            min_rt = argv[i + 1];
        else
            die(argv[i], "unknown option");
    }
    entry = json_object();
    if (mpk_package_open(&pkg, file) == MPK_OK) {
        const mpk_manifest *m = mpk_package_manifest(pkg);
        json_t *rob = json_array(), *names = json_object(), *desc = json_object();
        for (size_t i = 0; i < m->robot_count; i++)
            json_array_append_new(rob, json_string(m->robots[i]));
        for (size_t i = 0; i < m->name_count; i++)
            json_object_set_new(names, m->names[i].lang, json_string(m->names[i].text));
        for (size_t i = 0; i < m->description_count; i++)
            json_object_set_new(desc, m->descriptions[i].lang,
                                json_string(m->descriptions[i].text));
        json_object_set_new(entry, "id", json_string(id ? id : m->id));
        json_object_set_new(entry, "version", json_string(version ? version : m->version));
        json_object_set_new(entry, "key_id",
                            json_string(key_id ? key_id : mpk_package_key_id(pkg)));
        json_object_set_new(entry, "robots", rob);
        json_object_set_new(entry, "names", names);
        json_object_set_new(entry, "descriptions", desc);
        json_object_set_new(entry, "category", json_string(m->category));
        if (m->min_runtime || min_rt)
            json_object_set_new(entry, "min_runtime",
                                json_string(min_rt ? min_rt : m->min_runtime));
        mpk_package_free(pkg);
    } else {
        if (!id || !version || !key_id)
            die(file, "not a valid package: --id, --version and --key-id are needed");
        json_object_set_new(entry, "id", json_string(id));
        json_object_set_new(entry, "version", json_string(version));
        json_object_set_new(entry, "key_id", json_string(key_id));
        json_object_set_new(entry, "robots", json_pack("[s]", robot));
        json_object_set_new(entry, "names", json_pack("{s:s}", "en", id));
        json_object_set_new(entry, "descriptions", json_pack("{s:s}", "en", "raw test file"));
        json_object_set_new(entry, "category", json_string("gesture"));
        if (min_rt)
            json_object_set_new(entry, "min_runtime", json_string(min_rt));
    }
    data = slurp(file, &size);
    dst = fmt("%s/pool/%s-%s.mpk", repo, json_string_value(json_object_get(entry, "id")),
              json_string_value(json_object_get(entry, "version")));
    spit(dst, data, size);
    json_object_set_new(entry, "file", json_string(dst));
    /* Replace an entry of the same id and version. */
    {
        json_t *pool = json_object_get(state, "pool"), *e;
        size_t i;
        json_array_foreach(pool, i, e)
        {
            if (json_equal(json_object_get(e, "id"), json_object_get(entry, "id")) &&
                json_equal(json_object_get(e, "version"), json_object_get(entry, "version"))) {
                json_array_remove(pool, i);
                break;
            }
        }
        json_array_append_new(pool, entry);
    }
    save_json(statep, state);
    json_decref(state);
    free(data);
    free(dst);
    free(statep);
    return 0;
}

static int cmd_yank(const char *repo, const char *id, const char *version)
{
    char *statep = fmt("%s/state.json", repo);
    json_t *state = load_json(statep), *pool = json_object_get(state, "pool"), *e;
    size_t i;
    int found = 0;

    json_array_foreach(pool, i, e)
    {
        if (!strcmp(json_string_value(json_object_get(e, "id")), id) &&
            !strcmp(json_string_value(json_object_get(e, "version")), version)) {
            json_array_remove(pool, i);
            found = 1;
            break;
        }
    }
    if (!found)
        die(id, "no such version in the pool");
    save_json(statep, state);
    json_decref(state);
    free(statep);
    return 0;
}

static void place_target(const char *repo, const char *path, const void *data, size_t size)
{
    char hex[MSTORE_HASH_HEX_MAX], *dir, *dst;
    const char *slash = strrchr(path, '/');

    mcheck(mstore_hash_data(hex, "sha256", data, size), path);
    dir = slash ? fmt("%s/targets/%.*s", repo, (int)(slash - path), path) : fmt("%s/targets", repo);
    mkdirs(dir);
    dst = fmt("%s/%s.%s", dir, hex, slash ? slash + 1 : path);
    spit(dst, data, size);
    free(dir);
    free(dst);
}

static void sign_role(mstore_metadata *md, const char *repo, const char *role, const char *wrong,
                      const char *unsigned_role)
{
    mstore_key *k;

    if (unsigned_role && !strcmp(unsigned_role, role))
        return;
    k = load_role_key(repo, wrong && !strcmp(wrong, role) ? "wrong" : role);
    mcheck(mstore_metadata_sign(md, k), role);
    mstore_key_free(k);
}

static int by_id_version(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(json_string_value(json_object_get(x, "id")),
                   json_string_value(json_object_get(y, "id")));

    return c ? c
             : mpk_semver_compare(json_string_value(json_object_get(x, "version")),
                                  json_string_value(json_object_get(y, "version")));
}

static int cmd_publish(int argc, char **argv)
{
    const char *repo = argv[0], *wrong = NULL, *unsigned_role = NULL;
    long long expires_in = 30 * 86400;
    long synthetic = 0;
    char *statep = fmt("%s/state.json", repo), *bytes = NULL, *name, *cat_text;
    json_t *state = load_json(statep), *pool = json_object_get(state, "pool");
    json_t *prev_keys = json_object(), *force = json_object();
    json_t *packages = json_array(), *cur = NULL;
    mstore_metadata *targets = NULL, *snapshot = NULL, *timestamp = NULL;
    size_t n = json_array_size(pool), size, i;
    json_t **items = calloc(n ? n : 1, sizeof(*items));
    int64_t tv, sv, tsv, tv0, sv0, tsv0;

    for (int k = 1; k + 1 < argc; k += 2) {
        if (!strcmp(argv[k], "--expires"))
            expires_in = atoll(argv[k + 1]);
        else if (!strcmp(argv[k], "--wrong-key"))
            wrong = argv[k + 1];
        else if (!strcmp(argv[k], "--unsigned"))
            unsigned_role = argv[k + 1];
        else if (!strcmp(argv[k], "--synthetic"))
            synthetic = atol(argv[k + 1]);
        else if (!strcmp(argv[k], "--previous-key-ids") && strchr(argv[k + 1], '=')) {
            char *copy = strdup(argv[k + 1]), *eq = strchr(copy, '=');
            *eq = '\0';
            json_object_set_new(prev_keys, copy, json_pack("[s]", eq + 1));
            free(copy);
        } else if (!strcmp(argv[k], "--version-of") && strchr(argv[k + 1], '=')) {
            char *copy = strdup(argv[k + 1]), *eq = strchr(copy, '=');
            *eq = '\0';
            json_object_set_new(force, copy, json_integer(atoll(eq + 1)));
            free(copy);
        } else
            die(argv[k], "unknown option");
    }
    mcheck(mstore_metadata_new(&targets, MSTORE_ROLE_TARGETS, (int64_t)time(NULL) + expires_in),
           "targets");
    for (i = 0; i < n; i++)
        items[i] = json_array_get(pool, i);
    qsort(items, n, sizeof(*items), by_id_version);
    for (i = 0; i < n; i++) {
        const char *id = json_string_value(json_object_get(items[i], "id"));
        const char *ver = json_string_value(json_object_get(items[i], "version"));
        const char *file = json_string_value(json_object_get(items[i], "file"));
        char *target = fmt("packages/%s/%s-%s.mpk", id, id, ver), hex[MSTORE_HASH_HEX_MAX];
        unsigned char *data = slurp(file, &size);
        json_t *custom, *v;
        mcheck(mstore_hash_data(hex, "sha256", data, size), file);
        place_target(repo, target, data, size);
        custom = json_pack("{s:s, s:s, s:O}", "id", id, "version", ver, "key_id",
                           json_object_get(items[i], "key_id"));
        mcheck(mstore_targets_add(targets, target, size, &(mstore_hash){"sha256", hex}, 1, custom),
               target);
        json_decref(custom);
        if (!cur || strcmp(json_string_value(json_object_get(cur, "id")), id) != 0) {
            cur = json_pack("{s:s, s:[]}", "id", id, "versions");
            json_array_append_new(packages, cur);
        }
        v = json_pack("{s:s, s:s, s:I, s:s, s:O, s:O, s:s, s:[]}", "version", ver, "target", target,
                      "size", (json_int_t)size, "sha256", hex, "key_id",
                      json_object_get(items[i], "key_id"), "robots",
                      json_object_get(items[i], "robots"), "published", "2026-01-01T00:00:00Z",
                      "permissions");
        if (json_object_get(items[i], "min_runtime"))
            json_object_set(v, "min_runtime", json_object_get(items[i], "min_runtime"));
        json_array_append_new(json_object_get(cur, "versions"), v);
        /* Package-level fields follow the newest version (the pool is sorted). */
        json_object_set(cur, "latest", json_object_get(items[i], "version"));
        json_object_set(cur, "key_id", json_object_get(items[i], "key_id"));
        json_object_set(cur, "names", json_object_get(items[i], "names"));
        json_object_set(cur, "descriptions", json_object_get(items[i], "descriptions"));
        json_object_set(cur, "category", json_object_get(items[i], "category"));
        json_object_set(cur, "robots", json_object_get(items[i], "robots"));
        json_object_set_new(cur, "size", json_integer((json_int_t)size));
        json_object_set_new(cur, "developer", json_string("Client Tests"));
        if (json_object_get(prev_keys, id))
            json_object_set(cur, "previous_key_ids", json_object_get(prev_keys, id));
        free(target);
        free(data);
    }
    /* Synthetic entries: catalog and targets grow as with that many real packages. */
    for (long s = 0; s < synthetic; s++) {
        char *id = fmt("org.synthetic.p%06ld", s);
        char *target = fmt("packages/%s/%s-1.0.0.mpk", id, id);
        char hex[65];
        snprintf(hex, sizeof(hex), "%064lx", s + 1);
        mcheck(mstore_targets_add(targets, target, 1000 + (uint64_t)s,
                                  &(mstore_hash){"sha256", hex}, 1, NULL),
               target);
        json_array_append_new(
            packages,
            json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s}, s:[s], s:I, s:s, "
                      "s:[{s:s, s:s, s:I, s:s, s:s, s:[s], s:s, s:s, s:[]}]}",
                      "id", id, "latest", "1.0.0", "key_id", hex, "category", "dance", "names",
                      "en", "Synthetic dance", "zh", "合成舞蹈", "descriptions", "en",
                      "A synthetic package for the catalog benchmarks, with a description of "
                      "about the usual length.",
                      "robots", "g1-29dof", "size", (json_int_t)(1000 + s), "developer", "Bench",
                      "versions", "version", "1.0.0", "target", target, "size",
                      (json_int_t)(1000 + s), "sha256", hex, "key_id", hex, "robots", "g1-29dof",
                      "min_runtime", "0.1.0", "published", "2026-01-01T00:00:00Z", "permissions"));
        free(id);
        free(target);
    }
    {
        json_t *cat = json_pack("{s:i, s:s, s:o}", "format", 1, "generated", "2026-01-01T00:00:00Z",
                                "packages", packages);
        cat_text = json_dumps(cat, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(cat);
        place_target(repo, "catalog.json", cat_text, strlen(cat_text));
        mcheck(mstore_targets_add_data(targets, "catalog.json", cat_text, strlen(cat_text), NULL),
               "catalog");
        free(cat_text);
    }
    tv = tv0 = json_integer_value(json_object_get(state, "targets")) + 1;
    sv = sv0 = json_integer_value(json_object_get(state, "snapshot")) + 1;
    tsv = tsv0 = json_integer_value(json_object_get(state, "timestamp")) + 1;
    if (json_object_get(force, "targets"))
        tv = json_integer_value(json_object_get(force, "targets"));
    if (json_object_get(force, "snapshot"))
        sv = json_integer_value(json_object_get(force, "snapshot"));
    if (json_object_get(force, "timestamp"))
        tsv = json_integer_value(json_object_get(force, "timestamp"));
    mcheck(mstore_metadata_set_version(targets, tv), "targets version");
    sign_role(targets, repo, "targets", wrong, unsigned_role);
    name = fmt("%lld.targets.json", (long long)tv);
    write_md(repo, name, targets, &bytes, &size);
    free(name);
    mcheck(mstore_metadata_new(&snapshot, MSTORE_ROLE_SNAPSHOT, (int64_t)time(NULL) + expires_in),
           "snapshot");
    mcheck(mstore_snapshot_set_meta(snapshot, "targets.json", tv, NULL, 0), "snapshot meta");
    mcheck(mstore_metadata_set_version(snapshot, sv), "snapshot version");
    sign_role(snapshot, repo, "snapshot", wrong, unsigned_role);
    free(bytes);
    name = fmt("%lld.snapshot.json", (long long)sv);
    write_md(repo, name, snapshot, &bytes, &size);
    free(name);
    mcheck(mstore_metadata_new(&timestamp, MSTORE_ROLE_TIMESTAMP, (int64_t)time(NULL) + expires_in),
           "timestamp");
    mcheck(mstore_timestamp_set_snapshot(timestamp, sv, bytes, size), "timestamp meta");
    mcheck(mstore_metadata_set_version(timestamp, tsv), "timestamp version");
    sign_role(timestamp, repo, "timestamp", wrong, unsigned_role);
    free(bytes);
    write_md(repo, "timestamp.json", timestamp, &bytes, &size);
    free(bytes);
    /* A forced (rolled-back) version does not move the counters back: the next honest publish
     * goes on from the highest version ever published. */
    json_object_set_new(state, "targets", json_integer(tv > tv0 ? tv : tv0));
    json_object_set_new(state, "snapshot", json_integer(sv > sv0 ? sv : sv0));
    json_object_set_new(state, "timestamp", json_integer(tsv > tsv0 ? tsv : tsv0));
    save_json(statep, state);
    mstore_metadata_free(targets);
    mstore_metadata_free(snapshot);
    mstore_metadata_free(timestamp);
    json_decref(state);
    json_decref(prev_keys);
    json_decref(force);
    free(items);
    free(statep);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "genkey"))
        return cmd_genkey(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "mkpkg"))
        return cmd_mkpkg(argc - 2, argv + 2);
    if (argc == 3 && !strcmp(argv[1], "init"))
        return cmd_init(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "add"))
        return cmd_add(argc - 2, argv + 2);
    if (argc >= 3 && !strcmp(argv[1], "publish"))
        return cmd_publish(argc - 2, argv + 2);
    if (argc == 5 && !strcmp(argv[1], "yank"))
        return cmd_yank(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: see the comment at the top of tests/store-client/mstore_testrepo.c\n");
    return 2;
}
