/* test_hist.c — fahras-loadgen's latency histogram (bench/loadgen/hist.c):
 * nearest-rank percentiles against a rank worked out in integers, the bucket
 * layout and its precision, clamping, merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "hist.h"

static fh_hist H, H2; /* ~36 KiB each: not on the stack */

/* What fh_hist_percentile must return when the value of nearest rank is v:
 * the midpoint of v's bucket, clamped to the recorded [min, max]. */
static uint64_t reported(const fh_hist *h, uint64_t v)
{
    uint64_t lo, hi;
    fh_hist_bucket_range(fh_hist_index(v), &lo, &hi);
    uint64_t mid = lo + (hi - lo) / 2u;
    if (mid < h->min_ns)
        mid = h->min_ns;
    if (mid > h->max_ns)
        mid = h->max_ns;
    return mid;
}

/* Values step, 2*step, ..., n*step recorded in a scrambled order; the
 * percentile q (in tenths of a percent) must be the value of rank
 * ceil(q / 1000 * n), i.e. rank * step, up to its bucket. */
static void check_ranks(uint64_t n, uint64_t step)
{
    fh_hist_reset(&H);
    for (uint64_t i = 0; i < n; i++)
        fh_hist_add(&H, ((i * 7919u) % n + 1u) * step); /* 7919 is prime: a permutation */
    assert_int_equal(H.n, n);
    assert_int_equal(H.min_ns, step);
    assert_int_equal(H.max_ns, n * step);
    static const unsigned tenths[] = {500, 900, 950, 990, 999};
    for (size_t k = 0; k < sizeof tenths / sizeof tenths[0]; k++) {
        uint64_t rank = (tenths[k] * n + 999u) / 1000u;
        uint64_t got = fh_hist_percentile(&H, tenths[k] / 10.0);
        assert_int_equal(got, reported(&H, rank * step));
    }
    assert_int_equal(fh_hist_percentile(&H, 100), n * step);
}

static void test_percentiles_1_to_1000_us(void **state)
{
    (void)state;
    check_ranks(1000, 1000); /* 1..1000 us */
    /* the figures themselves: 500, 900, 990 and 999 us, each within its bucket
     * (0.4 %), and 999 us is not in 1000 us's bucket */
    const uint64_t want[] = {500000, 900000, 990000, 999000};
    const double q[] = {50, 90, 99, 99.9};
    for (size_t k = 0; k < 4; k++) {
        uint64_t got = fh_hist_percentile(&H, q[k]);
        assert_true(got + want[k] / 256u >= want[k] && got <= want[k] + want[k] / 256u);
        assert_int_equal(fh_hist_index(got), fh_hist_index(want[k]));
    }
    assert_true(fh_hist_index(999000) != fh_hist_index(1000000));
}

static void test_percentiles_exact_small_values(void **state)
{
    (void)state;
    /* below 128 ns every value has its own bucket: the percentiles are exact */
    fh_hist_reset(&H);
    for (uint64_t v = 1; v <= 100; v++)
        fh_hist_add(&H, v);
    assert_int_equal(fh_hist_percentile(&H, 50), 50);
    assert_int_equal(fh_hist_percentile(&H, 90), 90);
    assert_int_equal(fh_hist_percentile(&H, 99), 99);
    assert_int_equal(fh_hist_percentile(&H, 99.9), 100);
    fh_hist_reset(&H);
    for (uint64_t v = 1; v <= 7; v++)
        fh_hist_add(&H, v);
    assert_int_equal(fh_hist_percentile(&H, 50), 4); /* ceil(3.5) */
    assert_int_equal(fh_hist_percentile(&H, 0.1), 1);
}

static void test_percentiles_various_n(void **state)
{
    (void)state;
    static const uint64_t ns[] = {1, 2, 3, 7, 10, 99, 100, 101, 999, 1000, 1001, 2000, 9999, 10000};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        check_ranks(ns[k], 1);
        check_ranks(ns[k], 1000);
        check_ranks(ns[k], 123457);
    }
}

static void test_empty_and_single(void **state)
{
    (void)state;
    fh_hist_reset(&H);
    assert_int_equal(fh_hist_percentile(&H, 50), 0);
    assert_int_equal(fh_hist_percentile(&H, 99.9), 0);
    assert_true(fh_hist_mean(&H) == 0.0);
    fh_hist_add(&H, 123456789);
    /* one value: every percentile is that value (clamped to [min, max]) */
    assert_int_equal(fh_hist_percentile(&H, 0.1), 123456789);
    assert_int_equal(fh_hist_percentile(&H, 50), 123456789);
    assert_int_equal(fh_hist_percentile(&H, 99.9), 123456789);
}

static void test_bucket_precision(void **state)
{
    (void)state;
    /* the buckets tile [0, FH_HIST_MAX_NS] in order, each below 1/128 of its low end */
    uint64_t next = 0;
    for (uint32_t i = 0; i < FH_HIST_BUCKETS; i++) {
        uint64_t lo, hi;
        fh_hist_bucket_range(i, &lo, &hi);
        assert_int_equal(lo, next);
        assert_true(hi >= lo);
        if (i < FH_HIST_SUB)
            assert_int_equal(hi, lo);
        else
            assert_true((hi - lo + 1u) * FH_HIST_SUB <= lo);
        assert_int_equal(fh_hist_index(lo), i);
        assert_int_equal(fh_hist_index(hi), i);
        next = hi + 1u;
    }
    assert_int_equal(next - 1u, FH_HIST_MAX_NS);
    /* a value's bucket midpoint is within 1/256 of it */
    uint64_t x = 88172645463325252u; /* xorshift64 */
    for (int k = 0; k < 200000; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t v = x >> ((x & 63u) % 40u); /* spread over the magnitudes */
        if (v > FH_HIST_MAX_NS)
            v = FH_HIST_MAX_NS;
        uint64_t lo, hi;
        fh_hist_bucket_range(fh_hist_index(v), &lo, &hi);
        assert_true(lo <= v && v <= hi);
        uint64_t mid = lo + (hi - lo) / 2u;
        uint64_t d = mid > v ? mid - v : v - mid;
        assert_true(d * 256u <= v || v < FH_HIST_SUB);
    }
}

static void test_clamp_and_merge(void **state)
{
    (void)state;
    fh_hist_reset(&H);
    fh_hist_add(&H, UINT64_MAX);
    assert_int_equal(fh_hist_index(UINT64_MAX), FH_HIST_BUCKETS - 1u);
    assert_int_equal(H.counts[FH_HIST_BUCKETS - 1u], 1);
    assert_int_equal(H.max_ns, UINT64_MAX); /* max stays exact */
    assert_int_equal(fh_hist_percentile(&H, 50), UINT64_MAX);

    fh_hist_reset(&H);
    fh_hist_reset(&H2);
    for (uint64_t v = 1; v <= 1000; v++)
        fh_hist_add(v % 2 ? &H : &H2, v * 1000u);
    fh_hist_merge(&H, &H2);
    assert_int_equal(H.n, 1000);
    assert_int_equal(H.min_ns, 1000);
    assert_int_equal(H.max_ns, 1000000);
    assert_int_equal(fh_hist_percentile(&H, 99.9), reported(&H, 999000));
    assert_true(fh_hist_mean(&H) == 500500.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles_1_to_1000_us),
        cmocka_unit_test(test_percentiles_exact_small_values),
        cmocka_unit_test(test_percentiles_various_n),
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_bucket_precision),
        cmocka_unit_test(test_clamp_and_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
