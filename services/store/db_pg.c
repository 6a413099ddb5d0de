/* db_pg.c - the PostgreSQL backend (libpq), for deployments that outgrow one machine.
 *
 * The same tables and migrations as SQLite (db_sql.c). The schema version lives in
 * parley_meta. One writer: the store takes a session advisory lock when it connects and
 * refuses to start when another store holds it, since seqs are assigned by the writer
 * inside its transaction. Statements are prepared once; event bodies go in and come out
 * as binary bytea. Every call blocks; parley-store is single-threaded anyway.
 *
 * A group of batches is stored deferred (see "the deferred group"): one round trip stores
 * its articles and reads everything its batches will ask (stored batches, mention ids,
 * (event, article) pairs, current events), the merging runs on that, and one more round
 * trip writes all of the group's rows - a statement a table, the rows as arrays - and
 * commits. When anything of it fails, db.c stores the group again batch by batch, each in
 * a savepoint, its statements queued in a pipeline and read at a few syncs a batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "db_backend.h"
#include "db_sql.h"

/* The current versions of events by id (binary results). Not prepared: a plan made once,
 * while the tables were small, scanned both tables in full for every batch (ingest fell from
 * 1,700 to 700 mentions/s within 3,000 articles); planned each time with the ids at hand,
 * it reads them by index. The deferred group's other lookups are not prepared either. */
#define PG_EVENTS_GET                                                                              \
    "SELECT e.id, l.body FROM unnest($1::text[], $2::text[]) AS k(id, date) JOIN events e"         \
    " ON " STORE_SQL_KEY_DATE("e.date") " = k.date AND e.id = k.id JOIN log l ON l.seq = e.seq"

/* A log row's event (l and e), by its key. */
#define PG_LOG_EVENT                                                                               \
    STORE_SQL_KEY_DATE("e.date") " = " STORE_SQL_KEY_DATE("l.date") " AND e.id = l.event_id"

/* pg_try_advisory_lock key: "parley" in ASCII. */
#define PG_LOCK_KEY "112971114108101121"

/* Statements queued in a transaction's pipeline before their results are read. */
#define PG_QUEUE 64

/* A deferred group sends its rows ahead of the commit once this many have gathered (mention
 * and version rows; about six batches of 10 mentions). 128 against 256 at 20,000 articles,
 * group 64, news order: 16,500-21,600 against 14,500-17,100 mentions/s; 64 no better. */
#define PG_EARLY_ROWS 128

/* --- a map from strings (the deferred group's state) ------------------------------------ */

struct s_val {
    uint64_t a, b;
};

struct s_map {
    char **keys; /* open addressing, NULL: free */
    struct s_val *vals;
    size_t cap, n; /* cap: 0 or a power of two, at most half full */
};

static size_t s_map_slot(const struct s_map *m, const char *k)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)k; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    size_t mask = m->cap - 1, i = (size_t)(h ^ (h >> 29)) & mask;
    while (m->keys[i] && strcmp(m->keys[i], k) != 0)
        i = (i + 1) & mask;
    return i;
}

static struct s_val *s_map_get(const struct s_map *m, const char *k)
{
    if (!m->cap)
        return NULL;
    size_t i = s_map_slot(m, k);
    return m->keys[i] ? &m->vals[i] : NULL;
}

/* k's value, added (zero) when k was not there: *added says which. */
static struct s_val *s_map_add(struct s_map *m, const char *k, bool *added)
{
    if (2 * (m->n + 1) > m->cap) {
        struct s_map g = {.cap = m->cap ? 2 * m->cap : 64, .n = m->n};
        g.keys = pl_xcalloc(g.cap, sizeof *g.keys);
        g.vals = pl_xcalloc(g.cap, sizeof *g.vals);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = s_map_slot(&g, m->keys[i]);
                g.keys[j] = m->keys[i];
                g.vals[j] = m->vals[i];
            }
        free(m->keys);
        free(m->vals);
        *m = g;
    }
    size_t i = s_map_slot(m, k);
    *added = !m->keys[i];
    if (*added) {
        m->keys[i] = pl_xstrdup(k);
        m->vals[i] = (struct s_val){0, 0};
        m->n++;
    }
    return &m->vals[i];
}

static void s_map_release(struct s_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* An array parameter in PostgreSQL's binary array format (as array_send writes it): a
 * header, then each element as its length and bytes (-1: NULL), big-endian. The server
 * reads it without parsing quotes, escapes or hex. */
enum { OID_BYTEA = 17, OID_INT8 = 20, OID_TEXT = 25 };

struct s_arr {
    struct pl_buf b;
    uint32_t oid; /* the elements' type */
    uint32_t n;
    bool nulls;
};

/* An event the deferred group read or wrote. */
enum { F_DATE, F_SRC, F_SRCC, F_TGT, F_TGTC, F_CAMEO, F_LOC, F_FIRST, F_LAST, F_COUNT_ };

struct s_ev {
    bool have;  /* its current version is known: body */
    bool in_db; /* it was stored before the group */
    bool put;   /* the group changed it: the fields are its last version's */
    char *id;
    struct pl_buf body;
    uint64_t seq, num_articles, num_mentions;
    char *f[F_COUNT_];
};

/* The arrays a deferred group writes at commit, one statement a table. */
enum { M_NO, M_ID, M_XV, M_EVENT, M_BODY, M_COUNT_ };
enum { P_NO, P_EVENT, P_COUNT_ };
enum { L_SEQ, L_EVENT, L_DATE, L_BODY, L_COUNT_ };
enum { B_NO, B_XV, B_FIRST, B_COUNT, B_MENTIONS, B_AT, B_COUNT_ };
static const uint32_t s_m_oids[M_COUNT_] = {OID_INT8, OID_TEXT, OID_TEXT, OID_TEXT, OID_BYTEA};
static const uint32_t s_pr_oids[P_COUNT_] = {OID_INT8, OID_TEXT};
static const uint32_t s_log_oids[L_COUNT_] = {OID_INT8, OID_TEXT, OID_TEXT, OID_BYTEA};
static const uint32_t s_bt_oids[B_COUNT_] = {OID_INT8, OID_TEXT, OID_INT8,
                                             OID_INT8, OID_INT8, OID_TEXT};

struct s_defer {
    bool on;               /* the open transaction is a deferred group */
    struct s_map arts;     /* article id -> a: its number, b: 1 once known */
    struct s_map batches;  /* article id, xv -> a: first seq, b: count */
    struct s_map mentions; /* article id, mention id: stored */
    struct s_map pairs;    /* article id, event id: stored */
    struct s_map events;   /* event id -> a: its index in evs */
    struct s_ev *evs;
    size_t n_evs, cap_evs;
    struct s_arr m[M_COUNT_], pr[P_COUNT_], lg[L_COUNT_], bt[B_COUNT_];
    size_t n_m, n_pr, n_lg, n_bt;
    struct pl_buf key;
};

struct pg {
    PGconn *c;
    char err[512];
    bool piped;                 /* an ingest transaction is open, in pipeline mode */
    int queued;                 /* statements sent since the last sync */
    const char *what[PG_QUEUE]; /* what each is, for error messages */
    struct s_defer d;
};

static const char *const s_prep[][2] = {
    /* Batches, mentions and (event, article) pairs are keyed by the article's number,
     * looked up here by its id (the article_put queued before them is visible). */
    {"batch_get", "SELECT b.first_seq, b.count FROM articles a JOIN batches b"
                  " ON b.article_no = a.no WHERE a.id = $1 AND b.xv = $2"},
    {"batch_put", "INSERT INTO batches (article_no, xv, first_seq, count, mentions, stored_at)"
                  " SELECT no, $2, $3, $4, $5, $6 FROM articles WHERE id = $1"},
    {"article_put", "INSERT INTO articles (id, url, outlet, title, published, stored_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"},
    {"head", "SELECT COALESCE(MAX(seq), 0) FROM log"},
    /* A batch's rows as arrays (inserts only: their plans read no table in full). The new
     * mentions, then the (event, article) pairs those made new. */
    {"mentions_put",
     "WITH a AS (SELECT no FROM articles WHERE id = $2),"
     " m AS (INSERT INTO mentions (id, article_no, xv, event_id, body)"
     " SELECT u.id, a.no, $3, u.event_id, u.body"
     " FROM a, unnest($1::text[], $4::text[], $5::bytea[]) AS u(id, event_id, body)"
     " ON CONFLICT DO NOTHING RETURNING id, article_no, event_id),"
     " e AS (INSERT INTO event_articles (event_id, article_no)"
     " SELECT DISTINCT event_id, article_no FROM m ON CONFLICT DO NOTHING RETURNING event_id)"
     " SELECT 'm', id FROM m UNION ALL SELECT 'e', event_id FROM e"},
    {"events_insert",
     "INSERT INTO events (id, seq, date, src_code, src_country, tgt_code, tgt_country, cameo,"
     " loc_country, first_seen, last_seen, num_articles, num_mentions) SELECT * FROM"
     " unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],"
     " $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[],"
     " $13::bigint[])"},
    {"log_insert", "INSERT INTO log (seq, event_id, date, body)"
                   " SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[])"},
    /* A deferred group's rows, every article number known. */
    {"articles_add", "INSERT INTO articles (id, url, outlet, title, published, stored_at)"
                     " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
                     " $5::text[], $6::text[]) ON CONFLICT DO NOTHING"},
    {"mentions_add", "INSERT INTO mentions (article_no, id, xv, event_id, body) SELECT * FROM"
                     " unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bytea[])"},
    {"pairs_add", "INSERT INTO event_articles (article_no, event_id)"
                  " SELECT * FROM unnest($1::bigint[], $2::text[])"},
    {"batches_add", "INSERT INTO batches (article_no, xv, first_seq, count, mentions, stored_at)"
                    " SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[],"
                    " $5::bigint[], $6::text[])"},
};

static const char *s_errmsg(void *h)
{
    return ((struct pg *)h)->err;
}

static int s_fail(struct pg *p, const char *what, const PGresult *r)
{
    const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(p->c);
    snprintf(p->err, sizeof p->err, "%s: %s", what, m && *m ? m : PQerrorMessage(p->c));
    for (char *c = p->err; *c; c++) /* libpq's messages run over lines: one log line each */
        if (*c == '\n' || *c == '\t')
            *c = ' ';
    size_t n = strlen(p->err);
    while (n && (p->err[n - 1] == '\n' || p->err[n - 1] == ' '))
        p->err[--n] = '\0';
    return -1;
}

/* Runs a statement without parameters; 0 when it succeeded. */
static int s_exec(struct pg *p, const char *sql)
{
    PGresult *r = PQexec(p->c, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : s_fail(p, sql, r);
    PQclear(r);
    return rc;
}

/* Runs a prepared statement without parameters outside a transaction's pipeline; the
 * result (the caller clears it), or NULL with a message in err. */
static PGresult *s_run(struct pg *p, const char *name, ExecStatusType want)
{
    PGresult *r = PQexecPrepared(p->c, name, 0, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != want) {
        s_fail(p, name, r);
        PQclear(r);
        return NULL;
    }
    return r;
}

static uint64_t s_u64(const char *s)
{
    return s ? strtoull(s, NULL, 10) : 0;
}

static void s_defer_reset(struct s_defer *d);

static void s_close(void *h)
{
    struct pg *p = h;
    if (!p)
        return;
    s_defer_reset(&p->d);
    for (int a = 0; a < M_COUNT_; a++)
        pl_buf_release(&p->d.m[a].b);
    for (int a = 0; a < P_COUNT_; a++)
        pl_buf_release(&p->d.pr[a].b);
    for (int a = 0; a < L_COUNT_; a++)
        pl_buf_release(&p->d.lg[a].b);
    for (int a = 0; a < B_COUNT_; a++)
        pl_buf_release(&p->d.bt[a].b);
    pl_buf_release(&p->d.key);
    free(p->d.evs);
    PQfinish(p->c);
    free(p);
}

/* --- the transaction's pipeline --------------------------------------------------------
 * An ingest transaction runs in libpq pipeline mode: statements whose results are not
 * needed at once (the savepoint, the article, the event versions, the batch record) are
 * queued, and read at the next sync - when a statement whose result is needed is sent
 * (batch lookup, mentions, event lookup) or at the end of each batch (release). Batch by
 * batch (a group stored again after a failure), a batch takes four round trips instead of
 * eight, and a failure still shows within its batch; a deferred group takes two. */

/* A statement's parameters: text values, or arrays in binary (s_prm_arr). */
#define PG_MAX_PARAMS 16

struct s_prm {
    int n;
    const char *v[PG_MAX_PARAMS];
    int len[PG_MAX_PARAMS];
    int fmt[PG_MAX_PARAMS];
};

static void s_prm_text(struct s_prm *q, const char *v)
{
    q->v[q->n] = v;
    q->len[q->n] = 0;
    q->fmt[q->n++] = 0;
}

static void s_arr_close(struct s_arr *a);

/* Closes the array a and makes it the next parameter. */
static void s_prm_arr(struct s_prm *q, struct s_arr *a)
{
    s_arr_close(a);
    q->v[q->n] = a->b.data;
    q->len[q->n] = (int)a->b.len;
    q->fmt[q->n++] = 1;
}

/* Queues a statement: prepared (name) or not (sql); parameters q (NULL: none); result
 * format rfmt. */
static int s_queue(struct pg *p, const char *what, const char *name, const char *sql,
                   const struct s_prm *q, int rfmt)
{
    if (p->queued == PG_QUEUE) {
        snprintf(p->err, sizeof p->err, "%s: too many statements queued", what);
        return -1;
    }
    static const struct s_prm none;
    if (!q)
        q = &none;
    int ok = name ? PQsendQueryPrepared(p->c, name, q->n, q->v, q->len, q->fmt, rfmt)
                  : PQsendQueryParams(p->c, sql, q->n, NULL, q->v, q->len, q->fmt, rfmt);
    if (ok != 1)
        return s_fail(p, what, NULL);
    p->what[p->queued++] = what;
    return 0;
}

/* Sends a sync and reads the result of every queued statement; the first failure goes to
 * err. With keep (room for PG_QUEUE), statement i's result is handed over in keep[i] (the
 * caller clears them; all NULL when anything failed). */
static int s_sync(struct pg *p, PGresult **keep)
{
    if (keep)
        for (int k = 0; k < PG_QUEUE; k++)
            keep[k] = NULL;
    int n = p->queued, rc = 0, i = 0, nulls = 0;
    p->queued = 0;
    if (PQpipelineSync(p->c) != 1)
        return s_fail(p, "pipeline sync", NULL);
    for (;;) {
        PGresult *r = PQgetResult(p->c);
        if (!r) {
            /* one NULL ends each statement's results; two in a row: nothing more will come */
            if (++nulls > 1) {
                if (rc == 0)
                    rc = s_fail(p, "pipeline", NULL);
                break;
            }
            continue;
        }
        nulls = 0;
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        const char *what = i < n ? p->what[i] : "pipeline";
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            if (rc == 0)
                rc = s_fail(p, what, r);
        } else if (keep && i < n && rc == 0) {
            keep[i] = r;
            r = NULL;
        }
        i++;
        PQclear(r);
    }
    if (rc == 0 && i != n) {
        snprintf(p->err, sizeof p->err, "pipeline: %d results for %d statements", i, n);
        rc = -1;
    }
    if (rc != 0 && keep)
        for (int k = 0; k < PG_QUEUE; k++) {
            PQclear(keep[k]);
            keep[k] = NULL;
        }
    return rc;
}

/* Queues one statement and reads everything queued: its result, or NULL (err says why). */
static PGresult *s_ask(struct pg *p, const char *what, const char *name, const char *sql,
                       const struct s_prm *q, int rfmt)
{
    PGresult *all[PG_QUEUE];
    if (s_queue(p, what, name, sql, q, rfmt) != 0) {
        s_sync(p, NULL);
        return NULL;
    }
    int last = p->queued - 1;
    if (s_sync(p, all) != 0)
        return NULL;
    for (int k = 0; k < last; k++)
        PQclear(all[k]);
    return all[last];
}

/* Leaves pipeline mode, reading whatever is still queued; keeps err as it was. */
static void s_unpipe(struct pg *p)
{
    if (!p->piped)
        return;
    char keep[sizeof p->err];
    memcpy(keep, p->err, sizeof keep);
    if (p->queued)
        s_sync(p, NULL);
    PQexitPipelineMode(p->c);
    p->piped = false;
    memcpy(p->err, keep, sizeof keep);
}

/* The deferred group's side of each primitive (see "the deferred group"). */
static int s_flush(struct pg *p);
static int s_send_early(struct pg *p);
static int s_d_batch_get(struct pg *p, const char *article, const char *xv, uint64_t *first,
                         uint32_t *count);
static int s_d_batch_put(struct pg *p, const char *article, const char *xv, uint64_t first,
                         uint32_t count, uint32_t mentions, const char *now);
static int s_d_article_put(struct pg *p, const struct pl_article_ref *a);
static int s_d_mentions_put(struct pg *p, const char *article, const char *xv,
                            struct store_mention_row *rows, size_t n);
static int s_d_events_get(struct pg *p, const char *const *ids, const char *const *dates, size_t n,
                          struct pl_buf *bodies, bool *found);
static int s_d_events_put(struct pg *p, const struct store_event_row *rows, size_t n);

/* BEGIN goes with the transaction's first statements. */
static int s_begin(void *h)
{
    struct pg *p = h;
    s_defer_reset(&p->d);
    if (PQenterPipelineMode(p->c) != 1)
        return s_fail(p, "pipeline mode", NULL);
    p->piped = true;
    p->queued = 0;
    return s_queue(p, "begin", NULL, "BEGIN", NULL, 0);
}

/* A deferred group's writes go with the COMMIT; 1 when anything of the group failed. */
static int s_commit(void *h)
{
    struct pg *p = h;
    bool deferred = p->d.on;
    int rc = deferred ? s_flush(p) : 0;
    if (rc == 0)
        rc = s_queue(p, "commit", NULL, "COMMIT", NULL, 0);
    if (s_sync(p, NULL) != 0 && rc == 0)
        rc = -1;
    if (rc != 0)
        return deferred ? 1 : -1;
    s_defer_reset(&p->d);
    /* Committed: whatever happens now must not make the caller think otherwise. Pipeline
     * mode ends here once all is read; if it would not, it is ended at the next rollback
     * (the next begin finds it on). */
    if (PQexitPipelineMode(p->c) == 1)
        p->piped = false;
    return 0;
}

/* Keeps the message of the error that made the caller roll back. */
static int s_keep_exec(struct pg *p, const char *sql)
{
    char keep[sizeof p->err];
    memcpy(keep, p->err, sizeof keep);
    int rc = s_exec(p, sql);
    memcpy(p->err, keep, sizeof keep);
    return rc;
}

static int s_rollback(void *h)
{
    struct pg *p = h;
    s_defer_reset(&p->d);
    s_unpipe(p);
    if (PQtransactionStatus(p->c) == PQTRANS_IDLE)
        return 0;
    return s_keep_exec(p, "ROLLBACK");
}

/* Savepoints are for the second attempt at a group, batch by batch, never deferred: in a
 * deferred group a batch that fails has db.c roll the whole group back. */
static int s_savepoint(void *h)
{
    return s_queue(h, "savepoint", NULL, "SAVEPOINT batch", NULL, 0);
}

static int s_release(void *h)
{
    struct pg *p = h;
    if (s_queue(p, "release", NULL, "RELEASE SAVEPOINT batch", NULL, 0) != 0) {
        s_sync(p, NULL);
        return -1;
    }
    return s_sync(p, NULL);
}

static int s_rollback_to(void *h)
{
    struct pg *p = h;
    char keep[sizeof p->err];
    memcpy(keep, p->err, sizeof keep);
    if (p->queued)
        s_sync(p, NULL); /* what failed is known; the rest of the batch goes */
    int rc = s_queue(p, "rollback to", NULL, "ROLLBACK TO SAVEPOINT batch", NULL, 0);
    if (rc == 0)
        rc = s_queue(p, "release", NULL, "RELEASE SAVEPOINT batch", NULL, 0);
    int synced = s_sync(p, NULL);
    memcpy(p->err, keep, sizeof keep);
    return rc == 0 ? synced : rc;
}

static int s_head(void *h, uint64_t *head)
{
    PGresult *r = s_run(h, "head", PGRES_TUPLES_OK);
    if (!r)
        return -1;
    *head = s_u64(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

static int s_batch_get(void *h, const char *article, const char *xv, uint64_t *first,
                       uint32_t *count)
{
    if (((struct pg *)h)->d.on)
        return s_d_batch_get(h, article, xv, first, count);
    struct s_prm q = {0};
    s_prm_text(&q, article);
    s_prm_text(&q, xv);
    PGresult *r = s_ask(h, "batch lookup", "batch_get", NULL, &q, 0);
    if (!r)
        return -1;
    int found = PQntuples(r) > 0;
    if (found) {
        *first = s_u64(PQgetvalue(r, 0, 0));
        *count = (uint32_t)s_u64(PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return found;
}

static int s_batch_put(void *h, const char *article, const char *xv, uint64_t first, uint32_t count,
                       uint32_t mentions, const char *now)
{
    if (((struct pg *)h)->d.on)
        return s_d_batch_put(h, article, xv, first, count, mentions, now);
    char f[24], c[16], m[16];
    snprintf(f, sizeof f, "%llu", (unsigned long long)first);
    snprintf(c, sizeof c, "%u", count);
    snprintf(m, sizeof m, "%u", mentions);
    struct s_prm q = {0};
    const char *v[] = {article, xv, f, c, m, now};
    for (int i = 0; i < 6; i++)
        s_prm_text(&q, v[i]);
    return s_queue(h, "batch insert", "batch_put", NULL, &q, 0);
}

static int s_article_put(void *h, const struct pl_article_ref *a, const char *now)
{
    if (((struct pg *)h)->d.on)
        return s_d_article_put(h, a);
    struct s_prm q = {0};
    const char *v[] = {a->id, a->url, a->outlet, a->title, a->published, now};
    for (int i = 0; i < 6; i++)
        s_prm_text(&q, v[i]);
    return s_queue(h, "article insert", "article_put", NULL, &q, 0);
}

/* --- sets of rows ---------------------------------------------------------------------------
 * A batch's mentions go in one statement and its event versions in three (events inserted,
 * events updated, log rows), each taking its rows as arrays (unnest): the server runs a few
 * statements per batch instead of several per mention, and the three go as one pipeline
 * (libpq pipeline mode: one round trip). The arrays travel in binary (struct s_arr). */

static void s_be(unsigned char *to, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        to[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

/* An empty array of elements of type oid; its header is written when it closes. */
static void s_arr_open(struct s_arr *a, uint32_t oid)
{
    static const char room[20];
    pl_buf_clear(&a->b);
    pl_buf_append(&a->b, room, sizeof room);
    a->oid = oid;
    a->n = 0;
    a->nulls = false;
}

static void s_arr_elem(struct s_arr *a, const void *data, size_t len)
{
    unsigned char l[4];
    s_be(l, data ? len : 0xffffffffu, 4);
    pl_buf_append(&a->b, l, 4);
    if (data)
        pl_buf_append(&a->b, data, len);
    else
        a->nulls = true;
    a->n++;
}

static void s_arr_text(struct s_arr *a, const char *v)
{
    s_arr_elem(a, v, v ? strlen(v) : 0);
}

static void s_arr_u64(struct s_arr *a, uint64_t v)
{
    unsigned char x[8];
    s_be(x, v, 8);
    s_arr_elem(a, x, 8);
}

static void s_arr_bytea(struct s_arr *a, const void *data, size_t len)
{
    s_arr_elem(a, data ? data : "", len);
}

/* The header: one dimension of n elements from index 1 (no elements: no dimension). */
static void s_arr_close(struct s_arr *a)
{
    unsigned char *h = (unsigned char *)a->b.data;
    s_be(h, a->n ? 1 : 0, 4);
    s_be(h + 4, a->nulls, 4);
    s_be(h + 8, a->oid, 4);
    s_be(h + 12, a->n, 4);
    s_be(h + 16, 1, 4);
    if (!a->n)
        a->b.len = 12;
}

static void s_arr_init(struct s_arr *a, uint32_t oid)
{
    pl_buf_init(&a->b);
    s_arr_open(a, oid);
}

/* A row's id and index, to find rows by id. */
struct s_idref {
    const char *id;
    size_t i;
};

static int s_cmp_idref(const void *a, const void *b)
{
    const struct s_idref *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->i < y->i ? -1 : x->i > y->i);
}

static int s_mentions_put(void *h, const char *article, const char *xv,
                          struct store_mention_row *rows, size_t n)
{
    struct pg *p = h;
    if (p->d.on)
        return s_d_mentions_put(p, article, xv, rows, n);
    struct s_arr ids, evs, bodies;
    s_arr_init(&ids, OID_TEXT);
    s_arr_init(&evs, OID_TEXT);
    s_arr_init(&bodies, OID_BYTEA);
    for (size_t i = 0; i < n; i++) {
        s_arr_text(&ids, rows[i].id);
        s_arr_text(&evs, rows[i].event_id);
        s_arr_bytea(&bodies, rows[i].body, rows[i].len);
        rows[i].is_new = rows[i].new_article = false;
    }
    /* The mentions whose ids are new, then the (event, article) pairs those made new. */
    struct s_prm q = {0};
    s_prm_arr(&q, &ids);
    s_prm_text(&q, article);
    s_prm_text(&q, xv);
    s_prm_arr(&q, &evs);
    s_prm_arr(&q, &bodies);
    PGresult *r = s_ask(p, "mention insert", "mentions_put", NULL, &q, 0);
    pl_buf_release(&ids.b);
    pl_buf_release(&evs.b);
    pl_buf_release(&bodies.b);
    if (!r)
        return -1;
    /* A new id marks its first row (the others with the same id were duplicates of it). */
    struct s_idref *by_id = pl_xcalloc(n ? n : 1, sizeof *by_id);
    for (size_t i = 0; i < n; i++)
        by_id[i] = (struct s_idref){rows[i].id, i};
    qsort(by_id, n, sizeof *by_id, s_cmp_idref);
    int nt = PQntuples(r);
    for (int k = 0; k < nt; k++) {
        if (PQgetvalue(r, k, 0)[0] != 'm')
            continue;
        const char *id = PQgetvalue(r, k, 1);
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(by_id[mid].id, id) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < n && strcmp(by_id[lo].id, id) == 0)
            rows[by_id[lo].i].is_new = true;
    }
    free(by_id);
    /* A new pair marks the first new mention of its event (rows come sorted by event). */
    for (int k = 0; k < nt; k++) {
        if (PQgetvalue(r, k, 0)[0] != 'e')
            continue;
        const char *ev = PQgetvalue(r, k, 1);
        for (size_t i = 0; i < n; i++)
            if (rows[i].is_new && strcmp(rows[i].event_id, ev) == 0) {
                rows[i].new_article = true;
                break;
            }
    }
    PQclear(r);
    return 0;
}

/* The current versions of the events ids, from the database. */
static int s_events_query(struct pg *p, const char *const *ids, const char *const *dates, size_t n,
                          struct pl_buf *bodies, bool *found)
{
    struct s_arr arr, darr;
    s_arr_init(&arr, OID_TEXT);
    s_arr_init(&darr, OID_TEXT);
    for (size_t i = 0; i < n; i++) {
        s_arr_text(&arr, ids[i]);
        s_arr_text(&darr, dates[i] ? dates[i] : "");
    }
    struct s_prm q = {0};
    s_prm_arr(&q, &arr);
    s_prm_arr(&q, &darr);
    PGresult *r = s_ask(p, "event lookup", NULL, PG_EVENTS_GET, &q, 1);
    pl_buf_release(&arr.b);
    pl_buf_release(&darr.b);
    if (!r)
        return -1;
    for (size_t i = 0; i < n; i++)
        found[i] = false;
    int rows = PQntuples(r);
    for (int k = 0; k < rows; k++) {
        const char *id = PQgetvalue(r, k, 0);
        size_t idlen = (size_t)PQgetlength(r, k, 0);
        for (size_t i = 0; i < n; i++)
            if (!found[i] && strlen(ids[i]) == idlen && memcmp(ids[i], id, idlen) == 0) {
                found[i] = true;
                pl_buf_clear(&bodies[i]);
                pl_buf_append(&bodies[i], PQgetvalue(r, k, 1), (size_t)PQgetlength(r, k, 1));
                break;
            }
    }
    PQclear(r);
    return 0;
}

static int s_events_get(void *h, const char *const *ids, const char *const *dates, size_t n,
                        struct pl_buf *bodies, bool *found)
{
    struct pg *p = h;
    return p->d.on ? s_d_events_get(p, ids, dates, n, bodies, found)
                   : s_events_query(p, ids, dates, n, bodies, found);
}

/* An event's columns as the events table has them. */
struct s_evrow {
    bool insert; /* a new row; otherwise the changed columns of an existing one */
    const char *id;
    uint64_t seq, num_articles, num_mentions;
    const char *f[F_COUNT_];
};

static struct s_evrow s_evrow_of(const struct pl_event *e, bool insert)
{
    const struct pl_coding *c = &e->c;
    return (struct s_evrow){.insert = insert,
                            .id = e->id,
                            .seq = e->seq,
                            .num_articles = e->num_articles,
                            .num_mentions = e->num_mentions,
                            .f = {[F_DATE] = c->date,
                                  [F_SRC] = c->source.code,
                                  [F_SRCC] = c->source.country,
                                  [F_TGT] = c->has_target ? c->target.code : NULL,
                                  [F_TGTC] = c->has_target ? c->target.country : NULL,
                                  [F_CAMEO] = c->cameo,
                                  [F_LOC] = c->has_location ? c->location.country : NULL,
                                  [F_FIRST] = e->first_seen,
                                  [F_LAST] = e->last_seen}};
}

/* Queues the insert of the new events and the update of the changed ones. An event's
 * location, once it has one, never changes: the update keeps the stored one when the
 * version has none. */
static int s_queue_events(struct pg *p, const struct s_evrow *rows, size_t n)
{
    enum { I_ID, I_SEQ, I_NA = I_SEQ + 1 + F_COUNT_, I_NM, I_COUNT_ };
    enum { U_ID, U_SEQ, U_NA, U_NM, U_LAST, U_LOC, U_DATE, U_COUNT_ };
    struct s_arr ins[I_COUNT_], upd[U_COUNT_];
    for (int a = 0; a < I_COUNT_; a++)
        s_arr_init(&ins[a], a == I_SEQ || a == I_NA || a == I_NM ? OID_INT8 : OID_TEXT);
    for (int a = 0; a < U_COUNT_; a++)
        s_arr_init(&upd[a], a == U_SEQ || a == U_NA || a == U_NM ? OID_INT8 : OID_TEXT);
    size_t n_ins = 0, n_upd = 0;
    for (size_t i = 0; i < n; i++) {
        const struct s_evrow *r = &rows[i];
        if (r->insert) {
            n_ins++;
            s_arr_text(&ins[I_ID], r->id);
            s_arr_u64(&ins[I_SEQ], r->seq);
            for (int f = 0; f < F_COUNT_; f++)
                s_arr_text(&ins[I_SEQ + 1 + f], r->f[f]);
            s_arr_u64(&ins[I_NA], r->num_articles);
            s_arr_u64(&ins[I_NM], r->num_mentions);
        } else {
            n_upd++;
            s_arr_text(&upd[U_ID], r->id);
            s_arr_u64(&upd[U_SEQ], r->seq);
            s_arr_u64(&upd[U_NA], r->num_articles);
            s_arr_u64(&upd[U_NM], r->num_mentions);
            s_arr_text(&upd[U_LAST], r->f[F_LAST]);
            s_arr_text(&upd[U_LOC], r->f[F_LOC]);
            s_arr_text(&upd[U_DATE], r->f[F_DATE] ? r->f[F_DATE] : "");
        }
    }
    struct s_prm qi = {0}, qu = {0};
    for (int a = 0; a < I_COUNT_; a++)
        s_prm_arr(&qi, &ins[a]);
    for (int a = 0; a < U_COUNT_; a++)
        s_prm_arr(&qu, &upd[a]);
    int rc = 0;
    if (n_ins)
        rc = s_queue(p, "event insert", "events_insert", NULL, &qi, 0);
    /* Not prepared: a generic plan made while events is small could join it by scanning
     * it whole, as the event lookup once did. */
    if (rc == 0 && n_upd)
        rc = s_queue(p, "event update", NULL,
                     "UPDATE events e SET seq = u.seq, num_articles = u.na,"
                     " num_mentions = u.nm, last_seen = u.ls,"
                     " loc_country = COALESCE(u.loc, e.loc_country)"
                     " FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[],"
                     " $5::text[], $6::text[], $7::text[]) AS u(id, seq, na, nm, ls, loc, date)"
                     " WHERE " STORE_SQL_KEY_DATE("e.date") " = u.date AND e.id = u.id",
                     &qu, 0);
    for (int a = 0; a < I_COUNT_; a++)
        pl_buf_release(&ins[a].b);
    for (int a = 0; a < U_COUNT_; a++)
        pl_buf_release(&upd[a].b);
    return rc;
}

static int s_events_put(void *h, const struct store_event_row *rows, size_t n)
{
    struct pg *p = h;
    if (p->d.on)
        return s_d_events_put(p, rows, n);
    struct s_evrow *ev = pl_xcalloc(n ? n : 1, sizeof *ev);
    struct s_arr log[L_COUNT_];
    for (int a = 0; a < L_COUNT_; a++)
        s_arr_init(&log[a], s_log_oids[a]);
    for (size_t i = 0; i < n; i++) {
        ev[i] = s_evrow_of(rows[i].e, rows[i].is_new);
        s_arr_u64(&log[L_SEQ], rows[i].e->seq);
        s_arr_text(&log[L_EVENT], rows[i].e->id);
        s_arr_text(&log[L_DATE], rows[i].e->c.date);
        s_arr_bytea(&log[L_BODY], rows[i].body, rows[i].len);
    }
    struct s_prm ql = {0};
    for (int a = 0; a < L_COUNT_; a++)
        s_prm_arr(&ql, &log[a]);
    /* Queued: their results are read with the batch record's, at the release. */
    int rc = s_queue_events(p, ev, n);
    if (rc == 0 && n)
        rc = s_queue(p, "log insert", "log_insert", NULL, &ql, 0);
    for (int a = 0; a < L_COUNT_; a++)
        pl_buf_release(&log[a].b);
    free(ev);
    return rc;
}

/* --- the deferred group ------------------------------------------------------------------
 * What a group's batches would ask the database one by one is fetched once, at prefetch,
 * for all of them: their articles' numbers and stored batches, the mention ids and (event,
 * article) pairs of those articles, the current version of every event their mentions touch.
 * The group's own writes go into the same maps as it goes, so that a later batch of the
 * group sees an earlier one's rows, and into arrays sent at commit: mentions, pairs, events
 * (each once, as its last version leaves it), log rows, batches. */

static void s_arrs_open(struct s_arr *a, const uint32_t *oids, int n)
{
    for (int i = 0; i < n; i++)
        s_arr_open(&a[i], oids[i]);
}

/* Closes the arrays and makes them a statement's parameters. */
static void s_arrs_prm(struct s_arr *a, int n, struct s_prm *q)
{
    q->n = 0;
    for (int i = 0; i < n; i++)
        s_prm_arr(q, &a[i]);
}

static void s_defer_reset(struct s_defer *d)
{
    s_map_release(&d->arts);
    s_map_release(&d->batches);
    s_map_release(&d->mentions);
    s_map_release(&d->pairs);
    s_map_release(&d->events);
    for (size_t i = 0; i < d->n_evs; i++) {
        struct s_ev *e = &d->evs[i];
        pl_buf_release(&e->body);
        free(e->id);
        for (int f = 0; f < F_COUNT_; f++)
            free(e->f[f]);
    }
    d->n_evs = 0;
    s_arrs_open(d->m, s_m_oids, M_COUNT_);
    s_arrs_open(d->pr, s_pr_oids, P_COUNT_);
    s_arrs_open(d->lg, s_log_oids, L_COUNT_);
    s_arrs_open(d->bt, s_bt_oids, B_COUNT_);
    d->n_m = d->n_pr = d->n_lg = d->n_bt = 0;
    d->on = false;
}

/* "x<US>y": a key of two ids. */
static const char *s_key(struct s_defer *d, const char *x, const char *y)
{
    pl_buf_clear(&d->key);
    pl_buf_puts(&d->key, x);
    pl_buf_putc(&d->key, '\x1f');
    pl_buf_puts(&d->key, y);
    return d->key.data;
}

/* The entry of event id, made (nothing known) when there is none. */
static struct s_ev *s_d_event(struct s_defer *d, const char *id)
{
    bool added;
    struct s_val *v = s_map_add(&d->events, id, &added);
    if (added) {
        if (d->n_evs == d->cap_evs) {
            d->cap_evs = d->cap_evs ? 2 * d->cap_evs : 256;
            d->evs = pl_xrealloc(d->evs, d->cap_evs * sizeof *d->evs);
        }
        v->a = d->n_evs++;
        struct s_ev *e = &d->evs[v->a];
        memset(e, 0, sizeof *e);
        e->id = pl_xstrdup(id);
    }
    return &d->evs[v->a];
}

static void s_d_found(struct s_ev *e, const void *body, size_t len)
{
    e->have = e->in_db = true;
    pl_buf_clear(&e->body);
    pl_buf_append(&e->body, body, len);
}

static int s_prefetch(void *h, const struct pl_article_ref *arts, size_t n_arts,
                      const char *const *ids, const char *const *dates, size_t n_ids,
                      const char *now)
{
    struct pg *p = h;
    struct s_defer *d = &p->d;
    d->on = true;
    enum { R_ID, R_URL, R_OUTLET, R_TITLE, R_PUBLISHED, R_AT, R_COUNT_ };
    struct s_arr a[R_COUNT_], aids, eids, edates;
    for (int k = 0; k < R_COUNT_; k++)
        s_arr_init(&a[k], OID_TEXT);
    s_arr_init(&aids, OID_TEXT);
    s_arr_init(&eids, OID_TEXT);
    s_arr_init(&edates, OID_TEXT);
    for (size_t i = 0; i < n_arts; i++) {
        bool added;
        s_map_add(&d->arts, arts[i].id, &added);
        if (!added)
            continue;
        s_arr_text(&a[R_ID], arts[i].id);
        s_arr_text(&a[R_URL], arts[i].url);
        s_arr_text(&a[R_OUTLET], arts[i].outlet);
        s_arr_text(&a[R_TITLE], arts[i].title);
        s_arr_text(&a[R_PUBLISHED], arts[i].published);
        s_arr_text(&a[R_AT], now);
        s_arr_text(&aids, arts[i].id);
    }
    size_t n_want = 0;
    for (size_t i = 0; i < n_ids; i++) {
        size_t before = d->n_evs;
        s_d_event(d, ids[i]);
        if (d->n_evs > before) {
            s_arr_text(&eids, ids[i]);
            s_arr_text(&edates, dates[i] ? dates[i] : "");
            n_want++;
        }
    }
    struct s_prm qa = {0}, qi = {0}, qe = {0};
    s_arrs_prm(a, R_COUNT_, &qa);
    s_prm_arr(&qi, &aids);
    s_prm_arr(&qe, &eids);
    s_prm_arr(&qe, &edates);
    int first = p->queued + 2; /* BEGIN is queued before, the planner settings first */
    /* Every statement of the group reads by index, a few rows for each of its keys: left
     * to choose, the planner read mentions whole into a hash join while the table had no
     * statistics yet (10 ms a group at 30,000 mentions, growing with the table). */
    int rc = s_queue(p, "planner", NULL, "SET LOCAL enable_hashjoin = off", NULL, 0);
    if (rc == 0)
        rc = s_queue(p, "planner", NULL, "SET LOCAL enable_mergejoin = off", NULL, 0);
    if (rc == 0)
        rc = s_queue(p, "article insert", "articles_add", NULL, &qa, 0);
    if (rc == 0)
        rc = s_queue(p, "article lookup", NULL,
                     "SELECT a.id, a.no, b.xv, b.first_seq, b.count FROM articles a"
                     " LEFT JOIN batches b ON b.article_no = a.no WHERE a.id = ANY ($1::text[])",
                     &qi, 0);
    if (rc == 0)
        rc = s_queue(p, "mention lookup", NULL,
                     "SELECT a.id, m.id FROM articles a JOIN mentions m ON m.article_no = a.no"
                     " WHERE a.id = ANY ($1::text[])",
                     &qi, 0);
    if (rc == 0)
        rc = s_queue(p, "pair lookup", NULL,
                     "SELECT a.id, x.event_id FROM articles a"
                     " JOIN event_articles x ON x.article_no = a.no WHERE a.id = ANY ($1::text[])",
                     &qi, 0);
    if (rc == 0 && n_want)
        rc = s_queue(p, "event lookup", NULL, PG_EVENTS_GET, &qe, 1);
    for (int k = 0; k < R_COUNT_; k++)
        pl_buf_release(&a[k].b);
    pl_buf_release(&aids.b);
    pl_buf_release(&eids.b);
    pl_buf_release(&edates.b);
    PGresult *all[PG_QUEUE];
    if (rc != 0) {
        s_sync(p, NULL);
        return -1;
    }
    if (s_sync(p, all) != 0)
        return -1;
    PGresult *r = all[first + 1];
    bool added;
    for (int k = 0; k < PQntuples(r); k++) {
        const char *id = PQgetvalue(r, k, 0);
        struct s_val *v = s_map_get(&d->arts, id);
        if (v)
            *v = (struct s_val){s_u64(PQgetvalue(r, k, 1)), 1};
        if (!PQgetisnull(r, k, 2)) {
            v = s_map_add(&d->batches, s_key(d, id, PQgetvalue(r, k, 2)), &added);
            *v = (struct s_val){s_u64(PQgetvalue(r, k, 3)), s_u64(PQgetvalue(r, k, 4))};
        }
    }
    r = all[first + 2];
    for (int k = 0; k < PQntuples(r); k++)
        s_map_add(&d->mentions, s_key(d, PQgetvalue(r, k, 0), PQgetvalue(r, k, 1)), &added);
    r = all[first + 3];
    for (int k = 0; k < PQntuples(r); k++)
        s_map_add(&d->pairs, s_key(d, PQgetvalue(r, k, 0), PQgetvalue(r, k, 1)), &added);
    r = n_want ? all[first + 4] : NULL;
    for (int k = 0; r && k < PQntuples(r); k++) {
        pl_buf_clear(&d->key); /* a binary text value: its bytes */
        pl_buf_append(&d->key, PQgetvalue(r, k, 0), (size_t)PQgetlength(r, k, 0));
        struct s_val *v = s_map_get(&d->events, d->key.data);
        if (v)
            s_d_found(&d->evs[v->a], PQgetvalue(r, k, 1), (size_t)PQgetlength(r, k, 1));
    }
    for (int k = 0; k < PG_QUEUE; k++)
        PQclear(all[k]);
    return 0;
}

/* The number of an article of the group. */
static int s_d_article_no(struct pg *p, const char *article, uint64_t *no)
{
    struct s_val *v = s_map_get(&p->d.arts, article);
    if (!v || !v->b) {
        snprintf(p->err, sizeof p->err, "article %s is not stored", article);
        return -1;
    }
    *no = v->a;
    return 0;
}

static int s_d_article_put(struct pg *p, const struct pl_article_ref *a)
{
    uint64_t no;
    return s_d_article_no(p, a->id, &no); /* stored at prefetch */
}

static int s_d_batch_get(struct pg *p, const char *article, const char *xv, uint64_t *first,
                         uint32_t *count)
{
    struct s_val *v = s_map_get(&p->d.batches, s_key(&p->d, article, xv));
    if (!v)
        return 0;
    *first = v->a;
    *count = (uint32_t)v->b;
    return 1;
}

static int s_d_batch_put(struct pg *p, const char *article, const char *xv, uint64_t first,
                         uint32_t count, uint32_t mentions, const char *now)
{
    struct s_defer *d = &p->d;
    uint64_t no;
    if (s_d_article_no(p, article, &no) != 0)
        return -1;
    bool added;
    *s_map_add(&d->batches, s_key(d, article, xv), &added) = (struct s_val){first, count};
    s_arr_u64(&d->bt[B_NO], no);
    s_arr_text(&d->bt[B_XV], xv);
    s_arr_u64(&d->bt[B_FIRST], first);
    s_arr_u64(&d->bt[B_COUNT], count);
    s_arr_u64(&d->bt[B_MENTIONS], mentions);
    s_arr_text(&d->bt[B_AT], now);
    d->n_bt++;
    return s_send_early(p); /* the batch is done: its rows may go */
}

/* A mention is new when its id is neither stored nor earlier in the group; the first new
 * mention of an event in an article makes the pair (as the immediate statement does). */
static int s_d_mentions_put(struct pg *p, const char *article, const char *xv,
                            struct store_mention_row *rows, size_t n)
{
    struct s_defer *d = &p->d;
    uint64_t no;
    if (s_d_article_no(p, article, &no) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        bool added;
        s_map_add(&d->mentions, s_key(d, article, rows[i].id), &added);
        rows[i].is_new = added;
        rows[i].new_article = false;
        if (!added)
            continue;
        s_arr_u64(&d->m[M_NO], no);
        s_arr_text(&d->m[M_ID], rows[i].id);
        s_arr_text(&d->m[M_XV], xv);
        s_arr_text(&d->m[M_EVENT], rows[i].event_id);
        s_arr_bytea(&d->m[M_BODY], rows[i].body, rows[i].len);
        d->n_m++;
        s_map_add(&d->pairs, s_key(d, article, rows[i].event_id), &added);
        if (added) {
            rows[i].new_article = true;
            s_arr_u64(&d->pr[P_NO], no);
            s_arr_text(&d->pr[P_EVENT], rows[i].event_id);
            d->n_pr++;
        }
    }
    return 0;
}

/* From the group's entries; an event it has none for (db.c had it cached at prefetch, and
 * has had it pushed out since) is read from the database, which has its current version:
 * the group would have an entry had it changed it. */
static int s_d_events_get(struct pg *p, const char *const *ids, const char *const *dates, size_t n,
                          struct pl_buf *bodies, bool *found)
{
    struct s_defer *d = &p->d;
    const char **miss = pl_xcalloc(n ? n : 1, sizeof *miss);
    const char **miss_date = pl_xcalloc(n ? n : 1, sizeof *miss_date);
    size_t *at = pl_xcalloc(n ? n : 1, sizeof *at), n_miss = 0;
    for (size_t i = 0; i < n; i++) {
        struct s_val *v = s_map_get(&d->events, ids[i]);
        found[i] = false;
        if (!v) {
            at[n_miss] = i;
            miss_date[n_miss] = dates[i];
            miss[n_miss++] = ids[i];
        } else if (d->evs[v->a].have) {
            found[i] = true;
            pl_buf_clear(&bodies[i]);
            pl_buf_append(&bodies[i], d->evs[v->a].body.data, d->evs[v->a].body.len);
        }
    }
    int rc = 0;
    if (n_miss) {
        struct pl_buf *b = pl_xcalloc(n_miss, sizeof *b);
        bool *f = pl_xcalloc(n_miss, sizeof *f);
        rc = s_events_query(p, miss, miss_date, n_miss, b, f);
        for (size_t k = 0; k < n_miss; k++) {
            if (rc == 0 && f[k]) {
                found[at[k]] = true;
                pl_buf_clear(&bodies[at[k]]);
                pl_buf_append(&bodies[at[k]], b[k].data, b[k].len);
                s_d_found(s_d_event(d, miss[k]), b[k].data, b[k].len);
            }
            pl_buf_release(&b[k]);
        }
        free(b);
        free(f);
    }
    free(miss);
    free(miss_date);
    free(at);
    return rc;
}

static void s_set(char **slot, const char *v)
{
    free(*slot);
    *slot = v ? pl_xstrdup(v) : NULL;
}

static int s_d_events_put(struct pg *p, const struct store_event_row *rows, size_t n)
{
    struct s_defer *d = &p->d;
    for (size_t i = 0; i < n; i++) {
        struct s_evrow r = s_evrow_of(rows[i].e, rows[i].is_new);
        size_t before = d->n_evs;
        struct s_ev *e = s_d_event(d, r.id);
        if (d->n_evs > before) /* no entry: it came from db.c's cache, so it is stored */
            e->in_db = true;
        if (rows[i].is_new)
            e->in_db = false;
        e->have = e->put = true;
        pl_buf_clear(&e->body);
        pl_buf_append(&e->body, rows[i].body, rows[i].len);
        e->seq = r.seq;
        e->num_articles = r.num_articles;
        e->num_mentions = r.num_mentions;
        for (int f = 0; f < F_COUNT_; f++)
            s_set(&e->f[f], r.f[f]);
        s_arr_u64(&d->lg[L_SEQ], r.seq);
        s_arr_text(&d->lg[L_EVENT], r.id);
        s_arr_text(&d->lg[L_DATE], r.f[F_DATE]);
        s_arr_bytea(&d->lg[L_BODY], rows[i].body, rows[i].len);
        d->n_lg++;
    }
    return 0;
}

/* Queues the rows the group has written since the last time - mentions, pairs, versions,
 * batches, each final once written - and starts new arrays for the next. */
static int s_send_rows(struct pg *p)
{
    struct s_defer *d = &p->d;
    struct s_prm v;
    int rc = 0;
    if (d->n_m) {
        s_arrs_prm(d->m, M_COUNT_, &v);
        rc = s_queue(p, "mention insert", "mentions_add", NULL, &v, 0);
    }
    if (rc == 0 && d->n_pr) {
        s_arrs_prm(d->pr, P_COUNT_, &v);
        rc = s_queue(p, "pair insert", "pairs_add", NULL, &v, 0);
    }
    if (rc == 0 && d->n_lg) {
        s_arrs_prm(d->lg, L_COUNT_, &v);
        rc = s_queue(p, "log insert", "log_insert", NULL, &v, 0);
    }
    if (rc == 0 && d->n_bt) {
        s_arrs_prm(d->bt, B_COUNT_, &v);
        rc = s_queue(p, "batch insert", "batches_add", NULL, &v, 0);
    }
    s_arrs_open(d->m, s_m_oids, M_COUNT_);
    s_arrs_open(d->pr, s_pr_oids, P_COUNT_);
    s_arrs_open(d->lg, s_log_oids, L_COUNT_);
    s_arrs_open(d->bt, s_bt_oids, B_COUNT_);
    d->n_m = d->n_pr = d->n_lg = d->n_bt = 0;
    return rc;
}

/* After each batch of a deferred group: once enough rows have gathered, they go to the
 * server now, which stores them while the next batches merge (their results are read at
 * the commit's sync, a failure among them making the group go again batch by batch). The
 * queue keeps room for the commit's statements. */
static int s_send_early(struct pg *p)
{
    if (p->d.n_m + p->d.n_lg < PG_EARLY_ROWS || p->queued + 4 > PG_QUEUE - 8)
        return 0;
    if (s_send_rows(p) != 0)
        return -1;
    if (PQflush(p->c) != 0)
        return s_fail(p, "sending rows", NULL);
    return 0;
}

/* Queues the group's remaining writes: its rows, then each event it changed, once, as its
 * last version leaves it. */
static int s_flush(struct pg *p)
{
    struct s_defer *d = &p->d;
    int rc = s_send_rows(p);
    size_t n_put = 0;
    struct s_evrow *ev = pl_xcalloc(d->n_evs ? d->n_evs : 1, sizeof *ev);
    for (size_t i = 0; i < d->n_evs; i++) {
        const struct s_ev *e = &d->evs[i];
        if (!e->put)
            continue;
        struct s_evrow *r = &ev[n_put++];
        *r = (struct s_evrow){.insert = !e->in_db,
                              .id = e->id,
                              .seq = e->seq,
                              .num_articles = e->num_articles,
                              .num_mentions = e->num_mentions};
        for (int f = 0; f < F_COUNT_; f++)
            r->f[f] = e->f[f];
    }
    if (rc == 0 && n_put)
        rc = s_queue_events(p, ev, n_put);
    free(ev);
    return rc;
}

/* Big-endian int8 of a binary result. */
static uint64_t s_be64(const char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | (unsigned char)b[i];
    return v;
}

static int s_read(void *h, bool from_log, uint64_t after, const struct pl_filter *f, uint32_t max,
                  store_event_fn fn, void *arg)
{
    struct pg *p = h;
    s_unpipe(p); /* reads run outside pipeline mode */
    struct pl_buf sql;
    pl_buf_init(&sql);
    struct store_sql_params prm;
    bool filtered = store_filter_any(f);
    /* The current events are the log's rows that are their event's current version (events
     * has no index on seq: see migration 5). Unfiltered, the log is walked in order, each row
     * checked against its event, until the page is full: the planner, which cannot know how
     * many rows are current, is kept from reading the whole rest of the log to sort it
     * (enable_sort and enable_bitmapscan off for the statement; 0.15 s against 0.8 s a page
     * of 4,096 over a log of 200,000). Filtered, the matching events are found by their
     * indexes first. The log's versions with a filter (SINCE) are walked the same way, each
     * row's event looked up by its key, until the page is full: left to choose, the planner
     * read the whole log into a hash join for every page (0.21 s against 0.08 s a page over
     * a log of 200,000 versions, and a replay of n pages read it n times). */
    bool walk = (!from_log && !filtered) || (from_log && filtered);
    if (from_log && !filtered)
        pl_buf_puts(&sql, "SELECT l.seq, l.body FROM log l WHERE l.seq > $1");
    else if (from_log)
        pl_buf_puts(&sql, "SELECT l.seq, l.body FROM log l JOIN events e ON " PG_LOG_EVENT
                          " WHERE l.seq > $1");
    else if (!filtered)
        pl_buf_puts(&sql, "SELECT l.seq, l.body FROM log l WHERE l.seq > $1"
                          " AND l.seq = (SELECT e.seq FROM events e WHERE " PG_LOG_EVENT ")");
    else
        pl_buf_puts(&sql, "SELECT l.seq, l.body FROM log l JOIN events e ON " PG_LOG_EVENT
                          " WHERE l.seq > $1 AND e.seq = l.seq AND e.seq > $1");
    store_sql_filter(f, &sql, &prm, true, 2);
    pl_buf_printf(&sql, " ORDER BY l.seq LIMIT %u", max);
    char a[24];
    snprintf(a, sizeof a, "%llu", (unsigned long long)after);
    const char *v[1 + STORE_SQL_MAX_PARAMS];
    v[0] = a;
    for (int i = 0; i < prm.n; i++)
        v[i + 1] = prm.v[i];
    if (walk && s_exec(p, "SET enable_sort = off; SET enable_bitmapscan = off;"
                          " SET enable_hashjoin = off; SET enable_mergejoin = off") != 0) {
        pl_buf_release(&sql);
        return -1;
    }
    /* Row by row (single-row mode): the caller decodes each row while the server is still
     * reading and sending the next ones, where a whole result had it wait for the last. */
    int rc = 0;
    bool stop = false;
    if (PQsendQueryParams(p->c, sql.data, 1 + prm.n, NULL, v, NULL, NULL, 1) != 1) {
        rc = s_fail(p, "read", NULL);
    } else {
        PQsetSingleRowMode(p->c); /* when it cannot be had, the result comes whole */
        PGresult *r;
        while ((r = PQgetResult(p->c)) != NULL) {
            ExecStatusType st = PQresultStatus(r);
            if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK) {
                if (rc == 0)
                    rc = s_fail(p, "read", r);
                PQclear(r);
                continue;
            }
            /* after the caller had enough, the rest (at most a page) is read and dropped */
            for (int i = 0; !stop && i < PQntuples(r); i++) {
                if (PQgetlength(r, i, 0) != 8)
                    continue;
                stop = fn(s_be64(PQgetvalue(r, i, 0)), PQgetvalue(r, i, 1),
                          (size_t)PQgetlength(r, i, 1), arg) != 0;
            }
            PQclear(r);
        }
    }
    pl_buf_release(&sql);
    if (walk && s_exec(p, "RESET enable_sort; RESET enable_bitmapscan; RESET enable_hashjoin;"
                          " RESET enable_mergejoin") != 0)
        return -1;
    return rc;
}

static int s_fail_statement(void *h)
{
    struct pg *p = h;
    if (p->d.on) { /* among the rows the group has sent ahead, at once */
        if (s_send_rows(p) != 0)
            return -1;
        return s_queue(h, "failing statement", NULL, "SELECT 1/0", NULL, 0);
    }
    return s_queue(h, "failing statement", NULL, "SELECT 1/0", NULL, 0); /* division by zero */
}

static bool s_lost(void *h);
static int s_reconnect(void *h);

static const struct store_db_ops s_ops = {
    .name = "postgres",
    .close = s_close,
    .errmsg = s_errmsg,
    .begin = s_begin,
    .commit = s_commit,
    .rollback = s_rollback,
    .savepoint = s_savepoint,
    .release = s_release,
    .rollback_to = s_rollback_to,
    .fail_statement = s_fail_statement,
    .head = s_head,
    .batch_get = s_batch_get,
    .batch_put = s_batch_put,
    .article_put = s_article_put,
    .mentions_put = s_mentions_put,
    .events_get = s_events_get,
    .events_put = s_events_put,
    .prefetch = s_prefetch,
    .read = s_read,
    .lost = s_lost,
    .reconnect = s_reconnect,
};

static int s_version(struct pg *p, int *version)
{
    if (s_exec(p, "CREATE TABLE IF NOT EXISTS parley_meta (key TEXT PRIMARY KEY,"
                  " value TEXT NOT NULL)") != 0)
        return -1;
    PGresult *r = PQexec(p->c, "SELECT value FROM parley_meta WHERE key = 'schema_version'");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        s_fail(p, "schema version", r);
        PQclear(r);
        return -1;
    }
    *version = PQntuples(r) ? (int)strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return 0;
}

static int s_migrate(struct pg *p)
{
    int version;
    if (s_version(p, &version) != 0)
        return -1;
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(p->err, sizeof p->err,
                 "the database has schema version %d, newer than this parley's %d: use a "
                 "newer parley",
                 version, STORE_SCHEMA_VERSION);
        return -1;
    }
    for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
        char *sql = store_sql_migration(v, false);
        char set[160];
        snprintf(set, sizeof set,
                 "INSERT INTO parley_meta (key, value) VALUES ('schema_version', '%d')"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 v + 1);
        int bad = s_exec(p, "BEGIN") != 0 || s_exec(p, sql) != 0 || s_exec(p, set) != 0 ||
                  s_exec(p, "COMMIT") != 0;
        free(sql);
        if (bad) {
            char why[sizeof p->err];
            snprintf(why, sizeof why, "%s", p->err);
            s_keep_exec(p, "ROLLBACK");
            snprintf(p->err, sizeof p->err, "migrating from schema %d to %d: %.400s", v, v + 1,
                     why);
            return -1;
        }
    }
    return 0;
}

/* The session as the store wants it: its settings, the writer's lock, the schema (brought
 * forward at open; on a reconnect it must still be the one this store writes) and the
 * prepared statements. lock_tries: how many times to ask for the lock, 100 ms apart. */
static int s_session(struct pg *p, bool migrate, int lock_tries)
{
    /* Every statement of the store reads or writes a few rows by key, or a page of rows:
     * compiling one (JIT, which the planner asks for when it guesses a large cost, as for a
     * walk of the log that stops at its LIMIT) took longer than running it, and workers in
     * parallel (a Gather Merge over that walk) made it slower too. */
    if (s_exec(p, "SET client_min_messages = warning") != 0 || s_exec(p, "SET jit = off") != 0 ||
        s_exec(p, "SET max_parallel_workers_per_gather = 0") != 0)
        return -1;
    /* The server's side of the same: a session whose store vanished without a word (a
     * network cut) ends within about 30 s, and with it the writer's lock, which the store
     * needs back when it reconnects (the server's default would keep it two hours). */
    if (s_exec(p, "SET tcp_keepalives_idle = 15") != 0 ||
        s_exec(p, "SET tcp_keepalives_interval = 5") != 0 ||
        s_exec(p, "SET tcp_keepalives_count = 3") != 0)
        return -1;
    /* A store that just stopped may still hold the lock for a moment: the server ends its
     * session after the client has gone. So try for a few seconds before refusing. */
    bool locked = false;
    for (int tries = 0; tries < lock_tries && !locked; tries++) {
        if (tries > 0) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        PGresult *r = PQexec(p->c, "SELECT pg_try_advisory_lock(" PG_LOCK_KEY ")");
        bool answered = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        locked = answered && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        if (!answered)
            s_fail(p, "cannot take the writer's lock", r);
        PQclear(r);
        if (!answered)
            return -1;
    }
    if (!locked) {
        snprintf(p->err, sizeof p->err,
                 "another parley-store is writing to this database (advisory lock held for "
                 "%d.%d s); a database has one writer",
                 lock_tries / 10, lock_tries % 10);
        return -1;
    }
    if (migrate) {
        if (s_migrate(p) != 0)
            return -1;
    } else {
        int version;
        if (s_version(p, &version) != 0)
            return -1;
        if (version != STORE_SCHEMA_VERSION) {
            snprintf(p->err, sizeof p->err,
                     "the database's schema is version %d now, not %d as when this store "
                     "opened it",
                     version, STORE_SCHEMA_VERSION);
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof s_prep / sizeof s_prep[0]; i++) {
        PGresult *pr = PQprepare(p->c, s_prep[i][0], s_prep[i][1], 0, NULL);
        if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
            s_fail(p, s_prep[i][0], pr);
            PQclear(pr);
            return -1;
        }
        PQclear(pr);
    }
    return 0;
}

static bool s_lost(void *h)
{
    struct pg *p = h;
    return PQstatus(p->c) == CONNECTION_BAD;
}

/* The old connection's transaction and pipeline went with it; PQreset connects again with
 * the same parameters (so within connect_timeout). The lock is asked for only a few times:
 * the store's event loop waits meanwhile, and the store tries again later anyway. */
static int s_reconnect(void *h)
{
    struct pg *p = h;
    s_defer_reset(&p->d);
    p->piped = false;
    p->queued = 0;
    PQreset(p->c);
    if (PQstatus(p->c) != CONNECTION_OK)
        return s_fail(p, "cannot connect to PostgreSQL", NULL);
    return s_session(p, false, 5);
}

/* Connection defaults that the configured conninfo may override (it comes last): give up
 * on a server that does not answer within 10 s, and notice a connection whose peer vanished
 * without a word (a network cut) within about half a minute, not the system's two hours. */
static PGconn *s_connect(const char *conninfo)
{
    const char *const keys[] = {"connect_timeout",  "keepalives_idle", "keepalives_interval",
                                "keepalives_count", "dbname",          NULL};
    const char *const vals[] = {"10", "15", "5", "3", conninfo ? conninfo : "", NULL};
    return PQconnectdbParams(keys, vals, 1);
}

void *store_pg_open(const struct store_db_config *cfg, const struct store_db_ops **ops, char *err,
                    size_t errlen)
{
    if (cfg->read_only) {
        snprintf(err, errlen, "--db reads SQLite files; query a PostgreSQL store through it");
        return NULL;
    }
    struct pg *p = pl_xcalloc(1, sizeof *p);
    p->c = s_connect(cfg->conninfo);
    if (PQstatus(p->c) != CONNECTION_OK) {
        s_fail(p, "cannot connect to PostgreSQL", NULL);
        goto fail;
    }
    if (s_session(p, true, 30) != 0)
        goto fail;
    *ops = &s_ops;
    return p;
fail:
    snprintf(err, errlen, "%s", p->err);
    s_close(p);
    return NULL;
}
