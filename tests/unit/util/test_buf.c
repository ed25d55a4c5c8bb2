/* test_buf.c — the bounded buffer: caps, JSON string escaping, ownership transfer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fahras/buf.h"
#include "fahras/err.h"

static void test_cap_is_enforced(void **state)
{
    (void)state;
    fh_buf b;
    fh_buf_init(&b, 8);
    assert_int_equal(fh_buf_adds(&b, "12345678"), 0);
    assert_int_equal(fh_buf_addc(&b, 'x'), FH_ELIMIT);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    fh_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(fh_buf_addf(&b, "%d-%s", 42, "ab"), 0);
    assert_string_equal(b.data, "42-ab");
    assert_int_equal(fh_buf_addf(&b, "%s", "too long"), FH_ELIMIT);
    assert_string_equal(b.data, "42-ab");
    fh_buf_free(&b);
}

static void test_json_escaping(void **state)
{
    (void)state;
    fh_buf b;
    fh_buf_init(&b, 1024);
    const char in[] = "a\"b\\c\n\t\x01 \xd8\xb4\xd8\xb1\xd9\x83\xd8\xa9";
    assert_int_equal(fh_buf_add_json_str(&b, in, sizeof in - 1), 0);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001 \xd8\xb4\xd8\xb1\xd9\x83\xd8\xa9\"");
    fh_buf_reset(&b);
    /* invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong form, a NUL */
    const char bad[] = "x\x80y\xd8z\xc0\xaf\x00";
    assert_int_equal(fh_buf_add_json_str(&b, bad, sizeof bad - 1), 0);
    assert_string_equal(b.data, "\"x\xef\xbf\xbdy\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd\\u0000\"");
    fh_buf_reset(&b);
    /* a bad byte inside a run of Arabic letters, and a lead byte cut off at the end */
    const char mid[] = "\xd8\xb4\xff\xd8\xb1\xd9";
    assert_int_equal(fh_buf_add_json_str(&b, mid, sizeof mid - 1), 0);
    assert_string_equal(b.data, "\"\xd8\xb4\xef\xbf\xbd\xd8\xb1\xef\xbf\xbd\"");
    fh_buf_free(&b);
}

/* the characters line-oriented readers take for a line end are escaped,
 * their neighbours (U+00A0, U+2027, U+202A) are not */
static void test_json_escaping_of_line_breaks(void **state)
{
    (void)state;
    fh_buf b;
    fh_buf_init(&b, 1024);
    const char in[] = "a\xE2\x80\xA8"
                      "b\xC2\x85"
                      "c\xE2\x80\xA9"
                      "d\xC2\x80\xC2\x9F"
                      "\xC2\xA0\xE2\x80\xA7\xE2\x80\xAA";
    assert_int_equal(fh_buf_add_json_str(&b, in, sizeof in - 1), 0);
    assert_string_equal(b.data, "\"a\\u2028b\\u0085c\\u2029d\\u0080\\u009f"
                                "\xC2\xA0\xE2\x80\xA7\xE2\x80\xAA\"");
    /* raw JSON text (a stored string token) keeps all but those */
    fh_buf_reset(&b);
    const char raw[] = "\"x\\u2028\xE2\x80\xA8y\xC2\x85\\n\xD8\xB4\"";
    assert_int_equal(fh_buf_add_json_raw(&b, raw, sizeof raw - 1), 0);
    assert_string_equal(b.data, "\"x\\u2028\\u2028y\\u0085\\n\xD8\xB4\"");
    /* all or nothing */
    fh_buf_free(&b);
    fh_buf_init(&b, 8);
    assert_int_equal(fh_buf_adds(&b, "ab"), 0);
    assert_int_equal(fh_buf_add_json_raw(&b, "c\xE2\x80\xA8", 4), FH_ELIMIT);
    assert_string_equal(b.data, "ab");
    fh_buf_free(&b);
}

static void test_json_escaping_respects_cap(void **state)
{
    (void)state;
    fh_buf b;
    fh_buf_init(&b, 6);
    assert_int_equal(fh_buf_adds(&b, "ab"), 0);
    assert_int_equal(fh_buf_add_json_str(&b, "cdef", 4), FH_ELIMIT);
    assert_string_equal(b.data, "ab"); /* all or nothing */
    fh_buf_free(&b);
}

static void test_take_moves_ownership(void **state)
{
    (void)state;
    fh_buf b;
    fh_buf_init(&b, 100);
    size_t n = 0;
    assert_null(fh_buf_take(&b, &n));
    assert_int_equal(fh_buf_adds(&b, "hello"), 0);
    char *p = fh_buf_take(&b, &n);
    assert_int_equal(n, 5);
    assert_string_equal(p, "hello");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(p);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(fh_errcode(FH_EINVAL), "bad_request");
    assert_string_equal(fh_errcode(FH_ENOTFOUND), "not_found");
    assert_string_equal(fh_strerror(FH_ECORRUPT), "index data is corrupt");
    assert_string_equal(fh_strerror(-12345), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_is_enforced),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_json_escaping_of_line_breaks),
        cmocka_unit_test(test_json_escaping_respects_cap),
        cmocka_unit_test(test_take_moves_ownership),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
