/* db.h - the store's database: one small interface, two backends (SQLite, PostgreSQL).
 *
 * A backend implements a handful of primitives (struct store_db_ops); everything about what
 * the store promises - idempotent batches, merging mentions across articles, gapless
 * sequence numbers - lives once, in db.c, on top of them:
 *
 *   - each EVENTS batch is atomic: batches stored together share one transaction (group
 *     commit), and one that fails is rolled back alone; nothing is visible until the commit;
 *   - a batch is keyed by (article id, extractor version): the same batch again gets the
 *     answer it got the first time (first_seq, count) and changes nothing;
 *   - a mention is keyed by its id: a duplicate never makes a row or counts twice;
 *   - mentions with the same (date, source code, target code, CAMEO code) form one event;
 *     every batch that changes an event gives it the next sequence number, and the version
 *     of the event with that number goes into the log, so `SINCE n` replays exactly what the
 *     live stream published after n, gaplessly, in order.
 *
 * Tables (both backends): articles, batches, mentions, events (the current version of each
 * merged event, with columns for the query filters and indexes on them; on SQLite written
 * in bulk, behind the log - see store_db_flush), event_articles, and log (seq -> event
 * version). The schema is versioned; store_db_open migrates an older database forward
 * inside a transaction and refuses a newer one.
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"
#include "pl_msg.h"

/* The schema version this build writes. */
#define STORE_SCHEMA_VERSION 7

struct store_db_config {
    char *backend;  /* "sqlite" or "postgres" */
    char *data_dir; /* sqlite: the database is <data_dir>/parley.db */
    char *conninfo; /* postgres: a libpq connection string */
    bool read_only; /* sqlite: open the file at path for reading only (queries, exports) */
    char *path;     /* sqlite, read_only: the database file */
    /* Writers: how many recently changed events to keep decoded in memory (0: none). */
    size_t event_cache;
};

/* One event a batch created or changed, for publication after commit. */
struct store_change {
    uint64_t seq;       /* its new sequence number */
    char topic[64];     /* live-stream topic, see store_topic() */
    struct pl_buf body; /* the encoded event (a top-level map with "v") */
};

/* What an EVENTS batch did. */
struct store_ingest_result {
    uint64_t first_seq;           /* seq of the first changed event (0: none) */
    uint32_t count;               /* events created or changed */
    bool replayed;                /* the batch was stored before: nothing changed */
    uint32_t new_mentions;        /* mentions stored */
    uint32_t dup_mentions;        /* mentions already stored, ignored */
    bool failed;                  /* the batch was rolled back: error says why */
    char error[256];              /* why it failed */
    struct store_change *changes; /* n_changes entries, in seq order */
    uint32_t n_changes;           /* count, or 0 when replayed: nothing to publish again */
};

void store_ingest_result_release(struct store_ingest_result *r);

/* Called with each event a read returns, in seq order; non-zero stops the read. */
typedef int (*store_event_fn)(uint64_t seq, const void *body, size_t len, void *arg);

struct store_db;

/* Opens (and creates or migrates) the database. NULL with a message in err on failure. */
struct store_db *store_db_open(const struct store_db_config *cfg, char *err, size_t errlen) PL_WUR;
void store_db_close(struct store_db **db);

/* Highest committed seq (0 for an empty store). */
uint64_t store_db_head(const struct store_db *db);

/* Stores one EVENTS batch in one transaction; now is the ISO-8601 time of storage.
 * 0 on success (res filled); -1 with a message in err, and nothing stored. */
int store_db_ingest(struct store_db *db, const struct pl_events *ev, const char *now,
                    struct store_ingest_result *res, char *err, size_t errlen) PL_WUR;

/* Group commit: stores n batches in one transaction, so that a batch that fails is rolled
 * back alone (res[i].failed, res[i].error) and the others commit. 0 when the transaction
 * committed; -1 when it could not (err says why; nothing was stored and every res[i] is
 * empty); STORE_DB_UNREACHABLE (below) when the database server cannot be reached. Seqs stay
 * gapless: a rolled-back batch gives its seqs back. The group is stored as a whole first, without a
 * savepoint a batch (PostgreSQL: reads up front, writes at commit, a few statements for all its
 * rows); when anything of it fails, it is rolled back and stored again batch by batch, each in a
 * savepoint, so the outcome is the same (store_db_redone counts these; err then says what made the
 * first attempt fail, though 0 is returned). */
int store_db_ingest_group(struct store_db *db, const struct pl_events *const *evs, size_t n,
                          const char *now, struct store_ingest_result *res, char *err,
                          size_t errlen) PL_WUR;

/* store_db_ingest_group's answer when the database server cannot be reached (PostgreSQL: the
 * connection is gone and connecting again failed, err says why): nothing is known to be
 * stored, every res[i] is empty, and the caller is to hold the group and try again later
 * (store_db_reconnect, or the same call: it reconnects first). Not a verdict on the
 * batches. A connection lost in the middle of a group is made again at once and the group
 * stored again, so a session ended while the server stays up costs nothing. The calls that
 * find the connection gone (this one, store_db_since, store_db_query) connect again on a
 * thread of their own and wait a quarter of a second for it: while that attempt runs on (a
 * server that does not answer keeps it up to libpq's connect_timeout), they return
 * STORE_DB_UNREACHABLE at once, so the caller's loop goes on; store_db_close waits for it. */
#define STORE_DB_UNREACHABLE (-2)

/* Connects to the database server again (PostgreSQL; nothing to do for SQLite). Since a
 * transaction cut off at its COMMIT may or may not have been stored, the event cache is
 * emptied and the head read again. Here and now (after any attempt under way on its thread
 * has ended). 0, or -1 with a message in err. */
int store_db_reconnect(struct store_db *db, char *err, size_t errlen) PL_WUR;

/* Event versions with seq > after, matching f (NULL: all), at most max, in seq order.
 * These reads return -1 (err says why), or STORE_DB_UNREACHABLE when the database could not
 * be reached: the same read may succeed later. */
int store_db_since(struct store_db *db, uint64_t after, const struct pl_filter *f, uint32_t max,
                   store_event_fn fn, void *arg, char *err, size_t errlen) PL_WUR;

/* Current events matching f with seq > after, at most limit, in seq order: pages of a query
 * are asked for with the last seq seen. */
int store_db_query(struct store_db *db, uint64_t after, const struct pl_filter *f, uint32_t limit,
                   store_event_fn fn, void *arg, char *err, size_t errlen) PL_WUR;

/* Brings the events table (what queries and filtered replays read) up to date with the log.
 * On SQLite a merge only appends its event's new version to the log; the changed events wait
 * in memory and are written together, sorted by key: a page of the table or of an index is
 * then written once for many events instead of once a commit for each. This writes the most
 * of them changed longest ago (0: all) in one transaction; db.c writes all of them before a
 * query or a filtered SINCE and on close, and half of them after a group commit that leaves
 * 32,768 waiting (a busy store's case: an idle one writes them a few at a time). A store that
 * stops without writing them loses nothing: the next to open the database catches up from
 * the log. 0, or -1 with a message in err (the events keep waiting). */
int store_db_flush(struct store_db *db, size_t most, char *err, size_t errlen) PL_WUR;

/* How many changed events wait to be written into the events table. */
size_t store_db_waiting(const struct store_db *db);

/* How many versions the log has that the events table does not reflect yet: for a reader of
 * a database a store is writing (or stopped before flushing), whose queries miss them. */
int store_db_unindexed(struct store_db *db, uint64_t *versions) PL_WUR;

/* How many groups a deferring backend (PostgreSQL) had to store again batch by batch
 * because something in them failed; see store_db_ingest_group. */
uint64_t store_db_redone(const struct store_db *db);

/* Tests: the batch of this article (NULL: none) fails once its mentions and events are
 * written, so that the rollback of one batch of a group can be checked: here, before the
 * batch is recorded, or (in_database) through a statement the database itself refuses -
 * on PostgreSQL among the batch's queued statements, so that the error comes back in the
 * pipeline's results. */
void store_db_fail_article(struct store_db *db, const char *article_id, bool in_database);

/* The live-stream topic of an event: "ev.<root>.<source country>.<target country>." with "-"
 * for an absent target or country, e.g. "ev.04.ARM.AZE.". The trailing dot lets a subscriber
 * match whole parts by prefix ("ev.04." or "ev.19.RUS."). */
void store_topic(const struct pl_coding *c, char out[64]);

/* The merge key's id: BLAKE2b of (date, source code, target code, CAMEO code). */
void store_event_id(const struct pl_coding *c, char out[33]);

#endif
