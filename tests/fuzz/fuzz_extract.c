/* fuzz_extract.c - libFuzzer target for the extraction function. Any bytes become an article
 * (as parley extract reads a file: header block, UTF-8 repair); extraction must not crash,
 * leak or hang, and every mention it returns must satisfy the wire format's rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "fuzz_oracle.h"
#include "pl_article_file.h"

static struct lexicon *g_lex;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("PARLEY_DATA");
    g_lex = lexicon_load(dir && *dir ? dir : PARLEY_DATA_DIR);
    if (!g_lex) {
        fprintf(stderr, "fuzz_extract: cannot load the dictionaries\n");
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_lex)
        LLVMFuzzerInitialize(NULL, NULL);
    struct pl_article a;
    size_t repaired = 0;
    char why[256];
    if (pl_article_parse((const char *)data, size, "file:///fuzz/input.txt", &a, &repaired, why,
                         sizeof why) != 0)
        return 0;
    struct extract_result r;
    if (extract_article(g_lex, &a, "fuzz", &r, why, sizeof why) == 0) {
        struct pl_buf b;
        pl_buf_init(&b);
        for (size_t i = 0; i < r.n; i++) {
            struct pl_diag d;
            pl_buf_clear(&b);
            if (pl_mention_encode(&r.mentions[i], &b, &d) != PL_OK) {
                fprintf(stderr, "mention %zu breaks the format: %s at %s\n", i,
                        pl_status_name(d.status), d.where);
                abort();
            }
        }
        pl_buf_release(&b);
        extract_result_release(&r);
    } else {
        abort(); /* a parsed article is valid UTF-8 with an id: extraction must accept it */
    }
    pl_article_release(&a);
    return 0;
}
