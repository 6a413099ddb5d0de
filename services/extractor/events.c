/* events.c - see events.h and patterns.h. */
#include "events.h"

#include <string.h>

#include "patterns.h"

#define MAX_CHUNKS     48
#define MAX_DATES      16
#define SUBJECT_WINDOW 24

struct sent_ctx {
    struct xctx *x;
    size_t sb, se; /* token range */
    struct chunk chunks[MAX_CHUNKS];
    size_t nchunks;
    int16_t chunk_start[512]; /* token - sb -> chunk index starting there, -1 none */
    int16_t chunk_cover[512]; /* token - sb -> chunk covering it, -1 none */
    struct xdate dates[MAX_DATES];
    size_t ndates;
    bool caption, title;
    size_t sent; /* the sentence's index */
};

static int s_chunk_starting(const struct sent_ctx *c, size_t i)
{
    return i >= c->sb && i < c->se && i - c->sb < 512 ? c->chunk_start[i - c->sb] : -1;
}

static int s_chunk_covering(const struct sent_ctx *c, size_t i)
{
    return i >= c->sb && i < c->se && i - c->sb < 512 ? c->chunk_cover[i - c->sb] : -1;
}

static bool s_actor_chunk(const struct chunk *ch)
{
    return ch->n > 0 && !ch->place_only && !ch->locative;
}

static bool s_in(const struct xctx *x, size_t i, const enum engine_word *set, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (tok_is(x, i, set[k]))
            return true;
    return false;
}

static bool s_number_word_ev(const struct xctx *x, size_t i)
{
    static const enum engine_word n[] = {W_TWO,   W_THREE, W_FOUR, W_FIVE, W_SIX,
                                         W_SEVEN, W_EIGHT, W_NINE, W_TEN};
    for (size_t k = 0; k < sizeof n / sizeof n[0]; k++)
        if (tok_is(x, i, n[k]))
            return true;
    return false;
}

/* Skips determiners, possessives and quantities before an actor phrase: "the", "its",
 * "12", "more than 150", "dozens of", "at least two". */
static size_t s_skip_det(const struct sent_ctx *c, size_t i)
{
    static const enum engine_word det[] = {
        W_THE,       W_A,    W_AN,    W_HIS,   W_HER,    W_THEIR,   W_ITS,    W_OUR,
        W_MORE,      W_THAN, W_OVER,  W_ABOUT, W_SOME,   W_SEVERAL, W_DOZENS, W_HUNDREDS,
        W_THOUSANDS, W_OF,   W_LEAST, W_AT,    W_ALMOST, W_NEARLY};
    size_t start = i;
    /* "the representatives of Armenian civilians": the group they speak for is the actor */
    if (i + 2 < c->se && tok_is(c->x, i, W_THE))
        i++;
    if (i + 1 < c->se && s_chunk_starting(c, i) < 0 &&
        (tok_is(c->x, i, W_REPRESENTATIVES) || tok_is(c->x, i, W_MEMBERS) ||
         tok_is(c->x, i, W_REPRESENTATIVE)) &&
        tok_is(c->x, i + 1, W_OF))
        i += 2;
    else
        i = start;
    while (i < c->se && i - start < 6 && s_chunk_starting(c, i) < 0 &&
           (s_in(c->x, i, det, sizeof det / sizeof det[0]) || (c->x->doc.tok[i].flags & TK_NUM) ||
            s_number_word_ev(c->x, i)))
        i++;
    return i;
}

/* A match of one pattern at a head. */
struct match {
    int tgt;    /* chunk of TGT, -1 */
    int pair;   /* chunk of PAIR (two actors), -1 */
    int pair2;  /* second chunk when PAIR was "A and B" across chunks, -1 */
    size_t end; /* token after the match */
    bool gap;   /* a gap was used */
};

static bool s_match_from(const struct sent_ctx *c, const struct pattern *p, size_t el, size_t i,
                         struct match *m, bool skip_tgt)
{
    const struct xctx *x = c->x;
    for (; el < p->nel; el++) {
        const struct pelem *e = &p->el[el];
        switch (e->type) {
        case PE_WORD:
        case PE_OPT: {
            bool ok = false;
            if (i < c->se)
                for (size_t k = 0; k < e->nwords; k++)
                    if (x->doc.tok[i].id == e->words[k])
                        ok = true;
            if (ok)
                i++;
            else if (e->type == PE_WORD)
                return false;
            break;
        }
        case PE_GAP:
            for (size_t g = 0; g <= PATTERN_GAP && i + g <= c->se; g++) {
                if (g > 0) {
                    size_t t = i + g - 1;
                    int gch = s_chunk_covering(c, t);
                    if (gch >= 0 && s_actor_chunk(&c->chunks[gch])) {
                        /* a name used as an adjective ("UN sanctions", "Russian strikes") may
                         * be crossed; any other actor ends the gap */
                        const struct chunk *k = &c->chunks[gch];
                        size_t after = k->tok_end;
                        bool adjectival = !k->has_agent && k->a[0].person == NONE &&
                                          after < c->se && (x->doc.tok[after].flags & TK_WORD) &&
                                          !(x->doc.tok[after].flags & (TK_CAP | TK_ALLCAP)) &&
                                          s_chunk_covering(c, after) < 0;
                        if (!adjectival)
                            break;
                    }
                    if (tok_is(x, t, W_SEMI) || tok_is(x, t, W_PERIOD))
                        break;
                }
                struct match save = *m;
                if (s_match_from(c, p, el + 1, i + g, m, skip_tgt)) {
                    m->gap = m->gap || g > 0;
                    return true;
                }
                *m = save;
            }
            return false;
        case PE_TGT: {
            if (skip_tgt)
                break;
            size_t j = s_skip_det(c, i);
            int ch = s_chunk_starting(c, j);
            if (ch < 0 || !s_actor_chunk(&c->chunks[ch]))
                return false;
            m->tgt = ch;
            i = c->chunks[ch].tok_end;
            break;
        }
        case PE_PAIR: {
            size_t j = s_skip_det(c, i);
            int ch = s_chunk_starting(c, j);
            if (ch < 0 || !s_actor_chunk(&c->chunks[ch]))
                return false;
            if (c->chunks[ch].n >= 2) {
                m->pair = ch;
                i = c->chunks[ch].tok_end;
                break;
            }
            /* "Armenia and Azerbaijan" split into two chunks by a name between them */
            size_t k = c->chunks[ch].tok_end;
            /* "A in Karabakh and B": a place phrase may sit between them */
            for (int hop = 0; hop < 2 && k < c->se; hop++) {
                if (tok_is(x, k, W_IN) || tok_is(x, k, W_AT)) {
                    int pl = s_chunk_starting(c, k + 1);
                    if (pl >= 0 && c->chunks[pl].locative) {
                        k = c->chunks[pl].tok_end;
                    } else {
                        /* a place the gazetteer lacks: one or two capitalised words */
                        size_t q = k + 1;
                        while (q < c->se && q < k + 3 && (x->doc.tok[q].flags & TK_CAP) &&
                               s_chunk_covering(c, q) < 0)
                            q++;
                        if (q > k + 1)
                            k = q;
                    }
                }
            }
            if (k < c->se && tok_is(x, k, W_AND)) {
                int ch2 = s_chunk_starting(c, s_skip_det(c, k + 1));
                if (ch2 >= 0 && s_actor_chunk(&c->chunks[ch2])) {
                    m->pair = ch;
                    m->pair2 = ch2;
                    i = c->chunks[ch2].tok_end;
                    break;
                }
            }
            return false;
        }
        }
    }
    m->end = i;
    return true;
}

/* Words after which a verb form is a noun: "the talks", "during talks", "of meetings". */
static bool s_noun_context(const struct sent_ctx *c, size_t i)
{
    static const enum engine_word w[] = {
        W_THE,  W_A,   W_AN,  W_HIS,  W_HER,   W_THEIR,  W_ITS,  W_OUR,     W_DURING,
        W_OF,   W_IN,  W_AT,  W_FOR,  W_AFTER, W_BEFORE, W_WITH, W_BETWEEN, W_ON,
        W_THIS, W_NEW, W_TWO, W_BOTH, W_POSS,  W_ALL,    W_NO};
    return s_in(c->x, i, w, sizeof w / sizeof w[0]);
}

static bool s_determiner_before(const struct sent_ctx *c, size_t i)
{
    static const enum engine_word w[] = {W_THE,   W_A,   W_AN,  W_HIS,  W_HER,
                                         W_THEIR, W_ITS, W_OUR, W_POSS, W_NEWLY};
    return s_in(c->x, i, w, sizeof w / sizeof w[0]);
}

/* Negation or modality between the subject and the head. */
enum mood { MOOD_FACT, MOOD_MODAL, MOOD_NEGATED };

static enum mood s_mood(const struct sent_ctx *c, size_t from, size_t h)
{
    static const enum engine_word neg[] = {W_NOT,      W_NT,     W_NEVER,   W_NO,  W_REFUSED,
                                           W_DECLINED, W_FAILED, W_WITHOUT, W_NOR, W_UNLESS};
    static const enum engine_word modal[] = {
        W_WILL, W_WOULD,   W_MAY,      W_MIGHT,    W_COULD,    W_SHOULD,    W_SHALL,
        W_LL,   W_PLANNED, W_UPCOMING, W_PROPOSED, W_POSSIBLE, W_POTENTIAL, W_FUTURE,
        W_IF,   W_WHETHER, W_MUST,     W_NEED,     W_NEEDS,    W_FEARS,     W_FEAR};
    const struct xctx *x = c->x;
    size_t a = h > c->sb + 6 ? h - 6 : c->sb;
    if (from > a && from <= h)
        a = from;
    else if (from < a)
        a = from;
    enum mood m = MOOD_FACT;
    for (size_t i = a; i < h; i++) {
        if (s_in(x, i, neg, sizeof neg / sizeof neg[0]))
            return MOOD_NEGATED;
        if (s_in(x, i, modal, sizeof modal / sizeof modal[0]))
            m = MOOD_MODAL;
    }
    /* "to meet": an infinitive is an intention, not a fact */
    if (h > c->sb && tok_is(x, h - 1, W_TO))
        m = MOOD_MODAL;
    if (h > c->sb + 1 && tok_is(x, h - 2, W_TO) && !(x->doc.tok[h - 1].flags & TK_PUNCT) &&
        s_chunk_covering(c, h - 1) < 0)
        m = MOOD_MODAL;
    return m;
}

static bool s_passive(const struct sent_ctx *c, size_t h)
{
    static const enum engine_word be[] = {W_WAS, W_WERE, W_BEEN, W_IS, W_ARE, W_BE, W_BEING};
    for (size_t k = 1; k <= 3 && h >= c->sb + k; k++) {
        size_t i = h - k;
        if (s_in(c->x, i, be, sizeof be / sizeof be[0]))
            return true;
        if (!(c->x->doc.tok[i].flags & TK_WORD) || s_chunk_covering(c, i) >= 0)
            return false;
    }
    return false;
}

/* The subject of a verb head: the nearest actor phrase before it in the clause. With objects,
 * actors after prepositions count too ("thanked the Russian side for hosting"). */
static int s_subject_ex(const struct sent_ctx *c, size_t h, bool objects)
{
    size_t stop = h > c->sb + SUBJECT_WINDOW ? h - SUBJECT_WINDOW : c->sb;
    for (size_t i = h; i-- > stop;) {
        if (tok_is(c->x, i, W_SEMI))
            return -1;
        int ch = s_chunk_covering(c, i);
        if (ch >= 0) {
            const struct chunk *k = &c->chunks[ch];
            size_t before = k->tok_start;
            /* an actor after a preposition is an object, not the subject */
            bool quantity =
                before > c->sb + 1 && tok_is(c->x, before - 1, W_OF) &&
                (tok_is(c->x, before - 2, W_THOUSANDS) || tok_is(c->x, before - 2, W_HUNDREDS) ||
                 tok_is(c->x, before - 2, W_DOZENS) || (c->x->doc.tok[before - 2].flags & TK_NUM));
            bool object =
                before > c->sb && !quantity &&
                (tok_is(c->x, before - 1, W_WITH) || tok_is(c->x, before - 1, W_OF) ||
                 tok_is(c->x, before - 1, W_AGAINST) || tok_is(c->x, before - 1, W_BETWEEN) ||
                 tok_is(c->x, before - 1, W_TO) || tok_is(c->x, before - 1, W_FOR) ||
                 tok_is(c->x, before - 1, W_FROM) || tok_is(c->x, before - 1, W_BY));
            if (s_actor_chunk(k) && (!object || objects))
                return ch;
            i = before; /* skip the whole chunk */
        }
    }
    return -1;
}

/* "..., which hosted talks": the phrase before the comma, even a place ("in Iran, which"). */
static int s_relative_subject(const struct sent_ctx *c, size_t h)
{
    size_t i = h;
    while (i > c->sb && i > h - 3 && (c->x->doc.tok[i - 1].flags & TK_WORD) &&
           !tok_is(c->x, i - 1, W_WHICH) && !tok_is(c->x, i - 1, W_WHO) &&
           s_chunk_covering(c, i - 1) < 0)
        i--; /* "which also hosted", "who then met" */
    if (i < c->sb + 3 || !(tok_is(c->x, i - 1, W_WHICH) || tok_is(c->x, i - 1, W_WHO)) ||
        !tok_is(c->x, i - 2, W_COMMA))
        return -1;
    int ch = s_chunk_covering(c, i - 3);
    return ch >= 0 && c->chunks[ch].n > 0 && c->chunks[ch].tok_end == i - 2 ? ch : -1;
}

static int s_subject(const struct sent_ctx *c, size_t h)
{
    int rel = s_relative_subject(c, h);
    return rel >= 0 ? rel : s_subject_ex(c, h, false);
}

/* The source of a noun head: "Azerbaijan's offensive", "Russian strikes". */
static int s_possessor(const struct sent_ctx *c, size_t h)
{
    size_t i = h;
    if (i > c->sb && tok_is(c->x, i - 1, W_POSS))
        i--;
    if (i == c->sb)
        return -1;
    int ch = s_chunk_covering(c, i - 1);
    return ch >= 0 && s_actor_chunk(&c->chunks[ch]) ? ch : -1;
}

/* "by X" at token i: the agent of a passive or a nominal. */
static int s_by_agent(const struct sent_ctx *c, size_t i)
{
    if (i < c->se && tok_is(c->x, i, W_BY)) {
        int ch = s_chunk_starting(c, s_skip_det(c, i + 1));
        if (ch >= 0 && s_actor_chunk(&c->chunks[ch]))
            return ch;
    }
    return -1;
}

/* The date for an event at head h; fills d. */
static void s_date(const struct sent_ctx *c, size_t h, size_t end, bool modal, struct draft *d)
{
    const struct xctx *x = c->x;
    int best = -1;
    size_t bestdist = (size_t)-1;
    for (size_t k = 0; k < c->ndates; k++) {
        const struct xdate *dt = &c->dates[k];
        size_t dist = dt->tok_start >= h ? dt->tok_start - h : (h - dt->tok_end) * 2 + 1;
        if (dt->tok_start >= end + 12 && dt->tok_start > h + 12)
            continue;
        if (dist < bestdist) {
            bestdist = dist;
            best = (int)k;
        }
    }
    if (best >= 0 && !(modal && c->dates[best].day > x->ref_day)) {
        d->day = c->dates[best].day;
        d->precision = c->dates[best].precision;
        d->basis = 't';
        return;
    }
    if (c->title && x->lede_day != DAY_UNKNOWN && !modal) {
        /* a headline tells the lede's story: the lede's date is its date */
        d->day = x->lede_day;
        d->precision = x->lede_precision;
        d->basis = 't';
        return;
    }
    d->day = x->ref_day;
    d->precision = 'd';
    d->basis = x->ref_basis;
}

/* The place for an event at head h: a location phrase near it, else the dateline. */
static void s_place(const struct sent_ctx *c, size_t h, size_t end, struct draft *d)
{
    int best = -1;
    size_t bestdist = (size_t)-1;
    /* after the head, a place belongs to this clause only up to the next comma or semicolon:
     * "hosts talks, Russia says the issue is resolved in Karabakh" is not at Karabakh */
    size_t clause_end = c->se;
    for (size_t t = end > h + 1 ? end : h + 1; t < c->se; t++)
        if (tok_is(c->x, t, W_COMMA) || tok_is(c->x, t, W_SEMI) || tok_is(c->x, t, W_AS) ||
            tok_is(c->x, t, W_WHILE) || tok_is(c->x, t, W_BUT) || tok_is(c->x, t, W_SAYS) ||
            tok_is(c->x, t, W_SAID)) {
            clause_end = t; /* "hosts talks as Russia says ... in Karabakh" */
            break;
        }
    for (size_t k = 0; k < c->nchunks; k++) {
        const struct chunk *ch = &c->chunks[k];
        if (!ch->locative || (ch->place == NONE && ch->country_place == NONE))
            continue;
        if (ch->tok_start > h && ch->tok_start >= clause_end)
            continue;
        size_t dist = ch->tok_start >= h ? ch->tok_start - h : (h - ch->tok_end) * 2 + 1;
        if (ch->tok_start >= end + 15 && ch->tok_start > h + 15)
            continue;
        if (dist < bestdist) {
            bestdist = dist;
            best = (int)k;
        }
    }
    d->place = NONE;
    d->country_place = NONE;
    if (best >= 0) {
        d->place = c->chunks[best].place;
        d->country_place = c->chunks[best].country_place;
    } else if (!c->caption) {
        d->place = c->x->dateline_place;
    }
}

static float s_conf(const struct sent_ctx *c, const struct draft *d, const struct match *m,
                    bool passive)
{
    float conf = 0.9f;
    if ((d->src.flags | d->tgt.flags) & A_COREF)
        conf -= 0.2f;
    if (c->caption)
        conf -= 0.15f;
    if (m->gap)
        conf -= 0.1f;
    if (passive)
        conf -= 0.1f;
    if (d->basis != 't')
        conf -= 0.05f;
    return conf < 0.05f ? 0.05f : conf;
}

/* The same actor, or a country and its own government or people. */
static bool s_same(const struct actor *a, const struct actor *b)
{
    if (a->person != NONE || b->person != NONE)
        return a->person == b->person; /* people are told apart by who they are */
    if (strcmp(a->country, b->country) != 0)
        return false;
    return !a->sector[0] || !b->sector[0] || !strcmp(a->sector, b->sector);
}

struct emitter {
    void (*fn)(void *arg, const struct draft *d);
    void *arg;
    const struct sent_ctx *c;
    struct xctx *x;   /* the extraction, for its memory of who did what */
    int prev_src;     /* subject chunk of the last event in this sentence, -1 none */
    size_t prev_head; /* its head token */
    int32_t days[4];  /* extra dates of a coordinated list, with their places */
    char precisions[4];
    uint32_t places[4];
    size_t ndays;
};

/* "on September 21 in Yevlakh and September 24 in Khojaly": one event per date, each at the
 * place that follows it. Fills em->days when the dates after the head form such a list. */
static void s_date_list(struct emitter *em, size_t h)
{
    const struct sent_ctx *c = em->c;
    em->ndays = 0;
    size_t first = (size_t)-1;
    for (size_t k = 0; k < c->ndates; k++)
        if (c->dates[k].tok_start > h && c->dates[k].tok_start < h + 20 &&
            c->dates[k].precision == 'd') {
            first = k;
            break;
        }
    if (first == (size_t)-1)
        return;
    size_t k = first;
    for (;;) {
        if (em->ndays == 4)
            break;
        const struct xdate *d = &c->dates[k];
        /* the place right after this date */
        uint32_t place = NONE;
        size_t t = d->tok_end;
        if (t < c->se && (tok_is(c->x, t, W_IN) || tok_is(c->x, t, W_AT))) {
            int ch = s_chunk_starting(c, t + 1);
            if (ch >= 0 && c->chunks[ch].locative) {
                place = c->chunks[ch].place;
                t = c->chunks[ch].tok_end;
            }
        }
        em->days[em->ndays] = d->day;
        em->precisions[em->ndays] = d->precision;
        em->places[em->ndays] = place;
        em->ndays++;
        /* the next date must follow after "and" or "," */
        if (k + 1 >= c->ndates)
            break;
        const struct xdate *nd = &c->dates[k + 1];
        size_t gap = nd->tok_start - t;
        if (gap == 0 || gap > 2)
            break;
        bool joined = true;
        for (size_t g = t; g < nd->tok_start; g++)
            if (!(tok_is(c->x, g, W_AND) || tok_is(c->x, g, W_COMMA) || tok_is(c->x, g, W_ON)))
                joined = false;
        if (!joined)
            break;
        k++;
    }
    if (em->ndays < 2)
        em->ndays = 0;
}

static void s_emit_one(const struct emitter *em, const struct actor *src, const struct actor *tgt,
                       const char *code, const struct draft *base);

static void s_emit(const struct emitter *em, const struct actor *src, const struct actor *tgt,
                   const char *code, const struct draft *base)
{
    if (em->ndays < 2) {
        s_emit_one(em, src, tgt, code, base);
        return;
    }
    for (size_t k = 0; k < em->ndays; k++) {
        struct draft d = *base;
        d.day = em->days[k];
        d.precision = em->precisions[k];
        d.basis = 't';
        if (em->places[k] != NONE) {
            d.place = em->places[k];
            d.country_place = NONE;
        }
        s_emit_one(em, src, tgt, code, &d);
    }
}

static void s_emit_one(const struct emitter *em, const struct actor *src, const struct actor *tgt,
                       const char *code, const struct draft *base)
{
    if (!src->country[0] && src->person == NONE)
        return;
    if (tgt && !tgt->country[0] && tgt->person == NONE)
        return;
    if (tgt && s_same(src, tgt))
        return; /* nobody acts on themselves */
    struct draft d = *base;
    d.src = *src;
    if (tgt) {
        d.tgt = *tgt;
        d.has_tgt = true;
    } else {
        d.has_tgt = false;
    }
    memcpy(d.code, code, 5);
    em->fn(em->arg, &d);
}

/* One pattern matched at head h: works out who did it to whom and emits the events. */
static void s_apply(struct emitter *em, const struct pattern *p, size_t h, const struct match *m,
                    bool passive)
{
    const struct sent_ctx *c = em->c;
    const struct xctx *x = c->x;
    int src = -1, tgt = m->tgt;
    if (passive) {
        /* "TGT was VERBed by SRC" */
        src = s_by_agent(c, m->end);
        if (src < 0)
            src = s_by_agent(c, h + 1);
        tgt = s_subject(c, h);
        if (src < 0 || tgt < 0)
            return;
    } else if (p->flags & P_VERB) {
        /* a gerund after "for" belongs to the object before it: "thanked Russia for hosting" */
        bool gerund_for = h > c->sb && tok_is(x, h - 1, W_FOR);
        src = s_relative_subject(c, h);
        if (src < 0)
            src = s_subject_ex(c, h, gerund_for);
        /* "visited Russia and signed a deal with Putin": a verb after "and" shares the
         * subject of the verb before it, not that verb's object */
        size_t j = h;
        while (j > c->sb &&
               (tok_is(x, j - 1, W_ALSO) || tok_is(x, j - 1, W_THEN) || tok_is(x, j - 1, W_LATER)))
            j--;
        if (em->prev_src >= 0 && j > c->sb && tok_is(x, j - 1, W_AND) && src >= 0 &&
            c->chunks[src].tok_start > em->prev_head)
            src = em->prev_src;
    } else {
        src = s_possessor(c, h);
        if (src < 0)
            src = s_by_agent(c, m->end);
    }
    size_t from = src >= 0 && c->chunks[src].tok_end <= h ? c->chunks[src].tok_end : c->sb;
    /* a noun head's possessor sits right before it: "possible Israeli strikes" */
    if (!(p->flags & P_VERB) && src >= 0 && c->chunks[src].tok_end <= h)
        from = c->chunks[src].tok_start > c->sb + 4 ? c->chunks[src].tok_start - 4 : c->sb;
    enum mood mood = s_mood(c, from, h);
    if (x->explain)
        fprintf(x->explain, "  pattern %s at \"%.*s\" (verbs.txt:%u)%s%s%s\n", p->code,
                (int)(x->doc.tok[h].end - x->doc.tok[h].start), x->doc.clean + x->doc.tok[h].start,
                p->line, mood == MOOD_NEGATED ? ": negated, no event" : "",
                mood == MOOD_MODAL
                    ? (p->intent[0] ? ": modal, coded as intent" : ": modal, no event")
                    : "",
                src < 0 && !(m->pair >= 0) ? ": no source found" : "");
    if (mood == MOOD_NEGATED)
        return;
    const char *code = p->code;
    if (mood == MOOD_MODAL) {
        if (!p->intent[0])
            return;
        code = p->intent;
    }
    struct draft base;
    memset(&base, 0, sizeof base);
    s_date(c, h, m->end, mood == MOOD_MODAL, &base);
    if (mood == MOOD_MODAL) {
        base.day = x->ref_day;
        base.precision = 'd';
        base.basis = x->ref_basis;
    }
    s_place(c, h, m->end, &base);
    base.confidence = s_conf(c, &base, m, passive);
    if (src >= 0) {
        em->prev_src = src;
        em->prev_head = h;
        /* remember who did it, for later "the blockade", "the invasion" */
        struct xctx *mx = em->x;
        mx->agents[mx->agent_next] = c->chunks[src].a[0];
        memcpy(mx->agent_codes[mx->agent_next], p->code, 5);
        mx->agent_next = (mx->agent_next + 1) % 8;
        if (mx->nagents < 8)
            mx->nagents++;
    }
    if (mood != MOOD_MODAL)
        s_date_list(em, m->end > h + 1 ? m->end - 1 : h);
    else
        em->ndays = 0;

    /* the pair: one chunk of two actors, or two chunks joined by "and" */
    const struct actor *pa = NULL, *pb = NULL;
    if (m->pair >= 0) {
        pa = &c->chunks[m->pair].a[0];
        pb = m->pair2 >= 0 ? &c->chunks[m->pair2].a[0] : &c->chunks[m->pair].a[1];
    }

    if (src < 0) {
        /* no subject: a noun pattern over a pair ("talks between A and B") */
        if (pa && pb)
            s_emit(em, pa, pb, code, &base);
        return;
    }
    const struct chunk *S = &c->chunks[src];
    if (p->flags & P_HOST) {
        if (!pa || !pb)
            return;
        if (base.place == NONE && base.country_place == NONE) {
            /* hosted talks take place at the host's */
            uint32_t ci = lexicon_country_by_iso3(x->lex, S->a[0].country);
            if (ci != NONE)
                base.country_place = ci;
        }
        for (size_t k = 0; k < S->n; k++) {
            s_emit(em, &S->a[k], pa, code, &base);
            s_emit(em, &S->a[k], pb, code, &base);
        }
        if (mood != MOOD_MODAL)
            s_emit(em, pa, pb, p->pair, &base);
        return;
    }
    if (tgt < 0 && p->agent[0]) {
        /* the latest actor of an event with that code: "said the illegal blockade ..." */
        const struct xctx *mx = em->x;
        for (size_t k = 1; k <= mx->nagents; k++) {
            size_t slot = (mx->agent_next + 8 - k) % 8;
            if (strncmp(mx->agent_codes[slot], p->agent, strlen(p->agent)) == 0) {
                struct actor a = mx->agents[slot];
                a.flags |= A_COREF;
                for (size_t i = 0; i < S->n; i++)
                    s_emit(em, &S->a[i], &a, code, &base);
                return;
            }
        }
        return;
    }
    if (tgt >= 0) {
        const struct chunk *T = &c->chunks[tgt];
        for (size_t i = 0; i < S->n; i++)
            for (size_t k = 0; k < T->n; k++) {
                s_emit(em, &S->a[i], &T->a[k], code, &base);
                if (p->rev[0] && mood != MOOD_MODAL)
                    s_emit(em, &T->a[k], &S->a[i], p->rev, &base);
            }
        return;
    }
    if (pa && pb) {
        s_emit(em, pa, pb, code, &base);
        return;
    }
    if ((p->flags & P_SYM) && S->n == 1 && S->tok_start > c->sb + 1 &&
        tok_is(x, S->tok_start - 1, W_AND)) {
        /* "Mirzoyan and Bayramov held negotiations": two chunks joined by "and" */
        int prev = s_chunk_covering(c, S->tok_start - 2);
        if (prev >= 0 && s_actor_chunk(&c->chunks[prev]) && c->chunks[prev].n == 1) {
            s_emit(em, &c->chunks[prev].a[0], &S->a[0], code, &base);
            return;
        }
    }
    if ((p->flags & P_SYM) && S->n >= 2 && !S->joint) {
        /* "Armenia and Azerbaijan met": every pair of them */
        for (size_t i = 0; i < S->n; i++)
            for (size_t k = i + 1; k < S->n; k++)
                s_emit(em, &S->a[i], &S->a[k], code, &base);
        return;
    }
    /* patterns without a target element code the subject alone only when they say so */
    (void)S;
}

/* Tokens [a, b) as text, for explanations. */
static void s_explain_span(FILE *f, const struct xctx *x, size_t a, size_t b)
{
    if (a >= b)
        return;
    const char *p = x->doc.clean + x->doc.tok[a].start;
    int n = (int)(x->doc.tok[b - 1].end - x->doc.tok[a].start);
    fprintf(f, "%.*s", n > 200 ? 200 : n, p);
}

static void s_explain_sentence(const struct sent_ctx *c)
{
    FILE *f = c->x->explain;
    static const char *const kinds[] = {"body", "title", "caption", "meta", "dropped"};
    fprintf(f, "\n[%s] ", kinds[c->x->doc.para[c->x->doc.sent[c->sent].para].kind]);
    s_explain_span(f, c->x, c->sb, c->se);
    fputc('\n', f);
    for (size_t k = 0; k < c->nchunks; k++) {
        const struct chunk *ch = &c->chunks[k];
        fprintf(f, "  phrase \"");
        s_explain_span(f, c->x, ch->tok_start, ch->tok_end);
        fprintf(f, "\"");
        if (ch->place_only || ch->locative) {
            fprintf(f, " -> place");
            if (ch->place != NONE)
                fprintf(f, " %s", lexicon_place(c->x->lex, ch->place)->name);
            if (ch->country_place != NONE)
                fprintf(f, " %s", lexicon_country(c->x->lex, ch->country_place)->iso3);
        }
        for (size_t i = 0; i < ch->n && !ch->place_only; i++) {
            char code[17], country[13], sector[4];
            actor_code(c->x, &ch->a[i], c->x->ref_day, code, country, sector);
            fprintf(f, " -> %s%s", code, (ch->a[i].flags & A_COREF) ? " (resolved)" : "");
        }
        fputc('\n', f);
    }
    for (size_t k = 0; k < c->ndates; k++) {
        char d[16];
        date_format(c->dates[k].day, c->dates[k].precision, d, sizeof d);
        fprintf(f, "  date \"");
        s_explain_span(f, c->x, c->dates[k].tok_start, c->dates[k].tok_end);
        fprintf(f, "\" -> %s\n", d);
    }
}

void events_sentence(struct xctx *x, size_t sent, void (*emit)(void *arg, const struct draft *d),
                     void *arg)
{
    static __thread struct sent_ctx c;
    const struct sentence *s = &x->doc.sent[sent];
    c.x = x;
    c.sent = sent;
    c.sb = s->tok_begin;
    c.se = s->tok_end;
    if (c.se - c.sb > 512)
        c.se = c.sb + 512;
    const struct para *pa = &x->doc.para[s->para];
    c.caption = pa->kind == PARA_CAPTION;
    c.title = pa->kind == PARA_TITLE;
    c.nchunks = actors_find(x, sent, c.chunks, MAX_CHUNKS);
    /* only the sentence's own entries: a full clear per sentence cost more than matching */
    memset(c.chunk_start, -1, (c.se - c.sb) * sizeof c.chunk_start[0]);
    memset(c.chunk_cover, -1, (c.se - c.sb) * sizeof c.chunk_cover[0]);
    for (size_t k = 0; k < c.nchunks; k++) {
        const struct chunk *ch = &c.chunks[k];
        if (ch->tok_start < c.sb || ch->tok_start >= c.se)
            continue;
        c.chunk_start[ch->tok_start - c.sb] = (int16_t)k;
        for (size_t t = ch->tok_start; t < ch->tok_end && t < c.se; t++)
            c.chunk_cover[t - c.sb] = (int16_t)k;
    }
    c.ndates = dates_find(x, sent, c.dates, MAX_DATES);
    if (pa->kind == PARA_META)
        return;
    if (x->explain)
        s_explain_sentence(&c);

    const struct patterns *ps = lexicon_patterns(x->lex);
    struct emitter em = {.fn = emit, .arg = arg, .c = &c, .x = x, .prev_src = -1};
    for (size_t h = c.sb; h < c.se; h++) {
        size_t next = h + 1;
        if (s_chunk_covering(&c, h) >= 0 && s_actor_chunk(&c.chunks[s_chunk_covering(&c, h)]))
            continue; /* a word inside a name is no verb */
        struct head_hit hits[32];
        size_t nh = patterns_for(ps, x->doc.tok[h].id, hits, 32);
        /* the first pattern (in file order) that matches a head wins */
        for (size_t k = 0; k < nh; k++) {
            const struct pattern *p = patterns_get(ps, hits[k].pattern);
            if ((p->flags & P_VERB) && (hits[k].form == FORM_S || hits[k].form == FORM_BASE) &&
                h > c.sb && s_noun_context(&c, h - 1))
                continue; /* "during talks with", "the meeting": a noun, not the verb */
            if ((p->flags & P_VERB) && hits[k].form == FORM_PAST && h > c.sb &&
                s_determiner_before(&c, h - 1))
                continue; /* "the detained Germans", "the occupied territories": adjectives */
            struct match m = {-1, -1, -1, h + 1, false};
            bool passive = (p->flags & P_VERB) && hits[k].form == FORM_PAST && s_passive(&c, h) &&
                           p->nel > 0 && p->el[0].type == PE_TGT;
            size_t first = (p->flags & P_VERB) ? 0 : 1;
            if (!s_match_from(&c, p, first, h + 1, &m, passive))
                continue;
            s_apply(&em, p, h, &m, passive);
            next = m.end; /* the words of a match head nothing else */
            break;
        }
        if (next > h + 1)
            h = next - 1;
    }
}
