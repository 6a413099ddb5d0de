/* xctx.h - the state of one extraction, shared by its stages (actors, dates, places,
 * events). Private to the extraction library. */
#ifndef XCTX_H
#define XCTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "doc.h"
#include "lexicon.h"
#include "words.h"

#define NONE        UINT32_MAX
#define DAY_UNKNOWN INT32_MIN

/* Actor flags. */
#define A_FORMER  0x01u /* "former minister" */
#define A_COREF   0x02u /* resolved from a pronoun or a definite description */
#define A_GOVWORD 0x04u /* a capital or seat of power standing for a government */
#define A_PLURAL  0x08u /* "ministers", "Armenians" */

struct actor {
    char country[13];            /* ISO3 or an organisation code; "" when unknown */
    char sector[4];              /* CAMEO sector or "" */
    uint32_t person;             /* person index, NONE when not a known person */
    uint32_t tok_start, tok_end; /* the words that name it */
    uint8_t flags;               /* A_* */
};

#define CHUNK_MAX_ACTORS 6

/* A noun phrase naming one or more actors ("the foreign ministers of Armenia and Azerbaijan"),
 * or a place. */
struct chunk {
    uint32_t tok_start, tok_end; /* tokens [start, end) */
    uint8_t n;                   /* actors (coordination gives several) */
    struct actor a[CHUNK_MAX_ACTORS];
    bool locative;          /* after in/at/near...: where, not who */
    bool place_only;        /* names a place and no actor */
    uint32_t place;         /* place index when it names a city or landmark, else NONE */
    uint32_t country_place; /* country index when it names a country as a place, else NONE */
    bool has_agent;         /* had a sector noun */
    bool joint;             /* "Russian-Armenian-Azerbaijani task force": one body */
};

/* A date found in the text. */
struct xdate {
    uint32_t tok_start, tok_end; /* its words */
    int32_t day;                 /* days since the epoch (first day for month/year precision) */
    char precision;              /* 'd' day, 'm' month, 'y' year */
    bool relative;               /* resolved against the reference date */
};

struct pair_memory {
    bool set;
    struct actor a, b;
};

struct xctx {
    const struct lexicon *lex;
    const uint32_t *w;       /* engine word ids */
    struct doc doc;          /* the article */
    int32_t ref_day;         /* reference date for relative expressions */
    char ref_basis;          /* 'p' publication, 't' estimated from the text, 'f' fetch time */
    int32_t fetched_day;     /* latest possible date */
    uint32_t dateline_place; /* place of a dateline ("MOSCOW —"), NONE if none */
    int32_t lede_day;        /* first date of the first body paragraph: the headline's */
    char lede_precision;
    /* coreference memory, updated sentence by sentence */
    struct actor last_person; /* the last named person or singular official */
    bool have_last_person;
    struct pair_memory pair;   /* the last two actors mentioned together */
    uint64_t pair_at;          /* when the pair was seen (counts actor phrases) */
    struct actor last_group;   /* the last plural group ("Armenian separatists") */
    uint64_t group_at;         /* when it was seen */
    uint64_t seen_count;       /* actor phrases seen so far */
    struct actor agents[8];    /* who did the latest events, for agent= patterns */
    char agent_codes[8][5];    /* their codes */
    size_t nagents;            /* entries used (a ring when full) */
    size_t agent_next;         /* next slot to fill */
    struct actor last_subject; /* subject of the last event */
    bool have_last_subject;
    uint32_t seen_persons[64]; /* persons named in full so far (for bare surnames) */
    size_t nseen;
    FILE *explain; /* when set, each stage says what it found, for people */
};

static inline bool tok_is(const struct xctx *x, size_t i, enum engine_word w)
{
    return x->doc.tok[i].id == x->w[w];
}

/* actors.c */
size_t actors_find(struct xctx *x, size_t sent, struct chunk *out, size_t max);
/* The code of an actor on a day ("ARMGOV"); writes at most 16 bytes. */
void actor_code(const struct xctx *x, const struct actor *a, int32_t day, char *code, char *country,
                char *sector);

/* dates.c */
void dates_reference(struct xctx *x, const char *published, const char *fetched_at);
size_t dates_find(const struct xctx *x, size_t sent, struct xdate *out, size_t max);
void date_format(int32_t day, char precision, char *buf, size_t size);

#endif
