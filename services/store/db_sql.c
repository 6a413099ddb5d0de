/* db_sql.c - see db_sql.h. */
#include "db_sql.h"

#include <stdio.h>
#include <string.h>

#include "db.h"

/* Version 1: articles, batches, mentions, merged events and the articles reporting them.
 * Version 2: the log of every event version by seq (back-filled with the current versions),
 * so SINCE replays exactly what was published; the events table keeps only the columns the
 * filters need and its seq, the current version's body being the log's row at that seq
 * (written once, not twice: ingest went from about 9,000 to 11,700 mentions/s); an index on
 * the location country.
 * Version 3: the mentions and event_articles keys start with the article, so the rows one
 * batch writes sit together in one or two pages instead of one random page each (their ids
 * are hashes); the unused index on mentions.event_id is gone. Mention ids embed the article
 * id, so (article, id) is as unique as id was. Ingest on SQLite: 7,100 -> 11,800
 * mentions/s on the same run.
 * Version 4: articles get a number in the order they are stored (SQLite: the rowid), and
 * the tables written once a batch - batches, mentions, event_articles - are keyed by it
 * instead of the article's id: a new article's rows go at the end of each of them, where
 * its hash put them at a random page of each (four random pages an article, written out
 * whole at every commit). An article's id is looked up once, in the articles table. Rows
 * whose article had no row of its own (stores before version 2 could leave some) get one.
 * Version 5 (for PostgreSQL): events loses its unique index on seq. A merge changes an
 * event's seq, and on PostgreSQL an update that changes an indexed column writes a new entry
 * into every index of the table (nine), where one that changes none can be a heap-only tuple
 * (HOT) with no index entry at all; the table keeps a fifth of each page free for those.
 * PostgreSQL reads the current events from the log instead: its rows whose seq is their
 * event's current one. Ingest there +20-30%. SQLite, whose update only rewrites the entries
 * of the columns it changes, keeps a plain index on seq and reads the current events by it
 * (from the log, its queries ran at 60% of the speed). PostgreSQL's events columns compare
 * byte by byte (COLLATE "C", SQLite's only order): the filters' prefix and date ranges are
 * written so, and an index in the database's own collation could not serve them - every
 * actor, CAMEO or date filter had read the whole table.
 * Version 6: events are found by (date, id) instead of id. An event's id is a hash, so each
 * new event went into a random page of the id index, and a group commit wrote one page of it
 * for nearly every new event it stored; dates of news events follow the news, so by date
 * first the new entries gather in a few pages (its key is the date or '' when there is none:
 * an index with NULLs could not be searched by equality on both databases). The log gets the
 * event's date for the same lookups, and the date filters use the key index, so the index on
 * date alone is gone. SQLite's log keys its rows by seq itself (INTEGER PRIMARY KEY) instead
 * of a rowid plus an index on seq. Ingest in news order, A/B: SQLite at 100,000 articles
 * 15,700 -> 18,800 mentions/s; PostgreSQL +8-26% at 3,000 and 20,000 articles (its query of
 * all current events, which looks each log row's event up by the longer key, -15% at 3,000).
 * With uniform keys the dates are as random as the ids: no change.
 * Version 7 changes no table: it marks that SQLite's events table may lag behind the log
 * from now on - a merge appends its event's new version to the log, and the events table is
 * brought up to date in bulk, apart from the batches (db.c's s_flush_most), a store catching
 * up from the log when it opens a database its last run left with events unwritten. A parley
 * of version 6 would merge into the table's older versions, so it must refuse the database,
 * as it does a newer schema. Ingest with uniform keys (10,000 articles, group 64): 15,700-
 * 16,800 -> 19,700-24,400 mentions/s, half the bytes written. */
const char *const store_migrations[] = {
    "CREATE TABLE articles (id TEXT PRIMARY KEY, url TEXT, outlet TEXT, title TEXT,"
    " published TEXT, stored_at TEXT NOT NULL);\n"
    "CREATE TABLE batches (article_id TEXT NOT NULL, xv TEXT NOT NULL,"
    " first_seq BIGINT NOT NULL, count BIGINT NOT NULL, mentions BIGINT NOT NULL,"
    " stored_at TEXT NOT NULL, PRIMARY KEY (article_id, xv))%WITHOUT_ROWID%;\n"
    "CREATE TABLE mentions (id TEXT PRIMARY KEY, article_id TEXT NOT NULL, xv TEXT NOT NULL,"
    " event_id TEXT NOT NULL, body BYTEA NOT NULL);\n"
    "CREATE INDEX mentions_event ON mentions (event_id);\n"
    "CREATE TABLE events (id TEXT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE, date TEXT,"
    " src_code TEXT NOT NULL, src_country TEXT, tgt_code TEXT, tgt_country TEXT,"
    " cameo TEXT NOT NULL, loc_country TEXT, num_articles BIGINT NOT NULL,"
    " num_mentions BIGINT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,"
    " body BYTEA NOT NULL);\n"
    "CREATE INDEX events_date ON events (date);\n"
    "CREATE INDEX events_src_code ON events (src_code);\n"
    "CREATE INDEX events_tgt_code ON events (tgt_code);\n"
    "CREATE INDEX events_src_country ON events (src_country);\n"
    "CREATE INDEX events_tgt_country ON events (tgt_country);\n"
    "CREATE INDEX events_cameo ON events (cameo);\n"
    "CREATE TABLE event_articles (event_id TEXT NOT NULL, article_id TEXT NOT NULL,"
    " PRIMARY KEY (event_id, article_id))%WITHOUT_ROWID%",

    "CREATE TABLE log (seq BIGINT PRIMARY KEY, event_id TEXT NOT NULL, body BYTEA NOT NULL);\n"
    "INSERT INTO log (seq, event_id, body) SELECT seq, id, body FROM events;\n"
    "ALTER TABLE events DROP COLUMN body;\n"
    "CREATE INDEX events_loc_country ON events (loc_country)",

    "CREATE TABLE mentions_v3 (id TEXT NOT NULL, article_id TEXT NOT NULL, xv TEXT NOT NULL,"
    " event_id TEXT NOT NULL, body BYTEA NOT NULL, PRIMARY KEY (article_id, id));\n"
    "INSERT INTO mentions_v3 (id, article_id, xv, event_id, body)"
    " SELECT id, article_id, xv, event_id, body FROM mentions;\n"
    "DROP TABLE mentions;\n"
    "ALTER TABLE mentions_v3 RENAME TO mentions;\n"
    "CREATE TABLE event_articles_v3 (event_id TEXT NOT NULL, article_id TEXT NOT NULL,"
    " PRIMARY KEY (article_id, event_id))%WITHOUT_ROWID%;\n"
    "INSERT INTO event_articles_v3 (event_id, article_id)"
    " SELECT event_id, article_id FROM event_articles;\n"
    "DROP TABLE event_articles;\n"
    "ALTER TABLE event_articles_v3 RENAME TO event_articles",

    "CREATE TABLE articles_v4 (no %SERIAL_PK%, id TEXT NOT NULL UNIQUE, url TEXT,"
    " outlet TEXT, title TEXT, published TEXT, stored_at TEXT NOT NULL);\n"
    "INSERT INTO articles_v4 (id, url, outlet, title, published, stored_at)"
    " SELECT id, url, outlet, title, published, stored_at FROM articles ORDER BY stored_at, id;\n"
    "INSERT INTO articles_v4 (id, stored_at) SELECT x.article_id, max(x.stored_at) FROM"
    " (SELECT article_id, stored_at FROM batches UNION ALL SELECT article_id, '' FROM mentions"
    " UNION ALL SELECT article_id, '' FROM event_articles) AS x WHERE NOT EXISTS"
    " (SELECT 1 FROM articles_v4 a WHERE a.id = x.article_id) GROUP BY x.article_id"
    " ORDER BY x.article_id;\n"
    "DROP TABLE articles;\n"
    "ALTER TABLE articles_v4 RENAME TO articles;\n"
    "CREATE TABLE batches_v4 (article_no BIGINT NOT NULL, xv TEXT NOT NULL,"
    " first_seq BIGINT NOT NULL, count BIGINT NOT NULL, mentions BIGINT NOT NULL,"
    " stored_at TEXT NOT NULL, PRIMARY KEY (article_no, xv))%WITHOUT_ROWID%;\n"
    "INSERT INTO batches_v4 (article_no, xv, first_seq, count, mentions, stored_at)"
    " SELECT a.no, b.xv, b.first_seq, b.count, b.mentions, b.stored_at"
    " FROM batches b JOIN articles a ON a.id = b.article_id;\n"
    "DROP TABLE batches;\n"
    "ALTER TABLE batches_v4 RENAME TO batches;\n"
    "CREATE TABLE mentions_v4 (article_no BIGINT NOT NULL, id TEXT NOT NULL, xv TEXT NOT NULL,"
    " event_id TEXT NOT NULL, body BYTEA NOT NULL, PRIMARY KEY (article_no, id));\n"
    "INSERT INTO mentions_v4 (article_no, id, xv, event_id, body)"
    " SELECT a.no, m.id, m.xv, m.event_id, m.body FROM mentions m"
    " JOIN articles a ON a.id = m.article_id ORDER BY a.no, m.id;\n"
    "DROP TABLE mentions;\n"
    "ALTER TABLE mentions_v4 RENAME TO mentions;\n"
    "CREATE TABLE event_articles_v4 (article_no BIGINT NOT NULL, event_id TEXT NOT NULL,"
    " PRIMARY KEY (article_no, event_id))%WITHOUT_ROWID%;\n"
    "INSERT INTO event_articles_v4 (article_no, event_id)"
    " SELECT a.no, e.event_id FROM event_articles e JOIN articles a ON a.id = e.article_id;\n"
    "DROP TABLE event_articles;\n"
    "ALTER TABLE event_articles_v4 RENAME TO event_articles",

    "CREATE TABLE events_v5 (id TEXT%BYTE_ORDER% PRIMARY KEY, seq BIGINT NOT NULL,"
    " date TEXT%BYTE_ORDER%, src_code TEXT%BYTE_ORDER% NOT NULL, src_country TEXT%BYTE_ORDER%,"
    " tgt_code TEXT%BYTE_ORDER%, tgt_country TEXT%BYTE_ORDER%, cameo TEXT%BYTE_ORDER% NOT NULL,"
    " loc_country TEXT%BYTE_ORDER%, num_articles BIGINT NOT NULL,"
    " num_mentions BIGINT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)"
    "%HOT_ROOM%;\n"
    "INSERT INTO events_v5 SELECT id, seq, date, src_code, src_country, tgt_code, tgt_country,"
    " cameo, loc_country, num_articles, num_mentions, first_seen, last_seen FROM events;\n"
    "DROP TABLE events;\n"
    "ALTER TABLE events_v5 RENAME TO events;\n"
    "CREATE INDEX events_date ON events (date);\n"
    "CREATE INDEX events_src_code ON events (src_code);\n"
    "CREATE INDEX events_tgt_code ON events (tgt_code);\n"
    "CREATE INDEX events_src_country ON events (src_country);\n"
    "CREATE INDEX events_tgt_country ON events (tgt_country);\n"
    "CREATE INDEX events_cameo ON events (cameo);\n"
    "CREATE INDEX events_loc_country ON events (loc_country)%SEQ_INDEX%",

    "CREATE TABLE log_v6 (seq %SEQ_PK%, event_id TEXT NOT NULL, date TEXT, body BYTEA NOT NULL);\n"
    "INSERT INTO log_v6 (seq, event_id, date, body) SELECT l.seq, l.event_id, e.date, l.body"
    " FROM log l LEFT JOIN events e ON e.id = l.event_id ORDER BY l.seq;\n"
    "DROP TABLE log;\n"
    "ALTER TABLE log_v6 RENAME TO log;\n"
    "CREATE TABLE events_v6 (id TEXT%BYTE_ORDER% NOT NULL, seq BIGINT NOT NULL,"
    " date TEXT%BYTE_ORDER%, src_code TEXT%BYTE_ORDER% NOT NULL, src_country TEXT%BYTE_ORDER%,"
    " tgt_code TEXT%BYTE_ORDER%, tgt_country TEXT%BYTE_ORDER%, cameo TEXT%BYTE_ORDER% NOT NULL,"
    " loc_country TEXT%BYTE_ORDER%, num_articles BIGINT NOT NULL,"
    " num_mentions BIGINT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)"
    "%HOT_ROOM%;\n"
    "INSERT INTO events_v6 SELECT id, seq, date, src_code, src_country, tgt_code, tgt_country,"
    " cameo, loc_country, num_articles, num_mentions, first_seen, last_seen FROM events"
    " ORDER BY seq;\n"
    "DROP TABLE events;\n"
    "ALTER TABLE events_v6 RENAME TO events;\n"
    "CREATE UNIQUE INDEX events_key ON events ((" STORE_SQL_KEY_DATE(
        "date") "), id);\n"
                "CREATE INDEX events_src_code ON events (src_code);\n"
                "CREATE INDEX events_tgt_code ON events (tgt_code);\n"
                "CREATE INDEX events_src_country ON events (src_country);\n"
                "CREATE INDEX events_tgt_country ON events (tgt_country);\n"
                "CREATE INDEX events_cameo ON events (cameo);\n"
                "CREATE INDEX events_loc_country ON events (loc_country)%SEQ_INDEX%",

    "SELECT 1",
};

_Static_assert(sizeof store_migrations / sizeof store_migrations[0] == STORE_SCHEMA_VERSION,
               "one migration per schema version");

char *store_sql_migration(int i, bool sqlite)
{
    /* What each backend writes for the markers in the migrations. */
    static const char *const markers[][3] = {
        {"%WITHOUT_ROWID%", " WITHOUT ROWID", ""},
        {"%SERIAL_PK%", "INTEGER PRIMARY KEY",
         "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"%HOT_ROOM%", "", " WITH (fillfactor = 80)"},
        {"%SEQ_INDEX%", ";\nCREATE INDEX events_seq ON events (seq)", ""},
        {"%BYTE_ORDER%", "", " COLLATE \"C\""},
        {"%SEQ_PK%", "INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY"},
    };
    struct pl_buf b;
    pl_buf_init(&b);
    const char *p = store_migrations[i];
    for (;;) {
        const char *first = NULL;
        size_t k = 0;
        for (size_t j = 0; j < sizeof markers / sizeof markers[0]; j++) {
            const char *m = strstr(p, markers[j][0]);
            if (m && (!first || m < first))
                first = m, k = j;
        }
        if (!first)
            break;
        pl_buf_append(&b, p, (size_t)(first - p));
        pl_buf_puts(&b, markers[k][sqlite ? 1 : 2]);
        p = first + strlen(markers[k][0]);
    }
    pl_buf_puts(&b, p);
    size_t len;
    return pl_buf_detach(&b, &len);
}

bool store_filter_any(const struct pl_filter *f)
{
    return f && (f->from || f->to || f->actor || f->country || f->cameo || f->loc_country);
}

static void s_ph(struct pl_buf *sql, struct store_sql_params *p, const char *v, bool dollar,
                 int first)
{
    if (p->n >= STORE_SQL_MAX_PARAMS)
        return;
    snprintf(p->v[p->n], sizeof p->v[0], "%s", v);
    p->n++;
    if (dollar)
        pl_buf_printf(sql, "$%d", first + p->n - 1);
    else
        pl_buf_putc(sql, '?');
}

/* col >= prefix AND col < prefix with its last byte raised: a prefix match an index serves.
 * Codes and CAMEO digits are ASCII below 0x7f, so raising the last byte never overflows. */
static void s_prefix(struct pl_buf *sql, struct store_sql_params *p, const char *col,
                     const char *prefix, bool dollar, int first)
{
    char hi[48];
    snprintf(hi, sizeof hi, "%s", prefix);
    size_t n = strlen(hi);
    if (n)
        hi[n - 1]++;
    /* PostgreSQL compares text by the database's locale unless told otherwise. */
    const char *c = dollar ? " COLLATE \"C\"" : "";
    pl_buf_printf(sql, "(%s%s >= ", col, c);
    s_ph(sql, p, prefix, dollar, first);
    pl_buf_printf(sql, " AND %s%s < ", col, c);
    s_ph(sql, p, hi, dollar, first);
    pl_buf_putc(sql, ')');
}

void store_sql_filter(const struct pl_filter *f, struct pl_buf *sql, struct store_sql_params *p,
                      bool dollar, int first)
{
    p->n = 0;
    if (!f)
        return;
    /* Dates by the events' key index, whose first column is the date or '' (none): a date
     * filter never matches ''. "to" 2023-10 includes 2023-10-31: the date is below 2023-11
     * (its last byte raised, as for a prefix). */
    const char *c = dollar ? " COLLATE \"C\"" : "";
    if (f->from) {
        pl_buf_printf(sql, " AND " STORE_SQL_KEY_DATE("e.date") "%s >= ", c);
        s_ph(sql, p, f->from, dollar, first);
    }
    if (f->to) {
        char hi[48];
        snprintf(hi, sizeof hi, "%s", f->to);
        size_t n = strlen(hi);
        if (n)
            hi[n - 1]++;
        pl_buf_printf(sql,
                      " AND " STORE_SQL_KEY_DATE("e.date") "%s > '' AND " STORE_SQL_KEY_DATE(
                          "e.date") "%s < ",
                      c, c);
        s_ph(sql, p, hi, dollar, first);
    }
    if (f->actor) {
        pl_buf_puts(sql, " AND (");
        s_prefix(sql, p, "e.src_code", f->actor, dollar, first);
        pl_buf_puts(sql, " OR ");
        s_prefix(sql, p, "e.tgt_code", f->actor, dollar, first);
        pl_buf_putc(sql, ')');
    }
    if (f->country) {
        pl_buf_puts(sql, " AND (e.src_country = ");
        s_ph(sql, p, f->country, dollar, first);
        pl_buf_puts(sql, " OR e.tgt_country = ");
        s_ph(sql, p, f->country, dollar, first);
        pl_buf_putc(sql, ')');
    }
    if (f->cameo) {
        pl_buf_puts(sql, " AND ");
        s_prefix(sql, p, "e.cameo", f->cameo, dollar, first);
    }
    if (f->loc_country) {
        pl_buf_puts(sql, " AND e.loc_country = ");
        s_ph(sql, p, f->loc_country, dollar, first);
    }
}
