/* pl_util.h - number parsing and clocks. */
#ifndef PL_UTIL_H
#define PL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"

/* Parses all of s as a decimal integer within [min, max]. Returns 0, or -1 with errno set
 * (EINVAL: not a number or trailing characters; ERANGE: outside the range). Leading
 * whitespace and a sign are refused for the unsigned form. */
int pl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) PL_WUR;
int pl_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out) PL_WUR;

/* Milliseconds on the monotonic clock: for timeouts and intervals. */
int64_t pl_now_ms(void);
/* Milliseconds since the Unix epoch: for timestamps. */
int64_t pl_wall_ms(void);
/* Writes ms (since the epoch) as 2026-11-22T10:01:02.123Z. */
void pl_time_iso(char *buf, size_t size, int64_t ms);

/* One writer a database file: an exclusive flock on <path>.lock, created if missing, held
 * for as long as the returned descriptor is open - the kernel lets go of it when the process
 * ends, however it ends. A lock held by another process is asked for again every 100 ms for
 * wait_ms (one that has just stopped may still be closing). Returns the descriptor (close-
 * on-exec), or -1 with a message in err naming who and what: "another <who> is writing to
 * <path> ...". */
int pl_writer_lock(const char *path, const char *who, int wait_ms, char *err, size_t errlen) PL_WUR;

#endif
