/* test_pl_log_util.c - log line format, levels, rate limiting; number parsing and clocks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pl_log.h"
#include "pl_util.h"

/* Runs fn with the log going into a pipe and returns what it wrote. */
static char *s_capture(void (*fn)(void))
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pl_log_set_fd(fds[1]);
    fn();
    pl_log_set_fd(STDERR_FILENO);
    close(fds[1]);
    static char out[65536];
    size_t n = 0;
    ssize_t r;
    while ((r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(fds[0]);
    return out;
}

static void s_one_line(void)
{
    pl_log_init("store", PL_LOG_INFO);
    pl_log_warn("dropped frame reason=%s bytes=%d", "truncated", 17);
}

static void test_line_has_time_service_pid_level_and_fields(void **state)
{
    (void)state;
    char *out = s_capture(s_one_line);
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                             "store\\[[0-9]+\\] WARN dropped frame reason=truncated bytes=17\n$",
                             REG_EXTENDED),
                     0);
    if (regexec(&re, out, 0, NULL, 0) != 0)
        fail_msg("unexpected line: %s", out);
    regfree(&re);
}

static void s_levels(void)
{
    pl_log_init("fetcher", PL_LOG_WARN);
    pl_log_debug("hidden debug");
    pl_log_info("hidden info");
    pl_log_warn("shown warn");
    assert_int_equal(pl_log_error("shown error %d", 1), -1);
}

static void test_levels_below_the_threshold_are_skipped(void **state)
{
    (void)state;
    char *out = s_capture(s_levels);
    assert_null(strstr(out, "hidden"));
    assert_non_null(strstr(out, "WARN shown warn\n"));
    assert_non_null(strstr(out, "ERROR shown error 1\n"));
}

static void s_long(void)
{
    pl_log_init("x", PL_LOG_INFO);
    char big[10000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    pl_log_info("%s", big);
    pl_log_info("after");
}

static void test_long_line_is_cut_never_split(void **state)
{
    (void)state;
    char *out = s_capture(s_long);
    char *nl = strchr(out, '\n');
    assert_non_null(nl);
    assert_memory_equal(nl - 3, "...", 3);
    assert_non_null(strstr(nl + 1, "INFO after\n"));
}

static void s_flood(void)
{
    pl_log_init("x", PL_LOG_INFO);
    struct pl_ratelimit rl = PL_RATELIMIT_INIT(60000, 3);
    for (int i = 0; i < 100; i++)
        pl_log_limited(&rl, PL_LOG_WARN, "bad frame %d", i);
    assert_int_equal(rl.suppressed, 97);
    rl.window_start -= 60000; /* the next window */
    pl_log_limited(&rl, PL_LOG_WARN, "bad frame again");
}

static void test_rate_limit_keeps_a_burst_and_counts_the_rest(void **state)
{
    (void)state;
    char *out = s_capture(s_flood);
    assert_non_null(strstr(out, "bad frame 2\n"));
    assert_null(strstr(out, "bad frame 3\n"));
    assert_non_null(strstr(out, "bad frame again suppressed=97\n"));
}

static void test_level_names_parse(void **state)
{
    (void)state;
    enum pl_log_level l;
    assert_int_equal(pl_log_parse_level("debug", &l), 0);
    assert_int_equal(l, PL_LOG_DEBUG);
    assert_int_equal(pl_log_parse_level("WARN", &l), 0);
    assert_int_equal(l, PL_LOG_WARN);
    assert_int_equal(pl_log_parse_level("warning", &l), 0);
    assert_int_equal(pl_log_parse_level("verbose", &l), -1);
}

static void test_parse_u64_checks_form_and_range(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(pl_parse_u64("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(pl_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(pl_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -1);
    assert_int_equal(errno, ERANGE);
    assert_int_equal(pl_parse_u64("101", 0, 100, &v), -1);
    assert_int_equal(errno, ERANGE);
    assert_int_equal(pl_parse_u64("12abc", 0, 100, &v), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(pl_parse_u64("-1", 0, 100, &v), -1);
    assert_int_equal(pl_parse_u64(" 1", 0, 100, &v), -1);
    assert_int_equal(pl_parse_u64("", 0, 100, &v), -1);
    assert_int_equal(v, UINT64_MAX); /* untouched by failures */
}

static void test_parse_i64_checks_form_and_range(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(pl_parse_i64("-5", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(pl_parse_i64("-11", -10, 10, &v), -1);
    assert_int_equal(errno, ERANGE);
    assert_int_equal(pl_parse_i64("1.5", -10, 10, &v), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(pl_parse_i64("-", -10, 10, &v), -1);
}

static void test_time_iso_formats_utc_with_milliseconds(void **state)
{
    (void)state;
    char buf[32];
    pl_time_iso(buf, sizeof buf, 1698084301250LL);
    assert_string_equal(buf, "2023-10-23T18:05:01.250Z");
    int64_t a = pl_now_ms(), b = pl_now_ms();
    assert_true(b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_has_time_service_pid_level_and_fields),
        cmocka_unit_test(test_levels_below_the_threshold_are_skipped),
        cmocka_unit_test(test_long_line_is_cut_never_split),
        cmocka_unit_test(test_rate_limit_keeps_a_burst_and_counts_the_rest),
        cmocka_unit_test(test_level_names_parse),
        cmocka_unit_test(test_parse_u64_checks_form_and_range),
        cmocka_unit_test(test_parse_i64_checks_form_and_range),
        cmocka_unit_test(test_time_iso_formats_utc_with_milliseconds),
    };
    return cmocka_run_group_tests_name("pl_log_util", tests, NULL, NULL);
}
