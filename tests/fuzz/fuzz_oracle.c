/* fuzz_oracle.c - see fuzz_oracle.h. */
#include "fuzz_oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_check(const struct pl_schema *s, const uint8_t *data, size_t size)
{
    void *rec = pl_xmalloc(s->size);
    void *again = pl_xmalloc(s->size);
    struct pl_diag diag;
    enum pl_status st = pl_schema_decode(s, data, size, rec, &diag);
    if (st != diag.status)
        abort(); /* the diagnosis must agree with the result */
    if (st == PL_OK) {
        struct pl_buf enc, j1, j2;
        pl_buf_init(&enc);
        pl_buf_init(&j1);
        pl_buf_init(&j2);
        /* What a decoder accepts, the encoder must be able to write back. */
        if (pl_schema_encode(s, rec, true, &enc, &diag) != PL_OK) {
            fprintf(stderr, "accepted but cannot re-encode: %s at %s\n",
                    pl_status_name(diag.status), diag.where);
            abort();
        }
        if (pl_schema_decode(s, enc.data, enc.len, again, &diag) != PL_OK)
            abort();
        pl_schema_to_json(s, rec, &j1);
        pl_schema_to_json(s, again, &j2);
        if (j1.len != j2.len || memcmp(j1.data, j2.data, j1.len) != 0)
            abort();
        pl_schema_release(s, again);
        pl_buf_release(&enc);
        pl_buf_release(&j1);
        pl_buf_release(&j2);
    }
    pl_schema_release(s, rec);
    free(rec);
    free(again);
}
