/* db_backend.h - what a database backend implements for db.c (internal to the store).
 *
 * Every primitive runs inside the transaction db.c opened with begin; none commits on its
 * own. Each returns -1 on a database error and leaves a message for errmsg.
 */
#ifndef STORE_DB_BACKEND_H
#define STORE_DB_BACKEND_H

#include "db.h"

struct store_db_ops {
    const char *name;
    void (*close)(void *h);
    const char *(*errmsg)(void *h);
    int (*begin)(void *h);
    int (*commit)(void *h);
    int (*rollback)(void *h);
    /* A savepoint inside the transaction, released on success or rolled back to (and
     * released) on failure: how one batch of a group commit fails alone. */
    int (*savepoint)(void *h);
    int (*release)(void *h);
    int (*rollback_to)(void *h);
    /* Highest seq in the log. */
    int (*head)(void *h, uint64_t *head);
    /* 1 and the stored answer when (article, xv) was stored before, 0 when not. */
    int (*batch_get)(void *h, const char *article, const char *xv, uint64_t *first,
                     uint32_t *count);
    int (*batch_put)(void *h, const char *article, const char *xv, uint64_t first, uint32_t count,
                     uint32_t mentions, const char *now);
    /* Inserts the article unless it is there. */
    int (*article_put)(void *h, const struct pl_article_ref *a, const char *now);
    /* 1 when the mention is new and stored, 0 when its id was there. */
    int (*mention_put)(void *h, const char *id, const char *article, const char *xv,
                       const char *event_id, const void *body, size_t len);
    /* 1 and the current encoded version of the event, 0 when there is none. */
    int (*event_get)(void *h, const char *id, struct pl_buf *body);
    /* 1 when the pair is new, 0 when the article already reported the event. */
    int (*event_article_put)(void *h, const char *event_id, const char *article_id);
    /* Makes e (encoded as body) the current version and appends it to the log at e->seq.
     * is_new: there was no version yet; new_location: a merge gave it its first location. */
    int (*event_put)(void *h, const struct pl_event *e, bool is_new, bool new_location,
                     const void *body, size_t len);
    /* from_log: versions from the log (SINCE); otherwise current events (QUERY). */
    int (*read)(void *h, bool from_log, uint64_t after, const struct pl_filter *f, uint32_t max,
                store_event_fn fn, void *arg);
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
