/* cmd_tail.c - parley tail: the live event stream, without gaps or duplicates.
 *
 * The zguide Clone pattern: subscribe to the live stream first, then catch up from the
 * replay socket (SINCE applied), then apply live events in seq order, dropping those at or
 * below the applied seq. Every seq is published once, so a seq that skips ahead, or a
 * heartbeat whose head is past the applied seq, means messages were lost (a slow subscriber
 * at PUB's high-water mark, a store restart): the gap is filled from replay. Silence on the
 * live stream for three heartbeat timeouts also triggers a catch-up, which is how a store
 * restart is noticed when nothing is being published. Filters are applied here, to the
 * unfiltered stream, so seq gaps stay meaningful; replay is asked with the filter. With
 * --state FILE the applied seq is saved (write to a temporary file, rename) after each run of
 * events written together - a replay page, or the live events that had arrived when the tail
 * woke - once they are flushed, so a restarted tail goes on where it stopped. A stopped tail
 * (SIGINT, SIGTERM) repeats nothing; one killed between flushing a run and saving its seq
 * shows that run again. One save per event cost a file rename each: at a few thousand
 * events a second the tail fell behind the store. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "cmds.h"
#include "out.h"
#include "pl_msg.h"
#include "pl_sock.h"
#include "pl_util.h"

#define EX_OK          0
#define EX_USAGE       64
#define EX_DATAERR     65
#define EX_UNAVAILABLE 69
#define EX_IOERR       74

static const char *const usage =
    "usage: parley tail [--since N | --from-start] [filters] [--format table|jsonl|csv]\n"
    "                   [--state FILE] [--live EP] [--endpoint EP] [--timeout MS]\n"
    "                   [--key FILE --server-key KEY]\n"
    "\n"
    "Follows the events the store publishes, as they are stored, until interrupted. It\n"
    "survives store restarts (and the store's database going away for a while: it\n"
    "waits) and fills any gap from the store's replay, so no event is missed or shown\n"
    "twice.\n"
    "\n"
    "  --since N       start after seq N (default: from now)\n"
    "  --from-start    start from the first event stored\n"
    "  --state FILE    remember the last seq shown in FILE and resume from it (a missing\n"
    "                  file starts as --since/--from-start/now say)\n"
    "  --from, --to, --actor, --country, --cameo, --loc-country   as for parley query\n"
    "  --format F      table (default), jsonl or csv\n"
    "  --live EP       the store's live endpoint (default tcp://localhost:5557)\n"
    "  --endpoint EP   the store's replay endpoint (default tcp://localhost:5558)\n"
    "  --key FILE, --server-key KEY   with a store that has CURVE on: this client's key\n"
    "                  pair (parley keygen) and the store's public key (or its .pub file)\n"
    "  --timeout MS    wait this long for each replay answer; three times this without a\n"
    "                  heartbeat means the store is gone (default 5000)\n"
    "\n"
    "examples:\n"
    "  parley tail\n"
    "  parley tail --country ARM --cameo 04 --format jsonl\n"
    "  parley tail --from-start --state tail.seq --format csv >> events.csv\n"
    "\n"
    "SIGUSR1 makes it show every event stored so far and exit 0 (how parley up --once ends).\n"
    "\n"
    "exit status: 0 interrupted, 64 usage, 65 the store refused a request, 69 no store,\n"
    "74 cannot write the output or the state\n";

static volatile sig_atomic_t g_stop, g_drain;

static void s_on_signal(int sig)
{
    if (sig == SIGUSR1)
        g_drain = 1;
    else
        g_stop = 1;
}

struct tail {
    void *ctx, *sub, *rep;
    struct pl_filter f;
    struct out o;
    uint64_t applied; /* highest seq dealt with */
    uint64_t saved;   /* the seq in the state file */
    const char *state;
    int timeout_ms;
    struct cli_curve curve;
    unsigned long gaps, resyncs;
    bool db_said; /* told the user the store cannot read its database (ERR with retry_ms) */
};

static bool s_prefix(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

static bool s_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The same rules as the store's filter (db_sql.c). */
static bool s_match(const struct pl_filter *f, const struct pl_event *e)
{
    const struct pl_coding *c = &e->c;
    const char *tc = c->has_target ? c->target.code : NULL;
    const char *tn = c->has_target ? c->target.country : NULL;
    if (f->from && (!c->date || strcmp(c->date, f->from) < 0))
        return false;
    if (f->to && (!c->date || strncmp(c->date, f->to, strlen(f->to)) > 0))
        return false;
    if (f->actor && !s_prefix(c->source.code, f->actor) && !s_prefix(tc, f->actor))
        return false;
    if (f->country && !s_eq(c->source.country, f->country) && !s_eq(tn, f->country))
        return false;
    if (f->cameo && !s_prefix(c->cameo, f->cameo))
        return false;
    if (f->loc_country && !(c->has_location && s_eq(c->location.country, f->loc_country)))
        return false;
    return true;
}

static int s_save(struct tail *t)
{
    if (!t->state || t->saved == t->applied)
        return 0;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", t->state);
    FILE *fp = fopen(tmp, "w");
    if (!fp || fprintf(fp, "%llu\n", (unsigned long long)t->applied) < 0 || fflush(fp) != 0 ||
        fclose(fp) != 0 || rename(tmp, t->state) != 0) {
        fprintf(stderr, "parley tail: cannot write %s: %s\n", t->state, strerror(errno));
        return -1;
    }
    t->saved = t->applied;
    return 0;
}

/* Ends a run of applied events: the output flushed, then the seq saved. */
static int s_flush(struct tail *t)
{
    if (fflush(stdout) != 0) {
        perror("parley tail: writing the output");
        return -1;
    }
    return s_save(t);
}

/* Applies one event: shown when it matches; the applied seq moves on either way. */
static void s_apply(struct tail *t, const struct pl_event *e)
{
    if (e->seq <= t->applied)
        return;
    if (s_match(&t->f, e))
        out_emit(&t->o, e);
    t->applied = e->seq;
}

/* SINCE applied until the store has nothing more: the catch-up and every gap fill. after
 * UINT64_MAX only learns the head (start "from now"). Returns 0, or an exit status. */
static int s_catch_up(struct tail *t, bool from_now)
{
    for (;;) {
        struct pl_msg q = {.cmd = PL_CMD_SINCE};
        q.u.since.seq = from_now ? UINT64_MAX : t->applied;
        q.u.since.max = 1000;
        if (!from_now && (t->f.from || t->f.to || t->f.actor || t->f.country || t->f.cameo ||
                          t->f.loc_country)) {
            q.u.since.has_filter = true;
            q.u.since.filter = t->f;
        }
        struct pl_buf scratch;
        pl_buf_init(&scratch);
        int sent = pl_msg_send(t->rep, NULL, 0, &q, &scratch, 0);
        pl_buf_release(&scratch);
        if (sent != 0)
            return -1;
        size_t got = 0;
        for (;;) {
            struct pl_frames fr;
            if (pl_frames_recv(t->rep, &fr, 0) != 0)
                return -1; /* no answer within the timeout: the caller retries */
            struct pl_msg m;
            struct pl_diag d = {0};
            enum pl_status st = pl_frames_decode(&fr, 0, &m, &d);
            pl_frames_close(&fr);
            if (st != PL_OK) {
                fprintf(stderr, "parley tail: the store's answer does not decode: %s at %s\n",
                        pl_status_name(st), d.where);
                return EX_DATAERR;
            }
            if (m.cmd == PL_CMD_BATCH) {
                got += m.u.batch.n_events;
                for (size_t i = 0; i < m.u.batch.n_events; i++)
                    s_apply(t, &m.u.batch.events[i]);
                pl_msg_release(&m);
                if (s_flush(t) != 0)
                    return EX_IOERR;
                continue;
            }
            if (m.cmd == PL_CMD_ERR && m.u.err.has_retry) {
                /* Not a refusal: the store's database is away for now (proto/README.md). */
                if (!t->db_said)
                    fprintf(stderr,
                            "parley tail: the store cannot read its database now (%s); asking "
                            "again\n",
                            m.u.err.reason);
                t->db_said = true;
                struct timespec ts = {m.u.err.retry_ms / 1000,
                                      (long)(m.u.err.retry_ms % 1000) * 1000000L};
                pl_msg_release(&m);
                nanosleep(&ts, NULL); /* cut short by Ctrl-C */
                return -2;
            }
            if (m.cmd == PL_CMD_ERR) {
                fprintf(stderr, "parley tail: the store refused SINCE: %s\n", m.u.err.reason);
                pl_msg_release(&m);
                return EX_DATAERR;
            }
            if (m.cmd != PL_CMD_END) {
                pl_msg_release(&m);
                continue;
            }
            uint64_t head = m.u.end.head;
            pl_msg_release(&m);
            if (from_now) {
                t->applied = head;
                return s_save(t) == 0 ? 0 : EX_IOERR;
            }
            if (got < q.u.since.max) {
                /* Everything up to head has been seen (the filter hid the rest). */
                if (head > t->applied) {
                    t->applied = head;
                    if (s_save(t) != 0)
                        return EX_IOERR;
                } else if (head < t->applied) {
                    fprintf(stderr,
                            "parley tail: the store's head %llu is behind this tail's %llu: "
                            "is it another store, or did it lose its database?\n",
                            (unsigned long long)head, (unsigned long long)t->applied);
                }
                return 0;
            }
            break; /* a full page: ask for the next */
        }
    }
}

static void *s_socket(struct tail *t, int type, const char *ep)
{
    return cli_connect(t->ctx, type, ep, t->timeout_ms, &t->curve, "parley tail");
}

/* Catches up, retrying while the store does not answer (it may be restarting) until the
 * user stops. A DEALER that timed out may still get the late answer, so each retry uses a
 * fresh one. */
static int s_sync(struct tail *t, const char *replay_ep, bool from_now)
{
    bool said = false;
    while (!g_stop) {
        int rc = s_catch_up(t, from_now);
        if (rc >= 0) {
            if (said || t->db_said)
                fprintf(stderr, "parley tail: the store answers again; applied seq %llu\n",
                        (unsigned long long)t->applied);
            t->db_said = false;
            return rc;
        }
        if (rc == -2) /* answered: ask again on the same socket */
            continue;
        if (!said) {
            fprintf(stderr, "parley tail: no answer from the store at %s; retrying\n", replay_ep);
            said = true;
        }
        zmq_close(t->rep);
        t->rep = s_socket(t, ZMQ_DEALER, replay_ep);
        if (!t->rep)
            return EX_UNAVAILABLE;
    }
    return EX_OK;
}

/* One message from the live stream: applied when it is the next seq. Returns true when it
 * shows that messages were lost (a seq past the next one, a heartbeat past the applied). */
static bool s_live(struct tail *t, struct pl_frames *fr)
{
    if (fr->n != 2)
        return false;
    const char *topic = zmq_msg_data(&fr->f[0]);
    size_t tl = zmq_msg_size(&fr->f[0]);
    bool gap = false;
    if (tl == 2 && memcmp(topic, "HB", 2) == 0) {
        struct pl_msg m;
        if (pl_frames_decode(fr, 0, &m, NULL) == PL_OK) {
            gap = m.u.hb.has_head && m.u.hb.head > t->applied;
            pl_msg_release(&m);
        }
        return gap;
    }
    struct pl_event e;
    if (pl_event_decode(zmq_msg_data(&fr->f[1]), zmq_msg_size(&fr->f[1]), &e, NULL) != PL_OK)
        return false;
    if (e.seq == t->applied + 1)
        s_apply(t, &e);
    else if (e.seq > t->applied + 1)
        gap = true;
    pl_event_release(&e);
    return gap;
}

/* The live loop: until a signal or an error. Each wake-up takes what has arrived (up to a
 * bound, so the state is saved now and then under a constant stream) as one run. */
static int s_follow(struct tail *t, const char *replay_ep)
{
    int64_t last_heard = pl_now_ms();
    while (!g_stop) {
        if (g_drain) /* everything stored so far, then out */
            return s_sync(t, replay_ep, false);
        zmq_pollitem_t it = {.socket = t->sub, .events = ZMQ_POLLIN};
        int n = zmq_poll(&it, 1, 500);
        if (n < 0) {
            if (zmq_errno() == EINTR)
                continue;
            fprintf(stderr, "parley tail: %s\n", zmq_strerror(zmq_errno()));
            return EX_UNAVAILABLE;
        }
        if (n == 0) {
            if (pl_now_ms() - last_heard > 3 * (int64_t)t->timeout_ms) {
                t->resyncs++;
                int rc = s_sync(t, replay_ep, false);
                if (rc != 0)
                    return rc;
                last_heard = pl_now_ms();
            }
            continue;
        }
        bool gap = false;
        struct pl_frames fr;
        for (int i = 0; i < 4096 && !gap && pl_frames_recv(t->sub, &fr, ZMQ_DONTWAIT) == 0; i++) {
            last_heard = pl_now_ms();
            gap = s_live(t, &fr);
            pl_frames_close(&fr);
        }
        if (s_flush(t) != 0)
            return EX_IOERR;
        if (gap) {
            t->gaps++;
            int rc = s_sync(t, replay_ep, false);
            if (rc != 0)
                return rc;
        }
    }
    return EX_OK;
}

int cmd_tail(int argc, char **argv)
{
    struct tail t = {.timeout_ms = 5000};
    const char *live = "tcp://localhost:5557", *replay = "tcp://localhost:5558";
    bool have_since = false, from_start = false;
    const char *keyfile = NULL, *server_key = NULL;
    uint64_t since = 0;
    t.o.format = F_TABLE;
    static const struct option lopts[] = {{"from", required_argument, NULL, 'F'},
                                          {"to", required_argument, NULL, 'T'},
                                          {"actor", required_argument, NULL, 'a'},
                                          {"country", required_argument, NULL, 'c'},
                                          {"cameo", required_argument, NULL, 'e'},
                                          {"loc-country", required_argument, NULL, 'l'},
                                          {"since", required_argument, NULL, 's'},
                                          {"from-start", no_argument, NULL, 'S'},
                                          {"state", required_argument, NULL, 'x'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"live", required_argument, NULL, 'L'},
                                          {"endpoint", required_argument, NULL, 'E'},
                                          {"timeout", required_argument, NULL, 't'},
                                          {"key", required_argument, NULL, 'k'},
                                          {"server-key", required_argument, NULL, 'K'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        uint64_t v;
        const char *what = NULL;
        switch (c) {
        case 'F':
            t.f.from = optarg, what = "date";
            break;
        case 'T':
            t.f.to = optarg, what = "date";
            break;
        case 'a':
            t.f.actor = optarg, what = "actor";
            break;
        case 'c':
            t.f.country = optarg, what = "country";
            break;
        case 'e':
            t.f.cameo = optarg, what = "cameo";
            break;
        case 'l':
            t.f.loc_country = optarg, what = "country";
            break;
        case 's':
            if (pl_parse_u64(optarg, 0, UINT64_MAX - 1, &since) != 0) {
                fprintf(stderr, "parley tail: --since must be a seq number\n");
                return EX_USAGE;
            }
            have_since = true;
            break;
        case 'S':
            from_start = true;
            break;
        case 'x':
            t.state = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
                t.o.format = F_JSONL;
            else if (!strcmp(optarg, "csv"))
                t.o.format = F_CSV;
            else if (!strcmp(optarg, "table"))
                t.o.format = F_TABLE;
            else {
                fprintf(stderr, "parley tail: --format must be table, jsonl or csv\n");
                return EX_USAGE;
            }
            break;
        case 'L':
            live = optarg;
            break;
        case 'E':
            replay = optarg;
            break;
        case 'k':
            keyfile = optarg;
            break;
        case 'K':
            server_key = optarg;
            break;
        case 't':
            if (pl_parse_u64(optarg, 100, 600000, &v) != 0) {
                fprintf(stderr, "parley tail: --timeout must be 100..600000 ms\n");
                return EX_USAGE;
            }
            t.timeout_ms = (int)v;
            break;
        case 'h':
            fputs(usage, stdout);
            return EX_OK;
        default:
            fputs(usage, stderr);
            return EX_USAGE;
        }
        if (what && !out_valid_filter(what, optarg))
            return EX_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "parley tail: unexpected argument '%s'\n\n%s", argv[optind], usage);
        return EX_USAGE;
    }
    if (cli_curve_load(&t.curve, keyfile, server_key, "parley tail") != 0)
        return EX_USAGE;
    if (have_since && from_start) {
        fprintf(stderr, "parley tail: --since and --from-start exclude each other\n");
        return EX_USAGE;
    }
    bool from_now = !have_since && !from_start;
    t.applied = have_since ? since : 0;
    if (t.state) {
        FILE *fp = fopen(t.state, "r");
        if (fp) {
            char buf[32] = "";
            bool ok = fgets(buf, sizeof buf, fp) != NULL;
            fclose(fp);
            buf[strcspn(buf, "\n")] = '\0';
            if (!ok || pl_parse_u64(buf, 0, UINT64_MAX - 1, &t.applied) != 0) {
                fprintf(stderr, "parley tail: %s does not hold a seq number\n", t.state);
                return EX_USAGE;
            }
            t.saved = t.applied;
            from_now = false;
        } else if (errno != ENOENT) {
            fprintf(stderr, "parley tail: cannot read %s: %s\n", t.state, strerror(errno));
            return EX_IOERR;
        }
    }
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    pl_buf_init(&t.o.line);
    int rc = EX_UNAVAILABLE;
    t.ctx = zmq_ctx_new();
    if (!t.ctx)
        goto out;
    /* Subscribe first, then catch up: nothing published in between is missed. */
    t.sub = s_socket(&t, ZMQ_SUB, live);
    t.rep = t.sub ? s_socket(&t, ZMQ_DEALER, replay) : NULL;
    if (!t.rep)
        goto out;
    out_header(&t.o);
    fflush(stdout);
    rc = s_sync(&t, replay, from_now);
    if (rc == EX_OK && !g_stop)
        rc = s_follow(&t, replay);
    fprintf(stderr,
            "parley tail: stopped at seq %llu, %lu events shown, %lu gaps filled, "
            "%lu resyncs\n",
            (unsigned long long)t.applied, t.o.n, t.gaps, t.resyncs);
out:
    if (t.sub)
        zmq_close(t.sub);
    if (t.rep)
        zmq_close(t.rep);
    if (t.ctx)
        zmq_ctx_term(t.ctx);
    pl_buf_release(&t.o.line);
    return rc;
}
