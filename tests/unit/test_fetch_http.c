/* test_fetch_http.c - the fetcher's HTTP client against tests/data/http_server.py on loopback.
 *
 * One server process serves the whole run (started in the group setup, read back its port,
 * killed in the teardown). Each test makes its own client. Server-side facts (hits per path,
 * concurrency, bytes sent) are read with a raw socket, never through the client under test.
 * Without python3 the test exits 77 (skipped).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

#ifndef TEST_DATA_DIR
#error "define TEST_DATA_DIR as the path of tests/data"
#endif

#define SERVER_SCRIPT TEST_DATA_DIR "/http_server.py"
#define WAIT_MS       15000 /* per response: generous, this is not a benchmark */
#define MIB           (1024u * 1024u)

static pid_t g_server = -1;     /* the server's pid */
static int g_server_stdin = -1; /* closing it also ends the server */
static int g_port;              /* the server's port on 127.0.0.1 */
static char g_python[4096];     /* python3 found in PATH */

static long long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool s_find_python(void)
{
    const char *p = getenv("PATH");
    while (p && *p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        int w = snprintf(g_python, sizeof g_python, "%.*s/python3", (int)n, p);
        if (n > 0 && w > 0 && (size_t)w < sizeof g_python && access(g_python, X_OK) == 0)
            return true;
        p = colon ? colon + 1 : NULL;
    }
    return false;
}

static void s_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

static int s_server_start(void **state)
{
    (void)state;
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    g_server = fork();
    if (g_server < 0)
        return -1;
    if (g_server == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl(g_python, "python3", SERVER_SCRIPT, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    g_server_stdin = in[1];
    s_cloexec(g_server_stdin);
    /* The first line is the port. */
    char line[32];
    size_t got = 0;
    long long deadline = s_now_ms() + 10000;
    while (got < sizeof line - 1 && (got == 0 || line[got - 1] != '\n')) {
        struct pollfd pfd = {.fd = out[0], .events = POLLIN};
        long long left = deadline - s_now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        ssize_t n = read(out[0], line + got, 1);
        if (n <= 0)
            break;
        got++;
    }
    close(out[0]);
    line[got] = '\0';
    char *end = NULL;
    long port = strtol(line, &end, 10);
    if (got == 0 || port <= 0 || port > 65535 || *end != '\n') {
        fprintf(stderr, "test_fetch_http: %s did not print its port\n", SERVER_SCRIPT);
        return -1;
    }
    g_port = (int)port;
    return 0;
}

static int s_server_stop(void **state)
{
    (void)state;
    if (g_server_stdin >= 0)
        close(g_server_stdin);
    if (g_server > 0) {
        kill(g_server, SIGTERM);
        waitpid(g_server, NULL, 0);
    }
    return 0;
}

/* A counter of the server's /stats/<key>, read over a plain socket. */
static long s_stat(const char *key)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)g_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "GET /stats/%s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", key);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_int_equal(write(fd, buf, (size_t)n), n);
    size_t got = 0;
    ssize_t r;
    while (got < sizeof buf - 1 && (r = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    buf[got] = '\0';
    const char *body = strstr(buf, "\r\n\r\n");
    assert_non_null(body);
    return strtol(body + 4, NULL, 10);
}

static long s_hits(const char *path)
{
    char key[512];
    snprintf(key, sizeof key, "hits%s", path);
    return s_stat(key);
}

static void s_config(struct http_config *cfg)
{
    http_config_defaults(cfg);
    cfg->user_agent = "parley-test/0.1 (+https://example.org/parley)";
    cfg->robots_agent = "parley";
    cfg->connect_timeout_ms = 5000;
    cfg->timeout_ms = 10000;
    cfg->low_speed_bytes = 0;
    cfg->low_speed_s = 0;
    cfg->max_bytes = 10 * MIB;
    cfg->delay_ms = 0;
    cfg->retries = 3;
    cfg->backoff_ms = 20;
    cfg->backoff_max_ms = 2000;
}

static struct http_client *s_client(const struct http_config *cfg)
{
    char err[256] = "";
    struct http_client *c = http_client_new(cfg, err, sizeof err);
    if (!c)
        fail_msg("http_client_new: %s", err);
    return c;
}

static void s_url(char *buf, size_t n, const char *host, const char *path)
{
    int w = snprintf(buf, n, "http://%s:%d%s", host, g_port, path);
    assert_true(w > 0 && (size_t)w < n);
}

static void s_submit(struct http_client *c, const char *host, const char *path, uint64_t tag)
{
    char url[512];
    s_url(url, sizeof url, host, path);
    assert_int_equal(http_client_submit(c, url, NULL, NULL, tag), 0);
}

/* Waits on the client's fd for the next response. */
static void s_wait(struct http_client *c, struct http_response *r)
{
    long long deadline = s_now_ms() + WAIT_MS;
    for (;;) {
        if (http_client_take(c, r) == 1)
            return;
        long long left = deadline - s_now_ms();
        if (left <= 0)
            fail_msg("no response within %d ms", WAIT_MS);
        struct pollfd pfd = {.fd = http_client_fd(c), .events = POLLIN};
        assert_true(poll(&pfd, 1, (int)left) >= 0);
    }
}

static void s_get(struct http_client *c, const char *path, struct http_response *r)
{
    s_submit(c, "127.0.0.1", path, 7);
    s_wait(c, r);
}

static bool s_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Polls a server counter until it reaches want (the server finishes after the client). */
static long s_stat_reaches(const char *key, long want)
{
    long long deadline = s_now_ms() + WAIT_MS;
    long v;
    while ((v = s_stat(key)) < want && s_now_ms() < deadline)
        usleep(20000);
    return v;
}

static void test_get_returns_body_and_content_type(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    char url[512];
    s_url(url, sizeof url, "127.0.0.1", "/page/a");
    assert_int_equal(http_client_submit(c, url, NULL, NULL, 42), 0);
    assert_int_equal(http_client_outstanding(c), 1);
    struct http_response r;
    s_wait(c, &r);
    assert_int_equal(r.tag, 42);
    assert_string_equal(r.url, url);
    assert_string_equal(r.final_url, url);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.error, "");
    assert_int_equal(r.tries, 1);
    assert_false(r.not_modified);
    assert_false(r.robots_denied);
    assert_string_equal(r.content_type, "text/html; charset=utf-8");
    assert_non_null(r.body);
    assert_int_equal(strlen(r.body), r.len);
    assert_non_null(strstr(r.body, "<h1>Article a</h1>"));
    /* Taken: nothing outstanding, and the fd no longer wakes poll(). */
    assert_int_equal(http_client_outstanding(c), 0);
    struct pollfd pfd = {.fd = http_client_fd(c), .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 0), 0);
    struct http_response none = {.tag = 99};
    assert_int_equal(http_client_take(c, &none), 0);
    assert_int_equal(none.tag, 99);
    http_response_release(&r);
    http_response_release(&r); /* safe twice */
    http_client_destroy(&c);
    assert_null(c);
    http_client_destroy(&c);
}

static void test_404_is_final_and_500_is_retried(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    struct http_response r;
    long before = s_hits("/notfound");
    s_get(c, "/notfound", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.error, "HTTP 404");
    assert_int_equal(r.tries, 1);
    assert_int_equal(s_hits("/notfound") - before, 1);
    http_response_release(&r);

    before = s_hits("/error");
    s_get(c, "/error", &r);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.error, "HTTP 500");
    assert_int_equal(r.tries, 1 + cfg.retries);
    assert_int_equal(s_hits("/error") - before, 1 + cfg.retries);
    http_response_release(&r);
    http_client_destroy(&c);
}

static void test_flaky_server_recovers_on_retry(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    struct http_response r;
    s_get(c, "/flaky/2/recovers", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.error, "");
    assert_int_equal(r.tries, 3);
    assert_string_equal(r.body, "recovered\n");
    assert_int_equal(s_hits("/flaky/2/recovers"), 3);
    http_response_release(&r);
    http_client_destroy(&c);
}

static void test_timeout_is_an_error_after_retries(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    cfg.timeout_ms = 700;
    cfg.retries = 1;
    struct http_client *c = s_client(&cfg);
    struct http_response r;
    s_get(c, "/slow?s=5", &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.error, "timeout after 700 ms");
    assert_int_equal(r.tries, 2);
    assert_null(r.body);
    http_response_release(&r);
    http_client_destroy(&c);
}

static void test_redirect_followed_and_loop_stopped(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    struct http_response r;
    s_get(c, "/redirect", &r);
    assert_int_equal(r.status, 200);
    assert_true(s_ends_with(r.url, "/redirect"));
    assert_true(s_ends_with(r.final_url, "/page/a"));
    assert_string_equal(r.content_type, "text/html; charset=utf-8"); /* not the 302's */
    assert_non_null(strstr(r.body, "Article a"));
    http_response_release(&r);

    long before = s_hits("/loop");
    s_get(c, "/loop", &r);
    assert_string_equal(r.error, "too many redirects (5)");
    assert_int_equal(r.tries, 1);
    /* The first request and five redirects, no retry. */
    assert_int_equal(s_hits("/loop") - before, 6);
    http_response_release(&r);
    http_client_destroy(&c);
}

/* Fetches one of the server's big bodies, of mb MiB, over the 10 MiB cap. */
static void s_check_big(struct http_client *c, const char *path, long mb)
{
    long done = s_stat("big_done");
    struct http_response r;
    s_get(c, path, &r);
    assert_string_equal(r.error, "body over 10485760 bytes");
    assert_null(r.body);
    assert_int_equal(r.len, 0);
    assert_int_equal(r.tries, 1);
    http_response_release(&r);
    /* The client hung up early, so it cannot have buffered the whole body. (Between the cap
     * and the socket buffers a streamed body gets further than 10 MiB: hence 64 MiB there.) */
    assert_true(s_stat_reaches("big_done", done + 1) >= done + 1);
    long sent = s_stat("big_sent");
    if (sent >= mb * (long)MIB)
        fail_msg("%s: the server sent all %ld bytes", path, sent);
}

static void test_body_over_cap_is_cut_short(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    s_check_big(c, "/big", 20);                /* Content-Length announces 20 MiB */
    s_check_big(c, "/big?stream=1&mb=64", 64); /* no length: caught while streaming */
    s_check_big(c, "/big?stall=1", 20);        /* refused on Content-Length alone */
    http_client_destroy(&c);
}

static void test_gzip_body_is_decoded(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    long before = s_stat("gzip_served");
    struct http_response r;
    s_get(c, "/gzip", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(s_stat("gzip_served") - before, 1); /* it really travelled compressed */
    const char *unit = "<p>gzip decoded</p>\n";
    size_t k = strlen(unit);
    assert_int_equal(r.len, 50 * k);
    for (size_t i = 0; i < 50; i++)
        assert_memory_equal(r.body + i * k, unit, k);
    http_response_release(&r);
    http_client_destroy(&c);
}

static void test_cp1251_body_arrives_byte_exact(void **state)
{
    (void)state;
    static const char want[] = "<html><head><title>\xcd\xee\xe2\xee\xf1\xf2\xe8</title></head>"
                               "<body><p>\xcc\xee\xf1\xea\xe2\xe0</p></body></html>\n";
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    struct http_response r;
    s_get(c, "/cp1251", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/html; charset=windows-1251");
    assert_int_equal(r.len, sizeof want - 1);
    assert_memory_equal(r.body, want, sizeof want - 1);
    assert_int_equal(r.body[r.len], '\0');
    http_response_release(&r);
    http_client_destroy(&c);
}

static void test_etag_gives_not_modified(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    struct http_response r;
    s_get(c, "/etag", &r);
    assert_int_equal(r.status, 200);
    assert_false(r.not_modified);
    assert_string_equal(r.etag, "\"v1\"");
    assert_string_equal(r.last_modified, "Mon, 02 Jan 2006 15:04:05 GMT");
    char url[512];
    s_url(url, sizeof url, "127.0.0.1", "/etag");
    assert_int_equal(http_client_submit(c, url, r.etag, NULL, 1), 0);
    http_response_release(&r);
    s_wait(c, &r);
    assert_int_equal(r.status, 304);
    assert_true(r.not_modified);
    assert_string_equal(r.error, "");
    assert_null(r.body);
    assert_string_equal(r.etag, "\"v1\"");
    http_response_release(&r);
    /* Last-Modified alone works too, and a stale ETag does not. */
    assert_int_equal(http_client_submit(c, url, NULL, "Mon, 02 Jan 2006 15:04:05 GMT", 2), 0);
    s_wait(c, &r);
    assert_true(r.not_modified);
    http_response_release(&r);
    assert_int_equal(http_client_submit(c, url, "\"v0\"", NULL, 3), 0);
    s_wait(c, &r);
    assert_int_equal(r.status, 200);
    assert_false(r.not_modified);
    http_response_release(&r);
    http_client_destroy(&c);
}

static void test_retry_after_is_honoured(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    cfg.backoff_ms = 10; /* so only Retry-After can explain a one-second wait */
    cfg.backoff_max_ms = 5000;
    struct http_client *c = s_client(&cfg);
    long long t0 = s_now_ms();
    struct http_response r;
    s_get(c, "/retry-after/once", &r);
    long long took = s_now_ms() - t0;
    assert_int_equal(r.status, 200);
    assert_int_equal(r.tries, 2);
    if (took < 900)
        fail_msg("the retry came after %lld ms, Retry-After said 1 s", took);
    http_response_release(&r);
    http_client_destroy(&c);
}

static void test_robots_txt_denies_private_paths(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    long robots = s_hits("/robots.txt");
    struct http_response r;
    s_get(c, "/private/x", &r);
    assert_true(r.robots_denied);
    assert_string_equal(r.error, "robots.txt disallows /private/x");
    assert_int_equal(r.tries, 0);
    assert_int_equal(r.status, 0);
    assert_null(r.body);
    http_response_release(&r);
    s_get(c, "/page/allowed", &r);
    assert_int_equal(r.status, 200);
    assert_false(r.robots_denied);
    http_response_release(&r);
    s_get(c, "/private/x?again=1", &r); /* decided from the cached rules */
    assert_true(r.robots_denied);
    http_response_release(&r);
    assert_int_equal(s_hits("/private/x"), 0);
    assert_int_equal(s_hits("/robots.txt") - robots, 1); /* fetched once, then cached */
    http_client_destroy(&c);
}

static void test_robots_off_fetches_everything(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    cfg.robots = false;
    struct http_client *c = s_client(&cfg);
    long robots = s_hits("/robots.txt");
    struct http_response r;
    s_get(c, "/private/y", &r);
    assert_int_equal(r.status, 200);
    assert_false(r.robots_denied);
    http_response_release(&r);
    assert_int_equal(s_hits("/private/y"), 1);
    assert_int_equal(s_hits("/robots.txt"), robots);
    http_client_destroy(&c);
}

static void test_unreachable_robots_txt_denies_the_host(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    long robots = s_hits("/robots.txt");
    struct http_response r;
    s_submit(c, "localhost", "/page/unreached", 5); /* the server's robots.txt 503s there */
    s_wait(c, &r);
    assert_true(r.robots_denied);
    assert_string_equal(r.error, "robots.txt unreachable (HTTP 503)");
    http_response_release(&r);
    assert_int_equal(s_hits("/page/unreached"), 0);
    assert_int_equal(s_hits("/robots.txt") - robots, 2); /* one retry */
    http_client_destroy(&c);
}

/* Submits n requests of 300 ms each to /conc/<group>/ on host and waits for all. */
static void s_conc_batch(struct http_client *c, const char *const *hosts, const char *const *groups,
                         int nhosts, int n)
{
    char path[64];
    for (int i = 0; i < n; i++)
        for (int k = 0; k < nhosts; k++) {
            snprintf(path, sizeof path, "/conc/%s/%d?ms=300", groups[k], i);
            s_submit(c, hosts[k], path, (uint64_t)i);
        }
    assert_int_equal(http_client_outstanding(c), (size_t)(n * nhosts));
    for (int i = 0; i < n * nhosts; i++) {
        struct http_response r;
        s_wait(c, &r);
        assert_int_equal(r.status, 200);
        http_response_release(&r);
    }
    assert_int_equal(http_client_outstanding(c), 0);
}

static void test_concurrency_limits_hold(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    cfg.robots = false;
    cfg.per_host = 2;
    cfg.max_total = 16;
    /* One host, plenty of total room: per_host binds. */
    struct http_client *c = s_client(&cfg);
    static const char *const one_host[] = {"127.0.0.1"}, *const one_group[] = {"h1"};
    s_conc_batch(c, one_host, one_group, 1, 6);
    http_client_destroy(&c);
    long h1 = s_stat("maxconc/conc/h1");
    if (h1 != 2)
        fail_msg("at most %ld requests to one host ran at once, per_host is 2", h1);
    /* Two hosts, per_host 2 each, but only 3 in all: max_total binds. */
    cfg.max_total = 3;
    c = s_client(&cfg);
    static const char *const two_hosts[] = {"127.0.0.1", "localhost"};
    static const char *const two_groups[] = {"h2", "h3"};
    s_conc_batch(c, two_hosts, two_groups, 2, 6);
    http_client_destroy(&c);
    long h2 = s_stat("maxconc/conc/h2"), h3 = s_stat("maxconc/conc/h3");
    long all = s_stat("maxconc/conc");
    if (h2 > 2 || h3 > 2 || all != 3)
        fail_msg("host 1 had %ld at once, host 2 %ld, both %ld (want <= 2, <= 2, 3)", h2, h3, all);
}

static void test_hosts_take_turns_in_fifo_order(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    cfg.robots = false;
    cfg.per_host = 1;
    cfg.max_total = 1;
    struct http_client *c = s_client(&cfg);
    /* A0 is slow, so everything else is queued before any choice is made. */
    s_submit(c, "127.0.0.1", "/conc/fa/0?ms=300", 0);
    s_submit(c, "127.0.0.1", "/conc/fa/1?ms=0", 1);
    s_submit(c, "127.0.0.1", "/conc/fa/2?ms=0", 2);
    s_submit(c, "127.0.0.1", "/conc/fa/3?ms=0", 3);
    s_submit(c, "localhost", "/conc/fb/0?ms=0", 10);
    s_submit(c, "localhost", "/conc/fb/1?ms=0", 11);
    uint64_t order[6];
    for (int i = 0; i < 6; i++) {
        struct http_response r;
        s_wait(c, &r);
        assert_int_equal(r.status, 200);
        order[i] = r.tag;
        http_response_release(&r);
    }
    int pos_b0 = -1, pos_a3 = -1;
    uint64_t last_a = 0, last_b = 10;
    for (int i = 0; i < 6; i++) {
        if (order[i] < 10) {
            assert_true(i == 0 || order[i] > last_a); /* FIFO within a host */
            last_a = order[i];
            if (order[i] == 3)
                pos_a3 = i;
        } else {
            assert_true(order[i] >= last_b);
            last_b = order[i];
            if (order[i] == 10)
                pos_b0 = i;
        }
    }
    /* Round-robin: the second host is served before the first one's queue runs dry. */
    if (pos_b0 > pos_a3)
        fail_msg("host b waited for all of host a (b0 at %d, a3 at %d)", pos_b0, pos_a3);
    assert_int_equal(order[0], 0);
    http_client_destroy(&c);
}

static void test_delay_between_starts_to_one_host(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    cfg.robots = false;
    cfg.delay_ms = 400;
    struct http_client *c = s_client(&cfg);
    for (int i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof path, "/conc/d/%d?ms=0", i);
        s_submit(c, "127.0.0.1", path, (uint64_t)i);
    }
    for (int i = 0; i < 3; i++) {
        struct http_response r;
        s_wait(c, &r);
        assert_int_equal(r.status, 200);
        http_response_release(&r);
    }
    /* Arrival gaps at the server; half the delay leaves room for scheduling noise. */
    long gap = s_stat("mingap/conc/d");
    if (gap < 200)
        fail_msg("two requests arrived %ld ms apart, delay_ms is 400", gap);
    http_client_destroy(&c);
}

static void test_destroy_with_hung_transfer_is_prompt(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    cfg.per_host = 2;
    struct http_client *c = s_client(&cfg);
    struct http_response r;
    s_get(c, "/page/warm", &r); /* robots.txt settled, so the next two go straight out */
    http_response_release(&r);
    /* Left finished and untaken, then two hung transfers and one queued behind them. */
    s_submit(c, "127.0.0.1", "/page/untaken", 1);
    struct pollfd pfd = {.fd = http_client_fd(c), .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
    long before = s_hits("/slow");
    s_submit(c, "127.0.0.1", "/slow?s=30", 2);
    s_submit(c, "127.0.0.1", "/slow?s=30&b=1", 3);
    s_submit(c, "127.0.0.1", "/slow?s=30&c=1", 4);
    assert_true(s_stat_reaches("hits/slow", before + 2) >= before + 2);
    assert_int_equal(http_client_outstanding(c), 4);
    long long t0 = s_now_ms();
    http_client_destroy(&c);
    long long took = s_now_ms() - t0;
    assert_null(c);
    /* the transfers would hang for 30 s: well under that means they were cancelled (a loose
     * bound, so a loaded machine does not fail it) */
    if (took >= 10000)
        fail_msg("destroy took %lld ms", took);
}

static void test_bad_input_is_refused(void **state)
{
    (void)state;
    struct http_config cfg;
    s_config(&cfg);
    struct http_client *c = s_client(&cfg);
    assert_int_equal(http_client_submit(c, "ftp://127.0.0.1/x", NULL, NULL, 1), -1);
    assert_int_equal(http_client_submit(c, "not a url", NULL, NULL, 1), -1);
    assert_int_equal(http_client_submit(c, "/relative/path", NULL, NULL, 1), -1);
    assert_int_equal(http_client_submit(c, "http://127.0.0.1/x", "\"a\"\r\nX-Evil: 1", NULL, 1),
                     -1);
    assert_int_equal(http_client_outstanding(c), 0);
    http_client_destroy(&c);

    char err[256] = "";
    cfg.user_agent = NULL;
    assert_null(http_client_new(&cfg, err, sizeof err));
    assert_true(strstr(err, "user_agent") != NULL);
    s_config(&cfg);
    cfg.per_host = 0;
    assert_null(http_client_new(&cfg, err, sizeof err));
    assert_true(strstr(err, "per_host") != NULL);
}

int main(void)
{
    if (!s_find_python()) {
        fprintf(stderr, "test_fetch_http: python3 not found in PATH; skipping\n");
        return 77;
    }
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_returns_body_and_content_type),
        cmocka_unit_test(test_404_is_final_and_500_is_retried),
        cmocka_unit_test(test_flaky_server_recovers_on_retry),
        cmocka_unit_test(test_timeout_is_an_error_after_retries),
        cmocka_unit_test(test_redirect_followed_and_loop_stopped),
        cmocka_unit_test(test_body_over_cap_is_cut_short),
        cmocka_unit_test(test_gzip_body_is_decoded),
        cmocka_unit_test(test_cp1251_body_arrives_byte_exact),
        cmocka_unit_test(test_etag_gives_not_modified),
        cmocka_unit_test(test_retry_after_is_honoured),
        cmocka_unit_test(test_robots_txt_denies_private_paths),
        cmocka_unit_test(test_robots_off_fetches_everything),
        cmocka_unit_test(test_unreachable_robots_txt_denies_the_host),
        cmocka_unit_test(test_concurrency_limits_hold),
        cmocka_unit_test(test_hosts_take_turns_in_fifo_order),
        cmocka_unit_test(test_delay_between_starts_to_one_host),
        cmocka_unit_test(test_destroy_with_hung_transfer_is_prompt),
        cmocka_unit_test(test_bad_input_is_refused),
    };
    return cmocka_run_group_tests_name("fetch_http", tests, s_server_start, s_server_stop);
}
