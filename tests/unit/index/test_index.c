/* test_index.c — the index writer and reader end to end: a synthetic
 * collection written and read back (terms, prefix walks, postings
 * next/seek/block bounds against brute force, positions, lengths, stored
 * documents, ids, meta), atomic publish under abort, _exit and kill -9,
 * version/analyzer refusal, and corrupted values reported as FH_ECORRUPT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fahras/err.h"
#include "fahras/index.h"

#define FH_DOC_ZSTD_TEST 1u /* docs value flag bit 0 (docs/FORMAT.md) */

#define NDOCS 1000u
#define NF 2u

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

/* ------------------------------------------------------------ the corpus */

typedef struct posting {
    uint32_t doc;
    uint32_t tf[NF];
    uint32_t *pos; /* tf[0] + tf[1] positions, field by field */
} posting;

typedef struct term {
    char name[64];
    size_t len;
    posting *p;
    uint32_t n;
    int with_pos;
} term;

typedef struct corpus {
    uint32_t lens[NF][NDOCS];
    char *stored[NDOCS];
    size_t stored_len[NDOCS];
    char ext[NDOCS][24];
    term *terms;
    size_t n_terms;
} corpus;

static corpus C;

static int term_cmp(const void *a, const void *b)
{
    const term *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, m);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Documents of a term: `kind` picks a shape (dense, sparse, df 1/128/129, ...). */
static void make_term(term *t, const char *name, int kind)
{
    t->len = strlen(name);
    memcpy(t->name, name, t->len + 1);
    t->p = calloc(NDOCS, sizeof *t->p);
    assert_non_null(t->p);
    t->with_pos = kind != 6;
    uint32_t n = 0;
    for (uint32_t d = 0; d < NDOCS; d++) {
        int take;
        switch (kind) {
        case 0: take = 1; break;                      /* every document */
        case 1: take = rnd() % 3 == 0; break;         /* a third */
        case 2: take = rnd() % 50 == 0; break;        /* sparse */
        case 3: take = d == 0 || d == NDOCS - 1; break; /* first and last */
        case 4: take = d < 128; break;                /* exactly one block */
        case 5: take = d >= 300 && d < 429; break;    /* 129: one block and one doc */
        case 6: take = rnd() % 4 == 0; break;         /* no positions */
        case 7: take = d == 517; break;               /* df 1 */
        default: take = rnd() % 7 == 0; break;
        }
        if (!take)
            continue;
        posting *p = &t->p[n++];
        p->doc = d;
        for (unsigned f = 0; f < NF; f++)
            p->tf[f] = (rnd() % 3 == 0) ? 0 : 1 + (uint32_t)(rnd() % 4);
        if (p->tf[0] + p->tf[1] == 0)
            p->tf[1] = 1;
        if (kind == 8 && n == 3)
            p->tf[0] = 70000; /* past the u16 block bound: saturates */
        uint32_t tot = p->tf[0] + p->tf[1];
        p->pos = malloc(tot * sizeof *p->pos);
        assert_non_null(p->pos);
        uint32_t k = 0;
        for (unsigned f = 0; f < NF; f++) {
            uint32_t x = (uint32_t)(rnd() % 5);
            for (uint32_t i = 0; i < p->tf[f]; i++) {
                p->pos[k++] = x;
                x += 1 + (uint32_t)(rnd() % 40);
            }
        }
    }
    t->n = n;
}

static void make_corpus(void)
{
    rng_state = 20240611;
    for (uint32_t d = 0; d < NDOCS; d++) {
        C.lens[0][d] = 1 + (uint32_t)(rnd() % 20);
        C.lens[1][d] = (uint32_t)(rnd() % 500);
        if (d == 700)
            C.lens[1][d] = 100000; /* past the u16 block bound */
        snprintf(C.ext[d], sizeof C.ext[d], "doc-%05u", (unsigned)(NDOCS * 7 - d * 7));
        size_t body = d % 10 == 0 ? 6000 : (size_t)(rnd() % 200);
        char *s = malloc(body + 64);
        assert_non_null(s);
        int h = snprintf(s, 64, "{\"id\":\"%s\",\"text\":\"", C.ext[d]);
        size_t k = (size_t)h;
        for (size_t i = 0; i < body; i++)
            s[k++] = (char)('a' + rnd() % (d % 20 == 0 ? 3 : 26));
        memcpy(s + k, "\"}", 3);
        C.stored[d] = s;
        C.stored_len[d] = k + 2;
    }
    static const char *names[] = {"a", "ab", "abc", "abd", "abe", "abf", "abg", "b",
                                  "\xd8\xa7\xd9\x84\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8", "z"};
    size_t nn = sizeof names / sizeof names[0];
    C.n_terms = nn + 40;
    C.terms = calloc(C.n_terms, sizeof *C.terms);
    assert_non_null(C.terms);
    for (size_t i = 0; i < nn; i++)
        make_term(&C.terms[i], names[i], (int)(i % 10));
    for (size_t i = nn; i < C.n_terms; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "t%02zu", i);
        make_term(&C.terms[i], nm, (int)(i % 10));
    }
    qsort(C.terms, C.n_terms, sizeof *C.terms, term_cmp);
}

static void free_corpus(void)
{
    for (uint32_t d = 0; d < NDOCS; d++)
        free(C.stored[d]);
    for (size_t i = 0; i < C.n_terms; i++) {
        for (uint32_t j = 0; j < C.terms[i].n; j++)
            free(C.terms[i].p[j].pos);
        free(C.terms[i].p);
    }
    free(C.terms);
}

static fh_index_build_info build_info(void)
{
    fh_index_build_info bi = {0};
    bi.analyzer_name = "fahras-ar";
    bi.analyzer_version = "1.3";
    bi.n_fields = NF;
    bi.field_names[0] = "title";
    bi.field_names[1] = "text";
    bi.field_weights[0] = 2.5f;
    bi.field_weights[1] = 1.0f;
    bi.map_size_hint = 1 << 20; /* small: the writer must grow the map */
    return bi;
}

/* Positions in the stored encoding (per field with tf > 0: LEB128, first
 * as is, then differences), for fh_index_writer_term_add_vpos(). */
static size_t vpos_encode(uint8_t *out, const uint32_t *tf, const uint32_t *pos)
{
    size_t k = 0, o = 0;
    for (unsigned f = 0; f < NF; f++)
        for (uint32_t i = 0; i < tf[f]; i++, k++) {
            uint32_t v = i ? pos[k] - pos[k - 1] : pos[k];
            while (v >= 0x80) {
                out[o++] = (uint8_t)(v | 0x80);
                v >>= 7;
            }
            out[o++] = (uint8_t)v;
        }
    return o;
}

/* Write the corpus (optionally only the first ndocs documents and no terms). */
static int write_corpus(const char *dir, uint32_t ndocs, int with_terms)
{
    fh_index_build_info bi = build_info();
    fh_index_writer *w;
    int rc = fh_index_writer_open(dir, &bi, &w);
    if (rc)
        return rc;
    for (uint32_t d = 0; d < ndocs; d++) {
        uint32_t fl[NF] = {C.lens[0][d], C.lens[1][d]};
        rc = fh_index_writer_add_doc(w, d, C.ext[d], strlen(C.ext[d]), fl, C.stored[d],
                                     C.stored_len[d]);
        assert_int_equal(rc, 0);
    }
    for (size_t i = 0; with_terms && i < C.n_terms; i++) {
        term *t = &C.terms[i];
        assert_int_equal(fh_index_writer_term_begin(w, t->name, t->len), 0);
        for (uint32_t j = 0; j < t->n; j++) {
            posting *p = &t->p[j];
            size_t np = t->with_pos ? p->tf[0] + p->tf[1] : 0;
            assert_int_equal(fh_index_writer_term_add(w, p->doc, p->tf, p->pos, np), 0);
        }
        assert_int_equal(fh_index_writer_term_end(w), 0);
    }
    return fh_index_writer_commit(w);
}

/* The whole corpus with positions given encoded (vpos) for every other
 * posting, or decoded throughout (vpos = 0). */
static int write_corpus_vpos(const char *dir, int vpos)
{
    fh_index_build_info bi = build_info();
    fh_index_writer *w;
    int rc = fh_index_writer_open(dir, &bi, &w);
    if (rc)
        return rc;
    for (uint32_t d = 0; d < NDOCS; d++) {
        uint32_t fl[NF] = {C.lens[0][d], C.lens[1][d]};
        assert_int_equal(fh_index_writer_add_doc(w, d, C.ext[d], strlen(C.ext[d]), fl,
                                                 C.stored[d], C.stored_len[d]),
                         0);
    }
    uint8_t *buf = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < C.n_terms; i++) {
        term *t = &C.terms[i];
        assert_int_equal(fh_index_writer_term_begin(w, t->name, t->len), 0);
        for (uint32_t j = 0; j < t->n; j++) {
            posting *p = &t->p[j];
            size_t np = t->with_pos ? p->tf[0] + p->tf[1] : 0;
            if (vpos && np && j % 2 == 0) {
                if (np * 5 > cap) {
                    cap = np * 5;
                    buf = realloc(buf, cap);
                    assert_non_null(buf);
                }
                size_t vl = vpos_encode(buf, p->tf, p->pos);
                if (vl >= 2) { /* refused: one byte short, one too many */
                    assert_int_equal(fh_index_writer_term_add_vpos(w, p->doc, p->tf, buf, vl - 1),
                                     FH_EINVAL);
                    uint32_t tf2[NF] = {p->tf[0] + 1, p->tf[1]};
                    assert_int_equal(fh_index_writer_term_add_vpos(w, p->doc, tf2, buf, vl),
                                     FH_EINVAL);
                }
                assert_int_equal(fh_index_writer_term_add_vpos(w, p->doc, p->tf, buf, vl), 0);
            } else {
                assert_int_equal(fh_index_writer_term_add(w, p->doc, p->tf, p->pos, np), 0);
            }
        }
        assert_int_equal(fh_index_writer_term_end(w), 0);
    }
    free(buf);
    return fh_index_writer_commit(w);
}

static char *make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "%s/fh-ixtest-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    rmdir(dir);
}

/* Files in dir whose name starts with prefix. */
static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

static int has_zstd_dict(const char *dir);

/* ------------------------------------------------------------ round trip */

static int setup_corpus(void **state)
{
    (void)state;
    make_corpus();
    return 0;
}

static int teardown_corpus(void **state)
{
    (void)state;
    free_corpus();
    return 0;
}

static uint32_t lower_bound(const term *t, uint32_t target)
{
    uint32_t i = 0;
    while (i < t->n && t->p[i].doc < target)
        i++;
    return i;
}

static void check_bound(const term *t, fh_postings *p, uint32_t target, const fh_term_info *ti)
{
    fh_block_bound bb;
    assert_int_equal(fh_postings_block_bound(p, target, &bb), 0);
    uint32_t i = lower_bound(t, target);
    if (i == t->n) {
        assert_true(bb.last_docid == FH_DOC_END);
        return;
    }
    uint32_t b0 = i / 128 * 128, b1 = b0 + 128 < t->n ? b0 + 128 : t->n;
    assert_int_equal(bb.last_docid, t->p[b1 - 1].doc);
    for (unsigned f = 0; f < NF; f++) {
        uint32_t mx = 0, mn = UINT32_MAX;
        for (uint32_t j = b0; j < b1; j++) {
            if (!t->p[j].tf[f])
                continue;
            if (t->p[j].tf[f] > mx)
                mx = t->p[j].tf[f];
            if (C.lens[f][t->p[j].doc] < mn)
                mn = C.lens[f][t->p[j].doc];
            /* the bound bounds every document */
            assert_true(bb.max_tf[f] >= t->p[j].tf[f]);
            assert_true(bb.min_len[f] <= C.lens[f][t->p[j].doc]);
        }
        assert_int_equal(bb.max_tf[f], mx < 0xffff ? mx : ti->max_tf[f]);
        assert_int_equal(bb.min_len[f], mx == 0 ? 0 : mn < 0xffff ? mn : 0xffff);
    }
}

static void check_positions(const term *t, fh_postings *p, uint32_t j)
{
    const posting *e = &t->p[j];
    uint32_t k = 0;
    for (unsigned f = 0; f < NF; f++) {
        const uint32_t *pos;
        size_t n;
        assert_int_equal(fh_postings_positions(p, f, &pos, &n), 0);
        if (!t->with_pos) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_int_equal(n, e->tf[f]);
        if (n)
            assert_memory_equal(pos, e->pos + k, n * sizeof *pos);
        k += e->tf[f];
    }
}

static void check_term(fh_reader *r, const term *t)
{
    fh_term_info ti;
    assert_int_equal(fh_term_get(r, t->name, t->len, &ti), 0);
    assert_int_equal(ti.df, t->n);
    uint64_t cf = 0;
    for (unsigned f = 0; f < NF; f++) {
        uint32_t dff = 0, mx = 0, mn = UINT32_MAX;
        for (uint32_t j = 0; j < t->n; j++) {
            cf += t->p[j].tf[f];
            if (!t->p[j].tf[f])
                continue;
            dff++;
            mx = t->p[j].tf[f] > mx ? t->p[j].tf[f] : mx;
            mn = C.lens[f][t->p[j].doc] < mn ? C.lens[f][t->p[j].doc] : mn;
        }
        assert_int_equal(ti.df_field[f], dff);
        assert_int_equal(ti.max_tf[f], mx);
        assert_int_equal(ti.min_len[f], dff ? mn : 0);
    }
    assert_true(ti.cf == cf);

    /* full walk with next, positions on every third document */
    fh_postings *p;
    assert_int_equal(fh_postings_open(r, t->name, t->len, &p), 0);
    for (uint32_t j = 0; j < t->n; j++) {
        assert_int_equal(fh_postings_docid(p), t->p[j].doc);
        assert_memory_equal(fh_postings_tfs(p), t->p[j].tf, sizeof t->p[j].tf);
        if (j % 3 == 0)
            check_positions(t, p, j);
        assert_int_equal(fh_postings_next(p), 0);
    }
    assert_true(fh_postings_docid(p) == FH_DOC_END);
    assert_int_equal(fh_postings_next(p), 0);
    assert_true(fh_postings_docid(p) == FH_DOC_END);
    fh_postings_free(p);

    /* batch walk */
    assert_int_equal(fh_postings_open(r, t->name, t->len, &p), 0);
    uint32_t seen = 0;
    const uint32_t *bd, *bt;
    size_t bn;
    while ((bn = fh_postings_batch(p, &bd, &bt)) > 0) {
        for (size_t i = 0; i < bn; i++, seen++) {
            assert_int_equal(bd[i], t->p[seen].doc);
            assert_memory_equal(bt + i * NF, t->p[seen].tf, sizeof t->p[seen].tf);
        }
        assert_int_equal(fh_postings_seek(p, bd[bn - 1] + 1), 0);
    }
    assert_int_equal(seen, t->n);
    fh_postings_free(p);

    /* increasing random seeks, with block bounds before each */
    for (int round = 0; round < 5; round++) {
        assert_int_equal(fh_postings_open(r, t->name, t->len, &p), 0);
        uint32_t target = 0;
        check_bound(t, p, 0, &ti);
        while (1) {
            target += (uint32_t)(rnd() % (round == 0 ? 3u : (uint64_t)round * 60u));
            if (target > NDOCS + 5)
                break;
            check_bound(t, p, target, &ti);
            uint32_t cur = fh_postings_docid(p);
            assert_int_equal(fh_postings_seek(p, target), 0);
            uint32_t want_i = lower_bound(t, target);
            uint32_t want = want_i < t->n ? t->p[want_i].doc : FH_DOC_END;
            if (cur != FH_DOC_END && cur > target)
                want = cur; /* seek never moves backwards */
            assert_int_equal(fh_postings_docid(p), want);
            if (want != FH_DOC_END) {
                want_i = lower_bound(t, want);
                assert_memory_equal(fh_postings_tfs(p), t->p[want_i].tf, sizeof t->p[want_i].tf);
                if (rnd() % 2)
                    check_positions(t, p, want_i);
            }
        }
        assert_int_equal(fh_postings_seek(p, UINT32_MAX), 0);
        assert_true(fh_postings_docid(p) == FH_DOC_END);
        fh_postings_free(p);
    }
}

struct prefix_ctx {
    char seen[16][64];
    size_t n;
    int stop_at;
};

static int prefix_cb(void *ctx, const char *name, size_t len, const fh_term_info *ti)
{
    struct prefix_ctx *c = ctx;
    assert_true(ti->df > 0);
    assert_true(len < 64 && c->n < 16);
    memcpy(c->seen[c->n], name, len);
    c->seen[c->n][len] = '\0';
    c->n++;
    return (int)c->n == c->stop_at ? 77 : 0;
}

/* Every term's list open at once, freed, opened again in another order: the
 * reader hands back the iterators it had (a query of thousands of lists
 * allocates nothing the second time; keeping only a few made such a query
 * fault its memory in again at every repetition), each positioned on its new
 * term's first document with its frequencies. */
static void check_reuse(fh_reader *r)
{
    fh_postings *first[64], *again[64];
    assert_true(C.n_terms <= 64 && C.n_terms > 32);
    for (size_t i = 0; i < C.n_terms; i++)
        assert_int_equal(fh_postings_open(r, C.terms[i].name, C.terms[i].len, &first[i]), 0);
    size_t had_iters = fh_reader_iterators(r);
    assert_true(had_iters >= C.n_terms);
    for (size_t i = 0; i < C.n_terms; i++)
        fh_postings_free(first[i]);
    assert_int_equal(fh_reader_iterators(r), had_iters); /* all kept */
    for (size_t i = 0; i < C.n_terms; i++) {
        const term *t = &C.terms[C.n_terms - 1 - i];
        assert_int_equal(fh_postings_open(r, t->name, t->len, &again[i]), 0);
        assert_int_equal(fh_postings_docid(again[i]), t->p[0].doc);
        assert_memory_equal(fh_postings_tfs(again[i]), t->p[0].tf, sizeof t->p[0].tf);
        bool had = false;
        for (size_t j = 0; j < C.n_terms && !had; j++)
            had = again[i] == first[j];
        assert_true(had);
    }
    assert_int_equal(fh_reader_iterators(r), had_iters); /* none allocated */
    for (size_t i = 0; i < C.n_terms; i++)
        fh_postings_free(again[i]);
}

static void test_roundtrip(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    assert_int_equal(fh_index_file_id(dir), 0);
    fh_index *ix;
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), FH_ENOTFOUND);
    assert_int_equal(write_corpus(dir, NDOCS, 1), 0);
    assert_int_equal(count_files(dir, ".build"), 0);
    assert_int_equal(fh_index_open(dir, "fahras-ar", "1.3", &ix), 0);
    assert_true(fh_index_id(ix) != 0);
    assert_true(fh_index_id(ix) == fh_index_file_id(dir));

    const fh_index_meta *m = fh_index_get_meta(ix);
    assert_int_equal(m->format_version, FH_FORMAT_VERSION);
    assert_string_equal(m->analyzer_name, "fahras-ar");
    assert_string_equal(m->analyzer_version, "1.3");
    assert_int_equal(m->n_docs, NDOCS);
    assert_int_equal(m->n_fields, NF);
    assert_string_equal(m->field_names[0], "title");
    assert_string_equal(m->field_names[1], "text");
    assert_true(m->field_weights[0] == 2.5f && m->field_weights[1] == 1.0f);
    uint64_t np = 0;
    for (size_t i = 0; i < C.n_terms; i++)
        np += C.terms[i].n;
    assert_true(m->n_terms == C.n_terms);
    assert_true(m->n_postings == np);
    for (unsigned f = 0; f < NF; f++) {
        double s = 0;
        for (uint32_t d = 0; d < NDOCS; d++)
            s += C.lens[f][d];
        assert_true(m->avg_field_len[f] == s / NDOCS);
        const uint32_t *l = fh_index_field_lengths(ix, f);
        assert_non_null(l);
        assert_memory_equal(l, C.lens[f], sizeof C.lens[f]);
    }
    assert_null(fh_index_field_lengths(ix, NF));

    fh_reader *r;
    assert_int_equal(fh_reader_open(ix, &r), 0);
    rng_state = 5;
    for (size_t i = 0; i < C.n_terms; i++)
        check_term(r, &C.terms[i]);
    check_reuse(r);
    fh_term_info ti;
    fh_postings *p;
    assert_int_equal(fh_term_get(r, "nope", 4, &ti), FH_ENOTFOUND);
    assert_int_equal(fh_term_get(r, "ab", 1, &ti), 0); /* "a" */
    assert_int_equal(fh_postings_open(r, "abz", 3, &p), FH_ENOTFOUND);

    /* prefix walks: all, capped, stopped by the callback, empty prefix */
    struct prefix_ctx pc = {.stop_at = -1};
    assert_int_equal(fh_term_prefix(r, "ab", 2, 100, prefix_cb, &pc), 0);
    assert_int_equal(pc.n, 6);
    assert_string_equal(pc.seen[0], "ab");
    assert_string_equal(pc.seen[1], "abc");
    assert_string_equal(pc.seen[5], "abg");
    memset(&pc, 0, sizeof pc);
    pc.stop_at = -1;
    assert_int_equal(fh_term_prefix(r, "ab", 2, 3, prefix_cb, &pc), 0);
    assert_int_equal(pc.n, 3);
    assert_string_equal(pc.seen[2], "abd");
    memset(&pc, 0, sizeof pc);
    pc.stop_at = 2;
    assert_int_equal(fh_term_prefix(r, "ab", 2, 100, prefix_cb, &pc), 77);
    memset(&pc, 0, sizeof pc);
    pc.stop_at = -1;
    assert_int_equal(fh_term_prefix(r, "", 0, 4, prefix_cb, &pc), 0);
    assert_int_equal(pc.n, 4);
    assert_string_equal(pc.seen[0], "a");
    memset(&pc, 0, sizeof pc);
    assert_int_equal(fh_term_prefix(r, "zz", 2, 4, prefix_cb, &pc), 0);
    assert_int_equal(pc.n, 0);
    assert_int_equal(fh_term_prefix(r, "\xd8\xa7\xd9\x84", 4, 4, prefix_cb, &pc), 0);
    assert_int_equal(pc.n, 1);

    /* stored documents and ids both ways */
    fh_buf b;
    fh_buf_init(&b, 1 << 20);
    for (uint32_t d = 0; d < NDOCS; d++) {
        fh_buf_reset(&b);
        assert_int_equal(fh_doc_get(r, d, &b), 0);
        assert_int_equal(b.len, C.stored_len[d]);
        assert_memory_equal(b.data, C.stored[d], b.len);
        const char *id;
        size_t il;
        assert_int_equal(fh_doc_ext_id(r, d, &id, &il), 0);
        assert_int_equal(il, strlen(C.ext[d]));
        assert_memory_equal(id, C.ext[d], il);
        uint32_t got;
        assert_int_equal(fh_doc_lookup(r, C.ext[d], strlen(C.ext[d]), &got), 0);
        assert_int_equal(got, d);
    }
    fh_buf_free(&b);
    fh_index_db_stat ds[FH_INDEX_N_DBS];
    assert_int_equal(fh_index_db_stats(r, ds), 0);
    assert_string_equal(ds[1].name, "terms");
    assert_true(ds[1].entries == C.n_terms);
    assert_true(ds[5].entries == NDOCS && ds[6].entries == NDOCS);
    assert_true(ds[5].bytes > 0);
    uint32_t got;
    assert_int_equal(fh_doc_lookup(r, "doc-x", 5, &got), FH_ENOTFOUND);
    assert_int_equal(fh_doc_get(r, NDOCS, &b), FH_ENOTFOUND);
    fh_reader_close(r);

    /* the file is much smaller than the raw documents: zstd was used */
    struct stat st;
    char path[512];
    snprintf(path, sizeof path, "%s/index.mdb", dir);
    assert_int_equal(stat(path, &st), 0);
    size_t raw = 0;
    for (uint32_t d = 0; d < NDOCS; d++)
        raw += C.stored_len[d];
    assert_true((size_t)st.st_size < raw * 2);

    assert_true(has_zstd_dict(dir)); /* 1000 documents: trained at commit */
    fh_index_close(ix);
    rm_rf(dir);
    free(dir);
}

static void test_empty_and_misuse(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    fh_index_build_info bi = build_info();
    fh_index_writer *w;
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    uint32_t fl[NF] = {1, 1}, tfs[NF] = {1, 0}, zero[NF] = {0, 0}, pos[2] = {3, 1};
    assert_int_equal(fh_index_writer_add_doc(w, 1, "x", 1, fl, "{}", 2), FH_EINVAL); /* gap */
    assert_int_equal(fh_index_writer_add_doc(w, 0, "x", 1, fl, "{}", 2), 0);
    assert_int_equal(fh_index_writer_add_doc(w, 1, "y", 1, fl, "{}", 2), 0);
    assert_int_equal(fh_index_writer_term_add(w, 0, tfs, NULL, 0), FH_EINVAL); /* no term */
    assert_int_equal(fh_index_writer_term_begin(w, "m", 1), 0);
    assert_int_equal(fh_index_writer_term_add(w, 2, tfs, NULL, 0), FH_EINVAL);  /* no doc 2 */
    assert_int_equal(fh_index_writer_term_add(w, 0, zero, NULL, 0), FH_EINVAL); /* all zero */
    uint32_t tf2[NF] = {2, 0};
    assert_int_equal(fh_index_writer_term_add(w, 0, tf2, pos, 2), FH_EINVAL); /* decreasing */
    assert_int_equal(fh_index_writer_term_add(w, 0, tfs, pos, 2), FH_EINVAL); /* npos != tf */
    assert_int_equal(fh_index_writer_term_add(w, 1, tfs, pos, 1), 0);
    assert_int_equal(fh_index_writer_term_add(w, 1, tfs, pos, 1), FH_EINVAL); /* not increasing */
    assert_int_equal(fh_index_writer_term_add(w, 0, tfs, pos, 1), FH_EINVAL);
    assert_int_equal(fh_index_writer_term_end(w), 0);
    assert_int_equal(fh_index_writer_term_begin(w, "a", 1), FH_EINVAL); /* out of order */
    assert_int_equal(fh_index_writer_term_begin(w, "m", 1), FH_EINVAL); /* duplicate */
    assert_int_equal(fh_index_writer_term_begin(w, "ma", 2), 0);
    /* empty positions for a whole term are fine */
    assert_int_equal(fh_index_writer_term_add(w, 0, tfs, NULL, 0), 0);
    assert_int_equal(fh_index_writer_term_end(w), 0);
    assert_int_equal(fh_index_writer_commit(w), 0);

    fh_index *ix;
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), 0);
    fh_reader *r;
    assert_int_equal(fh_reader_open(ix, &r), 0);
    fh_postings *p;
    assert_int_equal(fh_postings_open(r, "ma", 2, &p), 0);
    const uint32_t *pp;
    size_t n = 9;
    assert_int_equal(fh_postings_positions(p, 0, &pp, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(fh_postings_positions(p, NF, &pp, &n), FH_EINVAL);
    fh_postings_free(p);
    fh_reader_close(r);
    fh_index_close(ix);

    /* a collection without documents */
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    assert_int_equal(fh_index_writer_commit(w), 0);
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), 0);
    assert_int_equal(fh_index_get_meta(ix)->n_docs, 0);
    assert_int_equal(fh_index_get_meta(ix)->n_terms, 0);
    assert_int_equal(fh_reader_open(ix, &r), 0);
    fh_term_info ti;
    assert_int_equal(fh_term_get(r, "m", 1, &ti), FH_ENOTFOUND);
    fh_reader_close(r);
    fh_index_close(ix);

    /* commit inside a term fails and leaves nothing behind */
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    assert_int_equal(fh_index_writer_term_begin(w, "q", 1), 0);
    assert_int_equal(fh_index_writer_commit(w), FH_EINVAL);
    assert_int_equal(count_files(dir, ".build"), 0);

    /* bad build info */
    bi.n_fields = 0;
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), FH_EINVAL);
    bi = build_info();
    bi.field_names[1] = "title";
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), FH_EINVAL);
    rm_rf(dir);
    free(dir);
}

/* ------------------------------------------------------- atomic publish */

/* The live index answers the way the first build made it. */
static void assert_old_index(const char *dir, uint64_t id)
{
    fh_index *ix;
    assert_int_equal(fh_index_open(dir, "fahras-ar", "1.3", &ix), 0);
    assert_true(fh_index_id(ix) == id);
    assert_int_equal(fh_index_get_meta(ix)->n_docs, 100);
    fh_reader *r;
    assert_int_equal(fh_reader_open(ix, &r), 0);
    fh_term_info ti;
    assert_int_equal(fh_term_get(r, C.terms[0].name, C.terms[0].len, &ti), FH_ENOTFOUND);
    uint32_t d;
    assert_int_equal(fh_doc_lookup(r, C.ext[99], strlen(C.ext[99]), &d), 0);
    assert_int_equal(d, 99);
    fh_reader_close(r);
    fh_index_close(ix);
}

static void test_atomic_publish(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    assert_int_equal(write_corpus(dir, 100, 0), 0);
    uint64_t id = fh_index_file_id(dir);
    assert_true(id != 0);
    assert_old_index(dir, id);

    /* abort */
    fh_index_build_info bi = build_info();
    fh_index_writer *w;
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    assert_int_equal(count_files(dir, ".build"), 2); /* file and its lock */
    uint32_t fl[NF] = {1, 2};
    assert_int_equal(fh_index_writer_add_doc(w, 0, "n", 1, fl, "{}", 2), 0);
    fh_index_writer_abort(w);
    assert_int_equal(count_files(dir, ".build"), 0);
    assert_old_index(dir, id);

    /* a child that dies mid-build with _exit(), and one killed with SIGKILL */
    for (int mode = 0; mode < 2; mode++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            fh_index_build_info cbi = build_info();
            fh_index_writer *cw;
            if (fh_index_writer_open(dir, &cbi, &cw))
                _exit(2);
            for (uint32_t d = 0; d < NDOCS; d++) {
                uint32_t cfl[NF] = {C.lens[0][d], C.lens[1][d]};
                if (fh_index_writer_add_doc(cw, d, C.ext[d], strlen(C.ext[d]), cfl, C.stored[d],
                                            C.stored_len[d]))
                    _exit(3);
            }
            if (mode == 0)
                _exit(0);
            if (write(fds[1], "x", 1) != 1)
                _exit(4);
            for (;;)
                pause();
        }
        close(fds[1]);
        if (mode == 1) {
            char c;
            assert_int_equal(read(fds[0], &c, 1), 1);
            kill(pid, SIGKILL);
        }
        close(fds[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (mode == 0)
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        else
            assert_true(WIFSIGNALED(status));
        char prefix[64];
        snprintf(prefix, sizeof prefix, ".build-%ld-", (long)pid);
        assert_int_equal(count_files(dir, prefix), 2);
        assert_old_index(dir, id);
        /* the next writer removes the dead build */
        assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
        assert_int_equal(count_files(dir, prefix), 0);
        fh_index_writer_abort(w);
        assert_old_index(dir, id);
    }

    /* one writer at a time per directory (its flock), from this process too;
       with the lock held, leftovers named after a live pid are a dead build's
       (the pid was reused: a container's indexer often runs as the same pid)
       and go too */
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    assert_true(fh_index_writer_dir_locked(w));
    fh_index_writer *w2 = NULL;
    assert_int_equal(fh_index_writer_open(dir, &bi, &w2), FH_EEXIST);
    assert_null(w2);
    fh_index_writer_abort(w);
    char stale[2][PATH_MAX];
    snprintf(stale[0], sizeof stale[0], "%s/.build-%ld-7.mdb", dir, (long)getppid());
    snprintf(stale[1], sizeof stale[1], "%s/.build-%ld-99.mdb-lock", dir, (long)getpid());
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(stale[i], "w");
        assert_non_null(f);
        fclose(f);
    }
    /* FORMAT.md, "Cleanup": <pid> is all digits, 1..2^31-1; other names
       are left alone, whatever strtol would make of them */
    static const char *const keep[] = {".build-+1-x", ".build- 2-3.mdb", ".build-2147483648-1.mdb",
                                       ".build-0-1.mdb", ".build-7"};
    const size_t n_keep = sizeof keep / sizeof keep[0];
    for (size_t i = 0; i < n_keep; i++) {
        char kp[PATH_MAX];
        snprintf(kp, sizeof kp, "%s/%s", dir, keep[i]);
        FILE *f = fopen(kp, "w");
        assert_non_null(f);
        fclose(f);
    }
    assert_int_equal(count_files(dir, ".build"), 2 + (int)n_keep);
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    /* its own file and lock, and the names left alone */
    assert_int_equal(count_files(dir, ".build"), 2 + (int)n_keep);
    for (int i = 0; i < 2; i++)
        assert_int_equal(access(stale[i], F_OK), -1);
    fh_index_writer_abort(w);
    for (size_t i = 0; i < n_keep; i++) {
        char kp[PATH_MAX];
        snprintf(kp, sizeof kp, "%s/%s", dir, keep[i]);
        assert_int_equal(unlink(kp), 0);
    }
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0); /* the lock went with it */
    fh_index_writer_abort(w);
    /* a child forked while a writer is open shares its descriptor: the
       abort still frees the lock while the child lives */
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    int hold[2];
    assert_int_equal(pipe(hold), 0);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        char c;
        close(hold[1]);
        _exit(read(hold[0], &c, 1) < 0); /* until the parent closes the pipe */
    }
    close(hold[0]);
    fh_index_writer_abort(w);
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    fh_index_writer_abort(w);
    close(hold[1]);
    int kst;
    assert_int_equal(waitpid(kid, &kst, 0), kid);
    assert_old_index(dir, id);

    /* a reader keeps its (old) index across a re-publish, and sees the new id */
    fh_index *ix;
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), 0);
    assert_int_equal(write_corpus(dir, 200, 0), 0);
    assert_true(fh_index_file_id(dir) != fh_index_id(ix));
    assert_int_equal(fh_index_get_meta(ix)->n_docs, 100);
    fh_reader *r;
    assert_int_equal(fh_reader_open(ix, &r), 0);
    fh_buf b;
    fh_buf_init(&b, 1 << 20);
    assert_int_equal(fh_doc_get(r, 99, &b), 0);
    assert_memory_equal(b.data, C.stored[99], C.stored_len[99]);
    fh_buf_free(&b);
    fh_reader_close(r);
    fh_index_close(ix);
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), 0);
    assert_int_equal(fh_index_get_meta(ix)->n_docs, 200);
    fh_index_close(ix);
    rm_rf(dir);
    free(dir);
}

/* --------------------------------------------------- stored documents */

/* Enough text to cross the writer's dictionary sample (4 MiB): documents
 * before it are compressed after training, documents after it directly. */
static void test_stored_docs(void **state)
{
    (void)state;
    static const char *words[] = {"\xd8\xa7\xd9\x84\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8", "search", "\xd9\x81\xd9\x8a",
                                  "index", "\xd9\x85\xd9\x86", "engine", "\xd8\xb9\xd9\x84\xd9\x89", "lmdb"};
    enum { N = 3200 };
    char *dir = make_tmpdir();
    fh_index_build_info bi = build_info();
    bi.n_fields = 1;
    fh_index_writer *w;
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    rng_state = 3;
    fh_buf doc;
    fh_buf_init(&doc, 1 << 20);
    size_t raw = 0;
    uint64_t h[N];
    for (uint32_t d = 0; d < N; d++) {
        fh_buf_reset(&doc);
        fh_buf_addf(&doc, "{\"id\":\"%u\",\"text\":\"", (unsigned)d);
        size_t len = d % 97 == 0 ? 0 : 2000 + (size_t)(rnd() % 2000);
        while (doc.len < len)
            fh_buf_addf(&doc, "%s %u ", words[rnd() % 8], (unsigned)(rnd() % 1000));
        fh_buf_adds(&doc, "\"}");
        h[d] = doc.len;
        raw += doc.len;
        char id[16];
        int il = snprintf(id, sizeof id, "k%u", (unsigned)d);
        uint32_t fl[1] = {1};
        assert_int_equal(fh_index_writer_add_doc(w, d, id, (size_t)il, fl, doc.data, doc.len), 0);
    }
    assert_int_equal(fh_index_writer_commit(w), 0);
    assert_true(raw > ((size_t)8 << 20));
    assert_true(has_zstd_dict(dir));
    fh_index *ix;
    fh_reader *r;
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), 0);
    assert_int_equal(fh_reader_open(ix, &r), 0);
    rng_state = 3;
    fh_buf got;
    fh_buf_init(&got, 1 << 20);
    for (uint32_t d = 0; d < N; d++) {
        fh_buf_reset(&doc);
        fh_buf_addf(&doc, "{\"id\":\"%u\",\"text\":\"", (unsigned)d);
        size_t len = d % 97 == 0 ? 0 : 2000 + (size_t)(rnd() % 2000);
        while (doc.len < len)
            fh_buf_addf(&doc, "%s %u ", words[rnd() % 8], (unsigned)(rnd() % 1000));
        fh_buf_adds(&doc, "\"}");
        fh_buf_reset(&got);
        assert_int_equal(fh_doc_get(r, d, &got), 0);
        assert_int_equal(got.len, h[d]);
        assert_memory_equal(got.data, doc.data, doc.len);
    }
    fh_index_db_stat ds[FH_INDEX_N_DBS];
    assert_int_equal(fh_index_db_stats(r, ds), 0);
    assert_true(ds[5].bytes * 3 < raw); /* the dictionary pays off on repetitive text */
    fh_buf_free(&got);
    fh_buf_free(&doc);
    fh_reader_close(r);
    fh_index_close(ix);
    rm_rf(dir);
    free(dir);
}

/* ---------------------------------------- refusal and corrupted values */

/* Open the published file for writing behind the reader's back. */
static void raw_open(const char *dir, MDB_env **env, MDB_txn **txn)
{
    char path[512];
    snprintf(path, sizeof path, "%s/index.mdb", dir);
    assert_int_equal(mdb_env_create(env), 0);
    assert_int_equal(mdb_env_set_maxdbs(*env, 16), 0);
    assert_int_equal(mdb_env_open(*env, path, MDB_NOSUBDIR | MDB_NOSYNC, 0644), 0);
    assert_int_equal(mdb_txn_begin(*env, NULL, 0, txn), 0);
}

static void raw_put(MDB_txn *txn, const char *db, const void *k, size_t kl, const void *v,
                    size_t vl)
{
    MDB_dbi dbi;
    assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
    MDB_val key = {kl, (void *)(uintptr_t)k}, val = {vl, (void *)(uintptr_t)v};
    assert_int_equal(mdb_put(txn, dbi, &key, &val, 0), 0);
}

static int raw_get(MDB_txn *txn, const char *db, const void *k, size_t kl, uint8_t **v,
                   size_t *vl)
{
    MDB_dbi dbi;
    assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
    MDB_val key = {kl, (void *)(uintptr_t)k}, val;
    if (mdb_get(txn, dbi, &key, &val))
        return -1;
    *v = malloc(val.mv_size + 1);
    assert_non_null(*v);
    memcpy(*v, val.mv_data, val.mv_size);
    *vl = val.mv_size;
    return 0;
}

static int has_zstd_dict(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/index.mdb", dir);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    MDB_val k = {9, (void *)(uintptr_t) "zstd_dict"}, v;
    int found = mdb_get(txn, dbi, &k, &v) == 0 && v.mv_size > 0;
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return found;
}

static void raw_close(const char *dir, MDB_env *env, MDB_txn *txn)
{
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    char path[512];
    snprintf(path, sizeof path, "%s/index.mdb-lock", dir);
    unlink(path);
}

static void test_refusal(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    assert_int_equal(write_corpus(dir, 10, 0), 0);
    fh_index *ix;
    assert_int_equal(fh_index_open(dir, "other", NULL, &ix), FH_EANALYZER);
    assert_int_equal(fh_index_open(dir, "fahras-ar", "9", &ix), FH_EANALYZER);
    assert_int_equal(fh_index_open(dir, "fahras-ar", NULL, &ix), 0);
    fh_index_close(ix);
    MDB_env *env;
    MDB_txn *txn;
    raw_open(dir, &env, &txn);
    uint8_t v2[4] = {2, 0, 0, 0};
    raw_put(txn, "meta", "format_version", 14, v2, 4);
    raw_close(dir, env, txn);
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), FH_EVERSION);
    raw_open(dir, &env, &txn);
    raw_put(txn, "meta", "format_version", 14, v2, 3);
    raw_close(dir, env, txn);
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), FH_ECORRUPT);
    /* FORMAT.md: analyzer_name is 1..63 bytes; an empty one is corrupt */
    uint8_t v1[4] = {1, 0, 0, 0};
    raw_open(dir, &env, &txn);
    raw_put(txn, "meta", "format_version", 14, v1, 4);
    raw_put(txn, "meta", "analyzer_name", 13, "", 0);
    raw_close(dir, env, txn);
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), FH_ECORRUPT);
    /* FORMAT.md: format_version is checked first, before the other databases
       are required (another format may have others): without `postings`,
       format 2 is FH_EVERSION and format 1 corrupt */
    raw_open(dir, &env, &txn);
    raw_put(txn, "meta", "format_version", 14, v2, 4);
    MDB_dbi pdbi;
    assert_int_equal(mdb_dbi_open(txn, "postings", 0, &pdbi), 0);
    assert_int_equal(mdb_drop(txn, pdbi, 1), 0);
    raw_close(dir, env, txn);
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), FH_EVERSION);
    raw_open(dir, &env, &txn);
    raw_put(txn, "meta", "format_version", 14, v1, 4);
    raw_close(dir, env, txn);
    assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), FH_ECORRUPT);
    /* not an LMDB file at all */
    char path[512];
    snprintf(path, sizeof path, "%s/index.mdb", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not an index, just text that is long enough to look like something", f);
    fclose(f);
    assert_int_not_equal(fh_index_open(dir, NULL, NULL, &ix), 0);
    rm_rf(dir);
    free(dir);
}

/* Walk a term every way the reader can; only 0 and FH_ECORRUPT are allowed. */
static void walk_term(fh_reader *r, const term *t)
{
    fh_postings *p;
    int rc = fh_postings_open(r, t->name, t->len, &p);
    assert_true(rc == 0 || rc == FH_ECORRUPT);
    if (rc)
        return;
    uint32_t prev = 0;
    for (int i = 0; i < 5000 && fh_postings_docid(p) != FH_DOC_END; i++) {
        /* never backwards, whatever the bytes say */
        assert_true(i == 0 || fh_postings_docid(p) > prev);
        prev = fh_postings_docid(p);
        const uint32_t *pos;
        size_t n;
        rc = fh_postings_positions(p, (unsigned)i % NF, &pos, &n);
        assert_true(rc == 0 || rc == FH_ECORRUPT);
        fh_block_bound bb;
        assert_int_equal(fh_postings_block_bound(p, fh_postings_docid(p) + 1, &bb), 0);
        (void)fh_postings_tfs(p)[NF - 1];
        rc = i % 2 ? fh_postings_next(p) : fh_postings_seek(p, fh_postings_docid(p) + 3);
        assert_true(rc == 0 || rc == FH_ECORRUPT);
        assert_true(fh_postings_docid(p) == FH_DOC_END || fh_postings_docid(p) < NDOCS);
    }
    fh_postings_free(p);
}

static void test_corrupt_values(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    assert_int_equal(write_corpus(dir, NDOCS, 1), 0);
    rng_state = 1234;
    int corrupt_seen = 0;
    for (int round = 0; round < 400; round++) {
        const term *t = &C.terms[rnd() % C.n_terms];
        MDB_env *env;
        MDB_txn *txn;
        raw_open(dir, &env, &txn);
        /* pick a value: the dictionary entry, postings, positions or a document */
        uint8_t *v = NULL;
        size_t vl = 0;
        const char *db;
        uint8_t key[4];
        const void *k;
        size_t kl;
        int which = round % 4;
        if (which == 0) {
            db = "terms";
            k = t->name;
            kl = t->len;
        } else {
            MDB_dbi dbi;
            MDB_val kk = {t->len, (void *)(uintptr_t)t->name}, vv;
            assert_int_equal(mdb_dbi_open(txn, "terms", 0, &dbi), 0);
            assert_int_equal(mdb_get(txn, dbi, &kk, &vv), 0);
            /* term id: second field of the dictionary value (a varint) */
            const uint8_t *s = (const uint8_t *)vv.mv_data + 1;
            uint32_t id = 0;
            for (unsigned sh = 0;; sh += 7) {
                id |= (uint32_t)(*s & 0x7f) << sh;
                if (!(*s++ & 0x80))
                    break;
            }
            key[0] = (uint8_t)(id >> 24);
            key[1] = (uint8_t)(id >> 16);
            key[2] = (uint8_t)(id >> 8);
            key[3] = (uint8_t)id;
            db = which == 1 ? "postings" : "positions";
            if (which == 3) {
                db = "docs";
                uint32_t d = (uint32_t)(rnd() % NDOCS);
                key[0] = (uint8_t)(d >> 24);
                key[1] = (uint8_t)(d >> 16);
                key[2] = (uint8_t)(d >> 8);
                key[3] = (uint8_t)d;
            }
            k = key;
            kl = 4;
        }
        if (raw_get(txn, db, k, kl, &v, &vl)) {
            mdb_txn_abort(txn);
            mdb_env_close(env);
            continue; /* inlined postings or no positions */
        }
        uint8_t *saved = malloc(vl + 1);
        assert_non_null(saved);
        memcpy(saved, v, vl);
        size_t nl = vl;
        if (round % 3 == 0 && vl) {
            nl = (size_t)(rnd() % vl); /* truncate */
        } else {
            for (int i = 0; i < 1 + round % 5 && vl; i++)
                v[rnd() % vl] ^= (uint8_t)(1 + rnd() % 255); /* garble */
        }
        raw_put(txn, db, k, kl, v, nl);
        raw_close(dir, env, txn);
        free(v);

        fh_index *ix;
        assert_int_equal(fh_index_open(dir, NULL, NULL, &ix), 0);
        fh_reader *r;
        assert_int_equal(fh_reader_open(ix, &r), 0);
        fh_term_info ti;
        int rc = fh_term_get(r, t->name, t->len, &ti);
        assert_true(rc == 0 || rc == FH_ECORRUPT);
        corrupt_seen += rc == FH_ECORRUPT;
        walk_term(r, t);
        fh_buf b;
        fh_buf_init(&b, 1 << 20);
        for (uint32_t d = 0; d < NDOCS; d += 1) {
            fh_buf_reset(&b);
            rc = fh_doc_get(r, d, &b);
            assert_true(rc == 0 || rc == FH_ECORRUPT);
            corrupt_seen += rc == FH_ECORRUPT;
            const char *id;
            size_t il;
            rc = fh_doc_ext_id(r, d, &id, &il);
            assert_true(rc == 0 || rc == FH_ECORRUPT);
        }
        fh_buf_free(&b);
        fh_reader_close(r);
        fh_index_close(ix);
        /* put the value back for the next round */
        raw_open(dir, &env, &txn);
        raw_put(txn, db, k, kl, saved, vl);
        raw_close(dir, env, txn);
        free(saved);
    }
    assert_true(corrupt_seen > 0);
    rm_rf(dir);
    free(dir);
}

/* ------------------------------------- documents encoded off the writer */

enum { ENC_N = 6000 };

static void enc_doc(fh_buf *doc, uint32_t d)
{
    static const char *words[] = {"\xd8\xa7\xd9\x84\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8", "search",
                                  "\xd9\x81\xd9\x8a", "index", "engine", "lmdb"};
    uint64_t x = 0x9E3779B97F4A7C15ull * (d + 1);
    fh_buf_reset(doc);
    fh_buf_addf(doc, "{\"id\":\"%u\",\"text\":\"", (unsigned)d);
    size_t len = d % 89 == 0 ? 0 : d % 53 == 0 ? 20 : 1500 + (size_t)(x % 3000);
    while (doc->len < len) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        fh_buf_addf(doc, "%s %u ", words[x % 6], (unsigned)(x % 700));
    }
    fh_buf_adds(doc, "\"}");
}

typedef struct enc_job {
    const fh_doc_codec *c;
    uint32_t from, to;
    fh_buf *out; /* per document */
    int rc;
} enc_job;

static void *enc_thread(void *arg)
{
    enc_job *j = arg;
    fh_doc_encoder *e;
    j->rc = fh_doc_encoder_new(j->c, &e);
    if (j->rc)
        return NULL;
    fh_buf doc;
    fh_buf_init(&doc, 1 << 20);
    for (uint32_t d = j->from; d < j->to && !j->rc; d++) {
        enc_doc(&doc, d);
        j->rc = fh_doc_encode(e, doc.data, doc.len, &j->out[d]);
    }
    fh_buf_free(&doc);
    fh_doc_encoder_free(e);
    return NULL;
}

/* The docs database's value of docid d, raw. */
static void docs_value(const char *dir, uint32_t d, uint8_t **v, size_t *vl)
{
    char path[512];
    snprintf(path, sizeof path, "%s/index.mdb", dir);
    MDB_env *env;
    MDB_txn *txn;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    uint8_t key[4] = {(uint8_t)(d >> 24), (uint8_t)(d >> 16), (uint8_t)(d >> 8), (uint8_t)d};
    assert_int_equal(raw_get(txn, "docs", key, 4, v, vl), 0);
    mdb_txn_abort(txn);
    mdb_env_close(env);
}

/* add_doc() alone and add_doc() until the codec exists, then documents
 * encoded on two threads and added with add_doc_encoded() (mixed with
 * add_doc()), store byte-identical values. */
static void test_doc_encoded(void **state)
{
    (void)state;
    char *dir_a = make_tmpdir(), *dir_b = make_tmpdir();
    fh_index_build_info bi = build_info();
    bi.n_fields = 1;
    fh_buf doc;
    fh_buf_init(&doc, 1 << 20);
    uint32_t fl[1] = {1};
    char id[16];

    fh_index_writer *w;
    assert_int_equal(fh_index_writer_open(dir_a, &bi, &w), 0);
    for (uint32_t d = 0; d < ENC_N; d++) {
        enc_doc(&doc, d);
        int il = snprintf(id, sizeof id, "k%u", (unsigned)d);
        assert_int_equal(fh_index_writer_add_doc(w, d, id, (size_t)il, fl, doc.data, doc.len), 0);
    }
    assert_int_equal(fh_index_writer_commit(w), 0);

    assert_int_equal(fh_index_writer_open(dir_b, &bi, &w), 0);
    uint8_t junk[3] = {FH_DOC_ZSTD_TEST, 1, 2};
    uint32_t d = 0;
    /* before the codec: encoded documents are refused, the writer stays usable */
    assert_null(fh_index_writer_doc_codec(w));
    assert_int_equal(fh_index_writer_add_doc_encoded(w, 0, "k0", 2, fl, junk, 3), FH_EINVAL);
    /* add documents until the training sample (4 MiB) is complete, then
     * wait for the training thread (polling, as the indexer does) */
    const fh_doc_codec *c;
    size_t added = 0;
    while (!(c = fh_index_writer_doc_codec(w))) {
        if (added < ((size_t)9 << 20)) {
            enc_doc(&doc, d);
            int il = snprintf(id, sizeof id, "k%u", (unsigned)d);
            assert_int_equal(
                fh_index_writer_add_doc(w, d, id, (size_t)il, fl, doc.data, doc.len), 0);
            added += doc.len;
            d++;
            assert_true(d < ENC_N - 1000);
        } else {
            usleep(1000);
        }
    }
    assert_ptr_equal(fh_index_writer_doc_codec(w), c);
    fh_buf *enc = calloc(ENC_N, sizeof *enc);
    assert_non_null(enc);
    for (uint32_t i = 0; i < ENC_N; i++)
        fh_buf_init(&enc[i], 1 << 20);
    uint32_t mid = d + (ENC_N - d) / 2;
    enc_job jobs[2] = {{c, d, mid, enc, 0}, {c, mid, ENC_N, enc, 0}};
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_create(&th[t], NULL, enc_thread, &jobs[t]), 0);
    for (int t = 0; t < 2; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(jobs[t].rc, 0);
    }
    /* flags that do not match the codec (a dictionary was trained) */
    assert_int_equal(fh_index_writer_add_doc_encoded(w, d, "x", 1, fl, junk, 3), FH_EINVAL);
    assert_int_equal(fh_index_writer_add_doc_encoded(w, d, "x", 1, fl, junk, 0), FH_EINVAL);
    for (; d < ENC_N; d++) {
        int il = snprintf(id, sizeof id, "k%u", (unsigned)d);
        if (d % 7 == 0) {
            enc_doc(&doc, d);
            assert_int_equal(
                fh_index_writer_add_doc(w, d, id, (size_t)il, fl, doc.data, doc.len), 0);
        } else {
            assert_int_equal(fh_index_writer_add_doc_encoded(w, d, id, (size_t)il, fl,
                                                             enc[d].data, enc[d].len),
                             0);
        }
    }
    assert_int_equal(fh_index_writer_commit(w), 0);
    assert_true(has_zstd_dict(dir_b));

    fh_index *ix;
    fh_reader *r;
    assert_int_equal(fh_index_open(dir_b, NULL, NULL, &ix), 0);
    assert_int_equal(fh_reader_open(ix, &r), 0);
    fh_buf got;
    fh_buf_init(&got, 1 << 20);
    for (d = 0; d < ENC_N; d++) {
        enc_doc(&doc, d);
        fh_buf_reset(&got);
        assert_int_equal(fh_doc_get(r, d, &got), 0);
        assert_int_equal(got.len, doc.len);
        assert_memory_equal(got.data, doc.data, doc.len);
        if (d % 11 == 0 || d < 3) {
            uint8_t *va, *vb;
            size_t la, lb;
            docs_value(dir_a, d, &va, &la);
            docs_value(dir_b, d, &vb, &lb);
            assert_int_equal(la, lb);
            assert_memory_equal(va, vb, la);
            free(va);
            free(vb);
        }
    }
    fh_reader_close(r);
    fh_index_close(ix);
    for (uint32_t i = 0; i < ENC_N; i++)
        fh_buf_free(&enc[i]);
    free(enc);
    fh_buf_free(&got);
    fh_buf_free(&doc);
    rm_rf(dir_a);
    rm_rf(dir_b);
    free(dir_a);
    free(dir_b);
}

/* Positions handed over encoded (term_add_vpos) store the same bytes as
 * positions handed over decoded; malformed encodings are refused. */
static void test_term_add_vpos(void **state)
{
    (void)state; /* the corpus comes from the group setup */
    char *da = make_tmpdir(), *db = make_tmpdir();
    assert_int_equal(write_corpus_vpos(da, 0), 0);
    assert_int_equal(write_corpus_vpos(db, 1), 0);
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/index.mdb", da);
    snprintf(pb, sizeof pb, "%s/index.mdb", db);
    MDB_env *ea, *eb;
    MDB_txn *ta, *tb;
    assert_int_equal(mdb_env_create(&ea), 0);
    assert_int_equal(mdb_env_set_maxdbs(ea, 16), 0);
    assert_int_equal(mdb_env_open(ea, pa, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0644), 0);
    assert_int_equal(mdb_txn_begin(ea, NULL, MDB_RDONLY, &ta), 0);
    assert_int_equal(mdb_env_create(&eb), 0);
    assert_int_equal(mdb_env_set_maxdbs(eb, 16), 0);
    assert_int_equal(mdb_env_open(eb, pb, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0644), 0);
    assert_int_equal(mdb_txn_begin(eb, NULL, MDB_RDONLY, &tb), 0);
    size_t with_pos = 0;
    for (uint32_t id = 0; id < C.n_terms; id++) {
        uint8_t key[4] = {(uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
        const char *dbs[2] = {"positions", "postings"};
        for (int k = 0; k < 2; k++) {
            uint8_t *va = NULL, *vb = NULL;
            size_t la = 0, lb = 0;
            int ra = raw_get(ta, dbs[k], key, 4, &va, &la);
            int rb = raw_get(tb, dbs[k], key, 4, &vb, &lb);
            assert_int_equal(ra, rb);
            if (ra == 0) {
                assert_int_equal(la, lb);
                assert_memory_equal(va, vb, la);
                with_pos += k == 0;
            }
            free(va);
            free(vb);
        }
    }
    assert_true(with_pos > 10);
    mdb_txn_abort(ta);
    mdb_txn_abort(tb);
    mdb_env_close(ea);
    mdb_env_close(eb);
    /* the index with encoded positions reads back like the corpus */
    fh_index *ix;
    fh_reader *r;
    assert_int_equal(fh_index_open(db, NULL, NULL, &ix), 0);
    assert_int_equal(fh_reader_open(ix, &r), 0);
    for (size_t i = 0; i < C.n_terms; i++)
        check_term(r, &C.terms[i]);
    fh_reader_close(r);
    fh_index_close(ix);

    /* malformed encodings, on a small index */
    fh_index_build_info bi = build_info();
    fh_index_writer *w;
    char *dc = make_tmpdir();
    assert_int_equal(fh_index_writer_open(dc, &bi, &w), 0);
    uint32_t fl[NF] = {10, 10};
    assert_int_equal(fh_index_writer_add_doc(w, 0, "a", 1, fl, "{}", 2), 0);
    assert_int_equal(fh_index_writer_add_doc(w, 1, "b", 1, fl, "{}", 2), 0);
    assert_int_equal(fh_index_writer_term_begin(w, "t", 1), 0);
    uint32_t tf[NF] = {2, 1};
    static const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 1, 1};
    static const uint8_t big5[] = {0xff, 0xff, 0xff, 0xff, 0x1f, 1, 1};
    static const uint8_t ovf[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 1};
    static const uint8_t open_end[] = {1, 2, 0x83};
    static const uint8_t good[] = {1, 0x82, 0x01, 3};
    assert_int_equal(fh_index_writer_term_add_vpos(w, 0, tf, six, sizeof six), FH_EINVAL);
    assert_int_equal(fh_index_writer_term_add_vpos(w, 0, tf, big5, sizeof big5), FH_EINVAL);
    assert_int_equal(fh_index_writer_term_add_vpos(w, 0, tf, ovf, sizeof ovf), FH_EINVAL);
    assert_int_equal(fh_index_writer_term_add_vpos(w, 0, tf, open_end, sizeof open_end), FH_EINVAL);
    assert_int_equal(fh_index_writer_term_add_vpos(w, 0, tf, NULL, 0), FH_EINVAL);
    assert_int_equal(fh_index_writer_term_add_vpos(w, 0, tf, good, sizeof good), 0);
    /* mixed with decoded positions in one term */
    uint32_t pos[3] = {4, 9, 2};
    assert_int_equal(fh_index_writer_term_add(w, 1, tf, pos, 3), 0);
    assert_int_equal(fh_index_writer_term_end(w), 0);
    assert_int_equal(fh_index_writer_commit(w), 0);
    assert_int_equal(fh_index_open(dc, NULL, NULL, &ix), 0);
    assert_int_equal(fh_reader_open(ix, &r), 0);
    fh_postings *p;
    assert_int_equal(fh_postings_open(r, "t", 1, &p), 0);
    const uint32_t *pp;
    size_t n;
    assert_int_equal(fh_postings_positions(p, 0, &pp, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(pp[0], 1);
    assert_int_equal(pp[1], 131); /* 1 + 0x82 0x01 = 1 + 130 */
    assert_int_equal(fh_postings_positions(p, 1, &pp, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(pp[0], 3);
    assert_int_equal(fh_postings_next(p), 0);
    assert_int_equal(fh_postings_positions(p, 0, &pp, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(pp[1], 9);
    fh_postings_free(p);
    fh_reader_close(r);
    fh_index_close(ix);
    rm_rf(da);
    rm_rf(db);
    rm_rf(dc);
    free(da);
    free(db);
    free(dc);
}

/* A standalone codec: a dictionary only with enough samples; short
 * documents stay raw; encoding is deterministic. */
static void test_doc_codec(void **state)
{
    (void)state;
    fh_doc_codec *c;
    fh_doc_encoder *e;
    fh_buf doc, out, samples;
    fh_buf_init(&doc, 1 << 20);
    fh_buf_init(&out, 1 << 20);
    fh_buf_init(&samples, (size_t)64 << 20);
    size_t sizes[1000];
    for (uint32_t d = 0; d < 1000; d++) {
        enc_doc(&doc, d);
        sizes[d] = doc.len;
        fh_buf_add(&samples, doc.data, doc.len);
    }
    /* too few samples: plain zstd */
    assert_int_equal(fh_doc_codec_train(samples.data, sizes, 10, &c), 0);
    assert_int_equal(fh_doc_encoder_new(c, &e), 0);
    enc_doc(&doc, 1);
    assert_int_equal(fh_doc_encode(e, doc.data, doc.len, &out), 0);
    assert_int_equal((uint8_t)out.data[0], FH_DOC_ZSTD_TEST);
    fh_buf_reset(&out);
    assert_int_equal(fh_doc_encode(e, "{}", 2, &out), 0);
    assert_int_equal(out.len, 3);
    assert_int_equal(out.data[0], 0);
    assert_memory_equal(out.data + 1, "{}", 2);
    fh_buf_reset(&out);
    assert_int_equal(fh_doc_encode(e, NULL, 0, &out), 0);
    assert_int_equal(out.len, 1);
    assert_int_equal(fh_doc_encode(e, NULL, 5, &out), FH_EINVAL);
    fh_doc_encoder_free(e);
    fh_doc_codec_free(c);
    /* enough: a dictionary, and the same input encodes the same way twice */
    assert_int_equal(fh_doc_codec_train(samples.data, sizes, 1000, &c), 0);
    assert_int_equal(fh_doc_encoder_new(c, &e), 0);
    enc_doc(&doc, 1);
    fh_buf_reset(&out);
    assert_int_equal(fh_doc_encode(e, doc.data, doc.len, &out), 0);
    assert_int_equal((uint8_t)out.data[0], FH_DOC_ZSTD_TEST | 2u);
    size_t l1 = out.len;
    assert_int_equal(fh_doc_encode(e, doc.data, doc.len, &out), 0);
    assert_int_equal(out.len, 2 * l1);
    assert_memory_equal(out.data, out.data + l1, l1);
    assert_true(l1 * 2 < doc.len);
    fh_doc_encoder_free(e);
    fh_doc_codec_free(c);
    fh_doc_codec_free(NULL);
    fh_doc_encoder_free(NULL);
    assert_int_equal(fh_doc_encoder_new(NULL, &e), FH_EINVAL);
    fh_buf_free(&doc);
    fh_buf_free(&out);
    fh_buf_free(&samples);
}

/* The seq of this process's build file in dir (a regular file: there must
 * be one). */
static unsigned build_seq_in(const char *dir)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, ".build-%ld-", (long)getpid());
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    struct stat st;
    long seq = -1;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && !strstr(e->d_name, "-lock") &&
            fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISREG(st.st_mode))
            seq = strtol(e->d_name + strlen(prefix), NULL, 10);
    closedir(d);
    assert_true(seq >= 0);
    return (unsigned)seq;
}

/* Make (mk) or remove the directories .build-<pid>-<seq>.mdb for seq in
 * [from, from + n): names the writer cannot create nor remove. */
static void block_seqs(const char *dir, unsigned from, unsigned n, bool mk)
{
    for (unsigned i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/.build-%ld-%u.mdb", dir, (long)getpid(), from + i);
        assert_int_equal(mk ? mkdir(path, 0755) : rmdir(path), 0);
    }
}

/* FORMAT.md, "Build": on EEXIST the writer takes the next seq, up to 100
 * tries. */
static void test_build_name_tries(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    fh_index_build_info bi = build_info();
    fh_index_writer *w;
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    unsigned s = build_seq_in(dir);
    fh_index_writer_abort(w);
    /* the next 100 names taken: all 100 tries fail */
    block_seqs(dir, s + 1, 100, true);
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), FH_EIO);
    assert_null(w);
    assert_int_equal(count_files(dir, ".build"), 100);
    /* the next 99 taken: the 100th try succeeds */
    block_seqs(dir, s + 101, 99, true);
    assert_int_equal(fh_index_writer_open(dir, &bi, &w), 0);
    assert_int_equal(build_seq_in(dir), s + 200);
    fh_index_writer_abort(w);
    block_seqs(dir, s + 1, 199, false);
    assert_int_equal(count_files(dir, ".build"), 0);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_empty_and_misuse),
        cmocka_unit_test(test_atomic_publish), cmocka_unit_test(test_stored_docs),
        cmocka_unit_test(test_refusal),        cmocka_unit_test(test_corrupt_values),
        cmocka_unit_test(test_doc_encoded),    cmocka_unit_test(test_doc_codec),
        cmocka_unit_test(test_term_add_vpos),  cmocka_unit_test(test_build_name_tries),
    };
    return cmocka_run_group_tests(tests, setup_corpus, teardown_corpus);
}
