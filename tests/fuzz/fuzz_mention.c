/* fuzz_mention.c - libFuzzer target for pl_mention_decode. */
#include "fuzz_oracle.h"
#include "pl_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check(&pl_mention_schema, data, size);
    return 0;
}
