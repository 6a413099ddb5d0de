/* db_backend.h - what a database backend implements for db.c (internal to the store).
 *
 * Every primitive runs inside the transaction db.c opened with begin; none commits on its
 * own. Each returns -1 on a database error and leaves a message for errmsg. The writes and
 * reads of a batch are asked for a set at a time (its mentions, the events they touch), so
 * that a client-server backend can send each set in one round trip.
 */
#ifndef STORE_DB_BACKEND_H
#define STORE_DB_BACKEND_H

#include "db.h"

/* One mention of a batch: what to store, and (filled by mentions_put) what happened. */
struct store_mention_row {
    const char *id;
    const char *event_id;
    const void *body; /* the encoded mention */
    size_t len;
    bool is_new;      /* stored now: its id was not there */
    bool new_article; /* stored now, and its article had not reported its event before */
};

/* One new version of an event. is_new: there was no version yet; new_location: a merge gave
 * it its first location. */
struct store_event_row {
    const struct pl_event *e;
    bool is_new;
    bool new_location;
    const void *body; /* the encoded version */
    size_t len;
};

struct store_db_ops {
    const char *name;
    void (*close)(void *h);
    const char *(*errmsg)(void *h);
    int (*begin)(void *h);
    /* 0 when committed; -1 when not (err says why); 1 (deferring backends) when a statement
     * of the deferred group failed or a batch of it was rolled back: nothing was stored. */
    int (*commit)(void *h);
    int (*rollback)(void *h);
    /* A savepoint inside the transaction, released on success or rolled back to (and
     * released) on failure: how one batch of a group commit fails alone when the group is
     * stored again batch by batch (a first attempt has none: see db.c's s_group). */
    int (*savepoint)(void *h);
    int (*release)(void *h);
    int (*rollback_to)(void *h);
    /* Tests only: a statement of the open batch that the database refuses, as a constraint
     * or I/O error would - at once (SQLite) or when the batch's queued statements are read
     * (PostgreSQL, in pipeline mode). */
    int (*fail_statement)(void *h);
    /* Highest seq in the log. */
    int (*head)(void *h, uint64_t *head);
    /* 1 and the stored answer when (article, xv) was stored before, 0 when not. */
    int (*batch_get)(void *h, const char *article, const char *xv, uint64_t *first,
                     uint32_t *count);
    int (*batch_put)(void *h, const char *article, const char *xv, uint64_t first, uint32_t count,
                     uint32_t mentions, const char *now);
    /* Inserts the article unless it is there. */
    int (*article_put)(void *h, const struct pl_article_ref *a, const char *now);
    /* Stores a batch's mentions in order: each whose id is not there yet, with the pair
     * (its event, the article) unless the article already reported the event. Sets is_new
     * and new_article on every row. */
    int (*mentions_put)(void *h, const char *article, const char *xv,
                        struct store_mention_row *rows, size_t n);
    /* The current encoded version of each event: found[i] and bodies[i] when there is one.
     * Events are found by their date (dates[i], NULL for none) and id: see migration 6. */
    int (*events_get)(void *h, const char *const *ids, const char *const *dates, size_t n,
                      struct pl_buf *bodies, bool *found);
    /* Makes each row's event (encoded as body) the current version and appends it to the log
     * at its seq. A backend with index_put appends to the log only: see there. */
    int (*events_put)(void *h, const struct store_event_row *rows, size_t n);
    /* Optional (NULL: events_put keeps the events table itself). The events table of such a
     * backend is brought up to date with the log in bulk, by db.c (see s_flush there): each
     * row's event gets its version's seq, counts and last_seen, its location country when
     * new_location (is_new is not used: a row is inserted when its event has none yet).
     * Rows come sorted by the events' key. */
    int (*index_put)(void *h, const struct store_event_row *rows, size_t n);
    /* With index_put: the highest seq in the events table - every version up to it is
     * there, none after it (see s_flush) - ... */
    int (*indexed)(void *h, uint64_t *seq);
    /* With index_put, optional: whether the transactions begun from now on must be durable
     * (false: as every ingest) or need not (true: index_put's, whose content the log already
     * holds durably) - SQLite then commits without waiting for the disk. */
    int (*relax)(void *h, bool relaxed);
    /* ... and the versions at these seqs from the log (found[i] when there is one). */
    int (*log_get)(void *h, const uint64_t *seqs, size_t n, struct pl_buf *bodies, bool *found);
    /* Optional (NULL: the backend does not defer). Called once after begin with what the
     * group will read: the articles of its batches (as article_put will get them) and the
     * events their mentions touch (ids and dates as for events_get, repeats allowed) that
     * db.c has not cached. A backend
     * that takes it stores the articles now, answers the group's reads (batch_get,
     * mentions_put's novelty, events_get) from what it fetched and what the group wrote,
     * and holds every write until commit: a client-server database then takes two round
     * trips a group instead of several a batch. db.c asks for no savepoint in such a group
     * (nor in any first attempt at a group): a batch that fails makes it roll the whole group
     * back, as does commit answering 1 (a statement refused at commit), and store the group
     * again without prefetch, batch by batch in savepoints. -1: the same, at once. */
    int (*prefetch)(void *h, const struct pl_article_ref *articles, size_t n_articles,
                    const char *const *event_ids, const char *const *event_dates, size_t n_ids,
                    const char *now);
    /* from_log: versions from the log (SINCE); otherwise current events (QUERY). */
    int (*read)(void *h, bool from_log, uint64_t after, const struct pl_filter *f, uint32_t max,
                store_event_fn fn, void *arg);
    /* Optional (NULL: an embedded database, never lost). True once the connection to the
     * database server is gone (a server restarted, a session ended by an administrator, a
     * network cut): every statement fails until reconnect succeeds. */
    bool (*lost)(void *h);
    /* Connects again and sets the session up as open did (the writer's lock included); any
     * open transaction is gone with the old connection. 0, or -1 (errmsg says why). */
    int (*reconnect)(void *h);
};

/* Backends: open and return their handle, or NULL with a message in err. */
void *store_sqlite_open(const struct store_db_config *cfg, const struct store_db_ops **ops,
                        char *err, size_t errlen);
/* Creates or migrates the SQLite file at path to schema version target and closes it: how
 * the tests make a database as an older parley left it. */
int store_sqlite_migrate_file(const char *path, int target, char *err, size_t errlen);
void *store_pg_open(const struct store_db_config *cfg, const struct store_db_ops **ops, char *err,
                    size_t errlen);

#endif
