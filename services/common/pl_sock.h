/* pl_sock.h - the one place ZeroMQ sockets are made, configured, and exchange messages.
 *
 * Every socket parley opens gets its linger, high-water marks, maximum message size,
 * send/receive timeouts, reconnect backoff and ZMTP heartbeats from the configuration, and
 * every zmq_setsockopt is checked. ROUTER sockets are made mandatory, so a send to a peer
 * that is gone fails (EHOSTUNREACH) instead of vanishing.
 *
 * Messages are multipart: [identity frames] command frame, body frame (pl_msg.h).
 */
#ifndef PL_SOCK_H
#define PL_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "pl_base.h"
#include "pl_cfg.h"
#include "pl_curve.h"
#include "pl_log.h"
#include "pl_msg.h"

/* Socket options from the "zmq" config group. */
struct pl_sock_opts {
    int64_t linger_ms;            /* how long close waits to send what is queued */
    int64_t sndhwm;               /* messages queued per peer before sends block/fail */
    int64_t rcvhwm;               /* messages queued per peer on receive */
    int64_t max_msg_bytes;        /* larger incoming messages drop the connection */
    int64_t send_timeout_ms;      /* a send that cannot proceed fails with EAGAIN after this */
    int64_t recv_timeout_ms;      /* a blocking receive fails with EAGAIN after this */
    int64_t heartbeat_ivl_ms;     /* ZMTP PING interval (0 off) */
    int64_t heartbeat_timeout_ms; /* no traffic for this long closes the connection */
    int64_t reconnect_ivl_ms;     /* first reconnect delay */
    int64_t reconnect_max_ms;     /* reconnect backoff cap */
    const struct pl_curve *curve; /* CURVE settings (pl_daemon_main points it at the config) */
};

/* The "zmq.*" keys; base them on a struct pl_sock_opts. */
extern const struct pl_cfg_key pl_sock_cfg_keys[];
extern const size_t pl_sock_cfg_nkeys;

/* A socket of type, configured from o; name is for logs ("work"). NULL on failure (logged). */
void *pl_sock_new(void *ctx, int type, const struct pl_sock_opts *o, const char *name) PL_WUR;
int pl_sock_bind(void *sock, const char *endpoint, const char *name) PL_WUR;
int pl_sock_connect(void *sock, const char *endpoint, const char *name) PL_WUR;
/* Closes the socket and NULLs the pointer; safe on NULL. Queued messages get zmq.linger_ms
 * to leave. */
void pl_sock_close(void **sock);
/* The same without waiting: for sockets whose queued messages the protocol recovers anyway
 * (a lost READY is resent, a lost DONE or EVENTS ends in redelivery when the lease expires),
 * so shutdown does not wait on a peer that is gone. */
void pl_sock_close_now(void **sock);

#define PL_MAX_FRAMES 8

/* One received multipart message. */
struct pl_frames {
    zmq_msg_t f[PL_MAX_FRAMES]; /* the first n frames */
    size_t n;                   /* frames kept */
    size_t dropped;             /* frames beyond PL_MAX_FRAMES, received and discarded */
};

/* Receives every part of one message. Returns 0, or -1 with errno from zmq (EAGAIN with
 * ZMQ_DONTWAIT, ETERM, EINTR). Always pair with pl_frames_close. */
int pl_frames_recv(void *sock, struct pl_frames *fr, int flags);
void pl_frames_close(struct pl_frames *fr);

/* Decodes frames [skip] (command) and [skip+1] (body); PL_E_FRAMES unless there are
 * exactly skip + 2 frames. */
enum pl_status pl_frames_decode(struct pl_frames *fr, size_t skip, struct pl_msg *out,
                                struct pl_diag *diag) PL_WUR;

/* Sends [identity] command body. id may be NULL (DEALER). scratch holds the encoded body
 * between calls to save allocations. Returns 0, or -1 with errno (EAGAIN, EHOSTUNREACH...),
 * or -1 with errno EINVAL when the message breaks a protocol rule (logged). */
int pl_msg_send(void *sock, const void *id, size_t id_len, const struct pl_msg *m,
                struct pl_buf *scratch, int flags) PL_WUR;

/* Counts of dropped input, by reason, with a rate limit for the log lines about them. */
struct pl_drops {
    unsigned long by_status[PL_STATUS_COUNT_]; /* dropped messages per decode outcome */
    unsigned long total;                       /* all dropped messages */
    struct pl_ratelimit rl;                    /* at most a few warnings per second */
};

void pl_drops_init(struct pl_drops *d);
/* Appends " dropped=N" and one " dropped_<reason>=N" per non-zero reason. */
void pl_drops_format(const struct pl_drops *d, struct pl_buf *out);

/* Receives one message without waiting and decodes it (skip identity frames first).
 * Returns 1 when out holds a message (release it), 0 when nothing was waiting or the message
 * was bad (counted in drops, logged at a limited rate, the service goes on), -1 when the
 * context is closing. fr keeps the frames, so the identity stays available; close it after. */
int pl_sock_recv_msg(void *sock, const char *name, size_t skip, struct pl_frames *fr,
                     struct pl_msg *out, struct pl_drops *drops) PL_WUR;

#endif
