/* events.h - the event stage: patterns matched in a sentence, with their actors, date and
 * place, as drafts for extract.c to turn into mentions. */
#ifndef EVENTS_H
#define EVENTS_H

#include "xctx.h"

struct draft {
    struct actor src;       /* who acted */
    struct actor tgt;       /* to whom */
    bool has_tgt;           /* tgt is set */
    char code[5];           /* CAMEO code */
    int32_t day;            /* event date */
    char precision;         /* 'd', 'm' or 'y' */
    char basis;             /* 't' text, 'p' published, 'f' fetched */
    uint32_t sent;          /* the sentence that reports it */
    uint32_t place;         /* place index or NONE */
    uint32_t country_place; /* country index when located only by country, or NONE */
    float confidence;       /* 0..1 */
};

/* Calls emit for every event of sentence sent. */
void events_sentence(struct xctx *x, size_t sent, void (*emit)(void *arg, const struct draft *d),
                     void *arg);

#endif
