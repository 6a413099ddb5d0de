/* pl_record.c - schemas of the records in pl_record.h. The tables here are the contract that
 * proto/README.md writes out; change both together. */
#include "pl_record.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pl_fields.h"
#include "pl_schema.h"

static bool s_check_precision(const char *s, size_t n)
{
    return (n == 3 && !memcmp(s, "day", 3)) || (n == 5 && !memcmp(s, "month", 5)) ||
           (n == 4 && !memcmp(s, "year", 4));
}

static bool s_check_basis(const char *s, size_t n)
{
    return (n == 4 && !memcmp(s, "text", 4)) || (n == 9 && !memcmp(s, "published", 9)) ||
           (n == 7 && !memcmp(s, "fetched", 7));
}

static bool s_check_lang(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' ||
              (s[i] >= '0' && s[i] <= '9')))
            return false;
    return n >= 2;
}

static const struct pl_field article_fields[] = {
    STR(struct pl_article, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
    STR(struct pl_article, "url", url, false, PL_MAX_URL_BYTES, NULL),
    STR(struct pl_article, "outlet", outlet, false, PL_MAX_NAME_BYTES, NULL),
    STR(struct pl_article, "title", title, false, PL_MAX_TITLE_BYTES, NULL),
    STR(struct pl_article, "published", published, false, PL_MAX_TIME_BYTES, pl_check_timestamp),
    STR(struct pl_article, "fetched_at", fetched_at, true, PL_MAX_TIME_BYTES, pl_check_timestamp),
    STR(struct pl_article, "lang", lang, false, 35, s_check_lang),
    STR(struct pl_article, "text", text, true, PL_MAX_TEXT_BYTES, NULL),
};
const struct pl_schema pl_article_schema = {"article", sizeof(struct pl_article), article_fields,
                                            NFIELDS(article_fields)};

static const struct pl_field article_ref_fields[] = {
    STR(struct pl_article_ref, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
    STR(struct pl_article_ref, "url", url, false, PL_MAX_URL_BYTES, NULL),
    STR(struct pl_article_ref, "outlet", outlet, false, PL_MAX_NAME_BYTES, NULL),
    STR(struct pl_article_ref, "title", title, false, PL_MAX_TITLE_BYTES, NULL),
    STR(struct pl_article_ref, "published", published, false, PL_MAX_TIME_BYTES,
        pl_check_timestamp),
};
const struct pl_schema pl_article_ref_schema = {"article_ref", sizeof(struct pl_article_ref),
                                                article_ref_fields, NFIELDS(article_ref_fields)};

static const struct pl_field actor_fields[] = {
    STR(struct pl_actor, "code", code, true, PL_MAX_CODE_BYTES, pl_check_code),
    STR(struct pl_actor, "country", country, false, 8, pl_check_code),
    STR(struct pl_actor, "sector", sector, false, 8, pl_check_code),
    STR(struct pl_actor, "name", name, false, PL_MAX_NAME_BYTES, NULL),
    U32(struct pl_actor, "start", start, HAS(struct pl_actor, has_span), 0, PL_MAX_TEXT_BYTES),
    U32(struct pl_actor, "end", end, HAS(struct pl_actor, has_span), 0, PL_MAX_TEXT_BYTES),
};
const struct pl_schema pl_actor_schema = {"actor", sizeof(struct pl_actor), actor_fields,
                                          NFIELDS(actor_fields)};

static const struct pl_field place_fields[] = {
    STR(struct pl_place, "name", name, false, PL_MAX_NAME_BYTES, NULL),
    STR(struct pl_place, "country", country, false, 8, pl_check_code),
    F64(struct pl_place, "lat", lat, HAS(struct pl_place, has_coords), -90.0, 90.0),
    F64(struct pl_place, "lon", lon, HAS(struct pl_place, has_coords), -180.0, 180.0),
};
static const struct pl_schema place_schema = {"place", sizeof(struct pl_place), place_fields,
                                              NFIELDS(place_fields)};

static const struct pl_field evidence_fields[] = {
    STR(struct pl_evidence, "text", text, true, PL_MAX_SENTENCE_BYTES, NULL),
    U32(struct pl_evidence, "start", start, PL_NO_HAS, 0, PL_MAX_TEXT_BYTES),
    U32(struct pl_evidence, "end", end, PL_NO_HAS, 0, PL_MAX_TEXT_BYTES),
    BOOL(struct pl_evidence, "caption", caption),
};
static const struct pl_schema evidence_schema = {"evidence", sizeof(struct pl_evidence),
                                                 evidence_fields, NFIELDS(evidence_fields)};

static const struct pl_field coding_fields[] = {
    STR(struct pl_coding, "date", date, false, 10, pl_check_date),
    STR(struct pl_coding, "date_precision", date_precision, false, 5, s_check_precision),
    STR(struct pl_coding, "date_basis", date_basis, false, 9, s_check_basis),
    OBJ(struct pl_coding, "source", source, PL_NO_HAS, pl_actor_schema),
    OBJ(struct pl_coding, "target", target, HAS(struct pl_coding, has_target), pl_actor_schema),
    STR(struct pl_coding, "cameo", cameo, true, 4, pl_check_cameo),
    STR(struct pl_coding, "root", root, true, 2, pl_check_root),
    U32(struct pl_coding, "quad_class", quad_class, PL_NO_HAS, 1, 4),
    F64(struct pl_coding, "goldstein", goldstein, PL_NO_HAS, -10.0, 10.0),
    STR(struct pl_coding, "plover", plover, false, PL_MAX_CODE_BYTES, pl_check_code),
    OBJ(struct pl_coding, "location", location, HAS(struct pl_coding, has_location), place_schema),
    F64(struct pl_coding, "confidence", confidence, PL_NO_HAS, 0.0, 1.0),
    ARR(struct pl_coding, "evidence", evidence, n_evidence, PL_MAX_EVIDENCE, evidence_schema),
};
static const struct pl_schema coding_schema = {"coding", sizeof(struct pl_coding), coding_fields,
                                               NFIELDS(coding_fields)};

static const struct pl_field mention_fields[] = {
    STR(struct pl_mention, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
    OBJ(struct pl_mention, "article", article, PL_NO_HAS, pl_article_ref_schema),
    INLINE(struct pl_mention, c, coding_schema),
};
const struct pl_schema pl_mention_schema = {"mention", sizeof(struct pl_mention), mention_fields,
                                            NFIELDS(mention_fields)};

static const struct pl_field event_fields[] = {
    STR(struct pl_event, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
    U64(struct pl_event, "seq", seq, PL_NO_HAS, 1, UINT64_MAX),
    INLINE(struct pl_event, c, coding_schema),
    U32(struct pl_event, "num_articles", num_articles, PL_NO_HAS, 1, UINT32_MAX),
    U32(struct pl_event, "num_mentions", num_mentions, PL_NO_HAS, 1, UINT32_MAX),
    ARR(struct pl_event, "articles", articles, n_articles, PL_MAX_EVENT_ARTICLES,
        pl_article_ref_schema),
    STR(struct pl_event, "first_seen", first_seen, false, PL_MAX_TIME_BYTES, pl_check_timestamp),
    STR(struct pl_event, "last_seen", last_seen, false, PL_MAX_TIME_BYTES, pl_check_timestamp),
};
const struct pl_schema pl_event_schema = {"event", sizeof(struct pl_event), event_fields,
                                          NFIELDS(event_fields)};

enum pl_status pl_article_encode(const struct pl_article *a, struct pl_buf *out,
                                 struct pl_diag *diag)
{
    return pl_schema_encode(&pl_article_schema, a, true, out, diag);
}

enum pl_status pl_mention_encode(const struct pl_mention *m, struct pl_buf *out,
                                 struct pl_diag *diag)
{
    return pl_schema_encode(&pl_mention_schema, m, true, out, diag);
}

enum pl_status pl_event_encode(const struct pl_event *e, struct pl_buf *out, struct pl_diag *diag)
{
    return pl_schema_encode(&pl_event_schema, e, true, out, diag);
}

enum pl_status pl_article_decode(const void *buf, size_t len, struct pl_article *out,
                                 struct pl_diag *diag)
{
    return pl_schema_decode(&pl_article_schema, buf, len, out, diag);
}

enum pl_status pl_mention_decode(const void *buf, size_t len, struct pl_mention *out,
                                 struct pl_diag *diag)
{
    return pl_schema_decode(&pl_mention_schema, buf, len, out, diag);
}

enum pl_status pl_event_decode(const void *buf, size_t len, struct pl_event *out,
                               struct pl_diag *diag)
{
    return pl_schema_decode(&pl_event_schema, buf, len, out, diag);
}

void pl_article_release(struct pl_article *a)
{
    pl_schema_release(&pl_article_schema, a);
}

void pl_mention_release(struct pl_mention *m)
{
    pl_schema_release(&pl_mention_schema, m);
}

void pl_event_release(struct pl_event *e)
{
    pl_schema_release(&pl_event_schema, e);
}

void pl_coding_release(struct pl_coding *c)
{
    pl_schema_release(&coding_schema, c);
}

void pl_actor_release(struct pl_actor *a)
{
    pl_schema_release(&pl_actor_schema, a);
}

void pl_article_to_json(const struct pl_article *a, struct pl_buf *out)
{
    pl_schema_to_json(&pl_article_schema, a, out);
}

void pl_mention_to_json(const struct pl_mention *m, struct pl_buf *out)
{
    pl_schema_to_json(&pl_mention_schema, m, out);
}

void pl_event_to_json(const struct pl_event *e, struct pl_buf *out)
{
    pl_schema_to_json(&pl_event_schema, e, out);
}

unsigned pl_cameo_quad_class(const char *cameo)
{
    if (!cameo || !pl_check_cameo(cameo, strlen(cameo)))
        return 0;
    unsigned root = (unsigned)(cameo[0] - '0') * 10 + (unsigned)(cameo[1] - '0');
    if (root <= 5)
        return 1;
    if (root <= 9)
        return 2;
    if (root <= 14)
        return 3;
    return 4;
}
