/* bench_store.c - durable ingest and replay speed of the store's database layer.
 *
 *   bench_store [--articles N] [--mentions M] [--keys K] [--window W] [--group G] [--dir DIR]
 *
 * Stores N articles of M mentions each through store_db_ingest_group, G articles (EVENTS
 * batches) per transaction - what parley-store does with the batches that arrive together
 * (G = 1 is an idle store taking one article at a time) - on SQLite in WAL mode with
 * synchronous=FULL, in a fresh database under DIR (default: a temporary folder, removed at
 * the end). Mentions draw their (date, source, target, CAMEO) from K distinct keys, so later
 * articles merge into events earlier ones created, as news reports of the same events do.
 * By default every article draws its keys from all K (the worst case for the database: each
 * merge lands on a random old event, each new event at a random place in every index); with
 * --window W, in news order: the articles arrive in time and each reports events among the W
 * most recent keys, so merges land on recent events and new events on recent dates.
 * Then replays the whole log (SINCE from 0 in pages of 4096, decoding every event as the
 * store does to build a BATCH) and queries the current events the same way. Prints one line
 * of key=value results. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "db.h"
#include "pl_id.h"
#include "pl_util.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const s_actors[] = {"ARMGOV", "AZEGOV", "RUSGOV", "UKRMIL", "USAGOV",
                                       "CHNGOV", "IRNGOV", "TURGOV", "FRAGOV", "EU",
                                       "NATO",   "UN",     "ISRMIL", "PSEREB", "SYRREB",
                                       "IRQGOV", "DEUGOV", "GBRGOV", "INDGOV", "PAKMIL"};
static const char *const s_cameo[] = {"010", "036", "040", "042", "043", "046", "051",
                                      "057", "061", "111", "112", "120", "130", "138",
                                      "173", "180", "190", "193", "195", "0234"};
#define NA (sizeof s_actors / sizeof s_actors[0])
#define NC (sizeof s_cameo / sizeof s_cameo[0])

/* Mention j of article i, its event drawn from key k. */
static void s_mention(struct pl_mention *m, const char *art, unsigned i, unsigned j, unsigned k)
{
    memset(m, 0, sizeof *m);
    char buf[160];
    snprintf(buf, sizeof buf, "%u-%u", i, j);
    char id[PL_ID_HEX + 1];
    pl_id_mention(id, art, "bench", buf);
    m->id = pl_xstrdup(id);
    m->article.id = pl_xstrdup(art);
    snprintf(buf, sizeof buf, "https://news.example/%u", i);
    m->article.url = pl_xstrdup(buf);
    m->article.outlet = pl_xstrdup("Example News");
    /* The year carries k / 336, so distinct keys are distinct events (up to 2.6 million
     * keys): with a fixed year they wrapped around above about 130,000, and the growth runs
     * merged more and more mentions into fewer, bigger events. */
    snprintf(buf, sizeof buf, "%04u-%02u-%02u", 2000 + (k / 336) % 7000, 1 + k % 12,
             1 + (k / 12) % 28);
    m->c.date = pl_xstrdup(buf);
    m->c.date_precision = pl_xstrdup("day");
    m->c.date_basis = pl_xstrdup("text");
    const char *src = s_actors[(k / 336) % NA], *tgt = s_actors[(k / 336 / NA + 1 + k) % NA];
    m->c.source.code = pl_xstrdup(src);
    m->c.source.country = pl_xstrndup(src, 3);
    m->c.source.name = pl_xstrdup("the foreign minister");
    m->c.has_target = true;
    m->c.target.code = pl_xstrdup(tgt);
    m->c.target.country = pl_xstrndup(tgt, 3);
    m->c.target.name = pl_xstrdup("his counterpart");
    const char *cameo = s_cameo[(k / 7) % NC];
    m->c.cameo = pl_xstrdup(cameo);
    m->c.root = pl_xstrndup(cameo, 2);
    m->c.quad_class = pl_cameo_quad_class(cameo);
    m->c.goldstein = 1.0;
    m->c.plover = pl_xstrdup("CONSULT");
    m->c.confidence = 0.7;
    m->c.has_location = true;
    m->c.location.name = pl_xstrdup("Tehran");
    m->c.location.country = pl_xstrdup("IRN");
    m->c.location.has_coords = true;
    m->c.location.lat = 35.69;
    m->c.location.lon = 51.39;
    m->c.n_evidence = 1;
    m->c.evidence = pl_xcalloc(1, sizeof *m->c.evidence);
    snprintf(buf, sizeof buf,
             "The foreign minister met his counterpart in Tehran on Monday, the ministry said "
             "(report %u, sentence %u).",
             i, j);
    m->c.evidence[0].text = pl_xstrdup(buf);
    m->c.evidence[0].end = (uint32_t)strlen(buf);
}

struct counter {
    unsigned long n;
    unsigned long bytes;
    uint64_t last;
};

static int s_decode(uint64_t seq, const void *body, size_t len, void *arg)
{
    struct counter *c = arg;
    struct pl_event e;
    if (pl_event_decode(body, len, &e, NULL) != PL_OK) {
        fprintf(stderr, "bench_store: seq %llu does not decode\n", (unsigned long long)seq);
        exit(70);
    }
    pl_event_release(&e);
    c->n++;
    c->bytes += len;
    c->last = seq;
    return 0;
}

/* Reads everything page by page as the store's clients ask for it - the log's versions
 * (SINCE) or the current events (QUERY), f NULL for all - decoding each: the seconds it took.
 * Exits on an error. */
static double s_read_all(struct store_db *db, bool log, const struct pl_filter *f,
                         struct counter *c)
{
    char err[512];
    double t0 = s_now();
    for (;;) {
        unsigned long before = c->n;
        int rc = log ? store_db_since(db, c->last, f, PL_MAX_BATCH, s_decode, c, err, sizeof err)
                     : store_db_query(db, c->last, f, PL_MAX_BATCH, s_decode, c, err, sizeof err);
        if (rc != 0) {
            fprintf(stderr, "bench_store: %s\n", err);
            exit(70);
        }
        if (c->n - before < PL_MAX_BATCH)
            return s_now() - t0;
    }
}

static unsigned long s_arg(const char *s, const char *name)
{
    uint64_t v;
    if (pl_parse_u64(s, 1, 100000000, &v) != 0) {
        fprintf(stderr, "bench_store: %s must be a whole number from 1\n", name);
        exit(64);
    }
    return (unsigned long)v;
}

int main(int argc, char **argv)
{
    unsigned long articles = 20000, per = 10, keys = 50000, group = 32, cache = 16384;
    unsigned long window = 0;
    const char *dir = NULL;
    static const struct option opts[] = {{"articles", required_argument, NULL, 'a'},
                                         {"mentions", required_argument, NULL, 'm'},
                                         {"keys", required_argument, NULL, 'k'},
                                         {"dir", required_argument, NULL, 'd'},
                                         {"group", required_argument, NULL, 'g'},
                                         {"cache", required_argument, NULL, 'c'},
                                         {"window", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            articles = s_arg(optarg, "--articles");
            break;
        case 'm':
            per = s_arg(optarg, "--mentions");
            break;
        case 'k':
            keys = s_arg(optarg, "--keys");
            break;
        case 'w':
            window = s_arg(optarg, "--window");
            break;
        case 'g':
            group = s_arg(optarg, "--group");
            break;
        case 'c':
            cache = strtoul(optarg, NULL, 10);
            break;
        case 'd':
            dir = optarg;
            break;
        case 'h':
            printf("usage: bench_store [--articles N] [--mentions M] [--keys K] [--window W] "
                   "[--group G] [--cache EVENTS] [--dir DIR]\n");
            return 0;
        default:
            return 64;
        }
    }
    if (per > PL_MAX_BATCH) {
        fprintf(stderr, "bench_store: --mentions is at most %u\n", PL_MAX_BATCH);
        return 64;
    }
    char tmp[256] = "";
    if (!dir) {
        const char *t = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/parley-bench-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmp)) {
            perror("bench_store: mkdtemp");
            return 70;
        }
        dir = tmp;
    }
    char err[512], dirbuf[256];
    snprintf(dirbuf, sizeof dirbuf, "%s", dir);
    struct store_db_config cfg = {
        .backend = (char[]){"sqlite"}, .data_dir = dirbuf, .event_cache = cache};
    /* PARLEY_TEST_PG (set by tests/pg_store.sh): the same run on PostgreSQL. */
    char *pg = getenv("PARLEY_TEST_PG");
    static char postgres[] = "postgres";
    if (pg && *pg) {
        cfg.backend = postgres;
        cfg.conninfo = pg;
    }
    struct store_db *db = store_db_open(&cfg, err, sizeof err);
    if (!db) {
        fprintf(stderr, "bench_store: %s\n", err);
        return 69;
    }

    /* Build every batch first: only storing is timed. */
    struct pl_events *batches = pl_xcalloc(articles, sizeof *batches);
    unsigned long long rng = 88172645463325252ull;
    for (unsigned long i = 0; i < articles; i++) {
        char art[PL_ID_HEX + 1];
        char url[64];
        snprintf(url, sizeof url, "https://news.example/%lu", i);
        pl_id_article_url(art, url);
        batches[i].id = pl_xstrdup(art);
        batches[i].xv = pl_xstrdup("bench");
        batches[i].mentions = pl_xcalloc(per, sizeof *batches[i].mentions);
        batches[i].n_mentions = per;
        for (unsigned long j = 0; j < per; j++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            unsigned long k = rng % keys;
            if (window) {
                /* News order: article i reports events among the W keys before the point
                 * i / articles of the way through the key space. */
                unsigned long head = (unsigned long)((double)i * (double)keys / (double)articles);
                unsigned long w = window < keys ? window : keys;
                k = head >= w ? head - w + rng % w : rng % (head + 1);
            }
            s_mention(&batches[i].mentions[j], art, (unsigned)i, (unsigned)j, (unsigned)k);
        }
    }

    char now[40];
    pl_time_iso(now, sizeof now, pl_wall_ms());
    unsigned long events = 0;
    double t0 = s_now();
    const struct pl_events **evs = pl_xcalloc(group, sizeof *evs);
    struct store_ingest_result *res = pl_xcalloc(group, sizeof *res);
    unsigned long groups = 0;
    for (unsigned long i = 0; i < articles; i += group) {
        unsigned long n = articles - i < group ? articles - i : group;
        for (unsigned long k = 0; k < n; k++)
            evs[k] = &batches[i + k];
        if (store_db_ingest_group(db, evs, n, now, res, err, sizeof err) != 0) {
            fprintf(stderr, "bench_store: %s\n", err);
            return 70;
        }
        for (unsigned long k = 0; k < n; k++) {
            if (res[k].failed) {
                fprintf(stderr, "bench_store: %s\n", res[k].error);
                return 70;
            }
            events += res[k].count;
            store_ingest_result_release(&res[k]);
        }
        groups++;
        /* As a busy parley-store, this leaves the events table to the database layer's own
         * writes after its group commits (STORE_PEND_MAX in db.c). */
    }
    free(evs);
    free(res);
    if (store_db_flush(db, 0, err, sizeof err) != 0) { /* counted: the events are all in place */
        fprintf(stderr, "bench_store: %s\n", err);
        return 70;
    }
    double ingest_s = s_now() - t0;
    uint64_t head = store_db_head(db);

    struct counter rep = {0}, q = {0}, fr = {0};
    double replay_s = s_read_all(db, true, NULL, &rep);
    double query_s = s_read_all(db, false, NULL, &q);
    /* A subscriber's replay with a filter (CAMEO 04: 4 of the 20 codes, a fifth of the log),
     * page by page as parley tail --cameo 04 --from-start asks for it. */
    double filtered_s = s_read_all(db, true, &(struct pl_filter){.cameo = (char[]){"04"}}, &fr);
    store_db_close(&db);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    unsigned long mentions = articles * per;
    printf("backend=%s window=%lu group=%lu transactions=%lu articles=%lu mentions=%lu "
           "events_versions=%llu events=%lu "
           "ingest_s=%.2f mentions_per_s=%.0f articles_per_s=%.0f replay_events_per_s=%.0f "
           "query_events_per_s=%.0f filtered_replay_events_per_s=%.0f event_bytes=%.0f "
           "peak_rss_mb=%.1f\n",
           cfg.backend, window, group, groups, articles, mentions, (unsigned long long)head, q.n,
           ingest_s, (double)mentions / ingest_s, (double)articles / ingest_s,
           (double)rep.n / replay_s, (double)q.n / query_s, (double)fr.n / filtered_s,
           rep.n ? (double)rep.bytes / (double)rep.n : 0.0, (double)ru.ru_maxrss / 1024.0);
    if (rep.n != head || events != head) {
        fprintf(stderr, "bench_store: replayed %lu of %llu versions\n", rep.n,
                (unsigned long long)head);
        return 70;
    }
    for (unsigned long i = 0; i < articles; i++) {
        for (unsigned long j = 0; j < per; j++)
            pl_mention_release(&batches[i].mentions[j]);
        free(batches[i].mentions);
        free(batches[i].id);
        free(batches[i].xv);
    }
    free(batches);
    if (tmp[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_store: cannot remove %s\n", tmp);
    }
    return 0;
}
