/* pl_base.c - see pl_base.h. */
#include "pl_base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_oom(size_t size)
{
    fprintf(stderr, "parley: out of memory (allocating %zu bytes)\n", size);
    abort();
}

void *pl_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        s_oom(size);
    return p;
}

void *pl_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        s_oom(n * size);
    return p;
}

void *pl_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        s_oom(size);
    return p;
}

char *pl_xstrdup(const char *s)
{
    return pl_xstrndup(s, strlen(s));
}

char *pl_xstrndup(const char *s, size_t n)
{
    char *p = pl_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void pl_buf_init(struct pl_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void pl_buf_release(struct pl_buf *b)
{
    free(b->data);
    pl_buf_init(b);
}

void pl_buf_clear(struct pl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void pl_buf_reserve(struct pl_buf *b, size_t extra)
{
    if (extra >= SIZE_MAX / 2 - b->len)
        s_oom(extra);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    bool fresh = b->data == NULL;
    b->data = pl_xrealloc(b->data, cap);
    b->cap = cap;
    if (fresh)
        b->data[0] = '\0';
}

void pl_buf_append(struct pl_buf *b, const void *data, size_t len)
{
    /* Most appends are a few bytes into a buffer with room (the record encoder's are). */
    if (b->data && len < b->cap - b->len) {
        memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
        return;
    }
    pl_buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void pl_buf_puts(struct pl_buf *b, const char *s)
{
    pl_buf_append(b, s, strlen(s));
}

void pl_buf_putc(struct pl_buf *b, char c)
{
    pl_buf_append(b, &c, 1);
}

void pl_buf_printf(struct pl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return; /* only an invalid format can fail; the format attribute rules that out */
    pl_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *pl_buf_detach(struct pl_buf *b, size_t *len)
{
    if (!b->data)
        pl_buf_reserve(b, 0);
    char *p = b->data;
    if (len)
        *len = b->len;
    pl_buf_init(b);
    return p;
}

/* A strict validator written here rather than taken from a library: the wire codec must not
 * depend on more than msgpack-c, and this loop (ASCII fast path, then the table of well-formed
 * byte sequences from Unicode 15, table 3-7) runs at memory speed on article text. */
bool pl_utf8_valid(const char *str, size_t n, bool allow_nul)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* Eight ASCII bytes at a time while there are at least eight left. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            if (!allow_nul && ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL))
                return false;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned c = s[i];
        if (c < 0x80) {
            if (c == 0 && !allow_nul)
                return false;
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return false;
        }
        if (n - i - 1 < need)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return false;
        i += need + 1;
    }
    return true;
}
