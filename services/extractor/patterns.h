/* patterns.h - compiled event patterns (data/verbs.txt).
 *
 * A pattern is a CAMEO code and a sequence of elements read left to right from its head:
 *
 *   *verb{past,...}   the head verb; -s and -ing forms are generated, the past forms are
 *                     given in braces (default: regular -ed)
 *   word|word         one of these words
 *   [word|word]       optionally one of these words
 *   ...               up to PATTERN_GAP words that are not actors
 *   TGT               the target: an actor phrase ("A and B" gives several targets)
 *   PAIR              two actors: "A and B", "Armenia-Azerbaijan", "them", "the two sides"
 *
 * A pattern without a *verb starts with a noun head ("talks between PAIR"). The source is
 * found by the event stage: the subject before a verb, the possessor or adjective before a
 * noun, or the agent after "by" in the passive. Options (third column):
 *   sym          the event is mutual: "A and B met" codes A -> B
 *   intent=CODE  the code when the verb is modal or future ("will meet" -> 036)
 *   host         the source hosts the PAIR: source -> each of the pair, and the pair with
 *                pair=CODE (default 046) between them
 *   pair=CODE    see host
 *   rev=CODE     also code target -> source with CODE ("received" 043 gives 042 back)
 */
#ifndef PATTERNS_H
#define PATTERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATTERN_GAP   5
#define PATTERN_ALTS  12
#define PATTERN_ELEMS 12

enum pe_type { PE_WORD, PE_OPT, PE_GAP, PE_TGT, PE_PAIR };

struct pelem {
    uint8_t type;                 /* enum pe_type */
    uint8_t nwords;               /* alternatives */
    uint32_t words[PATTERN_ALTS]; /* word ids */
};

#define P_SYM  0x01u
#define P_VERB 0x02u
#define P_HOST 0x04u

struct pattern {
    char code[5];   /* CAMEO code */
    char intent[5]; /* code when modal, "" to drop modal uses */
    char pair[5];   /* host: code between the pair */
    char rev[5];    /* code target -> source, "" none */
    char agent[5];  /* code prefix whose latest actor is the target, "" none */
    uint8_t flags;  /* P_* */
    uint8_t nel;    /* elements after the head */
    struct pelem el[PATTERN_ELEMS];
    unsigned line; /* line in verbs.txt, for diagnostics */
};

enum head_form { FORM_BASE, FORM_S, FORM_ING, FORM_PAST, FORM_NOUN };

/* A head form found in a sentence. */
struct head_hit {
    uint32_t pattern; /* index */
    uint8_t form;     /* enum head_form; FORM_PAST allows the passive */
};

struct patterns;

/* Patterns whose head is word id w: fills hits (at most max), returns how many. */
size_t patterns_for(const struct patterns *p, uint32_t w, struct head_hit *hits, size_t max);
const struct pattern *patterns_get(const struct patterns *p, uint32_t i);

#endif
