/* pl_article_file.h - an article from the bytes of a file or of stdin.
 *
 * A file may start with a header block of "key: value" lines (url, outlet, published,
 * title, lang) closed by a line "---"; the rest is the text. Invalid UTF-8 is repaired
 * (each bad byte becomes U+FFFD) and NUL bytes become spaces, and the caller is told how many
 * were repaired. The id comes from the header's URL, or from the text when there is none.
 */
#ifndef PL_ARTICLE_FILE_H
#define PL_ARTICLE_FILE_H

#include <stddef.h>

#include "pl_base.h"
#include "pl_record.h"

/* Fills out from buf. default_url (may be NULL) is used when the header has none (for a
 * file: "file://" and its absolute path). fetched_at is now. Returns 0, or -1 with a reason
 * in why (the text is over the protocol's limit). *repaired counts replaced bytes. */
int pl_article_parse(const char *buf, size_t len, const char *default_url, struct pl_article *out,
                     size_t *repaired, char *why, size_t whylen) PL_WUR;

/* "file://" + the absolute path of path, percent-encoding what a URL cannot hold. */
char *pl_file_url(const char *path);

#endif
