/* an_helpers.h — small helpers shared by the analyzer tests: analyze a
 * string with a given stemmer and look tokens up. Test-only; aborts on setup
 * failure through cmocka assertions. */
#ifndef FAHRAS_TEST_AN_HELPERS_H
#define FAHRAS_TEST_AN_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "fahras/analyze.h"

typedef struct an_ctx {
    fh_analyzer *a;
    fh_analysis *s;
    const fh_token *t;
    size_t n;
} an_ctx;

static inline void an_open(an_ctx *c, fh_stemmer_kind k, bool no_guard)
{
    fh_analyzer_opts o = {.stemmer = k, .no_proclitic_guard = no_guard};
    assert_int_equal(fh_analyzer_new(&o, &c->a), 0);
    assert_int_equal(fh_analysis_new(c->a, &c->s), 0);
    c->t = NULL;
    c->n = 0;
}

static inline void an_close(an_ctx *c)
{
    fh_analysis_free(c->s);
    fh_analyzer_free(c->a);
}

static inline void an_run(an_ctx *c, const char *text)
{
    assert_int_equal(fh_analyze(c->s, text, strlen(text), &c->t, &c->n), 0);
}

static inline void an_runn(an_ctx *c, const char *text, size_t len)
{
    assert_int_equal(fh_analyze(c->s, text, len, &c->t, &c->n), 0);
}

/* Normalized form / stem of a single word (asserts it yields one token). */
static inline const char *an_norm1(an_ctx *c, const char *word)
{
    an_run(c, word);
    assert_int_equal(c->n, 1);
    return c->t[0].norm;
}

static inline const char *an_stem1(an_ctx *c, const char *word)
{
    an_run(c, word);
    assert_int_equal(c->n, 1);
    return c->t[0].stem;
}

#endif /* FAHRAS_TEST_AN_HELPERS_H */
