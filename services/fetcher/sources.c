/* sources.c - see sources.h. */
#include "sources.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"
#include "pl_article_file.h"
#include "pl_id.h"
#include "pl_log.h"
#include "pl_schema.h"
#include "pl_util.h"

#define MAX_DEPTH   32     /* folders inside folders */
#define MAX_QUEUED  4096   /* paths from inotify waiting; beyond, read the folders again */
#define STDIN_CHUNK 65536  /* bytes read from stdin at a time */
#define HEADER_MAX  65536u /* room for a header block on top of the text limit */

enum kind { K_FILE, K_DIR, K_STDIN };

struct input {
    enum kind kind;
    char *path; /* absolute, for files and folders */
    bool done;  /* read to its end (a folder: scanned once) */
};

struct scan {
    DIR *dir;
    char *path;
};

struct sources {
    struct input *in;
    size_t n;
    bool watch;
    size_t max_html;
    /* the folder being read, as a stack of open folders */
    struct scan stack[MAX_DEPTH];
    size_t depth;
    size_t next_dir; /* the next folder input to scan */
    /* inotify */
    int ifd;
    struct {
        int wd;
        char *path;
    } * wds;
    size_t nwds;
    char **queued; /* paths reported by inotify, oldest first */
    size_t nqueued, qhead;
    bool rescan; /* the kernel dropped events: read the folders again */
    /* stdin */
    struct pl_buf sbuf;
    bool seof;
};

static bool s_is_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

static char *s_join(const char *dir, const char *name)
{
    struct pl_buf b;
    pl_buf_init(&b);
    pl_buf_printf(&b, "%s/%s", dir, name);
    return pl_buf_detach(&b, NULL);
}

static void s_watch_dir(struct sources *s, const char *path)
{
    if (s->ifd < 0)
        return;
    int wd = inotify_add_watch(
        s->ifd, path, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW);
    if (wd < 0) {
        pl_log_warn("cannot watch folder %s: %s", path, strerror(errno));
        return;
    }
    for (size_t i = 0; i < s->nwds; i++)
        if (s->wds[i].wd == wd)
            return; /* already watched (read again after an overflow) */
    s->wds = pl_xrealloc(s->wds, (s->nwds + 1) * sizeof *s->wds);
    s->wds[s->nwds].wd = wd;
    s->wds[s->nwds].path = pl_xstrdup(path);
    s->nwds++;
}

struct sources *sources_new(char *const *inputs, size_t n, bool watch, size_t max_html_bytes,
                            char *err, size_t errlen)
{
    struct sources *s = pl_xcalloc(1, sizeof *s);
    s->watch = watch;
    s->max_html = max_html_bytes;
    s->ifd = -1;
    pl_buf_init(&s->sbuf);
    s->in = pl_xcalloc(n ? n : 1, sizeof *s->in);
    bool have_stdin = false, have_dir = false;
    for (size_t i = 0; i < n; i++) {
        const char *p = inputs[i];
        if (s_is_url(p))
            continue;
        struct input *in = &s->in[s->n];
        if (strcmp(p, "-") == 0) {
            if (have_stdin) {
                snprintf(err, errlen, "stdin (\"-\") is named more than once");
                goto fail;
            }
            have_stdin = true;
            in->kind = K_STDIN;
            s->n++;
            continue;
        }
        char abs[PATH_MAX];
        struct stat st;
        if (!realpath(p, abs) || stat(abs, &st) != 0) {
            snprintf(err, errlen, "input %s: %s", p, strerror(errno));
            goto fail;
        }
        if (S_ISDIR(st.st_mode)) {
            in->kind = K_DIR;
            have_dir = true;
        } else if (S_ISREG(st.st_mode)) {
            in->kind = K_FILE;
        } else {
            snprintf(err, errlen, "input %s is neither a file nor a folder", p);
            goto fail;
        }
        if (access(abs, R_OK) != 0) {
            snprintf(err, errlen, "input %s: %s", p, strerror(errno));
            goto fail;
        }
        in->path = pl_xstrdup(abs);
        s->n++;
    }
    if (watch && have_dir) {
        s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (s->ifd < 0) {
            snprintf(err, errlen, "cannot watch folders (inotify): %s", strerror(errno));
            goto fail;
        }
    }
    return s;
fail:
    sources_destroy(&s);
    return NULL;
}

void sources_destroy(struct sources **sp)
{
    if (!sp || !*sp)
        return;
    struct sources *s = *sp;
    for (size_t i = 0; i < s->n; i++)
        free(s->in[i].path);
    free(s->in);
    for (size_t i = 0; i < s->depth; i++) {
        closedir(s->stack[i].dir);
        free(s->stack[i].path);
    }
    for (size_t i = 0; i < s->nwds; i++)
        free(s->wds[i].path);
    free(s->wds);
    for (size_t i = s->qhead; i < s->nqueued; i++)
        free(s->queued[i]);
    free(s->queued);
    if (s->ifd >= 0)
        close(s->ifd);
    pl_buf_release(&s->sbuf);
    free(s);
    *sp = NULL;
}

bool sources_watching(const struct sources *s)
{
    return s->ifd >= 0 && s->nwds > 0;
}

bool sources_finished(const struct sources *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (!s->in[i].done)
            return false;
    return s->depth == 0 && s->qhead == s->nqueued && !s->rescan;
}

/* --- one file ---------------------------------------------------------------------------- */

static bool s_skip_name(const char *name)
{
    size_t n = strlen(name);
    static const char *const temp[] = {"~", ".tmp", ".part", ".swp", ".crdownload"};
    if (name[0] == '.')
        return true;
    /* a folder's own documentation, not an article */
    static const char *const docs[] = {"README", "LICENSE", "LICENCE", "COPYING", "NOTICE"};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (strncasecmp(name, docs[i], strlen(docs[i])) == 0)
            return true;
    for (size_t i = 0; i < sizeof temp / sizeof temp[0]; i++) {
        size_t t = strlen(temp[i]);
        if (n >= t && strcasecmp(name + n - t, temp[i]) == 0)
            return true;
    }
    return false;
}

enum ftype { F_TEXT, F_HTML, F_OTHER };

static enum ftype s_type(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot)
        return F_TEXT;
    static const char *const text[] = {".txt", ".text", ".md", ".article"};
    static const char *const html[] = {".html", ".htm", ".xhtml"};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        if (strcasecmp(dot, text[i]) == 0)
            return F_TEXT;
    for (size_t i = 0; i < sizeof html / sizeof html[0]; i++)
        if (strcasecmp(dot, html[i]) == 0)
            return F_HTML;
    return F_OTHER;
}

static int s_dead(struct outbox *ob, const char *path, const char *url, const char *reason,
                  struct sources_stats *st)
{
    int rc = outbox_add_dead(ob, path, url, reason);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        st->failed++;
        pl_log_warn("input %s not taken in: %s", path, reason);
    }
    return 0;
}

static int s_add(struct outbox *ob, const struct pl_article *a, const char *src,
                 struct sources_stats *st)
{
    char dup[PL_ID_HEX + 1] = "";
    int rc = outbox_add(ob, a, src, dup);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        st->added++;
        pl_log_debug("taken in id=%s src=%s bytes=%zu", a->id, src ? src : "stdin",
                     strlen(a->text));
    } else {
        st->dups++;
        pl_log_info("duplicate not taken in src=%s id=%s same_as=%s", src ? src : "stdin", a->id,
                    dup);
    }
    return 0;
}

/* Reads the file at path (absolute) into the outbox. */
static int s_take_file(struct sources *s, struct outbox *ob, const char *path,
                       struct sources_stats *st)
{
    int known = outbox_has_src(ob, path);
    if (known != 0)
        return known < 0 ? -1 : 0;
    char *url = pl_file_url(path);
    char reason[512];
    int rc = 0;
    char *buf = NULL;
    enum ftype type = s_type(path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(reason, sizeof reason, "cannot read the file: %s", strerror(errno));
        rc = s_dead(ob, path, url, reason, st);
        goto out;
    }
    size_t cap = type == F_HTML ? s->max_html : PL_MAX_TEXT_BYTES + HEADER_MAX;
    if (type == F_OTHER) {
        rc = s_dead(ob, path, url,
                    "not an article file (text: .txt, .text, .md or no extension; HTML: "
                    ".html, .htm, .xhtml)",
                    st);
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = 0; /* a fifo or device in a folder: not ours to read */
        goto out;
    }
    if ((uint64_t)sb.st_size > cap) {
        snprintf(reason, sizeof reason, "file is %lld bytes, over the limit of %zu",
                 (long long)sb.st_size, cap);
        rc = s_dead(ob, path, url, reason, st);
        goto out;
    }
    size_t size = (size_t)sb.st_size, got = 0;
    buf = pl_xmalloc(size + 1);
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    st->bytes += got;
    bool blank = true;
    for (size_t i = 0; i < got && blank; i++)
        blank = isspace((unsigned char)buf[i]) != 0;
    if (blank) {
        rc = s_dead(ob, path, url, got ? "the file holds only white space" : "the file is empty",
                    st);
        goto out;
    }
    struct pl_article a;
    char why[256];
    size_t repaired = 0;
    int prc = type == F_HTML ? sources_html_article(buf, got, NULL, url, NULL, &a, why, sizeof why)
                             : pl_article_parse(buf, got, url, &a, &repaired, why, sizeof why);
    if (prc != 0) {
        rc = s_dead(ob, path, url, why, st);
        goto out;
    }
    if (repaired)
        pl_log_warn("input %s: %zu bytes of invalid UTF-8 or NUL replaced", path, repaired);
    rc = s_add(ob, &a, path, st);
    pl_article_release(&a);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    free(url);
    return rc;
}

/* --- folders ----------------------------------------------------------------------------- */

static void s_push_dir(struct sources *s, const char *path)
{
    if (s->depth == MAX_DEPTH) {
        pl_log_warn("folder %s is nested more than %d deep; not read", path, MAX_DEPTH);
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        pl_log_warn("cannot read folder %s: %s", path, strerror(errno));
        return;
    }
    s_watch_dir(s, path);
    s->stack[s->depth].dir = d;
    s->stack[s->depth].path = pl_xstrdup(path);
    s->depth++;
}

static void s_pop_dir(struct sources *s)
{
    s->depth--;
    closedir(s->stack[s->depth].dir);
    free(s->stack[s->depth].path);
}

/* The next file of the folder being read, or NULL when every folder is read for now. */
static char *s_next_file(struct sources *s)
{
    for (;;) {
        if (s->depth == 0) {
            while (s->next_dir < s->n && s->in[s->next_dir].kind != K_DIR)
                s->next_dir++;
            if (s->next_dir == s->n)
                return NULL;
            struct input *in = &s->in[s->next_dir++];
            s_push_dir(s, in->path);
            in->done = true;
            continue;
        }
        struct scan *sc = &s->stack[s->depth - 1];
        errno = 0;
        struct dirent *e = readdir(sc->dir);
        if (!e) {
            s_pop_dir(s);
            continue;
        }
        if (s_skip_name(e->d_name))
            continue;
        char *path = s_join(sc->path, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode)) {
            free(path); /* gone already, or a link (not followed: loops) */
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            s_push_dir(s, path);
            free(path);
            continue;
        }
        if (S_ISREG(st.st_mode))
            return path;
        free(path);
    }
}

/* Reads what inotify reported into the queue. */
static void s_read_inotify(struct sources *s)
{
    if (s->ifd < 0)
        return;
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t r = read(s->ifd, buf, sizeof buf);
        if (r <= 0)
            return;
        for (char *p = buf; p < buf + r;) {
            const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                s->rescan = true;
                continue;
            }
            if (!ev->len || s_skip_name(ev->name))
                continue;
            const char *dir = NULL;
            for (size_t i = 0; i < s->nwds && !dir; i++)
                if (s->wds[i].wd == ev->wd)
                    dir = s->wds[i].path;
            if (!dir)
                continue;
            /* a file is read when closed after writing or moved in; a new folder at once */
            bool isdir = (ev->mask & IN_ISDIR) != 0;
            if (!isdir && !(ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)))
                continue;
            if (s->nqueued - s->qhead >= MAX_QUEUED) {
                s->rescan = true;
                continue;
            }
            if (s->qhead > 0 && s->qhead == s->nqueued)
                s->qhead = s->nqueued = 0;
            s->queued = pl_xrealloc(s->queued, (s->nqueued + 1) * sizeof *s->queued);
            s->queued[s->nqueued++] = s_join(dir, ev->name);
        }
    }
}

int sources_fd(const struct sources *s)
{
    return s->ifd;
}

void sources_poll(struct sources *s)
{
    s_read_inotify(s);
}

/* --- stdin -------------------------------------------------------------------------------- */

static bool s_header_key(const char *t, size_t n)
{
    static const char *const keys[] = {"url",    "title", "published", "outlet",
                                       "source", "date",  "lang"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t k = strlen(keys[i]);
        if (n > k && strncasecmp(t, keys[i], k) == 0 && t[k] == ':')
            return true;
    }
    return false;
}

/* At a line start: the length of the header block (known first key, "key: value" lines,
 * "---" line) that starts here, 0 when none does, -1 when the input ends before it can be
 * told. */
static long s_header_at(const char *t, size_t len, bool eof)
{
    size_t i = 0;
    const char *nl = memchr(t, '\n', len);
    if (!s_header_key(t, nl ? (size_t)(nl - t) : len))
        return 0;
    for (int line = 0; line < 40; line++) {
        if (i >= len)
            return eof ? 0 : -1;
        nl = memchr(t + i, '\n', len - i);
        if (!nl && !eof)
            return -1;
        size_t end = nl ? (size_t)(nl - t) : len;
        size_t n = end - i;
        while (n > 0 && (t[i + n - 1] == '\r' || t[i + n - 1] == ' '))
            n--;
        if (n == 3 && memcmp(t + i, "---", 3) == 0)
            return line > 0 ? (long)(nl ? end + 1 : end) : 0;
        size_t k = 0;
        while (k < n && (isalnum((unsigned char)t[i + k]) || t[i + k] == '_' || t[i + k] == '-'))
            k++;
        if (n > 0 && (k == 0 || k >= n || t[i + k] != ':'))
            return 0;
        if (!nl)
            return 0;
        i = end + 1;
    }
    return 0;
}

size_t sources_split(const char *buf, size_t len, bool eof, size_t *article_len)
{
    if (len == 0)
        return 0;      /* (buf may be NULL then) */
    bool text = false; /* non-blank text seen since the article's start */
    size_t i = 0;
    /* the article's own header block, if it has one */
    long h = s_header_at(buf, len, eof);
    if (h < 0)
        return 0;
    i = (size_t)h;
    while (i < len) {
        /* i is at a line start */
        if (text) {
            h = s_header_at(buf + i, len - i, eof);
            if (h < 0)
                return 0;
            if (h > 0) {
                *article_len = i;
                return i;
            }
        }
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) + 1 : len;
        const char *ff = memchr(buf + i, '\f', end - i);
        if (ff) {
            *article_len = (size_t)(ff - buf);
            return *article_len + 1;
        }
        for (size_t k = i; k < end && !text; k++)
            text = !isspace((unsigned char)buf[k]);
        i = end;
        if (!nl)
            break;
    }
    if (!eof || len == 0)
        return 0;
    *article_len = len;
    return len;
}

/* Reads what stdin has without waiting; false when it has nothing now. */
static bool s_read_stdin(struct sources *s, struct sources_stats *st)
{
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    if (poll(&p, 1, 0) != 1)
        return false;
    pl_buf_reserve(&s->sbuf, STDIN_CHUNK);
    ssize_t r = read(STDIN_FILENO, s->sbuf.data + s->sbuf.len, STDIN_CHUNK);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return false;
    if (r <= 0) {
        if (r < 0)
            pl_log_warn("stdin: %s; taking it as the end", strerror(errno));
        s->seof = true;
        return true;
    }
    s->sbuf.len += (size_t)r;
    st->bytes += (size_t)r;
    return true;
}

/* One article from stdin into the outbox: 1 handled, 0 nothing ready, -1 database error. */
static int s_take_stdin(struct sources *s, struct input *in, struct outbox *ob,
                        struct sources_stats *st)
{
    for (;;) {
        size_t alen = 0;
        size_t used = sources_split(s->sbuf.data, s->sbuf.len, s->seof, &alen);
        if (used == 0 && s->sbuf.len > PL_MAX_TEXT_BYTES + HEADER_MAX) {
            /* no separator in sight: what is there is one article, over the limit */
            alen = used = s->sbuf.len;
        }
        if (used == 0) {
            if (s->seof) {
                in->done = true;
                return 0;
            }
            if (!s_read_stdin(s, st))
                return 0;
            continue;
        }
        int rc = 0;
        bool blank = true;
        for (size_t i = 0; i < alen && blank; i++)
            blank = isspace((unsigned char)s->sbuf.data[i]) != 0;
        if (!blank) {
            struct pl_article a;
            char why[256];
            size_t repaired = 0;
            if (pl_article_parse(s->sbuf.data, alen, NULL, &a, &repaired, why, sizeof why) != 0) {
                char src[64];
                snprintf(src, sizeof src, "stdin@%lld", (long long)pl_wall_ms());
                rc = s_dead(ob, src, NULL, why, st);
            } else {
                if (repaired)
                    pl_log_warn("stdin: %zu bytes of invalid UTF-8 or NUL replaced", repaired);
                rc = s_add(ob, &a, NULL, st);
                pl_article_release(&a);
            }
        }
        memmove(s->sbuf.data, s->sbuf.data + used, s->sbuf.len - used);
        s->sbuf.len -= used;
        if (rc < 0)
            return -1;
        if (!blank)
            return 1;
    }
}

/* --- the pump ----------------------------------------------------------------------------- */

int sources_pump(struct sources *s, struct outbox *ob, size_t max, struct sources_stats *st)
{
    size_t handled = 0;
    s_read_inotify(s);
    if (s->rescan && s->depth == 0) {
        s->rescan = false;
        s->next_dir = 0;
        pl_log_info("reading the watched folders again (the kernel dropped change events)");
    }
    while (handled < max) {
        char *path = NULL;
        if (s->qhead < s->nqueued) {
            path = s->queued[s->qhead];
            s->queued[s->qhead++] = NULL;
            struct stat sb;
            if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
                s_push_dir(s, path); /* a new subfolder: read it, and watch it */
                free(path);
                continue;
            }
        }
        for (size_t i = 0; !path && i < s->n; i++) {
            if (s->in[i].kind != K_FILE || s->in[i].done)
                continue;
            s->in[i].done = true;
            path = pl_xstrdup(s->in[i].path);
        }
        if (!path)
            path = s_next_file(s);
        if (path) {
            int rc = s_take_file(s, ob, path, st);
            free(path);
            if (rc < 0)
                return -1;
            handled++;
            continue;
        }
        struct input *in = NULL;
        for (size_t i = 0; i < s->n && !in; i++)
            if (s->in[i].kind == K_STDIN && !s->in[i].done)
                in = &s->in[i];
        if (!in)
            break;
        int rc = s_take_stdin(s, in, ob, st);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        handled++;
    }
    return (int)handled;
}

/* --- HTML --------------------------------------------------------------------------------- */

int sources_html_article(const char *body, size_t len, const char *content_type, const char *url,
                         const char *published_hint, struct pl_article *out, char *why,
                         size_t whylen)
{
    memset(out, 0, sizeof *out);
    struct html_page p = {0};
    if (html_extract(body, len, content_type, url, &p, why, whylen) != 0)
        return -1;
    size_t tlen = strlen(p.text);
    if (tlen > PL_MAX_TEXT_BYTES) {
        snprintf(why, whylen, "article text is %zu bytes, over the limit of %u", tlen,
                 (unsigned)PL_MAX_TEXT_BYTES);
        html_page_release(&p);
        return -1;
    }
    const char *canon = p.canonical && strlen(p.canonical) <= PL_MAX_URL_BYTES ? p.canonical : url;
    char id[PL_ID_HEX + 1];
    if (canon && strncmp(canon, "file://", 7) != 0)
        pl_id_article_url(id, canon);
    else
        pl_id_article_content(id, p.text, tlen);
    out->id = pl_xstrdup(id);
    out->url = canon ? pl_xstrdup(canon) : NULL;
    out->text = p.text;
    p.text = NULL;
    if (p.title && strlen(p.title) <= PL_MAX_TITLE_BYTES) {
        out->title = p.title;
        p.title = NULL;
    }
    if (p.outlet && strlen(p.outlet) <= PL_MAX_NAME_BYTES) {
        out->outlet = p.outlet;
        p.outlet = NULL;
    }
    const char *pub = p.published ? p.published : published_hint;
    if (pub && pl_check_timestamp(pub, strlen(pub)))
        out->published = pl_xstrdup(pub);
    if (p.lang && strlen(p.lang) < 16) {
        out->lang = p.lang;
        p.lang = NULL;
    }
    char now[40];
    pl_time_iso(now, sizeof now, pl_wall_ms());
    out->fetched_at = pl_xstrdup(now);
    html_page_release(&p);
    return 0;
}
