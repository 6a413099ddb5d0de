/* store.h - parley-store: persists mentions, merges them into events, republishes them.
 *
 * One thread, one poll loop, three sockets:
 *   - ingest (ROUTER): EVENTS from extractors. The batches that arrive together are stored
 *     in one transaction (group commit), each atomically in its own savepoint (db.h), and
 *     each is answered with OK (first_seq, count) only after the commit; a batch that cannot
 *     be stored is answered with ERR and a reason, and the store carries on.
 *   - live (PUB): after each commit, every event the batch created or changed, as a topic
 *     frame ("ev.<root>.<source country>.<target country>.") and the encoded event with its
 *     seq; a heartbeat ("HB" with the head seq) every live.heartbeat_ms.
 *   - replay (ROUTER): SINCE seq max [filter] -> one BATCH of at most max event versions
 *     with a greater seq, then END head; QUERY filter limit -> BATCHes of the current
 *     events, then END head.
 */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>

#include "pl_base.h"
#include "pl_sock.h"

struct store_config {
    char *ingest_bind;    /* endpoint for extractors */
    char *live_bind;      /* endpoint for subscribers (PUB) */
    char *replay_bind;    /* endpoint for replay and queries */
    int64_t heartbeat_ms; /* interval of HB on the live stream */
    char *backend;        /* "sqlite" or "postgres" */
    char *data_dir;       /* sqlite: folder of parley.db */
    char *conninfo;       /* postgres: libpq connection string */
    int64_t event_cache;  /* events kept decoded in memory (0: none) */
};

struct store;

struct store *store_new(const struct store_config *cfg, const struct pl_sock_opts *zmq) PL_WUR;
int store_run(struct store *self, int sigfd) PL_WUR;
void store_destroy(struct store **self_p);

#endif
