/* pl_log.h - one line per event on stderr, with key=value fields.
 *
 *   2026-11-22T10:01:02.123Z store[42] WARN dropped frame reason=truncated bytes=17
 *
 * One process-wide logger (like OpenBSD's log.c): pl_log_init names the service once, and
 * every module logs through the macros below, which skip formatting below the level. Each
 * line goes out in a single write(2), so lines from several processes sharing a terminal
 * never interleave. Never call these from a signal handler (parley never needs to).
 */
#ifndef PL_LOG_H
#define PL_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "pl_base.h"

enum pl_log_level { PL_LOG_ERROR = 0, PL_LOG_WARN, PL_LOG_INFO, PL_LOG_DEBUG };

/* service appears in every line ("store"); it must outlive the logger (a literal). */
void pl_log_init(const char *service, enum pl_log_level level);
void pl_log_set_level(enum pl_log_level level);
enum pl_log_level pl_log_get_level(void);
bool pl_log_enabled(enum pl_log_level level);
/* "error", "warn", "info", "debug" -> level; -1 for anything else. */
int pl_log_parse_level(const char *name, enum pl_log_level *out) PL_WUR;
const char *pl_log_level_name(enum pl_log_level level);
/* Sends lines to fd instead of stderr (tests). */
void pl_log_set_fd(int fd);

void pl_log_write(enum pl_log_level level, const char *fmt, ...) PL_PRINTF(2, 3);

/* Logs at ERROR and returns -1, so a failure is one line: return pl_log_error("..."). */
int pl_log_error(const char *fmt, ...) PL_PRINTF(1, 2);

#define pl_log_warn(...)                                                                           \
    do {                                                                                           \
        if (pl_log_enabled(PL_LOG_WARN))                                                           \
            pl_log_write(PL_LOG_WARN, __VA_ARGS__);                                                \
    } while (0)
#define pl_log_info(...)                                                                           \
    do {                                                                                           \
        if (pl_log_enabled(PL_LOG_INFO))                                                           \
            pl_log_write(PL_LOG_INFO, __VA_ARGS__);                                                \
    } while (0)
#define pl_log_debug(...)                                                                          \
    do {                                                                                           \
        if (pl_log_enabled(PL_LOG_DEBUG))                                                          \
            pl_log_write(PL_LOG_DEBUG, __VA_ARGS__);                                               \
    } while (0)

/* Rate limiting for messages that bad input can trigger at any rate: at most burst lines
 * per window; the rest are counted and reported in the next line that gets through. */
struct pl_ratelimit {
    int64_t window_ms;        /* length of a window */
    unsigned burst;           /* lines allowed per window */
    int64_t window_start;     /* monotonic ms when the current window began */
    unsigned used;            /* lines logged in the current window */
    unsigned long suppressed; /* lines dropped since the last one logged */
};

#define PL_RATELIMIT_INIT(ms, n)                                                                   \
    {                                                                                              \
        .window_ms = (ms), .burst = (n)                                                            \
    }

/* Logs like pl_log_write unless the limit is reached. */
void pl_log_limited(struct pl_ratelimit *rl, enum pl_log_level level, const char *fmt, ...)
    PL_PRINTF(3, 4);

#endif
