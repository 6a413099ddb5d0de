/* gen_corpus.c - writes the benchmark corpus (corpus.h) to a folder as article files, for
 * runs of the whole pipeline:
 *   gen_corpus [--articles N] [--size B] [--seed S] [--density dense|news|PCT] DIR
 * dense (the default) is the standard corpus; news has the event rate of real articles. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"
#include "pl_util.h"

int main(int argc, char **argv)
{
    uint64_t n = 1000, size = 4096, seed = 1, pct = 100;
    static const char usage[] =
        "usage: gen_corpus [--articles N] [--size B] [--seed S] [--density dense|news|PCT] DIR\n";
    static const struct option opts[] = {
        {"articles", required_argument, NULL, 'a'}, {"size", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'S'},     {"density", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'd' && strcmp(optarg, "dense") == 0) {
            pct = 100;
            continue;
        }
        if (c == 'd' && strcmp(optarg, "news") == 0) {
            pct = CORPUS_NEWS_PCT;
            continue;
        }
        if (c == 'd' && (pl_parse_u64(optarg, 0, 100, &pct) != 0)) {
            fprintf(stderr, "gen_corpus: --density is dense, news or 0..100\n");
            return 64;
        }
        if (c == 'd')
            continue;
        uint64_t *slot = c == 'a' ? &n : c == 's' ? &size : c == 'S' ? &seed : NULL;
        if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        if (!slot || pl_parse_u64(optarg, 1, UINT32_MAX, slot) != 0) {
            fprintf(stderr, "gen_corpus: bad option (see --help)\n");
            return 64;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return 64;
    }
    const char *dir = argv[optind];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen_corpus: cannot make %s: %s\n", dir, strerror(errno));
        return 73;
    }
    struct pl_buf b, path;
    pl_buf_init(&b);
    pl_buf_init(&path);
    for (uint64_t i = 0; i < n; i++) {
        pl_buf_clear(&b);
        pl_buf_clear(&path);
        corpus_article(seed, i, (size_t)size, (unsigned)pct, &b);
        pl_buf_printf(&path, "%s/%06llu.txt", dir, (unsigned long long)i);
        FILE *fp = fopen(path.data, "w");
        if (!fp || fwrite(b.data, 1, b.len, fp) != b.len || fclose(fp) != 0) {
            fprintf(stderr, "gen_corpus: cannot write %s: %s\n", path.data, strerror(errno));
            return 74;
        }
    }
    pl_buf_release(&b);
    pl_buf_release(&path);
    return 0;
}
