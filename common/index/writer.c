/* writer.c — builds an index in DIR/.build-<pid>-<seq>.mdb and publishes it
 * atomically as DIR/index.mdb (index.h, docs/FORMAT.md).
 *
 * Every database but meta is written with MDB_APPEND in key order, in
 * transactions of at most FH_TXN_CHUNK bytes (committed without fsync: the
 * file is private until the rename), growing the map between transactions
 * so MDB_MAP_FULL never strikes. Publishing is: final commit, fsync of the
 * file, rename(2) over index.mdb, fsync of the directory. Until the rename
 * nothing a reader can open has changed; a crash leaves only a
 * .build-<pid>-<seq>.mdb file (and its -lock), which the next writer
 * removes: at once when it holds DIR's build lock, else once that pid is
 * dead.
 */
#define _GNU_SOURCE /* sync_file_range */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
/* ZDICT_trainFromBuffer_fastCover: stable in the library since zstd 1.3.6,
 * still declared in the "static linking only" part of zdict.h */
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include "fahras/err.h"

#define FH_TXN_CHUNK ((size_t)64 << 20)     /* bytes written per write transaction */
#define FH_DICT_SAMPLE ((size_t)4 << 20)    /* bytes of documents to train on */
#define FH_PEND_MAX ((size_t)32 << 20)      /* documents waiting beyond the sample */
#define FH_DICT_MIN_DOCS 256u               /* fewer documents: no dictionary */
#define FH_DICT_CAP ((size_t)112640)        /* zstd's default dictionary size */
#define FH_ZSTD_LEVEL 3
#define FH_BUF_MAX ((size_t)UINT32_MAX)     /* per-term buffers: offsets are u32 */
#define FH_WB_STEP ((size_t)32 << 20)       /* start writeback every this many bytes */
#define FH_BUILD_TRIES 100                  /* build file names tried (EEXIST: next seq) */

struct id_ref {
    size_t off; /* into id_arena */
    uint32_t len;
    uint32_t docid;
    const char *p; /* set at commit, once the arena stops moving */
};

struct fh_index_writer {
    char *build;     /* DIR/.build-<pid>-<seq>.mdb */
    char *lock;      /* build + "-lock" */
    char *final;     /* DIR/index.mdb */
    char *dir;
    int dir_fd; /* DIR, flock()ed while dir_locked; -1 when not open */
    bool dir_locked;
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi[FH_DB_COUNT];
    size_t mapsize, used, psize, txn_bytes;
    size_t wb_done; /* bytes of the file handed to writeback so far */
    int err; /* sticky: once set, every call fails with it */
    fh_index_grow_failure *grow_failed; /* the caller's (info), or NULL */

    unsigned nf;
    char analyzer_name[64];
    char analyzer_version[16];
    char field_names[FH_MAX_FIELDS][FH_FIELD_NAME_MAX + 1];
    float weights[FH_MAX_FIELDS];

    uint32_t n_docs;
    uint32_t *lens[FH_MAX_FIELDS];
    size_t lens_cap;
    uint64_t sum_len[FH_MAX_FIELDS];
    fh_buf id_arena;
    struct id_ref *ids;
    size_t ids_cap;
    fh_doc_encoder *enc; /* the writer's own, for add_doc() once the codec exists */
    fh_buf scratch;
    /* Stored documents wait here until the zstd dictionary is trained on
     * them (the first FH_DICT_SAMPLE bytes), then go out in docid order. */
    bool dict_done;
    fh_buf pend;
    size_t *pend_len; /* per pending document, docids first_pend .. n_docs-1 */
    size_t pend_cap;
    uint32_t first_pend;
    /* The dictionary is trained on a second thread (add_doc() keeps
     * accepting documents meanwhile): it owns the sample, documents
     * t_first .. t_first+t_n-1 (t_buf, t_len), until joined. */
    bool training;
    pthread_t train_th;
    atomic_bool train_finished;
    int train_rc;
    fh_buf t_buf;
    size_t *t_len, t_n;
    uint32_t t_first;
    fh_doc_codec *t_codec;
    fh_doc_codec *codec; /* trained (or plain) codec once dict_done */

    bool in_term, have_prev;
    uint8_t term[FH_MAX_KEY];
    size_t term_len;
    uint8_t prev[FH_MAX_KEY];
    size_t prev_len;
    uint64_t n_terms, n_postings;
    fh_term_info ti;
    bool has_last;
    uint32_t last_doc;
    int pos_mode; /* -1 undecided, 0 no positions, 1 positions */
    size_t blk_n;
    uint32_t blk_base;
    uint32_t blk_docs[FH_BLOCK_DOCS];
    uint32_t blk_tfs[FH_BLOCK_DOCS * FH_MAX_FIELDS];
    uint32_t blk_max[FH_MAX_FIELDS], blk_min[FH_MAX_FIELDS];
    fh_buf skip, data, pos_offs, pos_data;
};

static atomic_uint build_seq;

static char *path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return FH_EIO;
    int rc = fsync(fd) ? FH_EIO : 0;
    close(fd);
    return rc;
}

long fh_index_leftover_pid(const char *name, const char *prefix, char stop)
{
    size_t pl = strlen(prefix);
    if (strncmp(name, prefix, pl) != 0)
        return 0;
    const char *p = name + pl;
    long pid = 0;
    if (*p < '0' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((pid = pid * 10 + (*p - '0')) > INT32_MAX)
            return 0;
    return *p == stop ? pid : 0;
}

/* Remove .build-<pid>-* files of dead builds: all of them when this writer
 * holds DIR's build lock, else those whose process no longer exists (and
 * is not this one). */
static void remove_stale_builds(const char *dir, bool locked)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid = fh_index_leftover_pid(e->d_name, ".build-", '-');
        if (pid <= 0)
            continue;
        if (!locked && ((pid_t)pid == getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

static int set_err(fh_index_writer *w, int rc)
{
    if (rc && !w->err)
        w->err = rc;
    return rc;
}

static int txn_begin(fh_index_writer *w)
{
    int rc = mdb_txn_begin(w->env, NULL, 0, &w->txn);
    if (rc) {
        w->txn = NULL;
        return fh_lmdb_err(rc);
    }
    w->txn_bytes = 0;
    return 0;
}

static int txn_commit(fh_index_writer *w)
{
    int rc = mdb_txn_commit(w->txn);
    w->txn = NULL;
    if (rc)
        return fh_lmdb_err(rc);
    MDB_envinfo info;
    mdb_env_info(w->env, &info);
    w->used = ((size_t)info.me_last_pgno + 1) * w->psize;
    /* Start writeback of what the transactions wrote (asynchronously), so
     * the fsync at commit finds little left to write. Advisory only. */
    if (w->used >= w->wb_done + FH_WB_STEP) {
        int fd;
        if (mdb_env_get_fd(w->env, &fd) == 0)
            (void)sync_file_range(fd, (off_t)w->wb_done, (off_t)(w->used - w->wb_done),
                                  SYNC_FILE_RANGE_WRITE);
        w->wb_done = w->used;
    }
    return 0;
}

/* Make sure a value of vlen bytes can be written in the current transaction
 * without MDB_MAP_FULL: commit the transaction when it is big, grow the map
 * when the remaining room is less than twice what may still be written. */
static int make_room(fh_index_writer *w, size_t vlen)
{
    /* bytes this put dirties: the value, node overhead, and for values on
     * overflow pages a page of rounding plus branch/leaf churn */
    size_t est = vlen + 64 + (vlen > w->psize / 4 ? w->psize + vlen / 16 : 0);
    bool chunk_full = w->txn_bytes && w->txn_bytes + est > FH_TXN_CHUNK;
    bool tight = w->used + 2 * (w->txn_bytes + est) + ((size_t)16 << 20) > w->mapsize;
    if (!chunk_full && !tight) {
        w->txn_bytes += est;
        return 0;
    }
    int rc = txn_commit(w);
    if (rc)
        return rc;
    if (w->used + 2 * est + ((size_t)64 << 20) > w->mapsize) {
        size_t ns = w->mapsize * 2;
        size_t min = w->used + 4 * est + ((size_t)256 << 20);
        if (ns < min)
            ns = min;
        ns = (ns + w->psize - 1) / w->psize * w->psize;
        rc = mdb_env_set_mapsize(w->env, ns);
        if (rc) {
            if (w->grow_failed) /* the caller names the size in its message */
                *w->grow_failed = (fh_index_grow_failure){ns, rc};
            return fh_lmdb_err(rc);
        }
        w->mapsize = ns;
    }
    rc = txn_begin(w);
    if (rc)
        return rc;
    w->txn_bytes = est;
    return 0;
}

/* mdb_put with MDB_RESERVE: *dst receives where to write vlen bytes. */
static int put_reserve(fh_index_writer *w, enum fh_db db, const void *key, size_t klen,
                       size_t vlen, unsigned flags, void **dst)
{
    int rc = make_room(w, vlen + klen);
    if (rc)
        return rc;
    MDB_val k = {klen, (void *)(uintptr_t)key}, v = {vlen, NULL};
    rc = mdb_put(w->txn, w->dbi[db], &k, &v, flags | MDB_RESERVE);
    if (rc)
        return fh_lmdb_err(rc);
    *dst = v.mv_data;
    return 0;
}

static int put(fh_index_writer *w, enum fh_db db, const void *key, size_t klen, const void *val,
               size_t vlen, unsigned flags)
{
    void *dst = NULL;
    int rc = put_reserve(w, db, key, klen, vlen, flags, &dst);
    if (rc)
        return rc;
    if (vlen)
        memcpy(dst, val, vlen);
    return 0;
}

static int check_info(const fh_index_build_info *info)
{
    if (!info || !info->analyzer_name || !info->analyzer_version)
        return FH_EINVAL;
    size_t an = strlen(info->analyzer_name);
    if (an == 0 || an > 63 || strlen(info->analyzer_version) > 15)
        return FH_EINVAL;
    if (info->n_fields == 0 || info->n_fields > FH_MAX_FIELDS)
        return FH_EINVAL;
    for (unsigned f = 0; f < info->n_fields; f++) {
        if (!info->field_names[f])
            return FH_EINVAL;
        size_t n = strlen(info->field_names[f]);
        if (n == 0 || n > FH_FIELD_NAME_MAX)
            return FH_EINVAL;
        if (!isfinite(info->field_weights[f]) || info->field_weights[f] < 0)
            return FH_EINVAL;
        for (unsigned g = 0; g < f; g++)
            if (strcmp(info->field_names[f], info->field_names[g]) == 0)
                return FH_EINVAL;
    }
    return 0;
}

static void train_join(fh_index_writer *w);
static int train_finish(fh_index_writer *w);

static void writer_free(fh_index_writer *w, bool remove_build)
{
    train_join(w);
    fh_doc_codec_free(w->t_codec);
    fh_buf_free(&w->t_buf);
    free(w->t_len);
    if (w->txn)
        mdb_txn_abort(w->txn);
    if (w->env)
        mdb_env_close(w->env);
    if (remove_build) {
        if (w->build)
            unlink(w->build);
        if (w->lock)
            unlink(w->lock);
    }
    if (w->dir_fd >= 0) {
        /* unlock first: a child forked meanwhile shares the descriptor, and
           its copy would keep the lock until it exits */
        if (w->dir_locked)
            flock(w->dir_fd, LOCK_UN);
        close(w->dir_fd);
    }
    free(w->build);
    free(w->lock);
    free(w->final);
    free(w->dir);
    for (unsigned f = 0; f < FH_MAX_FIELDS; f++)
        free(w->lens[f]);
    fh_buf_free(&w->id_arena);
    free(w->ids);
    fh_doc_encoder_free(w->enc);
    fh_doc_codec_free(w->codec);
    fh_buf_free(&w->pend);
    free(w->pend_len);
    fh_buf_free(&w->scratch);
    fh_buf_free(&w->skip);
    fh_buf_free(&w->data);
    fh_buf_free(&w->pos_offs);
    fh_buf_free(&w->pos_data);
    free(w);
}

/* Create the build file and its LMDB environment with every database. */
static int writer_setup(fh_index_writer *w, const char *dir, const fh_index_build_info *info)
{
    int rc = FH_ENOMEM;
    w->dir = strdup(dir);
    w->final = path_join(dir, FH_INDEX_FILE);
    if (!w->dir || !w->final)
        return rc;
    for (int tries = 1;; tries++) {
        char name[64];
        snprintf(name, sizeof name, ".build-%ld-%u.mdb", (long)getpid(),
                 atomic_fetch_add(&build_seq, 1u));
        free(w->build);
        w->build = path_join(dir, name);
        if (!w->build)
            return rc;
        int fd = open(w->build, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        if (fd >= 0) {
            close(fd);
            break;
        }
        if (errno != EEXIST || tries >= FH_BUILD_TRIES) {
            free(w->build);
            w->build = NULL;
            return FH_EIO;
        }
    }
    size_t bl = strlen(w->build);
    w->lock = malloc(bl + 6);
    if (!w->lock)
        return rc;
    memcpy(w->lock, w->build, bl);
    memcpy(w->lock + bl, "-lock", 6);

    if ((rc = mdb_env_create(&w->env))) {
        w->env = NULL;
        return fh_lmdb_err(rc);
    }
    w->mapsize = info->map_size_hint ? info->map_size_hint : FH_INDEX_MAP_DEFAULT;
    if (w->mapsize < ((size_t)1 << 20))
        w->mapsize = (size_t)1 << 20;
    if ((rc = mdb_env_set_maxdbs(w->env, FH_DB_COUNT)) ||
        (rc = mdb_env_set_mapsize(w->env, w->mapsize)) ||
        (rc = mdb_env_open(w->env, w->build, MDB_NOSUBDIR | MDB_NOSYNC | MDB_NOMETASYNC, 0644))) {
        return fh_lmdb_err(rc);
    }
    MDB_stat st;
    mdb_env_stat(w->env, &st);
    w->psize = st.ms_psize;
    if ((rc = txn_begin(w)))
        return rc;
    for (int i = 0; i < FH_DB_COUNT; i++) {
        int lrc = mdb_dbi_open(w->txn, fh_db_names[i], MDB_CREATE, &w->dbi[i]);
        if (lrc) {
            return fh_lmdb_err(lrc);
        }
    }
    if ((rc = txn_commit(w)))
        return rc;
    return txn_begin(w);
}

int fh_index_writer_open(const char *dir, const fh_index_build_info *info, fh_index_writer **out)
{
    *out = NULL;
    if (!dir || !*dir)
        return FH_EINVAL;
    int rc = check_info(info);
    if (rc)
        return rc;
    if (info->grow_failed)
        *info->grow_failed = (fh_index_grow_failure){0, 0};
    if (mkdir(dir, 0777) && errno != EEXIST)
        return FH_EIO;
    /* a directory that can be written but not read (mode 0300) cannot be
       opened: the build goes on unlocked, as where flock is missing */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool locked = dfd >= 0 && flock(dfd, LOCK_EX | LOCK_NB) == 0;
    if (dfd >= 0 && !locked && errno == EWOULDBLOCK) {
        close(dfd);
        return FH_EEXIST; /* another build is running in DIR */
    }
    /* otherwise no flock on this file system: unlocked, as before */
    remove_stale_builds(dir, locked);

    fh_index_writer *w = calloc(1, sizeof *w);
    if (!w) {
        if (dfd >= 0)
            close(dfd);
        return FH_ENOMEM;
    }
    w->dir_fd = dfd;
    w->dir_locked = locked;
    w->grow_failed = info->grow_failed;
    fh_buf_init(&w->id_arena, SIZE_MAX / 2);
    fh_buf_init(&w->scratch, SIZE_MAX / 2);
    fh_buf_init(&w->pend, SIZE_MAX / 2);
    fh_buf_init(&w->t_buf, SIZE_MAX / 2);
    fh_buf_init(&w->skip, FH_BUF_MAX);
    fh_buf_init(&w->data, FH_BUF_MAX);
    fh_buf_init(&w->pos_offs, FH_BUF_MAX);
    fh_buf_init(&w->pos_data, FH_BUF_MAX);
    w->nf = info->n_fields;
    memcpy(w->analyzer_name, info->analyzer_name, strlen(info->analyzer_name) + 1);
    memcpy(w->analyzer_version, info->analyzer_version, strlen(info->analyzer_version) + 1);
    for (unsigned f = 0; f < w->nf; f++) {
        memcpy(w->field_names[f], info->field_names[f], strlen(info->field_names[f]) + 1);
        w->weights[f] = info->field_weights[f];
    }

    if ((rc = writer_setup(w, dir, info))) {
        int e = errno; /* FH_EIO: why, for the caller's message */
        writer_free(w, true);
        errno = e;
        return rc;
    }
    *out = w;
    return 0;
}

/* ------------------------------------------------------ stored documents */

struct fh_doc_codec {
    void *dict; /* NULL: plain zstd */
    size_t dict_len;
    ZSTD_CDict *cdict;
};

struct fh_doc_encoder {
    const fh_doc_codec *c;
    ZSTD_CCtx *zc;
};

void fh_doc_codec_free(fh_doc_codec *c)
{
    if (!c)
        return;
    ZSTD_freeCDict(c->cdict);
    free(c->dict);
    free(c);
}

int fh_doc_codec_train(const void *samples, const size_t *sizes, size_t n, fh_doc_codec **out)
{
    *out = NULL;
    if (n && (!samples || !sizes))
        return FH_EINVAL;
    fh_doc_codec *c = calloc(1, sizeof *c);
    if (!c)
        return FH_ENOMEM;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += sizes[i];
    if (n >= FH_DICT_MIN_DOCS && n <= UINT32_MAX && total >= n * 8) {
        c->dict = malloc(FH_DICT_CAP);
        if (!c->dict) {
            free(c);
            return FH_ENOMEM;
        }
        /* fastCover with fixed parameters: ZDICT_trainFromBuffer searches
         * several segment sizes (4x the time, ~0.4 s on 8 MiB) for a dictionary
         * that compresses Arabic news and books no better than k 1024, d 8 */
        ZDICT_fastCover_params_t fp;
        memset(&fp, 0, sizeof fp);
        fp.k = 1024;
        fp.d = 8;
        fp.f = 20;
        fp.accel = 1;
        fp.splitPoint = 1.0;
        fp.zParams.compressionLevel = FH_ZSTD_LEVEL;
        size_t dl = ZDICT_trainFromBuffer_fastCover(c->dict, FH_DICT_CAP, samples, sizes,
                                                    (unsigned)n, fp);
        if (!ZDICT_isError(dl)) {
            c->dict_len = dl;
            c->cdict = ZSTD_createCDict(c->dict, dl, FH_ZSTD_LEVEL);
            if (!c->cdict) {
                fh_doc_codec_free(c);
                return FH_ENOMEM;
            }
        } else {
            free(c->dict); /* too little or too uniform text: plain zstd */
            c->dict = NULL;
        }
    }
    *out = c;
    return 0;
}

int fh_doc_encoder_new(const fh_doc_codec *c, fh_doc_encoder **out)
{
    *out = NULL;
    if (!c)
        return FH_EINVAL;
    fh_doc_encoder *e = calloc(1, sizeof *e);
    if (!e)
        return FH_ENOMEM;
    e->c = c;
    e->zc = ZSTD_createCCtx();
    if (!e->zc) {
        free(e);
        return FH_ENOMEM;
    }
    size_t zr;
    if (c->cdict)
        zr = ZSTD_CCtx_refCDict(e->zc, c->cdict);
    else
        zr = ZSTD_CCtx_setParameter(e->zc, ZSTD_c_compressionLevel, FH_ZSTD_LEVEL);
    /* Our own header records the raw length; the dictionary is implied. */
    if (ZSTD_isError(zr) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_contentSizeFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_dictIDFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_checksumFlag, 0))) {
        fh_doc_encoder_free(e);
        return FH_EINTERNAL;
    }
    *out = e;
    return 0;
}

void fh_doc_encoder_free(fh_doc_encoder *e)
{
    if (!e)
        return;
    ZSTD_freeCCtx(e->zc);
    free(e);
}

int fh_doc_encode(fh_doc_encoder *e, const char *stored, size_t stored_len, fh_buf *out)
{
    if (!stored && stored_len)
        return FH_EINVAL;
    if (stored_len > UINT32_MAX)
        return FH_ELIMIT;
    size_t start = out->len;
    int rc;
    if (stored_len >= FH_DOC_ZSTD_MIN) {
        size_t bound = ZSTD_compressBound(stored_len);
        if ((rc = fh_buf_reserve(out, 1 + FH_VARINT_MAX + bound)))
            return rc;
        uint8_t *d = (uint8_t *)out->data + start;
        size_t hl = 1 + fh_varint_put(d + 1, stored_len);
        size_t cs = ZSTD_compress2(e->zc, d + hl, bound, stored, stored_len);
        if (!ZSTD_isError(cs) && cs + FH_DOC_ZSTD_GAIN < stored_len) {
            d[0] = (uint8_t)(FH_DOC_ZSTD | (e->c->cdict ? FH_DOC_ZDICT : 0u));
            out->len = start + hl + cs;
            return 0;
        }
    }
    if ((rc = fh_buf_reserve(out, 1 + stored_len)))
        return rc;
    out->data[start] = 0;
    if (stored_len)
        memcpy(out->data + start + 1, stored, stored_len);
    out->len = start + 1 + stored_len;
    return 0;
}

/* Check an encoded body (fh_doc_encode) against the writer's codec. */
static bool enc_ok(const fh_index_writer *w, const uint8_t *enc, size_t len)
{
    if (len == 0)
        return false;
    if (enc[0] == 0)
        return true;
    unsigned want = FH_DOC_ZSTD | (w->codec->cdict ? FH_DOC_ZDICT : 0u);
    return enc[0] == want && len >= 2;
}

/* Write docs[docid]: flags, varint id length, id, then the rest of the
 * encoded body (raw JSON, or varint raw length + zstd frame). */
static int put_doc_encoded(fh_index_writer *w, uint32_t docid, const char *ext_id,
                           size_t ext_id_len, const uint8_t *enc, size_t enc_len)
{
    uint8_t head[1 + FH_VARINT_MAX + FH_MAX_KEY];
    size_t hl = 1;
    head[0] = enc[0];
    hl += fh_varint_put(head + hl, ext_id_len);
    memcpy(head + hl, ext_id, ext_id_len);
    hl += ext_id_len;
    uint8_t key[4];
    fh_st32be(key, docid);
    void *dst = NULL;
    int rc;
    if ((rc = put_reserve(w, FH_DB_DOCS, key, 4, hl + enc_len - 1, MDB_APPEND, &dst)))
        return rc;
    memcpy(dst, head, hl);
    if (enc_len > 1)
        memcpy((uint8_t *)dst + hl, enc + 1, enc_len - 1);
    return 0;
}

static int put_doc(fh_index_writer *w, uint32_t docid, const char *ext_id, size_t ext_id_len,
                   const char *stored, size_t stored_len)
{
    fh_buf_reset(&w->scratch);
    int rc = fh_doc_encode(w->enc, stored, stored_len, &w->scratch);
    if (rc)
        return rc;
    return put_doc_encoded(w, docid, ext_id, ext_id_len, (const uint8_t *)w->scratch.data,
                           w->scratch.len);
}

/* Write pending documents first .. first+n-1 (raw in buf, lengths in len). */
static int flush_docs(fh_index_writer *w, uint32_t first, size_t n, const fh_buf *buf,
                      const size_t *len)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t d = first + (uint32_t)i;
        const struct id_ref *id = &w->ids[d];
        const char *src = len[i] ? buf->data + off : NULL;
        int rc = put_doc(w, d, w->id_arena.data + id->off, id->len, src, len[i]);
        if (rc)
            return rc;
        off += len[i];
    }
    return 0;
}

/* The codec is ready: set up the writer's encoder and write every pending
 * document (the training sample first if there was one). */
static int codec_ready(fh_index_writer *w)
{
    w->dict_done = true;
    int rc = fh_doc_encoder_new(w->codec, &w->enc);
    if (!rc && w->t_n)
        rc = flush_docs(w, w->t_first, w->t_n, &w->t_buf, w->t_len);
    if (!rc)
        rc = flush_docs(w, w->first_pend, w->n_docs - w->first_pend, &w->pend, w->pend_len);
    fh_buf_free(&w->t_buf);
    free(w->t_len);
    w->t_len = NULL;
    w->t_n = 0;
    fh_buf_free(&w->pend);
    free(w->pend_len);
    w->pend_len = NULL;
    w->pend_cap = 0;
    return rc;
}

/* Train the codec on all pending documents here and now, and write them. */
static int train_and_flush(fh_index_writer *w)
{
    size_t n = w->n_docs - w->first_pend;
    int rc = fh_doc_codec_train(w->pend.data, w->pend_len, n, &w->codec);
    if (rc) {
        w->dict_done = true;
        return rc;
    }
    return codec_ready(w);
}

static void *train_main(void *arg)
{
    fh_index_writer *w = arg;
    w->train_rc = fh_doc_codec_train(w->t_buf.data, w->t_len, w->t_n, &w->t_codec);
    atomic_store_explicit(&w->train_finished, true, memory_order_release);
    return NULL;
}

/* Hand the pending documents (the sample) to a training thread; later
 * documents pend in fresh buffers until train_finish(). */
static int train_start(fh_index_writer *w)
{
    w->t_buf = w->pend;
    w->t_len = w->pend_len;
    w->t_n = w->n_docs - w->first_pend;
    w->t_first = w->first_pend;
    fh_buf_init(&w->pend, SIZE_MAX / 2);
    w->pend_len = NULL;
    w->pend_cap = 0;
    w->first_pend = w->n_docs;
    atomic_store(&w->train_finished, false);
    if (pthread_create(&w->train_th, NULL, train_main, w) != 0) {
        train_main(w); /* no thread: train here, then finish as after a join */
        w->training = false;
        return train_finish(w);
    }
    w->training = true;
    return 0;
}

static void train_join(fh_index_writer *w)
{
    if (w->training) {
        pthread_join(w->train_th, NULL);
        w->training = false;
    }
}

static int train_finish(fh_index_writer *w)
{
    train_join(w);
    w->dict_done = true;
    if (w->train_rc)
        return w->train_rc;
    w->codec = w->t_codec;
    w->t_codec = NULL;
    return codec_ready(w);
}

const fh_doc_codec *fh_index_writer_doc_codec(fh_index_writer *w)
{
    if (!w->dict_done && !w->err && w->training &&
        atomic_load_explicit(&w->train_finished, memory_order_acquire))
        set_err(w, train_finish(w));
    return w->dict_done && !w->err ? w->codec : NULL;
}

static int add_doc(fh_index_writer *w, uint32_t docid, const char *ext_id, size_t ext_id_len,
                   const uint32_t *field_lens, const char *stored, size_t stored_len,
                   const uint8_t *enc, size_t enc_len)
{
    if (w->err)
        return w->err;
    if (docid != w->n_docs || docid >= UINT32_MAX - 1 || !ext_id || ext_id_len == 0 ||
        ext_id_len > FH_MAX_KEY || !field_lens || (!stored && stored_len))
        return FH_EINVAL;
    if (enc && (!w->dict_done || !enc_ok(w, enc, enc_len)))
        return FH_EINVAL;
    if (stored_len > UINT32_MAX)
        return FH_ELIMIT;
    int rc = 0;
    if (w->n_docs == w->lens_cap) {
        size_t nc = w->lens_cap ? w->lens_cap * 2 : 1024;
        for (unsigned f = 0; f < w->nf; f++) {
            uint32_t *p = realloc(w->lens[f], nc * sizeof *p);
            if (!p)
                return FH_ENOMEM;
            w->lens[f] = p;
        }
        struct id_ref *ids = realloc(w->ids, nc * sizeof *ids);
        if (!ids)
            return FH_ENOMEM;
        w->ids = ids;
        w->lens_cap = nc;
    }
    size_t id_off = w->id_arena.len;
    if ((rc = fh_buf_add(&w->id_arena, ext_id, ext_id_len)))
        return rc;

    if (!w->dict_done) {
        if (docid - w->first_pend == w->pend_cap) {
            size_t nc = w->pend_cap ? w->pend_cap * 2 : 1024;
            size_t *pl = realloc(w->pend_len, nc * sizeof *pl);
            if (!pl) {
                rc = FH_ENOMEM;
                goto out;
            }
            w->pend_len = pl;
            w->pend_cap = nc;
        }
        if ((rc = fh_buf_add(&w->pend, stored, stored_len)))
            goto out;
        w->pend_len[docid - w->first_pend] = stored_len;
    } else if (enc) {
        if ((rc = put_doc_encoded(w, docid, ext_id, ext_id_len, enc, enc_len)))
            goto out;
    } else if ((rc = put_doc(w, docid, ext_id, ext_id_len, stored, stored_len))) {
        goto out;
    }
    for (unsigned f = 0; f < w->nf; f++) {
        w->lens[f][docid] = field_lens[f];
        w->sum_len[f] += field_lens[f];
    }
    w->ids[docid] = (struct id_ref){.off = id_off, .len = (uint32_t)ext_id_len, .docid = docid};
    w->n_docs++;
    if (!w->dict_done) {
        if (!w->training && w->pend.len >= FH_DICT_SAMPLE)
            rc = train_start(w);
        else if (w->training &&
                 (atomic_load_explicit(&w->train_finished, memory_order_acquire) ||
                  w->pend.len >= FH_PEND_MAX))
            rc = train_finish(w); /* done, or too much waits: wait for it */
    }
out:
    if (rc) {
        w->id_arena.len = id_off;
        if (rc != FH_EINVAL)
            set_err(w, rc);
    }
    return rc;
}

int fh_index_writer_add_doc(fh_index_writer *w, uint32_t docid, const char *ext_id,
                            size_t ext_id_len, const uint32_t *field_lens, const char *stored,
                            size_t stored_len)
{
    return add_doc(w, docid, ext_id, ext_id_len, field_lens, stored, stored_len, NULL, 0);
}

int fh_index_writer_add_doc_encoded(fh_index_writer *w, uint32_t docid, const char *ext_id,
                                    size_t ext_id_len, const uint32_t *field_lens,
                                    const void *enc, size_t enc_len)
{
    if (!enc)
        return FH_EINVAL;
    return add_doc(w, docid, ext_id, ext_id_len, field_lens, NULL, 0, enc, enc_len);
}

/* memcmp order, a prefix sorting before its extensions (LMDB's default). */
static int key_cmp(const void *a, size_t al, const void *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return al < bl ? -1 : al > bl;
}

int fh_index_writer_term_begin(fh_index_writer *w, const char *term, size_t len)
{
    if (w->err)
        return w->err;
    if (w->in_term || !term || len == 0 || len > FH_MAX_KEY)
        return FH_EINVAL;
    if (w->have_prev && key_cmp(w->prev, w->prev_len, term, len) >= 0)
        return FH_EINVAL;
    if (w->n_terms >= UINT32_MAX)
        return FH_ELIMIT;
    memcpy(w->term, term, len);
    w->term_len = len;
    w->in_term = true;
    memset(&w->ti, 0, sizeof w->ti);
    for (unsigned f = 0; f < w->nf; f++)
        w->ti.min_len[f] = UINT32_MAX;
    w->has_last = false;
    w->pos_mode = -1;
    w->blk_n = 0;
    w->blk_base = 0;
    fh_buf_reset(&w->skip);
    fh_buf_reset(&w->data);
    fh_buf_reset(&w->pos_offs);
    fh_buf_reset(&w->pos_data);
    return 0;
}

static int flush_block(fh_index_writer *w)
{
    unsigned nf = w->nf;
    /* Block minimum field lengths: a tight loop of independent loads from
     * the lengths arrays (random access for rare terms) overlaps the cache
     * misses that one load per term_add() call would serialize. */
    for (unsigned f = 0; f < nf; f++) {
        const uint32_t *lens = w->lens[f];
        uint32_t mn = UINT32_MAX;
        for (size_t i = 0; i < w->blk_n; i++) {
            uint32_t l = lens[w->blk_docs[i]];
            l = w->blk_tfs[i * nf + f] ? l : UINT32_MAX;
            mn = l < mn ? l : mn;
        }
        w->blk_min[f] = mn;
        if (mn < w->ti.min_len[f])
            w->ti.min_len[f] = mn;
    }
    int rc = fh_block_encode(&w->data, w->blk_base, w->blk_docs, w->blk_tfs, w->blk_n, nf);
    if (rc)
        return rc;
    uint8_t e[FH_SKIP_ENTRY(FH_MAX_FIELDS)];
    uint32_t last = w->blk_docs[w->blk_n - 1];
    fh_st32le(e, last);
    fh_st32le(e + 4, (uint32_t)w->data.len); /* data.len <= FH_BUF_MAX */
    for (unsigned f = 0; f < nf; f++) {
        uint32_t mt = w->blk_max[f], ml = w->blk_max[f] ? w->blk_min[f] : 0;
        fh_st16le(e + 8 + 2 * f, (uint16_t)(mt > 0xffff ? 0xffff : mt));
        fh_st16le(e + 8 + 2 * nf + 2 * f, (uint16_t)(ml > 0xffff ? 0xffff : ml));
    }
    if ((rc = fh_buf_add(&w->skip, e, FH_SKIP_ENTRY(nf))))
        return rc;
    w->blk_base = last + 1;
    w->blk_n = 0;
    return 0;
}

/* Check positions in the stored encoding: for each field with tf > 0, tf
 * LEB128 varints of at most 32 bits whose running sum (first value as is,
 * then differences) stays within 32 bits; exactly vlen bytes. */
static bool vpos_ok(const uint8_t *p, size_t vlen, const uint32_t *tfs, unsigned nf)
{
    const uint8_t *e = p + vlen;
    for (unsigned f = 0; f < nf; f++) {
        uint64_t sum = 0;
        for (uint32_t i = tfs[f]; i > 0; i--) {
            if (p >= e)
                return false;
            uint32_t c = *p++;
            if (c >= 0x80u) { /* a multi-byte varint; most position gaps take one */
                uint32_t v = c & 0x7Fu;
                for (unsigned shift = 7;; shift += 7) {
                    if (p >= e || shift > 28)
                        return false;
                    c = *p++;
                    if (shift == 28 && c > 0x0Fu)
                        return false;
                    v |= (c & 0x7Fu) << shift;
                    if (c < 0x80u)
                        break;
                }
                c = v;
            }
            sum += c;
            if (sum > UINT32_MAX)
                return false;
        }
    }
    return p == e;
}

static int term_add(fh_index_writer *w, uint32_t docid, const uint32_t *tfs, const uint32_t *pos,
                    size_t npos, const uint8_t *vpos, size_t vlen)
{
    if (w->err)
        return w->err;
    if (!w->in_term || !tfs || docid >= w->n_docs || (w->has_last && docid <= w->last_doc) ||
        (npos && !pos))
        return FH_EINVAL;
    unsigned nf = w->nf;
    uint64_t sum = 0;
    for (unsigned f = 0; f < nf; f++)
        sum += tfs[f];
    if (sum == 0 || (npos && npos != sum))
        return FH_EINVAL;
    int mode = npos || vpos ? 1 : 0;
    if (w->pos_mode >= 0 && w->pos_mode != mode)
        return FH_EINVAL;
    /* Validate positions before anything is appended. */
    if (vpos) {
        if (!vpos_ok(vpos, vlen, tfs, nf))
            return FH_EINVAL;
    } else if (npos) {
        size_t k = 0;
        for (unsigned f = 0; f < nf; f++) {
            for (uint32_t i = 1; i < tfs[f]; i++)
                if (pos[k + i] < pos[k + i - 1])
                    return FH_EINVAL;
            k += tfs[f];
        }
    }
    w->pos_mode = mode;
    int rc;
    if (mode && w->blk_n == 0) {
        uint8_t o[4];
        fh_st32le(o, (uint32_t)w->pos_data.len);
        if ((rc = fh_buf_add(&w->pos_offs, o, 4)))
            goto out;
    }
    if (vpos) {
        if ((rc = fh_buf_add(&w->pos_data, vpos, vlen)))
            goto out;
    } else if (mode) {
        size_t k = 0;
        for (unsigned f = 0; f < nf; f++) {
            if ((rc = fh_positions_encode(&w->pos_data, pos + k, tfs[f])))
                goto out;
            k += tfs[f];
        }
    }
    w->ti.df++;
    w->ti.cf += sum;
    if (w->blk_n == 0)
        for (unsigned f = 0; f < nf; f++)
            w->blk_max[f] = 0;
    /* field lengths (min_len) are looked up per block in flush_block() */
    for (unsigned f = 0; f < nf; f++) {
        uint32_t tf = tfs[f];
        w->blk_tfs[w->blk_n * nf + f] = tf;
        if (!tf)
            continue;
        w->ti.df_field[f]++;
        if (tf > w->ti.max_tf[f])
            w->ti.max_tf[f] = tf;
        if (tf > w->blk_max[f])
            w->blk_max[f] = tf;
    }
    w->blk_docs[w->blk_n++] = docid;
    w->last_doc = docid;
    w->has_last = true;
    w->n_postings++;
    rc = 0;
    if (w->blk_n == FH_BLOCK_DOCS)
        rc = flush_block(w);
out:
    return set_err(w, rc);
}


int fh_index_writer_term_add(fh_index_writer *w, uint32_t docid, const uint32_t *tfs,
                             const uint32_t *pos, size_t npos)
{
    return term_add(w, docid, tfs, pos, npos, NULL, 0);
}

int fh_index_writer_term_add_vpos(fh_index_writer *w, uint32_t docid, const uint32_t *tfs,
                                  const void *vpos, size_t vlen)
{
    if (!vpos || !vlen)
        return FH_EINVAL;
    return term_add(w, docid, tfs, NULL, 0, vpos, vlen);
}

/* Write the finished term: dictionary entry, postings unless inlined, positions. */
static int write_term(fh_index_writer *w)
{
    int rc;
    if (w->blk_n && (rc = flush_block(w)))
        return rc;
    for (unsigned f = 0; f < w->nf; f++)
        if (!w->ti.df_field[f])
            w->ti.min_len[f] = 0;
    uint32_t term_id = (uint32_t)w->n_terms;
    size_t blob = w->skip.len + w->data.len;
    unsigned flags = (w->pos_mode == 1 ? FH_TERM_HAS_POS : 0u);
    if (blob <= FH_INLINE_MAX)
        flags |= FH_TERM_INLINE;
    uint8_t head[FH_DICT_HEAD_MAX];
    size_t hl = fh_dict_encode(head, flags, term_id, &w->ti, w->nf);
    uint8_t *dst = NULL;
    size_t vlen = hl + ((flags & FH_TERM_INLINE) ? blob : 0);
    if ((rc = put_reserve(w, FH_DB_TERMS, w->term, w->term_len, vlen, MDB_APPEND, (void **)&dst)))
        return rc;
    memcpy(dst, head, hl);
    uint8_t key[4];
    fh_st32be(key, term_id);
    if (!(flags & FH_TERM_INLINE)) {
        /* the dictionary value is complete: the next put may commit */
        if ((rc = put_reserve(w, FH_DB_POSTINGS, key, 4, blob, MDB_APPEND, (void **)&dst)))
            return rc;
        hl = 0;
    }
    memcpy(dst + hl, w->skip.data, w->skip.len);
    memcpy(dst + hl + w->skip.len, w->data.data, w->data.len);
    if (flags & FH_TERM_HAS_POS) {
        if ((size_t)UINT32_MAX - w->pos_offs.len < w->pos_data.len)
            return FH_ELIMIT;
        if ((rc = put_reserve(w, FH_DB_POSITIONS, key, 4, w->pos_offs.len + w->pos_data.len,
                              MDB_APPEND, (void **)&dst)))
            return rc;
        memcpy(dst, w->pos_offs.data, w->pos_offs.len);
        if (w->pos_data.len)
            memcpy(dst + w->pos_offs.len, w->pos_data.data, w->pos_data.len);
    }
    w->n_terms++;
    return 0;
}

int fh_index_writer_term_end(fh_index_writer *w)
{
    if (w->err)
        return w->err;
    if (!w->in_term)
        return FH_EINVAL;
    w->in_term = false;
    /* a term without documents is not recorded */
    int rc = w->ti.df ? write_term(w) : 0;
    if (rc)
        return set_err(w, rc);
    memcpy(w->prev, w->term, w->term_len);
    w->prev_len = w->term_len;
    w->have_prev = true;
    return 0;
}

static int id_cmp(const void *a, const void *b)
{
    const struct id_ref *x = a, *y = b;
    return key_cmp(x->p, x->len, y->p, y->len);
}

static int put_meta(fh_index_writer *w, const char *key, const void *v, size_t n)
{
    return put(w, FH_DB_META, key, strlen(key), v, n, 0);
}

static int write_tail(fh_index_writer *w)
{
    int rc;
    if (!w->dict_done && (rc = w->training ? train_finish(w) : train_and_flush(w)))
        return rc;
    if (w->codec && w->codec->dict &&
        (rc = put(w, FH_DB_META, "zstd_dict", 9, w->codec->dict, w->codec->dict_len, 0)))
        return rc;
    /* ids: external id -> docid, sorted for MDB_APPEND. */
    for (uint32_t i = 0; i < w->n_docs; i++)
        w->ids[i].p = w->id_arena.data + w->ids[i].off;
    if (w->n_docs)
        qsort(w->ids, w->n_docs, sizeof *w->ids, id_cmp);
    for (uint32_t i = 0; i < w->n_docs; i++) {
        uint8_t v[4];
        fh_st32le(v, w->ids[i].docid);
        if ((rc = put(w, FH_DB_IDS, w->ids[i].p, w->ids[i].len, v, 4, MDB_APPEND)))
            return rc;
    }
    /* lengths: one array of n_docs u32 LE per field. */
    for (unsigned f = 0; f < w->nf; f++) {
        uint8_t key[4];
        fh_st32be(key, f);
        uint8_t *dst = NULL;
        if ((rc = put_reserve(w, FH_DB_LENGTHS, key, 4, (size_t)w->n_docs * 4, MDB_APPEND,
                              (void **)&dst)))
            return rc;
        for (uint32_t i = 0; i < w->n_docs; i++)
            fh_st32le(dst + 4 * (size_t)i, w->lens[f][i]);
    }
    /* meta */
    uint8_t b[8];
    fh_st32le(b, FH_FORMAT_VERSION);
    if ((rc = put_meta(w, "format_version", b, 4)))
        return rc;
    if ((rc = put_meta(w, "analyzer_name", w->analyzer_name, strlen(w->analyzer_name))) ||
        (rc = put_meta(w, "analyzer_version", w->analyzer_version, strlen(w->analyzer_version))))
        return rc;
    fh_st32le(b, w->n_docs);
    if ((rc = put_meta(w, "n_docs", b, 4)))
        return rc;
    fh_st32le(b, FH_BLOCK_DOCS);
    if ((rc = put_meta(w, "block_docs", b, 4)))
        return rc;
    uint8_t fields[1 + FH_MAX_FIELDS * (1 + FH_FIELD_NAME_MAX + 4 + 8)];
    size_t k = 0;
    fields[k++] = (uint8_t)w->nf;
    for (unsigned f = 0; f < w->nf; f++) {
        size_t nl = strlen(w->field_names[f]);
        fields[k++] = (uint8_t)nl;
        memcpy(fields + k, w->field_names[f], nl);
        k += nl;
        uint32_t wb;
        memcpy(&wb, &w->weights[f], 4);
        fh_st32le(fields + k, wb);
        k += 4;
        double avg = w->n_docs ? (double)w->sum_len[f] / w->n_docs : 0.0;
        uint64_t ab;
        memcpy(&ab, &avg, 8);
        fh_st64le(fields + k, ab);
        k += 8;
    }
    if ((rc = put_meta(w, "fields", fields, k)))
        return rc;
    fh_st64le(b, w->n_terms);
    if ((rc = put_meta(w, "n_terms", b, 8)))
        return rc;
    fh_st64le(b, w->n_postings);
    if ((rc = put_meta(w, "n_postings", b, 8)))
        return rc;
    fh_st64le(b, (uint64_t)(int64_t)time(NULL));
    return put_meta(w, "build_time", b, 8);
}

int fh_index_writer_commit(fh_index_writer *w)
{
    int rc = w->err;
    if (rc)
        goto fail;
    if (w->in_term) {
        rc = FH_EINVAL;
        goto fail;
    }
    if ((rc = write_tail(w)) || (rc = txn_commit(w)))
        goto fail;
    if (mdb_env_sync(w->env, 1)) {
        rc = FH_EIO;
        goto fail;
    }
    mdb_env_close(w->env);
    w->env = NULL;
    if ((rc = fsync_path(w->build, O_RDONLY)))
        goto fail;
    if (rename(w->build, w->final)) {
        rc = FH_EIO;
        goto fail;
    }
    /* Published. A failed directory fsync only weakens durability of the
     * rename across a power loss; the index itself is complete. */
    fsync_path(w->dir, O_RDONLY | O_DIRECTORY);
    unlink(w->lock);
    writer_free(w, false);
    return 0;
fail:;
    int e = errno; /* FH_EIO: why, for the caller's message */
    if (rc == FH_EIO) /* asked before the build file goes and frees the space */
        e = fh_index_write_errno(w->dir, e);
    writer_free(w, true);
    errno = e;
    return rc;
}

int fh_index_write_errno(const char *dir, int e)
{
    struct statvfs sv;
    if (e == EIO && statvfs(dir, &sv) == 0 &&
        (uint64_t)sv.f_bavail * sv.f_frsize < ((uint64_t)4 << 20))
        return ENOSPC;
    return e;
}

bool fh_index_writer_dir_locked(const fh_index_writer *w)
{
    return w && w->dir_locked;
}

void fh_index_writer_abort(fh_index_writer *w)
{
    if (w)
        writer_free(w, true);
}
