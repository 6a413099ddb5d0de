/* robots.h - robots.txt rules (RFC 9309) for one user agent.
 *
 * robots_parse keeps only the rules that apply to our product token: those of every group
 * whose User-agent line names it (merged), or else those of every "*" group. The caller owns
 * the result and frees it with robots_free.
 *
 * Matching: the longest matching pattern wins and Allow wins a tie; '*' matches any run of
 * characters, a final '$' anchors the end, and a pattern otherwise matches a prefix. Matching
 * is iterative with single-star backtracking: O(path x pattern) however many stars.
 *
 * Percent-encoding: patterns and paths are both brought to one normal form before
 * comparing: %XX sequences that stand for a printable ASCII character are decoded, except
 * '%', '*', '$', '?' and '#' which keep their meaning; remaining escapes get upper-case hex;
 * spaces, controls and non-ASCII bytes are percent-encoded; in a path (not a pattern) a
 * literal '*' or '$' becomes %2A / %24. So "/caf%C3%A9" matches "/café", "/%7Euser" matches
 * "/~user", and "?u=https://x" matches "?u=https%3A%2F%2Fx" (RFC 9309 section 2.2.2). One
 * consequence: "%2F" and "/" compare equal.
 */
#ifndef ROBOTS_H
#define ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "pl_base.h"

/* Bytes of a robots.txt that are read; the rest is ignored (RFC 9309 section 2.5). */
#define ROBOTS_MAX_BYTES (500 * 1024)
/* Longest Crawl-delay honoured. */
#define ROBOTS_MAX_DELAY_MS 60000L

struct robots;

/* agent: our product token, e.g. "parley" (anything after a '/' or a space is ignored). A
 * User-agent line applies to us when its value, ignoring case, contains the token as a whole
 * word: "parley", "Parley/2.1" and "Mozilla/5.0 (compatible; parley)" do, "parleybot" does not.
 * body may be NULL or empty (everything allowed). Never returns NULL. */
struct robots *robots_parse(const char *body, size_t len, const char *agent) PL_WUR;
/* For a robots.txt answered with 4xx. */
struct robots *robots_allow_all(void) PL_WUR;
/* For a 5xx or unreachable robots.txt (RFC 9309 section 2.3.1.4). */
struct robots *robots_deny_all(void) PL_WUR;

/* r must not be NULL. path: the URL's path and query, e.g. "/news/a?id=3" ("" counts as "/"; a
 * "#fragment" is ignored). "/robots.txt" is always allowed. */
bool robots_allowed(const struct robots *r, const char *path);
/* Crawl-delay of our group in milliseconds, 0 when none (non-standard but widespread;
 * fractions allowed, capped at ROBOTS_MAX_DELAY_MS; the largest when merged groups differ). */
long robots_crawl_delay_ms(const struct robots *r);
/* Frees *r and sets it to NULL; safe on NULL. */
void robots_free(struct robots **r);

#endif
