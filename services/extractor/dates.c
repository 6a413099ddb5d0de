/* dates.c - when things happened.
 *
 * The reference date is the publication date when the article has one (header or metadata
 * line); failing that it is estimated from the text: the latest full date written in it, or
 * a month and day whose year the article's weekdays decide; failing that the fetch time.
 * Expressions in a sentence are then resolved against it: explicit dates ("October 23, 2023",
 * "23 Oct", "2023-10-23"), weekdays ("on Monday", "late on Tuesday", "last Friday"), relative
 * words (yesterday, today, tonight), and month-precision phrases ("last week", "earlier this
 * month", "in May"). A date without a year takes the year that puts it on or before the
 * reference date, and matches a weekday written next to it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xctx.h"

static int s_weekday(int32_t day)
{
    return (int)(day >= -4 ? (day + 4) % 7 : (day + 5) % 7 + 6); /* 0 Sunday */
}

static unsigned s_days_in(int y, unsigned m)
{
    static const unsigned d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

void date_format(int32_t day, char precision, char *buf, size_t size)
{
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    if (size < 11 || y < 0 || y > 9999) {
        snprintf(buf, size, "%04d", y); /* out of the 4-digit range: let the codec refuse it */
        return;
    }
    /* YYYY-MM-DD by hand: this runs for every mention */
    char out[11] = {(char)('0' + y / 1000),
                    (char)('0' + y / 100 % 10),
                    (char)('0' + y / 10 % 10),
                    (char)('0' + y % 10),
                    '-',
                    (char)('0' + m / 10),
                    (char)('0' + m % 10),
                    '-',
                    (char)('0' + d / 10),
                    (char)('0' + d % 10),
                    '\0'};
    if (precision == 'y')
        out[4] = '\0';
    else if (precision == 'm')
        out[7] = '\0';
    memcpy(buf, out, sizeof out);
}

/* Month of a token (1-12), or 0. */
static unsigned s_month(const struct xctx *x, size_t i)
{
    static const enum engine_word full[] = {W_JANUARY,   W_FEBRUARY, W_MARCH,    W_APRIL,
                                            W_MAY,       W_JUNE,     W_JULY,     W_AUGUST,
                                            W_SEPTEMBER, W_OCTOBER,  W_NOVEMBER, W_DECEMBER};
    static const enum engine_word abbr[] = {W_JAN, W_FEB, W_MAR, W_APR, W_MAY, W_JUN,
                                            W_JUL, W_AUG, W_SEP, W_OCT, W_NOV, W_DEC};
    const struct token *t = &x->doc.tok[i];
    if (!(t->flags & TK_CAP))
        return 0; /* "may", "march" as words */
    for (unsigned m = 0; m < 12; m++)
        if (t->id == x->w[full[m]] || t->id == x->w[abbr[m]])
            return m + 1;
    if (t->id == x->w[W_SEPT])
        return 9;
    return 0;
}

/* Weekday of a token (0 Sunday .. 6), or -1. */
static int s_weekday_word(const struct xctx *x, size_t i)
{
    static const enum engine_word days[] = {W_SUNDAY,   W_MONDAY, W_TUESDAY, W_WEDNESDAY,
                                            W_THURSDAY, W_FRIDAY, W_SATURDAY};
    for (int k = 0; k < 7; k++)
        if (tok_is(x, i, days[k]))
            return k;
    return -1;
}

/* The token's value when it is a whole number of at most 4 digits, else -1. */
static long s_number(const struct xctx *x, size_t i)
{
    const struct token *t = &x->doc.tok[i];
    if (!(t->flags & TK_NUM) || t->nlen > 4)
        return -1;
    const char *s = doc_norm(&x->doc, i);
    long v = 0;
    for (size_t k = 0; k < t->nlen; k++) {
        if (!isdigit((unsigned char)s[k])) {
            /* "23rd", "1st" */
            if (k > 0 && t->nlen - k == 2)
                return v;
            return -1;
        }
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

/* The year for month/day without one: on or before the reference day, and on the given
 * weekday when one is known. */
static int s_infer_year(int32_t ref, unsigned m, unsigned d, int weekday)
{
    int y;
    unsigned rm, rd;
    civil_from_days(ref, &y, &rm, &rd);
    for (int k = 0; k < 40; k++, y--) {
        if (d > s_days_in(y, m))
            continue;
        int32_t day = days_from_civil(y, m, d);
        if (day > ref)
            continue;
        if (weekday < 0 || s_weekday(day) == weekday)
            return y;
    }
    civil_from_days(ref, &y, &rm, &rd);
    return (m > rm || (m == rm && d > rd)) ? y - 1 : y;
}

/* A weekday written next to tokens [a, b): "Tuesday, May 19" or "May 19, Tuesday". */
static int s_adjacent_weekday(const struct xctx *x, size_t sb, size_t se, size_t a, size_t b)
{
    for (size_t k = a >= sb + 3 ? a - 3 : sb; k < a; k++) {
        int w = s_weekday_word(x, k);
        if (w >= 0)
            return w;
    }
    for (size_t k = b; k < se && k < b + 3; k++) {
        int w = s_weekday_word(x, k);
        if (w >= 0)
            return w;
    }
    return -1;
}

static bool s_add(struct xdate *out, size_t *n, size_t max, size_t a, size_t b, int32_t day,
                  char precision, bool relative)
{
    if (*n >= max)
        return false;
    out[(*n)++] = (struct xdate){.tok_start = (uint32_t)a,
                                 .tok_end = (uint32_t)b,
                                 .day = day,
                                 .precision = precision,
                                 .relative = relative};
    return true;
}

/* After "in 2022": the year is a date unless a noun follows ("in 2022 elections"). */
static bool s_year_ends(const struct xctx *x, size_t j, size_t se)
{
    static const enum engine_word ok[] = {
        W_IN,    W_AT, W_ON, W_THE, W_AND, W_WHEN, W_AFTER, W_BEFORE, W_DURING, W_SINCE,
        W_WHILE, W_AS, W_TO, W_BY,  W_FOR, W_WITH, W_A,     W_AN,     W_BUT,    W_OR};
    if (j >= se || (x->doc.tok[j].flags & TK_PUNCT) || s_month(x, j))
        return true;
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
        if (tok_is(x, j, ok[k]))
            return true;
    return (x->doc.tok[j].flags & TK_CAP) != 0; /* "In 2022 Russia invaded" */
}

/* "three" -> 3, for "three days ago"; 0 for other words. */
static long s_number_word(const struct xctx *x, size_t i)
{
    static const enum engine_word n[] = {W_ONE, W_TWO,   W_THREE, W_FOUR, W_FIVE,
                                         W_SIX, W_SEVEN, W_EIGHT, W_NINE, W_TEN};
    for (size_t k = 0; k < sizeof n / sizeof n[0]; k++)
        if (tok_is(x, i, n[k]))
            return (long)k + 1;
    return 0;
}

size_t dates_find(const struct xctx *x, size_t sent, struct xdate *out, size_t max)
{
    const struct sentence *s = &x->doc.sent[sent];
    size_t sb = s->tok_begin, se = s->tok_end, n = 0;
    int32_t ref = x->ref_day;
    int ry;
    unsigned rm, rd;
    civil_from_days(ref, &ry, &rm, &rd);
    for (size_t i = sb; i < se; i++) {
        if (!(x->doc.tok[i].flags & TK_NUM) && !lexicon_dateword(x->lex, x->doc.tok[i].id))
            continue; /* most words are no part of a date */
        unsigned m = s_month(x, i);
        long v = s_number(x, i);
        /* 2023-10-23 */
        if (v >= 1900 && v <= 2100 && i + 4 < se && tok_is(x, i + 1, W_DASH) &&
            tok_is(x, i + 3, W_DASH)) {
            long mm = s_number(x, i + 2), dd = s_number(x, i + 4);
            if (mm >= 1 && mm <= 12 && dd >= 1 && dd <= (long)s_days_in((int)v, (unsigned)mm)) {
                s_add(out, &n, max, i, i + 5, days_from_civil((int)v, (unsigned)mm, (unsigned)dd),
                      'd', false);
                i += 4;
                continue;
            }
        }
        if (m) {
            size_t j = i + 1;
            if (j < se && tok_is(x, j, W_PERIOD))
                j++; /* "Oct." */
            long day = j < se ? s_number(x, j) : -1;
            if (day >= 1 && day <= 31) {
                /* October 23[,] [2023] */
                size_t end = j + 1;
                size_t k = end;
                if (k < se && tok_is(x, k, W_COMMA))
                    k++;
                long year = k < se ? s_number(x, k) : -1;
                int y;
                if (year >= 1900 && year <= 2100) {
                    y = (int)year;
                    end = k + 1;
                } else {
                    y = s_infer_year(ref, m, (unsigned)day, s_adjacent_weekday(x, sb, se, i, end));
                }
                if ((unsigned)day <= s_days_in(y, m)) {
                    s_add(out, &n, max, i, end, days_from_civil(y, m, (unsigned)day), 'd',
                          !(year >= 1900));
                }
                i = end - 1;
                continue;
            }
            /* 23 October [2023] is handled at the number; October 2023, in May */
            long year = j < se ? s_number(x, j) : -1;
            if (year >= 1900 && year <= 2100) {
                s_add(out, &n, max, i, j + 1, days_from_civil((int)year, m, 1), 'm', false);
                i = j;
                continue;
            }
            if (i > sb &&
                (tok_is(x, i - 1, W_IN) || tok_is(x, i - 1, W_AND) || tok_is(x, i - 1, W_EARLY) ||
                 tok_is(x, i - 1, W_LATE) || tok_is(x, i - 1, W_SINCE))) {
                int y = (m > rm) ? ry - 1 : ry;
                s_add(out, &n, max, i, i + 1, days_from_civil(y, m, 1), 'm', true);
                continue;
            }
            continue;
        }
        if (v >= 1 && v <= 31 && i + 1 < se && s_month(x, i + 1)) {
            unsigned mm = s_month(x, i + 1);
            size_t end = i + 2;
            long year = end < se ? s_number(x, end) : -1;
            int y;
            if (year >= 1900 && year <= 2100) {
                y = (int)year;
                end++;
            } else {
                y = s_infer_year(ref, mm, (unsigned)v, s_adjacent_weekday(x, sb, se, i, end));
            }
            if ((unsigned)v <= s_days_in(y, mm))
                s_add(out, &n, max, i, end, days_from_civil(y, mm, (unsigned)v), 'd',
                      !(year >= 1900));
            i = end - 1;
            continue;
        }
        if (ref == DAY_UNKNOWN)
            continue;
        int wd = s_weekday_word(x, i);
        if (wd >= 0 && (x->doc.tok[i].flags & TK_CAP)) {
            /* skip weekdays that belong to an explicit date around them: "Monday, October 23"
             * and "October 23, Monday" */
            bool part = false;
            for (size_t k = 0; k < n; k++)
                if (i + 3 >= out[k].tok_start && i <= out[k].tok_end + 2 && !out[k].relative)
                    part = true;
            for (size_t k = i + 1; k < se && k <= i + 2 && !part; k++)
                if (s_month(x, k) || (s_number(x, k) >= 1 && s_number(x, k) <= 31 && k + 1 < se &&
                                      s_month(x, k + 1)))
                    part = true;
            if (part)
                continue;
            bool next = i > sb && tok_is(x, i - 1, W_NEXT);
            int delta = (s_weekday(ref) - wd + 7) % 7;
            int32_t day = next ? ref + (7 - delta) % 7 + (delta == 0 ? 7 : 0) : ref - delta;
            if (i > sb && tok_is(x, i - 1, W_LAST) && delta == 0)
                day -= 7;
            size_t a = i;
            if (a > sb &&
                (tok_is(x, a - 1, W_ON) || tok_is(x, a - 1, W_LAST) || tok_is(x, a - 1, W_NEXT)))
                a--;
            if (a > sb && (tok_is(x, a - 1, W_LATE) || tok_is(x, a - 1, W_EARLY)))
                a--;
            s_add(out, &n, max, a, i + 1, day, 'd', true);
            continue;
        }
        if (tok_is(x, i, W_YESTERDAY)) {
            s_add(out, &n, max, i, i + 1, ref - 1, 'd', true);
        } else if (tok_is(x, i, W_TODAY) || tok_is(x, i, W_TONIGHT)) {
            s_add(out, &n, max, i, i + 1, ref, 'd', true);
        } else if (tok_is(x, i, W_TOMORROW)) {
            s_add(out, &n, max, i, i + 1, ref + 1, 'd', true);
        } else if (tok_is(x, i, W_THIS) && i + 1 < se &&
                   (tok_is(x, i + 1, W_MORNING) || tok_is(x, i + 1, W_AFTERNOON) ||
                    tok_is(x, i + 1, W_EVENING))) {
            s_add(out, &n, max, i, i + 2, ref, 'd', true);
        } else if (tok_is(x, i, W_LAST) && i + 1 < se && tok_is(x, i + 1, W_NIGHT)) {
            s_add(out, &n, max, i, i + 2, ref - 1, 'd', true);
        } else if ((tok_is(x, i, W_LAST) || tok_is(x, i, W_THIS)) && i + 1 < se &&
                   (tok_is(x, i + 1, W_WEEK) || tok_is(x, i + 1, W_MONTH) ||
                    tok_is(x, i + 1, W_YEAR))) {
            bool last = tok_is(x, i, W_LAST);
            int32_t day = ref;
            char p = 'm';
            if (tok_is(x, i + 1, W_WEEK)) {
                day = last ? ref - 7 : ref;
            } else if (tok_is(x, i + 1, W_MONTH)) {
                int y = ry;
                unsigned mm = rm;
                if (last && --mm == 0) {
                    mm = 12;
                    y--;
                }
                day = days_from_civil(y, mm, 1);
            } else {
                day = days_from_civil(last ? ry - 1 : ry, 1, 1);
                p = 'y';
            }
            size_t a = i > sb && tok_is(x, i - 1, W_EARLIER) ? i - 1 : i;
            s_add(out, &n, max, a, i + 2, day, p, true);
            i++;
        } else if ((v > 0 || s_number_word(x, i) > 0) && v <= 60 && i + 2 < se &&
                   tok_is(x, i + 1, W_DAYS) && tok_is(x, i + 2, W_AGO)) {
            long nd = v > 0 ? v : s_number_word(x, i);
            s_add(out, &n, max, i, i + 3, ref - (int32_t)nd, 'd', true);
            i += 2;
        } else if (v >= 1900 && v <= 2100 && i > sb && tok_is(x, i - 1, W_IN) &&
                   s_year_ends(x, i + 1, se)) {
            s_add(out, &n, max, i - 1, i + 1, days_from_civil((int)v, 1, 1), 'y', false);
        }
    }
    return n;
}

/* ---- the reference date ----------------------------------------------------------------- */

static int32_t s_parse_iso(const char *s)
{
    if (!s || strlen(s) < 10)
        return DAY_UNKNOWN;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return DAY_UNKNOWN;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (m < 1 || m > 12 || d < 1 || d > s_days_in(y, m))
        return DAY_UNKNOWN;
    return days_from_civil(y, m, d);
}

/* Weekdays written anywhere in the article (bit k for day k). */
static unsigned s_article_weekdays(const struct xctx *x)
{
    unsigned mask = 0;
    for (size_t i = 0; i < x->doc.ntok; i++) {
        int w = s_weekday_word(x, i);
        if (w >= 0 && (x->doc.tok[i].flags & TK_CAP))
            mask |= 1u << w;
    }
    return mask;
}

void dates_reference(struct xctx *x, const char *published, const char *fetched_at)
{
    x->fetched_day = s_parse_iso(fetched_at);
    if (x->fetched_day == DAY_UNKNOWN)
        x->fetched_day = days_from_civil(2100, 1, 1);
    x->ref_day = s_parse_iso(published);
    x->ref_basis = 'p';
    if (x->ref_day != DAY_UNKNOWN)
        return;

    /* A dateline or metadata line near the top: the publication date. */
    x->ref_day = x->fetched_day;
    struct xdate found[32];
    size_t paras_seen = 0;
    for (size_t p = 0; p < x->doc.npara && paras_seen < 4; p++) {
        const struct para *pa = &x->doc.para[p];
        if (pa->kind == PARA_DROPPED || pa->kind == PARA_CAPTION)
            continue;
        if (pa->kind != PARA_META)
            paras_seen++;
        for (uint32_t si = pa->sent_begin; si < pa->sent_end && si < pa->sent_begin + 1; si++) {
            size_t n = dates_find(x, si, found, 32);
            for (size_t k = 0; k < n; k++) {
                const struct xdate *d = &found[k];
                bool at_start = d->tok_start <= x->doc.sent[si].tok_begin + 4;
                /* "MOSCOW, Feb. 4 (Xinhua) --": a month and day there, its year inferred */
                const struct token *t0 = &x->doc.tok[d->tok_start];
                bool monthday = s_month(x, d->tok_start) || (t0->flags & TK_NUM);
                if (d->precision == 'd' && d->day <= x->fetched_day &&
                    (pa->kind == PARA_META || (at_start && (!d->relative || monthday)))) {
                    x->ref_day = d->day;
                    return;
                }
            }
        }
    }

    /* The latest full date written in the text. */
    int32_t best = DAY_UNKNOWN;
    for (size_t si = 0; si < x->doc.nsent; si++) {
        size_t n = dates_find(x, si, found, 32);
        for (size_t k = 0; k < n; k++)
            if (!found[k].relative && found[k].precision == 'd' && found[k].day <= x->fetched_day &&
                found[k].day > best)
                best = found[k].day;
    }
    if (best != DAY_UNKNOWN) {
        x->ref_day = best;
        x->ref_basis = 't';
        return;
    }

    /* A month and day without a year: the article's weekdays pick the year. */
    unsigned weekdays = s_article_weekdays(x);
    if (weekdays) {
        for (size_t si = 0; si < x->doc.nsent; si++) {
            size_t n = dates_find(x, si, found, 32);
            for (size_t k = 0; k < n; k++) {
                if (found[k].precision != 'd' || !found[k].relative)
                    continue;
                const struct token *t = &x->doc.tok[found[k].tok_start];
                if (!(t->flags & (TK_CAP | TK_NUM)))
                    continue; /* weekday and relative words resolve from the reference */
                int y;
                unsigned m, d;
                civil_from_days(found[k].day, &y, &m, &d);
                for (int yy = y; yy > y - 40; yy--) {
                    if (d > s_days_in(yy, m))
                        continue;
                    int32_t day = days_from_civil(yy, m, d);
                    if (day <= x->fetched_day && (weekdays >> s_weekday(day)) & 1u) {
                        x->ref_day = day;
                        x->ref_basis = 't';
                        return;
                    }
                }
            }
        }
    }
    x->ref_day = x->fetched_day;
    x->ref_basis = 'f';
}
