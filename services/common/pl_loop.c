/* pl_loop.c - see pl_loop.h. */
#include "pl_loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "pl_log.h"
#include "pl_util.h"

#define MAX_ITEMS  16
#define MAX_TIMERS 16

struct item {
    void *sock;      /* ZeroMQ socket, or NULL for a plain descriptor */
    int fd;          /* the descriptor when sock is NULL */
    pl_sock_fn *sfn; /* callback for a socket */
    pl_fd_fn *ffn;   /* callback for a descriptor */
    void *arg;       /* passed to the callback */
};

struct timer {
    bool used;        /* slot taken */
    int64_t interval; /* ms between calls */
    int64_t due;      /* monotonic ms of the next call */
    pl_timer_fn *fn;  /* callback */
    void *arg;        /* passed to it */
};

struct pl_loop {
    struct item items[MAX_ITEMS];    /* what is watched */
    size_t nitems;                   /* entries in items */
    struct timer timers[MAX_TIMERS]; /* timers, by id */
    bool stop;                       /* pl_loop_stop was called */
    bool changed;                    /* items changed during a round: rebuild the poll set */
};

struct pl_loop *pl_loop_new(void)
{
    return pl_xcalloc(1, sizeof(struct pl_loop));
}

void pl_loop_destroy(struct pl_loop **loop_p)
{
    if (!loop_p || !*loop_p)
        return;
    free(*loop_p);
    *loop_p = NULL;
}

static int s_add(struct pl_loop *loop, struct item it)
{
    if (loop->nitems >= MAX_ITEMS)
        return pl_log_error("cannot watch more than %d sockets in one loop", MAX_ITEMS);
    loop->items[loop->nitems++] = it;
    loop->changed = true;
    return 0;
}

int pl_loop_add_socket(struct pl_loop *loop, void *sock, pl_sock_fn *fn, void *arg)
{
    return s_add(loop, (struct item){.sock = sock, .fd = -1, .sfn = fn, .arg = arg});
}

int pl_loop_add_fd(struct pl_loop *loop, int fd, pl_fd_fn *fn, void *arg)
{
    return s_add(loop, (struct item){.sock = NULL, .fd = fd, .ffn = fn, .arg = arg});
}

void pl_loop_remove_socket(struct pl_loop *loop, void *sock)
{
    for (size_t i = 0; i < loop->nitems; i++) {
        if (loop->items[i].sock == sock) {
            memmove(&loop->items[i], &loop->items[i + 1],
                    (loop->nitems - i - 1) * sizeof loop->items[0]);
            loop->nitems--;
            loop->changed = true;
            return;
        }
    }
}

int pl_loop_add_timer(struct pl_loop *loop, int64_t interval_ms, pl_timer_fn *fn, void *arg)
{
    for (int i = 0; i < MAX_TIMERS; i++) {
        if (!loop->timers[i].used) {
            loop->timers[i] = (struct timer){.used = true,
                                             .interval = interval_ms > 0 ? interval_ms : 1,
                                             .due = pl_now_ms() + interval_ms,
                                             .fn = fn,
                                             .arg = arg};
            return i;
        }
    }
    return pl_log_error("cannot run more than %d timers in one loop", MAX_TIMERS);
}

void pl_loop_cancel_timer(struct pl_loop *loop, int id)
{
    if (id >= 0 && id < MAX_TIMERS)
        loop->timers[id].used = false;
}

void pl_loop_stop(struct pl_loop *loop)
{
    loop->stop = true;
}

/* Milliseconds until the next timer is due (-1: no timers). */
static long s_next_timeout(const struct pl_loop *loop, int64_t now)
{
    long best = -1;
    for (int i = 0; i < MAX_TIMERS; i++) {
        if (!loop->timers[i].used)
            continue;
        int64_t wait = loop->timers[i].due - now;
        if (wait < 0)
            wait = 0;
        if (best < 0 || wait < best)
            best = (long)wait;
    }
    return best;
}

static int s_run_timers(struct pl_loop *loop)
{
    int64_t now = pl_now_ms();
    for (int i = 0; i < MAX_TIMERS && !loop->stop; i++) {
        struct timer *t = &loop->timers[i];
        if (!t->used || t->due > now)
            continue;
        /* Schedule from now, not from due: a stalled loop must not fire a burst of catch-up
         * calls. */
        t->due = now + t->interval;
        if (t->fn(loop, t->arg) != 0)
            return -1;
    }
    return 0;
}

int pl_loop_run(struct pl_loop *loop)
{
    zmq_pollitem_t poll[MAX_ITEMS];
    struct item items[MAX_ITEMS];
    loop->stop = false;
    while (!loop->stop) {
        size_t n = loop->nitems;
        memcpy(items, loop->items, n * sizeof items[0]);
        for (size_t i = 0; i < n; i++)
            poll[i] = (zmq_pollitem_t){
                .socket = items[i].sock, .fd = items[i].fd, .events = ZMQ_POLLIN, .revents = 0};
        loop->changed = false;
        long timeout = s_next_timeout(loop, pl_now_ms());
        int rc = zmq_poll(poll, (int)n, timeout);
        if (rc < 0) {
            if (zmq_errno() == EINTR)
                continue;
            if (zmq_errno() == ETERM)
                return 0;
            return pl_log_error("poll failed: %s", zmq_strerror(zmq_errno()));
        }
        for (size_t i = 0; i < n && !loop->stop; i++) {
            if (!(poll[i].revents & ZMQ_POLLIN))
                continue;
            int r = items[i].sock ? items[i].sfn(loop, items[i].sock, items[i].arg)
                                  : items[i].ffn(loop, items[i].fd, items[i].arg);
            if (r != 0)
                return -1;
            if (loop->changed)
                break; /* a callback changed the set: poll again with the new one */
        }
        if (!loop->stop && s_run_timers(loop) != 0)
            return -1;
    }
    return 0;
}
