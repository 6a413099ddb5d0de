/* db.c - the store's promises on top of a backend's primitives; see db.h. */
#include "db.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_backend.h"
#include "pl_id.h"

struct store_db {
    const struct store_db_ops *ops;
    void *h;
    uint64_t head; /* highest committed seq */
};

static void s_seterr(char *err, size_t errlen, const char *fmt, ...) PL_PRINTF(3, 4);

static void s_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

struct store_db *store_db_open(const struct store_db_config *cfg, char *err, size_t errlen)
{
    const struct store_db_ops *ops = NULL;
    void *h = NULL;
    const char *backend = cfg->backend ? cfg->backend : "sqlite";
    if (strcmp(backend, "sqlite") == 0)
        h = store_sqlite_open(cfg, &ops, err, errlen);
    else if (strcmp(backend, "postgres") == 0)
        h = store_pg_open(cfg, &ops, err, errlen);
    else
        s_seterr(err, errlen, "unknown database backend \"%s\" (sqlite or postgres)", backend);
    if (!h)
        return NULL;
    struct store_db *db = pl_xcalloc(1, sizeof *db);
    db->ops = ops;
    db->h = h;
    if (ops->head(h, &db->head) != 0) {
        s_seterr(err, errlen, "cannot read the head sequence: %s", ops->errmsg(h));
        store_db_close(&db);
        return NULL;
    }
    return db;
}

void store_db_close(struct store_db **db)
{
    if (!db || !*db)
        return;
    (*db)->ops->close((*db)->h);
    free(*db);
    *db = NULL;
}

uint64_t store_db_head(const struct store_db *db)
{
    return db->head;
}

void store_ingest_result_release(struct store_ingest_result *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; r->changes && i < r->n_changes; i++)
        pl_buf_release(&r->changes[i].body);
    free(r->changes);
    memset(r, 0, sizeof *r);
}

void store_event_id(const struct pl_coding *c, char out[33])
{
    const char *parts[4] = {c->date ? c->date : "", c->source.code,
                            c->has_target && c->target.code ? c->target.code : "", c->cameo};
    size_t lens[4];
    for (size_t i = 0; i < 4; i++)
        lens[i] = strlen(parts[i]);
    pl_id_hash(out, "parley.event.v1", parts, lens, 4);
}

static const char *s_part(const char *s)
{
    return s && *s ? s : "-";
}

void store_topic(const struct pl_coding *c, char out[64])
{
    snprintf(out, 64, "ev.%.2s.%.8s.%.8s.", c->root, s_part(c->source.country),
             c->has_target ? s_part(c->target.country) : "-");
}

/* --- merging ---------------------------------------------------------------------------- */

static void s_replace(char **slot, const char *s)
{
    free(*slot);
    *slot = s ? pl_xstrdup(s) : NULL;
}

static void s_add_evidence(struct pl_coding *dst, const struct pl_coding *src)
{
    for (size_t i = 0; i < src->n_evidence && dst->n_evidence < PL_MAX_EVIDENCE; i++) {
        const struct pl_evidence *e = &src->evidence[i];
        bool seen = false;
        for (size_t j = 0; j < dst->n_evidence && !seen; j++)
            seen = strcmp(dst->evidence[j].text, e->text) == 0;
        if (seen)
            continue;
        dst->evidence = pl_xrealloc(dst->evidence, (dst->n_evidence + 1) * sizeof *dst->evidence);
        struct pl_evidence *d = &dst->evidence[dst->n_evidence++];
        *d = *e;
        d->text = pl_xstrdup(e->text);
    }
}

static void s_add_article(struct pl_event *ev, const struct pl_article_ref *a)
{
    ev->num_articles++;
    if (ev->n_articles >= PL_MAX_EVENT_ARTICLES)
        return;
    ev->articles = pl_xrealloc(ev->articles, (ev->n_articles + 1) * sizeof *ev->articles);
    struct pl_article_ref *d = &ev->articles[ev->n_articles++];
    d->id = pl_xstrdup(a->id);
    d->url = a->url ? pl_xstrdup(a->url) : NULL;
    d->outlet = a->outlet ? pl_xstrdup(a->outlet) : NULL;
    d->title = a->title ? pl_xstrdup(a->title) : NULL;
    d->published = a->published ? pl_xstrdup(a->published) : NULL;
}

/* Folds one new mention into ev. new_article: the mention's article had not reported the
 * event yet - an independent report, so confidences combine as a noisy-or; a further mention
 * in an article already counted only raises the confidence to its own. */
static void s_merge(struct pl_event *ev, const struct pl_mention *m, bool new_article)
{
    ev->num_mentions++;
    if (new_article) {
        s_add_article(ev, &m->article);
        double c = 1.0 - (1.0 - ev->c.confidence) * (1.0 - m->c.confidence);
        ev->c.confidence = round(fmin(c, 1.0) * 1000.0) / 1000.0;
    } else if (m->c.confidence > ev->c.confidence) {
        ev->c.confidence = m->c.confidence;
    }
    s_add_evidence(&ev->c, &m->c);
    if (!ev->c.has_location && m->c.has_location) {
        ev->c.has_location = true;
        ev->c.location.name = m->c.location.name ? pl_xstrdup(m->c.location.name) : NULL;
        ev->c.location.country = m->c.location.country ? pl_xstrdup(m->c.location.country) : NULL;
        ev->c.location.has_coords = m->c.location.has_coords;
        ev->c.location.lat = m->c.location.lat;
        ev->c.location.lon = m->c.location.lon;
    }
}

/* A new event from its first mention: built shallowly, then decoded into an owned copy. */
static int s_first(struct pl_event *out, const char *id, const struct pl_mention *m,
                   const char *now, struct pl_buf *scratch)
{
    char idc[33], nowc[40];
    snprintf(idc, sizeof idc, "%s", id);
    snprintf(nowc, sizeof nowc, "%s", now);
    struct pl_article_ref ref = m->article;
    struct pl_event tmp = {0};
    tmp.id = idc;
    tmp.seq = 1;
    tmp.c = m->c;
    tmp.num_articles = 1;
    tmp.num_mentions = 1;
    tmp.articles = &ref;
    tmp.n_articles = 1;
    tmp.first_seen = nowc;
    tmp.last_seen = nowc;
    pl_buf_clear(scratch);
    if (pl_event_encode(&tmp, scratch, NULL) != PL_OK)
        return -1;
    return pl_event_decode(scratch->data, scratch->len, out, NULL) == PL_OK ? 0 : -1;
}

struct s_item {
    const struct pl_mention *m;
    char event_id[33];
};

static int s_cmp_item(const void *a, const void *b)
{
    const struct s_item *x = a, *y = b;
    int c = strcmp(x->event_id, y->event_id);
    if (c)
        return c;
    return x->m < y->m ? -1 : x->m > y->m; /* keeps the batch's order inside a group */
}

/* Stores and merges the mentions of one event (items[0..n) share an event id); a new
 * version of the event, if any, is added to res. */
static int s_group(struct store_db *db, const struct pl_events *ev, const struct s_item *items,
                   size_t n, const char *now, uint64_t *head, struct store_ingest_result *res,
                   struct pl_buf *scratch)
{
    const struct store_db_ops *o = db->ops;
    const char *eid = items[0].event_id;
    struct pl_event e = {0};
    bool have = false, existed = false, had_location = false;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        const struct pl_mention *m = items[i].m;
        pl_buf_clear(scratch);
        if (pl_mention_encode(m, scratch, NULL) != PL_OK)
            goto out;
        int put = o->mention_put(db->h, m->id, ev->id, ev->xv, eid, scratch->data, scratch->len);
        if (put < 0)
            goto out;
        if (put == 0) {
            res->dup_mentions++;
            continue;
        }
        res->new_mentions++;
        int newart = o->event_article_put(db->h, eid, m->article.id);
        if (newart < 0)
            goto out;
        if (!have) {
            struct pl_buf cur;
            pl_buf_init(&cur);
            int got = o->event_get(db->h, eid, &cur);
            if (got == 1 && pl_event_decode(cur.data, cur.len, &e, NULL) != PL_OK)
                got = -1;
            pl_buf_release(&cur);
            if (got < 0)
                goto out;
            existed = got == 1;
            had_location = existed && e.c.has_location;
            if (got == 1)
                s_merge(&e, m, newart == 1);
            else if (s_first(&e, eid, m, now, scratch) != 0)
                goto out;
            have = true;
        } else {
            s_merge(&e, m, newart == 1);
        }
    }
    if (!have)
        return 0; /* every mention was a duplicate: the event did not change */
    e.seq = ++*head;
    s_replace(&e.last_seen, now);
    struct store_change *ch = &res->changes[res->n_changes];
    pl_buf_init(&ch->body);
    if (pl_event_encode(&e, &ch->body, NULL) != PL_OK) {
        pl_buf_release(&ch->body);
        goto out;
    }
    ch->seq = e.seq;
    store_topic(&e.c, ch->topic);
    if (o->event_put(db->h, &e, !existed, e.c.has_location && !had_location, ch->body.data,
                     ch->body.len) != 0) {
        pl_buf_release(&ch->body);
        goto out;
    }
    if (res->n_changes++ == 0)
        res->first_seq = e.seq;
    res->count = res->n_changes;
    rc = 0;
out:
    pl_event_release(&e);
    return rc;
}

/* One batch inside the open transaction, in its own savepoint: on failure it is rolled back
 * alone (head too) and res says why. */
static void s_one(struct store_db *db, const struct pl_events *ev, const char *now, uint64_t *head,
                  struct store_ingest_result *res, struct pl_buf *scratch)
{
    const struct store_db_ops *o = db->ops;
    memset(res, 0, sizeof *res);
    for (size_t i = 0; i < ev->n_mentions; i++)
        if (strcmp(ev->mentions[i].article.id, ev->id) != 0) {
            res->failed = true;
            s_seterr(res->error, sizeof res->error,
                     "a mention of article %s in the batch of article %s",
                     ev->mentions[i].article.id, ev->id);
            return;
        }
    uint64_t head0 = *head;
    struct s_item *items = NULL;
    if (o->savepoint(db->h) != 0)
        goto fail;
    int found = o->batch_get(db->h, ev->id, ev->xv, &res->first_seq, &res->count);
    if (found < 0)
        goto fail_sp;
    if (found == 1) {
        res->replayed = true;
        if (o->release(db->h) != 0)
            goto fail_sp;
        return;
    }
    struct pl_article_ref bare = {.id = ev->id};
    if (o->article_put(db->h, ev->n_mentions ? &ev->mentions[0].article : &bare, now) != 0)
        goto fail_sp;
    items = pl_xcalloc(ev->n_mentions ? ev->n_mentions : 1, sizeof *items);
    for (size_t i = 0; i < ev->n_mentions; i++) {
        items[i].m = &ev->mentions[i];
        store_event_id(&ev->mentions[i].c, items[i].event_id);
    }
    qsort(items, ev->n_mentions, sizeof *items, s_cmp_item);
    res->changes = pl_xcalloc(ev->n_mentions ? ev->n_mentions : 1, sizeof *res->changes);
    for (size_t i = 0; i < ev->n_mentions;) {
        size_t j = i + 1;
        while (j < ev->n_mentions && strcmp(items[j].event_id, items[i].event_id) == 0)
            j++;
        if (s_group(db, ev, items + i, j - i, now, head, res, scratch) != 0)
            goto fail_sp;
        i = j;
    }
    /* Changes are made group by group in event-id order; seqs were handed out in the same
     * order, so res->changes is already in seq order. */
    if (o->batch_put(db->h, ev->id, ev->xv, res->first_seq, res->count, res->new_mentions, now) !=
            0 ||
        o->release(db->h) != 0)
        goto fail_sp;
    free(items);
    return;
fail_sp:
    o->rollback_to(db->h);
fail:
    free(items);
    store_ingest_result_release(res);
    *head = head0;
    res->failed = true;
    s_seterr(res->error, sizeof res->error, "cannot store the batch: %s", o->errmsg(db->h));
}

int store_db_ingest_group(struct store_db *db, const struct pl_events *const *evs, size_t n,
                          const char *now, struct store_ingest_result *res, char *err,
                          size_t errlen)
{
    const struct store_db_ops *o = db->ops;
    memset(res, 0, n * sizeof *res);
    if (o->begin(db->h) != 0) {
        s_seterr(err, errlen, "cannot begin a transaction: %s", o->errmsg(db->h));
        return -1;
    }
    uint64_t head = db->head;
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    for (size_t i = 0; i < n; i++)
        s_one(db, evs[i], now, &head, &res[i], &scratch);
    pl_buf_release(&scratch);
    if (o->commit(db->h) != 0) {
        s_seterr(err, errlen, "cannot commit: %s", o->errmsg(db->h));
        o->rollback(db->h);
        for (size_t i = 0; i < n; i++)
            store_ingest_result_release(&res[i]);
        return -1;
    }
    db->head = head;
    return 0;
}

int store_db_ingest(struct store_db *db, const struct pl_events *ev, const char *now,
                    struct store_ingest_result *res, char *err, size_t errlen)
{
    if (store_db_ingest_group(db, &ev, 1, now, res, err, errlen) != 0)
        return -1;
    if (res->failed) {
        s_seterr(err, errlen, "%s", res->error);
        store_ingest_result_release(res);
        return -1;
    }
    return 0;
}

int store_db_since(struct store_db *db, uint64_t after, const struct pl_filter *f, uint32_t max,
                   store_event_fn fn, void *arg, char *err, size_t errlen)
{
    if (after > INT64_MAX) /* the databases keep seqs as signed 64-bit numbers */
        after = INT64_MAX;
    if (db->ops->read(db->h, true, after, f, max, fn, arg) != 0) {
        s_seterr(err, errlen, "cannot read the log: %s", db->ops->errmsg(db->h));
        return -1;
    }
    return 0;
}

int store_db_query(struct store_db *db, uint64_t after, const struct pl_filter *f, uint32_t limit,
                   store_event_fn fn, void *arg, char *err, size_t errlen)
{
    if (after > INT64_MAX)
        after = INT64_MAX;
    if (db->ops->read(db->h, false, after, f, limit, fn, arg) != 0) {
        s_seterr(err, errlen, "cannot query the events: %s", db->ops->errmsg(db->h));
        return -1;
    }
    return 0;
}
