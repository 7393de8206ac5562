/* Repository commands: init, serve, publish, refresh, status, root and online key rotation. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "http.h"
#include "repo.h"
#include "util.h"

#define MAX_KEYS 32

int srv_cmd_init(const srv_cli *cli, int argc, char **argv)
{
    srv_init_options opt = {3, 2};
    srv_config cfg;
    const char *dir = cli->dir;
    int i, rc = SRV_EXIT_OK;

    srv_config_defaults(&cfg);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--root-keys") == 0 && v) {
            opt.root_keys = atoi(v);
            i++;
        } else if (strcmp(a, "--threshold") == 0 && v) {
            opt.root_threshold = atoi(v);
            i++;
        } else if (strcmp(a, "--review") == 0) {
            cfg.review = true;
        } else if (strcmp(a, "--port") == 0 && v) {
            cfg.port = atoi(v);
            i++;
        } else if (strcmp(a, "--listen") == 0 && v) {
            free(cfg.listen);
            cfg.listen = strdup(v);
            i++;
        } else if (strcmp(a, "--max-upload") == 0 && v) {
            cfg.max_upload = strtoull(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--expiry") == 0 && v) {
            /* ROLE=DAYS */
            const char *eq = strchr(v, '=');
            int r;
            for (r = 0; eq && r < SRV_ROLE_COUNT; r++)
                if (strlen(srv_role_name(r)) == (size_t)(eq - v) &&
                    strncmp(v, srv_role_name(r), (size_t)(eq - v)) == 0)
                    break;
            if (!eq || r == SRV_ROLE_COUNT || atoi(eq + 1) < 1) {
                srv_config_clear(&cfg);
                return srv_cli_usage("init", "--expiry ROLE=DAYS, ROLE one of root, targets, "
                                             "snapshot, timestamp");
            }
            cfg.expiry_days[r] = atoi(eq + 1);
            i++;
        } else if (a[0] != '-') {
            dir = a;
        } else {
            srv_config_clear(&cfg);
            return srv_cli_usage("init", "unknown option '%s'", a);
        }
    }
    if (!dir) {
        srv_config_clear(&cfg);
        return srv_cli_usage("init", "usage: init DIR [--root-keys N] [--threshold K] [--review]");
    }
    if (opt.root_keys < 1 || opt.root_keys > 16 || opt.root_threshold < 1 ||
        opt.root_threshold > opt.root_keys) {
        srv_config_clear(&cfg);
        return srv_cli_usage("init", "need 1 <= --threshold <= --root-keys <= 16");
    }
    cfg.root_threshold = opt.root_threshold;
    if (srv_repo_init(dir, &cfg, &opt)) {
        rc = srv_cli_fail("init", "%s", dir);
    } else {
        printf("store created in %s\n", dir);
        printf("root keys (%d of %d needed to sign root): %s/offline/root-*.json\n"
               "  move them to offline storage now; `root rotate` and `key rotate` need them.\n",
               opt.root_threshold, opt.root_keys, dir);
        printf("trusted root for clients: %s/repository/metadata/1.root.json\n", dir);
    }
    srv_config_clear(&cfg);
    return rc;
}

int srv_cmd_serve(const srv_cli *cli, int argc, char **argv)
{
    srv_cli local = *cli;
    const char *port_file = NULL, *port = NULL, *listen = NULL;
    srv_store *s = NULL;
    srv_http *http = NULL;
    sigset_t set;
    int i, sig, rc = SRV_EXIT_OK, serve_lock = -1;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = argv[++i];
        else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            listen = argv[++i];
        else if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
            port_file = argv[++i];
        else if (argv[i][0] != '-')
            local.dir = argv[i];
        else
            return srv_cli_usage("serve", "unknown option '%s'", argv[i]);
    }
    /* Signals are taken by this thread with sigwait; every other thread inherits the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (srv_cli_open(&s, &local, "serve"))
        return SRV_EXIT_FAIL;
    /* One server per store: it cleans incoming/ at start, which another server is using. */
    {
        char *path = srv_join(local.dir, "serve.lock");
        serve_lock = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;
        free(path);
        if (serve_lock < 0 || flock(serve_lock, LOCK_EX | LOCK_NB) < 0) {
            srv_err(SRV_ESTATE, "%s/serve.lock is held", local.dir);
            rc = srv_cli_fail("serve", "another mstore-server is serving this store");
            goto out;
        }
    }
    if (port)
        s->cfg.port = atoi(port);
    if (listen) {
        free(s->cfg.listen);
        s->cfg.listen = strdup(listen);
    }
    /* Repair whatever a crash left (temporary files, approved but unpublished uploads), then
     * serve. */
    if (srv_repo_clean(s) || srv_repo_refresh(s)) {
        rc = srv_cli_fail("serve", "cannot bring the repository up to date");
        goto out;
    }
    if (srv_publisher_start(s) || srv_http_start(&http, s)) {
        rc = srv_cli_fail("serve", "cannot start");
        goto out;
    }
    if (port_file) {
        char text[16];
        snprintf(text, sizeof(text), "%d\n", srv_http_port(http));
        if (srv_write_atomic(port_file, text, strlen(text), 0644)) {
            rc = srv_cli_fail("serve", "--port-file");
            goto out;
        }
    }
    printf("mstore-server: serving %s on http://%s:%d/ (developer API at /api/v1/)\n", local.dir,
           s->cfg.listen, srv_http_port(http));
    fflush(stdout);
    sigwait(&set, &sig);
    printf("mstore-server: stopping (signal %d)\n", sig);
out:
    srv_http_stop(http);
    srv_store_close(s);
    if (serve_lock >= 0)
        close(serve_lock);
    return rc;
}

int srv_cmd_publish(const srv_cli *cli, int argc, char **argv)
{
    srv_store *s = NULL;
    int rc = SRV_EXIT_OK;

    if (argc > 1)
        return srv_cli_usage("publish", "takes no arguments");
    if (srv_cli_open(&s, cli, "publish"))
        return SRV_EXIT_FAIL;
    if (srv_repo_sync(s, cli->actor))
        rc = srv_cli_fail("publish", "repository");
    else
        printf("repository up to date\n");
    srv_store_close(s);
    return rc;
}

int srv_cmd_refresh(const srv_cli *cli, int argc, char **argv)
{
    srv_store *s = NULL;
    bool force = argc > 1 && strcmp(argv[1], "--force") == 0;
    int rc = SRV_EXIT_OK;

    if (argc > 2 || (argc == 2 && !force))
        return srv_cli_usage("refresh", "usage: refresh [--force]");
    if (srv_cli_open(&s, cli, "refresh"))
        return SRV_EXIT_FAIL;
    if (force ? srv_repo_resign(s, true, cli->actor) : srv_repo_refresh(s))
        rc = srv_cli_fail("refresh", "repository");
    srv_store_close(s);
    return rc;
}

int srv_cmd_status(const srv_cli *cli, int argc, char **argv)
{
    srv_store *s = NULL;
    json_t *out = NULL;
    int rc = SRV_EXIT_OK;

    if (srv_cli_open(&s, cli, "status"))
        return SRV_EXIT_FAIL;
    if (srv_repo_status(&out, s))
        rc = srv_cli_fail("status", "repository");
    else
        srv_cli_print_json(out);
    srv_store_close(s);
    return rc;
}

/* Collects repeated "--name FILE" options. */
static int collect(const char **list, size_t *count, const char *flag, int argc, char **argv,
                   int *i)
{
    if (strcmp(argv[*i], flag) != 0 || *i + 1 >= argc)
        return 0;
    if (*count >= MAX_KEYS)
        return -1;
    list[(*count)++] = argv[++*i];
    return 1;
}

int srv_cmd_root(const srv_cli *cli, int argc, char **argv)
{
    const char *old_keys[MAX_KEYS], *new_keys[MAX_KEYS];
    size_t old_count = 0, new_count = 0;
    int threshold = 0, i, rc = SRV_EXIT_OK;
    srv_store *s = NULL;

    if (argc >= 3 && strcmp(argv[1], "keygen") == 0) {
        for (i = 2; i < argc; i++) {
            if (srv_repo_generate_key(argv[i]))
                return srv_cli_fail("root keygen", "%s", argv[i]);
            printf("root key written to %s (keep it offline)\n", argv[i]);
        }
        return SRV_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "rotate") != 0)
        return srv_cli_usage("root", "usage: root rotate --old-key FILE... --new-key FILE... "
                                     "[--threshold K] | root keygen FILE...");
    for (i = 2; i < argc; i++) {
        int r = collect(old_keys, &old_count, "--old-key", argc, argv, &i);
        if (r == 0)
            r = collect(new_keys, &new_count, "--new-key", argc, argv, &i);
        if (r == 0 && strcmp(argv[i], "--threshold") == 0 && i + 1 < argc) {
            threshold = atoi(argv[++i]);
            r = 1;
        }
        if (r <= 0)
            return srv_cli_usage("root rotate", "unexpected argument '%s'", argv[i]);
    }
    if (old_count == 0 || new_count == 0)
        return srv_cli_usage("root rotate", "need --old-key FILE (current root keys, at least "
                                            "the threshold) and --new-key FILE (the new set)");
    if (threshold == 0)
        threshold = new_count >= 2 ? (int)new_count - 1 : 1;
    if (threshold < 1 || threshold > (int)new_count)
        return srv_cli_usage("root rotate", "--threshold must be 1 to the number of new keys");
    if (srv_cli_open(&s, cli, "root rotate"))
        return SRV_EXIT_FAIL;
    if (srv_repo_root_rotate(s, old_keys, old_count, new_keys, new_count, threshold, cli->actor))
        rc = srv_cli_fail("root rotate", "repository");
    else
        printf("root rotated: %zu keys, threshold %d\n", new_count, threshold);
    srv_store_close(s);
    return rc;
}

int srv_cmd_key(const srv_cli *cli, int argc, char **argv)
{
    const char *root_keys[MAX_KEYS];
    size_t root_count = 0;
    srv_store *s = NULL;
    int i, rc = SRV_EXIT_OK;

    if (argc < 3 || strcmp(argv[1], "rotate") != 0)
        return srv_cli_usage("key", "usage: key rotate ROLE --root-key FILE... (ROLE: targets, "
                                    "snapshot or timestamp)");
    for (i = 3; i < argc; i++)
        if (collect(root_keys, &root_count, "--root-key", argc, argv, &i) <= 0)
            return srv_cli_usage("key rotate", "unexpected argument '%s'", argv[i]);
    if (strcmp(argv[2], "targets") && strcmp(argv[2], "snapshot") && strcmp(argv[2], "timestamp"))
        return srv_cli_usage("key rotate", "ROLE must be targets, snapshot or timestamp");
    if (root_count == 0)
        return srv_cli_usage("key rotate", "the new root needs --root-key FILE (threshold)");
    if (srv_cli_open(&s, cli, "key rotate"))
        return SRV_EXIT_FAIL;
    if (srv_repo_key_rotate(s, argv[2], root_keys, root_count, cli->actor))
        rc = srv_cli_fail("key rotate", "%s", argv[2]);
    else
        printf("%s key rotated; root and %s metadata re-signed\n", argv[2], argv[2]);
    srv_store_close(s);
    return rc;
}
