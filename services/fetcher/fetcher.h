/* fetcher.h - parley-fetcher: takes in articles and hands them to extractors under leases.
 *
 * This first version owns the work socket (ROUTER, bound) and speaks the work protocol's
 * bookkeeping: it records the credit extractors offer with READY, answers HB, and counts
 * DONE and NACK. Sources and the durable outbox are not built yet, so no TASK is sent.
 */
#ifndef FETCHER_H
#define FETCHER_H

#include "pl_base.h"
#include "pl_sock.h"

struct fetcher_config {
    char *work_bind; /* endpoint the work ROUTER binds, such as tcp://0.0.0.0:5555 */
};

struct fetcher;

/* NULL on failure (logged). Does not keep cfg or zmq. */
struct fetcher *fetcher_new(const struct fetcher_config *cfg,
                            const struct pl_sock_opts *zmq) PL_WUR;
/* Serves until a termination signal arrives on sigfd: 0, or -1 on a fatal error. */
int fetcher_run(struct fetcher *self, int sigfd) PL_WUR;
void fetcher_destroy(struct fetcher **self_p);

#endif
