/* test_fetch_html.c - html_extract: main text, metadata, charsets, and hostile pages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "pl_base.h"

/* Extracts a NUL-terminated page and checks the invariants every successful result keeps. */
static int s_run(const char *html, const char *ct, const char *url, struct html_page *p)
{
    char why[128] = "";
    int rc = html_extract(html, strlen(html), ct, url, p, why, sizeof why);
    if (rc == 0) {
        assert_non_null(p->text);
        assert_true(pl_utf8_valid(p->text, strlen(p->text), false));
    } else {
        assert_true(why[0] != '\0');
    }
    return rc;
}

static void s_assert_fields_valid(const struct html_page *p)
{
    const char *fields[] = {p->title, p->published, p->outlet, p->canonical, p->lang, p->text};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i])
            assert_true(pl_utf8_valid(fields[i], strlen(fields[i]), false));
}

static const char s_news_page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>Ministers agree ceasefire talks | Daily Planet</title>\n"
    "<meta property=\"og:site_name\" content=\"Daily Planet\">\n"
    "<meta property=\"article:published_time\" content=\"2023-10-23T14:05:00+03:00\">\n"
    "<link rel=\"canonical\" href=\"/world/2023/10/23/ceasefire-talks\">\n"
    "<script>var tracking = \"<p>not text</p>\";</script>\n"
    "<style>p { color: red }</style>\n"
    "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\","
    "\"datePublished\":\"2020-01-01T00:00:00Z\"}</script>\n"
    "</head>\n"
    "<body class=\"page has-sidebar\">\n"
    "<div id=\"cookie-banner\"><p>We use cookies to improve your experience.</p>"
    "<button>Accept</button></div>\n"
    "<header class=\"site-header\"><a href=\"/\">Daily Planet</a><nav><ul>"
    "<li><a href=\"/world\">World</a></li><li><a href=\"/politics\">Politics</a></li>"
    "</ul></nav></header>\n"
    "<div class=\"layout\">\n<main>\n<article class=\"story has-comments\">\n"
    "<header><h1>Ministers agree ceasefire talks</h1><p class=\"byline\">By A. Reporter</p>"
    "<time datetime=\"2023-10-23T11:05:00Z\">23 October</time></header>\n"
    "<div class=\"share-bar\"><a href=\"#\">Share on Facebook</a> <a href=\"#\">Tweet</a></div>\n"
    "<p>Foreign ministers from both countries   agreed on Monday\n to open "
    "<b>ceasefire</b> <a href=\"/t\">talks</a> in Geneva next week.</p>\n"
    "<figure><img src=\"a.jpg\" alt=\"x\"><figcaption>The ministers met in Vienna."
    "</figcaption></figure>\n"
    "<p>The talks will be chaired by the United Nations, officials said.</p>\n"
    "<div class=\"advert ad-slot\"><p>Advertisement: buy our product</p></div>\n"
    "<div style=\"display: none\"><p>Hidden promo text</p></div>\n"
    "<div role=\"complementary\"><p>Read our coverage of the region.</p></div>\n"
    "<h2>Reaction</h2>\n"
    "<p>Opposition leaders called the deal &ldquo;too little, too late&rdquo;.</p>\n"
    "<ul class=\"related-links\"><li><a href=\"/a\">Earlier: talks collapse</a></li>"
    "<li><a href=\"/b\">Analysis: what next</a></li></ul>\n"
    "<div class=\"newsletter\"><p>Sign up for our daily briefing.</p><form><input></form></div>\n"
    "<section id=\"comments\"><h3>Comments</h3><p>Great article!</p></section>\n"
    "</article>\n</main>\n"
    "<aside class=\"sidebar\"><h3>Most read</h3><ol><li><a href=\"/x\">Something else</a></li>"
    "</ol></aside>\n</div>\n"
    "<footer><p>Copyright 2023 Daily Planet</p></footer>\n"
    "<noscript><p>Enable JavaScript</p></noscript>\n"
    "<script>document.write(\"<p>late</p>\");</script>\n"
    "</body></html>\n";

static void test_news_page_keeps_only_article_paragraphs_and_caption(void **state)
{
    (void)state;
    struct html_page p;
    assert_int_equal(s_run(s_news_page, "text/html; charset=utf-8",
                           "https://www.planet.example/world/index.html", &p),
                     0);
    assert_string_equal(p.text,
                        "Foreign ministers from both countries agreed on Monday to open "
                        "ceasefire talks in Geneva next week.\n\n"
                        "The ministers met in Vienna.\n\n"
                        "The talks will be chaired by the United Nations, officials said.\n\n"
                        "Reaction\n\n"
                        "Opposition leaders called the deal \xE2\x80\x9Ctoo little, too "
                        "late\xE2\x80\x9D.");
    assert_string_equal(p.title, "Ministers agree ceasefire talks");
    assert_string_equal(p.outlet, "Daily Planet");
    assert_string_equal(p.published, "2023-10-23T11:05:00Z");
    assert_string_equal(p.canonical, "https://www.planet.example/world/2023/10/23/ceasefire-talks");
    assert_string_equal(p.lang, "en");
    assert_false(p.truncated);
    html_page_release(&p);
    html_page_release(&p); /* twice is fine */
    assert_null(p.text);
}

/* One page per source of the publication time; each gives the time in a different form. */
static void test_published_time_from_each_source_is_normalised(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        const char *body;
        const char *want;
    } cases[] = {
        {"<meta property=\"article:published_time\" content=\"2023-10-23T14:05:00+03:00\">", "",
         "2023-10-23T11:05:00Z"},
        {"<meta property=\"og:published_time\" content=\"2023-10-23T11:05:00.000Z\">", "",
         "2023-10-23T11:05:00Z"},
        {"<meta name=\"pubdate\" content=\"2023-10-23 11:05\">", "", "2023-10-23T11:05:00Z"},
        {"<meta name=\"publishdate\" content=\"2023-10-23\">", "", "2023-10-23"},
        {"<meta name=\"date\" content=\"2023-10-23T23:30:00-05:00\">", "", "2023-10-24T04:30:00Z"},
        {"<meta itemprop=\"datePublished\" content=\"2024-01-01T01:00:00+0200\">", "",
         "2023-12-31T23:00:00Z"},
        {"<meta name=\"DC.date.issued\" content=\"2024-02-29\">", "", "2024-02-29"},
        {"<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@graph\":"
         "[{\"@type\":\"WebPage\",\"name\":\"x\"},{\"@type\":\"NewsArticle\",\"headline\":\"y\","
         "\"datePublished\" : \"2023-10-23T14:05:00+01:00\"}]}</script>",
         "", "2023-10-23T13:05:00Z"},
        {"<script type=\"application/ld+json\">[{\"@type\":\"NewsArticle\",\"datePublished\":"
         "\"2023-10-23T08:00:00+00:00\"}]</script>",
         "", "2023-10-23T08:00:00Z"},
        /* The content's <time> beats an earlier one in the page furniture. */
        {"",
         "<div class=\"ticker\"><time datetime=\"2020-05-05\">today</time></div>"
         "<article><time datetime=\"2023-10-23T09:00:00+02:00\">9am</time>",
         "2023-10-23T07:00:00Z"},
        /* With no <time> in the content, the page's first one. */
        {"", "<div class=\"ticker\"><time datetime=\"2021-06-07T10:00\">x</time></div><article>",
         "2021-06-07T10:00:00Z"},
        /* article:published_time wins over JSON-LD and <time>. */
        {"<script type=\"application/ld+json\">{\"datePublished\":\"2001-01-01\"}</script>"
         "<meta property=\"article:published_time\" content=\"2023-10-23T10:00:00Z\">",
         "<article><time datetime=\"2002-02-02\">x</time>", "2023-10-23T10:00:00Z"},
        /* Impossible dates fall through to the next source. */
        {"<meta property=\"article:published_time\" content=\"2023-13-01T10:00:00Z\">"
         "<meta name=\"date\" content=\"2023-02-29\">"
         "<script type=\"application/ld+json\">{\"datePublished\":\"2023-10-32\"}</script>",
         "<article><time datetime=\"2023-10-23T24:10:00Z\">x</time>"
         "<time datetime=\"2023-10-22\">y</time>",
         "2023-10-22"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char html[2048];
        int n = snprintf(html, sizeof html,
                         "<html><head><title>T</title>%s</head><body>%s"
                         "<p>Some words of the story itself.</p></body></html>",
                         cases[i].head, cases[i].body);
        assert_true(n > 0 && (size_t)n < sizeof html);
        struct html_page p;
        assert_int_equal(s_run(html, NULL, NULL, &p), 0);
        if (!p.published || strcmp(p.published, cases[i].want) != 0)
            fail_msg("case %zu: got %s, want %s", i, p.published ? p.published : "NULL",
                     cases[i].want);
        html_page_release(&p);
    }
    struct html_page p;
    assert_int_equal(s_run("<html><body><p>No date at all.</p></body></html>", NULL, NULL, &p), 0);
    assert_null(p.published);
    html_page_release(&p);
}

static void test_title_outlet_and_suffix(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        const char *body;
        const char *title;
        const char *outlet;
    } cases[] = {
        {"<title>Budget passes | The Courier</title>"
         "<meta property=\"og:site_name\" content=\"The Courier\">",
         "", "Budget passes", "The Courier"},
        {"<title>Budget passes - the courier</title>"
         "<meta property=\"og:site_name\" content=\"The Courier\">",
         "", "Budget passes", "The Courier"},
        {"<title>Budget passes \xE2\x80\x94 Courier Online</title>"
         "<meta name=\"application-name\" content=\"Courier Online\">",
         "", "Budget passes", "Courier Online"},
        /* The suffix stays when it is not the outlet. */
        {"<title>Budget passes - what it means</title>"
         "<meta property=\"og:site_name\" content=\"The Courier\">",
         "", "Budget passes - what it means", "The Courier"},
        {"<title>Budget passes | The Courier</title>", "", "Budget passes | The Courier", NULL},
        /* og:title first, whitespace collapsed. */
        {"<meta property=\"og:title\" content=\"  Budget\n passes  \"><title>Other | X</title>", "",
         "Budget passes", NULL},
        /* <h1> when there is nothing else. */
        {"", "<h1>Budget <em>passes</em></h1>", "Budget passes", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char html[1024];
        int n = snprintf(html, sizeof html,
                         "<html><head>%s</head><body>%s<p>The parliament approved the budget "
                         "on Tuesday.</p></body></html>",
                         cases[i].head, cases[i].body);
        assert_true(n > 0 && (size_t)n < sizeof html);
        struct html_page p;
        assert_int_equal(s_run(html, NULL, NULL, &p), 0);
        assert_non_null(p.title);
        if (strcmp(p.title, cases[i].title) != 0)
            fail_msg("case %zu: title '%s'", i, p.title);
        if (cases[i].outlet)
            assert_string_equal(p.outlet, cases[i].outlet);
        else
            assert_null(p.outlet);
        html_page_release(&p);
    }
    struct html_page p;
    assert_int_equal(s_run("<html><body><p>Untitled text.</p></body></html>", NULL, NULL, &p), 0);
    assert_null(p.title);
    assert_null(p.lang);
    assert_null(p.canonical);
    html_page_release(&p);
}

static void test_first_paragraph_equal_to_title_is_dropped(void **state)
{
    (void)state;
    struct html_page p;
    assert_int_equal(s_run("<html><head><title>Storm hits coast | Gazette</title>"
                           "<meta property=\"og:site_name\" content=\"Gazette\"></head><body>"
                           "<article><h1>Storm  hits coast</h1><p>Winds reached 150 km/h.</p>"
                           "<p>Storm hits coast</p></article></body></html>",
                           NULL, NULL, &p),
                     0);
    assert_string_equal(p.title, "Storm hits coast");
    /* Only the first paragraph counts as a repeated title. */
    assert_string_equal(p.text, "Winds reached 150 km/h.\n\nStorm hits coast");
    html_page_release(&p);
}

static void test_canonical_is_resolved_against_the_page_url(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        const char *url;
        const char *want; /* NULL: no canonical */
    } cases[] = {
        {"<link rel=\"canonical\" href=\"/news/a?id=7\">", "https://example.com/section/page.html",
         "https://example.com/news/a?id=7"},
        {"<link rel=\"Canonical\" href=\"../b.html\">", "http://example.com/x/y/z.html",
         "http://example.com/x/b.html"},
        {"<link rel=\"canonical\" href=\"https://other.example/c\">", NULL,
         "https://other.example/c"},
        {"<meta property=\"og:url\" content=\"/from-og\">", "https://example.com/p",
         "https://example.com/from-og"},
        {"<base href=\"https://cdn.example/base/\"><link rel=\"canonical\" href=\"d\">",
         "https://example.com/p", "https://cdn.example/base/d"},
        {"<link rel=\"canonical\" href=\"/a b\">", "https://example.com/",
         "https://example.com/a%20b"},
        {"<link rel=\"canonical\" href=\"/relative\">", NULL, NULL},
        {"<link rel=\"canonical\" href=\"javascript:alert(1)\">", "https://example.com/", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char html[512];
        int n = snprintf(html, sizeof html, "<html><head>%s</head><body><p>x</p></body></html>",
                         cases[i].head);
        assert_true(n > 0 && (size_t)n < sizeof html);
        struct html_page p;
        assert_int_equal(s_run(html, NULL, cases[i].url, &p), 0);
        if (cases[i].want == NULL) {
            assert_null(p.canonical);
        } else if (!p.canonical || strcmp(p.canonical, cases[i].want) != 0) {
            fail_msg("case %zu: got %s", i, p.canonical ? p.canonical : "NULL");
        }
        html_page_release(&p);
    }
}

/* Declared only in the header; the page's own <meta> lies, and the header wins. */
static const char s_cp1251_page[] =
    "<html lang=\"ru\"><head><meta charset=\"utf-8\">"
    "<title>\xcf\xe5\xf0\xe5\xe3\xee\xe2\xee\xf0\xfb \xe2 \xc6\xe5\xed\xe5\xe2\xe5</title>"
    "<meta property=\"og:site_name\" content=\"\xc2\xe5\xe4\xee\xec\xee\xf1\xf2\xe8\">"
    "</head><body><article>"
    "<p>\xcc\xee\xf1\xea\xe2\xe0 \xe8 \xca\xe8\xe5\xe2 \xe4\xee\xe3\xee\xe2\xee\xf0\xe8\xeb\xe8"
    "\xf1\xfc \xed\xe0\xf7\xe0\xf2\xfc \xef\xe5\xf0\xe5\xe3\xee\xe2\xee\xf0\xfb \xe2 \xc6\xe5"
    "\xed\xe5\xe2\xe5.</p>"
    "<p>\xc2\xf2\xee\xf0\xee\xe9 \xe0\xe1\xe7\xe0\xf6 \xf1\xf2\xe0\xf2\xfc\xe8.</p>"
    "</article></body></html>";

static void test_windows1251_declared_in_content_type(void **state)
{
    (void)state;
    struct html_page p;
    assert_int_equal(s_run(s_cp1251_page, "text/html; charset=windows-1251", NULL, &p), 0);
    assert_string_equal(p.title, "Переговоры в Женеве");
    assert_string_equal(p.outlet, "Ведомости");
    assert_string_equal(p.text, "Москва и Киев договорились начать переговоры в Женеве.\n\n"
                                "Второй абзац статьи.");
    assert_string_equal(p.lang, "ru");
    html_page_release(&p);
    /* The quoted and differently spelled label works too. */
    assert_int_equal(s_run(s_cp1251_page, "text/html;charset=\"CP1251\"", NULL, &p), 0);
    assert_string_equal(p.title, "Переговоры в Женеве");
    html_page_release(&p);
}

static void test_undefined_byte_in_legacy_charset_costs_one_character(void **state)
{
    (void)state;
    /* 0x98 has no character in windows-1251; libxml2's own converter would drop the page. */
    struct html_page p;
    assert_int_equal(s_run("<html><body><p>\xc0\x98\xc1</p><p>\xc2\xc3</p></body></html>",
                           "text/html; charset=windows-1251", NULL, &p),
                     0);
    assert_string_equal(p.text, "А\xEF\xBF\xBD"
                                "Б\n\nВГ");
    html_page_release(&p);
}

static void test_latin1_declared_in_meta(void **state)
{
    (void)state;
    struct html_page p;
    /* The <title> comes before the <meta>, which libxml2 alone would then ignore. 0x93 and
     * 0x94 are windows-1252 quotes, which is how browsers read ISO-8859-1 too. */
    assert_int_equal(s_run("<html><head><title>Caf\xe9 news</title>"
                           "<meta http-equiv=\"Content-Type\" content=\"text/html; "
                           "charset=ISO-8859-1\"></head><body>"
                           "<p>Cr\xe8me br\xfbl\xe9"
                           "e, \x93quoted\x94 &#150; na\xefve.</p>"
                           "</body></html>",
                           "text/html", NULL, &p),
                     0);
    assert_string_equal(p.title, "Café news");
    assert_string_equal(p.text, "Crème brûlée, “quoted” – naïve.");
    html_page_release(&p);

    /* Bytes that are also valid UTF-8: only the <meta> says they are Latin-1. */
    assert_int_equal(s_run("<html><head><meta charset=\"iso-8859-1\"></head><body>"
                           "<p>\xc3\xa9t\xc3\xa9</p></body></html>",
                           NULL, NULL, &p),
                     0);
    assert_string_equal(p.text, "\xc3\x83\xc2\xa9t\xc3\x83\xc2\xa9");
    html_page_release(&p);

    assert_int_equal(s_run("<html><head><meta charset=\"koi8-r\"></head><body>"
                           "<p>\xee\xcf\xd7\xcf\xd3\xd4\xc9 \xc4\xce\xd1</p></body></html>",
                           NULL, NULL, &p),
                     0);
    assert_string_equal(p.text, "Новости дня");
    html_page_release(&p);
}

static void test_unknown_or_missing_charset_falls_back(void **state)
{
    (void)state;
    struct html_page p;
    /* Unknown label, UTF-8 bytes: read as UTF-8. */
    assert_int_equal(s_run("<html><body><p>Zürich – Genève</p></body></html>",
                           "text/html; charset=x-no-such-charset", NULL, &p),
                     0);
    assert_string_equal(p.text, "Zürich – Genève");
    html_page_release(&p);
    /* Unknown label in a <meta>, bytes that are not UTF-8: read as Latin-1. */
    assert_int_equal(s_run("<html><head><meta charset=\"bogus\"></head><body><p>Z\xfcrich</p>"
                           "</body></html>",
                           NULL, NULL, &p),
                     0);
    assert_string_equal(p.text, "Zürich");
    html_page_release(&p);
    /* A UTF-8 byte order mark beats the header. */
    assert_int_equal(
        s_run("\xEF\xBB\xBF<p>Gen\xC3\xA8ve</p>", "text/html; charset=windows-1251", NULL, &p), 0);
    assert_string_equal(p.text, "Genève");
    html_page_release(&p);
}

static void test_density_picks_the_story_block_without_article(void **state)
{
    (void)state;
    struct html_page p;
    assert_int_equal(
        s_run("<html><head><title>Flood warning issued</title></head><body>"
              "<div id=\"top\"><a href=\"/\">Home</a> <a href=\"/news\">News</a></div>"
              "<div class=\"col-left\">"
              "<div class=\"teaser\"><a href=\"/1\">Story one</a><p>Short teaser text for the "
              "first story.</p></div>"
              "<div class=\"teaser\"><a href=\"/2\">Story two</a><p>Short teaser text for the "
              "second story.</p></div></div>"
              "<div class=\"col-main\"><div class=\"story-text\">"
              "<p>Heavy rain has caused the river to burst its banks in three places, the "
              "authorities said.</p>"
              "<p>Residents of low-lying areas were told to move to higher ground.</p>"
              "</div><div class=\"inline-box\"><a href=\"/x\">More stories from the region and "
              "elsewhere in the world today</a></div>"
              "<div class=\"story-text\"><p>The weather service expects more rain over the "
              "next two days.</p><ul><li><a href=\"/y\">Flood map</a></li>"
              "<li><a href=\"/z\">How to prepare for a flood</a></li></ul></div></div>"
              "</body></html>",
              NULL, NULL, &p),
        0);
    assert_string_equal(p.text,
                        "Heavy rain has caused the river to burst its banks in three places, the "
                        "authorities said.\n\n"
                        "Residents of low-lying areas were told to move to higher ground.\n\n"
                        "The weather service expects more rain over the next two days.");
    html_page_release(&p);
}

static void test_article_element_is_preferred_over_the_densest_block(void **state)
{
    (void)state;
    /* Density alone would take only the long middle block; the <article> holds all of it. */
    struct html_page p;
    assert_int_equal(
        s_run("<html><body><div class=\"top\"><a href=\"/\">Home</a></div><article>"
              "<div class=\"lead\"><p>A short lead.</p></div>"
              "<div class=\"text\"><p>The first long paragraph explains what happened in the "
              "capital during the night and who was involved.</p>"
              "<p>The second long paragraph gives the reaction of the government and of the "
              "opposition parties in parliament.</p>"
              "<p>The third long paragraph looks at what may happen next week when talks "
              "resume in the neighbouring country.</p></div>"
              "<blockquote>We will not give up, she said.</blockquote></article>"
              "<div class=\"more\"><p>Unrelated text outside the article.</p></div>"
              "</body></html>",
              NULL, NULL, &p),
        0);
    assert_string_equal(p.text,
                        "A short lead.\n\n"
                        "The first long paragraph explains what happened in the capital during "
                        "the night and who was involved.\n\n"
                        "The second long paragraph gives the reaction of the government and of "
                        "the opposition parties in parliament.\n\n"
                        "The third long paragraph looks at what may happen next week when talks "
                        "resume in the neighbouring country.\n\n"
                        "We will not give up, she said.");
    html_page_release(&p);
}

static void test_wrapper_named_like_boilerplate_does_not_hide_the_text(void **state)
{
    (void)state;
    struct html_page p;
    /* Everything sits inside a wrapper whose class says "sidebar": the class rules are
     * dropped rather than returning nothing. */
    assert_int_equal(s_run("<html><body><div class=\"wrapper with-sidebar\"><nav>Menu</nav>"
                           "<div class=\"content\"><p>The only story on the page.</p></div>"
                           "</div></body></html>",
                           NULL, NULL, &p),
                     0);
    assert_string_equal(p.text, "The only story on the page.");
    html_page_release(&p);
    /* An ASP.NET page: one <form> around everything. */
    assert_int_equal(s_run("<html><body><form id=\"aspnetForm\" action=\"/\"><div>"
                           "<p>Council approves new budget.</p></div></form></body></html>",
                           NULL, NULL, &p),
                     0);
    assert_string_equal(p.text, "Council approves new budget.");
    html_page_release(&p);
}

static void test_br_separated_text_in_table_layout(void **state)
{
    (void)state;
    struct html_page p;
    assert_int_equal(s_run("<html><body><table><tr><td class=\"menu\"><a href=\"/\">Home</a>"
                           "</td><td>First paragraph of the story.<br><br>Second paragraph"
                           "<br>goes on here.</td></tr></table></body></html>",
                           NULL, NULL, &p),
                     0);
    assert_string_equal(p.text, "First paragraph of the story.\n\nSecond paragraph goes on here.");
    html_page_release(&p);
}

static void test_garbage_never_crashes(void **state)
{
    (void)state;
    struct html_page p;
    char why[128];
    assert_int_equal(html_extract("", 0, NULL, NULL, &p, why, sizeof why), -1);
    assert_string_equal(why, "empty body");
    assert_int_equal(html_extract(NULL, 10, NULL, NULL, &p, NULL, 0), -1);
    html_page_release(&p); /* a failed call leaves it zeroed */
    assert_int_equal(html_extract("\x89PNG\r\n\x1a\n", 8, NULL, NULL, &p, why, sizeof why), -1);
    assert_int_equal(s_run("<html><body><p>x</p></body></html>", "image/png", NULL, &p), -1);
    static const char pdf[] = "%PDF-1.7\n<< /Type /Catalog >>";
    assert_int_equal(html_extract(pdf, sizeof pdf - 1, NULL, NULL, &p, why, sizeof why), -1);
    assert_string_equal(why, "binary data, not HTML");
    assert_int_equal(s_run("just words, no markup", "text/html", NULL, &p), -1);

    /* NUL bytes inside an otherwise fine page. */
    static const char nul_page[] = "<html><body><p>Hello\0 world</p><p>Second\0paragraph</p>"
                                   "</body></html>";
    assert_int_equal(html_extract(nul_page, sizeof nul_page - 1, NULL, NULL, &p, why, sizeof why),
                     0);
    assert_string_equal(p.text, "Hello world\n\nSecond paragraph");
    html_page_release(&p);

    assert_int_equal(s_run("<html><body><p>Some text<a href=\"x", NULL, NULL, &p), 0);
    assert_string_equal(p.text, "Some text");
    html_page_release(&p);
    assert_int_equal(s_run("<script>alert('<p>hi</p>')</script>", NULL, NULL, &p), 0);
    assert_string_equal(p.text, "");
    html_page_release(&p);
    assert_int_equal(s_run("<<<>>><!--", NULL, NULL, &p), 0);
    html_page_release(&p);

    /* Random bytes are refused as binary when no wide charset is declared. */
    char noise[4096];
    uint32_t seed = 777;
    for (size_t i = 0; i < sizeof noise; i++) {
        seed = seed * 1103515245u + 12345u;
        noise[i] = (char)(seed >> 16);
    }
    noise[0] = '<';
    assert_int_equal(html_extract(noise, sizeof noise, "text/html", NULL, &p, why, sizeof why), -1);
    assert_string_equal(why, "binary data, not HTML");

    /* Random bytes, and random tag soup, under several declared charsets. */
    static const char *const cts[] = {NULL, "text/html", "text/html; charset=windows-1251",
                                      "text/html; charset=utf-16", "text/html; charset=shift_jis"};
    static const char *const soup[] = {"<div>",      "</div>",     "<p>",
                                       "</p>",       "<a href=\"", "\"",
                                       "&amp;",      "&#",         "\xff",
                                       "\xc3",       "<script>",   "</script>",
                                       "<!--",       "-->",        "<meta charset=",
                                       "koi8-r",     "<br>",       "<time datetime=\"",
                                       "2023-10-23", "<article>",  " ",
                                       "x",          "<title>",    "\0",
                                       "<![CDATA[",  "<table><td>"};
    seed = 12345;
    for (int round = 0; round < 200; round++) {
        size_t len = (size_t)(round * 97 % 5000) + 1;
        struct pl_buf b;
        pl_buf_init(&b);
        while (b.len < len) {
            seed = seed * 1103515245u + 12345u;
            if (round % 2) {
                const char *t = soup[(seed >> 16) % (sizeof soup / sizeof soup[0])];
                pl_buf_append(&b, t, t[0] ? strlen(t) : 1);
            } else {
                char c = (char)(seed >> 16);
                pl_buf_append(&b, &c, 1);
            }
        }
        int rc = html_extract(b.data, b.len, cts[round % 5], "https://example.com/", &p, why,
                              sizeof why);
        if (rc == 0) {
            assert_non_null(p.text);
            s_assert_fields_valid(&p);
        }
        html_page_release(&p);
        pl_buf_release(&b);
    }
}

static void test_twenty_megabyte_page_completes(void **state)
{
    (void)state;
    struct pl_buf b;
    pl_buf_init(&b);
    pl_buf_puts(&b, "<html><head><title>Big</title></head><body><div class=\"menu\">"
                    "<a href=\"/\">Home</a></div><article>");
    size_t paras = 0;
    while (b.len < 20u * 1024 * 1024) {
        pl_buf_printf(&b,
                      "<p>Paragraph %zu: the committee <b>debated</b> the <a href=\"/l\">bill"
                      "</a> for another hour &amp; then adjourned.</p>\n",
                      paras);
        if (++paras % 1000 == 0)
            pl_buf_puts(&b, "<div class=\"ad\"><p>Advertisement</p></div>");
    }
    pl_buf_puts(&b, "</article></body></html>");
    struct html_page p;
    char why[128];
    assert_int_equal(html_extract(b.data, b.len, "text/html", NULL, &p, why, sizeof why), 0);
    size_t found = 1; /* a plain loop: sanitizers make each strstr call scan the rest */
    for (const char *q = p.text; *q; q++)
        if (q[0] == '\n' && q[1] == '\n')
            found++;
    assert_int_equal(found, paras); /* every paragraph, nothing else */
    static const char head[] = "Paragraph 0: the committee debated the bill for another hour & "
                               "then adjourned.\n\nParagraph 1:";
    assert_memory_equal(p.text, head, sizeof head - 1);
    assert_null(strstr(p.text, "Advertisement"));
    assert_null(strstr(p.text, "Home"));
    assert_true(pl_utf8_valid(p.text, strlen(p.text), false));
    html_page_release(&p);
    pl_buf_release(&b);
}

static void s_nested(struct pl_buf *b, size_t depth)
{
    pl_buf_puts(b, "<html><body><p>Before the deep part.</p>");
    for (size_t i = 0; i < depth; i++)
        pl_buf_puts(b, "<div>");
    pl_buf_puts(b, "Deep text.");
    for (size_t i = 0; i < depth; i++)
        pl_buf_puts(b, "</div>");
    pl_buf_puts(b, "</body></html>");
}

static void test_deep_nesting_does_not_crash(void **state)
{
    (void)state;
    struct pl_buf b;
    pl_buf_init(&b);
    struct html_page p;
    char why[128];

    s_nested(&b, 200); /* within libxml2's limit: everything */
    assert_int_equal(html_extract(b.data, b.len, NULL, NULL, &p, why, sizeof why), 0);
    assert_false(p.truncated);
    assert_non_null(strstr(p.text, "Before the deep part."));
    assert_non_null(strstr(p.text, "Deep text."));
    html_page_release(&p);

    pl_buf_clear(&b);
    s_nested(&b, 100000); /* beyond it: what came before, flagged */
    assert_int_equal(html_extract(b.data, b.len, NULL, NULL, &p, why, sizeof why), 0);
    assert_true(p.truncated);
    assert_non_null(strstr(p.text, "Before the deep part."));
    html_page_release(&p);
    pl_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_news_page_keeps_only_article_paragraphs_and_caption),
        cmocka_unit_test(test_published_time_from_each_source_is_normalised),
        cmocka_unit_test(test_title_outlet_and_suffix),
        cmocka_unit_test(test_first_paragraph_equal_to_title_is_dropped),
        cmocka_unit_test(test_canonical_is_resolved_against_the_page_url),
        cmocka_unit_test(test_windows1251_declared_in_content_type),
        cmocka_unit_test(test_undefined_byte_in_legacy_charset_costs_one_character),
        cmocka_unit_test(test_latin1_declared_in_meta),
        cmocka_unit_test(test_unknown_or_missing_charset_falls_back),
        cmocka_unit_test(test_density_picks_the_story_block_without_article),
        cmocka_unit_test(test_article_element_is_preferred_over_the_densest_block),
        cmocka_unit_test(test_wrapper_named_like_boilerplate_does_not_hide_the_text),
        cmocka_unit_test(test_br_separated_text_in_table_layout),
        cmocka_unit_test(test_garbage_never_crashes),
        cmocka_unit_test(test_twenty_megabyte_page_completes),
        cmocka_unit_test(test_deep_nesting_does_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
