/* pl_sig.h - termination signals as poll events.
 *
 * pl_sig_open blocks SIGINT, SIGTERM and SIGHUP in the calling thread and returns a signalfd
 * that becomes readable when one arrives; SIGPIPE is ignored. Call it before zmq_ctx_new so
 * libzmq's I/O threads inherit the mask and no signal is ever delivered in signal context.
 * A child started with fork/exec must call pl_sig_restore first: the mask survives exec.
 */
#ifndef PL_SIG_H
#define PL_SIG_H

#include "pl_base.h"

/* Returns the descriptor (non-blocking, close-on-exec), or -1 (logged). */
int pl_sig_open(void) PL_WUR;
/* The signal waiting on fd, or 0 when none. */
int pl_sig_read(int fd);
/* Unblocks the signals and restores SIGPIPE (for a child before exec). */
void pl_sig_restore(void);
void pl_sig_close(int *fd);

#endif
