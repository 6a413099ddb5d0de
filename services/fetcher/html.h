/* html.h - an article out of an HTML page: title, publication time, outlet, main text.
 *
 * html_extract parses one downloaded page with libxml2's HTML parser and fills a caller-owned
 * struct html_page; every string in it is heap memory that html_page_release frees. All
 * strings are valid UTF-8 without NUL bytes, whatever charset the page came in.
 *
 * Thread safety: html_extract keeps no state between calls. libxml2 wants xmlInitParser()
 * called once from the main thread before parsing starts on several threads; html_extract
 * calls it too, which is enough for a single-threaded caller.
 */
#ifndef HTML_H
#define HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "pl_base.h"

/* Pages larger than this are refused rather than parsed: libxml2's tree costs from a few to,
 * for a page of nothing but tiny tags, some 60 bytes per byte of HTML. */
#define HTML_MAX_BYTES ((size_t)32 * 1024 * 1024)

struct html_page {
    char *title;     /* <meta property="og:title">, else <title> (site suffix like " | Outlet" or
                        " - Outlet" removed when it equals the outlet), else first <h1>; NULL if
                        none */
    char *published; /* ISO-8601, normalised: "YYYY-MM-DDTHH:MM:SSZ" (converted to UTC when an
                        offset is given, taken as UTC when none is) or "YYYY-MM-DD" when only a
                        date is known; NULL if none */
    char *outlet;    /* og:site_name, else application-name meta, else NULL */
    char *canonical; /* <link rel="canonical"> or og:url, resolved against <base href> and the
                        page URL; only absolute http(s) URLs; NULL if none */
    char *lang;      /* <html lang> primary subtag lower-cased ("en"), NULL if none */
    char *text;      /* main text, valid UTF-8, paragraphs separated by "\n\n", never NULL on
                        success (may be "") */
    bool truncated;  /* libxml2 stopped early (elements nested deeper than 256, or one text node
                        over 10 MB), so text after that point is missing */
};

/* content_type: the HTTP Content-Type header or NULL ("text/html; charset=windows-1251").
 * url: the page's URL (for resolving relative links), may be NULL.
 * Returns 0, or -1 with a reason in why (not HTML at all, nothing parseable). out is
 * overwritten (not released first); on -1 it is left zeroed. why may be NULL. */
int html_extract(const char *body, size_t len, const char *content_type, const char *url,
                 struct html_page *out, char *why, size_t whylen) PL_WUR;
/* Frees every string and zeroes the struct: safe twice, safe on a zeroed struct. */
void html_page_release(struct html_page *p);

#endif
