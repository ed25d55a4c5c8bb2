/* test_ix_units.c — the indexer's modules on their own: UTF-8 repair, the
 * fast JSON path against jansson (crafted and mutated lines), term tables +
 * spill runs + merge against a naive inverted index, and gzip/xz sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <lzma.h>
#include <zlib.h>

#include "fahras/err.h"
#include "ix_input.h"
#include "fahras/jsondoc.h"
#include "ix_json.h"
#include "ix_merge.h"
#include "ix_record.h"
#include "ix_table.h"
#include "fahras/utf8.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* ------------------------------------------------------------- UTF-8 */

static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
        int bad; /* replacements expected */
    } cases[] = {
        {"plain ascii", 11, 0},
        {"\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8", 8, 0},
        {"\xf0\x9f\x98\x80", 4, 0},
        {"caf\xe9", 4, 1},
        {"\xc0\xaf", 2, 2},             /* overlong */
        {"\xed\xa0\x80", 3, 3},         /* surrogate */
        {"\xf4\x90\x80\x80", 4, 4},     /* past U+10FFFF */
        {"\xd9", 1, 1},                 /* truncated */
        {"a\xff" "b\xfe", 4, 2},
        {"\xe2\x82", 2, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fh_buf b;
        fh_buf_init(&b, 1024);
        assert_int_equal(fh_utf8_valid(cases[i].s, cases[i].n), cases[i].bad == 0);
        assert_int_equal(fh_utf8_repair(cases[i].s, cases[i].n, &b), cases[i].bad);
        assert_true(fh_utf8_valid(b.data ? b.data : "", b.len));
        fh_buf_free(&b);
    }
    /* the vector path (16-byte chunks of ASCII and 2-byte forms) against the
     * scalar repair: random mixes, with a lead or continuation byte dropped,
     * inserted or replaced at every offset around the chunk edges */
    static const char *pieces[] = {"\xd9\x83", "\xd8\xa7", " ", "ab", "\xc2\xab", "\xe2\x80\x9d",
                                   "\xf0\x9f\x98\x80", "\xdb\x8c", "."};
    static const unsigned char junk[] = {0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xf4, 0xff};
    char buf[256];
    fh_buf b;
    fh_buf_init(&b, 4096);
    for (int iter = 0; iter < 30000; iter++) {
        size_t n = 0;
        size_t want = 1 + rnd(120);
        bool rich = rnd(4) == 0; /* else only ASCII and 2-byte pieces */
        while (n < want) {
            const char *pc = pieces[rnd(rich ? 9 : 6)];
            if (!rich && (pc[0] == '\xe2' || pc[0] == '\xf0'))
                pc = "\xd9\x84";
            size_t pl = strlen(pc);
            if (n + pl > sizeof buf - 2)
                break;
            memcpy(buf + n, pc, pl);
            n += pl;
        }
        int edit = (int)rnd(4);
        if (edit && n) {
            uint32_t at = rnd((uint32_t)n);
            unsigned char j = junk[rnd(sizeof junk)];
            if (edit == 1) { /* replace */
                buf[at] = (char)j;
            } else if (edit == 2) { /* delete */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            } else { /* insert */
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = (char)j;
                n++;
            }
        }
        fh_buf_reset(&b);
        bool ok = fh_utf8_repair(buf, n, &b) == 0;
        assert_int_equal(fh_utf8_valid(buf, n), ok);
        assert_true(fh_utf8_valid(b.data ? b.data : "", b.len));
    }
    fh_buf_free(&b);
}

/* ------------------------------------------------------------- JSON */

static const fh_fieldset fs2 = {2, {"title", "text"}};

/* Whatever the fast path accepts, jansson accepts with the same values. */
static void same_as_jansson(const char *line, size_t len)
{
    fh_buf esc;
    fh_buf_init(&esc, 1 << 20);
    fh_json_fields jf;
    if (!fh_utf8_valid(line, len))
        return;
    int ok = fh_json_fast(line, len, &fs2, &esc, &jf);
    json_error_t je;
    json_t *j = fh_json_load_doc(line, len, &je);
    if (ok && !j)
        fprintf(stderr, "fast path accepted what jansson refuses (%s): [%.*s]\n", je.text,
                (int)len, line);
    if (ok) {
        assert_non_null(j);
        assert_true(json_is_object(j));
        json_t *id = json_object_get(j, "id");
        if (json_is_string(id)) {
            assert_int_equal(json_string_length(id), jf.id_len);
            assert_memory_equal(json_string_value(id), jf.id, jf.id_len);
        } else { /* as the jansson path names a number id */
            char tmp[32];
            fh_buf keys; /* not esc: jf's fields point into it */
            fh_buf_init(&keys, 1 << 20);
            int k = fh_json_number_id(id, line, len, &keys, tmp, sizeof tmp);
            fh_buf_free(&keys);
            assert_true(k >= 0);
            assert_int_equal(k, jf.id_len);
            assert_memory_equal(tmp, jf.id, jf.id_len);
        }
        for (unsigned f = 0; f < 2; f++) {
            json_t *v = json_object_get(j, fs2.names[f]);
            if (json_is_string(v)) {
                assert_non_null(jf.text[f]);
                assert_int_equal(json_string_length(v), jf.text_len[f]);
                assert_memory_equal(json_string_value(v), jf.text[f], jf.text_len[f]);
            } else {
                assert_null(jf.text[f]);
            }
            assert_int_equal(!!(jf.nonstr & (1u << f)),
                             v && !json_is_string(v) && !json_is_null(v));
        }
    }
    json_decref(j);
    fh_buf_free(&esc);
}

static void test_json_fast(void **state)
{
    (void)state;
    static const char *good[] = {
        "{\"id\":\"a\",\"title\":\"t\",\"text\":\"x\"}",
        "  {\"id\" : 42 , \"text\" : \"\\u0627\\u0644\\ud83d\\ude00 \\\"q\\\" \\n\"}  ",
        "{\"id\":-7,\"title\":null,\"text\":[1,2,{\"a\":[true,false,null]}]}",
        "{\"x\":{\"id\":\"inner\"},\"id\":\"outer\",\"n\":1.5e10,\"m\":-0.25}",
        "{\"id\":\"\\/slash\\\\\",\"title\":\"\\b\\f\\r\\t\"}",
        ("{\"id\":\"\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8\",\"text\":"
         "\"\xd9\x85\xd9\x83\xd8\xaa\xd8\xa8\xd8\xa9\"}"),
        "{\"id\":\"nul\\u0000inside\"}",
        "{\"id\":0}",
        /* numbers beyond 64 bits or with long exponents, where no id or text is */
        "{\"id\":\"big\",\"n\":123456789012345678901234567890,\"m\":1e-400,\"x\":-2.5E300}",
        "{\"id\":123456789012345,\"title\":1e3,\"text\":true}",
    };
    static const char *declined[] = {
        "{\"id\":\"a\"",
        "{\"id\":\"a\",}",
        "[1]",
        "{\"id\":1.5}",
        "{\"title\":\"no id\"}",
        "{\"id\":\"a\",\"id\":\"b\"}",
        "{\"id\":\"\\ud800\"}",
        "{\"id\":\"a\"} x",
        "{\"id\":\"tab\there\"}",
        "{\"id\":01}",
        "{\"id\":12345678901234567890}",
        "{\"i\\u0064\":\"escaped key\"}",
        "{\"id\":\"a\",\"v\":tru}",
        "{\"id\":\"a\" \"t\":1}",
        "",
        "{}",
        "{\"id\":\"a\",\"n\":1e400}",
        "{\"id\":1234567890123456}",
        "{\"id\":\"a\",\"n\":1234567890123456789012345678901234567890e290}",
        /* cut right after an analyzed field's or the id's colon */
        "{\"id\":\"a\",\"title\":",
        "{\"id\":\"a\",\"title\": ",
        "{\"id\":",
        "{\"id\":\"a\",\"text\":",
    };
    fh_buf esc;
    fh_buf_init(&esc, 1 << 20);
    fh_json_fields jf;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(fh_json_fast(good[i], strlen(good[i]), &fs2, &esc, &jf), 1);
        same_as_jansson(good[i], strlen(good[i]));
    }
    for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++) {
        /* an exact-size copy: under ASan, a read past the line's end fails */
        size_t n = strlen(declined[i]);
        char *line = malloc(n ? n : 1);
        assert_non_null(line);
        memcpy(line, declined[i], n);
        assert_int_equal(fh_json_fast(line, n, &fs2, &esc, &jf), 0);
        free(line);
    }
    assert_int_equal(fh_json_fast(good[1], strlen(good[1]), &fs2, &esc, &jf), 1);
    assert_string_equal(jf.id, "42");
    assert_int_equal(jf.text_len[1], strlen("\xd8\xa7\xd9\x84\xf0\x9f\x98\x80 \"q\" \n"));
    fh_buf_free(&esc);
    /* mutations: random byte edits of the good lines */
    static const char alphabet[] = "{}[]\":,\\ u0123456789abcdefnrtl.-+eE\x01";
    char buf[256];
    for (int it = 0; it < 20000; it++) {
        const char *g = good[rnd(sizeof good / sizeof good[0])];
        size_t n = strlen(g);
        memcpy(buf, g, n);
        int edits = 1 + (int)rnd(3);
        for (int e = 0; e < edits; e++) {
            uint32_t k = rnd(3), at = rnd((uint32_t)n);
            char c = alphabet[rnd(sizeof alphabet - 1)];
            if (k == 0) {
                buf[at] = c;
            } else if (k == 1 && n > 1) {
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            } else if (n < sizeof buf - 1) {
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = c;
                n++;
            }
        }
        same_as_jansson(buf, n);
    }
}

/* A key given twice takes its last value on either path: every object of up
 * to three members drawn from the wanted keys and a few kinds of value
 * (jansson keeps the last value of a repeated key). */
static void test_json_repeated_keys(void **state)
{
    (void)state;
    static const char *keys[] = {"id", "title", "text"};
    static const char *vals[] = {"\"s\"", "\"e\\u0041\"", "7", "null", "[1]", "{}"};
    const unsigned nk = 3, nv = 6, np = nk * nv;
    fh_buf esc;
    fh_buf_init(&esc, 1 << 20);
    fh_json_fields jf;
    unsigned fast_repeats = 0;
    for (unsigned len = 1; len <= 3; len++) {
        unsigned total = len == 1 ? np : len == 2 ? np * np : np * np * np;
        for (unsigned c = 0; c < total; c++) {
            char line[256];
            size_t at = 0;
            unsigned used = 0, x = c;
            bool repeat = false;
            for (unsigned m = 0; m < len; m++, x /= np) {
                unsigned k = x % np / nv, v = x % np % nv;
                repeat |= (used >> k) & 1u;
                used |= 1u << k;
                at += (size_t)snprintf(line + at, sizeof line - at, "%s\"%s\":%s", m ? "," : "{",
                                       keys[k], vals[v]);
            }
            at += (size_t)snprintf(line + at, sizeof line - at, "}");
            same_as_jansson(line, at);
            fast_repeats += repeat && fh_json_fast(line, at, &fs2, &esc, &jf) == 1;
        }
    }
    assert_true(fast_repeats > 0); /* the fast path did take some repeated keys */
    /* the audit's line: the last value, null, is no text and no mistake */
    const char *l = "{\"id\":\"a\",\"title\":5,\"title\":null,\"text\":\"x\"}";
    assert_int_equal(fh_json_fast(l, strlen(l), &fs2, &esc, &jf), 1);
    assert_int_equal(jf.nonstr, 0);
    fh_buf_free(&esc);
}

/* Whether a JSON text holds a \uD800-\uDFFF escape that is not half of a
 * pair (inside its strings; the texts here have no other backslashes). */
static bool has_lone_surrogate(const char *s, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] != 'u') {
            i++;
            continue;
        }
        unsigned u, lo;
        if (sscanf(s + i + 2, "%4x", &u) != 1)
            continue;
        if (u >= 0xD800 && u <= 0xDBFF && i + 12 <= n && s[i + 6] == '\\' &&
            sscanf(s + i + 8, "%4x", &lo) == 1 && lo >= 0xDC00 && lo <= 0xDFFF) {
            i += 11;
            continue;
        }
        if (u >= 0xD800 && u <= 0xDFFF)
            return true;
        i += 5;
    }
    return false;
}

/* A lone surrogate escape is rewritten \ufffd and the line kept: random
 * strings of escapes (lone halves, pairs, escaped backslashes, quotes) in
 * a JSON Lines record never crash the parser; a record kept is a JSON
 * object jansson reads, with no lone surrogate left, the same length as the
 * line; one refused is malformed. */
static void test_lone_surrogates(void **state)
{
    (void)state;
    static const char *pieces[] = {"\\ud800", "\\uDBFF", "\\udc00", "\\uDFFF", "\\ud83d\\ude00",
                                   "\\\\",    "\\\"",    "a",       " ",       "\\u0041",
                                   "\\u",     "\"",      "\\"};
    fh_recparser *p;
    assert_int_equal(fh_recparser_new(&fs2, 1 << 20, &p), 0);
    char line[512];
    int kept = 0, fixed = 0;
    for (int it = 0; it < 20000; it++) {
        int n = snprintf(line, sizeof line, "{\"id\":\"i%d\",\"text\":\"", it);
        int np = 1 + (int)rnd(8);
        for (int k = 0; k < np; k++)
            n += snprintf(line + n, sizeof line - (size_t)n, "%s",
                          pieces[rnd(sizeof pieces / sizeof pieces[0])]);
        n += snprintf(line + n, sizeof line - (size_t)n, "\"}");
        fh_record r;
        assert_int_equal(fh_rec_jsonl(p, line, (size_t)n, &r), 0);
        if (r.status == FH_REC_MALFORMED)
            continue;
        assert_int_equal(r.status, FH_REC_OK);
        kept++;
        fixed += r.surrogates;
        assert_int_equal(r.doc_len, (size_t)n);
        assert_false(has_lone_surrogate(r.doc, r.doc_len));
        assert_int_equal(r.surrogates, has_lone_surrogate(line, (size_t)n));
        json_t *j = fh_json_load_doc(r.doc, r.doc_len, NULL);
        assert_non_null(j);
        json_decref(j);
    }
    assert_true(kept > 1000 && fixed > 100);
    fh_recparser_free(p);
}

/* A number id is judged from its digits, never from a rounded double: an
 * integral real below 2^53 is an id (in its decimal text), any other real
 * is a bad id, on either parsing path, also where every number is read as
 * a real (a line holding an integer beyond 64 bits). */
/* fh_report_text: one line of valid UTF-8, cut between characters. */
static void test_report_text(void **state)
{
    (void)state;
    char out[16];
    const char in[] = "a\nb\xff\x1b\x7f\xc2\x85\xe2\x80\xa8\xd8\xb9";
    char big[64];
    assert_string_equal(fh_report_text(big, sizeof big, in, sizeof in - 1),
                        "a\\x0ab\\xff\\x1b\\x7f\\u0085\\u2028\xd8\xb9");
    /* a truncated sequence is invalid UTF-8: each byte escaped */
    assert_string_equal(fh_report_text(big, sizeof big, "\xd8\xe2\x80", 3), "\\xd8\\xe2\\x80");
    /* fits exactly: no cut */
    assert_string_equal(fh_report_text(out, sizeof out, "abcdefghijklmno", 15), "abcdefghijklmno");
    /* cut: never inside an escape or a character, marked "..." */
    assert_string_equal(fh_report_text(out, sizeof out, "abcdefghijklmnop", 16), "abcdefghijkl...");
    assert_string_equal(fh_report_text(out, sizeof out, "abcdefghij\x01kl", 13), "abcdefghij...");
    assert_string_equal(fh_report_text(out, sizeof out, "abcdefghijk\xd8\xb9\xd8\xb9x", 16),
                        "abcdefghijk...");
    assert_string_equal(fh_report_text(out, 4, "abcd", 4), "...");
    assert_string_equal(fh_report_text(out, 4, "", 0), "");
    for (int i = 0; i < 2000; i++) { /* random bytes: valid UTF-8, no control byte */
        char r[40];
        size_t n = rnd(sizeof r);
        for (size_t k = 0; k < n; k++)
            r[k] = (char)rnd(256);
        size_t cap = 4 + rnd(60);
        fh_report_text(big, cap, r, n);
        size_t len = strlen(big);
        assert_true(len < cap);
        assert_true(fh_utf8_valid(big, len));
        for (size_t k = 0; k < len; k++)
            assert_true((unsigned char)big[k] >= 0x20 && big[k] != 0x7f);
        assert_false(strstr(big, "\xc2\x85") || strstr(big, "\xe2\x80\xa8"));
    }
}

static void test_real_ids(void **state)
{
    (void)state;
    static const struct {
        const char *num;
        const char *id; /* NULL: a bad id */
    } cases[] = {
        {"1.0", "1"},
        {"1e3", "1000"},
        {"3.0", "3"},
        {"-7.00e0", "-7"},
        {"250e-1", "25"},
        {"0.5e1", "5"},
        {"-0.0", "0"},
        {"0e-400", "0"},
        {"100E+2", "10000"},
        {"9007199254740991.0", "9007199254740991"},
        {"1.0000000000000001", NULL},
        {"1e-400", NULL},
        {"4.9999999999999999e0", NULL},
        {"2.5", NULL},
        {"25e-1", NULL},
        {"9007199254740992.0", NULL},
        {"1e16", NULL},
    };
    fh_recparser *p;
    assert_int_equal(fh_recparser_new(&fs2, 1 << 20, &p), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* as it is; after an escaped key (the jansson path); in a line of reals */
        static const char *forms[][2] = {{"{\"id\":", ",\"title\":\"t\"}"},
                                         {"{\"t\\u0069tle\":\"t\",\"id\" : ", " }"},
                                         {"{\"id\":", ",\"n\":123456789012345678901234567890}"}};
        for (size_t f = 0; f < 3; f++) {
            char line[256];
            int n = snprintf(line, sizeof line, "%s%s%s", forms[f][0], cases[i].num, forms[f][1]);
            fh_record r;
            assert_int_equal(fh_rec_jsonl(p, line, (size_t)n, &r), 0);
            const char *want = cases[i].id;
            if (!want) {
                if (r.status != FH_REC_NOID)
                    fprintf(stderr, "accepted as id \"%.*s\": %s\n", (int)r.id_len, r.id, line);
                assert_int_equal(r.status, FH_REC_NOID);
                continue;
            }
            if (r.status != FH_REC_OK)
                fprintf(stderr, "refused (%s): %s\n", r.msg, line);
            assert_int_equal(r.status, FH_REC_OK);
            assert_int_equal(r.id_len, strlen(want));
            assert_memory_equal(r.id, want, r.id_len);
        }
    }
    /* an integer of 2^53 or more is exact as an integer, not as a real */
    static const char *big[] = {"{\"id\":123456789012345678}",
                                "{\"id\":123456789012345678,\"n\":123456789012345678901234567890}"};
    fh_record r;
    assert_int_equal(fh_rec_jsonl(p, big[0], strlen(big[0]), &r), 0);
    assert_int_equal(r.status, FH_REC_OK);
    assert_int_equal(r.id_len, 18);
    assert_memory_equal(r.id, "123456789012345678", 18);
    assert_int_equal(fh_rec_jsonl(p, big[1], strlen(big[1]), &r), 0);
    assert_int_equal(r.status, FH_REC_NOID);
    fh_recparser_free(p);
    /* the text of the last top-level "id", however deep the rest is */
    const char *l = "{\"a\":{\"id\":1},\"id\":2,\"b\":[[[\"]\"]]],\"i\\u0064\" :\t-3.5e1 }";
    const char *t;
    size_t tn;
    fh_buf esc;
    fh_buf_init(&esc, 1 << 10);
    assert_int_equal(fh_json_id_text(l, strlen(l), &esc, &t, &tn), 0);
    assert_int_equal(tn, 6);
    assert_memory_equal(t, "-3.5e1", 6);
    assert_int_equal(fh_json_id_text("{\"x\":{\"id\":1}}", 14, &esc, &t, &tn), -1);
    fh_buf_free(&esc);
}

/* ------------------------------------------------------ table + merge */

#define NDOC 400
#define VOCAB 300

typedef struct rec {
    char term[16];
    uint32_t ord, docid;
    uint32_t tfs[3];
    uint32_t pos[64];
    uint32_t npos;
} rec;

typedef struct collect {
    rec *v;
    size_t n, cap;
    char cur[16];
    int begun;
} collect;

static int c_begin(void *ctx, const char *t, size_t n)
{
    collect *c = ctx;
    assert_true(n < sizeof c->cur);
    assert_false(c->begun);
    memcpy(c->cur, t, n);
    c->cur[n] = '\0';
    c->begun = 1;
    return 0;
}
static int c_add(void *ctx, uint32_t d, const uint32_t *tfs, const uint32_t *pos, size_t n)
{
    collect *c = ctx;
    assert_true(c->begun);
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        assert_non_null(c->v);
    }
    rec *r = &c->v[c->n++];
    memset(r, 0, sizeof *r);
    strcpy(r->term, c->cur);
    r->docid = d;
    memcpy(r->tfs, tfs, 3 * sizeof *tfs);
    assert_true(n <= 64);
    memcpy(r->pos, pos, n * sizeof *pos);
    r->npos = (uint32_t)n;
    return 0;
}
static int c_end(void *ctx)
{
    collect *c = ctx;
    assert_true(c->begun);
    c->begun = 0;
    return 0;
}

static int cmp_rec(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    size_t lx = strlen(x->term), ly = strlen(y->term), m = lx < ly ? lx : ly;
    int c = memcmp(x->term, y->term, m);
    if (c)
        return c;
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return (x->docid > y->docid) - (x->docid < y->docid);
}

/* Documents of 3 fields with random words; tables take alternate docs
 * (like two analyzer threads); some tables spill; every 7th record is
 * dropped by the remap (a duplicate id, say). */
/* The vpos sink: decode the still-encoded positions (per field with tf > 0:
 * LEB128, first as is, then differences) and record them like c_add. */
static int c_addv(void *ctx, uint32_t d, const uint32_t *tfs, const uint8_t *vp, size_t vlen,
                  size_t npos)
{
    uint32_t pos[256];
    size_t k = 0;
    const uint8_t *p = vp, *e = vp + vlen;
    for (unsigned f = 0; f < 3; f++) {
        uint32_t prev = 0;
        for (uint32_t i = 0; i < tfs[f]; i++) {
            uint32_t v = 0;
            unsigned sh = 0;
            while (p < e && *p >= 0x80) {
                v |= (uint32_t)(*p++ & 0x7f) << sh;
                sh += 7;
            }
            assert_true(p < e);
            v |= (uint32_t)*p++ << sh;
            prev = i ? prev + v : v;
            assert_true(k < 256);
            pos[k++] = prev;
        }
    }
    assert_true(p == e);
    assert_int_equal(k, npos);
    return c_add(ctx, d, tfs, pos, k);
}

static void run_merge(int spill_every, int ntables, bool vpos)
{
    char dir[] = "/tmp/fh-ix-runs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fh_ttab *tab[4];
    for (int i = 0; i < ntables; i++)
        assert_int_equal(fh_ttab_new(3, &tab[i]), 0);
    collect want = {0};
    uint32_t remap[NDOC];
    uint32_t next = 0;
    char *runs[128];
    int nruns = 0;
    for (uint32_t d = 0; d < NDOC; d++)
        remap[d] = d % 7 == 3 ? FH_REMAP_NONE : next++;
    for (uint32_t d = 0; d < NDOC; d++) {
        fh_ttab *t = tab[d % (uint32_t)ntables];
        assert_int_equal(fh_ttab_doc_begin(t, d), 0);
        /* expected: per term, per field positions */
        struct {
            char term[16];
            uint32_t tfs[3];
            uint32_t pos[64];
            uint32_t npos;
        } loc[64];
        int nloc = 0;
        for (unsigned f = 0; f < 3; f++) {
            uint32_t nw = rnd(12);
            for (uint32_t p = 0; p < nw; p++) {
                char w[16];
                /* skewed vocabulary, multi-byte and 1..12 byte terms */
                uint32_t id = rnd(VOCAB) % (1 + rnd(VOCAB));
                int k = snprintf(w, sizeof w, "%s%u", id % 3 ? "\xd9\x83" : "w", id);
                assert_int_equal(fh_ttab_add(t, f, w, (size_t)k, p * 2), 0);
                int j = 0;
                while (j < nloc && strcmp(loc[j].term, w) != 0)
                    j++;
                if (j == nloc) {
                    memset(&loc[j], 0, sizeof loc[j]);
                    strcpy(loc[j].term, w);
                    nloc++;
                }
                loc[j].tfs[f]++;
                loc[j].pos[loc[j].npos++] = p * 2;
            }
        }
        assert_int_equal(fh_ttab_doc_end(t), 0);
        if (remap[d] != FH_REMAP_NONE)
            for (int j = 0; j < nloc; j++) {
                c_begin(&want, loc[j].term, strlen(loc[j].term));
                c_add(&want, remap[d], loc[j].tfs, loc[j].pos, loc[j].npos);
                c_end(&want);
            }
        if (spill_every && d % (uint32_t)spill_every == (uint32_t)spill_every - 1) {
            char path[64];
            snprintf(path, sizeof path, "%s/run-%d", dir, nruns);
            assert_int_equal(fh_ttab_spill(t, path), 0);
            runs[nruns++] = strdup(path);
            assert_int_equal(fh_ttab_nterms(t), 0);
        }
    }
    fh_msrc *srcs[140];
    size_t ns = 0;
    for (int i = 0; i < nruns; i++)
        assert_int_equal(fh_msrc_run(runs[i], FH_RUN_BUF_MIN, &srcs[ns++]), 0);
    for (int i = 0; i < ntables; i++) {
        assert_int_equal(fh_ttab_sort(tab[i]), 0);
        assert_int_equal(fh_msrc_table(tab[i], &srcs[ns++]), 0);
    }
    collect got = {0};
    fh_post_sink sink = {&got, c_begin, c_add, c_end, vpos ? c_addv : NULL};
    fh_merge_stats st;
    assert_int_equal(fh_merge(srcs, ns, 3, remap, NDOC, &sink, &st, NULL, NULL), 0);
    qsort(want.v, want.n, sizeof *want.v, cmp_rec);
    assert_int_equal(got.n, want.n);
    assert_int_equal(st.n_postings, want.n);
    for (size_t i = 0; i < got.n; i++) {
        /* got is already in (term, docid) order: the merge's contract */
        if (i)
            assert_true(cmp_rec(&got.v[i - 1], &got.v[i]) < 0);
        assert_string_equal(got.v[i].term, want.v[i].term);
        assert_int_equal(got.v[i].docid, want.v[i].docid);
        assert_memory_equal(got.v[i].tfs, want.v[i].tfs, sizeof got.v[i].tfs);
        assert_int_equal(got.v[i].npos, want.v[i].npos);
        assert_memory_equal(got.v[i].pos, want.v[i].pos, got.v[i].npos * sizeof(uint32_t));
    }
    for (size_t i = 0; i < ns; i++)
        fh_msrc_free(srcs[i]);
    for (int i = 0; i < ntables; i++)
        fh_ttab_free(tab[i]);
    for (int i = 0; i < nruns; i++) {
        unlink(runs[i]);
        free(runs[i]);
    }
    rmdir(dir);
    free(want.v);
    free(got.v);
}

/* A document dropped half way (a position past FH_POS_MAX) leaves no trace:
 * neither its tokens of known terms nor its new terms, even after the table
 * grew its slots meanwhile; known terms are still found, not added again. */
static void test_ttab_doc_abort(void **state)
{
    (void)state;
    fh_ttab *t;
    assert_int_equal(fh_ttab_new(1, &t), 0);
    assert_int_equal(fh_ttab_doc_begin(t, 0), 0);
    assert_int_equal(fh_ttab_add(t, 0, "a", 1, 0), 0);
    assert_int_equal(fh_ttab_doc_end(t), 0);
    assert_int_equal(fh_ttab_doc_begin(t, 1), 0);
    assert_int_equal(fh_ttab_add(t, 0, "a", 1, 0), 0);
    char term[16];
    for (uint32_t k = 0; k < 20000; k++) { /* new terms, past a rehash */
        int n = snprintf(term, sizeof term, "new%u", k);
        assert_int_equal(fh_ttab_add(t, 0, term, (size_t)n, k + 1), 0);
    }
    assert_int_equal(fh_ttab_add(t, 0, "b", 1, FH_POS_MAX + 1u), FH_ELIMIT);
    fh_ttab_doc_abort(t);
    assert_int_equal(fh_ttab_nterms(t), 1);
    assert_int_equal(fh_ttab_doc_begin(t, 2), 0);
    assert_int_equal(fh_ttab_add(t, 0, "a", 1, 3), 0);
    assert_int_equal(fh_ttab_add(t, 0, "c", 1, 4), 0);
    assert_int_equal(fh_ttab_doc_end(t), 0);
    assert_int_equal(fh_ttab_nterms(t), 2);
    assert_int_equal(fh_ttab_sort(t), 0);
    uint8_t *scratch = NULL;
    size_t cap = 0;
    /* per posting: ord delta (ord + 1 first), tf, position */
    static const struct {
        const char *term;
        uint8_t post[6];
        size_t n;
    } want[] = {{"a", {1, 1, 0, 2, 1, 3}, 6}, {"c", {3, 1, 4}, 3}};
    for (size_t i = 0; i < 2; i++) {
        const char *tm;
        size_t len, nb;
        const uint8_t *post;
        assert_int_equal(fh_ttab_sorted_term(t, i, &tm, &len, &post, &nb, &scratch, &cap), 0);
        assert_int_equal(len, 1);
        assert_memory_equal(tm, want[i].term, 1);
        assert_int_equal(nb, want[i].n);
        assert_memory_equal(post, want[i].post, nb);
    }
    free(scratch);
    fh_ttab_free(t);
}

static void test_merge_tables(void **state)
{
    (void)state;
    run_merge(0, 1, false);
    run_merge(0, 3, false);
    run_merge(0, 3, true);
}

static void test_merge_spills(void **state)
{
    (void)state;
    run_merge(37, 2, false);
    run_merge(5, 1, false);
    run_merge(37, 2, true);
    run_merge(5, 1, true);
}

static void test_run_corrupt(void **state)
{
    (void)state;
    char path[] = "/tmp/fh-ix-bad-run-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    /* magic, a term, then a posting list that claims more bytes than exist */
    static const unsigned char bytes[] = "FHRUN01\n\x02" "ab\x7f\x01\x01";
    assert_int_equal(write(fd, bytes, sizeof bytes - 1), (ssize_t)(sizeof bytes - 1));
    close(fd);
    fh_msrc *s;
    assert_int_equal(fh_msrc_run(path, FH_RUN_BUF_MIN, &s), 0);
    collect got = {0};
    fh_post_sink sink = {&got, c_begin, c_add, c_end, NULL};
    uint32_t remap[4] = {0, 1, 2, 3};
    assert_int_equal(fh_merge(&s, 1, 1, remap, 4, &sink, NULL, NULL, NULL), FH_ECORRUPT);
    fh_msrc_free(s);
    unlink(path);
    free(got.v);
}

/* ------------------------------------------------------------ sources */

static void read_all(const char *path, fh_buf *out)
{
    fh_src *s;
    assert_int_equal(fh_src_open(path, &s), 0);
    char buf[777]; /* odd size: exercise partial reads */
    ssize_t n;
    while ((n = fh_src_read(s, buf, sizeof buf)) > 0)
        assert_int_equal(fh_buf_add(out, buf, (size_t)n), 0);
    assert_int_equal(n, 0);
    fh_src_close(s);
}

/* fh_rec_meter, fed a line in pieces (as the reader skips a line too long
 * to hold), measures what trimming leaves of it, and finds it blank, as a
 * whole line would be */
static void test_rec_meter(void **state)
{
    (void)state;
    const struct {
        const char *line;
        bool tsv;
        uint64_t size;
    } cases[] = {
        {"{\"id\": 1}", false, 9},
        {"\xEF\xBB\xBF \t{\"id\": 1} \t\r \r", false, 9}, /* BOM, blanks around */
        {"\xEF\xBB\xBF \tx\t \r", true, 5},               /* TSV: BOM and one CR */
        {"a\tb\r\r", true, 4},                            /* y\r\r\n: the value y\r */
        {"a b", false, 3},
        {"   ", false, 0},
        {"\xEF\xBB\xBF  \t  ", false, 0},
        {"      {} ", false, 2},    /* the leading blanks past the first piece too */
        {" \f\v\r \t\r", false, 2}, /* blank (no record); \f\v are not trimmed */
        {"\t\t", true, 2},          /* TSV: a row of empty columns, not blank */
        {" \r\f", true, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *l = cases[i].line;
        size_t n = strlen(l);
        for (size_t head = n < 3 ? n : 3; head <= n; head++) { /* every first piece, then bytes */
            fh_rec_meter m;
            fh_rec_meter_start(&m, l, head, cases[i].tsv);
            for (size_t k = head; k < n; k++)
                fh_rec_meter_add(&m, l + k, 1);
            fh_rec_meter_add(&m, l, 0);
            if (fh_rec_meter_blank(&m) != fh_rec_blank(l, n, cases[i].tsv))
                fail_msg("case %zu, first piece %zu: blank %d", i, head, fh_rec_meter_blank(&m));
            if (fh_rec_meter_size(&m) != cases[i].size)
                fail_msg("case %zu, first piece %zu: %llu, want %llu", i, head,
                         (unsigned long long)fh_rec_meter_size(&m),
                         (unsigned long long)cases[i].size);
        }
    }
}

static void test_sources(void **state)
{
    (void)state;
    size_t n = 300000;
    char *data = malloc(n);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)("abc \n\xd9\x83"[rnd(7)]);
    char plain[] = "/tmp/fh-ix-src-XXXXXX";
    int fd = mkstemp(plain);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    /* gzip, two concatenated members */
    char gzp[64];
    snprintf(gzp, sizeof gzp, "%s.gz", plain);
    for (int m = 0; m < 2; m++) {
        gzFile g = gzopen(gzp, m ? "ab" : "wb");
        assert_non_null(g);
        size_t half = n / 2;
        assert_int_equal(gzwrite(g, data + (m ? half : 0), (unsigned)(m ? n - half : half)),
                         (int)(m ? n - half : half));
        gzclose(g);
    }
    /* xz */
    char xzp[64];
    snprintf(xzp, sizeof xzp, "%s.xz", plain);
    size_t cap = n + 4096, outn = 0;
    uint8_t *xz = malloc(cap);
    assert_int_equal(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, (const uint8_t *)data,
                                             n, xz, &outn, cap),
                     LZMA_OK);
    fd = open(xzp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_int_equal(write(fd, xz, outn), (ssize_t)outn);
    close(fd);
    const char *paths[3] = {plain, gzp, xzp};
    for (int i = 0; i < 3; i++) {
        fh_buf b;
        fh_buf_init(&b, n + 1);
        read_all(paths[i], &b);
        assert_int_equal(b.len, n);
        assert_memory_equal(b.data, data, n);
        fh_buf_free(&b);
    }
    /* a truncated xz stream is an error, never a short success */
    fd = open(xzp, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, xz, outn / 2), (ssize_t)(outn / 2));
    close(fd);
    fh_src *s;
    assert_int_equal(fh_src_open(xzp, &s), 0);
    char buf[4096];
    ssize_t r;
    while ((r = fh_src_read(s, buf, sizeof buf)) > 0)
        ;
    assert_int_equal(r, FH_EINPUT);
    fh_src_close(s);
    unlink(plain);
    unlink(gzp);
    unlink(xzp);
    free(xz);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_json_fast),
        cmocka_unit_test(test_json_repeated_keys),
        cmocka_unit_test(test_lone_surrogates),
        cmocka_unit_test(test_report_text),
        cmocka_unit_test(test_real_ids),
        cmocka_unit_test(test_ttab_doc_abort),
        cmocka_unit_test(test_merge_tables),
        cmocka_unit_test(test_merge_spills),
        cmocka_unit_test(test_run_corrupt),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_rec_meter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
