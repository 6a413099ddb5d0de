/* db_sqlite.c - the embedded backend: one SQLite database in WAL mode.
 *
 * <data_dir>/parley.db, created (with data_dir) on first start. synchronous=FULL: a batch
 * the store acknowledged survives a power cut, not only a crash of the store, because the
 * extractor tells the fetcher the article is done as soon as it has the OK. A 64 MB page
 * cache, statement journals in memory (each batch is a savepoint in a group commit, and
 * statement journals on disk cost more than the data) and a checkpoint every 16384 pages
 * (64 MB of WAL) rather than every 1000 (each group commit writes thousands of pages).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_backend.h"
#include "db_sql.h"
#include "pl_util.h"

enum {
    Q_BATCH_GET,
    Q_BATCH_PUT,
    Q_ARTICLE_PUT,
    Q_ARTICLE_NO,
    Q_MENTION_PUT,
    Q_EVENT_GET,
    Q_EVENT_ARTICLE_PUT,
    Q_EVENT_PUT,
    Q_EVENT_UPDATE,
    Q_EVENT_LOC,
    Q_LOG_PUT,
    Q_LOG_GET,
    Q_INDEXED,
    Q_HEAD,
    Q_SAVEPOINT,
    Q_RELEASE,
    Q_COUNT_
};

static const char *const s_sql[Q_COUNT_] = {
    [Q_BATCH_GET] = "SELECT b.first_seq, b.count FROM articles a JOIN batches b"
                    " ON b.article_no = a.no WHERE a.id = ?1 AND b.xv = ?2",
    [Q_BATCH_PUT] = "INSERT INTO batches (article_no, xv, first_seq, count, mentions, stored_at)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_ARTICLE_PUT] = "INSERT OR IGNORE INTO articles (id, url, outlet, title, published,"
                      " stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_ARTICLE_NO] = "SELECT no FROM articles WHERE id = ?1",
    [Q_MENTION_PUT] = "INSERT OR IGNORE INTO mentions (id, article_no, xv, event_id, body)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
    /* Events by their key (migration 6): ?2 is the date, '' for none. */
    [Q_EVENT_GET] = "SELECT l.body FROM events e JOIN log l ON l.seq = e.seq"
                    " WHERE " STORE_SQL_KEY_DATE("e.date") " = ?2 AND e.id = ?1",
    [Q_EVENT_ARTICLE_PUT] = "INSERT OR IGNORE INTO event_articles (event_id, article_no)"
                            " VALUES (?1, ?2)",
    [Q_EVENT_PUT] = "INSERT INTO events (id, seq, date, src_code, src_country, tgt_code,"
                    " tgt_country, cameo, loc_country, num_articles, num_mentions, first_seen,"
                    " last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                    " ?13)",
    /* Only the columns a merge changes: the other indexes are left alone. */
    [Q_EVENT_UPDATE] = "UPDATE events SET seq = ?2, num_articles = ?3, num_mentions = ?4,"
                       " last_seen = ?5 WHERE " STORE_SQL_KEY_DATE("date") " = ?6 AND id = ?1",
    [Q_EVENT_LOC] = "UPDATE events SET loc_country = ?2"
                    " WHERE " STORE_SQL_KEY_DATE("date") " = ?3 AND id = ?1",
    [Q_LOG_PUT] = "INSERT INTO log (seq, event_id, date, body) VALUES (?1, ?2, ?3, ?4)",
    [Q_LOG_GET] = "SELECT body FROM log WHERE seq = ?1",
    [Q_INDEXED] = "SELECT COALESCE(MAX(seq), 0) FROM events",
    [Q_HEAD] = "SELECT COALESCE(MAX(seq), 0) FROM log",
    /* Prepared once: one of each per batch. */
    [Q_SAVEPOINT] = "SAVEPOINT batch",
    [Q_RELEASE] = "RELEASE batch",
};

/* The checkpointer (see s_ckpt_main). */
struct s_ckpt {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool want, stop;
    char *path;
};

struct sq {
    sqlite3 *db;
    struct s_ckpt *ckpt; /* NULL: the store's own commits checkpoint (SQLite's default) */
    sqlite3_stmt *st[Q_COUNT_];
    char err[512];
    int lock_fd;          /* a writer's hold on <database>.lock (flock), or -1 */
    int last_rc;          /* the (extended) result code of the last failure, see s_lost */
    char art_id[64];      /* the article of the batch being stored ... */
    sqlite3_int64 art_no; /* ... and its number (articles.no), set by article_put */
};

static const char *s_errmsg(void *h)
{
    return ((struct sq *)h)->err;
}

static int s_fail(struct sq *s, const char *what)
{
    s->last_rc = sqlite3_extended_errcode(s->db);
    snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
    return -1;
}

/* True when the last failure was the database's, not the data's: a full disk, an I/O error,
 * a lock held too long by another process, a file gone read-only or damaged. Such a batch
 * is not refused: the store holds it and tries again (store.c), as when PostgreSQL goes
 * away. A constraint, a value too big or an SQL error is the batch's own. */
static bool s_lost(void *h)
{
    switch (((struct sq *)h)->last_rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
        return true;
    default:
        return false;
    }
}

/* Nothing to connect: the next attempt is the test (SQLite reports each failure anew). */
static int s_reconnect(void *h)
{
    ((struct sq *)h)->last_rc = SQLITE_OK;
    return 0;
}

static int s_exec(struct sq *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        s->last_rc = sqlite3_extended_errcode(s->db);
        snprintf(s->err, sizeof s->err, "%s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static sqlite3_stmt *s_stmt(struct sq *s, int q)
{
    sqlite3_stmt *st = s->st[q];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static void s_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Steps a statement that returns no row. */
static int s_done(struct sq *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(s, what);
}

/* --- checkpoints on a thread of their own ---------------------------------------------------
 * A checkpoint copies the WAL's pages into the database file: every 64 MB of WAL, some 16,000
 * pages and an fsync, 50-100 ms. Run by the commit that crossed the mark, it held up every
 * batch behind it (the store's p99 latency was those stalls). A thread with its own connection
 * runs them instead, PASSIVE: it never blocks the store's writes, and the WAL starts again
 * from its beginning at the first write after a checkpoint that copied all of it. Should it
 * fall far behind, the store's own commit checkpoints, as before. */

#define STORE_CKPT_PAGES 16384

static void *s_ckpt_main(void *arg)
{
    struct s_ckpt *c = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        db = NULL; /* the store's commits go on checkpointing (see s_wal_hook) */
    }
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        if (!c->want) {
            pthread_cond_wait(&c->cv, &c->mu);
            continue;
        }
        c->want = false;
        pthread_mutex_unlock(&c->mu);
        if (db)
            (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    sqlite3_close(db);
    return NULL;
}

/* After each commit, with the WAL's size in pages. */
static int s_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct s_ckpt *c = arg;
    if (pages >= 8 * STORE_CKPT_PAGES) { /* the thread fell far behind */
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    if (pages >= STORE_CKPT_PAGES) {
        pthread_mutex_lock(&c->mu);
        c->want = true;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

static void s_ckpt_stop(struct sq *s)
{
    struct s_ckpt *c = s->ckpt;
    if (!c)
        return;
    sqlite3_wal_hook(s->db, NULL, NULL);
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c->path);
    free(c);
    s->ckpt = NULL;
}

/* Hands the store's checkpoints to a thread; without one (it cannot start), they stay with
 * the commits. */
static void s_ckpt_start(struct sq *s, const char *path)
{
    struct s_ckpt *c = pl_xcalloc(1, sizeof *c);
    c->path = pl_xstrdup(path);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, s_ckpt_main, c) != 0) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        free(c->path);
        free(c);
        return;
    }
    s->ckpt = c;
    sqlite3_wal_hook(s->db, s_wal_hook, c);
}

static void s_close(void *h)
{
    struct sq *s = h;
    if (!s)
        return;
    s_ckpt_stop(s);
    for (int i = 0; i < Q_COUNT_; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* the writer's lock goes last */
    free(s);
}

static int s_begin(void *h)
{
    return s_exec(h, "BEGIN IMMEDIATE");
}

static int s_commit(void *h)
{
    return s_exec(h, "COMMIT");
}

static int s_rollback(void *h)
{
    struct sq *s = h;
    if (sqlite3_get_autocommit(s->db))
        return 0;
    char keep[sizeof s->err];
    memcpy(keep, s->err, sizeof keep); /* the error that made us roll back matters more */
    s->art_id[0] = '\0';               /* its article's row may be gone */
    int rc = s_exec(s, "ROLLBACK");
    memcpy(s->err, keep, sizeof keep);
    return rc;
}

static int s_savepoint(void *h)
{
    struct sq *s = h;
    return s_done(s, s_stmt(s, Q_SAVEPOINT), "savepoint");
}

static int s_release(void *h)
{
    struct sq *s = h;
    return s_done(s, s_stmt(s, Q_RELEASE), "release");
}

static int s_rollback_to(void *h)
{
    struct sq *s = h;
    char keep[sizeof s->err];
    memcpy(keep, s->err, sizeof keep);
    s->art_id[0] = '\0';
    int rc = s_exec(s, "ROLLBACK TO batch; RELEASE batch");
    memcpy(s->err, keep, sizeof keep);
    return rc;
}

/* The one number statement q answers: a highest seq. */
static int s_max_seq(struct sq *s, int q, const char *what, uint64_t *out)
{
    sqlite3_stmt *st = s_stmt(s, q);
    if (sqlite3_step(st) != SQLITE_ROW)
        return s_fail(s, what);
    *out = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

static int s_head(void *h, uint64_t *head)
{
    return s_max_seq(h, Q_HEAD, "head", head);
}

static int s_batch_get(void *h, const char *article, const char *xv, uint64_t *first,
                       uint32_t *count)
{
    struct sq *s = h;
    sqlite3_stmt *st = s_stmt(s, Q_BATCH_GET);
    s_text(st, 1, article);
    s_text(st, 2, xv);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *first = (uint64_t)sqlite3_column_int64(st, 0);
        *count = (uint32_t)sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
        return 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(s, "batch lookup");
}

/* The number of an article article_put stored (the batch's own, almost always: it is
 * remembered) or -1. */
static sqlite3_int64 s_article_no(struct sq *s, const char *article)
{
    if (strcmp(article, s->art_id) == 0)
        return s->art_no;
    sqlite3_stmt *st = s_stmt(s, Q_ARTICLE_NO);
    s_text(st, 1, article);
    int rc = sqlite3_step(st);
    sqlite3_int64 no = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        s_fail(s, "article lookup");
    else if (no < 0) {
        s->last_rc = SQLITE_ERROR;
        snprintf(s->err, sizeof s->err, "article %s is not stored", article);
    }
    sqlite3_reset(st);
    return no;
}

static int s_batch_put(void *h, const char *article, const char *xv, uint64_t first, uint32_t count,
                       uint32_t mentions, const char *now)
{
    struct sq *s = h;
    sqlite3_int64 no = s_article_no(s, article);
    if (no < 0)
        return -1;
    sqlite3_stmt *st = s_stmt(s, Q_BATCH_PUT);
    sqlite3_bind_int64(st, 1, no);
    s_text(st, 2, xv);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)first);
    sqlite3_bind_int64(st, 4, count);
    sqlite3_bind_int64(st, 5, mentions);
    s_text(st, 6, now);
    return s_done(s, st, "batch insert");
}

static int s_article_put(void *h, const struct pl_article_ref *a, const char *now)
{
    struct sq *s = h;
    sqlite3_stmt *st = s_stmt(s, Q_ARTICLE_PUT);
    s_text(st, 1, a->id);
    s_text(st, 2, a->url);
    s_text(st, 3, a->outlet);
    s_text(st, 4, a->title);
    s_text(st, 5, a->published);
    s_text(st, 6, now);
    s->art_id[0] = '\0';
    if (s_done(s, st, "article insert") != 0)
        return -1;
    /* Its number, for the batch's other rows: the new row's, or looked up (stored before). */
    sqlite3_int64 no =
        sqlite3_changes(s->db) == 1 ? sqlite3_last_insert_rowid(s->db) : s_article_no(s, a->id);
    if (no < 0)
        return -1;
    if (strlen(a->id) < sizeof s->art_id) { /* ids are 32 hex digits: always */
        snprintf(s->art_id, sizeof s->art_id, "%s", a->id);
        s->art_no = no;
    }
    return 0;
}

static int s_mentions_put(void *h, const char *article, const char *xv,
                          struct store_mention_row *rows, size_t n)
{
    struct sq *s = h;
    sqlite3_int64 no = s_article_no(s, article);
    if (no < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct store_mention_row *r = &rows[i];
        sqlite3_stmt *st = s_stmt(s, Q_MENTION_PUT);
        s_text(st, 1, r->id);
        sqlite3_bind_int64(st, 2, no);
        s_text(st, 3, xv);
        s_text(st, 4, r->event_id);
        sqlite3_bind_blob64(st, 5, r->body, r->len, SQLITE_STATIC);
        if (s_done(s, st, "mention insert") != 0)
            return -1;
        r->is_new = sqlite3_changes(s->db) == 1;
        r->new_article = false;
        if (!r->is_new)
            continue;
        st = s_stmt(s, Q_EVENT_ARTICLE_PUT);
        s_text(st, 1, r->event_id);
        sqlite3_bind_int64(st, 2, no);
        if (s_done(s, st, "event article insert") != 0)
            return -1;
        r->new_article = sqlite3_changes(s->db) == 1;
    }
    return 0;
}

/* Steps st, bound to look up one version's body: copies it into body and sets found. */
static int s_body_row(struct sq *s, sqlite3_stmt *st, struct pl_buf *body, bool *found,
                      const char *what)
{
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found) {
        pl_buf_clear(body);
        pl_buf_append(body, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : s_fail(s, what);
}

static int s_events_get(void *h, const char *const *ids, const char *const *dates, size_t n,
                        struct pl_buf *bodies, bool *found)
{
    struct sq *s = h;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = s_stmt(s, Q_EVENT_GET);
        s_text(st, 1, ids[i]);
        s_text(st, 2, dates[i] ? dates[i] : "");
        if (s_body_row(s, st, &bodies[i], &found[i], "event lookup") != 0)
            return -1;
    }
    return 0;
}

/* The events table is brought up to date in bulk (index_put), so a merge writes one log
 * row here instead of also rewriting its event's row - a random page of the table and of
 * its seq index with every merge, on every commit. */
static int s_events_put(void *h, const struct store_event_row *rows, size_t n)
{
    struct sq *s = h;
    for (size_t i = 0; i < n; i++) {
        const struct pl_event *e = rows[i].e;
        sqlite3_stmt *st = s_stmt(s, Q_LOG_PUT);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)e->seq);
        s_text(st, 2, e->id);
        s_text(st, 3, e->c.date);
        sqlite3_bind_blob64(st, 4, rows[i].body, rows[i].len, SQLITE_STATIC);
        if (s_done(s, st, "log insert") != 0)
            return -1;
    }
    return 0;
}

static int s_event_insert(struct sq *s, const struct pl_event *e)
{
    const struct pl_coding *c = &e->c;
    sqlite3_stmt *st = s_stmt(s, Q_EVENT_PUT);
    s_text(st, 1, e->id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)e->seq);
    s_text(st, 3, c->date);
    s_text(st, 4, c->source.code);
    s_text(st, 5, c->source.country);
    s_text(st, 6, c->has_target ? c->target.code : NULL);
    s_text(st, 7, c->has_target ? c->target.country : NULL);
    s_text(st, 8, c->cameo);
    s_text(st, 9, c->has_location ? c->location.country : NULL);
    sqlite3_bind_int64(st, 10, e->num_articles);
    sqlite3_bind_int64(st, 11, e->num_mentions);
    s_text(st, 12, e->first_seen);
    s_text(st, 13, e->last_seen);
    return s_done(s, st, "event insert");
}

static int s_index_put(void *h, const struct store_event_row *rows, size_t n)
{
    struct sq *s = h;
    for (size_t i = 0; i < n; i++) {
        const struct pl_event *e = rows[i].e;
        const struct pl_coding *c = &e->c;
        sqlite3_stmt *st = s_stmt(s, Q_EVENT_UPDATE);
        s_text(st, 1, e->id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)e->seq);
        sqlite3_bind_int64(st, 3, e->num_articles);
        sqlite3_bind_int64(st, 4, e->num_mentions);
        s_text(st, 5, e->last_seen);
        s_text(st, 6, c->date ? c->date : "");
        if (s_done(s, st, "event update") != 0)
            return -1;
        if (sqlite3_changes(s->db) == 0) {
            if (s_event_insert(s, e) != 0)
                return -1;
        } else if (rows[i].new_location) {
            st = s_stmt(s, Q_EVENT_LOC);
            s_text(st, 1, e->id);
            s_text(st, 2, c->has_location ? c->location.country : NULL);
            s_text(st, 3, c->date ? c->date : "");
            if (s_done(s, st, "event location") != 0)
                return -1;
        }
    }
    return 0;
}

/* synchronous=NORMAL in WAL mode: a commit does not wait for the disk, but the database stays
 * consistent - such a transaction is lost in a power cut only with what followed it, and the
 * next durable commit's sync takes it to disk with its own. */
static int s_relax(void *h, bool relaxed)
{
    return s_exec(h, relaxed ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL");
}

static int s_indexed(void *h, uint64_t *seq)
{
    return s_max_seq(h, Q_INDEXED, "events head", seq);
}

static int s_log_get(void *h, const uint64_t *seqs, size_t n, struct pl_buf *bodies, bool *found)
{
    struct sq *s = h;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = s_stmt(s, Q_LOG_GET);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)seqs[i]);
        if (s_body_row(s, st, &bodies[i], &found[i], "log lookup") != 0)
            return -1;
    }
    return 0;
}

static int s_read(void *h, bool from_log, uint64_t after, const struct pl_filter *f, uint32_t max,
                  store_event_fn fn, void *arg)
{
    struct sq *s = h;
    struct pl_buf sql;
    pl_buf_init(&sql);
    struct store_sql_params p;
    if (from_log && !store_filter_any(f))
        pl_buf_puts(&sql, "SELECT seq, body FROM log e WHERE seq > ?");
    else if (from_log)
        pl_buf_puts(&sql, "SELECT l.seq, l.body FROM log l JOIN events e"
                          " ON " STORE_SQL_KEY_DATE("e.date") " = " STORE_SQL_KEY_DATE(
                              "l.date") " AND e.id = l.event_id WHERE l.seq > ?");
    else
        pl_buf_puts(&sql, "SELECT e.seq, l.body FROM events e JOIN log l ON l.seq = e.seq"
                          " WHERE e.seq > ?");
    store_sql_filter(f, &sql, &p, false, 0);
    pl_buf_printf(&sql, " ORDER BY %s LIMIT %u",
                  from_log && store_filter_any(f) ? "l.seq" : (from_log ? "seq" : "e.seq"), max);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(s->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        s_fail(s, "read");
        goto out;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
    for (int i = 0; i < p.n; i++)
        sqlite3_bind_text(st, i + 2, p.v[i], -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn((uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
               (size_t)sqlite3_column_bytes(st, 1), arg) != 0)
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        s_fail(s, "read");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    pl_buf_release(&sql);
    return rc;
}

static int s_fail_statement(void *h)
{
    return s_exec(h, "INSERT INTO batches (article_no, xv, first_seq, count, mentions, stored_at)"
                     " VALUES (NULL, '', 0, 0, 0, '')"); /* NOT NULL constraint failed */
}

static const struct store_db_ops s_ops = {
    .name = "sqlite",
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
    .index_put = s_index_put,
    .indexed = s_indexed,
    .relax = s_relax,
    .log_get = s_log_get,
    .read = s_read,
    .lost = s_lost,
    .reconnect = s_reconnect,
};

/* The schema version of an open database, or -1. */
static int s_version(struct sq *s)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Brings the schema from its version to target, one migration per transaction. */
static int s_migrate(struct sq *s, int target, const char *path)
{
    int version = s_version(s);
    if (version < 0)
        return s_fail(s, "cannot read the schema version");
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(s->err, sizeof s->err,
                 "%s has schema version %d, newer than this parley's %d: use a newer parley", path,
                 version, STORE_SCHEMA_VERSION);
        return -1;
    }
    for (int v = version; v < target; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        char *sql = store_sql_migration(v, true);
        int bad =
            s_begin(s) != 0 || s_exec(s, sql) != 0 || s_exec(s, pragma) != 0 || s_commit(s) != 0;
        free(sql);
        if (bad) {
            char why[sizeof s->err];
            snprintf(why, sizeof why, "%s", s->err);
            s_rollback(s);
            snprintf(s->err, sizeof s->err, "migrating %.200s from schema %d to %d: %.250s", path,
                     v, v + 1, why);
            return -1;
        }
    }
    return 0;
}

/* mkdir -p for the data folder. */
static int s_mkdirs(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s", dir);
    if (n <= 0 || (size_t)n >= sizeof path) {
        snprintf(err, errlen, "data_dir is empty or too long");
        return -1;
    }
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(path, 0750) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
                return -1;
            }
            *p = c;
            if (c == '\0')
                return 0;
        }
    }
}

/* Read-only: for queries and exports next to (or without) a running store. The file must
 * exist and have this build's schema; nothing is created or migrated. */
static void *s_open_ro(const char *path, char *err, size_t errlen)
{
    struct sq *s = pl_xcalloc(1, sizeof *s);
    s->lock_fd = -1;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        s_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 5000);
    int v = s_version(s);
    if (v != STORE_SCHEMA_VERSION) {
        if (v == 0)
            snprintf(err, errlen, "%s is not a parley database", path);
        else if (v < 0)
            snprintf(err, errlen, "cannot read %s: %s", path, sqlite3_errmsg(s->db));
        else
            snprintf(err, errlen, "%s has schema version %d, this parley reads %d (%s)", path, v,
                     STORE_SCHEMA_VERSION,
                     v < STORE_SCHEMA_VERSION ? "start parley-store once to migrate it"
                                              : "use a newer parley");
        s_close(s);
        return NULL;
    }
    for (int q = 0; q < Q_COUNT_; q++)
        if (sqlite3_prepare_v3(s->db, s_sql[q], -1, SQLITE_PREPARE_PERSISTENT, &s->st[q], NULL) !=
            SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
            s_close(s);
            return NULL;
        }
    return s;
}

static void *s_open_at(const char *path, int target, char *err, size_t errlen)
{
    struct sq *s = pl_xcalloc(1, sizeof *s);
    s->lock_fd = -1;
    /* No allocation statistics (each of SQLite's allocations took a global mutex to count
     * itself) and no per-connection mutex: a connection is used by one thread. Ingest
     * +10-15%. Fails harmlessly once SQLite is initialised: the first open decides. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        s_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (s_exec(s, "PRAGMA journal_mode = WAL") != 0 ||
        s_exec(s, "PRAGMA synchronous = FULL") != 0 ||
        s_exec(s, "PRAGMA cache_size = -65536") != 0 ||
        s_exec(s, "PRAGMA temp_store = MEMORY") != 0 ||
        s_exec(s, "PRAGMA wal_autocheckpoint = 16384") != 0 || s_migrate(s, target, path) != 0)
        goto fail;
    if (target == STORE_SCHEMA_VERSION)
        for (int q = 0; q < Q_COUNT_; q++)
            if (sqlite3_prepare_v3(s->db, s_sql[q], -1, SQLITE_PREPARE_PERSISTENT, &s->st[q],
                                   NULL) != SQLITE_OK) {
                s_fail(s, "prepare");
                goto fail;
            }
    return s;
fail:
    snprintf(err, errlen, "%s", s->err);
    s_close(s);
    return NULL;
}

void *store_sqlite_open(const struct store_db_config *cfg, const struct store_db_ops **ops,
                        char *err, size_t errlen)
{
    *ops = &s_ops;
    if (cfg->read_only)
        return s_open_ro(cfg->path, err, errlen);
    const char *dir = cfg->data_dir && *cfg->data_dir ? cfg->data_dir : ".";
    if (s_mkdirs(dir, err, errlen) != 0)
        return NULL;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/parley.db", dir) >= sizeof path) {
        snprintf(err, errlen, "data_dir is too long");
        return NULL;
    }
    /* One writer a database, as on PostgreSQL (its advisory lock): a second store on the
     * same file would number events from a head that is no longer the database's. Readers
     * take no lock: WAL lets them read beside the writer. */
    int lock_fd = pl_writer_lock(path, "parley-store", 3000, err, errlen);
    if (lock_fd < 0)
        return NULL;
    struct sq *s = s_open_at(path, STORE_SCHEMA_VERSION, err, errlen);
    if (!s) {
        close(lock_fd);
        return NULL;
    }
    s->lock_fd = lock_fd;
    s_ckpt_start(s, path);
    return s;
}

int store_sqlite_migrate_file(const char *path, int target, char *err, size_t errlen)
{
    if (target < 0 || target > STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "no schema version %d", target);
        return -1;
    }
    void *h = s_open_at(path, target, err, errlen);
    s_close(h);
    return h ? 0 : -1;
}
