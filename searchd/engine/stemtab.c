/* stemtab.c — a set of stems interned to dense indices, in insertion order.
 *
 * The re-rankers that read documents again (feedback.c, focus.c) gather the
 * distinct stems of a few hundred words and keep data per stem in arrays of
 * their own (`data`), indexed by the stem's number here. Open addressing (FNV-1a,
 * linear probing) over an arena of the stems' bytes; the table only grows and
 * fh_stemtab_reset empties it without freeing.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

void fh_stemtab_free(fh_stemtab *t)
{
    free(t->off);
    free(t->len);
    free(t->hash);
    free(t->data);
    free(t->slot);
    free(t->arena);
    memset(t, 0, sizeof *t);
}

int fh_stemtab_reserve(fh_stemtab *t, uint32_t cap, size_t arena_bytes, size_t elem)
{
    if (arena_bytes > t->acap) {
        char *a = realloc(t->arena, arena_bytes);
        if (!a)
            return FH_ENOMEM;
        t->arena = a;
        t->acap = arena_bytes;
    }
    if (cap <= t->cap)
        return 0;
    uint32_t nslot = 16;
    while (nslot < 2u * cap)
        nslot <<= 1;
    uint32_t *off = realloc(t->off, sizeof *off * cap);
    if (!off)
        return FH_ENOMEM;
    t->off = off;
    uint16_t *len = realloc(t->len, sizeof *len * cap);
    if (!len)
        return FH_ENOMEM;
    t->len = len;
    uint32_t *hash = realloc(t->hash, sizeof *hash * cap);
    if (!hash)
        return FH_ENOMEM;
    t->hash = hash;
    void *data = realloc(t->data, elem * cap);
    if (!data)
        return FH_ENOMEM;
    t->data = data;
    t->elem = elem;
    uint32_t *slot = realloc(t->slot, sizeof *slot * nslot);
    if (!slot)
        return FH_ENOMEM;
    t->slot = slot;
    t->cap = cap;
    t->nslot = nslot;
    fh_stemtab_reset(t);
    return 0;
}

void fh_stemtab_reset(fh_stemtab *t)
{
    t->n = 0;
    t->alen = 0;
    if (t->slot)
        memset(t->slot, 0, sizeof *t->slot * t->nslot);
}

int fh_stemtab_intern(fh_stemtab *t, const char *s, uint16_t len, uint32_t *ix, bool *added)
{
    uint32_t h = fh_fnv1a(s, len);
    uint32_t mask = t->nslot - 1u;
    for (uint32_t i = h & mask;; i = (i + 1u) & mask) {
        uint32_t k = t->slot[i];
        if (k == 0) {
            if (t->n >= t->cap || t->alen + len > t->acap)
                return FH_ELIMIT;
            memcpy(t->arena + t->alen, s, len);
            t->off[t->n] = (uint32_t)t->alen;
            t->len[t->n] = len;
            t->hash[t->n] = h;
            t->alen += len;
            *ix = t->n;
            t->slot[i] = ++t->n;
            *added = true;
            return 0;
        }
        if (t->hash[k - 1u] == h && t->len[k - 1u] == len &&
            memcmp(t->arena + t->off[k - 1u], s, len) == 0) {
            *ix = k - 1u;
            *added = false;
            return 0;
        }
    }
}
