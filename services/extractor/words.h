/* words.h - the function words the extraction stages test for, interned into every lexicon so
 * that tests are integer comparisons. The list is words.def, one W(NAME, "text") a line. */
#ifndef WORDS_H
#define WORDS_H

enum engine_word {
#define W(name, text) W_##name,
#include "words.def"
#undef W
    W_COUNT_
};

extern const char *const engine_word_text[W_COUNT_];

#endif
