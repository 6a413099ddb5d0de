/* db_pg.c - the PostgreSQL backend (libpq), for deployments that outgrow one machine.
 *
 * The same tables and migrations as SQLite (db_sql.c). The schema version lives in
 * parley_meta. One writer: the store takes a session advisory lock when it connects and
 * refuses to start when another store holds it, since seqs are assigned by the writer
 * inside its transaction. Statements are prepared once; event bodies go in and come out
 * as binary bytea. Every call blocks; parley-store is single-threaded anyway. A batch's
 * mentions go in one statement and its event versions in three sent as one pipeline, their
 * rows as arrays (see "sets of rows").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "db_backend.h"
#include "db_sql.h"

/* pg_try_advisory_lock key: "parley" in ASCII. */
#define PG_LOCK_KEY "112971114108101121"

/* Statements queued in a transaction's pipeline before their results are read. */
#define PG_QUEUE 32

struct pg {
    PGconn *c;
    char err[512];
    bool piped;                 /* an ingest transaction is open, in pipeline mode */
    int queued;                 /* statements sent since the last sync */
    const char *what[PG_QUEUE]; /* what each is, for error messages */
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
     " loc_country, num_articles, num_mentions, first_seen, last_seen) SELECT * FROM"
     " unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],"
     " $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::text[],"
     " $13::text[])"},
    {"log_insert", "INSERT INTO log (seq, event_id, body)"
                   " SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])"},
};

static const char *s_errmsg(void *h)
{
    return ((struct pg *)h)->err;
}

static int s_fail(struct pg *p, const char *what, const PGresult *r)
{
    const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(p->c);
    snprintf(p->err, sizeof p->err, "%s: %s", what, m && *m ? m : PQerrorMessage(p->c));
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

static void s_close(void *h)
{
    struct pg *p = h;
    if (!p)
        return;
    PQfinish(p->c);
    free(p);
}

/* --- the transaction's pipeline --------------------------------------------------------
 * An ingest transaction runs in libpq pipeline mode: statements whose results are not
 * needed at once (the savepoint, the article, the event versions, the batch record) are
 * queued, and read at the next sync - when a statement whose result is needed is sent
 * (batch lookup, mentions, event lookup) or at the end of each batch (release). A batch
 * takes four round trips instead of eight, and a failure still shows within its batch. */

/* Queues a statement: prepared (name) or not (sql); text parameters; result format rfmt. */
static int s_queue(struct pg *p, const char *what, const char *name, const char *sql, int n,
                   const char *const *vals, int rfmt)
{
    if (p->queued == PG_QUEUE) {
        snprintf(p->err, sizeof p->err, "%s: too many statements queued", what);
        return -1;
    }
    int ok = name ? PQsendQueryPrepared(p->c, name, n, vals, NULL, NULL, rfmt)
                  : PQsendQueryParams(p->c, sql, n, NULL, vals, NULL, NULL, rfmt);
    if (ok != 1)
        return s_fail(p, what, NULL);
    p->what[p->queued++] = what;
    return 0;
}

/* Sends a sync and reads the result of every queued statement; the first failure goes to
 * err. With keep, the last statement's result is handed over (the caller clears it). */
static int s_sync(struct pg *p, PGresult **keep)
{
    if (keep)
        *keep = NULL;
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
        } else if (keep && i == n - 1 && rc == 0) {
            *keep = r;
            r = NULL;
        }
        i++;
        PQclear(r);
    }
    if (rc == 0 && i != n) {
        snprintf(p->err, sizeof p->err, "pipeline: %d results for %d statements", i, n);
        rc = -1;
    }
    if (rc != 0 && keep && *keep) {
        PQclear(*keep);
        *keep = NULL;
    }
    return rc;
}

/* Queues one statement and reads everything queued: its result, or NULL (err says why). */
static PGresult *s_ask(struct pg *p, const char *what, const char *name, const char *sql, int n,
                       const char *const *vals, int rfmt)
{
    PGresult *r = NULL;
    if (s_queue(p, what, name, sql, n, vals, rfmt) != 0) {
        s_sync(p, NULL);
        return NULL;
    }
    if (s_sync(p, &r) != 0)
        return NULL;
    return r;
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

static int s_begin(void *h)
{
    struct pg *p = h;
    if (s_exec(p, "BEGIN") != 0)
        return -1;
    if (PQenterPipelineMode(p->c) != 1)
        return s_fail(p, "pipeline mode", NULL);
    p->piped = true;
    p->queued = 0;
    return 0;
}

static int s_commit(void *h)
{
    struct pg *p = h;
    if (p->piped && p->queued && s_sync(p, NULL) != 0)
        return -1;
    if (p->piped && PQexitPipelineMode(p->c) != 1)
        return s_fail(p, "pipeline mode", NULL);
    p->piped = false;
    return s_exec(p, "COMMIT");
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
    s_unpipe(p);
    if (PQtransactionStatus(p->c) == PQTRANS_IDLE)
        return 0;
    return s_keep_exec(p, "ROLLBACK");
}

static int s_savepoint(void *h)
{
    return s_queue(h, "savepoint", NULL, "SAVEPOINT batch", 0, NULL, 0);
}

static int s_release(void *h)
{
    struct pg *p = h;
    if (s_queue(p, "release", NULL, "RELEASE SAVEPOINT batch", 0, NULL, 0) != 0) {
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
    int rc = s_queue(p, "rollback to", NULL, "ROLLBACK TO SAVEPOINT batch", 0, NULL, 0);
    if (rc == 0)
        rc = s_queue(p, "release", NULL, "RELEASE SAVEPOINT batch", 0, NULL, 0);
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
    const char *v[] = {article, xv};
    PGresult *r = s_ask(h, "batch lookup", "batch_get", NULL, 2, v, 0);
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
    char f[24], c[16], m[16];
    snprintf(f, sizeof f, "%llu", (unsigned long long)first);
    snprintf(c, sizeof c, "%u", count);
    snprintf(m, sizeof m, "%u", mentions);
    const char *v[] = {article, xv, f, c, m, now};
    return s_queue(h, "batch insert", "batch_put", NULL, 6, v, 0);
}

static int s_article_put(void *h, const struct pl_article_ref *a, const char *now)
{
    const char *v[] = {a->id, a->url, a->outlet, a->title, a->published, now};
    return s_queue(h, "article insert", "article_put", NULL, 6, v, 0);
}

/* --- sets of rows ---------------------------------------------------------------------------
 * A batch's mentions go in one statement and its event versions in three (events inserted,
 * events updated, log rows), each taking its rows as arrays (unnest): the server runs a few
 * statements per batch instead of several per mention, and the three go as one pipeline
 * (libpq pipeline mode: one round trip). The arrays travel as text literals; every element
 * is quoted, bodies as bytea hex. */

static void s_arr_open(struct pl_buf *b)
{
    pl_buf_clear(b);
    pl_buf_putc(b, '{');
}

static void s_arr_close(struct pl_buf *b)
{
    pl_buf_putc(b, '}');
}

/* A text element: NULL, or the value quoted with " and \ escaped. */
static void s_arr_text(struct pl_buf *b, const char *v)
{
    if (b->len > 1)
        pl_buf_putc(b, ',');
    if (!v) {
        pl_buf_puts(b, "NULL");
        return;
    }
    pl_buf_putc(b, '"');
    for (const char *c = v; *c; c++) {
        if (*c == '"' || *c == '\\')
            pl_buf_putc(b, '\\');
        pl_buf_putc(b, *c);
    }
    pl_buf_putc(b, '"');
}

static void s_arr_u64(struct pl_buf *b, uint64_t v)
{
    if (b->len > 1)
        pl_buf_putc(b, ',');
    pl_buf_printf(b, "%llu", (unsigned long long)v);
}

/* A bytea element in hex: "\\x0a1b..." (the backslash escaped for the array literal). */
static void s_arr_bytea(struct pl_buf *b, const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (b->len > 1)
        pl_buf_putc(b, ',');
    pl_buf_puts(b, "\"\\\\x");
    pl_buf_reserve(b, 2 * len + 2);
    const unsigned char *d = data;
    for (size_t i = 0; i < len; i++) {
        b->data[b->len++] = hex[d[i] >> 4];
        b->data[b->len++] = hex[d[i] & 15];
    }
    b->data[b->len] = '\0';
    pl_buf_putc(b, '"');
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
    struct pl_buf ids, evs, bodies;
    pl_buf_init(&ids);
    pl_buf_init(&evs);
    pl_buf_init(&bodies);
    s_arr_open(&ids);
    s_arr_open(&evs);
    s_arr_open(&bodies);
    for (size_t i = 0; i < n; i++) {
        s_arr_text(&ids, rows[i].id);
        s_arr_text(&evs, rows[i].event_id);
        s_arr_bytea(&bodies, rows[i].body, rows[i].len);
        rows[i].is_new = rows[i].new_article = false;
    }
    s_arr_close(&ids);
    s_arr_close(&evs);
    s_arr_close(&bodies);
    /* The mentions whose ids are new, then the (event, article) pairs those made new. */
    const char *v[] = {ids.data, article, xv, evs.data, bodies.data};
    PGresult *r = s_ask(p, "mention insert", "mentions_put", NULL, 5, v, 0);
    pl_buf_release(&ids);
    pl_buf_release(&evs);
    pl_buf_release(&bodies);
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

static int s_events_get(void *h, const char *const *ids, size_t n, struct pl_buf *bodies,
                        bool *found)
{
    struct pg *p = h;
    struct pl_buf arr;
    pl_buf_init(&arr);
    s_arr_open(&arr);
    for (size_t i = 0; i < n; i++)
        s_arr_text(&arr, ids[i]);
    s_arr_close(&arr);
    /* Not prepared: a plan made once, while the tables were small, scanned both tables in
     * full for every batch (ingest fell from 1,700 to 700 mentions/s within 3,000 articles);
     * planned each time with the ids at hand, it reads them by index. */
    const char *v[] = {arr.data};
    PGresult *r = s_ask(p, "event lookup", NULL,
                        "SELECT e.id, l.body FROM events e JOIN log l ON l.seq = e.seq"
                        " WHERE e.id = ANY ($1::text[])",
                        1, v, 1);
    pl_buf_release(&arr);
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

enum {
    A_ID,
    A_SEQ,
    A_DATE,
    A_SRC,
    A_SRCC,
    A_TGT,
    A_TGTC,
    A_CAMEO,
    A_LOC,
    A_NA,
    A_NM,
    A_FIRST,
    A_LAST,
    A_COUNT_
};

static int s_events_put(void *h, const struct store_event_row *rows, size_t n)
{
    struct pg *p = h;
    /* new events (every column), changed events (the columns a merge changes), log rows */
    struct pl_buf ins[A_COUNT_], upd[6], log[3];
    for (int a = 0; a < A_COUNT_; a++)
        pl_buf_init(&ins[a]), s_arr_open(&ins[a]);
    for (int a = 0; a < 6; a++)
        pl_buf_init(&upd[a]), s_arr_open(&upd[a]);
    for (int a = 0; a < 3; a++)
        pl_buf_init(&log[a]), s_arr_open(&log[a]);
    size_t n_ins = 0, n_upd = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pl_event *e = rows[i].e;
        const struct pl_coding *c = &e->c;
        if (rows[i].is_new) {
            n_ins++;
            s_arr_text(&ins[A_ID], e->id);
            s_arr_u64(&ins[A_SEQ], e->seq);
            s_arr_text(&ins[A_DATE], c->date);
            s_arr_text(&ins[A_SRC], c->source.code);
            s_arr_text(&ins[A_SRCC], c->source.country);
            s_arr_text(&ins[A_TGT], c->has_target ? c->target.code : NULL);
            s_arr_text(&ins[A_TGTC], c->has_target ? c->target.country : NULL);
            s_arr_text(&ins[A_CAMEO], c->cameo);
            s_arr_text(&ins[A_LOC], c->has_location ? c->location.country : NULL);
            s_arr_u64(&ins[A_NA], e->num_articles);
            s_arr_u64(&ins[A_NM], e->num_mentions);
            s_arr_text(&ins[A_FIRST], e->first_seen);
            s_arr_text(&ins[A_LAST], e->last_seen);
        } else {
            n_upd++;
            s_arr_text(&upd[0], e->id);
            s_arr_u64(&upd[1], e->seq);
            s_arr_u64(&upd[2], e->num_articles);
            s_arr_u64(&upd[3], e->num_mentions);
            s_arr_text(&upd[4], e->last_seen);
            s_arr_text(&upd[5], rows[i].new_location ? c->location.country : NULL);
        }
        s_arr_u64(&log[0], e->seq);
        s_arr_text(&log[1], e->id);
        s_arr_bytea(&log[2], rows[i].body, rows[i].len);
    }
    const char *vi[A_COUNT_], *vu[6], *vl[3];
    for (int a = 0; a < A_COUNT_; a++)
        s_arr_close(&ins[a]), vi[a] = ins[a].data;
    for (int a = 0; a < 6; a++)
        s_arr_close(&upd[a]), vu[a] = upd[a].data;
    for (int a = 0; a < 3; a++)
        s_arr_close(&log[a]), vl[a] = log[a].data;
    /* Queued: their results are read with the batch record's, at the release. */
    int rc = 0;
    if (n_ins)
        rc = s_queue(p, "event insert", "events_insert", NULL, A_COUNT_, vi, 0);
    /* Not prepared: a generic plan made while events is small could join it by scanning
     * it whole, as the event lookup once did. */
    if (rc == 0 && n_upd)
        rc = s_queue(p, "event update", NULL,
                     "UPDATE events e SET seq = u.seq, num_articles = u.na,"
                     " num_mentions = u.nm, last_seen = u.ls,"
                     " loc_country = COALESCE(u.loc, e.loc_country)"
                     " FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[],"
                     " $5::text[], $6::text[]) AS u(id, seq, na, nm, ls, loc)"
                     " WHERE e.id = u.id",
                     6, vu, 0);
    if (rc == 0 && n)
        rc = s_queue(p, "log insert", "log_insert", NULL, 3, vl, 0);
    for (int a = 0; a < A_COUNT_; a++)
        pl_buf_release(&ins[a]);
    for (int a = 0; a < 6; a++)
        pl_buf_release(&upd[a]);
    for (int a = 0; a < 3; a++)
        pl_buf_release(&log[a]);
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
    struct pl_buf sql;
    pl_buf_init(&sql);
    struct store_sql_params prm;
    bool filtered = store_filter_any(f);
    if (from_log && !filtered)
        pl_buf_puts(&sql, "SELECT e.seq, e.body FROM log e WHERE e.seq > $1");
    else if (from_log)
        pl_buf_puts(&sql, "SELECT l.seq, l.body FROM log l JOIN events e ON e.id = l.event_id"
                          " WHERE l.seq > $1");
    else
        pl_buf_puts(&sql, "SELECT e.seq, l.body FROM events e JOIN log l ON l.seq = e.seq"
                          " WHERE e.seq > $1");
    store_sql_filter(f, &sql, &prm, true, 2);
    pl_buf_printf(&sql, " ORDER BY %s LIMIT %u", from_log && filtered ? "l.seq" : "e.seq", max);
    char a[24];
    snprintf(a, sizeof a, "%llu", (unsigned long long)after);
    const char *v[1 + STORE_SQL_MAX_PARAMS];
    v[0] = a;
    for (int i = 0; i < prm.n; i++)
        v[i + 1] = prm.v[i];
    PGresult *r = PQexecParams(p->c, sql.data, 1 + prm.n, NULL, v, NULL, NULL, 1);
    pl_buf_release(&sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        s_fail(p, "read", r);
        PQclear(r);
        return -1;
    }
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        if (PQgetlength(r, i, 0) != 8)
            continue;
        if (fn(s_be64(PQgetvalue(r, i, 0)), PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1),
               arg) != 0)
            break;
    }
    PQclear(r);
    return 0;
}

static int s_fail_statement(void *h)
{
    return s_queue(h, "failing statement", NULL, "SELECT 1/0", 0, NULL, 0); /* division by zero */
}

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
    .read = s_read,
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

void *store_pg_open(const struct store_db_config *cfg, const struct store_db_ops **ops, char *err,
                    size_t errlen)
{
    if (cfg->read_only) {
        snprintf(err, errlen, "--db reads SQLite files; query a PostgreSQL store through it");
        return NULL;
    }
    struct pg *p = pl_xcalloc(1, sizeof *p);
    p->c = PQconnectdb(cfg->conninfo ? cfg->conninfo : "");
    if (PQstatus(p->c) != CONNECTION_OK) {
        s_fail(p, "cannot connect to PostgreSQL", NULL);
        goto fail;
    }
    if (s_exec(p, "SET client_min_messages = warning") != 0)
        goto fail;
    /* A store that just stopped may still hold the lock for a moment: the server ends its
     * session after the client has gone. So try for a few seconds before refusing. */
    bool locked = false;
    for (int tries = 0; tries < 30 && !locked; tries++) {
        if (tries > 0) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        PGresult *r = PQexec(p->c, "SELECT pg_try_advisory_lock(" PG_LOCK_KEY ")");
        bool answered = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        locked = answered && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        PQclear(r);
        if (!answered)
            break;
    }
    if (!locked) {
        snprintf(p->err, sizeof p->err,
                 "another parley-store is writing to this database (advisory lock held for "
                 "3 s); a database has one writer");
        goto fail;
    }
    if (s_migrate(p) != 0)
        goto fail;
    for (size_t i = 0; i < sizeof s_prep / sizeof s_prep[0]; i++) {
        PGresult *pr = PQprepare(p->c, s_prep[i][0], s_prep[i][1], 0, NULL);
        if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
            s_fail(p, s_prep[i][0], pr);
            PQclear(pr);
            goto fail;
        }
        PQclear(pr);
    }
    *ops = &s_ops;
    return p;
fail:
    snprintf(err, errlen, "%s", p->err);
    s_close(p);
    return NULL;
}
