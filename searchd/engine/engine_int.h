/* engine_int.h — private structures shared by the engine's translation units.
 *
 * Not part of the server contract (that is engine.h). The unit tests include it
 * to reach the parser and the exhaustive scorer that pruning is checked against.
 */
#ifndef FAHRAS_ENGINE_INT_H
#define FAHRAS_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "fahras/utf8.h"

#define FH_Q_MAX_CLAUSES FH_ENGINE_MAX_TERMS
#define FH_Q_MAX_ELEMS (FH_ENGINE_MAX_TERMS * 2u)
#define FH_Q_MAX_PHRASE 32u /* words in one "phrase" */
#define FH_Q_ANSWER_MAX 8u  /* answer-type stems (query.c) */

/* ------------------------------------------------------------- engine */

struct fh_engine {
    fh_index *ix;
    const fh_analyzer *an;
    const fh_index_meta *meta;
    fh_rank_params rp;
    uint32_t n_docs;
    uint32_t n_fields;
    float weight[FH_MAX_FIELDS]; /* effective field weights */
    float bf[FH_MAX_FIELDS];     /* effective per-field b */
    float avg[FH_MAX_FIELDS];    /* avg field length, >= 1 */
    /* wnorm[f][d] = weight[f] / (1 - bf + bf * len_f(d) / avg_f): one multiply
     * per (term, field) when scoring; shared read-only by all threads. */
    float *wnorm[FH_MAX_FIELDS];
    const uint32_t *lens[FH_MAX_FIELDS]; /* field lengths (the index's mapping) */
    int title_field;             /* analyzed field named "title", or -1 */
    int body_field;              /* field snippets come from, or -1 */
    /* the distinct stems of query.c's answer-type words under this index's
     * analyzer (fh_query_answer_stems) */
    char answer_stem[FH_Q_ANSWER_MAX][FH_TOKEN_MAX + 1];
    uint16_t answer_len[FH_Q_ANSWER_MAX];
    uint32_t n_answer;
    char dir[4096];
};

/* The stored key of the body: the body field's name, else "text". */
static inline const char *fh_engine_body_name(const fh_engine *e)
{
    return e->body_field >= 0 ? e->meta->field_names[e->body_field] : "text";
}

/* ------------------------------------------------------------- query */

/* MIXED: a mixed word (DeepSeek-R1, R1, GPT-4o; see query.c), its whole term
 * OR the phrase of its parts. */
typedef enum fh_clause_kind { FH_CL_TERM, FH_CL_PREFIX, FH_CL_PHRASE, FH_CL_MIXED } fh_clause_kind;
typedef enum fh_occur { FH_OCC_SHOULD, FH_OCC_MUST, FH_OCC_NOT } fh_occur;

/* One word of a phrase: the indexed term and its position relative to the
 * phrase's first word. */
typedef struct fh_qelem {
    char term[FH_TOKEN_MAX + 1];
    uint16_t len;
    bool stop;
    uint32_t rel;
} fh_qelem;

typedef struct fh_clause {
    fh_clause_kind kind;
    fh_occur occur;
    uint32_t field_mask; /* fields the clause may match in */
    /* TERM: the stem; PREFIX: the prefix walked in the dictionary; MIXED: the
       whole term */
    char term[FH_TOKEN_MAX + 1];
    uint16_t len;
    bool stop;           /* TERM whose word is a stop word */
    uint32_t qtf;        /* times the clause occurs in the query */
    bool is_alt;         /* TERM in the alternative-stem namespace (fh_token.alt):
                            weighted by rp.alt_weight, no proximity, no snippet */
    uint16_t alt_len;    /* TERM word: its alt term (0 = none); PREFIX, and a
                            last_prefix MIXED's last part: a second prefix
                            walked into the same expansions (query.c,
                            prefix_readings: الش* also walks ش*) */
    int16_t alt_ix;      /* index of the word's alt clause, -1 if none */
    char alt[FH_TOKEN_MAX + 2];
    float weight;        /* TERM: idf multiplier, 1 unless an answer-type word of
                            a question (rp.answer_type_weight); its alt inherits it */
    bool is_var;         /* TERM word: its alt is a tense variant or a country
                            reading (a stem of the light namespace, query.c),
                            not an alternative stem;
                            alt clause: weighted by rp.tense_weight instead */
    bool is_spell;       /* TERM word: its alt is the madda reading of a word
                            typed without it (a stem of the light namespace,
                            query.c); alt clause: full weight, retrieves (not
                            deferred to the re-rank), highlighted */
    uint16_t norm_len;   /* TERM word typed with a bare ا + ل near its start:
                            its normalized form (spell_variant), else 0;
                            PREFIX, and a last_prefix MIXED's last part: a
                            stem it also matches exactly (query.c,
                            prefix_readings: القوا* matches قو) */
    uint8_t spell_mask;  /* bit k: letter k of norm is such an ا (query.c) */
    char norm[FH_TOKEN_MAX + 1];
    uint32_t first_el;   /* PHRASE, MIXED (the parts): elements [first_el, first_el + n_el) */
    uint32_t n_el;
    bool last_prefix; /* MIXED typed with a '*' (R1*): its last part is a prefix,
                         walked like a PREFIX clause's (query.c, exec.c) */
} fh_clause;

/* A word of the query as it was typed (exact.c): its form (the token's
 * original bytes without the characters the analyzer drops, ASCII letters in
 * lower case: fh_exact_form), its normalized form and its stem. */
typedef struct fh_qform {
    char form[FH_TOKEN_MAX + 1];
    char norm[FH_TOKEN_MAX + 1];
    char stem[FH_TOKEN_MAX + 1];
    uint16_t form_len, norm_len, stem_len;
    uint32_t seq; /* the word's place among every word the analyzer read in the
                     query (excluded, prefixed and dropped stop words included):
                     two forms whose seq differ by 1 were typed side by side */
    uint32_t field_mask; /* its clause's: the fields where the form counts
                            (fh_query.all_fields for a word typed without a field) */
} fh_qform;

#define FH_Q_MAX_FORMS 64u /* the exact-form re-rank sees the first 64 words */

typedef struct fh_query {
    fh_clause cl[FH_Q_MAX_CLAUSES];
    uint32_t n_cl;
    fh_qelem el[FH_Q_MAX_ELEMS];
    uint32_t n_el;
    uint32_t n_words;    /* terms counted against max_terms (before dedup) */
    uint32_t all_fields; /* the field_mask of an item typed without a field */
    bool dropped_stop;   /* stop words were removed from the ranked part */
    bool question;       /* one of the first two words not excluded is an
                            interrogative (query.c): the query-order bonus is off */
    /* the ranked, required and phrase words as typed, in query order, for the
       exact-form re-rank (not exclusions, prefixes or a mixed word's parts;
       the first FH_Q_MAX_FORMS of them) */
    fh_qform form[FH_Q_MAX_FORMS];
    uint32_t n_form;
    /* filled by fh_exec_topk: clause and phrase-word weights, for snippets */
    float idf[FH_Q_MAX_CLAUSES];
    float el_idf[FH_Q_MAX_ELEMS];
} fh_query;

/* Parse q into *out. Messages for FH_EEMPTY / FH_ESYNTAX / FH_ELIMIT / FH_EINPUT go to
 * errmsg. See the query language at the top of query.c. */
int fh_query_parse(fh_searcher *s, const char *q, size_t qlen, uint32_t max_terms,
                   fh_query *out, fh_buf *errmsg);

/* Whether stem t (len bytes) is a word of q: a term clause (not an alt one,
 * but a madda reading (is_spell) counts: it stands for the word typed),
 * a mixed word's whole term, or a phrase word or mixed word's part. Prefixes
 * do not count. */
bool fh_query_has_stem(const fh_query *q, const char *t, size_t len);

/* The fields where stem t (len bytes) is a word of q, as fh_query_has_stem
 * counts them: the union of those clauses' field_masks (a phrase word's or a
 * mixed word's part's is its clause's); 0 when it is none. */
uint32_t fh_query_stem_fields(const fh_query *q, const char *t, size_t len);

/* The query's words as the re-ranks count them: distinct non-stop stems of
 * term clauses and phrases, and mixed words (one each), that are not
 * exclusions or alternative stems. */
uint32_t fh_query_words(const fh_query *q);

/* Fill e->answer_stem / n_answer: query.c's answer-type words run through
 * e->an. Called once by fh_engine_open. Returns 0 or FH_ENOMEM. */
int fh_query_answer_stems(fh_engine *e);

/* ------------------------------------------------------------- retrieval */

typedef struct fh_hit {
    uint32_t doc;
    float score;
} fh_hit;

/* Expanded prefix: the terms OR-ed into one clause. */
typedef struct fh_expansion {
    char term[FH_TOKEN_MAX + 1];
    uint16_t len;
    uint32_t df;
} fh_expansion;

typedef struct fh_exec_stats {
    uint64_t total;       /* matching documents counted */
    bool total_estimate;  /* total is an estimate (pruning or timeout) */
    bool timed_out;
    uint64_t candidates;  /* documents fully or partly scored */
} fh_exec_stats;

/* Evaluate the parsed query: the top `k` hits (score desc, docid asc) into
 * s->hits / *nhits. exhaustive = score every matching document (tests). */
int fh_exec_topk(fh_searcher *s, fh_query *q, const fh_search_opts *o, uint32_t k,
                 bool exhaustive, bool proximity, fh_hit **hits, uint32_t *nhits,
                 fh_exec_stats *st, fh_buf *errmsg);

/* Parse and evaluate without producing JSON (the relevance driver and tests):
 * the top limit+offset hits, best first. */
int fh_search_run(fh_searcher *s, const fh_search_opts *o, const char *q, size_t qlen,
                  bool proximity, fh_hit **hits, uint32_t *nhits, fh_exec_stats *st,
                  fh_buf *errmsg);

/* A set of stems interned to dense indices 0..n-1 in insertion order
 * (stemtab.c), for the re-rankers that read documents again, with an array
 * `data` of one caller-defined element per stem (elem bytes each, indexed
 * like the stems; the caller fills and may reorder it). Owns its arrays
 * (fh_stemtab_free); a zeroed struct is empty and must be reserved before use. */
typedef struct fh_stemtab {
    uint32_t *off;   /* per stem: its bytes at arena + off */
    uint16_t *len;
    uint32_t *hash;
    void *data;      /* cap elements of elem bytes */
    size_t elem;
    uint32_t n, cap;
    uint32_t *slot;  /* open addressing: index + 1, 0 = empty */
    uint32_t nslot;  /* power of two, >= 2 * cap */
    char *arena;
    size_t alen, acap;
} fh_stemtab;

/* FNV-1a of s[0..n): the stem table's hash, and exact.c's. */
static inline uint32_t fh_fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Room for cap stems, arena_bytes of their text and cap data elements of
 * elem bytes (elem must not change between calls); grows only, and empties
 * the table when it grows. FH_ENOMEM. */
int fh_stemtab_reserve(fh_stemtab *t, uint32_t cap, size_t arena_bytes, size_t elem);
void fh_stemtab_reset(fh_stemtab *t);
/* *ix = the index of stem s (len bytes), inserting it (*added = true) when
 * new. FH_ELIMIT when the table or arena is full (nothing is inserted). */
int fh_stemtab_intern(fh_stemtab *t, const char *s, uint16_t len, uint32_t *ix, bool *added);
static inline const char *fh_stemtab_str(const fh_stemtab *t, uint32_t i)
{
    return t->arena + t->off[i];
}
void fh_stemtab_free(fh_stemtab *t);

/* Pseudo-relevance feedback (feedback.c): re-score hits[0..n), sorted best
 * first, with the expansion terms of the best rp.prf_docs at weight w (the
 * order is left by docid; the caller sorts). Errors: FH_ENOMEM, FH_ECORRUPT,
 * FH_ELMDB. */
int fh_prf_rerank(fh_searcher *s, const fh_query *q, float w, fh_hit *hits, uint32_t n);

/* Focus re-rank (focus.c): a known-item prior. The first rp.focus_len words
 * of a hit's title and body are analyzed again and each distinct stem gets the
 * probability p(t) that a headline written for the document would use it,
 * from where and how often it occurs (fh_focus_prob); a hit whose probable
 * headline words the query leaves out is less likely the one sought:
 *   focus(d) = sum over stems t of d not in the query of log(1 - p(t))
 * (a word restricted to fields, title:word, is in the query in those only).
 * hits[0..n) sorted best first; the best rp.focus_depth (m) gain
 *   rp.focus_weight * (focus(d) - min over those m of focus),
 * so a hit below them gains nothing and none passes one of them: *rescored
 * = m, and sorting hits[0..m) again gives the new order (0, nothing
 * changed, for a question (fh_query.question), a query of fewer than
 * rp.focus_min_words words (words: fh_query_words(q), which the caller has
 * counted already), or m < 2). The same read feeds the exact-form
 * re-rank (exact.c), whose gain is never negative either: for the same
 * queries, and for questions when rp.exact_questions; then focus's own
 * gain is 0 for a question. Errors: FH_ENOMEM, FH_ECORRUPT, FH_ELMDB. */
int fh_focus_rerank(fh_searcher *s, const fh_query *q, uint32_t words, fh_hit *hits, uint32_t n,
                    uint32_t *rescored);

/* The exact-form re-rank (exact.c). A query's forms in a small hash by their
 * normalized form, and what one document read so far matched: bit i of a mask
 * is fh_query.form[i]. */
#define FH_EXACT_SLOTS 128u /* a power of two above FH_Q_MAX_FORMS */
#define FH_EXACT_NONE 0xFFu
typedef struct fh_exact {
    const fh_query *q;            /* borrowed, for the forms */
    uint32_t n;                   /* q->n_form */
    uint8_t slot[FH_EXACT_SLOTS]; /* first form of each hash slot, or FH_EXACT_NONE */
    uint8_t next[FH_Q_MAX_FORMS]; /* the next form of the same slot */
    float w[FH_Q_MAX_FORMS];      /* the form's stem's idf */
    float uni_w[FH_Q_MAX_FORMS];  /* exact_weight * w, 0 for a form typed twice (after the first) */
    float pair_w;                 /* exact_pair_weight */
    uint64_t adjacent;            /* bit i: form i + 1 was typed right after form i */
    uint8_t first[FH_Q_MAX_FORMS]; /* the first form typed the same as form i (i itself
                                      when none): the one whose uni_w it earns */
    uint64_t found, pairs, prev;  /* this document: forms seen, pairs seen, the last word's forms */
    uint64_t allow;               /* the forms that count in the text being read (fh_exact_field) */
} fh_exact;

/* The form of the word p[0..n) into out (FH_TOKEN_MAX + 1 bytes): its bytes
 * without the code points the analyzer drops and without white space (a
 * word written in two, عبد الله, is one token, and a query may join it),
 * ASCII letters in lower case, NUL-terminated. Returns its length; 0 when it is empty or longer
 * than FH_TOKEN_MAX. */
size_t fh_exact_form(const fh_analyzer *a, const char *p, size_t n, char *out);

/* Set x up for q (after fh_exec_topk filled q's idfs) and rp's weights.
 * False when the re-rank can change nothing (no forms, or every weight 0). */
bool fh_exact_prepare(const fh_query *q, const fh_rank_params *rp, fh_exact *x);

/* A document's words, in text order: fh_exact_doc_begin, then
 * fh_exact_token for each word that is not a mixed token's part (text: the
 * text t was analyzed from), fh_exact_field before each field's words, and
 * fh_exact_doc_score. fh_exact_field(x, bit) starts the words of the field
 * whose field_mask bit is `bit` (0: a text of no indexed field): the last
 * word before it and the first after are not side by side (a title's and a
 * body's), and a form the query restricts to fields (title:word,
 * fh_qform.field_mask) counts only in those; without it, as after
 * fh_exact_doc_begin, every form counts everywhere. */
void fh_exact_doc_begin(fh_exact *x);
void fh_exact_token(fh_exact *x, const fh_analyzer *a, const char *text, const fh_token *t);
void fh_exact_field(fh_exact *x, uint32_t bit);
float fh_exact_doc_score(const fh_exact *x);

/* One distinct stem of the words read from a body (fh_focus_read). */
typedef struct fh_focus_term {
    const char *stem;  /* not NUL-terminated; valid until the next fh_focus_read */
    uint16_t len;
    uint32_t tf;       /* occurrences among the words read */
    uint32_t first;    /* word index of the first occurrence (0-based) */
    uint32_t lead;     /* occurrences among the first FH_FOCUS_LEAD words */
} fh_focus_term;

#define FH_FOCUS_LEAD 50u

/* Analyze the first max_words words (stop words count as words, the parts of
 * a mixed token do not) of stored document doc's title (when the index has a
 * title field), then its body, as one text: *terms gets its
 * *nterms distinct non-stop stems in order of first occurrence, *nwords the
 * words read. The terms live in s until the next call. Also the training
 * data's source (bench/relevance/focus_fit.py through fh-relevance
 * --focus-dump), so the model is fitted on exactly what the engine computes.
 * Errors: FH_ENOMEM, FH_ECORRUPT, FH_ELMDB. */
int fh_focus_read(fh_searcher *s, uint32_t doc, uint32_t max_words,
                  const fh_focus_term **terms, uint32_t *nterms, uint32_t *nwords);

/* p(t): the fitted logistic model over log(1 + tf), log(1 + first),
 * first < 10, first < 30, log(1 + nwords), log(1 + lead). */
double fh_focus_prob(const fh_focus_term *t, uint32_t nwords);


/* The body text of stored document doc (the engine's body field, else
 * "text") and, when title is not NULL and the index has a "title" field, its
 * title (docjson.c). The strings point into the searcher's scratch (s->doc,
 * s->jstr or s->body) until the next document read; a missing one is "" with
 * length 0. Errors: those of fh_doc_get, FH_ENOMEM. */
int fh_doc_texts(fh_searcher *s, uint32_t doc, const char **title, size_t *tlen,
                 const char **body, size_t *blen);

/* The length of txt (len bytes) cut to at most cap bytes before a space, so
 * that no word is cut: the text the re-rankers analyze again. */
static inline size_t fh_text_cut(const char *txt, size_t len, size_t cap)
{
    if (len <= cap)
        return len;
    while (cap > 0 && txt[cap] != ' ')
        cap--;
    return cap;
}

struct fh_exec_scratch;
int fh_exec_scratch_new(struct fh_exec_scratch **out);
void fh_exec_scratch_free(struct fh_exec_scratch *xs);

/* The terms clause i of the last fh_exec_topk on s expanded to: a PREFIX
 * clause's expansions, a last_prefix MIXED clause's last part's; in byte
 * order (fh_expansion_find), into *out (owned by s, valid until the next
 * fh_exec_topk). 0 for any other clause, and for one the query's time budget
 * left unopened. */
uint32_t fh_exec_expansions(const fh_searcher *s, uint32_t i, const fh_expansion **out);

/* Whether term t (len bytes) is among the n expansions of x (byte order). */
bool fh_expansion_find(const fh_expansion *x, uint32_t n, const char *t, size_t len);

/* CLOCK_MONOTONIC in microseconds (the query time budget, took_us). */
uint64_t fh_engine_now_us(void);

/* ------------------------------------------------------------- snippets */

/* Highlight terms: stems and prefixes that mark a word in a snippet. */
typedef struct fh_hlterm {
    const char *term;
    uint16_t len;
    bool prefix;
    float weight;        /* idf */
    /* a mixed word's parts (nparts >= 2; else NULL, 0): they also mark a
       mixed token whose parts hold them in a row (DeepSeek-R1 for R1), and
       the words that spell them in a row (R 1) */
    const fh_qelem *parts;
    uint32_t nparts;
    /* prefix: the terms the prefix* expanded to (fh_exec_expansions), the
       stems it marks; a mixed word typed with a '*' (R1*): its last part's
       expansions, which that part matches instead of its stem. Not owned. */
    const fh_expansion *exps;
    uint32_t nexps;
} fh_hlterm;

/* Release what fh_snippet() keeps in s (its break iterator); s->snip is
 * freed with the searcher. */
void fh_snippet_free(fh_searcher *s);

/* Append a JSON string (quotes included): the best fragment(s) of `text` for
 * the highlight terms. max_chars == 0 means the whole text; above
 * FH_ENGINE_MAX_SNIPPET_LEN it counts as that. */
int fh_snippet(fh_searcher *s, const char *text, size_t len, const fh_hlterm *hl, size_t nhl,
               const fh_search_opts *o, uint32_t max_chars, uint32_t count, fh_buf *out);

/* ------------------------------------------------------------- stored JSON */

#define FH_DOCJSON_MAX_KEYS 8u

typedef struct fh_jstr {
    const char *p; /* the decoded value (not NUL-terminated), NULL if absent */
    size_t len;
    bool found;    /* the key's last occurrence holds a string */
} fh_jstr;

/* Find the string values of top-level keys keys[0..nkeys) of the stored
 * document without building a tree (docjson.c). Returns 1 with vals filled
 * (values point into doc, or into scratch when they had escapes; valid until
 * either changes), or 0 when the document is outside the strict subset the
 * fast path reads and must be parsed with jansson instead — never a
 * different answer from jansson. A key asked twice is answered at its first
 * index only (the later one stays not found). */
int fh_docjson_strings(const char *doc, size_t len, const char *const *keys, size_t nkeys,
                       fh_jstr *vals, fh_buf *scratch);

/* Append the value of top-level key key[0..klen) of the stored document
 * (valid JSON: the indexer parsed it) to out as stored, less the white space
 * between its tokens: a number keeps its text (9007199254740993, 1.10, 1e2),
 * which jansson's doubles would not. Keys are compared decoded (an escaped
 * key goes through jansson). Returns 1 when appended, 0 when the key is
 * absent, or an FH_E* code if out cannot grow. Among duplicate keys the last
 * one wins, as in jansson. */
int fh_docjson_copy_raw(const char *doc, size_t len, const char *key, size_t klen, fh_buf *out);

/* Append the stored document (a JSON object the indexer parsed) to out in
 * one line: less the white space between its tokens (a raw CR or LF between
 * them would split the reply line for a client reading lines loosely), and
 * with a key given more than once only once, at its last value, as jansson
 * and so SEARCH's fields= read it (keys compared decoded), placed where that
 * last occurrence stands. Values are copied as stored (numbers keep their
 * text). 0, or FH_ELIMIT / FH_ENOMEM (out may hold part of it then). */
int fh_docjson_copy_doc(const char *doc, size_t len, fh_buf *out);

/* ------------------------------------------------------------- searcher */

/* ---------------------------------------------------------- text cache */

/* The analyzed texts of one query (textcache.c): the focus re-rank keeps the
 * tokens of each title and body it reads whole, and the snippets of the same
 * hits take them instead of analyzing the same bytes again. A query keeps at
 * most FH_TEXTCACHE_N texts (a title and a body for each of the first 32 hits
 * read; focus_depth is 10 by default) and FH_TEXTCACHE_BYTES of texts and
 * tokens; the entries may hold FH_TEXTCACHE_HOLD from one query to the next. */
#define FH_TEXTCACHE_N 64u
#define FH_TEXTCACHE_BYTES ((size_t)4 << 20)
#define FH_TEXTCACHE_HOLD ((size_t)8 << 20)
typedef struct fh_textcache_ent {
    char *text; /* a copy of the text's len bytes (text_cap allocated) */
    size_t len, text_cap;
    fh_token_copy tc; /* its tokens */
} fh_textcache_ent;

typedef struct fh_textcache {
    fh_textcache_ent ent[FH_TEXTCACHE_N];
    uint32_t n;    /* entries of this query */
    uint32_t hits; /* analyses this query took from an entry (tests) */
    size_t bytes;  /* bytes of this query's entries: texts, tokens, strings */
} fh_textcache;

/* Empty the cache (at the start of each query); the buffers are kept unless
 * they hold more than FH_TEXTCACHE_HOLD. */
void fh_textcache_reset(fh_textcache *c);
void fh_textcache_free(fh_textcache *c);

/* fh_analyze(s->an, text, len, ...), or the tokens of an identical text
 * analyzed earlier in this query (under the same fh_analysis_alt) with
 * keep_copy, which keeps a copy of the result while there is room: pass it
 * for a whole title or body only, the text a snippet analyzes. The tokens
 * stay valid until the next fh_analyze on s->an, fh_text_analyze, or
 * fh_textcache_reset. Errors: those of fh_analyze (nothing is kept then). */
int fh_text_analyze(fh_searcher *s, const char *text, size_t len, bool keep_copy,
                    const fh_token **toks, size_t *ntoks);

struct fh_searcher {
    fh_engine *e;
    fh_analysis *an;
    fh_reader *rd;
    fh_query q;
    fh_hit *hits;         /* heap / results, cap FH_ENGINE_MAX_LIMIT + prox depth */
    uint32_t hits_cap;
    struct fh_exec_scratch *xs; /* iterator state (exec.c) */
    fh_stemtab prf;       /* feedback's terms (feedback.c), reserved on first use */
    fh_stemtab focus;     /* focus's stems of one document (focus.c), likewise */
    fh_textcache tcache;  /* this query's analyzed titles and bodies (textcache.c) */
    fh_hlterm hl[FH_Q_MAX_CLAUSES + FH_Q_MAX_ELEMS];
    fh_buf doc;           /* stored document scratch */
    fh_buf tmp;           /* scratch */
    fh_buf jstr;          /* decoded stored strings (docjson.c) */
    fh_buf body;          /* a body decoded by jansson (fh_doc_body's fallback) */
    /* snippet scratch */
    void *snip;
    size_t tok_cap;       /* bytes at snip */
    struct UBreakIterator *gbrk; /* grapheme clusters, for cuts in non-word runs
                                    (snippet.c; opened on first use, owned) */
    bool timed_out;       /* the last successful fh_search ran out of its budget */
    int snip_field;       /* this fh_search's snippet field (engine body, or -1), */
    const char *snip_key; /* and its stored key; no other key is tried when asked for */
    bool snip_asked;
};

#endif /* FAHRAS_ENGINE_INT_H */
