/* gen_seeds.c - writes the seed corpora for the fuzz targets: valid records and messages of
 * every kind, and a few broken ones near interesting edges. Run it again after a format
 * change (see tests/fuzz/README.md) and commit its output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pl_msg.h"
#include "pl_record.h"
#include "pl_schema.h"
#include "test_util.h"

static const char *g_root;

static void s_write(const char *target, const char *name, const void *data, size_t len, int prefix)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", g_root, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", g_root, target, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (prefix >= 0)
        fputc(prefix, f);
    fwrite(data, 1, len, f);
    fclose(f);
}

static void s_schema(const char *target, const char *name, const struct pl_schema *s,
                     const void *rec, int prefix)
{
    struct pl_buf b;
    pl_buf_init(&b);
    if (pl_schema_encode(s, rec, true, &b, NULL) != PL_OK) {
        fprintf(stderr, "cannot encode seed %s/%s\n", target, name);
        exit(1);
    }
    s_write(target, name, b.data, b.len, prefix);
    /* a truncated copy and one with a trailing byte start the fuzzer at the edges */
    char cut[256];
    snprintf(cut, sizeof cut, "%s-truncated", name);
    s_write(target, cut, b.data, b.len / 2, prefix);
    pl_buf_putc(&b, (char)0xc0);
    snprintf(cut, sizeof cut, "%s-trailing", name);
    s_write(target, cut, b.data, b.len, prefix);
    pl_buf_release(&b);
}

static void s_msg(const char *name, struct pl_msg *m)
{
    s_schema("msg", name, pl_msg_schema(m->cmd), &m->u, (int)m->cmd);
    pl_msg_release(m);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_seeds CORPUS_DIR\n");
        return 64;
    }
    g_root = argv[1];
    mkdir(g_root, 0755);

    struct pl_article a;
    tu_sample_article(&a);
    s_schema("article", "full", &pl_article_schema, &a, -1);
    free(a.url);
    free(a.title);
    free(a.outlet);
    free(a.lang);
    free(a.published);
    a.url = a.title = a.outlet = a.lang = a.published = NULL;
    s_schema("article", "minimal", &pl_article_schema, &a, -1);
    pl_article_release(&a);

    for (int v = 0; v < 2; v++) {
        struct pl_mention m;
        tu_sample_mention(&m, v);
        s_schema("mention", v ? "month" : "day", &pl_mention_schema, &m, -1);
        pl_mention_release(&m);
        struct pl_event e;
        tu_sample_event(&e, v);
        s_schema("event", v ? "month" : "day", &pl_event_schema, &e, -1);
        pl_event_release(&e);
    }
    static const unsigned char huge[] = {0x82, 0xa1, 'v',  0x01, 0xa1, 'x',
                                         0xdd, 0x7f, 0xff, 0xff, 0xff};
    s_write("article", "huge-count", huge, sizeof huge, -1);
    s_write("mention", "huge-count", huge, sizeof huge, -1);
    s_write("event", "huge-count", huge, sizeof huge, -1);

    char id[] = "8704a36d470d847e8704a36d470d847e";
    struct pl_msg m = {.cmd = PL_CMD_READY};
    m.u.ready.credit = 2;
    m.u.ready.worker = pl_xstrdup("host:1");
    s_msg("ready", &m);
    m = (struct pl_msg){.cmd = PL_CMD_TASK};
    m.u.task.id = pl_xstrdup(id);
    m.u.task.attempt = 1;
    m.u.task.lease_ms = 30000;
    tu_sample_article(&m.u.task.article);
    s_msg("task", &m);
    m = (struct pl_msg){.cmd = PL_CMD_DONE};
    m.u.done.id = pl_xstrdup(id);
    s_msg("done", &m);
    m = (struct pl_msg){.cmd = PL_CMD_NACK};
    m.u.nack.id = pl_xstrdup(id);
    m.u.nack.reason = pl_xstrdup("not UTF-8");
    s_msg("nack", &m);
    m = (struct pl_msg){.cmd = PL_CMD_HOLD};
    m.u.hold.id = pl_xstrdup(id);
    s_msg("hold", &m);
    m = (struct pl_msg){.cmd = PL_CMD_HB};
    m.u.hb.has_head = true;
    m.u.hb.head = 99;
    s_msg("hb", &m);
    m = (struct pl_msg){.cmd = PL_CMD_EVENTS};
    m.u.events.id = pl_xstrdup(id);
    m.u.events.xv = pl_xstrdup("parley-0.1.0");
    m.u.events.n_mentions = 2;
    m.u.events.mentions = pl_xcalloc(2, sizeof(struct pl_mention));
    tu_sample_mention(&m.u.events.mentions[0], 0);
    tu_sample_mention(&m.u.events.mentions[1], 1);
    s_msg("events", &m);
    m = (struct pl_msg){.cmd = PL_CMD_OK};
    m.u.ok.id = pl_xstrdup(id);
    m.u.ok.first_seq = 10;
    m.u.ok.count = 2;
    s_msg("ok", &m);
    m = (struct pl_msg){.cmd = PL_CMD_ERR};
    m.u.err.id = pl_xstrdup(id);
    m.u.err.reason = pl_xstrdup("database is busy");
    s_msg("err", &m);
    m = (struct pl_msg){.cmd = PL_CMD_SINCE};
    m.u.since.seq = 5;
    m.u.since.max = 100;
    m.u.since.has_filter = true;
    m.u.since.filter.cameo = pl_xstrdup("04");
    m.u.since.filter.from = pl_xstrdup("2023-10-01");
    s_msg("since", &m);
    m = (struct pl_msg){.cmd = PL_CMD_QUERY};
    m.u.query.filter.actor = pl_xstrdup("ARMGOV");
    m.u.query.filter.loc_country = pl_xstrdup("IRN");
    m.u.query.limit = 10;
    s_msg("query", &m);
    m = (struct pl_msg){.cmd = PL_CMD_BATCH};
    m.u.batch.n_events = 1;
    m.u.batch.events = pl_xcalloc(1, sizeof(struct pl_event));
    tu_sample_event(&m.u.batch.events[0], 0);
    s_msg("batch", &m);
    m = (struct pl_msg){.cmd = PL_CMD_END};
    m.u.end.head = 10;
    s_msg("end", &m);
    return 0;
}
