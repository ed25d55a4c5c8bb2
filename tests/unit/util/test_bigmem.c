/* test_bigmem.c — fh_big_calloc / fh_big_realloc / fh_big_free: zeroed
 * memory, contents kept across a resize, both the calloc and the mapping path
 * (blocks below and above 1 MiB), and huge-page alignment of large blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "fahras/bigmem.h"

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31u + seed);
}

static bool filled(const uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(i * 31u + seed))
            return false;
    return true;
}

static void test_calloc_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 4096, (1u << 20) - 1, 1u << 20, (3u << 20) + 5, 16u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *p = fh_big_calloc(sizes[i]);
        assert_non_null(p);
        assert_true(all_zero(p, sizes[i]));
        if (sizes[i] >= (1u << 20)) /* its own mapping, on a huge-page boundary */
            assert_int_equal((uintptr_t)p % (2u << 20), 0);
        fill(p, sizes[i], (unsigned)i); /* every byte is writable */
        assert_true(filled(p, sizes[i], (unsigned)i));
        fh_big_free(p, sizes[i]);
    }
    assert_null(fh_big_calloc(0));
    assert_null(fh_big_calloc(SIZE_MAX));
    fh_big_free(NULL, 123); /* ignored */
}

static void test_realloc_keeps_and_zeroes(void **state)
{
    (void)state;
    /* grow through both paths: small -> small -> big -> bigger, then shrink */
    static const size_t steps[] = {100, 64u << 10, 2u << 20, (5u << 20) + 3, 1u << 20, 300};
    uint8_t *p = NULL;
    size_t n = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        size_t m = steps[i];
        if (n)
            fill(p, n, 7);
        uint8_t *q = fh_big_realloc(p, n, m);
        assert_non_null(q);
        size_t keep = n < m ? n : m;
        assert_true(filled(q, keep, 7));
        if (m > n)
            assert_true(all_zero(q + n, m - n));
        p = q;
        n = m;
    }
    fh_big_free(p, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calloc_sizes),
        cmocka_unit_test(test_realloc_keeps_and_zeroes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
