/* store.h - parley-store: persists mentions, merges them into events, republishes them.
 *
 * This first version binds its three sockets - ingest (ROUTER), live (PUB) and replay
 * (ROUTER) - and speaks the protocol's edges: EVENTS are refused with ERR and a reason
 * (there is no database yet), SINCE and QUERY get an empty reply (END with head 0), and the
 * live stream carries a heartbeat with the head sequence.
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
};

struct store;

struct store *store_new(const struct store_config *cfg, const struct pl_sock_opts *zmq) PL_WUR;
int store_run(struct store *self, int sigfd) PL_WUR;
void store_destroy(struct store **self_p);

#endif
