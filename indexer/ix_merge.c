/* ix_merge.c — heap merge of sorted runs and tables (see ix_merge.h).
 * Reads run files through its own buffer (a term's postings are handed out
 * contiguously, so the buffer grows to the largest posting list of a run);
 * never trusts a run: every length and varint is bounds-checked. */
#include "ix_merge.h"
#include "ix_varint.h"

#include "fahras/err.h"
#include "fahras/grow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fh_msrc {
    /* current term */
    const char *term;
    size_t len;
    const uint8_t *post;
    size_t nbytes;
    bool done;
    /* table source */
    fh_ttab *tab;
    size_t next_i;
    uint8_t *scratch;
    size_t scratch_cap;
    /* run source: the file is opened for each refill only, so a merge of
       any number of runs holds one descriptor at a time */
    char *path;
    uint64_t off; /* of the next byte to read */
    uint8_t *buf;
    size_t cap, pos, fill;
    bool eof;
    /* posting decoder state during a merge */
    const uint8_t *dp, *dend;
    uint32_t prev, ord;
    uint32_t tfs[8];
    uint32_t *pv;
    size_t npv, pv_cap;
    const uint32_t *remap; /* set by fh_merge: for prefetching */
    size_t n_remap;
    bool raw_pos;          /* positions left encoded: vp, vlen (npv varints) */
    const uint8_t *vp;
    size_t vlen;
};

int fh_msrc_table(fh_ttab *t, fh_msrc **out)
{
    fh_msrc *s = calloc(1, sizeof *s);
    if (!s)
        return FH_ENOMEM;
    s->tab = t;
    *out = s;
    return 0;
}

/* Read up to n bytes of the run at s->off into dst; returns the count (0 at
 * its end) or -1 with errno set. */
static ssize_t read_at(fh_msrc *s, uint8_t *dst, size_t n)
{
    int fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, dst + got, n - got, (off_t)(s->off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    s->off += got;
    return (ssize_t)got;
}

int fh_msrc_run(const char *path, size_t buf_bytes, fh_msrc **out)
{
    fh_msrc *s = calloc(1, sizeof *s);
    if (!s)
        return FH_ENOMEM;
    s->cap = buf_bytes < FH_RUN_BUF_MIN ? FH_RUN_BUF_MIN : buf_bytes;
    s->path = strdup(path);
    s->buf = malloc(s->cap);
    uint8_t magic[8];
    ssize_t k = s->path && s->buf ? read_at(s, magic, 8) : 0;
    if (!s->path || !s->buf || k != 8 || memcmp(magic, FH_RUN_MAGIC, 8)) {
        int e = errno;
        int rc = !s->path || !s->buf ? FH_ENOMEM : k < 0 ? FH_EIO : FH_ECORRUPT;
        fh_msrc_free(s);
        errno = e;
        return rc;
    }
    *out = s;
    return 0;
}

void fh_msrc_free(fh_msrc *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->buf);
    free(s->scratch);
    free(s->pv);
    free(s);
}

/* Make at least n bytes available at buf+pos (fewer only at end of file). */
static int need(fh_msrc *s, size_t n)
{
    if (s->fill - s->pos >= n || s->eof)
        return 0;
    memmove(s->buf, s->buf + s->pos, s->fill - s->pos);
    s->fill -= s->pos;
    s->pos = 0;
    if (n > s->cap) {
        size_t nc = s->cap;
        while (nc < n)
            nc *= 2;
        uint8_t *p = realloc(s->buf, nc);
        if (!p)
            return FH_ENOMEM;
        s->buf = p;
        s->cap = nc;
    }
    while (s->fill < n && !s->eof) {
        ssize_t k = read_at(s, s->buf + s->fill, s->cap - s->fill);
        if (k < 0)
            return FH_EIO;
        if (k == 0)
            s->eof = true;
        s->fill += (size_t)k;
    }
    return 0;
}

static int run_varint(fh_msrc *s, uint32_t *v)
{
    int rc = need(s, FH_VARINT_MAX);
    if (rc)
        return rc;
    const uint8_t *p = s->buf + s->pos;
    if (fh_varint_get(&p, s->buf + s->fill, v))
        return FH_ECORRUPT;
    s->pos = (size_t)(p - s->buf);
    return 0;
}

/* Advance to the next term; sets s->done at the end. */
static int src_next(fh_msrc *s)
{
    if (s->tab) {
        if (s->next_i >= fh_ttab_nterms(s->tab)) {
            s->done = true;
            return 0;
        }
        return fh_ttab_sorted_term(s->tab, s->next_i++, &s->term, &s->len, &s->post,
                                   &s->nbytes, &s->scratch, &s->scratch_cap);
    }
    uint32_t len, nb;
    int rc = run_varint(s, &len);
    if (rc)
        return rc;
    if (len == 0) {
        s->done = true;
        return 0;
    }
    if (len > 65535u)
        return FH_ECORRUPT;
    if ((rc = need(s, len + FH_VARINT_MAX)) != 0)
        return rc;
    if (s->fill - s->pos < len)
        return FH_ECORRUPT;
    size_t term_off = s->pos;
    s->pos += len;
    if ((rc = run_varint(s, &nb)) != 0)
        return rc;
    /* keep the term and the postings contiguous: re-request from term_off */
    size_t post_rel = s->pos - term_off;
    s->pos = term_off;
    if ((rc = need(s, post_rel + nb)) != 0)
        return rc;
    if (s->fill - s->pos < post_rel + nb)
        return FH_ECORRUPT;
    s->term = (const char *)s->buf + s->pos;
    s->len = len;
    s->post = s->buf + s->pos + post_rel;
    s->nbytes = nb;
    s->pos += post_rel + nb;
    return 0;
}

static int term_cmp(const fh_msrc *a, const fh_msrc *b)
{
    size_t m = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->term, b->term, m);
    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

/* heap of sources by current term */
static bool heap_less(fh_msrc *const *h, size_t i, size_t j)
{
    int c = term_cmp(h[i], h[j]);
    return c < 0 || (c == 0 && h[i] < h[j]);
}

static void heap_down(fh_msrc **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && heap_less(h, l, m))
            m = l;
        if (l + 1 < n && heap_less(h, l + 1, m))
            m = l + 1;
        if (m == i)
            return;
        fh_msrc *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_up(fh_msrc **h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(h, i, p))
            return;
        fh_msrc *t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

/* Peek at the next posting's ordinal and prefetch its remap entry: the
 * lookup is a cache miss for rare terms, hidden behind this posting's trip to
 * the sink. */
static inline void peek_next(const fh_msrc *s)
{
    if (s->dp < s->dend) {
        const uint8_t *q = s->dp;
        uint32_t nd;
        if (!fh_varint_get(&q, s->dend, &nd) && nd && (size_t)s->prev + nd - 1u < s->n_remap)
            __builtin_prefetch(&s->remap[s->prev + nd - 1u]);
    }
}

/* Decode the next posting of s; 1 = decoded, 0 = list exhausted, <0 error. */
static int dec_next(fh_msrc *s, unsigned nf)
{
    if (s->dp >= s->dend)
        return 0;
    uint32_t d, total = 0;
    if (fh_varint_get(&s->dp, s->dend, &d) || d == 0 || d > UINT32_MAX - s->prev)
        return FH_ECORRUPT;
    s->prev += d;
    s->ord = s->prev - 1u;
    for (unsigned f = 0; f < nf; f++) {
        if (fh_varint_get(&s->dp, s->dend, &s->tfs[f]))
            return FH_ECORRUPT;
        if (s->tfs[f] > (uint32_t)(s->dend - s->dp) || total + s->tfs[f] < total)
            return FH_ECORRUPT; /* each position takes at least a byte */
        total += s->tfs[f];
    }
    if (total == 0)
        return FH_ECORRUPT;
    if (s->raw_pos) {
        /* count `total` varint terminators without decoding; each varint at
         * most 5 bytes, the 5th at most 0x0F (32 bits) */
        const uint8_t *p = s->dp, *e = s->dend;
        for (uint32_t q = 0; q < total; q++) {
            const uint8_t *v0 = p;
            while (p < e && *p >= 0x80u)
                p++;
            if (p >= e || p - v0 > 4 || (p - v0 == 4 && *p > 0x0Fu))
                return FH_ECORRUPT;
            p++;
        }
        s->vp = s->dp;
        s->vlen = (size_t)(p - s->dp);
        s->dp = p;
        s->npv = total;
        peek_next(s);
        return 1;
    }
    if (fh_grow_u32(&s->pv, &s->pv_cap, total, 256))
        return FH_ENOMEM;
    size_t k = 0;
    for (unsigned f = 0; f < nf; f++) {
        uint32_t prev = 0;
        for (uint32_t q = 0; q < s->tfs[f]; q++) {
            uint32_t v;
            if (fh_varint_get(&s->dp, s->dend, &v))
                return FH_ECORRUPT;
            if (q) {
                if (v > UINT32_MAX - prev)
                    return FH_ECORRUPT;
                v += prev;
            }
            s->pv[k++] = prev = v;
        }
    }
    s->npv = k;
    peek_next(s);
    return 1;
}

int fh_merge(fh_msrc **srcs, size_t n, unsigned n_fields, const uint32_t *remap, size_t n_remap,
             const fh_post_sink *sink, fh_merge_stats *st,
             void (*progress)(void *ctx, uint64_t terms), void *progress_ctx)
{
    fh_merge_stats z = {0};
    if (!st)
        st = &z;
    memset(st, 0, sizeof *st);
    if (n_fields == 0 || n_fields > 8)
        return FH_EINVAL;
    int rc = 0;
    size_t nh = 0;
    uint64_t since = 0;
    fh_msrc **heap = malloc((n ? n : 1) * sizeof *heap);
    fh_msrc **act = malloc((n ? n : 1) * sizeof *act);
    fh_msrc **inv = malloc((n ? n : 1) * sizeof *inv);
    if (!heap || !act || !inv) {
        rc = FH_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        srcs[i]->remap = remap;
        srcs[i]->n_remap = n_remap;
        srcs[i]->raw_pos = sink->term_add_vpos != NULL;
        if ((rc = src_next(srcs[i])) != 0)
            goto out;
        if (!srcs[i]->done) {
            heap[nh] = srcs[i];
            heap_up(heap, nh++);
        }
    }
    while (nh) {
        size_t na = 0;
        act[na++] = heap[0];
        heap[0] = heap[--nh];
        heap_down(heap, nh, 0);
        while (nh && term_cmp(heap[0], act[0]) == 0) {
            act[na++] = heap[0];
            heap[0] = heap[--nh];
            heap_down(heap, nh, 0);
        }
        size_t live = 0;
        memcpy(inv, act, na * sizeof *inv);
        for (size_t i = 0; i < na; i++) {
            fh_msrc *s = act[i];
            s->dp = s->post;
            s->dend = s->post + s->nbytes;
            s->prev = 0;
            int r = dec_next(s, n_fields);
            if (r < 0) {
                rc = r;
                goto out;
            }
            if (r == 1)
                act[live++] = s;
        }
        bool begun = false;
        const char *term = act[0]->term;
        size_t tlen = act[0]->len;
        while (live) {
            size_t m = 0;
            if (live > 1) {
                for (size_t i = 1; i < live; i++)
                    if (act[i]->ord < act[m]->ord)
                        m = i;
            }
            fh_msrc *s = act[m];
            if (s->ord >= n_remap) {
                rc = FH_ECORRUPT;
                goto out;
            }
            uint32_t docid = remap[s->ord];
            if (docid != FH_REMAP_NONE) {
                if (!begun) {
                    if ((rc = sink->term_begin(sink->ctx, term, tlen)) != 0)
                        goto out;
                    begun = true;
                }
                if (s->raw_pos)
                    rc = sink->term_add_vpos(sink->ctx, docid, s->tfs, s->vp, s->vlen, s->npv);
                else
                    rc = sink->term_add(sink->ctx, docid, s->tfs, s->pv, s->npv);
                if (rc != 0)
                    goto out;
                st->n_postings++;
                st->n_positions += s->npv;
            }
            int r = dec_next(s, n_fields);
            if (r < 0) {
                rc = r;
                goto out;
            }
            if (r == 0)
                act[m] = act[--live];
        }
        if (begun) {
            if ((rc = sink->term_end(sink->ctx)) != 0)
                goto out;
            st->n_terms++;
            if (progress && ++since == 65536) {
                since = 0;
                progress(progress_ctx, st->n_terms);
            }
        }
        /* advance every source that held this term */
        for (size_t i = 0; i < na; i++) {
            fh_msrc *s = inv[i];
            if ((rc = src_next(s)) != 0)
                goto out;
            if (!s->done) {
                heap[nh] = s;
                heap_up(heap, nh++);
            }
        }
    }
out:
    free(heap);
    free(act);
    free(inv);
    return rc;
}
