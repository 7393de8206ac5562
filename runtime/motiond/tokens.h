/* Pairing and tokens: a one-time six-digit code that motiond shows is exchanged for a long-lived
 * token. Tokens are stored as SHA-256 hashes only (ROOT/var/lib/motionstore/motiond/tokens.json,
 * mode 0600, written atomically); pairing attempts are rate-limited per client address and in
 * total. Checking a token takes only a read lock that pairing and revoking hold for a few pointer
 * moves, never during file I/O: the emergency stop is never kept waiting here. */
#ifndef MD_TOKENS_H
#define MD_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define MD_TOKEN_PREFIX "mdt_"
#define MD_TOKEN_LEN    68 /* "mdt_" + 64 hex digits */
#define MD_TOKEN_ID_LEN 12 /* hex digits of a token's public id */
#define MD_TOKENS_MAX   256

typedef struct md_tokens md_tokens;

/** Called (outside every lock) when a new pairing code is made: show it to the robot's owner. */
typedef void (*md_code_hook)(void *user, const char *code, int lifetime_s);

/**
 * Loads the token file (a missing file is an empty list) and makes the first code.
 * @return 0, or -1 with a message (a malformed file is refused, not overwritten)
 */
int md_tokens_open(md_tokens **out, const char *path, int code_lifetime_s, int attempts_per_minute,
                   md_code_hook hook, void *hook_user, char *err, size_t err_size);
void md_tokens_free(md_tokens *t);

/** Makes a new code at once if the current one expired (call about once a second). */
void md_tokens_tick(md_tokens *t);

/** Copies the current code (for the Unix socket's local owner and the tests). */
void md_tokens_current_code(md_tokens *t, char code[7]);

typedef enum md_pair_result {
    MD_PAIR_OK = 0,
    MD_PAIR_WRONG = 1,   /* wrong or expired code */
    MD_PAIR_LIMITED = 2, /* too many attempts: retry_after seconds */
    MD_PAIR_FULL = 3,    /* MD_TOKENS_MAX tokens exist */
    MD_PAIR_IO = 4       /* the token file could not be written */
} md_pair_result;

/**
 * Exchanges a code for a token. A correct code is used up (a new one is made and shown).
 * @param addr      the client's address, for the rate limit
 * @param token     receives the token (shown once, never stored)
 * @param id        receives the token's public id
 */
md_pair_result md_tokens_pair(md_tokens *t, const char *addr, const char *code, const char *name,
                              char token[MD_TOKEN_LEN + 1], char id[MD_TOKEN_ID_LEN + 1],
                              int *retry_after);

/** @return true if token is valid; id (may be NULL) receives its public id. */
bool md_tokens_check(md_tokens *t, const char *token, char id[MD_TOKEN_ID_LEN + 1]);

/** [{"id", "name", "created", "last_used"}] */
json_t *md_tokens_list(md_tokens *t);

/** @return 0, 1 when there is no such token, -1 when the file could not be written */
int md_tokens_revoke(md_tokens *t, const char *id);

#endif
