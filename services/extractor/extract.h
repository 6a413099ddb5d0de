/* extract.h - the extraction library's one entry point: article in, event mentions out.
 *
 * A pure function of the article and the lexicon: no I/O, no globals, so the daemon, the
 * CLI, the tests, the fuzzer and the benchmark all run the same code.
 */
#ifndef EXTRACT_H
#define EXTRACT_H

#include <stddef.h>
#include <stdio.h>

#include "lexicon.h"
#include "pl_record.h"

/* The version written into mention ids and EVENTS: a change of extraction rules or data
 * that can change output should change it. */
#define EXTRACT_VERSION "parley-" PARLEY_VERSION

struct extract_result {
    struct pl_mention *mentions; /* owned: release each, then free the array */
    size_t n;
    size_t sentences;          /* sentences read (body, title, captions) */
    size_t dropped_paragraphs; /* boilerplate, comments and related links left out */
};

/* Codes article a. Returns 0, or -1 with a reason in why when the article cannot be read
 * (invalid UTF-8 or no id). xv is the extractor version for mention ids. */
int extract_article(const struct lexicon *lex, const struct pl_article *a, const char *xv,
                    struct extract_result *out, char *why, size_t whylen) PL_WUR;

/* The same, telling explain (when not NULL) what each sentence held: its actor phrases with
 * their codes, its dates, and the patterns that matched or why an event was dropped. */
int extract_article_explain(const struct lexicon *lex, const struct pl_article *a, const char *xv,
                            struct extract_result *out, char *why, size_t whylen,
                            FILE *explain) PL_WUR;

void extract_result_release(struct extract_result *r);

#endif
