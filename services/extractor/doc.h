/* doc.h - an article as the extractor sees it: cleaned text, paragraphs, sentences, tokens.
 *
 * Cleaning keeps the length: the cleaned text has exactly the length of the article text,
 * with removed markup, boilerplate and dropped sections overwritten by spaces, and multi-byte
 * punctuation replaced by its ASCII form padded with spaces in front. An apostrophe between
 * letters ("Iran’s") is the one exception: the rest of its word moves up behind the ASCII
 * apostrophe and the padding follows the word, so the word stays whole. Every offset of a
 * sentence or word boundary is therefore also an offset into the article text, and evidence
 * offsets need no mapping.
 *
 * Ownership: a doc owns its cleaned text, tokens, sentences and the buffer of normalised
 * token forms; the article text it points to belongs to the caller and must outlive it.
 */
#ifndef DOC_H
#define DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Token flags. */
#define TK_WORD   0x01u /* letters or digits */
#define TK_CAP    0x02u /* starts with an upper-case letter */
#define TK_ALLCAP 0x04u /* every letter upper case, at least two letters */
#define TK_NUM    0x08u /* starts with a digit */
#define TK_PUNCT  0x10u /* punctuation */
#define TK_SSTART 0x20u /* first token of its sentence */

struct token {
    uint32_t start; /* byte offset in the text */
    uint32_t end;   /* one past the last byte */
    uint32_t norm;  /* offset of the normalised form (lower case, no accents) in doc.norm */
    uint16_t nlen;  /* its length */
    uint8_t flags;  /* TK_* */
    uint8_t pad_;   /* unused */
    uint32_t id;    /* vocabulary id of the normalised form, 0 when the lexicon lacks it */
};

enum para_kind {
    PARA_BODY = 0, /* article text */
    PARA_TITLE,    /* the headline */
    PARA_CAPTION,  /* a photo caption: events kept, marked as such */
    PARA_META,     /* dates, outlet, URL lines: used for the publication date only */
    PARA_DROPPED   /* boilerplate, comments, related links: never read for events */
};

struct para {
    uint32_t start, end; /* byte range of the line(s) */
    enum para_kind kind; /* what it is */
    uint32_t sent_begin; /* first sentence index */
    uint32_t sent_end;   /* one past the last */
};

struct sentence {
    uint32_t tok_begin; /* first token index */
    uint32_t tok_end;   /* one past the last */
    uint32_t para;      /* paragraph index */
};

struct doc {
    const char *text;  /* the article text (not owned) */
    size_t len;        /* its length */
    char *clean;       /* cleaned copy, same length, NUL-terminated */
    struct token *tok; /* tokens of every paragraph that is not dropped */
    size_t ntok, captok;
    struct sentence *sent; /* sentences */
    size_t nsent, capsent;
    struct para *para; /* paragraphs (lines), in order */
    size_t npara, cappara;
    char *norm; /* normalised token forms, back to back (not NUL-separated) */
    size_t normlen, normcap;
};

/* Builds the doc: cleans text and splits it. lookup maps a normalised form to a vocabulary
 * id (0 for unknown); it may be NULL. Returns 0 or -1 when the text is not valid UTF-8. */
struct lexicon;
int doc_build(struct doc *d, const char *text, size_t len, const struct lexicon *lex);
void doc_release(struct doc *d);
/* Tokenises a dictionary phrase: character cleaning only, one sentence, no lexicon. */
int doc_build_phrase(struct doc *d, const char *text, size_t len);

/* The normalised form of token i (not NUL-terminated; length tok[i].nlen). */
static inline const char *doc_norm(const struct doc *d, size_t i)
{
    return d->norm + d->tok[i].norm;
}

/* True when token i's normalised form equals word. */
bool doc_is(const struct doc *d, size_t i, const char *word);

/* Normalises UTF-8 text s[0..n) for matching: ASCII lower case, accents removed, compatibility
 * forms folded (utf8proc). Appends to out (grown with realloc); returns the bytes written. */
size_t text_normalise(const char *s, size_t n, char **out, size_t *outlen, size_t *outcap);

#endif
