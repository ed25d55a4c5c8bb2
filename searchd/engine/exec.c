/* exec.c — retrieval: clause iterators, BM25F scoring, top-k with MaxScore
 * and block-max bounds, proximity re-ranking.
 *
 * Every clause of a parsed query becomes one iterator (term, prefix = OR of
 * its expansions, phrase = AND of its words checked by position, mixed word =
 * OR of its whole term and the phrase of its parts) that moves through docids
 * in increasing order with next/seek and scores the current document. The
 * query is then one of two shapes:
 *   - no required clause: the SHOULD clauses are OR-ed under MaxScore. Sorted
 *     by their score upper bound, the cheapest prefix whose bounds sum to no
 *     more than the current k-th score (theta) is "non-essential": a document
 *     that matches only those cannot enter the top k, so candidates come from
 *     the essential lists only and the non-essential ones are probed with seek,
 *     after a tighter check that uses the block-max bound of the block the
 *     candidate falls in (fh_postings_block_bound, no decoding).
 *     Before scoring a candidate, the block-max bounds of the essential lists
 *     (plus the global bounds of the non-essential ones) are summed: when
 *     they cannot beat theta, every essential list jumps past the nearest
 *     block end at once (block-max MaxScore).
 *   - required clauses: their conjunction (leapfrog) produces the candidates;
 *     the SHOULD clauses only add score and are probed as non-essential.
 * Excluded clauses are probed with seek for every candidate.
 *
 * Fast paths. A pure OR of plain TERM clauses (no +, -, phrase, prefix or
 * field filter: most real queries) runs the same algorithm over the decoded
 * blocks (fh_postings_batch) instead of through citer_next/citer_seek:
 * or_batch() when nothing is pruned, ms_batch() with MaxScore. They visit the
 * same candidates and add the same floats in the same order, so their hits
 * and scores are bit for bit those of the generic loop (test_engine_prune).
 * Exactly two lists (two-word queries) take or2_batch(): MaxScore on two
 * lists with an exact count, whatever their length (see there); its sums are
 * or_batch's, so its hits and scores are those of the generic loop too.
 * Length norms are prefetched ahead of scoring: wnorm[f][doc] is a random
 * access into n_docs floats and was the hottest load of the engine.
 *
 * `total`: with required clauses every match is visited, so it is exact.
 * For a pure OR it is exact while nothing was pruned (and we do not prune when
 * the lists are short: sum of df <= EXACT_COUNT_POSTINGS; a single list's
 * total is its df, and two plain lists are counted exactly by or2_batch, so
 * those are pruned however short); once pruning skips documents it becomes
 * max(seen, N * (1 - prod(1 - df_i / N))) and is flagged as an estimate.
 * o->exact_total (SEARCH exact_total=1) does not prune such a query, so its
 * total stays exact: the same hits, every match visited.
 *
 * Time budget: it bounds retrieval, from the prefix expansions' dictionary
 * walks to the last candidate. Every step of work counts one unit (a
 * dictionary term walked, a candidate document, a round of a phrase's or the
 * required clauses' alignment, 64 positions a phrase walks, a document
 * skipped by a field filter, a block skip, a prefix step per expansion; a
 * list opened counts OPEN_UNITS) and the clock is read every BUDGET_EVERY
 * units, so a phrase or a + intersection that scans long lists
 * but matches little is stopped too. When the budget is exceeded retrieval
 * stops and the best hits found so far are returned, flagged timed_out (the
 * server reports them with "timed_out":true rather than failing the query);
 * a budget spent before the candidate loop (long prefix walks) leaves no
 * hits. The re-ranks that follow retrieval (proximity, alternative stems,
 * feedback, focus: each bounded by its depth) and the reply (titles,
 * snippets, fields: bounded by the limit) are not checked.
 *
 * Proximity: the best prox_depth documents by BM25F (prox_depth_short for a
 * query of at most two words: the larger the pool, the lower the k-th score
 * pruning works against) are re-ranked with a
 * bonus for query-term pairs that occur close together (BM25TP style, see
 * prox_bonus()). Pruning is exact for the BM25F part, so re-ranking a pool
 * that is itself exact keeps the whole result independent of pruning.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "fahras/codec.h"
#include "fahras/grow.h"

#define POOL_MAX 4096u /* postings iterators per query's retrieval */
#define PROX_MAX_TERMS 16u
#define POOL_RERANK (2u * PROX_MAX_TERMS) /* more, for prox_rerank (a list and an alt each) */
#define EXACT_COUNT_POSTINGS 50000u
#define BUDGET_EVERY 1024u /* units of work between two reads of the clock */
/* A list opened: a dictionary lookup and a block decoded, about 0.4 us warm
 * against 0.04 us for a dictionary term walked (four 1,100-term prefixes:
 * 0.2 ms with one expansion each, 2.1 ms with 1,024) */
#define OPEN_UNITS 8u
#define EXEC_TIMEOUT 1     /* internal rc: the budget ran out (never leaves exec.c) */
#define UB_SLACK 1.00001f          /* float sums in another order may exceed a bound by an ulp */
#define PF_AHEAD 32u               /* documents whose length norms are prefetched at once */

typedef struct citer {
    const fh_clause *cl;
    fh_clause_kind kind;
    uint32_t mask;
    bool filter;          /* mask is not all fields: skip docs matching elsewhere only */
    float idf;            /* clause weight (idf x query tf) */
    float ub;             /* upper bound of the clause score */
    uint32_t doc;
    fh_postings *p;       /* TERM */
    fh_postings **sub;    /* PREFIX expansions / PHRASE words (in the pool) */
    uint32_t nsub;        /* PHRASE, MIXED: the words, a union counting as one */
    uint32_t nu;          /* PHRASE, MIXED: when > 0, the last word is the union of
                             the nu lists sub[nsub - 1 .. nsub - 1 + nu) (the
                             expansions of a prefix part, R1*: 1*; see el_doc) */
    uint32_t rel[FH_Q_MAX_PHRASE];
    uint32_t tf[FH_MAX_FIELDS];  /* PREFIX / PHRASE / MIXED: tfs of the current doc */
    uint32_t pdoc;               /* MIXED: the current doc of the phrase of the parts */
    uint32_t ptf[FH_MAX_FIELDS]; /* MIXED: the phrase's tfs on pdoc */
    struct fh_exec_scratch *xs;  /* the query's scratch (its time budget) */
    double df_est;               /* documents matched (an estimate for PREFIX, PHRASE, MIXED) */
    double work_df;              /* postings behind it, for the pruning decision (topk_loop) */
    uint32_t pf_end;      /* TERM: length norms prefetched for docs < pf_end */
    /* block-max cache (TERM) */
    uint32_t bb_last;
    float bb_ub;
    bool bb_valid;
} citer;

struct fh_exec_scratch {
    citer it[FH_Q_MAX_CLAUSES];
    fh_postings *pool[POOL_MAX + POOL_RERANK];
    uint32_t npool;
    uint32_t ord[FH_Q_MAX_CLAUSES];
    float cum[FH_Q_MAX_CLAUSES];
    float bub[FH_Q_MAX_CLAUSES];
    /* a candidate's score per SHOULD clause, in ord order (0: no match), so
       that a pure OR's sum runs in one order whatever was essential (sum_ord) */
    float part[FH_Q_MAX_CLAUSES];
    fh_expansion *exp;
    uint32_t exp_cap;
    /* the expansions of each clause, for the highlight (fh_exec_expansions):
       clause i's are rec[rec_first[i] .. + rec_n[i]), in byte order */
    fh_expansion *rec;
    uint32_t nrec, rec_cap;
    uint32_t rec_first[FH_Q_MAX_CLAUSES], rec_n[FH_Q_MAX_CLAUSES];
    uint32_t *ubuf; /* a union word's positions in one field (el_positions) */
    size_t ucap;
    /* the running query's time budget (see the top of the file) */
    uint64_t budget, t0; /* budget in us, 0 = none; t0 = the query's start */
    uint32_t work;       /* units of work since the clock was last read */
    bool expired;
};

int fh_exec_scratch_new(struct fh_exec_scratch **out)
{
    struct fh_exec_scratch *xs = calloc(1, sizeof *xs);
    if (!xs)
        return FH_ENOMEM;
    xs->exp_cap = FH_ENGINE_MAX_EXPANSIONS;
    xs->exp = malloc(sizeof *xs->exp * xs->exp_cap);
    if (!xs->exp) {
        free(xs);
        return FH_ENOMEM;
    }
    *out = xs;
    return 0;
}

void fh_exec_scratch_free(struct fh_exec_scratch *xs)
{
    if (!xs)
        return;
    free(xs->exp);
    free(xs->rec);
    free(xs->ubuf);
    free(xs);
}

/* budget_spend's slow path: read the clock. Without a budget (none given,
 * or the re-ranks after retrieval: budget 0) nothing expires, even after
 * retrieval ran out of its budget. */
static bool budget_check(struct fh_exec_scratch *xs)
{
    xs->work = 0;
    if (!xs->budget)
        return false;
    if (xs->expired)
        return true;
    xs->expired = xs->budget && fh_engine_now_us() - xs->t0 > xs->budget;
    return xs->expired;
}

/* Count `units` of retrieval work against the time budget; true once it has
 * run out (and from then on, for this query). */
static inline bool budget_spend(struct fh_exec_scratch *xs, uint32_t units)
{
    xs->work += units;
    return xs->work >= BUDGET_EVERY && budget_check(xs);
}

/* ------------------------------------------------------------- scoring */

static inline float sat(const fh_engine *e, float ntf)
{
    return ntf * (e->rp.k1 + 1.0f) / (e->rp.k1 + ntf);
}

static float idf_of(const fh_engine *e, double df)
{
    double n = (double)e->n_docs;
    if (df > n)
        df = n;
    double w = log(1.0 + (n - df + 0.5) / (df + 0.5));
    return (float)(e->rp.idf_pow == 1.0f ? w : pow(w, (double)e->rp.idf_pow));
}

/* Length normalisation of field f for a field length len. */
static inline float fnorm(const fh_engine *e, unsigned f, double len)
{
    return (float)(1.0 - (double)e->bf[f] + (double)e->bf[f] * len / (double)e->avg[f]);
}

/* Upper bound of sum_f w_f tf_f / norm_f(len_f) given per-field max tf and
 * min length. */
static float ntf_bound(const fh_engine *e, uint32_t mask, const uint32_t *max_tf,
                       const uint32_t *min_len)
{
    float ntf = 0;
    for (unsigned f = 0; f < e->n_fields; f++) {
        if (!(mask & (1u << f)) || max_tf[f] == 0)
            continue;
        float nm = fnorm(e, f, (double)(min_len[f] ? min_len[f] : 1u));
        if (nm < 1e-6f)
            nm = 1e-6f;
        ntf += e->weight[f] * (float)max_tf[f] / nm;
    }
    return ntf;
}

static inline float score_tfs(const fh_engine *e, const citer *c, const uint32_t *tfs,
                              uint32_t doc)
{
    float ntf = 0;
    for (unsigned f = 0; f < e->n_fields; f++)
        if (tfs[f] && (c->mask & (1u << f)))
            ntf += e->wnorm[f][doc] * (float)tfs[f];
    return c->idf * sat(e, ntf);
}

static inline float citer_score(const fh_engine *e, const citer *c)
{
    return score_tfs(e, c, c->kind == FH_CL_TERM ? fh_postings_tfs(c->p) : c->tf, c->doc);
}

/* Scoring a document reads wnorm[f][doc], a random access into an array of
 * n_docs floats per field: on a large index nearly every candidate is a cache
 * miss. An essential TERM list knows its next documents (the decoded block),
 * so their norms are requested PF_AHEAD documents at a time, ahead of use. */
static void prefetch_norms(const fh_engine *e, citer *c)
{
    const uint32_t *docs, *tfs;
    size_t n = fh_postings_batch(c->p, &docs, &tfs);
    if (n == 0) {
        c->pf_end = FH_DOC_END;
        return;
    }
    if (n > PF_AHEAD)
        n = PF_AHEAD;
    for (unsigned f = 0; f < e->n_fields; f++) {
        if (!(c->mask & (1u << f)))
            continue;
        const float *w = e->wnorm[f];
        for (size_t j = 0; j < n; j++)
            __builtin_prefetch(&w[docs[j]]);
    }
    c->pf_end = docs[n - 1] + 1u;
}

/* ------------------------------------------------------------- iterators */

static bool masked_hit(const fh_postings *p, uint32_t mask, unsigned nf)
{
    const uint32_t *t = fh_postings_tfs(p);
    for (unsigned f = 0; f < nf; f++)
        if (t[f] && (mask & (1u << f)))
            return true;
    return false;
}

/* Move p forward (from its current doc) to a doc with a tf in mask. Each
 * document skipped is a unit of work (EXEC_TIMEOUT when the budget runs out). */
static int post_settle(struct fh_exec_scratch *xs, fh_postings *p, uint32_t mask, bool filter,
                       unsigned nf)
{
    if (!filter)
        return 0;
    while (fh_postings_docid(p) != FH_DOC_END && !masked_hit(p, mask, nf)) {
        int rc = fh_postings_next(p);
        if (rc)
            return rc;
        if (budget_spend(xs, 1))
            return EXEC_TIMEOUT;
    }
    return 0;
}

static int prefix_settle(const fh_engine *e, citer *c)
{
    uint32_t d = FH_DOC_END;
    if (budget_spend(c->xs, c->nsub))
        return EXEC_TIMEOUT;
    for (uint32_t i = 0; i < c->nsub; i++) {
        uint32_t sd = fh_postings_docid(c->sub[i]);
        if (sd < d)
            d = sd;
    }
    c->doc = d;
    if (d == FH_DOC_END)
        return 0;
    memset(c->tf, 0, sizeof c->tf);
    for (uint32_t i = 0; i < c->nsub; i++) {
        if (fh_postings_docid(c->sub[i]) != d)
            continue;
        const uint32_t *t = fh_postings_tfs(c->sub[i]);
        for (unsigned f = 0; f < e->n_fields; f++)
            if (c->mask & (1u << f))
                c->tf[f] += t[f];
    }
    return 0;
}

/* The words of a phrase (PHRASE, MIXED's parts) are lists c->sub[i], but
 * for the last word of a mixed word typed as a prefix (c->nu > 0): the union
 * of its nu expansions' lists, which starts at c->sub[nsub - 1]. el_doc,
 * el_seek, el_next and el_positions move and read word i either way. */
static inline bool el_union(const citer *c, uint32_t i)
{
    return c->nu > 0 && i + 1u == c->nsub;
}

/* Word i's current doc: a union's is its members' smallest. */
static uint32_t el_doc(const citer *c, uint32_t i)
{
    if (!el_union(c, i))
        return fh_postings_docid(c->sub[i]);
    uint32_t d = FH_DOC_END;
    for (uint32_t j = 0; j < c->nu; j++) {
        uint32_t sd = fh_postings_docid(c->sub[i + j]);
        if (sd < d)
            d = sd;
    }
    return d;
}

/* Move word i to its first doc >= target. */
static int el_seek(citer *c, uint32_t i, uint32_t target)
{
    if (!el_union(c, i))
        return fh_postings_seek(c->sub[i], target);
    for (uint32_t j = 0; j < c->nu; j++) {
        if (fh_postings_docid(c->sub[i + j]) < target) {
            int rc = fh_postings_seek(c->sub[i + j], target);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Move word i past its current doc. */
static int el_next(citer *c, uint32_t i)
{
    if (!el_union(c, i))
        return fh_postings_next(c->sub[i]);
    uint32_t d = el_doc(c, i);
    for (uint32_t j = 0; j < c->nu; j++) {
        if (fh_postings_docid(c->sub[i + j]) == d) {
            int rc = fh_postings_next(c->sub[i + j]);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Word i's positions in field f of its current doc, ascending: a union's
 * are its members' on that doc, merged into c->xs->ubuf (valid until the
 * next call). */
static int el_positions(citer *c, uint32_t i, unsigned f, const uint32_t **pos, size_t *np)
{
    if (!el_union(c, i))
        return fh_postings_positions(c->sub[i], f, pos, np);
    struct fh_exec_scratch *xs = c->xs;
    uint32_t d = el_doc(c, i);
    size_t n = 0;
    for (uint32_t j = 0; j < c->nu; j++) {
        const uint32_t *p;
        size_t m;
        if (fh_postings_docid(c->sub[i + j]) != d)
            continue;
        int rc = fh_postings_positions(c->sub[i + j], f, &p, &m);
        if (rc)
            return rc;
        if (m == 0)
            continue;
        if ((rc = fh_grow_u32(&xs->ubuf, &xs->ucap, n + m, 256)) != 0)
            return rc;
        memcpy(xs->ubuf + n, p, m * sizeof *p);
        n += m;
    }
    if (n > 1)
        qsort(xs->ubuf, n, sizeof *xs->ubuf, u32_cmp);
    *pos = xs->ubuf;
    *np = n;
    return 0;
}

/* Occurrences of the phrase in field f of the current doc (all words on it). */
static int phrase_count(citer *c, unsigned f, uint32_t *count)
{
    const uint32_t *pos[FH_Q_MAX_PHRASE];
    size_t np[FH_Q_MAX_PHRASE], at[FH_Q_MAX_PHRASE], all = 0;
    *count = 0;
    for (uint32_t i = 0; i < c->nsub; i++) {
        int rc = el_positions(c, i, f, &pos[i], &np[i]);
        if (rc)
            return rc;
        if (np[i] == 0)
            return 0;
        at[i] = 0;
        all += np[i];
    }
    /* decoding and walking the positions is work too: one unit per 64 */
    if (all >= 64 && budget_spend(c->xs, (uint32_t)(all < UINT32_MAX ? all / 64 : UINT32_MAX / 64)))
        return EXEC_TIMEOUT;
    uint32_t n = 0;
    for (size_t k = 0; k < np[0]; k++) {
        uint32_t p0 = pos[0][k];
        if (p0 < c->rel[0])
            continue;
        uint32_t base = p0 - c->rel[0];
        bool ok = true;
        for (uint32_t i = 1; i < c->nsub && ok; i++) {
            uint32_t want = base + c->rel[i];
            while (at[i] < np[i] && pos[i][at[i]] < want)
                at[i]++;
            if (at[i] >= np[i]) {
                *count = n;
                return 0;
            }
            ok = pos[i][at[i]] == want;
        }
        if (ok)
            n++;
    }
    *count = n;
    return 0;
}

/* Align all phrase words (c->sub) on one doc whose positions form the
 * phrase, starting from the subs' current docs: that doc into *doc
 * (FH_DOC_END when there is none) and its per-field counts into tf. Each
 * round of the alignment is work against the budget. */
static int phrase_align(const fh_engine *e, citer *c, uint32_t *doc, uint32_t *tf)
{
    int rc;
    for (;;) {
        /* a round moves every list: a union's members each count */
        if (budget_spend(c->xs, c->nsub + (c->nu ? c->nu - 1u : 0u)))
            return EXEC_TIMEOUT;
        uint32_t d = 0;
        for (uint32_t i = 0; i < c->nsub; i++) {
            uint32_t sd = el_doc(c, i);
            if (sd > d)
                d = sd;
        }
        if (d == FH_DOC_END) {
            *doc = FH_DOC_END;
            return 0;
        }
        bool aligned = true;
        for (uint32_t i = 0; i < c->nsub; i++) {
            if (el_doc(c, i) < d) {
                if ((rc = el_seek(c, i, d)) != 0)
                    return rc;
            }
            if (el_doc(c, i) != d)
                aligned = false;
        }
        if (!aligned)
            continue;
        bool any = false;
        for (unsigned f = 0; f < e->n_fields; f++) {
            tf[f] = 0;
            if (!(c->mask & (1u << f)))
                continue;
            if ((rc = phrase_count(c, f, &tf[f])) != 0)
                return rc;
            if (tf[f])
                any = true;
        }
        if (any) {
            *doc = d;
            return 0;
        }
        if ((rc = el_next(c, 0)) != 0)
            return rc;
    }
}

static int phrase_settle(const fh_engine *e, citer *c)
{
    return phrase_align(e, c, &c->doc, c->tf);
}

/* A mixed word (MIXED): the first doc of its whole term (c->p, NULL when the
 * index lacks it) or of the phrase of its parts (c->pdoc). A field's tf is
 * the larger of the two: the parts of every occurrence of the whole are also
 * an occurrence of the phrase, so the two are not added. */
static int mixed_settle(const fh_engine *e, citer *c)
{
    uint32_t wd = c->p ? fh_postings_docid(c->p) : FH_DOC_END;
    uint32_t d = wd < c->pdoc ? wd : c->pdoc;
    c->doc = d;
    if (d == FH_DOC_END)
        return 0;
    const uint32_t *wt = wd == d ? fh_postings_tfs(c->p) : NULL;
    for (unsigned f = 0; f < e->n_fields; f++) {
        uint32_t a = wt && (c->mask & (1u << f)) ? wt[f] : 0;
        uint32_t b = c->pdoc == d ? c->ptf[f] : 0;
        c->tf[f] = a > b ? a : b;
    }
    return 0;
}

static int citer_next(const fh_engine *e, citer *c)
{
    int rc = 0;
    if (c->doc == FH_DOC_END)
        return 0;
    switch (c->kind) {
    case FH_CL_TERM:
        if ((rc = fh_postings_next(c->p)) == 0)
            rc = post_settle(c->xs, c->p, c->mask, c->filter, e->n_fields);
        c->doc = fh_postings_docid(c->p);
        return rc;
    case FH_CL_PREFIX:
        for (uint32_t i = 0; i < c->nsub; i++) {
            if (fh_postings_docid(c->sub[i]) == c->doc) {
                if ((rc = fh_postings_next(c->sub[i])) != 0 ||
                    (rc = post_settle(c->xs, c->sub[i], c->mask, c->filter, e->n_fields)) != 0)
                    return rc;
            }
        }
        return prefix_settle(e, c);
    case FH_CL_PHRASE:
        if ((rc = el_next(c, 0)) != 0)
            return rc;
        return phrase_settle(e, c);
    case FH_CL_MIXED:
        if (c->p && fh_postings_docid(c->p) == c->doc) {
            if ((rc = fh_postings_next(c->p)) != 0 ||
                (rc = post_settle(c->xs, c->p, c->mask, c->filter, e->n_fields)) != 0)
                return rc;
        }
        if (c->pdoc == c->doc) {
            if ((rc = el_next(c, 0)) != 0 || (rc = phrase_align(e, c, &c->pdoc, c->ptf)) != 0)
                return rc;
        }
        return mixed_settle(e, c);
    }
    return FH_EINTERNAL;
}

static int citer_seek(const fh_engine *e, citer *c, uint32_t target)
{
    int rc = 0;
    if (c->doc >= target)
        return 0;
    switch (c->kind) {
    case FH_CL_TERM:
        if ((rc = fh_postings_seek(c->p, target)) == 0)
            rc = post_settle(c->xs, c->p, c->mask, c->filter, e->n_fields);
        c->doc = fh_postings_docid(c->p);
        return rc;
    case FH_CL_PREFIX:
        for (uint32_t i = 0; i < c->nsub; i++) {
            if (fh_postings_docid(c->sub[i]) < target) {
                if ((rc = fh_postings_seek(c->sub[i], target)) != 0 ||
                    (rc = post_settle(c->xs, c->sub[i], c->mask, c->filter, e->n_fields)) != 0)
                    return rc;
            }
        }
        return prefix_settle(e, c);
    case FH_CL_PHRASE:
        if ((rc = el_seek(c, 0, target)) != 0)
            return rc;
        return phrase_settle(e, c);
    case FH_CL_MIXED:
        if (c->p && fh_postings_docid(c->p) < target) {
            if ((rc = fh_postings_seek(c->p, target)) != 0 ||
                (rc = post_settle(c->xs, c->p, c->mask, c->filter, e->n_fields)) != 0)
                return rc;
        }
        if (c->pdoc < target) {
            if ((rc = el_seek(c, 0, target)) != 0 ||
                (rc = phrase_align(e, c, &c->pdoc, c->ptf)) != 0)
                return rc;
        }
        return mixed_settle(e, c);
    }
    return FH_EINTERNAL;
}

/* Bound of c's score for every document of c in [d, *last], from the block
 * that holds c's first document >= d (TERM), else the global bound with
 * *last = FH_DOC_END - 1. Targets must not decrease between calls (the
 * block is cached): the block that holds the first document >= d' also holds
 * the first document >= d for any d' <= d <= its last docid. */
static inline __attribute__((always_inline)) float
citer_block_ub_last(const fh_engine *e, citer *c, uint32_t d, uint32_t *last)
{
    if (c->kind != FH_CL_TERM || c->filter || !c->p) {
        *last = FH_DOC_END - 1u;
        return c->ub; /* (a term absent from the index has p == NULL and ub 0) */
    }
    if (!c->bb_valid || d > c->bb_last) {
        fh_block_bound bb;
        if (fh_postings_block_bound(c->p, d, &bb) != 0) {
            *last = FH_DOC_END - 1u;
            return c->ub;
        }
        c->bb_valid = true;
        c->bb_last = bb.last_docid;
        if (bb.last_docid == FH_DOC_END) {
            c->bb_ub = 0;
        } else {
            float b = c->idf * sat(e, ntf_bound(e, c->mask, bb.max_tf, bb.min_len)) * UB_SLACK;
            c->bb_ub = b < c->ub ? b : c->ub;
        }
    }
    *last = c->bb_last == FH_DOC_END ? FH_DOC_END - 1u : c->bb_last;
    return c->bb_ub;
}

static float citer_block_ub(const fh_engine *e, citer *c, uint32_t d)
{
    uint32_t last;
    return citer_block_ub_last(e, c, d, &last);
}

/* ------------------------------------------------------------- setup */

typedef struct xctx {
    fh_searcher *s;
    const fh_engine *e;
    struct fh_exec_scratch *xs;
    uint32_t n;           /* iterators */
    uint32_t exp_max;
    uint32_t exp_n;
    uint32_t exp_kept; /* of exp_n, the exact terms exp_exact put last, out of the heap */
    uint32_t pool_cap; /* POOL_MAX during retrieval, + POOL_RERANK for the re-rank */
} xctx;

/* Open a word's list into the query's pool. Opening is work against the
 * time budget (a dictionary lookup and a block read, OPEN_UNITS units):
 * EXEC_TIMEOUT when it ran out (never after retrieval, whose budget is then
 * 0). */
static int pool_open(xctx *x, const char *term, size_t len, fh_postings **out)
{
    if (x->xs->npool >= x->pool_cap)
        return FH_ELIMIT;
    if (budget_spend(x->xs, OPEN_UNITS))
        return EXEC_TIMEOUT;
    int rc = fh_postings_open(x->s->rd, term, len, out);
    if (rc)
        return rc;
    x->xs->pool[x->xs->npool++] = *out;
    return 0;
}

/* The expansion order: df descending, then shorter, then byte order (terms
 * are unique, so it is total). */
static int exp_cmp(const void *a, const void *b)
{
    const fh_expansion *x = a, *y = b;
    if (x->df != y->df)
        return x->df > y->df ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->term, y->term, x->len);
}

/* Sift h[i] down in a heap of n whose root is the expansion that comes last
 * in exp_cmp order (the first to give way to a better one). */
static void exp_down(fh_expansion *h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, m;
        if (l >= n)
            return;
        m = l + 1 < n && exp_cmp(&h[l + 1], &h[l]) > 0 ? l + 1 : l;
        if (exp_cmp(&h[m], &h[i]) <= 0)
            return;
        fh_expansion t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Sift h[i] up towards the root (the expansion that comes last). */
static void exp_up(fh_expansion *h, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (exp_cmp(&h[i], &h[p]) <= 0)
            return;
        fh_expansion t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

static void exp_set(fh_expansion *ex, const char *term, size_t len, uint32_t df)
{
    memcpy(ex->term, term, len);
    ex->term[len] = '\0';
    ex->len = (uint16_t)len;
    ex->df = df;
}

/* One dictionary term of a prefix walk: kept in the heap x->xs->exp[0..exp_n)
 * when it is among the exp_max first in exp_cmp order seen so far. */
static int exp_cb(void *ctx, const char *term, size_t len, const fh_term_info *ti)
{
    xctx *x = ctx;
    fh_expansion *h = x->xs->exp;
    if (budget_spend(x->xs, 1))
        return EXEC_TIMEOUT;
    if (len > FH_TOKEN_MAX)
        return 0; /* no query word has such a stem */
    if (fh_analyzer_is_stopword(x->e->an, term, len))
        return 0; /* في, إلى: the most frequent terms, which would crowd out the words
                     meant (a stop word is its own stem) */
    if (x->exp_n == x->exp_max) {
        /* full: only a term that comes before the root replaces it */
        fh_expansion cand;
        exp_set(&cand, term, len, ti->df);
        if (exp_cmp(&cand, &h[0]) > 0)
            return 0;
        h[0] = cand;
        exp_down(h, x->exp_n, 0);
        return 0;
    }
    uint32_t i = x->exp_n++;
    exp_set(&h[i], term, len, ti->df);
    exp_up(h, i);
    return 0;
}

/* The exact stem of a prefix clause (القوا* matches قو, query.c), and a
 * mixed word's last part itself (R-قوا*), join its expansions when the index
 * holds them; over the cap each takes the place of the last of the others:
 * it is the word most likely meant. Such a term is kept: it leaves the heap
 * (x->xs->exp[0 .. exp_n - exp_kept)) for the tail after it, so that a
 * second one evicts the heap's root, never the first (a walk met it too). */
static void exp_exact(xctx *x, const char *term, size_t len)
{
    fh_term_info ti;
    if (fh_term_get(x->s->rd, term, len, &ti) != 0)
        return;
    fh_expansion *h = x->xs->exp;
    uint32_t hn = x->exp_n - x->exp_kept;
    for (uint32_t i = 0; i < x->exp_n; i++) {
        if (h[i].len != len || memcmp(h[i].term, term, len) != 0)
            continue;
        if (i < hn) {
            /* in the heap: swap it with the heap's last, which takes its
               place, and the tail grows by it */
            fh_expansion t = h[i];
            h[i] = h[--hn];
            h[hn] = t;
            x->exp_kept++;
            if (i < hn) {
                exp_up(h, i);
                exp_down(h, hn, i);
            }
        }
        return;
    }
    if (x->exp_n < x->exp_max) {
        exp_set(&h[x->exp_n++], term, len, ti.df);
        x->exp_kept++;
        return;
    }
    if (hn == 0)
        return; /* every place is kept already */
    /* full: the root (the last in exp_cmp order) gives way; the heap's last
       takes its place, and its slot starts the tail */
    h[0] = h[--hn];
    exp_down(h, hn, 0);
    exp_set(&h[hn], term, len, ti.df);
    x->exp_kept++;
}

static int setup_term(xctx *x, citer *c, const fh_clause *cl)
{
    const fh_engine *e = x->e;
    fh_term_info ti;
    int rc = fh_term_get(x->s->rd, cl->term, cl->len, &ti);
    if (rc == FH_ENOTFOUND) {
        c->doc = FH_DOC_END;
        c->idf = idf_of(e, 0) * (float)cl->qtf;
        return 0;
    }
    if (rc)
        return rc;
    if ((rc = pool_open(x, cl->term, cl->len, &c->p)) != 0)
        return rc;
    if ((rc = post_settle(x->xs, c->p, c->mask, c->filter, e->n_fields)) != 0)
        return rc;
    c->doc = fh_postings_docid(c->p);
    double df = ti.df;
    if (c->filter) {
        df = 0;
        for (unsigned f = 0; f < e->n_fields; f++)
            if (c->mask & (1u << f))
                df += ti.df_field[f];
    }
    c->df_est = df;
    c->work_df = df;
    float w = !cl->is_alt || cl->is_spell ? 1.0f
              : cl->is_var                ? e->rp.tense_weight
                                          : e->rp.alt_weight;
    c->idf = idf_of(e, df) * (float)cl->qtf * w * cl->weight;
    c->ub = c->idf * sat(e, ntf_bound(e, c->mask, ti.max_tf, ti.min_len)) * UB_SLACK;
    return 0;
}

/* Byte order of terms a (al bytes) and b (bl bytes): a prefix first. */
static int term_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int d = memcmp(a, b, al < bl ? al : bl);
    return d ? d : (al > bl) - (al < bl);
}

/* Expansions in byte order (fh_expansion_find), for the highlight's lookups. */
static int exp_byte_cmp(const void *a, const void *b)
{
    const fh_expansion *x = a, *y = b;
    return term_cmp(x->term, x->len, y->term, y->len);
}

bool fh_expansion_find(const fh_expansion *x, uint32_t n, const char *t, size_t len)
{
    uint32_t lo = 0, hi = n; /* exp_byte_cmp order; the answer is in [lo, hi) */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int d = term_cmp(x[mid].term, x[mid].len, t, len);
        if (d == 0)
            return true;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

uint32_t fh_exec_expansions(const fh_searcher *s, uint32_t i, const fh_expansion **out)
{
    const struct fh_exec_scratch *xs = s->xs;
    *out = NULL;
    if (i >= FH_Q_MAX_CLAUSES || xs->rec_n[i] == 0)
        return 0;
    *out = xs->rec + xs->rec_first[i];
    return xs->rec_n[i];
}

/* Keep the x->exp_n expansions as clause i's, for the highlight. */
static int record_expansions(xctx *x, uint32_t i)
{
    struct fh_exec_scratch *xs = x->xs;
    uint32_t n = x->exp_n;
    if (n == 0)
        return 0; /* rec_n[i] stays 0 */
    if (xs->nrec + n > xs->rec_cap) {
        uint32_t cap = xs->rec_cap ? xs->rec_cap : 64;
        while (cap < xs->nrec + n)
            cap *= 2;
        fh_expansion *nr = realloc(xs->rec, sizeof *nr * cap);
        if (!nr)
            return FH_ENOMEM;
        xs->rec = nr;
        xs->rec_cap = cap;
    }
    memcpy(xs->rec + xs->nrec, xs->exp, sizeof *xs->exp * n);
    qsort(xs->rec + xs->nrec, n, sizeof *xs->rec, exp_byte_cmp);
    xs->rec_first[i] = xs->nrec;
    xs->rec_n[i] = n;
    xs->nrec += n;
    return 0;
}

/* Prefix: walk every dictionary term that starts with the prefix (and the
 * clause's second prefix, cl->alt, when it has one), stop words aside, and
 * keep the exp_max with the highest df (ties: shorter, then byte order), so the
 * cap is deterministic and keeps the words most likely meant, wherever they
 * sort. The walk costs one step per dictionary term in the prefix's range
 * (a one-letter Arabic prefix of a 460,000-term dictionary: about 50,000
 * terms, 2 ms warm), each a unit of the time budget; the selection is a heap
 * of exp_max. Every kept expansion opens a list: past POOL_MAX lists the
 * query is refused (FH_ELIMIT), never cut silently.
 *
 * walk_prefix leaves the expansions of prefix pre (pl bytes), of the second
 * prefix alt (al bytes, 0: none) and the exact terms ex and ex2 (xl, xl2
 * bytes, 0: none; see exp_exact) in x->xs->exp[0 .. x->exp_n), in exp_cmp
 * order. */
static int walk_prefix(xctx *x, const char *pre, size_t pl, const char *alt, size_t al,
                       const char *ex, size_t xl, const char *ex2, size_t xl2)
{
    x->exp_n = 0;
    x->exp_kept = 0;
    int rc = fh_term_prefix(x->s->rd, pre, pl, SIZE_MAX, exp_cb, x);
    /* the second prefix (الش* walks ش* too, query.c): never a prefix of
     * the first, so no term is met twice */
    if (rc == 0 && al > 0)
        rc = fh_term_prefix(x->s->rd, alt, al, SIZE_MAX, exp_cb, x);
    if (rc != 0)
        return rc; /* EXEC_TIMEOUT included */
    if (xl > 0)
        exp_exact(x, ex, xl);
    if (xl2 > 0)
        exp_exact(x, ex2, xl2);
    qsort(x->xs->exp, x->exp_n, sizeof *x->xs->exp, exp_cmp);
    return 0;
}

/* The union of the expansions' documents, as one word: its df lies between
 * the largest df_i and min(N, sum df_i); it is estimated as
 * N * (1 - prod(1 - df_i / N)) (the expansions taken as independent, as for
 * the estimated total), clamped to those bounds (*df; *hi the upper one).
 * The capped sum made the idf of a prefix with common expansions 0 on a
 * large index. Per field, max_tf gets the sum of their largest tfs and
 * min_len their smallest length (1 when none has the field). */
typedef struct union_est {
    double dfsum, dfmax, miss;
} union_est;

static void union_add(const fh_engine *e, union_est *u, const fh_term_info *ti, uint32_t *max_tf,
                      uint32_t *min_len)
{
    const double nd = (double)e->n_docs;
    u->dfsum += ti->df;
    if (ti->df > u->dfmax)
        u->dfmax = ti->df;
    if (nd > 0)
        u->miss *= 1.0 - ((double)ti->df < nd ? (double)ti->df / nd : 1.0);
    for (unsigned f = 0; f < e->n_fields; f++) {
        max_tf[f] += ti->max_tf[f];
        if (ti->max_tf[f] && ti->min_len[f] < min_len[f])
            min_len[f] = ti->min_len[f];
    }
}

static double union_df(const fh_engine *e, const union_est *u, double *hi)
{
    const double nd = (double)e->n_docs;
    double d = nd * (1.0 - u->miss);
    *hi = u->dfsum < nd ? u->dfsum : nd;
    return d < u->dfmax ? u->dfmax : d > *hi ? *hi : d;
}

/* Open the lists of the expansions x->xs->exp[0 .. x->exp_n) into the pool
 * (in that order, after what is there), each moved to a doc with a tf in
 * c->mask when settle is set, and keep them as clause i's. *n gets the
 * number opened, the union's estimate and bounds go to u, max_tf, min_len
 * (union_add). */
static int open_expansions(xctx *x, citer *c, uint32_t i, bool settle, uint32_t *n, union_est *u,
                           uint32_t *max_tf, uint32_t *min_len)
{
    const fh_engine *e = x->e;
    int rc;
    *n = 0;
    *u = (union_est){0, 0, 1.0};
    for (unsigned f = 0; f < FH_MAX_FIELDS; f++) {
        max_tf[f] = 0;
        min_len[f] = UINT32_MAX;
    }
    for (uint32_t k = 0; k < x->exp_n; k++) {
        fh_term_info ti;
        const fh_expansion *ex = &x->xs->exp[k];
        if ((rc = fh_term_get(x->s->rd, ex->term, ex->len, &ti)) != 0)
            return rc == FH_ENOTFOUND ? FH_ECORRUPT : rc;
        fh_postings *p;
        if ((rc = pool_open(x, ex->term, ex->len, &p)) != 0)
            return rc;
        if (settle && (rc = post_settle(x->xs, p, c->mask, c->filter, e->n_fields)) != 0)
            return rc;
        (*n)++;
        union_add(e, u, &ti, max_tf, min_len);
    }
    for (unsigned f = 0; f < FH_MAX_FIELDS; f++)
        if (min_len[f] == UINT32_MAX)
            min_len[f] = 1;
    return record_expansions(x, i);
}

/* A PREFIX clause (clause i): the union of its expansions. */
static int setup_prefix(xctx *x, citer *c, const fh_clause *cl, uint32_t i)
{
    const fh_engine *e = x->e;
    int rc =
        walk_prefix(x, cl->term, cl->len, cl->alt, cl->alt_len, cl->norm, cl->norm_len, NULL, 0);
    if (rc != 0)
        return rc;
    c->sub = &x->xs->pool[x->xs->npool];
    uint32_t max_tf[FH_MAX_FIELDS], min_len[FH_MAX_FIELDS];
    union_est u;
    if ((rc = open_expansions(x, c, i, true, &c->nsub, &u, max_tf, min_len)) != 0)
        return rc;
    double hi;
    c->df_est = union_df(e, &u, &hi);
    c->work_df = hi;
    c->idf = idf_of(e, c->df_est) * (float)cl->qtf;
    c->ub = c->idf * sat(e, ntf_bound(e, c->mask, max_tf, min_len)) * UB_SLACK;
    return prefix_settle(e, c);
}

/* Open the lists of the phrase words q->el[first, first + n) as c->sub with
 * their relative positions; q->el_idf gets each word's idf. *live = false
 * when a word that is not a stop word is absent from the index (nothing can
 * match); a stop word the index dropped is a wildcard. With pcl (a mixed
 * word typed with a '*', clause ci) the last word is a prefix: the union of
 * its expansions (walk_prefix with pcl's second prefix and completion, the
 * word itself kept when the index holds it), a word like the others, whose
 * df is the union's estimate (union_df); none is as an absent word. For the
 * live words: *idf the sum of their idfs, *dfmin their smallest df, *prob the
 * product of their df / N, and max_tf / min_len the phrase's per-field
 * bounds (max_tf = UINT32_MAX where no word bounds it). */
static int open_phrase(xctx *x, citer *c, fh_query *q, uint32_t first, uint32_t n,
                       const fh_clause *pcl, uint32_t ci, bool *live, float *idf, double *dfmin,
                       double *prob, uint32_t *max_tf, uint32_t *min_len)
{
    const fh_engine *e = x->e;
    const double nd = (double)e->n_docs;
    for (unsigned f = 0; f < FH_MAX_FIELDS; f++) {
        max_tf[f] = UINT32_MAX;
        min_len[f] = 0;
    }
    c->sub = &x->xs->pool[x->xs->npool];
    c->nsub = 0;
    c->nu = 0;
    *live = true;
    *idf = 0;
    *dfmin = nd;
    *prob = 1.0;
    for (uint32_t k = 0; k < n; k++) {
        const fh_qelem *el = &q->el[first + k];
        const bool pre = pcl && k + 1 == n && el->len > 0;
        fh_term_info ti;
        uint32_t umax[FH_MAX_FIELDS], umin[FH_MAX_FIELDS];
        const uint32_t *tmax = ti.max_tf, *tmin = ti.min_len; /* the word's bounds */
        double df = 0;
        int rc;
        if (pre) {
            if (!*live)
                break; /* nothing can match: no walk */
            uint32_t nu = 0;
            union_est u;
            if ((rc = walk_prefix(x, el->term, el->len, pcl->alt, pcl->alt_len, el->term, el->len,
                                  pcl->norm, pcl->norm_len)) != 0 ||
                (rc = open_expansions(x, c, ci, false, &nu, &u, umax, umin)) != 0)
                return rc;
            rc = nu ? 0 : FH_ENOTFOUND; /* no expansion: as an absent word */
            if (nu) {
                double hi;
                df = union_df(e, &u, &hi);
                tmax = umax;
                tmin = umin;
                c->nu = nu;
            }
        } else {
            rc = el->len ? fh_term_get(x->s->rd, el->term, el->len, &ti) : FH_ENOTFOUND;
            df = rc ? 0 : (double)ti.df;
        }
        if (rc == FH_ENOTFOUND) {
            q->el_idf[first + k] = idf_of(e, 0);
            if (el->len > 0)
                *live = false; /* every token is indexed, stop words too: the
                                  phrase cannot occur; a word that analyzes to
                                  no term holds no position to test */
            continue;
        }
        if (rc)
            return rc;
        float wi = idf_of(e, df);
        q->el_idf[first + k] = wi;
        if (!*live)
            continue;
        fh_postings *p;
        if (!pre && (rc = pool_open(x, el->term, el->len, &p)) != 0)
            return rc; /* (a union's lists are open already) */
        c->rel[c->nsub++] = el->rel;
        *idf += wi;
        if (df < *dfmin)
            *dfmin = df;
        if (nd > 0)
            *prob *= df < nd ? df / nd : 1.0;
        for (unsigned f = 0; f < e->n_fields; f++) {
            if (tmax[f] < max_tf[f])
                max_tf[f] = tmax[f];
            if (tmin[f] > min_len[f])
                min_len[f] = tmin[f];
        }
    }
    if (!*live) {
        c->nsub = 0;
        c->nu = 0;
    }
    return 0;
}

static int setup_phrase(xctx *x, citer *c, const fh_clause *cl, fh_query *q)
{
    const fh_engine *e = x->e;
    uint32_t max_tf[FH_MAX_FIELDS], min_len[FH_MAX_FIELDS];
    float idf;
    double dfmin, prob;
    bool live;
    int rc = open_phrase(x, c, q, cl->first_el, cl->n_el, NULL, 0, &live, &idf, &dfmin, &prob,
                         max_tf, min_len);
    if (rc)
        return rc;
    c->idf = idf * (float)cl->qtf;
    if (!live || c->nsub == 0) {
        c->doc = FH_DOC_END;
        c->ub = 0;
        return 0;
    }
    for (unsigned f = 0; f < FH_MAX_FIELDS; f++)
        if (max_tf[f] == UINT32_MAX)
            max_tf[f] = 0;
    c->df_est = dfmin;
    c->work_df = dfmin;
    c->ub = c->idf * sat(e, ntf_bound(e, c->mask, max_tf, min_len)) * UB_SLACK;
    return phrase_settle(e, c);
}

/* A mixed word (see query.c): its whole term OR the phrase of its parts.
 *
 * Weight: the union's df is at least the whole's (and, as every occurrence
 * of the whole is also one of its parts in a row, at most the phrase's); it
 * is estimated as max(df_whole, N * prod(df_i / N)) over the parts, the
 * second the phrase's df if its words were independent. So a word the
 * index holds whole keeps its term's idf, and one it does not (R1 written
 * only inside DeepSeek-R1) gets about the rarity of its parts together, as
 * a quoted phrase does (whose weight is the sum of its words' idfs). df_est
 * (the estimated total, the pruning decision) is max(df_whole, the parts'
 * smallest df), an upper bound like a phrase's.
 *
 * Typed with a '*' (R1*: cl->last_prefix), the last part is a prefix, the
 * union of its expansions (open_phrase): r 1* finds R1, R10, DeepSeek-R1
 * and DeepSeek-R10; the whole term is still the word typed (r1), whose
 * every occurrence the phrase holds too. */
static int setup_mixed(xctx *x, citer *c, const fh_clause *cl, fh_query *q, uint32_t ci)
{
    const fh_engine *e = x->e;
    const double nd = (double)e->n_docs;
    fh_term_info ti;
    double dfw = 0;
    uint32_t wmax[FH_MAX_FIELDS] = {0}, wmin[FH_MAX_FIELDS] = {0};
    c->p = NULL;
    int rc = fh_term_get(x->s->rd, cl->term, cl->len, &ti);
    if (rc && rc != FH_ENOTFOUND)
        return rc;
    if (rc == 0) {
        if ((rc = pool_open(x, cl->term, cl->len, &c->p)) != 0 ||
            (rc = post_settle(x->xs, c->p, c->mask, c->filter, e->n_fields)) != 0)
            return rc;
        dfw = ti.df;
        if (c->filter) {
            dfw = 0;
            for (unsigned f = 0; f < e->n_fields; f++)
                if (c->mask & (1u << f))
                    dfw += ti.df_field[f];
        }
        memcpy(wmax, ti.max_tf, sizeof wmax);
        memcpy(wmin, ti.min_len, sizeof wmin);
    }
    uint32_t max_tf[FH_MAX_FIELDS], min_len[FH_MAX_FIELDS];
    float pidf;
    double dfmin, prob;
    bool live;
    if ((rc = open_phrase(x, c, q, cl->first_el, cl->n_el, cl->last_prefix ? cl : NULL, ci, &live,
                          &pidf, &dfmin, &prob, max_tf, min_len)) != 0)
        return rc;
    /* the union's bounds: per field the larger tf and the smaller length */
    for (unsigned f = 0; f < FH_MAX_FIELDS; f++) {
        if (c->nsub == 0 || max_tf[f] == UINT32_MAX)
            max_tf[f] = 0;
        if (wmax[f] && (!max_tf[f] || wmin[f] < min_len[f]))
            min_len[f] = wmin[f];
        if (wmax[f] > max_tf[f])
            max_tf[f] = wmax[f];
    }
    double du = dfw, dmax = dfw;
    if (c->nsub > 0) {
        if (nd * prob > du)
            du = nd * prob;
        if (dfmin > dmax)
            dmax = dfmin;
    }
    c->df_est = dmax;
    c->work_df = dmax;
    c->idf = idf_of(e, du) * (float)cl->qtf;
    c->pdoc = FH_DOC_END;
    if (!c->p && c->nsub == 0) {
        c->doc = FH_DOC_END;
        c->ub = 0;
        return 0;
    }
    c->ub = c->idf * sat(e, ntf_bound(e, c->mask, max_tf, min_len)) * UB_SLACK;
    if (c->nsub > 0 && (rc = phrase_align(e, c, &c->pdoc, c->ptf)) != 0)
        return rc;
    return mixed_settle(e, c);
}

static void release(xctx *x)
{
    struct fh_exec_scratch *xs = x->xs;
    for (uint32_t i = 0; i < xs->npool; i++)
        fh_postings_free(xs->pool[i]);
    xs->npool = 0;
}

/* ------------------------------------------------------------- top-k heap */

typedef struct heap {
    fh_hit *h;
    uint32_t n, k;
} heap;

/* a is worse than b: lower score, or equal score and a later docid */
static inline bool worse(const fh_hit *a, const fh_hit *b)
{
    return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

/* Sift hp->h[i] down: the worse child moves up into the hole until x is no
 * worse than it (one store per level rather than a swap). */
static void heap_down(heap *hp, uint32_t i)
{
    fh_hit *h = hp->h;
    const uint32_t n = hp->n;
    const fh_hit x = h[i];
    for (;;) {
        uint32_t l = 2 * i + 1, m;
        if (l >= n)
            break;
        m = l + 1 < n && worse(&h[l + 1], &h[l]) ? l + 1 : l;
        if (!worse(&h[m], &x))
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

/* Offer a hit; returns true if theta (the k-th score) may have changed. */
static bool heap_offer(heap *hp, uint32_t doc, float score)
{
    fh_hit x = {doc, score};
    if (hp->n < hp->k) {
        uint32_t i = hp->n++;
        hp->h[i] = x;
        while (i > 0) {
            uint32_t p = (i - 1) / 2;
            if (!worse(&hp->h[i], &hp->h[p]))
                break;
            fh_hit t = hp->h[i];
            hp->h[i] = hp->h[p];
            hp->h[p] = t;
            i = p;
        }
        return hp->n == hp->k;
    }
    if (!worse(&hp->h[0], &x))
        return false;
    hp->h[0] = x;
    heap_down(hp, 0);
    return true;
}

static int hit_cmp(const void *a, const void *b)
{
    const fh_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->doc < y->doc ? -1 : (x->doc > y->doc);
}

static int hit_doc_cmp(const void *a, const void *b)
{
    const fh_hit *x = a, *y = b;
    return x->doc < y->doc ? -1 : (x->doc > y->doc);
}

/* ------------------------------------------------------------- proximity */

/* Sum over occurrences of a of 1/d^2, d the distance to the nearest b within
 * the window. */
static float pair_tp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t win)
{
    float tp = 0;
    size_t j = 0;
    for (size_t i = 0; i < na; i++) {
        while (j + 1 < nb && b[j + 1] <= a[i])
            j++;
        uint32_t best = UINT32_MAX;
        if (b[j] <= a[i])
            best = a[i] - b[j];
        else
            best = b[j] - a[i];
        if (j + 1 < nb && b[j + 1] > a[i] && b[j + 1] - a[i] < best)
            best = b[j + 1] - a[i];
        if (best > 0 && best <= win)
            tp += 1.0f / (float)(best * best);
    }
    return tp;
}

/* Sequential-dependence counts for one pair of position lists: *ord = the
 * occurrences of a followed by b within ow positions, *unord = those of a with
 * a b within uw positions on either side. */
static void pair_sdm(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t ow,
                     uint32_t uw, uint32_t *ord, uint32_t *unord)
{
    uint32_t o = 0, u = 0;
    size_t j = 0; /* first b > a[i] */
    for (size_t i = 0; i < na; i++) {
        while (j < nb && b[j] <= a[i])
            j++;
        uint32_t after = j < nb ? b[j] - a[i] : UINT32_MAX;
        uint32_t before = j > 0 ? a[i] - b[j - 1] : UINT32_MAX;
        if (after <= ow)
            o++;
        if (after <= uw || before <= uw)
            u++;
    }
    *ord = o;
    *unord = u;
}

/* The best window of `win` positions: the largest sum of w[t] over the
 * distinct terms t with an occurrence inside it. pos[t][0..np[t]) sorted. */
static float best_passage(const uint32_t *const *pos, const size_t *np, const float *w,
                          uint32_t nt, uint32_t win)
{
    size_t at[PROX_MAX_TERMS] = {0};
    uint32_t q[512], qt[512]; /* merged occurrences, capped */
    uint32_t n = 0;
    while (n < 512) { /* k-way merge */
        uint32_t bt = UINT32_MAX, bp = UINT32_MAX;
        for (uint32_t t = 0; t < nt; t++)
            if (at[t] < np[t] && pos[t][at[t]] < bp) {
                bp = pos[t][at[t]];
                bt = t;
            }
        if (bt == UINT32_MAX)
            break;
        q[n] = bp;
        qt[n++] = bt;
        at[bt]++;
    }
    uint32_t cnt[PROX_MAX_TERMS] = {0};
    float cur = 0, best = 0;
    for (uint32_t i = 0, j = 0; i < n; i++) {
        if (cnt[qt[i]]++ == 0)
            cur += w[qt[i]];
        while (q[i] - q[j] >= win) {
            if (--cnt[qt[j]] == 0)
                cur -= w[qt[j]];
            j++;
        }
        if (cur > best)
            best = cur;
    }
    return best;
}

/* Re-rank hits[0..n) (BM25F scores) with the proximity bonus
 *   prox_weight * sum over term pairs (i<j) of
 *     min(idf_i, idf_j) * tp * (k1 + 1) / (k1 + tp)
 * where tp sums 1/d^2 over the occurrences of i whose nearest j, in the same
 * field, is d <= prox_window positions away. A word restricted to fields
 * (title:word) takes part only where it occurs in them. */
static int prox_rerank(xctx *x, fh_query *q, fh_hit *hits, uint32_t n)
{
    const fh_engine *e = x->e;
    /* per query word: its light-stem list tp and, when the word has an alt
     * clause (alt_pos), the alt list ta: a document without the light stem
     * takes the word's positions from the alt stem, at the alt weight */
    fh_postings *tp[PROX_MAX_TERMS], *ta[PROX_MAX_TERMS];
    float tidf[PROX_MAX_TERMS], aidf[PROX_MAX_TERMS];
    uint32_t tmask[PROX_MAX_TERMS]; /* the fields the word may match in (title:word) */
    uint32_t nt = 0;
    int rc = 0;
    for (uint32_t i = 0; i < q->n_cl && nt < PROX_MAX_TERMS; i++) {
        const fh_clause *cl = &q->cl[i];
        /* a mixed word takes part by its whole term (the documents that
         * hold only its parts get no proximity for it, as a phrase) */
        if ((cl->kind != FH_CL_TERM && cl->kind != FH_CL_MIXED) || cl->occur == FH_OCC_NOT ||
            cl->is_alt)
            continue;
        int ax = e->rp.alt_pos && cl->alt_ix >= 0 && x->xs->it[cl->alt_ix].p != NULL
                     ? cl->alt_ix
                     : -1;
        if (x->xs->it[i].p == NULL && ax < 0)
            continue;
        tp[nt] = ta[nt] = NULL;
        if (x->xs->it[i].p != NULL && (rc = pool_open(x, cl->term, cl->len, &tp[nt])) != 0)
            return rc;
        if (ax >= 0 && (rc = pool_open(x, q->cl[ax].term, q->cl[ax].len, &ta[nt])) != 0)
            return rc;
        aidf[nt] = ax >= 0 ? x->xs->it[ax].idf / (float)(q->cl[ax].qtf ? q->cl[ax].qtf : 1u) *
                                 (float)cl->qtf
                           : 0;
        tidf[nt] = tp[nt] ? x->xs->it[i].idf : aidf[nt];
        tmask[nt] = cl->field_mask;
        nt++;
    }
    if (nt < 1 || (nt < 2 && e->rp.lead_weight <= 0 && e->rp.cover_weight <= 0 &&
                    e->rp.pass_weight <= 0 && e->rp.len_weight == 0 && e->rp.order_weight <= 0))
        return 0;
    const bool sdm = e->rp.sdm_o_weight > 0 || e->rp.sdm_u_weight > 0;
    float idf_all = 0;
    for (uint32_t t = 0; t < nt; t++)
        idf_all += tidf[t];
    qsort(hits, n, sizeof *hits, hit_doc_cmp);
    const uint32_t *pos[PROX_MAX_TERMS];
    size_t np[PROX_MAX_TERMS];
    for (uint32_t h = 0; h < n; h++) {
        uint32_t d = hits[h].doc;
        bool on[PROX_MAX_TERMS];
        fh_postings *src[PROX_MAX_TERMS];
        float wt[PROX_MAX_TERMS];
        for (uint32_t t = 0; t < nt; t++) {
            on[t] = false;
            src[t] = NULL;
            wt[t] = 0;
            if (tp[t]) {
                if ((rc = fh_postings_seek(tp[t], d)) != 0)
                    return rc;
                if (fh_postings_docid(tp[t]) == d) {
                    on[t] = true;
                    src[t] = tp[t];
                    wt[t] = tidf[t];
                }
            }
            if (!on[t] && ta[t]) {
                if ((rc = fh_postings_seek(ta[t], d)) != 0)
                    return rc;
                if (fh_postings_docid(ta[t]) == d) {
                    on[t] = true;
                    src[t] = ta[t];
                    wt[t] = aidf[t];
                }
            }
            /* a field-restricted word (title:word) is on only in its fields:
               elsewhere it earns no re-rank bonus, as it earns no BM25F */
            if (on[t] && !masked_hit(src[t], tmask[t], e->n_fields))
                on[t] = false;
        }
        float bonus = 0, lead = 0, idf_on = 0, dep = 0, pass = 0, order = 0;
        for (uint32_t t = 0; t < nt; t++)
            if (on[t])
                idf_on += wt[t];
        for (unsigned f = 0; f < e->n_fields; f++) {
            const float lw = (int)f == e->title_field ? e->rp.lead_title * e->weight[f]
                                                      : e->weight[f];
            for (uint32_t t = 0; t < nt; t++) {
                np[t] = 0;
                if (on[t] && (tmask[t] & (1u << f)) && fh_postings_tfs(src[t])[f] &&
                    (rc = fh_postings_positions(src[t], f, &pos[t], &np[t])) != 0)
                    return rc;
                if (np[t] && e->rp.lead_weight > 0)
                    lead += lw * wt[t] * (float)e->rp.lead_len /
                            (float)(e->rp.lead_len + pos[t][0]);
            }
            if (e->rp.pass_weight > 0) {
                float bp = e->weight[f] * best_passage(pos, np, wt, nt, e->rp.pass_window);
                if (bp > pass)
                    pass = bp;
            }
            for (uint32_t a = 0; sdm && a + 1 < nt; a++) {
                if (!np[a] || !np[a + 1])
                    continue;
                uint32_t co, cu;
                pair_sdm(pos[a], np[a], pos[a + 1], np[a + 1], e->rp.sdm_o_window,
                         e->rp.sdm_u_window, &co, &cu);
                float w = wt[a] < wt[a + 1] ? wt[a] : wt[a + 1];
                dep += e->weight[f] * w * (e->rp.sdm_o_weight * sat(e, (float)co) +
                                           e->rp.sdm_u_weight * sat(e, (float)cu));
            }
            for (uint32_t a = 0; e->rp.order_weight > 0 && !q->question && a < nt; a++) {
                if (!np[a])
                    continue;
                for (uint32_t b = a + 1; b < nt; b++)
                    if (np[b] && pos[a][0] < pos[b][0])
                        order += e->weight[f] * (wt[a] < wt[b] ? wt[a] : wt[b]);
            }
            for (uint32_t a = 0; e->rp.prox_weight > 0 && a < nt; a++) {
                if (!np[a])
                    continue;
                for (uint32_t b = a + 1; b < nt; b++) {
                    if (!np[b])
                        continue;
                    float t = pair_tp(pos[a], np[a], pos[b], np[b], e->rp.prox_window);
                    if (t > 0) {
                        float w = wt[a] < wt[b] ? wt[a] : wt[b];
                        bonus += e->weight[f] * w * t * (e->rp.k1 + 1.0f) / (e->rp.k1 + t);
                    }
                }
            }
        }
        float cov = idf_all > 0 ? idf_on / idf_all : 0;
        if (e->rp.len_weight != 0 && e->body_field >= 0)
            hits[h].score += e->rp.len_weight *
                             logf(1.0f + (float)e->lens[e->body_field][d] / e->avg[e->body_field]);
        hits[h].score += e->rp.prox_weight * bonus + e->rp.lead_weight * lead + dep +
                         e->rp.pass_weight * pass + e->rp.order_weight * order +
                         e->rp.cover_weight * cov * cov * idf_all;
    }
    return 0;
}

/* Add the deferred alternative-stem clauses' scores to hits[0..n) (any
 * order; left sorted by docid). */
static int alt_rerank(xctx *x, const uint32_t *alt, uint32_t nalt, fh_hit *hits, uint32_t n)
{
    int rc;
    qsort(hits, n, sizeof *hits, hit_doc_cmp);
    for (uint32_t h = 0; h < n; h++) {
        for (uint32_t i = 0; i < nalt; i++) {
            citer *c = &x->xs->it[alt[i]];
            if ((rc = citer_seek(x->e, c, hits[h].doc)) != 0)
                return rc;
            if (c->doc == hits[h].doc)
                hits[h].score += citer_score(x->e, c);
        }
    }
    return 0;
}

/* ------------------------------------------------------------- top-k */

typedef struct plan {
    uint32_t should[FH_Q_MAX_CLAUSES], must[FH_Q_MAX_CLAUSES], nots[FH_Q_MAX_CLAUSES];
    uint32_t nshould, nmust, nnot;
} plan;

/* Exact total of a pure OR query with one list (plus terms absent from the
 * index): the list's length, so the total need not be estimated however much
 * pruning skips. Only for a plain TERM clause over all fields. */
static bool single_list_total(const struct fh_exec_scratch *xs, const plan *pl, uint64_t *out)
{
    uint32_t live = 0;
    *out = 0;
    for (uint32_t i = 0; i < pl->nshould; i++) {
        const citer *c = &xs->it[pl->should[i]];
        if (c->kind != FH_CL_TERM)
            return false;
        if (!c->p)
            continue; /* absent from the index */
        if (c->filter || ++live > 1)
            return false;
        *out = (uint64_t)c->df_est; /* df, an exact integer */
    }
    return true;
}

/* One list of the batch OR loop: the iterator's decoded block, walked by
 * index. */
typedef struct blist {
    fh_postings *p;
    const uint32_t *docs, *tfs;
    size_t n, at;
    uint32_t cur;
    float idf;
} blist;

/* A pure OR of plain TERM clauses evaluated without pruning (its lists are
 * short and the exact total is promised): the same candidates, scores (same
 * float operations in the same order: clauses by ascending bound, fields in
 * order) and heap offers as the generic loop, but over the decoded blocks
 * (fh_postings_batch) without a call per document. */
static bool or_batch_ok(const struct fh_exec_scratch *xs, const plan *pl)
{
    if (pl->nmust || pl->nnot)
        return false;
    for (uint32_t i = 0; i < pl->nshould; i++) {
        const citer *c = &xs->it[pl->should[i]];
        if (c->kind != FH_CL_TERM || c->filter)
            return false;
    }
    return true;
}

static int or_batch(xctx *x, const plan *pl, heap *hp, fh_exec_stats *st, uint64_t *ncandp)
{
    const fh_engine *e = x->e;
    struct fh_exec_scratch *xs = x->xs;
    const unsigned nf = e->n_fields;
    const float k1 = e->rp.k1;
    blist L[FH_Q_MAX_CLAUSES];
    uint32_t m = 0;
    uint64_t ncand = 0;
    int rc;
    for (uint32_t i = 0; i < pl->nshould; i++) {
        const citer *c = &xs->it[xs->ord[i]];
        if (c->doc == FH_DOC_END || !c->p)
            continue;
        blist *b = &L[m];
        b->p = c->p;
        b->n = fh_postings_batch(c->p, &b->docs, &b->tfs);
        b->at = 0;
        b->cur = b->n ? b->docs[0] : FH_DOC_END;
        b->idf = c->idf;
        m++;
    }
    for (;;) {
        uint32_t d = FH_DOC_END;
        for (uint32_t j = 0; j < m; j++)
            if (L[j].cur < d)
                d = L[j].cur;
        if (d == FH_DOC_END)
            break;
        float sc = 0;
        for (uint32_t j = 0; j < m; j++) {
            blist *b = &L[j];
            if (b->cur != d)
                continue;
            const uint32_t *t = b->tfs + b->at * nf;
            float ntf = 0;
            for (unsigned f = 0; f < nf; f++)
                if (t[f])
                    ntf += e->wnorm[f][d] * (float)t[f];
            sc += b->idf * (ntf * (k1 + 1.0f) / (k1 + ntf));
            if (++b->at < b->n) {
                b->cur = b->docs[b->at];
                if (b->at + PF_AHEAD / 2 < b->n)
                    for (unsigned f = 0; f < nf; f++)
                        __builtin_prefetch(&e->wnorm[f][b->docs[b->at + PF_AHEAD / 2]]);
                continue;
            }
            if ((rc = fh_postings_seek(b->p, d + 1)) != 0)
                return rc;
            b->n = fh_postings_batch(b->p, &b->docs, &b->tfs);
            b->at = 0;
            b->cur = b->n ? b->docs[0] : FH_DOC_END;
            for (size_t k = 0; k < b->n && k < PF_AHEAD / 2; k++)
                for (unsigned f = 0; f < nf; f++)
                    __builtin_prefetch(&e->wnorm[f][b->docs[k]]);
        }
        ncand++;
        if (budget_spend(xs, 1)) {
            st->timed_out = true;
            break;
        }
        st->total++;
        /* heap_offer's own first test, inline: most candidates lose */
        if (hp->n < hp->k || sc > hp->h[0].score || (sc == hp->h[0].score && d < hp->h[0].doc))
            heap_offer(hp, d, sc);
    }
    *ncandp = ncand;
    return 0;
}

static inline float bl_score(const fh_engine *e, const blist *b, uint32_t d)
{
    const uint32_t *t = b->tfs + b->at * e->n_fields;
    float ntf = 0;
    for (unsigned f = 0; f < e->n_fields; f++)
        if (t[f])
            ntf += e->wnorm[f][d] * (float)t[f];
    return b->idf * sat(e, ntf);
}

static inline int bl_refill(blist *b)
{
    b->n = fh_postings_batch(b->p, &b->docs, &b->tfs);
    b->at = 0;
    b->cur = b->n ? b->docs[0] : FH_DOC_END;
    return 0;
}

/* Next document (an essential list), prefetching norms ahead. */
static inline int bl_next(const fh_engine *e, blist *b)
{
    if (++b->at < b->n) {
        b->cur = b->docs[b->at];
        if (b->at + PF_AHEAD / 2 < b->n)
            for (unsigned f = 0; f < e->n_fields; f++)
                __builtin_prefetch(&e->wnorm[f][b->docs[b->at + PF_AHEAD / 2]]);
        return 0;
    }
    uint32_t nx = b->docs[b->n - 1] + 1u;
    int rc = fh_postings_seek(b->p, nx);
    if (rc)
        return rc;
    bl_refill(b);
    for (size_t k = 0; k < b->n && k < PF_AHEAD / 2; k++)
        for (unsigned f = 0; f < e->n_fields; f++)
            __builtin_prefetch(&e->wnorm[f][b->docs[k]]);
    return 0;
}

/* First document >= target. */
static inline int bl_seek(blist *b, uint32_t target)
{
    if (b->cur >= target)
        return 0; /* FH_DOC_END included */
    if (target <= b->docs[b->n - 1]) {
        b->at = fh_docs_lower_bound(b->docs, b->at + 1, b->n - 1, target);
        b->cur = b->docs[b->at];
        return 0;
    }
    int rc = fh_postings_seek(b->p, target);
    if (rc)
        return rc;
    return bl_refill(b);
}

/* The two live lists of a pure OR of plain TERM clauses, in ascending bound
 * order, or false if there are not exactly two. */
static bool two_lists(struct fh_exec_scratch *xs, const plan *pl, citer **lo, citer **hi)
{
    citer *c2[2];
    uint32_t m = 0;
    for (uint32_t i = 0; i < pl->nshould; i++) {
        citer *c = &xs->it[xs->ord[i]];
        if (c->doc == FH_DOC_END || !c->p)
            continue;
        if (m == 2)
            return false;
        c2[m++] = c;
    }
    if (m != 2)
        return false;
    *lo = c2[0];
    *hi = c2[1];
    return true;
}

/* Two lists whose exact total is promised (or_batch's case when the query
 * has two live lists): MaxScore-pruned scoring with an exact count.
 * a = the list with the lower bound, b = the other. While a document of a
 * alone could still enter the heap, both lists are merged and every
 * document scored, as in or_batch. Once theta (the heap's k-th score)
 * reaches a's bound, a document of a alone cannot enter: from then on only
 * b's documents are candidates; for each, a is advanced to it (a seek in a
 * decoded block; blocks of a with no document of b are never decoded) and
 * a's score is computed only if b's score plus a's bound can beat theta.
 * b's score itself is skipped while the bound of b's block plus a's bound
 * cannot beat theta. The documents of a alone are then counted, not
 * visited: the total is (documents merged) + (b's documents since) +
 * (a's documents since) - (documents of both since), with a's count from
 * its df, which is exactly its list's length.
 * The scores are those of or_batch: (0 + s_a) + s_b, or 0 + s of the one list
 * holding the document; a pruned document cannot beat theta (docids grow,
 * so on an equal score the heap's root wins the tie), so the heap ends with
 * the same hits. */
static int or2_batch(xctx *x, citer *ca, citer *cb, heap *hp, fh_exec_stats *st, uint64_t *ncandp)
{
    const fh_engine *e = x->e;
    struct fh_exec_scratch *xs = x->xs;
    blist A = {ca->p, NULL, NULL, 0, 0, 0, ca->idf}, B = {cb->p, NULL, NULL, 0, 0, 0, cb->idf};
    bl_refill(&A);
    bl_refill(&B);
    const float ua = ca->ub * UB_SLACK; /* a's bound, as ms_batch's cum[0] */
    float theta = -INFINITY;
    uint64_t ncand = 0, total = 0, a_used = 0, nb = 0, both = 0, a_rest;
    uint32_t blast = 0; /* last docid of b's block whose bound is bbound */
    float bbound = -INFINITY;
    bool bvalid = false;
    int rc;
    /* phase 1: a is essential — the plain merge */
    while (!(hp->n == hp->k && ua <= theta)) {
        uint32_t d = A.cur < B.cur ? A.cur : B.cur;
        if (d == FH_DOC_END)
            goto done;
        float sc = 0;
        if (A.cur == d) {
            sc += bl_score(e, &A, d);
            a_used++;
            if ((rc = bl_next(e, &A)) != 0)
                return rc;
        }
        if (B.cur == d) {
            sc += bl_score(e, &B, d);
            if ((rc = bl_next(e, &B)) != 0)
                return rc;
        }
        ncand++;
        if (budget_spend(xs, 1)) {
            st->timed_out = true;
            goto done;
        }
        total++;
        if ((hp->n < hp->k || sc > hp->h[0].score ||
             (sc == hp->h[0].score && d < hp->h[0].doc)) &&
            heap_offer(hp, d, sc) && hp->n == hp->k)
            theta = hp->h[0].score;
    }
    /* phase 2: only b's documents are candidates */
    while (B.cur != FH_DOC_END) {
        uint32_t d = B.cur;
        if ((rc = bl_seek(&A, d)) != 0)
            return rc;
        bool ina = A.cur == d;
        both += ina;
        nb++;
        if (!bvalid || d > blast) {
            bbound = citer_block_ub_last(e, cb, d, &blast) * UB_SLACK;
            bvalid = true;
        }
        if (bbound + ua > theta) {
            float sb = bl_score(e, &B, d);
            if (sb + (ina ? ua : 0.0f) > theta) {
                float sc = 0;
                if (ina)
                    sc += bl_score(e, &A, d);
                sc += sb;
                if (sc > theta || (sc == theta && d < hp->h[0].doc)) {
                    if (heap_offer(hp, d, sc))
                        theta = hp->h[0].score;
                }
            }
        }
        if ((rc = bl_next(e, &B)) != 0)
            return rc;
        ncand++;
        if (budget_spend(xs, 1)) {
            st->timed_out = true;
            break;
        }
    }
    /* a's documents not merged in phase 1, less those also in b (a list
     * holds exactly df documents, but a count must not wrap) */
    a_rest = (uint64_t)ca->df_est > a_used ? (uint64_t)ca->df_est - a_used : 0;
    total += nb + (a_rest > both ? a_rest - both : 0);
done:
    st->total += total;
    *ncandp = ncand;
    return 0;
}

/* A pure OR candidate's score: its SHOULD clauses' scores part[0..n) (0 for
 * a clause it does not match) added in ord order. MaxScore adds the essential
 * clauses' scores first and probes the non-essential ones after, so the order
 * of its partial sums depends on which clauses were essential when the
 * candidate came, which depends on theta, hence on k (limit + offset): a
 * document could score an ulp apart at two k and swap with a tied one, and a
 * page of one query would repeat a hit that the next page shows again and skip
 * another. Summed in this one order the score is the exhaustive loop's, bit
 * for bit (adding a 0 changes no float). */
static inline float sum_ord(const float *part, uint32_t n)
{
    float sc = 0;
    for (uint32_t i = 0; i < n; i++)
        sc += part[i];
    return sc;
}

typedef struct ms_out {
    uint64_t ncand;
    bool pruned_any;
} ms_out;

/* MaxScore with block-max skipping for a pure OR of plain TERM clauses, over
 * the decoded blocks: the generic loop of topk_loop step for step — the same
 * candidates, bounds, tests, float operations in the same order and heap
 * offers — without a call per document or per probe within a block. */
static int ms_batch(xctx *x, heap *hp, uint32_t nshould, fh_exec_stats *st, ms_out *mo)
{
    const fh_engine *e = x->e;
    struct fh_exec_scratch *xs = x->xs;
    blist L[FH_Q_MAX_CLAUSES];
    int rc;
    for (uint32_t i = 0; i < nshould; i++) {
        const citer *c = &xs->it[xs->ord[i]];
        blist *b = &L[i];
        b->p = c->p;
        b->idf = c->idf;
        if (!c->p || c->doc == FH_DOC_END) {
            b->n = 0;
            b->at = 0;
            b->cur = FH_DOC_END;
            b->docs = b->tfs = NULL;
            continue;
        }
        bl_refill(b);
    }
    float theta = -INFINITY, bmw_theta = -INFINITY;
    uint32_t fe = 0, bmw_r = 0;
    bool pruned_any = false;
    uint64_t ncand = 0;
    for (;;) {
        uint32_t d = FH_DOC_END;
        for (uint32_t i = fe; i < nshould; i++)
            if (L[i].cur < d)
                d = L[i].cur;
        if (d == FH_DOC_END)
            break;
        if (hp->n == hp->k && (d > bmw_r || theta != bmw_theta)) {
            float bsum = 0;
            uint32_t r = FH_DOC_END, last;
            for (uint32_t i = fe; i < nshould; i++) {
                if (L[i].cur == FH_DOC_END)
                    continue;
                bsum += citer_block_ub_last(e, &xs->it[xs->ord[i]], d, &last);
                if (last < r)
                    r = last;
            }
            if (bsum * UB_SLACK + (fe ? xs->cum[fe - 1] : 0.0f) <= theta) {
                pruned_any = true;
                if (r == FH_DOC_END)
                    break;
                for (uint32_t i = fe; i < nshould; i++)
                    if (L[i].cur <= r && (rc = bl_seek(&L[i], r + 1)) != 0)
                        return rc;
                if (budget_spend(xs, 1)) { /* a skip is work too */
                    st->timed_out = true;
                    break;
                }
                continue;
            }
            bmw_r = r;
            bmw_theta = theta;
        }
        float sc = 0;
        for (uint32_t i = fe; i < nshould; i++) {
            blist *b = &L[i];
            xs->part[i] = 0;
            if (b->cur != d)
                continue;
            sc += xs->part[i] = bl_score(e, b, d);
            if ((rc = bl_next(e, b)) != 0)
                return rc;
        }
        ncand++;
        if (budget_spend(xs, 1)) {
            st->timed_out = true;
            break;
        }
        st->total++;
        uint32_t nne = fe;
        if (nne > 0) {
            if (hp->n == hp->k) {
                if (sc + xs->cum[nne - 1] <= theta) {
                    pruned_any = true;
                    continue;
                }
                float rem = 0;
                for (uint32_t i = 0; i < nne; i++) {
                    xs->bub[i] = citer_block_ub(e, &xs->it[xs->ord[i]], d);
                    rem += xs->bub[i];
                }
                if (sc + rem * UB_SLACK <= theta) {
                    pruned_any = true;
                    continue;
                }
                bool cut = false;
                for (uint32_t i = nne; i-- > 0;) {
                    blist *b = &L[i];
                    rem -= xs->bub[i];
                    if ((rc = bl_seek(b, d)) != 0)
                        return rc;
                    xs->part[i] = b->cur == d ? bl_score(e, b, d) : 0.0f;
                    sc += xs->part[i];
                    if (i > 0 && sc + (rem > 0 ? rem * UB_SLACK : 0) <= theta) {
                        cut = true;
                        break;
                    }
                }
                if (!cut)
                    sc = sum_ord(xs->part, nshould);
                if (cut || sc <= theta) {
                    pruned_any = true;
                    continue;
                }
            } else {
                for (uint32_t i = nne; i-- > 0;) {
                    blist *b = &L[i];
                    if ((rc = bl_seek(b, d)) != 0)
                        return rc;
                    xs->part[i] = b->cur == d ? bl_score(e, b, d) : 0.0f;
                }
                sc = sum_ord(xs->part, nshould);
            }
        }
        /* heap_offer's own first test, inline: most candidates lose */
        if ((hp->n < hp->k || sc > hp->h[0].score ||
             (sc == hp->h[0].score && d < hp->h[0].doc)) &&
            heap_offer(hp, d, sc) && hp->n == hp->k) {
            theta = hp->h[0].score;
            while (fe < nshould && xs->cum[fe] <= theta)
                fe++;
            if (fe > 0)
                pruned_any = true;
        }
    }
    mo->ncand = ncand;
    mo->pruned_any = pruned_any;
    return 0;
}

/* The candidate loop (see the top of the file). Fills hp. exhaustive: score
 * every match, one at a time (what the tests check pruning against); exact:
 * prune only where the total stays exact (a MUST clause, one list, two
 * plain lists), so that no total is estimated. */
static int topk_loop(xctx *x, const plan *pl, heap *hp, bool exhaustive, bool exact,
                     fh_exec_stats *st)
{
    const fh_engine *e = x->e;
    struct fh_exec_scratch *xs = x->xs;
    const uint32_t nshould = pl->nshould, nmust = pl->nmust, nnot = pl->nnot;
    const uint32_t *must = pl->must, *nots = pl->nots;
    int rc = 0;

    /* order SHOULD clauses by upper bound, ascending; prefix sums */
    for (uint32_t i = 0; i < nshould; i++) {
        uint32_t v = pl->should[i], j = i;
        while (j > 0 && xs->it[xs->ord[j - 1]].ub > xs->it[v].ub) {
            xs->ord[j] = xs->ord[j - 1];
            j--;
        }
        xs->ord[j] = v;
    }
    float acc = 0;
    double sumdf = 0;
    for (uint32_t i = 0; i < nshould; i++) {
        acc += xs->it[xs->ord[i]].ub;
        xs->cum[i] = acc * UB_SLACK;
        sumdf += xs->it[xs->ord[i]].work_df;
    }
    bool prune = !exhaustive && (nmust > 0 || (!exact && sumdf > EXACT_COUNT_POSTINGS));
    /* One list: the total is its df, exact, so it can be pruned even when
     * short. Two plain lists: or2_batch counts them exactly while pruning.
     * (Three or more short lists are scored exhaustively for their exact
     * total: a merge that only counts them costs about as much.) */
    uint64_t exact_total = 0;
    bool counted = !exhaustive && nmust == 0 && nnot == 0 && nshould > 0 &&
                   single_list_total(xs, pl, &exact_total);
    if (counted)
        prune = true;
    uint32_t bmw_r = 0;
    float bmw_theta = -INFINITY;
    float theta = -INFINITY;
    uint32_t fe = 0; /* first essential (index into ord) */
    bool pruned_any = false;
    uint64_t ncand = 0;
    citer *ca, *cb;
    if (!exhaustive && or_batch_ok(xs, pl) && two_lists(xs, pl, &ca, &cb)) {
        /* pruned, and the total exact however long the lists */
        if ((rc = or2_batch(x, ca, cb, hp, st, &ncand)) != 0)
            return rc;
        goto done;
    }
    if (!exhaustive && !prune && or_batch_ok(xs, pl)) {
        if ((rc = or_batch(x, pl, hp, st, &ncand)) != 0)
            return rc;
        goto done;
    }
    if (!exhaustive && prune && or_batch_ok(xs, pl)) {
        ms_out mo;
        if ((rc = ms_batch(x, hp, nshould, st, &mo)) != 0)
            return rc;
        ncand = mo.ncand;
        pruned_any = mo.pruned_any;
        goto done;
    }

    for (;;) {
        uint32_t d;
        float sc = 0;
        if (nmust == 0) {
            d = FH_DOC_END;
            for (uint32_t i = fe; i < nshould; i++) {
                citer *c = &xs->it[xs->ord[i]];
                uint32_t cd = c->doc;
                if (cd >= c->pf_end && cd != FH_DOC_END && c->kind == FH_CL_TERM)
                    prefetch_norms(e, c);
                if (cd < d)
                    d = cd;
            }
            if (d == FH_DOC_END)
                break;
            if (prune && hp->n == hp->k && (d > bmw_r || theta != bmw_theta)) {
                /* block-max skip: when the blocks of all lists at d cannot
                 * beat theta, no document up to the nearest block end can.
                 * A failed check is not repeated while d stays within the
                 * same blocks and theta has not moved: it would fail again. */
                float bsum = 0;
                uint32_t r = FH_DOC_END, last;
                for (uint32_t i = fe; i < nshould; i++) {
                    citer *c = &xs->it[xs->ord[i]];
                    if (c->doc == FH_DOC_END)
                        continue;
                    bsum += citer_block_ub_last(e, c, d, &last);
                    if (last < r)
                        r = last;
                }
                if (bsum * UB_SLACK + (fe ? xs->cum[fe - 1] : 0.0f) <= theta) {
                    pruned_any = true;
                    if (r == FH_DOC_END)
                        break;
                    for (uint32_t i = fe; i < nshould; i++) {
                        citer *c = &xs->it[xs->ord[i]];
                        if (c->doc <= r && (rc = citer_seek(e, c, r + 1)) != 0)
                            goto stop;
                    }
                    if (budget_spend(xs, 1)) { /* a skip is work too */
                        st->timed_out = true;
                        break;
                    }
                    continue;
                }
                bmw_r = r;
                bmw_theta = theta;
            }
            for (uint32_t i = fe; i < nshould; i++) {
                citer *c = &xs->it[xs->ord[i]];
                xs->part[i] = 0;
                if (c->doc == d) {
                    sc += xs->part[i] = citer_score(e, c);
                    if ((rc = citer_next(e, c)) != 0)
                        goto stop;
                }
            }
        } else {
            /* leapfrog over the required clauses */
            d = 0;
            for (;;) {
                bool same = true;
                for (uint32_t i = 0; i < nmust; i++) {
                    citer *c = &xs->it[must[i]];
                    if (c->doc < d && (rc = citer_seek(e, c, d)) != 0)
                        goto stop;
                    if (c->doc > d) {
                        d = c->doc;
                        same = false;
                    }
                }
                if (same || d == FH_DOC_END)
                    break;
                if (budget_spend(xs, nmust)) { /* a round that found no candidate */
                    rc = EXEC_TIMEOUT;
                    goto stop;
                }
            }
            if (d == FH_DOC_END)
                break;
            for (uint32_t i = 0; i < nmust; i++)
                sc += citer_score(e, &xs->it[must[i]]);
            if ((rc = citer_next(e, &xs->it[must[0]])) != 0)
                goto stop;
        }
        ncand++;
        if (budget_spend(xs, 1)) {
            st->timed_out = true;
            break;
        }
        bool excluded = false;
        for (uint32_t i = 0; i < nnot && !excluded; i++) {
            citer *c = &xs->it[nots[i]];
            if ((rc = citer_seek(e, c, d)) != 0)
                goto stop;
            excluded = c->doc == d;
        }
        if (excluded)
            continue;
        st->total++;
        /* the non-essential SHOULD clauses (all of them when some are required) */
        uint32_t nne = nmust ? nshould : fe;
        if (nne > 0) {
            if (prune && hp->n == hp->k) {
                if (sc + xs->cum[nne - 1] <= theta) {
                    pruned_any = true;
                    continue;
                }
                float rem = 0;
                for (uint32_t i = 0; i < nne; i++) {
                    xs->bub[i] = citer_block_ub(e, &xs->it[xs->ord[i]], d);
                    rem += xs->bub[i];
                }
                if (sc + rem * UB_SLACK <= theta) {
                    pruned_any = true;
                    continue;
                }
                bool cut = false;
                for (uint32_t i = nne; i-- > 0;) {
                    citer *c = &xs->it[xs->ord[i]];
                    rem -= xs->bub[i];
                    if ((rc = citer_seek(e, c, d)) != 0)
                        goto stop;
                    xs->part[i] = c->doc == d ? citer_score(e, c) : 0.0f;
                    sc += xs->part[i];
                    if (i > 0 && sc + (rem > 0 ? rem * UB_SLACK : 0) <= theta) {
                        cut = true;
                        break;
                    }
                }
                /* a pure OR's score in one order (sum_ord); with + words
                   every candidate adds its clauses in the same order already */
                if (!cut && nmust == 0)
                    sc = sum_ord(xs->part, nshould);
                if (cut || sc <= theta) {
                    pruned_any = true;
                    continue;
                }
            } else {
                for (uint32_t i = nne; i-- > 0;) {
                    citer *c = &xs->it[xs->ord[i]];
                    if ((rc = citer_seek(e, c, d)) != 0)
                        goto stop;
                    xs->part[i] = c->doc == d ? citer_score(e, c) : 0.0f;
                    sc += xs->part[i];
                }
                if (nmust == 0)
                    sc = sum_ord(xs->part, nshould);
            }
        }
        if (heap_offer(hp, d, sc) && hp->n == hp->k) {
            theta = hp->h[0].score;
            if (prune && nmust == 0) {
                while (fe < nshould && xs->cum[fe] <= theta)
                    fe++;
                if (fe > 0)
                    pruned_any = true;
            }
        }
    }
stop:
    /* the budget ran out deep in an iterator (a phrase's alignment, a field
     * filter): the candidate at hand is dropped, the heap is kept */
    if (rc == EXEC_TIMEOUT)
        st->timed_out = true;
    else if (rc)
        return rc;
done:
    st->candidates = ncand;
    if (counted) {
        st->total = exact_total;
        st->total_estimate = st->timed_out;
    } else if (nmust == 0 && (pruned_any || st->timed_out)) {
        double n = (double)e->n_docs, miss = 1.0;
        for (uint32_t i = 0; i < nshould; i++)
            miss *= 1.0 - (xs->it[pl->should[i]].df_est / (n > 0 ? n : 1.0));
        double est = n * (1.0 - miss);
        /* every match lacks the excluded words: at most N - df of each, a
         * true bound for a word over all fields (its df is exact; a phrase's
         * or a prefix's is not, nor a filtered sum of per-field dfs) */
        for (uint32_t i = 0; i < nnot; i++) {
            const citer *c = &xs->it[nots[i]];
            if (c->kind == FH_CL_TERM && !c->filter && c->p && n - c->df_est < est)
                est = n - c->df_est;
        }
        if (est > (double)st->total)
            st->total = (uint64_t)est;
        st->total_estimate = true;
    } else if (st->timed_out) {
        st->total_estimate = true;
    }
    return 0;
}

int fh_exec_topk(fh_searcher *s, fh_query *q, const fh_search_opts *o, uint32_t k,
                 bool exhaustive, bool proximity, fh_hit **hits, uint32_t *nhits,
                 fh_exec_stats *st, fh_buf *errmsg)
{
    const fh_engine *e = s->e;
    struct fh_exec_scratch *xs = s->xs;
    xctx x = {s, e, xs, 0, 0, 0, 0, POOL_MAX};
    plan pl;
    heap hp = {s->hits, 0, 0};
    int rc = 0;
    uint64_t t0 = fh_engine_now_us();
    uint32_t all = e->n_fields >= 32 ? UINT32_MAX : ((1u << e->n_fields) - 1u);
    memset(st, 0, sizeof *st);
    fh_textcache_reset(&s->tcache); /* a new query: texts of the last one are not its hits */
    *nhits = 0;
    *hits = s->hits;
    x.exp_max = o->max_prefix_expansions ? o->max_prefix_expansions : 1u;
    if (x.exp_max > FH_ENGINE_MAX_EXPANSIONS)
        x.exp_max = FH_ENGINE_MAX_EXPANSIONS;
    if (x.exp_max > xs->exp_cap)
        x.exp_max = xs->exp_cap;
    xs->nrec = 0;
    memset(xs->rec_n, 0, sizeof xs->rec_n);
    xs->budget = o->time_budget_us;
    xs->t0 = t0;
    xs->work = 0;
    xs->expired = false;
    bool defer_alt = false;
    for (uint32_t i = 0; i < q->n_cl && e->rp.alt_rerank; i++)
        defer_alt |= q->cl[i].is_alt && !q->cl[i].is_spell;
    bool prox = proximity && e->rp.prox_depth > 0 &&
                (e->rp.prox_weight > 0 || e->rp.lead_weight > 0 || e->rp.cover_weight > 0 ||
                 e->rp.sdm_o_weight > 0 || e->rp.sdm_u_weight > 0 || e->rp.pass_weight > 0 ||
                 e->rp.len_weight != 0 || e->rp.order_weight > 0 || defer_alt ||
                 e->rp.prf_weight > 0 || e->rp.prf_question_weight > 0 || e->rp.focus_weight > 0 ||
                 e->rp.exact_weight > 0 || e->rp.exact_pair_weight > 0);
    uint32_t alt_def[FH_Q_MAX_CLAUSES], nalt = 0;
    uint32_t kk = k;
    const uint32_t words = fh_query_words(q); /* for the pool here and for focus */
    uint32_t depth = e->rp.prox_depth, nre;   /* nre: the hits re-ranked (below) */
    if (e->rp.prox_depth_short > 0 && e->rp.prox_depth_short < depth && words <= 2)
        depth = e->rp.prox_depth_short;
    if (prox && depth > kk)
        kk = depth;
    if (kk > s->hits_cap)
        kk = s->hits_cap;
    if (k > kk)
        k = kk;
    hp.k = kk;
    xs->npool = 0;
    pl.nshould = pl.nmust = pl.nnot = 0;

    for (uint32_t i = 0; i < q->n_cl; i++) {
        const fh_clause *cl = &q->cl[i];
        citer *c = &xs->it[i];
        memset(c, 0, sizeof *c);
        c->cl = cl;
        c->kind = cl->kind;
        c->mask = cl->field_mask & all;
        c->filter = c->mask != all;
        c->doc = FH_DOC_END;
        c->xs = xs;
        switch (cl->kind) {
        case FH_CL_TERM:
            rc = setup_term(&x, c, cl);
            break;
        case FH_CL_PREFIX:
            rc = setup_prefix(&x, c, cl, i);
            break;
        case FH_CL_PHRASE:
            rc = setup_phrase(&x, c, cl, q);
            break;
        case FH_CL_MIXED:
            rc = setup_mixed(&x, c, cl, q, i);
            break;
        }
        if (rc == EXEC_TIMEOUT) {
            /* the budget ran out while the lists were opened (long prefix
             * walks): a partial answer without hits */
            st->timed_out = true;
            st->total_estimate = true;
            rc = 0;
            goto out;
        }
        if (rc) {
            if (rc == FH_ELIMIT && errmsg)
                fh_buf_addf(errmsg, "query opens more than %u term lists", POOL_MAX);
            goto out;
        }
        q->idf[i] = c->idf;
        if (cl->is_alt && !cl->is_spell && defer_alt) {
            if (prox)
                alt_def[nalt++] = i;
        } else if (cl->occur == FH_OCC_SHOULD)
            pl.should[pl.nshould++] = i;
        else if (cl->occur == FH_OCC_MUST)
            pl.must[pl.nmust++] = i;
        else
            pl.nots[pl.nnot++] = i;
    }
    x.n = q->n_cl;
    if (kk == 0)
        goto out;
    rc = topk_loop(&x, &pl, &hp, exhaustive, o->exact_total, st);
    xs->budget = 0;                      /* the re-ranks are outside the budget (budget_check) */
    x.pool_cap = POOL_MAX + POOL_RERANK; /* prox_rerank's lists always fit */
    if (rc)
        goto out;
    /* The re-rankers take the hits in any order (they sort them by docid),
     * and hit_cmp is a total order (docids are unique), so one sort at the
     * end gives the order that sorting after each step would. Only the best
     * `depth` by BM25F are re-ranked; when more hits are asked for
     * (limit + offset), those below keep their BM25F scores, so the pool
     * does not depend on the page and paging never repeats or skips a hit
     * (a re-ranked hit stays above them: every bonus is >= 0, but for the
     * length prior, which is off unless set below 0 or above). */
    nre = hp.n;
    if (prox && nre > depth) {
        qsort(hp.h, hp.n, sizeof *hp.h, hit_cmp);
        nre = depth;
    }
    if (nalt && nre > 1 && (rc = alt_rerank(&x, alt_def, nalt, hp.h, nre)) != 0)
        goto out;
    if (prox && nre > 1 && (rc = prox_rerank(&x, q, hp.h, nre)) != 0)
        goto out;
    qsort(hp.h, hp.n, sizeof *hp.h, hit_cmp);
    /* feedback reads the best hits after the re-rank, so it runs on the
     * sorted pool and sorts again after its own re-scoring */
    if (prox && hp.n > 1) {
        float fw = q->question ? e->rp.prf_question_weight : e->rp.prf_weight;
        if (fw > 0) {
            if ((rc = fh_prf_rerank(s, q, fw, hp.h, hp.n)) != 0)
                goto out;
            qsort(hp.h, hp.n, sizeof *hp.h, hit_cmp);
        }
        /* focus last, on the final order: it reads the best hits' bodies */
        if (e->rp.focus_weight > 0 || e->rp.exact_weight > 0 || e->rp.exact_pair_weight > 0) {
            uint32_t m;
            if ((rc = fh_focus_rerank(s, q, words, hp.h, hp.n, &m)) != 0)
                goto out;
            if (m > 1) /* only the re-scored head can change order */
                qsort(hp.h, m, sizeof *hp.h, hit_cmp);
        }
    }
    *nhits = hp.n < k ? hp.n : k;
out:
    xs->budget = 0;
    release(&x);
    if (rc && errmsg && errmsg->len == 0)
        fh_buf_adds(errmsg, fh_strerror(rc));
    return rc;
}
