/* test_grow.c — fh_grow_u32: no reallocation when the array is big enough,
 * the first capacity, doubling until `need` fits, contents kept, and an
 * impossible size refused with the array untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "fahras/err.h"
#include "fahras/grow.h"

static void test_grow(void **state)
{
    (void)state;
    uint32_t *a = NULL;
    size_t cap = 0;
    assert_int_equal(fh_grow_u32(&a, &cap, 0, 16), 0); /* nothing needed: nothing done */
    assert_null(a);
    assert_int_equal(cap, 0);
    assert_int_equal(fh_grow_u32(&a, &cap, 5, 16), 0);
    assert_non_null(a);
    assert_int_equal(cap, 16);
    for (uint32_t i = 0; i < 16; i++)
        a[i] = i * 7u;
    uint32_t *before = a;
    assert_int_equal(fh_grow_u32(&a, &cap, 16, 16), 0); /* fits: unchanged */
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 16);
    assert_int_equal(fh_grow_u32(&a, &cap, 100, 16), 0); /* 16 -> 32 -> 64 -> 128 */
    assert_int_equal(cap, 128);
    for (uint32_t i = 0; i < 16; i++)
        assert_int_equal(a[i], i * 7u);
    a[127] = 1; /* the whole capacity is usable (ASan checks) */
    before = a;
    assert_int_equal(fh_grow_u32(&a, &cap, SIZE_MAX / 2, 16), FH_ENOMEM);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 128);
    assert_int_equal(a[15], 105u);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
