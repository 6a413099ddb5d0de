/* test_store_db.c - the store's database layer on SQLite: idempotent batches, duplicate
 * mentions, the merge across articles, gapless sequence numbers, the log replay, the query
 * filters, schema migration and refusals. Each test works in its own temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "db.h"
#include "db_backend.h"
#include "db_sql.h"
#include "pl_id.h"

static const char *NOW1 = "2026-11-22T10:00:00.000Z";
static const char *NOW2 = "2026-11-22T11:00:00.000Z";

struct fx {
    char dir[64];
    struct store_db *db;
};

/* PARLEY_TEST_PG: a libpq connection string; the tests that are not about SQLite files then
 * run against that PostgreSQL database, emptied before each test (pg_store.sh sets it). */
static char *g_pg;

/* Empties the PostgreSQL database: the tests start from nothing, as with a new folder. */
static void pg_reset(void)
{
    PGconn *c = PQconnectdb(g_pg);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("PostgreSQL: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE;"
                            " CREATE SCHEMA public");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("PostgreSQL reset: %s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

/* Skips a test that is about SQLite files when the suite runs on PostgreSQL. */
#define SQLITE_ONLY()                                                                              \
    do {                                                                                           \
        if (g_pg)                                                                                  \
            skip();                                                                                \
    } while (0)

/* The fixture's database, with an event cache of cache events. */
static struct store_db *fx_open_cache(struct fx *f, size_t cache)
{
    char err[512] = "";
    struct store_db_config cfg = {
        .backend = (char[]){"sqlite"}, .data_dir = f->dir, .event_cache = cache};
    static char postgres[] = "postgres";
    if (g_pg) {
        cfg.backend = postgres;
        cfg.conninfo = g_pg;
    }
    struct store_db *db = store_db_open(&cfg, err, sizeof err);
    if (!db)
        fail_msg("open: %s", err);
    return db;
}

/* A cache of 4 events: hits, misses and evictions all happen in these small tests. */
static struct store_db *fx_open(struct fx *f)
{
    return fx_open_cache(f, 4);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/parley-dbtest-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    if (g_pg)
        pg_reset();
    f->db = fx_open(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    /* Nothing a test stores since its last reopen makes PostgreSQL store a group again
     * batch by batch (the tests whose batches fail reopen after them): a group that is
     * redone gives the right answer still, so only this count shows the deferred group
     * going wrong. */
    uint64_t redone = store_db_redone(f->db);
    if (redone)
        fprintf(stderr, "teardown: %llu groups were stored again batch by batch\n",
                (unsigned long long)redone);
    store_db_close(&f->db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return redone ? -1 : 0;
}

/* A mention of article art: src does cameo to tgt (tgt NULL: none) on date. */
static void mk(struct pl_mention *m, const char *art, const char *xv, const char *date,
               const char *src, const char *tgt, const char *cameo, const char *sentence,
               double conf)
{
    memset(m, 0, sizeof *m);
    char key[256];
    snprintf(key, sizeof key, "%s|%s|%s|%s|%s", date, src, tgt ? tgt : "", cameo, sentence);
    char id[PL_ID_HEX + 1];
    pl_id_mention(id, art, xv, key);
    m->id = pl_xstrdup(id);
    m->article.id = pl_xstrdup(art);
    char url[128];
    snprintf(url, sizeof url, "https://news.example/%s", art);
    m->article.url = pl_xstrdup(url);
    m->article.outlet = pl_xstrdup("Example News");
    m->c.date = pl_xstrdup(date);
    m->c.date_precision = pl_xstrdup(strlen(date) == 10 ? "day" : "month");
    m->c.date_basis = pl_xstrdup("text");
    m->c.source.code = pl_xstrdup(src);
    m->c.source.country = pl_xstrndup(src, 3);
    if (tgt) {
        m->c.has_target = true;
        m->c.target.code = pl_xstrdup(tgt);
        m->c.target.country = pl_xstrndup(tgt, 3);
    }
    m->c.cameo = pl_xstrdup(cameo);
    m->c.root = pl_xstrndup(cameo, 2);
    m->c.quad_class = pl_cameo_quad_class(cameo);
    m->c.goldstein = 1.0;
    m->c.confidence = conf;
    m->c.evidence = pl_xcalloc(1, sizeof *m->c.evidence);
    m->c.n_evidence = 1;
    m->c.evidence[0].text = pl_xstrdup(sentence);
    m->c.evidence[0].end = (uint32_t)strlen(sentence);
}

static void set_location(struct pl_mention *m, const char *name, const char *country)
{
    m->c.has_location = true;
    m->c.location.name = pl_xstrdup(name);
    m->c.location.country = pl_xstrdup(country);
}

struct batch {
    struct pl_events ev;
    struct pl_mention m[8];
};

static void batch_init(struct batch *b, const char *art, const char *xv)
{
    memset(b, 0, sizeof *b);
    b->ev.id = pl_xstrdup(art);
    b->ev.xv = pl_xstrdup(xv);
    b->ev.mentions = b->m;
}

static struct pl_mention *batch_add(struct batch *b)
{
    return &b->m[b->ev.n_mentions++];
}

static void batch_release(struct batch *b)
{
    for (size_t i = 0; i < b->ev.n_mentions; i++)
        pl_mention_release(&b->m[i]);
    free(b->ev.id);
    free(b->ev.xv);
}

static void ingest_ok(struct store_db *db, const struct batch *b, const char *now,
                      struct store_ingest_result *r)
{
    char err[512] = "";
    if (store_db_ingest(db, &b->ev, now, r, err, sizeof err) != 0)
        fail_msg("ingest: %s", err);
}

/* Everything a read returns, decoded. */
struct got {
    uint64_t seq[64];
    struct pl_event ev[64];
    size_t n;
};

static int collect(uint64_t seq, const void *body, size_t len, void *arg)
{
    struct got *g = arg;
    assert_true(g->n < 64);
    assert_int_equal(pl_event_decode(body, len, &g->ev[g->n], NULL), PL_OK);
    assert_int_equal(g->ev[g->n].seq, seq);
    g->seq[g->n++] = seq;
    return 0;
}

static void got_release(struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        pl_event_release(&g->ev[i]);
    g->n = 0;
}

static size_t query_n(struct store_db *db, const struct pl_filter *f)
{
    struct got g = {0};
    char err[256];
    assert_int_equal(store_db_query(db, 0, f, 100, collect, &g, err, sizeof err), 0);
    size_t n = g.n;
    got_release(&g);
    return n;
}

/* Two articles report the same meeting; the second also reports a different event. */
static void test_merge_across_articles(void **state)
{
    struct fx *f = *state;
    struct batch a, b;
    batch_init(&a, "0000000000000000000000000000aaa1", "x1");
    mk(batch_add(&a), a.ev.id, "x1", "2023-10-23", "ARMGOV", "AZEGOV", "043",
       "The ministers met in Tehran.", 0.8);
    mk(batch_add(&a), a.ev.id, "x1", "2023-10-23", "IRNGOV", "ARMGOV", "042",
       "Iran hosted the Armenian minister.", 0.7);
    struct store_ingest_result r;
    ingest_ok(f->db, &a, NOW1, &r);
    assert_false(r.replayed);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.first_seq, 1);
    assert_int_equal(r.new_mentions, 2);
    assert_int_equal(r.changes[0].seq, 1);
    assert_int_equal(r.changes[1].seq, 2);
    store_ingest_result_release(&r);

    batch_init(&b, "0000000000000000000000000000bbb2", "x1");
    struct pl_mention *m = batch_add(&b);
    mk(m, b.ev.id, "x1", "2023-10-23", "ARMGOV", "AZEGOV", "043",
       "Mirzoyan and Bayramov held talks in Tehran on Monday.", 0.5);
    set_location(m, "Tehran", "IRN");
    ingest_ok(f->db, &b, NOW2, &r);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.first_seq, 3);
    assert_string_equal(r.changes[0].topic, "ev.04.ARM.AZE.");
    struct pl_event e;
    assert_int_equal(pl_event_decode(r.changes[0].body.data, r.changes[0].body.len, &e, NULL),
                     PL_OK);
    assert_int_equal(e.seq, 3);
    assert_int_equal(e.num_articles, 2);
    assert_int_equal(e.num_mentions, 2);
    assert_int_equal(e.n_articles, 2);
    assert_int_equal(e.c.n_evidence, 2); /* every reporting sentence is kept */
    assert_true(e.c.has_location);
    assert_string_equal(e.c.location.name, "Tehran");
    assert_string_equal(e.first_seen, NOW1);
    assert_string_equal(e.last_seen, NOW2);
    assert_true(e.c.confidence > 0.8 && e.c.confidence <= 1.0); /* two independent reports */
    pl_event_release(&e);
    store_ingest_result_release(&r);
    assert_int_equal(store_db_head(f->db), 3);

    /* The log replays every version, gaplessly; the query sees the two current events. */
    struct got g = {0};
    char err[256];
    assert_int_equal(store_db_since(f->db, 0, NULL, 100, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 3);
    for (size_t i = 0; i < g.n; i++)
        assert_int_equal(g.seq[i], i + 1);
    assert_string_equal(g.ev[0].id, g.ev[2].id); /* seq 3 is the new version of seq 1 */
    got_release(&g);
    assert_int_equal(store_db_since(f->db, 2, NULL, 100, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.seq[0], 3);
    got_release(&g);
    assert_int_equal(store_db_query(f->db, 0, NULL, 100, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.seq[0], 2);
    assert_int_equal(g.seq[1], 3);
    got_release(&g);
    batch_release(&a);
    batch_release(&b);
}

/* One event, six articles. */
static void report(struct batch *b, const char *art)
{
    batch_init(b, art, "x1");
    mk(batch_add(b), art, "x1", "2024-03-05", "TURGOV", "GRCGOV", "036",
       "Ankara proposed talks with Athens.", 0.6);
}

static uint32_t current_articles(struct store_db *db, uint64_t *seq)
{
    struct got g = {0};
    char err[256];
    assert_int_equal(store_db_query(db, 0, NULL, 100, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    uint32_t n = g.ev[0].num_articles;
    assert_int_equal(g.ev[0].num_mentions, n);
    assert_int_equal(g.ev[0].n_articles, n);
    *seq = g.seq[0];
    got_release(&g);
    return n;
}

/* A batch of a group fails after it merged into an event the group's other batches also
 * change: it alone is rolled back (its seq given back), and neither the database nor the
 * store's cache of current events keeps anything of it, also after a reopen. */
static void s_failed_batch_in_group(struct fx *f, bool in_db)
{
    struct batch b[6];
    const char *arts[6] = {"0000000000000000000000000000c001", "0000000000000000000000000000c002",
                           "0000000000000000000000000000c003", "0000000000000000000000000000c004",
                           "0000000000000000000000000000c005", "0000000000000000000000000000c006"};
    for (int i = 0; i < 6; i++)
        report(&b[i], arts[i]);
    const struct pl_events *evs[3] = {&b[0].ev, &b[1].ev, &b[2].ev};
    struct store_ingest_result res[3];
    char err[512] = "";
    store_db_fail_article(f->db, arts[1], in_db);
    assert_int_equal(store_db_ingest_group(f->db, evs, 3, NOW1, res, err, sizeof err), 0);
    /* A group is stored whole first, without a savepoint a batch; with one batch failing,
     * it is stored again batch by batch. */
    assert_int_equal(store_db_redone(f->db), 1);
    /* what made the whole group fail, for the store's log */
    if (in_db)
        assert_true(strstr(err, "NOT NULL constraint failed") || strstr(err, "division by zero"));
    else
        assert_non_null(strstr(err, "failure injected"));
    assert_false(res[0].failed);
    assert_true(res[1].failed);
    if (in_db) /* the database's own error, whichever it is */
        assert_true(strstr(res[1].error, "NOT NULL constraint failed") ||
                    strstr(res[1].error, "division by zero"));
    else
        assert_non_null(strstr(res[1].error, "failure injected"));
    assert_false(res[2].failed);
    assert_int_equal(res[0].first_seq, 1);
    assert_int_equal(res[2].first_seq, 2); /* the failed batch's seq was given back */
    for (int i = 0; i < 3; i++)
        store_ingest_result_release(&res[i]);
    uint64_t seq;
    assert_int_equal(current_articles(f->db, &seq), 2);
    assert_int_equal(seq, 2);
    assert_int_equal(store_db_head(f->db), 2);

    /* The failed article, sent again, merges as the third report. */
    store_db_fail_article(f->db, NULL, false);
    struct store_ingest_result r;
    ingest_ok(f->db, &b[1], NOW2, &r);
    assert_int_equal(r.first_seq, 3);
    store_ingest_result_release(&r);
    assert_int_equal(current_articles(f->db, &seq), 3);

    /* A failure alone in its group, then a whole group after it. */
    store_db_fail_article(f->db, arts[3], in_db);
    assert_int_equal(store_db_ingest(f->db, &b[3].ev, NOW2, &r, err, sizeof err), -1);
    assert_int_equal(current_articles(f->db, &seq), 3);
    store_db_fail_article(f->db, NULL, false);
    const struct pl_events *more[2] = {&b[3].ev, &b[4].ev};
    assert_int_equal(store_db_ingest_group(f->db, more, 2, NOW2, res, err, sizeof err), 0);
    assert_int_equal(res[0].first_seq, 4);
    assert_int_equal(res[1].first_seq, 5);
    for (int i = 0; i < 2; i++)
        store_ingest_result_release(&res[i]);

    /* Reopened (nothing cached), the database agrees. */
    store_db_close(&f->db);
    f->db = fx_open(f);
    ingest_ok(f->db, &b[5], NOW2, &r);
    assert_int_equal(r.first_seq, 6);
    store_ingest_result_release(&r);
    assert_int_equal(current_articles(f->db, &seq), 6);
    assert_int_equal(seq, 6);
    struct got g = {0};
    assert_int_equal(store_db_since(f->db, 0, NULL, 100, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 6);
    for (size_t i = 0; i < g.n; i++) {
        assert_int_equal(g.seq[i], i + 1);
        assert_int_equal(g.ev[i].num_articles, i + 1);
    }
    got_release(&g);
    for (int i = 0; i < 6; i++)
        batch_release(&b[i]);
}

static void test_failed_batch_in_group(void **state)
{
    s_failed_batch_in_group(*state, false);
}

/* The same, the failure coming from the database: a statement it refuses inside the batch
 * (on PostgreSQL queued with the batch's others, its error read back from the pipeline). */
static void test_failed_statement_in_group(void **state)
{
    s_failed_batch_in_group(*state, true);
}

/* The head version of the one current event: its seq and its encoded size. */
static int s_head_size(uint64_t seq, const void *body, size_t len, void *arg)
{
    (void)seq;
    (void)body;
    *(size_t *)arg = len;
    return 0;
}

/* An event reported by more articles than its version can list grows past the size the
 * cache of current events keeps (4 KB encoded): every report still merges into the latest
 * version, whether the one before came from the cache or from the database, in a group or
 * alone, and the counts go on past the 64 sentences and articles a version carries. */
static void test_event_outgrows_cache(void **state)
{
    struct fx *f = *state;
    enum { N = 80, GROUP = 4 };
    struct batch b[GROUP];
    char art[33], sentence[200];
    for (int i = 0; i < N; i += GROUP) {
        const struct pl_events *evs[GROUP];
        for (int k = 0; k < GROUP; k++) {
            snprintf(art, sizeof art, "%032x", 0xb000 + i + k);
            snprintf(sentence, sizeof sentence,
                     "Report %d: the two governments said their delegations would meet again "
                     "next week to discuss the border crossings and the release of prisoners.",
                     i + k);
            batch_init(&b[k], art, "x1");
            mk(batch_add(&b[k]), art, "x1", "2024-06-01", "SRBGOV", "XKXGOV", "036", sentence, 0.6);
            evs[k] = &b[k].ev;
        }
        struct store_ingest_result res[GROUP];
        char err[512] = "";
        /* alternately a group of four and four batches alone */
        if ((i / GROUP) % 2 == 0) {
            assert_int_equal(store_db_ingest_group(f->db, evs, GROUP, NOW1, res, err, sizeof err),
                             0);
        } else {
            for (int k = 0; k < GROUP; k++)
                ingest_ok(f->db, &b[k], NOW1, &res[k]);
        }
        for (int k = 0; k < GROUP; k++) {
            assert_false(res[k].failed);
            assert_int_equal(res[k].count, 1);
            assert_int_equal(res[k].first_seq, (uint64_t)(i + k + 1));
            store_ingest_result_release(&res[k]);
            batch_release(&b[k]);
        }
        if (i + GROUP == 2 * GROUP || i + GROUP == N) {
            /* reopened now and then: nothing cached, the database has the same */
            store_db_close(&f->db);
            f->db = fx_open(f);
        }
        struct got g = {0};
        assert_int_equal(store_db_query(f->db, 0, NULL, 100, collect, &g, err, sizeof err), 0);
        assert_int_equal(g.n, 1);
        uint32_t n = (uint32_t)(i + GROUP);
        assert_int_equal(g.ev[0].num_articles, n);
        assert_int_equal(g.ev[0].num_mentions, n);
        assert_int_equal(g.ev[0].n_articles, n < 64 ? n : 64);
        assert_int_equal(g.ev[0].c.n_evidence, n < 64 ? n : 64);
        got_release(&g);
    }
    size_t len = 0;
    char err[256];
    assert_int_equal(store_db_since(f->db, N - 1, NULL, 1, s_head_size, &len, err, sizeof err), 0);
    assert_true(len > 4096); /* the last versions were too big to cache */
}

/* The numbers of the one current event with this CAMEO code. */
static void counts_of(struct store_db *db, char *cameo, uint32_t *arts, uint32_t *ments)
{
    struct pl_filter flt = {.cameo = cameo};
    struct got g = {0};
    char err[256];
    assert_int_equal(store_db_query(db, 0, &flt, 100, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    *arts = g.ev[0].num_articles;
    *ments = g.ev[0].num_mentions;
    got_release(&g);
}

/* A group whose batches depend on each other's rows: the same batch twice, a second
 * extraction of an article, a batch repeating one of its mentions, many new events between
 * (pushing the event the group merges into out of the small cache), and merges into an event
 * stored by an earlier group. Each batch sees what the ones before it in the group wrote -
 * on PostgreSQL, where the group's writes wait for its commit, too - and nothing is redone. */
static void test_group_sees_its_own_writes(void **state)
{
    struct fx *f = *state;
    const char *P = "0000000000000000000000000000d001", *Q = "0000000000000000000000000000d002",
               *R = "0000000000000000000000000000d003", *S = "0000000000000000000000000000d004";
    struct batch p, q[3], r, p2, s2;
    batch_init(&p, P, "x1");
    mk(batch_add(&p), P, "x1", "2024-05-01", "USAGOV", "CHNGOV", "040", "Washington met Beijing.",
       0.6);
    struct store_ingest_result res[7];
    char err[512] = "";
    const struct pl_events *first[1] = {&p.ev};
    assert_int_equal(store_db_ingest_group(f->db, first, 1, NOW1, res, err, sizeof err), 0);
    store_ingest_result_release(&res[0]);

    char sentence[96];
    for (int k = 0; k < 3; k++) { /* 21 new events, 7 a batch */
        batch_init(&q[k],
                   k == 0   ? Q
                   : k == 1 ? "0000000000000000000000000000d012"
                            : "0000000000000000000000000000d022",
                   "x1");
        for (int i = 0; i < 7; i++) {
            snprintf(sentence, sizeof sentence, "Event %d of batch %d.", i, k);
            char date[16];
            snprintf(date, sizeof date, "2024-05-%02d", 2 + 7 * k + i);
            mk(batch_add(&q[k]), q[k].ev.id, "x1", date, "FRAGOV", "DEUGOV", "190", sentence, 0.5);
        }
    }
    batch_init(&r, R, "x1");
    mk(batch_add(&r), R, "x1", "2024-05-01", "USAGOV", "CHNGOV", "040", "The two sides met.", 0.5);
    batch_init(&p2, P, "x2"); /* the first article again, from a newer extractor */
    mk(batch_add(&p2), P, "x2", "2024-05-01", "USAGOV", "CHNGOV", "040", "They met on Monday.",
       0.7);
    batch_init(&s2, S, "x1"); /* one mention twice */
    mk(batch_add(&s2), S, "x1", "2024-05-01", "USAGOV", "CHNGOV", "040", "A meeting.", 0.5);
    mk(batch_add(&s2), S, "x1", "2024-05-01", "USAGOV", "CHNGOV", "040", "A meeting.", 0.5);
    const struct pl_events *evs[7] = {&q[0].ev, &q[1].ev, &q[2].ev, &r.ev,
                                      &q[0].ev, &p2.ev,   &s2.ev};
    assert_int_equal(store_db_ingest_group(f->db, evs, 7, NOW2, res, err, sizeof err), 0);
    for (int i = 0; i < 7; i++)
        assert_false(res[i].failed);
    assert_int_equal(res[0].first_seq, 2);
    assert_int_equal(res[2].first_seq, 16);
    assert_int_equal(res[3].first_seq, 23); /* the event of the first group, merged */
    assert_true(res[4].replayed);           /* the same batch again: its first answer */
    assert_int_equal(res[4].first_seq, 2);
    assert_int_equal(res[4].count, 7);
    assert_int_equal(res[5].first_seq, 24);
    assert_int_equal(res[5].new_mentions, 1);
    assert_int_equal(res[6].first_seq, 25);
    assert_int_equal(res[6].new_mentions, 1);
    assert_int_equal(res[6].dup_mentions, 1);
    for (int i = 0; i < 7; i++)
        store_ingest_result_release(&res[i]);
    assert_int_equal(store_db_redone(f->db), 0);
    assert_int_equal(store_db_head(f->db), 25);

    /* Articles P, R and S report it; P twice (two extractions), S's repeat counts once. */
    for (int round = 0; round < 2; round++) {
        uint32_t arts, ments;
        counts_of(f->db, (char[]){"040"}, &arts, &ments);
        assert_int_equal(arts, 3);
        assert_int_equal(ments, 4);
        assert_int_equal(query_n(f->db, NULL), 22);
        store_db_close(&f->db); /* reopened, nothing cached: the database agrees */
        f->db = fx_open(f);
    }
    batch_release(&p);
    for (int k = 0; k < 3; k++)
        batch_release(&q[k]);
    batch_release(&r);
    batch_release(&p2);
    batch_release(&s2);
}

/* A group large enough that PostgreSQL sends its rows ahead while it merges the rest (and
 * stops when its queue of statements must keep room for the commit's): all
 * stored; then the same size of group with one batch the database refuses in the middle of
 * it (after rows went ahead): that batch alone fails, the others are stored. */
static void test_big_group(void **state)
{
    struct fx *f = *state;
    /* 240 batches of 8: rows enough to be sent ahead until the pipeline's queue keeps the
     * rest for the commit */
    enum { N = 240, M = 8 };
    for (int round = 0; round < 2; round++) {
        struct batch *b = calloc(N, sizeof *b);
        const struct pl_events *evs[N];
        char art[33], sentence[64], date[16];
        for (int i = 0; i < N; i++) {
            snprintf(art, sizeof art, "%032x", 0xe000 + 1000 * round + i);
            batch_init(&b[i], art, "x1");
            for (int k = 0; k < M; k++) {
                snprintf(sentence, sizeof sentence, "Round %d, report %d, event %d.", round, i, k);
                snprintf(date, sizeof date, "20%02d-%02d-%02d", 10 + round, 1 + i % 12, 1 + k);
                mk(batch_add(&b[i]), art, "x1", date, "ISRMIL", "PSE", "190", sentence, 0.6);
            }
            evs[i] = &b[i].ev;
        }
        if (round == 1)
            store_db_fail_article(f->db, b[30].ev.id, true);
        struct store_ingest_result res[N];
        char err[512] = "";
        assert_int_equal(store_db_ingest_group(f->db, evs, N, NOW1, res, err, sizeof err), 0);
        for (int i = 0; i < N; i++) {
            assert_int_equal(res[i].failed, round == 1 && i == 30);
            store_ingest_result_release(&res[i]);
        }
        assert_int_equal(store_db_redone(f->db), round == 1 ? 1 : 0);
        store_db_fail_article(f->db, NULL, false);
        /* a version a mention: a batch's mentions are of eight events (days) */
        uint64_t stored = (uint64_t)(N * M + (round == 1 ? (N - 1) * M : 0));
        assert_int_equal(store_db_head(f->db), stored);
        for (int i = 0; i < N; i++)
            batch_release(&b[i]);
        free(b);
        store_db_close(&f->db); /* reopened: the database agrees, and no redo is counted */
        f->db = fx_open(f);
        struct got g = {0};
        assert_int_equal(store_db_since(f->db, stored - 1, NULL, 10, collect, &g, err, sizeof err),
                         0);
        assert_int_equal(g.n, 1);
        got_release(&g);
    }
}

/* The same batch again: the first answer, nothing new; a reopened database agrees. */
static void test_idempotent_batch(void **state)
{
    struct fx *f = *state;
    struct batch a;
    batch_init(&a, "0000000000000000000000000000aaa1", "x1");
    mk(batch_add(&a), a.ev.id, "x1", "2024-01-05", "RUSMIL", "UKR", "190", "Shelling.", 0.6);
    mk(batch_add(&a), a.ev.id, "x1", "2024-01-05", "UKRGOV", "RUS", "111", "Kyiv said.", 0.6);
    struct store_ingest_result r;
    ingest_ok(f->db, &a, NOW1, &r);
    assert_int_equal(r.count, 2);
    store_ingest_result_release(&r);
    for (int round = 0; round < 2; round++) {
        ingest_ok(f->db, &a, NOW2, &r);
        assert_true(r.replayed);
        assert_int_equal(r.first_seq, 1);
        assert_int_equal(r.count, 2);
        assert_null(r.changes);
        assert_int_equal(r.n_changes, 0);
        store_ingest_result_release(&r);
        assert_int_equal(store_db_head(f->db), 2);
        store_db_close(&f->db); /* the answer survives a restart */
        f->db = fx_open(f);
        assert_int_equal(store_db_head(f->db), 2);
    }
    batch_release(&a);
}

/* A duplicate mention (inside a batch, or in a batch of another extractor version that
 * reports it with the same id) never makes a row or counts twice; seqs stay gapless. */
static void test_duplicate_mentions(void **state)
{
    struct fx *f = *state;
    struct batch a;
    batch_init(&a, "0000000000000000000000000000aaa1", "x1");
    mk(batch_add(&a), a.ev.id, "x1", "2024-02-01", "USAGOV", "CHNGOV", "036", "Will meet.", 0.5);
    mk(batch_add(&a), a.ev.id, "x1", "2024-02-01", "USAGOV", "CHNGOV", "036", "Will meet.", 0.5);
    struct store_ingest_result r;
    ingest_ok(f->db, &a, NOW1, &r);
    assert_int_equal(r.new_mentions, 1);
    assert_int_equal(r.dup_mentions, 1);
    assert_int_equal(r.count, 1);
    store_ingest_result_release(&r);

    /* Same article under another version, same mention id: stored batch, no change. */
    struct batch b;
    batch_init(&b, a.ev.id, "x2");
    struct pl_mention *m = batch_add(&b);
    mk(m, b.ev.id, "x1", "2024-02-01", "USAGOV", "CHNGOV", "036", "Will meet.", 0.5);
    ingest_ok(f->db, &b, NOW2, &r);
    assert_false(r.replayed);
    assert_int_equal(r.count, 0);
    assert_int_equal(r.first_seq, 0);
    assert_int_equal(r.dup_mentions, 1);
    store_ingest_result_release(&r);
    assert_int_equal(store_db_head(f->db), 1);

    /* A new mention after the duplicates takes seq 2: no gap. */
    struct batch c;
    batch_init(&c, "0000000000000000000000000000ccc3", "x1");
    mk(batch_add(&c), c.ev.id, "x1", "2024-02-01", "USAGOV", "CHNGOV", "036", "Plans talks.", 0.5);
    ingest_ok(f->db, &c, NOW2, &r);
    assert_int_equal(r.first_seq, 2);
    store_ingest_result_release(&r);
    struct got g = {0};
    char err[256];
    assert_int_equal(store_db_since(f->db, 0, NULL, 100, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.ev[1].num_mentions, 2);
    assert_int_equal(g.ev[1].num_articles, 2);
    got_release(&g);
    batch_release(&a);
    batch_release(&b);
    batch_release(&c);
}

/* An article with no events is still a stored batch: OK with count 0, and idempotent. */
static void test_empty_batch(void **state)
{
    struct fx *f = *state;
    struct batch a;
    batch_init(&a, "0000000000000000000000000000aaa1", "x1");
    struct store_ingest_result r;
    ingest_ok(f->db, &a, NOW1, &r);
    assert_false(r.replayed);
    assert_int_equal(r.count, 0);
    store_ingest_result_release(&r);
    ingest_ok(f->db, &a, NOW1, &r);
    assert_true(r.replayed);
    store_ingest_result_release(&r);
    batch_release(&a);
}

/* A batch whose mentions name another article is refused whole: nothing is stored. */
static void test_refused_batch_stores_nothing(void **state)
{
    struct fx *f = *state;
    struct batch a;
    batch_init(&a, "0000000000000000000000000000aaa1", "x1");
    mk(batch_add(&a), a.ev.id, "x1", "2024-02-01", "USAGOV", "CHNGOV", "036", "One.", 0.5);
    mk(batch_add(&a), "0000000000000000000000000000fff9", "x1", "2024-02-01", "FRAGOV", NULL, "010",
       "Two.", 0.5);
    struct store_ingest_result r;
    char err[512] = "";
    assert_int_equal(store_db_ingest(f->db, &a.ev, NOW1, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "fff9"));
    assert_int_equal(store_db_head(f->db), 0);
    assert_int_equal(query_n(f->db, NULL), 0);
    /* The same article, well formed, is then accepted from seq 1. */
    pl_mention_release(&a.m[1]);
    a.ev.n_mentions = 1;
    ingest_ok(f->db, &a, NOW1, &r);
    assert_int_equal(r.first_seq, 1);
    store_ingest_result_release(&r);
    batch_release(&a);
}

static void test_filters(void **state)
{
    struct fx *f = *state;
    struct batch a;
    batch_init(&a, "0000000000000000000000000000aaa1", "x1");
    struct pl_mention *m = batch_add(&a);
    mk(m, a.ev.id, "x1", "2023-10-23", "ARMGOV", "AZEGOV", "043", "Met.", 0.8);
    set_location(m, "Tehran", "IRN");
    mk(batch_add(&a), a.ev.id, "x1", "2023-11-02", "RUSMIL", "UKRMIL", "190", "Shelled.", 0.8);
    mk(batch_add(&a), a.ev.id, "x1", "2023-10", "EU", "ARMGOV", "0234", "Appealed.", 0.8);
    mk(batch_add(&a), a.ev.id, "x1", "2023-12-31", "AZEGOV", NULL, "010", "Said.", 0.8);
    struct store_ingest_result r;
    ingest_ok(f->db, &a, NOW1, &r);
    assert_int_equal(r.count, 4);
    store_ingest_result_release(&r);

    assert_int_equal(query_n(f->db, NULL), 4);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.actor = (char[]){"ARM"}}), 2);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.actor = (char[]){"ARMGOV"}}), 2);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.actor = (char[]){"ARMMIL"}}), 0);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.country = (char[]){"AZE"}}), 2);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.cameo = (char[]){"19"}}), 1);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.cameo = (char[]){"02"}}), 1);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.cameo = (char[]){"0234"}}), 1);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.loc_country = (char[]){"IRN"}}), 1);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.from = (char[]){"2023-11-01"}}), 2);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.to = (char[]){"2023-10"}}), 2);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.to = (char[]){"2023-10-22"}}), 1);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.from = (char[]){"2023-10-01"},
                                                        .to = (char[]){"2023-11-30"},
                                                        .country = (char[]){"UKR"}}),
                     1);
    /* The log is filtered the same way. */
    struct got g = {0};
    char err[256];
    assert_int_equal(store_db_since(f->db, 0, &(struct pl_filter){.cameo = (char[]){"04"}}, 10,
                                    collect, &g, err, sizeof err),
                     0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.ev[0].c.cameo, "043");
    got_release(&g);
    /* max bounds a page; the next page starts after the last seq seen. */
    assert_int_equal(store_db_since(f->db, 0, NULL, 3, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 3);
    uint64_t last = g.seq[2];
    got_release(&g);
    assert_int_equal(store_db_since(f->db, last, NULL, 3, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.seq[0], 4);
    got_release(&g);
    batch_release(&a);
}

/* A mention without a date (the article gave none), made by mk() then stripped of it. */
static void undated(struct pl_mention *m)
{
    free(m->c.date);
    free(m->c.date_precision);
    free(m->c.date_basis);
    m->c.date = m->c.date_precision = m->c.date_basis = NULL;
}

/* Events without a date are found by their key ('' for the date) like any other: reports of
 * one from two articles, the second read back from the database after a reopen (the cache
 * is empty then), make one event; no date filter matches it. */
static void test_undated_event(void **state)
{
    struct fx *f = *state;
    struct batch a, b;
    batch_init(&a, "0000000000000000000000000000aaa1", "x1");
    mk(batch_add(&a), a.ev.id, "x1", "2023-10-23", "IRNGOV", "USAGOV", "036", "Wants talks.", 0.7);
    undated(&a.m[0]);
    mk(batch_add(&a), a.ev.id, "x1", "2023-10-23", "IRNGOV", "USAGOV", "036", "Dated.", 0.7);
    struct store_ingest_result r;
    ingest_ok(f->db, &a, NOW1, &r);
    assert_int_equal(r.count, 2);
    store_ingest_result_release(&r);
    store_db_close(&f->db);
    f->db = fx_open(f);

    batch_init(&b, "0000000000000000000000000000bbb2", "x1");
    mk(batch_add(&b), b.ev.id, "x1", "2023-10-23", "IRNGOV", "USAGOV", "036", "Seeks talks.", 0.6);
    undated(&b.m[0]);
    ingest_ok(f->db, &b, NOW2, &r);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.first_seq, 3);
    store_ingest_result_release(&r);

    struct got g = {0};
    char err[256];
    assert_int_equal(store_db_query(f->db, 0, NULL, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 2); /* the dated event and the undated one, merged */
    assert_null(g.ev[1].c.date);
    assert_int_equal(g.seq[1], 3);
    assert_int_equal(g.ev[1].num_articles, 2);
    assert_int_equal(g.ev[1].num_mentions, 2);
    got_release(&g);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.to = (char[]){"2030"}}), 1);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.from = (char[]){"1900"}}), 1);
    assert_int_equal(query_n(f->db, &(struct pl_filter){.cameo = (char[]){"036"}}), 2);
    /* SINCE with a filter finds the log's rows' events by the same key */
    assert_int_equal(store_db_since(f->db, 0, &(struct pl_filter){.cameo = (char[]){"03"}}, 10,
                                    collect, &g, err, sizeof err),
                     0);
    assert_int_equal(g.n, 3);
    assert_null(g.ev[2].c.date);
    got_release(&g);
    batch_release(&a);
    batch_release(&b);
}

/* collect(), stopping after two rows. */
static int collect_two(uint64_t seq, const void *body, size_t len, void *arg)
{
    collect(seq, body, len, arg);
    return ((struct got *)arg)->n == 2;
}

/* A reader that stops early (its callback says so) gets no more rows, and the database is
 * ready for the next read and the next batch (PostgreSQL sends a page row by row: the rest
 * of it is read and dropped). */
static void test_read_stops_early(void **state)
{
    struct fx *f = *state;
    struct batch a;
    batch_init(&a, "0000000000000000000000000000aaa1", "x1");
    for (int i = 0; i < 5; i++) {
        char cameo[8];
        snprintf(cameo, sizeof cameo, "0%d", 1 + i);
        mk(batch_add(&a), a.ev.id, "x1", "2023-10-23", "IRNGOV", "USAGOV", cameo, "Said.", 0.7);
    }
    struct store_ingest_result r;
    ingest_ok(f->db, &a, NOW1, &r);
    store_ingest_result_release(&r);
    struct got g = {0};
    char err[256];
    for (int from_log = 0; from_log < 2; from_log++) {
        int rc = from_log ? store_db_since(f->db, 0, NULL, 10, collect_two, &g, err, sizeof err)
                          : store_db_query(f->db, 0, NULL, 10, collect_two, &g, err, sizeof err);
        assert_int_equal(rc, 0);
        assert_int_equal(g.n, 2);
        assert_int_equal(g.seq[1], 2);
        got_release(&g);
    }
    assert_int_equal(store_db_since(f->db, 2, NULL, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 3);
    got_release(&g);
    struct batch b;
    batch_init(&b, "0000000000000000000000000000bbb2", "x1");
    mk(batch_add(&b), b.ev.id, "x1", "2023-10-23", "IRNGOV", "USAGOV", "01", "Said.", 0.7);
    ingest_ok(f->db, &b, NOW2, &r);
    assert_int_equal(r.first_seq, 6);
    store_ingest_result_release(&r);
    batch_release(&a);
    batch_release(&b);
}

/* The event an older store left behind for the migration tests: article a's mention of
 * TURGOV 190 SYRREB on 2022-05-01 as batch (a, x1), and that event at seq 7, encoded in body;
 * its id in eid. */
static void old_event(struct batch *a, char eid[33], struct pl_buf *body)
{
    batch_init(a, "0000000000000000000000000000aaa1", "x1");
    mk(batch_add(a), a->ev.id, "x1", "2022-05-01", "TURGOV", "SYRREB", "190", "Strikes.", 0.9);
    store_event_id(&a->m[0].c, eid);
    struct pl_event e = {0};
    e.id = eid;
    e.seq = 7;
    e.c = a->m[0].c;
    e.num_articles = 1;
    e.num_mentions = 1;
    e.articles = &a->m[0].article;
    e.n_articles = 1;
    e.first_seen = (char[]){"2022-05-01T00:00:00Z"};
    e.last_seen = e.first_seen;
    pl_buf_init(body);
    assert_int_equal(pl_event_encode(&e, body, NULL), PL_OK);
}

/* An older store's database: path created at schema version `version`, then each statement
 * of sql (NULL ends the list) run with ?1 the article id of a, ?2 its mention's id, ?3 the
 * event id and ?4 the event's encoded body (a statement binds the ones it names). */
static void old_database(const char *path, int version, const struct batch *a, const char *eid,
                         const struct pl_buf *body, const char *const *sql)
{
    char err[512] = "";
    if (store_sqlite_migrate_file(path, version, err, sizeof err) != 0)
        fail_msg("version %d: %s", version, err);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    for (; *sql; sql++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(raw, *sql, -1, &st, NULL) != SQLITE_OK)
            fail_msg("%s: %s", *sql, sqlite3_errmsg(raw));
        int n = sqlite3_bind_parameter_count(st);
        if (n >= 1)
            sqlite3_bind_text(st, 1, a->ev.id, -1, SQLITE_STATIC);
        if (n >= 2)
            sqlite3_bind_text(st, 2, a->m[0].id, -1, SQLITE_STATIC);
        if (n >= 3)
            sqlite3_bind_text(st, 3, eid, -1, SQLITE_STATIC);
        if (n >= 4)
            sqlite3_bind_blob(st, 4, body->data, (int)body->len, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    sqlite3_close(raw);
}

static struct store_db *open_sqlite_dir(char *dir)
{
    char err[512] = "";
    struct store_db_config cfg = {.backend = (char[]){"sqlite"}, .data_dir = dir};
    struct store_db *db = store_db_open(&cfg, err, sizeof err);
    if (!db)
        fail_msg("open %s: %s", dir, err);
    return db;
}

/* A folder of its own (f->dir/name) for an older store's database, the fixture's database
 * closed: dir and the database's path in it. */
static void old_folder(struct fx *f, const char *name, char dir[96], char path[128])
{
    store_db_close(&f->db);
    snprintf(dir, 96, "%s/%s", f->dir, name);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, 128, "%s/parley.db", dir);
}

/* Article art reports the events of keys (1: a meeting, 2: a protest, 3: an appeal). */
static void reports(struct batch *b, const char *art, const int *keys, int n)
{
    batch_init(b, art, "x1");
    for (int i = 0; i < n; i++) {
        struct pl_mention *m = batch_add(b);
        if (keys[i] == 1)
            mk(m, art, "x1", "2024-05-01", "FRAGOV", "DEUGOV", "040", "They met.", 0.5);
        else if (keys[i] == 2)
            mk(m, art, "x1", "2024-04-11", "ARMOPP", "ARMGOV", "141", "They protested.", 0.5);
        else
            mk(m, art, "x1", "2024-06-30", "UKRGOV", NULL, "010", "It appealed.", 0.5);
        if (keys[i] == 2)
            set_location(m, "Yerevan", "ARM");
    }
}

/* The articles of an event's change (the one change of a batch's result). */
static uint32_t changed_articles(const struct store_ingest_result *r)
{
    assert_int_equal(r->n_changes, 1);
    struct pl_event e;
    assert_int_equal(pl_event_decode(r->changes[0].body.data, r->changes[0].body.len, &e, NULL),
                     PL_OK);
    uint32_t n = e.num_articles;
    pl_event_release(&e);
    return n;
}

/* The current version of the event of key from a query: its seq and articles. */
static uint32_t query_articles(struct store_db *db, int key, uint64_t *seq)
{
    static char cameo[][4] = {"", "040", "141", "010"};
    struct got g = {0};
    char err[256];
    struct pl_filter f = {.cameo = cameo[key]};
    assert_int_equal(store_db_query(db, 0, &f, 100, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    uint32_t n = g.ev[0].num_articles;
    *seq = g.seq[0];
    got_release(&g);
    return n;
}

/* The events table is written in bulk (store_db_flush): until then a merge finds its event's
 * version in the log, a rolled-back batch leaves nothing waiting, and a store that stops
 * without flushing - killed - loses nothing: the next to open the database catches up from
 * the log. No event cache here, so every merge reads what the database layer keeps. */
static void test_events_wait_for_flush(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    char dir[96], path[128], err[512] = "";
    old_folder(f, "wait", dir, path);
    struct store_db *db = open_sqlite_dir(dir);
    struct batch b[8];
    const char *arts[8] = {"0000000000000000000000000000d001", "0000000000000000000000000000d002",
                           "0000000000000000000000000000d003", "0000000000000000000000000000d004",
                           "0000000000000000000000000000d005", "0000000000000000000000000000d006",
                           "0000000000000000000000000000d007", "0000000000000000000000000000d008"};
    reports(&b[0], arts[0], (int[]){1, 2}, 2);
    for (int i = 1; i < 4; i++)
        reports(&b[i], arts[i], (int[]){1}, 1);
    reports(&b[4], arts[4], (int[]){2}, 1);
    reports(&b[5], arts[5], (int[]){1}, 1);
    reports(&b[6], arts[6], (int[]){2}, 1);
    reports(&b[7], arts[7], (int[]){3}, 1);
    struct store_ingest_result r, res[3];
    ingest_ok(db, &b[0], NOW1, &r); /* seqs 1, 2 */
    store_ingest_result_release(&r);
    ingest_ok(db, &b[1], NOW1, &r); /* the meeting again: found in the log, seq 3 */
    assert_int_equal(changed_articles(&r), 2);
    store_ingest_result_release(&r);
    uint64_t lag;
    assert_int_equal(store_db_unindexed(db, &lag), 0);
    assert_int_equal(lag, 3);

    /* A group whose middle batch fails: stored whole, rolled back, stored batch by batch. */
    const struct pl_events *evs[3] = {&b[2].ev, &b[3].ev, &b[4].ev};
    store_db_fail_article(db, arts[3], false);
    assert_int_equal(store_db_ingest_group(db, evs, 3, NOW2, res, err, sizeof err), 0);
    store_db_fail_article(db, NULL, false);
    assert_false(res[0].failed);
    assert_true(res[1].failed);
    assert_false(res[2].failed);
    assert_int_equal(changed_articles(&res[0]), 3); /* seq 4 */
    assert_int_equal(changed_articles(&res[2]), 2); /* the protest, seq 5 */
    assert_int_equal(res[2].first_seq, 5);
    for (int i = 0; i < 3; i++)
        store_ingest_result_release(&res[i]);
    ingest_ok(db, &b[5], NOW2, &r); /* seq 6: the failed batch's change left nothing */
    assert_int_equal(r.first_seq, 6);
    assert_int_equal(changed_articles(&r), 4);
    store_ingest_result_release(&r);

    /* Queries flush first; then the table has everything. */
    uint64_t seq;
    assert_int_equal(query_articles(db, 1, &seq), 4);
    assert_int_equal(seq, 6);
    assert_int_equal(query_articles(db, 2, &seq), 2);
    assert_int_equal(seq, 5);
    assert_int_equal(store_db_unindexed(db, &lag), 0);
    assert_int_equal(lag, 0);
    store_db_close(&db);

    /* A store killed with changes not all written: a merge (seq 7) and a new event (seq 8). */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct store_db *child = open_sqlite_dir(dir);
        struct store_ingest_result cr;
        int ok =
            store_db_ingest(child, &b[6].ev, NOW2, &cr, err, sizeof err) == 0 && cr.first_seq == 7;
        store_ingest_result_release(&cr);
        ok = ok && store_db_ingest(child, &b[7].ev, NOW2, &cr, err, sizeof err) == 0 &&
             cr.first_seq == 8;
        store_ingest_result_release(&cr);
        /* Half written: the one changed longest ago (seq 7), so that the table still has
         * every version up to its highest seq. */
        ok = ok && store_db_waiting(child) == 2 && store_db_flush(child, 1, err, sizeof err) == 0 &&
             store_db_waiting(child) == 1;
        _exit(ok ? 0 : 1); /* no close: the rest is not written */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct store_db_config ro_cfg = {
        .backend = (char[]){"sqlite"}, .read_only = true, .path = path};
    struct store_db *ro = store_db_open(&ro_cfg, err, sizeof err);
    assert_non_null(ro);
    assert_int_equal(store_db_head(ro), 8);
    assert_int_equal(store_db_unindexed(ro, &lag), 0);
    assert_int_equal(lag, 1);
    assert_int_equal(query_n(ro, NULL), 2); /* the table as the last flush left it */
    assert_int_equal(query_articles(ro, 2, &seq), 3);
    assert_int_equal(seq, 7);
    store_db_close(&ro);

    db = open_sqlite_dir(dir); /* catches up */
    assert_int_equal(store_db_unindexed(db, &lag), 0);
    assert_int_equal(lag, 0);
    assert_int_equal(query_n(db, NULL), 3);
    assert_int_equal(query_articles(db, 2, &seq), 3);
    assert_int_equal(seq, 7);
    assert_int_equal(query_articles(db, 3, &seq), 1);
    assert_int_equal(seq, 8);
    struct pl_filter arm = {.loc_country = (char[]){"ARM"}};
    assert_int_equal(query_n(db, &arm), 1);
    store_db_close(&db);
    for (int i = 0; i < 8; i++)
        batch_release(&b[i]);
    f->db = fx_open(f);
}

/* Runs sql on the SQLite file at path through a connection of its own. */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *raw;
    char *msg = NULL;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    sqlite3_busy_timeout(raw, 5000);
    if (sqlite3_exec(raw, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(raw);
}

/* A write of the events table that the database refuses (here triggers, put in by another
 * connection) keeps every event waiting: ingest goes on into the log, a query says why it
 * cannot answer, and once the database takes the writes again nothing is missing. */
static void test_failed_flush_keeps_events(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    char dir[96], path[128], err[512] = "";
    old_folder(f, "refused", dir, path);
    struct store_db *db = open_sqlite_dir(dir);
    struct batch b[4];
    const char *arts[4] = {"0000000000000000000000000000e001", "0000000000000000000000000000e002",
                           "0000000000000000000000000000e003", "0000000000000000000000000000e004"};
    reports(&b[0], arts[0], (int[]){1, 2}, 2);
    reports(&b[1], arts[1], (int[]){1}, 1);
    reports(&b[2], arts[2], (int[]){3}, 1);
    reports(&b[3], arts[3], (int[]){2}, 1);
    struct store_ingest_result r;
    ingest_ok(db, &b[0], NOW1, &r); /* seqs 1, 2 */
    store_ingest_result_release(&r);
    uint64_t seq, lag;
    assert_int_equal(query_articles(db, 1, &seq), 1); /* written: the table has rows */

    raw_exec(path, "CREATE TRIGGER no_insert BEFORE INSERT ON events"
                   " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
                   "CREATE TRIGGER no_update BEFORE UPDATE ON events"
                   " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
    ingest_ok(db, &b[1], NOW2, &r); /* a merge, seq 3 */
    store_ingest_result_release(&r);
    ingest_ok(db, &b[2], NOW2, &r); /* a new event, seq 4 */
    store_ingest_result_release(&r);
    assert_int_equal(store_db_waiting(db), 2);
    assert_int_equal(store_db_flush(db, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "events table"));
    assert_non_null(strstr(err, "refused by the test"));
    assert_int_equal(store_db_waiting(db), 2);
    assert_int_equal(store_db_flush(db, 1, err, sizeof err), -1); /* a partial one too */
    assert_int_equal(store_db_waiting(db), 2);
    struct got g = {0};
    err[0] = '\0';
    assert_int_equal(store_db_query(db, 0, NULL, 100, collect, &g, err, sizeof err), -1);
    assert_non_null(strstr(err, "refused by the test"));
    got_release(&g);

    /* Ingest goes on: a merge into an event waiting since the failure (seq 5). */
    ingest_ok(db, &b[3], NOW2, &r);
    assert_int_equal(r.first_seq, 5);
    assert_int_equal(changed_articles(&r), 2);
    store_ingest_result_release(&r);
    assert_int_equal(store_db_waiting(db), 3);
    assert_int_equal(store_db_unindexed(db, &lag), 0);
    assert_int_equal(lag, 3);

    raw_exec(path, "DROP TRIGGER no_insert; DROP TRIGGER no_update;");
    assert_int_equal(query_articles(db, 1, &seq), 2);
    assert_int_equal(seq, 3);
    assert_int_equal(query_articles(db, 2, &seq), 2);
    assert_int_equal(seq, 5);
    assert_int_equal(query_articles(db, 3, &seq), 1);
    assert_int_equal(seq, 4);
    assert_int_equal(store_db_waiting(db), 0);
    assert_int_equal(store_db_unindexed(db, &lag), 0);
    assert_int_equal(lag, 0);
    store_db_close(&db);
    for (int i = 0; i < 4; i++)
        batch_release(&b[i]);
    f->db = fx_open(f);
}

/* A cache of one event: every two events of a group take the same place. Event A, cached,
 * is changed by a group's first batch, pushed out by B in the second, and merged again in
 * the third - which must see the first batch's version (the group's own write), not the one
 * read ahead for the group (on PostgreSQL, cached events whose place another event of the
 * group takes are read ahead with the uncached ones). */
static void test_group_cache_collisions(void **state)
{
    struct fx *f = *state;
    store_db_close(&f->db);
    char err[512] = "";
    f->db = fx_open_cache(f, 1);
    const char *arts[4] = {"0000000000000000000000000000e101", "0000000000000000000000000000e102",
                           "0000000000000000000000000000e103", "0000000000000000000000000000e104"};
    struct batch b[4];
    reports(&b[0], arts[0], (int[]){1}, 1); /* A, seq 1, then cached */
    reports(&b[1], arts[1], (int[]){1}, 1); /* A again */
    reports(&b[2], arts[2], (int[]){2}, 1); /* B, taking A's place */
    reports(&b[3], arts[3], (int[]){1}, 1); /* A a third time */
    struct store_ingest_result res[3];
    ingest_ok(f->db, &b[0], NOW1, &res[0]);
    store_ingest_result_release(&res[0]);
    const struct pl_events *evs[3] = {&b[1].ev, &b[2].ev, &b[3].ev};
    assert_int_equal(store_db_ingest_group(f->db, evs, 3, NOW2, res, err, sizeof err), 0);
    assert_int_equal(changed_articles(&res[0]), 2); /* seq 2 */
    assert_int_equal(changed_articles(&res[1]), 1); /* seq 3 */
    assert_int_equal(changed_articles(&res[2]), 3); /* seq 4: on top of seq 2 */
    assert_int_equal(res[2].first_seq, 4);
    for (int i = 0; i < 3; i++)
        store_ingest_result_release(&res[i]);
    uint64_t seq;
    assert_int_equal(query_articles(f->db, 1, &seq), 3);
    assert_int_equal(seq, 4);
    assert_int_equal(store_db_redone(f->db), 0);
    for (int i = 0; i < 4; i++)
        batch_release(&b[i]);
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : 0;
}

/* The store's checkpoints run on a thread of their own (db_sqlite.c): once 64 MB of WAL have
 * gathered, the database file gets the pages while the store goes on writing, and the WAL
 * starts again from its beginning instead of growing (a thread that does not checkpoint
 * leaves it growing to eight times the mark, where the store's commits take over). That the
 * commits no longer wait for them is what the latency benchmark measures. */
static void test_checkpoint_thread(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    char db_path[128], wal_path[160];
    snprintf(db_path, sizeof db_path, "%s/parley.db", f->dir);
    snprintf(wal_path, sizeof wal_path, "%s/parley.db-wal", f->dir);
    char sentence[2048];
    memset(sentence, 'x', sizeof sentence - 1);
    sentence[sizeof sentence - 1] = '\0';
    off_t wal_max = 0;
    int i = 0;
    /* 150 MB of versions and mentions, some 2.5 times the mark. */
    for (; i < 6000 && file_size(db_path) < 32 * 1024 * 1024; i++) {
        struct batch b;
        char art[33];
        snprintf(art, sizeof art, "%032x", i + 1);
        batch_init(&b, art, "x1");
        for (int k = 0; k < 8; k++) {
            char date[16];
            snprintf(date, sizeof date, "2024-%02d-%02d", 1 + (i + k) % 12, 1 + k);
            sentence[0] = (char)('a' + k);
            mk(batch_add(&b), art, "x1", date, "FRAGOV", "DEUGOV", "040", sentence, 0.5);
        }
        struct store_ingest_result r;
        ingest_ok(f->db, &b, NOW1, &r);
        store_ingest_result_release(&r);
        batch_release(&b);
        if (file_size(wal_path) > wal_max)
            wal_max = file_size(wal_path);
    }
    /* The thread may still be copying: give it time. */
    for (int t = 0; t < 100 && file_size(db_path) < 32 * 1024 * 1024; t++)
        usleep(50 * 1000);
    assert_true(file_size(db_path) >= 32 * 1024 * 1024);
    /* Reset, not grown without end: the mark is 64 MB, and the store checkpoints itself only
     * at eight times that. */
    assert_true(wal_max < 300 * 1024 * 1024);
    assert_int_equal(store_db_head(f->db) > 0, 1);
}

/* A busy store: once a group commit leaves 32,768 events waiting, the half changed longest
 * ago is written into the events table at once, and the table agrees with the log. */
static void test_busy_store_writes_half(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    int made = 0;
    size_t most = 0;
    bool halved = false;
    for (int i = 0; i < 4200 && !halved; i++) {
        struct batch b;
        char art[33];
        snprintf(art, sizeof art, "%032x", 0x10000 + i);
        batch_init(&b, art, "x1");
        for (int k = 0; k < 8; k++, made++) { /* a new event each: its date is its number */
            char date[16];
            snprintf(date, sizeof date, "%04d-%02d-%02d", 1900 + made / 336, 1 + made / 28 % 12,
                     1 + made % 28);
            mk(batch_add(&b), art, "x1", date, "FRAGOV", "DEUGOV", "040", "Met.", 0.5);
        }
        struct store_ingest_result r;
        ingest_ok(f->db, &b, NOW1, &r);
        store_ingest_result_release(&r);
        batch_release(&b);
        size_t w = store_db_waiting(f->db);
        halved = w < most;
        most = w > most ? w : most;
    }
    assert_true(halved);
    assert_true(most >= 32768 - 8 && most < 32768); /* the last count before the write */
    assert_int_equal(store_db_waiting(f->db), 16384);
    uint64_t lag;
    assert_int_equal(store_db_unindexed(f->db, &lag), 0);
    assert_int_equal(lag, 16384); /* the newest half waits */
    assert_int_equal(store_db_head(f->db), (uint64_t)made);
    char err[256];
    assert_int_equal(store_db_flush(f->db, 0, err, sizeof err), 0);
    assert_int_equal(store_db_waiting(f->db), 0);
    struct counted {
        size_t n;
        uint64_t last;
        bool ordered;
    } c = {.ordered = true};
    /* every event once, in seq order: none lost or written twice by the two writes */
    for (uint64_t after = 0;;) {
        struct got g = {0};
        assert_int_equal(store_db_query(f->db, after, NULL, 64, collect, &g, err, sizeof err), 0);
        for (size_t k = 0; k < g.n; k++) {
            c.ordered = c.ordered && g.seq[k] == c.last + 1;
            c.last = g.seq[k];
        }
        c.n += g.n;
        size_t n = g.n;
        after = c.last;
        got_release(&g);
        if (n < 64)
            break;
    }
    assert_int_equal(c.n, (size_t)made);
    assert_true(c.ordered);
}

/* The one row sql (?1 bound to id) reads straight from the SQLite file at path: the
 * statement, stepped to it; *raw is the connection (finalize, then close both). */
static sqlite3_stmt *raw_row(const char *path, const char *sql, const char *id, sqlite3 **raw)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, raw), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(*raw, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    return st;
}

/* A database at schema version 1 (no log) is migrated on open: its events are kept and
 * become the log, its mentions and event_articles move to the version-3 keys, and ingest
 * continues after the old head. */
static void test_migration_from_v1(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    char dir[96], path[128];
    old_folder(f, "old", dir, path);

    /* An event as the version-1 store wrote it, at seq 7. */
    struct batch a;
    char eid[33];
    struct pl_buf body;
    old_event(&a, eid, &body);

    /* the event, its mention and its article's report of it, as version 1 kept them */
    static const char *const v1[] = {
        "INSERT INTO events (id, seq, date, src_code, src_country, tgt_code, tgt_country, cameo,"
        " num_articles, num_mentions, first_seen, last_seen, body) VALUES (?3, 7, '2022-05-01',"
        " 'TURGOV', 'TUR', 'SYRREB', 'SYR', '190', 1, 1, 'x', 'x', ?4)",
        "INSERT INTO mentions (id, article_id, xv, event_id, body) VALUES (?2, ?1, 'x1', ?3,"
        " x'00')",
        "INSERT INTO event_articles (event_id, article_id) VALUES (?3, ?1)",
        NULL,
    };
    old_database(path, 1, &a, eid, &body, v1);
    char err[512] = "";
    struct store_db *db = open_sqlite_dir(dir);
    assert_int_equal(store_db_head(db), 7);
    struct got g = {0};
    assert_int_equal(store_db_since(db, 0, NULL, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.seq[0], 7);
    got_release(&g);
    /* A new report of the same event: seq 8, merged with the migrated one. */
    struct batch b;
    batch_init(&b, "0000000000000000000000000000bbb2", "x1");
    mk(batch_add(&b), b.ev.id, "x1", "2022-05-01", "TURGOV", "SYRREB", "190", "Raids.", 0.9);
    struct store_ingest_result r;
    ingest_ok(db, &b, NOW1, &r);
    assert_int_equal(r.first_seq, 8);
    store_ingest_result_release(&r);
    assert_int_equal(store_db_since(db, 7, NULL, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.ev[0].num_articles, 2);
    got_release(&g);
    /* Article a again, coded by a newer extractor: its reporting of the event came through
     * the migration (version 3 rebuilt event_articles), so it is not a new article. */
    struct batch a2;
    batch_init(&a2, a.ev.id, "x2");
    mk(batch_add(&a2), a2.ev.id, "x2", "2022-05-01", "TURGOV", "SYRREB", "190", "Strikes.", 0.9);
    ingest_ok(db, &a2, NOW2, &r);
    assert_int_equal(r.first_seq, 9);
    store_ingest_result_release(&r);
    assert_int_equal(store_db_since(db, 8, NULL, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.ev[0].num_articles, 2);
    assert_int_equal(g.ev[0].num_mentions, 3);
    got_release(&g);
    store_db_close(&db);
    batch_release(&a2);
    /* the migrated mention is there, under the new key, its article numbered (version 1 had
     * no row for it), and the articles stored since come after it */
    sqlite3 *raw;
    sqlite3_stmt *st = raw_row(path,
                               "SELECT count(*), (SELECT sql FROM sqlite_master WHERE"
                               " name = 'mentions'), (SELECT count(*) FROM mentions m"
                               " JOIN articles a ON a.no = m.article_no WHERE a.id = ?1),"
                               " (SELECT group_concat(id, ',') FROM (SELECT id FROM"
                               " articles ORDER BY no)) FROM mentions",
                               a.ev.id, &raw);
    assert_int_equal(sqlite3_column_int(st, 0), 3);
    assert_non_null(strstr((const char *)sqlite3_column_text(st, 1), "(article_no, id)"));
    assert_int_equal(sqlite3_column_int(st, 2), 2); /* the migrated mention and a2's */
    char order[128];
    snprintf(order, sizeof order, "%s,%s", a.ev.id, b.ev.id);
    assert_string_equal((const char *)sqlite3_column_text(st, 3), order);
    sqlite3_finalize(st);
    sqlite3_close(raw);
    pl_buf_release(&body);
    batch_release(&a);
    batch_release(&b);
    f->db = fx_open(f);
}

/* A database at schema version 3, as a version-3 store left it after one batch (article a,
 * extractor x1, its event at seq 7), is migrated on open to keys by article number: the
 * batch is still known (sent again, it gets its first answer), and the article still
 * counts once for its event when a newer extractor codes it again. */
static void test_migration_from_v3(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    char dir[96], path[128], err[512] = "";
    old_folder(f, "v3", dir, path);
    struct batch a;
    char eid[33];
    struct pl_buf body;
    old_event(&a, eid, &body);
    static const char *const v3[] = {
        "INSERT INTO articles (id, url, outlet, title, published, stored_at) VALUES"
        " ('00000000000000000000000000000fff', NULL, NULL, NULL, NULL, '2022-04-30T00:00:00Z')",
        "INSERT INTO articles (id, url, outlet, title, published, stored_at) VALUES"
        " (?1, 'https://news.example/a', 'Example', NULL, NULL, '2022-05-01T00:00:00Z')",
        "INSERT INTO batches (article_id, xv, first_seq, count, mentions, stored_at) VALUES"
        " (?1, 'x1', 7, 1, 1, '2022-05-01T00:00:00Z')",
        "INSERT INTO mentions (id, article_id, xv, event_id, body) VALUES (?2, ?1, 'x1', ?3,"
        " x'00')",
        "INSERT INTO event_articles (event_id, article_id) VALUES (?3, ?1)",
        "INSERT INTO events (id, seq, date, src_code, src_country, tgt_code, tgt_country, cameo,"
        " num_articles, num_mentions, first_seen, last_seen) VALUES (?3, 7, '2022-05-01',"
        " 'TURGOV', 'TUR', 'SYRREB', 'SYR', '190', 1, 1, 'x', 'x')",
        "INSERT INTO log (seq, event_id, body) VALUES (7, ?3, ?4)",
        NULL,
    };
    old_database(path, 3, &a, eid, &body, v3);

    struct store_db *db = open_sqlite_dir(dir);
    struct store_ingest_result r;
    ingest_ok(db, &a, NOW1, &r);
    assert_true(r.replayed);
    assert_int_equal(r.first_seq, 7);
    assert_int_equal(r.count, 1);
    store_ingest_result_release(&r);
    assert_int_equal(store_db_head(db), 7);
    /* The current events (read from the log's rows that are their event's version, since
     * version 5), before and after a merge into the migrated event. */
    struct pl_filter cf = {.cameo = (char[]){"19"}};
    struct got g = {0};
    assert_int_equal(store_db_query(db, 0, &cf, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.seq[0], 7);
    got_release(&g);
    struct batch a2;
    batch_init(&a2, a.ev.id, "x2");
    mk(batch_add(&a2), a2.ev.id, "x2", "2022-05-01", "TURGOV", "SYRREB", "190", "Raids.", 0.9);
    ingest_ok(db, &a2, NOW2, &r);
    assert_false(r.replayed);
    assert_int_equal(r.first_seq, 8);
    store_ingest_result_release(&r);
    assert_int_equal(store_db_since(db, 7, NULL, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.ev[0].num_articles, 1);
    assert_int_equal(g.ev[0].num_mentions, 2);
    got_release(&g);
    for (int filtered = 0; filtered < 2; filtered++) {
        assert_int_equal(
            store_db_query(db, 0, filtered ? &cf : NULL, 10, collect, &g, err, sizeof err), 0);
        assert_int_equal(g.n, 1); /* one event, at its new version */
        assert_int_equal(g.seq[0], 8);
        got_release(&g);
        assert_int_equal(
            store_db_query(db, 8, filtered ? &cf : NULL, 10, collect, &g, err, sizeof err), 0);
        assert_int_equal(g.n, 0);
    }
    store_db_close(&db);
    /* numbered in the order they were stored; a's two mentions under its number */
    sqlite3 *raw;
    sqlite3_stmt *st = raw_row(path,
                               "SELECT a.no, (SELECT count(*) FROM mentions m WHERE"
                               " m.article_no = a.no), (SELECT count(*) FROM batches b"
                               " WHERE b.article_no = a.no), a.url FROM articles a"
                               " WHERE a.id = ?1",
                               a.ev.id, &raw);
    assert_int_equal(sqlite3_column_int(st, 0), 2);
    assert_int_equal(sqlite3_column_int(st, 1), 2);
    assert_int_equal(sqlite3_column_int(st, 2), 2);
    assert_string_equal((const char *)sqlite3_column_text(st, 3), "https://news.example/a");
    sqlite3_finalize(st);
    sqlite3_close(raw);
    pl_buf_release(&body);
    batch_release(&a);
    batch_release(&a2);
    f->db = fx_open(f);
}

/* A database at schema version 5 (events keyed by id; the log without dates), with a dated
 * event at seq 7 and an undated one at seq 8, is migrated on open to events keyed by (date,
 * id): both are found again by new reports (merged, not duplicated), the log has their
 * dates, and the date filters read them by the key index. */
static void test_migration_from_v5(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    char dir[96], path[128], err[512] = "";
    old_folder(f, "v5", dir, path);
    struct batch a;
    char eid[33];
    struct pl_buf body;
    old_event(&a, eid, &body);
    /* the undated event, reported by the same article */
    struct pl_mention *m = batch_add(&a);
    mk(m, a.ev.id, "x1", "2022-05-01", "TURGOV", "SYRREB", "190", "Shells.", 0.8);
    undated(m);
    char uid[33];
    store_event_id(&m->c, uid);
    struct pl_event ue = {.id = uid,
                          .seq = 8,
                          .c = m->c,
                          .num_articles = 1,
                          .num_mentions = 1,
                          .articles = &m->article,
                          .n_articles = 1,
                          .first_seen = (char[]){"2022-05-01T00:00:00Z"},
                          .last_seen = (char[]){"2022-05-01T00:00:00Z"}};
    struct pl_buf ubody;
    pl_buf_init(&ubody);
    assert_int_equal(pl_event_encode(&ue, &ubody, NULL), PL_OK);
    static const char *const v5[] = {
        "INSERT INTO articles (id, url, outlet, title, published, stored_at) VALUES"
        " (?1, 'https://news.example/a', 'Example', NULL, NULL, '2022-05-01T00:00:00Z')",
        "INSERT INTO batches (article_no, xv, first_seq, count, mentions, stored_at) VALUES"
        " (1, 'x1', 7, 2, 2, '2022-05-01T00:00:00Z')",
        "INSERT INTO mentions (article_no, id, xv, event_id, body) VALUES (1, ?2, 'x1', ?3,"
        " x'00')",
        "INSERT INTO event_articles (article_no, event_id) VALUES (1, ?3)",
        "INSERT INTO events (id, seq, date, src_code, src_country, tgt_code, tgt_country, cameo,"
        " num_articles, num_mentions, first_seen, last_seen) VALUES (?3, 7, '2022-05-01',"
        " 'TURGOV', 'TUR', 'SYRREB', 'SYR', '190', 1, 1, 'x', 'x')",
        "INSERT INTO log (seq, event_id, body) VALUES (7, ?3, ?4)",
        NULL,
    };
    old_database(path, 5, &a, eid, &body, v5);
    {
        sqlite3 *raw;
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
        static const char *const u[] = {
            "INSERT INTO mentions (article_no, id, xv, event_id, body) VALUES (1, ?2, 'x1', ?1,"
            " x'00')",
            "INSERT INTO event_articles (article_no, event_id) VALUES (1, ?1)",
            "INSERT INTO events (id, seq, date, src_code, src_country, tgt_code, tgt_country,"
            " cameo, num_articles, num_mentions, first_seen, last_seen) VALUES (?1, 8, NULL,"
            " 'TURGOV', 'TUR', 'SYRREB', 'SYR', '190', 1, 1, 'x', 'x')",
            "INSERT INTO log (seq, event_id, body) VALUES (8, ?1, ?3)",
        };
        for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
            assert_int_equal(sqlite3_prepare_v2(raw, u[i], -1, &st, NULL), SQLITE_OK);
            sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
            if (sqlite3_bind_parameter_count(st) >= 2)
                sqlite3_bind_text(st, 2, m->id, -1, SQLITE_STATIC);
            if (sqlite3_bind_parameter_count(st) >= 3)
                sqlite3_bind_blob(st, 3, ubody.data, (int)ubody.len, SQLITE_STATIC);
            assert_int_equal(sqlite3_step(st), SQLITE_DONE);
            sqlite3_finalize(st);
        }
        sqlite3_close(raw);
    }

    struct store_db *db = open_sqlite_dir(dir);
    assert_int_equal(store_db_head(db), 8);
    /* the same two reports by a newer extractor: both events change, none is new */
    struct batch a2;
    batch_init(&a2, a.ev.id, "x2");
    mk(batch_add(&a2), a2.ev.id, "x2", "2022-05-01", "TURGOV", "SYRREB", "190", "Raids.", 0.9);
    mk(batch_add(&a2), a2.ev.id, "x2", "2022-05-01", "TURGOV", "SYRREB", "190", "Shelling.", 0.8);
    undated(&a2.m[1]);
    struct store_ingest_result r;
    ingest_ok(db, &a2, NOW2, &r);
    assert_int_equal(r.first_seq, 9);
    assert_int_equal(r.count, 2);
    store_ingest_result_release(&r);
    struct got g = {0};
    assert_int_equal(store_db_query(db, 0, NULL, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(g.ev[i].num_mentions, 2);
        assert_int_equal(g.ev[i].num_articles, 1);
    }
    got_release(&g);
    assert_int_equal(query_n(db, &(struct pl_filter){.from = (char[]){"2022-05"}}), 1);
    assert_int_equal(query_n(db, &(struct pl_filter){.to = (char[]){"2022-05-01"}}), 1);
    assert_int_equal(store_db_since(db, 0, &(struct pl_filter){.cameo = (char[]){"19"}}, 10,
                                    collect, &g, err, sizeof err),
                     0);
    assert_int_equal(g.n, 4); /* every version, old and new */
    got_release(&g);
    store_db_close(&db);
    sqlite3 *raw;
    sqlite3_stmt *st = raw_row(path,
                               "SELECT (SELECT count(*) FROM events), (SELECT date FROM log"
                               " WHERE seq = 7), (SELECT date IS NULL FROM log WHERE seq = 8),"
                               " (SELECT count(*) FROM sqlite_master WHERE name IN"
                               " ('events_key', 'events_date')), (SELECT name FROM"
                               " sqlite_master WHERE name = 'events_key' AND ?1 <> '')",
                               eid, &raw);
    assert_int_equal(sqlite3_column_int(st, 0), 2);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "2022-05-01");
    assert_int_equal(sqlite3_column_int(st, 2), 1);
    assert_int_equal(sqlite3_column_int(st, 3), 1); /* the key, not the old date index */
    assert_string_equal((const char *)sqlite3_column_text(st, 4), "events_key");
    sqlite3_finalize(st);
    sqlite3_close(raw);
    pl_buf_release(&ubody);
    pl_buf_release(&body);
    batch_release(&a);
    batch_release(&a2);
    f->db = fx_open(f);
}

/* Runs sql on the PostgreSQL test database; params $1.. are text, NULL-terminated. */
static void pg_run(PGconn *c, const char *sql, ...)
{
    const char *v[8];
    int n = 0;
    va_list ap;
    va_start(ap, sql);
    for (const char *a; n < 8 && (a = va_arg(ap, const char *)) != NULL;)
        v[n++] = a;
    va_end(ap);
    PGresult *r = n ? PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0) : PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("PostgreSQL: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

/* PostgreSQL: a database at schema version 2 (as a version-2 store left it: an event at seq
 * 7 with its mention and its article) is migrated on open; the article's earlier report
 * survives the move of event_articles to the version-3 key. */
static void test_pg_migration_from_v2(void **state)
{
    if (!g_pg)
        skip();
    struct fx *f = *state;
    store_db_close(&f->db);
    pg_reset();
    PGconn *c = PQconnectdb(g_pg);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("PostgreSQL: %s", PQerrorMessage(c));
    for (int v = 0; v < 2; v++) {
        char *sql = store_sql_migration(v, false);
        pg_run(c, sql, (const char *)NULL);
        free(sql);
    }
    pg_run(c,
           "CREATE TABLE parley_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
           " INSERT INTO parley_meta VALUES ('schema_version', '2')",
           (const char *)NULL);
    struct batch a;
    char eid[33];
    struct pl_buf body, hex;
    old_event(&a, eid, &body);
    pl_buf_init(&hex);
    pl_buf_puts(&hex, "\\x");
    for (size_t i = 0; i < body.len; i++)
        pl_buf_printf(&hex, "%02x", (unsigned char)body.data[i]);
    pg_run(c,
           "INSERT INTO events (id, seq, date, src_code, src_country, tgt_code, tgt_country,"
           " cameo, num_articles, num_mentions, first_seen, last_seen) VALUES ($1, 7,"
           " '2022-05-01', 'TURGOV', 'TUR', 'SYRREB', 'SYR', '190', 1, 1, 'x', 'x')",
           eid, (const char *)NULL);
    pg_run(c, "INSERT INTO log (seq, event_id, body) VALUES (7, $1, $2::bytea)", eid, hex.data,
           (const char *)NULL);
    pg_run(c,
           "INSERT INTO mentions (id, article_id, xv, event_id, body) VALUES ($1, $2, 'x1', $3,"
           " '\\x00'::bytea)",
           a.m[0].id, a.ev.id, eid, (const char *)NULL);
    pg_run(c, "INSERT INTO event_articles (event_id, article_id) VALUES ($1, $2)", eid, a.ev.id,
           (const char *)NULL);
    PQfinish(c);

    char err[512] = "";
    f->db = fx_open(f);
    assert_int_equal(store_db_head(f->db), 7);
    /* article a again, from a newer extractor: not a new article for the event */
    struct batch a2;
    batch_init(&a2, a.ev.id, "x2");
    mk(batch_add(&a2), a2.ev.id, "x2", "2022-05-01", "TURGOV", "SYRREB", "190", "Strikes.", 0.9);
    struct store_ingest_result r;
    ingest_ok(f->db, &a2, NOW1, &r);
    assert_int_equal(r.first_seq, 8);
    store_ingest_result_release(&r);
    struct got g = {0};
    assert_int_equal(store_db_since(f->db, 7, NULL, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.ev[0].num_articles, 1);
    assert_int_equal(g.ev[0].num_mentions, 2);
    got_release(&g);
    /* a second article: a new one */
    struct batch b;
    batch_init(&b, "0000000000000000000000000000bbb2", "x2");
    mk(batch_add(&b), b.ev.id, "x2", "2022-05-01", "TURGOV", "SYRREB", "190", "Raids.", 0.9);
    ingest_ok(f->db, &b, NOW2, &r);
    store_ingest_result_release(&r);
    assert_int_equal(store_db_since(f->db, 8, NULL, 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.ev[0].num_articles, 2);
    got_release(&g);
    /* The migrated event, current at its newest version, by every kind of filter (the
     * events table was rebuilt in byte order by migration 5), and unfiltered. */
    struct pl_filter fl[] = {
        {.actor = (char[]){"SYR"}},  {.cameo = (char[]){"19"}},    {.from = (char[]){"2022-05"}},
        {.to = (char[]){"2022-05"}}, {.country = (char[]){"TUR"}}, {0},
    };
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
        assert_int_equal(store_db_query(f->db, 0, &fl[i], 10, collect, &g, err, sizeof err), 0);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.seq[0], 9);
        got_release(&g);
    }
    /* every version of it with a filter: the migrated log row found its event by the date
     * migration 6 gave it */
    assert_int_equal(store_db_since(f->db, 0, &fl[1], 10, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.seq[0], 7);
    got_release(&g);
    pl_buf_release(&body);
    pl_buf_release(&hex);
    batch_release(&a);
    batch_release(&a2);
    batch_release(&b);
}

/* A database from a newer parley, an unknown backend and an unusable folder are refused
 * with a message that says so. */
static void test_refusals(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    store_db_close(&f->db);
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "%s/parley.db", f->dir);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    struct store_db_config cfg = {.backend = (char[]){"sqlite"}, .data_dir = f->dir};
    assert_null(store_db_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "newer"));

    cfg.backend = (char[]){"mysql"};
    assert_null(store_db_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "unknown database backend"));

    char file[128];
    snprintf(file, sizeof file, "%s/afile", f->dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/afile/sub", f->dir);
    cfg.backend = (char[]){"sqlite"};
    cfg.data_dir = sub;
    assert_null(store_db_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "cannot create"));
    assert_int_equal(unlink(path), 0);
    f->db = fx_open(f);
}

/* Read-only (queries and exports): reads the store's file, refuses an older schema without
 * touching it, and refuses a file that is not a parley database. */
static void test_read_only(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    struct batch a;
    batch_init(&a, "0000000000000000000000000000aaa1", "x1");
    mk(batch_add(&a), a.ev.id, "x1", "2024-03-03", "FRAGOV", "DEUGOV", "040", "Met.", 0.5);
    struct store_ingest_result r;
    ingest_ok(f->db, &a, NOW1, &r);
    store_ingest_result_release(&r);
    batch_release(&a);
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "%s/parley.db", f->dir);
    struct store_db_config cfg = {.backend = (char[]){"sqlite"}, .read_only = true, .path = path};
    struct store_db *ro = store_db_open(&cfg, err, sizeof err);
    if (!ro)
        fail_msg("read-only open: %s", err);
    assert_int_equal(store_db_head(ro), 1);
    /* The writer has the event in its log only until it flushes: the reader is told. */
    uint64_t lag = 99;
    assert_int_equal(store_db_unindexed(ro, &lag), 0);
    assert_int_equal(lag, 1);
    assert_int_equal(query_n(ro, NULL), 0);
    assert_int_equal(store_db_flush(f->db, 0, err, sizeof err), 0);
    assert_int_equal(store_db_unindexed(ro, &lag), 0);
    assert_int_equal(lag, 0);
    assert_int_equal(query_n(ro, NULL), 1);
    store_db_close(&ro);

    snprintf(path, sizeof path, "%s/old.db", f->dir);
    assert_int_equal(store_sqlite_migrate_file(path, 1, err, sizeof err), 0);
    assert_null(store_db_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "migrate"));

    snprintf(path, sizeof path, "%s/empty.db", f->dir);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_null(store_db_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "not a parley database"));
}

/* PostgreSQL: a database has one writer; a second store is refused while the first runs. */
/* PostgreSQL: every filter the store writes is served by an index of events (whose columns
 * compare byte by byte, as the filters' prefix and date ranges do), whatever the database's
 * own collation: with sequential scans priced out, no plan reads events whole. */
/* Each filter reads the events it wants by an index (the key's date for dates), on both
 * databases: a plan that reads events whole is a failure. */
static void test_filters_use_indexes(void **state)
{
    struct fx *f = *state;
    struct pl_filter filters[] = {
        {.actor = (char[]){"USAGOV"}},    {.cameo = (char[]){"19"}},
        {.from = (char[]){"2024-01-01"}}, {.to = (char[]){"2024-06"}},
        {.country = (char[]){"USA"}},     {.loc_country = (char[]){"IRN"}},
    };
    PGconn *c = NULL;
    sqlite3 *raw = NULL;
    if (g_pg) {
        c = PQconnectdb(g_pg);
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PQclear(PQexec(c, "SET enable_seqscan = off"));
    } else {
        char path[128];
        snprintf(path, sizeof path, "%s/parley.db", f->dir);
        assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    }
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        struct pl_buf sql, plan;
        pl_buf_init(&sql);
        pl_buf_init(&plan);
        pl_buf_puts(&sql, g_pg ? "EXPLAIN SELECT e.id FROM events e WHERE true"
                               : "EXPLAIN QUERY PLAN SELECT e.id FROM events e WHERE 1");
        struct store_sql_params prm;
        store_sql_filter(&filters[i], &sql, &prm, g_pg != NULL, 1);
        if (g_pg) {
            const char *v[STORE_SQL_MAX_PARAMS];
            for (int k = 0; k < prm.n; k++)
                v[k] = prm.v[k];
            PGresult *r = PQexecParams(c, sql.data, prm.n, NULL, v, NULL, NULL, 0);
            if (PQresultStatus(r) != PGRES_TUPLES_OK)
                fail_msg("%s: %s", sql.data, PQresultErrorMessage(r));
            for (int k = 0; k < PQntuples(r); k++)
                pl_buf_printf(&plan, "%s\n", PQgetvalue(r, k, 0));
            PQclear(r);
        } else {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(raw, sql.data, -1, &st, NULL) != SQLITE_OK)
                fail_msg("%s: %s", sql.data, sqlite3_errmsg(raw));
            for (int k = 0; k < prm.n; k++)
                sqlite3_bind_text(st, k + 1, prm.v[k], -1, SQLITE_STATIC);
            while (sqlite3_step(st) == SQLITE_ROW)
                pl_buf_printf(&plan, "%s\n", (const char *)sqlite3_column_text(st, 3));
            sqlite3_finalize(st);
        }
        /* PostgreSQL says Seq Scan, SQLite "SCAN e" (and "SEARCH e USING INDEX" when not) */
        if (strstr(plan.data, g_pg ? "Seq Scan" : "SCAN e") || !plan.len)
            fail_msg("%s\nreads events whole:\n%s", sql.data, plan.data);
        pl_buf_release(&sql);
        pl_buf_release(&plan);
    }
    if (c)
        PQfinish(c);
    if (raw)
        sqlite3_close(raw);
}

static void test_pg_one_writer(void **state)
{
    struct fx *f = *state;
    if (!g_pg)
        skip();
    char err[512] = "";
    struct store_db_config cfg = {.backend = (char[]){"postgres"}, .conninfo = g_pg};
    assert_null(store_db_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "another parley-store"));
    store_db_close(&f->db);
    struct store_db *db = store_db_open(&cfg, err, sizeof err);
    if (!db)
        fail_msg("after the first closed: %s", err);
    f->db = db;
}

/* SQLite has one writer too: a second store opening the same folder is refused (after
 * trying for 3 s) while the first holds it, a reader is not, and once the first has closed
 * - or died: the kernel lets go of the lock with the process - the next one opens. */
static void test_sqlite_one_writer(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    char err[512] = "", path[128];
    struct store_db_config cfg = {.backend = (char[]){"sqlite"}, .data_dir = f->dir};
    assert_null(store_db_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "another parley-store is writing"));
    snprintf(path, sizeof path, "%s/parley.db", f->dir);
    struct store_db_config ro = {.backend = (char[]){"sqlite"}, .read_only = true, .path = path};
    struct store_db *r = store_db_open(&ro, err, sizeof err);
    assert_non_null(r);
    store_db_close(&r);

    /* A writer killed without closing: its lock goes with it. */
    store_db_close(&f->db);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct store_db *child = store_db_open(&cfg, err, sizeof err);
        _exit(child ? 0 : 1); /* no close */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    f->db = store_db_open(&cfg, err, sizeof err);
    if (!f->db)
        fail_msg("after the first died: %s", err);
}

/* Runs sql on the test's PostgreSQL server through a connection of its own: to the test's
 * database, or (admin) to the server's "postgres" database. */
static void pg_exec(const char *sql, bool admin)
{
    char conninfo[512];
    snprintf(conninfo, sizeof conninfo, "%s%s", g_pg, admin ? " dbname=postgres" : "");
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("PostgreSQL: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

/* Ends every other session on the test's database (the store's): as a server restart or an
 * administrator would. */
#define PG_END_OTHERS                                                                              \
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"                                       \
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"

/* The name of the test's database, quoted for SQL. */
static void pg_dbname(char *out, size_t len)
{
    PGconn *c = PQconnectdb(g_pg);
    PGresult *r = PQexec(c, "SELECT quote_ident(current_database())");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("current_database: %s", PQerrorMessage(c));
    snprintf(out, len, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
}

/* PostgreSQL: a session that ends under the store (the server restarted, an administrator)
 * costs nothing when the server takes connections again at once - the group is stored on a
 * new connection, merging into what the database holds (the cache forgot everything); while
 * the server takes none, the store is told the database is unreachable (not that the batch
 * is bad), keeps nothing half-stored, and goes on when it is back. */
static void test_pg_reconnects(void **state)
{
    struct fx *f = *state;
    if (!g_pg)
        skip();
    const char *arts[3] = {"0000000000000000000000000000f001", "0000000000000000000000000000f002",
                           "0000000000000000000000000000f003"};
    struct batch b[3];
    reports(&b[0], arts[0], (int[]){1}, 1);
    reports(&b[1], arts[1], (int[]){1}, 1);
    reports(&b[2], arts[2], (int[]){2}, 1);
    struct store_ingest_result r;
    char err[512] = "";
    ingest_ok(f->db, &b[0], NOW1, &r); /* seq 1 */
    store_ingest_result_release(&r);

    pg_exec(PG_END_OTHERS, false);
    ingest_ok(f->db, &b[1], NOW2, &r); /* on a new connection: the meeting again, seq 2 */
    assert_int_equal(r.first_seq, 2);
    assert_int_equal(changed_articles(&r), 2);
    store_ingest_result_release(&r);
    assert_int_equal(store_db_redone(f->db), 0);

    char name[128], sql[512];
    pg_dbname(name, sizeof name);
    snprintf(sql, sizeof sql,
             "ALTER DATABASE %s ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid)"
             " FROM pg_stat_activity WHERE datname = '%s'",
             name, name);
    pg_exec(sql, true);
    const struct pl_events *evs[1] = {&b[2].ev};
    struct store_ingest_result res[1];
    int rc = store_db_ingest_group(f->db, evs, 1, NOW2, res, err, sizeof err);
    /* (taken back before any assertion can fail, so that the next tests can connect) */
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS true", name);
    pg_exec(sql, true);
    assert_int_equal(rc, STORE_DB_UNREACHABLE);
    assert_non_null(strstr(err, "unreachable"));
    assert_false(res[0].failed);
    assert_int_equal(res[0].count, 0);
    assert_int_equal(store_db_head(f->db), 2);

    /* Back: the held batch is stored with the next seq, and every version is there once. */
    ingest_ok(f->db, &b[2], NOW2, &r);
    assert_int_equal(r.first_seq, 3);
    store_ingest_result_release(&r);
    struct got g = {0};
    assert_int_equal(store_db_since(f->db, 0, NULL, 64, collect, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 3);
    for (size_t i = 0; i < g.n; i++)
        assert_int_equal(g.seq[i], i + 1);
    got_release(&g);
    ingest_ok(f->db, &b[1], NOW2, &r); /* stored before the cut: answered as then */
    assert_true(r.replayed);
    assert_int_equal(r.first_seq, 2);
    store_ingest_result_release(&r);
    for (int i = 0; i < 3; i++)
        batch_release(&b[i]);
}

int main(void)
{
    g_pg = getenv("PARLEY_TEST_PG");
    if (g_pg && !*g_pg)
        g_pg = NULL;
    if (g_pg)
        fprintf(stderr, "test_store_db: on PostgreSQL (%s)\n", g_pg);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_across_articles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_batch_in_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_statement_in_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_outgrows_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_sees_its_own_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_cache_collisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_mentions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_batch_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undated_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_stops_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_v3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_v5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_migration_from_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_wait_for_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_flush_keeps_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_store_writes_half, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters_use_indexes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_one_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_one_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_reconnects, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
