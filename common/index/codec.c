/* codec.c — varints, bit packing, postings blocks and position lists (codec.h).
 *
 * Postings block (docs/FORMAT.md, "postings", Block), n documents, nf fields:
 *   u8  wd                 bit width of the docid gaps
 *   u8  wt[nf]             bit width of each field's term frequencies
 *   gaps  packed n x wd    gap_i = doc_i - base_i, base_0 = base,
 *                          base_{i+1} = doc_i + 1 (so a run of consecutive
 *                          docids packs at width 0)
 *   tf[f] packed n x wt[f] for f = 0 .. nf-1
 * Packing is little-endian in bits: value i occupies bits [i*w, (i+1)*w) of
 * the byte string, bit k of the string being bit (k % 8) of byte k / 8.
 *
 * Decoders never read outside the spans they are given: the 8-byte fast
 * unpack path runs only when the caller vouches for 8 bytes of slack.
 */
#include "fahras/codec.h"
#include "fahras/err.h"

#include <endian.h>
#include <string.h>

size_t fh_varint_put(uint8_t *dst, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        dst[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    dst[n++] = (uint8_t)v;
    return n;
}

int fh_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *s = *p;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (s >= end)
            return FH_ECORRUPT;
        uint8_t b = *s++;
        if (shift == 63 && (b & 0x7e))
            return FH_ECORRUPT; /* more than 64 bits */
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *p = s;
            *v = r;
            return 0;
        }
    }
    return FH_ECORRUPT;
}

int fh_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    const uint8_t *s = *p;
    uint64_t r;
    int rc = fh_varint_get(&s, end, &r);
    if (rc)
        return rc;
    if (r > UINT32_MAX)
        return FH_ECORRUPT;
    *p = s;
    *v = (uint32_t)r;
    return 0;
}

unsigned fh_bits_needed(uint32_t v)
{
    return v ? 32u - (unsigned)__builtin_clz(v) : 0u;
}

size_t fh_bitpack_bytes(size_t n, unsigned width)
{
    return (n * width + 7) / 8;
}

void fh_bitpack_pack(uint8_t *dst, const uint32_t *v, size_t n, size_t stride, unsigned width)
{
    if (width == 0)
        return;
    uint64_t acc = 0;
    unsigned nb = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)v[i * stride] << nb;
        nb += width;
        while (nb >= 8) {
            *dst++ = (uint8_t)acc;
            acc >>= 8;
            nb -= 8;
        }
    }
    if (nb)
        *dst = (uint8_t)acc;
}

static inline uint64_t ld64le(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return le64toh(v);
}

/* Unpackers specialised per width: 8 values are exactly W bytes, so each
 * group of 8 reads at constant offsets and shifts. All require 8 readable
 * bytes past the packed data. */
#define FH_U1(W, j)                                                                                \
    out[(i + (j)) * stride] = (uint32_t)((ld64le(src + ((j) * (W)) / 8) >> (((j) * (W)) % 8)) & mask)
#define FH_UNPACK(W)                                                                               \
    static void unpack_##W(const uint8_t *src, size_t n, uint32_t *out, size_t stride)             \
    {                                                                                              \
        const uint64_t mask = (UINT64_C(1) << (W)) - 1;                                            \
        size_t i = 0;                                                                              \
        for (; i + 8 <= n; i += 8, src += (W)) {                                                   \
            FH_U1(W, 0);                                                                           \
            FH_U1(W, 1);                                                                           \
            FH_U1(W, 2);                                                                           \
            FH_U1(W, 3);                                                                           \
            FH_U1(W, 4);                                                                           \
            FH_U1(W, 5);                                                                           \
            FH_U1(W, 6);                                                                           \
            FH_U1(W, 7);                                                                           \
        }                                                                                          \
        for (size_t bit = 0; i < n; i++, bit += (W))                                               \
            out[i * stride] = (uint32_t)((ld64le(src + bit / 8) >> (bit % 8)) & mask);            \
    }
FH_UNPACK(1)
FH_UNPACK(2)
FH_UNPACK(3)
FH_UNPACK(4)
FH_UNPACK(5)
FH_UNPACK(6)
FH_UNPACK(7)
FH_UNPACK(8)
FH_UNPACK(9)
FH_UNPACK(10)
FH_UNPACK(11)
FH_UNPACK(12)
FH_UNPACK(13)
FH_UNPACK(14)
FH_UNPACK(15)
FH_UNPACK(16)
FH_UNPACK(17)
FH_UNPACK(18)
FH_UNPACK(19)
FH_UNPACK(20)
FH_UNPACK(21)
FH_UNPACK(22)
FH_UNPACK(23)
FH_UNPACK(24)
FH_UNPACK(25)
FH_UNPACK(26)
FH_UNPACK(27)
FH_UNPACK(28)
FH_UNPACK(29)
FH_UNPACK(30)
FH_UNPACK(31)
FH_UNPACK(32)

typedef void (*unpack_fn)(const uint8_t *, size_t, uint32_t *, size_t);
static const unpack_fn unpackers[33] = {
    NULL,      unpack_1,  unpack_2,  unpack_3,  unpack_4,  unpack_5,  unpack_6,
    unpack_7,  unpack_8,  unpack_9,  unpack_10, unpack_11, unpack_12, unpack_13,
    unpack_14, unpack_15, unpack_16, unpack_17, unpack_18, unpack_19, unpack_20,
    unpack_21, unpack_22, unpack_23, unpack_24, unpack_25, unpack_26, unpack_27,
    unpack_28, unpack_29, unpack_30, unpack_31, unpack_32,
};

static void unpack_fast(const uint8_t *src, size_t n, unsigned width, uint32_t *out, size_t stride)
{
    unpackers[width](src, n, out, stride);
}

int fh_bitpack_unpack(const uint8_t *src, size_t avail, size_t n, unsigned width, uint32_t *out,
                      size_t stride)
{
    if (width > 32)
        return FH_ECORRUPT;
    size_t bytes = fh_bitpack_bytes(n, width);
    if (bytes > avail)
        return FH_ECORRUPT;
    if (width == 0) {
        for (size_t i = 0; i < n; i++)
            out[i * stride] = 0;
        return 0;
    }
    if (avail - bytes >= 8) {
        unpack_fast(src, n, width, out, stride);
        return 0;
    }
    /* Near the end of the value: decode from a zero-padded copy, in chunks
     * whose byte span is a whole number of bytes (8 values are always w bytes). */
    uint8_t tmp[8 * 32 / 8 * 16 + 8];
    const size_t chunk = 128; /* values per chunk: 128 * w / 8 = 16 * w bytes */
    for (size_t i = 0; i < n; i += chunk) {
        size_t m = n - i < chunk ? n - i : chunk;
        size_t off = i / 8 * width; /* i is a multiple of 8 */
        size_t nb = fh_bitpack_bytes(m, width);
        memcpy(tmp, src + off, nb);
        memset(tmp + nb, 0, 8);
        unpack_fast(tmp, m, width, out + i * stride, stride);
    }
    return 0;
}

int fh_block_encode(fh_buf *out, uint32_t base, const uint32_t *docs, const uint32_t *tfs, size_t n,
                    unsigned nf)
{
    if (n == 0 || n > FH_BLOCK_DOCS || nf == 0 || nf > 8)
        return FH_EINVAL;
    uint32_t gaps[FH_BLOCK_DOCS];
    uint32_t orv = 0;
    uint64_t b = base;
    for (size_t i = 0; i < n; i++) {
        if (docs[i] < b || docs[i] == UINT32_MAX)
            return FH_EINVAL;
        gaps[i] = (uint32_t)(docs[i] - b);
        orv |= gaps[i];
        b = (uint64_t)docs[i] + 1;
    }
    unsigned wd = fh_bits_needed(orv);
    unsigned wt[8];
    size_t total = 1 + nf + fh_bitpack_bytes(n, wd);
    for (unsigned f = 0; f < nf; f++) {
        uint32_t o = 0;
        for (size_t i = 0; i < n; i++)
            o |= tfs[i * nf + f];
        wt[f] = fh_bits_needed(o);
        total += fh_bitpack_bytes(n, wt[f]);
    }
    int rc = fh_buf_reserve(out, total);
    if (rc)
        return rc;
    uint8_t *d = (uint8_t *)out->data + out->len;
    memset(d, 0, total);
    *d++ = (uint8_t)wd;
    for (unsigned f = 0; f < nf; f++)
        *d++ = (uint8_t)wt[f];
    fh_bitpack_pack(d, gaps, n, 1, wd);
    d += fh_bitpack_bytes(n, wd);
    for (unsigned f = 0; f < nf; f++) {
        fh_bitpack_pack(d, tfs + f, n, nf, wt[f]);
        d += fh_bitpack_bytes(n, wt[f]);
    }
    out->len += total;
    out->data[out->len] = '\0';
    return 0;
}

/* In place: gap_i -> doc_i = base_i + gap_i, base_{i+1} = doc_i + 1. Kept
 * apart from the decoder so the running sum stays in a register. */
static void gaps_to_docids(uint32_t *restrict d, size_t n, uint32_t base)
{
    /* doc_i = (base - 1) + sum_{j<=i} (gap_j + 1), modulo 2^32: the caller
     * has checked the true sum stays below 2^32. One add per element on the
     * serial chain; the +1 pass vectorises. */
    for (size_t i = 0; i < n; i++)
        d[i] += 1;
    uint32_t acc = base - 1;
    for (size_t i = 0; i < n; i++) {
        acc += d[i];
        d[i] = acc;
    }
}

int fh_block_decode(const uint8_t *src, size_t len, size_t slack, uint32_t base, size_t n,
                    unsigned nf, uint32_t *docs, uint32_t *tfs)
{
    if (n == 0 || n > FH_BLOCK_DOCS || nf == 0 || nf > 8 || len < 1 + nf)
        return FH_ECORRUPT;
    unsigned wd = src[0];
    size_t need = 1 + nf;
    if (wd > 32)
        return FH_ECORRUPT;
    need += fh_bitpack_bytes(n, wd);
    for (unsigned f = 0; f < nf; f++) {
        if (src[1 + f] > 32)
            return FH_ECORRUPT;
        need += fh_bitpack_bytes(n, src[1 + f]);
    }
    if (need != len)
        return FH_ECORRUPT;
    const uint8_t *p = src + 1 + nf;
    size_t avail = len + slack - (1 + nf);
    int rc = fh_bitpack_unpack(p, avail, n, wd, docs, 1);
    if (rc)
        return rc;
    size_t adv = fh_bitpack_bytes(n, wd);
    p += adv;
    avail -= adv;
    for (unsigned f = 0; f < nf; f++) {
        rc = fh_bitpack_unpack(p, avail, n, src[1 + f], tfs + f, nf);
        if (rc)
            return rc;
        adv = fh_bitpack_bytes(n, src[1 + f]);
        p += adv;
        avail -= adv;
    }
    /* The last docid is base + sum(gaps) + n - 1, computed in 64 bits (128
     * gaps below 2^32 cannot overflow it) so the 32-bit prefix sum below is
     * known not to wrap. A separate reduction keeps the serial chain short. */
    uint64_t last = (uint64_t)base + n - 1;
    for (size_t i = 0; i < n; i++)
        last += docs[i];
    if (last >= UINT32_MAX)
        return FH_ECORRUPT; /* wrapped, or reached the FH_DOC_END sentinel */
    gaps_to_docids(docs, n, base);
    return 0;
}

int fh_positions_encode(fh_buf *out, const uint32_t *pos, size_t n)
{
    if (n == 0)
        return 0;
    if (n > (SIZE_MAX - 16) / 5)
        return FH_ELIMIT;
    int rc = fh_buf_reserve(out, n * 5);
    if (rc)
        return rc;
    uint8_t *d = (uint8_t *)out->data + out->len;
    size_t k = 0;
    uint32_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        if (pos[i] < prev)
            return FH_EINVAL;
        k += fh_varint_put(d + k, pos[i] - prev);
        prev = pos[i];
    }
    out->len += k;
    out->data[out->len] = '\0';
    return 0;
}

int fh_positions_decode(const uint8_t **p, const uint8_t *end, uint32_t *out, size_t n)
{
    const uint8_t *s = *p;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        if (s < end && *s < 0x80) { /* one-byte fast path */
            v = *s++;
        } else {
            int rc = fh_varint_get(&s, end, &v);
            if (rc)
                return rc;
        }
        prev += v;
        if (prev > UINT32_MAX || v > UINT32_MAX)
            return FH_ECORRUPT;
        out[i] = (uint32_t)prev;
    }
    *p = s;
    return 0;
}

int fh_positions_skip(const uint8_t **p, const uint8_t *end, size_t n)
{
    const uint8_t *s = *p;
    /* Eight bytes at a time while the word cannot hold the n-th terminator:
     * a varint ends at each byte with the high bit clear, so the word's
     * terminators are its bytes in ~w & 0x80..80; (t >> 7) has a 1 in each
     * such byte, and multiplying by 0x01..01 sums them into the top byte.
     * The order of the bytes in the word does not matter for a count. */
    const uint64_t hi = 0x8080808080808080ull, ones = 0x0101010101010101ull;
    while (n >= 8 && end - s >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        size_t c = (size_t)((((~w & hi) >> 7) * ones) >> 56);
        if (c >= n)
            break;
        n -= c;
        s += 8;
    }
    while (n) {
        if (s >= end)
            return FH_ECORRUPT;
        if (!(*s++ & 0x80))
            n--;
    }
    *p = s;
    return 0;
}
