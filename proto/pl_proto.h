/* pl_proto.h - the parley wire format: protocol version, limits and decoding outcomes.
 *
 * Every record and message body is a MessagePack map with string keys. proto/README.md is
 * the contract; the limits below are the numbers it quotes. Decoders check the frame size
 * before they allocate anything, check declared container counts against the bytes left,
 * check the type and limit of every field, validate UTF-8, reject trailing bytes, ignore
 * unknown keys and reject an unknown major version.
 */
#ifndef PL_PROTO_H
#define PL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "pl_base.h"

/* Major version carried in the "v" key of every top-level map. A decoder rejects any other
 * major version with PL_E_VERSION; additions that old decoders may ignore keep the major. */
#define PL_PROTO_MAJOR 1

/* Limits. A decoder reports PL_E_TOO_LARGE, PL_E_COUNT or PL_E_LIMIT when one is exceeded,
 * and encoders refuse to produce what decoders would reject. */
#define PL_MAX_FRAME_BYTES    (16u * 1024 * 1024) /* one message body */
#define PL_MAX_TEXT_BYTES     (15u * 1024 * 1024) /* article text */
#define PL_MAX_CONTAINER      100000u             /* declared elements of any array or map */
#define PL_MAX_OBJECTS        2000000u            /* MessagePack objects in one frame */
#define PL_MAX_DEPTH          16u                 /* nesting of arrays and maps */
#define PL_MAX_ID_BYTES       64u
#define PL_MAX_URL_BYTES      4096u
#define PL_MAX_TITLE_BYTES    2048u
#define PL_MAX_NAME_BYTES     512u /* outlets, actor and place names */
#define PL_MAX_CODE_BYTES     32u  /* actor codes, PLOVER types, CAMEO codes */
#define PL_MAX_TIME_BYTES     40u  /* ISO-8601 timestamps */
#define PL_MAX_REASON_BYTES   1024u
#define PL_MAX_SENTENCE_BYTES (16u * 1024) /* evidence sentences */
#define PL_MAX_EVIDENCE       64u          /* evidence sentences per mention or event */
#define PL_MAX_EVENT_ARTICLES 64u          /* article references kept per merged event */
#define PL_MAX_BATCH          4096u        /* mentions per EVENTS, events per BATCH */
#define PL_MAX_QUERY_LIMIT    100000000u

/* Outcome of a decode (and of encoding, which checks the same rules). Callers branch on it,
 * and log pl_status_name() of it. */
enum pl_status {
    PL_OK = 0,
    PL_E_TOO_LARGE,  /* the frame is over PL_MAX_FRAME_BYTES or holds over PL_MAX_OBJECTS */
    PL_E_TRUNCATED,  /* the bytes end before the object does */
    PL_E_TRAILING,   /* bytes follow the one object a frame may hold */
    PL_E_COUNT,      /* a declared array/map count over PL_MAX_CONTAINER */
    PL_E_DEPTH,      /* nesting deeper than PL_MAX_DEPTH */
    PL_E_MALFORMED,  /* not MessagePack (reserved byte 0xc1), or a map key that is no string */
    PL_E_TYPE,       /* a field of the wrong type, or a body that is not a map */
    PL_E_MISSING,    /* a required field is absent */
    PL_E_LIMIT,      /* a string or array longer than its limit */
    PL_E_RANGE,      /* a number outside its range (or not finite) */
    PL_E_UTF8,       /* a string that is not valid UTF-8, or holds a NUL byte */
    PL_E_VALUE,      /* a string of the wrong form: a date, a code, an enumerated word */
    PL_E_DUPLICATE,  /* the same key twice in one map */
    PL_E_VERSION,    /* "v" names a major version this decoder does not speak */
    PL_E_COMMAND,    /* an unknown command frame */
    PL_E_FRAMES,     /* a message with the wrong number of frames */
    PL_STATUS_COUNT_ /* not a status: the number of them */
};

/* A short stable lower-case name for logs and counters ("truncated", "utf8" ...). */
const char *pl_status_name(enum pl_status st);

/* Where a decode failed. Decoders fill it when the caller passes one. */
struct pl_diag {
    enum pl_status status; /* same as the return value */
    char where[96];        /* path of the offending field, e.g. "mentions[3].source.code" */
};

#endif
