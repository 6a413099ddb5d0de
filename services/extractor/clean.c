/* clean.c - length-preserving cleaning and paragraph classification.
 *
 * Character level: typographic quotes, dashes, ellipses and odd spaces become ASCII, HTML
 * entities are decoded, markdown images, links, emphasis and headings lose their markup and
 * bare URLs disappear. The replacement sits at the end of the span it replaces, padded with
 * spaces in front; an apostrophe between letters instead pulls the rest of its word up and
 * pads after it, so "Azerbaijan’s" becomes "Azerbaijan's  " and tokenises like
 * "Azerbaijan's".
 *
 * Line level: each line is a paragraph, classified as body, title, caption, meta (dates,
 * outlet, URLs) or dropped (bylines, credits, newsletter and share prompts, ticker lines,
 * and everything from the start of a comment section or a related-links list to the end).
 */
/* memmem */
#define _GNU_SOURCE
#include "clean.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pl_base.h"

/* ---- character level -------------------------------------------------------------------- */

/* The ASCII text for a code point that cleaning replaces, or NULL to keep it. */
static const char *s_ascii_for(int32_t cp)
{
    switch (cp) {
    case 0x2018: /* quotes */
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x2032:
    case 0x02BC:
        return "'";
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x2033:
    case 0x00AB:
    case 0x00BB:
        return "\"";
    case 0x2010: /* hyphens and dashes */
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
        return "-";
    case 0x2026:
        return "...";
    case 0x00A0: /* spaces and invisible characters */
    case 0x2002:
    case 0x2003:
    case 0x2007:
    case 0x2008:
    case 0x2009:
    case 0x200A:
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x202F:
    case 0x205F:
    case 0x2060:
    case 0x3000:
    case 0xFEFF:
    case 0x00AD:
        return " ";
    default:
        return NULL;
    }
}

/* Writes rep at the end of clean[start..end), spaces before it. rep must fit. */
static void s_put(char *clean, size_t start, size_t end, const char *rep)
{
    size_t n = strlen(rep), span = end - start;
    if (n > span)
        n = span;
    memset(clean + start, ' ', span - n);
    memcpy(clean + end - n, rep, n);
}

static size_t s_utf8_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    if (c >= 0xC0)
        return 2;
    return 1;
}

static int32_t s_decode(const unsigned char *s, size_t n)
{
    if (n == 2)
        return ((s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    if (n == 3)
        return ((s[0] & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    if (n == 4)
        return ((s[0] & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return s[0];
}

static const struct {
    const char *name;
    const char *rep;
} g_entities[] = {
    {"amp", "&"},    {"quot", "\""},  {"apos", "'"},   {"lt", "<"},       {"gt", ">"},
    {"nbsp", " "},   {"mdash", "-"},  {"ndash", "-"},  {"hellip", "..."}, {"rsquo", "'"},
    {"lsquo", "'"},  {"rdquo", "\""}, {"ldquo", "\""}, {"laquo", "\""},   {"raquo", "\""},
    {"shy", " "},    {"thinsp", " "}, {"ensp", " "},   {"emsp", " "},     {"bull", " "},
    {"middot", " "}, {"copy", " "},   {"reg", " "},    {"trade", " "},    {"deg", " "},
};

/* Writes rep for s[i..j): an apostrophe between letters joins them (see s_characters);
 * returns the index to go on from. */
static size_t s_put_entity(const char *s, size_t i, size_t j, size_t len, char *clean,
                           const char *rep)
{
    if (rep[0] == '\'' && !rep[1] && i > 0 && isalpha((unsigned char)s[i - 1]) && j < len &&
        isalpha((unsigned char)s[j])) {
        size_t end = j;
        while (end < len && end - j < 64 && isalpha((unsigned char)s[end]))
            end++;
        clean[i] = '\'';
        memcpy(clean + i + 1, s + j, end - j);
        memset(clean + i + 1 + (end - j), ' ', j - i - 1);
        return end;
    }
    s_put(clean, i, j, rep);
    return j;
}

/* Decodes an entity at s[i] ('&'); returns its length, or 0 if it is none. */
static size_t s_entity(const char *s, size_t i, size_t len, char *clean)
{
    size_t j = i + 1;
    if (j < len && s[j] == '#') {
        j++;
        int hex = j < len && (s[j] == 'x' || s[j] == 'X');
        if (hex)
            j++;
        long cp = 0;
        size_t digits = 0;
        while (j < len && digits < 7 &&
               (hex ? isxdigit((unsigned char)s[j]) : isdigit((unsigned char)s[j]))) {
            char c = s[j];
            cp = cp * (hex ? 16 : 10) +
                 (isdigit((unsigned char)c) ? c - '0' : (tolower((unsigned char)c) - 'a' + 10));
            j++;
            digits++;
        }
        if (!digits || j >= len || s[j] != ';')
            return 0;
        j++;
        const char *rep = s_ascii_for((int32_t)cp);
        char one[2] = {0, 0};
        if (!rep) {
            one[0] = (cp >= 0x20 && cp < 0x7f) ? (char)cp : ' ';
            rep = one;
        }
        return s_put_entity(s, i, j, len, clean, rep) - i;
    }
    while (j < len && j - i <= 8 && isalpha((unsigned char)s[j]))
        j++;
    if (j >= len || s[j] != ';' || j == i + 1)
        return 0;
    for (size_t k = 0; k < sizeof g_entities / sizeof g_entities[0]; k++) {
        size_t n = strlen(g_entities[k].name);
        if (n == j - i - 1 && memcmp(s + i + 1, g_entities[k].name, n) == 0) {
            return s_put_entity(s, i, j + 1, len, clean, g_entities[k].rep) - i;
        }
    }
    return 0;
}

/* Longest link text and URL looked at: bounds make cleaning linear on hostile lines. */
#define MAX_LINK_TEXT 1024
#define MAX_LINK_URL  4096

/* Index of the ')' closing the '(' at s[i], within the line, or 0. */
static size_t s_close_paren(const char *s, size_t i, size_t end)
{
    int depth = 0;
    if (end > i + MAX_LINK_URL)
        end = i + MAX_LINK_URL;
    for (size_t j = i; j < end; j++) {
        if (s[j] == '(')
            depth++;
        else if (s[j] == ')' && --depth == 0)
            return j;
        else if (s[j] == '\n')
            return 0;
    }
    return 0;
}

static void s_blank(char *clean, size_t a, size_t b)
{
    for (size_t k = a; k < b; k++)
        if (clean[k] != '\n')
            clean[k] = ' ';
}

/* Markdown images and links, bare URLs, emphasis. Returns true when the line held an image. */
static bool s_markdown_line(const char *s, char *clean, size_t a, size_t b)
{
    bool image = false;
    size_t n = b - a;
    /* most lines hold no markup: look for its characters with memchr before walking bytes */
    bool work = memchr(clean + a, '[', n) || memchr(clean + a, '*', n) ||
                memchr(clean + a, '_', n) || memmem(clean + a, n, "http", 4) ||
                memmem(clean + a, n, "www.", 4);
    if (!work)
        goto start_of_line;
    for (size_t i = a; i < b; i++) {
        char c = clean[i];
        if ((c == '!' && i + 1 < b && clean[i + 1] == '[') || c == '[') {
            size_t open = c == '!' ? i + 1 : i;
            size_t close = 0;
            int depth = 0;
            size_t limit = b < open + MAX_LINK_TEXT ? b : open + MAX_LINK_TEXT;
            for (size_t j = open; j < limit; j++) {
                if (clean[j] == '[')
                    depth++;
                else if (clean[j] == ']' && --depth == 0) {
                    close = j;
                    break;
                }
            }
            if (!close || close + 1 >= b || clean[close + 1] != '(')
                continue;
            size_t paren = s_close_paren(clean, close + 1, b);
            if (!paren)
                continue;
            if (c == '!') {
                s_blank(clean, i, paren + 1); /* the alt text repeats the caption */
                image = true;
            } else {
                clean[open] = ' ';
                s_blank(clean, close, paren + 1);
            }
            i = c == '!' ? paren : open;
            continue;
        }
        if (((c == 'h' && clean[i + 1] == 't') || (c == 'w' && clean[i + 1] == 'w')) &&
            (!strncmp(s + i, "http://", 7) || !strncmp(s + i, "https://", 8) ||
             !strncmp(s + i, "www.", 4)) &&
            (i == a || isspace((unsigned char)clean[i - 1]) || clean[i - 1] == '(' ||
             clean[i - 1] == '<')) {
            size_t j = i;
            while (j < b && !isspace((unsigned char)clean[j]))
                j++;
            s_blank(clean, i, j);
            i = j;
            continue;
        }
        if ((c == '*' || c == '_') && i + 1 < b && clean[i + 1] == c) {
            clean[i] = clean[i + 1] = ' ';
            i++;
        }
    }
start_of_line:;
    /* Heading marks, bullets and quote marks at the start of the line. */
    size_t i = a;
    while (i < b && clean[i] == ' ')
        i++;
    while (i < b && (clean[i] == '#' || clean[i] == '>'))
        clean[i++] = ' ';
    if (i + 1 < b && (clean[i] == '*' || clean[i] == '-' || clean[i] == '+') && clean[i + 1] == ' ')
        clean[i] = ' ';
    return image;
}

static void s_characters(struct doc *d)
{
    const char *s = d->text;
    char *clean = d->clean;
    size_t len = d->len;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '&') {
            i++; /* plain printable ASCII: nearly every byte */
            continue;
        }
        if (c < 0x80) {
            if (c == '\r' || c == '\t' || c == '\f' || c == '\v' || (c < 0x20 && c != '\n'))
                clean[i] = ' ';
            else if (c == '&') {
                size_t n = s_entity(s, i, len, clean);
                if (n) {
                    i += n;
                    continue;
                }
            }
            i++;
            continue;
        }
        size_t n = s_utf8_len(c);
        if (i + n > len)
            n = len - i;
        int32_t cp = s_decode((const unsigned char *)s + i, n);
        const char *rep = s_ascii_for(cp);
        if (rep && rep[0] == '\'' && i > 0 && isalpha((unsigned char)s[i - 1]) && i + n < len &&
            isalpha((unsigned char)s[i + n])) {
            /* an apostrophe inside a word ("Azerbaijan’s", "O’Brien"): the rest of the word
             * moves up so the word stays whole and the padding goes after it */
            size_t end = i + n;
            while (end < len && end - (i + n) < 64 && isalpha((unsigned char)s[end]))
                end++;
            clean[i] = '\'';
            memcpy(clean + i + 1, s + i + n, end - (i + n));
            memset(clean + i + 1 + (end - (i + n)), ' ', n - 1);
            i = end;
            continue;
        }
        if (rep)
            s_put(clean, i, i + n, rep);
        i += n;
    }
}

/* ---- line level ------------------------------------------------------------------------- */

/* The trimmed clean content of a line. */
struct line {
    const char *p;  /* first non-space byte */
    size_t n;       /* length without surrounding spaces */
    size_t words;   /* whitespace-separated words */
    size_t letters; /* ASCII letters */
    size_t digits;  /* ASCII digits */
    size_t marks;   /* %, +, | and bytes of multi-byte characters */
    bool arrows;    /* holds a ticker arrow (U+25B2 or U+25BC) */
};

/* The trimmed line and its counts, in one pass. */
static struct line s_line(const char *clean, size_t a, size_t b)
{
    while (a < b && isspace((unsigned char)clean[a]))
        a++;
    while (b > a && isspace((unsigned char)clean[b - 1]))
        b--;
    struct line l = {clean + a, b - a, 0, 0, 0, 0, false};
    if (b - a > 240) {
        /* long lines are prose: every check that reads counts wants short lines, except the
         * word count, which only needs to pass the largest limit any check uses (40) */
        bool in = false;
        for (size_t i = a; i < b && l.words <= 40; i++) {
            bool sp = clean[i] == ' ' || clean[i] == '\n';
            if (!sp && !in)
                l.words++;
            in = !sp;
        }
        l.letters = b - a;
        return l;
    }
    bool in = false;
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)clean[i];
        bool sp = c == ' ' || c == '\n';
        if (!sp && !in)
            l.words++;
        in = !sp;
        if (isalpha(c))
            l.letters++;
        else if (isdigit(c))
            l.digits++;
        else if (c == '%' || c == '+' || c == '|' || c >= 0x80) {
            l.marks++;
            if (c == 0xE2 && i + 2 < b && (unsigned char)clean[i + 1] == 0x96 &&
                ((unsigned char)clean[i + 2] == 0xB2 || (unsigned char)clean[i + 2] == 0xBC))
                l.arrows = true;
        }
    }
    return l;
}

static bool s_starts(const struct line *l, const char *prefix)
{
    size_t n = strlen(prefix);
    return l->n >= n && strncasecmp(l->p, prefix, n) == 0;
}

/* needle is lower case; only positions whose first letter fits are compared in full */
static bool s_contains(const struct line *l, const char *needle)
{
    size_t n = strlen(needle);
    char first = needle[0];
    for (size_t i = 0; i + n <= l->n; i++)
        if (tolower((unsigned char)l->p[i]) == first && strncasecmp(l->p + i, needle, n) == 0)
            return true;
    return false;
}

static bool s_contains_case(const struct line *l, const char *needle)
{
    return memmem(l->p, l->n, needle, strlen(needle)) != NULL;
}

/* Whole line equal to one of the words, ignoring case and a trailing ':' */
static bool s_is_heading(const struct line *l, const char *const *list)
{
    if (l->n > 48 || l->words > 6)
        return false; /* headings are short */
    size_t n = l->n;
    while (n > 0 && (l->p[n - 1] == ':' || l->p[n - 1] == ' '))
        n--;
    for (size_t k = 0; list[k]; k++)
        if (strlen(list[k]) == n && strncasecmp(l->p, list[k], n) == 0)
            return true;
    return false;
}

/* A comment section starts here: everything after is readers' text. */
static bool s_comments_start(const struct line *l)
{
    static const char *const heads[] = {"comments",
                                        "comment",
                                        "reader comments",
                                        "readers' comments",
                                        "leave a reply",
                                        "leave a comment",
                                        "post a comment",
                                        "add a comment",
                                        "join the discussion",
                                        "join the conversation",
                                        "show comments",
                                        "view comments",
                                        "discussion",
                                        NULL};
    if (s_is_heading(l, heads))
        return true;
    if (l->words <= 3 && l->n > 0 && isdigit((unsigned char)l->p[0]) &&
        (s_contains(l, " comment") || s_contains(l, " repl") || s_contains(l, " response")))
        return true;
    return s_starts(l, "warning: comments") || s_starts(l, "your email address will not be") ||
           s_starts(l, "leave a reply") || s_starts(l, "comments are closed") ||
           s_starts(l, "you must be logged in to post a comment") ||
           s_starts(l, "by posting a comment");
}

/* A list of links to other stories starts here. */
static bool s_related_start(const struct line *l)
{
    static const char *const heads[] = {"you may also like",
                                        "you might also like",
                                        "related",
                                        "related articles",
                                        "related stories",
                                        "related news",
                                        "related content",
                                        "related posts",
                                        "read more",
                                        "more from",
                                        "more stories",
                                        "more news",
                                        "most read",
                                        "most popular",
                                        "popular",
                                        "recommended",
                                        "recommended for you",
                                        "also read",
                                        "see also",
                                        "trending",
                                        "trending now",
                                        "latest news",
                                        "latest",
                                        "top stories",
                                        "more on this story",
                                        "in other news",
                                        "editor's picks",
                                        "what to read next",
                                        "read next",
                                        "up next",
                                        NULL};
    return s_is_heading(l, heads);
}

/* needle in p[0..n), found with memchr on its first byte (fast on long lines). */
static bool s_has(const char *p, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    const char *end = p + n;
    for (const char *q = p; q && (size_t)(end - q) >= m;) {
        q = memchr(q, needle[0], (size_t)(end - q) - m + 1);
        if (!q)
            return false;
        if (memcmp(q, needle, m) == 0)
            return true;
        q++;
    }
    return false;
}

/* One line of boilerplate: credits, prompts, share bars. */
static bool s_boilerplate(const struct line *l)
{
    static const char *const prefixes[] = {"reporting by",
                                           "additional reporting by",
                                           "editing by",
                                           "writing by",
                                           "compiled by",
                                           "(reporting by",
                                           "(additional reporting",
                                           "source:",
                                           "sources:",
                                           "copyright",
                                           "all rights reserved",
                                           "(c) ",
                                           "read more:",
                                           "read also:",
                                           "also read:",
                                           "see also:",
                                           "related:",
                                           "watch:",
                                           "listen:",
                                           "subscribe",
                                           "sign up",
                                           "follow us",
                                           "follow the",
                                           "share this",
                                           "share on",
                                           "share:",
                                           "click here",
                                           "tap here",
                                           "download the",
                                           "advertisement",
                                           "sponsored",
                                           "get the",
                                           "don't miss",
                                           "newsletter",
                                           "our newsletter",
                                           "join our",
                                           "support our",
                                           "donate",
                                           "this article was",
                                           "this story was",
                                           "(this story",
                                           "(this article",
                                           "contact us",
                                           "terms of use",
                                           "privacy policy",
                                           "cookie",
                                           "please enable",
                                           "loading",
                                           "skip to",
                                           NULL};
    char first = l->n ? (char)tolower((unsigned char)l->p[0]) : 0;
    for (size_t k = 0; prefixes[k]; k++)
        if (prefixes[k][0] == first && s_starts(l, prefixes[k]))
            return l->words <= 40;
    if (l->words <= 12 && (s_contains(l, "in your inbox") || s_contains(l, "newsletter") ||
                           s_contains(l, "subscribe to") || s_contains(l, "sign up for")))
        return true;
    if (s_starts(l, "\xc2\xa9")) /* a copyright sign */
        return true;
    /* "By Jane Doe" alone on a line */
    if (l->words <= 6 && s_starts(l, "by ") && l->n > 3 && isupper((unsigned char)l->p[3]) &&
        !memchr(l->p, '.', l->n))
        return true;
    return false;
}

/* Ticker and share-bar lines: mostly numbers, arrows and symbols. */
static bool s_ticker(const struct line *l)
{
    return l->arrows || (l->n > 0 && l->marks >= 3 && l->letters < l->n / 3);
}

/* A caption's credit line or marker. */
static bool s_caption_like(const struct line *l)
{
    /* credits sit at the start ("Photo: ...") or the end ("... REUTERS/Name"); looking only
     * there keeps long body paragraphs cheap */
    struct line head = *l, tail = *l;
    if (head.n > 64)
        head.n = 64;
    if (tail.n > 200) {
        tail.p += tail.n - 200;
        tail.n = 200;
    }
    static const char *const markers[] = {"hoto", "REUTERS", "Getty"};
    bool marker = false;
    for (int k = 0; k < 2 && !marker; k++) {
        const struct line *x = k ? &tail : &head;
        for (size_t m = 0; m < 3 && !marker; m++)
            marker = s_has(x->p, x->n, markers[m]);
    }
    if (!marker)
        return false;
    return s_contains_case(l, "REUTERS/") || s_contains_case(l, "via REUTERS") ||
           s_contains(l, "(reuters photo)") || s_contains_case(l, "AP Photo") ||
           s_contains_case(l, "AFP PHOTO") || s_contains_case(l, "AFP via Getty") ||
           s_contains_case(l, "Getty Images") || s_contains(l, "/file photo") ||
           s_starts(l, "photo:") || s_starts(l, "photo by") || s_starts(l, "file photo");
}

/* A line with only a date, a time, an outlet or a URL. */
static bool s_meta(const char *text, size_t a, size_t b, const struct line *l)
{
    if (l->n == 0)
        return true;
    /* Fully bold short lines are outlet and date lines in scraped markdown. */
    while (a < b && isspace((unsigned char)text[a]))
        a++;
    while (b > a && isspace((unsigned char)text[b - 1]))
        b--;
    if (b - a > 4 && !strncmp(text + a, "**", 2) && !strncmp(text + b - 2, "**", 2) &&
        l->words <= 6)
        return true;
    if (l->digits >= 6 && l->letters <= 24 && l->words <= 10 && !memchr(l->p, '.', l->n))
        return true; /* "2023-09-28 10:25:09 | Last Update : 2023-09-28 10:34:34" */
    return s_starts(l, "posted") && l->words <= 10;
}

static bool s_ends_sentence(const struct line *l)
{
    if (l->n == 0)
        return false;
    char c = l->p[l->n - 1];
    return c == '.' || c == '!' || c == '?' || c == '"' || c == ':';
}

static void s_add_para(struct doc *d, size_t a, size_t b, enum para_kind kind)
{
    if (d->npara == d->cappara) {
        d->cappara = d->cappara ? d->cappara * 2 : 64;
        d->para = pl_xrealloc(d->para, d->cappara * sizeof *d->para);
    }
    d->para[d->npara++] = (struct para){.start = (uint32_t)a, .end = (uint32_t)b, .kind = kind};
}

void clean_chars(struct doc *d)
{
    memcpy(d->clean, d->text, d->len);
    d->clean[d->len] = '\0';
    s_characters(d);
}

void clean_text(struct doc *d)
{
    clean_chars(d);

    bool dropping = false;     /* inside a comment section or related list: to the end */
    bool caption_next = false; /* the previous line was an image */
    bool have_title = false, have_body = false;
    for (size_t a = 0; a < d->len;) {
        const char *nl = memchr(d->clean + a, '\n', d->len - a);
        size_t b = nl ? (size_t)(nl - d->clean) : d->len;
        bool image = s_markdown_line(d->text, d->clean, a, b);
        struct line l = s_line(d->clean, a, b);
        enum para_kind kind;
        if (l.n == 0) {
            if (image)
                caption_next = true;
            a = b + 1;
            continue;
        } else if (dropping) {
            kind = PARA_DROPPED;
        } else if (s_comments_start(&l) || s_related_start(&l)) {
            dropping = true;
            kind = PARA_DROPPED;
        } else if (s_boilerplate(&l) || s_ticker(&l)) {
            kind = PARA_DROPPED;
        } else if (caption_next || s_caption_like(&l)) {
            kind = PARA_CAPTION;
        } else if (s_meta(d->text, a, b, &l)) {
            kind = PARA_META;
        } else if (!have_title && !have_body && l.words <= 30 && !s_ends_sentence(&l)) {
            kind = PARA_TITLE;
            have_title = true;
        } else {
            kind = PARA_BODY;
            have_body = true;
        }
        caption_next = false;
        s_add_para(d, a, b, kind);
        a = b + 1;
    }
}
