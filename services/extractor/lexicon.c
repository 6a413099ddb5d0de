/* lexicon.c - see lexicon.h. */
#include "lexicon.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon_build.h"
#include "words.h"
#include "pl_base.h"

#define NO_INDEX UINT32_MAX

struct node {
    struct lx_hit *hits; /* what the phrase ending here denotes */
    uint32_t nhits, caphits;
};

struct lexicon {
    /* vocabulary: open-addressing hash of word ids */
    char **words;   /* id -> normalised word (index 0 unused) */
    uint16_t *wlen; /* id -> length */
    size_t nwords, capwords;
    uint64_t *wslots; /* hash slots: id in the low 32 bits, hash bits above; 0 empty */
    size_t nwslots;
    /* trie: edges (node, word) -> node in an open-addressing hash */
    uint64_t *ekeys;    /* (node << 32 | word) + 1, 0 empty */
    uint32_t *evals;    /* child node */
    size_t nedges, nes; /* used, slots */
    struct node *nodes; /* node 0 is the root */
    size_t nnodes, capnodes;
    size_t nphrases;
    /* tables */
    struct lx_country *countries;
    size_t ncountries, capcountries;
    struct lx_igo *igos;
    size_t nigos, capigos;
    struct lx_agent *agents;
    size_t nagents, capagents;
    struct lx_person *persons;
    size_t npersons, cappersons;
    struct lx_place *places;
    size_t nplaces, capplaces;
    struct lx_cameo *cameo;
    size_t ncameo, capcameo;
    /* person name -> index while loading (open addressing, NO_INDEX empty) */
    uint32_t *pslots;
    size_t npslots;
    /* surname word id -> persons: a sorted array of (word, person) pairs */
    uint64_t *surnames;
    size_t nsurnames;
    uint32_t *surname_persons;
    struct patterns *patterns;
    uint32_t engine[W_COUNT_];      /* ids of the function words of words.h */
    uint8_t *starts;                /* word id -> 1 when it can begin a phrase (lexicon_starts) */
    uint8_t *datewords;             /* word id -> 1 when it can be part of a date expression */
    int16_t cameo_index[5 * 10000]; /* digits * 10000 + value -> cameo entry, -1 none */
    size_t nstarts;
};

#define GROW(arr, n, cap)                                                                          \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            (cap) = (cap) ? (cap)*2 : 64;                                                          \
            (arr) = pl_xrealloc((arr), (cap) * sizeof *(arr));                                     \
        }                                                                                          \
    } while (0)

/* ---- dates ------------------------------------------------------------------------------ */

/* Howard Hinnant's days_from_civil algorithm. */
int32_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

void civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = (int)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static unsigned s_month_days(int y, unsigned m)
{
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* YYYY, YYYY-MM or YYYY-MM-DD; end picks the last day of a partial date. */
static int s_parse_date(const char *s, bool end, int32_t *out)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!(isdigit((unsigned char)s[i]) || ((i == 4 || i == 7) && s[i] == '-')))
            return -1;
    if (n != 4 && n != 7 && n != 10)
        return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = n >= 7 ? (unsigned)((s[5] - '0') * 10 + (s[6] - '0')) : (end ? 12 : 1);
    if (m < 1 || m > 12)
        return -1;
    unsigned d =
        n == 10 ? (unsigned)((s[8] - '0') * 10 + (s[9] - '0')) : (end ? s_month_days(y, m) : 1);
    if (d < 1 || d > s_month_days(y, m))
        return -1;
    *out = days_from_civil(y, m, d);
    return 0;
}

/* ---- vocabulary ------------------------------------------------------------------------- */

static uint64_t s_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void s_wrehash(struct lexicon *lex)
{
    size_t n = lex->nwslots ? lex->nwslots * 2 : 4096;
    uint64_t *slots = pl_xcalloc(n, sizeof *slots);
    for (size_t id = 1; id < lex->nwords; id++) {
        uint64_t h = s_hash(lex->words[id], lex->wlen[id]);
        size_t i = h & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (h & 0xFFFFFFFF00000000ULL) | id;
    }
    free(lex->wslots);
    lex->wslots = slots;
    lex->nwslots = n;
}

uint32_t lexicon_word(const struct lexicon *lex, const char *norm, size_t n)
{
    if (!lex->nwslots)
        return 0;
    uint64_t h = s_hash(norm, n), high = h & 0xFFFFFFFF00000000ULL;
    size_t i = h & (lex->nwslots - 1);
    for (;;) {
        uint64_t slot = lex->wslots[i];
        if (!slot)
            return 0;
        uint32_t id = (uint32_t)slot;
        if ((slot & 0xFFFFFFFF00000000ULL) == high && lex->wlen[id] == n &&
            memcmp(lex->words[id], norm, n) == 0)
            return id;
        i = (i + 1) & (lex->nwslots - 1);
    }
}

uint32_t lexicon_intern(struct lexicon *lex, const char *norm, size_t n)
{
    if (n > 0xFFFF)
        n = 0xFFFF;
    uint32_t id = lexicon_word(lex, norm, n);
    if (id)
        return id;
    if (lex->nwords == 0)
        lex->nwords = 1; /* id 0 means unknown */
    if ((lex->nwords + 1) * 2 > lex->nwslots)
        s_wrehash(lex);
    if (lex->nwords + 1 > lex->capwords) {
        lex->capwords = lex->capwords ? lex->capwords * 2 : 4096;
        lex->words = pl_xrealloc(lex->words, lex->capwords * sizeof *lex->words);
        lex->wlen = pl_xrealloc(lex->wlen, lex->capwords * sizeof *lex->wlen);
    }
    id = (uint32_t)lex->nwords++;
    lex->words[id] = pl_xstrndup(norm, n);
    lex->wlen[id] = (uint16_t)n;
    uint64_t h = s_hash(norm, n);
    size_t i = h & (lex->nwslots - 1);
    while (lex->wslots[i])
        i = (i + 1) & (lex->nwslots - 1);
    lex->wslots[i] = (h & 0xFFFFFFFF00000000ULL) | id;
    return id;
}

bool lexicon_dateword(const struct lexicon *lex, uint32_t w)
{
    return w < lex->nstarts && lex->datewords[w];
}

bool lexicon_starts(const struct lexicon *lex, uint32_t w)
{
    return w < lex->nstarts && lex->starts[w];
}

uint32_t lexicon_id(const struct lexicon *lex, const char *word)
{
    return lexicon_word(lex, word, strlen(word));
}

/* ---- trie ------------------------------------------------------------------------------- */

static uint64_t s_ekey(uint32_t node, uint32_t word)
{
    return (((uint64_t)node << 32) | word) + 1;
}

static size_t s_eslot(const struct lexicon *lex, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 20) & (lex->nes - 1);
}

static uint32_t s_child(const struct lexicon *lex, uint32_t node, uint32_t word)
{
    if (!lex->nes || !word)
        return 0;
    uint64_t key = s_ekey(node, word);
    for (size_t i = s_eslot(lex, key);; i = (i + 1) & (lex->nes - 1)) {
        if (lex->ekeys[i] == key)
            return lex->evals[i];
        if (!lex->ekeys[i])
            return 0;
    }
}

static void s_erehash(struct lexicon *lex)
{
    size_t old = lex->nes;
    uint64_t *ok = lex->ekeys;
    uint32_t *ov = lex->evals;
    lex->nes = old ? old * 2 : 8192;
    lex->ekeys = pl_xcalloc(lex->nes, sizeof *lex->ekeys);
    lex->evals = pl_xcalloc(lex->nes, sizeof *lex->evals);
    for (size_t i = 0; i < old; i++) {
        if (!ok[i])
            continue;
        size_t j = s_eslot(lex, ok[i]);
        while (lex->ekeys[j])
            j = (j + 1) & (lex->nes - 1);
        lex->ekeys[j] = ok[i];
        lex->evals[j] = ov[i];
    }
    free(ok);
    free(ov);
}

static uint32_t s_new_node(struct lexicon *lex)
{
    GROW(lex->nodes, lex->nnodes, lex->capnodes);
    lex->nodes[lex->nnodes] = (struct node){0};
    return (uint32_t)lex->nnodes++;
}

static uint32_t s_add_child(struct lexicon *lex, uint32_t node, uint32_t word)
{
    uint32_t c = s_child(lex, node, word);
    if (c)
        return c;
    if ((lex->nedges + 1) * 2 > lex->nes)
        s_erehash(lex);
    c = s_new_node(lex);
    uint64_t key = s_ekey(node, word);
    size_t i = s_eslot(lex, key);
    while (lex->ekeys[i])
        i = (i + 1) & (lex->nes - 1);
    lex->ekeys[i] = key;
    lex->evals[i] = c;
    lex->nedges++;
    return c;
}

/* Adds phrase s as a name of (kind, ref). Proper names keep the case of their letters as a
 * requirement; common nouns match in any case. */
static void s_add_phrase(struct lexicon *lex, struct doc *scratch, const char *s, uint8_t kind,
                         uint32_t ref, bool proper)
{
    size_t n = lexicon_phrase(lex, scratch, s, strlen(s));
    if (n == 0 || n > 32)
        return;
    uint32_t node = 0, cap = 0, allcap = 0;
    for (size_t i = 0; i < n; i++) {
        const struct token *t = &scratch->tok[i];
        node = s_add_child(lex, node, t->id);
        if (proper && (t->flags & TK_ALLCAP) && t->end - t->start <= 5)
            allcap |= 1u << i; /* acronyms: "US" is not "us", "WHO" not "who" */
        else if (proper && (t->flags & TK_CAP))
            cap |= 1u << i;
    }
    struct node *nd = &lex->nodes[node];
    for (uint32_t k = 0; k < nd->nhits; k++)
        if (nd->hits[k].kind == kind && nd->hits[k].ref == ref)
            return; /* the same name twice */
    GROW(nd->hits, nd->nhits, nd->caphits);
    nd->hits[nd->nhits++] =
        (struct lx_hit){.kind = kind, .ntok = (uint8_t)n, .ref = ref, .cap = cap, .allcap = allcap};
    lex->nphrases++;
}

static bool s_case_fits(const struct lx_hit *h, const struct doc *d, size_t i)
{
    for (size_t k = 0; k < h->ntok; k++) {
        uint8_t f = d->tok[i + k].flags;
        if ((h->allcap >> k) & 1u) {
            if (!(f & TK_ALLCAP))
                return false;
        } else if ((h->cap >> k) & 1u) {
            if (!(f & (TK_CAP | TK_ALLCAP)))
                return false;
        }
    }
    return true;
}

size_t lexicon_match(const struct lexicon *lex, const struct doc *d, size_t i, size_t end,
                     const struct lx_hit **hits, size_t *nhits)
{
    uint32_t path[33];
    size_t depth = 0;
    uint32_t node = 0;
    while (i + depth < end && depth < 32) {
        node = s_child(lex, node, d->tok[i + depth].id);
        if (!node)
            break;
        path[++depth] = node;
    }
    /* Longest first; a length counts when at least one of its hits has the right case. */
    static __thread struct lx_hit keep[64];
    for (; depth > 0; depth--) {
        const struct node *nd = &lex->nodes[path[depth]];
        size_t k = 0;
        for (uint32_t h = 0; h < nd->nhits && k < 64; h++)
            if (s_case_fits(&nd->hits[h], d, i))
                keep[k++] = nd->hits[h];
        if (k) {
            *hits = keep;
            *nhits = k;
            return depth;
        }
    }
    *hits = NULL;
    *nhits = 0;
    return 0;
}

/* ---- phrase tokenising ------------------------------------------------------------------ */

size_t lexicon_phrase(struct lexicon *lex, struct doc *scratch, const char *s, size_t n)
{
    doc_release(scratch);
    if (doc_build_phrase(scratch, s, n) != 0)
        return 0;
    scratch->text = NULL; /* s belongs to the caller */
    for (size_t i = 0; i < scratch->ntok; i++)
        scratch->tok[i].id = lexicon_intern(lex, doc_norm(scratch, i), scratch->tok[i].nlen);
    return scratch->ntok;
}

void lexicon_add_phrase(struct lexicon *lex, struct doc *scratch, const char *s, uint8_t kind,
                        uint32_t ref, bool proper)
{
    s_add_phrase(lex, scratch, s, kind, ref, proper);
}

/* ---- TSV files -------------------------------------------------------------------------- */

int tsv_open(struct tsv *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s:0: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    struct pl_buf b;
    pl_buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pl_buf_append(&b, chunk, n);
    fclose(f);
    t->buf = pl_buf_detach(&b, &t->len);
    if (!pl_utf8_valid(t->buf, t->len, false)) {
        fprintf(stderr, "%s:0: not valid UTF-8\n", path);
        free(t->buf);
        t->buf = NULL;
        return -1;
    }
    return 0;
}

void tsv_error(struct tsv *t, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%u: ", t->path, t->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    t->errors++;
}

static char *s_trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int tsv_next(struct tsv *t)
{
    while (t->pos < t->len) {
        char *line = t->buf + t->pos;
        char *nl = memchr(line, '\n', t->len - t->pos);
        size_t n = nl ? (size_t)(nl - line) : t->len - t->pos;
        t->pos += n + 1;
        t->line++;
        line[n] = '\0';
        if (line[0] == '#')
            continue;
        char *hash = strstr(line, " #");
        if (hash)
            *hash = '\0';
        char *tabhash = strstr(line, "\t#");
        if (tabhash)
            *tabhash = '\0';
        t->nfield = 0;
        char *p = line;
        for (;;) {
            char *tab = strchr(p, '\t');
            if (tab)
                *tab = '\0';
            if (t->nfield < sizeof t->field / sizeof t->field[0])
                t->field[t->nfield++] = s_trim(p);
            if (!tab)
                break;
            p = tab + 1;
        }
        while (t->nfield > 0 && t->field[t->nfield - 1][0] == '\0')
            t->nfield--;
        if (t->nfield == 0)
            continue;
        return 1;
    }
    return 0;
}

void tsv_close(struct tsv *t)
{
    free(t->buf);
    t->buf = NULL;
}

size_t split_list(char *s, char **out, size_t max)
{
    size_t n = 0;
    while (s && *s && n < max) {
        char *semi = strchr(s, ';');
        if (semi)
            *semi = '\0';
        char *item = s_trim(s);
        if (*item)
            out[n++] = item;
        s = semi ? semi + 1 : NULL;
    }
    return n;
}

static const char *s_field(const struct tsv *t, size_t i)
{
    return i < t->nfield ? t->field[i] : "";
}

static bool s_sector_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)s[i]))
            return false;
    return true;
}

/* ---- loaders ---------------------------------------------------------------------------- */

static int s_load_countries(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return -1;
    while (tsv_next(&t)) {
        const char *iso3 = s_field(&t, 0), *iso2 = s_field(&t, 1);
        if (strlen(iso3) != 3 || strlen(iso2) != 2) {
            tsv_error(&t, "expected iso3 and iso2 codes, got '%s' and '%s'", iso3, iso2);
            continue;
        }
        GROW(lex->countries, lex->ncountries, lex->capcountries);
        uint32_t ref = (uint32_t)lex->ncountries++;
        struct lx_country *c = &lex->countries[ref];
        memset(c, 0, sizeof *c);
        memcpy(c->iso3, iso3, 4);
        memcpy(c->iso2, iso2, 3);
        c->capital = NO_INDEX;
        c->lat = c->lon = 0;
        char *items[64];
        static const uint8_t kinds[] = {LX_COUNTRY, LX_COUNTRY_ADJ, LX_DEMONYM, LX_GOVWORD};
        for (size_t col = 0; col < 4; col++) {
            size_t n = split_list(t.field[2 + col < t.nfield ? 2 + col : 0], items, 64);
            if (2 + col >= t.nfield)
                n = 0;
            if (col == 0) {
                if (n == 0) {
                    tsv_error(&t, "country '%s' has no name", iso3);
                    c->name = pl_xstrdup(iso3);
                } else {
                    c->name = pl_xstrdup(items[0]);
                }
            }
            for (size_t k = 0; k < n; k++)
                s_add_phrase(lex, scratch, items[k], kinds[col], ref, true);
        }
        const char *ll = s_field(&t, 6);
        if (*ll) {
            char *end = NULL;
            c->lat = strtod(ll, &end);
            if (end && *end == ',')
                c->lon = strtod(end + 1, &end);
            if (!end || *end || c->lat < -90 || c->lat > 90 || c->lon < -180 || c->lon > 180)
                tsv_error(&t, "bad lat,lon '%s'", ll);
        }
    }
    int rc = t.errors ? -1 : 0;
    tsv_close(&t);
    return rc;
}

static int s_load_igos(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return -1;
    while (tsv_next(&t)) {
        const char *code = s_field(&t, 0);
        char *items[64];
        size_t n = t.nfield > 1 ? split_list(t.field[1], items, 64) : 0;
        if (!*code || n == 0) {
            tsv_error(&t, "expected a code and names");
            continue;
        }
        const char *sector = s_field(&t, 2);
        if (*sector && !s_sector_ok(sector)) {
            tsv_error(&t, "bad sector '%s'", sector);
            continue;
        }
        GROW(lex->igos, lex->nigos, lex->capigos);
        uint32_t ref = (uint32_t)lex->nigos++;
        struct lx_igo *g = &lex->igos[ref];
        g->code = pl_xstrdup(code);
        g->name = pl_xstrdup(items[0]);
        snprintf(g->sector, sizeof g->sector, "%s", sector);
        for (size_t k = 0; k < n; k++)
            s_add_phrase(lex, scratch, items[k], LX_IGO, ref, true);
    }
    int rc = t.errors ? -1 : 0;
    tsv_close(&t);
    return rc;
}

static int s_load_agents(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return -1;
    while (tsv_next(&t)) {
        const char *sector = s_field(&t, 1);
        if (!s_sector_ok(sector)) {
            tsv_error(&t, "expected phrases and a sector code, got sector '%s'", sector);
            continue;
        }
        GROW(lex->agents, lex->nagents, lex->capagents);
        uint32_t ref = (uint32_t)lex->nagents++;
        snprintf(lex->agents[ref].sector, sizeof lex->agents[ref].sector, "%s", sector);
        char *items[128];
        size_t n = split_list(t.field[0], items, 128);
        for (size_t k = 0; k < n; k++) {
            /* Lower-case phrases are common nouns; capitalised ones (Knesset) proper. */
            bool proper = isupper((unsigned char)items[k][0]) != 0;
            s_add_phrase(lex, scratch, items[k], LX_AGENT, ref, proper);
        }
    }
    int rc = t.errors ? -1 : 0;
    tsv_close(&t);
    return rc;
}

/* "ii", "vi", "xiv": a regnal number, not a surname */
static bool s_roman(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("ivxl", s[i]))
            return false;
    return true;
}

static uint32_t s_person_by_name(const struct lexicon *lex, const char *name)
{
    if (!lex->npslots)
        return NO_INDEX;
    for (size_t i = s_hash(name, strlen(name)) & (lex->npslots - 1);;
         i = (i + 1) & (lex->npslots - 1)) {
        uint32_t p = lex->pslots[i];
        if (p == NO_INDEX)
            return NO_INDEX;
        if (strcmp(lex->persons[p].name, name) == 0)
            return p;
    }
}

static void s_index_person(struct lexicon *lex, uint32_t ref)
{
    if ((lex->npersons + 1) * 2 > lex->npslots) {
        size_t n = lex->npslots ? lex->npslots * 2 : 4096;
        free(lex->pslots);
        free(lex->starts);
        free(lex->datewords);
        lex->pslots = pl_xmalloc(n * sizeof *lex->pslots);
        memset(lex->pslots, 0xff, n * sizeof *lex->pslots);
        lex->npslots = n;
        for (size_t k = 0; k < lex->npersons; k++)
            if (k != ref) {
                size_t i = s_hash(lex->persons[k].name, strlen(lex->persons[k].name)) & (n - 1);
                while (lex->pslots[i] != NO_INDEX)
                    i = (i + 1) & (n - 1);
                lex->pslots[i] = (uint32_t)k;
            }
    }
    const char *name = lex->persons[ref].name;
    size_t i = s_hash(name, strlen(name)) & (lex->npslots - 1);
    while (lex->pslots[i] != NO_INDEX)
        i = (i + 1) & (lex->npslots - 1);
    lex->pslots[i] = ref;
}

uint32_t lexicon_add_person(struct lexicon *lex, struct doc *scratch, const char *name, bool proper,
                            bool surname)
{
    uint32_t ref = s_person_by_name(lex, name);
    if (ref != NO_INDEX)
        return ref;
    GROW(lex->persons, lex->npersons, lex->cappersons);
    ref = (uint32_t)lex->npersons++;
    struct lx_person *p = &lex->persons[ref];
    memset(p, 0, sizeof *p);
    p->name = pl_xstrdup(name);
    s_index_person(lex, ref);
    size_t n = lexicon_phrase(lex, scratch, name, strlen(name));
    /* the surname is the last word, skipping regnal numbers ("Felipe VI") */
    size_t last = n;
    while (last > 1 && s_roman(doc_norm(scratch, last - 1), scratch->tok[last - 1].nlen))
        last--;
    p->surname = surname && last >= 2 && last == n ? scratch->tok[last - 1].id : 0;
    s_add_phrase(lex, scratch, name, LX_PERSON, ref, proper);
    return ref;
}

void lexicon_add_role(struct lexicon *lex, uint32_t person, const char *country, const char *sector,
                      int32_t from, int32_t to)
{
    struct lx_person *p = &lex->persons[person];
    p->roles = pl_xrealloc(p->roles, (p->nroles + 1) * sizeof *p->roles);
    struct lx_role *r = &p->roles[p->nroles++];
    r->country = pl_xstrdup(country);
    snprintf(r->sector, sizeof r->sector, "%s", sector);
    r->from = from;
    r->to = to;
}

uint32_t lexicon_add_agent(struct lexicon *lex, const char *sector)
{
    GROW(lex->agents, lex->nagents, lex->capagents);
    uint32_t ref = (uint32_t)lex->nagents++;
    snprintf(lex->agents[ref].sector, sizeof lex->agents[ref].sector, "%s", sector);
    return ref;
}

static int s_load_people_file(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return -1;
    while (tsv_next(&t)) {
        const char *name = s_field(&t, 0), *country = s_field(&t, 2), *sector = s_field(&t, 3);
        const char *from = s_field(&t, 4), *to = s_field(&t, 5);
        if (!*name || !*country) {
            tsv_error(&t, "expected name, aliases, country, sector, from, to, role");
            continue;
        }
        if (*sector && !s_sector_ok(sector)) {
            tsv_error(&t, "bad sector '%s'", sector);
            continue;
        }
        struct lx_role role = {.from = INT32_MIN, .to = INT32_MAX};
        if (*from && s_parse_date(from, false, &role.from) != 0) {
            tsv_error(&t, "bad date '%s'", from);
            continue;
        }
        if (*to && s_parse_date(to, true, &role.to) != 0) {
            tsv_error(&t, "bad date '%s'", to);
            continue;
        }
        if (role.from > role.to) {
            tsv_error(&t, "role ends (%s) before it starts (%s)", to, from);
            continue;
        }
        uint32_t ref = lexicon_add_person(lex, scratch, name, true, true);
        lexicon_add_role(lex, ref, country, sector, role.from, role.to);
        char *aliases = t.nfield > 1 ? t.field[1] : NULL;
        char *items[32];
        size_t n = split_list(aliases, items, 32);
        for (size_t k = 0; k < n; k++)
            s_add_phrase(lex, scratch, items[k], LX_PERSON, ref, true);
    }
    int rc = t.errors ? -1 : 0;
    tsv_close(&t);
    return rc;
}

/* groups.txt: organised non-state actors (armed groups, movements, parties), coded by the
 * country and sector they act for. They are stored as people without surnames. */
static int s_load_groups(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return -1;
    while (tsv_next(&t)) {
        char *items[32];
        size_t n = split_list(t.field[0], items, 32);
        const char *country = s_field(&t, 1), *sector = s_field(&t, 2);
        if (n == 0 || !*country || !s_sector_ok(sector)) {
            tsv_error(&t, "expected names, country and sector");
            continue;
        }
        uint32_t ref = lexicon_add_person(lex, scratch, items[0], true, false);
        lexicon_add_role(lex, ref, country, sector, INT32_MIN, INT32_MAX);
        for (size_t k = 1; k < n; k++)
            s_add_phrase(lex, scratch, items[k], LX_PERSON, ref, true);
    }
    int rc = t.errors ? -1 : 0;
    tsv_close(&t);
    return rc;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int s_load_people(struct lexicon *lex, struct doc *scratch, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/people", dir);
    DIR *dp = opendir(path);
    if (!dp) {
        fprintf(stderr, "%s:0: cannot read folder: %s\n", path, strerror(errno));
        return -1;
    }
    char *names[256] = {NULL};
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 4 && !strcmp(e->d_name + len - 4, ".txt") && e->d_name[0] != '.')
            names[n++] = pl_xstrdup(e->d_name);
    }
    closedir(dp);
    qsort(names, n, sizeof names[0], s_cmp_str); /* a stable order: loads are reproducible */
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char file[4352];
        snprintf(file, sizeof file, "%s/%s", path, names[i]);
        rc |= s_load_people_file(lex, scratch, file);
        free(names[i]);
    }
    return rc;
}

static int s_load_gazetteer(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return -1;
    while (tsv_next(&t)) {
        if (t.nfield < 4) {
            tsv_error(&t, "expected name, country, lat, lon, population, kind");
            continue;
        }
        GROW(lex->places, lex->nplaces, lex->capplaces);
        uint32_t ref = (uint32_t)lex->nplaces;
        struct lx_place *p = &lex->places[ref];
        memset(p, 0, sizeof *p);
        char *end1 = NULL, *end2 = NULL;
        double lat = strtod(t.field[2], &end1), lon = strtod(t.field[3], &end2);
        if (strlen(t.field[1]) != 3 || *end1 || *end2 || lat < -90 || lat > 90 || lon < -180 ||
            lon > 180) {
            tsv_error(&t, "bad country or coordinates");
            continue;
        }
        lex->nplaces++;
        p->name = pl_xstrdup(t.field[0]);
        memcpy(p->iso3, t.field[1], 4);
        p->lat = (float)lat;
        p->lon = (float)lon;
        p->pop = (uint32_t)strtoul(s_field(&t, 4), NULL, 10);
        const char *kind = s_field(&t, 5);
        p->kind = !strcmp(kind, "capital") ? 2 : !strcmp(kind, "admin") ? 1 : 0;
        s_add_phrase(lex, scratch, p->name, LX_PLACE, ref, true);
    }
    int rc = t.errors ? -1 : 0;
    tsv_close(&t);
    return rc;
}

uint32_t lexicon_place_in(const struct lexicon *lex, const char *name, const char *iso3)
{
    /* walk the trie along the name's words; the node's place hits are the candidates */
    struct doc d;
    if (doc_build_phrase(&d, name, strlen(name)) != 0)
        return NO_INDEX;
    uint32_t node = 0;
    for (size_t i = 0; i < d.ntok && node != NO_INDEX; i++) {
        uint32_t w = lexicon_word(lex, doc_norm(&d, i), d.tok[i].nlen);
        node = w ? s_child(lex, node, w) : 0;
        if (!node)
            node = NO_INDEX;
    }
    doc_release(&d);
    uint32_t best = NO_INDEX;
    if (node == NO_INDEX || node == 0)
        return best;
    const struct node *nd = &lex->nodes[node];
    for (uint32_t k = 0; k < nd->nhits; k++) {
        const struct lx_hit *h = &nd->hits[k];
        if (h->kind != LX_PLACE)
            continue;
        const struct lx_place *p = &lex->places[h->ref];
        if (strcmp(p->iso3, iso3) == 0 && strcmp(p->name, name) == 0 &&
            (best == NO_INDEX || p->pop > lex->places[best].pop))
            best = h->ref;
    }
    return best;
}

static int s_load_places(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return -1;
    while (tsv_next(&t)) {
        const char *alias = s_field(&t, 0), *name = s_field(&t, 1), *iso3 = s_field(&t, 2);
        uint32_t ref = lexicon_place_in(lex, name, iso3);
        if (ref == NO_INDEX) {
            tsv_error(&t, "no place '%s' in %s in the gazetteer", name, iso3);
            continue;
        }
        /* "the Kremlin": the article is part of the name people write */
        s_add_phrase(lex, scratch, alias, LX_PLACE, ref, true);
        if (!strncmp(alias, "the ", 4))
            s_add_phrase(lex, scratch, alias + 4, LX_PLACE, ref, true);
    }
    int rc = t.errors ? -1 : 0;
    tsv_close(&t);
    return rc;
}

/* "043" -> 3 * 10000 + 43: the digits count, so "04" and "004" differ. */
static int s_cameo_key(const char *code)
{
    int v = 0, n = 0;
    for (; code[n]; n++) {
        if (n >= 4 || code[n] < '0' || code[n] > '9')
            return -1;
        v = v * 10 + (code[n] - '0');
    }
    return n >= 2 ? n * 10000 + v : -1;
}

static int s_load_cameo(struct lexicon *lex, const char *path)
{
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return -1;
    while (tsv_next(&t)) {
        const char *code = s_field(&t, 0);
        size_t n = strlen(code);
        char *end = NULL;
        double g = strtod(s_field(&t, 1), &end);
        long quad = strtol(s_field(&t, 2), NULL, 10);
        bool digits = n >= 2 && n <= 4;
        for (size_t i = 0; i < n; i++)
            digits = digits && isdigit((unsigned char)code[i]);
        if (!digits || !end || *end || g < -10 || g > 10 || quad < 1 || quad > 4) {
            tsv_error(&t, "expected code, goldstein, quad, plover, name");
            continue;
        }
        GROW(lex->cameo, lex->ncameo, lex->capcameo);
        struct lx_cameo *c = &lex->cameo[lex->ncameo++];
        memcpy(c->code, code, n + 1);
        c->goldstein = (float)g;
        c->quad = (uint8_t)quad;
        const char *plover = s_field(&t, 3);
        c->plover = *plover ? pl_xstrdup(plover) : NULL;
        c->name = pl_xstrdup(s_field(&t, 4));
        int k = s_cameo_key(c->code);
        if (lex->cameo_index[k] >= 0) {
            tsv_error(&t, "code %s appears twice", c->code);
            continue;
        }
        lex->cameo_index[k] = (int16_t)(lex->ncameo - 1);
    }
    int rc = t.errors ? -1 : 0;
    tsv_close(&t);
    return rc;
}

/* DIR/import/: PETRARCH/TABARI dictionaries users bring, read in their own formats. Files
 * whose name holds "agents" are agent dictionaries, the rest actor dictionaries. The folder
 * is optional. */
static int s_load_imports(struct lexicon *lex, struct doc *scratch, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/import", dir);
    DIR *dp = opendir(path);
    if (!dp)
        return 0;
    char *names[256] = {NULL};
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL && n < 256)
        if (e->d_name[0] != '.')
            names[n++] = pl_xstrdup(e->d_name);
    closedir(dp);
    qsort(names, n, sizeof names[0], s_cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char file[4352];
        snprintf(file, sizeof file, "%s/%s", path, names[i]);
        if (strstr(names[i], "agents"))
            rc |= lexicon_import_agents(lex, scratch, file);
        else
            rc |= lexicon_import_actors(lex, scratch, file);
        free(names[i]);
    }
    return rc;
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void s_index_surnames(struct lexicon *lex)
{
    lex->surnames = pl_xcalloc(lex->npersons + 1, sizeof *lex->surnames);
    lex->surname_persons = pl_xcalloc(lex->npersons + 1, sizeof *lex->surname_persons);
    size_t n = 0;
    for (size_t i = 0; i < lex->npersons; i++)
        if (lex->persons[i].surname)
            lex->surnames[n++] = ((uint64_t)lex->persons[i].surname << 32) | i;
    qsort(lex->surnames, n, sizeof *lex->surnames, s_cmp_u64);
    for (size_t i = 0; i < n; i++)
        lex->surname_persons[i] = (uint32_t)lex->surnames[i];
    lex->nsurnames = n;
}

size_t lexicon_surname(const struct lexicon *lex, uint32_t w, const uint32_t **persons)
{
    size_t lo = 0, hi = lex->nsurnames;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((lex->surnames[mid] >> 32) < w)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = lo;
    while (k < lex->nsurnames && (lex->surnames[k] >> 32) == w)
        k++;
    *persons = lex->surname_persons + lo;
    return k - lo;
}

struct lexicon *lexicon_load(const char *dir)
{
    struct lexicon *lex = pl_xcalloc(1, sizeof *lex);
    s_new_node(lex); /* the root */
    memset(lex->cameo_index, 0xff, sizeof lex->cameo_index);
    for (int w = 0; w < W_COUNT_; w++)
        lex->engine[w] = lexicon_intern(lex, engine_word_text[w], strlen(engine_word_text[w]));
    struct doc scratch;
    memset(&scratch, 0, sizeof scratch);
    char path[4096];
    int rc = 0;
#define PATH(name) (snprintf(path, sizeof path, "%s/%s", dir, name), path)
    rc |= s_load_countries(lex, &scratch, PATH("countries.txt"));
    rc |= s_load_igos(lex, &scratch, PATH("igos.txt"));
    rc |= s_load_agents(lex, &scratch, PATH("agents.txt"));
    rc |= s_load_people(lex, &scratch, dir);
    rc |= s_load_groups(lex, &scratch, PATH("groups.txt"));
    rc |= s_load_gazetteer(lex, &scratch, PATH("gazetteer.tsv"));
    rc |= s_load_places(lex, &scratch, PATH("places.txt"));
    rc |= s_load_cameo(lex, PATH("cameo.txt"));
    if (rc == 0)
        rc |= s_load_imports(lex, &scratch, dir);
    if (rc == 0) {
        lex->patterns = patterns_load(lex, &scratch, PATH("verbs.txt"));
        if (!lex->patterns)
            rc = -1;
    }
#undef PATH
    doc_release(&scratch);
    if (rc != 0) {
        lexicon_destroy(&lex);
        return NULL;
    }
    s_index_surnames(lex);
    /* words that begin a phrase: the root's children, plus the chunker's own openers */
    lex->nstarts = lex->nwords;
    lex->starts = pl_xcalloc(lex->nstarts ? lex->nstarts : 1, 1);
    for (size_t i = 0; i < lex->nes; i++)
        if (lex->ekeys[i] && ((lex->ekeys[i] - 1) >> 32) == 0)
            lex->starts[(uint32_t)(lex->ekeys[i] - 1)] = 1;
    static const enum engine_word openers[] = {
        W_THE,    W_A,   W_AN,    W_HIS,  W_HER,  W_THEIR,       W_ITS,         W_OUR,
        W_BOTH,   W_TWO, W_THREE, W_ALL,  W_NEW,  W_TOP,         W_ACTING,      W_DEPUTY,
        W_FORMER, W_HE,  W_SHE,   W_THEY, W_THEM, W_COUNTERPART, W_COUNTERPARTS};
    for (size_t k = 0; k < sizeof openers / sizeof openers[0]; k++)
        lex->starts[lex->engine[openers[k]]] = 1;
    static const enum engine_word dated[] = {
        W_JANUARY, W_FEBRUARY,  W_MARCH,   W_APRIL,     W_MAY,      W_JUNE,      W_JULY,
        W_AUGUST,  W_SEPTEMBER, W_OCTOBER, W_NOVEMBER,  W_DECEMBER, W_JAN,       W_FEB,
        W_MAR,     W_APR,       W_JUN,     W_JUL,       W_AUG,      W_SEP,       W_SEPT,
        W_OCT,     W_NOV,       W_DEC,     W_MONDAY,    W_TUESDAY,  W_WEDNESDAY, W_THURSDAY,
        W_FRIDAY,  W_SATURDAY,  W_SUNDAY,  W_YESTERDAY, W_TODAY,    W_TONIGHT,   W_TOMORROW,
        W_THIS,    W_LAST,      W_ONE,     W_TWO,       W_THREE,    W_FOUR,      W_FIVE,
        W_SIX,     W_SEVEN,     W_EIGHT,   W_NINE,      W_TEN};
    lex->datewords = pl_xcalloc(lex->nstarts ? lex->nstarts : 1, 1);
    for (size_t k = 0; k < sizeof dated / sizeof dated[0]; k++)
        lex->datewords[lex->engine[dated[k]]] = 1;
    /* Each country's capital, for events located "in Armenia" without a city. */
    for (size_t i = 0; i < lex->nplaces; i++) {
        const struct lx_place *p = &lex->places[i];
        if (p->kind != 2)
            continue;
        uint32_t c = lexicon_country_by_iso3(lex, p->iso3);
        if (c != NO_INDEX && lex->countries[c].capital == NO_INDEX)
            lex->countries[c].capital = (uint32_t)i;
    }
    return lex;
}

void lexicon_destroy(struct lexicon **lex_p)
{
    if (!lex_p || !*lex_p)
        return;
    struct lexicon *lex = *lex_p;
    for (size_t i = 1; i < lex->nwords; i++)
        free(lex->words[i]);
    free(lex->words);
    free(lex->wlen);
    free(lex->wslots);
    free(lex->ekeys);
    free(lex->evals);
    for (size_t i = 0; i < lex->nnodes; i++)
        free(lex->nodes[i].hits);
    free(lex->nodes);
    for (size_t i = 0; i < lex->ncountries; i++)
        free(lex->countries[i].name);
    free(lex->countries);
    for (size_t i = 0; i < lex->nigos; i++) {
        free(lex->igos[i].code);
        free(lex->igos[i].name);
    }
    free(lex->igos);
    free(lex->agents);
    for (size_t i = 0; i < lex->npersons; i++) {
        for (size_t k = 0; k < lex->persons[i].nroles; k++)
            free(lex->persons[i].roles[k].country);
        free(lex->persons[i].roles);
        free(lex->persons[i].name);
    }
    free(lex->persons);
    for (size_t i = 0; i < lex->nplaces; i++)
        free(lex->places[i].name);
    free(lex->places);
    for (size_t i = 0; i < lex->ncameo; i++) {
        free(lex->cameo[i].plover);
        free(lex->cameo[i].name);
    }
    free(lex->cameo);
    free(lex->surnames);
    free(lex->surname_persons);
    free(lex->pslots);
    free(lex->starts);
    free(lex->datewords);
    if (lex->patterns)
        patterns_destroy(lex->patterns);
    free(lex);
    *lex_p = NULL;
}

const struct lx_country *lexicon_country(const struct lexicon *lex, uint32_t i)
{
    return i < lex->ncountries ? &lex->countries[i] : NULL;
}

const struct lx_igo *lexicon_igo(const struct lexicon *lex, uint32_t i)
{
    return i < lex->nigos ? &lex->igos[i] : NULL;
}

const struct lx_agent *lexicon_agent(const struct lexicon *lex, uint32_t i)
{
    return i < lex->nagents ? &lex->agents[i] : NULL;
}

const struct lx_person *lexicon_person(const struct lexicon *lex, uint32_t i)
{
    return i < lex->npersons ? &lex->persons[i] : NULL;
}

const struct lx_place *lexicon_place(const struct lexicon *lex, uint32_t i)
{
    return i < lex->nplaces ? &lex->places[i] : NULL;
}

const struct lx_cameo *lexicon_cameo(const struct lexicon *lex, const char *code)
{
    int k = s_cameo_key(code);
    if (k < 0 || lex->cameo_index[k] < 0)
        return NULL;
    return &lex->cameo[lex->cameo_index[k]];
}

uint32_t lexicon_country_by_iso3(const struct lexicon *lex, const char *iso3)
{
    for (size_t i = 0; i < lex->ncountries; i++)
        if (strcmp(lex->countries[i].iso3, iso3) == 0)
            return (uint32_t)i;
    return NO_INDEX;
}

const uint32_t *lexicon_engine_words(const struct lexicon *lex)
{
    return lex->engine;
}

const char *const engine_word_text[W_COUNT_] = {
#define W(name, text) text,
#include "words.def"
#undef W
};

const struct patterns *lexicon_patterns(const struct lexicon *lex)
{
    return lex->patterns;
}

void lexicon_stats(const struct lexicon *lex, struct lexicon_stats *st)
{
    *st = (struct lexicon_stats){
        .words = lex->nwords ? lex->nwords - 1 : 0,
        .phrases = lex->nphrases,
        .countries = lex->ncountries,
        .igos = lex->nigos,
        .agents = lex->nagents,
        .persons = lex->npersons,
        .places = lex->nplaces,
        .cameo = lex->ncameo,
        .patterns = lex->patterns ? patterns_count(lex->patterns) : 0,
    };
    for (size_t i = 0; i < lex->npersons; i++)
        st->roles += lex->persons[i].nroles;
}
