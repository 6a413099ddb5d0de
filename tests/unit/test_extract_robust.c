/* test_extract_robust.c - hostile and huge input to the extraction function: never a crash,
 * never a hang, and every mention valid. (Speed is measured by the benchmark, not here; the
 * test timeout only catches a run away.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extract_test_util.h"
#include "pl_article_file.h"

/* Extracts buf (read like a file) and checks every mention against the wire rules. */
static size_t s_extract(const char *buf, size_t len)
{
    struct pl_article a;
    size_t repaired;
    char why[256];
    assert_int_equal(pl_article_parse(buf, len, NULL, &a, &repaired, why, sizeof why), 0);
    struct extract_result r;
    assert_int_equal(extract_article(g_lex, &a, "test", &r, why, sizeof why), 0);
    struct pl_buf b;
    pl_buf_init(&b);
    for (size_t i = 0; i < r.n; i++) {
        struct pl_diag d;
        pl_buf_clear(&b);
        if (pl_mention_encode(&r.mentions[i], &b, &d) != PL_OK)
            fail_msg("mention %zu invalid: %s at %s", i, pl_status_name(d.status), d.where);
    }
    pl_buf_release(&b);
    size_t n = r.n;
    extract_result_release(&r);
    pl_article_release(&a);
    return n;
}

static void test_empty_article_gives_no_mentions(void **state)
{
    (void)state;
    assert_int_equal(s_extract("", 0), 0);
    assert_int_equal(s_extract("\n\n   \n", 6), 0);
}

static void test_binary_bytes_are_repaired_not_refused(void **state)
{
    (void)state;
    char buf[4096];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)((i * 131 + 7) & 0xff);
    s_extract(buf, sizeof buf);
    struct pl_article a;
    size_t repaired = 0;
    char why[64];
    assert_int_equal(pl_article_parse(buf, sizeof buf, NULL, &a, &repaired, why, sizeof why), 0);
    assert_true(repaired > 0);
    assert_true(pl_utf8_valid(a.text, strlen(a.text), false));
    pl_article_release(&a);
}

static void test_invalid_utf8_inside_names_still_codes_the_rest(void **state)
{
    (void)state;
    static const char text[] = "published: 2024-03-12\n---\nArmenian Foreign Minister Ararat "
                               "Mirzoyan met Azerbaijani Foreign Minister Jeyhun Bayramov on "
                               "Monday. \xc3\x28 \xff Broken bytes end here.";
    assert_int_equal(s_extract(text, sizeof text - 1), 1);
}

/* A text of n bytes built from sentence repeated. */
static char *s_repeat(const char *sentence, size_t n)
{
    size_t len = strlen(sentence);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    for (size_t i = 0; i < n; i += len)
        memcpy(buf + i, sentence, i + len <= n ? len : n - i);
    buf[n] = '\0';
    return buf;
}

static void test_ten_megabyte_article_is_coded(void **state)
{
    (void)state;
    char *buf = s_repeat("Armenian Foreign Minister Ararat Mirzoyan met Azerbaijani Foreign "
                         "Minister Jeyhun Bayramov in Moscow on Monday. Talks went on.\n\n",
                         10u * 1024 * 1024);
    /* the same event all over: merged into one mention, evidence capped */
    assert_int_equal(s_extract(buf, strlen(buf)), 1);
    free(buf);
}

static void test_article_over_the_limit_is_refused_with_a_reason(void **state)
{
    (void)state;
    size_t n = PL_MAX_TEXT_BYTES + 10;
    char *buf = s_repeat("word ", n);
    struct pl_article a;
    size_t repaired;
    char why[256] = "";
    assert_int_equal(pl_article_parse(buf, n, NULL, &a, &repaired, why, sizeof why), -1);
    assert_non_null(strstr(why, "over the limit"));
    free(buf);
}

static void test_text_without_punctuation_or_spaces(void **state)
{
    (void)state;
    char *words = s_repeat("Russia Ukraine talks met attacked hosted between and ", 2u << 20);
    s_extract(words, strlen(words));
    free(words);
    char *solid = s_repeat("x", 1u << 20); /* one megabyte-long token */
    assert_int_equal(s_extract(solid, strlen(solid)), 0);
    free(solid);
    char *marks = s_repeat(".,;:!?\"'-()[]", 1u << 20);
    assert_int_equal(s_extract(marks, strlen(marks)), 0);
    free(marks);
}

static void test_very_long_sentence_is_cut_not_quadratic(void **state)
{
    (void)state;
    /* one sentence of about 200,000 words, actors everywhere */
    char *buf = s_repeat("Armenia and Azerbaijan and Russia met with Iran and Turkey, ", 1u << 20);
    s_extract(buf, strlen(buf));
    free(buf);
}

static void test_deep_markup_and_entities(void **state)
{
    (void)state;
    char *buf = s_repeat("![a](b)[[[[c](d)](e)](f)&amp;&#x41;&#99999999;&bogus;**__**\n", 1u << 19);
    s_extract(buf, strlen(buf));
    free(buf);
    char *opens = s_repeat("[(", 1u << 19);
    s_extract(opens, strlen(opens));
    free(opens);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_article_gives_no_mentions),
        cmocka_unit_test(test_binary_bytes_are_repaired_not_refused),
        cmocka_unit_test(test_invalid_utf8_inside_names_still_codes_the_rest),
        cmocka_unit_test(test_ten_megabyte_article_is_coded),
        cmocka_unit_test(test_article_over_the_limit_is_refused_with_a_reason),
        cmocka_unit_test(test_text_without_punctuation_or_spaces),
        cmocka_unit_test(test_very_long_sentence_is_cut_not_quadratic),
        cmocka_unit_test(test_deep_markup_and_entities),
    };
    return cmocka_run_group_tests_name("extract_robust", tests, group_setup, group_teardown);
}
