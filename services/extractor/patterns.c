/* patterns.c - loads data/verbs.txt into compiled patterns (see patterns.h). */
#include "patterns.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon_build.h"
#include "pl_base.h"

/* head form -> pattern, sorted by form for binary search */
struct head_entry {
    uint32_t word;
    uint32_t pattern;
    uint8_t form; /* enum head_form */
};

struct patterns {
    struct pattern *p;
    size_t n, cap;
    struct head_entry *heads;
    size_t nheads, capheads;
    uint32_t *first; /* word id -> index of its first head entry, UINT32_MAX none */
    size_t nfirst;   /* word ids covered */
};

static int s_cmp_head(const void *a, const void *b)
{
    const struct head_entry *x = a, *y = b;
    if (x->word != y->word)
        return x->word < y->word ? -1 : 1;
    return x->pattern < y->pattern ? -1 : x->pattern > y->pattern;
}

size_t patterns_for(const struct patterns *p, uint32_t w, struct head_hit *hits, size_t max)
{
    if (w >= p->nfirst || p->first[w] == UINT32_MAX)
        return 0;
    size_t lo = p->first[w];
    size_t n = 0;
    for (size_t k = lo; k < p->nheads && p->heads[k].word == w && n < max; k++)
        hits[n++] = (struct head_hit){p->heads[k].pattern, p->heads[k].form};
    return n;
}

const struct pattern *patterns_get(const struct patterns *p, uint32_t i)
{
    return i < p->n ? &p->p[i] : NULL;
}

size_t patterns_count(const struct patterns *p)
{
    return p->n;
}

void patterns_destroy(struct patterns *p)
{
    if (!p)
        return;
    free(p->p);
    free(p->heads);
    free(p->first);
    free(p);
}

static void s_add_head(struct patterns *ps, struct lexicon *lex, const char *form, uint32_t pat,
                       uint8_t kind)
{
    if (ps->nheads == ps->capheads) {
        ps->capheads = ps->capheads ? ps->capheads * 2 : 256;
        ps->heads = pl_xrealloc(ps->heads, ps->capheads * sizeof *ps->heads);
    }
    ps->heads[ps->nheads++] =
        (struct head_entry){lexicon_intern(lex, form, strlen(form)), pat, kind};
}

static bool s_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Adds the forms of verb base with the given past forms (NULL: regular). */
static void s_verb_forms(struct patterns *ps, struct lexicon *lex, const char *base, char **past,
                         size_t npast, uint32_t pat)
{
    size_t n = strlen(base);
    char buf[96];
    if (n == 0 || n > 60)
        return;
    s_add_head(ps, lex, base, pat, FORM_BASE);
    char last = base[n - 1], prev = n > 1 ? base[n - 2] : 0;
    /* -s */
    if (last == 's' || last == 'x' || last == 'z' ||
        (last == 'h' && (prev == 'c' || prev == 's')) || (last == 'o' && !s_vowel(prev)))
        snprintf(buf, sizeof buf, "%ses", base);
    else if (last == 'y' && !s_vowel(prev))
        snprintf(buf, sizeof buf, "%.*sies", (int)(n - 1), base);
    else
        snprintf(buf, sizeof buf, "%ss", base);
    s_add_head(ps, lex, buf, pat, FORM_S);
    /* -ing: doubling follows the past form when one is given ("stopped" -> "stopping") */
    bool dbl = false;
    for (size_t k = 0; k < npast; k++) {
        size_t m = strlen(past[k]);
        if (m == n + 3 && !strncmp(past[k], base, n) && past[k][n] == last &&
            !strcmp(past[k] + n + 1, "ed"))
            dbl = true;
    }
    if (n > 2 && last == 'e' && prev == 'i')
        snprintf(buf, sizeof buf, "%.*sying", (int)(n - 2), base);
    else if (last == 'e' && prev != 'e' && prev != 'y' && prev != 'o' && n > 2)
        snprintf(buf, sizeof buf, "%.*sing", (int)(n - 1), base);
    else if (dbl)
        snprintf(buf, sizeof buf, "%s%cing", base, last);
    else
        snprintf(buf, sizeof buf, "%sing", base);
    s_add_head(ps, lex, buf, pat, FORM_ING);
    /* past and participle */
    if (npast == 0) {
        if (last == 'e')
            snprintf(buf, sizeof buf, "%sd", base);
        else if (last == 'y' && !s_vowel(prev))
            snprintf(buf, sizeof buf, "%.*sied", (int)(n - 1), base);
        else
            snprintf(buf, sizeof buf, "%sed", base);
        s_add_head(ps, lex, buf, pat, FORM_PAST);
    }
    for (size_t k = 0; k < npast; k++)
        s_add_head(ps, lex, past[k], pat, FORM_PAST);
}

static int s_code(const char *s, char out[5])
{
    size_t n = strlen(s);
    if (n < 2 || n > 4)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return -1;
    memcpy(out, s, n + 1);
    return 0;
}

/* One word of a pattern, normalised as article words are. */
static uint32_t s_word(struct lexicon *lex, struct doc *scratch, const char *w)
{
    size_t n = lexicon_phrase(lex, scratch, w, strlen(w));
    return n == 1 ? scratch->tok[0].id : 0;
}

static int s_compile(struct tsv *t, struct patterns *ps, struct lexicon *lex, struct doc *scratch,
                     struct pattern *p, char *text, char **heads, size_t *nheads, char **past,
                     size_t *npast)
{
    char *save = NULL;
    *nheads = 0;
    *npast = 0;
    (void)ps;
    for (char *tok = strtok_r(text, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (tok[0] == '*') {
            if (*nheads) {
                tsv_error(t, "a pattern has one *verb head");
                return -1;
            }
            char *brace = strchr(tok, '{');
            if (brace) {
                char *close = strchr(brace, '}');
                if (!close || close[1]) {
                    tsv_error(t, "unclosed '{' in '%s'", tok);
                    return -1;
                }
                *close = '\0';
                *brace = '\0';
                char *s2 = NULL;
                for (char *f = strtok_r(brace + 1, ",", &s2); f && *npast < 8;
                     f = strtok_r(NULL, ",", &s2))
                    past[(*npast)++] = f;
            }
            /* alternatives of the head: *meet|gather */
            char *s3 = NULL;
            for (char *h = strtok_r(tok + 1, "|", &s3); h && *nheads < 8;
                 h = strtok_r(NULL, "|", &s3))
                heads[(*nheads)++] = h;
            p->flags |= P_VERB;
            continue;
        }
        if (p->nel >= PATTERN_ELEMS) {
            tsv_error(t, "pattern too long (at most %d elements)", PATTERN_ELEMS);
            return -1;
        }
        struct pelem *e = &p->el[p->nel];
        memset(e, 0, sizeof *e);
        if (!strcmp(tok, "TGT")) {
            e->type = PE_TGT;
        } else if (!strcmp(tok, "PAIR")) {
            e->type = PE_PAIR;
        } else if (!strcmp(tok, "...")) {
            e->type = PE_GAP;
        } else {
            char *w = tok;
            e->type = PE_WORD;
            size_t len = strlen(w);
            if (w[0] == '[') {
                if (len < 3 || w[len - 1] != ']') {
                    tsv_error(t, "unclosed '[' in '%s'", tok);
                    return -1;
                }
                w[len - 1] = '\0';
                w++;
                e->type = PE_OPT;
            }
            char *s4 = NULL;
            for (char *a = strtok_r(w, "|", &s4); a; a = strtok_r(NULL, "|", &s4)) {
                if (e->nwords >= PATTERN_ALTS) {
                    tsv_error(t, "too many alternatives (at most %d)", PATTERN_ALTS);
                    return -1;
                }
                uint32_t id = s_word(lex, scratch, a);
                if (!id) {
                    tsv_error(t, "'%s' is not one word", a);
                    return -1;
                }
                e->words[e->nwords++] = id;
            }
            if (!(p->flags & P_VERB) && *nheads == 0 && p->nel == 0 && e->type == PE_WORD) {
                /* a noun head: its alternatives are the heads */
                for (size_t k = 0; k < e->nwords && *nheads < 8; k++)
                    heads[(*nheads)++] = NULL;
                p->el[0] = *e; /* kept as element 0 and matched at the head */
            }
        }
        p->nel++;
    }
    if (*nheads == 0) {
        tsv_error(t, "pattern has no head (a *verb or a first word)");
        return -1;
    }
    return 0;
}

static int s_options(struct tsv *t, struct pattern *p, char *opts)
{
    char *save = NULL;
    for (char *o = strtok_r(opts, " ", &save); o; o = strtok_r(NULL, " ", &save)) {
        if (!strcmp(o, "sym"))
            p->flags |= P_SYM;
        else if (!strcmp(o, "host"))
            p->flags |= P_HOST;
        else if (!strncmp(o, "intent=", 7) && s_code(o + 7, p->intent) == 0)
            ;
        else if (!strncmp(o, "pair=", 5) && s_code(o + 5, p->pair) == 0)
            ;
        else if (!strncmp(o, "rev=", 4) && s_code(o + 4, p->rev) == 0)
            ;
        else if (!strncmp(o, "agent=", 6) && s_code(o + 6, p->agent) == 0)
            ;
        else {
            tsv_error(t, "unknown option '%s'", o);
            return -1;
        }
    }
    if ((p->flags & P_HOST) && !p->pair[0])
        memcpy(p->pair, "046", 4);
    return 0;
}

struct patterns *patterns_load(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return NULL;
    struct patterns *ps = pl_xcalloc(1, sizeof *ps);
    while (tsv_next(&t)) {
        if (t.nfield < 2) {
            tsv_error(&t, "expected code, pattern and options");
            continue;
        }
        struct pattern p;
        memset(&p, 0, sizeof p);
        p.line = t.line;
        if (s_code(t.field[0], p.code) != 0) {
            tsv_error(&t, "'%s' is not a CAMEO code", t.field[0]);
            continue;
        }
        if (!lexicon_cameo(lex, p.code)) {
            tsv_error(&t, "code %s is not in cameo.txt", p.code);
            continue;
        }
        char *heads[8], *past[8];
        size_t nheads, npast;
        if (s_compile(&t, ps, lex, scratch, &p, t.field[1], heads, &nheads, past, &npast) != 0)
            continue;
        if (t.nfield > 2 && s_options(&t, &p, t.field[2]) != 0)
            continue;
        if ((p.intent[0] && !lexicon_cameo(lex, p.intent)) ||
            (p.pair[0] && !lexicon_cameo(lex, p.pair)) ||
            (p.rev[0] && !lexicon_cameo(lex, p.rev))) {
            tsv_error(&t, "an option names a code that is not in cameo.txt");
            continue;
        }
        if (ps->n == ps->cap) {
            ps->cap = ps->cap ? ps->cap * 2 : 256;
            ps->p = pl_xrealloc(ps->p, ps->cap * sizeof *ps->p);
        }
        uint32_t idx = (uint32_t)ps->n;
        ps->p[ps->n++] = p;
        if (p.flags & P_VERB) {
            /* copies: the forms point into the line buffer, which lives until tsv_close */
            for (size_t k = 0; k < nheads; k++) {
                char base[64];
                size_t bl = 0;
                for (const char *c = heads[k]; *c && bl + 1 < sizeof base; c++)
                    base[bl++] = (char)tolower((unsigned char)*c);
                base[bl] = '\0';
                s_verb_forms(ps, lex, base, k == 0 ? past : NULL, k == 0 ? npast : 0, idx);
            }
        } else {
            const struct pelem *e = &ps->p[idx].el[0];
            for (size_t k = 0; k < e->nwords; k++) {
                if (ps->nheads == ps->capheads) {
                    ps->capheads = ps->capheads ? ps->capheads * 2 : 256;
                    ps->heads = pl_xrealloc(ps->heads, ps->capheads * sizeof *ps->heads);
                }
                ps->heads[ps->nheads++] = (struct head_entry){e->words[k], idx, FORM_NOUN};
            }
        }
    }
    int errors = t.errors;
    tsv_close(&t);
    if (errors) {
        patterns_destroy(ps);
        return NULL;
    }
    qsort(ps->heads, ps->nheads, sizeof *ps->heads, s_cmp_head);
    /* a direct index by word id: one lookup per token instead of a search */
    ps->nfirst = ps->nheads ? ps->heads[ps->nheads - 1].word + 1 : 0;
    ps->first = pl_xmalloc((ps->nfirst ? ps->nfirst : 1) * sizeof *ps->first);
    memset(ps->first, 0xff, (ps->nfirst ? ps->nfirst : 1) * sizeof *ps->first);
    for (size_t k = ps->nheads; k-- > 0;)
        ps->first[ps->heads[k].word] = (uint32_t)k;
    return ps;
}
