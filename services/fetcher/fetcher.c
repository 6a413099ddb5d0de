/* fetcher.c - see fetcher.h. */
#include "fetcher.h"

#include <stdlib.h>

#include "pl_daemon.h"
#include "pl_log.h"
#include "pl_loop.h"

struct fetcher {
    void *ctx;                /* ZeroMQ context, owned */
    void *work;               /* ROUTER bound to work_bind */
    struct pl_loop *loop;     /* poll loop */
    struct pl_buf scratch;    /* reused to encode replies */
    struct pl_drops drops;    /* bad input dropped */
    unsigned long received;   /* good messages */
    unsigned long ready;      /* READY messages */
    unsigned long credit;     /* credit offered in all READY messages */
    unsigned long done;       /* DONE messages */
    unsigned long nacked;     /* NACK messages */
    unsigned long unexpected; /* well-formed messages that do not belong on this socket */
};

struct fetcher *fetcher_new(const struct fetcher_config *cfg, const struct pl_sock_opts *zmq)
{
    struct fetcher *self = pl_xcalloc(1, sizeof *self);
    pl_buf_init(&self->scratch);
    pl_drops_init(&self->drops);
    self->loop = pl_loop_new();
    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        pl_log_error("cannot create ZeroMQ context: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    self->work = pl_sock_new(self->ctx, ZMQ_ROUTER, zmq, "work");
    if (!self->work || pl_sock_bind(self->work, cfg->work_bind, "work") != 0)
        goto fail;
    pl_log_info("listening work=%s", cfg->work_bind);
    return self;
fail:
    fetcher_destroy(&self);
    return NULL;
}

static void s_handle(struct fetcher *self, struct pl_frames *fr, const struct pl_msg *m)
{
    zmq_msg_t *id = &fr->f[0];
    switch (m->cmd) {
    case PL_CMD_READY:
        self->ready++;
        self->credit += m->u.ready.credit;
        pl_log_debug("extractor ready worker=%s credit=%u",
                     m->u.ready.worker ? m->u.ready.worker : "-", m->u.ready.credit);
        break;
    case PL_CMD_HB: {
        struct pl_msg hb = {.cmd = PL_CMD_HB};
        if (pl_msg_send(self->work, zmq_msg_data(id), zmq_msg_size(id), &hb, &self->scratch,
                        ZMQ_DONTWAIT) != 0)
            pl_log_debug("cannot answer heartbeat: %s", zmq_strerror(zmq_errno()));
        break;
    }
    case PL_CMD_DONE:
        self->done++;
        break;
    case PL_CMD_NACK:
        self->nacked++;
        pl_log_warn("article refused id=%s reason=\"%s\"", m->u.nack.id, m->u.nack.reason);
        break;
    default:
        self->unexpected++;
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "unexpected command socket=work cmd=%s",
                       pl_cmd_name(m->cmd));
        break;
    }
}

static int s_on_work(struct pl_loop *loop, void *sock, void *arg)
{
    (void)loop;
    struct fetcher *self = arg;
    /* Drain what is waiting, within a bound so timers and signals still get their turn. */
    for (int i = 0; i < 256; i++) {
        struct pl_frames fr;
        struct pl_msg m;
        int rc = pl_sock_recv_msg(sock, "work", 1, &fr, &m, &self->drops);
        if (rc < 0)
            return 0;
        if (rc == 0 && fr.n == 0)
            break; /* nothing more waiting */
        if (rc == 1) {
            self->received++;
            s_handle(self, &fr, &m);
            pl_msg_release(&m);
        }
        pl_frames_close(&fr);
    }
    return 0;
}

int fetcher_run(struct fetcher *self, int sigfd)
{
    if (pl_loop_add_fd(self->loop, sigfd, pl_daemon_on_signal, self) != 0 ||
        pl_loop_add_socket(self->loop, self->work, s_on_work, self) != 0)
        return -1;
    pl_log_info("ready (no article sources yet: extractors are registered but get no work)");
    int rc = pl_loop_run(self->loop);
    struct pl_buf line;
    pl_buf_init(&line);
    pl_drops_format(&self->drops, &line);
    pl_log_info("stopped received=%lu ready=%lu credit=%lu done=%lu nack=%lu unexpected=%lu%s",
                self->received, self->ready, self->credit, self->done, self->nacked,
                self->unexpected, line.data);
    pl_buf_release(&line);
    return rc;
}

void fetcher_destroy(struct fetcher **self_p)
{
    if (!self_p || !*self_p)
        return;
    struct fetcher *self = *self_p;
    pl_sock_close(&self->work);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    pl_loop_destroy(&self->loop);
    pl_buf_release(&self->scratch);
    free(self);
    *self_p = NULL;
}
