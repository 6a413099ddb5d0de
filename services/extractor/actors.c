/* actors.c - finds the actors of a sentence: noun phrases built from country words,
 * organisations, sector nouns and people, and the references that point back to them.
 *
 *   [det] [former] [COUNTRY-ish ('s) (and|,|- COUNTRY-ish)*] [AGENT+ | counterpart(s)]
 *         [PERSON | Capitalised Name] [of|from COUNTRY-ish (and COUNTRY-ish)*]
 *
 * COUNTRY-ish is a country's name or adjective, a word standing for its government, or an
 * international organisation. Pronouns (he, she, they, them), definite descriptions (the
 * minister, the two sides) and bare surnames of people named earlier are resolved from what
 * came before. A chunk after in/at/near... names where, not who.
 */
#include <stdio.h>
#include <string.h>

#include "xctx.h"

/* What a lexicon match at one position offers the chunk grammar. */
struct offer {
    size_t len;     /* tokens */
    int country;    /* country index or -1 */
    int igo;        /* organisation index or -1 */
    bool govword;   /* the country word stands for the government */
    bool adjective; /* an adjective ("Armenian") */
    bool demonym;   /* a people ("Armenians") */
    int agent;      /* agent index or -1 */
    int person;     /* person index or -1 */
    int place;      /* place index or -1 */
};

static struct offer s_offer(const struct xctx *x, size_t i, size_t end)
{
    struct offer o = {0, -1, -1, false, false, false, -1, -1, -1};
    const struct lx_hit *hits;
    size_t n;
    o.len = lexicon_match(x->lex, &x->doc, i, end, &hits, &n);
    for (size_t k = 0; k < n; k++) {
        const struct lx_hit *h = &hits[k];
        switch (h->kind) {
        case LX_COUNTRY:
            o.country = (int)h->ref;
            break;
        case LX_COUNTRY_ADJ:
            if (o.country < 0) {
                o.country = (int)h->ref;
                o.adjective = true;
            }
            break;
        case LX_DEMONYM:
            if (o.country < 0) {
                o.country = (int)h->ref;
                o.demonym = true;
            }
            break;
        case LX_GOVWORD:
            if (o.country < 0) {
                o.country = (int)h->ref;
                o.govword = true;
            }
            break;
        case LX_IGO:
            o.igo = (int)h->ref;
            break;
        case LX_AGENT:
            o.agent = (int)h->ref;
            break;
        case LX_PERSON:
            o.person = (int)h->ref;
            break;
        case LX_PLACE: {
            /* several places share a name: capitals first, then the most populous */
            const struct lx_place *np = lexicon_place(x->lex, h->ref);
            const struct lx_place *op =
                o.place >= 0 ? lexicon_place(x->lex, (uint32_t)o.place) : NULL;
            if (!op || np->kind > op->kind || (np->kind == op->kind && np->pop > op->pop))
                o.place = (int)h->ref;
            break;
        }
        default:
            break;
        }
    }
    /* A country or organisation word is never also a person: imported dictionaries list
     * "ARMENIA_ [ARM]" as an actor entry, and the country reading carries more (sectors,
     * places) */
    if (o.country >= 0 || o.igo >= 0)
        o.person = -1;
    /* "Armenia" is the country, not the Colombian town of that name; a capital standing for
     * its government keeps its place (for "in Moscow") */
    if (o.country >= 0 && !o.govword && !o.adjective && !o.demonym)
        o.place = -1;
    return o;
}

static bool s_countryish(const struct offer *o)
{
    return o->len && (o->country >= 0 || o->igo >= 0) && o->agent < 0 && o->person < 0;
}

static bool s_locative_word(const struct xctx *x, size_t i, bool city)
{
    static const enum engine_word loc[] = {W_IN,     W_NEAR,       W_OUTSIDE, W_INSIDE,
                                           W_ACROSS, W_THROUGHOUT, W_WITHIN};
    for (size_t k = 0; k < sizeof loc / sizeof loc[0]; k++)
        if (tok_is(x, i, loc[k]))
            return true;
    /* "at the Kremlin", "flew to Baku", "returned from Moscow": places when they are cities;
     * "fired at Israel", "aid to Lebanon" name a country as the target */
    return city && (tok_is(x, i, W_AT) || tok_is(x, i, W_TO) || tok_is(x, i, W_FROM) ||
                    tok_is(x, i, W_INTO));
}

static bool s_determiner(const struct xctx *x, size_t i)
{
    static const enum engine_word det[] = {W_THE, W_A,   W_AN,     W_HIS,   W_HER,   W_THEIR,
                                           W_ITS, W_OUR, W_BOTH,   W_TWO,   W_THREE, W_ALL,
                                           W_NEW, W_TOP, W_ACTING, W_DEPUTY};
    for (size_t k = 0; k < sizeof det / sizeof det[0]; k++)
        if (tok_is(x, i, det[k]))
            return true;
    return false;
}

static void s_set_country(const struct xctx *x, struct actor *a, const struct offer *o)
{
    if (o->igo >= 0) {
        const struct lx_igo *g = lexicon_igo(x->lex, (uint32_t)o->igo);
        snprintf(a->country, sizeof a->country, "%s", g->code);
        if (g->sector[0] && !a->sector[0])
            memcpy(a->sector, g->sector, sizeof a->sector);
    } else {
        const struct lx_country *c = lexicon_country(x->lex, (uint32_t)o->country);
        memcpy(a->country, c->iso3, 4);
        if (o->govword)
            memcpy(a->sector, "GOV", 4);
    }
}

static void s_remember_person(struct xctx *x, uint32_t person)
{
    for (size_t i = 0; i < x->nseen; i++)
        if (x->seen_persons[i] == person)
            return;
    if (x->nseen < sizeof x->seen_persons / sizeof x->seen_persons[0])
        x->seen_persons[x->nseen++] = person;
}

/* A bare surname of someone named in full earlier in this article. */
static uint32_t s_surname(const struct xctx *x, size_t i)
{
    const struct token *t = &x->doc.tok[i];
    if (!(t->flags & (TK_CAP | TK_ALLCAP)) || !t->id)
        return NONE;
    const uint32_t *persons;
    size_t n = lexicon_surname(x->lex, t->id, &persons);
    for (size_t k = 0; k < n; k++)
        for (size_t s = 0; s < x->nseen; s++)
            if (x->seen_persons[s] == persons[k])
                return persons[k];
    return NONE;
}

static bool s_is_pair_word(const struct xctx *x, size_t i)
{
    return tok_is(x, i, W_SIDES) || tok_is(x, i, W_PARTIES) || tok_is(x, i, W_COUNTRIES) ||
           tok_is(x, i, W_NATIONS) || tok_is(x, i, W_MINISTERS) || tok_is(x, i, W_LEADERS) ||
           tok_is(x, i, W_DELEGATIONS) || tok_is(x, i, W_GOVERNMENTS) ||
           tok_is(x, i, W_PRESIDENTS) || tok_is(x, i, W_OFFICIALS);
}

/* "the two sides", "both countries", "the sides", "them", "they": the last pair. */
static size_t s_pair_ref(struct xctx *x, size_t i, size_t end, struct chunk *c)
{
    if (!x->pair.set)
        return 0;
    size_t j = i;
    bool counted = false;
    if (tok_is(x, j, W_THEY) || tok_is(x, j, W_THEM)) {
        if (x->group_at > x->pair_at) {
            /* "Armenian separatists reported that they ...": the group, not the pair */
            c->tok_start = (uint32_t)i;
            c->tok_end = (uint32_t)i + 1;
            c->n = 1;
            c->a[0] = x->last_group;
            c->a[0].flags |= A_COREF;
            c->a[0].tok_start = (uint32_t)i;
            c->a[0].tok_end = (uint32_t)i + 1;
            return 1;
        }
        j++;
    } else {
        if (j < end && tok_is(x, j, W_THE))
            j++;
        if (j < end && (tok_is(x, j, W_TWO) || tok_is(x, j, W_BOTH))) {
            j++;
            counted = true;
        }
        if (!(j < end && s_is_pair_word(x, j)))
            return 0;
        /* "the ministers" alone is too vague; "the sides" and "the parties" are not */
        if (!counted && !tok_is(x, j, W_SIDES) && !tok_is(x, j, W_PARTIES))
            return 0;
        j++;
    }
    c->tok_start = (uint32_t)i;
    c->tok_end = (uint32_t)j;
    c->n = 2;
    c->a[0] = x->pair.a;
    c->a[1] = x->pair.b;
    for (int k = 0; k < 2; k++) {
        c->a[k].flags |= A_COREF;
        c->a[k].tok_start = (uint32_t)i;
        c->a[k].tok_end = (uint32_t)j;
    }
    return j - i;
}

/* "of Armenia and Azerbaijan", "from Iran and Turkey" after a sector noun. */
static size_t s_of_countries(const struct xctx *x, size_t pos, size_t end, struct offer *countries,
                             size_t *ncountries)
{
    if (!(pos + 1 < end && (tok_is(x, pos, W_OF) || tok_is(x, pos, W_FROM))))
        return pos;
    size_t q = pos + 1;
    while (q < end && tok_is(x, q, W_THE))
        q++;
    for (;;) {
        if (q >= end)
            break;
        struct offer o = s_offer(x, q, end);
        if (!s_countryish(&o))
            break;
        if (*ncountries < CHUNK_MAX_ACTORS)
            countries[(*ncountries)++] = o;
        q += o.len;
        pos = q;
        if (q + 1 < end && (tok_is(x, q, W_AND) || tok_is(x, q, W_COMMA))) {
            size_t r = q + 1;
            if (r < end && tok_is(x, r, W_AND))
                r++;
            if (r < end) {
                struct offer next = s_offer(x, r, end);
                if (s_countryish(&next)) {
                    q = r;
                    continue;
                }
            }
        }
        break;
    }
    return pos;
}

/* Tries a chunk at token i; returns its length (0 when none starts here). */
static size_t s_chunk_at(struct xctx *x, size_t b, size_t i, size_t end, struct chunk *c)
{
    const struct token *t0 = &x->doc.tok[i];
    if (!lexicon_starts(x->lex, t0->id) && !(t0->flags & (TK_CAP | TK_ALLCAP)))
        return 0; /* a common word that begins nothing */
    memset(c, 0, sizeof *c);
    c->place = NONE;
    c->country_place = NONE;
    size_t pos = i;
    bool former = false;

    size_t pr = s_pair_ref(x, i, end, c);
    if (pr)
        return pr;
    if ((tok_is(x, i, W_HE) || tok_is(x, i, W_SHE)) && x->have_last_person) {
        c->tok_start = (uint32_t)i;
        c->tok_end = (uint32_t)i + 1;
        c->n = 1;
        c->a[0] = x->last_person;
        c->a[0].flags |= A_COREF;
        c->a[0].tok_start = (uint32_t)i;
        c->a[0].tok_end = (uint32_t)i + 1;
        return 1;
    }

    bool possessive_det =
        i > b && (tok_is(x, i - 1, W_ITS) || tok_is(x, i - 1, W_HIS) || tok_is(x, i - 1, W_HER) ||
                  tok_is(x, i - 1, W_THEIR) || tok_is(x, i - 1, W_OUR));
    /* a name may begin with a determiner-like word: "New Zealand", "Top Gear" */
    while (pos < end && s_determiner(x, pos) && s_offer(x, pos, end).len < 2) {
        possessive_det = possessive_det || tok_is(x, pos, W_ITS) || tok_is(x, pos, W_HIS) ||
                         tok_is(x, pos, W_HER) || tok_is(x, pos, W_THEIR) || tok_is(x, pos, W_OUR);
        pos++;
    }
    if (pos < end && tok_is(x, pos, W_FORMER)) {
        former = true;
        pos++;
    }

    struct offer countries[CHUNK_MAX_ACTORS];
    size_t ncountries = 0;
    int sector_agent = -1;
    int person = -1;
    bool counterpart = false, plural = false, demonym = false, hyphen = false;
    uint32_t place = NONE;

    /* countries, coordinated */
    for (;;) {
        if (pos >= end)
            break;
        struct offer o = s_offer(x, pos, end);
        if (!s_countryish(&o))
            break;
        if (ncountries < CHUNK_MAX_ACTORS)
            countries[ncountries++] = o;
        if (o.place >= 0)
            place = (uint32_t)o.place;
        demonym = demonym || o.demonym;
        pos += o.len;
        if (pos < end && tok_is(x, pos, W_POSS))
            pos++;
        /* "Armenia and Azerbaijan", "Armenian-Azerbaijani", "Iran, Russia and Turkey" */
        if (pos + 1 < end && (tok_is(x, pos, W_AND) || tok_is(x, pos, W_COMMA) ||
                              tok_is(x, pos, W_DASH) || tok_is(x, pos, W_SLASH))) {
            size_t q = pos + 1;
            if (q < end && tok_is(x, q, W_AND))
                q++; /* ", and" */
            struct offer next = q < end ? s_offer(x, q, end) : (struct offer){0};
            /* "MOSCOW - Armenia and ...": a dash with spaces is punctuation, not a compound */
            bool joiner = tok_is(x, pos, W_DASH) || tok_is(x, pos, W_SLASH);
            bool tight = x->doc.tok[pos - 1].end == x->doc.tok[pos].start &&
                         x->doc.tok[pos].end == x->doc.tok[pos + 1].start;
            if (joiner && !tight)
                next.len = 0;
            if (s_countryish(&next)) {
                hyphen = hyphen || joiner;
                pos = q;
                continue;
            }
        }
        break;
    }

    /* sector nouns ("Foreign Minister", "news agency") or counterpart(s) */
    for (;;) {
        if (pos >= end)
            break;
        if (tok_is(x, pos, W_COUNTERPART) || tok_is(x, pos, W_COUNTERPARTS)) {
            counterpart = true;
            plural = plural || tok_is(x, pos, W_COUNTERPARTS);
            pos++;
            continue;
        }
        struct offer o = s_offer(x, pos, end);
        if (o.len && o.agent >= 0 && o.person < 0) {
            sector_agent = o.agent;
            plural = plural || (x->doc.norm[x->doc.tok[pos + o.len - 1].norm +
                                            x->doc.tok[pos + o.len - 1].nlen - 1] == 's');
            pos += o.len;
            continue;
        }
        break;
    }

    /* "Minister of Foreign Affairs of Armenia Ararat Mirzoyan"; but "its ambassador from
     * Israel" is someone's own ambassador coming back from Israel */
    if ((sector_agent >= 0 || counterpart) && ncountries == 0 &&
        !(possessive_det && tok_is(x, pos, W_FROM)))
        pos = s_of_countries(x, pos, end, countries, &ncountries);

    /* a person: known, a surname seen before, or a capitalised name after a title */
    if (pos < end) {
        struct offer o = s_offer(x, pos, end);
        if (o.len && o.person >= 0) {
            person = o.person;
            s_remember_person(x, (uint32_t)person);
            pos += o.len;
        } else {
            uint32_t s = s_surname(x, pos);
            if (s != NONE) {
                person = (int)s;
                pos++;
            } else if (sector_agent >= 0 || counterpart) {
                size_t q = pos;
                while (q < end && q - pos < 4 && (x->doc.tok[q].flags & TK_CAP) &&
                       (x->doc.tok[q].flags & TK_WORD) && !(x->doc.tok[q].flags & TK_SSTART) &&
                       s_offer(x, q, end).len == 0)
                    q++;
                pos = q; /* an unknown name: the title already says who */
            }
        }
    }

    if ((sector_agent >= 0 || counterpart) && ncountries == 0 &&
        !(possessive_det && pos < end && tok_is(x, pos, W_FROM)))
        pos = s_of_countries(x, pos, end, countries, &ncountries);

    if (ncountries == 0 && sector_agent < 0 && person < 0 && !counterpart) {
        /* a place that is no actor ("Tehran" after "in", a city name) */
        struct offer o = s_offer(x, pos, end);
        if (o.len && o.place >= 0 && pos == i) {
            c->tok_start = (uint32_t)i;
            c->tok_end = (uint32_t)(i + o.len);
            c->place_only = true;
            c->place = (uint32_t)o.place;
            c->locative = i > b && s_locative_word(x, i - 1, true);
            return o.len;
        }
        return 0;
    }

    c->tok_start = (uint32_t)i;
    c->tok_end = (uint32_t)pos;
    c->has_agent = sector_agent >= 0;
    /* a hyphenated group of adjectives before a noun names one joint body */
    c->joint = hyphen && ncountries >= 2 && pos < end && (x->doc.tok[pos].flags & TK_WORD) &&
               !(x->doc.tok[pos].flags & TK_CAP) && sector_agent < 0;
    c->place = place;
    const char *sector =
        sector_agent >= 0 ? lexicon_agent(x->lex, (uint32_t)sector_agent)->sector : "";
    /* Where: "in Iran", "at the Kremlin". A government word after a locative is the city. */
    size_t before = i;
    if (before > b && s_locative_word(x, before - 1, place != NONE)) {
        if (ncountries == 1 && sector_agent < 0 && person < 0 && !counterpart) {
            c->locative = true;
            c->place_only = true;
            if (countries[0].country >= 0 && !countries[0].govword && countries[0].igo < 0)
                c->country_place = (uint32_t)countries[0].country;
            /* kept for "in Iran, which hosted ...": a relative clause's subject */
            memset(&c->a[0], 0, sizeof c->a[0]);
            c->a[0].person = NONE;
            s_set_country(x, &c->a[0], &countries[0]);
            c->a[0].tok_start = (uint32_t)i;
            c->a[0].tok_end = (uint32_t)pos;
            c->n = 1;
            return pos - i;
        }
    }

    if (person >= 0 && ncountries <= 1) {
        struct actor *a = &c->a[c->n++];
        memset(a, 0, sizeof *a);
        a->person = (uint32_t)person;
        if (ncountries == 1)
            s_set_country(x, a, &countries[0]);
        if (sector[0])
            memcpy(a->sector, sector, 4);
    } else if (ncountries > 0) {
        for (size_t k = 0; k < ncountries && c->n < CHUNK_MAX_ACTORS; k++) {
            struct actor *a = &c->a[c->n++];
            memset(a, 0, sizeof *a);
            a->person = NONE;
            s_set_country(x, a, &countries[k]);
            if (sector[0])
                memcpy(a->sector, sector, 4);
            else if (counterpart)
                memcpy(a->sector,
                       x->have_last_person && x->last_person.sector[0] ? x->last_person.sector
                                                                       : "GOV",
                       4);
            if (countries[k].govword)
                a->flags |= A_GOVWORD;
        }
    } else if (sector_agent >= 0 || counterpart) {
        /* "the minister", "the two ministers": someone already named */
        bool definite =
            i < end && (tok_is(x, i, W_THE) || tok_is(x, i, W_HIS) || tok_is(x, i, W_HER) ||
                        tok_is(x, i, W_BOTH) || tok_is(x, i, W_TWO));
        if (!definite || counterpart)
            return 0; /* "a minister", "his counterpart" without a country: unknown */
        if (plural && x->group_at > x->pair_at && !strcmp(x->last_group.sector, sector)) {
            c->a[0] = x->last_group; /* "the separatists": the group of that sector */
            c->n = 1;
        } else if (plural && x->pair.set &&
                   (!sector[0] || !strcmp(x->pair.a.sector, sector) ||
                    !strcmp(x->pair.b.sector, sector))) {
            c->a[0] = x->pair.a;
            c->a[1] = x->pair.b;
            c->n = 2;
        } else if (!plural && x->have_last_person &&
                   (!sector[0] || !strcmp(x->last_person.sector, sector))) {
            c->a[0] = x->last_person;
            c->n = 1;
        } else {
            return 0;
        }
        for (size_t k = 0; k < c->n; k++)
            c->a[k].flags |= A_COREF;
    }
    for (size_t k = 0; k < c->n; k++) {
        struct actor *a = &c->a[k];
        if (!(a->flags & A_COREF) || a->tok_end == 0) {
            a->tok_start = (uint32_t)i;
            a->tok_end = (uint32_t)pos;
        }
        if (former)
            a->flags |= A_FORMER;
        if (plural || demonym)
            a->flags |= A_PLURAL;
    }
    return pos - i;
}

size_t actors_find(struct xctx *x, size_t sent, struct chunk *out, size_t max)
{
    const struct sentence *s = &x->doc.sent[sent];
    size_t n = 0;
    for (size_t i = s->tok_begin; i < s->tok_end && n < max;) {
        size_t len = s_chunk_at(x, s->tok_begin, i, s->tok_end, &out[n]);
        if (!len) {
            i++;
            continue;
        }
        struct chunk *c = &out[n++];
        /* Remember for later sentences: people and pairs. */
        if (!c->place_only) {
            for (size_t k = 0; k < c->n; k++) {
                const struct actor *a = &c->a[k];
                if (a->person != NONE ||
                    (!(a->flags & A_PLURAL) && a->sector[0] && !(a->flags & A_GOVWORD))) {
                    if (!(a->flags & A_COREF)) {
                        x->last_person = *a;
                        x->have_last_person = true;
                    }
                }
            }
            x->seen_count++;
            if (c->n >= 2 && !(c->a[0].flags & A_COREF)) {
                x->pair.set = true;
                x->pair.a = c->a[0];
                x->pair.b = c->a[1];
                x->pair_at = x->seen_count;
            } else if (c->n == 1 && (c->a[0].flags & A_PLURAL) && !(c->a[0].flags & A_COREF) &&
                       c->a[0].sector[0]) {
                x->last_group = c->a[0];
                x->group_at = x->seen_count;
            }
        }
        i += len;
    }
    return n;
}

static const struct lx_role *s_role_at(const struct lx_person *p, int32_t day)
{
    const struct lx_role *best = NULL;
    for (size_t k = 0; k < p->nroles; k++) {
        const struct lx_role *r = &p->roles[k];
        if (day >= r->from && day <= r->to) {
            /* Government roles describe a person best when several overlap. */
            if (!best || (!strcmp(r->sector, "GOV") && strcmp(best->sector, "GOV")))
                best = r;
        }
    }
    return best;
}

void actor_code(const struct xctx *x, const struct actor *a, int32_t day, char *code, char *country,
                char *sector)
{
    char c[13], s[4];
    memcpy(c, a->country, sizeof c);
    memcpy(s, a->sector, sizeof s);
    c[12] = '\0';
    s[3] = '\0';
    if (a->person != NONE) {
        const struct lx_person *p = lexicon_person(x->lex, a->person);
        const struct lx_role *r = day != DAY_UNKNOWN ? s_role_at(p, day) : NULL;
        if (r) {
            snprintf(c, sizeof c, "%s", r->country);
            snprintf(s, sizeof s, "%s", r->sector);
        } else if (p->nroles) {
            /* outside every role: someone whose role has ended is a former official (an
             * elite) of the country of the latest one; someone before any role is a citizen */
            const struct lx_role *ended = NULL;
            for (size_t k = 0; k < p->nroles; k++)
                if (day != DAY_UNKNOWN && p->roles[k].to < day &&
                    (!ended || p->roles[k].to > ended->to))
                    ended = &p->roles[k];
            if (ended) {
                snprintf(c, sizeof c, "%s", ended->country);
                snprintf(s, sizeof s, "ELI");
            } else {
                const struct lx_role *first = &p->roles[0];
                snprintf(c, sizeof c, "%s", first->country);
                snprintf(s, sizeof s, "%s", day == DAY_UNKNOWN ? first->sector : "");
            }
        }
    }
    if (a->flags & A_FORMER)
        memcpy(s, "ELI", 4);
    size_t cl = strnlen(c, 12), sl = strnlen(s, 3);
    memcpy(country, c, cl + 1);
    memcpy(sector, s, sl + 1);
    memcpy(code, c, cl);
    memcpy(code + cl, s, sl + 1);
}
