/* test_extract_clean.c - cleaning and paragraph classification (doc_build), and that
 * extraction never reads what cleaning drops: bylines, credits, newsletter prompts, comment
 * sections and related-links lists.
 *
 * doc.h promises that cleaning keeps every offset: markup and dropped text become spaces and
 * multi-byte punctuation its ASCII form padded with spaces in front, except an apostrophe
 * between letters, which joins the two halves of its word and pads after it. The offsets
 * below are found in the input with strstr and checked in the cleaned copy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "extract.h"
#include "extract_test_util.h"

#define TUE_2023_10_24 "2023-10-24T09:00:00Z"

/* A scraped page: markdown heading, outlet line, image and caption, byline, body with links,
 * entities and typographic quotes, then credits, prompts, comments and a related list. */
static const char g_page[] =
    "# Armenia and Azerbaijan hold talks in Tehran\n"
    "**Reuters**\n"
    "\n"
    "![Ministers in Tehran](https://example.com/photo.jpg)\n"
    "Iranian President Ebrahim Raisi meets Armenian Foreign Minister Ararat Mirzoyan in Tehran, "
    "Iran, October 23, 2023. REUTERS/Stringer\n"
    "\n"
    "By Jane Doe\n"
    "\n"
    "TEHRAN, Oct 23 (Reuters) &ndash; The foreign ministers of Armenia and Azerbaijan met on "
    "Monday in Tehran, Iran&#8217;s foreign ministry said, in [talks hosted](https://example.com/"
    "talks) by Iran &amp; its partners.\n"
    "\n"
    "Azerbaijan’s foreign minister met his Armenian counterpart on Monday, the “ministry” said.\n"
    "\n"
    "Reporting by John Smith; Editing by Jane Roe\n"
    "\n"
    "Sign up for our newsletter: Russia and Turkey met in Ankara on Monday.\n"
    "\n"
    "Get the latest news in your inbox\n"
    "\n"
    "Read more: France and Germany met in Paris on Monday.\n"
    "\n"
    "3 comments\n"
    "\n"
    "Russia and China met in Beijing on Monday.\n"
    "\n"
    "You may also like\n"
    "\n"
    "Russia hosted talks between Georgia and Ukraine in Moscow on Friday.\n";

/* ---- helpers ----------------------------------------------------------------------------- */

static size_t offset_of(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    if (!p)
        print_error("'%s' is not in the text\n", needle);
    assert_non_null(p);
    return (size_t)(p - text);
}

/* The kind of the paragraph holding the first occurrence of needle, or -1 when none does. */
static int kind_at(const struct doc *d, const char *needle)
{
    size_t at = offset_of(d->text, needle);
    for (size_t p = 0; p < d->npara; p++)
        if (at >= d->para[p].start && at < d->para[p].end)
            return (int)d->para[p].kind;
    return -1;
}

static void expect_kind(const struct doc *d, const char *needle, enum para_kind kind)
{
    int got = kind_at(d, needle);
    if (got != (int)kind)
        print_error("'%s': expected paragraph kind %d, got %d\n", needle, (int)kind, got);
    assert_int_equal(got, (int)kind);
}

/* clean[at, at + strlen(want)) equals want. */
static void expect_clean(const struct doc *d, size_t at, const char *want)
{
    size_t n = strlen(want);
    assert_true(at + n <= d->len);
    if (memcmp(d->clean + at, want, n) != 0)
        print_error("at %zu: expected \"%s\", got \"%.*s\"\n", at, want, (int)n, d->clean + at);
    assert_memory_equal(d->clean + at, want, n);
}

static void expect_blank(const struct doc *d, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++) {
        if (d->clean[i] != ' ')
            print_error("byte %zu is '%c', not blank\n", i, d->clean[i]);
        assert_int_equal(d->clean[i], ' ');
    }
}

static bool has_actor_of(const struct extract_result *r, const char *country)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct pl_coding *c = &r->mentions[i].c;
        if (c->source.country && !strcmp(c->source.country, country))
            return true;
        if (c->has_target && c->target.country && !strcmp(c->target.country, country))
            return true;
    }
    return false;
}

/* True when text, coded on its own, has an actor of that country: the control that shows
 * a dropped line would have given an event had it been read. */
static bool codes_country(const char *text, const char *country)
{
    struct extract_result r;
    extract(text, TUE_2023_10_24, &r);
    bool yes = has_actor_of(&r, country);
    extract_result_release(&r);
    return yes;
}

/* ---- paragraphs --------------------------------------------------------------------------- */

static void test_paragraph_kinds_of_a_scraped_page(void **state)
{
    (void)state;
    struct doc d;
    assert_int_equal(doc_build(&d, g_page, strlen(g_page), g_lex), 0);
    expect_kind(&d, "Armenia and Azerbaijan hold talks", PARA_TITLE);
    expect_kind(&d, "Reuters**", PARA_META);
    expect_kind(&d, "Iranian President Ebrahim Raisi", PARA_CAPTION);
    expect_kind(&d, "By Jane Doe", PARA_DROPPED);
    expect_kind(&d, "The foreign ministers of Armenia", PARA_BODY);
    expect_kind(&d, "Azerbaijan’s foreign minister", PARA_BODY);
    expect_kind(&d, "Reporting by John Smith", PARA_DROPPED);
    expect_kind(&d, "Sign up for our newsletter", PARA_DROPPED);
    expect_kind(&d, "Get the latest news", PARA_DROPPED);
    expect_kind(&d, "Read more: France", PARA_DROPPED);
    expect_kind(&d, "3 comments", PARA_DROPPED);
    expect_kind(&d, "Russia and China met", PARA_DROPPED);
    expect_kind(&d, "You may also like", PARA_DROPPED);
    expect_kind(&d, "Georgia and Ukraine", PARA_DROPPED);
    /* an image line is markup only: no paragraph at all */
    assert_int_equal(kind_at(&d, "![Ministers"), -1);
    /* dropped paragraphs have no sentences and no tokens */
    for (size_t p = 0; p < d.npara; p++)
        if (d.para[p].kind == PARA_DROPPED)
            assert_int_equal(d.para[p].sent_begin, d.para[p].sent_end);
    size_t dropped_from = offset_of(g_page, "Reporting by");
    for (size_t t = 0; t < d.ntok; t++)
        assert_true(d.tok[t].start < dropped_from);
    doc_release(&d);
}

static void test_comment_section_drops_everything_after_it(void **state)
{
    (void)state;
    static const char text[] = "Talks in Moscow\n"
                               "\n"
                               "Armenia and Azerbaijan met in Moscow on Monday.\n"
                               "\n"
                               "Leave a Reply\n"
                               "\n"
                               "Russia and China met in Beijing on Monday, a reader writes.\n"
                               "\n"
                               "Your email address will not be published.\n";
    struct doc d;
    assert_int_equal(doc_build(&d, text, strlen(text), g_lex), 0);
    expect_kind(&d, "Armenia and Azerbaijan met", PARA_BODY);
    expect_kind(&d, "Leave a Reply", PARA_DROPPED);
    expect_kind(&d, "Russia and China met", PARA_DROPPED);
    expect_kind(&d, "Your email address", PARA_DROPPED);
    doc_release(&d);
}

/* ---- byte offsets ------------------------------------------------------------------------- */

static void test_cleaned_text_keeps_every_byte_offset(void **state)
{
    (void)state;
    struct doc d;
    size_t len = strlen(g_page);
    assert_int_equal(doc_build(&d, g_page, len, g_lex), 0);
    assert_int_equal(d.len, len);
    assert_int_equal(strlen(d.clean), len);
    /* lines stay where they are */
    for (size_t i = 0; i < len; i++)
        assert_int_equal(g_page[i] == '\n', d.clean[i] == '\n');
    /* words of the body stay at their offsets */
    static const char *const words[] = {"The foreign ministers of Armenia and Azerbaijan met",
                                        "talks hosted", "by Iran", "Ebrahim Raisi meets",
                                        "his Armenian counterpart on Monday"};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        expect_clean(&d, offset_of(g_page, words[k]), words[k]);
    /* every token lies inside its paragraph and starts with a non-blank byte */
    for (size_t s = 0; s < d.nsent; s++) {
        const struct para *pa = &d.para[d.sent[s].para];
        for (size_t t = d.sent[s].tok_begin; t < d.sent[s].tok_end; t++) {
            assert_true(d.tok[t].start >= pa->start && d.tok[t].end <= pa->end);
            assert_true(d.tok[t].start < d.tok[t].end);
            assert_int_not_equal(d.clean[d.tok[t].start], ' ');
        }
    }
    doc_release(&d);
}

static void test_markdown_markup_is_blanked_in_place(void **state)
{
    (void)state;
    struct doc d;
    assert_int_equal(doc_build(&d, g_page, strlen(g_page), g_lex), 0);
    /* heading mark and bold marks */
    expect_clean(&d, 0, "  Armenia");
    size_t bold = offset_of(g_page, "**Reuters**");
    expect_clean(&d, bold, "  Reuters  ");
    /* the whole image, alt text and URL included */
    size_t img = offset_of(g_page, "![Ministers");
    size_t img_end = offset_of(g_page, "photo.jpg)") + strlen("photo.jpg)");
    expect_blank(&d, img, img_end);
    /* a link keeps its text and loses its brackets and URL */
    size_t link = offset_of(g_page, "[talks hosted]");
    expect_clean(&d, link, " talks hosted ");
    size_t url = offset_of(g_page, "(https://example.com/talks)");
    expect_blank(&d, url, url + strlen("(https://example.com/talks)"));
    doc_release(&d);
}

static void test_html_entities_are_decoded_in_place(void **state)
{
    (void)state;
    struct doc d;
    assert_int_equal(doc_build(&d, g_page, strlen(g_page), g_lex), 0);
    expect_clean(&d, offset_of(g_page, "&ndash;"), "      -");
    /* an apostrophe entity between letters joins them like U+2019 does ("Iran&#8217;s") */
    expect_clean(&d, offset_of(g_page, "&#8217;"), "'s      ");
    expect_clean(&d, offset_of(g_page, "&amp;"), "    &");
    doc_release(&d);
}

static void test_typographic_quotes_become_ascii_in_place(void **state)
{
    (void)state;
    struct doc d;
    assert_int_equal(doc_build(&d, g_page, strlen(g_page), g_lex), 0);
    /* U+201C/U+201D are three bytes each: two spaces, then the ASCII mark */
    expect_clean(&d, offset_of(g_page, "“ministry”"), "  \"ministry  \"");
    /* an apostrophe inside a word keeps the word whole: the rest moves up, spaces follow */
    expect_clean(&d, offset_of(g_page, "’s foreign minister met"), "'s   foreign minister met");
    doc_release(&d);
}

/* Token i's normalised form is want. */
static void expect_token(const struct doc *d, size_t i, const char *want)
{
    assert_true(i < d->ntok);
    size_t n = strlen(want);
    if (d->tok[i].nlen != n || memcmp(doc_norm(d, i), want, n) != 0)
        print_error("token %zu: expected \"%s\", got \"%.*s\"\n", i, want, (int)d->tok[i].nlen,
                    doc_norm(d, i));
    assert_int_equal(d->tok[i].nlen, n);
    assert_memory_equal(doc_norm(d, i), want, n);
}

static void test_entity_apostrophe_joins_the_possessive_to_its_word(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "Azerbaijan&#8217;s foreign minister met his Armenian counterpart.",
        "Azerbaijan&rsquo;s foreign minister met his Armenian counterpart."};
    for (size_t k = 0; k < 2; k++) {
        struct doc d;
        assert_int_equal(doc_build(&d, texts[k], strlen(texts[k]), g_lex), 0);
        expect_token(&d, 0, "azerbaijan");
        expect_token(&d, 1, "'s");
        expect_token(&d, 2, "foreign");
        assert_int_equal(d.tok[1].start, d.tok[0].end);
        doc_release(&d);
    }
}

static void test_typographic_apostrophe_joins_the_possessive_to_its_word(void **state)
{
    (void)state;
    static const char text[] = "Azerbaijan’s foreign minister met his Armenian counterpart.";
    struct doc d;
    assert_int_equal(doc_build(&d, text, strlen(text), g_lex), 0);
    /* the cleaned word reads "Azerbaijan's"; the three bytes of U+2019 leave two spaces of
     * padding after it, before the text's own space */
    expect_clean(&d, 0, "Azerbaijan's   foreign");
    /* and tokenises like "Azerbaijan's": the word, then the possessive right after it */
    expect_token(&d, 0, "azerbaijan");
    expect_token(&d, 1, "'s");
    expect_token(&d, 2, "foreign");
    assert_int_equal(d.tok[0].end, strlen("Azerbaijan"));
    assert_int_equal(d.tok[1].start, d.tok[0].end);
    assert_int_equal(d.tok[1].end, d.tok[1].start + 2);
    doc_release(&d);
}

/* ---- nothing is coded from dropped parts ------------------------------------------------- */

static void test_no_event_comes_from_dropped_parts(void **state)
{
    (void)state;
    /* controls: each dropped line's sentence does give an event when it is body text */
    assert_true(codes_country("Russia and Turkey met in Ankara on Monday.", "TUR"));
    assert_true(codes_country("France and Germany met in Paris on Monday.", "FRA"));
    assert_true(codes_country("Russia and China met in Beijing on Monday.", "CHN"));
    assert_true(codes_country(
        "Russia hosted talks between Georgia and Ukraine in Moscow on Friday.", "GEO"));

    struct extract_result r;
    extract(g_page, TUE_2023_10_24, &r);
    /* the body's event is there */
    bool body = false;
    for (size_t i = 0; i < r.n; i++) {
        const struct pl_coding *c = &r.mentions[i].c;
        if (!strcmp(c->cameo, "040") && c->has_target &&
            ((!strcmp(c->source.code, "ARMGOV") && !strcmp(c->target.code, "AZEGOV")) ||
             (!strcmp(c->source.code, "AZEGOV") && !strcmp(c->target.code, "ARMGOV"))))
            body = true;
    }
    assert_true(body);
    static const char *const dropped[] = {"TUR", "FRA", "DEU", "CHN", "GEO", "UKR"};
    for (size_t k = 0; k < sizeof dropped / sizeof dropped[0]; k++) {
        if (has_actor_of(&r, dropped[k]))
            print_error("an event with %s came from a dropped paragraph\n", dropped[k]);
        assert_false(has_actor_of(&r, dropped[k]));
    }
    size_t dropped_from = offset_of(g_page, "Reporting by");
    size_t byline = offset_of(g_page, "By Jane Doe");
    for (size_t i = 0; i < r.n; i++)
        for (size_t k = 0; k < r.mentions[i].c.n_evidence; k++) {
            const struct pl_evidence *e = &r.mentions[i].c.evidence[k];
            assert_true(e->end <= dropped_from);
            assert_false(e->start <= byline && byline < e->end);
        }
    /* byline, credits, two prompts, "Read more", then "3 comments" to the end (4 lines) */
    assert_int_equal(r.dropped_paragraphs, 9);
    extract_result_release(&r);
}

static void test_related_links_list_is_not_read(void **state)
{
    (void)state;
    static const char text[] = "Armenia and Azerbaijan met in Moscow on Monday.\n"
                               "\n"
                               "You May Also Like\n"
                               "\n"
                               "Russia hosted talks between Georgia and Ukraine in Moscow on "
                               "Friday.\n"
                               "\n"
                               "Iran and Turkey met in Ankara on Monday.\n";
    assert_true(codes_country("Iran and Turkey met in Ankara on Monday.", "TUR"));
    struct extract_result r;
    extract(text, TUE_2023_10_24, &r);
    assert_int_equal(r.n, 1);
    assert_true(has_actor_of(&r, "ARM"));
    assert_false(has_actor_of(&r, "GEO"));
    assert_false(has_actor_of(&r, "TUR"));
    assert_int_equal(r.dropped_paragraphs, 3);
    extract_result_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paragraph_kinds_of_a_scraped_page),
        cmocka_unit_test(test_comment_section_drops_everything_after_it),
        cmocka_unit_test(test_cleaned_text_keeps_every_byte_offset),
        cmocka_unit_test(test_markdown_markup_is_blanked_in_place),
        cmocka_unit_test(test_html_entities_are_decoded_in_place),
        cmocka_unit_test(test_typographic_quotes_become_ascii_in_place),
        cmocka_unit_test(test_typographic_apostrophe_joins_the_possessive_to_its_word),
        cmocka_unit_test(test_entity_apostrophe_joins_the_possessive_to_its_word),
        cmocka_unit_test(test_no_event_comes_from_dropped_parts),
        cmocka_unit_test(test_related_links_list_is_not_read),
    };
    return cmocka_run_group_tests_name("extract_clean", tests, group_setup, group_teardown);
}
