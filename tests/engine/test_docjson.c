/* test_docjson.c — the strict stored-document reader (docjson.c) never
 * disagrees with jansson: on crafted documents (escapes, surrogates, NUL,
 * duplicates, nesting, numbers, trailing bytes, invalid UTF-8) and on 20,000
 * random mutations of them, whenever it accepts a document its string values
 * for the asked keys are exactly jansson's, and json_loadb() accepts it too.
 * fh_docjson_copy_raw's copies parse back to jansson's values, and
 * fh_docjson_copy_doc's copy of a whole document to jansson's object, with
 * no duplicate key and no raw line break. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static const char *const KEYS[3] = {"title", "text", "body"};

/* Compare with jansson; returns whether the fast path accepted. */
static bool check(const char *doc, size_t len)
{
    fh_buf scratch;
    fh_jstr v[3];
    fh_buf_init(&scratch, 1u << 20);
    int ok = fh_docjson_strings(doc, len, KEYS, 3, v, &scratch);
    if (ok == 1) {
        json_t *j = json_loadb(doc, len, 0, NULL);
        assert_non_null(j);
        assert_true(json_is_object(j));
        for (int k = 0; k < 3; k++) {
            json_t *s = json_object_get(j, KEYS[k]);
            assert_int_equal(v[k].found, json_is_string(s));
            if (v[k].found) {
                assert_int_equal(v[k].len, json_string_length(s));
                assert_memory_equal(v[k].len ? v[k].p : "", json_string_value(s), v[k].len);
            }
        }
        json_decref(j);
    }
    fh_buf_free(&scratch);
    return ok == 1;
}

static const char *const DOCS[] = {
    "{\"id\":\"a\",\"title\":\"عنوان\",\"text\":\"نص \\\"مقتبس\\\"\\n\\tسطر\"}",
    "{\"title\":\"x\\u00e9\\u0645\\ud83d\\ude00\\/y\",\"text\":\"\"}",
    "{\"title\":\"a\",\"title\":\"b\",\"text\":1,\"text\":\"last\"}",
    "{\"text\":\"s\",\"text\":[1,2,{\"a\":null}]}",
    "{\"n\":-0.5,\"m\":12345,\"t\":true,\"f\":false,\"z\":null,\"text\":\"ok\"}",
    "  {\"text\" : \"spaced\" ,\r\n \"body\":\"b\"}  ",
    "{}",
    "[]",
    "{\"text\":\"nul\\u0000\"}",
    "{\"text\":\"lone \\ud800 \"}",
    "{\"text\":\"lone \\udc00 \"}",
    "{\"text\":\"bad \\x\"}",
    "{\"text\":\"raw\ttab\"}",
    "{\"text\":\"ok\"} x",
    "{\"text\":\"ok\",}",
    "{\"t\\u0065xt\":\"escaped key\"}",
    "{\"n\":1e999,\"text\":\"exp\"}",
    "{\"n\":12345678901234567890123,\"text\":\"big\"}",
    "{\"n\":01,\"text\":\"lead zero\"}",
    "{\"text\":\"\xff\xfe\"}",
    "{\"text\":\"\xed\xa0\x80\"}",
    ("{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]"
     "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],\"text\":\"deep\"}"),
    "{\"text\":\"unterminated",
    "{\"text\"",
    "",
};

static void test_crafted(void **state)
{
    (void)state;
    size_t n = sizeof DOCS / sizeof DOCS[0];
    for (size_t i = 0; i < n; i++)
        check(DOCS[i], strlen(DOCS[i]));
    /* the ordinary ones are taken by the fast path */
    assert_true(check(DOCS[0], strlen(DOCS[0])));
    assert_true(check(DOCS[1], strlen(DOCS[1])));
    assert_true(check(DOCS[2], strlen(DOCS[2])));
    assert_true(check(DOCS[5], strlen(DOCS[5])));
    assert_false(check(DOCS[8], strlen(DOCS[8])));
    assert_false(check(DOCS[13], strlen(DOCS[13])));
}

static void test_mutations(void **state)
{
    (void)state;
    static const char alphabet[] = "{}[]\":,\\u0dD8eE.-+ \nabtn\x80\xd9\x85";
    unsigned seed = 12345, accepted = 0;
    char buf[512];
    size_t n = sizeof DOCS / sizeof DOCS[0];
    for (int r = 0; r < 20000; r++) {
        const char *d = DOCS[(size_t)r % 6];
        size_t len = strlen(d);
        memcpy(buf, d, len);
        int muts = 1 + (int)(rand_r(&seed) % 3);
        for (int m = 0; m < muts && len > 0; m++) {
            size_t at = (size_t)rand_r(&seed) % len;
            unsigned op = (unsigned)rand_r(&seed) % 3;
            char c = alphabet[(size_t)rand_r(&seed) % (sizeof alphabet - 1)];
            if (op == 0) {
                buf[at] = c;
            } else if (op == 1 && len + 1 < sizeof buf) {
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = c;
                len++;
            } else {
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
            }
        }
        if (check(buf, len))
            accepted++;
    }
    assert_true(accepted > 100); /* the comparison did happen */
    (void)n;
}

/* fh_docjson_copy_raw on a document jansson accepts: every key is found
 * (escaped keys too) and its copy parses back to jansson's value. Returns
 * the number of values copied. */
static unsigned check_raw(const char *doc, size_t len)
{
    json_t *j = json_loadb(doc, len, JSON_ALLOW_NUL, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return 0;
    }
    unsigned copied = 0;
    fh_buf out;
    fh_buf_init(&out, 1u << 20);
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        fh_buf_reset(&out);
        int rc = fh_docjson_copy_raw(doc, len, key, strlen(key), &out);
        assert_int_equal(rc, 1);
        json_t *back = json_loadb(out.data, out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        assert_non_null(back);
        assert_true(json_equal(back, v));
        assert_null(memchr(out.data, '\n', out.len));
        json_decref(back);
        copied++;
    }
    fh_buf_reset(&out);
    assert_int_equal(fh_docjson_copy_raw(doc, len, "no such key", 11, &out), 0);
    /* the whole document: jansson's object, each key once, on one line */
    fh_buf_reset(&out);
    assert_int_equal(fh_docjson_copy_doc(doc, len, &out), 0);
    json_t *back = json_loadb(out.data, out.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    assert_non_null(back);
    assert_true(json_equal(back, j));
    assert_null(memchr(out.data, '\n', out.len));
    assert_null(memchr(out.data, '\r', out.len));
    json_decref(back);
    fh_buf_free(&out);
    json_decref(j);
    return copied;
}

static void test_copy_raw(void **state)
{
    (void)state;
    /* numbers keep their text; white space outside strings goes; last key wins */
    static const struct {
        const char *doc, *key, *want;
    } c[] = {
        {"{\"n\":9007199254740993}", "n", "9007199254740993"},
        {"{\"n\" : 1.10 , \"m\":1E2}", "n", "1.10"},
        {"{\"n\":1,\"m\":1E2}", "m", "1E2"},
        {"{\"a\":[ 1 , \"x , ]} y\" ,{ \"k\" :\r\n -0 } ]}", "a", "[1,\"x , ]} y\",{\"k\":-0}]"},
        {"{\"s\":\"q\\\"}\",\"t\":true}", "t", "true"},
        {"{\"d\":1,\"d\":[2]}", "d", "[2]"},
        {"{\"z\":null}", "z", "null"},
        {"{\"k\\u0065y\":1.10,\"x\":2}", "key", "1.10"},
        {"{\"x\":1.10,\"k\\u0065y2\":0.1}", "x", "1.10"},
        {"{\"a\\\"b\":[1],\"a\\\"b\":1e2}", "a\"b", "1e2"},
    };
    fh_buf out;
    fh_buf_init(&out, 1u << 20);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        fh_buf_reset(&out);
        assert_int_equal(
            fh_docjson_copy_raw(c[i].doc, strlen(c[i].doc), c[i].key, strlen(c[i].key), &out), 1);
        assert_int_equal(out.len, strlen(c[i].want));
        assert_memory_equal(out.data, c[i].want, out.len);
    }
    /* documents no indexer stores (truncated, garbage): no answer, no read past the end */
    static const char *const bad[] = {"{\"",      "{\"a",   "{\"a\":\"x", "{\"a\":[\"x\\",
                                      "{\"a\":{", "{\"a\\", "{\"a\":",    "\"",
                                      "{",        ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fh_buf_reset(&out);
        size_t n = strlen(bad[i]);
        char *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
        assert_non_null(copy);
        memcpy(copy, bad[i], n);
        int rc = fh_docjson_copy_raw(copy, n, "a", 1, &out);
        assert_true(rc == 0 || rc == 1);
        free(copy);
    }
    /* whole documents: compacted, a repeated key (compared decoded) once, at
       its last value and place */
    static const struct {
        const char *doc, *want;
    } w[] = {
        {"{\"id\":\"d7\",\r\"title\":\"x\",\n\"text\":\"y z\",\t\"title\":\"z\"}",
         "{\"id\":\"d7\",\"text\":\"y z\",\"title\":\"z\"}"},
        {" { \"id\" : \"a\" , \"n\" : [ 1 , 2.50 ] , \"id\" : \"b\" } ",
         "{\"n\":[1,2.50],\"id\":\"b\"}"},
        {"{\"k\\u0065y\":1,\"key\":2,\"x\":{\"a\" :1 ,\"a\":2}}", "{\"key\":2,\"x\":{\"a\":1,\"a\":2}}"},
        {"{\"key\":2,\"k\\u0065y\":1}", "{\"k\\u0065y\":1}"},
        {"{}", "{}"},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        fh_buf_reset(&out);
        assert_int_equal(fh_docjson_copy_doc(w[i].doc, strlen(w[i].doc), &out), 0);
        if (out.len != strlen(w[i].want) || memcmp(out.data, w[i].want, out.len) != 0)
            fail_msg("copy_doc [%s]: [%.*s], want [%s]", w[i].doc, (int)out.len, out.data,
                     w[i].want);
    }
    fh_buf_free(&out);
    /* against jansson: the crafted documents and mutations of them */
    unsigned copied = 0, seed = 777;
    for (size_t i = 0; i < sizeof DOCS / sizeof DOCS[0]; i++)
        copied += check_raw(DOCS[i], strlen(DOCS[i]));
    char buf[512];
    for (int r = 0; r < 20000; r++) {
        const char *d = DOCS[(size_t)r % 6];
        size_t len = strlen(d);
        memcpy(buf, d, len);
        size_t at = (size_t)rand_r(&seed) % len;
        static const char alpha[] = "{}[]\":, \\0123e.-tnu";
        buf[at] = alpha[(size_t)rand_r(&seed) % (sizeof alpha - 1)];
        copied += check_raw(buf, len);
    }
    assert_true(copied > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crafted),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_copy_raw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
