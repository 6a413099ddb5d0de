/* pl_log.c - see pl_log.h. */
#include "pl_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "pl_util.h"

#define LINE_MAX_BYTES 4096

static const char *g_service = "parley";
static enum pl_log_level g_level = PL_LOG_INFO;
static int g_fd = STDERR_FILENO;

static const char *const g_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void pl_log_init(const char *service, enum pl_log_level level)
{
    g_service = service;
    g_level = level;
}

void pl_log_set_level(enum pl_log_level level)
{
    g_level = level;
}

enum pl_log_level pl_log_get_level(void)
{
    return g_level;
}

bool pl_log_enabled(enum pl_log_level level)
{
    return level <= g_level;
}

void pl_log_set_fd(int fd)
{
    g_fd = fd;
}

int pl_log_parse_level(const char *name, enum pl_log_level *out)
{
    for (int i = PL_LOG_ERROR; i <= PL_LOG_DEBUG; i++) {
        if (strcasecmp(name, g_names[i]) == 0) {
            *out = (enum pl_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(name, "warning") == 0) {
        *out = PL_LOG_WARN;
        return 0;
    }
    return -1;
}

const char *pl_log_level_name(enum pl_log_level level)
{
    return level <= PL_LOG_DEBUG ? g_names[level] : "?";
}

static void s_vwrite(enum pl_log_level level, const char *suffix, const char *fmt, va_list ap)
    PL_PRINTF(3, 0);

static void s_vwrite(enum pl_log_level level, const char *suffix, const char *fmt, va_list ap)
{
    char line[LINE_MAX_BYTES];
    char ts[32];
    pl_time_iso(ts, sizeof ts, pl_wall_ms());
    int n = snprintf(line, sizeof line, "%s %s[%ld] %s ", ts, g_service, (long)getpid(),
                     pl_log_level_name(level));
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    int m = vsnprintf(line + len, sizeof line - len, fmt, ap);
    if (m > 0)
        len += (size_t)m < sizeof line - len ? (size_t)m : sizeof line - len - 1;
    if (suffix && *suffix) {
        int k = snprintf(line + len, sizeof line - len, "%s", suffix);
        if (k > 0)
            len += (size_t)k < sizeof line - len ? (size_t)k : sizeof line - len - 1;
    }
    /* A line too long for the buffer is cut and marked, never split over two lines. */
    if (len >= sizeof line - 2) {
        len = sizeof line - 2;
        memcpy(line + len - 3, "...", 3);
    }
    while (len > 0 && line[len - 1] == '\n')
        len--;
    line[len++] = '\n';
    ssize_t w = write(g_fd, line, len);
    (void)w; /* nowhere to report a failing stderr */
}

void pl_log_write(enum pl_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vwrite(level, NULL, fmt, ap);
    va_end(ap);
}

int pl_log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vwrite(PL_LOG_ERROR, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

void pl_log_limited(struct pl_ratelimit *rl, enum pl_log_level level, const char *fmt, ...)
{
    if (!pl_log_enabled(level))
        return;
    int64_t now = pl_now_ms();
    if (rl->window_start == 0 || now - rl->window_start >= rl->window_ms) {
        rl->window_start = now;
        rl->used = 0;
    }
    if (rl->used >= rl->burst) {
        rl->suppressed++;
        return;
    }
    rl->used++;
    char suffix[64] = "";
    if (rl->suppressed)
        snprintf(suffix, sizeof suffix, " suppressed=%lu", rl->suppressed);
    rl->suppressed = 0;
    va_list ap;
    va_start(ap, fmt);
    s_vwrite(level, suffix, fmt, ap);
    va_end(ap);
}
