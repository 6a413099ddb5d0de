/* test_extract_dates.c - the date stage through the real lexicon: the reference date an
 * article's relative expressions resolve against (publication, dateline or metadata line,
 * dates in the text, fetch time), and the dates dates_find reads in a sentence.
 *
 * Every expected date was worked out by hand from the calendar (weekdays checked with
 * Python's datetime), not copied from the program's output: 2023-10-24, the publication
 * date of most cases, was a Tuesday. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extract_test_util.h"
#include "lexicon.h"
#include "xctx.h"

/* Publication dates used below, with their weekdays. */
#define TUE_2023_10_24 "2023-10-24T09:00:00Z"
#define FETCHED        "2026-01-01T00:00:00Z"

/* Loaded once by the group setup (loading takes a noticeable fraction of a second). */

/* ---- helpers ----------------------------------------------------------------------------- */

/* The stages set up as extract_article sets them up: doc, then the reference date. */
static struct xctx *xctx_new(const char *text, const char *published, const char *fetched_at)
{
    struct xctx *x = calloc(1, sizeof *x);
    assert_non_null(x);
    x->lex = g_lex;
    x->w = lexicon_engine_words(g_lex);
    assert_int_equal(doc_build(&x->doc, text, strlen(text), g_lex), 0);
    dates_reference(x, published, fetched_at);
    return x;
}

static void xctx_destroy(struct xctx **x_p)
{
    if (!*x_p)
        return;
    doc_release(&(*x_p)->doc);
    free(*x_p);
    *x_p = NULL;
}

/* The dates found in every sentence, formatted and separated by single spaces. With an
 * anchor, only the dates whose words cover the first occurrence of the anchor in the text. */
static void dates_text(const struct xctx *x, const char *anchor, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    size_t at = 0;
    if (anchor) {
        const char *p = strstr(x->doc.text, anchor);
        assert_non_null(p);
        at = (size_t)(p - x->doc.text);
    }
    for (size_t s = 0; s < x->doc.nsent; s++) {
        struct xdate d[16];
        size_t n = dates_find(x, s, d, 16);
        for (size_t k = 0; k < n; k++) {
            assert_true(d[k].tok_start < d[k].tok_end);
            if (anchor &&
                (at < x->doc.tok[d[k].tok_start].start || at >= x->doc.tok[d[k].tok_end - 1].end))
                continue;
            char one[16];
            date_format(d[k].day, d[k].precision, one, sizeof one);
            int w = snprintf(out + used, size - used, "%s%s", used ? " " : "", one);
            assert_true(w > 0 && (size_t)w < size - used);
            used += (size_t)w;
        }
    }
}

static void assert_reference(const struct xctx *x, const char *day, char basis)
{
    char buf[16];
    date_format(x->ref_day, 'd', buf, sizeof buf);
    assert_string_equal(buf, day);
    assert_int_equal(x->ref_basis, basis);
}

/* ---- the reference date ------------------------------------------------------------------ */

static void test_reference_is_the_publication_date(void **state)
{
    (void)state;
    struct xctx *x =
        xctx_new("Armenia and Azerbaijan met on Monday.", "2023-10-24T23:30:00+04:00", FETCHED);
    assert_reference(x, "2023-10-24", 'p');
    char got[128];
    dates_text(x, NULL, got, sizeof got);
    assert_string_equal(got, "2023-10-23");
    xctx_destroy(&x);
}

static void test_reference_from_a_dateline_metadata_line(void **state)
{
    (void)state;
    /* 2023-09-28 was a Thursday: "on Monday" is the 25th. */
    struct xctx *x = xctx_new("2023-09-28 10:25:09 | Last Update : 2023-09-28 10:34:34\n"
                              "\n"
                              "Armenia and Azerbaijan met on Monday in Moscow.\n",
                              NULL, FETCHED);
    assert_int_equal(x->doc.para[0].kind, PARA_META);
    assert_reference(x, "2023-09-28", 'p');
    char got[128];
    dates_text(x, "on Monday", got, sizeof got);
    assert_string_equal(got, "2023-09-25");
    xctx_destroy(&x);
}

static void test_reference_from_a_markdown_bold_date_line(void **state)
{
    (void)state;
    struct xctx *x = xctx_new("**October 24, 2023**\n"
                              "\n"
                              "Armenia and Azerbaijan met on Monday in Moscow.\n",
                              NULL, FETCHED);
    assert_int_equal(x->doc.para[0].kind, PARA_META);
    assert_reference(x, "2023-10-24", 'p');
    char got[128];
    dates_text(x, "on Monday", got, sizeof got);
    assert_string_equal(got, "2023-10-23");
    xctx_destroy(&x);
}

static void test_reference_from_a_posted_line(void **state)
{
    (void)state;
    struct xctx *x = xctx_new("Posted October 24, 2023\n"
                              "\n"
                              "Armenia and Azerbaijan met yesterday in Moscow.\n",
                              NULL, FETCHED);
    assert_reference(x, "2023-10-24", 'p');
    char got[128];
    dates_text(x, "yesterday", got, sizeof got);
    assert_string_equal(got, "2023-10-23");
    xctx_destroy(&x);
}

static void test_reference_from_a_city_dateline_with_a_full_date(void **state)
{
    (void)state;
    /* 2022-02-04 was a Friday. */
    struct xctx *x = xctx_new("MOSCOW, Feb. 4, 2022 (Xinhua) -- Russia and China held talks on "
                              "Friday in Moscow.\n",
                              NULL, FETCHED);
    assert_reference(x, "2022-02-04", 'p');
    char got[128];
    dates_text(x, "on Friday", got, sizeof got);
    assert_string_equal(got, "2022-02-04");
    xctx_destroy(&x);
}

static void test_reference_is_the_latest_full_date_in_the_text(void **state)
{
    (void)state;
    /* None of the dates opens its sentence, so none reads as a dateline; the 2027 one is after
     * the fetch time and cannot be the publication date. */
    struct xctx *x = xctx_new("Armenia and Azerbaijan first met on October 20, 2023 in Moscow. "
                              "A new round was held on October 23, 2023 in Tehran. Talks first "
                              "began on May 2, 2021, and elections are due on March 3, 2027.\n",
                              NULL, FETCHED);
    assert_reference(x, "2023-10-23", 't');
    xctx_destroy(&x);
}

static void test_reference_from_a_month_day_and_the_article_weekdays(void **state)
{
    (void)state;
    /* October 23 fell on a Monday in 2023 (and not in 2024 or 2025). */
    struct xctx *x = xctx_new("Armenia and Azerbaijan met on Monday in Moscow. The talks on "
                              "October 23 were the first in months.\n",
                              NULL, FETCHED);
    assert_reference(x, "2023-10-23", 't');
    char got[128];
    dates_text(x, "on Monday", got, sizeof got);
    assert_string_equal(got, "2023-10-23");
    xctx_destroy(&x);
}

static void test_reference_falls_back_to_the_fetch_time(void **state)
{
    (void)state;
    /* 2025-06-15 was a Sunday: "on Monday" is the 9th. */
    struct xctx *x =
        xctx_new("Armenia and Azerbaijan met in Moscow on Monday.\n", NULL, "2025-06-15T08:00:00Z");
    assert_reference(x, "2025-06-15", 'f');
    char got[128];
    dates_text(x, NULL, got, sizeof got);
    assert_string_equal(got, "2025-06-09");
    xctx_destroy(&x);
}

static void test_reference_ignores_dates_after_the_fetch_time(void **state)
{
    (void)state;
    struct xctx *x =
        xctx_new("Elections are due on March 3, 2027 across Armenia.\n", NULL, FETCHED);
    assert_reference(x, "2026-01-01", 'f');
    xctx_destroy(&x);
}

static void test_reference_ignores_a_publication_time_that_is_not_iso(void **state)
{
    (void)state;
    struct xctx *x = xctx_new("Armenia and Azerbaijan met yesterday in Moscow.\n", "24/10/2023",
                              "2025-06-15T08:00:00Z");
    assert_reference(x, "2025-06-15", 'f');
    char got[128];
    dates_text(x, NULL, got, sizeof got);
    assert_string_equal(got, "2025-06-14");
    xctx_destroy(&x);
}

static void test_reference_from_a_city_dateline_without_a_year(void **state)
{
    (void)state;
    /* The dateline's month and day are the publication date; its year is the last one in
     * which Feb. 4 is not after the fetch time (2026-03-01). A dateline is the publication
     * date with or without its year, so the basis is 'p' as for the full-date dateline above
     * ('t' is for dates guessed from the body). */
    struct xctx *x = xctx_new("MOSCOW, Feb. 4 (Xinhua) -- Russia and China held talks in Moscow.\n",
                              NULL, "2026-03-01T00:00:00Z");
    assert_reference(x, "2026-02-04", 'p');
    xctx_destroy(&x);
}

static void test_reference_from_a_dateline_without_a_year_ignores_the_article_weekdays(void **state)
{
    (void)state;
    /* 2026-02-04 was a Wednesday; "on Friday" is the event's day, not the dateline's, so it
     * must not pull the year back to 2022 (the last Friday Feb. 4). The Friday before that
     * Wednesday is 2026-01-30. */
    struct xctx *x = xctx_new("MOSCOW, Feb. 4 (Xinhua) -- Russia and China held talks on Friday.\n",
                              NULL, "2026-03-01T00:00:00Z");
    assert_reference(x, "2026-02-04", 'p');
    char got[128];
    dates_text(x, "on Friday", got, sizeof got);
    assert_string_equal(got, "2026-01-30");
    xctx_destroy(&x);
}

/* ---- dates through extract_article ------------------------------------------------------- */

static void test_weekday_before_an_explicit_date_gives_one_event(void **state)
{
    (void)state;
    /* Published on Monday 2023-10-30: "Monday, October 23, 2023" is the 23rd only, not also
     * the publication Monday. */
    char id[] = "0123456789abcdef";
    char fetched[] = FETCHED;
    char published[] = "2023-10-30T09:00:00Z";
    char text[] = "Armenia and Azerbaijan met on Monday, October 23, 2023 in Moscow.";
    struct pl_article a = {.id = id, .fetched_at = fetched, .published = published, .text = text};
    struct extract_result r;
    char why[256] = "";
    assert_int_equal(extract_article(g_lex, &a, "parley-test", &r, why, sizeof why), 0);
    if (r.n != 1)
        for (size_t i = 0; i < r.n; i++) {
            const struct pl_coding *m = &r.mentions[i].c;
            print_error("  %s %s %s %s\n", m->date ? m->date : "-", m->source.code, m->cameo,
                        m->has_target ? m->target.code : "");
        }
    assert_int_equal(r.n, 1);
    const struct pl_coding *c = &r.mentions[0].c;
    assert_string_equal(c->cameo, "040");
    assert_true(c->has_target);
    assert_true((!strcmp(c->source.code, "ARM") && !strcmp(c->target.code, "AZE")) ||
                (!strcmp(c->source.code, "AZE") && !strcmp(c->target.code, "ARM")));
    assert_string_equal(c->date, "2023-10-23");
    extract_result_release(&r);
}

/* ---- dates in a sentence: one table, one cmocka test per row ---------------------------- */

/* Not const: cmocka hands each row to its test as a (non-const) initial state. */
struct date_case {
    const char *name;      /* the behaviour, as the test's name */
    const char *text;      /* the article */
    const char *published; /* its publication time, NULL when unknown */
    const char *expect;    /* formatted dates, space-separated, in text order ("" none) */
    const char *anchor;    /* when set: only the date whose words cover this text */
};

static struct date_case g_cases[] = {
    /* explicit dates */
    {"test_date_month_day_year", "The ministers met on October 23, 2023 in Tehran.", TUE_2023_10_24,
     "2023-10-23", NULL},
    {"test_date_abbreviated_month_with_a_period", "The ministers met on Oct. 23, 2023 in Tehran.",
     TUE_2023_10_24, "2023-10-23", NULL},
    {"test_date_day_month_year", "The ministers met on 23 October 2023 in Tehran.", TUE_2023_10_24,
     "2023-10-23", NULL},
    {"test_date_iso", "The ministers met on 2023-10-23 in Tehran.", TUE_2023_10_24, "2023-10-23",
     NULL},
    {"test_date_month_day_year_without_a_comma", "The ministers met on October 23 2023 in Tehran.",
     TUE_2023_10_24, "2023-10-23", NULL},
    {"test_date_ordinal_day", "The ministers met on October 23rd, 2023 in Tehran.", TUE_2023_10_24,
     "2023-10-23", NULL},
    {"test_date_sept_abbreviation", "The ministers met on Sept. 5, 2022 in Moscow.", TUE_2023_10_24,
     "2022-09-05", NULL},
    {"test_date_explicit_old_year_is_kept", "The treaty was signed on March 1, 1999 in Moscow.",
     TUE_2023_10_24, "1999-03-01", NULL},
    {"test_date_explicit_date_after_publication_is_kept",
     "The ministers will meet on December 31, 2023 in Moscow.", "2023-06-01T09:00:00Z",
     "2023-12-31", NULL},
    {"test_date_impossible_day_gives_no_date", "The ministers met on February 30, 2023 in Moscow.",
     TUE_2023_10_24, "", NULL},
    {"test_date_iso_feb_29_of_a_common_year_gives_no_date",
     "The ministers met on 2023-02-29 in Moscow.", TUE_2023_10_24, "", NULL},
    {"test_date_iso_leap_day", "The ministers met on 2024-02-29 in Moscow.", "2024-05-01T09:00:00Z",
     "2024-02-29", NULL},
    {"test_date_explicit_leap_day", "The ministers met on Feb. 29, 2024 in Moscow.",
     "2024-05-01T09:00:00Z", "2024-02-29", NULL},
    {"test_date_weekday_after_an_explicit_date_is_part_of_it",
     "The ministers met on October 23, 2023, a Monday, in Moscow.", "2023-10-30T09:00:00Z",
     "2023-10-23", NULL},
    {"test_date_weekday_before_an_explicit_date_is_part_of_it",
     "The ministers met on Monday, October 23, 2023 in Moscow.", "2023-10-30T09:00:00Z",
     "2023-10-23", NULL},

    /* a month and day without a year: never after publication */
    {"test_date_month_day_before_publication_takes_its_year", "The ministers met on May 19.",
     "2023-05-20T09:00:00Z", "2023-05-19", NULL},
    {"test_date_month_day_on_the_publication_day", "The ministers met on May 19.",
     "2023-05-19T09:00:00Z", "2023-05-19", NULL},
    {"test_date_month_day_after_publication_takes_the_previous_year",
     "The ministers met on May 19.", "2023-05-18T09:00:00Z", "2022-05-19", NULL},
    {"test_date_december_date_in_a_january_article_is_the_previous_year",
     "The ministers met on December 28 in Moscow.", "2024-01-03T09:00:00Z", "2023-12-28", NULL},
    {"test_date_day_month_without_a_year", "The ministers met on 28 December in Moscow.",
     "2024-01-03T09:00:00Z", "2023-12-28", NULL},
    {"test_date_leap_day_without_a_year_takes_the_last_leap_year",
     "The ministers met on Feb. 29 in Moscow.", "2025-03-01T09:00:00Z", "2024-02-29", NULL},
    /* 2020-05-19 is the last Tuesday May 19 before 2026 (2025 Mon, 2024 Sun, 2023 Fri ...) */
    {"test_date_weekday_decides_the_year_when_publication_is_unknown",
     "The ministers met on Tuesday, May 19 in Moscow.", NULL, "2020-05-19", "May 19"},
    {"test_date_weekday_decides_a_recent_year_when_publication_is_unknown",
     "The ministers met on Friday, May 19 in Moscow.", NULL, "2023-05-19", "May 19"},

    /* weekdays against a Tuesday publication */
    {"test_date_weekday_before_publication_is_the_day_before", "The ministers met on Monday.",
     TUE_2023_10_24, "2023-10-23", NULL},
    {"test_date_publication_weekday_is_the_publication_day", "The ministers met on Tuesday.",
     TUE_2023_10_24, "2023-10-24", NULL},
    {"test_date_later_weekday_is_in_the_previous_week", "The ministers met on Wednesday.",
     TUE_2023_10_24, "2023-10-18", NULL},
    {"test_date_sunday_before_a_tuesday", "The ministers met on Sunday.", TUE_2023_10_24,
     "2023-10-22", NULL},
    {"test_date_last_friday", "The ministers met last Friday.", TUE_2023_10_24, "2023-10-20", NULL},
    {"test_date_last_same_weekday_is_a_week_before", "The ministers met last Tuesday.",
     TUE_2023_10_24, "2023-10-17", NULL},
    {"test_date_late_on_a_weekday_covers_late", "The ministers met late on Tuesday.",
     TUE_2023_10_24, "2023-10-24", "late"},
    {"test_date_early_on_a_weekday_covers_early", "The ministers met early on Sunday.",
     TUE_2023_10_24, "2023-10-22", "early"},
    {"test_date_next_weekday_is_after_publication", "The ministers will meet next Monday.",
     TUE_2023_10_24, "2023-10-30", NULL},
    {"test_date_next_same_weekday_is_a_week_after", "The ministers will meet next Tuesday.",
     TUE_2023_10_24, "2023-10-31", NULL},
    {"test_date_weekday_across_a_month_end", "The ministers met on Monday.", "2023-11-01T09:00:00Z",
     "2023-10-30", NULL},
    {"test_date_weekday_across_a_year_end", "The ministers met on Friday.", "2024-01-02T09:00:00Z",
     "2023-12-29", NULL},
    {"test_date_weekday_onto_a_leap_day", "The ministers met on Thursday.", "2024-03-01T09:00:00Z",
     "2024-02-29", NULL},
    {"test_date_saturday_before_a_monday", "The ministers met on Saturday.", "2024-03-04T09:00:00Z",
     "2024-03-02", NULL},

    /* relative words */
    {"test_date_yesterday", "The ministers met yesterday.", TUE_2023_10_24, "2023-10-23", NULL},
    {"test_date_today", "The ministers meet today.", TUE_2023_10_24, "2023-10-24", NULL},
    {"test_date_tonight", "The ministers meet tonight.", TUE_2023_10_24, "2023-10-24", NULL},
    {"test_date_this_morning", "The ministers met this morning.", TUE_2023_10_24, "2023-10-24",
     NULL},
    {"test_date_last_night", "The ministers met last night.", TUE_2023_10_24, "2023-10-23", NULL},
    {"test_date_tomorrow", "The ministers will meet tomorrow.", TUE_2023_10_24, "2023-10-25", NULL},
    {"test_date_yesterday_across_a_year_end", "The ministers met yesterday.",
     "2024-01-01T09:00:00Z", "2023-12-31", NULL},
    {"test_date_n_days_ago", "The ministers met 3 days ago.", TUE_2023_10_24, "2023-10-21", NULL},
    {"test_date_n_days_ago_across_a_month_end", "The ministers met 10 days ago.",
     "2023-10-05T09:00:00Z", "2023-09-25", NULL},
    {"test_date_n_days_ago_in_words", "The ministers met three days ago.", TUE_2023_10_24,
     "2023-10-21", NULL},

    /* month precision */
    {"test_date_last_week_is_the_month_a_week_before", "The ministers met last week.",
     "2023-10-03T09:00:00Z", "2023-09", NULL},
    {"test_date_last_week_in_the_same_month", "The ministers met last week.", TUE_2023_10_24,
     "2023-10", NULL},
    {"test_date_earlier_this_month", "The ministers met earlier this month.", TUE_2023_10_24,
     "2023-10", NULL},
    {"test_date_last_month", "The ministers met last month.", TUE_2023_10_24, "2023-09", NULL},
    {"test_date_last_month_in_january_is_december", "The ministers met last month.",
     "2024-01-10T09:00:00Z", "2023-12", NULL},
    {"test_date_in_a_month_before_publication", "The ministers met in May.", TUE_2023_10_24,
     "2023-05", NULL},
    {"test_date_in_a_month_after_the_publication_month_is_the_previous_year",
     "The ministers met in May.", "2023-03-10T09:00:00Z", "2022-05", NULL},
    {"test_date_in_the_publication_month", "The ministers met in October.", TUE_2023_10_24,
     "2023-10", NULL},
    {"test_date_in_early_month", "The ministers met in early May.", TUE_2023_10_24, "2023-05",
     NULL},
    {"test_date_month_year", "The ministers met in October 2023 in Moscow.", "2025-10-24T09:00:00Z",
     "2023-10", NULL},
    {"test_date_in_month_year", "The ministers met in March 2022.", TUE_2023_10_24, "2022-03",
     NULL},

    /* year precision */
    {"test_date_in_a_year", "The ministers met in 2022.", TUE_2023_10_24, "2022", NULL},
    {"test_date_in_a_year_opening_a_sentence", "In 2022, the ministers met.", TUE_2023_10_24,
     "2022", NULL},
    {"test_date_in_a_year_followed_by_a_preposition", "The ministers met in 2022 in Moscow.",
     TUE_2023_10_24, "2022", NULL},
    {"test_date_in_a_year_followed_by_an_article", "In 2022 the ministers met.", TUE_2023_10_24,
     "2022", NULL},
    {"test_date_last_year_and_this_year", "The ministers met last year and this year.",
     TUE_2023_10_24, "2022 2023", NULL},

    /* words that are no dates */
    {"test_date_modal_may_is_no_month", "Armenia may meet Azerbaijan.", TUE_2023_10_24, "", NULL},
    {"test_date_lower_case_march_is_no_month", "Protesters march on the capital.", TUE_2023_10_24,
     "", NULL},
    {"test_date_counts_are_no_dates", "About 120 soldiers and 1,200 police were sent.",
     TUE_2023_10_24, "", NULL},
};

#define NCASES (sizeof g_cases / sizeof g_cases[0])

static void run_date_case(void **state)
{
    const struct date_case *c = *state;
    struct xctx *x = xctx_new(c->text, c->published, FETCHED);
    char got[256];
    dates_text(x, c->anchor, got, sizeof got);
    if (strcmp(got, c->expect) != 0)
        print_error("%s: \"%s\" (published %s): expected \"%s\", got \"%s\"\n", c->name, c->text,
                    c->published ? c->published : "unknown", c->expect, got);
    assert_string_equal(got, c->expect);
    xctx_destroy(&x);
}

static const struct CMUnitTest g_fixed[] = {
    cmocka_unit_test(test_reference_is_the_publication_date),
    cmocka_unit_test(test_reference_from_a_dateline_metadata_line),
    cmocka_unit_test(test_reference_from_a_markdown_bold_date_line),
    cmocka_unit_test(test_reference_from_a_posted_line),
    cmocka_unit_test(test_reference_from_a_city_dateline_with_a_full_date),
    cmocka_unit_test(test_reference_is_the_latest_full_date_in_the_text),
    cmocka_unit_test(test_reference_from_a_month_day_and_the_article_weekdays),
    cmocka_unit_test(test_reference_falls_back_to_the_fetch_time),
    cmocka_unit_test(test_reference_ignores_dates_after_the_fetch_time),
    cmocka_unit_test(test_reference_ignores_a_publication_time_that_is_not_iso),
    cmocka_unit_test(test_reference_from_a_city_dateline_without_a_year),
    cmocka_unit_test(test_reference_from_a_dateline_without_a_year_ignores_the_article_weekdays),
    cmocka_unit_test(test_weekday_before_an_explicit_date_gives_one_event),
};

#define NFIXED (sizeof g_fixed / sizeof g_fixed[0])

int main(void)
{
    struct CMUnitTest tests[NFIXED + NCASES];
    for (size_t i = 0; i < NFIXED; i++)
        tests[i] = g_fixed[i];
    for (size_t i = 0; i < NCASES; i++)
        tests[NFIXED + i] = (struct CMUnitTest){.name = g_cases[i].name,
                                                .test_func = run_date_case,
                                                .setup_func = NULL,
                                                .teardown_func = NULL,
                                                .initial_state = &g_cases[i]};
    return cmocka_run_group_tests_name("extract_dates", tests, group_setup, group_teardown);
}
