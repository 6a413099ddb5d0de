/* main.c - parley-fetcher: configuration and start-up; the service lives in fetcher.c. */
#include <stddef.h>

#include "fetcher.h"
#include "pl_daemon.h"

static const struct pl_cfg_key keys[] = {
    {"work.bind", PL_CFG_STRING, offsetof(struct fetcher_config, work_bind), 1, 1024, 0, 0,
     "tcp://*:5555", "endpoint where extractors connect for work", pl_cfg_check_endpoint},
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

int main(int argc, char **argv)
{
    struct pl_common_cfg common = {0};
    struct fetcher_config cfg = {0};
    struct pl_cfg_section own[] = {{keys, sizeof keys / sizeof keys[0], &cfg}};
    struct pl_daemon_spec spec = {
        .name = "fetcher",
        .summary = "Takes in news articles and hands them to extractors under leases.",
        .details = "Sockets: work (ROUTER, bind) - extractors connect, offer credit with READY\n"
                   "and receive TASKs. Article sources are not built yet.",
        .common = &common,
        .own = own,
        .nown = 1,
        .run = run,
    };
    spec.arg = &spec;
    return pl_daemon_main(argc, argv, &spec);
}
