/* corpus.c - see corpus.h. */
#include "corpus.h"

#include <stdio.h>
#include <string.h>

struct rng {
    uint64_t s; /* xorshift64* state */
};

static uint64_t s_next(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

static size_t s_pick(struct rng *r, size_t n)
{
    return (size_t)(s_next(r) % n);
}

#define PICK(r, arr) (arr)[s_pick((r), sizeof(arr) / sizeof((arr)[0]))]

/* Actor phrases: who can act, as news names them. */
static const char *const g_actors[] = {"Armenian Foreign Minister Ararat Mirzoyan",
                                       "Azerbaijan",
                                       "Russian President Vladimir Putin",
                                       "Turkish President Recep Tayyip Erdogan",
                                       "Iran",
                                       "the European Union",
                                       "Ukrainian President Volodymyr Zelenskiy",
                                       "China's foreign ministry",
                                       "NATO",
                                       "U.S. Secretary of State Antony Blinken",
                                       "French President Emmanuel Macron",
                                       "Israel",
                                       "Egypt",
                                       "Qatar",
                                       "the United Nations",
                                       "Germany",
                                       "Japanese Prime Minister Fumio Kishida",
                                       "Indian Prime Minister Narendra Modi",
                                       "Saudi Arabia",
                                       "Pakistan",
                                       "Georgian officials",
                                       "Brazilian President Luiz Inacio Lula da Silva",
                                       "the African Union",
                                       "Kenyan police",
                                       "Sudanese army",
                                       "Ethiopia",
                                       "Moscow",
                                       "Beijing",
                                       "Washington",
                                       "British troops",
                                       "Polish Defence Minister Wladyslaw Kosiniak-Kamysz",
                                       "the Kremlin",
                                       "South Korea",
                                       "North Korea",
                                       "Hamas",
                                       "Syrian rebels",
                                       "Lebanese Prime Minister Najib Mikati",
                                       "Chinese Foreign Minister Wang Yi",
                                       "Italian Prime Minister Giorgia Meloni",
                                       "Hungary"};

static const char *const g_places[] = {
    "Tehran",  "Moscow",  "Brussels",  "Geneva",  "Ankara", "Baku",    "Yerevan",
    "Doha",    "Cairo",   "Istanbul",  "Vienna",  "Paris",  "Berlin",  "Warsaw",
    "Kyiv",    "Beijing", "New Delhi", "Tokyo",   "Riyadh", "Nairobi", "Addis Ababa",
    "Tbilisi", "Rome",    "Madrid",    "Granada", "Astana"};

static const char *const g_days[] = {
    "on Monday",   "on Tuesday", "late on Wednesday", "on Thursday", "on Friday",
    "on Saturday", "on Sunday",  "yesterday",         "last week",   "earlier this month"};

static const char *const g_months[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

/* Event sentences: {S} source, {T} target, {C} third party, {P} place, {D} date. */
static const char *const g_events[] = {
    "{S} met {T} in {P} {D}, their first talks in months.",
    "{S} held talks with {T} {D}, officials said.",
    "{S} hosted talks between {T} and {C} in {P} {D}.",
    "{S} accused {T} of violating the ceasefire agreement.",
    "{S} visited {T} {D} and called for closer cooperation.",
    "{S} said it would impose new sanctions on {T}.",
    "{S} imposed sanctions on {T} {D} over the border dispute.",
    "{S} condemned {T} for the attack, calling it unacceptable.",
    "{S} signed a trade agreement with {T} in {P} {D}.",
    "Forces loyal to {S} attacked {T} positions near {P} {D}.",
    "{S} did not meet {T} during the summit, a spokesperson said.",
    "{S} will meet {T} in {P} next week to discuss the peace plan.",
    "{S} urged {T} to return to the negotiating table.",
    "{S} praised {T} for its role in the talks.",
    "{S} sent humanitarian aid to {T} {D}.",
    "{S} rejected a proposal by {T} to hold new elections.",
    "{T} was criticised by {S} for the delay.",
    "{S} and {T} agreed to continue the discussions.",
};

/* Sentences without events. */
static const char *const g_filler[] = {
    ("The region has been a source of tension for decades, and analysts expect the dispute to "
     "continue."),
    "Prices for wheat and fuel rose sharply over the summer, adding to pressure on households.",
    "\"We are ready to work with all our partners,\" the statement said.",
    "The talks were described as constructive, though no agreement was announced.",
    "Economists said growth would slow to 2.1% next year as exports weaken.",
    "Thousands of people have been displaced since the fighting began.",
    "The ministry did not respond to a request for comment.",
    "Both sides have traded blame for the collapse of earlier negotiations.",
    "Officials are expected to publish the full text of the agreement later.",
    "The parliament is due to vote on the budget in the coming weeks.",
};

static const char *const g_outlets[] = {"Example Wire", "Daily Dispatch", "World Report",
                                        "The Courier", "Regional News Agency"};

/* Appends template fmt with {S} {T} {C} {P} {D} replaced. */
static void s_printf(struct pl_buf *b, const char *fmt, const char *a, const char *t, const char *c,
                     const char *p, const char *d)
{
    for (const char *f = fmt; *f; f++) {
        if (f[0] == '{' && f[1] && f[2] == '}') {
            const char *v = f[1] == 'S'   ? a
                            : f[1] == 'T' ? t
                            : f[1] == 'C' ? c
                            : f[1] == 'P' ? p
                                          : d;
            pl_buf_puts(b, v);
            f += 2;
            continue;
        }
        pl_buf_putc(b, *f);
    }
}

void corpus_article(uint64_t seed, uint64_t i, size_t size, unsigned event_pct, struct pl_buf *out)
{
    struct rng r = {seed * 0x9E3779B97F4A7C15ULL + i * 0xD1B54A32D192ED03ULL + 1};
    for (int k = 0; k < 4; k++)
        s_next(&r);
    unsigned year = 2019 + (unsigned)s_pick(&r, 7), month = 1 + (unsigned)s_pick(&r, 12),
             day = 1 + (unsigned)s_pick(&r, 28);
    const char *place = PICK(&r, g_places);
    size_t start = out->len;
    pl_buf_printf(out, "url: https://news.example.org/%u/%02u/%02u/story-%llu\n", year, month, day,
                  (unsigned long long)i);
    pl_buf_printf(out, "outlet: %s\npublished: %u-%02u-%02uT%02u:%02u:00Z\n", PICK(&r, g_outlets),
                  year, month, day, (unsigned)s_pick(&r, 24), (unsigned)s_pick(&r, 60));
    pl_buf_printf(out, "title: Talks in %s as tensions rise\n---\n", place);
    pl_buf_printf(out, "# Talks in %s as tensions rise\n\n", place);
    bool first = true;
    while (out->len - start < size) {
        unsigned kind = (unsigned)s_pick(&r, 10);
        char date[48];
        if (s_pick(&r, 3) == 0)
            snprintf(date, sizeof date, "on %s %u", g_months[month - 1],
                     1 + (unsigned)s_pick(&r, day));
        else
            snprintf(date, sizeof date, "%s", PICK(&r, g_days));
        if (first) {
            pl_buf_printf(out, "%s, %s %u (%s) - ", place, g_months[month - 1], day,
                          PICK(&r, g_outlets));
            first = false;
        }
        const char *a = PICK(&r, g_actors), *t = PICK(&r, g_actors), *c = PICK(&r, g_actors);
        /* (the standard corpus draws nothing here, so it stays what it always was) */
        if (event_pct < 100 && s_pick(&r, 100) >= event_pct)
            kind = 9;
        if (kind < 4) {
            s_printf(out, PICK(&r, g_events), a, t, c, PICK(&r, g_places), date);
            pl_buf_putc(out, ' ');
            s_printf(out, PICK(&r, g_events), t, c, a, PICK(&r, g_places), date);
        } else if (kind < 8) {
            pl_buf_puts(out, PICK(&r, g_filler));
            pl_buf_putc(out, ' ');
            s_printf(out, PICK(&r, g_events), a, t, c, PICK(&r, g_places), date);
        } else if (kind == 8) {
            pl_buf_printf(out, "![Photo](https://img.example.org/%llu.jpg)\n\n",
                          (unsigned long long)s_next(&r) % 100000);
            pl_buf_printf(out, "%s speaks to reporters in %s, %s %u, %u. REUTERS/Staff", a,
                          PICK(&r, g_places), g_months[month - 1], day, year);
        } else {
            pl_buf_puts(out, PICK(&r, g_filler));
            pl_buf_putc(out, ' ');
            pl_buf_puts(out, PICK(&r, g_filler));
        }
        pl_buf_puts(out, "\n\n");
    }
    pl_buf_puts(out, "Reporting by Staff Writer; Editing by Desk Editor\n\n"
                     "Sign up for our daily newsletter\n\nYou May Also Like\n\n");
    pl_buf_printf(out, "%s accuses %s of new attacks\n\n", PICK(&r, g_actors), PICK(&r, g_actors));
}
