/* proto_doc.c - prints the record and message tables of proto/README.md from the schemas
 * that the codec runs on, with one JSON example of each. The test proto_readme_in_sync
 * fails when the README and this output differ; `make docs` rewrites the README part. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pl_msg.h"
#include "pl_record.h"
#include "pl_schema.h"
#include "test_util.h"

static const char *s_type(const struct pl_field *f)
{
    static char buf[64];
    switch (f->type) {
    case PL_FT_STR:
        return "string";
    case PL_FT_U32:
        return "uint";
    case PL_FT_U64:
        return "uint64";
    case PL_FT_F64:
        return "float";
    case PL_FT_BOOL:
        return "bool";
    case PL_FT_OBJ:
        snprintf(buf, sizeof buf, "map (%s)", f->sub->name);
        return buf;
    case PL_FT_ARR:
        snprintf(buf, sizeof buf, "array of %s", f->sub->name);
        return buf;
    default:
        return "?";
    }
}

static const char *s_form(const struct pl_field *f)
{
    if (f->check == pl_check_id)
        return "; lower-case hex, 16-64 digits";
    if (f->check == pl_check_date)
        return "; YYYY, YYYY-MM or YYYY-MM-DD";
    if (f->check == pl_check_timestamp)
        return "; ISO-8601 date or date-time";
    if (f->check == pl_check_cameo)
        return "; 2-4 digits, root 01-20";
    if (f->check == pl_check_root)
        return "; 01-20";
    if (f->check == pl_check_code)
        return "; A-Z, 0-9, _";
    if (f->check)
        return "; see below";
    return "";
}

static void s_limit(const struct pl_field *f, char *buf, size_t n)
{
    switch (f->type) {
    case PL_FT_STR:
        snprintf(buf, n, "%s%llu bytes%s", f->min ? "1.." : "≤ ", (unsigned long long)f->max,
                 s_form(f));
        break;
    case PL_FT_U32:
    case PL_FT_U64:
        snprintf(buf, n, "%llu..%llu", (unsigned long long)f->min, (unsigned long long)f->max);
        break;
    case PL_FT_F64:
        snprintf(buf, n, "%g..%g, finite", f->fmin, f->fmax);
        break;
    case PL_FT_ARR:
        snprintf(buf, n, "≤ %llu entries", (unsigned long long)f->max);
        break;
    default:
        snprintf(buf, n, "-");
    }
}

static void s_rows(const struct pl_schema *s)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const struct pl_field *f = &s->fields[i];
        if (f->type == PL_FT_INLINE) {
            s_rows(f->sub);
            continue;
        }
        char limit[128];
        s_limit(f, limit, sizeof limit);
        printf("| `%s` | %s | %s | %s |\n", f->key, s_type(f), f->required ? "yes" : "no", limit);
    }
}

static void s_table(const char *title, const struct pl_schema *s, bool top)
{
    printf("#### %s\n\n| key | type | required | limit |\n|---|---|---|---|\n", title);
    if (top)
        printf("| `v` | uint | yes | %d (major version) |\n", PL_PROTO_MAJOR);
    s_rows(s);
    printf("\n");
}

static void s_example(char *json)
{
    printf("```json\n%s\n```\n\n", json);
    free(json);
}

static void s_msg_example(struct pl_msg *m)
{
    s_example(tu_msg_json(m));
    pl_msg_release(m);
}

int main(void)
{
    printf("### Records\n\n");
    s_table("article", &pl_article_schema, true);
    struct pl_article a;
    tu_sample_article(&a);
    struct pl_buf b;
    pl_buf_init(&b);
    pl_article_to_json(&a, &b);
    s_example(pl_buf_detach(&b, NULL));
    pl_article_release(&a);

    s_table("mention", &pl_mention_schema, true);
    struct pl_mention m;
    tu_sample_mention(&m, 0);
    s_example(tu_mention_json(&m));
    pl_mention_release(&m);

    s_table("event", &pl_event_schema, true);
    struct pl_event e;
    tu_sample_event(&e, 0);
    s_example(tu_event_json(&e));
    pl_event_release(&e);

    printf("### Parts of records\n\n");
    s_table("actor (`source`, `target`)", &pl_actor_schema, false);
    s_table("article_ref (`article`, `articles[]`)", &pl_article_ref_schema, false);
    const struct pl_schema *coding = NULL;
    for (size_t i = 0; i < pl_mention_schema.nfields; i++)
        if (pl_mention_schema.fields[i].type == PL_FT_INLINE)
            coding = pl_mention_schema.fields[i].sub;
    for (size_t i = 0; coding && i < coding->nfields; i++) {
        const struct pl_field *f = &coding->fields[i];
        if ((f->type == PL_FT_OBJ || f->type == PL_FT_ARR) && f->sub != &pl_actor_schema) {
            char title[64];
            snprintf(title, sizeof title, "%s (`%s`)", f->sub->name, f->key);
            s_table(title, f->sub, false);
        }
    }

    printf("### Messages\n\nEach table is the body frame that follows the command frame.\n\n");
    char id[] = "8704a36d470d847e8704a36d470d847e";
    for (int c = PL_CMD_READY; c < PL_CMD_COUNT_; c++) {
        const struct pl_schema *s = pl_msg_schema((enum pl_cmd)c);
        s_table(s->name, s, true);
        struct pl_msg msg = {.cmd = (enum pl_cmd)c};
        switch (c) {
        case PL_CMD_READY:
            msg.u.ready.credit = 2;
            msg.u.ready.worker = pl_xstrdup("extractor-1:4242");
            msg.u.ready.xv = pl_xstrdup("parley-0.1.0");
            break;
        case PL_CMD_TASK:
            msg.u.task.id = pl_xstrdup(id);
            msg.u.task.attempt = 1;
            msg.u.task.lease_ms = 30000;
            tu_sample_article(&msg.u.task.article);
            break;
        case PL_CMD_DONE:
            msg.u.done.id = pl_xstrdup(id);
            break;
        case PL_CMD_NACK:
            msg.u.nack.id = pl_xstrdup(id);
            msg.u.nack.reason = pl_xstrdup("article text is empty");
            break;
        case PL_CMD_HOLD:
            msg.u.hold.id = pl_xstrdup(id);
            break;
        case PL_CMD_HB:
            msg.u.hb.has_head = true;
            msg.u.hb.head = 1041;
            break;
        case PL_CMD_EVENTS:
            msg.u.events.id = pl_xstrdup(id);
            msg.u.events.xv = pl_xstrdup("parley-0.1.0");
            msg.u.events.n_mentions = 1;
            msg.u.events.mentions = pl_xcalloc(1, sizeof(struct pl_mention));
            tu_sample_mention(&msg.u.events.mentions[0], 0);
            break;
        case PL_CMD_OK:
            msg.u.ok.id = pl_xstrdup(id);
            msg.u.ok.first_seq = 1040;
            msg.u.ok.count = 2;
            break;
        case PL_CMD_ERR:
            msg.u.err.id = pl_xstrdup(id);
            msg.u.err.reason = pl_xstrdup("mentions[0].source.code: wrong_type");
            break;
        case PL_CMD_SINCE:
            msg.u.since.seq = 1000;
            msg.u.since.max = 500;
            msg.u.since.has_filter = true;
            msg.u.since.filter.country = pl_xstrdup("ARM");
            break;
        case PL_CMD_QUERY:
            msg.u.query.filter.from = pl_xstrdup("2023-10-01");
            msg.u.query.filter.to = pl_xstrdup("2023-10-31");
            msg.u.query.filter.cameo = pl_xstrdup("04");
            msg.u.query.limit = 100;
            break;
        case PL_CMD_BATCH:
            msg.u.batch.n_events = 1;
            msg.u.batch.events = pl_xcalloc(1, sizeof(struct pl_event));
            tu_sample_event(&msg.u.batch.events[0], 1);
            break;
        case PL_CMD_END:
            msg.u.end.head = 1041;
            break;
        }
        s_msg_example(&msg);
    }
    return 0;
}
