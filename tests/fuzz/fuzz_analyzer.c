/* fuzz_analyzer.c — fh_analyze() on arbitrary bytes, with every stemmer.
 *
 * Checks the contract of analyze.h on every token: the span lies inside the
 * input, tokens come in text order, norm and stem are NUL-terminated valid
 * UTF-8 of 1..FH_TOKEN_MAX bytes, a stemmed token's stem is what
 * fh_analysis_stem() gives for its norm (the query side relies on it) unless
 * the token's text holds a hamza or madda alif (its final ا, analyze.h), and
 * a second analysis of the same bytes gives the same tokens. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fahras/analyze.h"
#include "fahras/err.h"
#include "fuzz_util.h"

#define N_AN 5

static fh_analyzer *an[N_AN];
static fh_analysis *sc[N_AN];
static fh_analysis *sc2[N_AN];

/* Whether text[0..n) holds an alif with a hamza or madda in any form the
 * analyzer reads as one (U+0622 U+0623 U+0625, a combining hamza U+0654
 * U+0655, the presentation forms U+FE81-FE88 and U+FEF5-FEFA): rule 11 then
 * may read the token's final ا as written, where fh_analysis_stem cannot. */
static bool hamza_alef_in(const char *text, size_t n)
{
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] == 0xD8 && (p[i + 1] == 0xA2 || p[i + 1] == 0xA3 || p[i + 1] == 0xA5))
            return true;
        if (p[i] == 0xD9 && (p[i + 1] == 0x94 || p[i + 1] == 0x95))
            return true;
        if (i + 2 < n && p[i] == 0xEF && p[i + 1] == 0xBA && p[i + 2] >= 0x81 && p[i + 2] <= 0x88)
            return true;
        if (i + 2 < n && p[i] == 0xEF && p[i + 1] == 0xBB && p[i + 2] >= 0xB5 && p[i + 2] <= 0xBA)
            return true;
    }
    return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const fh_analyzer_opts opts[N_AN] = {
        {.stemmer = FH_STEM_LIGHT10},
        {.stemmer = FH_STEM_LIGHT10, .no_proclitic_guard = true},
        {.stemmer = FH_STEM_LIGHT10, .alt_stems = true},
        {.stemmer = FH_STEM_SNOWBALL},
        {.stemmer = FH_STEM_NONE},
    };
    for (int i = 0; i < N_AN; i++) {
        if (fh_analyzer_new(&opts[i], &an[i]) != 0 || fh_analysis_new(an[i], &sc[i]) != 0 ||
            fh_analysis_new(an[i], &sc2[i]) != 0)
            abort();
    }
    return 0;
}

static void check_str(const char *s, size_t n)
{
    FZ_CHECK(s != NULL);
    FZ_CHECK(n >= 1 && n <= FH_TOKEN_MAX);
    FZ_CHECK(s[n] == '\0');
    FZ_CHECK(memchr(s, '\0', n) == NULL);
    FZ_CHECK(fz_utf8_ok(s, n));
}

static void check_one(int k, const char *text, size_t len)
{
    const fh_token *t;
    size_t nt;
    int rc = fh_analyze(sc[k], text, len, &t, &nt);
    FZ_CHECK(rc == 0);
    FZ_CHECK(nt == 0 || t != NULL);
    uint32_t prev_off = 0, prev_pos = 0;
    for (size_t i = 0; i < nt; i++) {
        const fh_token *x = &t[i];
        FZ_CHECK(x->length >= 1);
        FZ_CHECK((uint64_t)x->offset + x->length <= len);
        FZ_CHECK(x->offset >= prev_off);
        FZ_CHECK(x->position >= prev_pos);
        FZ_CHECK(!((x->flags & FH_TOK_WHOLE) && (x->flags & FH_TOK_PART)));
        check_str(x->norm, x->norm_len);
        check_str(x->stem, x->stem_len);
        if (x->stem != x->norm &&
            (x->stem_len != x->norm_len || memcmp(x->stem, x->norm, x->norm_len) != 0)) {
            char st[FH_TOKEN_MAX + 1];
            size_t sl = fh_analysis_stem(sc[k], x->norm, x->norm_len, st);
            FZ_CHECK((sl == x->stem_len && memcmp(st, x->stem, sl) == 0) ||
                     hamza_alef_in(text + x->offset, x->length));
        }
        prev_off = x->offset;
        prev_pos = x->position;
    }
    /* same bytes, another scratch: the same tokens */
    const fh_token *u;
    size_t nu;
    FZ_CHECK(fh_analyze(sc2[k], text, len, &u, &nu) == 0);
    FZ_CHECK(nu == nt);
    for (size_t i = 0; i < nt; i++) {
        FZ_CHECK(u[i].offset == t[i].offset && u[i].length == t[i].length);
        FZ_CHECK(u[i].position == t[i].position && u[i].flags == t[i].flags);
        FZ_CHECK(u[i].norm_len == t[i].norm_len && u[i].stem_len == t[i].stem_len);
        FZ_CHECK(memcmp(u[i].norm, t[i].norm, t[i].norm_len) == 0);
        FZ_CHECK(memcmp(u[i].stem, t[i].stem, t[i].stem_len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 16)
        return 0;
    for (int k = 0; k < N_AN; k++)
        check_one(k, (const char *)data, size);
    return 0;
}
