/* clean.h - turns article text into clean text and classified paragraphs (see doc.h). */
#ifndef CLEAN_H
#define CLEAN_H

#include "doc.h"

/* Fills d->clean with the character-level cleaning only (no markup, no paragraphs). */
void clean_chars(struct doc *d);

/* Fills d->clean (same length as the text) and d->para. */
void clean_text(struct doc *d);

#endif
