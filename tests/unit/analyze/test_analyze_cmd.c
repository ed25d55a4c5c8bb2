/* test_analyze_cmd.c — `fahras-indexer analyze` (fh_cmd_analyze): arguments
 * and standard input, the tab-separated columns, options and usage errors.
 * Standard input/output are redirected to temporary files around each call. */
#include "an_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analyze_cmd.h"

/* Run fh_cmd_analyze with `input` on stdin; returns its status, output in out. */
static int run_cmd(int argc, char **argv, const char *input, size_t inlen, char *out, size_t cap)
{
    FILE *fin = tmpfile(), *fout = tmpfile();
    assert_non_null(fin);
    assert_non_null(fout);
    assert_int_equal(fwrite(input, 1, inlen, fin), inlen);
    rewind(fin);
    fflush(stdout);
    int save_in = dup(0), save_out = dup(1);
    assert_true(save_in >= 0 && save_out >= 0);
    assert_true(dup2(fileno(fin), 0) >= 0);
    assert_true(dup2(fileno(fout), 1) >= 0);
    clearerr(stdin);
    int status = fh_cmd_analyze(argc, argv, false);
    fflush(stdout);
    assert_true(dup2(save_in, 0) >= 0);
    assert_true(dup2(save_out, 1) >= 0);
    close(save_in);
    close(save_out);
    clearerr(stdin);
    rewind(fout);
    size_t n = fread(out, 1, cap - 1, fout);
    out[n] = '\0';
    fclose(fin);
    fclose(fout);
    return status;
}

/* The same with constant arguments (copied: the command takes char **). */
static int run_args(int argc, const char *const *args, const char *input, size_t inlen,
                    char *out, size_t cap)
{
    char *argv[8];
    assert_true(argc <= 8);
    for (int i = 0; i < argc; i++) {
        argv[i] = strdup(args[i]);
        assert_non_null(argv[i]);
    }
    int st = run_cmd(argc, argv, input, inlen, out, cap);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return st;
}

static void test_cmd_arguments(void **state)
{
    (void)state;
    static char out[1 << 16];
    const char *const argv[] = {"الشركات", "H800"};
    assert_int_equal(run_args(2, argv, "", 0, out, sizeof out), 0);
    assert_string_equal(out, "0\t14\tالشركات\tالشركات\tشرك\t0\t-\n"
                             "15\t4\tH800\th800\th800\t1\twhole,latin\n"
                             "15\t1\tH\th\th\t1\tpart,latin\n"
                             "16\t3\t800\t800\t800\t2\tpart,num\n");
    const char *const argv2[] = {"--stemmer", "none", "في", "الشركات"};
    assert_int_equal(run_args(4, argv2, "", 0, out, sizeof out), 0);
    assert_string_equal(out, "0\t4\tفي\tفي\tفي\t0\tstop\n"
                             "5\t14\tالشركات\tالشركات\tالشركات\t1\t-\n");
    /* options after TEXT are options too; the argv it is given stays as it is */
    const char *const argv3[] = {"في", "--stemmer", "none", "الشركات"};
    assert_int_equal(run_args(4, argv3, "", 0, out, sizeof out), 0);
    assert_string_equal(out, "0\t4\tفي\tفي\tفي\t0\tstop\n"
                             "5\t14\tالشركات\tالشركات\tالشركات\t1\t-\n");
}

static void test_cmd_stdin_lines(void **state)
{
    (void)state;
    static char out[1 << 16];
    const char in[] = "كتاب\nDeepSeek-R1\n\nلشركات";
    assert_int_equal(run_cmd(0, NULL, in, sizeof in - 1, out, sizeof out), 0);
    /* offsets count from the start of the stream; positions restart per line */
    assert_string_equal(out, "0\t8\tكتاب\tكتاب\tكتاب\t0\t-\n"
                             "9\t11\tDeepSeek-R1\tdeepseek-r1\tdeepseek-r1\t0\twhole,latin\n"
                             "9\t8\tDeepSeek\tdeepseek\tdeepseek\t0\tpart,latin\n"
                             "18\t1\tR\tr\tr\t1\tpart,latin\n"
                             "19\t1\t1\t1\t1\t2\tpart,num\n"
                             "22\t12\tلشركات\tلشركات\tشرك\t0\t-\n");
    const char *const argv[] = {"--stemmer", "snowball"};
    assert_int_equal(run_args(2, argv, "الكتاب\n", 13, out, sizeof out), 0);
    assert_string_equal(out, "0\t12\tالكتاب\tالكتاب\tكتاب\t0\t-\n");
}

static void test_cmd_long_line(void **state)
{
    (void)state;
    /* a 3 MiB line without newline: processed in pieces, all words counted,
     * offsets and positions going on across the pieces as in one text */
    size_t words = 3u << 18, n = 0;
    char *in = malloc(words * 4);
    assert_non_null(in);
    for (size_t i = 0; i < words; i++) {
        memcpy(in + n, "abc ", 4);
        n += 4;
    }
    char *out = malloc(words * 64);
    assert_non_null(out);
    assert_int_equal(run_cmd(0, NULL, in, n, out, words * 64), 0);
    /* columns 0 and 5 of each line, read by hand: string functions would
     * scan the whole 50 MB output under ASan's strict_string_checks */
    size_t lines = 0, col = 0, num = 0;
    for (const char *p = out; *p; p++) {
        if (*p == '\t' || *p == '\n') {
            if (col == 0)
                assert_int_equal(num, 4 * lines); /* offset */
            else if (col == 5)
                assert_int_equal(num, lines); /* position */
            col = *p == '\n' ? 0 : col + 1;
            lines += *p == '\n';
            num = 0;
        } else if (*p >= '0' && *p <= '9') {
            num = num * 10 + (size_t)(*p - '0');
        }
    }
    assert_int_equal(lines, words);
    free(in);
    free(out);
}

static void test_cmd_usage(void **state)
{
    (void)state;
    static char out[4096];
    const char *const help[] = {"--help"};
    assert_int_equal(run_args(1, help, "", 0, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: fahras-indexer analyze"));
    /* usage errors exit 1, as every fahras-indexer command's do */
    const char *const bad[] = {"--stemmer", "porter", "x"};
    assert_int_equal(run_args(3, bad, "", 0, out, sizeof out), 1);
    const char *const badopt[] = {"--frobnicate"};
    assert_int_equal(run_args(1, badopt, "", 0, out, sizeof out), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_arguments),
        cmocka_unit_test(test_cmd_stdin_lines),
        cmocka_unit_test(test_cmd_long_line),
        cmocka_unit_test(test_cmd_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
