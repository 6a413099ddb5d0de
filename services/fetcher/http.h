/* http.h - a polite asynchronous HTTP GET client for the fetcher.
 *
 * One background thread drives a libcurl multi handle. The daemon's thread submits URLs
 * (http_client_submit never touches the network), polls http_client_fd and takes finished
 * responses with http_client_take. Between the two threads there is one mutex, a queue in each
 * direction and an eventfd that is readable exactly while finished responses wait.
 *
 * Politeness, per host (scheme + host + port): at most per_host transfers at once, delay_ms
 * (or the robots.txt Crawl-delay when larger, which robots.c caps at a minute) between two
 * starts, waiting requests in FIFO order, hosts served round-robin, max_total transfers in all.
 * With cfg->robots the host's /robots.txt is fetched before its first request and trusted for
 * robots_ttl_ms (RFC 9309: 2xx parsed, up to ROBOTS_MAX_BYTES; 3xx beyond max_redirects and
 * 4xx allow all; 429, 5xx and network errors deny all for robots_retry_ms, after one retry,
 * and then it is fetched again).
 *
 * Retries: transport errors (refused, reset, timeout, DNS), HTTP 429 and 5xx are tried again
 * up to cfg->retries more times after a backoff of backoff_ms * 2^(try-1), capped at
 * backoff_max_ms, or a longer Retry-After (also capped; it also holds back the whole host).
 * Other 4xx, too many redirects, an oversized body and robots denial are final.
 *
 * libcurl's global state is set up on the first http_client_new (pthread_once) and never torn
 * down: the daemon may call curl_global_init itself first, before starting any thread.
 * Responses taken belong to the caller (http_response_release); the client owns the rest.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"

struct http_config {
    const char *user_agent;   /* full User-Agent header, e.g. "parley/0.1 (+https://...)" */
    const char *robots_agent; /* product token matched in robots.txt, e.g. "parley" */
    bool robots;              /* respect robots.txt */
    long connect_timeout_ms;  /* connection set-up, > 0 */
    long timeout_ms;          /* whole transfer including redirects, > 0 */
    long low_speed_bytes;     /* abort a transfer under this many bytes/s ... */
    long low_speed_s;         /* ... for this many seconds (either 0 = off) */
    size_t max_bytes;         /* body cap after decompression, > 0 */
    long max_redirects;       /* redirects followed, >= 0 */
    int per_host;             /* concurrent transfers per host, >= 1 */
    int max_total;            /* concurrent transfers in all, >= 1 */
    long delay_ms;            /* minimum gap between two starts to one host, >= 0 */
    int retries;              /* further tries after a retryable failure, 0..20 */
    long backoff_ms;          /* first backoff, >= 0 */
    long backoff_max_ms;      /* backoff and Retry-After cap, >= backoff_ms */
    long robots_ttl_ms;       /* how long a fetched robots.txt is trusted; 0 = 1 hour */
    long robots_retry_ms;     /* how long an unreachable robots.txt denies the host before it is
                               * fetched again; 0 = 5 minutes */
};

struct http_response {
    uint64_t tag;               /* as submitted */
    char *url;                  /* as submitted */
    char *final_url;            /* after redirects; the url itself when nothing was fetched */
    long status;                /* HTTP status of the last try, 0 when no response */
    char *content_type;         /* of the final response, may be NULL */
    char *etag, *last_modified; /* validators of the final response, may be NULL */
    char *body;                 /* NUL-terminated copy of the decompressed body of the last
                                 * response (error pages too); NULL when it had no bytes or
                                 * was over the cap */
    size_t len;                 /* bytes in body, not counting the NUL */
    bool not_modified;          /* the server answered 304 (to a conditional GET) */
    bool robots_denied;         /* not fetched: robots.txt disallows it or was unreachable */
    int tries;                  /* attempts made, 0 when robots denied it */
    char error[256];            /* "" on success (2xx or 304), otherwise why: "HTTP 404",
                                 * "timeout after 30000 ms", "too many redirects (5)",
                                 * "body over 10485760 bytes", "robots.txt disallows /x" */
};

struct http_client;

/* Fills cfg with the values the fetcher uses unless configured otherwise (user_agent and
 * robots_agent excepted, which stay NULL). */
void http_config_defaults(struct http_config *cfg);

/* Starts the client's thread. Copies what it needs from cfg. NULL with a reason in err on an
 * invalid config or when the thread or libcurl cannot be set up. */
struct http_client *http_client_new(const struct http_config *cfg, char *err, size_t errlen) PL_WUR;

/* Queues a GET; etag / last_modified (may be NULL) make it conditional (If-None-Match,
 * If-Modified-Since). Thread-safe, never blocks on the network. Returns 0, or -1 when url is
 * not an absolute http(s) URL or a validator holds a line break. */
int http_client_submit(struct http_client *c, const char *url, const char *etag,
                       const char *last_modified, uint64_t tag) PL_WUR;

/* An eventfd that is readable while finished responses wait; for poll(). Do not read it. */
int http_client_fd(const struct http_client *c);

/* 1 with the oldest finished response moved into *out (release it), 0 when none waits (*out
 * untouched). Clears the fd's readiness when the queue empties. */
int http_client_take(struct http_client *c, struct http_response *out) PL_WUR;

/* Requests submitted and not yet taken: queued, waiting for politeness or a retry, in
 * transfer, or finished and waiting to be taken. */
size_t http_client_outstanding(const struct http_client *c);

/* Frees what *r holds and zeroes the pointers: safe twice and on a zeroed struct. */
void http_response_release(struct http_response *r);

/* Stops the thread (wakes it, cancels transfers, joins) and frees everything; requests not
 * yet taken are dropped. Returns promptly even with transfers hanging, except that a DNS
 * lookup in progress in libcurl's resolver thread is waited for. Nulls *c; safe on NULL. */
void http_client_destroy(struct http_client **c);

#endif
