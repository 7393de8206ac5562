/* Admin commands on the database: developers, tokens, review, uploads, yank, audit log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "devs.h"
#include "error.h"
#include "uploads.h"
#include "util.h"

#define MAX_LIST 64

static bool parse_id(long long *out, const char *text)
{
    char *end;

    *out = strtoll(text, &end, 10);
    return *text && !*end && *out > 0;
}

static void print_table(json_t *rows, const char *const *columns)
{
    size_t i, c;
    json_t *row;

    for (c = 0; columns[c]; c++)
        printf("%s%s", c ? "\t" : "", columns[c]);
    printf("\n");
    json_array_foreach(rows, i, row)
    {
        for (c = 0; columns[c]; c++) {
            json_t *v = json_object_get(row, columns[c]);
            char *text = NULL;
            if (json_is_string(v))
                printf("%s%s", c ? "\t" : "", json_string_value(v));
            else if (!v || json_is_null(v))
                printf("%s-", c ? "\t" : "");
            else if ((text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
                printf("%s%s", c ? "\t" : "", text);
            free(text);
        }
        printf("\n");
    }
}

static void output(const srv_cli *cli, json_t *rows, const char *const *columns)
{
    if (cli->json) {
        srv_cli_print_json(rows);
        return;
    }
    print_table(rows, columns);
    json_decref(rows);
}

int srv_cmd_developer(const srv_cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL, *name = NULL, *key = NULL;
    const char *ns[MAX_LIST];
    size_t ns_count = 0;
    srv_store *s = NULL;
    json_t *list = NULL;
    int i, rc = SRV_EXIT_OK;

    if (!sub)
        return srv_cli_usage("developer", "expected add, remove or list");
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key = argv[++i];
        else if (strcmp(argv[i], "--namespace") == 0 && i + 1 < argc && ns_count < MAX_LIST)
            ns[ns_count++] = argv[++i];
        else if (argv[i][0] != '-' && !name)
            name = argv[i];
        else
            return srv_cli_usage("developer", "unexpected argument '%s'", argv[i]);
    }
    if (strcmp(sub, "add") == 0) {
        if (!name || !key || ns_count == 0)
            return srv_cli_usage("developer add",
                                 "usage: developer add NAME --key PUBLIC.pem --namespace "
                                 "com.example.* [--namespace ...]");
    } else if (strcmp(sub, "remove") == 0) {
        if (!name)
            return srv_cli_usage("developer remove", "usage: developer remove NAME");
    } else if (strcmp(sub, "list") != 0) {
        return srv_cli_usage("developer", "unknown subcommand '%s'", sub);
    }
    if (srv_cli_open(&s, cli, "developer"))
        return SRV_EXIT_FAIL;
    if (strcmp(sub, "add") == 0) {
        if (srv_dev_add(s->db, name, key, ns, ns_count, cli->actor))
            rc = srv_cli_fail("developer add", "%s", name);
        else
            printf("developer %s added\n", name);
    } else if (strcmp(sub, "remove") == 0) {
        if (srv_dev_remove(s->db, name, cli->actor))
            rc = srv_cli_fail("developer remove", "%s", name);
        else
            printf("developer %s removed; their tokens are revoked\n", name);
    } else {
        static const char *const cols[] = {"name",          "key_id",  "namespaces",
                                           "active_tokens", "removed", NULL};
        if (srv_dev_list(&list, s->db))
            rc = srv_cli_fail("developer list", "database");
        else
            output(cli, list, cols);
    }
    srv_store_close(s);
    return rc;
}

int srv_cmd_token(const srv_cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL, *arg = NULL, *label = "";
    srv_store *s = NULL;
    json_t *list = NULL;
    char *token = NULL;
    int64_t token_id;
    long long id = 0;
    int i, rc = SRV_EXIT_OK;

    if (!sub)
        return srv_cli_usage("token", "expected issue, revoke or list");
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
            label = argv[++i];
        else if (argv[i][0] != '-' && !arg)
            arg = argv[i];
        else
            return srv_cli_usage("token", "unexpected argument '%s'", argv[i]);
    }
    if (strcmp(sub, "issue") == 0 && !arg)
        return srv_cli_usage("token issue", "usage: token issue DEVELOPER [--label TEXT]");
    if (strcmp(sub, "revoke") == 0 && (!arg || !parse_id(&id, arg)))
        return srv_cli_usage("token revoke", "usage: token revoke TOKEN_ID (see token list)");
    if (strcmp(sub, "issue") && strcmp(sub, "revoke") && strcmp(sub, "list"))
        return srv_cli_usage("token", "unknown subcommand '%s'", sub);
    if (srv_cli_open(&s, cli, "token"))
        return SRV_EXIT_FAIL;
    if (strcmp(sub, "issue") == 0) {
        if (srv_token_issue(&token, &token_id, s->db, arg, label, cli->actor)) {
            rc = srv_cli_fail("token issue", "%s", arg);
        } else if (cli->json) {
            srv_cli_print_json(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)token_id, "token",
                                         token, "developer", arg));
        } else {
            /* The secret is shown once; the store keeps only its hash. */
            printf("%s\n", token);
            fprintf(stderr, "token #%lld for %s: store it now, it cannot be shown again\n",
                    (long long)token_id, arg);
        }
        free(token);
    } else if (strcmp(sub, "revoke") == 0) {
        if (srv_token_revoke(s->db, id, cli->actor))
            rc = srv_cli_fail("token revoke", "#%lld", id);
        else
            printf("token #%lld revoked\n", id);
    } else {
        static const char *const cols[] = {"id",      "developer", "label", "created",
                                           "revoked", "last_used", NULL};
        if (srv_token_list(&list, s->db))
            rc = srv_cli_fail("token list", "database");
        else
            output(cli, list, cols);
    }
    srv_store_close(s);
    return rc;
}

static const char *const upload_cols[] = {"upload", "developer", "id",      "version",
                                          "status", "size",      "reasons", NULL};

int srv_cmd_review(const srv_cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL, *arg = NULL, *reason = NULL;
    srv_store *s = NULL;
    json_t *list = NULL;
    long long id = 0;
    int i, rc = SRV_EXIT_OK;

    if (!sub)
        return srv_cli_usage("review", "expected list, approve or reject");
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (argv[i][0] != '-' && !arg)
            arg = argv[i];
        else
            return srv_cli_usage("review", "unexpected argument '%s'", argv[i]);
    }
    if (strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0) {
        if (!arg || !parse_id(&id, arg))
            return srv_cli_usage("review", "usage: review %s UPLOAD_ID%s", sub,
                                 strcmp(sub, "reject") == 0 ? " --reason TEXT" : "");
        if (strcmp(sub, "reject") == 0 && (!reason || !*reason))
            return srv_cli_usage("review reject", "a rejection needs --reason TEXT");
    } else if (strcmp(sub, "list") != 0) {
        return srv_cli_usage("review", "unknown subcommand '%s'", sub);
    }
    if (srv_cli_open(&s, cli, "review"))
        return SRV_EXIT_FAIL;
    if (strcmp(sub, "list") == 0) {
        if (srv_upload_list(&list, s, NULL, "queued"))
            rc = srv_cli_fail("review list", "database");
        else
            output(cli, list, upload_cols);
    } else {
        bool approve = strcmp(sub, "approve") == 0;
        if (srv_review(s, id, approve, reason, cli->actor))
            rc = srv_cli_fail("review", "%s upload #%lld", sub, id);
        else
            printf("upload #%lld %s\n", id, approve ? "approved and published" : "rejected");
    }
    srv_store_close(s);
    return rc;
}

int srv_cmd_uploads(const srv_cli *cli, int argc, char **argv)
{
    const char *state = NULL;
    srv_store *s = NULL;
    json_t *list = NULL;
    int i, rc = SRV_EXIT_OK;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
            state = argv[++i];
        else
            return srv_cli_usage("uploads", "unexpected argument '%s'", argv[i]);
    }
    if (srv_cli_open(&s, cli, "uploads"))
        return SRV_EXIT_FAIL;
    if (srv_upload_list(&list, s, NULL, state))
        rc = srv_cli_fail("uploads", "database");
    else
        output(cli, list, upload_cols);
    srv_store_close(s);
    return rc;
}

int srv_cmd_yank(const srv_cli *cli, int argc, char **argv)
{
    const char *id = NULL, *version = NULL, *reason = NULL;
    srv_store *s = NULL;
    int i, rc = SRV_EXIT_OK;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else if (argv[i][0] != '-' && !version)
            version = argv[i];
        else
            return srv_cli_usage("yank", "unexpected argument '%s'", argv[i]);
    }
    if (!id || !version || !reason)
        return srv_cli_usage("yank", "usage: yank ID VERSION --reason TEXT");
    if (srv_cli_open(&s, cli, "yank"))
        return SRV_EXIT_FAIL;
    if (srv_yank(s, id, version, reason, cli->actor))
        rc = srv_cli_fail("yank", "%s %s", id, version);
    else
        printf("%s %s yanked; the repository no longer offers it\n", id, version);
    srv_store_close(s);
    return rc;
}

int srv_cmd_audit(const srv_cli *cli, int argc, char **argv)
{
    static const char *const cols[] = {"time", "actor", "action", "subject", "detail", NULL};
    srv_store *s = NULL;
    sqlite3_stmt *st = NULL;
    json_t *rows = json_array();
    long long limit = 100;
    int i, rc = SRV_EXIT_OK;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc && parse_id(&limit, argv[i + 1]))
            i++;
        else {
            json_decref(rows);
            return srv_cli_usage("audit", "unexpected argument '%s'", argv[i]);
        }
    }
    if (srv_cli_open(&s, cli, "audit")) {
        json_decref(rows);
        return SRV_EXIT_FAIL;
    }
    srv_db_lock(s->db);
    if (srv_db_prepare(&st, s->db,
                       "SELECT time, actor, action, subject, detail FROM audit "
                       "ORDER BY id DESC LIMIT ?") == SRV_OK) {
        sqlite3_bind_int64(st, 1, limit);
        while (sqlite3_step(st) == SQLITE_ROW) {
            char when[24];
            srv_time_iso(when, (time_t)sqlite3_column_int64(st, 0));
            json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s}", "time", when,
                                                  "actor", sqlite3_column_text(st, 1), "action",
                                                  sqlite3_column_text(st, 2), "subject",
                                                  sqlite3_column_text(st, 3), "detail",
                                                  sqlite3_column_text(st, 4)));
        }
    } else {
        rc = srv_cli_fail("audit", "database");
    }
    sqlite3_finalize(st);
    srv_db_unlock(s->db);
    if (rc == SRV_EXIT_OK)
        output(cli, rows, cols);
    else
        json_decref(rows);
    srv_store_close(s);
    return rc;
}
