/* bigmem.c — see bigmem.h. Blocks under FH_BIG_MIN come from calloc (a
 * mapping per small table would waste address space and system calls);
 * larger ones are their own mapping, aligned to the huge page size so the
 * kernel can back them with huge pages from the first touch. */
#include "fahras/bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define FH_BIG_MIN ((size_t)1 << 20)
#define FH_HUGE ((size_t)2 << 20) /* x86-64 and arm64 with 4 KiB base pages */

static size_t map_len(size_t n)
{
    return (n + FH_HUGE - 1) / FH_HUGE * FH_HUGE;
}

void *fh_big_calloc(size_t n)
{
    if (n == 0 || n > SIZE_MAX - 2 * FH_HUGE)
        return NULL;
    if (n < FH_BIG_MIN)
        return calloc(1, n);
    size_t len = map_len(n);
    /* map one huge page more, then trim to an aligned window */
    uint8_t *raw = mmap(NULL, len + FH_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + FH_HUGE - 1) & ~(uintptr_t)(FH_HUGE - 1));
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    size_t tail = (size_t)(raw + FH_HUGE - p);
    if (tail)
        munmap(p + len, tail);
#ifdef MADV_HUGEPAGE
    (void)madvise(p, len, MADV_HUGEPAGE); /* advice: small pages work too */
#endif
    return p; /* anonymous mappings are zero-filled */
}

void fh_big_free(void *p, size_t n)
{
    if (p == NULL)
        return;
    if (n < FH_BIG_MIN)
        free(p);
    else
        munmap(p, map_len(n));
}

void *fh_big_realloc(void *p, size_t old_n, size_t new_n)
{
    if (p == NULL || old_n == 0)
        return fh_big_calloc(new_n);
    if (old_n < FH_BIG_MIN && new_n < FH_BIG_MIN) {
        uint8_t *q = realloc(p, new_n);
        if (q != NULL && new_n > old_n)
            memset(q + old_n, 0, new_n - old_n);
        return q;
    }
    uint8_t *q = fh_big_calloc(new_n);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old_n < new_n ? old_n : new_n);
    fh_big_free(p, old_n);
    return q;
}
