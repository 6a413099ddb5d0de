/* test_fetch_outbox.c - the fetcher's durable outbox and local sources: states and attempts,
 * dead letters with reasons, de-duplication by id, text and source, leases handed back on
 * reopen, validators; folders read recursively with temporary and unknown files, stdin
 * splitting on form feeds and header blocks. Each test works in its own temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "outbox.h"
#include "pl_id.h"
#include "sources.h"

struct fx {
    char dir[64];
    char db[128];
    struct outbox *ob;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/parley-outbox-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof f->db, "%s/outbox.db", f->dir);
    char err[512];
    f->ob = outbox_open(f->db, false, err, sizeof err);
    if (!f->ob) {
        fprintf(stderr, "%s\n", err);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    outbox_close(&f->ob);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void s_reopen(struct fx *f)
{
    outbox_close(&f->ob);
    char err[512];
    f->ob = outbox_open(f->db, false, err, sizeof err);
    assert_non_null(f->ob);
}

/* An article with the given url (NULL: id from the text) and text. */
static void mk(struct pl_article *a, const char *url, const char *text)
{
    memset(a, 0, sizeof *a);
    char id[PL_ID_HEX + 1];
    if (url)
        pl_id_article_url(id, url);
    else
        pl_id_article_content(id, text, strlen(text));
    a->id = strdup(id);
    a->url = url ? strdup(url) : NULL;
    a->text = strdup(text);
    a->fetched_at = strdup("2026-11-22T10:00:00Z");
}

static int s_add(struct fx *f, const char *url, const char *text, const char *src)
{
    struct pl_article a;
    mk(&a, url, text);
    assert_int_equal(outbox_begin(f->ob), 0);
    int rc = outbox_add(f->ob, &a, src, NULL);
    assert_int_equal(outbox_commit(f->ob), 0);
    pl_article_release(&a);
    return rc;
}

static struct outbox_counts s_counts(struct fx *f)
{
    struct outbox_counts c;
    assert_int_equal(outbox_counts(f->ob, &c), 0);
    struct outbox_counts a;
    assert_int_equal(outbox_counts_active(f->ob, &a), 0);
    assert_int_equal(a.pending, c.pending);
    assert_int_equal(a.leased, c.leased);
    return c;
}

struct taken {
    char ids[16][PL_ID_HEX + 1];
    size_t n;
    struct outbox *ob;
    bool lease;
    char text[256];
};

static int s_take(const char *id, uint32_t attempts, const void *body, size_t len, void *arg)
{
    (void)attempts;
    struct taken *t = arg;
    snprintf(t->ids[t->n++], PL_ID_HEX + 1, "%s", id);
    struct pl_article a;
    assert_int_equal(pl_article_decode(body, len, &a, NULL), PL_OK);
    snprintf(t->text, sizeof t->text, "%s", a.text);
    pl_article_release(&a);
    if (t->lease)
        assert_true(outbox_lease(t->ob, id, 1000) >= 1);
    return 0;
}

static void test_states_attempts_and_dead_letters(void **state)
{
    struct fx *f = *state;
    assert_int_equal(s_add(f, "https://example.org/a", "Alpha text.", "https://example.org/a"), 1);
    assert_int_equal(s_add(f, "https://example.org/b", "Bravo text.", NULL), 1);
    struct outbox_counts c = s_counts(f);
    assert_int_equal(c.pending, 2);

    /* oldest first, leased as handed out */
    struct taken t = {.ob = f->ob, .lease = true};
    assert_int_equal(outbox_begin(f->ob), 0);
    assert_int_equal(outbox_next(f->ob, 1, s_take, &t), 1);
    assert_string_equal(t.text, "Alpha text.");
    /* a leased article is not pending: the next call gives the other one */
    assert_int_equal(outbox_next(f->ob, 5, s_take, &t), 1);
    assert_string_equal(t.text, "Bravo text.");
    assert_int_equal(outbox_next(f->ob, 5, s_take, &t), 0);
    assert_int_equal(outbox_commit(f->ob), 0);
    c = s_counts(f);
    assert_int_equal(c.leased, 2);

    /* a done article stays done: a late NACK or a second DONE changes nothing */
    assert_int_equal(outbox_done(f->ob, t.ids[0]), 1);
    assert_int_equal(outbox_done(f->ob, t.ids[0]), 0);
    assert_int_equal(outbox_fail(f->ob, t.ids[0], "late", 3), OUTBOX_DONE);

    /* the other fails three times: pending, pending, dead with the last reason */
    assert_int_equal(outbox_fail(f->ob, t.ids[1], "lease ran out", 3), OUTBOX_PENDING);
    for (int i = 2; i <= 3; i++) {
        struct taken t2 = {.ob = f->ob, .lease = true};
        assert_int_equal(outbox_next(f->ob, 5, s_take, &t2), 1);
        int want = i == 3 ? OUTBOX_DEAD : OUTBOX_PENDING;
        assert_int_equal(outbox_fail(f->ob, t.ids[1], i == 3 ? "refused: bad" : "again", 3), want);
    }
    c = s_counts(f);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.dead, 1);
    assert_int_equal(c.pending + c.leased, 0);

    /* retried: pending again with its attempts reset */
    assert_int_equal(outbox_retry_dead(f->ob, NULL), 1);
    c = s_counts(f);
    assert_int_equal(c.pending, 1);
    assert_int_equal(c.dead, 0);
    struct taken t3 = {.ob = f->ob, .lease = false};
    assert_int_equal(outbox_next(f->ob, 5, s_take, &t3), 1);
    assert_int_equal(outbox_lease(f->ob, t3.ids[0], 5), 1);
}

static int s_reason(const struct outbox_row *r, void *arg)
{
    snprintf(arg, 256, "%s|%s|%u|%s", outbox_state_name(r->state), r->src ? r->src : "-",
             r->attempts, r->reason ? r->reason : "-");
    return 0;
}

static void test_intake_failures_are_dead_letters_with_reasons(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        outbox_add_dead(f->ob, "https://example.org/gone", "https://example.org/gone", "HTTP 404"),
        1);
    /* the same source again: known, not a second row */
    assert_int_equal(outbox_add_dead(f->ob, "https://example.org/gone", NULL, "HTTP 404"), 0);
    assert_int_equal(outbox_has_src(f->ob, "https://example.org/gone"), 1);
    char row[256] = "";
    assert_int_equal(outbox_list(f->ob, OUTBOX_DEAD, 10, s_reason, row), 0);
    assert_string_equal(row, "dead|https://example.org/gone|0|HTTP 404");
    /* without an article there is nothing to retry */
    assert_int_equal(outbox_retry_dead(f->ob, NULL), 0);
}

static void test_duplicates_by_id_text_and_source(void **state)
{
    struct fx *f = *state;
    assert_int_equal(s_add(f, "https://example.org/a", "The same words.", "/in/a.txt"), 1);
    /* same canonical URL, other text */
    assert_int_equal(s_add(f, "https://example.org/a", "Other words.", "/in/b.txt"), 0);
    /* other URL, same text (a syndicated copy) */
    assert_int_equal(s_add(f, "https://mirror.example.net/a", "The same words.", "/in/c.txt"), 0);
    /* same source file, changed */
    assert_int_equal(s_add(f, "https://example.org/new", "New words.", "/in/a.txt"), 0);
    assert_int_equal(s_add(f, "https://example.org/new", "New words.", "/in/d.txt"), 1);
    struct outbox_counts c = s_counts(f);
    assert_int_equal(c.pending, 2);
    /* after done, still known: a restarted fetcher does not take it in again */
    struct taken t = {.ob = f->ob, .lease = true};
    assert_int_equal(outbox_next(f->ob, 5, s_take, &t), 2);
    assert_int_equal(outbox_done(f->ob, t.ids[0]), 1);
    s_reopen(f);
    assert_int_equal(s_add(f, "https://example.org/a", "The same words.", NULL), 0);
    assert_int_equal(outbox_has_src(f->ob, "/in/a.txt"), 1);
}

static void test_reopen_hands_leases_back(void **state)
{
    struct fx *f = *state;
    assert_int_equal(s_add(f, "https://example.org/1", "One.", NULL), 1);
    assert_int_equal(s_add(f, "https://example.org/2", "Two.", NULL), 1);
    struct taken t = {.ob = f->ob, .lease = true};
    assert_int_equal(outbox_next(f->ob, 2, s_take, &t), 2);
    assert_int_equal(outbox_done(f->ob, t.ids[0]), 1);
    s_reopen(f);
    assert_int_equal(outbox_requeue_leased(f->ob), 1);
    struct outbox_counts c = s_counts(f);
    assert_int_equal(c.pending, 1);
    assert_int_equal(c.done, 1);
    /* the attempt it had still counts */
    struct taken t2 = {.ob = f->ob, .lease = false};
    assert_int_equal(outbox_next(f->ob, 2, s_take, &t2), 1);
    assert_string_equal(t2.ids[0], t.ids[1]);
    assert_int_equal(outbox_lease(f->ob, t2.ids[0], 5), 2);
}

static void test_validators_and_read_only(void **state)
{
    struct fx *f = *state;
    char *etag, *lm;
    assert_int_equal(outbox_validators_get(f->ob, "https://example.org/rss", &etag, &lm), 0);
    assert_null(etag);
    assert_null(lm);
    assert_int_equal(outbox_validators_put(f->ob, "https://example.org/rss", "\"v1\"", NULL), 0);
    assert_int_equal(
        outbox_validators_put(f->ob, "https://example.org/rss", "\"v2\"", "Mon, 01 Jan 2024"), 0);
    assert_int_equal(outbox_validators_get(f->ob, "https://example.org/rss", &etag, &lm), 0);
    assert_string_equal(etag, "\"v2\"");
    assert_string_equal(lm, "Mon, 01 Jan 2024");
    free(etag);
    free(lm);
    assert_int_equal(s_add(f, NULL, "Text.", NULL), 1);
    char err[512];
    struct outbox *ro = outbox_open(f->db, true, err, sizeof err);
    assert_non_null(ro);
    struct outbox_counts c;
    assert_int_equal(outbox_counts(ro, &c), 0);
    assert_int_equal(c.pending, 1);
    outbox_close(&ro);
    /* not an outbox */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/other.db", f->dir);
    FILE *fp = fopen(bad, "w");
    fputs("not a database at all, just some text that is long enough to be rejected", fp);
    fclose(fp);
    assert_null(outbox_open(bad, false, err, sizeof err));
    assert_non_null(strstr(err, bad));
}

/* --- sources ------------------------------------------------------------------------------- */

static void s_write(const char *dir, const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_folder_read_recursively_with_dead_letters(void **state)
{
    struct fx *f = *state;
    char in[128], sub[160];
    snprintf(in, sizeof in, "%s/in", f->dir);
    snprintf(sub, sizeof sub, "%s/in/sub", f->dir);
    assert_int_equal(mkdir(in, 0700), 0);
    assert_int_equal(mkdir(sub, 0700), 0);
    s_write(in, "one.txt", "url: https://example.org/one\ntitle: One\n---\nThe first article.\n");
    s_write(sub, "two", "The second article, without a header.\n");
    s_write(in, "three.html",
            "<html><head><title>Three</title></head><body><article><p>The third article "
            "is a page.</p></article></body></html>");
    s_write(in, "copy.txt", "url: https://example.org/one\n---\nThe first article again.\n");
    s_write(in, "empty.txt", "");
    s_write(in, "photo.jpg", "\xff\xd8\xff");
    s_write(in, ".hidden.txt", "Never read.");
    s_write(in, "partial.txt.part", "Never read.");
    char *inputs[] = {in};
    char err[512];
    struct sources *s = sources_new(inputs, 1, false, 1 << 20, err, sizeof err);
    assert_non_null(s);
    struct sources_stats st = {0};
    assert_int_equal(outbox_begin(f->ob), 0);
    int total = 0, got;
    while ((got = sources_pump(s, f->ob, 2, &st)) > 0)
        total += got;
    assert_int_equal(got, 0);
    assert_int_equal(outbox_commit(f->ob), 0);
    assert_true(sources_finished(s));
    assert_int_equal(total, 6);
    assert_int_equal(st.added, 3);
    assert_int_equal(st.dups, 1);
    assert_int_equal(st.failed, 2);
    struct outbox_counts c = s_counts(f);
    assert_int_equal(c.pending, 3);
    assert_int_equal(c.dead, 2);
    sources_destroy(&s);
    /* read again (a restart): every file is known, nothing new */
    s = sources_new(inputs, 1, false, 1 << 20, err, sizeof err);
    struct sources_stats st2 = {0};
    while (sources_pump(s, f->ob, 10, &st2) > 0)
        ;
    assert_int_equal(st2.added + st2.dups + st2.failed, 0);
    sources_destroy(&s);
    /* a missing input is an error at start */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope", f->dir);
    char *bad[] = {missing};
    assert_null(sources_new(bad, 1, false, 1 << 20, err, sizeof err));
    assert_non_null(strstr(err, "nope"));
}

static void s_split_all(const char *buf, size_t len, char out[][256], size_t *n)
{
    *n = 0;
    size_t off = 0;
    while (off < len) {
        size_t alen = 0;
        size_t used = sources_split(buf + off, len - off, true, &alen);
        assert_true(used > 0);
        snprintf(out[(*n)++], 256, "%.*s", (int)alen, buf + off);
        off += used;
    }
}

static void test_stdin_split_on_form_feed_and_header_blocks(void **state)
{
    (void)state;
    const char in[] = "First article.\nStill first.\n\f"
                      "Second article.\n"
                      "title: Third\nurl: https://example.org/3\n---\nThird text.\n"
                      "Note: this line is text, not a header.\nMore.\n";
    char parts[8][256];
    size_t n;
    s_split_all(in, sizeof in - 1, parts, &n);
    assert_int_equal(n, 3);
    assert_string_equal(parts[0], "First article.\nStill first.\n");
    assert_string_equal(parts[1], "Second article.\n");
    assert_non_null(strstr(parts[2], "title: Third"));
    assert_non_null(strstr(parts[2], "Note: this line is text"));
    /* a header block at the very start belongs to the first article */
    const char in2[] = "url: https://example.org/1\n---\nOne.\n";
    s_split_all(in2, sizeof in2 - 1, parts, &n);
    assert_int_equal(n, 1);
    /* without eof: more input needed while a header block might be starting */
    size_t alen;
    const char part[] = "Body.\ntitle: Next\nurl: https://exa";
    assert_int_equal(sources_split(part, sizeof part - 1, false, &alen), 0);
    const char part2[] = "Body.\ntitle: Next\n---\nNext body";
    assert_int_equal(sources_split(part2, sizeof part2 - 1, false, &alen), 6);
    assert_int_equal(alen, 6);
    /* text without a separator: not finished until eof */
    assert_int_equal(sources_split("abc", 3, false, &alen), 0);
    assert_int_equal(sources_split("abc", 3, true, &alen), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_states_attempts_and_dead_letters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intake_failures_are_dead_letters_with_reasons, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_by_id_text_and_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_hands_leases_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validators_and_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_read_recursively_with_dead_letters, setup,
                                        teardown),
        cmocka_unit_test(test_stdin_split_on_form_feed_and_header_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
