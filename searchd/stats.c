/* stats.c — log-linear latency histogram (see stats.h). */
#include "stats.h"

#include <string.h>

unsigned fh_lathist_bucket(uint64_t v)
{
    if (v < FH_LATHIST_SUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* floor(log2 v) >= SUB_BITS */
    if (e > FH_LATHIST_MAX_EXP)
        return FH_LATHIST_BUCKETS - 1;
    unsigned sub = (unsigned)(v >> (e - FH_LATHIST_SUB_BITS)) & (FH_LATHIST_SUB - 1);
    return FH_LATHIST_SUB + (e - FH_LATHIST_SUB_BITS) * FH_LATHIST_SUB + sub;
}

uint64_t fh_lathist_bucket_high(unsigned bucket)
{
    if (bucket < FH_LATHIST_SUB)
        return bucket;
    unsigned k = bucket - FH_LATHIST_SUB;
    unsigned shift = k / FH_LATHIST_SUB; /* e - SUB_BITS */
    uint64_t sub = k % FH_LATHIST_SUB;
    return ((FH_LATHIST_SUB + sub + 1) << shift) - 1;
}

void fh_lathist_record(fh_lathist *h, uint64_t v)
{
    fh_stat_add(&h->count, 1);
    fh_stat_add(&h->sum, v);
    if (v > atomic_load_explicit(&h->max, memory_order_relaxed))
        atomic_store_explicit(&h->max, v, memory_order_relaxed);
    fh_stat_add(&h->b[fh_lathist_bucket(v)], 1);
}

void fh_lathist_snap_add(fh_lathist_snap *dst, const fh_lathist *h)
{
    fh_lathist *m = (fh_lathist *)(uintptr_t)h; /* atomic loads take non-const pointers in C11 */
    dst->count += fh_stat_get(&m->count);
    dst->sum += fh_stat_get(&m->sum);
    uint64_t mx = fh_stat_get(&m->max);
    if (mx > dst->max)
        dst->max = mx;
    for (unsigned i = 0; i < FH_LATHIST_BUCKETS; i++)
        dst->b[i] += fh_stat_get(&m->b[i]);
}

uint64_t fh_lathist_snap_quantile(const fh_lathist_snap *s, double q)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < FH_LATHIST_BUCKETS; i++)
        total += s->b[i];
    if (total == 0)
        return 0;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    uint64_t rank = (uint64_t)(q * (double)total + 0.5);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < FH_LATHIST_BUCKETS; i++) {
        seen += s->b[i];
        if (seen >= rank) {
            uint64_t hi = fh_lathist_bucket_high(i);
            return hi < s->max ? hi : s->max;
        }
    }
    return s->max;
}

int fh_lathist_snap_json(fh_buf *out, const char *name, const fh_lathist_snap *s)
{
    uint64_t mean = s->count ? s->sum / s->count : 0;
    return fh_buf_addf(out,
                       "\"%s\":{\"count\":%llu,\"mean\":%llu,\"p50\":%llu,\"p90\":%llu,"
                       "\"p99\":%llu,\"max\":%llu}",
                       name, (unsigned long long)s->count, (unsigned long long)mean,
                       (unsigned long long)fh_lathist_snap_quantile(s, 0.50),
                       (unsigned long long)fh_lathist_snap_quantile(s, 0.90),
                       (unsigned long long)fh_lathist_snap_quantile(s, 0.99),
                       (unsigned long long)s->max);
}
