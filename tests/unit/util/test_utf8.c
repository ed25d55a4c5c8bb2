/* test_utf8.c — the shared UTF-8 validator, repairer and encoder: every
 * ill-formed class of RFC 3629, boundaries of the fast paths, repair output,
 * and the encoder at each length boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "fahras/utf8.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static void test_valid(void **state)
{
    (void)state;
    assert_true(fh_utf8_valid(S("")));
    assert_true(fh_utf8_valid(S("plain ASCII text that is longer than eight bytes")));
    assert_true(fh_utf8_valid(S("\xd8\xa7\xd9\x84\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa7\xd8\xaa"))); /* الشركات */
    assert_true(fh_utf8_valid(S("\xef\xbb\xbb")));       /* U+FEFB lam-alef ligature */
    assert_true(fh_utf8_valid(S("\xf0\x9f\x98\x80")));   /* U+1F600 */
    assert_true(fh_utf8_valid(S("\xf4\x8f\xbf\xbf")));   /* U+10FFFF, the last code point */
    assert_true(fh_utf8_valid(S("\xed\x9f\xbf")));       /* U+D7FF, just below the surrogates */
    assert_true(fh_utf8_valid(S("a\0b")));               /* NUL is a valid code point */
}

static void test_invalid_classes(void **state)
{
    (void)state;
    assert_int_equal(fh_utf8_check(S("abc\x80")), 3);            /* lone continuation */
    assert_int_equal(fh_utf8_check(S("\xc0\xaf")), 0);           /* overlong 2-byte */
    assert_int_equal(fh_utf8_check(S("\xc1\xbf")), 0);
    assert_int_equal(fh_utf8_check(S("\xe0\x80\xaf")), 0);       /* overlong 3-byte */
    assert_int_equal(fh_utf8_check(S("\xf0\x80\x80\xaf")), 0);   /* overlong 4-byte */
    assert_int_equal(fh_utf8_check(S("x\xed\xa0\x80")), 1);      /* surrogate U+D800 */
    assert_int_equal(fh_utf8_check(S("\xf4\x90\x80\x80")), 0);   /* past U+10FFFF */
    assert_int_equal(fh_utf8_check(S("\xf5\x80\x80\x80")), 0);
    assert_int_equal(fh_utf8_check(S("\xff")), 0);
    assert_int_equal(fh_utf8_check(S("\xd8")), 0);               /* truncated 2-byte at the end */
    assert_int_equal(fh_utf8_check(S("\xd8 ")), 0);              /* 2-byte lead, bad follower */
    assert_int_equal(fh_utf8_check(S("12345678\xe2\x82")), 8);   /* truncated after an ASCII run */
    assert_false(fh_utf8_valid(S("\xd8\xa7\xd9")));
}

static void test_seq_len(void **state)
{
    (void)state;
    const unsigned char a[] = {0xd8, 0xa7};
    assert_int_equal(fh_utf8_seq_len(a, 2), 2);
    assert_int_equal(fh_utf8_seq_len(a, 1), 0); /* never reads past avail */
    const unsigned char e[] = {0xe2, 0x82, 0xac};
    assert_int_equal(fh_utf8_seq_len(e, 3), 3);
    assert_int_equal(fh_utf8_seq_len(e, 2), 0);
}

static void test_repair(void **state)
{
    (void)state;
    fh_buf b;
    fh_buf_init(&b, 1024);
    assert_int_equal(fh_utf8_repair(S("ok \xd8\xa7"), &b), 0);
    assert_string_equal(b.data, "ok \xd8\xa7");
    fh_buf_reset(&b);
    /* each ill-formed byte becomes one U+FFFD; the rest is kept verbatim */
    assert_int_equal(fh_utf8_repair(S("a\x80\xc0\xaf" "b\xd8"), &b), 4);
    assert_string_equal(b.data, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd");
    assert_true(fh_utf8_valid(b.data, b.len));
    fh_buf_free(&b);
}

static void test_repair_respects_cap(void **state)
{
    (void)state;
    fh_buf b;
    fh_buf_init(&b, 4);
    assert_true(fh_utf8_repair(S("ab\xff\xff"), &b) < 0);
    fh_buf_free(&b);
}

/* fh_utf8_encode at every length boundary; the bytes are well-formed. */
static void test_encode(void **state)
{
    (void)state;
    static const struct {
        uint32_t cp;
        const char *utf8;
        size_t n;
    } cases[] = {
        {0x00, "\0", 1},
        {0x7F, "\x7f", 1},
        {0x80, "\xc2\x80", 2},
        {0x627, "\xd8\xa7", 2}, /* alef */
        {0x7FF, "\xdf\xbf", 2},
        {0x800, "\xe0\xa0\x80", 3},
        {0xFFFD, "\xef\xbf\xbd", 3},
        {0xFFFF, "\xef\xbf\xbf", 3},
        {0x10000, "\xf0\x90\x80\x80", 4},
        {0x10FFFF, "\xf4\x8f\xbf\xbf", 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[4];
        size_t n = fh_utf8_encode(cases[i].cp, out);
        assert_int_equal(n, cases[i].n);
        assert_memory_equal(out, cases[i].utf8, n);
        assert_int_equal(fh_utf8_seq_len((const unsigned char *)out, n), n);
    }
}

/* fh_utf8_chars against a byte-at-a-time count, at every offset and length
 * of a text that mixes 1- to 4-byte characters, so each span starts and ends
 * inside and outside the eight-byte steps and inside a sequence. */
static void test_chars(void **state)
{
    (void)state;
    static const char text[] = "abc \xD8\xB4\xD8\xB1\xD9\x83\xD8\xA9 \xE2\x80\xA6 DeepSeek "
                               "\xF0\x9F\x98\x80\xEF\xBF\xBD\xD8\xA7\xD9\x84 12345678";
    const size_t len = sizeof text - 1;
    assert_int_equal(fh_utf8_chars(S("")), 0);
    assert_int_equal(fh_utf8_chars(S("\xD8\xB4\xD8\xB1\xD9\x83\xD8\xA9")), 4);
    assert_int_equal(fh_utf8_chars(text, len), 33);
    for (size_t a = 0; a <= len; a++) {
        for (size_t b = a; b <= len; b++) {
            size_t k = 0;
            for (size_t i = a; i < b; i++)
                k += ((unsigned char)text[i] & 0xC0u) != 0x80u;
            assert_int_equal(fh_utf8_chars(text + a, b - a), k);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid_classes),
        cmocka_unit_test(test_seq_len),
        cmocka_unit_test(test_repair),
        cmocka_unit_test(test_repair_respects_cap),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_chars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
