/* test_search.c — ranking order on crafted documents and the correctness of
 * phrase, exclusion, required, field and prefix clauses, mixed words, the
 * term-list cap and stored strings with NUL, through fh_search's JSON
 * replies; GET, KEYWORDS and STATS replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "fahras/jsondoc.h"
#include "tutil.h"

typedef struct fx {
    tu_index ix;
    fh_buf out, err;
} fx;

/* Crafted so that each ranking rule decides one pair. */
static const tu_doc docs[] = {
    /* 0: query word in the title */
    {"title-hit", {"الطاقة الشمسية", "تقرير عن مشروعات جديدة في المنطقة"}},
    /* 1: the same word in the body only */
    {"body-hit", {"تقرير اقتصادي", "تقرير عن الطاقة الشمسية في المنطقة"}},
    /* 2/3: same tf, short vs long body */
    {"short", {"خبر", "البركان ثار"}},
    {"long", {"خبر", "البركان ثار اليوم بعد سنوات طويلة من الهدوء وتسبب في إجلاء سكان القرى "
                     "المجاورة وإغلاق الطرق والمطارات في المنطقة كلها"}},
    /* 4/5: rare vs common term */
    {"rare", {"خبر", "رأى السكان الزرافة في الحديقة"}},
    {"common", {"خبر", "رأى السكان المنطقة في الحديقة"}},
    /* 6/7: phrase order */
    {"phrase-yes", {"نموذج", "أطلقت الشركة نموذج مفتوح المصدر"}},
    {"phrase-no", {"نموذج", "المصدر مفتوح أمام نموذج الشركة"}},
    /* 8: clitics and mixed tokens */
    {"clitic", {"الشركات الصينية", "أعلنت والشركات الصينية نموذج DeepSeek-R1 للعالم"}},
    /* 9: more distinct query words */
    {"both", {"خبر", "الزرافة والبركان في الحديقة"}},
};
#define NDOCS (sizeof docs / sizeof docs[0])

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    static const char *const fn[2] = {"title", "text"};
    static const float fw[2] = {2.0f, 1.0f};
    if (!f || tu_index_build(&f->ix, NULL, 2, fn, fw, docs, NDOCS, NULL))
        return -1;
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    /* the rules below are about BM25F: no re-rank bonus (test_lead_title has
     * title against body with the bonuses on) */
    rp.prox_weight = 0;
    rp.lead_weight = 0;
    rp.pass_weight = 0;
    rp.order_weight = 0;
    rp.focus_weight = 0;
    if (tu_index_open(&f->ix, &rp))
        return -1;
    fh_buf_init(&f->out, 1 << 22);
    fh_buf_init(&f->err, 4096);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tu_index_free(&f->ix);
    fh_buf_free(&f->out);
    fh_buf_free(&f->err);
    free(f);
    return 0;
}

/* Run q; return the reply parsed (caller decrefs). */
static json_t *search(fx *f, const char *q, const fh_search_opts *o)
{
    fh_buf_reset(&f->out);
    fh_buf_reset(&f->err);
    int rc = fh_search(f->ix.s, o, q, strlen(q), &f->out, &f->err);
    if (rc)
        print_error("query %s: %d %s\n", q, rc, f->err.data ? f->err.data : "");
    assert_int_equal(rc, 0);
    json_error_t je;
    json_t *j = json_loadb(f->out.data, f->out.len, 0, &je);
    assert_non_null(j);
    return j;
}

/* Hit i of a reply (NULL past the last). */
static json_t *hit(json_t *j, size_t i)
{
    return json_array_get(json_object_get(j, "hits"), i);
}

static const char *hit_id(json_t *j, size_t i)
{
    json_t *h = hit(j, i);
    return h ? json_string_value(json_object_get(h, "id")) : NULL;
}

static double score_of(json_t *j, size_t i)
{
    return json_real_value(json_object_get(hit(j, i), "score"));
}

static size_t nhits(json_t *j)
{
    return json_array_size(json_object_get(j, "hits"));
}

static long long total(json_t *j)
{
    return json_integer_value(json_object_get(j, "total"));
}

/* Run q with options o and check the reply's total is want. */
static void expect_total(fx *f, const char *q, const fh_search_opts *o, long long want)
{
    json_t *j = search(f, q, o);
    if (total(j) != want)
        print_error("query %s\n", q);
    assert_int_equal(total(j), want);
    json_decref(j);
}

/* index of id in the hits, or -1 */
static int rank_of(json_t *j, const char *id)
{
    for (size_t i = 0; i < nhits(j); i++)
        if (strcmp(hit_id(j, i), id) == 0)
            return (int)i;
    return -1;
}

static bool has(json_t *j, const char *id)
{
    return rank_of(j, id) >= 0;
}

/* Assert that q (default options) finds exactly the documents ids, a list of
 * ids separated by spaces, in any order. */
static void expect_ids(fx *f, const char *q, const char *ids)
{
    json_t *j = search(f, q, NULL);
    long long n = 0;
    for (const char *p = ids; *p;) {
        size_t l = strcspn(p, " ");
        char id[64];
        assert_true(l > 0 && l < sizeof id);
        memcpy(id, p, l);
        id[l] = '\0';
        if (!has(j, id))
            fail_msg("query [%s]: no hit %s", q, id);
        n++;
        p += l + (p[l] == ' ');
    }
    if (total(j) != n)
        fail_msg("query [%s]: %lld hits, expected %lld (%s)", q, total(j), n, ids);
    json_decref(j);
}

static void test_ranking_rules(void **state)
{
    fx *f = *state;
    json_t *j = search(f, "الطاقة", NULL);
    assert_string_equal(hit_id(j, 0), "title-hit"); /* title weight 2 */
    assert_string_equal(hit_id(j, 1), "body-hit");
    json_decref(j);
    j = search(f, "البركان", NULL);
    assert_true(rank_of(j, "short") >= 0 && rank_of(j, "short") < rank_of(j, "long"));
    json_decref(j);
    j = search(f, "الزرافة المنطقة", NULL);
    assert_true(rank_of(j, "rare") >= 0 && rank_of(j, "rare") < rank_of(j, "common")); /* idf */
    json_decref(j);
    j = search(f, "الزرافة البركان", NULL);
    assert_string_equal(hit_id(j, 0), "both"); /* two distinct words beat one */
    json_decref(j);
    /* scores in non-increasing order (title-hit and body-hit tie: the same
     * body length and tf), total counts every match */
    j = search(f, "المنطقة", NULL);
    assert_int_equal(total(j), 4);
    assert_int_equal(nhits(j), 4);
    double prev = 1e9;
    for (size_t i = 0; i < nhits(j); i++) {
        double sc = score_of(j, i);
        assert_true(sc <= prev);
        prev = sc;
    }
    json_decref(j);
}

/* fh_searcher_warm: a warmed searcher returns the same hits, snippets
 * included (they re-analyze the stored text through the warmed cache). */
static void test_warm(void **state)
{
    fx *f = *state;
    static const char q[] = "الشركات الصينية نموذج";
    json_t *cold = search(f, q, NULL);
    fh_searcher *cold_s = f->ix.s;
    assert_int_equal(fh_searcher_new(f->ix.e, &f->ix.s), 0);
    assert_int_equal(fh_searcher_warm(f->ix.s), 0);
    json_t *warm = search(f, q, NULL);
    assert_true(nhits(cold) >= 2);
    assert_true(json_equal(json_object_get(cold, "hits"), json_object_get(warm, "hits")));
    assert_non_null(strstr(json_string_value(json_object_get(hit(warm, 0), "snippet")), "<b>"));
    json_decref(warm);
    warm = search(f, q, NULL); /* again, from the cache */
    assert_true(json_equal(json_object_get(cold, "hits"), json_object_get(warm, "hits")));
    json_decref(warm);
    json_decref(cold);
    fh_searcher_free(f->ix.s);
    f->ix.s = cold_s;
}

static void test_operators(void **state)
{
    fx *f = *state;
    json_t *j = search(f, "\"نموذج مفتوح\"", NULL);
    assert_int_equal(total(j), 1);
    assert_string_equal(hit_id(j, 0), "phrase-yes");
    json_decref(j);
    expect_total(f, "\"مفتوح نموذج\"", NULL, 0);
    /* a stop word no document holds (every token is indexed, stop words
     * included): the phrase cannot occur; it was a wildcard, and "أطلقت لكن
     * نموذج" found "أطلقت الشركة نموذج" */
    expect_total(f, "\"أطلقت لكن نموذج\"", NULL, 0);
    expect_total(f, "\"لكن نموذج\"", NULL, 0);
    expect_total(f, "\"أطلقت الشركة نموذج\"", NULL, 1);
    /* exclusion */
    j = search(f, "المنطقة -الشمسية", NULL);
    assert_false(has(j, "title-hit"));
    assert_false(has(j, "body-hit"));
    assert_true(has(j, "common"));
    assert_int_equal(total(j), 2);
    json_decref(j);
    /* required */
    j = search(f, "الحديقة +الزرافة", NULL);
    assert_int_equal(total(j), 2);
    assert_true(has(j, "rare") && has(j, "both") && !has(j, "common"));
    json_decref(j);
    j = search(f, "+الحديقة +الزرافة +البركان", NULL);
    assert_int_equal(total(j), 1);
    assert_string_equal(hit_id(j, 0), "both");
    json_decref(j);
    /* field */
    j = search(f, "title:الطاقة", NULL);
    assert_int_equal(total(j), 1);
    assert_string_equal(hit_id(j, 0), "title-hit");
    json_decref(j);
    j = search(f, "text:الشمسية", NULL);
    assert_int_equal(total(j), 1);
    assert_string_equal(hit_id(j, 0), "body-hit");
    json_decref(j);
    /* prefix: الطاق* expands to the stem طاق... */
    expect_total(f, "الطاق*", NULL, 2);
    expect_total(f, "زراف*", NULL, 2);
    /* clitics: a query word with clitics finds the stem, a mixed token whole */
    j = search(f, "والشركات", NULL);
    assert_true(has(j, "clitic"));
    json_decref(j);
    j = search(f, "deepseek-r1", NULL);
    assert_int_equal(total(j), 1);
    assert_string_equal(hit_id(j, 0), "clitic");
    json_decref(j);
    /* nothing matches */
    j = search(f, "كلمةغيرموجودة", NULL);
    assert_int_equal(total(j), 0);
    assert_int_equal(nhits(j), 0);
    json_decref(j);
}

static void test_limit_offset_fields(void **state)
{
    fx *f = *state;
    fh_search_opts o;
    fh_search_opts_default(&o);
    json_t *all = search(f, "المنطقة", &o);
    o.limit = 2;
    o.offset = 1;
    o.snippets = false;
    o.return_fields = 2; /* "text" */
    json_t *j = search(f, "المنطقة", &o);
    assert_int_equal(nhits(j), 2);
    assert_string_equal(hit_id(j, 0), hit_id(all, 1));
    assert_string_equal(hit_id(j, 1), hit_id(all, 2));
    json_t *h = hit(j, 0);
    assert_null(json_object_get(h, "snippet"));
    assert_non_null(json_object_get(h, "text"));
    assert_non_null(json_object_get(h, "title"));
    json_decref(j);
    json_decref(all);
    o.limit = 2000;
    fh_buf_reset(&f->err);
    assert_int_equal(fh_search(f->ix.s, &o, "x", 1, &f->out, &f->err), FH_ELIMIT);
}

static void test_get_keywords_stats(void **state)
{
    fx *f = *state;
    fh_buf_reset(&f->out);
    assert_int_equal(fh_get(f->ix.s, "rare", 4, &f->out, &f->err), 0);
    json_t *j = json_loads(f->out.data, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "doc"), "id")),
                        "rare");
    json_decref(j);
    assert_int_equal(fh_get(f->ix.s, "nope", 4, &f->out, &f->err), FH_ENOTFOUND);
    fh_buf_reset(&f->out);
    const char *kw = "والشركات في";
    assert_int_equal(fh_keywords(f->ix.s, kw, strlen(kw), &f->out, &f->err), 0);
    j = json_loads(f->out.data, 0, NULL);
    assert_non_null(j);
    json_t *t0 = json_array_get(json_object_get(j, "tokens"), 0);
    assert_string_equal(json_string_value(json_object_get(t0, "token")), "والشركات");
    assert_string_equal(json_string_value(json_object_get(t0, "stem")), "شرك");
    assert_int_equal(json_integer_value(json_object_get(t0, "df")), 3); /* clitic, phrase-yes, phrase-no */
    json_t *t1 = json_array_get(json_object_get(j, "tokens"), 1);
    assert_true(json_is_true(json_object_get(t1, "stop")));
    json_decref(j);
    fh_buf_reset(&f->out);
    assert_int_equal(fh_engine_stats(f->ix.e, &f->out), 0);
    j = json_loads(f->out.data, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "docs")), NDOCS);
    /* every ranking knob that has a flag is in "rank" */
    json_t *rk = json_object_get(j, "rank");
    const double want[3] = {f->ix.e->rp.tense_weight, f->ix.e->rp.answer_type_weight,
                            f->ix.e->rp.cover_weight};
    const char *const key[3] = {"tense_weight", "answer_type_weight", "cover_weight"};
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(rk, key[i]);
        assert_true(json_is_number(v));
        assert_true(fabs(json_number_value(v) - want[i]) < 1e-6);
    }
    json_decref(j);
}

/* A fixture of its own for a test: analyzer a (NULL: the default), an index of
 * the documents dv in nf fields (weights fw, NULL: the defaults; stored as
 * the lines stored, NULL: as tu_build writes them) in a fresh temporary
 * directory, and the reply buffers (out of out_max bytes). The engine and
 * the searcher are the test's: it opens them with the ranking parameters it
 * needs. fx_done releases the rest. */
static void fx_build_lines(fx *f, const fh_analyzer_opts *ao, unsigned nf, const char *const *fn,
                           const float *fw, const tu_doc *dv, size_t n, const char *const *stored,
                           size_t out_max)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(tu_index_build(&f->ix, ao, nf, fn, fw, dv, n, stored), 0);
    fh_buf_init(&f->out, out_max);
    fh_buf_init(&f->err, 4096);
}

/* fx_build_lines with tu_build's stored lines and a 1 MiB reply buffer. */
static void fx_build(fx *f, const fh_analyzer_opts *ao, unsigned nf, const char *const *fn,
                     const float *fw, const tu_doc *dv, size_t n)
{
    fx_build_lines(f, ao, nf, fn, fw, dv, n, NULL, 1 << 20);
}

/* fx_build with the default analyzer, the fields title and text, the
 * documents stored as the lines stored[0..n) (tu_build_stored), and a reply
 * buffer of out_max bytes. */
static void fx_build_stored(fx *f, const tu_doc *dv, size_t n, const char *const *stored,
                            size_t out_max)
{
    static const char *const fn[2] = {"title", "text"};
    fx_build_lines(f, NULL, 2, fn, NULL, dv, n, stored, out_max);
}

/* fx_build with the default analyzer and one field, "text". */
static void fx_build_text(fx *f, const tu_doc *dv, size_t n)
{
    static const char *const fn[1] = {"text"};
    fx_build(f, NULL, 1, fn, NULL, dv, n);
}

/* Open the engine over f's index with ranking parameters rp, and a searcher. */
static void fx_open(fx *f, const fh_rank_params *rp)
{
    assert_int_equal(tu_index_open(&f->ix, rp), 0);
}

/* Release what fx_open opened (fx_done still releases the rest). */
static void fx_close(fx *f)
{
    tu_index_shut(&f->ix);
}

static void fx_done(fx *f)
{
    tu_index_free(&f->ix);
    fh_buf_free(&f->out);
    fh_buf_free(&f->err);
}
/* An index built with the alternative-stem analyzer (light10g+sb): a query
 * word also scores by its Snowball stem. يستقبل and استقبلت have different
 * light10 stems but one Snowball stem, so "receives" lifts the document that
 * says يستقبل above an otherwise identical one; with alt_weight 0 the tie goes
 * to the lower docid. Both rerank-only and as OR clauses. */
static void test_alt_stems(void **state)
{
    (void)state;
    static const tu_doc adocs[] = {
        {"other", {"المستشفى الكبير يعالج"}},
        {"alt", {"المستشفى الكبير يستقبل"}},
        {"filler", {"مدرسة جديدة في المدينة"}},
    };
    static const char *const fn[1] = {"text"};
    fh_analyzer_opts ao = {.stemmer = FH_STEM_LIGHT10, .alt_stems = true};
    fx f;
    fx_build(&f, &ao, 1, fn, NULL, adocs, 3);
    assert_string_equal(fh_analyzer_name(f.ix.a), "fahras-ar-light10g+sb");
    for (int mode = 0; mode < 3; mode++) {
        fh_rank_params rp;
        fh_rank_params_default(&rp);
        rp.alt_weight = mode == 0 ? 0.0f : 0.5f;
        rp.alt_rerank = mode == 1;
        fx_open(&f, &rp);
        json_t *j = search(&f, "المستشفى استقبلت", NULL);
        assert_int_equal(nhits(j), 2);
        assert_string_equal(hit_id(j, 0), mode == 0 ? "other" : "alt");
        json_decref(j);
        /* the alt clauses never reach snippets or a refusal */
        fh_search_opts o;
        fh_search_opts_default(&o);
        o.max_terms = 2;
        j = search(&f, "المستشفى استقبلت", &o);
        assert_int_equal(nhits(j), 2);
        json_decref(j);
        fx_close(&f);
    }
    fx_done(&f);
}

/* Tense variants: "past" says أعلن where the query says يعلن, "other" is the
 * same document with another verb. With tense_weight 0 they tie and the
 * lower docid ("other") comes first; at the default "past" wins, in the
 * ranking and as the only hit the variant matches (it never adds a hit).
 * The df floor: تقرير is in 6 documents and قرير in one, under a fifth, so
 * تقرير gets no variant; with قرير in two it would. */
static void test_tense(void **state)
{
    (void)state;
    static const tu_doc tdocs[] = {
        {"other", {"الوزير شرح الخطة الجديدة"}},
        {"past", {"الوزير أعلن الخطة الجديدة"}},
        {"filler", {"مدرسة جديدة في المدينة"}},
        {"r1", {"تقرير عن المدينة"}}, {"r2", {"تقرير عن المدرسة"}},
        {"r3", {"تقرير عن الطقس"}},   {"r4", {"تقرير عن السوق"}},
        {"r5", {"تقرير عن الخطة"}},   {"r6", {"تقرير عن الوزير"}},
        {"q1", {"قرير العين"}},
    };
    fx f;
    fx_build_text(&f, tdocs, sizeof tdocs / sizeof tdocs[0]);
    for (int on = 0; on < 2; on++) {
        fh_rank_params rp;
        fh_rank_params_default(&rp);
        if (!on)
            rp.tense_weight = 0;
        fx_open(&f, &rp);
        json_t *j = search(&f, "الوزير يعلن الخطة", NULL);
        assert_int_equal(nhits(j), 4); /* other, past, and r5, r6 by one word */
        assert_string_equal(hit_id(j, 0), on ? "past" : "other");
        assert_string_equal(hit_id(j, 1), on ? "other" : "past");
        json_decref(j);
        j = search(&f, "يعلن", NULL);
        assert_int_equal(nhits(j), 0);
        json_decref(j);
        fh_query *q = &f.ix.s->q;
        assert_int_equal(fh_query_parse(f.ix.s, "تقرير", strlen("تقرير"), 64, q, &f.err), 0);
        assert_int_equal(q->n_cl, 1);
        assert_false(q->cl[0].is_var);
        fx_close(&f);
    }
    fx_done(&f);
}

/* Country readings: روسيا also scores, at tense_weight, by روس (الروسية):
 * the text with the name first, then the one with the adjective only, then
 * the one with neither. Off at tense_weight 0, off in a question, one way
 * (الروسية reads nothing), and a reading only re-ranks: it adds no hit
 * (روسيا alone finds the name only). */
static void test_country(void **state)
{
    (void)state;
    static const tu_doc cdocs[] = {
        {"adj", {"وقعت الحكومة الروسية الاتفاق الجديد"}},
        {"name", {"روسيا توقع الاتفاق الجديد"}},
        {"none", {"وقعت الحكومة الاتفاق الجديد"}},
        {"f1", {"مدرسة جديدة في المدينة"}},
        {"f2", {"سوق المدينة"}},
    };
    fx f;
    fx_build_text(&f, cdocs, sizeof cdocs / sizeof cdocs[0]);
    for (int on = 0; on < 2; on++) {
        fh_rank_params rp;
        fh_rank_params_default(&rp);
        if (!on)
            rp.tense_weight = 0;
        fx_open(&f, &rp);
        json_t *j = search(&f, "روسيا الاتفاق", NULL);
        assert_int_equal(nhits(j), 3);
        assert_string_equal(hit_id(j, 0), "name");
        if (on) {
            assert_string_equal(hit_id(j, 1), "adj");
            assert_string_equal(hit_id(j, 2), "none");
        }
        json_decref(j);
        fh_query *q = &f.ix.s->q;
        assert_int_equal(
            fh_query_parse(f.ix.s, "روسيا الاتفاق", strlen("روسيا الاتفاق"), 64, q, &f.err), 0);
        assert_int_equal(q->cl[0].is_var, on);
        if (on)
            assert_string_equal(q->cl[0].alt, "روس");
        const char *back = "الروسية";
        assert_int_equal(fh_query_parse(f.ix.s, back, strlen(back), 64, q, &f.err), 0);
        assert_false(q->cl[0].is_var);
        const char *ask = "متى وقعت روسيا الاتفاق";
        assert_int_equal(fh_query_parse(f.ix.s, ask, strlen(ask), 64, q, &f.err), 0);
        assert_true(q->question);
        for (uint32_t k = 0; k < q->n_cl; k++)
            assert_false(q->cl[k].is_var && strcmp(q->cl[k].alt, "روس") == 0);
        fx_close(&f);
    }
    fx_done(&f);
}

/* (1.24) The name علي is a word of its own, no longer the stop word على:
 * "علي الزهراني" ranks the text that names him above the one where only the
 * preposition meets the family name, "علي" alone finds only the name (the
 * preposition's text is no hit), and the snippet marks the name, not على. */
static void test_name_ali(void **state)
{
    (void)state;
    static const tu_doc ndocs[] = {
        {"prep", {"وقع الزهراني على العقد الجديد"}},
        {"name", {"وقع علي الزهراني العقد الجديد"}},
        {"f1", {"مدرسة جديدة في المدينة"}},
        {"f2", {"سوق المدينة"}},
    };
    fx f;
    fx_build_text(&f, ndocs, sizeof ndocs / sizeof ndocs[0]);
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    fx_open(&f, &rp);
    json_t *j = search(&f, "علي الزهراني", NULL);
    assert_int_equal(nhits(j), 2);
    assert_string_equal(hit_id(j, 0), "name");
    json_decref(j);
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.snippets = true;
    j = search(&f, "علي", &o);
    assert_int_equal(nhits(j), 1);
    assert_string_equal(hit_id(j, 0), "name");
    const char *sn = json_string_value(json_object_get(hit(j, 0), "snippet"));
    assert_non_null(sn);
    assert_non_null(strstr(sn, "<b>علي</b>"));
    json_decref(j);
    fx_close(&f);
    fx_done(&f);
}

/* (1.26) A word whose ن is its root's: حسين (Hussein) was حس (a sense),
 * تأمين (insurance) تام (complete), الديون (debts) دي as الدية (blood money),
 * so each query found the other word's texts. Now each finds its own, with
 * its clitics and plural, and the whole word is highlighted. */
static void test_nun_words(void **state)
{
    (void)state;
    static const tu_doc ndocs[] = {
        {"name", {"استقبل الأمير الحسين بن طلال الوفد"}},
        {"sense", {"للفنان حس فني رفيع"}},
        {"ins", {"ارتفعت أسعار التأمين على السيارات وشركات تأمينات"}},
        {"full", {"تم إنجاز العمل بشكل تام"}},
        {"debt", {"سددت الحكومة الديون المتأخرة"}},
        {"blood", {"دفعت الأسرة الدية كاملة"}},
    };
    fx f;
    fx_build_text(&f, ndocs, sizeof ndocs / sizeof ndocs[0]);
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    fx_open(&f, &rp);
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.snippets = true;
    static const struct {
        const char *q, *id, *mark;
    } want[] = {
        {"حسين", "name", "<b>الحسين</b>"},
        {"تأمين", "ins", "<b>التأمين</b>"},
        {"ديون", "debt", "<b>الديون</b>"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        json_t *j = search(&f, want[i].q, &o);
        assert_int_equal(nhits(j), 1);
        assert_string_equal(hit_id(j, 0), want[i].id);
        const char *sn = json_string_value(json_object_get(hit(j, 0), "snippet"));
        assert_non_null(sn);
        assert_non_null(strstr(sn, want[i].mark));
        json_decref(j);
    }
    json_t *j = search(&f, "تأمينات", NULL); /* the plural finds the singular's text */
    assert_int_equal(nhits(j), 1);
    assert_string_equal(hit_id(j, 0), "ins");
    json_decref(j);
    fx_close(&f);
    fx_done(&f);
}

/* Answer-type words: "name" holds اسم and the river, "river" the river and
 * the city, in a longer text; اسم and the city are equally rare, so at full
 * weight (1) the shorter "name" comes first. At the default اسم weighs a
 * quarter and "river", which holds what the question is about, comes first.
 * The same words without the interrogative are no question: "name" first
 * either way. */
static void test_answer_type(void **state)
{
    (void)state;
    static const tu_doc adocs[] = {
        {"name", {"اسم النهر الطويل"}},
        {"river", {"النهر الطويل يمر بالمدينة الكبيرة"}},
        {"f1", {"مدرسة في القرية"}},
        {"f2", {"سوق القرية القديمة"}},
        {"f3", {"حديقة القرية الجميلة"}},
    };
    fx f;
    fx_build_text(&f, adocs, sizeof adocs / sizeof adocs[0]);
    for (int on = 0; on < 2; on++) {
        fh_rank_params rp;
        fh_rank_params_default(&rp);
        if (!on)
            rp.answer_type_weight = 1.0f;
        fx_open(&f, &rp);
        json_t *j = search(&f, "ما اسم النهر في المدينة", NULL);
        assert_string_equal(hit_id(j, 0), on ? "river" : "name");
        assert_string_equal(hit_id(j, 1), on ? "name" : "river");
        json_decref(j);
        j = search(&f, "اسم النهر في المدينة", NULL);
        assert_string_equal(hit_id(j, 0), "name");
        json_decref(j);
        fx_close(&f);
    }
    fx_done(&f);
}

/* lead_title: the lead bonus of a title match is scaled down (default 0.25).
 * "title-q" is an article whose title is the query's subject and whose body
 * mentions the third query word late; "body-q" opens its body with all three
 * query words. At lead_title 1 every title word earns the full lead bonus on
 * top of its (doubled) BM25F weight and title-q wins; at the default the
 * document that answers the query in its first words wins. A single-word title
 * match still outranks the same word opening a body (title weight 2), which it
 * no longer does when the title earns no lead at all (lead_title 0). */
static void test_lead_title(void **state)
{
    (void)state;
    static const tu_doc ldocs[] = {
        {"title-q", {"مهرجان الرياض",
                     "تبدأ الفعاليات مساء الخميس بعروض متنوعة للعائلات في الحدائق العامة "
                     "وتستمر أسبوعين ثم تختتم بحفل موسيقي كبير"}},
        {"body-q", {"أخبار المدينة", "مهرجان الرياض الموسيقي يبدأ الخميس بعروض للعائلات"}},
        {"t-one", {"البرتقال", "ثمار الموسم في المزارع الساحلية"}},
        {"b-one", {"ثمار الموسم", "البرتقال في المزارع الساحلية"}},
        {"filler", {"تقرير", "مدرسة جديدة في الحي الشمالي"}},
    };
    static const char *const fn[2] = {"title", "text"};
    static const float fw[2] = {2.0f, 1.0f};
    static const struct {
        float lead_title; /* < 0: the default */
        const char *first3, *first1;
    } cases[] = {
        {1.0f, "title-q", "t-one"},
        {-1.0f, "body-q", "t-one"},
        {0.0f, "body-q", "b-one"},
    };
    fx f;
    fx_build(&f, NULL, 2, fn, fw, ldocs, sizeof ldocs / sizeof ldocs[0]);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fh_rank_params rp;
        fh_rank_params_default(&rp);
        assert_true(rp.lead_title > 0.2f && rp.lead_title < 0.3f);
        if (cases[c].lead_title >= 0)
            rp.lead_title = cases[c].lead_title;
        rp.focus_weight = 0; /* the lead bonus alone (focus: test_focus) */
        fx_open(&f, &rp);
        json_t *j = search(&f, "مهرجان الرياض الموسيقي", NULL);
        assert_true(nhits(j) >= 2);
        assert_string_equal(hit_id(j, 0), cases[c].first3);
        json_decref(j);
        j = search(&f, "البرتقال", NULL);
        assert_int_equal(nhits(j), 2);
        assert_string_equal(hit_id(j, 0), cases[c].first1);
        json_decref(j);
        fx_close(&f);
    }
    fx_done(&f);
}

/* Pseudo-relevance feedback. "fb" is the best hit for the query word; "plain"
 * and "topical" hold the query word at the same place in bodies of the same
 * length, so without feedback they tie (the lower docid, "plain", first). With
 * prf_docs 1 the words of "fb" become expansion terms and "topical", which
 * shares them, moves above "plain". The hits are the same either way: only
 * the pool is re-scored. By default feedback is on for questions only. An
 * engine with more feedback documents than FH_PRF_MAX_DOCS is refused. */
static void test_prf(void **state)
{
    (void)state;
    static const tu_doc pdocs[] = {
        {"fb", {"البركان الجزيرة الرماد الطيران"}},
        {"plain", {"ذكرت البركان المدرسة الحديقة السوق المكتبة"}},
        {"topical", {"ذكرت البركان الجزيرة الرماد الطيران المكتبة"}},
        {"filler1", {"مدرسة جديدة في الحي الشمالي"}},
        {"filler2", {"السوق المركزي يفتح أبوابه"}},
    };
    fx f;
    fx_build_text(&f, pdocs, sizeof pdocs / sizeof pdocs[0]);
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    assert_true(rp.prf_weight == 0.0f); /* off by default, on for questions */
    assert_true(rp.prf_question_weight > 0.0f);
    rp.prf_docs = 1;
    fx_open(&f, &rp);
    static const struct {
        const char *q, *second;
    } dq[] = {{"البركان", "plain"}, {"ما البركان", "topical"}, {"أين البركان", "topical"}};
    for (size_t i = 0; i < sizeof dq / sizeof dq[0]; i++) {
        json_t *j = search(&f, dq[i].q, NULL);
        assert_int_equal(nhits(j), 3);
        assert_string_equal(hit_id(j, 0), "fb");
        assert_string_equal(hit_id(j, 1), dq[i].second);
        json_decref(j);
    }
    fx_close(&f);
    rp.prf_question_weight = 0;
    for (int on = 0; on < 2; on++) {
        rp.prf_weight = on ? 1.0f : 0.0f;
        fx_open(&f, &rp);
        json_t *j = search(&f, "البركان", NULL);
        assert_int_equal(nhits(j), 3);
        assert_int_equal(total(j), 3);
        assert_string_equal(hit_id(j, 0), "fb");
        assert_string_equal(hit_id(j, 1), on ? "topical" : "plain");
        assert_string_equal(hit_id(j, 2), on ? "plain" : "topical");
        json_decref(j);
        fx_close(&f);
    }
    rp.prf_docs = FH_PRF_MAX_DOCS + 1;
    assert_int_equal(tu_index_open(&f.ix, &rp), FH_EINVAL);
    fx_done(&f);
}

/* order_weight: "reversed" and "ordered" hold the same two query words (each
 * in both documents only: equal idf) at mirrored positions, so every other
 * feature ties them and the lower docid, "reversed", comes first; the order
 * bonus puts "ordered", whose words come in the query's order, first — but
 * not for a question. */
/* The query's two words (equal idf) at mirrored places: only the order bonus
 * separates them (test_query_order, test_short_depth). */
static const tu_doc odocs[] = {
    {"reversed", {"المطر غزير في الجبال ثم الثلج"}},
    {"ordered", {"الثلج غزير في الجبال ثم المطر"}},
    {"filler", {"مدرسة جديدة في الحي الشمالي"}},
};

static void test_query_order(void **state)
{
    (void)state;
    fx f;
    fx_build_text(&f, odocs, 3);
    for (int on = 0; on < 2; on++) {
        fh_rank_params rp;
        fh_rank_params_default(&rp);
        assert_true(rp.order_weight > 0.0f);
        if (!on)
            rp.order_weight = 0;
        fx_open(&f, &rp);
        json_t *j = search(&f, "الثلج المطر", NULL);
        assert_int_equal(nhits(j), 2);
        assert_string_equal(hit_id(j, 0), on ? "ordered" : "reversed");
        json_decref(j);
        /* the other query order prefers the other document */
        j = search(&f, "المطر الثلج", NULL);
        assert_string_equal(hit_id(j, 0), "reversed");
        json_decref(j);
        /* a question (interrogative among the first two words) gets no order
         * bonus: the tie stands, lower docid first */
        j = search(&f, "متى الثلج المطر", NULL);
        assert_string_equal(hit_id(j, 0), "reversed");
        json_decref(j);
        j = search(&f, "الثلج متى المطر", NULL);
        assert_string_equal(hit_id(j, 0), "reversed");
        json_decref(j);
        fx_close(&f);
    }
    fx_done(&f);
}

/* The re-rank pool: the best prox_depth_short BM25F hits for a query of at
 * most two words, prox_depth for a longer one. With a pool of 1, the order
 * bonus cannot lift "ordered" over the BM25F tie's winner, "reversed"; a
 * pool of 2 can, and a three-word query gets the full pool. */
static void test_short_depth(void **state)
{
    (void)state;
    fx f;
    fx_build_text(&f, odocs, 3);
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    assert_true(rp.prox_depth_short > 0 && rp.prox_depth_short < rp.prox_depth);
    rp.focus_weight = rp.exact_weight = rp.exact_pair_weight = 0;
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.limit = 1;
    for (uint32_t d = 0; d < 3; d++) {
        rp.prox_depth_short = d; /* 0: prox_depth for every query */
        fx_open(&f, &rp);
        json_t *j = search(&f, "الثلج المطر", &o);
        assert_string_equal(hit_id(j, 0), d == 1 ? "reversed" : "ordered");
        json_decref(j);
        j = search(&f, "الثلج المطر غزير", &o);
        assert_string_equal(hit_id(j, 0), "ordered");
        json_decref(j);
        /* more hits than the pool: those below it keep their BM25F order, so
         * the first page is the same whatever the limit, and the next page
         * (offset 1) neither repeats nor skips a hit */
        j = search(&f, "الثلج المطر", NULL);
        assert_int_equal(nhits(j), 2);
        assert_string_equal(hit_id(j, 0), d == 1 ? "reversed" : "ordered");
        assert_string_equal(hit_id(j, 1), d == 1 ? "ordered" : "reversed");
        json_decref(j);
        o.offset = 1;
        j = search(&f, "الثلج المطر", &o);
        assert_string_equal(hit_id(j, 0), d == 1 ? "ordered" : "reversed");
        json_decref(j);
        o.offset = 0;
        fx_close(&f);
    }
    fx_done(&f);
}

/* The focus re-rank. "many" and "few" hold the query words at the same
 * places in bodies of the same length, so every other feature ties them and
 * the lower docid, "many", comes first. Their other words differ: four
 * distinct ones in "many", two repeated ones in "few". The engine must add
 * exactly focus_weight x (focus(d) - the lowest focus among the hits read),
 * focus(d) computed here from fh_focus_read and the reference model
 * fh_focus_prob over the stems that are not query words; not for a question
 * nor a query of fewer than focus_min_words words; nothing with focus_depth 1. fh_focus_read reads a title before the body. */
static double focus_of(fh_searcher *s, const fh_query *q, const char *id)
{
    uint32_t doc;
    assert_int_equal(fh_doc_lookup(s->rd, id, strlen(id), &doc), 0);
    const fh_focus_term *t;
    uint32_t nt, nw;
    assert_int_equal(fh_focus_read(s, doc, s->e->rp.focus_len, &t, &nt, &nw), 0);
    assert_int_equal(nw, 6);
    double sum = 0;
    for (uint32_t i = 0; i < nt; i++)
        if (!fh_query_has_stem(q, t[i].stem, t[i].len))
            sum += log1p(-fh_focus_prob(&t[i], nw));
    return sum;
}

static void test_focus(void **state)
{
    (void)state;
    static const tu_doc fdocs[] = {
        {"many", {"البركان الجزيرة المدرسة الحديقة السوق المكتبة"}},
        {"few", {"البركان الجزيرة المدرسة المدرسة الحديقة الحديقة"}},
        {"filler1", {"مدرسة جديدة في الحي الشمالي"}},
        {"filler2", {"السوق المركزي يفتح أبوابه"}},
    };
    fx f;
    fx_build_text(&f, fdocs, sizeof fdocs / sizeof fdocs[0]);
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    assert_true(rp.focus_weight > 0.0f && rp.focus_depth >= 2 && rp.focus_len > 0);
    float w = rp.focus_weight;
    double fm = 0, ff = 0;
    for (int on = 0; on < 2; on++) {
        rp.focus_weight = on ? w : 0.0f;
        fx_open(&f, &rp);
        /* الرماد is in no document: it makes the query three words long, the
         * least that gets the focus re-rank by default */
        json_t *j = search(&f, "البركان الجزيرة الرماد", NULL);
        assert_int_equal(nhits(j), 2);
        if (!on) {
            assert_string_equal(hit_id(j, 0), "many"); /* the tie: lower docid */
            assert_true(score_of(j, 0) == score_of(j, 1));
            static fh_query q;
            fh_buf_reset(&f.err);
            assert_int_equal(fh_query_parse(f.ix.s, "البركان الجزيرة", strlen("البركان الجزيرة"),
                                            64, &q, &f.err),
                             0);
            fm = focus_of(f.ix.s, &q, "many");
            ff = focus_of(f.ix.s, &q, "few");
            assert_true(ff > fm + 0.05); /* "few" leaves fewer likely headline words out */
        } else {
            assert_string_equal(hit_id(j, 0), "few");
            assert_string_equal(hit_id(j, 1), "many");
            double gap = score_of(j, 0) - score_of(j, 1);
            assert_true(fabs(gap - (double)w * (ff - fm)) < 1e-3);
        }
        json_decref(j);
        /* a question keeps the tie, and so does a query of two words */
        j = search(&f, "ما البركان الجزيرة الرماد", NULL);
        assert_string_equal(hit_id(j, 0), "many");
        json_decref(j);
        j = search(&f, "البركان الجزيرة", NULL);
        assert_string_equal(hit_id(j, 0), "many");
        json_decref(j);
        fx_close(&f);
    }
    /* ... unless focus_min_words lets it in */
    rp.focus_weight = w;
    assert_true(rp.focus_min_words == 3);
    rp.focus_min_words = 2;
    fx_open(&f, &rp);
    json_t *j2 = search(&f, "البركان الجزيرة", NULL);
    assert_string_equal(hit_id(j2, 0), "few");
    json_decref(j2);
    fx_close(&f);
    /* depth 1: nothing to compare, nothing changes */
    rp.focus_depth = 1;
    fx_open(&f, &rp);
    json_t *j = search(&f, "البركان الجزيرة", NULL);
    assert_string_equal(hit_id(j, 0), "many");
    json_decref(j);
    fx_close(&f);
    rp.focus_depth = FH_FOCUS_MAX_DEPTH + 1;
    assert_int_equal(tu_index_open(&f.ix, &rp), FH_EINVAL);
    rp.focus_depth = 10;
    rp.focus_len = FH_FOCUS_MAX_LEN + 1;
    assert_int_equal(tu_index_open(&f.ix, &rp), FH_EINVAL);
    fx_done(&f);

    /* title, then body, as one run of words; stop words count, and only the
     * first focus_len words are read */
    static const tu_doc tdocs[] = {{"t", {"البركان", "في الجزيرة الجزيرة البركان"}}};
    static const char *const tfn[2] = {"title", "text"};
    fx_build(&f, NULL, 2, tfn, NULL, tdocs, 1);
    fh_rank_params_default(&rp);
    fx_open(&f, &rp);
    uint32_t doc;
    assert_int_equal(fh_doc_lookup(f.ix.s->rd, "t", 1, &doc), 0);
    const fh_focus_term *t;
    uint32_t nt, nw;
    assert_int_equal(fh_focus_read(f.ix.s, doc, 100, &t, &nt, &nw), 0);
    assert_int_equal(nw, 5);
    assert_int_equal(nt, 2);
    assert_int_equal(t[0].first, 0); /* البركان: the title's word */
    assert_int_equal(t[0].tf, 2);
    assert_int_equal(t[1].first, 2); /* الجزيرة, after the title and في */
    assert_int_equal(t[1].tf, 2);
    assert_int_equal(t[1].lead, 2);
    assert_int_equal(fh_focus_read(f.ix.s, doc, 3, &t, &nt, &nw), 0);
    assert_int_equal(nw, 3);
    assert_int_equal(nt, 2);
    assert_int_equal(t[0].tf, 1);
    assert_int_equal(t[1].tf, 1);
    fx_close(&f);
    fx_done(&f);
}

/* The exact-form re-rank (exact.c). Each pair of documents ties on BM25
 * (the same stems, the same lengths) and differs only in how its words are
 * written, with every other re-rank off: "typed" has the query's word forms
 * (وللشركة, not الشركة) or a pair of them side by side in the query's order,
 * its twin does not; the twin has the lower docid, so it wins the tie. */
static json_t *exact_search(fx *f, const fh_rank_params *base, float w, float pw, bool questions,
                            const char *q)
{
    fh_rank_params rp = *base;
    rp.exact_weight = w;
    rp.exact_pair_weight = pw;
    rp.exact_questions = questions;
    fx_open(f, &rp);
    json_t *j = search(f, q, NULL);
    fx_close(f);
    return j;
}

static void test_exact(void **state)
{
    (void)state;
    static const tu_doc edocs[] = {
        {"form-plain", {"الشركة الكبرى تعلن نتائجها"}},
        {"form-typed", {"وللشركة الكبرى تعلن نتائجها"}},
        {"pair-apart", {"والمدينة صغيرة مدينة تنمو"}},
        {"pair-typed", {"مدينة صغيرة والمدينة تنمو"}},
        {"name-apart", {"قال عبد الله إن المصنع يكبر"}},
        {"name-joined", {"قال عبدالله إن المصنع يكبر"}},
        {"spell-plain", {"امريكا تدعم الاتفاق"}},
        {"spell-typed", {"أمريكا تدعم الاتفاق"}},
        {"filler1", {"سوق جديد في الحي الشمالي"}},
        {"filler2", {"المكتبة الصغيرة تفتح أبوابها"}},
    };
    fx f;
    fx_build_text(&f, edocs, sizeof edocs / sizeof edocs[0]);
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    assert_true(rp.exact_weight > 0.0f && rp.exact_pair_weight > 0.0f && rp.exact_questions);
    rp.prox_weight = rp.lead_weight = rp.pass_weight = rp.order_weight = 0;
    rp.focus_weight = rp.tense_weight = rp.prf_question_weight = 0;

    /* a word as typed: the gain is exact_weight x its idf, linear in the weight */
    const char *q1 = "وللشركة الكبرى تعلن";
    json_t *j = exact_search(&f, &rp, 0, 0, true, q1);
    assert_int_equal(nhits(j), 2);
    assert_string_equal(hit_id(j, 0), "form-plain");
    assert_true(score_of(j, 0) == score_of(j, 1));
    json_decref(j);
    j = exact_search(&f, &rp, 0.5f, 0, true, q1);
    assert_string_equal(hit_id(j, 0), "form-typed");
    double g1 = score_of(j, 0) - score_of(j, 1);
    json_decref(j);
    j = exact_search(&f, &rp, 1.0f, 0, true, q1);
    assert_string_equal(hit_id(j, 0), "form-typed");
    double g2 = score_of(j, 0) - score_of(j, 1);
    json_decref(j);
    assert_true(g1 > 0.1 && fabs(g2 - 2 * g1) < 1e-3);
    /* the pair (وللشركة الكبرى) adds to it */
    j = exact_search(&f, &rp, 0.5f, 1.0f, true, q1);
    assert_string_equal(hit_id(j, 0), "form-typed");
    assert_true(score_of(j, 0) - score_of(j, 1) > g1 + 0.1);
    json_decref(j);

    /* the spelling counts too: أمريكا is not امريكا, though both stem alike */
    j = exact_search(&f, &rp, 0, 0, true, "أمريكا تدعم الاتفاق");
    assert_string_equal(hit_id(j, 0), "spell-plain");
    json_decref(j);
    j = exact_search(&f, &rp, 0.5f, 0, true, "أمريكا تدعم الاتفاق");
    assert_string_equal(hit_id(j, 0), "spell-typed");
    json_decref(j);

    /* a name written in two is one word, which the query joins (عبد الله):
     * written apart or together, it is the same form */
    j = exact_search(&f, &rp, 0.5f, 1.0f, true, "عبد الله المصنع يكبر");
    assert_string_equal(hit_id(j, 0), "name-apart");
    assert_true(score_of(j, 0) == score_of(j, 1));
    json_decref(j);

    /* both pair documents have every form; only one has مدينة صغيرة in a row */
    const char *q2 = "مدينة صغيرة تنمو";
    j = exact_search(&f, &rp, 0.5f, 0, true, q2);
    assert_string_equal(hit_id(j, 0), "pair-apart");
    assert_true(score_of(j, 0) == score_of(j, 1));
    json_decref(j);
    /* the pair gains exact_pair_weight x the mean idf of its two stems, which
     * differ (صغير is in filler2 too) */
    rp.exact_weight = 0;
    rp.exact_pair_weight = 1.0f;
    fx_open(&f, &rp);
    j = search(&f, q2, NULL);
    assert_string_equal(hit_id(j, 0), "pair-typed");
    double p1 = score_of(j, 0) - score_of(j, 1);
    float idf_m = -1, idf_s = -1;
    for (uint32_t i = 0; i < f.ix.s->q.n_cl; i++) {
        const fh_clause *c = &f.ix.s->q.cl[i];
        if (c->kind == FH_CL_TERM && !c->is_alt && strcmp(c->term, "مدين") == 0)
            idf_m = f.ix.s->q.idf[i];
        if (c->kind == FH_CL_TERM && !c->is_alt && strcmp(c->term, "صغير") == 0)
            idf_s = f.ix.s->q.idf[i];
    }
    assert_true(idf_m > idf_s + 0.1f && idf_s > 0);
    assert_true(fabs(p1 - 0.5 * (double)(idf_m + idf_s)) < 1e-3);
    json_decref(j);
    fx_close(&f);
    j = exact_search(&f, &rp, 0.5f, 2.0f, true, q2);
    assert_string_equal(hit_id(j, 0), "pair-typed");
    assert_true(p1 > 0.1 && fabs(score_of(j, 0) - score_of(j, 1) - 2 * p1) < 1e-3);
    json_decref(j);
    /* typed the other way round, the pairs are the other document's
     * (صغيرة مدينة, مدينة تنمو); مدينة صغيرة counts for nothing */
    j = exact_search(&f, &rp, 0, 1.0f, true, "صغيرة مدينة تنمو");
    assert_string_equal(hit_id(j, 0), "pair-apart");
    assert_true(score_of(j, 0) - score_of(j, 1) > 0.1);
    json_decref(j);

    /* a form typed twice counts once */
    j = exact_search(&f, &rp, 0.5f, 0, true, "وللشركة وللشركة الكبرى تعلن");
    assert_string_equal(hit_id(j, 0), "form-typed");
    assert_true(fabs(score_of(j, 0) - score_of(j, 1) - g1) < 1e-3);
    json_decref(j);

    /* fh_exact directly: a field's start (a body after a title) ends a pair */
    rp.exact_weight = 0.5f;
    rp.exact_pair_weight = 1.0f;
    fx_open(&f, &rp);
    json_decref(search(&f, q2, NULL)); /* fills the query's idfs */
    fh_exact ex;
    assert_true(fh_exact_prepare(&f.ix.s->q, &rp, &ex));
    fh_analysis *an;
    assert_int_equal(fh_analysis_new(f.ix.a, &an), 0);
    float xs[2];
    for (int brk = 0; brk < 2; brk++) {
        fh_exact_doc_begin(&ex);
        static const char *const parts[2] = {"مدينة", "صغيرة تنمو"};
        for (int k = 0; k < 2; k++) {
            const fh_token *t;
            size_t nt;
            assert_int_equal(fh_analyze(an, parts[k], strlen(parts[k]), &t, &nt), 0);
            if (k == 1 && brk)
                fh_exact_field(&ex, 1u << (unsigned)f.ix.s->e->body_field);
            for (size_t i = 0; i < nt; i++)
                fh_exact_token(&ex, f.ix.a, parts[k], &t[i]);
        }
        xs[brk] = fh_exact_doc_score(&ex);
    }
    /* without the break: three forms and two pairs; with it, one pair */
    assert_true(xs[0] > xs[1] + 0.1f && xs[1] > 0);
    /* a stop word the ranking dropped weighs 0, even when an excluded phrase
     * holds it; a ranked word weighs its idf */
    const char *q3 = "من وللشركة الكبرى -\"من البنك\"";
    json_decref(search(&f, q3, NULL));
    assert_true(fh_exact_prepare(&f.ix.s->q, &rp, &ex));
    assert_int_equal(ex.n, 3);
    assert_string_equal(f.ix.s->q.form[0].form, "من");
    assert_true(ex.w[0] == 0.0f && ex.w[1] > 0.1f && ex.w[2] > 0.1f);
    fh_analysis_free(an);
    fx_close(&f);

    /* words typed apart (an exclusion between them) are no pair: مدينة تنمو,
     * which pair-apart has, counts for nothing here */
    j = exact_search(&f, &rp, 0, 1.0f, true, "مدينة -سوق تنمو صغيرة");
    assert_string_equal(hit_id(j, 0), "pair-apart");
    assert_true(score_of(j, 0) == score_of(j, 1));
    json_decref(j);

    /* as focus: not for two words; for a question only with exact_questions */
    j = exact_search(&f, &rp, 0.5f, 1.0f, true, "مدينة صغيرة");
    assert_string_equal(hit_id(j, 0), "pair-apart");
    json_decref(j);
    j = exact_search(&f, &rp, 0.5f, 1.0f, true, "ما مدينة صغيرة تنمو");
    assert_string_equal(hit_id(j, 0), "pair-typed");
    json_decref(j);
    j = exact_search(&f, &rp, 0.5f, 1.0f, false, "ما مدينة صغيرة تنمو");
    assert_string_equal(hit_id(j, 0), "pair-apart");
    json_decref(j);
    /* a weight below 0 is refused */
    rp.exact_pair_weight = -1;
    assert_int_equal(tu_index_open(&f.ix, &rp), FH_EINVAL);
    rp.exact_pair_weight = 1;

    /* the forms a query keeps: ranked, required and phrase words, a mixed word
     * whole; not an exclusion nor a prefix. Words typed side by side have
     * consecutive seq. */
    fx_open(&f, &rp);
    static fh_query q;
    const char *qs = "+الكبرى -وللشركة \"مدينة صغيرة\" تنمو* DeepSeek-R1 الشَّرِكَةُ";
    assert_int_equal(fh_query_parse(f.ix.s, qs, strlen(qs), 64, &q, &f.err), 0);
    static const char *const want[] = {"الكبرى", "مدينة", "صغيرة", "deepseek-r1", "الشركة"};
    static const uint32_t seq[] = {0, 2, 3, 5, 6};
    assert_int_equal(q.n_form, 5);
    for (uint32_t i = 0; i < 5; i++) {
        assert_string_equal(q.form[i].form, want[i]);
        assert_int_equal(q.form[i].form_len, strlen(want[i]));
        assert_int_equal(q.form[i].seq, seq[i]);
    }
    assert_string_equal(q.form[4].norm, "الشركه");
    assert_string_equal(q.form[4].stem, "شرك");
    /* a stop word a +item drops (والـ of +والـiPhone) still takes its place:
     * الجديد and iphone were not typed side by side */
    const char *qs2 = "الجديد +والـiPhone";
    assert_int_equal(fh_query_parse(f.ix.s, qs2, strlen(qs2), 64, &q, &f.err), 0);
    assert_int_equal(q.n_form, 2);
    assert_string_equal(q.form[1].form, "iphone");
    assert_int_equal(q.form[1].seq, q.form[0].seq + 2);
    fx_close(&f);

    /* fh_exact_form: marks and tatweel go, case folds, hamza seats stay */
    char out[FH_TOKEN_MAX + 1];
    assert_int_equal(fh_exact_form(f.ix.a, "كتـــابٌ", strlen("كتـــابٌ"), out), strlen("كتاب"));
    assert_string_equal(out, "كتاب");
    fh_exact_form(f.ix.a, "أمريكا", strlen("أمريكا"), out);
    assert_string_equal(out, "أمريكا");
    fh_exact_form(f.ix.a, "GPT-4o", 6, out);
    assert_string_equal(out, "gpt-4o");
    fh_exact_form(f.ix.a, "عبد\xC2\xA0الله", strlen("عبد\xC2\xA0الله"), out); /* a no-break space */
    assert_string_equal(out, "عبدالله");
    assert_int_equal(fh_exact_form(f.ix.a,
                                   "\x80\x80"
                                   "a",
                                   3, out),
                     3); /* stray bytes: one each */
    char big[FH_TOKEN_MAX + 2];
    memset(big, 'a', sizeof big);
    assert_int_equal(fh_exact_form(f.ix.a, big, sizeof big, out), 0);
    assert_int_equal(fh_exact_form(f.ix.a, big, FH_TOKEN_MAX, out), FH_TOKEN_MAX);
    assert_int_equal(fh_exact_form(f.ix.a, "\xD9\x8E", 2, out), 0); /* a fatha alone */
    fx_done(&f);
}

/* A word restricted to a field (title:word) earns the exact-form and focus
 * re-ranks' bonuses only from that field, as it scores there only. "e1" and
 * "e2" differ only in one body word: e2's is the title-restricted الشركات,
 * e1's السياسة, which is no query word. They tie with the re-ranks off, and
 * must tie with each of them on: e2's body الشركات is neither a form found
 * for title:الشركات nor one of the query's words for focus (it counts as any
 * other word of the body, as السياسة does in e1). Typed also without the
 * field (title:الشركات الشركات), the word counts anywhere again: e2's body
 * form earns the exact-form gain, once. */
static void test_field_reranks(void **state)
{
    (void)state;
    static tu_doc fdocs[22] = {
        {"e1", {"للشركات الصينية", "أخبار السياسة عن الاقتصاد"}},
        {"e2", {"للشركات الصينية", "أخبار الشركات عن الاقتصاد"}},
    };
    static char ids[20][8];
    for (int i = 0; i < 20; i++) {
        snprintf(ids[i], sizeof ids[i], "f%d", i);
        fdocs[2 + i] = (tu_doc){ids[i], {"عنوان آخر", "كلام عادي عن موضوع مختلف"}};
    }
    static const char *const fn[2] = {"title", "text"};
    fx f;
    fx_build(&f, NULL, 2, fn, NULL, fdocs, 22);
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    assert_true(rp.exact_weight > 0.0f && rp.exact_pair_weight > 0.0f && rp.focus_weight > 0.0f);
    const float xw = rp.exact_weight, xpw = rp.exact_pair_weight, fw = rp.focus_weight;
    const char *q = "title:الشركات الصينية الاقتصاد";
    /* off; exact only; focus only; both */
    for (int k = 0; k < 4; k++) {
        rp.exact_weight = k & 1 ? xw : 0.0f;
        rp.exact_pair_weight = k & 1 ? xpw : 0.0f;
        rp.focus_weight = k & 2 ? fw : 0.0f;
        fx_open(&f, &rp);
        json_t *j = search(&f, q, NULL);
        assert_int_equal(nhits(j), 2);
        assert_string_equal(hit_id(j, 0), "e1"); /* the tie: lower docid */
        assert_true(score_of(j, 0) == score_of(j, 1));
        json_decref(j);
        fx_close(&f);
    }

    /* title:الشركات الشركات: the second الشركات matches e2's body, its form
     * too; the gain is the first form's (the two are one form typed twice),
     * exact_weight x the title clause's idf */
    const char *q2 = "title:الشركات الشركات الصينية الاقتصاد";
    double gap[2];
    float idf = -1;
    rp.focus_weight = 0;
    for (int on = 0; on < 2; on++) {
        rp.exact_weight = on ? xw : 0.0f;
        rp.exact_pair_weight = on ? xpw : 0.0f;
        fx_open(&f, &rp);
        json_t *j = search(&f, q2, NULL);
        assert_string_equal(hit_id(j, 0), "e2");
        gap[on] = score_of(j, 0) - score_of(j, 1);
        const fh_query *pq = &f.ix.s->q;
        assert_int_equal(pq->n_form, 4);
        for (uint32_t i = 0; i < pq->n_cl && idf < 0; i++)
            if (pq->cl[i].kind == FH_CL_TERM && !pq->cl[i].is_alt && pq->cl[i].field_mask == 1u &&
                pq->cl[i].len == pq->form[0].stem_len &&
                memcmp(pq->cl[i].term, pq->form[0].stem, pq->cl[i].len) == 0)
                idf = pq->idf[i] / (float)pq->cl[i].qtf;
        json_decref(j);
        fx_close(&f);
    }
    assert_true(idf > 0.1f);
    assert_true(fabs(gap[1] - gap[0] - (double)xw * idf) < 1e-3);
    fx_done(&f);
}

/* Mixed words (docs/ANALYSIS.md, "The rule"): R1 and 4o find the documents
 * that write them inside DeepSeek-R1 and GPT-4o, alone, or as two words
 * (R 1): the whole term or the phrase of the parts, for ranked, +required
 * and -excluded words alike. OpenAI-o1-1217 holds r and 1 only apart: no R1.
 * The snippet marks the token whose parts hold R1 in a row, not the one that
 * has them apart. Quoted alone ("R1") it is the same word. R1* is r 1*: the
 * word, and the words whose last part only begins with 1 (DeepSeek-R10),
 * which alone the snippet marks of those; not R2. */
static void test_mixed_words(void **state)
{
    (void)state;
    static const tu_doc mdocs[] = {
        {"ds", {"نموذج جديد", "مقارنة بين OpenAI-o1-1217 و DeepSeek-R1 في الرياضيات"}},
        {"alone", {"خبر", "الإصدار R1 متاح"}},
        {"apart", {"خبر", "الإصدار R 1 متاح"}},
        {"gpt", {"نموذج جديد", "نموذج GPT-4o للمحادثة"}},
        {"o1", {"نموذج جديد", "نموذج OpenAI-o1-1217 للمحادثة"}},
        {"none", {"خبر", "نص عادي عن الطقس"}},
        {"r10", {"خبر", "الإصدار DeepSeek-R10 متاح بعد R2"}},
    };
    static const char *const fn[2] = {"title", "text"};
    fx f;
    fx_build(&f, NULL, 2, fn, NULL, mdocs, sizeof mdocs / sizeof mdocs[0]);
    fx_open(&f, NULL);
    json_t *j = search(&f, "R1", NULL);
    assert_int_equal(total(j), 3);
    assert_true(has(j, "ds") && has(j, "alone") && has(j, "apart"));
    json_t *h = hit(j, (size_t)rank_of(j, "ds"));
    const char *sn = json_string_value(json_object_get(h, "snippet"));
    assert_non_null(strstr(sn, "<b>DeepSeek-R1</b>"));
    assert_null(strstr(sn, "<b>OpenAI-o1-1217</b>"));
    h = hit(j, (size_t)rank_of(j, "apart"));
    assert_non_null(strstr(json_string_value(json_object_get(h, "snippet")), "<b>R</b> <b>1</b>"));
    json_decref(j);
    j = search(&f, "4o", NULL);
    assert_int_equal(total(j), 1);
    assert_string_equal(hit_id(j, 0), "gpt");
    json_decref(j);
    expect_ids(&f, "o1", "ds o1");
    /* required: every hit has R1; excluded: no hit has it */
    expect_ids(&f, "+R1 نموذج", "ds alone apart");
    expect_ids(&f, "-R1 نموذج", "gpt o1");
    /* the whole term still finds its own form */
    expect_ids(&f, "deepseek-r1", "ds");
    /* quoted alone, the same word: ranked and excluded */
    expect_ids(&f, "\"R1\"", "ds alone apart");
    expect_ids(&f, "-\"R1\" نموذج", "gpt o1");
    /* a prefix on the last part: every R1 and DeepSeek-R10, not R2 */
    expect_ids(&f, "R1*", "ds alone apart r10");
    expect_ids(&f, "+R1* نموذج", "ds alone apart r10");
    expect_ids(&f, "-R1* نموذج", "gpt o1");
    expect_ids(&f, "DeepSeek-R*", "ds r10");
    expect_ids(&f, "GPT-4*", "gpt");
    j = search(&f, "R1*", NULL);
    sn = json_string_value(json_object_get(hit(j, (size_t)rank_of(j, "r10")), "snippet"));
    assert_non_null(strstr(sn, "<b>DeepSeek-R10</b>"));
    assert_null(strstr(sn, "<b>R2</b>"));
    json_decref(j);
    fx_close(&f);
    fx_done(&f);
}

/* A prefix keeps its max_prefix_expansions most frequent terms over the
 * whole dictionary range that starts with it: pz (in 50 documents) sorts
 * after 600 terms pa... of one document each, yet p* finds all 50 beside 63
 * of those; with one expansion p* is pz alone. */
static void test_prefix_frequent_late(void **state)
{
    (void)state;
    enum { NP = 600, NZ = 50 };
    static tu_doc pd[NP + NZ];
    static char ids[NP + NZ][8], words[NP][8];
    for (int i = 0; i < NP + NZ; i++) {
        snprintf(ids[i], sizeof ids[i], "%c%d", i < NP ? 'a' : 'z', i);
        pd[i].id = ids[i];
        if (i < NP) {
            snprintf(words[i], sizeof words[i], "pa%c%c%c", 'a' + i / 676, 'a' + i / 26 % 26,
                     'a' + i % 26);
            pd[i].field[0] = words[i];
        } else {
            pd[i].field[0] = "pz";
        }
    }
    fx f;
    fx_build_text(&f, pd, NP + NZ);
    fx_open(&f, NULL);
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.snippets = false;
    o.limit = 200;
    json_t *j = search(&f, "p*", &o);
    assert_int_equal(total(j), NZ + 63);
    int nz = 0;
    for (size_t i = 0; i < nhits(j); i++) {
        const char *id = hit_id(j, i);
        nz += id && id[0] == 'z';
    }
    assert_int_equal(nz, NZ);
    json_decref(j);
    o.max_prefix_expansions = 1;
    expect_total(&f, "p*", &o, NZ);
    fx_close(&f);
    fx_done(&f);
}

/* A pruned OR query's estimated total counts no more documents than lack
 * its excluded word: 95% of these hold الشركات, so at most 5% can match
 * -الشركات, however common the other words; and never fewer than the hits. */
static void test_estimate_exclusion(void **state)
{
    (void)state;
    enum { ND = 10000 }; /* 64,000 postings: past the exact count of rare words */
    static const char *const w[] = {"بكين",  "الصين", "كتاب",  "مدينة",
                                    "اليوم", "السوق", "النفط", "الذهب"};
    static tu_doc dv[ND];
    static char ids[ND][8], texts[ND][160];
    for (int i = 0; i < ND; i++) {
        size_t m = 0;
        for (int k = 0; k < 8; k++)
            if ((i * 7 + k * 13) % 10 < 8)
                m += (size_t)snprintf(texts[i] + m, sizeof texts[i] - m, "%s ", w[k]);
        if (i % 20)
            snprintf(texts[i] + m, sizeof texts[i] - m, "الشركات");
        snprintf(ids[i], sizeof ids[i], "d%d", i);
        dv[i].id = ids[i];
        dv[i].field[0] = texts[i];
    }
    fx f;
    fx_build_text(&f, dv, ND);
    fx_open(&f, NULL);
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.snippets = false;
    o.limit = 1;
    json_t *j = search(&f, "بكين الصين كتاب مدينة اليوم السوق النفط الذهب -الشركات", &o);
    assert_true(json_is_true(json_object_get(j, "total_is_estimate")));
    assert_true(total(j) >= 1 && total(j) <= ND / 20);
    json_decref(j);
    fx_close(&f);
    fx_done(&f);
}

/* A reply is capped by its own buffer only (the daemon's --max-reply): 70
 * hits of a 1 MiB stored field make a 70 MiB reply, past the searcher's
 * former hidden 64 MiB cap on the hits. The scratch that held them is given
 * back by fh_searcher_trim. */
static void test_large_reply(void **state)
{
    (void)state;
    enum { ND = 70, PAD = 1 << 20 };
    static tu_doc ld[ND];
    static char ids[ND][8];
    char **st = calloc(ND, sizeof *st);
    assert_non_null(st);
    for (int i = 0; i < ND; i++) {
        snprintf(ids[i], sizeof ids[i], "d%d", i);
        ld[i] = (tu_doc){ids[i], {"الشركة", "الشركة"}};
        st[i] = malloc(PAD + 128);
        assert_non_null(st[i]);
        int n = snprintf(st[i], 128, "{\"id\":\"%s\",\"title\":\"الشركة\",\"pad\":\"", ids[i]);
        memset(st[i] + n, 'x', PAD);
        strcpy(st[i] + n + PAD, "\"}");
    }
    fx f;
    fx_build_stored(&f, ld, ND, (const char *const *)st, (size_t)128 << 20);
    for (int i = 0; i < ND; i++)
        free(st[i]);
    free(st);
    fx_open(&f, NULL);
    static const char *const names[1] = {"pad"};
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.snippets = false;
    o.limit = ND;
    o.fields = names;
    o.n_fields = 1;
    o.return_fields = 1;
    assert_int_equal(fh_search(f.ix.s, &o, "الشركة", strlen("الشركة"), &f.out, &f.err), 0);
    assert_true(f.out.len > (size_t)ND * PAD);
    json_t *j = fh_json_load_doc(f.out.data, f.out.len, NULL);
    assert_non_null(j);
    assert_int_equal(nhits(j), ND);
    json_decref(j);
    /* a reply buffer that cannot hold them: refused, out untouched */
    fh_buf small;
    fh_buf_init(&small, (size_t)32 << 20);
    fh_buf_reset(&f.err);
    assert_int_equal(fh_search(f.ix.s, &o, "الشركة", strlen("الشركة"), &small, &f.err), FH_ELIMIT);
    assert_int_equal(small.len, 0);
    fh_buf_free(&small);
    assert_true(f.ix.s->tmp.cap > ((size_t)1 << 20));
    fh_searcher_trim(f.ix.s);
    assert_int_equal(f.ix.s->tmp.cap, 0);
    assert_int_equal(f.ix.s->doc.cap, 0);
    fx_close(&f);
    fx_done(&f);
}

/* The last part of a mixed word typed with a '*' is walked as a prefix is:
 * the article's letters also walked without it (R-الش*), the hamza seat
 * folded (R-المؤت*), the completion (R-القوا* finds القوات, stem قو). A
 * prefix with no expansion, and a union with no position in a field where
 * the other parts have some (r in the title, 10 only in the text), find
 * nothing there, cleanly. */
static void test_mixed_prefix_readings(void **state)
{
    (void)state;
    static const tu_doc md[] = {
        {"sh", {"خبر", "نص R-الشركات"}},
        {"mu", {"خبر", "نص R-المؤتمر"}},
        {"qu", {"خبر", "نص R-القوات"}},
        {"tt", {"R عنوان", "نموذج R 10 جديد"}},
    };
    static const char *const fn[2] = {"title", "text"};
    fx f;
    fx_build(&f, NULL, 2, fn, NULL, md, sizeof md / sizeof md[0]);
    fx_open(&f, NULL);
    /* first on this searcher: no expansion kept, no position merged yet */
    expect_ids(&f, "قزز* نموذج", "tt");
    expect_ids(&f, "R1*", "tt");
    expect_ids(&f, "title:R1*", "");
    expect_ids(&f, "R-قزز* نموذج", "tt");
    expect_ids(&f, "R-الش*", "sh");
    expect_ids(&f, "R-المؤت*", "mu");
    expect_ids(&f, "R-القوا*", "qu");
    expect_ids(&f, "R-الق*", "qu");
    fx_close(&f);
    fx_done(&f);
}

/* Past the cap the part of R-القوا* (قوا) and its completion (القوات, stem
 * قو) both take the place of other expansions: the second pushes out one of
 * the walk's terms, never the first (with two places, both are kept). */
static void test_mixed_prefix_cap(void **state)
{
    (void)state;
    static const tu_doc md[] = {
        {"part", {"نص R-قوا"}}, {"compl", {"نص R-القوات"}}, {"b1", {"نص R-قوابد"}},
        {"b2", {"نص R-قوابد"}}, {"d1", {"نص R-قوادج"}},     {"d2", {"نص R-قوادج"}},
        {"z1", {"نص R-قوارز"}}, {"z2", {"نص R-قوارز"}},
    };
    fx f;
    fx_build_text(&f, md, sizeof md / sizeof md[0]);
    fx_open(&f, NULL);
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.snippets = false;
    o.max_prefix_expansions = 2;
    json_t *j = search(&f, "R-القوا*", &o);
    assert_int_equal(total(j), 2);
    assert_true(rank_of(j, "part") >= 0);
    assert_true(rank_of(j, "compl") >= 0);
    json_decref(j);
    o.max_prefix_expansions = 3; /* one place left for the walk's first */
    j = search(&f, "R-القوا*", &o);
    assert_int_equal(total(j), 4);
    assert_true(rank_of(j, "part") >= 0);
    assert_true(rank_of(j, "compl") >= 0);
    json_decref(j);
    fx_close(&f);
    fx_done(&f);
}

/* The snippet marks the words a prefix expanded to, not every word it
 * begins: with one expansion p* is pz, and paab beside it stays unmarked. */
static void test_prefix_highlight(void **state)
{
    (void)state;
    static const tu_doc pd[] = {
        {"a", {"pz paab qq"}}, {"b", {"pz"}}, {"c", {"pz"}}, {"d", {"qq paab"}}};
    fx f;
    fx_build_text(&f, pd, sizeof pd / sizeof pd[0]);
    fx_open(&f, NULL);
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.max_prefix_expansions = 1;
    json_t *j = search(&f, "p*", &o);
    assert_int_equal(total(j), 3);
    const char *sn = json_string_value(json_object_get(hit(j, (size_t)rank_of(j, "a")), "snippet"));
    assert_non_null(strstr(sn, "<b>pz</b>"));
    assert_non_null(strstr(sn, " paab "));
    json_decref(j);
    o.max_prefix_expansions = 2;
    j = search(&f, "p*", &o);
    assert_int_equal(total(j), 4);
    sn = json_string_value(json_object_get(hit(j, (size_t)rank_of(j, "a")), "snippet"));
    assert_non_null(strstr(sn, "<b>pz</b> <b>paab</b>"));
    json_decref(j);
    fx_close(&f);
    fx_done(&f);
}

/* A prefix typed as the article and one letter (الش*, as a user types
 * الشركة letter by letter) finds what the letter finds, and what the typed
 * letters begin (الف, thousand: ألف normalized), and highlights both. */
static void test_prefix_article_letter(void **state)
{
    (void)state;
    static tu_doc pd[] = {
        {"s1", {"أعلنت الشركة أرباحها"}},
        {"s2", {"وقالت شركات أخرى"}},
        {"a1", {"دفع ألف ريال"}},
        {"n1", {"مقال عن السفر"}},
    };
    fx f;
    fx_build_text(&f, pd, sizeof pd / sizeof pd[0]);
    fx_open(&f, NULL);
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.hl_open = "[";
    o.hl_close = "]";
    json_t *j = search(&f, "الش*", &o);
    assert_int_equal(total(j), 2);
    assert_true(has(j, "s1") && has(j, "s2"));
    for (size_t i = 0; i < 2; i++) {
        json_t *h = hit(j, i);
        const char *sn = json_string_value(json_object_get(h, "snippet"));
        if (!strstr(sn, "[الشركة]") && !strstr(sn, "[شركات]"))
            fail_msg("no highlight: %s", sn);
    }
    json_decref(j);
    j = search(&f, "الف*", &o); /* ألف itself, and words of ف */
    assert_true(has(j, "a1"));
    json_decref(j);
    j = search(&f, "الس*", &o);
    assert_int_equal(total(j), 1);
    assert_true(has(j, "n1"));
    json_decref(j);
    fx_close(&f);
    fx_done(&f);
}

/* A prefix clause weighs the idf of its documents' estimated union: here
 * three expansions each in half of 96 documents, together in 84. The sum of
 * their dfs, capped at N, gave the idf of a word in every document (about
 * 0.005, so every score was about 0). */
static void test_prefix_idf(void **state)
{
    (void)state;
    static tu_doc qd[96];
    static char ids[96][8], text[96][32];
    for (int d = 0; d < 96; d++) {
        snprintf(ids[d], sizeof ids[d], "d%d", d);
        snprintf(text[d], sizeof text[d], "x %s %s %s", d & 1 ? "qa" : "y", d & 2 ? "qb" : "y",
                 d & 4 ? "qc" : "y");
        qd[d] = (tu_doc){ids[d], {text[d]}};
    }
    fx f;
    fx_build_text(&f, qd, 96);
    fx_open(&f, NULL);
    json_t *j = search(&f, "q*", NULL);
    assert_int_equal(total(j), 84);
    double top = json_number_value(json_object_get(hit(j, 0), "score"));
    assert_true(top > 0.05);
    json_decref(j);
    fx_close(&f);
    fx_done(&f);
}

/* More than POOL_MAX (4096) term lists: five prefixes of 1,024 expansions
 * each are refused with a message, never cut short; four fit exactly, and
 * so does a query that fills the pool before the proximity re-rank. */
static void test_list_cap(void **state)
{
    (void)state;
    enum { NT = 5 * 1024, PER = 8 };
    static tu_doc ld[NT / PER];
    static char ids[NT / PER][8], text[NT / PER][PER * 8];
    for (int d = 0; d < NT / PER; d++) {
        size_t n = 0;
        for (int k = 0; k < PER; k++) {
            int t = d * PER + k; /* prefix k{a..e}, then three letters */
            int i = t % 1024;
            n += (size_t)snprintf(text[d] + n, sizeof text[d] - n, "k%c%c%c%c ", 'a' + t / 1024,
                                  'a' + i / 676, 'a' + i / 26 % 26, 'a' + i % 26);
        }
        snprintf(ids[d], sizeof ids[d], "d%d", d);
        ld[d] = (tu_doc){ids[d], {text[d]}};
    }
    fx f;
    fx_build_text(&f, ld, NT / PER);
    fx_open(&f, NULL);
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.max_prefix_expansions = 1024;
    o.snippets = false;
    const char *q = "ka* kb* kc* kd* ke*";
    fh_buf_reset(&f.out);
    fh_buf_reset(&f.err);
    assert_int_equal(fh_search(f.ix.s, &o, q, strlen(q), &f.out, &f.err), FH_ELIMIT);
    assert_non_null(strstr(f.err.data, "more than 4096 term lists"));
    assert_int_equal(f.out.len, 0);
    json_t *j = search(&f, "ka* kb* kc* kd*", &o);
    assert_int_equal(total(j), 4 * 1024 / PER);
    json_decref(j);
    /* 4,092 expansions and 4 words fill the pool exactly: the proximity
     * re-rank still opens the words' lists again (it has slots of its own) */
    o.max_prefix_expansions = 1023;
    expect_total(&f, "ka* kb* kc* kd* kaaab kbaab kcaab kdaab", &o, 4 * 1024 / PER);
    fx_close(&f);
    fx_done(&f);
}

/* Whether s[0..n) (NULs included) holds the string w. */
static bool holds(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i + wl <= n; i++)
        if (memcmp(s + i, w, wl) == 0)
            return true;
    return false;
}

/* Stored documents with \u0000 in the title, the body or another field, or
 * an integer past 64 bits (the indexer accepts them): each hit keeps its
 * title, snippet and fields, the NUL escaped, through the strict reader's
 * jansson fallback; the re-ranks read the body (fh_doc_texts). */
static void test_nul_in_stored(void **state)
{
    (void)state;
    static const tu_doc nd[] = {
        {"t", {"عنوان النفط", "نص عن النفط"}},
        {"b", {"عنوان النفط", "نص عن النفط"}},
        {"s", {"عنوان النفط", "نص عن النفط"}},
        {"n", {"عنوان النفط", "نص عن النفط"}},
    };
    static const char *const st[] = {
        "{\"id\":\"t\",\"title\":\"عنوان\\u0000 النفط\",\"text\":\"نص عن النفط\",\"s\":\"x\"}",
        "{\"id\":\"b\",\"title\":\"عنوان النفط\",\"text\":\"نص \\u0000عن النفط\",\"s\":\"x\"}",
        "{\"id\":\"s\",\"title\":\"عنوان النفط\",\"text\":\"نص عن النفط\",\"s\":\"nul \\u0000 x\"}",
        ("{\"id\":\"n\",\"title\":\"عنوان النفط\",\"text\":\"نص عن النفط\","
         "\"s\":99999999999999999999}"),
    };
    fx f;
    fx_build_stored(&f, nd, 4, st, 1 << 20);
    fx_open(&f, NULL);
    static const char *const names[1] = {"s"};
    for (int with_fields = 0; with_fields < 2; with_fields++) {
        fh_search_opts o;
        fh_search_opts_default(&o);
        if (with_fields) {
            o.fields = names;
            o.n_fields = 1;
            o.return_fields = 1;
        }
        fh_buf_reset(&f.out);
        assert_int_equal(fh_search(f.ix.s, &o, "النفط", strlen("النفط"), &f.out, &f.err), 0);
        /* the integer past 64 bits comes back as stored */
        assert_true(holds(f.out.data, f.out.len, "\"s\":99999999999999999999") == with_fields);
        json_t *j = fh_json_load_doc(f.out.data, f.out.len, NULL);
        assert_non_null(j);
        assert_int_equal(nhits(j), 4);
        for (size_t i = 0; i < 4; i++) {
            json_t *h = hit(j, i);
            const char *id = json_string_value(json_object_get(h, "id"));
            json_t *ti = json_object_get(h, "title"), *sn = json_object_get(h, "snippet");
            json_t *sv = json_object_get(h, "s");
            assert_true(json_is_string(ti) && json_is_string(sn));
            const char *hl = "<b>النفط</b>";
            assert_true(holds(json_string_value(ti), json_string_length(ti), hl));
            assert_true(holds(json_string_value(sn), json_string_length(sn), hl));
            assert_true(with_fields ? sv != NULL : sv == NULL);
            if (strcmp(id, "t") == 0)
                assert_non_null(memchr(json_string_value(ti), '\0', json_string_length(ti)));
            if (strcmp(id, "b") == 0)
                assert_non_null(memchr(json_string_value(sn), '\0', json_string_length(sn)));
            if (strcmp(id, "s") == 0 && with_fields)
                assert_memory_equal(json_string_value(sv), "nul \0 x", 8);
        }
        json_decref(j);
    }
    const char *title, *body;
    size_t tl, bl;
    assert_int_equal(fh_doc_texts(f.ix.s, 1, &title, &tl, &body, &bl), 0);
    assert_int_equal(bl, strlen("نص \0عن النفط") + 1 + strlen("عن النفط"));
    assert_memory_equal(body + bl - strlen("النفط"), "النفط", strlen("النفط"));
    assert_int_equal(tl, strlen("عنوان النفط"));
    fx_close(&f);
    fx_done(&f);
}

/* The analyzed texts of one query (textcache.c). Unit: a kept text comes back
 * from its copy, equal to a fresh analysis, after other analyses; a text of
 * the same length with other bytes never does; a reset empties the cache; a
 * full cache keeps nothing more. End to end: the snippets and titles of a
 * query that focus reads (3+ words) come from focus's copies and are those a
 * reply without the focus read gives. */
static bool same_tokens(const fh_token *a, size_t na, const fh_token *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].offset != b[i].offset || a[i].length != b[i].length ||
            a[i].position != b[i].position || a[i].flags != b[i].flags ||
            a[i].norm_len != b[i].norm_len || a[i].stem_len != b[i].stem_len ||
            a[i].alt_len != b[i].alt_len || strcmp(a[i].norm, b[i].norm) != 0 ||
            strcmp(a[i].stem, b[i].stem) != 0 || strcmp(a[i].alt, b[i].alt) != 0)
            return false;
    return true;
}

static void test_text_cache(void **state)
{
    (void)state;
    static const tu_doc cdocs[] = {
        {"d0", {"تقرير المدينة", "أعلنت المدينة الجديدة خطة للنقل العام في الشوارع الكبرى"}},
        {"d1", {"خطة النقل", "المدينة تعلن خطة جديدة للنقل وتوسع الشوارع"}},
        {"d2", {"الشوارع", "النقل العام في المدينة يتحسن والشوارع أنظف"}},
        {"d3", {"سوق", "سوق جديد في الحي الشمالي"}},
    };
    static const char *const fn[2] = {"title", "text"};
    fx f;
    fx_build(&f, NULL, 2, fn, NULL, cdocs, sizeof cdocs / sizeof cdocs[0]);
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    fx_open(&f, &rp);
    fh_searcher *s = f.ix.s;
    fh_textcache *c = &s->tcache;
    const char *ta = "والشركات العربية تعلن نتائجها";
    const char *tb = "المدينة الكبرى";
    char tx[64]; /* ta with its last letter changed: the same length */
    strcpy(tx, ta);
    tx[strlen(tx) - 1] = (char)0xA9; /* ا -> ة's second byte, still UTF-8 */
    const fh_token *t, *u;
    size_t nt, nu;
    fh_textcache_reset(c);
    assert_int_equal(fh_text_analyze(s, ta, strlen(ta), true, &t, &nt), 0);
    assert_int_equal(fh_text_analyze(s, tb, strlen(tb), true, &t, &nt), 0);
    assert_int_equal(c->n, 2);
    assert_int_equal(c->hits, 0);
    assert_int_equal(fh_text_analyze(s, tx, strlen(tx), false, &t, &nt), 0);
    assert_int_equal(c->hits, 0); /* same length, other bytes: analyzed */
    assert_int_equal(c->n, 2);    /* and not kept */
    assert_int_equal(fh_text_analyze(s, ta, strlen(ta), false, &t, &nt), 0);
    assert_int_equal(c->hits, 1);
    assert_ptr_equal(t, c->ent[0].tc.toks);
    assert_int_equal(fh_analyze(s->an, ta, strlen(ta), &u, &nu), 0);
    assert_true(same_tokens(t, nt, u, nu)); /* the copy outlived that analysis */
    assert_int_equal(nt, 4);
    assert_string_equal(t[0].stem, "شرك");
    fh_textcache_reset(c);
    assert_int_equal(fh_text_analyze(s, ta, strlen(ta), false, &t, &nt), 0);
    assert_int_equal(c->hits, 0);
    assert_true(t != c->ent[0].tc.toks);
    /* full: the first FH_TEXTCACHE_N texts are kept, no later one */
    char buf[FH_TEXTCACHE_N + 1][16];
    for (unsigned i = 0; i <= FH_TEXTCACHE_N; i++) {
        snprintf(buf[i], sizeof buf[i], "word %u", i);
        assert_int_equal(fh_text_analyze(s, buf[i], strlen(buf[i]), true, &t, &nt), 0);
    }
    assert_int_equal(c->n, FH_TEXTCACHE_N);
    assert_int_equal(fh_text_analyze(s, buf[FH_TEXTCACHE_N - 1], strlen(buf[FH_TEXTCACHE_N - 1]),
                                     false, &t, &nt),
                     0);
    assert_int_equal(c->hits, 1);
    assert_int_equal(
        fh_text_analyze(s, buf[FH_TEXTCACHE_N], strlen(buf[FH_TEXTCACHE_N]), false, &t, &nt), 0);
    assert_int_equal(c->hits, 1);
    assert_int_equal(nt, 2);
    assert_string_equal(t[1].norm, "64");
    /* the budget: a text whose tokens would pass FH_TEXTCACHE_BYTES is not
       kept, and the buffers it grew go at the next reset (FH_TEXTCACHE_HOLD) */
    const size_t bl = FH_TEXTCACHE_BYTES / 4;
    char *big = malloc(bl);
    assert_non_null(big);
    for (size_t i = 0; i < bl; i++)
        big[i] = i % 3 == 2 ? ' ' : 'a';
    fh_textcache_reset(c);
    assert_int_equal(fh_text_analyze(s, big, bl, true, &t, &nt), 0);
    assert_true(nt > bl / 4);
    assert_int_equal(c->n, 0);
    assert_true(c->ent[0].tc.tok_cap >= nt);
    fh_textcache_reset(c);
    assert_int_equal(c->ent[0].tc.tok_cap, 0);
    assert_null(c->ent[0].text);
    assert_int_equal(fh_text_analyze(s, ta, strlen(ta), true, &t, &nt), 0);
    assert_int_equal(c->n, 1); /* and the cache works on */
    free(big);

    /* end to end: focus reads the hits' titles and bodies, the reply's
       titles and snippets are then analyzed from its copies */
    const char *q = "المدينة تعلن خطة النقل";
    json_t *j1 = search(&f, q, NULL);
    assert_int_equal(nhits(j1), 3);
    assert_int_equal(c->n, 6);    /* a title and a body for each hit read */
    assert_int_equal(c->hits, 6); /* and each analyzed again for the reply */
    fx_close(&f);
    rp.focus_weight = rp.exact_weight = rp.exact_pair_weight = 0;
    fx_open(&f, &rp); /* no read: nothing cached, everything analyzed */
    json_t *j2 = search(&f, q, NULL);
    assert_int_equal(f.ix.s->tcache.n, 0);
    assert_int_equal(f.ix.s->tcache.hits, 0);
    assert_int_equal(nhits(j2), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *h1 = hit(j1, i), *h2 = NULL;
        for (size_t k = 0; k < 3 && !h2; k++)
            if (strcmp(hit_id(j2, k), hit_id(j1, i)) == 0)
                h2 = hit(j2, k);
        assert_non_null(h2);
        assert_string_equal(json_string_value(json_object_get(h1, "title")),
                            json_string_value(json_object_get(h2, "title")));
        assert_string_equal(json_string_value(json_object_get(h1, "snippet")),
                            json_string_value(json_object_get(h2, "snippet")));
        assert_non_null(strstr(json_string_value(json_object_get(h1, "snippet")), "<b>"));
    }
    json_decref(j1);
    json_decref(j2);
    fx_close(&f);
    /* bodies focus cuts short (focus_len 3 words, the title's included) are
       not kept: the snippets analyze them whole, and get the same fragments */
    fh_rank_params_default(&rp);
    rp.focus_len = 3;
    fx_open(&f, &rp);
    j1 = search(&f, q, NULL);
    assert_int_equal(nhits(j1), 3);
    assert_int_equal(f.ix.s->tcache.n, 3);    /* the titles */
    assert_int_equal(f.ix.s->tcache.hits, 3); /* their highlights */
    for (size_t i = 0; i < 3; i++) {
        json_t *h1 = hit(j1, i);
        const char *id = hit_id(j1, i);
        assert_non_null(id);
        size_t d = id ? (size_t)(id[1] - '0') : 99;
        assert_true(d < 3);
        assert_non_null(strstr(json_string_value(json_object_get(h1, "snippet")), "<b>"));
        /* the whole body, highlighted: more than focus's 3 words */
        assert_true(strlen(json_string_value(json_object_get(h1, "snippet"))) >
                    strlen(cdocs[d].field[1]));
    }
    json_decref(j1);
    fx_close(&f);
    fx_done(&f);

    /* an alt_stems analyzer: a text kept while alt stems were on is not the
       analysis of the same bytes with them off (the searcher's state outside
       query parsing), nor the other way round */
    static const char *const fn1[1] = {"text"};
    fh_analyzer_opts ao = {.stemmer = FH_STEM_LIGHT10, .alt_stems = true};
    fx_build(&f, &ao, 1, fn1, NULL, cdocs, 1);
    fh_rank_params_default(&rp);
    fx_open(&f, &rp);
    s = f.ix.s;
    c = &s->tcache;
    fh_textcache_reset(c);
    fh_analysis_set_alt(s->an, true);
    assert_true(fh_analysis_alt(s->an));
    assert_int_equal(fh_text_analyze(s, ta, strlen(ta), true, &t, &nt), 0);
    assert_true(t[0].alt_len > 0);
    fh_analysis_set_alt(s->an, false);
    assert_int_equal(fh_text_analyze(s, ta, strlen(ta), true, &t, &nt), 0);
    assert_int_equal(c->hits, 0);
    assert_int_equal(t[0].alt_len, 0);
    assert_int_equal(c->n, 2);
    assert_int_equal(fh_text_analyze(s, ta, strlen(ta), false, &t, &nt), 0);
    assert_int_equal(c->hits, 1);
    assert_int_equal(t[0].alt_len, 0);
    fh_analysis_set_alt(s->an, true);
    assert_int_equal(fh_text_analyze(s, ta, strlen(ta), false, &t, &nt), 0);
    assert_int_equal(c->hits, 2);
    assert_true(t[0].alt_len > 0);
    assert_int_equal(fh_analyze(s->an, ta, strlen(ta), &u, &nu), 0);
    assert_true(same_tokens(t, nt, u, nu));
    fh_analysis_set_alt(s->an, false);
    fx_close(&f);
    fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranking_rules),
        cmocka_unit_test(test_warm),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_limit_offset_fields),
        cmocka_unit_test(test_get_keywords_stats),
        cmocka_unit_test(test_alt_stems),
        cmocka_unit_test(test_tense),
        cmocka_unit_test(test_country),
        cmocka_unit_test(test_name_ali),
        cmocka_unit_test(test_nun_words),
        cmocka_unit_test(test_answer_type),
        cmocka_unit_test(test_lead_title),
        cmocka_unit_test(test_prf),
        cmocka_unit_test(test_query_order),
        cmocka_unit_test(test_short_depth),
        cmocka_unit_test(test_focus),
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_field_reranks),
        cmocka_unit_test(test_mixed_words),
        cmocka_unit_test(test_prefix_frequent_late),
        cmocka_unit_test(test_prefix_highlight),
        cmocka_unit_test(test_mixed_prefix_readings),
        cmocka_unit_test(test_mixed_prefix_cap),
        cmocka_unit_test(test_estimate_exclusion),
        cmocka_unit_test(test_large_reply),
        cmocka_unit_test(test_prefix_idf),
        cmocka_unit_test(test_prefix_article_letter),
        cmocka_unit_test(test_list_cap),
        cmocka_unit_test(test_nul_in_stored),
        cmocka_unit_test(test_text_cache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
