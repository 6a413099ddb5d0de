/* web.h - the fetcher's web inputs: pages and RSS/Atom feeds, over http.h.
 *
 * An input URL is fetched and looked at: a feed (feed.h parses it) is polled every
 * sources.feed_interval_s, or every N seconds when the input reads "URL every=N", with a
 * conditional GET (its ETag and Last-Modified are kept in the outbox); each item's page not
 * taken in before is fetched, and the item's date becomes the article's published time when
 * the page gives none. Anything else is a page: one article (sources_html_article). A page
 * already in the outbox is not fetched again after a restart.
 *
 * Pages that cannot be had (404, timeouts after the retries, over the size cap, denied by
 * robots.txt, not HTML) become dead articles with the reason. A feed that fails is tried
 * again at its next poll (once mode: recorded as dead).
 *
 * Item pages are fetched only as far as the fetcher has room (web_pump's room), so a feed
 * with thousands of items does not flood the outbox; links waiting are kept in a bounded
 * queue (the rest are found again at the next poll).
 */
#ifndef WEB_H
#define WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "fetcher.h"
#include "outbox.h"
#include "sources.h"

struct web;

/* The URLs among inputs. Never NULL unless a setting is wrong (err says which). Without any
 * URL no HTTP client is started. */
struct web *web_new(const struct fetcher_config *cfg, char *const *inputs, size_t n, char *err,
                    size_t errlen) PL_WUR;
void web_destroy(struct web **w);

/* Readable when responses wait; -1 without web inputs. */
int web_fd(const struct web *w);

/* Takes finished responses into ob (inside the caller's transaction), then starts the
 * requests that are due: feed polls, input pages, and item pages up to room. -1 on a
 * database error. */
int web_pump(struct web *w, struct outbox *ob, size_t room, struct sources_stats *st);

/* Every page input fetched, and (once mode) every feed polled once and its items fetched. */
bool web_finished(const struct web *w);

/* "URL every=N": the URL and the interval (0 when none); -1 when the options are wrong. */
int web_parse_input(const char *input, char **url, long *every_s);

#endif
