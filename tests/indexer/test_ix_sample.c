/* test_ix_sample.c — build an index of data/sample/news.jsonl with fh_build()
 * and read it back term by term against an inverted index computed here
 * independently (jansson + the analyzer, one document at a time, no tables,
 * no merge): every term's df, docids, per-field tfs and positions, the
 * field lengths, stored documents and ids. Plus one count that does not use
 * the analyzer at all: documents mentioning "deepseek". */
#define _GNU_SOURCE /* strcasestr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "fahras/analyze.h"
#include "fahras/err.h"
#include "fahras/index.h"
#include "ix_build.h"

#define MAXT 8192
#define MAXD 64

typedef struct occ {
    uint32_t doc, field, pos;
} occ;

typedef struct eterm {
    char stem[FH_TOKEN_MAX + 1];
    occ *o;
    size_t n, cap;
} eterm;

static eterm terms[MAXT];
static size_t nterms;
static uint32_t flen[MAXD][2];
static char *lines[MAXD];
static size_t ndocs;
static char tmpdir[256];

static eterm *term_of(const char *stem)
{
    for (size_t i = 0; i < nterms; i++)
        if (strcmp(terms[i].stem, stem) == 0)
            return &terms[i];
    assert_true(nterms < MAXT);
    eterm *t = &terms[nterms++];
    snprintf(t->stem, sizeof t->stem, "%s", stem);
    return t;
}

static void expect_doc(fh_analysis *an, uint32_t d, const char *title, const char *text)
{
    const char *f[2] = {title, text};
    for (uint32_t k = 0; k < 2; k++) {
        if (!f[k])
            continue;
        const fh_token *toks;
        size_t nt;
        assert_int_equal(fh_analyze(an, f[k], strlen(f[k]), &toks, &nt), 0);
        for (size_t i = 0; i < nt; i++) {
            if (!toks[i].stem_len)
                continue;
            eterm *t = term_of(toks[i].stem);
            if (t->n == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 8;
                t->o = realloc(t->o, t->cap * sizeof *t->o);
                assert_non_null(t->o);
            }
            t->o[t->n++] = (occ){d, k, toks[i].position};
            flen[d][k]++;
        }
    }
}

static int cmp_occ(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("FAHRAS_SOURCE_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/data/sample/news.jsonl", src ? src : ".");
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fh-ix-sample-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));

    /* the build under test */
    const char *inputs[1] = {path};
    fh_build_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = tmpdir;
    o.inputs = inputs;
    o.n_inputs = 1;
    o.fields.n = 2;
    o.fields.names[0] = "title";
    o.fields.names[1] = "text";
    o.weights[0] = 2;
    o.weights[1] = 1;
    o.threads = 2;
    o.mem_bytes = (size_t)64 << 20;
    o.max_doc_bytes = (size_t)16 << 20;
    o.batch_bytes = 4096; /* several batches, both threads busy */
    o.log = stderr;
    fh_build_stats st;
    assert_int_equal(fh_build(&o, &st), 0);
    assert_true(st.published);

    /* the independent expectation */
    fh_analyzer *a;
    fh_analysis *an;
    assert_int_equal(fh_analyzer_new(NULL, &a), 0);
    assert_int_equal(fh_analysis_new(a, &an), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n)
            continue;
        assert_true(ndocs < MAXD);
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        assert_non_null(j);
        expect_doc(an, (uint32_t)ndocs, json_string_value(json_object_get(j, "title")),
                   json_string_value(json_object_get(j, "text")));
        lines[ndocs++] = strdup(line);
        json_decref(j);
    }
    free(line);
    fclose(f);
    for (size_t i = 0; i < nterms; i++)
        qsort(terms[i].o, terms[i].n, sizeof(occ), cmp_occ);
    fh_analysis_free(an);
    fh_analyzer_free(a);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    for (size_t i = 0; i < nterms; i++)
        free(terms[i].o);
    for (size_t i = 0; i < ndocs; i++)
        free(lines[i]);
    return 0;
}

static void test_every_term(void **state)
{
    (void)state;
    fh_index *ix;
    fh_reader *r;
    assert_int_equal(fh_index_open(tmpdir, NULL, NULL, &ix), 0);
    const fh_index_meta *m = fh_index_get_meta(ix);
    assert_int_equal(m->n_docs, ndocs);
    assert_int_equal(m->n_fields, 2);
    assert_int_equal(m->n_terms, nterms);
    assert_int_equal(fh_reader_open(ix, &r), 0);
    uint64_t npost = 0;
    for (size_t i = 0; i < nterms; i++) {
        const eterm *t = &terms[i];
        fh_term_info ti;
        assert_int_equal(fh_term_get(r, t->stem, strlen(t->stem), &ti), 0);
        fh_postings *p;
        assert_int_equal(fh_postings_open(r, t->stem, strlen(t->stem), &p), 0);
        size_t k = 0;
        uint32_t df = 0;
        while (k < t->n) {
            uint32_t d = t->o[k].doc;
            assert_int_equal(fh_postings_docid(p), d);
            uint32_t tf[2] = {0, 0};
            size_t start = k;
            while (k < t->n && t->o[k].doc == d)
                tf[t->o[k++].field]++;
            const uint32_t *tfs = fh_postings_tfs(p);
            assert_int_equal(tfs[0], tf[0]);
            assert_int_equal(tfs[1], tf[1]);
            size_t q = start;
            for (unsigned f = 0; f < 2; f++) {
                const uint32_t *pos;
                size_t np;
                assert_int_equal(fh_postings_positions(p, f, &pos, &np), 0);
                assert_int_equal(np, tf[f]);
                for (size_t j = 0; j < np; j++, q++)
                    assert_int_equal(pos[j], t->o[q].pos);
            }
            df++;
            assert_int_equal(fh_postings_next(p), 0);
        }
        assert_int_equal(fh_postings_docid(p), FH_DOC_END);
        fh_postings_free(p);
        assert_int_equal(ti.df, df);
        assert_int_equal(ti.cf, t->n);
        npost += df;
    }
    assert_int_equal(m->n_postings, npost);
    for (unsigned f = 0; f < 2; f++) {
        const uint32_t *L = fh_index_field_lengths(ix, f);
        for (size_t d = 0; d < ndocs; d++)
            assert_int_equal(L[d], flen[d][f]);
    }
    fh_buf b;
    fh_buf_init(&b, 1 << 24);
    for (uint32_t d = 0; d < ndocs; d++) {
        fh_buf_reset(&b);
        assert_int_equal(fh_doc_get(r, d, &b), 0);
        assert_string_equal(b.data, lines[d]);
        json_t *j = json_loads(lines[d], 0, NULL);
        const char *id = json_string_value(json_object_get(j, "id"));
        uint32_t back;
        assert_int_equal(fh_doc_lookup(r, id, strlen(id), &back), 0);
        assert_int_equal(back, d);
        json_decref(j);
    }
    fh_buf_free(&b);
    fh_reader_close(r);
    fh_index_close(ix);
}

/* Not through the analyzer: documents whose title or text mention DeepSeek
 * (any case) must be exactly the postings of the term "deepseek". */
static void test_known_term_df(void **state)
{
    (void)state;
    uint32_t want = 0;
    for (size_t d = 0; d < ndocs; d++) {
        json_t *j = json_loads(lines[d], 0, NULL);
        const char *ti = json_string_value(json_object_get(j, "title"));
        const char *tx = json_string_value(json_object_get(j, "text"));
        if ((ti && strcasestr(ti, "deepseek")) || (tx && strcasestr(tx, "deepseek")))
            want++;
        json_decref(j);
    }
    assert_true(want > 0);
    fh_index *ix;
    fh_reader *r;
    assert_int_equal(fh_index_open(tmpdir, NULL, NULL, &ix), 0);
    assert_int_equal(fh_reader_open(ix, &r), 0);
    fh_term_info ti;
    assert_int_equal(fh_term_get(r, "deepseek", 8, &ti), 0);
    assert_int_equal(ti.df, want);
    fh_reader_close(r);
    fh_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_term),
        cmocka_unit_test(test_known_term_df),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
