/* db_pg.c - the PostgreSQL backend (libpq), for deployments that outgrow one machine.
 *
 * The same tables and migrations as SQLite (db_sql.c). The schema version lives in
 * parley_meta. One writer: the store takes a session advisory lock when it connects and
 * refuses to start when another store holds it, since seqs are assigned by the writer
 * inside its transaction. Statements are prepared once; event bodies go in and come out
 * as binary bytea. Every call blocks; parley-store is single-threaded anyway. A batch's
 * mentions and event versions go as pipelines, a round trip for many statements (ingest
 * went from about 700 to 2,700 mentions/s over 10,000 articles).
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

struct pg {
    PGconn *c;
    char err[512];
};

static const char *const s_prep[][2] = {
    {"batch_get", "SELECT first_seq, count FROM batches WHERE article_id = $1 AND xv = $2"},
    {"batch_put", "INSERT INTO batches (article_id, xv, first_seq, count, mentions, stored_at)"
                  " VALUES ($1, $2, $3, $4, $5, $6)"},
    {"article_put", "INSERT INTO articles (id, url, outlet, title, published, stored_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"},
    {"mention_put", "INSERT INTO mentions (id, article_id, xv, event_id, body)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"},
    {"event_article_put", "INSERT INTO event_articles (event_id, article_id) VALUES ($1, $2)"
                          " ON CONFLICT DO NOTHING"},
    {"event_insert", "INSERT INTO events (id, seq, date, src_code, src_country, tgt_code,"
                     " tgt_country, cameo, loc_country, num_articles, num_mentions, first_seen,"
                     " last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                     " $13)"},
    {"event_update", "UPDATE events SET seq = $2, num_articles = $3, num_mentions = $4,"
                     " last_seen = $5 WHERE id = $1"},
    {"event_loc", "UPDATE events SET loc_country = $2 WHERE id = $1"},
    {"log_put", "INSERT INTO log (seq, event_id, body) VALUES ($1, $2, $3)"},
    {"head", "SELECT COALESCE(MAX(seq), 0) FROM log"},
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

/* Runs a prepared statement: n text parameters (NULL for SQL NULL), and optionally one
 * binary parameter at index bin (its bytes in blob). Results in text, or binary when
 * binres. The caller PQclears the result; NULL after a failure (message in err). */
static PGresult *s_run(struct pg *p, const char *name, int n, const char *const *vals, int bin,
                       const void *blob, size_t blen, bool binres, ExecStatusType want)
{
    int lens[16] = {0}, fmts[16] = {0};
    const char *v[16];
    for (int i = 0; i < n && i < 16; i++)
        v[i] = vals[i];
    if (bin >= 0) {
        v[bin] = blob;
        lens[bin] = (int)blen;
        fmts[bin] = 1;
    }
    PGresult *r = PQexecPrepared(p->c, name, n, v, lens, fmts, binres ? 1 : 0);
    if (PQresultStatus(r) != want) {
        s_fail(p, name, r);
        PQclear(r);
        return NULL;
    }
    return r;
}

static int s_cmd(struct pg *p, const char *name, int n, const char *const *vals, int bin,
                 const void *blob, size_t blen, int *changed)
{
    PGresult *r = s_run(p, name, n, vals, bin, blob, blen, false, PGRES_COMMAND_OK);
    if (!r)
        return -1;
    if (changed)
        *changed = (int)strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return 0;
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

static int s_begin(void *h)
{
    return s_exec(h, "BEGIN");
}

static int s_commit(void *h)
{
    return s_exec(h, "COMMIT");
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
    if (PQtransactionStatus(p->c) == PQTRANS_IDLE)
        return 0;
    return s_keep_exec(p, "ROLLBACK");
}

static int s_savepoint(void *h)
{
    return s_exec(h, "SAVEPOINT batch");
}

static int s_release(void *h)
{
    return s_exec(h, "RELEASE SAVEPOINT batch");
}

static int s_rollback_to(void *h)
{
    struct pg *p = h;
    if (s_keep_exec(p, "ROLLBACK TO SAVEPOINT batch") != 0)
        return -1;
    return s_keep_exec(p, "RELEASE SAVEPOINT batch");
}

static int s_head(void *h, uint64_t *head)
{
    PGresult *r = s_run(h, "head", 0, NULL, -1, NULL, 0, false, PGRES_TUPLES_OK);
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
    PGresult *r = s_run(h, "batch_get", 2, v, -1, NULL, 0, false, PGRES_TUPLES_OK);
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
    return s_cmd(h, "batch_put", 6, v, -1, NULL, 0, NULL);
}

static int s_article_put(void *h, const struct pl_article_ref *a, const char *now)
{
    const char *v[] = {a->id, a->url, a->outlet, a->title, a->published, now};
    return s_cmd(h, "article_put", 6, v, -1, NULL, 0, NULL);
}

/* --- pipelines ---------------------------------------------------------------------------
 * A batch's mentions and event versions are sent as pipelines (libpq pipeline mode): up to
 * PG_PIPE prepared statements queued, one sync, then their results read in order - one round
 * trip where there were PG_PIPE. Deadlock-free in blocking mode because no pipeline both
 * sends much and gets much back: inserts send bodies and get short command tags; the one
 * read (events_get) is a single statement. */
#define PG_PIPE 128

/* Called with the result of statement i of a pipeline. */
typedef void (*pg_result_fn)(void *arg, int i, PGresult *r);

static int s_pipe_begin(struct pg *p)
{
    if (PQenterPipelineMode(p->c) != 1)
        return s_fail(p, "pipeline mode", NULL);
    return 0;
}

/* Queues a prepared statement (text parameters; the one at bin, if any, binary). */
static int s_pipe_send(struct pg *p, const char *name, int n, const char *const *vals, int bin,
                       const void *blob, size_t blen)
{
    int lens[16] = {0}, fmts[16] = {0};
    const char *v[16];
    for (int i = 0; i < n && i < 16; i++)
        v[i] = vals[i];
    if (bin >= 0) {
        v[bin] = blob;
        lens[bin] = (int)blen;
        fmts[bin] = 1;
    }
    if (PQsendQueryPrepared(p->c, name, n, v, lens, fmts, 0) != 1)
        return s_fail(p, name, NULL);
    return 0;
}

/* Sends the sync and reads the n results queued since the last one, in order; the first
 * failure is kept in err. Leaves the connection ready for more statements. */
static int s_pipe_sync(struct pg *p, int n, const char *what, pg_result_fn fn, void *arg)
{
    if (PQpipelineSync(p->c) != 1)
        return s_fail(p, what, NULL);
    int rc = 0, i = 0, nulls = 0;
    for (;;) {
        PGresult *r = PQgetResult(p->c);
        if (!r) {
            /* one NULL ends each statement's results; two in a row: nothing more will come */
            if (++nulls > 1) {
                if (rc == 0)
                    rc = s_fail(p, what, NULL);
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
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            if (rc == 0 && fn && i < n)
                fn(arg, i, r);
        } else if (rc == 0) {
            rc = s_fail(p, what, r);
        }
        i++;
        PQclear(r);
    }
    if (rc == 0 && i != n) {
        snprintf(p->err, sizeof p->err, "%s: %d results for %d statements", what, i, n);
        rc = -1;
    }
    return rc;
}

static int s_pipe_end(struct pg *p, int rc)
{
    if (PQexitPipelineMode(p->c) != 1 && rc == 0)
        rc = s_fail(p, "pipeline mode", NULL);
    return rc;
}

static int s_changed(PGresult *r)
{
    return (int)strtol(PQcmdTuples(r), NULL, 10);
}

struct s_mput {
    struct store_mention_row *rows;
    size_t base; /* row of the pipeline's first pair of statements */
};

/* Statements go in pairs: the mention, then the (event, article) pair. */
static void s_mput_result(void *arg, int i, PGresult *r)
{
    struct s_mput *m = arg;
    struct store_mention_row *row = &m->rows[m->base + (size_t)i / 2];
    if (i % 2 == 0)
        row->is_new = s_changed(r) == 1;
    else
        row->new_article = s_changed(r) == 1;
}

static int s_mentions_put(void *h, const char *article, const char *xv,
                          struct store_mention_row *rows, size_t n)
{
    struct pg *p = h;
    if (s_pipe_begin(p) != 0)
        return -1;
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0; at += PG_PIPE / 2) {
        size_t end = at + PG_PIPE / 2 < n ? at + PG_PIPE / 2 : n;
        int q = 0;
        for (size_t i = at; i < end && rc == 0; i++) {
            const char *v[] = {rows[i].id, article, xv, rows[i].event_id, NULL};
            const char *w[] = {rows[i].event_id, article};
            rc = s_pipe_send(p, "mention_put", 5, v, 4, rows[i].body, rows[i].len);
            if (rc == 0)
                rc = s_pipe_send(p, "event_article_put", 2, w, -1, NULL, 0);
            q += 2;
        }
        struct s_mput m = {rows, at};
        int synced = s_pipe_sync(p, q, "mention insert", s_mput_result, &m);
        if (rc == 0)
            rc = synced;
    }
    /* A mention seen before was stored with its pair then: its pair is not news. */
    for (size_t i = 0; i < n; i++)
        rows[i].new_article = rows[i].new_article && rows[i].is_new;
    return s_pipe_end(p, rc);
}

static int s_events_get(void *h, const char *const *ids, size_t n, struct pl_buf *bodies,
                        bool *found)
{
    struct pg *p = h;
    /* One statement: the ids as a text[] literal (they are hex digits: nothing to quote). */
    struct pl_buf arr;
    pl_buf_init(&arr);
    pl_buf_putc(&arr, '{');
    for (size_t i = 0; i < n; i++) {
        for (const char *c = ids[i]; *c; c++)
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) {
                pl_buf_release(&arr);
                snprintf(p->err, sizeof p->err, "event lookup: an id that is not hex");
                return -1;
            }
        pl_buf_printf(&arr, "%s%s", i ? "," : "", ids[i]);
    }
    pl_buf_putc(&arr, '}');
    /* Not prepared: a plan made once, while the tables were small, scanned both tables in
     * full for every batch (ingest fell from 1,700 to 700 mentions/s within 3,000 articles);
     * planned each time with the ids at hand, it reads them by index. */
    const char *v[] = {arr.data};
    PGresult *r = PQexecParams(p->c,
                               "SELECT e.id, l.body FROM events e JOIN log l ON l.seq = e.seq"
                               " WHERE e.id = ANY ($1::text[])",
                               1, NULL, v, NULL, NULL, 1);
    pl_buf_release(&arr);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        s_fail(p, "event lookup", r);
        PQclear(r);
        return -1;
    }
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

/* Queues the statements of one event version: its row, then the log. */
static int s_event_send(struct pg *p, const struct store_event_row *row, int *q)
{
    const struct pl_event *e = row->e;
    const struct pl_coding *c = &e->c;
    char seq[24], na[16], nm[16];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)e->seq);
    snprintf(na, sizeof na, "%u", e->num_articles);
    snprintf(nm, sizeof nm, "%u", e->num_mentions);
    int rc;
    if (row->is_new) {
        const char *v[] = {e->id,
                           seq,
                           c->date,
                           c->source.code,
                           c->source.country,
                           c->has_target ? c->target.code : NULL,
                           c->has_target ? c->target.country : NULL,
                           c->cameo,
                           c->has_location ? c->location.country : NULL,
                           na,
                           nm,
                           e->first_seen,
                           e->last_seen};
        rc = s_pipe_send(p, "event_insert", 13, v, -1, NULL, 0);
    } else {
        const char *v[] = {e->id, seq, na, nm, e->last_seen};
        rc = s_pipe_send(p, "event_update", 5, v, -1, NULL, 0);
        if (rc == 0 && row->new_location) {
            const char *w[] = {e->id, c->location.country};
            rc = s_pipe_send(p, "event_loc", 2, w, -1, NULL, 0);
            (*q)++;
        }
    }
    (*q)++;
    if (rc != 0)
        return rc;
    const char *l[] = {seq, e->id, NULL};
    (*q)++;
    return s_pipe_send(p, "log_put", 3, l, 2, row->body, row->len);
}

static int s_events_put(void *h, const struct store_event_row *rows, size_t n)
{
    struct pg *p = h;
    if (s_pipe_begin(p) != 0)
        return -1;
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0; at += PG_PIPE / 3) {
        size_t end = at + PG_PIPE / 3 < n ? at + PG_PIPE / 3 : n;
        int q = 0;
        for (size_t i = at; i < end && rc == 0; i++)
            rc = s_event_send(p, &rows[i], &q);
        int synced = s_pipe_sync(p, q, "event insert", NULL, NULL);
        if (rc == 0)
            rc = synced;
    }
    return s_pipe_end(p, rc);
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
