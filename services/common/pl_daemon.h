/* pl_daemon.h - what every parley daemon's main does, written once.
 *
 * pl_daemon_main parses -h, -c FILE, -n, -v and -q; loads the configuration (defaults, then
 * the file, then validation); sets up logging; blocks the termination signals before any
 * ZeroMQ context exists; logs the effective configuration once; and calls the service's run
 * function with a signalfd to put in its poll loop. Exit codes follow sysexits(3): 0 clean,
 * 64 usage, 69 a resource is unavailable (a bind failed), 70 internal error, 78 config.
 */
#ifndef PL_DAEMON_H
#define PL_DAEMON_H

#include <stddef.h>

#include "pl_cfg.h"
#include "pl_loop.h"
#include "pl_sock.h"

#define PL_EX_OK          0
#define PL_EX_USAGE       64
#define PL_EX_UNAVAILABLE 69
#define PL_EX_SOFTWARE    70
#define PL_EX_CONFIG      78

/* Settings every daemon has: log level and socket options. */
struct pl_common_cfg {
    char *log_level;         /* "error", "warn", "info" or "debug" */
    struct pl_sock_opts zmq; /* applied to every socket */
    struct pl_curve curve;   /* CURVE and ZAP (zmq.curve points here) */
};

struct pl_daemon_spec {
    const char *name;    /* service name in logs, e.g. "store" (the program is parley-store) */
    const char *summary; /* one line for -h */
    const char *details; /* further -h text: sockets, behaviour (may be NULL) */
    struct pl_common_cfg *common;     /* filled by pl_daemon_main */
    const struct pl_cfg_section *own; /* the service's own keys */
    size_t nown;                      /* entries in own */
    /* Runs the service until a termination signal arrives on sigfd; returns an exit code. */
    int (*run)(void *arg, int sigfd);
    void *arg; /* passed to run: the service's config struct */
    /* Operands after the options, e.g. "[PATH|URL ...]"; NULL when the daemon takes none. */
    bool binds; /* it binds sockets: with CURVE on, curve.allow must list clients */
    const char *operands;
    /* Applies the operands (after the config file, before the check); 0, or -1 after
     * printing why they are wrong (exit 64). */
    int (*apply_operands)(void *arg, int argc, char **argv);
};

int pl_daemon_main(int argc, char **argv, const struct pl_daemon_spec *spec);

/* A loop callback for the signalfd: logs the signal and stops the loop. */
int pl_daemon_on_signal(struct pl_loop *loop, int fd, void *arg);

#endif
