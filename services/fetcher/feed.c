/* feed.c - RSS 2.0, RSS 1.0 and Atom items with libxml2 (see feed.h).
 *
 * Safety comes from what libxml2 is not asked to do: no XML_PARSE_NOENT (entities stay
 * references in the tree), no DTD loading, no network, no HUGE limits. Text is then read by
 * our own walker, which expands only internal entities and stops at a byte and a node budget,
 * because libxml2's own xmlNodeGetContent/xmlGetProp would expand a "billion laughs" in full.
 */
#include "feed.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define S_NS_ATOM   "http://www.w3.org/2005/Atom"
#define S_NS_RSS1   "http://purl.org/rss/1.0/"
#define S_NS_RSS090 "http://my.netscape.com/rdf/simple/0.9/"
#define S_NS_DC     "http://purl.org/dc/elements/1.1/"
#define S_NS_RDF    "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

#define S_XML_OPTIONS                                                                              \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES)

/* Bounds on one text value (a title, a link): bytes kept, nodes visited, nesting followed. */
#define S_TEXT_MAX   (64 * 1024)
#define S_VISITS_MAX 100000
#define S_DEPTH_MAX  16

/* ---------------------------------------------------------------------------------------- */
/* Characters and reasons */

static bool s_isdigit(char c)
{
    return c >= '0' && c <= '9';
}

static bool s_isalpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool s_isspace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static char s_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* True when the n bytes at s equal the first n of word, ignoring ASCII case. */
static bool s_ieq_n(const char *s, const char *word, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (word[i] == '\0' || s_lower(s[i]) != s_lower(word[i]))
            return false;
    return true;
}

static const char *s_skip_ws(const char *p)
{
    while (s_isspace(*p))
        p++;
    return p;
}

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

/* ---------------------------------------------------------------------------------------- */
/* Dates */

struct s_when {
    int year, mon, day, hour, min, sec;
    int off; /* minutes east of UTC */
};

/* Reads min..max digits; the position after them, or NULL when fewer than min. */
static const char *s_num(const char *p, int min, int max, int *out)
{
    int v = 0, n = 0;
    while (n < max && s_isdigit(p[n])) {
        v = v * 10 + (p[n] - '0');
        n++;
    }
    if (n < min)
        return NULL;
    *out = v;
    return p + n;
}

static size_t s_word_len(const char *p)
{
    size_t n = 0;
    while (s_isalpha(p[n]))
        n++;
    return n;
}

/* A name given in full or shortened to at least three letters ("Jun", "June", "Sept"). */
static int s_name_index(const char *w, size_t n, const char *const *names, int count)
{
    if (n < 3)
        return -1;
    for (int i = 0; i < count; i++)
        if (n <= strlen(names[i]) && s_ieq_n(w, names[i], n))
            return i;
    return -1;
}

static const char *const s_months[] = {"january",   "february", "march",    "april",
                                       "may",       "june",     "july",     "august",
                                       "september", "october",  "november", "december"};
static const char *const s_weekdays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                         "friday", "saturday", "sunday"};

/* Obsolete and common zone names; RFC 5322 section 4.3 says the rest mean UTC. */
static const struct {
    const char *name;
    int off;
} s_zones[] = {
    {"UT", 0},      {"UTC", 0},     {"GMT", 0},    {"Z", 0},      {"EST", -300}, {"EDT", -240},
    {"CST", -360},  {"CDT", -300},  {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
    {"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"WET", 0},    {"WEST", 60},  {"BST", 60},
    {"CET", 60},    {"CEST", 120},  {"MET", 60},   {"MEST", 120}, {"EET", 120},  {"EEST", 180},
    {"MSK", 180},   {"IST", 330},   {"HKT", 480},  {"SGT", 480},  {"AWST", 480}, {"JST", 540},
    {"KST", 540},   {"ACST", 570},  {"AEST", 600}, {"AEDT", 660}, {"NZST", 720}, {"NZDT", 780},
};

/* "+HHMM", "+HH:MM", "+HH", "+H" or "+HMM" after the sign at p. */
static const char *s_numeric_zone(const char *p, int *off)
{
    int sign = *p == '-' ? -1 : 1;
    p++;
    size_t n = 0;
    while (n < 5 && s_isdigit(p[n]))
        n++;
    int h = 0, m = 0;
    if (n == 4 || n == 3) {
        int v;
        if (!s_num(p, (int)n, (int)n, &v))
            return NULL;
        h = v / 100;
        m = v % 100;
        p += n;
    } else if (n == 1 || n == 2) {
        p = s_num(p, (int)n, (int)n, &h);
        if (*p == ':') {
            p = s_num(p + 1, 2, 2, &m);
            if (!p)
                return NULL;
        }
    } else {
        return NULL;
    }
    if (h > 23 || m > 59)
        return NULL;
    *off = sign * (h * 60 + m);
    return p;
}

/* An RFC 822 zone, possibly absent (UTC), possibly "GMT+2". */
static const char *s_zone(const char *p, int *off)
{
    *off = 0;
    if (*p == '+' || *p == '-')
        return s_numeric_zone(p, off);
    size_t n = s_word_len(p);
    if (n == 0)
        return p;
    if (n > 5)
        return NULL;
    for (size_t i = 0; i < sizeof s_zones / sizeof s_zones[0]; i++)
        if (strlen(s_zones[i].name) == n && s_ieq_n(p, s_zones[i].name, n))
            *off = s_zones[i].off;
    p += n;
    if ((*p == '+' || *p == '-') && s_isdigit(p[1])) {
        int extra;
        p = s_numeric_zone(p, &extra);
        if (!p)
            return NULL;
        *off += extra;
    }
    return p;
}

/* Whitespace, at most one "(comment)", whitespace, then the end. */
static bool s_only_trailer(const char *p)
{
    p = s_skip_ws(p);
    if (*p == '(') {
        const char *q = strchr(p, ')');
        if (!q)
            return false;
        p = s_skip_ws(q + 1);
    }
    return *p == '\0';
}

/* "HH:MM[:SS[.fff]]" with one- or two-digit hours when loose. */
static const char *s_clock(const char *p, bool loose, struct s_when *w)
{
    p = s_num(p, loose ? 1 : 2, 2, &w->hour);
    if (!p || *p != ':')
        return NULL;
    p = s_num(p + 1, 2, 2, &w->min);
    if (!p)
        return NULL;
    w->sec = 0;
    if (*p == ':') {
        p = s_num(p + 1, 2, 2, &w->sec);
        if (!p)
            return NULL;
        if (*p == '.' && s_isdigit(p[1])) /* fractions of a second are dropped */
            for (p++; s_isdigit(*p);)
                p++;
    }
    return p;
}

/* [Weekday[,]] D[D] Mon YY[YY] [H[H]:MM[:SS]] [zone], with '-' allowed between the date's
 * parts for RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT"). */
static int s_parse_rfc822(const char *p, struct s_when *w)
{
    p = s_skip_ws(p);
    size_t n = s_word_len(p);
    if (n > 0) {
        if (s_name_index(p, n, s_weekdays, 7) < 0)
            return -1;
        p = s_skip_ws(p + n);
        if (*p == ',')
            p = s_skip_ws(p + 1);
    }
    p = s_num(p, 1, 2, &w->day);
    if (!p || !(s_isspace(*p) || *p == '-'))
        return -1;
    p = s_skip_ws(*p == '-' ? p + 1 : p);
    n = s_word_len(p);
    w->mon = s_name_index(p, n, s_months, 12) + 1;
    if (w->mon == 0)
        return -1;
    p += n;
    if (*p == '-' || *p == '.')
        p++;
    p = s_skip_ws(p);
    const char *y = p;
    p = s_num(p, 2, 4, &w->year);
    if (!p || s_isdigit(*p))
        return -1;
    if (p - y == 2) /* RFC 5322 section 4.3 */
        w->year += w->year < 50 ? 2000 : 1900;
    else if (p - y == 3)
        w->year += 1900;
    const char *q = s_skip_ws(p);
    if (s_isdigit(*q)) {
        if (q == p)
            return -1;
        p = s_clock(q, true, w);
        if (!p)
            return -1;
    } else {
        w->hour = w->min = w->sec = 0;
    }
    q = s_skip_ws(p);
    if (*q != '\0' && q == p) /* a zone needs a space before it */
        return -1;
    p = s_zone(q, &w->off);
    if (!p || !s_only_trailer(p))
        return -1;
    return 0;
}

/* YYYY-MM-DD[(T|t| )HH:MM[:SS[.fff]][Z|z|+HH:MM|+HHMM]]: RFC 3339 and W3C-DTF. */
static int s_parse_iso(const char *p, struct s_when *w)
{
    p = s_num(s_skip_ws(p), 4, 4, &w->year);
    if (!p || *p != '-' || !(p = s_num(p + 1, 2, 2, &w->mon)) || *p != '-' ||
        !(p = s_num(p + 1, 2, 2, &w->day)))
        return -1;
    w->hour = w->min = w->sec = w->off = 0;
    if ((*p == 'T' || *p == 't' || *p == ' ') && s_isdigit(p[1])) {
        p = s_clock(p + 1, false, w);
        if (!p)
            return -1;
        p = s_skip_ws(p);
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p == '+' || *p == '-')
            p = s_numeric_zone(p, &w->off);
        if (!p)
            return -1;
    }
    return *s_skip_ws(p) == '\0' ? 0 : -1;
}

static int s_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t s_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static void s_put_digits(char *o, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

static int s_format_utc(const struct s_when *w, char out[21])
{
    if (w->year < 1 || w->year > 9999 || w->mon < 1 || w->mon > 12 || w->day < 1 ||
        w->day > s_days_in_month(w->year, w->mon) || w->hour > 23 || w->min > 59 || w->sec > 60)
        return -1;
    /* Seconds since the epoch make the offset and a leap second (:60) carry over cleanly. */
    int64_t t = s_days_from_civil(w->year, w->mon, w->day) * 86400 + w->hour * 3600 + w->min * 60 +
                w->sec - (int64_t)w->off * 60;
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y, m, d;
    s_civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999)
        return -1;
    s_put_digits(out, y, 4);
    out[4] = '-';
    s_put_digits(out + 5, m, 2);
    out[7] = '-';
    s_put_digits(out + 8, d, 2);
    out[10] = 'T';
    s_put_digits(out + 11, rem / 3600, 2);
    out[13] = ':';
    s_put_digits(out + 14, rem / 60 % 60, 2);
    out[16] = ':';
    s_put_digits(out + 17, rem % 60, 2);
    out[19] = 'Z';
    out[20] = '\0';
    return 0;
}

int feed_date_iso(const char *in, char out[21])
{
    if (!in)
        return -1;
    const char *p = s_skip_ws(in);
    struct s_when w = {0};
    bool iso =
        s_isdigit(p[0]) && s_isdigit(p[1]) && s_isdigit(p[2]) && s_isdigit(p[3]) && p[4] == '-';
    if ((iso ? s_parse_iso(p, &w) : s_parse_rfc822(p, &w)) < 0)
        return -1;
    return s_format_utc(&w, out);
}

/* ---------------------------------------------------------------------------------------- */
/* Links: RFC 3986 section 5.2 reference resolution */

struct s_part {
    const char *p;
    size_t n;
    bool set;
};

struct s_uri {
    struct s_part scheme, auth, path, query, frag;
};

static void s_uri_split(const char *u, struct s_uri *o)
{
    memset(o, 0, sizeof *o);
    const char *p = u;
    if (s_isalpha(*p)) {
        const char *q = p + 1;
        while (s_isalpha(*q) || s_isdigit(*q) || *q == '+' || *q == '-' || *q == '.')
            q++;
        if (*q == ':') {
            o->scheme = (struct s_part){p, (size_t)(q - p), true};
            p = q + 1;
        }
    }
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        size_t n = strcspn(p, "/?#");
        o->auth = (struct s_part){p, n, true};
        p += n;
    }
    size_t n = strcspn(p, "?#");
    o->path = (struct s_part){p, n, true};
    p += n;
    if (*p == '?') {
        p++;
        n = strcspn(p, "#");
        o->query = (struct s_part){p, n, true};
        p += n;
    }
    if (*p == '#') {
        p++;
        o->frag = (struct s_part){p, strlen(p), true};
    }
}

/* Drops the last segment and its '/' from the output (step 2C of section 5.2.4). */
static void s_pop_segment(struct pl_buf *b)
{
    while (b->len > 0 && b->data[b->len - 1] != '/')
        b->len--;
    if (b->len > 0)
        b->len--;
    if (b->data)
        b->data[b->len] = '\0';
}

/* Section 5.2.4, on a private copy so "/." and "/.." can be rewritten to "/" in place. */
static void s_remove_dots(const char *in, size_t n, struct pl_buf *out)
{
    char *copy = pl_xstrndup(in, n);
    char *p = copy;
    while (*p) {
        if (strncmp(p, "../", 3) == 0) {
            p += 3;
        } else if (strncmp(p, "./", 2) == 0) {
            p += 2;
        } else if (strncmp(p, "/./", 3) == 0) {
            p += 2;
        } else if (strcmp(p, "/.") == 0) {
            p[1] = '/';
            p += 1;
        } else if (strncmp(p, "/../", 4) == 0) {
            p += 3;
            s_pop_segment(out);
        } else if (strcmp(p, "/..") == 0) {
            p[2] = '/';
            p += 2;
            s_pop_segment(out);
        } else if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
            break;
        } else {
            size_t k = *p == '/' ? 1 : 0;
            k += strcspn(p + k, "/");
            pl_buf_append(out, p, k);
            p += k;
        }
    }
    free(copy);
}

static bool s_ishex(char c)
{
    return s_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Copies a path, query or fragment, percent-encoding what may not appear raw in a URL. */
static void s_put_encoded(struct pl_buf *b, const char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        bool bad = c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' ||
                   (c == '%' && !(i + 2 < n && s_ishex(p[i + 1]) && s_ishex(p[i + 2])));
        if (bad) {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            pl_buf_append(b, e, 3);
        } else {
            pl_buf_putc(b, (char)c);
        }
    }
}

/* An http(s) URL needs a host; the authority must not hold whitespace or controls. */
static bool s_http_ok(const struct s_uri *t)
{
    if (!t->scheme.set || !t->auth.set)
        return false;
    bool http = (t->scheme.n == 4 && s_ieq_n(t->scheme.p, "http", 4)) ||
                (t->scheme.n == 5 && s_ieq_n(t->scheme.p, "https", 5));
    if (!http)
        return false;
    const char *a = t->auth.p, *end = t->auth.p + t->auth.n;
    for (const char *q = a; q < end; q++) {
        if ((unsigned char)*q <= 0x20 || *q == 0x7f || *q == '\\')
            return false;
        if (*q == '@')
            a = q + 1;
    }
    return a < end && *a != ':';
}

/* Resolves ref against base (which may be NULL). NULL when the result is not absolute, or,
 * with http_only, not an http(s) URL with a host. */
static char *s_resolve(const char *base, const char *ref, bool http_only)
{
    struct s_uri r, b, t;
    struct pl_buf path, merged;
    pl_buf_init(&path);
    pl_buf_init(&merged);
    s_uri_split(ref, &r);
    memset(&t, 0, sizeof t);
    if (r.scheme.set) {
        t = r;
        s_remove_dots(r.path.p, r.path.n, &path);
    } else {
        if (!base)
            return NULL;
        s_uri_split(base, &b);
        if (!b.scheme.set)
            return NULL;
        t.scheme = b.scheme;
        t.frag = r.frag;
        if (r.auth.set) {
            t.auth = r.auth;
            t.query = r.query;
            s_remove_dots(r.path.p, r.path.n, &path);
        } else {
            t.auth = b.auth;
            if (r.path.n == 0) {
                pl_buf_append(&path, b.path.p, b.path.n);
                t.query = r.query.set ? r.query : b.query;
            } else {
                t.query = r.query;
                if (r.path.p[0] == '/') {
                    s_remove_dots(r.path.p, r.path.n, &path);
                } else {
                    if (b.auth.set && b.path.n == 0) {
                        pl_buf_putc(&merged, '/');
                    } else {
                        size_t k = b.path.n;
                        while (k > 0 && b.path.p[k - 1] != '/')
                            k--;
                        pl_buf_append(&merged, b.path.p, k);
                    }
                    pl_buf_append(&merged, r.path.p, r.path.n);
                    s_remove_dots(merged.data, merged.len, &path);
                }
            }
        }
    }
    char *url = NULL;
    if (!http_only || s_http_ok(&t)) {
        struct pl_buf u;
        pl_buf_init(&u);
        for (size_t i = 0; i < t.scheme.n; i++)
            pl_buf_putc(&u, s_lower(t.scheme.p[i]));
        pl_buf_putc(&u, ':');
        if (t.auth.set) {
            pl_buf_puts(&u, "//");
            pl_buf_append(&u, t.auth.p, t.auth.n);
        }
        s_put_encoded(&u, path.data ? path.data : "", path.len);
        if (t.query.set) {
            pl_buf_putc(&u, '?');
            s_put_encoded(&u, t.query.p, t.query.n);
        }
        if (t.frag.set) {
            pl_buf_putc(&u, '#');
            s_put_encoded(&u, t.frag.p, t.frag.n);
        }
        url = pl_buf_detach(&u, NULL);
    }
    pl_buf_release(&path);
    pl_buf_release(&merged);
    return url;
}

/* ---------------------------------------------------------------------------------------- */
/* Text out of the tree */

struct s_text {
    struct pl_buf b;
    size_t visits; /* nodes seen, against S_VISITS_MAX */
};

static void s_text_add(struct s_text *t, const xmlChar *s)
{
    if (!s || t->b.len >= S_TEXT_MAX)
        return;
    size_t n = strlen((const char *)s);
    if (n > S_TEXT_MAX - t->b.len)
        n = S_TEXT_MAX - t->b.len; /* a cut character is repaired later */
    pl_buf_append(&t->b, s, n);
}

/* Concatenates the text of a node list: text and CDATA, the text of child elements, and the
 * content of internal entities (never external ones), all within the budgets. */
static void s_collect(const xmlDoc *doc, const xmlNode *n, struct s_text *t, int depth)
{
    for (; n; n = n->next) {
        if (++t->visits > S_VISITS_MAX || t->b.len >= S_TEXT_MAX)
            return;
        switch (n->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            s_text_add(t, n->content);
            break;
        case XML_ELEMENT_NODE:
            if (depth < S_DEPTH_MAX)
                s_collect(doc, n->children, t, depth + 1);
            break;
        case XML_ENTITY_REF_NODE: {
            const xmlEntity *ent = xmlGetDocEntity(doc, n->name);
            if (!ent || depth >= S_DEPTH_MAX)
                break;
            if (ent->etype == XML_INTERNAL_PREDEFINED_ENTITY)
                s_text_add(t, ent->content);
            else if (ent->etype == XML_INTERNAL_GENERAL_ENTITY)
                s_collect(doc, ent->children, t, depth + 1);
            break;
        }
        default:
            break;
        }
    }
}

/* Replaces ill-formed UTF-8 (possible after a cut at S_TEXT_MAX) with U+FFFD. */
static void s_utf8_repair(struct pl_buf *b)
{
    if (!b->data || pl_utf8_valid(b->data, b->len, false))
        return;
    struct pl_buf fixed;
    pl_buf_init(&fixed);
    for (size_t i = 0; i < b->len;) {
        unsigned char c = (unsigned char)b->data[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        if (i + k <= b->len && pl_utf8_valid(b->data + i, k, false)) {
            pl_buf_append(&fixed, b->data + i, k);
            i += k;
        } else {
            pl_buf_puts(&fixed, "\xef\xbf\xbd");
            i++;
        }
    }
    pl_buf_release(b);
    *b = fixed;
}

/* A heap copy of s[0..n) without surrounding whitespace (and, when fold, with inner runs
 * of whitespace made one space), or NULL when nothing is left. */
static char *s_tidy(const char *s, size_t n, bool fold)
{
    while (n > 0 && s_isspace(*s)) {
        s++;
        n--;
    }
    while (n > 0 && s_isspace(s[n - 1]))
        n--;
    if (n == 0)
        return NULL;
    if (!fold)
        return pl_xstrndup(s, n);
    char *out = pl_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s_isspace(s[i])) {
            if (out[k - 1] != ' ') /* k > 0: s does not start with a space */
                out[k++] = ' ';
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return out;
}

static void s_put_utf8(struct pl_buf *b, uint32_t cp)
{
    char e[4];
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        pl_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        e[0] = (char)(0xC0 | (cp >> 6));
        e[1] = (char)(0x80 | (cp & 0x3F));
        pl_buf_append(b, e, 2);
    } else if (cp < 0x10000) {
        e[0] = (char)(0xE0 | (cp >> 12));
        e[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        e[2] = (char)(0x80 | (cp & 0x3F));
        pl_buf_append(b, e, 3);
    } else {
        e[0] = (char)(0xF0 | (cp >> 18));
        e[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        e[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        e[3] = (char)(0x80 | (cp & 0x3F));
        pl_buf_append(b, e, 4);
    }
}

/* Decodes the character reference at s[0] == '&' into b; the bytes used, 0 if none. */
static size_t s_html_entity(const char *s, size_t n, struct pl_buf *b)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } names[] = {
        {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
        {"apos", '\''},     {"nbsp", ' '},     {"ndash", 0x2013}, {"mdash", 0x2014},
        {"lsquo", 0x2018},  {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
        {"hellip", 0x2026},
    };
    size_t semi = 1;
    while (semi < n && semi < 12 && s[semi] != ';')
        semi++;
    if (semi >= n || s[semi] != ';' || semi < 2)
        return 0;
    if (s[1] == '#') {
        bool hex = s[2] == 'x' || s[2] == 'X';
        size_t i = hex ? 3 : 2;
        uint32_t cp = 0;
        if (i >= semi)
            return 0;
        for (; i < semi; i++) {
            char c = s[i];
            uint32_t d;
            if (s_isdigit(c))
                d = (uint32_t)(c - '0');
            else if (hex && s_ishex(c))
                d = (uint32_t)(s_lower(c) - 'a' + 10);
            else
                return 0;
            cp = cp * (hex ? 16u : 10u) + d;
            if (cp > 0x10FFFF)
                cp = 0x110000; /* stays invalid, cannot overflow */
        }
        s_put_utf8(b, cp);
        return semi + 1;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == semi - 1 && memcmp(s + 1, names[i].name, semi - 1) == 0) {
            s_put_utf8(b, names[i].cp);
            return semi + 1;
        }
    return 0;
}

/* Plain text of an HTML fragment: tags dropped, character references decoded. */
static void s_html_to_text(const char *s, size_t n, struct pl_buf *out)
{
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (c == '<' && i + 1 < n &&
            (s_isalpha(s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!' || s[i + 1] == '?')) {
            const char *gt = memchr(s + i, '>', n - i);
            if (!gt)
                break;
            i = (size_t)(gt - s) + 1;
            continue;
        }
        if (c == '&') {
            size_t used = s_html_entity(s + i, n - i, out);
            if (used) {
                i += used;
                continue;
            }
        }
        pl_buf_putc(out, c);
        i++;
    }
}

enum s_kind { S_PLAIN, S_TITLE, S_HTML_TITLE };

/* The finished text of a node list, or NULL when it is empty. */
static char *s_text_of(const xmlDoc *doc, const xmlNode *children, enum s_kind kind)
{
    struct s_text t = {{0}, 0};
    pl_buf_init(&t.b);
    s_collect(doc, children, &t, 0);
    if (kind == S_HTML_TITLE && t.b.len > 0) {
        struct pl_buf plain;
        pl_buf_init(&plain);
        s_html_to_text(t.b.data, t.b.len, &plain);
        pl_buf_release(&t.b);
        t.b = plain;
    }
    s_utf8_repair(&t.b);
    char *s = t.b.len ? s_tidy(t.b.data, t.b.len, kind != S_PLAIN) : NULL;
    pl_buf_release(&t.b);
    return s;
}

static bool s_ns_is(const xmlNs *ns, const char *href)
{
    if (!href)
        return ns == NULL;
    return ns && ns->href && strcmp((const char *)ns->href, href) == 0;
}

/* True when n is the element {ns}name; ns NULL means no namespace. */
static bool s_is(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 &&
           s_ns_is(n->ns, ns);
}

static char *s_attr(const xmlDoc *doc, const xmlNode *n, const char *name, const char *ns)
{
    for (const xmlAttr *a = n->properties; a; a = a->next)
        if (strcmp((const char *)a->name, name) == 0 && s_ns_is(a->ns, ns))
            return s_text_of(doc, a->children, S_PLAIN);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Feed formats */

struct s_ctx {
    const xmlDoc *doc;
    const char *base_url; /* may be NULL */
    struct feed *f;
    size_t cap; /* items allocated */
};

/* The base URI in effect at n: base_url refined by each xml:base from the root down. */
static char *s_base_at(const struct s_ctx *c, const xmlNode *n)
{
    if (!n || n->type != XML_ELEMENT_NODE)
        return c->base_url ? pl_xstrdup(c->base_url) : NULL;
    char *outer = s_base_at(c, n->parent);
    char *xb = s_attr(c->doc, n, "base", (const char *)XML_XML_NAMESPACE);
    if (!xb)
        return outer;
    char *base = s_resolve(outer, xb, false);
    free(xb);
    if (!base) /* a relative xml:base with nothing absolute above it */
        return outer;
    free(outer);
    return base;
}

/* An absolute http(s) URL from a reference written on element at, or NULL. */
static char *s_link(const struct s_ctx *c, const xmlNode *at, const char *ref)
{
    if (!ref)
        return NULL;
    char *base = s_base_at(c, at);
    char *url = s_resolve(base, ref, true);
    free(base);
    return url;
}

static char *s_date(const struct s_ctx *c, const xmlNode *n)
{
    char iso[21];
    char *s = n ? s_text_of(c->doc, n->children, S_PLAIN) : NULL;
    int rc = s ? feed_date_iso(s, iso) : -1;
    free(s);
    return rc == 0 ? pl_xstrdup(iso) : NULL;
}

/* Adds an item (taking the strings) or frees them when the link is missing or the cap hit. */
static void s_add_item(struct s_ctx *c, char *link, char *title, char *published, char *id)
{
    struct feed *f = c->f;
    if (!link || f->n_items >= FEED_MAX_ITEMS) {
        free(link);
        free(title);
        free(published);
        free(id);
        return;
    }
    if (f->n_items == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        f->items = pl_xrealloc(f->items, c->cap * sizeof f->items[0]);
    }
    f->items[f->n_items++] = (struct feed_item){link, title, published, id};
}

static bool s_full(const struct s_ctx *c)
{
    return c->f->n_items >= FEED_MAX_ITEMS;
}

/* An Atom text construct: type="html" is unescaped markup, "xhtml" a div whose text we take. */
static char *s_atom_text(const struct s_ctx *c, const xmlNode *n)
{
    char *type = s_attr(c->doc, n, "type", NULL);
    bool html = type && strcmp(type, "html") == 0;
    free(type);
    return s_text_of(c->doc, n->children, html ? S_HTML_TITLE : S_TITLE);
}

/* The entry's page: the first usable rel="alternate" (or rel-less) link of an HTML type or no
 * type, else the first usable alternate of any type. */
static char *s_atom_link(const struct s_ctx *c, const xmlNode *entry)
{
    char *other = NULL;
    for (const xmlNode *x = entry->children; x; x = x->next) {
        if (!s_is(x, S_NS_ATOM, "link"))
            continue;
        char *rel = s_attr(c->doc, x, "rel", NULL);
        bool alternate = !rel || strcmp(rel, "alternate") == 0 ||
                         strcmp(rel, "http://www.iana.org/assignments/relation/alternate") == 0;
        free(rel);
        if (!alternate)
            continue;
        char *href = s_attr(c->doc, x, "href", NULL);
        char *url = s_link(c, x, href);
        free(href);
        if (!url)
            continue;
        char *type = s_attr(c->doc, x, "type", NULL);
        bool html = !type || strstr(type, "html") != NULL;
        free(type);
        if (html) {
            free(other);
            return url;
        }
        if (!other)
            other = url;
        else
            free(url);
    }
    return other;
}

static void s_atom_entry(struct s_ctx *c, const xmlNode *entry)
{
    const xmlNode *title = NULL, *id = NULL, *published = NULL, *updated = NULL;
    for (const xmlNode *x = entry->children; x; x = x->next) {
        if (!title && s_is(x, S_NS_ATOM, "title"))
            title = x;
        else if (!id && s_is(x, S_NS_ATOM, "id"))
            id = x;
        else if (!published && s_is(x, S_NS_ATOM, "published"))
            published = x;
        else if (!updated && s_is(x, S_NS_ATOM, "updated"))
            updated = x;
    }
    char *link = s_atom_link(c, entry);
    if (!link)
        return;
    char *when = s_date(c, published);
    if (!when)
        when = s_date(c, updated);
    s_add_item(c, link, title ? s_atom_text(c, title) : NULL, when,
               id ? s_text_of(c->doc, id->children, S_PLAIN) : NULL);
}

static void s_atom(struct s_ctx *c, const xmlNode *root)
{
    for (const xmlNode *x = root->children; x && !s_full(c); x = x->next) {
        if (!c->f->title && s_is(x, S_NS_ATOM, "title"))
            c->f->title = s_atom_text(c, x);
        else if (s_is(x, S_NS_ATOM, "entry"))
            s_atom_entry(c, x);
    }
}

/* An RSS 2.0 item; ns is the namespace of the <rss> element, normally none. */
static void s_rss_item(struct s_ctx *c, const xmlNode *item, const char *ns)
{
    const xmlNode *link = NULL, *title = NULL, *guid = NULL, *dates[4] = {NULL};
    for (const xmlNode *x = item->children; x; x = x->next) {
        if (!link && s_is(x, ns, "link"))
            link = x;
        else if (!title && s_is(x, ns, "title"))
            title = x;
        else if (!guid && s_is(x, ns, "guid"))
            guid = x;
        else if (!dates[0] && s_is(x, ns, "pubDate"))
            dates[0] = x;
        else if (!dates[1] && s_is(x, S_NS_DC, "date"))
            dates[1] = x;
        else if (!dates[2] && s_is(x, S_NS_ATOM, "published"))
            dates[2] = x;
        else if (!dates[3] && s_is(x, S_NS_ATOM, "updated"))
            dates[3] = x;
    }
    char *id = guid ? s_text_of(c->doc, guid->children, S_PLAIN) : NULL;
    char *url = NULL;
    if (link) {
        char *ref = s_text_of(c->doc, link->children, S_PLAIN);
        url = s_link(c, link, ref);
        free(ref);
    }
    if (!url && guid && id) { /* a guid is a permalink unless it says otherwise */
        char *perma = s_attr(c->doc, guid, "isPermaLink", NULL);
        if (!perma || strcmp(perma, "false") != 0)
            url = s_link(c, guid, id);
        free(perma);
    }
    if (!url) {
        free(id);
        return;
    }
    char *when = NULL;
    for (size_t i = 0; i < 4 && !when; i++)
        when = s_date(c, dates[i]);
    s_add_item(c, url, title ? s_text_of(c->doc, title->children, S_TITLE) : NULL, when, id);
}

static void s_rss2(struct s_ctx *c, const xmlNode *root)
{
    const char *ns = root->ns ? (const char *)root->ns->href : NULL;
    for (const xmlNode *x = root->children; x && !s_full(c); x = x->next) {
        if (s_is(x, ns, "item")) { /* some RSS 0.9x writers put items beside the channel */
            s_rss_item(c, x, ns);
            continue;
        }
        if (!s_is(x, ns, "channel"))
            continue;
        for (const xmlNode *y = x->children; y && !s_full(c); y = y->next) {
            if (!c->f->title && s_is(y, ns, "title"))
                c->f->title = s_text_of(c->doc, y->children, S_TITLE);
            else if (s_is(y, ns, "item"))
                s_rss_item(c, y, ns);
        }
    }
}

/* RSS 1.0 (and its ancestor RSS 0.90): channel and items are siblings under rdf:RDF. */
static void s_rdf(struct s_ctx *c, const xmlNode *root)
{
    for (const xmlNode *x = root->children; x && !s_full(c); x = x->next) {
        const char *ns = s_ns_is(x->ns, S_NS_RSS1)     ? S_NS_RSS1
                         : s_ns_is(x->ns, S_NS_RSS090) ? S_NS_RSS090
                                                       : NULL;
        if (!ns)
            continue;
        if (s_is(x, ns, "channel")) {
            for (const xmlNode *y = x->children; y && !c->f->title; y = y->next)
                if (s_is(y, ns, "title"))
                    c->f->title = s_text_of(c->doc, y->children, S_TITLE);
            continue;
        }
        if (!s_is(x, ns, "item"))
            continue;
        const xmlNode *link = NULL, *title = NULL, *date = NULL;
        for (const xmlNode *y = x->children; y; y = y->next) {
            if (!link && s_is(y, ns, "link"))
                link = y;
            else if (!title && s_is(y, ns, "title"))
                title = y;
            else if (!date && s_is(y, S_NS_DC, "date"))
                date = y;
        }
        char *url = NULL;
        if (link) {
            char *ref = s_text_of(c->doc, link->children, S_PLAIN);
            url = s_link(c, link, ref);
            free(ref);
        }
        if (!url)
            continue;
        s_add_item(c, url, title ? s_text_of(c->doc, title->children, S_TITLE) : NULL,
                   s_date(c, date), s_attr(c->doc, x, "about", S_NS_RDF));
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Entry points */

/* "XML error at line N: message" from the parser's last error. */
static void s_xml_reason(xmlParserCtxt *ctxt, char *buf, size_t n)
{
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    if (!e || !e->message) {
        snprintf(buf, n, "XML error: the document is not well-formed");
        return;
    }
    size_t len = strlen(e->message);
    while (len > 0 && s_isspace(e->message[len - 1]))
        len--;
    if (len > 200)
        len = 200;
    snprintf(buf, n, "XML error at line %d: %.*s", e->line, (int)len, e->message);
}

/* An HTML page that libxml2 could not even recover (the usual answer from a login wall). */
static bool s_looks_like_html(const char *body, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    for (size_t i = 0; i + 5 <= n; i++)
        if (body[i] == '<' && (s_ieq_n(body + i, "<html", 5) ||
                               (i + 14 <= n && s_ieq_n(body + i, "<!doctype html", 14))))
            return true;
    return false;
}

int feed_parse(const char *body, size_t len, const char *base_url, struct feed *out, char *why,
               size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (why && whylen)
        why[0] = '\0';
    if (!body || len == 0)
        return s_fail(why, whylen, "empty document");
    if (len > INT_MAX)
        return s_fail(why, whylen, "document too large (%zu bytes)", len);

    xmlInitParser();
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return s_fail(why, whylen, "cannot create an XML parser");
    char reason[256] = "";
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, body, (int)len, base_url, NULL, S_XML_OPTIONS);
    if (!doc) {
        /* Keep the strict parser's reason: recovery's last error is rarely the real one. An
         * entity loop or amplification is an attack, not breakage, so it is not recovered. */
        s_xml_reason(ctxt, reason, sizeof reason);
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        if (!e || e->code != XML_ERR_ENTITY_LOOP)
            doc = xmlCtxtReadMemory(ctxt, body, (int)len, base_url, NULL,
                                    S_XML_OPTIONS | XML_PARSE_RECOVER);
    }
    xmlFreeParserCtxt(ctxt);

    const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    int rc = 0;
    if (!root) {
        if (s_looks_like_html(body, len))
            rc = s_fail(why, whylen, "not a feed: an HTML page (%s)", reason);
        else
            rc = s_fail(why, whylen, "%s", reason[0] ? reason : "XML error: no root element");
    } else {
        struct s_ctx c = {doc, base_url, out, 0};
        if (root->type == XML_ELEMENT_NODE && strcmp((const char *)root->name, "rss") == 0)
            s_rss2(&c, root); /* any namespace: RSS 2.0 has none, but some writers add one */
        else if (s_is(root, S_NS_ATOM, "feed"))
            s_atom(&c, root);
        else if (s_is(root, S_NS_RDF, "RDF"))
            s_rdf(&c, root);
        else
            rc = s_fail(why, whylen, "not a feed: root element <%.64s>", (const char *)root->name);
    }
    if (doc)
        xmlFreeDoc(doc);
    if (rc < 0)
        feed_release(out);
    return rc;
}

void feed_release(struct feed *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_items; i++) {
        free(f->items[i].link);
        free(f->items[i].title);
        free(f->items[i].published);
        free(f->items[i].id);
    }
    free(f->items);
    free(f->title);
    memset(f, 0, sizeof *f);
}
