/* bench_postings.c — micro-benchmark of postings decoding (not a test).
 *
 * Builds a throwaway index of N documents (default 610,000, the book corpus)
 * with two fields and terms of several densities, then reports ns per
 * posting for a full fh_postings_next walk, per call for seek with several
 * strides and for fh_postings_block_bound. Usage: fh_bench_postings [N] [DIR].
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fahras/codec.h"
#include "fahras/err.h"
#include "fahras/index.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct shape {
    const char *name;
    unsigned per_mille; /* share of documents holding the term */
};

static const struct shape shapes[] = {
    {"d1", 1}, {"d10", 10}, {"d100", 100}, {"d1000", 1000}, {"d750", 750},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

static int build(const char *dir, uint32_t n)
{
    fh_index_build_info bi = {.analyzer_name = "bench", .analyzer_version = "1", .n_fields = 2,
                              .field_names = {"title", "text"},
                              .field_weights = {2.0f, 1.0f}};
    fh_index_writer *w;
    double t0 = now();
    int rc = fh_index_writer_open(dir, &bi, &w);
    if (rc)
        return rc;
    for (uint32_t d = 0; d < n && !rc; d++) {
        uint32_t fl[2] = {1 + (uint32_t)(rnd() % 12), 20 + (uint32_t)(rnd() % 300)};
        char id[16];
        int il = snprintf(id, sizeof id, "%u", (unsigned)d);
        rc = fh_index_writer_add_doc(w, d, id, (size_t)il, fl, "{}", 2);
    }
    double t1 = now();
    uint64_t np = 0;
    /* names are in byte order already */
    for (size_t s = 0; s < NSHAPES && !rc; s++) {
        rc = fh_index_writer_term_begin(w, shapes[s].name, strlen(shapes[s].name));
        for (uint32_t d = 0; d < n && !rc; d++) {
            if (rnd() % 1000 >= shapes[s].per_mille)
                continue;
            uint32_t tfs[2] = {rnd() % 4 == 0 ? 1u : 0u, 1 + (uint32_t)(rnd() % 3)};
            uint32_t pos[8];
            uint32_t npos = tfs[0] + tfs[1];
            for (uint32_t i = 0; i < npos; i++)
                pos[i] = i * 7;
            rc = fh_index_writer_term_add(w, d, tfs, pos, npos);
            np++;
        }
        if (!rc)
            rc = fh_index_writer_term_end(w);
    }
    if (rc) {
        fh_index_writer_abort(w);
        return rc;
    }
    double t2 = now();
    rc = fh_index_writer_commit(w);
    printf("writer: add_doc %.0f ns/doc, term_add %.0f ns/posting (with positions), commit %.2f s\n",
           (t1 - t0) * 1e9 / (n ? n : 1), (t2 - t1) * 1e9 / (double)(np ? np : 1), now() - t2);
    return rc;
}

/* The block codec alone: one 75%-dense block with two fields, decoded in a loop. */
static void bench_block(void)
{
    uint32_t docs[FH_BLOCK_DOCS], tfs[FH_BLOCK_DOCS * 2], d = 1000;
    for (size_t i = 0; i < FH_BLOCK_DOCS; i++) {
        docs[i] = d;
        d += (rnd() % 4 == 0) ? 2u : 1u;
        tfs[2 * i] = (rnd() % 4 == 0) ? 1u : 0u;
        tfs[2 * i + 1] = 1 + (uint32_t)(rnd() % 3);
    }
    fh_buf b;
    fh_buf_init(&b, 1 << 16);
    if (fh_block_encode(&b, 1000, docs, tfs, FH_BLOCK_DOCS, 2))
        return;
    fh_buf_reserve(&b, 16); /* slack for the fast path */
    uint64_t sum = 0;
    double best = 1e30;
    for (int rep = 0; rep < 40; rep++) {
        double a = now();
        for (int i = 0; i < 20000; i++) {
            fh_block_decode((const uint8_t *)b.data, b.len, 8, 1000, FH_BLOCK_DOCS, 2, docs, tfs);
            sum += docs[i & 127] + tfs[i & 255];
        }
        double e = now() - a;
        best = e < best ? e : best;
    }
    printf("block decode (%zu bytes, 128 docs, 2 fields): %.1f ns/block, %.2f ns/posting (%llu)\n",
           b.len, best * 1e9 / 20000, best * 1e9 / 20000 / FH_BLOCK_DOCS,
           (unsigned long long)(sum & 1));
    fh_buf_free(&b);
}

int main(int argc, char **argv)
{
    bench_block();
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 610000u;
    char tmpl[] = "/tmp/fh-bench-XXXXXX";
    const char *dir = argc > 2 ? argv[2] : mkdtemp(tmpl);
    if (!dir)
        return 1;
    double t0 = now();
    int rc = build(dir, n);
    if (rc) {
        fprintf(stderr, "build: %s\n", fh_strerror(rc));
        return 1;
    }
    printf("built %u docs in %.2f s\n", (unsigned)n, now() - t0);
    fh_index *ix;
    fh_reader *r;
    if ((rc = fh_index_open(dir, NULL, NULL, &ix)) || (rc = fh_reader_open(ix, &r))) {
        fprintf(stderr, "open: %s\n", fh_strerror(rc));
        return 1;
    }
    uint64_t sum = 0;
    for (size_t s = 0; s < NSHAPES; s++) {
        const char *t = shapes[s].name;
        fh_postings *p;
        fh_term_info ti;
        if (fh_term_get(r, t, strlen(t), &ti))
            continue; /* no document drew this term */
        uint64_t cnt = 0;
        double best = 1e30;
        /* next + tfs: best of 5 */
        for (int rep = 0; rep < 5; rep++) {
            double a = now();
            if (fh_postings_open(r, t, strlen(t), &p))
                break;
            cnt = 0;
            while (fh_postings_docid(p) != FH_DOC_END) {
                const uint32_t *tf = fh_postings_tfs(p);
                sum += tf[0] + tf[1];
                cnt++;
                fh_postings_next(p);
            }
            fh_postings_free(p);
            double e = now() - a;
            best = e < best ? e : best;
        }
        printf("%-6s df=%-7llu next+tfs  %6.2f ns/posting\n", t, (unsigned long long)cnt,
               best * 1e9 / (double)(cnt ? cnt : 1));
        /* the same walk through fh_postings_batch */
        best = 1e30;
        for (int rep = 0; rep < 5; rep++) {
            double a = now();
            if (fh_postings_open(r, t, strlen(t), &p))
                break;
            const uint32_t *bd, *bt;
            size_t bn;
            while ((bn = fh_postings_batch(p, &bd, &bt)) > 0) {
                for (size_t i = 0; i < bn; i++)
                    sum += bt[2 * i] + bt[2 * i + 1];
                fh_postings_seek(p, bd[bn - 1] + 1);
            }
            fh_postings_free(p);
            double e = now() - a;
            best = e < best ? e : best;
        }
        printf("%-6s df=%-7llu batch+tfs %6.2f ns/posting\n", t, (unsigned long long)cnt,
               best * 1e9 / (double)(cnt ? cnt : 1));
        /* seek with strides */
        static const uint32_t strides[] = {4, 64, 1000, 20000};
        for (size_t k = 0; k < sizeof strides / sizeof strides[0]; k++) {
            best = 1e30;
            uint64_t calls = 0;
            for (int rep = 0; rep < 5; rep++) {
                double a = now();
                fh_postings_open(r, t, strlen(t), &p);
                calls = 0;
                for (uint32_t tg = 0; fh_postings_docid(p) != FH_DOC_END; tg += strides[k]) {
                    fh_postings_seek(p, tg);
                    sum += fh_postings_docid(p);
                    calls++;
                }
                fh_postings_free(p);
                double e = now() - a;
                best = e < best ? e : best;
            }
            printf("%-6s seek stride %-6u      %6.2f ns/call\n", t, (unsigned)strides[k],
                   best * 1e9 / (double)calls);
        }
        /* block_bound at advancing targets */
        fh_postings_open(r, t, strlen(t), &p);
        double a = now();
        uint64_t calls = 0;
        for (uint32_t tg = 0; tg < n; tg += 97, calls++) {
            fh_block_bound bb;
            fh_postings_block_bound(p, tg, &bb);
            sum += bb.last_docid + bb.max_tf[1];
        }
        printf("%-6s block_bound             %6.2f ns/call\n", t,
               (now() - a) * 1e9 / (double)calls);
        /* positions of every 10th document */
        a = now();
        calls = 0;
        while (fh_postings_docid(p) != FH_DOC_END) {
            const uint32_t *pos;
            size_t np;
            if (calls % 10 == 0) {
                fh_postings_positions(p, 1, &pos, &np);
                sum += np;
            }
            calls++;
            fh_postings_next(p);
        }
        printf("%-6s walk + positions/10th   %6.2f ns/posting\n", t,
               (now() - a) * 1e9 / (double)(calls ? calls : 1));
        fh_postings_free(p);
        /* open+free */
        a = now();
        for (int i = 0; i < 100000; i++) {
            fh_postings_open(r, t, strlen(t), &p);
            fh_postings_free(p);
        }
        printf("%-6s open+free               %6.0f ns\n", t, (now() - a) * 1e9 / 100000);
    }
    printf("(checksum %llu)\n", (unsigned long long)sum);
    fh_reader_close(r);
    fh_index_close(ix);
    if (argc <= 2) {
        char path[256];
        snprintf(path, sizeof path, "%s/index.mdb", dir);
        unlink(path);
        rmdir(dir);
    }
    return 0;
}
