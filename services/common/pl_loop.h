/* pl_loop.h - the one poll loop of every parley daemon.
 *
 * A loop watches ZeroMQ sockets and plain descriptors (the signalfd) with zmq_poll, and runs
 * timers. Callbacks return 0 to go on or -1 to stop the loop with an error. pl_loop_stop
 * ends the loop after the current round; pl_loop_run then returns 0.
 */
#ifndef PL_LOOP_H
#define PL_LOOP_H

#include <stdint.h>

#include "pl_base.h"

struct pl_loop;

/* Called when sock has a message to read. */
typedef int pl_sock_fn(struct pl_loop *loop, void *sock, void *arg);
/* Called when fd is readable. */
typedef int pl_fd_fn(struct pl_loop *loop, int fd, void *arg);
/* Called every interval. */
typedef int pl_timer_fn(struct pl_loop *loop, void *arg);

struct pl_loop *pl_loop_new(void);
void pl_loop_destroy(struct pl_loop **loop_p);

int pl_loop_add_socket(struct pl_loop *loop, void *sock, pl_sock_fn *fn, void *arg) PL_WUR;
int pl_loop_add_fd(struct pl_loop *loop, int fd, pl_fd_fn *fn, void *arg) PL_WUR;
/* Stops watching sock (e.g. to stop taking work when out of credit); safe if not watched. */
void pl_loop_remove_socket(struct pl_loop *loop, void *sock);
/* Returns a timer id (>= 0) or -1. The first call comes interval_ms from now. */
int pl_loop_add_timer(struct pl_loop *loop, int64_t interval_ms, pl_timer_fn *fn, void *arg) PL_WUR;
void pl_loop_cancel_timer(struct pl_loop *loop, int id);

void pl_loop_stop(struct pl_loop *loop);
/* Runs until pl_loop_stop (returns 0) or a callback fails (returns -1). */
int pl_loop_run(struct pl_loop *loop) PL_WUR;

#endif
