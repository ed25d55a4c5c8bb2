/* fuzz_reader.c — the index reader (common/index/reader.c) on corrupt values.
 *
 * A small real index is built once (tests/engine's tu_build): term "alpha"
 * in 300 documents (three postings blocks behind a skip table, positions in
 * two fields) and "beta" in a few (postings inline in the dictionary value).
 * Each input rewrites, through LMDB, the dictionary value of one of them,
 * its postings value and its positions value: each either kept, replaced by
 * bytes of the input, or patched at offsets the input gives. Then the index
 * is opened as the daemon opens it and walked: next() over the whole list
 * with the positions of every document, seek() and block_bound() to targets
 * from the input, prefix enumeration, and fahras-indexer check's byte-exact
 * fh_term_verify. Allowed outcomes: correct-looking data or FH_ECORRUPT;
 * never an overread, a crash or an invariant broken (docids ascending and
 * < n_docs, positions ascending, as many as the tfs). */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fahras/analyze.h"
#include "fahras/err.h"
#include "fahras/index.h"
#include "fuzz_util.h"
#include "internal.h"
#include "tutil.h"

#define N_DOCS 300u

static tu_index tix; /* the index, its analyzer and directory */
static char path[600];
static uint8_t *orig[2][3]; /* [term][dict, postings, positions] */
static size_t orig_len[2][3];
static uint32_t term_id[2];
static const char *const terms[2] = {"alpha", "beta"};

static void cleanup(void)
{
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < 3; k++)
            free(orig[t][k]);
    tu_index_free(&tix);
}

static int env_open(MDB_env **env, MDB_dbi dbi[FH_DB_COUNT], MDB_txn **txn, bool rdonly)
{
    struct stat st;
    if (stat(path, &st) != 0 || mdb_env_create(env) != 0)
        return -1;
    if (mdb_env_set_maxdbs(*env, FH_DB_COUNT) ||
        mdb_env_set_mapsize(*env, (size_t)st.st_size + (64u << 20)) ||
        mdb_env_open(*env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC | (rdonly ? MDB_RDONLY : 0),
                     0644) ||
        mdb_txn_begin(*env, NULL, rdonly ? MDB_RDONLY : 0, txn)) {
        mdb_env_close(*env);
        return -1;
    }
    for (int i = 0; i < FH_DB_COUNT; i++)
        if (mdb_dbi_open(*txn, fh_db_names[i], 0, &dbi[i])) {
            mdb_txn_abort(*txn);
            mdb_env_close(*env);
            return -1;
        }
    return 0;
}

static uint8_t *dup_val(const MDB_val *v, size_t *len)
{
    uint8_t *p = malloc(v->mv_size ? v->mv_size : 1);
    if (!p)
        abort();
    memcpy(p, v->mv_data, v->mv_size);
    *len = v->mv_size;
    return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static tu_doc docs[N_DOCS];
    static char ids[N_DOCS][16];
    if (tu_index_init(&tix, NULL) != 0)
        abort();
    snprintf(path, sizeof path, "%s/%s", tix.dir, FH_INDEX_FILE);
    atexit(cleanup);
    for (unsigned i = 0; i < N_DOCS; i++) {
        snprintf(ids[i], sizeof ids[i], "d%u", i);
        docs[i].id = ids[i];
        docs[i].field[0] = i % 7 == 0 ? "alpha alpha gamma" : "gamma";
        docs[i].field[1] = i % 50 == 3 ? "beta alpha x alpha y alpha" : "alpha delta";
    }
    static const char *const fn[2] = {"title", "text"};
    if (tu_build(tix.dir, tix.a, 2, fn, NULL, docs, N_DOCS) != 0)
        abort();
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi[FH_DB_COUNT];
    if (env_open(&env, dbi, &txn, true))
        abort();
    for (int t = 0; t < 2; t++) {
        MDB_val k = {strlen(terms[t]), (void *)(uintptr_t)terms[t]}, v;
        if (mdb_get(txn, dbi[FH_DB_TERMS], &k, &v))
            abort();
        orig[t][0] = dup_val(&v, &orig_len[t][0]);
        fh_dict_entry de;
        if (fh_dict_decode(v.mv_data, v.mv_size, 2, UINT32_MAX, &de))
            abort();
        term_id[t] = de.term_id;
        uint8_t key[4];
        fh_st32be(key, de.term_id);
        MDB_val kk = {4, key};
        for (int db = 1; db <= 2; db++) {
            int lrc = mdb_get(txn, dbi[db == 1 ? FH_DB_POSTINGS : FH_DB_POSITIONS], &kk, &v);
            if (lrc == 0)
                orig[t][db] = dup_val(&v, &orig_len[t][db]);
        }
    }
    mdb_txn_abort(txn);
    mdb_env_close(env);
    if (!orig[0][1] || !orig[0][2] || orig[1][1])
        abort(); /* the layout this target was written for changed */
    return 0;
}

/* New value for slot k of term t from the input: kept, replaced or patched. */
static uint8_t *make_val(fz_in *in, int t, int k, size_t *len)
{
    uint8_t mode = fz_u8(in);
    const uint8_t *o = orig[t][k];
    size_t ol = orig_len[t][k];
    size_t n = ol;
    if (mode % 4 == 1) { /* replace */
        n = fz_u8(in) | (size_t)fz_u8(in) << 8;
        if (n > in->n)
            n = in->n;
    } else if (mode % 4 == 2 && ol) { /* truncate */
        n = (fz_u8(in) | (size_t)fz_u8(in) << 8) % ol;
    }
    uint8_t *v = malloc(n ? n : 1);
    if (!v)
        abort();
    if (mode % 4 == 1) {
        memcpy(v, in->p, n);
        in->p += n;
        in->n -= n;
    } else if (o) {
        memcpy(v, o, n < ol ? n : ol);
    }
    if (mode % 4 == 3 && n) { /* patch */
        unsigned np = 1 + fz_u8(in) % 8u;
        for (unsigned i = 0; i < np; i++) {
            size_t at = (fz_u8(in) | (size_t)fz_u8(in) << 8) % n;
            v[at] = fz_u8(in);
        }
    }
    *len = n;
    return v;
}

static int write_vals(int t, uint8_t *vals[3], size_t lens[3])
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi[FH_DB_COUNT];
    if (env_open(&env, dbi, &txn, false))
        return -1;
    uint8_t key[4];
    fh_st32be(key, term_id[t]);
    int rc = 0;
    for (int k = 0; k < 3 && !rc; k++) {
        MDB_dbi db = dbi[k == 0 ? FH_DB_TERMS : k == 1 ? FH_DB_POSTINGS : FH_DB_POSITIONS];
        MDB_val kv = k == 0 ? (MDB_val){strlen(terms[t]), (void *)(uintptr_t)terms[t]}
                            : (MDB_val){4, key};
        if (!vals[k] || (lens[k] == 0 && k == 0)) {
            int d = mdb_del(txn, db, &kv, NULL);
            rc = d == MDB_NOTFOUND ? 0 : d;
            continue;
        }
        MDB_val vv = {lens[k], vals[k]};
        rc = mdb_put(txn, db, &kv, &vv, 0);
    }
    if (rc) {
        mdb_txn_abort(txn);
        mdb_env_close(env);
        return -1;
    }
    rc = mdb_txn_commit(txn);
    mdb_env_close(env);
    return rc ? -1 : 0;
}

static void check_ok(int rc)
{
    FZ_CHECK(rc == 0 || rc == FH_ECORRUPT);
}

static void walk(fh_reader *r, const fh_index_meta *m, int t, fz_in *in)
{
    fh_postings *p;
    int rc = fh_postings_open(r, terms[t], strlen(terms[t]), &p);
    FZ_CHECK(rc == 0 || rc == FH_ECORRUPT || rc == FH_ENOTFOUND);
    if (rc)
        return;
    uint32_t prev = 0;
    bool first = true;
    unsigned steps = 0;
    while (fh_postings_docid(p) != FH_DOC_END && steps++ < 4 * N_DOCS) {
        uint32_t d = fh_postings_docid(p);
        FZ_CHECK(d < m->n_docs);
        FZ_CHECK(first || d > prev);
        first = false;
        prev = d;
        const uint32_t *tfs = fh_postings_tfs(p);
        const uint32_t *bd, *bt;
        size_t bn = fh_postings_batch(p, &bd, &bt);
        FZ_CHECK(bn >= 1 && bd[0] == d);
        for (unsigned f = 0; f < m->n_fields; f++) {
            const uint32_t *pos;
            size_t np;
            rc = fh_postings_positions(p, f, &pos, &np);
            check_ok(rc);
            if (rc == 0 && np) {
                FZ_CHECK(np == tfs[f]);
                for (size_t i = 1; i < np; i++)
                    FZ_CHECK(pos[i] >= pos[i - 1]);
            }
        }
        rc = fh_postings_next(p);
        check_ok(rc);
        if (rc)
            break;
    }
    FZ_CHECK(steps <= 4 * N_DOCS);
    fh_postings_free(p);

    /* seeks and block bounds to targets from the input */
    if (fh_postings_open(r, terms[t], strlen(terms[t]), &p) != 0)
        return;
    for (int i = 0; i < 6 && fh_postings_docid(p) != FH_DOC_END; i++) {
        uint32_t target = fz_u8(in) | (uint32_t)fz_u8(in) << 8;
        if (fz_u8(in) == 0xFF)
            target = UINT32_MAX - 1;
        fh_block_bound bb;
        check_ok(fh_postings_block_bound(p, target, &bb));
        uint32_t before = fh_postings_docid(p);
        rc = fh_postings_seek(p, target);
        check_ok(rc);
        uint32_t d = fh_postings_docid(p);
        if (rc == 0 && d != FH_DOC_END) {
            FZ_CHECK(d >= before && d < m->n_docs);
            FZ_CHECK(d >= target || d == before);
            const uint32_t *pos;
            size_t np;
            check_ok(fh_postings_positions(p, 1, &pos, &np));
        }
    }
    fh_postings_free(p);
}

static int count_cb(void *ctx, const char *term, size_t len, const fh_term_info *ti)
{
    (void)term;
    (void)len;
    FZ_CHECK(ti->df >= 1);
    (*(size_t *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    int t = fz_u8(&in) & 1;
    uint8_t *vals[3];
    size_t lens[3];
    for (int k = 0; k < 3; k++)
        vals[k] = make_val(&in, t, k, &lens[k]);
    int wrc = write_vals(t, vals, lens);
    for (int k = 0; k < 3; k++)
        free(vals[k]);
    if (wrc == 0) {
        fh_index *ix;
        int rc = fh_index_open(tix.dir, NULL, NULL, &ix);
        FZ_CHECK(rc == 0);
        const fh_index_meta *m = fh_index_get_meta(ix);
        fh_reader *r;
        FZ_CHECK(fh_reader_open(ix, &r) == 0);
        fh_term_info ti;
        rc = fh_term_get(r, terms[t], strlen(terms[t]), &ti);
        FZ_CHECK(rc == 0 || rc == FH_ECORRUPT || rc == FH_ENOTFOUND);
        walk(r, m, t, &in);
        char why[160];
        rc = fh_term_verify(r, terms[t], strlen(terms[t]), why, sizeof why);
        FZ_CHECK(rc == 0 || rc == FH_ECORRUPT || rc == FH_ENOTFOUND);
        FZ_CHECK(rc != FH_ECORRUPT || memchr(why, '\0', sizeof why));
        size_t n = 0;
        check_ok(fh_term_prefix(r, "", 0, 100, count_cb, &n));
        fh_reader_close(r);
        fh_index_close(ix);
    }
    /* put the originals back for the next input */
    uint8_t *ov[3] = {orig[t][0], orig[t][1], orig[t][2]};
    size_t ol[3] = {orig_len[t][0], orig_len[t][1], orig_len[t][2]};
    if (write_vals(t, ov, ol) != 0)
        abort();
    return 0;
}
