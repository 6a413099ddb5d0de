/* robots.c - robots.txt parsing and matching (see robots.h). */
#include "robots.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct s_rule {
    char *pat;     /* normalised pattern, without a final '$' */
    size_t weight; /* its length with the '$': the specificity that decides between rules */
    bool allow;    /* Allow, not Disallow */
    bool anchored; /* the pattern ended with '$': it must match the whole path */
};

/* The rules and Crawl-delay gathered from the groups of one kind (ours, or "*"). */
struct s_rules {
    struct s_rule *v;
    size_t n, cap;
    long delay_ms; /* the largest Crawl-delay seen, 0 when none */
    bool seen;     /* at least one such group exists, even an empty one */
};

enum s_mode { S_RULES, S_ALLOW_ALL, S_DENY_ALL };

struct robots {
    enum s_mode mode;
    struct s_rule *rules; /* with S_RULES: the rules of the groups that apply to us */
    size_t n_rules;
    long delay_ms;
};

static char s_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool s_is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static int s_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = s_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* True when s[0..n) equals word, ignoring ASCII case. */
static bool s_ieq(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n && word[i]; i++)
        if (s_lower(s[i]) != s_lower(word[i]))
            return false;
    return i == n && word[i] == '\0';
}

static void s_put_escape(struct pl_buf *b, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[3] = {'%', hex[c >> 4], hex[c & 15]};
    pl_buf_append(b, e, 3);
}

/* Appends s[0..n) in the normal form described in robots.h. In a pattern '*' is a wildcard
 * (runs of them fold into one); in a path a literal '*' or '$' is escaped so that it can only
 * meet an escaped one in a pattern. */
static void s_normalise(const char *s, size_t n, bool pattern, struct pl_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? s_hex(s[i + 1]) : -1;
            int lo = i + 2 < n ? s_hex(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                pl_buf_puts(out, "%25"); /* a lone '%' */
                continue;
            }
            unsigned char v = (unsigned char)(hi * 16 + lo);
            i += 2;
            if (v > 0x20 && v < 0x7f && !strchr("%*$?#", v))
                pl_buf_putc(out, (char)v);
            else
                s_put_escape(out, v);
        } else if (c == '*' && pattern) {
            if (out->len == 0 || out->data[out->len - 1] != '*')
                pl_buf_putc(out, '*');
        } else if (c <= 0x20 || c >= 0x7f || c == '$' || c == '*') {
            s_put_escape(out, c);
        } else {
            pl_buf_putc(out, (char)c);
        }
    }
}

/* Does pat (with '*' wildcards) match a prefix of path, or all of it when anchored? Classic
 * wildcard matching that, on a mismatch, only retries from the most recent star: earlier stars
 * never need revisiting, so the work is bounded by strlen(pat) * strlen(path). */
static bool s_match(const char *pat, bool anchored, const char *path)
{
    size_t p = 0, s = 0;
    size_t star = SIZE_MAX, mark = 0;
    size_t m = strlen(pat), n = strlen(path);
    while (s < n) {
        if (p == m && !anchored)
            return true; /* the whole pattern matched a prefix */
        if (p < m && pat[p] == '*') {
            star = p++;
            mark = s;
        } else if (p < m && pat[p] == path[s]) {
            p++;
            s++;
        } else if (star != SIZE_MAX) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (p < m && pat[p] == '*')
        p++;
    return p == m;
}

/* Does a User-agent value name us? Our token must appear as a whole word, ignoring case. */
static bool s_agent_matches(const char *v, size_t n, const char *token, size_t tn)
{
    if (tn == 0 || n < tn)
        return false;
    for (size_t i = 0; i + tn <= n; i++) {
        if (i > 0 && s_is_token_char(v[i - 1]))
            continue;
        if (i + tn < n && s_is_token_char(v[i + tn]))
            continue;
        size_t k = 0;
        while (k < tn && s_lower(v[i + k]) == s_lower(token[k]))
            k++;
        if (k == tn)
            return true;
    }
    return false;
}

static void s_add_rule(struct s_rules *rs, bool allow, const char *v, size_t n)
{
    struct s_rule r = {NULL, 0, allow, false};
    if (n > 0 && v[n - 1] == '$') {
        r.anchored = true;
        n--;
    }
    struct pl_buf b;
    pl_buf_init(&b);
    if (n == 0 || (v[0] != '/' && v[0] != '*'))
        pl_buf_putc(&b, '/'); /* as Google does with "Disallow: page.html" */
    s_normalise(v, n, true, &b);
    r.weight = b.len + (r.anchored ? 1 : 0);
    r.pat = pl_buf_detach(&b, NULL);
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 8;
        rs->v = pl_xrealloc(rs->v, rs->cap * sizeof rs->v[0]);
    }
    rs->v[rs->n++] = r;
}

static void s_rules_release(struct s_rules *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->v[i].pat);
    free(rs->v);
    memset(rs, 0, sizeof *rs);
}

/* "10", "0.5", "2.25": seconds to milliseconds, capped; -1 when not such a number. */
static long s_delay_ms(const char *v, size_t n)
{
    size_t i = 0;
    long whole = 0, frac = 0, scale = 100;
    if (n == 0 || !(v[0] >= '0' && v[0] <= '9'))
        return -1;
    for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
        if (whole <= ROBOTS_MAX_DELAY_MS / 1000)
            whole = whole * 10 + (v[i] - '0');
    if (i < n && v[i] == '.') {
        for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
            frac += (v[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (i != n)
        return -1;
    long ms = whole > ROBOTS_MAX_DELAY_MS / 1000 ? ROBOTS_MAX_DELAY_MS : whole * 1000 + frac;
    return ms > ROBOTS_MAX_DELAY_MS ? ROBOTS_MAX_DELAY_MS : ms;
}

static void s_trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

struct s_parser {
    const char *token; /* our product token */
    size_t token_len;
    struct s_rules mine, any; /* rules of the groups naming us, and of the "*" groups */
    bool in_agents;           /* the last record was a User-agent line */
    bool in_group;            /* a User-agent line has been seen */
    bool g_mine, g_any;       /* the current group names us / is "*" */
};

static void s_line(struct s_parser *ps, const char *line, size_t n)
{
    const char *hash = memchr(line, '#', n);
    if (hash)
        n = (size_t)(hash - line);
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return;
    const char *key = line, *val = colon + 1;
    size_t kn = (size_t)(colon - line), vn = n - kn - 1;
    s_trim(&key, &kn);
    s_trim(&val, &vn);

    if (s_ieq(key, kn, "user-agent")) {
        if (!ps->in_agents) /* consecutive User-agent lines share one group */
            ps->g_mine = ps->g_any = false;
        ps->in_agents = ps->in_group = true;
        if (vn == 1 && val[0] == '*')
            ps->g_any = ps->any.seen = true;
        else if (s_agent_matches(val, vn, ps->token, ps->token_len))
            ps->g_mine = ps->mine.seen = true;
        return;
    }
    bool allow = s_ieq(key, kn, "allow");
    if (allow || s_ieq(key, kn, "disallow")) {
        ps->in_agents = false;
        if (!ps->in_group || vn == 0) /* an empty rule matches nothing */
            return;
        if (ps->g_mine)
            s_add_rule(&ps->mine, allow, val, vn);
        if (ps->g_any)
            s_add_rule(&ps->any, allow, val, vn);
    } else if (s_ieq(key, kn, "crawl-delay")) {
        ps->in_agents = false;
        long ms = s_delay_ms(val, vn);
        if (!ps->in_group || ms < 0)
            return;
        if (ps->g_mine && ms > ps->mine.delay_ms)
            ps->mine.delay_ms = ms;
        if (ps->g_any && ms > ps->any.delay_ms)
            ps->any.delay_ms = ms;
    }
    /* Sitemap and unknown lines belong to no group and do not end one. */
}

struct robots *robots_parse(const char *body, size_t len, const char *agent)
{
    struct robots *r = pl_xcalloc(1, sizeof *r);
    r->mode = S_RULES;
    if (!body)
        len = 0;
    if (len > ROBOTS_MAX_BYTES) {
        /* Drop the line the cap cuts through: half a rule could mean anything. */
        bool cut = body[ROBOTS_MAX_BYTES] != '\n' && body[ROBOTS_MAX_BYTES] != '\r';
        len = ROBOTS_MAX_BYTES;
        while (cut && len > 0 && body[len - 1] != '\n' && body[len - 1] != '\r')
            len--;
    }
    size_t i = 0;
    if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
        i = 3;

    struct s_parser ps;
    memset(&ps, 0, sizeof ps);
    ps.token = agent ? agent : "";
    ps.token_len = strcspn(ps.token, "/ \t");

    while (i < len) {
        size_t start = i;
        while (i < len && body[i] != '\n' && body[i] != '\r')
            i++;
        s_line(&ps, body + start, i - start);
        if (i < len && body[i] == '\r' && i + 1 < len && body[i + 1] == '\n')
            i++;
        i++;
    }

    struct s_rules *use = ps.mine.seen ? &ps.mine : &ps.any;
    r->rules = use->v;
    r->n_rules = use->n;
    r->delay_ms = use->delay_ms;
    use->v = NULL;
    use->n = 0;
    s_rules_release(&ps.mine);
    s_rules_release(&ps.any);
    return r;
}

struct robots *robots_allow_all(void)
{
    struct robots *r = pl_xcalloc(1, sizeof *r);
    r->mode = S_ALLOW_ALL;
    return r;
}

struct robots *robots_deny_all(void)
{
    struct robots *r = pl_xcalloc(1, sizeof *r);
    r->mode = S_DENY_ALL;
    return r;
}

bool robots_allowed(const struct robots *r, const char *path)
{
    assert(r);
    if (!path)
        path = "";
    size_t n = strcspn(path, "#");
    struct pl_buf p;
    pl_buf_init(&p);
    if (n == 0)
        pl_buf_putc(&p, '/');
    s_normalise(path, n, false, &p);

    bool allowed = true;
    if (strcmp(p.data, "/robots.txt") == 0 || r->mode == S_ALLOW_ALL) {
        allowed = true;
    } else if (r->mode == S_DENY_ALL) {
        allowed = false;
    } else {
        bool found = false;
        size_t best = 0;
        for (size_t i = 0; i < r->n_rules; i++) {
            const struct s_rule *rule = &r->rules[i];
            if (found && rule->weight < best)
                continue; /* cannot win: skip the match */
            if (found && rule->weight == best && !rule->allow)
                continue; /* a tie goes to Allow */
            if (!s_match(rule->pat, rule->anchored, p.data))
                continue;
            found = true;
            best = rule->weight;
            allowed = rule->allow;
        }
    }
    pl_buf_release(&p);
    return allowed;
}

long robots_crawl_delay_ms(const struct robots *r)
{
    return r && r->mode == S_RULES ? r->delay_ms : 0;
}

void robots_free(struct robots **r)
{
    if (!r || !*r)
        return;
    for (size_t i = 0; i < (*r)->n_rules; i++)
        free((*r)->rules[i].pat);
    free((*r)->rules);
    free(*r);
    *r = NULL;
}
