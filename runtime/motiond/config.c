/* motiond's configuration: built-in defaults, a JSON file, command-line overrides. One table
 * describes every key once, with its type and limits; the file loader and the command line both
 * go through it, so a value is checked the same way wherever it comes from. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "motion/motion.h"
#include "mpk/robot.h"

#define CONFIG_MAX_SIZE (256 * 1024)

const char md_usage[] =
    "usage: motiond [--config FILE] [options]\n"
    "\n"
    "The robot daemon: runs the motion runtime's control loop and the store client, and serves\n"
    "the phone's API and web page (docs/motiond.md, docs/bridge-api.md).\n"
    "\n"
    "options (each overrides the configuration file's key of the same name):\n"
    "  --config FILE            configuration file (default: $MOTIOND_CONFIG, else\n"
    "                           ROOT/etc/motionstore/motiond.json when it exists)\n"
    "  --root DIR               data root: the store client's root folder (data_root, /)\n"
    "  --robot MODEL            robot model (robot, g1-29dof)\n"
    "  --backend NAME           sim, record or dds (backend, sim)\n"
    "  --backend-option K=V     an option for the backend, repeatable (backend_options)\n"
    "  --rate HZ                control rate, 50..1000 (rate, 500)\n"
    "  --mode MODE              default, arm or full (mode, default)\n"
    "  --allow-full-body        let packages with the full-body permission drive the legs\n"
    "  --store URL              store base URL, repeatable for mirrors (store_url)\n"
    "  --trusted-root FILE      the store's root.json, trusted on first use (trusted_root)\n"
    "  --listen ADDR            address of the phone API (listen, 0.0.0.0)\n"
    "  --port N                 its port, 0 for any free one (port, 8470)\n"
    "  --port-file FILE         write the port listened on to FILE once listening\n"
    "  --socket PATH            Unix socket for mstore play/stop/status, '' for none\n"
    "                           (socket, ROOT/run/motionstore/motiond.sock)\n"
    "  --allow-origin ORIGIN    allow cross-origin requests from ORIGIN, repeatable\n"
    "  --log-level LEVEL        error, warn, info or debug (log_level, info)\n"
    "  --no-realtime            no SCHED_FIFO or mlockall for the control loop (realtime)\n"
    "  --qr auto|always|never   print the pairing QR code (qr, auto: on a terminal)\n"
    "  --print-config           print the effective configuration as JSON and exit\n"
    "  --help, --version\n"
    "\n"
    "Signals: SIGTERM or SIGINT stop motion, damp the robot, save state and exit 0.\n";

typedef enum key_type { K_STR, K_INT, K_LONG, K_DOUBLE, K_BOOL, K_LIST } key_type;

typedef struct key_def {
    const char *key;  /* JSON key */
    const char *flag; /* command-line flag, or NULL */
    key_type type;
    size_t offset; /* of the value; for K_LIST, of the array, and count_offset of the count */
    size_t count_offset;
    double min, max;
    const char *const *choices; /* allowed strings, NULL-terminated */
} key_def;

static const char *const modes[] = {"default", "arm", "full", NULL};
static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const qr_modes[] = {"auto", "always", "never", NULL};

#define OFF(f)     offsetof(md_config, f)
#define LIST(f, n) OFF(f), OFF(n)
static const key_def keys[] = {
    {"robot", "--robot", K_STR, OFF(robot), 0, 0, 0, NULL},
    {"backend", "--backend", K_STR, OFF(backend), 0, 0, 0, NULL},
    {"backend_options", "--backend-option", K_LIST, LIST(backend_options, n_backend_options), 0, 0,
     NULL},
    {"rate", "--rate", K_DOUBLE, OFF(rate_hz), 0, MOTION_RATE_MIN, MOTION_RATE_MAX, NULL},
    {"mode", "--mode", K_STR, OFF(mode), 0, 0, 0, modes},
    {"allow_full_body", "--allow-full-body", K_BOOL, OFF(allow_full_body), 0, 0, 0, NULL},
    {"store_url", "--store", K_LIST, LIST(store_urls, n_store_urls), 0, 0, NULL},
    {"trusted_root", "--trusted-root", K_STR, OFF(trusted_root), 0, 0, 0, NULL},
    {"listen", "--listen", K_STR, OFF(listen), 0, 0, 0, NULL},
    {"port", "--port", K_INT, OFF(port), 0, 0, 65535, NULL},
    {"socket", "--socket", K_STR, OFF(socket_path), 0, 0, 0, NULL},
    {"data_root", "--root", K_STR, OFF(data_root), 0, 0, 0, NULL},
    {"log_level", "--log-level", K_STR, 0, 0, 0, 0, levels}, /* special-cased: enum */
    {"realtime", NULL, K_BOOL, OFF(realtime), 0, 0, 0, NULL},
    {"max_body", NULL, K_LONG, OFF(max_body), 0, 256, 16 * 1024 * 1024, NULL},
    {"max_upload", NULL, K_LONG, OFF(max_upload), 0, 4096, 1024.0 * 1024 * 1024, NULL},
    {"allowed_origins", "--allow-origin", K_LIST, LIST(allowed_origins, n_allowed_origins), 0, 0,
     NULL},
    {"pairing_code_lifetime", NULL, K_INT, OFF(pairing_code_lifetime), 0, 10, 86400, NULL},
    {"pairing_attempts_per_minute", NULL, K_INT, OFF(pairing_attempts_per_minute), 0, 1, 1000,
     NULL},
    {"max_connections", NULL, K_INT, OFF(max_connections), 0, 8, 4096, NULL},
    {"max_connections_per_client", NULL, K_INT, OFF(max_connections_per_client), 0, 1, 4095, NULL},
    {"max_event_streams", NULL, K_INT, OFF(max_event_streams), 0, 1, 256, NULL},
    {"qr", "--qr", K_STR, OFF(qr), 0, 0, 0, qr_modes},
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static char *xstrdup(const char *s)
{
    char *d = strdup(s);

    if (!d)
        abort(); /* a configuration is a few hundred bytes: no memory at start-up is fatal */
    return d;
}

static void set_str(char **slot, const char *value)
{
    free(*slot);
    *slot = xstrdup(value);
}

void md_config_defaults(md_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->robot = xstrdup("g1-29dof");
    cfg->backend = xstrdup("sim");
    cfg->rate_hz = MOTION_RATE_DEFAULT;
    cfg->mode = xstrdup("default");
    cfg->listen = xstrdup("0.0.0.0");
    cfg->port = MD_DEFAULT_PORT;
    cfg->data_root = xstrdup("/");
    cfg->log_level = MD_LOG_INFO;
    cfg->realtime = true;
    cfg->max_body = 64 * 1024;
    cfg->max_upload = 64L * 1024 * 1024;
    cfg->pairing_code_lifetime = 600;
    cfg->pairing_attempts_per_minute = 5;
    cfg->max_connections = 256;
    cfg->max_connections_per_client = 0; /* not set: half of max_connections */
    cfg->max_event_streams = 16;
    cfg->qr = xstrdup("auto");
}

void md_config_clear(md_config *cfg)
{
    free(cfg->robot);
    free(cfg->backend);
    for (int i = 0; i < cfg->n_backend_options; i++)
        free(cfg->backend_options[i]);
    free(cfg->mode);
    for (int i = 0; i < cfg->n_store_urls; i++)
        free(cfg->store_urls[i]);
    free(cfg->trusted_root);
    free(cfg->listen);
    free(cfg->socket_path);
    free(cfg->data_root);
    for (int i = 0; i < cfg->n_allowed_origins; i++)
        free(cfg->allowed_origins[i]);
    free(cfg->qr);
    free(cfg->port_file);
    free(cfg->config_path);
    memset(cfg, 0, sizeof(*cfg));
}

static const key_def *find_key(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].key, key) == 0)
            return &keys[i];
    return NULL;
}

static const key_def *find_flag(const char *flag)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (keys[i].flag && strcmp(keys[i].flag, flag) == 0)
            return &keys[i];
    return NULL;
}

/* Checks and stores a string value of a string-valued key. */
static int set_string_key(md_config *cfg, const key_def *k, const char *value, char *msg,
                          size_t msg_size)
{
    if (k->choices) {
        bool ok = false;
        for (int i = 0; k->choices[i]; i++)
            ok = ok || strcmp(k->choices[i], value) == 0;
        if (!ok) {
            snprintf(msg, msg_size, "%s: '%s' is not one of the allowed values", k->key, value);
            return -1;
        }
    }
    if (strcmp(k->key, "log_level") == 0) {
        md_log_level lv;
        if (md_log_parse_level(&lv, value) != 0) {
            snprintf(msg, msg_size, "log_level: '%s' must be error, warn, info or debug", value);
            return -1;
        }
        cfg->log_level = lv;
        return 0;
    }
    if (strlen(value) > 4096) {
        snprintf(msg, msg_size, "%s: longer than 4096 bytes", k->key);
        return -1;
    }
    set_str((char **)((char *)cfg + k->offset), value);
    return 0;
}

static int add_list_value(md_config *cfg, const key_def *k, const char *value, char *msg,
                          size_t msg_size)
{
    char **arr = (char **)((char *)cfg + k->offset);
    int *n = (int *)((char *)cfg + k->count_offset);

    if (*n >= MD_MAX_LIST) {
        snprintf(msg, msg_size, "%s: at most %d values", k->key, MD_MAX_LIST);
        return -1;
    }
    if (!*value || strlen(value) > 4096) {
        snprintf(msg, msg_size, "%s: values must be 1 to 4096 bytes", k->key);
        return -1;
    }
    arr[(*n)++] = xstrdup(value);
    return 0;
}

static void clear_list(md_config *cfg, const key_def *k)
{
    char **arr = (char **)((char *)cfg + k->offset);
    int *n = (int *)((char *)cfg + k->count_offset);

    for (int i = 0; i < *n; i++) {
        free(arr[i]);
        arr[i] = NULL;
    }
    *n = 0;
}

static int set_number(md_config *cfg, const key_def *k, double v, char *msg, size_t msg_size)
{
    if (!(v >= k->min && v <= k->max)) {
        snprintf(msg, msg_size, "%s: %g is outside %g..%g", k->key, v, k->min, k->max);
        return -1;
    }
    if (k->type == K_DOUBLE) {
        *(double *)((char *)cfg + k->offset) = v;
        return 0;
    }
    if (v != (double)(long)v) {
        snprintf(msg, msg_size, "%s: must be a whole number", k->key);
        return -1;
    }
    if (k->type == K_INT)
        *(int *)((char *)cfg + k->offset) = (int)v;
    else
        *(long *)((char *)cfg + k->offset) = (long)v;
    return 0;
}

/* A value from the command line (always a string; "true"/"false" for booleans). */
static int set_from_text(md_config *cfg, const key_def *k, const char *text, char *msg,
                         size_t msg_size)
{
    char *end;
    double v;

    switch (k->type) {
    case K_STR:
        return set_string_key(cfg, k, text, msg, msg_size);
    case K_LIST:
        return add_list_value(cfg, k, text, msg, msg_size);
    case K_BOOL:
        *(bool *)((char *)cfg + k->offset) = strcmp(text, "false") != 0;
        return 0;
    default:
        errno = 0;
        v = strtod(text, &end);
        if (errno || end == text || *end) {
            snprintf(msg, msg_size, "%s: '%s' is not a number", k->key, text);
            return -1;
        }
        return set_number(cfg, k, v, msg, msg_size);
    }
}

static int set_from_json(md_config *cfg, const key_def *k, json_t *v, char *msg, size_t msg_size)
{
    switch (k->type) {
    case K_STR:
        if (!json_is_string(v))
            break;
        return set_string_key(cfg, k, json_string_value(v), msg, msg_size);
    case K_BOOL:
        if (!json_is_boolean(v))
            break;
        *(bool *)((char *)cfg + k->offset) = json_is_true(v);
        return 0;
    case K_LIST: {
        size_t i;
        json_t *item;
        clear_list(cfg, k);
        if (json_is_string(v))
            return add_list_value(cfg, k, json_string_value(v), msg, msg_size);
        if (!json_is_array(v))
            break;
        json_array_foreach(v, i, item)
        {
            if (!json_is_string(item)) {
                snprintf(msg, msg_size, "%s[%zu]: must be a string", k->key, i);
                return -1;
            }
            if (add_list_value(cfg, k, json_string_value(item), msg, msg_size))
                return -1;
        }
        return 0;
    }
    default:
        if (!json_is_number(v))
            break;
        return set_number(cfg, k, json_number_value(v), msg, msg_size);
    }
    snprintf(msg, msg_size, "%s: must be %s", k->key,
             k->type == K_STR    ? "a string"
             : k->type == K_BOOL ? "true or false"
             : k->type == K_LIST ? "a string or an array of strings"
                                 : "a number");
    return -1;
}

int md_config_read_file(md_config *cfg, const char *path, char *msg, size_t msg_size)
{
    json_error_t jerr;
    json_t *root = NULL, *v;
    const char *key;
    struct stat st;
    char inner[512];
    int rc = -1;

    if (stat(path, &st) != 0) {
        snprintf(msg, msg_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_size > CONFIG_MAX_SIZE) {
        snprintf(msg, msg_size, "%s: larger than %d bytes", path, CONFIG_MAX_SIZE);
        return -1;
    }
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(msg, msg_size, "%s:%d: %s", path, jerr.line, jerr.text);
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(msg, msg_size, "%s: must hold a JSON object", path);
        goto out;
    }
    json_object_foreach(root, key, v)
    {
        const key_def *k = find_key(key);
        if (!k) {
            snprintf(msg, msg_size, "%s: unknown key '%s'", path, key);
            goto out;
        }
        if (set_from_json(cfg, k, v, inner, sizeof(inner))) {
            snprintf(msg, msg_size, "%s: %s", path, inner);
            goto out;
        }
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

/* Checks that need several keys, or libraries. */
static int check(const md_config *cfg, char *msg, size_t msg_size)
{
    unsigned char addr[16];
    motion_mode mode;

    if (!mpk_robot_find(cfg->robot)) {
        snprintf(msg, msg_size, "robot: unknown model '%s' (mpk robots lists them)", cfg->robot);
        return -1;
    }
    if (motion_mode_parse(&mode, cfg->mode) != MOTION_OK) {
        snprintf(msg, msg_size, "mode: '%s' must be default, arm or full", cfg->mode);
        return -1;
    }
    if (inet_pton(AF_INET, cfg->listen, addr) != 1 && inet_pton(AF_INET6, cfg->listen, addr) != 1) {
        snprintf(msg, msg_size, "listen: '%s' is not an IPv4 or IPv6 address", cfg->listen);
        return -1;
    }
    for (int i = 0; i < cfg->n_backend_options; i++)
        if (!strchr(cfg->backend_options[i], '=')) {
            snprintf(msg, msg_size, "backend_options: '%s' must be key=value",
                     cfg->backend_options[i]);
            return -1;
        }
    for (int i = 0; i < cfg->n_store_urls; i++)
        if (strncmp(cfg->store_urls[i], "http://", 7) &&
            strncmp(cfg->store_urls[i], "https://", 8)) {
            snprintf(msg, msg_size, "store_url: '%s' must start with http:// or https://",
                     cfg->store_urls[i]);
            return -1;
        }
    for (int i = 0; i < cfg->n_allowed_origins; i++)
        if (strncmp(cfg->allowed_origins[i], "http://", 7) &&
            strncmp(cfg->allowed_origins[i], "https://", 8)) {
            snprintf(msg, msg_size, "allowed_origins: '%s' must be scheme://host[:port]",
                     cfg->allowed_origins[i]);
            return -1;
        }
    if (!*cfg->data_root) {
        snprintf(msg, msg_size, "data_root: must not be empty");
        return -1;
    }
    if (cfg->max_connections_per_client >= cfg->max_connections) {
        snprintf(msg, msg_size,
                 "max_connections_per_client: %d must be below max_connections (%d), or one "
                 "client can hold every connection and keep the phone's emergency stop out",
                 cfg->max_connections_per_client, cfg->max_connections);
        return -1;
    }
    return 0;
}

static const char *find_arg(int argc, char **argv, const char *flag)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return argv[i + 1];
    return NULL;
}

int md_config_load(md_config *cfg, int argc, char **argv, FILE *err)
{
    char msg[1024];
    const char *path, *root;
    bool print = false;
    char *def = NULL;

    md_config_defaults(cfg);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(md_usage, stdout);
            return 1;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("motiond %s (libmotion %s)\n", motion_version(), motion_version());
            return 1;
        }
    }
    /* The file first, so that the command line overrides it. */
    path = find_arg(argc, argv, "--config");
    if (!path)
        path = getenv("MOTIOND_CONFIG");
    if (!path) {
        struct stat st;
        root = find_arg(argc, argv, "--root");
        if (!root)
            root = "/";
        if (asprintf(&def, "%s/etc/motionstore/motiond.json", strcmp(root, "/") ? root : "") < 0)
            abort();
        if (stat(def, &st) == 0)
            path = def;
    }
    if (path) {
        if (md_config_read_file(cfg, path, msg, sizeof(msg))) {
            fprintf(err, "motiond: %s\n", msg);
            free(def);
            return 2;
        }
        cfg->config_path = xstrdup(path);
    }
    free(def);
    /* A list given on the command line replaces the file's list. */
    bool cleared[N_KEYS] = {false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const key_def *k;
        if (!strcmp(a, "--config")) {
            i++;
            continue;
        }
        if (!strcmp(a, "--print-config")) {
            print = true;
            continue;
        }
        if (!strcmp(a, "--no-realtime")) {
            cfg->realtime = false;
            continue;
        }
        if (!strcmp(a, "--port-file") && i + 1 < argc) {
            set_str(&cfg->port_file, argv[++i]);
            continue;
        }
        k = find_flag(a);
        if (!k) {
            fprintf(err, "motiond: unknown option '%s' (try --help)\n", a);
            return 2;
        }
        if (k->type == K_BOOL) {
            *(bool *)((char *)cfg + k->offset) = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(err, "motiond: %s needs a value (try --help)\n", a);
            return 2;
        }
        if (k->type == K_LIST && !cleared[k - keys]) {
            clear_list(cfg, k);
            cleared[k - keys] = true;
        }
        if (set_from_text(cfg, k, argv[++i], msg, sizeof(msg))) {
            fprintf(err, "motiond: %s: %s\n", a, msg);
            return 2;
        }
    }
    if (cfg->max_connections_per_client == 0)
        cfg->max_connections_per_client = cfg->max_connections / 2;
    if (check(cfg, msg, sizeof(msg))) {
        fprintf(err, "motiond: %s%s%s\n", cfg->config_path ? cfg->config_path : "",
                cfg->config_path ? ": " : "", msg);
        return 2;
    }
    if (print) {
        json_t *j = md_config_json(cfg);
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(j);
        return 1;
    }
    return 0;
}

static json_t *list_json(char *const *arr, int n)
{
    json_t *a = json_array();

    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_string(arr[i]));
    return a;
}

json_t *md_config_json(const md_config *c)
{
    return json_pack(
        "{s:s, s:s, s:o, s:f, s:s, s:b, s:o, s:s?, s:s, s:i, s:s?, s:s, s:s, s:b, s:I, s:I, s:o, "
        "s:i, s:i, s:i, s:i, s:i, s:s, s:s?}",
        "robot", c->robot, "backend", c->backend, "backend_options",
        list_json(c->backend_options, c->n_backend_options), "rate", c->rate_hz, "mode", c->mode,
        "allow_full_body", c->allow_full_body, "store_url",
        list_json(c->store_urls, c->n_store_urls), "trusted_root", c->trusted_root, "listen",
        c->listen, "port", c->port, "socket", c->socket_path, "data_root", c->data_root,
        "log_level", md_log_level_name(c->log_level), "realtime", c->realtime, "max_body",
        (json_int_t)c->max_body, "max_upload", (json_int_t)c->max_upload, "allowed_origins",
        list_json(c->allowed_origins, c->n_allowed_origins), "pairing_code_lifetime",
        c->pairing_code_lifetime, "pairing_attempts_per_minute", c->pairing_attempts_per_minute,
        "max_connections", c->max_connections, "max_connections_per_client",
        c->max_connections_per_client, "max_event_streams", c->max_event_streams, "qr", c->qr,
        "config", c->config_path);
}
