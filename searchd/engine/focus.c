/* focus.c — the focus re-rank: a known-item prior from a document's own words.
 *
 * A query written for one document (a headline, a title, a few keywords that
 * name it) tends to use the words the document is about: those it opens with
 * and repeats. Two reports of the same event both contain the query's words;
 * the one the query was written for leaves fewer of its own prominent words
 * out of it. So each of the best rp.focus_depth hits (after the re-rank and
 * feedback, exec.c) has the first rp.focus_len words of its title (when the
 * index has a title field) and body analyzed again, as one text — the stored
 * document; the index keeps no term vectors — and each
 * distinct non-stop stem t gets p(t), the probability that a headline for the
 * document uses it (fh_focus_prob), and
 *   focus(d) = sum over stems t of d that are not query words of log(1 - p(t)).
 * A word the query restricts to fields (title:word) is a query word in those
 * only: its occurrences elsewhere (the body's) count as a stem of their own
 * that is not (read_doc); typed also without the field, it is one anywhere.
 * It is for queries that describe one document: those of at least
 * rp.focus_min_words words (3; a word or two name a topic, which many
 * documents share, and two-word queries are the cheapest to answer, so the
 * re-read would cost them a quarter of their speed: bench/RESULTS.md), and
 * not questions (fh_query.question: a question is not a headline, and the
 * model did nothing for ARCD's).
 * The hits gain rp.focus_weight * (focus(d) - the lowest focus among them):
 * never negative, so a hit below focus_depth, which is not read, cannot pass
 * one above it, and the order among the read ones is that of
 * score + focus_weight * focus.
 *
 * The model is a logistic regression fitted on 3,000 (headline, article)
 * pairs of SaudiNewsNet whose headlines are not in the dev query set, with
 * exactly the features below computed by this file (fh-relevance
 * --focus-dump; bench/relevance/focus_fit.py prints these coefficients and
 * re-fits them). It uses no idf, so it needs no dictionary look-up.
 * bench/RESULTS.md "Relevance experiments" part 7 has the figures.
 *
 * Each title and body it analyzes whole (a book passage, an article under
 * focus_len words) is kept in the query's text cache (textcache.c), so the
 * reply's snippets of the same hits take those tokens instead of analyzing
 * the same text again.
 *
 * Owns nothing but its scratch (fh_searcher.focus, a stem table of
 * fh_focus_term); reads the index only.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define FOCUS_BYTES_PER_WORD 16u /* bytes of body read per word asked for (a cap on the
                                    text analyzed; fewer words are read if they are longer) */
#define FOCUS_P_MAX 0.999        /* log(1 - p) stays finite */
#define FOCUS_Z_MAX 6.906755     /* logit(FOCUS_P_MAX) */

/* p(t) = 1 / (1 + exp(-(B + sum C_i * x_i))), fitted by focus_fit.py on an
 * index built with analyzer 1.2 (fahras-ar-light10g) */
static const double FOCUS_B = -1.256931;
static const double FOCUS_C[6] = {
    1.958263,  /* log(1 + tf) */
    -0.193658, /* log(1 + first) */
    -0.005762, /* first < 10 */
    1.097091,  /* first < 30 */
    -0.678911, /* log(1 + words read) */
    0.438981,  /* log(1 + occurrences among the first FH_FOCUS_LEAD words) */
};

/* Count one occurrence of stem t at word index w. The table has room for
 * every word read (fh_focus_read reserves max_words stems), so it never fills. */
static void focus_add(fh_stemtab *tab, const char *t, uint16_t len, uint32_t w)
{
    uint32_t ix;
    bool added;
    if (fh_stemtab_intern(tab, t, len, &ix, &added) != 0)
        return;
    fh_focus_term *e = (fh_focus_term *)tab->data + ix;
    if (added)
        *e = (fh_focus_term){NULL, len, 0, w, 0};
    e->tf++;
    if (w < FH_FOCUS_LEAD)
        e->lead++;
}

/* The byte before a stem counted apart (read_doc): never a stem's first
 * byte (stems are UTF-8), so never a query word. */
#define FOCUS_APART '\xFF'

/* Whether some item of q is restricted to fields (title:word): the query
 * whose words read_doc counts by field. */
static bool query_restricted(const fh_query *q)
{
    for (uint32_t i = 0; i < q->n_cl; i++)
        if (q->cl[i].field_mask != q->all_fields)
            return true;
    return false;
}

/* Read the first max_words words of doc's title and body; count their stems
 * in s->focus when stems is true, and feed them to ex when it is not NULL.
 * rq: a query with items restricted to fields (query_restricted), or NULL:
 * a stem that is a word of rq only in other fields than the one read (the
 * body's الشركات for title:الشركات) is not rq's word there, and its
 * occurrences there are counted apart, as a stem of their own that is no
 * query word (FOCUS_APART and the stem). */
static int read_doc(fh_searcher *s, const fh_query *rq, uint32_t doc, uint32_t max_words,
                    bool stems, fh_exact *ex, uint32_t *nwords)
{
    *nwords = 0;
    uint32_t cap = max_words ? max_words : 1u; /* stems of at most FH_TOKEN_MAX bytes,
                                                  FOCUS_APART and one of them */
    fh_stemtab *tab = &s->focus;
    int rc;
    if (stems) {
        if ((rc = fh_stemtab_reserve(tab, cap, (size_t)cap * (FH_TOKEN_MAX + 1u),
                                     sizeof(fh_focus_term))) != 0)
            return rc;
        fh_stemtab_reset(tab);
    }
    const char *txt[2];
    size_t len[2];
    if ((rc = fh_doc_texts(s, doc, &txt[0], &len[0], &txt[1], &len[1])) != 0)
        return rc;
    if (ex)
        fh_exact_doc_begin(ex);
    /* the title (if any) then the body, as one run of words */
    const int field[2] = {s->e->title_field, s->e->body_field};
    uint32_t w = 0;
    for (int part = 0; part < 2 && w < max_words; part++) {
        size_t n = fh_text_cut(txt[part], len[part],
                               (size_t)(max_words - w) * FOCUS_BYTES_PER_WORD);
        if (n == 0)
            continue;
        const fh_token *tok;
        size_t nt;
        if ((rc = fh_text_analyze(s, txt[part], n, n == len[part], &tok, &nt)) != 0)
            return rc;
        uint32_t bit = field[part] >= 0 && field[part] < 32 ? 1u << (unsigned)field[part] : 0u;
        if (ex)
            fh_exact_field(ex, bit); /* a title's last word and the body's first are no pair */
        for (size_t i = 0; i < nt && w < max_words; i++) {
            const fh_token *t = &tok[i];
            if (t->flags & FH_TOK_PART)
                continue;
            if (stems && !(t->flags & FH_TOK_STOP) && t->stem_len > 0) {
                uint32_t m = rq ? fh_query_stem_fields(rq, t->stem, t->stem_len) : 0u;
                if (m != 0 && m != rq->all_fields && !(m & bit)) {
                    char apart[FH_TOKEN_MAX + 2];
                    apart[0] = FOCUS_APART;
                    memcpy(apart + 1, t->stem, t->stem_len);
                    focus_add(tab, apart, (uint16_t)(t->stem_len + 1u), w);
                } else {
                    focus_add(tab, t->stem, t->stem_len, w);
                }
            }
            if (ex)
                fh_exact_token(ex, s->e->an, txt[part], t);
            w++;
        }
    }
    *nwords = w;
    return 0;
}

int fh_focus_read(fh_searcher *s, uint32_t doc, uint32_t max_words, const fh_focus_term **terms,
                  uint32_t *nterms, uint32_t *nwords)
{
    *terms = NULL;
    *nterms = 0;
    int rc = read_doc(s, NULL, doc, max_words, true, NULL, nwords);
    if (rc)
        return rc;
    fh_stemtab *tab = &s->focus;
    fh_focus_term *term = tab->data;
    for (uint32_t i = 0; i < tab->n; i++)
        term[i].stem = fh_stemtab_str(tab, i);
    *terms = term;
    *nterms = tab->n;
    return 0;
}

static double focus_z(const fh_focus_term *t, uint32_t nwords)
{
    return FOCUS_B + FOCUS_C[0] * log1p((double)t->tf) + FOCUS_C[1] * log1p((double)t->first) +
           FOCUS_C[2] * (t->first < 10 ? 1.0 : 0.0) + FOCUS_C[3] * (t->first < 30 ? 1.0 : 0.0) +
           FOCUS_C[4] * log1p((double)nwords) + FOCUS_C[5] * log1p((double)t->lead);
}

double fh_focus_prob(const fh_focus_term *t, uint32_t nwords)
{
    double p = 1.0 / (1.0 + exp(-focus_z(t, nwords)));
    return p < FOCUS_P_MAX ? p : FOCUS_P_MAX;
}

/* The re-rank's fast path: log(1 - p) = -log(1 + e^z), with the model's
 * log(1 + x) terms from a table (every count is an integer <= FH_FOCUS_MAX_LEN)
 * and single precision; test_focus checks it against fh_focus_prob. */
static float LOG1P[FH_FOCUS_MAX_LEN + 1];
static pthread_once_t log1p_once = PTHREAD_ONCE_INIT;

static void log1p_init(void)
{
    for (uint32_t i = 0; i <= FH_FOCUS_MAX_LEN; i++)
        LOG1P[i] = (float)log1p((double)i);
}

static float focus_log_miss(const fh_focus_term *t, float zdoc)
{
    float z = zdoc + (float)FOCUS_C[0] * LOG1P[t->tf] + (float)FOCUS_C[1] * LOG1P[t->first] +
              (t->first < 10 ? (float)FOCUS_C[2] : 0.0f) +
              (t->first < 30 ? (float)FOCUS_C[3] : 0.0f) + (float)FOCUS_C[5] * LOG1P[t->lead];
    if (z > (float)FOCUS_Z_MAX)
        z = (float)FOCUS_Z_MAX;
    return -log1pf(expf(z));
}

int fh_focus_rerank(fh_searcher *s, const fh_query *q, uint32_t words, fh_hit *hits, uint32_t n,
                    uint32_t *rescored)
{
    const fh_rank_params *rp = &s->e->rp;
    uint32_t m = rp->focus_depth < n ? rp->focus_depth : n;
    *rescored = 0;
    if (m < 2 || rp->focus_len == 0)
        return 0;
    bool long_enough = !q->question && words >= rp->focus_min_words;
    bool focus = long_enough && rp->focus_weight > 0;
    fh_exact ex;
    bool exact = (q->question ? rp->exact_questions : long_enough) &&
                 (rp->exact_weight > 0 || rp->exact_pair_weight > 0) &&
                 fh_exact_prepare(q, rp, &ex);
    if (!focus && !exact)
        return 0;
    const fh_query *rq = focus && query_restricted(q) ? q : NULL;
    float fs[FH_FOCUS_MAX_DEPTH], xs[FH_FOCUS_MAX_DEPTH];
    float lo = 0;
    pthread_once(&log1p_once, log1p_init);
    for (uint32_t i = 0; i < m; i++) {
        uint32_t nw;
        int rc = read_doc(s, rq, hits[i].doc, rp->focus_len, focus, exact ? &ex : NULL, &nw);
        if (rc)
            return rc;
        xs[i] = exact ? fh_exact_doc_score(&ex) : 0.0f;
        if (!focus)
            continue;
        const fh_stemtab *tab = &s->focus;
        const fh_focus_term *t = tab->data;
        /* counts are <= focus_len <= FH_FOCUS_MAX_LEN: LOG1P covers them */
        float zdoc = (float)FOCUS_B + (float)FOCUS_C[4] * LOG1P[nw], sum = 0;
        for (uint32_t j = 0; j < tab->n; j++)
            if (!fh_query_has_stem(q, fh_stemtab_str(tab, j), t[j].len))
                sum += focus_log_miss(&t[j], zdoc);
        fs[i] = sum;
        if (i == 0 || fs[i] < lo)
            lo = fs[i];
    }
    for (uint32_t i = 0; i < m; i++)
        hits[i].score += (focus ? rp->focus_weight * (fs[i] - lo) : 0.0f) + xs[i];
    *rescored = m;
    return 0;
}
