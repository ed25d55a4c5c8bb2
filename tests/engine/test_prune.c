/* test_prune.c — dynamic pruning (MaxScore + block-max bounds) returns the
 * same top-k as scoring every matching document, on many random queries over
 * a synthetic two-field index large enough for many postings blocks; mixed
 * words' clauses (their last part a prefix too); the time budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "fahras/index.h"
#include "tutil.h"

#define NDOCS 20000u
#define VOCAB 400u

typedef struct post {
    uint32_t doc;
    uint32_t tf[2];
    uint32_t pos_n;
    uint32_t pos[64];
} post;

typedef struct plist {
    post *p;
    size_t n, cap;
} plist;

/* document frequency of each term t000..t399, as built (over both fields) */
static uint32_t term_df[VOCAB];

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* Zipf-ish: term r with weight 1/(r+1) */
static double zcum[VOCAB];
static uint32_t zipf(void)
{
    double u = (double)(rnd() % 1000000u) / 1e6 * zcum[VOCAB - 1];
    uint32_t lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        uint32_t m = (lo + hi) / 2;
        if (zcum[m] < u)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

typedef struct fx {
    tu_index ix;
    fh_query *q;
} fx;

static void term_name(uint32_t t, char *out)
{
    sprintf(out, "t%03u", t);
}

static int build(const char *dir, const fh_analyzer *a)
{
    plist *pl = calloc(VOCAB, sizeof *pl);
    fh_index_build_info info;
    fh_index_writer *w;
    int rc;
    memset(&info, 0, sizeof info);
    info.analyzer_name = fh_analyzer_name(a);
    info.analyzer_version = fh_analyzer_version(a);
    info.n_fields = 2;
    info.field_names[0] = "title";
    info.field_names[1] = "text";
    info.field_weights[0] = 2.5f;
    info.field_weights[1] = 1.0f;
    double c = 0;
    for (uint32_t r = 0; r < VOCAB; r++)
        zcum[r] = (c += 1.0 / (r + 1.0));
    if ((rc = fh_index_writer_open(dir, &info, &w)) != 0)
        return rc;
    for (uint32_t d = 0; d < NDOCS; d++) {
        uint32_t lens[2] = {1 + rnd() % 8, 5 + rnd() % (d % 7 == 0 ? 400 : 80)};
        char stored[64];
        char id[32];
        int idn = snprintf(id, sizeof id, "doc%05u", d);
        int sn = snprintf(stored, sizeof stored, "{\"id\":\"%s\"}", id);
        if ((rc = fh_index_writer_add_doc(w, d, id, (size_t)idn, lens, stored, (size_t)sn)) != 0)
            return rc;
        uint32_t pos = 0;
        for (uint32_t f = 0; f < 2; f++) {
            for (uint32_t i = 0; i < lens[f]; i++, pos++) {
                uint32_t t = zipf();
                plist *l = &pl[t];
                if (l->n == 0 || l->p[l->n - 1].doc != d) {
                    if (l->n == l->cap) {
                        l->cap = l->cap ? l->cap * 2 : 64;
                        l->p = realloc(l->p, l->cap * sizeof *l->p);
                    }
                    memset(&l->p[l->n], 0, sizeof l->p[0]);
                    l->p[l->n++].doc = d;
                }
                post *p = &l->p[l->n - 1];
                if (p->pos_n < 64) {
                    p->tf[f]++;
                    p->pos[p->pos_n++] = i;
                }
            }
        }
    }
    for (uint32_t t = 0; t < VOCAB; t++) {
        char name[16];
        term_name(t, name);
        term_df[t] = (uint32_t)pl[t].n;
        if (pl[t].n == 0)
            continue;
        if ((rc = fh_index_writer_term_begin(w, name, strlen(name))) != 0)
            return rc;
        for (size_t i = 0; i < pl[t].n; i++) {
            const post *p = &pl[t].p[i];
            if ((rc = fh_index_writer_term_add(w, p->doc, p->tf, p->pos, p->pos_n)) != 0)
                return rc;
        }
        if ((rc = fh_index_writer_term_end(w)) != 0)
            return rc;
        free(pl[t].p);
    }
    free(pl);
    return fh_index_writer_commit(w);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f || tu_index_init(&f->ix, NULL))
        return -1;
    int rc = build(f->ix.dir, f->ix.a);
    if (rc) {
        fprintf(stderr, "build: %d\n", rc);
        return -1;
    }
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    if (tu_index_open(&f->ix, &rp))
        return -1;
    f->q = calloc(1, sizeof *f->q);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tu_index_free(&f->ix);
    free(f->q);
    free(f);
    return 0;
}

static void add_term(fh_query *q, uint32_t t, fh_occur occ, uint32_t mask, fh_clause_kind kind)
{
    fh_clause *c = &q->cl[q->n_cl++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->occur = occ;
    c->field_mask = mask;
    c->qtf = 1;
    term_name(t, c->term);
    if (kind == FH_CL_PREFIX)
        c->term[3] = '\0'; /* "t01" -> t010..t019 */
    c->len = (uint16_t)strlen(c->term);
}

static void add_phrase(fh_query *q, uint32_t a, uint32_t b)
{
    fh_clause *c = &q->cl[q->n_cl++];
    memset(c, 0, sizeof *c);
    c->kind = FH_CL_PHRASE;
    c->occur = FH_OCC_SHOULD;
    c->field_mask = 3;
    c->qtf = 1;
    c->first_el = q->n_el;
    c->n_el = 2;
    fh_qelem *e = &q->el[q->n_el++];
    term_name(a, e->term);
    e->len = 4;
    e->rel = 0;
    e = &q->el[q->n_el++];
    term_name(b, e->term);
    e->len = 4;
    e->rel = 1;
}

/* A mixed word: its whole term `whole` OR the phrase of the parts a b. */
static void add_mixed(fh_query *q, uint32_t whole, uint32_t a, uint32_t b, fh_occur occ)
{
    add_phrase(q, a, b);
    fh_clause *c = &q->cl[q->n_cl - 1];
    c->kind = FH_CL_MIXED;
    c->occur = occ;
    c->alt_ix = -1;
    term_name(whole, c->term);
    c->len = (uint16_t)strlen(c->term);
}

/* A phrase of two common terms 500 positions apart: no document holds it,
 * but nearly every one holds both words, so evaluating it scans their lists
 * whole (alignment rounds, no candidate). */
static void add_far_phrase(fh_query *q, fh_occur occ)
{
    add_phrase(q, 0, 1);
    q->cl[q->n_cl - 1].occur = occ;
    q->el[q->n_el - 1].rel = 500;
}

/* A term of a random band: very common (t000..t009), mid or rare. */
static uint32_t band_term(void)
{
    uint32_t band = rnd() % 3;
    return band == 0 ? rnd() % 10 : band == 1 ? 10 + rnd() % 90 : 100 + rnd() % 300;
}

/* Evaluate q exhaustively (its hits copied to ex) and with pruning (*h). */
static void topk_both(fx *f, fh_query *q, const fh_search_opts *o, uint32_t k, bool prox,
                      fh_hit *ex, fh_hit **h, uint32_t *n1, uint32_t *n2, fh_exec_stats *st1,
                      fh_exec_stats *st2)
{
    assert_int_equal(fh_exec_topk(f->ix.s, q, o, k, true, prox, h, n1, st1, NULL), 0);
    memcpy(ex, *h, *n1 * sizeof **h);
    assert_int_equal(fh_exec_topk(f->ix.s, q, o, k, false, prox, h, n2, st2, NULL), 0);
}

/* What docs/PROTOCOL.md promises of `total` (no time budget here): the
 * exhaustive count is exact; a pruned one is too unless flagged, and is
 * flagged only for a query without a + word (MUST clause). A flagged
 * estimate is never below the matches seen (the n hits returned are some),
 * counts documents of the index (at most NDOCS), and is capped by each
 * excluded word over all fields at the documents without it. The estimate
 * may be above or below the exact count: nothing more is promised. */
static void assert_total_promise(int it, const fh_query *q, const fh_exec_stats *st1,
                                 const fh_exec_stats *st2, uint32_t n)
{
    assert_false(st1->total_estimate);
    assert_false(st1->timed_out);
    assert_false(st2->timed_out);
    if (!st2->total_estimate) {
        assert_int_equal(st1->total, st2->total);
        return;
    }
    for (uint32_t i = 0; i < q->n_cl; i++) {
        const fh_clause *c = &q->cl[i];
        if (c->occur == FH_OCC_MUST)
            fail_msg("query %d: a + word, yet the total %llu is flagged an estimate", it,
                     (unsigned long long)st2->total);
        if (c->occur == FH_OCC_NOT && c->kind == FH_CL_TERM && c->field_mask == 3) {
            uint32_t t = (uint32_t)atoi(c->term + 1);
            uint64_t cap = NDOCS - (t < VOCAB ? term_df[t] : 0);
            if (st2->total > cap)
                fail_msg("query %d: estimate %llu above N - df(-%s) = %llu", it,
                         (unsigned long long)st2->total, c->term, (unsigned long long)cap);
        }
    }
    if (st2->total < n || st2->total > NDOCS)
        fail_msg("query %d: estimate %llu outside [%u hits, %u documents] (exact %llu)", it,
                 (unsigned long long)st2->total, n, NDOCS, (unsigned long long)st1->total);
}

/* The same documents with bit for bit the same scores. */
static void assert_same_hits(const fh_hit *ex, const fh_hit *h, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(ex[i].doc, h[i].doc);
        assert_memory_equal(&ex[i].score, &h[i].score, sizeof(float));
    }
}

/* exact_total (SEARCH exact_total=1): f->q again, without the re-rank, gives
 * the exhaustive run's hits (ex, n) and its exact total (st_ex), never
 * flagged an estimate, whether or not the pruned run was. */
static void assert_exact_total(fx *f, int it, const fh_search_opts *o, uint32_t k, const fh_hit *ex,
                               uint32_t n, const fh_exec_stats *st_ex)
{
    fh_search_opts ox = *o;
    ox.exact_total = true;
    fh_hit *h;
    uint32_t nx;
    fh_exec_stats st;
    assert_int_equal(fh_exec_topk(f->ix.s, f->q, &ox, k, false, false, &h, &nx, &st, NULL), 0);
    if (st.total_estimate || st.total != st_ex->total)
        fail_msg("query %d: exact_total gave %llu%s, the exhaustive count is %llu", it,
                 (unsigned long long)st.total, st.total_estimate ? " (flagged an estimate)" : "",
                 (unsigned long long)st_ex->total);
    assert_int_equal(nx, n);
    assert_same_hits(ex, h, n);
}

static void random_query(fh_query *q, uint32_t n)
{
    q->n_cl = 0;
    q->n_el = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t = band_term(); /* mix very common, mid and rare terms */
        if (rnd() % 20 == 0)
            t = 900 + rnd() % 99; /* not in the index */
        uint32_t r = rnd() % 100;
        if (r < 5 && i > 0)
            add_term(q, t, FH_OCC_MUST, 3, FH_CL_TERM);
        else if (r < 10 && i > 0)
            add_term(q, t, FH_OCC_NOT, 3, FH_CL_TERM);
        else if (r < 15)
            add_term(q, t, FH_OCC_SHOULD, 1u + rnd() % 2, FH_CL_TERM);
        else if (r < 18)
            add_term(q, 10 + rnd() % 30, FH_OCC_SHOULD, 3, FH_CL_PREFIX);
        else if (r < 21)
            add_phrase(q, rnd() % 20, rnd() % 20);
        else if (r < 24) {
            /* a mixed word typed with a '*': its last part t01* is t010..t019 */
            uint32_t w = band_term(), a = rnd() % 20, b = 10 + rnd() % 30;
            add_mixed(q, w, a, b, r == 23 && i > 0 ? FH_OCC_MUST : FH_OCC_SHOULD);
            q->cl[q->n_cl - 1].last_prefix = true;
            q->el[q->n_el - 1].term[3] = '\0';
            q->el[q->n_el - 1].len = 3;
        } else
            add_term(q, t, FH_OCC_SHOULD, 3, FH_CL_TERM);
    }
    /* a query of exclusions only is refused by the parser; keep one positive */
    bool pos = false;
    for (uint32_t i = 0; i < q->n_cl; i++)
        pos |= q->cl[i].occur != FH_OCC_NOT;
    if (!pos)
        q->cl[0].occur = FH_OCC_SHOULD;
}

static void test_pruning_equals_exhaustive(void **state)
{
    fx *f = *state;
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.time_budget_us = 0;
    static fh_hit ex[FH_ENGINE_MAX_LIMIT];
    uint64_t cand_pruned = 0, cand_full = 0;
    unsigned estimated = 0;
    for (int it = 0; it < 400; it++) {
        random_query(f->q, 1 + rnd() % 9);
        uint32_t ks[] = {1, 10, 10, 50};
        uint32_t k = ks[rnd() % 4];
        fh_hit *h;
        uint32_t n1, n2;
        fh_exec_stats st1, st2;
        topk_both(f, f->q, &o, k, false, ex, &h, &n1, &n2, &st1, &st2);
        cand_full += st1.candidates;
        cand_pruned += st2.candidates;
        assert_int_equal(n1, n2);
        assert_total_promise(it, f->q, &st1, &st2, n2);
        assert_same_hits(ex, h, n1);
        estimated += st2.total_estimate;
        assert_exact_total(f, it, &o, k, ex, n1, &st1);
        /* and with the proximity re-rank the pools are the same, hence the results */
        topk_both(f, f->q, &o, k, true, ex, &h, &n1, &n2, &st1, &st2);
        assert_int_equal(n1, n2);
        assert_total_promise(it, f->q, &st1, &st2, n2);
        assert_same_hits(ex, h, n1);
    }
    print_message("candidates: exhaustive %llu, pruned %llu; %u totals estimated\n",
                  (unsigned long long)cand_full, (unsigned long long)cand_pruned, estimated);
    assert_true(cand_pruned < cand_full);
    assert_true(estimated >= 20); /* what exact_total changes was exercised */
}

/* Pure OR queries of plain terms take the batch loops (or_batch without
 * pruning, ms_batch with): the same top-k as the generic exhaustive loop, bit
 * for bit the same scores, pruned or not (a pure OR's sum runs in one order
 * whatever was essential: sum_ord in exec.c). */
static void test_batch_or_equals_exhaustive(void **state)
{
    fx *f = *state;
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.time_budget_us = 0;
    static fh_hit ex[FH_ENGINE_MAX_LIMIT];
    unsigned pruned = 0, exact = 0;
    for (int it = 0; it < 300; it++) {
        fh_query *q = f->q;
        uint32_t n = 1 + rnd() % 9;
        q->n_cl = 0;
        q->n_el = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t t = band_term();
            if (rnd() % 20 == 0)
                t = 900 + rnd() % 99; /* not in the index */
            add_term(q, t, FH_OCC_SHOULD, 3, FH_CL_TERM);
        }
        uint32_t ks[] = {1, 10, 100, 300};
        uint32_t k = ks[rnd() % 4];
        fh_hit *h;
        uint32_t n1, n2;
        fh_exec_stats st1, st2;
        for (int prox = 0; prox < 2; prox++) {
            topk_both(f, q, &o, k, prox, ex, &h, &n1, &n2, &st1, &st2);
            assert_int_equal(n1, n2);
            assert_total_promise(it, q, &st1, &st2, n2);
            if (!st2.total_estimate)
                exact++;
            else
                pruned++;
            assert_same_hits(ex, h, n1);
            if (!prox) /* the batch loop without pruning (or_batch) counts them */
                assert_exact_total(f, it, &o, k, ex, n1, &st1);
        }
    }
    print_message("pure OR: %u pruned, %u exact\n", pruned, exact);
    assert_true(pruned > 50);
    assert_true(exact > 50);
}

/* A 1 us budget stops every loop (batch OR without and with pruning, the
 * generic one) at its first check: a partial, sorted answer flagged
 * timed_out with an estimated total, never an error. The work that matches
 * nothing counts too: a phrase that scans long lists for no match, alone
 * or required beside a term (candidates alone would never be checked). */
static void test_time_budget(void **state)
{
    fx *f = *state;
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.time_budget_us = 1;
    for (int shape = 0; shape < 7; shape++) {
        unsigned timed = 0;
        for (int it = 0; it < 20; it++) {
            fh_query *q = f->q;
            q->n_cl = 0;
            q->n_el = 0;
            if (shape == 0) { /* three common terms: pruned batch loop */
                add_term(q, rnd() % 3, FH_OCC_SHOULD, 3, FH_CL_TERM);
                add_term(q, 3 + rnd() % 3, FH_OCC_SHOULD, 3, FH_CL_TERM);
                add_term(q, 6 + rnd() % 4, FH_OCC_SHOULD, 3, FH_CL_TERM);
            } else if (shape == 1) { /* three mid terms: unpruned batch loop */
                add_term(q, 30 + rnd() % 20, FH_OCC_SHOULD, 3, FH_CL_TERM);
                add_term(q, 50 + rnd() % 20, FH_OCC_SHOULD, 3, FH_CL_TERM);
                add_term(q, 70 + rnd() % 20, FH_OCC_SHOULD, 3, FH_CL_TERM);
            } else if (shape == 2) { /* two common terms: or2_batch */
                add_term(q, rnd() % 5, FH_OCC_SHOULD, 3, FH_CL_TERM);
                add_term(q, 5 + rnd() % 5, FH_OCC_SHOULD, 3, FH_CL_TERM);
            } else if (shape == 3) { /* generic loop */
                add_term(q, rnd() % 5, FH_OCC_SHOULD, 3, FH_CL_TERM);
                add_term(q, 5 + rnd() % 5, FH_OCC_SHOULD, 1, FH_CL_TERM);
            } else if (shape == 4) { /* a phrase without a match */
                add_far_phrase(q, FH_OCC_SHOULD);
            } else if (shape == 5) { /* a + intersection without a match */
                add_term(q, 2 + rnd() % 3, FH_OCC_MUST, 3, FH_CL_TERM);
                add_far_phrase(q, FH_OCC_MUST);
            } else { /* rare words, whose candidates spread over all the
                      * documents, and a title-only alternative-stem clause: its
                      * re-rank after the timed-out retrieval skips thousands of
                      * documents, outside the budget, and must not fail */
                for (uint32_t t = 0; t < 3; t++) {
                    add_term(q, VOCAB - 10 + t * 3 + rnd() % 3, FH_OCC_SHOULD, 3, FH_CL_TERM);
                    q->cl[q->n_cl - 1].alt_ix = -1;
                }
                add_term(q, 10 + rnd() % 10, FH_OCC_SHOULD, 1, FH_CL_TERM);
                q->cl[q->n_cl - 1].alt_ix = -1;
                q->cl[q->n_cl - 1].is_alt = true;
            }
            fh_hit *h;
            uint32_t n;
            fh_exec_stats st;
            const uint32_t k = shape == 6 ? 300 : 10; /* many hits for the alt re-rank */
            assert_int_equal(fh_exec_topk(f->ix.s, q, &o, k, false, true, &h, &n, &st, NULL), 0);
            assert_true(n <= k);
            for (uint32_t i = 1; i < n; i++)
                assert_true(h[i - 1].score > h[i].score ||
                            (h[i - 1].score == h[i].score && h[i - 1].doc < h[i].doc));
            if (st.timed_out) {
                timed++;
                assert_true(st.total_estimate);
            }
        }
        print_message("shape %d: %u of 20 timed out\n", shape, timed);
        assert_true(timed > 0);
    }
    /* through fh_search: the reply says so and so does fh_searcher_timed_out,
     * until the next search that finishes within its budget */
    fh_buf out, err;
    fh_buf_init(&out, 1 << 22);
    fh_buf_init(&err, 4096);
    char q[64];
    term_name(0, q);
    strcat(q, " ");
    term_name(5, q + strlen(q));
    unsigned timed = 0;
    for (int it = 0; it < 5; it++) {
        fh_buf_reset(&out);
        assert_int_equal(fh_search(f->ix.s, &o, q, strlen(q), &out, &err), 0);
        bool flagged = strstr(out.data, "\"timed_out\":true") != NULL;
        assert_int_equal(flagged, fh_searcher_timed_out(f->ix.s));
        timed += flagged;
    }
    assert_true(timed > 0);
    o.time_budget_us = 0;
    fh_buf_reset(&out);
    assert_int_equal(fh_search(f->ix.s, &o, q, strlen(q), &out, &err), 0);
    assert_null(strstr(out.data, "timed_out"));
    assert_false(fh_searcher_timed_out(f->ix.s));
    fh_buf_free(&out);
    fh_buf_free(&err);
}

/* Two live lists (two-word queries) take or2_batch: pruned, yet the total
 * is exact (never flagged) and equals the exhaustive count, and the hits and
 * their scores are bit for bit the exhaustive ones — for every mix of
 * common, mid and rare terms, with terms absent from the index besides, and
 * pool sizes from 1 to 300. Pruning must also have skipped candidates. */
static void test_two_lists_exact(void **state)
{
    fx *f = *state;
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.time_budget_us = 0;
    static fh_hit ex[FH_ENGINE_MAX_LIMIT];
    uint64_t cand_full = 0, cand_two = 0;
    for (int it = 0; it < 400; it++) {
        fh_query *q = f->q;
        q->n_cl = 0;
        q->n_el = 0;
        for (int i = 0; i < 2; i++) {
            add_term(q, band_term(), FH_OCC_SHOULD, 3, FH_CL_TERM);
        }
        if (rnd() % 4 == 0) /* not in the index: still two live lists */
            add_term(q, 900 + rnd() % 99, FH_OCC_SHOULD, 3, FH_CL_TERM);
        uint32_t ks[] = {1, 10, 100, 300};
        uint32_t k = ks[rnd() % 4];
        fh_hit *h;
        uint32_t n1, n2;
        fh_exec_stats st1, st2;
        for (int prox = 0; prox < 2; prox++) {
            topk_both(f, q, &o, k, prox, ex, &h, &n1, &n2, &st1, &st2);
            assert_false(st2.total_estimate);
            assert_int_equal(st1.total, st2.total);
            assert_int_equal(n1, n2);
            assert_same_hits(ex, h, n1);
            cand_full += st1.candidates;
            cand_two += st2.candidates;
        }
    }
    print_message("two lists: candidates exhaustive %llu, or2_batch %llu\n",
                  (unsigned long long)cand_full, (unsigned long long)cand_two);
    assert_true(cand_two < cand_full);
}

/* Mixed words (whole term OR phrase of parts): their documents are the
 * union of the two (the exhaustive total of the clause equals that of the
 * term and the phrase OR-ed), and with pruning, ranked, required or
 * excluded among other clauses, the top k is the exhaustive one (the
 * clause's score bound holds). */
static void test_mixed_equals_exhaustive(void **state)
{
    fx *f = *state;
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.time_budget_us = 0;
    static fh_hit ex[FH_ENGINE_MAX_LIMIT];
    unsigned matched = 0;
    for (int it = 0; it < 100; it++) {
        fh_query *q = f->q;
        uint32_t w = rnd() % 4 == 0 ? 900 + rnd() % 99 : band_term(), a = rnd() % 20,
                 b = rnd() % 20;
        fh_hit *h;
        uint32_t n1, n2;
        fh_exec_stats st1, st2;
        q->n_cl = q->n_el = 0;
        add_term(q, w, FH_OCC_SHOULD, 3, FH_CL_TERM);
        add_phrase(q, a, b);
        assert_int_equal(fh_exec_topk(f->ix.s, q, &o, 10, true, false, &h, &n2, &st2, NULL), 0);
        q->n_cl = q->n_el = 0;
        add_mixed(q, w, a, b, FH_OCC_SHOULD);
        uint32_t k = FH_ENGINE_MAX_LIMIT;
        assert_int_equal(fh_exec_topk(f->ix.s, q, &o, k, true, false, &h, &n1, &st1, NULL), 0);
        assert_int_equal(st1.total, st2.total);
        /* either way a match scores */
        for (uint32_t i = 0; i < n1; i++)
            assert_true(h[i].score > 0);
        matched += st1.total > 0;
    }
    assert_true(matched > 50);
    for (int it = 0; it < 400; it++) {
        random_query(f->q, 1 + rnd() % 6);
        uint32_t r = rnd() % 10;
        fh_occur occ = r < 6 ? FH_OCC_SHOULD : r < 8 ? FH_OCC_MUST : FH_OCC_NOT;
        /* half with rare parts, whose phrase bounds the clause far below its
         * whole term's */
        uint32_t w = rnd() % 4 == 0 ? 900 + rnd() % 99 : band_term();
        if (it % 2)
            add_mixed(f->q, rnd() % 10, 100 + rnd() % 300, 100 + rnd() % 300, occ);
        else
            add_mixed(f->q, w, rnd() % 20, rnd() % 20, occ);
        uint32_t ks[] = {1, 10, 10, 50};
        uint32_t k = ks[rnd() % 4];
        fh_hit *h;
        uint32_t n1, n2;
        fh_exec_stats st1, st2;
        for (int prox = 0; prox < 2; prox++) {
            topk_both(f, f->q, &o, k, prox, ex, &h, &n1, &n2, &st1, &st2);
            assert_int_equal(n1, n2);
            assert_total_promise(it, f->q, &st1, &st2, n2);
            assert_same_hits(ex, h, n1);
        }
    }
}

/* Pages of one query (limit + offset = k) prune against different k: each
 * top-k must be the start of the longest, document for document and score
 * for score, so that pages of any sizes never repeat or skip a hit. A pure
 * OR's MaxScore adds a document's clause scores in an order that depended on
 * which clauses were essential when it came, i.e. on theta and so on k: a
 * document scored an ulp apart at two k and swapped with a tied one (a page
 * of limit=172 ended with a hit that offset=172 limit=228 showed again, and
 * another was never shown). */
static void test_pages_agree(void **state)
{
    fx *f = *state;
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.time_budget_us = 0;
    static fh_hit full[FH_ENGINE_MAX_LIMIT];
    const uint32_t ks[] = {1, 10, 50, 172, 400};
    unsigned pruned = 0;
    for (int it = 0; it < 400; it++) {
        random_query(f->q, 3 + rnd() % 7);
        for (int prox = 0; prox < 2; prox++) {
            fh_hit *h;
            uint32_t nf, n;
            fh_exec_stats st;
            assert_int_equal(fh_exec_topk(f->ix.s, f->q, &o, FH_ENGINE_MAX_LIMIT, false, prox, &h,
                                          &nf, &st, NULL),
                             0);
            memcpy(full, h, nf * sizeof *h);
            for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
                assert_int_equal(
                    fh_exec_topk(f->ix.s, f->q, &o, ks[i], false, prox, &h, &n, &st, NULL), 0);
                assert_int_equal(n, ks[i] < nf ? ks[i] : nf);
                pruned += st.total_estimate;
                assert_same_hits(full, h, n);
            }
        }
    }
    print_message("pages: %u pruned\n", pruned);
    assert_true(pruned > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_budget),
        cmocka_unit_test(test_pruning_equals_exhaustive),
        cmocka_unit_test(test_batch_or_equals_exhaustive),
        cmocka_unit_test(test_two_lists_exact),
        cmocka_unit_test(test_mixed_equals_exhaustive),
        cmocka_unit_test(test_pages_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
