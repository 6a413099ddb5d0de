/* extractor.c - see extractor.h. */
#include "extractor.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract.h"
#include "pl_daemon.h"
#include "pl_log.h"
#include "pl_loop.h"
#include "pl_sig.h"
#include "pl_util.h"

/* Room for two windows: after a fetcher restart the new one does not know what the old one
 * handed out, so up to twice the credit can be in hand for a moment. */
#define MAX_QUEUE 128

/* An article taken from the fetcher and not yet acknowledged. */
struct job {
    struct pl_msg task;   /* the TASK as received (owns the article) */
    bool sent;            /* its EVENTS went to the store; waiting for OK */
    struct pl_buf events; /* the EVENTS body, kept for resending */
    int64_t first_sent;   /* when it was first sent */
    int64_t sent_at;      /* when it was (re)sent */
    int64_t held_at;      /* when its lease began or was last held (HOLD) */
    int retries;          /* resends so far */
};

struct extractor {
    void *ctx;                   /* ZeroMQ context, owned */
    void *work;                  /* DEALER connected to the fetcher */
    void *ingest;                /* DEALER connected to the store */
    struct pl_loop *loop;        /* poll loop */
    struct pl_buf scratch;       /* reused to encode messages */
    struct pl_drops drops;       /* bad input dropped */
    struct lexicon *lex;         /* dictionaries */
    char *dict_dir;              /* where they come from */
    uint32_t credit;             /* tasks taken at once */
    char worker[128];            /* host:pid, for the fetcher's logs */
    struct job queue[MAX_QUEUE]; /* tasks in hand, in arrival order */
    size_t nqueue;
    int64_t timeout_ms;    /* ingest.timeout_ms */
    int64_t ready_ms;      /* work.ready_ms: READY again after this long */
    int64_t ready_at;      /* when READY was last sent */
    int max_retries;       /* ingest.retries */
    int64_t hold_ms;       /* ingest.hold_ms */
    const char *failpoint; /* $PARLEY_FAILPOINT_EXTRACT: articles holding it fail (tests) */
    /* counters for the shutdown line */
    unsigned long tasks, done, nacked, mentions, resent, abandoned, unexpected, stale, holds;
    uint64_t bytes;  /* article text coded */
    int64_t busy_ms; /* time spent extracting */
};

static void s_worker_name(struct extractor *self)
{
    char host[64] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(self->worker, sizeof self->worker, "%s:%ld", host, (long)getpid());
}

struct extractor *extractor_new(const struct extractor_config *cfg, const struct pl_sock_opts *zmq)
{
    struct extractor *self = pl_xcalloc(1, sizeof *self);
    pl_buf_init(&self->scratch);
    pl_drops_init(&self->drops);
    self->loop = pl_loop_new();
    self->credit = (uint32_t)cfg->credit;
    self->timeout_ms = cfg->ingest_timeout_ms;
    self->ready_ms = cfg->ready_ms;
    self->max_retries = (int)cfg->ingest_retries;
    self->hold_ms = cfg->ingest_hold_ms;
    /* For the fault tests: an article whose text holds this marker fails to code, every
     * time, as a real poison article would. Unset (the normal case), nothing changes. */
    const char *fp = getenv("PARLEY_FAILPOINT_EXTRACT");
    self->failpoint = fp && *fp ? fp : NULL;
    if (self->failpoint)
        pl_log_warn("failpoint on: articles containing \"%s\" will fail (PARLEY_FAILPOINT_EXTRACT)",
                    self->failpoint);
    /* empty: the environment's choice, else the folder parley was built with */
    const char *env = getenv("PARLEY_DATA");
    self->dict_dir = pl_xstrdup(cfg->dict_dir[0] ? cfg->dict_dir
                                : env && *env    ? env
                                                 : PARLEY_DATA_DIR);
    s_worker_name(self);

    int64_t t0 = pl_now_ms();
    self->lex = lexicon_load(self->dict_dir);
    if (!self->lex) {
        pl_log_error("cannot load the dictionaries from '%s' (see the lines above)",
                     self->dict_dir);
        goto fail;
    }
    struct lexicon_stats st;
    lexicon_stats(self->lex, &st);
    pl_log_info("dictionaries loaded dir=%s ms=%lld countries=%zu organisations=%zu "
                "people=%zu roles=%zu places=%zu patterns=%zu",
                self->dict_dir, (long long)(pl_now_ms() - t0), st.countries, st.igos, st.persons,
                st.roles, st.places, st.patterns);

    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        pl_log_error("cannot create ZeroMQ context: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    self->work = pl_sock_new(self->ctx, ZMQ_DEALER, zmq, "work");
    self->ingest = pl_sock_new(self->ctx, ZMQ_DEALER, zmq, "ingest");
    if (self->work && self->ingest &&
        (pl_curve_apply(self->work, zmq->curve, cfg->work_server_key, "work") != 0 ||
         pl_curve_apply(self->ingest, zmq->curve, cfg->ingest_server_key, "ingest") != 0))
        goto fail;
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
    /* A DEALER queues until the fetcher is reachable; a full queue means it has been gone
     * long enough that the lease will hand the article to someone else anyway. */
    if (pl_msg_send(self->work, NULL, 0, m, &self->scratch, ZMQ_DONTWAIT) != 0) {
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "cannot send %s to the fetcher: %s",
                       pl_cmd_name(m->cmd), zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

/* READY carries the window (the tasks this extractor holds at once), not an increment: sent
 * at start and every work.ready_ms, it is also how a restarted fetcher learns about the
 * extractors already running, and how it knows this one is alive. */
static void s_ready(struct extractor *self)
{
    struct pl_msg ready = {.cmd = PL_CMD_READY};
    static char xv[] = EXTRACT_VERSION;
    self->ready_at = pl_now_ms();
    ready.u.ready.credit = self->credit;
    ready.u.ready.worker = self->worker;
    ready.u.ready.xv = xv;
    (void)s_send_work(self, &ready);
}

/* Removes queue[i], keeping the arrival order of the rest. */
static void s_drop(struct extractor *self, size_t i)
{
    pl_msg_release(&self->queue[i].task);
    pl_buf_release(&self->queue[i].events);
    memmove(&self->queue[i], &self->queue[i + 1], (self->nqueue - i - 1) * sizeof self->queue[0]);
    self->nqueue--;
}

/* Finishes queue[i]: DONE (or NACK with reason) to the fetcher, which frees its place. */
static void s_finish(struct extractor *self, size_t i, const char *nack_reason)
{
    struct job *j = &self->queue[i];
    struct pl_msg m;
    if (nack_reason) {
        m = (struct pl_msg){.cmd = PL_CMD_NACK};
        m.u.nack.id = j->task.u.task.id;
        char reason[PL_MAX_REASON_BYTES];
        snprintf(reason, sizeof reason, "%s", nack_reason);
        m.u.nack.reason = reason;
        if (s_send_work(self, &m) == 0)
            self->nacked++;
    } else {
        m = (struct pl_msg){.cmd = PL_CMD_DONE};
        m.u.done.id = j->task.u.task.id;
        if (s_send_work(self, &m) == 0)
            self->done++;
    }
    s_drop(self, i);
}

static int s_send_events(struct extractor *self, struct job *j)
{
    j->sent_at = pl_now_ms();
    if (zmq_send(self->ingest, "EVENTS", 6, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0 ||
        zmq_send(self->ingest, j->events.data, j->events.len, 0) < 0) {
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "cannot send EVENTS to the store: %s",
                       zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

/* Extracts every task not yet coded and sends its mentions to the store. All of them are
 * at the store at once (at most the window), so the store commits them together instead of
 * one commit per article and extractor. */
static void s_start_next(struct extractor *self)
{
    for (size_t i = 0; i < self->nqueue;) {
        struct job *j = &self->queue[i];
        if (j->sent) {
            i++;
            continue;
        }
        struct pl_task *t = &j->task.u.task;
        struct extract_result res;
        char why[256];
        int64_t t0 = pl_now_ms();
        if (self->failpoint && t->article.text && strstr(t->article.text, self->failpoint)) {
            pl_log_warn("cannot code article id=%s: failpoint", t->id);
            s_finish(self, i, "failpoint: the article holds PARLEY_FAILPOINT_EXTRACT");
            continue;
        }
        if (extract_article(self->lex, &t->article, EXTRACT_VERSION, &res, why, sizeof why) != 0) {
            pl_log_warn("cannot code article id=%s: %s", t->id, why);
            s_finish(self, i, why);
            continue;
        }
        self->busy_ms += pl_now_ms() - t0;
        self->bytes += strlen(t->article.text);
        struct pl_msg ev = {.cmd = PL_CMD_EVENTS};
        static char xv[] = EXTRACT_VERSION;
        ev.u.events.id = t->id;
        ev.u.events.xv = xv;
        ev.u.events.mentions = res.mentions;
        ev.u.events.n_mentions = res.n < PL_MAX_BATCH ? res.n : PL_MAX_BATCH;
        if (res.n > PL_MAX_BATCH)
            pl_log_warn("article id=%s has %zu mentions; sending the first %u", t->id, res.n,
                        (unsigned)PL_MAX_BATCH);
        pl_buf_init(&j->events);
        struct pl_diag diag;
        enum pl_status st = pl_msg_encode(&ev, &j->events, &diag);
        size_t n = res.n;
        extract_result_release(&res);
        if (st != PL_OK) {
            char reason[256];
            snprintf(reason, sizeof reason, "cannot encode its mentions: %s at %s",
                     pl_status_name(st), diag.where);
            pl_log_warn("article id=%s: %s", t->id, reason);
            s_finish(self, i, reason);
            continue;
        }
        self->mentions += n;
        j->retries = 0;
        j->sent = true;
        j->first_sent = pl_now_ms();
        (void)s_send_events(self, j);
        i++;
    }
}

static void s_on_task(struct extractor *self, struct pl_msg *m)
{
    self->tasks++;
    for (size_t i = 0; i < self->nqueue; i++)
        if (strcmp(self->queue[i].task.u.task.id, m->u.task.id) == 0) {
            /* redelivered while still in hand (its lease ran out): the one in hand answers */
            pl_msg_release(m);
            return;
        }
    if (self->nqueue == MAX_QUEUE) {
        /* more than the credit offered: refuse, the fetcher will try elsewhere */
        struct pl_msg nack = {.cmd = PL_CMD_NACK};
        static char reason[] = "extractor queue is full (more tasks than credit)";
        nack.u.nack.id = m->u.task.id;
        nack.u.nack.reason = reason;
        (void)s_send_work(self, &nack);
        pl_msg_release(m);
        return;
    }
    struct job *j = &self->queue[self->nqueue++];
    memset(j, 0, sizeof *j);
    j->held_at = pl_now_ms();
    j->task = *m; /* the queue takes the message over */
    memset(m, 0, sizeof *m);
}

static void s_on_store_reply(struct extractor *self, const struct pl_msg *m)
{
    const char *id = m->cmd == PL_CMD_OK ? m->u.ok.id : m->u.err.id;
    size_t i = 0;
    while (id && i < self->nqueue &&
           (!self->queue[i].sent || strcmp(id, self->queue[i].task.u.task.id) != 0))
        i++;
    if (!id || i == self->nqueue) {
        self->stale++; /* an answer to a resend we already settled */
        return;
    }
    if (m->cmd == PL_CMD_OK) {
        s_finish(self, i, NULL);
    } else {
        pl_log_warn("store refused article id=%s: %s", id, m->u.err.reason);
        char reason[PL_MAX_REASON_BYTES];
        snprintf(reason, sizeof reason, "store: %s", m->u.err.reason);
        s_finish(self, i, reason);
    }
}

static int s_on_socket(struct pl_loop *loop, void *sock, void *arg)
{
    (void)loop;
    struct extractor *self = arg;
    bool work = sock == self->work;
    for (int i = 0; i < 64; i++) {
        struct pl_frames fr;
        struct pl_msg m;
        int rc = pl_sock_recv_msg(sock, work ? "work" : "ingest", 0, &fr, &m, &self->drops);
        if (rc < 0)
            return 0;
        if (rc == 0 && fr.n == 0)
            break;
        if (rc == 1) {
            if (work && m.cmd == PL_CMD_TASK) {
                s_on_task(self, &m);
            } else if (work && m.cmd == PL_CMD_HB) {
                struct pl_msg hb = {.cmd = PL_CMD_HB};
                (void)s_send_work(self, &hb);
            } else if (!work && (m.cmd == PL_CMD_OK || m.cmd == PL_CMD_ERR)) {
                s_on_store_reply(self, &m);
            } else {
                self->unexpected++;
                pl_log_limited(&self->drops.rl, PL_LOG_WARN, "unexpected command socket=%s cmd=%s",
                               work ? "work" : "ingest", pl_cmd_name(m.cmd));
            }
            pl_msg_release(&m);
        }
        pl_frames_close(&fr);
    }
    /* the tasks that came in this round, coded and sent together */
    s_start_next(self);
    return 0;
}

/* How long after its last sending a job's EVENTS go again: every ingest.timeout_ms for the
 * first ingest.retries resends, then - the store taken to be away - twice as long each time,
 * up to a minute, so that a long outage does not fill the socket's queue with copies. */
static int64_t s_resend_after(const struct extractor *self, const struct job *j)
{
    int64_t wait = self->timeout_ms;
    int64_t most = self->timeout_ms > 60000 ? self->timeout_ms : 60000;
    for (int k = self->max_retries; k <= j->retries && wait < most; k++)
        wait *= 2;
    return wait < most ? wait : most;
}

/* HOLD: the article is coded and its mentions wait for the store; the fetcher starts its
 * lease again and counts no attempt, so a store that is away (restarted, its database down)
 * makes no article dead. */
static void s_hold(struct extractor *self, struct job *j, int64_t now)
{
    struct pl_msg m = {.cmd = PL_CMD_HOLD};
    m.u.hold.id = j->task.u.task.id;
    if (s_send_work(self, &m) == 0)
        self->holds++;
    j->held_at = now;
}

static int s_on_timer(struct pl_loop *loop, void *arg)
{
    (void)loop;
    struct extractor *self = arg;
    if (pl_now_ms() - self->ready_at >= self->ready_ms)
        s_ready(self);
    int64_t now = pl_now_ms();
    for (size_t i = 0; i < self->nqueue;) {
        struct job *j = &self->queue[i];
        if (!j->sent) {
            i++;
            continue;
        }
        /* Held for at most ingest.hold_ms from its first sending; the lease again when half
         * of it has passed. */
        bool holding = now - j->first_sent < self->hold_ms;
        if (holding && now - j->held_at >= (int64_t)j->task.u.task.lease_ms / 2)
            s_hold(self, j, now);
        if (now - j->sent_at < s_resend_after(self, j)) {
            i++;
            continue;
        }
        if (j->retries >= self->max_retries && !holding) {
            /* dropped without an answer: its lease will bring it back, to someone */
            pl_log_warn("store did not acknowledge article id=%s after %d tries%s; leaving it "
                        "to its lease",
                        j->task.u.task.id, j->retries + 1,
                        self->hold_ms > 0 ? " and ingest.hold_ms" : "");
            self->abandoned++;
            s_drop(self, i);
            continue;
        }
        if (j->retries == self->max_retries)
            pl_log_warn("store did not acknowledge article id=%s after %d tries; holding its "
                        "lease for up to %lld s (ingest.hold_ms) and sending it again less often",
                        j->task.u.task.id, j->retries + 1, (long long)(self->hold_ms / 1000));
        j->retries++;
        self->resent++;
        pl_log_limited(&self->drops.rl, PL_LOG_WARN,
                       "no answer from the store for article id=%s; sending again (try %d)",
                       j->task.u.task.id, j->retries + 1);
        (void)s_send_events(self, j);
        i++;
    }
    return 0;
}

static void s_reload(struct extractor *self)
{
    int64_t t0 = pl_now_ms();
    struct lexicon *lex = lexicon_load(self->dict_dir);
    if (!lex) {
        pl_log_error("cannot reload the dictionaries from '%s'; keeping the loaded ones",
                     self->dict_dir);
        return;
    }
    lexicon_destroy(&self->lex);
    self->lex = lex;
    pl_log_info("dictionaries reloaded dir=%s ms=%lld", self->dict_dir,
                (long long)(pl_now_ms() - t0));
}

static int s_on_signal(struct pl_loop *loop, int fd, void *arg)
{
    struct extractor *self = arg;
    int sig = pl_sig_read(fd);
    if (sig == SIGHUP) {
        s_reload(self);
        return 0;
    }
    if (sig == SIGTERM || sig == SIGINT) {
        pl_log_info("stopping signal=%s", sig == SIGTERM ? "TERM" : "INT");
        pl_loop_stop(loop);
    }
    return 0;
}

int extractor_run(struct extractor *self, int sigfd)
{
    if (pl_loop_add_fd(self->loop, sigfd, s_on_signal, self) != 0 ||
        pl_loop_add_socket(self->loop, self->work, s_on_socket, self) != 0 ||
        pl_loop_add_socket(self->loop, self->ingest, s_on_socket, self) != 0 ||
        pl_loop_add_timer(self->loop, 100, s_on_timer, self) < 0)
        return -1;
    s_ready(self);
    pl_log_info("ready credit=%u xv=%s", self->credit, EXTRACT_VERSION);
    int rc = pl_loop_run(self->loop);
    /* Work in hand is not acknowledged: the fetcher's leases bring it back. */
    struct pl_buf line;
    pl_buf_init(&line);
    pl_drops_format(&self->drops, &line);
    double mb = (double)self->bytes / 1e6;
    pl_log_info("stopped tasks=%lu done=%lu nack=%lu mentions=%lu resent=%lu holds=%lu "
                "abandoned=%lu in_hand=%zu stale=%lu unexpected=%lu text_mb=%.2f extract_ms=%lld%s",
                self->tasks, self->done, self->nacked, self->mentions, self->resent, self->holds,
                self->abandoned, self->nqueue, self->stale, self->unexpected, mb,
                (long long)self->busy_ms, line.data);
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
    while (self->nqueue > 0)
        s_drop(self, self->nqueue - 1);
    lexicon_destroy(&self->lex);
    free(self->dict_dir);
    pl_loop_destroy(&self->loop);
    pl_buf_release(&self->scratch);
    free(self);
    *self_p = NULL;
}
