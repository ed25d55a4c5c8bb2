/* ix_table.c — per-thread term -> postings hash table (see ix_table.h).
 * Hot path: fh_ttab_add() hashes the term once and appends two integers to
 * the document's token arrays; fh_ttab_doc_end() groups the document's tokens
 * by term with a counting pass (no sort) and encodes one posting per term. */
#include "ix_table.h"
#include "ix_varint.h"

#include "fahras/bigmem.h"
#include "fahras/err.h"
#include "fahras/grow.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* short keys: let the compiler inline XXH3 */
#include <xxhash.h>

#define PAGE_SIZE (2u << 20) /* one huge page (fh_big_calloc) */
#define NLEVELS 9u
static const uint32_t slice_size[NLEVELS] = {32, 64, 128, 256, 512, 1024, 2048, 4096, 8192};
#define LINK ((uint32_t)sizeof(uint8_t *)) /* bytes at the end of a slice: next pointer */

typedef struct tterm {
    uint64_t hash;
    uint8_t *head;     /* first slice; the term bytes sit just before it */
    uint8_t *wp;       /* write position in the last slice */
    uint32_t nbytes;   /* posting bytes */
    uint32_t last_ord; /* ord + 1 of the last posting written, 0 if none */
    uint32_t cur_ord;  /* ord + 1 of the document being accumulated */
    uint32_t cur_cnt;  /* its tokens of this term, then the scatter fill */
    uint32_t cur_off;  /* start of its tokens in the scatter array */
    uint16_t len;
    uint16_t room;     /* bytes left in the last slice (before its link) */
    char pre[16];      /* first 16 term bytes, zero padded: most terms compare here */
} tterm;               /* 64 bytes, one cache line */

_Static_assert(sizeof(tterm) == 64, "a term entry is one cache line");
#define TERM(e) ((const char *)(e)->head - (e)->len)

typedef struct sort_ent {
    uint64_t key; /* first 8 term bytes, big-endian, zero padded */
    uint32_t idx;
} sort_ent;

struct fh_ttab {
    unsigned n_fields;
    /* arena */
    uint8_t **pages;
    size_t npages, pages_cap, page_cur, page_off;
    /* terms */
    tterm *ents;
    uint32_t nents, ents_cap;
    uint64_t *slots; /* (hash >> 32) << 32 | (index + 1); 0 = empty */
    size_t nslots;   /* power of two */
    /* the document being accumulated */
    uint32_t cur;       /* ord + 1 */
    uint32_t doc_nents; /* nents at its begin: later entries are its new terms */
    uint32_t *tok_e, *tok_fp, *touched, *sc;
    size_t ntok, tok_cap, ntouched, touched_cap, sc_cap;
    uint8_t *enc;
    size_t enc_cap;
    /* sorted order */
    sort_ent *sorted;
};

static void *arena_alloc(fh_ttab *t, size_t n)
{
    if (t->npages && t->page_off + n <= PAGE_SIZE) {
        void *p = t->pages[t->page_cur] + t->page_off;
        t->page_off += n;
        return p;
    }
    if (t->npages && t->page_cur + 1 < t->npages) { /* reuse a page kept by a reset */
        t->page_cur++;
        t->page_off = n;
        return t->pages[t->page_cur];
    }
    if (t->npages == t->pages_cap) {
        size_t nc = t->pages_cap ? t->pages_cap * 2 : 16;
        uint8_t **np = realloc(t->pages, nc * sizeof *np);
        if (!np)
            return NULL;
        t->pages = np;
        t->pages_cap = nc;
    }
    uint8_t *pg = fh_big_calloc(PAGE_SIZE);
    if (!pg)
        return NULL;
    t->pages[t->npages] = pg;
    t->page_cur = t->npages++;
    t->page_off = n;
    return pg;
}

int fh_ttab_new(unsigned n_fields, fh_ttab **out)
{
    if (n_fields == 0 || n_fields > 8)
        return FH_EINVAL;
    fh_ttab *t = calloc(1, sizeof *t);
    if (!t)
        return FH_ENOMEM;
    t->n_fields = n_fields;
    t->nslots = 1u << 12;
    t->slots = fh_big_calloc(t->nslots * sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return FH_ENOMEM;
    }
    *out = t;
    return 0;
}

void fh_ttab_free(fh_ttab *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->npages; i++)
        fh_big_free(t->pages[i], PAGE_SIZE);
    free(t->pages);
    fh_big_free(t->ents, (size_t)t->ents_cap * sizeof *t->ents);
    fh_big_free(t->slots, t->nslots * sizeof *t->slots);
    free(t->tok_e);
    free(t->tok_fp);
    free(t->touched);
    free(t->sc);
    free(t->enc);
    free(t->sorted);
    free(t);
}

size_t fh_ttab_mem(const fh_ttab *t)
{
    size_t arena = t->npages ? t->page_cur * (size_t)PAGE_SIZE + t->page_off : 0;
    return arena + (size_t)t->nents * sizeof(tterm) +
           t->nslots * sizeof(uint64_t) + t->tok_cap * 8u + t->touched_cap * 4u +
           t->sc_cap * 4u + t->enc_cap;
}

size_t fh_ttab_nterms(const fh_ttab *t)
{
    return t->nents;
}

/* The per-document token arrays start at this many entries. */
#define TOK_FIRST 1024u

static int grow_u32(uint32_t **a, size_t *cap, size_t need)
{
    return fh_grow_u32(a, cap, need, TOK_FIRST);
}

int fh_ttab_doc_begin(fh_ttab *t, uint32_t ord)
{
    if (ord == UINT32_MAX || ord + 1u <= t->cur)
        return FH_EINVAL; /* ordinals must increase */
    t->cur = ord + 1u;
    t->ntok = 0;
    t->ntouched = 0;
    t->doc_nents = t->nents;
    return 0;
}

/* Place entries [0, nents) into the ns zeroed slots s. */
static void fill_slots(const fh_ttab *t, uint64_t *s, size_t ns)
{
    size_t mask = ns - 1;
    for (uint32_t i = 0; i < t->nents; i++) {
        uint64_t h = t->ents[i].hash;
        size_t j = (size_t)h & mask;
        while (s[j])
            j = (j + 1) & mask;
        s[j] = (h & 0xFFFFFFFF00000000ull) | (uint64_t)(i + 1u);
    }
}

static int rehash(fh_ttab *t)
{
    size_t ns = t->nslots * 2;
    uint64_t *s = fh_big_calloc(ns * sizeof *s);
    if (!s)
        return FH_ENOMEM;
    fill_slots(t, s, ns);
    fh_big_free(t->slots, t->nslots * sizeof *t->slots);
    t->slots = s;
    t->nslots = ns;
    return 0;
}

void fh_ttab_doc_abort(fh_ttab *t)
{
    for (size_t k = 0; k < t->ntouched; k++)
        t->ents[t->touched[k]].cur_cnt = 0;
    t->ntok = 0;
    t->ntouched = 0;
    if (t->nents == t->doc_nents)
        return;
    /* its new terms hold no posting: drop them (a spill would write them
       as empty lists). Rare, so the slots are simply refilled; their term
       bytes stay in the arena until the next reset. */
    t->nents = t->doc_nents;
    memset(t->slots, 0, t->nslots * sizeof *t->slots);
    fill_slots(t, t->slots, t->nslots);
}

static inline uint64_t ld64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t ld32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The first n = min(len, 16) bytes equal? Two overlapping word compares (the
 * first and last 8 or 4 bytes of the n) instead of a byte loop; only bytes
 * below n are read on either side. */
static inline bool same_prefix(const char *pre, const char *term, size_t len)
{
    size_t n = len < 16 ? len : 16;
    if (n >= 8)
        return ld64(pre) == ld64(term) && ld64(pre + n - 8) == ld64(term + n - 8);
    if (n >= 4)
        return ld32(pre) == ld32(term) && ld32(pre + n - 4) == ld32(term + n - 4);
    for (size_t i = 0; i < n; i++)
        if (pre[i] != term[i])
            return false;
    return true;
}

/* Index of `term` (hash h), inserted if new; UINT32_MAX on allocation failure. */
static uint32_t lookup(fh_ttab *t, const char *term, size_t len, uint64_t h)
{
    uint64_t tag = h & 0xFFFFFFFF00000000ull;
    size_t mask = t->nslots - 1;
    size_t j = (size_t)h & mask;
    for (;;) {
        uint64_t s = t->slots[j];
        if (!s)
            break;
        if ((s & 0xFFFFFFFF00000000ull) == tag) {
            uint32_t i = (uint32_t)s - 1u;
            const tterm *e = &t->ents[i];
            if (e->hash == h && e->len == len && same_prefix(e->pre, term, len) &&
                (len <= 16 || memcmp(TERM(e) + 16, term + 16, len - 16) == 0))
                return i;
        }
        j = (j + 1) & mask;
    }
    /* insert */
    if (t->nents == t->ents_cap) {
        uint32_t nc = t->ents_cap ? t->ents_cap * 2 : 4096;
        tterm *ne = fh_big_realloc(t->ents, (size_t)t->ents_cap * sizeof *ne,
                                   (size_t)nc * sizeof *ne);
        if (!ne)
            return UINT32_MAX;
        t->ents = ne;
        t->ents_cap = nc;
    }
    /* the term bytes, then the first posting slice, in one allocation */
    uint8_t *copy = arena_alloc(t, len + slice_size[0]);
    if (!copy)
        return UINT32_MAX;
    memcpy(copy, term, len);
    uint32_t i = t->nents++;
    tterm *e = &t->ents[i];
    memset(e, 0, sizeof *e);
    e->hash = h;
    e->len = (uint16_t)len;
    e->head = e->wp = copy + len;
    e->room = (uint16_t)(slice_size[0] - LINK);
    memcpy(e->pre, term, len < 16 ? len : 16);
    t->slots[j] = tag | (uint64_t)(i + 1u);
    if ((size_t)t->nents * 2 > t->nslots && rehash(t) != 0)
        return UINT32_MAX;
    return i;
}

static int add_found(fh_ttab *t, uint32_t i, unsigned field, uint32_t pos);

int fh_ttab_add(fh_ttab *t, unsigned field, const char *term, size_t len, uint32_t pos)
{
    if (len == 0 || len > UINT16_MAX || field >= t->n_fields)
        return FH_EINVAL;
    if (pos > FH_POS_MAX)
        return FH_ELIMIT;
    uint32_t i = lookup(t, term, len, XXH3_64bits(term, len));
    if (i == UINT32_MAX)
        return FH_ENOMEM;
    return add_found(t, i, field, pos);
}

/* Record one token of the current document whose term is entry i. */
static int add_found(fh_ttab *t, uint32_t i, unsigned field, uint32_t pos)
{
    if (t->ntok == t->tok_cap) {
        size_t c = t->tok_cap;
        if (grow_u32(&t->tok_e, &c, t->ntok + 1) || grow_u32(&t->tok_fp, &t->tok_cap, t->ntok + 1))
            return FH_ENOMEM;
    }
    tterm *e = &t->ents[i];
    if (e->cur_ord != t->cur) {
        if (t->ntouched == t->touched_cap &&
            grow_u32(&t->touched, &t->touched_cap, t->ntouched + 1))
            return FH_ENOMEM;
        e->cur_ord = t->cur;
        e->cur_cnt = 0;
        t->touched[t->ntouched++] = i;
    }
    e->cur_cnt++;
    t->tok_e[t->ntok] = i;
    t->tok_fp[t->ntok] = (uint32_t)field << FH_POS_BITS | pos;
    t->ntok++;
    return 0;
}

#define AHEAD 8 /* tokens hashed and prefetched ahead of the lookup */

int fh_ttab_add_tokens(fh_ttab *t, unsigned field, const fh_token *toks, size_t n,
                       uint32_t *added)
{
    uint64_t hs[AHEAD + 1];
    uint32_t cnt = 0;
    if (field >= t->n_fields)
        return FH_EINVAL;
    /* software pipeline: hash token i + AHEAD and prefetch its slot while
     * token i is looked up, so the table's cache misses overlap */
    for (size_t i = 0; i < n + AHEAD; i++) {
        if (i < n) {
            const fh_token *k = &toks[i];
            uint64_t h = XXH3_64bits(k->stem, k->stem_len);
            hs[i % (AHEAD + 1)] = h;
            __builtin_prefetch(&t->slots[(size_t)h & (t->nslots - 1)]);
        }
        if (i >= AHEAD / 2 && i - AHEAD / 2 < n) {
            /* second stage: the slot is cached by now; prefetch its entry */
            uint64_t h = hs[(i - AHEAD / 2) % (AHEAD + 1)];
            uint64_t sl = t->slots[(size_t)h & (t->nslots - 1)];
            if (sl)
                __builtin_prefetch(&t->ents[(uint32_t)sl - 1u]);
        }
        if (i < AHEAD)
            continue;
        const fh_token *k = &toks[i - AHEAD];
        uint64_t h = hs[(i - AHEAD) % (AHEAD + 1)];
        if (k->stem_len == 0)
            continue;
        if (k->position > FH_POS_MAX)
            return FH_ELIMIT;
        uint32_t e = lookup(t, k->stem, k->stem_len, h);
        if (e == UINT32_MAX)
            return FH_ENOMEM;
        int rc = add_found(t, e, field, k->position);
        if (rc)
            return rc;
        cnt++;
    }
    *added = cnt;
    return 0;
}

/* Level of the next slice of a list that has filled `written` bytes. */
static unsigned next_level(uint32_t written)
{
    unsigned lvl = 0;
    uint64_t sum = 0;
    for (;;) {
        sum += slice_size[lvl] - LINK;
        if (sum >= written)
            return lvl + 1u < NLEVELS ? lvl + 1u : NLEVELS - 1u;
        if (lvl + 1u < NLEVELS)
            lvl++;
    }
}

static int append(fh_ttab *t, tterm *e, const uint8_t *b, size_t n)
{
    if (n > UINT32_MAX - e->nbytes)
        return FH_ELIMIT;
    if (n <= e->room) { /* the common case: room in the last slice */
        memcpy(e->wp, b, n);
        e->wp += n;
        e->room = (uint16_t)(e->room - n);
        e->nbytes += (uint32_t)n;
        return 0;
    }
    while (n) {
        if (!e->room) {
            unsigned lvl = next_level(e->nbytes);
            uint8_t *s = arena_alloc(t, slice_size[lvl]);
            if (!s)
                return FH_ENOMEM;
            memcpy(e->wp, &s, sizeof s); /* link from the full slice */
            e->wp = s;
            e->room = (uint16_t)(slice_size[lvl] - LINK);
            continue;
        }
        size_t k = e->room < n ? e->room : n;
        memcpy(e->wp, b, k);
        e->wp += k;
        e->room = (uint16_t)(e->room - k);
        e->nbytes += (uint32_t)k;
        b += k;
        n -= k;
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int fh_ttab_doc_end(fh_ttab *t)
{
    if (t->ntok == 0)
        return 0;
    if (grow_u32(&t->sc, &t->sc_cap, t->ntok))
        return FH_ENOMEM;
    uint32_t off = 0;
    for (size_t k = 0; k < t->ntouched; k++) {
        tterm *e = &t->ents[t->touched[k]];
        e->cur_off = off;
        off += e->cur_cnt;
        e->cur_cnt = 0;
        __builtin_prefetch(e->wp, 1);
    }
    for (size_t k = 0; k < t->ntok; k++) {
        tterm *e = &t->ents[t->tok_e[k]];
        t->sc[e->cur_off + e->cur_cnt++] = t->tok_fp[k];
    }
    const unsigned nf = t->n_fields;
    for (size_t k = 0; k < t->ntouched; k++) {
        tterm *e = &t->ents[t->touched[k]];
        uint32_t *v = t->sc + e->cur_off;
        uint32_t n = e->cur_cnt;
        size_t need = FH_VARINT_MAX * (1u + nf + (size_t)n);
        if (need > t->enc_cap) {
            size_t nc = t->enc_cap ? t->enc_cap : 4096;
            while (nc < need)
                nc *= 2;
            uint8_t *p = realloc(t->enc, nc);
            if (!p)
                return FH_ENOMEM;
            t->enc = p;
            t->enc_cap = nc;
        }
        bool sorted = true;
        for (uint32_t q = 1; q < n && sorted; q++)
            sorted = v[q - 1] <= v[q];
        if (!sorted) /* (field, position) order; only odd tokenizations get here */
            qsort(v, n, sizeof *v, cmp_u32);
        uint32_t tf[8] = {0};
        for (uint32_t q = 0; q < n; q++)
            tf[v[q] >> FH_POS_BITS]++;
        /* encode in place when the last slice surely has room, else via enc */
        bool direct = need <= e->room && need <= UINT32_MAX - e->nbytes;
        uint8_t *start = direct ? e->wp : t->enc;
        uint8_t *p = start;
        p = fh_varint_put(p, t->cur - e->last_ord);
        e->last_ord = t->cur;
        for (unsigned f = 0; f < nf; f++)
            p = fh_varint_put(p, tf[f]);
        uint32_t prevf = UINT32_MAX, prev = 0;
        for (uint32_t q = 0; q < n; q++) {
            uint32_t f = v[q] >> FH_POS_BITS, pos = v[q] & FH_POS_MAX;
            p = fh_varint_put(p, f != prevf ? pos : pos - prev);
            prevf = f;
            prev = pos;
        }
        size_t len = (size_t)(p - start);
        if (direct) {
            e->wp = p;
            e->room = (uint16_t)(e->room - len);
            e->nbytes += (uint32_t)len;
        } else {
            int rc = append(t, e, t->enc, len);
            if (rc)
                return rc;
        }
    }
    t->ntok = 0;
    t->ntouched = 0;
    return 0;
}

static int cmp_sort(const void *a, const void *b, const tterm *ents)
{
    const sort_ent *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    const tterm *ex = &ents[x->idx], *ey = &ents[y->idx];
    size_t m = ex->len < ey->len ? ex->len : ey->len;
    int c = memcmp(TERM(ex), TERM(ey), m);
    if (c)
        return c;
    return (ex->len > ey->len) - (ex->len < ey->len);
}

/* qsort has no context argument in C11; the sort runs on one thread per
 * table, so a thread-local pointer carries the entry array. */
static _Thread_local const tterm *sort_ents;
static int cmp_sort_tl(const void *a, const void *b)
{
    return cmp_sort(a, b, sort_ents);
}

int fh_ttab_sort(fh_ttab *t)
{
    free(t->sorted);
    t->sorted = NULL;
    if (t->nents == 0)
        return 0;
    t->sorted = malloc((size_t)t->nents * sizeof *t->sorted);
    if (!t->sorted)
        return FH_ENOMEM;
    for (uint32_t i = 0; i < t->nents; i++) {
        const tterm *e = &t->ents[i];
        uint64_t k = 0;
        for (unsigned b = 0; b < 8; b++)
            k = k << 8 | (uint8_t)e->pre[b];
        t->sorted[i].key = k;
        t->sorted[i].idx = i;
    }
    sort_ents = t->ents;
    qsort(t->sorted, t->nents, sizeof *t->sorted, cmp_sort_tl);
    sort_ents = NULL;
    return 0;
}

/* Visit the posting bytes of e slice by slice. */
typedef int (*chunk_fn)(void *ctx, const uint8_t *p, size_t n);
static int walk(const tterm *e, chunk_fn fn, void *ctx)
{
    const uint8_t *s = e->head;
    size_t left = e->nbytes;
    unsigned lvl = 0;
    while (left) {
        size_t pay = slice_size[lvl] - LINK;
        size_t k = left < pay ? left : pay;
        int rc = fn(ctx, s, k);
        if (rc)
            return rc;
        left -= k;
        if (left) {
            memcpy(&s, s + pay, sizeof s);
            if (lvl + 1u < NLEVELS)
                lvl++;
        }
    }
    return 0;
}

int fh_ttab_sorted_term(fh_ttab *t, size_t i, const char **term, size_t *len,
                        const uint8_t **post, size_t *nbytes, uint8_t **scratch,
                        size_t *scratch_cap)
{
    if (!t->sorted || i >= t->nents)
        return FH_EINVAL;
    const tterm *e = &t->ents[t->sorted[i].idx];
    *term = TERM(e);
    *len = e->len;
    *nbytes = e->nbytes;
    if (e->nbytes <= slice_size[0] - LINK) {
        *post = e->head;
        return 0;
    }
    if (*scratch_cap < e->nbytes) {
        size_t nc = *scratch_cap ? *scratch_cap : 4096;
        while (nc < e->nbytes)
            nc *= 2;
        uint8_t *p = realloc(*scratch, nc);
        if (!p)
            return FH_ENOMEM;
        *scratch = p;
        *scratch_cap = nc;
    }
    const uint8_t *s = e->head;
    size_t left = e->nbytes, done = 0;
    unsigned lvl = 0;
    while (left) {
        size_t pay = slice_size[lvl] - LINK;
        size_t k = left < pay ? left : pay;
        memcpy(*scratch + done, s, k);
        done += k;
        left -= k;
        if (left) {
            memcpy(&s, s + pay, sizeof s);
            if (lvl + 1u < NLEVELS)
                lvl++;
        }
    }
    *post = *scratch;
    return 0;
}

static int put_chunk(void *ctx, const uint8_t *p, size_t n)
{
    return fwrite(p, 1, n, (FILE *)ctx) == n ? 0 : FH_EIO;
}

static void reset(fh_ttab *t)
{
    t->nents = 0;
    t->page_cur = 0;
    t->page_off = 0;
    memset(t->slots, 0, t->nslots * sizeof *t->slots);
    free(t->sorted);
    t->sorted = NULL;
}

int fh_ttab_spill(fh_ttab *t, const char *path)
{
    int rc = fh_ttab_sort(t);
    if (rc)
        return rc;
    FILE *f = fopen(path, "wbx");
    if (!f)
        return FH_EIO;
    static const size_t vbuf = 1u << 20;
    setvbuf(f, NULL, _IOFBF, vbuf);
    rc = fwrite(FH_RUN_MAGIC, 1, 8, f) == 8 ? 0 : FH_EIO;
    for (uint32_t i = 0; i < t->nents && !rc; i++) {
        const tterm *e = &t->ents[t->sorted[i].idx];
        uint8_t hdr[2 * FH_VARINT_MAX];
        uint8_t *p = fh_varint_put(hdr, e->len);
        if (fwrite(hdr, 1, (size_t)(p - hdr), f) != (size_t)(p - hdr) ||
            fwrite(TERM(e), 1, e->len, f) != e->len) {
            rc = FH_EIO;
            break;
        }
        p = fh_varint_put(hdr, e->nbytes);
        if (fwrite(hdr, 1, (size_t)(p - hdr), f) != (size_t)(p - hdr)) {
            rc = FH_EIO;
            break;
        }
        rc = walk(e, put_chunk, f);
    }
    if (!rc && fputc(0, f) == EOF)
        rc = FH_EIO;
    if (fclose(f) != 0 && !rc)
        rc = FH_EIO;
    if (rc) {
        remove(path);
        return rc;
    }
    reset(t);
    return 0;
}
