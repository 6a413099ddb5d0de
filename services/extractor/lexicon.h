/* lexicon.h - everything the extractor knows, loaded from a data folder (data/README.md).
 *
 * Words are interned into ids, phrases (names, adjectives, sector nouns, places) sit in one
 * trie over word ids, and each phrase carries hits: what it may denote. Matching an article
 * is then integer comparisons. A lexicon is immutable after loading, so one can serve any
 * number of extractions; a reload builds a new one and swaps it in.
 */
#ifndef LEXICON_H
#define LEXICON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"

struct doc;

enum lx_kind {
    LX_COUNTRY,     /* a country's name: ref = country index */
    LX_COUNTRY_ADJ, /* "Armenian": ref = country */
    LX_DEMONYM,     /* "Armenians": ref = country */
    LX_GOVWORD,     /* "Moscow", "the Kremlin" standing for a government: ref = country */
    LX_IGO,         /* an international organisation: ref = igo index */
    LX_AGENT,       /* a sector noun: ref = agent index */
    LX_PERSON,      /* a person's name: ref = person index */
    LX_PLACE,       /* a gazetteer place: ref = place index */
    LX_KIND_COUNT_
};

struct lx_hit {
    uint8_t kind;    /* enum lx_kind */
    uint8_t ntok;    /* phrase length in tokens */
    uint16_t pad_;   /* unused */
    uint32_t ref;    /* index into the kind's table */
    uint32_t cap;    /* bit i: token i must start upper case */
    uint32_t allcap; /* bit i: token i must be all upper case */
};

struct lx_country {
    char iso3[4];     /* actor code */
    char iso2[3];     /* for the gazetteer */
    char *name;       /* display name */
    double lat, lon;  /* representative point */
    uint32_t capital; /* place index of the capital, UINT32_MAX if unknown */
};

struct lx_igo {
    char *code;     /* EU, UN, NATO */
    char *name;     /* display name */
    char sector[4]; /* optional sector code */
};

struct lx_agent {
    char sector[4]; /* GOV, MIL ... */
};

struct lx_role {
    char *country;  /* ISO3 or organisation code */
    char sector[4]; /* GOV ... */
    int32_t from;   /* days since 1970-01-01, INT32_MIN when open */
    int32_t to;     /* inclusive, INT32_MAX when still in office */
};

struct lx_person {
    char *name;            /* canonical name */
    struct lx_role *roles; /* in the order of the files */
    size_t nroles;
    uint32_t surname; /* word id of the last name token */
};

struct lx_place {
    char *name;     /* gazetteer name */
    char iso3[4];   /* its country */
    float lat, lon; /* WGS84 */
    uint32_t pop;   /* population */
    uint8_t kind;   /* 0 city, 1 admin seat, 2 capital */
};

struct lx_cameo {
    char code[5];    /* "043" */
    float goldstein; /* -10..10 */
    uint8_t quad;    /* 1..4 */
    char *plover;    /* PLOVER type or NULL */
    char *name;      /* code book name */
};

struct lexicon;

/* Loads every file of the folder; on failure reports "file:line: message" on stderr and
 * returns NULL. */
struct lexicon *lexicon_load(const char *dir) PL_WUR;
void lexicon_destroy(struct lexicon **lex_p);

/* Id of a normalised word, or 0 when no dictionary uses it. */
uint32_t lexicon_word(const struct lexicon *lex, const char *norm, size_t n);
/* True when word id w can begin a dictionary phrase or an actor reference (a determiner,
 * a pronoun): the chunker skips every other lower-case word at once. */
bool lexicon_starts(const struct lexicon *lex, uint32_t w);

/* True when word id w can be part of a date expression (month and weekday names, relative
 * words); numbers are recognised from their token flags. */
bool lexicon_dateword(const struct lexicon *lex, uint32_t w);

/* Id of a word the loader interned (for the engine's own vocabulary, e.g. "said"). */
uint32_t lexicon_id(const struct lexicon *lex, const char *word);

/* The longest phrase starting at token i (and ending before token end) whose case fits,
 * with its hits. Returns its length in tokens (0: none); *hits and *nhits describe it. */
size_t lexicon_match(const struct lexicon *lex, const struct doc *d, size_t i, size_t end,
                     const struct lx_hit **hits, size_t *nhits);

const struct lx_country *lexicon_country(const struct lexicon *lex, uint32_t i);
const struct lx_igo *lexicon_igo(const struct lexicon *lex, uint32_t i);
const struct lx_agent *lexicon_agent(const struct lexicon *lex, uint32_t i);
const struct lx_person *lexicon_person(const struct lexicon *lex, uint32_t i);
const struct lx_place *lexicon_place(const struct lexicon *lex, uint32_t i);
/* Persons whose surname is word id w (a bare-surname reference). */
size_t lexicon_surname(const struct lexicon *lex, uint32_t w, const uint32_t **persons);
/* Code book entry, or NULL for an unknown code. */
const struct lx_cameo *lexicon_cameo(const struct lexicon *lex, const char *code);
/* Country by ISO3, UINT32_MAX if none. */
uint32_t lexicon_country_by_iso3(const struct lexicon *lex, const char *iso3);
/* The best place of that name in that country (most populous), UINT32_MAX if none. */
uint32_t lexicon_place_in(const struct lexicon *lex, const char *name, const char *iso3);

/* Counts, for logs and tests. */
struct lexicon_stats {
    size_t words, phrases, countries, igos, agents, persons, roles, places, cameo, patterns;
};
void lexicon_stats(const struct lexicon *lex, struct lexicon_stats *st);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int32_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d);

/* Ids of the engine's function words (words.h), indexed by enum engine_word. */
const uint32_t *lexicon_engine_words(const struct lexicon *lex);

/* Patterns (verbs.txt) are compiled by patterns.c into the lexicon. */
struct patterns;
const struct patterns *lexicon_patterns(const struct lexicon *lex);

#endif
