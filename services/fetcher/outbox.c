/* outbox.c - see outbox.h. */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pl_util.h"

/* Version 1. n orders the outbox (oldest first); hash is the text's BLAKE2b, NULL for intake
 * failures; body the encoded article until it is done. seen: sources whose article was a
 * duplicate, so they are not read again either. */
static const char s_schema[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS outbox (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " src TEXT, url TEXT, title TEXT, hash TEXT, state INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, lease_until INTEGER, reason TEXT,"
    " added_at TEXT NOT NULL, updated_at TEXT NOT NULL, body BLOB);\n"
    "CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, n);\n"
    "CREATE INDEX IF NOT EXISTS outbox_hash ON outbox (hash);\n"
    "CREATE INDEX IF NOT EXISTS outbox_src ON outbox (src);\n"
    "CREATE TABLE IF NOT EXISTS seen (src TEXT PRIMARY KEY, id TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT,"
    " last_modified TEXT, updated_at TEXT NOT NULL);\n"
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');";

enum {
    Q_FIND_ID,
    Q_FIND_HASH,
    Q_FIND_SRC,
    Q_SEEN,
    Q_ADD,
    Q_NEXT,
    Q_LEASE,
    Q_DONE,
    Q_GET,
    Q_FAIL,
    Q_COUNTS,
    Q_COUNT_STATE,
    Q_VAL_GET,
    Q_VAL_PUT,
    Q_COUNT_
};

static const char *const s_sql[Q_COUNT_] = {
    [Q_FIND_ID] = "SELECT id FROM outbox WHERE id = ?1",
    [Q_FIND_HASH] = "SELECT id FROM outbox WHERE hash = ?1 LIMIT 1",
    [Q_FIND_SRC] = "SELECT id FROM outbox WHERE src = ?1 UNION ALL"
                   " SELECT id FROM seen WHERE src = ?1 LIMIT 1",
    [Q_SEEN] = "INSERT OR IGNORE INTO seen (src, id) VALUES (?1, ?2)",
    [Q_ADD] = "INSERT INTO outbox (id, src, url, title, hash, state, attempts, reason, added_at,"
              " updated_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?8, ?9)",
    [Q_NEXT] = "SELECT id, attempts, body FROM outbox WHERE state = 0 ORDER BY n LIMIT ?1",
    [Q_LEASE] = "UPDATE outbox SET state = 1, attempts = attempts + 1, lease_until = ?2,"
                " updated_at = ?3 WHERE id = ?1 AND state = 0 RETURNING attempts",
    [Q_DONE] = "UPDATE outbox SET state = 2, body = NULL, lease_until = NULL, updated_at = ?2"
               " WHERE id = ?1 AND state IN (0, 1)",
    [Q_GET] = "SELECT state, attempts FROM outbox WHERE id = ?1",
    [Q_FAIL] = "UPDATE outbox SET state = ?2, reason = ?3, lease_until = NULL, updated_at = ?4"
               " WHERE id = ?1",
    [Q_COUNTS] = "SELECT state, count(*) FROM outbox GROUP BY state",
    [Q_COUNT_STATE] = "SELECT count(*) FROM outbox WHERE state = ?1",
    [Q_VAL_GET] = "SELECT etag, last_modified FROM validators WHERE url = ?1",
    [Q_VAL_PUT] = "INSERT INTO validators (url, etag, last_modified, updated_at)"
                  " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (url) DO UPDATE SET etag = ?2,"
                  " last_modified = ?3, updated_at = ?4",
};

struct outbox {
    sqlite3 *db;
    sqlite3_stmt *st[Q_COUNT_];
    bool read_only;
    char err[512];
};

static int s_fail(struct outbox *o, const char *what)
{
    snprintf(o->err, sizeof o->err, "%s: %s", what, sqlite3_errmsg(o->db));
    return -1;
}

static int s_exec(struct outbox *o, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(o->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(o->err, sizeof o->err, "%s", msg ? msg : sqlite3_errmsg(o->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static sqlite3_stmt *s_stmt(struct outbox *o, int q)
{
    sqlite3_stmt *st = o->st[q];
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

static void s_now(char out[40])
{
    pl_time_iso(out, 40, pl_wall_ms());
}

struct outbox *outbox_open(const char *path, bool read_only, char *err, size_t errlen)
{
    struct outbox *o = pl_xcalloc(1, sizeof *o);
    o->read_only = read_only;
    int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &o->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open the outbox %s: %s", path,
                 o->db ? sqlite3_errmsg(o->db) : "out of memory");
        outbox_close(&o);
        return NULL;
    }
    sqlite3_busy_timeout(o->db, 5000);
    const char *setup = read_only ? "PRAGMA query_only = ON"
                                  : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";
    if (s_exec(o, setup) != 0 || (!read_only && s_exec(o, s_schema) != 0)) {
        snprintf(err, errlen, "cannot set up the outbox %s: %s", path, o->err);
        outbox_close(&o);
        return NULL;
    }
    sqlite3_stmt *v = NULL;
    if (sqlite3_prepare_v2(o->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &v,
                           NULL) != SQLITE_OK ||
        sqlite3_step(v) != SQLITE_ROW ||
        strcmp((const char *)sqlite3_column_text(v, 0), "1") != 0) {
        snprintf(err, errlen, "%s is not a parley outbox of schema version 1: %s", path,
                 sqlite3_errmsg(o->db));
        sqlite3_finalize(v);
        outbox_close(&o);
        return NULL;
    }
    sqlite3_finalize(v);
    for (int i = 0; i < Q_COUNT_; i++) {
        if (read_only && i != Q_COUNTS && i != Q_COUNT_STATE && i != Q_FIND_ID && i != Q_VAL_GET)
            continue;
        if (sqlite3_prepare_v3(o->db, s_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &o->st[i], NULL) !=
            SQLITE_OK) {
            snprintf(err, errlen, "cannot prepare outbox statement %d: %s", i,
                     sqlite3_errmsg(o->db));
            outbox_close(&o);
            return NULL;
        }
    }
    return o;
}

void outbox_close(struct outbox **op)
{
    if (!op || !*op)
        return;
    struct outbox *o = *op;
    for (int i = 0; i < Q_COUNT_; i++)
        sqlite3_finalize(o->st[i]);
    sqlite3_close(o->db);
    free(o);
    *op = NULL;
}

const char *outbox_errmsg(const struct outbox *o)
{
    return o->err;
}

int outbox_begin(struct outbox *o)
{
    return s_exec(o, "BEGIN IMMEDIATE");
}

int outbox_commit(struct outbox *o)
{
    return s_exec(o, "COMMIT");
}

void outbox_rollback(struct outbox *o)
{
    if (!sqlite3_get_autocommit(o->db)) {
        char keep[sizeof o->err];
        memcpy(keep, o->err, sizeof keep);
        (void)s_exec(o, "ROLLBACK");
        memcpy(o->err, keep, sizeof keep);
    }
}

int64_t outbox_requeue_leased(struct outbox *o)
{
    if (s_exec(o, "UPDATE outbox SET state = 0, lease_until = NULL WHERE state = 1") != 0)
        return -1;
    return sqlite3_changes64(o->db);
}

/* 1 and the id in found when the statement (one text parameter) finds a row, 0 when not. */
static int s_find(struct outbox *o, int q, const char *key, char found[PL_ID_HEX + 1])
{
    sqlite3_stmt *st = s_stmt(o, q);
    s_text(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (found)
            snprintf(found, PL_ID_HEX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        return 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(o, "outbox lookup");
}

int outbox_has_src(struct outbox *o, const char *src)
{
    return s_find(o, Q_FIND_SRC, src, NULL);
}

int outbox_has_url(struct outbox *o, const char *src)
{
    int rc = s_find(o, Q_FIND_SRC, src, NULL);
    if (rc != 0)
        return rc;
    char id[PL_ID_HEX + 1];
    pl_id_article_url(id, src);
    return s_find(o, Q_FIND_ID, id, NULL);
}

static int s_insert(struct outbox *o, const char *id, const char *src, const char *url,
                    const char *title, const char *hash, enum outbox_state state,
                    const char *reason, const struct pl_buf *body)
{
    char now[40];
    s_now(now);
    sqlite3_stmt *st = s_stmt(o, Q_ADD);
    s_text(st, 1, id);
    s_text(st, 2, src);
    s_text(st, 3, url);
    s_text(st, 4, title);
    s_text(st, 5, hash);
    sqlite3_bind_int(st, 6, (int)state);
    s_text(st, 7, reason);
    s_text(st, 8, now);
    if (body)
        sqlite3_bind_blob64(st, 9, body->data, body->len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 9);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(o, "outbox insert");
}

int outbox_add(struct outbox *o, const struct pl_article *a, const char *src,
               char dup_id[PL_ID_HEX + 1])
{
    char hash[PL_ID_HEX + 1];
    const char *text = a->text ? a->text : "";
    pl_id_article_content(hash, text, strlen(text));
    char other[PL_ID_HEX + 1] = "";
    int found = s_find(o, Q_FIND_ID, a->id, other);
    if (found == 0)
        found = s_find(o, Q_FIND_HASH, hash, other);
    if (found == 0 && src)
        found = s_find(o, Q_FIND_SRC, src, other);
    if (found < 0)
        return -1;
    if (found) {
        if (dup_id)
            memcpy(dup_id, other, sizeof other);
        if (src) {
            sqlite3_stmt *st = s_stmt(o, Q_SEEN);
            s_text(st, 1, src);
            s_text(st, 2, other);
            int rc = sqlite3_step(st);
            sqlite3_reset(st);
            if (rc != SQLITE_DONE)
                return s_fail(o, "outbox seen");
        }
        return 0;
    }
    struct pl_buf body;
    pl_buf_init(&body);
    struct pl_diag diag;
    if (pl_article_encode(a, &body, &diag) != PL_OK) {
        snprintf(o->err, sizeof o->err, "cannot encode article %s: %s", a->id, diag.where);
        pl_buf_release(&body);
        return -1;
    }
    int rc = s_insert(o, a->id, src, a->url, a->title, hash, OUTBOX_PENDING, NULL, &body);
    pl_buf_release(&body);
    return rc == 0 ? 1 : -1;
}

int outbox_add_dead(struct outbox *o, const char *src, const char *url, const char *reason)
{
    int found = s_find(o, Q_FIND_SRC, src, NULL);
    if (found != 0)
        return found < 0 ? -1 : 0;
    char id[PL_ID_HEX + 1];
    const char *parts[1] = {src};
    size_t lens[1] = {strlen(src)};
    pl_id_hash(id, "parley.intake.v1", parts, lens, 1);
    return s_insert(o, id, src, url, NULL, NULL, OUTBOX_DEAD, reason, NULL) == 0 ? 1 : -1;
}

int outbox_next(struct outbox *o, size_t max, outbox_body_fn *fn, void *arg)
{
    /* Collected first: fn leases (updates) the rows the statement is reading. */
    struct item {
        char id[PL_ID_HEX + 1];
        uint32_t attempts;
        void *body;
        size_t len;
    } *items = pl_xcalloc(max ? max : 1, sizeof *items);
    sqlite3_stmt *st = s_stmt(o, Q_NEXT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
    size_t n = 0;
    int rc;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct item *it = &items[n++];
        snprintf(it->id, sizeof it->id, "%s", (const char *)sqlite3_column_text(st, 0));
        it->attempts = (uint32_t)sqlite3_column_int(st, 1);
        it->len = (size_t)sqlite3_column_bytes(st, 2);
        it->body = pl_xmalloc(it->len ? it->len : 1);
        if (it->len)
            memcpy(it->body, sqlite3_column_blob(st, 2), it->len);
    }
    int result = (int)n;
    if (n < max && rc != SQLITE_DONE)
        result = s_fail(o, "outbox read");
    sqlite3_reset(st);
    for (size_t i = 0; i < n; i++) {
        if (result >= 0 && fn(items[i].id, items[i].attempts, items[i].body, items[i].len, arg))
            result = -1;
        free(items[i].body);
    }
    free(items);
    return result;
}

int outbox_lease(struct outbox *o, const char *id, int64_t until_ms)
{
    char now[40];
    s_now(now);
    sqlite3_stmt *st = s_stmt(o, Q_LEASE);
    s_text(st, 1, id);
    sqlite3_bind_int64(st, 2, until_ms);
    s_text(st, 3, now);
    int rc = sqlite3_step(st);
    int attempts = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? attempts : s_fail(o, "outbox lease");
}

int outbox_done(struct outbox *o, const char *id)
{
    char now[40];
    s_now(now);
    sqlite3_stmt *st = s_stmt(o, Q_DONE);
    s_text(st, 1, id);
    s_text(st, 2, now);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return s_fail(o, "outbox done");
    return sqlite3_changes(o->db) > 0;
}

int outbox_fail(struct outbox *o, const char *id, const char *reason, uint32_t max_attempts)
{
    sqlite3_stmt *st = s_stmt(o, Q_GET);
    s_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        snprintf(o->err, sizeof o->err, "no article %s in the outbox", id);
        return -1;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return s_fail(o, "outbox read");
    }
    int state = sqlite3_column_int(st, 0);
    uint32_t attempts = (uint32_t)sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    if (state == OUTBOX_DONE || state == OUTBOX_DEAD)
        return state;
    int next = attempts >= max_attempts ? OUTBOX_DEAD : OUTBOX_PENDING;
    char now[40];
    s_now(now);
    st = s_stmt(o, Q_FAIL);
    s_text(st, 1, id);
    sqlite3_bind_int(st, 2, next);
    s_text(st, 3, reason);
    s_text(st, 4, now);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? next : s_fail(o, "outbox fail");
}

int64_t outbox_retry_dead(struct outbox *o, const char *id)
{
    sqlite3_stmt *st = NULL;
    const char *sql = id ? "UPDATE outbox SET state = 0, attempts = 0 WHERE state = 3 AND"
                           " body IS NOT NULL AND id = ?1"
                         : "UPDATE outbox SET state = 0, attempts = 0 WHERE state = 3 AND"
                           " body IS NOT NULL";
    if (sqlite3_prepare_v2(o->db, sql, -1, &st, NULL) != SQLITE_OK)
        return s_fail(o, "outbox retry");
    if (id)
        s_text(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? sqlite3_changes64(o->db) : s_fail(o, "outbox retry");
}

int outbox_counts(struct outbox *o, struct outbox_counts *c)
{
    memset(c, 0, sizeof *c);
    sqlite3_stmt *st = s_stmt(o, Q_COUNTS);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t n = (uint64_t)sqlite3_column_int64(st, 1);
        switch (sqlite3_column_int(st, 0)) {
        case OUTBOX_PENDING:
            c->pending = n;
            break;
        case OUTBOX_LEASED:
            c->leased = n;
            break;
        case OUTBOX_DONE:
            c->done = n;
            break;
        case OUTBOX_DEAD:
            c->dead = n;
            break;
        default:
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(o, "outbox counts");
}

int outbox_counts_active(struct outbox *o, struct outbox_counts *c)
{
    memset(c, 0, sizeof *c);
    for (int state = OUTBOX_PENDING; state <= OUTBOX_LEASED; state++) {
        sqlite3_stmt *st = s_stmt(o, Q_COUNT_STATE);
        sqlite3_bind_int(st, 1, state);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            return s_fail(o, "outbox counts");
        }
        uint64_t n = (uint64_t)sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (state == OUTBOX_PENDING)
            c->pending = n;
        else
            c->leased = n;
    }
    return 0;
}

static const char *s_col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int outbox_list(struct outbox *o, int state, uint32_t limit, outbox_row_fn *fn, void *arg)
{
    sqlite3_stmt *st = NULL;
    const char *sql = state >= 0 ? "SELECT id, src, url, title, reason, updated_at, state,"
                                   " attempts FROM outbox WHERE state = ?1 ORDER BY"
                                   " updated_at DESC, n DESC LIMIT ?2"
                                 : "SELECT id, src, url, title, reason, updated_at, state,"
                                   " attempts FROM outbox WHERE ?1 < 0 ORDER BY"
                                   " updated_at DESC, n DESC LIMIT ?2";
    if (sqlite3_prepare_v2(o->db, sql, -1, &st, NULL) != SQLITE_OK)
        return s_fail(o, "outbox list");
    sqlite3_bind_int(st, 1, state);
    sqlite3_bind_int64(st, 2, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct outbox_row r = {
            .id = s_col(st, 0),
            .src = s_col(st, 1),
            .url = s_col(st, 2),
            .title = s_col(st, 3),
            .reason = s_col(st, 4),
            .updated_at = s_col(st, 5),
            .state = (enum outbox_state)sqlite3_column_int(st, 6),
            .attempts = (uint32_t)sqlite3_column_int(st, 7),
        };
        if (fn(&r, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    int result = rc == SQLITE_DONE ? 0 : s_fail(o, "outbox list");
    sqlite3_finalize(st);
    return result;
}

int outbox_validators_get(struct outbox *o, const char *url, char **etag, char **last_modified)
{
    *etag = *last_modified = NULL;
    sqlite3_stmt *st = s_stmt(o, Q_VAL_GET);
    s_text(st, 1, url);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (s_col(st, 0))
            *etag = pl_xstrdup(s_col(st, 0));
        if (s_col(st, 1))
            *last_modified = pl_xstrdup(s_col(st, 1));
        rc = SQLITE_DONE;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(o, "outbox validators");
}

int outbox_validators_put(struct outbox *o, const char *url, const char *etag,
                          const char *last_modified)
{
    char now[40];
    s_now(now);
    sqlite3_stmt *st = s_stmt(o, Q_VAL_PUT);
    s_text(st, 1, url);
    s_text(st, 2, etag);
    s_text(st, 3, last_modified);
    s_text(st, 4, now);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : s_fail(o, "outbox validators");
}

const char *outbox_state_name(enum outbox_state s)
{
    switch (s) {
    case OUTBOX_PENDING:
        return "pending";
    case OUTBOX_LEASED:
        return "leased";
    case OUTBOX_DONE:
        return "done";
    case OUTBOX_DEAD:
        return "dead";
    }
    return "unknown";
}
