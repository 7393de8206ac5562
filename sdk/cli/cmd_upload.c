/*
 * mpk upload FILE.mpk [--store URL] [--token TOKEN | --token-file FILE] [--config FILE]
 *                      [--cacert FILE] [--json]
 *
 * The store and token come from the options, else $MPK_STORE_URL and $MPK_TOKEN, else the config
 * file ($MPK_CONFIG, else $XDG_CONFIG_HOME/mpk/config.json or ~/.config/mpk/config.json):
 * {"store": "https://...", "token": "mst_..."}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "mpk/mpk.h"
#include "mpk/upload.h"

#define CMD "upload"

typedef struct bar {
    const char *name;
    struct timespec start;
    int last_percent;
} bar;

static double elapsed(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* A one-line progress bar on stderr: name, bar, percent, bytes, rate. */
static int show_progress(void *ctx, uint64_t sent, uint64_t total)
{
    bar *b = ctx;
    int percent = total ? (int)(sent * 100 / total) : 100, filled = percent * 30 / 100;
    double secs = elapsed(&b->start), rate = secs > 0 ? (double)sent / secs : 0;

    if (percent == b->last_percent)
        return 0;
    b->last_percent = percent;
    fprintf(stderr, "\r%-24.24s [%.*s%*s] %3d%% %7.1f/%.1f kB %7.1f kB/s", b->name, filled,
            "##############################", 30 - filled, "", percent, (double)sent / 1024,
            (double)total / 1024, rate / 1024);
    if (sent >= total)
        fputs("\nsent; the store is checking the package...\n", stderr);
    return 0;
}

static char *join_path(const char *dir, const char *rest)
{
    char *out = NULL;

    if (asprintf(&out, "%s/%s", dir, rest) < 0)
        return NULL;
    return out;
}

static char *read_token_file(const char *path)
{
    char buf[512];
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return strdup(buf);
}

/* Fills store and token (if still unset) from the config file. */
static int load_config(char **store, char **token, const char *path, bool explicit)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    const char *v;

    if (!root) {
        if (!explicit && access(path, F_OK) != 0)
            return 0; /* no config file is fine */
        fprintf(stderr, "mpk " CMD ": %s: %s (line %d)\n", path, jerr.text, jerr.line);
        return -1;
    }
    if (!*store && (v = json_string_value(json_object_get(root, "store"))))
        *store = strdup(v);
    if (!*token && (v = json_string_value(json_object_get(root, "token"))))
        *token = strdup(v);
    json_decref(root);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: mpk upload FILE.mpk [--store URL] [--token TOKEN | --token-file FILE]\n"
                 "                  [--config FILE] [--cacert FILE] [--json]\n\n"
                 "Uploads a signed package to a Motion Store. The store checks it and publishes\n"
                 "it, queues it for review, or rejects it with reasons (exit code 1).\n"
                 "Defaults: $MPK_STORE_URL, $MPK_TOKEN, then the config file ($MPK_CONFIG or\n"
                 "~/.config/mpk/config.json: {\"store\": URL, \"token\": TOKEN}).\n"
                 "--cacert FILE trusts the CA certificates in FILE (PEM) for an https:// store.\n\n"
                 "Exit codes: 0 published or queued, 1 failure (rejected, network, unreadable\n"
                 "file or config), 2 usage (no store URL or token).\n");
}

int mpk_cmd_upload(int argc, char **argv)
{
    const char *file = NULL, *config = getenv("MPK_CONFIG"), *env, *cacert = NULL;
    char *store = NULL, *token = NULL, *default_config = NULL;
    bool json = false, explicit_config = config != NULL;
    mpk_upload_options opt;
    mpk_upload_result *res = NULL;
    bar b = {NULL, {0, 0}, -1};
    int i, rc, exit_code = MPK_EXIT_FAIL;
    size_t r;

    if (mpk_cli_wants_help(argc, argv)) {
        usage(stdout);
        return MPK_EXIT_OK;
    }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--store") == 0 && i + 1 < argc) {
            free(store);
            store = strdup(argv[++i]);
        } else if (strcmp(a, "--token") == 0 && i + 1 < argc) {
            free(token);
            token = strdup(argv[++i]);
        } else if (strcmp(a, "--token-file") == 0 && i + 1 < argc) {
            free(token);
            if (!(token = read_token_file(argv[++i]))) {
                perror(argv[i]);
                goto out;
            }
        } else if (strcmp(a, "--config") == 0 && i + 1 < argc) {
            config = argv[++i];
            explicit_config = true;
        } else if (strcmp(a, "--cacert") == 0 && i + 1 < argc) {
            cacert = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (a[0] != '-' && !file) {
            file = a;
        } else {
            free(store);
            free(token);
            return mpk_cli_usage(CMD, "unexpected argument '%s'", a);
        }
    }
    if (!file) {
        free(store);
        free(token);
        return mpk_cli_usage(CMD, "which package? usage: mpk upload FILE.mpk");
    }
    if (!store && (env = getenv("MPK_STORE_URL")) && *env)
        store = strdup(env);
    if (!token && (env = getenv("MPK_TOKEN")) && *env)
        token = strdup(env);
    if (!config) {
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
            default_config = join_path(xdg, "mpk/config.json");
        else if (home && *home)
            default_config = join_path(home, ".config/mpk/config.json");
        config = default_config;
    }
    if ((!store || !token) && config && load_config(&store, &token, config, explicit_config))
        goto out;
    if (!store || !token) {
        exit_code =
            mpk_cli_usage(CMD, "no %s: give --%s, set $%s, or put it in %s",
                          store ? "token" : "store URL", store ? "token" : "store",
                          store ? "MPK_TOKEN" : "MPK_STORE_URL", config ? config : "a config file");
        goto out;
    }
    memset(&opt, 0, sizeof(opt));
    opt.store_url = store;
    opt.token = token;
    opt.ca_file = cacert;
    if (!json && isatty(STDERR_FILENO)) {
        const char *base = strrchr(file, '/');
        b.name = base ? base + 1 : file;
        clock_gettime(CLOCK_MONOTONIC, &b.start);
        opt.progress = show_progress;
        opt.progress_ctx = &b;
    }
    rc = mpk_upload(&res, file, &opt);
    if (rc != MPK_OK && rc != MPK_EREJECTED) {
        exit_code = mpk_cli_fail(CMD, rc, "%s", file);
        goto out;
    }
    if (json) {
        fputs(res->body, stdout);
        if (!*res->body || res->body[strlen(res->body) - 1] != '\n')
            fputc('\n', stdout);
    } else if (rc == MPK_EREJECTED) {
        fprintf(stderr, "mpk " CMD ": %s: rejected by the store (HTTP %ld, upload #%lld):\n", file,
                res->http_status, (long long)res->upload_id);
        for (r = 0; r < res->reason_count; r++)
            fprintf(stderr, "  - %s\n", res->reasons[r]);
    } else if (strcmp(res->status, "published") == 0) {
        printf("%s %s published (upload #%lld): %s\n", res->package_id, res->version,
               (long long)res->upload_id, res->target ? res->target : "");
    } else if (strcmp(res->status, "queued") == 0) {
        printf("%s %s is waiting for review (upload #%lld)\n", res->package_id, res->version,
               (long long)res->upload_id);
    } else {
        printf("%s %s accepted (upload #%lld), %s\n", res->package_id, res->version,
               (long long)res->upload_id, res->status);
    }
    exit_code = rc == MPK_OK ? MPK_EXIT_OK : MPK_EXIT_FAIL;
out:
    mpk_upload_result_free(res);
    free(default_config);
    free(store);
    free(token);
    return exit_code;
}
