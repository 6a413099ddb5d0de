/* lexicon_import.c - reads the actor and agent dictionaries of PETRARCH, Phoenix and TABARI,
 * so that users can bring the dictionaries they already maintain (data/README.md, "import").
 *
 * Actors:   PHRASE_WITH_UNDERSCORES [CODE]     a primary phrase and its default code
 *           +SYNONYM                           more names of it
 *           <TAB>[CODE 20040309-20080512]      date restrictions: a-b, <date, >date; dates as
 *                                              YYYYMMDD or YYMMDD (YY < 30 is 20YY)
 * Agents:   PHRASE {PLURAL} [~SEC] or [SEC~]   a sector noun; a regular plural is added unless
 *           !NAME! = A, B, C                   braces give one; !NAME! expands to each word
 * Comments: '#' to the end of a line, ';' (TABARI), and <!-- ... --> blocks.
 *
 * A code is read as country (its first three letters) and sector (the next three), which is
 * how CAMEO codes are built (RUSGOV); longer codes keep their first six letters. Imported
 * phrases match in any case, as they do in PETRARCH.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon_build.h"
#include "pl_base.h"

#define MAX_LINE 4096

struct reader {
    const char *path; /* for messages */
    char *buf;        /* the file */
    size_t len, pos;
    unsigned line;
    bool in_comment; /* inside <!-- --> */
    int errors;
};

static int s_open(struct reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    struct tsv t;
    if (tsv_open(&t, path) != 0)
        return -1;
    r->buf = t.buf;
    r->len = t.len;
    return 0;
}

/* The next line with comments removed, trimmed at the end; NULL at the end of the file. */
static char *s_line(struct reader *r, bool *indented)
{
    while (r->pos < r->len) {
        char *line = r->buf + r->pos;
        char *nl = memchr(line, '\n', r->len - r->pos);
        size_t n = nl ? (size_t)(nl - line) : r->len - r->pos;
        r->pos += n + 1;
        r->line++;
        line[n] = '\0';
        /* <!-- ... --> may span lines */
        char *p = line;
        for (;;) {
            if (r->in_comment) {
                char *end = strstr(p, "-->");
                if (!end) {
                    *p = '\0';
                    break;
                }
                memmove(p, end + 3, strlen(end + 3) + 1);
                r->in_comment = false;
            }
            char *open = strstr(p, "<!--");
            if (!open)
                break;
            *open = '\0';
            char *rest = open + 4;
            char *end = strstr(rest, "-->");
            if (end) {
                memmove(open, end + 3, strlen(end + 3) + 1);
            } else {
                r->in_comment = true;
                break;
            }
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *semi = strchr(line, ';');
        if (semi && (semi == line || isspace((unsigned char)semi[-1])))
            *semi = '\0';
        size_t m = strlen(line);
        while (m > 0 && isspace((unsigned char)line[m - 1]))
            line[--m] = '\0';
        *indented = line[0] == ' ' || line[0] == '\t';
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (*s)
            return s;
    }
    return NULL;
}

/* PHRASE_LIKE_THIS_ -> "phrase like this" in place. */
static char *s_phrase(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '_' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_')
            s[i] = ' ';
        else
            s[i] = (char)tolower((unsigned char)s[i]);
    }
    return s;
}

static int32_t s_date(const char *s, size_t n, bool end)
{
    if (n != 6 && n != 8)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return -1;
    int y;
    size_t k = 0;
    if (n == 8) {
        y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        k = 4;
    } else {
        int yy = (s[0] - '0') * 10 + (s[1] - '0');
        y = yy < 30 ? 2000 + yy : 1900 + yy;
        k = 2;
    }
    unsigned m = (unsigned)((s[k] - '0') * 10 + (s[k + 1] - '0'));
    unsigned d = (unsigned)((s[k + 2] - '0') * 10 + (s[k + 3] - '0'));
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    (void)end;
    return days_from_civil(y, m, d);
}

/* "[RUSGOV 19940922-20040712]": code and dates. Returns 0 or -1. */
static int s_restriction(const char *s, char *country, char *sector, int32_t *from, int32_t *to)
{
    const char *open = strchr(s, '[');
    const char *close = open ? strchr(open, ']') : NULL;
    if (!open || !close)
        return -1;
    char inner[128];
    size_t n = (size_t)(close - open - 1);
    if (n >= sizeof inner)
        return -1;
    memcpy(inner, open + 1, n);
    inner[n] = '\0';
    char *code = inner;
    while (isspace((unsigned char)*code))
        code++;
    char *sp = code;
    while (*sp && !isspace((unsigned char)*sp))
        sp++;
    char *dates = *sp ? sp + 1 : sp;
    *sp = '\0';
    if (!strcmp(code, "---") || !strcmp(code, "###") || !*code)
        return -1; /* null and discard codes */
    size_t cl = strlen(code);
    for (size_t i = 0; i < cl; i++)
        if (!isalnum((unsigned char)code[i]))
            return -1;
    snprintf(country, 4, "%.3s", code);
    snprintf(sector, 4, "%.3s", cl > 3 ? code + 3 : "");
    for (char *c = country; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    for (char *c = sector; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    *from = INT32_MIN;
    *to = INT32_MAX;
    while (isspace((unsigned char)*dates))
        dates++;
    if (*dates == '<' || *dates == '>') {
        const char *d = dates + 1;
        while (isspace((unsigned char)*d))
            d++;
        if (*dates == '<')
            *to = s_date(d, strlen(d), true);
        else
            *from = s_date(d, strlen(d), false);
    } else if (*dates) {
        const char *dash = strchr(dates, '-');
        if (!dash)
            return -2;
        *from = s_date(dates, (size_t)(dash - dates), false);
        *to = s_date(dash + 1, strlen(dash + 1), true);
    }
    if (*from == -1 || *to == -1)
        return -2;
    return 0;
}

int lexicon_import_actors(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct reader r;
    if (s_open(&r, path) != 0)
        return -1;
    uint32_t person = UINT32_MAX;
    bool indented;
    char *s;
    while ((s = s_line(&r, &indented)) != NULL) {
        if (indented && s[0] == '[') {
            /* a restriction of the current actor */
            char country[4], sector[4];
            int32_t from, to;
            int rc = s_restriction(s, country, sector, &from, &to);
            if (rc == -2) {
                /* PETRARCH skips these too: report, keep the rest */
                fprintf(stderr, "%s:%u: warning: ignoring a restriction with bad dates: %s\n", path,
                        r.line, s);
            } else if (rc == 0 && person != UINT32_MAX) {
                lexicon_add_role(lex, person, country, sector, from, to);
            }
            continue;
        }
        if (s[0] == '+') {
            if (person != UINT32_MAX) {
                char *code = strchr(s, '[');
                if (code)
                    *code = '\0';
                lexicon_add_phrase(lex, scratch, s_phrase(s + 1), LX_PERSON, person, false);
            }
            continue;
        }
        /* a primary phrase, perhaps with a default code on the same line */
        char *code = strchr(s, '[');
        char country[4] = "", sector[4] = "";
        int32_t from = INT32_MIN, to = INT32_MAX;
        bool has_code = false;
        if (code) {
            has_code = s_restriction(code, country, sector, &from, &to) == 0;
            *code = '\0';
        }
        char *name = s_phrase(s);
        if (!*name) {
            person = UINT32_MAX;
            continue;
        }
        person = lexicon_add_person(lex, scratch, name, false, true);
        if (has_code)
            lexicon_add_role(lex, person, country, sector, from, to);
    }
    free(r.buf);
    return r.errors ? -1 : 0;
}

/* Adds phrase (and its regular plural unless plural is given or "{}") for an agent. */
static void s_agent_phrase(struct lexicon *lex, struct doc *scratch, const char *phrase,
                           const char *plural, uint32_t agent)
{
    lexicon_add_phrase(lex, scratch, phrase, LX_AGENT, agent, false);
    if (plural) {
        if (*plural)
            lexicon_add_phrase(lex, scratch, plural, LX_AGENT, agent, false);
        return;
    }
    size_t n = strlen(phrase);
    if (n == 0 || n > 200)
        return;
    char buf[256];
    char last = phrase[n - 1], prev = n > 1 ? phrase[n - 2] : 0;
    if (last == 's' || last == 'x' || last == 'z' || (last == 'h' && (prev == 'c' || prev == 's')))
        snprintf(buf, sizeof buf, "%ses", phrase);
    else if (last == 'y' && !strchr("aeiou", prev))
        snprintf(buf, sizeof buf, "%.*sies", (int)(n - 1), phrase);
    else
        snprintf(buf, sizeof buf, "%ss", phrase);
    lexicon_add_phrase(lex, scratch, buf, LX_AGENT, agent, false);
}

struct macro {
    char name[32];   /* "!MINIST!" */
    char *words[16]; /* its expansions, lower case */
    size_t n;
};

int lexicon_import_agents(struct lexicon *lex, struct doc *scratch, const char *path)
{
    struct reader r;
    if (s_open(&r, path) != 0)
        return -1;
    struct macro macros[32];
    size_t nmacros = 0;
    bool indented;
    char *s;
    while ((s = s_line(&r, &indented)) != NULL) {
        if (s[0] == '!' && strstr(s, "=")) {
            /* !NAME! = A, B, C */
            char *eq = strchr(s, '=');
            *eq = '\0';
            char *name = s;
            size_t nl = strlen(name);
            while (nl > 0 && isspace((unsigned char)name[nl - 1]))
                name[--nl] = '\0';
            if (nmacros == 32 || nl >= sizeof macros[0].name)
                continue;
            struct macro *m = &macros[nmacros++];
            snprintf(m->name, sizeof m->name, "%s", name);
            m->n = 0;
            char *save = NULL;
            for (char *w = strtok_r(eq + 1, ",", &save); w && m->n < 16;
                 w = strtok_r(NULL, ",", &save)) {
                while (isspace((unsigned char)*w))
                    w++;
                m->words[m->n++] = s_phrase(w);
            }
            continue;
        }
        char *open = strchr(s, '[');
        if (!open)
            continue;
        char *close = strchr(open, ']');
        if (!close)
            continue;
        *close = '\0';
        char *code = open + 1;
        while (isspace((unsigned char)*code))
            code++;
        char sector[4] = "";
        if (code[0] == '~')
            snprintf(sector, sizeof sector, "%.3s", code + 1);
        else
            snprintf(sector, sizeof sector, "%.3s", code);
        for (char *c = sector; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        *open = '\0';
        if (strlen(sector) != 3)
            continue;
        char *plural = NULL;
        char *brace = strchr(s, '{');
        if (brace) {
            char *bend = strchr(brace, '}');
            if (bend) {
                *bend = '\0';
                plural = s_phrase(brace + 1);
            }
            *brace = '\0';
        }
        char *phrase = s_phrase(s);
        if (!*phrase)
            continue;
        uint32_t agent = lexicon_add_agent(lex, sector);
        /* a macro anywhere in the phrase expands to each of its words */
        const struct macro *m = NULL;
        char *at = NULL;
        for (size_t k = 0; k < nmacros && !m; k++) {
            char lower[32];
            size_t ln = strlen(macros[k].name);
            for (size_t i = 0; i <= ln; i++)
                lower[i] = (char)tolower((unsigned char)macros[k].name[i]);
            at = strstr(phrase, lower);
            if (at)
                m = &macros[k];
        }
        if (!m) {
            s_agent_phrase(lex, scratch, phrase, plural, agent);
            continue;
        }
        size_t before = (size_t)(at - phrase), mlen = strlen(m->name);
        for (size_t k = 0; k < m->n; k++) {
            char buf[MAX_LINE];
            snprintf(buf, sizeof buf, "%.*s%s%s", (int)before, phrase, m->words[k], at + mlen);
            lexicon_add_phrase(lex, scratch, buf, LX_AGENT, agent, false);
        }
    }
    free(r.buf);
    return r.errors ? -1 : 0;
}
