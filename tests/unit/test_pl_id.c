/* test_pl_id.c - stable ids. The expected values were computed independently (Python's
 * hashlib.blake2b, digest_size=16, over the same length-prefixed parts), so a change of
 * hash, tag or framing shows here: ids must never change between releases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pl_id.h"

static void test_article_id_from_url_is_known_blake2b(void **state)
{
    (void)state;
    char id[PL_ID_HEX + 1];
    pl_id_article_url(id, "https://example.org/a");
    assert_string_equal(id, "e598dff6fe048976b9df57c708d92260");
    assert_int_equal(strlen(id), PL_ID_HEX);
}

static void test_mention_id_is_known_blake2b(void **state)
{
    (void)state;
    char id[PL_ID_HEX + 1];
    pl_id_mention(id, "8704a36d470d847e8704a36d470d847e", "parley-0.1.0",
                  "2023-10-23|ARMGOV|AZEGOV|040");
    assert_string_equal(id, "304652a1a5eb41a4bf454bb8b29562fa");
}

static void test_content_id_differs_from_url_id_of_the_same_bytes(void **state)
{
    (void)state;
    char a[PL_ID_HEX + 1], b[PL_ID_HEX + 1];
    pl_id_article_content(a, "Hello", 5);
    assert_string_equal(a, "d2d09e5dfa00eb06bcc3f9530d639797");
    pl_id_article_url(b, "Hello");
    assert_string_not_equal(a, b);
}

static void test_parts_are_framed_so_boundaries_matter(void **state)
{
    (void)state;
    char a[PL_ID_HEX + 1], b[PL_ID_HEX + 1];
    pl_id_mention(a, "ab", "c", "d");
    pl_id_mention(b, "a", "bc", "d");
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_article_id_from_url_is_known_blake2b),
        cmocka_unit_test(test_mention_id_is_known_blake2b),
        cmocka_unit_test(test_content_id_differs_from_url_id_of_the_same_bytes),
        cmocka_unit_test(test_parts_are_framed_so_boundaries_matter),
    };
    return cmocka_run_group_tests_name("pl_id", tests, NULL, NULL);
}
