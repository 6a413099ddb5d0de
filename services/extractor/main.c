/* main.c - parley-extractor: configuration and start-up; the service lives in extractor.c. */
#include <stddef.h>

#include "extractor.h"
#include "pl_daemon.h"
#include "pl_log.h"

static const struct pl_cfg_key keys[] = {
    {"work.connect", PL_CFG_STRING, offsetof(struct extractor_config, work_connect), 1, 1024, 0, 0,
     "tcp://localhost:5555", "the fetcher's work endpoint", pl_cfg_check_endpoint},
    {"ingest.connect", PL_CFG_STRING, offsetof(struct extractor_config, ingest_connect), 1, 1024, 0,
     0, "tcp://localhost:5556", "the store's ingest endpoint", pl_cfg_check_endpoint},
    {"work.credit", PL_CFG_INT, offsetof(struct extractor_config, credit), 1, 64, 0, 0, "64",
     "articles taken at once (each one in flight is redelivered if this extractor dies)", NULL},
    {"work.ready_ms", PL_CFG_INT, offsetof(struct extractor_config, ready_ms), 100, 60000, 0, 0,
     "1000",
     "send READY (the credit, and a sign of life) to the fetcher this often; the fetcher's "
     "fetcher.worker_timeout_ms must be several times longer",
     NULL},
    {"work.server_key", PL_CFG_STRING, offsetof(struct extractor_config, work_server_key), 0, 256,
     0, 0, "", "with curve.enabled: the fetcher's public key (Z85)", pl_cfg_check_curve_key},
    {"ingest.server_key", PL_CFG_STRING, offsetof(struct extractor_config, ingest_server_key), 0,
     256, 0, 0, "", "with curve.enabled: the store's public key (Z85)", pl_cfg_check_curve_key},
    {"extract.dict_dir", PL_CFG_STRING, offsetof(struct extractor_config, dict_dir), 0, 4096, 0, 0,
     "",
     "folder of the dictionaries (data/README.md), empty for $PARLEY_DATA or the one parley was "
     "built with; SIGHUP reloads it",
     NULL},
    {"ingest.timeout_ms", PL_CFG_INT, offsetof(struct extractor_config, ingest_timeout_ms), 100,
     600000, 0, 0, "10000", "wait this long for the store's OK before sending EVENTS again", NULL},
    {"ingest.retries", PL_CFG_INT, offsetof(struct extractor_config, ingest_retries), 0, 100, 0, 0,
     "3",
     "resends every ingest.timeout_ms without the store's OK; then less and less often (twice "
     "as long each time, up to a minute)",
     NULL},
    {"ingest.hold_ms", PL_CFG_INT, offsetof(struct extractor_config, ingest_hold_ms), 0, 604800000,
     0, 0, "3600000",
     "how long from its first sending an article the store has not acknowledged keeps its lease "
     "(HOLD to the fetcher every half lease: no attempt counted), before it is left to the "
     "lease; 0: never held",
     NULL},
};

static int run(void *arg, int sigfd)
{
    const struct pl_daemon_spec *spec = arg;
    const struct extractor_config *cfg = spec->own[0].base;
    if (spec->common->curve.enabled && (!*cfg->work_server_key || !*cfg->ingest_server_key)) {
        pl_log_error("curve.enabled needs work.server_key (the fetcher's public key) and "
                     "ingest.server_key (the store's)");
        return PL_EX_CONFIG;
    }
    struct extractor *x = extractor_new(spec->own[0].base, &spec->common->zmq);
    if (!x)
        return PL_EX_UNAVAILABLE;
    int rc = extractor_run(x, sigfd);
    extractor_destroy(&x);
    return rc == 0 ? PL_EX_OK : PL_EX_SOFTWARE;
}

int main(int argc, char **argv)
{
    struct pl_common_cfg common = {0};
    struct extractor_config cfg = {0};
    struct pl_cfg_section own[] = {{keys, sizeof keys / sizeof keys[0], &cfg}};
    struct pl_daemon_spec spec = {
        .name = "extractor",
        .summary = "Codes news articles into CAMEO/PLOVER event mentions.",
        .details = "Sockets: work (DEALER, connect to the fetcher) and ingest (DEALER, connect\n"
                   "to the store). Run as many as you like. SIGHUP reloads the dictionaries.",
        .common = &common,
        .own = own,
        .nown = 1,
        .run = run,
    };
    spec.arg = &spec;
    return pl_daemon_main(argc, argv, &spec);
}
