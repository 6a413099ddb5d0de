/* fetcher.c - see fetcher.h. */
#include "fetcher.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outbox.h"
#include "pl_daemon.h"
#include "pl_log.h"
#include "pl_loop.h"
#include "pl_util.h"
#include "sources.h"
#include "web.h"

#define MAX_WORKERS    1024
#define PUMP_MS        20                  /* intake and dispatch round */
#define INTAKE_ROUND   64                  /* inputs taken in per round */
#define DISPATCH_ROUND 256                 /* TASKs sent per round */
#define DISPATCH_BYTES (64u * 1024 * 1024) /* encoded TASKs per round */

/* An extractor, known by its ROUTER identity. */
struct worker {
    unsigned char ident[256];
    size_t ident_len;
    char name[128];    /* as it calls itself in READY */
    uint32_t window;   /* tasks it holds at once (READY) */
    uint32_t inflight; /* tasks it holds now */
    int64_t last_seen;
    uint64_t tasks, done, nacked; /* counters for the log */
};

/* A TASK out with an extractor. */
struct lease {
    char id[PL_ID_HEX + 1];
    struct worker *w;
    int64_t until;
};

struct fetcher {
    int lock_fd;           /* the one-fetcher lock on outbox.db (pl_writer_lock), or -1 */
    void *ctx;             /* ZeroMQ context, owned */
    struct pl_zap *zap;    /* CURVE client check, when on */
    void *work;            /* ROUTER bound to work_bind */
    struct pl_loop *loop;  /* poll loop */
    struct pl_buf scratch; /* reused to encode replies */
    struct pl_drops drops; /* bad input dropped */
    struct outbox *ob;     /* the durable outbox */
    struct sources *src;   /* files, folders, stdin */
    struct web *web;       /* pages and feeds */
    struct worker *workers[MAX_WORKERS];
    size_t nworkers;
    size_t rr; /* where the next dispatch starts looking */
    struct lease *leases;
    size_t nleases, cap_leases;
    /* settings */
    int64_t lease_ms, worker_timeout_ms, status_ms;
    uint32_t max_attempts;
    uint64_t intake_hwm;
    bool once;
    /* state */
    bool in_txn;    /* a transaction is open for this round */
    bool announced; /* "all inputs finished" logged */
    uint64_t last_done;
    int64_t last_status;
    int64_t last_taken; /* when an intake round last took in a local input */
    struct sources_stats st;
    unsigned long received, tasks, done, nacked, expired, held, unexpected, send_failed;
};

static int s_begin(struct fetcher *self)
{
    if (self->in_txn)
        return 0;
    if (outbox_begin(self->ob) != 0) {
        pl_log_error("outbox: cannot begin a transaction: %s", outbox_errmsg(self->ob));
        return -1;
    }
    self->in_txn = true;
    return 0;
}

static int s_commit(struct fetcher *self)
{
    if (!self->in_txn)
        return 0;
    self->in_txn = false;
    if (outbox_commit(self->ob) != 0) {
        pl_log_error("outbox: cannot commit: %s", outbox_errmsg(self->ob));
        outbox_rollback(self->ob);
        return -1;
    }
    return 0;
}

struct fetcher *fetcher_new(const struct fetcher_config *cfg, const struct pl_sock_opts *zmq)
{
    struct fetcher *self = pl_xcalloc(1, sizeof *self);
    self->lock_fd = -1;
    pl_buf_init(&self->scratch);
    pl_drops_init(&self->drops);
    self->loop = pl_loop_new();
    self->lease_ms = cfg->lease_ms;
    self->worker_timeout_ms = cfg->worker_timeout_ms;
    self->status_ms = cfg->status_s * 1000;
    self->max_attempts = (uint32_t)cfg->max_attempts;
    self->intake_hwm = (uint64_t)cfg->intake_hwm;
    self->once = cfg->once;
    char err[1024] = "";
    if (mkdir(cfg->data_dir, 0750) != 0 && errno != EEXIST) {
        pl_log_error("cannot make the data folder %s: %s", cfg->data_dir, strerror(errno));
        goto fail;
    }
    struct pl_buf path;
    pl_buf_init(&path);
    pl_buf_printf(&path, "%s/outbox.db", cfg->data_dir);
    /* One fetcher an outbox: a second one would hand out the same articles, and at its
     * start put the first one's leases back to pending. (parley dead --retry writes to it
     * beside the running fetcher: it takes no lock.) */
    self->lock_fd = pl_writer_lock(path.data, "parley-fetcher", 3000, err, sizeof err);
    self->ob = self->lock_fd < 0 ? NULL : outbox_open(path.data, false, err, sizeof err);
    pl_buf_release(&path);
    if (!self->ob) {
        pl_log_error("%s", err);
        goto fail;
    }
    int64_t back = outbox_requeue_leased(self->ob);
    if (back < 0) {
        pl_log_error("outbox: %s", outbox_errmsg(self->ob));
        goto fail;
    }
    if (back > 0)
        pl_log_info("%lld articles leased before the last stop are pending again", (long long)back);
    self->src = sources_new(cfg->inputs.v, cfg->inputs.n, cfg->watch && !cfg->once,
                            (size_t)cfg->http_max_bytes, err, sizeof err);
    if (!self->src) {
        pl_log_error("%s", err);
        goto fail;
    }
    self->web = web_new(cfg, cfg->inputs.v, cfg->inputs.n, err, sizeof err);
    if (!self->web) {
        pl_log_error("%s", err);
        goto fail;
    }
    if (cfg->watch && cfg->once)
        pl_log_warn("fetcher.once is on: folders are read once, not watched");
    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        pl_log_error("cannot create ZeroMQ context: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (zmq->curve && zmq->curve->enabled && !(self->zap = pl_zap_start(self->ctx, zmq->curve)))
        goto fail;
    self->work = pl_sock_new(self->ctx, ZMQ_ROUTER, zmq, "work");
    if (!self->work || pl_curve_apply(self->work, zmq->curve, NULL, "work") != 0 ||
        pl_sock_bind(self->work, cfg->work_bind, "work") != 0)
        goto fail;
    pl_log_info("listening work=%s outbox=%s/outbox.db inputs=%zu", cfg->work_bind, cfg->data_dir,
                cfg->inputs.n);
    return self;
fail:
    fetcher_destroy(&self);
    return NULL;
}

/* --- workers and leases ------------------------------------------------------------------ */

static struct worker *s_worker(struct fetcher *self, zmq_msg_t *id, bool add)
{
    size_t len = zmq_msg_size(id);
    for (size_t i = 0; i < self->nworkers; i++) {
        struct worker *w = self->workers[i];
        if (w->ident_len == len && memcmp(w->ident, zmq_msg_data(id), len) == 0)
            return w;
    }
    if (!add || len > sizeof self->workers[0]->ident)
        return NULL;
    if (self->nworkers == MAX_WORKERS) {
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "more than %d extractors; ignoring another",
                       MAX_WORKERS);
        return NULL;
    }
    struct worker *w = pl_xcalloc(1, sizeof *w);
    memcpy(w->ident, zmq_msg_data(id), len);
    w->ident_len = len;
    snprintf(w->name, sizeof w->name, "?");
    self->workers[self->nworkers++] = w;
    return w;
}

static void s_lease_remove(struct fetcher *self, size_t i)
{
    struct lease *l = &self->leases[i];
    if (l->w && l->w->inflight > 0)
        l->w->inflight--;
    self->leases[i] = self->leases[--self->nleases];
}

/* The lease of id held by w (any holder when w is NULL), or SIZE_MAX. */
static size_t s_lease_find(const struct fetcher *self, const char *id, const struct worker *w)
{
    for (size_t i = 0; i < self->nleases; i++)
        if ((!w || self->leases[i].w == w) && strcmp(self->leases[i].id, id) == 0)
            return i;
    return SIZE_MAX;
}

/* A failed attempt: back to pending or dead. */
static int s_fail(struct fetcher *self, const char *id, const char *reason)
{
    if (s_begin(self) != 0)
        return -1;
    int st = outbox_fail(self->ob, id, reason, self->max_attempts);
    if (st < 0) {
        pl_log_warn("outbox: %s", outbox_errmsg(self->ob));
        return 0; /* not fatal: the article stays as it was */
    }
    if (st == OUTBOX_DEAD)
        pl_log_error("article dead id=%s after %u attempts: %s", id, self->max_attempts, reason);
    return 0;
}

static void s_worker_forget(struct fetcher *self, size_t wi, const char *why)
{
    struct worker *w = self->workers[wi];
    pl_log_warn("extractor gone worker=%s (%s) tasks=%llu done=%llu leases_handed_back=%u", w->name,
                why, (unsigned long long)w->tasks, (unsigned long long)w->done, w->inflight);
    char reason[256];
    snprintf(reason, sizeof reason, "extractor %s %s", w->name, why);
    for (size_t i = self->nleases; i-- > 0;)
        if (self->leases[i].w == w) {
            char id[PL_ID_HEX + 1];
            memcpy(id, self->leases[i].id, sizeof id);
            s_lease_remove(self, i);
            (void)s_fail(self, id, reason);
        }
    free(w);
    self->workers[wi] = self->workers[--self->nworkers];
}

/* --- the work socket --------------------------------------------------------------------- */

static int s_handle(struct fetcher *self, struct pl_frames *fr, const struct pl_msg *m)
{
    zmq_msg_t *id = &fr->f[0];
    int64_t now = pl_now_ms();
    struct worker *w = s_worker(self, id, m->cmd == PL_CMD_READY);
    if (w)
        w->last_seen = now;
    switch (m->cmd) {
    case PL_CMD_READY:
        if (!w)
            break;
        if (w->window == 0)
            pl_log_info("extractor ready worker=%s credit=%u xv=%s",
                        m->u.ready.worker ? m->u.ready.worker : "-", m->u.ready.credit,
                        m->u.ready.xv ? m->u.ready.xv : "-");
        if (m->u.ready.worker)
            snprintf(w->name, sizeof w->name, "%s", m->u.ready.worker);
        w->window = m->u.ready.credit;
        break;
    case PL_CMD_HB: {
        struct pl_msg hb = {.cmd = PL_CMD_HB};
        if (pl_msg_send(self->work, zmq_msg_data(id), zmq_msg_size(id), &hb, &self->scratch,
                        ZMQ_DONTWAIT) != 0)
            pl_log_debug("cannot answer heartbeat: %s", zmq_strerror(zmq_errno()));
        break;
    }
    case PL_CMD_DONE: {
        self->done++;
        size_t li = s_lease_find(self, m->u.done.id, w);
        if (li != SIZE_MAX)
            s_lease_remove(self, li);
        if (w)
            w->done++;
        if (s_begin(self) != 0)
            return -1;
        if (outbox_done(self->ob, m->u.done.id) < 0)
            pl_log_warn("outbox: %s", outbox_errmsg(self->ob));
        break;
    }
    case PL_CMD_NACK: {
        self->nacked++;
        if (w)
            w->nacked++;
        size_t li = s_lease_find(self, m->u.nack.id, w);
        if (li != SIZE_MAX)
            s_lease_remove(self, li);
        pl_log_warn("article refused id=%s worker=%s reason=\"%s\"", m->u.nack.id,
                    w ? w->name : "?", m->u.nack.reason);
        char reason[PL_MAX_REASON_BYTES + 64];
        snprintf(reason, sizeof reason, "refused by extractor %s: %s", w ? w->name : "?",
                 m->u.nack.reason);
        if (s_fail(self, m->u.nack.id, reason) != 0)
            return -1;
        break;
    }
    case PL_CMD_HOLD: {
        /* Coded, its mentions waiting for the store's OK (the store is away): the lease
         * starts again, and no attempt is counted. Only the holder of the lease can keep it:
         * after it ran out the article went back, and perhaps to another extractor. (The
         * outbox's lease_until stays as it was: a restarted fetcher makes leases pending.) */
        size_t li = w ? s_lease_find(self, m->u.hold.id, w) : SIZE_MAX;
        if (li != SIZE_MAX) {
            self->leases[li].until = now + self->lease_ms;
            self->held++;
            pl_log_debug("lease held id=%s worker=%s", m->u.hold.id, w->name);
        } else {
            pl_log_limited(&self->drops.rl, PL_LOG_WARN,
                           "HOLD for article id=%s, not leased to worker=%s: its lease had run "
                           "out",
                           m->u.hold.id, w ? w->name : "?");
        }
        break;
    }
    default:
        self->unexpected++;
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "unexpected command socket=work cmd=%s",
                       pl_cmd_name(m->cmd));
        break;
    }
    return 0;
}

/* --- dispatch ---------------------------------------------------------------------------- */

struct outgoing {
    struct worker *w;
    struct pl_buf body;
    char id[PL_ID_HEX + 1];
};

struct dispatch {
    struct fetcher *self;
    struct outgoing *out;
    size_t n;
    size_t bytes;
};

static struct worker *s_pick(struct fetcher *self)
{
    for (size_t k = 0; k < self->nworkers; k++) {
        struct worker *w = self->workers[(self->rr + k) % self->nworkers];
        if (w->inflight < w->window) {
            self->rr = (self->rr + k + 1) % self->nworkers;
            return w;
        }
    }
    return NULL;
}

static int s_offer(const char *id, uint32_t attempts, const void *body, size_t len, void *arg)
{
    (void)attempts;
    struct dispatch *d = arg;
    struct fetcher *self = d->self;
    struct worker *w = s_pick(self);
    if (!w || d->bytes > DISPATCH_BYTES)
        return 0;
    struct pl_msg task = {.cmd = PL_CMD_TASK};
    struct pl_diag diag;
    if (pl_article_decode(body, len, &task.u.task.article, &diag) != PL_OK) {
        /* cannot happen unless the outbox file was changed by hand */
        pl_log_error("article id=%s in the outbox cannot be read (%s at %s)", id,
                     pl_status_name(diag.status), diag.where);
        return s_fail(self, id, "its copy in the outbox cannot be read") == 0 ? 0 : -1;
    }
    int64_t until = pl_now_ms() + self->lease_ms;
    int attempt = outbox_lease(self->ob, id, until);
    if (attempt <= 0) {
        pl_article_release(&task.u.task.article);
        if (attempt < 0)
            pl_log_warn("outbox: %s", outbox_errmsg(self->ob));
        return 0;
    }
    char idc[PL_ID_HEX + 1];
    snprintf(idc, sizeof idc, "%s", id);
    task.u.task.id = idc;
    task.u.task.attempt = (uint32_t)attempt;
    task.u.task.lease_ms = (uint32_t)self->lease_ms;
    struct outgoing *o = &d->out[d->n];
    pl_buf_init(&o->body);
    enum pl_status st = pl_msg_encode(&task, &o->body, &diag);
    task.u.task.id = NULL;
    pl_article_release(&task.u.task.article);
    if (st != PL_OK) {
        pl_buf_release(&o->body);
        char reason[256];
        snprintf(reason, sizeof reason, "cannot encode its TASK: %s at %s", pl_status_name(st),
                 diag.where);
        return s_fail(self, id, reason) == 0 ? 0 : -1;
    }
    o->w = w;
    memcpy(o->id, idc, sizeof o->id);
    d->n++;
    d->bytes += o->body.len;
    if (self->nleases == self->cap_leases) {
        self->cap_leases = self->cap_leases ? 2 * self->cap_leases : 64;
        self->leases = pl_xrealloc(self->leases, self->cap_leases * sizeof *self->leases);
    }
    struct lease *l = &self->leases[self->nleases++];
    memcpy(l->id, idc, sizeof l->id);
    l->w = w;
    l->until = until;
    w->inflight++;
    w->tasks++;
    return 0;
}

static size_t s_free_places(const struct fetcher *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->nworkers; i++) {
        const struct worker *w = self->workers[i];
        if (w->inflight < w->window)
            n += w->window - w->inflight;
    }
    return n;
}

/* Leases pending articles into the free places, commits, then sends the TASKs: an article
 * is offered only once its lease (and its intake) is on disk. */
static int s_dispatch_and_commit(struct fetcher *self)
{
    size_t places = s_free_places(self);
    if (places > DISPATCH_ROUND)
        places = DISPATCH_ROUND;
    struct dispatch d = {.self = self};
    if (places > 0) {
        if (s_begin(self) != 0)
            return -1;
        d.out = pl_xcalloc(places, sizeof *d.out);
        if (outbox_next(self->ob, places, s_offer, &d) < 0) {
            pl_log_error("outbox: %s", outbox_errmsg(self->ob));
            for (size_t i = 0; i < d.n; i++)
                pl_buf_release(&d.out[i].body);
            free(d.out);
            outbox_rollback(self->ob);
            self->in_txn = false;
            return -1;
        }
    }
    int rc = s_commit(self);
    for (size_t i = 0; i < d.n; i++) {
        struct outgoing *o = &d.out[i];
        if (rc == 0) {
            if (zmq_send(self->work, o->w->ident, o->w->ident_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) <
                    0 ||
                zmq_send(self->work, "TASK", 4, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
                zmq_send(self->work, o->body.data, o->body.len, ZMQ_DONTWAIT) < 0) {
                /* the lease brings it back; the worker will be forgotten if it is gone */
                self->send_failed++;
                pl_log_limited(&self->drops.rl, PL_LOG_WARN,
                               "cannot send TASK id=%s to worker=%s: %s", o->id, o->w->name,
                               zmq_strerror(zmq_errno()));
            } else {
                self->tasks++;
            }
        }
        pl_buf_release(&o->body);
    }
    free(d.out);
    return rc;
}

/* --- timers ------------------------------------------------------------------------------- */

static void s_status(struct fetcher *self, int64_t now)
{
    struct outbox_counts c;
    if (outbox_counts(self->ob, &c) != 0) {
        pl_log_warn("outbox: %s", outbox_errmsg(self->ob));
        return;
    }
    double secs = self->last_status ? (double)(now - self->last_status) / 1000.0 : 0;
    double rate =
        secs > 0 && c.done >= self->last_done ? (double)(c.done - self->last_done) / secs : 0;
    pl_log_info("status pending=%llu leased=%llu done=%llu dead=%llu extractors=%zu rate=%.1f/s "
                "taken_in=%llu duplicates=%llu failed_inputs=%llu",
                (unsigned long long)c.pending, (unsigned long long)c.leased,
                (unsigned long long)c.done, (unsigned long long)c.dead, self->nworkers, rate,
                (unsigned long long)self->st.added, (unsigned long long)self->st.dups,
                (unsigned long long)self->st.failed);
    self->last_done = c.done;
    self->last_status = now;
}

static bool s_inputs_finished(const struct fetcher *self)
{
    return sources_finished(self->src) && web_finished(self->web);
}

static int s_intake(struct fetcher *self);

static int s_on_pump(struct pl_loop *loop, void *arg)
{
    struct fetcher *self = arg;
    int64_t now = pl_now_ms();
    /* leases that ran out */
    for (size_t i = self->nleases; i-- > 0;) {
        struct lease *l = &self->leases[i];
        if (l->until > now)
            continue;
        char id[PL_ID_HEX + 1], reason[256];
        memcpy(id, l->id, sizeof id);
        snprintf(reason, sizeof reason, "lease of %lld ms ran out (extractor %s)",
                 (long long)self->lease_ms, l->w ? l->w->name : "?");
        pl_log_warn("lease expired id=%s worker=%s", id, l->w ? l->w->name : "?");
        self->expired++;
        s_lease_remove(self, i);
        if (s_fail(self, id, reason) != 0)
            return -1;
    }
    /* extractors that went silent */
    for (size_t i = self->nworkers; i-- > 0;)
        if (now - self->workers[i]->last_seen > self->worker_timeout_ms)
            s_worker_forget(self, i, "went silent");
    if (s_intake(self) != 0)
        return -1;
    if (self->status_ms > 0 && now - self->last_status >= self->status_ms)
        s_status(self, now);
    if (s_inputs_finished(self) && !self->announced) {
        self->announced = true;
        pl_log_info("every input is read%s", self->once ? "; stopping once all is done" : "");
    }
    if (self->once && self->announced) {
        struct outbox_counts c;
        if (outbox_counts_active(self->ob, &c) != 0)
            return -1;
        if (c.pending == 0 && c.leased == 0) {
            s_status(self, now);
            pl_log_info("finished: every article is done or dead");
            pl_loop_stop(loop);
        }
    }
    return 0;
}

/* A watched folder changed. When nothing was taken in for a pump interval, the new files
 * are taken in now, so an article arriving at a quiet fetcher waits for no timer; under a
 * steady stream they wait for the next round, so that each round (one commit here, and one
 * group commit at the store) carries several articles rather than one. */
static int s_on_watch(struct pl_loop *loop, int fd, void *arg)
{
    (void)loop;
    (void)fd;
    struct fetcher *self = arg;
    sources_poll(self->src); /* drains the descriptor even when this waits for the round */
    if (pl_now_ms() - self->last_taken < PUMP_MS)
        return 0;
    return s_intake(self);
}

/* One round of intake (while not too much is pending), then dispatch; one commit. */
static int s_intake(struct fetcher *self)
{
    int64_t pending = 0;
    if (s_begin(self) != 0)
        return -1;
    struct outbox_counts c;
    if (outbox_counts_active(self->ob, &c) != 0) {
        pl_log_error("outbox: %s", outbox_errmsg(self->ob));
        return -1;
    }
    pending = (int64_t)c.pending;
    if ((uint64_t)pending < self->intake_hwm) {
        size_t room = self->intake_hwm - (uint64_t)pending;
        if (room > INTAKE_ROUND)
            room = INTAKE_ROUND;
        int got = sources_pump(self->src, self->ob, room, &self->st);
        if (got < 0) {
            pl_log_error("outbox: %s", outbox_errmsg(self->ob));
            return -1;
        }
        if (got > 0)
            self->last_taken = pl_now_ms();
        if (web_pump(self->web, self->ob, room - (size_t)got, &self->st) < 0) {
            pl_log_error("outbox: %s", outbox_errmsg(self->ob));
            return -1;
        }
    } else if (web_pump(self->web, self->ob, 0, &self->st) < 0) {
        pl_log_error("outbox: %s", outbox_errmsg(self->ob));
        return -1;
    }
    return s_dispatch_and_commit(self);
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
        int hrc = 0;
        if (rc == 1) {
            self->received++;
            hrc = s_handle(self, &fr, &m);
            pl_msg_release(&m);
        }
        pl_frames_close(&fr);
        if (hrc != 0)
            return -1;
    }
    /* hand out what the DONEs and READYs made room for */
    return s_dispatch_and_commit(self);
}

static int s_on_web(struct pl_loop *loop, int fd, void *arg)
{
    (void)loop;
    (void)fd;
    struct fetcher *self = arg;
    if (s_begin(self) != 0)
        return -1;
    if (web_pump(self->web, self->ob, 0, &self->st) < 0) {
        pl_log_error("outbox: %s", outbox_errmsg(self->ob));
        return -1;
    }
    return s_commit(self);
}

int fetcher_run(struct fetcher *self, int sigfd)
{
    if (pl_loop_add_fd(self->loop, sigfd, pl_daemon_on_signal, self) != 0 ||
        pl_loop_add_socket(self->loop, self->work, s_on_work, self) != 0 ||
        pl_loop_add_timer(self->loop, PUMP_MS, s_on_pump, self) < 0)
        return -1;
    if (sources_fd(self->src) >= 0 &&
        pl_loop_add_fd(self->loop, sources_fd(self->src), s_on_watch, self) != 0)
        return -1;
    if (web_fd(self->web) >= 0 && pl_loop_add_fd(self->loop, web_fd(self->web), s_on_web, self))
        return -1;
    self->last_status = pl_now_ms();
    pl_log_info("ready lease_ms=%lld max_attempts=%u intake_hwm=%llu%s", (long long)self->lease_ms,
                self->max_attempts, (unsigned long long)self->intake_hwm,
                self->once ? " once" : "");
    int rc = pl_loop_run(self->loop);
    if (s_commit(self) != 0)
        rc = -1;
    /* how the work was shared: one line per extractor still known */
    for (size_t i = 0; i < self->nworkers; i++) {
        const struct worker *w = self->workers[i];
        pl_log_info("extractor worker=%s tasks=%llu done=%llu nack=%llu in_hand=%u", w->name,
                    (unsigned long long)w->tasks, (unsigned long long)w->done,
                    (unsigned long long)w->nacked, w->inflight);
    }
    struct pl_buf line;
    pl_buf_init(&line);
    pl_drops_format(&self->drops, &line);
    pl_log_info("stopped received=%lu tasks=%lu done=%lu nack=%lu expired=%lu held=%lu "
                "taken_in=%llu duplicates=%llu failed_inputs=%llu unexpected=%lu send_failed=%lu%s",
                self->received, self->tasks, self->done, self->nacked, self->expired, self->held,
                (unsigned long long)self->st.added, (unsigned long long)self->st.dups,
                (unsigned long long)self->st.failed, self->unexpected, self->send_failed,
                line.data);
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
    pl_zap_stop(&self->zap);
    pl_loop_destroy(&self->loop);
    pl_buf_release(&self->scratch);
    web_destroy(&self->web);
    sources_destroy(&self->src);
    if (self->ob) {
        outbox_rollback(self->ob);
        outbox_close(&self->ob);
    }
    for (size_t i = 0; i < self->nworkers; i++)
        free(self->workers[i]);
    free(self->leases);
    if (self->lock_fd >= 0)
        close(self->lock_fd); /* the lock goes last */
    free(self);
    *self_p = NULL;
}
