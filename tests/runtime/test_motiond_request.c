/* Unit tests of motiond's parsers of outside data and of its small stores: request bodies and
 * query parameters (request.c), upload file names (upload.c), the event ring (events.c), and
 * pairing codes and tokens (tokens.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "events.h"
#include "request.h"
#include "testutil.h"
#include "tokens.h"
#include "upload.h"

#define WAVE "org.motionstore.examples.g1-wave"

static int parse(md_req *r, md_req_kind kind, const char *body, char *err)
{
    return md_req_parse(r, kind, body, strlen(body), err, 256);
}

static void test_play(void **state)
{
    md_req r;
    char err[256];

    (void)state;
    assert_int_equal(parse(&r, MD_REQ_PLAY, "{\"package\":\"" WAVE "\"}", err), 0);
    assert_string_equal(r.id, WAVE);
    assert_string_equal(r.motion, "");
    assert_int_equal(r.loops, 1);
    assert_false(r.has_speed);
    assert_int_equal(parse(&r, MD_REQ_PLAY,
                           "{\"package\":\"" WAVE "\",\"motion\":\"wave\",\"loop\":\"forever\","
                           "\"speed\":0.5}",
                           err),
                     0);
    assert_string_equal(r.motion, "wave");
    assert_int_equal(r.loops, 0);
    assert_true(r.has_speed);
    assert_true(r.speed == 0.5);
    assert_int_equal(parse(&r, MD_REQ_PLAY, "{\"package\":\"" WAVE "\",\"loop\":10000}", err), 0);
    assert_int_equal(r.loops, 10000);

    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{}", "package: required"},
        {"{\"package\":\"" WAVE "\",\"loop\":0}", "loop"},
        {"{\"package\":\"" WAVE "\",\"loop\":10001}", "loop"},
        {"{\"package\":\"" WAVE "\",\"loop\":1.5}", "loop"},
        {"{\"package\":\"" WAVE "\",\"loop\":\"always\"}", "loop"},
        {"{\"package\":\"" WAVE "\",\"speed\":0.05}", "speed"},
        {"{\"package\":\"" WAVE "\",\"speed\":2.01}", "speed"},
        {"{\"package\":\"" WAVE "\",\"speed\":\"1\"}", "speed"},
        {"{\"package\":\"../etc/passwd\"}", "package"},
        {"{\"package\":\"" WAVE "\",\"motion\":\"Wave\"}", "motion"},
        {"{\"package\":\"" WAVE "\",\"motion\":\"\"}", "motion"},
        {"{\"package\":\"" WAVE "\",\"volume\":1}", "volume: unknown field"},
        {"{\"package\":\"" WAVE "\",\"package\":\"" WAVE "\"}", "not valid JSON"},
        {"[\"" WAVE "\"]", "must be a JSON object"},
        {"{\"package\":", "not valid JSON"},
        {"{\"package\":7}", "package"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(err, 0, sizeof(err));
        assert_int_equal(parse(&r, MD_REQ_PLAY, bad[i].body, err), -1);
        if (!strstr(err, bad[i].field))
            fail_msg("%s: message '%s' does not name '%s'", bad[i].body, err, bad[i].field);
    }
}

static void test_pair(void **state)
{
    md_req r;
    char err[256];
    char big[200];

    (void)state;
    assert_int_equal(parse(&r, MD_REQ_PAIR, "{\"code\":\"012345\"}", err), 0);
    assert_string_equal(r.code, "012345");
    assert_string_equal(r.name, "phone");
    assert_int_equal(
        parse(&r, MD_REQ_PAIR, "{\"code\":\"012345\",\"name\":\"Ada \u624b\u673a\"}", err), 0);
    assert_string_equal(r.name, "Ada \u624b\u673a");
    assert_int_equal(parse(&r, MD_REQ_PAIR, "{\"code\":\"12345\"}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_PAIR, "{\"code\":\"1234567\"}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_PAIR, "{\"code\":\"12345a\"}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_PAIR, "{\"code\":123456}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_PAIR, "{\"code\":\"123456\",\"name\":\"a\\nb\"}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_PAIR, "{\"code\":\"123456\",\"name\":\"\"}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_PAIR, "{\"code\":\"123456\",\"name\":\"a\\u0000b\"}", err),
                     -1);
    snprintf(big, sizeof(big), "{\"code\":\"123456\",\"name\":\"%070d\"}", 0);
    assert_int_equal(parse(&r, MD_REQ_PAIR, big, err), -1);
    assert_non_null(strstr(err, "name"));
}

static void test_other_kinds(void **state)
{
    md_req r;
    char err[256];

    (void)state;
    assert_int_equal(md_req_parse(&r, MD_REQ_STOP, "", 0, err, sizeof(err)), 0);
    assert_false(r.return_to_stand);
    assert_int_equal(parse(&r, MD_REQ_STOP, "{\"return_to_stand\":true}", err), 0);
    assert_true(r.return_to_stand);
    assert_int_equal(parse(&r, MD_REQ_STOP, "{\"return_to_stand\":1}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_INSTALL, "{\"id\":\"" WAVE "\",\"version\":\"1.2.0\"}", err),
                     0);
    assert_string_equal(r.version, "1.2.0");
    assert_int_equal(parse(&r, MD_REQ_INSTALL, "{\"id\":\"" WAVE "\",\"version\":\"v1\"}", err),
                     -1);
    assert_int_equal(parse(&r, MD_REQ_INSTALL, "{}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_UPGRADE, "{}", err), 0);
    assert_string_equal(r.id, "");
    assert_int_equal(parse(&r, MD_REQ_REMOVE, "{\"id\":\"no\"}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_SPEED, "{\"speed\":2}", err), 0);
    assert_int_equal(parse(&r, MD_REQ_SPEED, "{}", err), -1);
    assert_int_equal(parse(&r, MD_REQ_EMPTY, "{}", err), 0);
    assert_int_equal(parse(&r, MD_REQ_EMPTY, "{\"x\":1}", err), -1);
}

static void test_text_and_names(void **state)
{
    md_search s;
    char err[256];

    (void)state;
    assert_true(md_valid_text("hello \xe4\xbd\xa0\xe5\xa5\xbd", 64));
    assert_false(md_valid_text("\xc0\xaf", 64));         /* overlong '/' */
    assert_false(md_valid_text("\xed\xa0\x80", 64));     /* a surrogate */
    assert_false(md_valid_text("\xe4\xbd", 64));         /* cut short */
    assert_false(md_valid_text("\xf5\x80\x80\x80", 64)); /* past U+10FFFF */
    assert_false(md_valid_text("tab\there", 64));
    assert_false(md_valid_text("\xc2\x85", 64)); /* C1 control */
    assert_false(md_valid_text("abc", 2));
    assert_true(md_valid_motion("wave_2-b"));
    assert_false(md_valid_motion("Wave"));
    assert_false(md_valid_id("a"));
    assert_true(md_valid_id(WAVE));

    memset(&s, 0, sizeof(s));
    assert_int_equal(md_search_param(&s, "q", "wave", err, sizeof(err)), 0);
    assert_string_equal(s.q, "wave");
    assert_int_equal(md_search_param(&s, "category", "greeting", err, sizeof(err)), 0);
    assert_int_equal(md_search_param(&s, "lang", "zh-Hans", err, sizeof(err)), 0);
    assert_int_equal(md_search_param(&s, "q", NULL, err, sizeof(err)), 0);
    assert_int_equal(md_search_param(&s, "lang", "<b>", err, sizeof(err)), -1);
    assert_int_equal(md_search_param(&s, "category", "Greeting", err, sizeof(err)), -1);
    assert_int_equal(md_search_param(&s, "sort", "name", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "sort"));

    assert_true(md_upload_name_ok("3.snapshot.json"));
    assert_true(md_upload_name_ok("ab12.catalog.json"));
    assert_false(md_upload_name_ok("../root.json"));
    assert_false(md_upload_name_ok("a/b.json"));
    assert_false(md_upload_name_ok(".hidden"));
    assert_false(md_upload_name_ok(""));
}

static void test_events(void **state)
{
    md_events *ev = NULL;
    uint64_t cursor = 0;
    bool closed = false;
    char *frame;

    (void)state;
    assert_int_equal(md_events_new(&ev), 0);
    frame = md_events_next(ev, &cursor, 10, &closed);
    assert_null(frame);
    assert_false(closed);
    assert_int_equal(md_events_publish(ev, "job", json_pack("{s:i}", "id", 7)), 1);
    frame = md_events_next(ev, &cursor, 10, &closed);
    assert_non_null(frame);
    assert_string_equal(frame, "id: 1\nevent: job\ndata: {\"id\":7,\"type\":\"job\"}\n\n");
    free(frame);
    assert_int_equal(cursor, 1);
    /* A reader that falls more than the ring behind is told how many it missed. */
    for (int i = 0; i < MD_EVENTS_RING + 10; i++)
        md_events_publish(ev, "playback", json_pack("{s:i}", "i", i));
    frame = md_events_next(ev, &cursor, 10, &closed);
    assert_non_null(strstr(frame, "event: lost"));
    assert_non_null(strstr(frame, "\"missed\":10"));
    free(frame);
    frame = md_events_next(ev, &cursor, 10, &closed);
    assert_non_null(strstr(frame, "id: 12\n"));
    free(frame);
    md_events_close(ev);
    frame = md_events_next(ev, &cursor, 1000, &closed);
    assert_null(frame);
    assert_true(closed);
    md_events_free(ev);
}

static char g_code[7];
static int g_announced;

static void on_code(void *user, const char *code, int lifetime)
{
    (void)user;
    (void)lifetime;
    memcpy(g_code, code, 7);
    g_announced++;
}

static void test_tokens(void **state)
{
    char *dir = ms_tmpdir("motiond-tokens"), *path = ms_join(dir, "tokens.json"), *text;
    char err[256], token[MD_TOKEN_LEN + 1], id[MD_TOKEN_ID_LEN + 1], id2[MD_TOKEN_ID_LEN + 1];
    char wrong[7], first[7];
    md_tokens *t = NULL;
    json_t *list;
    int wait = 0;
    struct stat st;

    (void)state;
    g_announced = 0;
    assert_int_equal(md_tokens_open(&t, path, 600, 3, on_code, NULL, err, sizeof(err)), 0);
    assert_int_equal(g_announced, 1);
    assert_int_equal(strspn(g_code, "0123456789"), 6);
    memcpy(first, g_code, 7);
    snprintf(wrong, sizeof(wrong), "%06d", (atoi(g_code) + 1) % 1000000);
    assert_int_equal(md_tokens_pair(t, "10.0.0.1", wrong, "x", token, id, &wait), MD_PAIR_WRONG);
    assert_int_equal(md_tokens_pair(t, "10.0.0.1", first, "phone", token, id, &wait), MD_PAIR_OK);
    assert_int_equal(strncmp(token, "mdt_", 4), 0);
    assert_int_equal(strlen(token), MD_TOKEN_LEN);
    assert_int_equal(g_announced, 2); /* used up: a new code */
    assert_true(md_tokens_check(t, token, id2));
    assert_string_equal(id, id2);
    token[10] ^= 1;
    assert_false(md_tokens_check(t, token, NULL));
    token[10] ^= 1;
    assert_false(md_tokens_check(t, "mdt_short", NULL));
    assert_false(md_tokens_check(t, NULL, NULL));
    /* The same code twice: no. Three attempts a minute from one address, then no more, even
     * with the right code; another address is counted on its own. */
    assert_int_equal(md_tokens_pair(t, "10.0.0.1", first, "again", token, id2, &wait),
                     MD_PAIR_WRONG);
    assert_int_equal(md_tokens_pair(t, "10.0.0.1", g_code, "again", token, id2, &wait),
                     MD_PAIR_LIMITED);
    assert_true(wait > 0 && wait <= 60);
    assert_int_equal(md_tokens_pair(t, "10.0.0.2", first, "again", token, id2, &wait),
                     MD_PAIR_WRONG);
    /* Stored hashed, mode 0600; the file holds no token. */
    text = ms_slurp(path, NULL);
    assert_non_null(text);
    assert_null(strstr(text, "mdt_"));
    assert_non_null(strstr(text, id));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(text);
    list = md_tokens_list(t);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    md_tokens_free(t);

    /* Reopened: the token still works; revoked, it does not, and the file agrees. */
    assert_int_equal(md_tokens_open(&t, path, 600, 3, NULL, NULL, err, sizeof(err)), 0);
    md_tokens_current_code(t, g_code);
    assert_int_equal(md_tokens_pair(t, "10.0.0.3", g_code, "second", token, id2, &wait),
                     MD_PAIR_OK);
    assert_true(md_tokens_check(t, token, NULL));
    assert_int_equal(md_tokens_revoke(t, id2), 0);
    assert_false(md_tokens_check(t, token, NULL));
    assert_int_equal(md_tokens_revoke(t, id2), 1);
    md_tokens_free(t);
    assert_int_equal(md_tokens_open(&t, path, 600, 3, NULL, NULL, err, sizeof(err)), 0);
    list = md_tokens_list(t);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    md_tokens_free(t);

    /* A malformed file is refused, not overwritten. */
    ms_write(path, "{\"format\": 1, \"tokens\": [{\"id\": 1}]}", 36);
    assert_int_equal(md_tokens_open(&t, path, 600, 3, NULL, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "tokens[0]"));
    text = ms_slurp(path, NULL);
    assert_string_equal(text, "{\"format\": 1, \"tokens\": [{\"id\": 1}]}");
    free(text);
    ms_rm_rf(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_play),        cmocka_unit_test(test_pair),
        cmocka_unit_test(test_other_kinds), cmocka_unit_test(test_text_and_names),
        cmocka_unit_test(test_events),      cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
