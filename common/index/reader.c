/* reader.c — read side of the index: open and validate a published
 * DIR/index.mdb, term lookups and prefix walks, block-max postings
 * iterators, positions, field lengths, stored documents and id maps.
 *
 * The file is opened MDB_RDONLY | MDB_NOLOCK and never written by anyone,
 * so pointers into the map stay valid for the life of the environment, not
 * just of a transaction: field length arrays are handed out for the life of
 * the fh_index, document ids for the life of the reader. Every value read
 * from the map is bounds-checked; anything inconsistent is FH_ECORRUPT.
 * LMDB hands over the size a node claims unchecked, so every key and value
 * LMDB returns is first held to the file's own bytes (in_file, below): a
 * damaged size would otherwise send a reader past the map, into unmapped
 * memory or another mapping of the process. fh_index_map_find gives the same
 * bounds to a tool that opens the file with LMDB itself.
 * fh_term_verify and fh_doc_verify, at the end, are for `fahras-indexer
 * check` only: they hold the values to the writer's exact bytes.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
/* ZSTD_decompressBound: in the library since zstd 1.4.0, declared in the
 * "static linking only" part of zstd.h */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "fahras/err.h"
#include "fahras/grow.h"

#define FH_DOC_MAX_RAW ((size_t)1 << 30) /* largest stored document we decompress */
/* A reader keeps every iterator freed for reuse (r->cache), so it holds as
 * many as were ever open at once (a query opens at most a few thousand) until
 * fh_reader_close. Keeping only a few made a query of a thousand lists free
 * the rest at its end: glibc gave those pages back (the top of the heap) and
 * the next such query faulted them in again, 4x slower (2.2 ms against 0.5 ms
 * for one 1,024-expansion prefix), enough to run a short time budget out at
 * every repetition. An iterator is about 0.7 KB + 0.5 KB per field. */
#define FH_POSBUF_KEEP 1024 /* positions (4 KiB) a cached iterator may keep */

struct fh_index {
    MDB_env *env;
    MDB_dbi dbi[FH_DB_COUNT];
    fh_index_meta meta;
    const uint32_t *lens[FH_MAX_FIELDS];
    uint32_t *lens_owned[FH_MAX_FIELDS]; /* heap copies when the map is misaligned */
    uint64_t id;
    uint64_t file_bytes; /* the size of the file opened (fstat) */
    ZSTD_DDict *ddict; /* meta "zstd_dict", if the build trained one */
    /* the file's bytes in the map: LMDB does not say where it mapped the
     * file, so it is read from /proc/self/maps at open (find_map);
     * unbounded when that cannot be read */
    fh_index_map map;
};

struct fh_reader {
    fh_index *ix;
    MDB_txn *txn;
    MDB_cursor *terms_cur;
    ZSTD_DCtx *zd;
    fh_postings *cache; /* freed iterators, linked through next_free */
    size_t n_iters;     /* iterators allocated: open ones and those in cache */
    /* the last `docs` value looked up (its docid + 1, 0 for none): a hit's
     * external id and then its document are read one after the other, and
     * the value stays valid as long as the transaction, i.e. the reader */
    uint32_t doc_last1;
    MDB_val doc_last;
};

struct fh_postings {
    fh_reader *r;
    fh_postings *next_free;
    unsigned nf;
    uint32_t docid; /* current document, FH_DOC_END when exhausted */
    uint32_t idx;   /* index of docid in docs[] */
    uint32_t blk_n; /* documents decoded in docs[] */
    uint32_t blk;   /* index of the decoded block */
    uint32_t n_blocks;
    uint32_t df;
    uint32_t n_docs; /* of the index: every docid must be below it */
    uint32_t term_id;
    bool has_pos;
    size_t skip_sz; /* bytes per skip entry */
    const uint8_t *skip;
    const uint8_t *data;
    size_t data_len;
    uint32_t term_max_tf[FH_MAX_FIELDS];

    /* positions, fetched on first use */
    const uint8_t *pos_val;
    size_t pos_len;
    uint32_t pos_blk;      /* block the cursor is in, UINT32_MAX for none */
    uint32_t pos_idx;      /* document the cursor is at within pos_blk */
    const uint8_t *pos_p, *pos_end;
    uint32_t pos_have_blk; /* which document's positions posbuf holds */
    uint32_t pos_have_idx;
    uint32_t *posbuf;
    size_t posbuf_cap;
    size_t pos_off[FH_MAX_FIELDS + 1];

    uint32_t docs[FH_BLOCK_DOCS];
    uint32_t tfs[]; /* FH_BLOCK_DOCS * nf: a reader's iterators all have its index's nf */
};

/* ------------------------------------------------------------------ open */

/* Whether v lies within the file's bytes in the map. */
static inline bool in_file(const fh_index *ix, const MDB_val *v)
{
    return fh_index_map_holds(&ix->map, v->mv_data, v->mv_size);
}

static int get(const fh_index *ix, MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl, MDB_val *v)
{
    MDB_val key = {kl, (void *)(uintptr_t)k};
    int lrc = mdb_get(txn, dbi, &key, v);
    if (lrc)
        return fh_lmdb_err(lrc);
    return in_file(ix, v) ? 0 : FH_ECORRUPT;
}

/* Where LMDB mapped the file: the mapping in /proc/self/maps that holds
 * `inside`, a key LMDB returned (every pointer a read-only LMDB transaction
 * returns is in its own map), less its file offset (a map split into several
 * mappings), into m->lo; m->hi is m->lo plus the smaller of the file's size
 * (bytes, fstat of LMDB's descriptor) and the map's. The mapping's device
 * and inode are not compared with fstat's: on btrfs subvolumes and older
 * overlayfs they differ for the same file. Unbounded (0, UINTPTR_MAX) when
 * the size is unknown (0), /proc cannot be read or names no file mapping
 * there. */
static void find_map(MDB_env *env, uint64_t bytes, const void *inside, fh_index_map *m)
{
    m->lo = 0;
    m->hi = UINTPTR_MAX;
    MDB_envinfo ei;
    if (bytes == 0 || mdb_env_info(env, &ei) != 0)
        return;
    if (ei.me_mapsize < bytes)
        bytes = ei.me_mapsize;
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return;
    const uintptr_t at = (uintptr_t)inside;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        uintmax_t lo, hi, off, ino;
        if (sscanf(line, "%jx-%jx %*s %jx %*s %ju", &lo, &hi, &off, &ino) != 4)
            continue;
        if (at < lo || at >= hi)
            continue;
        if (ino != 0 && off <= lo && bytes <= UINTPTR_MAX - (lo - off)) {
            m->lo = (uintptr_t)(lo - off);
            m->hi = m->lo + (uintptr_t)bytes;
        }
        break;
    }
    free(line);
    fclose(f);
}

/* The file's map (find_map), through the first key of LMDB's main database
 * (it lists the named ones); bytes: the file's size, 0 if unknown. */
static int map_range(MDB_txn *txn, uint64_t bytes, fh_index_map *m)
{
    MDB_dbi main_dbi;
    MDB_cursor *cur;
    int lrc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
    if (!lrc)
        lrc = mdb_cursor_open(txn, main_dbi, &cur);
    if (lrc)
        return fh_lmdb_err(lrc);
    MDB_val k, v;
    lrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    mdb_cursor_close(cur);
    if (lrc)
        return lrc == MDB_NOTFOUND ? FH_ECORRUPT : fh_lmdb_err(lrc);
    find_map(mdb_txn_env(txn), bytes, k.mv_data, m);
    return 0;
}

int fh_index_map_find(MDB_txn *txn, fh_index_map *out)
{
    int fd;
    struct stat st;
    uint64_t bytes = 0;
    if (mdb_env_get_fd(mdb_txn_env(txn), &fd) == 0 && fstat(fd, &st) == 0)
        bytes = (uint64_t)st.st_size;
    return map_range(txn, bytes, out);
}

static int meta_get(const fh_index *ix, MDB_txn *txn, MDB_dbi dbi, const char *k, MDB_val *v)
{
    int rc = get(ix, txn, dbi, k, strlen(k), v);
    return rc == FH_ENOTFOUND ? FH_ECORRUPT : rc;
}

static int meta_u32(const fh_index *ix, MDB_txn *txn, MDB_dbi dbi, const char *k, uint32_t *out)
{
    MDB_val v;
    int rc = meta_get(ix, txn, dbi, k, &v);
    if (rc)
        return rc;
    if (v.mv_size != 4)
        return FH_ECORRUPT;
    *out = fh_ld32le(v.mv_data);
    return 0;
}

static int meta_u64(const fh_index *ix, MDB_txn *txn, MDB_dbi dbi, const char *k, uint64_t *out)
{
    MDB_val v;
    int rc = meta_get(ix, txn, dbi, k, &v);
    if (rc)
        return rc;
    if (v.mv_size != 8)
        return FH_ECORRUPT;
    *out = fh_ld64le(v.mv_data);
    return 0;
}

/* A string of min..cap-1 bytes without NUL, copied NUL-terminated into dst. */
static int meta_str(const fh_index *ix, MDB_txn *txn, MDB_dbi dbi, const char *k, char *dst,
                    size_t min, size_t cap)
{
    MDB_val v;
    int rc = meta_get(ix, txn, dbi, k, &v);
    if (rc)
        return rc;
    if (v.mv_size < min || v.mv_size >= cap || memchr(v.mv_data, 0, v.mv_size))
        return FH_ECORRUPT;
    memcpy(dst, v.mv_data, v.mv_size);
    dst[v.mv_size] = '\0';
    return 0;
}

/* meta's format_version: FH_EVERSION for any value but FH_FORMAT_VERSION. */
static int read_version(fh_index *ix, MDB_txn *txn)
{
    int rc = meta_u32(ix, txn, ix->dbi[FH_DB_META], "format_version", &ix->meta.format_version);
    if (rc)
        return rc;
    return ix->meta.format_version == FH_FORMAT_VERSION ? 0 : FH_EVERSION;
}

/* The rest of meta, once read_version has passed. */
static int read_meta(fh_index *ix, MDB_txn *txn, const char *an, const char *av)
{
    MDB_dbi m = ix->dbi[FH_DB_META];
    fh_index_meta *mt = &ix->meta;
    int rc;
    if ((rc = meta_str(ix, txn, m, "analyzer_name", mt->analyzer_name, 1,
                       sizeof mt->analyzer_name)) ||
        (rc = meta_str(ix, txn, m, "analyzer_version", mt->analyzer_version, 0,
                       sizeof mt->analyzer_version)))
        return rc;
    if ((an && strcmp(an, mt->analyzer_name) != 0) || (av && strcmp(av, mt->analyzer_version) != 0))
        return FH_EANALYZER;
    uint32_t bd;
    uint64_t bt;
    if ((rc = meta_u32(ix, txn, m, "n_docs", &mt->n_docs)) ||
        (rc = meta_u32(ix, txn, m, "block_docs", &bd)) ||
        (rc = meta_u64(ix, txn, m, "n_terms", &mt->n_terms)) ||
        (rc = meta_u64(ix, txn, m, "n_postings", &mt->n_postings)) ||
        (rc = meta_u64(ix, txn, m, "build_time", &bt)))
        return rc;
    if (bd != FH_BLOCK_DOCS || mt->n_docs == UINT32_MAX || mt->n_terms > UINT32_MAX)
        return FH_ECORRUPT;
    mt->build_time = (int64_t)bt;
    MDB_val v;
    if ((rc = meta_get(ix, txn, m, "fields", &v)))
        return rc;
    const uint8_t *p = v.mv_data, *end = p + v.mv_size;
    if (p >= end || *p == 0 || *p > FH_MAX_FIELDS)
        return FH_ECORRUPT;
    mt->n_fields = *p++;
    for (unsigned f = 0; f < mt->n_fields; f++) {
        if (p >= end)
            return FH_ECORRUPT;
        size_t nl = *p++;
        if (nl == 0 || nl > FH_FIELD_NAME_MAX || (size_t)(end - p) < nl + 12 || memchr(p, 0, nl))
            return FH_ECORRUPT;
        memcpy(mt->field_names[f], p, nl);
        mt->field_names[f][nl] = '\0';
        p += nl;
        uint32_t wb = fh_ld32le(p);
        memcpy(&mt->field_weights[f], &wb, 4);
        uint64_t ab = fh_ld64le(p + 4);
        memcpy(&mt->avg_field_len[f], &ab, 8);
        p += 12;
        if (!isfinite(mt->field_weights[f]) || !isfinite(mt->avg_field_len[f]) ||
            mt->field_weights[f] < 0 || mt->avg_field_len[f] < 0)
            return FH_ECORRUPT;
    }
    if (p != end)
        return FH_ECORRUPT;
    rc = get(ix, txn, m, "zstd_dict", 9, &v);
    if (rc == FH_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (v.mv_size == 0)
        return FH_ECORRUPT;
    ix->ddict = ZSTD_createDDict(v.mv_data, v.mv_size);
    return ix->ddict ? 0 : FH_ECORRUPT;
}

static int read_lengths(fh_index *ix, MDB_txn *txn)
{
    for (unsigned f = 0; f < ix->meta.n_fields; f++) {
        uint8_t key[4];
        fh_st32be(key, f);
        MDB_val v;
        int rc = get(ix, txn, ix->dbi[FH_DB_LENGTHS], key, 4, &v);
        if (rc)
            return rc == FH_ENOTFOUND ? FH_ECORRUPT : rc;
        if (v.mv_size != (size_t)ix->meta.n_docs * 4)
            return FH_ECORRUPT;
        if (((uintptr_t)v.mv_data & 3) == 0 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
            ix->lens[f] = v.mv_data;
            continue;
        }
        uint32_t *a = malloc(v.mv_size ? v.mv_size : 4);
        if (!a)
            return FH_ENOMEM;
        for (size_t i = 0; i < ix->meta.n_docs; i++)
            a[i] = fh_ld32le((const uint8_t *)v.mv_data + 4 * i);
        ix->lens_owned[f] = a;
        ix->lens[f] = a;
    }
    return 0;
}

static uint64_t stat_id(const struct stat *st)
{
    uint64_t k[4] = {(uint64_t)st->st_dev, (uint64_t)st->st_ino, (uint64_t)st->st_size,
                     (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec};
    uint64_t h = XXH3_64bits(k, sizeof k);
    return h ? h : 1;
}

/* dir + "/" + FH_INDEX_FILE, malloc'ed (the caller frees it); NULL when out
 * of memory. */
static char *index_path(const char *dir)
{
    size_t dl = strlen(dir);
    char *path = malloc(dl + sizeof FH_INDEX_FILE + 1);
    if (path) {
        memcpy(path, dir, dl);
        path[dl] = '/';
        memcpy(path + dl + 1, FH_INDEX_FILE, sizeof FH_INDEX_FILE);
    }
    return path;
}

uint64_t fh_index_file_id(const char *dir)
{
    char *path = index_path(dir);
    if (!path)
        return 0;
    struct stat st;
    int rc = stat(path, &st);
    free(path);
    return rc ? 0 : stat_id(&st);
}

uint64_t fh_index_id(const fh_index *ix)
{
    return ix->id;
}

uint64_t fh_index_file_bytes(const fh_index *ix)
{
    return ix->file_bytes;
}

void fh_index_close(fh_index *ix)
{
    if (!ix)
        return;
    if (ix->env)
        mdb_env_close(ix->env);
    for (unsigned f = 0; f < FH_MAX_FIELDS; f++)
        free(ix->lens_owned[f]);
    ZSTD_freeDDict(ix->ddict);
    free(ix);
}

/* Open the environment at path and validate meta and lengths into ix. */
static int index_setup(fh_index *ix, const char *path, const char *an, const char *av)
{
    struct stat st;
    if (stat(path, &st))
        return errno == ENOENT ? FH_ENOTFOUND : FH_EIO;
    int lrc = mdb_env_create(&ix->env);
    if (lrc) {
        ix->env = NULL;
        return fh_lmdb_err(lrc);
    }
    /* Map exactly the file: LMDB would otherwise map the writer's map size. */
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    size_t ms = ((size_t)st.st_size + ps - 1) / ps * ps;
    if ((lrc = mdb_env_set_maxdbs(ix->env, FH_DB_COUNT)) ||
        (lrc = mdb_env_set_mapsize(ix->env, ms ? ms : ps)) ||
        (lrc = mdb_env_open(ix->env, path, MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR | MDB_NOTLS,
                            0)))
        return lrc == ENOENT ? FH_ENOTFOUND : lrc == MDB_INVALID ? FH_ECORRUPT : fh_lmdb_err(lrc);
    int fd;
    if (mdb_env_get_fd(ix->env, &fd) == 0 && fstat(fd, &st) == 0) {
        ix->id = stat_id(&st);
        ix->file_bytes = (uint64_t)st.st_size;
    }
    /* A cut-off file (an interrupted copy renamed in): its header names pages
     * past the end, and LMDB maps them anyway; the first read of one would
     * raise SIGBUS. Refuse it before any page is read. */
    MDB_envinfo ei;
    MDB_stat es;
    if (mdb_env_info(ix->env, &ei) || mdb_env_stat(ix->env, &es) ||
        ((uint64_t)ei.me_last_pgno + 1u) * es.ms_psize > (uint64_t)st.st_size)
        return FH_ECORRUPT;
    MDB_txn *txn;
    if ((lrc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, &txn)))
        return fh_lmdb_err(lrc);
    /* meta (database 0) and its format_version before the other databases
     * are required: another format may have another set of them, and is
     * FH_EVERSION, not corrupt */
    int rc = map_range(txn, ix->file_bytes, &ix->map);
    for (int i = 0; i < FH_DB_COUNT && !rc; i++) {
        lrc = mdb_dbi_open(txn, fh_db_names[i], 0, &ix->dbi[i]);
        if (lrc)
            rc = lrc == MDB_NOTFOUND ? FH_ECORRUPT : fh_lmdb_err(lrc);
        if (!rc && i == FH_DB_META)
            rc = read_version(ix, txn);
    }
    if (rc || (rc = read_meta(ix, txn, an, av)) || (rc = read_lengths(ix, txn))) {
        mdb_txn_abort(txn);
        return rc;
    }
    /* Commit (not abort) so the database handles outlive this transaction. */
    lrc = mdb_txn_commit(txn);
    return lrc ? fh_lmdb_err(lrc) : 0;
}

int fh_index_open(const char *dir, const char *expect_analyzer_name,
                  const char *expect_analyzer_version, fh_index **out)
{
    *out = NULL;
    if (!dir)
        return FH_EINVAL;
    char *path = index_path(dir);
    fh_index *ix = calloc(1, sizeof *ix);
    int rc = FH_ENOMEM;
    if (path && ix) {
        rc = index_setup(ix, path, expect_analyzer_name, expect_analyzer_version);
    }
    free(path);
    if (rc) {
        fh_index_close(ix);
        return rc;
    }
    *out = ix;
    return 0;
}

/* The format_version of the index file at dir/index.mdb into *v, read as
 * fh_index_open reads it; false when it cannot be read. */
static bool file_format(const char *dir, uint32_t *v)
{
    char *path = index_path(dir);
    fh_index *ix = calloc(1, sizeof *ix);
    bool ok = false;
    if (path && ix) {
        ok = index_setup(ix, path, NULL, NULL) == FH_EVERSION;
        *v = ix->meta.format_version;
    }
    free(path);
    if (ix)
        fh_index_close(ix);
    return ok;
}

const char *fh_index_open_reason(int rc, const char *dir, char *buf, size_t n)
{
    if (rc == FH_EVERSION && buf && n > 0) {
        uint32_t v;
        char is[96] = "";
        if (dir && file_format(dir, &v))
            snprintf(is, sizeof is, "the index is format %u (made by %s fahras-indexer), ",
                     (unsigned)v, v > FH_FORMAT_VERSION ? "a newer" : "an older");
        snprintf(buf, n,
                 "%s: %sthis build reads format %u (rebuild the index with its fahras-indexer "
                 "build)",
                 fh_strerror(rc), is, (unsigned)FH_FORMAT_VERSION);
        return buf;
    }
    if ((rc != FH_ENOTFOUND && rc != FH_EIO) || !dir || !buf || n == 0)
        return fh_strerror(rc);
    struct stat st;
    if (stat(dir, &st) != 0) {
        snprintf(buf, n, "%s", errno == ENOENT ? "no such directory" : strerror(errno));
        return buf;
    }
    if (!S_ISDIR(st.st_mode))
        return "not a directory (name the directory that holds " FH_INDEX_FILE ")";
    char *path = index_path(dir);
    if (!path)
        return fh_strerror(rc);
    const char *why = fh_strerror(rc);
    int e = stat(path, &st) != 0 ? errno : access(path, R_OK) != 0 ? errno : 0;
    if (e == 0 && rc == FH_EIO) { /* open it again: no descriptors left, a permission */
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            e = errno;
        else
            close(fd);
    }
    if (e == ENOENT) {
        why = "no " FH_INDEX_FILE " in it (fahras-indexer build --index DIR makes one)";
    } else if (e) {
        snprintf(buf, n, "%s: %s", FH_INDEX_FILE, strerror(e));
        why = buf;
    } else if (!S_ISREG(st.st_mode)) {
        why = FH_INDEX_FILE " in it is not a regular file";
    } else if (st.st_size == 0) { /* LMDB calls it an I/O error */
        why = FH_INDEX_FILE " in it is empty (0 bytes), not an index";
    }
    free(path);
    return why;
}

const fh_index_meta *fh_index_get_meta(const fh_index *ix)
{
    return &ix->meta;
}

int fh_index_file_fd(const fh_index *ix)
{
    mdb_filehandle_t fd;
    return mdb_env_get_fd(ix->env, &fd) == 0 ? fd : -1;
}

const uint32_t *fh_index_field_lengths(const fh_index *ix, unsigned field)
{
    return field < ix->meta.n_fields ? ix->lens[field] : NULL;
}

/* ---------------------------------------------------------------- reader */

int fh_reader_open(fh_index *ix, fh_reader **out)
{
    *out = NULL;
    fh_reader *r = calloc(1, sizeof *r);
    if (!r)
        return FH_ENOMEM;
    r->ix = ix;
    int lrc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, &r->txn);
    if (lrc) {
        free(r);
        return fh_lmdb_err(lrc);
    }
    lrc = mdb_cursor_open(r->txn, ix->dbi[FH_DB_TERMS], &r->terms_cur);
    if (lrc) {
        mdb_txn_abort(r->txn);
        free(r);
        return fh_lmdb_err(lrc);
    }
    *out = r;
    return 0;
}

static void postings_destroy(fh_postings *p)
{
    free(p->posbuf);
    free(p);
}

void fh_reader_close(fh_reader *r)
{
    if (!r)
        return;
    while (r->cache) {
        fh_postings *p = r->cache;
        r->cache = p->next_free;
        postings_destroy(p);
    }
    mdb_cursor_close(r->terms_cur);
    mdb_txn_abort(r->txn);
    ZSTD_freeDCtx(r->zd);
    free(r);
}

/* ----------------------------------------------------------------- terms */

static int term_lookup(fh_reader *r, const char *term, size_t len, fh_dict_entry *d)
{
    if (!term || len == 0 || len > FH_MAX_KEY)
        return len > FH_MAX_KEY ? FH_ENOTFOUND : FH_EINVAL;
    MDB_val v;
    int rc = get(r->ix, r->txn, r->ix->dbi[FH_DB_TERMS], term, len, &v);
    if (rc)
        return rc;
    return fh_dict_decode(v.mv_data, v.mv_size, r->ix->meta.n_fields, r->ix->meta.n_terms, d);
}

int fh_term_get(fh_reader *r, const char *term, size_t len, fh_term_info *out)
{
    fh_dict_entry d;
    int rc = term_lookup(r, term, len, &d);
    if (rc)
        return rc;
    *out = d.ti;
    return 0;
}

int fh_term_prefix(fh_reader *r, const char *prefix, size_t len, size_t max, fh_term_cb cb,
                   void *ctx)
{
    if ((!prefix && len) || len > FH_MAX_KEY || !cb)
        return FH_EINVAL;
    MDB_val k = {len, (void *)(uintptr_t)prefix}, v;
    int lrc = mdb_cursor_get(r->terms_cur, &k, &v, len ? MDB_SET_RANGE : MDB_FIRST);
    for (size_t n = 0; n < max; n++) {
        if (lrc == MDB_NOTFOUND)
            return 0;
        if (lrc)
            return fh_lmdb_err(lrc);
        if (!in_file(r->ix, &k) || !in_file(r->ix, &v))
            return FH_ECORRUPT;
        if (k.mv_size < len || memcmp(k.mv_data, prefix, len) != 0)
            return 0;
        fh_dict_entry d;
        int rc = fh_dict_decode(v.mv_data, v.mv_size, r->ix->meta.n_fields, r->ix->meta.n_terms,
                                &d);
        if (rc)
            return rc;
        rc = cb(ctx, k.mv_data, k.mv_size, &d.ti);
        if (rc)
            return rc;
        lrc = mdb_cursor_get(r->terms_cur, &k, &v, MDB_NEXT);
    }
    return 0;
}

/* -------------------------------------------------------------- postings */

static inline uint32_t skip_last(const fh_postings *p, uint32_t b)
{
    return fh_ld32le(p->skip + (size_t)b * p->skip_sz);
}

static inline uint32_t skip_end(const fh_postings *p, uint32_t b)
{
    return fh_ld32le(p->skip + (size_t)b * p->skip_sz + 4);
}

static int corrupt(fh_postings *p)
{
    p->docid = FH_DOC_END;
    p->blk_n = 0;
    return FH_ECORRUPT;
}

static int decode_block(fh_postings *p, uint32_t b)
{
    uint32_t start = b ? skip_end(p, b - 1) : 0, end = skip_end(p, b);
    if (start > end || end > p->data_len)
        return corrupt(p);
    uint32_t n = (b + 1 == p->n_blocks) ? p->df - FH_BLOCK_DOCS * b : FH_BLOCK_DOCS;
    uint32_t base = 0;
    if (b) {
        uint32_t pl = skip_last(p, b - 1);
        if (pl >= p->n_docs)
            return corrupt(p);
        base = pl + 1;
    }
    /* The iterator only moves forward, even over a corrupt skip table. */
    uint32_t floor = p->blk_n ? p->docs[p->blk_n - 1] : 0;
    bool have_floor = p->blk_n != 0;
    if (fh_block_decode(p->data + start, end - start, p->data_len - end, base, n, p->nf, p->docs,
                        p->tfs))
        return corrupt(p);
    if (p->docs[n - 1] != skip_last(p, b) || p->docs[n - 1] >= p->n_docs ||
        (have_floor && p->docs[0] <= floor))
        return corrupt(p);
    p->blk = b;
    p->blk_n = n;
    p->idx = 0;
    p->docid = p->docs[0];
    return 0;
}

/* First block >= from whose last docid is >= target; n_blocks if none.
 * Galloping, then binary search: O(log distance). */
static uint32_t find_block(const fh_postings *p, uint32_t from, uint32_t target)
{
    uint32_t n = p->n_blocks, lo = from, hi = n, step = 1;
    while (lo < n) {
        uint32_t probe = lo + step - 1;
        if (probe >= n || probe < lo)
            break;
        if (skip_last(p, probe) >= target) {
            hi = probe;
            break;
        }
        lo = probe + 1;
        step = step < (1u << 30) ? step * 2 : step;
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (skip_last(p, mid) >= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int postings_init(fh_postings *p, fh_reader *r, const char *term, size_t len)
{
    fh_dict_entry d;
    int rc = term_lookup(r, term, len, &d);
    if (rc)
        return rc;
    const fh_index *ix = r->ix;
    p->r = r;
    p->nf = ix->meta.n_fields;
    p->n_docs = ix->meta.n_docs;
    p->df = d.ti.df;
    p->term_id = d.term_id;
    p->has_pos = (d.flags & FH_TERM_HAS_POS) != 0;
    p->n_blocks = (uint32_t)(((uint64_t)d.ti.df + FH_BLOCK_DOCS - 1) / FH_BLOCK_DOCS);
    p->skip_sz = FH_SKIP_ENTRY(p->nf);
    memcpy(p->term_max_tf, d.ti.max_tf, sizeof p->term_max_tf);
    const uint8_t *blob = d.blob;
    size_t blen = d.blob_len;
    if (!(d.flags & FH_TERM_INLINE)) {
        uint8_t key[4];
        fh_st32be(key, d.term_id);
        MDB_val v;
        rc = get(ix, r->txn, ix->dbi[FH_DB_POSTINGS], key, 4, &v);
        if (rc)
            return rc == FH_ENOTFOUND ? FH_ECORRUPT : rc;
        blob = v.mv_data;
        blen = v.mv_size;
    }
    size_t sk = (size_t)p->n_blocks * p->skip_sz;
    if (blen < sk || blen - sk > UINT32_MAX)
        return FH_ECORRUPT;
    p->skip = blob;
    p->data = blob + sk;
    p->data_len = blen - sk;
    p->pos_val = NULL;
    p->pos_len = 0;
    p->pos_blk = UINT32_MAX;
    p->pos_have_blk = UINT32_MAX;
    p->blk_n = 0;
    return decode_block(p, 0);
}

int fh_postings_open(fh_reader *r, const char *term, size_t len, fh_postings **out)
{
    *out = NULL;
    fh_postings *p = r->cache;
    if (p) {
        r->cache = p->next_free;
    } else {
        p = malloc(sizeof *p + (size_t)FH_BLOCK_DOCS * r->ix->meta.n_fields * sizeof *p->tfs);
        if (!p)
            return FH_ENOMEM;
        r->n_iters++;
        p->posbuf = NULL;
        p->posbuf_cap = 0;
    }
    p->next_free = NULL;
    int rc = postings_init(p, r, term, len);
    if (rc) {
        p->r = r;
        fh_postings_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

size_t fh_reader_iterators(const fh_reader *r)
{
    return r->n_iters;
}

void fh_postings_free(fh_postings *p)
{
    if (!p)
        return;
    fh_reader *r = p->r;
    if (r) {
        if (p->posbuf_cap > FH_POSBUF_KEEP) { /* a rare long document's: not kept */
            free(p->posbuf);
            p->posbuf = NULL;
            p->posbuf_cap = 0;
        }
        p->next_free = r->cache;
        r->cache = p;
        return;
    }
    postings_destroy(p);
}

uint32_t fh_postings_docid(const fh_postings *p)
{
    return p->docid;
}

int fh_postings_next(fh_postings *p)
{
    if (p->docid == FH_DOC_END)
        return 0;
    if (++p->idx < p->blk_n) {
        p->docid = p->docs[p->idx];
        return 0;
    }
    if (p->blk + 1 >= p->n_blocks) {
        p->docid = FH_DOC_END;
        return 0;
    }
    return decode_block(p, p->blk + 1);
}

int fh_postings_seek(fh_postings *p, uint32_t target)
{
    if (p->docid >= target)
        return 0;
    if (target > p->docs[p->blk_n - 1]) {
        uint32_t b = find_block(p, p->blk + 1, target);
        if (b >= p->n_blocks) {
            p->docid = FH_DOC_END;
            return 0;
        }
        int rc = decode_block(p, b);
        if (rc)
            return rc;
        if (p->docid >= target)
            return 0;
    }
    /* The block's last docid is >= target: binary search docs[idx+1 ..]. */
    p->idx = (uint32_t)fh_docs_lower_bound(p->docs, p->idx + 1u, p->blk_n - 1u, target);
    p->docid = p->docs[p->idx];
    return 0;
}

const uint32_t *fh_postings_tfs(const fh_postings *p)
{
    return p->tfs + (size_t)p->idx * p->nf;
}

size_t fh_postings_batch(const fh_postings *p, const uint32_t **docs, const uint32_t **tfs)
{
    if (p->docid == FH_DOC_END) {
        *docs = NULL;
        *tfs = NULL;
        return 0;
    }
    *docs = p->docs + p->idx;
    *tfs = p->tfs + (size_t)p->idx * p->nf;
    return p->blk_n - p->idx;
}

int fh_postings_block_bound(fh_postings *p, uint32_t target, fh_block_bound *out)
{
    uint32_t from = 0;
    if (p->blk_n && p->blk > 0 && skip_last(p, p->blk - 1) < target)
        from = p->blk;
    uint32_t b = find_block(p, from, target);
    memset(out, 0, sizeof *out);
    if (b >= p->n_blocks) {
        out->last_docid = FH_DOC_END;
        return 0;
    }
    const uint8_t *e = p->skip + (size_t)b * p->skip_sz;
    out->last_docid = fh_ld32le(e);
    for (unsigned f = 0; f < p->nf; f++) {
        uint32_t mt = fh_ld16le(e + 8 + 2 * f);
        out->max_tf[f] = mt == 0xffff ? p->term_max_tf[f] : mt;
        out->min_len[f] = fh_ld16le(e + 8 + 2 * p->nf + 2 * f);
    }
    return 0;
}

/* ------------------------------------------------------------- positions */

static int pos_seek_block(fh_postings *p, uint32_t b)
{
    if (!p->pos_val) {
        uint8_t key[4];
        fh_st32be(key, p->term_id);
        MDB_val v;
        int rc = get(p->r->ix, p->r->txn, p->r->ix->dbi[FH_DB_POSITIONS], key, 4, &v);
        if (rc)
            return rc == FH_ENOTFOUND ? FH_ECORRUPT : rc;
        if (v.mv_size < (size_t)p->n_blocks * 4)
            return FH_ECORRUPT;
        p->pos_val = v.mv_data;
        p->pos_len = v.mv_size;
    }
    size_t tab = (size_t)p->n_blocks * 4, dlen = p->pos_len - tab;
    size_t s = fh_ld32le(p->pos_val + 4 * (size_t)b);
    size_t e = b + 1 < p->n_blocks ? fh_ld32le(p->pos_val + 4 * ((size_t)b + 1)) : dlen;
    if (s > e || e > dlen)
        return FH_ECORRUPT;
    p->pos_p = p->pos_val + tab + s;
    p->pos_end = p->pos_val + tab + e;
    p->pos_blk = b;
    p->pos_idx = 0;
    return 0;
}

static inline uint64_t doc_tf_sum(const fh_postings *p, uint32_t idx)
{
    uint64_t s = 0;
    const uint32_t *t = p->tfs + (size_t)idx * p->nf;
    for (unsigned f = 0; f < p->nf; f++)
        s += t[f];
    return s;
}

static int positions_load(fh_postings *p);

int fh_postings_positions(fh_postings *p, unsigned field, const uint32_t **pos, size_t *n)
{
    *pos = NULL;
    *n = 0;
    if (field >= p->nf || p->docid == FH_DOC_END)
        return FH_EINVAL;
    if (!p->has_pos)
        return 0;
    if (p->pos_have_blk != p->blk || p->pos_have_idx != p->idx) {
        int rc = positions_load(p);
        if (rc) {
            p->pos_blk = UINT32_MAX; /* start over from the block next time */
            p->pos_have_blk = UINT32_MAX;
            return rc;
        }
    }
    *pos = p->posbuf + p->pos_off[field];
    *n = p->pos_off[field + 1] - p->pos_off[field];
    return 0;
}

/* Decode the current document's positions, all fields, into posbuf. */
static int positions_load(fh_postings *p)
{
    int rc;
    if (p->pos_blk != p->blk || p->pos_idx > p->idx) {
        p->pos_have_blk = UINT32_MAX;
        if ((rc = pos_seek_block(p, p->blk)))
            return rc;
    }
    if (p->pos_idx < p->idx) {
        /* the earlier documents' positions, all at once: their tfs are
         * contiguous in the decoded block */
        const uint32_t *t = p->tfs + (size_t)p->pos_idx * p->nf;
        size_t nt = (size_t)(p->idx - p->pos_idx) * p->nf;
        uint64_t s = 0;
        for (size_t i = 0; i < nt; i++)
            s += t[i];
        if (s > (size_t)(p->pos_end - p->pos_p)) /* a byte per position at least */
            return FH_ECORRUPT;
        if ((rc = fh_positions_skip(&p->pos_p, p->pos_end, (size_t)s)))
            return rc;
        p->pos_idx = p->idx;
    }
    uint64_t total = doc_tf_sum(p, p->idx);
    /* The writer refuses a document whose tfs are all zero, so total == 0 is
     * corrupt data (and posbuf may still be NULL: no arithmetic on it). */
    if (total == 0 || total > (size_t)(p->pos_end - p->pos_p)) /* a byte per position at least */
        return FH_ECORRUPT;
    if ((rc = fh_grow_u32(&p->posbuf, &p->posbuf_cap, (size_t)total, 64)))
        return rc;
    const uint32_t *t = p->tfs + (size_t)p->idx * p->nf;
    size_t k = 0;
    for (unsigned f = 0; f < p->nf; f++) {
        p->pos_off[f] = k;
        if ((rc = fh_positions_decode(&p->pos_p, p->pos_end, p->posbuf + k, t[f])))
            return rc;
        k += t[f];
    }
    p->pos_off[p->nf] = k;
    p->pos_idx = p->idx + 1;
    p->pos_have_blk = p->blk;
    p->pos_have_idx = p->idx;
    return 0;
}

/* ------------------------------------------------------------------ walk */

/* The first and last byte of v, so that a value whose overflow page number
 * or size points outside the map faults here, in the walk. */
static unsigned touch(const MDB_val *v)
{
    if (v->mv_size == 0)
        return 0;
    const volatile unsigned char *b = v->mv_data;
    return (unsigned)b[0] + b[v->mv_size - 1];
}

int fh_index_walk(const fh_index *ix)
{
    MDB_txn *txn;
    int lrc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, &txn);
    if (lrc)
        return fh_lmdb_err(lrc);
    unsigned sum = 0;
    for (unsigned i = 0; i < FH_DB_COUNT && !lrc; i++) {
        MDB_cursor *cur;
        if ((lrc = mdb_cursor_open(txn, ix->dbi[i], &cur)))
            break;
        MDB_val k, v;
        MDB_cursor_op op = MDB_FIRST;
        while ((lrc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
            if (!in_file(ix, &k) || !in_file(ix, &v)) {
                lrc = MDB_CORRUPTED; /* a size that runs past the file's end */
                break;
            }
            sum += touch(&k) + touch(&v);
            op = MDB_NEXT;
        }
        mdb_cursor_close(cur);
        if (lrc == MDB_NOTFOUND)
            lrc = 0;
    }
    mdb_txn_abort(txn);
    (void)sum;
    return fh_lmdb_err(lrc);
}

bool fh_index_crash_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT;
}

/* ------------------------------------------------------------- statistics */

int fh_index_db_stats(fh_reader *r, fh_index_db_stat out[FH_INDEX_N_DBS])
{
    _Static_assert(FH_INDEX_N_DBS == FH_DB_COUNT, "database list");
    for (unsigned i = 0; i < FH_DB_COUNT; i++) {
        MDB_stat st;
        int lrc = mdb_stat(r->txn, r->ix->dbi[i], &st);
        if (lrc)
            return fh_lmdb_err(lrc);
        out[i].name = fh_db_names[i];
        out[i].entries = st.ms_entries;
        out[i].pages = (uint64_t)st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
        out[i].bytes = out[i].pages * st.ms_psize;
    }
    return 0;
}

/* ------------------------------------------------------------- documents */

static int doc_value(fh_reader *r, uint32_t docid, const uint8_t **p, const uint8_t **end,
                     unsigned *flags, const uint8_t **id, size_t *id_len)
{
    if (docid >= r->ix->meta.n_docs)
        return FH_ENOTFOUND;
    MDB_val v;
    int rc;
    if (r->doc_last1 == docid + 1u) {
        v = r->doc_last;
    } else {
        uint8_t key[4];
        fh_st32be(key, docid);
        if ((rc = get(r->ix, r->txn, r->ix->dbi[FH_DB_DOCS], key, 4, &v)) != 0)
            return rc == FH_ENOTFOUND ? FH_ECORRUPT : rc;
        r->doc_last1 = docid + 1u;
        r->doc_last = v;
    }
    const uint8_t *s = v.mv_data, *e = s + v.mv_size;
    if (s >= e || (*s & ~(FH_DOC_ZSTD | FH_DOC_ZDICT)) || *s == FH_DOC_ZDICT)
        return FH_ECORRUPT;
    *flags = *s++;
    uint32_t il;
    if ((rc = fh_varint_get32(&s, e, &il)))
        return rc;
    if (il == 0 || il > (size_t)(e - s))
        return FH_ECORRUPT;
    *id = s;
    *id_len = il;
    *p = s + il;
    *end = e;
    return 0;
}

int fh_doc_get(fh_reader *r, uint32_t docid, fh_buf *out)
{
    const uint8_t *p, *end, *id;
    unsigned flags;
    size_t il;
    int rc = doc_value(r, docid, &p, &end, &flags, &id, &il);
    if (rc)
        return rc;
    if (!(flags & FH_DOC_ZSTD))
        return fh_buf_add(out, p, (size_t)(end - p));
    uint64_t raw;
    if ((rc = fh_varint_get(&p, end, &raw)))
        return rc;
    if (raw > FH_DOC_MAX_RAW)
        return FH_ECORRUPT;
    /* a length the frame cannot produce is corruption, not a reason to
     * reserve it (nor FH_ELIMIT from a capped buffer) */
    unsigned long long bound = ZSTD_decompressBound(p, (size_t)(end - p));
    if (bound == ZSTD_CONTENTSIZE_ERROR || raw > bound)
        return FH_ECORRUPT;
    if (!r->zd && !(r->zd = ZSTD_createDCtx()))
        return FH_ENOMEM;
    if ((rc = fh_buf_reserve(out, (size_t)raw)))
        return rc;
    size_t got;
    if (flags & FH_DOC_ZDICT) {
        if (!r->ix->ddict)
            return FH_ECORRUPT;
        got = ZSTD_decompress_usingDDict(r->zd, out->data + out->len, (size_t)raw, p,
                                         (size_t)(end - p), r->ix->ddict);
    } else {
        got = ZSTD_decompressDCtx(r->zd, out->data + out->len, (size_t)raw, p, (size_t)(end - p));
    }
    if (ZSTD_isError(got) || got != raw) {
        out->data[out->len] = '\0';
        return FH_ECORRUPT;
    }
    out->len += got;
    out->data[out->len] = '\0';
    return 0;
}

int fh_doc_ext_id(fh_reader *r, uint32_t docid, const char **id, size_t *len)
{
    const uint8_t *p, *end, *s;
    unsigned flags;
    int rc = doc_value(r, docid, &p, &end, &flags, &s, len);
    if (rc)
        return rc;
    *id = (const char *)s;
    return 0;
}

int fh_doc_lookup(fh_reader *r, const char *ext_id, size_t len, uint32_t *docid)
{
    if (!ext_id || len == 0)
        return FH_EINVAL;
    if (len > FH_MAX_KEY)
        return FH_ENOTFOUND;
    MDB_val v;
    int rc = get(r->ix, r->txn, r->ix->dbi[FH_DB_IDS], ext_id, len, &v);
    if (rc)
        return rc;
    if (v.mv_size != 4)
        return FH_ECORRUPT;
    uint32_t d = fh_ld32le(v.mv_data);
    if (d >= r->ix->meta.n_docs)
        return FH_ECORRUPT;
    *docid = d;
    return 0;
}

/* ------------------------------------------------------------- exactness */

/* What the writer never produces (docs/FORMAT.md, "Exactness"), for
 * `fahras-indexer check`: no query path calls these. Each part is decoded
 * with the codecs the reader uses, then encoded again as the writer would
 * and compared byte for byte, so every rule that fixes the bytes for given
 * contents (shortest varints, smallest widths, zero padding bits, nothing
 * before or after the data) is checked at once. */

static int inexact(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int inexact(char *why, size_t n, const char *fmt, ...)
{
    if (why && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return FH_ECORRUPT;
}

/* Whether a varint of value v took `used` bytes: its shortest form's. */
static bool varint_shortest(uint64_t v, size_t used)
{
    uint8_t tmp[FH_VARINT_MAX];
    return fh_varint_put(tmp, v) == used;
}

/* The skip entry's max_tf and min_len against block b's decoded documents. */
static int verify_skip(const fh_index *ix, const uint8_t *e, uint32_t b, const uint32_t *docs,
                       const uint32_t *tfs, uint32_t cnt, char *why, size_t n)
{
    unsigned nf = ix->meta.n_fields;
    for (unsigned f = 0; f < nf; f++) {
        uint32_t mt = 0, ml = UINT32_MAX;
        for (uint32_t i = 0; i < cnt; i++) {
            uint32_t tf = tfs[(size_t)i * nf + f];
            if (tf > mt)
                mt = tf;
            if (tf && ix->lens[f][docs[i]] < ml)
                ml = ix->lens[f][docs[i]];
        }
        uint32_t want_mt = mt > 0xffff ? 0xffff : mt;
        uint32_t want_ml = mt == 0 ? 0 : ml > 0xffff ? 0xffff : ml;
        uint32_t got_mt = fh_ld16le(e + 8 + 2 * f), got_ml = fh_ld16le(e + 8 + 2 * nf + 2 * f);
        if (got_mt != want_mt || got_ml != want_ml)
            return inexact(why, n,
                           "postings block %u field %u: skip entry max_tf %u, min_len %u; "
                           "the block's are %u, %u",
                           b, f, got_mt, got_ml, want_mt, want_ml);
    }
    return 0;
}

/* Block b's positions, [s, e) of the data, against its documents' tfs:
 * decoded and encoded again, they must be exactly those bytes. */
static int verify_pos_block(const uint8_t *s, const uint8_t *e, uint32_t b, const uint32_t *tfs,
                            uint32_t cnt, unsigned nf, uint32_t **pos, size_t *pos_cap, fh_buf *enc,
                            char *why, size_t n)
{
    const uint8_t *p = s;
    fh_buf_reset(enc);
    for (uint32_t i = 0; i < cnt; i++) {
        for (unsigned f = 0; f < nf; f++) {
            uint32_t tf = tfs[(size_t)i * nf + f];
            if (!tf)
                continue;
            int rc;
            if (tf > (size_t)(e - p) || fh_grow_u32(pos, pos_cap, tf, 64) != 0 ||
                fh_positions_decode(&p, e, *pos, tf) != 0)
                return inexact(why, n, "positions block %u: document %u field %u does not decode",
                               b, i, f);
            if ((rc = fh_positions_encode(enc, *pos, tf)))
                return rc;
        }
    }
    if (p != e)
        return inexact(why, n, "positions block %u: %zu byte(s) after its documents' positions", b,
                       (size_t)(e - p));
    if (enc->len != (size_t)(e - s) || memcmp(enc->data, s, enc->len) != 0)
        return inexact(why, n, "positions block %u: a varint longer than its shortest form", b);
    return 0;
}

int fh_term_verify(fh_reader *r, const char *term, size_t len, char *why, size_t n)
{
    const fh_index *ix = r->ix;
    unsigned nf = ix->meta.n_fields;
    if (!term || len == 0 || len > FH_MAX_KEY)
        return FH_EINVAL;
    MDB_val v;
    int rc = get(ix, r->txn, ix->dbi[FH_DB_TERMS], term, len, &v);
    if (rc)
        return rc;
    fh_dict_entry d;
    if (fh_dict_decode(v.mv_data, v.mv_size, nf, ix->meta.n_terms, &d))
        return inexact(why, n, "dictionary value does not decode");
    uint8_t head[FH_DICT_HEAD_MAX];
    size_t hl = fh_dict_encode(head, d.flags, d.term_id, &d.ti, nf);
    size_t have = d.blob ? (size_t)(d.blob - (const uint8_t *)v.mv_data) : v.mv_size;
    if (have != hl || memcmp(head, v.mv_data, hl) != 0)
        return inexact(why, n, "dictionary value: a varint longer than its shortest form");

    uint8_t key[4];
    fh_st32be(key, d.term_id);
    const uint8_t *blob = d.blob;
    size_t blen = d.blob_len;
    rc = get(ix, r->txn, ix->dbi[FH_DB_POSTINGS], key, 4, &v);
    if (rc && rc != FH_ENOTFOUND)
        return rc;
    if ((d.flags & FH_TERM_INLINE) && rc == 0)
        return inexact(why, n, "inlined, and a postings entry too");
    if (!(d.flags & FH_TERM_INLINE)) {
        if (rc)
            return inexact(why, n, "neither inlined nor in postings");
        blob = v.mv_data;
        blen = v.mv_size;
    }
    if (((d.flags & FH_TERM_INLINE) != 0) != (blen <= FH_INLINE_MAX))
        return inexact(why, n,
                       "a %zu-byte list %s (the writer inlines exactly those of at most %u)", blen,
                       (d.flags & FH_TERM_INLINE) ? "inlined" : "in postings", FH_INLINE_MAX);
    const uint8_t *pv = NULL;
    size_t plen = 0;
    rc = get(ix, r->txn, ix->dbi[FH_DB_POSITIONS], key, 4, &v);
    if (rc && rc != FH_ENOTFOUND)
        return rc;
    if (!(d.flags & FH_TERM_HAS_POS) && rc == 0)
        return inexact(why, n, "a positions entry without HAS_POS");
    if ((d.flags & FH_TERM_HAS_POS) && rc)
        return inexact(why, n, "HAS_POS without a positions entry");
    if (rc == 0) {
        pv = v.mv_data;
        plen = v.mv_size;
    }

    uint32_t nb = (uint32_t)(((uint64_t)d.ti.df + FH_BLOCK_DOCS - 1) / FH_BLOCK_DOCS);
    size_t es = FH_SKIP_ENTRY(nf), sk = (size_t)nb * es, ptab = (size_t)nb * 4;
    if (blen < sk)
        return inexact(why, n, "postings list shorter than its skip table");
    if (pv && plen < ptab)
        return inexact(why, n, "positions shorter than their offset table");
    const uint8_t *data = blob + sk, *pdata = pv ? pv + ptab : NULL;
    size_t dlen = blen - sk, pdlen = pv ? plen - ptab : 0;
    if (pv && nb && fh_ld32le(pv) != 0)
        return inexact(why, n, "positions: block 0 starts at %u, not 0", fh_ld32le(pv));

    uint32_t docs[FH_BLOCK_DOCS], tfs[FH_BLOCK_DOCS * FH_MAX_FIELDS];
    uint32_t *pos = NULL;
    size_t pos_cap = 0;
    fh_buf enc;
    fh_buf_init(&enc, (size_t)UINT32_MAX);
    uint32_t start = 0, base = 0;
    rc = 0;
    for (uint32_t b = 0; b < nb && !rc; b++) {
        const uint8_t *e = blob + (size_t)b * es;
        uint32_t last = fh_ld32le(e), end = fh_ld32le(e + 4);
        uint32_t cnt = b + 1 == nb ? d.ti.df - FH_BLOCK_DOCS * b : FH_BLOCK_DOCS;
        if (end < start || end > dlen ||
            fh_block_decode(data + start, end - start, dlen - end, base, cnt, nf, docs, tfs) ||
            docs[cnt - 1] != last || last >= ix->meta.n_docs) {
            rc = inexact(why, n, "postings block %u does not decode", b);
            break;
        }
        fh_buf_reset(&enc);
        if ((rc = fh_block_encode(&enc, base, docs, tfs, cnt, nf)))
            break;
        if (enc.len != end - start || memcmp(enc.data, data + start, enc.len) != 0) {
            rc = inexact(why, n,
                         "postings block %u: a width wider than its values need, or padding "
                         "bits set",
                         b);
            break;
        }
        if ((rc = verify_skip(ix, e, b, docs, tfs, cnt, why, n)))
            break;
        if (pv) {
            size_t s = fh_ld32le(pv + 4 * (size_t)b);
            size_t t = b + 1 < nb ? fh_ld32le(pv + 4 * ((size_t)b + 1)) : pdlen;
            if (s > t || t > pdlen)
                rc = inexact(why, n, "positions block %u: offsets %zu..%zu outside %zu bytes", b, s,
                             t, pdlen);
            else
                rc = verify_pos_block(pdata + s, pdata + t, b, tfs, cnt, nf, &pos, &pos_cap, &enc,
                                      why, n);
        }
        start = end;
        base = last + 1;
    }
    if (!rc && start != dlen)
        rc = inexact(why, n, "postings: %zu byte(s) after the last block", dlen - start);
    free(pos);
    fh_buf_free(&enc);
    return rc;
}

int fh_doc_verify(fh_reader *r, uint32_t docid, char *why, size_t n)
{
    const uint8_t *p, *end, *id;
    unsigned flags;
    size_t il;
    int rc = doc_value(r, docid, &p, &end, &flags, &id, &il);
    if (rc)
        return rc == FH_ECORRUPT ? inexact(why, n, "the value does not decode") : rc;
    /* doc_value() read the id length's varint from just after the flags
       byte, up to the id */
    const uint8_t *v = r->doc_last.mv_data;
    if (!varint_shortest(il, (size_t)(id - v - 1)))
        return inexact(why, n, "id length: a varint longer than its shortest form");
    if (il > FH_MAX_KEY)
        return inexact(why, n, "an id of %zu bytes (at most %u)", il, FH_MAX_KEY);
    if (!(flags & FH_DOC_ZSTD))
        return 0;
    const uint8_t *q = p;
    uint64_t raw;
    if (fh_varint_get(&q, end, &raw))
        return inexact(why, n, "raw length does not decode");
    if (!varint_shortest(raw, (size_t)(q - p)))
        return inexact(why, n, "raw length: a varint longer than its shortest form");
    size_t fl = (size_t)(end - q);
    if (fl < 5 || fh_ld32le(q) != ZSTD_MAGICNUMBER)
        return inexact(why, n, "not a zstd frame");
    size_t first = ZSTD_findFrameCompressedSize(q, fl);
    if (ZSTD_isError(first) || first != fl)
        return inexact(why, n, "not exactly one zstd frame (%zu bytes, the first frame %zu)", fl,
                       ZSTD_isError(first) ? (size_t)0 : first);
    /* frame header descriptor (RFC 8878): no content size (and so not
       single-segment), no checksum, no dictionary id */
    if (q[4] & (0xC0u | 0x20u | 0x04u | 0x03u))
        return inexact(why, n, "the zstd frame records a content size, checksum or dictionary id");
    if (!(flags & FH_DOC_ZDICT) != !r->ix->ddict)
        return inexact(why, n, "compressed %s, and the index %s a zstd_dict",
                       (flags & FH_DOC_ZDICT) ? "with a dictionary" : "without the dictionary",
                       r->ix->ddict ? "has" : "has no");
    if (raw < FH_DOC_ZSTD_MIN || fl + FH_DOC_ZSTD_GAIN >= raw)
        return inexact(why, n,
                       "a %" PRIu64 "-byte document compressed to %zu bytes (the writer stores "
                       "it raw)",
                       raw, fl);
    return 0;
}
