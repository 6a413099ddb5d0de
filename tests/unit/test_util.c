/* test_util.c - see test_util.h. */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

static int s_write(void *data, const char *buf, size_t len)
{
    pl_buf_append(data, buf, len);
    return 0;
}

void tu_packer(msgpack_packer *pk, struct pl_buf *b)
{
    msgpack_packer_init(pk, b, s_write);
}

void tu_strn(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

void tu_str(msgpack_packer *pk, const char *s)
{
    tu_strn(pk, s, strlen(s));
}

static char *s_dup(const char *s)
{
    return pl_xstrdup(s);
}

void tu_sample_article(struct pl_article *a)
{
    memset(a, 0, sizeof *a);
    a->id = s_dup("8704a36d470d847e8704a36d470d847e");
    a->url = s_dup("https://example.org/news/iran-hosts-talks?id=1");
    a->outlet = s_dup("Example News");
    a->title = s_dup("Iran hosts Armenia\u2013Azerbaijan talks");
    a->published = s_dup("2023-10-23T18:05:00Z");
    a->fetched_at = s_dup("2023-10-23T18:06:01.250Z");
    a->lang = s_dup("en");
    a->text = s_dup("TEHRAN, Oct. 23 \u2014 The foreign ministers of Armenia and Azerbaijan met "
                    "on Monday in Iran.\n\nThey agreed to meet again.");
}

static void s_actor(struct pl_actor *a, const char *code, const char *country, uint32_t start)
{
    a->code = s_dup(code);
    a->country = s_dup(country);
    a->sector = s_dup("GOV");
    a->name = s_dup("Foreign Minister");
    a->has_span = true;
    a->start = start;
    a->end = start + 16;
}

static void s_coding(struct pl_coding *c, int variant)
{
    c->date = s_dup(variant ? "2023-10" : "2023-10-23");
    c->date_precision = s_dup(variant ? "month" : "day");
    c->date_basis = s_dup("text");
    s_actor(&c->source, "ARMGOV", "ARM", 40);
    c->has_target = true;
    s_actor(&c->target, "AZEGOV", "AZE", 60);
    c->cameo = s_dup("043");
    c->root = s_dup("04");
    c->quad_class = 1;
    c->goldstein = 2.8;
    c->plover = s_dup("CONSULT");
    c->has_location = true;
    c->location.name = s_dup("Tehran");
    c->location.country = s_dup("IRN");
    c->location.has_coords = true;
    c->location.lat = 35.6892;
    c->location.lon = 51.389;
    c->confidence = 0.875;
    c->n_evidence = 2;
    c->evidence = pl_xcalloc(2, sizeof *c->evidence);
    c->evidence[0].text = s_dup("The foreign ministers of Armenia and Azerbaijan met on Monday.");
    c->evidence[0].start = 20;
    c->evidence[0].end = 84;
    c->evidence[1].text = s_dup("Photo: the ministers in Tehran \"before\" the talks\\.");
    c->evidence[1].start = 100;
    c->evidence[1].end = 150;
    c->evidence[1].caption = true;
}

static void s_ref(struct pl_article_ref *r, int i)
{
    char id[33];
    snprintf(id, sizeof id, "%032x", (unsigned)(0xabc00 + i));
    r->id = s_dup(id);
    char url[64];
    snprintf(url, sizeof url, "https://example.org/%d", i);
    r->url = s_dup(url);
    r->outlet = s_dup("Example News");
    r->title = s_dup("Talks in Tehran");
    r->published = s_dup("2023-10-23");
}

void tu_sample_mention(struct pl_mention *m, int variant)
{
    memset(m, 0, sizeof *m);
    m->id = s_dup("0217264bf59d552d0217264bf59d552d");
    s_ref(&m->article, variant);
    s_coding(&m->c, variant);
}

void tu_sample_event(struct pl_event *e, int variant)
{
    memset(e, 0, sizeof *e);
    e->id = s_dup("c5783bed5a5e9dc2c5783bed5a5e9dc2");
    e->seq = 18446744073709551615ULL - (uint64_t)variant;
    s_coding(&e->c, variant);
    e->num_articles = 2;
    e->num_mentions = 3;
    e->n_articles = 2;
    e->articles = pl_xcalloc(2, sizeof *e->articles);
    s_ref(&e->articles[0], 0);
    s_ref(&e->articles[1], 1);
    e->first_seen = s_dup("2023-10-23T18:06:01Z");
    e->last_seen = s_dup("2023-10-24T07:00:00+02:00");
}

char *tu_mention_json(const struct pl_mention *m)
{
    struct pl_buf b;
    pl_buf_init(&b);
    pl_mention_to_json(m, &b);
    return pl_buf_detach(&b, NULL);
}

char *tu_event_json(const struct pl_event *e)
{
    struct pl_buf b;
    pl_buf_init(&b);
    pl_event_to_json(e, &b);
    return pl_buf_detach(&b, NULL);
}

char *tu_msg_json(const struct pl_msg *m)
{
    struct pl_buf b;
    pl_buf_init(&b);
    pl_msg_to_json(m, &b);
    return pl_buf_detach(&b, NULL);
}
