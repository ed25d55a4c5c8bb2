/* grow.c — see grow.h. */
#include "fahras/grow.h"

#include <stdlib.h>

#include "fahras/err.h"

int fh_grow_u32(uint32_t **a, size_t *cap, size_t need, size_t first)
{
    if (need <= *cap)
        return 0;
    if (need > SIZE_MAX / 2 / sizeof **a)
        return FH_ENOMEM;
    size_t nc = *cap ? *cap : (first ? first : 1);
    while (nc < need)
        nc *= 2;
    uint32_t *p = realloc(*a, nc * sizeof *p);
    if (!p)
        return FH_ENOMEM;
    *a = p;
    *cap = nc;
    return 0;
}
