/* test_pl_sock_loop.c - the socket factory, multipart messages over real ZeroMQ sockets,
 * signals as poll events, and the poll loop's timers and callbacks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pl_loop.h"
#include "pl_sig.h"
#include "pl_sock.h"
#include "pl_util.h"

static int g_null = -1;

/* Sends the log to /dev/null while a test provokes errors on purpose. */
static void s_quiet(void)
{
    g_null = open("/dev/null", O_WRONLY);
    pl_log_set_fd(g_null);
}

static void s_loud(void)
{
    pl_log_set_fd(STDERR_FILENO);
    close(g_null);
}

static struct pl_sock_opts s_opts(void)
{
    return (struct pl_sock_opts){.linger_ms = 0,
                                 .sndhwm = 7,
                                 .rcvhwm = 9,
                                 .max_msg_bytes = 4096,
                                 .send_timeout_ms = 50,
                                 .recv_timeout_ms = 60,
                                 .heartbeat_ivl_ms = 100,
                                 .heartbeat_timeout_ms = 1000,
                                 .reconnect_ivl_ms = 10,
                                 .reconnect_max_ms = 100};
}

static int s_getint(void *sock, int opt)
{
    int v = -1;
    size_t len = sizeof v;
    assert_int_equal(zmq_getsockopt(sock, opt, &v, &len), 0);
    return v;
}

static void test_factory_applies_every_option(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    struct pl_sock_opts o = s_opts();
    void *s = pl_sock_new(ctx, ZMQ_ROUTER, &o, "t");
    assert_non_null(s);
    assert_int_equal(s_getint(s, ZMQ_LINGER), 0);
    assert_int_equal(s_getint(s, ZMQ_SNDHWM), 7);
    assert_int_equal(s_getint(s, ZMQ_RCVHWM), 9);
    assert_int_equal(s_getint(s, ZMQ_SNDTIMEO), 50);
    assert_int_equal(s_getint(s, ZMQ_RCVTIMEO), 60);
    assert_int_equal(s_getint(s, ZMQ_HEARTBEAT_IVL), 100);
    assert_int_equal(s_getint(s, ZMQ_HEARTBEAT_TIMEOUT), 1000);
    assert_int_equal(s_getint(s, ZMQ_RECONNECT_IVL), 10);
    assert_int_equal(s_getint(s, ZMQ_RECONNECT_IVL_MAX), 100);
    int64_t maxmsg = 0;
    size_t len = sizeof maxmsg;
    assert_int_equal(zmq_getsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, &len), 0);
    assert_int_equal(maxmsg, 4096);
    pl_sock_close(&s);
    assert_null(s);
    pl_sock_close(&s); /* safe twice */
    zmq_ctx_term(ctx);
}

static void test_factory_reports_a_refused_option(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    struct pl_sock_opts o = s_opts();
    o.linger_ms = -5; /* the config range forbids it; libzmq refuses below -1 */
    s_quiet();
    void *s = pl_sock_new(ctx, ZMQ_DEALER, &o, "t");
    s_loud();
    assert_null(s);
    zmq_ctx_term(ctx);
}

static void test_bind_failure_is_an_error_not_a_crash(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    struct pl_sock_opts o = s_opts();
    void *s = pl_sock_new(ctx, ZMQ_ROUTER, &o, "t");
    s_quiet();
    assert_int_equal(pl_sock_bind(s, "ipc:///nonexistent-folder/x.sock", "t"), -1);
    assert_int_equal(pl_sock_connect(s, "bogus://x", "t"), -1);
    s_loud();
    pl_sock_close(&s);
    zmq_ctx_term(ctx);
}

/* A DEALER talking to a ROUTER over inproc, and a poll loop serving the ROUTER. */
struct pair {
    void *ctx;
    void *router;
    void *dealer;
    struct pl_buf scratch;
    struct pl_drops drops;
    int handled; /* good messages handled by the loop */
    int ticks;   /* timer calls */
};

static int setup_pair(void **state)
{
    static struct pair p;
    memset(&p, 0, sizeof p);
    struct pl_sock_opts o = s_opts();
    p.ctx = zmq_ctx_new();
    p.router = pl_sock_new(p.ctx, ZMQ_ROUTER, &o, "router");
    p.dealer = pl_sock_new(p.ctx, ZMQ_DEALER, &o, "dealer");
    if (pl_sock_bind(p.router, "inproc://pair", "router") ||
        pl_sock_connect(p.dealer, "inproc://pair", "dealer"))
        return -1;
    pl_buf_init(&p.scratch);
    pl_drops_init(&p.drops);
    *state = &p;
    return 0;
}

static int teardown_pair(void **state)
{
    struct pair *p = *state;
    pl_sock_close(&p->router);
    pl_sock_close(&p->dealer);
    zmq_ctx_term(p->ctx);
    pl_buf_release(&p->scratch);
    return 0;
}

static void test_message_crosses_dealer_to_router_and_back(void **state)
{
    struct pair *p = *state;
    struct pl_msg m = {.cmd = PL_CMD_READY};
    m.u.ready.credit = 3;
    assert_int_equal(pl_msg_send(p->dealer, NULL, 0, &m, &p->scratch, 0), 0);

    struct pl_frames fr;
    assert_int_equal(pl_frames_recv(p->router, &fr, 0), 0);
    assert_int_equal(fr.n, 3); /* identity, command, body */
    struct pl_msg got;
    assert_int_equal(pl_frames_decode(&fr, 1, &got, NULL), PL_OK);
    assert_int_equal(got.cmd, PL_CMD_READY);
    assert_int_equal(got.u.ready.credit, 3);
    pl_msg_release(&got);

    struct pl_msg done = {.cmd = PL_CMD_DONE};
    char id[] = "0123456789abcdef";
    done.u.done.id = id;
    assert_int_equal(pl_msg_send(p->router, zmq_msg_data(&fr.f[0]), zmq_msg_size(&fr.f[0]), &done,
                                 &p->scratch, 0),
                     0);
    pl_frames_close(&fr);
    assert_int_equal(pl_frames_recv(p->dealer, &fr, 0), 0);
    assert_int_equal(pl_frames_decode(&fr, 0, &got, NULL), PL_OK);
    assert_string_equal(got.u.done.id, id);
    pl_msg_release(&got);
    pl_frames_close(&fr);
}

static void test_wrong_frame_counts_are_refused_and_drained(void **state)
{
    struct pair *p = *state;
    /* eleven frames: more than PL_MAX_FRAMES are received and discarded, never left queued */
    for (int i = 0; i < 10; i++)
        zmq_send(p->dealer, "x", 1, ZMQ_SNDMORE);
    zmq_send(p->dealer, "x", 1, 0);
    zmq_send(p->dealer, "HB", 2, 0); /* one frame only */

    struct pl_frames fr;
    struct pl_msg m;
    s_quiet();
    /* wait for delivery (inproc is immediate, but be safe) */
    zmq_pollitem_t it = {.socket = p->router, .events = ZMQ_POLLIN};
    zmq_poll(&it, 1, 1000);
    assert_int_equal(pl_sock_recv_msg(p->router, "router", 1, &fr, &m, &p->drops), 0);
    assert_int_equal(fr.n, PL_MAX_FRAMES);
    assert_int_equal(fr.dropped, 12 - PL_MAX_FRAMES);
    pl_frames_close(&fr);
    assert_int_equal(pl_sock_recv_msg(p->router, "router", 1, &fr, &m, &p->drops), 0);
    pl_frames_close(&fr);
    s_loud();
    assert_int_equal(p->drops.by_status[PL_E_FRAMES], 2);
    assert_int_equal(p->drops.total, 2);
    /* nothing left */
    assert_int_equal(pl_sock_recv_msg(p->router, "router", 1, &fr, &m, &p->drops), 0);
    assert_int_equal(fr.n, 0);
    struct pl_buf line;
    pl_buf_init(&line);
    pl_drops_format(&p->drops, &line);
    assert_string_equal(line.data, " dropped=2 dropped_wrong_frame_count=2");
    pl_buf_release(&line);
}

static int s_on_router(struct pl_loop *loop, void *sock, void *arg)
{
    struct pair *p = arg;
    struct pl_frames fr;
    struct pl_msg m;
    int rc;
    while ((rc = pl_sock_recv_msg(sock, "router", 1, &fr, &m, &p->drops)) != 0 || fr.n) {
        if (rc == 1) {
            p->handled++;
            pl_msg_release(&m);
        }
        pl_frames_close(&fr);
    }
    if (p->handled == 2)
        pl_loop_stop(loop);
    return 0;
}

static int s_on_tick(struct pl_loop *loop, void *arg)
{
    struct pair *p = arg;
    (void)loop;
    p->ticks++;
    if (p->ticks == 3) {
        /* the loop's socket callback must see both messages after this */
        struct pl_msg hb = {.cmd = PL_CMD_HB};
        if (pl_msg_send(p->dealer, NULL, 0, &hb, &p->scratch, 0) ||
            pl_msg_send(p->dealer, NULL, 0, &hb, &p->scratch, 0))
            return -1;
    }
    return 0;
}

static void test_loop_runs_timers_and_socket_callbacks_until_stopped(void **state)
{
    struct pair *p = *state;
    struct pl_loop *loop = pl_loop_new();
    assert_int_equal(pl_loop_add_socket(loop, p->router, s_on_router, p), 0);
    assert_true(pl_loop_add_timer(loop, 10, s_on_tick, p) >= 0);
    int64_t t0 = pl_now_ms();
    assert_int_equal(pl_loop_run(loop), 0);
    int64_t took = pl_now_ms() - t0;
    assert_int_equal(p->handled, 2);
    assert_true(p->ticks >= 3);
    assert_true(took >= 25); /* three ticks of 10 ms */
    pl_loop_destroy(&loop);
    assert_null(loop);
}

static int s_fail_cb(struct pl_loop *loop, void *arg)
{
    (void)loop;
    (void)arg;
    return -1;
}

static void test_loop_stops_with_an_error_when_a_callback_fails(void **state)
{
    (void)state;
    struct pl_loop *loop = pl_loop_new();
    assert_true(pl_loop_add_timer(loop, 1, s_fail_cb, NULL) >= 0);
    assert_int_equal(pl_loop_run(loop), -1);
    pl_loop_destroy(&loop);
}

static void test_signals_arrive_as_poll_events(void **state)
{
    (void)state;
    int fd = pl_sig_open();
    assert_true(fd >= 0);
    assert_int_equal(pl_sig_read(fd), 0); /* nothing yet, and no blocking */
    assert_int_equal(kill(getpid(), SIGTERM), 0);
    /* the signal is blocked, so the process lives and the fd turns readable */
    zmq_pollitem_t it = {.socket = NULL, .fd = fd, .events = ZMQ_POLLIN};
    assert_int_equal(zmq_poll(&it, 1, 2000), 1);
    assert_int_equal(pl_sig_read(fd), SIGTERM);
    kill(getpid(), SIGINT);
    assert_int_equal(zmq_poll(&it, 1, 2000), 1);
    assert_int_equal(pl_sig_read(fd), SIGINT);
    pl_sig_close(&fd);
    assert_int_equal(fd, -1);
    pl_sig_restore();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factory_applies_every_option),
        cmocka_unit_test(test_factory_reports_a_refused_option),
        cmocka_unit_test(test_bind_failure_is_an_error_not_a_crash),
        cmocka_unit_test_setup_teardown(test_message_crosses_dealer_to_router_and_back, setup_pair,
                                        teardown_pair),
        cmocka_unit_test_setup_teardown(test_wrong_frame_counts_are_refused_and_drained, setup_pair,
                                        teardown_pair),
        cmocka_unit_test_setup_teardown(test_loop_runs_timers_and_socket_callbacks_until_stopped,
                                        setup_pair, teardown_pair),
        cmocka_unit_test(test_loop_stops_with_an_error_when_a_callback_fails),
        cmocka_unit_test(test_signals_arrive_as_poll_events),
    };
    return cmocka_run_group_tests_name("pl_sock_loop", tests, NULL, NULL);
}
