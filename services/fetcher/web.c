/* web.c - see web.h. */
#include "web.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feed.h"
#include "http.h"
#include "pl_log.h"
#include "pl_util.h"

#define MAX_ITEMS_QUEUED 10000 /* feed links waiting to be fetched */

enum ukind { U_UNKNOWN, U_FEED, U_PAGE };

struct uinput {
    char *url;
    enum ukind kind;
    long every_ms; /* feeds: poll interval */
    int64_t next;  /* when to fetch next (monotonic ms) */
    bool in_flight;
    bool fetched; /* fetched at least once (a page: finished) */
};

struct item {
    char *link;
    char *published; /* from the feed, may be NULL */
    size_t feed;     /* index of the feed input */
    bool in_flight;
};

/* Tags say what a response answers: the top byte the kind, the rest an index. */
#define TAG_INPUT (1ull << 56)
#define TAG_ITEM  (2ull << 56)
#define TAG_MASK  ((1ull << 56) - 1)

struct web {
    struct http_client *http;
    bool once;
    struct uinput *in;
    size_t n;
    struct item *items; /* slots; link NULL when free */
    size_t nitems, cap_items, queued, items_in_flight;
};

int web_parse_input(const char *input, char **url, long *every_s)
{
    *url = NULL;
    *every_s = 0;
    size_t n = strcspn(input, " \t");
    const char *p = input + n;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p) {
        if (strncmp(p, "every=", 6) != 0)
            return -1;
        uint64_t v;
        size_t m = strcspn(p + 6, " \t");
        char num[32];
        if (m == 0 || m >= sizeof num)
            return -1;
        memcpy(num, p + 6, m);
        num[m] = '\0';
        if (pl_parse_u64(num, 1, 7 * 24 * 3600, &v) != 0)
            return -1;
        const char *rest = p + 6 + m;
        while (*rest == ' ' || *rest == '\t')
            rest++;
        if (*rest)
            return -1;
        *every_s = (long)v;
    }
    *url = pl_xstrndup(input, n);
    return 0;
}

static bool s_is_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

struct web *web_new(const struct fetcher_config *cfg, char *const *inputs, size_t n, char *err,
                    size_t errlen)
{
    struct web *w = pl_xcalloc(1, sizeof *w);
    w->once = cfg->once;
    w->in = pl_xcalloc(n ? n : 1, sizeof *w->in);
    for (size_t i = 0; i < n; i++) {
        if (!s_is_url(inputs[i]))
            continue;
        char *url;
        long every;
        if (web_parse_input(inputs[i], &url, &every) != 0) {
            snprintf(err, errlen,
                     "input \"%s\": a URL may be followed only by every=SECONDS (1..604800)",
                     inputs[i]);
            web_destroy(&w);
            return NULL;
        }
        struct uinput *u = &w->in[w->n++];
        u->url = url;
        u->every_ms = (every ? every : (long)cfg->feed_interval_s) * 1000L;
    }
    if (w->n == 0)
        return w;
    struct http_config hc;
    http_config_defaults(&hc);
    hc.user_agent = cfg->user_agent;
    hc.robots_agent = "parley";
    hc.robots = cfg->robots;
    hc.connect_timeout_ms = (long)cfg->http_connect_ms;
    hc.timeout_ms = (long)cfg->http_timeout_ms;
    hc.max_bytes = (size_t)cfg->http_max_bytes;
    hc.max_redirects = (long)cfg->http_max_redirects;
    hc.per_host = (int)cfg->http_per_host;
    hc.delay_ms = (long)cfg->http_delay_ms;
    hc.retries = (int)cfg->http_retries;
    hc.backoff_ms = (long)cfg->http_backoff_ms;
    hc.backoff_max_ms = (long)cfg->http_backoff_max_ms;
    w->http = http_client_new(&hc, err, errlen);
    if (!w->http) {
        web_destroy(&w);
        return NULL;
    }
    return w;
}

void web_destroy(struct web **wp)
{
    if (!wp || !*wp)
        return;
    struct web *w = *wp;
    http_client_destroy(&w->http);
    for (size_t i = 0; i < w->n; i++)
        free(w->in[i].url);
    free(w->in);
    for (size_t i = 0; i < w->nitems; i++) {
        free(w->items[i].link);
        free(w->items[i].published);
    }
    free(w->items);
    free(w);
    *wp = NULL;
}

int web_fd(const struct web *w)
{
    return w->http ? http_client_fd(w->http) : -1;
}

bool web_finished(const struct web *w)
{
    if (w->queued > 0 || (w->http && http_client_outstanding(w->http) > 0))
        return false;
    for (size_t i = 0; i < w->n; i++) {
        const struct uinput *u = &w->in[i];
        if (u->in_flight || !u->fetched || (u->kind == U_FEED && !w->once))
            return false;
    }
    return true;
}

/* --- feeds -------------------------------------------------------------------------------- */

static bool s_queued(const struct web *w, const char *link)
{
    for (size_t i = 0; i < w->nitems; i++)
        if (w->items[i].link && strcmp(w->items[i].link, link) == 0)
            return true;
    return false;
}

static void s_queue_item(struct web *w, const char *link, const char *published, size_t feed)
{
    size_t slot = w->nitems;
    for (size_t i = 0; i < w->nitems; i++)
        if (!w->items[i].link) {
            slot = i;
            break;
        }
    if (slot == w->nitems) {
        if (w->nitems == w->cap_items) {
            w->cap_items = w->cap_items ? 2 * w->cap_items : 64;
            w->items = pl_xrealloc(w->items, w->cap_items * sizeof *w->items);
        }
        w->nitems++;
    }
    w->items[slot] = (struct item){.link = pl_xstrdup(link),
                                   .published = published ? pl_xstrdup(published) : NULL,
                                   .feed = feed};
    w->queued++;
}

static void s_free_item(struct web *w, size_t i)
{
    free(w->items[i].link);
    free(w->items[i].published);
    w->items[i] = (struct item){0};
    w->queued--;
    while (w->nitems > 0 && !w->items[w->nitems - 1].link)
        w->nitems--;
}

/* The items of a parsed feed that are new go to the queue. */
static int s_feed_items(struct web *w, struct outbox *ob, size_t fi, const struct feed *f)
{
    size_t fresh = 0, known = 0, dropped = 0;
    for (size_t i = 0; i < f->n_items; i++) {
        const char *link = f->items[i].link;
        int has = outbox_has_url(ob, link);
        if (has < 0)
            return -1;
        if (has || s_queued(w, link)) {
            known++;
            continue;
        }
        if (w->queued >= MAX_ITEMS_QUEUED) {
            dropped++; /* found again at the next poll */
            continue;
        }
        s_queue_item(w, link, f->items[i].published, fi);
        fresh++;
    }
    pl_log_info("feed polled url=%s items=%zu new=%zu known=%zu%s", w->in[fi].url, f->n_items,
                fresh, known, dropped ? " (queue full: the rest at the next poll)" : "");
    return 0;
}

static bool s_looks_like_feed(const struct http_response *r)
{
    const char *ct = r->content_type ? r->content_type : "";
    if (strstr(ct, "rss") || strstr(ct, "atom") || strstr(ct, "/xml") || strstr(ct, "+xml"))
        return true;
    /* servers often send feeds as text/plain or text/html: look at the start */
    size_t n = r->len < 512 ? r->len : 512;
    for (size_t i = 0; i + 4 < n; i++)
        if (r->body[i] == '<' &&
            (strncmp(r->body + i, "<rss", 4) == 0 || strncmp(r->body + i, "<feed", 5) == 0 ||
             strncmp(r->body + i, "<rdf:RDF", 8) == 0))
            return true;
    return false;
}

/* --- responses ---------------------------------------------------------------------------- */

static int s_dead(struct outbox *ob, const char *src, const char *reason, struct sources_stats *st)
{
    int rc = outbox_add_dead(ob, src, src, reason);
    if (rc == 1) {
        st->failed++;
        pl_log_warn("page not taken in url=%s: %s", src, reason);
    }
    return rc < 0 ? -1 : 0;
}

/* A page's response into the outbox. */
static int s_page(struct outbox *ob, const char *src, const struct http_response *r,
                  const char *published_hint, struct sources_stats *st)
{
    if (r->error[0])
        return s_dead(ob, src, r->error, st);
    if (!r->body || r->len == 0)
        return s_dead(ob, src, "the page is empty", st);
    st->bytes += r->len;
    struct pl_article a;
    char why[256];
    const char *url = r->final_url ? r->final_url : src;
    if (sources_html_article(r->body, r->len, r->content_type, url, published_hint, &a, why,
                             sizeof why) != 0)
        return s_dead(ob, src, why, st);
    char dup[PL_ID_HEX + 1] = "";
    int rc = outbox_add(ob, &a, src, dup);
    if (rc == 1) {
        st->added++;
        pl_log_debug("taken in id=%s url=%s bytes=%zu", a.id, url, strlen(a.text));
    } else if (rc == 0) {
        st->dups++;
        pl_log_info("duplicate not taken in url=%s id=%s same_as=%s", src, a.id, dup);
    }
    pl_article_release(&a);
    return rc < 0 ? -1 : 0;
}

static int s_input_response(struct web *w, struct outbox *ob, size_t i,
                            const struct http_response *r, struct sources_stats *st)
{
    struct uinput *u = &w->in[i];
    u->in_flight = false;
    u->fetched = true;
    if (u->kind != U_FEED && !r->not_modified && !r->error[0] && r->body && s_looks_like_feed(r)) {
        struct feed f = {0};
        char why[256];
        if (feed_parse(r->body, r->len, r->final_url ? r->final_url : u->url, &f, why,
                       sizeof why) == 0) {
            if (u->kind == U_UNKNOWN)
                pl_log_info("input is a feed url=%s title=\"%s\" every=%lds", u->url,
                            f.title ? f.title : "", u->every_ms / 1000);
            u->kind = U_FEED;
        }
        feed_release(&f);
    }
    if (u->kind == U_FEED) {
        u->next = pl_now_ms() + u->every_ms;
        if (r->not_modified) {
            pl_log_debug("feed not modified url=%s", u->url);
            return 0;
        }
        if (r->error[0]) {
            pl_log_warn("feed poll failed url=%s: %s%s", u->url, r->error,
                        w->once ? "" : "; trying again at the next poll");
            return w->once ? s_dead(ob, u->url, r->error, st) : 0;
        }
        struct feed f = {0};
        char why[256];
        if (feed_parse(r->body ? r->body : "", r->len, r->final_url ? r->final_url : u->url, &f,
                       why, sizeof why) != 0) {
            pl_log_warn("feed unreadable url=%s: %s", u->url, why);
            return 0;
        }
        int rc = s_feed_items(w, ob, i, &f);
        feed_release(&f);
        if (rc == 0 && outbox_validators_put(ob, u->url, r->etag, r->last_modified) != 0)
            rc = -1;
        return rc;
    }
    u->kind = U_PAGE;
    return s_page(ob, u->url, r, NULL, st);
}

static int s_take_responses(struct web *w, struct outbox *ob, struct sources_stats *st)
{
    struct http_response r;
    int n = 0;
    while (http_client_take(w->http, &r) == 1) {
        int rc = 0;
        uint64_t idx = r.tag & TAG_MASK;
        if ((r.tag & ~TAG_MASK) == TAG_INPUT && idx < w->n) {
            rc = s_input_response(w, ob, (size_t)idx, &r, st);
        } else if ((r.tag & ~TAG_MASK) == TAG_ITEM && idx < w->nitems && w->items[idx].link) {
            struct item *it = &w->items[idx];
            rc = s_page(ob, it->link, &r, it->published, st);
            w->items_in_flight--;
            s_free_item(w, (size_t)idx);
        }
        http_response_release(&r);
        if (rc != 0)
            return -1;
        n++;
    }
    return n;
}

int web_pump(struct web *w, struct outbox *ob, size_t room, struct sources_stats *st)
{
    if (!w->http)
        return 0;
    int handled = s_take_responses(w, ob, st);
    if (handled < 0)
        return -1;
    int64_t now = pl_now_ms();
    for (size_t i = 0; i < w->n; i++) {
        struct uinput *u = &w->in[i];
        if (u->in_flight || (u->fetched && u->kind != U_FEED) || u->next > now)
            continue;
        if (u->kind == U_FEED && w->once)
            continue; /* polled once */
        if (u->kind != U_FEED) {
            if (room == 0)
                continue; /* a page is an article: only with room */
            int has = outbox_has_url(ob, u->url);
            if (has < 0)
                return -1;
            if (has) {
                u->fetched = true;
                u->kind = U_PAGE;
                pl_log_info("page taken in before url=%s; not fetched again", u->url);
                continue;
            }
        }
        char *etag = NULL, *lm = NULL;
        if (u->kind == U_FEED && outbox_validators_get(ob, u->url, &etag, &lm) != 0)
            return -1;
        if (http_client_submit(w->http, u->url, etag, lm, TAG_INPUT | i) == 0)
            u->in_flight = true;
        else
            u->fetched = true; /* not http(s): cannot happen, web_new took only URLs */
        free(etag);
        free(lm);
    }
    for (size_t i = 0; i < w->nitems && w->items_in_flight < room; i++) {
        struct item *it = &w->items[i];
        if (!it->link || it->in_flight)
            continue;
        if (http_client_submit(w->http, it->link, NULL, NULL, TAG_ITEM | i) == 0) {
            it->in_flight = true;
            w->items_in_flight++;
        } else {
            s_free_item(w, i);
        }
    }
    return handled;
}
