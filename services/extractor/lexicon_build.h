/* lexicon_build.h - what the loaders (lexicon.c, patterns.c) share while a lexicon is being
 * built. Not for the extraction stages, which see a finished, read-only lexicon. */
#ifndef LEXICON_BUILD_H
#define LEXICON_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "doc.h"
#include "lexicon.h"

/* Interns a normalised word; returns its id (never 0). */
uint32_t lexicon_intern(struct lexicon *lex, const char *norm, size_t n);

/* Tokenises a dictionary phrase as article text would be; the tokens' ids are interned.
 * Returns the token count; the tokens are in scratch->tok. */
size_t lexicon_phrase(struct lexicon *lex, struct doc *scratch, const char *s, size_t n);

/* Builders shared with the importers (lexicon_import.c). */
void lexicon_add_phrase(struct lexicon *lex, struct doc *scratch, const char *s, uint8_t kind,
                        uint32_t ref, bool proper);
/* The person of that name, created when new. */
uint32_t lexicon_add_person(struct lexicon *lex, struct doc *scratch, const char *name, bool proper,
                            bool surname);
void lexicon_add_role(struct lexicon *lex, uint32_t person, const char *country, const char *sector,
                      int32_t from, int32_t to);
uint32_t lexicon_add_agent(struct lexicon *lex, const char *sector);

/* Reads PETRARCH/TABARI actor and agent dictionaries (lexicon_import.c). */
int lexicon_import_actors(struct lexicon *lex, struct doc *scratch, const char *path);
int lexicon_import_agents(struct lexicon *lex, struct doc *scratch, const char *path);

/* A TSV line reader with file:line error reporting. */
struct tsv {
    const char *path; /* for messages */
    char *buf;        /* whole file */
    size_t len;       /* its length */
    size_t pos;       /* next line */
    unsigned line;    /* current line number */
    char *field[12];  /* fields of the current line (trimmed, NUL-terminated) */
    size_t nfield;    /* how many */
    int errors;       /* problems reported */
};

/* Opens path; returns -1 (reported) when it cannot be read. */
int tsv_open(struct tsv *t, const char *path);
/* Next non-comment line split at TABs; 0 at the end. */
int tsv_next(struct tsv *t);
void tsv_error(struct tsv *t, const char *fmt, ...) PL_PRINTF(2, 3);
void tsv_close(struct tsv *t);

/* Splits a ';' list in place; returns the count (at most max). */
size_t split_list(char *s, char **out, size_t max);

/* Loads verbs.txt (patterns.c). */
struct patterns *patterns_load(struct lexicon *lex, struct doc *scratch, const char *path);
void patterns_destroy(struct patterns *p);
size_t patterns_count(const struct patterns *p);

#endif
