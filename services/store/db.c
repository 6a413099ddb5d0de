/* db.c - the store's promises on top of a backend's primitives; see db.h. */
#include "db.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_backend.h"
#include "db_sql.h"
#include "pl_id.h"

struct s_pend;

struct store_slot {
    struct pl_event e;
    bool used;
    bool dirty; /* changed by the open transaction */
};

struct store_db {
    const struct store_db_ops *ops;
    void *h;
    uint64_t head;            /* highest committed seq */
    struct store_slot *slots; /* the event cache, see s_cache_take */
    size_t n_slots;
    size_t *dirty; /* slots the open transaction changed */
    size_t n_dirty, cap_dirty;
    uint64_t cache_hits, cache_misses;
    uint64_t redone;     /* groups a deferring backend had stored again batch by batch */
    bool index_later;    /* the backend's events table is brought up to date in bulk */
    struct s_pend *pend; /* ... and the events changed since: see s_pend_put */
    size_t n_pend, cap_pend;
    bool pend_unknown;  /* the map could not be rebuilt after a rollback: do it before use */
    bool relaxed;       /* the backend's commits are not durable (a flush's): see s_durable */
    char *fail_article; /* tests: see store_db_fail_article */
    bool fail_in_db;    /* ... with a statement the database refuses */
    /* A connection attempt on a thread of its own (see s_connected): while rc_running,
     * nothing but that thread touches h. */
    pthread_t rc_thread;
    bool rc_running;
    pthread_mutex_t rc_mu; /* guards rc_done */
    pthread_cond_t rc_cv;
    bool rc_done;  /* ... the attempt has ended, with: */
    int rc_result; /* 0: connected, head read into rc_head */
    uint64_t rc_head;
    char rc_err[512];  /* why it failed */
    char rc_last[512]; /* why the attempt before failed: said while the next one runs */
};

static void s_seterr(char *err, size_t errlen, const char *fmt, ...) PL_PRINTF(3, 4);
static int s_pend_rebuild(struct store_db *db);
static void s_pend_clear(struct store_db *db);
static int s_flush(struct store_db *db, char *err, size_t errlen);

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
    pthread_mutex_init(&db->rc_mu, NULL);
    pthread_condattr_t ca; /* timed waits on the monotonic clock: see s_rc_join */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&db->rc_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!cfg->read_only) {
        db->n_slots = cfg->event_cache;
        db->slots = db->n_slots ? pl_xcalloc(db->n_slots, sizeof *db->slots) : NULL;
    }
    if (ops->head(h, &db->head) != 0) {
        s_seterr(err, errlen, "cannot read the head sequence: %s", ops->errmsg(h));
        store_db_close(&db);
        return NULL;
    }
    /* A writer catches up with what its last run left in the log only. */
    db->index_later = !cfg->read_only && ops->index_put != NULL;
    if (db->index_later && (s_pend_rebuild(db) != 0 || s_flush(db, err, errlen) != 0)) {
        if (db->pend_unknown)
            s_seterr(err, errlen, "cannot read the log's latest versions: %s", ops->errmsg(h));
        db->index_later = false; /* nothing to flush on the way out */
        store_db_close(&db);
        return NULL;
    }
    return db;
}

void store_db_close(struct store_db **db)
{
    if (!db || !*db)
        return;
    if ((*db)->rc_running) /* a connection attempt: it ends within libpq's connect_timeout */
        pthread_join((*db)->rc_thread, NULL);
    pthread_mutex_destroy(&(*db)->rc_mu);
    pthread_cond_destroy(&(*db)->rc_cv);
    /* What fails here is done by the next writer to open the database. */
    (void)s_flush(*db, NULL, 0);
    s_pend_clear(*db);
    free((*db)->pend);
    (*db)->ops->close((*db)->h);
    for (size_t i = 0; i < (*db)->n_slots; i++)
        pl_event_release(&(*db)->slots[i].e);
    free((*db)->slots);
    free((*db)->dirty);
    free((*db)->fail_article);
    free(*db);
    *db = NULL;
}

void store_db_fail_article(struct store_db *db, const char *article_id, bool in_database)
{
    free(db->fail_article);
    db->fail_article = article_id ? pl_xstrdup(article_id) : NULL;
    db->fail_in_db = in_database;
}

uint64_t store_db_redone(const struct store_db *db)
{
    return db->redone;
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

static char *s_dup(const char *s)
{
    return s ? pl_xstrdup(s) : NULL;
}

static void s_copy_actor(struct pl_actor *d, const struct pl_actor *a)
{
    *d = *a;
    d->code = s_dup(a->code);
    d->country = s_dup(a->country);
    d->sector = s_dup(a->sector);
    d->name = s_dup(a->name);
}

/* A new event from its first mention: an owned deep copy of the mention's coding. */
static void s_first(struct pl_event *out, const char *id, const struct pl_mention *m,
                    const char *now)
{
    const struct pl_coding *c = &m->c;
    memset(out, 0, sizeof *out);
    out->id = pl_xstrdup(id);
    out->seq = 1;
    out->c = *c;
    out->c.date = s_dup(c->date);
    out->c.date_precision = s_dup(c->date_precision);
    out->c.date_basis = s_dup(c->date_basis);
    s_copy_actor(&out->c.source, &c->source);
    if (c->has_target)
        s_copy_actor(&out->c.target, &c->target);
    else
        memset(&out->c.target, 0, sizeof out->c.target);
    out->c.cameo = s_dup(c->cameo);
    out->c.root = s_dup(c->root);
    out->c.plover = s_dup(c->plover);
    out->c.location.name = c->has_location ? s_dup(c->location.name) : NULL;
    out->c.location.country = c->has_location ? s_dup(c->location.country) : NULL;
    out->c.evidence = NULL;
    out->c.n_evidence = 0;
    s_add_evidence(&out->c, c);
    out->num_articles = 0;
    s_add_article(out, &m->article);
    out->num_mentions = 1;
    out->first_seen = pl_xstrdup(now);
    out->last_seen = pl_xstrdup(now);
}

/* --- the cache of current events ----------------------------------------------------------
 * The current version of recently changed events, decoded, in a direct-mapped table: a
 * merge into a cached event neither reads the database nor decodes. The database stays the
 * truth: an entry is put in only after the database has the same version, and a rollback
 * evicts every entry the open transaction touched. */

static uint64_t s_hash(const char *id)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

static size_t s_slot_of(const struct store_db *db, const char *id)
{
    return (size_t)(s_hash(id) % db->n_slots);
}

static bool s_cache_has(const struct store_db *db, const char *id)
{
    if (!db->n_slots)
        return false;
    const struct store_slot *sl = &db->slots[s_slot_of(db, id)];
    return sl->used && strcmp(sl->e.id, id) == 0;
}

/* Takes the cached event out (the caller owns it); false when it is not cached. */
static bool s_cache_take(struct store_db *db, const char *id, struct pl_event *out)
{
    if (!db->n_slots)
        return false;
    struct store_slot *sl = &db->slots[s_slot_of(db, id)];
    if (!sl->used || strcmp(sl->e.id, id) != 0)
        return false;
    *out = sl->e;
    memset(&sl->e, 0, sizeof sl->e);
    sl->used = false;
    db->cache_hits++;
    return true;
}

/* Events larger than this when encoded are not kept: an event reported many times carries
 * up to 64 sentences and 64 articles (tens of KB decoded), and the hot events are those;
 * keeping only the smaller ones bounds the cache at about slots x 8 KB. */
#define STORE_CACHE_MAX_BODY 4096

/* Puts e (now owned by the cache) in its slot, marked as changed by the open transaction;
 * encoded_len is the size of its encoded version. */
static void s_cache_put(struct store_db *db, struct pl_event *e, size_t encoded_len)
{
    if (!db->n_slots || encoded_len > STORE_CACHE_MAX_BODY) {
        pl_event_release(e);
        return;
    }
    size_t i = s_slot_of(db, e->id);
    struct store_slot *sl = &db->slots[i];
    if (sl->used)
        pl_event_release(&sl->e);
    sl->e = *e;
    memset(e, 0, sizeof *e);
    sl->used = true;
    if (!sl->dirty) {
        sl->dirty = true;
        if (db->n_dirty == db->cap_dirty) {
            db->cap_dirty = db->cap_dirty ? 2 * db->cap_dirty : 256;
            db->dirty = pl_xrealloc(db->dirty, db->cap_dirty * sizeof *db->dirty);
        }
        db->dirty[db->n_dirty++] = i;
    }
}

/* After a commit (keep: the entries are committed) or a rollback (evict them). */
static void s_cache_settle(struct store_db *db, bool keep)
{
    for (size_t k = 0; k < db->n_dirty; k++) {
        struct store_slot *sl = &db->slots[db->dirty[k]];
        if (!keep && sl->used) {
            pl_event_release(&sl->e);
            sl->used = false;
        }
        sl->dirty = false;
    }
    db->n_dirty = 0;
}

/* Forgets every cached event (after a reconnect: see store_db_reconnect). */
static void s_cache_clear(struct store_db *db)
{
    for (size_t i = 0; i < db->n_slots; i++) {
        if (db->slots[i].used)
            pl_event_release(&db->slots[i].e);
        db->slots[i].used = false;
        db->slots[i].dirty = false;
    }
    db->n_dirty = 0;
}

/* --- events the events table does not have yet -----------------------------------------------
 * With a backend that has index_put (SQLite), a merge appends its event's new version to the
 * log and leaves the events table alone: the events changed since the table was last brought
 * up to date wait in this map, and s_flush_most writes them, sorted by key, in transactions
 * of their own - a page of the table or of an index is then written once for many events
 * instead of once a commit for each. The log stays the truth: the table holds every version
 * up to its highest seq and none after it (a flush is one transaction and writes the events
 * changed longest ago first), so what the map holds can always be read back from the log
 * after that seq - which is how it is rebuilt after a rollback, and how a store opening a
 * database its last run left with events unwritten catches up. Reads of the events table
 * (queries, filtered replay) write them all first. */

enum { P_ID, P_DATE, P_SRC, P_SRC_C, P_TGT, P_TGT_C, P_CAMEO, P_LOC_C, P_FIRST, P_LAST, P_N };

struct s_pend {
    char *buf;        /* the row's text columns back to back (NULL: a free entry) */
    int32_t off[P_N]; /* where each starts in buf; -1 for none */
    uint64_t seq;
    uint32_t num_articles, num_mentions;
    bool new_location; /* the table's row may not have the location country yet */
};

/* Half of them written after a group commit that leaves this many waiting (some 250 bytes
 * each): how a store that batches keep arriving at writes them, many to a page. Half, of
 * those changed longest ago: 30,000 articles, uniform keys, 19,700 mentions/s, against 17,200
 * writing all of them and 14,200 writing half of 8,192 (as often as that comes). */
#define STORE_PEND_MAX 32768

static char *s_pend_col(const struct s_pend *p, int col)
{
    return p->off[col] < 0 ? NULL : p->buf + p->off[col];
}

/* The entry of id, or the free entry where it would go (cap_pend > 0). */
static struct s_pend *s_pend_slot(const struct store_db *db, const char *id)
{
    size_t mask = db->cap_pend - 1;
    for (size_t i = (size_t)s_hash(id) & mask;; i = (i + 1) & mask) {
        struct s_pend *p = &db->pend[i];
        if (!p->buf || strcmp(p->buf + p->off[P_ID], id) == 0)
            return p;
    }
}

static const struct s_pend *s_pend_find(const struct store_db *db, const char *id)
{
    if (!db->n_pend)
        return NULL;
    const struct s_pend *p = s_pend_slot(db, id);
    return p->buf ? p : NULL;
}

static void s_pend_clear(struct store_db *db)
{
    for (size_t i = 0; i < db->cap_pend && db->n_pend; i++)
        if (db->pend[i].buf) {
            free(db->pend[i].buf);
            db->pend[i].buf = NULL;
            db->n_pend--;
        }
    db->n_pend = 0;
}

/* Records e's new version as what its row is to become. */
static void s_pend_put(struct store_db *db, const struct pl_event *e, bool new_location)
{
    if (2 * (db->n_pend + 1) > db->cap_pend) {
        struct s_pend *old = db->pend;
        size_t old_cap = db->cap_pend;
        db->cap_pend = old_cap ? 2 * old_cap : 1024;
        db->pend = pl_xcalloc(db->cap_pend, sizeof *db->pend);
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].buf)
                *s_pend_slot(db, old[i].buf + old[i].off[P_ID]) = old[i];
        free(old);
    }
    const struct pl_coding *c = &e->c;
    const char *col[P_N] = {
        [P_ID] = e->id,
        [P_DATE] = c->date,
        [P_SRC] = c->source.code,
        [P_SRC_C] = c->source.country,
        [P_TGT] = c->has_target ? c->target.code : NULL,
        [P_TGT_C] = c->has_target ? c->target.country : NULL,
        [P_CAMEO] = c->cameo,
        [P_LOC_C] = c->has_location ? c->location.country : NULL,
        [P_FIRST] = e->first_seen,
        [P_LAST] = e->last_seen,
    };
    size_t len[P_N], total = 0;
    for (int k = 0; k < P_N; k++) {
        len[k] = col[k] ? strlen(col[k]) + 1 : 0;
        total += len[k];
    }
    struct s_pend *p = s_pend_slot(db, e->id);
    if (p->buf) {
        new_location = new_location || p->new_location;
        free(p->buf);
    } else {
        db->n_pend++;
    }
    p->buf = pl_xmalloc(total);
    size_t at = 0;
    for (int k = 0; k < P_N; k++) {
        p->off[k] = col[k] ? (int32_t)at : -1;
        if (col[k])
            memcpy(p->buf + at, col[k], len[k]);
        at += len[k];
    }
    p->seq = e->seq;
    p->num_articles = e->num_articles;
    p->num_mentions = e->num_mentions;
    p->new_location = new_location;
}

struct s_tail {
    struct store_db *db;
    uint64_t last; /* the seq of the last version read */
    uint32_t n;    /* versions read */
    bool bad;      /* one did not decode */
};

/* A version read back from the log: what its event's row is to become. */
static int s_tail_row(uint64_t seq, const void *body, size_t len, void *arg)
{
    struct s_tail *t = arg;
    t->last = seq;
    t->n++;
    struct pl_event e;
    if (pl_event_decode(body, len, &e, NULL) != PL_OK) {
        t->bad = true;
        return 1;
    }
    e.seq = seq;
    s_pend_put(t->db, &e, e.c.has_location); /* the row may lack it: written again */
    pl_event_release(&e);
    return 0;
}

/* Refills the map from the log (inside or outside a transaction): the versions after the
 * events table's highest seq. */
static int s_pend_rebuild(struct store_db *db)
{
    s_pend_clear(db);
    db->pend_unknown = true;
    uint64_t after;
    if (db->ops->indexed(db->h, &after) != 0)
        return -1;
    for (;;) {
        struct s_tail t = {.db = db, .last = after};
        if (db->ops->read(db->h, true, after, NULL, 4096, s_tail_row, &t) != 0 || t.bad)
            return -1;
        if (t.n < 4096)
            break;
        after = t.last;
    }
    db->pend_unknown = false;
    return 0;
}

/* Makes the transactions from now on durable again after a flush (s_group asks too: none
 * is stored until this succeeds). */
static int s_durable(struct store_db *db)
{
    if (!db->relaxed)
        return 0;
    if (db->ops->relax(db->h, false) != 0)
        return -1;
    db->relaxed = false;
    return 0;
}

struct s_flush_row {
    struct s_pend *p;
    const char *date; /* the key's first part: the date or '' */
};

static int s_cmp_seq(const void *a, const void *b)
{
    const struct s_flush_row *x = a, *y = b;
    return x->p->seq < y->p->seq ? -1 : x->p->seq > y->p->seq;
}

static int s_cmp_key(const void *a, const void *b)
{
    const struct s_flush_row *x = a, *y = b;
    int c = strcmp(x->date, y->date);
    return c ? c : strcmp(x->p->buf + x->p->off[P_ID], y->p->buf + y->p->off[P_ID]);
}

/* Forgets the entries whose seq is 0 (written): the others are put in a new table. */
static void s_pend_drop_written(struct store_db *db)
{
    struct s_pend *old = db->pend;
    size_t cap = db->cap_pend;
    db->pend = pl_xcalloc(cap, sizeof *db->pend);
    db->n_pend = 0;
    for (size_t i = 0; i < cap; i++) {
        if (!old[i].buf)
            continue;
        if (old[i].seq == 0) {
            free(old[i].buf);
            continue;
        }
        *s_pend_slot(db, old[i].buf + old[i].off[P_ID]) = old[i];
        db->n_pend++;
    }
    free(old);
}

/* Writes the most waiting events with the lowest seqs (all when most is 0) into the events
 * table, in one transaction. Lowest first, so that the table still holds every version up
 * to its highest seq: an event whose current version is older than that is written, and
 * any other is read back from the log after it when need be (see s_pend_rebuild). */
static int s_flush_most(struct store_db *db, size_t most, char *err, size_t errlen)
{
    const struct store_db_ops *o = db->ops;
    if (!db->index_later || (!db->n_pend && !db->pend_unknown))
        return 0;
    /* Not durable: what it writes is in the log already (see the section's comment). */
    db->relaxed = o->relax != NULL;
    if ((o->relax && o->relax(db->h, true) != 0) || o->begin(db->h) != 0 ||
        (db->pend_unknown && s_pend_rebuild(db) != 0)) {
        s_seterr(err, errlen, "cannot bring the events table up to date: %s", o->errmsg(db->h));
        o->rollback(db->h);
        (void)s_durable(db);
        return -1;
    }
    size_t n = db->n_pend, k = 0;
    struct s_flush_row *order = pl_xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < db->cap_pend && k < n; i++)
        if (db->pend[i].buf) {
            order[k].p = &db->pend[i];
            order[k].date = s_pend_col(&db->pend[i], P_DATE);
            if (!order[k].date)
                order[k].date = "";
            k++;
        }
    if (most && most < n) {
        qsort(order, n, sizeof *order, s_cmp_seq);
        n = most;
    }
    qsort(order, n, sizeof *order, s_cmp_key); /* the tables' order: fewer pages at a time */
    struct pl_event *ev = pl_xcalloc(n ? n : 1, sizeof *ev);
    struct store_event_row *rows = pl_xcalloc(n ? n : 1, sizeof *rows);
    for (k = 0; k < n; k++) {
        const struct s_pend *p = order[k].p;
        struct pl_event *e = &ev[k];
        /* A view of the entry's columns, not owned: never released. */
        e->id = s_pend_col(p, P_ID);
        e->seq = p->seq;
        e->c.date = s_pend_col(p, P_DATE);
        e->c.source.code = s_pend_col(p, P_SRC);
        e->c.source.country = s_pend_col(p, P_SRC_C);
        e->c.has_target = s_pend_col(p, P_TGT) != NULL;
        e->c.target.code = s_pend_col(p, P_TGT);
        e->c.target.country = s_pend_col(p, P_TGT_C);
        e->c.cameo = s_pend_col(p, P_CAMEO);
        e->c.has_location = s_pend_col(p, P_LOC_C) != NULL;
        e->c.location.country = s_pend_col(p, P_LOC_C);
        e->num_articles = p->num_articles;
        e->num_mentions = p->num_mentions;
        e->first_seen = s_pend_col(p, P_FIRST);
        e->last_seen = s_pend_col(p, P_LAST);
        rows[k] = (struct store_event_row){.e = e, .new_location = p->new_location};
    }
    int rc = o->index_put(db->h, rows, n);
    free(rows);
    free(ev);
    if (rc == 0)
        rc = o->commit(db->h);
    if (rc != 0) {
        s_seterr(err, errlen, "cannot bring the events table up to date: %s", o->errmsg(db->h));
        o->rollback(db->h);
    }
    if (s_durable(db) != 0) {
        s_seterr(err, errlen, "cannot make commits durable again: %s", o->errmsg(db->h));
        rc = -1;
    }
    if (rc != 0) {
        free(order);
        return -1;
    }
    if (n == db->n_pend) {
        s_pend_clear(db);
    } else {
        for (k = 0; k < n; k++)
            order[k].p->seq = 0; /* written */
        s_pend_drop_written(db);
    }
    free(order);
    return 0;
}

static int s_flush(struct store_db *db, char *err, size_t errlen)
{
    return s_flush_most(db, 0, err, errlen);
}

/* After a rollback (of the transaction, or to a batch's savepoint): the cache and the map of
 * waiting events forget what was rolled back. */
static void s_undo(struct store_db *db)
{
    s_cache_settle(db, false);
    if (db->index_later)
        (void)s_pend_rebuild(db); /* on failure pend_unknown says to try again before use */
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

/* The working set of one batch. Mentions are sorted by event id, so the mentions of one
 * event (a group) sit together and the events change in id order, taking seqs in order. */
struct s_work {
    struct s_item *items;
    struct store_mention_row *rows;
    size_t n;
    struct pl_event *events; /* one per group with a new mention */
    struct store_event_row *puts;
    size_t n_events;
};

static void s_work_release(struct s_work *w)
{
    for (size_t i = 0; i < w->n_events; i++)
        pl_event_release(&w->events[i]);
    free(w->items);
    free(w->rows);
    free(w->events);
    free(w->puts);
    memset(w, 0, sizeof *w);
}

/* Reads the current versions of the events the cache did not have into events[slot[k]],
 * decoded, and sets existed[slot[k]] for those there are: by their ids and dates from the
 * events table, or (seqs) from the log, for events the table does not have yet. */
static int s_fetch(struct store_db *db, const char *const *ids, const char *const *dates,
                   const uint64_t *seqs, size_t n, struct pl_event *events, const size_t *slot,
                   bool *existed)
{
    if (!n)
        return 0;
    struct pl_buf *bodies = pl_xcalloc(n, sizeof *bodies);
    bool *found = pl_xcalloc(n, sizeof *found);
    int rc = seqs ? db->ops->log_get(db->h, seqs, n, bodies, found)
                  : db->ops->events_get(db->h, ids, dates, n, bodies, found);
    for (size_t k = 0; k < n; k++) {
        if (rc == 0 && seqs && !found[k]) {
            db->pend_unknown = true; /* the map and the log disagree: read it again */
            rc = -1;
        }
        if (rc == 0 && found[k]) {
            db->cache_misses++;
            existed[slot[k]] = true;
            if (pl_event_decode(bodies[k].data, bodies[k].len, &events[slot[k]], NULL) != PL_OK)
                rc = -1;
        }
        pl_buf_release(&bodies[k]);
    }
    free(bodies);
    free(found);
    return rc;
}

/* Stores the mentions of one batch and merges them into their events (s_one's middle):
 * the new versions go to res->changes, in seq order. */
static int s_merge_batch(struct store_db *db, const struct pl_events *ev, const char *now,
                         uint64_t *head, struct store_ingest_result *res, struct s_work *w,
                         struct pl_buf *scratch)
{
    const struct store_db_ops *o = db->ops;
    size_t n = ev->n_mentions;
    w->n = n;
    w->items = pl_xcalloc(n ? n : 1, sizeof *w->items);
    w->rows = pl_xcalloc(n ? n : 1, sizeof *w->rows);
    for (size_t i = 0; i < n; i++) {
        w->items[i].m = &ev->mentions[i];
        store_event_id(&ev->mentions[i].c, w->items[i].event_id);
    }
    qsort(w->items, n, sizeof *w->items, s_cmp_item);
    /* The mentions encoded one after another in scratch; pointers set once it stops moving. */
    size_t *off = pl_xcalloc(n + 1, sizeof *off);
    pl_buf_clear(scratch);
    for (size_t i = 0; i < n; i++) {
        off[i] = scratch->len;
        if (pl_mention_encode(w->items[i].m, scratch, NULL) != PL_OK) {
            free(off);
            snprintf(res->error, sizeof res->error, "mention %zu does not encode", i);
            return -1;
        }
    }
    off[n] = scratch->len;
    for (size_t i = 0; i < n; i++) {
        w->rows[i].id = w->items[i].m->id;
        w->rows[i].event_id = w->items[i].event_id;
        w->rows[i].body = scratch->data + off[i];
        w->rows[i].len = off[i + 1] - off[i];
    }
    free(off);
    if (n && o->mentions_put(db->h, ev->id, ev->xv, w->rows, n) != 0)
        return -1;

    /* The groups with at least one new mention: their events, from the cache or the
     * database, or new. */
    size_t groups = 0;
    for (size_t i = 0; i < n; i++)
        groups += i == 0 || strcmp(w->items[i].event_id, w->items[i - 1].event_id) != 0;
    w->events = pl_xcalloc(groups ? groups : 1, sizeof *w->events);
    w->puts = pl_xcalloc(groups ? groups : 1, sizeof *w->puts);
    size_t *first = pl_xcalloc(groups ? groups : 1, sizeof *first); /* group -> first item */
    size_t *last = pl_xcalloc(groups ? groups : 1, sizeof *last);
    bool *existed = pl_xcalloc(groups ? groups : 1, sizeof *existed);
    const char **want = pl_xcalloc(groups ? groups : 1, sizeof *want);
    const char **want_date = pl_xcalloc(groups ? groups : 1, sizeof *want_date);
    size_t *want_slot = pl_xcalloc(groups ? groups : 1, sizeof *want_slot);
    size_t n_want = 0;
    uint64_t *log_seq = pl_xcalloc(groups ? groups : 1, sizeof *log_seq);
    size_t *log_slot = pl_xcalloc(groups ? groups : 1, sizeof *log_slot);
    size_t n_log = 0;
    int rc = -1;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(w->items[j].event_id, w->items[i].event_id) == 0)
            j++;
        bool any = false;
        for (size_t k = i; k < j; k++) {
            if (w->rows[k].is_new)
                res->new_mentions++, any = true;
            else
                res->dup_mentions++;
        }
        if (any) {
            size_t g = w->n_events++;
            first[g] = i;
            last[g] = j;
            const char *eid = w->items[i].event_id;
            const struct s_pend *p;
            if (s_cache_take(db, eid, &w->events[g])) {
                existed[g] = true;
            } else if ((p = s_pend_find(db, eid)) != NULL) {
                log_seq[n_log] = p->seq;
                log_slot[n_log++] = g;
            } else {
                want[n_want] = eid;
                want_date[n_want] = w->items[i].m->c.date;
                want_slot[n_want++] = g;
            }
        }
        i = j;
    }
    if (s_fetch(db, want, want_date, NULL, n_want, w->events, want_slot, existed) != 0 ||
        s_fetch(db, NULL, NULL, log_seq, n_log, w->events, log_slot, existed) != 0)
        goto out;
    for (size_t g = 0; g < w->n_events; g++) {
        struct pl_event *e = &w->events[g];
        bool had_location = existed[g] && e->c.has_location;
        bool started = existed[g];
        for (size_t k = first[g]; k < last[g]; k++) {
            if (!w->rows[k].is_new)
                continue;
            if (!started) {
                s_first(e, w->items[k].event_id, w->items[k].m, now);
                started = true;
            } else {
                s_merge(e, w->items[k].m, w->rows[k].new_article);
            }
        }
        e->seq = ++*head;
        s_replace(&e->last_seen, now);
        struct store_change *ch = &res->changes[res->n_changes];
        pl_buf_init(&ch->body);
        res->n_changes++;
        if (pl_event_encode(e, &ch->body, NULL) != PL_OK) {
            snprintf(res->error, sizeof res->error, "event %s does not encode", e->id);
            goto out;
        }
        ch->seq = e->seq;
        store_topic(&e->c, ch->topic);
        w->puts[g] = (struct store_event_row){.e = e,
                                              .is_new = !existed[g],
                                              .new_location = e->c.has_location && !had_location,
                                              .body = ch->body.data,
                                              .len = ch->body.len};
        if (g == 0)
            res->first_seq = e->seq;
    }
    res->count = res->n_changes;
    if (w->n_events && o->events_put(db->h, w->puts, w->n_events) != 0)
        goto out;
    /* The database has these versions now: the cache may have them too. */
    for (size_t g = 0; g < w->n_events; g++) {
        if (db->index_later)
            s_pend_put(db, &w->events[g], w->puts[g].new_location);
        s_cache_put(db, &w->events[g], w->puts[g].len);
    }
    rc = 0;
out:
    free(log_seq);
    free(log_slot);
    free(first);
    free(last);
    free(existed);
    free(want);
    free(want_date);
    free(want_slot);
    return rc;
}

/* The mention of a batch that is not of its article, or NULL: such a batch is refused
 * before anything of it is stored. */
static const struct pl_mention *s_stray(const struct pl_events *ev)
{
    for (size_t i = 0; i < ev->n_mentions; i++)
        if (strcmp(ev->mentions[i].article.id, ev->id) != 0)
            return &ev->mentions[i];
    return NULL;
}

/* The article row a batch stores: as its first mention names it. */
static struct pl_article_ref s_article_of(const struct pl_events *ev)
{
    if (ev->n_mentions)
        return ev->mentions[0].article;
    return (struct pl_article_ref){.id = ev->id};
}

/* One batch inside the open transaction, in its own savepoint when sp: on failure it is
 * rolled back alone (head too) and res says why. Without sp, a failure leaves what the batch
 * wrote for the caller to roll back with the whole transaction; 1 then says so (0 otherwise:
 * stored, answered from before, or refused before it wrote anything). */
static int s_one(struct store_db *db, const struct pl_events *ev, const char *now, uint64_t *head,
                 struct store_ingest_result *res, struct pl_buf *scratch, bool sp)
{
    const struct store_db_ops *o = db->ops;
    memset(res, 0, sizeof *res);
    const struct pl_mention *stray = s_stray(ev);
    if (stray) {
        res->failed = true;
        s_seterr(res->error, sizeof res->error,
                 "a mention of article %s in the batch of article %s", stray->article.id, ev->id);
        return 0;
    }
    uint64_t head0 = *head;
    struct s_work w = {0};
    if (sp && o->savepoint(db->h) != 0)
        goto fail;
    int found = o->batch_get(db->h, ev->id, ev->xv, &res->first_seq, &res->count);
    if (found < 0)
        goto fail_sp;
    if (found == 1) {
        res->replayed = true;
        if (sp && o->release(db->h) != 0)
            goto fail_sp;
        return 0;
    }
    struct pl_article_ref art = s_article_of(ev);
    if (o->article_put(db->h, &art, now) != 0)
        goto fail_sp;
    res->changes = pl_xcalloc(ev->n_mentions ? ev->n_mentions : 1, sizeof *res->changes);
    if (s_merge_batch(db, ev, now, head, res, &w, scratch) != 0)
        goto fail_sp;
    if (db->fail_article && strcmp(db->fail_article, ev->id) == 0) {
        if (!db->fail_in_db) {
            snprintf(res->error, sizeof res->error, "failure injected for article %s", ev->id);
            goto fail_sp;
        }
        if (o->fail_statement(db->h) != 0)
            goto fail_sp;
    }
    if (o->batch_put(db->h, ev->id, ev->xv, res->first_seq, res->count, res->new_mentions, now) !=
            0 ||
        (sp && o->release(db->h) != 0))
        goto fail_sp;
    s_work_release(&w);
    return 0;
fail_sp:
    if (sp) {
        o->rollback_to(db->h);
        s_undo(db);
    } else {
        s_cache_settle(db, false); /* the caller rolls back and undoes the rest */
    }
fail:
    s_work_release(&w);
    char why[sizeof res->error];
    snprintf(why, sizeof why, "%s", res->error[0] ? res->error : o->errmsg(db->h));
    store_ingest_result_release(res);
    *head = head0;
    res->failed = true;
    s_seterr(res->error, sizeof res->error, "cannot store the batch: %s", why);
    return sp ? 0 : 1;
}

struct s_slot_use {
    size_t slot; /* the id's place in the cache */
    size_t k;    /* its index in the group's ids */
};

static int s_cmp_slot_use(const void *a, const void *b)
{
    const struct s_slot_use *x = a, *y = b;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Which of the group's n event ids to read ahead: those the cache does not hold, and those
 * it holds in a place another event of the group will take (the cache keeps one event a
 * place): merged after that one, they would no longer be cached, and a deferring backend
 * would read each of them in a round trip of its own in the middle of the group (36 a group
 * of 256 batches at 20,000 articles). */
static bool *s_prefetch_wanted(const struct store_db *db, char (*ids)[33], size_t n)
{
    bool *want = pl_xcalloc(n ? n : 1, sizeof *want);
    for (size_t k = 0; k < n; k++)
        want[k] = !s_cache_has(db, ids[k]);
    if (!db->n_slots)
        return want;
    struct s_slot_use *u = pl_xcalloc(n ? n : 1, sizeof *u);
    for (size_t k = 0; k < n; k++)
        u[k] = (struct s_slot_use){s_slot_of(db, ids[k]), k};
    qsort(u, n, sizeof *u, s_cmp_slot_use);
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        bool shared = false;
        for (; b < n && u[b].slot == u[a].slot; b++)
            shared = shared || strcmp(ids[u[b].k], ids[u[a].k]) != 0;
        for (size_t c = a; shared && c < b; c++)
            want[u[c].k] = true;
        a = b;
    }
    free(u);
    return want;
}

/* Tells a backend that can (prefetch) what the group will read: the articles of the batches
 * that will be stored, and the events their mentions touch that the cache does not hold. */
static int s_prefetch(struct store_db *db, const struct pl_events *const *evs, size_t n,
                      const char *now)
{
    struct pl_article_ref *arts = pl_xcalloc(n ? n : 1, sizeof *arts);
    size_t n_arts = 0, n_ids = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        if (s_stray(evs[i]))
            continue;
        arts[n_arts++] = s_article_of(evs[i]);
        cap += evs[i]->n_mentions;
    }
    char(*ids)[33] = pl_xcalloc(cap ? cap : 1, sizeof *ids);
    const char **dates = pl_xcalloc(cap ? cap : 1, sizeof *dates);
    size_t all = 0;
    for (size_t i = 0; i < n; i++) {
        if (s_stray(evs[i]))
            continue;
        for (size_t k = 0; k < evs[i]->n_mentions; k++, all++) {
            store_event_id(&evs[i]->mentions[k].c, ids[all]);
            dates[all] = evs[i]->mentions[k].c.date;
        }
    }
    bool *want = s_prefetch_wanted(db, ids, all);
    const char **idp = pl_xcalloc(all ? all : 1, sizeof *idp);
    const char **idd = pl_xcalloc(all ? all : 1, sizeof *idd);
    for (size_t k = 0; k < all; k++)
        if (want[k]) {
            idp[n_ids] = ids[k];
            idd[n_ids++] = dates[k];
        }
    int rc = db->ops->prefetch(db->h, arts, n_arts, idp, idd, n_ids, now);
    free(want);
    free(idd);
    free(idp);
    free(dates);
    free(ids);
    free(arts);
    return rc;
}

/* One attempt at a group: 0 committed, -1 failed (err says why), 1 when the group is to be
 * stored again batch by batch (nothing was stored). The first attempt (first) runs without
 * a savepoint a batch - on SQLite each savepoint copied every page its batch touched, -10%
 * of ingest - and with the backend's prefetch; a batch that fails there once it has written
 * something, or a deferring backend's failure at commit, rolls the whole group back for the
 * second attempt, where each batch has its savepoint and fails alone. */
static int s_group(struct store_db *db, const struct pl_events *const *evs, size_t n,
                   const char *now, struct store_ingest_result *res, bool first, char *err,
                   size_t errlen)
{
    const struct store_db_ops *o = db->ops;
    bool defer = first && o->prefetch != NULL;
    memset(res, 0, n * sizeof *res);
    if (s_durable(db) != 0) {
        s_seterr(err, errlen, "cannot make commits durable: %s", o->errmsg(db->h));
        return -1;
    }
    if (o->begin(db->h) != 0) {
        s_seterr(err, errlen, "cannot begin a transaction: %s", o->errmsg(db->h));
        o->rollback(db->h);
        return -1;
    }
    if (db->pend_unknown && s_pend_rebuild(db) != 0) {
        s_seterr(err, errlen, "cannot read the log's latest versions: %s", o->errmsg(db->h));
        o->rollback(db->h);
        return -1;
    }
    if (defer && s_prefetch(db, evs, n, now) != 0) {
        s_seterr(err, errlen, "cannot read ahead for the group: %s", o->errmsg(db->h));
        o->rollback(db->h);
        return 1;
    }
    uint64_t head = db->head;
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    for (size_t i = 0; i < n; i++) {
        if (s_one(db, evs[i], now, &head, &res[i], &scratch, !first) != 0) {
            s_seterr(err, errlen, "%s", res[i].error);
            pl_buf_release(&scratch);
            o->rollback(db->h);
            s_undo(db);
            for (size_t k = 0; k <= i; k++)
                store_ingest_result_release(&res[k]);
            return 1;
        }
    }
    pl_buf_release(&scratch);
    int rc = o->commit(db->h);
    if (rc != 0) {
        s_seterr(err, errlen, "cannot commit: %s", o->errmsg(db->h));
        o->rollback(db->h);
        s_undo(db);
        for (size_t i = 0; i < n; i++)
            store_ingest_result_release(&res[i]);
        return rc > 0 && first ? 1 : -1;
    }
    db->head = head;
    s_cache_settle(db, true);
    return 0;
}

static bool s_lost(const struct store_db *db)
{
    return db->ops->lost && db->ops->lost(db->h);
}

/* A reconnection has succeeded with the head read again. A transaction cut off at its COMMIT
 * may or may not have been stored: the cache forgets everything. The caller stores such a
 * group again, and the batches that were stored get the answer they got the first time. */
static void s_reconnected(struct store_db *db, uint64_t head)
{
    s_cache_clear(db);
    db->head = head;
    db->rc_last[0] = '\0';
}

/* Waits for the attempt on rc_thread to end (at most wait_ms; < 0: however long it takes).
 * True when it has ended and been joined: rc_result says how it went. */
static bool s_rc_join(struct store_db *db, int64_t wait_ms)
{
    pthread_mutex_lock(&db->rc_mu);
    if (wait_ms < 0) {
        while (!db->rc_done)
            pthread_cond_wait(&db->rc_cv, &db->rc_mu);
    } else if (!db->rc_done && wait_ms > 0) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += wait_ms / 1000;
        until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!db->rc_done &&
               pthread_cond_timedwait(&db->rc_cv, &db->rc_mu, &until) != ETIMEDOUT) {
        }
    }
    bool done = db->rc_done;
    pthread_mutex_unlock(&db->rc_mu);
    if (done) {
        pthread_join(db->rc_thread, NULL);
        db->rc_running = false;
    }
    return done;
}

/* One attempt: connects again and reads the head. 0, or -1 with why (from the backend). */
static int s_attempt(struct store_db *db, uint64_t *head, char *why, size_t whylen)
{
    const struct store_db_ops *o = db->ops;
    if (o->reconnect(db->h) == 0 && o->head(db->h, head) == 0)
        return 0;
    snprintf(why, whylen, "%s", o->errmsg(db->h));
    return -1;
}

static void *s_rc_main(void *arg)
{
    struct store_db *db = arg;
    uint64_t head = 0;
    char why[sizeof db->rc_err] = "";
    int rc = s_attempt(db, &head, why, sizeof why);
    pthread_mutex_lock(&db->rc_mu);
    db->rc_result = rc;
    db->rc_head = head;
    memcpy(db->rc_err, why, sizeof why);
    db->rc_done = true;
    pthread_cond_signal(&db->rc_cv);
    pthread_mutex_unlock(&db->rc_mu);
    return NULL;
}

int store_db_reconnect(struct store_db *db, char *err, size_t errlen)
{
    const struct store_db_ops *o = db->ops;
    if (!o->reconnect)
        return 0;
    if (db->rc_running)
        (void)s_rc_join(db, -1); /* the attempt under way is overtaken by this one */
    uint64_t head;
    if (s_attempt(db, &head, db->rc_last, sizeof db->rc_last) != 0) {
        s_seterr(err, errlen, "the database is unreachable: %s", db->rc_last);
        return -1;
    }
    s_reconnected(db, head);
    return 0;
}

/* How long a call that finds the connection gone waits for the attempt it starts: a
 * session ended while the server stays up is made again in a few milliseconds, and the
 * call goes on as if nothing had happened. */
#define STORE_RECONNECT_WAIT_MS 250

/* 0 when the connection is there. When it is known to be gone, the attempt to make it again
 * runs on a thread of its own - a server that does not answer at all (a network cut) keeps
 * it up to libpq's connect_timeout, and the store's loop must go on meanwhile (answering
 * replay requests that the database cannot be reached, and signals) - and each call until it
 * has succeeded returns -1 at once, err saying why. */
static int s_connected(struct store_db *db, char *err, size_t errlen)
{
    if (!db->rc_running) {
        if (!db->ops->reconnect || !db->ops->lost || !db->ops->lost(db->h))
            return 0;
        db->rc_done = false;
        if (pthread_create(&db->rc_thread, NULL, s_rc_main, db) != 0)
            return store_db_reconnect(db, err, errlen); /* no thread: here and now */
        db->rc_running = true;
        if (!s_rc_join(db, STORE_RECONNECT_WAIT_MS)) {
            s_seterr(err, errlen, "the database is unreachable: connecting again%s%s",
                     db->rc_last[0] ? " after: " : "", db->rc_last);
            return -1;
        }
    } else if (!s_rc_join(db, 0)) {
        s_seterr(err, errlen, "the database is unreachable: still connecting again%s%s",
                 db->rc_last[0] ? " after: " : "", db->rc_last);
        return -1;
    }
    if (db->rc_result != 0) {
        s_seterr(err, errlen, "the database is unreachable: %s", db->rc_err);
        snprintf(db->rc_last, sizeof db->rc_last, "%s", db->rc_err);
        return -1;
    }
    s_reconnected(db, db->rc_head);
    return 0;
}

static int s_ingest_group(struct store_db *db, const struct pl_events *const *evs, size_t n,
                          const char *now, struct store_ingest_result *res, char *err,
                          size_t errlen)
{
    int rc = s_group(db, evs, n, now, res, true, err, errlen);
    if (rc == 1 && !s_lost(db)) {
        /* Something of the group failed: stored again batch by batch, each in its savepoint,
         * so that the failing batch is rolled back alone. */
        db->redone++;
        rc = s_group(db, evs, n, now, res, false, err, errlen);
    }
    /* The group is stored either way; a flush that fails is tried again later. */
    if (rc == 0 && db->n_pend >= STORE_PEND_MAX)
        (void)s_flush_most(db, STORE_PEND_MAX / 2, NULL, 0);
    return rc;
}

int store_db_ingest_group(struct store_db *db, const struct pl_events *const *evs, size_t n,
                          const char *now, struct store_ingest_result *res, char *err,
                          size_t errlen)
{
    /* A connection found gone while the group was being stored (a server restarted, a
     * session ended) is made again at once and the group stored again: its outcome so far
     * says nothing about the batches, only about the connection. */
    for (int attempt = 0;; attempt++) {
        if (s_connected(db, err, errlen) != 0) {
            memset(res, 0, n * sizeof *res);
            return STORE_DB_UNREACHABLE;
        }
        int rc = s_ingest_group(db, evs, n, now, res, err, errlen);
        if (rc == 0 || !s_lost(db)) /* committed (the next call reconnects), or refused */
            return rc;
        for (size_t i = 0; i < n; i++)
            store_ingest_result_release(&res[i]);
        if (attempt == 1) /* lost again at once: the caller waits and tries again */
            return STORE_DB_UNREACHABLE;
    }
}

int store_db_flush(struct store_db *db, size_t most, char *err, size_t errlen)
{
    return s_flush_most(db, most, err, errlen);
}

size_t store_db_waiting(const struct store_db *db)
{
    return db->n_pend;
}

int store_db_unindexed(struct store_db *db, uint64_t *versions)
{
    *versions = 0;
    uint64_t indexed;
    if (!db->ops->indexed || db->rc_running)
        return 0;
    if (db->ops->indexed(db->h, &indexed) != 0)
        return -1;
    if (indexed < db->head)
        *versions = db->head - indexed;
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
    if (s_connected(db, err, errlen) != 0)
        return STORE_DB_UNREACHABLE;
    if (store_filter_any(f) && s_flush(db, err, errlen) != 0) /* filters read the events */
        return -1;
    if (db->ops->read(db->h, true, after, f, max, fn, arg) != 0) {
        s_seterr(err, errlen, "cannot read the log: %s", db->ops->errmsg(db->h));
        return s_lost(db) ? STORE_DB_UNREACHABLE : -1;
    }
    return 0;
}

int store_db_query(struct store_db *db, uint64_t after, const struct pl_filter *f, uint32_t limit,
                   store_event_fn fn, void *arg, char *err, size_t errlen)
{
    if (after > INT64_MAX)
        after = INT64_MAX;
    if (s_connected(db, err, errlen) != 0)
        return STORE_DB_UNREACHABLE;
    if (s_flush(db, err, errlen) != 0)
        return s_lost(db) ? STORE_DB_UNREACHABLE : -1;
    if (db->ops->read(db->h, false, after, f, limit, fn, arg) != 0) {
        s_seterr(err, errlen, "cannot query the events: %s", db->ops->errmsg(db->h));
        return s_lost(db) ? STORE_DB_UNREACHABLE : -1;
    }
    return 0;
}
