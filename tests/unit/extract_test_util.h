/* extract_test_util.h - what the extraction tests share: the bundled dictionaries loaded once
 * per group, coding a text as an article, and finding a coded event in the result. */
#ifndef EXTRACT_TEST_UTIL_H
#define EXTRACT_TEST_UTIL_H

#include <stdbool.h>

#include "extract.h"

/* The dictionaries of the data folder (PARLEY_DATA_DIR), loaded by group_setup. */
extern struct lexicon *g_lex;

/* cmocka group setup and teardown: load and free g_lex. */
int group_setup(void **state);
int group_teardown(void **state);

/* Codes text with lex as an article published at published (NULL: unknown), fetched
 * 2026-01-01; fails the test when extraction fails. */
void extract_with(struct lexicon *lex, const char *text, const char *published,
                  struct extract_result *r);
/* The same with g_lex. */
void extract(const char *text, const char *published, struct extract_result *r);

/* The target's code, or "" without a target. */
const char *target_code(const struct pl_mention *m);
/* Lists the mentions (date source cameo target) on stderr, to explain a failure. */
void print_mentions(const struct extract_result *r);
/* The mention src cameo tgt; with mutual, tgt cameo src counts too. NULL when absent. */
const struct pl_mention *find(const struct extract_result *r, const char *src, const char *cameo,
                              const char *tgt, bool mutual);
/* find, failing the test (and listing what was coded) when absent. */
const struct pl_mention *expect_event(const struct extract_result *r, const char *src,
                                      const char *cameo, const char *tgt, bool mutual);

#endif
