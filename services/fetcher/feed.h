/* feed.h - the items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed.
 *
 * feed_parse reads a feed document with libxml2 (no network, no external entities, no entity
 * substitution) and fills a struct feed that the caller owns and empties with feed_release.
 * Every string it hands out is valid UTF-8 whatever encoding the document declared, trimmed of
 * surrounding whitespace, and never empty (an empty value is NULL).
 *
 * Choices beyond the formats' letter, made for news feeds:
 * - An RSS item without <link> falls back to its <guid> when that is a permalink (the
 *   default unless isPermaLink="false").
 * - Titles have their internal runs of whitespace folded to one space; an Atom title of
 *   type="html" loses its tags and has its character references decoded.
 * - An RSS 1.0 item's id is its rdf:about attribute.
 * - Links are resolved against xml:base (on the element and its ancestors) and base_url per
 *   RFC 3986; spaces, control characters and non-ASCII bytes outside the host are
 *   percent-encoded. The host is kept as written (no IDNA).
 * - A date without a zone is taken as UTC; a date that does not parse leaves published NULL.
 */
#ifndef FEED_H
#define FEED_H

#include <stddef.h>

#include "pl_base.h"

/* Items beyond this many are dropped, so a hostile feed cannot make us hold millions. */
#define FEED_MAX_ITEMS 10000

struct feed_item {
    char *link;      /* absolute http(s) URL of the item's page (Atom: link rel="alternate" or
                      * no rel, text/html preferred; resolved against base_url / xml:base);
                      * items without a usable http(s) link are skipped, so never NULL */
    char *title;     /* may be NULL */
    char *published; /* "YYYY-MM-DDTHH:MM:SSZ" in UTC, or NULL: RSS pubDate (else dc:date),
                      * RSS 1.0 dc:date, Atom published (else updated) */
    char *id;        /* guid / atom:id / rdf:about, may be NULL */
};

struct feed {
    char *title;             /* the channel's or feed's title, may be NULL */
    struct feed_item *items; /* in document order */
    size_t n_items;          /* at most FEED_MAX_ITEMS */
};

/* Parses len bytes of body. base_url (may be NULL) is the address the feed was fetched from,
 * for relative links. Returns 0 with *out filled (possibly with no items), or -1 with *out
 * zeroed and a reason in why ("not a feed: root element <html>", "XML error at line 3: ...").
 * Documents that are not well-formed are retried with libxml2's recovery, so minor breakage
 * (an undeclared entity, a stray '&') still yields items. */
int feed_parse(const char *body, size_t len, const char *base_url, struct feed *out, char *why,
               size_t whylen) PL_WUR;

/* Frees everything *f holds and zeroes it: safe twice, safe on a zeroed struct. */
void feed_release(struct feed *f);

/* Converts an RFC 822/1123/5322 date (obsolete zones such as GMT, EST or PDT, numeric
 * offsets, two-digit years, missing seconds or weekday) or an RFC 3339 / W3C-DTF date (a bare
 * YYYY-MM-DD means midnight UTC) to "YYYY-MM-DDTHH:MM:SSZ" in UTC. Returns 0, or -1 when in
 * is not a valid date (February 30th, hour 25, trailing junk). Unknown alphabetic zones count
 * as UTC, as RFC 5322 section 4.3 asks. */
int feed_date_iso(const char *in, char out[21]) PL_WUR;

#endif
