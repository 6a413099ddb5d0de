/* fuzz_oracle.h - what every decoder fuzz target checks. Any input may be refused, but
 * nothing may crash, leak or read out of bounds, and whatever is accepted must encode again
 * and decode to the same record (compared through its JSON rendering). */
#ifndef FUZZ_ORACLE_H
#define FUZZ_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "pl_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes data with schema s and checks the round trip; aborts on a violation. */
void fuzz_check(const struct pl_schema *s, const uint8_t *data, size_t size);

#endif
