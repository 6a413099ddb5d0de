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
 * published, title) and the text, about size bytes (4096 for the standard corpus).
 * event_pct: the share of paragraphs (in percent) that may carry event sentences; the others
 * are background. 100 is the standard, dense corpus (about 22 coded mentions in 4 KB, four
 * times what real news yields); CORPUS_NEWS_PCT brings it to the rate of the five seed
 * articles (about 1.5 mentions a KB). The same (seed, i, size, event_pct) gives the same
 * article. */
void corpus_article(uint64_t seed, uint64_t i, size_t size, unsigned event_pct, struct pl_buf *out);

#define CORPUS_NEWS_PCT 25

#endif
