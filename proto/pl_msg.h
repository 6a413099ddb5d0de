/* pl_msg.h - the protocol messages of DESIGN.md §1.
 *
 * On the wire a message is a command frame (the command name in ASCII, e.g. "TASK") followed
 * by one body frame: a MessagePack map with "v" and the fields below. ROUTER sockets add the
 * peer's identity frames in front; the live stream puts a topic frame first. This module only
 * turns bodies into structs and back: it knows nothing of sockets.
 *
 * Ownership: as for records, a decoded message owns heap copies of everything;
 * pl_msg_release frees them (safe twice).
 */
#ifndef PL_MSG_H
#define PL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"
#include "pl_proto.h"
#include "pl_record.h"

enum pl_cmd {
    PL_CMD_NONE = 0, /* not a command: what pl_cmd_parse returns for an unknown name */
    PL_CMD_READY,    /* extractor -> fetcher: credit for more tasks */
    PL_CMD_TASK,     /* fetcher -> extractor: an article to code, under a lease */
    PL_CMD_DONE,     /* extractor -> fetcher: the article's mentions are stored */
    PL_CMD_NACK,     /* extractor -> fetcher: the article could not be coded */
    PL_CMD_HOLD, /* extractor -> fetcher: coded, its mentions wait for the store: keep the lease */
    PL_CMD_HB,   /* heartbeat, both ways on work; store -> subscribers with the head seq */
    PL_CMD_EVENTS, /* extractor -> store: all mentions of one article */
    PL_CMD_OK,     /* store -> extractor: the mentions are committed */
    PL_CMD_ERR,    /* store -> extractor or client: the request was refused */
    PL_CMD_SINCE,  /* client -> store: events after a sequence number */
    PL_CMD_QUERY,  /* client -> store: events matching a filter */
    PL_CMD_BATCH,  /* store -> client: a page of events */
    PL_CMD_END,    /* store -> client: the reply is complete */
    PL_CMD_COUNT_  /* not a command: the number of them */
};

struct pl_ready {
    uint32_t credit; /* further tasks the extractor can take, 1..PL_MAX_BATCH */
    char *worker;    /* optional name of the extractor, for logs */
    char *xv;        /* optional extractor version */
};

struct pl_task {
    char *id;                  /* article id */
    uint32_t attempt;          /* 1 for the first delivery */
    uint32_t lease_ms;         /* the lease; past it the article goes to another extractor */
    struct pl_article article; /* the article */
};

struct pl_done {
    char *id; /* article id */
};

struct pl_hold {
    char *id; /* article id */
};

struct pl_nack {
    char *id;     /* article id */
    char *reason; /* why it could not be coded */
};

struct pl_hb {
    bool has_head; /* head is set (on the live stream) */
    uint64_t head; /* highest committed seq */
};

struct pl_events {
    char *id;                    /* article id */
    char *xv;                    /* extractor version that produced the mentions */
    struct pl_mention *mentions; /* may be empty: an article with no events is still done */
    size_t n_mentions;           /* entries in mentions, at most PL_MAX_BATCH */
};

struct pl_ok {
    char *id;           /* article id */
    uint64_t first_seq; /* seq of the first event this batch created or changed (0: none) */
    uint32_t count;     /* events created or changed */
};

struct pl_err {
    char *id;          /* article id of the refused request, when it had one */
    char *reason;      /* why */
    bool has_retry;    /* retry_ms is set: not a verdict on the request, which may succeed */
    uint32_t retry_ms; /* ... when sent again after this long (the database is unreachable) */
};

/* What a subscriber or a query wants; every set field must match. */
struct pl_filter {
    char *from;        /* earliest event date, YYYY-MM-DD */
    char *to;          /* latest event date, YYYY-MM-DD */
    char *actor;       /* actor code prefix on either side, e.g. "ARMGOV" or "ARM" */
    char *country;     /* actor country on either side */
    char *cameo;       /* CAMEO code prefix, e.g. "04" */
    char *loc_country; /* country where it happened */
};

struct pl_since {
    uint64_t seq;            /* send events with a greater seq */
    uint32_t max;            /* at most this many per BATCH: the client's credit */
    bool has_filter;         /* filter is set */
    struct pl_filter filter; /* only these events */
};

struct pl_query {
    struct pl_filter filter; /* which events */
    uint32_t limit;          /* at most this many in all */
};

struct pl_batch {
    struct pl_event *events; /* in seq order */
    size_t n_events;         /* entries in events, at most PL_MAX_BATCH */
};

struct pl_end {
    uint64_t head; /* highest committed seq when the reply was made */
};

struct pl_msg {
    enum pl_cmd cmd; /* which member of u is in use */
    union {
        struct pl_ready ready;
        struct pl_task task;
        struct pl_done done;
        struct pl_nack nack;
        struct pl_hold hold;
        struct pl_hb hb;
        struct pl_events events;
        struct pl_ok ok;
        struct pl_err err;
        struct pl_since since;
        struct pl_query query;
        struct pl_batch batch;
        struct pl_end end;
    } u;
};

/* "READY", "TASK" ... ; NULL for PL_CMD_NONE or out of range. */
const char *pl_cmd_name(enum pl_cmd cmd);
/* The command a frame names, or PL_CMD_NONE. */
enum pl_cmd pl_cmd_parse(const void *frame, size_t len);

/* Appends the body of m to out (the command frame is pl_cmd_name(m->cmd)). */
enum pl_status pl_msg_encode(const struct pl_msg *m, struct pl_buf *out,
                             struct pl_diag *diag) PL_WUR;

/* Decodes a command frame and its body frame into out. PL_E_COMMAND for an unknown
 * command; otherwise as pl_article_decode. */
enum pl_status pl_msg_decode(const void *cmd, size_t cmd_len, const void *body, size_t len,
                             struct pl_msg *out, struct pl_diag *diag) PL_WUR;

void pl_msg_release(struct pl_msg *m);

/* {"cmd":"TASK", ...body fields} */
void pl_msg_to_json(const struct pl_msg *m, struct pl_buf *out);

/* The schema of a command's body, for generic code and the fuzzers; NULL if unknown. */
const struct pl_schema *pl_msg_schema(enum pl_cmd cmd);

#endif
