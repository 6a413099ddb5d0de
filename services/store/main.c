/* main.c - parley-store: configuration and start-up; the service lives in store.c. */
#include <stddef.h>

#include "pl_daemon.h"
#include "store.h"

#define EP(key, field, def, help)                                                                  \
    {                                                                                              \
        key, PL_CFG_STRING, offsetof(struct store_config, field), 1, 1024, 0, 0, def, help,        \
            pl_cfg_check_endpoint                                                                  \
    }

static const struct pl_cfg_key keys[] = {
    EP("ingest.bind", ingest_bind, "tcp://*:5556", "endpoint where extractors send mentions"),
    EP("live.bind", live_bind, "tcp://*:5557", "endpoint of the live event stream (PUB)"),
    EP("replay.bind", replay_bind, "tcp://*:5558", "endpoint for replay and queries"),
    {"live.heartbeat_ms", PL_CFG_INT, offsetof(struct store_config, heartbeat_ms), 100, 60000, 0, 0,
     "1000", "interval of heartbeats (with the head seq) on the live stream", NULL},
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
                   "subscribers, replay (ROUTER, bind) for replay and queries. The database\n"
                   "backend is not built yet: EVENTS are refused with ERR.",
        .common = &common,
        .own = own,
        .nown = 1,
        .run = run,
    };
    spec.arg = &spec;
    return pl_daemon_main(argc, argv, &spec);
}
