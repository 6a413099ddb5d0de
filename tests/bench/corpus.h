/* corpus.h - a deterministic generator of news-like articles for the benchmarks.
 *
 * Articles mix event sentences (meetings, visits, talks hosted between two parties, attacks,
 * accusations, aid, sanctions, statements) over many actors, dates and places with the
 * things real pages carry: a headline, a dateline, quotes, background sentences without
 * events, photo captions, bylines, newsletter prompts and related-links lists. The same seed
 * gives the same corpus on every machine.
 */
#ifndef CORPUS_H
#define CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"

/* Appends article number i of the corpus for seed to out: a header block (url, outlet,
 * published, title) and the text, about size bytes (4096 for the standard corpus). */
void corpus_article(uint64_t seed, uint64_t i, size_t size, struct pl_buf *out);

#endif
