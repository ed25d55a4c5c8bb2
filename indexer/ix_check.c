/* ix_check.c — `fahras-indexer check DIR` and `fahras-indexer dump-terms DIR`.
 *
 * check decodes the whole published index through the reader API (every
 * term's postings and positions, every stored document, both id maps),
 * verifies the invariants the indexer promises, and holds every value to
 * the bytes the writer produces (fh_term_verify, fh_doc_verify); it also
 * opens the LMDB file itself, read-only, for per-database size statistics,
 * holding what LMDB hands over there to the file's bytes as the reader does.
 * dump-terms prints a canonical text form (term, df, cf, hash of the decoded
 * postings, then a hash of all documents) so two indexes can be compared
 * with diff. Neither writes anything to the index; a failed write of their
 * output is an error. */
#include "ix_check.h"
#include "ix_json.h"

#include "fahras/analyze.h"
#include "fahras/err.h"
#include "fahras/index.h"
#include "fahras/jsondoc.h"
#include "fahras/stdfd.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

/* ----------------------------------------------------------- term list */

typedef struct termlist {
    char *bytes;
    size_t blen, bcap;
    size_t *off, *len;
    fh_term_info *info;
    size_t n, cap;
} termlist;

static int collect(void *ctx, const char *term, size_t len, const fh_term_info *ti)
{
    termlist *l = ctx;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 4096;
        size_t *a = realloc(l->off, nc * sizeof *a);
        if (!a)
            return FH_ENOMEM;
        l->off = a;
        size_t *b = realloc(l->len, nc * sizeof *b);
        if (!b)
            return FH_ENOMEM;
        l->len = b;
        fh_term_info *c = realloc(l->info, nc * sizeof *c);
        if (!c)
            return FH_ENOMEM;
        l->info = c;
        l->cap = nc;
    }
    if (l->blen + len > l->bcap) {
        size_t nc = l->bcap ? l->bcap : 1u << 16;
        while (nc < l->blen + len)
            nc *= 2;
        char *nb = realloc(l->bytes, nc);
        if (!nb)
            return FH_ENOMEM;
        l->bytes = nb;
        l->bcap = nc;
    }
    memcpy(l->bytes + l->blen, term, len);
    l->off[l->n] = l->blen;
    l->len[l->n] = len;
    l->info[l->n] = *ti;
    l->blen += len;
    l->n++;
    return 0;
}

static void termlist_free(termlist *l)
{
    free(l->bytes);
    free(l->off);
    free(l->len);
    free(l->info);
}

/* ----------------------------------------------------------- reporting */

/* Bytes of a term or id a message quotes, as fh_report_text() shows them
 * (a damaged one may hold any byte: a newline, ESC, invalid UTF-8). */
#define SHOWN_CAP 512

typedef struct checker {
    FILE *out, *err;
    uint64_t violations;
    char qbuf[2][SHOWN_CAP]; /* quoted()'s two slots: a term and its predecessor */
} checker;

/* The n bytes at s as one line of valid UTF-8 for a message (slot 0 or 1). */
static const char *quoted(checker *c, int slot, const char *s, size_t n)
{
    return fh_report_text(c->qbuf[slot], SHOWN_CAP, s, n);
}

static void violation(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void violation(checker *c, const char *fmt, ...)
{
    c->violations++;
    if (c->violations > 20)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("check: VIOLATION: ", c->err);
    vfprintf(c->err, fmt, ap);
    fputc('\n', c->err);
    va_end(ap);
}

/* --------------------------------------------------------- LMDB stats */

/* Entries of the databases whose count check holds to FORMAT.md, by name. */
typedef struct db_counts {
    uint64_t lengths, docs, ids; /* UINT64_MAX: not found or unreadable */
} db_counts;

/* Bytes mdb_dbi_open copies from a named database's record in LMDB's main
 * database, whatever size the record claims: LMDB's MDB_db (two 16-bit
 * fields and a pad of 32 bits, then five counts of pgno_t / size_t). */
#define LMDB_DB_RECORD (8 + 5 * sizeof(size_t))

/* Print each named database's LMDB statistics, and note their entries in
 * *cnt. They are read from the very file ix opened, through its descriptor
 * (/proc/self/fd/N), in an environment of their own: DIR/index.mdb may name
 * another file by now (a publish while check ran), and ix's environment
 * opens only the databases an index has. LMDB hands over each name and
 * record of its main database where and as long as the node claims,
 * unchecked: one that does not lie within the file's bytes
 * (fh_index_map_holds) is a violation, neither copied nor opened. */
static void db_stats(checker *c, const fh_index *ix, db_counts *cnt)
{
    FILE *out = c->out;
    char path[40];
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint64_t total = 0;
    int r;
    struct stat st;
    cnt->lengths = cnt->docs = cnt->ids = UINT64_MAX;
    const int fd = fh_index_file_fd(ix);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (fd < 0 || fstat(fd, &st) != 0 || access(path, R_OK) != 0) {
        fprintf(out, "(database statistics unavailable: the open index file cannot be "
                     "reopened through /proc/self/fd)\n");
        return;
    }
    /* map the file's size, as the reader does, not the writer's map size */
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    size_t map = ((size_t)st.st_size + ps - 1) / ps * ps;
    if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 64) ||
        (map && mdb_env_set_mapsize(env, map)) ||
        mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0) ||
        mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) {
        fprintf(out, "(database statistics unavailable)\n");
        goto out;
    }
    MDB_dbi main_dbi;
    MDB_stat ms;
    fh_index_map file; /* the file's bytes in the map */
    if (fh_index_map_find(txn, &file) || mdb_dbi_open(txn, NULL, 0, &main_dbi) ||
        mdb_cursor_open(txn, main_dbi, &cur)) {
        fprintf(out, "(database statistics unavailable)\n");
        goto out;
    }
    mdb_env_stat(env, &ms);
    fprintf(out, "%-12s %12s %6s %10s %10s %10s %12s\n", "database", "entries", "depth",
            "branch", "leaf", "overflow", "bytes");
    r = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    for (size_t i = 0; r == 0; i++, r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        bool key_in = fh_index_map_holds(&file, k.mv_data, k.mv_size);
        size_t vn = v.mv_size > LMDB_DB_RECORD ? v.mv_size : LMDB_DB_RECORD;
        if (!key_in || !fh_index_map_holds(&file, v.mv_data, vn)) {
            violation(c,
                      "the list of databases (LMDB's main database), entry %zu: its %s (%zu "
                      "bytes) lies outside the file",
                      i, key_in ? "record" : "name", key_in ? vn : k.mv_size);
            continue;
        }
        char name[128];
        size_t n = k.mv_size < sizeof name - 1 ? k.mv_size : sizeof name - 1;
        memcpy(name, k.mv_data, n);
        name[n] = '\0';
        MDB_dbi d;
        MDB_stat s;
        if (strlen(name) == n && mdb_dbi_open(txn, name, 0, &d) == 0 &&
            mdb_stat(txn, d, &s) == 0) {
            uint64_t bytes = (uint64_t)(s.ms_branch_pages + s.ms_leaf_pages +
                                        s.ms_overflow_pages) * s.ms_psize;
            total += bytes;
            fprintf(out, "%-12s %12zu %6u %10zu %10zu %10zu %12" PRIu64 "\n", name, s.ms_entries,
                    s.ms_depth, s.ms_branch_pages, s.ms_leaf_pages, s.ms_overflow_pages, bytes);
            uint64_t *slot = strcmp(name, "lengths") == 0 ? &cnt->lengths
                             : strcmp(name, "docs") == 0  ? &cnt->docs
                             : strcmp(name, "ids") == 0   ? &cnt->ids
                                                          : NULL;
            if (slot)
                *slot = s.ms_entries;
        }
    }
    fprintf(out, "%-12s %12s %6s %10s %10s %10s %12" PRIu64 "\n", "(all)", "", "", "", "", "",
            total);
out:
    if (cur)
        mdb_cursor_close(cur);
    if (txn)
        mdb_txn_abort(txn);
    if (env)
        mdb_env_close(env);
}

/* ------------------------------------------------------------- check */

/* Whether jid, the "id" of the stored document doc[0..doclen), names the
 * id map's id[0..len) as the indexer names a record's id: a string by its
 * text, a number by fh_json_number_id (from its text in the document, never
 * from a double). esc: scratch. */
static bool id_matches(json_t *jid, const char *doc, size_t doclen, fh_buf *esc, const char *id,
                       size_t len)
{
    char tmp[32];
    int k;
    if (json_is_string(jid))
        return json_string_length(jid) == len && memcmp(json_string_value(jid), id, len) == 0;
    if ((k = fh_json_number_id(jid, doc, doclen, esc, tmp, sizeof tmp)) >= 0)
        return (size_t)k == len && memcmp(tmp, id, len) == 0;
    return false;
}

/* "entry" or "entries" after count n */
static const char *entries(uint64_t n)
{
    return n == 1 ? "entry" : "entries";
}

/* "CMD: cannot open the index in DIR: why", DIR as reports show it
 * (fh_report_text: one line of valid UTF-8, whatever bytes it holds). */
static void open_failed(FILE *err, const char *cmd, int rc, const char *dir)
{
    char why[256];
    char *shown = fh_report_dup(dir);
    fprintf(err, "%s: cannot open the index in %s: %s\n", cmd, shown ? shown : "DIR",
            fh_index_open_reason(rc, dir, why, sizeof why));
    free(shown);
}

int fh_check_index(const char *dir, FILE *out, FILE *err)
{
    checker C = {.out = out, .err = err, .violations = 0};
    checker *c = &C;
    fh_index *ix = NULL;
    fh_reader *r = NULL;
    termlist tl;
    memset(&tl, 0, sizeof tl);
    uint32_t *sumtf = NULL, *sumalt = NULL;
    bool alt_index;
    fh_buf doc, esc; /* a stored document; its escaped keys, decoded */
    fh_buf_init(&doc, (size_t)1 << 31);
    fh_buf_init(&esc, (size_t)1 << 31);
    unsigned nf;
    uint32_t N;
    uint64_t npost = 0, npos = 0;
    int rc = fh_index_open(dir, NULL, NULL, &ix);
    if (rc) {
        open_failed(err, "check", rc, dir);
        return rc;
    }
    char *shown = fh_report_dup(dir); /* dir as the lines below show it */
    if (!shown) {
        fprintf(err, "check: %s\n", fh_strerror(FH_ENOMEM));
        fh_index_close(ix);
        return FH_ENOMEM;
    }
    const fh_index_meta *m = fh_index_get_meta(ix);
    /* kept past fh_index_close() for the closing note (at most 15 bytes) */
    char analyzer_version[32];
    snprintf(analyzer_version, sizeof analyzer_version, "%s", m->analyzer_version);
    const bool analyzer_known = fh_stemmer_for_analyzer(m->analyzer_name) != NULL;
    char analyzer_name[64];
    snprintf(analyzer_name, sizeof analyzer_name, "%s", m->analyzer_name);
    fprintf(out, "index %s/%s: format %u, analyzer %s %s, %u document%s, %u field%s\n", shown,
            FH_INDEX_FILE, m->format_version, m->analyzer_name, m->analyzer_version, m->n_docs,
            fh_plural(m->n_docs), m->n_fields, fh_plural(m->n_fields));
    for (unsigned f = 0; f < m->n_fields && f < FH_MAX_FIELDS; f++)
        fprintf(out, "  field %u %-12s weight %.2f, mean length %.2f tokens\n", f,
                m->field_names[f], (double)m->field_weights[f], m->avg_field_len[f]);
    if (m->n_fields == 0 || m->n_fields > FH_MAX_FIELDS) {
        violation(c, "n_fields = %u", m->n_fields);
        rc = FH_ECORRUPT;
        goto out;
    }
    nf = m->n_fields;
    for (unsigned f = 1; f < nf; f++)
        for (unsigned g = 0; g < f; g++)
            if (strcmp(m->field_names[f], m->field_names[g]) == 0)
                violation(c, "fields %u and %u are both named \"%s\"", g, f, m->field_names[f]);
    N = m->n_docs;
    /* an alt_stems analyzer ("+sb") also indexes each stemmed word under
     * FH_ALT_PREFIX + a second stem, at the word's position; the field
     * length counts the word once (docs/ANALYSIS.md, "Alternative stems") */
    {
        size_t an = strlen(m->analyzer_name);
        alt_index = an >= 3 && strcmp(m->analyzer_name + an - 3, "+sb") == 0;
    }
    const uint32_t *flen[FH_MAX_FIELDS];
    for (unsigned f = 0; f < nf; f++) {
        flen[f] = fh_index_field_lengths(ix, f);
        if (!flen[f] && N) {
            violation(c, "field %u has no length array", f);
            rc = FH_ECORRUPT;
            goto out;
        }
        double sum = 0;
        for (uint32_t d = 0; d < N; d++)
            sum += flen[f][d];
        double avg = N ? sum / N : 0;
        double diff = avg - m->avg_field_len[f];
        if (diff > 1e-6 * (avg + 1) || diff < -1e-6 * (avg + 1))
            violation(c, "field %u: mean length %.6f, metadata says %.6f", f, avg,
                      m->avg_field_len[f]);
    }
    if ((rc = fh_reader_open(ix, &r)) != 0) {
        fprintf(err, "check: reader: %s\n", fh_strerror(rc));
        goto out;
    }
    if ((rc = fh_term_prefix(r, "", 0, SIZE_MAX, collect, &tl)) != 0) {
        fprintf(err, "check: walking the term dictionary: %s\n", fh_strerror(rc));
        goto out;
    }
    if (tl.n != m->n_terms)
        violation(c, "%zu term%s in the dictionary, metadata says %" PRIu64, tl.n, fh_plural(tl.n),
                  m->n_terms);
    sumtf = calloc((size_t)N * nf + 1, sizeof *sumtf);
    if (alt_index)
        sumalt = calloc((size_t)N * nf + 1, sizeof *sumalt);
    if (!sumtf || (alt_index && !sumalt)) {
        rc = FH_ENOMEM;
        goto out;
    }
    for (size_t t = 0; t < tl.n; t++) {
        const char *term = tl.bytes + tl.off[t];
        size_t len = tl.len[t];
        const fh_term_info *ti = &tl.info[t];
        uint64_t seen = c->violations;
        if (t > 0) {
            const char *pt = tl.bytes + tl.off[t - 1];
            size_t pl = tl.len[t - 1], mn = pl < len ? pl : len;
            int cmp = memcmp(pt, term, mn);
            if (cmp > 0 || (cmp == 0 && pl >= len))
                violation(c, "term %zu \"%s\" is not after \"%s\"", t, quoted(c, 0, term, len),
                          quoted(c, 1, pt, pl));
        }
        if (len == 0)
            violation(c, "empty term at %zu", t);
        bool alt = len > 0 && term[0] == FH_ALT_PREFIX;
        if (alt && !alt_index)
            violation(c, "term \"%s\": an alternative stem, but analyzer %s makes none",
                      quoted(c, 0, term, len), m->analyzer_name);
        /* the alt terms' tfs are summed apart: not part of the field length */
        uint32_t *sums = alt ? sumalt : sumtf;
        fh_postings *p = NULL;
        if ((rc = fh_postings_open(r, term, len, &p)) != 0) {
            violation(c, "term \"%s\": cannot open postings: %s", quoted(c, 0, term, len),
                      fh_strerror(rc));
            continue;
        }
        uint32_t df = 0, df_field[FH_MAX_FIELDS] = {0}, max_tf[FH_MAX_FIELDS] = {0};
        uint32_t min_len[FH_MAX_FIELDS];
        for (unsigned f = 0; f < nf; f++)
            min_len[f] = UINT32_MAX;
        uint64_t cf = 0;
        uint32_t prev = 0;
        bool first = true;
        while (fh_postings_docid(p) != FH_DOC_END) {
            uint32_t d = fh_postings_docid(p);
            if (d >= N)
                violation(c, "term \"%s\": docid %u >= %u document%s", quoted(c, 0, term, len), d,
                          N, fh_plural(N));
            if (!first && d <= prev)
                violation(c, "term \"%s\": docid %u after %u", quoted(c, 0, term, len), d, prev);
            first = false;
            prev = d;
            df++;
            const uint32_t *tfs = fh_postings_tfs(p);
            uint32_t tsum = 0;
            for (unsigned f = 0; f < nf; f++) {
                uint32_t tf = tfs[f];
                tsum += tf;
                cf += tf;
                if (tf == 0)
                    continue;
                df_field[f]++;
                if (tf > max_tf[f])
                    max_tf[f] = tf;
                if (d < N) {
                    if (flen[f][d] < min_len[f])
                        min_len[f] = flen[f][d];
                    if (sums)
                        sums[(size_t)d * nf + f] += tf;
                }
                const uint32_t *pos;
                size_t np;
                if ((rc = fh_postings_positions(p, f, &pos, &np)) != 0) {
                    violation(c, "term \"%s\" doc %u field %u: positions: %s",
                              quoted(c, 0, term, len), d, f, fh_strerror(rc));
                    rc = 0;
                    continue;
                }
                npos += np;
                if (np != tf)
                    violation(c, "term \"%s\" doc %u field %u: %zu position%s, tf %u",
                              quoted(c, 0, term, len), d, f, np, fh_plural(np), tf);
                for (size_t q = 0; q < np; q++) {
                    if (q && pos[q] < pos[q - 1])
                        violation(c, "term \"%s\" doc %u field %u: positions not ascending",
                                  quoted(c, 0, term, len), d, f);
                    if (d < N && pos[q] >= flen[f][d])
                        violation(c, "term \"%s\" doc %u field %u: position %u >= field length %u",
                                  quoted(c, 0, term, len), d, f, pos[q], flen[f][d]);
                }
            }
            if (tsum == 0)
                violation(c, "term \"%s\" doc %u: all tfs are 0", quoted(c, 0, term, len), d);
            if ((rc = fh_postings_next(p)) != 0) {
                violation(c, "term \"%s\": postings decode: %s", quoted(c, 0, term, len),
                          fh_strerror(rc));
                rc = 0;
                break;
            }
        }
        fh_postings_free(p);
        npost += df;
        if (df != ti->df)
            violation(c, "term \"%s\": df %u, decoded %u posting%s", quoted(c, 0, term, len),
                      ti->df, df, fh_plural(df));
        if (cf != ti->cf)
            violation(c, "term \"%s\": cf %" PRIu64 ", decoded %" PRIu64, quoted(c, 0, term, len),
                      ti->cf, cf);
        if (df == 0)
            violation(c, "term \"%s\" has no postings", quoted(c, 0, term, len));
        for (unsigned f = 0; f < nf; f++) {
            if (df_field[f] != ti->df_field[f])
                violation(c, "term \"%s\" field %u: df %u, decoded %u", quoted(c, 0, term, len), f,
                          ti->df_field[f], df_field[f]);
            if (max_tf[f] != ti->max_tf[f])
                violation(c, "term \"%s\" field %u: max tf %u, decoded %u", quoted(c, 0, term, len),
                          f, ti->max_tf[f], max_tf[f]);
            /* FORMAT.md: min_len is 0 in a field the term is not in */
            uint32_t want_min = df_field[f] ? min_len[f] : 0;
            if (want_min != ti->min_len[f])
                violation(c, "term \"%s\" field %u: min length %u, decoded %u",
                          quoted(c, 0, term, len), f, ti->min_len[f], want_min);
        }
        /* the bytes, once what they hold is known to be right */
        if (c->violations == seen) {
            char why[160];
            rc = fh_term_verify(r, term, len, why, sizeof why);
            if (rc == FH_ECORRUPT)
                violation(c, "term \"%s\": %s", quoted(c, 0, term, len), why);
            else if (rc) {
                fprintf(err, "check: term \"%s\": %s\n", quoted(c, 0, term, len), fh_strerror(rc));
                goto out;
            }
            rc = 0;
        }
    }
    if (npost != m->n_postings)
        violation(c, "%" PRIu64 " posting%s decoded, metadata says %" PRIu64, npost,
                  fh_plural(npost), m->n_postings);
    for (uint32_t d = 0; d < N; d++) {
        for (unsigned f = 0; f < nf; f++) {
            size_t k = (size_t)d * nf + f;
            if (sumtf[k] != flen[f][d])
                violation(c, "doc %u field %u: length %u but its terms' tfs sum to %u", d, f,
                          flen[f][d], sumtf[k]);
            if (sumalt && sumalt[k] > flen[f][d]) /* at most one alt term per word */
                violation(c, "doc %u field %u: length %u but its alternative stems' tfs sum to %u",
                          d, f, flen[f][d], sumalt[k]);
        }
    }
    /* documents and both id maps */
    for (uint32_t d = 0; d < N; d++) {
        const char *id;
        size_t idlen;
        if ((rc = fh_doc_ext_id(r, d, &id, &idlen)) != 0) {
            violation(c, "doc %u: no external id: %s", d, fh_strerror(rc));
            rc = 0;
            continue;
        }
        uint32_t back;
        if ((rc = fh_doc_lookup(r, id, idlen, &back)) != 0 || back != d)
            violation(c, "doc %u: id \"%s\" maps back to %d (%s)", d, quoted(c, 0, id, idlen),
                      rc ? -1 : (int)back, rc ? fh_strerror(rc) : "wrong docid");
        rc = 0;
        fh_buf_reset(&doc);
        if ((rc = fh_doc_get(r, d, &doc)) != 0) {
            violation(c, "doc %u: stored document: %s", d, fh_strerror(rc));
            rc = 0;
            continue;
        }
        json_error_t je;
        json_t *root = fh_json_load_doc(doc.data, doc.len, &je);
        if (!json_is_object(root))
            violation(c, "doc %u: stored document is not a JSON object (%s)", d,
                      root ? "other type" : je.text);
        else if (!id_matches(json_object_get(root, "id"), doc.data, doc.len, &esc, id, idlen))
            violation(c, "doc %u: stored \"id\" differs from the id map \"%s\"", d,
                      quoted(c, 0, id, idlen));
        json_decref(root);
        char why[160];
        if ((rc = fh_doc_verify(r, d, why, sizeof why)) == FH_ECORRUPT)
            violation(c, "doc %u: %s", d, why);
        else if (rc) {
            fprintf(err, "check: doc %u: %s\n", d, fh_strerror(rc));
            goto out;
        }
        rc = 0;
    }
    fprintf(out, "%zu term%s, %" PRIu64 " posting%s, %" PRIu64 " position%s, %u document%s\n", tl.n,
            fh_plural(tl.n), npost, fh_plural(npost), npos, fh_plural(npos), N, fh_plural(N));
    /* docids 0..N-1 in docs, each document's id in ids and fields 0..nf-1
     * in lengths were looked up above; an entry beyond them (another docid,
     * id or field) no lookup meets, so the counts must be N, N and nf. (The
     * terms were counted by the walk.) */
    db_counts dn;
    db_stats(c, ix, &dn);
    if (dn.lengths != UINT64_MAX && dn.lengths != nf)
        violation(c, "lengths has %" PRIu64 " %s for %u field%s", dn.lengths, entries(dn.lengths),
                  nf, fh_plural(nf));
    if (dn.docs != UINT64_MAX && dn.docs != N)
        violation(c, "docs has %" PRIu64 " %s for %u document%s", dn.docs, entries(dn.docs), N,
                  fh_plural(N));
    if (dn.ids != UINT64_MAX && dn.ids != N)
        violation(c, "the id map has %" PRIu64 " %s for %u document%s", dn.ids, entries(dn.ids), N,
                  fh_plural(N));
out:
    fh_buf_free(&doc);
    fh_buf_free(&esc);
    free(sumtf);
    free(sumalt);
    termlist_free(&tl);
    if (r)
        fh_reader_close(r);
    fh_index_close(ix);
    if (!rc && c->violations) {
        fprintf(err, "check: %" PRIu64 " violation%s in %s\n", c->violations,
                fh_plural(c->violations), shown);
        rc = FH_ECORRUPT;
    } else if (!rc) {
        fprintf(out, "check: OK\n");
        if (!analyzer_known)
            fprintf(err,
                    "check: note: %s was built with analyzer %s, which this build lacks; "
                    "fahras-searchd will not serve it until it is rebuilt (fahras-indexer "
                    "build)\n",
                    shown, analyzer_name);
        else if (strcmp(analyzer_version, fh_analyzer_version(NULL)) != 0)
            fprintf(err,
                    "check: note: %s was built with analyzer version %s and this build's is "
                    "%s; fahras-searchd will not serve it until it is rebuilt "
                    "(fahras-indexer build)\n",
                    shown, analyzer_version, fh_analyzer_version(NULL));
    }
    free(shown);
    if (fh_output_finish(out, err, "check", 0) != 0 && !rc)
        rc = FH_EIO;
    return rc;
}

/* ------------------------------------------------------------- dump */

/* The fewest significant digits (6 to 9) that read back as f exactly: 2 for
 * 2, 1.3 for 1.3f, and two weights that differ print differently. */
static void shortest_float(float f, char *out, size_t cap)
{
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(out, cap, "%.*g", digits, (double)f);
        if (strtof(out, NULL) == f)
            return;
    }
}

int fh_dump_terms(const char *dir, FILE *out, FILE *err)
{
    fh_index *ix = NULL;
    fh_reader *r = NULL;
    termlist tl;
    memset(&tl, 0, sizeof tl);
    fh_buf doc;
    fh_buf_init(&doc, (size_t)1 << 31);
    XXH3_state_t *hs = XXH3_createState();
    const fh_index_meta *m;
    unsigned nf;
    int werr = 0;
    int rc = fh_index_open(dir, NULL, NULL, &ix);
    if (rc) {
        open_failed(err, "dump-terms", rc, dir);
        goto out;
    }
    if (!hs) {
        rc = FH_ENOMEM;
        goto out;
    }
    m = fh_index_get_meta(ix);
    nf = m->n_fields;
    if ((rc = fh_reader_open(ix, &r)) || (rc = fh_term_prefix(r, "", 0, SIZE_MAX, collect, &tl)))
        goto out;
    for (size_t t = 0; t < tl.n; t++) {
        const char *term = tl.bytes + tl.off[t];
        size_t len = tl.len[t];
        fh_postings *p;
        if ((rc = fh_postings_open(r, term, len, &p)) != 0)
            goto out;
        XXH3_64bits_reset(hs);
        while (fh_postings_docid(p) != FH_DOC_END) {
            uint32_t d = fh_postings_docid(p);
            XXH3_64bits_update(hs, &d, sizeof d);
            XXH3_64bits_update(hs, fh_postings_tfs(p), nf * sizeof(uint32_t));
            for (unsigned f = 0; f < nf; f++) {
                const uint32_t *pos;
                size_t np;
                if ((rc = fh_postings_positions(p, f, &pos, &np)) != 0)
                    break;
                XXH3_64bits_update(hs, pos, np * sizeof *pos);
            }
            if (rc || (rc = fh_postings_next(p)) != 0)
                break;
        }
        fh_postings_free(p);
        if (rc)
            goto out;
        fprintf(out, "%.*s\t%u\t%" PRIu64 "\t%016" PRIx64 "\n", (int)len, term, tl.info[t].df,
                tl.info[t].cf, (uint64_t)XXH3_64bits_digest(hs));
        if (ferror(out)) {
            werr = errno; /* fh_output_finish() reports it */
            goto out;
        }
    }
    /* the fields and their recorded weights: ranking reads them, so two
     * indexes that differ only there do not print the same text */
    fputs("#fields", out);
    for (unsigned f = 0; f < nf; f++) {
        char w[32];
        shortest_float(m->field_weights[f], w, sizeof w);
        fprintf(out, "\t%s=%s", m->field_names[f], w);
    }
    fputc('\n', out);
    XXH3_64bits_reset(hs);
    for (uint32_t d = 0; d < m->n_docs; d++) {
        const char *id;
        size_t idlen;
        if ((rc = fh_doc_ext_id(r, d, &id, &idlen)) != 0)
            goto out;
        XXH3_64bits_update(hs, id, idlen + 0);
        XXH3_64bits_update(hs, "", 1);
        fh_buf_reset(&doc);
        if ((rc = fh_doc_get(r, d, &doc)) != 0)
            goto out;
        XXH3_64bits_update(hs, doc.data ? doc.data : "", doc.len);
        for (unsigned f = 0; f < nf; f++)
            XXH3_64bits_update(hs, &fh_index_field_lengths(ix, f)[d], sizeof(uint32_t));
    }
    fprintf(out, "#docs\t%u\t%016" PRIx64 "\n", m->n_docs, (uint64_t)XXH3_64bits_digest(hs));
out:
    if (rc && ix)
        fprintf(err, "dump-terms: %s\n", fh_strerror(rc));
    else if (!rc)
        rc = fh_output_finish(out, err, "dump-terms", werr) ? FH_EIO : 0;
    XXH3_freeState(hs);
    fh_buf_free(&doc);
    termlist_free(&tl);
    if (r)
        fh_reader_close(r);
    fh_index_close(ix);
    return rc;
}

int fh_dump_docs(const char *dir, FILE *out, FILE *err)
{
    fh_index *ix = NULL;
    fh_reader *r = NULL;
    fh_buf doc;
    fh_buf_init(&doc, (size_t)1 << 31);
    const fh_index_meta *m;
    int werr = 0;
    int rc = fh_index_open(dir, NULL, NULL, &ix);
    if (rc) {
        open_failed(err, "dump-docs", rc, dir);
        goto out;
    }
    m = fh_index_get_meta(ix);
    if ((rc = fh_reader_open(ix, &r)) != 0)
        goto out;
    for (uint32_t d = 0; d < m->n_docs; d++) {
        const char *id;
        size_t idlen;
        if ((rc = fh_doc_ext_id(r, d, &id, &idlen)) != 0)
            goto out;
        fh_buf_reset(&doc);
        if ((rc = fh_doc_get(r, d, &doc)) != 0)
            goto out;
        fprintf(out, "%u\t%.*s", d, (int)idlen, id);
        for (unsigned f = 0; f < m->n_fields; f++)
            fprintf(out, "\t%u", fh_index_field_lengths(ix, f)[d]);
        fprintf(out, "\t%.*s\n", (int)doc.len, doc.data ? doc.data : "");
        if (ferror(out)) {
            werr = errno; /* fh_output_finish() reports it */
            goto out;
        }
    }
out:
    if (rc && ix)
        fprintf(err, "dump-docs: %s\n", fh_strerror(rc));
    else if (!rc)
        rc = fh_output_finish(out, err, "dump-docs", werr) ? FH_EIO : 0;
    fh_buf_free(&doc);
    if (r)
        fh_reader_close(r);
    fh_index_close(ix);
    return rc;
}
