/* cmd_dead.c - parley dead: the articles the fetcher gave up on, and why; retrying them. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "outbox.h"
#include "pl_base.h"
#include "pl_schema.h"
#include "pl_util.h"

#define EX_OK          0
#define EX_USAGE       64
#define EX_DATAERR     65
#define EX_UNAVAILABLE 69

static const char *const usage =
    "usage: parley dead [--data DIR | --outbox PATH] [--limit N] [--all] [--format table|jsonl]\n"
    "       parley dead [--data DIR | --outbox PATH] --retry ID | --retry-all\n"
    "\n"
    "Lists the dead letters of the fetcher's outbox: inputs that could not be taken in (a\n"
    "page that is gone, a file over the size limit) and articles that failed every attempt\n"
    "(refused by the extractors, or their leases ran out), newest first, with the reason.\n"
    "--retry puts a dead article back to pending with its attempts reset (the running fetcher\n"
    "picks it up); inputs that never became an article cannot be retried.\n"
    "\n"
    "  --data DIR     the fetcher's data folder (default parley-data): DIR/outbox.db\n"
    "  --outbox PATH  the outbox database itself\n"
    "  --limit N      at most N rows (default 100)\n"
    "  --all          every article, whatever its state, not only the dead ones\n"
    "  --format F     table (default) or jsonl\n"
    "\n"
    "examples:\n"
    "  parley dead\n"
    "  parley dead --data /var/lib/parley --format jsonl\n"
    "  parley dead --retry-all\n"
    "\n"
    "exit status: 0 ok, 64 usage, 65 --retry ID names no dead article that can be retried,\n"
    "69 no outbox there\n";

struct listing {
    bool jsonl;
    unsigned long n;
    struct pl_buf line;
};

static int s_row(const struct outbox_row *r, void *arg)
{
    struct listing *l = arg;
    l->n++;
    if (l->jsonl) {
        pl_buf_clear(&l->line);
        pl_buf_puts(&l->line, "{\"id\":");
        pl_json_string(&l->line, r->id, strlen(r->id));
        pl_buf_printf(&l->line, ",\"state\":\"%s\",\"attempts\":%u", outbox_state_name(r->state),
                      r->attempts);
        const char *keys[] = {"src", "url", "title", "reason", "updated_at"};
        const char *vals[] = {r->src, r->url, r->title, r->reason, r->updated_at};
        for (size_t i = 0; i < 5; i++) {
            if (!vals[i])
                continue;
            pl_buf_printf(&l->line, ",\"%s\":", keys[i]);
            pl_json_string(&l->line, vals[i], strlen(vals[i]));
        }
        pl_buf_puts(&l->line, "}\n");
        fwrite(l->line.data, 1, l->line.len, stdout);
        return 0;
    }
    printf("%-20.20s  %-7s  %2u  %.32s  %s\n        %s\n", r->updated_at ? r->updated_at : "-",
           outbox_state_name(r->state), r->attempts, r->id,
           r->src ? r->src : (r->url ? r->url : "-"), r->reason ? r->reason : "");
    return 0;
}

int cmd_dead(int argc, char **argv)
{
    const char *data = "parley-data", *path = NULL, *retry = NULL;
    bool all = false, retry_all = false, jsonl = false;
    uint64_t limit = 100;
    static const struct option lopts[] = {{"data", required_argument, NULL, 'd'},
                                          {"outbox", required_argument, NULL, 'o'},
                                          {"limit", required_argument, NULL, 'n'},
                                          {"all", no_argument, NULL, 'a'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"retry", required_argument, NULL, 'r'},
                                          {"retry-all", no_argument, NULL, 'R'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'o':
            path = optarg;
            break;
        case 'n':
            if (pl_parse_u64(optarg, 1, UINT32_MAX, &limit) != 0) {
                fprintf(stderr, "parley dead: --limit must be a positive number\n");
                return EX_USAGE;
            }
            break;
        case 'a':
            all = true;
            break;
        case 'f':
            if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
                jsonl = true;
            else if (strcmp(optarg, "table") != 0) {
                fprintf(stderr, "parley dead: --format must be table or jsonl\n");
                return EX_USAGE;
            }
            break;
        case 'r':
            retry = optarg;
            break;
        case 'R':
            retry_all = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return EX_OK;
        default:
            fputs(usage, stderr);
            return EX_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "parley dead: unexpected argument '%s'\n\n%s", argv[optind], usage);
        return EX_USAGE;
    }
    if (retry && retry_all) {
        fprintf(stderr, "parley dead: --retry and --retry-all exclude each other\n");
        return EX_USAGE;
    }
    char file[PATH_MAX + 16];
    snprintf(file, sizeof file, "%s/outbox.db", data);
    if (path)
        snprintf(file, sizeof file, "%s", path);
    if (access(file, F_OK) != 0) {
        fprintf(stderr, "parley dead: no outbox at %s (--data names the fetcher's data folder)\n",
                file);
        return EX_UNAVAILABLE;
    }
    char err[1024];
    bool writing = retry || retry_all;
    struct outbox *ob = outbox_open(file, !writing, err, sizeof err);
    if (!ob) {
        fprintf(stderr, "parley dead: %s\n", err);
        return EX_UNAVAILABLE;
    }
    int rc = EX_OK;
    if (writing) {
        int64_t n = outbox_retry_dead(ob, retry);
        if (n < 0) {
            fprintf(stderr, "parley dead: %s\n", outbox_errmsg(ob));
            rc = EX_UNAVAILABLE;
        } else {
            printf("%lld article%s back to pending\n", (long long)n, n == 1 ? "" : "s");
            if (retry && n == 0) {
                fprintf(stderr, "parley dead: %s is not a dead article that can be retried\n",
                        retry);
                rc = EX_DATAERR;
            }
        }
        outbox_close(&ob);
        return rc;
    }
    struct listing l = {.jsonl = jsonl};
    pl_buf_init(&l.line);
    if (!jsonl)
        printf("%-20s  %-7s  %2s  %-32s  %s\n        %s\n", "when", "state", "n", "article",
               "source", "reason");
    if (outbox_list(ob, all ? -1 : OUTBOX_DEAD, (uint32_t)limit, s_row, &l) != 0) {
        fprintf(stderr, "parley dead: %s\n", outbox_errmsg(ob));
        rc = EX_UNAVAILABLE;
    }
    struct outbox_counts cnt;
    if (rc == EX_OK && outbox_counts(ob, &cnt) == 0)
        fprintf(stderr,
                "parley dead: %lu shown; outbox: %llu pending, %llu leased, %llu done, "
                "%llu dead\n",
                l.n, (unsigned long long)cnt.pending, (unsigned long long)cnt.leased,
                (unsigned long long)cnt.done, (unsigned long long)cnt.dead);
    pl_buf_release(&l.line);
    outbox_close(&ob);
    return rc;
}
