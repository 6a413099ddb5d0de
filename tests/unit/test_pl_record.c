/* test_pl_record.c - the article, mention and event records: round trips at the limits and
 * every class of malformed input, each with its own outcome. Leaks are caught by the
 * sanitizer run of the same tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pl_record.h"
#include "pl_schema.h"
#include "test_util.h"

/* ---- round trips ------------------------------------------------------------------------ */

static void test_article_round_trips_every_field(void **state)
{
    (void)state;
    struct pl_article a, b;
    tu_sample_article(&a);
    struct pl_buf buf;
    pl_buf_init(&buf);
    assert_int_equal(pl_article_encode(&a, &buf, NULL), PL_OK);
    assert_int_equal(pl_article_decode(buf.data, buf.len, &b, NULL), PL_OK);
    assert_string_equal(a.id, b.id);
    assert_string_equal(a.url, b.url);
    assert_string_equal(a.outlet, b.outlet);
    assert_string_equal(a.title, b.title);
    assert_string_equal(a.published, b.published);
    assert_string_equal(a.fetched_at, b.fetched_at);
    assert_string_equal(a.lang, b.lang);
    assert_string_equal(a.text, b.text);
    pl_article_release(&a);
    pl_article_release(&b);
    pl_article_release(&b); /* releasing twice is safe */
    pl_buf_release(&buf);
}

static void test_article_optional_fields_stay_absent(void **state)
{
    (void)state;
    struct pl_article a = {0}, b;
    a.id = pl_xstrdup("0123456789abcdef");
    a.fetched_at = pl_xstrdup("2026-01-01T00:00:00Z");
    a.text = pl_xstrdup("");
    struct pl_buf buf;
    pl_buf_init(&buf);
    assert_int_equal(pl_article_encode(&a, &buf, NULL), PL_OK);
    assert_int_equal(pl_article_decode(buf.data, buf.len, &b, NULL), PL_OK);
    assert_null(b.url);
    assert_null(b.published);
    assert_null(b.title);
    assert_string_equal(b.text, "");
    pl_article_release(&a);
    pl_article_release(&b);
    pl_buf_release(&buf);
}

static void test_article_text_at_limit_round_trips_and_one_more_byte_does_not(void **state)
{
    (void)state;
    struct pl_article a = {0}, b;
    a.id = pl_xstrdup("0123456789abcdef");
    a.fetched_at = pl_xstrdup("2026-01-01T00:00:00Z");
    a.text = pl_xmalloc(PL_MAX_TEXT_BYTES + 2);
    memset(a.text, 'x', PL_MAX_TEXT_BYTES);
    a.text[PL_MAX_TEXT_BYTES] = '\0';
    struct pl_buf buf;
    pl_buf_init(&buf);
    assert_int_equal(pl_article_encode(&a, &buf, NULL), PL_OK);
    assert_int_equal(pl_article_decode(buf.data, buf.len, &b, NULL), PL_OK);
    assert_int_equal(strlen(b.text), PL_MAX_TEXT_BYTES);
    pl_article_release(&b);

    a.text[PL_MAX_TEXT_BYTES] = 'x';
    a.text[PL_MAX_TEXT_BYTES + 1] = '\0';
    pl_buf_clear(&buf);
    struct pl_diag d;
    assert_int_equal(pl_article_encode(&a, &buf, &d), PL_E_LIMIT);
    assert_string_equal(d.where, "text");
    assert_int_equal(buf.len, 0); /* a refused encode leaves nothing behind */
    pl_article_release(&a);
    pl_buf_release(&buf);
}

static void test_mention_round_trips_every_field(void **state)
{
    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        struct pl_mention m, n;
        tu_sample_mention(&m, variant);
        struct pl_buf buf;
        pl_buf_init(&buf);
        assert_int_equal(pl_mention_encode(&m, &buf, NULL), PL_OK);
        assert_int_equal(pl_mention_decode(buf.data, buf.len, &n, NULL), PL_OK);
        char *j1 = tu_mention_json(&m), *j2 = tu_mention_json(&n);
        assert_string_equal(j1, j2);
        assert_true(n.c.has_target);
        assert_true(n.c.location.has_coords);
        assert_true(n.c.evidence[1].caption);
        assert_false(n.c.evidence[0].caption);
        assert_int_equal(n.c.source.start, 40);
        assert_true(n.c.goldstein == 2.8);
        free(j1);
        free(j2);
        pl_mention_release(&m);
        pl_mention_release(&n);
        pl_buf_release(&buf);
    }
}

static void test_event_round_trips_with_full_article_and_evidence_lists(void **state)
{
    (void)state;
    struct pl_event e, f;
    tu_sample_event(&e, 0);
    /* Grow both lists to their limits. */
    e.articles = pl_xrealloc(e.articles, PL_MAX_EVENT_ARTICLES * sizeof *e.articles);
    for (size_t i = e.n_articles; i < PL_MAX_EVENT_ARTICLES; i++) {
        memset(&e.articles[i], 0, sizeof e.articles[i]);
        e.articles[i].id = pl_xstrdup("00000000000000000000000000000000");
    }
    e.n_articles = PL_MAX_EVENT_ARTICLES;
    e.c.evidence = pl_xrealloc(e.c.evidence, PL_MAX_EVIDENCE * sizeof *e.c.evidence);
    for (size_t i = e.c.n_evidence; i < PL_MAX_EVIDENCE; i++) {
        memset(&e.c.evidence[i], 0, sizeof e.c.evidence[i]);
        e.c.evidence[i].text = pl_xmalloc(PL_MAX_SENTENCE_BYTES + 1);
        memset(e.c.evidence[i].text, 's', PL_MAX_SENTENCE_BYTES);
        e.c.evidence[i].text[PL_MAX_SENTENCE_BYTES] = '\0';
    }
    e.c.n_evidence = PL_MAX_EVIDENCE;
    struct pl_buf buf;
    pl_buf_init(&buf);
    assert_int_equal(pl_event_encode(&e, &buf, NULL), PL_OK);
    assert_int_equal(pl_event_decode(buf.data, buf.len, &f, NULL), PL_OK);
    assert_int_equal(f.n_articles, PL_MAX_EVENT_ARTICLES);
    assert_int_equal(f.c.n_evidence, PL_MAX_EVIDENCE);
    assert_true(f.seq == UINT64_MAX);
    char *j1 = tu_event_json(&e), *j2 = tu_event_json(&f);
    assert_string_equal(j1, j2);
    free(j1);
    free(j2);

    /* One more article reference is over the limit, both ways. */
    e.articles = pl_xrealloc(e.articles, (PL_MAX_EVENT_ARTICLES + 1) * sizeof *e.articles);
    memset(&e.articles[PL_MAX_EVENT_ARTICLES], 0, sizeof e.articles[0]);
    e.articles[PL_MAX_EVENT_ARTICLES].id = pl_xstrdup("00000000000000000000000000000001");
    e.n_articles++;
    struct pl_diag d;
    pl_buf_clear(&buf);
    assert_int_equal(pl_event_encode(&e, &buf, &d), PL_E_LIMIT);
    assert_string_equal(d.where, "articles");
    pl_event_release(&e);
    pl_event_release(&f);
    pl_buf_release(&buf);
}

/* ---- malformed input -------------------------------------------------------------------- */

/* Encodes the sample mention. */
static void s_encoded_mention(struct pl_buf *buf)
{
    struct pl_mention m;
    tu_sample_mention(&m, 0);
    pl_buf_init(buf);
    assert_int_equal(pl_mention_encode(&m, buf, NULL), PL_OK);
    pl_mention_release(&m);
}

static void test_decode_rejects_every_truncation(void **state)
{
    (void)state;
    struct pl_buf buf;
    s_encoded_mention(&buf);
    for (size_t len = 0; len < buf.len; len++) {
        struct pl_mention m;
        struct pl_diag d;
        /* A copy of exactly len bytes, so the sanitizer sees any read past the end. */
        char *cut = pl_xmalloc(len ? len : 1);
        memcpy(cut, buf.data, len);
        enum pl_status st = pl_mention_decode(cut, len, &m, &d);
        free(cut);
        if (st != PL_E_TRUNCATED)
            fail_msg("prefix of %zu/%zu bytes gave %s", len, buf.len, pl_status_name(st));
        assert_null(m.id); /* nothing left to free */
    }
    pl_buf_release(&buf);
}

static void test_decode_rejects_trailing_bytes(void **state)
{
    (void)state;
    struct pl_buf buf;
    s_encoded_mention(&buf);
    pl_buf_putc(&buf, (char)0xc0);
    struct pl_mention m;
    assert_int_equal(pl_mention_decode(buf.data, buf.len, &m, NULL), PL_E_TRAILING);
    pl_buf_release(&buf);
}

/* A map {"v":1, key: <packed by fn>} plus the required article fields. */
static void s_article_with(struct pl_buf *b, const char *key, void (*fn)(msgpack_packer *))
{
    msgpack_packer pk;
    pl_buf_init(b);
    tu_packer(&pk, b);
    msgpack_pack_map(&pk, 5);
    tu_str(&pk, "v");
    msgpack_pack_uint8(&pk, 1);
    tu_str(&pk, "id");
    tu_str(&pk, "0123456789abcdef");
    tu_str(&pk, "fetched_at");
    tu_str(&pk, "2026-01-01T00:00:00Z");
    tu_str(&pk, "text");
    tu_str(&pk, "hello");
    tu_str(&pk, key);
    fn(&pk);
}

static enum pl_status s_decode_article(const struct pl_buf *b, struct pl_diag *d)
{
    struct pl_article a;
    enum pl_status st = pl_article_decode(b->data, b->len, &a, d);
    if (st == PL_OK)
        pl_article_release(&a);
    else
        assert_null(a.id);
    return st;
}

static void s_pack_int(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 42);
}

static void test_decode_rejects_wrong_type(void **state)
{
    (void)state;
    struct pl_buf b;
    struct pl_diag d;
    s_article_with(&b, "title", s_pack_int);
    assert_int_equal(s_decode_article(&b, &d), PL_E_TYPE);
    assert_string_equal(d.where, "title");
    pl_buf_release(&b);

    /* A nested field reports its whole path. */
    struct pl_mention m;
    tu_sample_mention(&m, 0);
    free(m.c.target.country);
    m.c.target.country = pl_xstrdup("aze"); /* lower case is not a code */
    pl_buf_init(&b);
    assert_int_equal(pl_mention_encode(&m, &b, &d), PL_E_VALUE);
    assert_string_equal(d.where, "target.country");
    pl_mention_release(&m);
    pl_buf_release(&b);
}

static void s_pack_long_title(msgpack_packer *pk)
{
    char s[PL_MAX_TITLE_BYTES + 1];
    memset(s, 't', sizeof s);
    tu_strn(pk, s, sizeof s);
}

static void s_pack_title_at_limit(msgpack_packer *pk)
{
    char s[PL_MAX_TITLE_BYTES];
    memset(s, 't', sizeof s);
    tu_strn(pk, s, sizeof s);
}

static void test_decode_rejects_oversize_string(void **state)
{
    (void)state;
    struct pl_buf b;
    struct pl_diag d;
    s_article_with(&b, "title", s_pack_title_at_limit);
    assert_int_equal(s_decode_article(&b, &d), PL_OK);
    pl_buf_release(&b);
    s_article_with(&b, "title", s_pack_long_title);
    assert_int_equal(s_decode_article(&b, &d), PL_E_LIMIT);
    assert_string_equal(d.where, "title");
    pl_buf_release(&b);
}

static void test_decode_rejects_huge_declared_count_before_allocating(void **state)
{
    (void)state;
    /* array32 and map32 claiming 4 billion elements in five bytes */
    static const unsigned char arr[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    static const unsigned char map[] = {0xdf, 0x10, 0x00, 0x00, 0x00};
    struct pl_article a;
    assert_int_equal(pl_article_decode(arr, sizeof arr, &a, NULL), PL_E_COUNT);
    assert_int_equal(pl_article_decode(map, sizeof map, &a, NULL), PL_E_COUNT);
    /* the same inside an otherwise valid record */
    static const unsigned char nested[] = {0x82, 0xa1, 'v',  0x01, 0xa1, 'x',
                                           0xdd, 0x7f, 0xff, 0xff, 0xff};
    assert_int_equal(pl_article_decode(nested, sizeof nested, &a, NULL), PL_E_COUNT);
    assert_int_equal(pl_msgpack_prescan(nested, sizeof nested), PL_E_COUNT);
}

static void test_decode_rejects_count_the_bytes_cannot_hold_as_truncated(void **state)
{
    (void)state;
    /* 1000 declared elements (under the container cap) with 2 bytes left */
    static const unsigned char arr[] = {0x82, 0xa1, 'v',  0x01, 0xa1, 'x',
                                        0xdc, 0x03, 0xe8, 0xc0, 0xc0};
    assert_int_equal(pl_msgpack_prescan(arr, sizeof arr), PL_E_TRUNCATED);
}

static void test_decode_rejects_nesting_too_deep(void **state)
{
    (void)state;
    unsigned char deep[64];
    size_t n = 0;
    deep[n++] = 0x82;
    deep[n++] = 0xa1;
    deep[n++] = 'v';
    deep[n++] = 0x01;
    deep[n++] = 0xa1;
    deep[n++] = 'x';
    for (unsigned i = 0; i < PL_MAX_DEPTH; i++)
        deep[n++] = 0x91; /* an array of one element... */
    deep[n++] = 0xc0;     /* ...ending in nil */
    assert_int_equal(pl_msgpack_prescan(deep, n), PL_E_DEPTH);
    /* one level less is fine */
    memmove(deep + 6, deep + 7, n - 7);
    assert_int_equal(pl_msgpack_prescan(deep, n - 1), PL_OK);
}

static void test_decode_rejects_oversize_frame_first(void **state)
{
    (void)state;
    size_t len = PL_MAX_FRAME_BYTES + 1;
    char *big = pl_xcalloc(1, len);
    struct pl_article a;
    assert_int_equal(pl_article_decode(big, len, &a, NULL), PL_E_TOO_LARGE);
    free(big);
}

static void test_decode_rejects_reserved_byte_and_non_map(void **state)
{
    (void)state;
    static const unsigned char reserved[] = {0xc1};
    static const unsigned char array[] = {0x90};
    static const unsigned char intkey[] = {0x81, 0x01, 0x01};
    struct pl_article a;
    assert_int_equal(pl_article_decode(reserved, 1, &a, NULL), PL_E_MALFORMED);
    assert_int_equal(pl_article_decode(array, 1, &a, NULL), PL_E_TYPE);
    assert_int_equal(pl_article_decode(intkey, 3, &a, NULL), PL_E_MISSING); /* no "v" */
}

static void s_pack_bad_utf8_1(msgpack_packer *pk)
{
    tu_strn(pk, "ab\xff", 3);
}
static void s_pack_bad_utf8_2(msgpack_packer *pk)
{
    tu_strn(pk, "\xc0\xaf", 2); /* overlong '/' */
}
static void s_pack_bad_utf8_3(msgpack_packer *pk)
{
    tu_strn(pk, "\xed\xa0\x80", 3); /* surrogate */
}
static void s_pack_bad_utf8_4(msgpack_packer *pk)
{
    tu_strn(pk, "a\0b", 3); /* NUL cannot live in a C string */
}
static void s_pack_bad_utf8_5(msgpack_packer *pk)
{
    tu_strn(pk, "\xe2\x82", 2); /* cut sequence */
}
static void s_pack_good_utf8(msgpack_packer *pk)
{
    tu_str(pk,
           "Baku \xe2\x80\x94 \xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xf0\x9f\x8c\x8d");
}

static void test_decode_rejects_invalid_utf8(void **state)
{
    (void)state;
    void (*bad[])(msgpack_packer *) = {s_pack_bad_utf8_1, s_pack_bad_utf8_2, s_pack_bad_utf8_3,
                                       s_pack_bad_utf8_4, s_pack_bad_utf8_5};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pl_buf b;
        struct pl_diag d;
        s_article_with(&b, "outlet", bad[i]);
        assert_int_equal(s_decode_article(&b, &d), PL_E_UTF8);
        assert_string_equal(d.where, "outlet");
        pl_buf_release(&b);
    }
    struct pl_buf b;
    s_article_with(&b, "outlet", s_pack_good_utf8);
    assert_int_equal(s_decode_article(&b, NULL), PL_OK);
    pl_buf_release(&b);
}

static void test_decode_rejects_unknown_major_version(void **state)
{
    (void)state;
    struct pl_buf b;
    s_encoded_mention(&b);
    /* The encoder writes "v" first, right after the map header (map16: 3 bytes). */
    assert_int_equal((unsigned char)b.data[0], 0xde);
    assert_int_equal((unsigned char)b.data[3], 0xa1);
    assert_int_equal(b.data[4], 'v');
    assert_int_equal(b.data[5], PL_PROTO_MAJOR);
    b.data[5] = PL_PROTO_MAJOR + 1;
    struct pl_mention m;
    struct pl_diag d;
    assert_int_equal(pl_mention_decode(b.data, b.len, &m, &d), PL_E_VERSION);
    assert_string_equal(d.where, "v");
    b.data[5] = 0;
    assert_int_equal(pl_mention_decode(b.data, b.len, &m, &d), PL_E_VERSION);
    pl_buf_release(&b);
}

static void s_pack_unknown(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, 1);
    msgpack_pack_map(pk, 0);
    tu_str(pk, "later minor versions may add keys");
}

static void test_decode_ignores_unknown_keys(void **state)
{
    (void)state;
    struct pl_buf b;
    s_article_with(&b, "added_in_1_1", s_pack_unknown);
    assert_int_equal(s_decode_article(&b, NULL), PL_OK);
    pl_buf_release(&b);
}

static void test_decode_rejects_duplicate_key(void **state)
{
    (void)state;
    struct pl_buf b;
    struct pl_diag d;
    s_article_with(&b, "text", s_pack_good_utf8);
    assert_int_equal(s_decode_article(&b, &d), PL_E_DUPLICATE);
    assert_string_equal(d.where, "text");
    pl_buf_release(&b);
}

static void test_decode_rejects_missing_required_field(void **state)
{
    (void)state;
    struct pl_buf b;
    msgpack_packer pk;
    pl_buf_init(&b);
    tu_packer(&pk, &b);
    msgpack_pack_map(&pk, 3);
    tu_str(&pk, "v");
    msgpack_pack_uint8(&pk, 1);
    tu_str(&pk, "id");
    tu_str(&pk, "0123456789abcdef");
    tu_str(&pk, "fetched_at");
    tu_str(&pk, "2026-01-01T00:00:00Z");
    struct pl_diag d;
    assert_int_equal(s_decode_article(&b, &d), PL_E_MISSING);
    assert_string_equal(d.where, "text");
    pl_buf_release(&b);
}

static void test_numbers_out_of_range_are_refused(void **state)
{
    (void)state;
    struct pl_mention m;
    struct pl_buf b;
    struct pl_diag d;
    pl_buf_init(&b);

    tu_sample_mention(&m, 0);
    m.c.goldstein = 10.5;
    assert_int_equal(pl_mention_encode(&m, &b, &d), PL_E_RANGE);
    assert_string_equal(d.where, "goldstein");
    m.c.goldstein = 0.0 / 0.0;
    assert_int_equal(pl_mention_encode(&m, &b, &d), PL_E_RANGE);
    m.c.goldstein = -10.0;
    m.c.quad_class = 5;
    assert_int_equal(pl_mention_encode(&m, &b, &d), PL_E_RANGE);
    assert_string_equal(d.where, "quad_class");
    m.c.quad_class = 4;
    m.c.location.lat = 90.5;
    assert_int_equal(pl_mention_encode(&m, &b, &d), PL_E_RANGE);
    assert_string_equal(d.where, "location.lat");
    m.c.location.lat = -90.0;
    assert_int_equal(pl_mention_encode(&m, &b, &d), PL_OK);
    pl_mention_release(&m);
    pl_buf_release(&b);
}

static void s_pack_negative(msgpack_packer *pk)
{
    msgpack_pack_int(pk, -3);
}

static void test_negative_integer_for_unsigned_field_is_out_of_range(void **state)
{
    (void)state;
    /* a heartbeat whose head is -3 */
    struct pl_buf b;
    msgpack_packer pk;
    pl_buf_init(&b);
    tu_packer(&pk, &b);
    msgpack_pack_map(&pk, 2);
    tu_str(&pk, "v");
    msgpack_pack_uint8(&pk, 1);
    tu_str(&pk, "head");
    s_pack_negative(&pk);
    struct pl_msg msg;
    assert_int_equal(pl_msg_decode("HB", 2, b.data, b.len, &msg, NULL), PL_E_RANGE);
    pl_buf_release(&b);
}

static void test_integers_are_accepted_where_floats_are_expected(void **state)
{
    (void)state;
    /* Other languages' encoders write 3.0 as 3: Goldstein and confidence must still decode,
     * and a mention with only the required keys leaves the optional ones absent. */
    struct pl_mention m, n;
    tu_sample_mention(&m, 0);
    struct pl_buf b;
    pl_buf_init(&b);
    msgpack_packer pk;
    tu_packer(&pk, &b);
    /* without quad_class, goldstein and confidence: the first missing one is named */
    msgpack_pack_map(&pk, 6);
    tu_str(&pk, "v");
    msgpack_pack_uint8(&pk, 1);
    tu_str(&pk, "id");
    tu_str(&pk, m.id);
    tu_str(&pk, "article");
    msgpack_pack_map(&pk, 1);
    tu_str(&pk, "id");
    tu_str(&pk, m.article.id);
    tu_str(&pk, "source");
    msgpack_pack_map(&pk, 1);
    tu_str(&pk, "code");
    tu_str(&pk, "ARM");
    tu_str(&pk, "cameo");
    tu_str(&pk, "0211");
    tu_str(&pk, "root");
    tu_str(&pk, "02");
    struct pl_diag d;
    assert_int_equal(pl_mention_decode(b.data, b.len, &n, &d), PL_E_MISSING);
    assert_string_equal(d.where, "quad_class");
    pl_buf_clear(&b);
    msgpack_pack_map(&pk, 9);
    tu_str(&pk, "v");
    msgpack_pack_uint8(&pk, 1);
    tu_str(&pk, "id");
    tu_str(&pk, m.id);
    tu_str(&pk, "article");
    msgpack_pack_map(&pk, 1);
    tu_str(&pk, "id");
    tu_str(&pk, m.article.id);
    tu_str(&pk, "source");
    msgpack_pack_map(&pk, 1);
    tu_str(&pk, "code");
    tu_str(&pk, "ARM");
    tu_str(&pk, "cameo");
    tu_str(&pk, "0211");
    tu_str(&pk, "root");
    tu_str(&pk, "02");
    tu_str(&pk, "quad_class");
    msgpack_pack_uint8(&pk, 1);
    tu_str(&pk, "goldstein");
    msgpack_pack_int(&pk, -10);
    tu_str(&pk, "confidence");
    msgpack_pack_int(&pk, 1);
    assert_int_equal(pl_mention_decode(b.data, b.len, &n, &d), PL_OK);
    assert_true(n.c.goldstein == -10.0);
    assert_true(n.c.confidence == 1.0);
    assert_false(n.c.has_target);
    assert_false(n.c.has_location);
    pl_mention_release(&n);
    pl_mention_release(&m);
    pl_buf_release(&b);
}

static void test_strings_of_the_wrong_form_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *date, *precision, *cameo, *root;
        const char *where;
    } cases[] = {
        {"2023-13-01", "day", "043", "04", "date"},
        {"2023-1-01", "day", "043", "04", "date"},
        {"23-10-01", "day", "043", "04", "date"},
        {"2023-10-23", "week", "043", "04", "date_precision"},
        {"2023-10-23", "day", "21", "04", "cameo"},
        {"2023-10-23", "day", "04a", "04", "cameo"},
        {"2023-10-23", "day", "043", "00", "root"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pl_mention m;
        tu_sample_mention(&m, 0);
        free(m.c.date);
        free(m.c.date_precision);
        free(m.c.cameo);
        free(m.c.root);
        m.c.date = pl_xstrdup(cases[i].date);
        m.c.date_precision = pl_xstrdup(cases[i].precision);
        m.c.cameo = pl_xstrdup(cases[i].cameo);
        m.c.root = pl_xstrdup(cases[i].root);
        struct pl_buf b;
        struct pl_diag d;
        pl_buf_init(&b);
        assert_int_equal(pl_mention_encode(&m, &b, &d), PL_E_VALUE);
        assert_string_equal(d.where, cases[i].where);
        pl_buf_release(&b);
        pl_mention_release(&m);
    }
}

/* ---- JSON ------------------------------------------------------------------------------- */

static void test_json_escapes_quotes_backslashes_and_control_characters(void **state)
{
    (void)state;
    struct pl_buf b;
    pl_buf_init(&b);
    static const char in[] = "a\"b\\c\nd\te\x01\x1f \xd0\x96";
    pl_json_string(&b, in, sizeof in - 1);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f \xd0\x96\"");
    pl_buf_release(&b);
}

static void test_json_mention_carries_the_keys_analysts_read(void **state)
{
    (void)state;
    struct pl_mention m;
    tu_sample_mention(&m, 0);
    char *j = tu_mention_json(&m);
    assert_non_null(strstr(j, "\"source\":{\"code\":\"ARMGOV\",\"country\":\"ARM\""));
    assert_non_null(strstr(j, "\"target\":{\"code\":\"AZEGOV\",\"country\":\"AZE\""));
    assert_non_null(strstr(j, "\"cameo\":\"043\",\"root\":\"04\",\"quad_class\":1"));
    assert_non_null(strstr(j, "\"goldstein\":2.8"));
    assert_non_null(strstr(j, "\"location\":{\"name\":\"Tehran\",\"country\":\"IRN\","
                              "\"lat\":35.6892,\"lon\":51.389}"));
    assert_non_null(strstr(j, "\"article\":{\"id\":"));
    assert_non_null(strstr(j, "\"caption\":true"));
    assert_null(strstr(j, "\"v\":")); /* the version is a wire matter */
    assert_int_equal(j[0], '{');
    assert_int_equal(j[strlen(j) - 1], '}');
    free(j);
    pl_mention_release(&m);
}

static void test_cameo_quad_class_follows_the_code_book(void **state)
{
    (void)state;
    assert_int_equal(pl_cameo_quad_class("010"), 1);
    assert_int_equal(pl_cameo_quad_class("0431"), 1);
    assert_int_equal(pl_cameo_quad_class("057"), 1);
    assert_int_equal(pl_cameo_quad_class("061"), 2);
    assert_int_equal(pl_cameo_quad_class("090"), 2);
    assert_int_equal(pl_cameo_quad_class("100"), 3);
    assert_int_equal(pl_cameo_quad_class("1411"), 3);
    assert_int_equal(pl_cameo_quad_class("150"), 4);
    assert_int_equal(pl_cameo_quad_class("2042"), 4);
    assert_int_equal(pl_cameo_quad_class("21"), 0);
    assert_int_equal(pl_cameo_quad_class("x1"), 0);
    assert_int_equal(pl_cameo_quad_class(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_article_round_trips_every_field),
        cmocka_unit_test(test_article_optional_fields_stay_absent),
        cmocka_unit_test(test_article_text_at_limit_round_trips_and_one_more_byte_does_not),
        cmocka_unit_test(test_mention_round_trips_every_field),
        cmocka_unit_test(test_event_round_trips_with_full_article_and_evidence_lists),
        cmocka_unit_test(test_decode_rejects_every_truncation),
        cmocka_unit_test(test_decode_rejects_trailing_bytes),
        cmocka_unit_test(test_decode_rejects_wrong_type),
        cmocka_unit_test(test_decode_rejects_oversize_string),
        cmocka_unit_test(test_decode_rejects_huge_declared_count_before_allocating),
        cmocka_unit_test(test_decode_rejects_count_the_bytes_cannot_hold_as_truncated),
        cmocka_unit_test(test_decode_rejects_nesting_too_deep),
        cmocka_unit_test(test_decode_rejects_oversize_frame_first),
        cmocka_unit_test(test_decode_rejects_reserved_byte_and_non_map),
        cmocka_unit_test(test_decode_rejects_invalid_utf8),
        cmocka_unit_test(test_decode_rejects_unknown_major_version),
        cmocka_unit_test(test_decode_ignores_unknown_keys),
        cmocka_unit_test(test_decode_rejects_duplicate_key),
        cmocka_unit_test(test_decode_rejects_missing_required_field),
        cmocka_unit_test(test_numbers_out_of_range_are_refused),
        cmocka_unit_test(test_negative_integer_for_unsigned_field_is_out_of_range),
        cmocka_unit_test(test_integers_are_accepted_where_floats_are_expected),
        cmocka_unit_test(test_strings_of_the_wrong_form_are_refused),
        cmocka_unit_test(test_json_escapes_quotes_backslashes_and_control_characters),
        cmocka_unit_test(test_json_mention_carries_the_keys_analysts_read),
        cmocka_unit_test(test_cameo_quad_class_follows_the_code_book),
    };
    return cmocka_run_group_tests_name("pl_record", tests, NULL, NULL);
}
