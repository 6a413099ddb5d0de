/* pl_msg.c - schemas of the message bodies in pl_msg.h. proto/README.md writes them out. */
#include "pl_msg.h"

#include <string.h>

#include "pl_fields.h"
#include "pl_schema.h"

static const struct pl_field ready_fields[] = {
    U32(struct pl_ready, "credit", credit, PL_NO_HAS, 1, PL_MAX_BATCH),
    STR(struct pl_ready, "worker", worker, false, PL_MAX_NAME_BYTES, NULL),
    STR(struct pl_ready, "xv", xv, false, PL_MAX_CODE_BYTES, NULL),
};

static const struct pl_field task_fields[] = {
    STR(struct pl_task, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
    U32(struct pl_task, "attempt", attempt, PL_NO_HAS, 1, UINT32_MAX),
    U32(struct pl_task, "lease_ms", lease_ms, PL_NO_HAS, 1, UINT32_MAX),
    OBJ(struct pl_task, "article", article, PL_NO_HAS, pl_article_schema),
};

static const struct pl_field done_fields[] = {
    STR(struct pl_done, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
};

static const struct pl_field nack_fields[] = {
    STR(struct pl_nack, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
    STR(struct pl_nack, "reason", reason, true, PL_MAX_REASON_BYTES, NULL),
};

static const struct pl_field hold_fields[] = {
    STR(struct pl_hold, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
};

static const struct pl_field hb_fields[] = {
    U64(struct pl_hb, "head", head, HAS(struct pl_hb, has_head), 0, UINT64_MAX),
};

static const struct pl_field events_fields[] = {
    STR(struct pl_events, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
    STR_MIN(struct pl_events, "xv", xv, true, 1, PL_MAX_CODE_BYTES),
    ARR_REQ(struct pl_events, "mentions", mentions, n_mentions, PL_MAX_BATCH, pl_mention_schema),
};

static const struct pl_field ok_fields[] = {
    STR(struct pl_ok, "id", id, true, PL_MAX_ID_BYTES, pl_check_id),
    U64(struct pl_ok, "first_seq", first_seq, PL_NO_HAS, 0, UINT64_MAX),
    U32(struct pl_ok, "count", count, PL_NO_HAS, 0, UINT32_MAX),
};

static const struct pl_field err_fields[] = {
    STR(struct pl_err, "id", id, false, PL_MAX_ID_BYTES, pl_check_id),
    STR(struct pl_err, "reason", reason, true, PL_MAX_REASON_BYTES, NULL),
    U32(struct pl_err, "retry_ms", retry_ms, HAS(struct pl_err, has_retry), 1, 3600000),
};

static const struct pl_field filter_fields[] = {
    STR(struct pl_filter, "from", from, false, 10, pl_check_date),
    STR(struct pl_filter, "to", to, false, 10, pl_check_date),
    STR(struct pl_filter, "actor", actor, false, PL_MAX_CODE_BYTES, pl_check_code),
    STR(struct pl_filter, "country", country, false, 8, pl_check_code),
    STR(struct pl_filter, "cameo", cameo, false, 4, pl_check_cameo),
    STR(struct pl_filter, "loc_country", loc_country, false, 8, pl_check_code),
};
static const struct pl_schema filter_schema = {"filter", sizeof(struct pl_filter), filter_fields,
                                               NFIELDS(filter_fields)};

static const struct pl_field since_fields[] = {
    U64(struct pl_since, "seq", seq, PL_NO_HAS, 0, UINT64_MAX),
    U32(struct pl_since, "max", max, PL_NO_HAS, 1, PL_MAX_BATCH),
    OBJ(struct pl_since, "filter", filter, HAS(struct pl_since, has_filter), filter_schema),
};

static const struct pl_field query_fields[] = {
    INLINE(struct pl_query, filter, filter_schema),
    U32(struct pl_query, "limit", limit, PL_NO_HAS, 1, PL_MAX_QUERY_LIMIT),
};

static const struct pl_field batch_fields[] = {
    ARR_REQ(struct pl_batch, "events", events, n_events, PL_MAX_BATCH, pl_event_schema),
};

static const struct pl_field end_fields[] = {
    U64(struct pl_end, "head", head, PL_NO_HAS, 0, UINT64_MAX),
};

#define SCHEMA(name, T, fields)                                                                    \
    {                                                                                              \
        name, sizeof(T), fields, NFIELDS(fields)                                                   \
    }

static const struct pl_schema schemas[PL_CMD_COUNT_] = {
    [PL_CMD_READY] = SCHEMA("READY", struct pl_ready, ready_fields),
    [PL_CMD_TASK] = SCHEMA("TASK", struct pl_task, task_fields),
    [PL_CMD_DONE] = SCHEMA("DONE", struct pl_done, done_fields),
    [PL_CMD_NACK] = SCHEMA("NACK", struct pl_nack, nack_fields),
    [PL_CMD_HOLD] = SCHEMA("HOLD", struct pl_hold, hold_fields),
    [PL_CMD_HB] = SCHEMA("HB", struct pl_hb, hb_fields),
    [PL_CMD_EVENTS] = SCHEMA("EVENTS", struct pl_events, events_fields),
    [PL_CMD_OK] = SCHEMA("OK", struct pl_ok, ok_fields),
    [PL_CMD_ERR] = SCHEMA("ERR", struct pl_err, err_fields),
    [PL_CMD_SINCE] = SCHEMA("SINCE", struct pl_since, since_fields),
    [PL_CMD_QUERY] = SCHEMA("QUERY", struct pl_query, query_fields),
    [PL_CMD_BATCH] = SCHEMA("BATCH", struct pl_batch, batch_fields),
    [PL_CMD_END] = SCHEMA("END", struct pl_end, end_fields),
};

const struct pl_schema *pl_msg_schema(enum pl_cmd cmd)
{
    if (cmd <= PL_CMD_NONE || cmd >= PL_CMD_COUNT_)
        return NULL;
    return &schemas[cmd];
}

const char *pl_cmd_name(enum pl_cmd cmd)
{
    const struct pl_schema *s = pl_msg_schema(cmd);
    return s ? s->name : NULL;
}

enum pl_cmd pl_cmd_parse(const void *frame, size_t len)
{
    for (int c = PL_CMD_NONE + 1; c < PL_CMD_COUNT_; c++) {
        const char *name = schemas[c].name;
        if (strlen(name) == len && memcmp(name, frame, len) == 0)
            return (enum pl_cmd)c;
    }
    return PL_CMD_NONE;
}

enum pl_status pl_msg_encode(const struct pl_msg *m, struct pl_buf *out, struct pl_diag *diag)
{
    const struct pl_schema *s = pl_msg_schema(m->cmd);
    if (!s) {
        if (diag) {
            diag->status = PL_E_COMMAND;
            diag->where[0] = '\0';
        }
        return PL_E_COMMAND;
    }
    return pl_schema_encode(s, &m->u, true, out, diag);
}

enum pl_status pl_msg_decode(const void *cmd, size_t cmd_len, const void *body, size_t len,
                             struct pl_msg *out, struct pl_diag *diag)
{
    memset(out, 0, sizeof *out);
    enum pl_cmd c = pl_cmd_parse(cmd, cmd_len);
    if (c == PL_CMD_NONE) {
        if (diag) {
            diag->status = PL_E_COMMAND;
            diag->where[0] = '\0';
        }
        return PL_E_COMMAND;
    }
    enum pl_status st = pl_schema_decode(&schemas[c], body, len, &out->u, diag);
    if (st == PL_OK)
        out->cmd = c;
    return st;
}

void pl_msg_release(struct pl_msg *m)
{
    const struct pl_schema *s = pl_msg_schema(m->cmd);
    if (s)
        pl_schema_release(s, &m->u);
    m->cmd = PL_CMD_NONE;
}

void pl_msg_to_json(const struct pl_msg *m, struct pl_buf *out)
{
    const struct pl_schema *s = pl_msg_schema(m->cmd);
    if (!s) {
        pl_buf_puts(out, "{}");
        return;
    }
    struct pl_buf body;
    pl_buf_init(&body);
    pl_schema_to_json(s, &m->u, &body);
    pl_buf_puts(out, "{\"cmd\":");
    pl_json_string(out, s->name, strlen(s->name));
    if (body.len > 2) {
        pl_buf_putc(out, ',');
        pl_buf_append(out, body.data + 1, body.len - 1); /* the fields and the closing brace */
    } else {
        pl_buf_putc(out, '}');
    }
    pl_buf_release(&body);
}
