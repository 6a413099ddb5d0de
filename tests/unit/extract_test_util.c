/* extract_test_util.c - see extract_test_util.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract_test_util.h"

struct lexicon *g_lex;

int group_setup(void **state)
{
    /* state stays NULL, so table-driven tests get their own row as initial state */
    *state = NULL;
    g_lex = lexicon_load(PARLEY_DATA_DIR);
    return g_lex ? 0 : -1;
}

int group_teardown(void **state)
{
    (void)state;
    lexicon_destroy(&g_lex);
    return 0;
}

void extract_with(struct lexicon *lex, const char *text, const char *published,
                  struct extract_result *r)
{
    char id[] = "0123456789abcdef";
    char fetched[] = "2026-01-01T00:00:00Z";
    char *pub = published ? strdup(published) : NULL;
    char *txt = strdup(text);
    assert_non_null(txt);
    struct pl_article a = {.id = id, .fetched_at = fetched, .published = pub, .text = txt};
    char why[256] = "";
    int rc = extract_article(lex, &a, "parley-test", r, why, sizeof why);
    free(pub);
    free(txt);
    if (rc != 0)
        print_error("extract_article: %s\n", why);
    assert_int_equal(rc, 0);
}

void extract(const char *text, const char *published, struct extract_result *r)
{
    extract_with(g_lex, text, published, r);
}

const char *target_code(const struct pl_mention *m)
{
    return m->c.has_target ? m->c.target.code : "";
}

void print_mentions(const struct extract_result *r)
{
    print_error("%zu mention(s):\n", r->n);
    for (size_t i = 0; i < r->n; i++) {
        const struct pl_coding *c = &r->mentions[i].c;
        print_error("  %s %s %s %s\n", c->date ? c->date : "-", c->source.code, c->cameo,
                    target_code(&r->mentions[i]));
    }
}

const struct pl_mention *find(const struct extract_result *r, const char *src, const char *cameo,
                              const char *tgt, bool mutual)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct pl_mention *m = &r->mentions[i];
        if (strcmp(m->c.cameo, cameo) != 0)
            continue;
        const char *s = m->c.source.code, *t = target_code(m);
        if ((!strcmp(s, src) && !strcmp(t, tgt)) || (mutual && !strcmp(s, tgt) && !strcmp(t, src)))
            return m;
    }
    return NULL;
}

const struct pl_mention *expect_event(const struct extract_result *r, const char *src,
                                      const char *cameo, const char *tgt, bool mutual)
{
    const struct pl_mention *m = find(r, src, cameo, tgt, mutual);
    if (!m) {
        print_error("expected %s %s %s\n", src, cameo, tgt);
        print_mentions(r);
    }
    assert_non_null(m);
    return m;
}
