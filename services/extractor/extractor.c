/* extractor.c - see extractor.h. */
#include "extractor.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pl_daemon.h"
#include "pl_log.h"
#include "pl_loop.h"

/* The extractor version sent with READY; the extraction library will refine it. */
#define XV "parley-" PARLEY_VERSION

struct extractor {
    void *ctx;                /* ZeroMQ context, owned */
    void *work;               /* DEALER connected to the fetcher */
    void *ingest;             /* DEALER connected to the store */
    struct pl_loop *loop;     /* poll loop */
    struct pl_buf scratch;    /* reused to encode messages */
    struct pl_drops drops;    /* bad input dropped */
    uint32_t credit;          /* credit offered with READY */
    char worker[128];         /* host:pid, for the fetcher's logs */
    unsigned long tasks;      /* TASKs received */
    unsigned long nacked;     /* TASKs refused */
    unsigned long unexpected; /* well-formed messages that do not belong on a socket */
};

struct extractor *extractor_new(const struct extractor_config *cfg, const struct pl_sock_opts *zmq)
{
    struct extractor *self = pl_xcalloc(1, sizeof *self);
    pl_buf_init(&self->scratch);
    pl_drops_init(&self->drops);
    self->loop = pl_loop_new();
    self->credit = (uint32_t)cfg->credit;
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(self->worker, sizeof self->worker, "%s:%ld", host, (long)getpid());
    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        pl_log_error("cannot create ZeroMQ context: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    self->work = pl_sock_new(self->ctx, ZMQ_DEALER, zmq, "work");
    self->ingest = pl_sock_new(self->ctx, ZMQ_DEALER, zmq, "ingest");
    if (!self->work || !self->ingest ||
        pl_sock_connect(self->work, cfg->work_connect, "work") != 0 ||
        pl_sock_connect(self->ingest, cfg->ingest_connect, "ingest") != 0)
        goto fail;
    pl_log_info("connecting work=%s ingest=%s worker=%s", cfg->work_connect, cfg->ingest_connect,
                self->worker);
    return self;
fail:
    extractor_destroy(&self);
    return NULL;
}

static int s_send_work(struct extractor *self, const struct pl_msg *m)
{
    /* A DEALER queues until the fetcher is reachable; a full queue means it is gone for long
     * enough that the lease will hand the article to someone else anyway. */
    if (pl_msg_send(self->work, NULL, 0, m, &self->scratch, ZMQ_DONTWAIT) != 0) {
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "cannot send %s to the fetcher: %s",
                       pl_cmd_name(m->cmd), zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

static void s_handle_work(struct extractor *self, struct pl_msg *m)
{
    switch (m->cmd) {
    case PL_CMD_TASK: {
        self->tasks++;
        /* Refuse rather than hold it: the fetcher keeps it and can count the attempt. */
        struct pl_msg nack = {.cmd = PL_CMD_NACK};
        nack.u.nack.id = m->u.task.id;
        static char reason[] = "this extractor has no extraction library yet";
        nack.u.nack.reason = reason;
        if (s_send_work(self, &nack) == 0)
            self->nacked++;
        struct pl_msg ready = {.cmd = PL_CMD_READY};
        ready.u.ready.credit = 1;
        ready.u.ready.worker = self->worker;
        (void)s_send_work(self, &ready);
        break;
    }
    case PL_CMD_HB:
        break;
    default:
        self->unexpected++;
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "unexpected command socket=work cmd=%s",
                       pl_cmd_name(m->cmd));
    }
}

static int s_on_socket(struct pl_loop *loop, void *sock, void *arg)
{
    (void)loop;
    struct extractor *self = arg;
    const char *name = sock == self->work ? "work" : "ingest";
    for (int i = 0; i < 256; i++) {
        struct pl_frames fr;
        struct pl_msg m;
        int rc = pl_sock_recv_msg(sock, name, 0, &fr, &m, &self->drops);
        if (rc < 0)
            return 0;
        if (rc == 0 && fr.n == 0)
            break;
        if (rc == 1) {
            if (sock == self->work) {
                s_handle_work(self, &m);
            } else {
                self->unexpected++;
                pl_log_limited(&self->drops.rl, PL_LOG_WARN,
                               "unexpected command socket=ingest cmd=%s", pl_cmd_name(m.cmd));
            }
            pl_msg_release(&m);
        }
        pl_frames_close(&fr);
    }
    return 0;
}

int extractor_run(struct extractor *self, int sigfd)
{
    if (pl_loop_add_fd(self->loop, sigfd, pl_daemon_on_signal, self) != 0 ||
        pl_loop_add_socket(self->loop, self->work, s_on_socket, self) != 0 ||
        pl_loop_add_socket(self->loop, self->ingest, s_on_socket, self) != 0)
        return -1;
    struct pl_msg ready = {.cmd = PL_CMD_READY};
    ready.u.ready.credit = self->credit;
    ready.u.ready.worker = self->worker;
    static char xv[] = XV;
    ready.u.ready.xv = xv;
    if (s_send_work(self, &ready) != 0)
        return -1;
    pl_log_info("ready credit=%u (no extraction library yet: tasks are refused with NACK)",
                self->credit);
    int rc = pl_loop_run(self->loop);
    struct pl_buf line;
    pl_buf_init(&line);
    pl_drops_format(&self->drops, &line);
    pl_log_info("stopped tasks=%lu nack=%lu unexpected=%lu%s", self->tasks, self->nacked,
                self->unexpected, line.data);
    pl_buf_release(&line);
    return rc;
}

void extractor_destroy(struct extractor **self_p)
{
    if (!self_p || !*self_p)
        return;
    struct extractor *self = *self_p;
    /* Nothing queued here is lost by dropping it: see pl_sock_close_now. */
    pl_sock_close_now(&self->work);
    pl_sock_close_now(&self->ingest);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    pl_loop_destroy(&self->loop);
    pl_buf_release(&self->scratch);
    free(self);
    *self_p = NULL;
}
