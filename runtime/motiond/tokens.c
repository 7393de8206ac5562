/* Pairing codes and tokens (tokens.h). */
#include "tokens.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpk/key.h"
#include "request.h"
#include "util.h"

#define TOKENS_FILE_MAX (1024 * 1024)
#define RATE_ADDRS      256 /* client addresses remembered for the rate limit */
#define RATE_WINDOW_S   60
#define GLOBAL_FACTOR   4  /* all addresses together: this many times one address's limit */
#define WRONG_PER_CODE  10 /* wrong guesses after which a code is replaced */

typedef struct token_entry {
    char id[MD_TOKEN_ID_LEN + 1];
    char name[MD_NAME_MAX + 1];
    unsigned char hash[32];
    int64_t created;
    _Atomic int64_t last_used;
} token_entry;

typedef struct rate_entry {
    char addr[64];
    int64_t window_start; /* monotonic seconds */
    int count;
} rate_entry;

struct md_tokens {
    char *path;
    /* Token table: the rwlock guards entries/n; writers (pair, revoke) are serialised by
     * write_mutex, and hold the rwlock only to change the table in memory. */
    pthread_rwlock_t lock;
    pthread_mutex_t write_mutex;
    token_entry entries[MD_TOKENS_MAX];
    int n;
    /* Pairing: the current code and the rate limit, under pair_mutex. */
    pthread_mutex_t pair_mutex;
    char code[7];
    int64_t code_expires; /* monotonic seconds */
    int wrong_for_code;
    int lifetime, per_minute;
    rate_entry rates[RATE_ADDRS];
    int64_t global_start;
    int global_count;
    md_code_hook hook;
    void *hook_user;
};

static int64_t mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* A uniformly random six-digit code (rejection sampling keeps it uniform). */
static void new_code_locked(md_tokens *t)
{
    uint32_t v;

    do
        md_random(&v, sizeof(v));
    while (v >= 4294000000u); /* 4294000000 is a multiple of 10^6 */
    snprintf(t->code, sizeof(t->code), "%06u", (unsigned)(v % 1000000u));
    t->code_expires = mono_s() + t->lifetime;
    t->wrong_for_code = 0;
}

static void announce(md_tokens *t, const char *code)
{
    if (t->hook)
        t->hook(t->hook_user, code, t->lifetime);
}

static int hex_decode(unsigned char *out, const char *hex, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else
                return -1;
        }
        out[i] = (unsigned char)v;
    }
    return hex[2 * n] == '\0' ? 0 : -1;
}

static int parse_time(int64_t *out, const char *iso)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    end = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

static int load(md_tokens *t, char *err, size_t err_size)
{
    json_error_t jerr;
    json_t *root, *arr, *item;
    size_t i;
    char *text = NULL;
    size_t size;
    int rc = -1;

    if (md_read_file(&text, &size, t->path, TOKENS_FILE_MAX) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, err_size, "%s: %s", t->path, strerror(errno));
        return -1;
    }
    root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!root) {
        snprintf(err, err_size, "%s: %s", t->path, jerr.text);
        return -1;
    }
    arr = json_object_get(root, "tokens");
    if (json_integer_value(json_object_get(root, "format")) != 1 || !json_is_array(arr) ||
        json_array_size(arr) > MD_TOKENS_MAX) {
        snprintf(err, err_size, "%s: not a motiond token file (format 1, at most %d tokens)",
                 t->path, MD_TOKENS_MAX);
        goto out;
    }
    json_array_foreach(arr, i, item)
    {
        token_entry *e = &t->entries[t->n];
        const char *id = json_string_value(json_object_get(item, "id"));
        const char *name = json_string_value(json_object_get(item, "name"));
        const char *hash = json_string_value(json_object_get(item, "sha256"));
        const char *created = json_string_value(json_object_get(item, "created"));
        const char *used = json_string_value(json_object_get(item, "last_used"));
        int64_t lu = 0;
        if (!id || strlen(id) != MD_TOKEN_ID_LEN || !name || !md_valid_text(name, MD_NAME_MAX) ||
            !hash || hex_decode(e->hash, hash, 32) || !created ||
            parse_time(&e->created, created) || (used && parse_time(&lu, used))) {
            snprintf(err, err_size, "%s: tokens[%zu]: needs id, name, sha256 and created", t->path,
                     i);
            goto out;
        }
        snprintf(e->id, sizeof(e->id), "%s", id);
        snprintf(e->name, sizeof(e->name), "%s", name);
        atomic_store(&e->last_used, lu);
        t->n++;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

/* Writes entries[0..n) plus an optional new one, without the one to skip. */
static int save(md_tokens *t, const token_entry *extra, const char *skip_id)
{
    json_t *root = json_object(), *arr = json_array();
    char hash[65], created[21], used[21];
    char *text;
    int rc;

    for (int i = 0; i <= t->n; i++) {
        const token_entry *e = i < t->n ? &t->entries[i] : extra;
        int64_t lu;
        if (!e || (skip_id && strcmp(e->id, skip_id) == 0))
            continue;
        md_hex(hash, e->hash, 32);
        md_iso_time(created, e->created);
        lu = atomic_load(&((token_entry *)e)->last_used);
        md_iso_time(used, lu);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", e->id, "name",
                                             e->name, "sha256", hash, "created", created,
                                             "last_used", lu ? used : NULL));
    }
    json_object_set_new(root, "format", json_integer(1));
    json_object_set_new(root, "tokens", arr);
    text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(root);
    if (!text)
        return -1;
    rc = md_write_file_atomic(t->path, text, strlen(text), 0600);
    free(text);
    return rc;
}

int md_tokens_open(md_tokens **out, const char *path, int code_lifetime_s, int attempts_per_minute,
                   md_code_hook hook, void *hook_user, char *err, size_t err_size)
{
    md_tokens *t = calloc(1, sizeof(*t));
    char code[7];

    if (!t || !(t->path = strdup(path))) {
        free(t);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    pthread_rwlock_init(&t->lock, NULL);
    pthread_mutex_init(&t->write_mutex, NULL);
    pthread_mutex_init(&t->pair_mutex, NULL);
    t->lifetime = code_lifetime_s;
    t->per_minute = attempts_per_minute;
    t->hook = hook;
    t->hook_user = hook_user;
    if (load(t, err, err_size) != 0) {
        md_tokens_free(t);
        return -1;
    }
    new_code_locked(t);
    memcpy(code, t->code, sizeof(code));
    *out = t;
    announce(t, code);
    return 0;
}

void md_tokens_free(md_tokens *t)
{
    if (!t)
        return;
    pthread_rwlock_destroy(&t->lock);
    pthread_mutex_destroy(&t->write_mutex);
    pthread_mutex_destroy(&t->pair_mutex);
    free(t->path);
    free(t);
}

void md_tokens_tick(md_tokens *t)
{
    char code[7] = "";

    pthread_mutex_lock(&t->pair_mutex);
    if (mono_s() >= t->code_expires) {
        new_code_locked(t);
        memcpy(code, t->code, sizeof(code));
    }
    pthread_mutex_unlock(&t->pair_mutex);
    if (*code)
        announce(t, code);
}

void md_tokens_current_code(md_tokens *t, char code[7])
{
    pthread_mutex_lock(&t->pair_mutex);
    memcpy(code, t->code, 7);
    pthread_mutex_unlock(&t->pair_mutex);
}

/* Counts an attempt from addr. @return 0, or the seconds until another attempt is allowed */
static int rate_check_locked(md_tokens *t, const char *addr)
{
    int64_t now = mono_s();
    rate_entry *e = NULL, *oldest = &t->rates[0];

    if (now - t->global_start >= RATE_WINDOW_S) {
        t->global_start = now;
        t->global_count = 0;
    }
    if (t->global_count >= t->per_minute * GLOBAL_FACTOR)
        return (int)(t->global_start + RATE_WINDOW_S - now);
    for (int i = 0; i < RATE_ADDRS; i++) {
        if (strcmp(t->rates[i].addr, addr) == 0) {
            e = &t->rates[i];
            break;
        }
        if (t->rates[i].window_start < oldest->window_start)
            oldest = &t->rates[i];
    }
    if (!e) {
        e = oldest;
        snprintf(e->addr, sizeof(e->addr), "%s", addr);
        e->window_start = now;
        e->count = 0;
    }
    if (now - e->window_start >= RATE_WINDOW_S) {
        e->window_start = now;
        e->count = 0;
    }
    if (e->count >= t->per_minute)
        return (int)(e->window_start + RATE_WINDOW_S - now);
    e->count++;
    t->global_count++;
    return 0;
}

static bool same_code(const char *a, const char *b)
{
    unsigned diff = 0;

    for (int i = 0; i < 6; i++)
        diff |= (unsigned)(a[i] ^ b[i]);
    return diff == 0;
}

md_pair_result md_tokens_pair(md_tokens *t, const char *addr, const char *code, const char *name,
                              char token[MD_TOKEN_LEN + 1], char id[MD_TOKEN_ID_LEN + 1],
                              int *retry_after)
{
    unsigned char secret[32], idb[MD_TOKEN_ID_LEN / 2];
    token_entry e;
    char next[7] = "";
    md_pair_result res;
    int wait;

    *retry_after = 0;
    pthread_mutex_lock(&t->pair_mutex);
    if ((wait = rate_check_locked(t, addr)) > 0) {
        pthread_mutex_unlock(&t->pair_mutex);
        *retry_after = wait < 1 ? 1 : wait;
        return MD_PAIR_LIMITED;
    }
    if (mono_s() >= t->code_expires || !same_code(code, t->code)) {
        /* Enough wrong guesses at one code and it is replaced, so that guessing never
         * accumulates knowledge about a code that stays. */
        if (++t->wrong_for_code >= WRONG_PER_CODE || mono_s() >= t->code_expires) {
            new_code_locked(t);
            memcpy(next, t->code, sizeof(next));
        }
        pthread_mutex_unlock(&t->pair_mutex);
        if (*next)
            announce(t, next);
        return MD_PAIR_WRONG;
    }
    new_code_locked(t); /* one-time: used up */
    memcpy(next, t->code, sizeof(next));
    pthread_mutex_unlock(&t->pair_mutex);
    announce(t, next);

    memset(&e, 0, sizeof(e));
    md_random(secret, sizeof(secret));
    md_random(idb, sizeof(idb));
    memcpy(token, MD_TOKEN_PREFIX, 4);
    md_hex(token + 4, secret, sizeof(secret));
    md_hex(e.id, idb, sizeof(idb));
    snprintf(e.name, sizeof(e.name), "%s", name);
    mpk_sha256(e.hash, token, strlen(token));
    e.created = (int64_t)time(NULL);

    pthread_mutex_lock(&t->write_mutex);
    if (t->n >= MD_TOKENS_MAX) {
        res = MD_PAIR_FULL;
    } else if (save(t, &e, NULL) != 0) {
        res = MD_PAIR_IO;
    } else {
        pthread_rwlock_wrlock(&t->lock);
        t->entries[t->n].created = e.created;
        memcpy(t->entries[t->n].hash, e.hash, sizeof(e.hash));
        memcpy(t->entries[t->n].id, e.id, sizeof(e.id));
        memcpy(t->entries[t->n].name, e.name, sizeof(e.name));
        atomic_store(&t->entries[t->n].last_used, 0);
        t->n++;
        pthread_rwlock_unlock(&t->lock);
        res = MD_PAIR_OK;
        memcpy(id, e.id, sizeof(e.id));
    }
    pthread_mutex_unlock(&t->write_mutex);
    if (res != MD_PAIR_OK)
        memset(token, 0, MD_TOKEN_LEN + 1);
    memset(secret, 0, sizeof(secret));
    return res;
}

bool md_tokens_check(md_tokens *t, const char *token, char id[MD_TOKEN_ID_LEN + 1])
{
    unsigned char hash[32];
    bool found = false;

    if (!token || strlen(token) != MD_TOKEN_LEN || strncmp(token, MD_TOKEN_PREFIX, 4) != 0)
        return false;
    mpk_sha256(hash, token, MD_TOKEN_LEN);
    pthread_rwlock_rdlock(&t->lock);
    for (int i = 0; i < t->n; i++) {
        unsigned diff = 0;
        for (int k = 0; k < 32; k++)
            diff |= (unsigned)(hash[k] ^ t->entries[i].hash[k]);
        if (diff == 0 && !found) {
            found = true;
            atomic_store(&t->entries[i].last_used, (int64_t)time(NULL));
            if (id)
                memcpy(id, t->entries[i].id, MD_TOKEN_ID_LEN + 1);
        }
    }
    pthread_rwlock_unlock(&t->lock);
    return found;
}

json_t *md_tokens_list(md_tokens *t)
{
    json_t *arr = json_array();
    char created[21], used[21];

    pthread_rwlock_rdlock(&t->lock);
    for (int i = 0; i < t->n; i++) {
        const token_entry *e = &t->entries[i];
        int64_t lu = atomic_load(&t->entries[i].last_used);
        md_iso_time(created, e->created);
        md_iso_time(used, lu);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?}", "id", e->id, "name", e->name,
                                             "created", created, "last_used", lu ? used : NULL));
    }
    pthread_rwlock_unlock(&t->lock);
    return arr;
}

int md_tokens_revoke(md_tokens *t, const char *id)
{
    int rc = 1, at = -1;

    pthread_mutex_lock(&t->write_mutex);
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->entries[i].id, id) == 0)
            at = i;
    if (at >= 0) {
        rc = save(t, NULL, id) == 0 ? 0 : -1;
        if (rc == 0) {
            pthread_rwlock_wrlock(&t->lock);
            for (int i = at; i + 1 < t->n; i++) {
                token_entry *d = &t->entries[i], *s = &t->entries[i + 1];
                memcpy(d->id, s->id, sizeof(d->id));
                memcpy(d->name, s->name, sizeof(d->name));
                memcpy(d->hash, s->hash, sizeof(d->hash));
                d->created = s->created;
                atomic_store(&d->last_used, atomic_load(&s->last_used));
            }
            t->n--;
            pthread_rwlock_unlock(&t->lock);
        }
    }
    pthread_mutex_unlock(&t->write_mutex);
    return rc;
}
