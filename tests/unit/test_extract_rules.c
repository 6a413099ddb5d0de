/* test_extract_rules.c - the extraction rules added after the first stage tests: targets
 * after at/to/from, quantities, coordinated verbs, relative clauses, agents remembered for
 * later references, non-state groups, names beginning with a determiner-like word, the
 * domestic filter, regions as places and clause-bound places. Each through extract_article on
 * made-up sentences. */
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

#define PUB "2024-03-12T09:00:00Z" /* a Tuesday */

static void s_extract(const char *text, struct extract_result *r)
{
    extract(text, PUB, r);
}

static void s_print(const struct extract_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct pl_coding *c = &r->mentions[i].c;
        print_message("  %s %s -> %s %s at %s\n", c->date ? c->date : "-", c->source.code,
                      c->has_target ? c->target.code : "-", c->cameo,
                      c->has_location ? c->location.name : "-");
    }
}

/* The mention src -> tgt with that code (or code prefix), or NULL. */
static const struct pl_mention *s_find(const struct extract_result *r, const char *src,
                                       const char *code, const char *tgt)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct pl_coding *c = &r->mentions[i].c;
        if (!strcmp(c->source.code, src) && !strncmp(c->cameo, code, strlen(code)) &&
            c->has_target && !strcmp(c->target.code, tgt))
            return &r->mentions[i];
    }
    return NULL;
}

static void s_expect(const char *text, const char *src, const char *code, const char *tgt)
{
    struct extract_result r;
    s_extract(text, &r);
    if (!s_find(&r, src, code, tgt)) {
        print_error("\"%s\": expected %s %s %s, got:\n", text, src, code, tgt);
        s_print(&r);
    }
    assert_non_null(s_find(&r, src, code, tgt));
    extract_result_release(&r);
}

static void s_expect_none(const char *text)
{
    struct extract_result r;
    s_extract(text, &r);
    if (r.n) {
        print_error("\"%s\": expected no event, got:\n", text);
        s_print(&r);
    }
    assert_int_equal(r.n, 0);
    extract_result_release(&r);
}

static void test_a_country_after_at_or_to_is_a_target(void **state)
{
    (void)state;
    s_expect("Hamas fired rockets at Israel on Monday.", "PSEREB", "19", "ISR");
    s_expect("The United States sold radars to Armenia.", "USA", "06", "ARM");
    /* a city there is still a place, not a target */
    struct extract_result r;
    s_extract("Armenia and Azerbaijan met at Geneva on Monday.", &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.mentions[0].c.location.country, "CHE");
    extract_result_release(&r);
}

static void test_quantities_before_a_target_and_before_a_subject(void **state)
{
    (void)state;
    s_expect("Iranian police arrested 12 British nationals in Tehran.", "IRNCOP", "17", "GBR");
    s_expect("Thousands of Armenians protested against Azerbaijan in Yerevan.", "ARM", "14", "AZE");
}

static void test_a_verb_after_and_shares_the_subject(void **state)
{
    (void)state;
    s_expect("Erdogan visited Russia and signed an agreement with Putin on Monday.", "TURGOV",
             "057", "RUSGOV");
    /* and not the object of the first verb */
    struct extract_result r;
    s_extract("Erdogan visited Russia and signed an agreement with Putin on Monday.", &r);
    assert_null(s_find(&r, "RUS", "057", "RUSGOV"));
    extract_result_release(&r);
}

static void test_a_remembered_actor_is_the_target_of_a_later_reference(void **state)
{
    (void)state;
    s_expect("Russia invaded Ukraine in 2022. The French president said the brutal invasion "
             "must end.",
             "FRAGOV", "111", "RUS");
    /* no earlier invasion: nobody to blame */
    s_expect_none("The French president said the brutal invasion must end.");
}

static void test_groups_are_actors(void **state)
{
    (void)state;
    s_expect("Houthi rebels attacked a tanker and Israel struck Hezbollah positions on Monday.",
             "ISR", "19", "LBNREB");
}

static void test_a_name_may_begin_with_new(void **state)
{
    (void)state;
    s_expect("New Zealand criticized China on Monday.", "NZL", "111", "CHN");
}

static void test_domestic_cooperation_is_not_coded_but_domestic_force_is(void **state)
{
    (void)state;
    s_expect_none("Putin praised Russian troops on Monday.");
    s_expect("Russian police arrested Russian protesters in Moscow on Monday.", "RUSCOP", "17",
             "RUSCVL");
}

static void test_a_region_is_a_place(void **state)
{
    (void)state;
    struct extract_result r;
    s_extract("Russia and Ukraine held talks in Crimea on Monday.", &r);
    assert_true(r.n >= 1);
    assert_true(r.mentions[0].c.has_location);
    assert_string_equal(r.mentions[0].c.location.country, "UKR");
    extract_result_release(&r);
}

static void test_a_place_belongs_to_its_own_clause(void **state)
{
    (void)state;
    struct extract_result r;
    /* the host's country, not Karabakh from the next clause */
    s_extract("Iran hosts Armenia-Azerbaijan talks, Russia says the main issue is resolved in "
              "Karabakh.",
              &r);
    const struct pl_mention *m = s_find(&r, "IRN", "043", "ARM");
    assert_non_null(m);
    assert_string_equal(m->c.location.country, "IRN");
    extract_result_release(&r);
}

static void test_brussels_speaks_for_the_eu(void **state)
{
    (void)state;
    s_expect("Brussels imposed sanctions on Belarus on Monday.", "EUGOV", "163", "BLR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_country_after_at_or_to_is_a_target),
        cmocka_unit_test(test_quantities_before_a_target_and_before_a_subject),
        cmocka_unit_test(test_a_verb_after_and_shares_the_subject),
        cmocka_unit_test(test_a_remembered_actor_is_the_target_of_a_later_reference),
        cmocka_unit_test(test_groups_are_actors),
        cmocka_unit_test(test_a_name_may_begin_with_new),
        cmocka_unit_test(test_domestic_cooperation_is_not_coded_but_domestic_force_is),
        cmocka_unit_test(test_a_region_is_a_place),
        cmocka_unit_test(test_a_place_belongs_to_its_own_clause),
        cmocka_unit_test(test_brussels_speaks_for_the_eu),
    };
    return cmocka_run_group_tests_name("extract_rules", tests, group_setup, group_teardown);
}
