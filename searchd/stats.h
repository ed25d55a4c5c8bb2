/* stats.h — request counters and latency histograms for STATS.
 *
 * Each worker thread owns one fh_wstats and is its only writer; any thread may
 * read every worker's struct to aggregate. Fields are relaxed atomics updated
 * by load + store (single writer), so the hot path takes no lock and issues no
 * locked instruction; a reader may see a slightly stale but never torn value.
 *
 * Latency is kept in a log-linear histogram (HDR-like): 16 linear sub-buckets
 * per power of two, so a percentile is reported within 1/16 (6.25%) of the
 * true value, from 1 us up to 2^40 us, in constant memory. The histograms
 * count since start.
 */
#ifndef FAHRAS_SEARCHD_STATS_H
#define FAHRAS_SEARCHD_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "fahras/buf.h"
#include "proto.h"

#define FH_LATHIST_SUB_BITS 4u
#define FH_LATHIST_SUB (1u << FH_LATHIST_SUB_BITS)
#define FH_LATHIST_MAX_EXP 40u
#define FH_LATHIST_BUCKETS                                                                         \
    (FH_LATHIST_SUB + (FH_LATHIST_MAX_EXP - FH_LATHIST_SUB_BITS + 1u) * FH_LATHIST_SUB)

typedef struct fh_lathist {
    _Atomic uint64_t count;
    _Atomic uint64_t sum;
    _Atomic uint64_t max;
    _Atomic uint64_t b[FH_LATHIST_BUCKETS];
} fh_lathist;

/* Bucket of a value, and the largest value a bucket holds. */
unsigned fh_lathist_bucket(uint64_t v);
uint64_t fh_lathist_bucket_high(unsigned bucket);

/* Single-writer update. */
void fh_lathist_record(fh_lathist *h, uint64_t v);

/* A plain snapshot, for summing workers and computing percentiles. */
typedef struct fh_lathist_snap {
    uint64_t count, sum, max;
    uint64_t b[FH_LATHIST_BUCKETS];
} fh_lathist_snap;

void fh_lathist_snap_add(fh_lathist_snap *dst, const fh_lathist *h);
/* The value at quantile q (0..1): the high end of its bucket, capped at max. */
uint64_t fh_lathist_snap_quantile(const fh_lathist_snap *s, double q);

/* Per-worker counters. */
typedef struct fh_wstats {
    _Atomic uint64_t requests;              /* request lines answered */
    _Atomic uint64_t errors;                /* of which error replies */
    _Atomic uint64_t by_cmd[FH_CMD_COUNT_]; /* parsed requests per command */
    _Atomic uint64_t timeouts;              /* SEARCH answered partially: over its time budget */
    _Atomic uint64_t line_too_long;
    _Atomic uint64_t bytes_in, bytes_out;
    _Atomic uint64_t connections; /* open on this worker now */
    _Atomic uint64_t accepted;    /* handed to this worker, ever */
    _Atomic uint64_t idle_closed; /* closed by --idle-timeout: idle, or replies unwritten */
    fh_lathist lat_all;           /* every request, us */
    fh_lathist lat_search;        /* SEARCH only, us */
} fh_wstats;

/* Single-writer increments (relaxed load + store). */
static inline void fh_stat_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static inline uint64_t fh_stat_get(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

/* Append "name":{"count":..,"mean":..,"p50":..,"p90":..,"p99":..,"max":..}. */
int fh_lathist_snap_json(fh_buf *out, const char *name, const fh_lathist_snap *s);

#endif /* FAHRAS_SEARCHD_STATS_H */
