/* ix_varint.h — LEB128 varints for the indexer's in-memory tables and spill
 * runs (private to indexer/; the on-disk index has its own codecs in common/).
 *
 * Encoders write at most FH_VARINT_MAX bytes. The decoder never reads past
 * `end` and reports a truncated or over-long varint as failure, because spill
 * runs are files and files can be damaged. */
#ifndef FAHRAS_IX_VARINT_H
#define FAHRAS_IX_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define FH_VARINT_MAX 5 /* bytes for a uint32 */

static inline uint8_t *fh_varint_put(uint8_t *p, uint32_t v)
{
    while (v >= 0x80u) {
        *p++ = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Decode one varint from [*pp, end). Returns 0 and advances *pp, or -1 when
 * the input is truncated or longer than 5 bytes. */
static inline int fh_varint_get(const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80u) { /* fast path: one byte */
        *out = *p;
        *pp = p + 1;
        return 0;
    }
    uint32_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (p >= end)
            return -1;
        uint8_t b = *p++;
        if (shift == 28 && b > 0x0Fu)
            return -1;
        v |= (uint32_t)(b & 0x7Fu) << shift;
        if (b < 0x80u) {
            *out = v;
            *pp = p;
            return 0;
        }
    }
    return -1;
}

#endif /* FAHRAS_IX_VARINT_H */
