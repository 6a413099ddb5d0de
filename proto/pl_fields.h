/* pl_fields.h - private to proto/: one-line constructors for schema rows (see pl_schema.h).
 * Each macro names the struct type T, the wire key k and the struct member m. */
#ifndef PL_FIELDS_H
#define PL_FIELDS_H

#include <stddef.h>

#include "pl_schema.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Field constructors keep the tables readable: one line per key. */
#define STR(T, k, m, req, lim, chk)                                                                \
    {                                                                                              \
        .key = k, .klen = sizeof(k) - 1, .type = PL_FT_STR, .required = req,                       \
        .off = offsetof(T, m), .has_off = PL_NO_HAS, .max = lim, .check = chk                      \
    }
#define STR_MIN(T, k, m, req, lo, lim)                                                             \
    {                                                                                              \
        .key = k, .klen = sizeof(k) - 1, .type = PL_FT_STR, .required = req,                       \
        .off = offsetof(T, m), .has_off = PL_NO_HAS, .min = lo, .max = lim                         \
    }
#define U32(T, k, m, has, lo, hi)                                                                  \
    {                                                                                              \
        .key = k, .klen = sizeof(k) - 1, .type = PL_FT_U32, .required = (has) == PL_NO_HAS,        \
        .off = offsetof(T, m), .has_off = has, .min = lo, .max = hi                                \
    }
#define U64(T, k, m, has, lo, hi)                                                                  \
    {                                                                                              \
        .key = k, .klen = sizeof(k) - 1, .type = PL_FT_U64, .required = (has) == PL_NO_HAS,        \
        .off = offsetof(T, m), .has_off = has, .min = lo, .max = hi                                \
    }
#define F64(T, k, m, has, lo, hi)                                                                  \
    {                                                                                              \
        .key = k, .klen = sizeof(k) - 1, .type = PL_FT_F64, .required = (has) == PL_NO_HAS,        \
        .off = offsetof(T, m), .has_off = has, .fmin = lo, .fmax = hi                              \
    }
#define BOOL(T, k, m)                                                                              \
    {                                                                                              \
        .key = k, .klen = sizeof(k) - 1, .type = PL_FT_BOOL, .off = offsetof(T, m),                \
        .has_off = PL_NO_HAS                                                                       \
    }
#define OBJ(T, k, m, has, sch)                                                                     \
    {                                                                                              \
        .key = k, .klen = sizeof(k) - 1, .type = PL_FT_OBJ, .required = (has) == PL_NO_HAS,        \
        .off = offsetof(T, m), .has_off = has, .sub = &sch                                         \
    }
#define ARR(T, k, m, cnt, lim, sch)                                                                \
    {                                                                                              \
        .key = k, .klen = sizeof(k) - 1, .type = PL_FT_ARR, .off = offsetof(T, m),                 \
        .has_off = PL_NO_HAS, .cnt_off = offsetof(T, cnt), .max = lim, .sub = &sch                 \
    }
#define ARR_REQ(T, k, m, cnt, lim, sch)                                                            \
    {                                                                                              \
        .key = k, .klen = sizeof(k) - 1, .type = PL_FT_ARR, .required = true,                      \
        .off = offsetof(T, m), .has_off = PL_NO_HAS, .cnt_off = offsetof(T, cnt), .max = lim,      \
        .sub = &sch                                                                                \
    }
#define INLINE(T, m, sch)                                                                          \
    {                                                                                              \
        .key = "", .type = PL_FT_INLINE, .off = offsetof(T, m), .has_off = PL_NO_HAS, .sub = &sch  \
    }
#define HAS(T, m) offsetof(T, m)

#endif
