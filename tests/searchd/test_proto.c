/* test_proto.c — the searchd protocol layer on its own: line framing under a
 * cap (split lines, CRLF, over-long lines reported at cap + 1 bytes and
 * discarded to the next newline), UTF-8 checking, the command table (with
 * Unicode spaces and a BOM around the verb) and every SEARCH option (markers
 * without white space or controls, ASCII or not). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fahras/utf8.h"
#include "proto.h"

static const fh_proto_limits LIM = {1000, 4096, 8, 64};

/* Feed `data` to f in chunks of `chunk` bytes and collect the events as text:
 * "L:<line>" per line, "T" per too-long. */
static void frame_all(fh_framer *f, const char *data, size_t n, size_t chunk, char *out,
                      size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t start = 0; start < n; start += chunk) {
        size_t len = n - start < chunk ? n - start : chunk;
        const char *p = data + start;
        while (len) {
            size_t used = 0, ll = 0;
            const char *line = NULL;
            fh_frame_ev ev = fh_framer_feed(f, p, len, &used, &line, &ll);
            assert_true(used <= len);
            if (ev == FH_FRAME_LINE)
                o += (size_t)snprintf(out + o, outlen - o, "L:%.*s|", (int)ll, line);
            else if (ev == FH_FRAME_TOO_LONG)
                o += (size_t)snprintf(out + o, outlen - o, "T|");
            else
                assert_int_equal(ev, FH_FRAME_MORE);
            p += used;
            len -= used;
            if (ev == FH_FRAME_MORE)
                assert_int_equal(len, 0);
        }
    }
}

static void test_framer_lines_any_chunking(void **state)
{
    (void)state;
    const char in[] = "PING\nSEARCH a b\r\n\r\nGET x\nhalf";
    char out[512];
    for (size_t chunk = 1; chunk <= sizeof in; chunk++) {
        fh_framer f;
        fh_framer_init(&f, 64);
        frame_all(&f, in, sizeof in - 1, chunk, out, sizeof out);
        assert_string_equal(out, "L:PING|L:SEARCH a b|L:|L:GET x|");
        assert_true(fh_framer_pending(&f)); /* "half" waits for its newline */
        fh_framer_fini(&f);
    }
}

static void test_framer_cap_exact_and_over(void **state)
{
    (void)state;
    char out[512];
    /* 8 bytes is the cap: 8 passes (also with CRLF), 9 does not */
    const char in[] = "12345678\n12345678\r\n123456789\nok\n";
    for (size_t chunk = 1; chunk <= sizeof in; chunk++) {
        fh_framer f;
        fh_framer_init(&f, 8);
        frame_all(&f, in, sizeof in - 1, chunk, out, sizeof out);
        assert_string_equal(out, "L:12345678|L:12345678|T|L:ok|");
        assert_false(fh_framer_pending(&f));
        fh_framer_fini(&f);
    }
}

static void test_framer_too_long_reported_at_cap_plus_one(void **state)
{
    (void)state;
    char out[512];
    /* cap 8: byte 9 that is not a CR settles it, with no newline in sight */
    for (size_t chunk = 1; chunk <= 9; chunk++) {
        fh_framer f;
        fh_framer_init(&f, 8);
        frame_all(&f, "123456789", 9, chunk, out, sizeof out);
        assert_string_equal(out, "T|");
        fh_framer_fini(&f);
    }
    /* a CR as byte 9 may start a CRLF: wait for the next byte */
    const char *const ins[] = {"12345678\r", "12345678\r\n", "12345678\rx", "12345678\r\r"};
    const char *const outs[] = {"", "L:12345678|", "T|", "T|"};
    for (size_t k = 0; k < 4; k++) {
        for (size_t chunk = 1; chunk <= strlen(ins[k]); chunk++) {
            fh_framer f;
            fh_framer_init(&f, 8);
            frame_all(&f, ins[k], strlen(ins[k]), chunk, out, sizeof out);
            assert_string_equal(out, outs[k]);
            fh_framer_fini(&f);
        }
    }
}

static void test_framer_endless_line_bounded(void **state)
{
    (void)state;
    fh_framer f;
    fh_framer_init(&f, 16);
    char junk[1000];
    memset(junk, 'x', sizeof junk);
    int too_long = 0;
    for (int round = 0; round < 100; round++) {
        size_t used = 0, ll = 0;
        const char *line = NULL;
        fh_frame_ev ev = fh_framer_feed(&f, junk, sizeof junk, &used, &line, &ll);
        assert_int_equal(used, sizeof junk);
        too_long += ev == FH_FRAME_TOO_LONG;
        assert_true(f.part.len <= 17); /* never more than one capped line */
    }
    assert_int_equal(too_long, 1); /* reported once, then discarded */
    char out[128];
    frame_all(&f, "tail\nPING\n", 10, 3, out, sizeof out);
    assert_string_equal(out, "L:PING|");
    fh_framer_fini(&f);
}

static void test_framer_binary_and_nul(void **state)
{
    (void)state;
    fh_framer f;
    fh_framer_init(&f, 64);
    const char in[] = "\x00\xff\xfe\x01\n";
    size_t used = 0, ll = 0;
    const char *line = NULL;
    assert_int_equal(fh_framer_feed(&f, in, 5, &used, &line, &ll), FH_FRAME_LINE);
    assert_int_equal(used, 5);
    assert_int_equal(ll, 4);
    fh_framer_fini(&f);
}

static void test_utf8(void **state)
{
    (void)state;
    size_t bad;
    assert_int_equal(fh_utf8_check("", 0), 0);
    assert_int_equal(fh_utf8_check("\xd8\xa7\xd9\x84", 4), 4); /* ال */
    assert_int_equal(fh_utf8_check("\xf0\x9f\x98\x80", 4), 4); /* emoji */
    bad = fh_utf8_check("a\xff", 2);
    assert_int_equal(bad, 1);
    assert_true(fh_utf8_check("\xc0\xaf", 2) < 2);         /* overlong */
    assert_true(fh_utf8_check("\xe0\x80\xaf", 3) < 3);     /* overlong */
    assert_true(fh_utf8_check("\xed\xa0\x80", 3) < 3);     /* surrogate */
    assert_true(fh_utf8_check("\xf4\x90\x80\x80", 4) < 4); /* > U+10FFFF */
    bad = fh_utf8_check("\xd8", 1);             /* truncated */
    assert_int_equal(bad, 0);
    assert_true(fh_utf8_check("\xe2\x82", 2) < 2);
    assert_true(fh_utf8_check("\x80", 1) < 1);
}

static int parse(const char *line, fh_request *req, fh_proto_error *err)
{
    return fh_request_parse(line, strlen(line), &LIM, req, err);
}

static void expect_error(const char *line, const char *code)
{
    fh_request req;
    fh_proto_error err;
    int rc = fh_request_parse(line, strlen(line), &LIM, &req, &err);
    if (rc == 0)
        fail_msg("'%s' parsed, expected %s", line, code);
    if (strcmp(err.code, code) != 0)
        fail_msg("'%s': got %s (%s), expected %s", line, err.code, err.message, code);
    assert_true(strlen(err.message) > 0);
}

static void test_commands_case_insensitive(void **state)
{
    (void)state;
    fh_request r;
    fh_proto_error e;
    assert_int_equal(parse("ping", &r, &e), 0);
    assert_int_equal(r.cmd, FH_CMD_PING);
    assert_int_equal(parse("  PiNg \r", &r, &e), 0);
    assert_int_equal(r.cmd, FH_CMD_PING);
    assert_int_equal(parse("QUIT", &r, &e), 0);
    assert_int_equal(r.cmd, FH_CMD_QUIT);
    assert_int_equal(parse("stats", &r, &e), 0);
    assert_int_equal(r.cmd, FH_CMD_STATS);
    assert_int_equal(parse("GET  sample-001 ", &r, &e), 0);
    assert_int_equal(r.cmd, FH_CMD_GET);
    assert_int_equal(r.arg_len, 10);
    assert_memory_equal(r.arg, "sample-001", 10);
    assert_int_equal(
        parse("keywords \xd9\x88\xd8\xa7\xd9\x84\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa7\xd8\xaa", &r, &e),
        0);
    assert_int_equal(r.cmd, FH_CMD_KEYWORDS);
    assert_int_equal(r.arg_len, 16);
    assert_string_equal(fh_cmd_name(FH_CMD_SEARCH), "search");
    /* messages spell the verb as the protocol does, however it was written */
    static const struct {
        const char *line, *message;
    } spelled[] = {
        {"ping x", "PING takes no arguments"},     {"Stats all", "STATS takes no arguments"},
        {"quit now", "QUIT takes no arguments"},   {"get", "GET needs a document id"},
        {"keywords ", "KEYWORDS needs some text"}, {"search limit=1", "SEARCH needs a query"},
    };
    for (size_t i = 0; i < sizeof spelled / sizeof spelled[0]; i++) {
        assert_int_equal(parse(spelled[i].line, &r, &e), -1);
        assert_string_equal(e.message, spelled[i].message);
    }
    /* a refused line still names its verb (STATS counts it), when there is one */
    assert_int_equal(parse("SEARCH limit=abc x", &r, &e), -1);
    assert_int_equal(r.cmd, FH_CMD_SEARCH);
    assert_int_equal(parse("ping x", &r, &e), -1);
    assert_int_equal(r.cmd, FH_CMD_PING);
    assert_int_equal(parse("BOGUS x", &r, &e), -1);
    assert_int_equal(r.cmd, FH_CMD_COUNT_);
    assert_int_equal(parse("   ", &r, &e), -1);
    assert_int_equal(r.cmd, FH_CMD_COUNT_);
    assert_int_equal(parse("SEARCH \xff", &r, &e), -1);
    assert_int_equal(r.cmd, FH_CMD_COUNT_);
}

/* Around the verb, a Unicode space separator is a space and a BOM before it
 * nothing: SEARCH<NBSP>word, pasted from a web page, is a search. */
static void test_verb_unicode_space(void **state)
{
    (void)state;
    /* U+00A0, U+1680, U+2000, U+2005, U+200A, U+202F, U+205F, U+3000 */
    const char *const sp[] = {"\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x85",
                              "\xe2\x80\x8a", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};
    const char *const word = "\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8"; /* كتاب */
    char line[128];
    fh_request r;
    fh_proto_error e;
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) {
        snprintf(line, sizeof line, "SEARCH%s%s", sp[i], word);
        assert_int_equal(parse(line, &r, &e), 0);
        assert_int_equal(r.cmd, FH_CMD_SEARCH);
        assert_int_equal(r.arg_len, strlen(word));
        assert_memory_equal(r.arg, word, strlen(word));
        snprintf(line, sizeof line, "%sGET %s%ssample-001", sp[i], sp[i], sp[i]);
        assert_int_equal(parse(line, &r, &e), 0);
        assert_int_equal(r.cmd, FH_CMD_GET);
        assert_int_equal(r.arg_len, 10);
        assert_memory_equal(r.arg, "sample-001", 10);
        snprintf(line, sizeof line, "%sping%s", sp[i], sp[i]);
        assert_int_equal(parse(line, &r, &e), 0);
        assert_int_equal(r.cmd, FH_CMD_PING);
        snprintf(line, sizeof line, "SEARCH%s", sp[i]);
        expect_error(line, FH_PCODE_EMPTY_QUERY);
        snprintf(line, sizeof line, " %s ", sp[i]);
        expect_error(line, "bad_request");
        /* an unknown verb is still one, named without the space after it */
        snprintf(line, sizeof line, "FROB%s%s", sp[i], word);
        assert_int_equal(parse(line, &r, &e), -1);
        assert_string_equal(e.code, FH_PCODE_UNKNOWN_COMMAND);
        assert_string_equal(e.message, "unknown command 'FROB'");
    }
    /* a BOM at the start of the line, alone or among spaces */
    assert_int_equal(parse("\xef\xbb\xbfSTATS", &r, &e), 0);
    assert_int_equal(r.cmd, FH_CMD_STATS);
    assert_int_equal(parse(" \xef\xbb\xbf\xc2\xa0search limit=2 x", &r, &e), 0);
    assert_int_equal(r.cmd, FH_CMD_SEARCH);
    assert_int_equal(r.limit, 2);
    expect_error("\xef\xbb\xbf", "bad_request");
    /* only there: a BOM after the verb, or a character that is no space
     * (U+200B zero width space, U+00A1), still makes the verb unknown */
    expect_error("SEARCH\xef\xbb\xbfx", FH_PCODE_UNKNOWN_COMMAND);
    expect_error("SEARCH\xe2\x80\x8bx", FH_PCODE_UNKNOWN_COMMAND);
    expect_error("SEARCH\xc2\xa1x", FH_PCODE_UNKNOWN_COMMAND);
    /* between the items that follow the verb, the text is left as it is:
     * an option value that holds one is the option's error, and the query
     * keeps them for the engine, which reads them as spaces */
    expect_error("SEARCH limit=5\xc2\xa0x", "bad_request");
    assert_int_equal(parse("SEARCH\xc2\xa0x\xc2\xa0y", &r, &e), 0);
    assert_int_equal(r.arg_len, 4);
    assert_memory_equal(r.arg, "x\xc2\xa0y", 4);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("FROB x", FH_PCODE_UNKNOWN_COMMAND);
    expect_error("SEARCHX a", FH_PCODE_UNKNOWN_COMMAND);
    expect_error("", "bad_request");
    expect_error(" \t ", "bad_request");
    expect_error("SEARCH", FH_PCODE_EMPTY_QUERY);
    expect_error("SEARCH   ", FH_PCODE_EMPTY_QUERY);
    expect_error("SEARCH limit=5", FH_PCODE_EMPTY_QUERY);
    expect_error("SEARCH limit=5 -- ", FH_PCODE_EMPTY_QUERY);
    expect_error("KEYWORDS", FH_PCODE_EMPTY_QUERY);
    expect_error("GET", "bad_request");
    expect_error("PING extra", "bad_request");
    expect_error("SEARCH \xff\xfe", FH_PCODE_BAD_UTF8);
    expect_error("\xc3\x28", FH_PCODE_BAD_UTF8);
    expect_error("SEARCH limit=abc x", "bad_request");
    expect_error("SEARCH limit=-1 x", "bad_request");
    expect_error("SEARCH limit= x", "bad_request");
    expect_error("SEARCH limit=1001 x", "limit_exceeded");
    expect_error("SEARCH limit=99999999999999999999 x", "limit_exceeded");
    expect_error("SEARCH limit=600 offset=600 x", "limit_exceeded");
    expect_error("SEARCH snippets=maybe x", "bad_request");
    expect_error("SEARCH escape=xml x", "bad_request");
    expect_error("SEARCH escape= x", "bad_request");
    expect_error("SEARCH snippet_len=0 x", "bad_request");
    expect_error("SEARCH snippet_len=5000 x", "limit_exceeded");
    expect_error("SEARCH snippets_count=9 x", "limit_exceeded");
    expect_error("SEARCH hl=<b> x", "bad_request");
    expect_error("SEARCH hl_open=<b\"> x", "bad_request");
    expect_error("SEARCH hl_close=\\ x", "bad_request");
    /* one empty marker and the other set (or left at its default) */
    expect_error("SEARCH hl_open= x", "bad_request");
    expect_error("SEARCH hl_close= x", "bad_request");
    expect_error("SEARCH hl=,</b> x", "bad_request");
    expect_error("SEARCH hl_open= hl_close=] x", "bad_request");
    expect_error("SEARCH bogus=1 x", "bad_request");
    expect_error("SEARCH fields=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q x", "limit_exceeded");
    expect_error("SEARCH snippet_field= x", "bad_request");
    expect_error("SEARCH snippet_field=a,b x", "bad_request");
    expect_error(
        "SEARCH snippet_field=mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm x",
        "limit_exceeded"); /* 64 bytes */
    char big[200];
    memset(big, 'm', sizeof big);
    memcpy(big, "SEARCH hl_open=", 15);
    big[15 + 65] = ' ';
    big[15 + 66] = 'x';
    big[15 + 67] = '\0';
    expect_error(big, "limit_exceeded");
    /* a NUL in the middle of the line */
    fh_request r;
    fh_proto_error e;
    assert_int_equal(fh_request_parse("PING\0x", 6, &LIM, &r, &e), -1);
    assert_string_equal(e.code, "bad_request");
}

static void test_search_options(void **state)
{
    (void)state;
    fh_request r;
    fh_proto_error e;
    assert_int_equal(parse("SEARCH limit=5 offset=10 snippets=0 snippet_len=80 "
                           "snippets_count=2 hl=[,] fields=title,date,source  "
                           "\"exact phrase\" -noise +must title:x pre*",
                           &r, &e),
                     0);
    assert_int_equal(r.cmd, FH_CMD_SEARCH);
    assert_int_equal(r.limit, 5);
    assert_int_equal(r.offset, 10);
    assert_false(r.snippets);
    assert_int_equal(r.snippet_len, 80);
    assert_int_equal(r.snippet_count, 2);
    assert_string_equal(r.hl_open, "[");
    assert_string_equal(r.hl_close, "]");
    assert_int_equal(r.n_fields, 3);
    assert_string_equal(r.fields[0], "title");
    assert_string_equal(r.fields[2], "source");
    assert_int_equal(r.set, FH_OPT_LIMIT | FH_OPT_OFFSET | FH_OPT_SNIPPETS | FH_OPT_SNIPPET_LEN |
                                FH_OPT_SNIPPET_COUNT | FH_OPT_HL_OPEN | FH_OPT_HL_CLOSE |
                                FH_OPT_FIELDS);
    const char *q = "\"exact phrase\" -noise +must title:x pre*";
    assert_int_equal(r.arg_len, strlen(q));
    assert_memory_equal(r.arg, q, r.arg_len);

    /* both empty: no highlighting */
    assert_int_equal(parse("SEARCH hl=, q", &r, &e), 0);
    assert_string_equal(r.hl_open, "");
    assert_string_equal(r.hl_close, "");
    assert_int_equal(parse("SEARCH hl_close= hl_open= q", &r, &e), 0);
    assert_int_equal(parse("search LIMIT=3 Snippets=on hl_open=<em> hl_close=</em> q", &r, &e), 0);
    assert_int_equal(r.limit, 3);
    assert_true(r.snippets);
    assert_string_equal(r.hl_open, "<em>");
    assert_string_equal(r.hl_close, "</em>");
    assert_int_equal(r.arg_len, 1);
    assert_false(r.set & FH_OPT_ESCAPE);

    /* snippet_field= takes one name, which the engine checks against the index */
    assert_int_equal(parse("SEARCH snippet_field=summary q", &r, &e), 0);
    assert_string_equal(r.snippet_field, "summary");
    assert_int_equal(r.set, FH_OPT_SNIPPET_FIELD);
    assert_int_equal(r.arg_len, 1);
    assert_int_equal(
        parse("SEARCH "
              "snippet_field=mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm q",
              &r, &e),
        0); /* 63 bytes */
    assert_int_equal(strlen(r.snippet_field), 63);
    /* its characters are left to the engine, whose message lists the index's fields */
    assert_int_equal(parse("SEARCH snippet_field=a\"b\\c q", &r, &e), 0);
    assert_string_equal(r.snippet_field, "a\"b\\c");
    /* fields= refuses them here: its names become JSON keys verbatim */
    expect_error("SEARCH fields=a\"b x", "bad_request");
    expect_error("SEARCH fields=ok,a\\b x", "bad_request");
    expect_error("SEARCH fields=a\x01"
                 "b x",
                 "bad_request");
    expect_error("SEARCH fields=a\x7f x", "bad_request");

    /* numbers (num.h): digits only, no sign, leading zeros allowed; the
       message of a bad or out-of-range value gives the range */
    assert_int_equal(parse("SEARCH limit=007 offset=0010 snippet_len=01 q", &r, &e), 0);
    assert_int_equal(r.limit, 7);
    assert_int_equal(r.offset, 10);
    assert_int_equal(r.snippet_len, 1);
    static const struct {
        const char *line, *code, *message;
    } bad[] = {
        {"SEARCH limit=+1 q", "bad_request", "limit must be an integer in 0..1000"},
        {"SEARCH offset=1.0 q", "bad_request", "offset must be an integer in 0..1000"},
        {"SEARCH limit=99999999999999999999999 q", "limit_exceeded",
         "limit must be an integer in 0..1000"},
        {"SEARCH snippet_len=-5 q", "bad_request", "snippet_len must be an integer in 1..4096"},
        {"SEARCH snippet_len=0 q", "bad_request", "snippet_len must be an integer in 1..4096"},
        {"SEARCH snippet_len=4097 q", "limit_exceeded",
         "snippet_len must be an integer in 1..4096"},
        {"SEARCH snippets_count=x q", "bad_request", "snippets_count must be an integer in 1..8"},
        {"SEARCH snippet_count=00 q", "bad_request", "snippet_count must be an integer in 1..8"},
        {"SEARCH snippet_count=+2 q", "bad_request", "snippet_count must be an integer in 1..8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(bad[i].line, &r, &e), -1);
        assert_string_equal(e.code, bad[i].code);
        assert_string_equal(e.message, bad[i].message);
    }

    assert_int_equal(parse("SEARCH escape=HTML q", &r, &e), 0);
    assert_true(r.escape_html);
    assert_int_equal(r.set, FH_OPT_ESCAPE);
    assert_int_equal(parse("SEARCH escape=html escape=none q", &r, &e), 0);
    assert_false(r.escape_html);
    /* the error for a bad boolean names every accepted value */
    assert_int_equal(parse("SEARCH snippets=2 q", &r, &e), -1);
    assert_non_null(strstr(e.message, "true"));

    /* exact_total= is a boolean, given or not (the engine's default is off) */
    assert_int_equal(parse("SEARCH Exact_Total=yes q", &r, &e), 0);
    assert_true(r.exact_total);
    assert_int_equal(r.set, FH_OPT_EXACT_TOTAL);
    assert_int_equal(r.arg_len, 1);
    assert_int_equal(parse("SEARCH exact_total=1 exact_total=off q", &r, &e), 0);
    assert_false(r.exact_total);
    assert_int_equal(r.set, FH_OPT_EXACT_TOTAL);
    assert_int_equal(parse("SEARCH exact_total=exact q", &r, &e), -1);
    assert_string_equal(e.code, "bad_request");
    assert_string_equal(e.message, "exact_total must be 1, true, on, yes or 0, false, off, no");

    /* no options at all: the whole rest is the query; options after the
     * query starts are query text */
    assert_int_equal(
        parse("SEARCH \xd8\xa7\xd9\x84\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa7\xd8\xaa limit=5", &r, &e),
        0);
    assert_int_equal(r.set, 0);
    assert_int_equal(r.arg_len, 14 + 8);

    /* -- ends the options */
    assert_int_equal(parse("SEARCH limit=2 -- a=b", &r, &e), 0);
    assert_int_equal(r.limit, 2);
    assert_int_equal(r.arg_len, 3);
    assert_memory_equal(r.arg, "a=b", 3);

    /* empty markers and an empty field list are allowed */
    assert_int_equal(parse("SEARCH hl=, fields= q", &r, &e), 0);
    assert_string_equal(r.hl_open, "");
    assert_string_equal(r.hl_close, "");
    assert_int_equal(r.n_fields, 0);
    assert_true(r.set & FH_OPT_FIELDS);

    /* Arabic markers */
    assert_int_equal(parse("SEARCH hl=\xc2\xab,\xc2\xbb q", &r, &e), 0);
    assert_string_equal(r.hl_open, "\xc2\xab");
    /* the last value of a repeated option wins; limit+offset exactly at cap */
    assert_int_equal(parse("SEARCH limit=1 limit=500 offset=500 q", &r, &e), 0);
    assert_int_equal(r.limit, 500);
    /* a query beginning with a minus is not an option */
    assert_int_equal(parse("SEARCH -x y", &r, &e), 0);
    assert_int_equal(r.arg_len, 4);
}

static void test_markers_refuse_wide_space_and_c1(void **state)
{
    (void)state;
    /* U+0080, U+0085, U+009F, U+00A0, U+1680, U+2000, U+200A, U+2028, U+2029,
     * U+202F, U+205F, U+3000, U+FEFF */
    const char *const bad[] = {"\xc2\x80",     "\xc2\x85",     "\xc2\x9f",     "\xc2\xa0",
                               "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x8a", "\xe2\x80\xa8",
                               "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
                               "\xef\xbb\xbf"};
    char line[128];
    fh_request r;
    fh_proto_error e;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(line, sizeof line, "SEARCH hl_open=<%s> q", bad[i]);
        expect_error(line, "bad_request");
        assert_int_equal(parse(line, &r, &e), -1);
        assert_non_null(strstr(e.message, "white space"));
        snprintf(line, sizeof line, "SEARCH hl=[,%s] q", bad[i]);
        expect_error(line, "bad_request");
    }
    /* neighbours that are neither: U+00A1, U+167F, U+200B, U+2027, U+2030,
     * U+205E, U+3001, U+FEFE, and a 4-byte character */
    const char *const good[] = {"\xc2\xa1",     "\xe1\x99\xbf", "\xe2\x80\x8b",
                                "\xe2\x80\xa7", "\xe2\x80\xb0", "\xe2\x81\x9e",
                                "\xe3\x80\x81", "\xef\xbb\xbe", "\xf0\x9f\x98\x80"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(line, sizeof line, "SEARCH hl_close=%s q", good[i]);
        assert_int_equal(parse(line, &r, &e), 0);
        assert_string_equal(r.hl_close, good[i]);
    }
}

static void test_limit_offset_message(void **state)
{
    (void)state;
    fh_request r;
    fh_proto_error e;
    assert_int_equal(parse("SEARCH limit=1000 offset=1 q", &r, &e), -1);
    assert_string_equal(e.code, "limit_exceeded");
    /* the engine's words for the same error (offset= alone, default limit) */
    assert_string_equal(e.message, "limit + offset must not exceed 1000");
}

static void test_error_json(void **state)
{
    (void)state;
    fh_buf b;
    fh_buf_init(&b, 1024);
    assert_int_equal(fh_proto_error_json(&b, "bad_request", "say \"hi\"\n"), 0);
    assert_string_equal(b.data,
                        "{\"error\":{\"code\":\"bad_request\",\"message\":\"say \\\"hi\\\"\\n\"}}");
    fh_buf_free(&b);
    fh_buf_init(&b, 10);
    assert_int_not_equal(fh_proto_error_json(&b, "bad_request", "x"), 0);
    assert_int_equal(b.len, 0);
    fh_buf_free(&b);
}

/* Random bytes never crash the framer or the parser, and never read out of
 * bounds (the sanitizer build checks the latter). */
static void test_random_junk(void **state)
{
    (void)state;
    srand(12345);
    fh_framer f;
    fh_framer_init(&f, 300);
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(rand() % 600);
        char *buf = malloc(n ? n : 1);
        assert_non_null(buf);
        for (size_t i = 0; i < n; i++) {
            int r = rand() % 10;
            buf[i] = r == 0 ? '\n' : r == 1 ? ' ' : r == 2 ? '=' : (char)(rand() & 0xff);
        }
        if (n > 6 && rand() % 2)
            memcpy(buf, "SEARCH", 6);
        size_t off = 0;
        while (off < n) {
            size_t used = 0, ll = 0;
            const char *line = NULL;
            fh_frame_ev ev = fh_framer_feed(&f, buf + off, n - off, &used, &line, &ll);
            if (ev == FH_FRAME_LINE) {
                fh_request r;
                fh_proto_error e;
                if (fh_request_parse(line, ll, &LIM, &r, &e) != 0)
                    assert_non_null(e.code);
                else
                    assert_true(r.arg_len <= ll);
            }
            off += used;
        }
        free(buf);
    }
    fh_framer_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framer_lines_any_chunking),
        cmocka_unit_test(test_framer_cap_exact_and_over),
        cmocka_unit_test(test_framer_too_long_reported_at_cap_plus_one),
        cmocka_unit_test(test_framer_endless_line_bounded),
        cmocka_unit_test(test_framer_binary_and_nul),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_commands_case_insensitive),
        cmocka_unit_test(test_verb_unicode_space),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_search_options),
        cmocka_unit_test(test_markers_refuse_wide_space_and_c1),
        cmocka_unit_test(test_limit_offset_message),
        cmocka_unit_test(test_error_json),
        cmocka_unit_test(test_random_junk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
