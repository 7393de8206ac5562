/* The phone API's routes and handlers (docs/bridge-api.md). The checks that come before a
 * handler (path, method, origin, token, body size and type) are in http.c. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "http.h"
#include "log.h"
#include "mpk/package.h"
#include "request.h"
#include "upload.h"
#include "util.h"
#include "web.h"

#define EVENTS_KEEPALIVE_MS 10000 /* also how soon a closed stream is noticed */

/* ---- helpers -------------------------------------------------------------------------------- */

static bool parse_body(md_http_req *r, md_req *out, md_req_kind kind)
{
    char err[512];

    if (md_req_parse(out, kind, r->body, r->body_len, err, sizeof(err)) != 0) {
        md_reply_error(r, 400, "bad-request", "%s", err);
        return false;
    }
    return true;
}

static bool parse_job_id(md_http_req *r, uint64_t *id)
{
    char *end;

    if (strspn(r->arg, "0123456789") != strlen(r->arg) || strlen(r->arg) > 18) {
        md_reply_error(r, 404, "not-found", "no job %.40s", r->arg);
        return false;
    }
    *id = strtoull(r->arg, &end, 10);
    return true;
}

static void reply_store_error(md_http_req *r, const md_store_error *e)
{
    md_reply_error(r, e->status, e->code, "%s", e->message);
}

static void loop_result(md_http_req *r, int rc, const char *what)
{
    if (rc == MOTION_OK)
        md_reply_json(r, 200, json_pack("{s:s}", "ok", what));
    else
        md_reply_error(r, rc == MOTION_EFULL ? 503 : 400, rc == MOTION_EFULL ? "busy" : "refused",
                       "%s: %s", what,
                       *motion_error_message() ? motion_error_message() : motion_strerror(rc));
}

/* ---- the page ------------------------------------------------------------------------------- */

static void page(md_http_req *r, const md_web_file *f)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(f->size, (void *)f->data, MHD_RESPMEM_PERSISTENT);

    MHD_add_response_header(resp, "Content-Type", f->type);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    /* Nothing but motiond itself: no external scripts, styles, fonts or images. */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
                            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    md_reply_response(r, 200, resp);
}

static void h_index(md_daemon *d, md_http_req *r)
{
    (void)d;
    page(r, &md_web_index_html);
}

static void h_app_js(md_daemon *d, md_http_req *r)
{
    (void)d;
    page(r, &md_web_app_js);
}

static void h_app_css(md_daemon *d, md_http_req *r)
{
    (void)d;
    page(r, &md_web_app_css);
}

static void h_icon(md_daemon *d, md_http_req *r)
{
    (void)d;
    page(r, &md_web_icon_svg);
}

/* ---- pairing and tokens --------------------------------------------------------------------- */

static void h_pair(md_daemon *d, md_http_req *r)
{
    char token[MD_TOKEN_LEN + 1], id[MD_TOKEN_ID_LEN + 1], retry[16];
    md_req q;
    int wait = 0;

    if (!parse_body(r, &q, MD_REQ_PAIR))
        return;
    switch (md_tokens_pair(d->tokens, r->addr, q.code, q.name, token, id, &wait)) {
    case MD_PAIR_OK:
        md_info("paired '%s' from %s (token %s)", q.name, r->addr, id);
        md_reply_json(r, 201,
                      json_pack("{s:s, s:s, s:s}", "token", token, "id", id, "name", q.name));
        memset(token, 0, sizeof(token));
        return;
    case MD_PAIR_WRONG:
        md_warn("pairing from %s: wrong or expired code", r->addr);
        md_reply_error(r, 403, "wrong-code", "the code is wrong or expired");
        return;
    case MD_PAIR_LIMITED: {
        json_t *v = json_pack("{s:s, s:s, s:i}", "error", "rate-limited", "message",
                              "too many pairing attempts: wait and try again", "retry_after", wait);
        char *text = json_dumps(v, JSON_COMPACT);
        struct MHD_Response *resp;
        json_decref(v);
        md_warn("pairing from %s: rate-limited for %d s", r->addr, wait);
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        snprintf(retry, sizeof(retry), "%d", wait);
        MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
        MHD_add_response_header(resp, "Retry-After", retry);
        md_reply_response(r, 429, resp);
        return;
    }
    case MD_PAIR_FULL:
        md_reply_error(r, 409, "too-many-tokens", "%d devices are paired: revoke one first",
                       MD_TOKENS_MAX);
        return;
    case MD_PAIR_IO:
        md_reply_error(r, 500, "io", "the token could not be saved");
        return;
    }
}

static void h_pairing_code(md_daemon *d, md_http_req *r)
{
    char code[7];

    md_tokens_current_code(d->tokens, code);
    md_reply_json(r, 200,
                  json_pack("{s:s, s:s, s:i}", "code", code, "url", d->url, "lifetime_s",
                            d->cfg->pairing_code_lifetime));
}

static void h_tokens(md_daemon *d, md_http_req *r)
{
    md_reply_json(r, 200,
                  json_pack("{s:o, s:s?}", "tokens", md_tokens_list(d->tokens), "you",
                            r->local ? NULL : r->token_id));
}

static void h_token_revoke(md_daemon *d, md_http_req *r)
{
    switch (md_tokens_revoke(d->tokens, r->arg)) {
    case 0:
        md_info("token %s revoked by %s", r->arg, r->local ? "a local user" : r->token_id);
        md_reply_json(r, 200, json_pack("{s:s}", "revoked", r->arg));
        return;
    case 1:
        md_reply_error(r, 404, "not-found", "no token %.40s", r->arg);
        return;
    default:
        md_reply_error(r, 500, "io", "the token file could not be written");
    }
}

/* ---- status --------------------------------------------------------------------------------- */

static void h_status(md_daemon *d, md_http_req *r)
{
    int queued, running;

    md_jobs_counts(d->jobs, &queued, &running);
    md_reply_json(r, 200,
                  json_pack("{s:{s:s, s:s, s:i}, s:s, s:f, s:s, s:b, s:o, s:{s:i, s:i}, s:s, s:f}",
                            "robot", "model", d->model->id, "name", d->model->name, "joints",
                            d->model->joint_count, "backend", d->cfg->backend, "rate_hz",
                            d->cfg->rate_hz, "mode", motion_mode_name(motion_loop_mode(d->loop)),
                            "allow_full_body", d->cfg->allow_full_body, "motion",
                            md_playback_status(d->playback), "jobs", "queued", queued, "running",
                            running, "version", motion_version(), "uptime_s",
                            (double)(motion_now_ns() - d->started_ns) / 1e9));
}

static void h_stats(md_daemon *d, md_http_req *r)
{
    json_t *s = md_playback_stats(d->playback);

    if (!s) {
        md_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    json_object_set_new(s, "estops_requested", json_integer((json_int_t)atomic_load(&d->estops)));
    md_reply_json(r, 200, s);
}

static void h_stats_reset(md_daemon *d, md_http_req *r)
{
    motion_loop_stats_reset(d->loop);
    md_reply_json(r, 200, json_pack("{s:s}", "ok", "stats-reset"));
}

/* ---- store ---------------------------------------------------------------------------------- */

typedef struct query_ctx {
    md_search s;
    char err[256];
    bool bad;
} query_ctx;

static enum MHD_Result query_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    query_ctx *q = cls;

    (void)kind;
    if (!q->bad && md_search_param(&q->s, key, value, q->err, sizeof(q->err)) != 0)
        q->bad = true;
    return MHD_YES;
}

static void h_catalog(md_daemon *d, md_http_req *r)
{
    query_ctx q;
    md_store_error e;
    json_t *res;

    memset(&q, 0, sizeof(q));
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_param, &q);
    if (q.bad) {
        md_reply_error(r, 400, "bad-request", "%s", q.err);
        return;
    }
    res = md_store_search(d->store, &q.s, &e);
    if (!res)
        reply_store_error(r, &e);
    else
        md_reply_json(r, 200, res);
}

static void submit(md_daemon *d, md_http_req *r, md_job_type type, const char *pkg,
                   const char *version, const char *dir)
{
    json_t *job = NULL;

    if (md_jobs_submit(d->jobs, type, pkg, version, dir, &job) != 0) {
        md_reply_error(r, 429, "busy", "%d jobs are waiting already", MD_JOBS_QUEUE_MAX);
        return;
    }
    md_reply_json(r, 202, json_pack("{s:o}", "job", job));
}

static void h_refresh(md_daemon *d, md_http_req *r)
{
    submit(d, r, MD_JOB_UPDATE, NULL, NULL, NULL);
}

static void h_install(md_daemon *d, md_http_req *r)
{
    md_req q;

    if (parse_body(r, &q, MD_REQ_INSTALL))
        submit(d, r, MD_JOB_INSTALL, q.id, *q.version ? q.version : NULL, NULL);
}

static void h_upgrade(md_daemon *d, md_http_req *r)
{
    md_req q;

    if (parse_body(r, &q, MD_REQ_UPGRADE))
        submit(d, r, MD_JOB_UPGRADE, *q.id ? q.id : NULL, NULL, NULL);
}

static void h_remove(md_daemon *d, md_http_req *r)
{
    md_req q;

    if (parse_body(r, &q, MD_REQ_REMOVE))
        submit(d, r, MD_JOB_REMOVE, q.id, NULL, NULL);
}

static void h_sideload(md_daemon *d, md_http_req *r)
{
    char *path = md_fmt("%s/package.mpk", md_upload_dir(r->upload));
    mpk_package *pkg = NULL;
    const mpk_manifest *m;

    /* Only a look at the manifest to name the job: the install verifies everything. */
    if (mpk_package_open(&pkg, path) != MPK_OK) {
        char why[512];
        snprintf(why, sizeof(why), "%s", mpk_error_message());
        md_upload_free(r->upload); /* removed before the answer leaves */
        r->upload = NULL;
        md_reply_error(r, 422, "bad-package", "package: %s", why);
        free(path);
        return;
    }
    free(path);
    m = mpk_package_manifest(pkg);
    md_upload_keep(r->upload);
    submit(d, r, MD_JOB_SIDELOAD, m->id, m->version, md_upload_dir(r->upload));
    mpk_package_free(pkg);
}

static void h_packages(md_daemon *d, md_http_req *r)
{
    md_store_error e;
    json_t *list = md_store_installed(d->store, &e);

    if (!list)
        reply_store_error(r, &e);
    else
        md_reply_json(r, 200, json_pack("{s:o}", "packages", list));
}

static void h_thumbnail(md_daemon *d, md_http_req *r)
{
    md_store_error e;
    char *data = NULL;
    size_t size;

    if (!md_valid_id(r->arg)) {
        md_reply_error(r, 404, "not-found", "no package %.40s", r->arg);
        return;
    }
    if (md_store_thumbnail(d->store, &data, &size, r->arg, &e) != 0)
        reply_store_error(r, &e);
    else
        md_reply_bytes(r, 200, "image/png", data, size, true, true);
}

static void h_catalog_thumbnail(md_daemon *d, md_http_req *r)
{
    md_store_error e;
    const char *type = NULL;
    char *data = NULL;
    size_t size;

    if (!md_valid_id(r->arg)) {
        md_reply_error(r, 404, "not-found", "no package %.40s", r->arg);
        return;
    }
    if (md_store_catalog_thumbnail(d->store, &data, &size, &type, r->arg, &e) != 0)
        reply_store_error(r, &e);
    else
        md_reply_bytes(r, 200, type, data, size, true, true);
}

static void h_jobs(md_daemon *d, md_http_req *r)
{
    md_reply_json(r, 200, json_pack("{s:o}", "jobs", md_jobs_list(d->jobs)));
}

static void h_job(md_daemon *d, md_http_req *r)
{
    uint64_t id;
    json_t *job;

    if (!parse_job_id(r, &id))
        return;
    if (!(job = md_jobs_get(d->jobs, id)))
        md_reply_error(r, 404, "not-found", "no job %" PRIu64, id);
    else
        md_reply_json(r, 200, json_pack("{s:o}", "job", job));
}

static void h_job_cancel(md_daemon *d, md_http_req *r)
{
    uint64_t id;

    if (!parse_job_id(r, &id))
        return;
    switch (md_jobs_cancel(d->jobs, id)) {
    case 0:
        md_reply_json(r, 202, json_pack("{s:o}", "job", md_jobs_get(d->jobs, id)));
        return;
    case 1:
        md_reply_error(r, 404, "not-found", "no job %" PRIu64, id);
        return;
    default:
        md_reply_error(r, 409, "finished", "job %" PRIu64 " has finished already", id);
    }
}

/* ---- playback ------------------------------------------------------------------------------- */

static void play(md_daemon *d, md_http_req *r, bool now)
{
    char version[MD_VERSION_MAX + 1], motion[MD_MOTION_MAX + 1];
    motion_clip *clip = NULL;
    md_store_error se;
    md_play_error pe;
    uint64_t tag;
    md_req q;

    if (!parse_body(r, &q, MD_REQ_PLAY))
        return;
    if (md_store_load_clip(d->store, &clip, q.id, q.motion, version, motion, &se) != 0) {
        reply_store_error(r, &se);
        return;
    }
    /* Play now starts at the speed asked for (1 by default); a queued item leaves the speed as
     * it is unless it asks for one. */
    if (md_playback_play(d->playback, clip, q.id, version, motion, q.loops,
                         q.has_speed ? q.speed
                         : now       ? 1.0
                                     : 0,
                         now, &tag, &pe) != 0) {
        motion_clip_free(clip);
        md_reply_error(r, pe.status, pe.code, "%s", pe.message);
        return;
    }
    md_info("%s %s %s motion %s (tag %llu, loop %d, speed %g)", now ? "play" : "queue", q.id,
            version, motion, (unsigned long long)tag, q.loops, q.has_speed ? q.speed : 1.0);
    md_reply_json(r, now ? 200 : 202,
                  json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "tag", (json_int_t)tag, "package",
                            q.id, "version", version, "motion", motion, "loop",
                            q.loops ? json_integer(q.loops) : json_string("forever"), "queued",
                            !now));
}

static void h_play(md_daemon *d, md_http_req *r)
{
    play(d, r, true);
}

static void h_queue_add(md_daemon *d, md_http_req *r)
{
    play(d, r, false);
}

static void h_queue(md_daemon *d, md_http_req *r)
{
    md_reply_json(r, 200, md_playback_queue(d->playback));
}

static void h_queue_clear(md_daemon *d, md_http_req *r)
{
    loop_result(r, motion_loop_clear(d->loop), "queue-cleared");
}

static void h_pause(md_daemon *d, md_http_req *r)
{
    loop_result(r, motion_loop_pause(d->loop), "paused");
}

static void h_resume(md_daemon *d, md_http_req *r)
{
    loop_result(r, motion_loop_resume(d->loop), "resumed");
}

static void h_stop(md_daemon *d, md_http_req *r)
{
    md_req q;

    if (!parse_body(r, &q, MD_REQ_STOP))
        return;
    md_info("stop%s requested by %s", q.return_to_stand ? " (return to stand)" : "",
            r->local ? "a local user" : r->token_id);
    loop_result(r, motion_loop_stop(d->loop, q.return_to_stand), "stopping");
}

static void h_speed(md_daemon *d, md_http_req *r)
{
    md_req q;

    if (parse_body(r, &q, MD_REQ_SPEED))
        loop_result(r, motion_loop_set_speed(d->loop, q.speed), "speed");
}

/* The emergency stop: one atomic store into the control loop. http.c already made it when the
 * headers were in (before any body); here it is repeated (harmless), and the answer waits until
 * the loop has taken this very request and reports the fault latched (normally within two ticks,
 * 4 ms), so that a 200 means "the robot is damping" and a release sent after it cannot arrive in
 * the same tick as this stop (where the stop would win and the release be lost). A latch already
 * there (a second press) is not enough: this press's request would still be pending. The loop's
 * published tick M, read after the store, ended before tick M + 2 began, so tick M + 2 or an
 * earlier one has taken it. The stop itself never waits for this. */
#define ESTOP_CONFIRM_NS 200000000LL

static void h_estop(md_daemon *d, md_http_req *r)
{
    motion_loop_status st;
    int64_t t0 = motion_now_ns(), waited;
    uint64_t taken_by = 0;
    bool effective = false;

    motion_loop_estop(d->loop);
    atomic_fetch_add(&d->estops, 1);
    if (motion_loop_status_get(d->loop, &st) == MOTION_OK)
        taken_by = st.tick + 2;
    while (motion_now_ns() - t0 < ESTOP_CONFIRM_NS) {
        struct timespec ts = {0, 250000};
        if (motion_loop_status_get(d->loop, &st) == MOTION_OK && st.tick >= taken_by &&
            (st.faults & MOTION_FAULT_ESTOP) && st.player.activity == MOTION_ACT_DAMPING) {
            effective = true;
            break;
        }
        nanosleep(&ts, NULL);
    }
    waited = motion_now_ns() - t0;
    md_warn("EMERGENCY STOP requested by %s (%s)%s", r->local ? "a local user" : r->token_id,
            r->addr, effective ? "" : ": not confirmed by the control loop");
    md_reply_json(r, effective ? 200 : 503,
                  json_pack("{s:b, s:b, s:f, s:s}", "estop", true, "effective", effective,
                            "confirmed_ms", (double)waited / 1e6, "message",
                            effective ? "damping until released"
                                      : "requested, but the control loop did not confirm it"));
}

static void h_release(md_daemon *d, md_http_req *r)
{
    motion_loop_release(d->loop);
    md_info("release requested by %s", r->local ? "a local user" : r->token_id);
    md_reply_json(r, 200, json_pack("{s:s}", "ok", "released"));
}

/* ---- event stream --------------------------------------------------------------------------- */

typedef struct stream {
    md_daemon *d;
    uint64_t cursor;
    char *pending; /* a frame not yet sent in full */
    size_t off;
} stream;

static atomic_int g_streams;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *s = cls;
    bool closed = false;
    size_t n;

    (void)pos;
    if (!s->pending) {
        /* Blocking here is fine: every connection has its own thread. */
        s->pending = md_events_next(s->d->events, &s->cursor, EVENTS_KEEPALIVE_MS, &closed);
        s->off = 0;
        if (!s->pending) {
            if (closed)
                return MHD_CONTENT_READER_END_OF_STREAM;
            s->pending = strdup(": keep-alive\n\n");
            if (!s->pending)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        }
    }
    n = strlen(s->pending + s->off);
    if (n > max)
        n = max;
    memcpy(buf, s->pending + s->off, n);
    s->off += n;
    if (!s->pending[s->off]) {
        free(s->pending);
        s->pending = NULL;
    }
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream *s = cls;

    free(s->pending);
    free(s);
    atomic_fetch_sub(&g_streams, 1);
}

static void h_events(md_daemon *d, md_http_req *r)
{
    const char *last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
    struct MHD_Response *resp;
    stream *s;
    json_t *hello;
    char *text;

    if (atomic_fetch_add(&g_streams, 1) >= d->cfg->max_event_streams) {
        atomic_fetch_sub(&g_streams, 1);
        md_reply_error(r, 503, "too-many-streams", "%d event streams are open already",
                       d->cfg->max_event_streams);
        return;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        atomic_fetch_sub(&g_streams, 1);
        md_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    s->d = d;
    /* Resume after the last event the client saw, else start with what happens from now. */
    s->cursor = md_events_last(d->events);
    if (last && strspn(last, "0123456789") == strlen(last) && *last && strlen(last) < 19) {
        uint64_t id = strtoull(last, NULL, 10);
        if (id <= s->cursor)
            s->cursor = id;
    }
    /* The first frame: the state now, so that a page shows it at once. */
    hello = json_pack("{s:s, s:o}", "type", "hello", "motion", md_playback_status(d->playback));
    text = json_dumps(hello, JSON_COMPACT);
    json_decref(hello);
    s->pending = md_fmt("retry: 2000\nevent: hello\ndata: %s\n\n", text ? text : "{}");
    free(text);
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s, stream_free);
    if (!resp) {
        stream_free(s);
        md_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    md_reply_response(r, 200, resp);
}

/* ---- the table ------------------------------------------------------------------------------ */

#define PAGE MD_ROUTE_PUBLIC | MD_ROUTE_PAGE
#define JSON MD_ROUTE_JSON

const md_route md_routes[] = {
    {"GET", "/", h_index, PAGE, "the phone's web page"},
    {"GET", "/app.js", h_app_js, PAGE, "the page's script"},
    {"GET", "/app.css", h_app_css, PAGE, "the page's style sheet"},
    {"GET", "/icon.svg", h_icon, PAGE, "the page's icon"},
    {"POST", "/api/v1/pair", h_pair, MD_ROUTE_PUBLIC | JSON, "exchange a pairing code for a token"},
    {"GET", "/api/v1/pairing", h_pairing_code, MD_ROUTE_LOCAL, "the current pairing code"},
    {"GET", "/api/v1/tokens", h_tokens, 0, "paired devices"},
    {"DELETE", "/api/v1/tokens/*", h_token_revoke, 0, "revoke a device's token"},
    {"GET", "/api/v1/status", h_status, 0, "robot and playback status"},
    {"GET", "/api/v1/stats", h_stats, 0, "control-loop statistics"},
    {"POST", "/api/v1/stats/reset", h_stats_reset, JSON, "zero the control-loop statistics"},
    {"GET", "/api/v1/catalog", h_catalog, 0, "search the store for this robot"},
    {"POST", "/api/v1/catalog/refresh", h_refresh, JSON, "refresh the store's metadata (a job)"},
    {"GET", "/api/v1/catalog/*/thumbnail", h_catalog_thumbnail, 0,
     "a catalog package's thumbnail, installed or not"},
    {"GET", "/api/v1/packages", h_packages, 0, "installed packages"},
    {"GET", "/api/v1/packages/*/thumbnail", h_thumbnail, 0, "an installed package's thumbnail"},
    {"POST", "/api/v1/install", h_install, JSON, "install a package (a job)"},
    {"POST", "/api/v1/upgrade", h_upgrade, JSON, "upgrade one or every package (a job)"},
    {"POST", "/api/v1/remove", h_remove, JSON, "remove a package (a job)"},
    {"POST", "/api/v1/sideload", h_sideload, MD_ROUTE_UPLOAD,
     "install an uploaded package with its signed metadata (a job)"},
    {"GET", "/api/v1/jobs", h_jobs, 0, "store jobs"},
    {"GET", "/api/v1/jobs/*", h_job, 0, "one job"},
    {"DELETE", "/api/v1/jobs/*", h_job_cancel, 0, "cancel a job"},
    {"POST", "/api/v1/play", h_play, JSON, "play a motion now"},
    {"GET", "/api/v1/queue", h_queue, 0, "what plays and what is queued"},
    {"POST", "/api/v1/queue", h_queue_add, JSON, "queue a motion"},
    {"DELETE", "/api/v1/queue", h_queue_clear, 0, "drop the queued motions"},
    {"POST", "/api/v1/pause", h_pause, JSON, "pause"},
    {"POST", "/api/v1/resume", h_resume, JSON, "resume"},
    {"POST", "/api/v1/stop", h_stop, JSON, "stop: decelerate and hold"},
    {"POST", "/api/v1/speed", h_speed, JSON, "change the playback speed"},
    {"POST", "/api/v1/estop", h_estop, MD_ROUTE_ESTOP, "emergency stop: damping until released"},
    {"POST", "/api/v1/release", h_release, JSON, "release the emergency stop"},
    {"GET", "/api/v1/events", h_events, 0, "Server-Sent Events"},
};
const size_t md_route_count = sizeof(md_routes) / sizeof(md_routes[0]);
