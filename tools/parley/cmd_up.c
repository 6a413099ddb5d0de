/* cmd_up.c - parley up: the whole pipeline on this machine, supervised.
 *
 * Reads the daemons' config files (the ones docker compose mounts, deploy/config by
 * default), points every endpoint at ipc:// sockets in a private temporary folder and the
 * databases at --data, writes the result next to the sockets and starts parley-store,
 * parley-fetcher, N parley-extractors and a `parley tail` that prints the events as the
 * store publishes them. Daemon logs go to <data>/logs/. A daemon that exits by itself is
 * started again after a backoff (1 s doubling to 30 s; a config error stops everything).
 * SIGINT/SIGTERM stop the fetcher and extractors first, then the store, each with SIGTERM
 * and a grace period. With --once the run ends when the fetcher reports every input done:
 * the tail is told to show what is stored (SIGUSR1) and everything stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libconfig.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "db.h"
#include "outbox.h"
#include "pl_util.h"

#define EX_OK          0
#define EX_FAIL        1
#define EX_USAGE       64
#define EX_UNAVAILABLE 69
#define EX_CANTCREAT   73

#define MAX_EXTRACTORS 64
#define GRACE_MS       15000  /* SIGTERM, then this long before SIGKILL */
#define TAIL_GRACE_MS  300000 /* the tail showing what is stored, at its own pace */

static const char *const usage =
    "usage: parley up [--extractors N] [--data DIR] [--config DIR] [--once]\n"
    "                 [--format table|jsonl|csv] [PATH|URL ...]\n"
    "\n"
    "Runs the whole pipeline on this machine - parley-store, parley-fetcher and N\n"
    "parley-extractors - and shows the events as they are stored. The inputs are files,\n"
    "folders (watched for new files unless --once), - for stdin, and URLs of web pages or\n"
    "RSS/Atom feeds; without inputs it uses the sample articles that come with parley.\n"
    "\n"
    "  --extractors N   extractors to run (1..64, default 1)\n"
    "  --data DIR       databases (parley.db, outbox.db) and logs/ go here (default\n"
    "                   parley-data). A second run continues where this one stopped: inputs\n"
    "                   taken in before are not read again, and only events not shown yet\n"
    "                   are shown (the last one shown is kept in DIR/tail.seq).\n"
    "  --config DIR     the daemons' config files (store.cfg, fetcher.cfg, extractor.cfg);\n"
    "                   default: the deploy/config of this parley, the files compose uses.\n"
    "                   Endpoints and data folders are replaced by local ones.\n"
    "  --once           stop once every input is stored (or dead), instead of running on\n"
    "  --format F       how events are shown: table (default), jsonl or csv\n"
    "\n"
    "examples:\n"
    "  parley up --once                      the sample articles, then exit\n"
    "  parley up --extractors 2 articles/    watch a folder with two extractors\n"
    "  parley up 'https://example.org/rss.xml every=300'\n"
    "\n"
    "Events go to stdout, progress and problems to stderr, the daemons' own logs to\n"
    "<data>/logs/. Afterwards: parley query --db DIR, parley dead --data DIR.\n"
    "\n"
    "exit status: 0 done (or interrupted), 1 a daemon failed and could not be restarted,\n"
    "64 usage, 69 a program is missing or a daemon cannot start, 73 cannot create files\n";

static volatile sig_atomic_t g_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

struct child {
    char name[32];   /* store, fetcher, extractor-1 ..., tail */
    char **argv;     /* for (re)starting */
    pid_t pid;       /* 0 when not running */
    int64_t started; /* monotonic ms */
    int64_t backoff; /* next restart delay */
    int64_t restart_at;
    int restarts;
    bool is_tail, is_fetcher;
};

struct up {
    char run[PATH_MAX];  /* temporary folder: sockets and generated configs */
    char data[PATH_MAX]; /* absolute data folder */
    char logs[PATH_MAX + 8];
    char bin[PATH_MAX];  /* where parley's programs are */
    char self[PATH_MAX]; /* this program */
    struct child kids[MAX_EXTRACTORS + 3];
    size_t nkids;
    bool once;
    bool stdin_input;
};

/* --- config files -------------------------------------------------------------------------- */

/* The setting at a dotted path, made (with its groups) when missing, as type. */
static config_setting_t *s_setting(config_t *cfg, const char *path, int type)
{
    config_setting_t *g = config_root_setting(cfg);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *name = buf;
    for (char *dot; (dot = strchr(name, '.')) != NULL; name = dot + 1) {
        *dot = '\0';
        config_setting_t *sub = config_setting_get_member(g, name);
        if (!sub)
            sub = config_setting_add(g, name, CONFIG_TYPE_GROUP);
        if (!sub || config_setting_type(sub) != CONFIG_TYPE_GROUP)
            return NULL;
        g = sub;
    }
    config_setting_t *st = config_setting_get_member(g, name);
    if (st && config_setting_type(st) != type) {
        config_setting_remove(g, name);
        st = NULL;
    }
    return st ? st : config_setting_add(g, name, type);
}

static int s_set_str(config_t *cfg, const char *path, const char *v)
{
    config_setting_t *st = s_setting(cfg, path, CONFIG_TYPE_STRING);
    return st && config_setting_set_string(st, v) == CONFIG_TRUE ? 0 : -1;
}

static int s_set_bool(config_t *cfg, const char *path, bool v)
{
    config_setting_t *st = s_setting(cfg, path, CONFIG_TYPE_BOOL);
    return st && config_setting_set_bool(st, v) == CONFIG_TRUE ? 0 : -1;
}

static void s_endpoint(const struct up *u, const char *name, char *out, size_t n)
{
    snprintf(out, n, "ipc://%s/%s.sock", u->run, name);
}

/* Reads <confdir>/<name>.cfg (defaults when there is none), applies the local settings and
 * writes <run>/<name>.cfg. */
static int s_config(const struct up *u, const char *confdir, const char *name, char **inputs,
                    size_t ninputs)
{
    config_t cfg;
    config_init(&cfg);
    char src[PATH_MAX + 64], dst[PATH_MAX + 64];
    snprintf(src, sizeof src, "%s/%s.cfg", confdir ? confdir : "", name);
    if (confdir && access(src, F_OK) == 0) {
        config_set_include_dir(&cfg, confdir);
        if (!config_read_file(&cfg, src)) {
            fprintf(stderr, "parley up: %s:%d: %s\n",
                    config_error_file(&cfg) ? config_error_file(&cfg) : src,
                    config_error_line(&cfg), config_error_text(&cfg));
            config_destroy(&cfg);
            return -1;
        }
    }
    char work[PATH_MAX + 32], ingest[PATH_MAX + 32], live[PATH_MAX + 32], replay[PATH_MAX + 32];
    s_endpoint(u, "work", work, sizeof work);
    s_endpoint(u, "ingest", ingest, sizeof ingest);
    s_endpoint(u, "live", live, sizeof live);
    s_endpoint(u, "replay", replay, sizeof replay);
    int rc = 0;
    if (strcmp(name, "store") == 0) {
        rc |= s_set_str(&cfg, "ingest.bind", ingest);
        rc |= s_set_str(&cfg, "live.bind", live);
        rc |= s_set_str(&cfg, "replay.bind", replay);
        rc |= s_set_str(&cfg, "store.data_dir", u->data);
    } else if (strcmp(name, "fetcher") == 0) {
        rc |= s_set_str(&cfg, "work.bind", work);
        rc |= s_set_str(&cfg, "fetcher.data_dir", u->data);
        rc |= s_set_bool(&cfg, "fetcher.once", u->once);
        rc |= s_set_bool(&cfg, "sources.watch", !u->once);
        config_setting_t *list = s_setting(&cfg, "sources.inputs", CONFIG_TYPE_ARRAY);
        if (!list)
            rc = -1;
        while (list && config_setting_length(list) > 0)
            config_setting_remove_elem(list, 0);
        for (size_t i = 0; list && i < ninputs; i++)
            if (!config_setting_set_string_elem(list, -1, inputs[i]))
                rc = -1;
    } else {
        rc |= s_set_str(&cfg, "work.connect", work);
        rc |= s_set_str(&cfg, "ingest.connect", ingest);
    }
    snprintf(dst, sizeof dst, "%s/%s.cfg", u->run, name);
    if (rc != 0 || !config_write_file(&cfg, dst)) {
        fprintf(stderr, "parley up: cannot write %s\n", dst);
        config_destroy(&cfg);
        return -1;
    }
    config_destroy(&cfg);
    return 0;
}

/* --- children ------------------------------------------------------------------------------ */

static char **s_argv(const char *a0, ...)
{
    char **v = pl_xcalloc(16, sizeof *v);
    va_list ap;
    va_start(ap, a0);
    size_t n = 0;
    for (const char *a = a0; a && n < 15; a = va_arg(ap, const char *))
        v[n++] = pl_xstrdup(a);
    va_end(ap);
    return v;
}

static void s_free_argv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static int s_start(struct up *u, struct child *c)
{
    char log[PATH_MAX + 64];
    snprintf(log, sizeof log, "%s/%s.log", u->logs, c->name);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "parley up: cannot start %s: %s\n", c->name, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGINT, SIG_IGN); /* Ctrl-C reaches the whole group: parley up decides */
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (!c->is_tail) {
            int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
            if (fd >= 0) {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
            }
            if (!(c->is_fetcher && u->stdin_input)) {
                int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (nul >= 0)
                    dup2(nul, STDIN_FILENO);
            }
        }
        execv(c->argv[0], c->argv);
        fprintf(stderr, "parley up: cannot run %s: %s\n", c->argv[0], strerror(errno));
        _exit(EX_UNAVAILABLE);
    }
    c->pid = pid;
    c->started = pl_now_ms();
    return 0;
}

static struct child *s_add(struct up *u, const char *name, char **argv)
{
    struct child *c = &u->kids[u->nkids++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->argv = argv;
    c->backoff = 1000;
    return c;
}

/* Sends sig to the children pick chooses and waits up to grace_ms for them to exit
 * (SIGKILL after that). */
static void s_stop(struct up *u, bool (*pick)(const struct child *), int sig, int64_t grace_ms)
{
    for (size_t i = 0; i < u->nkids; i++)
        if (u->kids[i].pid > 0 && pick(&u->kids[i]))
            kill(u->kids[i].pid, sig);
    int64_t deadline = pl_now_ms() + grace_ms;
    for (;;) {
        bool left = false;
        for (size_t i = 0; i < u->nkids; i++) {
            struct child *c = &u->kids[i];
            if (c->pid <= 0 || !pick(c))
                continue;
            int status;
            pid_t r = waitpid(c->pid, &status, WNOHANG);
            if (r == c->pid) {
                if (!c->is_tail && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                    fprintf(stderr, "parley up: %s stopped with status %d\n", c->name,
                            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                c->pid = 0;
            } else {
                left = true;
            }
        }
        if (!left)
            return;
        if (pl_now_ms() > deadline) {
            for (size_t i = 0; i < u->nkids; i++)
                if (u->kids[i].pid > 0 && pick(&u->kids[i])) {
                    fprintf(stderr, "parley up: %s did not stop in %lld s; killing it\n",
                            u->kids[i].name, (long long)(grace_ms / 1000));
                    kill(u->kids[i].pid, SIGKILL);
                }
            deadline = INT64_MAX;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static bool s_is_worker(const struct child *c)
{
    return !c->is_tail && strcmp(c->name, "store") != 0;
}

static bool s_is_tail(const struct child *c)
{
    return c->is_tail;
}

static bool s_is_store(const struct child *c)
{
    return strcmp(c->name, "store") == 0;
}

/* --- progress ------------------------------------------------------------------------------ */

struct progress {
    struct outbox_counts c;
    uint64_t head;
    bool have, have_head; /* have_head: the store's database is a file here (not PostgreSQL) */
};

static void s_progress(const struct up *u, struct progress *last, bool force)
{
    char path[PATH_MAX + 32], err[512];
    struct progress p = {0};
    snprintf(path, sizeof path, "%s/outbox.db", u->data);
    if (access(path, F_OK) == 0) {
        struct outbox *ob = outbox_open(path, true, err, sizeof err);
        if (ob) {
            (void)outbox_counts(ob, &p.c);
            outbox_close(&ob);
        }
    }
    snprintf(path, sizeof path, "%s/parley.db", u->data);
    if (access(path, F_OK) == 0) {
        static char sqlite[] = "sqlite";
        struct store_db_config cfg = {.backend = sqlite, .read_only = true, .path = path};
        struct store_db *db = store_db_open(&cfg, err, sizeof err);
        if (db) {
            p.head = store_db_head(db);
            p.have_head = true;
            store_db_close(&db);
        }
    }
    p.have = true;
    if (!force && last->have && memcmp(&p.c, &last->c, sizeof p.c) == 0 && p.head == last->head)
        return;
    char stored[64] = "";
    if (p.have_head)
        snprintf(stored, sizeof stored, "; %llu event versions stored", (unsigned long long)p.head);
    fprintf(stderr, "parley up: articles %llu done, %llu being coded, %llu waiting, %llu dead%s\n",
            (unsigned long long)p.c.done, (unsigned long long)p.c.leased,
            (unsigned long long)p.c.pending, (unsigned long long)p.c.dead, stored);
    *last = p;
}

/* --- the command ----------------------------------------------------------------------------- */

static int s_dir_of_self(struct up *u)
{
    ssize_t n = readlink("/proc/self/exe", u->self, sizeof u->self - 1);
    if (n <= 0)
        return -1;
    u->self[n] = '\0';
    snprintf(u->bin, sizeof u->bin, "%s", u->self);
    char *slash = strrchr(u->bin, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

static int s_mkdirs(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0750) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

static void s_rmrun(const struct up *u)
{
    static const char *const files[] = {"work.sock", "ingest.sock", "live.sock",    "replay.sock",
                                        "store.cfg", "fetcher.cfg", "extractor.cfg"};
    char p[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", u->run, files[i]);
        unlink(p);
    }
    rmdir(u->run);
}

static bool s_exists_sock(const struct up *u, const char *name)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/%s.sock", u->run, name);
    struct stat st;
    return stat(p, &st) == 0;
}

int cmd_up(int argc, char **argv)
{
    static struct up u; /* large; one per process */
    memset(&u, 0, sizeof u);
    long nx = 1;
    const char *data = "parley-data", *confdir = NULL, *format = "table";
    static const struct option lopts[] = {{"extractors", required_argument, NULL, 'x'},
                                          {"data", required_argument, NULL, 'd'},
                                          {"config", required_argument, NULL, 'c'},
                                          {"once", no_argument, NULL, 'o'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        uint64_t v;
        switch (opt) {
        case 'x':
            if (pl_parse_u64(optarg, 1, MAX_EXTRACTORS, &v) != 0) {
                fprintf(stderr, "parley up: --extractors must be 1..%d\n", MAX_EXTRACTORS);
                return EX_USAGE;
            }
            nx = (long)v;
            break;
        case 'd':
            data = optarg;
            break;
        case 'c':
            confdir = optarg;
            break;
        case 'o':
            u.once = true;
            break;
        case 'f':
            if (strcmp(optarg, "table") && strcmp(optarg, "jsonl") && strcmp(optarg, "csv")) {
                fprintf(stderr, "parley up: --format must be table, jsonl or csv\n");
                return EX_USAGE;
            }
            format = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return EX_OK;
        default:
            fputs(usage, stderr);
            return EX_USAGE;
        }
    }
    if (!confdir) {
        const char *env = getenv("PARLEY_CONFIG");
        confdir = env && *env ? env : PARLEY_CONFIG_DIR;
        struct stat st;
        if (stat(confdir, &st) != 0)
            confdir = NULL; /* an installed parley without the files: built-in defaults */
    }
    size_t ninputs = (size_t)(argc - optind);
    char **inputs = pl_xcalloc(ninputs + 1, sizeof *inputs);
    for (size_t i = 0; i < ninputs; i++) {
        const char *a = argv[optind + (int)i];
        char abs[PATH_MAX];
        if (strcmp(a, "-") == 0) {
            u.stdin_input = true;
            inputs[i] = pl_xstrdup(a);
        } else if (strncmp(a, "http://", 7) == 0 || strncmp(a, "https://", 8) == 0) {
            inputs[i] = pl_xstrdup(a);
        } else if (realpath(a, abs)) {
            inputs[i] = pl_xstrdup(abs);
        } else {
            fprintf(stderr, "parley up: input %s: %s\n", a, strerror(errno));
            for (size_t k = 0; k < i; k++)
                free(inputs[k]);
            free(inputs);
            return EX_USAGE;
        }
    }
    if (ninputs == 0) {
        const char *env = getenv("PARLEY_SAMPLES");
        const char *samples = env && *env ? env : PARLEY_SAMPLES_DIR;
        inputs[0] = pl_xstrdup(samples);
        ninputs = 1;
        fprintf(stderr, "parley up: no inputs given; using the sample articles in %s\n", samples);
    }
    int rc = EX_UNAVAILABLE;
    if (s_dir_of_self(&u) != 0) {
        fprintf(stderr, "parley up: cannot tell where parley's programs are\n");
        goto free_inputs;
    }
    static const char *const progs[] = {"parley-store", "parley-fetcher", "parley-extractor"};
    for (size_t i = 0; i < 3; i++) {
        char p[PATH_MAX + 32];
        snprintf(p, sizeof p, "%s/%s", u.bin, progs[i]);
        if (access(p, X_OK) != 0) {
            fprintf(stderr, "parley up: %s is missing (build it: make build)\n", p);
            goto free_inputs;
        }
    }
    rc = EX_CANTCREAT;
    char abs[PATH_MAX];
    if (s_mkdirs(data) != 0 || !realpath(data, abs)) {
        fprintf(stderr, "parley up: cannot make the data folder %s: %s\n", data, strerror(errno));
        goto free_inputs;
    }
    snprintf(u.data, sizeof u.data, "%s", abs);
    snprintf(u.logs, sizeof u.logs, "%s/logs", u.data);
    if (s_mkdirs(u.logs) != 0) {
        fprintf(stderr, "parley up: cannot make %s: %s\n", u.logs, strerror(errno));
        goto free_inputs;
    }
    /* ipc:// paths must fit in 107 bytes: a short private folder, not under --data */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > 60)
        tmp = "/tmp";
    snprintf(u.run, sizeof u.run, "%s/parley-up.XXXXXX", tmp);
    if (!mkdtemp(u.run)) {
        fprintf(stderr, "parley up: cannot make a folder in %s: %s\n", tmp, strerror(errno));
        goto free_inputs;
    }
    if (s_config(&u, confdir, "store", NULL, 0) != 0 ||
        s_config(&u, confdir, "fetcher", inputs, ninputs) != 0 ||
        s_config(&u, confdir, "extractor", NULL, 0) != 0) {
        rc = EX_UNAVAILABLE;
        goto cleanup;
    }

    char p[PATH_MAX + 64], cfg[PATH_MAX + 64], live[PATH_MAX + 32], replay[PATH_MAX + 32],
        state[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/parley-store", u.bin);
    snprintf(cfg, sizeof cfg, "%s/store.cfg", u.run);
    struct child *store = s_add(&u, "store", s_argv(p, "-c", cfg, (const char *)NULL));
    s_endpoint(&u, "live", live, sizeof live);
    s_endpoint(&u, "replay", replay, sizeof replay);
    /* in the data folder: a later run shows only what it has not shown */
    snprintf(state, sizeof state, "%s/tail.seq", u.data);
    struct child *tail =
        s_add(&u, "tail",
              s_argv(u.self, "tail", "--from-start", "--live", live, "--endpoint", replay,
                     "--state", state, "--format", format, (const char *)NULL));
    tail->is_tail = true;
    snprintf(p, sizeof p, "%s/parley-fetcher", u.bin);
    snprintf(cfg, sizeof cfg, "%s/fetcher.cfg", u.run);
    struct child *fetcher = s_add(&u, "fetcher", s_argv(p, "-c", cfg, (const char *)NULL));
    fetcher->is_fetcher = true;
    snprintf(p, sizeof p, "%s/parley-extractor", u.bin);
    snprintf(cfg, sizeof cfg, "%s/extractor.cfg", u.run);
    for (long i = 0; i < nx; i++) {
        char name[32];
        snprintf(name, sizeof name, "extractor-%ld", i + 1);
        s_add(&u, name, s_argv(p, "-c", cfg, (const char *)NULL));
    }

    struct sigaction sa = {.sa_handler = s_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    fprintf(stderr, "parley up: data in %s (logs in %s), config from %s, %ld extractor%s%s\n",
            u.data, u.logs, confdir ? confdir : "built-in defaults", nx, nx == 1 ? "" : "s",
            u.once ? ", stopping when every input is stored" : "; Ctrl-C stops");
    /* The store first, and its sockets, so the tail and extractors find it at once. */
    rc = EX_UNAVAILABLE;
    if (s_start(&u, store) != 0)
        goto cleanup;
    int64_t t0 = pl_now_ms();
    while (!g_stop && !(s_exists_sock(&u, "ingest") && s_exists_sock(&u, "replay"))) {
        int status;
        if (waitpid(store->pid, &status, WNOHANG) == store->pid) {
            store->pid = 0;
            fprintf(stderr, "parley up: parley-store did not start (see %s/store.log)\n", u.logs);
            goto cleanup;
        }
        if (pl_now_ms() - t0 > 30000) {
            fprintf(stderr, "parley up: parley-store did not open its sockets in 30 s\n");
            goto stop_all;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 1; i < u.nkids && !g_stop; i++)
        if (s_start(&u, &u.kids[i]) != 0)
            goto stop_all;

    rc = EX_OK;
    struct progress prog = {0};
    int64_t last_prog = 0;
    bool finished = false;
    while (!g_stop && !finished) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            struct child *c = NULL;
            for (size_t i = 0; i < u.nkids && !c; i++)
                if (u.kids[i].pid == pid)
                    c = &u.kids[i];
            if (!c)
                continue;
            c->pid = 0;
            int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            if (c->is_fetcher && u.once && code == 0) {
                finished = true;
                continue;
            }
            if (code == 64 || code == 78) {
                fprintf(stderr,
                        "parley up: %s exited %d (%s); see %s/%s.log - stopping everything\n",
                        c->name, code, code == 78 ? "configuration error" : "usage error", u.logs,
                        c->name);
                rc = EX_FAIL;
                g_stop = 1;
                continue;
            }
            if (pl_now_ms() - c->started > 60000)
                c->backoff = 1000; /* it ran a good while: start afresh */
            c->restarts++;
            c->restart_at = pl_now_ms() + c->backoff;
            fprintf(stderr, "parley up: %s exited with status %d; restarting it in %lld s%s\n",
                    c->name, code, (long long)(c->backoff / 1000),
                    c->is_tail ? "" : " (its log is in the logs folder)");
            c->backoff = c->backoff * 2 > 30000 ? 30000 : c->backoff * 2;
        }
        int64_t now = pl_now_ms();
        for (size_t i = 0; i < u.nkids && !g_stop && !finished; i++) {
            struct child *c = &u.kids[i];
            if (c->pid == 0 && c->restart_at && now >= c->restart_at) {
                c->restart_at = 0;
                if (s_start(&u, c) != 0) {
                    rc = EX_FAIL;
                    g_stop = 1;
                }
            }
        }
        if (now - last_prog >= 2000) {
            s_progress(&u, &prog, false);
            last_prog = now;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
stop_all:
    /* the work first (its leases come back at the next start), then the tail shows what is
     * stored, then the store */
    s_stop(&u, s_is_worker, SIGTERM, GRACE_MS);
    /* the tail may be well behind the store when the work ends (it writes every event out
     * and records its place before the next): give it time to show everything */
    s_stop(&u, s_is_tail, SIGUSR1, TAIL_GRACE_MS);
    s_stop(&u, s_is_store, SIGTERM, GRACE_MS);
    {
        struct progress last = {0};
        s_progress(&u, &last, true);
        fprintf(stderr,
                "parley up: stopped. Events: parley query --db %s; dead letters: parley dead "
                "--data %s\n",
                u.data, u.data);
        if (last.c.dead > 0 && rc == EX_OK)
            fprintf(stderr, "parley up: %llu inputs are dead letters (not coded); see above\n",
                    (unsigned long long)last.c.dead);
    }
cleanup:
    for (size_t i = 0; i < u.nkids; i++) {
        if (u.kids[i].pid > 0) {
            kill(u.kids[i].pid, SIGKILL);
            waitpid(u.kids[i].pid, NULL, 0);
        }
        s_free_argv(u.kids[i].argv);
    }
    s_rmrun(&u);
free_inputs:
    for (size_t i = 0; i < ninputs; i++)
        free(inputs[i]);
    free(inputs);
    return rc;
}
