/* main.c - parley: the command-line client; each subcommand lives in its own module. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

#define EX_OK    0
#define EX_USAGE 64

struct command {
    const char *name;  /* subcommand */
    const char *usage; /* synopsis */
    const char *what;  /* one line */
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"up", "up [--extractors N] [--data DIR] [--once] [PATH|URL ...]",
     "run the whole pipeline locally and show events as they arrive", cmd_up},
    {"tail", "tail [--since N | --from-start] [--actor CODE] [--country ISO3] [--cameo PREFIX]",
     "follow the live event stream, resumably", cmd_tail},
    {"query", "query [filters] [--endpoint EP | --db PATH]", "search stored events", cmd_query},
    {"export", "export --format jsonl|csv [--gdelt]", "export stored events", cmd_export},
    {"extract", "extract [--dict DIR] FILE...|-",
     "code articles offline, one JSON mention per line", cmd_extract},
    {"dead", "dead [--data DIR] [--retry ID | --retry-all]",
     "list the articles the fetcher gave up on, and why", cmd_dead},
    {"keygen", "keygen NAME [--dir DIR]", "write a CURVE key pair", cmd_keygen},
    {"ping", "ping ENDPOINT", "check that a fetcher answers (health checks)", cmd_ping},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void s_usage(FILE *out)
{
    fprintf(out, "usage: parley COMMAND [ARGS]\n\n"
                 "News articles in, political event records (CAMEO/PLOVER) out.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].what);
    fprintf(out, "\n  parley COMMAND --help   shows a command's options\n"
                 "  parley --version        prints the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        s_usage(stderr);
        return EX_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        s_usage(stdout);
        return EX_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("parley %s\n", PARLEY_VERSION);
        return EX_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "parley: unknown command '%s'\n\n", argv[1]);
    s_usage(stderr);
    return EX_USAGE;
}
