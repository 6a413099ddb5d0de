/* outbox.h - the fetcher's durable outbox: every article it takes in, and what became of it.
 *
 * One SQLite database (<data dir>/outbox.db, WAL). An article is written here, and the write
 * committed, before any extractor sees it; then it moves pending -> leased -> done, or to
 * dead after too many attempts (with the reason kept). On open, leased articles become
 * pending again: whoever held them is gone with the process that leased them.
 *
 * De-duplication: an article whose id (canonical URL, or content for files without one) or
 * whose text (BLAKE2b of the text) is already in the outbox is not added again, and a source
 * (file path or URL) already taken in is not read again, so a restarted fetcher resends
 * nothing it finished. Intake failures (a page that is gone, a file too large) are kept as
 * dead rows too, so nothing given to parley disappears without a trace.
 *
 * The article text is kept until the article is done, then dropped (the store has the
 * events; the outbox keeps the id, source, URL and hash for de-duplication).
 *
 * Writes go inside outbox_begin/outbox_commit, so the fetcher groups the work of one round
 * of its loop into one transaction. Every function returns -1 on a database error and
 * leaves a message for outbox_errmsg.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"
#include "pl_id.h"
#include "pl_record.h"

enum outbox_state { OUTBOX_PENDING = 0, OUTBOX_LEASED = 1, OUTBOX_DONE = 2, OUTBOX_DEAD = 3 };

struct outbox;

struct outbox_counts {
    uint64_t pending, leased, done, dead;
};

/* What outbox_list reports of one article. */
struct outbox_row {
    const char *id;
    const char *src;    /* where it came from: a path, "stdin", a URL */
    const char *url;    /* may be NULL */
    const char *title;  /* may be NULL */
    const char *reason; /* why it is dead, or the last failure; may be NULL */
    const char *updated_at;
    enum outbox_state state;
    uint32_t attempts;
};

typedef int outbox_row_fn(const struct outbox_row *row, void *arg);
/* Called by outbox_next with a pending article's id, attempts so far and encoded body. */
typedef int outbox_body_fn(const char *id, uint32_t attempts, const void *body, size_t len,
                           void *arg);

/* Opens (creating path and its schema when missing; read_only: never creates or writes).
 * NULL with a reason in err. */
struct outbox *outbox_open(const char *path, bool read_only, char *err, size_t errlen) PL_WUR;
void outbox_close(struct outbox **o);
const char *outbox_errmsg(const struct outbox *o);

int outbox_begin(struct outbox *o) PL_WUR;
int outbox_commit(struct outbox *o) PL_WUR;
void outbox_rollback(struct outbox *o);

/* Leased articles back to pending (at start-up); returns how many, or -1. */
int64_t outbox_requeue_leased(struct outbox *o);

/* 1 when a was added as pending; 0 when it is a duplicate (its id, its text or src was there
 * already: *dup_id, when given, names the article it duplicates). src may be NULL. */
int outbox_add(struct outbox *o, const struct pl_article *a, const char *src,
               char dup_id[PL_ID_HEX + 1]);
/* Records an intake failure as a dead article: id is derived from src. 1 added, 0 the source
 * was known already. */
int outbox_add_dead(struct outbox *o, const char *src, const char *url, const char *reason);
/* 1 when src was taken in before (in any state), 0 when not. */
int outbox_has_src(struct outbox *o, const char *src);
/* 1 when src was taken in before, or an article has src as its URL (a redirect reached it,
 * or it named it canonical): a link that need not be fetched. */
int outbox_has_url(struct outbox *o, const char *src);

/* Calls fn for up to max pending articles, oldest first (fn leases them, so the next call
 * sees the next ones). Returns how many were passed, or -1. */
int outbox_next(struct outbox *o, size_t max, outbox_body_fn *fn, void *arg);
/* pending -> leased, attempts + 1; returns the new attempt count, 0 when the article was not
 * pending, -1 on error. */
int outbox_lease(struct outbox *o, const char *id, int64_t until_ms);
/* -> done (from pending or leased); 1 when it changed, 0 when it was done, dead or unknown. */
int outbox_done(struct outbox *o, const char *id);
/* A failed attempt (NACK, expired lease): back to pending, or dead when attempts reached
 * max_attempts; reason is kept either way. Returns the new state, or -1. Done or dead
 * articles are left as they are (their state is returned). */
int outbox_fail(struct outbox *o, const char *id, const char *reason, uint32_t max_attempts);
/* Dead articles (all when id is NULL) back to pending with their attempts reset; those
 * without a body (intake failures) are left. Returns how many, or -1. */
int64_t outbox_retry_dead(struct outbox *o, const char *id);

int outbox_counts(struct outbox *o, struct outbox_counts *c);
/* Only pending and leased (done and dead left 0): cheap however large the outbox grows. */
int outbox_counts_active(struct outbox *o, struct outbox_counts *c);
/* Articles in state (all states when state < 0), newest change first, at most limit. */
int outbox_list(struct outbox *o, int state, uint32_t limit, outbox_row_fn *fn, void *arg);

/* Conditional-GET validators of a feed or page URL (NULL when none). */
int outbox_validators_get(struct outbox *o, const char *url, char **etag, char **last_modified);
int outbox_validators_put(struct outbox *o, const char *url, const char *etag,
                          const char *last_modified);

const char *outbox_state_name(enum outbox_state s);

#endif
