/* hist.h — a log-bucketed latency histogram (HDR style) for fahras-loadgen.
 *
 * Values are nanoseconds. Below 128 ns every value has its own bucket; above,
 * each power of two is split into 128 equal sub-buckets, so a reported
 * percentile is within 1/256 (0.4 %) of a recorded value. Values above
 * FH_HIST_MAX_NS are clamped into the last bucket (max stays exact). The
 * struct is fixed-size (~36 KiB): recording never allocates. */
#ifndef FAHRAS_BENCH_HIST_H
#define FAHRAS_BENCH_HIST_H

#include <stdint.h>

#define FH_HIST_SUB_BITS 7u
#define FH_HIST_SUB (1u << FH_HIST_SUB_BITS)     /* 128 sub-buckets per octave */
#define FH_HIST_MAX_SHIFT 34u                     /* values below 2^42 ns (~73 min) */
#define FH_HIST_BUCKETS ((FH_HIST_MAX_SHIFT + 2u) * FH_HIST_SUB)
#define FH_HIST_MAX_NS ((UINT64_C(1) << (FH_HIST_MAX_SHIFT + FH_HIST_SUB_BITS + 1u)) - 1u)

typedef struct fh_hist {
    uint64_t counts[FH_HIST_BUCKETS];
    uint64_t n;       /* values recorded */
    uint64_t min_ns;  /* exact; UINT64_MAX when n == 0 */
    uint64_t max_ns;  /* exact */
    double sum_ns;    /* for the mean */
} fh_hist;

/* Empty the histogram. */
void fh_hist_reset(fh_hist *h);
/* Record one value. */
void fh_hist_add(fh_hist *h, uint64_t ns);
/* Add every value of src into dst. */
void fh_hist_merge(fh_hist *dst, const fh_hist *src);
/* Nearest-rank percentile q (0 < q <= 100): the smallest recorded value v such
 * that at least q % of the values are <= v, reported as the midpoint of its
 * bucket clamped to [min, max]; the rank ceil(q / 100 * n) is computed in
 * integers with q taken to 0.001 %. 0 when the histogram is empty. */
uint64_t fh_hist_percentile(const fh_hist *h, double q);
/* Mean in nanoseconds; 0 when empty. */
double fh_hist_mean(const fh_hist *h);

/* Bucket index of a value, and the inclusive value range of a bucket
 * (exposed for the unit test tests/bench/test_hist.c). */
uint32_t fh_hist_index(uint64_t ns);
void fh_hist_bucket_range(uint32_t idx, uint64_t *lo, uint64_t *hi);

#endif /* FAHRAS_BENCH_HIST_H */
