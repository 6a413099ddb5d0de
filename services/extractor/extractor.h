/* extractor.h - parley-extractor: codes articles into event mentions.
 *
 * Work arrives from the fetcher as TASKs against the credit this extractor offers: READY
 * says how many tasks it holds at once (its window), at start and every work.ready_ms, so a
 * fetcher that restarts finds it again and one that hears nothing for a while knows it is
 * gone; DONE and NACK free a place in the window.
 * Each article is extracted, its mentions go to the store in one EVENTS message, and only
 * the store's OK makes the extractor send DONE to the fetcher: an extractor that dies at any
 * point loses nothing, because the fetcher's lease hands the article to someone else and
 * the store ignores what it already has. A store ERR or an article that cannot be read is
 * handed back with NACK and its reason. A store that does not answer gets the same EVENTS
 * again (the store is idempotent) up to ingest.retries times; after that the article is left
 * to the lease.
 *
 * SIGHUP reloads the dictionaries; a reload that fails keeps the old ones.
 */
#ifndef EXTRACTOR_H
#define EXTRACTOR_H

#include <stdint.h>

#include "pl_base.h"
#include "pl_sock.h"

struct extractor_config {
    char *work_connect;        /* the fetcher's work endpoint */
    char *ingest_connect;      /* the store's ingest endpoint */
    int64_t credit;            /* tasks taken at once */
    char *dict_dir;            /* dictionary folder */
    int64_t ingest_timeout_ms; /* wait this long for the store's OK before resending */
    int64_t ingest_retries;    /* resends every ingest_timeout_ms, then less and less often */
    int64_t ingest_hold_ms;    /* how long an unacknowledged article's lease is held (HOLD) */
    int64_t ready_ms;          /* READY (window and liveness) to the fetcher this often */
    char *work_server_key;     /* with CURVE: the fetcher's public key */
    char *ingest_server_key;   /* with CURVE: the store's public key */
};

struct extractor;

struct extractor *extractor_new(const struct extractor_config *cfg,
                                const struct pl_sock_opts *zmq) PL_WUR;
int extractor_run(struct extractor *self, int sigfd) PL_WUR;
void extractor_destroy(struct extractor **self_p);

#endif
