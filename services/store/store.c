/* store.c - see store.h. */
#include "store.h"

#include <stdlib.h>

#include "pl_daemon.h"
#include "pl_log.h"
#include "pl_loop.h"

struct store {
    void *ctx;                /* ZeroMQ context, owned */
    void *ingest;             /* ROUTER for extractors */
    void *live;               /* PUB for subscribers */
    void *replay;             /* ROUTER for replay and queries */
    struct pl_loop *loop;     /* poll loop */
    struct pl_buf scratch;    /* reused to encode messages */
    struct pl_drops drops;    /* bad input dropped */
    int64_t heartbeat_ms;     /* live heartbeat interval */
    uint64_t head;            /* highest committed seq (none yet) */
    unsigned long batches;    /* EVENTS received */
    unsigned long requests;   /* SINCE and QUERY received */
    unsigned long unexpected; /* well-formed messages that do not belong on a socket */
};

struct store *store_new(const struct store_config *cfg, const struct pl_sock_opts *zmq)
{
    struct store *self = pl_xcalloc(1, sizeof *self);
    pl_buf_init(&self->scratch);
    pl_drops_init(&self->drops);
    self->loop = pl_loop_new();
    self->heartbeat_ms = cfg->heartbeat_ms;
    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        pl_log_error("cannot create ZeroMQ context: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    self->ingest = pl_sock_new(self->ctx, ZMQ_ROUTER, zmq, "ingest");
    self->live = pl_sock_new(self->ctx, ZMQ_PUB, zmq, "live");
    self->replay = pl_sock_new(self->ctx, ZMQ_ROUTER, zmq, "replay");
    if (!self->ingest || !self->live || !self->replay ||
        pl_sock_bind(self->ingest, cfg->ingest_bind, "ingest") != 0 ||
        pl_sock_bind(self->live, cfg->live_bind, "live") != 0 ||
        pl_sock_bind(self->replay, cfg->replay_bind, "replay") != 0)
        goto fail;
    pl_log_info("listening ingest=%s live=%s replay=%s", cfg->ingest_bind, cfg->live_bind,
                cfg->replay_bind);
    return self;
fail:
    store_destroy(&self);
    return NULL;
}

static void s_reply(struct store *self, void *sock, struct pl_frames *fr, const struct pl_msg *m)
{
    zmq_msg_t *id = &fr->f[0];
    if (pl_msg_send(sock, zmq_msg_data(id), zmq_msg_size(id), m, &self->scratch, ZMQ_DONTWAIT) != 0)
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "cannot reply %s: %s", pl_cmd_name(m->cmd),
                       zmq_strerror(zmq_errno()));
}

static void s_handle(struct store *self, void *sock, struct pl_frames *fr, const struct pl_msg *m)
{
    if (sock == self->ingest && m->cmd == PL_CMD_EVENTS) {
        self->batches++;
        struct pl_msg err = {.cmd = PL_CMD_ERR};
        err.u.err.id = m->u.events.id;
        static char reason[] = "this store has no database backend yet";
        err.u.err.reason = reason;
        s_reply(self, sock, fr, &err);
    } else if (sock == self->replay && (m->cmd == PL_CMD_SINCE || m->cmd == PL_CMD_QUERY)) {
        self->requests++;
        struct pl_msg end = {.cmd = PL_CMD_END};
        end.u.end.head = self->head;
        s_reply(self, sock, fr, &end);
    } else if (m->cmd == PL_CMD_HB) {
        struct pl_msg hb = {.cmd = PL_CMD_HB};
        s_reply(self, sock, fr, &hb);
    } else {
        self->unexpected++;
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "unexpected command socket=%s cmd=%s",
                       sock == self->ingest ? "ingest" : "replay", pl_cmd_name(m->cmd));
    }
}

static int s_on_socket(struct pl_loop *loop, void *sock, void *arg)
{
    (void)loop;
    struct store *self = arg;
    const char *name = sock == self->ingest ? "ingest" : "replay";
    for (int i = 0; i < 256; i++) {
        struct pl_frames fr;
        struct pl_msg m;
        int rc = pl_sock_recv_msg(sock, name, 1, &fr, &m, &self->drops);
        if (rc < 0)
            return 0;
        if (rc == 0 && fr.n == 0)
            break;
        if (rc == 1) {
            s_handle(self, sock, &fr, &m);
            pl_msg_release(&m);
        }
        pl_frames_close(&fr);
    }
    return 0;
}

static int s_on_heartbeat(struct pl_loop *loop, void *arg)
{
    (void)loop;
    struct store *self = arg;
    struct pl_msg hb = {.cmd = PL_CMD_HB};
    hb.u.hb.has_head = true;
    hb.u.hb.head = self->head;
    /* PUB never blocks: a subscriber at its high-water mark misses this one. */
    if (pl_msg_send(self->live, NULL, 0, &hb, &self->scratch, ZMQ_DONTWAIT) != 0)
        pl_log_debug("cannot publish heartbeat: %s", zmq_strerror(zmq_errno()));
    return 0;
}

int store_run(struct store *self, int sigfd)
{
    if (pl_loop_add_fd(self->loop, sigfd, pl_daemon_on_signal, self) != 0 ||
        pl_loop_add_socket(self->loop, self->ingest, s_on_socket, self) != 0 ||
        pl_loop_add_socket(self->loop, self->replay, s_on_socket, self) != 0 ||
        pl_loop_add_timer(self->loop, self->heartbeat_ms, s_on_heartbeat, self) < 0)
        return -1;
    pl_log_info("ready head=%llu (no database backend yet: EVENTS are refused with ERR)",
                (unsigned long long)self->head);
    int rc = pl_loop_run(self->loop);
    struct pl_buf line;
    pl_buf_init(&line);
    pl_drops_format(&self->drops, &line);
    pl_log_info("stopped batches=%lu requests=%lu unexpected=%lu%s", self->batches, self->requests,
                self->unexpected, line.data);
    pl_buf_release(&line);
    return rc;
}

void store_destroy(struct store **self_p)
{
    if (!self_p || !*self_p)
        return;
    struct store *self = *self_p;
    pl_sock_close(&self->ingest);
    pl_sock_close(&self->live);
    pl_sock_close(&self->replay);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    pl_loop_destroy(&self->loop);
    pl_buf_release(&self->scratch);
    free(self);
    *self_p = NULL;
}
