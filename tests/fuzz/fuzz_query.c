/* fuzz_query.c — the engine's query path on arbitrary bytes, against a real
 * index of data/sample/news.jsonl (built once, in a temporary directory,
 * with the default analyzer). FH_FUZZ_QUERY_DOCS=FILE.jsonl [FH_FUZZ_QUERY_N=N]
 * builds it from the first N (default 2000, at most 20000) lines of another
 * corpus instead, so long lists reach the block-max pruning and multi-block
 * paths; the saved corpus is replayed against the sample.
 *
 * Each input is a query: fh_query_parse() must return 0, FH_EEMPTY, FH_ESYNTAX,
 * FH_ELIMIT or FH_EINPUT (with a message) and, on success, a well-formed
 * clause list; fh_search() with options derived from a hash of the input
 * must append exactly one valid JSON object or fail leaving the reply
 * untouched; fh_keywords() likewise. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "fahras/err.h"
#include "fuzz_util.h"
#include "tutil.h"

#ifndef FH_FUZZ_SAMPLE
#error "FH_FUZZ_SAMPLE must name data/sample/news.jsonl"
#endif

#define MAX_DOCS 20002

static tu_index ix;
static fh_query q;

static void cleanup(void)
{
    tu_index_free(&ix);
}

static int build_index(void)
{
    static tu_doc docs[MAX_DOCS];
    static char *keep[MAX_DOCS * 3];
    size_t nd = 0, nk = 0, want = MAX_DOCS - 2;
    const char *src = getenv("FH_FUZZ_QUERY_DOCS");
    if (src && *src) {
        const char *n = getenv("FH_FUZZ_QUERY_N");
        want = n && *n ? strtoul(n, NULL, 10) : 2000;
        if (want == 0 || want > MAX_DOCS - 2)
            want = MAX_DOCS - 2;
    } else {
        src = FH_FUZZ_SAMPLE;
    }
    FILE *f = fopen(src, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    while (nd < want && getline(&line, &cap, f) > 0) {
        json_t *js = json_loads(line, 0, NULL);
        if (!js)
            continue;
        const char *id = json_string_value(json_object_get(js, "id"));
        const char *ti = json_string_value(json_object_get(js, "title"));
        const char *tx = json_string_value(json_object_get(js, "text"));
        if (id && ti && tx) {
            docs[nd].id = keep[nk++] = strdup(id);
            docs[nd].field[0] = keep[nk++] = strdup(ti);
            docs[nd].field[1] = keep[nk++] = strdup(tx);
            nd++;
        }
        json_decref(js);
    }
    free(line);
    fclose(f);
    /* Latin, digits, mixed tokens and stop words beside the Arabic news */
    docs[nd++] = (tu_doc){"mixed-1", {"DeepSeek-R1 و H800", "5.6% of GPT-4o, e-mail من في على"}};
    docs[nd++] = (tu_doc){"mixed-2", {"", "والشركات الصينية لشركات بالشركة ٣٫١٤ ١٬٠٠٠ ﻻ ﷲ"}};
    static const char *const fn[2] = {"title", "text"};
    static const float fw[2] = {2.0f, 1.0f};
    int rc = tu_build(ix.dir, ix.a, 2, fn, fw, docs, nd);
    for (size_t i = 0; i < nk; i++)
        free(keep[i]);
    return rc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (tu_index_init(&ix, NULL) != 0)
        abort();
    atexit(cleanup);
    if (build_index() != 0 || tu_index_open(&ix, NULL) != 0) {
        fprintf(stderr, "fuzz_query: cannot build the sample index in %s\n", ix.dir);
        abort();
    }
    return 0;
}

static void check_parse(const char *s, size_t n, uint32_t max_terms)
{
    fh_buf err;
    fh_buf_init(&err, 4096);
    int rc = fh_query_parse(ix.s, s, n, max_terms, &q, &err);
    FZ_CHECK(rc == 0 || rc == FH_EEMPTY || rc == FH_ESYNTAX || rc == FH_ELIMIT || rc == FH_EINPUT);
    if (rc != 0) {
        FZ_CHECK(err.len > 0);
        fh_buf_free(&err);
        return;
    }
    uint32_t all = (1u << ix.e->n_fields) - 1u;
    FZ_CHECK(q.n_cl >= 1 && q.n_cl <= FH_Q_MAX_CLAUSES && q.n_el <= FH_Q_MAX_ELEMS);
    FZ_CHECK(q.n_words <= max_terms);
    bool positive = false;
    for (uint32_t i = 0; i < q.n_cl; i++) {
        const fh_clause *c = &q.cl[i];
        FZ_CHECK(c->field_mask != 0 && (c->field_mask & ~all) == 0);
        FZ_CHECK(c->qtf >= 1);
        if (c->occur != FH_OCC_NOT)
            positive = true;
        /* a word's alt clause (alternative stem or tense variant) is a
         * ranked TERM of the same kind */
        if (c->alt_ix >= 0) {
            FZ_CHECK(!c->is_alt && (uint32_t)c->alt_ix < q.n_cl);
            FZ_CHECK(q.cl[c->alt_ix].is_alt && q.cl[c->alt_ix].is_var == c->is_var);
        }
        if (c->is_alt)
            FZ_CHECK(c->kind == FH_CL_TERM && c->occur == FH_OCC_SHOULD);
        /* only a question's ranked words (or their alt clauses) are
         * down-weighted as answer-type words */
        FZ_CHECK(c->weight == 1.0f || (c->weight == ix.e->rp.answer_type_weight && q.question &&
                                       c->kind == FH_CL_TERM && c->occur == FH_OCC_SHOULD));
        /* a phrase's words, a mixed word's parts (at consecutive positions) */
        if (c->kind == FH_CL_PHRASE || c->kind == FH_CL_MIXED) {
            FZ_CHECK(c->n_el >= 2 && c->n_el <= FH_Q_MAX_PHRASE);
            FZ_CHECK((uint64_t)c->first_el + c->n_el <= q.n_el);
            for (uint32_t k = 0; k < c->n_el; k++) {
                const fh_qelem *e = &q.el[c->first_el + k];
                FZ_CHECK(e->len <= FH_TOKEN_MAX && e->term[e->len] == '\0');
                FZ_CHECK(k == 0 ? e->rel == 0 : e->rel >= q.el[c->first_el + k - 1].rel);
                if (c->kind == FH_CL_MIXED && k > 0)
                    FZ_CHECK(e->rel > q.el[c->first_el + k - 1].rel);
            }
        }
        if (c->kind != FH_CL_PHRASE) {
            FZ_CHECK(c->len >= 1 && c->len <= FH_TOKEN_MAX && c->term[c->len] == '\0');
            FZ_CHECK(fz_utf8_ok(c->term, c->len));
        }
        /* a mixed word is never a stop word and has no alt clause */
        if (c->kind == FH_CL_MIXED)
            FZ_CHECK(!c->stop && !c->is_alt && c->alt_ix < 0);
    }
    FZ_CHECK(positive);
    /* the words as typed (exact.c): valid UTF-8 of at most FH_TOKEN_MAX
     * bytes, with a stem, in the order typed */
    FZ_CHECK(q.n_form <= FH_Q_MAX_FORMS);
    for (uint32_t i = 0; i < q.n_form; i++) {
        const fh_qform *f = &q.form[i];
        FZ_CHECK(f->form_len >= 1 && f->form_len <= FH_TOKEN_MAX && f->form[f->form_len] == '\0');
        FZ_CHECK(fz_utf8_ok(f->form, f->form_len));
        FZ_CHECK(f->stem_len >= 1 && f->norm_len >= 1);
        FZ_CHECK(i == 0 || f->seq > q.form[i - 1].seq);
    }
    fh_buf_free(&err);
}

static uint32_t hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* A reply is appended whole or not at all. */
/* Whether the n bytes at p hold the k bytes at w. */
static bool has_bytes(const char *p, size_t n, const char *w, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, w, k) == 0)
            return true;
    return false;
}

static void check_reply(int rc, fh_buf *out, size_t mark, fh_buf *err)
{
    if (rc == 0) {
        FZ_CHECK(out->len > mark);
        FZ_CHECK(fz_json_ok(out->data + mark, out->len - mark));
    } else {
        FZ_CHECK(rc < 0 && out->len == mark);
        FZ_CHECK(err->len > 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 16)
        return 0;
    const char *s = (const char *)data;
    uint32_t h = hash(data, size);
    check_parse(s, size, 1 + h % FH_ENGINE_MAX_TERMS);
    check_parse(s, size, 64);

    static const char *const marks[] = {"<b>", "", "\xe2\x9f\xa8", "<em class=x>", "[[", "]]"};
    static const char *const names[] = {"title", "text", "date", "source", "id", "nope"};
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.time_budget_us = 0;
    o.limit = h % 3 == 0 ? 1 + (h >> 3) % 50 : 10;
    o.offset = (h >> 9) % 4 == 0 ? (h >> 11) % 40 : 0;
    o.snippets = (h >> 13) % 4 != 0;
    o.snippet_len = 1 + (h >> 15) % 300;
    o.snippet_count = 1 + (h >> 17) % FH_ENGINE_MAX_SNIPPETS;
    o.hl_open = marks[(h >> 20) % 6];
    o.hl_close = marks[(h >> 23) % 6];
    if ((h >> 26) % 2) {
        o.fields = names;
        o.n_fields = 6;
        o.return_fields = (h >> 27) & 0x3Fu;
    }
    o.max_prefix_expansions = 1 + (h >> 5) % 100;
    /* the index's fields are title and text: another name is refused */
    bool bad_field = false;
    const uint32_t g = h * 0x9E3779B1u; /* bits of their own: a bijection of h, mixed */
    if ((g >> 28) % 4 == 0) {
        o.snippet_field = names[(g >> 20) % 6];
        bad_field = strcmp(o.snippet_field, "title") != 0 && strcmp(o.snippet_field, "text") != 0;
    }
    /* exact_total: a pure OR over more than 50,000 postings (an index of
       FH_FUZZ_QUERY_DOCS) is counted, not estimated; with no time budget its
       total is never flagged an estimate */
    o.exact_total = (g >> 8) & 1u;

    fh_buf out, err;
    fh_buf_init(&out, 1u << 24);
    fh_buf_init(&err, 4096);
    fh_buf_adds(&out, "x");
    size_t mark = out.len;
    int rc = fh_search(ix.s, &o, s, size, &out, &err);
    FZ_CHECK(bad_field ? rc == FH_EINVAL
                       : rc == 0 || rc == FH_EEMPTY || rc == FH_ESYNTAX || rc == FH_ELIMIT ||
                             rc == FH_EINPUT);
    check_reply(rc, &out, mark, &err);
    static const char est[] = "\"total_is_estimate\":true";
    if (rc == 0 && o.exact_total)
        FZ_CHECK(!has_bytes(out.data + mark, out.len - mark, est, sizeof est - 1));

    fh_buf_reset(&out);
    fh_buf_reset(&err);
    rc = fh_keywords(ix.s, s, size, &out, &err);
    check_reply(rc, &out, 0, &err);
    if (fz_utf8_ok(s, size))
        FZ_CHECK(rc == 0);
    fh_buf_free(&out);
    fh_buf_free(&err);
    return 0;
}
