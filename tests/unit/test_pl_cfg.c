/* test_pl_cfg.c - configuration: defaults, overlay, and every kind of bad file reported as
 * file:line: message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pl_cfg.h"

struct demo {
    int64_t port;   /* INT */
    bool fast;      /* BOOL */
    double ratio;   /* FLOAT */
    char *name;     /* STRING */
    char *endpoint; /* STRING with a check */
};

static const struct pl_cfg_key keys[] = {
    {"net.port", PL_CFG_INT, offsetof(struct demo, port), 1, 65535, 0, 0, "5555", "port", NULL},
    {"net.fast", PL_CFG_BOOL, offsetof(struct demo, fast), 0, 0, 0, 0, "false", "fast", NULL},
    {"ratio", PL_CFG_FLOAT, offsetof(struct demo, ratio), 0, 0, 0.0, 1.0, "0.5", "ratio", NULL},
    {"name", PL_CFG_STRING, offsetof(struct demo, name), 1, 8, 0, 0, "parley", "name", NULL},
    {"net.endpoint", PL_CFG_STRING, offsetof(struct demo, endpoint), 1, 100, 0, 0, "tcp://*:1",
     "endpoint", pl_cfg_check_endpoint},
};

struct fixture {
    struct demo d;             /* the config being loaded */
    struct pl_cfg_section sec; /* its section */
    char dir[64];              /* temp folder */
    char path[128];            /* config file in it */
    char errpath[128];         /* captured stderr */
    int saved_stderr;          /* stderr before capture */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/pl_cfg_XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/test.cfg", f->dir);
    snprintf(f->errpath, sizeof f->errpath, "%s/stderr", f->dir);
    f->sec = (struct pl_cfg_section){keys, sizeof keys / sizeof keys[0], &f->d};
    pl_cfg_defaults(&f->sec, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    pl_cfg_release(&f->sec, 1);
    unlink(f->path);
    unlink(f->errpath);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void s_write(struct fixture *f, const char *text)
{
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* Loads f->path with stderr captured; returns the loader's result, *err the messages. */
static int s_load(struct fixture *f, char *err, size_t errlen)
{
    fflush(stderr);
    f->saved_stderr = dup(2);
    FILE *cap = fopen(f->errpath, "w");
    dup2(fileno(cap), 2);
    int rc = pl_cfg_load(&f->sec, 1, f->path);
    fflush(stderr);
    dup2(f->saved_stderr, 2);
    close(f->saved_stderr);
    fclose(cap);
    FILE *in = fopen(f->errpath, "r");
    size_t n = fread(err, 1, errlen - 1, in);
    err[n] = '\0';
    fclose(in);
    return rc;
}

static void test_defaults_apply_without_a_file(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(f->d.port, 5555);
    assert_false(f->d.fast);
    assert_true(f->d.ratio == 0.5);
    assert_string_equal(f->d.name, "parley");
}

static void test_file_overlays_defaults_and_keeps_the_rest(void **state)
{
    struct fixture *f = *state;
    s_write(f, "# comment\nnet = {\n  port = 6000;\n  fast = true;\n};\nratio = 1;\n");
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_int_equal(f->d.port, 6000);
    assert_true(f->d.fast);
    assert_true(f->d.ratio == 1.0); /* an integer is fine for a number */
    assert_string_equal(f->d.name, "parley");
    struct pl_buf b;
    pl_buf_init(&b);
    pl_cfg_format(&f->sec, 1, &b);
    assert_string_equal(b.data, "net.port=6000 net.fast=true ratio=1 name=parley "
                                "net.endpoint=tcp://*:1");
    pl_buf_release(&b);
}

static void test_strings_are_copied_out_of_libconfig(void **state)
{
    struct fixture *f = *state;
    s_write(f, "name = \"alpha\";\n");
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), 0);
    /* libconfig's tree is gone by now; the string must be ours */
    assert_string_equal(f->d.name, "alpha");
}

static void test_unknown_key_is_an_error_with_its_line(void **state)
{
    struct fixture *f = *state;
    s_write(f, "net = {\n  port = 6000;\n  prot = 6001;\n};\n");
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), -1);
    char want[256];
    snprintf(want, sizeof want, "%s:3: unknown key 'net.prot'\n", f->path);
    assert_string_equal(err, want);
}

static void test_unknown_group_is_an_error(void **state)
{
    struct fixture *f = *state;
    s_write(f, "ratio = 0.1;\nnett = { port = 1; };\n");
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2: unknown group 'nett'"));
}

static void test_out_of_range_values_are_errors(void **state)
{
    struct fixture *f = *state;
    s_write(f, "net = { port = 70000; };\nratio = 1.5;\nname = \"much too long\";\n");
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: 'net.port' is 70000, must be 1..65535\n"));
    assert_non_null(strstr(err, ":2: 'ratio' is 1.5, must be 0..1\n"));
    assert_non_null(strstr(err, ":3: 'name' is 13 bytes long, at most 8 allowed\n"));
    assert_int_equal(f->d.port, 5555); /* a refused value is not applied */
}

static void test_values_of_the_wrong_type_are_errors(void **state)
{
    struct fixture *f = *state;
    s_write(f, "net = { port = \"80\"; fast = 1; };\nname = 3;\nratio = \"x\";\n");
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: 'net.port' must be an integer"));
    assert_non_null(strstr(err, ":1: 'net.fast' must be true or false"));
    assert_non_null(strstr(err, ":2: 'name' must be a string"));
    assert_non_null(strstr(err, ":3: 'ratio' must be a number"));
}

static void test_huge_integer_is_not_read_as_zero(void **state)
{
    struct fixture *f = *state;
    /* libconfig 1.5 reads an int64 that does not fit an int as 0 through get_int */
    s_write(f, "net = { port = 4294967297L; };\n");
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), -1);
    assert_non_null(strstr(err, "'net.port' is 4294967297, must be 1..65535"));
}

static void test_syntax_error_reports_its_line(void **state)
{
    struct fixture *f = *state;
    s_write(f, "ratio = 0.1;\n\nnet = { port = ; };\n");
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), -1);
    char want[256];
    snprintf(want, sizeof want, "%s:3: syntax error\n", f->path);
    assert_string_equal(err, want);
}

static void test_missing_file_is_an_error(void **state)
{
    struct fixture *f = *state;
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), -1);
    assert_non_null(strstr(err, "test.cfg:0: cannot read config file: No such file"));
}

static void test_string_checks_run(void **state)
{
    struct fixture *f = *state;
    s_write(f, "net = { endpoint = \"http://x\"; };\n");
    char err[1024];
    assert_int_equal(s_load(f, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: 'net.endpoint' = \"http://x\": must start with tcp://"));
    assert_null(pl_cfg_check_endpoint("ipc:///tmp/x"));
    assert_non_null(pl_cfg_check_endpoint("tcp://"));
    assert_null(pl_cfg_check_log_level("debug"));
    assert_non_null(pl_cfg_check_log_level("loud"));
}

static void test_describe_lists_every_key(void **state)
{
    struct fixture *f = *state;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    pl_cfg_describe(&f->sec, 1, mem);
    fclose(mem);
    assert_non_null(strstr(text, "| `net.port` | integer | `5555` | 1..65535 | port |"));
    assert_non_null(strstr(text, "| `name` | string | `parley` | 1..8 bytes | name |"));
    free(text);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_defaults_apply_without_a_file),
        T(test_file_overlays_defaults_and_keeps_the_rest),
        T(test_strings_are_copied_out_of_libconfig),
        T(test_unknown_key_is_an_error_with_its_line),
        T(test_unknown_group_is_an_error),
        T(test_out_of_range_values_are_errors),
        T(test_values_of_the_wrong_type_are_errors),
        T(test_huge_integer_is_not_read_as_zero),
        T(test_syntax_error_reports_its_line),
        T(test_missing_file_is_an_error),
        T(test_string_checks_run),
        T(test_describe_lists_every_key),
    };
    return cmocka_run_group_tests_name("pl_cfg", tests, NULL, NULL);
}
