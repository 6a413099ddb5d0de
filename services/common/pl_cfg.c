/* pl_cfg.c - see pl_cfg.h. */
#include "pl_cfg.h"

#include <errno.h>
#include <stdarg.h>
#include <libconfig.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pl_log.h"
#include "pl_schema.h"
#include "pl_util.h"

#define VAL(sec, key, type) ((type *)((char *)(sec)->base + (key)->off))

static void s_set_default(const struct pl_cfg_section *sec, const struct pl_cfg_key *k)
{
    switch (k->type) {
    case PL_CFG_INT: {
        int64_t v = 0;
        if (pl_parse_i64(k->def, INT64_MIN, INT64_MAX, &v) != 0)
            abort(); /* a table with a bad default is a programming error */
        *VAL(sec, k, int64_t) = v;
        break;
    }
    case PL_CFG_BOOL:
        *VAL(sec, k, bool) = strcmp(k->def, "true") == 0;
        break;
    case PL_CFG_FLOAT:
        *VAL(sec, k, double) = strtod(k->def, NULL);
        break;
    case PL_CFG_STRING:
        free(*VAL(sec, k, char *));
        *VAL(sec, k, char *) = pl_xstrdup(k->def);
        break;
    case PL_CFG_LIST:
        pl_strlist_release(VAL(sec, k, struct pl_strlist));
        if (*k->def)
            pl_strlist_add(VAL(sec, k, struct pl_strlist), k->def);
        break;
    }
}

void pl_strlist_add(struct pl_strlist *l, const char *s)
{
    l->v = pl_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = pl_xstrdup(s);
}

void pl_strlist_release(struct pl_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void pl_cfg_defaults(const struct pl_cfg_section *secs, size_t n)
{
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < secs[s].nkeys; i++)
            s_set_default(&secs[s], &secs[s].keys[i]);
}

void pl_cfg_release(const struct pl_cfg_section *secs, size_t n)
{
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < secs[s].nkeys; i++)
            if (secs[s].keys[i].type == PL_CFG_STRING) {
                char **p = VAL(&secs[s], &secs[s].keys[i], char *);
                free(*p);
                *p = NULL;
            } else if (secs[s].keys[i].type == PL_CFG_LIST) {
                pl_strlist_release(VAL(&secs[s], &secs[s].keys[i], struct pl_strlist));
            }
}

static const struct pl_cfg_key *s_find(const struct pl_cfg_section *secs, size_t n,
                                       const char *name, const struct pl_cfg_section **sec)
{
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < secs[s].nkeys; i++)
            if (strcmp(secs[s].keys[i].name, name) == 0) {
                *sec = &secs[s];
                return &secs[s].keys[i];
            }
    return NULL;
}

/* True when some key lives under the group "prefix." */
static bool s_is_group(const struct pl_cfg_section *secs, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < secs[s].nkeys; i++)
            if (strncmp(secs[s].keys[i].name, prefix, len) == 0 && secs[s].keys[i].name[len] == '.')
                return true;
    return false;
}

struct load {
    const struct pl_cfg_section *secs; /* the tables */
    size_t n;                          /* how many */
    const char *file;                  /* for messages */
    int errors;                        /* problems reported */
};

static void s_error(struct load *ld, const config_setting_t *st, const char *fmt, ...)
    PL_PRINTF(3, 4);

static void s_error(struct load *ld, const config_setting_t *st, const char *fmt, ...)
{
    const char *file = config_setting_source_file(st);
    fprintf(stderr, "%s:%u: ", file ? file : ld->file, config_setting_source_line(st));
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    ld->errors++;
}

/* The length range and check of a STRING or LIST element; reports and returns false when v
 * breaks them. */
static bool s_string_ok(struct load *ld, const struct pl_cfg_key *k, const config_setting_t *st,
                        const char *path, const char *v)
{
    size_t len = strlen(v);
    if ((int64_t)len < k->min || (int64_t)len > k->max) {
        if (len == 0)
            s_error(ld, st, "'%s' must not be empty", path);
        else
            s_error(ld, st, "'%s' is %zu bytes long, at most %lld allowed", path, len,
                    (long long)k->max);
        return false;
    }
    const char *why = k->check ? k->check(v) : NULL;
    if (why) {
        s_error(ld, st, "'%s' = \"%s\": %s", path, v, why);
        return false;
    }
    return true;
}

static void s_apply(struct load *ld, const struct pl_cfg_section *sec, const struct pl_cfg_key *k,
                    const config_setting_t *st, const char *path)
{
    int t = config_setting_type(st);
    switch (k->type) {
    case PL_CFG_INT: {
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
            s_error(ld, st, "'%s' must be an integer", path);
            return;
        }
        /* get_int64 for both: libconfig 1.5 turns an int64 that does not fit an int into 0. */
        long long v = config_setting_get_int64(st);
        if (v < k->min || v > k->max) {
            s_error(ld, st, "'%s' is %lld, must be %lld..%lld", path, v, (long long)k->min,
                    (long long)k->max);
            return;
        }
        *VAL(sec, k, int64_t) = v;
        break;
    }
    case PL_CFG_BOOL:
        if (t != CONFIG_TYPE_BOOL) {
            s_error(ld, st, "'%s' must be true or false", path);
            return;
        }
        *VAL(sec, k, bool) = config_setting_get_bool(st) != 0;
        break;
    case PL_CFG_FLOAT: {
        double v;
        if (t == CONFIG_TYPE_FLOAT)
            v = config_setting_get_float(st);
        else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            v = (double)config_setting_get_int64(st);
        else {
            s_error(ld, st, "'%s' must be a number", path);
            return;
        }
        if (!isfinite(v) || v < k->fmin || v > k->fmax) {
            s_error(ld, st, "'%s' is %g, must be %g..%g", path, v, k->fmin, k->fmax);
            return;
        }
        *VAL(sec, k, double) = v;
        break;
    }
    case PL_CFG_STRING: {
        if (t != CONFIG_TYPE_STRING) {
            s_error(ld, st, "'%s' must be a string", path);
            return;
        }
        const char *v = config_setting_get_string(st);
        if (s_string_ok(ld, k, st, path, v)) {
            char **p = VAL(sec, k, char *);
            free(*p);
            *p = pl_xstrdup(v);
        }
        break;
    }
    case PL_CFG_LIST: {
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
            s_error(ld, st, "'%s' must be a list of strings, such as [\"a\", \"b\"]", path);
            return;
        }
        struct pl_strlist l = {0};
        bool ok = true;
        int count = config_setting_length(st);
        for (int i = 0; i < count; i++) {
            const config_setting_t *e = config_setting_get_elem(st, (unsigned)i);
            const char *v =
                config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : NULL;
            if (!v) {
                s_error(ld, e, "'%s' must hold only strings (element %d is not one)", path, i + 1);
                ok = false;
            } else if (s_string_ok(ld, k, e, path, v)) {
                pl_strlist_add(&l, v);
            } else {
                ok = false;
            }
        }
        if (ok) {
            pl_strlist_release(VAL(sec, k, struct pl_strlist));
            *VAL(sec, k, struct pl_strlist) = l;
        } else {
            pl_strlist_release(&l);
        }
        break;
    }
    }
}

static void s_walk(struct load *ld, const config_setting_t *group, const char *prefix)
{
    int count = config_setting_length(group);
    for (int i = 0; i < count; i++) {
        const config_setting_t *st = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(st);
        char path[256];
        if (!name)
            continue; /* list elements are handled by the key that owns the list */
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", name);
        const struct pl_cfg_section *sec = NULL;
        const struct pl_cfg_key *k = s_find(ld->secs, ld->n, path, &sec);
        if (config_setting_type(st) == CONFIG_TYPE_GROUP) {
            if (k)
                s_error(ld, st, "'%s' must be a single value, not a group", path);
            else if (!s_is_group(ld->secs, ld->n, path))
                s_error(ld, st, "unknown group '%s'", path);
            else
                s_walk(ld, st, path);
            continue;
        }
        if (!k) {
            s_error(ld, st, "unknown key '%s'", path);
            continue;
        }
        s_apply(ld, sec, k, st, path);
    }
}

int pl_cfg_load(const struct pl_cfg_section *secs, size_t n, const char *path)
{
    /* libconfig cannot say why a file failed to open, so look first. */
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s:0: cannot read config file: %s\n", path, strerror(errno));
        return -1;
    }
    fclose(f);

    config_t cfg;
    config_init(&cfg);
    /* @include paths are relative to the including file's folder. */
    char dir[4096];
    int dlen = snprintf(dir, sizeof dir, "%s", path);
    char *slash = dlen > 0 && (size_t)dlen < sizeof dir ? strrchr(dir, '/') : NULL;
    if (slash) {
        *slash = '\0';
        config_set_include_dir(&cfg, dir);
    }
    if (!config_read_file(&cfg, path)) {
        const char *file = config_error_file(&cfg);
        fprintf(stderr, "%s:%d: %s\n", file ? file : path, config_error_line(&cfg),
                config_error_text(&cfg));
        config_destroy(&cfg);
        return -1;
    }
    struct load ld = {.secs = secs, .n = n, .file = path, .errors = 0};
    s_walk(&ld, config_root_setting(&cfg), "");
    config_destroy(&cfg);
    return ld.errors ? -1 : 0;
}

static void s_format_string(struct pl_buf *out, const char *v)
{
    if (!v)
        v = "";
    if (*v == '\0' || strpbrk(v, " \t\"=,[]"))
        pl_json_string(out, v, strlen(v));
    else
        pl_buf_puts(out, v);
}

static void s_format_value(const struct pl_cfg_section *sec, const struct pl_cfg_key *k,
                           struct pl_buf *out)
{
    switch (k->type) {
    case PL_CFG_INT:
        pl_buf_printf(out, "%lld", (long long)*VAL(sec, k, int64_t));
        break;
    case PL_CFG_BOOL:
        pl_buf_puts(out, *VAL(sec, k, bool) ? "true" : "false");
        break;
    case PL_CFG_FLOAT:
        pl_buf_printf(out, "%g", *VAL(sec, k, double));
        break;
    case PL_CFG_STRING:
        s_format_string(out, *VAL(sec, k, char *));
        break;
    case PL_CFG_LIST: {
        const struct pl_strlist *l = VAL(sec, k, struct pl_strlist);
        pl_buf_putc(out, '[');
        for (size_t i = 0; i < l->n; i++) {
            if (i)
                pl_buf_putc(out, ',');
            s_format_string(out, l->v[i]);
        }
        pl_buf_putc(out, ']');
        break;
    }
    }
}

void pl_cfg_format(const struct pl_cfg_section *secs, size_t n, struct pl_buf *out)
{
    bool first = true;
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < secs[s].nkeys; i++) {
            if (!first)
                pl_buf_putc(out, ' ');
            first = false;
            pl_buf_printf(out, "%s=", secs[s].keys[i].name);
            const struct pl_cfg_key *k = &secs[s].keys[i];
            if (k->secret && k->type == PL_CFG_STRING && *VAL(&secs[s], k, char *) &&
                **VAL(&secs[s], k, char *))
                pl_buf_puts(out, "(secret)");
            else
                s_format_value(&secs[s], k, out);
        }
}

void pl_cfg_describe(const struct pl_cfg_section *secs, size_t n, FILE *out)
{
    static const char *const types[] = {"integer", "boolean", "number", "string",
                                        "list of strings"};
    fprintf(out, "| key | type | default | range | meaning |\n|---|---|---|---|---|\n");
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < secs[s].nkeys; i++) {
            const struct pl_cfg_key *k = &secs[s].keys[i];
            char range[64] = "";
            if (k->type == PL_CFG_INT)
                snprintf(range, sizeof range, "%lld..%lld", (long long)k->min, (long long)k->max);
            else if (k->type == PL_CFG_FLOAT)
                snprintf(range, sizeof range, "%g..%g", k->fmin, k->fmax);
            else if (k->type == PL_CFG_STRING || k->type == PL_CFG_LIST)
                snprintf(range, sizeof range, "%s%lld bytes%s", k->min ? "1.." : "0..",
                         (long long)k->max, k->type == PL_CFG_LIST ? " each" : "");
            const char *def = k->type == PL_CFG_LIST && !*k->def ? "[]" : k->def;
            fprintf(out, "| `%s` | %s | `%s` | %s | %s |\n", k->name, types[k->type], def, range,
                    k->help);
        }
}

const char *pl_cfg_check_endpoint(const char *value)
{
    static const char *const schemes[] = {"tcp://", "ipc://", "inproc://"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i]);
        if (strncmp(value, schemes[i], n) == 0)
            return value[n] ? NULL : "the address after the scheme is missing";
    }
    return "must start with tcp://, ipc:// or inproc://";
}

const char *pl_cfg_check_log_level(const char *value)
{
    enum pl_log_level lvl;
    return pl_log_parse_level(value, &lvl) == 0 ? NULL : "must be error, warn, info or debug";
}
