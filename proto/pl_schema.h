/* pl_schema.h - table-driven MessagePack and JSON codec behind every parley record.
 *
 * A record is a plain C struct described by a schema: one row per key giving the type, the
 * struct offset, whether it is required and its limits. One walker then encodes, decodes,
 * renders JSON and frees any record, so the rules of proto/README.md are written once and
 * every record and message obeys them the same way.
 *
 * Representation in the struct, by type:
 *   STR     char *           NULL when absent; heap copy owned by the record
 *   U32     uint32_t         optional ones have a bool at has_off
 *   U64     uint64_t         optional ones have a bool at has_off
 *   F64     double           optional ones have a bool at has_off; always finite
 *   BOOL    bool             always optional; false is not encoded
 *   OBJ     embedded struct  described by sub; optional ones have a bool at has_off
 *   ARR     T * + size_t     array of sub records at off, element count at cnt_off
 *   INLINE  embedded struct  whose keys sit in the same map (shared field groups)
 */
#ifndef PL_SCHEMA_H
#define PL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"
#include "pl_proto.h"

enum pl_ftype {
    PL_FT_STR,
    PL_FT_U32,
    PL_FT_U64,
    PL_FT_F64,
    PL_FT_BOOL,
    PL_FT_OBJ,
    PL_FT_ARR,
    PL_FT_INLINE
};

#define PL_NO_HAS ((size_t)-1)

struct pl_schema;

struct pl_field {
    const char *key;             /* map key on the wire and in JSON */
    size_t klen;                 /* strlen(key) */
    enum pl_ftype type;          /* representation, see the table above */
    bool required;               /* absent -> PL_E_MISSING (both directions) */
    size_t off;                  /* offset of the value in the struct */
    size_t has_off;              /* offset of the presence bool of optional scalars/objects */
    size_t cnt_off;              /* ARR: offset of the size_t element count */
    uint64_t min;                /* U32/U64: smallest value; STR: fewest bytes */
    uint64_t max;                /* U32/U64: largest value; STR: most bytes; ARR: elements */
    double fmin, fmax;           /* F64: inclusive range */
    const struct pl_schema *sub; /* OBJ, ARR, INLINE: the schema of the embedded records */
    bool (*check)(const char *s, size_t n); /* STR: form check, PL_E_VALUE when false */
};

struct pl_schema {
    const char *name; /* for diagnostics */
    size_t size;      /* sizeof the struct */
    const struct pl_field *fields;
    size_t nfields;
};

/* Encodes rec as one MessagePack map appended to out. A top-level map starts with "v". The
 * record is checked against the same rules a decoder applies; on failure out is restored to
 * its previous length and diag (if not NULL) says which field. */
enum pl_status pl_schema_encode(const struct pl_schema *s, const void *rec, bool top,
                                struct pl_buf *out, struct pl_diag *diag) PL_WUR;

/* Decodes one top-level map from buf into rec (which it zeroes first). On success rec owns
 * heap copies of everything; release it with pl_schema_release. On failure rec holds nothing
 * to free. */
enum pl_status pl_schema_decode(const struct pl_schema *s, const void *buf, size_t len, void *rec,
                                struct pl_diag *diag) PL_WUR;

/* Frees what rec owns and zeroes it. Safe on a zeroed or already released record. */
void pl_schema_release(const struct pl_schema *s, void *rec);

/* Appends rec as a JSON object with the same keys (no "v"). */
void pl_schema_to_json(const struct pl_schema *s, const void *rec, struct pl_buf *out);

/* Walks buf as MessagePack without allocating: exactly one object, complete, no trailing
 * bytes, container counts within limits and within the bytes left, nesting within
 * PL_MAX_DEPTH. Decoders run it before msgpack-c allocates anything. */
enum pl_status pl_msgpack_prescan(const void *buf, size_t len);

/* Appends s as a JSON string literal (quotes and escapes included). */
void pl_json_string(struct pl_buf *out, const char *s, size_t n);

/* Form checks used by the schemas, exported for the tests and for other modules. */
bool pl_check_id(const char *s, size_t n);        /* 16-64 lower-case hex digits */
bool pl_check_date(const char *s, size_t n);      /* YYYY, YYYY-MM or YYYY-MM-DD */
bool pl_check_timestamp(const char *s, size_t n); /* ISO-8601 date, optional time and zone */
bool pl_check_cameo(const char *s, size_t n);     /* 2 to 4 digits, root 01-20 */
bool pl_check_root(const char *s, size_t n);      /* 01 to 20 */
bool pl_check_code(const char *s, size_t n);      /* A-Z 0-9 and _ only, e.g. ARMGOV */

#endif
