/* test_pl_base.c - buffers and the UTF-8 validator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pl_base.h"

static void test_buf_grows_and_stays_nul_terminated(void **state)
{
    (void)state;
    struct pl_buf b;
    pl_buf_init(&b);
    for (int i = 0; i < 1000; i++)
        pl_buf_printf(&b, "%d,", i);
    assert_int_equal(b.len, strlen(b.data));
    assert_memory_equal(b.data, "0,1,2,", 6);
    assert_memory_equal(b.data + b.len - 4, "999,", 4);
    pl_buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    pl_buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    size_t n = 0;
    char *p = pl_buf_detach(&b, &n);
    assert_int_equal(n, 3);
    assert_null(b.data);
    free(p);
    p = pl_buf_detach(&b, &n); /* an empty buffer detaches as "" */
    assert_string_equal(p, "");
    free(p);
    pl_buf_release(&b);
}

static void test_xstrndup_copies_exactly_n_bytes(void **state)
{
    (void)state;
    char *s = pl_xstrndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
}

static void test_utf8_validator_accepts_well_formed_text(void **state)
{
    (void)state;
    static const char *const good[] = {
        "",
        "plain ASCII longer than eight bytes to use the fast path",
        "\xc2\xa0",          /* U+00A0 */
        "\xe2\x80\x94 dash", /* U+2014 */
        "\xef\xbf\xbd",      /* U+FFFD */
        "\xf0\x90\x80\x80",  /* U+10000 */
        "\xf4\x8f\xbf\xbf",  /* U+10FFFF */
        "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 (Moscow)",
        "\xd8\xa8\xd8\xa7\xda\xa9\xd9\x88 (Baku)",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(pl_utf8_valid(good[i], strlen(good[i]), false));
    assert_true(pl_utf8_valid("a\0b", 3, true));
}

static void test_utf8_validator_rejects_every_ill_formed_class(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\x80",                 /* lone continuation */
        "\xc0\x80",             /* overlong NUL */
        "\xc1\xbf",             /* overlong */
        "\xe0\x80\xaf",         /* overlong 3-byte */
        "\xed\xa0\x80",         /* surrogate D800 */
        "\xed\xbf\xbf",         /* surrogate DFFF */
        "\xf0\x80\x80\xaf",     /* overlong 4-byte */
        "\xf4\x90\x80\x80",     /* above U+10FFFF */
        "\xf5\x80\x80\x80",     /* invalid lead */
        "\xff",                 /* invalid byte */
        "\xe2\x82",             /* cut short */
        "abcdefgh\xe2\x28\xa1", /* bad continuation after the fast path */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (pl_utf8_valid(bad[i], strlen(bad[i]), false))
            fail_msg("case %zu accepted", i);
    assert_false(pl_utf8_valid("a\0b", 3, false));
    assert_false(pl_utf8_valid("abcdefg\0hijklmnop", 17, false)); /* NUL in the fast path */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows_and_stays_nul_terminated),
        cmocka_unit_test(test_xstrndup_copies_exactly_n_bytes),
        cmocka_unit_test(test_utf8_validator_accepts_well_formed_text),
        cmocka_unit_test(test_utf8_validator_rejects_every_ill_formed_class),
    };
    return cmocka_run_group_tests_name("pl_base", tests, NULL, NULL);
}
