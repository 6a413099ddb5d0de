/* pl_sock.c - see pl_sock.h. */
#include "pl_sock.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "pl_log.h"

#define K(name, field, lo, hi, def, help)                                                          \
    {                                                                                              \
        "zmq." name, PL_CFG_INT, offsetof(struct pl_sock_opts, field), lo, hi, 0, 0, def, help,    \
            NULL                                                                                   \
    }

const struct pl_cfg_key pl_sock_cfg_keys[] = {
    K("linger_ms", linger_ms, 0, 60000, "1000",
      "how long closing a socket may wait to send what is queued"),
    K("sndhwm", sndhwm, 1, 1000000, "1000", "messages queued per peer for sending"),
    K("rcvhwm", rcvhwm, 1, 1000000, "1000", "messages queued per peer on receipt"),
    K("max_msg_bytes", max_msg_bytes, 1024, 1073741824, "17825792",
      "largest frame accepted (a record is at most 16 MiB); a peer sending more is "
      "disconnected"),
    K("send_timeout_ms", send_timeout_ms, 0, 600000, "1000",
      "a blocked send gives up after this long (0 never blocks)"),
    K("recv_timeout_ms", recv_timeout_ms, 0, 600000, "5000",
      "a blocking receive gives up after this long (0 never blocks; daemons poll instead)"),
    K("heartbeat_ivl_ms", heartbeat_ivl_ms, 0, 600000, "2000",
      "ZMTP heartbeat interval (0 turns heartbeats off)"),
    K("heartbeat_timeout_ms", heartbeat_timeout_ms, 0, 3600000, "10000",
      "a connection silent for this long is closed"),
    K("reconnect_ivl_ms", reconnect_ivl_ms, 10, 600000, "100", "first reconnect delay"),
    K("reconnect_max_ms", reconnect_max_ms, 0, 600000, "5000",
      "cap of the exponential reconnect backoff (0: no backoff)"),
};
const size_t pl_sock_cfg_nkeys = sizeof pl_sock_cfg_keys / sizeof pl_sock_cfg_keys[0];

static int s_set_int(void *sock, int opt, int64_t v, const char *optname, const char *name)
{
    int iv = (int)v;
    if (zmq_setsockopt(sock, opt, &iv, sizeof iv) != 0)
        return pl_log_error("cannot set %s=%lld on socket '%s': %s", optname, (long long)v, name,
                            zmq_strerror(zmq_errno()));
    return 0;
}

void *pl_sock_new(void *ctx, int type, const struct pl_sock_opts *o, const char *name)
{
    void *sock = zmq_socket(ctx, type);
    if (!sock) {
        pl_log_error("cannot create socket '%s': %s", name, zmq_strerror(zmq_errno()));
        return NULL;
    }
    int64_t maxmsg = o->max_msg_bytes;
    int rc = 0;
    rc |= s_set_int(sock, ZMQ_LINGER, o->linger_ms, "ZMQ_LINGER", name);
    rc |= s_set_int(sock, ZMQ_SNDHWM, o->sndhwm, "ZMQ_SNDHWM", name);
    rc |= s_set_int(sock, ZMQ_RCVHWM, o->rcvhwm, "ZMQ_RCVHWM", name);
    rc |= s_set_int(sock, ZMQ_SNDTIMEO, o->send_timeout_ms, "ZMQ_SNDTIMEO", name);
    rc |= s_set_int(sock, ZMQ_RCVTIMEO, o->recv_timeout_ms, "ZMQ_RCVTIMEO", name);
    rc |= s_set_int(sock, ZMQ_HEARTBEAT_IVL, o->heartbeat_ivl_ms, "ZMQ_HEARTBEAT_IVL", name);
    rc |= s_set_int(sock, ZMQ_HEARTBEAT_TIMEOUT, o->heartbeat_timeout_ms, "ZMQ_HEARTBEAT_TIMEOUT",
                    name);
    rc |= s_set_int(sock, ZMQ_RECONNECT_IVL, o->reconnect_ivl_ms, "ZMQ_RECONNECT_IVL", name);
    rc |=
        s_set_int(sock, ZMQ_RECONNECT_IVL_MAX, o->reconnect_max_ms, "ZMQ_RECONNECT_IVL_MAX", name);
    if (zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0)
        rc |= pl_log_error("cannot set ZMQ_MAXMSGSIZE on socket '%s': %s", name,
                           zmq_strerror(zmq_errno()));
    if (type == ZMQ_ROUTER)
        rc |= s_set_int(sock, ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY", name);
    if (rc != 0) {
        pl_sock_close(&sock);
        return NULL;
    }
    return sock;
}

int pl_sock_bind(void *sock, const char *endpoint, const char *name)
{
    if (zmq_bind(sock, endpoint) != 0)
        return pl_log_error("cannot bind socket '%s' to '%s': %s", name, endpoint,
                            zmq_strerror(zmq_errno()));
    return 0;
}

int pl_sock_connect(void *sock, const char *endpoint, const char *name)
{
    if (zmq_connect(sock, endpoint) != 0)
        return pl_log_error("cannot connect socket '%s' to '%s': %s", name, endpoint,
                            zmq_strerror(zmq_errno()));
    return 0;
}

void pl_sock_close(void **sock)
{
    if (*sock)
        zmq_close(*sock);
    *sock = NULL;
}

void pl_sock_close_now(void **sock)
{
    if (*sock) {
        int zero = 0;
        /* Cannot fail on a valid socket; if it did, close still bounds the wait by linger. */
        (void)zmq_setsockopt(*sock, ZMQ_LINGER, &zero, sizeof zero);
    }
    pl_sock_close(sock);
}

int pl_frames_recv(void *sock, struct pl_frames *fr, int flags)
{
    fr->n = 0;
    fr->dropped = 0;
    for (;;) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, sock, fr->n || fr->dropped ? 0 : flags) < 0) {
            int err = zmq_errno();
            zmq_msg_close(&part);
            /* Once the first part is in, the rest are already queued: only a closing
             * context can fail here, and then the message is lost anyway. */
            pl_frames_close(fr);
            errno = err;
            return -1;
        }
        bool more = zmq_msg_more(&part);
        if (fr->n < PL_MAX_FRAMES) {
            fr->f[fr->n++] = part;
        } else {
            fr->dropped++;
            zmq_msg_close(&part);
        }
        if (!more)
            return 0;
    }
}

void pl_frames_close(struct pl_frames *fr)
{
    for (size_t i = 0; i < fr->n; i++)
        zmq_msg_close(&fr->f[i]);
    fr->n = 0;
    fr->dropped = 0;
}

enum pl_status pl_frames_decode(struct pl_frames *fr, size_t skip, struct pl_msg *out,
                                struct pl_diag *diag)
{
    memset(out, 0, sizeof *out);
    if (fr->dropped || fr->n != skip + 2) {
        if (diag) {
            diag->status = PL_E_FRAMES;
            diag->where[0] = '\0';
        }
        return PL_E_FRAMES;
    }
    zmq_msg_t *cmd = &fr->f[skip];
    zmq_msg_t *body = &fr->f[skip + 1];
    return pl_msg_decode(zmq_msg_data(cmd), zmq_msg_size(cmd), zmq_msg_data(body),
                         zmq_msg_size(body), out, diag);
}

int pl_msg_send(void *sock, const void *id, size_t id_len, const struct pl_msg *m,
                struct pl_buf *scratch, int flags)
{
    struct pl_diag diag;
    pl_buf_clear(scratch);
    enum pl_status st = pl_msg_encode(m, scratch, &diag);
    if (st != PL_OK) {
        pl_log_error("cannot encode %s: %s field=%s",
                     pl_cmd_name(m->cmd) ? pl_cmd_name(m->cmd) : "message", pl_status_name(st),
                     diag.where);
        errno = EINVAL;
        return -1;
    }
    const char *name = pl_cmd_name(m->cmd);
    if (id && zmq_send(sock, id, id_len, flags | ZMQ_SNDMORE) < 0)
        return -1;
    /* With the first frame accepted the rest go to the same pipe and cannot block. */
    if (zmq_send(sock, name, strlen(name), (id ? 0 : flags) | ZMQ_SNDMORE) < 0)
        return -1;
    if (zmq_send(sock, scratch->data, scratch->len, 0) < 0)
        return -1;
    return 0;
}

void pl_drops_init(struct pl_drops *d)
{
    memset(d, 0, sizeof *d);
    d->rl = (struct pl_ratelimit)PL_RATELIMIT_INIT(1000, 5);
}

void pl_drops_format(const struct pl_drops *d, struct pl_buf *out)
{
    pl_buf_printf(out, " dropped=%lu", d->total);
    for (int i = 1; i < PL_STATUS_COUNT_; i++)
        if (d->by_status[i])
            pl_buf_printf(out, " dropped_%s=%lu", pl_status_name((enum pl_status)i),
                          d->by_status[i]);
}

int pl_sock_recv_msg(void *sock, const char *name, size_t skip, struct pl_frames *fr,
                     struct pl_msg *out, struct pl_drops *drops)
{
    memset(out, 0, sizeof *out);
    if (pl_frames_recv(sock, fr, ZMQ_DONTWAIT) != 0)
        return errno == ETERM ? -1 : 0;
    struct pl_diag diag = {0};
    enum pl_status st = pl_frames_decode(fr, skip, out, &diag);
    if (st == PL_OK)
        return 1;
    drops->by_status[st]++;
    drops->total++;
    size_t bytes = 0;
    for (size_t i = 0; i < fr->n; i++)
        bytes += zmq_msg_size(&fr->f[i]);
    pl_log_limited(&drops->rl, PL_LOG_WARN,
                   "dropped message socket=%s reason=%s field=%s frames=%zu bytes=%zu", name,
                   pl_status_name(st), diag.where[0] ? diag.where : "-", fr->n + fr->dropped,
                   bytes);
    return 0;
}
