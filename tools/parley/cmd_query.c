/* cmd_query.c - parley query and parley export: stored events, from a running store (QUERY
 * on its replay socket) or straight from a database file, as a table, JSON lines or CSV. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "cmds.h"
#include "db.h"
#include "out.h"
#include "pl_msg.h"
#include "pl_sock.h"
#include "pl_util.h"

#define EX_OK          0
#define EX_USAGE       64
#define EX_DATAERR     65
#define EX_UNAVAILABLE 69
#define EX_TEMPFAIL    75

static const char *const query_usage =
    "usage: parley query [filters] [--limit N] [--format table|jsonl|csv]\n"
    "                    [--endpoint EP | --db PATH]\n"
    "\n"
    "Prints the stored events that match every filter given, oldest seq first: from a\n"
    "running parley-store (its replay socket) or, with --db, straight from a database.\n"
    "\n"
    "filters:\n"
    "  --from DATE          events on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)\n"
    "  --to DATE            events on or before DATE (2023-10 includes all of October)\n"
    "  --actor CODE         actor code prefix on either side, e.g. ARMGOV or ARM\n"
    "  --country CODE       actor country on either side (ISO 3166 alpha-3, or EU, UN ...)\n"
    "  --cameo PREFIX       CAMEO code prefix, e.g. 04 (consult) or 190\n"
    "  --loc-country CODE   where the event happened\n"
    "\n"
    "  --limit N            at most N events (default 100; export: all)\n"
    "  --format F           table (default), jsonl (one JSON event a line) or csv\n"
    "  --endpoint EP        the store's replay endpoint (default tcp://localhost:5558)\n"
    "  --db PATH            read parley.db (or the folder holding it) instead; works with\n"
    "                       or without a running store\n"
    "  --timeout MS         wait this long for each answer of the store (default 5000)\n"
    "  --key FILE           with a store that has CURVE on: this client's key pair (parley\n"
    "                       keygen), listed in the store's curve.allow\n"
    "  --server-key KEY     and the store's public key (Z85, or its .pub file)\n"
    "\n"
    "examples:\n"
    "  parley query --country ARM --cameo 04\n"
    "  parley query --db parley-data --from 2023-10 --to 2023-10 --format jsonl\n"
    "  parley query --actor RUSMIL --cameo 19 --limit 1000 --format csv > fights.csv\n"
    "\n"
    "exit status: 0 done, 64 usage, 65 the store refused the query, 69 no store or\n"
    "database, 75 the store cannot reach its database now (try again later)\n";

static const char *const export_usage =
    "usage: parley export --format jsonl|csv [--gdelt] [filters] [--limit N]\n"
    "                     [--endpoint EP | --db PATH]\n"
    "\n"
    "Writes every stored event matching the filters (all by default) to stdout, for\n"
    "analysis elsewhere. Filters, --endpoint, --db, --timeout, --key and --server-key as\n"
    "for parley query.\n"
    "\n"
    "  --format jsonl   one JSON event a line, every field (proto/README.md: event)\n"
    "  --format csv     one row an event: parley's columns (README: Query and export)\n"
    "  --gdelt          with csv: GDELT 2.0 event-table column names and forms instead\n"
    "                   (GLOBALEVENTID, SQLDATE, Actor1Code, EventCode, ... SOURCEURL)\n"
    "\n"
    "examples:\n"
    "  parley export --format jsonl --db parley-data > events.jsonl\n"
    "  parley export --format csv --gdelt --from 2024 > events-2024.csv\n"
    "\n"
    "exit status: as for parley query\n";

struct opts {
    struct pl_filter f;
    uint32_t limit;
    enum format format;
    const char *endpoint, *db;
    int timeout_ms;
    struct cli_curve curve;
};

/* --- sources ----------------------------------------------------------------------------- */

static int s_db_row(uint64_t seq, const void *body, size_t len, void *arg)
{
    struct out *o = arg;
    struct pl_event e;
    if (pl_event_decode(body, len, &e, NULL) != PL_OK) {
        fprintf(stderr, "parley: event seq %llu in the database does not decode; skipped\n",
                (unsigned long long)seq);
        return 0;
    }
    out_emit(o, &e);
    pl_event_release(&e);
    return 0;
}

/* PATH may be parley.db itself or the folder holding it. */
static int s_from_db(const struct opts *op, struct out *o)
{
    char path[4096];
    struct stat st;
    if (stat(op->db, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(path, sizeof path, "%s/parley.db", op->db);
    else
        snprintf(path, sizeof path, "%s", op->db);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "parley: no database at %s\n", path);
        return EX_UNAVAILABLE;
    }
    char err[512];
    struct store_db_config cfg = {.backend = (char[]){"sqlite"}, .read_only = true, .path = path};
    struct store_db *db = store_db_open(&cfg, err, sizeof err);
    if (!db) {
        fprintf(stderr, "parley: %s\n", err);
        return EX_UNAVAILABLE;
    }
    /* Changes a running store has in its log but not yet in the events table (it writes them
     * there while idle, and in bulk once many wait), or that a store stopped before writing:
     * not in these results. */
    uint64_t lag = 0;
    if (store_db_unindexed(db, &lag) == 0 && lag > 0)
        fprintf(stderr,
                "parley: note: %s has %llu event version%s not in its events table yet (a store "
                "is writing it, or stopped before adding them; the next store to open it adds "
                "them): they are left out here; ask the store (--endpoint) for them\n",
                path, (unsigned long long)lag, lag == 1 ? "" : "s");
    out_header(o);
    uint32_t left = op->limit;
    int rc = EX_OK;
    while (left > 0) {
        uint32_t want = left < 4096 ? left : 4096;
        unsigned long before = o->n;
        if (store_db_query(db, o->last_seq, &op->f, want, s_db_row, o, err, sizeof err) != 0) {
            fprintf(stderr, "parley: %s\n", err);
            rc = EX_UNAVAILABLE;
            break;
        }
        if (o->n - before < want)
            break;
        left -= want;
    }
    store_db_close(&db);
    return rc;
}

/* QUERY on the store's replay socket: BATCHes until END. */
static int s_from_store(const struct opts *op, struct out *o)
{
    void *ctx = zmq_ctx_new();
    void *sock = cli_connect(ctx, ZMQ_DEALER, op->endpoint, op->timeout_ms, &op->curve, "parley");
    int rc = EX_UNAVAILABLE;
    if (!sock)
        goto out;
    struct pl_msg q = {.cmd = PL_CMD_QUERY};
    q.u.query.filter = op->f;
    q.u.query.limit = op->limit;
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    int sent = pl_msg_send(sock, NULL, 0, &q, &scratch, 0);
    pl_buf_release(&scratch);
    if (sent != 0) {
        fprintf(stderr, "parley: cannot send the query to %s: %s\n", op->endpoint,
                zmq_strerror(zmq_errno()));
        goto out;
    }
    bool header = false;
    for (;;) {
        struct pl_frames fr;
        if (pl_frames_recv(sock, &fr, 0) != 0) {
            fprintf(stderr,
                    "parley: no answer from the store at %s within %d ms (is parley-store "
                    "running? --db reads a database without it)\n",
                    op->endpoint, op->timeout_ms);
            goto out;
        }
        struct pl_msg m;
        struct pl_diag d = {0};
        enum pl_status st = pl_frames_decode(&fr, 0, &m, &d);
        pl_frames_close(&fr);
        if (st != PL_OK) {
            fprintf(stderr, "parley: the store's answer does not decode: %s at %s\n",
                    pl_status_name(st), d.where);
            rc = EX_DATAERR;
            goto out;
        }
        if (!header) {
            out_header(o);
            header = true;
        }
        if (m.cmd == PL_CMD_BATCH) {
            for (size_t i = 0; i < m.u.batch.n_events; i++)
                out_emit(o, &m.u.batch.events[i]);
            pl_msg_release(&m);
            continue;
        }
        if (m.cmd == PL_CMD_END) {
            rc = EX_OK;
        } else if (m.cmd == PL_CMD_ERR && m.u.err.has_retry) {
            fprintf(stderr,
                    "parley: the store cannot read its database now (%s); try again later\n",
                    m.u.err.reason);
            rc = EX_TEMPFAIL;
        } else if (m.cmd == PL_CMD_ERR) {
            fprintf(stderr, "parley: the store refused the query: %s\n", m.u.err.reason);
            rc = EX_DATAERR;
        } else {
            fprintf(stderr, "parley: unexpected %s from the store\n", pl_cmd_name(m.cmd));
            rc = EX_DATAERR;
        }
        pl_msg_release(&m);
        break;
    }
out:
    if (sock)
        zmq_close(sock);
    if (ctx)
        zmq_ctx_term(ctx);
    return rc;
}

static int s_run(int argc, char **argv, bool export)
{
    const char *usage = export ? export_usage : query_usage;
    struct opts op = {.limit = export ? PL_MAX_QUERY_LIMIT : 100,
                      .format = F_TABLE,
                      .endpoint = "tcp://localhost:5558",
                      .timeout_ms = 5000};
    bool gdelt = false, have_format = false;
    const char *keyfile = NULL, *server_key = NULL;
    static const struct option lopts[] = {
        {"from", required_argument, NULL, 'F'},     {"to", required_argument, NULL, 'T'},
        {"actor", required_argument, NULL, 'a'},    {"country", required_argument, NULL, 'c'},
        {"cameo", required_argument, NULL, 'e'},    {"loc-country", required_argument, NULL, 'l'},
        {"limit", required_argument, NULL, 'n'},    {"format", required_argument, NULL, 'f'},
        {"endpoint", required_argument, NULL, 'E'}, {"db", required_argument, NULL, 'd'},
        {"timeout", required_argument, NULL, 't'},  {"gdelt", no_argument, NULL, 'g'},
        {"key", required_argument, NULL, 'k'},      {"server-key", required_argument, NULL, 'K'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 'F':
            op.f.from = optarg;
            if (!out_valid_filter("date", optarg))
                return EX_USAGE;
            break;
        case 'T':
            op.f.to = optarg;
            if (!out_valid_filter("date", optarg))
                return EX_USAGE;
            break;
        case 'a':
            op.f.actor = optarg;
            if (!out_valid_filter("actor", optarg))
                return EX_USAGE;
            break;
        case 'c':
            op.f.country = optarg;
            if (!out_valid_filter("country", optarg))
                return EX_USAGE;
            break;
        case 'e':
            op.f.cameo = optarg;
            if (!out_valid_filter("cameo", optarg))
                return EX_USAGE;
            break;
        case 'l':
            op.f.loc_country = optarg;
            if (!out_valid_filter("country", optarg))
                return EX_USAGE;
            break;
        case 'n':
            if (pl_parse_u64(optarg, 1, PL_MAX_QUERY_LIMIT, &v) != 0) {
                fprintf(stderr, "parley: --limit must be 1..%u\n", PL_MAX_QUERY_LIMIT);
                return EX_USAGE;
            }
            op.limit = (uint32_t)v;
            break;
        case 'f':
            have_format = true;
            if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
                op.format = F_JSONL;
            else if (!strcmp(optarg, "csv"))
                op.format = F_CSV;
            else if (!strcmp(optarg, "table") && !export)
                op.format = F_TABLE;
            else {
                fprintf(stderr, "parley: --format must be %s, not '%s'\n",
                        export ? "jsonl or csv" : "table, jsonl or csv", optarg);
                return EX_USAGE;
            }
            break;
        case 'E':
            op.endpoint = optarg;
            break;
        case 'k':
            keyfile = optarg;
            break;
        case 'K':
            server_key = optarg;
            break;
        case 'd':
            op.db = optarg;
            break;
        case 't':
            if (pl_parse_u64(optarg, 1, 600000, &v) != 0) {
                fprintf(stderr, "parley: --timeout must be 1..600000 ms\n");
                return EX_USAGE;
            }
            op.timeout_ms = (int)v;
            break;
        case 'g':
            gdelt = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return EX_OK;
        default:
            fputs(usage, stderr);
            return EX_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "parley: unexpected argument '%s'\n\n%s", argv[optind], usage);
        return EX_USAGE;
    }
    if (cli_curve_load(&op.curve, keyfile, server_key, "parley") != 0)
        return EX_USAGE;
    if (export && !have_format) {
        fprintf(stderr, "parley export: --format jsonl or --format csv is required\n\n%s", usage);
        return EX_USAGE;
    }
    if (gdelt) {
        if (op.format != F_CSV) {
            fprintf(stderr, "parley: --gdelt goes with --format csv\n");
            return EX_USAGE;
        }
        op.format = F_GDELT;
    }
    struct out o = {.format = op.format};
    pl_buf_init(&o.line);
    int rc = op.db ? s_from_db(&op, &o) : s_from_store(&op, &o);
    pl_buf_release(&o.line);
    if (fflush(stdout) != 0) {
        perror("parley: writing the output");
        return 74;
    }
    if (rc == EX_OK && op.format == F_TABLE)
        fprintf(stderr, "%lu event%s\n", o.n, o.n == 1 ? "" : "s");
    return rc;
}

int cmd_query(int argc, char **argv)
{
    return s_run(argc, argv, false);
}

int cmd_export(int argc, char **argv)
{
    return s_run(argc, argv, true);
}
