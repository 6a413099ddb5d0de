/* test_util.h - helpers shared by the unit tests: raw MessagePack writing (to build frames
 * the encoders would refuse) and filled-in sample records. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "pl_base.h"
#include "pl_msg.h"
#include "pl_record.h"

/* A packer writing into a pl_buf. */
void tu_packer(msgpack_packer *pk, struct pl_buf *b);
void tu_str(msgpack_packer *pk, const char *s);
void tu_strn(msgpack_packer *pk, const char *s, size_t n);

/* Records with every field set, owned by the caller (release them). */
void tu_sample_article(struct pl_article *a);
void tu_sample_mention(struct pl_mention *m, int variant);
void tu_sample_event(struct pl_event *e, int variant);

/* JSON rendering as a heap string (free it). */
char *tu_mention_json(const struct pl_mention *m);
char *tu_event_json(const struct pl_event *e);
char *tu_msg_json(const struct pl_msg *m);

#endif
