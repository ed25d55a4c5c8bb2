/* fuzz_analyzer.c — fh_analyze() on arbitrary bytes, with every stemmer.
 *
 * Checks the contract of analyze.h on every token: the span lies inside the
 * input, tokens come in text order, norm and stem are NUL-terminated valid
 * UTF-8 of 1..FH_TOKEN_MAX bytes, a stemmed token's stem is what
 * fh_analysis_stem() gives for its norm (the query side relies on it) unless
 * its final ا was written with a hamza (analyze.h): then the stem is the one
 * the norm gets when that ا is typed أ, and a second analysis of the same
 * bytes gives the same tokens. */
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
 * analyzer reads as one (U+0622 U+0623 U+0625 U+0672 U+0673 U+0675, a
 * combining madda or hamza U+0653-0655, the presentation forms U+FE81-FE88
 * and U+FEF5-FEFA): rule 11 then may read the token's final ا as written,
 * where fh_analysis_stem cannot. A coarse filter: check_hamza_stem checks
 * the stem itself. */
static bool hamza_alef_in(const char *text, size_t n)
{
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] == 0xD8 && (p[i + 1] == 0xA2 || p[i + 1] == 0xA3 || p[i + 1] == 0xA5))
            return true;
        if (p[i] == 0xD9 && ((p[i + 1] >= 0x93 && p[i + 1] <= 0x95) || p[i + 1] == 0xB2 ||
                             p[i + 1] == 0xB3 || p[i + 1] == 0xB5))
            return true;
        if (i + 2 < n && p[i] == 0xEF && p[i + 1] == 0xBA && p[i + 2] >= 0x81 && p[i + 2] <= 0x88)
            return true;
        if (i + 2 < n && p[i] == 0xEF && p[i + 1] == 0xBB && p[i + 2] >= 0xB5 && p[i + 2] <= 0xBA)
            return true;
    }
    return false;
}

/* The token x, whose stem is not fh_analysis_stem() of its norm: its norm
 * ends in ا, and the norm with that ا typed أ, analyzed alone, gives a token
 * of the same norm and stem (when it gives one of the same norm: a compound's
 * whole may not come back whole). Uses sc2[k]. */
static void check_hamza_stem(int k, const fh_token *x)
{
    FZ_CHECK(x->norm_len >= 2 && memcmp(x->norm + x->norm_len - 2, "\xD8\xA7", 2) == 0);
    char probe[FH_TOKEN_MAX + 1];
    memcpy(probe, x->norm, x->norm_len - 2);
    memcpy(probe + x->norm_len - 2, "\xD8\xA3", 2); /* أ */
    const fh_token *p;
    size_t np;
    FZ_CHECK(fh_analyze(sc2[k], probe, x->norm_len, &p, &np) == 0);
    for (size_t j = 0; j < np; j++) {
        if (p[j].norm_len == x->norm_len && memcmp(p[j].norm, x->norm, x->norm_len) == 0) {
            FZ_CHECK(p[j].stem_len == x->stem_len && memcmp(p[j].stem, x->stem, x->stem_len) == 0);
            return;
        }
    }
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
            if (sl != x->stem_len || memcmp(st, x->stem, sl) != 0) {
                FZ_CHECK(hamza_alef_in(text + x->offset, x->length));
                check_hamza_stem(k, x);
            }
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
