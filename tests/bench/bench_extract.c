/* bench_extract.c - throughput of the extraction function on one core.
 *
 *   bench_extract [--mb N] [--size BYTES] [--seed S] [--dict DIR] [DIR_OF_ARTICLES]
 *
 * Generates N megabytes of the deterministic corpus (or reads every file of a folder), codes
 * it with one thread, and prints one line of key=value results: dictionary load time, text
 * MB/s, articles/s, sentences/s, mentions and peak resident memory. Only extraction is
 * timed; generating and parsing the articles is not. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "corpus.h"
#include "extract.h"
#include "pl_article_file.h"
#include "pl_util.h"

static struct pl_article *s_load_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(69);
    }
    struct pl_article *arts = NULL;
    size_t cap = 0;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        struct pl_buf b;
        pl_buf_init(&b);
        char chunk[65536];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
            pl_buf_append(&b, chunk, k);
        fclose(f);
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            arts = pl_xrealloc(arts, cap * sizeof *arts);
        }
        size_t rep;
        char why[128];
        if (pl_article_parse(b.data ? b.data : "", b.len, NULL, &arts[*n], &rep, why, sizeof why) ==
            0)
            (*n)++;
        pl_buf_release(&b);
    }
    closedir(d);
    return arts;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"mb", required_argument, NULL, 'm'},
                                         {"size", required_argument, NULL, 's'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"dict", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    uint64_t mb = 20, size = 4096, seed = 1;
    const char *dict = PARLEY_DATA_DIR;
    int c;
    while ((c = getopt_long(argc, argv, "m:s:S:d:", opts, NULL)) != -1) {
        uint64_t v = 0;
        switch (c) {
        case 'm':
        case 's':
        case 'S':
            if (pl_parse_u64(optarg, 1, UINT64_C(1) << 40, &v) != 0) {
                fprintf(stderr, "bench_extract: bad number '%s'\n", optarg);
                return 64;
            }
            *(c == 'm' ? &mb : c == 's' ? &size : &seed) = v;
            break;
        case 'd':
            dict = optarg;
            break;
        default:
            fprintf(stderr,
                    "usage: bench_extract [--mb N] [--size B] [--seed S] [--dict DIR] [DIR]\n");
            return 64;
        }
    }

    int64_t t0 = pl_now_ms();
    struct lexicon *lex = lexicon_load(dict);
    int64_t load_ms = pl_now_ms() - t0;
    if (!lex)
        return 69;

    size_t n = 0;
    struct pl_article *arts;
    if (optind < argc) {
        arts = s_load_dir(argv[optind], &n);
    } else {
        size_t cap = (size_t)(mb * 1024 * 1024 / size) + 1;
        arts = pl_xcalloc(cap, sizeof *arts);
        uint64_t bytes = 0;
        struct pl_buf b;
        pl_buf_init(&b);
        while (bytes < mb * 1024 * 1024 && n < cap) {
            pl_buf_clear(&b);
            corpus_article(seed, n, (size_t)size, 100, &b);
            size_t rep;
            char why[128];
            if (pl_article_parse(b.data, b.len, NULL, &arts[n], &rep, why, sizeof why) != 0)
                return 70;
            bytes += strlen(arts[n].text);
            n++;
        }
        pl_buf_release(&b);
    }

    uint64_t bytes = 0, mentions = 0, sentences = 0;
    struct timespec a, z;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (size_t i = 0; i < n; i++) {
        struct extract_result r;
        char why[128];
        if (extract_article(lex, &arts[i], "bench", &r, why, sizeof why) != 0)
            continue;
        bytes += strlen(arts[i].text);
        mentions += r.n;
        sentences += r.sentences;
        extract_result_release(&r);
    }
    clock_gettime(CLOCK_MONOTONIC, &z);
    double secs = (double)(z.tv_sec - a.tv_sec) + (double)(z.tv_nsec - a.tv_nsec) / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("articles=%zu text_mb=%.2f seconds=%.3f mb_per_s=%.1f articles_per_s=%.0f "
           "sentences_per_s=%.0f mentions=%llu dict_load_ms=%lld peak_rss_mb=%.1f\n",
           n, (double)bytes / 1e6, secs, (double)bytes / 1e6 / secs, (double)n / secs,
           (double)sentences / secs, (unsigned long long)mentions, (long long)load_ms,
           (double)ru.ru_maxrss / 1024.0);
    for (size_t i = 0; i < n; i++)
        pl_article_release(&arts[i]);
    free(arts);
    lexicon_destroy(&lex);
    return 0;
}
