/* Helpers of the authoring commands (cli_project.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_project.h"
#include "internal.h"
#include "json_util.h"
#include "project_internal.h"

extern char **environ;

int cli_project_read(json_t **doc, const char *dir)
{
    char *path = mpk__asprintf("%s/%s", dir, MPK_PROJECT_FILE), *text = NULL;
    size_t size = 0;
    int error;

    if (!path)
        return mpk__error(MPK_ENOMEM, "out of memory");
    error = mpk__read_file(&text, &size, path, MPK_PROJECT_MAX_SIZE);
    if (!error) {
        error = mpk__json_parse(doc, text, size);
        if (!error && !json_is_object(*doc)) {
            json_decref(*doc);
            error = mpk__error(MPK_EFORMAT, "must be an object");
        }
        if (error)
            mpk__error_prefix(error, "%s", path);
    }
    free(text);
    free(path);
    return error;
}

int cli_project_write(const char *dir, const json_t *doc)
{
    char *text = NULL, *path = NULL;
    mpk_project *check = NULL;
    size_t size = 0;
    int error;

    error = mpk__json_write_pretty(&text, &size, doc);
    if (!error)
        error = mpk__project_load_text(&check, dir, text, size);
    mpk_project_free(check);
    if (!error) {
        path = mpk__asprintf("%s/%s", dir, MPK_PROJECT_FILE);
        error = path ? mpk__write_file_atomic(path, text, size, 0644)
                     : mpk__error(MPK_ENOMEM, "out of memory");
    }
    free(path);
    free(text);
    return error;
}

bool cli_text_arg(json_t *texts, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char lang[16];

    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(lang) || !eq[1])
        return false;
    memcpy(lang, arg, (size_t)(eq - arg));
    lang[eq - arg] = '\0';
    return json_object_set_new(texts, lang, json_string(eq + 1)) == 0;
}

bool cli_motion_name_valid(const char *name)
{
    size_t n = strlen(name), i;

    if (n == 0 || n > 64)
        return false;
    for (i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_' || name[i] == '-'))
            return false;
    return true;
}

void cli_motion_name_from(char *out, size_t size, const char *file)
{
    const char *base = strrchr(file, '/'), *dot;
    size_t n = 0;

    base = base ? base + 1 : file;
    dot = strchr(base, '.');
    for (; *base && base != dot && n + 1 < size && n < 64; base++) {
        char c = *base;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            c = '_';
        out[n++] = c;
    }
    out[n] = '\0';
}

int cli_write_new(const char *path, const void *data, size_t size)
{
    if (access(path, F_OK) == 0)
        return mpk__error(MPK_EEXISTS, "%s: already exists", path);
    return mpk__write_file_atomic(path, data, size, 0644);
}

int cli_make_dirs(const char *dir, const char *sub)
{
    char *path = sub ? mpk__asprintf("%s/%s", dir, sub) : mpk__strdup(dir);
    int error = MPK_OK;

    if (!path)
        return mpk__error(MPK_ENOMEM, "out of memory");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        error = mpk__error(MPK_EIO, "%s: %s", dir, strerror(errno));
    else if (sub && mkdir(path, 0755) != 0 && errno != EEXIST)
        error = mpk__error(MPK_EIO, "%s: %s", path, strerror(errno));
    free(path);
    return error;
}

bool cli_validation_arg(cli_validation_args *a, int opt, const char *arg, const char *cmd)
{
    char *end;
    double v = strtod(arg, &end);

    if (opt < 1000 || opt > 1008)
        return false;
    if (end == arg || *end || !isfinite(v)) {
        mpk_cli_usage(cmd, "'%s' is not a number", arg);
        return false;
    }
    a->set[opt - 1000] = true;
    a->value[opt - 1000] = v;
    return true;
}

void cli_validation_apply(mpk_validate_options *o, const cli_validation_args *a)
{
    double *fields[9] = {&o->margin,       &o->velocity_factor, &o->acceleration_factor,
                         &o->jerk_factor,  &o->max_jump,        &o->min_duration,
                         &o->max_duration, &o->stand_tolerance, &o->hold_tolerance};
    int i;

    for (i = 0; i < 9; i++)
        if (a->set[i])
            *fields[i] = a->value[i];
}

void cli_print_findings(FILE *out, const mpk_findings *list)
{
    size_t i;

    for (i = 0; i < mpk_findings_count(list); i++) {
        const mpk_finding *f = mpk_findings_get(list, i);
        fprintf(out, "%s: ", f->severity == MPK_SEVERITY_ERROR ? "error" : "warning");
        if (f->motion)
            fprintf(out, "motion '%s': ", f->motion);
        fprintf(out, "%s [%s]\n", f->message, mpk_rule_name(f->rule));
    }
}

int cli_run(char *const argv[], char **output)
{
    posix_spawn_file_actions_t actions;
    size_t len = 0, cap = 64 * 1024;
    char *buf = malloc(cap + 1);
    int fds[2], status = 0;
    pid_t pid;

    *output = NULL;
    if (!buf || pipe(fds) != 0) {
        free(buf);
        return -1;
    }
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (posix_spawn(&pid, argv[0], &actions, NULL, argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        close(fds[0]);
        close(fds[1]);
        free(buf);
        return -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    for (;;) {
        char chunk[4096];
        ssize_t n = read(fds[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (len < cap) {
            size_t take = (size_t)n < cap - len ? (size_t)n : cap - len;
            memcpy(buf + len, chunk, take);
            len += take;
        }
    }
    close(fds[0]);
    buf[len] = '\0';
    *output = buf;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
