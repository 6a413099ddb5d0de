/* test_extract_import.c - dictionaries in the PETRARCH, Phoenix and TABARI formats read from a
 * dictionary folder's import/ subfolder (lexicon_import.c): actors with synonyms and date
 * restrictions, agents with substitution sets and plurals, and the comment forms.
 *
 * Each group builds a temporary dictionary folder: a symlink to every file and folder of the
 * repository's data folder (PARLEY_DATA_DIR), plus a real import/ subfolder. The first group
 * writes a small made-up actor and agent dictionary into it, so that no code can come from
 * the bundled data; the second links the Phoenix dictionaries of the PETRARCH2 anchors when
 * they are there, and skips its tests when they are not.
 *
 * Expected codes were read off the dictionary lines by hand; weekdays were checked with
 * Python's datetime. Articles say "on Monday" and are published on the Tuesday after. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "extract.h"
#include "extract_test_util.h"

/* The Phoenix dictionaries, next to the repository (absent on some machines). */
#define ANCHORS_DIR PARLEY_DATA_DIR "/../../shared/anchors/petrarch2"

/* A temporary dictionary folder and the lexicon loaded from it. */
struct dict {
    char root[256];      /* the folder; "" when it was not made */
    struct lexicon *lex; /* loaded from root, NULL when loading failed or was skipped */
    int64_t load_ms;     /* how long lexicon_load took */
    bool skipped;        /* the dictionaries under test are not on this machine */
};

static struct dict g_dict;

/* ---- the made-up dictionaries ------------------------------------------------------------- */

/* A made-up person, so that only the import can code him: Zorban Kalvik is French government
 * from 2010-01-01 to 2015-01-01 and an elite from 2015-01-02 on. Marta Voskell's role is
 * written with two-digit years: 990101 is 1999-01-01 and 050630 is 2005-06-30. The entries in
 * the comments must not be read. */
static const char g_actors[] = "# test.actors.txt - made-up actors in the PETRARCH actors format\n"
                               "# MIKLOS_GHOSTOV_ [CHNGOV]   a commented-out entry\n"
                               "\n"
                               "<!-- a comment block over several lines: nothing in it is read\n"
                               "OSKAR_PELLWIN_ [DEUGOV]\n"
                               "+PELLWIN_\n"
                               "-->\n"
                               "ZORBAN_KALVIK_  # a made-up person\n"
                               "+KALVIK_\n"
                               "\t[FRAGOV 20100101-20150101]\n"
                               "\t[FRAELI >20150102]  # after his ministry\n"
                               "MARTA_VOSKELL_\n"
                               "\t[NLDGOV 990101-050630]\n"
                               "ARMENIA_ [ARM]  # a country, as Phoenix lists them\n"
                               "+ARMENIAN_\n";

/* Made-up sector nouns: a substitution set, a regular plural added by the loader, a plural
 * given in braces, and "{}" for no plural at all. */
static const char g_agents[] = "# test.agents.txt - made-up agents in the PETRARCH agents format\n"
                               "<!-- substitution sets -->\n"
                               "!MINIST! = MINISTER, MINISTRY\n"
                               "\n"
                               "QUORVAN_!MINIST! [~EDU]  # quorvan minister, quorvan ministry\n"
                               "DRAVOK [~MIL]\n"
                               "KALVORAN {KALVORANIM} [~REB]\n"
                               "ZELTHAR {} [~LAB]\n";

/* ---- the dictionary folder ---------------------------------------------------------------- */

/* Removes path: a real folder with what is in it, anything else (symlinks included) itself.
 * Symlinks are never followed, so the data folder they point to is left alone. */
static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char sub[512];
                int n = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                if (n > 0 && (size_t)n < sizeof sub)
                    remove_tree(sub);
            }
            closedir(d);
        }
        if (rmdir(path) != 0)
            fprintf(stderr, "test_extract_import: cannot remove '%s': %s\n", path, strerror(errno));
    } else if (unlink(path) != 0) {
        fprintf(stderr, "test_extract_import: cannot remove '%s': %s\n", path, strerror(errno));
    }
}

/* Makes d->root: a symlink to each entry of the data folder, and an empty import/. */
static int dict_make(struct dict *d)
{
    memset(d, 0, sizeof *d);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > 128)
        tmp = "/tmp";
    int n = snprintf(d->root, sizeof d->root, "%s/parley-dict-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof d->root || !mkdtemp(d->root)) {
        fprintf(stderr, "test_extract_import: cannot make a temporary folder under '%s': %s\n", tmp,
                strerror(errno));
        d->root[0] = '\0';
        return -1;
    }
    DIR *dp = opendir(PARLEY_DATA_DIR);
    if (!dp) {
        fprintf(stderr, "test_extract_import: cannot read '%s': %s\n", PARLEY_DATA_DIR,
                strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        /* the data folder's own import/, if it ever has one, is replaced by ours */
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "import"))
            continue;
        char from[512], to[512];
        int a = snprintf(from, sizeof from, "%s/%s", PARLEY_DATA_DIR, e->d_name);
        int b = snprintf(to, sizeof to, "%s/%s", d->root, e->d_name);
        if (a < 0 || (size_t)a >= sizeof from || b < 0 || (size_t)b >= sizeof to ||
            symlink(from, to) != 0) {
            fprintf(stderr, "test_extract_import: cannot link '%s': %s\n", e->d_name,
                    strerror(errno));
            rc = -1;
        }
    }
    closedir(dp);
    char import[300];
    n = snprintf(import, sizeof import, "%s/import", d->root);
    if (n < 0 || (size_t)n >= sizeof import || mkdir(import, 0700) != 0) {
        fprintf(stderr, "test_extract_import: cannot make '%s/import'\n", d->root);
        rc = -1;
    }
    return rc;
}

/* Writes text as import/name. */
static int dict_write(const struct dict *d, const char *name, const char *text)
{
    char path[512];
    int n = snprintf(path, sizeof path, "%s/import/%s", d->root, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return -1;
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t len = strlen(text);
    int rc = fwrite(text, 1, len, f) == len ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

/* Links dir/name as import/name. */
static int dict_link(const struct dict *d, const char *dir, const char *name)
{
    char from[512], to[512];
    int a = snprintf(from, sizeof from, "%s/%s", dir, name);
    int b = snprintf(to, sizeof to, "%s/import/%s", d->root, name);
    if (a < 0 || (size_t)a >= sizeof from || b < 0 || (size_t)b >= sizeof to)
        return -1;
    return symlink(from, to);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void dict_load(struct dict *d)
{
    int64_t t0 = now_ms();
    d->lex = lexicon_load(d->root);
    d->load_ms = now_ms() - t0;
}

static void dict_destroy(struct dict *d)
{
    lexicon_destroy(&d->lex);
    if (d->root[0])
        remove_tree(d->root);
    d->root[0] = '\0';
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* Codes text with g_dict's lexicon as an article published at published. */
static void extract_dict(const char *text, const char *published, struct extract_result *r)
{
    extract_with(g_dict.lex, text, published, r);
}

/* Codes text and expects src cameo tgt (either way round) on the given day. */
static void expect_coded(const char *text, const char *published, const char *src,
                         const char *cameo, const char *tgt, const char *day)
{
    struct extract_result r;
    extract_dict(text, published, &r);
    const struct pl_mention *m = find(&r, src, cameo, tgt, true);
    if (!m || strcmp(m->c.date, day) != 0) {
        print_error("\"%s\" (published %s): expected %s %s %s on %s\n", text, published, src, cameo,
                    tgt, day);
        print_mentions(&r);
    }
    assert_non_null(m);
    assert_string_equal(m->c.date, day);
    extract_result_release(&r);
}

/* True when some actor of some mention has that country, or that sector. */
static bool any_actor(const struct extract_result *r, const char *country, const char *sector)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct pl_coding *c = &r->mentions[i].c;
        const struct pl_actor *a[2] = {&c->source, c->has_target ? &c->target : NULL};
        for (size_t k = 0; k < 2; k++) {
            if (!a[k])
                continue;
            if (country && a[k]->country && !strcmp(a[k]->country, country))
                return true;
            if (sector && a[k]->sector && !strcmp(a[k]->sector, sector))
                return true;
        }
    }
    return false;
}

/* ---- made-up actors ----------------------------------------------------------------------- */

static void test_imported_person_is_government_inside_a_dated_restriction(void **state)
{
    (void)state;
    /* 2012-06-11 was a Monday, inside [FRAGOV 20100101-20150101] */
    expect_coded("Zorban Kalvik met the Armenian prime minister in Yerevan on Monday.",
                 "2012-06-12T09:00:00Z", "FRAGOV", "040", "ARMGOV", "2012-06-11");
}

static void test_imported_person_takes_an_open_ended_restriction(void **state)
{
    (void)state;
    /* 2016-06-13 was a Monday, inside [FRAELI >20150102]; "Kalvik" is his +synonym */
    expect_coded("Zorban Kalvik met the Armenian prime minister in Yerevan on Monday.",
                 "2016-06-14T09:00:00Z", "FRAELI", "040", "ARMGOV", "2016-06-13");
    expect_coded("Kalvik met the Armenian prime minister in Yerevan on Monday.",
                 "2016-06-14T09:00:00Z", "FRAELI", "040", "ARMGOV", "2016-06-13");
}

static void test_imported_person_before_his_restrictions_is_a_citizen(void **state)
{
    (void)state;
    /* 2008-06-09 was a Monday, before both restrictions: the country alone */
    expect_coded("Zorban Kalvik met the Armenian prime minister in Yerevan on Monday.",
                 "2008-06-10T09:00:00Z", "FRA", "040", "ARMGOV", "2008-06-09");
}

static void test_two_digit_years_in_a_restriction(void **state)
{
    (void)state;
    /* [NLDGOV 990101-050630]: 1999-01-01 to 2005-06-30. 2003-06-16 was a Monday, inside it;
     * 2007-06-11 a Monday after it, when a former minister is an elite. */
    expect_coded("Marta Voskell met the Armenian prime minister in Yerevan on Monday.",
                 "2003-06-17T09:00:00Z", "NLDGOV", "040", "ARMGOV", "2003-06-16");
    expect_coded("Marta Voskell met the Armenian prime minister in Yerevan on Monday.",
                 "2007-06-12T09:00:00Z", "NLDELI", "040", "ARMGOV", "2007-06-11");
}

static void test_commented_out_entries_are_not_read(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "Oskar Pellwin met the Armenian prime minister in Yerevan on Monday.",
        "Pellwin met the Armenian prime minister in Yerevan on Monday.",
        "Miklos Ghostov met the Armenian prime minister in Yerevan on Monday.",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct extract_result r;
        extract_dict(texts[i], "2012-06-12T09:00:00Z", &r);
        if (any_actor(&r, "DEU", NULL) || any_actor(&r, "CHN", NULL)) {
            print_error("\"%s\":\n", texts[i]);
            print_mentions(&r);
        }
        assert_false(any_actor(&r, "DEU", NULL));
        assert_false(any_actor(&r, "CHN", NULL));
        extract_result_release(&r);
    }
}

/* ---- made-up agents ----------------------------------------------------------------------- */

static void test_substitution_set_expands_to_each_word(void **state)
{
    (void)state;
    /* 2023-10-23 was a Monday */
    expect_coded("The Armenian quorvan minister met Azerbaijani dravoks on Monday.",
                 "2023-10-24T09:00:00Z", "ARMEDU", "040", "AZEMIL", "2023-10-23");
    expect_coded("The Armenian quorvan ministry held talks with the Azerbaijani dravok on Monday.",
                 "2023-10-24T09:00:00Z", "ARMEDU", "046", "AZEMIL", "2023-10-23");
}

static void test_plural_agents_match(void **state)
{
    (void)state;
    /* "dravoks": the regular plural the loader adds; "kalvoranim": the plural in braces */
    expect_coded("Armenian kalvoranim met Azerbaijani dravoks on Monday.", "2023-10-24T09:00:00Z",
                 "ARMREB", "040", "AZEMIL", "2023-10-23");
    expect_coded("The Armenian kalvoran met the Azerbaijani zelthar on Monday.",
                 "2023-10-24T09:00:00Z", "ARMREB", "040", "AZELAB", "2023-10-23");
}

static void test_braces_replace_the_regular_plural(void **state)
{
    (void)state;
    /* "{KALVORANIM}" is the only plural of kalvoran and "{}" gives zelthar none */
    struct extract_result r;
    extract_dict("Armenian zelthars met Azerbaijani kalvorans on Monday.", "2023-10-24T09:00:00Z",
                 &r);
    if (any_actor(&r, NULL, "LAB") || any_actor(&r, NULL, "REB"))
        print_mentions(&r);
    assert_false(any_actor(&r, NULL, "LAB"));
    assert_false(any_actor(&r, NULL, "REB"));
    extract_result_release(&r);
}

/* ---- the Phoenix dictionaries ------------------------------------------------------------- */

static void skip_without_phoenix(void)
{
    if (g_dict.skipped) {
        print_message("%s is not there: skipped\n", ANCHORS_DIR);
        skip();
    }
}

/* Speed is the benchmark's business; this only shows the figure. */
static void test_phoenix_dictionaries_load(void **state)
{
    (void)state;
    skip_without_phoenix();
    assert_non_null(g_dict.lex);
    print_message("the Phoenix dictionaries loaded in %lld ms\n", (long long)g_dict.load_ms);
}

/* An imported entry for a country's name must not hide the bundled country words. */
static void test_imported_country_entries_keep_sectors_and_places(void **state)
{
    (void)state;
    if (!g_dict.lex)
        skip(); /* the Phoenix group without its dictionaries */
    expect_coded("The Armenian president met the Azerbaijani president on Monday.",
                 "2023-10-24T09:00:00Z", "ARMGOV", "040", "AZEGOV", "2023-10-23");
    expect_coded("Armenian troops met Azerbaijani police on Monday.", "2023-10-24T09:00:00Z",
                 "ARMMIL", "040", "AZECOP", "2023-10-23");
    struct extract_result r;
    extract_dict("Armenia and Azerbaijan met in Moscow on Monday.", "2023-10-24T09:00:00Z", &r);
    const struct pl_mention *m = find(&r, "ARM", "040", "AZE", true);
    assert_non_null(m);
    assert_true(m->c.has_location);
    assert_string_equal(m->c.location.name, "Moscow");
    extract_result_release(&r);
}

static void test_phoenix_leaders_on_dates_their_restrictions_cover(void **state)
{
    (void)state;
    skip_without_phoenix();
    assert_non_null(g_dict.lex);
    /* Phoenix.Countries.actors.txt: VIKTOR_CHERNOMYRDIN_ [RUSGOV 921214-980323];
     * ROBERT_KOCHARYAN_ [ARMGOV 970320-980410] and [ARMGOV 980204-080409].
     * 1998-02-16 was a Monday. */
    expect_coded("Viktor Chernomyrdin met Robert Kocharyan on Monday.", "1998-02-17T09:00:00Z",
                 "RUSGOV", "040", "ARMGOV", "1998-02-16");
    /* ANDRANIK_MARKARYAN_ +ANDRANIK_MARGARYAN_ [ARMGOV 000512-070325]; Phoenix.International:
     * KOFI_ANNAN_ [IGOUNO 970101-061231]. 2003-06-16 was a Monday. */
    expect_coded("Andranik Margaryan met Kofi Annan on Monday.", "2003-06-17T09:00:00Z", "ARMGOV",
                 "040", "IGOUNO", "2003-06-16");
}

static void test_phoenix_leader_after_his_restrictions_takes_the_default(void **state)
{
    (void)state;
    skip_without_phoenix();
    assert_non_null(g_dict.lex);
    /* After 1998-09-11 only Chernomyrdin's undated [RUSELI] covers him; Kocharyan is still in
     * [ARMGOV 980204-080409]. 2005-06-13 was a Monday. */
    expect_coded("Viktor Chernomyrdin met Robert Kocharyan on Monday.", "2005-06-14T09:00:00Z",
                 "RUSELI", "040", "ARMGOV", "2005-06-13");
}

/* ---- groups ------------------------------------------------------------------------------- */

static int made_up_setup(void **state)
{
    (void)state;
    if (dict_make(&g_dict) != 0 || dict_write(&g_dict, "test.actors.txt", g_actors) != 0 ||
        dict_write(&g_dict, "test.agents.txt", g_agents) != 0) {
        dict_destroy(&g_dict);
        return -1;
    }
    dict_load(&g_dict);
    if (!g_dict.lex) {
        dict_destroy(&g_dict);
        return -1;
    }
    return 0;
}

static int phoenix_setup(void **state)
{
    (void)state;
    memset(&g_dict, 0, sizeof g_dict);
    struct stat st;
    if (stat(ANCHORS_DIR, &st) != 0 || !S_ISDIR(st.st_mode)) {
        g_dict.skipped = true;
        return 0;
    }
    static const char *const files[] = {"Phoenix.Countries.actors.txt",
                                        "Phoenix.International.actors.txt", "Phoenix.agents.txt"};
    int rc = dict_make(&g_dict);
    for (size_t i = 0; rc == 0 && i < sizeof files / sizeof files[0]; i++)
        rc = dict_link(&g_dict, ANCHORS_DIR, files[i]);
    if (rc != 0) {
        dict_destroy(&g_dict);
        return -1;
    }
    /* loaded here, timed, and checked by the first test: a failed load fails each test */
    dict_load(&g_dict);
    return 0;
}

static int dict_teardown(void **state)
{
    (void)state;
    dict_destroy(&g_dict);
    return 0;
}

int main(void)
{
    const struct CMUnitTest made_up[] = {
        cmocka_unit_test(test_imported_person_is_government_inside_a_dated_restriction),
        cmocka_unit_test(test_imported_person_takes_an_open_ended_restriction),
        cmocka_unit_test(test_imported_person_before_his_restrictions_is_a_citizen),
        cmocka_unit_test(test_two_digit_years_in_a_restriction),
        cmocka_unit_test(test_commented_out_entries_are_not_read),
        cmocka_unit_test(test_substitution_set_expands_to_each_word),
        cmocka_unit_test(test_plural_agents_match),
        cmocka_unit_test(test_braces_replace_the_regular_plural),
        cmocka_unit_test(test_imported_country_entries_keep_sectors_and_places),
    };
    const struct CMUnitTest phoenix[] = {
        cmocka_unit_test(test_phoenix_dictionaries_load),
        cmocka_unit_test(test_imported_country_entries_keep_sectors_and_places),
        cmocka_unit_test(test_phoenix_leaders_on_dates_their_restrictions_cover),
        cmocka_unit_test(test_phoenix_leader_after_his_restrictions_takes_the_default),
    };
    int failed =
        cmocka_run_group_tests_name("extract_import", made_up, made_up_setup, dict_teardown);
    failed += cmocka_run_group_tests_name("extract_import_phoenix", phoenix, phoenix_setup,
                                          dict_teardown);
    return failed;
}
