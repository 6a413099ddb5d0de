/* test_fetch_robots.c - robots.txt groups, matching, encodings, limits (RFC 9309). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pl_base.h"
#include "robots.h"

static struct robots *parse(const char *body, const char *agent)
{
    return robots_parse(body, strlen(body), agent);
}

/* Checks a list of "path" -> allowed expectations, naming the first that fails. */
struct expect {
    const char *path;
    bool allowed;
};

static void check(const struct robots *r, const struct expect *e, size_t n, const char *who)
{
    for (size_t i = 0; i < n; i++)
        if (robots_allowed(r, e[i].path) != e[i].allowed)
            fail_msg("%s: \"%s\" should be %s", who, e[i].path,
                     e[i].allowed ? "allowed" : "disallowed");
}

#define CHECK(r, who, ...)                                                                         \
    do {                                                                                           \
        const struct expect e_[] = {__VA_ARGS__};                                                  \
        check((r), e_, sizeof e_ / sizeof e_[0], (who));                                           \
    } while (0)

/* RFC 9309 section 5.1. */
static const char rfc_simple[] = "User-Agent: *\n"
                                 "Disallow: *.gif$\n"
                                 "Disallow: /example/\n"
                                 "Allow: /publications/\n"
                                 "\n"
                                 "User-Agent: foobot\n"
                                 "Disallow:/\n"
                                 "Allow:/example/page.html\n"
                                 "Allow:/example/allowed.gif\n"
                                 "\n"
                                 "User-Agent: barbot\n"
                                 "User-Agent: bazbot\n"
                                 "Disallow: /example/page.html\n"
                                 "\n"
                                 "User-Agent: quxbot\n";

static void test_rfc9309_simple_example(void **state)
{
    (void)state;
    struct robots *r = parse(rfc_simple, "foobot");
    CHECK(r, "foobot", {"/example/page.html", true}, {"/example/allowed.gif", true}, {"/", false},
          {"/example/", false}, {"/publications/", false}, {"/x.gif", false});
    robots_free(&r);
    assert_null(r);

    const char *const shared[] = {"barbot", "bazbot", "BazBot/2.0"};
    for (size_t i = 0; i < 3; i++) {
        r = parse(rfc_simple, shared[i]);
        CHECK(r, shared[i], {"/example/page.html", false}, {"/example/other.html", true},
              {"/x.gif", true}, {"/", true});
        robots_free(&r);
    }

    r = parse(rfc_simple, "quxbot"); /* an empty group of our own beats "*" */
    CHECK(r, "quxbot", {"/x.gif", true}, {"/example/", true}, {"/", true});
    robots_free(&r);

    r = parse(rfc_simple, "otherbot");
    CHECK(r, "otherbot", {"/x.gif", false}, {"/a/b/c.gif", false}, {"/x.gif?v=1", true},
          {"/example/", false}, {"/example/a", false}, {"/example", true}, {"/publications/", true},
          {"/", true});
    robots_free(&r);
}

/* RFC 9309 section 5.2. */
static void test_rfc9309_longest_match(void **state)
{
    (void)state;
    struct robots *r = parse("User-Agent: foobot\n"
                             "Allow: /example/page/\n"
                             "Disallow: /example/page/disallowed.gif\n",
                             "foobot");
    CHECK(r, "foobot", {"/example/page/", true}, {"/example/page/ok.gif", true},
          {"/example/page/disallowed.gif", false}, {"/example/page/disallowed.gifs", false});
    robots_free(&r);
}

static void test_agent_groups_match_our_token_else_star(void **state)
{
    (void)state;
    static const char *const naming_us[] = {
        "User-agent: parley\nDisallow: /\n",
        "User-agent: PARLEY\nDisallow: /\n",
        "User-agent: Parley/2.1\nDisallow: /\n",
        "User-agent: Mozilla/5.0 (compatible; parley)\nDisallow: /\n",
        "User-agent: other\nUser-agent: parley\nDisallow: /\n",
    };
    for (size_t i = 0; i < sizeof naming_us / sizeof naming_us[0]; i++) {
        struct robots *r = parse(naming_us[i], "parley/0.3");
        if (robots_allowed(r, "/news"))
            fail_msg("case %zu: our group was not applied", i);
        robots_free(&r);
    }
    static const char *const not_us[] = {
        "User-agent: parleybot\nDisallow: /\n",
        "User-agent: notparley\nDisallow: /\n",
        "User-agent: parley-news\nDisallow: /\n",
        "User-agent: par\nDisallow: /\n",
        "Disallow: /\n", /* a rule outside any group */
    };
    for (size_t i = 0; i < sizeof not_us / sizeof not_us[0]; i++) {
        struct robots *r = parse(not_us[i], "parley");
        if (!robots_allowed(r, "/news"))
            fail_msg("case %zu: another agent's rules were applied", i);
        robots_free(&r);
    }

    /* Our group replaces "*" entirely: nothing of it is inherited. */
    static const char both[] = "User-agent: *\nDisallow: /private/\n\n"
                               "User-agent: parley\nDisallow: /drafts/\n";
    struct robots *r = parse(both, "parley");
    CHECK(r, "parley", {"/private/x", true}, {"/drafts/x", false});
    robots_free(&r);
    r = parse(both, "someone");
    CHECK(r, "someone", {"/private/x", false}, {"/drafts/x", true});
    robots_free(&r);
}

static void test_groups_for_our_agent_are_merged(void **state)
{
    (void)state;
    struct robots *r = parse("User-agent: parley\n"
                             "Disallow: /a/\n"
                             "\n"
                             "User-agent: *\n"
                             "Disallow: /b/\n"
                             "\n"
                             "User-agent: Parley\n"
                             "Disallow: /c/\n"
                             "Allow: /a/open/\n"
                             "User-agent: other\n" /* a new group starts after a rule */
                             "Disallow: /d/\n",
                             "parley");
    CHECK(r, "merged", {"/a/x", false}, {"/a/open/x", true}, {"/b/x", true}, {"/c/x", false},
          {"/d/x", true});
    robots_free(&r);
}

static void test_longest_match_wins_and_allow_wins_a_tie(void **state)
{
    (void)state;
    struct robots *r = parse("User-agent: *\n"
                             "Disallow: /a\n"
                             "Allow: /a\n"
                             "Allow: /b\n"
                             "Disallow: /b/c\n"
                             "Disallow: /d/\n"
                             "Allow: /d/*.html\n"
                             "Disallow: /d/secret*.html\n"
                             "Disallow: /\n"
                             "Allow: /$\n",
                             "parley");
    CHECK(r, "*", {"/a", true}, {"/a/x", true}, {"/b/x", true}, {"/b/c", false}, {"/b/c/d", false},
          {"/d/x", false}, {"/d/x.html", true}, {"/d/secret-plan.html", false}, {"/", true},
          {"/e", false});
    robots_free(&r);
}

static void test_wildcards_and_end_anchor(void **state)
{
    (void)state;
    struct robots *r = parse("User-agent: *\n"
                             "Disallow: /*.pdf$\n"
                             "Disallow: /private*/data\n"
                             "Disallow: /fish*\n"
                             "Disallow: /exact$\n"
                             "Disallow: /q?*sid=\n"
                             "Disallow: /cost$5\n"
                             "Disallow: page.html\n",
                             "parley");
    CHECK(r, "*", {"/a.pdf", false}, {"/x/y/b.pdf", false}, {"/a.pdf?x=1", true}, {"/a.PDF", true},
          {"/private/data", false}, {"/private-2/x/data", false}, {"/private/dat", true},
          {"/fish", false}, {"/fishes/x", false}, {"/Fish", true}, {"/exact", false},
          {"/exact/", true}, {"/exactly", true}, {"/q?a=1&sid=2", false}, {"/q?a=1", true},
          {"/cost$5", false}, {"/cost5", true}, {"/page.html", false});
    robots_free(&r);
}

static void test_empty_disallow_and_empty_bodies_allow_everything(void **state)
{
    (void)state;
    struct robots *r = parse("User-agent: *\nDisallow:\n", "parley");
    CHECK(r, "empty disallow", {"/", true}, {"/anything", true});
    robots_free(&r);
    r = parse("User-agent: parley\nDisallow: \n\nUser-agent: *\nDisallow: /\n", "parley");
    CHECK(r, "ours empty", {"/anything", true});
    robots_free(&r);
    r = robots_parse("", 0, "parley");
    CHECK(r, "empty body", {"/", true}, {"", true}, {"/x", true});
    assert_int_equal(robots_crawl_delay_ms(r), 0);
    robots_free(&r);
    r = robots_parse(NULL, 0, "parley");
    CHECK(r, "NULL body", {"/x", true});
    robots_free(&r);
}

static void test_comments_field_case_and_line_ends(void **state)
{
    (void)state;
    /* a BOM, CR line ends, CRLF, upper-case fields, comments, lines without a colon */
    static const char body[] = "\xef\xbb\xbfUSER-AGENT: parley # us\r"
                               "this line has no colon\r\n"
                               "# Disallow: /commented\n"
                               "disallow: /x # trailing comment\r\n"
                               "  DisAllow :   /y  \n"
                               "Sitemap: https://example.com/sitemap.xml\n"
                               "Allow: /x/ok\r"
                               "Disallow: /z#not-part";
    struct robots *r = parse(body, "parley");
    CHECK(r, "parley", {"/commented", true}, {"/x", false}, {"/x/ok", true}, {"/y", false},
          {"/yes", false}, {"/z", false}, {"/w", true});
    robots_free(&r);
}

static void test_percent_encoding_compares_consistently(void **state)
{
    (void)state;
    struct robots *r = parse("User-agent: *\n"
                             "Disallow: /foo/bar?baz=https://foo.bar\n"
                             "Disallow: /u/\xe3\x83\x84\n"
                             "Disallow: /enc/%E3%83%84\n"
                             "Disallow: /%62%61%7A\n"
                             "Disallow: /path/file-with-a-%2A.html\n"
                             "Disallow: /path/foo-%24\n"
                             "Disallow: /%7euser\n"
                             "Disallow: /caf%c3%a9\n"
                             "Disallow: /with space\n",
                             "parley");
    CHECK(r, "*",
          /* RFC 9309 section 2.2.2 */
          {"/foo/bar?baz=https%3A%2F%2Ffoo.bar", false}, {"/foo/bar?baz=https://foo.bar", false},
          {"/u/%E3%83%84", false}, {"/u/%e3%83%84", false}, {"/u/\xe3\x83\x84", false},
          {"/enc/\xe3\x83\x84", false}, {"/baz", false}, {"/%62az", false},
          /* RFC 9309 section 2.2.3: escaped special characters match them literally */
          {"/path/file-with-a-*.html", false}, {"/path/file-with-a-x.html", true},
          {"/path/foo-$", false}, {"/path/foo-", true},
          /* unreserved characters and case of hex digits */
          {"/~user", false}, {"/%7Euser", false}, {"/caf\xc3\xa9", false}, {"/CAF%C3%A9", true},
          {"/with%20space", false}, {"/with+space", true});
    robots_free(&r);

    /* An escaped '*' in a pattern is a literal star, not a wildcard. */
    r = parse("User-agent: *\nDisallow: /lit%2A$\nDisallow: /wild*$\n", "parley");
    CHECK(r, "*", {"/lit*", false}, {"/lit%2a", false}, {"/litx", true}, {"/lit", true},
          {"/wild", false}, {"/wildx", false});
    robots_free(&r);
}

static void test_crawl_delay(void **state)
{
    (void)state;
    struct robots *r = parse("User-agent: parley\nCrawl-delay: 5\n", "parley");
    assert_int_equal(robots_crawl_delay_ms(r), 5000);
    robots_free(&r);
    r = parse("User-agent: *\ncrawl-delay: 0.5\nDisallow: /x\n", "parley");
    assert_int_equal(robots_crawl_delay_ms(r), 500);
    robots_free(&r);
    r = parse("User-agent: *\nCrawl-delay: 100000000000000000000\n", "parley");
    assert_int_equal(robots_crawl_delay_ms(r), ROBOTS_MAX_DELAY_MS);
    robots_free(&r);
    r = parse("User-agent: *\nCrawl-delay: 60.5\n", "parley");
    assert_int_equal(robots_crawl_delay_ms(r), ROBOTS_MAX_DELAY_MS);
    robots_free(&r);
    /* another group's delay, and values that are not numbers */
    r = parse("User-agent: *\nCrawl-delay: 9\n\nUser-agent: parley\nCrawl-delay: soon\n"
              "Crawl-delay: -3\nCrawl-delay: 1e3\nDisallow: /x\n",
              "parley");
    assert_int_equal(robots_crawl_delay_ms(r), 0);
    robots_free(&r);
    /* merged groups: the largest */
    r = parse("User-agent: parley\nCrawl-delay: 2\n\nUser-agent: parley\nCrawl-delay: 3.25\n",
              "parley");
    assert_int_equal(robots_crawl_delay_ms(r), 3250);
    robots_free(&r);
    r = robots_allow_all();
    assert_int_equal(robots_crawl_delay_ms(r), 0);
    robots_free(&r);
}

static void test_allow_all_deny_all_and_robots_txt(void **state)
{
    (void)state;
    struct robots *r = robots_allow_all();
    CHECK(r, "allow all", {"/", true}, {"/x?y", true});
    robots_free(&r);
    r = robots_deny_all();
    CHECK(r, "deny all", {"/", false}, {"", false}, {"/x?y", false}, {"/robots.txt", true});
    robots_free(&r);
    r = parse("User-agent: *\nDisallow: /\n", "parley");
    CHECK(r, "disallow /", {"/", false}, {"", false}, {"/robots.txt", true},
          {"/robots.txt.bak", false});
    robots_free(&r);
    robots_free(&r); /* r is NULL now: harmless */
    robots_free(NULL);
}

static void test_garbage_allows_everything(void **state)
{
    (void)state;
    static const char binary[] = "\x00\xff\xfe:\x01\x02\n\x80\x81::::\n\x00User-agent: *";
    struct robots *r = robots_parse(binary, sizeof binary - 1, "parley");
    CHECK(r, "binary", {"/", true}, {"/x", true});
    robots_free(&r);
    r = parse("<!DOCTYPE html>\n<html><body><a href=\"/\">Not found</a></body></html>\n", "parley");
    CHECK(r, "html", {"/", true}, {"/x", true});
    robots_free(&r);
    /* fragments of the path are ignored; odd bytes in paths are fine */
    r = parse("User-agent: *\nDisallow: /x\n", "parley");
    CHECK(r, "odd paths", {"/x#frag", false}, {"/y#/x", true}, {"/\x01\x7f\xff", true},
          {"/%", true}, {"/%zz", true});
    robots_free(&r);
}

static void test_pathological_patterns_complete(void **state)
{
    (void)state;
    struct pl_buf body, path;
    pl_buf_init(&body);
    pl_buf_init(&path);
    pl_buf_puts(&body, "User-agent: *\nAllow: /\n");
    for (int i = 0; i < 50; i++)
        pl_buf_puts(&body, "Disallow: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n");
    pl_buf_puts(&body, "Disallow: /*a*a*a*a*a*a*b$\n");
    pl_buf_putc(&path, '/');
    for (int i = 0; i < 20000; i++)
        pl_buf_putc(&path, 'a');
    struct robots *r = robots_parse(body.data, body.len, "parley");
    assert_true(robots_allowed(r, path.data));
    pl_buf_putc(&path, 'b');
    assert_false(robots_allowed(r, path.data));
    robots_free(&r);
    pl_buf_release(&body);
    pl_buf_release(&path);
}

/* A robots.txt of "User-agent: *", "Disallow: /early" and comments, up to exactly fill bytes. */
static void padded_body(struct pl_buf *b, size_t fill)
{
    pl_buf_puts(b, "User-agent: *\nDisallow: /early\n");
    while (b->len + 100 < fill)
        pl_buf_puts(b, "# padding padding padding padding padding padding padding\n");
    while (b->len + 1 < fill)
        pl_buf_putc(b, '#');
    pl_buf_putc(b, '\n');
}

static void test_body_is_capped(void **state)
{
    (void)state;
    struct pl_buf b;
    pl_buf_init(&b);
    padded_body(&b, ROBOTS_MAX_BYTES - 40);
    pl_buf_puts(&b, "Disallow: /edge\n");
    /* This rule straddles the cap, so it is dropped, not cut to "/cutaaaaaaaaaa". */
    pl_buf_puts(&b, "Disallow: /cut");
    assert_int_equal(b.len, ROBOTS_MAX_BYTES - 10);
    while (b.len < ROBOTS_MAX_BYTES + 10)
        pl_buf_putc(&b, 'a');
    pl_buf_puts(&b, "\nDisallow: /late\n");
    struct robots *r = robots_parse(b.data, b.len, "parley");
    CHECK(r, "capped", {"/early", false}, {"/edge", false}, {"/cutaaaaaaaaaa", true},
          {"/cutaaaaaaaaaaaaaaaaaaaaaaaa", true}, {"/late", true}, {"/other", true});
    robots_free(&r);

    /* A rule that ends exactly at the cap is whole, and kept. */
    pl_buf_clear(&b);
    padded_body(&b, ROBOTS_MAX_BYTES - 16);
    pl_buf_puts(&b, "Disallow: /last");
    assert_int_equal(b.len, ROBOTS_MAX_BYTES - 1);
    pl_buf_puts(&b, "z\nDisallow: /late\n");
    r = robots_parse(b.data, b.len, "parley");
    CHECK(r, "at the cap", {"/early", false}, {"/lastz", false}, {"/last", true}, {"/late", true});
    robots_free(&r);
    pl_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9309_simple_example),
        cmocka_unit_test(test_rfc9309_longest_match),
        cmocka_unit_test(test_agent_groups_match_our_token_else_star),
        cmocka_unit_test(test_groups_for_our_agent_are_merged),
        cmocka_unit_test(test_longest_match_wins_and_allow_wins_a_tie),
        cmocka_unit_test(test_wildcards_and_end_anchor),
        cmocka_unit_test(test_empty_disallow_and_empty_bodies_allow_everything),
        cmocka_unit_test(test_comments_field_case_and_line_ends),
        cmocka_unit_test(test_percent_encoding_compares_consistently),
        cmocka_unit_test(test_crawl_delay),
        cmocka_unit_test(test_allow_all_deny_all_and_robots_txt),
        cmocka_unit_test(test_garbage_allows_everything),
        cmocka_unit_test(test_pathological_patterns_complete),
        cmocka_unit_test(test_body_is_capped),
    };
    return cmocka_run_group_tests_name("fetch_robots", tests, NULL, NULL);
}
