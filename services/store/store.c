/* store.c - see store.h. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pl_daemon.h"
#include "pl_log.h"
#include "pl_loop.h"
#include "pl_util.h"

/* Events per BATCH of a QUERY reply (SINCE uses the client's max). */
#define QUERY_PAGE 1024u
/* Group commit: at most this many EVENTS batches, or this many bytes of them, share one
 * transaction (and one fsync). A group holds what arrived while the last one was being
 * stored, so it grows only with a backlog - at most the extractors' credit in all (64 each
 * by default). Bigger groups write each hot page once for more mentions: bench_store,
 * 10,000 articles, group 64 -> 256: +10-15% mentions/s. */
#define GROUP_MAX       256
#define GROUP_MAX_BYTES (32u * 1024 * 1024)
/* A database server that cannot be reached is tried again after 250 ms, then twice as long
 * each time, up to this. */
#define DB_RETRY_MAX_MS 5000

/* An EVENTS batch waiting for its group's commit. */
struct pend {
    struct pl_frames fr; /* with the extractor's identity, for the answer */
    struct pl_msg m;     /* the decoded batch */
};

struct store {
    void *ctx;                                 /* ZeroMQ context, owned */
    struct pl_zap *zap;                        /* CURVE client check, when on */
    void *ingest;                              /* ROUTER for extractors */
    void *live;                                /* PUB for subscribers */
    void *replay;                              /* ROUTER for replay and queries */
    struct pl_loop *loop;                      /* poll loop */
    struct pl_buf scratch;                     /* reused to encode messages */
    struct pl_drops drops;                     /* bad input dropped */
    int64_t heartbeat_ms;                      /* live heartbeat interval */
    struct store_db *db;                       /* the database, owned */
    unsigned long batches;                     /* EVENTS stored */
    unsigned long replayed;                    /* EVENTS stored before, answered again */
    unsigned long refused;                     /* EVENTS answered with ERR */
    unsigned long mentions;                    /* mentions stored */
    unsigned long published;                   /* event versions published */
    unsigned long groups;                      /* transactions (group commits) */
    struct pend pend[GROUP_MAX];               /* batches of the group being gathered */
    const struct pl_events *evs[GROUP_MAX];    /* their batches, for the database */
    struct store_ingest_result res[GROUP_MAX]; /* and what became of them */
    size_t npend;                              /* entries used in pend */
    size_t pend_bytes;                         /* their frames' bytes */
    bool db_down;             /* the database cannot be reached: pend is held, ingest not read */
    int64_t down_since;       /* ... since then (ms) */
    int64_t retry_at;         /* ... and is tried again then */
    int64_t retry_ms;         /* the wait after that try: 250 ms doubling up to DB_RETRY_MAX_MS */
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
    char err[512];
    struct store_db_config dbc = {.backend = cfg->backend,
                                  .data_dir = cfg->data_dir,
                                  .conninfo = cfg->conninfo,
                                  .event_cache = (size_t)cfg->event_cache};
    self->db = store_db_open(&dbc, err, sizeof err);
    if (!self->db) {
        pl_log_error("cannot open the database: %s", err);
        goto fail;
    }
    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        pl_log_error("cannot create ZeroMQ context: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (zmq->curve && zmq->curve->enabled && !(self->zap = pl_zap_start(self->ctx, zmq->curve)))
        goto fail;
    self->ingest = pl_sock_new(self->ctx, ZMQ_ROUTER, zmq, "ingest");
    self->live = pl_sock_new(self->ctx, ZMQ_PUB, zmq, "live");
    self->replay = pl_sock_new(self->ctx, ZMQ_ROUTER, zmq, "replay");
    if (!self->ingest || !self->live || !self->replay ||
        pl_curve_apply(self->ingest, zmq->curve, NULL, "ingest") != 0 ||
        pl_curve_apply(self->live, zmq->curve, NULL, "live") != 0 ||
        pl_curve_apply(self->replay, zmq->curve, NULL, "replay") != 0 ||
        pl_sock_bind(self->ingest, cfg->ingest_bind, "ingest") != 0 ||
        pl_sock_bind(self->live, cfg->live_bind, "live") != 0 ||
        pl_sock_bind(self->replay, cfg->replay_bind, "replay") != 0)
        goto fail;
    /* A reply to a client whose queue is full fails (after zmq.send_timeout_ms) instead of
     * vanishing silently, so a cut-short reply is logged. */
    int one = 1;
    if (zmq_setsockopt(self->replay, ZMQ_ROUTER_MANDATORY, &one, sizeof one) != 0) {
        pl_log_error("cannot set ZMQ_ROUTER_MANDATORY on replay: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
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

static void s_publish(struct store *self, const struct store_ingest_result *res)
{
    for (uint32_t i = 0; i < res->n_changes; i++) {
        const struct store_change *c = &res->changes[i];
        /* PUB never blocks: a subscriber at its high-water mark misses the message, sees the
         * gap in seq and fills it from replay. */
        if (zmq_send(self->live, c->topic, strlen(c->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            zmq_send(self->live, c->body.data, c->body.len, ZMQ_DONTWAIT) < 0)
            pl_log_debug("cannot publish seq=%llu: %s", (unsigned long long)c->seq,
                         zmq_strerror(zmq_errno()));
        else
            self->published++;
    }
}

/* Answers one batch of a group and publishes what it changed. */
static void s_answer(struct store *self, struct pl_frames *fr, const struct pl_events *ev,
                     struct store_ingest_result *res, char *group_err)
{
    if (group_err || res->failed) {
        char *why = group_err ? group_err : res->error;
        self->refused++;
        pl_log_warn("refused article=%s xv=%s mentions=%zu: %s", ev->id, ev->xv, ev->n_mentions,
                    why);
        struct pl_msg m = {.cmd = PL_CMD_ERR};
        m.u.err.id = ev->id;
        m.u.err.reason = why;
        s_reply(self, self->ingest, fr, &m);
        return;
    }
    if (res->replayed)
        self->replayed++;
    else
        self->batches++;
    self->mentions += res->new_mentions;
    struct pl_msg m = {.cmd = PL_CMD_OK};
    m.u.ok.id = ev->id;
    m.u.ok.first_seq = res->first_seq;
    m.u.ok.count = res->count;
    s_reply(self, self->ingest, fr, &m);
    pl_log_debug("stored article=%s xv=%s mentions=%u dup=%u events=%u first_seq=%llu%s", ev->id,
                 ev->xv, res->new_mentions, res->dup_mentions, res->count,
                 (unsigned long long)res->first_seq, res->replayed ? " replayed=1" : "");
    s_publish(self, res);
}

/* The database server cannot be reached (PostgreSQL restarted, or the network cut): the
 * group is held, unanswered - an ERR would tell the extractors the batches are bad, and the
 * fetcher would count the refusals towards giving the articles up - and the ingest socket is
 * not read until the group is stored, so extractors wait (or send again: those batches are
 * answered as stored once the database is back). Replay and queries get ERR meanwhile. */
static void s_db_down(struct store *self, const char *err)
{
    int64_t now = pl_now_ms();
    if (!self->db_down) {
        self->db_down = true;
        self->down_since = now;
        self->retry_ms = 250;
        pl_loop_remove_socket(self->loop, self->ingest);
        pl_log_warn("%s; holding %zu batch%s, taking no more until the database takes them", err,
                    self->npend, self->npend == 1 ? "" : "es");
    } else {
        self->retry_ms =
            self->retry_ms * 2 < DB_RETRY_MAX_MS ? self->retry_ms * 2 : DB_RETRY_MAX_MS;
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "%s (for %lld s now; trying again)", err,
                       (long long)((now - self->down_since) / 1000));
    }
    self->retry_at = now + self->retry_ms;
}

static int s_on_socket(struct pl_loop *loop, void *sock, void *arg);

/* Group commit: the EVENTS batches received in one wake-up are stored in one transaction,
 * then each is answered (OK after the commit, or ERR) and its changes published. */
static void s_flush(struct store *self)
{
    size_t n = self->npend;
    if (n == 0 || (self->db_down && pl_now_ms() < self->retry_at))
        return;
    const struct pl_events **evs = self->evs;
    for (size_t i = 0; i < n; i++)
        evs[i] = &self->pend[i].m.u.events;
    char now[40], err[512] = "";
    pl_time_iso(now, sizeof now, pl_wall_ms());
    struct store_ingest_result *res = self->res;
    uint64_t redone = store_db_redone(self->db);
    int rc = store_db_ingest_group(self->db, evs, n, now, res, err, sizeof err);
    if (rc == STORE_DB_UNREACHABLE) {
        s_db_down(self, err);
        return;
    }
    if (self->db_down) {
        self->db_down = false;
        pl_log_info(
            "the database takes batches again after %lld ms; the %zu batch%s held stored now",
            (long long)(pl_now_ms() - self->down_since), n, n == 1 ? "" : "es");
        if (pl_loop_add_socket(self->loop, self->ingest, s_on_socket, self) != 0)
            pl_log_error("cannot watch the ingest socket again");
    }
    if (rc == 0 && store_db_redone(self->db) != redone)
        pl_log_info("a group of %zu batches was stored again batch by batch (%s)", n, err);
    for (size_t i = 0; i < n; i++) {
        s_answer(self, &self->pend[i].fr, evs[i], &res[i], rc == 0 ? NULL : err);
        store_ingest_result_release(&res[i]);
        pl_msg_release(&self->pend[i].m);
        pl_frames_close(&self->pend[i].fr);
    }
    self->groups++;
    self->npend = 0;
    self->pend_bytes = 0;
}

/* Collects the events of a read into a BATCH. */
struct s_page {
    struct pl_event *ev;
    size_t n;
    uint64_t last;
    int bad;
};

static int s_collect(uint64_t seq, const void *body, size_t len, void *arg)
{
    struct s_page *p = arg;
    p->last = seq;
    if (pl_event_decode(body, len, &p->ev[p->n], NULL) != PL_OK) {
        p->bad++; /* a row this build cannot read: skipped, counted, logged */
        return 0;
    }
    p->n++;
    return 0;
}

static void s_page_release(struct s_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        pl_event_release(&p->ev[i]);
    p->n = 0;
}

static int s_send_page(struct store *self, struct pl_frames *fr, struct s_page *p)
{
    struct pl_msg b = {.cmd = PL_CMD_BATCH};
    b.u.batch.events = p->ev;
    b.u.batch.n_events = p->n;
    zmq_msg_t *id = &fr->f[0];
    int rc = pl_msg_send(self->replay, zmq_msg_data(id), zmq_msg_size(id), &b, &self->scratch, 0);
    if (rc != 0)
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "reply cut short: cannot send BATCH: %s",
                       zmq_strerror(zmq_errno()));
    s_page_release(p);
    return rc;
}

/* ERR with reason; retry_ms > 0 says the same request may succeed after that long (the
 * database could not be reached: proto/README.md), 0 that it is refused. */
static void s_error(struct store *self, void *sock, struct pl_frames *fr, char *reason,
                    uint32_t retry_ms)
{
    struct pl_msg m = {.cmd = PL_CMD_ERR};
    m.u.err.reason = reason;
    m.u.err.has_retry = retry_ms > 0;
    m.u.err.retry_ms = retry_ms;
    s_reply(self, sock, fr, &m);
}

/* A replay request the database failed. */
static void s_read_failed(struct store *self, struct pl_frames *fr, const char *what, int rc,
                          char *err)
{
    pl_log_limited(&self->drops.rl, PL_LOG_WARN, "%s failed: %s", what, err);
    s_error(self, self->replay, fr, err, rc == STORE_DB_UNREACHABLE ? 1000 : 0);
}

static void s_replay(struct store *self, struct pl_frames *fr, const struct pl_msg *m)
{
    char err[512];
    struct s_page p = {0};
    self->requests++;
    if (m->cmd == PL_CMD_SINCE) {
        const struct pl_since *q = &m->u.since;
        uint32_t max = q->max < PL_MAX_BATCH ? q->max : PL_MAX_BATCH;
        p.ev = pl_xcalloc(max, sizeof *p.ev);
        int rc = store_db_since(self->db, q->seq, q->has_filter ? &q->filter : NULL, max, s_collect,
                                &p, err, sizeof err);
        if (rc != 0) {
            s_page_release(&p);
            free(p.ev);
            s_read_failed(self, fr, "SINCE", rc, err);
            return;
        }
        if (p.n && s_send_page(self, fr, &p) != 0) {
            free(p.ev);
            return;
        }
    } else {
        const struct pl_query *q = &m->u.query;
        uint32_t left = q->limit;
        uint64_t after = 0;
        p.ev = pl_xcalloc(QUERY_PAGE, sizeof *p.ev);
        while (left > 0) {
            uint32_t want = left < QUERY_PAGE ? left : QUERY_PAGE;
            p.last = after;
            int rc =
                store_db_query(self->db, after, &q->filter, want, s_collect, &p, err, sizeof err);
            if (rc != 0) {
                s_page_release(&p);
                free(p.ev);
                s_read_failed(self, fr, "QUERY", rc, err);
                return;
            }
            size_t got = p.n + (size_t)p.bad;
            p.bad = 0;
            if (p.n && s_send_page(self, fr, &p) != 0) {
                free(p.ev);
                return;
            }
            if (got < want)
                break;
            left -= want;
            after = p.last;
        }
    }
    free(p.ev);
    struct pl_msg end = {.cmd = PL_CMD_END};
    end.u.end.head = store_db_head(self->db);
    s_reply(self, self->replay, fr, &end);
}

static void s_handle(struct store *self, void *sock, struct pl_frames *fr, const struct pl_msg *m)
{
    if (sock == self->replay && (m->cmd == PL_CMD_SINCE || m->cmd == PL_CMD_QUERY)) {
        s_replay(self, fr, m);
    } else if (m->cmd == PL_CMD_HB) {
        struct pl_msg hb = {.cmd = PL_CMD_HB};
        s_reply(self, sock, fr, &hb);
    } else {
        self->unexpected++;
        pl_log_limited(&self->drops.rl, PL_LOG_WARN, "unexpected command socket=%s cmd=%s",
                       sock == self->ingest ? "ingest" : "replay", pl_cmd_name(m->cmd));
        static char why[] = "unexpected command on this socket";
        s_error(self, sock, fr, why, 0);
    }
}

/* A message that did not decode (already counted and logged): the sender learns why, and
 * the store carries on. Only messages with the peer's identity frame can be answered. */
static void s_refuse_malformed(struct store *self, void *sock, struct pl_frames *fr)
{
    if (fr->n < 1 || zmq_msg_size(&fr->f[0]) == 0)
        return;
    struct pl_msg m;
    struct pl_diag diag = {0};
    enum pl_status st = pl_frames_decode(fr, 1, &m, &diag);
    if (st == PL_OK) { /* cannot happen: it failed a moment ago */
        pl_msg_release(&m);
        return;
    }
    char reason[256];
    snprintf(reason, sizeof reason, "malformed message: %s%s%s", pl_status_name(st),
             diag.where[0] ? " at " : "", diag.where);
    if (sock == self->ingest)
        self->refused++;
    s_error(self, sock, fr, reason, 0);
}

static int s_on_socket(struct pl_loop *loop, void *sock, void *arg)
{
    (void)loop;
    struct store *self = arg;
    const char *name = sock == self->ingest ? "ingest" : "replay";
    for (int i = 0; i < 256 && !(sock == self->ingest && self->db_down); i++) {
        struct pl_frames fr;
        struct pl_msg m;
        int rc = pl_sock_recv_msg(sock, name, 1, &fr, &m, &self->drops);
        if (rc < 0 || (rc == 0 && fr.n == 0))
            break;
        if (rc == 0)
            s_refuse_malformed(self, sock, &fr);
        if (rc == 1 && sock == self->ingest && m.cmd == PL_CMD_EVENTS) {
            struct pend *p = &self->pend[self->npend++];
            p->fr = fr; /* kept, with the message, until the group is stored */
            p->m = m;
            for (size_t k = 0; k < fr.n; k++)
                self->pend_bytes += zmq_msg_size(&fr.f[k]);
            if (self->npend == GROUP_MAX || self->pend_bytes >= GROUP_MAX_BYTES)
                s_flush(self);
            continue;
        }
        if (rc == 1) {
            s_handle(self, sock, &fr, &m);
            pl_msg_release(&m);
        }
        pl_frames_close(&fr);
    }
    s_flush(self);
    return 0;
}

static int s_on_heartbeat(struct pl_loop *loop, void *arg)
{
    (void)loop;
    struct store *self = arg;
    struct pl_msg hb = {.cmd = PL_CMD_HB};
    hb.u.hb.has_head = true;
    hb.u.hb.head = store_db_head(self->db);
    /* PUB never blocks: a subscriber at its high-water mark misses this one. */
    if (pl_msg_send(self->live, NULL, 0, &hb, &self->scratch, ZMQ_DONTWAIT) != 0)
        pl_log_debug("cannot publish heartbeat: %s", zmq_strerror(zmq_errno()));
    return 0;
}

/* True when no message waits on sock. */
static bool s_idle(void *sock)
{
    int events = 0;
    size_t len = sizeof events;
    return zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) == 0 && !(events & ZMQ_POLLIN);
}

/* A group held for an unreachable database is tried again here when its time comes (see
 * s_db_down). Otherwise the events table (what queries read) catches up with the log
 * (store_db_flush) while no batch waits, 128 events at a time, so that a batch arriving meanwhile
 * waits a millisecond or two, for at most 10 ms a tick. (A store that batches keep arriving at
 * writes them in bulk after its group commits: see STORE_PEND_MAX in db.c.) */
static int s_on_index(struct pl_loop *loop, void *arg)
{
    (void)loop;
    struct store *self = arg;
    int64_t t0 = pl_now_ms();
    if (self->db_down) { /* the held group, when its time has come (see s_db_down) */
        s_flush(self);
        return 0;
    }
    while (store_db_waiting(self->db) > 0 && s_idle(self->ingest) && pl_now_ms() - t0 < 10) {
        char err[512];
        if (store_db_flush(self->db, 128, err, sizeof err) != 0) {
            pl_log_limited(&self->drops.rl, PL_LOG_WARN, "%s (tried again soon)", err);
            break;
        }
    }
    return 0;
}

int store_run(struct store *self, int sigfd)
{
    if (pl_loop_add_fd(self->loop, sigfd, pl_daemon_on_signal, self) != 0 ||
        pl_loop_add_socket(self->loop, self->ingest, s_on_socket, self) != 0 ||
        pl_loop_add_socket(self->loop, self->replay, s_on_socket, self) != 0 ||
        pl_loop_add_timer(self->loop, self->heartbeat_ms, s_on_heartbeat, self) < 0 ||
        pl_loop_add_timer(self->loop, 20, s_on_index, self) < 0)
        return -1;
    pl_log_info("ready head=%llu", (unsigned long long)store_db_head(self->db));
    int rc = pl_loop_run(self->loop);
    if (self->npend)
        pl_log_warn("%zu batch%s held for the database not stored: their extractors send them "
                    "again",
                    self->npend, self->npend == 1 ? "" : "es");
    struct pl_buf line;
    pl_buf_init(&line);
    pl_drops_format(&self->drops, &line);
    pl_log_info("stopped batches=%lu replayed=%lu refused=%lu mentions=%lu published=%lu "
                "groups=%lu requests=%lu unexpected=%lu head=%llu%s",
                self->batches, self->replayed, self->refused, self->mentions, self->published,
                self->groups, self->requests, self->unexpected,
                (unsigned long long)store_db_head(self->db), line.data);
    pl_buf_release(&line);
    return rc;
}

void store_destroy(struct store **self_p)
{
    if (!self_p || !*self_p)
        return;
    struct store *self = *self_p;
    for (size_t i = 0; i < self->npend; i++) { /* a group held for the database: unanswered */
        pl_msg_release(&self->pend[i].m);
        pl_frames_close(&self->pend[i].fr);
    }
    pl_sock_close(&self->ingest);
    pl_sock_close(&self->live);
    pl_sock_close(&self->replay);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    pl_zap_stop(&self->zap);
    pl_loop_destroy(&self->loop);
    store_db_close(&self->db);
    pl_buf_release(&self->scratch);
    free(self);
    *self_p = NULL;
}
