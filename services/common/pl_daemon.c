/* pl_daemon.c - see pl_daemon.h. */
#include "pl_daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pl_log.h"
#include "pl_sig.h"

static const struct pl_cfg_key common_keys[] = {
    {"log.level", PL_CFG_STRING, offsetof(struct pl_common_cfg, log_level), 1, 16, 0, 0, "info",
     "least severe messages logged: error, warn, info or debug", pl_cfg_check_log_level},
};

#define MAX_SECTIONS 8

static size_t s_sections(const struct pl_daemon_spec *spec, struct pl_cfg_section *secs)
{
    size_t n = 0;
    secs[n++] = (struct pl_cfg_section){common_keys, sizeof common_keys / sizeof common_keys[0],
                                        spec->common};
    secs[n++] = (struct pl_cfg_section){pl_sock_cfg_keys, pl_sock_cfg_nkeys, &spec->common->zmq};
    secs[n++] =
        (struct pl_cfg_section){pl_curve_cfg_keys, pl_curve_cfg_nkeys, &spec->common->curve};
    if (spec->nown > MAX_SECTIONS - n) {
        fprintf(stderr, "parley-%s: too many config sections\n", spec->name);
        abort(); /* a programming error, found the first time the daemon starts */
    }
    for (size_t i = 0; i < spec->nown; i++)
        secs[n++] = spec->own[i];
    return n;
}

static void s_usage(const struct pl_daemon_spec *spec, FILE *out)
{
    fprintf(out,
            "usage: parley-%s [-c FILE] [-n] [-v] [-q] [-K] [-h]%s%s\n"
            "\n%s\n\n"
            "  -c FILE  read the configuration from FILE (libconfig syntax); without it the\n"
            "           built-in defaults apply\n"
            "  -n       check the configuration, print \"config ok\" and exit (0 ok, 78 bad)\n"
            "  -v       log more (debug); -q logs only warnings and errors\n"
            "  -K       print every configuration key as a Markdown table and exit\n"
            "  -h       show this help\n",
            spec->name, spec->operands ? " " : "", spec->operands ? spec->operands : "",
            spec->summary);
    if (spec->details)
        fprintf(out, "\n%s\n", spec->details);
    fprintf(out,
            "\nSIGTERM or SIGINT stops it cleanly (exit 0). Exit codes: 64 usage, 69 a socket\n"
            "could not be bound or connected, 70 internal error, 78 bad configuration.\n"
            "parley %s\n",
            PARLEY_VERSION);
}

int pl_daemon_on_signal(struct pl_loop *loop, int fd, void *arg)
{
    (void)arg;
    int sig = pl_sig_read(fd);
    if (sig == SIGTERM || sig == SIGINT) {
        pl_log_info("stopping signal=%s", sig == SIGTERM ? "TERM" : "INT");
        pl_loop_stop(loop);
    } else if (sig == SIGHUP) {
        pl_log_info("ignoring signal=HUP (nothing to reload yet)");
    }
    return 0;
}

int pl_daemon_main(int argc, char **argv, const struct pl_daemon_spec *spec)
{
    const char *path = NULL;
    int check = 0, verbose = 0, quiet = 0, describe = 0;
    int opt;
    while ((opt = getopt(argc, argv, "c:nvqKh")) != -1) {
        switch (opt) {
        case 'c':
            path = optarg;
            break;
        case 'n':
            check = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'K':
            describe = 1;
            break;
        case 'h':
            s_usage(spec, stdout);
            return PL_EX_OK;
        default:
            s_usage(spec, stderr);
            return PL_EX_USAGE;
        }
    }
    if (optind < argc && !spec->apply_operands) {
        fprintf(stderr, "parley-%s: unexpected argument '%s'\n", spec->name, argv[optind]);
        s_usage(spec, stderr);
        return PL_EX_USAGE;
    }

    struct pl_cfg_section secs[MAX_SECTIONS];
    size_t nsecs = s_sections(spec, secs);
    pl_cfg_defaults(secs, nsecs);
    if (describe) {
        pl_cfg_describe(secs, nsecs, stdout);
        pl_cfg_release(secs, nsecs);
        return PL_EX_OK;
    }
    if (path && pl_cfg_load(secs, nsecs, path) != 0) {
        pl_cfg_release(secs, nsecs);
        return PL_EX_CONFIG;
    }
    spec->common->zmq.curve = &spec->common->curve;
    const char *curve_problem = pl_curve_problem(&spec->common->curve, spec->binds);
    if (curve_problem) {
        fprintf(stderr, "%s:0: %s\n", path ? path : "(defaults)", curve_problem);
        pl_cfg_release(secs, nsecs);
        return PL_EX_CONFIG;
    }
    if (spec->apply_operands &&
        spec->apply_operands(spec->arg, argc - optind, argv + optind) != 0) {
        pl_cfg_release(secs, nsecs);
        return PL_EX_USAGE;
    }
    if (check) {
        printf("%s: config ok\n", path ? path : "(defaults)");
        pl_cfg_release(secs, nsecs);
        return PL_EX_OK;
    }

    enum pl_log_level level = PL_LOG_INFO;
    if (pl_log_parse_level(spec->common->log_level, &level) != 0)
        level = PL_LOG_INFO; /* cannot happen: the config check accepted it */
    if (verbose)
        level = PL_LOG_DEBUG;
    else if (quiet)
        level = PL_LOG_WARN;
    pl_log_init(spec->name, level);

    /* Before any ZeroMQ context exists, so its threads inherit the blocked mask. */
    int sigfd = pl_sig_open();
    if (sigfd < 0) {
        pl_cfg_release(secs, nsecs);
        return PL_EX_SOFTWARE;
    }
    struct pl_buf line;
    pl_buf_init(&line);
    pl_cfg_format(secs, nsecs, &line);
    pl_log_info("starting version=%s config=%s %s", PARLEY_VERSION, path ? path : "(defaults)",
                line.data);
    pl_buf_release(&line);

    int code = spec->run(spec->arg, sigfd);
    pl_sig_close(&sigfd);
    pl_cfg_release(secs, nsecs);
    return code;
}
