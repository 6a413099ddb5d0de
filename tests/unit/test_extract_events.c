/* test_extract_events.c - the event stage through extract_article: negation and modality,
 * the passive, hosted talks, coordinated subjects, evidence offsets, captions, merging within
 * an article, confidence, location, and that every mention is a valid record.
 *
 * Only the long-standing consult patterns of data/verbs.txt are used (meet, host, receive,
 * hold talks, "talks between"), so that patterns being added elsewhere do not move these
 * tests. Most articles are published on Tuesday 2023-10-24: "on Monday" is 2023-10-23 and
 * "on Friday" 2023-10-20. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extract_test_util.h"
#include "pl_proto.h"

#define TUE_2023_10_24 "2023-10-24T09:00:00Z"

/* ---- helpers ----------------------------------------------------------------------------- */

static void expect_count(const struct extract_result *r, size_t n)
{
    if (r->n != n)
        print_mentions(r);
    assert_int_equal(r->n, n);
}

static size_t count_code(const struct extract_result *r, const char *cameo)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += !strcmp(r->mentions[i].c.cameo, cameo);
    return n;
}

/* text[start, end) as the cleaning rules of doc.h describe it: typographic quotes and
 * dashes become their ASCII form with a space in front, except an apostrophe between letters,
 * which joins them; then runs of white space one space. Evidence text must equal this. */
static void normalised_slice(const char *text, size_t start, size_t end, char *out, size_t size)
{
    size_t n = 0;
    bool space = false;
    assert_true(size > 0);
    for (size_t i = start; i < end; i++) {
        char ch = text[i];
        const unsigned char *u = (const unsigned char *)text + i;
        if (i + 2 < end && u[0] == 0xE2 && u[1] == 0x80) {
            /* U+2018 U+2019 quotes, U+201C U+201D double quotes, U+2013 U+2014 dashes */
            char rep = u[2] == 0x98 || u[2] == 0x99   ? '\''
                       : u[2] == 0x9C || u[2] == 0x9D ? '"'
                       : u[2] == 0x93 || u[2] == 0x94 ? '-'
                                                      : 0;
            if (rep == '\'' && i > start && isalpha((unsigned char)text[i - 1]) && i + 3 < end &&
                isalpha((unsigned char)text[i + 3])) {
                assert_true(n + 1 < size);
                out[n++] = '\''; /* "Iran’s" reads "Iran's" */
                i += 2;
                continue;
            }
            if (rep) {
                space = true;
                ch = rep;
                i += 2;
            }
        }
        if (ch == ' ' || ch == '\n' || ch == '\t') {
            space = true;
            continue;
        }
        if (space && n > 0) {
            assert_true(n + 1 < size);
            out[n++] = ' ';
        }
        space = false;
        assert_true(n + 1 < size);
        out[n++] = ch;
    }
    out[n] = '\0';
}

/* Every evidence of every mention lies inside the text and its offsets slice out its text. */
static void expect_evidence_slices(const char *text, const struct extract_result *r)
{
    size_t len = strlen(text);
    for (size_t i = 0; i < r->n; i++) {
        const struct pl_coding *c = &r->mentions[i].c;
        assert_true(c->n_evidence >= 1);
        for (size_t k = 0; k < c->n_evidence; k++) {
            const struct pl_evidence *e = &c->evidence[k];
            assert_true(e->start < e->end);
            assert_true(e->end <= len);
            char slice[1024];
            normalised_slice(text, e->start, e->end, slice, sizeof slice);
            assert_string_equal(slice, e->text);
        }
    }
}

/* ---- negation and modality ---------------------------------------------------------------- */

static void test_affirmative_meeting_is_coded(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Armenia and Azerbaijan met on Monday.", TUE_2023_10_24, &r);
    expect_count(&r, 1);
    const struct pl_mention *m = expect_event(&r, "ARM", "040", "AZE", true);
    assert_string_equal(m->c.date, "2023-10-23");
    assert_string_equal(m->c.date_precision, "day");
    assert_string_equal(m->c.date_basis, "text");
    extract_result_release(&r);
}

static void test_negated_meeting_gives_nothing(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "Armenia and Azerbaijan did not meet on Monday.",
        "Armenia and Azerbaijan have never met in Moscow.",
        "Armenia refused to meet Azerbaijan on Monday.",
        "Armenia did not hold talks with Azerbaijan on Monday.",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct extract_result r;
        extract(texts[i], TUE_2023_10_24, &r);
        if (r.n)
            print_error("\"%s\":\n", texts[i]);
        expect_count(&r, 0);
        extract_result_release(&r);
    }
}

static void test_future_meeting_is_an_intent_not_a_meeting(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "Armenia's foreign minister will meet his Azerbaijani counterpart.",
        "Armenia's foreign minister plans to meet his Azerbaijani counterpart.",
        "Armenia's foreign minister is expected to meet his Azerbaijani counterpart on Friday.",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct extract_result r;
        extract(texts[i], TUE_2023_10_24, &r);
        if (r.n != 1)
            print_error("\"%s\":\n", texts[i]);
        expect_count(&r, 1);
        const struct pl_mention *m = expect_event(&r, "ARMGOV", "036", "AZEGOV", false);
        assert_int_equal(count_code(&r, "040"), 0);
        /* an intention is dated when it was stated: the publication day */
        assert_string_equal(m->c.date, "2023-10-24");
        assert_string_equal(m->c.date_basis, "published");
        extract_result_release(&r);
    }
}

static void test_contracted_negation_gives_nothing(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "Armenia and Azerbaijan didn't meet on Monday.",
        "Armenia and Azerbaijan didn’t meet on Monday.",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct extract_result r;
        extract(texts[i], TUE_2023_10_24, &r);
        if (r.n)
            print_error("\"%s\":\n", texts[i]);
        expect_count(&r, 0);
        extract_result_release(&r);
    }
}

/* ---- who did it to whom ------------------------------------------------------------------- */

static void test_passive_swaps_source_and_target(void **state)
{
    (void)state;
    struct extract_result active, passive;
    extract("Iran hosted Armenia's foreign minister in Tehran on Monday.", TUE_2023_10_24, &active);
    extract("Armenia's foreign minister was hosted by Iran in Tehran on Monday.", TUE_2023_10_24,
            &passive);
    const struct extract_result *rs[] = {&active, &passive};
    for (size_t i = 0; i < 2; i++) {
        /* the host hosts (043), the guest is received (042 back, the rev= option) */
        expect_count(rs[i], 2);
        expect_event(rs[i], "IRN", "043", "ARMGOV", false);
        expect_event(rs[i], "ARMGOV", "042", "IRN", false);
        assert_null(find(rs[i], "ARMGOV", "043", "IRN", false));
    }
    extract_result_release(&active);
    extract_result_release(&passive);

    struct extract_result r;
    extract("Armenia's foreign minister was received by Iran in Tehran on Monday.", TUE_2023_10_24,
            &r);
    expect_event(&r, "IRN", "043", "ARMGOV", false);
    assert_null(find(&r, "ARMGOV", "043", "IRN", false));
    extract_result_release(&r);
}

static void test_hosted_talks_between_a_pair(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Russia hosted talks between Armenia and Azerbaijan in Moscow on Friday.",
            TUE_2023_10_24, &r);
    expect_count(&r, 3);
    expect_event(&r, "RUS", "043", "ARM", false);
    expect_event(&r, "RUS", "043", "AZE", false);
    const struct pl_mention *m = expect_event(&r, "ARM", "046", "AZE", true);
    assert_string_equal(m->c.date, "2023-10-20");
    extract_result_release(&r);
}

static void test_talks_between_a_pair_without_a_host(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Talks between Armenia and Azerbaijan took place in Moscow on Monday.", TUE_2023_10_24,
            &r);
    expect_count(&r, 1);
    expect_event(&r, "ARM", "046", "AZE", true);
    extract_result_release(&r);

    extract("Armenia held talks with Azerbaijan in Moscow on Monday.", TUE_2023_10_24, &r);
    expect_count(&r, 1);
    expect_event(&r, "ARM", "046", "AZE", false);
    extract_result_release(&r);
}

static void test_relative_clause_after_a_place_takes_the_place_as_subject(void **state)
{
    (void)state;
    struct extract_result r;
    extract("The foreign ministers of Armenia and Azerbaijan met on Monday in Iran, which hosted "
            "talks between them.",
            TUE_2023_10_24, &r);
    expect_count(&r, 4);
    expect_event(&r, "ARMGOV", "040", "AZEGOV", true);
    expect_event(&r, "IRN", "043", "ARMGOV", false);
    expect_event(&r, "IRN", "043", "AZEGOV", false);
    expect_event(&r, "ARMGOV", "046", "AZEGOV", true);
    extract_result_release(&r);
}

static void test_coordinated_subjects_give_one_mutual_event(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Armenia and Azerbaijan met in Tehran on Monday.", TUE_2023_10_24, &r);
    expect_count(&r, 1);
    expect_event(&r, "ARM", "040", "AZE", true);
    extract_result_release(&r);

    /* three meet: one event per pair */
    extract("Armenia, Azerbaijan and Iran met in Moscow on Monday.", TUE_2023_10_24, &r);
    expect_count(&r, 3);
    expect_event(&r, "ARM", "040", "AZE", true);
    expect_event(&r, "ARM", "040", "IRN", true);
    expect_event(&r, "AZE", "040", "IRN", true);
    extract_result_release(&r);
}

/* ---- evidence, captions, merging ---------------------------------------------------------- */

static void test_evidence_offsets_slice_the_evidence_sentence(void **state)
{
    (void)state;
    const char *text = "Talks in the Caucasus\n"
                       "\n"
                       "The weather was mild. Armenia and Azerbaijan met in Tehran on Monday.\n"
                       "\n"
                       "Officials said the talks went well.\n";
    struct extract_result r;
    extract(text, TUE_2023_10_24, &r);
    expect_count(&r, 1);
    const struct pl_evidence *e = &r.mentions[0].c.evidence[0];
    const char *want = "Armenia and Azerbaijan met in Tehran on Monday.";
    assert_string_equal(e->text, want);
    assert_int_equal(e->start, strstr(text, want) - text);
    assert_int_equal(e->end - e->start, strlen(want));
    assert_memory_equal(text + e->start, want, strlen(want));
    extract_result_release(&r);
}

static void test_evidence_offsets_survive_typographic_punctuation(void **state)
{
    (void)state;
    /* multi-byte quotes and dashes before and inside the sentences: offsets stay byte
     * offsets into the article text */
    const char *text = "“Progress” in the Caucasus — a report\n"
                       "\n"
                       "The ministers’ “frank” talks — the first in months — ended. Armenia and "
                       "Azerbaijan met in Tehran on Monday, the “ministry” said.\n"
                       "\n"
                       "Iran’s president said on Monday: “Russia hosted talks between Armenia and "
                       "Azerbaijan in Moscow on Friday.”\n";
    struct extract_result r;
    extract(text, TUE_2023_10_24, &r);
    expect_event(&r, "ARM", "040", "AZE", true);
    expect_event(&r, "RUS", "043", "ARM", false);
    expect_evidence_slices(text, &r);
    extract_result_release(&r);
}

static void test_caption_evidence_is_marked_as_caption(void **state)
{
    (void)state;
    const char *text = "Armenia and Azerbaijan hold talks in Tehran\n"
                       "\n"
                       "![Ministers in Tehran](https://example.com/photo.jpg)\n"
                       "Iranian President Ebrahim Raisi meets Armenian Foreign Minister Ararat "
                       "Mirzoyan in Tehran, Iran, October 23, 2023. REUTERS/Stringer\n"
                       "\n"
                       "The foreign ministers of Armenia and Azerbaijan met on Monday in Tehran.\n";
    struct extract_result r;
    extract(text, TUE_2023_10_24, &r);
    const struct pl_mention *cap = expect_event(&r, "IRNGOV", "040", "ARMGOV", true);
    assert_int_equal(cap->c.n_evidence, 1);
    assert_true(cap->c.evidence[0].caption);
    const struct pl_mention *body = expect_event(&r, "ARMGOV", "040", "AZEGOV", true);
    for (size_t k = 0; k < body->c.n_evidence; k++)
        assert_false(body->c.evidence[k].caption);
    expect_evidence_slices(text, &r);
    extract_result_release(&r);
}

static void test_same_event_in_two_sentences_is_one_mention(void **state)
{
    (void)state;
    const char *text = "Armenian Foreign Minister Ararat Mirzoyan met Azerbaijani Foreign Minister "
                       "Jeyhun Bayramov in Tehran on Monday. The Armenian foreign minister met the "
                       "Azerbaijani foreign minister on Monday, the ministry said.";
    struct extract_result r;
    extract(text, TUE_2023_10_24, &r);
    expect_count(&r, 1);
    const struct pl_mention *m = expect_event(&r, "ARMGOV", "040", "AZEGOV", false);
    assert_int_equal(m->c.n_evidence, 2);
    assert_true(m->c.evidence[0].end <= m->c.evidence[1].start);
    assert_int_equal(m->c.evidence[0].start, 0);
    assert_int_equal(m->c.evidence[1].end, strlen(text));
    /* the place from the first report stays */
    assert_true(m->c.has_location);
    assert_string_equal(m->c.location.name, "Tehran");
    expect_evidence_slices(text, &r);
    extract_result_release(&r);
}

static void test_same_pair_on_different_days_is_two_mentions(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Armenia and Azerbaijan met on Monday. Armenia and Azerbaijan met again on Friday.",
            TUE_2023_10_24, &r);
    expect_count(&r, 2);
    assert_string_not_equal(r.mentions[0].c.date, r.mentions[1].c.date);
    extract_result_release(&r);
}

/* ---- confidence, place, record ------------------------------------------------------------ */

/* A mixed article: direct, pronoun, caption, passive and modal events. */
static const char g_mixed[] =
    "Iran hosts Armenia-Azerbaijan talks\n"
    "\n"
    "![Ministers](https://example.com/photo.jpg)\n"
    "Armenian and Azerbaijani foreign ministers meet in Tehran, Iran, October 23, 2023. "
    "REUTERS/Stringer\n"
    "\n"
    "TEHRAN (Reuters) - The foreign ministers of Armenia and Azerbaijan met on Monday in Iran. "
    "Iran hosted talks between them.\n"
    "\n"
    "Iranian Foreign Minister Hossein Amir-Abdollahian said he met his Armenian counterpart. "
    "Armenia's foreign minister was received by Iran in Tehran on Monday. Armenia's foreign "
    "minister will meet his Azerbaijani counterpart in Moscow.\n";

static void test_confidence_is_between_zero_and_one(void **state)
{
    (void)state;
    struct extract_result r;
    extract(g_mixed, TUE_2023_10_24, &r);
    assert_true(r.n >= 4);
    for (size_t i = 0; i < r.n; i++) {
        double c = r.mentions[i].c.confidence;
        assert_true(c >= 0.0 && c <= 1.0);
    }
    extract_result_release(&r);
}

static void test_location_from_in_city_has_coordinates(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Armenia and Azerbaijan met in Tehran on Monday.", TUE_2023_10_24, &r);
    expect_count(&r, 1);
    const struct pl_coding *c = &r.mentions[0].c;
    assert_true(c->has_location);
    assert_string_equal(c->location.name, "Tehran");
    assert_string_equal(c->location.country, "IRN");
    assert_true(c->location.has_coords);
    /* Tehran lies at about 35.69 N, 51.39 E */
    assert_true(fabs(c->location.lat - 35.69) < 0.2);
    assert_true(fabs(c->location.lon - 51.39) < 0.2);
    extract_result_release(&r);
}

static void test_dateline_gives_the_place(void **state)
{
    (void)state;
    struct extract_result r;
    extract("MOSCOW - The Armenian and Azerbaijani foreign ministers met on Friday.\n",
            TUE_2023_10_24, &r);
    expect_count(&r, 1);
    const struct pl_coding *c = &r.mentions[0].c;
    assert_string_equal(c->date, "2023-10-20");
    assert_true(c->has_location);
    assert_string_equal(c->location.name, "Moscow");
    assert_string_equal(c->location.country, "RUS");
    /* Moscow lies at about 55.76 N, 37.62 E */
    assert_true(fabs(c->location.lat - 55.76) < 0.2);
    assert_true(fabs(c->location.lon - 37.62) < 0.2);
    extract_result_release(&r);
}

static void test_dateline_before_a_country_name_is_the_place(void **state)
{
    (void)state;
    static const struct {
        const char *text, *place, *country;
    } cases[] = {
        {"MOSCOW — Armenia and Azerbaijan met on Friday.\n", "Moscow", "RUS"},
        {"YEREVAN — Armenia and Azerbaijan met on Friday.\n", "Yerevan", "ARM"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct extract_result r;
        extract(cases[i].text, TUE_2023_10_24, &r);
        if (r.n != 1)
            print_error("\"%s\":\n", cases[i].text);
        expect_count(&r, 1);
        const struct pl_mention *m = expect_event(&r, "ARM", "040", "AZE", true);
        assert_string_equal(m->c.date, "2023-10-20");
        assert_true(m->c.has_location);
        assert_string_equal(m->c.location.name, cases[i].place);
        assert_string_equal(m->c.location.country, cases[i].country);
        extract_result_release(&r);
    }
}

static void test_every_mention_encodes_and_decodes_unchanged(void **state)
{
    (void)state;
    static const char *const published[] = {TUE_2023_10_24, NULL};
    for (size_t p = 0; p < 2; p++) {
        struct extract_result r;
        extract(g_mixed, published[p], &r);
        assert_true(r.n >= 4);
        for (size_t i = 0; i < r.n; i++) {
            struct pl_buf wire, before, after;
            pl_buf_init(&wire);
            pl_buf_init(&before);
            pl_buf_init(&after);
            struct pl_diag diag;
            memset(&diag, 0, sizeof diag);
            enum pl_status st = pl_mention_encode(&r.mentions[i], &wire, &diag);
            if (st != PL_OK)
                print_error("mention %zu: %s at %s\n", i, pl_status_name(st), diag.where);
            assert_int_equal(st, PL_OK);
            struct pl_mention back;
            assert_int_equal(pl_mention_decode(wire.data, wire.len, &back, &diag), PL_OK);
            pl_mention_to_json(&r.mentions[i], &before);
            pl_mention_to_json(&back, &after);
            assert_int_equal(before.len, after.len);
            assert_memory_equal(before.data, after.data, before.len);
            pl_mention_release(&back);
            pl_buf_release(&wire);
            pl_buf_release(&before);
            pl_buf_release(&after);
        }
        extract_result_release(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_affirmative_meeting_is_coded),
        cmocka_unit_test(test_negated_meeting_gives_nothing),
        cmocka_unit_test(test_future_meeting_is_an_intent_not_a_meeting),
        cmocka_unit_test(test_contracted_negation_gives_nothing),
        cmocka_unit_test(test_passive_swaps_source_and_target),
        cmocka_unit_test(test_hosted_talks_between_a_pair),
        cmocka_unit_test(test_talks_between_a_pair_without_a_host),
        cmocka_unit_test(test_relative_clause_after_a_place_takes_the_place_as_subject),
        cmocka_unit_test(test_coordinated_subjects_give_one_mutual_event),
        cmocka_unit_test(test_evidence_offsets_slice_the_evidence_sentence),
        cmocka_unit_test(test_evidence_offsets_survive_typographic_punctuation),
        cmocka_unit_test(test_caption_evidence_is_marked_as_caption),
        cmocka_unit_test(test_same_event_in_two_sentences_is_one_mention),
        cmocka_unit_test(test_same_pair_on_different_days_is_two_mentions),
        cmocka_unit_test(test_confidence_is_between_zero_and_one),
        cmocka_unit_test(test_location_from_in_city_has_coordinates),
        cmocka_unit_test(test_dateline_gives_the_place),
        cmocka_unit_test(test_dateline_before_a_country_name_is_the_place),
        cmocka_unit_test(test_every_mention_encodes_and_decodes_unchanged),
    };
    return cmocka_run_group_tests_name("extract_events", tests, group_setup, group_teardown);
}
