/* bench_ceilings.c - the ceilings each stage of parley works under, measured on this machine
 * so BENCHMARKS.md can show how far each stage is from its limit:
 *
 *   zmq      raw libzmq throughput, DEALER -> ROUTER over ipc://, at the size of an article
 *            TASK (4 KB) and of a published event (1 KB), messages/s and MB/s;
 *   msgpack  encoding and decoding an article record and an event record alone (parley's
 *            codec, which drives msgpack-c), records/s;
 *   sqlite   plain inserts of 1 KB rows into a WAL database with synchronous=FULL, 640 rows
 *            per transaction (one group commit of the store), with sequential keys and with
 *            random (hashed) keys, rows/s.
 *
 *   bench_ceilings [--seconds S]   (each measurement runs about S seconds, default 2)
 *
 * Prints one key=value line per ceiling. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zmq.h>

#include "pl_base.h"
#include "pl_id.h"
#include "pl_record.h"
#include "pl_util.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double g_secs = 2.0;

/* DEALER -> ROUTER over ipc in one process (two I/O threads): messages of size bytes. */
static void s_zmq(size_t size)
{
    char ep[64];
    snprintf(ep, sizeof ep, "ipc:///tmp/parley-ceil-%ld.sock", (long)getpid());
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2);
    void *r = zmq_socket(ctx, ZMQ_ROUTER), *d = zmq_socket(ctx, ZMQ_DEALER);
    int hwm = 100000, zero = 0;
    zmq_setsockopt(r, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(d, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(r, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind(r, ep) != 0 || zmq_connect(d, ep) != 0) {
        fprintf(stderr, "bench_ceilings: zmq: %s\n", zmq_strerror(zmq_errno()));
        exit(1);
    }
    char *buf = pl_xcalloc(1, size);
    char *in = pl_xmalloc(size + 1);
    char id[256];
    /* warm the connection */
    zmq_send(d, "x", 1, 0);
    zmq_recv(r, id, sizeof id, 0);
    zmq_recv(r, in, size, 0);
    unsigned long n = 0;
    double t0 = s_now(), t;
    do {
        /* a window of 1000 in flight, as a stream is, not one at a time */
        for (int i = 0; i < 1000; i++) {
            zmq_send(d, "TASK", 4, ZMQ_SNDMORE);
            zmq_send(d, buf, size, 0);
        }
        for (int i = 0; i < 1000; i++) {
            zmq_recv(r, id, sizeof id, 0);
            zmq_recv(r, in, 8, 0);
            zmq_recv(r, in, size, 0);
        }
        n += 1000;
        t = s_now() - t0;
    } while (t < g_secs);
    printf("ceiling=zmq transport=ipc bytes=%zu msgs_per_s=%.0f mb_per_s=%.1f\n", size, n / t,
           (double)n * (double)size / t / 1e6);
    free(buf);
    free(in);
    zmq_close(r);
    zmq_close(d);
    zmq_ctx_term(ctx);
}

static void s_codec(void)
{
    /* a 4 KB article, as the fetcher offers it */
    struct pl_buf text;
    pl_buf_init(&text);
    while (text.len < 4000)
        pl_buf_puts(&text, "The foreign ministers met in Geneva on Monday to discuss the talks. ");
    struct pl_article a = {0};
    char id[] = "0123456789abcdef0123456789abcdef", url[] = "https://example.org/news/1",
         fetched[] = "2026-11-22T10:00:00Z";
    a.id = id;
    a.url = url;
    a.fetched_at = fetched;
    a.text = text.data;
    struct pl_buf out;
    pl_buf_init(&out);
    unsigned long n = 0;
    double t0 = s_now(), t;
    do {
        for (int i = 0; i < 1000; i++) {
            pl_buf_clear(&out);
            if (pl_article_encode(&a, &out, NULL) != PL_OK)
                abort();
        }
        n += 1000;
        t = s_now() - t0;
    } while (t < g_secs);
    printf("ceiling=msgpack record=article bytes=%zu encode_per_s=%.0f", out.len, n / t);
    n = 0;
    t0 = s_now();
    do {
        for (int i = 0; i < 1000; i++) {
            struct pl_article d;
            if (pl_article_decode(out.data, out.len, &d, NULL) != PL_OK)
                abort();
            pl_article_release(&d);
        }
        n += 1000;
        t = s_now() - t0;
    } while (t < g_secs);
    printf(" decode_per_s=%.0f\n", n / t);
    pl_buf_release(&text);
    pl_buf_release(&out);
}

static void s_sqlite(bool random_keys)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/parley-ceil-%ld.db", (long)getpid());
    unlink(path);
    sqlite3 *db;
    /* The store's settings: no allocation statistics, no connection mutex. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        exit(1);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;"
                 " CREATE TABLE t (k TEXT PRIMARY KEY, body BLOB NOT NULL)",
                 NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO t (k, body) VALUES (?1, ?2)", -1, &st, NULL);
    char body[1024];
    memset(body, 'x', sizeof body);
    unsigned long n = 0;
    double t0 = s_now(), t;
    do {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        for (int i = 0; i < 640; i++, n++) {
            char key[PL_ID_HEX + 1];
            if (random_keys) {
                char num[24];
                snprintf(num, sizeof num, "%lu", n);
                pl_id_article_content(key, num, strlen(num));
            } else {
                snprintf(key, sizeof key, "%020lu", n);
            }
            sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
            sqlite3_bind_blob(st, 2, body, sizeof body, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                abort();
            sqlite3_reset(st);
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        t = s_now() - t0;
    } while (t < g_secs);
    printf("ceiling=sqlite keys=%s row_bytes=1024 rows_per_txn=640 rows_per_s=%.0f\n",
           random_keys ? "random" : "sequential", n / t);
    sqlite3_finalize(st);
    sqlite3_close(db);
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"seconds", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 's') {
            uint64_t v;
            if (pl_parse_u64(optarg, 1, 600, &v) != 0) {
                fprintf(stderr, "bench_ceilings: --seconds must be 1..600\n");
                return 64;
            }
            g_secs = (double)v;
        } else {
            printf("usage: bench_ceilings [--seconds S]\n");
            return c == 'h' ? 0 : 64;
        }
    }
    s_zmq(4096);
    s_zmq(1024);
    s_codec();
    s_sqlite(false);
    s_sqlite(true);
    return 0;
}
