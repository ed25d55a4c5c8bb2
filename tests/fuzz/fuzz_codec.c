/* fuzz_codec.c — every decoder of codec.h, and the dictionary value decoder
 * of the index (common/index/internal.h), on arbitrary bytes.
 *
 * The first byte picks the decoder, the next few its parameters; the rest is
 * copied into a heap block of exactly the size the decoder is told it may
 * read (slack included), so any overread is an ASan error. Checks: the only
 * error is FH_ECORRUPT, a failed decode leaves the cursor alone, a successful
 * one stays inside its span and survives a round trip through the encoder. */
#include <stdlib.h>
#include <string.h>

#include "fahras/buf.h"
#include "fahras/codec.h"
#include "fahras/err.h"
#include "fuzz_util.h"
#include "internal.h"

/* An exact-size copy of the rest of the input (at least 1 byte allocated). */
static uint8_t *take_rest(fz_in *in, size_t *len)
{
    uint8_t *p = malloc(in->n ? in->n : 1);
    if (!p)
        abort();
    if (in->n)
        memcpy(p, in->p, in->n);
    *len = in->n;
    in->p += in->n;
    in->n = 0;
    return p;
}

static void do_varint(fz_in *in, bool is32)
{
    size_t len;
    uint8_t *buf = take_rest(in, &len);
    const uint8_t *p = buf, *end = buf + len;
    while (p < end) {
        const uint8_t *before = p;
        uint64_t v = 0;
        uint32_t v32 = 0;
        int rc = is32 ? fh_varint_get32(&p, end, &v32) : fh_varint_get(&p, end, &v);
        FZ_CHECK(rc == 0 || rc == FH_ECORRUPT);
        if (rc) {
            FZ_CHECK(p == before);
            break;
        }
        FZ_CHECK(p > before && p <= end && (size_t)(p - before) <= FH_VARINT_MAX);
        if (is32)
            v = v32;
        uint8_t enc[FH_VARINT_MAX];
        size_t el = fh_varint_put(enc, v);
        FZ_CHECK(el <= (size_t)(p - before)); /* non-minimal encodings decode too */
        const uint8_t *q = enc;
        uint64_t w;
        FZ_CHECK(fh_varint_get(&q, enc + el, &w) == 0 && w == v && q == enc + el);
    }
    free(buf);
}

static void do_unpack(fz_in *in)
{
    unsigned width = fz_u8(in) % 40u;
    size_t n = fz_u8(in) | (size_t)(fz_u8(in) & 1u) << 8; /* 0..511 */
    size_t stride = 1 + fz_u8(in) % 3u;
    size_t avail;
    uint8_t *src = take_rest(in, &avail);
    uint32_t *out = calloc(n * stride + 1, sizeof *out);
    if (!out)
        abort();
    int rc = fh_bitpack_unpack(src, avail, n, width, out, stride);
    FZ_CHECK(rc == 0 || rc == FH_ECORRUPT);
    if (rc == 0) {
        FZ_CHECK(width <= 32 && fh_bitpack_bytes(n, width) <= avail);
        for (size_t i = 0; i < n && width < 32; i++)
            FZ_CHECK(out[i * stride] < (1u << width));
        /* pack again: the same bits (the last byte's unused high bits aside) */
        size_t bytes = fh_bitpack_bytes(n, width);
        uint8_t *re = calloc(bytes + 1, 1);
        if (!re)
            abort();
        fh_bitpack_pack(re, out, n, stride, width);
        size_t full = n * width / 8;
        FZ_CHECK(memcmp(re, src, full) == 0);
        if (bytes > full) {
            uint8_t mask = (uint8_t)((1u << ((n * width) % 8)) - 1u);
            FZ_CHECK((re[full] & mask) == (src[full] & mask));
        }
        free(re);
    } else {
        FZ_CHECK(width > 32 || fh_bitpack_bytes(n, width) > avail);
    }
    free(out);
    free(src);
}

static void do_block(fz_in *in)
{
    uint32_t base = fz_u32(in);
    if (fz_u8(in) & 1)
        base &= 0xFFFFu; /* small bases are the common case */
    size_t n = fz_u8(in) % (FH_BLOCK_DOCS + 2u);
    unsigned nf = fz_u8(in) % 10u;
    size_t slack = fz_u8(in) % 12u;
    size_t total;
    uint8_t *src = take_rest(in, &total);
    size_t len = total > slack ? total - slack : 0;
    if (total < slack)
        slack = total;
    uint32_t docs[FH_BLOCK_DOCS + 2];
    uint32_t tfs[(FH_BLOCK_DOCS + 2) * 10];
    int rc = fh_block_decode(src, len, slack, base, n, nf, docs, tfs);
    FZ_CHECK(rc == 0 || rc == FH_ECORRUPT);
    if (rc == 0) {
        FZ_CHECK(n >= 1 && n <= FH_BLOCK_DOCS && nf >= 1 && nf <= 8);
        uint64_t b = base;
        for (size_t i = 0; i < n; i++) {
            FZ_CHECK(docs[i] >= b && docs[i] != UINT32_MAX);
            b = (uint64_t)docs[i] + 1;
        }
        fh_buf out;
        fh_buf_init(&out, 1u << 20);
        FZ_CHECK(fh_block_encode(&out, base, docs, tfs, n, nf) == 0);
        uint32_t d2[FH_BLOCK_DOCS], t2[FH_BLOCK_DOCS * 8];
        FZ_CHECK(fh_block_decode((const uint8_t *)out.data, out.len, 0, base, n, nf, d2, t2) == 0);
        FZ_CHECK(memcmp(d2, docs, n * sizeof *docs) == 0);
        FZ_CHECK(memcmp(t2, tfs, n * nf * sizeof *tfs) == 0);
        FZ_CHECK(out.len <= len); /* minimal widths never take more room */
        fh_buf_free(&out);
    }
    free(src);
}

static void do_positions(fz_in *in, bool skip)
{
    size_t n = fz_u8(in) | (size_t)fz_u8(in) << 8;
    n %= 4096u;
    size_t len;
    uint8_t *buf = take_rest(in, &len);
    const uint8_t *p = buf, *end = buf + len;
    if (skip) {
        int rc = fh_positions_skip(&p, end, n);
        FZ_CHECK(rc == 0 || rc == FH_ECORRUPT);
        FZ_CHECK(rc == 0 ? (p >= buf && p <= end) : p == buf);
        free(buf);
        return;
    }
    uint32_t *out = malloc((n + 1) * sizeof *out);
    if (!out)
        abort();
    int rc = fh_positions_decode(&p, end, out, n);
    FZ_CHECK(rc == 0 || rc == FH_ECORRUPT);
    if (rc) {
        FZ_CHECK(p == buf);
    } else {
        FZ_CHECK(p >= buf && p <= end);
        for (size_t i = 1; i < n; i++)
            FZ_CHECK(out[i] >= out[i - 1]);
        /* skipping the same list ends at the same place */
        const uint8_t *q = buf;
        FZ_CHECK(fh_positions_skip(&q, end, n) == 0 && q == p);
        fh_buf enc;
        fh_buf_init(&enc, 1u << 20);
        FZ_CHECK(fh_positions_encode(&enc, out, n) == 0);
        FZ_CHECK(enc.len <= (size_t)(p - buf));
        uint32_t *again = malloc((n + 1) * sizeof *again);
        if (!again)
            abort();
        static const uint8_t none[1];
        const uint8_t *r = enc.data ? (const uint8_t *)enc.data : none;
        FZ_CHECK(fh_positions_decode(&r, r + enc.len, again, n) == 0);
        FZ_CHECK(n == 0 || memcmp(again, out, n * sizeof *out) == 0);
        free(again);
        fh_buf_free(&enc);
    }
    free(out);
    free(buf);
}

static void do_dict(fz_in *in)
{
    unsigned nf = fz_u8(in) % 10u;
    uint64_t n_terms = fz_u32(in);
    size_t len;
    uint8_t *v = take_rest(in, &len);
    fh_dict_entry d;
    int rc = fh_dict_decode(v, len, nf, n_terms, &d);
    FZ_CHECK(rc == 0 || rc == FH_ECORRUPT);
    if (rc == 0) {
        FZ_CHECK(d.term_id < n_terms && d.ti.df >= 1 && d.ti.cf >= d.ti.df);
        if (d.flags & FH_TERM_INLINE)
            FZ_CHECK(d.blob >= v && d.blob + d.blob_len == v + len);
        else
            FZ_CHECK(d.blob == NULL && d.blob_len == 0);
        uint8_t enc[FH_DICT_HEAD_MAX];
        size_t el = fh_dict_encode(enc, d.flags, d.term_id, &d.ti, nf);
        FZ_CHECK(el <= FH_DICT_HEAD_MAX);
        fh_dict_entry e;
        if (!(d.flags & FH_TERM_INLINE)) {
            FZ_CHECK(fh_dict_decode(enc, el, nf, n_terms, &e) == 0);
            FZ_CHECK(memcmp(&e.ti, &d.ti, sizeof e.ti) == 0 && e.term_id == d.term_id);
        }
    }
    free(v);
}

/* Encoders fed arbitrary (made valid) values must round-trip. */
static void do_block_roundtrip(fz_in *in)
{
    size_t n = 1 + fz_u8(in) % FH_BLOCK_DOCS;
    unsigned nf = 1 + fz_u8(in) % 8u;
    uint32_t base = fz_u32(in) >> (fz_u8(in) % 33u == 32 ? 0 : 8);
    uint32_t docs[FH_BLOCK_DOCS], tfs[FH_BLOCK_DOCS * 8];
    uint64_t b = base;
    size_t m = 0;
    for (; m < n; m++) {
        uint32_t gap = fz_u32(in) >> (fz_u8(in) % 32u);
        if (b + gap >= UINT32_MAX)
            break;
        docs[m] = (uint32_t)(b + gap);
        b = (uint64_t)docs[m] + 1;
        for (unsigned f = 0; f < nf; f++)
            tfs[m * nf + f] = fz_u32(in) >> (fz_u8(in) % 32u);
    }
    if (m == 0)
        return;
    fh_buf out;
    fh_buf_init(&out, 1u << 20);
    FZ_CHECK(fh_block_encode(&out, base, docs, tfs, m, nf) == 0);
    FZ_CHECK(out.len <= FH_BLOCK_MAX_BYTES(nf));
    /* decode from an exact copy, both with and without slack */
    for (size_t slack = 0; slack <= 8; slack += 8) {
        uint8_t *cp = malloc(out.len + slack);
        if (!cp)
            abort();
        memcpy(cp, out.data, out.len);
        memset(cp + out.len, 0xA5, slack);
        uint32_t d2[FH_BLOCK_DOCS], t2[FH_BLOCK_DOCS * 8];
        FZ_CHECK(fh_block_decode(cp, out.len, slack, base, m, nf, d2, t2) == 0);
        FZ_CHECK(memcmp(d2, docs, m * sizeof *docs) == 0);
        FZ_CHECK(memcmp(t2, tfs, m * nf * sizeof *tfs) == 0);
        free(cp);
    }
    fh_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    switch (fz_u8(&in) % 8u) {
    case 0:
        do_varint(&in, false);
        break;
    case 1:
        do_varint(&in, true);
        break;
    case 2:
        do_unpack(&in);
        break;
    case 3:
        do_block(&in);
        break;
    case 4:
        do_positions(&in, false);
        break;
    case 5:
        do_positions(&in, true);
        break;
    case 6:
        do_dict(&in);
        break;
    default:
        do_block_roundtrip(&in);
        break;
    }
    return 0;
}
