/* http.c - see http.h.
 *
 * Threads: the caller's threads touch only c->sh (under its mutex), the eventfd and
 * curl_multi_wakeup, which libcurl makes safe to call from any thread. Everything else belongs
 * to the worker thread, which alone drives the multi handle.
 *
 * A request travels: http_client_submit -> c->sh->in_* (under the mutex) -> its host's FIFO queue
 * -> in flight -> [c->retry -> front of the host queue -> in flight ...] -> c->sh->done_* ->
 * http_client_take. robots.txt fetches are the same struct req of another kind; they jump to
 * the front of their host's queue and never reach the caller.
 */
#include "http.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "robots.h"

/* curl_multi_poll and curl_multi_wakeup need libcurl 7.68: CMakeLists.txt requires it. */

#define DEFAULT_ROBOTS_TTL_MS   (60L * 60 * 1000)
#define DEFAULT_ROBOTS_RETRY_MS (5L * 60 * 1000)
#define MAX_LONG_MS             (24L * 60 * 60 * 1000) /* no configured duration beyond a day */
#define MAX_RETRIES             20
#define ROBOTS_TRIES            2     /* a robots.txt fetch is retried once */
#define SWEEP_EVERY_MS          60000 /* how often idle hosts are forgotten */
#define MAX_WAIT_MS             60000 /* longest sleep without a reason to wake */
#define FIRST_BUCKETS           64

enum req_kind { REQ_PAGE, REQ_ROBOTS };

struct req {
    struct req *next;          /* in c->sh->in_*, a host queue or c->retry */
    struct req *fprev, *fnext; /* in c->flight while in transfer */
    enum req_kind kind;
    uint64_t tag;
    char *url;
    char *etag, *last_modified; /* validators to send, may be NULL */
    char *host_key;             /* "scheme://host:port", lower case */
    char *path;                 /* path and query, what robots.txt rules match */
    struct host *host;          /* set when the worker admits it */
    struct http_client *c;      /* for the callbacks */
    CURL *easy;                 /* made at the first start, kept over retries */
    struct curl_slist *headers; /* conditional GET headers, may be NULL */
    int tries;                  /* attempts started */
    bool robots_ok;             /* robots.txt rules were consulted and allow it */
    int64_t not_before;         /* in c->retry: earliest start of the next try */
    /* The current try; reset before each. Header fields follow the last response seen, so
     * after redirects they describe the final one. */
    struct pl_buf body;
    bool over_cap;      /* the write callback stopped a body over max_bytes */
    bool truncated;     /* robots.txt longer than we keep: stopped, parse what we have */
    bool body_started;  /* the write callback ran for this response */
    bool rsp_encoded;   /* Content-Encoding other than identity */
    long long rsp_size; /* Content-Length, -1 when none */
    long rsp_retry_ms;  /* Retry-After in ms, -1 when none */
    char *rsp_etag, *rsp_last_modified, *rsp_content_type;
    char errbuf[CURL_ERROR_SIZE];
};

enum robots_state {
    ROBOTS_NONE,     /* not fetched yet (or robots off) */
    ROBOTS_FETCHING, /* a robots req is queued, in flight or waiting to retry */
    ROBOTS_READY     /* h->robots holds rules until robots_expires */
};

struct host {
    struct host *hnext;         /* hash chain */
    struct host *rprev, *rnext; /* ring of hosts with waiting requests */
    bool in_ring;
    char *key;                 /* "scheme://host:port" */
    struct req *qhead, *qtail; /* waiting requests, FIFO */
    int active;                /* transfers in flight */
    int retrying;              /* requests of this host in c->retry */
    int64_t last_start;        /* when the last transfer started */
    int64_t hold_until;        /* Retry-After from this host: no start before */
    enum robots_state rstate;
    struct robots *robots;  /* rules while ROBOTS_READY */
    int64_t robots_expires; /* monotonic ms */
    char robots_why[160];   /* why the whole host is denied, "" when rules were parsed */
};

/* A finished response waiting in c->sh->done_*. */
struct done {
    struct done *next;
    struct http_response r;
};

/* What both threads touch, all of it under mu. */
struct shared {
    pthread_mutex_t mu;
    struct req *in_head, *in_tail;      /* submitted, not yet admitted by the worker */
    struct done *done_head, *done_tail; /* finished, not yet taken */
    size_t outstanding;                 /* submitted and not yet taken */
    bool stop;                          /* the worker should exit */
};

struct http_client {
    struct http_config cfg;  /* copy; the strings point to the two below */
    char *user_agent;        /* owned */
    char *robots_agent;      /* owned, may be NULL when robots is off */
    CURLM *multi;            /* driven by the worker; woken from anywhere */
    int efd;                 /* eventfd, nonzero while sh->done_head != NULL */
    pthread_t thread;        /* the worker */
    struct shared *sh;       /* the meeting point (a pointer, so a const client can lock) */
    struct host **buckets;   /* worker: hosts by key */
    size_t nbuckets, nhosts; /* worker */
    struct host *ring_head;  /* worker: hosts with waiting requests, next served first */
    struct host *ring_tail;  /* worker */
    size_t ring_len;         /* worker */
    struct req *retry;       /* worker: requests waiting out a backoff, unordered */
    struct req *flight;      /* worker: requests in transfer */
    int active;              /* worker: transfers in flight */
    int64_t last_sweep;      /* worker: when idle hosts were last forgotten */
};

static pthread_once_t s_curl_once = PTHREAD_ONCE_INIT;
static CURLcode s_curl_rc = CURLE_FAILED_INIT;

static void s_curl_init(void)
{
    s_curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_why(char *buf, size_t len, const char *fmt, ...) PL_PRINTF(3, 4);
static void s_why(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap); /* truncation of a reason is harmless */
    va_end(ap);
}

static bool s_has_line_break(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

/* ---------------------------------------------------------------- config */

void http_config_defaults(struct http_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->robots = true;
    cfg->connect_timeout_ms = 10000;
    cfg->timeout_ms = 30000;
    cfg->low_speed_bytes = 100;
    cfg->low_speed_s = 20;
    cfg->max_bytes = 10u * 1024 * 1024;
    cfg->max_redirects = 5;
    cfg->per_host = 2;
    cfg->max_total = 16;
    cfg->delay_ms = 1000;
    cfg->retries = 3;
    cfg->backoff_ms = 1000;
    cfg->backoff_max_ms = 60000;
    cfg->robots_ttl_ms = DEFAULT_ROBOTS_TTL_MS;
    cfg->robots_retry_ms = DEFAULT_ROBOTS_RETRY_MS;
}

static bool s_ms_ok(long v, long min)
{
    return v >= min && v <= MAX_LONG_MS;
}

static int s_config_check(const struct http_config *cfg, char *err, size_t errlen)
{
    const char *bad = NULL;
    if (!cfg->user_agent || !cfg->user_agent[0] || s_has_line_break(cfg->user_agent))
        bad = "user_agent must be a non-empty single line";
    else if (cfg->robots && (!cfg->robots_agent || !cfg->robots_agent[0]))
        bad = "robots_agent is required when robots is on";
    else if (!s_ms_ok(cfg->connect_timeout_ms, 1) || !s_ms_ok(cfg->timeout_ms, 1))
        bad = "connect_timeout_ms and timeout_ms must be 1 ms .. 1 day";
    else if (cfg->low_speed_bytes < 0 || cfg->low_speed_s < 0 || cfg->low_speed_s > 86400)
        bad = "low_speed_bytes and low_speed_s must not be negative";
    else if (cfg->max_bytes == 0 || cfg->max_bytes > (size_t)1 << 40)
        bad = "max_bytes must be 1 .. 2^40";
    else if (cfg->max_redirects < 0 || cfg->max_redirects > 100)
        bad = "max_redirects must be 0 .. 100";
    else if (cfg->per_host < 1 || cfg->max_total < 1 || cfg->max_total > 100000)
        bad = "per_host and max_total must be at least 1";
    else if (!s_ms_ok(cfg->delay_ms, 0))
        bad = "delay_ms must be 0 .. 1 day";
    else if (cfg->retries < 0 || cfg->retries > MAX_RETRIES)
        bad = "retries must be 0 .. 20";
    else if (!s_ms_ok(cfg->backoff_ms, 0) || !s_ms_ok(cfg->backoff_max_ms, cfg->backoff_ms))
        bad = "backoff_ms and backoff_max_ms must be 0 .. 1 day, backoff_ms <= backoff_max_ms";
    else if (!s_ms_ok(cfg->robots_ttl_ms, 0) || !s_ms_ok(cfg->robots_retry_ms, 0))
        bad = "robots_ttl_ms and robots_retry_ms must be 0 .. 1 day";
    if (!bad)
        return 0;
    s_why(err, errlen, "bad http config: %s", bad);
    return -1;
}

/* ---------------------------------------------------------------- requests */

/* Splits an absolute http(s) URL into its host key and its path with query. */
static int s_parse_url(const char *url, char **host_key, char **path)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *upath = NULL, *query = NULL;
    int rc = -1;
    if (!u)
        return -1;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        goto out;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0] ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &upath, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
        query = NULL; /* none */
    /* Host names compare without case; curl already lower-cases the scheme. */
    for (char *p = host; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    struct pl_buf b;
    pl_buf_init(&b);
    pl_buf_printf(&b, "%s://%s:%s", scheme, host, port);
    *host_key = pl_buf_detach(&b, NULL);
    pl_buf_printf(&b, "%s%s%s", upath[0] ? upath : "/", query ? "?" : "", query ? query : "");
    *path = pl_buf_detach(&b, NULL);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(upath);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

/* Forgets the headers of the response before this one (a redirect, or an earlier try). */
static void s_reset_response(struct req *r)
{
    free(r->rsp_etag);
    free(r->rsp_last_modified);
    free(r->rsp_content_type);
    r->rsp_etag = r->rsp_last_modified = r->rsp_content_type = NULL;
    r->rsp_encoded = false;
    r->rsp_size = -1;
    r->rsp_retry_ms = -1;
    r->body_started = false;
}

/* Readies r for another try: nothing of the last one is kept. */
static void s_reset_try(struct req *r)
{
    s_reset_response(r);
    pl_buf_release(&r->body); /* not clear: a 10 MB error page should not wait out a backoff */
    r->over_cap = false;
    r->truncated = false;
    r->errbuf[0] = '\0';
}

static void s_req_free(struct req *r)
{
    if (!r)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    s_reset_try(r);
    free(r->url);
    free(r->etag);
    free(r->last_modified);
    free(r->host_key);
    free(r->path);
    free(r);
}

static void s_req_list_free(struct req *r)
{
    while (r) {
        struct req *next = r->next;
        s_req_free(r);
        r = next;
    }
}

/* ---------------------------------------------------------------- hosts */

static uint64_t s_hash(const char *s)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return h;
}

static void s_hosts_grow(struct http_client *c)
{
    size_t n = c->nbuckets * 2;
    struct host **b = pl_xcalloc(n, sizeof *b);
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct host *h = c->buckets[i];
        while (h) {
            struct host *next = h->hnext;
            size_t k = (size_t)(s_hash(h->key) & (n - 1));
            h->hnext = b[k];
            b[k] = h;
            h = next;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

static struct host *s_host_get(struct http_client *c, const char *key)
{
    size_t k = (size_t)(s_hash(key) & (c->nbuckets - 1));
    for (struct host *h = c->buckets[k]; h; h = h->hnext)
        if (strcmp(h->key, key) == 0)
            return h;
    if (c->nhosts >= c->nbuckets) {
        s_hosts_grow(c);
        k = (size_t)(s_hash(key) & (c->nbuckets - 1));
    }
    struct host *h = pl_xcalloc(1, sizeof *h);
    h->key = pl_xstrdup(key);
    h->last_start = INT64_MIN / 2; /* long ago: the first request need not wait */
    h->hnext = c->buckets[k];
    c->buckets[k] = h;
    c->nhosts++;
    return h;
}

static void s_host_free(struct host *h)
{
    s_req_list_free(h->qhead);
    robots_free(&h->robots);
    free(h->key);
    free(h);
}

static void s_ring_append(struct http_client *c, struct host *h)
{
    if (h->in_ring)
        return;
    h->in_ring = true;
    h->rnext = NULL;
    h->rprev = c->ring_tail;
    if (c->ring_tail)
        c->ring_tail->rnext = h;
    else
        c->ring_head = h;
    c->ring_tail = h;
    c->ring_len++;
}

static void s_ring_remove(struct http_client *c, struct host *h)
{
    if (!h->in_ring)
        return;
    if (h->rprev)
        h->rprev->rnext = h->rnext;
    else
        c->ring_head = h->rnext;
    if (h->rnext)
        h->rnext->rprev = h->rprev;
    else
        c->ring_tail = h->rprev;
    h->rprev = h->rnext = NULL;
    h->in_ring = false;
    c->ring_len--;
}

static void s_queue_push(struct http_client *c, struct host *h, struct req *r, bool front)
{
    if (front) {
        r->next = h->qhead;
        h->qhead = r;
        if (!h->qtail)
            h->qtail = r;
    } else {
        r->next = NULL;
        if (h->qtail)
            h->qtail->next = r;
        else
            h->qhead = r;
        h->qtail = r;
    }
    s_ring_append(c, h);
}

static struct req *s_queue_pop(struct host *h)
{
    struct req *r = h->qhead;
    h->qhead = r->next;
    if (!h->qhead)
        h->qtail = NULL;
    r->next = NULL;
    return r;
}

/* The gap to keep between two starts: ours, or the site's Crawl-delay when longer. */
static long s_host_delay(const struct http_client *c, const struct host *h)
{
    long d = c->cfg.delay_ms;
    if (c->cfg.robots && h->robots) {
        long crawl = robots_crawl_delay_ms(h->robots); /* capped by robots.c */
        if (crawl > d)
            d = crawl;
    }
    return d;
}

static int64_t s_host_ready_at(const struct http_client *c, const struct host *h)
{
    int64_t t = h->last_start + s_host_delay(c, h);
    return t > h->hold_until ? t : h->hold_until;
}

/* Forgets hosts with nothing to do whose robots.txt (if any) has expired, so the table holds
 * only hosts seen within the robots TTL. */
static void s_hosts_sweep(struct http_client *c, int64_t now)
{
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct host **pp = &c->buckets[i];
        while (*pp) {
            struct host *h = *pp;
            bool idle = !h->qhead && h->active == 0 && h->retrying == 0 &&
                        h->rstate != ROBOTS_FETCHING &&
                        (h->rstate == ROBOTS_NONE || now >= h->robots_expires) &&
                        now >= s_host_ready_at(c, h);
            if (idle) {
                *pp = h->hnext;
                s_ring_remove(c, h);
                s_host_free(h);
                c->nhosts--;
            } else {
                pp = &h->hnext;
            }
        }
    }
    c->last_sweep = now;
}

/* ---------------------------------------------------------------- results */

/* Hands a finished response to the caller's side. */
static void s_deliver(struct http_client *c, struct done *d)
{
    d->next = NULL;
    pthread_mutex_lock(&c->sh->mu);
    bool was_empty = c->sh->done_head == NULL;
    if (c->sh->done_tail)
        c->sh->done_tail->next = d;
    else
        c->sh->done_head = d;
    c->sh->done_tail = d;
    if (was_empty) {
        uint64_t one = 1;
        if (write(c->efd, &one, sizeof one) < 0) {
            /* Cannot fail: the counter is reset whenever the queue empties. */
        }
    }
    pthread_mutex_unlock(&c->sh->mu);
}

/* Finishes a page request: moves what r holds into a response and frees r. */
static void s_finish(struct http_client *c, struct req *r, long status, const char *why,
                     bool denied)
{
    struct done *d = pl_xcalloc(1, sizeof *d);
    struct http_response *o = &d->r;
    o->tag = r->tag;
    o->url = r->url;
    r->url = NULL;
    char *eff = NULL;
    if (r->easy && curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
        o->final_url = pl_xstrdup(eff);
    else
        o->final_url = pl_xstrdup(o->url);
    o->status = status;
    o->content_type = r->rsp_content_type;
    o->etag = r->rsp_etag;
    o->last_modified = r->rsp_last_modified;
    r->rsp_content_type = r->rsp_etag = r->rsp_last_modified = NULL;
    if (!r->over_cap && r->body.len > 0)
        o->body = pl_buf_detach(&r->body, &o->len);
    o->not_modified = status == 304 && !why[0];
    o->robots_denied = denied;
    o->tries = r->tries;
    s_why(o->error, sizeof o->error, "%s", why);
    s_req_free(r);
    s_deliver(c, d);
}

static void s_deny(struct http_client *c, struct req *r)
{
    char why[256];
    const struct host *h = r->host;
    if (h->robots_why[0])
        s_why(why, sizeof why, "robots.txt unreachable (%s)", h->robots_why);
    else
        s_why(why, sizeof why, "robots.txt disallows %s", r->path);
    s_finish(c, r, 0, why, true);
}

/* ---------------------------------------------------------------- libcurl callbacks */

static bool s_header_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

static char *s_value_dup(const char *v, size_t n)
{
    return n ? pl_xstrndup(v, n) : NULL;
}

/* Retry-After as delay-seconds or an HTTP-date; -1 when neither. */
static long s_retry_after_ms(const char *v, size_t n)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    if (tmp[0] >= '0' && tmp[0] <= '9') {
        char *end = NULL;
        errno = 0;
        long s = strtol(tmp, &end, 10);
        if (*end != '\0')
            return -1;
        if (errno == ERANGE || s > 86400)
            s = 86400; /* the caller caps it far lower anyway */
        return s * 1000;
    }
    time_t when = curl_getdate(tmp, NULL);
    if (when == (time_t)-1)
        return -1;
    time_t now = time(NULL);
    if (when <= now)
        return 0;
    long s = when - now > 86400 ? 86400 : (long)(when - now);
    return s * 1000;
}

/* At the end of a header block: refuses a body whose declared length is over the cap before
 * any of it arrives. Not for 1xx and redirects (their bodies are skipped), and not for an
 * encoded body, whose length is the compressed size. Returns false to abort. */
static bool s_headers_end(struct req *r)
{
    if (r->kind != REQ_PAGE || r->rsp_size < 0 || r->rsp_encoded)
        return true;
    long status = 0;
    (void)curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || (status >= 300 && status < 400))
        return true;
    if ((unsigned long long)r->rsp_size > r->c->cfg.max_bytes) {
        r->over_cap = true;
        return false;
    }
    return true;
}

static size_t s_on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    struct req *r = ud;
    size_t len = size * nitems;
    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        s_reset_response(r); /* a new response: a redirect's headers must not stick */
        return len;
    }
    if (len > 0 && len <= 2 && (buf[0] == '\r' || buf[0] == '\n'))
        return s_headers_end(r) ? len : 0;
    const char *colon = memchr(buf, ':', len);
    if (!colon)
        return len;
    size_t nlen = (size_t)(colon - buf);
    const char *v = colon + 1, *end = buf + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);
    if (s_header_is(buf, nlen, "etag")) {
        free(r->rsp_etag);
        r->rsp_etag = s_value_dup(v, vlen);
    } else if (s_header_is(buf, nlen, "last-modified")) {
        free(r->rsp_last_modified);
        r->rsp_last_modified = s_value_dup(v, vlen);
    } else if (s_header_is(buf, nlen, "content-type")) {
        free(r->rsp_content_type);
        r->rsp_content_type = s_value_dup(v, vlen);
    } else if (s_header_is(buf, nlen, "retry-after")) {
        r->rsp_retry_ms = s_retry_after_ms(v, vlen);
    } else if (s_header_is(buf, nlen, "content-encoding")) {
        r->rsp_encoded = vlen > 0 && !(vlen == 8 && strncasecmp(v, "identity", 8) == 0);
    } else if (s_header_is(buf, nlen, "content-length") && vlen > 0 && vlen < 20) {
        char tmp[24];
        memcpy(tmp, v, vlen);
        tmp[vlen] = '\0';
        char *e = NULL;
        errno = 0;
        long long n = strtoll(tmp, &e, 10);
        r->rsp_size = (errno == 0 && *e == '\0' && n >= 0) ? n : -1;
    }
    return len;
}

static size_t s_on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    struct req *r = ud;
    size_t len = size * nmemb;
    size_t cap = r->kind == REQ_ROBOTS ? (size_t)ROBOTS_MAX_BYTES : r->c->cfg.max_bytes;
    if (!r->body_started) {
        r->body_started = true;
        if (r->rsp_size > 0 && !r->rsp_encoded && (unsigned long long)r->rsp_size <= cap)
            pl_buf_reserve(&r->body, (size_t)r->rsp_size); /* one allocation, no doubling */
    }
    if (len > cap - r->body.len) {
        if (r->kind == REQ_ROBOTS) {
            pl_buf_append(&r->body, data, cap - r->body.len);
            r->truncated = true;
        } else {
            r->over_cap = true;
        }
        return 0; /* stops the transfer with CURLE_WRITE_ERROR */
    }
    pl_buf_append(&r->body, data, len);
    return len;
}

/* ---------------------------------------------------------------- transfers */

#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(e, opt, val);                                                    \
    } while (0)

static bool s_header_add(struct curl_slist **list, const char *line)
{
    struct curl_slist *l = curl_slist_append(*list, line); /* NULL leaves *list intact */
    if (!l)
        return false;
    *list = l;
    return true;
}

static CURLcode s_easy_setup(struct http_client *c, struct req *r)
{
    const struct http_config *cfg = &c->cfg;
    CURL *e = curl_easy_init();
    if (!e)
        return CURLE_OUT_OF_MEMORY;
    r->easy = e;
    CURLcode rc = CURLE_OK;
    SETOPT(CURLOPT_URL, r->url);
    SETOPT(CURLOPT_PRIVATE, (void *)r);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_ERRORBUFFER, r->errbuf);
    SETOPT(CURLOPT_WRITEFUNCTION, s_on_write);
    SETOPT(CURLOPT_WRITEDATA, (void *)r);
    SETOPT(CURLOPT_HEADERFUNCTION, s_on_header);
    SETOPT(CURLOPT_HEADERDATA, (void *)r);
    SETOPT(CURLOPT_ACCEPT_ENCODING, ""); /* every encoding this libcurl can decode */
    SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
    SETOPT(CURLOPT_MAXREDIRS, cfg->max_redirects);
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SETOPT(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    if (cfg->low_speed_bytes > 0 && cfg->low_speed_s > 0) {
        SETOPT(CURLOPT_LOW_SPEED_LIMIT, cfg->low_speed_bytes);
        SETOPT(CURLOPT_LOW_SPEED_TIME, cfg->low_speed_s);
    }
    SETOPT(CURLOPT_USERAGENT, c->user_agent);
    if (rc == CURLE_OK && (r->etag || r->last_modified)) {
        struct pl_buf b;
        pl_buf_init(&b);
        bool ok = true;
        if (r->etag) {
            pl_buf_printf(&b, "If-None-Match: %s", r->etag);
            ok = s_header_add(&r->headers, b.data);
            pl_buf_clear(&b);
        }
        if (ok && r->last_modified) {
            pl_buf_printf(&b, "If-Modified-Since: %s", r->last_modified);
            ok = s_header_add(&r->headers, b.data);
        }
        pl_buf_release(&b);
        if (!ok)
            rc = CURLE_OUT_OF_MEMORY;
        SETOPT(CURLOPT_HTTPHEADER, r->headers);
    }
    return rc;
}

#undef SETOPT

static void s_robots_settle(struct http_client *c, struct host *h, struct robots *rules,
                            long ttl_ms, const char *why);

/* Starts r now; a transfer that cannot even be set up finishes at once. */
static void s_start(struct http_client *c, struct req *r, int64_t now)
{
    struct host *h = r->host;
    CURLcode rc = CURLE_OK;
    if (!r->easy)
        rc = s_easy_setup(c, r);
    s_reset_try(r);
    r->tries++;
    h->last_start = now;
    if (rc == CURLE_OK && curl_multi_add_handle(c->multi, r->easy) == CURLM_OK) {
        h->active++;
        c->active++;
        r->fprev = NULL;
        r->fnext = c->flight;
        if (c->flight)
            c->flight->fprev = r;
        c->flight = r;
        return;
    }
    char why[256];
    s_why(why, sizeof why, "cannot set up the transfer: %s",
          rc != CURLE_OK ? curl_easy_strerror(rc) : "curl_multi_add_handle failed");
    if (r->kind == REQ_ROBOTS) {
        s_robots_settle(c, h, robots_deny_all(), c->cfg.robots_retry_ms, why);
        s_req_free(r);
    } else {
        s_finish(c, r, 0, why, false);
    }
}

/* Queues a robots.txt fetch at the front of h's queue. */
static void s_robots_begin(struct http_client *c, struct host *h)
{
    struct req *r = pl_xcalloc(1, sizeof *r);
    struct pl_buf b;
    pl_buf_init(&b);
    pl_buf_printf(&b, "%s/robots.txt", h->key);
    r->kind = REQ_ROBOTS;
    r->url = pl_buf_detach(&b, NULL);
    r->host_key = pl_xstrdup(h->key);
    r->path = pl_xstrdup("/robots.txt");
    r->host = h;
    r->c = c;
    pl_buf_init(&r->body);
    r->rsp_size = -1;
    r->rsp_retry_ms = -1;
    h->rstate = ROBOTS_FETCHING;
    s_queue_push(c, h, r, true);
}

/* Installs h's rules and judges every request queued behind the fetch right away, so they
 * do not depend on the rules still being fresh when a slot frees (a TTL shorter than the
 * politeness delay would otherwise refetch robots.txt forever). */
static void s_robots_settle(struct http_client *c, struct host *h, struct robots *rules,
                            long ttl_ms, const char *why)
{
    robots_free(&h->robots);
    h->robots = rules;
    h->rstate = ROBOTS_READY;
    h->robots_expires = s_now_ms() + ttl_ms;
    s_why(h->robots_why, sizeof h->robots_why, "%s", why);
    struct req **pp = &h->qhead, *prev = NULL;
    while (*pp) {
        struct req *r = *pp;
        if (r->kind == REQ_PAGE && !r->robots_ok) {
            if (!robots_allowed(h->robots, r->path)) {
                *pp = r->next;
                if (h->qtail == r)
                    h->qtail = prev;
                r->next = NULL;
                s_deny(c, r);
                continue;
            }
            r->robots_ok = true;
        }
        prev = r;
        pp = &r->next;
    }
}

/* Whether a transport error may go away on another try. */
static bool s_transient(CURLcode code)
{
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

/* Explains a timeout: the whole transfer, the connection, or the low-speed limit. */
static void s_timeout_why(const struct http_client *c, struct req *r, char *why, size_t n)
{
    curl_off_t total = 0, pre = 0;
    (void)curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T, &total);
    (void)curl_easy_getinfo(r->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
    const struct http_config *cfg = &c->cfg;
    /* libcurl's clock may stop a few ms short of the limit that fired: allow for it, so a
     * whole-transfer timeout during a slow connect is not called a connect timeout */
    if (total + 50000 >= (curl_off_t)cfg->timeout_ms * 1000)
        s_why(why, n, "timeout after %ld ms", cfg->timeout_ms);
    else if (pre == 0) /* the request was never sent: no connection */
        s_why(why, n, "connect timeout after %ld ms", cfg->connect_timeout_ms);
    else if (cfg->low_speed_bytes > 0 && cfg->low_speed_s > 0)
        s_why(why, n, "too slow: under %ld bytes/s for %ld s", cfg->low_speed_bytes,
              cfg->low_speed_s);
    else
        s_why(why, n, "timeout after %ld ms", cfg->timeout_ms);
}

/* Judges a finished try: fills why ("" on success) and returns whether to try again. */
static bool s_judge(const struct http_client *c, struct req *r, CURLcode code, long status,
                    char *why, size_t n)
{
    why[0] = '\0';
    if (r->over_cap) {
        s_why(why, n, "body over %zu bytes", c->cfg.max_bytes);
        return false;
    }
    if (code == CURLE_TOO_MANY_REDIRECTS) {
        s_why(why, n, "too many redirects (%ld)", c->cfg.max_redirects);
        return false;
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        s_timeout_why(c, r, why, n);
        return true;
    }
    if (code != CURLE_OK) {
        s_why(why, n, "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
        return s_transient(code);
    }
    if ((status >= 200 && status < 300) || status == 304)
        return false;
    s_why(why, n, "HTTP %ld", status);
    return status == 429 || status >= 500;
}

static void s_flight_remove(struct http_client *c, struct req *r)
{
    if (r->fprev)
        r->fprev->fnext = r->fnext;
    else
        c->flight = r->fnext;
    if (r->fnext)
        r->fnext->fprev = r->fprev;
    r->fprev = r->fnext = NULL;
}

/* Parks r for backoff_ms * 2^(tries-1) (capped), or the server's longer Retry-After. */
static void s_retry_later(struct http_client *c, struct req *r, long status, int64_t now)
{
    const struct http_config *cfg = &c->cfg;
    long wait = cfg->backoff_ms;
    for (int i = 1; i < r->tries && wait < cfg->backoff_max_ms; i++)
        wait *= 2; /* no overflow: both are at most a day */
    if (wait > cfg->backoff_max_ms)
        wait = cfg->backoff_max_ms;
    if (r->rsp_retry_ms >= 0 && (status == 429 || status >= 500)) {
        long ra = r->rsp_retry_ms < cfg->backoff_max_ms ? r->rsp_retry_ms : cfg->backoff_max_ms;
        if (ra > wait)
            wait = ra;
        /* The server asked the whole site to be left alone for a while. */
        if (now + ra > r->host->hold_until)
            r->host->hold_until = now + ra;
    }
    s_reset_try(r);
    r->not_before = now + wait;
    r->next = c->retry;
    c->retry = r;
    r->host->retrying++;
}

static void s_page_done(struct http_client *c, struct req *r, CURLcode code, int64_t now)
{
    long status = 0;
    (void)curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    char why[256];
    bool again = s_judge(c, r, code, status, why, sizeof why);
    if (again && r->tries <= c->cfg.retries) {
        s_retry_later(c, r, status, now);
        return;
    }
    s_finish(c, r, status, why, false);
}

/* RFC 9309 2.3.1: success is parsed; "unavailable" (4xx, or redirects beyond our limit) allows
 * everything; "unreachable" (5xx, network errors) disallows everything. 429 counts as
 * unreachable, as the server is asking for less traffic, not saying there are no rules. */
static void s_robots_done(struct http_client *c, struct req *r, CURLcode code, int64_t now)
{
    struct host *h = r->host;
    long status = 0;
    (void)curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    bool got = code == CURLE_OK || (code == CURLE_WRITE_ERROR && r->truncated);
    long ttl = c->cfg.robots_ttl_ms;
    if (got && status >= 200 && status < 300) {
        size_t len = r->body.len;
        if (r->truncated) { /* drop the line cut in half */
            while (len > 0 && r->body.data[len - 1] != '\n')
                len--;
        }
        s_robots_settle(c, h,
                        robots_parse(r->body.data ? r->body.data : "", len, c->cfg.robots_agent),
                        ttl, "");
    } else if ((got && status >= 300 && status < 500 && status != 429) ||
               code == CURLE_TOO_MANY_REDIRECTS) {
        s_robots_settle(c, h, robots_allow_all(), ttl, "");
    } else {
        char why[160];
        if (got)
            s_why(why, sizeof why, "HTTP %ld", status);
        else
            s_why(why, sizeof why, "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
        bool transient = got ? (status == 429 || status >= 500) : s_transient(code);
        if (transient && r->tries < ROBOTS_TRIES) {
            s_retry_later(c, r, status, now);
            return;
        }
        s_robots_settle(c, h, robots_deny_all(), c->cfg.robots_retry_ms, why);
    }
    s_req_free(r);
}

/* Collects finished transfers from libcurl. */
static void s_collect(struct http_client *c)
{
    CURLMsg *m;
    int left = 0;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode code = m->data.result; /* m is invalid once the handle is removed */
        char *priv = NULL;
        (void)curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
        struct req *r = (struct req *)(void *)priv;
        (void)curl_multi_remove_handle(c->multi, e);
        s_flight_remove(c, r);
        r->host->active--;
        c->active--;
        int64_t now = s_now_ms();
        if (r->kind == REQ_ROBOTS)
            s_robots_done(c, r, code, now);
        else
            s_page_done(c, r, code, now);
    }
}

/* ---------------------------------------------------------------- scheduling */

/* Takes newly submitted requests into their hosts' queues. */
static void s_admit(struct http_client *c, struct req *list, int64_t now)
{
    while (list) {
        struct req *r = list;
        list = r->next;
        struct host *h = s_host_get(c, r->host_key);
        r->host = h;
        /* Fresh rules answer at once rather than after everything queued before. */
        if (c->cfg.robots && h->rstate == ROBOTS_READY && now < h->robots_expires) {
            if (!robots_allowed(h->robots, r->path)) {
                s_deny(c, r);
                continue;
            }
            r->robots_ok = true;
        }
        s_queue_push(c, h, r, false);
    }
}

/* Puts requests whose backoff is over back at the front of their host's queue. */
static void s_due_retries(struct http_client *c, int64_t now)
{
    struct req **pp = &c->retry;
    while (*pp) {
        struct req *r = *pp;
        if (r->not_before <= now) {
            *pp = r->next;
            r->host->retrying--;
            s_queue_push(c, r->host, r, true);
        } else {
            pp = &r->next;
        }
    }
}

/* Serves the head of h's queue: settles robots.txt denials, and starts one transfer when the
 * host's limits allow. Returns whether a transfer started. */
static bool s_host_step(struct http_client *c, struct host *h, int64_t now)
{
    while (h->qhead) {
        struct req *r = h->qhead;
        if (c->cfg.robots && r->kind == REQ_PAGE && !r->robots_ok) {
            if (h->rstate == ROBOTS_FETCHING)
                return false;
            if (h->rstate == ROBOTS_NONE || now >= h->robots_expires) {
                s_robots_begin(c, h);
                continue;
            }
            if (!robots_allowed(h->robots, r->path)) {
                s_deny(c, s_queue_pop(h));
                continue;
            }
            r->robots_ok = true;
        }
        if (h->active >= c->cfg.per_host || c->active >= c->cfg.max_total ||
            now < s_host_ready_at(c, h))
            return false;
        s_start(c, s_queue_pop(h), now);
        return true;
    }
    return false;
}

/* Round-robin over the hosts with waiting requests: one start per host per pass, and the
 * next call goes on where this one stopped, so a long queue cannot starve a short one. */
static void s_schedule(struct http_client *c, int64_t now)
{
    bool progress = true;
    while (progress && c->ring_head && c->active < c->cfg.max_total) {
        progress = false;
        size_t n = c->ring_len;
        for (size_t i = 0; i < n && c->ring_head && c->active < c->cfg.max_total; i++) {
            struct host *h = c->ring_head;
            s_ring_remove(c, h);
            if (s_host_step(c, h, now))
                progress = true;
            if (h->qhead)
                s_ring_append(c, h);
        }
    }
}

/* How long the worker may sleep: until a host's politeness gap ends, a backoff ends or the
 * sweep is due. libcurl shortens it further for its own timers. */
static int s_next_wait(const struct http_client *c, int64_t now)
{
    int64_t next = now + MAX_WAIT_MS;
    if (c->active < c->cfg.max_total)
        for (const struct host *h = c->ring_head; h; h = h->rnext) {
            int64_t t = s_host_ready_at(c, h);
            if (h->active < c->cfg.per_host && t > now && t < next)
                next = t;
        }
    for (const struct req *r = c->retry; r; r = r->next)
        if (r->not_before < next)
            next = r->not_before;
    if (c->last_sweep + SWEEP_EVERY_MS < next)
        next = c->last_sweep + SWEEP_EVERY_MS;
    return next <= now ? 0 : (int)(next - now);
}

static void s_worker_cleanup(struct http_client *c)
{
    while (c->flight) {
        struct req *r = c->flight;
        s_flight_remove(c, r);
        (void)curl_multi_remove_handle(c->multi, r->easy);
        s_req_free(r);
    }
    s_req_list_free(c->retry);
    c->retry = NULL;
    for (size_t i = 0; i < c->nbuckets; i++) {
        while (c->buckets[i]) {
            struct host *h = c->buckets[i];
            c->buckets[i] = h->hnext;
            s_host_free(h);
        }
    }
    c->ring_head = c->ring_tail = NULL;
    c->ring_len = 0;
    c->nhosts = 0;
}

static void *s_worker(void *arg)
{
    struct http_client *c = arg;
    c->last_sweep = s_now_ms();
    for (;;) {
        pthread_mutex_lock(&c->sh->mu);
        bool stop = c->sh->stop;
        struct req *in = c->sh->in_head;
        c->sh->in_head = c->sh->in_tail = NULL;
        pthread_mutex_unlock(&c->sh->mu);
        if (stop) {
            s_req_list_free(in);
            break;
        }
        int64_t now = s_now_ms();
        s_admit(c, in, now);
        s_due_retries(c, now);
        s_schedule(c, now);
        int running = 0;
        (void)curl_multi_perform(c->multi, &running);
        s_collect(c);
        /* Finished transfers freed slots: fill them before sleeping. */
        now = s_now_ms();
        s_due_retries(c, now);
        s_schedule(c, now);
        if (now >= c->last_sweep + SWEEP_EVERY_MS)
            s_hosts_sweep(c, now);
        (void)curl_multi_poll(c->multi, NULL, 0, s_next_wait(c, now), NULL);
    }
    s_worker_cleanup(c);
    return NULL;
}

/* ---------------------------------------------------------------- public */

struct http_client *http_client_new(const struct http_config *cfg, char *err, size_t errlen)
{
    if (s_config_check(cfg, err, errlen) != 0)
        return NULL;
    pthread_once(&s_curl_once, s_curl_init);
    if (s_curl_rc != CURLE_OK) {
        s_why(err, errlen, "cannot initialise libcurl: %s", curl_easy_strerror(s_curl_rc));
        return NULL;
    }
    struct http_client *c = pl_xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->user_agent = pl_xstrdup(cfg->user_agent);
    c->robots_agent = cfg->robots_agent ? pl_xstrdup(cfg->robots_agent) : NULL;
    c->cfg.user_agent = c->user_agent;
    c->cfg.robots_agent = c->robots_agent;
    if (c->cfg.robots_ttl_ms == 0)
        c->cfg.robots_ttl_ms = DEFAULT_ROBOTS_TTL_MS;
    if (c->cfg.robots_retry_ms == 0)
        c->cfg.robots_retry_ms = DEFAULT_ROBOTS_RETRY_MS;
    c->nbuckets = FIRST_BUCKETS;
    c->buckets = pl_xcalloc(c->nbuckets, sizeof *c->buckets);
    c->sh = pl_xcalloc(1, sizeof *c->sh);
    c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (c->efd < 0) {
        s_why(err, errlen, "cannot create eventfd: %s", strerror(errno));
        goto fail;
    }
    c->multi = curl_multi_init();
    if (!c->multi) {
        s_why(err, errlen, "cannot create a libcurl multi handle");
        goto fail;
    }
    pthread_mutex_init(&c->sh->mu, NULL);
    /* The worker blocks every signal, so the daemon's signalfd sees them all. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&c->thread, NULL, s_worker, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        s_why(err, errlen, "cannot start the http thread: %s", strerror(rc));
        pthread_mutex_destroy(&c->sh->mu);
        goto fail;
    }
    return c;
fail:
    if (c->multi)
        curl_multi_cleanup(c->multi);
    if (c->efd >= 0)
        close(c->efd);
    free(c->buckets);
    free(c->sh);
    free(c->user_agent);
    free(c->robots_agent);
    free(c);
    return NULL;
}

int http_client_submit(struct http_client *c, const char *url, const char *etag,
                       const char *last_modified, uint64_t tag)
{
    char *key = NULL, *path = NULL;
    if (!url || s_has_line_break(etag) || s_has_line_break(last_modified) ||
        s_parse_url(url, &key, &path) != 0)
        return -1;
    struct req *r = pl_xcalloc(1, sizeof *r);
    r->kind = REQ_PAGE;
    r->tag = tag;
    r->url = pl_xstrdup(url);
    r->etag = etag && etag[0] ? pl_xstrdup(etag) : NULL;
    r->last_modified = last_modified && last_modified[0] ? pl_xstrdup(last_modified) : NULL;
    r->host_key = key;
    r->path = path;
    r->c = c;
    pl_buf_init(&r->body);
    r->rsp_size = -1;
    r->rsp_retry_ms = -1;
    pthread_mutex_lock(&c->sh->mu);
    if (c->sh->in_tail)
        c->sh->in_tail->next = r;
    else
        c->sh->in_head = r;
    c->sh->in_tail = r;
    c->sh->outstanding++;
    pthread_mutex_unlock(&c->sh->mu);
    (void)curl_multi_wakeup(c->multi);
    return 0;
}

int http_client_fd(const struct http_client *c)
{
    return c->efd;
}

int http_client_take(struct http_client *c, struct http_response *out)
{
    pthread_mutex_lock(&c->sh->mu);
    struct done *d = c->sh->done_head;
    if (d) {
        c->sh->done_head = d->next;
        if (!c->sh->done_head) {
            c->sh->done_tail = NULL;
            uint64_t v;
            if (read(c->efd, &v, sizeof v) < 0) {
                /* EAGAIN cannot happen: s_deliver wrote when the queue became non-empty. */
            }
        }
        c->sh->outstanding--;
    }
    pthread_mutex_unlock(&c->sh->mu);
    if (!d)
        return 0;
    *out = d->r;
    free(d);
    return 1;
}

size_t http_client_outstanding(const struct http_client *c)
{
    pthread_mutex_lock(&c->sh->mu);
    size_t n = c->sh->outstanding;
    pthread_mutex_unlock(&c->sh->mu);
    return n;
}

void http_response_release(struct http_response *r)
{
    if (!r)
        return;
    free(r->url);
    free(r->final_url);
    free(r->content_type);
    free(r->etag);
    free(r->last_modified);
    free(r->body);
    memset(r, 0, sizeof *r);
}

void http_client_destroy(struct http_client **cp)
{
    if (!cp || !*cp)
        return;
    struct http_client *c = *cp;
    *cp = NULL;
    pthread_mutex_lock(&c->sh->mu);
    c->sh->stop = true;
    pthread_mutex_unlock(&c->sh->mu);
    (void)curl_multi_wakeup(c->multi);
    pthread_join(c->thread, NULL);
    /* The worker has exited: what is left needs no lock. */
    s_req_list_free(c->sh->in_head);
    while (c->sh->done_head) {
        struct done *d = c->sh->done_head;
        c->sh->done_head = d->next;
        http_response_release(&d->r);
        free(d);
    }
    free(c->buckets);
    curl_multi_cleanup(c->multi);
    close(c->efd);
    pthread_mutex_destroy(&c->sh->mu);
    free(c->sh);
    free(c->user_agent);
    free(c->robots_agent);
    free(c);
}
