/* segment.c - tokens and sentences of the readable paragraphs, and token normalisation.
 *
 * Tokens: runs of letters and digits (any script), with "U.S."-style dotted abbreviations,
 * numbers with inner separators and inner apostrophes kept whole; a possessive 's, hyphens,
 * slashes and every other mark are tokens of their own. Sentences end at . ! ? (and a closing
 * quote after them) when the next word starts upper case or a paragraph ends, except after
 * abbreviations (Gen., Oct., Mr., initials).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "clean.h"
#include "doc.h"
#include "lexicon.h"
#include "pl_base.h"

/* ---- normalisation ---------------------------------------------------------------------- */

static void s_reserve(char **out, size_t *outlen, size_t *outcap, size_t extra)
{
    if (*outlen + extra <= *outcap)
        return;
    size_t cap = *outcap ? *outcap : 1024;
    while (cap < *outlen + extra)
        cap *= 2;
    *out = pl_xrealloc(*out, cap);
    *outcap = cap;
}

size_t text_normalise(const char *s, size_t n, char **out, size_t *outlen, size_t *outcap)
{
    size_t before = *outlen;
    s_reserve(out, outlen, outcap, n + 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            (*out)[(*outlen)++] = (char)tolower(c);
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) {
            i++;
            continue;
        }
        i += (size_t)k;
        utf8proc_int32_t dec[8];
        int last = 0;
        utf8proc_ssize_t m =
            utf8proc_decompose_char(cp, dec, 8,
                                    UTF8PROC_CASEFOLD | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                        UTF8PROC_STRIPMARK | UTF8PROC_IGNORE,
                                    &last);
        if (m < 0 || m > 8) {
            dec[0] = cp;
            m = 1;
        }
        for (utf8proc_ssize_t j = 0; j < m; j++) {
            s_reserve(out, outlen, outcap, 4);
            *outlen += (size_t)utf8proc_encode_char(dec[j], (utf8proc_uint8_t *)*out + *outlen);
        }
    }
    return *outlen - before;
}

/* ---- tokens ----------------------------------------------------------------------------- */

static bool s_is_letter_cp(utf8proc_int32_t cp)
{
    utf8proc_category_t cat = utf8proc_category(cp);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME) ||
           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

/* Length of the word character at s[i], or 0 when it is not one. */
static size_t s_wordchar(const char *s, size_t i, size_t end)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80)
        return isalnum(c) ? 1 : 0;
    utf8proc_int32_t cp;
    utf8proc_ssize_t k =
        utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(end - i), &cp);
    if (k <= 0)
        return 0;
    return s_is_letter_cp(cp) ? (size_t)k : 0;
}

static void s_add_token(struct doc *d, size_t a, size_t b, uint8_t flags, const struct lexicon *lex)
{
    if (d->ntok == d->captok) {
        d->captok = d->captok ? d->captok * 2 : 1024;
        d->tok = pl_xrealloc(d->tok, d->captok * sizeof *d->tok);
    }
    struct token *t = &d->tok[d->ntok++];
    t->start = (uint32_t)a;
    t->end = (uint32_t)b;
    t->norm = (uint32_t)d->normlen;
    t->flags = flags;
    t->pad_ = 0;
    const unsigned char *src = (const unsigned char *)d->clean + a;
    size_t len = b - a;
    /* ASCII (nearly every token): lower case and case flags in one pass */
    bool ascii = true;
    for (size_t k = 0; k < len; k++)
        if (src[k] >= 0x80) {
            ascii = false;
            break;
        }
    if (ascii) {
        if (d->normlen + len + 1 > d->normcap) {
            size_t cap = d->normcap ? d->normcap : 1024;
            while (cap < d->normlen + len + 1)
                cap *= 2;
            d->norm = pl_xrealloc(d->norm, cap);
            d->normcap = cap;
        }
        char *out = d->norm + d->normlen;
        size_t letters = 0, upper = 0;
        for (size_t k = 0; k < len; k++) {
            unsigned char c = src[k];
            bool up = c >= 'A' && c <= 'Z';
            out[k] = (char)(up ? c + 32 : c);
            letters += (up || (c >= 'a' && c <= 'z'));
            upper += up;
        }
        d->normlen += len;
        t->nlen = (uint16_t)(len > 0xFFFF ? 0xFFFF : len);
        if (flags & TK_WORD) {
            if (src[0] >= 'A' && src[0] <= 'Z')
                t->flags |= TK_CAP;
            if (src[0] >= '0' && src[0] <= '9')
                t->flags |= TK_NUM;
            if (letters >= 2 && upper == letters)
                t->flags |= TK_ALLCAP;
        }
        t->id = lex ? lexicon_word(lex, out, t->nlen) : 0;
        return;
    }
    size_t n = text_normalise(d->clean + a, len, &d->norm, &d->normlen, &d->normcap);
    t->nlen = (uint16_t)(n > 0xFFFF ? 0xFFFF : n);
    if (flags & TK_WORD) {
        unsigned char c0 = src[0];
        const char *nm = d->norm + t->norm;
        /* Upper case: the normalised form differs from the text in its first letter. */
        if (c0 < 0x80 ? isupper(c0) != 0 : (d->clean[a] != nm[0]))
            t->flags |= TK_CAP;
        if (isdigit(c0))
            t->flags |= TK_NUM;
        size_t letters = 0, upper = 0;
        for (size_t k = 0; k < len; k++) {
            if (isalpha(src[k])) {
                letters++;
                upper += isupper(src[k]) != 0;
            }
        }
        if (letters >= 2 && upper == letters)
            t->flags |= TK_ALLCAP;
    }
    t->id = lex ? lexicon_word(lex, d->norm + t->norm, t->nlen) : 0;
}

/* Tokenises clean[a..b). */
static void s_tokenise(struct doc *d, size_t a, size_t b, const struct lexicon *lex)
{
    const char *s = d->clean;
    size_t i = a;
    while (i < b) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c)) {
            i++;
            continue;
        }
        size_t w = s_wordchar(s, i, b);
        if (w) {
            size_t j = i + w;
            bool digits = isdigit(c) != 0;
            for (;;) {
                while (j < b && isalnum((unsigned char)s[j]))
                    j++; /* the ASCII letters of a word, without a call each */
                if (j >= b)
                    break;
                size_t k = s_wordchar(s, j, b);
                if (k) {
                    j += k;
                    continue;
                }
                char x = s[j];
                /* 120,000 and 3.5 */
                if (digits && (x == ',' || x == '.') && j + 1 < b &&
                    isdigit((unsigned char)s[j + 1])) {
                    j++;
                    continue;
                }
                /* U.S. and E.U.: single letters with dots */
                if (x == '.' && j + 1 < b && isalpha((unsigned char)s[j + 1]) &&
                    (j + 2 >= b || !isalpha((unsigned char)s[j + 2])) && j - i == 1) {
                    j += 2;
                    while (j + 1 < b && s[j] == '.' && isalpha((unsigned char)s[j + 1]) &&
                           (j + 2 >= b || !isalpha((unsigned char)s[j + 2])))
                        j += 2;
                    if (j < b && s[j] == '.')
                        j++;
                    break;
                }
                /* "didn't": the word ends before "n't", which is a token of its own */
                if (x == '\'' && j > i + 1 && (s[j - 1] == 'n' || s[j - 1] == 'N') && j + 1 < b &&
                    (s[j + 1] == 't' || s[j + 1] == 'T') &&
                    (j + 2 >= b || !s_wordchar(s, j + 2, b))) {
                    j--;
                    break;
                }
                /* inner apostrophe (O'Brien, d'Ivoire) but not a possessive 's */
                if (x == '\'' && j + 1 < b && s_wordchar(s, j + 1, b) &&
                    !((s[j + 1] == 's' || s[j + 1] == 'S') &&
                      (j + 2 >= b || !s_wordchar(s, j + 2, b)))) {
                    j++;
                    continue;
                }
                break;
            }
            s_add_token(d, i, j, TK_WORD, lex);
            i = j;
            continue;
        }
        /* 's after a word, and n't */
        if (c == '\'' && i + 1 < b && (s[i + 1] == 's' || s[i + 1] == 'S' || s[i + 1] == 't') &&
            (i + 2 >= b || !s_wordchar(s, i + 2, b)) && d->ntok && d->tok[d->ntok - 1].end == i) {
            s_add_token(d, i, i + 2, TK_WORD, lex);
            i += 2;
            continue;
        }
        if ((c == 'n' || c == 'N') && i + 2 < b && s[i + 1] == '\'' &&
            (s[i + 2] == 't' || s[i + 2] == 'T') && (i + 3 >= b || !s_wordchar(s, i + 3, b))) {
            s_add_token(d, i, i + 3, TK_WORD, lex);
            i += 3;
            continue;
        }
        if (c == '.' && i + 2 < b && s[i + 1] == '.' && s[i + 2] == '.') {
            s_add_token(d, i, i + 3, TK_PUNCT, lex);
            i += 3;
            continue;
        }
        size_t n = c < 0x80 ? 1 : 0;
        if (!n) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t k =
                utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(b - i), &cp);
            n = k > 0 ? (size_t)k : 1;
        }
        s_add_token(d, i, i + n, TK_PUNCT, lex);
        i += n;
    }
}

/* ---- sentences -------------------------------------------------------------------------- */

static const char *const g_abbrev[] = {
    "mr",  "mrs",    "ms",  "dr",   "gen",  "lt",  "col",  "maj",  "capt", "cpt",  "sgt",
    "adm", "gov",    "sen", "rep",  "rev",  "st",  "jr",   "sr",   "prof", "pres", "jan",
    "feb", "mar",    "apr", "jun",  "jul",  "aug", "sep",  "sept", "oct",  "nov",  "dec",
    "no",  "nos",    "vol", "vs",   "etc",  "inc", "ltd",  "co",   "corp", "dept", "est",
    "fig", "approx", "cf",  "al",   "mt",   "ft",  "brig", "cmdr", "hon",  "sgt",  "messrs",
    "mme", "mlle",   "amb", "atty", "supt", NULL};

bool doc_is(const struct doc *d, size_t i, const char *word)
{
    size_t n = strlen(word);
    return d->tok[i].nlen == n && memcmp(doc_norm(d, i), word, n) == 0;
}

static bool s_abbrev(const struct doc *d, size_t i)
{
    const struct token *t = &d->tok[i];
    if (!(t->flags & TK_WORD) || t->nlen > 6)
        return false;
    if (t->nlen == 1 && (t->flags & TK_CAP))
        return true; /* an initial */
    const char *w = doc_norm(d, i);
    for (size_t k = 0; g_abbrev[k]; k++)
        if (g_abbrev[k][0] == w[0] && strlen(g_abbrev[k]) == t->nlen &&
            memcmp(g_abbrev[k], w, t->nlen) == 0)
            return true;
    return false;
}

static bool s_quote(const struct doc *d, size_t i)
{
    return d->tok[i].nlen == 1 &&
           (d->norm[d->tok[i].norm] == '"' || d->norm[d->tok[i].norm] == '\'');
}

static void s_add_sentence(struct doc *d, size_t begin, size_t end, size_t para)
{
    if (begin >= end)
        return;
    if (d->nsent == d->capsent) {
        d->capsent = d->capsent ? d->capsent * 2 : 128;
        d->sent = pl_xrealloc(d->sent, d->capsent * sizeof *d->sent);
    }
    d->sent[d->nsent++] = (struct sentence){
        .tok_begin = (uint32_t)begin, .tok_end = (uint32_t)end, .para = (uint32_t)para};
    d->tok[begin].flags |= TK_SSTART;
}

/* Longest sentence in tokens; longer runs are cut so that every later stage stays linear. */
#define MAX_SENTENCE_TOKENS 160

static void s_sentences(struct doc *d, size_t begin, size_t end, size_t para)
{
    size_t start = begin;
    for (size_t i = begin; i < end; i++) {
        const struct token *t = &d->tok[i];
        bool cut = false;
        if (i + 1 - start >= MAX_SENTENCE_TOKENS) {
            cut = true;
        } else if (t->flags & TK_PUNCT) {
            char c = d->norm[t->norm];
            if ((c == '.' || c == '!' || c == '?') &&
                !(c == '.' && i > start && t->nlen == 1 && s_abbrev(d, i - 1) &&
                  d->tok[i - 1].end == t->start)) {
                size_t j = i + 1;
                /* a closing quote or bracket right after the mark belongs to this sentence */
                while (j < end && (s_quote(d, j) || d->norm[d->tok[j].norm] == ')') &&
                       d->tok[j].start == d->tok[j - 1].end)
                    j++;
                if (j >= end) {
                    i = j - 1;
                    cut = true;
                } else {
                    size_t k = j;
                    while (k < end && (s_quote(d, k) || d->norm[d->tok[k].norm] == '('))
                        k++;
                    if (k < end && (d->tok[k].flags & (TK_CAP | TK_NUM))) {
                        i = j - 1;
                        cut = true;
                    }
                }
            }
        }
        if (cut) {
            s_add_sentence(d, start, i + 1, para);
            start = i + 1;
        }
    }
    s_add_sentence(d, start, end, para);
}

int doc_build(struct doc *d, const char *text, size_t len, const struct lexicon *lex)
{
    memset(d, 0, sizeof *d);
    d->text = text;
    d->len = len;
    if (!pl_utf8_valid(text, len, true))
        return -1;
    d->clean = pl_xmalloc(len + 1);
    clean_text(d);
    for (size_t p = 0; p < d->npara; p++) {
        struct para *pa = &d->para[p];
        pa->sent_begin = pa->sent_end = (uint32_t)d->nsent;
        if (pa->kind == PARA_DROPPED)
            continue;
        size_t t0 = d->ntok;
        s_tokenise(d, pa->start, pa->end, lex);
        if (pa->kind == PARA_TITLE || pa->kind == PARA_META)
            s_add_sentence(d, t0, d->ntok, p);
        else
            s_sentences(d, t0, d->ntok, p);
        pa->sent_end = (uint32_t)d->nsent;
    }
    return 0;
}

int doc_build_phrase(struct doc *d, const char *text, size_t len)
{
    memset(d, 0, sizeof *d);
    d->text = text;
    d->len = len;
    if (!pl_utf8_valid(text, len, false))
        return -1;
    d->clean = pl_xmalloc(len + 1);
    clean_chars(d);
    s_tokenise(d, 0, len, NULL);
    s_add_sentence(d, 0, d->ntok, 0);
    return 0;
}

void doc_release(struct doc *d)
{
    free(d->clean);
    free(d->tok);
    free(d->sent);
    free(d->para);
    free(d->norm);
    memset(d, 0, sizeof *d);
}
