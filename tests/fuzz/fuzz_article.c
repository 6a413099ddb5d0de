/* fuzz_article.c - libFuzzer target for pl_article_decode. */
#include "fuzz_oracle.h"
#include "pl_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check(&pl_article_schema, data, size);
    return 0;
}
