/* db_sql.h - SQL shared by the backends: the schema's migrations and the filter clause. */
#ifndef STORE_DB_SQL_H
#define STORE_DB_SQL_H

#include "pl_base.h"
#include "pl_msg.h"

/* migrations[i] takes a database from schema version i to i + 1 (one or more statements
 * separated by ";\n"). Portable SQL, except for markers a backend replaces before running
 * it: %WITHOUT_ROWID% after a table whose primary key is its only lookup (SQLite: "WITHOUT
 * ROWID", one B-tree instead of two; PostgreSQL: nothing); %SERIAL_PK% for a column numbered
 * in insertion order; %HOT_ROOM% after a table updated in place (PostgreSQL: free room in
 * each page for heap-only updates; SQLite: nothing); %SEQ_INDEX% where SQLite indexes the
 * events by seq (PostgreSQL does not); %BYTE_ORDER% after a text column compared byte by
 * byte (PostgreSQL: COLLATE "C"; SQLite's default); %SEQ_PK% for the log's key (SQLite:
 * INTEGER PRIMARY KEY, the rowid itself). See store_sql_migration(). */
extern const char *const store_migrations[];

/* Migration i with the markers replaced, as a heap string (free it). */
char *store_sql_migration(int i, bool sqlite);

/* The first column of the events' key (migration 6): the date column col, or '' for an
 * event without one. Lookups and the date filters write it so, for the index to serve them. */
#define STORE_SQL_KEY_DATE(col) "coalesce(" col ", '')"

#define STORE_SQL_MAX_PARAMS 12

/* The values a filter clause binds, in order. */
struct store_sql_params {
    char v[STORE_SQL_MAX_PARAMS][48];
    int n;
};

/* Appends " AND ..." conditions on the events table (alias e) for every set field of f,
 * with placeholders ("?" for SQLite; "$N" numbered from first_param when dollar). */
void store_sql_filter(const struct pl_filter *f, struct pl_buf *sql, struct store_sql_params *p,
                      bool dollar, int first_param);

/* True when f has a set field. */
bool store_filter_any(const struct pl_filter *f);

#endif
