/* mstore: the robot's store client. `mstore --help` and docs/mstore.md describe it. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "robot_cmds.h"

static atomic_int g_cancel;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&g_cancel, 1);
}

static const char usage[] =
    "usage: mstore [--root DIR] [--json] [--quiet] [--verbose] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  update                          refresh the signed metadata and the catalog\n"
    "  search [TEXT] [--category C] [--robot M | --all-robots]\n"
    "                                  search the catalog (default: this robot's model)\n"
    "  info ID                         a package's details and versions\n"
    "  install ID[@VERSION]...         install from the store\n"
    "  install FILE.mpk --metadata DIR install a package handed over with the signed metadata\n"
    "  upgrade [ID]                    upgrade one or every installed package\n"
    "  rollback ID                     switch back to the previous version\n"
    "  remove ID                       remove a package\n"
    "  list                            installed packages\n"
    "  verify [ID]                     re-check installed files against their signed manifest\n"
    "  play ID, stop, status           control motiond over its Unix socket (mstore play --help)\n"
    "\n"
    "options:\n"
    "  --root DIR     everything under DIR (also $MSTORE_ROOT): DIR/etc/motionstore/,\n"
    "                 DIR/var/lib/motionstore/, DIR/var/cache/motionstore/\n"
    "  --json         machine-readable output (errors too, on stdout)\n"
    "  --quiet        no progress bar\n"
    "  --verbose      log TUF and install decisions on stderr\n"
    "  --wait SEC     wait up to SEC seconds for another installer to finish\n"
    "\n"
    "exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 security check failed (signature,\n"
    "hash, length, rollback, expiry), 5 network, 6 busy, 7 not for this robot or runtime,\n"
    "8 no disk space, 9 malformed package or data, 10 canceled\n";

typedef struct ctx {
    cli_out out;
    mstore_client *client;
    cli_progress *progress;
} ctx;

static void log_line(void *unused, const char *line)
{
    (void)unused;
    fprintf(stderr, "mstore: %s\n", line);
}

static json_t *texts_json(const mstore_text *t, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, t[i].lang, json_string(t[i].text));
    return o;
}

static json_t *strings_json(const char *const *s, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

static int cmd_update(ctx *x)
{
    int rc = mstore_client_update(x->client);

    if (rc)
        return rc;
    if (x->out.json)
        cli_json(json_pack("{s:b}", "updated", 1));
    else if (!x->out.quiet)
        printf("metadata and catalog are up to date\n");
    return MSTORE_OK;
}

static int cmd_search(ctx *x, int argc, char **argv)
{
    mstore_search_query q = {0};
    const mstore_catalog *cat;
    size_t *hits = NULL, n = 0;
    bool all = false;
    json_t *arr;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--category") && i + 1 < argc)
            q.category = argv[++i];
        else if (!strcmp(argv[i], "--robot") && i + 1 < argc)
            q.robot = argv[++i];
        else if (!strcmp(argv[i], "--all-robots"))
            all = true;
        else if (argv[i][0] != '-' && !q.text)
            q.text = argv[i];
        else {
            fprintf(stderr, "mstore search: unexpected '%s' (see mstore --help)\n", argv[i]);
            return MSTORE_EINVAL;
        }
    }
    if (!q.robot && !all)
        q.robot = mstore_client_robot(x->client);
    if ((rc = mstore_client_catalog(&cat, x->client)) ||
        (rc = mstore_catalog_search(&hits, &n, cat, &q)))
        return rc;
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const mstore_catalog_package *p = mstore_catalog_at(cat, hits[i]);
        const char *name = mstore_text_pick(p->names, p->n_names, "en");
        if (x->out.json)
            json_array_append_new(
                arr, json_pack("{s:s, s:s?, s:s?, s:s, s:o, s:I}", "id", p->id, "name", name,
                               "category", p->category, "latest", p->latest, "robots",
                               strings_json(p->robots, p->n_robots), "size", (json_int_t)p->size));
        else
            printf("%-40s %-12s %-10s %s\n", p->id, p->latest, p->category ? p->category : "-",
                   name ? name : "");
    }
    if (x->out.json)
        cli_json(json_pack("{s:o}", "packages", arr));
    else
        json_decref(arr);
    free(hits);
    return MSTORE_OK;
}

static int cmd_info(ctx *x, const char *id)
{
    const mstore_catalog *cat;
    const mstore_catalog_package *p;
    json_t *vers;
    int rc;

    if ((rc = mstore_client_catalog(&cat, x->client)))
        return rc;
    if (!(p = mstore_catalog_find(cat, id))) {
        fprintf(stderr, "mstore info: %s: not in the catalog\n", id);
        return MSTORE_ENOTFOUND;
    }
    vers = json_array();
    for (size_t i = 0; i < p->n_versions; i++) {
        const mstore_catalog_version *v = &p->versions[i];
        json_array_append_new(
            vers, json_pack("{s:s, s:I, s:s?, s:s, s:o, s:s?, s:b}", "version", v->version, "size",
                            (json_int_t)v->size, "min_runtime", v->min_runtime, "key_id", v->key_id,
                            "robots", strings_json(v->robots, v->n_robots), "published",
                            v->published, "fits",
                            mstore_catalog_version_fits(v, mstore_client_robot(x->client),
                                                        mstore_client_runtime_version(x->client))));
    }
    if (x->out.json) {
        cli_json(json_pack("{s:s, s:o, s:o, s:s?, s:s?, s:s?, s:s, s:s?, s:o}", "id", p->id,
                           "names", texts_json(p->names, p->n_names), "descriptions",
                           texts_json(p->descriptions, p->n_descriptions), "category", p->category,
                           "developer", p->developer, "author", p->author, "latest", p->latest,
                           "key_id", p->key_id, "versions", vers));
        return MSTORE_OK;
    }
    printf("%s  %s\n", p->id, mstore_text_pick(p->names, p->n_names, "en"));
    printf("  %s\n", mstore_text_pick(p->descriptions, p->n_descriptions, "en")
                         ? mstore_text_pick(p->descriptions, p->n_descriptions, "en")
                         : "");
    printf("  category: %s  developer: %s  key: %s\n", p->category ? p->category : "-",
           p->developer ? p->developer : "-", p->key_id ? p->key_id : "-");
    printf("  versions:\n");
    for (size_t i = 0; i < json_array_size(vers); i++) {
        json_t *v = json_array_get(vers, i);
        printf("    %-14s %10lld bytes  %s\n", json_string_value(json_object_get(v, "version")),
               (long long)json_integer_value(json_object_get(v, "size")),
               json_is_true(json_object_get(v, "fits")) ? "fits this robot" : "not for this robot");
    }
    json_decref(vers);
    return MSTORE_OK;
}

/* {"id", "version"} of a package just installed: the version now current, which the command line
 * may not have named. */
static json_t *installed_entry(ctx *x, const char *id)
{
    mstore_installed *list = NULL;
    size_t n = 0;
    json_t *entry = json_pack("{s:s}", "id", id);

    if (mstore_client_list(&list, &n, x->client) == MSTORE_OK)
        for (size_t i = 0; i < n; i++)
            if (!strcmp(list[i].id, id))
                json_object_set_new(entry, "version", json_string(list[i].version));
    mstore_installed_free(list, n);
    return entry;
}

static int cmd_install(ctx *x, int argc, char **argv)
{
    const char *metadata = NULL;
    json_t *done = json_array();
    int rc = MSTORE_OK, n = 0;

    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--metadata") && i + 1 < argc) {
            metadata = argv[++i];
            argv[i - 1] = argv[i] = NULL;
        }
    for (int i = 0; i < argc && !rc; i++) {
        char *arg = argv[i], *at, id[256];
        const char *version = NULL;
        if (!arg)
            continue;
        n++;
        if (metadata || (strlen(arg) > 4 && !strcmp(arg + strlen(arg) - 4, ".mpk"))) {
            if (!metadata) {
                fprintf(stderr, "mstore install: %s: a package file needs --metadata DIR\n", arg);
                rc = MSTORE_EINVAL;
                break;
            }
            rc = mstore_client_install_file(x->client, arg, metadata);
            if (!rc)
                json_array_append_new(done, json_pack("{s:s}", "file", arg));
            continue;
        }
        snprintf(id, sizeof(id), "%s", arg);
        if ((at = strchr(id, '@'))) {
            *at = '\0';
            version = at + 1;
        }
        rc = mstore_client_install(x->client, id, version);
        if (!rc)
            json_array_append_new(done, installed_entry(x, id));
    }
    if (!n) {
        fprintf(stderr, "mstore install: nothing to install (see mstore --help)\n");
        rc = MSTORE_EINVAL;
    }
    cli_progress_finish(x->progress);
    x->progress = NULL;
    if (!rc && x->out.json)
        cli_json(json_pack("{s:o}", "installed", done));
    else
        json_decref(done);
    if (!rc && !x->out.json && !x->out.quiet)
        printf("installed\n");
    return rc;
}

static int cmd_list(ctx *x)
{
    mstore_installed *list = NULL;
    size_t n = 0;
    json_t *arr = json_array();
    int rc = mstore_client_list(&list, &n, x->client);

    if (rc) {
        json_decref(arr);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        const mstore_installed *it = &list[i];
        if (x->out.json)
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s?, s:s}", "id", it->id, "version",
                               it->version, "previous", it->previous, "key_id", it->key_id,
                               "installed", it->installed, "name", it->name, "path", it->path));
        else
            printf("%-40s %-12s %-12s %s\n", it->id, it->version, it->previous ? it->previous : "-",
                   it->name ? it->name : "");
    }
    if (x->out.json)
        cli_json(json_pack("{s:o}", "installed", arr));
    else
        json_decref(arr);
    mstore_installed_free(list, n);
    return MSTORE_OK;
}

typedef struct verify_ctx {
    ctx *x;
    json_t *results;
} verify_ctx;

static void on_verified(void *p, const char *id, const char *version, int result,
                        const char *message)
{
    verify_ctx *v = p;

    json_array_append_new(v->results,
                          json_pack("{s:s, s:s, s:b, s:s}", "id", id, "version", version, "ok",
                                    result == MSTORE_OK, "message", message ? message : ""));
    if (!v->x->out.json)
        printf("%-40s %-12s %s%s%s\n", id, version, result ? "FAILED" : "ok", result ? ": " : "",
               result ? message : "");
}

static int cmd_verify(ctx *x, const char *id)
{
    verify_ctx v = {x, json_array()};
    int rc = mstore_client_verify(x->client, id, on_verified, &v);

    if (x->out.json && (rc == MSTORE_OK || json_array_size(v.results) > 0)) {
        cli_json(json_pack("{s:b, s:O}", "ok", rc == MSTORE_OK, "packages", v.results));
        json_decref(v.results);
        return rc == MSTORE_OK ? MSTORE_OK : -1000 + rc; /* already reported */
    }
    json_decref(v.results);
    return rc;
}

static int need_arg(const char *cmd, int argc, int want_min, int want_max)
{
    if (argc < want_min || argc > want_max) {
        fprintf(stderr, "mstore %s: wrong number of arguments (see mstore --help)\n", cmd);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    mstore_client_options o;
    ctx x = {0};
    const char *root = NULL, *cmd;
    struct sigaction sa;
    bool verbose = false;
    double wait_s = 0;
    int i, rc;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--root") && i + 1 < argc)
            root = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            x.out.json = true;
        else if (!strcmp(argv[i], "--quiet"))
            x.out.quiet = true;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = true;
        else if (!strcmp(argv[i], "--wait") && i + 1 < argc)
            wait_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--version")) {
            printf("mstore %s\n", mstore_version());
            return EXIT_OK;
        } else {
            fprintf(stderr, "mstore: unknown option '%s' (see mstore --help)\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    cmd = argv[i++];
    argc -= i;
    argv += i;
    if (!strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (cli_robot_command(cmd))
        return cli_robot_run(cmd, argc, argv, root, &x.out);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    mstore_client_options_init(&o);
    o.root = root;
    o.cancel = &g_cancel;
    o.lock_timeout_ms = (long)(wait_s * 1000);
    x.progress = cli_progress_new(!x.out.json && !x.out.quiet && isatty(STDERR_FILENO));
    o.progress = cli_progress_cb;
    o.progress_ctx = x.progress;
    if (verbose)
        o.log = log_line;
    if ((rc = mstore_client_open(&x.client, &o))) {
        cli_error(&x.out, cmd, rc);
        cli_progress_finish(x.progress);
        return cli_exit_code(rc);
    }
    if (!strcmp(cmd, "update") && need_arg(cmd, argc, 0, 0))
        rc = cmd_update(&x);
    else if (!strcmp(cmd, "search"))
        rc = cmd_search(&x, argc, argv);
    else if (!strcmp(cmd, "info") && need_arg(cmd, argc, 1, 1))
        rc = cmd_info(&x, argv[0]);
    else if (!strcmp(cmd, "install"))
        rc = cmd_install(&x, argc, argv);
    else if (!strcmp(cmd, "remove") && need_arg(cmd, argc, 1, 1))
        rc = mstore_client_remove(x.client, argv[0]);
    else if (!strcmp(cmd, "rollback") && need_arg(cmd, argc, 1, 1))
        rc = mstore_client_rollback(x.client, argv[0]);
    else if (!strcmp(cmd, "upgrade") && need_arg(cmd, argc, 0, 1)) {
        size_t n = 0;
        rc = mstore_client_upgrade(x.client, argc ? argv[0] : NULL, &n);
        if (!rc && x.out.json)
            cli_json(json_pack("{s:I}", "upgraded", (json_int_t)n));
        else if (!rc && !x.out.quiet)
            printf("%zu package%s upgraded\n", n, n == 1 ? "" : "s");
    } else if (!strcmp(cmd, "list") && need_arg(cmd, argc, 0, 0))
        rc = cmd_list(&x);
    else if (!strcmp(cmd, "verify") && need_arg(cmd, argc, 0, 1))
        rc = cmd_verify(&x, argc ? argv[0] : NULL);
    else if (!strcmp(cmd, "update") || !strcmp(cmd, "info") || !strcmp(cmd, "remove") ||
             !strcmp(cmd, "rollback") || !strcmp(cmd, "upgrade") || !strcmp(cmd, "list") ||
             !strcmp(cmd, "verify"))
        rc = MSTORE_EINVAL; /* need_arg() printed why */
    else {
        fprintf(stderr, "mstore: unknown command '%s' (see mstore --help)\n", cmd);
        rc = MSTORE_EINVAL;
    }
    cli_progress_finish(x.progress);
    x.progress = NULL;
    if (rc <= -1000) {
        rc += 1000; /* reported already in the command's own output */
    } else if (rc == MSTORE_OK) {
        if (!x.out.json && !x.out.quiet && (!strcmp(cmd, "remove") || !strcmp(cmd, "rollback")))
            printf("%s: done\n", cmd);
        else if (x.out.json && (!strcmp(cmd, "remove") || !strcmp(cmd, "rollback")))
            cli_json(json_pack("{s:s, s:s}", "done", cmd, "id", argv[0]));
    } else if (rc != MSTORE_EINVAL || *mstore_error_message()) {
        cli_error(&x.out, cmd, rc);
    }
    mstore_client_free(x.client);
    return cli_exit_code(rc);
}
