/* DIR/server.json: strict JSON configuration with defaults. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "error.h"
#include "util.h"

static const char *const role_names[SRV_ROLE_COUNT] = {"root", "targets", "snapshot", "timestamp"};

const char *srv_role_name(int role)
{
    return role >= 0 && role < SRV_ROLE_COUNT ? role_names[role] : "?";
}

void srv_config_defaults(srv_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->listen = strdup("127.0.0.1");
    cfg->port = 8080;
    cfg->review = false;
    cfg->max_upload = 64ull * 1024 * 1024;
    cfg->upload_timeout = 30;
    cfg->upload_min_rate = 1024;
    cfg->expiry_days[SRV_ROLE_ROOT] = 365;
    cfg->expiry_days[SRV_ROLE_TARGETS] = 30;
    cfg->expiry_days[SRV_ROLE_SNAPSHOT] = 7;
    cfg->expiry_days[SRV_ROLE_TIMESTAMP] = 1;
    cfg->root_threshold = 2;
    cfg->keep_versions = 20;
    cfg->threads = 256;
    cfg->refresh_interval = 60;
}

long long srv_config_lifetime(const srv_config *cfg, int role)
{
    if (cfg->expiry_seconds[role] > 0)
        return cfg->expiry_seconds[role];
    return (long long)cfg->expiry_days[role] * 86400;
}

void srv_config_clear(srv_config *cfg)
{
    free(cfg->listen);
    cfg->listen = NULL;
}

static int get_int(int *out, json_t *obj, const char *key, long long lo, long long hi,
                   const char *path)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return SRV_OK;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return srv_err(SRV_EFORMAT, "%s: %s: must be an integer from %lld to %lld", path, key, lo,
                       hi);
    *out = (int)json_integer_value(v);
    return SRV_OK;
}

int srv_config_load(srv_config *cfg, const char *dir)
{
    static const char *const known[] = {"listen",
                                        "port",
                                        "review",
                                        "max_upload",
                                        "expiry_days",
                                        "upload_timeout",
                                        "upload_min_rate",
                                        "root_threshold",
                                        "keep_versions",
                                        "threads",
                                        "expiry_seconds",
                                        "refresh_interval",
                                        NULL};
    char *path = srv_join(dir, SRV_CONFIG_FILE);
    json_error_t jerr;
    json_t *root = NULL, *v;
    const char *key;
    int rc = SRV_OK, i;

    srv_config_defaults(cfg);
    if (!path)
        return srv_err(SRV_ENOMEM, "out of memory");
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        rc = srv_err(srv_exists(path) ? SRV_EFORMAT : SRV_ENOTFOUND, "%s: %s (line %d)", path,
                     jerr.text, jerr.line);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = srv_err(SRV_EFORMAT, "%s: must be a JSON object", path);
        goto out;
    }
    json_object_foreach(root, key, v)
    {
        for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
            ;
        if (!known[i]) {
            rc = srv_err(SRV_EFORMAT, "%s: %s: unknown setting", path, key);
            goto out;
        }
    }
    if ((v = json_object_get(root, "listen"))) {
        if (!json_is_string(v)) {
            rc = srv_err(SRV_EFORMAT, "%s: listen: must be an address string", path);
            goto out;
        }
        free(cfg->listen);
        cfg->listen = strdup(json_string_value(v));
    }
    if ((v = json_object_get(root, "review"))) {
        if (!json_is_boolean(v)) {
            rc = srv_err(SRV_EFORMAT, "%s: review: must be true or false", path);
            goto out;
        }
        cfg->review = json_is_true(v);
    }
    if ((v = json_object_get(root, "max_upload"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1024 ||
            json_integer_value(v) > (json_int_t)(1ll << 32)) {
            rc = srv_err(SRV_EFORMAT, "%s: max_upload: must be 1024 to 4294967296 bytes", path);
            goto out;
        }
        cfg->max_upload = (uint64_t)json_integer_value(v);
    }
    if ((rc = get_int(&cfg->port, root, "port", 0, 65535, path)) ||
        (rc = get_int(&cfg->upload_timeout, root, "upload_timeout", 1, 3600, path)) ||
        (rc = get_int(&cfg->upload_min_rate, root, "upload_min_rate", 0, 1 << 30, path)) ||
        (rc = get_int(&cfg->root_threshold, root, "root_threshold", 1, 16, path)) ||
        (rc = get_int(&cfg->keep_versions, root, "keep_versions", 2, 100000, path)) ||
        (rc = get_int(&cfg->threads, root, "threads", 4, 4096, path)) ||
        (rc = get_int(&cfg->refresh_interval, root, "refresh_interval", 1, 86400, path)))
        goto out;
    if ((v = json_object_get(root, "expiry_days"))) {
        json_t *e;
        if (!json_is_object(v)) {
            rc = srv_err(SRV_EFORMAT, "%s: expiry_days: must be an object", path);
            goto out;
        }
        json_object_foreach(v, key, e)
        {
            for (i = 0; i < SRV_ROLE_COUNT && strcmp(role_names[i], key) != 0; i++)
                ;
            if (i == SRV_ROLE_COUNT) {
                rc = srv_err(SRV_EFORMAT, "%s: expiry_days.%s: unknown role", path, key);
                goto out;
            }
            if ((rc = get_int(&cfg->expiry_days[i], v, key, 1, 3650, path)))
                goto out;
        }
    }
    if ((v = json_object_get(root, "expiry_seconds"))) {
        json_t *e;
        if (!json_is_object(v)) {
            rc = srv_err(SRV_EFORMAT, "%s: expiry_seconds: must be an object", path);
            goto out;
        }
        json_object_foreach(v, key, e)
        {
            for (i = 0; i < SRV_ROLE_COUNT && strcmp(role_names[i], key) != 0; i++)
                ;
            if (i == SRV_ROLE_COUNT) {
                rc = srv_err(SRV_EFORMAT, "%s: expiry_seconds.%s: unknown role", path, key);
                goto out;
            }
            if ((rc = get_int(&cfg->expiry_seconds[i], v, key, 1, 1 << 30, path)))
                goto out;
        }
    }
out:
    json_decref(root);
    free(path);
    return rc;
}

int srv_config_save(const srv_config *cfg, const char *dir)
{
    char *path = srv_join(dir, SRV_CONFIG_FILE), *text = NULL;
    json_t *root = json_object(), *exp = json_object();
    int rc, i;

    for (i = 0; i < SRV_ROLE_COUNT; i++)
        json_object_set_new(exp, role_names[i], json_integer(cfg->expiry_days[i]));
    json_object_set_new(root, "listen", json_string(cfg->listen));
    json_object_set_new(root, "port", json_integer(cfg->port));
    json_object_set_new(root, "review", json_boolean(cfg->review));
    json_object_set_new(root, "max_upload", json_integer((json_int_t)cfg->max_upload));
    json_object_set_new(root, "upload_timeout", json_integer(cfg->upload_timeout));
    json_object_set_new(root, "upload_min_rate", json_integer(cfg->upload_min_rate));
    json_object_set_new(root, "root_threshold", json_integer(cfg->root_threshold));
    json_object_set_new(root, "keep_versions", json_integer(cfg->keep_versions));
    json_object_set_new(root, "threads", json_integer(cfg->threads));
    json_object_set_new(root, "expiry_days", exp);
    json_object_set_new(root, "refresh_interval", json_integer(cfg->refresh_interval));
    text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!path || !text)
        rc = srv_err(SRV_ENOMEM, "out of memory");
    else
        rc = srv_write_atomic(path, text, strlen(text), 0644);
    json_decref(root);
    free(text);
    free(path);
    return rc;
}
