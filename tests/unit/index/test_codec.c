/* test_codec.c — round trips and corruption handling of the index codecs:
 * varints, bit packing, postings blocks, position lists. Corrupt inputs are
 * decoded from exact-size heap copies so ASan catches any overread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fahras/codec.h"
#include "fahras/err.h"

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

/* Copy into an exact-size heap block: reading one byte past it is an ASan error. */
static uint8_t *dup_exact(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    if (n)
        memcpy(d, p, n);
    return d;
}

static void test_varint(void **state)
{
    (void)state;
    const uint64_t vals[] = {0, 1, 127, 128, 255, 16383, 16384, UINT32_MAX - 1, UINT32_MAX,
                             (uint64_t)UINT32_MAX + 1, UINT64_MAX - 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t b[FH_VARINT_MAX];
        size_t n = fh_varint_put(b, vals[i]);
        assert_true(n >= 1 && n <= FH_VARINT_MAX);
        uint8_t *h = dup_exact(b, n);
        const uint8_t *p = h;
        uint64_t v;
        assert_int_equal(fh_varint_get(&p, h + n, &v), 0);
        assert_true(v == vals[i]);
        assert_ptr_equal(p, h + n);
        /* every truncation is corrupt and leaves the cursor alone */
        for (size_t k = 0; k < n; k++) {
            p = h;
            assert_int_equal(fh_varint_get(&p, h + k, &v), FH_ECORRUPT);
            assert_ptr_equal(p, h);
        }
        uint32_t v32;
        p = h;
        assert_int_equal(fh_varint_get32(&p, h + n, &v32), vals[i] > UINT32_MAX ? FH_ECORRUPT : 0);
        free(h);
    }
    /* 11 continuation bytes, and a 10th byte carrying bits past 64 */
    uint8_t bad[11];
    memset(bad, 0x80, sizeof bad);
    const uint8_t *p = bad;
    uint64_t v;
    assert_int_equal(fh_varint_get(&p, bad + sizeof bad, &v), FH_ECORRUPT);
    uint8_t over[10];
    memset(over, 0xff, 9);
    over[9] = 0x02;
    p = over;
    assert_int_equal(fh_varint_get(&p, over + 10, &v), FH_ECORRUPT);
}

static void test_bitpack(void **state)
{
    (void)state;
    rng_state = 0x1234567;
    uint32_t in[300], out[300];
    for (unsigned w = 0; w <= 32; w++) {
        for (size_t n = 0; n <= 300; n += (n < 20 ? 1 : 37)) {
            for (size_t i = 0; i < n; i++)
                in[i] = w == 32 ? (uint32_t)rnd() : (uint32_t)(rnd() & ((1ull << w) - 1));
            if (n && w)
                in[n - 1] = (uint32_t)((1ull << w) - 1); /* the largest value of the width */
            size_t nb = fh_bitpack_bytes(n, w);
            uint8_t *buf = calloc(nb + 8, 1);
            assert_non_null(buf);
            fh_bitpack_pack(buf, in, n, 1, w);
            /* slow path (exact size) and fast path (slack) give the same */
            uint8_t *exact = dup_exact(buf, nb);
            memset(out, 0xab, sizeof out);
            assert_int_equal(fh_bitpack_unpack(exact, nb, n, w, out, 1), 0);
            assert_memory_equal(in, out, n * sizeof *in);
            memset(out, 0xab, sizeof out);
            assert_int_equal(fh_bitpack_unpack(buf, nb + 8, n, w, out, 1), 0);
            assert_memory_equal(in, out, n * sizeof *in);
            if (nb)
                assert_int_equal(fh_bitpack_unpack(exact, nb - 1, n, w, out, 1), FH_ECORRUPT);
            free(exact);
            free(buf);
        }
    }
    uint8_t z[8] = {0};
    assert_int_equal(fh_bitpack_unpack(z, 8, 1, 33, out, 1), FH_ECORRUPT);
}

/* Encode a block, decode it back from an exact-size copy, compare. */
static void block_roundtrip(uint32_t base, const uint32_t *docs, const uint32_t *tfs, size_t n,
                            unsigned nf)
{
    fh_buf b;
    fh_buf_init(&b, 1 << 20);
    assert_int_equal(fh_block_encode(&b, base, docs, tfs, n, nf), 0);
    assert_true(b.len <= FH_BLOCK_MAX_BYTES(nf));
    uint8_t *exact = dup_exact(b.data, b.len);
    uint32_t d[FH_BLOCK_DOCS], t[FH_BLOCK_DOCS * 8];
    assert_int_equal(fh_block_decode(exact, b.len, 0, base, n, nf, d, t), 0);
    assert_memory_equal(docs, d, n * 4);
    assert_memory_equal(tfs, t, n * nf * 4);
    /* every truncation, and a block claimed longer than its widths, is corrupt */
    for (size_t k = 0; k < b.len; k++)
        assert_int_equal(fh_block_decode(exact, k, 0, base, n, nf, d, t), FH_ECORRUPT);
    free(exact);
    fh_buf_add(&b, "x", 1);
    exact = dup_exact(b.data, b.len);
    assert_int_equal(fh_block_decode(exact, b.len, 0, base, n, nf, d, t), FH_ECORRUPT);
    free(exact);
    fh_buf_free(&b);
}

static void test_block_edges(void **state)
{
    (void)state;
    uint32_t docs[FH_BLOCK_DOCS], tfs[FH_BLOCK_DOCS * 3];
    /* single doc: docid 0, and UINT32_MAX - 1 (the largest valid docid) */
    docs[0] = 0;
    tfs[0] = 1;
    tfs[1] = 0;
    block_roundtrip(0, docs, tfs, 1, 2);
    docs[0] = UINT32_MAX - 1;
    tfs[0] = UINT32_MAX; /* huge tf */
    tfs[1] = 7;
    block_roundtrip(0, docs, tfs, 1, 2);
    block_roundtrip(UINT32_MAX - 1, docs, tfs, 1, 2);
    /* a full block of consecutive docids packs the gaps at width 0 */
    for (uint32_t i = 0; i < FH_BLOCK_DOCS; i++) {
        docs[i] = 1000 + i;
        tfs[i] = 1;
    }
    fh_buf b;
    fh_buf_init(&b, 4096);
    assert_int_equal(fh_block_encode(&b, 1000, docs, tfs, FH_BLOCK_DOCS, 1), 0);
    assert_int_equal(b.len, 2 + 16); /* widths, no gap bytes, 128 tfs of 1 bit */
    fh_buf_free(&b);
    block_roundtrip(1000, docs, tfs, FH_BLOCK_DOCS, 1);
    /* the top of the docid space */
    for (uint32_t i = 0; i < FH_BLOCK_DOCS; i++)
        docs[i] = UINT32_MAX - FH_BLOCK_DOCS + i;
    block_roundtrip(0, docs, tfs, FH_BLOCK_DOCS, 1);
    /* bad encodes */
    fh_buf_init(&b, 4096);
    docs[0] = 5;
    assert_int_equal(fh_block_encode(&b, 6, docs, tfs, 1, 1), FH_EINVAL);
    docs[0] = UINT32_MAX;
    assert_int_equal(fh_block_encode(&b, 0, docs, tfs, 1, 1), FH_EINVAL);
    docs[0] = 3;
    docs[1] = 3;
    assert_int_equal(fh_block_encode(&b, 0, docs, tfs, 2, 1), FH_EINVAL);
    assert_int_equal(fh_block_encode(&b, 0, docs, tfs, 0, 1), FH_EINVAL);
    assert_int_equal(fh_block_encode(&b, 0, docs, tfs, FH_BLOCK_DOCS + 1, 1), FH_EINVAL);
    assert_int_equal(b.len, 0);
    fh_buf_free(&b);
}

static void test_block_random(void **state)
{
    (void)state;
    rng_state = 42;
    uint32_t docs[FH_BLOCK_DOCS], tfs[FH_BLOCK_DOCS * 8];
    for (int round = 0; round < 300; round++) {
        unsigned nf = 1 + (unsigned)(rnd() % 8);
        size_t n = 1 + (size_t)(rnd() % FH_BLOCK_DOCS);
        unsigned gapbits = (unsigned)(rnd() % 24);
        uint32_t base = (uint32_t)(rnd() % 100000);
        uint64_t d = base + (rnd() & ((1ull << gapbits) - 1));
        for (size_t i = 0; i < n; i++) {
            docs[i] = (uint32_t)d;
            d += 1 + (rnd() & ((1ull << gapbits) - 1));
            for (unsigned f = 0; f < nf; f++)
                tfs[i * nf + f] = (uint32_t)(rnd() % 4 == 0 ? rnd() % 100000 : rnd() % 3);
        }
        block_roundtrip(base, docs, tfs, n, nf);
    }
}

static void test_block_garbage(void **state)
{
    (void)state;
    rng_state = 7;
    uint32_t d[FH_BLOCK_DOCS], t[FH_BLOCK_DOCS * 8];
    int ok = 0, bad = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rnd() % 80);
        uint8_t *g = malloc(len ? len : 1);
        assert_non_null(g);
        for (size_t i = 0; i < len; i++)
            g[i] = (uint8_t)rnd();
        if (len && rnd() % 2)
            g[0] = (uint8_t)(g[0] % 6); /* plausible widths now and then */
        if (len > 1 && rnd() % 2)
            g[1] = (uint8_t)(g[1] % 6);
        size_t n = 1 + (size_t)(rnd() % FH_BLOCK_DOCS);
        int rc = fh_block_decode(g, len, 0, (uint32_t)rnd(), n, 1 + (unsigned)(rnd() % 2), d, t);
        assert_true(rc == 0 || rc == FH_ECORRUPT);
        rc ? bad++ : ok++;
        free(g);
    }
    assert_true(bad > 0);
    /* a docid that wraps past 2^32 */
    uint8_t wrap[2 + 4] = {32, 0, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(fh_block_decode(wrap, sizeof wrap, 0, 5, 1, 1, d, t), FH_ECORRUPT);
    /* a docid that lands on FH_DOC_END */
    uint8_t end[2 + 4] = {32, 0, 0xfe, 0xff, 0xff, 0xff};
    assert_int_equal(fh_block_decode(end, sizeof end, 0, 1, 1, 1, d, t), FH_ECORRUPT);
    assert_int_equal(fh_block_decode(end, sizeof end, 0, 0, 1, 1, d, t), 0);
    assert_true(d[0] == UINT32_MAX - 1);
}

static void test_positions(void **state)
{
    (void)state;
    rng_state = 99;
    fh_buf b;
    fh_buf_init(&b, 1 << 20);
    uint32_t in[1000], out[1000];
    /* empty list: nothing written, nothing read */
    assert_int_equal(fh_positions_encode(&b, in, 0), 0);
    assert_int_equal(b.len, 0);
    const uint8_t *p = (const uint8_t *)"";
    assert_int_equal(fh_positions_decode(&p, p, out, 0), 0);
    for (int round = 0; round < 50; round++) {
        size_t n = (size_t)(rnd() % 1000);
        uint64_t v = rnd() % 10;
        for (size_t i = 0; i < n; i++) {
            in[i] = (uint32_t)v;
            v += rnd() % (round % 2 ? 300 : 3);
        }
        if (n && round == 7)
            in[n - 1] = UINT32_MAX;
        fh_buf_reset(&b);
        assert_int_equal(fh_positions_encode(&b, in, n), 0);
        uint8_t *exact = dup_exact(b.data, b.len);
        p = exact;
        assert_int_equal(fh_positions_decode(&p, exact + b.len, out, n), 0);
        assert_ptr_equal(p, exact + b.len);
        assert_memory_equal(in, out, n * 4);
        p = exact;
        assert_int_equal(fh_positions_skip(&p, exact + b.len, n), 0);
        assert_ptr_equal(p, exact + b.len);
        if (b.len) {
            p = exact;
            assert_int_equal(fh_positions_decode(&p, exact + b.len - 1, out, n), FH_ECORRUPT);
            p = exact;
            assert_int_equal(fh_positions_skip(&p, exact + b.len - 1, n), FH_ECORRUPT);
        }
        free(exact);
    }
    uint32_t dec[2] = {5, 4};
    assert_int_equal(fh_positions_encode(&b, dec, 2), FH_EINVAL);
    /* a sum past UINT32_MAX */
    fh_buf_reset(&b);
    uint32_t big[2] = {UINT32_MAX, UINT32_MAX};
    assert_int_equal(fh_positions_encode(&b, big, 2), 0);
    b.data[b.len - 1] = 1; /* second delta 0 -> 1 */
    p = (const uint8_t *)b.data;
    assert_int_equal(fh_positions_decode(&p, p + b.len, out, 2), FH_ECORRUPT);
    fh_buf_free(&b);
}

/* fh_positions_skip over every count and start offset: the word-at-a-time
 * path must stop exactly where a byte-by-byte walk stops, wherever the n-th
 * terminator falls in a word, and fail on a truncated list. */
static void test_positions_skip_prefixes(void **state)
{
    (void)state;
    rng_state = 1234;
    fh_buf b;
    fh_buf_init(&b, 1 << 20);
    uint32_t in[300];
    for (int round = 0; round < 20; round++) {
        size_t n = 1 + (size_t)(rnd() % 300);
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) {
            /* mostly one-byte gaps, some two to five bytes long */
            uint32_t r = (uint32_t)(rnd() % 16);
            v += r < 10 ? rnd() % 128 : r < 14 ? rnd() % 16384 : rnd() % 40000000;
            if (v > UINT32_MAX)
                v = UINT32_MAX;
            in[i] = (uint32_t)v;
        }
        fh_buf_reset(&b);
        assert_int_equal(fh_positions_encode(&b, in, n), 0);
        uint8_t *exact = dup_exact(b.data, b.len);
        const uint8_t *end = exact + b.len;
        /* ends[k]: just past the k-th varint, by a plain walk */
        size_t ends[301], k = 0;
        ends[0] = 0;
        for (size_t i = 0; i < b.len; i++)
            if (!(exact[i] & 0x80))
                ends[++k] = i + 1;
        assert_int_equal(k, n);
        for (size_t from = 0; from < n; from++) {
            for (size_t cnt = 0; from + cnt <= n; cnt++) {
                const uint8_t *p = exact + ends[from];
                assert_int_equal(fh_positions_skip(&p, end, cnt), 0);
                assert_ptr_equal(p, exact + ends[from + cnt]);
            }
            const uint8_t *p = exact + ends[from];
            assert_int_equal(fh_positions_skip(&p, end, n - from + 1), FH_ECORRUPT);
            p = exact + ends[from];
            assert_int_equal(fh_positions_skip(&p, exact + ends[n] - 1, n - from),
                             FH_ECORRUPT);
        }
        free(exact);
    }
    fh_buf_free(&b);
}

/* fh_docs_lower_bound against a linear scan: every [lo, hi] of small blocks
 * whose docs[hi] reaches the target, targets between and on the docids. */
static void test_docs_lower_bound(void **state)
{
    (void)state;
    rng_state = 77;
    uint32_t docs[140];
    for (int round = 0; round < 40; round++) {
        size_t n = 1 + (size_t)(rnd() % 140);
        uint32_t v = (uint32_t)(rnd() % 5);
        for (size_t i = 0; i < n; i++) {
            docs[i] = v;
            v += 1 + (uint32_t)(rnd() % (round % 2 ? 3 : 40));
        }
        for (size_t lo = 0; lo < n; lo++)
            for (size_t hi = lo; hi < n; hi++)
                for (uint32_t t = lo ? docs[lo - 1] : 0; t <= docs[hi]; t++) {
                    size_t want = lo;
                    while (docs[want] < t)
                        want++;
                    assert_int_equal(fh_docs_lower_bound(docs, lo, hi, t), want);
                }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint),       cmocka_unit_test(test_bitpack),
        cmocka_unit_test(test_block_edges),  cmocka_unit_test(test_block_random),
        cmocka_unit_test(test_block_garbage), cmocka_unit_test(test_positions),
        cmocka_unit_test(test_positions_skip_prefixes), cmocka_unit_test(test_docs_lower_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
