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
#include "pl_msg.h"
#include "pl_sock.h"
#include "pl_util.h"

#define EX_OK          0
#define EX_USAGE       64
#define EX_DATAERR     65
#define EX_UNAVAILABLE 69

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
    "\n"
    "examples:\n"
    "  parley query --country ARM --cameo 04\n"
    "  parley query --db parley-data --from 2023-10 --to 2023-10 --format jsonl\n"
    "  parley query --actor RUSMIL --cameo 19 --limit 1000 --format csv > fights.csv\n"
    "\n"
    "exit status: 0 done, 64 usage, 65 the store refused the query, 69 no store or\n"
    "database\n";

static const char *const export_usage =
    "usage: parley export --format jsonl|csv [--gdelt] [filters] [--limit N]\n"
    "                     [--endpoint EP | --db PATH]\n"
    "\n"
    "Writes every stored event matching the filters (all by default) to stdout, for\n"
    "analysis elsewhere. Filters, --endpoint, --db and --timeout as for parley query.\n"
    "\n"
    "  --format jsonl   one JSON event a line, every field (README: Records)\n"
    "  --format csv     one row an event: parley's columns (see README: Export)\n"
    "  --gdelt          with csv: GDELT 2.0 event-table column names and forms instead\n"
    "                   (GLOBALEVENTID, SQLDATE, Actor1Code, EventCode, ... SOURCEURL)\n"
    "\n"
    "examples:\n"
    "  parley export --format jsonl --db parley-data > events.jsonl\n"
    "  parley export --format csv --gdelt --from 2024 > events-2024.csv\n";

enum format { F_TABLE, F_JSONL, F_CSV, F_GDELT };

struct opts {
    struct pl_filter f;
    uint32_t limit;
    enum format format;
    const char *endpoint, *db;
    int timeout_ms;
};

struct out {
    enum format format;
    struct pl_buf line;
    unsigned long n;   /* events written */
    uint64_t last_seq; /* seq of the last one */
};

/* --- output ------------------------------------------------------------------------------ */

static void s_csv_field(struct pl_buf *b, const char *s)
{
    if (!s)
        s = "";
    if (strpbrk(s, ",\"\n\r") == NULL) {
        pl_buf_puts(b, s);
        return;
    }
    pl_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            pl_buf_putc(b, '"');
        pl_buf_putc(b, *s);
    }
    pl_buf_putc(b, '"');
}

static const char *const csv_head =
    "seq,id,date,date_precision,source_code,source_country,source_sector,source_name,"
    "target_code,target_country,target_sector,target_name,cameo,root,quad_class,goldstein,"
    "plover,location_name,location_country,lat,lon,confidence,num_articles,num_mentions,"
    "first_seen,last_seen,url,evidence\n";

static const char *const gdelt_head =
    "GLOBALEVENTID,SQLDATE,MonthYear,Year,Actor1Code,Actor1Name,Actor1CountryCode,"
    "Actor1Type1Code,Actor2Code,Actor2Name,Actor2CountryCode,Actor2Type1Code,IsRootEvent,"
    "EventCode,EventBaseCode,EventRootCode,QuadClass,GoldsteinScale,NumMentions,NumSources,"
    "NumArticles,ActionGeo_FullName,ActionGeo_CountryCode,ActionGeo_Lat,ActionGeo_Long,"
    "DATEADDED,SOURCEURL\n";

/* A coordinate and its comma; just the comma when there is none. */
static void s_coord(struct pl_buf *b, double v, bool set)
{
    if (set)
        pl_buf_printf(b, "%.4f", v);
    pl_buf_putc(b, ',');
}

static void s_csv_row(struct pl_buf *b, const struct pl_event *e)
{
    const struct pl_coding *c = &e->c;
    const struct pl_actor *t = c->has_target ? &c->target : NULL;
    pl_buf_printf(b, "%llu,", (unsigned long long)e->seq);
    const char *cols1[] = {e->id,
                           c->date,
                           c->date_precision,
                           c->source.code,
                           c->source.country,
                           c->source.sector,
                           c->source.name,
                           t ? t->code : NULL,
                           t ? t->country : NULL,
                           t ? t->sector : NULL,
                           t ? t->name : NULL,
                           c->cameo,
                           c->root};
    for (size_t i = 0; i < sizeof cols1 / sizeof cols1[0]; i++) {
        s_csv_field(b, cols1[i]);
        pl_buf_putc(b, ',');
    }
    pl_buf_printf(b, "%u,%.1f,", c->quad_class, c->goldstein);
    s_csv_field(b, c->plover);
    pl_buf_putc(b, ',');
    s_csv_field(b, c->has_location ? c->location.name : NULL);
    pl_buf_putc(b, ',');
    s_csv_field(b, c->has_location ? c->location.country : NULL);
    pl_buf_putc(b, ',');
    bool xy = c->has_location && c->location.has_coords;
    s_coord(b, c->location.lat, xy);
    s_coord(b, c->location.lon, xy);
    pl_buf_printf(b, "%.3f,%u,%u,", c->confidence, e->num_articles, e->num_mentions);
    s_csv_field(b, e->first_seen);
    pl_buf_putc(b, ',');
    s_csv_field(b, e->last_seen);
    pl_buf_putc(b, ',');
    s_csv_field(b, e->n_articles ? e->articles[0].url : NULL);
    pl_buf_putc(b, ',');
    s_csv_field(b, c->n_evidence ? c->evidence[0].text : NULL);
    pl_buf_putc(b, '\n');
}

/* GDELT's forms: dates as YYYYMMDD (a missing day or month as 00... GDELT has none, so the
 * first of the month or year, as GDELT itself does for imprecise dates), DATEADDED as
 * YYYYMMDDHHMMSS, the base code the first three digits. */
static void s_gdelt_row(struct pl_buf *b, const struct pl_event *e)
{
    const struct pl_coding *c = &e->c;
    const struct pl_actor *t = c->has_target ? &c->target : NULL;
    char sqldate[9] = "", monthyear[7] = "", year[5] = "";
    if (c->date && strlen(c->date) >= 4) {
        const char *d = c->date;
        size_t n = strlen(d);
        snprintf(sqldate, sizeof sqldate, "%.4s%.2s%.2s", d, n >= 7 ? d + 5 : "01",
                 n >= 10 ? d + 8 : "01");
        snprintf(monthyear, sizeof monthyear, "%.6s", sqldate);
        snprintf(year, sizeof year, "%.4s", d);
    }
    char added[15] = "";
    if (e->first_seen && strlen(e->first_seen) >= 19) {
        const char *a = e->first_seen;
        snprintf(added, sizeof added, "%.4s%.2s%.2s%.2s%.2s%.2s", a, a + 5, a + 8, a + 11, a + 14,
                 a + 17);
    }
    char base[4];
    snprintf(base, sizeof base, "%.3s", c->cameo);
    pl_buf_printf(b, "%llu,%s,%s,%s,", (unsigned long long)e->seq, sqldate, monthyear, year);
    const char *cols[] = {c->source.code,        c->source.name,      c->source.country,
                          c->source.sector,      t ? t->code : NULL,  t ? t->name : NULL,
                          t ? t->country : NULL, t ? t->sector : NULL};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        s_csv_field(b, cols[i]);
        pl_buf_putc(b, ',');
    }
    pl_buf_printf(b, "1,%s,%s,%s,%u,%.1f,%u,%u,%u,", c->cameo, base, c->root, c->quad_class,
                  c->goldstein, e->num_mentions, e->num_articles, e->num_articles);
    s_csv_field(b, c->has_location ? c->location.name : NULL);
    pl_buf_putc(b, ',');
    s_csv_field(b, c->has_location ? c->location.country : NULL);
    pl_buf_putc(b, ',');
    bool xy = c->has_location && c->location.has_coords;
    s_coord(b, c->location.lat, xy);
    s_coord(b, c->location.lon, xy);
    pl_buf_puts(b, added);
    pl_buf_putc(b, ',');
    s_csv_field(b, e->n_articles ? e->articles[0].url : NULL);
    pl_buf_putc(b, '\n');
}

static void s_table_row(struct pl_buf *b, const struct pl_event *e)
{
    const struct pl_coding *c = &e->c;
    pl_buf_printf(b, "%8llu  %-10s  %-12s %-4s %-12s  %-18.18s  %3u  %.60s\n",
                  (unsigned long long)e->seq, c->date ? c->date : "-", c->source.code, c->cameo,
                  c->has_target ? c->target.code : "-",
                  c->has_location && c->location.name ? c->location.name : "-", e->num_articles,
                  c->n_evidence ? c->evidence[0].text : "");
}

static void s_emit(struct out *o, const struct pl_event *e)
{
    pl_buf_clear(&o->line);
    switch (o->format) {
    case F_JSONL:
        pl_event_to_json(e, &o->line);
        pl_buf_putc(&o->line, '\n');
        break;
    case F_CSV:
        s_csv_row(&o->line, e);
        break;
    case F_GDELT:
        s_gdelt_row(&o->line, e);
        break;
    case F_TABLE:
        s_table_row(&o->line, e);
        break;
    }
    fwrite(o->line.data, 1, o->line.len, stdout);
    o->n++;
    o->last_seq = e->seq;
}

static void s_header(const struct out *o)
{
    if (o->format == F_CSV)
        fputs(csv_head, stdout);
    else if (o->format == F_GDELT)
        fputs(gdelt_head, stdout);
    else if (o->format == F_TABLE)
        printf("%8s  %-10s  %-12s %-4s %-12s  %-18s  %3s  %s\n", "seq", "date", "source", "code",
               "target", "where", "art", "evidence");
}

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
    s_emit(o, &e);
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
    s_header(o);
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
    void *sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
    int rc = EX_UNAVAILABLE, zero = 0;
    if (!sock || zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(sock, ZMQ_RCVTIMEO, &op->timeout_ms, sizeof op->timeout_ms) != 0 ||
        zmq_setsockopt(sock, ZMQ_SNDTIMEO, &op->timeout_ms, sizeof op->timeout_ms) != 0 ||
        zmq_connect(sock, op->endpoint) != 0) {
        fprintf(stderr, "parley: cannot connect to %s: %s\n", op->endpoint,
                zmq_strerror(zmq_errno()));
        goto out;
    }
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
            s_header(o);
            header = true;
        }
        if (m.cmd == PL_CMD_BATCH) {
            for (size_t i = 0; i < m.u.batch.n_events; i++)
                s_emit(o, &m.u.batch.events[i]);
            pl_msg_release(&m);
            continue;
        }
        if (m.cmd == PL_CMD_END) {
            rc = EX_OK;
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

/* --- options ----------------------------------------------------------------------------- */

/* Checks a filter value the way the protocol will: a date, a code, a CAMEO prefix. */
static bool s_valid(const char *what, const char *v)
{
    size_t n = strlen(v);
    bool ok = n > 0;
    if (!strcmp(what, "date")) {
        ok = (n == 4 || n == 7 || n == 10);
        for (size_t i = 0; ok && i < n; i++)
            ok = (i == 4 || i == 7) ? v[i] == '-' : (v[i] >= '0' && v[i] <= '9');
    } else if (!strcmp(what, "cameo")) {
        ok = n >= 2 && n <= 4;
        for (size_t i = 0; ok && i < n; i++)
            ok = v[i] >= '0' && v[i] <= '9';
        ok = ok && ((v[0] == '0' && v[1] >= '1') || (v[0] == '1') || (v[0] == '2' && v[1] == '0'));
    } else {
        ok = n <= (strcmp(what, "actor") ? 8u : 32u);
        for (size_t i = 0; ok && i < n; i++)
            ok = (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '_';
    }
    if (!ok)
        fprintf(stderr, "parley: '%s' is not a valid %s filter\n", v, what);
    return ok;
}

static int s_run(int argc, char **argv, bool export)
{
    const char *usage = export ? export_usage : query_usage;
    struct opts op = {.limit = export ? PL_MAX_QUERY_LIMIT : 100,
                      .format = F_TABLE,
                      .endpoint = "tcp://localhost:5558",
                      .timeout_ms = 5000};
    bool gdelt = false, have_format = false;
    static const struct option lopts[] = {
        {"from", required_argument, NULL, 'F'},     {"to", required_argument, NULL, 'T'},
        {"actor", required_argument, NULL, 'a'},    {"country", required_argument, NULL, 'c'},
        {"cameo", required_argument, NULL, 'e'},    {"loc-country", required_argument, NULL, 'l'},
        {"limit", required_argument, NULL, 'n'},    {"format", required_argument, NULL, 'f'},
        {"endpoint", required_argument, NULL, 'E'}, {"db", required_argument, NULL, 'd'},
        {"timeout", required_argument, NULL, 't'},  {"gdelt", no_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 'F':
            op.f.from = optarg;
            if (!s_valid("date", optarg))
                return EX_USAGE;
            break;
        case 'T':
            op.f.to = optarg;
            if (!s_valid("date", optarg))
                return EX_USAGE;
            break;
        case 'a':
            op.f.actor = optarg;
            if (!s_valid("actor", optarg))
                return EX_USAGE;
            break;
        case 'c':
            op.f.country = optarg;
            if (!s_valid("country", optarg))
                return EX_USAGE;
            break;
        case 'e':
            op.f.cameo = optarg;
            if (!s_valid("cameo", optarg))
                return EX_USAGE;
            break;
        case 'l':
            op.f.loc_country = optarg;
            if (!s_valid("country", optarg))
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
