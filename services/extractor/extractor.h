/* extractor.h - parley-extractor: codes articles into event mentions.
 *
 * This first version connects to the fetcher (work, DEALER) and the store (ingest, DEALER),
 * offers its credit with READY and answers heartbeats. The extraction library is not built
 * yet, so a TASK is refused with NACK and its reason, never silently dropped.
 */
#ifndef EXTRACTOR_H
#define EXTRACTOR_H

#include <stdint.h>

#include "pl_base.h"
#include "pl_sock.h"

struct extractor_config {
    char *work_connect;   /* the fetcher's work endpoint */
    char *ingest_connect; /* the store's ingest endpoint */
    int64_t credit;       /* tasks taken at once */
};

struct extractor;

struct extractor *extractor_new(const struct extractor_config *cfg,
                                const struct pl_sock_opts *zmq) PL_WUR;
int extractor_run(struct extractor *self, int sigfd) PL_WUR;
void extractor_destroy(struct extractor **self_p);

#endif
