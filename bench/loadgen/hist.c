/* hist.c — log-bucketed latency histogram (see hist.h). No allocation, no I/O. */
#include "hist.h"

#include <math.h>
#include <string.h>

void fh_hist_reset(fh_hist *h)
{
    memset(h, 0, sizeof *h);
    h->min_ns = UINT64_MAX;
}

static unsigned msb64(uint64_t v)
{
    /* v != 0 */
    return 63u - (unsigned)__builtin_clzll(v);
}

uint32_t fh_hist_index(uint64_t ns)
{
    if (ns > FH_HIST_MAX_NS)
        ns = FH_HIST_MAX_NS;
    if (ns < FH_HIST_SUB)
        return (uint32_t)ns;
    unsigned shift = msb64(ns) - FH_HIST_SUB_BITS; /* ns >> shift is in [SUB, 2*SUB) */
    uint64_t sub = (ns >> shift) - FH_HIST_SUB;
    return (uint32_t)((shift + 1u) * FH_HIST_SUB + sub);
}

void fh_hist_bucket_range(uint32_t idx, uint64_t *lo, uint64_t *hi)
{
    if (idx < FH_HIST_SUB) {
        *lo = *hi = idx;
        return;
    }
    unsigned shift = idx / FH_HIST_SUB - 1u;
    uint64_t m = (uint64_t)(idx % FH_HIST_SUB) + FH_HIST_SUB;
    *lo = m << shift;
    *hi = ((m + 1u) << shift) - 1u;
}

void fh_hist_add(fh_hist *h, uint64_t ns)
{
    h->counts[fh_hist_index(ns)]++;
    h->n++;
    if (ns < h->min_ns)
        h->min_ns = ns;
    if (ns > h->max_ns)
        h->max_ns = ns;
    h->sum_ns += (double)ns;
}

void fh_hist_merge(fh_hist *dst, const fh_hist *src)
{
    for (uint32_t i = 0; i < FH_HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->n += src->n;
    if (src->min_ns < dst->min_ns)
        dst->min_ns = src->min_ns;
    if (src->max_ns > dst->max_ns)
        dst->max_ns = src->max_ns;
    dst->sum_ns += src->sum_ns;
}

uint64_t fh_hist_percentile(const fh_hist *h, double q)
{
    if (h->n == 0)
        return 0;
    if (q >= 100.0)
        return h->max_ns;
    /* rank = ceil(q / 100 * n) in integers, q taken to 0.001 %: ceil(99.9 / 100.0 * n)
     * in floating point is one too many for n = 1000 (99.9 / 100.0 is above 0.999).
     * Split n so that the product cannot overflow. */
    const uint64_t den = 100000u;
    uint64_t qm = q > 0.0 ? (uint64_t)llround(q * 1000.0) : 0u;
    uint64_t rank = (h->n / den) * qm + ((h->n % den) * qm + den - 1u) / den;
    if (rank < 1u)
        rank = 1u;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < FH_HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t lo, hi;
            fh_hist_bucket_range(i, &lo, &hi);
            uint64_t mid = lo + (hi - lo) / 2u;
            if (mid < h->min_ns)
                mid = h->min_ns;
            if (mid > h->max_ns)
                mid = h->max_ns;
            return mid;
        }
    }
    return h->max_ns;
}

double fh_hist_mean(const fh_hist *h)
{
    return h->n ? h->sum_ns / (double)h->n : 0.0;
}
