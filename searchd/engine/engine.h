/* engine.h — the query engine of fahras-searchd: parse, retrieve, rank, snippet.
 *
 * The network server owns sockets and the protocol; this module owns everything
 * between a query string and one JSON reply object. It never does I/O other
 * than reading the index, never logs, and never keeps per-request state outside
 * an fh_searcher.
 *
 * Objects and lifetimes:
 *   fh_engine   one per open index: the fh_index, a reference to the analyzer,
 *               the ranking parameters and precomputed tables. Immutable after
 *               fh_engine_open(); shared by all threads. A re-published index is
 *               served by opening a NEW engine beside the old one; the old one is
 *               freed only when no searcher of it is alive (the caller counts).
 *   fh_searcher per-thread scratch bound to one engine: an fh_analysis, an
 *               fh_reader (one LMDB read transaction), iterator pools, heaps and
 *               buffers, reused between queries so the hot path does not malloc.
 *               Never shared between threads; freed before its engine.
 *
 * Output: every call that produces a reply APPENDS exactly one JSON object (no
 * trailing newline) to `out`. On failure it returns a negative FH_E* code, leaves
 * `out` exactly as it was (its len is restored), and appends a one-line human
 * message (no newline, not JSON-escaped) to `errmsg` when errmsg is non-NULL.
 * The server maps the code to the protocol's stable code with fh_errcode().
 */
#ifndef FAHRAS_ENGINE_H
#define FAHRAS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fahras/analyze.h"
#include "fahras/buf.h"
#include "fahras/err.h"
#include "fahras/index.h"

typedef struct fh_engine fh_engine;     /* immutable, thread-safe */
typedef struct fh_searcher fh_searcher; /* per-thread scratch */

/* ------------------------------------------------------------- limits */

#define FH_ENGINE_MAX_LIMIT 1000u       /* hard cap on limit + offset */
#define FH_ENGINE_MAX_TERMS 256u        /* hard cap on opts.max_terms */
#define FH_ENGINE_MAX_EXPANSIONS 1024u  /* hard cap on opts.max_prefix_expansions */
#define FH_ENGINE_MAX_SNIPPET_LEN 4096u /* chars */
#define FH_ENGINE_MAX_SNIPPETS 8u
#define FH_ENGINE_MAX_MARKER 64u        /* bytes of hl_open / hl_close */
#define FH_PRF_MAX_DOCS 50u             /* caps of the feedback parameters */
#define FH_PRF_MAX_TERMS 100u
#define FH_PRF_MAX_LEN 2000u
#define FH_FOCUS_MAX_DEPTH 100u         /* caps of the focus parameters */
#define FH_FOCUS_MAX_LEN 2000u
#define FH_PROX_DEPTH_MAX 1024u /* cap of rank prox_depth (hits re-ranked) */

/* ------------------------------------------------------------- ranking */

/* BM25F with a proximity bonus. Per field f, with tf_f the term frequency,
 * len_f the field length and avg_f the mean field length:
 *   ntf   = sum_f field_weight[f] * tf_f / (1 - b_f + b_f * len_f / avg_f)
 *   score = sum_terms idf * ntf * (k1 + 1) / (k1 + ntf)
 *   idf   = log(1 + (N - df + 0.5) / (df + 0.5))
 * then the top `prox_depth` candidates are re-ranked (exec.c, prox_rerank):
 *   + prox_weight  * sum over query-term pairs of min(idf_a, idf_b) * sat(tp),
 *                    tp = sum over occurrences of a of 1/d^2, d the distance to
 *                    the nearest b in the same field, d <= prox_window
 *   + lead_weight  * sum over terms and fields of field_weight * idf *
 *                    lead_len / (lead_len + first position), a match in the
 *                    field named "title" scaled by lead_title
 *   + cover_weight * (sum idf of the query terms present / sum idf of all)^2 *
 *                    sum idf of all
 *   + sum over query-adjacent term pairs (a, b) of min(idf_a, idf_b) *
 *       (sdm_o_weight * sat(#a followed by b within sdm_o_window) +
 *        sdm_u_weight * sat(#a with a b within sdm_u_window either side))
 *   + pass_weight  * max over fields and windows of pass_window positions of
 *                    field_weight * sum idf of the distinct query terms inside
 *   + len_weight   * log(1 + body length / average)
 *   + order_weight * sum over fields and query-term pairs (a before b in the
 *                    query) whose first occurrences in the field come in the
 *                    query's order of field_weight * min(idf_a, idf_b); not
 *                    for a question (an interrogative among the first two
 *                    words not excluded, query.c)
 *   + alt_weight   * BM25F of each word's alternative (Snowball) stem, when
 *                    the index was built with an alt_stems analyzer
 *   + tense_weight * BM25F of the tense variant of each word whose stem opens
 *                    with ي or ت (its most frequent past stem, query.c), when
 *                    the index has no alternative stems
 * In a question, a ranked word that names the kind of answer asked for (اسم
 * name, عدد number, يسمى / تسمى / تسمية is called; query.c) has its idf, and
 * so every term above, scaled by answer_type_weight.
 * then pseudo-relevance feedback (below; by default for questions only)
 *   + prf_(question_)weight * sum over expansion terms of weight * BM25F
 * and last, over the best focus_depth hits (focus.c; not for questions nor
 * queries of fewer than focus_min_words words)
 *   + focus_weight * (focus(d) - the lowest focus among them), focus(d) the
 *                    sum of log(1 - p) over the stems of d's opening that
 *                    the query leaves out, p a fitted headline probability
 *   + exact_weight * the idf of each distinct query word that d's opening
 *                    has as it was typed (the same clitics and spelling;
 *                    exact.c), and for questions too (exact_questions)
 *   + exact_pair_weight * the mean idf of each pair of words typed side by
 *                    side that d's opening has side by side, as typed
 * idf may be raised to idf_pow. Off by default: sdm, len, idf_pow (they did
 * not help on both dev sets); on: prox, lead, pass, order, alt, tense, answer_type and
 * feedback for questions, focus for other queries, exact forms for both.
 * Defaults (fh_rank_params_default) were chosen on the dev sets; see
 * bench/RESULTS.md "## Relevance (engine)". */
typedef struct fh_rank_params {
    float k1;
    float b;                          /* default b for every field */
    float field_b[FH_MAX_FIELDS];     /* per-field b; < 0 means "use b" */
    float field_weight[FH_MAX_FIELDS];/* < 0 means "use the index meta's weight" */
    float prox_weight;                /* 0 disables the proximity bonus */
    uint32_t prox_depth;              /* candidates rescored with proximity */
    uint32_t prox_depth_short;        /* the same for queries of at most two words
                                         (fh_query_words): a smaller pool prunes
                                         more, and two words give the re-rank
                                         little to go on; 0 = prox_depth */
    uint32_t prox_window;             /* max position gap that earns a bonus */
    float lead_weight;                /* bonus for query terms early in a field; 0 = off */
    uint32_t lead_len;                /* positions: the bonus halves at this position */
    /* The lead bonus of a match in the "title" field is multiplied by this. A
     * title is short, so all of it is "lead": at 1 every title word earns the
     * full bonus on top of its BM25F weight, which over-rewards a document
     * whose title (often shared by many, e.g. an article name) repeats the
     * query. 0 = the lead bonus counts the other fields only. */
    float lead_title;
    float cover_weight;               /* bonus for the idf share of query terms present */
    /* Sequential dependence (re-rank): pairs of query terms ADJACENT in the
     * query (after stop-word removal) that occur in order within sdm_o_window
     * positions (b after a), or in either order within sdm_u_window. */
    float sdm_o_weight;               /* 0 = off */
    uint32_t sdm_o_window;
    float sdm_u_weight;               /* 0 = off */
    uint32_t sdm_u_window;
    /* Best passage: the largest idf sum of DISTINCT query terms inside any
     * window of pass_window positions of one field. */
    float pass_weight;                /* 0 = off */
    uint32_t pass_window;
    /* Document length prior: len_weight * log(1 + len / avg) of the body field. */
    float len_weight;                 /* 0 = off */
    /* Query order: sum over query-term pairs (a before b in the query) whose
     * first occurrences in a field are in the same order, of field_weight *
     * min(idf_a, idf_b). Off for questions (fh_query.question). */
    float order_weight;               /* 0 = off */
    /* Alternative stems (indexes built with an alt_stems analyzer, e.g.
     * fahras-ar-light10g+sb): each query word also scores by its aggressive
     * stem, idf x alt_weight. alt_rerank: only over the prox_depth candidates
     * (retrieval and pruning see the light stems only); else as OR clauses. */
    float idf_pow;                    /* idf^idf_pow (1 = BM25's idf) */
    float alt_weight;                 /* 0 = off */
    bool alt_rerank;
    /* the re-rank features (prox, lead, pass, sdm) also see a word through its
     * alt stem in a document that lacks its light stem, at the alt weight */
    bool alt_pos;
    /* Tense variants (query.c): scored like alternative stems (alt_rerank,
     * alt_pos apply) at this weight. */
    float tense_weight;               /* 0 = off */
    /* Answer-type words (query.c): in a question (fh_query.question), the
     * ranked words that say what kind of answer is wanted, not what it is
     * about ("ما اسم عاصمة ...", "ما عدد سكان ..."). Most paragraphs that
     * answer do not contain them (a third of ARCD's do), so at full weight
     * they favour any text that happens to. 1 = off. */
    float answer_type_weight;         /* 0..1 */
    /* Pseudo-relevance feedback (feedback.c), after the re-rank: the first
     * prf_len words of the bodies of the best prf_docs hits give prf_terms
     * expansion terms (relevance-model weight x idf), and each of the best
     * prf_depth hits gains W x sum of weight x BM25F of each expansion term,
     * W = prf_question_weight for a question (fh_query.question: an
     * interrogative among the first two words), else prf_weight. Reads and
     * analyzes prf_docs stored documents per query. By default on for
     * questions only: they are worded unlike their answers, headlines and
     * keyword queries share their documents' words (bench/RESULTS.md). */
    float prf_weight;                 /* queries that are not questions; 0 = off */
    float prf_question_weight;        /* questions (fh_query.question); 0 = off */
    uint32_t prf_docs;                /* <= FH_PRF_MAX_DOCS */
    uint32_t prf_terms;               /* <= FH_PRF_MAX_TERMS */
    uint32_t prf_len;                 /* words, <= FH_PRF_MAX_LEN */
    uint32_t prf_depth;               /* best hits re-scored (<= prox_depth matters) */
    /* Focus (focus.c), last: each of the best focus_depth hits gains
     * focus_weight x (focus(d) - the lowest focus among them), focus(d) =
     * sum over the distinct stems of the first focus_len words of its body
     * that are not query words of log(1 - p), p a fitted probability that a
     * headline for d would use the stem (early and repeated stems are
     * likely). A document whose prominent words the query leaves out is less
     * likely the one sought. Not for questions (fh_query.question), nor for
     * queries of fewer than focus_min_words distinct non-stop words. Reads
     * and analyzes focus_depth stored documents per query. */
    float focus_weight;               /* 0 = off */
    uint32_t focus_min_words;
    uint32_t focus_depth;             /* <= FH_FOCUS_MAX_DEPTH */
    uint32_t focus_len;               /* words, <= FH_FOCUS_MAX_LEN */
    /* Exact forms (exact.c), with focus and over the same hits and words
     * read: each gains exact_weight x the idf of each distinct query word
     * found as it was typed (the same clitics and spelling), + exact_pair_weight
     * x the mean idf of each pair of words typed side by side and found side
     * by side. For the queries focus reads for, and questions
     * (exact_questions). */
    float exact_weight;      /* 0 = off */
    float exact_pair_weight; /* 0 = off */
    bool exact_questions;
} fh_rank_params;

/* Fill *p with the tuned defaults. */
void fh_rank_params_default(fh_rank_params *p);

/* ------------------------------------------------------------- per query */

typedef struct fh_search_opts {
    uint32_t limit;                  /* hits returned (default 10; limit+offset <= FH_ENGINE_MAX_LIMIT) */
    uint32_t offset;                 /* hits skipped (default 0) */
    bool snippets;                   /* default true */
    uint32_t snippet_len;            /* characters per fragment (default 160) */
    uint32_t snippet_count;          /* fragments per hit (default 1, <= FH_ENGINE_MAX_SNIPPETS) */
    const char *snippet_field;       /* the analyzed field snippets come from, NUL-terminated,
                                        borrowed for the call; NULL (default) = the body
                                        (fh_engine_body_name); a name the index has no
                                        analyzed field for, or one with a quote,
                                        backslash or ASCII control character, is
                                        FH_EINVAL */
    const char *hl_open, *hl_close;  /* highlight markers, NUL-terminated, <= 64 bytes,
                                        JSON-escaped into the strings (default "<b>",
                                        "</b>"); borrowed for the call */
    bool escape_html;                /* title and snippet text (not the markers) with
                                        & < > " ' as HTML entities (default false) */
    uint32_t return_fields;          /* bitmask of STORED fields to add to each hit,
                                        bit i = fields[i]; 0 = none (default) */
    const char *const *fields;       /* names of stored JSON keys for return_fields,
                                        n_fields entries; NULL = the index's
                                        analyzed field names */
    uint32_t n_fields;
    uint32_t max_terms;              /* query words accepted, more is FH_ELIMIT (default 64) */
    uint32_t max_prefix_expansions;  /* per prefix* clause: its terms with the highest df
                                        (default 64) */
    uint64_t time_budget_us;         /* retrieval (exec.c; not the re-ranks nor the
                                        reply); 0 = unlimited (default 2000000); when
                                        exceeded the partial top-k is returned,
                                        "timed_out":true */
    bool exact_total;                /* count every match of a query whose total
                                        would be estimated (pure OR of long lists):
                                        no dynamic pruning, the same hits, slower;
                                        the time budget still applies (default
                                        false) */
} fh_search_opts;

/* Fill *o with the defaults above. */
void fh_search_opts_default(fh_search_opts *o);

/* ------------------------------------------------------------- engine */

/* Open the index in index_dir (DIR/index.mdb), checking that it was built with
 * analyzer `a` (FH_EANALYZER otherwise). `a` is borrowed: it must outlive the
 * engine. p may be NULL for fh_rank_params_default(). On success *out owns the
 * index; free with fh_engine_free(). Errors: those of fh_index_open(),
 * FH_ENOMEM, FH_EINVAL. */
int fh_engine_open(const char *index_dir, const fh_analyzer *a, const fh_rank_params *p,
                   fh_engine **out);

/* Close the index and free the engine. The caller guarantees that no searcher
 * of this engine is alive. NULL is a no-op. */
void fh_engine_free(fh_engine *e);

/* fh_index_id() of the open index: compare with fh_index_file_id(dir) to see a
 * re-publish. */
uint64_t fh_engine_index_id(const fh_engine *e);

/* The index metadata; valid until fh_engine_free(). */
const fh_index_meta *fh_engine_meta(const fh_engine *e);

/* Index facts as one JSON object appended to out:
 * {"docs":N,"terms":N,"postings":N,"fields":[{"name":..,"weight":..,"avg_len":..}],
 *  "analyzer":{"name":..,"version":..},"format":N,"build_time":T,"file_bytes":N,
 *  "index_id":"hex","rank":{"k1":..,"b":..,"prox_weight":..,"prox_depth":..,
 *  "prox_window":..,"lead_weight":..,"lead_title":..,"order_weight":..,
 *  "prf_weight":..,"prf_question_weight":..,"prf_docs":..,
 *  "prf_terms":..,"focus_weight":..,"focus_depth":..,"focus_len":..,
 *  "focus_min_words":..,"tense_weight":..,"answer_type_weight":..,
 *  "cover_weight":..}}.
 * Thread-safe. */
int fh_engine_stats(const fh_engine *e, fh_buf *out);

/* ------------------------------------------------------------- searcher */

/* Create per-thread scratch for engine e (which must outlive it). Opens an
 * fh_reader. Errors: FH_ENOMEM, FH_ELMDB. */
int fh_searcher_new(fh_engine *e, fh_searcher **out);
void fh_searcher_free(fh_searcher *s);

/* Give back the searcher's document and reply scratch when a request left
 * them holding more than 1 MiB (a GET of a large document, a page of hits
 * with large fields=), so one big reply does not pin its memory in every
 * worker. Call between requests; cheap when there is nothing to free. */
void fh_searcher_trim(fh_searcher *s);

/* Fault in the searcher's analysis cache (fh_analysis_prefault) before the
 * first query, so that query is not the one that waits for it. Optional: a
 * cold searcher answers the same, only its first queries are slower.
 * Returns 0 or FH_ENOMEM (the searcher still works). */
int fh_searcher_warm(fh_searcher *s);

/* Run query q (qlen bytes of UTF-8; invalid UTF-8 is FH_EINPUT) with options o
 * (NULL = defaults) and append
 *   {"total":N,"took_us":T,"hits":[{"id":..,"score":..,"title":..,"snippet":..,
 *     <requested stored fields>}]}
 * `total` counts the matching documents. It is exact when every match was
 * visited: queries with a +required clause, OR queries whose lists are
 * short (sum of df <= 50,000, evaluated without pruning), and an OR over a
 * single indexed word (its df). When pruning skipped
 * documents it is max(seen, N * (1 - prod(1 - df_i/N))) and the reply carries
 * "total_is_estimate":true. Time budget: when o->time_budget_us runs out the
 * best hits found so far are returned with "timed_out":true and an estimated
 * total — a partial answer, not an error (FH_ETIMEOUT is not returned).
 * "snippet" is present when o->snippets, "title" when the stored document has
 * a "title" string (highlighted whole). Markers are JSON-escaped like the text.
 * Errors: FH_EEMPTY (white space only), FH_ESYNTAX (no searchable word,
 * only exclusions),
 * FH_EINVAL (no query; o->snippet_field names no analyzed field of the
 * index, or holds a character field names may not: errmsg lists the fields), FH_EINPUT (invalid
 * UTF-8), FH_ELIMIT (more than max_terms words, an option over its hard cap, or the reply over
 * out's max), FH_ECORRUPT, FH_ELMDB, FH_ENOMEM. The query language is
 * described at the top of query.c; in short: words OR-ed, +required,
 * -excluded, "phrase", field:word, prefix*. Queries with more than max_terms
 * words are refused (never silently truncated). */
int fh_search(fh_searcher *s, const fh_search_opts *o, const char *q, size_t qlen, fh_buf *out,
              fh_buf *errmsg);

/* Whether the last fh_search() on s that returned 0 was cut short by its time
 * budget (its reply carries "timed_out":true). For the daemon's counters. */
bool fh_searcher_timed_out(const fh_searcher *s);

/* Append {"id":..,"doc":{stored document}} for external id `id`, or return
 * FH_ENOTFOUND. */
int fh_get(fh_searcher *s, const char *id, size_t len, fh_buf *out, fh_buf *errmsg);

/* Analyze text as a query would and append
 * {"tokens":[{"token":orig,"normalized":..,"stem":..,"df":N,"stop":bool},..]}
 * (df of the stem in the index, 0 if absent). */
int fh_keywords(fh_searcher *s, const char *text, size_t len, fh_buf *out, fh_buf *errmsg);

#endif /* FAHRAS_ENGINE_H */
