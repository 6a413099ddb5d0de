/* pl_schema.c - see pl_schema.h. */
#include "pl_schema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#define FIELD(rec, off, type)  ((type *)((char *)(rec) + (off)))
#define CFIELD(rec, off, type) ((type const *)((const char *)(rec) + (off)))

const char *pl_status_name(enum pl_status st)
{
    static const char *const names[PL_STATUS_COUNT_] = {
        [PL_OK] = "ok",
        [PL_E_TOO_LARGE] = "too_large",
        [PL_E_TRUNCATED] = "truncated",
        [PL_E_TRAILING] = "trailing_bytes",
        [PL_E_COUNT] = "huge_count",
        [PL_E_DEPTH] = "too_deep",
        [PL_E_MALFORMED] = "malformed",
        [PL_E_TYPE] = "wrong_type",
        [PL_E_MISSING] = "missing_field",
        [PL_E_LIMIT] = "over_limit",
        [PL_E_RANGE] = "out_of_range",
        [PL_E_UTF8] = "invalid_utf8",
        [PL_E_VALUE] = "bad_value",
        [PL_E_DUPLICATE] = "duplicate_key",
        [PL_E_VERSION] = "unknown_version",
        [PL_E_COMMAND] = "unknown_command",
        [PL_E_FRAMES] = "wrong_frame_count",
    };
    if ((unsigned)st >= PL_STATUS_COUNT_)
        return "unknown";
    return names[st];
}

/* ---- diagnostics ------------------------------------------------------------------------ */

static enum pl_status s_fail(struct pl_diag *diag, enum pl_status st, const char *key)
{
    if (diag) {
        diag->status = st;
        snprintf(diag->where, sizeof diag->where, "%s", key ? key : "");
    }
    return st;
}

/* Puts "key." or "key[i]." in front of the path an inner level reported. */
static enum pl_status s_prefix(struct pl_diag *diag, enum pl_status st, const char *key, long idx)
{
    if (!diag)
        return st;
    char inner[sizeof diag->where];
    memcpy(inner, diag->where, sizeof inner);
    char head[64];
    if (idx >= 0)
        snprintf(head, sizeof head, "%s[%ld]", key, idx);
    else
        snprintf(head, sizeof head, "%s", key);
    snprintf(diag->where, sizeof diag->where, "%s%s%s", head, inner[0] ? "." : "", inner);
    diag->status = st;
    return st;
}

/* ---- form checks ------------------------------------------------------------------------ */

static bool s_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static unsigned s_num(const char *s, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

bool pl_check_id(const char *s, size_t n)
{
    /* lower-case hex digits: a bit a byte value */
    static const uint64_t hex[4] = {UINT64_C(0x03ff000000000000), UINT64_C(0x0000007e00000000), 0,
                                    0};
    if (n < 16 || n > PL_MAX_ID_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(hex[c >> 6] >> (c & 63) & 1))
            return false;
    }
    return true;
}

bool pl_check_date(const char *s, size_t n)
{
    if (n != 4 && n != 7 && n != 10)
        return false;
    if (!s_digits(s, 4))
        return false;
    if (n >= 7) {
        if (s[4] != '-' || !s_digits(s + 5, 2))
            return false;
        unsigned m = s_num(s + 5, 2);
        if (m < 1 || m > 12)
            return false;
    }
    if (n == 10) {
        if (s[7] != '-' || !s_digits(s + 8, 2))
            return false;
        unsigned d = s_num(s + 8, 2);
        if (d < 1 || d > 31)
            return false;
    }
    return true;
}

bool pl_check_timestamp(const char *s, size_t n)
{
    if (n < 10 || !pl_check_date(s, 10))
        return false;
    if (n == 10)
        return true;
    if (s[10] != 'T' && s[10] != ' ')
        return false;
    for (size_t i = 11; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == ':' || c == '.' || c == '+' || c == '-' || c == 'Z'))
            return false;
    }
    return n >= 16; /* at least THH:MM */
}

bool pl_check_root(const char *s, size_t n)
{
    if (n != 2 || !s_digits(s, 2))
        return false;
    unsigned r = s_num(s, 2);
    return r >= 1 && r <= 20;
}

bool pl_check_cameo(const char *s, size_t n)
{
    return n >= 2 && n <= 4 && s_digits(s, n) && pl_check_root(s, 2);
}

bool pl_check_code(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* ---- pre-scan --------------------------------------------------------------------------- */

struct scan {
    const uint8_t *p; /* the frame */
    size_t n;         /* its length */
    size_t pos;       /* next byte to read */
    size_t objects;   /* objects seen so far */
};

/* Reads a big-endian length of k bytes. */
static enum pl_status s_scan_len(struct scan *sc, size_t k, uint64_t *out)
{
    if (sc->n - sc->pos < k)
        return PL_E_TRUNCATED;
    uint64_t v = 0;
    for (size_t i = 0; i < k; i++)
        v = (v << 8) | sc->p[sc->pos + i];
    sc->pos += k;
    *out = v;
    return PL_OK;
}

static enum pl_status s_scan_skip(struct scan *sc, uint64_t k)
{
    if (sc->n - sc->pos < k)
        return PL_E_TRUNCATED;
    sc->pos += (size_t)k;
    return PL_OK;
}

static enum pl_status s_scan_obj(struct scan *sc, unsigned depth)
{
    if (++sc->objects > PL_MAX_OBJECTS)
        return PL_E_TOO_LARGE;
    if (sc->pos >= sc->n)
        return PL_E_TRUNCATED;
    uint8_t b = sc->p[sc->pos++];
    uint64_t count = 0, len = 0;
    unsigned per = 0; /* objects per declared element: 1 array, 2 map, 0 scalar */
    enum pl_status st = PL_OK;

    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return PL_OK;
    if (b >= 0x80 && b <= 0x8f) {
        count = b & 0x0f;
        per = 2;
    } else if (b >= 0x90 && b <= 0x9f) {
        count = b & 0x0f;
        per = 1;
    } else if (b >= 0xa0 && b <= 0xbf) {
        return s_scan_skip(sc, b & 0x1f);
    } else {
        switch (b) {
        case 0xc4: /* bin 8/16/32 and str 8/16/32: a length, then bytes */
        case 0xd9:
            st = s_scan_len(sc, 1, &len);
            break;
        case 0xc5:
        case 0xda:
            st = s_scan_len(sc, 2, &len);
            break;
        case 0xc6:
        case 0xdb:
            st = s_scan_len(sc, 4, &len);
            break;
        case 0xc7: /* ext 8/16/32: a length, a type byte, then bytes */
            st = s_scan_len(sc, 1, &len);
            len++;
            break;
        case 0xc8:
            st = s_scan_len(sc, 2, &len);
            len++;
            break;
        case 0xc9:
            st = s_scan_len(sc, 4, &len);
            len++;
            break;
        case 0xca: /* float 32/64 */
            len = 4;
            break;
        case 0xcb:
            len = 8;
            break;
        case 0xcc: /* unsigned and signed integers */
        case 0xd0:
            len = 1;
            break;
        case 0xcd:
        case 0xd1:
            len = 2;
            break;
        case 0xce:
        case 0xd2:
            len = 4;
            break;
        case 0xcf:
        case 0xd3:
            len = 8;
            break;
        case 0xd4: /* fixext 1/2/4/8/16: a type byte, then bytes */
            len = 2;
            break;
        case 0xd5:
            len = 3;
            break;
        case 0xd6:
            len = 5;
            break;
        case 0xd7:
            len = 9;
            break;
        case 0xd8:
            len = 17;
            break;
        case 0xdc:
            st = s_scan_len(sc, 2, &count);
            per = 1;
            break;
        case 0xdd:
            st = s_scan_len(sc, 4, &count);
            per = 1;
            break;
        case 0xde:
            st = s_scan_len(sc, 2, &count);
            per = 2;
            break;
        case 0xdf:
            st = s_scan_len(sc, 4, &count);
            per = 2;
            break;
        default: /* 0xc1 is reserved: never valid MessagePack */
            return PL_E_MALFORMED;
        }
        if (st != PL_OK)
            return st;
        if (per == 0)
            return s_scan_skip(sc, len);
    }

    /* A container. Its declared count is checked before any element is looked at, so a
     * five-byte frame cannot claim four billion elements. */
    if (count > PL_MAX_CONTAINER)
        return PL_E_COUNT;
    if (depth + 1 > PL_MAX_DEPTH)
        return PL_E_DEPTH;
    if (count * per > sc->n - sc->pos)
        return PL_E_TRUNCATED; /* each element takes at least one byte */
    for (uint64_t i = 0; i < count * per; i++) {
        st = s_scan_obj(sc, depth + 1);
        if (st != PL_OK)
            return st;
    }
    return PL_OK;
}

enum pl_status pl_msgpack_prescan(const void *buf, size_t len)
{
    if (len > PL_MAX_FRAME_BYTES)
        return PL_E_TOO_LARGE;
    if (len == 0)
        return PL_E_TRUNCATED;
    struct scan sc = {.p = buf, .n = len, .pos = 0, .objects = 0};
    enum pl_status st = s_scan_obj(&sc, 0);
    if (st != PL_OK)
        return st;
    return sc.pos == len ? PL_OK : PL_E_TRAILING;
}

/* ---- encoding --------------------------------------------------------------------------- */

static int s_buf_write(void *data, const char *buf, size_t len)
{
    pl_buf_append(data, buf, len);
    return 0;
}

static bool s_present(const struct pl_field *f, const void *rec)
{
    switch (f->type) {
    case PL_FT_STR:
        return *CFIELD(rec, f->off, char *) != NULL;
    case PL_FT_BOOL:
        return *CFIELD(rec, f->off, bool);
    case PL_FT_ARR:
        return f->required || *CFIELD(rec, f->cnt_off, size_t) > 0;
    case PL_FT_INLINE:
        return true;
    default:
        return f->has_off == PL_NO_HAS || *CFIELD(rec, f->has_off, bool);
    }
}

static size_t s_count_keys(const struct pl_schema *s, const void *rec)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nfields; i++) {
        const struct pl_field *f = &s->fields[i];
        if (f->type == PL_FT_INLINE)
            n += s_count_keys(f->sub, CFIELD(rec, f->off, char));
        else if (s_present(f, rec))
            n++;
    }
    return n;
}

static enum pl_status s_check_str(const struct pl_field *f, const char *v, size_t n)
{
    if (n > f->max)
        return PL_E_LIMIT;
    if (!pl_utf8_valid(v, n, false))
        return PL_E_UTF8;
    if (n < f->min || (f->check && !f->check(v, n)))
        return PL_E_VALUE;
    return PL_OK;
}

static enum pl_status s_pack_map(const struct pl_schema *s, const void *rec, bool top,
                                 msgpack_packer *pk, struct pl_diag *diag);

static enum pl_status s_pack_fields(const struct pl_schema *s, const void *rec, msgpack_packer *pk,
                                    struct pl_diag *diag)
{
    int rc = 0;
    for (size_t i = 0; i < s->nfields; i++) {
        const struct pl_field *f = &s->fields[i];
        enum pl_status st = PL_OK;
        if (f->type == PL_FT_INLINE) {
            st = s_pack_fields(f->sub, CFIELD(rec, f->off, char), pk, diag);
            if (st != PL_OK)
                return st;
            continue;
        }
        if (!s_present(f, rec)) {
            if (f->required)
                return s_fail(diag, PL_E_MISSING, f->key);
            continue;
        }
        rc |= msgpack_pack_str(pk, f->klen);
        rc |= msgpack_pack_str_body(pk, f->key, f->klen);
        switch (f->type) {
        case PL_FT_STR: {
            const char *v = *CFIELD(rec, f->off, char *);
            size_t n = strlen(v);
            st = s_check_str(f, v, n);
            if (st != PL_OK)
                return s_fail(diag, st, f->key);
            rc |= msgpack_pack_str(pk, n);
            rc |= msgpack_pack_str_body(pk, v, n);
            break;
        }
        case PL_FT_U32:
        case PL_FT_U64: {
            uint64_t v = f->type == PL_FT_U32 ? *CFIELD(rec, f->off, uint32_t)
                                              : *CFIELD(rec, f->off, uint64_t);
            if (v < f->min || v > f->max)
                return s_fail(diag, PL_E_RANGE, f->key);
            rc |= msgpack_pack_uint64(pk, v);
            break;
        }
        case PL_FT_F64: {
            double v = *CFIELD(rec, f->off, double);
            if (!isfinite(v) || v < f->fmin || v > f->fmax)
                return s_fail(diag, PL_E_RANGE, f->key);
            rc |= msgpack_pack_double(pk, v);
            break;
        }
        case PL_FT_BOOL:
            rc |= msgpack_pack_true(pk);
            break;
        case PL_FT_OBJ:
            st = s_pack_map(f->sub, CFIELD(rec, f->off, char), false, pk, diag);
            if (st != PL_OK)
                return s_prefix(diag, st, f->key, -1);
            break;
        case PL_FT_ARR: {
            size_t n = *CFIELD(rec, f->cnt_off, size_t);
            const char *elems = *CFIELD(rec, f->off, char *);
            if (n > f->max)
                return s_fail(diag, PL_E_LIMIT, f->key);
            rc |= msgpack_pack_array(pk, n);
            for (size_t k = 0; k < n; k++) {
                st = s_pack_map(f->sub, elems + k * f->sub->size, false, pk, diag);
                if (st != PL_OK)
                    return s_prefix(diag, st, f->key, (long)k);
            }
            break;
        }
        case PL_FT_INLINE:
            break;
        }
    }
    /* The packer writes into a pl_buf, which aborts rather than fail, so rc stays 0; it is
     * checked all the same in case the write path ever changes. */
    return rc ? s_fail(diag, PL_E_TOO_LARGE, "") : PL_OK;
}

static enum pl_status s_pack_map(const struct pl_schema *s, const void *rec, bool top,
                                 msgpack_packer *pk, struct pl_diag *diag)
{
    size_t n = s_count_keys(s, rec) + (top ? 1 : 0);
    if (msgpack_pack_map(pk, n) != 0)
        return s_fail(diag, PL_E_TOO_LARGE, "");
    if (top) {
        if (msgpack_pack_str(pk, 1) || msgpack_pack_str_body(pk, "v", 1) ||
            msgpack_pack_uint32(pk, PL_PROTO_MAJOR))
            return s_fail(diag, PL_E_TOO_LARGE, "");
    }
    return s_pack_fields(s, rec, pk, diag);
}

enum pl_status pl_schema_encode(const struct pl_schema *s, const void *rec, bool top,
                                struct pl_buf *out, struct pl_diag *diag)
{
    size_t start = out->len;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, s_buf_write);
    enum pl_status st = s_pack_map(s, rec, top, &pk, diag);
    if (st == PL_OK && out->len - start > PL_MAX_FRAME_BYTES)
        st = s_fail(diag, PL_E_TOO_LARGE, "");
    if (st != PL_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return st;
    }
    if (diag)
        s_fail(diag, PL_OK, NULL);
    return PL_OK;
}

/* ---- decoding --------------------------------------------------------------------------- */

/* Finds the field for key, looking inside INLINE groups. *base is the struct the field's
 * offsets are relative to; *idx its position in the flattened key list (for duplicates). */
static const struct pl_field *s_find(const struct pl_schema *s, void *rec, const char *key,
                                     size_t klen, void **base, unsigned *idx)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const struct pl_field *f = &s->fields[i];
        if (f->type == PL_FT_INLINE) {
            const struct pl_field *g =
                s_find(f->sub, FIELD(rec, f->off, char), key, klen, base, idx);
            if (g)
                return g;
            continue;
        }
        /* the first byte rules out most fields before their keys are measured */
        if ((klen == 0 || f->key[0] == key[0]) && f->klen == klen &&
            memcmp(f->key, key, klen) == 0) {
            *base = rec;
            return f;
        }
        (*idx)++;
    }
    return NULL;
}

static enum pl_status s_check_required(const struct pl_schema *s, uint64_t seen, unsigned *idx,
                                       struct pl_diag *diag)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const struct pl_field *f = &s->fields[i];
        if (f->type == PL_FT_INLINE) {
            enum pl_status st = s_check_required(f->sub, seen, idx, diag);
            if (st != PL_OK)
                return st;
            continue;
        }
        if (f->required && !(seen & (UINT64_C(1) << *idx)))
            return s_fail(diag, PL_E_MISSING, f->key);
        (*idx)++;
    }
    return PL_OK;
}

static enum pl_status s_decode_map(const struct pl_schema *s, const msgpack_object *o, void *rec,
                                   bool top, struct pl_diag *diag);

static enum pl_status s_decode_value(const struct pl_field *f, const msgpack_object *v, void *rec,
                                     struct pl_diag *diag)
{
    switch (f->type) {
    case PL_FT_STR: {
        if (v->type != MSGPACK_OBJECT_STR)
            return s_fail(diag, PL_E_TYPE, f->key);
        enum pl_status st = s_check_str(f, v->via.str.ptr, v->via.str.size);
        if (st != PL_OK)
            return s_fail(diag, st, f->key);
        *FIELD(rec, f->off, char *) = pl_xstrndup(v->via.str.ptr, v->via.str.size);
        return PL_OK;
    }
    case PL_FT_U32:
    case PL_FT_U64: {
        if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            return s_fail(diag, PL_E_RANGE, f->key);
        if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return s_fail(diag, PL_E_TYPE, f->key);
        uint64_t u = v->via.u64;
        if (u < f->min || u > f->max)
            return s_fail(diag, PL_E_RANGE, f->key);
        if (f->type == PL_FT_U32)
            *FIELD(rec, f->off, uint32_t) = (uint32_t)u;
        else
            *FIELD(rec, f->off, uint64_t) = u;
        break;
    }
    case PL_FT_F64: {
        double d;
        /* Integers are accepted where a float is expected: other encoders write -10.0 as -10. */
        if (v->type == MSGPACK_OBJECT_FLOAT64 || v->type == MSGPACK_OBJECT_FLOAT32)
            d = v->via.f64;
        else if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            d = (double)v->via.u64;
        else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            d = (double)v->via.i64;
        else
            return s_fail(diag, PL_E_TYPE, f->key);
        if (!isfinite(d) || d < f->fmin || d > f->fmax)
            return s_fail(diag, PL_E_RANGE, f->key);
        *FIELD(rec, f->off, double) = d;
        break;
    }
    case PL_FT_BOOL:
        if (v->type != MSGPACK_OBJECT_BOOLEAN)
            return s_fail(diag, PL_E_TYPE, f->key);
        *FIELD(rec, f->off, bool) = v->via.boolean;
        return PL_OK;
    case PL_FT_OBJ: {
        enum pl_status st = s_decode_map(f->sub, v, FIELD(rec, f->off, char), false, diag);
        if (st != PL_OK)
            return s_prefix(diag, st, f->key, -1);
        break;
    }
    case PL_FT_ARR: {
        if (v->type != MSGPACK_OBJECT_ARRAY)
            return s_fail(diag, PL_E_TYPE, f->key);
        size_t n = v->via.array.size;
        if (n > f->max)
            return s_fail(diag, PL_E_LIMIT, f->key);
        char *elems = n ? pl_xcalloc(n, f->sub->size) : NULL;
        *FIELD(rec, f->off, char *) = elems;
        *FIELD(rec, f->cnt_off, size_t) = n;
        for (size_t k = 0; k < n; k++) {
            enum pl_status st =
                s_decode_map(f->sub, &v->via.array.ptr[k], elems + k * f->sub->size, false, diag);
            if (st != PL_OK)
                return s_prefix(diag, st, f->key, (long)k);
        }
        return PL_OK;
    }
    case PL_FT_INLINE:
        break;
    }
    if (f->has_off != PL_NO_HAS)
        *FIELD(rec, f->has_off, bool) = true;
    return PL_OK;
}

static enum pl_status s_decode_map(const struct pl_schema *s, const msgpack_object *o, void *rec,
                                   bool top, struct pl_diag *diag)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return s_fail(diag, PL_E_TYPE, "");
    const msgpack_object_kv *kv = o->via.map.ptr;
    size_t n = o->via.map.size;

    /* The version decides how everything else is read, so it is checked first. */
    if (top) {
        const msgpack_object *ver = NULL;
        for (size_t i = 0; i < n; i++) {
            const msgpack_object *k = &kv[i].key;
            if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == 1 && k->via.str.ptr[0] == 'v')
                ver = &kv[i].val;
        }
        if (!ver)
            return s_fail(diag, PL_E_MISSING, "v");
        if (ver->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return s_fail(diag, PL_E_TYPE, "v");
        if (ver->via.u64 != PL_PROTO_MAJOR)
            return s_fail(diag, PL_E_VERSION, "v");
    }

    uint64_t seen = 0;
    bool seen_v = false;
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *k = &kv[i].key;
        if (k->type != MSGPACK_OBJECT_STR)
            return s_fail(diag, PL_E_MALFORMED, "");
        if (top && k->via.str.size == 1 && k->via.str.ptr[0] == 'v') {
            if (seen_v)
                return s_fail(diag, PL_E_DUPLICATE, "v");
            seen_v = true;
            continue;
        }
        void *base = rec;
        unsigned idx = 0;
        const struct pl_field *f = s_find(s, rec, k->via.str.ptr, k->via.str.size, &base, &idx);
        if (!f)
            continue; /* unknown keys are how minor versions stay compatible */
        if (seen & (UINT64_C(1) << idx))
            return s_fail(diag, PL_E_DUPLICATE, f->key);
        seen |= UINT64_C(1) << idx;
        enum pl_status st = s_decode_value(f, &kv[i].val, base, diag);
        if (st != PL_OK)
            return st;
    }
    unsigned idx = 0;
    return s_check_required(s, seen, &idx, diag);
}

enum pl_status pl_schema_decode(const struct pl_schema *s, const void *buf, size_t len, void *rec,
                                struct pl_diag *diag)
{
    memset(rec, 0, s->size);
    enum pl_status st = pl_msgpack_prescan(buf, len);
    if (st != PL_OK)
        return s_fail(diag, st, "");

    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    msgpack_unpack_return rc = msgpack_unpack_next(&up, buf, len, &off);
    if (rc == MSGPACK_UNPACK_SUCCESS && off == len)
        st = s_decode_map(s, &up.data, rec, true, diag);
    else
        st = s_fail(diag, PL_E_MALFORMED, ""); /* the pre-scan accepted what msgpack-c did not */
    msgpack_unpacked_destroy(&up);
    if (st != PL_OK) {
        pl_schema_release(s, rec);
        return st;
    }
    if (diag)
        s_fail(diag, PL_OK, NULL);
    return PL_OK;
}

/* ---- release ---------------------------------------------------------------------------- */

static void s_release_fields(const struct pl_schema *s, void *rec)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const struct pl_field *f = &s->fields[i];
        switch (f->type) {
        case PL_FT_STR:
            free(*FIELD(rec, f->off, char *));
            break;
        case PL_FT_OBJ:
        case PL_FT_INLINE:
            s_release_fields(f->sub, FIELD(rec, f->off, char));
            break;
        case PL_FT_ARR: {
            char *elems = *FIELD(rec, f->off, char *);
            size_t n = *FIELD(rec, f->cnt_off, size_t);
            for (size_t k = 0; elems && k < n; k++)
                s_release_fields(f->sub, elems + k * f->sub->size);
            free(elems);
            break;
        }
        default:
            break;
        }
    }
}

void pl_schema_release(const struct pl_schema *s, void *rec)
{
    if (!rec)
        return;
    s_release_fields(s, rec);
    memset(rec, 0, s->size);
}

/* ---- JSON ------------------------------------------------------------------------------- */

void pl_json_string(struct pl_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    pl_buf_reserve(out, n + 2);
    pl_buf_putc(out, '"');
    size_t run = 0; /* bytes copied in one go when nothing needs escaping */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        pl_buf_append(out, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            pl_buf_puts(out, "\\\"");
            break;
        case '\\':
            pl_buf_puts(out, "\\\\");
            break;
        case '\n':
            pl_buf_puts(out, "\\n");
            break;
        case '\r':
            pl_buf_puts(out, "\\r");
            break;
        case '\t':
            pl_buf_puts(out, "\\t");
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            pl_buf_append(out, esc, sizeof esc);
        }
        }
    }
    pl_buf_append(out, s + run, n - run);
    pl_buf_putc(out, '"');
}

static void s_json_map(const struct pl_schema *s, const void *rec, struct pl_buf *out);

static bool s_json_fields(const struct pl_schema *s, const void *rec, struct pl_buf *out,
                          bool first)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const struct pl_field *f = &s->fields[i];
        if (f->type == PL_FT_INLINE) {
            first = s_json_fields(f->sub, CFIELD(rec, f->off, char), out, first);
            continue;
        }
        if (!s_present(f, rec))
            continue;
        if (!first)
            pl_buf_putc(out, ',');
        first = false;
        pl_json_string(out, f->key, strlen(f->key));
        pl_buf_putc(out, ':');
        switch (f->type) {
        case PL_FT_STR: {
            const char *v = *CFIELD(rec, f->off, char *);
            pl_json_string(out, v, strlen(v));
            break;
        }
        case PL_FT_U32:
            pl_buf_printf(out, "%u", (unsigned)*CFIELD(rec, f->off, uint32_t));
            break;
        case PL_FT_U64:
            pl_buf_printf(out, "%llu", (unsigned long long)*CFIELD(rec, f->off, uint64_t));
            break;
        case PL_FT_F64: {
            double d = *CFIELD(rec, f->off, double);
            if (isfinite(d))
                pl_buf_printf(out, "%.10g", d);
            else
                pl_buf_puts(out, "null");
            break;
        }
        case PL_FT_BOOL:
            pl_buf_puts(out, "true");
            break;
        case PL_FT_OBJ:
            s_json_map(f->sub, CFIELD(rec, f->off, char), out);
            break;
        case PL_FT_ARR: {
            size_t n = *CFIELD(rec, f->cnt_off, size_t);
            const char *elems = *CFIELD(rec, f->off, char *);
            pl_buf_putc(out, '[');
            for (size_t k = 0; k < n; k++) {
                if (k)
                    pl_buf_putc(out, ',');
                s_json_map(f->sub, elems + k * f->sub->size, out);
            }
            pl_buf_putc(out, ']');
            break;
        }
        case PL_FT_INLINE:
            break;
        }
    }
    return first;
}

static void s_json_map(const struct pl_schema *s, const void *rec, struct pl_buf *out)
{
    pl_buf_putc(out, '{');
    s_json_fields(s, rec, out, true);
    pl_buf_putc(out, '}');
}

void pl_schema_to_json(const struct pl_schema *s, const void *rec, struct pl_buf *out)
{
    s_json_map(s, rec, out);
}
