/* bigmem.h — large zeroed tables backed by transparent huge pages.
 *
 * The indexer's hot tables (term hash slots and entries, the posting arena)
 * are tens to hundreds of megabytes written and probed at random: with 4 KiB
 * pages nearly every probe also misses the TLB, and every page is a page
 * fault. These blocks are anonymous mappings advised MADV_HUGEPAGE, which
 * Linux honours in its default THP mode ("madvise"); where it is refused
 * the block still works with small pages.
 *
 * Ownership: the caller owns the block and releases it with fh_big_free,
 * passing the size it asked for (never free()). */
#ifndef FAHRAS_BIGMEM_H
#define FAHRAS_BIGMEM_H

#include <stddef.h>

/* A zero-filled block of n bytes (n > 0), or NULL when out of memory. */
void *fh_big_calloc(size_t n);
/* Release a block from fh_big_calloc / fh_big_realloc of size n; NULL is ignored. */
void fh_big_free(void *p, size_t n);
/* Resize block p of old_n bytes to new_n bytes, keeping the first
 * min(old_n, new_n) bytes; bytes past old_n are zero. On failure returns NULL
 * and p is untouched. p may be NULL (old_n 0). */
void *fh_big_realloc(void *p, size_t old_n, size_t new_n);

#endif /* FAHRAS_BIGMEM_H */
