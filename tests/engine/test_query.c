/* test_query.c — the query language: phrases, +, -, field:, prefix*,
 * unbalanced quotes, empty input, stop words, term caps, invalid UTF-8, and
 * the tense variants of present-tense words, the answer-type words of
 * questions, mixed words (R1: the whole term or the phrase of its parts),
 * and the same word typed twice in either order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "tutil.h"

typedef struct fx {
    tu_index ix;
    fh_query *q;
    fh_buf err;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    static const char *const fn[2] = {"title", "text"};
    static const tu_doc docs[] = {
        {"d0", {"الشركات الصينية", "أعلنت الشركات الصينية عن نموذج جديد"}},
        {"d1", {"الرياضة", "فاز الفريق في المباراة"}},
    };
    if (!f || tu_index_build(&f->ix, NULL, 2, fn, NULL, docs, 2, NULL) ||
        tu_index_open(&f->ix, NULL))
        return -1;
    f->q = calloc(1, sizeof *f->q);
    fh_buf_init(&f->err, 4096);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tu_index_free(&f->ix);
    fh_buf_free(&f->err);
    free(f->q);
    free(f);
    return 0;
}

static int parse(fx *f, const char *q, uint32_t max_terms)
{
    fh_buf_reset(&f->err);
    return fh_query_parse(f->ix.s, q, strlen(q), max_terms, f->q, &f->err);
}

static void test_terms_and_operators(void **state)
{
    fx *f = *state;
    assert_int_equal(parse(f, "الشركات +الصينية -الرياضة", 64), 0);
    assert_int_equal(f->q->n_cl, 3);
    assert_int_equal(f->q->cl[0].kind, FH_CL_TERM);
    assert_int_equal(f->q->cl[0].occur, FH_OCC_SHOULD);
    assert_string_equal(f->q->cl[0].term, "شرك");
    assert_int_equal(f->q->cl[1].occur, FH_OCC_MUST);
    assert_int_equal(f->q->cl[2].occur, FH_OCC_NOT);
    /* the same stem twice is one clause weighted twice */
    assert_int_equal(parse(f, "الشركات والشركات", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_int_equal(f->q->cl[0].qtf, 2);
    /* a mixed token is one clause: its whole term or the phrase of its parts */
    assert_int_equal(parse(f, "DeepSeek-R1", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_int_equal(f->q->cl[0].kind, FH_CL_MIXED);
    assert_string_equal(f->q->cl[0].term, "deepseek-r1");
    assert_int_equal(f->q->cl[0].n_el, 3);
}

/* Pasted and phone-typed queries: Unicode spaces and directional marks
 * separate items, so an operator after them still applies; “ ” quote a
 * phrase as " does; « » are punctuation (headlines quote names with them). */
static void test_unicode_separators_and_quotes(void **state)
{
    fx *f = *state;
    static const char *const seps[] = {"\xC2\xA0", "\xE2\x80\xAF", "\xE3\x80\x80", "\xE2\x80\x8F",
                                       "\xD8\x9C", "\xE2\x81\xA6", "\xE2\x80\x8B"};
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
        char q[256];
        /* NBSP, narrow NBSP, ideographic space, RLM, ALM, LRI, zero width space */
        snprintf(q, sizeof q, "+الشركات%s-الرياضة%sالصينية", seps[i], seps[i]);
        assert_int_equal(parse(f, q, 64), 0);
        assert_int_equal(f->q->n_cl, 3);
        assert_int_equal(f->q->cl[0].occur, FH_OCC_MUST);
        assert_string_equal(f->q->cl[1].term, "رياض");
        assert_int_equal(f->q->cl[1].occur, FH_OCC_NOT);
        assert_int_equal(f->q->cl[2].occur, FH_OCC_SHOULD);
    }
    /* an RLM right before the operator */
    assert_int_equal(parse(f, "الشركات \xE2\x80\x8F-الرياضة", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(f->q->cl[1].occur, FH_OCC_NOT);
    /* what the analyzer drops (a BOM, a word joiner) before an operator is
     * nothing; inside a word it joins, as in the documents */
    assert_int_equal(parse(f, "الشركات \xEF\xBB\xBF-الرياضة \xE2\x81\xA0+نموذج", 64), 0);
    assert_int_equal(f->q->n_cl, 3);
    assert_int_equal(f->q->cl[1].occur, FH_OCC_NOT);
    assert_int_equal(f->q->cl[2].occur, FH_OCC_MUST);
    /* and after the operator, and after a field with its operator */
    assert_int_equal(parse(f, "الشركات -\xEF\xBB\xBF\"الشركات الصينية\" -\xD9\x80الرياضة", 64), 0);
    assert_int_equal(f->q->n_cl, 3);
    assert_int_equal(f->q->cl[1].kind, FH_CL_PHRASE);
    assert_int_equal(f->q->cl[1].occur, FH_OCC_NOT);
    assert_int_equal(f->q->cl[2].occur, FH_OCC_NOT);
    assert_int_equal(parse(f, "الشركات title:\xEF\xBB\xBF-\xEF\xBB\xBFالرياضة", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(f->q->cl[1].occur, FH_OCC_NOT);
    assert_int_equal(f->q->cl[1].field_mask, 1u);
    assert_int_equal(parse(f, "نمو\xEF\xBB\xBFذج", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_string_equal(f->q->cl[0].term, "نموذج");
    /* only separators, or only what the analyzer drops: empty */
    assert_int_equal(parse(f, "\xC2\xA0\xE2\x80\x8F ", 64), FH_EEMPTY);
    assert_int_equal(parse(f, "\xEF\xBB\xBF \xEF\xBB\xBF", 64), FH_EEMPTY);
    assert_non_null(strstr(f->err.data, "empty"));
    /* curly quotes, either way round, and with a field */
    static const char *const phr[] = {"\xE2\x80\x9Cالشركات الصينية\xE2\x80\x9D نموذج",
                                      "\xE2\x80\x9Dالشركات الصينية\xE2\x80\x9C نموذج",
                                      "\"الشركات الصينية\xE2\x80\x9D نموذج",
                                      "text:\xE2\x80\x9Cالشركات الصينية\xE2\x80\x9D نموذج"};
    for (size_t i = 0; i < sizeof phr / sizeof phr[0]; i++) {
        assert_int_equal(parse(f, phr[i], 64), 0);
        assert_int_equal(f->q->n_cl, 2);
        assert_int_equal(f->q->cl[0].kind, FH_CL_PHRASE);
        assert_int_equal(f->q->cl[0].n_el, 2);
        assert_int_equal(f->q->cl[1].kind, FH_CL_TERM);
    }
    /* (analyzer 1.19) words the analyzer joins across a space are one
     * item: عبد الله is the word عبدالله, 15 % is 15%, whatever separates
     * them (two spaces, a tab, a directional mark, which a document's word
     * drops), with the operator repeated or not, and as a prefix typed */
    assert_int_equal(parse(f, "+عبد الله 15 % شركة", 64), 0);
    assert_int_equal(f->q->n_cl, 3);
    assert_int_equal(f->q->cl[0].occur, FH_OCC_MUST);
    assert_int_equal(parse(f, "عبدالله", 64), 0);
    char joined[sizeof f->q->cl[0].term];
    snprintf(joined, sizeof joined, "%s", f->q->cl[0].term);
    assert_int_equal(parse(f, "+عبد الله 15 % شركة", 64), 0);
    assert_string_equal(f->q->cl[0].term, joined);
    assert_string_equal(f->q->cl[1].term, "15%");
    static const char *const apart[] = {"عبد\xE2\x80\x8Fالله", "عبد  الله", "عبد\tالله",
                                        "+عبد +الله"};
    for (size_t k = 0; k < sizeof apart / sizeof apart[0]; k++) {
        assert_int_equal(parse(f, apart[k], 64), 0);
        assert_int_equal(f->q->n_cl, 1);
        assert_string_equal(f->q->cl[0].term, joined);
    }
    assert_int_equal(parse(f, "شركة -عبد -الله", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_string_equal(f->q->cl[1].term, joined);
    assert_int_equal(f->q->cl[1].occur, FH_OCC_NOT);
    assert_int_equal(parse(f, "+عبد الله", 64), 0); /* +عبد +الله, as typed */
    assert_int_equal(f->q->cl[0].occur, FH_OCC_MUST);
    assert_int_equal(parse(f, "+عبد -الله", 64), 0); /* two operators: two items */
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(parse(f, "15\xE2\x80\x8F%", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_string_equal(f->q->cl[0].term, "15%");
    /* the second half as a document may write it: ٱ (U+0671), the
     * presentation forms of الله, the fullwidth ％ and ٪ */
    static const char *const second[] = {"عبد ٱلله",
                                         "عبد \xEF\xBA\x8D\xEF\xBB\x9F\xEF\xBB\xA0\xEF\xBB\xAA"};
    for (size_t k = 0; k < sizeof second / sizeof second[0]; k++) {
        assert_int_equal(parse(f, second[k], 64), 0);
        assert_int_equal(f->q->n_cl, 1);
        assert_string_equal(f->q->cl[0].term, joined);
    }
    static const char *const pct[] = {"15 \xEF\xBC\x85", "15 ٪"};
    for (size_t k = 0; k < sizeof pct / sizeof pct[0]; k++) {
        assert_int_equal(parse(f, pct[k], 64), 0);
        assert_int_equal(f->q->n_cl, 1);
        assert_string_equal(f->q->cl[0].term, "15%");
    }
    /* a number and the words of a percentage, as the index reads them: the
     * number with % (15 في المائة, 15 بالمائة), the words taken in */
    static const char *const pw[] = {"15 في المائة", "15 في المئة", "15 فى المائة",
                                     "15 بالمائة",   "١٥ في المئة", "15\tفي  المائة"};
    for (size_t k = 0; k < sizeof pw / sizeof pw[0]; k++) {
        assert_int_equal(parse(f, pw[k], 64), 0);
        if (f->q->n_cl != 1 || strcmp(f->q->cl[0].term, "15%") != 0)
            fail_msg("[%s]: %u clauses, the first %s", pw[k], f->q->n_cl, f->q->cl[0].term);
    }
    assert_int_equal(parse(f, "نمو +15 +في +المائة سنويا", 64), 0);
    assert_int_equal(f->q->n_cl, 3);
    assert_string_equal(f->q->cl[1].term, "15%");
    assert_int_equal(f->q->cl[1].occur, FH_OCC_MUST);
    assert_int_equal(parse(f, "نمو -15 في المائة", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_string_equal(f->q->cl[1].term, "15%");
    assert_int_equal(f->q->cl[1].occur, FH_OCC_NOT);
    /* not: a number that has its sign already, the words alone, the words
     * after another word, a prefix being typed */
    assert_int_equal(parse(f, "15% في المائة", 64), 0);
    assert_string_equal(f->q->cl[0].term, "15%");
    assert_int_equal(f->q->n_cl, 2); /* 15% and المائة (في is a stop word) */
    assert_int_equal(parse(f, "15% بالمائة", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(parse(f, "في المائة 15", 64), 0);
    assert_string_equal(f->q->cl[f->q->n_cl - 1].term, "15");
    assert_int_equal(parse(f, "15 في", 64), 0);
    assert_string_equal(f->q->cl[0].term, "15");
    assert_int_equal(parse(f, "15 في المائ*", 64), 0);
    assert_string_equal(f->q->cl[0].term, "15");
    assert_int_equal(parse(f, "عبد ال*", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_int_equal(f->q->cl[0].kind, FH_CL_PREFIX);
    assert_memory_equal(f->q->cl[0].term, "عبدال", strlen("عبدال"));
    /* unbalanced: runs to the end */
    assert_int_equal(parse(f, "نموذج \xE2\x80\x9Cالشركات الصينية", 64), 0);
    assert_int_equal(f->q->cl[1].kind, FH_CL_PHRASE);
    /* « » are not quotes: two ranked words */
    assert_int_equal(parse(f, "\xC2\xABالشركات الصينية\xC2\xBB", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(f->q->cl[0].kind, FH_CL_TERM);
    assert_int_equal(f->q->cl[1].kind, FH_CL_TERM);
    /* a word glued to a curly quote ends there */
    assert_int_equal(parse(f, "نموذج\xE2\x80\x9Cالشركات الصينية\xE2\x80\x9D", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(f->q->cl[1].kind, FH_CL_PHRASE);
}

/* Mixed words (docs/ANALYSIS.md, "The rule"): R1 is one MIXED clause, its
 * whole term r1 and its parts r 1 at consecutive positions, whatever its
 * occurrence; it counts as one word; the same word twice is one clause
 * weighted twice, its parts not repeated. One part and a % (4%) is a plain
 * term; a word of a phrase keeps the whole term; a prefix is on the last
 * part; a one-word phrase is the word. */
static void test_mixed_words(void **state)
{
    fx *f = *state;
    static const char *const qs[] = {"R1", "+R1", "-R1 الشركات"};
    static const fh_occur occ[] = {FH_OCC_SHOULD, FH_OCC_MUST, FH_OCC_NOT};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(parse(f, qs[i], 64), 0);
        const fh_clause *c = &f->q->cl[0];
        assert_int_equal(c->kind, FH_CL_MIXED);
        assert_int_equal(c->occur, occ[i]);
        assert_string_equal(c->term, "r1");
        assert_int_equal(c->n_el, 2);
        assert_string_equal(f->q->el[c->first_el].term, "r");
        assert_string_equal(f->q->el[c->first_el + 1].term, "1");
        assert_int_equal(f->q->el[c->first_el].rel, 0);
        assert_int_equal(f->q->el[c->first_el + 1].rel, 1);
    }
    assert_int_equal(parse(f, "GPT-4o", 64), 0);
    assert_int_equal(f->q->cl[0].kind, FH_CL_MIXED);
    assert_int_equal(f->q->cl[0].n_el, 3);
    assert_int_equal(f->q->n_words, 1);
    assert_int_equal(parse(f, "R1 نموذج", 2), 0); /* one word each */
    assert_int_equal(parse(f, "R1 r1", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_int_equal(f->q->cl[0].qtf, 2);
    assert_int_equal(f->q->n_el, 2);
    assert_int_equal(parse(f, "4%", 64), 0);
    assert_int_equal(f->q->cl[0].kind, FH_CL_TERM);
    assert_string_equal(f->q->cl[0].term, "4%");
    /* a prefix on a mixed word is on its last part: r 1* */
    assert_int_equal(parse(f, "R1*", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_int_equal(f->q->cl[0].kind, FH_CL_MIXED);
    assert_true(f->q->cl[0].last_prefix);
    assert_string_equal(f->q->cl[0].term, "r1");
    assert_int_equal(f->q->cl[0].n_el, 2);
    assert_string_equal(f->q->el[f->q->cl[0].first_el + 1].term, "1");
    assert_int_equal(parse(f, "R1 R1*", 64), 0); /* the word and its prefix: two clauses */
    assert_int_equal(f->q->n_cl, 2);
    assert_false(f->q->cl[0].last_prefix);
    assert_true(f->q->cl[1].last_prefix);
    assert_int_equal(parse(f, "GPT-4*", 64), 0);
    assert_int_equal(f->q->cl[0].kind, FH_CL_MIXED);
    assert_true(f->q->cl[0].last_prefix);
    /* a one-word phrase of a mixed word is the word: "R1", -"R1" */
    static const char *const ph[] = {"\"R1\"", "-\"R1\" الشركات", "R1 \"R1\""};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(parse(f, ph[i], 64), 0);
        const fh_clause *c = &f->q->cl[0];
        assert_int_equal(c->kind, FH_CL_MIXED);
        assert_int_equal(c->occur, i == 1 ? FH_OCC_NOT : FH_OCC_SHOULD);
        assert_false(c->last_prefix);
        assert_string_equal(c->term, "r1");
        assert_int_equal(c->n_el, 2);
        assert_string_equal(f->q->el[c->first_el].term, "r");
        assert_int_equal(f->q->n_el, 2);
        assert_int_equal(c->qtf, i == 2 ? 2u : 1u);
    }
    assert_int_equal(parse(f, "\"4%\"", 64), 0);
    assert_int_equal(f->q->cl[0].kind, FH_CL_TERM);
    assert_int_equal(parse(f, "\"نموذج R1\"", 64), 0);
    assert_int_equal(f->q->cl[0].kind, FH_CL_PHRASE);
    assert_string_equal(f->q->el[f->q->cl[0].first_el + 1].term, "r1");
    /* the parts of many long mixed words do not fit: refused, never cut */
    char q[8192];
    size_t n = 0;
    for (int i = 0; i < 20; i++) {
        for (int k = 0; k < 15; k++)
            n += (size_t)snprintf(q + n, sizeof q - n, "%c%d", 'a' + (i + k) % 26, k);
        q[n++] = ' ';
    }
    q[n] = '\0';
    assert_int_equal(parse(f, q, 64), FH_ELIMIT);
    assert_non_null(strstr(f->err.data, "word parts"));
}

static void test_phrase(void **state)
{
    fx *f = *state;
    assert_int_equal(parse(f, "\"الشركات الصينية\" نموذج", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    const fh_clause *c = &f->q->cl[0];
    assert_int_equal(c->kind, FH_CL_PHRASE);
    assert_int_equal(c->n_el, 2);
    assert_int_equal(f->q->el[c->first_el].rel, 0);
    assert_int_equal(f->q->el[c->first_el + 1].rel, 1);
    /* stop words stay inside a phrase */
    assert_int_equal(parse(f, "\"فاز في المباراة\"", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_int_equal(f->q->cl[0].n_el, 3);
    assert_true(f->q->el[f->q->cl[0].first_el + 1].stop);
    /* unbalanced quote: the phrase runs to the end */
    assert_int_equal(parse(f, "نموذج \"الشركات الصينية", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(f->q->cl[1].kind, FH_CL_PHRASE);
    /* a one-word phrase is a term; an empty phrase nothing */
    assert_int_equal(parse(f, "\"الشركات\"", 64), 0);
    assert_int_equal(f->q->cl[0].kind, FH_CL_TERM);
    assert_int_equal(parse(f, "\"\"", 64), FH_ESYNTAX);
    assert_int_equal(parse(f, "\"", 64), FH_ESYNTAX);
}

static void test_field_and_prefix(void **state)
{
    fx *f = *state;
    assert_int_equal(parse(f, "title:الشركات TEXT:نموذج", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(f->q->cl[0].field_mask, 1u);
    assert_int_equal(f->q->cl[1].field_mask, 2u);
    /* an unknown field name is text */
    assert_int_equal(parse(f, "color:الشركات", 64), 0);
    for (uint32_t i = 0; i < f->q->n_cl; i++)
        assert_int_equal(f->q->cl[i].field_mask, 3u);
    /* a known one with nothing after it is an error, not the word "title" */
    static const char *const dangling[] = {
        "+title:",         "الشركات title:", "title: الشركات", "text:\xC2\xA0نموذج",
        "الشركات title:-", "title:- الشركات"};
    for (size_t i = 0; i < sizeof dangling / sizeof dangling[0]; i++) {
        assert_int_equal(parse(f, dangling[i], 64), FH_ESYNTAX);
        assert_non_null(strstr(f->err.data, "no word after it"));
    }
    /* the operator may follow the field */
    assert_int_equal(parse(f, "نموذج text:-الشركات title:+الصينية", 64), 0);
    assert_int_equal(f->q->n_cl, 3);
    assert_int_equal(f->q->cl[1].occur, FH_OCC_NOT);
    assert_int_equal(f->q->cl[1].field_mask, 2u);
    assert_int_equal(f->q->cl[2].occur, FH_OCC_MUST);
    assert_int_equal(f->q->cl[2].field_mask, 1u);
    assert_int_equal(parse(f, "+title:\"الشركات الصينية\"", 64), 0);
    assert_int_equal(f->q->cl[0].kind, FH_CL_PHRASE);
    assert_int_equal(f->q->cl[0].occur, FH_OCC_MUST);
    assert_int_equal(f->q->cl[0].field_mask, 1u);
    assert_int_equal(parse(f, "نموذ* -text:فاز*", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(f->q->cl[0].kind, FH_CL_PREFIX);
    assert_string_equal(f->q->cl[0].term, "نموذ");
    assert_int_equal(f->q->cl[1].kind, FH_CL_PREFIX);
    assert_int_equal(f->q->cl[1].occur, FH_OCC_NOT);
    assert_int_equal(f->q->cl[1].field_mask, 2u);
    /* what a prefix walks besides its stem (query.c, prefix_readings): the
     * letters after an article the analyzer kept (الش*: ش*, الام*: ام*), the
     * whole walk when they begin the prefix too (الا*: ا*), the hamza seat
     * folded (المؤت*: مءت*); and the stem of the word completed with the
     * suffix its last letter begins (القوا*: قو, for القوات) */
    static const char *const typed[][4] = {
        {"الش*", "الش", "ش", ""},    {"بالم*", "الم", "م", ""},         {"للت*", "للت", "ت", ""},
        {"الف*", "الف", "ف", ""},    {"الشر*", "شر", "", ""},           {"ال*", "ال", "", ""},
        {"الشركات*", "شرك", "", ""}, {"الأم*", "الام", "ام", ""},       {"المع*", "المع", "مع", ""},
        {"الأ*", "ا", "", ""},       {"المؤت*", "مؤت", "مءت", ""},      {"القوا*", "قوا", "", "قو"},
        {"الشركا*", "شرك", "", ""},  {"المعلمو*", "معلمو", "", "معلم"},
    };
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        assert_int_equal(parse(f, typed[i][0], 64), 0);
        assert_int_equal(f->q->n_cl, 1);
        const fh_clause *c = &f->q->cl[0];
        assert_int_equal(c->kind, FH_CL_PREFIX);
        if (strcmp(c->term, typed[i][1]) != 0 || c->alt_len != strlen(typed[i][2]) ||
            (c->alt_len && strcmp(c->alt, typed[i][2]) != 0) ||
            c->norm_len != strlen(typed[i][3]) ||
            (c->norm_len && strcmp(c->norm, typed[i][3]) != 0))
            fail_msg("%s: prefixes %s and %.*s, exact %.*s, not %s and %s, exact %s", typed[i][0],
                     c->term, (int)c->alt_len, c->alt, (int)c->norm_len, c->norm, typed[i][1],
                     typed[i][2], typed[i][3]);
    }
    /* not a prefix: a word, with no second term */
    assert_int_equal(parse(f, "الش", 64), 0);
    assert_int_equal(f->q->cl[0].kind, FH_CL_TERM);
    assert_string_equal(f->q->cl[0].term, "الش");
}

static void test_empty_and_junk(void **state)
{
    fx *f = *state;
    assert_int_equal(parse(f, "", 64), FH_EEMPTY);
    assert_int_equal(parse(f, "   \t ", 64), FH_EEMPTY);
    assert_int_equal(parse(f, "+ - * \"\" ،؛.", 64), FH_ESYNTAX);
    assert_int_equal(parse(f, "-الشركات", 64), FH_ESYNTAX);
    assert_non_null(strstr(f->err.data, "exclusion"));
    assert_int_equal(parse(f, "\xff\xfe", 64), FH_EINPUT);
    assert_int_equal(parse(f, "الشركات \xd8", 64), FH_EINPUT);      /* truncated sequence */
    assert_int_equal(parse(f, "\xc0\xaf", 64), FH_EINPUT);          /* overlong */
    assert_int_equal(parse(f, "\xed\xa0\x80", 64), FH_EINPUT);      /* surrogate */
}

static void test_stop_words(void **state)
{
    fx *f = *state;
    /* dropped from the ranked part... */
    assert_int_equal(parse(f, "في الشركات من", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_true(f->q->dropped_stop);
    /* ...unless the query is only stop words */
    assert_int_equal(parse(f, "في من", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_false(f->q->dropped_stop);
    /* required stop words are kept */
    assert_int_equal(parse(f, "+في الشركات", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    /* a stop word quoted is asked for, also when typed plain as well,
       before or after: one clause, kept, whatever the order */
    assert_int_equal(parse(f, "في \"في\" الشركات", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_false(f->q->dropped_stop);
    assert_int_equal(f->q->cl[0].qtf, 2);
    assert_int_equal(parse(f, "\"في\" في الشركات", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_false(f->q->dropped_stop);
    assert_int_equal(f->q->cl[0].qtf, 2);
}

static void test_term_cap(void **state)
{
    fx *f = *state;
    char q[8192];
    /* a phrase: at most FH_Q_MAX_PHRASE words */
    size_t m = 0;
    q[m++] = '"';
    for (unsigned i = 0; i < FH_Q_MAX_PHRASE + 1; i++)
        m += (size_t)snprintf(q + m, sizeof q - m, "w%c ", 'a' + i % 26);
    q[m] = '\0';
    assert_int_equal(parse(f, q, 64), FH_ELIMIT);
    assert_non_null(strstr(f->err.data, "a phrase has more than 32 words"));
    q[m - 3] = '\0'; /* 32 words */
    assert_int_equal(parse(f, q, 64), 0);
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(q + n, sizeof q - n, "w%c%c ", 'a' + i % 26, 'a' + (i / 26) % 26);
    assert_int_equal(parse(f, q, 64), FH_ELIMIT);
    assert_non_null(strstr(f->err.data, "64"));
    assert_int_equal(parse(f, q, 256), FH_ELIMIT);
    /* exactly at the cap is fine; phrase words count too */
    assert_int_equal(parse(f, "a b c d", 4), 0);
    assert_int_equal(parse(f, "a b \"c d\" e", 4), FH_ELIMIT);
    assert_int_equal(parse(f, "a", 0), FH_ELIMIT);
    /* the phrase words and word parts have their own cap (512), which a
       phrase after 16 words of 32 parts passes under 256 words: the
       message names that cap, not max_terms */
    char pq[4096];
    n = 0;
    for (int k = 0; k < 16; k++) {
        for (int j = 0; j < 32; j++)
            n += (size_t)snprintf(pq + n, sizeof pq - n, "%s%c%cx", j ? "-" : "", 'a' + k,
                                  'a' + j % 26);
        pq[n++] = ' ';
    }
    snprintf(pq + n, sizeof pq - n, "\"الشركات الصينية\"");
    assert_int_equal(parse(f, pq, 256), FH_ELIMIT);
    assert_non_null(strstr(f->err.data, "512 phrase words and word parts"));
    pq[n] = '\0'; /* the 512 parts alone fit */
    assert_int_equal(parse(f, pq, 256), 0);
    /* fh_search reports the error and leaves out untouched */
    fh_buf out;
    fh_buf_init(&out, 1 << 20);
    fh_buf_adds(&out, "keep");
    fh_buf_reset(&f->err);
    assert_int_equal(fh_search(f->ix.s, NULL, q, strlen(q), &out, &f->err), FH_ELIMIT);
    assert_string_equal(out.data, "keep");
    assert_true(f->err.len > 0);
    fh_buf_reset(&f->err);
    assert_int_equal(fh_search(f->ix.s, NULL, "\xff", 1, &out, &f->err), FH_EINPUT);
    assert_string_equal(out.data, "keep");
    fh_buf_free(&out);
}

/* The index holds أعلنت (stem اعلنت). A ranked word whose stem opens with ت
 * gets the past stem the index has as its variant: one extra clause, an alt
 * one in the light namespace (is_var). None for a word without the prefix,
 * none the index lacks (يعلن: neither علن nor اعلن is there), none that is
 * a word of the query already, none for an exclusion. */
static void test_tense_variants(void **state)
{
    fx *f = *state;
    assert_int_equal(parse(f, "تعلن الشركات", 64), 0);
    assert_int_equal(f->q->n_cl, 3);
    assert_string_equal(f->q->cl[0].term, "تعلن");
    assert_true(f->q->cl[0].is_var);
    assert_string_equal(f->q->cl[0].alt, "اعلنت");
    assert_int_equal(f->q->cl[0].alt_ix, 2);
    assert_false(f->q->cl[1].is_var);
    assert_int_equal(f->q->cl[1].alt_ix, -1);
    assert_true(f->q->cl[2].is_alt);
    assert_true(f->q->cl[2].is_var);
    assert_string_equal(f->q->cl[2].term, "اعلنت");
    assert_int_equal(f->q->cl[2].occur, FH_OCC_SHOULD);
    /* required words get one too; it only ranks */
    assert_int_equal(parse(f, "+تعلن", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_int_equal(f->q->cl[1].occur, FH_OCC_SHOULD);
    assert_int_equal(parse(f, "يعلن", 64), 0);
    assert_int_equal(f->q->n_cl, 1);
    assert_int_equal(parse(f, "تعلن أعلنت", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_false(f->q->cl[0].is_var);
    assert_int_equal(parse(f, "الشركات -تعلن", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    /* off at tense_weight 0 */
    tu_index keep = f->ix;
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    assert_true(rp.tense_weight > 0);
    rp.tense_weight = 0;
    assert_int_equal(tu_index_open(&f->ix, &rp), 0);
    assert_int_equal(parse(f, "تعلن الشركات", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    assert_false(f->q->cl[0].is_var);
    tu_index_shut(&f->ix);
    f->ix = keep;
}

/* Answer-type words: in a question, a ranked word whose stem is that of
 * اسم, عدد, يسمى, تسمى or تسمية (so الاسم and العدد too) weighs
 * answer_type_weight; the other words, the same words outside a question,
 * required words, and every word at weight 1 weigh 1. A tense variant
 * inherits its word's weight. */
static void test_answer_type_words(void **state)
{
    fx *f = *state;
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    const float w = rp.answer_type_weight;
    assert_true(w > 0 && w < 1);
    assert_int_equal(f->ix.e->n_answer, 4); /* اسم عدد يسم تسم: تسمى and تسمية share */
    assert_int_equal(parse(f, "ما اسم الشركات الصينية", 64), 0);
    assert_true(f->q->question);
    assert_int_equal(f->q->n_cl, 3);
    assert_string_equal(f->q->cl[0].term, "اسم");
    assert_true(f->q->cl[0].weight == w);
    assert_true(f->q->cl[1].weight == 1.0f && f->q->cl[2].weight == 1.0f);
    assert_int_equal(parse(f, "كم العدد وبماذا تسمى الشركات", 64), 0);
    assert_true(f->q->question);
    for (uint32_t k = 0; k < f->q->n_cl; k++)
        assert_true(f->q->cl[k].weight == (strcmp(f->q->cl[k].term, "شرك") == 0 ? 1.0f : w));
    /* the other forms, written as users write them (ى, ة): the list is
     * stored normalized, so this fails if normalization and list part */
    assert_int_equal(parse(f, "ما يسمى وما تسمية الشركات", 64), 0);
    for (uint32_t k = 0; k < f->q->n_cl; k++)
        assert_true(f->q->cl[k].weight == (strcmp(f->q->cl[k].term, "شرك") == 0 ? 1.0f : w));
    assert_int_equal(f->q->n_cl, 3);
    /* not a question: full weight */
    assert_int_equal(parse(f, "اسم الشركات الصينية", 64), 0);
    assert_false(f->q->question);
    /* an excluded interrogative asks nothing, and an excluded word is not
       one of the first two: the query reads the same wherever it stands */
    assert_int_equal(parse(f, "-من الشركات الصينية", 64), 0);
    assert_false(f->q->question);
    assert_int_equal(parse(f, "الشركات الصينية -من", 64), 0);
    assert_false(f->q->question);
    assert_int_equal(parse(f, "-الرياضة ما الشركات", 64), 0);
    assert_true(f->q->question);
    assert_int_equal(parse(f, "+ما الشركات", 64), 0);
    assert_true(f->q->question);
    assert_true(f->q->cl[0].weight == 1.0f);
    /* required: the user asked for the word */
    assert_int_equal(parse(f, "ما +اسم الشركات", 64), 0);
    assert_int_equal(f->q->cl[0].occur, FH_OCC_MUST);
    assert_true(f->q->cl[0].weight == 1.0f);
    /* a tense variant carries its word's weight: 1 for a word that is not
     * an answer-type word (تعلن -> اعلنت) */
    assert_int_equal(parse(f, "ماذا تعلن الشركات", 64), 0);
    assert_true(f->q->cl[0].is_var && f->q->cl[f->q->cl[0].alt_ix].weight == 1.0f);
    /* off at weight 1 */
    tu_index keep = f->ix;
    rp.answer_type_weight = 1.0f;
    assert_int_equal(tu_index_open(&f->ix, &rp), 0);
    assert_int_equal(parse(f, "ما اسم الشركات الصينية", 64), 0);
    assert_true(f->q->cl[0].weight == 1.0f);
    tu_index_shut(&f->ix);
    /* out of range: refused */
    rp.answer_type_weight = 1.5f;
    assert_int_equal(tu_index_open(&f->ix, &rp), FH_EINVAL);
    f->ix = keep;
}

/* Parse q1 and q2 and check that they give the same clauses: what each
 * clause carries (its readings, flags, weight and alt clause), not the forms
 * typed. */
static void assert_same_clauses(fx *f, const char *q1, const char *q2)
{
    fh_query *a = malloc(sizeof *a);
    assert_non_null(a);
    assert_int_equal(parse(f, q1, 64), 0);
    memcpy(a, f->q, sizeof *a);
    assert_int_equal(parse(f, q2, 64), 0);
    const fh_query *b = f->q;
    assert_int_equal(a->n_cl, b->n_cl);
    for (uint32_t k = 0; k < a->n_cl; k++) {
        const fh_clause *x = &a->cl[k], *y = &b->cl[k];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->occur, y->occur);
        assert_string_equal(x->term, y->term);
        assert_int_equal(x->qtf, y->qtf);
        assert_int_equal(x->stop, y->stop);
        assert_int_equal(x->alt_len, y->alt_len);
        assert_memory_equal(x->alt, y->alt, x->alt_len);
        assert_int_equal(x->alt_ix, y->alt_ix);
        assert_int_equal(x->is_alt, y->is_alt);
        assert_int_equal(x->is_var, y->is_var);
        assert_int_equal(x->is_spell, y->is_spell);
        assert_true(x->weight == y->weight);
        assert_int_equal(x->norm_len, y->norm_len);
        assert_memory_equal(x->norm, y->norm, x->norm_len);
        assert_int_equal(x->spell_mask, y->spell_mask);
    }
    free(a);
}

/* The same stem typed twice is one clause, and it is the same clause
 * whichever form comes first: it keeps a reading either form carries (a
 * one-word phrase has no alternative stem and no madda reading), and of two
 * different ones, the same one (the shorter). */
static void test_merge_order(void **state)
{
    fx *f = *state;
    /* madda readings: الاف and والاف both carry one, by their own norm */
    assert_same_clauses(f, "الاف والاف", "والاف الاف");
    assert_int_equal(f->q->n_cl, 1);
    assert_int_equal(f->q->cl[0].qtf, 2);
    assert_string_equal(f->q->cl[0].norm, "الاف");
    assert_int_equal(f->q->cl[0].spell_mask, 1);
    assert_same_clauses(f, "\"الاف\" الاف", "الاف \"الاف\"");
    assert_string_equal(f->q->cl[0].norm, "الاف");
    /* alternative stems (light10+sb): "شركات" has none; الشركات's is شرك,
       شركات's شركا */
    fx g = *f;
    static const char *const fn[2] = {"title", "text"};
    static const tu_doc docs[] = {{"d0", {"الشركات", "شركات الشركات"}}};
    fh_analyzer_opts ao = {.stemmer = FH_STEM_LIGHT10, .alt_stems = true};
    assert_int_equal(tu_index_build(&g.ix, &ao, 2, fn, NULL, docs, 1, NULL), 0);
    assert_int_equal(tu_index_open(&g.ix, NULL), 0);
    char sherk[16], sherka[16];
    snprintf(sherk, sizeof sherk, "%c%s", FH_ALT_PREFIX, "شرك");
    snprintf(sherka, sizeof sherka, "%c%s", FH_ALT_PREFIX, "شركا");
    assert_same_clauses(&g, "\"شركات\" شركات", "شركات \"شركات\"");
    assert_int_equal(g.q->n_cl, 2);
    assert_int_equal(g.q->cl[0].qtf, 2);
    assert_string_equal(g.q->cl[0].alt, sherka);
    assert_int_equal(g.q->cl[0].alt_ix, 1);
    assert_true(g.q->cl[1].is_alt);
    assert_string_equal(g.q->cl[1].term, sherka);
    assert_int_equal(g.q->cl[1].qtf, 2);
    assert_same_clauses(&g, "الشركات شركات", "شركات الشركات");
    assert_int_equal(g.q->n_cl, 2);
    assert_string_equal(g.q->cl[0].alt, sherk);
    assert_string_equal(g.q->cl[1].term, sherk);
    tu_index_free(&g.ix);
}

/* What a user may type that asks two things at once: a prefix inside a
 * phrase, both operators on one word, two fields. Each is a syntax error
 * naming what was typed, not an operator, a field or a '*' silently dropped;
 * the harmless forms around them (a prefix quoted alone, the same operator
 * twice, a lone sign, a '*' between words) keep their meaning. */
static void test_conflicts(void **state)
{
    fx *f = *state;
    /* a word* quoted alone is the prefix unquoted, mixed words included */
    static const char *const alone[][2] = {
        {"نموذ*", "\"نموذ*\""},
        {"نموذ*", "\"نموذ* \""},
        {"نموذ*", "\xE2\x80\x9Cنموذ*\xE2\x80\x9D"},
        {"الشركات -نموذ*", "الشركات -\"نموذ*\""},
        {"R1*", "\"R1*\""},
        {"title:نموذ*", "title:\"نموذ**\""},
        {"+الشركات", "++الشركات"},
        {"نموذج -الشركات", "نموذج --الشركات"},
        {"الشركات نموذج", "الشركات +- نموذج"},
        {"الشركات نموذج", "الشركات -- نموذج"},
    };
    for (size_t i = 0; i < sizeof alone / sizeof alone[0]; i++)
        assert_same_clauses(f, alone[i][0], alone[i][1]);
    assert_int_equal(parse(f, "\"نموذ*\"", 64), 0);
    assert_int_equal(f->q->cl[0].kind, FH_CL_PREFIX);
    assert_int_equal(parse(f, "\"R1*\"", 64), 0);
    assert_true(f->q->cl[0].last_prefix);
    assert_int_equal(parse(f, "title:\"نموذ*\"", 64), 0);
    assert_int_equal(f->q->cl[0].field_mask, 1u);
    /* in a phrase of two or more words: an error, wherever the word* is */
    static const char *const in_phrase[] = {"\"الشركات الصين*\"", "\"الشركات* الصينية\"",
                                            "نموذج -\"الشركات الصين*", "\"R1* الشركات\""};
    for (size_t i = 0; i < sizeof in_phrase / sizeof in_phrase[0]; i++) {
        assert_int_equal(parse(f, in_phrase[i], 64), FH_ESYNTAX);
        assert_non_null(strstr(f->err.data, "a prefix (word*) inside a \"phrase\" of 2 words"));
    }
    /* a '*' between two words, or alone, is punctuation as before */
    static const char *const punct[] = {"\"الشركات*الصينية\"", "\"الشركات * الصينية\"",
                                        "\"*الشركات الصينية\""};
    for (size_t i = 0; i < sizeof punct / sizeof punct[0]; i++) {
        assert_int_equal(parse(f, punct[i], 64), 0);
        assert_int_equal(f->q->n_cl, 1);
        assert_int_equal(f->q->cl[0].kind, FH_CL_PHRASE);
        assert_int_equal(f->q->cl[0].n_el, 2);
    }
    /* + and - on one word, either side of a field; two fields of the index
     * on one word (an unknown second name is a word, below): the message
     * starts with what was typed */
#define BOTH " asks for a word both required (+) and excluded (-)"
#define TWO " gives a word two fields"
    static const char *const bad[][2] = {
        {"+-الشركات", "'+-'" BOTH},
        {"-+الشركات", "'-+'" BOTH},
        {"نموذج +-الشركات", "'+-'" BOTH},
        {"-title:+الشركات", "'-title:+'" BOTH},
        {"title:+-الشركات", "'+-'" BOTH},
        {"+-title:الشركات", "'+-'" BOTH},
        {"-+\"الشركات الصينية\"", "'-+'" BOTH},
        {"title:text:الشركات", "'title:text:'" TWO},
        {"TEXT:Title:الشركات", "'TEXT:Title:'" TWO},
        {"-title:-text:الشركات", "'title:-text:'" TWO},
        {"title:+text:الشركات", "'title:+text:'" TWO},
    };
#undef BOTH
#undef TWO
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(f, bad[i][0], 64), FH_ESYNTAX);
        if (strncmp(f->err.data, bad[i][1], strlen(bad[i][1])) != 0)
            fail_msg("%s: %s", bad[i][0], f->err.data);
    }
    assert_int_equal(parse(f, "title:color:الشركات", 64), 0);
    assert_int_equal(f->q->n_cl, 2);
    for (uint32_t k = 0; k < f->q->n_cl; k++)
        assert_int_equal(f->q->cl[k].field_mask, 1u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms_and_operators),
        cmocka_unit_test(test_phrase),
        cmocka_unit_test(test_unicode_separators_and_quotes),
        cmocka_unit_test(test_mixed_words),
        cmocka_unit_test(test_field_and_prefix),
        cmocka_unit_test(test_empty_and_junk),
        cmocka_unit_test(test_stop_words),
        cmocka_unit_test(test_term_cap),
        cmocka_unit_test(test_tense_variants),
        cmocka_unit_test(test_answer_type_words),
        cmocka_unit_test(test_merge_order),
        cmocka_unit_test(test_conflicts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
