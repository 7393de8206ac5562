/* The download layer against a real (and misbehaving) HTTP server on 127.0.0.1, an HTTPS server
 * (libmicrohttpd with a certificate made here) and file:// URLs. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ecp.h>
#include <mbedtls/x509_crt.h>
#include <microhttpd.h>

#include "testutil.h"
#include "tuf_testsrv.h"

#include "mstore/download.h"

#define DATA_SIZE (300 * 1024)

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct fixture {
    char *dir;  /* served folder */
    char *out;  /* output folder */
    char *data; /* content of /data.bin */
    char sha256[MSTORE_HASH_HEX_MAX];
    ts_server *srv;
    char *url; /* .../data.bin */
    mstore_fetch_options o;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->dir = ms_tmpdir("mstore-dl-srv");
    f->out = ms_tmpdir("mstore-dl-out");
    f->data = malloc(DATA_SIZE);
    for (size_t i = 0; i < DATA_SIZE; i++)
        f->data[i] = (char)((i * 2654435761u) >> 13);
    char *p = ms_join(f->dir, "data.bin");
    ms_write(p, f->data, DATA_SIZE);
    free(p);
    assert_int_equal(mstore_hash_data(f->sha256, "sha256", f->data, DATA_SIZE), MSTORE_OK);
    f->srv = ts_start(f->dir);
    f->url = ms_fmt("%s/data.bin", ts_url(f->srv));
    mstore_fetch_options_init(&f->o);
    f->o.backoff_ms = 10;
    f->o.backoff_max_ms = 40;
    f->o.retries = 2;
    f->o.free_space_margin = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ts_stop(f->srv);
    ms_rm_rf(f->dir);
    ms_rm_rf(f->out);
    free(f->dir);
    free(f->out);
    free(f->data);
    free(f->url);
    free(f);
    return 0;
}

static char *out_path(fixture *f, const char *name)
{
    return ms_join(f->out, name);
}

static int fetch(fixture *f, const char *path, const char *url, uint64_t length, const char *sha)
{
    mstore_hash h = {"sha256", sha};
    const char *urls[] = {url};
    return mstore_fetch_file(path, urls, 1, length, &h, 1, &f->o);
}

static void assert_file_is_data(fixture *f, const char *path)
{
    size_t size = 0;
    char *got = ms_slurp(path, &size);
    assert_non_null(got);
    assert_int_equal(size, DATA_SIZE);
    assert_memory_equal(got, f->data, DATA_SIZE);
    free(got);
    char *part = ms_fmt("%s.part", path);
    assert_false(ms_exists(part));
    free(part);
}

static void test_plain_download(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "a.bin");

    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_OK);
    assert_file_is_data(f, p);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 1);
    free(p);
}

static void test_fetch_bytes_and_cap(void **state)
{
    fixture *f = *state;
    const char *urls[] = {f->url};
    unsigned char *buf = NULL;
    size_t size = 0;

    assert_int_equal(mstore_fetch_bytes(&buf, &size, urls, 1, DATA_SIZE, &f->o), MSTORE_OK);
    assert_int_equal(size, DATA_SIZE);
    assert_memory_equal(buf, f->data, DATA_SIZE);
    assert_int_equal(buf[size], 0);
    free(buf);
    buf = NULL;
    assert_int_equal(mstore_fetch_bytes(&buf, &size, urls, 1, DATA_SIZE - 1, &f->o), MSTORE_ELIMIT);
    assert_null(buf);
}

static void test_not_found_and_mirrors(void **state)
{
    fixture *f = *state;
    char *missing = ms_fmt("%s/missing.bin", ts_url(f->srv));
    char *p = out_path(f, "m.bin");
    const char *urls[] = {missing, f->url};
    mstore_hash h = {"sha256", f->sha256};
    unsigned char *buf = NULL;
    size_t size;

    assert_int_equal(fetch(f, p, missing, 10, f->sha256), MSTORE_ENOTFOUND);
    assert_int_equal(ts_count(f->srv, "/missing.bin"), 1); /* 404 is not retried */
    assert_false(ms_exists(p));
    assert_int_equal(mstore_fetch_bytes(&buf, &size, urls, 1, 100, &f->o), MSTORE_ENOTFOUND);
    /* The second mirror has it. */
    assert_int_equal(mstore_fetch_file(p, urls, 2, DATA_SIZE, &h, 1, &f->o), MSTORE_OK);
    assert_file_is_data(f, p);
    ts_rule(f->srv, "/missing.bin", TS_STATUS, 403, NULL, -1);
    assert_int_equal(mstore_fetch_bytes(&buf, &size, urls, 1, 100, &f->o), MSTORE_ENOTFOUND);
    free(missing);
    free(p);
}

static void test_server_errors_retried_only_when_transient(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "e.bin");

    ts_rule(f->srv, "/data.bin", TS_STATUS, 503, NULL, 2);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_OK);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 3);
    assert_file_is_data(f, p);
    unlink(p);

    ts_clear_log(f->srv);
    ts_rule(f->srv, "/data.bin", TS_STATUS, 400, NULL, 1);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_ENETWORK);
    assert_non_null(strstr(mstore_error_message(), "HTTP 400"));
    assert_int_equal(ts_count(f->srv, "/data.bin"), 1);
    assert_false(ms_exists(p));

    /* Retries are bounded: 1 + retries attempts. */
    ts_clear_log(f->srv);
    ts_rule(f->srv, "/data.bin", TS_STATUS, 500, NULL, -1);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_ENETWORK);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 3);
    free(p);
}

static void test_truncated_body_resumed(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "t.bin");
    char *range;

    ts_rule(f->srv, "/data.bin", TS_TRUNCATE, 100000, NULL, 1);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_OK);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 2);
    range = ts_last_range(f->srv, "/data.bin");
    assert_string_equal(range, "bytes=100000-");
    assert_file_is_data(f, p);
    free(range);
    free(p);
}

static void test_reset_and_garbage(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "r.bin");

    ts_rule(f->srv, "/data.bin", TS_RESET, 0, NULL, -1);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_ENETWORK);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 3); /* a reset is transient: retried */
    assert_false(ms_exists(p));

    ts_clear_rules(f->srv);
    ts_clear_log(f->srv);
    ts_rule(f->srv, "/data.bin", TS_GARBAGE, 0, "more garbage", -1);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_ENETWORK);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 1); /* not HTTP: not retried */
    assert_false(ms_exists(p));
    free(p);
}

static void test_stall_times_out_then_resumes(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "s.bin");
    char *range;
    int64_t start;

    f->o.stall_timeout_ms = 800;
    ts_rule(f->srv, "/data.bin", TS_STALL, 5000, NULL, 1);
    start = (int64_t)time(NULL);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_OK);
    assert_true((int64_t)time(NULL) - start < 30);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 2);
    range = ts_last_range(f->srv, "/data.bin");
    assert_string_equal(range, "bytes=5000-");
    assert_file_is_data(f, p);
    free(range);

    /* A server that always stalls: ETIMEOUT after the retries, the bytes kept for later. */
    unlink(p);
    ts_clear_log(f->srv);
    ts_rule(f->srv, "/data.bin", TS_STALL, 0, NULL, -1);
    f->o.retries = 1;
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_ETIMEOUT);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 2);
    assert_false(ms_exists(p));
    free(p);
}

/* Slow retrieval: a server that keeps a transfer alive with a byte now and then never stalls
 * for long, so the attempt must also end when the bytes come slower than the floor rate. */
static void test_trickle_is_a_stall(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "t.bin"), *src = ms_join(f->dir, "slow.bin"), *url;
    char sha[MSTORE_HASH_HEX_MAX];
    const char *urls[1];
    unsigned char *buf = NULL;
    size_t size = 0;
    int64_t start;

    ms_write(src, f->data, 300);
    assert_int_equal(mstore_hash_data(sha, "sha256", f->data, 300), MSTORE_OK);
    url = ms_fmt("%s/slow.bin", ts_url(f->srv));
    urls[0] = url;
    f->o.stall_timeout_ms = 500;
    f->o.retries = 0;
    /* 25 bytes/s, far below the default floor: 12 s for the whole file without the floor. */
    ts_rule(f->srv, "/slow.bin", TS_TRICKLE, 40, NULL, -1);
    start = now_ms();
    assert_int_equal(fetch(f, p, url, 300, sha), MSTORE_ETIMEOUT);
    assert_non_null(strstr(mstore_error_message(), "bytes/s"));
    assert_int_equal(mstore_fetch_bytes(&buf, &size, urls, 1, 300, &f->o), MSTORE_ETIMEOUT);
    assert_null(buf);
    assert_true(now_ms() - start < 6000);
    assert_false(ms_exists(p));

    /* A floor the server keeps above lets the transfer finish. */
    f->o.min_bytes_per_second = 10;
    ms_write(src, f->data, 50);
    assert_int_equal(mstore_hash_data(sha, "sha256", f->data, 50), MSTORE_OK);
    assert_int_equal(fetch(f, p, url, 50, sha), MSTORE_OK);
    free(src);
    free(url);
    free(p);
}

static void test_endless_and_oversized_bodies(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "x.bin");
    char *part = ms_fmt("%s.part", p);
    const char *urls[] = {f->url};
    unsigned char *buf = NULL;
    size_t size;

    ts_rule(f->srv, "/data.bin", TS_ENDLESS, 0, NULL, -1);
    assert_int_equal(fetch(f, p, f->url, 1000, f->sha256), MSTORE_ELENGTH);
    assert_false(ms_exists(p));
    assert_false(ms_exists(part));
    assert_int_equal(mstore_fetch_bytes(&buf, &size, urls, 1, 4096, &f->o), MSTORE_ELIMIT);
    assert_null(buf);

    /* A Content-Length beyond the allowed size stops before the body. */
    ts_clear_rules(f->srv);
    ts_clear_log(f->srv);
    ts_rule(f->srv, "/data.bin", TS_WRONG_LENGTH, 1000000000L, NULL, -1);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_ELENGTH);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 1);

    /* A shorter Content-Length: the body ends early, the length is wrong. */
    ts_clear_rules(f->srv);
    ts_rule(f->srv, "/data.bin", TS_WRONG_LENGTH, 1000, NULL, -1);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_ELENGTH);
    assert_false(ms_exists(p));
    assert_false(ms_exists(part));

    /* The signed length is smaller than what the server has: never more bytes than signed. */
    ts_clear_rules(f->srv);
    assert_int_equal(fetch(f, p, f->url, 1000, f->sha256), MSTORE_ELENGTH);
    assert_false(ms_exists(p));
    free(part);
    free(p);
}

static void test_hash_mismatch(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "h.bin");
    char *part = ms_fmt("%s.part", p);
    char wrong[MSTORE_HASH_HEX_MAX];

    memcpy(wrong, f->sha256, sizeof(wrong));
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, wrong), MSTORE_EHASH);
    assert_false(ms_exists(p));
    assert_false(ms_exists(part));
    /* An existing file at the output path is left alone. */
    ms_write(p, "old", 3);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, wrong), MSTORE_EHASH);
    size_t size;
    char *old = ms_slurp(p, &size);
    assert_int_equal(size, 3);
    free(old);
    /* Unsupported algorithms are refused before any request. */
    mstore_hash h = {"md5", "00"};
    const char *urls[] = {f->url};
    ts_clear_log(f->srv);
    assert_int_equal(mstore_fetch_file(p, urls, 1, DATA_SIZE, &h, 1, &f->o), MSTORE_EUNSUPPORTED);
    assert_int_equal(ts_count(f->srv, NULL), 0);
    free(part);
    free(p);
}

static void test_redirects(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "d.bin");
    char *other_dir = ms_tmpdir("mstore-dl-other");
    ts_server *other = ts_start(other_dir);
    char *elsewhere = ms_fmt("%s/data.bin", ts_url(other));
    char *moved = ms_fmt("%s/moved.bin", ts_url(f->srv));

    /* Same origin: followed. */
    ts_rule(f->srv, "/moved.bin", TS_REDIRECT, 0, f->url, -1);
    assert_int_equal(fetch(f, p, moved, DATA_SIZE, f->sha256), MSTORE_OK);
    assert_file_is_data(f, p);
    unlink(p);
    /* Another host (port): refused, nothing fetched there. */
    ts_clear_rules(f->srv);
    ts_rule(f->srv, "/moved.bin", TS_REDIRECT, 0, elsewhere, -1);
    assert_int_equal(fetch(f, p, moved, DATA_SIZE, f->sha256), MSTORE_ENETWORK);
    assert_non_null(strstr(mstore_error_message(), "redirect to another host refused"));
    assert_int_equal(ts_count(other, NULL), 0);
    assert_false(ms_exists(p));
    /* A loop ends. */
    ts_clear_rules(f->srv);
    ts_rule(f->srv, "/moved.bin", TS_REDIRECT, 0, moved, -1);
    assert_int_equal(fetch(f, p, moved, DATA_SIZE, f->sha256), MSTORE_ENETWORK);
    assert_non_null(strstr(mstore_error_message(), "redirects"));
    ts_stop(other);
    ms_rm_rf(other_dir);
    free(other_dir);
    free(elsewhere);
    free(moved);
    free(p);
}

static void test_resume_from_partial_file(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "p.bin");
    char *part = ms_fmt("%s.part", p);
    char *range;

    /* Good bytes from an earlier run: only the rest is asked for, the whole file is checked. */
    ms_write(part, f->data, 5000);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_OK);
    range = ts_last_range(f->srv, "/data.bin");
    assert_string_equal(range, "bytes=5000-");
    free(range);
    assert_file_is_data(f, p);
    unlink(p);

    /* Corrupted kept bytes: the hash fails, the file is fetched again from the start. */
    ts_clear_log(f->srv);
    char *bad = malloc(5000);
    memcpy(bad, f->data, 5000);
    bad[10] ^= 0x55;
    ms_write(part, bad, 5000);
    free(bad);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_OK);
    assert_int_equal(ts_count(f->srv, "/data.bin"), 2);
    range = ts_last_range(f->srv, "/data.bin");
    assert_string_equal(range, "");
    free(range);
    assert_file_is_data(f, p);
    unlink(p);

    /* A server that ignores Range: the whole file again. */
    ts_rule(f->srv, "/data.bin", TS_IGNORE_RANGE, 0, NULL, -1);
    ms_write(part, f->data, 7000);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_OK);
    assert_file_is_data(f, p);
    unlink(p);

    /* A complete and valid partial file needs no request at all. */
    ts_clear_log(f->srv);
    ms_write(part, f->data, DATA_SIZE);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_OK);
    assert_int_equal(ts_count(f->srv, NULL), 0);
    assert_file_is_data(f, p);
    free(part);
    free(p);
}

static int cancel_after_first(void *ctx, uint64_t done, uint64_t total)
{
    int *calls = ctx;
    (void)done;
    assert_int_equal(total, DATA_SIZE);
    return ++*calls >= 1;
}

static void test_progress_cancel_and_space(void **state)
{
    fixture *f = *state;
    char *p = out_path(f, "c.bin");
    int calls = 0;

    f->o.progress = cancel_after_first;
    f->o.progress_ctx = &calls;
    ts_rule(f->srv, "/data.bin", TS_STALL, 1000, NULL, 1);
    assert_int_equal(fetch(f, p, f->url, DATA_SIZE, f->sha256), MSTORE_ECANCELED);
    assert_true(calls >= 1);
    assert_false(ms_exists(p));
    f->o.progress = NULL;

    /* Far more than any disk has: refused before any request. */
    ts_clear_log(f->srv);
    assert_int_equal(fetch(f, p, f->url, (uint64_t)1 << 60, f->sha256), MSTORE_ENOSPACE);
    assert_int_equal(ts_count(f->srv, NULL), 0);
    free(p);
}

static void test_file_urls_and_encoding(void **state)
{
    fixture *f = *state;
    char *url = ms_fmt("file://%s/data.bin", f->dir);
    char *missing = ms_fmt("file://%s/none.bin", f->dir);
    const char *urls[] = {url}, *murls[] = {missing};
    unsigned char *buf = NULL;
    size_t size = 0;
    char *enc = NULL;

    assert_int_equal(mstore_fetch_bytes(&buf, &size, urls, 1, DATA_SIZE, &f->o), MSTORE_OK);
    assert_int_equal(size, DATA_SIZE);
    free(buf);
    assert_int_equal(mstore_fetch_bytes(&buf, &size, murls, 1, DATA_SIZE, &f->o), MSTORE_ENOTFOUND);
    /* ftp:// and friends are not allowed. */
    const char *ftp[] = {"ftp://127.0.0.1/x"};
    assert_int_equal(mstore_fetch_bytes(&buf, &size, ftp, 1, 10, &f->o), MSTORE_ENETWORK);

    assert_int_equal(mstore_url_encode(&enc, "a b/../c?d#e%f~_.-", 0), MSTORE_OK);
    assert_string_equal(enc, "a%20b%2F..%2Fc%3Fd%23e%25f~_.-");
    free(enc);
    assert_int_equal(mstore_url_encode(&enc, "dir/\xc3\xa9.mpk", 1), MSTORE_OK);
    assert_string_equal(enc, "dir/%C3%A9.mpk");
    free(enc);
    free(url);
    free(missing);
}

/* ---- HTTPS -------------------------------------------------------------------------------- */

static int rng(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/* A self-signed P-256 certificate for 127.0.0.1 (CA:TRUE so it can be its own trust anchor). */
static void make_cert(char *key_pem, size_t key_size, char *cert_pem, size_t cert_size)
{
    mbedtls_pk_context key;
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;
    /* SubjectAltName: SEQUENCE { [7] 127.0.0.1 } */
    static const unsigned char san[] = {0x30, 0x06, 0x87, 0x04, 0x7f, 0x00, 0x00, 0x01};

    mbedtls_pk_init(&key);
    assert_int_equal(mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), rng, NULL),
                     0);
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&serial);
    mbedtls_mpi_lset(&serial, 1);
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &key);
    assert_int_equal(mbedtls_x509write_crt_set_subject_name(&crt, "CN=127.0.0.1"), 0);
    assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&crt, "CN=127.0.0.1"), 0);
    assert_int_equal(mbedtls_x509write_crt_set_serial(&crt, &serial), 0);
    assert_int_equal(mbedtls_x509write_crt_set_validity(&crt, "20200101000000", "20991231235959"),
                     0);
    assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&crt, 1, 0), 0);
    assert_int_equal(mbedtls_x509write_crt_set_extension(
                         &crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                         MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san, sizeof(san)),
                     0);
    assert_int_equal(
        mbedtls_x509write_crt_pem(&crt, (unsigned char *)cert_pem, cert_size, rng, NULL), 0);
    assert_int_equal(mbedtls_pk_write_key_pem(&key, (unsigned char *)key_pem, key_size), 0);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&key);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
    fixture *f = cls;
    struct MHD_Response *r;
    enum MHD_Result ret;

    (void)version;
    (void)upload;
    (void)upload_size;
    (void)req;
    if (strcmp(method, "GET") != 0 || strcmp(url, "/data.bin") != 0) {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        ret = MHD_queue_response(c, 404, r);
    } else {
        r = MHD_create_response_from_buffer(DATA_SIZE, f->data, MHD_RESPMEM_PERSISTENT);
        ret = MHD_queue_response(c, 200, r);
    }
    MHD_destroy_response(r);
    return ret;
}

static void test_https(void **state)
{
    fixture *f = *state;
    static char key_pem[4096], cert_pem[4096];
    struct MHD_Daemon *d;
    char *ca = ms_join(f->out, "ca.pem"), *p = out_path(f, "tls.bin"), *url;
    const union MHD_DaemonInfo *info;

    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        print_message("libmicrohttpd has no TLS here: HTTPS not tested\n");
        skip();
    }
    make_cert(key_pem, sizeof(key_pem), cert_pem, sizeof(cert_pem));
    ms_write(ca, cert_pem, strlen(cert_pem));
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS, 0, NULL, NULL, answer, f,
                         MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
                         MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
    assert_non_null(d);
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    url = ms_fmt("https://127.0.0.1:%u/data.bin", (unsigned)info->port);

    /* Not trusted: a TLS error, not retried into success. */
    assert_int_equal(fetch(f, p, url, DATA_SIZE, f->sha256), MSTORE_ENETWORK);
    assert_non_null(strstr(mstore_error_message(), "TLS"));
    assert_false(ms_exists(p));
    /* Trusted through ca_file. */
    f->o.ca_file = ca;
    assert_int_equal(fetch(f, p, url, DATA_SIZE, f->sha256), MSTORE_OK);
    assert_file_is_data(f, p);
    f->o.ca_file = NULL;
    MHD_stop_daemon(d);
    free(url);
    free(ca);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_download, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_bytes_and_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_and_mirrors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_errors_retried_only_when_transient, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncated_body_resumed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_and_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stall_times_out_then_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trickle_is_a_stall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endless_and_oversized_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redirects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_from_partial_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_cancel_and_space, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_urls_and_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_https, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
