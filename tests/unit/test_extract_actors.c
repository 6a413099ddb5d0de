/* test_extract_actors.c - who is who, through extract_article on small articles: countries,
 * adjectives, possessives, capitals standing for governments (and not when they are only
 * places), organisations, sector nouns, named people coded by the role they held on the
 * event's date, transliterations, counterparts, pronouns, definite descriptions and bare
 * surnames.
 *
 * The events are consult events (meet, hold talks) whose patterns have long been in
 * data/verbs.txt, so that what is under test is the actors. Expected codes follow the CAMEO
 * conventions in data/README.md, checked against the data files by hand. Most articles are
 * published on Tuesday 2023-10-24, so "on Monday" is 2023-10-23. */
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

#define TUE_2023_10_24 "2023-10-24T09:00:00Z"

/* ---- helpers ----------------------------------------------------------------------------- */

/* True when some actor of some mention has that country. */
static bool any_actor_of(const struct extract_result *r, const char *country)
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

/* ---- countries, capitals, organisations, sectors ---------------------------------------- */

static void test_country_names_are_actors(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Armenia and Azerbaijan met in Tehran on Monday.", TUE_2023_10_24, &r);
    expect_event(&r, "ARM", "040", "AZE", true);
    extract_result_release(&r);
}

static void test_country_adjectives_with_a_sector_noun(void **state)
{
    (void)state;
    struct extract_result r;
    extract("The Armenian and Azerbaijani foreign ministers met in Moscow on Friday.",
            TUE_2023_10_24, &r);
    expect_event(&r, "ARMGOV", "040", "AZEGOV", true);
    extract_result_release(&r);
}

static void test_possessive_country_with_a_sector_noun(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Russia's foreign minister met Iran's foreign minister in Moscow on Monday.",
            TUE_2023_10_24, &r);
    expect_event(&r, "RUSGOV", "040", "IRNGOV", true);
    extract_result_release(&r);
}

static void test_capitals_stand_for_governments(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Moscow held talks with Baku on Monday.", TUE_2023_10_24, &r);
    expect_event(&r, "RUSGOV", "046", "AZEGOV", false);
    extract_result_release(&r);

    extract("Washington held talks with Tehran on Monday.", TUE_2023_10_24, &r);
    expect_event(&r, "USAGOV", "046", "IRNGOV", false);
    extract_result_release(&r);
}

static void test_seat_of_power_stands_for_the_government(void **state)
{
    (void)state;
    struct extract_result r;
    extract("The Kremlin held talks with Armenia on Monday.", TUE_2023_10_24, &r);
    expect_event(&r, "RUSGOV", "046", "ARM", false);
    extract_result_release(&r);
}

static void test_capital_after_in_is_a_place_not_an_actor(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Armenia and Azerbaijan met in Moscow on Monday.", TUE_2023_10_24, &r);
    assert_int_equal(r.n, 1);
    const struct pl_mention *m = expect_event(&r, "ARM", "040", "AZE", true);
    assert_false(any_actor_of(&r, "RUS"));
    assert_true(m->c.has_location);
    assert_string_equal(m->c.location.name, "Moscow");
    assert_string_equal(m->c.location.country, "RUS");
    extract_result_release(&r);
}

static void test_organisations_take_their_codes(void **state)
{
    (void)state;
    struct extract_result r;
    extract("The European Union held talks with Armenia on Monday. NATO held talks with "
            "Azerbaijan on Monday. The United Nations held talks with Iran on Monday. The UN "
            "Security Council held talks with Turkey on Monday. The E.U. held talks with Georgia "
            "on Monday.",
            TUE_2023_10_24, &r);
    expect_event(&r, "EU", "046", "ARM", false);
    expect_event(&r, "NATO", "046", "AZE", false);
    expect_event(&r, "UN", "046", "IRN", false);
    /* data/igos.txt: the Security Council is a UN body with the sector GOV */
    expect_event(&r, "UNGOV", "046", "TUR", false);
    expect_event(&r, "EU", "046", "GEO", false);
    extract_result_release(&r);
}

static void test_sector_nouns_give_the_sector(void **state)
{
    (void)state;
    struct extract_result r;
    extract("The Azerbaijani army met Armenian police on Monday. Armenian rebels held talks with "
            "Azerbaijani police on Monday. Russian troops met Ukrainian soldiers on Monday.",
            TUE_2023_10_24, &r);
    expect_event(&r, "AZEMIL", "040", "ARMCOP", true);
    expect_event(&r, "ARMREB", "046", "AZECOP", false);
    expect_event(&r, "RUSMIL", "040", "UKRMIL", true);
    extract_result_release(&r);
}

/* ---- people ------------------------------------------------------------------------------- */

/* data/people/caucasus-mideast-asia.txt: Mohammad Javad Zarif, IRN GOV 2013-08-15..2021-08-25
 * (Minister of Foreign Affairs) and IRN GOV 2024-08-01..2025-03-02 (Vice-President for
 * Strategic Affairs). */
static void test_person_is_government_on_a_date_inside_his_role(void **state)
{
    (void)state;
    struct extract_result r;
    /* published Tuesday 2019-05-21: "on Monday" is 2019-05-20, while he was foreign minister */
    extract("Mohammad Javad Zarif met the Armenian prime minister in Yerevan on Monday.",
            "2019-05-21T09:00:00Z", &r);
    const struct pl_mention *m = expect_event(&r, "IRNGOV", "040", "ARMGOV", true);
    assert_string_equal(m->c.date, "2019-05-20");
    extract_result_release(&r);
}

static void test_person_is_an_elite_after_his_last_role_ended(void **state)
{
    (void)state;
    struct extract_result r;
    /* published Tuesday 2025-06-03: "on Monday" is 2025-06-02, after 2025-03-02 */
    extract("Mohammad Javad Zarif met the Armenian prime minister in Yerevan on Monday.",
            "2025-06-03T09:00:00Z", &r);
    const struct pl_mention *m = expect_event(&r, "IRNELI", "040", "ARMGOV", true);
    assert_string_equal(m->c.date, "2025-06-02");
    assert_null(find(&r, "IRNGOV", "040", "ARMGOV", true));
    extract_result_release(&r);
}

static void test_transliterations_name_the_same_person(void **state)
{
    (void)state;
    struct extract_result r;
    /* No country word is written: a country in the code means the name was recognised. */
    extract("Nikol Pashinian met the Iranian president in Tehran on Monday. Nikol Pashinyan met "
            "the Turkish president in Ankara on Monday.",
            TUE_2023_10_24, &r);
    expect_event(&r, "ARMGOV", "040", "IRNGOV", true);
    expect_event(&r, "ARMGOV", "040", "TURGOV", true);
    extract_result_release(&r);

    extract("Hossein Amirabdollahian met the Armenian prime minister in Yerevan on Monday. "
            "Hossein Amir-Abdollahian met the Azerbaijani president in Baku on Monday.",
            TUE_2023_10_24, &r);
    expect_event(&r, "IRNGOV", "040", "ARMGOV", true);
    expect_event(&r, "IRNGOV", "040", "AZEGOV", true);
    extract_result_release(&r);
}

static void test_counterpart_takes_the_country_written_with_it(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Iranian Foreign Minister Hossein Amir-Abdollahian met his Armenian counterpart in "
            "Tehran on Monday.",
            TUE_2023_10_24, &r);
    const struct pl_mention *m = expect_event(&r, "IRNGOV", "040", "ARMGOV", true);
    assert_true(m->c.has_target);
    assert_string_equal(m->c.target.name, "his Armenian counterpart");
    extract_result_release(&r);
}

static void test_he_refers_to_the_last_person_named(void **state)
{
    (void)state;
    struct extract_result r;
    extract(
        "Iranian Foreign Minister Hossein Amir-Abdollahian arrived in Yerevan on Monday. He met "
        "Armenian Prime Minister Nikol Pashinyan.",
        TUE_2023_10_24, &r);
    const struct pl_mention *m = expect_event(&r, "IRNGOV", "040", "ARMGOV", false);
    /* a resolved pronoun is named by the person, not by the word "He" */
    assert_false(m->c.source.has_span);
    assert_string_equal(m->c.source.name, "Hossein Amir-Abdollahian");
    extract_result_release(&r);
}

static void test_he_without_anyone_before_is_nobody(void **state)
{
    (void)state;
    struct extract_result r;
    extract("He met the Iranian president on Monday.", TUE_2023_10_24, &r);
    if (r.n)
        print_mentions(&r);
    assert_int_equal(r.n, 0);
    extract_result_release(&r);
}

static void test_the_minister_refers_to_the_last_official(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Iranian Foreign Minister Hossein Amir-Abdollahian arrived in Yerevan on Monday. The "
            "minister met the Armenian prime minister.",
            TUE_2023_10_24, &r);
    expect_event(&r, "IRNGOV", "040", "ARMGOV", false);
    extract_result_release(&r);
}

static void test_the_two_sides_refers_to_the_last_pair(void **state)
{
    (void)state;
    const char *text = "The foreign ministers of Armenia and Azerbaijan arrived in Moscow on "
                       "Friday. The two sides met at the Kremlin.";
    struct extract_result r;
    extract(text, TUE_2023_10_24, &r);
    const struct pl_mention *m = expect_event(&r, "ARMGOV", "040", "AZEGOV", true);
    assert_int_equal(m->c.n_evidence, 1);
    assert_string_equal(m->c.evidence[0].text, "The two sides met at the Kremlin.");
    /* "at the Kremlin" is where, not who */
    assert_false(any_actor_of(&r, "RUS"));
    extract_result_release(&r);
}

static void test_bare_surname_after_the_full_name(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Armenian Foreign Minister Ararat Mirzoyan arrived in Tehran on Monday. Mirzoyan met "
            "the Iranian president on Monday.",
            TUE_2023_10_24, &r);
    const struct pl_mention *m = expect_event(&r, "ARMGOV", "040", "IRNGOV", false);
    assert_string_equal(m->c.source.name, "Mirzoyan");
    extract_result_release(&r);
}

static void test_bare_surname_never_named_in_full_is_nobody(void **state)
{
    (void)state;
    struct extract_result r;
    /* "Mirzoyan" alone is no alias in the data: only the earlier full name makes it someone */
    extract("Mirzoyan met the Iranian president on Monday.", TUE_2023_10_24, &r);
    assert_false(any_actor_of(&r, "ARM"));
    extract_result_release(&r);
}

/* ---- people named without a title or a country word --------------------------------------- */

static void test_two_people_named_without_titles_are_two_actors(void **state)
{
    (void)state;
    struct extract_result r;
    /* Pashinyan: ARM GOV from 2018-05-08; Aliyev: AZE GOV from 2003-10-31 */
    extract("Nikol Pashinyan met Ilham Aliyev in Moscow on Monday.", TUE_2023_10_24, &r);
    const struct pl_mention *m = expect_event(&r, "ARMGOV", "040", "AZEGOV", true);
    assert_string_equal(m->c.date, "2023-10-23");
    extract_result_release(&r);

    extract("Nikol Pashinyan and Ilham Aliyev met in Moscow on Monday.", TUE_2023_10_24, &r);
    m = expect_event(&r, "ARMGOV", "040", "AZEGOV", true);
    assert_string_equal(m->c.date, "2023-10-23");
    extract_result_release(&r);
}

static void test_two_bare_surnames_after_their_full_names_are_two_actors(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Armenian Prime Minister Nikol Pashinyan met Azerbaijani President Ilham Aliyev on "
            "Monday. Pashinyan met Aliyev again on Tuesday.",
            TUE_2023_10_24, &r);
    bool monday = false, tuesday = false;
    for (size_t i = 0; i < r.n; i++) {
        const struct pl_coding *c = &r.mentions[i].c;
        if (strcmp(c->cameo, "040") != 0 || !c->has_target)
            continue;
        bool pair = (!strcmp(c->source.code, "ARMGOV") && !strcmp(c->target.code, "AZEGOV")) ||
                    (!strcmp(c->source.code, "AZEGOV") && !strcmp(c->target.code, "ARMGOV"));
        monday |= pair && !strcmp(c->date, "2023-10-23");
        tuesday |= pair && !strcmp(c->date, "2023-10-24");
    }
    if (!monday || !tuesday)
        print_mentions(&r);
    assert_true(monday);
    assert_true(tuesday);
    extract_result_release(&r);
}

/* ---- typographic apostrophes ---------------------------------------------------------------- */

static void test_entity_possessive_keeps_the_sector_noun(void **state)
{
    (void)state;
    struct extract_result r;
    extract("Russia&#8217;s foreign minister met Iran&rsquo;s foreign minister in Moscow on "
            "Monday.",
            TUE_2023_10_24, &r);
    expect_event(&r, "RUSGOV", "040", "IRNGOV", true);
    extract_result_release(&r);
}

static void test_typographic_possessive_keeps_the_sector_noun(void **state)
{
    (void)state;
    struct extract_result r;
    /* U+2019 between letters is cleaned to "Russia's", a possessive like the ASCII one */
    extract("Russia’s foreign minister met Iran’s foreign minister in Moscow on Monday.",
            TUE_2023_10_24, &r);
    expect_event(&r, "RUSGOV", "040", "IRNGOV", true);
    extract_result_release(&r);
}

/* ---- roles over time -------------------------------------------------------------------- */

static void test_person_between_two_roles_is_an_elite(void **state)
{
    (void)state;
    struct extract_result r;
    /* published Tuesday 2022-06-07: "on Monday" is 2022-06-06, between his 2013-08-15..
     * 2021-08-25 and 2024-08-01..2025-03-02 roles; a former minister is not GOV */
    extract("Mohammad Javad Zarif met the Armenian prime minister in Yerevan on Monday.",
            "2022-06-07T09:00:00Z", &r);
    const struct pl_mention *m = expect_event(&r, "IRNELI", "040", "ARMGOV", true);
    assert_string_equal(m->c.date, "2022-06-06");
    assert_null(find(&r, "IRN", "040", "ARMGOV", true));
    extract_result_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_country_names_are_actors),
        cmocka_unit_test(test_country_adjectives_with_a_sector_noun),
        cmocka_unit_test(test_possessive_country_with_a_sector_noun),
        cmocka_unit_test(test_capitals_stand_for_governments),
        cmocka_unit_test(test_seat_of_power_stands_for_the_government),
        cmocka_unit_test(test_capital_after_in_is_a_place_not_an_actor),
        cmocka_unit_test(test_organisations_take_their_codes),
        cmocka_unit_test(test_sector_nouns_give_the_sector),
        cmocka_unit_test(test_person_is_government_on_a_date_inside_his_role),
        cmocka_unit_test(test_person_is_an_elite_after_his_last_role_ended),
        cmocka_unit_test(test_transliterations_name_the_same_person),
        cmocka_unit_test(test_counterpart_takes_the_country_written_with_it),
        cmocka_unit_test(test_he_refers_to_the_last_person_named),
        cmocka_unit_test(test_he_without_anyone_before_is_nobody),
        cmocka_unit_test(test_the_minister_refers_to_the_last_official),
        cmocka_unit_test(test_the_two_sides_refers_to_the_last_pair),
        cmocka_unit_test(test_bare_surname_after_the_full_name),
        cmocka_unit_test(test_bare_surname_never_named_in_full_is_nobody),
        cmocka_unit_test(test_two_people_named_without_titles_are_two_actors),
        cmocka_unit_test(test_two_bare_surnames_after_their_full_names_are_two_actors),
        cmocka_unit_test(test_typographic_possessive_keeps_the_sector_noun),
        cmocka_unit_test(test_entity_possessive_keeps_the_sector_noun),
        cmocka_unit_test(test_person_between_two_roles_is_an_elite),
    };
    return cmocka_run_group_tests_name("extract_actors", tests, group_setup, group_teardown);
}
