/* html.c - see html.h.
 *
 * The work happens in four steps:
 *   1. decode: the page's bytes become UTF-8 here, before libxml2 sees them (why: below);
 *   2. parse: libxml2's HTML parser builds a tree;
 *   3. pass A walks the whole tree once for metadata (title, metas, JSON-LD, canonical) and
 *      classifies every element, keeping a small struct s_stat per element (node->_private);
 *   4. pass B scores text density bottom-up, the content root is chosen, and pass C writes
 *      its paragraphs out.
 * Every walk is iterative (s_walk), so a page nested 100,000 deep costs no stack.
 */
#include "html.h"

#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlmemory.h>

/* HTML_PARSE_IGNORE_ENC: the input is always UTF-8 by the time libxml2 parses it. */
#define S_PARSE_OPTS                                                                               \
    (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |           \
     HTML_PARSE_IGNORE_ENC)

#define S_FIELD_MAX   1024 /* longest title or outlet kept, in bytes */
#define S_URL_MAX     4096 /* longest canonical URL kept */
#define S_SNIFF_BYTES 8192 /* how much of the page is searched for a <meta> charset */

/* ---- small string helpers ------------------------------------------------------------- */

static int s_fail(char *why, size_t whylen, const char *fmt, ...) PL_PRINTF(3, 4);

static int s_fail(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static char s_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ASCII case-insensitive equality; attribute values and charset labels are ASCII keywords. */
static bool s_ieq(const char *a, const char *b)
{
    while (*a && s_lower(*a) == s_lower(*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

static bool s_iprefix(const char *s, const char *prefix)
{
    while (*prefix && s_lower(*s) == s_lower(*prefix)) {
        s++;
        prefix++;
    }
    return *prefix == '\0';
}

/* Finds needle (lower case) in s ignoring ASCII case. */
static const char *s_ifind(const char *s, const char *needle)
{
    for (; *s; s++)
        if (s_iprefix(s, needle))
            return s;
    return NULL;
}

/* True when the whitespace-separated list value holds token, ignoring ASCII case (rel, role,
 * itemprop are such lists). */
static bool s_has_token(const char *value, const char *token)
{
    size_t tl = strlen(token);
    const char *p = value;
    while (*p) {
        while (s_space(*p))
            p++;
        const char *start = p;
        while (*p && !s_space(*p))
            p++;
        if ((size_t)(p - start) == tl) {
            size_t i = 0;
            while (i < tl && s_lower(start[i]) == s_lower(token[i]))
                i++;
            if (i == tl)
                return true;
        }
    }
    return false;
}

static bool s_is_name(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

/* An attribute's value without copying (it lives as long as the tree): NULL when absent, ""
 * for a bare attribute such as <div hidden>. */
static const char *s_attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!a->name || !s_ieq((const char *)a->name, name))
            continue;
        const xmlNode *v = a->children;
        if (v && v->type == XML_TEXT_NODE && v->content)
            return (const char *)v->content;
        return "";
    }
    return NULL;
}

/* Bytes of text that are not ASCII whitespace: the length unit of every density score. */
static size_t s_visible_len(const xmlChar *s)
{
    size_t n = 0;
    if (s)
        for (; *s; s++)
            if (*s > 0x20)
                n++;
    return n;
}

/* ---- UTF-8 ---------------------------------------------------------------------------- */

/* Decodes one code point; -1 (consuming one byte) for anything ill-formed, by the same table
 * as pl_utf8_valid. */
static long s_utf8_next(const unsigned char *s, size_t n, size_t *adv)
{
    unsigned c = s[0];
    *adv = 1;
    if (c < 0x80)
        return (long)c;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    unsigned long cp;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return -1;
    }
    if (n - 1 < need || s[1] < lo || s[1] > hi)
        return -1;
    for (size_t k = 1; k <= need; k++) {
        if (s[k] < 0x80 || s[k] > 0xBF)
            return -1;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    *adv = need + 1;
    return (long)cp;
}

static size_t s_utf8_put(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Windows-1252 for U+0080..U+009F. These C1 controls never mean anything in web text; they
 * come from windows-1252 bytes read as ISO-8859-1 or from references such as &#150;, which
 * browsers read as windows-1252 too. 0 marks the five unassigned bytes. */
static const unsigned short s_cp1252[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

#define S_CP_DROP  (-1L)
#define S_CP_SPACE (-2L)

/* What a code point becomes in output text: itself, a space, or nothing. */
static long s_cp_map(long cp)
{
    if (cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x1680 ||
        (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
        cp == 0x205F || cp == 0x3000)
        return S_CP_SPACE;
    if (cp < 0x20 || cp == 0x7F)
        return S_CP_DROP;
    if (cp >= 0x80 && cp <= 0x9F)
        return s_cp1252[cp - 0x80] ? (long)s_cp1252[cp - 0x80] : S_CP_DROP;
    /* Invisible characters that would make equal paragraphs compare unequal. */
    if (cp == 0xAD || cp == 0x200B || cp == 0x2060 || cp == 0xFEFF)
        return S_CP_DROP;
    return cp;
}

/* ---- the text writer: whitespace collapsing, paragraphs --------------------------------- */

struct s_writer {
    struct pl_buf out;  /* finished paragraphs joined by "\n\n" */
    struct pl_buf para; /* the paragraph being written */
    size_t limit;       /* most bytes a paragraph may hold, 0 for no limit */
    bool space;         /* whitespace seen since the last character */
    unsigned brs;       /* <br> elements since the last character */
    size_t paras;       /* paragraphs finished so far, written or not */
    const char *title;  /* a first paragraph equal to this is dropped */
};

static void s_w_init(struct s_writer *w, size_t limit, const char *title)
{
    pl_buf_init(&w->out);
    pl_buf_init(&w->para);
    w->limit = limit;
    w->space = false;
    w->brs = 0;
    w->paras = 0;
    w->title = title;
}

static void s_w_release(struct s_writer *w)
{
    pl_buf_release(&w->out);
    pl_buf_release(&w->para);
}

static void s_w_flush(struct s_writer *w)
{
    w->space = false;
    w->brs = 0;
    if (w->para.len == 0)
        return;
    bool dup = w->paras == 0 && w->title && strcmp(w->para.data, w->title) == 0;
    w->paras++;
    if (!dup) {
        if (w->out.len)
            pl_buf_append(&w->out, "\n\n", 2);
        pl_buf_append(&w->out, w->para.data, w->para.len);
    }
    pl_buf_clear(&w->para);
}

/* Appends bytes that form whole characters; a run of ASCII may be cut at the limit, anything
 * else is all or nothing. */
static void s_w_bytes(struct s_writer *w, const char *s, size_t n, bool cuttable)
{
    if (w->brs >= 2 && w->para.len)
        s_w_flush(w); /* two <br> in a row separate paragraphs on pages without <p> */
    w->brs = 0;
    bool sep = w->space && w->para.len > 0;
    w->space = false;
    if (w->limit) {
        size_t room =
            w->para.len + (sep ? 1u : 0u) < w->limit ? w->limit - w->para.len - (sep ? 1u : 0u) : 0;
        if (n > room) {
            if (!cuttable || room == 0)
                return;
            n = room;
        }
    }
    if (sep)
        pl_buf_putc(&w->para, ' ');
    pl_buf_append(&w->para, s, n);
}

static void s_w_text(struct s_writer *w, const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] > 0x20 && s[i] < 0x7F) {
            size_t j = i + 1;
            while (j < n && s[j] > 0x20 && s[j] < 0x7F)
                j++;
            s_w_bytes(w, (const char *)s + i, j - i, true);
            i = j;
            continue;
        }
        size_t adv;
        long cp = s_utf8_next(s + i, n - i, &adv);
        i += adv;
        cp = s_cp_map(cp < 0 ? 0xFFFD : cp);
        if (cp == S_CP_SPACE) {
            w->space = true;
        } else if (cp != S_CP_DROP) {
            char enc[4];
            size_t k = s_utf8_put((unsigned long)cp, enc);
            s_w_bytes(w, enc, k, false);
        }
    }
}

/* A cleaned single-line copy of s (collapsed whitespace, valid UTF-8, at most limit bytes), or
 * NULL when nothing is left. */
static char *s_clean(const char *s, size_t limit)
{
    if (!s)
        return NULL;
    struct s_writer w;
    s_w_init(&w, limit, NULL);
    s_w_text(&w, (const unsigned char *)s, strlen(s));
    char *r = w.para.len ? pl_buf_detach(&w.para, NULL) : NULL;
    s_w_release(&w);
    return r;
}

/* ---- charsets ------------------------------------------------------------------------- */

/* Why decode here rather than let libxml2 switch encodings itself: libxml2 2.9 drops the
 * whole rest of a page at the first byte its converter rejects (one stray 0x98 in a
 * windows-1251 page), prints to stderr while doing it, and ignores a <meta charset> that
 * comes after the first non-ASCII byte. Decoding first, leniently, avoids all three; libxml2
 * is still what finds the <meta> (s_meta_charset). */

/* The WHATWG Encoding Standard's reading of common labels, where glibc's iconv would read
 * them differently or not at all. "LATIN1" is decoded here; s_cp1252 then turns the
 * windows-1252 bytes into their characters, which is what browsers do for all of these. */
static const struct {
    const char *label;
    const char *name;
} s_aliases[] = {
    {"iso-8859-1", "LATIN1"},
    {"iso8859-1", "LATIN1"},
    {"iso_8859-1", "LATIN1"},
    {"latin1", "LATIN1"},
    {"l1", "LATIN1"},
    {"us-ascii", "LATIN1"},
    {"ascii", "LATIN1"},
    {"cp819", "LATIN1"},
    {"windows-1252", "LATIN1"},
    {"cp1252", "LATIN1"},
    {"x-cp1252", "LATIN1"},
    {"utf8", "UTF-8"},
    {"utf-8", "UTF-8"},
    {"unicode-1-1-utf-8", "UTF-8"},
    {"x-cp1251", "WINDOWS-1251"},
    {"win-1251", "WINDOWS-1251"},
    {"gb2312", "GB18030"},
    {"gbk", "GB18030"},
    {"x-gbk", "GB18030"},
    {"shift_jis", "CP932"},
    {"shift-jis", "CP932"},
    {"sjis", "CP932"},
    {"x-sjis", "CP932"},
    {"windows-31j", "CP932"},
    {"euc-kr", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"iso-8859-9", "WINDOWS-1254"},
    {"latin5", "WINDOWS-1254"},
    {"tis-620", "CP874"},
    {"iso-8859-11", "CP874"},
};

/* Copies a charset label out of s (quotes and spaces around it skipped), keeping only the
 * characters labels use: a "//TRANSLIT" suffix never reaches iconv_open. */
static void s_label_copy(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    while (s_space(*s) || *s == '"' || *s == '\'')
        s++;
    for (; *s && k + 1 < cap; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == ':' || c == '+';
        if (!ok)
            break;
        out[k++] = s_lower(c);
    }
    out[k] = '\0';
}

/* The charset=... parameter of a Content-Type value, "" when there is none. */
static void s_charset_param(const char *ct, char *label, size_t cap)
{
    label[0] = '\0';
    const char *p = ct;
    while ((p = s_ifind(p, "charset")) != NULL) {
        const char *q = p + 7;
        while (s_space(*q))
            q++;
        if (*q == '=') {
            s_label_copy(q + 1, label, cap);
            return;
        }
        p = q;
    }
}

/* Lenient iconv: an undecodable byte becomes U+FFFD and decoding goes on. */
static bool s_iconv(const char *name, const char *in, size_t n, struct pl_buf *out)
{
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        return false;
    pl_buf_clear(out);
    pl_buf_reserve(out, n + n / 2 + 64);
    char *ip = (char *)(uintptr_t)in; /* iconv's prototype lacks const */
    size_t il = n;
    for (;;) {
        char *op = out->data + out->len;
        size_t ol = out->cap - out->len - 1;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        int err = errno;
        out->len = (size_t)(op - out->data);
        out->data[out->len] = '\0';
        if (r != (size_t)-1 || il == 0)
            break; /* UTF-8 output has no shift state to flush */
        if (err == E2BIG) {
            pl_buf_reserve(out, il * 2 + 64);
        } else {
            pl_buf_append(out, "\xEF\xBF\xBD", 3); /* EILSEQ, or EINVAL at the very end */
            ip++;
            il--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    iconv_close(cd);
    return true;
}

static void s_latin1(const char *in, size_t n, struct pl_buf *out)
{
    pl_buf_clear(out);
    pl_buf_reserve(out, n * 2);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x80) {
            out->data[out->len++] = (char)c;
        } else {
            out->data[out->len++] = (char)(0xC0 | (c >> 6));
            out->data[out->len++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out->data[out->len] = '\0';
}

/* UTF-8 with every ill-formed byte replaced by U+FFFD; no copy when in is already clean. */
static void s_utf8(const char *in, size_t n, struct pl_buf *out, const char **data, size_t *len)
{
    if (pl_utf8_valid(in, n, true)) {
        *data = in;
        *len = n;
        return;
    }
    pl_buf_clear(out);
    pl_buf_reserve(out, n + n / 2 + 16);
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0;
    while (i < n) {
        size_t adv;
        long cp = s_utf8_next(s + i, n - i, &adv);
        if (cp < 0)
            pl_buf_append(out, "\xEF\xBF\xBD", 3);
        else
            pl_buf_append(out, s + i, adv);
        i += adv;
    }
    *data = out->data;
    *len = out->len;
}

/* Decodes with a label as found in a header or a <meta>; false when no decoder knows it. */
static bool s_decode_label(const char *label, bool from_meta, const char *in, size_t n,
                           struct pl_buf *out, const char **data, size_t *len)
{
    const char *name = label;
    for (size_t i = 0; i < sizeof s_aliases / sizeof s_aliases[0]; i++)
        if (strcmp(label, s_aliases[i].label) == 0)
            name = s_aliases[i].name;
    /* A <meta> can only be read because the page is ASCII-compatible, so a UTF-16 label there
     * is wrong; browsers read such pages as UTF-8. */
    if (from_meta && (strncmp(label, "utf-16", 6) == 0 || strncmp(label, "utf-32", 6) == 0))
        name = "UTF-8";
    if (strcmp(name, "UTF-8") == 0) {
        s_utf8(in, n, out, data, len);
        return true;
    }
    if (strcmp(name, "LATIN1") == 0) {
        s_latin1(in, n, out);
    } else if (!s_iconv(name, in, n, out)) {
        if (strncmp(name, "x-", 2) != 0 || !s_iconv(name + 2, in, n, out))
            return false;
    }
    *data = out->data;
    *len = out->len;
    return true;
}

/* Walk callbacks return one of these. */
enum { S_SKIP = 0, S_DOWN = 1, S_STOP = -1 };

/* Visits the subtree under top in document order without recursion. enter decides whether
 * to go below a node; leave (optional) is called once a node and what is below it are done. */
static void s_walk(xmlNode *top, int (*enter)(xmlNode *, void *), void (*leave)(xmlNode *, void *),
                   void *arg)
{
    xmlNode *n = top;
    while (n) {
        int r = enter(n, arg);
        if (r == S_STOP)
            return;
        if (r == S_DOWN && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (leave)
                leave(n, arg);
            if (n == top)
                return;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
    }
}

struct s_sniff {
    char *label;
    size_t cap;
};

static int s_sniff_enter(xmlNode *n, void *arg)
{
    struct s_sniff *s = arg;
    if (n->type != XML_ELEMENT_NODE)
        return S_SKIP;
    if (!s_is_name(n, "meta"))
        return S_DOWN;
    const char *cs = s_attr(n, "charset");
    if (cs) {
        s_label_copy(cs, s->label, s->cap);
    } else {
        const char *he = s_attr(n, "http-equiv");
        const char *content = s_attr(n, "content");
        if (he && content && s_ieq(he, "content-type"))
            s_charset_param(content, s->label, s->cap);
    }
    return s->label[0] ? S_STOP : S_SKIP;
}

/* The charset a <meta charset> or <meta http-equiv="Content-Type"> near the top declares,
 * found by letting libxml2 parse that much of the page as Latin-1 (every byte is valid
 * there, and the markup is ASCII in every charset a <meta> can declare). */
static bool s_meta_charset(const char *body, size_t len, char *label, size_t cap)
{
    label[0] = '\0';
    int n = (int)(len < S_SNIFF_BYTES ? len : S_SNIFF_BYTES);
    htmlDocPtr doc = htmlReadMemory(body, n, NULL, "ISO-8859-1", S_PARSE_OPTS);
    if (!doc)
        return false;
    xmlNode *root = xmlDocGetRootElement(doc);
    struct s_sniff s = {label, cap};
    if (root)
        s_walk(root, s_sniff_enter, NULL, &s);
    xmlFreeDoc(doc);
    return label[0] != '\0';
}

/* Media types that are certainly not a web page; anything else is sniffed. */
static bool s_media_rejected(const char *mt)
{
    static const char *const prefixes[] = {"image/", "audio/", "video/",
                                           "font/",  "model/", "application/vnd."};
    static const char *const exact[] = {
        "application/pdf",          "application/zip",      "application/gzip",
        "application/x-gzip",       "application/json",     "application/javascript",
        "application/x-javascript", "text/javascript",      "text/css",
        "application/rss+xml",      "application/atom+xml", "application/msword",
        "application/x-tar",        "application/x-bzip2",  "application/wasm",
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(mt, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(mt, exact[i]) == 0)
            return true;
    size_t l = strlen(mt);
    return l > 5 && strcmp(mt + l - 5, "+json") == 0;
}

/* Binary files served as text/html or without a type: magic numbers, then the share of
 * control bytes that no text encoding a <meta> can name produces (ESC is ISO-2022-JP's). */
static bool s_looks_binary(const char *body, size_t len)
{
    static const struct {
        const char *magic;
        size_t len;
    } magics[] = {{"%PDF-", 5},      {"\x89PNG", 4},  {"GIF8", 4}, {"\xFF\xD8\xFF", 3},
                  {"PK\x03\x04", 4}, {"\x1F\x8B", 2}, {"RIFF", 4}, {"\177ELF", 4}};
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (len >= magics[i].len && memcmp(body, magics[i].magic, magics[i].len) == 0)
            return true;
    size_t sample = len < 4096 ? len : 4096, ctl = 0;
    for (size_t i = 0; i < sample; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B)
            ctl++;
    }
    return ctl * 20 > sample; /* more than 5 %: random bytes give about 10 % */
}

/* ---- dates ---------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's civil-days algorithm). */
static long long s_days(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void s_civil(long long z, long long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

static bool s_num(const char **p, int digits, int *out)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += digits;
    *out = v;
    return true;
}

static int s_month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Normalises an ISO-8601-like stamp ("2023-10-23T14:05:00+03:00", "2023-10-23 11:05",
 * "2023-10-23T11:05:00.000Z", "2023-10-23") into out: "YYYY-MM-DDTHH:MM:SSZ" in UTC, or
 * "YYYY-MM-DD" when there is no time. A time without an offset is taken as UTC. False for
 * anything else, impossible dates included. */
static bool s_norm_date(const char *s, char *out, size_t cap)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
    while (s_space(*s))
        s++;
    if (!s_num(&s, 4, &y) || (*s != '-' && *s != '/'))
        return false;
    char sep = *s++;
    if (!s_num(&s, 2, &mo) || *s++ != sep || !s_num(&s, 2, &d))
        return false;
    if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > s_month_days(y, mo))
        return false;
    bool has_time = false;
    if ((*s == 'T' || *s == 't' || *s == ' ') && s[1] >= '0' && s[1] <= '9') {
        s++;
        has_time = true;
        if (!s_num(&s, 2, &h) || *s++ != ':' || !s_num(&s, 2, &mi))
            return false;
        if (*s == ':') {
            s++;
            if (!s_num(&s, 2, &sec))
                return false;
            if (*s == '.' || *s == ',') {
                s++;
                if (*s < '0' || *s > '9')
                    return false;
                while (*s >= '0' && *s <= '9')
                    s++;
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            return false;
        if (sec == 60)
            sec = 59; /* a leap second; the minute is what matters */
        while (*s == ' ')
            s++;
        if (*s == 'Z' || *s == 'z') {
            s++;
        } else if (*s == '+' || *s == '-') {
            int sign = *s++ == '-' ? -1 : 1, oh, om = 0;
            if (!s_num(&s, 2, &oh))
                return false;
            if (*s == ':')
                s++;
            if (*s >= '0' && *s <= '9' && !s_num(&s, 2, &om))
                return false;
            if (oh > 23 || om > 59)
                return false;
            off = sign * (oh * 60 + om);
        } else if (s_iprefix(s, "utc") || s_iprefix(s, "gmt")) {
            s += 3;
        }
    }
    while (s_space(*s))
        s++;
    if (*s)
        return false;
    int n;
    if (!has_time) {
        n = snprintf(out, cap, "%04d-%02d-%02d", y, mo, d);
    } else {
        long long t = s_days(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
                      (long long)off * 60;
        long long day = t >= 0 ? t / 86400 : (t - 86399) / 86400, yy;
        long long rem = t - day * 86400;
        unsigned um, ud;
        s_civil(day, &yy, &um, &ud);
        if (yy < 1000 || yy > 9999)
            return false;
        n = snprintf(out, cap, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", yy, um, ud, rem / 3600,
                     rem / 60 % 60, rem % 60);
    }
    return n > 0 && (size_t)n < cap;
}

/* Finds "datePublished": "..." in a JSON-LD block without a JSON parser: the key is unusual
 * enough that a plain search for it, quoted, finds the property wherever it is nested. */
static bool s_jsonld_date(const char *json, char *out, size_t cap)
{
    const char *p = json;
    while ((p = strstr(p, "\"datePublished\"")) != NULL) {
        p += 15;
        while (s_space(*p))
            p++;
        if (*p != ':')
            continue;
        p++;
        while (s_space(*p))
            p++;
        if (*p != '"')
            continue;
        p++;
        char v[64];
        size_t k = 0;
        while (*p && *p != '"' && k + 1 < sizeof v) {
            if (*p == '\\' && p[1]) /* "\/" and friends; dates need nothing more */
                p++;
            v[k++] = *p++;
        }
        v[k] = '\0';
        if (*p == '"' && s_norm_date(v, out, cap))
            return true;
    }
    return false;
}

/* ---- element classes and per-element statistics ---------------------------------------- */

enum {
    S_PARA = 1u << 0,       /* a paragraph: its text scores for its parent */
    S_CONTAINER = 1u << 1,  /* a block that holds paragraphs */
    S_NEVER = 1u << 2,      /* never visible text (script, style, form controls, head) */
    S_LAYOUT = 1u << 3,     /* page furniture by its tag (nav, header, footer, aside) */
    S_FORM = 1u << 4,       /* <form>: furniture, unless it wraps the whole page */
    S_LINK = 1u << 5,       /* <a> */
    S_BR = 1u << 6,         /* <br> */
    S_LISTY = 1u << 7,      /* a container dropped when it is mostly links */
    S_ROOTISH = 1u << 8,    /* <html>, <body>: never dropped */
    S_HIDDEN = 1u << 9,     /* hidden attribute, display:none, or a furniture ARIA role */
    S_CLASSJUNK = 1u << 10, /* class or id names boilerplate */
    S_PROTECTED = 1u << 11, /* holds the main article: class, id and form rules do not apply */
    S_JUNK = 1u << 12,      /* pass B dropped it */
    S_SEEN = 1u << 13,      /* pass B went below it */
};

enum {
    T_OTHER,
    T_A,
    T_ARTICLE,
    T_BASE,
    T_BODY,
    T_H1,
    T_HEAD,
    T_HTML,
    T_LINK,
    T_MAIN,
    T_META,
    T_SCRIPT,
    T_TIME,
    T_TITLE,
};

struct s_tag {
    const char *name;
    unsigned flags;
    int id;
};

/* Sorted by name for bsearch. */
static const struct s_tag s_tags[] = {
    {"a", S_LINK, T_A},
    {"address", S_PARA, T_OTHER},
    {"article", S_CONTAINER, T_ARTICLE},
    {"aside", S_CONTAINER | S_LAYOUT, T_OTHER},
    {"audio", S_NEVER, T_OTHER},
    {"base", S_NEVER, T_BASE},
    {"blockquote", S_CONTAINER, T_OTHER},
    {"body", S_CONTAINER | S_ROOTISH, T_BODY},
    {"br", S_BR, T_OTHER},
    {"button", S_NEVER, T_OTHER},
    {"canvas", S_NEVER, T_OTHER},
    {"caption", S_PARA, T_OTHER},
    {"center", S_CONTAINER, T_OTHER},
    {"dd", S_PARA, T_OTHER},
    {"details", S_CONTAINER, T_OTHER},
    {"dialog", S_CONTAINER | S_LAYOUT, T_OTHER},
    {"div", S_CONTAINER | S_LISTY, T_OTHER},
    {"dl", S_CONTAINER | S_LISTY, T_OTHER},
    {"dt", S_PARA, T_OTHER},
    {"embed", S_NEVER, T_OTHER},
    {"fieldset", S_CONTAINER, T_OTHER},
    {"figcaption", S_PARA, T_OTHER},
    {"figure", S_CONTAINER, T_OTHER},
    {"footer", S_CONTAINER | S_LAYOUT, T_OTHER},
    {"form", S_CONTAINER | S_FORM, T_OTHER},
    {"frameset", S_NEVER, T_OTHER},
    {"h1", S_PARA, T_H1},
    {"h2", S_PARA, T_OTHER},
    {"h3", S_PARA, T_OTHER},
    {"h4", S_PARA, T_OTHER},
    {"h5", S_PARA, T_OTHER},
    {"h6", S_PARA, T_OTHER},
    {"head", S_NEVER, T_HEAD},
    {"header", S_CONTAINER | S_LAYOUT, T_OTHER},
    {"hgroup", S_CONTAINER, T_OTHER},
    {"hr", S_CONTAINER, T_OTHER},
    {"html", S_CONTAINER | S_ROOTISH, T_HTML},
    {"iframe", S_NEVER, T_OTHER},
    {"input", S_NEVER, T_OTHER},
    {"li", S_PARA, T_OTHER},
    {"link", S_NEVER, T_LINK},
    {"main", S_CONTAINER, T_MAIN},
    {"menu", S_CONTAINER | S_LAYOUT, T_OTHER},
    {"meta", S_NEVER, T_META},
    {"nav", S_CONTAINER | S_LAYOUT, T_OTHER},
    {"noscript", S_NEVER, T_OTHER},
    {"object", S_NEVER, T_OTHER},
    {"ol", S_CONTAINER | S_LISTY, T_OTHER},
    {"option", S_NEVER, T_OTHER},
    {"p", S_PARA, T_OTHER},
    {"pre", S_PARA, T_OTHER},
    {"script", S_NEVER, T_SCRIPT},
    {"section", S_CONTAINER | S_LISTY, T_OTHER},
    {"select", S_NEVER, T_OTHER},
    {"style", S_NEVER, T_OTHER},
    {"summary", S_PARA, T_OTHER},
    {"svg", S_NEVER, T_OTHER},
    {"table", S_CONTAINER | S_LISTY, T_OTHER},
    {"tbody", S_CONTAINER, T_OTHER},
    {"td", S_CONTAINER, T_OTHER},
    {"template", S_NEVER, T_OTHER},
    {"textarea", S_NEVER, T_OTHER},
    {"tfoot", S_CONTAINER, T_OTHER},
    {"th", S_CONTAINER, T_OTHER},
    {"thead", S_CONTAINER, T_OTHER},
    {"time", 0, T_TIME},
    {"title", S_NEVER, T_TITLE},
    {"tr", S_CONTAINER, T_OTHER},
    {"ul", S_CONTAINER | S_LISTY, T_OTHER},
    {"video", S_NEVER, T_OTHER},
};

static int s_tag_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct s_tag *)elem)->name);
}

/* Words in class and id values that mark boilerplate. Values are split into words at
 * non-alphanumerics and at camelCase humps ("shareBar"), and words compare whole, so
 * "canvas" or "leader" do not match "nav" or "ad". */
static const char *const s_junk_words[] = {
    "ad",          "ads",          "adsbygoogle", "advert",     "adverts",     "advertisement",
    "advertising", "breadcrumb",   "breadcrumbs", "comment",    "comments",    "consent",
    "cookie",      "cookies",      "footer",      "header",     "masthead",    "menu",
    "modal",       "nav",          "navbar",      "navigation", "newsletter",  "outbrain",
    "popup",       "promo",        "promos",      "promotion",  "recommended", "recommendations",
    "related",     "share",        "sharing",     "sidebar",    "social",      "sponsored",
    "subscribe",   "subscription", "taboola",     "tags",       NULL};

static bool s_junk_word(const char *w)
{
    for (size_t i = 0; s_junk_words[i]; i++)
        if (strcmp(w, s_junk_words[i]) == 0)
            return true;
    return false;
}

static bool s_junk_value(const char *v)
{
    char w[24];
    size_t k = 0;
    bool toolong = false, prev_lower = false;
    for (const char *p = v;; p++) {
        char c = *p;
        bool upper = c >= 'A' && c <= 'Z';
        bool alnum = upper || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum || (upper && prev_lower)) {
            if (k && !toolong) {
                w[k] = '\0';
                if (s_junk_word(w))
                    return true;
            }
            k = 0;
            toolong = false;
        }
        if (!c)
            return false;
        prev_lower = c >= 'a' && c <= 'z';
        if (!alnum)
            continue;
        if (k + 1 < sizeof w)
            w[k++] = s_lower(c);
        else
            toolong = true;
    }
}

/* display:none or visibility:hidden in a style attribute. */
static bool s_style_hidden(const char *style)
{
    static const char *const rules[][2] = {{"display", "none"}, {"visibility", "hidden"}};
    for (size_t i = 0; i < 2; i++) {
        const char *p = style;
        while ((p = s_ifind(p, rules[i][0])) != NULL) {
            p += strlen(rules[i][0]);
            while (s_space(*p))
                p++;
            if (*p != ':')
                continue;
            p++;
            while (s_space(*p))
                p++;
            if (s_iprefix(p, rules[i][1]))
                return true;
        }
    }
    return false;
}

struct s_stat {
    uint32_t score; /* doubled text-density score (paragraph text in full, a level up half) */
    uint32_t ptext; /* non-link paragraph text below, in visible bytes */
    uint32_t text;  /* all visible text below */
    uint32_t link;  /* the part of text inside links */
    uint32_t inl;   /* inline text on its way up to the nearest block */
    uint32_t raw;   /* pass A: all text below, junk or not */
    unsigned flags; /* S_* */
};

static void s_add(uint32_t *dst, uint64_t v)
{
    uint64_t sum = (uint64_t)*dst + v;
    *dst = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

enum { K_ARTICLE, K_BODYPROP, K_MAIN }; /* kinds of content candidates, in preference order */

struct s_cand {
    xmlNode *node;
    int kind;
};

/* Ranks of publication-time sources, best first: the metas take 0-6 in the order of
 * s_date_metas, then JSON-LD. <time> elements are looked at only when all of these fail. */
static const char *const s_date_metas[] = {
    "article:published_time", "og:published_time", "pubdate", "publishdate", "date",
    "datepublished",          "dc.date.issued",    NULL};

enum {
    R_ITEMPROP = 5, /* itemprop="datePublished", on a <meta> or any other element */
    R_JSONLD = 7,
    R_NONE = 100,
};

struct s_doc {
    struct s_stat *st;         /* one per element; node->_private points into it */
    size_t nst, capst;         /* used and allocated (the element count) */
    struct s_cand *cands;      /* <article>, [itemprop=articleBody], <main> */
    size_t ncands, capcands;   /* used and allocated */
    xmlNode *root, *body;      /* <html> (or whatever the root is) and the first <body> */
    xmlNode *title_el, *h1_el; /* first <title> and first <h1> */
    const char *og_title;      /* attribute values, pointing into the tree: */
    const char *site_name;     /*   og:site_name */
    const char *app_name;      /*   application-name */
    const char *og_url;        /*   og:url */
    const char *canonical;     /*   <link rel=canonical href> */
    const char *base_href;     /*   <base href> */
    const char *lang;          /*   <html lang> */
    char date[32];             /* best publication time from the metas or JSON-LD */
    int date_rank;             /* its rank, R_NONE when there is none */
    char page_time[32];        /* first valid <time datetime> of the page */
    bool relaxed;              /* pass B without the class/id and form rules */
    unsigned links;            /* depth of <a> elements around the node pass B is in */
    xmlNode *best;             /* pass B's densest container */
    uint32_t best_score;       /* and its score */
    xmlNode *top;              /* pass C's current root */
    struct s_writer *w;        /* pass C's output */
    char *found;               /* the <time> search's result (32 bytes) */
};

static struct s_stat *s_st(const xmlNode *n)
{
    return n && n->type == XML_ELEMENT_NODE ? n->_private : NULL;
}

static int s_count_enter(xmlNode *n, void *arg)
{
    if (n->type != XML_ELEMENT_NODE)
        return S_SKIP;
    (*(size_t *)arg)++;
    return S_DOWN;
}

static void s_push_cand(struct s_doc *d, xmlNode *n, int kind)
{
    if (d->ncands == d->capcands) {
        d->capcands = d->capcands ? d->capcands * 2 : 16;
        d->cands = pl_xrealloc(d->cands, d->capcands * sizeof *d->cands);
    }
    d->cands[d->ncands].node = n;
    d->cands[d->ncands].kind = kind;
    d->ncands++;
}

static void s_offer_date(struct s_doc *d, int rank, const char *v)
{
    char buf[32];
    if (v && rank < d->date_rank && s_norm_date(v, buf, sizeof buf)) {
        memcpy(d->date, buf, sizeof buf);
        d->date_rank = rank;
    }
}

static void s_meta(struct s_doc *d, const xmlNode *n)
{
    const char *content = s_attr(n, "content");
    if (!content)
        return;
    const char *keys[3] = {s_attr(n, "property"), s_attr(n, "name"), s_attr(n, "itemprop")};
    for (size_t k = 0; k < 3; k++) {
        const char *key = keys[k];
        if (!key)
            continue;
        if (s_ieq(key, "og:title")) {
            if (!d->og_title)
                d->og_title = content;
        } else if (s_ieq(key, "og:site_name")) {
            if (!d->site_name)
                d->site_name = content;
        } else if (s_ieq(key, "application-name")) {
            if (!d->app_name)
                d->app_name = content;
        } else if (s_ieq(key, "og:url")) {
            if (!d->og_url)
                d->og_url = content;
        } else {
            for (int i = 0; s_date_metas[i]; i++)
                if (s_ieq(key, s_date_metas[i]))
                    s_offer_date(d, i, content);
        }
    }
}

/* ARIA roles that say the same as <nav>, <header>, <footer>, <aside> or a dialog. */
static bool s_furniture_role(const char *role)
{
    static const char *const roles[] = {"navigation", "banner",  "contentinfo", "complementary",
                                        "search",     "dialog",  "alertdialog", "menu",
                                        "menubar",    "toolbar", NULL};
    for (size_t i = 0; roles[i]; i++)
        if (s_has_token(role, roles[i]))
            return true;
    return false;
}

/* Pass A: metadata, and the classification of every element. */
static int s_a_enter(xmlNode *n, void *arg)
{
    struct s_doc *d = arg;
    if (n->type == XML_TEXT_NODE) {
        struct s_stat *p = s_st(n->parent);
        if (p)
            s_add(&p->raw, s_visible_len(n->content));
        return S_SKIP;
    }
    if (n->type != XML_ELEMENT_NODE || !n->name || d->nst == d->capst)
        return S_SKIP;
    struct s_stat *s = &d->st[d->nst++];
    memset(s, 0, sizeof *s);
    n->_private = s;
    const struct s_tag *t =
        bsearch(n->name, s_tags, sizeof s_tags / sizeof s_tags[0], sizeof s_tags[0], s_tag_cmp);
    s->flags = t ? t->flags : 0;
    int id = t ? t->id : T_OTHER;
    const char *v;
    if (((v = s_attr(n, "class")) && s_junk_value(v)) || ((v = s_attr(n, "id")) && s_junk_value(v)))
        s->flags |= S_CLASSJUNK;
    if (s_attr(n, "hidden") || ((v = s_attr(n, "style")) && s_style_hidden(v)))
        s->flags |= S_HIDDEN;
    if ((v = s_attr(n, "role")) != NULL) {
        if (s_furniture_role(v))
            s->flags |= S_HIDDEN;
        if (s_has_token(v, "main"))
            s_push_cand(d, n, K_MAIN);
    }
    if ((v = s_attr(n, "itemprop")) != NULL) {
        if (s_has_token(v, "articleBody"))
            s_push_cand(d, n, K_BODYPROP);
        if (id != T_META && s_has_token(v, "datePublished")) {
            const char *c = s_attr(n, "content");
            s_offer_date(d, R_ITEMPROP, c ? c : s_attr(n, "datetime"));
        }
    }
    char buf[32];
    switch (id) {
    case T_HTML:
        if (n == d->root)
            d->lang = s_attr(n, "lang");
        break;
    case T_BODY:
        if (!d->body)
            d->body = n;
        break;
    case T_TITLE: /* an SVG's <title> is never reached: pass A does not enter <svg> */
        if (!d->title_el)
            d->title_el = n;
        break;
    case T_META:
        s_meta(d, n);
        break;
    case T_LINK:
        if (!d->canonical && (v = s_attr(n, "rel")) != NULL && s_has_token(v, "canonical"))
            d->canonical = s_attr(n, "href");
        break;
    case T_BASE:
        if (!d->base_href)
            d->base_href = s_attr(n, "href");
        break;
    case T_SCRIPT:
        if (d->date_rank > R_JSONLD && (v = s_attr(n, "type")) != NULL && s_ifind(v, "ld+json")) {
            xmlChar *json = xmlNodeGetContent(n);
            if (json && s_jsonld_date((const char *)json, buf, sizeof buf)) {
                memcpy(d->date, buf, sizeof buf);
                d->date_rank = R_JSONLD;
            }
            xmlFree(json);
        }
        break;
    case T_H1:
        if (!d->h1_el)
            d->h1_el = n;
        break;
    case T_TIME:
        if (!d->page_time[0] && (v = s_attr(n, "datetime")) != NULL &&
            s_norm_date(v, buf, sizeof buf))
            memcpy(d->page_time, buf, sizeof buf);
        break;
    case T_ARTICLE:
        s_push_cand(d, n, K_ARTICLE);
        break;
    case T_MAIN:
        s_push_cand(d, n, K_MAIN);
        break;
    default:
        break;
    }
    /* <head> holds the metadata; nothing else that never shows text needs a look inside. */
    return (s->flags & S_NEVER) && id != T_HEAD ? S_SKIP : S_DOWN;
}

static void s_a_leave(xmlNode *n, void *arg)
{
    (void)arg;
    struct s_stat *s = s_st(n), *p = n->parent ? s_st(n->parent) : NULL;
    if (s && p)
        s_add(&p->raw, s->raw);
}

/* Marks n and its ancestors, stopping at the first one already marked so that the work over
 * all candidates stays linear. */
static void s_protect(xmlNode *n)
{
    for (; n; n = n->parent) {
        struct s_stat *s = s_st(n);
        if (!s || (s->flags & S_PROTECTED))
            return;
        s->flags |= S_PROTECTED;
    }
}

static bool s_junk(const struct s_doc *d, unsigned f)
{
    if (f & S_NEVER)
        return true;
    if (f & S_ROOTISH)
        return false;
    if (f & S_LAYOUT)
        return true;
    if (f & S_PROTECTED)
        return false; /* <article class="post has-comments"> is still the article */
    if (f & S_HIDDEN)
        return true;
    if (d->relaxed)
        return false;
    return (f & (S_FORM | S_CLASSJUNK)) != 0;
}

/* Pass B: drops boilerplate and sums text bottom-up. A paragraph's own text scores in full
 * for the element holding it and half for the one above that, so the densest container wins
 * even when an article is split over a few wrappers. */
static int s_b_enter(xmlNode *n, void *arg)
{
    struct s_doc *d = arg;
    if (n->type == XML_TEXT_NODE) {
        struct s_stat *p = s_st(n->parent);
        size_t l = s_visible_len(n->content);
        if (p && l) {
            s_add(&p->text, l);
            s_add(d->links ? &p->link : &p->inl, l);
        }
        return S_SKIP;
    }
    struct s_stat *s = s_st(n);
    if (!s)
        return S_SKIP;
    s->score = s->ptext = s->text = s->link = s->inl = 0;
    if (s_junk(d, s->flags)) {
        s->flags |= S_JUNK;
        return S_SKIP;
    }
    s->flags |= S_SEEN;
    if (s->flags & S_LINK)
        d->links++;
    return S_DOWN;
}

static void s_b_leave(xmlNode *n, void *arg)
{
    struct s_doc *d = arg;
    struct s_stat *s = s_st(n);
    if (!s || !(s->flags & S_SEEN))
        return;
    if (s->flags & S_LINK)
        d->links--;
    struct s_stat *p = n->parent ? s_st(n->parent) : NULL;
    struct s_stat *g = p ? s_st(n->parent->parent) : NULL;
    if (s->flags & (S_PARA | S_CONTAINER)) {
        uint32_t own = s->inl;
        s->inl = 0;
        s_add(&s->ptext, own);
        if (s->flags & S_PARA) {
            if (p)
                s_add(&p->score, 2ull * own);
            if (g)
                s_add(&g->score, own);
        } else {
            s_add(&s->score, 2ull * own);
            if (p)
                s_add(&p->score, own);
        }
    }
    if (p) {
        s_add(&p->text, s->text);
        s_add(&p->link, s->link);
        s_add(&p->ptext, s->ptext);
        s_add(&p->inl, s->inl);
    }
    /* Ancestors leave after their descendants, so ">=" hands ties to the wider block. */
    if ((s->flags & S_CONTAINER) && s->score > 0 && s->score >= d->best_score) {
        d->best = n;
        d->best_score = s->score;
    }
}

static bool s_link_dense(const struct s_stat *s)
{
    return s->text > 0 && (uint64_t)s->link * 2 > s->text;
}

/* Pass C: writes the text under one content root, a paragraph per block. */
static int s_c_enter(xmlNode *n, void *arg)
{
    struct s_doc *d = arg;
    if (n->type == XML_TEXT_NODE) {
        if (n->content)
            s_w_text(d->w, n->content, strlen((const char *)n->content));
        return S_SKIP;
    }
    struct s_stat *s = s_st(n);
    if (!s)
        return S_SKIP;
    if (s->flags & (S_PARA | S_CONTAINER))
        s_w_flush(d->w); /* a dropped block still separates the text around it */
    if (!(s->flags & S_SEEN))
        return S_SKIP;
    if (n != d->top && (s->flags & S_LISTY) && s_link_dense(s))
        return S_SKIP; /* lists of links inside the article: "read more", related stories */
    if (s->flags & S_BR) {
        d->w->brs++;
        d->w->space = true;
        return S_SKIP;
    }
    return S_DOWN;
}

static void s_c_leave(xmlNode *n, void *arg)
{
    struct s_doc *d = arg;
    struct s_stat *s = s_st(n);
    if (s && (s->flags & (S_PARA | S_CONTAINER)))
        s_w_flush(d->w);
}

/* The first valid <time datetime> under a content root, header and all. */
static int s_time_enter(xmlNode *n, void *arg)
{
    struct s_doc *d = arg;
    struct s_stat *s = s_st(n);
    if (!s || (s->flags & S_NEVER))
        return S_SKIP;
    const char *v;
    char buf[32];
    if (s_is_name(n, "time") && (v = s_attr(n, "datetime")) != NULL &&
        s_norm_date(v, buf, sizeof buf)) {
        memcpy(d->found, buf, sizeof buf);
        return S_STOP;
    }
    return S_DOWN;
}

/* The preferred semantic element of the first kind that holds real text: at least half the
 * paragraph text of the densest block, so a teaser <article> in a sidebar does not win. */
static xmlNode *s_pick_candidate(const struct s_doc *d, uint32_t densest)
{
    for (int kind = K_ARTICLE; kind <= K_MAIN; kind++) {
        xmlNode *best = NULL;
        uint32_t bt = 0;
        for (size_t i = 0; i < d->ncands; i++) {
            const struct s_stat *s = s_st(d->cands[i].node);
            if (d->cands[i].kind == kind && s && (s->flags & S_SEEN) && s->ptext > bt) {
                best = d->cands[i].node;
                bt = s->ptext;
            }
        }
        if (best && (uint64_t)bt * 2 >= densest)
            return best;
    }
    return NULL;
}

static void s_extract_root(struct s_doc *d, xmlNode *top)
{
    d->top = top;
    s_walk(top, s_c_enter, s_c_leave, d);
    s_w_flush(d->w);
    if (!d->found[0])
        s_walk(top, s_time_enter, NULL, d);
}

/* Passes B and C: picks the content and writes it to w; ctime gets the content's first
 * <time>. */
static void s_content(struct s_doc *d, struct s_writer *w, char *ctime)
{
    for (size_t i = 0; i < d->nst; i++)
        d->st[i].flags &= ~(unsigned)(S_JUNK | S_SEEN);
    d->links = 0;
    d->best = NULL;
    d->best_score = 0;
    s_walk(d->root, s_b_enter, s_b_leave, d);

    xmlNode *win = d->best ? d->best : d->body ? d->body : d->root;
    const struct s_stat *ws = s_st(win);
    uint32_t densest = ws ? ws->ptext : 0;
    xmlNode *pick = s_pick_candidate(d, densest);
    d->w = w;
    d->found = ctime;
    if (pick || !s_st(win->parent)) {
        s_extract_root(d, pick ? pick : win);
        return;
    }
    /* Siblings of the densest block with at least a quarter of its text are usually the same
     * article, split by an advert or a photo. */
    for (xmlNode *c = win->parent->children; c; c = c->next) {
        const struct s_stat *s = s_st(c);
        if (c == win || (s && (s->flags & S_SEEN) && s->ptext > 0 &&
                         (uint64_t)s->ptext * 4 >= densest && !s_link_dense(s)))
            s_extract_root(d, c);
    }
}

/* ---- metadata fields ------------------------------------------------------------------ */

/* Removes " | Outlet" (or "Outlet | ") from a title when that part is the outlet's name. */
static void s_strip_site(char *t, const char *outlet)
{
    static const char *const seps[] = {
        " | ",  " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " \xC2\xB7 ", " \xE2\x80\xA2 ",
        " :: ", " : "};
    size_t ol = strlen(outlet);
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
        size_t sl = strlen(seps[i]);
        char *last = NULL;
        for (char *p = strstr(t, seps[i]); p; p = strstr(p + 1, seps[i]))
            last = p;
        if (last && last > t && s_ieq(last + sl, outlet)) {
            *last = '\0';
            return;
        }
        char *first = strstr(t, seps[i]);
        if (first && (size_t)(first - t) == ol && first[sl]) {
            size_t k = 0;
            while (k < ol && s_lower(t[k]) == s_lower(outlet[k]))
                k++;
            if (k == ol) {
                memmove(t, first + sl, strlen(first + sl) + 1);
                return;
            }
        }
    }
}

static char *s_node_text(xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *r = s_clean((const char *)c, S_FIELD_MAX);
    xmlFree(c);
    return r;
}

static char *s_title(const struct s_doc *d, const char *outlet)
{
    char *t = s_clean(d->og_title, S_FIELD_MAX);
    if (!t && d->title_el)
        t = s_node_text(d->title_el);
    if (t && outlet)
        s_strip_site(t, outlet);
    if (!t && d->h1_el)
        t = s_node_text(d->h1_el);
    return t;
}

/* An absolute http(s) URL for href, resolved against base (may be NULL), or NULL. */
static char *s_resolve(const char *href, const char *base)
{
    char *h = s_clean(href, S_URL_MAX);
    if (!h)
        return NULL;
    xmlChar *r = xmlBuildURI((const xmlChar *)h, (const xmlChar *)base);
    if (!r) {
        /* Spaces and raw UTF-8 make libxml2's URI parser give up; percent-encoded they pass. */
        xmlChar *esc = xmlURIEscapeStr((const xmlChar *)h, (const xmlChar *)":/?#[]@!$&'()*+,;=%~");
        if (esc) {
            r = xmlBuildURI(esc, (const xmlChar *)base);
            xmlFree(esc);
        }
    }
    free(h);
    char *out = NULL;
    if (r && (s_iprefix((const char *)r, "http://") || s_iprefix((const char *)r, "https://"))) {
        size_t l = strlen((const char *)r);
        bool clean = l < S_URL_MAX;
        for (size_t i = 0; clean && i < l; i++)
            clean = r[i] > 0x20 && r[i] != 0x7F;
        if (clean)
            out = pl_xstrdup((const char *)r);
    }
    xmlFree(r);
    return out;
}

static char *s_lang(const char *v)
{
    if (!v)
        return NULL;
    while (s_space(*v))
        v++;
    char out[9];
    size_t k = 0;
    for (; *v && *v != '-' && *v != '_' && !s_space(*v); v++) {
        bool letter = (*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z');
        if (!letter || k == 8)
            return NULL;
        out[k++] = s_lower(*v);
    }
    if (k < 2)
        return NULL;
    out[k] = '\0';
    return pl_xstrdup(out);
}

static void s_media_type(const char *ct, char *out, size_t cap)
{
    size_t k = 0;
    while (s_space(*ct))
        ct++;
    for (; *ct && *ct != ';' && !s_space(*ct) && k + 1 < cap; ct++)
        out[k++] = s_lower(*ct);
    out[k] = '\0';
}

static bool s_wide_label(const char *label)
{
    return strncmp(label, "utf-16", 6) == 0 || strncmp(label, "utf-32", 6) == 0 ||
           strncmp(label, "utf16", 5) == 0 || strncmp(label, "utf32", 5) == 0 ||
           strncmp(label, "ucs-", 4) == 0;
}

/* ---- the entry points ----------------------------------------------------------------- */

/* Turns the page into UTF-8 without NUL bytes: data points into body or into own. */
static int s_decode_page(const char *body, size_t len, const char *label, struct pl_buf *own,
                         const char **data, size_t *n, char *why, size_t whylen)
{
    const char *bom = NULL;
    size_t skip = 0;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        bom = "utf-8";
        skip = 3;
    } else if (len >= 2 && memcmp(body, "\xFF\xFE", 2) == 0) {
        bom = "utf-16le";
        skip = 2;
    } else if (len >= 2 && memcmp(body, "\xFE\xFF", 2) == 0) {
        bom = "utf-16be";
        skip = 2;
    }
    bool wide = bom ? skip == 2 : s_wide_label(label);
    if (!wide && s_looks_binary(body, len))
        return s_fail(why, whylen, "binary data, not HTML");
    if (!memchr(body, '<', len))
        return s_fail(why, whylen, "no markup, not HTML");

    /* A byte order mark beats the header, the header beats a <meta> (as in browsers). */
    bool ok = false;
    if (bom)
        ok = s_decode_label(bom, false, body + skip, len - skip, own, data, n);
    if (!ok && label[0])
        ok = s_decode_label(label, false, body, len, own, data, n);
    if (!ok) {
        char meta[48];
        if (s_meta_charset(body, len, meta, sizeof meta))
            ok = s_decode_label(meta, true, body, len, own, data, n);
    }
    if (!ok) { /* nothing declared, or nothing we can decode: UTF-8 if it is, else Latin-1 */
        if (pl_utf8_valid(body, len, true)) {
            *data = body;
            *n = len;
        } else {
            s_latin1(body, len, own);
            *data = own->data;
            *n = own->len;
        }
    }
    if (memchr(*data, '\0', *n)) {
        if (*data != own->data) {
            pl_buf_clear(own);
            pl_buf_append(own, *data, *n);
            *data = own->data;
        }
        for (size_t i = 0; i < own->len; i++)
            if (own->data[i] == '\0')
                own->data[i] = ' ';
    }
    if (*n > (size_t)INT_MAX)
        return s_fail(why, whylen, "page too large once decoded (%zu bytes)", *n);
    return 0;
}

int html_extract(const char *body, size_t len, const char *content_type, const char *url,
                 struct html_page *out, char *why, size_t whylen)
{
    if (!out)
        return s_fail(why, whylen, "no output struct");
    memset(out, 0, sizeof *out);
    if (!body || len == 0)
        return s_fail(why, whylen, "empty body");
    if (len > HTML_MAX_BYTES)
        return s_fail(why, whylen, "page too large (%zu bytes, limit %zu)", len, HTML_MAX_BYTES);
    char media[64] = "", label[48] = "";
    if (content_type) {
        s_media_type(content_type, media, sizeof media);
        s_charset_param(content_type, label, sizeof label);
    }
    if (s_media_rejected(media))
        return s_fail(why, whylen, "not HTML (content type '%s')", media);

    struct pl_buf own;
    pl_buf_init(&own);
    const char *data = NULL;
    size_t n = 0;
    if (s_decode_page(body, len, label, &own, &data, &n, why, whylen) < 0) {
        pl_buf_release(&own);
        return -1;
    }
    xmlInitParser();
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt) {
        pl_buf_release(&own);
        return s_fail(why, whylen, "libxml2 cannot make a parser");
    }
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, data, (int)n, NULL, "UTF-8", S_PARSE_OPTS);
    /* libxml2 halts (and disables SAX) when elements nest deeper than 256; it would need
     * XML_PARSE_HUGE to go on, and that makes its end-tag handling quadratic in the depth. */
    bool truncated = ctxt->disableSAX != 0;
    htmlFreeParserCtxt(ctxt);
    pl_buf_release(&own);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        if (doc)
            xmlFreeDoc(doc);
        return s_fail(why, whylen, "nothing parseable");
    }

    struct s_doc d;
    memset(&d, 0, sizeof d);
    d.root = root;
    d.date_rank = R_NONE;
    size_t count = 0;
    s_walk(root, s_count_enter, NULL, &count);
    d.capst = count;
    d.st = pl_xcalloc(count ? count : 1, sizeof *d.st);
    s_walk(root, s_a_enter, s_a_leave, &d);

    /* The largest <article> is the article; <main> and articleBody are content wherever they
     * are. None of them is dropped for its class, nor are their wrappers. */
    xmlNode *art = NULL;
    uint32_t art_raw = 0;
    for (size_t i = 0; i < d.ncands; i++) {
        const struct s_stat *s = s_st(d.cands[i].node);
        if (d.cands[i].kind == K_ARTICLE && s && s->raw > art_raw) {
            art = d.cands[i].node;
            art_raw = s->raw;
        }
    }
    if (art)
        s_protect(art);
    for (size_t i = 0; i < d.ncands; i++)
        if (d.cands[i].kind != K_ARTICLE)
            s_protect(d.cands[i].node);

    out->truncated = truncated;
    out->outlet = s_clean(d.site_name, S_FIELD_MAX);
    if (!out->outlet)
        out->outlet = s_clean(d.app_name, S_FIELD_MAX);
    out->title = s_title(&d, out->outlet);
    out->lang = s_lang(d.lang);
    const char *href = d.canonical ? d.canonical : d.og_url;
    if (href) {
        char *base = d.base_href ? s_resolve(d.base_href, url) : NULL;
        out->canonical = s_resolve(href, base ? base : url);
        free(base);
    }

    struct s_writer w;
    s_w_init(&w, 0, out->title);
    char ctime[32] = "";
    s_content(&d, &w, ctime);
    if (w.paras == 0) {
        /* Nothing survived: the class and form rules were wrong for this page (a wrapper
         * named "has-sidebar", an ASP.NET form around everything). */
        d.relaxed = true;
        s_content(&d, &w, ctime);
    }
    out->text = pl_buf_detach(&w.out, NULL);
    s_w_release(&w);

    const char *pub = d.date_rank < R_NONE ? d.date
                      : ctime[0]           ? ctime
                      : d.page_time[0]     ? d.page_time
                                           : NULL;
    out->published = pub ? pl_xstrdup(pub) : NULL;

    free(d.st);
    free(d.cands);
    xmlFreeDoc(doc);
    return 0;
}

void html_page_release(struct html_page *p)
{
    if (!p)
        return;
    free(p->title);
    free(p->published);
    free(p->outlet);
    free(p->canonical);
    free(p->lang);
    free(p->text);
    memset(p, 0, sizeof *p);
}
