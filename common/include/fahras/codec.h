/* codec.h — the integer codecs of the index format: LEB128 varints, bit
 * packing, the 128-document postings block and delta-coded position lists.
 *
 * These are pure functions over caller-owned memory; nothing here allocates
 * except the fh_buf appends. Every decoder takes an explicit end (or length)
 * and reports data that does not fit as FH_ECORRUPT; none reads past the
 * bytes it was given. docs/FORMAT.md describes the bytes these produce.
 */
#ifndef FAHRAS_CODEC_H
#define FAHRAS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "fahras/buf.h"

#define FH_BLOCK_DOCS 128u /* documents per postings block (the last may hold fewer) */
#define FH_VARINT_MAX 10u  /* bytes of the longest uint64 varint */

/* ---------------------------------------------------------------- varint */

/* LEB128: 7 bits per byte, least significant group first, high bit set on
 * every byte but the last. Writes at most FH_VARINT_MAX bytes to dst and
 * returns how many. */
size_t fh_varint_put(uint8_t *dst, uint64_t v);
/* Read one varint from [*p, end), advance *p. FH_ECORRUPT if it runs past
 * end, is longer than 10 bytes or overflows 64 bits. *p is unchanged on error. */
int fh_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);
/* Same, and FH_ECORRUPT if the value does not fit 32 bits. */
int fh_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *v);

/* ------------------------------------------------------------ bit packing */

/* Bits needed for v: 0 for 0, 32 for values >= 2^31. */
unsigned fh_bits_needed(uint32_t v);
/* Bytes of n values packed at `width` bits each: ceil(n * width / 8). */
size_t fh_bitpack_bytes(size_t n, unsigned width);
/* Pack v[0], v[stride], ... (n values, each < 2^width, width <= 32)
 * little-endian bit order into dst, which must hold fh_bitpack_bytes(n, width). */
void fh_bitpack_pack(uint8_t *dst, const uint32_t *v, size_t n, size_t stride, unsigned width);
/* Unpack n values of `width` bits from src into out[0], out[stride], ...
 * `avail` is how many bytes may be read at src; FH_ECORRUPT if fewer than
 * fh_bitpack_bytes(n, width) or width > 32. A fast path reading 8 bytes at a
 * time is used when avail leaves 8 bytes of slack, a copying path otherwise. */
int fh_bitpack_unpack(const uint8_t *src, size_t avail, size_t n, unsigned width, uint32_t *out,
                      size_t stride);

/* --------------------------------------------------------- postings block */

/* Largest encoded block for nf fields (all widths 32). */
#define FH_BLOCK_MAX_BYTES(nf) (1u + (nf) + (1u + (nf)) * FH_BLOCK_DOCS * 4u)

/* Encode one block: n (1..FH_BLOCK_DOCS) strictly ascending docids, all >=
 * base (the previous block's last docid + 1, or 0 for the first block), and
 * n * nf term frequencies interleaved per document (tfs[i * nf + f]).
 * Appends to out. FH_EINVAL on bad arguments, FH_ELIMIT/FH_ENOMEM from out. */
int fh_block_encode(fh_buf *out, uint32_t base, const uint32_t *docs, const uint32_t *tfs, size_t n,
                    unsigned nf);
/* Decode a block of exactly `len` bytes at src holding n documents. `slack`
 * is how many more bytes after src + len may be read (they are never
 * interpreted; they only enable the fast unpack path). docs receives n
 * docids, tfs n * nf frequencies. FH_ECORRUPT if the block's widths do not
 * account for exactly len bytes, a width exceeds 32 or a docid overflows. */
int fh_block_decode(const uint8_t *src, size_t len, size_t slack, uint32_t base, size_t n,
                    unsigned nf, uint32_t *docs, uint32_t *tfs);

/* First index i in [lo, hi] with docs[i] >= target, for a decoded block's
 * ascending docids; the caller guarantees docs[hi] >= target. Used by the
 * reader's seek and by the engine's batch lists over fh_postings_batch().
 * Gallops from lo first (1, 2, 4, ... ahead): seeks within a block mostly
 * land a few documents on, where a binary search over the rest of the block
 * would take ~7 unpredictable steps. */
static inline size_t fh_docs_lower_bound(const uint32_t *docs, size_t lo, size_t hi,
                                         uint32_t target)
{
    if (lo >= hi || docs[lo] >= target)
        return lo;
    /* docs[lo] < target: the answer is in (lo, hi] */
    for (size_t step = 1;; step *= 2) {
        size_t probe = lo + step;
        if (probe >= hi)
            break;
        if (docs[probe] >= target) {
            hi = probe;
            break;
        }
        lo = probe;
    }
    lo++;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (docs[mid] >= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* -------------------------------------------------------------- positions */

/* Append n non-decreasing positions as varints: the first as is, then the
 * differences. FH_EINVAL if the list decreases. */
int fh_positions_encode(fh_buf *out, const uint32_t *pos, size_t n);
/* Decode n positions from [*p, end) into out, advancing *p. FH_ECORRUPT on
 * truncation or a position past UINT32_MAX. */
int fh_positions_decode(const uint8_t **p, const uint8_t *end, uint32_t *out, size_t n);
/* Skip n varints without decoding them. FH_ECORRUPT on truncation. */
int fh_positions_skip(const uint8_t **p, const uint8_t *end, size_t n);

#endif /* FAHRAS_CODEC_H */
