/* mpk upload: POST a package to the store's developer API with libcurl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <jansson.h>
#include <mbedtls/sha256.h>

#include "internal.h"
#include "mpk/key.h"
#include "mpk/package.h"
#include "mpk/upload.h"

typedef struct reply_buf {
    char *data;
    size_t size;
    bool overflow;
} reply_buf;

typedef struct upload_ctx {
    FILE *file;
    uint64_t total;
    const mpk_upload_options *opt;
    reply_buf reply;
} upload_ctx;

static size_t read_body(char *buf, size_t size, size_t nmemb, void *userdata)
{
    upload_ctx *ctx = userdata;
    size_t n = fread(buf, 1, size * nmemb, ctx->file);

    if (n == 0 && ferror(ctx->file))
        return CURL_READFUNC_ABORT;
    return n;
}

static size_t write_reply(char *data, size_t size, size_t nmemb, void *userdata)
{
    reply_buf *r = userdata;
    size_t n = size * nmemb;
    char *grown;

    if (r->size + n > MPK_UPLOAD_REPLY_MAX) {
        r->overflow = true;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    grown = realloc(r->data, r->size + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + r->size, data, n);
    r->data = grown;
    r->size += n;
    r->data[r->size] = '\0';
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    upload_ctx *ctx = userdata;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    if (ctx->opt->progress)
        return ctx->opt->progress(ctx->opt->progress_ctx, (uint64_t)ulnow, ctx->total);
    return 0;
}

/* SHA-256 of the file, streamed; leaves the file at its start. */
static int hash_file(char *hex, FILE *f, const char *path)
{
    mbedtls_sha256_context sha;
    unsigned char buf[65536], digest[32];
    size_t n;

    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts_ret(&sha, 0);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        mbedtls_sha256_update_ret(&sha, buf, n);
    mbedtls_sha256_finish_ret(&sha, digest);
    mbedtls_sha256_free(&sha);
    if (ferror(f) || fseek(f, 0, SEEK_SET) != 0)
        return mpk__error(MPK_EIO, "%s: read error", path);
    mpk_hex(hex, digest, sizeof(digest));
    return MPK_OK;
}

void mpk_upload_result_free(mpk_upload_result *r)
{
    size_t i;

    if (!r)
        return;
    free(r->status);
    free(r->package_id);
    free(r->version);
    free(r->target);
    for (i = 0; i < r->reason_count; i++)
        free(r->reasons[i]);
    free(r->reasons);
    free(r->body);
    free(r);
}

static char *dup_field(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));

    return v ? strdup(v) : NULL;
}

/* Turns the store's JSON answer into a result. */
static int parse_reply(mpk_upload_result **out, long status, reply_buf *reply, const char *url)
{
    mpk_upload_result *r = NULL;
    json_t *root = NULL, *reasons, *item;
    json_error_t jerr;
    size_t i;
    int rc = MPK_OK;

    root = reply->data ? json_loadb(reply->data, reply->size, 0, &jerr) : NULL;
    if (!json_is_object(root)) {
        rc = mpk__error(MPK_ENETWORK, "%s: HTTP %ld with an answer that is not the store's JSON",
                        url, status);
        goto out;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        rc = mpk__error(MPK_ENOMEM, "out of memory");
        goto out;
    }
    r->http_status = status;
    r->upload_id = json_integer_value(json_object_get(root, "upload"));
    r->status = dup_field(root, "status");
    r->package_id = dup_field(root, "id");
    r->version = dup_field(root, "version");
    r->target = dup_field(root, "target");
    r->body = reply->data;
    reply->data = NULL;
    reasons = json_object_get(root, "reasons");
    if (!json_is_array(reasons) && json_object_get(root, "message")) {
        /* Errors found before the package was read (token, size): one reason. */
        r->reasons = calloc(1, sizeof(char *));
        if (r->reasons) {
            r->reasons[0] =
                mpk__asprintf("%s: %s", json_string_value(json_object_get(root, "error")),
                              json_string_value(json_object_get(root, "message")));
            r->reason_count = r->reasons[0] ? 1 : 0;
        }
    } else if (json_is_array(reasons)) {
        r->reasons = calloc(json_array_size(reasons) + 1, sizeof(char *));
        if (r->reasons)
            json_array_foreach(reasons, i, item)
            {
                char *text =
                    mpk__asprintf("%s: %s", json_string_value(json_object_get(item, "code")),
                                  json_string_value(json_object_get(item, "message")));
                if (text)
                    r->reasons[r->reason_count++] = text;
            }
    }
    if (!r->status)
        r->status = strdup(status >= 400 ? "rejected" : "accepted");
    if (status >= 500) {
        rc = mpk__error(MPK_ENETWORK, "%s: server error %ld: %s", url, status,
                        r->reason_count ? r->reasons[0] : "no reason given");
        goto out;
    }
    if (status >= 400) {
        rc = mpk__error(MPK_EREJECTED, "rejected by the store (HTTP %ld)%s%s", status,
                        r->reason_count ? ": " : "", r->reason_count ? r->reasons[0] : "");
    } else if (status < 200 || status >= 300) {
        rc = mpk__error(MPK_ENETWORK, "%s: unexpected HTTP status %ld", url, status);
        goto out;
    }
    *out = r;
    r = NULL;
out:
    json_decref(root);
    mpk_upload_result_free(r);
    return rc;
}

int mpk_upload(mpk_upload_result **out, const char *path, const mpk_upload_options *opt)
{
    upload_ctx ctx;
    struct curl_slist *headers = NULL;
    struct stat st;
    char *url = NULL, *auth = NULL, hash[65], hash_header[96], errbuf[CURL_ERROR_SIZE] = "";
    CURL *curl = NULL;
    CURLcode cc;
    long status = 0;
    size_t len;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    if (!out || !path || !opt || !opt->store_url || !*opt->store_url)
        return mpk__error(MPK_EINVAL, "upload: no store URL given");
    if (!opt->token || !*opt->token)
        return mpk__error(MPK_EINVAL, "upload: no API token given");
    if (strncmp(opt->store_url, "http://", 7) != 0 && strncmp(opt->store_url, "https://", 8) != 0)
        return mpk__error(MPK_EINVAL, "%s: the store URL must start with https:// or http://",
                          opt->store_url);
    if (strpbrk(opt->token, "\r\n"))
        return mpk__error(MPK_EINVAL, "upload: the token must be one line");
    ctx.file = fopen(path, "rb");
    if (!ctx.file)
        return mpk__error(errno == ENOENT ? MPK_ENOTFOUND : MPK_EIO, "%s: %s", path,
                          strerror(errno));
    if (fstat(fileno(ctx.file), &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = mpk__error(MPK_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > MPK_PACKAGE_MAX_SIZE) {
        rc = mpk__error(MPK_ELIMIT, "%s: %lld bytes, more than a package may have", path,
                        (long long)st.st_size);
        goto out;
    }
    ctx.total = (uint64_t)st.st_size;
    ctx.opt = opt;
    if ((rc = hash_file(hash, ctx.file, path)))
        goto out;
    len = strlen(opt->store_url);
    url = mpk__asprintf("%.*s/api/v1/uploads",
                        (int)(opt->store_url[len - 1] == '/' ? len - 1 : len), opt->store_url);
    auth = mpk__asprintf("Authorization: Bearer %s", opt->token);
    snprintf(hash_header, sizeof(hash_header), "X-Content-SHA256: %s", hash);
    if (!url || !auth) {
        rc = mpk__error(MPK_ENOMEM, "out of memory");
        goto out;
    }
    headers = curl_slist_append(headers, auth);
    headers = curl_slist_append(headers, hash_header);
    headers = curl_slist_append(headers, "Content-Type: application/vnd.motionstore.mpk");
    headers = curl_slist_append(headers, "Accept: application/json");
    curl = curl_easy_init();
    if (!curl || !headers) {
        rc = mpk__error(MPK_ENOMEM, "upload: cannot set up libcurl");
        goto out;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)ctx.total);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(curl, CURLOPT_READDATA, &ctx);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_reply);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx.reply);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                     opt->connect_timeout > 0 ? opt->connect_timeout : 15L);
    /* A stall is less than one byte per second for stall_timeout seconds, either way. */
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     opt->stall_timeout > 0 ? opt->stall_timeout : 60L);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &ctx);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mpk/" MPK_VERSION_STRING);
    if (opt->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, opt->ca_file);
    cc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    /* The store may answer before the body is sent (bad token, too large): that answer counts. */
    if (cc != CURLE_OK &&
        !(status >= 400 && ctx.reply.size > 0 &&
          (cc == CURLE_SEND_ERROR || cc == CURLE_WRITE_ERROR || cc == CURLE_RECV_ERROR))) {
        if (cc == CURLE_ABORTED_BY_CALLBACK)
            rc = mpk__error(MPK_ENETWORK, "%s: upload canceled", url);
        else if (ctx.reply.overflow)
            rc = mpk__error(MPK_ENETWORK, "%s: the answer is larger than %d bytes", url,
                            MPK_UPLOAD_REPLY_MAX);
        else
            rc = mpk__error(MPK_ENETWORK, "%s: %s", url, *errbuf ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    rc = parse_reply(out, status, &ctx.reply, url);
out:
    if (curl)
        curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    free(ctx.reply.data);
    free(url);
    free(auth);
    if (ctx.file)
        fclose(ctx.file);
    return rc;
}
