/* pl_cfg.h - table-driven configuration on libconfig.
 *
 * Each daemon describes its keys in tables (name, type, offset in its config struct, range,
 * default, one line of help). The loader applies the defaults, overlays the file, and
 * validates: a key no table knows, a value of the wrong type or out of range is an error
 * reported as "file:line: message" on stderr. Strings are copied out of libconfig, whose tree
 * is destroyed before pl_cfg_load returns. The same tables print the effective config at
 * start-up and the reference table in the README (pl_cfg_describe).
 *
 * Value storage by type: INT int64_t, BOOL bool, FLOAT double, STRING char * (heap, owned by
 * the config struct; pl_cfg_release frees them), LIST struct pl_strlist (each element is
 * checked like a STRING: length range and check; the default "" is the empty list).
 */
#ifndef PL_CFG_H
#define PL_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pl_base.h"

enum pl_cfg_type { PL_CFG_INT, PL_CFG_BOOL, PL_CFG_FLOAT, PL_CFG_STRING, PL_CFG_LIST };

/* A LIST value: strings from a libconfig array or list, e.g. inputs = ["a", "b"]. */
struct pl_strlist {
    char **v; /* heap strings */
    size_t n; /* entries in v */
};

/* Appends a copy of s. */
void pl_strlist_add(struct pl_strlist *l, const char *s);
void pl_strlist_release(struct pl_strlist *l);

struct pl_cfg_key {
    const char *name;      /* dotted path, e.g. "zmq.linger_ms" */
    enum pl_cfg_type type; /* how the value is stored */
    size_t off;            /* offset of the value in the section's struct */
    int64_t min, max;      /* INT: inclusive range; STRING: allowed length (min 1: non-empty) */
    double fmin, fmax;     /* FLOAT: inclusive range */
    const char *def;       /* default, written as in a config file without quotes */
    const char *help;      /* one line for the docs */
    /* STRING: extra check; returns NULL when fine, or what is wrong with the value */
    const char *(*check)(const char *value);
    bool secret; /* never printed: the logged configuration shows "(secret)" */
};

/* A table and the struct its offsets point into. */
struct pl_cfg_section {
    const struct pl_cfg_key *keys;
    size_t nkeys;
    void *base;
};

/* Sets every key to its default. */
void pl_cfg_defaults(const struct pl_cfg_section *secs, size_t n);

/* Overlays the libconfig file at path. Reports every problem on stderr as "file:line:
 * message" and returns -1 if there was any, 0 otherwise. */
int pl_cfg_load(const struct pl_cfg_section *secs, size_t n, const char *path) PL_WUR;

/* Frees the strings; the struct keeps its other values. */
void pl_cfg_release(const struct pl_cfg_section *secs, size_t n);

/* Appends "key=value key=value ..." for every key (strings quoted when they hold spaces). */
void pl_cfg_format(const struct pl_cfg_section *secs, size_t n, struct pl_buf *out);

/* Writes a Markdown table of the keys: name, type, default, range, meaning. */
void pl_cfg_describe(const struct pl_cfg_section *secs, size_t n, FILE *out);

/* Checks for STRING keys. */
const char *pl_cfg_check_endpoint(const char *value); /* tcp://, ipc:// or inproc:// */
const char *pl_cfg_check_log_level(const char *value);

#endif
