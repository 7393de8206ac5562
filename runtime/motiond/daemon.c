/* Start-up and shut-down of motiond (daemon.h). */
#include "daemon.h"

#include <errno.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "mstore/mstore.h"
#include "qr.h"
#include "util.h"

#define ROOT_JSON_MAX (512 * 1024)
#define STORE_CFG_MAX (64 * 1024)
#define STOP_WAIT_NS                                                            \
    3000000000LL /* SIGTERM: how long a controlled stop may take before damping \
                  */

static char *under_root(const char *root, const char *path)
{
    return md_fmt("%s%s", strcmp(root, "/") ? root : "", path);
}

/* ---- the store client's configuration -------------------------------------------------------- */

/* Writes "store" and "robot" into ROOT/etc/motionstore/config.json (keeping its other keys) and
 * installs the trusted root, so that motiond's one configuration file is enough. */
static int prepare_store_client(md_daemon *d)
{
    char *etc = under_root(d->root, "/etc/motionstore");
    char *cfg_path = md_fmt("%s/config.json", etc), *root_path = md_fmt("%s/root.json", etc);
    char *text = NULL, *want = NULL, *have = NULL;
    size_t size = 0, have_size = 0;
    json_t *cfg = NULL;
    json_error_t jerr;
    int rc = -1;

    if (md_mkdirs(etc, 0755) != 0) {
        md_error("%s: %s", etc, strerror(errno));
        goto out;
    }
    if (md_read_file(&text, &size, cfg_path, STORE_CFG_MAX) == 0) {
        cfg = json_loadb(text, size, 0, &jerr);
        if (!json_is_object(cfg)) {
            md_error("%s: not a JSON object (%s)", cfg_path, cfg ? "wrong type" : jerr.text);
            goto out;
        }
    } else if (errno == ENOENT) {
        cfg = json_object();
    } else {
        md_error("%s: %s", cfg_path, strerror(errno));
        goto out;
    }
    if (d->cfg->n_store_urls == 1) {
        json_object_set_new(cfg, "store", json_string(d->cfg->store_urls[0]));
    } else if (d->cfg->n_store_urls > 1) {
        json_t *a = json_array();
        for (int i = 0; i < d->cfg->n_store_urls; i++)
            json_array_append_new(a, json_string(d->cfg->store_urls[i]));
        json_object_set_new(cfg, "store", a);
    }
    json_object_set_new(cfg, "robot", json_string(d->model->id));
    want = json_dumps(cfg, JSON_INDENT(2) | JSON_SORT_KEYS);
    /* Written only when its meaning changes, so that a configuration the operator wrote (in a
     * folder motiond may not write) is left alone when it already says the same. */
    if (text) {
        json_t *have_cfg = json_loadb(text, size, 0, NULL);
        bool same = have_cfg && json_equal(have_cfg, cfg);
        json_decref(have_cfg);
        if (same) {
            free(want);
            want = NULL;
        }
    }
    if (!want) {
        /* unchanged */
    } else if (md_write_file_atomic(cfg_path, want, strlen(want), 0644) != 0) {
        md_error("%s: %s", cfg_path, strerror(errno));
        goto out;
    }
    if (d->cfg->trusted_root) {
        char *root = NULL;
        size_t root_size;
        if (md_read_file(&root, &root_size, d->cfg->trusted_root, ROOT_JSON_MAX) != 0) {
            md_error("trusted_root: %s: %s", d->cfg->trusted_root, strerror(errno));
            goto out;
        }
        if (md_read_file(&have, &have_size, root_path, ROOT_JSON_MAX) != 0 ||
            have_size != root_size || memcmp(have, root, root_size) != 0) {
            char *stored = under_root(d->root, "/var/lib/motionstore/metadata/root.json");
            if (have && access(stored, F_OK) == 0)
                md_warn("the trusted root changed; the verified metadata in %s still follows the "
                        "old root (remove that folder to start over with the new store)",
                        stored);
            free(stored);
            if (md_write_file_atomic(root_path, root, root_size, 0644) != 0) {
                md_error("%s: %s", root_path, strerror(errno));
                free(root);
                goto out;
            }
            md_info("trusted root installed from %s", d->cfg->trusted_root);
        }
        free(root);
    }
    rc = 0;
out:
    json_decref(cfg);
    free(text);
    free(want);
    free(have);
    free(etc);
    free(cfg_path);
    free(root_path);
    return rc;
}

/* ---- pairing announcements ------------------------------------------------------------------ */

static void announce(void *user, const char *code, int lifetime)
{
    md_daemon *d = user;
    bool qr;
    char *block;

    if (!atomic_load(&d->announce))
        return;
    md_info("pairing code: %s (valid %d s, once) - open %s#pair=%s on the phone", code, lifetime,
            d->url, code);
    qr = strcmp(d->cfg->qr, "always") == 0 ||
         (strcmp(d->cfg->qr, "auto") == 0 && isatty(STDERR_FILENO));
    if (!qr)
        return;
    {
        char *link = md_fmt("%s#pair=%s", d->url, code);
        block = md_qr_render(link);
        free(link);
    }
    if (block) {
        md_log_block(MD_LOG_INFO, block);
        free(block);
    }
}

/* The address a phone on the LAN would use: the listen address, or for a wildcard the first
 * non-loopback IPv4 address of the machine. */
static void page_url(md_daemon *d)
{
    char host[INET6_ADDRSTRLEN + 2] = "127.0.0.1";
    const char *listen = d->cfg->listen;

    if (strcmp(listen, "0.0.0.0") != 0 && strcmp(listen, "::") != 0) {
        snprintf(host, sizeof(host), strchr(listen, ':') ? "[%s]" : "%s", listen);
    } else {
        struct ifaddrs *ifs = NULL;
        if (getifaddrs(&ifs) == 0) {
            for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
                struct sockaddr_in *in = (struct sockaddr_in *)i->ifa_addr;
                if (!in || in->sin_family != AF_INET || (ntohl(in->sin_addr.s_addr) >> 24) == 127)
                    continue;
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
                break;
            }
            freeifaddrs(ifs);
        }
    }
    snprintf(d->url, sizeof(d->url), "http://%s:%d/", host, d->port);
}

/* ---- state file ----------------------------------------------------------------------------- */

static void write_state(md_daemon *d, json_t *state)
{
    char *path = md_fmt("%s/state.json", d->state_dir);
    char *text = json_dumps(state, JSON_INDENT(2) | JSON_SORT_KEYS);

    json_decref(state);
    if (!text || md_write_file_atomic(path, text, strlen(text), 0644) != 0)
        md_warn("%s: could not be written: %s", path, strerror(errno));
    free(text);
    free(path);
}

static void check_previous_run(md_daemon *d)
{
    char *path = md_fmt("%s/state.json", d->state_dir), *text = NULL;
    json_t *prev;

    if (md_read_file(&text, NULL, path, 64 * 1024) == 0) {
        prev = json_loads(text, 0, NULL);
        if (prev && !json_is_true(json_object_get(prev, "clean")))
            md_warn("the previous run (pid %lld) did not stop cleanly",
                    (long long)json_integer_value(json_object_get(prev, "pid")));
        json_decref(prev);
    }
    free(text);
    free(path);
}

/* ---- start and stop ------------------------------------------------------------------------- */

static void loop_log(void *user, motion_log_level level, const char *message)
{
    (void)user;
    md_log(level == MOTION_LOG_ERROR     ? MD_LOG_ERROR
           : level == MOTION_LOG_WARNING ? MD_LOG_WARN
                                         : MD_LOG_INFO,
           "loop: %s", message);
}

static int start_loop(md_daemon *d)
{
    motion_loop_config lc;
    motion_mode mode;

    motion_loop_config_init(&lc);
    lc.rate_hz = d->cfg->rate_hz;
    lc.player.rate_hz = d->cfg->rate_hz;
    lc.backend = d->cfg->backend;
    lc.backend_options = d->cfg->n_backend_options ? (motion_options)d->cfg->backend_options : NULL;
    if (motion_mode_parse(&mode, d->cfg->mode) == MOTION_OK)
        lc.player.mode = mode;
    lc.player.allow_full_body = d->cfg->allow_full_body;
    lc.realtime = d->cfg->realtime;
    lc.lock_memory = d->cfg->realtime;
#ifdef MS_SANITIZE
    lc.lock_memory = false; /* locking AddressSanitizer's shadow memory would take it all */
#endif
    lc.log = loop_log;
    lc.log_user = d;
    if (motion_loop_new(&d->loop, d->model, &lc) != MOTION_OK) {
        md_error("control loop: %s", motion_error_message());
        return -1;
    }
    if (motion_loop_start(d->loop) != MOTION_OK) {
        md_error("control loop: %s", motion_error_message());
        return -1;
    }
    md_info("control loop: %s at %g Hz, backend %s, %s mode", d->model->id, d->cfg->rate_hz,
            d->cfg->backend, motion_mode_name(motion_loop_mode(d->loop)));
    return 0;
}

/* The sockets are bound first, before the control loop starts: a port in use or a socket taken
 * ends motiond before it ever commands the robot. */
static int listen_sockets(md_daemon *d)
{
    char err[512];

    d->tcp_fd = md_listen_tcp(d->cfg->listen, d->cfg->port, &d->port, err, sizeof(err));
    if (d->tcp_fd < 0) {
        md_error("listen: %s", err);
        return -1;
    }
    page_url(d);
    if (*d->socket_path) {
        char *dir = md_fmt("%s", d->socket_path), *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            md_mkdirs(dir, 0755);
        }
        free(dir);
        d->unix_fd = md_listen_unix(d->socket_path, err, sizeof(err));
        if (d->unix_fd < 0) {
            md_error("Unix socket: %s", err);
            return -1;
        }
    }
    return 0;
}

static int start_http(md_daemon *d)
{
    int fd = d->tcp_fd;

    d->tcp_fd = -1; /* the server owns it now, even if it fails */
    if (md_http_start(&d->tcp, d, fd, false) != 0) {
        md_error("HTTP server on %s port %d could not start", d->cfg->listen, d->port);
        return -1;
    }
    if (d->unix_fd >= 0) {
        fd = d->unix_fd;
        d->unix_fd = -1;
        if (md_http_start(&d->unix_socket, d, fd, true) != 0) {
            md_error("HTTP server on %s could not start", d->socket_path);
            return -1;
        }
    }
    if (d->cfg->port_file) {
        char text[16];
        snprintf(text, sizeof(text), "%d\n", d->port);
        if (md_write_file_atomic(d->cfg->port_file, text, strlen(text), 0644) != 0) {
            md_error("%s: %s", d->cfg->port_file, strerror(errno));
            return -1;
        }
    }
    md_info("phone API on %s port %d (%s), local API on %s", d->cfg->listen, d->port, d->url,
            *d->socket_path ? d->socket_path : "(none)");
    return 0;
}

static bool store_configured(md_daemon *d)
{
    char *path = under_root(d->root, "/etc/motionstore/config.json"), *text = NULL;
    json_t *cfg;
    bool yes = false;

    if (md_read_file(&text, NULL, path, STORE_CFG_MAX) == 0) {
        cfg = json_loads(text, 0, NULL);
        yes = json_object_get(cfg, "store") != NULL;
        json_decref(cfg);
    }
    free(text);
    free(path);
    return yes;
}

int md_daemon_start(md_daemon *d, md_config *cfg)
{
    char err[512];
    char *tokens_path, *etc;

    memset(d, 0, sizeof(*d));
    d->tcp_fd = d->unix_fd = -1;
    d->cfg = cfg;
    d->started_ns = motion_now_ns();
    md_log_set_level(cfg->log_level);
    d->model = mpk_robot_find(cfg->robot);
    d->root = strdup(cfg->data_root);
    d->state_dir = under_root(d->root, "/var/lib/motionstore/motiond");
    d->upload_dir = under_root(d->root, "/var/cache/motionstore/motiond-uploads");
    d->socket_path = cfg->socket_path ? strdup(cfg->socket_path)
                                      : under_root(d->root, "/run/motionstore/motiond.sock");
    md_info("motiond %s starting: robot %s, data root %s%s%s", motion_version(), d->model->id,
            d->root, cfg->config_path ? ", configuration " : "",
            cfg->config_path ? cfg->config_path : "");
    if (md_mkdirs(d->state_dir, 0700) != 0) {
        md_error("%s: %s", d->state_dir, strerror(errno));
        return -1;
    }
    md_rmtree(d->upload_dir); /* what a killed predecessor left */
    if (prepare_store_client(d) != 0 || listen_sockets(d) != 0)
        return -1;
    check_previous_run(d);
    if (md_events_new(&d->events) != 0)
        return -1;
    tokens_path = md_fmt("%s/tokens.json", d->state_dir);
    if (md_tokens_open(&d->tokens, tokens_path, cfg->pairing_code_lifetime,
                       cfg->pairing_attempts_per_minute, announce, d, err, sizeof(err)) != 0) {
        md_error("%s", err);
        free(tokens_path);
        return -1;
    }
    free(tokens_path);
    if (start_loop(d) != 0)
        return -1;
    etc = md_fmt("%s", motion_version());
    if (md_store_new(&d->store, d->root, d->model, etc) != 0) {
        free(etc);
        return -1;
    }
    {
        md_jobs_config jc = {d->root, d->model->id, etc, d->events};
        int rc = md_jobs_new(&d->jobs, &jc);
        free(etc);
        if (rc != 0) {
            md_error("could not start the job worker");
            return -1;
        }
    }
    if (md_playback_new(&d->playback, d->loop, d->events, d->tokens) != 0) {
        md_error("could not start the event pump");
        return -1;
    }
    if (start_http(d) != 0)
        return -1;
    {
        char now[21], code[7];
        md_iso_time(now, (int64_t)time(NULL));
        write_state(d, json_pack("{s:I, s:s, s:b, s:i}", "pid", (json_int_t)getpid(), "started",
                                 now, "clean", false, "port", d->port));
        atomic_store(&d->announce, true);
        md_tokens_current_code(d->tokens, code);
        announce(d, code, cfg->pairing_code_lifetime);
    }
    if (store_configured(d))
        md_jobs_submit(d->jobs, MD_JOB_UPDATE, NULL, NULL, NULL, NULL);
    else
        md_warn("no store configured (store_url): only sideloading works");
    d->started = true;
    md_info("ready");
    return 0;
}

void md_daemon_wait(md_daemon *d)
{
    sigset_t set;
    int sig = 0;

    (void)d;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    while (sigwait(&set, &sig) != 0) {
    }
    md_info("%s received: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static bool moving(motion_activity a)
{
    return a == MOTION_ACT_BLEND_IN || a == MOTION_ACT_PLAYING || a == MOTION_ACT_BLEND_OUT ||
           a == MOTION_ACT_STOPPING || a == MOTION_ACT_RETURNING;
}

int md_daemon_stop(md_daemon *d)
{
    motion_loop_status st;
    motion_loop_stats *stats = calloc(1, sizeof(*stats));
    char now[21];
    int rc = 0;

    /* 1. No new requests; event streams end. */
    if (d->events)
        md_events_close(d->events);
    md_http_stop(d->tcp);
    md_http_stop(d->unix_socket);
    d->tcp = d->unix_socket = NULL;
    if (d->tcp_fd >= 0)
        close(d->tcp_fd);
    if (d->unix_fd >= 0)
        close(d->unix_fd);
    if (d->socket_path && *d->socket_path)
        unlink(d->socket_path);
    /* 2. Store jobs are canceled: an install not yet committed changes nothing. */
    md_jobs_free(d->jobs);
    d->jobs = NULL;
    /* 3. Motion comes to rest within its limits, then the last tick damps. */
    if (d->loop && motion_loop_status_get(d->loop, &st) == MOTION_OK &&
        moving(st.player.activity)) {
        int64_t until = motion_now_ns() + STOP_WAIT_NS;
        md_info("stopping motion");
        if (motion_loop_stop(d->loop, false) != MOTION_OK)
            motion_loop_estop(d->loop);
        while (motion_now_ns() < until && motion_loop_status_get(d->loop, &st) == MOTION_OK &&
               moving(st.player.activity)) {
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
        }
    }
    md_playback_free(d->playback);
    d->playback = NULL;
    if (d->loop) {
        motion_loop_shutdown(d->loop);
        if (stats)
            motion_loop_stats_get(d->loop, stats);
        if (motion_loop_status_get(d->loop, &st) != MOTION_OK)
            memset(&st, 0, sizeof(st));
        md_info("control loop stopped after %llu ticks (%llu overruns); damping sent",
                stats ? (unsigned long long)stats->ticks : 0ULL,
                stats ? (unsigned long long)stats->overruns : 0ULL);
        /* 4. State flushed. */
        md_iso_time(now, (int64_t)time(NULL));
        write_state(d, json_pack("{s:I, s:s, s:b, s:s, s:o, s:I}", "pid", (json_int_t)getpid(),
                                 "stopped", now, "clean", true, "last_activity",
                                 motion_activity_name(st.player.activity), "faults",
                                 md_faults_json(st.faults), "ticks",
                                 stats ? (json_int_t)stats->ticks : 0));
        motion_loop_free(d->loop);
        d->loop = NULL;
    }
    free(stats);
    md_store_free(d->store);
    md_tokens_free(d->tokens);
    md_events_free(d->events);
    free(d->root);
    free(d->state_dir);
    free(d->upload_dir);
    free(d->socket_path);
    if (d->started)
        md_info("stopped cleanly");
    return rc;
}
