/* out.h - how the CLI prints events (table, JSON lines, CSV, GDELT-style CSV) and checks
 * filter values, shared by query, export and tail. */
#ifndef OUT_H
#define OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "pl_base.h"
#include "pl_record.h"

enum format { F_TABLE, F_JSONL, F_CSV, F_GDELT };

struct out {
    enum format format;
    struct pl_buf line;
    unsigned long n;   /* events written */
    uint64_t last_seq; /* seq of the last one */
};

/* The column header of the format (none for jsonl), on stdout. */
void out_header(const struct out *o);
/* One event on stdout. */
void out_emit(struct out *o, const struct pl_event *e);
/* Checks a filter value as the protocol will ("date", "cameo", "actor", "country"); says
 * what is wrong on stderr. */
bool out_valid_filter(const char *what, const char *v);

#endif
