/* pl_article_file.c - see pl_article_file.h. */
#include "pl_article_file.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pl_id.h"
#include "pl_schema.h"
#include "pl_util.h"

/* Copies buf, replacing invalid UTF-8 bytes with U+FFFD and NULs with spaces. */
static char *s_repair(const char *buf, size_t len, size_t *outlen, size_t *repaired)
{
    struct pl_buf b;
    pl_buf_init(&b);
    pl_buf_reserve(&b, len);
    *repaired = 0;
    size_t i = 0;
    while (i < len) {
        /* the longest valid run from i */
        size_t j = i;
        while (j < len) {
            unsigned char c = (unsigned char)buf[j];
            size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
            if (c == 0 || n == 0 || j + n > len || !pl_utf8_valid(buf + j, n, false))
                break;
            j += n;
        }
        pl_buf_append(&b, buf + i, j - i);
        if (j < len) {
            if (buf[j] == 0)
                pl_buf_putc(&b, ' ');
            else
                pl_buf_append(&b, "\xef\xbf\xbd", 3);
            (*repaired)++;
            j++;
        }
        i = j;
    }
    return pl_buf_detach(&b, outlen);
}

static char *s_trimdup(const char *s, size_t n)
{
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return pl_xstrndup(s, n);
}

/* Length of the header block including its "---" line, or 0 when there is none. */
static size_t s_header(const char *t, size_t len)
{
    size_t i = 0;
    for (int line = 0; line < 40 && i < len; line++) {
        const char *nl = memchr(t + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - t) : len;
        size_t n = end - i;
        while (n > 0 && (t[i + n - 1] == '\r' || t[i + n - 1] == ' '))
            n--;
        if (n == 3 && !memcmp(t + i, "---", 3))
            return line > 0 ? (nl ? end + 1 : end) : 0;
        if (n > 0) {
            size_t k = 0;
            while (k < n &&
                   (isalnum((unsigned char)t[i + k]) || t[i + k] == '_' || t[i + k] == '-'))
                k++;
            if (k == 0 || k >= n || t[i + k] != ':')
                return 0;
        }
        if (!nl)
            return 0;
        i = end + 1;
    }
    return 0;
}

int pl_article_parse(const char *buf, size_t len, const char *default_url, struct pl_article *out,
                     size_t *repaired, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    char *text = s_repair(buf, len, &n, repaired);
    size_t hlen = s_header(text, n);
    for (size_t i = 0; i < hlen;) {
        const char *nl = memchr(text + i, '\n', hlen - i);
        size_t end = nl ? (size_t)(nl - text) : hlen;
        const char *colon = memchr(text + i, ':', end - i);
        if (colon) {
            size_t klen = (size_t)(colon - (text + i));
            char *value = s_trimdup(colon + 1, end - (size_t)(colon + 1 - text));
            char **slot = NULL;
            if (klen == 3 && !strncasecmp(text + i, "url", 3))
                slot = &out->url;
            else if ((klen == 6 && !strncasecmp(text + i, "outlet", 6)) ||
                     (klen == 6 && !strncasecmp(text + i, "source", 6)))
                slot = &out->outlet;
            else if ((klen == 9 && !strncasecmp(text + i, "published", 9)) ||
                     (klen == 4 && !strncasecmp(text + i, "date", 4)))
                slot = &out->published;
            else if (klen == 5 && !strncasecmp(text + i, "title", 5))
                slot = &out->title;
            else if (klen == 4 && !strncasecmp(text + i, "lang", 4))
                slot = &out->lang;
            if (slot && *value && !*slot)
                *slot = value;
            else
                free(value);
        }
        i = end + 1;
    }
    /* A published value that is not ISO-8601 is left for the extractor's dateline search. */
    if (out->published && !pl_check_timestamp(out->published, strlen(out->published))) {
        free(out->published);
        out->published = NULL;
    }
    /* Other fields must fit the record; long titles and URLs are cut, never refused. */
    if (out->title && strlen(out->title) > PL_MAX_TITLE_BYTES)
        out->title[PL_MAX_TITLE_BYTES] = '\0';
    if (out->outlet && strlen(out->outlet) > PL_MAX_NAME_BYTES)
        out->outlet[PL_MAX_NAME_BYTES] = '\0';
    if (out->url && strlen(out->url) > PL_MAX_URL_BYTES) {
        free(out->url);
        out->url = NULL;
    }
    if (out->lang && !pl_utf8_valid(out->lang, strlen(out->lang), false)) {
        free(out->lang);
        out->lang = NULL;
    }
    size_t tlen = n - hlen;
    if (tlen > PL_MAX_TEXT_BYTES) {
        snprintf(why, whylen, "article text is %zu bytes, over the limit of %u", tlen,
                 (unsigned)PL_MAX_TEXT_BYTES);
        free(text);
        pl_article_release(out);
        return -1;
    }
    out->text = pl_xstrndup(text + hlen, tlen);
    free(text);
    char id[PL_ID_HEX + 1];
    if (out->url)
        pl_id_article_url(id, out->url);
    else
        pl_id_article_content(id, out->text, tlen);
    out->id = pl_xstrdup(id);
    if (!out->url && default_url)
        out->url = pl_xstrdup(default_url);
    char now[40];
    pl_time_iso(now, sizeof now, pl_wall_ms());
    out->fetched_at = pl_xstrdup(now);
    /* titles and outlets cut above may have split a character */
    if (out->title && !pl_utf8_valid(out->title, strlen(out->title), false)) {
        free(out->title);
        out->title = NULL;
    }
    if (out->outlet && !pl_utf8_valid(out->outlet, strlen(out->outlet), false)) {
        free(out->outlet);
        out->outlet = NULL;
    }
    return 0;
}

char *pl_file_url(const char *path)
{
    char abs[PATH_MAX];
    if (!realpath(path, abs))
        snprintf(abs, sizeof abs, "%s", path);
    struct pl_buf b;
    pl_buf_init(&b);
    pl_buf_puts(&b, "file://");
    for (const char *p = abs; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) || strchr("/-._~", c))
            pl_buf_putc(&b, (char)c);
        else
            pl_buf_printf(&b, "%%%02X", c);
    }
    return pl_buf_detach(&b, NULL);
}
