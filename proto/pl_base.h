/* pl_base.h - memory, growable buffers and UTF-8 checks shared by every parley library.
 *
 * Running out of memory is not a condition parley handles: pl_xmalloc and friends log one
 * line to stderr and abort, which removes thousands of untested error branches. Everything
 * else (bad input, a failing peer) is an error the caller sees.
 */
#ifndef PL_BASE_H
#define PL_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PL_WUR               __attribute__((warn_unused_result))
#define PL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

void *pl_xmalloc(size_t size);
void *pl_xcalloc(size_t n, size_t size);
void *pl_xrealloc(void *ptr, size_t size);
char *pl_xstrdup(const char *s);
/* Copies n bytes of s and adds a terminating NUL. */
char *pl_xstrndup(const char *s, size_t n);

/* A growable byte buffer. The caller owns the struct; data is always NUL-terminated so a
 * buffer holding text can be printed directly. */
struct pl_buf {
    char *data; /* heap bytes, NULL until the first append */
    size_t len; /* bytes in use, not counting the terminating NUL */
    size_t cap; /* bytes allocated */
};

void pl_buf_init(struct pl_buf *b);
void pl_buf_release(struct pl_buf *b);
/* Empties the buffer but keeps its memory for reuse. */
void pl_buf_clear(struct pl_buf *b);
void pl_buf_reserve(struct pl_buf *b, size_t extra);
void pl_buf_append(struct pl_buf *b, const void *data, size_t len);
void pl_buf_puts(struct pl_buf *b, const char *s);
void pl_buf_putc(struct pl_buf *b, char c);
void pl_buf_printf(struct pl_buf *b, const char *fmt, ...) PL_PRINTF(2, 3);
/* Hands the bytes to the caller (free() them) and leaves the buffer empty. */
char *pl_buf_detach(struct pl_buf *b, size_t *len);

/* True when s[0..n) is well-formed UTF-8: no overlong forms, no surrogates, nothing above
 * U+10FFFF. When allow_nul is false a 0x00 byte also fails, so the text can live in a C string. */
bool pl_utf8_valid(const char *s, size_t n, bool allow_nul);

#endif
