/* test_fetch_feed.c - RSS 2.0, RSS 1.0 and Atom parsing, hostile documents, and dates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed.h"
#include "pl_base.h"

/* Parses a NUL-terminated document and fails the test when that fails. */
static void parse_ok(const char *doc, const char *base, struct feed *f)
{
    char why[256];
    int rc = feed_parse(doc, strlen(doc), base, f, why, sizeof why);
    if (rc != 0)
        fail_msg("feed_parse failed: %s", why);
}

/* Parses a document that must be refused, and returns the reason. */
static const char *parse_fails(const char *doc, size_t len, char *why, size_t whylen)
{
    struct feed f;
    int rc = feed_parse(doc, len, NULL, &f, why, whylen);
    assert_int_equal(rc, -1);
    assert_null(f.items);
    assert_int_equal(f.n_items, 0);
    assert_null(f.title);
    return why;
}

static void assert_str_or_null(const char *got, const char *want)
{
    if (!want)
        assert_null(got);
    else if (!got)
        fail_msg("got NULL, wanted \"%s\"", want);
    else
        assert_string_equal(got, want);
}

static void assert_item(const struct feed_item *it, const char *link, const char *title,
                        const char *published, const char *id)
{
    assert_str_or_null(it->link, link);
    assert_str_or_null(it->title, title);
    assert_str_or_null(it->published, published);
    assert_str_or_null(it->id, id);
}

static void test_rss2_items_in_order_with_dates_in_many_zones(void **state)
{
    (void)state;
    static const char doc[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
                              "     xmlns:atom=\"http://www.w3.org/2005/Atom\">\n"
                              "<channel>\n"
                              "  <title>  World\n     News </title>\n"
                              "  <link>https://news.example/</link>\n"
                              "  <atom:link href=\"https://news.example/rss\" rel=\"self\"/>\n"
                              "  <item>\n"
                              "    <title><![CDATA[Talks resume in Geneva]]></title>\n"
                              "    <link>\n       https://news.example/a/1\n    </link>\n"
                              "    <guid isPermaLink=\"false\"> id-1 </guid>\n"
                              "    <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>\n"
                              "  </item>\n"
                              "  <item>\n"
                              "    <title>Second &amp; more</title>\n"
                              "    <link>/a/2?x=1&amp;y=2</link>\n"
                              "    <pubDate>Mon, 02 Jun 2025 23:30:00 EST</pubDate>\n"
                              "  </item>\n"
                              "  <item>\n"
                              "    <title>Third</title>\n"
                              "    <link>b/3</link>\n"
                              "    <pubDate>2 Jun 25 10:00 +0530</pubDate>\n"
                              "  </item>\n"
                              "  <item>\n"
                              "    <link>https://news.example/a/4</link>\n"
                              "    <pubDate>Sun, 01 Jun 2025 17:00:00 PDT</pubDate>\n"
                              "    <dc:date>1999-01-01T00:00:00Z</dc:date>\n"
                              "  </item>\n"
                              "  <item>\n"
                              "    <link>https://news.example/a/5</link>\n"
                              "    <dc:date>2025-06-01T12:00:00+02:00</dc:date>\n"
                              "  </item>\n"
                              "  <item>\n"
                              "    <link>https://news.example/a/6</link>\n"
                              "    <pubDate>yesterday</pubDate>\n"
                              "  </item>\n"
                              "</channel>\n"
                              "</rss>\n";
    struct feed f;
    parse_ok(doc, "https://news.example/rss/world.xml", &f);
    assert_string_equal(f.title, "World News");
    assert_int_equal(f.n_items, 6);
    assert_item(&f.items[0], "https://news.example/a/1", "Talks resume in Geneva",
                "2003-06-10T04:00:00Z", "id-1");
    assert_item(&f.items[1], "https://news.example/a/2?x=1&y=2", "Second & more",
                "2025-06-03T04:30:00Z", NULL);
    assert_item(&f.items[2], "https://news.example/rss/b/3", "Third", "2025-06-02T04:30:00Z", NULL);
    /* pubDate wins over dc:date */
    assert_item(&f.items[3], "https://news.example/a/4", NULL, "2025-06-02T00:00:00Z", NULL);
    assert_item(&f.items[4], "https://news.example/a/5", NULL, "2025-06-01T10:00:00Z", NULL);
    assert_item(&f.items[5], "https://news.example/a/6", NULL, NULL, NULL);
    feed_release(&f);
    assert_null(f.items);
    feed_release(&f); /* twice is harmless */
}

static void test_rss2_items_without_a_usable_link_are_skipped(void **state)
{
    (void)state;
    static const char doc[] =
        "<rss version=\"2.0\"><channel>\n"
        "<item><title>no link at all</title></item>\n"
        "<item><title>guid not a permalink</title><guid isPermaLink=\"false\">urn:x:1</guid>"
        "</item>\n"
        "<item><title>guid permalink</title><guid>https://news.example/g/1</guid></item>\n"
        "<item><title>script</title><link>javascript:alert(1)</link></item>\n"
        "<item><title>mail</title><link>mailto:desk@news.example</link></item>\n"
        "<item><title>ftp</title><link>ftp://news.example/file</link></item>\n"
        "<item><title>no host</title><link>http:///path</link></item>\n"
        "<item><title>blank</title><link>   </link></item>\n"
        "<item><title>fine</title><link>HTTPS://news.example/ok one/\xd0\xb4</link></item>\n"
        "</channel></rss>";
    struct feed f;
    parse_ok(doc, "https://news.example/rss", &f);
    assert_int_equal(f.n_items, 2);
    assert_item(&f.items[0], "https://news.example/g/1", "guid permalink", NULL,
                "https://news.example/g/1");
    /* the scheme is lower-cased, a space and non-ASCII bytes percent-encoded */
    assert_item(&f.items[1], "https://news.example/ok%20one/%D0%B4", "fine", NULL, NULL);
    feed_release(&f);

    /* Without a base URL a relative link has nothing to resolve against. */
    parse_ok("<rss><channel><item><link>/a/1</link></item>"
             "<item><link>https://news.example/a/2</link></item></channel></rss>",
             NULL, &f);
    assert_int_equal(f.n_items, 1);
    assert_string_equal(f.items[0].link, "https://news.example/a/2");
    feed_release(&f);
}

static void test_atom_links_xml_base_and_dates(void **state)
{
    (void)state;
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"/news/\">\n"
        "  <title type=\"html\">Politics &lt;b&gt;Daily&lt;/b&gt; &amp;amp; more"
        " &amp;#8212; &amp;#x41;</title>\n"
        "  <link rel=\"self\" href=\"/feed.atom\"/>\n"
        "  <entry>\n"
        "    <title>First</title>\n"
        "    <link rel=\"alternate\" type=\"text/html\" href=\"2025/first\"/>\n"
        "    <id> tag:blog.example,2025:1 </id>\n"
        "    <published>2025-06-01T08:00:00+02:00</published>\n"
        "    <updated>2025-06-03T00:00:00Z</updated>\n"
        "  </entry>\n"
        "  <entry xml:base=\"/archive/\">\n"
        "    <title type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">Second"
        " <em>entry</em></div></title>\n"
        "    <link rel=\"self\" href=\"self-2\"/>\n"
        "    <link rel=\"enclosure\" href=\"audio.mp3\"/>\n"
        "    <link rel=\"alternate\" type=\"application/pdf\" href=\"second.pdf\"/>\n"
        "    <link href=\"./x/../second.html\"/>\n"
        "    <updated>2025-06-02T10:00:00Z</updated>\n"
        "  </entry>\n"
        "  <entry>\n"
        "    <title>Third</title>\n"
        "    <link rel=\"related\" href=\"related.html\"/>\n"
        "    <link rel=\"alternate\" type=\"application/pdf\" href=\"third.pdf\"/>\n"
        "  </entry>\n"
        "  <entry>\n"
        "    <title>No page</title>\n"
        "    <link rel=\"self\" href=\"x\"/>\n"
        "    <published>2025-06-01T00:00:00Z</published>\n"
        "  </entry>\n"
        "  <entry>\n"
        "    <title>Elsewhere</title>\n"
        "    <link xml:base=\"https://other.example/base/deep/\" href=\"../../up/four?q=1#top\"/>\n"
        "    <published>2025-06-04T12:00:00.123Z</published>\n"
        "  </entry>\n"
        "</feed>\n";
    struct feed f;
    parse_ok(doc, "https://blog.example/feeds/main.atom", &f);
    assert_string_equal(f.title, "Politics Daily & more \xe2\x80\x94 A");
    assert_int_equal(f.n_items, 4);
    /* published wins over updated; the feed's relative xml:base applies to base_url */
    assert_item(&f.items[0], "https://blog.example/news/2025/first", "First",
                "2025-06-01T06:00:00Z", "tag:blog.example,2025:1");
    /* the HTML alternate (no rel, no type) beats the PDF one and the other relations;
     * updated stands in for a missing published */
    assert_item(&f.items[1], "https://blog.example/archive/second.html", "Second entry",
                "2025-06-02T10:00:00Z", NULL);
    /* an alternate of another type is still better than nothing */
    assert_item(&f.items[2], "https://blog.example/news/third.pdf", "Third", NULL, NULL);
    /* an absolute xml:base on the link itself replaces everything above it */
    assert_item(&f.items[3], "https://other.example/up/four?q=1#top", "Elsewhere",
                "2025-06-04T12:00:00Z", NULL);
    feed_release(&f);
}

static void test_rss1_rdf_with_dc_date(void **state)
{
    (void)state;
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n"
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
        "         xmlns=\"http://purl.org/rss/1.0/\"\n"
        "         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
        "  <channel rdf:about=\"https://rdf.example/\">\n"
        "    <title>RDF News</title>\n"
        "    <link>https://rdf.example/</link>\n"
        "    <items><rdf:Seq><rdf:li rdf:resource=\"https://rdf.example/1\"/></rdf:Seq></items>\n"
        "  </channel>\n"
        "  <item rdf:about=\"https://rdf.example/1\">\n"
        "    <title>One</title>\n"
        "    <link>https://rdf.example/1</link>\n"
        "    <dc:date>2025-06-01T12:00:00-05:00</dc:date>\n"
        "  </item>\n"
        "  <item rdf:about=\"https://rdf.example/2\">\n"
        "    <title>Two</title>\n"
        "    <link>https://rdf.example/2</link>\n"
        "    <dc:date>2025-06-02</dc:date>\n"
        "  </item>\n"
        "  <item rdf:about=\"urn:x\"><title>No link</title></item>\n"
        "</rdf:RDF>\n";
    struct feed f;
    parse_ok(doc, NULL, &f);
    assert_string_equal(f.title, "RDF News");
    assert_int_equal(f.n_items, 2);
    assert_item(&f.items[0], "https://rdf.example/1", "One", "2025-06-01T17:00:00Z",
                "https://rdf.example/1");
    assert_item(&f.items[1], "https://rdf.example/2", "Two", "2025-06-02T00:00:00Z",
                "https://rdf.example/2");
    feed_release(&f);
}

static void test_declared_encodings_come_out_as_utf8(void **state)
{
    (void)state;
    /* "Новости" and "Москва" in windows-1251, and a Cyrillic path */
    static const char cp1251[] =
        "<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n"
        "<rss version=\"2.0\"><channel><title>\xcd\xee\xe2\xee\xf1\xf2\xe8</title>\n"
        "<item><title>\xcc\xee\xf1\xea\xe2\xe0</title>"
        "<link>https://ru.example/\xed\xee\xe2\xee\xf1\xf2\xe8</link></item>\n"
        "</channel></rss>";
    struct feed f;
    parse_ok(cp1251, NULL, &f);
    assert_string_equal(f.title, "\xd0\x9d\xd0\xbe\xd0\xb2\xd0\xbe\xd1\x81\xd1\x82\xd0\xb8");
    assert_int_equal(f.n_items, 1);
    assert_string_equal(f.items[0].title, "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");
    assert_string_equal(f.items[0].link,
                        "https://ru.example/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8");
    feed_release(&f);

    static const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                                 "<rss><channel><title>Caf\xe9 na\xefve</title>"
                                 "<item><link>http://fr.example/1</link></item>"
                                 "</channel></rss>";
    parse_ok(latin1, NULL, &f);
    assert_string_equal(f.title, "Caf\xc3\xa9 na\xc3\xafve");
    feed_release(&f);
}

static void test_minor_breakage_is_recovered(void **state)
{
    (void)state;
    /* an HTML entity XML does not know, a raw '&' and a mistyped end tag */
    static const char doc[] = "<rss><channel>"
                              "<item><title>A&nbsp;B</title><link>http://x.example/1</link></item>"
                              "<item><title>C & D</title><link>http://x.example/2</link></item>"
                              "<item><title>E</titl><link>http://x.example/3</link></item>"
                              "</channel></rss>";
    struct feed f;
    parse_ok(doc, NULL, &f);
    assert_true(f.n_items >= 2);
    assert_string_equal(f.items[0].link, "http://x.example/1");
    assert_string_equal(f.items[1].link, "http://x.example/2");
    feed_release(&f);
}

static void test_html_pages_are_refused_with_a_reason(void **state)
{
    (void)state;
    char why[256];
    static const char page[] = "<!DOCTYPE html>\n<html><head><title>Login</title>"
                               "<meta charset=utf-8></head><body><p>Sign in&nbsp;now<br>"
                               "</body></html>";
    parse_fails(page, strlen(page), why, sizeof why);
    assert_string_equal(why, "not a feed: root element <html>");

    static const char xhtml[] = "<?xml version=\"1.0\"?>\n"
                                "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>";
    parse_fails(xhtml, strlen(xhtml), why, sizeof why);
    assert_string_equal(why, "not a feed: root element <html>");

    static const char bare[] = "<!DOCTYPE html>\n";
    parse_fails(bare, strlen(bare), why, sizeof why);
    assert_non_null(strstr(why, "not a feed: an HTML page"));

    parse_fails("<opml version=\"2.0\"/>", 21, why, sizeof why);
    assert_string_equal(why, "not a feed: root element <opml>");
}

static void test_empty_and_garbage_are_refused_with_a_reason(void **state)
{
    (void)state;
    char why[256];
    parse_fails("", 0, why, sizeof why);
    assert_string_equal(why, "empty document");
    parse_fails(NULL, 0, why, sizeof why);
    assert_string_equal(why, "empty document");
    parse_fails("hello world", 11, why, sizeof why);
    assert_non_null(strstr(why, "XML error at line 1: "));
    parse_fails("\n\n{\"json\": true}", 16, why, sizeof why);
    assert_non_null(strstr(why, "XML error at line 3: "));
    static const char binary[] = "\x00\x01\xff\xfe\x80<<<&&&\x00";
    parse_fails(binary, sizeof binary - 1, why, sizeof why);
    assert_non_null(strstr(why, "XML error"));
    /* a NULL or short why is fine */
    struct feed f;
    assert_int_equal(feed_parse("x", 1, NULL, &f, NULL, 0), -1);
    char tiny[8];
    assert_int_equal(feed_parse("x", 1, NULL, &f, tiny, sizeof tiny), -1);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

static void test_billion_laughs_is_refused(void **state)
{
    (void)state;
    struct pl_buf b;
    pl_buf_init(&b);
    pl_buf_puts(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol0 \"lol\">\n");
    for (int i = 1; i <= 9; i++) {
        pl_buf_printf(&b, "<!ENTITY lol%d \"", i);
        for (int j = 0; j < 10; j++)
            pl_buf_printf(&b, "&lol%d;", i - 1);
        pl_buf_puts(&b, "\">\n");
    }
    pl_buf_puts(&b, "]>\n<rss><channel><title>&lol9;</title><item><title>&lol9;</title>"
                    "<link>http://x.example/&lol9;</link></item></channel></rss>");
    struct feed f;
    char why[256];
    int rc = feed_parse(b.data, b.len, NULL, &f, why, sizeof why);
    /* Refused outright; were it accepted, no text could be longer than the reader's cap. */
    assert_int_equal(rc, -1);
    assert_non_null(strstr(why, "entity"));
    pl_buf_release(&b);
}

static void test_entity_amplification_below_libxml2_limits_is_capped(void **state)
{
    (void)state;
    /* One 40 KB entity used 50 times: 2 MB of text if expanded in full. */
    struct pl_buf b;
    pl_buf_init(&b);
    pl_buf_puts(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY big \"");
    for (int i = 0; i < 40000; i++)
        pl_buf_putc(&b, 'x');
    pl_buf_puts(&b, "\">\n]>\n<rss><channel><item><title>");
    for (int i = 0; i < 50; i++)
        pl_buf_puts(&b, "&big;");
    pl_buf_puts(&b, "</title><link>http://x.example/1</link></item></channel></rss>");
    struct feed f;
    char why[256];
    int rc = feed_parse(b.data, b.len, NULL, &f, why, sizeof why);
    pl_buf_release(&b);
    if (rc != 0) { /* a libxml2 stricter than 2.9 may refuse it, which is just as safe */
        assert_non_null(strstr(why, "entity"));
        return;
    }
    assert_int_equal(f.n_items, 1);
    assert_non_null(f.items[0].title);
    assert_int_equal(strlen(f.items[0].title), 64 * 1024); /* expanded, up to the cap */
    feed_release(&f);
}

static void test_external_entities_and_dtds_are_not_loaded(void **state)
{
    (void)state;
    static const char secret_file[] = "test_fetch_feed_secret.txt";
    FILE *fp = fopen(secret_file, "w");
    assert_non_null(fp);
    fputs("TOPSECRET", fp);
    fclose(fp);
    static const char doc[] = "<?xml version=\"1.0\"?>\n"
                              "<!DOCTYPE rss [\n"
                              "<!ENTITY xxe SYSTEM \"test_fetch_feed_secret.txt\">\n"
                              "<!ENTITY remote SYSTEM \"http://127.0.0.1:9/never\">\n"
                              "]>\n"
                              "<rss><channel><title>a&xxe;b&remote;c</title>"
                              "<item><title>&xxe;</title><link>http://x.example/&xxe;</link></item>"
                              "</channel></rss>";
    struct feed f;
    char why[256];
    int rc = feed_parse(doc, strlen(doc), NULL, &f, why, sizeof why);
    remove(secret_file);
    assert_int_equal(rc, 0);
    /* the references stay unexpanded and read as nothing */
    assert_string_equal(f.title, "abc");
    assert_int_equal(f.n_items, 1);
    assert_null(f.items[0].title);
    assert_string_equal(f.items[0].link, "http://x.example/");
    feed_release(&f);

    /* An external DTD is neither fetched nor needed. */
    static const char dtd[] = "<?xml version=\"1.0\"?>\n"
                              "<!DOCTYPE rss SYSTEM \"http://127.0.0.1:9/rss.dtd\">\n"
                              "<rss><channel><item><link>http://x.example/1</link></item>"
                              "</channel></rss>";
    parse_ok(dtd, NULL, &f);
    assert_int_equal(f.n_items, 1);
    feed_release(&f);
}

static void test_items_are_capped(void **state)
{
    (void)state;
    struct pl_buf b;
    pl_buf_init(&b);
    pl_buf_puts(&b, "<rss><channel>");
    for (int i = 0; i < FEED_MAX_ITEMS + 50; i++)
        pl_buf_printf(&b, "<item><link>http://x.example/%d</link></item>", i);
    pl_buf_puts(&b, "</channel></rss>");
    struct feed f;
    parse_ok(b.data, NULL, &f);
    assert_int_equal(f.n_items, FEED_MAX_ITEMS);
    assert_string_equal(f.items[FEED_MAX_ITEMS - 1].link, "http://x.example/9999");
    feed_release(&f);
    pl_buf_release(&b);
}

static void test_release_is_safe_on_a_zeroed_struct(void **state)
{
    (void)state;
    struct feed f = {0};
    feed_release(&f);
    feed_release(&f);
    feed_release(NULL);
}

static void test_dates_convert_to_utc(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},
        {"Tue, 10 Jun 2003 04:00:00 +0000", "2003-06-10T04:00:00Z"},
        {"10 Jun 2003 04:00 GMT", "2003-06-10T04:00:00Z"},
        {"  Tue, 10 Jun 2003 04:00:00 GMT  ", "2003-06-10T04:00:00Z"},
        {"Mon, 02 Jun 2025 23:30:00 EST", "2025-06-03T04:30:00Z"},
        {"Mon, 2 Jun 2025 23:30:00 EDT", "2025-06-03T03:30:00Z"},
        {"Mon, 2 Jun 2025 23:30:00 CST", "2025-06-03T05:30:00Z"},
        {"Mon, 2 Jun 2025 23:30:00 MDT", "2025-06-03T05:30:00Z"},
        {"Sun, 01 Jun 2025 17:00:00 PDT", "2025-06-02T00:00:00Z"},
        {"Sun, 01 Jun 2025 17:00:00 UT", "2025-06-01T17:00:00Z"},
        {"Sat, 31 Dec 2022 23:00:00 -0100", "2023-01-01T00:00:00Z"},
        {"Wed, 01 Jan 2025 00:30:00 +0100", "2024-12-31T23:30:00Z"},
        {"01 Mar 24 01:00:00 +0200", "2024-02-29T23:00:00Z"},
        {"Thu, 01 Jan 70 00:00:00 GMT", "1970-01-01T00:00:00Z"},
        {"Fri, 15 Mar 99 12:00:00 GMT", "1999-03-15T12:00:00Z"},
        {"Sat, 15 Mar 08 12:00:00 GMT", "2008-03-15T12:00:00Z"},
        {"Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z"},
        {"Thu, 05 June 2025 10:00:00 +05:30", "2025-06-05T04:30:00Z"},
        {"thu, 05 jun 2025 10:00:00 gmt", "2025-06-05T10:00:00Z"},
        {"Thu, 05 Jun 2025 10:00:00 CEST", "2025-06-05T08:00:00Z"},
        {"Thu, 05 Jun 2025 10:00:00 GMT+2", "2025-06-05T08:00:00Z"},
        {"Thu, 05 Jun 2025 10:00:00 +0000 (UTC)", "2025-06-05T10:00:00Z"},
        {"Thu, 05 Jun 2025 10:00:00", "2025-06-05T10:00:00Z"},
        {"Thu, 05 Jun 2025 10:00:00 XYZ", "2025-06-05T10:00:00Z"},
        {"Thu, 5 Jun 2025 9:05:00 Z", "2025-06-05T09:05:00Z"},
        {"2025-06-05T10:00:00Z", "2025-06-05T10:00:00Z"},
        {"2025-06-05T10:00:00.123456+02:00", "2025-06-05T08:00:00Z"},
        {"2025-06-05t10:00:00z", "2025-06-05T10:00:00Z"},
        {"2025-06-05 10:00:00-0430", "2025-06-05T14:30:00Z"},
        {"2025-06-05T10:00+01:00", "2025-06-05T09:00:00Z"},
        {"2025-06-05T10:00:00", "2025-06-05T10:00:00Z"},
        {"2025-06-05", "2025-06-05T00:00:00Z"},
        {"2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"},
        {"2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z"},
        {"2025-01-01T00:30:00+01:00", "2024-12-31T23:30:00Z"},
        {"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[21];
        if (feed_date_iso(cases[i][0], out) != 0)
            fail_msg("\"%s\" refused", cases[i][0]);
        if (strcmp(out, cases[i][1]) != 0)
            fail_msg("\"%s\" gave %s, wanted %s", cases[i][0], out, cases[i][1]);
    }
}

static void test_invalid_dates_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Mon, 30 Feb 2025 10:00:00 GMT",
        "2025-02-30T00:00:00Z",
        "2025-02-29",
        "1900-02-29T00:00:00Z",
        "Tue, 10 Jun 2003 25:00:00 GMT",
        "2025-06-05T25:00:00Z",
        "2025-06-05T24:00:00Z",
        "2025-06-05T10:60:00Z",
        "2025-06-05T10:00:61Z",
        "2025-13-01",
        "2025-00-10",
        "2025-6-5",
        "Tue, 32 Jun 2003 04:00:00 GMT",
        "Tue, 00 Jun 2003 04:00:00 GMT",
        "Tue, 10 Foo 2003 04:00:00 GMT",
        "Foo, 10 Jun 2003 04:00:00 GMT",
        "Tue, 10 Jun 2003 04:00:00 GMT junk",
        "Tue, 10 Jun 2003 04:00:00 +2500",
        "Tue, 10 Jun 2003 04:00:00 +0060",
        "Tue, 10 Jun 2003 04:00:00 VERYLONGZONE",
        "Tue, 10 Jun 20031 04:00:00 GMT",
        "Tue, 10 Jun 2003 04",
        "2025-06-05T10:00:00Z junk",
        "2025-06-05T10:00:00+25:00",
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:30:00+01:00",
        "9999-12-31T23:30:00-01:00",
        "yesterday",
        "",
        "   ",
        "Tue,",
        "12345",
        "Tue, 10 Jun (2003) 04:00:00 GMT",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[21];
        if (feed_date_iso(bad[i], out) == 0)
            fail_msg("\"%s\" accepted as %s", bad[i], out);
    }
    char out[21];
    assert_int_equal(feed_date_iso(NULL, out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rss2_items_in_order_with_dates_in_many_zones),
        cmocka_unit_test(test_rss2_items_without_a_usable_link_are_skipped),
        cmocka_unit_test(test_atom_links_xml_base_and_dates),
        cmocka_unit_test(test_rss1_rdf_with_dc_date),
        cmocka_unit_test(test_declared_encodings_come_out_as_utf8),
        cmocka_unit_test(test_minor_breakage_is_recovered),
        cmocka_unit_test(test_html_pages_are_refused_with_a_reason),
        cmocka_unit_test(test_empty_and_garbage_are_refused_with_a_reason),
        cmocka_unit_test(test_billion_laughs_is_refused),
        cmocka_unit_test(test_entity_amplification_below_libxml2_limits_is_capped),
        cmocka_unit_test(test_external_entities_and_dtds_are_not_loaded),
        cmocka_unit_test(test_items_are_capped),
        cmocka_unit_test(test_release_is_safe_on_a_zeroed_struct),
        cmocka_unit_test(test_dates_convert_to_utc),
        cmocka_unit_test(test_invalid_dates_are_refused),
    };
    return cmocka_run_group_tests_name("fetch_feed", tests, NULL, NULL);
}
