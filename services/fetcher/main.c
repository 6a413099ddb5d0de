/* main.c - parley-fetcher: configuration and start-up; the service lives in fetcher.c. */
#include <stddef.h>
#include <stdio.h>

#include "fetcher.h"
#include "pl_daemon.h"

#define OFF(f) offsetof(struct fetcher_config, f)

static const struct pl_cfg_key keys[] = {
    {"work.bind", PL_CFG_STRING, OFF(work_bind), 1, 1024, 0, 0, "tcp://*:5555",
     "endpoint where extractors connect for work", pl_cfg_check_endpoint},
    {"fetcher.data_dir", PL_CFG_STRING, OFF(data_dir), 1, 4096, 0, 0, "parley-data",
     "folder of the outbox (outbox.db), made when missing", NULL},
    {"fetcher.lease_ms", PL_CFG_INT, OFF(lease_ms), 100, 86400000, 0, 0, "60000",
     "an extractor has this long to finish a task before it goes to another", NULL},
    {"fetcher.max_attempts", PL_CFG_INT, OFF(max_attempts), 1, 1000, 0, 0, "3",
     "deliveries (refusals and expired leases) before an article is dead", NULL},
    {"fetcher.intake_hwm", PL_CFG_INT, OFF(intake_hwm), 1, 10000000, 0, 0, "1000",
     "stop taking in new articles while this many wait for an extractor", NULL},
    {"fetcher.worker_timeout_ms", PL_CFG_INT, OFF(worker_timeout_ms), 500, 3600000, 0, 0, "10000",
     "forget an extractor silent this long and hand its tasks back", NULL},
    {"fetcher.status_s", PL_CFG_INT, OFF(status_s), 0, 86400, 0, 0, "10",
     "log a status line (pending, leased, done, dead, rate) this often; 0 never", NULL},
    {"fetcher.once", PL_CFG_BOOL, OFF(once), 0, 0, 0, 0, "false",
     "exit 0 when every input is read and every article is done or dead", NULL},
    {"sources.inputs", PL_CFG_LIST, OFF(inputs), 1, 4096, 0, 0, "",
     "files, folders, \"-\" (stdin) and http(s) URLs of pages or feeds (\"URL every=SECONDS\" "
     "sets a feed's interval); the command line's operands are added",
     NULL},
    {"sources.watch", PL_CFG_BOOL, OFF(watch), 0, 0, 0, 0, "false",
     "keep watching the folders for new files (inotify)", NULL},
    {"sources.feed_interval_s", PL_CFG_INT, OFF(feed_interval_s), 10, 604800, 0, 0, "300",
     "poll each feed this often", NULL},
    {"http.user_agent", PL_CFG_STRING, OFF(user_agent), 1, 512, 0, 0,
     "parley/" PARLEY_VERSION " (news event coder)", "User-Agent of every request", NULL},
    {"http.robots", PL_CFG_BOOL, OFF(robots), 0, 0, 0, 0, "true",
     "respect robots.txt (the product token is \"parley\")", NULL},
    {"http.timeout_ms", PL_CFG_INT, OFF(http_timeout_ms), 100, 600000, 0, 0, "30000",
     "a whole transfer, redirects included", NULL},
    {"http.connect_timeout_ms", PL_CFG_INT, OFF(http_connect_ms), 100, 120000, 0, 0, "10000",
     "setting up a connection", NULL},
    {"http.max_bytes", PL_CFG_INT, OFF(http_max_bytes), 1024, 268435456, 0, 0, "10485760",
     "largest page or feed (after decompression); also the limit for HTML files", NULL},
    {"http.max_redirects", PL_CFG_INT, OFF(http_max_redirects), 0, 50, 0, 0, "5",
     "redirects followed", NULL},
    {"http.per_host", PL_CFG_INT, OFF(http_per_host), 1, 64, 0, 0, "2",
     "transfers at once to one host", NULL},
    {"http.delay_ms", PL_CFG_INT, OFF(http_delay_ms), 0, 600000, 0, 0, "1000",
     "at least this long between two requests to one host (robots.txt Crawl-delay may raise it)",
     NULL},
    {"http.retries", PL_CFG_INT, OFF(http_retries), 0, 20, 0, 0, "3",
     "further tries after a timeout, a lost connection, 429 or 5xx", NULL},
    {"http.backoff_ms", PL_CFG_INT, OFF(http_backoff_ms), 0, 600000, 0, 0, "1000",
     "wait before the first retry; doubles each try", NULL},
    {"http.backoff_max_ms", PL_CFG_INT, OFF(http_backoff_max_ms), 0, 3600000, 0, 0, "60000",
     "longest wait between tries (Retry-After included)", NULL},
};

static int run(void *arg, int sigfd)
{
    const struct pl_daemon_spec *spec = arg;
    struct fetcher *f = fetcher_new(spec->own[0].base, &spec->common->zmq);
    if (!f)
        return PL_EX_UNAVAILABLE;
    int rc = fetcher_run(f, sigfd);
    fetcher_destroy(&f);
    return rc == 0 ? PL_EX_OK : PL_EX_SOFTWARE;
}

static int operands(void *arg, int argc, char **argv)
{
    const struct pl_daemon_spec *spec = arg;
    struct fetcher_config *cfg = spec->own[0].base;
    for (int i = 0; i < argc; i++)
        pl_strlist_add(&cfg->inputs, argv[i]);
    return 0;
}

int main(int argc, char **argv)
{
    struct pl_common_cfg common = {0};
    struct fetcher_config cfg = {0};
    struct pl_cfg_section own[] = {{keys, sizeof keys / sizeof keys[0], &cfg}};
    struct pl_daemon_spec spec = {
        .name = "fetcher",
        .summary = "Takes in news articles and hands them to extractors under leases.",
        .details =
            "Inputs (operands and sources.inputs): files, folders, - for stdin, and http(s)\n"
            "URLs of web pages or RSS/Atom feeds. Text files may start with a header block\n"
            "(url:, title:, published:, outlet:, lang: lines closed by ---); on stdin a form\n"
            "feed or the next header block starts the next article.\n"
            "\n"
            "Every article is kept in <fetcher.data_dir>/outbox.db before it is offered:\n"
            "pending -> leased -> done, or dead after fetcher.max_attempts (see `parley dead`).\n"
            "\n"
            "Sockets: work (ROUTER, bind) - extractors connect, say READY with their credit\n"
            "and receive TASKs under a lease; DONE or NACK answers each.\n"
            "\n"
            "Examples:\n"
            "  parley-fetcher -c fetcher.cfg articles/\n"
            "  cat dump.txt | parley-fetcher -c fetcher.cfg -\n"
            "  parley-fetcher -c fetcher.cfg 'https://example.org/rss.xml every=120'",
        .common = &common,
        .own = own,
        .nown = 1,
        .run = run,
        .binds = true,
        .operands = "[PATH|-|URL ...]",
        .apply_operands = operands,
    };
    spec.arg = &spec;
    return pl_daemon_main(argc, argv, &spec);
}
