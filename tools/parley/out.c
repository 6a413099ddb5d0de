/* out.c - see out.h. */
#include "out.h"

#include <stdio.h>
#include <string.h>

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

void out_emit(struct out *o, const struct pl_event *e)
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

void out_header(const struct out *o)
{
    if (o->format == F_CSV)
        fputs(csv_head, stdout);
    else if (o->format == F_GDELT)
        fputs(gdelt_head, stdout);
    else if (o->format == F_TABLE)
        printf("%8s  %-10s  %-12s %-4s %-12s  %-18s  %3s  %s\n", "seq", "date", "source", "code",
               "target", "where", "art", "evidence");
}

/* Checks a filter value the way the protocol will: a date, a code, a CAMEO prefix. */
bool out_valid_filter(const char *what, const char *v)
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
