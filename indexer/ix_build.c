/* ix_build.c — the build pipeline (see ix_build.h): reader thread, analyzer
 * threads with their own term tables, the in-order committer on the calling
 * thread (which owns the index writer: every writer call happens here), the
 * spill directory, and the final merge. It must not publish anything unless
 * the whole input went through (or was reported), and it never touches the
 * live index file itself: the writer builds beside it and renames. */
#include "ix_build.h"
#include "ix_merge.h"
#include "ix_table.h"

#include "fahras/err.h"
#include "fahras/grow.h"
#include "fahras/index.h"
#include "fahras/jsondoc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

volatile sig_atomic_t fh_build_interrupted;

#define DEFAULT_BATCH (1u << 20)
#define DIR_BATCH_FILES 1024u
#define RSS_SPILL_MIN ((size_t)4 << 20)
/* What an analyzer thread holds besides its term table: its analysis's stem
 * cache (16 MiB, written as it fills), the table's first arena page and the
 * per-document arrays; measured, about 22 MB a thread with its table. */
#define THREAD_FIXED ((size_t)18 << 20)
/* The least table share a thread is started with. */
#define TABLE_MIN ((size_t)1 << 20)

/* What does not shrink with the budget for n analyzer threads, besides
 * mem / 16 (fh_build): the writer's transaction and zstd training buffer,
 * the merge pipe, the batches in flight, each thread's own. */
static size_t fixed_for_threads(unsigned n, size_t batch)
{
    return ((size_t)128 << 20) + (size_t)(n * 3 + 2) * batch * 2 + (size_t)n * THREAD_FIXED;
}

/* The budget (bytes) whose table share holds n threads (fh_build's rule:
 * fixed + mem / 16 + n * TABLE_MIN <= mem * 0.6). */
static size_t mem_for_threads(unsigned n, size_t batch)
{
    size_t need = fixed_for_threads(n, batch) + (size_t)n * TABLE_MIN;
    return (size_t)((double)need / (0.6 - 1.0 / 16)) + ((size_t)1 << 20);
}

/* ------------------------------------------------------------------ batches */

typedef struct brec {
    uint8_t status;
    bool repaired, surrogates, empty, doc_in_out;
    uint32_t nonstr; /* analyzed fields that held no string (fh_record) */
    uint32_t has;    /* analyzed fields that held a string (fh_record.text set) */
    bool enc;       /* the stored document is encoded (fh_doc_encode) in out */
    uint32_t id_len;
    size_t id_off;  /* in out */
    size_t doc_off; /* in data or out */
    size_t doc_len;
    size_t msg_off; /* in out, NUL-terminated, for skipped records */
    uint32_t flen[FH_MAX_FIELDS];
} brec;

#define DLEN_OVERSIZED SIZE_MAX
#define DLEN_UNREADABLE (SIZE_MAX - 1)

typedef struct batch {
    uint64_t seq;
    unsigned file;
    fh_informat fmt;
    const fh_tsv_header *hdr;
    char *data;
    size_t len;
    uint32_t first_ord, n_ord;
    uint64_t first_line;
    size_t oversized_line;   /* a line longer than the cap, of this many bytes (counted
                                to its end, not kept); data holds nothing */
    bool oversized_at_least; /* its end not reached (a read error): at least that */
    /* text-file batches: one record per file */
    char **names;
    size_t *doff, *dlen; /* dlen: or DLEN_OVERSIZED / DLEN_UNREADABLE (why in derr);
                            doff of DLEN_OVERSIZED: its size, or 0 when not known */
    int *derr;           /* an errno value, or file_check()'s negative kind */
    /* results */
    brec *recs;
    fh_buf out;
    int err;
    bool err_shown; /* err's message is out already (a spill run's) */
    bool done;
} batch;

static void batch_free(batch *b)
{
    if (!b)
        return;
    free(b->data);
    if (b->names) {
        for (uint32_t i = 0; i < b->n_ord; i++)
            free(b->names[i]);
        free(b->names);
    }
    free(b->doff);
    free(b->dlen);
    free(b->derr);
    free(b->recs);
    fh_buf_free(&b->out);
    free(b);
}

/* ------------------------------------------------------------- the pipeline */

typedef struct worker {
    struct pipeline *p;
    unsigned idx;
    pthread_t th;
    bool started;
    fh_ttab *tab;
    fh_analysis *an;
    fh_recparser *rp;
    fh_doc_encoder *enc; /* once the writer's codec is published */
    fh_token *alt;        /* alternative-stem tokens of one field (alt_stems analyzers) */
    size_t alt_cap;
    char **runs;
    size_t nruns, runs_cap;
    int err;
    double cpu_s, wait_s; /* thread CPU time; time spent waiting for batches */
    uint32_t spill_gen;   /* last pipeline spill_gen acted on */
} worker;

typedef struct pipeline {
    const fh_build_opts *o;
    fh_analyzer *analyzer;
    size_t batch_bytes;
    size_t table_limit; /* per worker */
    char *spill_dir;
    char *dir_shown, *spill_shown; /* --index DIR, spill_dir as reports show them */
    uint64_t as_limit;             /* RLIMIT_AS in bytes, 0 when none (initial_map) */
    fh_index_grow_failure grow;    /* the writer's failed map growth, if any */
    bool spill_dir_made;
    pthread_mutex_t spill_mu;

    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv, space_cv;
    batch **ring;
    size_t ring_cap;
    uint64_t next_put, next_take, next_commit;
    bool reader_done;
    int reader_err;
    bool abort;
    atomic_bool cancel; /* set with abort: the reader's blocking reads give up */

    fh_tsv_header **hdrs; /* per input, TSV only */
    char **shown;         /* per input, its name as reports show it (fh_report_text) */
    _Atomic uint64_t bytes_in, raw_done;
    /* Bumped by the committer when the process RSS nears the budget: every
     * worker whose table holds more than RSS_SPILL_MIN spills once per bump. */
    _Atomic uint32_t spill_gen;
    /* The writer's document codec, published by the committer once trained:
     * from then on the workers compress stored documents themselves. */
    _Atomic(const fh_doc_codec *) codec;
    uint64_t rss_spills;
    uint64_t raw_total;

    worker *workers;
    unsigned nworkers;
    pthread_t reader;
    bool reader_started;
} pipeline;

#define MAP_MIN ((size_t)64 << 20)

/* The map the index is written in starts at 1 GiB of address space, which
 * the writer grows as the index needs. Under an address-space limit
 * (RLIMIT_AS, `ulimit -v`) below 4 GiB it starts at a quarter of the limit
 * (at least MAP_MIN), leaving the rest to the tables and threads. *limit
 * gets the limit in bytes, 0 when there is none. */
static size_t initial_map(uint64_t *limit)
{
    struct rlimit rl;
    *limit = 0;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return FH_INDEX_MAP_DEFAULT;
    *limit = (uint64_t)rl.rlim_cur;
    if (*limit / 4 >= FH_INDEX_MAP_DEFAULT)
        return FH_INDEX_MAP_DEFAULT;
    size_t m = (size_t)(*limit / 4) & ~(((size_t)1 << 20) - 1);
    return m < MAP_MIN ? MAP_MIN : m;
}

/* Why rc failed, for a message: FH_EIO comes with errno set (fh_src_open,
 * the index writer), any other code is its own reason. */
static const char *rc_reason(int rc)
{
    return rc == FH_EIO ? strerror(errno) : fh_strerror(rc);
}

/* rc_reason() for a failed write into dir, naming a full disk (as shown, dir
 * as reports show it), also when LMDB reported its short write as EIO
 * (fh_index_write_errno). buf holds the message when one is built. */
static const char *write_reason(int rc, const char *dir, const char *shown, char *buf, size_t n)
{
    int e = errno;
    const char *r = rc_reason(rc);
    if (rc == FH_EIO && fh_index_write_errno(dir, e) == ENOSPC) {
        if (e == ENOSPC)
            snprintf(buf, n, "no space left on the device of %s", shown);
        else
            snprintf(buf, n, "no space left on the device of %s (%s)", shown, r);
        return buf;
    }
    return r;
}

/* write_reason() for a failed write of the index writer into --index DIR:
 * when growing the writer's map failed, the size it tried and the
 * address-space limit (or mmap's reason), as the message about the first
 * map has them, not a bare "out of memory". buf holds the message. */
static const char *index_write_reason(const pipeline *p, int rc, char *buf, size_t n)
{
    const fh_index_grow_failure *g = &p->grow;
    if (g->map_size == 0)
        return write_reason(rc, p->o->index_dir, p->dir_shown, buf, n);
    if (p->as_limit)
        snprintf(buf, n,
                 "out of address space: growing the index's map to %zu MiB failed, the "
                 "address-space limit (RLIMIT_AS, ulimit -v) is %" PRIu64 " MiB",
                 g->map_size >> 20, p->as_limit >> 20);
    else
        snprintf(buf, n, "growing the index's map to %zu MiB of address space failed: %s",
                 g->map_size >> 20, strerror(g->err));
    return buf;
}

/* What joins folder path dir and a name in it: nothing when dir already ends
 * in a slash ("D/" given: "D/a.txt", not "D//a.txt"). */
static const char *dir_sep(const char *dir)
{
    size_t n = strlen(dir);
    return n && dir[n - 1] == '/' ? "" : "/";
}

/* Input `file` as reports name it: <stdin>, or its path on one line. */
static const char *input_name(const pipeline *p, unsigned file)
{
    return p->shown[file];
}

/* Hand a batch to the analyzers; waits while the ring is full. false = abort. */
static bool put_batch(pipeline *p, batch *b)
{
    pthread_mutex_lock(&p->mu);
    while (!p->abort && p->next_put - p->next_commit >= p->ring_cap)
        pthread_cond_wait(&p->space_cv, &p->mu);
    if (p->abort) {
        pthread_mutex_unlock(&p->mu);
        batch_free(b);
        return false;
    }
    b->seq = p->next_put;
    p->ring[p->next_put % p->ring_cap] = b;
    p->next_put++;
    pthread_cond_signal(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    return true;
}

static bool aborted(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    bool a = p->abort;
    pthread_mutex_unlock(&p->mu);
    return a;
}

/* ------------------------------------------------------------ reader thread */

typedef struct rstate {
    uint32_t ord;       /* next ordinal */
    uint64_t raw_base;  /* raw bytes of the inputs already finished */
} rstate;

static batch *new_batch(unsigned file, fh_informat fmt)
{
    batch *b = calloc(1, sizeof *b);
    if (b) {
        b->file = file;
        b->fmt = fmt;
        fh_buf_init(&b->out, SIZE_MAX / 2);
    }
    return b;
}

static int claim_ords(rstate *rs, uint32_t n, uint32_t *first)
{
    if (n > UINT32_MAX - 1u - rs->ord)
        return FH_ELIMIT; /* more than 4 billion records */
    *first = rs->ord;
    rs->ord += n;
    return 0;
}

static char *last_nl(char *s, size_t n)
{
    while (n) {
        if (s[--n] == '\n')
            return s + n;
    }
    return NULL;
}

static int grow_buf(char **buf, size_t *cap, size_t max)
{
    size_t nc = *cap * 2 < max ? *cap * 2 : max;
    char *nb = realloc(*buf, nc);
    if (!nb)
        return FH_ENOMEM;
    *buf = nb;
    *cap = nc;
    return 0;
}

static size_t count_lines(const char *s, size_t n)
{
    size_t k = 0;
    const char *end = s + n;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl)
            return k + 1; /* a last line without newline */
        k++;
        s = nl + 1;
    }
    return k;
}

/* Whether lines s[0, n) hold one that is not blank: a record, good or bad
 * (tsv: TSV rows, else JSON lines). */
static bool holds_record(const char *s, size_t n, bool tsv)
{
    const char *end = s + n;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        if (!fh_rec_blank(s, (size_t)(e - s), tsv))
            return true;
        s = e + 1;
    }
    return false;
}

/* "a", "b", "c" into out (cap bytes): the names quoted, as reports show
 * text (fh_report_text), and ", ..." for the names that do not fit or, when
 * `more`, follow. */
static void quote_names(char *out, size_t cap, const char *const *names, size_t n, bool more)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char shown[400];
        fh_report_text(shown, sizeof shown, names[i], strlen(names[i]));
        size_t need = strlen(shown) + 4; /* ", " and the quotes */
        if (at + need + 6 > cap) {       /* ", ..." and the NUL */
            snprintf(out + at, cap - at, "%s...", at ? ", " : "");
            return;
        }
        at += (size_t)snprintf(out + at, cap - at, "%s\"%s\"", at ? ", " : "", shown);
    }
    if (more)
        snprintf(out + at, cap - at, "%s...", at ? ", " : "");
}

/* A TSV header without a column of --fields is said at once: none of the
 * file's rows can have that field, which is otherwise silently unindexed. */
static void warn_tsv_header(pipeline *p, unsigned fi, const fh_tsv_header *h, uint64_t line)
{
    const fh_fieldset *fs = &p->o->fields;
    for (unsigned f = 0; f < fs->n; f++) {
        if (h->field_col[f] >= 0) /* "id" always is a column */
            continue;
        char cols[400];
        quote_names(cols, sizeof cols, (const char *const *)h->names, h->ncols, false);
        fprintf(p->o->log,
                "%s:%" PRIu64 ": warning: the header has no column \"%s\" of --fields, so "
                "no row of this file has that field to analyze (the columns: %s)\n",
                input_name(p, fi), line, fs->names[f], cols);
    }
}

/* A failed fh_src_read() of input fi, wherever the reader was: reported
 * (unless the build is stopping: FH_ETIMEOUT) and turned into the build's
 * error, FH_EINPUT for a read error, corrupt or unsupported compressed data. */
static int read_failed(pipeline *p, unsigned fi, const fh_src *src, ssize_t n)
{
    int rc = (int)n;
    const char *kind = fh_src_unsupported(src);
    if (rc == FH_ETIMEOUT)
        return rc;
    if (rc == FH_EINPUT && kind && strcmp(kind, "UTF-16") == 0)
        fprintf(p->o->log,
                "fahras-indexer: %s: UTF-16 text (a byte order mark FF FE or FE FF) is not "
                "supported: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)\n",
                input_name(p, fi));
    else if (rc == FH_EINPUT && kind)
        fprintf(p->o->log,
                "fahras-indexer: %s: %s compression is not supported (gzip and xz are): "
                "decompress it first, e.g. %s -dc FILE | fahras-indexer build --index DIR -\n",
                input_name(p, fi), kind, kind);
    else
        fprintf(p->o->log, "fahras-indexer: %s: %s\n", input_name(p, fi),
                rc == FH_EINPUT ? "corrupt compressed data" : rc_reason(rc));
    return rc == FH_EINPUT || rc == FH_EIO ? FH_EINPUT : rc;
}

/* Read on past a line too long for buf (cap bytes, all of them the line's
 * start, already given to m), feeding each further piece to m and keeping
 * none; with stop_unless_blank, only while the line is blank (a line that
 * is not is given up at once). On return buf[0, *len) is what followed the
 * newline, *eof is set at the input's end. Returns 0, or a read error
 * (reported; *eof set, *len 0). */
static int read_past_line(pipeline *p, unsigned fi, fh_src *src, char *buf, size_t cap, size_t *len,
                          bool *eof, fh_rec_meter *m, bool stop_unless_blank)
{
    *len = 0;
    for (;;) {
        if (stop_unless_blank && !fh_rec_meter_blank(m))
            return 0;
        ssize_t n = fh_src_read(src, buf, cap);
        if (n < 0) {
            *eof = true;
            return read_failed(p, fi, src, n);
        }
        atomic_fetch_add(&p->bytes_in, (uint64_t)n);
        if (n == 0) {
            *eof = true;
            return 0;
        }
        char *e = memchr(buf, '\n', (size_t)n);
        fh_rec_meter_add(m, buf, e ? (size_t)(e - buf) : (size_t)n);
        if (e) {
            *len = (size_t)n - (size_t)(e + 1 - buf);
            memmove(buf, e + 1, *len);
            return 0;
        }
    }
}

static int read_lines_file(pipeline *p, rstate *rs, unsigned fi, fh_informat fmt)
{
    const fh_build_opts *o = p->o;
    const char *path = o->inputs[fi];
    fh_src *src = NULL;
    int rc = fh_src_open(path, &src);
    if (rc) {
        fprintf(o->log, "fahras-indexer: %s: cannot open: %s\n", input_name(p, fi), rc_reason(rc));
        return FH_EINPUT;
    }
    fh_src_set_cancel(src, &p->cancel);
    const size_t line_cap = o->max_doc_bytes + 2; /* a max-size line and its newline fit */
    size_t cap = p->batch_bytes, len = 0;
    char *buf = malloc(cap);
    uint64_t line_no = 1;
    bool eof = false, header_done = (fmt != FH_IN_TSV);
    bool any_record = false; /* a line that is not blank was read: said when none is */
    if (!buf) {
        rc = FH_ENOMEM;
        goto out;
    }
    for (;;) {
        while (!eof && len < cap) {
            ssize_t n = fh_src_read(src, buf + len, cap - len);
            if (n < 0) {
                rc = read_failed(p, fi, src, n);
                goto out;
            }
            if (n == 0)
                eof = true;
            len += (size_t)n;
            atomic_fetch_add(&p->bytes_in, (uint64_t)n);
            atomic_store(&p->raw_done, rs->raw_base + fh_src_raw_pos(src));
        }
        if (aborted(p))
            goto out;
        if (!header_done) {
            /* the header is the first line that is not blank (as a row would
               be blank), the lines before it skipped but counted */
            size_t skip = 0;
            char *nl;
            while ((nl = memchr(buf + skip, '\n', len - skip)) != NULL &&
                   fh_rec_blank(buf + skip, (size_t)(nl - buf) - skip, true)) {
                skip = (size_t)(nl - buf) + 1;
                line_no++;
            }
            if (skip) {
                memmove(buf, buf + skip, len - skip);
                len -= skip;
                nl = nl ? nl - skip : NULL;
            }
            if (!nl && !eof) {
                if (len < cap) /* room freed by skipped lines: read on */
                    continue;
                if (cap >= line_cap) {
                    /* a blank line longer than the buffer is skipped to its
                       end as a short one is; any other is no header */
                    fh_rec_meter m;
                    fh_rec_meter_start(&m, buf, len, true);
                    if ((rc = read_past_line(p, fi, src, buf, cap, &len, &eof, &m, true)) != 0)
                        goto out;
                    if (fh_rec_meter_blank(&m)) {
                        line_no++;
                        continue;
                    }
                    fprintf(o->log, "%s:%" PRIu64 ": TSV header line too long\n", input_name(p, fi),
                            line_no);
                    rc = FH_EINPUT;
                    goto out;
                }
                if ((rc = grow_buf(&buf, &cap, line_cap)) != 0)
                    goto out;
                continue;
            }
            size_t hl = nl ? (size_t)(nl - buf) : len;
            char msg[200];
            if (!nl && fh_rec_blank(buf, hl, true)) {
                /* an empty or blank file: reported, like an empty JSON Lines file */
                fprintf(o->log,
                        "fahras-indexer: %s: empty TSV input (no header line): nothing "
                        "read\n",
                        input_name(p, fi));
                goto out;
            }
            rc = fh_tsv_header_parse(buf, hl, &o->fields, &p->hdrs[fi], msg, sizeof msg);
            if (rc) {
                if (rc == FH_EINPUT)
                    fprintf(o->log, "%s:%" PRIu64 ": %s\n", input_name(p, fi), line_no, msg);
                goto out;
            }
            warn_tsv_header(p, fi, p->hdrs[fi], line_no);
            size_t used = nl ? hl + 1 : hl;
            memmove(buf, buf + used, len - used);
            len -= used;
            line_no++;
            header_done = true;
            continue;
        }
        if (len == 0 && eof) {
            if (!any_record) /* as a TSV file without a header line is */
                fprintf(o->log, "fahras-indexer: %s: %s: nothing read\n", input_name(p, fi),
                        fmt == FH_IN_TSV ? "empty TSV input (a header, no record)" : "empty input");
            break;
        }
        char *nl = last_nl(buf, len);
        size_t cut;
        if (nl) {
            cut = (size_t)(nl - buf) + 1;
        } else if (eof) {
            cut = len;
        } else if (cap < line_cap) {
            if ((rc = grow_buf(&buf, &cap, line_cap)) != 0)
                goto out;
            continue;
        } else {
            /* a line longer than --max-doc-mb: skip to its end, counting
               its bytes without keeping them, then report its size */
            batch *b = new_batch(fi, fmt);
            if (!b) {
                rc = FH_ENOMEM;
                goto out;
            }
            fh_rec_meter m;
            fh_rec_meter_start(&m, buf, len, fmt == FH_IN_TSV); /* cap bytes, no line end */
            /* a read error: reported with the line as far as it was read */
            if ((rc = read_past_line(p, fi, src, buf, cap, &len, &eof, &m, false)) != 0)
                b->oversized_at_least = true;
            if (fh_rec_meter_blank(&m)) { /* white space only: no record, as if short */
                batch_free(b);
                line_no++;
                if (rc)
                    goto out;
                continue;
            }
            /* trimmed to the cap or less (blanks around it): its raw size */
            uint64_t size = fh_rec_meter_size(&m);
            size = size > o->max_doc_bytes ? size : m.n;
            b->oversized_line = size < SIZE_MAX ? (size_t)size : SIZE_MAX;
            any_record = true;
            b->first_line = line_no++;
            b->n_ord = 1;
            b->hdr = p->hdrs[fi];
            int crc = claim_ords(rs, 1, &b->first_ord);
            if (crc) {
                batch_free(b);
                rc = rc ? rc : crc;
                goto out;
            }
            if (!put_batch(p, b) || rc)
                goto out;
            continue;
        }
        /* hand buf[0, cut) over as a batch; the tail starts the next buffer */
        size_t tail = len - cut;
        size_t ncap = tail < p->batch_bytes / 2 ? p->batch_bytes : tail + p->batch_bytes;
        char *nb = malloc(ncap);
        batch *b = new_batch(fi, fmt);
        if (!nb || !b) {
            free(nb);
            batch_free(b);
            rc = FH_ENOMEM;
            goto out;
        }
        memcpy(nb, buf + cut, tail);
        b->data = buf;
        b->len = cut;
        b->hdr = p->hdrs[fi];
        b->first_line = line_no;
        size_t nlines = count_lines(buf, cut);
        any_record = any_record || holds_record(buf, cut, fmt == FH_IN_TSV);
        if (nlines > UINT32_MAX || (rc = claim_ords(rs, (uint32_t)nlines, &b->first_ord))) {
            free(nb);
            batch_free(b);
            rc = rc ? rc : FH_ELIMIT;
            goto out;
        }
        b->n_ord = (uint32_t)nlines;
        line_no += nlines;
        buf = nb;
        cap = ncap;
        len = tail;
        if (!put_batch(p, b))
            goto out;
    }
out:
    if (src)
        rs->raw_base += fh_src_raw_pos(src);
    atomic_store(&p->raw_done, rs->raw_base);
    free(buf);
    fh_src_close(src);
    return rc;
}

/* Whether a folder's file of mode m can be read as a document: 0 for a
 * regular file, EISDIR for a folder, else minus its S_IFMT type (a named
 * pipe, socket or device, which is never opened: a FIFO would block). */
static int file_check(mode_t m)
{
    return S_ISREG(m) ? 0 : S_ISDIR(m) ? EISDIR : -(int)(m & S_IFMT);
}

/* derr values of a folder's file whose compressed content cannot be read
 * (errno values are positive; file_check()'s types, multiples of 4096). */
enum {
    DERR_CORRUPT_GZIP = -1,
    DERR_CORRUPT_XZ = -2,
    DERR_ZSTD = -3,
    DERR_BZIP2 = -4,
    DERR_UTF16 = -5
};

/* Why a folder's file was not read, from its derr (file_check, errno,
 * DERR_*). */
static void unreadable_msg(int derr, char *msg, size_t n)
{
    if (derr >= 0) {
        snprintf(msg, n, "cannot read: %s", strerror(derr));
        return;
    }
    if (derr == DERR_CORRUPT_GZIP || derr == DERR_CORRUPT_XZ) {
        snprintf(msg, n, "corrupt %s data", derr == DERR_CORRUPT_GZIP ? "gzip" : "xz");
        return;
    }
    if (derr == DERR_UTF16) {
        snprintf(msg, n, "UTF-16 text is not supported: convert it to UTF-8 first");
        return;
    }
    if (derr == DERR_ZSTD || derr == DERR_BZIP2) {
        snprintf(msg, n, "%s compression is not supported (gzip and xz are): decompress it first",
                 derr == DERR_ZSTD ? "zstd" : "bzip2");
        return;
    }
    mode_t m = (mode_t)-derr;
    snprintf(msg, n, "not a regular file (%s)",
             S_ISFIFO(m)   ? "a named pipe"
             : S_ISSOCK(m) ? "a socket"
             : S_ISCHR(m)  ? "a character device"
             : S_ISBLK(m)  ? "a block device"
                           : "of an unknown type");
}

/* Make the batch buffer *data (capacity *cap) hold need bytes, doubling
 * from first. ENOMEM (nothing changed) or 0. */
static int data_reserve(char **data, size_t *cap, size_t need, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : first;
    while (nc < need)
        nc *= 2;
    char *d = realloc(*data, nc);
    if (!d)
        return ENOMEM;
    *data = d;
    *cap = nc;
    return 0;
}

/* The derr of a failed fh_src_read() of src: a DERR_* code for compressed
 * data it cannot undo, else errno. */
static int src_derr(const fh_src *src, ssize_t rc)
{
    if (rc != FH_EINPUT)
        return rc == FH_ENOMEM ? ENOMEM : errno;
    const char *kind = fh_src_kind(src);
    return strcmp(kind, "gzip") == 0     ? DERR_CORRUPT_GZIP
           : strcmp(kind, "xz") == 0     ? DERR_CORRUPT_XZ
           : strcmp(kind, "zstd") == 0   ? DERR_ZSTD
           : strcmp(kind, "UTF-16") == 0 ? DERR_UTF16
                                         : DERR_BZIP2;
}

/* Read the file at path, to its end, into *data from offset at (the buffer
 * grown as needed, room kept for a NUL; first: its first capacity), its
 * size by stat() the first guess: a file that grew or shrank since is read
 * as it is then, never cut. gzip and xz are decompressed, as an input
 * file's are (fh_src); *got gets the bytes read (decompressed). 0; EFBIG
 * when it holds more than max bytes (nothing kept), *got then the size of a
 * plain file refused unread, or 0 when reading stopped one byte past max;
 * a file_check() code when the path is no longer a regular file; a DERR_*
 * code; ENOMEM; or read(2)'s errno.
 *
 * max holds for the text: a plain file larger than max on disk is not
 * read, while a compressed one, whatever its size on disk, is decompressed
 * up to one byte past max and no further (so a small gzip bomb costs no
 * more than max bytes). */
static int read_file_whole(const char *path, size_t size, size_t max, char **data, size_t *cap,
                           size_t at, size_t first, size_t *got)
{
    size_t plain_over = 0; /* the size of a plain file over max, refused unread */
    *got = 0;
    /* O_NONBLOCK: should the file have become a FIFO since its stat(), the
     * open does not wait for a writer; fstat() then refuses it */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno;
    struct stat st;
    fh_src *src = NULL;
    int err = fstat(fd, &st) != 0 ? errno : file_check(st.st_mode);
    if (!err && fh_src_take_fd(fd, &src) != 0)
        err = ENOMEM;
    if (!src)
        close(fd);
    if (!err) {
        int rc = fh_src_sniff(src);
        if (rc != 0) {
            err = src_derr(src, rc);
        } else if (size > max && strcmp(fh_src_kind(src), "plain") == 0) {
            err = EFBIG;
            plain_over = size;
        }
    }
    /* max is at most 256 MiB (--max-doc-mb) */
    size_t want = (size < max ? size : max) + 1; /* one byte more: the end is seen */
    while (!err) {
        if (*got > max) {
            err = EFBIG;
            break;
        }
        if ((err = data_reserve(data, cap, at + want + 1, first)) != 0)
            break;
        ssize_t n = fh_src_read(src, *data + at + *got, want - *got);
        if (n < 0)
            err = src_derr(src, n);
        if (n <= 0)
            break;
        *got += (size_t)n;
        if (*got == want) /* it grew: read on, up to one byte past max */
            want = want * 2 > max + 1 ? max + 1 : want * 2;
    }
    fh_src_close(src);
    if (!err && *got > max)
        err = EFBIG;
    if (err == EFBIG)
        *got = plain_over;
    return err;
}

static int read_txt_dir(pipeline *p, rstate *rs, unsigned fi)
{
    const fh_build_opts *o = p->o;
    const char *dir = o->inputs[fi];
    char **names = NULL;
    size_t n = 0;
    int rc = fh_txtdir_list(dir, &names, &n);
    if (rc) {
        fprintf(o->log, "fahras-indexer: %s: cannot list: %s\n", input_name(p, fi),
                strerror(errno));
        return FH_EINPUT;
    }
    if (n == 0)
        fprintf(o->log,
                "fahras-indexer: %s: no *.txt file in this folder (subfolders are not read, "
                "nor hidden files)\n",
                input_name(p, fi));
    size_t i = 0;
    char *path = NULL;
    while (i < n && !rc) {
        batch *b = new_batch(fi, FH_IN_DIR);
        size_t nb = n - i < DIR_BATCH_FILES ? n - i : DIR_BATCH_FILES;
        if (!b || !(b->names = calloc(nb, sizeof *b->names)) ||
            !(b->doff = calloc(nb, sizeof *b->doff)) || !(b->dlen = calloc(nb, sizeof *b->dlen)) ||
            !(b->derr = calloc(nb, sizeof *b->derr))) {
            batch_free(b);
            rc = FH_ENOMEM;
            break;
        }
        size_t cap = 0;
        uint32_t k = 0;
        while (i < n && k < nb && (k == 0 || b->len < p->batch_bytes)) {
            size_t pl = strlen(dir) + strlen(names[i]) + 2;
            free(path);
            path = malloc(pl);
            if (!path) {
                rc = FH_ENOMEM;
                break;
            }
            snprintf(path, pl, "%s%s%s", dir, dir_sep(dir), names[i]);
            struct stat st;
            b->names[k] = names[i];
            names[i] = NULL;
            b->doff[k] = b->len;
            int ferr = stat(path, &st) != 0 ? errno : file_check(st.st_mode);
            size_t sz = ferr ? 0 : (size_t)st.st_size;
            if (ferr) {
                b->dlen[k] = DLEN_UNREADABLE; /* reported and skipped, like a bad record */
                b->derr[k] = ferr;
            } else {
                size_t got;
                ferr = read_file_whole(path, sz, o->max_doc_bytes, &b->data, &cap, b->len,
                                       p->batch_bytes, &got);
                if (ferr == ENOMEM) {
                    rc = FH_ENOMEM;
                    break;
                }
                if (ferr == EFBIG) {
                    /* plain: its size, not read; else 0, it decompressed or
                       grew past the cap ("at least") */
                    b->dlen[k] = DLEN_OVERSIZED;
                    b->doff[k] = got;
                } else if (ferr) {
                    b->dlen[k] = DLEN_UNREADABLE;
                    b->derr[k] = ferr;
                } else {
                    b->dlen[k] = got;
                    b->len += got;
                    atomic_fetch_add(&p->bytes_in, (uint64_t)got);
                }
                atomic_fetch_add(&p->raw_done, (uint64_t)sz);
            }
            k++;
            i++;
        }
        b->n_ord = k;
        b->first_line = 1;
        if (rc || (rc = claim_ords(rs, k, &b->first_ord)) != 0) {
            batch_free(b);
            break;
        }
        if (!put_batch(p, b))
            break;
    }
    free(path);
    fh_txtdir_free(names, n);
    return rc;
}

static void *reader_main(void *arg)
{
    pipeline *p = arg;
    const fh_build_opts *o = p->o;
    rstate rs = {0};
    int rc = 0;
    for (unsigned fi = 0; fi < o->n_inputs && !rc && !aborted(p); fi++) {
        fh_informat fmt = o->format;
        if (fmt == FH_IN_AUTO || (fmt != FH_IN_DIR && strcmp(o->inputs[fi], "-") != 0)) {
            fh_informat det;
            if (fh_input_detect(o->inputs[fi], &det) != 0) {
                fprintf(o->log, "fahras-indexer: %s: %s\n", input_name(p, fi), strerror(errno));
                rc = FH_EINPUT;
                break;
            }
            if (fmt == FH_IN_AUTO || det == FH_IN_DIR)
                fmt = det;
        }
        rc = fmt == FH_IN_DIR ? read_txt_dir(p, &rs, fi) : read_lines_file(p, &rs, fi, fmt);
    }
    pthread_mutex_lock(&p->mu);
    p->reader_done = true;
    p->reader_err = rc;
    pthread_cond_broadcast(&p->work_cv);
    pthread_cond_broadcast(&p->done_cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---------------------------------------------------------- analyzer thread */

/* After fh_ttab_add_tokens failed with rc on field f: FH_ELIMIT (a position
 * past FH_POS_MAX) drops the document from the table and returns 1. */
static int too_many_positions(worker *w, int rc, unsigned f, unsigned *bad_field)
{
    if (rc != FH_ELIMIT)
        return rc;
    fh_ttab_doc_abort(w->tab);
    *bad_field = f;
    return 1;
}

/* Analyze r's fields into w's table as document ord. Returns 0, a negative
 * FH_E*, or 1 when a field holds more word positions than the table can
 * (FH_POS_MAX; a record within --max-doc-mb can: a ligature such as U+FDFA
 * is four words): the record is then left out of the table, its field in
 * *bad_field, for the caller to skip and report. */
static int analyze_record(worker *w, uint32_t ord, const fh_record *r, brec *br,
                          unsigned *bad_field)
{
    const fh_build_opts *o = w->p->o;
    int rc = fh_ttab_doc_begin(w->tab, ord);
    if (rc)
        return rc;
    bool any = false;
    for (unsigned f = 0; f < o->fields.n; f++) {
        br->flen[f] = 0;
        if (!r->text_len[f])
            continue;
        const fh_token *toks;
        size_t nt;
        if ((rc = fh_analyze(w->an, r->text[f], r->text_len[f], &toks, &nt)) != 0)
            return rc;
        uint32_t added = 0;
        if ((rc = fh_ttab_add_tokens(w->tab, f, toks, nt, &added)) != 0)
            return too_many_positions(w, rc, f, bad_field);
        br->flen[f] = added;
        if (o->alt_stems) {
            /* the second namespace: each word again under its alt term, at the
             * same position; the field length counts words once */
            if (nt > w->alt_cap) {
                fh_token *na = realloc(w->alt, nt * sizeof *na);
                if (!na)
                    return FH_ENOMEM;
                w->alt = na;
                w->alt_cap = nt;
            }
            size_t m = 0;
            for (size_t i = 0; i < nt; i++) {
                if (!toks[i].alt_len)
                    continue;
                w->alt[m] = toks[i];
                w->alt[m].stem = toks[i].alt;
                w->alt[m].stem_len = toks[i].alt_len;
                m++;
            }
            uint32_t ignored;
            if (m && (rc = fh_ttab_add_tokens(w->tab, f, w->alt, m, &ignored)) != 0)
                return too_many_positions(w, rc, f, bad_field);
        }
        any |= added > 0;
    }
    br->empty = !any;
    return fh_ttab_doc_end(w->tab);
}

static int process_batch(worker *w, batch *b)
{
    const fh_build_opts *o = w->p->o;
    b->recs = calloc(b->n_ord ? b->n_ord : 1, sizeof *b->recs);
    if (!b->recs)
        return FH_ENOMEM;
    if (b->oversized_line) {
        b->recs[0].status = FH_REC_OVERSIZED;
        b->recs[0].msg_off = 0;
        char msg[sizeof(((fh_record *)0)->msg)];
        fh_rec_oversized_msg(msg, sizeof msg, b->fmt == FH_IN_TSV ? "row" : "document",
                             b->oversized_line, b->oversized_at_least, o->max_doc_bytes);
        return fh_buf_add(&b->out, msg, strlen(msg) + 1) ? FH_ENOMEM : 0;
    }
    const char *s = b->data, *end = b->data + b->len;
    fh_record r;
    int rc = 0;
    if (!w->enc) {
        const fh_doc_codec *c = atomic_load_explicit(&w->p->codec, memory_order_acquire);
        if (c && (rc = fh_doc_encoder_new(c, &w->enc)) != 0)
            return rc;
    }
    for (uint32_t i = 0; i < b->n_ord; i++) {
        brec *br = &b->recs[i];
        if (b->fmt == FH_IN_DIR) {
            if (b->dlen[i] == DLEN_OVERSIZED) {
                memset(&r, 0, sizeof r);
                r.status = FH_REC_OVERSIZED;
                fh_rec_oversized_msg(r.msg, sizeof r.msg, "file",
                                     b->doff[i] ? b->doff[i] : o->max_doc_bytes + 1,
                                     b->doff[i] == 0, o->max_doc_bytes);
            } else if (b->dlen[i] == DLEN_UNREADABLE) {
                memset(&r, 0, sizeof r);
                r.status = FH_REC_UNREADABLE;
                unreadable_msg(b->derr[i], r.msg, sizeof r.msg);
            } else {
                rc = fh_rec_txt(w->rp, b->names[i], b->data + b->doff[i], b->dlen[i], &r);
            }
        } else {
            const char *nl = memchr(s, '\n', (size_t)(end - s));
            const char *le = nl ? nl : end;
            if (b->fmt == FH_IN_TSV)
                rc = fh_rec_tsv(w->rp, b->hdr, s, (size_t)(le - s), &r);
            else
                rc = fh_rec_jsonl(w->rp, s, (size_t)(le - s), &r);
            s = nl ? nl + 1 : end;
        }
        if (rc)
            return rc;
        br->status = (uint8_t)r.status;
        br->repaired = r.repaired;
        br->surrogates = r.surrogates;
        br->nonstr = r.nonstr;
        br->has = 0; /* text[f] is set, empty or not, when field f is a string */
        for (unsigned f = 0; f < w->p->o->fields.n; f++)
            if (r.text[f])
                br->has |= 1u << f;
        if (r.status != FH_REC_OK) {
            if (r.status != FH_REC_BLANK) {
                br->msg_off = b->out.len;
                if (fh_buf_adds(&b->out, r.msg) || fh_buf_addc(&b->out, '\0'))
                    return FH_ENOMEM;
            }
            continue;
        }
        unsigned bad = 0;
        if ((rc = analyze_record(w, b->first_ord + i, &r, br, &bad)) == 1) {
            br->status = FH_REC_OVERSIZED;
            br->msg_off = b->out.len;
            if (fh_buf_addf(&b->out, "field \"%s\" holds more than %u word positions",
                            o->fields.names[bad], FH_POS_MAX + 1u) ||
                fh_buf_addc(&b->out, '\0'))
                return FH_ENOMEM;
            continue;
        }
        if (rc)
            return rc;
        br->id_off = b->out.len;
        br->id_len = (uint32_t)r.id_len;
        if ((rc = fh_buf_add(&b->out, r.id, r.id_len)) != 0)
            return rc;
        br->doc_len = r.doc_len;
        if (w->enc) {
            br->enc = true;
            br->doc_off = b->out.len;
            if ((rc = fh_doc_encode(w->enc, r.doc, r.doc_len, &b->out)) != 0)
                return rc;
            br->doc_len = b->out.len - br->doc_off;
        } else if (b->fmt != FH_IN_DIR && r.doc >= b->data && r.doc < b->data + b->len) {
            br->doc_off = (size_t)(r.doc - b->data);
        } else {
            br->doc_in_out = true;
            br->doc_off = b->out.len;
            if ((rc = fh_buf_add(&b->out, r.doc, r.doc_len)) != 0)
                return rc;
        }
    }
    return 0;
}

static int make_spill_dir(pipeline *p)
{
    int rc = 0;
    pthread_mutex_lock(&p->spill_mu);
    if (!p->spill_dir_made) {
        if (mkdir(p->spill_dir, 0700) != 0 && errno != EEXIST)
            rc = FH_EIO;
        else
            p->spill_dir_made = true;
    }
    pthread_mutex_unlock(&p->spill_mu);
    return rc;
}

/* Write w's term table as a sorted run into the spill directory. A failure
 * is reported here (the caller marks it shown). */
static int spill(worker *w)
{
    pipeline *p = w->p;
    int rc = make_spill_dir(p);
    if (rc) {
        fprintf(p->o->log, "fahras-indexer: cannot create the spill directory %s: %s\n",
                p->spill_shown, strerror(errno));
        return rc;
    }
    if (w->nruns == w->runs_cap) {
        size_t nc = w->runs_cap ? w->runs_cap * 2 : 8;
        char **nr = realloc(w->runs, nc * sizeof *nr);
        if (!nr) {
            fprintf(p->o->log, "fahras-indexer: cannot spill a run: out of memory\n");
            return FH_ENOMEM;
        }
        w->runs = nr;
        w->runs_cap = nc;
    }
    size_t pl = strlen(p->spill_dir) + 48;
    char *path = malloc(pl);
    if (!path) {
        fprintf(p->o->log, "fahras-indexer: cannot spill a run: out of memory\n");
        return FH_ENOMEM;
    }
    snprintf(path, pl, "%s/run-%u-%zu", p->spill_dir, w->idx, w->nruns);
    rc = fh_ttab_spill(w->tab, path);
    if (rc) {
        char why[512];
        fprintf(p->o->log, "fahras-indexer: cannot write spill run %s/run-%u-%zu: %s\n",
                p->spill_shown, w->idx, w->nruns,
                write_reason(rc, p->spill_dir, p->spill_shown, why, sizeof why));
        free(path);
        return rc;
    }
    w->runs[w->nruns++] = path;
    return 0;
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pipeline *p = w->p;
    for (;;) {
        double tw = mono_now();
        pthread_mutex_lock(&p->mu);
        while (!p->abort && p->next_take == p->next_put && !p->reader_done)
            pthread_cond_wait(&p->work_cv, &p->mu);
        w->wait_s += mono_now() - tw;
        if (p->abort || p->next_take == p->next_put) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        batch *b = p->ring[p->next_take % p->ring_cap];
        p->next_take++;
        pthread_mutex_unlock(&p->mu);

        int rc = process_batch(w, b);
        uint32_t gen = atomic_load(&p->spill_gen);
        size_t used = fh_ttab_mem(w->tab);
        bool shown = false;
        if (!rc && (used > p->table_limit || (gen != w->spill_gen && used > RSS_SPILL_MIN)))
            shown = (rc = spill(w)) != 0;
        w->spill_gen = gen;

        pthread_mutex_lock(&p->mu);
        b->err = rc;
        b->err_shown = shown;
        b->done = true;
        pthread_cond_broadcast(&p->done_cv);
        pthread_mutex_unlock(&p->mu);
        if (rc) {
            w->err = rc;
            break;
        }
    }
    fh_doc_encoder_free(w->enc); /* before the writer (and its codec) goes */
    w->enc = NULL;
    if (!w->err && !aborted(p))
        w->err = fh_ttab_sort(w->tab); /* in parallel, before the merge */
    w->cpu_s = thread_cpu();
    return NULL;
}

/* ------------------------------------------------------------- id set */

typedef struct idset {
    uint64_t *slots; /* hash-tag << 32 | (index + 1) */
    size_t nslots, n;
    uint64_t *ent_off; /* offset into bytes; length in ent_len */
    uint32_t *ent_len;
    uint64_t *ent_hash;
    size_t ent_cap;
    char *bytes;
    size_t blen, bcap;
} idset;

static void idset_free(idset *s)
{
    free(s->slots);
    free(s->ent_off);
    free(s->ent_len);
    free(s->ent_hash);
    free(s->bytes);
}

static int idset_grow(idset *s)
{
    size_t ns = s->nslots ? s->nslots * 2 : 1u << 16;
    uint64_t *sl = calloc(ns, sizeof *sl);
    if (!sl)
        return FH_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        size_t j = (size_t)s->ent_hash[i] & (ns - 1);
        while (sl[j])
            j = (j + 1) & (ns - 1);
        sl[j] = (s->ent_hash[i] & 0xFFFFFFFF00000000ull) | (uint64_t)(i + 1);
    }
    free(s->slots);
    s->slots = sl;
    s->nslots = ns;
    return 0;
}

/* 1 if inserted, 0 if already present, <0 error. */
static int idset_insert(idset *s, const char *id, size_t len)
{
    if (s->n * 2 >= s->nslots && idset_grow(s))
        return FH_ENOMEM;
    uint64_t h = XXH3_64bits(id, len);
    uint64_t tag = h & 0xFFFFFFFF00000000ull;
    size_t j = (size_t)h & (s->nslots - 1);
    while (s->slots[j]) {
        if ((s->slots[j] & 0xFFFFFFFF00000000ull) == tag) {
            size_t i = (uint32_t)s->slots[j] - 1u;
            if (s->ent_hash[i] == h && s->ent_len[i] == len &&
                memcmp(s->bytes + s->ent_off[i], id, len) == 0)
                return 0;
        }
        j = (j + 1) & (s->nslots - 1);
    }
    if (s->n == s->ent_cap) {
        size_t nc = s->ent_cap ? s->ent_cap * 2 : 4096;
        uint64_t *a = realloc(s->ent_off, nc * sizeof *a);
        if (!a)
            return FH_ENOMEM;
        s->ent_off = a;
        uint32_t *b = realloc(s->ent_len, nc * sizeof *b);
        if (!b)
            return FH_ENOMEM;
        s->ent_len = b;
        uint64_t *c = realloc(s->ent_hash, nc * sizeof *c);
        if (!c)
            return FH_ENOMEM;
        s->ent_hash = c;
        s->ent_cap = nc;
    }
    if (s->blen + len > s->bcap) {
        size_t nc = s->bcap ? s->bcap : 1u << 20;
        while (nc < s->blen + len)
            nc *= 2;
        char *nb = realloc(s->bytes, nc);
        if (!nb)
            return FH_ENOMEM;
        s->bytes = nb;
        s->bcap = nc;
    }
    memcpy(s->bytes + s->blen, id, len);
    s->ent_off[s->n] = s->blen;
    s->ent_len[s->n] = (uint32_t)len;
    s->ent_hash[s->n] = h;
    s->blen += len;
    s->slots[j] = tag | (uint64_t)(s->n + 1);
    s->n++;
    return 1;
}

/* ------------------------------------------------------------- committer */

typedef struct committer {
    pipeline *p;
    fh_index_writer *w;
    fh_build_stats *st;
    idset ids;
    uint32_t *remap;
    size_t nremap, remap_cap;
    uint32_t n_docs;
    double t0, last_progress;
    double busy; /* seconds spent committing (ids, stored documents) */
    size_t rss_at_spill;
    bool progress_shown;
    bool first_done;      /* the first document was indexed */
    char first_keys[400]; /* its keys, quoted, when it lacked a field of --fields */
} committer;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(committer *c, const batch *b, uint32_t i, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(committer *c, const batch *b, uint32_t i, const char *fmt, ...)
{
    FILE *f = c->p->o->log;
    flockfile(f); /* one line: the reader thread reports on f too */
    if (c->progress_shown) {
        fputs("\r\033[K", f);
        c->progress_shown = false;
    }
    if (b->fmt == FH_IN_DIR) {
        char name[1024]; /* a name of NAME_MAX bytes, each one \xNN */
        const char *dir = input_name(c->p, b->file);
        fprintf(f, "%s%s%s: ", dir, dir_sep(dir),
                fh_report_text(name, sizeof name, b->names[i], strlen(b->names[i])));
    } else
        fprintf(f, "%s:%" PRIu64 ": ", input_name(c->p, b->file), b->first_line + i);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    funlockfile(f);
}

static void show_progress(committer *c, bool final)
{
    pipeline *p = c->p;
    double t = now_s();
    if (!final && t - c->last_progress < 0.25)
        return;
    c->last_progress = t;
    double el = t - c->t0;
    double mb = (double)atomic_load(&p->bytes_in) / 1e6;
    uint64_t raw = atomic_load(&p->raw_done);
    char eta[48] = "";
    if (p->raw_total && raw > 0 && el > 0.5 && raw < p->raw_total) {
        double rate = (double)raw / el;
        snprintf(eta, sizeof eta, ", %3.0f%%, ETA %.0f s", 100.0 * (double)raw / (double)p->raw_total,
                 (double)(p->raw_total - raw) / rate);
    }
    fprintf(p->o->log, "\r\033[K%" PRIu64 " document%s, %.1f MB, %.1f MB/s%s", c->st->read,
            fh_plural(c->st->read), mb, el > 0 ? mb / el : 0.0, eta);
    fflush(p->o->log);
    c->progress_shown = true;
}

static int remap_push(committer *c, uint32_t v)
{
    if (c->nremap == c->remap_cap) {
        size_t nc = c->remap_cap ? c->remap_cap * 2 : 1u << 16;
        uint32_t *r = realloc(c->remap, nc * sizeof *r);
        if (!r)
            return FH_ENOMEM;
        c->remap = r;
        c->remap_cap = nc;
    }
    c->remap[c->nremap++] = v;
    return 0;
}

/* Resident set size in bytes (0 if unknown). */
static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size, res;
    size_t r = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &res) == 2)
        r = (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
    fclose(f);
    return r;
}

/* The budget is measured, not only estimated: past 90% of --mem, ask the
 * workers to spill their tables (at most once per 1/16 of the budget). */
static void watch_rss(committer *c)
{
    pipeline *p = c->p;
    size_t rss = rss_bytes();
    if (rss > p->o->mem_bytes / 10 * 9 && rss > c->rss_at_spill + p->o->mem_bytes / 16) {
        atomic_fetch_add(&p->spill_gen, 1u);
        p->rss_spills++;
        c->rss_at_spill = rss;
    } else if (rss < c->rss_at_spill) {
        c->rss_at_spill = rss;
    }
}

/* The keys of the first indexed document into c->first_keys, for the
 * warning about a --fields name no document held (warn_missing_fields):
 * only a document that lacks a field can be the first of a build that
 * warns, so no other is parsed. */
static void first_doc_keys(committer *c, const char *doc, size_t len)
{
    json_t *root = fh_json_load_doc(doc, len, NULL);
    const char *keys[64];
    size_t n = 0;
    bool more = false;
    const char *k;
    json_t *v;
    if (!root)
        return;
    json_object_foreach(root, k, v)
    {
        (void)v;
        if (n == sizeof keys / sizeof *keys) {
            more = true;
            break;
        }
        keys[n++] = k;
    }
    quote_names(c->first_keys, sizeof c->first_keys, keys, n, more);
    json_decref(root);
}

/* After every record was committed: each --fields name that no indexed
 * document held as a string is said, with the first document's keys when
 * known (a misspelled name otherwise leaves a field stored but unsearched). */
static void warn_missing_fields(const committer *c)
{
    const fh_build_opts *o = c->p->o;
    for (unsigned f = 0; f < o->fields.n; f++) {
        if (c->st->fields_held & (1u << f))
            continue;
        fprintf(o->log,
                "fahras-indexer: warning: no document has a string field \"%s\" (--fields), "
                "so it is not indexed%s%s; --fields names JSON keys, TSV header columns or a "
                "folder's title and text\n",
                o->fields.names[f], c->first_keys[0] ? "; the first document has " : "",
                c->first_keys);
    }
}

/* Whether s[0..n) holds U+FFFD (EF BF BD). */
static bool holds_fffd(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(s + i, "\xEF\xBF\xBD", 3) == 0)
            return true;
    return false;
}

static int commit_batch(committer *c, const batch *b)
{
    const fh_build_opts *o = c->p->o;
    fh_build_stats *st = c->st;
    if (b->first_ord != c->nremap)
        return FH_EINTERNAL;
    for (uint32_t i = 0; i < b->n_ord; i++) {
        const brec *br = &b->recs[i];
        uint32_t docid = FH_REMAP_NONE;
        bool problem = false;
        if (br->status != FH_REC_BLANK)
            st->read++;
        if (br->status == FH_REC_OK) {
            const char *id = b->out.data + br->id_off;
            int ins = idset_insert(&c->ids, id, br->id_len);
            if (ins < 0)
                return ins;
            if (ins == 0) {
                /* an id holds no control byte, but may hold a C1 control or
                   U+2028 (6 bytes shown for 2 or 3): whole, never cut */
                char shown[FH_ID_MAX * 3 + 1];
                /* ids that differed only in their invalid bytes (or lone
                   surrogate escapes) meet once those are replaced */
                const bool fffd = (br->repaired || br->surrogates) && holds_fffd(id, br->id_len);
                report(c, b, i, "duplicate id \"%s\": skipped, the first one is kept%s",
                       fh_report_text(shown, sizeof shown, id, br->id_len),
                       fffd ? " (this record's invalid UTF-8 or lone \\uD800-\\uDFFF escapes "
                              "were replaced by U+FFFD: ids that differed only there are one id "
                              "now; give each document a valid UTF-8 id)"
                            : "");
                st->skipped[FH_REC_DUPLICATE]++;
                st->skipped_total++;
                problem = true;
            } else {
                docid = c->n_docs;
                int rc;
                if (br->enc) {
                    rc = fh_index_writer_add_doc_encoded(c->w, docid, id, br->id_len, br->flen,
                                                         b->out.data + br->doc_off, br->doc_len);
                } else {
                    const char *doc = (br->doc_in_out ? b->out.data : b->data) + br->doc_off;
                    rc = fh_index_writer_add_doc(c->w, docid, id, br->id_len, br->flen, doc,
                                                 br->doc_len);
                }
                if (rc) {
                    char why[512], shown[FH_ID_MAX * 3 + 1];
                    fprintf(o->log, "fahras-indexer: writing document \"%s\": %s\n",
                            fh_report_text(shown, sizeof shown, id, br->id_len),
                            index_write_reason(c->p, rc, why, sizeof why));
                    return rc;
                }
                c->n_docs++;
                st->indexed++;
                st->fields_held |= br->has;
                if (!c->first_done) {
                    c->first_done = true;
                    if (br->has != (1u << o->fields.n) - 1 && !br->enc)
                        first_doc_keys(c, (br->doc_in_out ? b->out.data : b->data) + br->doc_off,
                                       br->doc_len);
                }
                if (br->repaired || br->surrogates) {
                    report(c, b, i,
                           br->repaired && br->surrogates
                               ? "invalid UTF-8 and a lone \\uD800-\\uDFFF escape replaced by "
                                 "U+FFFD (document indexed)"
                           : br->repaired
                               ? "invalid UTF-8 replaced by U+FFFD (document indexed)"
                               : "a lone \\uD800-\\uDFFF escape replaced by \\uFFFD (document "
                                 "indexed)");
                    st->warn_utf8++;
                    problem = true;
                }
                if (br->nonstr) {
                    /* room for every field: "name" and ", " each */
                    char names[FH_MAX_FIELDS * (FH_FIELD_NAME_MAX + 4) + 1] = "";
                    size_t at = 0;
                    for (unsigned f = 0; f < o->fields.n && at < sizeof names; f++)
                        if (br->nonstr & (1u << f))
                            at += (size_t)snprintf(names + at, sizeof names - at, "%s\"%s\"",
                                                   at ? ", " : "", o->fields.names[f]);
                    report(c, b, i,
                           "not a string, so not analyzed: %s (document indexed, stored "
                           "as is)",
                           names);
                    st->warn_nonstr++;
                    problem = true;
                }
                if (br->empty) {
                    report(c, b, i, "no text to analyze (document stored, found by id only)");
                    st->warn_empty++;
                    problem = true;
                }
            }
        } else if (br->status != FH_REC_BLANK) {
            report(c, b, i, "%s: skipped", b->out.data + br->msg_off);
            st->skipped[br->status]++;
            st->skipped_total++;
            problem = true;
        }
        int rc = remap_push(c, docid);
        if (rc)
            return rc;
        if (problem && o->strict) {
            fprintf(o->log, "fahras-indexer: stopped by --strict; the live index is untouched\n");
            return FH_EINPUT;
        }
    }
    return 0;
}

/* Consume batches in sequence order until the input ends or fails. */
static int commit_loop(committer *c)
{
    pipeline *p = c->p;
    int rc = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        batch *b = NULL;
        for (;;) {
            if (fh_build_interrupted) {
                rc = FH_ETIMEOUT;
                break;
            }
            if (p->next_commit < p->next_put) {
                batch *x = p->ring[p->next_commit % p->ring_cap];
                if (x->done) {
                    b = x;
                    break;
                }
            } else if (p->reader_done) {
                rc = p->reader_err;
                break;
            }
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&p->done_cv, &p->mu, &ts);
            if (p->o->progress) {
                pthread_mutex_unlock(&p->mu);
                show_progress(c, false);
                pthread_mutex_lock(&p->mu);
            }
        }
        pthread_mutex_unlock(&p->mu);
        if (!b)
            return rc;
        struct timespec c0, c1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        rc = b->err ? b->err : commit_batch(c, b);
        if (!rc && !atomic_load_explicit(&p->codec, memory_order_relaxed)) {
            const fh_doc_codec *dc = fh_index_writer_doc_codec(c->w);
            if (dc)
                atomic_store_explicit(&p->codec, dc, memory_order_release);
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        c->busy += (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
        if (b->err && !b->err_shown)
            fprintf(p->o->log, "fahras-indexer: analyzing %s: %s\n", input_name(p, b->file),
                    fh_strerror(b->err));
        pthread_mutex_lock(&p->mu);
        p->ring[p->next_commit % p->ring_cap] = NULL;
        p->next_commit++;
        pthread_cond_signal(&p->space_cv);
        pthread_mutex_unlock(&p->mu);
        batch_free(b);
        if (rc)
            return rc;
        if ((p->next_commit & 7u) == 0)
            watch_rss(c);
        if (p->o->progress)
            show_progress(c, false);
    }
}


/* ------------------------------------------------------------ merge pipe */

/* The merge (decoding runs and tables, remapping ordinals) runs on its own
 * thread and hands the posting stream to the calling thread, which owns the
 * writer, in chunks of 32-bit words:
 *   BEGIN len term-bytes (padded to words) | END
 *   ADDV docid tfs[nf] vlen vpos-bytes (padded to words): positions still
 *   encoded as in the tables and the index (fh_index_writer_term_add_vpos)
 * so decoding and the writer's encoding use both cores. */
#define PIPE_CHUNK_WORDS (1u << 20)
#define PIPE_DEPTH 4
enum { EV_BEGIN = 1, EV_ADD = 2, EV_END = 3, EV_ADDV = 4 };

typedef struct chunk {
    uint32_t *w;
    size_t n, cap;
} chunk;

typedef struct mpipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    chunk q[PIPE_DEPTH];
    size_t head, count;
    bool done;      /* producer finished (rc in prod_rc) */
    int prod_rc;
    bool stop;      /* consumer failed: producer must stop */
    chunk cur;      /* being filled by the producer */
    unsigned nf;
    /* producer arguments */
    fh_msrc **srcs;
    size_t nsrcs;
    const uint32_t *remap;
    size_t nremap;
    fh_merge_stats ms;
    double prod_cpu; /* merge thread CPU seconds */
} mpipe;

static int pipe_flush(mpipe *m)
{
    pthread_mutex_lock(&m->mu);
    while (m->count == PIPE_DEPTH && !m->stop)
        pthread_cond_wait(&m->cv, &m->mu);
    if (m->stop) {
        pthread_mutex_unlock(&m->mu);
        return FH_EINTERNAL;
    }
    m->q[(m->head + m->count) % PIPE_DEPTH] = m->cur;
    m->count++;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    memset(&m->cur, 0, sizeof m->cur);
    return 0;
}

/* Room for `words` more words in chunk c. */
static int chunk_reserve(chunk *c, size_t words)
{
    return fh_grow_u32(&c->w, &c->cap, c->n + words, PIPE_CHUNK_WORDS);
}

static int pipe_put(mpipe *m, const uint32_t *w, size_t n, const uint32_t *w2, size_t n2)
{
    chunk *c = &m->cur;
    if (chunk_reserve(c, n + n2))
        return FH_ENOMEM;
    memcpy(c->w + c->n, w, n * sizeof *w);
    c->n += n;
    if (n2) {
        memcpy(c->w + c->n, w2, n2 * sizeof *w2);
        c->n += n2;
    }
    return 0;
}

static int pipe_begin(void *ctx, const char *t, size_t len)
{
    mpipe *m = ctx;
    uint32_t hdr[2 + 128];
    size_t words = (len + 3) / 4;
    if (len > 512)
        return FH_EINVAL;
    hdr[0] = EV_BEGIN;
    hdr[1] = (uint32_t)len;
    hdr[2 + words - 1] = 0;
    memcpy(hdr + 2, t, len);
    return pipe_put(m, hdr, 2 + words, NULL, 0);
}

static int pipe_add(void *ctx, uint32_t d, const uint32_t *tfs, const uint32_t *pos, size_t n)
{
    mpipe *m = ctx;
    uint32_t hdr[2 + FH_MAX_FIELDS + 1];
    hdr[0] = EV_ADD;
    hdr[1] = d;
    memcpy(hdr + 2, tfs, m->nf * sizeof *tfs);
    hdr[2 + m->nf] = (uint32_t)n;
    return pipe_put(m, hdr, 3 + m->nf, pos, n);
}

static int pipe_addv(void *ctx, uint32_t d, const uint32_t *tfs, const uint8_t *vpos,
                     size_t vlen, size_t npos)
{
    mpipe *m = ctx;
    (void)npos;
    if (vlen > UINT32_MAX / 2)
        return FH_ELIMIT;
    chunk *c = &m->cur;
    size_t words = 3 + m->nf + (vlen + 3) / 4;
    if (chunk_reserve(c, words))
        return FH_ENOMEM;
    uint32_t *h = c->w + c->n;
    h[0] = EV_ADDV;
    h[1] = d;
    memcpy(h + 2, tfs, m->nf * sizeof *tfs);
    h[2 + m->nf] = (uint32_t)vlen;
    h[2 + m->nf + (vlen + 3) / 4] = 0; /* padding of the last word */
    memcpy(h + 3 + m->nf, vpos, vlen);
    c->n += words;
    return 0;
}

static int pipe_end(void *ctx)
{
    mpipe *m = ctx;
    uint32_t ev = EV_END;
    int rc = pipe_put(m, &ev, 1, NULL, 0);
    if (!rc && m->cur.n >= PIPE_CHUNK_WORDS)
        rc = pipe_flush(m);
    if (!rc && fh_build_interrupted)
        rc = FH_ETIMEOUT;
    return rc;
}

static void *merge_main(void *arg)
{
    mpipe *m = arg;
    fh_post_sink sink = {m, pipe_begin, pipe_add, pipe_end, pipe_addv};
    int rc = fh_merge(m->srcs, m->nsrcs, m->nf, m->remap, m->nremap, &sink, &m->ms, NULL, NULL);
    if (!rc && m->cur.n)
        rc = pipe_flush(m);
    free(m->cur.w);
    memset(&m->cur, 0, sizeof m->cur);
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    pthread_mutex_lock(&m->mu);
    m->prod_cpu = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    m->done = true;
    m->prod_rc = rc;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* Replay one chunk into the writer. */
static int replay(fh_index_writer *w, const chunk *c, unsigned nf)
{
    const uint32_t *p = c->w, *end = c->w + c->n;
    int rc = 0;
    while (p < end && !rc) {
        switch (p[0]) {
        case EV_BEGIN:
            rc = fh_index_writer_term_begin(w, (const char *)(p + 2), p[1]);
            p += 2 + (p[1] + 3) / 4;
            break;
        case EV_ADD: {
            uint32_t n = p[2 + nf];
            rc = fh_index_writer_term_add(w, p[1], p + 2, p + 3 + nf, n);
            p += 3 + nf + n;
            break;
        }
        case EV_ADDV: {
            uint32_t n = p[2 + nf];
            rc = fh_index_writer_term_add_vpos(w, p[1], p + 2, p + 3 + nf, n);
            p += 3 + nf + (n + 3) / 4;
            break;
        }
        case EV_END:
            rc = fh_index_writer_term_end(w);
            p++;
            break;
        default:
            return FH_EINTERNAL;
        }
    }
    return rc;
}

/* Merge srcs into the writer with the merge on a second thread. */
static int merge_into_writer(fh_msrc **srcs, size_t n, unsigned nf, const uint32_t *remap,
                             size_t nremap, fh_index_writer *w, fh_merge_stats *ms)
{
    mpipe M;
    memset(&M, 0, sizeof M);
    mpipe *m = &M;
    m->srcs = srcs;
    m->nsrcs = n;
    m->nf = nf;
    m->remap = remap;
    m->nremap = nremap;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    pthread_t th;
    int rc = 0;
    if (pthread_create(&th, NULL, merge_main, m) != 0) {
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
        return FH_ENOMEM;
    }
    for (;;) {
        pthread_mutex_lock(&m->mu);
        while (m->count == 0 && !m->done)
            pthread_cond_wait(&m->cv, &m->mu);
        if (m->count == 0) {
            pthread_mutex_unlock(&m->mu);
            break;
        }
        chunk c = m->q[m->head];
        m->head = (m->head + 1) % PIPE_DEPTH;
        m->count--;
        pthread_cond_broadcast(&m->cv);
        pthread_mutex_unlock(&m->mu);
        rc = replay(w, &c, nf);
        free(c.w);
        if (rc) {
            pthread_mutex_lock(&m->mu);
            m->stop = true;
            pthread_cond_broadcast(&m->cv);
            pthread_mutex_unlock(&m->mu);
            break;
        }
    }
    pthread_join(th, NULL);
    if (getenv("FAHRAS_INDEXER_TIMING"))
        fprintf(stderr, "fahras-indexer: timing: merge thread CPU %.2f s\n", m->prod_cpu);
    while (m->count) { /* left after a consumer error */
        free(m->q[m->head].w);
        m->head = (m->head + 1) % PIPE_DEPTH;
        m->count--;
    }
    if (!rc)
        rc = m->prod_rc;
    *ms = m->ms;
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    return rc;
}

/* ---------------------------------------------------------- spill dirs */

static void rm_spill_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "run-", 4) != 0)
                continue;
            size_t pl = strlen(path) + strlen(e->d_name) + 2;
            char *f = malloc(pl);
            if (f) {
                snprintf(f, pl, "%s/%s", path, e->d_name);
                unlink(f);
                free(f);
            }
        }
        closedir(d);
    }
    rmdir(path);
}

/* Remove DIR/.spill-<pid> left by dead builds: all of them when this build
 * holds DIR's build lock (fh_index_writer_dir_locked), else those whose
 * process is gone. */
static void clean_stale_spills(const char *dir, bool locked)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = fh_index_leftover_pid(e->d_name, ".spill-", '\0');
        if (pid <= 0)
            continue;
        /* this build's own directory is made later: one of its pid now is
           a dead process's that had the pid before */
        if (!locked && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue; /* alive (or not ours to judge) */
        size_t pl = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(pl);
        if (path) {
            snprintf(path, pl, "%s/%s", dir, e->d_name);
            rm_spill_dir(path);
            free(path);
        }
    }
    closedir(d);
}

/* The directories mkdir_p created, in the order it made them: each one is
 * the path's first end[i] bytes. Kept as made (not as the path's last
 * components) because a path with "." or ".." names some of them only as
 * a prefix: nd4/x/../idx makes nd4, nd4/x and nd4/idx. */
typedef struct made_dirs {
    size_t *end;
    size_t n;
} made_dirs;

/* Create dir and its missing parents, recording each one created in *made
 * (for rm_made; made->end is the caller's to free, also on failure). */
static int mkdir_p(const char *dir, made_dirs *made)
{
    size_t n = strlen(dir), parts = 1;
    for (size_t i = 0; i < n; i++)
        if (dir[i] == '/')
            parts++;
    char *tmp = strdup(dir);
    made->n = 0;
    made->end = malloc(parts * sizeof *made->end);
    if (!tmp || !made->end) {
        free(tmp);
        return FH_ENOMEM;
    }
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0755) == 0) {
                made->end[made->n++] = i;
            } else if (errno != EEXIST) {
                free(tmp);
                return FH_EIO;
            }
            tmp[i] = c;
        }
    }
    free(tmp);
    return 0;
}

/* After a build that published nothing (or a mkdir_p that failed half way):
 * remove the directories mkdir_p made for dir, deepest (last made) first,
 * those that are empty (rmdir never removes anything else: a directory the
 * user filled meanwhile stays). */
static void rm_made(const char *dir, const made_dirs *made)
{
    char *tmp = made->n ? strdup(dir) : NULL;
    if (!tmp)
        return;
    for (size_t i = made->n; i-- > 0;) {
        tmp[made->end[i]] = '\0';
        rmdir(tmp);
    }
    free(tmp);
}

/* ------------------------------------------------------------------ build */

/* The address space this process maps now (/proc/self/statm's first
 * field), in bytes; 0 when it cannot be read. No allocation (the caller is
 * out of address space): read(2) into a buffer on the stack. */
static size_t as_in_use(void)
{
    char b[64];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, b, sizeof b - 1) : -1;
    if (fd >= 0)
        close(fd);
    size_t pages = 0;
    for (ssize_t i = 0; i < n && b[i] >= '0' && b[i] <= '9'; i++)
        pages = pages * 10 + (size_t)(b[i] - '0');
    return pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* The last word of a build that ran out of memory where no message could be
 * made (a failed allocation in a worker, or of a report's own buffer): the
 * cause, the limit when there is one, and what became of the live index.
 * Written with no allocation of its own. */
static void say_nomem(FILE *log)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        fprintf(log,
                "fahras-indexer: out of memory (the address-space limit, RLIMIT_AS / ulimit -v, "
                "is %llu MiB); the build stopped, the live index is untouched\n",
                (unsigned long long)(rl.rlim_cur >> 20));
    else
        fprintf(log, "fahras-indexer: out of memory; the build stopped, the live index is "
                     "untouched\n");
}

int fh_build(const fh_build_opts *o, fh_build_stats *st)
{
    memset(st, 0, sizeof *st);
    double t0 = now_s();
    pipeline P;
    memset(&P, 0, sizeof P);
    pipeline *p = &P;
    p->o = o;
    committer C;
    memset(&C, 0, sizeof C);
    C.p = p;
    C.st = st;
    C.t0 = t0;
    fh_index_writer *w = NULL;
    fh_msrc **srcs = NULL;
    size_t nsrcs = 0;
    int rc = 0;
    bool locks = false, said_nomem = false; /* said_nomem: a message named the ENOMEM */
    size_t sl;
    made_dirs made = {NULL, 0};
    fh_analyzer_opts aopts;
    fh_index_build_info info;

    unsigned nw = o->threads ? o->threads : 1;
    p->batch_bytes = o->batch_bytes ? o->batch_bytes : DEFAULT_BATCH;
    /* The tables get 60% of the budget less what does not shrink with it:
     * the writer's write transaction (up to 64 MiB of dirty pages) and its
     * zstd training buffer, the merge pipe, the batches in flight, and each
     * analyzer thread's own (THREAD_FIXED). Threads the budget cannot hold
     * with TABLE_MIN of table each are not started: 64 threads held 2.2 GB
     * under the default 1024 MB. */
    size_t tables = o->mem_bytes / 10 * 6;
    size_t fixed;
    for (;;) {
        fixed = fixed_for_threads(nw, p->batch_bytes) + o->mem_bytes / 16;
        if (nw == 1 || fixed + (size_t)nw * TABLE_MIN <= tables)
            break;
        nw--;
    }
    if (nw < (o->threads ? o->threads : 1))
        fprintf(o->log,
                "fahras-indexer: a %zu MB budget holds %u analyzer thread%s, not %u "
                "(--mem %zu would hold them)\n",
                o->mem_bytes >> 20, nw, fh_plural(nw), o->threads,
                mem_for_threads(o->threads, p->batch_bytes) >> 20);
    tables = tables > fixed ? tables - fixed : 0;
    p->table_limit = tables / nw;
    if (p->table_limit < ((size_t)256 << 10))
        p->table_limit = (size_t)256 << 10;
    for (size_t i = 0; i < o->n_inputs; i++)
        p->raw_total += fh_input_size(o->inputs[i]);

    if (!(p->dir_shown = fh_report_dup(o->index_dir))) {
        rc = FH_ENOMEM;
        goto out;
    }
    if ((rc = mkdir_p(o->index_dir, &made)) != 0) {
        fprintf(o->log, "fahras-indexer: cannot create %s: %s\n", p->dir_shown, strerror(errno));
        goto out;
    }
    sl = strlen(o->index_dir) + 32;
    if (!(p->spill_dir = malloc(sl))) {
        rc = FH_ENOMEM;
        goto out;
    }
    snprintf(p->spill_dir, sl, "%s/.spill-%ld", o->index_dir, (long)getpid());
    sl = strlen(p->dir_shown) + 32;
    if (!(p->spill_shown = malloc(sl))) {
        rc = FH_ENOMEM;
        goto out;
    }
    snprintf(p->spill_shown, sl, "%s/.spill-%ld", p->dir_shown, (long)getpid());

    memset(&aopts, 0, sizeof aopts);
    aopts.stemmer = o->stemmer;
    aopts.no_proclitic_guard = o->no_guard;
    aopts.alt_stems = o->alt_stems;
    if ((rc = fh_analyzer_new(&aopts, &p->analyzer)) != 0) {
        fprintf(o->log, "fahras-indexer: analyzer: %s\n", fh_strerror(rc));
        goto out;
    }
    memset(&info, 0, sizeof info);
    info.analyzer_name = fh_analyzer_name(p->analyzer);
    info.analyzer_version = fh_analyzer_version(p->analyzer);
    info.n_fields = o->fields.n;
    for (unsigned f = 0; f < o->fields.n; f++) {
        info.field_names[f] = o->fields.names[f];
        info.field_weights[f] = o->weights[f];
    }
    info.map_size_hint = initial_map(&p->as_limit);
    info.grow_failed = &p->grow;
    if ((rc = fh_index_writer_open(o->index_dir, &info, &w)) != 0) {
        said_nomem = rc == FH_ENOMEM;
        if (rc == FH_EEXIST)
            fprintf(o->log,
                    "fahras-indexer: another build is running in %s; wait for it to end "
                    "(one build at a time per index directory)\n",
                    p->dir_shown);
        else if (rc == FH_ENOMEM && p->as_limit)
            fprintf(o->log,
                    "fahras-indexer: cannot start the index in %s: out of address space: its map "
                    "takes %zu MiB, the address-space limit (RLIMIT_AS, ulimit -v) is %" PRIu64
                    " MiB, %zu MiB of it in use already (libraries, threads, buffers)\n",
                    p->dir_shown, info.map_size_hint >> 20, p->as_limit >> 20, as_in_use() >> 20);
        else if (rc == FH_ENOMEM)
            fprintf(o->log,
                    "fahras-indexer: cannot start the index in %s: out of memory or address "
                    "space: its map takes %zu MiB of address space\n",
                    p->dir_shown, info.map_size_hint >> 20);
        else
            fprintf(o->log, "fahras-indexer: cannot start the index in %s: %s\n", p->dir_shown,
                    rc_reason(rc));
        goto out;
    }
    C.w = w;
    /* the build lock held, no other build runs here: every .spill-* is a
       dead build's, whatever its pid */
    clean_stale_spills(o->index_dir, fh_index_writer_dir_locked(w));

    /* Deep enough that the analyzers keep going while the writer trains its
     * zstd dictionary at the start (~0.5 s), within 1/16 of the budget. */
    p->ring_cap = (size_t)nw * 3 + 2;
    while (p->ring_cap < 48 && (p->ring_cap + 1) * p->batch_bytes * 2 <= o->mem_bytes / 16)
        p->ring_cap++;
    p->ring = calloc(p->ring_cap, sizeof *p->ring);
    p->hdrs = calloc(o->n_inputs ? o->n_inputs : 1, sizeof *p->hdrs);
    p->shown = calloc(o->n_inputs ? o->n_inputs : 1, sizeof *p->shown);
    for (size_t i = 0; p->shown && i < o->n_inputs; i++) {
        const char *n = strcmp(o->inputs[i], "-") == 0 ? "<stdin>" : o->inputs[i];
        size_t len = strlen(n), cap = len * 4 + 4; /* each byte \xNN at most */
        if (!(p->shown[i] = malloc(cap))) {
            rc = FH_ENOMEM;
            goto out;
        }
        fh_report_text(p->shown[i], cap, n, len);
    }
    p->workers = calloc(nw, sizeof *p->workers);
    if (!p->ring || !p->hdrs || !p->shown || !p->workers) {
        rc = FH_ENOMEM;
        goto out;
    }
    p->nworkers = nw;
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->spill_mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    pthread_cond_init(&p->space_cv, NULL);
    locks = true;
    for (unsigned i = 0; i < nw; i++) {
        worker *wk = &p->workers[i];
        wk->p = p;
        wk->idx = i;
        if ((rc = fh_ttab_new(o->fields.n, &wk->tab)) || (rc = fh_analysis_new(p->analyzer, &wk->an)) ||
            (rc = fh_recparser_new(&o->fields, o->max_doc_bytes, &wk->rp)))
            goto out;
    }
    if (pthread_create(&p->reader, NULL, reader_main, p) != 0) {
        rc = FH_ENOMEM;
        goto out;
    }
    p->reader_started = true;
    for (unsigned i = 0; i < nw; i++) {
        if (pthread_create(&p->workers[i].th, NULL, worker_main, &p->workers[i]) != 0) {
            rc = FH_ENOMEM;
            goto out;
        }
        p->workers[i].started = true;
    }

    rc = commit_loop(&C);
    st->analyze_s = now_s() - t0;
    st->commit_busy_s = C.busy;

out:
    if (locks) {
        pthread_mutex_lock(&p->mu);
        if (rc)
            p->abort = true;
        if (rc)
            atomic_store(&p->cancel, true);
        pthread_cond_broadcast(&p->work_cv);
        pthread_cond_broadcast(&p->space_cv);
        pthread_mutex_unlock(&p->mu);
    }
    if (p->reader_started)
        pthread_join(p->reader, NULL);
    for (unsigned i = 0; p->workers && i < p->nworkers; i++) {
        if (p->workers[i].started)
            pthread_join(p->workers[i].th, NULL);
        if (!rc && p->workers[i].err)
            rc = p->workers[i].err;
    }
    if (getenv("FAHRAS_INDEXER_TIMING"))
        for (unsigned i = 0; p->workers && i < p->nworkers; i++)
            fprintf(o->log, "fahras-indexer: timing: worker %u CPU %.2f s, waited %.2f s\n", i,
                    p->workers[i].cpu_s, p->workers[i].wait_s);
    if (C.progress_shown) {
        show_progress(&C, true);
        fputc('\n', o->log);
    }
    /* batches left in the ring after an abort */
    for (size_t i = 0; p->ring && i < p->ring_cap; i++)
        batch_free(p->ring[i]);

    if (!rc && st->indexed == 0) {
        fprintf(o->log, "fahras-indexer: nothing indexed; the live index is untouched\n");
        rc = FH_EINPUT;
    }
    if (!rc)
        warn_missing_fields(&C);
    if (!rc) {
        double tm = now_s(), cm = thread_cpu();
        size_t nruns = 0;
        for (unsigned i = 0; i < p->nworkers; i++)
            nruns += p->workers[i].nruns;
        nsrcs = nruns + p->nworkers;
        /* the runs' read buffers share an eighth of the budget, 64 KiB to
           1 MiB each (fh_msrc_run opens a run only while it refills one) */
        size_t run_buf = nruns ? o->mem_bytes / 8 / nruns : 0;
        run_buf = run_buf > ((size_t)1 << 20) ? (size_t)1 << 20 : run_buf;
        srcs = calloc(nsrcs, sizeof *srcs);
        size_t k = 0;
        if (!srcs)
            rc = FH_ENOMEM;
        for (unsigned i = 0; !rc && i < p->nworkers; i++) {
            worker *wk = &p->workers[i];
            for (size_t r = 0; !rc && r < wk->nruns; r++) {
                rc = fh_msrc_run(wk->runs[r], run_buf, &srcs[k++]);
                if (rc)
                    fprintf(o->log, "fahras-indexer: cannot read spill run %s%s: %s\n",
                            p->spill_shown, strrchr(wk->runs[r], '/'),
                            rc == FH_EIO ? strerror(errno) : fh_strerror(rc));
            }
            if (!rc && (rc = fh_msrc_table(wk->tab, &srcs[k++])) != 0)
                fprintf(o->log, "fahras-indexer: cannot merge: %s\n", fh_strerror(rc));
        }
        char why[512]; /* write_reason()'s message */
        if (!rc && o->progress) {
            fprintf(o->log, "merging %zu sorted %s into the index...", nsrcs,
                    nsrcs == 1 ? "table" : "tables and runs");
            fflush(o->log);
        }
        if (!rc) {
            fh_merge_stats ms = {0, 0, 0};
            rc = merge_into_writer(srcs, nsrcs, o->fields.n, C.remap, C.nremap, w, &ms);
            st->terms = ms.n_terms;
            st->postings = ms.n_postings;
            st->positions = ms.n_positions;
            if (rc && rc != FH_ETIMEOUT)
                fprintf(o->log, "fahras-indexer: merging postings: %s\n",
                        index_write_reason(p, rc, why, sizeof why));
        }
        if (!rc) {
            double tc = now_s();
            rc = fh_index_writer_commit(w);
            w = NULL;
            if (getenv("FAHRAS_INDEXER_TIMING"))
                fprintf(o->log, "fahras-indexer: timing: commit (tail, sync, publish) %.2f s\n",
                        now_s() - tc);
            if (rc)
                fprintf(o->log, "fahras-indexer: publishing the index: %s\n",
                        index_write_reason(p, rc, why, sizeof why));
            else
                st->published = true;
        }
        st->merge_s = now_s() - tm;
        if (o->progress)
            fprintf(o->log, "\r\033[K");
        if (getenv("FAHRAS_INDEXER_TIMING"))
            fprintf(o->log, "fahras-indexer: timing: writer thread CPU in merge+commit %.2f s\n",
                    thread_cpu() - cm);
    }
    if (rc == FH_ETIMEOUT)
        fprintf(o->log, "fahras-indexer: interrupted; the live index is untouched\n");
    if (rc == FH_ENOMEM && !said_nomem)
        say_nomem(o->log);
    if (w)
        fh_index_writer_abort(w);
    for (size_t i = 0; srcs && i < nsrcs; i++)
        fh_msrc_free(srcs[i]);
    free(srcs);
    for (unsigned i = 0; p->workers && i < p->nworkers; i++) {
        worker *wk = &p->workers[i];
        st->spills += wk->nruns; /* published or not */
        for (size_t r = 0; r < wk->nruns; r++) {
            unlink(wk->runs[r]);
            free(wk->runs[r]);
        }
        free(wk->runs);
        fh_ttab_free(wk->tab);
        fh_analysis_free(wk->an);
        free(wk->alt);
        fh_recparser_free(wk->rp);
    }
    if (p->spill_dir_made)
        rm_spill_dir(p->spill_dir);
    free(p->spill_dir);
    free(p->spill_shown);
    free(p->dir_shown);
    for (size_t i = 0; p->hdrs && i < o->n_inputs; i++)
        fh_tsv_header_free(p->hdrs[i]);
    free(p->hdrs);
    for (size_t i = 0; p->shown && i < o->n_inputs; i++)
        free(p->shown[i]);
    free(p->shown);
    free(p->workers);
    free(p->ring);
    if (locks) {
        pthread_mutex_destroy(&p->mu);
        pthread_mutex_destroy(&p->spill_mu);
        pthread_cond_destroy(&p->work_cv);
        pthread_cond_destroy(&p->done_cv);
        pthread_cond_destroy(&p->space_cv);
    }
    fh_analyzer_free(p->analyzer);
    idset_free(&C.ids);
    free(C.remap);
    if (!st->published)
        rm_made(o->index_dir, &made); /* a failed first build leaves no empty DIR */
    free(made.end);

    st->bytes_in = atomic_load(&p->bytes_in);
    st->wall_s = now_s() - t0;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        st->peak_rss_kb = ru.ru_maxrss;
    if (st->published) {
        size_t pl = strlen(o->index_dir) + sizeof FH_INDEX_FILE + 2;
        char *ip = malloc(pl);
        struct stat sb;
        if (ip) {
            snprintf(ip, pl, "%s/%s", o->index_dir, FH_INDEX_FILE);
            if (stat(ip, &sb) == 0)
                st->index_bytes = (uint64_t)sb.st_size;
            free(ip);
        }
    }
    return rc;
}

void fh_build_print_summary(FILE *f, const fh_build_opts *o, const fh_build_stats *st)
{
    fprintf(f,
            "fahras-indexer: %" PRIu64 " document%s read: %" PRIu64 " %s, %" PRIu64
            " skipped (malformed %" PRIu64 ", missing or bad id %" PRIu64 ", duplicate id %" PRIu64
            ", oversized %" PRIu64 ", unreadable %" PRIu64
            "); warnings: invalid UTF-8 repaired %" PRIu64 ", empty %" PRIu64
            ", field not a string %" PRIu64 "\n",
            st->read, fh_plural(st->read), st->indexed,
            st->published ? "indexed" : "analyzed (not published)", st->skipped_total,
            st->skipped[FH_REC_MALFORMED], st->skipped[FH_REC_NOID], st->skipped[FH_REC_DUPLICATE],
            st->skipped[FH_REC_OVERSIZED], st->skipped[FH_REC_UNREADABLE], st->warn_utf8,
            st->warn_empty, st->warn_nonstr);
    double w = st->wall_s > 0 ? st->wall_s : 1e-9;
    fprintf(f,
            "fahras-indexer: %" PRIu64 " distinct term%s, %" PRIu64 " posting%s, %" PRIu64
            " position%s; index %.1f MB%s; input %.1f MB in %.2f s (%.0f docs/s, %.1f MB/s; merge "
            "%.2f s); %" PRIu64 " spilled run%s; peak RSS %.0f MB of a %.0f MB budget\n",
            st->terms, fh_plural(st->terms), st->postings, fh_plural(st->postings), st->positions,
            fh_plural(st->positions), (double)st->index_bytes / 1e6,
            st->published ? "" : " (not published)", (double)st->bytes_in / 1e6, st->wall_s,
            (double)st->indexed / w, (double)st->bytes_in / 1e6 / w, st->merge_s, st->spills,
            fh_plural(st->spills), (double)st->peak_rss_kb / 1024.0,
            (double)o->mem_bytes / 1048576.0);
    if (getenv("FAHRAS_INDEXER_TIMING"))
        fprintf(f, "fahras-indexer: timing: analysis %.2f s (committer CPU %.2f s), merge+write %.2f s\n",
                st->analyze_s, st->commit_busy_s, st->merge_s);
}
