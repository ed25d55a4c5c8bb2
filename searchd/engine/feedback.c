/* feedback.c — pseudo-relevance feedback (RM3 style) over the re-ranked pool.
 *
 * After the re-rank (exec.c) the best prf_docs hits are taken as relevant: the
 * first prf_len words of each one's body are analyzed again (the stored
 * document; the index keeps no term vectors), and each stem that is not a stop
 * word or a query term gets the relevance-model weight
 *   rm(t) = sum over feedback docs d of P(d) * tf(t, d) / |d|,
 *   P(d)  = exp((score_d - score_1) / PRF_TEMP), normalized over the docs,
 * with |d| the non-stop words read. The PRF_PRESELECT * prf_terms heaviest are
 * looked up in the dictionary and weighted by idf, the prf_terms heaviest of
 * those are kept (weights normalized to sum 1), and each of the best
 * prf_depth hits gains
 *   prf_weight * sum over expansion terms t of w(t) * BM25F(t, hit).
 * Only the pool is re-scored: retrieval and its pruning never see the
 * expansion, so the hits stay those of the query, in another order (a hit
 * below prf_depth gains nothing and cannot pass one above it).
 * Owns nothing but its scratch (fh_searcher.prf, a stem table of prf_ent);
 * never does I/O other than reading the index.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define PRF_TEMP 2.0f       /* score scale of P(d): a hit 2 points lower weighs 1/e */
#define PRF_PRESELECT 2u    /* candidates looked up per expansion term kept */
#define PRF_BYTES_PER_WORD 16u /* bytes of body read per word asked for (a cap, not a guess
                                  that must hold: fewer words are read if they are longer) */

typedef struct prf_ent {
    uint32_t ix;   /* the term's index in the stem table */
    uint32_t df;   /* set once looked up */
    float w;
} prf_ent;

/* Room for `cap` distinct terms (the most prf_docs * prf_len words can
 * give; 16 bytes of text each on average), each with its prf_ent. */
static int prf_reserve(fh_searcher *s, uint32_t cap)
{
    return fh_stemtab_reserve(&s->prf, cap, (size_t)cap * 16u, sizeof(prf_ent));
}

/* Add w to term t's weight (inserting it). Returns 0, or FH_ELIMIT when the
 * table or arena is full (the term is then ignored by the caller). */
static int prf_add(fh_stemtab *tab, const char *t, uint16_t len, float w)
{
    uint32_t ix;
    bool added;
    int rc = fh_stemtab_intern(tab, t, len, &ix, &added);
    if (rc)
        return rc;
    prf_ent *ent = tab->data;
    if (added)
        ent[ix] = (prf_ent){ix, 0, 0};
    ent[ix].w += w;
    return 0;
}

static int ent_w_cmp(const void *a, const void *b)
{
    const prf_ent *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return x->ix < y->ix ? -1 : (x->ix > y->ix); /* first seen first: deterministic */
}

static int hit_doc_order(const void *a, const void *b)
{
    const fh_hit *x = a, *y = b;
    return x->doc < y->doc ? -1 : (x->doc > y->doc);
}

/* Analyze the first prf_len words of doc's body and add P(d) * tf / |d| to
 * the weight of each of its non-stop, non-query stems. */
static int prf_doc(fh_searcher *s, const fh_query *q, uint32_t doc, float pd)
{
    const fh_rank_params *rp = &s->e->rp;
    const char *txt;
    size_t len;
    int rc = fh_doc_texts(s, doc, NULL, NULL, &txt, &len);
    if (rc || len == 0)
        return rc;
    len = fh_text_cut(txt, len, (size_t)rp->prf_len * PRF_BYTES_PER_WORD);
    const fh_token *tok;
    size_t nt;
    if ((rc = fh_analyze(s->an, txt, len, &tok, &nt)) != 0)
        return rc;
    uint32_t words = 0, counted = 0;
    size_t end = 0;
    for (; end < nt && words < rp->prf_len; end++) {
        if (tok[end].flags & FH_TOK_PART)
            continue;
        words++;
        if (!(tok[end].flags & FH_TOK_STOP) && tok[end].stem_len > 0)
            counted++;
    }
    if (counted == 0)
        return 0;
    float w = pd / (float)counted;
    for (size_t i = 0; i < end; i++) {
        const fh_token *t = &tok[i];
        if ((t->flags & (FH_TOK_PART | FH_TOK_STOP)) || t->stem_len == 0 ||
            fh_query_has_stem(q, t->stem, t->stem_len))
            continue;
        rc = prf_add(&s->prf, t->stem, t->stem_len, w);
        if (rc && rc != FH_ELIMIT)
            return rc;
    }
    return 0;
}

static float prf_idf(const fh_engine *e, double df)
{
    double n = (double)e->n_docs;
    if (df > n)
        df = n;
    return (float)log(1.0 + (n - df + 0.5) / (df + 0.5));
}

int fh_prf_rerank(fh_searcher *s, const fh_query *q, float w, fh_hit *hits, uint32_t n)
{
    const fh_engine *e = s->e;
    const fh_rank_params *rp = &e->rp;
    uint32_t k = rp->prf_docs < n ? rp->prf_docs : n;
    if (k == 0 || rp->prf_terms == 0 || rp->prf_len == 0 || !(w > 0))
        return 0;
    int rc = prf_reserve(s, k * rp->prf_len);
    if (rc)
        return rc;
    fh_stemtab *tab = &s->prf;
    prf_ent *ent = tab->data; /* by term, then sorted by weight */
    fh_stemtab_reset(tab);
    /* hits[0..k) are the best, in order (the caller sorted the pool) */
    float z = 0;
    for (uint32_t i = 0; i < k; i++)
        z += expf((hits[i].score - hits[0].score) / PRF_TEMP);
    for (uint32_t i = 0; i < k; i++)
        if ((rc = prf_doc(s, q, hits[i].doc,
                          expf((hits[i].score - hits[0].score) / PRF_TEMP) / z)) != 0)
            return rc;
    uint32_t nterm = tab->n;
    if (nterm == 0)
        return 0;
    /* the heaviest by rm, then weighted by idf */
    qsort(ent, nterm, sizeof *ent, ent_w_cmp);
    uint32_t m = rp->prf_terms * PRF_PRESELECT;
    if (m > nterm)
        m = nterm;
    for (uint32_t i = 0; i < m; i++) {
        fh_term_info ti;
        uint32_t ix = ent[i].ix;
        rc = fh_term_get(s->rd, fh_stemtab_str(tab, ix), tab->len[ix], &ti);
        if (rc == FH_ENOTFOUND) { /* a word the index does not hold (cut or over-long) */
            ent[i].w = 0;
            continue;
        }
        if (rc)
            return rc;
        ent[i].df = ti.df;
        ent[i].w *= prf_idf(e, ti.df);
    }
    qsort(ent, m, sizeof *ent, ent_w_cmp);
    if (m > rp->prf_terms)
        m = rp->prf_terms;
    float wsum = 0;
    for (uint32_t i = 0; i < m; i++)
        wsum += ent[i].w;
    if (wsum <= 0)
        return 0;
    if (n > rp->prf_depth) /* the rest cannot reach the top; only pool order changes */
        n = rp->prf_depth;
    qsort(hits, n, sizeof *hits, hit_doc_order);
    for (uint32_t i = 0; i < m && ent[i].w > 0; i++) {
        fh_postings *po = NULL;
        uint32_t ix = ent[i].ix;
        if ((rc = fh_postings_open(s->rd, fh_stemtab_str(tab, ix), tab->len[ix], &po)) != 0)
            return rc;
        float wt = w * ent[i].w / wsum * prf_idf(e, ent[i].df);
        for (uint32_t h = 0; h < n; h++) {
            if ((rc = fh_postings_seek(po, hits[h].doc)) != 0)
                break;
            uint32_t d = fh_postings_docid(po);
            if (d == FH_DOC_END)
                break;
            if (d != hits[h].doc)
                continue;
            const uint32_t *tfs = fh_postings_tfs(po);
            float ntf = 0;
            for (unsigned f = 0; f < e->n_fields; f++)
                if (tfs[f])
                    ntf += e->wnorm[f][d] * (float)tfs[f];
            hits[h].score += wt * ntf * (rp->k1 + 1.0f) / (rp->k1 + ntf);
        }
        fh_postings_free(po);
        if (rc)
            return rc;
    }
    return 0;
}
