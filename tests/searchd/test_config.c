/* test_config.c — searchd settings (flags, config file, precedence, range
 * checks, --listen, the config file's comment and quoting rule) and the
 * latency histogram behind STATS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fahras/err.h"
#include "num.h"
#include "stats.h"

static int parse_args(fh_srv_config *c, char *err, size_t errlen, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)(uintptr_t) "fahras-searchd";
    va_list ap;
    va_start(ap, errlen);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 31)
        argv[argc++] = (char *)(uintptr_t)a;
    va_end(ap);
    argv[argc] = NULL;
    return fh_srv_config_parse(c, argc, argv, err, errlen);
}

static void test_defaults_and_flags(void **state)
{
    (void)state;
    fh_srv_config c;
    char err[256];
    fh_srv_config_default(&c);
    assert_string_equal(c.listen, "127.0.0.1:7700");
    assert_int_equal(c.max_line, 65536);
    assert_int_equal(parse_args(&c, err, sizeof err, "--index", "/tmp/ix", "--listen=127.0.0.1:0",
                                "--threads", "3", "--log-level", "debug", "--max-connections=7",
                                "--idle-timeout", "2", "--k1", "1.5", "--b=0.6",
                                "--query-budget-ms", "50", "--lead-title", "0.5",
                                "--prf-weight", "1", "--prf-docs=4", "--order-weight", "0",
                                "--prf-question-weight", "0", "--focus-weight", "0.5", NULL),
                     0);
    assert_string_equal(c.index_dir, "/tmp/ix");
    assert_string_equal(c.listen, "127.0.0.1:0");
    assert_int_equal(c.threads, 3);
    assert_int_equal(c.log_level, FH_LOG_DEBUG);
    assert_int_equal(c.max_connections, 7);
    assert_int_equal(c.idle_timeout_s, 2);
    assert_int_equal(c.query_budget_ms, 50);
    assert_true(c.k1 > 1.49 && c.k1 < 1.51);
    assert_true(c.b > 0.59 && c.b < 0.61);
    assert_true(c.lead_title > 0.49 && c.lead_title < 0.51);
    assert_true(c.prf_weight > 0.99 && c.prf_weight < 1.01);
    assert_int_equal(c.prf_docs, 4);
    assert_int_equal(c.prf_terms, 0);
    assert_true(c.order_weight == 0.0);
    assert_true(c.prf_question_weight == 0.0);
    assert_true(c.focus_weight > 0.49 && c.focus_weight < 0.51);
    assert_false(c.help);
}

static void test_bad_flags(void **state)
{
    (void)state;
    fh_srv_config c;
    char err[256];
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--nope", NULL), -1);
    assert_non_null(strstr(err, "--nope"));
    assert_int_equal(parse_args(&c, err, sizeof err, "--threads", "x", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--threads", "-1", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--b", "1.5", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--k1", "nan", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--lead-title", "-1", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--prf-docs", "51", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--max-line", "3", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--log-level", "loud", NULL), -1);
    assert_non_null(strstr(err, "expected error, warn (or warning), info or debug"));
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--log-level", "warning", NULL), 0);
    assert_int_equal(c.log_level, FH_LOG_WARN);
    assert_int_equal(parse_args(&c, err, sizeof err, "--index", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--max-connections", "0", NULL), -1);
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--index", "x", "--help", NULL), 0);
    assert_true(c.help);
    assert_false(c.version);
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--version", "--index", NULL), 0);
    assert_true(c.version);
    assert_false(c.help);
    /* --help and --version win wherever they stand, before a config file is
       read; a value that looks like them is a value */
    fh_srv_config_default(&c);
    assert_int_equal(
        parse_args(&c, err, sizeof err, "--config", "/nonexistent/x.conf", "--version", NULL), 0);
    assert_true(c.version);
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--index", "--help", NULL), 0);
    assert_false(c.help);
    assert_string_equal(c.index_dir, "--help");
    /* decimal numbers only: no blanks, hex, inf, sign (an exponent's aside),
       overflow; an underflow is near 0 */
    static const char *const nums[] = {" 5", "5 ", "0x10", "inf", "1e5x", "",      "+",
                                       "+1", "-0", "1e",   "e5",  ".",    "1e999", "1.2.3"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        fh_srv_config_default(&c);
        if (parse_args(&c, err, sizeof err, "--k1", nums[i], NULL) != -1)
            fail_msg("--k1 '%s' accepted", nums[i]);
    }
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--k1", "1e-320", "--b", "0.5e0", NULL), 0);
    assert_true(c.k1 >= 0 && c.k1 < 1e-300);
    assert_true(c.b == 0.5);
    assert_int_equal(parse_args(&c, err, sizeof err, "--k1", ".5", "--b", "1.", NULL), 0);
    assert_true(c.k1 == 0.5 && c.b == 1.0);
    assert_int_equal(
        parse_args(&c, err, sizeof err, "--k1", "05E-1", "--prox-weight", "2e+0", NULL), 0);
    assert_true(c.k1 == 0.5 && c.prox_weight == 2.0);
    /* integers: digits only, no sign, leading zeros allowed */
    assert_int_equal(parse_args(&c, err, sizeof err, "--max-terms", "+5", NULL), -1);
    assert_string_equal(err, "max-terms: expected an integer in 1..256, got '+5'");
    assert_int_equal(parse_args(&c, err, sizeof err, "--max-terms", "-5", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--max-terms", "5.0", NULL), -1);
    assert_int_equal(
        parse_args(&c, err, sizeof err, "--max-terms", "99999999999999999999999", NULL), -1);
    assert_int_equal(parse_args(&c, err, sizeof err, "--max-terms", "007", NULL), 0);
    assert_int_equal(c.max_terms, 7);
    assert_int_equal(parse_args(&c, err, sizeof err, "--max-total-output", "4294967295", NULL), 0);
    assert_int_equal(c.max_total_output_bytes, 4294967295u);
    assert_int_equal(parse_args(&c, err, sizeof err, "--max-total-output", "4294967296", NULL), -1);
    /* the config file reads numbers the same way */
    const char plus[] = "k1 = +1\n";
    assert_int_equal(fh_srv_config_parse_text(&c, plus, sizeof plus - 1, "f", err, sizeof err), -1);
    assert_non_null(strstr(err, "k1: expected a number in 0..100, got '+1'"));
    fh_srv_config_default(&c);
    const char zeros[] = "max_connections = 007\nk1 = 0.50\n";
    assert_int_equal(fh_srv_config_parse_text(&c, zeros, sizeof zeros - 1, "f", err, sizeof err),
                     0);
    assert_int_equal(c.max_connections, 7);
    assert_true(c.k1 == 0.5);
}

/* num.h: the one reader of numbers behind flags, the config file and SEARCH */
static void test_numbers(void **state)
{
    (void)state;
    uint64_t x = 99;
    assert_int_equal(fh_num_uint("0", 1, 0, &x), 0);
    assert_int_equal(x, 0);
    assert_int_equal(fh_num_uint("0007", 4, 7, &x), 0);
    assert_int_equal(x, 7);
    assert_int_equal(fh_num_uint("8", 1, 7, &x), FH_ELIMIT);
    assert_int_equal(fh_num_uint("5", 1, 0, &x), FH_ELIMIT);
    assert_int_equal(fh_num_uint("18446744073709551615", 20, UINT64_MAX, &x), 0);
    assert_true(x == UINT64_MAX);
    assert_int_equal(fh_num_uint("18446744073709551616", 20, UINT64_MAX, &x), FH_ELIMIT);
    /* malformed wins over too big: a letter after the overflow */
    assert_int_equal(fh_num_uint("99999999999x", 12, 1000, &x), FH_EINVAL);
    assert_int_equal(fh_num_uint("", 0, 9, &x), FH_EINVAL);
    assert_int_equal(fh_num_uint("+1", 2, 9, &x), FH_EINVAL);
    assert_int_equal(fh_num_uint("-0", 2, 9, &x), FH_EINVAL);
    assert_int_equal(fh_num_uint("1 ", 2, 9, &x), FH_EINVAL);
    assert_int_equal(fh_num_uint("12", 1, 9, &x), 0); /* only the n bytes given */
    assert_int_equal(x, 1);
    unsigned port = 1;
    assert_int_equal(fh_num_port("0", 1, &port), 0);
    assert_int_equal(port, 0);
    assert_int_equal(fh_num_port("65535", 5, &port), 0);
    assert_int_equal(port, 65535);
    static const char *const bad_ports[] = {"", "00", "080", "65536", "000080", "+80", "8o"};
    for (size_t i = 0; i < sizeof bad_ports / sizeof bad_ports[0]; i++)
        if (fh_num_port(bad_ports[i], strlen(bad_ports[i]), &port) != FH_EINVAL)
            fail_msg("port '%s' accepted", bad_ports[i]);
    double d = 0;
    static const char *const good_dec[] = {"1", "0.25", ".5", "1.", "5e-1", "2E3", "007.5"};
    static const double good_val[] = {1, 0.25, 0.5, 1, 0.5, 2000, 7.5};
    for (size_t i = 0; i < sizeof good_dec / sizeof good_dec[0]; i++) {
        if (fh_num_decimal(good_dec[i], &d) != 0 || d != good_val[i])
            fail_msg("decimal '%s' not read as %g", good_dec[i], good_val[i]);
    }
    static const char *const bad_dec[] = {"",    "+1",  "-1",  ".",   "e1",   "1e",
                                          "1e+", "0x1", "nan", "1,5", "1e400"};
    for (size_t i = 0; i < sizeof bad_dec / sizeof bad_dec[0]; i++)
        if (fh_num_decimal(bad_dec[i], &d) != FH_EINVAL)
            fail_msg("decimal '%s' accepted", bad_dec[i]);
}

static void test_config_file_and_precedence(void **state)
{
    (void)state;
    char path[] = "/tmp/fh_searchd_cfg_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "# searchd settings\n"
                        "index = /srv/ix\n"
                        "listen=127.0.0.1:7800   # inline comment\n"
                        "\n"
                        "  max_connections = 9\r\n"
                        "threads = 2\n"
                        "idle-timeout = 30\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    fh_srv_config c;
    char err[256];
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--threads", "5", "--config", path, NULL), 0);
    assert_string_equal(c.index_dir, "/srv/ix");
    assert_string_equal(c.listen, "127.0.0.1:7800");
    assert_int_equal(c.max_connections, 9);
    assert_int_equal(c.idle_timeout_s, 30);
    assert_int_equal(c.threads, 5); /* the flag wins, even given before --config */
    /* one config file at most: a second is an error, not a silent override */
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--config", path, "--config=/x.conf", NULL),
                     -1);
    assert_non_null(strstr(err, "--config given twice"));
    /* a flag given twice: the last wins (as with most Unix tools) */
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--threads", "1", "--threads", "2", NULL), 0);
    assert_int_equal(c.threads, 2);
    unlink(path);

    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--config", "/nonexistent/x.conf", NULL), -1);
    assert_non_null(strstr(err, "/nonexistent/x.conf"));

    /* each refused with its place: not name = value; unknown; out of range;
     * a flag; a NUL byte, which would cut the value short silently; a bad
     * stemmer (refused where it is written, file:line) */
#define BAD(text, msg)                                                                             \
    {                                                                                              \
        text, sizeof text - 1, msg                                                                 \
    }
    static const struct {
        const char *text;
        size_t len;
        const char *msg;
    } bad[] = {
        BAD("threads 4\n", "f:1"),
        BAD("\nfoo = 1\n", "f:2"),
        BAD("threads = 99999\n", "f:1"),
        BAD("help = 1\n", "f:1"),
        BAD("index = /srv/a\0garbage\n", "f:1: a NUL byte"),
        BAD("threads = 2\nstemmer = porter\n", "f:2: stemmer: expected"),
    };
#undef BAD
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(
            fh_srv_config_parse_text(&c, bad[i].text, bad[i].len, "f", err, sizeof err), -1);
        if (!strstr(err, bad[i].msg))
            fail_msg("[%s]: %s, not %s", bad[i].text, err, bad[i].msg);
    }
    fh_srv_config_default(&c);
    assert_int_equal(parse_args(&c, err, sizeof err, "--stemmer", "porter", NULL), -1);
    assert_non_null(strstr(err, "stemmer: expected"));
    /* a byte order mark before the first line is not part of its name */
    fh_srv_config_default(&c);
    const char bom[] = "\xEF\xBB\xBFthreads = 3\n";
    assert_int_equal(fh_srv_config_parse_text(&c, bom, sizeof bom - 1, "f", err, sizeof err), 0);
    assert_int_equal(c.threads, 3);
}

static void test_listen(void **state)
{
    (void)state;
    fh_srv_config c;
    char err[256];
    const char *const good[] = {"127.0.0.1:0",     "127.0.0.1:65535",      "[::1]:7700",
                                "localhost:1",     "0.0.0.0:80",           "[::]:0",
                                "[fe80::1%lo]:80", "[::ffff:127.0.0.1]:80"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        fh_srv_config_default(&c);
        assert_int_equal(parse_args(&c, err, sizeof err, "--listen", good[i], NULL), 0);
        assert_string_equal(c.listen, good[i]);
    }
    /* out of range (no wrap-around modulo 65536), signs, blanks, leading
       zeros (00080 is no way to write 80, 00 none to write 0), no port, no host */
    const char *const bad[] = {"127.0.0.1:99999",
                               "0.0.0.0:00080",
                               "127.0.0.1:080",
                               "127.0.0.1:00",
                               "127.0.0.1:000000",
                               ":99999",
                               "127.0.0.1:65536",
                               "127.0.0.1:4294967376",
                               "127.0.0.1:-1",
                               "127.0.0.1:+80",
                               "127.0.0.1: 80",
                               "127.0.0.1:80 ",
                               "127.0.0.1:abc",
                               "127.0.0.1:",
                               "127.0.0.1",
                               ":0",
                               "[]:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fh_srv_config_default(&c);
        if (parse_args(&c, err, sizeof err, "--listen", bad[i], NULL) != -1)
            fail_msg("--listen %s was accepted", bad[i]);
        assert_non_null(strstr(err, "0..65535"));
        assert_string_equal(c.listen, "127.0.0.1:7700"); /* unchanged */
    }
    /* brackets hold an IPv6 literal (and its %zone), nothing else */
    const char *const bad6[] = {"[127.0.0.1]:0", "[localhost]:80", "[::1%]:80", "[%lo]:80",
                                "[::1]]:80",     "[[::1]]:80",     "[:::]:80"};
    for (size_t i = 0; i < sizeof bad6 / sizeof bad6[0]; i++) {
        fh_srv_config_default(&c);
        if (parse_args(&c, err, sizeof err, "--listen", bad6[i], NULL) != -1)
            fail_msg("--listen %s was accepted", bad6[i]);
        assert_non_null(strstr(err, "[IPv6]:PORT"));
        assert_string_equal(c.listen, "127.0.0.1:7700");
    }
    const char text[] = "listen = 127.0.0.1:70000\n";
    assert_int_equal(fh_srv_config_parse_text(&c, text, sizeof text - 1, "f", err, sizeof err), -1);
    assert_non_null(strstr(err, "f:1"));
    char host[64];
    unsigned port = 1;
    assert_int_equal(fh_srv_listen_split("[::1]:0", host, sizeof host, &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    assert_int_equal(fh_srv_listen_split("a.example:65535", host, sizeof host, &port), 0);
    assert_string_equal(host, "a.example");
    assert_int_equal(port, 65535);
    assert_int_equal(fh_srv_listen_split("toolonghostname:1", host, 8, &port), -1);
    /* an IPv6 address without brackets is ambiguous: ::1:7700 */
    assert_int_equal(fh_srv_listen_split("::1:7700", host, sizeof host, &port), -1);
    assert_int_equal(fh_srv_listen_split("[::1]:7700", host, sizeof host, &port), 0);
}

/* Config-file lines: '#' is a comment at the start of a line or after a
 * blank, part of the value elsewhere; quoted values are taken as written. */
static void test_config_comments_and_quotes(void **state)
{
    (void)state;
    fh_srv_config c;
    char err[256];
    fh_srv_config_default(&c);
    const char text[] = "#comment\n"
                        "   # indented comment = not a setting\n"
                        "index = /srv/a#1   # a comment after blanks\n"
                        "port-file = \"/run/my dir #2/port\"  # quoted: blanks and # kept\n"
                        "stemmer='none'\n"
                        "log-level = debug\t# after a tab\n"
                        "no_such_setting = 1 # an error, on line 7\n";
    /* the last line is an unknown key: everything before it was applied */
    assert_int_equal(fh_srv_config_parse_text(&c, text, sizeof text - 1, "f", err, sizeof err), -1);
    assert_non_null(strstr(err, "f:7"));
    assert_string_equal(c.index_dir, "/srv/a#1");
    assert_string_equal(c.port_file, "/run/my dir #2/port");
    assert_string_equal(c.stemmer, "none");
    assert_int_equal(c.log_level, FH_LOG_DEBUG);

    /* CRLF line ends: the '\r' is trimmed, comments work as with LF; a '\r'
     * inside a line is not a blank, so a '#' after it is part of the value */
    fh_srv_config_default(&c);
    const char crlf[] = "# comment\r\n"
                        "index = /srv/a\r#1\r\n"
                        "port-file = /run/p # a comment\r\n"
                        "stemmer = \"none\" # after a quote\r\n"
                        "\r\n"
                        "threads = 3\r\n";
    assert_int_equal(fh_srv_config_parse_text(&c, crlf, sizeof crlf - 1, "f", err, sizeof err), 0);
    assert_string_equal(c.index_dir, "/srv/a\r#1");
    assert_string_equal(c.port_file, "/run/p");
    assert_string_equal(c.stemmer, "none");
    assert_int_equal(c.threads, 3);

    fh_srv_config_default(&c);
    const char q[] = "index = \"  spaced  \"\nlisten=\"127.0.0.1:0\"#glued comment\n";
    assert_int_equal(fh_srv_config_parse_text(&c, q, sizeof q - 1, "f", err, sizeof err), 0);
    assert_string_equal(c.index_dir, "  spaced  ");
    assert_string_equal(c.listen, "127.0.0.1:0");
    /* a lone '\r' is trimmed as a blank before a comment that a space starts,
       quoted or not; and a CRLF end after a quote is trimmed */
    fh_srv_config_default(&c);
    const char cr[] = "index = \"/q\"\r #c\nport-file = /p\r #c\nlisten=\"127.0.0.1:0\"\r\n";
    assert_int_equal(fh_srv_config_parse_text(&c, cr, sizeof cr - 1, "f", err, sizeof err), 0);
    assert_string_equal(c.index_dir, "/q");
    assert_string_equal(c.port_file, "/p");
    assert_string_equal(c.listen, "127.0.0.1:0");

    const struct {
        const char *text, *msg;
    } bad[] = {
        {"index = \"/x\n", "f:1: no closing \""},
        {"index = '/x\"\n", "f:1: no closing '"},
        {"index = \"/x\" y\n", "f:1: text after the closing"},
        /* a '#' after a lone '\r' starts no comment (as unquoted: /srv/a\r#1) */
        {"index = \"/x\"\r#c\n", "f:1: text after the closing"},
        {"index = \"/x\" \r#c\r\n", "f:1: text after the closing"},
        {"threads = 4#2\n", "f:1: threads"}, /* '#' glued to the value is part of it */
        {"threads #= 4\n", "f:1: expected"}, /* the comment hides the '=' */
        {"index = # only a comment\n", "f:1: index"},
        {"index = \"\"\n", "f:1: index"}, /* an empty value, quoted or not */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fh_srv_config_default(&c);
        if (fh_srv_config_parse_text(&c, bad[i].text, strlen(bad[i].text), "f", err, sizeof err) !=
            -1)
            fail_msg("accepted: %s", bad[i].text);
        if (!strstr(err, bad[i].msg))
            fail_msg("'%s': got '%s', expected '%s'", bad[i].text, err, bad[i].msg);
    }
}

static void test_hist_buckets(void **state)
{
    (void)state;
    /* every value lands in a bucket whose high end is >= it and within 1/16 */
    for (uint64_t v = 0; v < 200000; v += (v < 100 ? 1 : v / 50)) {
        unsigned b = fh_lathist_bucket(v);
        assert_true(b < FH_LATHIST_BUCKETS);
        uint64_t hi = fh_lathist_bucket_high(b);
        assert_true(hi >= v);
        assert_true(hi - v <= v / 16 + 1);
        if (b > 0)
            assert_true(fh_lathist_bucket_high(b - 1) < v);
    }
    assert_int_equal(fh_lathist_bucket(UINT64_MAX), FH_LATHIST_BUCKETS - 1);
}

static void test_hist_quantiles(void **state)
{
    (void)state;
    fh_lathist *h = calloc(1, sizeof *h);
    fh_lathist_snap *s = calloc(1, sizeof *s);
    assert_non_null(h);
    assert_non_null(s);
    for (uint64_t v = 1; v <= 1000; v++)
        fh_lathist_record(h, v);
    fh_lathist_snap_add(s, h);
    assert_int_equal(s->count, 1000);
    assert_int_equal(s->max, 1000);
    uint64_t p50 = fh_lathist_snap_quantile(s, 0.5);
    uint64_t p99 = fh_lathist_snap_quantile(s, 0.99);
    assert_true(p50 >= 500 && p50 <= 500 + 500 / 16 + 1);
    assert_true(p99 >= 990 && p99 <= 1000);
    assert_int_equal(fh_lathist_snap_quantile(s, 1.0), 1000);
    fh_buf b;
    fh_buf_init(&b, 4096);
    assert_int_equal(fh_lathist_snap_json(&b, "all", s), 0);
    assert_non_null(strstr(b.data, "\"all\":{\"count\":1000,\"mean\":500,"));
    fh_buf_free(&b);
    /* two workers sum */
    fh_lathist_snap_add(s, h);
    assert_int_equal(s->count, 2000);
    free(h);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_flags),
        cmocka_unit_test(test_bad_flags),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_config_file_and_precedence),
        cmocka_unit_test(test_listen),
        cmocka_unit_test(test_config_comments_and_quotes),
        cmocka_unit_test(test_hist_buckets),
        cmocka_unit_test(test_hist_quantiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
