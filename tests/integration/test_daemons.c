/* test_daemons.c - the real parley-fetcher, parley-extractor and parley-store, run as child
 * processes.
 *
 * Each test gets a fresh temporary folder holding its config files and every endpoint
 * (ipc://<dir>/<name>.sock), so tests never share ports with each other or with anything else
 * on the machine. A child's stdout and stderr come back through pipes; readiness is a log line
 * seen on stderr within a deadline, never a fixed sleep. The teardown kills (SIGKILL) and reaps
 * every child still running and removes the folder, whether or not the test passed; children
 * also get SIGKILL from the kernel if this process dies first (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE /* prlimit */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <zmq.h>

#include "pl_base.h"
#include "pl_id.h"
#include "pl_msg.h"
#include "pl_sock.h"
#include "pl_util.h"

#ifndef PL_BIN_DIR
#error "PL_BIN_DIR must name the folder holding the parley programs"
#endif

#define READY_TIMEOUT_MS 5000 /* from exec to the " ready" log line */
#define STOP_TIMEOUT_MS  2000 /* from a termination signal to the exit status */
#define RUN_TIMEOUT_MS   5000 /* for the runs that exit by themselves (-h, -n ...) */
#define REPLY_TIMEOUT_MS 3000 /* for the heartbeat answer */
#define MAX_PROCS        16   /* children one test may run */
#define MAX_ARGS         8    /* argv entries of one child, with the terminating NULL */

/* One child process and what it has written so far. */
struct proc {
    char name[32];      /* program name, for messages */
    pid_t pid;          /* 0 once reaped (or never started) */
    int out;            /* read end of the child's stdout, -1 at EOF */
    int err;            /* read end of the child's stderr, -1 at EOF */
    struct pl_buf obuf; /* everything read from stdout */
    struct pl_buf ebuf; /* everything read from stderr */
    int status;         /* wait status, once reaped */
    int64_t signalled;  /* monotonic ms when the termination signal went out (0: not sent) */
};

/* Per-test state: the folder, the children, and the test's own ZeroMQ socket. */
struct fx {
    char dir[128];                /* temporary folder, removed by the teardown */
    struct proc procs[MAX_PROCS]; /* children started so far */
    size_t nprocs;                /* entries used in procs */
    void *zctx;                   /* ZeroMQ context of the hostile peer, or NULL */
    void *zsock;                  /* its DEALER socket, or NULL */
    void *zsock2;                 /* a second socket (the fake store), or NULL */
    void *socks[4];               /* client sockets of the store tests */
    size_t nsocks;                /* entries used in socks */
    const char *stdin_text;       /* the next child's stdin (NULL: /dev/null) */
};

static long g_max_fd = 1024; /* highest descriptor to close in a child, found before fork */

/* ---------------------------------------------------------------------------------------- */
/* Files and endpoints in the temporary folder. */

/* out = "<dir>/<name>"; fails the test if it does not fit. */
static void fx_path(const struct fx *f, const char *name, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", f->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

/* out = "ipc://<dir>/<name>.sock" */
static void fx_endpoint(const struct fx *f, const char *name, char *out, size_t size)
{
    int n = snprintf(out, size, "ipc://%s/%s.sock", f->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static void write_file(const char *path, const char *fmt, ...) PL_PRINTF(2, 3);

static void write_file(const char *path, const char *fmt, ...)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(fp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    assert_int_equal(fclose(fp), 0);
}

/* PARLEY_TEST_PG (set by tests/pg_store.sh): a libpq connection string; the store's tests
 * then run with the store on that PostgreSQL database, emptied before each test. */
static const char *g_pg;

/* The store section of a store.cfg: SQLite in the folder, or the PostgreSQL database. */
static const char *fx_store_section(const struct fx *f)
{
    static char sec[1024];
    if (g_pg)
        snprintf(sec, sizeof sec,
                 "store = { data_dir = \"%s\"; backend = \"postgres\"; conninfo = \"%s\"; };\n",
                 f->dir, g_pg);
    else
        snprintf(sec, sizeof sec, "store = { data_dir = \"%s\"; };\n", f->dir);
    return sec;
}

/* Writes fetcher.cfg, extractor.cfg and store.cfg with every endpoint in the folder, so the
 * three find each other. */
static void fx_write_configs(const struct fx *f)
{
    char path[256], work[256], ingest[256], live[256], replay[256];
    fx_endpoint(f, "work", work, sizeof work);
    fx_endpoint(f, "ingest", ingest, sizeof ingest);
    fx_endpoint(f, "live", live, sizeof live);
    fx_endpoint(f, "replay", replay, sizeof replay);

    fx_path(f, "fetcher.cfg", path, sizeof path);
    write_file(path,
               "# parley-fetcher, written by test_daemons\n"
               "work = {\n"
               "  bind = \"%s\";\n"
               "};\n"
               "fetcher = { data_dir = \"%s\"; };\n",
               work, f->dir);
    fx_path(f, "extractor.cfg", path, sizeof path);
    write_file(path,
               "# parley-extractor, written by test_daemons\n"
               "work = {\n"
               "  connect = \"%s\";\n"
               "};\n"
               "ingest = {\n"
               "  connect = \"%s\";\n"
               "};\n",
               work, ingest);
    fx_path(f, "store.cfg", path, sizeof path);
    write_file(path,
               "# parley-store, written by test_daemons\n"
               "ingest = { bind = \"%s\"; };\n"
               "live = { bind = \"%s\"; };\n"
               "replay = { bind = \"%s\"; };\n"
               "%s",
               ingest, live, replay, fx_store_section(f));
}

/* Removes the folder and the files in it (configs, and sockets a killed child left). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (e->d_type == DT_DIR) {
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
            remove_dir(sub);
            continue;
        }
        if (unlinkat(dirfd(d), e->d_name, 0) != 0)
            fprintf(stderr, "test_daemons: cannot remove '%s/%s': %s\n", dir, e->d_name,
                    strerror(errno));
    }
    closedir(d);
    if (rmdir(dir) != 0)
        fprintf(stderr, "test_daemons: cannot remove '%s': %s\n", dir, strerror(errno));
}

/* ---------------------------------------------------------------------------------------- */
/* Children. */

/* In the child, between fork and exec: only async-signal-safe calls from here on. */
static void child_close_inherited(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
        return;
#endif
    for (long fd = 3; fd <= g_max_fd; fd++)
        close((int)fd);
}

static void set_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    assert_true(flags >= 0);
    assert_int_equal(fcntl(fd, F_SETFD, flags | FD_CLOEXEC), 0);
}

/* Starts PL_BIN_DIR/prog with the NULL-terminated arguments that follow. */
static struct proc *proc_start(struct fx *f, const char *prog, ...)
{
    assert_true(f->nprocs < MAX_PROCS);
    struct proc *p = &f->procs[f->nprocs];

    char path[512];
    int n = snprintf(path, sizeof path, "%s/%s", PL_BIN_DIR, prog);
    assert_true(n > 0 && (size_t)n < sizeof path);
    /* execv wants char *const[]: copy the arguments rather than cast const away. */
    char *argv[MAX_ARGS];
    size_t argc = 0;
    argv[argc++] = pl_xstrdup(path);
    va_list ap;
    va_start(ap, prog);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL) {
        if (argc >= MAX_ARGS - 1)
            break;
        argv[argc++] = pl_xstrdup(a);
    }
    va_end(ap);
    assert_null(a); /* fail if the list was too long for argv */
    argv[argc] = NULL;

    int outp[2], errp[2];
    assert_int_equal(pipe(outp), 0);
    assert_int_equal(pipe(errp), 0);
    for (int i = 0; i < 2; i++) {
        set_cloexec(outp[i]);
        set_cloexec(errp[i]);
    }
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(devnull >= 0);
    int inp[2] = {-1, -1};
    if (f->stdin_text) {
        assert_int_equal(pipe(inp), 0);
        set_cloexec(inp[0]);
        set_cloexec(inp[1]);
        close(devnull);
        devnull = inp[0]; /* the child reads the pipe instead */
    }

    pid_t parent = getpid();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Die with the test, even when it is killed by a timeout. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        if (dup2(devnull, STDIN_FILENO) < 0 || dup2(outp[1], STDOUT_FILENO) < 0 ||
            dup2(errp[1], STDERR_FILENO) < 0)
            _exit(127);
        child_close_inherited();
        /* exec keeps ignored signals and the mask; the daemon must start as from a shell. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        execv(argv[0], argv);
        _exit(127);
    }

    close(devnull);
    close(outp[1]);
    close(errp[1]);
    if (inp[1] >= 0) {
        /* small enough for the pipe's buffer: written at once, then the end of input */
        size_t len = strlen(f->stdin_text);
        assert_true(len < 60000);
        assert_int_equal(write(inp[1], f->stdin_text, len), (ssize_t)len);
        close(inp[1]);
        f->stdin_text = NULL;
    }
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", prog);
    p->pid = pid;
    p->out = outp[0];
    p->err = errp[0];
    pl_buf_init(&p->obuf);
    pl_buf_init(&p->ebuf);
    f->nprocs++;
    return p;
}

static const char *text(const struct pl_buf *b)
{
    return b->data ? b->data : "";
}

/* Reads whatever the child has written, waiting at most timeout_ms for something. */
static void proc_pump(struct proc *p, int timeout_ms)
{
    struct pollfd pfd[2];
    struct pl_buf *bufs[2];
    int *fds[2];
    nfds_t n = 0;
    if (p->out >= 0) {
        pfd[n] = (struct pollfd){.fd = p->out, .events = POLLIN};
        bufs[n] = &p->obuf;
        fds[n++] = &p->out;
    }
    if (p->err >= 0) {
        pfd[n] = (struct pollfd){.fd = p->err, .events = POLLIN};
        bufs[n] = &p->ebuf;
        fds[n++] = &p->err;
    }
    /* With both pipes at EOF this only waits, which is what proc_wait_exit wants. */
    int rc = poll(pfd, n, timeout_ms < 0 ? 0 : timeout_ms);
    if (rc <= 0)
        return;
    for (nfds_t i = 0; i < n; i++) {
        if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        char chunk[4096];
        ssize_t got = read(pfd[i].fd, chunk, sizeof chunk);
        if (got > 0) {
            pl_buf_append(bufs[i], chunk, (size_t)got);
        } else if (got == 0 || errno != EINTR) {
            close(pfd[i].fd);
            *fds[i] = -1;
        }
    }
}

/* True once stderr holds needle; false when the deadline passes or stderr closes first. */
static bool proc_wait_for(struct proc *p, const char *needle, int timeout_ms)
{
    int64_t deadline = pl_now_ms() + timeout_ms;
    for (;;) {
        if (strstr(text(&p->ebuf), needle))
            return true;
        int64_t left = deadline - pl_now_ms();
        if (left <= 0 || p->err < 0)
            return false;
        proc_pump(p, (int)left);
    }
}

/* Fails the test, showing what the child said, unless stderr shows needle in time. */
static void assert_logs(struct proc *p, const char *needle, int timeout_ms)
{
    if (proc_wait_for(p, needle, timeout_ms))
        return;
    print_error("%s: no '%s' on stderr within %d ms; stderr was:\n%s\n", p->name, needle,
                timeout_ms, text(&p->ebuf));
    fail();
}

/* Copies the first stderr line holding needle into out; fails the test if there is none. */
static void proc_line(const struct proc *p, const char *needle, char *out, size_t size)
{
    const char *all = text(&p->ebuf);
    const char *hit = strstr(all, needle);
    if (!hit) {
        print_error("%s: no line with '%s' in stderr:\n%s\n", p->name, needle, all);
        fail();
    }
    const char *start = hit;
    while (start > all && start[-1] != '\n')
        start--;
    const char *end = strchr(hit, '\n');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    if (len >= size)
        len = size - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

static void assert_contains(const char *what, const char *haystack, const char *needle)
{
    if (strstr(haystack, needle))
        return;
    print_error("expected '%s' in %s:\n%s\n", needle, what, haystack);
    fail();
}

/* Waits until the child exits or deadline (monotonic ms) passes, reading its output
 * meanwhile so a full pipe cannot hold it up. 0 when reaped, -1 on timeout. */
static int proc_reap_by(struct proc *p, int64_t deadline)
{
    for (;;) {
        int status;
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            p->status = status;
            p->pid = 0;
            /* The pipes close with the child; collect what is left in them. */
            int64_t drain = pl_now_ms() + 1000;
            while ((p->out >= 0 || p->err >= 0) && pl_now_ms() < drain)
                proc_pump(p, 50);
            return 0;
        }
        assert_true(r == 0 || (r < 0 && errno == EINTR));
        int64_t left = deadline - pl_now_ms();
        if (left <= 0)
            return -1;
        proc_pump(p, left < 10 ? (int)left : 10);
    }
}

/* 0..255 for an exit, 128 + N for death by signal N, as a shell reports it. */
static int proc_code(const struct proc *p)
{
    if (WIFEXITED(p->status))
        return WEXITSTATUS(p->status);
    if (WIFSIGNALED(p->status))
        return 128 + WTERMSIG(p->status);
    return -1;
}

/* Runs a child that exits by itself and checks its exit code. */
static struct proc *run_expect(struct fx *f, int code, const char *prog, const char *a1,
                               const char *a2, const char *a3)
{
    struct proc *p = proc_start(f, prog, a1, a2, a3, (const char *)NULL);
    if (proc_reap_by(p, pl_now_ms() + RUN_TIMEOUT_MS) != 0) {
        print_error("%s did not exit within %d ms; stderr:\n%s\n", prog, RUN_TIMEOUT_MS,
                    text(&p->ebuf));
        fail();
    }
    if (proc_code(p) != code) {
        print_error("%s exited %d, expected %d; stdout:\n%s\nstderr:\n%s\n", prog, proc_code(p),
                    code, text(&p->obuf), text(&p->ebuf));
        fail();
    }
    return p;
}

static void proc_signal(struct proc *p, int sig)
{
    assert_true(p->pid > 0);
    p->signalled = pl_now_ms();
    assert_int_equal(kill(p->pid, sig), 0);
}

/* After proc_signal: the child exits 0 within STOP_TIMEOUT_MS of the signal. */
static void assert_stops_cleanly(struct proc *p)
{
    assert_true(p->signalled > 0);
    if (proc_reap_by(p, p->signalled + STOP_TIMEOUT_MS) != 0) {
        print_error("%s still running %d ms after the signal; stderr:\n%s\n", p->name,
                    STOP_TIMEOUT_MS, text(&p->ebuf));
        fail();
    }
    int64_t took = pl_now_ms() - p->signalled;
    if (proc_code(p) != 0) {
        print_error("%s exited %d after the signal, expected 0; stderr:\n%s\n", p->name,
                    proc_code(p), text(&p->ebuf));
        fail();
    }
    print_message("%s stopped in %lld ms\n", p->name, (long long)took);
    assert_logs(p, " stopped", 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Fixture. */

static int setup(void **state)
{
    struct fx *f = pl_xcalloc(1, sizeof *f);
    /* An ipc:// path must fit in sun_path (108 bytes): fall back to /tmp for a long TMPDIR. */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > 60)
        tmp = "/tmp";
    int n = snprintf(f->dir, sizeof f->dir, "%s/parley-it-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof f->dir || !mkdtemp(f->dir)) {
        fprintf(stderr, "test_daemons: cannot make a temporary folder under '%s': %s\n", tmp,
                strerror(errno));
        free(f);
        return -1;
    }
    /* The folder goes into libconfig strings unescaped. */
    if (strpbrk(f->dir, "\"\\")) {
        fprintf(stderr, "test_daemons: TMPDIR holds a quote or backslash\n");
        remove_dir(f->dir);
        free(f);
        return -1;
    }
    if (g_pg) { /* from nothing, as with a new folder */
        PGconn *c = PQconnectdb(g_pg);
        PGresult *r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE;"
                                " CREATE SCHEMA public");
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "test_daemons: PostgreSQL reset: %s", PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        if (!ok) {
            remove_dir(f->dir);
            free(f);
            return -1;
        }
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    if (f->zsock)
        zmq_close(f->zsock);
    if (f->zsock2)
        zmq_close(f->zsock2);
    for (size_t i = 0; i < f->nsocks; i++)
        zmq_close(f->socks[i]);
    if (f->zctx)
        zmq_ctx_term(f->zctx);
    for (size_t i = 0; i < f->nprocs; i++) {
        struct proc *p = &f->procs[i];
        if (p->pid > 0) {
            kill(p->pid, SIGKILL);
            while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
                ;
            p->pid = 0;
        }
        if (p->out >= 0)
            close(p->out);
        if (p->err >= 0)
            close(p->err);
        pl_buf_release(&p->obuf);
        pl_buf_release(&p->ebuf);
    }
    remove_dir(f->dir);
    free(f);
    *state = NULL;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Start-up and shutdown. */

/* Starts prog on its config, checks the starting line shows key=value of the effective
 * config, waits for " ready", sends sig and checks a clean exit within the limit. */
static void check_start_and_stop(struct fx *f, const char *prog, const char *cfg_name,
                                 const char *key, const char *endpoint_name, int sig)
{
    char cfg[256], ep[256], want[512], line[4096];
    fx_write_configs(f);
    fx_path(f, cfg_name, cfg, sizeof cfg);
    fx_endpoint(f, endpoint_name, ep, sizeof ep);
    struct proc *p = proc_start(f, prog, "-c", cfg, (const char *)NULL);

    assert_logs(p, " ready", READY_TIMEOUT_MS);
    proc_line(p, " starting ", line, sizeof line);
    snprintf(want, sizeof want, "config=%s ", cfg);
    assert_contains("the starting line", line, want);
    snprintf(want, sizeof want, " %s=%s", key, ep);
    assert_contains("the starting line", line, want);
    assert_contains("the starting line", line, " zmq.linger_ms=");

    proc_signal(p, sig);
    assert_stops_cleanly(p);
    assert_logs(p, sig == SIGTERM ? "stopping signal=TERM" : "stopping signal=INT", 0);
}

static void test_fetcher_starts_logs_config_and_stops_on_sigterm(void **state)
{
    check_start_and_stop(*state, "parley-fetcher", "fetcher.cfg", "work.bind", "work", SIGTERM);
}

static void test_extractor_starts_logs_config_and_stops_on_sigterm(void **state)
{
    /* No fetcher is running: the READY it queued must not hold up the exit past the limit. */
    check_start_and_stop(*state, "parley-extractor", "extractor.cfg", "work.connect", "work",
                         SIGTERM);
}

static void test_store_starts_logs_config_and_stops_on_sigterm(void **state)
{
    check_start_and_stop(*state, "parley-store", "store.cfg", "ingest.bind", "ingest", SIGTERM);
}

static void test_store_stops_on_sigint(void **state)
{
    check_start_and_stop(*state, "parley-store", "store.cfg", "replay.bind", "replay", SIGINT);
}

/* ---------------------------------------------------------------------------------------- */
/* Command line and configuration checks. */

static const char *const g_programs[] = {"parley-fetcher", "parley-extractor", "parley-store"};
static const char *const g_configs[] = {"fetcher.cfg", "extractor.cfg", "store.cfg"};
#define NPROGRAMS (sizeof g_programs / sizeof g_programs[0])

static void test_help_exits_0_and_prints_usage(void **state)
{
    struct fx *f = *state;
    for (size_t i = 0; i < NPROGRAMS; i++) {
        struct proc *p = run_expect(f, 0, g_programs[i], "-h", NULL, NULL);
        assert_contains("the -h output", text(&p->obuf), "usage: ");
        assert_contains("the -h output", text(&p->obuf), "-c FILE");
    }
}

static void test_unknown_option_exits_64_with_usage(void **state)
{
    struct proc *p = run_expect(*state, 64, "parley-fetcher", "-Z", NULL, NULL);
    assert_contains("stderr", text(&p->ebuf), "usage: ");
}

static void test_unexpected_argument_exits_64(void **state)
{
    struct proc *p = run_expect(*state, 64, "parley-store", "extra", NULL, NULL);
    assert_contains("stderr", text(&p->ebuf), "unexpected argument 'extra'");
}

static void test_check_good_config_prints_config_ok_and_exits_0(void **state)
{
    struct fx *f = *state;
    fx_write_configs(f);
    for (size_t i = 0; i < NPROGRAMS; i++) {
        char cfg[256];
        fx_path(f, g_configs[i], cfg, sizeof cfg);
        struct proc *p = run_expect(f, 0, g_programs[i], "-n", "-c", cfg);
        assert_contains("the -n output", text(&p->obuf), "config ok");
        /* -n checks; it must not start the service. */
        if (strstr(text(&p->ebuf), " starting ")) {
            print_error("%s -n started the service:\n%s\n", g_programs[i], text(&p->ebuf));
            fail();
        }
    }
}

static void test_check_unknown_key_exits_78_with_file_and_line(void **state)
{
    struct fx *f = *state;
    char cfg[256], work[256], want[512];
    fx_path(f, "unknown.cfg", cfg, sizeof cfg);
    fx_endpoint(f, "work", work, sizeof work);
    write_file(cfg,
               "# line 1\n"
               "work = {\n"
               "  bind = \"%s\";\n"
               "};\n"
               "nope = 1;\n",
               work);
    struct proc *p = run_expect(f, 78, "parley-fetcher", "-n", "-c", cfg);
    snprintf(want, sizeof want, "%s:5: unknown key 'nope'", cfg);
    assert_contains("stderr", text(&p->ebuf), want);
}

static void test_check_syntax_error_exits_78_with_file_and_line(void **state)
{
    struct fx *f = *state;
    char cfg[256], want[512];
    fx_path(f, "syntax.cfg", cfg, sizeof cfg);
    write_file(cfg, "work = {\n"
                    "  connect = ;\n"
                    "};\n");
    struct proc *p = run_expect(f, 78, "parley-extractor", "-n", "-c", cfg);
    snprintf(want, sizeof want, "%s:2: ", cfg);
    assert_contains("stderr", text(&p->ebuf), want);
}

static void test_check_out_of_range_value_exits_78_naming_key(void **state)
{
    struct fx *f = *state;
    char cfg[256], want[512];
    fx_path(f, "range.cfg", cfg, sizeof cfg);
    write_file(cfg, "zmq = { linger_ms = 999999; };\n");
    struct proc *p = run_expect(f, 78, "parley-store", "-n", "-c", cfg);
    snprintf(want, sizeof want, "%s:1: 'zmq.linger_ms' is 999999", cfg);
    assert_contains("stderr", text(&p->ebuf), want);
}

static void test_check_missing_config_file_exits_78(void **state)
{
    struct fx *f = *state;
    char cfg[256];
    fx_path(f, "absent.cfg", cfg, sizeof cfg);
    struct proc *p = run_expect(f, 78, "parley-fetcher", "-n", "-c", cfg);
    assert_contains("stderr", text(&p->ebuf), cfg);
    /* Without -n too: a daemon never starts on a config it could not read. */
    p = run_expect(f, 78, "parley-fetcher", "-c", cfg, NULL);
    assert_contains("stderr", text(&p->ebuf), "cannot read config file");
}

static void test_check_wrong_type_exits_78(void **state)
{
    struct fx *f = *state;
    char cfg[256], want[512];
    fx_path(f, "type.cfg", cfg, sizeof cfg);
    write_file(cfg, "\n"
                    "work = { credit = \"two\"; };\n");
    struct proc *p = run_expect(f, 78, "parley-extractor", "-n", "-c", cfg);
    snprintf(want, sizeof want, "%s:2: 'work.credit' must be an integer", cfg);
    assert_contains("stderr", text(&p->ebuf), want);
}

static void test_bind_failure_exits_69_with_message(void **state)
{
    struct fx *f = *state;
    char cfg[256], live[256], replay[256];
    fx_path(f, "bind.cfg", cfg, sizeof cfg);
    fx_endpoint(f, "live", live, sizeof live);
    fx_endpoint(f, "replay", replay, sizeof replay);
    write_file(cfg,
               "ingest = { bind = \"ipc:///nonexistent-dir-xyz/a.sock\"; };\n"
               "live = { bind = \"%s\"; };\n"
               "replay = { bind = \"%s\"; };\n",
               live, replay);
    struct proc *p = run_expect(f, 69, "parley-store", "-c", cfg, NULL);
    assert_contains("stderr", text(&p->ebuf),
                    "cannot bind socket 'ingest' to 'ipc:///nonexistent-dir-xyz/a.sock'");
    if (strstr(text(&p->ebuf), " ready")) {
        print_error("the store said ready although a bind failed:\n%s\n", text(&p->ebuf));
        fail();
    }
}

/* One fetcher a data folder and one store a database: a second one on the same folder
 * exits 69 (after trying for 3 s) and says why, and leaves the first's socket alone; the
 * first goes on. */
static void test_second_fetcher_or_store_on_a_folder_is_refused(void **state)
{
    struct fx *f = *state;
    fx_write_configs(f);
    char cfg[256], other[256], work[256];
    fx_path(f, "fetcher.cfg", cfg, sizeof cfg);
    struct proc *first = proc_start(f, "parley-fetcher", "-v", "-c", cfg, (const char *)NULL);
    assert_logs(first, " ready", READY_TIMEOUT_MS);
    fx_endpoint(f, "work2", work, sizeof work);
    fx_path(f, "fetcher2.cfg", other, sizeof other);
    write_file(other, "work = { bind = \"%s\"; };\nfetcher = { data_dir = \"%s\"; };\n", work,
               f->dir);
    struct proc *p = run_expect(f, 69, "parley-fetcher", "-c", other, NULL);
    assert_contains("stderr", text(&p->ebuf), "another parley-fetcher is writing to");
    proc_signal(first, SIGTERM);
    assert_stops_cleanly(first);
    if (g_pg)
        return; /* PostgreSQL's one writer: test_pg_one_writer */
    fx_path(f, "store.cfg", cfg, sizeof cfg);
    first = proc_start(f, "parley-store", "-v", "-c", cfg, (const char *)NULL);
    assert_logs(first, " ready", READY_TIMEOUT_MS);
    char ingest[256], live[256], replay[256];
    fx_endpoint(f, "ingest2", ingest, sizeof ingest);
    fx_endpoint(f, "live2", live, sizeof live);
    fx_endpoint(f, "replay2", replay, sizeof replay);
    fx_path(f, "store2.cfg", other, sizeof other);
    write_file(other,
               "ingest = { bind = \"%s\"; };\nlive = { bind = \"%s\"; };\n"
               "replay = { bind = \"%s\"; };\nstore = { data_dir = \"%s\"; };\n",
               ingest, live, replay, f->dir);
    p = run_expect(f, 69, "parley-store", "-c", other, NULL);
    assert_contains("stderr", text(&p->ebuf), "another parley-store is writing to");
    proc_signal(first, SIGTERM);
    assert_stops_cleanly(first);
}

/* ---------------------------------------------------------------------------------------- */
/* The three together, and a hostile peer. */

static void test_pipeline_extractor_ready_reaches_fetcher_and_all_stop_cleanly(void **state)
{
    struct fx *f = *state;
    char cfg[256], line[4096];
    fx_write_configs(f);
    fx_path(f, "store.cfg", cfg, sizeof cfg);
    struct proc *store = proc_start(f, "parley-store", "-c", cfg, (const char *)NULL);
    fx_path(f, "fetcher.cfg", cfg, sizeof cfg);
    struct proc *fetcher = proc_start(f, "parley-fetcher", "-v", "-c", cfg, (const char *)NULL);
    assert_logs(store, " ready", READY_TIMEOUT_MS);
    assert_logs(fetcher, " ready", READY_TIMEOUT_MS);
    fx_path(f, "extractor.cfg", cfg, sizeof cfg);
    struct proc *extractor = proc_start(f, "parley-extractor", "-c", cfg, (const char *)NULL);
    assert_logs(extractor, " ready", READY_TIMEOUT_MS);

    /* The extractor's READY crossed the work socket, with its window (the default). */
    assert_logs(fetcher, "extractor ready", READY_TIMEOUT_MS);
    proc_line(fetcher, "extractor ready", line, sizeof line);
    assert_contains("the fetcher's READY line", line, " credit=64");

    proc_signal(extractor, SIGTERM);
    proc_signal(fetcher, SIGTERM);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(extractor);
    assert_stops_cleanly(fetcher);
    assert_stops_cleanly(store);

    proc_line(fetcher, " stopped ", line, sizeof line);
    assert_contains("the fetcher's stopped line", line, " unexpected=0 ");
    assert_contains("the fetcher's stopped line", line, " dropped=0");
    proc_line(extractor, " stopped ", line, sizeof line);
    assert_contains("the extractor's stopped line", line, " dropped=0");
    proc_line(store, " stopped ", line, sizeof line);
    assert_contains("the store's stopped line", line, " dropped=0");
}

/* Sends one multipart message of n frames. */
static void send_frames(void *sock, size_t n, const void *const *frames, const size_t *sizes)
{
    for (size_t i = 0; i < n; i++) {
        int rc = zmq_send(sock, frames[i], sizes[i], i + 1 < n ? ZMQ_SNDMORE : 0);
        assert_int_equal(rc, (int)sizes[i]);
    }
}

/* The number after "key=" in line, or -1 if it is absent. */
static long field_value(const char *line, const char *key)
{
    char want[64];
    snprintf(want, sizeof want, " %s=", key);
    const char *at = strstr(line, want);
    if (!at)
        return -1;
    at += strlen(want);
    char *end = NULL;
    errno = 0;
    long v = strtol(at, &end, 10);
    if (errno != 0 || end == at)
        return -1;
    return v;
}

static void test_fetcher_survives_garbage_and_still_answers_heartbeat(void **state)
{
    struct fx *f = *state;
    char cfg[256], work[256], line[4096];
    fx_write_configs(f);
    fx_path(f, "fetcher.cfg", cfg, sizeof cfg);
    fx_endpoint(f, "work", work, sizeof work);
    struct proc *fetcher = proc_start(f, "parley-fetcher", "-c", cfg, (const char *)NULL);
    assert_logs(fetcher, " ready", READY_TIMEOUT_MS);

    f->zctx = zmq_ctx_new();
    assert_non_null(f->zctx);
    f->zsock = zmq_socket(f->zctx, ZMQ_DEALER);
    assert_non_null(f->zsock);
    int linger = 0, rcvtimeo = REPLY_TIMEOUT_MS, sndtimeo = REPLY_TIMEOUT_MS;
    assert_int_equal(zmq_setsockopt(f->zsock, ZMQ_LINGER, &linger, sizeof linger), 0);
    assert_int_equal(zmq_setsockopt(f->zsock, ZMQ_RCVTIMEO, &rcvtimeo, sizeof rcvtimeo), 0);
    assert_int_equal(zmq_setsockopt(f->zsock, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo), 0);
    assert_int_equal(zmq_connect(f->zsock, work), 0);

    /* {"v":1} and {"v":1,"credit":"x"} in MessagePack. */
    static const char v1[] = {'\x81', '\xa1', 'v', '\x01'};
    static const char bad_credit[] = {'\x82', '\xa1', 'v', '\x01', '\xa6', 'c', 'r',
                                      'e',    'd',    'i', 't',    '\xa1', 'x'};
    static const char reserved[] = {'\xc1'};

    /* A single frame: no body. */
    send_frames(f->zsock, 1, (const void *const[]){"xyz"}, (const size_t[]){3});
    /* Not MessagePack. */
    send_frames(f->zsock, 2, (const void *const[]){"READY", reserved},
                (const size_t[]){5, sizeof reserved});
    /* A credit of the wrong type. */
    send_frames(f->zsock, 2, (const void *const[]){"READY", bad_credit},
                (const size_t[]){5, sizeof bad_credit});
    /* An unknown command with a valid body. */
    send_frames(f->zsock, 2, (const void *const[]){"BOGUS", v1}, (const size_t[]){5, sizeof v1});
    /* Six frames. */
    send_frames(f->zsock, 6, (const void *const[]){"HB", v1, "a", "b", "c", "d"},
                (const size_t[]){2, sizeof v1, 1, 1, 1, 1});
    /* Then a good heartbeat, which must still be answered. */
    send_frames(f->zsock, 2, (const void *const[]){"HB", v1}, (const size_t[]){2, sizeof v1});

    char cmd[16], body[256];
    int n = zmq_recv(f->zsock, cmd, sizeof cmd, 0);
    if (n < 0) {
        proc_pump(fetcher, 0);
        print_error("no answer to HB within %d ms: %s; fetcher stderr:\n%s\n", REPLY_TIMEOUT_MS,
                    zmq_strerror(zmq_errno()), text(&fetcher->ebuf));
        fail();
    }
    assert_int_equal(n, 2);
    assert_memory_equal(cmd, "HB", 2);
    int more = 0;
    size_t more_size = sizeof more;
    assert_int_equal(zmq_getsockopt(f->zsock, ZMQ_RCVMORE, &more, &more_size), 0);
    assert_int_equal(more, 1);
    n = zmq_recv(f->zsock, body, sizeof body, 0);
    assert_true(n > 0 && (size_t)n <= sizeof body);
    assert_int_equal(zmq_getsockopt(f->zsock, ZMQ_RCVMORE, &more, &more_size), 0);
    assert_int_equal(more, 0);
    struct pl_msg m;
    struct pl_diag diag;
    assert_int_equal(pl_msg_decode(cmd, 2, body, (size_t)n, &m, &diag), PL_OK);
    assert_int_equal(m.cmd, PL_CMD_HB);
    pl_msg_release(&m);

    proc_signal(fetcher, SIGTERM);
    assert_stops_cleanly(fetcher);
    proc_line(fetcher, " stopped ", line, sizeof line);
    /* One connection keeps the order: all five were handled before the HB was answered. */
    if (field_value(line, "dropped") != 5 || field_value(line, "received") != 1 ||
        field_value(line, "dropped_wrong_frame_count") != 2 ||
        field_value(line, "dropped_malformed") != 1 ||
        field_value(line, "dropped_wrong_type") != 1 ||
        field_value(line, "dropped_unknown_command") != 1) {
        print_error("unexpected counters in the fetcher's stopped line:\n%s\n", line);
        fail();
    }
    assert_contains("the fetcher's log", text(&fetcher->ebuf), "WARN dropped message socket=work");
}

/* ---------------------------------------------------------------------------------------- */
/* The extractor between a fetcher and a store that this test plays. */

/* A socket of the test's own, without linger, with receive and send timeouts. */
static void *s_test_socket(struct fx *f, int type)
{
    if (!f->zctx)
        f->zctx = zmq_ctx_new();
    void *s = zmq_socket(f->zctx, type);
    assert_non_null(s);
    int linger = 0, timeo = REPLY_TIMEOUT_MS;
    assert_int_equal(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeo, sizeof timeo), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeo, sizeof timeo), 0);
    return s;
}

/* A ROUTER bound to endpoint, with receive and send timeouts. */
static void *s_router(struct fx *f, const char *endpoint)
{
    void *s = s_test_socket(f, ZMQ_ROUTER);
    assert_int_equal(zmq_bind(s, endpoint), 0);
    return s;
}

/* Receives one message on a ROUTER: the peer's identity and the decoded message, of command
 * cmd (PL_CMD_NONE: any). */
static void s_expect(void *sock, enum pl_cmd cmd, struct pl_msg *m, char *peer, size_t *peerlen)
{
    struct pl_frames fr;
    assert_int_equal(pl_frames_recv(sock, &fr, 0), 0);
    struct pl_diag d;
    enum pl_status st = pl_frames_decode(&fr, 1, m, &d);
    if (st != PL_OK)
        fail_msg("undecodable message: %s at %s", pl_status_name(st), d.where);
    if (cmd != PL_CMD_NONE && m->cmd != cmd)
        fail_msg("expected %s, got %s", pl_cmd_name(cmd), pl_cmd_name(m->cmd));
    *peerlen = zmq_msg_size(&fr.f[0]);
    assert_true(*peerlen <= 256);
    memcpy(peer, zmq_msg_data(&fr.f[0]), *peerlen);
    pl_frames_close(&fr);
}

/* True when a message arrives on sock within ms. */
static bool s_arrives(void *sock, int ms)
{
    zmq_pollitem_t it = {.socket = sock, .events = ZMQ_POLLIN};
    return zmq_poll(&it, 1, ms) == 1;
}

static char g_article_id[] = "0123456789abcdef0123456789abcdef";

/* Sends the extractor at peer a TASK: the Mirzoyan-Bayramov meeting in Moscow "on Monday",
 * published Wednesday 24 May 2023. */
static void s_send_task(void *work, const char *peer, size_t peerlen, uint32_t lease_ms)
{
    struct pl_msg task = {.cmd = PL_CMD_TASK};
    char text[] = "Armenian Foreign Minister Ararat Mirzoyan met Azerbaijani Foreign Minister "
                  "Jeyhun Bayramov in Moscow on Monday.";
    char published[] = "2023-05-24T09:00:00Z", fetched[] = "2023-05-24T09:05:00Z";
    task.u.task.id = g_article_id;
    task.u.task.attempt = 1;
    task.u.task.lease_ms = lease_ms;
    task.u.task.article.id = g_article_id;
    task.u.task.article.text = text;
    task.u.task.article.published = published;
    task.u.task.article.fetched_at = fetched;
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    assert_int_equal(pl_msg_send(work, peer, peerlen, &task, &scratch, 0), 0);
    pl_buf_release(&scratch);
}

/* Starts an extractor wired to a fake fetcher (zsock) and a fake store (zsock2), receives its
 * READY and sends it one TASK; returns with the EVENTS the extractor sent to the store. */
/* hold_ms < 0: ingest.hold_ms left to its default. */
static struct proc *s_extractor_with_task(struct fx *f, int timeout_ms, int retries, int hold_ms,
                                          uint32_t lease_ms, struct pl_msg *events,
                                          char *store_peer, size_t *store_peerlen, char *work_peer,
                                          size_t *work_peerlen)
{
    char hold[64] = "";
    if (hold_ms >= 0)
        snprintf(hold, sizeof hold, " hold_ms = %d;", hold_ms);
    char cfg[256], work[256], ingest[256];
    fx_endpoint(f, "work", work, sizeof work);
    fx_endpoint(f, "ingest", ingest, sizeof ingest);
    f->zsock = s_router(f, work);
    f->zsock2 = s_router(f, ingest);
    fx_path(f, "extractor.cfg", cfg, sizeof cfg);
    write_file(cfg,
               "work = { connect = \"%s\"; credit = 2; ready_ms = 60000; };\n"
               "ingest = { connect = \"%s\"; timeout_ms = %d; retries = %d;%s };\n",
               work, ingest, timeout_ms, retries, hold);
    struct proc *x = proc_start(f, "parley-extractor", "-c", cfg, (const char *)NULL);
    assert_logs(x, " ready", READY_TIMEOUT_MS);

    struct pl_msg ready;
    s_expect(f->zsock, PL_CMD_READY, &ready, work_peer, work_peerlen);
    assert_int_equal(ready.u.ready.credit, 2);
    assert_non_null(ready.u.ready.xv);
    pl_msg_release(&ready);

    s_send_task(f->zsock, work_peer, *work_peerlen, lease_ms);

    s_expect(f->zsock2, PL_CMD_EVENTS, events, store_peer, store_peerlen);
    assert_string_equal(events->u.events.id, g_article_id);
    return x;
}

/* The store's OK for the test article (seq 1), to the extractor at peer. */
static void s_store_ok(void *ingest, const char *peer, size_t peerlen)
{
    struct pl_msg ok = {.cmd = PL_CMD_OK};
    ok.u.ok.id = g_article_id;
    ok.u.ok.first_seq = 1;
    ok.u.ok.count = 1;
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    assert_int_equal(pl_msg_send(ingest, peer, peerlen, &ok, &scratch, 0), 0);
    pl_buf_release(&scratch);
}

static void test_extractor_sends_done_only_after_the_store_ok(void **state)
{
    struct fx *f = *state;
    struct pl_msg ev, m;
    char store_peer[256], work_peer[256];
    size_t slen, wlen;
    struct proc *x =
        s_extractor_with_task(f, 5000, 1, -1, 30000, &ev, store_peer, &slen, work_peer, &wlen);
    /* the article's meeting, coded and dated from "on Monday" before publication */
    assert_true(ev.u.events.n_mentions >= 1);
    const struct pl_mention *mn = &ev.u.events.mentions[0];
    assert_string_equal(mn->c.source.code, "ARMGOV");
    assert_string_equal(mn->c.target.code, "AZEGOV");
    assert_string_equal(mn->c.cameo, "040");
    assert_string_equal(mn->c.date, "2023-05-22");
    assert_string_equal(mn->c.location.name, "Moscow");
    pl_msg_release(&ev);

    /* no DONE while the store has not answered */
    assert_false(s_arrives(f->zsock, 300));

    s_store_ok(f->zsock2, store_peer, slen);

    s_expect(f->zsock, PL_CMD_DONE, &m, work_peer, &wlen);
    assert_string_equal(m.u.done.id, g_article_id);
    pl_msg_release(&m);
    /* DONE itself frees the place in the window: no READY follows it */
    assert_false(s_arrives(f->zsock, 300));

    proc_signal(x, SIGTERM);
    assert_stops_cleanly(x);
    char line[4096];
    proc_line(x, " stopped ", line, sizeof line);
    assert_contains("the extractor's stopped line", line, " done=1 ");
}

static void test_extractor_hands_a_store_refusal_back_with_nack(void **state)
{
    struct fx *f = *state;
    struct pl_msg ev, m;
    char store_peer[256], work_peer[256];
    size_t slen, wlen;
    struct proc *x =
        s_extractor_with_task(f, 5000, 1, -1, 30000, &ev, store_peer, &slen, work_peer, &wlen);
    pl_msg_release(&ev);
    struct pl_msg err = {.cmd = PL_CMD_ERR};
    char reason[] = "database is read-only";
    err.u.err.id = g_article_id;
    err.u.err.reason = reason;
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    assert_int_equal(pl_msg_send(f->zsock2, store_peer, slen, &err, &scratch, 0), 0);
    pl_buf_release(&scratch);
    s_expect(f->zsock, PL_CMD_NACK, &m, work_peer, &wlen);
    assert_string_equal(m.u.nack.id, g_article_id);
    assert_non_null(strstr(m.u.nack.reason, "database is read-only"));
    pl_msg_release(&m);
    proc_signal(x, SIGTERM);
    assert_stops_cleanly(x);
}

/* ingest.hold_ms = 0: the EVENTS again after the timeout, then the article is left to its
 * lease - neither DONE nor NACK nor HOLD. */
static void test_extractor_resends_to_a_silent_store_then_leaves_it_to_the_lease(void **state)
{
    struct fx *f = *state;
    struct pl_msg ev;
    char store_peer[256], work_peer[256];
    size_t slen, wlen;
    struct proc *x =
        s_extractor_with_task(f, 200, 1, 0, 400, &ev, store_peer, &slen, work_peer, &wlen);
    pl_msg_release(&ev);
    /* the same EVENTS again after the timeout */
    s_expect(f->zsock2, PL_CMD_EVENTS, &ev, store_peer, &slen);
    assert_string_equal(ev.u.events.id, g_article_id);
    pl_msg_release(&ev);
    /* then nothing: the article is left to its lease */
    assert_false(s_arrives(f->zsock, 1000));
    proc_signal(x, SIGTERM);
    assert_stops_cleanly(x);
    char line[4096];
    proc_line(x, " stopped ", line, sizeof line);
    assert_contains("the extractor's stopped line", line, " abandoned=1 ");
    assert_contains("the extractor's stopped line", line, " done=0 ");
    assert_contains("the extractor's stopped line", line, " holds=0 ");
}

/* A store that does not answer (away, or holding batches while its database is): the
 * extractor sends HOLD for the article every half lease, so that the fetcher neither hands
 * it out again nor counts the attempts up to dead, and keeps sending the EVENTS, less and
 * less often; for at most ingest.hold_ms, then it is left to its lease. An OK meanwhile ends
 * it with DONE. */
static void test_extractor_holds_the_lease_while_the_store_is_silent(void **state)
{
    struct fx *f = *state;
    struct pl_msg ev, m;
    char store_peer[256], work_peer[256];
    size_t slen, wlen;
    struct proc *x =
        s_extractor_with_task(f, 200, 1, 2400, 400, &ev, store_peer, &slen, work_peer, &wlen);
    int64_t t0 = pl_now_ms();
    pl_msg_release(&ev);
    /* Over the next 1.9 s: HOLDs every ~200 ms, the EVENTS again at ~200, ~600 and ~1400 ms
     * (after the one retry, twice as long each time). */
    int holds = 0, sent = 0;
    while (pl_now_ms() - t0 < 1900) {
        zmq_pollitem_t it[2] = {{.socket = f->zsock, .events = ZMQ_POLLIN},
                                {.socket = f->zsock2, .events = ZMQ_POLLIN}};
        if (zmq_poll(it, 2, 50) <= 0)
            continue;
        if (it[0].revents) {
            s_expect(f->zsock, PL_CMD_HOLD, &m, work_peer, &wlen);
            assert_string_equal(m.u.hold.id, g_article_id);
            pl_msg_release(&m);
            holds++;
        }
        if (it[1].revents) {
            s_expect(f->zsock2, PL_CMD_EVENTS, &ev, store_peer, &slen);
            pl_msg_release(&ev);
            sent++;
        }
    }
    assert_in_range(holds, 6, 10);
    assert_in_range(sent, 2, 3);
    assert_logs(x, "holding its lease for up to 2 s", 1000);
    /* Held no more after 2.4 s: left to its lease. */
    assert_logs(x, "leaving it to its lease", 2000);
    while (s_arrives(f->zsock, 100)) { /* the HOLDs sent before it */
        s_expect(f->zsock, PL_CMD_HOLD, &m, work_peer, &wlen);
        pl_msg_release(&m);
    }
    assert_false(s_arrives(f->zsock, 600)); /* and none after */
    proc_signal(x, SIGTERM);
    assert_stops_cleanly(x);
    char line[4096];
    proc_line(x, " stopped ", line, sizeof line);
    assert_contains("the extractor's stopped line", line, " abandoned=1 ");
}

/* The store answers while the extractor holds the article's lease: DONE, and no HOLD after. */
static void test_extractor_held_article_done_once_the_store_answers(void **state)
{
    struct fx *f = *state;
    struct pl_msg ev, m;
    char store_peer[256], work_peer[256];
    size_t slen, wlen;
    struct proc *x =
        s_extractor_with_task(f, 200, 1, -1, 400, &ev, store_peer, &slen, work_peer, &wlen);
    pl_msg_release(&ev);
    s_expect(f->zsock, PL_CMD_HOLD, &m, work_peer, &wlen);
    pl_msg_release(&m);
    s_store_ok(f->zsock2, store_peer, slen);
    for (;;) { /* HOLDs sent before the OK arrived may come first */
        s_expect(f->zsock, PL_CMD_NONE, &m, work_peer, &wlen);
        bool done = m.cmd == PL_CMD_DONE;
        assert_true(done || m.cmd == PL_CMD_HOLD);
        pl_msg_release(&m);
        if (done)
            break;
    }
    assert_false(s_arrives(f->zsock, 600));
    proc_signal(x, SIGTERM);
    assert_stops_cleanly(x);
}

static void test_extractor_repeats_ready_with_its_window(void **state)
{
    struct fx *f = *state;
    char cfg[256], work[256], peer[256];
    size_t plen;
    fx_endpoint(f, "work", work, sizeof work);
    f->zsock = s_router(f, work);
    fx_path(f, "extractor.cfg", cfg, sizeof cfg);
    write_file(cfg, "work = { connect = \"%s\"; credit = 3; ready_ms = 200; };\n", work);
    struct proc *x = proc_start(f, "parley-extractor", "-c", cfg, (const char *)NULL);
    /* the window, not an increment, again and again: how a restarted fetcher finds it */
    for (int i = 0; i < 3; i++) {
        struct pl_msg m;
        s_expect(f->zsock, PL_CMD_READY, &m, peer, &plen);
        assert_int_equal(m.u.ready.credit, 3);
        pl_msg_release(&m);
    }
    proc_signal(x, SIGTERM);
    assert_stops_cleanly(x);
}

/* ---------------------------------------------------------------------------------------- */
/* The store, through its three sockets. */

/* A socket of type connected to endpoint, with receive and send timeouts. */
static void *s_client(struct fx *f, int type, const char *endpoint)
{
    assert_true(f->nsocks < sizeof f->socks / sizeof f->socks[0]);
    void *s = s_test_socket(f, type);
    if (type == ZMQ_SUB)
        assert_int_equal(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0), 0);
    assert_int_equal(zmq_connect(s, endpoint), 0);
    f->socks[f->nsocks++] = s;
    return s;
}

static void s_send(void *sock, const struct pl_msg *m)
{
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    assert_int_equal(pl_msg_send(sock, NULL, 0, m, &scratch, 0), 0);
    pl_buf_release(&scratch);
}

/* Receives one command and body on a DEALER and checks the command. */
static void s_recv(void *sock, enum pl_cmd cmd, struct pl_msg *m)
{
    struct pl_frames fr;
    if (pl_frames_recv(sock, &fr, 0) != 0)
        fail_msg("no %s within %d ms: %s", pl_cmd_name(cmd), REPLY_TIMEOUT_MS,
                 zmq_strerror(zmq_errno()));
    struct pl_diag d;
    enum pl_status st = pl_frames_decode(&fr, 0, m, &d);
    pl_frames_close(&fr);
    if (st != PL_OK)
        fail_msg("undecodable message: %s at %s", pl_status_name(st), d.where);
    if (m->cmd != cmd)
        fail_msg("expected %s, got %s", pl_cmd_name(cmd), pl_cmd_name(m->cmd));
}

/* The next event on the live stream, skipping heartbeats; its topic into topic. */
static void s_live_event(void *sub, struct pl_event *e, char *topic, size_t size)
{
    for (;;) {
        struct pl_frames fr;
        if (pl_frames_recv(sub, &fr, 0) != 0)
            fail_msg("no event on the live stream: %s", zmq_strerror(zmq_errno()));
        assert_int_equal(fr.n, 2);
        size_t tl = zmq_msg_size(&fr.f[0]);
        if (tl == 2 && memcmp(zmq_msg_data(&fr.f[0]), "HB", 2) == 0) {
            pl_frames_close(&fr);
            continue;
        }
        assert_true(tl < size);
        memcpy(topic, zmq_msg_data(&fr.f[0]), tl);
        topic[tl] = '\0';
        enum pl_status st =
            pl_event_decode(zmq_msg_data(&fr.f[1]), zmq_msg_size(&fr.f[1]), e, NULL);
        pl_frames_close(&fr);
        assert_int_equal(st, PL_OK);
        return;
    }
}

/* EVENTS for article art with one mention: Armenia's government meets Azerbaijan's. */
static void s_events_msg(struct pl_msg *m, struct pl_mention *mn, const char *art,
                         const char *sentence)
{
    memset(m, 0, sizeof *m);
    memset(mn, 0, sizeof *mn);
    char id[PL_ID_HEX + 1];
    pl_id_mention(id, art, "test-1", sentence);
    mn->id = pl_xstrdup(id);
    mn->article.id = pl_xstrdup(art);
    mn->c.date = pl_xstrdup("2023-10-23");
    mn->c.source.code = pl_xstrdup("ARMGOV");
    mn->c.source.country = pl_xstrdup("ARM");
    mn->c.has_target = true;
    mn->c.target.code = pl_xstrdup("AZEGOV");
    mn->c.target.country = pl_xstrdup("AZE");
    mn->c.cameo = pl_xstrdup("043");
    mn->c.root = pl_xstrdup("04");
    mn->c.quad_class = 1;
    mn->c.goldstein = 2.8;
    mn->c.confidence = 0.8;
    mn->c.n_evidence = 1;
    mn->c.evidence = pl_xcalloc(1, sizeof *mn->c.evidence);
    mn->c.evidence[0].text = pl_xstrdup(sentence);
    m->cmd = PL_CMD_EVENTS;
    m->u.events.id = mn->article.id;
    m->u.events.xv = mn->c.root; /* any short version string */
    m->u.events.mentions = mn;
    m->u.events.n_mentions = 1;
}

static void s_expect_ok(void *ingest, const char *art, uint64_t first, uint32_t count)
{
    struct pl_msg ok;
    s_recv(ingest, PL_CMD_OK, &ok);
    assert_string_equal(ok.u.ok.id, art);
    assert_int_equal(ok.u.ok.first_seq, first);
    assert_int_equal(ok.u.ok.count, count);
    pl_msg_release(&ok);
}

/* SINCE seq max: the seqs of the BATCH (if any) into seqs, returns their number; END's head
 * into head. */
static size_t s_since(void *replay, uint64_t seq, uint32_t max, uint64_t *seqs, uint64_t *head)
{
    struct pl_msg q = {.cmd = PL_CMD_SINCE};
    q.u.since.seq = seq;
    q.u.since.max = max;
    s_send(replay, &q);
    struct pl_frames fr;
    assert_int_equal(pl_frames_recv(replay, &fr, 0), 0);
    struct pl_msg m;
    assert_int_equal(pl_frames_decode(&fr, 0, &m, NULL), PL_OK);
    pl_frames_close(&fr);
    size_t n = 0;
    if (m.cmd == PL_CMD_BATCH) {
        n = m.u.batch.n_events;
        for (size_t i = 0; i < n; i++)
            seqs[i] = m.u.batch.events[i].seq;
        pl_msg_release(&m);
        s_recv(replay, PL_CMD_END, &m);
    }
    assert_int_equal(m.cmd, PL_CMD_END);
    *head = m.u.end.head;
    pl_msg_release(&m);
    return n;
}

/* How often needle occurs in hay. */
static int s_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static struct proc *s_start_store(struct fx *f)
{
    char cfg[256];
    fx_path(f, "store.cfg", cfg, sizeof cfg);
    struct proc *p = proc_start(f, "parley-store", "-v", "-c", cfg, (const char *)NULL);
    assert_logs(p, " ready", READY_TIMEOUT_MS);
    return p;
}

static void test_store_stores_merges_publishes_and_replays(void **state)
{
    struct fx *f = *state;
    char ep[256], topic[64];
    fx_write_configs(f);
    struct proc *store = s_start_store(f);
    fx_endpoint(f, "live", ep, sizeof ep);
    void *sub = s_client(f, ZMQ_SUB, ep);
    fx_endpoint(f, "ingest", ep, sizeof ep);
    void *ingest = s_client(f, ZMQ_DEALER, ep);
    fx_endpoint(f, "replay", ep, sizeof ep);
    void *replay = s_client(f, ZMQ_DEALER, ep);
    /* A heartbeat proves the subscription is in place before anything is published. */
    struct pl_frames fr;
    assert_int_equal(pl_frames_recv(sub, &fr, 0), 0);
    pl_frames_close(&fr);

    static const char a1[] = "000000000000000000000000000000a1";
    static const char a2[] = "000000000000000000000000000000a2";
    struct pl_msg ev;
    struct pl_mention mn;
    s_events_msg(&ev, &mn, a1, "Mirzoyan met Bayramov in Tehran.");
    s_send(ingest, &ev);
    s_expect_ok(ingest, a1, 1, 1);
    struct pl_event e;
    s_live_event(sub, &e, topic, sizeof topic);
    assert_string_equal(topic, "ev.04.ARM.AZE.");
    assert_int_equal(e.seq, 1);
    assert_int_equal(e.num_articles, 1);
    pl_event_release(&e);

    /* The same batch again: the same answer, and nothing published. */
    s_send(ingest, &ev);
    s_expect_ok(ingest, a1, 1, 1);
    pl_mention_release(&mn);

    /* Another article reporting the same meeting: the event's next version, seq 2. */
    s_events_msg(&ev, &mn, a2, "The foreign ministers held talks in Tehran.");
    s_send(ingest, &ev);
    s_expect_ok(ingest, a2, 2, 1);
    pl_mention_release(&mn);
    s_live_event(sub, &e, topic, sizeof topic);
    assert_int_equal(e.seq, 2);
    assert_int_equal(e.num_articles, 2);
    assert_int_equal(e.c.n_evidence, 2);
    pl_event_release(&e);

    /* Garbage and wrong-shaped batches are refused with a reason; the store carries on. */
    const void *frames[2] = {"EVENTS", "\xc1"};
    size_t sizes[2] = {6, 1};
    send_frames(ingest, 2, frames, sizes);
    struct pl_msg err;
    s_recv(ingest, PL_CMD_ERR, &err);
    assert_non_null(strstr(err.u.err.reason, "malformed"));
    pl_msg_release(&err);
    frames[1] = "\x82\xa1v\x01\xa2id\x05"; /* {"v":1,"id":5} */
    sizes[1] = 8;
    send_frames(ingest, 2, frames, sizes);
    s_recv(ingest, PL_CMD_ERR, &err);
    assert_non_null(strstr(err.u.err.reason, "type"));
    pl_msg_release(&err);
    frames[0] = "BOGUS";
    sizes[0] = 5;
    send_frames(ingest, 2, frames, sizes);
    s_recv(ingest, PL_CMD_ERR, &err);
    pl_msg_release(&err);

    /* Replay: both versions, in pages bounded by max; the query: the current event. */
    uint64_t seqs[8], head = 0;
    assert_int_equal(s_since(replay, 0, 10, seqs, &head), 2);
    assert_int_equal(seqs[0], 1);
    assert_int_equal(seqs[1], 2);
    assert_int_equal(head, 2);
    assert_int_equal(s_since(replay, 0, 1, seqs, &head), 1);
    assert_int_equal(s_since(replay, seqs[0], 1, seqs, &head), 1);
    assert_int_equal(seqs[0], 2);
    assert_int_equal(s_since(replay, 2, 10, seqs, &head), 0);
    struct pl_msg q = {.cmd = PL_CMD_QUERY}, m;
    q.u.query.filter.country = (char[]){"AZE"};
    q.u.query.limit = 10;
    s_send(replay, &q);
    s_recv(replay, PL_CMD_BATCH, &m);
    assert_int_equal(m.u.batch.n_events, 1);
    assert_int_equal(m.u.batch.events[0].seq, 2);
    pl_msg_release(&m);
    s_recv(replay, PL_CMD_END, &m);
    pl_msg_release(&m);
    q.u.query.filter.country = NULL;
    q.u.query.filter.cameo = (char[]){"19"};
    s_send(replay, &q);
    s_recv(replay, PL_CMD_END, &m); /* nothing matches: no BATCH */
    assert_int_equal(m.u.end.head, 2);
    pl_msg_release(&m);

    /* A restart keeps everything: the head, the log, and the answer to a stored batch. */
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
    char line[4096];
    proc_line(store, " stopped ", line, sizeof line);
    assert_contains("the store's stopped line", line, " batches=2 ");
    assert_contains("the store's stopped line", line, " replayed=1 ");
    assert_contains("the store's stopped line", line, " refused=3 ");
    store = s_start_store(f);
    proc_line(store, " ready", line, sizeof line);
    assert_contains("the store's ready line", line, " head=2");
    assert_int_equal(s_since(replay, 0, 10, seqs, &head), 2);
    s_events_msg(&ev, &mn, a1, "Mirzoyan met Bayramov in Tehran.");
    s_send(ingest, &ev);
    s_expect_ok(ingest, a1, 1, 1);
    pl_mention_release(&mn);

    /* The CLI: a query through the running store, an export straight from its database
     * (through the store too on PostgreSQL: --db reads SQLite files). */
    char arg[300];
    fx_endpoint(f, "replay", ep, sizeof ep);
    snprintf(arg, sizeof arg, "--endpoint=%s", ep);
    struct proc *cli = run_expect(f, 0, "parley", "query", arg, "--format=jsonl");
    assert_contains("parley query's output", text(&cli->obuf), "\"seq\":2,");
    assert_contains("parley query's output", text(&cli->obuf), "\"num_articles\":2");
    if (g_pg)
        snprintf(arg, sizeof arg, "--endpoint=%s", ep);
    else
        snprintf(arg, sizeof arg, "--db=%s", f->dir);
    cli = run_expect(f, 0, "parley", "export", "--format=csv", arg);
    assert_contains("parley export's output", text(&cli->obuf), "seq,id,date,");
    assert_contains("parley export's output", text(&cli->obuf), ",ARMGOV,ARM,");
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
    if (g_pg)
        return;

    /* A database whose events table is behind its log, as a store killed before writing
     * the table leaves it (here: the newest event's row taken out): parley query --db says
     * so on stderr (counting the log's versions after the table's newest) and answers from
     * the table; the next store to open it catches up. */
    char path[300];
    snprintf(path, sizeof path, "%s/parley.db", f->dir);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_changes(raw), 1);
    sqlite3_close(raw);
    snprintf(arg, sizeof arg, "--db=%s", f->dir);
    cli = run_expect(f, 0, "parley", "query", arg, "--format=jsonl");
    assert_contains("parley query's stderr", text(&cli->ebuf),
                    "event versions not in its events table yet");
    int before = s_count(text(&cli->obuf), "\"seq\":");
    store = s_start_store(f);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
    cli = run_expect(f, 0, "parley", "query", arg, "--format=jsonl");
    assert_null(strstr(text(&cli->ebuf), "events table"));
    assert_int_equal(s_count(text(&cli->obuf), "\"seq\":"), before + 1);
}

/* PostgreSQL: sql run on the server's "postgres" database (to act on the test's). */
static void s_pg_admin(const char *sql)
{
    char conninfo[512];
    snprintf(conninfo, sizeof conninfo, "%s dbname=postgres", g_pg);
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    assert_true(ok);
}

/* The test's PostgreSQL database, name (quoted for SQL), refuses connections (on) or takes
 * them again; on also ends the sessions it has, as a server going down would. */
static void s_pg_away(const char *name, bool on)
{
    char sql[512];
    if (on)
        snprintf(sql, sizeof sql,
                 "ALTER DATABASE %s ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid)"
                 " FROM pg_stat_activity WHERE datname = '%s'",
                 name, name);
    else
        snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS true", name);
    s_pg_admin(sql);
}

/* Waits until the child's stdout holds needle. */
static bool proc_wait_out(struct proc *p, const char *needle, int timeout_ms)
{
    int64_t deadline = pl_now_ms() + timeout_ms;
    for (;;) {
        if (strstr(text(&p->obuf), needle))
            return true;
        int64_t left = deadline - pl_now_ms();
        if (left <= 0 || (p->out < 0 && p->err < 0))
            return false;
        proc_pump(p, (int)(left < 100 ? left : 100));
    }
}

/* A store running with its ingest and replay sockets, and article a1's batch stored (seq 1):
 * the start of the tests in which its database fails under it. */
static struct proc *s_store_with_a_batch(struct fx *f, const char *a1, void **ingest, void **replay)
{
    char ep[256];
    fx_write_configs(f);
    struct proc *store = s_start_store(f);
    fx_endpoint(f, "ingest", ep, sizeof ep);
    *ingest = s_client(f, ZMQ_DEALER, ep);
    fx_endpoint(f, "replay", ep, sizeof ep);
    *replay = s_client(f, ZMQ_DEALER, ep);
    struct pl_msg ev;
    struct pl_mention mn;
    s_events_msg(&ev, &mn, a1, "Mirzoyan met Bayramov in Tehran.");
    s_send(*ingest, &ev);
    s_expect_ok(*ingest, a1, 1, 1);
    pl_mention_release(&mn);
    return store;
}

/* PostgreSQL goes away under a running store (restarted, or the network cut): a batch that
 * arrives meanwhile is held, not refused - an ERR would make the extractor hand the article
 * back as bad and the fetcher count it towards dead - replay requests get ERR saying why,
 * and once the database is back the batch is stored and answered, with no gap in the seqs. */
static void test_store_holds_batches_while_its_database_is_away(void **state)
{
    struct fx *f = *state;
    if (!g_pg)
        skip();
    static const char a1[] = "000000000000000000000000000000b1";
    static const char a2[] = "000000000000000000000000000000b2";
    void *ingest, *replay;
    struct proc *store = s_store_with_a_batch(f, a1, &ingest, &replay);
    struct pl_msg ev;
    struct pl_mention mn;

    PGconn *c = PQconnectdb(g_pg);
    PGresult *r = PQexec(c, "SELECT quote_ident(current_database())");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    char name[128];
    snprintf(name, sizeof name, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    s_pg_away(name, true);
    s_events_msg(&ev, &mn, a2, "The foreign ministers held talks in Tehran.");
    s_send(ingest, &ev);
    pl_mention_release(&mn);
    /* (nothing asserted until the database takes connections again: the next tests need it) */
    bool held = proc_wait_for(store, "holding 1 batch, taking no more", REPLY_TIMEOUT_MS);
    zmq_pollitem_t it = {.socket = ingest, .events = ZMQ_POLLIN};
    int polled = zmq_poll(&it, 1, 1000);
    struct pl_msg q = {.cmd = PL_CMD_SINCE};
    q.u.since.max = 10;
    s_send(replay, &q);
    bool says = false;
    struct pl_frames fr;
    if (pl_frames_recv(replay, &fr, 0) == 0) {
        struct pl_msg err;
        if (pl_frames_decode(&fr, 0, &err, NULL) == PL_OK) {
            says = err.cmd == PL_CMD_ERR && strstr(err.u.err.reason, "unreachable") != NULL &&
                   err.u.err.has_retry && err.u.err.retry_ms > 0;
            pl_msg_release(&err);
        }
        pl_frames_close(&fr);
    }
    /* A tail started meanwhile waits, saying why; a query exits 75 (try again later). */
    char ep[256], live[300], rep[300];
    fx_endpoint(f, "live", ep, sizeof ep);
    snprintf(live, sizeof live, "--live=%s", ep);
    fx_endpoint(f, "replay", ep, sizeof ep);
    snprintf(rep, sizeof rep, "--endpoint=%s", ep);
    struct proc *tail = proc_start(f, "parley", "tail", "--from-start", "--format=jsonl", live, rep,
                                   (const char *)NULL);
    bool waits = proc_wait_for(tail, "cannot read its database now", REPLY_TIMEOUT_MS);
    struct proc *query =
        proc_start(f, "parley", "query", rep, "--format=jsonl", (const char *)NULL);
    bool query_ended = proc_reap_by(query, pl_now_ms() + RUN_TIMEOUT_MS) == 0;
    s_pg_away(name, false);
    assert_true(held);
    assert_int_equal(polled, 0); /* no answer while it was away */
    assert_true(says);           /* replay: ERR, saying why, with retry_ms */
    assert_true(waits);
    assert_true(query_ended);
    assert_int_equal(proc_code(query), 75);
    assert_non_null(strstr(text(&query->ebuf), "try again later"));

    assert_logs(store, "the database takes batches again", 10000);
    s_expect_ok(ingest, a2, 2, 1);
    uint64_t seqs[10], head;
    assert_int_equal(s_since(replay, 0, 10, seqs, &head), 2);
    assert_int_equal(seqs[0], 1);
    assert_int_equal(seqs[1], 2);
    assert_int_equal(head, 2);
    if (!proc_wait_out(tail, "\"seq\":2,", 10000))
        fail_msg("the waiting tail did not show seq 2: %s", text(&tail->ebuf));
    proc_signal(tail, SIGTERM);
    assert_stops_cleanly(tail);
    assert_int_equal(s_count(text(&tail->obuf), "\"seq\":"), 2);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
}

/* A TCP relay between the store and PostgreSQL that can turn silent, as a server does behind
 * a network cut: in silent mode it drops the connections it relays, then accepts new ones and
 * never answers (a connection attempt then waits for libpq's connect_timeout). Armed with
 * cut_commit, it passes the next COMMIT on to the server, lets it commit, and cuts that
 * connection before the answer comes back. */
#define RELAY_MAX 32

struct relay {
    int lfd, port;
    struct sockaddr_in up;
    atomic_bool silent, stop, cut_commit;
    pthread_t th;
};

static void relay_close(int *fds, int *n)
{
    for (int i = 0; i < *n; i++)
        close(fds[i]);
    *n = 0;
}

static void *relay_main(void *arg)
{
    struct relay *r = arg;
    int pair[RELAY_MAX]; /* pair[2k] the client, pair[2k + 1] the server */
    int held[RELAY_MAX];
    int np = 0, nh = 0;
    bool was_silent = false;
    char buf[65536];
    while (!atomic_load(&r->stop)) {
        bool silent = atomic_load(&r->silent);
        if (silent != was_silent) {
            relay_close(silent ? pair : held, silent ? &np : &nh);
            was_silent = silent;
        }
        struct pollfd pf[RELAY_MAX + 1] = {{.fd = r->lfd, .events = POLLIN}};
        for (int i = 0; i < np; i++)
            pf[i + 1] = (struct pollfd){.fd = pair[i], .events = POLLIN};
        if (poll(pf, (nfds_t)np + 1, 20) <= 0)
            continue;
        if (pf[0].revents & POLLIN) {
            int c = accept(r->lfd, NULL, NULL);
            if (c >= 0 && silent && nh < RELAY_MAX) {
                held[nh++] = c;
            } else if (c >= 0 && np + 2 <= RELAY_MAX) {
                int u = socket(AF_INET, SOCK_STREAM, 0);
                if (u >= 0 && connect(u, (struct sockaddr *)&r->up, sizeof r->up) == 0) {
                    pair[np++] = c;
                    pair[np++] = u;
                } else {
                    close(c);
                    if (u >= 0)
                        close(u);
                }
            } else if (c >= 0) {
                close(c);
            }
        }
        for (int i = 0; i < np; i++) {
            if (!(pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int other = pair[i ^ 1];
            ssize_t k = read(pair[i], buf, sizeof buf);
            bool ok = k > 0;
            for (ssize_t at = 0; ok && at < k;) {
                ssize_t w = write(other, buf + at, (size_t)(k - at));
                ok = w > 0;
                at += w > 0 ? w : 0;
            }
            if (ok && i % 2 == 0 && atomic_load(&r->cut_commit) &&
                memmem(buf, (size_t)k, "COMMIT", 6)) {
                poll(NULL, 0, 300); /* committed by now; its answer is never passed on */
                atomic_store(&r->cut_commit, false);
                ok = false;
            }
            if (!ok) { /* either side gone: the pair goes, the last pair takes its place */
                int k0 = i & ~1;
                close(pair[k0]);
                close(pair[k0 + 1]);
                pair[k0] = pair[np - 2];
                pair[k0 + 1] = pair[np - 1];
                np -= 2;
                break; /* the poll set no longer matches: poll again */
            }
        }
    }
    relay_close(pair, &np);
    relay_close(held, &nh);
    return NULL;
}

/* Starts a relay to the PostgreSQL server of conninfo; out gets conninfo through it. */
static void relay_start(struct relay *r, const char *conninfo, char *out, size_t outlen)
{
    PGconn *c = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    memset(r, 0, sizeof *r);
    r->up.sin_family = AF_INET;
    uint64_t port;
    assert_int_equal(pl_parse_u64(PQport(c), 1, 65535, &port), 0);
    r->up.sin_port = htons((uint16_t)port);
    assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &r->up.sin_addr), 1);
    PQfinish(c);
    r->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(r->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(r->lfd, 16), 0);
    assert_int_equal(getsockname(r->lfd, (struct sockaddr *)&a, &alen), 0);
    r->port = ntohs(a.sin_port);
    /* The last of a repeated keyword counts. */
    snprintf(out, outlen, "%s host=127.0.0.1 port=%d connect_timeout=4", conninfo, r->port);
    assert_int_equal(pthread_create(&r->th, NULL, relay_main, r), 0);
}

static void relay_stop(struct relay *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->th, NULL);
    close(r->lfd);
}

/* s_store_with_a_batch with the store reaching PostgreSQL through a relay (r, which must
 * outlive the test's failures: the relay's thread uses it until relay_stop). */
static struct proc *s_store_through_relay(struct fx *f, struct relay *r, const char *a1,
                                          void **ingest, void **replay)
{
    static char through[1024];
    relay_start(r, g_pg, through, sizeof through);
    const char *direct = g_pg;
    g_pg = through; /* the store's config */
    struct proc *store = s_store_with_a_batch(f, a1, ingest, replay);
    g_pg = direct;
    return store;
}

/* PostgreSQL stops answering at all under a running store (a network cut, not a refusal):
 * each attempt to connect again waits for libpq's connect_timeout (4 s here), on a thread of
 * its own, so the store's loop goes on - replay requests are answered at once that the
 * database cannot be reached, and a termination signal ends the store while an attempt
 * waits. Once the server answers again, the batch held meanwhile is stored. */
static void test_store_answers_while_its_database_does_not(void **state)
{
    struct fx *f = *state;
    if (!g_pg)
        skip();
    static const char a1[] = "000000000000000000000000000000d1";
    static const char a2[] = "000000000000000000000000000000d2";
    static struct relay r;
    void *ingest, *replay;
    struct proc *store = s_store_through_relay(f, &r, a1, &ingest, &replay);

    atomic_store(&r.silent, true);
    struct pl_msg ev;
    struct pl_mention mn;
    s_events_msg(&ev, &mn, a2, "The foreign ministers held talks in Tehran.");
    s_send(ingest, &ev);
    pl_mention_release(&mn);
    bool held = proc_wait_for(store, "holding 1 batch, taking no more", REPLY_TIMEOUT_MS);
    /* Asked while an attempt to connect waits: answered within a second, not 4. */
    int64_t asked = pl_now_ms();
    struct pl_msg q = {.cmd = PL_CMD_SINCE};
    q.u.since.max = 10;
    s_send(replay, &q);
    zmq_pollitem_t it = {.socket = replay, .events = ZMQ_POLLIN};
    int answered = zmq_poll(&it, 1, 6000);
    int64_t took = pl_now_ms() - asked;
    bool says = false;
    struct pl_frames fr;
    if (answered == 1 && pl_frames_recv(replay, &fr, 0) == 0) {
        struct pl_msg err;
        if (pl_frames_decode(&fr, 0, &err, NULL) == PL_OK) {
            says = err.cmd == PL_CMD_ERR && strstr(err.u.err.reason, "unreachable") != NULL &&
                   err.u.err.has_retry;
            pl_msg_release(&err);
        }
        pl_frames_close(&fr);
    }
    atomic_store(&r.silent, false);
    if (!held || !says || took > 1000) {
        relay_stop(&r);
        fail_msg("held %d, ERR %d, answered in %lld ms: %s", held, says, (long long)took,
                 text(&store->ebuf));
    }
    assert_logs(store, "the database takes batches again", 15000);
    s_expect_ok(ingest, a2, 2, 1);

    /* Stopped while an attempt to connect waits: it ends within the attempt's timeout. */
    atomic_store(&r.silent, true);
    static const char a3[] = "000000000000000000000000000000d3";
    s_events_msg(&ev, &mn, a3, "The ministers met again in Tehran.");
    s_send(ingest, &ev);
    pl_mention_release(&mn);
    int64_t deadline = pl_now_ms() + REPLY_TIMEOUT_MS;
    while (s_count(text(&store->ebuf), "holding 1 batch") < 2 && pl_now_ms() < deadline)
        proc_pump(store, 50);
    int64_t stopped = pl_now_ms();
    proc_signal(store, SIGTERM);
    bool ended = proc_reap_by(store, stopped + 4000 + STOP_TIMEOUT_MS) == 0;
    relay_stop(&r);
    assert_true(ended);
    assert_int_equal(proc_code(store), 0);
    assert_contains("the store's stderr", text(&store->ebuf),
                    "1 batch held for the database not stored");
}

/* The connection is cut after the server has committed a group and before its answer
 * arrives: the store cannot know whether the group is stored, so it reads the head again on
 * a new connection and stores the group again - and the batch, found stored, gets the answer
 * it got the first time: no second version, no gap, and the next report merges into the
 * version the database has (the rollback forgot the cached versions the group had made).
 * Without reading the head again, the next batch is refused (its seq is taken). */
static void test_store_commit_cut_off_on_its_way_back(void **state)
{
    struct fx *f = *state;
    if (!g_pg)
        skip();
    static const char a1[] = "000000000000000000000000000000e1";
    static const char a2[] = "000000000000000000000000000000e2";
    static const char a3[] = "000000000000000000000000000000e3";
    static struct relay r;
    void *ingest, *replay;
    struct proc *store = s_store_through_relay(f, &r, a1, &ingest, &replay);

    atomic_store(&r.cut_commit, true);
    struct pl_msg ev;
    struct pl_mention mn;
    s_events_msg(&ev, &mn, a2, "The foreign ministers held talks in Tehran.");
    s_send(ingest, &ev);
    pl_mention_release(&mn);
    s_expect_ok(ingest, a2, 2, 1);
    bool cut = !atomic_load(&r.cut_commit);
    s_events_msg(&ev, &mn, a3, "The ministers met again in Tehran.");
    s_send(ingest, &ev);
    pl_mention_release(&mn);
    s_expect_ok(ingest, a3, 3, 1);
    assert_true(cut);
    uint64_t seqs[10], head;
    assert_int_equal(s_since(replay, 0, 10, seqs, &head), 3);
    assert_int_equal(head, 3);
    struct pl_msg q = {.cmd = PL_CMD_QUERY};
    q.u.query.limit = 10;
    s_send(replay, &q);
    struct pl_msg m;
    s_recv(replay, PL_CMD_BATCH, &m);
    assert_int_equal(m.u.batch.n_events, 1);
    assert_int_equal(m.u.batch.events[0].seq, 3);
    assert_int_equal(m.u.batch.events[0].num_articles, 3);
    pl_msg_release(&m);
    s_recv(replay, PL_CMD_END, &m);
    pl_msg_release(&m);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
    relay_stop(&r);
}

/* SQLite: the store's writes fail while a file size limit is put on it (prlimit, as a full
 * disk or a quota would make them fail): a batch that arrives meanwhile is held, not
 * refused, and stored and answered once writes go through again - no gap in the seqs, and
 * the store (which ignores SIGXFSZ) still running. */
static void test_store_holds_batches_while_its_disk_refuses_writes(void **state)
{
    struct fx *f = *state;
    if (g_pg)
        skip();
    static const char a1[] = "000000000000000000000000000000c1";
    static const char a2[] = "000000000000000000000000000000c2";
    void *ingest, *replay;
    struct proc *store = s_store_with_a_batch(f, a1, &ingest, &replay);
    struct pl_msg ev;
    struct pl_mention mn;

    struct rlimit small = {.rlim_cur = 1024, .rlim_max = RLIM_INFINITY};
    struct rlimit any = {.rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY};
    assert_int_equal(prlimit(store->pid, RLIMIT_FSIZE, &small, NULL), 0);
    s_events_msg(&ev, &mn, a2, "The foreign ministers held talks in Tehran.");
    s_send(ingest, &ev);
    pl_mention_release(&mn);
    assert_logs(store, "holding 1 batch, taking no more", REPLY_TIMEOUT_MS);
    zmq_pollitem_t it = {.socket = ingest, .events = ZMQ_POLLIN};
    assert_int_equal(zmq_poll(&it, 1, 1000), 0); /* no answer, no ERR */
    assert_int_equal(prlimit(store->pid, RLIMIT_FSIZE, &any, NULL), 0);

    assert_logs(store, "the database takes batches again", 10000);
    s_expect_ok(ingest, a2, 2, 1);
    uint64_t seqs[10], head;
    assert_int_equal(s_since(replay, 0, 10, seqs, &head), 2);
    assert_int_equal(seqs[1], 2);
    assert_int_equal(head, 2);

    /* Stopped while it holds a batch: it exits cleanly, saying the batch is not stored, and
     * the next store stores it when the extractor sends it again. */
    static const char a3[] = "000000000000000000000000000000c3";
    assert_int_equal(prlimit(store->pid, RLIMIT_FSIZE, &small, NULL), 0);
    s_events_msg(&ev, &mn, a3, "The ministers met again in Tehran.");
    s_send(ingest, &ev);
    int64_t deadline = pl_now_ms() + REPLY_TIMEOUT_MS; /* the second time it holds one */
    while (s_count(text(&store->ebuf), "holding 1 batch") < 2 && pl_now_ms() < deadline)
        proc_pump(store, 50);
    assert_int_equal(s_count(text(&store->ebuf), "holding 1 batch"), 2);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
    assert_contains("the store's stderr", text(&store->ebuf),
                    "1 batch held for the database not stored");
    store = s_start_store(f);
    s_send(ingest, &ev);
    pl_mention_release(&mn);
    s_expect_ok(ingest, a3, 3, 1);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
}

static void s_store_one(void *ingest, const char *art, const char *sentence, uint64_t seq)
{
    struct pl_msg ev;
    struct pl_mention mn;
    s_events_msg(&ev, &mn, art, sentence);
    free(mn.c.cameo);
    mn.c.cameo = pl_xstrdup(seq % 2 ? "043" : "042"); /* a new event each time */
    free(mn.c.date);
    char date[16];
    snprintf(date, sizeof date, "2024-01-%02u", (unsigned)(seq % 28) + 1);
    mn.c.date = pl_xstrdup(date);
    s_send(ingest, &ev);
    s_expect_ok(ingest, art, seq, 1);
    pl_mention_release(&mn);
}

/* parley tail follows the store across a restart and resumes from its state file without
 * showing anything twice or missing anything. */
static void test_tail_survives_store_restart_and_resumes_from_state(void **state)
{
    struct fx *f = *state;
    char ep[256], live[300], rep[300], st[300], path[256];
    fx_write_configs(f);
    struct proc *store = s_start_store(f);
    fx_endpoint(f, "ingest", ep, sizeof ep);
    void *ingest = s_client(f, ZMQ_DEALER, ep);
    fx_endpoint(f, "live", ep, sizeof ep);
    snprintf(live, sizeof live, "--live=%s", ep);
    fx_endpoint(f, "replay", ep, sizeof ep);
    snprintf(rep, sizeof rep, "--endpoint=%s", ep);
    fx_path(f, "tail.seq", path, sizeof path);
    snprintf(st, sizeof st, "--state=%s", path);

    s_store_one(ingest, "000000000000000000000000000000b1", "One.", 1);
    struct proc *tail = proc_start(f, "parley", "tail", "--from-start", "--format=jsonl", live, rep,
                                   st, (const char *)NULL);
    if (!proc_wait_out(tail, "\"seq\":1,", READY_TIMEOUT_MS))
        fail_msg("tail did not show seq 1: %s", text(&tail->ebuf));
    s_store_one(ingest, "000000000000000000000000000000b2", "Two.", 2);
    if (!proc_wait_out(tail, "\"seq\":2,", READY_TIMEOUT_MS))
        fail_msg("tail did not show seq 2 live: %s", text(&tail->ebuf));

    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
    store = s_start_store(f);
    s_store_one(ingest, "000000000000000000000000000000b3", "Three.", 3);
    if (!proc_wait_out(tail, "\"seq\":3,", 4 * READY_TIMEOUT_MS))
        fail_msg("tail did not show seq 3 after the store restarted: %s", text(&tail->ebuf));
    proc_signal(tail, SIGTERM);
    assert_stops_cleanly(tail);
    assert_int_equal(s_count(text(&tail->obuf), "\"seq\":"), 3);

    /* While the tail is down: seq 4. The restarted tail shows it, and only it. */
    s_store_one(ingest, "000000000000000000000000000000b4", "Four.", 4);
    tail = proc_start(f, "parley", "tail", "--from-start", "--format=jsonl", live, rep, st,
                      (const char *)NULL);
    if (!proc_wait_out(tail, "\"seq\":4,", READY_TIMEOUT_MS))
        fail_msg("the restarted tail did not show seq 4: %s", text(&tail->ebuf));
    proc_pump(tail, 300);
    proc_signal(tail, SIGTERM);
    assert_stops_cleanly(tail);
    assert_int_equal(s_count(text(&tail->obuf), "\"seq\":"), 1);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
}

/* A subscriber stopped while the store publishes a burst far past PUB's high-water mark
 * loses messages on the live stream; parley tail notices the gap and fills it from replay,
 * showing every event exactly once. */
static void test_tail_fills_what_pub_dropped_for_a_slow_subscriber(void **state)
{
    struct fx *f = *state;
    char ep[256], live[300], rep[300], cfg[256];
    fx_write_configs(f);
    fx_path(f, "store.cfg", cfg, sizeof cfg);
    FILE *fp = fopen(cfg, "a");
    assert_non_null(fp);
    fprintf(fp, "zmq = { sndhwm = 10; };\n");
    assert_int_equal(fclose(fp), 0);
    struct proc *store = s_start_store(f);
    fx_endpoint(f, "ingest", ep, sizeof ep);
    void *ingest = s_client(f, ZMQ_DEALER, ep);
    fx_endpoint(f, "live", ep, sizeof ep);
    snprintf(live, sizeof live, "--live=%s", ep);
    fx_endpoint(f, "replay", ep, sizeof ep);
    snprintf(rep, sizeof rep, "--endpoint=%s", ep);
    s_store_one(ingest, "000000000000000000000000000000c1", "First.", 1);
    struct proc *tail = proc_start(f, "parley", "tail", "--from-start", "--format=jsonl", live, rep,
                                   (const char *)NULL);
    if (!proc_wait_out(tail, "\"seq\":1,", READY_TIMEOUT_MS))
        fail_msg("tail did not show seq 1: %s", text(&tail->ebuf));

    /* Stop the subscriber; one batch creates 3000 events, published in one burst. */
    proc_signal(tail, SIGSTOP);
    enum { N = 3000 };
    static const char art[] = "000000000000000000000000000000c2";
    struct pl_mention *ms = pl_xcalloc(N, sizeof *ms);
    struct pl_msg ev;
    for (int i = 0; i < N; i++) {
        char sentence[64];
        snprintf(sentence, sizeof sentence, "Sentence %d.", i);
        s_events_msg(&ev, &ms[i], art, sentence);
        char date[16];
        snprintf(date, sizeof date, "20%02d-%02d-%02d", 10 + i / 336, 1 + (i / 28) % 12,
                 1 + i % 28);
        free(ms[i].c.date);
        ms[i].c.date = pl_xstrdup(date);
    }
    ev.u.events.mentions = ms;
    ev.u.events.n_mentions = N;
    s_send(ingest, &ev);
    s_expect_ok(ingest, art, 2, N);
    for (int i = 0; i < N; i++)
        pl_mention_release(&ms[i]);
    free(ms);
    proc_signal(tail, SIGCONT);
    char last[32];
    snprintf(last, sizeof last, "\"seq\":%d,", N + 1);
    if (!proc_wait_out(tail, last, 4 * READY_TIMEOUT_MS))
        fail_msg("tail did not reach seq %d: %s", N + 1, text(&tail->ebuf));
    proc_pump(tail, 300);
    proc_signal(tail, SIGTERM);
    assert_stops_cleanly(tail);
    assert_int_equal(s_count(text(&tail->obuf), "\"seq\":"), N + 1);
    /* and the live stream did drop some: the tail had to fill a gap */
    assert_contains("the tail's summary", text(&tail->ebuf), "events shown");
    assert_true(strstr(text(&tail->ebuf), " 0 gaps filled") == NULL);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
}

/* The real extractor's mentions are what the real store takes: TASK -> EVENTS -> the store's
 * OK -> DONE, and the event is then in the store's replay. */
static void test_extractor_and_store_code_an_article_end_to_end(void **state)
{
    struct fx *f = *state;
    char cfg[256], work[256], ingest[256], ep[256], peer[256];
    size_t plen;
    fx_write_configs(f);
    struct proc *store = s_start_store(f);
    fx_endpoint(f, "work", work, sizeof work);
    fx_endpoint(f, "ingest", ingest, sizeof ingest);
    f->zsock = s_router(f, work);
    fx_path(f, "extractor.cfg", cfg, sizeof cfg);
    write_file(cfg, "work = { connect = \"%s\"; credit = 1; };\ningest = { connect = \"%s\"; };\n",
               work, ingest);
    struct proc *x = proc_start(f, "parley-extractor", "-c", cfg, (const char *)NULL);
    assert_logs(x, " ready", READY_TIMEOUT_MS);
    struct pl_msg m;
    s_expect(f->zsock, PL_CMD_READY, &m, peer, &plen);
    pl_msg_release(&m);

    s_send_task(f->zsock, peer, plen, 30000);
    s_expect(f->zsock, PL_CMD_DONE, &m, peer, &plen);
    assert_string_equal(m.u.done.id, g_article_id);
    pl_msg_release(&m);

    fx_endpoint(f, "replay", ep, sizeof ep);
    void *replay = s_client(f, ZMQ_DEALER, ep);
    struct pl_msg q = {.cmd = PL_CMD_QUERY};
    q.u.query.filter.actor = (char[]){"ARMGOV"};
    q.u.query.limit = 10;
    s_send(replay, &q);
    s_recv(replay, PL_CMD_BATCH, &m);
    assert_true(m.u.batch.n_events >= 1);
    const struct pl_event *e = &m.u.batch.events[0];
    assert_string_equal(e->c.source.code, "ARMGOV");
    assert_string_equal(e->c.target.code, "AZEGOV");
    assert_string_equal(e->c.date, "2023-05-22");
    assert_string_equal(e->c.location.name, "Moscow");
    assert_string_equal(e->articles[0].id, g_article_id);
    pl_msg_release(&m);
    s_recv(replay, PL_CMD_END, &m);
    pl_msg_release(&m);

    proc_signal(x, SIGTERM);
    assert_stops_cleanly(x);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
    char line[4096];
    proc_line(store, " stopped ", line, sizeof line);
    assert_contains("the store's stopped line", line, " batches=1 ");
    assert_contains("the store's stopped line", line, " refused=0 ");
}

/* Batches sent back to back are stored in group commits (more than twice the 256 a group
 * holds, so groups split): every batch gets its OK, and the seqs they report are 1..N, no
 * gaps. */
static void test_store_group_commits_answer_every_batch_with_gapless_seqs(void **state)
{
    struct fx *f = *state;
    char ep[256];
    fx_write_configs(f);
    /* Without -v: a log line a batch would fill the pipe the test reads only at the end. */
    char cfg[256];
    fx_path(f, "store.cfg", cfg, sizeof cfg);
    struct proc *store = proc_start(f, "parley-store", "-c", cfg, (const char *)NULL);
    assert_logs(store, " ready", READY_TIMEOUT_MS);
    fx_endpoint(f, "ingest", ep, sizeof ep);
    void *ingest = s_client(f, ZMQ_DEALER, ep);
    enum { N = 600 };
    struct pl_mention ms[N];
    for (int i = 0; i < N; i++) {
        struct pl_msg ev;
        char art[33], sentence[32];
        snprintf(art, sizeof art, "%032x", 0xd000 + i);
        snprintf(sentence, sizeof sentence, "Report %d.", i);
        s_events_msg(&ev, &ms[i], art, sentence);
        free(ms[i].c.date);
        char date[16];
        snprintf(date, sizeof date, "%04d-%02d-%02d", 2000 + i / 336, 1 + i / 28 % 12, 1 + i % 28);
        ms[i].c.date = pl_xstrdup(date);
        s_send(ingest, &ev);
    }
    bool seen[N + 1] = {false};
    for (int i = 0; i < N; i++) {
        struct pl_msg ok;
        s_recv(ingest, PL_CMD_OK, &ok);
        assert_int_equal(ok.u.ok.count, 1);
        assert_true(ok.u.ok.first_seq >= 1 && ok.u.ok.first_seq <= N);
        assert_false(seen[ok.u.ok.first_seq]);
        seen[ok.u.ok.first_seq] = true;
        pl_msg_release(&ok);
    }
    for (int i = 0; i < N; i++)
        pl_mention_release(&ms[i]);
    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
    char line[4096];
    proc_line(store, " stopped ", line, sizeof line);
    assert_contains("the store's stopped line", line, " batches=600 ");
    assert_contains("the store's stopped line", line, " head=600");
    long groups = field_value(line, "groups");
    assert_true(groups >= 3 && groups < N); /* at most 256 a group, and some were shared */
    /* nothing failed, so no group was stored a second time batch by batch (PostgreSQL) */
    if (strstr(text(&store->ebuf), "stored again"))
        fail_msg("parley-store redid a group:\n%s", text(&store->ebuf));
}

/* ---------------------------------------------------------------------------------------- */
/* The fetcher, with the test as its extractor. */

/* Writes fetcher.cfg for the inputs (a libconfig list body, e.g. "\"/x\", \"-\"") with the
 * given lease and attempts, and starts the fetcher. */
static struct proc *s_start_fetcher(struct fx *f, const char *inputs, int lease_ms, int attempts,
                                    const char *extra)
{
    char cfg[256], work[256];
    fx_endpoint(f, "work", work, sizeof work);
    fx_path(f, "fetcher.cfg", cfg, sizeof cfg);
    write_file(cfg,
               "work = { bind = \"%s\"; };\n"
               "fetcher = { data_dir = \"%s\"; lease_ms = %d; max_attempts = %d;"
               " worker_timeout_ms = 60000; %s };\n"
               "sources = { inputs = [ %s ]; };\n",
               work, f->dir, lease_ms, attempts, extra ? extra : "status_s = 0;", inputs);
    struct proc *p = proc_start(f, "parley-fetcher", "-c", cfg, (const char *)NULL);
    assert_logs(p, " ready", READY_TIMEOUT_MS);
    return p;
}

/* A DEALER connected to the fetcher's work socket that has said READY with credit. */
static void *s_fake_extractor(struct fx *f, uint32_t credit)
{
    char work[256];
    fx_endpoint(f, "work", work, sizeof work);
    void *s = s_client(f, ZMQ_DEALER, work);
    struct pl_msg ready = {.cmd = PL_CMD_READY};
    char name[] = "test-extractor";
    ready.u.ready.credit = credit;
    ready.u.ready.worker = name;
    s_send(s, &ready);
    return s;
}

static void s_answer(void *s, enum pl_cmd cmd, const char *id, const char *reason)
{
    struct pl_msg m = {.cmd = cmd};
    char idc[64], why[256];
    snprintf(idc, sizeof idc, "%s", id);
    snprintf(why, sizeof why, "%s", reason ? reason : "");
    if (cmd == PL_CMD_DONE) {
        m.u.done.id = idc;
    } else if (cmd == PL_CMD_HOLD) {
        m.u.hold.id = idc;
    } else {
        m.u.nack.id = idc;
        m.u.nack.reason = why;
    }
    s_send(s, &m);
}

/* A heartbeat there and back: everything sent before it has been handled. */
static void s_hb_round_trip(void *s)
{
    struct pl_msg hb = {.cmd = PL_CMD_HB}, m;
    s_send(s, &hb);
    s_recv(s, PL_CMD_HB, &m);
    pl_msg_release(&m);
}

static void s_mkdir_in(struct fx *f, char *in, size_t size)
{
    fx_path(f, "in", in, size);
    assert_int_equal(mkdir(in, 0700), 0);
}

/* A folder "in" of n articles with distinct texts; inputs gets it as a libconfig list body. */
static void s_article_folder(struct fx *f, int n, char *inputs, size_t size)
{
    char in[256], file[320];
    s_mkdir_in(f, in, sizeof in);
    for (int i = 0; i < n; i++) {
        snprintf(file, sizeof file, "%s/%02d.txt", in, i);
        write_file(file, "Article %d: the ministers met in Geneva.\n", i);
    }
    int w = snprintf(inputs, size, "\"%s\"", in);
    assert_true(w > 0 && (size_t)w < size);
}

static void test_fetcher_leases_against_credit_redelivers_and_dead_letters(void **state)
{
    struct fx *f = *state;
    char inputs[300];
    s_article_folder(f, 3, inputs, sizeof inputs);
    struct proc *p = s_start_fetcher(f, inputs, 800, 2, NULL);
    void *x = s_fake_extractor(f, 2);

    /* two tasks, as the credit says, then nothing until a place frees up */
    struct pl_msg t1, t2, t3, m;
    s_recv(x, PL_CMD_TASK, &t1);
    s_recv(x, PL_CMD_TASK, &t2);
    assert_int_equal(t1.u.task.attempt, 1);
    assert_int_equal(t2.u.task.attempt, 1);
    assert_int_equal(t1.u.task.lease_ms, 800);
    assert_false(s_arrives(x, 300));
    s_answer(x, PL_CMD_DONE, t1.u.task.id, NULL);
    s_recv(x, PL_CMD_TASK, &t3);
    assert_int_equal(t3.u.task.attempt, 1);
    assert_string_not_equal(t3.u.task.id, t1.u.task.id);
    assert_string_not_equal(t3.u.task.id, t2.u.task.id);

    /* refused twice: dead, with the reason */
    s_answer(x, PL_CMD_NACK, t3.u.task.id, "cannot code: test refusal");
    s_recv(x, PL_CMD_TASK, &m);
    assert_string_equal(m.u.task.id, t3.u.task.id);
    assert_int_equal(m.u.task.attempt, 2);
    s_answer(x, PL_CMD_NACK, t3.u.task.id, "cannot code: test refusal");
    pl_msg_release(&m);

    /* t2 unanswered: its lease runs out and it comes again, second attempt */
    s_recv(x, PL_CMD_TASK, &m);
    assert_string_equal(m.u.task.id, t2.u.task.id);
    assert_int_equal(m.u.task.attempt, 2);
    assert_string_equal(m.u.task.article.text, t2.u.task.article.text);
    s_answer(x, PL_CMD_DONE, m.u.task.id, NULL);
    pl_msg_release(&m);
    assert_logs(p, "article dead id=", READY_TIMEOUT_MS);

    /* the dead letter and its reason, as parley shows them, once the fetcher has also taken
     * t2's DONE (sent after the refusal that made t3 dead, so it may still be on its way) */
    char data[256];
    snprintf(data, sizeof data, "%s", f->dir);
    struct proc *d = run_expect(f, 0, "parley", "dead", "--data", data);
    for (int64_t until = pl_now_ms() + READY_TIMEOUT_MS;
         !strstr(text(&d->ebuf), "2 done, 1 dead") && pl_now_ms() < until;) {
        poll(NULL, 0, 50);
        d = run_expect(f, 0, "parley", "dead", "--data", data);
    }
    assert_contains("parley dead", text(&d->obuf), t3.u.task.id);
    assert_contains("parley dead", text(&d->obuf), "cannot code: test refusal");
    assert_contains("parley dead", text(&d->ebuf), "2 done, 1 dead");

    proc_signal(p, SIGTERM);
    assert_stops_cleanly(p);
    char line[4096];
    proc_line(p, " stopped ", line, sizeof line);
    assert_contains("the fetcher's stopped line", line, " done=2 ");
    assert_contains("the fetcher's stopped line", line, " nack=2 ");
    assert_contains("the fetcher's stopped line", line, " expired=1 ");
    assert_contains("the fetcher's stopped line", line, " taken_in=3 ");
    pl_msg_release(&t1);
    pl_msg_release(&t2);
    pl_msg_release(&t3);
}

/* HOLD (an extractor whose store has not acknowledged the article) starts the lease again and
 * counts no attempt: held for five leases, the article is neither handed out again nor dead
 * (max_attempts 1), and DONE then finishes it. Only the holder can hold it: another
 * extractor's HOLD changes nothing, and once held no more, the lease runs out as before. */
static void test_fetcher_hold_keeps_a_lease_without_an_attempt(void **state)
{
    struct fx *f = *state;
    char inputs[300];
    s_article_folder(f, 2, inputs, sizeof inputs);
    struct proc *p = s_start_fetcher(f, inputs, 400, 1, NULL);
    void *x = s_fake_extractor(f, 1);
    struct pl_msg t1, t2;
    s_recv(x, PL_CMD_TASK, &t1);
    for (int64_t until = pl_now_ms() + 2000; pl_now_ms() < until;) {
        s_answer(x, PL_CMD_HOLD, t1.u.task.id, NULL);
        assert_false(s_arrives(x, 150)); /* no redelivery, and no place for another */
    }
    s_hb_round_trip(x);
    assert_null(strstr(text(&p->ebuf), "lease expired"));
    s_answer(x, PL_CMD_DONE, t1.u.task.id, NULL);
    s_recv(x, PL_CMD_TASK, &t2); /* the freed place */
    assert_string_not_equal(t2.u.task.id, t1.u.task.id);
    /* A HOLD from an extractor that does not hold the lease is not taken. */
    void *y = s_fake_extractor(f, 1);
    for (int64_t until = pl_now_ms() + 800; pl_now_ms() < until;) {
        s_answer(y, PL_CMD_HOLD, t2.u.task.id, NULL);
        poll(NULL, 0, 100);
    }
    assert_logs(p, "article dead id=", READY_TIMEOUT_MS); /* its one attempt, expired */
    assert_logs(p, "not leased to worker=", READY_TIMEOUT_MS);
    proc_signal(p, SIGTERM);
    assert_stops_cleanly(p);
    char line[4096];
    proc_line(p, " stopped ", line, sizeof line);
    assert_contains("the fetcher's stopped line", line, " done=1 ");
    assert_contains("the fetcher's stopped line", line, " expired=1 ");
    pl_msg_release(&t1);
    pl_msg_release(&t2);
}

static void test_fetcher_restarted_resends_nothing_finished(void **state)
{
    struct fx *f = *state;
    char inputs[300];
    s_article_folder(f, 4, inputs, sizeof inputs);
    struct proc *p = s_start_fetcher(f, inputs, 60000, 3, NULL);
    void *x = s_fake_extractor(f, 3);
    struct pl_msg t[3];
    for (int i = 0; i < 3; i++)
        s_recv(x, PL_CMD_TASK, &t[i]);
    /* two done, one still in hand when the fetcher stops */
    s_answer(x, PL_CMD_DONE, t[0].u.task.id, NULL);
    s_answer(x, PL_CMD_DONE, t[1].u.task.id, NULL);
    struct pl_msg m;
    s_recv(x, PL_CMD_TASK, &m); /* the fourth fills the freed place */
    char fourth[64];
    snprintf(fourth, sizeof fourth, "%s", m.u.task.id);
    pl_msg_release(&m);
    s_hb_round_trip(x);
    proc_signal(p, SIGTERM);
    assert_stops_cleanly(p);

    /* the same inputs again: the two finished articles are not offered, the two in hand are */
    p = s_start_fetcher(f, inputs, 60000, 3, NULL);
    assert_logs(p, "2 articles leased before the last stop are pending again", READY_TIMEOUT_MS);
    char work[256];
    fx_endpoint(f, "work", work, sizeof work);
    void *y = s_fake_extractor(f, 10);
    struct pl_msg a, b;
    s_recv(y, PL_CMD_TASK, &a);
    s_recv(y, PL_CMD_TASK, &b);
    assert_false(s_arrives(y, 500));
    bool got_third = !strcmp(a.u.task.id, t[2].u.task.id) || !strcmp(b.u.task.id, t[2].u.task.id);
    bool got_fourth = !strcmp(a.u.task.id, fourth) || !strcmp(b.u.task.id, fourth);
    assert_true(got_third && got_fourth);
    assert_int_equal(a.u.task.attempt, 2); /* the first attempt still counts */
    proc_signal(p, SIGTERM);
    assert_stops_cleanly(p);
    char line[4096];
    proc_line(p, " stopped ", line, sizeof line);
    assert_contains("the restarted fetcher's stopped line", line, " taken_in=0 ");
    for (int i = 0; i < 3; i++)
        pl_msg_release(&t[i]);
    pl_msg_release(&a);
    pl_msg_release(&b);
}

static void test_fetcher_stops_intake_at_the_high_water_mark(void **state)
{
    struct fx *f = *state;
    char inputs[300];
    s_article_folder(f, 20, inputs, sizeof inputs);
    struct proc *p = s_start_fetcher(f, inputs, 60000, 3, "intake_hwm = 5; status_s = 1;");
    /* no extractor: five taken in, then nothing until they leave pending */
    assert_logs(p, "status pending=5 leased=0 done=0", READY_TIMEOUT_MS);
    proc_pump(p, 1200);
    assert_null(strstr(text(&p->ebuf), "status pending=6"));
    void *x = s_fake_extractor(f, 4);
    for (int i = 0; i < 20; i++) {
        struct pl_msg m;
        s_recv(x, PL_CMD_TASK, &m);
        s_answer(x, PL_CMD_DONE, m.u.task.id, NULL);
        pl_msg_release(&m);
    }
    assert_false(s_arrives(x, 300));
    assert_logs(p, "status pending=0 leased=0 done=20 dead=0", READY_TIMEOUT_MS);
    proc_signal(p, SIGTERM);
    assert_stops_cleanly(p);
}

static void test_fetcher_watches_a_folder_and_reads_stdin(void **state)
{
    struct fx *f = *state;
    char in[256], tmp[320], final[320], inputs[300];
    s_mkdir_in(f, in, sizeof in);
    snprintf(inputs, sizeof inputs, "\"%s\", \"-\"", in);
    f->stdin_text = "First piped article.\n\fSecond piped article.\n"
                    "title: Third\n---\nThird piped article.\n";
    struct proc *p = s_start_fetcher(f, inputs, 60000, 3, NULL);
    void *x = s_fake_extractor(f, 10);
    struct pl_msg m;
    char seen[3][128];
    for (int i = 0; i < 3; i++) {
        s_recv(x, PL_CMD_TASK, &m);
        snprintf(seen[i], sizeof seen[i], "%s", m.u.task.article.text);
        if (m.u.task.article.title)
            assert_string_equal(m.u.task.article.title, "Third");
        s_answer(x, PL_CMD_DONE, m.u.task.id, NULL);
        pl_msg_release(&m);
    }
    assert_string_equal(seen[0], "First piped article.\n");
    assert_string_equal(seen[1], "Second piped article.\n");
    assert_string_equal(seen[2], "Third piped article.\n");
    s_hb_round_trip(x);
    proc_signal(p, SIGTERM);
    assert_stops_cleanly(p);

    /* watched: a file written later (under a temporary name, then renamed) is taken in */
    snprintf(inputs, sizeof inputs, "\"%s\"", in);
    char cfg[256], work[256];
    fx_endpoint(f, "work", work, sizeof work);
    fx_path(f, "fetcher.cfg", cfg, sizeof cfg);
    write_file(cfg,
               "work = { bind = \"%s\"; };\n"
               "fetcher = { data_dir = \"%s\"; status_s = 0; };\n"
               "sources = { inputs = [ %s ]; watch = true; };\n",
               work, f->dir, inputs);
    p = proc_start(f, "parley-fetcher", "-c", cfg, (const char *)NULL);
    assert_logs(p, " ready", READY_TIMEOUT_MS);
    void *y = s_fake_extractor(f, 10);
    assert_false(s_arrives(y, 300));
    snprintf(tmp, sizeof tmp, "%s/late.txt.part", in);
    snprintf(final, sizeof final, "%s/late.txt", in);
    write_file(tmp, "A late article about a ceasefire.\n");
    assert_false(s_arrives(y, 300)); /* a .part file is not read */
    assert_int_equal(rename(tmp, final), 0);
    s_recv(y, PL_CMD_TASK, &m);
    assert_string_equal(m.u.task.article.text, "A late article about a ceasefire.\n");
    pl_msg_release(&m);
    proc_signal(p, SIGTERM);
    assert_stops_cleanly(p);
}

/* ---------------------------------------------------------------------------------------- */
/* CURVE and ZAP. */

/* Reads the key file parley keygen wrote: its public and secret keys. */
static void s_read_key(const char *path, char pub[41], char sec[41])
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[256];
    pub[0] = sec[0] = '\0';
    while (fgets(line, sizeof line, fp)) {
        if (sscanf(line, "public_key = \"%40[^\"]\";", pub) == 1)
            continue;
        (void)sscanf(line, "secret_key = \"%40[^\"]\";", sec);
    }
    fclose(fp);
    assert_int_equal(strlen(pub), 40);
    assert_int_equal(strlen(sec), 40);
}

/* A DEALER to endpoint: a CURVE client with (pub, sec) of the server srv, or plaintext when
 * pub is NULL. */
static void *s_curve_client(struct fx *f, const char *endpoint, const char *pub, const char *sec,
                            const char *srv)
{
    assert_true(f->nsocks < sizeof f->socks / sizeof f->socks[0]);
    void *s = s_test_socket(f, ZMQ_DEALER);
    if (pub) {
        assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, srv, 40), 0);
        assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
        assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40), 0);
    }
    assert_int_equal(zmq_connect(s, endpoint), 0);
    f->socks[f->nsocks++] = s;
    return s;
}

static void s_query(void *s)
{
    struct pl_msg q = {.cmd = PL_CMD_QUERY};
    q.u.query.limit = 10;
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    /* a client whose handshake failed may not even take the message: that is fine */
    int rc = pl_msg_send(s, NULL, 0, &q, &scratch, ZMQ_DONTWAIT);
    (void)rc;
    pl_buf_release(&scratch);
}

static void test_curve_lets_in_only_allowed_clients(void **state)
{
    struct fx *f = *state;
    char dir[256], arg[300], path[320];
    snprintf(dir, sizeof dir, "%s/keys", f->dir);
    snprintf(arg, sizeof arg, "--dir=%s", dir);
    char pub[5][41], sec[5][41];
    const char *names[] = {"store", "analyst", "stranger", "fetcher", "extractor"};
    for (int i = 0; i < 5; i++) {
        run_expect(f, 0, "parley", "keygen", names[i], arg);
        snprintf(path, sizeof path, "%s/%s.key", dir, names[i]);
        s_read_key(path, pub[i], sec[i]);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0077, 0); /* the pair is its owner's only */
    }
    /* keygen does not overwrite */
    run_expect(f, 73, "parley", "keygen", "store", arg);

    /* @include paths are relative to the config file's folder */
    char cfg[256], ingest[256], live[256], replay[256];
    fx_endpoint(f, "ingest", ingest, sizeof ingest);
    fx_endpoint(f, "live", live, sizeof live);
    fx_endpoint(f, "replay", replay, sizeof replay);
    fx_path(f, "store.cfg", cfg, sizeof cfg);
    write_file(cfg,
               "ingest = { bind = \"%s\"; };\nlive = { bind = \"%s\"; };\n"
               "replay = { bind = \"%s\"; };\nstore = { data_dir = \"%s\"; };\n"
               "curve = {\n  enabled = true;\n  @include \"keys/store.key\"\n"
               "  allow = [ \"%s\", \"%s\" ];\n};\n",
               ingest, live, replay, f->dir, pub[1], pub[4]);
    struct proc *store = proc_start(f, "parley-store", "-c", cfg, (const char *)NULL);
    assert_logs(store, " ready", READY_TIMEOUT_MS);
    /* the secret key is not in the logged configuration */
    assert_null(strstr(text(&store->ebuf), sec[0]));
    assert_contains("the store's log", text(&store->ebuf), "curve.secret_key=(secret)");

    /* allowed: answered */
    void *ok = s_curve_client(f, replay, pub[1], sec[1], pub[0]);
    s_query(ok);
    struct pl_msg m;
    s_recv(ok, PL_CMD_END, &m);
    pl_msg_release(&m);
    /* a key not in the list, and plaintext: nothing */
    void *bad = s_curve_client(f, replay, pub[2], sec[2], pub[0]);
    s_query(bad);
    assert_false(s_arrives(bad, 1000));
    void *plain = s_curve_client(f, replay, NULL, NULL, NULL);
    s_query(plain);
    assert_false(s_arrives(plain, 1000));
    assert_logs(store, "refused a client", READY_TIMEOUT_MS);

    /* the CLI with the analyst's key file and the store's .pub file */
    char keyarg[320], srvarg[320], eparg[320];
    snprintf(keyarg, sizeof keyarg, "--key=%s/analyst.key", dir);
    snprintf(srvarg, sizeof srvarg, "--server-key=%s/store.pub", dir);
    snprintf(eparg, sizeof eparg, "--endpoint=%s", replay);
    struct proc *q = proc_start(f, "parley", "query", keyarg, srvarg, eparg, (const char *)NULL);
    assert_int_equal(proc_reap_by(q, pl_now_ms() + RUN_TIMEOUT_MS), 0);
    assert_int_equal(proc_code(q), 0);
    snprintf(keyarg, sizeof keyarg, "--key=%s/stranger.key", dir);
    q = proc_start(f, "parley", "query", keyarg, srvarg, eparg, "--timeout=500",
                   (const char *)NULL);
    assert_int_equal(proc_reap_by(q, pl_now_ms() + RUN_TIMEOUT_MS), 0);
    assert_int_equal(proc_code(q), 69);

    /* an extractor with its key reaches the fetcher; the fetcher lets in only the extractor */
    char work[256];
    fx_endpoint(f, "work", work, sizeof work);
    fx_path(f, "fetcher.cfg", cfg, sizeof cfg);
    write_file(cfg,
               "work = { bind = \"%s\"; };\nfetcher = { data_dir = \"%s\"; status_s = 0; };\n"
               "curve = {\n  enabled = true;\n  @include \"keys/fetcher.key\"\n"
               "  allow = [ \"%s\" ];\n};\n",
               work, f->dir, pub[4]);
    struct proc *fetcher = proc_start(f, "parley-fetcher", "-c", cfg, (const char *)NULL);
    assert_logs(fetcher, " ready", READY_TIMEOUT_MS);
    fx_path(f, "extractor.cfg", cfg, sizeof cfg);
    write_file(cfg,
               "work = { connect = \"%s\"; server_key = \"%s\"; };\n"
               "ingest = { connect = \"%s\"; server_key = \"%s\"; };\n"
               "curve = {\n  enabled = true;\n  @include \"keys/extractor.key\"\n};\n",
               work, pub[3], ingest, pub[0]);
    struct proc *x = proc_start(f, "parley-extractor", "-c", cfg, (const char *)NULL);
    assert_logs(fetcher, "extractor ready", READY_TIMEOUT_MS);
    /* a plaintext peer on the work socket is refused */
    void *w = s_curve_client(f, work, NULL, NULL, NULL);
    struct pl_msg hb = {.cmd = PL_CMD_HB};
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    int rc = pl_msg_send(w, NULL, 0, &hb, &scratch, ZMQ_DONTWAIT);
    (void)rc;
    pl_buf_release(&scratch);
    assert_false(s_arrives(w, 1000));
    for (struct proc *p2 = x; p2; p2 = p2 == x ? fetcher : p2 == fetcher ? store : NULL) {
        proc_signal(p2, SIGTERM);
        assert_stops_cleanly(p2);
    }
}

static void test_curve_config_mistakes_exit_78(void **state)
{
    struct fx *f = *state;
    char cfg[256], key[41], sec[41];
    assert_int_equal(zmq_curve_keypair(key, sec), 0);
    fx_path(f, "bad.cfg", cfg, sizeof cfg);
    write_file(cfg, "curve = { enabled = true; };\n");
    struct proc *p = run_expect(f, 78, "parley-store", "-n", "-c", cfg);
    assert_contains("the store's error", text(&p->ebuf), "curve.public_key and curve.secret_key");
    write_file(cfg, "curve = { enabled = true; public_key = \"%s\"; secret_key = \"%s\"; };\n", key,
               sec);
    p = run_expect(f, 78, "parley-fetcher", "-n", "-c", cfg);
    assert_contains("the fetcher's error", text(&p->ebuf), "empty curve.allow");
    write_file(cfg, "curve = { allow = [ \"not a key\" ]; };\n");
    p = run_expect(f, 78, "parley-store", "-n", "-c", cfg);
    assert_contains("the store's error", text(&p->ebuf), "must be a CURVE key");
    char other[41], osec[41];
    assert_int_equal(zmq_curve_keypair(other, osec), 0);
    write_file(cfg,
               "curve = { enabled = true; public_key = \"%s\"; secret_key = \"%s\";"
               " allow = [ \"%s\" ]; };\n",
               other, sec, key);
    p = run_expect(f, 78, "parley-store", "-n", "-c", cfg);
    assert_contains("the store's error", text(&p->ebuf), "does not belong");
}

/* The store's replay socket, and an oversize frame on its ingest socket: bad input is
 * counted and dropped, and an honest client is still answered on both. */
static void test_store_survives_hostile_clients_on_replay_and_ingest(void **state)
{
    struct fx *f = *state;
    char cfg[256], ingest[256], live[256], replay[256], line[4096];
    fx_endpoint(f, "ingest", ingest, sizeof ingest);
    fx_endpoint(f, "live", live, sizeof live);
    fx_endpoint(f, "replay", replay, sizeof replay);
    fx_path(f, "store.cfg", cfg, sizeof cfg);
    write_file(cfg,
               "ingest = { bind = \"%s\"; };\nlive = { bind = \"%s\"; };\n"
               "replay = { bind = \"%s\"; };\n%s"
               "zmq = { max_msg_bytes = 65536; };\n",
               ingest, live, replay, fx_store_section(f));
    struct proc *store = proc_start(f, "parley-store", "-c", cfg, (const char *)NULL);
    assert_logs(store, " ready", READY_TIMEOUT_MS);

    void *bad = s_client(f, ZMQ_DEALER, replay);
    static const char v1[] = {'\x81', '\xa1', 'v', '\x01'};
    static const char reserved[] = {'\xc1'};
    /* {"v":1,"max":"x"}: SINCE with a field of the wrong type */
    static const char bad_max[] = {'\x82', '\xa1', 'v', '\x01', '\xa3', 'm', 'a', 'x', '\xa1', 'x'};
    send_frames(bad, 1, (const void *const[]){"SINCE"}, (const size_t[]){5});
    send_frames(bad, 2, (const void *const[]){"QUERY", reserved},
                (const size_t[]){5, sizeof reserved});
    send_frames(bad, 2, (const void *const[]){"SINCE", bad_max},
                (const size_t[]){5, sizeof bad_max});
    send_frames(bad, 2, (const void *const[]){"BOGUS", v1}, (const size_t[]){5, sizeof v1});
    send_frames(bad, 2, (const void *const[]){"READY", v1}, (const size_t[]){5, sizeof v1});
    send_frames(bad, 5, (const void *const[]){"QUERY", v1, "a", "b", "c"},
                (const size_t[]){5, sizeof v1, 1, 1, 1});
    /* an oversize frame on ingest: the connection is dropped, the store goes on */
    void *big = s_client(f, ZMQ_DEALER, ingest);
    size_t n = 200000;
    char *blob = calloc(1, n);
    assert_non_null(blob);
    send_frames(big, 2, (const void *const[]){"EVENTS", blob}, (const size_t[]){6, n});
    free(blob);

    /* honest clients on both sockets */
    void *good = s_client(f, ZMQ_DEALER, replay);
    s_query(good);
    struct pl_msg m;
    s_recv(good, PL_CMD_END, &m);
    pl_msg_release(&m);
    void *honest = s_client(f, ZMQ_DEALER, ingest);
    struct pl_msg ev = {.cmd = PL_CMD_EVENTS};
    char id[] = "0123456789abcdef0123456789abcdef", xv[] = "x1";
    ev.u.events.id = id;
    ev.u.events.xv = xv;
    s_send(honest, &ev);
    s_recv(honest, PL_CMD_OK, &m);
    pl_msg_release(&m);

    proc_signal(store, SIGTERM);
    assert_stops_cleanly(store);
    proc_line(store, " stopped ", line, sizeof line);
    if (field_value(line, "dropped") < 5) {
        print_error("expected at least 5 dropped messages in the store's stopped line:\n%s\n",
                    line);
        fail();
    }
}

int main(void)
{
    long max = sysconf(_SC_OPEN_MAX);
    if (max > 0)
        g_max_fd = max < 65536 ? max : 65536;
    /* A child that dies early must not kill the test when it writes to nothing. */
    signal(SIGPIPE, SIG_IGN);

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
/* The tests of the store's own work (ingest, merge, publication, replay, restarts, hostile
 * clients, group commits): run again with the store on PostgreSQL. */
#define STORE_TESTS                                                                                \
    T(test_store_survives_hostile_clients_on_replay_and_ingest),                                   \
        T(test_store_stores_merges_publishes_and_replays),                                         \
        T(test_store_holds_batches_while_its_database_is_away),                                    \
        T(test_store_answers_while_its_database_does_not),                                         \
        T(test_store_commit_cut_off_on_its_way_back),                                              \
        T(test_store_holds_batches_while_its_disk_refuses_writes),                                 \
        T(test_tail_survives_store_restart_and_resumes_from_state),                                \
        T(test_tail_fills_what_pub_dropped_for_a_slow_subscriber),                                 \
        T(test_extractor_and_store_code_an_article_end_to_end),                                    \
        T(test_store_group_commits_answer_every_batch_with_gapless_seqs)
    const struct CMUnitTest tests[] = {
        T(test_fetcher_starts_logs_config_and_stops_on_sigterm),
        T(test_extractor_starts_logs_config_and_stops_on_sigterm),
        T(test_store_starts_logs_config_and_stops_on_sigterm),
        T(test_store_stops_on_sigint),
        T(test_help_exits_0_and_prints_usage),
        T(test_unknown_option_exits_64_with_usage),
        T(test_unexpected_argument_exits_64),
        T(test_check_good_config_prints_config_ok_and_exits_0),
        T(test_check_unknown_key_exits_78_with_file_and_line),
        T(test_check_syntax_error_exits_78_with_file_and_line),
        T(test_check_out_of_range_value_exits_78_naming_key),
        T(test_check_missing_config_file_exits_78),
        T(test_check_wrong_type_exits_78),
        T(test_bind_failure_exits_69_with_message),
        T(test_second_fetcher_or_store_on_a_folder_is_refused),
        T(test_pipeline_extractor_ready_reaches_fetcher_and_all_stop_cleanly),
        T(test_fetcher_survives_garbage_and_still_answers_heartbeat),
        T(test_extractor_sends_done_only_after_the_store_ok),
        T(test_extractor_hands_a_store_refusal_back_with_nack),
        T(test_extractor_resends_to_a_silent_store_then_leaves_it_to_the_lease),
        T(test_extractor_holds_the_lease_while_the_store_is_silent),
        T(test_extractor_held_article_done_once_the_store_answers),
        T(test_extractor_repeats_ready_with_its_window),
        T(test_fetcher_leases_against_credit_redelivers_and_dead_letters),
        T(test_fetcher_hold_keeps_a_lease_without_an_attempt),
        T(test_fetcher_restarted_resends_nothing_finished),
        T(test_fetcher_watches_a_folder_and_reads_stdin),
        T(test_fetcher_stops_intake_at_the_high_water_mark),
        T(test_curve_lets_in_only_allowed_clients),
        T(test_curve_config_mistakes_exit_78),
        STORE_TESTS,
    };
    /* On PostgreSQL: the others do not touch the store's database. */
    const struct CMUnitTest pg_tests[] = {STORE_TESTS};
#undef T
#undef STORE_TESTS
    g_pg = getenv("PARLEY_TEST_PG");
    if (g_pg && *g_pg) {
        fprintf(stderr, "test_daemons: the store on PostgreSQL (%s)\n", g_pg);
        return cmocka_run_group_tests(pg_tests, NULL, NULL);
    }
    g_pg = NULL;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
