/* cmd_ping.c - parley ping: is a daemon's socket answering? For health checks. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "cmds.h"
#include "pl_msg.h"
#include "pl_sock.h"
#include "pl_util.h"

#define EX_OK          0
#define EX_USAGE       64
#define EX_UNAVAILABLE 69

static const char *const usage =
    "usage: parley ping [--timeout MS] [--key FILE --server-key KEY] ENDPOINT\n"
    "\n"
    "Sends a heartbeat to a fetcher's work socket (tcp://host:5555) and waits for the answer:\n"
    "exit 0 when it answers within the timeout (default 2000 ms), 69 when not. For container\n"
    "health checks and scripts. With CURVE on, --key and --server-key as for parley tail.\n";

int cmd_ping(int argc, char **argv)
{
    int timeout = 2000;
    const char *keyfile = NULL, *server_key = NULL;
    static const struct option lopts[] = {{"timeout", required_argument, NULL, 't'},
                                          {"key", required_argument, NULL, 'k'},
                                          {"server-key", required_argument, NULL, 'K'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 't':
            if (pl_parse_u64(optarg, 1, 600000, &v) != 0) {
                fprintf(stderr, "parley ping: --timeout must be 1..600000 ms\n");
                return EX_USAGE;
            }
            timeout = (int)v;
            break;
        case 'k':
            keyfile = optarg;
            break;
        case 'K':
            server_key = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return EX_OK;
        default:
            fputs(usage, stderr);
            return EX_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    const char *ep = argv[optind];
    struct cli_curve curve;
    if (cli_curve_load(&curve, keyfile, server_key, "parley ping") != 0)
        return EX_USAGE;
    void *ctx = zmq_ctx_new();
    void *s = cli_connect(ctx, ZMQ_DEALER, ep, timeout, &curve, "parley ping");
    int rc = EX_UNAVAILABLE;
    if (!s)
        goto out;
    struct pl_msg hb = {.cmd = PL_CMD_HB};
    struct pl_buf scratch;
    pl_buf_init(&scratch);
    int64_t t0 = pl_now_ms();
    int sent = pl_msg_send(s, NULL, 0, &hb, &scratch, 0);
    pl_buf_release(&scratch);
    struct pl_frames fr;
    if (sent != 0 || pl_frames_recv(s, &fr, 0) != 0) {
        fprintf(stderr, "parley ping: no answer from %s within %d ms\n", ep, timeout);
        goto out;
    }
    bool ok =
        fr.n >= 1 && zmq_msg_size(&fr.f[0]) == 2 && memcmp(zmq_msg_data(&fr.f[0]), "HB", 2) == 0;
    pl_frames_close(&fr);
    if (!ok) {
        fprintf(stderr, "parley ping: %s answered something other than a heartbeat\n", ep);
        goto out;
    }
    printf("%s answered in %lld ms\n", ep, (long long)(pl_now_ms() - t0));
    rc = EX_OK;
out:
    if (s)
        zmq_close(s);
    if (ctx)
        zmq_ctx_term(ctx);
    return rc;
}
