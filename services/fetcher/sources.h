/* sources.h - the fetcher's local inputs: files, folders (read once or watched) and stdin.
 *
 * Inputs are named as on the command line: a path to a file or a folder, or "-" for stdin
 * (URLs are web.h's). sources_pump takes in articles one at a time, so the fetcher decides
 * how much to take in (it stops while enough articles are pending) and nothing piles up in
 * memory: folders are read entry by entry, stdin only as far as the next article.
 *
 * Files: text (.txt, .text, .md, or no extension) with an optional header block (see
 * pl_article_file.h), or HTML (.html, .htm, .xhtml) read like a web page. Other files,
 * empty files and files over the size limit become dead articles with the reason, so they
 * show in `parley dead` rather than vanishing. Names starting with "." or ending in "~",
 * ".tmp", ".part" or ".swp" are skipped: editors and downloads write those before renaming.
 * Folders are read recursively; a path already in the outbox is not read again, so a
 * restarted fetcher does not take in what it has seen.
 *
 * Watching (inotify): files closed after writing or moved into a watched folder, and new
 * subfolders, are taken in as they come; when the kernel's event queue overflows, the
 * folders are read again (known paths are skipped cheaply).
 *
 * stdin: articles are separated by a form feed (\f) or by a header block: a line "url:",
 * "title:", "published:", "outlet:", "source:", "date:" or "lang:" after text, followed by
 * "key: value" lines and a line "---", starts the next article.
 */
#ifndef SOURCES_H
#define SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbox.h"
#include "pl_base.h"

struct sources;

struct sources_stats {
    uint64_t added;  /* new articles in the outbox */
    uint64_t dups;   /* duplicates of articles already there */
    uint64_t failed; /* inputs recorded as dead */
    uint64_t bytes;  /* bytes read */
};

/* Local inputs among inputs (URLs are skipped); NULL with a reason in err when a path does
 * not exist or cannot be read. max_html_bytes bounds HTML files. */
struct sources *sources_new(char *const *inputs, size_t n, bool watch, size_t max_html_bytes,
                            char *err, size_t errlen) PL_WUR;
void sources_destroy(struct sources **s);

/* Takes in up to max inputs into ob, inside the caller's transaction. Returns how many
 * were handled (added, duplicates and failures), 0 when nothing is ready now, -1 on a
 * database error (outbox_errmsg says which). */
int sources_pump(struct sources *s, struct outbox *ob, size_t max, struct sources_stats *st);

/* The descriptor that becomes readable when a watched folder changes (-1: nothing is
 * watched), and the call that takes those changes in (sources_pump calls it too): a loop
 * that polls the descriptor calls sources_poll when it is readable, then pumps. */
int sources_fd(const struct sources *s);
void sources_poll(struct sources *s);

/* Every input that is read once has been read to its end (watched folders aside). */
bool sources_finished(const struct sources *s);
/* Some input is being watched (and so never finishes). */
bool sources_watching(const struct sources *s);

/* Where the first article of buf ends: returns the bytes it takes (its separator included)
 * and its length in *article_len, or 0 when more input is needed to tell (never 0 when eof
 * and len > 0). */
size_t sources_split(const char *buf, size_t len, bool eof, size_t *article_len);

/* An article from the bytes of an HTML page (services/fetcher/html.h): url is the page's
 * (canonical when the page names one), published_hint a time known from elsewhere (a feed
 * item) used when the page has none. 0, or -1 with a reason. */
int sources_html_article(const char *body, size_t len, const char *content_type, const char *url,
                         const char *published_hint, struct pl_article *out, char *why,
                         size_t whylen) PL_WUR;

#endif
