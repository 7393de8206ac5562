/* mstore play, stop and status: HTTP over motiond's Unix socket (libcurl). Access is decided by
 * the socket file's permissions, so no token is needed here. */
#include "robot_cmds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define ANSWER_MAX (1024 * 1024)

static const char usage[] =
    "usage: mstore [--root DIR] [--json] play ID [--motion NAME] [--loop N|forever]\n"
    "                                     [--speed S] [--queue] [--socket PATH]\n"
    "       mstore [--root DIR] [--json] stop [--stand | --estop | --release] [--socket PATH]\n"
    "       mstore [--root DIR] [--json] status [--socket PATH]\n"
    "\n"
    "They talk to motiond over its Unix socket: --socket PATH, else $MOTIOND_SOCKET, else\n"
    "ROOT/run/motionstore/motiond.sock.\n"
    "  play      play an installed package's motion now (--queue: after what plays)\n"
    "  stop      decelerate and hold (--stand: then return to the standing pose);\n"
    "            --estop: emergency stop (damping until released); --release: release it\n"
    "  status    the robot, what plays, faults and store jobs\n";

bool cli_robot_command(const char *cmd)
{
    return !strcmp(cmd, "play") || !strcmp(cmd, "stop") || !strcmp(cmd, "status");
}

typedef struct answer {
    char *data;
    size_t size;
} answer;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
    answer *a = user;
    size_t n = size * nmemb;
    char *p;

    if (a->size + n > ANSWER_MAX)
        return 0;
    p = realloc(a->data, a->size + n + 1);
    if (!p)
        return 0;
    a->data = p;
    memcpy(a->data + a->size, ptr, n);
    a->size += n;
    a->data[a->size] = '\0';
    return n;
}

/* One request. @return the HTTP status, or -1 when motiond could not be reached */
static long request(json_t **out, const char *socket, const char *method, const char *path,
                    json_t *body)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    answer a = {NULL, 0};
    char url[256], *text = NULL, err[CURL_ERROR_SIZE] = "";
    long status = -1;
    CURLcode rc;

    *out = NULL;
    if (!curl)
        return -1;
    snprintf(url, sizeof(url), "http://motiond%s", path);
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        text = json_dumps(body, JSON_COMPACT);
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text ? text : "{}");
    }
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        *out = a.data ? json_loads(a.data, 0, NULL) : NULL;
    } else {
        fprintf(stderr, "mstore: cannot reach motiond at %s: %s (is motiond running?)\n", socket,
                *err ? err : curl_easy_strerror(rc));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(text);
    free(a.data);
    return status;
}

static int fail_answer(const char *cmd, long status, json_t *v, const cli_out *out)
{
    const char *msg = json_string_value(json_object_get(v, "message"));
    const char *code = json_string_value(json_object_get(v, "error"));

    if (out->json)
        cli_json(json_incref(v ? v : json_pack("{s:s}", "error", "no-answer")));
    else
        fprintf(stderr, "mstore %s: %s (%s, HTTP %ld)\n", cmd, msg ? msg : "failed",
                code ? code : "error", status);
    return status == 404                    ? EXIT_NOTFOUND
           : status == 422 || status == 403 ? EXIT_INCOMPAT
                                            : EXIT_FAIL;
}

static void print_status(json_t *s)
{
    json_t *m = json_object_get(s, "motion"), *cur = json_object_get(m, "current");
    json_t *faults = json_object_get(m, "faults"), *jobs = json_object_get(s, "jobs");
    size_t i;
    json_t *f;

    printf("robot     %s (%s), backend %s, %g Hz, %s mode\n",
           json_string_value(json_object_get(json_object_get(s, "robot"), "name")),
           json_string_value(json_object_get(json_object_get(s, "robot"), "model")),
           json_string_value(json_object_get(s, "backend")),
           json_number_value(json_object_get(s, "rate_hz")),
           json_string_value(json_object_get(s, "mode")));
    printf("activity  %s\n", json_string_value(json_object_get(m, "activity")));
    if (json_is_object(cur))
        printf("playing   %s %s, %.1f / %.1f s, iteration %lld, speed %.2f%s\n",
               json_is_string(json_object_get(cur, "package"))
                   ? json_string_value(json_object_get(cur, "package"))
                   : "?",
               json_string_value(json_object_get(cur, "motion")),
               json_number_value(json_object_get(cur, "time")),
               json_number_value(json_object_get(cur, "duration")),
               json_integer_value(json_object_get(cur, "iteration")),
               json_number_value(json_object_get(m, "speed")),
               json_is_true(json_object_get(m, "paused")) ? " (paused)" : "");
    printf("faults    ");
    if (json_array_size(faults) == 0)
        printf("none");
    json_array_foreach(faults, i, f) printf("%s%s", i ? ", " : "", json_string_value(f));
    printf("%s\n", json_is_true(json_object_get(m, "estop")) ? " (emergency stop engaged)" : "");
    printf("jobs      %lld running, %lld queued\n",
           json_integer_value(json_object_get(jobs, "running")),
           json_integer_value(json_object_get(jobs, "queued")));
}

int cli_robot_run(const char *cmd, int argc, char **argv, const char *root, const cli_out *out)
{
    const char *socket = getenv("MOTIOND_SOCKET"), *id = NULL, *method = "POST", *path = NULL;
    char socket_buf[4096];
    json_t *body = NULL, *answer_json = NULL;
    bool queue = false;
    long status;
    int rc = EXIT_OK;

    if (!root || !*root)
        root = getenv("MSTORE_ROOT");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--socket") && more) {
            socket = argv[++i];
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            json_decref(body);
            return EXIT_OK;
        } else if (!strcmp(cmd, "play")) {
            if (!body)
                body = json_object();
            if (!strcmp(a, "--motion") && more)
                json_object_set_new(body, "motion", json_string(argv[++i]));
            else if (!strcmp(a, "--loop") && more) {
                const char *v = argv[++i];
                char *end;
                long n = strtol(v, &end, 10);
                json_object_set_new(body, "loop",
                                    !strcmp(v, "forever") ? json_string("forever")
                                    : (*end || end == v)  ? json_string(v) /* motiond says why */
                                                          : json_integer(n));
            } else if (!strcmp(a, "--speed") && more)
                json_object_set_new(body, "speed", json_real(atof(argv[++i])));
            else if (!strcmp(a, "--queue"))
                queue = true;
            else if (a[0] != '-' && !id)
                id = a;
            else
                goto usage_error;
        } else if (!strcmp(cmd, "stop") && !path) {
            if (!strcmp(a, "--stand"))
                body = json_pack("{s:b}", "return_to_stand", 1), path = "/api/v1/stop";
            else if (!strcmp(a, "--estop"))
                path = "/api/v1/estop";
            else if (!strcmp(a, "--release"))
                path = "/api/v1/release";
            else
                goto usage_error;
        } else {
            goto usage_error;
        }
    }
    if (!strcmp(cmd, "play")) {
        if (!id)
            goto usage_error;
        json_object_set_new(body, "package", json_string(id));
        path = queue ? "/api/v1/queue" : "/api/v1/play";
    } else if (!strcmp(cmd, "stop")) {
        if (!path)
            path = "/api/v1/stop";
        if (!body)
            body = json_object();
    } else {
        method = "GET";
        path = "/api/v1/status";
    }
    if (!socket) {
        snprintf(socket_buf, sizeof(socket_buf), "%s/run/motionstore/motiond.sock",
                 root && strcmp(root, "/") ? root : "");
        socket = socket_buf;
    }
    status = request(&answer_json, socket, method, path, body);
    if (status < 0) {
        rc = EXIT_NETWORK;
    } else if (status >= 300) {
        rc = fail_answer(cmd, status, answer_json, out);
    } else if (out->json) {
        cli_json(json_incref(answer_json));
    } else if (!strcmp(cmd, "status")) {
        print_status(answer_json);
    } else if (!strcmp(cmd, "play")) {
        if (!out->quiet)
            printf("%s %s %s motion %s (tag %lld)\n", queue ? "queued" : "playing", id,
                   json_string_value(json_object_get(answer_json, "version")),
                   json_string_value(json_object_get(answer_json, "motion")),
                   json_integer_value(json_object_get(answer_json, "tag")));
    } else if (!out->quiet) {
        const char *what = !strcmp(path, "/api/v1/estop")     ? "emergency stop engaged"
                           : !strcmp(path, "/api/v1/release") ? "released"
                                                              : "stopping";
        printf("%s\n", what);
    }
    json_decref(answer_json);
    json_decref(body);
    return rc;
usage_error:
    fprintf(stderr, "mstore %s: unexpected arguments\n%s", cmd, usage);
    json_decref(body);
    return EXIT_USAGE;
}
