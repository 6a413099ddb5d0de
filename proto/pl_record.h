/* pl_record.h - the three records parley moves around: article, mention and event.
 *
 * An article is what the fetcher takes in; a mention is one event as read from one article
 * by the extractor; an event is the store's merge of the mentions that report the same
 * (date, source, target, CAMEO code), stamped with a gapless sequence number.
 *
 * Ownership: every char * and array in a record is a heap copy owned by the record.
 * pl_*_decode fills a record the caller provides; pl_*_release frees what it owns and zeroes
 * it (safe to call twice). Code that builds records by hand owns them the same way.
 */
#ifndef PL_RECORD_H
#define PL_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"
#include "pl_proto.h"

/* A news article as taken in. */
struct pl_article {
    char *id;         /* stable id: BLAKE2b-128 hex of the canonical URL (or the content) */
    char *url;        /* canonical URL; file:// for files; absent for stdin without a header */
    char *outlet;     /* publisher, e.g. "Reuters" */
    char *title;      /* headline */
    char *published;  /* ISO-8601 publication time, absent when unknown */
    char *fetched_at; /* ISO-8601 time parley took it in (required) */
    char *lang;       /* BCP-47 language tag, e.g. "en" */
    char *text;       /* the article text, UTF-8 (required, may be empty) */
};

/* The article a mention came from, or one of the articles reporting an event. */
struct pl_article_ref {
    char *id;        /* article id */
    char *url;       /* article URL */
    char *outlet;    /* publisher */
    char *title;     /* headline */
    char *published; /* ISO-8601 publication time */
};

/* Who did something, or to whom. */
struct pl_actor {
    char *code;     /* CAMEO-style code, e.g. "ARMGOV" (required) */
    char *country;  /* ISO 3166-1 alpha-3, or an IGO short name such as "EU", "UN", "NATO" */
    char *sector;   /* CAMEO sector code, e.g. "GOV", "MIL", "REB" */
    char *name;     /* the words in the text, e.g. "Armenian Foreign Minister Ararat Mirzoyan" */
    bool has_span;  /* start and end are set */
    uint32_t start; /* byte offset of name in the article text */
    uint32_t end;   /* byte offset one past its end */
};

/* Where an event happened. */
struct pl_place {
    char *name;      /* place name as resolved, e.g. "Tehran" */
    char *country;   /* ISO 3166-1 alpha-3 of the place */
    bool has_coords; /* lat and lon are set */
    double lat;      /* WGS84 latitude, -90..90 */
    double lon;      /* WGS84 longitude, -180..180 */
};

/* A sentence that reports an event: the traceability parley promises. */
struct pl_evidence {
    char *text;     /* the sentence (required) */
    uint32_t start; /* byte offset of the sentence in the article text */
    uint32_t end;   /* byte offset one past its end */
    bool caption;   /* the sentence is a photo caption */
};

/* What happened: the part a mention and a merged event share. */
struct pl_coding {
    char *date;               /* YYYY-MM-DD, YYYY-MM or YYYY; absent when unknown */
    char *date_precision;     /* "day", "month" or "year" */
    char *date_basis;         /* "text", "published" or "fetched": what the date was read from */
    struct pl_actor source;   /* who acted (required) */
    bool has_target;          /* target is set */
    struct pl_actor target;   /* whom it was done to */
    char *cameo;              /* CAMEO event code, e.g. "043" (required) */
    char *root;               /* its two-digit root, e.g. "04" (required) */
    uint32_t quad_class;      /* 1 verbal coop, 2 material coop, 3 verbal conflict, 4 material */
    double goldstein;         /* Goldstein scale, -10..10 */
    char *plover;             /* PLOVER event type, e.g. "CONSULT" */
    bool has_location;        /* location is set */
    struct pl_place location; /* where it happened */
    double confidence;        /* 0..1 */
    struct pl_evidence *evidence; /* the reporting sentences */
    size_t n_evidence;            /* entries in evidence, at most PL_MAX_EVIDENCE */
};

/* One event as read from one article. */
struct pl_mention {
    char *id;                      /* BLAKE2b-128 of article id, extractor version, mention key */
    struct pl_article_ref article; /* where it was read (id required) */
    struct pl_coding c;            /* what it says happened */
};

/* Mentions of the same (date, source, target, cameo) merged across articles. */
struct pl_event {
    char *id;                        /* stable id of the merge key */
    uint64_t seq;                    /* gapless sequence number of this version of the event */
    struct pl_coding c;              /* the event */
    uint32_t num_articles;           /* articles reporting it */
    uint32_t num_mentions;           /* mentions merged into it */
    struct pl_article_ref *articles; /* the reporting articles, at most PL_MAX_EVENT_ARTICLES */
    size_t n_articles;               /* entries in articles */
    char *first_seen;                /* ISO-8601 time the first report was stored */
    char *last_seen;                 /* ISO-8601 time the latest report was stored */
};

struct pl_schema;

/* The schemas, for code that walks records generically (messages embed them). */
extern const struct pl_schema pl_article_schema;
extern const struct pl_schema pl_article_ref_schema;
extern const struct pl_schema pl_actor_schema;
extern const struct pl_schema pl_mention_schema;
extern const struct pl_schema pl_event_schema;

/* Encoders append one top-level map (with "v") to out. They check the record against the
 * rules decoders apply and leave out unchanged when it breaks one. */
enum pl_status pl_article_encode(const struct pl_article *a, struct pl_buf *out,
                                 struct pl_diag *diag) PL_WUR;
enum pl_status pl_mention_encode(const struct pl_mention *m, struct pl_buf *out,
                                 struct pl_diag *diag) PL_WUR;
enum pl_status pl_event_encode(const struct pl_event *e, struct pl_buf *out,
                               struct pl_diag *diag) PL_WUR;

/* Decoders take one frame; see pl_proto.h for the outcomes. */
enum pl_status pl_article_decode(const void *buf, size_t len, struct pl_article *out,
                                 struct pl_diag *diag) PL_WUR;
enum pl_status pl_mention_decode(const void *buf, size_t len, struct pl_mention *out,
                                 struct pl_diag *diag) PL_WUR;
enum pl_status pl_event_decode(const void *buf, size_t len, struct pl_event *out,
                               struct pl_diag *diag) PL_WUR;

void pl_article_release(struct pl_article *a);
void pl_mention_release(struct pl_mention *m);
void pl_event_release(struct pl_event *e);
void pl_coding_release(struct pl_coding *c);
void pl_actor_release(struct pl_actor *a);

/* JSON renderings with the same keys, one object, no newline. */
void pl_article_to_json(const struct pl_article *a, struct pl_buf *out);
void pl_mention_to_json(const struct pl_mention *m, struct pl_buf *out);
void pl_event_to_json(const struct pl_event *e, struct pl_buf *out);

/* Quad class and root of a CAMEO code by the code book's rule (roots 01-05 verbal
 * cooperation, 06-09 material cooperation, 10-14 verbal conflict, 15-20 material conflict).
 * Returns 0 for a malformed code. */
unsigned pl_cameo_quad_class(const char *cameo);

#endif
