/* strset.c — a small hashed set of byte strings (stop list, lexicon guard).
 *
 * Built once when an analyzer is created, then only read: lookups take a
 * const set and touch no shared mutable state, so any thread may call
 * fh_strset_has. Keys are hashed with XXH3-64; the table is kept at most half
 * full so probes stay short. */
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "analyze_int.h"
#include "fahras/err.h"

void fh_strset_init(fh_strset *set)
{
    memset(set, 0, sizeof *set);
}

void fh_strset_fini(fh_strset *set)
{
    free(set->slots);
    free(set->pool);
    memset(set, 0, sizeof *set);
}

static int grow_slots(fh_strset *set)
{
    size_t cap = set->slots ? (set->mask + 1) * 2 : 64;
    fh_strset_slot *ns = calloc(cap, sizeof *ns);
    if (ns == NULL)
        return FH_ENOMEM;
    if (set->slots) {
        for (size_t i = 0; i <= set->mask; i++) {
            fh_strset_slot *o = &set->slots[i];
            if (o->len == 0)
                continue;
            size_t j = (size_t)o->hash & (cap - 1);
            while (ns[j].len != 0)
                j = (j + 1) & (cap - 1);
            ns[j] = *o;
        }
        free(set->slots);
    }
    set->slots = ns;
    set->mask = cap - 1;
    return 0;
}

int fh_strset_add(fh_strset *set, const char *s, size_t n)
{
    if (n == 0 || n > UINT32_MAX)
        return FH_EINVAL;
    if (fh_strset_has(set, s, n))
        return 0;
    if (set->slots == NULL || (set->count + 1) * 2 > set->mask + 1) {
        int rc = grow_slots(set);
        if (rc != 0)
            return rc;
    }
    if (set->pool_len + n > set->pool_cap) {
        size_t cap = set->pool_cap ? set->pool_cap * 2 : 4096;
        while (cap < set->pool_len + n)
            cap *= 2;
        if (cap > UINT32_MAX)
            return FH_ELIMIT;
        char *np = realloc(set->pool, cap);
        if (np == NULL)
            return FH_ENOMEM;
        set->pool = np;
        set->pool_cap = cap;
    }
    memcpy(set->pool + set->pool_len, s, n);
    uint64_t h = XXH3_64bits(s, n);
    size_t j = (size_t)h & set->mask;
    while (set->slots[j].len != 0)
        j = (j + 1) & set->mask;
    set->slots[j].hash = h;
    set->slots[j].off = (uint32_t)set->pool_len;
    set->slots[j].len = (uint32_t)n;
    set->pool_len += n;
    set->count++;
    if (n > set->max_len)
        set->max_len = n;
    return 0;
}

bool fh_strset_has(const fh_strset *set, const char *s, size_t n)
{
    if (set->slots == NULL || n == 0 || n > set->max_len)
        return false;
    uint64_t h = XXH3_64bits(s, n);
    size_t j = (size_t)h & set->mask;
    for (;;) {
        const fh_strset_slot *sl = &set->slots[j];
        if (sl->len == 0)
            return false;
        if (sl->hash == h && sl->len == n && memcmp(set->pool + sl->off, s, n) == 0)
            return true;
        j = (j + 1) & set->mask;
    }
}
