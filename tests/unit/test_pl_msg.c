/* test_pl_msg.c - the twelve protocol messages: each round trips, command names parse, and
 * bodies that break the rules are refused with their own outcome. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pl_msg.h"
#include "test_util.h"

static char *S(const char *s)
{
    return pl_xstrdup(s);
}

/* Encodes m, decodes it back, and checks both render the same JSON, which must be want. */
static void s_round_trip(struct pl_msg *m, const char *want)
{
    struct pl_buf b;
    pl_buf_init(&b);
    struct pl_diag d;
    enum pl_status st = pl_msg_encode(m, &b, &d);
    if (st != PL_OK)
        fail_msg("encode %s: %s at %s", pl_cmd_name(m->cmd), pl_status_name(st), d.where);
    const char *name = pl_cmd_name(m->cmd);
    struct pl_msg back;
    st = pl_msg_decode(name, strlen(name), b.data, b.len, &back, &d);
    if (st != PL_OK)
        fail_msg("decode %s: %s at %s", name, pl_status_name(st), d.where);
    assert_int_equal(back.cmd, m->cmd);
    char *j1 = tu_msg_json(m), *j2 = tu_msg_json(&back);
    assert_string_equal(j1, j2);
    if (want)
        assert_string_equal(j1, want);
    free(j1);
    free(j2);
    pl_msg_release(&back);
    pl_msg_release(m);
    pl_buf_release(&b);
}

static const char *ID = "8704a36d470d847e8704a36d470d847e";

static void test_ready_round_trips(void **state)
{
    (void)state;
    struct pl_msg m = {.cmd = PL_CMD_READY};
    m.u.ready.credit = PL_MAX_BATCH;
    m.u.ready.worker = S("host:42");
    m.u.ready.xv = S("parley-0.1.0");
    s_round_trip(&m, "{\"cmd\":\"READY\",\"credit\":4096,\"worker\":\"host:42\","
                     "\"xv\":\"parley-0.1.0\"}");
}

static void test_task_round_trips_with_its_article(void **state)
{
    (void)state;
    struct pl_msg m = {.cmd = PL_CMD_TASK};
    m.u.task.id = S(ID);
    m.u.task.attempt = 3;
    m.u.task.lease_ms = 30000;
    tu_sample_article(&m.u.task.article);
    s_round_trip(&m, NULL);
}

static void test_done_nack_hold_and_hb_round_trip(void **state)
{
    (void)state;
    struct pl_msg m = {.cmd = PL_CMD_DONE};
    m.u.done.id = S(ID);
    s_round_trip(&m, "{\"cmd\":\"DONE\",\"id\":\"8704a36d470d847e8704a36d470d847e\"}");
    m = (struct pl_msg){.cmd = PL_CMD_NACK};
    m.u.nack.id = S(ID);
    m.u.nack.reason = S("article text is not UTF-8 \"at byte 12\"");
    s_round_trip(&m, NULL);
    m = (struct pl_msg){.cmd = PL_CMD_HOLD};
    m.u.hold.id = S(ID);
    s_round_trip(&m, "{\"cmd\":\"HOLD\",\"id\":\"8704a36d470d847e8704a36d470d847e\"}");
    m = (struct pl_msg){.cmd = PL_CMD_HB};
    s_round_trip(&m, "{\"cmd\":\"HB\"}");
    m = (struct pl_msg){.cmd = PL_CMD_HB};
    m.u.hb.has_head = true;
    m.u.hb.head = 0;
    s_round_trip(&m, "{\"cmd\":\"HB\",\"head\":0}");
}

static void test_events_round_trip_empty_and_full(void **state)
{
    (void)state;
    struct pl_msg m = {.cmd = PL_CMD_EVENTS};
    m.u.events.id = S(ID);
    m.u.events.xv = S("parley-0.1.0");
    s_round_trip(&m, "{\"cmd\":\"EVENTS\",\"id\":\"8704a36d470d847e8704a36d470d847e\","
                     "\"xv\":\"parley-0.1.0\",\"mentions\":[]}");
    m = (struct pl_msg){.cmd = PL_CMD_EVENTS};
    m.u.events.id = S(ID);
    m.u.events.xv = S("parley-0.1.0");
    m.u.events.n_mentions = 3;
    m.u.events.mentions = pl_xcalloc(3, sizeof(struct pl_mention));
    for (int i = 0; i < 3; i++)
        tu_sample_mention(&m.u.events.mentions[i], i % 2);
    s_round_trip(&m, NULL);
}

static void test_ok_err_since_query_batch_end_round_trip(void **state)
{
    (void)state;
    struct pl_msg m = {.cmd = PL_CMD_OK};
    m.u.ok.id = S(ID);
    m.u.ok.first_seq = 1000000000000ULL;
    m.u.ok.count = 7;
    s_round_trip(&m, NULL);

    m = (struct pl_msg){.cmd = PL_CMD_ERR};
    m.u.err.reason = S("malformed EVENTS");
    s_round_trip(&m, "{\"cmd\":\"ERR\",\"reason\":\"malformed EVENTS\"}");

    /* Not a verdict: ask again after retry_ms. */
    m = (struct pl_msg){.cmd = PL_CMD_ERR};
    m.u.err.reason = S("the database is unreachable");
    m.u.err.has_retry = true;
    m.u.err.retry_ms = 1000;
    s_round_trip(&m, "{\"cmd\":\"ERR\",\"reason\":\"the database is unreachable\","
                     "\"retry_ms\":1000}");

    m = (struct pl_msg){.cmd = PL_CMD_SINCE};
    m.u.since.seq = 41;
    m.u.since.max = 500;
    m.u.since.has_filter = true;
    m.u.since.filter.country = S("ARM");
    m.u.since.filter.cameo = S("04");
    s_round_trip(&m, "{\"cmd\":\"SINCE\",\"seq\":41,\"max\":500,"
                     "\"filter\":{\"country\":\"ARM\",\"cameo\":\"04\"}}");

    m = (struct pl_msg){.cmd = PL_CMD_QUERY};
    m.u.query.filter.from = S("2023-10-01");
    m.u.query.filter.to = S("2023-10-31");
    m.u.query.filter.actor = S("AZEGOV");
    m.u.query.filter.loc_country = S("IRN");
    m.u.query.limit = 100;
    s_round_trip(&m, "{\"cmd\":\"QUERY\",\"from\":\"2023-10-01\",\"to\":\"2023-10-31\","
                     "\"actor\":\"AZEGOV\",\"loc_country\":\"IRN\",\"limit\":100}");

    m = (struct pl_msg){.cmd = PL_CMD_BATCH};
    m.u.batch.n_events = 2;
    m.u.batch.events = pl_xcalloc(2, sizeof(struct pl_event));
    tu_sample_event(&m.u.batch.events[0], 0);
    tu_sample_event(&m.u.batch.events[1], 1);
    s_round_trip(&m, NULL);

    m = (struct pl_msg){.cmd = PL_CMD_END};
    m.u.end.head = 12;
    s_round_trip(&m, "{\"cmd\":\"END\",\"head\":12}");
}

static void test_command_names_parse_both_ways(void **state)
{
    (void)state;
    static const char *const names[] = {"READY", "TASK", "DONE",  "NACK",  "HOLD",  "HB", "EVENTS",
                                        "OK",    "ERR",  "SINCE", "QUERY", "BATCH", "END"};
    for (int c = PL_CMD_READY; c < PL_CMD_COUNT_; c++) {
        assert_string_equal(pl_cmd_name((enum pl_cmd)c), names[c - 1]);
        assert_int_equal(pl_cmd_parse(names[c - 1], strlen(names[c - 1])), c);
    }
    assert_int_equal(pl_cmd_parse("ready", 5), PL_CMD_NONE);
    assert_int_equal(pl_cmd_parse("READY ", 6), PL_CMD_NONE);
    assert_int_equal(pl_cmd_parse("", 0), PL_CMD_NONE);
    assert_null(pl_cmd_name(PL_CMD_NONE));
    assert_null(pl_cmd_name(PL_CMD_COUNT_));
}

static void test_unknown_command_is_refused(void **state)
{
    (void)state;
    static const unsigned char body[] = {0x81, 0xa1, 'v', 0x01};
    struct pl_msg m;
    struct pl_diag d;
    assert_int_equal(pl_msg_decode("BOGUS", 5, body, sizeof body, &m, &d), PL_E_COMMAND);
    assert_int_equal(d.status, PL_E_COMMAND);
    assert_int_equal(pl_msg_decode("HB", 2, body, sizeof body, &m, &d), PL_OK);
    pl_msg_release(&m);
    struct pl_buf b;
    pl_buf_init(&b);
    m = (struct pl_msg){.cmd = PL_CMD_NONE};
    assert_int_equal(pl_msg_encode(&m, &b, &d), PL_E_COMMAND);
    pl_buf_release(&b);
}

static void test_limits_on_credit_and_batch_size(void **state)
{
    (void)state;
    struct pl_buf b;
    pl_buf_init(&b);
    struct pl_diag d;
    struct pl_msg m = {.cmd = PL_CMD_READY};
    m.u.ready.credit = 0;
    assert_int_equal(pl_msg_encode(&m, &b, &d), PL_E_RANGE);
    assert_string_equal(d.where, "credit");
    m = (struct pl_msg){.cmd = PL_CMD_ERR};
    m.u.err.reason = (char[]){"away"};
    m.u.err.has_retry = true; /* 0 ms: not a wait */
    assert_int_equal(pl_msg_encode(&m, &b, &d), PL_E_RANGE);
    assert_string_equal(d.where, "retry_ms");

    /* EVENTS declaring one mention more than allowed: refused before any is decoded. */
    msgpack_packer pk;
    tu_packer(&pk, &b);
    pl_buf_clear(&b);
    msgpack_pack_map(&pk, 4);
    tu_str(&pk, "v");
    msgpack_pack_uint8(&pk, 1);
    tu_str(&pk, "id");
    tu_str(&pk, ID);
    tu_str(&pk, "xv");
    tu_str(&pk, "x");
    tu_str(&pk, "mentions");
    msgpack_pack_array(&pk, PL_MAX_BATCH + 1);
    for (unsigned i = 0; i < PL_MAX_BATCH + 1; i++)
        msgpack_pack_map(&pk, 0);
    struct pl_msg back;
    assert_int_equal(pl_msg_decode("EVENTS", 6, b.data, b.len, &back, &d), PL_E_LIMIT);
    assert_string_equal(d.where, "mentions");

    /* A bad mention deep inside reports where. */
    pl_buf_clear(&b);
    msgpack_pack_map(&pk, 4);
    tu_str(&pk, "v");
    msgpack_pack_uint8(&pk, 1);
    tu_str(&pk, "id");
    tu_str(&pk, ID);
    tu_str(&pk, "xv");
    tu_str(&pk, "x");
    tu_str(&pk, "mentions");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 1);
    tu_str(&pk, "source");
    msgpack_pack_map(&pk, 1);
    tu_str(&pk, "code");
    msgpack_pack_nil(&pk);
    assert_int_equal(pl_msg_decode("EVENTS", 6, b.data, b.len, &back, &d), PL_E_TYPE);
    assert_string_equal(d.where, "mentions[0].source.code");
    pl_buf_release(&b);
}

static void test_task_with_bad_article_is_refused_and_frees_everything(void **state)
{
    (void)state;
    struct pl_msg m = {.cmd = PL_CMD_TASK};
    m.u.task.id = S(ID);
    m.u.task.attempt = 1;
    m.u.task.lease_ms = 1000;
    tu_sample_article(&m.u.task.article);
    struct pl_buf b;
    pl_buf_init(&b);
    assert_int_equal(pl_msg_encode(&m, &b, NULL), PL_OK);
    /* Corrupt the last byte of the article text into an invalid UTF-8 lead byte. The text is
     * the last value encoded, and the last byte of the frame is its final character. */
    b.data[b.len - 1] = (char)0xff;
    struct pl_msg back;
    struct pl_diag d;
    assert_int_equal(pl_msg_decode("TASK", 4, b.data, b.len, &back, &d), PL_E_UTF8);
    assert_string_equal(d.where, "article.text");
    assert_int_equal(back.cmd, PL_CMD_NONE);
    pl_msg_release(&back);
    pl_msg_release(&m);
    pl_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_round_trips),
        cmocka_unit_test(test_task_round_trips_with_its_article),
        cmocka_unit_test(test_done_nack_hold_and_hb_round_trip),
        cmocka_unit_test(test_events_round_trip_empty_and_full),
        cmocka_unit_test(test_ok_err_since_query_batch_end_round_trip),
        cmocka_unit_test(test_command_names_parse_both_ways),
        cmocka_unit_test(test_unknown_command_is_refused),
        cmocka_unit_test(test_limits_on_credit_and_batch_size),
        cmocka_unit_test(test_task_with_bad_article_is_refused_and_frees_everything),
    };
    return cmocka_run_group_tests_name("pl_msg", tests, NULL, NULL);
}
