/* main.c - parley-store: configuration and start-up; the service lives in store.c. */
#include <stddef.h>
#include <string.h>

#include "pl_daemon.h"
#include "store.h"

#define EP(key, field, def, help)                                                                  \
    {                                                                                              \
        key, PL_CFG_STRING, offsetof(struct store_config, field), 1, 1024, 0, 0, def, help,        \
            pl_cfg_check_endpoint                                                                  \
    }

static const char *check_backend(const char *v)
{
    return strcmp(v, "sqlite") == 0 || strcmp(v, "postgres") == 0
               ? NULL
               : "must be \"sqlite\" or \"postgres\"";
}

static const struct pl_cfg_key keys[] = {
    EP("ingest.bind", ingest_bind, "tcp://*:5556", "endpoint where extractors send mentions"),
    EP("live.bind", live_bind, "tcp://*:5557", "endpoint of the live event stream (PUB)"),
    EP("replay.bind", replay_bind, "tcp://*:5558", "endpoint for replay and queries"),
    {"live.heartbeat_ms", PL_CFG_INT, offsetof(struct store_config, heartbeat_ms), 100, 60000, 0, 0,
     "1000", "interval of heartbeats (with the head seq) on the live stream", NULL},
    {"store.backend", PL_CFG_STRING, offsetof(struct store_config, backend), 1, 16, 0, 0, "sqlite",
     "database: \"sqlite\" (embedded, one file) or \"postgres\"", check_backend},
    {"store.data_dir", PL_CFG_STRING, offsetof(struct store_config, data_dir), 1, 3000, 0, 0,
     "parley-data", "sqlite: folder of parley.db, created on first start", NULL},
    {"store.conninfo", PL_CFG_STRING, offsetof(struct store_config, conninfo), 0, 4096, 0, 0, "",
     "postgres: libpq connection string, e.g. \"host=db dbname=parley user=parley\" "
     "(connect_timeout 10 s and TCP keepalives unless it sets them)",
     NULL},
    {"store.event_cache", PL_CFG_INT, offsetof(struct store_config, event_cache), 0, 4000000, 0, 0,
     "16384",
     "recently changed events kept decoded in memory, so that merging into them reads "
     "nothing (0: none; events over 4 KB encoded are not kept; at most about 8 KB each)",
     NULL},
};

static int run(void *arg, int sigfd)
{
    const struct pl_daemon_spec *spec = arg;
    struct store *s = store_new(spec->own[0].base, &spec->common->zmq);
    if (!s)
        return PL_EX_UNAVAILABLE;
    int rc = store_run(s, sigfd);
    store_destroy(&s);
    return rc == 0 ? PL_EX_OK : PL_EX_SOFTWARE;
}

int main(int argc, char **argv)
{
    struct pl_common_cfg common = {0};
    struct store_config cfg = {0};
    struct pl_cfg_section own[] = {{keys, sizeof keys / sizeof keys[0], &cfg}};
    struct pl_daemon_spec spec = {
        .name = "store",
        .summary = "Stores event mentions, merges them into events and republishes them.",
        .details = "Sockets: ingest (ROUTER, bind) for extractors, live (PUB, bind) for\n"
                   "subscribers, replay (ROUTER, bind) for replay and queries. Each EVENTS\n"
                   "batch is stored in one transaction (SQLite in WAL mode by default, in\n"
                   "<store.data_dir>/parley.db) and acknowledged with OK after the commit;\n"
                   "mentions of the same (date, source, target, CAMEO code) from different\n"
                   "articles are merged into one event, republished with a new seq on the\n"
                   "live stream (topic ev.<root>.<source country>.<target country>.).",
        .common = &common,
        .own = own,
        .nown = 1,
        .binds = true,
        .run = run,
    };
    spec.arg = &spec;
    return pl_daemon_main(argc, argv, &spec);
}
