/* cmd_extract.c - parley extract: codes article files offline and prints one JSON mention
 * per line (the proto JSON rendering), so the output can be piped into jq, a scorer or a
 * file. Progress and a summary go to stderr. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "extract.h"
#include "pl_article_file.h"
#include "pl_util.h"

static const char *const usage =
    "usage: parley extract [--dict DIR] [--quiet] [--explain] FILE... | -\n"
    "\n"
    "Codes news articles into CAMEO/PLOVER event mentions and prints one JSON object per\n"
    "line on stdout. A file may start with a header block of 'key: value' lines (url,\n"
    "outlet, published, title) closed by a line '---'. With '-' articles are read from\n"
    "stdin, separated by form feeds.\n"
    "\n"
    "  --dict DIR   load the dictionaries from DIR instead of the bundled ones\n"
    "               (default: $PARLEY_DATA, else the data folder parley was built with)\n"
    "  --quiet      no summary on stderr\n"
    "  --explain    say on stderr what each sentence held: actor phrases and their codes,\n"
    "               dates, and the patterns that matched (or why they coded nothing)\n"
    "\n"
    "examples:\n"
    "  parley extract article.txt\n"
    "  parley extract --dict mydata/ news/*.txt > mentions.jsonl\n"
    "  curl -s https://example.org/story | parley extract -\n"
    "\n"
    "exit status: 0 all articles read, 65 some could not be read, 69 no dictionaries,\n"
    "64 usage\n";

struct run {
    struct lexicon *lex;
    FILE *explain;
    unsigned long articles, failed, mentions;
    struct pl_buf line;
};

static void s_one(struct run *r, const char *name, const char *buf, size_t len,
                  const char *default_url)
{
    struct pl_article a;
    size_t repaired = 0;
    char why[256];
    r->articles++;
    if (pl_article_parse(buf, len, default_url, &a, &repaired, why, sizeof why) != 0) {
        fprintf(stderr, "parley extract: %s: %s\n", name, why);
        r->failed++;
        return;
    }
    if (repaired)
        fprintf(stderr, "parley extract: %s: repaired %zu bytes that were not UTF-8\n", name,
                repaired);
    struct extract_result res;
    if (extract_article_explain(r->lex, &a, EXTRACT_VERSION, &res, why, sizeof why, r->explain) !=
        0) {
        fprintf(stderr, "parley extract: %s: %s\n", name, why);
        r->failed++;
        pl_article_release(&a);
        return;
    }
    for (size_t i = 0; i < res.n; i++) {
        pl_buf_clear(&r->line);
        pl_mention_to_json(&res.mentions[i], &r->line);
        pl_buf_putc(&r->line, '\n');
        fwrite(r->line.data, 1, r->line.len, stdout);
    }
    r->mentions += res.n;
    extract_result_release(&res);
    pl_article_release(&a);
}

static int s_read_all(FILE *f, struct pl_buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b->len + n > (size_t)PL_MAX_TEXT_BYTES * 2) {
            errno = EFBIG;
            return -1;
        }
        pl_buf_append(b, chunk, n);
    }
    return ferror(f) ? -1 : 0;
}

const char *cli_data_dir(const char *flag)
{
    if (flag)
        return flag;
    const char *env = getenv("PARLEY_DATA");
    if (env && *env)
        return env;
    return PARLEY_DATA_DIR;
}

int cmd_extract(int argc, char **argv)
{
    static const struct option opts[] = {{"dict", required_argument, NULL, 'd'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"explain", no_argument, NULL, 'x'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dict = NULL;
    bool quiet = false, explain = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:qxh", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dict = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'x':
            explain = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 64;
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return 64;
    }
    int64_t t0 = pl_now_ms();
    struct run r = {0};
    r.lex = lexicon_load(cli_data_dir(dict));
    if (!r.lex) {
        fprintf(stderr, "parley extract: cannot load the dictionaries from '%s'\n",
                cli_data_dir(dict));
        return 69;
    }
    int64_t t1 = pl_now_ms();
    r.explain = explain ? stderr : NULL;
    pl_buf_init(&r.line);
    for (int i = optind; i < argc; i++) {
        struct pl_buf b;
        pl_buf_init(&b);
        bool in = !strcmp(argv[i], "-");
        FILE *f = in ? stdin : fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "parley extract: cannot open '%s': %s\n", argv[i], strerror(errno));
            r.articles++;
            r.failed++;
            continue;
        }
        if (s_read_all(f, &b) != 0) {
            fprintf(stderr, "parley extract: cannot read '%s': %s\n", argv[i], strerror(errno));
            r.articles++;
            r.failed++;
        } else if (in) {
            /* form feeds separate articles on stdin */
            size_t a = 0;
            for (size_t k = 0; k <= b.len; k++) {
                if (k == b.len || b.data[k] == '\f') {
                    if (k > a)
                        s_one(&r, "stdin", b.data + a, k - a, NULL);
                    a = k + 1;
                }
            }
        } else {
            char *url = pl_file_url(argv[i]);
            s_one(&r, argv[i], b.data ? b.data : "", b.len, url);
            free(url);
        }
        if (!in)
            fclose(f);
        pl_buf_release(&b);
    }
    fflush(stdout);
    if (!quiet)
        fprintf(stderr,
                "parley extract: %lu mentions from %lu articles (%lu failed); dictionaries "
                "%lld ms, extraction %lld ms\n",
                r.mentions, r.articles, r.failed, (long long)(t1 - t0),
                (long long)(pl_now_ms() - t1));
    pl_buf_release(&r.line);
    lexicon_destroy(&r.lex);
    return r.failed ? 65 : 0;
}
