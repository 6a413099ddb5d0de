/* fetcher.h - parley-fetcher: takes in articles and hands them to extractors under leases.
 *
 * Inputs (fetcher.inputs, and the command line's operands): files, folders (read once, or
 * watched with inotify when sources.watch is on), "-" for stdin, and http(s) URLs - a feed
 * (RSS or Atom, polled every sources.feed_interval_s) or a web page, told apart by what the
 * URL returns. Every article goes into the durable outbox (outbox.h) before it is offered.
 *
 * Delivery: extractors connect to the work ROUTER and say READY with their window (the tasks
 * they hold at once), again every second or so. The fetcher sends TASKs only into free places
 * of a window, each under a lease of fetcher.lease_ms; DONE frees the place and finishes the
 * article; NACK or a lease that runs out puts it back to pending, or dead once it has had
 * fetcher.max_attempts attempts. An extractor silent for fetcher.worker_timeout_ms is
 * forgotten and its leases handed back. Intake stops while fetcher.intake_hwm articles are
 * pending, so memory (and the outbox) stays bounded whatever waits in the inputs.
 *
 * With fetcher.once the fetcher exits 0 once every input is read and every article is done
 * or dead: how `parley up --once` knows the run is over.
 */
#ifndef FETCHER_H
#define FETCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "pl_base.h"
#include "pl_cfg.h"
#include "pl_sock.h"

struct fetcher_config {
    char *work_bind;             /* endpoint the work ROUTER binds, such as tcp://0.0.0.0:5555 */
    char *data_dir;              /* folder of outbox.db */
    int64_t lease_ms;            /* a TASK's lease */
    int64_t max_attempts;        /* deliveries before an article is dead */
    int64_t intake_hwm;          /* stop taking in while this many articles are pending */
    int64_t worker_timeout_ms;   /* forget an extractor silent this long */
    int64_t status_s;            /* a status line this often (0: never) */
    bool once;                   /* exit when every input is finished */
    struct pl_strlist inputs;    /* files, folders, "-", URLs */
    bool watch;                  /* keep watching the folders among the inputs */
    int64_t feed_interval_s;     /* poll feeds this often */
    char *user_agent;            /* HTTP User-Agent */
    bool robots;                 /* respect robots.txt */
    int64_t http_timeout_ms;     /* whole transfer */
    int64_t http_connect_ms;     /* connection set-up */
    int64_t http_max_bytes;      /* body cap */
    int64_t http_max_redirects;  /* redirects followed */
    int64_t http_per_host;       /* transfers at once per host */
    int64_t http_delay_ms;       /* between two requests to one host */
    int64_t http_retries;        /* further tries after a retryable failure */
    int64_t http_backoff_ms;     /* first backoff; doubles each try */
    int64_t http_backoff_max_ms; /* backoff cap */
};

struct fetcher;

/* NULL on failure (logged). Does not keep cfg or zmq. */
struct fetcher *fetcher_new(const struct fetcher_config *cfg,
                            const struct pl_sock_opts *zmq) PL_WUR;
/* Serves until a termination signal arrives on sigfd (or, with once, until every input is
 * finished): 0, or -1 on a fatal error. */
int fetcher_run(struct fetcher *self, int sigfd) PL_WUR;
void fetcher_destroy(struct fetcher **self_p);

#endif
